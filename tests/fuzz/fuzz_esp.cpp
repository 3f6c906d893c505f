// ESP through the module's core on arbitrary input: each step is an ESP
// packet (its header bytes parsed by vm_esp_parse, as the hook does after
// skb_header_pointer), an IKE exchange that gives a host state with a
// remote, time passing, or an admin action. Beyond "no crash, leak or UB"
// it checks, against the tables' own dumps, that nothing is misdelivered:
//   - a header is accepted exactly when it has 8 bytes and a non-zero SPI;
//   - a new inbound SPI goes to the only host that just negotiated with that
//     remote unless another host is pending, else to the pending host,
//     else nowhere: no SPI is ever bound to a host that did not negotiate
//     or send first;
//   - a remote's new IKE SA goes by negotiation only to a host that had an
//     IKE SA rekey (an IKEv2 CREATE_CHILD_SA) with it, and never when it
//     starts with IKE_SA_INIT;
//   - a known SPI's packet gets the zone of the host its entry names;
//   - an outbound SPI entry only ever names the host that sent it, and a
//     second host sending the same SPI to the same remote is refused;
//   - an ICMP error quoting an outbound SPI gets that SPI's host's zone,
//     or none if no host has it;
//   - a packet that is no masqueraded LAN host's (outside the LAN scope,
//     LAN to LAN, or of a flow conntrack tracks without vpnmasq) is passed
//     untouched and adds nothing; a second look (recheck) binds nothing;
//   - after every step, every association and pending slot is of a flow
//     the current scope covers, also right after the scope changed.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "harness.hpp"

namespace {

using namespace fuzz;

// The last "LAN host" is a routed public host (a DMZ), the last remote a
// host of another private subnet (LAN to LAN): the default scope claims
// neither; a narrowed one may leave out more.
const __be32 kLan[] = {addr(0x0a000002), addr(0x0a000003), addr(0x0a000004),
		       addr(0xc6336414)};
const __be32 kRemote[] = {addr(0xcb007101), addr(0xcb007102), addr(0x0a090909)};

std::vector<vm_esp_info> esp_rows(vm_tables *t)
{
	std::vector<vm_esp_info> all;
	vm_esp_info buf[8];
	unsigned int got;
	u32 gen;
	while ((got = vm_esp_snapshot(t, all.size(), buf, 8, &gen)))
		all.insert(all.end(), buf, buf + got);
	return all;
}

const vm_esp_info *find(const std::vector<vm_esp_info> &rows, __be32 remote, __be32 spi,
			u8 dir)
{
	for (const auto &r : rows)
		if (r.remote == remote && r.spi == spi && r.dir == dir)
			return &r;
	return nullptr;
}

// The remote's slot holder, and whether it negotiates (else it sent first).
__be32 pending_lan(vm_tables *t, __be32 remote, bool *nego = nullptr)
{
	vm_pending_info buf[8];
	u32 gen;
	unsigned int got = vm_pending_snapshot(t, 0, buf, 8, &gen);
	for (unsigned int i = 0; i < got; i++)
		if (buf[i].remote == remote) {
			if (nego)
				*nego = buf[i].kind == VM_SLOT_NEGO;
			return buf[i].lan;
		}
	return 0;
}

// The bytes of an ESP packet from the IP payload on: a parsed SPI or not.
bool esp_header(FuzzedDataProvider &in, __be32 *spi)
{
	size_t len = in.ConsumeIntegralInRange<size_t>(0, 12);
	std::vector<uint8_t> bytes(len);
	// Few SPIs, so that they meet again; sometimes 0 (reserved).
	uint32_t v = in.ConsumeIntegralInRange<uint32_t>(0, 6);
	for (size_t i = 0; i < len; i++)
		bytes[i] = i < 4 ? (v >> (24 - 8 * i)) & 0xff : in.ConsumeIntegral<uint8_t>();
	auto *buf = static_cast<uint8_t *>(malloc(len ? len : 1));
	std::copy(bytes.begin(), bytes.end(), buf);
	__be32 got = 0xdeadbeef;
	int err = vm_esp_parse(buf, len, &got);
	free(buf);
	bool valid = len >= VM_ESP_HDR_LEN && v != 0;
	if (valid != !err || (valid && got != addr(v)))
		abort();
	*spi = got;
	return valid;
}

// The hosts whose IKE SA rekeys entitle them to a new IKE SA from @remote.
std::set<__be32> rekeyed(vm_tables *t, __be32 remote)
{
	std::set<__be32> lans;
	vm_nego_info buf[8];
	unsigned long n = 0;
	unsigned int got;
	u32 gen;
	while ((got = vm_nego_snapshot(t, n, buf, 8, &gen))) {
		for (unsigned int i = 0; i < got; i++)
			if (buf[i].remote == remote && buf[i].open && buf[i].ike_sas)
				lans.insert(buf[i].lan);
		n += got;
	}
	return lans;
}

// How many of @remote's cookies are bound to a host by a negotiation, and
// to which host @icookie is, if it is.
unsigned int ike_by_nego(vm_tables *t, __be32 remote, __be64 icookie, __be32 *lan)
{
	vm_ike_info buf[8];
	unsigned long n = 0;
	unsigned int got, by_nego = 0;
	u32 gen;
	while ((got = vm_ike_snapshot(t, n, buf, 8, &gen))) {
		for (unsigned int i = 0; i < got; i++) {
			if (buf[i].remote != remote)
				continue;
			by_nego += buf[i].how == VPNMASQ_HOW_NEGOTIATION;
			if (buf[i].icookie == icookie)
				*lan = buf[i].lan;
		}
		n += got;
	}
	return by_nego;
}

// An ISAKMP message from a host or from a remote: Main Mode, Quick Mode,
// IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, Informational, with few message
// IDs and either Response flag, so that negotiations complete (or not).
void ike(FuzzedDataProvider &in, vm_tables *t, const vpnmasq_config *cfg)
{
	static const u8 kExchanges[] = {2, 5, VM_EXCH_IKEV1_QUICK, 34, VM_EXCH_IKEV2_IKE_AUTH,
					VM_EXCH_IKEV2_CREATE_CHILD_SA, 37};
	u8 buf[VM_ISAKMP_HDR_LEN] = {};
	u64 icookie = in.ConsumeIntegralInRange<u64>(1, 4);
	memcpy(buf, &icookie, 8);
	buf[8] = in.ConsumeIntegral<u8>() & 1;
	buf[17] = in.ConsumeBool() ? 0x10 : 0x20;
	buf[18] = kExchanges[in.ConsumeIntegralInRange<size_t>(0, sizeof(kExchanges) - 1)];
	buf[19] = in.ConsumeBool() ? VM_IKEV2_FLAG_RESPONSE : 0;
	buf[23] = in.ConsumeIntegralInRange<u8>(0, 3);
	buf[27] = VM_ISAKMP_HDR_LEN;
	vm_isakmp hdr;
	if (vm_isakmp_parse(buf, sizeof(buf), &hdr))
		abort();
	vm_pkt pkt{};
	vm_decision d{};
	pkt.now = jiffies;
	if (in.ConsumeBool()) {
		pkt.saddr = pick(in, kLan);
		pkt.daddr = pick(in, kRemote);
	} else {
		pkt.saddr = pick(in, kRemote);
		pkt.daddr = kGateway;
		pkt.to_local = true;
	}
	// a cookie bound to a host by negotiation: the host's IKE SA rekey's
	std::set<__be32> may_own;
	__be32 owner = 0;
	unsigned int by_nego = 0;
	if (pkt.to_local) {
		may_own = rekeyed(t, pkt.saddr);
		by_nego = ike_by_nego(t, pkt.saddr, hdr.icookie, &owner);
	}
	void *cell = pkt_new();
	vm_ike_classify(t, cfg, &pkt, &hdr, cell, &d);
	if (d.verdict != VM_HOLD)
		pkt_done(cell);
	vm_refusal_count(t, &d);
	if (pkt.to_local && ike_by_nego(t, pkt.saddr, hdr.icookie, &owner) > by_nego &&
	    (!may_own.count(owner) || (hdr.version >> 4) != 2 ||
	     hdr.exchange == 34 || pkt.recheck))
		abort(); // bound by a rekey that host never made
}

// The hosts entitled to new inbound SPIs from @remote right now.
std::set<__be32> entitled(vm_tables *t, __be32 remote)
{
	std::set<__be32> lans;
	vm_nego_info buf[8];
	unsigned long n = 0;
	unsigned int got;
	u32 gen;
	while ((got = vm_nego_snapshot(t, n, buf, 8, &gen))) {
		for (unsigned int i = 0; i < got; i++)
			if (buf[i].remote == remote && buf[i].open && buf[i].spis)
				lans.insert(buf[i].lan);
		n += got;
	}
	return lans;
}

// Sometimes conntrack already tracks the flow (a port forward's).
bool foreign(FuzzedDataProvider &in)
{
	return in.ConsumeIntegralInRange(0, 7) == 0;
}

void esp_in(FuzzedDataProvider &in, vm_tables *t, const vpnmasq_config *cfg)
{
	__be32 spi;
	vm_pkt pkt{};
	pkt.saddr = pick(in, kRemote);
	pkt.daddr = kGateway;
	pkt.to_local = true;
	pkt.now = jiffies;
	pkt.foreign = foreign(in);
	pkt.recheck = in.ConsumeIntegralInRange(0, 7) == 0;
	if (!esp_header(in, &spi))
		return;
	auto before = esp_rows(t);
	const vm_esp_info *known = find(before, pkt.saddr, spi, VM_ESP_IN);
	bool negotiating = false;
	__be32 pending = pending_lan(t, pkt.saddr, &negotiating);
	auto earned = entitled(t, pkt.saddr);
	// a negotiating holder may get one only once its exchange is complete
	if (negotiating && !earned.count(pending))
		pending = 0;
	bool ours = vm_pkt_lan_side(cfg, &pkt) && !pkt.foreign;
	vm_decision d{};
	// The hook's second look comes after a refusal, never on the fast
	// path, and never holds.
	void *cell = pkt.recheck ? nullptr : pkt_new();
	if (pkt.recheck || !vm_esp_known(t, &pkt, spi, 100, &d))
		vm_esp_inbound_new(t, cfg, &pkt, spi, cell, &d);
	if (d.verdict == VM_HOLD) {
		// only an SPI nobody owns, while the slot holder awaits an answer
		if (!cell || known || !vm_pkt_lan_side(cfg, &pkt) || pkt.foreign ||
		    !pending_lan(t, pkt.saddr) ||
		    esp_rows(t).size() != before.size())
			abort();
		return;
	}
	if (cell)
		pkt_done(cell);
	if (known && !pkt.recheck) {
		if (d.verdict != VM_ZONE || d.zone != known->zone || !d.inbound)
			abort();
		return;
	}
	auto after = esp_rows(t);
	const vm_esp_info *added = known ? nullptr : find(after, pkt.saddr, spi, VM_ESP_IN);
	if (!ours) {
		if (d.verdict != VM_PASS || added || after.size() != before.size())
			abort(); // left alone, as without vpnmasq
		return;
	}
	if (d.verdict == VM_PASS)
		abort(); // ours: always decided
	if (d.verdict == VM_DROP && !d.refusal && pkt.recheck)
		abort(); // a second look's refusal is always reported
	if (!added) {
		if (d.verdict != VM_DROP)
			abort();
		return;
	}
	if (pkt.recheck)
		abort(); // a second look binds nothing
	// The one host it may belong to: it negotiated or sent first.
	__be32 nego = earned.size() == 1 ? *earned.begin() : 0;
	__be32 owner = nego && (!pending || pending == nego) ? nego : pending;
	if (!owner || added->lan != owner || d.verdict != VM_ZONE || d.zone != added->zone)
		abort();
}

void esp_out(FuzzedDataProvider &in, vm_tables *t, const vpnmasq_config *cfg)
{
	__be32 spi;
	vm_pkt pkt{};
	pkt.saddr = pick(in, kLan);
	pkt.daddr = pick(in, kRemote);
	pkt.now = jiffies;
	pkt.foreign = foreign(in);
	if (!esp_header(in, &spi))
		return;
	auto before = esp_rows(t);
	const vm_esp_info *known = find(before, pkt.daddr, spi, VM_ESP_OUT);
	bool ours = vm_pkt_lan_side(cfg, &pkt) && !pkt.foreign;
	vm_decision d{};
	bool fast = vm_esp_known(t, &pkt, spi, 100, &d);
	if (known && known->lan != pkt.saddr) {
		// Another host's SPI: never its zone.
		if (fast && d.verdict == VM_ZONE && d.zone == known->zone)
			abort();
	}
	if (fast) {
		if (d.verdict == VM_ZONE && known && known->lan == pkt.saddr &&
		    d.zone != known->zone)
			abort();
		return;
	}
	void *p = pkt_new();
	vm_esp_outbound_new(t, cfg, &pkt, spi, p, &d);
	if (d.verdict != VM_HOLD)
		pkt_done(p);
	if (!ours && (d.verdict != VM_PASS || esp_rows(t).size() != before.size()))
		abort(); // left alone, as without vpnmasq
	if (known && known->lan != pkt.saddr && d.verdict == VM_ZONE)
		abort(); // a collision must be refused
	auto after = esp_rows(t);
	const vm_esp_info *row = find(after, pkt.daddr, spi, VM_ESP_OUT);
	if (row && !known && row->lan != pkt.saddr)
		abort();
}

void icmp_error(FuzzedDataProvider &in, vm_tables *t)
{
	__be32 spi;
	__be32 remote = pick(in, kRemote);
	if (!esp_header(in, &spi))
		return;
	auto rows = esp_rows(t);
	const vm_esp_info *owner = find(rows, remote, spi, VM_ESP_OUT);
	vm_decision d{};
	vm_esp_icmp_error(t, remote, spi, &d);
	if (owner ? d.verdict != VM_ZONE || d.zone != owner->zone || !d.inbound
		  : d.verdict != VM_PASS)
		abort();
	// An error is not traffic: no entry's counters moved.
	auto after = esp_rows(t);
	for (size_t i = 0; i < rows.size() && i < after.size(); i++)
		if (rows[i].packets != after[i].packets || rows[i].last_seen != after[i].last_seen)
			abort();
}

// The admin narrows or widens the LAN scope (vpnmasq-ctl set lan).
void scope_change(FuzzedDataProvider &in, vm_tables *t, vpnmasq_config *cfg)
{
	vpnmasq_config next = *cfg;
	next.n_lan = 0;
	int n = in.ConsumeIntegralInRange(0, 3);
	for (int i = 0; i < n; i++) {
		u8 len = in.ConsumeIntegralInRange<u8>(0, 32);
		__be32 a = pick(in, kLan) & vpnmasq_prefix_mask(len);
		vpnmasq_lan_add(&next, a, len);
	}
	if (in.ConsumeBool())
		vpnmasq_config_defaults(&next);
	next.max_assoc = cfg->max_assoc;
	next.hold_max = cfg->hold_max;
	vm_tables_flush_scope(t, &next);
	settle(t);
	*cfg = next;
}

// Every association and slot is of a flow the scope covers.
void check_scope(vm_tables *t, const vpnmasq_config *cfg)
{
	for (const auto &r : esp_rows(t))
		if (!vpnmasq_lan_outbound(cfg, r.lan, r.remote))
			abort();
	vm_ike_info ib[8];
	unsigned long n = 0;
	unsigned int got;
	u32 gen;
	while ((got = vm_ike_snapshot(t, n, ib, 8, &gen))) {
		for (unsigned int i = 0; i < got; i++)
			if (ib[i].lan && !vpnmasq_lan_outbound(cfg, ib[i].lan, ib[i].remote))
				abort();
		n += got;
	}
	vm_pending_info pb[8];
	got = vm_pending_snapshot(t, 0, pb, 8, &gen);
	for (unsigned int i = 0; i < got; i++)
		if (!vpnmasq_lan_outbound(cfg, pb[i].lan, pb[i].remote))
			abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzedDataProvider in(data, size);
	Run r(in);
	vpnmasq_config &cfg = r.cfg;
	vm_tables &t = r.t;

	cfg.max_assoc = in.ConsumeIntegralInRange<u32>(1, 16);
	cfg.hold_max = in.ConsumeIntegralInRange<u32>(0, 4);
	if (!r.init())
		return 0;

	while (in.remaining_bytes()) {
		int op = in.ConsumeIntegralInRange(0, 10);
		switch (op) {
		case 0:
			ike(in, &t, &cfg);
			break;
		case 1:
		case 2:
			esp_in(in, &t, &cfg);
			break;
		case 3:
		case 4:
			esp_out(in, &t, &cfg);
			break;
		case 5:
		case 6:
		case 7:
		case 8:
			other_step(in, r, op - 5, kLan, kRemote);
			break;
		case 9:
			icmp_error(in, &t);
			break;
		case 10:
			scope_change(in, &t, &cfg);
			break;
		}
		if (t.n_held != r.cells.size())
			abort();
		check_scope(&t, &cfg);
	}
	r.finish();
	return 0;
}
