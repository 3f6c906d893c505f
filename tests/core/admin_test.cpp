// What an admin does to the tables (flush by table and host, delete one
// association) and the events the tables report for every change.
#include "tables_fixture.hpp"

namespace {

using namespace vm_test;

struct Seen {
	u8 type, reason, kind;
	__be32 lan;
	u64 key; // cookie, or SPI
};

std::vector<Seen> seen;

void record(vm_tables *, const vm_event *ev)
{
	Seen s{ev->type, ev->reason, ev->kind, 0, 0};
	switch (ev->kind) {
	case VM_EV_IKE:
		s.lan = ev->ike.lan;
		s.key = ev->ike.icookie;
		break;
	case VM_EV_ESP:
		s.lan = ev->esp.lan;
		s.key = ntohl(ev->esp.spi);
		break;
	case VM_EV_PENDING:
		s.lan = ev->pending.lan;
		s.key = ntohl(ev->pending.spi);
		break;
	}
	seen.push_back(s);
}

class Admin : public Tables {
protected:
	void SetUp() override
	{
		Tables::SetUp();
		seen.clear();
		t.notify = record;
	}
	size_t count(u8 type, u8 kind, u8 reason) const
	{
		size_t n = 0;
		for (const auto &s : seen)
			n += s.type == type && s.kind == kind && s.reason == reason;
		return n;
	}
};

TEST_F(Admin, EveryCreationAndRemovalIsToldWithItsReason)
{
	u32 gen0 = t.generation;
	ike(a, 0x1111);
	ASSERT_EQ(seen.size(), 1u);
	EXPECT_EQ(seen[0].type, VPNMASQ_EVENT_NEW);
	EXPECT_EQ(seen[0].kind, VM_EV_IKE);
	EXPECT_EQ(seen[0].lan, a);
	EXPECT_EQ(seen[0].key, 0x1111u);
	EXPECT_NE(t.generation, gen0) << "additions must interrupt dumps too";

	// a's new SA takes the slot; the remote's reply answers it
	out(a, 0xa1);
	EXPECT_EQ(count(VPNMASQ_EVENT_NEW, VM_EV_ESP, VPNMASQ_REASON_NONE), 1u);
	EXPECT_EQ(count(VPNMASQ_EVENT_NEW, VM_EV_PENDING, VPNMASQ_REASON_NONE), 1u);
	in(0x1a);
	EXPECT_EQ(count(VPNMASQ_EVENT_NEW, VM_EV_ESP, VPNMASQ_REASON_NONE), 2u);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_PENDING, VPNMASQ_REASON_ANSWERED), 1u);

	// b's slot runs out
	out(b, 0xb1);
	jiffies += msecs_to_jiffies(cfg.serial_wait);
	vm_esp_serial_tick(&t, &cfg, jiffies);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_PENDING, VPNMASQ_REASON_WAIT_OVER), 1u);

	// idle expiry, then conntrack's word
	jiffies += (unsigned long)cfg.ike_timeout * HZ + 1;
	EXPECT_EQ(vm_tables_gc(&t, &cfg, jiffies), 4u) << "1 IKE and 3 ESP entries idle";
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_IKE, VPNMASQ_REASON_EXPIRED), 1u);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_ESP, VPNMASQ_REASON_EXPIRED), 3u);
	ike(b, 0x2222);
	vm_flow_ct_destroyed(&t, b, remote, IPPROTO_UDP);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_IKE, VPNMASQ_REASON_CT_GONE), 1u);
}

TEST_F(Admin, FlushTakesOnlyTheTablesAndHostAsked)
{
	ike(a, 0x1111);
	ike(b, 0x2222);
	out(a, 0xa1);
	in(0x1a);
	intptr_t hb;
	out(b, 0xb1, 0, &hb); // b takes the slot after a's answer: pending
	ASSERT_EQ(t.n_ike, 2u);
	ASSERT_EQ(t.n_esp, 3u);

	EXPECT_EQ(vm_tables_flush(&t, a, VM_FLUSH_IKE), 1u);
	EXPECT_EQ(t.n_ike, 1u);
	EXPECT_EQ(t.n_esp, 3u) << "ESP entries stay when only IKE is flushed";
	EXPECT_EQ(vm_tables_flush(&t, b, VM_FLUSH_ESP), 1u);
	EXPECT_EQ(t.n_esp, 2u) << "a's entries stay";
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_PENDING, VPNMASQ_REASON_FLUSHED), 1u)
		<< "b's serialization slot goes with its SAs";
	EXPECT_EQ(t.n_ike, 1u) << "b's IKE entry stays";
	EXPECT_EQ(vm_tables_flush(&t, 0, VM_FLUSH_ALL), 3u);
	EXPECT_EQ(t.n_ike + t.n_esp + t.n_held, 0u);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_IKE, VPNMASQ_REASON_FLUSHED), 2u);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_ESP, VPNMASQ_REASON_FLUSHED), 3u);
}

TEST_F(Admin, FlushingAPendingHostDropsWhatWaitsBehindIt)
{
	out(a, 0xa1);
	intptr_t hb;
	ASSERT_EQ(out(b, 0xb1, 0, &hb).verdict, VM_HOLD);
	EXPECT_EQ(vm_tables_flush(&t, a, VM_FLUSH_ESP), 1u);
	EXPECT_EQ(dropped, std::vector<intptr_t>{hb}) << "nobody would release it";
	EXPECT_EQ(t.n_held, 0u);
	// b can start over at once
	EXPECT_EQ(out(b, 0xb1).verdict, VM_ZONE);
}

TEST_F(Admin, DeleteOneCookieOrOneSpi)
{
	const __be32 other = ip("203.0.113.99");
	ike(a, 0x1111);
	ike(b, 0x2222);
	EXPECT_EQ(vm_ike_del_cookie(&t, 0x3333, 0), 0u);
	EXPECT_EQ(vm_ike_del_cookie(&t, 0x1111, other), 0u) << "another remote's";
	EXPECT_EQ(vm_ike_del_cookie(&t, 0x1111, remote), 1u);
	EXPECT_EQ(t.n_ike, 1u);
	EXPECT_EQ(count(VPNMASQ_EVENT_DEL, VM_EV_IKE, VPNMASQ_REASON_DELETED), 1u);

	out(a, 0xa1);
	in(0x1a);
	EXPECT_EQ(vm_esp_del_spi(&t, htonl(0x1b), 0), 0u);
	EXPECT_EQ(vm_esp_del_spi(&t, htonl(0x1a), other), 0u);
	EXPECT_EQ(vm_esp_del_spi(&t, htonl(0x1a), 0), 1u);
	EXPECT_EQ(t.n_esp, 1u) << "the outbound SPI stays";
	// the inbound SPI is unknown again, nobody is pending and nobody
	// negotiated: nobody may claim it
	EXPECT_EQ(in(0x1a).verdict, VM_DROP);
}

TEST_F(Admin, TheGatewaysOwnIkeEntriesAreFlushedOnlyWithEverything)
{
	local_out(0x4444);
	ASSERT_EQ(t.n_ike, 1u);
	EXPECT_EQ(vm_tables_flush(&t, a, VM_FLUSH_ALL), 0u);
	EXPECT_EQ(vm_ike_del_cookie(&t, 0x4444, 0), 1u);
	local_out(0x4444);
	EXPECT_EQ(vm_tables_flush(&t, 0, VM_FLUSH_IKE), 1u);
	EXPECT_EQ(t.n_ike, 0u);
}

TEST_F(Admin, NothingIsToldOnceTheNamespaceIsGoing)
{
	ike(a, 0x1111);
	seen.clear();
	vm_tables_exit(&t);
	EXPECT_TRUE(seen.empty());
	ASSERT_EQ(vm_tables_init(&t, &stats), 0); // for TearDown
}

} // namespace

namespace {

bool nobody_listens(const vm_tables *)
{
	return false;
}

TEST_F(Admin, NothingIsBuiltWhileNobodyListensButDumpsStillSeeTheChange)
{
	t.listening = nobody_listens;
	u32 gen0 = t.generation;
	ike(a, 0x1111);
	out(a, 0xa1);
	EXPECT_TRUE(seen.empty());
	EXPECT_NE(t.generation, gen0);
}

} // namespace
