// Tunable names, value parsing and the pairing of "set" arguments.
#include <gtest/gtest.h>

#include <arpa/inet.h>

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
	return parse_value(*k, text).number();
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
	// VPNMASQ_A_CFG_LAN was appended after the event attributes, the
	// negotiation tunables after VPNMASQ_A_PREFIX.
	std::vector<int> attrs;
	for (int attr = VPNMASQ_A_CFG_ENABLED; attr <= VPNMASQ_A_CFG_PPTP; attr++)
		attrs.push_back(attr);
	attrs.push_back(VPNMASQ_A_CFG_LAN);
	attrs.push_back(VPNMASQ_A_CFG_NEGO_WINDOW);
	attrs.push_back(VPNMASQ_A_CFG_NEGO_SPIS);
	attrs.push_back(VPNMASQ_A_CFG_NEGO_SETTLE);
	for (int attr : attrs) {
		int n = 0;
		for (const auto &k : keys())
			n += k.attr == attr;
		EXPECT_EQ(n, 1) << "attribute " << attr;
		ASSERT_NE(find_key_by_attr(attr), nullptr);
		EXPECT_EQ(find_key_by_attr(attr)->attr, attr);
	}
	EXPECT_EQ(keys().size(), attrs.size());
	EXPECT_EQ(find_key_by_attr(VPNMASQ_A_VERSION), nullptr);
	EXPECT_EQ(find_key_by_attr(VPNMASQ_A_PREFIX), nullptr);
	EXPECT_EQ(find_key_by_attr(VPNMASQ_A_NEGO), nullptr);
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
	for (auto name : {"ike_timeout", "esp_timeout", "serial_wait", "max_assoc", "hold_max",
			  "nego_window", "nego_spis", "nego_settle"})
		EXPECT_EQ(find_key(name)->type, AttrType::U32) << name;
	EXPECT_EQ(find_key("ike_timeout")->unit, "s");
	EXPECT_EQ(find_key("serial_wait")->unit, "ms");
	EXPECT_EQ(find_key("nego_settle")->unit, "ms");
	EXPECT_EQ(find_key("ike_timeout")->def, uint64_t(VPNMASQ_IKE_TIMEOUT_DEFAULT));
	for (const auto &k : keys())
		EXPECT_EQ(k.boolean, k.type == AttrType::U8) << k.name;
	EXPECT_EQ(find_key("lan")->type, AttrType::PrefixNest);
	EXPECT_FALSE(is_number(AttrType::PrefixNest));
	for (const auto &k : keys())
		if (k.name != "lan") {
			EXPECT_TRUE(is_number(k.type)) << k.name;
			EXPECT_EQ(default_value(k), Value(k.def)) << k.name;
		}
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

namespace {

Prefix pfx(uint32_t host_order, uint8_t len)
{
	return {htonl(host_order), len};
}

PrefixList lan(const char *text)
{
	return parse_value(*find_key("lan"), text).prefixes();
}

std::string lan_refusal(const char *text)
{
	try {
		lan(text);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Keys, LanTakesAListOfPrefixes)
{
	EXPECT_EQ(lan("10.0.0.0/24,198.51.100.0/29"),
		  (PrefixList{pfx(0x0a000000, 24), pfx(0xc6336400, 29)}));
	EXPECT_EQ(lan("192.168.1.0/24"), (PrefixList{pfx(0xc0a80100, 24)}));
	EXPECT_EQ(lan("192.168.1.11"), (PrefixList{pfx(0xc0a8010b, 32)})) << "a bare address: /32";
	EXPECT_EQ(lan("192.168.1.11/32"), lan("192.168.1.11"));
	EXPECT_EQ(lan("0.0.0.0/0"), (PrefixList{pfx(0, 0)}));
	EXPECT_EQ(lan("100.64.0.0/10,10.0.0.0/8"),
		  (PrefixList{pfx(0x64400000, 10), pfx(0x0a000000, 8)}))
		<< "the order given is kept";
	EXPECT_EQ(lan("10.0.0.0/08"), (PrefixList{pfx(0x0a000000, 8)}));
	std::string sixteen;
	for (int i = 0; i < VPNMASQ_LAN_MAX; i++)
		sixteen += (i ? ",10." : "10.") + std::to_string(i) + ".0.0/16";
	EXPECT_EQ(lan(sixteen.c_str()).size(), size_t(VPNMASQ_LAN_MAX));
}

TEST(Keys, LanDefaultAndNone)
{
	const PrefixList rfc1918{pfx(0x0a000000, 8), pfx(0xac100000, 12), pfx(0xc0a80000, 16)};
	EXPECT_EQ(default_lan(), rfc1918);
	EXPECT_EQ(default_value(*find_key("lan")), Value(rfc1918));
	for (auto word : {"default", "DEFAULT", "Default"})
		EXPECT_EQ(lan(word), rfc1918) << word;
	for (auto word : {"none", "NONE"})
		EXPECT_TRUE(lan(word).empty()) << word;
}

TEST(Keys, LanTextReadsBack)
{
	EXPECT_EQ(prefix_text(pfx(0xc0a80100, 24)), "192.168.1.0/24");
	EXPECT_EQ(prefix_list_text(default_lan()), "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16");
	EXPECT_EQ(prefix_list_text({}), "none");
	for (auto text : {"10.0.0.0/24,198.51.100.0/29", "192.168.1.11/32", "0.0.0.0/0", "none"})
		EXPECT_EQ(prefix_list_text(lan(text)), text);
}

TEST(Keys, LanRefusals)
{
	const std::pair<const char *, const char *> bad[] = {
		{"", "lan: empty value, expected PREFIX[,PREFIX]..., default or none"},
		{"10.0.0/8",
		 "lan: '10.0.0' is not an IPv4 address (expected ADDR/LEN or ADDR, e.g. "
		 "192.168.1.0/24)"},
		{"10.0.0.256/32", "lan: '10.0.0.256' is not an IPv4 address"},
		{"010.0.0.0/8", "lan: '010.0.0.0' is not an IPv4 address"},
		{"lan.example", "lan: 'lan.example' is not an IPv4 address"},
		{"/8", "lan: '' is not an IPv4 address"},
		{"fe80::/10", "lan: 'fe80::' is not an IPv4 address"},
		{"10.0.0.0/33", "lan: '10.0.0.0/33': the prefix length must be 0 to 32"},
		{"10.0.0.0/", "lan: '10.0.0.0/': the prefix length must be 0 to 32"},
		{"10.0.0.0/-8", "lan: '10.0.0.0/-8': the prefix length must be 0 to 32"},
		{"10.0.0.0/+8", "lan: '10.0.0.0/+8': the prefix length must be 0 to 32"},
		{"10.0.0.0/8x", "lan: '10.0.0.0/8x': the prefix length must be 0 to 32"},
		{"10.0.0.0/008", "lan: '10.0.0.0/008': the prefix length must be 0 to 32"},
		{"10.0.0.0/8/8", "lan: '10.0.0.0/8/8': the prefix length must be 0 to 32"},
		{"192.168.1.5/24",
		 "lan: 192.168.1.5/24 has host bits set: did you mean 192.168.1.0/24?"},
		{"10.0.0.0/8,172.16.0.1/12",
		 "lan: 172.16.0.1/12 has host bits set: did you mean 172.16.0.0/12?"},
		{"1.2.3.4/0", "lan: 1.2.3.4/0 has host bits set: did you mean 0.0.0.0/0?"},
		{"10.0.0.0/8,10.0.0.0/8", "lan: 10.0.0.0/8 given twice"},
		{"192.168.1.1,192.168.1.1/32", "lan: 192.168.1.1/32 given twice"},
		{"10.0.0.0/8,", "lan: '10.0.0.0/8,' has an empty prefix"},
		{",10.0.0.0/8", "lan: ',10.0.0.0/8' has an empty prefix"},
		{"10.0.0.0/8,,192.168.0.0/16",
		 "lan: '10.0.0.0/8,,192.168.0.0/16' has an empty prefix (one comma between two "
		 "prefixes, none at either end)"},
		{",", "lan: ',' has an empty prefix"},
		{"10.0.0.0/8, 192.168.0.0/16",
		 "lan: '10.0.0.0/8, 192.168.0.0/16' has a blank: separate the prefixes by commas "
		 "alone"},
		{"default,100.64.0.0/10", "lan: 'default' stands alone, not in a list of prefixes"},
		{"10.0.0.0/8,none", "lan: 'none' stands alone"},
	};
	for (auto [text, reason] : bad) {
		auto why = lan_refusal(text);
		EXPECT_EQ(why.rfind(reason, 0), 0u) << "'" << text << "': " << why;
	}
	std::string seventeen;
	for (int i = 0; i <= VPNMASQ_LAN_MAX; i++)
		seventeen += (i ? ",10." : "10.") + std::to_string(i) + ".0.0/16";
	EXPECT_EQ(lan_refusal(seventeen.c_str()), "lan: 17 prefixes, at most 16");
}

TEST(Keys, SetLanWithOtherKeys)
{
	std::vector<std::string> args{"enabled",  "on", "lan", "10.0.0.0/24,198.51.100.0/29",
				      "hold_max", "32"};
	auto s = parse_settings(args);
	ASSERT_EQ(s.size(), 3u);
	EXPECT_EQ(s[0].value, 1u);
	EXPECT_EQ(s[1].key, find_key("lan"));
	EXPECT_EQ(s[1].value, Value(PrefixList{pfx(0x0a000000, 24), pfx(0xc6336400, 29)}));
	EXPECT_EQ(s[2].value, 32u);

	auto why = [](std::vector<std::string> a) {
		try {
			parse_settings(a);
		} catch (const UsageError &e) {
			return std::string(e.what());
		}
		return std::string();
	};
	EXPECT_EQ(why({"enabled", "on", "lan", "192.168.1.5/24"}),
		  "set: lan: 192.168.1.5/24 has host bits set: did you mean 192.168.1.0/24?");
	EXPECT_EQ(why({"lan", "none", "lan", "default"}), "set: 'lan' given twice");
	EXPECT_EQ(why({"lan"}), "set: 'lan' has no value");
}

TEST(Keys, DefaultsComeFromTheHeader)
{
	EXPECT_EQ(find_key("ike_timeout")->def, 28800u) << "8 h, the common IKE SA lifetime";
	EXPECT_EQ(find_key("ike_timeout")->def, uint64_t(VPNMASQ_IKE_TIMEOUT_DEFAULT));
	EXPECT_EQ(find_key("esp_timeout")->def, uint64_t(VPNMASQ_ESP_TIMEOUT_DEFAULT));
	EXPECT_EQ(find_key("serial_wait")->def, uint64_t(VPNMASQ_SERIAL_WAIT_DEFAULT));
	EXPECT_EQ(find_key("max_assoc")->def, uint64_t(VPNMASQ_MAX_ASSOC_DEFAULT));
	EXPECT_EQ(find_key("hold_max")->def, uint64_t(VPNMASQ_HOLD_MAX_DEFAULT));
	EXPECT_EQ(find_key("zone_base")->def, uint64_t(VPNMASQ_ZONE_BASE_DEFAULT));
	EXPECT_EQ(find_key("zone_count")->def, uint64_t(VPNMASQ_ZONE_COUNT_DEFAULT));
	EXPECT_EQ(find_key("nego_window")->def, uint64_t(VPNMASQ_NEGO_WINDOW_DEFAULT));
	EXPECT_EQ(find_key("nego_spis")->def, uint64_t(VPNMASQ_NEGO_SPIS_DEFAULT));
	// Each default lies in the range the kernel's policy enforces.
	EXPECT_GE(find_key("nego_window")->def, uint64_t(VPNMASQ_NEGO_WINDOW_MIN));
	EXPECT_LE(find_key("nego_window")->def, uint64_t(VPNMASQ_NEGO_WINDOW_MAX));
	EXPECT_LE(find_key("nego_spis")->def, uint64_t(VPNMASQ_NEGO_SPIS_MAX));
	EXPECT_EQ(find_key("nego_settle")->def, uint64_t(VPNMASQ_NEGO_SETTLE_DEFAULT));
	EXPECT_LE(find_key("nego_settle")->def, uint64_t(VPNMASQ_NEGO_SETTLE_MAX));
	EXPECT_GE(find_key("ike_timeout")->def, uint64_t(VPNMASQ_TIMEOUT_MIN));
	EXPECT_LE(find_key("ike_timeout")->def, uint64_t(VPNMASQ_TIMEOUT_MAX));
}

TEST(Keys, NegotiationTunables)
{
	const Key &window = *find_key("nego_window");
	const Key &spis = *find_key("nego_spis");
	EXPECT_EQ(window.attr, VPNMASQ_A_CFG_NEGO_WINDOW);
	EXPECT_EQ(spis.attr, VPNMASQ_A_CFG_NEGO_SPIS);
	EXPECT_EQ(window.unit, "s");
	EXPECT_EQ(spis.unit, "");
	EXPECT_FALSE(window.boolean);
	EXPECT_FALSE(spis.boolean) << "0 turns it off, but it is a count";
	EXPECT_EQ(parse("nego_window", "3600"), 3600u);
	EXPECT_EQ(parse("nego_spis", "0"), 0u);
	EXPECT_EQ(parse("nego_spis", "16"), 16u);
	EXPECT_EQ(parse("nego_spis", "17"), 17u) << "range is the kernel's business";
	EXPECT_NE(refusal("nego_spis", "off"), "") << "not a switch";
	EXPECT_NE(refusal("nego_window", "2m"), "");
	// Printed with the other tunables of association, before the zones.
	auto all = keys();
	EXPECT_EQ(&window, &all[static_cast<size_t>(find_key("hold_max") - all.data()) + 1]);
	EXPECT_EQ(&spis, &window + 1);
	const Key &settle = *find_key("nego_settle");
	EXPECT_EQ(settle.attr, VPNMASQ_A_CFG_NEGO_SETTLE);
	EXPECT_EQ(&settle, &spis + 1);
	EXPECT_EQ(parse("nego_settle", "0"), 0u) << "0 turns the wait off";
	EXPECT_NE(refusal("nego_settle", "10s"), "") << "milliseconds, as serial_wait";
	EXPECT_NE(spis.help.find("0: IKE-guided association off"), std::string_view::npos);
}
