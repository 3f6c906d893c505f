// The association state machine of one namespace driven by an arbitrary
// sequence of packets and admin actions: LAN hosts and remotes exchanging
// ISAKMP and ESP, the gateway's own IKE, time passing (serialization waits,
// idle expiry), conntrack entries dying, flushes, deletes, config changes.
// After every step the tables must agree with their own counters and
// dumps; at the end everything is freed (LeakSanitizer checks) and every
// held packet was either released or dropped exactly once.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "harness.hpp"

namespace {

using namespace fuzz;

const __be32 kLan[] = {addr(0x0a000002), addr(0x0a000003), addr(0x0a000004),
		       addr(0x0a000005)};
const __be32 kRemote[] = {addr(0xcb007101), addr(0xcb007102), addr(0xcb007103)};

void ike(FuzzedDataProvider &in, vm_tables *t, const vpnmasq_config *cfg,
	 int dir)
{
	u8 buf[40] = {};
	size_t len = in.ConsumeIntegralInRange<size_t>(0, sizeof(buf));
	// Few distinct cookies, so that they meet again.
	u64 icookie = in.ConsumeIntegralInRange<u64>(0, 5);
	memcpy(buf, &icookie, 8);
	buf[8] = in.ConsumeIntegral<u8>() & 3; // responder cookie
	buf[17] = in.ConsumeBool() ? 0x10 : in.ConsumeIntegral<u8>();
	buf[27] = in.ConsumeBool() ? VM_ISAKMP_HDR_LEN : in.ConsumeIntegral<u8>();
	vm_isakmp hdr;
	if (vm_isakmp_parse(buf, len, &hdr))
		return;
	vm_decision d{};
	vm_pkt pkt{};
	void *cell = pkt_new();
	pkt.now = jiffies;
	switch (dir) {
	case 0: // forwarded from a LAN host
		pkt.saddr = pick(in, kLan);
		pkt.daddr = pick(in, kRemote);
		vm_ike_classify(t, cfg, &pkt, &hdr, cell, &d);
		break;
	case 1: // from a remote to the public address
		pkt.saddr = pick(in, kRemote);
		pkt.daddr = kGateway;
		pkt.to_local = true;
		vm_ike_classify(t, cfg, &pkt, &hdr, cell, &d);
		break;
	default: // the gateway's own
		pkt.saddr = kGateway;
		pkt.daddr = pick(in, kRemote);
		vm_ike_local_out(t, cfg, &pkt, &hdr);
		pkt_done(cell);
		return;
	}
	if (d.verdict == VM_HOLD &&
	    (dir != 0 || !vm_nego_exchange(hdr.version, hdr.exchange)))
		abort(); // only a host's negotiations wait, besides ESP
	if (d.verdict != VM_HOLD)
		pkt_done(cell);
}

void esp(FuzzedDataProvider &in, vm_tables *t, const vpnmasq_config *cfg,
	 bool inbound)
{
	__be32 spi = addr(in.ConsumeIntegralInRange<uint32_t>(1, 8));
	vm_decision d{};
	vm_pkt pkt{};
	pkt.now = jiffies;
	if (inbound) {
		pkt.saddr = pick(in, kRemote);
		pkt.daddr = kGateway;
		pkt.to_local = true;
		void *cell = pkt_new();
		if (!vm_esp_known(t, &pkt, spi, 100, &d))
			vm_esp_inbound_new(t, cfg, &pkt, spi, cell, &d);
		if (d.verdict != VM_HOLD)
			pkt_done(cell);
		return;
	}
	pkt.saddr = pick(in, kLan);
	pkt.daddr = pick(in, kRemote);
	if (vm_esp_known(t, &pkt, spi, 100, &d))
		return;
	void *p = pkt_new();
	vm_esp_outbound_new(t, cfg, &pkt, spi, p, &d);
	if (d.verdict != VM_HOLD)
		pkt_done(p); // the caller keeps (and here frees) what is not held
}

// Every table agrees with its counter, walked in dump-sized batches.
void check(vm_tables *t)
{
	vm_ike_info ike[7];
	vm_esp_info esp[7];
	vm_pending_info pend[7];
	unsigned long n_ike = 0, n_esp = 0, n_pend = 0;
	unsigned int got;
	u32 gen;

	while ((got = vm_ike_snapshot(t, n_ike, ike, 7, &gen)))
		n_ike += got;
	while ((got = vm_esp_snapshot(t, n_esp, esp, 7, &gen))) {
		for (unsigned int i = 0; i < got; i++)
			if (!esp[i].lan)
				abort(); // ESP always belongs to a LAN host
		n_esp += got;
	}
	while ((got = vm_pending_snapshot(t, n_pend, pend, 7, &gen)))
		n_pend += got;
	if (n_ike != t->n_ike || n_esp != t->n_esp || t->n_held != held->size() ||
	    n_pend > sizeof(kRemote) / sizeof(kRemote[0]))
		abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzedDataProvider in(data, size);
	Run r(in);
	vpnmasq_config &cfg = r.cfg;
	vm_tables &t = r.t;

	// Small limits, so that exhaustion is reached.
	cfg.max_assoc = in.ConsumeIntegralInRange<u32>(1, 12);
	cfg.hold_max = in.ConsumeIntegralInRange<u32>(0, 4);
	cfg.zone_count = in.ConsumeIntegralInRange<u16>(1, 5);
	if (!r.init())
		return 0;

	while (in.remaining_bytes()) {
		int op = in.ConsumeIntegralInRange(0, 11);
		switch (op) {
		case 0:
		case 1:
		case 2:
			ike(in, &t, &cfg, in.ConsumeIntegralInRange(0, 2));
			break;
		case 3:
		case 4:
			esp(in, &t, &cfg, in.ConsumeBool());
			break;
		case 5:
		case 6:
		case 7:
		case 8:
			other_step(in, r, op - 5, kLan, kRemote);
			break;
		case 9:
			vm_ike_del_cookie(&t, in.ConsumeIntegralInRange<u64>(0, 5),
					  in.ConsumeBool() ? 0 : pick(in, kRemote));
			settle(&t);
			break;
		case 10:
			vm_esp_del_spi(&t, addr(in.ConsumeIntegralInRange<uint32_t>(1, 8)),
				       in.ConsumeBool() ? 0 : pick(in, kRemote));
			break;
		case 11: // the admin changes limits under traffic
			cfg.max_assoc = in.ConsumeIntegralInRange<u32>(1, 12);
			cfg.hold_max = in.ConsumeIntegralInRange<u32>(0, 4);
			cfg.serial_wait = in.ConsumeIntegralInRange<u32>(100, 3000);
			break;
		}
		check(&t);
	}
	r.finish();
	return 0;
}
