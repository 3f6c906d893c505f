// ESP association by serializing new SAs per remote (kmod/core/esp.c, compiled
// from the module's source against tests/shim).
#include "tables_fixture.hpp"

#include <deque>
#include <map>
#include <random>

namespace {

using namespace vm_test;

class Esp : public Tables {};

TEST_F(Esp, SecondHostWaitsForTheFirstReplyThenGetsTheNext)
{
	auto da = out(a, 0xa1);
	ASSERT_EQ(da.verdict, VM_ZONE);
	intptr_t hb;
	auto db = out(b, 0xb1, 0, &hb);
	ASSERT_EQ(db.verdict, VM_HOLD) << "b's new SA waits while a's is pending";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_HELD), 1u);

	// the remote's first reply is a's; b's held packet goes on
	auto ra = in(0x1a);
	EXPECT_EQ(ra.verdict, VM_ZONE);
	EXPECT_EQ(ra.zone, da.zone);
	ASSERT_EQ(released, std::vector<intptr_t>{hb});
	// re-injected, b's packet now has the slot
	auto db2 = out(b, 0xb1);
	ASSERT_EQ(db2.verdict, VM_ZONE);
	EXPECT_NE(db2.zone, da.zone);
	auto rb = in(0x1b);
	EXPECT_EQ(rb.zone, db2.zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_ASSOCIATED), 2u);

	// both directions of both hosts now pass with no delay
	EXPECT_EQ(in(0x1a).zone, da.zone);
	EXPECT_EQ(in(0x1b).zone, db2.zone);
	EXPECT_EQ(out(a, 0xa1).zone, da.zone);
	EXPECT_EQ(out(b, 0xb1).zone, db2.zone);
}

TEST_F(Esp, WaitExpiresAndTheNextHostGetsTheSlot)
{
	out(a, 0xa1);
	intptr_t hb;
	out(b, 0xb1, 0, &hb);
	const unsigned long wait = msecs_to_jiffies(cfg.serial_wait);
	EXPECT_EQ(vm_esp_serial_tick(&t, &cfg, jiffies + wait - 1), jiffies + wait);
	EXPECT_TRUE(released.empty());
	jiffies += wait;
	vm_esp_serial_tick(&t, &cfg, jiffies);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_WAIT_EXPIRED), 1u);
	ASSERT_EQ(released, std::vector<intptr_t>{hb});
	auto db = out(b, 0xb1);
	EXPECT_EQ(in(0x1b).zone, db.zone) << "the next unknown SPI is b's";
}

TEST_F(Esp, HoldIsBounded)
{
	cfg.hold_max = 2;
	out(a, 0xa1);
	EXPECT_EQ(out(b, 0xb1).verdict, VM_HOLD);
	EXPECT_EQ(out(b, 0xb1).verdict, VM_HOLD);
	EXPECT_EQ(out(c, 0xc1).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_HOLD_DROPPED), 1u);
	cfg.hold_max = 0;
	EXPECT_EQ(out(c, 0xc2).verdict, VM_DROP) << "hold_max 0 drops like Linux 2.2";
}

TEST_F(Esp, WaitersAreServedHostByHostInArrivalOrder)
{
	out(a, 0xa1);
	intptr_t c1, b1, c2;
	out(c, 0xc1, 0, &c1);
	out(b, 0xb1, 0, &b1);
	out(c, 0xc1, 0, &c2);
	in(0x1a);
	ASSERT_EQ(released, (std::vector<intptr_t>{c1, c2})) << "c waited first";
	auto dc = out(c, 0xc1);
	EXPECT_EQ(in(0x1c).zone, dc.zone);
	ASSERT_EQ(released, (std::vector<intptr_t>{c1, c2, b1}));
	auto db = out(b, 0xb1);
	EXPECT_EQ(in(0x1b).zone, db.zone);
}

TEST_F(Esp, OtherRemotesAndEstablishedSpisAreNeverDelayed)
{
	auto db = out(b, 0xb1);
	in(0x1b);
	out(a, 0xa1); // a's new SA: pending
	EXPECT_EQ(out(c, 0xc1, ip("203.0.113.8")).verdict, VM_ZONE) << "other remote";
	EXPECT_EQ(out(b, 0xb1).verdict, VM_ZONE) << "established SPI";
	EXPECT_EQ(in(0x1b).zone, db.zone);
	EXPECT_EQ(out(a, 0xa2).verdict, VM_ZONE) << "the pending host's own new SAs";
}

TEST_F(Esp, UnknownInboundSpiNeedsAPendingSlotOrANegotiation)
{
	EXPECT_EQ(in(0x99).verdict, VM_DROP) << "nobody may claim it";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_REFUSED_NO_IKE), 1u);
	ike(a, 0x1111);
	EXPECT_EQ(in(0x98).verdict, VM_DROP) << "IKE state alone earns no SPI";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_REFUSED_NO_IKE), 2u);
	auto da = out(a, 0xa1);
	EXPECT_EQ(in(0x96).zone, da.zone) << "the reply a's pending new SA awaits";
	ike(b, 0x2222);
	EXPECT_EQ(in(0x97).verdict, VM_DROP) << "two IKE hosts, no slot, no negotiation";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
}

TEST_F(Esp, SpoofedSpisWhileAHostIsPendingCostOnlyThatHostsSlot)
{
	auto da = out(a, 0xa1);
	// a spoofed unknown SPI from the remote's address takes a's slot...
	EXPECT_EQ(in(0x666).zone, da.zone);
	// ...but from anywhere else nothing is bound
	EXPECT_EQ(in(0x667, ip("203.0.113.99")).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_REFUSED_NO_IKE), 1u);
}

TEST_F(Esp, SpiCollisionBetweenHostsIsRefused)
{
	out(a, 0xa1);
	in(0x1a);
	EXPECT_EQ(out(b, 0xa1).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_COLLISION), 1u);
}

// The known-SPI path tries the inbound or the outbound key first by which
// address last proved local; that is a hint for speed only.
TEST_F(Esp, LookupOrderHintNeverChangesTheAnswer)
{
	auto da = out(a, 0xa1);
	ASSERT_EQ(in(0x1a).zone, da.zone);
	EXPECT_EQ(t.local_hint, gw) << "learned from the new inbound SPI";
	out(b, 0xa1); // refused: a owns that SPI to the remote
	for (__be32 hint : {gw, remote, a, htonl(0)}) {
		t.local_hint = hint;
		auto di = in(0x1a);
		EXPECT_EQ(di.verdict, VM_ZONE);
		EXPECT_TRUE(di.inbound);
		EXPECT_EQ(di.zone, da.zone);
		auto doa = out(a, 0xa1);
		EXPECT_EQ(doa.verdict, VM_ZONE);
		EXPECT_FALSE(doa.inbound);
		EXPECT_EQ(doa.zone, da.zone);
		EXPECT_EQ(out(b, 0xa1).verdict, VM_DROP);
	}
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_COLLISION), 5u);
}

TEST_F(Esp, IdleExpiryConntrackDeathAndFlush)
{
	auto da = out(a, 0xa1);
	in(0x1a);
	jiffies += (cfg.esp_timeout + 1) * HZ;
	EXPECT_EQ(vm_tables_gc(&t, &cfg, jiffies), 2u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_EXPIRED), 2u);

	out(a, 0xa2);
	in(0x2a);
	vm_flow_ct_destroyed(&t, a, remote, IPPROTO_ESP);
	vm_esp_info info[4];
	u32 gen;
	EXPECT_EQ(vm_esp_snapshot(&t, 0, info, 4, &gen), 0u);

	out(a, 0xa3);
	intptr_t hb;
	out(b, 0xb3, 0, &hb);
	vm_pending_info pi[2];
	ASSERT_EQ(vm_pending_snapshot(&t, 0, pi, 2, &gen), 1u);
	EXPECT_EQ(pi[0].lan, a);
	EXPECT_EQ(pi[0].held, 1u);
	EXPECT_EQ(pi[0].waiting_hosts, 1u);
	vm_tables_flush(&t, 0, VM_FLUSH_ALL);
	EXPECT_EQ(dropped, std::vector<intptr_t>{hb});
	EXPECT_EQ(vm_pending_snapshot(&t, 0, pi, 2, &gen), 0u);
	(void)da;
}

TEST_F(Esp, HeldPacketsAreFreedWhenTheNamespaceGoes)
{
	out(a, 0xa1);
	out(b, 0xb1);
	out(c, 0xc1);
	vm_tables_exit(&t);
	EXPECT_EQ(dropped.size(), 2u);
	ASSERT_EQ(vm_tables_init(&t, &stats), 0); // for TearDown
	t.pkt_release = on_release;
	t.pkt_drop = on_drop;
}

// Simultaneous new SAs: N hosts start an SA to one remote in the same tick.
// The remote answers each SA with its first packet once it saw that SA's
// first packet. Every inbound SPI must end up with its own host.
struct Sim {
	struct Ev {
		unsigned long at;
		bool inbound;
		int host;
	};
};

TEST_F(Esp, SimultaneousNewSasAllAssociateWithoutCrossWiring)
{
	for (int round = 0; round < 20; round++) {
		vm_tables_exit(&t);
		ASSERT_EQ(vm_tables_init(&t, &stats), 0);
		t.pkt_release = on_release;
		t.pkt_drop = on_drop;
		released.clear();
		const int n = 8;
		std::map<intptr_t, int> handle_host;
		std::deque<Sim::Ev> q;
		std::mt19937 rng(round);
		const unsigned long start = jiffies;
		for (int h = 0; h < n; h++)
			q.push_back({jiffies, false, h});
		std::vector<bool> remote_saw(n), bound(n);
		std::map<u16, int> zone_host;
		int done = 0;
		while (done < n && jiffies - start < 60 * HZ) {
			if (q.empty()) {
				jiffies += 10;
				vm_esp_serial_tick(&t, &cfg, jiffies);
			} else {
				auto ev = q.front();
				q.pop_front();
				jiffies = std::max(jiffies, ev.at);
				const __be32 lan = htonl(0xc0a80100 + 10 + ev.host);
				if (!ev.inbound) {
					intptr_t hd = 0;
					auto d = out(lan, 0x1000 + ev.host, 0, &hd);
					if (d.verdict == VM_HOLD)
						handle_host[hd] = ev.host;
					if (d.verdict == VM_ZONE) {
						zone_host[d.zone] = ev.host;
						if (!remote_saw[ev.host]) {
							remote_saw[ev.host] = true;
							// network delay, then the remote's first packet
							q.push_back({jiffies + 5 + rng() % 20, true, ev.host});
						}
					}
				} else {
					auto d = in(0x2000 + ev.host);
					ASSERT_EQ(d.verdict, VM_ZONE);
					ASSERT_EQ(zone_host.at(d.zone), ev.host) << "cross-wired";
					if (!bound[ev.host]) {
						bound[ev.host] = true;
						done++;
					}
				}
			}
			for (auto hd : released) // re-injected by the kernel glue
				q.push_back({jiffies, false, handle_host.at(hd)});
			released.clear();
			vm_esp_serial_tick(&t, &cfg, jiffies);
		}
		ASSERT_EQ(done, n) << "round " << round;
		EXPECT_LT(jiffies - start, 2u * HZ) << "all associated within 2 s";
	}
}

} // namespace

namespace {

using namespace vm_test;

class IcmpError : public Tables {};

// A router's "fragmentation needed" about a host's ESP quotes the packet as
// the gateway sent it: to the remote, with the SPI the remote chose.
TEST_F(IcmpError, QuotedOutboundSpiNamesItsHost)
{
	auto da = out(a, 0xa1);
	ASSERT_EQ(in(0x1a).zone, da.zone);
	auto db = out(b, 0xb1);
	ASSERT_EQ(in(0x1b).zone, db.zone);
	auto rows = [&] {
		vm_esp_info info[4];
		u32 gen;
		unsigned int n = vm_esp_snapshot(&t, 0, info, 4, &gen);
		std::vector<u64> packets;
		for (unsigned int i = 0; i < n; i++)
			packets.push_back(info[i].packets);
		return packets;
	};
	auto before = rows();

	vm_decision d{};
	vm_esp_icmp_error(&t, remote, htonl(0xb1), &d);
	EXPECT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(d.zone, db.zone);
	EXPECT_TRUE(d.inbound) << "the reply tuple must be found in the host's zone";
	vm_esp_icmp_error(&t, remote, htonl(0xa1), &d);
	EXPECT_EQ(d.zone, da.zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_ICMP_MATCHED), 2u);
	EXPECT_EQ(rows(), before) << "an error is not traffic";

	// An inbound SPI, another remote, an unknown SPI: nobody's.
	for (auto [to, spi] : {std::pair{remote, 0x1au}, std::pair{ip("203.0.113.8"), 0xa1u},
			       std::pair{remote, 0xeeu}}) {
		vm_esp_icmp_error(&t, to, htonl(spi), &d);
		EXPECT_EQ(d.verdict, VM_PASS);
	}
	EXPECT_EQ(stat(VPNMASQ_STAT_ICMP_UNKNOWN), 3u);
}

TEST_F(IcmpError, QuotedCookieNamesItsHostButNotTheGateway)
{
	ike(a, 0x1111);
	ike(b, 0x2222);
	local_out(0x3333);
	vm_decision d{};
	vm_ike_icmp_error(&t, remote, 0x2222, &d);
	EXPECT_EQ(d.verdict, VM_ZONE);
	auto zb = d.zone;
	vm_ike_icmp_error(&t, remote, 0x1111, &d);
	EXPECT_EQ(d.verdict, VM_ZONE);
	EXPECT_NE(d.zone, zb);
	// The gateway's own exchange: conntrack finds it without a zone.
	vm_ike_icmp_error(&t, remote, 0x3333, &d);
	EXPECT_EQ(d.verdict, VM_PASS);
	vm_ike_icmp_error(&t, remote, 0x4444, &d);
	EXPECT_EQ(d.verdict, VM_PASS);
	EXPECT_EQ(stat(VPNMASQ_STAT_ICMP_MATCHED), 2u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ICMP_UNKNOWN), 1u) << "the gateway's own is not unknown";
}

} // namespace
