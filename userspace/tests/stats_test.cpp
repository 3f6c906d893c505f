// Counter names follow the enumerators of enum vpnmasq_stat.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "stats.hpp"

using namespace vpnmasq;

namespace {

std::string lower(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(),
		       [](unsigned char c) { return std::tolower(c); });
	return s;
}

#define STAT(x)                                                                                    \
	{                                                                                          \
		VPNMASQ_STAT_##x, #x                                                               \
	}
const std::pair<int, const char *> kEnumerators[] = {
	STAT(IKE_MATCHED),	  STAT(IKE_NEW),
	STAT(IKE_UNKNOWN),	  STAT(IKE_AMBIGUOUS),
	STAT(IKE_COLLISION),	  STAT(IKE_TABLE_FULL),
	STAT(IKE_MALFORMED),	  STAT(IKE_EXPIRED),
	STAT(ESP_ASSOCIATED),	  STAT(ESP_MATCHED),
	STAT(ESP_HELD),		  STAT(ESP_RELEASED),
	STAT(ESP_HOLD_DROPPED),	  STAT(ESP_WAIT_EXPIRED),
	STAT(ESP_UNKNOWN_SPI),	  STAT(ESP_REFUSED_NO_IKE),
	STAT(ESP_AMBIGUOUS),	  STAT(ESP_COLLISION),
	STAT(ESP_LOCAL),	  STAT(ESP_TABLE_FULL),
	STAT(ESP_MALFORMED),	  STAT(ESP_EXPIRED),
	STAT(PPTP_ATTACHED),	  STAT(PPTP_OPENED),
	STAT(PPTP_CLOSED),	  STAT(PPTP_REFUSED),
	STAT(ZONES_EXHAUSTED),	  STAT(NOMEM),
	STAT(EVENTS_LOST),	  STAT(ICMP_MATCHED),
	STAT(ICMP_UNKNOWN),	  STAT(NOT_LAN),
	STAT(PORT_FORWARD),	  STAT(NOT_MASQUERADED),
	STAT(NEGO_COMPLETED),	  STAT(NEGO_LAPSED),
	STAT(ESP_NEGO_BOUND),	  STAT(IKE_NEGO_BOUND),
	STAT(ESP_SERIAL_SKIPPED),
	STAT(IKE_NEGO_DEFERRED),  STAT(IKE_NEGO_SETTLING),
};
#undef STAT

} // namespace

TEST(Stats, EveryCounterHasAName)
{
	std::set<std::string_view> seen;
	for (int id = VPNMASQ_STAT_PAD + 1; id < __VPNMASQ_STAT_MAX; id++) {
		auto name = known_stat_name(id);
		EXPECT_FALSE(name.empty()) << "counter " << id;
		EXPECT_TRUE(seen.insert(name).second) << name;
	}
}

TEST(Stats, NameIsTheLowerCaseEnumeratorWithoutPrefix)
{
	// A counter added to the header without a line here fails this test.
	EXPECT_EQ(std::size(kEnumerators), size_t(__VPNMASQ_STAT_MAX - VPNMASQ_STAT_PAD - 1));
	for (auto [id, enumerator] : kEnumerators)
		EXPECT_EQ(known_stat_name(id), lower(enumerator)) << enumerator;
	EXPECT_EQ(stat_name(VPNMASQ_STAT_IKE_MATCHED), "ike_matched");
}

TEST(Stats, UnknownCountersGetANumberedName)
{
	EXPECT_TRUE(known_stat_name(VPNMASQ_STAT_UNSPEC).empty());
	EXPECT_TRUE(known_stat_name(VPNMASQ_STAT_PAD).empty());
	EXPECT_TRUE(known_stat_name(__VPNMASQ_STAT_MAX).empty());
	EXPECT_TRUE(known_stat_name(-1).empty());
	EXPECT_EQ(stat_name(__VPNMASQ_STAT_MAX), "stat_" + std::to_string(__VPNMASQ_STAT_MAX));
	EXPECT_EQ(stat_name(1000), "stat_1000");
}

TEST(Stats, EveryCounterIsExplained)
{
	for (int id = VPNMASQ_STAT_PAD + 1; id < __VPNMASQ_STAT_MAX; id++) {
		const StatInfo *info = stat_info(id);
		ASSERT_NE(info, nullptr) << "counter " << id;
		EXPECT_GT(info->meaning.size(), 20u) << info->name;
		// A refusal says what to do about it.
		if (info->refusal) {
			EXPECT_FALSE(info->action.empty()) << info->name;
		}
		// The text says "refused" only for refusals.
		if (info->meaning.starts_with("refused")) {
			EXPECT_TRUE(info->refusal) << info->name;
		}
		EXPECT_EQ(stat_explanation(id).rfind(std::string(info->meaning), 0), 0u);
	}
	// Counters whose names say they refused something are refusals.
	for (int id = VPNMASQ_STAT_PAD + 1; id < __VPNMASQ_STAT_MAX; id++) {
		std::string name(known_stat_name(id));
		for (auto word : {"ambiguous", "collision", "full", "refused", "dropped",
				  "exhausted", "lost", "nomem"})
			if (name.find(word) != std::string::npos) {
				EXPECT_TRUE(stat_info(id)->refusal) << name;
			}
	}
	EXPECT_EQ(stat_info(__VPNMASQ_STAT_MAX), nullptr);
	EXPECT_EQ(stat_explanation(__VPNMASQ_STAT_MAX), "(a counter of a newer module)");
	EXPECT_NE(stat_explanation(VPNMASQ_STAT_IKE_TABLE_FULL).find("set max_assoc"),
		  std::string::npos);
}

TEST(Stats, ScopeCounters)
{
	// Left alone as on a stock kernel: informational, nothing to do.
	for (int id : {VPNMASQ_STAT_NOT_LAN, VPNMASQ_STAT_PORT_FORWARD}) {
		const StatInfo *info = stat_info(id);
		ASSERT_NE(info, nullptr);
		EXPECT_FALSE(info->refusal) << info->name;
		EXPECT_TRUE(info->action.empty()) << info->name;
	}
	EXPECT_EQ(stat_name(VPNMASQ_STAT_NOT_LAN), "not_lan");
	EXPECT_NE(stat_explanation(VPNMASQ_STAT_NOT_LAN).find("outside the lan scope"),
		  std::string::npos);
	EXPECT_EQ(stat_name(VPNMASQ_STAT_PORT_FORWARD), "port_forward");
	EXPECT_NE(stat_explanation(VPNMASQ_STAT_PORT_FORWARD).find("port forward (DNAT)"),
		  std::string::npos);
	// A scope that covers routed addresses: a warning saying what to do.
	const StatInfo *nm = stat_info(VPNMASQ_STAT_NOT_MASQUERADED);
	ASSERT_NE(nm, nullptr);
	EXPECT_EQ(nm->name, "not_masqueraded");
	EXPECT_TRUE(nm->refusal);
	EXPECT_NE(stat_explanation(VPNMASQ_STAT_NOT_MASQUERADED).find("vpnmasq-ctl set lan"),
		  std::string::npos);
}

TEST(Stats, NegotiationCounters)
{
	// What negotiations did: informational, nothing to do.
	for (int id :
	     {VPNMASQ_STAT_NEGO_COMPLETED, VPNMASQ_STAT_NEGO_LAPSED, VPNMASQ_STAT_ESP_NEGO_BOUND,
	      VPNMASQ_STAT_IKE_NEGO_BOUND, VPNMASQ_STAT_ESP_SERIAL_SKIPPED}) {
		const StatInfo *info = stat_info(id);
		ASSERT_NE(info, nullptr) << id;
		EXPECT_FALSE(info->refusal) << info->name;
		EXPECT_TRUE(info->action.empty()) << info->name;
	}
	auto explains = [](int id, const char *text) {
		return stat_explanation(id).find(text) != std::string::npos;
	};
	EXPECT_EQ(stat_name(VPNMASQ_STAT_NEGO_COMPLETED), "nego_completed");
	EXPECT_TRUE(explains(VPNMASQ_STAT_NEGO_COMPLETED,
			     "IKEv1 Quick Mode, IKEv2 IKE_AUTH and CREATE_CHILD_SA"));
	EXPECT_TRUE(explains(VPNMASQ_STAT_NEGO_COMPLETED, "complete in both directions"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_NEGO_LAPSED), "nego_lapsed");
	EXPECT_TRUE(explains(VPNMASQ_STAT_NEGO_LAPSED, "ended unused"));
	EXPECT_TRUE(explains(VPNMASQ_STAT_NEGO_LAPSED, "informational"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_ESP_NEGO_BOUND), "esp_nego_bound");
	EXPECT_TRUE(explains(VPNMASQ_STAT_ESP_NEGO_BOUND, "the remote sent first on a new SA"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_IKE_NEGO_BOUND), "ike_nego_bound");
	EXPECT_TRUE(explains(VPNMASQ_STAT_IKE_NEGO_BOUND, "CREATE_CHILD_SA"));
	EXPECT_TRUE(explains(VPNMASQ_STAT_IKE_NEGO_BOUND, "IKE SA rekeys"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_ESP_SERIAL_SKIPPED), "esp_serial_skipped");
	EXPECT_TRUE(explains(VPNMASQ_STAT_ESP_SERIAL_SKIPPED, "needed no serialization"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_IKE_NEGO_DEFERRED), "ike_nego_deferred");
	EXPECT_TRUE(explains(VPNMASQ_STAT_IKE_NEGO_DEFERRED, "one copy per host is held"));
	EXPECT_EQ(stat_name(VPNMASQ_STAT_IKE_NEGO_SETTLING), "ike_nego_settling");
	EXPECT_TRUE(explains(VPNMASQ_STAT_IKE_NEGO_SETTLING, "nego_settle"));
	EXPECT_TRUE(explains(VPNMASQ_STAT_IKE_NEGO_SETTLING, "the remote retransmits them"));
	EXPECT_TRUE(explains(VPNMASQ_STAT_ESP_ASSOCIATED, "whose pending new SA awaited them"));
}

TEST(Stats, RefusalsSayWhatNegotiationsChange)
{
	const StatInfo *no_ike = stat_info(VPNMASQ_STAT_ESP_REFUSED_NO_IKE);
	ASSERT_NE(no_ike, nullptr);
	EXPECT_TRUE(no_ike->refusal);
	EXPECT_NE(no_ike->meaning.find("awaits a reply from (pending slot) or has just "
				       "negotiated with"),
		  std::string_view::npos)
		<< no_ike->meaning;
	EXPECT_EQ(no_ike->action, "the host's IKE must pass this gateway (UDP 500, no NAT-T); if "
				  "the remote sends first long after a rekey, raise nego_window");
	EXPECT_EQ(no_ike->meaning.find("IKE state with"), std::string_view::npos)
		<< "IKE state alone earns nothing";

	const StatInfo *esp = stat_info(VPNMASQ_STAT_ESP_AMBIGUOUS);
	ASSERT_NE(esp, nullptr);
	EXPECT_NE(esp->meaning.find("had just negotiated with"), std::string_view::npos);
	EXPECT_NE(esp->meaning.find("none of them awaiting an SPI"), std::string_view::npos);
	EXPECT_EQ(esp->action, "it resolves when the owner sends on its new SA; rekeys of several "
			       "hosts with one remote at the same moment cannot be told apart");

	const StatInfo *ike = stat_info(VPNMASQ_STAT_IKE_AMBIGUOUS);
	ASSERT_NE(ike, nullptr);
	EXPECT_NE(ike->meaning.find("new IKE SA"), std::string_view::npos);
	EXPECT_NE(ike->meaning.find("or the gateway"), std::string_view::npos);
	EXPECT_NE(ike->action.find("cannot be told apart"), std::string_view::npos);
}
