// Tunable names, value parsing and the pairing of "set" arguments.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "errors.hpp"
#include "keys.hpp"

using namespace vpnmasq;

namespace {

uint64_t parse(const char *key, const char *text)
{
	const Key *k = find_key(key);
	if (!k)
		throw std::logic_error(std::string("no key ") + key);
	return parse_value(*k, text);
}

// The UsageError's text for parsing @text, "" if it parsed.
std::string refusal(const char *key, const char *text)
{
	try {
		parse(key, text);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Keys, EveryTunableAttributeHasExactlyOneKey)
{
	for (int attr = VPNMASQ_A_CFG_ENABLED; attr <= VPNMASQ_A_CFG_PPTP; attr++) {
		int n = 0;
		for (const auto &k : keys())
			n += k.attr == attr;
		EXPECT_EQ(n, 1) << "attribute " << attr;
		ASSERT_NE(find_key_by_attr(attr), nullptr);
		EXPECT_EQ(find_key_by_attr(attr)->attr, attr);
	}
	EXPECT_EQ(keys().size(), size_t(VPNMASQ_A_CFG_PPTP - VPNMASQ_A_CFG_ENABLED + 1));
	EXPECT_EQ(find_key_by_attr(VPNMASQ_A_VERSION), nullptr);
}

TEST(Keys, NamesAreUniqueSnakeCase)
{
	std::set<std::string_view> seen;
	for (const auto &k : keys()) {
		EXPECT_TRUE(seen.insert(k.name).second) << k.name;
		for (char c : k.name)
			EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << k.name;
		EXPECT_FALSE(k.help.empty()) << k.name;
		EXPECT_EQ(find_key(k.name), &k);
	}
	EXPECT_EQ(find_key("Enabled"), nullptr);
	EXPECT_EQ(find_key(""), nullptr);
	EXPECT_EQ(find_key("nope"), nullptr);
}

TEST(Keys, TypesFollowTheHeader)
{
	EXPECT_EQ(find_key("enabled")->type, AttrType::U8);
	EXPECT_EQ(find_key("pptp")->type, AttrType::U8);
	EXPECT_EQ(find_key("zone_base")->type, AttrType::U16);
	EXPECT_EQ(find_key("zone_count")->type, AttrType::U16);
	for (auto name : {"ike_timeout", "esp_timeout", "serial_wait", "max_assoc", "hold_max"})
		EXPECT_EQ(find_key(name)->type, AttrType::U32) << name;
	EXPECT_EQ(find_key("ike_timeout")->unit, "s");
	EXPECT_EQ(find_key("serial_wait")->unit, "ms");
	EXPECT_EQ(find_key("ike_timeout")->def, uint64_t(VPNMASQ_IKE_TIMEOUT_DEFAULT));
	for (const auto &k : keys())
		EXPECT_EQ(k.boolean, k.type == AttrType::U8) << k.name;
}

TEST(Keys, ParsesUnsignedDecimals)
{
	EXPECT_EQ(parse("ike_timeout", "600"), 600u);
	EXPECT_EQ(parse("hold_max", "0"), 0u);
	EXPECT_EQ(parse("hold_max", "007"), 7u);
	EXPECT_EQ(parse("max_assoc", "4294967295"), 4294967295u);
	EXPECT_EQ(parse("zone_base", "65535"), 65535u);
	EXPECT_EQ(parse("enabled", "255"), 255u) << "range is the kernel's business";
	EXPECT_EQ(parse("enabled", "1"), 1u);
}

TEST(Keys, ParsesBooleanWordsForU8Only)
{
	for (auto on : {"on", "yes", "true", "ON", "Yes", "TRUE"})
		EXPECT_EQ(parse("enabled", on), 1u) << on;
	for (auto off : {"off", "no", "false", "Off", "NO"})
		EXPECT_EQ(parse("pptp", off), 0u) << off;
	EXPECT_NE(refusal("ike_timeout", "on"), "");
	EXPECT_NE(refusal("zone_count", "yes"), "");
	EXPECT_NE(refusal("enabled", "enable"), "");
	EXPECT_NE(refusal("enabled", "o"), "");
}

TEST(Keys, RefusesOverflow)
{
	EXPECT_NE(refusal("max_assoc", "4294967296").find("too large (at most 4294967295)"),
		  std::string::npos);
	EXPECT_NE(refusal("enabled", "256").find("at most 255"), std::string::npos);
	EXPECT_NE(refusal("zone_base", "65536").find("at most 65535"), std::string::npos);
	EXPECT_NE(refusal("ike_timeout", "18446744073709551616").find("too large"),
		  std::string::npos);
	EXPECT_NE(refusal("ike_timeout", "99999999999999999999999").find("too large"),
		  std::string::npos);
}

TEST(Keys, RefusesGarbageAndNegatives)
{
	for (auto bad : {"", "12abc", "abc", " 5", "5 ", "+5", "0x10", "1.5", "1e3", "٣"}) {
		auto why = refusal("ike_timeout", bad);
		EXPECT_NE(why, "") << "'" << bad << "'";
		EXPECT_EQ(why.rfind("ike_timeout: ", 0), 0u) << why;
	}
	EXPECT_NE(refusal("ike_timeout", "-1").find("negative"), std::string::npos);
	EXPECT_NE(refusal("ike_timeout", "-0").find("negative"), std::string::npos);
	EXPECT_NE(refusal("enabled", "-1").find("negative"), std::string::npos);
}

TEST(Keys, SetArgumentsPairUp)
{
	std::vector<std::string> args{"enabled", "off",	      "serial_wait",
				      "1500",	 "zone_base", "60000"};
	auto s = parse_settings(args);
	ASSERT_EQ(s.size(), 3u);
	EXPECT_EQ(s[0].key, find_key("enabled"));
	EXPECT_EQ(s[0].value, 0u);
	EXPECT_EQ(s[1].key, find_key("serial_wait"));
	EXPECT_EQ(s[1].value, 1500u);
	EXPECT_EQ(s[2].key, find_key("zone_base"));
	EXPECT_EQ(s[2].value, 60000u);
}

TEST(Keys, SetArgumentsRefusedBeforeSending)
{
	auto why = [](std::vector<std::string> args) {
		try {
			parse_settings(args);
		} catch (const UsageError &e) {
			return std::string(e.what());
		}
		return std::string();
	};
	EXPECT_NE(why({}).find("expected KEY VALUE"), std::string::npos);
	EXPECT_NE(why({"ike_timeout"}).find("'ike_timeout' has no value"), std::string::npos);
	EXPECT_NE(why({"ike_timeout", "60", "esp_timeout"}).find("'esp_timeout' has no value"),
		  std::string::npos);
	EXPECT_NE(why({"no_such_key", "1"}).find("unknown key 'no_such_key'"), std::string::npos);
	EXPECT_NE(why({"ike_timeout", "60", "ike_timeout", "70"}).find("given twice"),
		  std::string::npos);
	EXPECT_NE(why({"ike_timeout", "60", "enabled", "maybe"})
			  .find("set: enabled: 'maybe' is not 0, 1, on or off"),
		  std::string::npos);
}
