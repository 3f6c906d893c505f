// The ISAKMP association logic of kmod/core/isakmp.c, compiled from the module's
// own source against tests/shim, driven packet by packet.
#include "tables_fixture.hpp"

#include <map>
#include <random>
#include <set>

namespace {

using namespace vm_test;

// The packet helpers here are ISAKMP's: out() and in() send cookies.
class Ike : public Tables {
protected:
	void SetUp() override
	{
		Tables::SetUp();
		jiffies = 100000;
		vm_shim_fail_alloc = 0;
	}

	vm_decision send(__be32 src, __be32 dst, bool to_local, u64 ic, u64 rc = 0)
	{
		vm_isakmp hdr{};
		auto b = isakmp(ic, rc);
		EXPECT_EQ(vm_isakmp_parse(b.data(), b.size(), &hdr), 0);
		settle();
		vm_pkt pkt{src, dst, to_local, jiffies, false, false};
		vm_decision d{};
		vm_ike_classify(&t, &cfg, &pkt, &hdr, nullptr, &d);
		vm_refusal_count(&t, &d); // as the kernel glue does when it drops
		return d;
	}
	// A LAN host's packet to the remote, forwarded through the gateway.
	vm_decision out(__be32 lan, u64 ic, u64 rc = 0, __be32 to = 0)
	{
		return send(lan, to ? to : remote, false, ic, rc);
	}
	// The remote's packet to the gateway's public address.
	vm_decision in(u64 ic, u64 rc = 0, __be32 from = 0)
	{
		return send(from ? from : remote, gw, true, ic, rc);
	}
};

TEST(IsakmpParse, RefusesWhatIsNotAnIsakmpHeader)
{
	vm_isakmp h{};
	auto ok = isakmp(0x1122334455667788ull, 0);
	EXPECT_EQ(vm_isakmp_parse(ok.data(), ok.size(), &h), 0);
	EXPECT_EQ(h.icookie, 0x1122334455667788ull);
	EXPECT_EQ(vm_isakmp_parse(ok.data(), ok.size() - 1, &h), -EINVAL) << "truncated";
	auto zero = isakmp(0, 0);
	EXPECT_EQ(vm_isakmp_parse(zero.data(), zero.size(), &h), -EINVAL) << "zero icookie";
	auto v2 = isakmp(1, 0, 0x20);
	EXPECT_EQ(vm_isakmp_parse(v2.data(), v2.size(), &h), 0) << "IKEv2";
	auto v3 = isakmp(1, 0, 0x30);
	EXPECT_EQ(vm_isakmp_parse(v3.data(), v3.size(), &h), -EINVAL) << "major 3";
	auto v0 = isakmp(1, 0, 0x00);
	EXPECT_EQ(vm_isakmp_parse(v0.data(), v0.size(), &h), -EINVAL) << "major 0";
	auto shortlen = isakmp(1, 0, 0x10, 27);
	EXPECT_EQ(vm_isakmp_parse(shortlen.data(), shortlen.size(), &h), -EINVAL);
}

TEST_F(Ike, TwoHostsSameRemoteGetTheirOwnZonesAndReplies)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	auto da = out(a, 0xaaaa);
	auto db = out(b, 0xbbbb);
	ASSERT_EQ(da.verdict, VM_ZONE);
	ASSERT_EQ(db.verdict, VM_ZONE);
	EXPECT_NE(da.zone, db.zone);
	EXPECT_GE(da.zone, cfg.zone_base);
	EXPECT_LT(da.zone, cfg.zone_base + cfg.zone_count);

	auto ra = in(0xaaaa, 0x1111);
	auto rb = in(0xbbbb, 0x2222);
	EXPECT_EQ(ra.verdict, VM_ZONE);
	EXPECT_EQ(ra.zone, da.zone);
	EXPECT_EQ(rb.zone, db.zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEW), 2u);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_MATCHED), 2u);

	// the responder cookie was learned from the reply
	vm_ike_info info[4];
	u32 gen;
	ASSERT_EQ(vm_ike_snapshot(&t, 0, info, 4, &gen), 2u);
	for (auto &e : info) {
		if (e.icookie == 0xaaaa) {
			EXPECT_EQ(e.rcookie, 0x1111u);
		}
	}
	// a later packet of the same host keeps its zone
	EXPECT_EQ(out(a, 0xaaaa, 0x1111).zone, da.zone);
	// the same host to another remote keeps its zone too
	EXPECT_EQ(out(a, 0xcccc, 0, ip("203.0.113.8")).zone, da.zone);
}

TEST_F(Ike, CookieCollisionBetweenHostsIsRefusedNotMisdelivered)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	auto da = out(a, 0x5555);
	EXPECT_EQ(out(b, 0x5555).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_COLLISION), 1u);
	EXPECT_EQ(in(0x5555).zone, da.zone) << "replies still go to the owner";
}

TEST_F(Ike, UnknownInboundCookie)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	// nobody behind the gateway talks to this remote: the gateway's own
	EXPECT_EQ(in(0x1234).verdict, VM_PASS);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_UNKNOWN), 1u);

	// exactly one host has IKE state: a remote-initiated exchange is its
	auto da = out(a, 0xaaaa);
	auto d = in(0x9999);
	EXPECT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(d.zone, da.zone);
	// ...and its answer (icookie = the remote's) makes the entry
	EXPECT_EQ(out(a, 0x9999, 0x4444).zone, da.zone);
	EXPECT_EQ(in(0x9999, 0x4444).zone, da.zone);

	// two hosts: refuse rather than guess
	out(b, 0xbbbb);
	EXPECT_EQ(in(0x7777).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_AMBIGUOUS), 1u);
	// known cookies still work
	EXPECT_EQ(in(0xaaaa).zone, da.zone);
}

TEST_F(Ike, GatewaysOwnIkeIsNeverClaimed)
{
	local_out(0x6666);
	EXPECT_EQ(in(0x6666, 0x1).verdict, VM_PASS);
	// a LAN host reusing the gateway's cookie to the same remote is refused
	EXPECT_EQ(out(ip("192.168.1.10"), 0x6666).verdict, VM_DROP);
	// with the gateway and one host talking to the remote, a new exchange
	// from the remote is ambiguous
	out(ip("192.168.1.10"), 0xaaaa);
	EXPECT_EQ(in(0x8888).verdict, VM_DROP);
}

TEST_F(Ike, TableIsBoundedAndRefusalsCounted)
{
	cfg.max_assoc = 16;
	const __be32 a = ip("192.168.1.10");
	for (u64 c = 1; c <= 16; c++)
		ASSERT_EQ(out(a, c).verdict, VM_ZONE);
	EXPECT_EQ(out(a, 17).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_TABLE_FULL), 1u);
	EXPECT_EQ(out(a, 16).verdict, VM_ZONE) << "known entries unaffected";
}

TEST_F(Ike, ZonesAreBoundedAndRefusalsCounted)
{
	cfg.zone_count = 2;
	EXPECT_EQ(out(ip("192.168.1.10"), 1).verdict, VM_ZONE);
	EXPECT_EQ(out(ip("192.168.1.11"), 2).verdict, VM_ZONE);
	EXPECT_EQ(out(ip("192.168.1.12"), 3).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_ZONES_EXHAUSTED), 1u);
}

TEST_F(Ike, IdleEntriesExpireAndZonesAreHeldThenReused)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	cfg.zone_count = 1;
	t.zone_hold = (cfg.ike_timeout + 1000) * HZ;
	auto da = out(a, 0xaaaa);
	EXPECT_EQ(in(0xaaaa, 0xbbbb).zone, da.zone) << "answered";
	jiffies += (cfg.ike_timeout - 1) * HZ;
	EXPECT_EQ(gc(), 0u);
	EXPECT_EQ(in(0xaaaa).zone, da.zone);
	jiffies += (cfg.ike_timeout + 1) * HZ;
	EXPECT_EQ(gc(), 1u);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_EXPIRED), 1u);
	EXPECT_EQ(in(0xaaaa).verdict, VM_PASS) << "expired cookie unknown";

	// the only zone is still held by a: b must wait for the hold time
	EXPECT_EQ(out(b, 0xbbbb).verdict, VM_DROP);
	jiffies += t.zone_hold + HZ;
	gc();
	auto db = out(b, 0xbbbb);
	EXPECT_EQ(db.verdict, VM_ZONE);
	EXPECT_EQ(db.zone, da.zone);
}

TEST_F(Ike, EntriesDieWithTheirConntrack)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	out(a, 1);
	out(a, 2);
	auto db = out(b, 3);
	vm_flow_ct_destroyed(&t, a, remote, IPPROTO_UDP);
	EXPECT_EQ(in(1).verdict, VM_ZONE) << "only b left: unambiguous";
	EXPECT_EQ(in(1).zone, db.zone);
	EXPECT_EQ(in(3).zone, db.zone);
	vm_ike_info info[4];
	u32 gen;
	EXPECT_EQ(vm_ike_snapshot(&t, 0, info, 4, &gen), 1u);
	// another protocol's conntrack going away leaves IKE alone
	vm_flow_ct_destroyed(&t, b, remote, IPPROTO_ESP);
	EXPECT_EQ(vm_ike_snapshot(&t, 0, info, 4, &gen), 1u);
}

TEST_F(Ike, FlushByLanHost)
{
	const __be32 a = ip("192.168.1.10"), b = ip("192.168.1.11");
	out(a, 1);
	out(b, 2);
	local_out(3);
	EXPECT_EQ(vm_tables_flush(&t, a, VM_FLUSH_ALL), 1u);
	vm_ike_info info[4];
	u32 gen;
	EXPECT_EQ(vm_ike_snapshot(&t, 0, info, 4, &gen), 2u);
	EXPECT_EQ(vm_tables_flush(&t, 0, VM_FLUSH_ALL), 2u);
	EXPECT_EQ(vm_ike_snapshot(&t, 0, info, 4, &gen), 0u);
}

TEST_F(Ike, AllocationFailureIsCountedAndLeavesNoState)
{
	vm_shim_fail_alloc = 1;
	EXPECT_EQ(out(ip("192.168.1.10"), 1).verdict, VM_DROP);
	EXPECT_GE(stat(VPNMASQ_STAT_NOMEM), 1u);
	vm_shim_fail_alloc = 0;
	EXPECT_EQ(out(ip("192.168.1.10"), 1).verdict, VM_ZONE);
}

TEST_F(Ike, SnapshotPagesThroughEveryEntryOnce)
{
	std::set<u64> seen;
	for (u64 c = 1; c <= 100; c++)
		out(ip("192.168.1.10") + htonl(c % 7), c);
	vm_ike_info info[9];
	u32 gen;
	unsigned long pos = 0;
	for (unsigned int n; (n = vm_ike_snapshot(&t, pos, info, 9, &gen)); pos += n)
		for (unsigned int i = 0; i < n; i++)
			EXPECT_TRUE(seen.insert(info[i].icookie).second);
	EXPECT_EQ(seen.size(), 100u);
}

// A deliberately naive model: a list of (remote, cookie, host) triples and a
// per-host zone, searched linearly. The real tables must agree with it on
// every verdict, and on which host every zone stands for.
struct NaiveModel {
	struct Entry {
		__be32 remote;
		u64 cookie;
		__be32 lan;
		unsigned long last;
	};
	std::vector<Entry> entries;
	// Flows (host, remote) the remote answered on: their entries live
	// ike_timeout idle, those of the others a minute.
	std::set<std::pair<__be32, __be32>> answered;

	const Entry *find(__be32 remote, u64 cookie) const
	{
		for (auto &e : entries)
			if (e.remote == remote && e.cookie == cookie)
				return &e;
		return nullptr;
	}
	// A flow without entries is gone, and with it what it knew.
	void forget_empty_flows()
	{
		std::erase_if(answered, [&](const auto &f) {
			for (auto &e : entries)
				if (e.lan == f.first && e.remote == f.second)
					return false;
			return true;
		});
	}
	std::set<__be32> hosts_of(__be32 remote) const
	{
		std::set<__be32> h;
		for (auto &e : entries)
			if (e.remote == remote)
				h.insert(e.lan);
		return h;
	}
};

TEST_F(Ike, RandomizedAgainstNaiveModel)
{
	std::mt19937_64 rng(20261123);
	NaiveModel model;
	std::map<u16, __be32> zone_owner;	// the host a zone stands for
	std::map<__be32, u16> zone_of;		// and the other way round
	std::map<__be32, unsigned long> active;	// host -> last delivery
	cfg.ike_timeout = 600; // a few of each expiry in 20 000 steps
	const unsigned long timeout = cfg.ike_timeout * HZ;
	const unsigned long unanswered = t.ike_unanswered;
	t.zone_hold = 2 * timeout;
	cfg.zone_count = 4; // fewer zones than hosts: reuse happens

	// A zone may move to another host only after its owner was idle for
	// the whole hold time; otherwise two hosts' conntracks could mix.
	auto delivered = [&](u16 zone, __be32 lan, int step) {
		auto it = zone_owner.find(zone);
		if (it != zone_owner.end() && it->second != lan) {
			ASSERT_GT((long)(jiffies - active[it->second]), (long)t.zone_hold)
				<< "zone " << zone << " reused too early at step " << step;
		}
		auto old = zone_of.find(lan);
		if (old != zone_of.end() && old->second != zone) {
			// a host changes zone only after it was released
			ASSERT_GT((long)(jiffies - active[lan]), (long)t.zone_hold)
				<< "host changed zone while active at step " << step;
			if (zone_owner[old->second] == lan)
				zone_owner.erase(old->second);
		}
		zone_owner[zone] = lan;
		zone_of[lan] = zone;
		active[lan] = jiffies;
	};
	auto pick = [&](int n) { return (int)(rng() % n); };
	for (int step = 0; step < 20000; step++) {
		const __be32 lan = htonl(0xc0a80100 + 1 + pick(6));
		const __be32 rem = htonl(0xcb007100 + 1 + pick(3));
		const u64 cookie = 1 + pick(40);
		switch (pick(10)) {
		case 0: case 1: case 2: case 3: { // outbound
			auto *e = model.find(rem, cookie);
			auto d = out(lan, cookie, 0, rem);
			if (e && e->lan != lan) {
				ASSERT_EQ(d.verdict, VM_DROP) << "step " << step;
				break;
			}
			if (d.verdict == VM_DROP && !e) {
				// only a lack of zones may refuse a new entry
				ASSERT_GT(stat(VPNMASQ_STAT_ZONES_EXHAUSTED), 0u);
				break;
			}
			ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step;
			delivered(d.zone, lan, step);
			if (e)
				const_cast<NaiveModel::Entry *>(e)->last = jiffies;
			else
				model.entries.push_back({rem, cookie, lan, jiffies});
			break;
		}
		case 4: case 5: case 6: { // inbound
			auto *e = model.find(rem, cookie);
			auto d = in(cookie, 0, rem);
			if (e) {
				ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step;
				ASSERT_EQ(zone_owner.at(d.zone), e->lan) << "misdelivered";
				delivered(d.zone, e->lan, step);
				const_cast<NaiveModel::Entry *>(e)->last = jiffies;
				model.answered.insert({e->lan, rem});
				break;
			}
			auto hosts = model.hosts_of(rem);
			if (hosts.empty()) {
				ASSERT_EQ(d.verdict, VM_PASS) << "step " << step;
			} else if (hosts.size() > 1) {
				ASSERT_EQ(d.verdict, VM_DROP) << "step " << step;
			} else {
				ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step;
				ASSERT_EQ(zone_owner.at(d.zone), *hosts.begin());
				delivered(d.zone, *hosts.begin(), step);
			}
			break;
		}
		case 7: { // time passes, idle entries expire
			jiffies += pick(3) * (pick(2) ? timeout : unanswered) / 2 + 1;
			gc();
			std::erase_if(model.entries, [&](auto &e) {
				unsigned long to = model.answered.count({e.lan, e.remote}) ?
							   timeout : std::min(timeout, unanswered);
				return (long)(jiffies - (e.last + to)) > 0;
			});
			model.forget_empty_flows();
			break;
		}
		case 8: // a conntrack entry dies
			vm_flow_ct_destroyed(&t, lan, rem, IPPROTO_UDP);
			std::erase_if(model.entries, [&](auto &e) {
				return e.lan == lan && e.remote == rem;
			});
			model.forget_empty_flows();
			break;
		default:
			jiffies += 1 + pick(HZ);
			break;
		}
	}
	vm_ike_info info[64];
	u32 gen;
	size_t total = 0;
	for (unsigned long pos = 0, n; (n = vm_ike_snapshot(&t, pos, info, 64, &gen)); pos += n)
		total += n;
	EXPECT_EQ(total, model.entries.size());
	EXPECT_GT(stat(VPNMASQ_STAT_IKE_EXPIRED), 0u);
	EXPECT_GT(stat(VPNMASQ_STAT_IKE_AMBIGUOUS), 0u);
}

} // namespace
