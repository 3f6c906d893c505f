#include <gtest/gtest.h>

#include "keys.hpp"

using namespace vpnmasq;

TEST(Keys, EveryTunableAttributeHasOneName)
{
	for (int attr = VPNMASQ_A_CFG_ENABLED; attr <= VPNMASQ_A_CFG_PPTP; attr++) {
		int n = 0;
		for (const auto &k : keys())
			n += k.attr == attr;
		EXPECT_EQ(n, 1) << "attribute " << attr;
	}
}

TEST(Keys, EveryCounterHasAName)
{
	for (int s = VPNMASQ_STAT_PAD + 1; s < __VPNMASQ_STAT_MAX; s++)
		EXPECT_FALSE(stat_name(s).empty()) << "counter " << s;
	EXPECT_TRUE(stat_name(__VPNMASQ_STAT_MAX).empty());
	EXPECT_TRUE(stat_name(-1).empty());
}

TEST(Keys, ParsesNumbersAndBooleans)
{
	std::string why;
	EXPECT_EQ(parse_value(*find_key("ike_timeout"), "600", why), 600u);
	EXPECT_EQ(parse_value(*find_key("enabled"), "on", why), 1u);
	EXPECT_EQ(parse_value(*find_key("enabled"), "no", why), 0u);
	EXPECT_EQ(parse_value(*find_key("pptp"), "true", why), 1u);
	EXPECT_EQ(parse_value(*find_key("max_assoc"), "4294967295", why), 4294967295u);
	EXPECT_EQ(parse_value(*find_key("zone_base"), "65535", why), 65535u);
}

TEST(Keys, RefusesWhatDoesNotFit)
{
	std::string why;
	EXPECT_FALSE(parse_value(*find_key("max_assoc"), "4294967296", why));
	EXPECT_NE(why.find("does not fit"), std::string::npos);
	EXPECT_FALSE(parse_value(*find_key("enabled"), "256", why));
	EXPECT_FALSE(parse_value(*find_key("zone_base"), "65536", why));
	EXPECT_FALSE(parse_value(*find_key("ike_timeout"), "-1", why));
	EXPECT_FALSE(parse_value(*find_key("ike_timeout"), "12abc", why));
	EXPECT_FALSE(parse_value(*find_key("ike_timeout"), "", why));
	EXPECT_FALSE(parse_value(*find_key("ike_timeout"), "on", why)) << "not a boolean";
	EXPECT_FALSE(parse_value(*find_key("max_assoc"), "99999999999999999999999", why));
	EXPECT_EQ(find_key("nope"), nullptr);
}
