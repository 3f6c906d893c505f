// The association state machine of one namespace driven by an arbitrary
// sequence of packets and admin actions: LAN hosts and remotes exchanging
// ISAKMP and ESP, the gateway's own IKE, time passing (serialization waits,
// idle expiry), conntrack entries dying, flushes, deletes, config changes.
// After every step the tables must agree with their own counters and
// dumps; at the end everything is freed (LeakSanitizer checks) and every
// held packet was either released or dropped exactly once.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

extern "C" {
#include "table.h"
extern unsigned long jiffies;
}

namespace {

constexpr __be32 addr(uint32_t host_order)
{
	return __builtin_bswap32(host_order);
}

const __be32 kLan[] = {addr(0x0a000002), addr(0x0a000003), addr(0x0a000004),
		       addr(0x0a000005)};
const __be32 kRemote[] = {addr(0xcb007101), addr(0xcb007102), addr(0xcb007103)};
const __be32 kGateway = addr(0xc6336401);

// Held packets are heap cells: a leak or a double free shows up in ASan.
std::set<void *> *held;

void pkt_done(void *p)
{
	if (!held->erase(p))
		abort(); // released or dropped twice, or never held
	free(p);
}

template <size_t N> __be32 pick(FuzzedDataProvider &in, const __be32 (&a)[N])
{
	return a[in.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

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
	pkt.now = jiffies;
	switch (dir) {
	case 0: // forwarded from a LAN host
		pkt.saddr = pick(in, kLan);
		pkt.daddr = pick(in, kRemote);
		vm_ike_classify(t, cfg, &pkt, &hdr, &d);
		break;
	case 1: // from a remote to the public address
		pkt.saddr = pick(in, kRemote);
		pkt.daddr = kGateway;
		pkt.to_local = true;
		vm_ike_classify(t, cfg, &pkt, &hdr, &d);
		break;
	default: // the gateway's own
		pkt.saddr = kGateway;
		pkt.daddr = pick(in, kRemote);
		vm_ike_local_out(t, cfg, &pkt, &hdr);
		return;
	}
	if (d.verdict == VM_HOLD)
		abort(); // only ESP is ever held
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
		if (!vm_esp_known(t, &pkt, spi, 100, &d))
			vm_esp_inbound_new(t, cfg, &pkt, spi, &d);
		if (d.verdict == VM_HOLD)
			abort();
		return;
	}
	pkt.saddr = pick(in, kLan);
	pkt.daddr = pick(in, kRemote);
	if (vm_esp_known(t, &pkt, spi, 100, &d))
		return;
	void *p = malloc(1);
	held->insert(p);
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
	std::set<void *> cells;
	held = &cells;
	vpnmasq_stats stats{};
	vpnmasq_config cfg{};
	vm_tables t{};

	jiffies = in.ConsumeIntegral<u32>(); // wraparound included
	vpnmasq_config_defaults(&cfg);
	// Small limits, so that exhaustion is reached.
	cfg.max_assoc = in.ConsumeIntegralInRange<u32>(1, 12);
	cfg.hold_max = in.ConsumeIntegralInRange<u32>(0, 4);
	cfg.zone_count = in.ConsumeIntegralInRange<u16>(1, 5);
	if (vm_tables_init(&t, &stats))
		return 0;
	t.pkt_release = pkt_done;
	t.pkt_drop = pkt_done;

	while (in.remaining_bytes()) {
		switch (in.ConsumeIntegralInRange(0, 11)) {
		case 0:
		case 1:
		case 2:
			ike(in, &t, &cfg, in.ConsumeIntegralInRange(0, 2));
			break;
		case 3:
		case 4:
			esp(in, &t, &cfg, in.ConsumeBool());
			break;
		case 5: // time passes; the serialization worker runs
			jiffies += in.ConsumeIntegralInRange<unsigned long>(0, 3 * HZ);
			vm_esp_serial_tick(&t, &cfg, jiffies);
			break;
		case 6: // the 1 s gc, possibly long after
			jiffies += in.ConsumeIntegralInRange<unsigned long>(0, 700 * HZ);
			vm_tables_gc(&t, &cfg, jiffies);
			break;
		case 7:
			vm_flow_ct_destroyed(&t, pick(in, kLan), pick(in, kRemote),
					     in.ConsumeBool() ? IPPROTO_UDP : IPPROTO_ESP);
			break;
		case 8:
			vm_tables_flush(&t, in.ConsumeBool() ? 0 : pick(in, kLan),
					in.ConsumeIntegralInRange(1, 3));
			break;
		case 9:
			vm_ike_del_cookie(&t, in.ConsumeIntegralInRange<u64>(0, 5),
					  in.ConsumeBool() ? 0 : pick(in, kRemote));
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
	vm_tables_exit(&t);
	if (!cells.empty())
		abort(); // a held packet was neither released nor dropped
	return 0;
}
