// The LAN scope: vpnmasq claims only masqueraded LAN hosts' VPN flows
// (kmod/core/config.c and the scope checks of kmod/core/, compiled from the
// module's source against tests/shim). Everything else is left to
// conntrack, counted, and never enters a table.
#include "tables_fixture.hpp"

#include <random>
#include <string>

namespace {

using namespace vm_test;

class Scope : public Tables {
protected:
	const __be32 dmz = ip("198.51.100.20");	 // a routed public host
	const __be32 lan2 = ip("10.0.2.5");	 // another private subnet
	const __be32 fwd = ip("192.168.1.50");	 // a LAN VPN server behind DNAT

	size_t n_ike()
	{
		return t.n_ike;
	}
	size_t n_esp()
	{
		return t.n_esp;
	}
	vm_decision ike_pkt(__be32 src, __be32 dst, bool to_local, u64 ic, bool foreign = false)
	{
		vm_isakmp hdr{};
		auto b = isakmp(ic, 0);
		EXPECT_EQ(vm_isakmp_parse(b.data(), b.size(), &hdr), 0);
		vm_pkt pkt{src, dst, to_local, jiffies, foreign, false};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, nullptr, &d);
		vm_refusal_count(&t, &d);
		return d;
	}
	vm_decision esp_pkt(__be32 src, __be32 dst, bool to_local, u32 spi, bool foreign = false,
			    bool recheck = false)
	{
		vm_pkt pkt{src, dst, to_local, jiffies, foreign, recheck};
		vm_decision d{};
		if (!recheck && vm_esp_known(&t, &pkt, htonl(spi), 100, &d))
			return d;
		if (to_local)
			vm_esp_inbound_new(&t, &cfg, &pkt, htonl(spi), nullptr, &d);
		else
			vm_esp_outbound_new(&t, &cfg, &pkt, htonl(spi), (void *)next_handle++, &d);
		vm_refusal_count(&t, &d);
		return d;
	}
};

TEST(ScopeConfig, DefaultIsTheRfc1918Ranges)
{
	vpnmasq_config cfg{};
	vpnmasq_config_defaults(&cfg);
	ASSERT_EQ(cfg.n_lan, 3);
	for (const char *in : {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254",
			       "192.168.0.1", "192.168.255.255"})
		EXPECT_TRUE(vpnmasq_lan_has(&cfg, ip(in))) << in;
	for (const char *out : {"9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0",
				"192.167.255.255", "192.169.0.0", "100.64.0.1", "203.0.113.7"})
		EXPECT_FALSE(vpnmasq_lan_has(&cfg, ip(out))) << out;
}

TEST(ScopeConfig, PrefixesAreCheckedAndBounded)
{
	vpnmasq_config cfg{};
	EXPECT_EQ(vpnmasq_lan_add(&cfg, ip("192.168.1.5"), 24), -EINVAL) << "host bits set";
	EXPECT_EQ(vpnmasq_lan_add(&cfg, ip("192.168.1.0"), 33), -EINVAL);
	EXPECT_EQ(vpnmasq_lan_add(&cfg, ip("192.168.1.5"), 32), 0);
	EXPECT_EQ(vpnmasq_lan_add(&cfg, 0, 0), 0) << "0.0.0.0/0: everything";
	EXPECT_TRUE(vpnmasq_lan_has(&cfg, ip("203.0.113.7")));
	for (int i = cfg.n_lan; i < VPNMASQ_LAN_MAX; i++)
		EXPECT_EQ(vpnmasq_lan_add(&cfg, htonl(0x0a000000 + (i << 8)), 24), 0);
	EXPECT_EQ(vpnmasq_lan_add(&cfg, ip("10.99.0.0"), 16), -E2BIG);
	vpnmasq_config other = cfg;
	EXPECT_TRUE(vpnmasq_lan_equal(&cfg, &other));
	other.lan[3].mask = vpnmasq_prefix_mask(23);
	EXPECT_FALSE(vpnmasq_lan_equal(&cfg, &other));
}

TEST_F(Scope, RoutedDmzTrafficIsNeverClaimed)
{
	// the DMZ host's ESP and IKE to the remote, and the remote's to it
	EXPECT_EQ(esp_pkt(dmz, remote, false, 0xd1).verdict, VM_PASS);
	EXPECT_EQ(esp_pkt(remote, dmz, false, 0x1d).verdict, VM_PASS);
	EXPECT_EQ(ike_pkt(dmz, remote, false, 0xd0d0).verdict, VM_PASS);
	EXPECT_EQ(ike_pkt(remote, dmz, false, 0xd0d0).verdict, VM_PASS);
	EXPECT_EQ(stat(VPNMASQ_STAT_NOT_LAN), 4u);
	EXPECT_EQ(n_ike() + n_esp(), 0u);
	vm_pending_info p[4];
	u32 gen;
	EXPECT_EQ(vm_pending_snapshot(&t, 0, p, 4, &gen), 0u) << "no slot taken";

	// while a LAN host to the same remote is served as ever
	auto da = esp_pkt(a, remote, false, 0xa1);
	ASSERT_EQ(da.verdict, VM_ZONE);
	EXPECT_EQ(esp_pkt(remote, gw, true, 0x1a).zone, da.zone);
	// and a forwarded packet from the remote that happens to carry a's
	// inbound SPI is not a's: it goes to the DMZ, untouched
	EXPECT_EQ(esp_pkt(remote, dmz, false, 0x1a).verdict, VM_PASS);
}

TEST_F(Scope, LanToLanIsRouting)
{
	EXPECT_EQ(esp_pkt(a, lan2, false, 0x51).verdict, VM_PASS);
	EXPECT_EQ(esp_pkt(lan2, a, false, 0x15).verdict, VM_PASS);
	EXPECT_EQ(ike_pkt(a, lan2, false, 0x5151).verdict, VM_PASS);
	EXPECT_EQ(stat(VPNMASQ_STAT_NOT_LAN), 3u);
	EXPECT_EQ(n_ike() + n_esp(), 0u);
}

TEST_F(Scope, PortForwardsAreConntracksAlone)
{
	// the forwarded server's replies: conntrack has their DNAT entry
	EXPECT_EQ(esp_pkt(fwd, remote, false, 0xf1, true).verdict, VM_PASS);
	EXPECT_EQ(ike_pkt(fwd, remote, false, 0xf0f0, true).verdict, VM_PASS);
	// the remote client's packets to the forward
	EXPECT_EQ(esp_pkt(remote, gw, true, 0x1f, true).verdict, VM_PASS);
	EXPECT_EQ(ike_pkt(remote, gw, true, 0xf0f0, true).verdict, VM_PASS);
	EXPECT_EQ(stat(VPNMASQ_STAT_PORT_FORWARD), 4u);
	EXPECT_EQ(n_ike() + n_esp(), 0u);
	// and nobody is held behind a forward
	auto da = esp_pkt(a, remote, false, 0xa1);
	EXPECT_EQ(da.verdict, VM_ZONE) << "the remote's slot was not taken";
}

TEST_F(Scope, InboundFromInsideTheScopeIsNoReply)
{
	esp_pkt(a, remote, false, 0xa1);
	EXPECT_EQ(esp_pkt(b, gw, true, 0x1a).verdict, VM_PASS)
		<< "a LAN host's ESP to the gateway itself is not a remote's";
	EXPECT_EQ(stat(VPNMASQ_STAT_NOT_LAN), 1u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_ASSOCIATED), 0u);
}

TEST_F(Scope, RefusalsAreLeftToTheCallerAndASecondLookBindsNothing)
{
	ike(a, 0xaaaa);
	ike(b, 0xbbbb);
	// several hosts: refused, the refusal reported for the caller to count
	vm_pkt pkt{remote, gw, true, jiffies, false, false};
	vm_decision d{};
	vm_esp_inbound_new(&t, &cfg, &pkt, htonl(0x77), nullptr, &d);
	EXPECT_EQ(d.verdict, VM_DROP);
	EXPECT_EQ(d.refusal, VPNMASQ_STAT_ESP_AMBIGUOUS);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 0u) << "not counted by the core";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_UNKNOWN_SPI), 1u);

	// a's new SA is pending: a first look would bind, a second does not
	esp_pkt(a, remote, false, 0xa2);
	auto again = esp_pkt(remote, gw, true, 0x78, false, true);
	EXPECT_EQ(again.verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_ASSOCIATED), 0u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_UNKNOWN_SPI), 1u) << "a second look counts only its outcome";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
	EXPECT_EQ(esp_pkt(remote, gw, true, 0x79).verdict, VM_ZONE) << "the slot is still a's";

	vm_isakmp hdr{};
	auto b2 = isakmp(0x5555, 0);
	ASSERT_EQ(vm_isakmp_parse(b2.data(), b2.size(), &hdr), 0);
	vm_pkt ike_again{remote, gw, true, jiffies, false, true};
	vm_flow_ct_destroyed(&t, b, remote, IPPROTO_UDP); // only a has IKE now
	vm_ike_new(&t, &cfg, &ike_again, &hdr, &d);
	EXPECT_EQ(d.verdict, VM_DROP) << "the only host would get it on a first look";
	EXPECT_EQ(d.refusal, VPNMASQ_STAT_IKE_AMBIGUOUS);
}

TEST_F(Scope, NarrowingEndsWhatLeavesTheScopeOnly)
{
	auto da = esp_pkt(a, remote, false, 0xa1);
	esp_pkt(remote, gw, true, 0x1a);
	ike(a, 0xaaaa);
	const __be32 other = ip("10.1.1.1");
	auto dx = esp_pkt(other, remote, false, 0xe1);
	ASSERT_EQ(dx.verdict, VM_ZONE);
	intptr_t hb;
	EXPECT_EQ(esp_pkt(b, remote, false, 0xb1).verdict, VM_HOLD) << "behind 10.1.1.1's slot";
	hb = next_handle - 1;

	vpnmasq_config narrow = cfg;
	narrow.n_lan = 0;
	ASSERT_EQ(vpnmasq_lan_add(&narrow, ip("192.168.1.0"), 24), 0);
	EXPECT_EQ(vm_tables_flush_scope(&t, &narrow), 1u) << "10.1.1.1's one ESP association";
	EXPECT_EQ(released, std::vector<intptr_t>{hb}) << "b got the freed slot";
	cfg = narrow;
	EXPECT_EQ(esp_pkt(remote, gw, true, 0x1a).zone, da.zone) << "a's stay";
	EXPECT_EQ(esp_pkt(other, remote, false, 0xe1).verdict, VM_PASS) << "no longer claimed";
	EXPECT_EQ(n_ike(), 1u);
}

// A deliberately naive scope: prefixes as strings of bits.
struct NaiveScope {
	std::vector<std::string> prefixes;
	static std::string bits(__be32 a)
	{
		std::string s;
		u32 h = ntohl(a);
		for (int i = 31; i >= 0; i--)
			s += (h >> i) & 1 ? '1' : '0';
		return s;
	}
	bool has(__be32 a) const
	{
		const std::string b = bits(a);
		for (const auto &p : prefixes)
			if (b.compare(0, p.size(), p) == 0)
				return true;
		return false;
	}
};

TEST_F(Scope, RandomizedAgainstNaiveModel)
{
	std::mt19937 rng(20261201);
	for (int round = 0; round < 100; round++) {
		vpnmasq_config c{};
		vpnmasq_config_defaults(&c);
		c.n_lan = 0;
		NaiveScope naive;
		int n = rng() % (VPNMASQ_LAN_MAX + 1);
		for (int i = 0; i < n; i++) {
			u8 len = rng() % 33;
			__be32 addr = htonl(rng()) & vpnmasq_prefix_mask(len);
			ASSERT_EQ(vpnmasq_lan_add(&c, addr, len), 0);
			naive.prefixes.push_back(NaiveScope::bits(addr).substr(0, len));
		}
		for (int k = 0; k < 200; k++) {
			// addresses near the prefixes' edges as well as random ones
			__be32 x = c.n_lan && rng() % 2 ? c.lan[rng() % c.n_lan].addr ^ htonl(1u << (rng() % 32))
							 : htonl(rng());
			__be32 y = htonl(rng());
			ASSERT_EQ(vpnmasq_lan_has(&c, x), naive.has(x));
			vm_pkt out{x, y, false, 0, false, false};
			vm_pkt in{y, x, true, 0, false, false};
			ASSERT_EQ(vm_pkt_lan_side(&c, &out), naive.has(x) && !naive.has(y));
			ASSERT_EQ(vm_pkt_lan_side(&c, &in), !naive.has(y));
		}
	}
}

} // namespace
