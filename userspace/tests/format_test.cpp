// Text tables and JSON of get, stats, show and version.
#include <gtest/gtest.h>

#include "format.hpp"
#include "keys.hpp"

using namespace vpnmasq;

namespace {

Config sample_config()
{
	Config c;
	c.module_version = "0.1.0";
	for (const auto &k : keys())
		c.values.push_back(k.def);
	return c;
}

Stats sample_stats()
{
	Stats s;
	s.counters = {{VPNMASQ_STAT_IKE_MATCHED, 12},
		      {VPNMASQ_STAT_IKE_NEW, 0},
		      {VPNMASQ_STAT_NOMEM, 1},
		      {__VPNMASQ_STAT_MAX + 2, 4}};
	s.tables = {{"hosts", 2}, {"ike", 3}, {"esp", 0}, {"held", 0}};
	return s;
}

} // namespace

TEST(Format, TablesAlignColumns)
{
	Table t({"A", "LONGER"});
	t.add({"xxxxx", "1"});
	t.add({"y", "22"});
	EXPECT_EQ(t.render(), "A      LONGER\nxxxxx  1\ny      22\n");
	Table plain;
	plain.add({"ike_timeout", "600"});
	plain.add({"enabled", "1"});
	EXPECT_EQ(plain.render("  "), "  ike_timeout  600\n  enabled      1\n");
	EXPECT_EQ(Table().render(), "");
}

TEST(Format, ValuesForScriptsAndForPeople)
{
	const Key &enabled = *find_key("enabled");
	const Key &timeout = *find_key("ike_timeout");
	EXPECT_EQ(value_text(enabled, 1), "1");
	EXPECT_EQ(value_human(enabled, 1), "on");
	EXPECT_EQ(value_human(enabled, 0), "off");
	EXPECT_EQ(value_human(timeout, 600), "600 s");
	EXPECT_EQ(value_human(*find_key("max_assoc"), 16384), "16384");
	EXPECT_EQ(value_json(enabled, 1), Json(true));
	EXPECT_EQ(value_json(enabled, 7), Json(7)) << "not a boolean: the number";
	EXPECT_EQ(value_json(timeout, 600), Json(600));
}

TEST(Format, GetAll)
{
	Config c = sample_config();
	c.values[1].reset(); // ike_timeout not reported
	std::string text = config_text(c);
	EXPECT_EQ(text.substr(0, text.find('\n')), "enabled      1");
	EXPECT_EQ(text.find("ike_timeout"), std::string::npos);
	EXPECT_NE(text.find("serial_wait  2000\n"), std::string::npos);
	Json j = config_json(c);
	EXPECT_EQ(j.dump(),
		  R"({"enabled":true,"esp_timeout":600,"serial_wait":2000,"max_assoc":16384,)"
		  R"("hold_max":16,"zone_base":57344,"zone_count":4096,"pptp":true})");
}

TEST(Format, StatsInEnumOrderWithNumbers)
{
	Stats s = sample_stats();
	std::string expected_last = "stat_" + std::to_string(__VPNMASQ_STAT_MAX + 2);
	EXPECT_EQ(stats_text(s), "ike_matched  12\nike_new      0\nnomem        1\n" +
					 expected_last +
					 std::string(13 - expected_last.size(), ' ') + "4\n");
	Json j = stats_json(s);
	EXPECT_EQ(j["counters"].dump(),
		  R"({"ike_matched":12,"ike_new":0,"nomem":1,")" + expected_last + R"(":4})");
	EXPECT_TRUE(j["counters"]["ike_matched"].is_number_unsigned());
	EXPECT_EQ(j["tables"].dump(), R"({"hosts":2,"ike":3,"esp":0,"held":0})");
}

TEST(Format, ShowText)
{
	std::string text = show_text(sample_config(), sample_stats());
	EXPECT_EQ(text.substr(0, text.find('\n')), "vpnmasq 0.1.0: enabled");
	EXPECT_NE(text.find("tunables:\n  enabled      on\n  ike_timeout  600 s\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  serial_wait  2000 ms\n"), std::string::npos);
	EXPECT_NE(text.find("entries: hosts 2, ike 3, esp 0, held 0\n"), std::string::npos);
	EXPECT_NE(text.find("counters:\n  ike_matched  12\n"), std::string::npos);
	EXPECT_EQ(text.find("ike_new"), std::string::npos) << "zero counters are left out";

	Config off = sample_config();
	off.values[0] = 0;
	Stats quiet;
	text = show_text(off, quiet);
	EXPECT_EQ(text.substr(0, text.find('\n')), "vpnmasq 0.1.0: disabled");
	EXPECT_NE(text.find("counters: all zero\n"), std::string::npos);
	EXPECT_EQ(text.find("entries:"), std::string::npos);
}

TEST(Format, ShowJsonHasEverything)
{
	Json j = show_json(sample_config(), sample_stats());
	EXPECT_EQ(j["tool_version"], VPNMASQ_CTL_VERSION);
	EXPECT_EQ(j["module_version"], "0.1.0");
	EXPECT_EQ(j["config"]["enabled"], true);
	EXPECT_EQ(j["config"]["ike_timeout"], 600);
	EXPECT_EQ(j["counters"]["ike_new"], 0) << "JSON has the zero counters too";
	EXPECT_EQ(j["tables"]["ike"], 3);
	std::vector<std::string> order;
	for (auto &[k, v] : j.items())
		order.push_back(k);
	EXPECT_EQ(order, (std::vector<std::string>{"tool_version", "module_version", "config",
						   "tables", "counters"}));
}

TEST(Format, CompactAndPrettyJson)
{
	Json j = version_json(std::string("0.1.0"));
	EXPECT_EQ(to_json_text(j, false),
		  R"({"tool_version":")" VPNMASQ_CTL_VERSION R"(","module_version":"0.1.0"})"
		  "\n");
	EXPECT_EQ(to_json_text(j, true), "{\n  \"tool_version\": \"" VPNMASQ_CTL_VERSION
					 "\",\n  \"module_version\": \"0.1.0\"\n}\n");
	EXPECT_TRUE(version_json(std::nullopt)["module_version"].is_null());
}

TEST(Format, VersionText)
{
	EXPECT_EQ(version_text(std::nullopt), "vpnmasq-ctl " VPNMASQ_CTL_VERSION "\n");
	EXPECT_EQ(version_text(std::string("0.1.0")),
		  "vpnmasq-ctl " VPNMASQ_CTL_VERSION "\nvpnmasq module 0.1.0\n");
}

TEST(Format, IkeTable)
{
	Json rows = Json::array();
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", nullptr},
			    {"icookie", "1122334455667788"},
			    {"rcookie", "0000000000000000"},
			    {"zone", 57344},
			    {"idle_ms", 2500},
			    {"packets", 7}});
	rows.push_back(Json{{"remote", "198.51.100.1"}, {"lan", "192.168.1.11"}}); // fields missing
	std::string text = entries_text(*find_table("ike"), rows);
	EXPECT_EQ(
		text,
		"REMOTE        LAN           ICOOKIE           RCOOKIE           ZONE   IDLE  "
		"PACKETS\n"
		"203.0.113.7   gateway       1122334455667788  0000000000000000  57344  2.5s  7\n"
		"198.51.100.1  192.168.1.11  -                 -                 -      -     -\n");
	EXPECT_EQ(entries_text(*find_table("esp"), Json::array()),
		  "REMOTE  LAN  SPI  DIR  ZONE  IDLE  PACKETS  BYTES\n");
}
