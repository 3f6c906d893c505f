// Configuration files for -b, and showconf's output read back by them.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <sstream>

#include "batch.hpp"
#include "errors.hpp"

using namespace vpnmasq;

namespace {

std::vector<Setting> parse(const std::string &text)
{
	std::istringstream in(text);
	return parse_batch(in, "vpnmasq.conf");
}

// The index of key @name in keys() and so in Config::values.
size_t at(std::string_view name)
{
	const Key *k = find_key(name);
	if (!k)
		throw std::logic_error("no key " + std::string(name));
	return static_cast<size_t>(k - keys().data());
}

std::string refusal(const std::string &text)
{
	try {
		parse(text);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Batch, SetLinesCommentsAndBlanks)
{
	auto s = parse("# header\n"
		       "\n"
		       "set ike_timeout 60\n"
		       "   # indented comment\n"
		       "\tset enabled off   pptp on  \n"
		       "set serial_wait 1500");
	ASSERT_EQ(s.size(), 4u);
	EXPECT_EQ(s[0].key->name, "ike_timeout");
	EXPECT_EQ(s[0].value, 60u);
	EXPECT_EQ(s[1].key->name, "enabled");
	EXPECT_EQ(s[1].value, 0u);
	EXPECT_EQ(s[2].key->name, "pptp");
	EXPECT_EQ(s[2].value, 1u);
	EXPECT_EQ(s[3].key->name, "serial_wait") << "the last line needs no newline";
	EXPECT_TRUE(parse("").empty());
	EXPECT_TRUE(parse("# only\n\n").empty());
}

TEST(Batch, BadLinesNameFileAndLine)
{
	EXPECT_EQ(refusal("set ike_timeout 60\nshow ike\n"),
		  "vpnmasq.conf:2: expected 'set KEY VALUE...', a '# comment' or nothing, got "
		  "'show'");
	EXPECT_EQ(refusal("\n\nset\n"), "vpnmasq.conf:3: set: expected KEY VALUE [KEY VALUE]...");
	EXPECT_EQ(refusal("set ike_timeout\n"), "vpnmasq.conf:1: set: 'ike_timeout' has no value");
	EXPECT_EQ(refusal("set no_such_key 1\n"),
		  "vpnmasq.conf:1: set: unknown key 'no_such_key' (see: vpnmasq-ctl help)");
	EXPECT_EQ(refusal("set ike_timeout ten\n"),
		  "vpnmasq.conf:1: set: ike_timeout: 'ten' is not an unsigned decimal integer");
	EXPECT_EQ(refusal("set max_assoc 4294967296\n"),
		  "vpnmasq.conf:1: set: max_assoc: 4294967296 is too large (at most 4294967295)");
	EXPECT_EQ(refusal("set ike_timeout 60 # ten minutes\n"),
		  "vpnmasq.conf:1: a comment must be on a line of its own");
	EXPECT_EQ(
		refusal("SET ike_timeout 60\n"),
		"vpnmasq.conf:1: expected 'set KEY VALUE...', a '# comment' or nothing, got 'SET'");
	EXPECT_EQ(refusal(std::string("set ike_timeout 60\0\n", 21)),
		  "vpnmasq.conf:1: not a text line");
}

TEST(Batch, AKeySetTwiceNamesBothLines)
{
	EXPECT_EQ(refusal("set ike_timeout 60\n# x\nset esp_timeout 70 ike_timeout 80\n"),
		  "vpnmasq.conf:3: 'ike_timeout' set twice, first on line 1");
	EXPECT_EQ(refusal("set ike_timeout 60 ike_timeout 80\n"),
		  "vpnmasq.conf:1: set: 'ike_timeout' given twice");
}

TEST(Batch, ShowconfReadsBack)
{
	Config c;
	c.module_version = "0.2.0";
	for (const auto &k : keys())
		c.values.push_back(default_value(k));
	c.values[at("enabled")] = 0; // off
	c.values[at("ike_timeout")] = 77;
	c.values[at("nego_window")] = 3600;
	c.values[at("nego_spis")] = 0;
	c.values[at("nego_settle")] = 2500;
	c.values[at("zone_base")] = 60000;
	c.values[at("zone_count")] = 100;
	c.values[at("pptp")] = 1; // on

	const PrefixList two{{htonl(0x0a000000), 24}, {htonl(0xc6336400), 29}};
	c.values[at("lan")] = two;
	std::string text = showconf_text(c);
	EXPECT_EQ(text.rfind("# vpnmasq tunables", 0), 0u);
	EXPECT_NE(text.find("set enabled off\n"), std::string::npos) << text;
	EXPECT_NE(text.find("set pptp on\n"), std::string::npos);
	EXPECT_NE(text.find("set ike_timeout 77\n"), std::string::npos);
	EXPECT_NE(text.find("set nego_window 3600\nset nego_spis 0\nset nego_settle 2500\n"), std::string::npos);
	EXPECT_NE(text.find("set lan 10.0.0.0/24,198.51.100.0/29\n"), std::string::npos) << text;
	size_t lines = 0;
	for (std::istringstream in(text); std::getline(in, text);)
		lines += text.rfind("set ", 0) == 0;
	EXPECT_EQ(lines, keys().size()) << "one set line per tunable";

	auto back = parse(showconf_text(c));
	ASSERT_EQ(back.size(), keys().size());
	for (size_t i = 0; i < back.size(); i++) {
		EXPECT_EQ(back[i].key, &keys()[i]);
		EXPECT_EQ(back[i].value, *c.values[i]) << keys()[i].name;
	}

	// The default scope and the empty one read back as well.
	for (const PrefixList &scope : {default_lan(), PrefixList{}}) {
		c.values[at("lan")] = scope;
		text = showconf_text(c);
		EXPECT_NE(text.find("set lan " + prefix_list_text(scope) + "\n"), std::string::npos)
			<< text;
		back = parse(text);
		ASSERT_EQ(back.size(), keys().size());
		EXPECT_EQ(back[at("lan")].key, find_key("lan"));
		EXPECT_EQ(back[at("lan")].value, Value(scope));
	}
}

TEST(Batch, LanLines)
{
	auto s = parse("set lan 192.168.1.0/24,10.8.0.0/16 enabled on\n");
	ASSERT_EQ(s.size(), 2u);
	EXPECT_EQ(s[0].key->name, "lan");
	EXPECT_EQ(prefix_list_text(s[0].value.prefixes()), "192.168.1.0/24,10.8.0.0/16");
	EXPECT_EQ(s[1].value, 1u);
	EXPECT_TRUE(parse("set lan none\n")[0].value.prefixes().empty());
	EXPECT_EQ(parse("set lan default\n")[0].value, Value(default_lan()));
	EXPECT_EQ(refusal("# scope\nset lan 192.168.1.5/24\n"),
		  "vpnmasq.conf:2: set: lan: 192.168.1.5/24 has host bits set: did you mean "
		  "192.168.1.0/24?");
	EXPECT_EQ(refusal("set lan 10.0.0.0/8, 192.168.0.0/16\n"),
		  "vpnmasq.conf:1: set: '192.168.0.0/16' has no value");
	EXPECT_EQ(refusal("set lan 10.0.0.0/8\nset lan none\n"),
		  "vpnmasq.conf:2: 'lan' set twice, first on line 1");
}

TEST(Batch, ShowconfLeavesOutKeysTheModuleDidNotReport)
{
	Config c;
	for (const auto &k : keys())
		c.values.push_back(default_value(k));
	c.values[at("esp_timeout")].reset();
	std::string text = showconf_text(c);
	EXPECT_EQ(text.find("esp_timeout"), std::string::npos);
	EXPECT_EQ(parse(text).size(), keys().size() - 1);
}

TEST(Batch, UnreadableFile)
{
	try {
		read_batch("/nonexistent/vpnmasq.conf");
		FAIL();
	} catch (const UsageError &e) {
		EXPECT_EQ(std::string(e.what()),
			  "cannot read /nonexistent/vpnmasq.conf: No such file or directory");
	}
}
