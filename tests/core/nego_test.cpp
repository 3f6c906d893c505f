// IKE-guided association (kmod/core/nego.c with isakmp.c, esp.c and
// expiry.c, compiled from the module's source against tests/shim): the
// exchanges a host completes with a remote entitle it to the new SPIs and
// IKE SAs the remote starts, and tunnels keep one lifetime.
#include "tables_fixture.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace {

using namespace vm_test;

// An ISAKMP header with every field the negotiations read.
std::array<u8, VM_ISAKMP_HDR_LEN> header(u64 ic, u64 rc, u8 version, u8 exchange, u8 flags,
					 u32 msgid)
{
	auto b = isakmp(ic, rc, version);
	b[18] = exchange;
	b[19] = flags;
	b[20] = msgid >> 24;
	b[21] = msgid >> 16;
	b[22] = msgid >> 8;
	b[23] = msgid;
	return b;
}

constexpr u8 kV1 = 0x10, kV2 = 0x20;
constexpr u8 kQuick = VM_EXCH_IKEV1_QUICK, kAuth = VM_EXCH_IKEV2_IKE_AUTH,
	     kChild = VM_EXCH_IKEV2_CREATE_CHILD_SA;
constexpr u8 kResponse = VM_IKEV2_FLAG_RESPONSE, kInitiator = VM_IKEV2_FLAG_INITIATOR;

class Nego : public Tables {
protected:
	// A message on host @lan's IKE SA @ic: out (host -> remote) or in.
	vm_decision msg(__be32 lan, bool out, u64 ic, u8 version, u8 exchange, u32 msgid,
			u8 flags = 0, u64 rc = 0x5151)
	{
		settle();
		vm_isakmp hdr{};
		auto b = header(ic, rc, version, exchange, flags, msgid);
		EXPECT_EQ(vm_isakmp_parse(b.data(), b.size(), &hdr), 0);
		vm_pkt pkt = out ? vm_pkt{lan, remote, false, jiffies, false, false}
				 : vm_pkt{remote, gw, true, jiffies, false, false};
		vm_decision d{};
		intptr_t h = next_handle++;
		vm_ike_classify(&t, &cfg, &pkt, &hdr, (void *)h, &d);
		vm_refusal_count(&t, &d);
		if (d.verdict == VM_HOLD)
			held_ike.push_back(h);
		return d;
	}
	// An IKE SA of @lan with the remote, answered.
	void ike_sa(__be32 lan, u64 ic)
	{
		ASSERT_EQ(msg(lan, true, ic, kV1, 2, 0, 0, 0).verdict, VM_ZONE);
		ASSERT_EQ(msg(lan, false, ic, kV1, 2, 0).verdict, VM_ZONE);
	}
	// IKEv1 Quick Mode: three messages, started by the host or the remote.
	void quick_mode(__be32 lan, u64 ic, u32 msgid, bool host_starts = true)
	{
		msg(lan, host_starts, ic, kV1, kQuick, msgid);
		msg(lan, !host_starts, ic, kV1, kQuick, msgid);
		msg(lan, host_starts, ic, kV1, kQuick, msgid);
	}
	// An IKEv2 request and its response.
	void exchange(__be32 lan, u64 ic, u8 type, u32 msgid, bool host_requests = true)
	{
		msg(lan, host_requests, ic, kV2, type, msgid);
		msg(lan, !host_requests, ic, kV2, type, msgid, kResponse);
	}
	const vm_nego_info *nego_of(__be32 lan)
	{
		u32 gen;
		unsigned int n = vm_nego_snapshot(&t, 0, negos, 8, &gen);
		for (unsigned int i = 0; i < n; i++)
			if (negos[i].lan == lan)
				return &negos[i];
		return nullptr;
	}
	// The association of @spi in @dir, if there is one.
	std::optional<vm_esp_info> esp_row(u32 spi, u8 dir)
	{
		vm_esp_info rows[32];
		u32 gen;
		unsigned int n = vm_esp_snapshot(&t, 0, rows, 32, &gen);
		for (unsigned int i = 0; i < n; i++)
			if (rows[i].spi == htonl(spi) && rows[i].dir == dir)
				return rows[i];
		return std::nullopt;
	}
	u8 esp_how(u32 spi, u8 dir)
	{
		auto row = esp_row(spi, dir);
		return row ? row->how : 0xff;
	}
	// The host an inbound SPI is bound to, 0 if none.
	__be32 esp_lan(u32 spi)
	{
		auto row = esp_row(spi, VM_ESP_IN);
		return row ? row->lan : 0;
	}
	// The remote's CREATE_CHILD_SAs with two hosts pass at once, as they
	// do once one has waited nego_settle: what the headers then tell.
	void no_settle_wait() { cfg.nego_settle = 0; }
	// The remote's slot holder's wait runs out.
	void slot_over()
	{
		jiffies += msecs_to_jiffies(cfg.serial_wait) + 1;
		vm_esp_serial_tick(&t, &cfg, jiffies);
	}
	vm_nego_info negos[8];
	std::vector<intptr_t> held_ike; // negotiation messages kept for later
};

TEST_F(Nego, QuickModeEntitlesItsHostAmongOtherIkeHosts)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	EXPECT_EQ(in(0x77).verdict, VM_DROP) << "three IKE hosts, nobody negotiated";
	quick_mode(b, 0xb0, 0x1001);
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_COMPLETED), 1u);
	// the remote sends first on b's new SA: it is b's
	auto d = in(0x1b);
	ASSERT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(d.zone, out(b, 0xb1).zone);
	EXPECT_EQ(esp_how(0x1b, VM_ESP_IN), VPNMASQ_HOW_NEGOTIATION);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_NEGO_BOUND), 1u);
}

// A negotiation completed after the remote first sent an SPI did not
// create it: the SPI is not that host's, slot or no slot.
TEST_F(Nego, AnSpiSentBeforeANegotiationIsNotItsNewSa)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	quick_mode(a, 0xa0, 0x10, false);
	slot_over(); // the remote did not send on a's new SA yet
	quick_mode(c, 0xc0, 0x11, false);
	slot_over();
	jiffies += 1;
	EXPECT_EQ(in(0x51).verdict, VM_DROP) << "a and c negotiated: either may own it";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
	// c sends on its new SA and its reply comes: c's credit is used
	EXPECT_EQ(out(c, 0xc1).verdict, VM_ZONE);
	EXPECT_EQ(in(0x52).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x52), c);
	jiffies += 1;
	// b negotiates now and holds the slot, its exchange complete
	quick_mode(b, 0xb0, 0x12, false);
	vm_pending_info pi[2];
	u32 gen;
	ASSERT_EQ(vm_pending_snapshot(&t, 0, pi, 2, &gen), 1u);
	EXPECT_EQ(pi[0].lan, b);
	jiffies += 1;
	// 0x51 again: sent before b's SA existed, so a's, not the holder's
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
	EXPECT_EQ(esp_how(0x51, VM_ESP_IN), VPNMASQ_HOW_NEGOTIATION);
	// and b's own new SA is b's
	EXPECT_EQ(in(0x53).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x53), b);
}

// A remote that answers installs its new SAs before its answer goes out:
// its first packet on them may come before the answer. That SPI may still
// be the asking host's, so it is no other host's either.
TEST_F(Nego, TheRemotesFirstPacketMayOvertakeItsAnswer)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(b, 0xb0, 0x10, false); // b's new SA stays idle at the remote
	slot_over();
	jiffies += 1;
	msg(a, true, 0xa0, kV2, kChild, 4); // a asks for a new SA
	jiffies += 1;
	EXPECT_EQ(in(0x51).verdict, VM_DROP) << "a's answer is still to come";
	jiffies += 1;
	msg(a, false, 0xa0, kV2, kChild, 4, kResponse);
	EXPECT_EQ(in(0x51).verdict, VM_DROP) << "a's new SA or b's idle one: not b's for sure";
	EXPECT_EQ(esp_lan(0x51), 0u);
	// a sends on its new SA: the reply it awaits is 0x51
	EXPECT_EQ(out(a, 0xa1).verdict, VM_ZONE);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
}

// ...and when it can be, that packet waits for the answer it overtook.
TEST_F(Nego, TheRemotesPacketBeforeItsAnswerWaitsForIt)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	msg(a, true, 0xa0, kV2, kChild, 4); // a asks for a new SA
	jiffies += 1;
	intptr_t h = 0;
	EXPECT_EQ(in(0x51, 0, &h).verdict, VM_HOLD) << "it may be a's new SA";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 0u);
	vm_pending_info p[2];
	u32 gen;
	ASSERT_EQ(vm_pending_snapshot(&t, 0, p, 2, &gen), 1u);
	EXPECT_EQ(p[0].held, 1u);
	EXPECT_EQ(p[0].waiting_hosts, 0u) << "no host waits for it";
	jiffies += 1;
	msg(a, false, 0xa0, kV2, kChild, 4, kResponse);
	ASSERT_EQ(released, std::vector<intptr_t>{h}) << "the answer came: it goes again";
	auto d = in(0x51); // as it enters the stack again
	EXPECT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_NEGO_BOUND), 1u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_HOLD_DROPPED), 0u);
}

// The same for the host's request opening an exchange on a new IKE SA (its
// first message there, after the remote rekeyed the IKE SA).
TEST_F(Nego, ARequestOnANewIkeSaTakesTheSlotToo)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ASSERT_EQ(msg(a, true, 0xfeed, kV2, kChild, 0).verdict, VM_ZONE);
	intptr_t h = 0;
	EXPECT_EQ(in(0x51, 0, &h).verdict, VM_HOLD) << "a asked: it may be a's new SA";
	msg(a, false, 0xfeed, kV2, kChild, 0, kResponse);
	ASSERT_EQ(released, std::vector<intptr_t>{h});
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
}

// Held for an answer that does not come, it is refused once the wait is over.
TEST_F(Nego, AnEarlyPacketWaitsNoLongerThanTheSlot)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	msg(a, true, 0xa0, kV2, kChild, 4);
	intptr_t h = 0;
	EXPECT_EQ(in(0x51, 0, &h).verdict, VM_HOLD);
	jiffies += msecs_to_jiffies(cfg.serial_wait) + 1;
	vm_esp_serial_tick(&t, &cfg, jiffies);
	ASSERT_EQ(released, std::vector<intptr_t>{h}) << "the slot went: decided anew";
	intptr_t again = 0;
	EXPECT_EQ(in(0x51, 0, &again).verdict, VM_DROP) << "a's request is too old now";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
	EXPECT_EQ(esp_lan(0x51), 0u);
}

// An SPI the remote sent before the host asked cannot be the new SA.
TEST_F(Nego, OnlyWhatCameAfterTheRequestWaitsForItsAnswer)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	intptr_t h = 0;
	EXPECT_EQ(in(0x51, 0, &h).verdict, VM_DROP) << "nobody asked yet";
	jiffies += 1;
	msg(a, true, 0xa0, kV2, kChild, 4);
	EXPECT_EQ(in(0x51, 0, &h).verdict, VM_DROP) << "first sent before a asked";
	EXPECT_EQ(in(0x52, 0, &h).verdict, VM_HOLD);
	cfg.hold_max = 1;
	EXPECT_EQ(in(0x53, 0, &h).verdict, VM_DROP) << "no room: refused, as before";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_HOLD_DROPPED), 0u) << "and counted once, as refused";
}

// Forgotten after the negotiation window, an SPI counts as first sent now.
TEST_F(Nego, ARefusedSpiIsRememberedForTheWindowOnly)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	quick_mode(a, 0xa0, 0x10, false);
	slot_over();
	quick_mode(c, 0xc0, 0x11, false);
	slot_over();
	EXPECT_EQ(in(0x51).verdict, VM_DROP);
	jiffies += cfg.nego_window * HZ + 1; // a's and c's credits lapse
	quick_mode(b, 0xb0, 0x12, false);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE) << "b is the only host that negotiated";
	EXPECT_EQ(esp_lan(0x51), b);
}

TEST_F(Nego, TheRemoteMayStartTheExchange)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x2002, false);
	auto d = in(0x1a);
	ASSERT_EQ(d.verdict, VM_ZONE);
	auto da = out(a, 0xa1);
	EXPECT_EQ(da.zone, d.zone) << "it is a's zone";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_SERIAL_SKIPPED), 1u)
		<< "a's new outbound SPI pairs the bound one: it waits for nothing";
	// but it takes the free slot: with several SAs it may be another's pair
	vm_pending_info p[2];
	u32 gen;
	ASSERT_EQ(vm_pending_snapshot(&t, 0, p, 2, &gen), 1u);
	EXPECT_EQ(p[0].lan, a);
	EXPECT_EQ(p[0].kind, VM_SLOT_SENT);
}

// A host that holds the remote's slot only because it negotiated sent
// nothing an SPI could answer: while another host may own an SPI, the
// holder does not get it.
TEST_F(Nego, ANegotiatingHolderGetsOnlyWhatNoOtherHostMayOwn)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x10, false);
	slot_over(); // a's new SA stays idle at the remote
	jiffies += 1;
	quick_mode(b, 0xb0, 0x11, false); // b holds the slot, complete
	jiffies += 1;
	EXPECT_EQ(in(0x51).verdict, VM_DROP) << "a's idle SA or b's new one";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
	// b sends on its new SA: now the reply it awaits is its
	EXPECT_EQ(out(b, 0xb1).verdict, VM_ZONE);
	EXPECT_EQ(in(0x52).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x52), b);
	// and 0x51 is a's, the only host still entitled
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
}

TEST_F(Nego, OnlyCompletedExchangesEntitle)
{
	const unsigned long wait = msecs_to_jiffies(cfg.serial_wait);
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	msg(a, true, 0xa0, kV1, kQuick, 0x3003); // one way only
	msg(a, true, 0xa0, kV1, kQuick, 0x3003); // retransmitted
	EXPECT_EQ(in(0x31).verdict, VM_DROP) << "a is negotiating: no SA of its exists yet";
	jiffies += wait;
	vm_esp_serial_tick(&t, &cfg, jiffies); // a's turn is over
	msg(b, false, 0xb0, kV2, kChild, 7, kResponse); // a response to nothing seen
	EXPECT_EQ(in(0x32).verdict, VM_DROP);
	msg(b, true, 0xb0, kV2, kChild, 8);  // b's request 8
	msg(b, false, 0xb0, kV2, kChild, 8); // the remote's own request 8
	EXPECT_EQ(in(0x33).verdict, VM_DROP) << "two requests, no response";
	msg(b, true, 0xb0, kV1, 2, 0x3003); // Main Mode and Informational never entitle
	msg(b, true, 0xb0, kV2, 37, 9);
	msg(b, false, 0xb0, kV2, 37, 9, kResponse);
	EXPECT_EQ(in(0x34).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_COMPLETED), 0u);
	// the remote answers b's request 8: now b is entitled
	msg(b, false, 0xb0, kV2, kChild, 8, kResponse);
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_COMPLETED), 1u);
	EXPECT_EQ(in(0x35).verdict, VM_ZONE);
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->in_flight, 1u) << "the remote's own request 8 is still open";
}

TEST_F(Nego, RetransmissionsAndTheThirdMessageCountOnce)
{
	ike_sa(a, 0xa0);
	for (int i = 0; i < 3; i++)
		quick_mode(a, 0xa0, 0x4004);
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_COMPLETED), 1u);
	ASSERT_NE(nego_of(a), nullptr);
	EXPECT_EQ(nego_of(a)->in_flight, 0u);
	EXPECT_EQ(nego_of(a)->spis, cfg.nego_spis);
	EXPECT_EQ(nego_of(a)->exchange, kQuick);
}

TEST_F(Nego, EntitlementIsBoundedAndLapses)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	cfg.nego_spis = 2;
	quick_mode(a, 0xa0, 0x5005);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(in(0x52).verdict, VM_ZONE);
	EXPECT_EQ(in(0x53).verdict, VM_DROP) << "two SPIs per negotiation";
	quick_mode(a, 0xa0, 0x5006);
	jiffies += cfg.nego_window * HZ + 1;
	EXPECT_EQ(in(0x54).verdict, VM_DROP) << "the window is over";
	gc();
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_LAPSED), 2u) << "the second one's two SPIs";
	EXPECT_EQ(nego_of(a), nullptr) << "nothing left to keep";
}

// Each credit lives for the window from its own negotiation: one the
// remote never used does not live on because its host negotiates again.
TEST_F(Nego, EachCreditLapsesOnItsOwn)
{
	const unsigned long window = cfg.nego_window * HZ;
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x10, false); // its SA stays idle at the remote
	slot_over();
	jiffies += window / 2;
	quick_mode(a, 0xa0, 0x11);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE) << "a's newer SA";
	EXPECT_EQ(esp_lan(0x51), a);
	ASSERT_NE(nego_of(a), nullptr);
	EXPECT_EQ(nego_of(a)->spis, 1u);
	jiffies += window / 2 + 2; // the first one's window is over
	EXPECT_EQ(nego_of(a)->spis, 0u);
	quick_mode(b, 0xb0, 0x12, false);
	EXPECT_EQ(in(0x52).verdict, VM_ZONE) << "b is the one host entitled";
	EXPECT_EQ(esp_lan(0x52), b);
	gc();
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_LAPSED), 1u);
}

TEST_F(Nego, NegotiationsAreSerializedPerRemote)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x6006);
	// b starts one while a's new SA is still to come: b's message waits
	EXPECT_EQ(msg(b, true, 0xb0, kV1, kQuick, 0x6007).verdict, VM_HOLD);
	EXPECT_EQ(held_ike.size(), 1u);
	EXPECT_EQ(msg(b, false, 0xb0, kV1, 5, 0x6008).verdict, VM_ZONE)
		<< "the remote's messages and other exchanges are never held";
	auto ra = in(0x61);
	ASSERT_EQ(ra.verdict, VM_ZONE) << "only a can have a new SA at the remote";
	EXPECT_EQ(ra.zone, out(a, 0xa1).zone);
	ASSERT_EQ(released, held_ike) << "a's SPI came: b's message goes on";
	// its retransmission, as the stack sends the released one in again
	EXPECT_EQ(msg(b, true, 0xb0, kV1, kQuick, 0x6007).verdict, VM_ZONE);
	msg(b, false, 0xb0, kV1, kQuick, 0x6007);
	auto rb = in(0x62);
	ASSERT_EQ(rb.verdict, VM_ZONE);
	EXPECT_EQ(rb.zone, out(b, 0xb1).zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 0u);
}

// Released together, a host's negotiation message and its first packet on
// the new SA: the slot is its, awaiting the reply to that packet.
TEST_F(Nego, AHeldNegotiationAndItsFirstPacketAwaitTheReply)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x10); // a holds the slot
	EXPECT_EQ(msg(b, true, 0xb0, kV1, kQuick, 0x11).verdict, VM_HOLD);
	intptr_t h = 0;
	EXPECT_EQ(out(b, 0xb1, 0, &h).verdict, VM_HOLD);
	slot_over(); // a's wait is over: b's turn
	EXPECT_EQ(released.size(), 2u);
	vm_pending_info pi[2];
	u32 gen;
	ASSERT_EQ(vm_pending_snapshot(&t, 0, pi, 2, &gen), 1u);
	EXPECT_EQ(pi[0].lan, b);
	EXPECT_EQ(pi[0].kind, VM_SLOT_SENT) << "its packet on the new SA awaits a reply";
	EXPECT_EQ(pi[0].spi, htonl(0xb1));
}

TEST_F(Nego, TheRemoteOpensNoExchangeWhileAnotherHostHoldsTheSlot)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x7007);
	// the remote starts rekeying b while a's new SA is still to come: it
	// waits in line, one copy of it
	EXPECT_EQ(msg(b, false, 0xb0, kV1, kQuick, 0x7100).verdict, VM_HOLD);
	EXPECT_EQ(msg(b, false, 0xb0, kV1, kQuick, 0x7100).verdict, VM_DROP)
		<< "its retransmission";
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 0x10).verdict, VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_DEFERRED), 3u);
	EXPECT_EQ(held_ike.size(), 1u);
	EXPECT_EQ(nego_of(b), nullptr) << "nothing of it was noted";
	EXPECT_EQ(msg(b, false, 0xb0, kV1, 5, 0x7101).verdict, VM_ZONE)
		<< "other exchanges pass";
	auto ra = in(0x71);
	ASSERT_EQ(ra.verdict, VM_ZONE) << "a's new SA, unambiguous";
	EXPECT_EQ(ra.zone, out(a, 0xa1).zone);
	// the slot is free: the held request goes on, and b holds the slot
	ASSERT_EQ(released, held_ike);
	vm_pending_info pi[2];
	u32 gen;
	ASSERT_EQ(vm_pending_snapshot(&t, 0, pi, 2, &gen), 1u);
	EXPECT_EQ(pi[0].lan, b);
	// as the stack sends the released one in again, and the rest of it
	EXPECT_EQ(msg(b, false, 0xb0, kV1, kQuick, 0x7100).verdict, VM_ZONE);
	EXPECT_EQ(msg(b, true, 0xb0, kV1, kQuick, 0x7100).verdict, VM_ZONE);
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 0x10).verdict, VM_ZONE)
		<< "its other request, now that b holds the slot";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_DEFERRED), 3u);
	auto rb = in(0x72);
	ASSERT_EQ(rb.verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x72), b);
}

TEST_F(Nego, AHolderNeverTakesWhatAnotherNegotiatingHostMayOwn)
{
	const unsigned long wait = msecs_to_jiffies(cfg.serial_wait);
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x1111, false); // the remote rekeys a
	jiffies += wait - 1;
	vm_esp_serial_tick(&t, &cfg, jiffies);
	EXPECT_EQ(out(b, 0xb0).verdict, VM_HOLD) << "a keeps the slot for serial_wait";
	jiffies += 2; // the remote is slow to use a's new SA
	vm_esp_serial_tick(&t, &cfg, jiffies);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_WAIT_EXPIRED), 1u) << "and no longer";
	EXPECT_NE(nego_of(a), nullptr);
	auto db = out(b, 0xb1);
	ASSERT_EQ(db.verdict, VM_ZONE) << "b takes the slot a gave up";
	EXPECT_EQ(in(0x2a).verdict, VM_DROP) << "a's or b's reply: a still expects its new SA";
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_AMBIGUOUS), 1u);
}

TEST_F(Nego, TheHostNeedNotWaitWhenTheRemoteSentFirst)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	quick_mode(b, 0xb0, 0x7007, false);
	auto rb = in(0x7b);
	ASSERT_EQ(rb.verdict, VM_ZONE) << "the server sent first on b's new SA";
	auto dc = out(c, 0xc1);
	ASSERT_EQ(dc.verdict, VM_ZONE) << "c's new SA takes the slot";
	auto db = out(b, 0xb1);
	EXPECT_EQ(db.verdict, VM_ZONE) << "b's pairs the SA already bound: no wait";
	EXPECT_EQ(db.zone, rb.zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_SERIAL_SKIPPED), 1u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_HELD), 0u);
	EXPECT_EQ(in(0x7c).zone, dc.zone) << "c's slot was kept for c";
}

TEST_F(Nego, AnIkeSaRekeyBindsTheRemotesNewCookie)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0).verdict, VM_DROP)
		<< "a new IKE SA from the remote: a or b?";
	exchange(a, 0xa0, kChild, 3);
	auto d = msg(a, false, 0xfeed, kV2, 37, 0);
	ASSERT_EQ(d.verdict, VM_ZONE) << "a just rekeyed its IKE SA";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 1u);
	EXPECT_EQ(msg(a, true, 0xfeed, kV2, 37, 0, kResponse).zone, d.zone)
		<< "an association was made: a's answer is known";
	EXPECT_EQ(msg(a, false, 0xbeef, kV2, 37, 0).verdict, VM_DROP) << "one IKE SA per rekey";
}

// An IKE SA rekey makes no ESP SA: once its new IKE SA shows up, from
// either side, the ESP credit its exchange gave is void and makes no other
// host's SPI ambiguous.
class NegoIkeRekey : public Nego, public ::testing::WithParamInterface<bool> {};

TEST_P(NegoIkeRekey, LeavesNoEspCredit)
{
	const bool remote_first = GetParam();
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false); // the remote rekeys a's IKE SA
	slot_over();
	quick_mode(b, 0xb0, 0x12, false);
	slot_over();
	ASSERT_NE(nego_of(a), nullptr);
	EXPECT_EQ(nego_of(a)->spis, 1u);
	// the remote started the rekey: it is the new IKE SA's initiator
	ASSERT_EQ(msg(a, !remote_first, 0xfeed, kV2, 37, 0, remote_first ? kInitiator : 0).verdict,
		  VM_ZONE);
	ASSERT_NE(nego_of(a), nullptr);
	EXPECT_EQ(nego_of(a)->spis, 0u) << "its exchange made an IKE SA";
	EXPECT_EQ(in(0x51).verdict, VM_ZONE) << "b is the one host entitled";
	EXPECT_EQ(esp_lan(0x51), b);
}

INSTANTIATE_TEST_SUITE_P(FromEitherSide, NegoIkeRekey, ::testing::Bool());

// A CREATE_CHILD_SA makes a Child SA or an IKE SA: once its new SPI is
// bound, no new IKE SA is its, and the remote's rekey of another host's IKE
// SA is that host's alone.
TEST_F(Nego, AChildSaRekeyWhoseSpiCameMadeNoIkeSa)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false); // the remote rekeys a's Child SA
	EXPECT_EQ(in(0x51).verdict, VM_ZONE);
	EXPECT_EQ(esp_lan(0x51), a);
	ASSERT_NE(nego_of(a), nullptr);
	EXPECT_EQ(nego_of(a)->ike_sas, 0u) << "its exchange made that SA";
	exchange(b, 0xb0, kChild, 4, false); // ...and b's IKE SA
	slot_over();
	auto d = msg(b, false, 0xfeed, kV2, 37, 0, kInitiator);
	ASSERT_EQ(d.verdict, VM_ZONE) << "only b may have a new IKE SA";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_AMBIGUOUS), 0u);
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->spis, 0u) << "b's exchange made no ESP SA";
}

// The Initiator flag on the new IKE SA names who started its rekey: an
// entitlement from a rekey the host started is not one the remote started.
TEST_F(Nego, AnIkeSaRekeyIsTheHostsThatStartedItOrAnswered)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false); // the remote starts one with a
	slot_over();
	exchange(b, 0xb0, kChild, 4, true); // b starts one
	slot_over();
	// the remote's new IKE SA, with the Initiator flag: the one it started
	auto d = msg(a, false, 0xfeed, kV2, 37, 0, kInitiator);
	ASSERT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(d.zone, msg(a, true, 0xa0, kV2, 37, 9).zone) << "a's";
	// without it: the new IKE SA b started
	auto e = msg(b, false, 0xbeef, kV2, 37, 0);
	ASSERT_EQ(e.verdict, VM_ZONE);
	EXPECT_EQ(e.zone, msg(b, true, 0xb0, kV2, 37, 9).zone) << "b's";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 2u);
	EXPECT_EQ(msg(a, false, 0xcafe, kV2, 37, 0, kInitiator).verdict, VM_DROP)
		<< "one IKE SA per rekey";
}

// The remote rekeys a's IKE SA and b's Child SA at once: its new SPI and
// its new IKE SA could each be a's or b's. The side that rekeyed an IKE SA
// sends one more request on it at most (its Delete): the remote's second
// new request on b's IKE SA shows that b's exchange made the Child SA.
TEST_F(Nego, ASecondRequestAfterACreateChildSaShowsItMadeAChildSa)
{
	no_settle_wait();
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false); // a's IKE SA
	slot_over();
	exchange(b, 0xb0, kChild, 7, false); // b's Child SA
	slot_over();
	EXPECT_EQ(in(0x51).verdict, VM_DROP) << "a's or b's";
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_DROP)
		<< "a's or b's";
	// the Deletes of the old SAs, a retransmission, the hosts' own requests
	exchange(a, 0xa0, 37, 4, false);
	exchange(b, 0xb0, 37, 8, false);
	msg(b, false, 0xb0, kV2, 37, 8);
	exchange(b, 0xb0, 37, 20, true);
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_DROP)
		<< "nothing shows yet which exchange made which";
	// the remote's next request on b's IKE SA: it lives on
	exchange(b, 0xb0, 37, 9, false);
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->ike_sas, 0u);
	EXPECT_EQ(nego_of(b)->spis, 1u) << "its ESP credit stands";
	auto d = msg(a, false, 0xfeed, kV2, 37, 0, kInitiator);
	ASSERT_EQ(d.verdict, VM_ZONE) << "a's IKE SA rekey";
	EXPECT_EQ(d.zone, msg(a, true, 0xa0, kV2, 37, 30).zone);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE) << "and b's Child SA";
	EXPECT_EQ(esp_lan(0x51), b);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 1u);
	EXPECT_EQ(stat(VPNMASQ_STAT_ESP_NEGO_BOUND), 1u);
}

// A request the remote had in flight beside its CREATE_CHILD_SA (a window
// of more than one) is not one after it: only what follows the highest
// message ID it used by the answer counts.
TEST_F(Nego, ARequestInFlightBesideTheExchangeShowsNothing)
{
	no_settle_wait();
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false);
	slot_over();
	msg(b, false, 0xb0, kV2, kChild, 7);
	msg(b, false, 0xb0, kV2, 37, 8);
	msg(b, true, 0xb0, kV2, kChild, 7, kResponse);
	slot_over();
	exchange(b, 0xb0, 37, 9, false); // may be its Delete of that IKE SA
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->ike_sas, 1u);
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_DROP);
	exchange(b, 0xb0, kChild, 10, false); // a new exchange: it does live on
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_DROP)
		<< "b's new CREATE_CHILD_SA may be an IKE SA rekey in turn";
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->ike_sas, 1u) << "the new one's, not the first one's";
	EXPECT_EQ(nego_of(b)->spis, 2u);
}

// The remote's new IKE SA is not the rekey of a host that made one only
// after the remote first sent on it: a refused cookie is remembered with
// when it was first sent, as a refused SPI is.
TEST_F(Nego, ANewIkeSaIsNotOfARekeyThatCameAfterIt)
{
	no_settle_wait();
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	exchange(a, 0xa0, kChild, 3, false); // a's IKE SA
	slot_over();
	exchange(b, 0xb0, kChild, 7, false); // b's Child SA
	slot_over();
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_DROP)
		<< "a's or b's";
	jiffies += HZ;
	exchange(c, 0xc0, kChild, 5, false); // c's, after the remote sent it
	slot_over();
	exchange(b, 0xb0, 37, 8, false);
	exchange(b, 0xb0, 37, 9, false); // b's was a Child SA
	auto d = msg(a, false, 0xfeed, kV2, 37, 0, kInitiator);
	ASSERT_EQ(d.verdict, VM_ZONE) << "a's, not c's";
	EXPECT_EQ(d.zone, msg(a, true, 0xa0, kV2, 37, 30).zone);
	EXPECT_EQ(msg(c, false, 0xbeef, kV2, 37, 0, kInitiator).verdict, VM_ZONE)
		<< "then c's is c's";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 2u);
}

// The remote rekeys a's IKE SA, then starts a CREATE_CHILD_SA with b before
// its new IKE SA with a was used: b's waits (the remote retransmits it), so
// that a's new IKE SA and b's new SAs are never two at once.
TEST_F(Nego, TheRemotesNextCreateChildSaWaitsUntilTheLastOneShowsWhatItMade)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false);
	exchange(a, 0xa0, 37, 4, false); // the Delete of a's old IKE SA
	slot_over();
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 7).verdict, VM_DROP) << "b's waits";
	jiffies += HZ;
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 7).verdict, VM_DROP) << "its retransmission too";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_SETTLING), 2u);
	EXPECT_EQ(msg(b, true, 0xb0, kV2, kChild, 7, kResponse).verdict, VM_ZONE)
		<< "b never got it, but a response of b's passes";
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->spis, 0u) << "and earns nothing";
	// the remote's liveness check on its new IKE SA with a
	auto d = msg(a, false, 0xfeed, kV2, 37, 0, kInitiator);
	ASSERT_EQ(d.verdict, VM_ZONE);
	EXPECT_EQ(d.zone, msg(a, true, 0xa0, kV2, 37, 30).zone) << "a's";
	// a's settled: b's exchange goes on
	exchange(b, 0xb0, kChild, 7, false);
	slot_over();
	auto e = msg(b, false, 0xbeef, kV2, 37, 0, kInitiator);
	ASSERT_EQ(e.verdict, VM_ZONE) << "b's rekey is b's";
	EXPECT_EQ(e.zone, msg(b, true, 0xb0, kV2, 37, 30).zone);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 2u);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_AMBIGUOUS), 0u);
}

// No wait for an exchange settled as a Child SA (its new SPI came), and a
// request waits nego_settle at most from its first copy, however late the
// other exchange settles: the remote gives up on a request after its time.
TEST_F(Nego, ARemotesRequestWaitsNoLongerThanNegoSettle)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	ike_sa(c, 0xc0);
	exchange(a, 0xa0, kChild, 3, false);
	EXPECT_EQ(in(0x51).verdict, VM_ZONE) << "a's new SPI: a Child SA";
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 7).verdict, VM_ZONE) << "a's settled";
	const unsigned long settle = msecs_to_jiffies(cfg.nego_settle);
	unsigned long first = jiffies;
	EXPECT_EQ(msg(c, false, 0xc0, kV2, kChild, 5).verdict, VM_DROP) << "b's is in flight";
	jiffies += settle / 2;
	msg(b, true, 0xb0, kV2, kChild, 7, kResponse);
	ASSERT_NE(nego_of(b), nullptr);
	EXPECT_EQ(nego_of(b)->ike_sas, 1u);
	slot_over();
	jiffies = first + settle - 1;
	EXPECT_EQ(msg(c, false, 0xc0, kV2, kChild, 5).verdict, VM_DROP) << "b's stands";
	jiffies = first + settle;
	EXPECT_EQ(msg(c, false, 0xc0, kV2, kChild, 5).verdict, VM_ZONE) << "c's waited enough";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_SETTLING), 2u);
}

// Only the remote's CREATE_CHILD_SAs wait, and only for another host's that
// the remote started: a host's own request, and the remote's INFORMATIONAL
// (its liveness checks, Deletes), pass.
TEST_F(Nego, OnlyTheRemotesCreateChildSaWaitsForAnother)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, true); // a started it
	slot_over();
	EXPECT_EQ(msg(b, false, 0xb0, kV2, kChild, 7).verdict, VM_ZONE) << "a's own rekey";
	msg(b, true, 0xb0, kV2, kChild, 7, kResponse);
	slot_over();
	EXPECT_EQ(msg(a, false, 0xa0, kV2, 37, 9).verdict, VM_ZONE) << "liveness passes";
	EXPECT_EQ(msg(a, true, 0xa0, kV2, kChild, 4).verdict, VM_ZONE) << "a host's request passes";
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_SETTLING), 0u);
	slot_over();
	cfg.nego_settle = 0;
	ike_sa(c, 0xc0);
	EXPECT_EQ(msg(c, false, 0xc0, kV2, kChild, 5).verdict, VM_ZONE) << "nego_settle 0: no wait";
}

// An IKE SA rekey's new IKE SA never starts with IKE_SA_INIT: the remote
// starting a new IKE SA from scratch is nobody's by negotiation.
TEST_F(Nego, AnIkeSaInitIsNoRekey)
{
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	exchange(a, 0xa0, kChild, 3, false);
	slot_over();
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, VM_EXCH_IKEV2_IKE_SA_INIT, 0, kInitiator, 0).verdict,
		  VM_DROP);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_BOUND), 0u);
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_AMBIGUOUS), 1u);
	EXPECT_EQ(msg(a, false, 0xfeed, kV2, 37, 0, kInitiator).verdict, VM_ZONE)
		<< "a's rekey's is a's";
}

TEST_F(Nego, NegoSpisZeroTurnsItOff)
{
	cfg.nego_spis = 0;
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	quick_mode(a, 0xa0, 0x8008);
	EXPECT_EQ(stat(VPNMASQ_STAT_NEGO_COMPLETED), 0u);
	EXPECT_EQ(in(0x81).verdict, VM_DROP);
	EXPECT_EQ(nego_of(a), nullptr);
}

TEST_F(Nego, IkeSasLiveWhileTheirHostsEspDoes)
{
	cfg.ike_timeout = 600;
	cfg.esp_timeout = 300;
	ike_sa(a, 0xa0);
	auto da = out(a, 0xa1);
	in(0x1a);
	// ESP flows for three IKE timeouts; IKE is quiet
	for (unsigned int s = 0; s < 3 * cfg.ike_timeout; s += cfg.esp_timeout / 2) {
		jiffies += cfg.esp_timeout / 2 * HZ;
		out(a, 0xa1);
		gc();
	}
	EXPECT_EQ(t.n_ike, 1u) << "quiet, but its tunnel is alive";
	EXPECT_EQ(msg(a, false, 0xa0, kV1, 5, 0x9009).zone, da.zone)
		<< "the server's Informational on the old IKE SA still reaches a";
	jiffies += (cfg.esp_timeout + 1) * HZ;
	gc();
	EXPECT_EQ(t.n_esp, 0u);
	jiffies += (cfg.ike_timeout + 1) * HZ;
	vm_tables_gc(&t, &cfg, jiffies);
	EXPECT_EQ(t.n_ike, 0u) << "no ESP, IKE idle: the tunnel is over";
	vm_flow_key keys[4];
	ASSERT_EQ(vm_tables_ct_gone(&t, keys, 4), 1u) << "its ISAKMP entry is to go";
	EXPECT_EQ(keys[0].lan, a);
	EXPECT_EQ(keys[0].remote, remote);
	EXPECT_EQ(vm_tables_ct_gone(&t, keys, 4), 0u);
}

TEST_F(Nego, AnExchangeNobodyAnswersEndsAsConntrackWouldEndIt)
{
	t.ike_unanswered = 30 * HZ; // the namespace's UDP unreplied timeout
	EXPECT_EQ(msg(a, true, 0xdead, kV1, 2, 0, 0, 0).verdict, VM_ZONE);
	jiffies += 29 * HZ;
	gc();
	EXPECT_EQ(t.n_ike, 1u);
	jiffies += 2 * HZ;
	gc();
	EXPECT_EQ(t.n_ike, 0u);
	ike_sa(b, 0xb0);
	jiffies += 31 * HZ;
	gc();
	EXPECT_EQ(t.n_ike, 1u) << "answered: ike_timeout";
}

TEST_F(Nego, EachAssociationSaysHowItWasMade)
{
	local_out(0x9999);
	ike_sa(a, 0xa0);
	ike_sa(b, 0xb0);
	out(a, 0xa1);
	in(0x1a);
	quick_mode(b, 0xb0, 0x1234);
	in(0x1b);
	EXPECT_EQ(esp_how(0xa1, VM_ESP_OUT), VPNMASQ_HOW_SENT);
	EXPECT_EQ(esp_how(0x1a, VM_ESP_IN), VPNMASQ_HOW_PENDING);
	EXPECT_EQ(esp_how(0x1b, VM_ESP_IN), VPNMASQ_HOW_NEGOTIATION);
	vm_ike_info rows[8];
	u32 gen;
	std::map<u64, u8> how;
	for (unsigned int i = 0, n = vm_ike_snapshot(&t, 0, rows, 8, &gen); i < n; i++)
		how[rows[i].icookie] = rows[i].how;
	EXPECT_EQ(how.at(0xa0), VPNMASQ_HOW_SENT);
	EXPECT_EQ(how.at(0x9999), VPNMASQ_HOW_GATEWAY);
}

// A deliberately naive model of the remote's slot and of who gets an
// unknown inbound SPI from it: each host's entitlement as a count and a
// deadline, its exchanges message by message, the slot's holder by name,
// and the rules written out one by one. No holding (hold_max 0): what would
// wait behind another host's slot is dropped.
struct NaiveNego {
	struct Host {
		// when each credit was earned, oldest first; each lives for the
		// window from then
		std::deque<unsigned long> credits;
		unsigned long until = 0;
		int paired = 0;
		// exchanges by (IKEv2, msgid, direction of the request for
		// IKEv2): when first seen, the directions seen, completed
		struct Exchange {
			unsigned long since;
			std::set<bool> dirs;
			bool done = false;
			bool host_asked = false; // its request came from the host
		};
		std::map<std::tuple<bool, u32, bool>, Exchange> exchanges;
	};
	std::map<__be32, Host> hosts;
	__be32 holder = 0;
	bool nego = false; // the holder negotiates (else it sent first)
	unsigned long since = 0;
	int window_s = 0, spis = 0;

	bool open(const Host &h, unsigned long now) const
	{
		return (long)(now - h.until) < 0;
	}
	bool live(unsigned long at, unsigned long now) const
	{
		return (long)(now - (at + window_s * HZ)) <= 0;
	}
	int credits(const Host &h, unsigned long now) const
	{
		if (!open(h, now))
			return 0;
		return (int)std::count_if(h.credits.begin(), h.credits.end(),
					  [&](unsigned long at) { return live(at, now); });
	}
	bool entitled(const Host &h, unsigned long now) const
	{
		return credits(h, now) > 0;
	}
	// eligible to an SPI the remote first sent at @first: a live credit
	// earned no later
	bool eligible(const Host &h, unsigned long first, unsigned long now) const
	{
		if (!open(h, now))
			return false;
		for (auto at : h.credits)
			if (live(at, now) && (long)(at - first) <= 0)
				return true;
		return false;
	}
	// its newest live credit earned by @before is used up
	void take(Host &h, unsigned long before, unsigned long now)
	{
		for (auto it = h.credits.rbegin(); it != h.credits.rend(); ++it)
			if (live(*it, now) && (long)(*it - before) <= 0) {
				h.credits.erase(std::next(it).base());
				return;
			}
	}
	// The remote may have the new SAs from the host's request on if it
	// answered, else from the host's answer.
	void complete(Host &h, const Host::Exchange &x, unsigned long now)
	{
		if (!open(h, now))
			h.credits.clear(), h.paired = 0;
		unsigned long at = x.host_asked ? x.since : now;
		for (int i = 0; i < spis; i++) {
			if (h.credits.size() == VM_NEGO_CREDIT_MAX)
				h.credits.pop_front();
			auto pos = std::upper_bound(h.credits.begin(), h.credits.end(), at,
						    [](unsigned long a, unsigned long b) {
							    return (long)(a - b) < 0;
						    });
			h.credits.insert(pos, at);
		}
		h.until = now + window_s * HZ;
	}
	// A message of an SA-creating exchange; false if it was dropped.
	bool message(__be32 lan, bool out, bool v2, bool response, u32 msgid, unsigned long now)
	{
		if (out && holder && holder != lan)
			return false;
		auto &h = hosts[lan];
		std::erase_if(h.exchanges, [&](const auto &x) {
			return (long)(now - (x.second.since + window_s * HZ)) > 0;
		});
		// the remote opening an exchange with one host while another
		// holds the slot: dropped, it retransmits
		if (!out && holder && holder != lan && !(v2 && response) &&
		    !h.exchanges.count(std::make_tuple(v2, msgid, v2 ? out : false)))
			return false;
		if (v2 && response) {
			// ends the request seen the other way
			auto it = h.exchanges.find({true, msgid, !out});
			if (it != h.exchanges.end() && !it->second.done) {
				it->second.done = true;
				complete(h, it->second, now);
			}
		} else {
			auto key = std::make_tuple(v2, msgid, v2 ? out : false);
			auto it = h.exchanges.find(key);
			if (it == h.exchanges.end()) {
				h.exchanges[key] = {now ? now : 1, {out}, false, out};
			} else if (!v2 && !it->second.done && !it->second.dirs.count(out)) {
				it->second.dirs.insert(out);
				it->second.done = true;
				complete(h, it->second, now);
			}
		}
		if (out && !holder) {
			holder = lan;
			nego = true;
			since = now;
		} else if (holder == lan) {
			since = now;
		}
		return true;
	}
	// The host an unknown SPI the remote first sent at @first goes to, 0
	// for none.
	__be32 owner(unsigned long first, unsigned long now) const
	{
		__be32 eligible_lan = 0, ready = holder;
		int n = 0, any = 0;
		for (auto &[lan, h] : hosts) {
			any += entitled(h, now);
			if (eligible(h, first, now)) {
				eligible_lan = lan;
				n++;
			}
		}
		if (ready && nego && !entitled(hosts.at(ready), now))
			ready = 0;
		// the one that negotiated in time, unless a holder that may own
		// it too holds the slot (one still negotiating may)
		if (n == 1 && (!holder || holder == eligible_lan || entitled(hosts.at(holder), now)))
			return eligible_lan;
		// the holder that awaits a reply, if it negotiated in time too
		// or nobody negotiated
		if (ready && !nego && (any == 0 || eligible(hosts.at(ready), first, now)))
			return ready;
		return 0;
	}
	// The remote's unknown SPIs refused lately and when it first sent
	// them: the last 8 refused, bound ones forgotten, none older than
	// the window.
	std::deque<std::pair<u32, unsigned long>> refused;
	unsigned long first_sent(u32 spi, unsigned long now) const
	{
		for (auto &[s, t] : refused)
			if (s == spi)
				return (long)(now - (t + window_s * HZ)) > 0 ? now : t;
		return now;
	}
	void refuse(u32 spi, unsigned long first)
	{
		for (auto &[s, t] : refused)
			if (s == spi) {
				t = first;
				return;
			}
		refused.emplace_back(spi, first);
		if (refused.size() > 8)
			refused.pop_front();
	}
	void forget(u32 spi)
	{
		for (auto &[s, t] : refused)
			if (s == spi)
				s = 0;
	}
};

TEST_F(Nego, RandomizedAgainstNaiveModel)
{
	std::mt19937 rng(20261201);
	auto pick = [&](unsigned n) { return (unsigned)(rng() % n); };
	const __be32 lans[] = {a, b, c, ip("192.168.1.13")};
	cfg.hold_max = 0;
	cfg.nego_spis = 2;
	// the remote's requests waiting for another host's to settle have a
	// model of their own (RekeysRandomizedAgainstNaiveModel)
	cfg.nego_settle = 0;
	NaiveNego model;
	model.window_s = cfg.nego_window;
	model.spis = cfg.nego_spis;
	std::map<__be32, u16> zone;
	std::map<u32, __be32> bound; // inbound SPI -> host
	std::vector<u32> refused;    // every SPI refused, to send again
	u32 next_spi = 0x100000;
	unsigned long window = cfg.nego_window * HZ, wait = msecs_to_jiffies(cfg.serial_wait);
	for (auto lan : lans) {
		ike_sa(lan, 0xc000 + ntohl(lan));
		zone[lan] = msg(lan, true, 0xc000 + ntohl(lan), kV1, 5, 0).zone;
		model.hosts[lan];
	}
	for (int step = 0; step < 8000; step++) {
		__be32 lan = lans[pick(4)];
		auto &h = model.hosts[lan];
		u64 ic = 0xc000 + ntohl(lan);
		switch (pick(7)) {
		case 0:
		case 1: { // a message of an exchange: v1 Quick Mode or v2, either way
			// (at most four exchanges of a host at once, as the tables keep)
			bool v2 = pick(2), out = pick(2), response = v2 && pick(2);
			u32 msgid = v2 ? 9 : 1 + pick(2);
			auto d = msg(lan, out, ic, v2 ? kV2 : kV1, v2 ? kChild : kQuick, msgid,
				     response ? kResponse : 0);
			bool passed = model.message(lan, out, v2, response, msgid, jiffies);
			ASSERT_EQ(d.verdict, passed ? VM_ZONE : VM_DROP)
				<< "step " << step << " lan " << ntohl(lan) << " out " << out << " v2 " << v2
				<< " response " << response << " msgid " << msgid << " model holder "
				<< ntohl(model.holder) << " nego " << model.nego;
			break;
		}
		case 2:
		case 3: { // an unknown inbound SPI from the remote: new, or one
			  // refused before (maybe forgotten since)
			u32 spi = next_spi++;
			if (!refused.empty() && pick(2)) {
				spi = refused[pick(refused.size())];
				if (bound.count(spi))
					break;
			}
			unsigned long first = model.first_sent(spi, jiffies);
			__be32 want = model.owner(first, jiffies);
			auto d = in(spi);
			if (!want) {
				ASSERT_EQ(d.verdict, VM_DROP) << "step " << step;
				model.refuse(spi, first);
				refused.push_back(spi);
				break;
			}
			ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step << [&] {
				std::string w = " want " + std::to_string(ntohl(want)) + " holder " +
						std::to_string(ntohl(model.holder)) + " nego " +
						std::to_string(model.nego) + " entitled";
				for (auto &[l, hh] : model.hosts)
					if (model.entitled(hh, jiffies))
						w += " " + std::to_string(ntohl(l)) + ":" +
						     std::to_string(model.credits(hh, jiffies));
				vm_pending_info pi[2];
				u32 g;
				if (vm_pending_snapshot(&t, 0, pi, 2, &g))
					w += " core pending " + std::to_string(ntohl(pi[0].lan));
				return w;
			}();
			ASSERT_EQ(d.zone, zone[want]) << "misbound at step " << step;
			auto &o = model.hosts[want];
			// it earned it: negotiated just now, or awaited it
			ASSERT_TRUE(model.eligible(o, first, jiffies) || model.holder == want);
			if (model.entitled(o, jiffies)) {
				model.take(o, first, jiffies);
				if (model.holder != want || model.nego)
					o.paired++;
			}
			if (model.holder == want)
				model.holder = 0;
			bound[spi] = want;
			model.forget(spi);
			break;
		}
		case 4: { // a host sends on a new outbound SPI
			auto d = out(lan, next_spi++);
			if (model.open(h, jiffies) && h.paired > 0) {
				ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step;
				h.paired--;
				// it waited for nothing, but takes a free slot
				if (!model.holder || model.holder == lan) {
					model.holder = lan;
					model.nego = false;
					model.since = jiffies;
				}
			} else if (model.holder && model.holder != lan) {
				ASSERT_EQ(d.verdict, VM_DROP) << "step " << step;
			} else {
				ASSERT_EQ(d.verdict, VM_ZONE) << "step " << step;
				model.holder = lan;
				model.nego = false;
				model.since = jiffies;
			}
			break;
		}
		case 5: { // time passes: slots time out, entitlements lapse
			jiffies += 1 + pick(2) * pick(window + 2 * wait) + pick(2) * pick(wait);
			vm_esp_serial_tick(&t, &cfg, jiffies);
			// every holder keeps the slot serial_wait without progress
			if (model.holder && (long)(jiffies - (model.since + wait)) >= 0)
				model.holder = 0;
			break;
		}
		default: { // known SPIs keep going to their hosts
			if (bound.empty())
				break;
			auto it = bound.begin();
			std::advance(it, pick(bound.size()));
			auto d = in(it->first);
			ASSERT_EQ(d.verdict, VM_ZONE);
			ASSERT_EQ(d.zone, zone[it->second]);
			break;
		}
		}
		for (auto &[l, hh] : model.hosts)
			if (!model.open(hh, jiffies))
				hh.credits.clear(), hh.paired = 0;
	}
	EXPECT_GT(stat(VPNMASQ_STAT_NEGO_COMPLETED), 100u);
	EXPECT_GT(stat(VPNMASQ_STAT_ESP_NEGO_BOUND), 100u);
	EXPECT_GT(stat(VPNMASQ_STAT_ESP_ASSOCIATED), 100u);
	EXPECT_GT(stat(VPNMASQ_STAT_ESP_HOLD_DROPPED), 100u);
	EXPECT_GT(stat(VPNMASQ_STAT_ESP_AMBIGUOUS) + stat(VPNMASQ_STAT_ESP_REFUSED_NO_IKE), 100u);
	EXPECT_GT(stat(VPNMASQ_STAT_ESP_SERIAL_SKIPPED), 10u);
}

// Who owns the remote's new IKE SAs, randomized against a naive model of
// the rule: each IKEv2 CREATE_CHILD_SA a host completes may have rekeyed
// its IKE SA (while its credit lives), unless its new IKE SA already showed
// up or the side that started it sent a second new request on that IKE SA
// afterwards; a new IKE SA the remote first sent at F with the Initiator
// flag of side S goes to the one host with such an exchange started by S
// and complete by F, else nowhere. The remote's CREATE_CHILD_SA request
// waits (dropped; the remote sends it again) for nego_settle at most from
// its first copy while another host has one the remote started less than
// nego_settle ago that still may have rekeyed.
struct NaiveRekeys {
	struct Exchange {
		unsigned long at; // complete: its credit's time
		bool remote_asked;
		u32 last_req; // the highest ID its requester used by then
		unsigned int serial;
		bool settled = false;
	};
	// the exchanges the tables follow: four, the oldest make room
	struct Slot {
		unsigned long since;
		bool remote_asked;
		u32 id, last_req;
		unsigned int serial; // its exchange once complete, else 0
	};
	struct Host {
		std::vector<Exchange> ccsa; // oldest first
		std::vector<Slot> slots;    // oldest first
		u32 next_id[2] = {10, 10}; // [remote asks]
		std::optional<u32> waiting; // the remote's request not answered
	};
	std::map<__be32, Host> hosts;
	std::deque<std::pair<u64, unsigned long>> refused; // cookie, first sent
	int window_s = 0;
	unsigned long settle = 0;
	unsigned int serials = 0;

	bool live(const Exchange &x, unsigned long now) const
	{
		return !x.settled && (long)(now - (x.at + window_s * HZ)) <= 0;
	}
	Exchange *exchange(Host &h, unsigned int serial)
	{
		for (auto &x : h.ccsa)
			if (x.serial == serial)
				return &x;
		return nullptr;
	}
	Slot &slot(Host &h, bool remote_asked, u32 id, unsigned long now)
	{
		std::erase_if(h.slots, [&](auto &s) {
			return (long)(now - (s.since + window_s * HZ)) > 0;
		});
		for (auto &s : h.slots)
			if (s.remote_asked == remote_asked && s.id == id)
				return s;
		if (h.slots.size() == VM_NEGO_SLOTS)
			h.slots.erase(h.slots.begin());
		return h.slots.emplace_back(Slot{now, remote_asked, id, id, 0});
	}
	// a CREATE_CHILD_SA made its credit; only the last 16 count (the
	// tables' bound)
	void complete(Host &h, Slot &s, unsigned long now)
	{
		s.serial = ++serials;
		h.ccsa.push_back({now, s.remote_asked, s.last_req, s.serial});
		if (h.ccsa.size() > VM_NEGO_CREDIT_MAX)
			h.ccsa.erase(h.ccsa.begin());
	}
	// a request: how many exchanges it settled
	unsigned int request(Host &h, bool remote_asks, u32 id)
	{
		unsigned int settled = 0;
		for (auto &s : h.slots) {
			if (s.remote_asked != remote_asks)
				continue;
			if (!s.serial) {
				s.last_req = std::max(s.last_req, id);
				continue;
			}
			auto *x = exchange(h, s.serial);
			if (x && !x->settled && id > x->last_req + 1) {
				x->settled = true;
				settled++;
			}
		}
		return settled;
	}
	// whether the remote's request @s to @lan waits
	bool waits(__be32 lan, const Slot &s, unsigned long now)
	{
		if (s.serial || (long)(now - (s.since + settle)) >= 0)
			return false;
		for (auto &[l, hh] : hosts)
			for (auto &x : hh.ccsa)
				if (l != lan && x.remote_asked && live(x, now) &&
				    (long)(now - (x.at + settle)) < 0)
					return true;
		return false;
	}
	Exchange *newest(Host &h, bool remote_started, unsigned long by, unsigned long now)
	{
		for (auto it = h.ccsa.rbegin(); it != h.ccsa.rend(); ++it)
			if (live(*it, now) && it->remote_asked == remote_started &&
			    (long)(it->at - by) <= 0)
				return &*it;
		return nullptr;
	}
	unsigned long first_sent(u64 c, unsigned long now) const
	{
		for (auto &[k, t] : refused)
			if (k == c)
				return (long)(now - (t + window_s * HZ)) > 0 ? now : t;
		return now;
	}
	void refuse(u64 c, unsigned long first)
	{
		for (auto &[k, t] : refused)
			if (k == c) {
				t = first;
				return;
			}
		refused.emplace_back(c, first);
		if (refused.size() > VM_UNKNOWN_KEYS)
			refused.pop_front();
	}
};

TEST_F(Nego, RekeysRandomizedAgainstNaiveModel)
{
	std::mt19937 rng(20261207);
	auto pick = [&](unsigned n) { return (unsigned)(rng() % n); };
	const __be32 lans[] = {a, b, c};
	NaiveRekeys model;
	model.window_s = cfg.nego_window;
	model.settle = msecs_to_jiffies(cfg.nego_settle);
	std::map<__be32, u16> zone;
	std::vector<u64> refused;
	u64 next_cookie = 0x70000;
	unsigned long window = cfg.nego_window * HZ;
	for (auto lan : lans) {
		ike_sa(lan, 0xc000 + ntohl(lan));
		zone[lan] = msg(lan, true, 0xc000 + ntohl(lan), kV1, 5, 0).zone;
		model.hosts[lan];
	}
	unsigned int bound = 0, ambiguous = 0, settled_by_request = 0, waited = 0, went_on = 0;
	for (int step = 0; step < 6000; step++) {
		__be32 lan = lans[pick(3)];
		auto &h = model.hosts[lan];
		u64 ic = 0xc000 + ntohl(lan);
		std::string where = "step " + std::to_string(step) + " lan " + std::to_string(ntohl(lan));
		switch (pick(6)) {
		case 0: { // a CREATE_CHILD_SA, maybe with another request in flight
			bool remote = pick(2);
			bool again = remote && h.waiting;
			u32 id = again ? *h.waiting : h.next_id[remote]++;
			// its request is a later request for the earlier ones too
			settled_by_request += model.request(h, remote, id);
			auto &sl = model.slot(h, remote, id, jiffies);
			bool wait = remote && model.waits(lan, sl, jiffies);
			auto d = msg(lan, !remote, ic, kV2, kChild, id);
			if (wait) {
				ASSERT_EQ(d.verdict, VM_DROP) << where << " the request waits";
				h.waiting = id;
				waited++;
				jiffies++; // distinct slot ages: the oldest is known
				break;
			}
			ASSERT_EQ(d.verdict, VM_ZONE) << where;
			went_on += again;
			h.waiting.reset();
			if (!pick(3)) {
				u32 last = h.next_id[remote]++;
				ASSERT_EQ(msg(lan, !remote, ic, kV2, 37, last).verdict, VM_ZONE) << where;
				settled_by_request += model.request(h, remote, last);
			}
			ASSERT_EQ(msg(lan, remote, ic, kV2, kChild, id, kResponse).verdict, VM_ZONE)
				<< where;
			model.complete(h, sl, jiffies);
			slot_over();
			jiffies++;
			break;
		}
		case 1: { // another request on the old IKE SA: new, or a retransmission
			bool remote = pick(2);
			u32 id = pick(3) ? h.next_id[remote]++ : h.next_id[remote] - 1;
			ASSERT_EQ(msg(lan, !remote, ic, kV2, 37, id).verdict, VM_ZONE) << where;
			settled_by_request += model.request(h, remote, id);
			break;
		}
		case 2:
		case 3: { // the remote on a new IKE SA: new, or one refused before
			u64 cookie = next_cookie++;
			if (!refused.empty() && pick(2))
				cookie = refused[pick(refused.size())];
			bool remote_started = pick(2);
			unsigned long first = model.first_sent(cookie, jiffies);
			__be32 want = 0;
			NaiveRekeys::Exchange *x = nullptr;
			int eligible = 0, entitled = 0;
			for (auto &[l, hh] : model.hosts) {
				entitled += model.newest(hh, remote_started, jiffies, jiffies) != nullptr;
				if (auto *e = model.newest(hh, remote_started, first, jiffies)) {
					want = l;
					x = e;
					eligible++;
				}
			}
			auto d = msg(lan, false, cookie, kV2, 37, 0, remote_started ? kInitiator : 0);
			if (eligible != 1) {
				ASSERT_EQ(d.verdict, VM_DROP) << where << " eligible " << eligible;
				if (entitled)
					model.refuse(cookie, first);
				refused.push_back(cookie);
				ambiguous++;
				break;
			}
			ASSERT_EQ(d.verdict, VM_ZONE) << where;
			ASSERT_EQ(d.zone, zone[want]) << "misbound at " << where;
			x->settled = true;
			for (auto &[k, t] : model.refused)
				if (k == cookie)
					k = 0;
			std::erase(refused, cookie);
			bound++;
			break;
		}
		case 4: { // the host first on a new IKE SA
			bool host_started = pick(2);
			auto d = msg(lan, true, next_cookie++, kV2, 37, 0, host_started ? kInitiator : 0);
			ASSERT_EQ(d.verdict, VM_ZONE) << where;
			if (auto *e = model.newest(h, !host_started, jiffies, jiffies))
				e->settled = true;
			break;
		}
		default: // time passes
			jiffies += 1 + pick(2) * pick(window / 2) + pick(4) * HZ;
			vm_esp_serial_tick(&t, &cfg, jiffies);
			break;
		}
		for (auto &[l, hh] : model.hosts) {
			unsigned int sas = 0;
			for (bool remote : {false, true})
				for (auto &x : hh.ccsa)
					sas += model.live(x, jiffies) && x.remote_asked == remote;
			auto *info = nego_of(l);
			ASSERT_EQ(info ? info->ike_sas : 0u, sas) << where << " host " << ntohl(l) << [&] {
				std::string w = " now " + std::to_string(jiffies);
				for (auto &x : hh.ccsa)
					w += " [" + std::to_string(x.at) + (x.remote_asked ? " r " : " h ") +
					     std::to_string(x.last_req) + (x.settled ? " s]" : "]");
				return w;
			}();
		}
	}
	EXPECT_GT(bound, 200u);
	EXPECT_GT(ambiguous, 200u);
	EXPECT_GT(settled_by_request, 100u);
	EXPECT_GT(waited, 50u);
	EXPECT_GT(went_on, 20u) << "waited " << waited;
	EXPECT_EQ(stat(VPNMASQ_STAT_IKE_NEGO_SETTLING), waited);
}

} // namespace
