// What vpnmasq reads around mainline's PPTP helper, on arbitrary input:
// which TCP segment opens a control connection (the helper is attached to
// it), and the join of calls with their GRE entries' counts from a walk of
// the conntrack table, in any order, with rows of vanished calls, calls
// without a row, and LAN hosts on either end of the GRE entry.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" {
#include "core/calls.h"
}

namespace {

// A few distinct control connections: only their addresses matter.
char kControl[6];

// The oracle, written out from RFC 793's layout.
bool opens_control(const std::vector<uint8_t> &th)
{
	if (th.size() < 20 || (th[12] >> 4) < 5)
		return false;
	bool syn = th[13] & 0x02, ack = th[13] & 0x10;
	return th[2] == 1723 >> 8 && th[3] == (1723 & 0xff) && syn && !ack;
}

void syn(FuzzedDataProvider &in)
{
	std::vector<uint8_t> th = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange(0, 64));
	// Often the right port, so that the flags and offset get exercised.
	if (th.size() >= 4 && in.ConsumeBool()) {
		th[2] = 1723 >> 8;
		th[3] = 1723 & 0xff;
	}
	// The exact size, so that ASan sees any read past it.
	auto *buf = static_cast<uint8_t *>(malloc(th.size() ? th.size() : 1));
	std::copy(th.begin(), th.end(), buf);
	bool got = vm_pptp_control_syn(buf, th.size());
	free(buf);
	if (got != opens_control(th))
		abort();
}

void join(FuzzedDataProvider &in)
{
	const __be32 lans[] = {0x0101a8c0, 0x0201a8c0, 0x0301a8c0};
	const __be32 server = 0x017100cb;
	size_t n_calls = in.ConsumeIntegralInRange<size_t>(0, 6);
	size_t n_gre = in.ConsumeIntegralInRange<size_t>(0, 8);
	std::vector<vpnmasq_pptp_info> calls(n_calls);
	std::vector<const void *> ctrl(n_calls);
	std::vector<vm_gre_row> rows(n_gre);

	for (size_t i = 0; i < n_calls; i++) {
		calls[i] = {};
		calls[i].lan = lans[in.ConsumeIntegralInRange<size_t>(0, 2)];
		calls[i].server = server;
		// Distinct control connections: a walk sees each once.
		ctrl[i] = &kControl[i];
	}
	for (auto &r : rows) {
		r.master = &kControl[in.ConsumeIntegralInRange<size_t>(0, 5)];
		r.orig_src = in.ConsumeBool() ? server : lans[in.ConsumeIntegralInRange<size_t>(0, 2)];
		r.packets[0] = in.ConsumeIntegral<uint64_t>();
		r.packets[1] = in.ConsumeIntegral<uint64_t>();
	}
	const std::vector<vm_gre_row> before = rows;
	vm_pptp_join(calls.data(), ctrl.data(), n_calls, rows.empty() ? nullptr : rows.data(),
		     n_gre);

	// Each call has the counts of one of its own rows, oriented from its
	// LAN host, or none if it has no row; nothing else was written.
	for (size_t i = 0; i < n_calls; i++) {
		const vpnmasq_pptp_info &c = calls[i];
		if (c.lan == 0 || c.server != server)
			abort();
		bool has_row = false, matched = false;
		for (const vm_gre_row &r : before) {
			if (r.master != ctrl[i])
				continue;
			has_row = true;
			bool lan_first = r.orig_src == c.lan;
			uint64_t out = r.packets[lan_first ? 0 : 1], in_ = r.packets[lan_first ? 1 : 0];
			if (c.gre_out == out && c.gre_in == in_)
				matched = true;
		}
		if (has_row ? !matched : (c.gre_out || c.gre_in))
			abort();
	}
	// Sorting keeps the rows, only their order changes.
	if (rows.size() != before.size())
		abort();
	for (const vm_gre_row &r : before) {
		size_t a = 0, b = 0;
		for (const vm_gre_row &x : before)
			a += x.master == r.master && x.packets[0] == r.packets[0];
		for (const vm_gre_row &x : rows)
			b += x.master == r.master && x.packets[0] == r.packets[0];
		if (a != b)
			abort();
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzedDataProvider in(data, size);
	while (in.remaining_bytes()) {
		if (in.ConsumeBool())
			syn(in);
		else
			join(in);
	}
	return 0;
}
