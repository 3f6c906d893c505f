// Text tables and JSON of get, stats, show and version.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstdlib>
#include <ctime>

#include "format.hpp"
#include "stats.hpp"
#include "keys.hpp"

using namespace vpnmasq;

namespace {

Config sample_config()
{
	Config c;
	c.module_version = "0.1.0";
	for (const auto &k : keys())
		c.values.push_back(default_value(k));
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

	const Key &lan = *find_key("lan");
	const Value two = PrefixList{{htonl(0x0a000000), 24}, {htonl(0xc6336400), 29}};
	EXPECT_EQ(value_text(lan, two), "10.0.0.0/24,198.51.100.0/29");
	EXPECT_EQ(value_text(lan, PrefixList{}), "none");
	EXPECT_EQ(value_human(lan, two), "10.0.0.0/24,198.51.100.0/29");
	EXPECT_EQ(value_human(lan, PrefixList{}), "none (no LAN host is claimed)");
	EXPECT_EQ(value_json(lan, two), Json::parse(R"(["10.0.0.0/24","198.51.100.0/29"])"));
	EXPECT_EQ(value_json(lan, PrefixList{}), Json::array());
	EXPECT_EQ(value_conf(lan, PrefixList{}), "none");
	EXPECT_EQ(value_conf(lan, two), "10.0.0.0/24,198.51.100.0/29");
	EXPECT_EQ(value_conf(enabled, 0), "off");
	EXPECT_EQ(value_conf(enabled, 7), "7");
	EXPECT_EQ(value_conf(timeout, 600), "600");
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
		  R"("hold_max":16,"nego_window":)" +
			  std::to_string(VPNMASQ_NEGO_WINDOW_DEFAULT) + R"(,"nego_spis":)" +
			  std::to_string(VPNMASQ_NEGO_SPIS_DEFAULT) + R"(,"nego_settle":)" +
			  std::to_string(VPNMASQ_NEGO_SETTLE_DEFAULT) +
			  R"(,"zone_base":57344,"zone_count":4096,"pptp":true,)"
			  R"("lan":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16"]})");
	EXPECT_NE(text.find("\nlan          10.0.0.0/8,172.16.0.0/12,192.168.0.0/16\n"),
		  std::string::npos)
		<< text;
	c.values.back() = PrefixList{};
	EXPECT_NE(config_text(c).find("\nlan          none\n"), std::string::npos);
	EXPECT_EQ(config_json(c)["lan"], Json::array());
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
	EXPECT_NE(text.find("tunables:\n  enabled      on\n  ike_timeout  28800 s\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  serial_wait  2000 ms\n"), std::string::npos);
	EXPECT_NE(text.find("  hold_max     16\n  nego_window  " +
			    std::to_string(VPNMASQ_NEGO_WINDOW_DEFAULT) + " s\n  nego_spis    " +
			    std::to_string(VPNMASQ_NEGO_SPIS_DEFAULT) + "\n  nego_settle  " +
			    std::to_string(VPNMASQ_NEGO_SETTLE_DEFAULT) + " ms\n  zone_base"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  lan          10.0.0.0/8,172.16.0.0/12,192.168.0.0/16\n"),
		  std::string::npos)
		<< "the summary shows the scope: " << text;
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

	Config unscoped = sample_config();
	unscoped.values.back() = PrefixList{};
	EXPECT_NE(show_text(unscoped, quiet).find("  lan          none (no LAN host is claimed)\n"),
		  std::string::npos);
}

TEST(Format, ShowJsonHasEverything)
{
	Json j = show_json(sample_config(), sample_stats());
	EXPECT_EQ(j["tool_version"], VPNMASQ_CTL_VERSION);
	EXPECT_EQ(j["module_version"], "0.1.0");
	EXPECT_EQ(j["config"]["enabled"], true);
	EXPECT_EQ(j["config"]["ike_timeout"], 28800);
	EXPECT_EQ(j["config"]["nego_window"], VPNMASQ_NEGO_WINDOW_DEFAULT);
	EXPECT_EQ(j["config"]["nego_spis"], VPNMASQ_NEGO_SPIS_DEFAULT);
	EXPECT_EQ(j["config"]["nego_settle"], VPNMASQ_NEGO_SETTLE_DEFAULT);
	EXPECT_EQ(j["config"]["lan"].size(), 3u);
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
			    {"packets", 7},
			    {"how", "gateway"}});
	rows.push_back(Json{{"remote", "198.51.100.1"}, {"lan", "192.168.1.11"}}); // fields missing
	rows.push_back(Json{{"remote", "198.51.100.1"},
			    {"lan", "192.168.1.12"},
			    {"icookie", "99aabbccddeeff00"},
			    {"rcookie", "0102030405060708"},
			    {"zone", 57345},
			    {"idle_ms", 100},
			    {"packets", 2},
			    {"how", nullptr}}); // an older module's
	std::string text = entries_text(*find_table("ike"), rows, {.counters = true});
	EXPECT_EQ(text,
		  "REMOTE        LAN           ICOOKIE           RCOOKIE           ZONE   IDLE  "
		  "HOW      PACKETS\n"
		  "203.0.113.7   gateway       1122334455667788  0000000000000000  57344  2.5s  "
		  "gateway  7\n"
		  "198.51.100.1  192.168.1.11  -                 -                 -      -     "
		  "-        -\n"
		  "198.51.100.1  192.168.1.12  99aabbccddeeff00  0102030405060708  57345  0.1s  "
		  "-        2\n");
	EXPECT_EQ(entries_text(*find_table("esp"), Json::array(), {.counters = true}),
		  "REMOTE  LAN  SPI  DIR  ZONE  IDLE  HOW  PACKETS  BYTES\n");
}

TEST(Format, CounterColumnsOnlyWithDashS)
{
	EXPECT_EQ(entries_text(*find_table("ike"), Json::array()),
		  "REMOTE  LAN  ICOOKIE  RCOOKIE  ZONE  IDLE  HOW\n");
	EXPECT_EQ(entries_text(*find_table("esp"), Json::array()),
		  "REMOTE  LAN  SPI  DIR  ZONE  IDLE  HOW\n");
	EXPECT_EQ(entries_text(*find_table("nego"), Json::array()),
		  "REMOTE  LAN  SPIS  IKE-SAS  PAIRED  IN-FLIGHT  LAST  LEFT\n");
	EXPECT_EQ(entries_text(*find_table("nego"), Json::array(), {.counters = true}),
		  "REMOTE  LAN  SPIS  IKE-SAS  PAIRED  IN-FLIGHT  LAST  LEFT  COMPLETED\n");
	EXPECT_EQ(entries_text(*find_table("pptp"), Json::array()),
		  "LAN  DIR  REMOTE  CONTROL  PNS-ID  MASQ-ID  PAC-ID  CALL\n");
	EXPECT_EQ(entries_text(*find_table("pptp"), Json::array(), {.counters = true}),
		  "LAN  DIR  REMOTE  CONTROL  PNS-ID  MASQ-ID  PAC-ID  CALL  GRE-OUT  GRE-IN\n");
	EXPECT_EQ(entries_text(*find_table("pending"), Json::array(), {.counters = true}),
		  "REMOTE  LAN  SPI  AGE  HELD  WAITING  FOR\n");
	Json rows = Json::array({Json{{"remote", "203.0.113.7"},
				      {"lan", "192.168.1.11"},
				      {"spi", "000000a1"},
				      {"dir", "in"},
				      {"zone", 57344},
				      {"idle_ms", 100},
				      {"packets", 3},
				      {"bytes", 300},
				      {"how", "negotiation"}}});
	EXPECT_EQ(entries_text(*find_table("esp"), rows),
		  "REMOTE       LAN           SPI       DIR  ZONE   IDLE  HOW\n"
		  "203.0.113.7  192.168.1.11  000000a1  in   57344  0.1s  negotiation\n");
}

TEST(Format, PptpTableTellsTheDirection)
{
	Json rows = Json::array();
	rows.push_back(Json{{"lan", "192.168.1.11"},
			    {"lan_port", 40000},
			    {"server", "203.0.113.7"},
			    {"masq_addr", "198.51.100.1"},
			    {"masq_port", 40000},
			    {"pns_call_id", 3},
			    {"pns_call_id_masq", 40001},
			    {"pac_call_id", 7},
			    {"session", "confirmed"},
			    {"call", "established"},
			    {"gre_out", 10},
			    {"gre_in", 9},
			    {"forwarded", false}});
	rows.push_back(Json{{"lan", "192.168.1.20"},
			    {"lan_port", 1723},
			    {"server", "203.0.113.9"},
			    {"masq_addr", "198.51.100.1"},
			    {"masq_port", 1723},
			    {"pns_call_id", 5},
			    {"pns_call_id_masq", 5},
			    {"pac_call_id", 8},
			    {"session", "confirmed"},
			    {"call", "established"},
			    {"gre_out", 1},
			    {"gre_in", 2},
			    {"forwarded", true}});
	rows.push_back(Json{{"lan", "192.168.1.30"}}); // fields missing
	EXPECT_EQ(entries_text(*find_table("pptp"), rows),
		  "LAN           DIR  REMOTE       CONTROL                    PNS-ID  MASQ-ID  "
		  "PAC-ID  CALL\n"
		  "192.168.1.11  out  203.0.113.7  40000->198.51.100.1:40000  3       40001    "
		  "7       established\n"
		  "192.168.1.20  in   203.0.113.9  1723->198.51.100.1:1723    5       5        "
		  "8       established\n"
		  "192.168.1.30  -    -            -->-:-                     -       -        "
		  "-       -\n");
}

TEST(Format, NegoTable)
{
	Json rows = Json::array();
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", "192.168.1.11"},
			    {"spis", 1},
			    {"ike_sas", 1},
			    {"paired", 0},
			    {"in_flight", 0},
			    {"exchange", "create_child_sa"},
			    {"left_ms", 119500},
			    {"completed", 12}});
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", "192.168.1.12"},
			    {"spis", 0},
			    {"ike_sas", 0},
			    {"paired", 1},
			    {"in_flight", 2},
			    {"exchange", 240}, // a type this tool does not know: its number
			    {"left_ms", 0},
			    {"completed", 3}});
	rows.push_back(Json{{"remote", "198.51.100.1"}, {"lan", "192.168.1.13"}}); // fields missing
	EXPECT_EQ(entries_text(*find_table("nego"), rows, {.counters = true}),
		  "REMOTE        LAN           SPIS  IKE-SAS  PAIRED  IN-FLIGHT  LAST             "
		  "LEFT    COMPLETED\n"
		  "203.0.113.7   192.168.1.11  1     1        0       0          create_child_sa  "
		  "119.5s  12\n"
		  "203.0.113.7   192.168.1.12  0     0        1       2          240              "
		  "0.0s    3\n"
		  "198.51.100.1  192.168.1.13  -     -        -       -          -                "
		  "-       -\n");
	EXPECT_EQ(entries_text(*find_table("nego"), Json::array({rows[0]}), {.header = false}),
		  "203.0.113.7  192.168.1.11  1  1  0  0  create_child_sa  119.5s\n")
		<< "COMPLETED only with -s";
}

TEST(Format, NoHeaders)
{
	Json rows = Json::array({Json{{"remote", "203.0.113.7"},
				      {"lan", nullptr},
				      {"icookie", "1122334455667788"},
				      {"rcookie", "0000000000000000"},
				      {"zone", 0},
				      {"idle_ms", 0},
				      {"packets", 1},
				      {"how", "only-host"}}});
	EXPECT_EQ(entries_text(*find_table("ike"), rows, {.header = false}),
		  "203.0.113.7  gateway  1122334455667788  0000000000000000  0  0.0s  only-host\n");
	EXPECT_EQ(entries_text(*find_table("ike"), Json::array(), {.header = false}), "");
}

TEST(Format, StatsNonZeroAllAndExplained)
{
	Stats s = sample_stats();
	std::string text = stats_text(s, false, false);
	EXPECT_EQ(text.find("ike_new"), std::string::npos) << "zero counters left out";
	EXPECT_NE(text.find("ike_matched  12\n"), std::string::npos) << text;
	EXPECT_NE(stats_text(s, true, false).find("ike_new"), std::string::npos);
	std::string explained = stats_text(s, true, true);
	EXPECT_NE(explained.find("ike_new      0   ISAKMP associations created"), std::string::npos)
		<< explained;
	EXPECT_NE(explained.find("nomem        1   allocations that failed"), std::string::npos)
		<< explained;
	EXPECT_NE(explained.find("(a counter of a newer module)"), std::string::npos);
	EXPECT_EQ(stats_text(Stats{}, false, false), "");

	Json j = stats_json(s, true);
	EXPECT_EQ(j["counters"]["ike_new"], 0) << "JSON has every counter";
	EXPECT_EQ(j["explanations"]["nomem"], stat_explanation(VPNMASQ_STAT_NOMEM));
	EXPECT_FALSE(stats_json(s, false).contains("explanations"));
}

TEST(Format, EventLines)
{
	Event ev;
	ev.type = VPNMASQ_EVENT_NEW;
	ev.table = find_table("ike");
	ev.entry = Json{{"remote", "10.2.0.1"},
			{"lan", "10.1.0.2"},
			{"icookie", "1122334455667788"},
			{"rcookie", "0000000000000000"},
			{"zone", 57344},
			{"idle_ms", 0},
			{"packets", 1}};
	EXPECT_EQ(event_text(ev, std::nullopt),
		  "new ike remote 10.2.0.1 lan 10.1.0.2 icookie 1122334455667788 rcookie "
		  "0000000000000000 zone 57344 idle_ms 0 packets 1\n");
	ev.type = VPNMASQ_EVENT_DEL;
	ev.reason = VPNMASQ_REASON_EXPIRED;
	ev.entry["lan"] = nullptr;
	std::string line = event_text(ev, std::string("2026-11-23T10:32:00.123+01:00"));
	EXPECT_EQ(
		line.rfind("2026-11-23T10:32:00.123+01:00 del ike remote 10.2.0.1 lan gateway ", 0),
		0u)
		<< line;
	EXPECT_EQ(line.substr(line.size() - 16), " reason expired\n");

	Json j = event_json(ev, std::nullopt);
	EXPECT_EQ(j.dump(), R"({"event":"del","reason":"expired","table":"ike","entry":)" +
				    ev.entry.dump() + "}");
	Json t = event_json(ev, std::string("2026-11-23T10:32:00.123+01:00"));
	EXPECT_EQ(t.begin().key(), "time") << "the time comes first";
	EXPECT_EQ(t["time"], "2026-11-23T10:32:00.123+01:00");
	EXPECT_EQ(t["entry"]["lan"], nullptr);

	// HOW: its name; absent (an older module) a dash, not "gateway".
	ev.entry["how"] = "gateway";
	line = event_text(ev, std::nullopt);
	EXPECT_NE(line.find(" lan gateway "), std::string::npos) << line;
	EXPECT_EQ(line.substr(line.size() - 28), " how gateway reason expired\n") << line;
	ev.entry["how"] = nullptr;
	line = event_text(ev, std::nullopt);
	EXPECT_EQ(line.substr(line.size() - 22), " how - reason expired\n") << line;
	EXPECT_TRUE(event_json(ev, std::nullopt)["entry"]["how"].is_null());
}

TEST(Format, Iso8601LocalTime)
{
	setenv("TZ", "UTC", 1);
	tzset();
	timespec ts{};
	ts.tv_sec = 1795429920; // 2026-11-23T10:32:00Z
	ts.tv_nsec = 123456789;
	EXPECT_EQ(iso8601_local(ts), "2026-11-23T10:32:00.123+00:00");
	setenv("TZ", "CET-1", 1);
	tzset();
	EXPECT_EQ(iso8601_local(ts), "2026-11-23T11:32:00.123+01:00");
	ts.tv_nsec = 5000000;
	EXPECT_EQ(iso8601_local(ts), "2026-11-23T11:32:00.005+01:00");
	unsetenv("TZ");
	tzset();
}
