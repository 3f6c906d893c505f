// Arguments of show, flush, del, stats and monitor: what they parse to and
// how bad ones are refused (UsageError, so that nothing is sent).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <endian.h>

#include <string>
#include <vector>

#include "args.hpp"
#include "errors.hpp"

using namespace vpnmasq;

namespace {

using Args = std::vector<std::string>;

template <typename Fn> std::string refusal(Fn &&fn)
{
	try {
		fn();
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

Json row(const char *remote, const char *lan)
{
	return Json{{"remote", remote}, {"lan", lan}, {"icookie", "1122334455667788"}};
}

} // namespace

TEST(Args, Ipv4)
{
	EXPECT_EQ(parse_ipv4("192.168.1.11", "x"), htonl(0xc0a8010b));
	EXPECT_EQ(parse_ipv4("0.0.0.0", "x"), 0u);
	EXPECT_EQ(ipv4_text(htonl(0xcb007107)), "203.0.113.7");
	for (auto bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "01.2.3.4",
			 "0x1.2.3.4", "::1", "localhost", "1.2.3.-4"})
		EXPECT_EQ(refusal([&] { parse_ipv4(bad, "show: lan"); }),
			  "show: lan: '" + std::string(bad) +
				  "' is not an IPv4 address (dotted, e.g. 192.168.1.11)")
			<< bad;
}

TEST(Args, CookiesAreSixteenHexDigitsInWireOrder)
{
	EXPECT_EQ(parse_cookie("1122334455667788", "x"), htobe64(0x1122334455667788ull));
	EXPECT_EQ(parse_cookie("0x1122334455667788", "x"), htobe64(0x1122334455667788ull));
	EXPECT_EQ(parse_cookie("0XAABBCCDDEEFF0011", "x"), htobe64(0xaabbccddeeff0011ull));
	EXPECT_EQ(parse_cookie("0000000000000001", "x"), htobe64(1));
	for (auto bad : {"", "0x", "1", "112233445566778", "11223344556677889", "112233445566778g",
			 "-122334455667788", "+122334455667788", "0x112233445566778",
			 "11 2233445566778", "0x0x11223344556677"})
		EXPECT_NE(refusal([&] {
				  parse_cookie(bad, "del ike");
			  }).find("del ike: '" + std::string(bad) + "' is not a cookie"),
			  std::string::npos)
			<< bad;
}

TEST(Args, SpisAreOneToEightHexDigitsInWireOrder)
{
	EXPECT_EQ(parse_spi("a1", "x"), htobe32(0xa1));
	EXPECT_EQ(parse_spi("0xa1", "x"), htobe32(0xa1));
	EXPECT_EQ(parse_spi("000000a1", "x"), htobe32(0xa1));
	EXPECT_EQ(parse_spi("FFFFFFFF", "x"), 0xffffffffu);
	EXPECT_EQ(parse_spi("0", "x"), 0u);
	for (auto bad : {"", "0x", "123456789", "0x123456789", "-1", "g", "a1 ", "1.5"})
		EXPECT_NE(refusal([&] {
				  parse_spi(bad, "del esp");
			  }).find("del esp: '" + std::string(bad) + "' is not an SPI"),
			  std::string::npos)
			<< bad;
}

TEST(Args, Show)
{
	auto s = parse_show_args(Args{});
	EXPECT_FALSE(s.table);
	EXPECT_TRUE(s.filter.empty());
	s = parse_show_args(Args{"ike"});
	EXPECT_EQ(s.table, "ike");
	s = parse_show_args(Args{"all", "peer", "203.0.113.7", "lan", "192.168.1.11"});
	EXPECT_EQ(s.table, "all");
	EXPECT_EQ(s.filter.lan, "192.168.1.11");
	EXPECT_EQ(s.filter.peer, "203.0.113.7");
	for (auto t : {"ike", "esp", "pending", "pptp", "nego"})
		EXPECT_EQ(parse_show_args(Args{t, "lan", "10.1.0.2"}).table, t);
	s = parse_show_args(Args{"nego", "peer", "203.0.113.7"});
	EXPECT_EQ(s.table, "nego");
	EXPECT_EQ(s.filter.peer, "203.0.113.7");
	EXPECT_NE(refusal([] {
			  parse_show_args(Args{"lan", "10.1.0.2"});
		  }).find("name it first"),
		  std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_show_args(Args{"ike", "esp"});
		  }).find("comes first"),
		  std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_show_args(Args{"ike", "peer"});
		  }).find("needs an address"),
		  std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_show_args(Args{"ike", "peer", "1.2.3.4", "peer", "1.2.3.5"});
		  }).find("'peer' given twice"),
		  std::string::npos);
	EXPECT_NE(refusal([] { parse_show_args(Args{"gre"}); }).find("unknown argument 'gre'"),
		  std::string::npos);
}

TEST(Args, FiltersMatchLanAndPeer)
{
	const TableKind &ike = *find_table("ike");
	Json rows =
		Json::array({row("203.0.113.7", "192.168.1.11"), row("203.0.113.7", "192.168.1.12"),
			     row("198.51.100.1", "192.168.1.11")});
	rows.push_back(Json{{"remote", "203.0.113.7"}, {"lan", nullptr}}); // the gateway's own
	RowFilter none;
	EXPECT_EQ(filter_rows(ike, rows, none).size(), 4u);
	RowFilter lan{"192.168.1.11", std::nullopt};
	auto only = filter_rows(ike, rows, lan);
	ASSERT_EQ(only.size(), 2u);
	EXPECT_EQ(only[0]["remote"], "203.0.113.7");
	EXPECT_EQ(only[1]["remote"], "198.51.100.1");
	RowFilter both{"192.168.1.11", "203.0.113.7"};
	EXPECT_EQ(filter_rows(ike, rows, both).size(), 1u);
	RowFilter peer{std::nullopt, "203.0.113.7"};
	EXPECT_EQ(filter_rows(ike, rows, peer).size(), 3u);
	RowFilter nobody{"10.9.9.9", std::nullopt};
	EXPECT_TRUE(filter_rows(ike, rows, nobody).empty());
	EXPECT_TRUE(filter_rows(ike, rows, nobody).is_array());

	// pptp: peer is the server.
	const TableKind &pptp = *find_table("pptp");
	Json call{{"lan", "192.168.1.11"}, {"server", "203.0.113.7"}};
	EXPECT_TRUE(peer.matches(pptp, call));
	EXPECT_FALSE(RowFilter({std::nullopt, "203.0.113.8"}).matches(pptp, call));

	// nego: lan is the LAN host, peer the remote.
	const TableKind &nego = *find_table("nego");
	Json n{{"remote", "203.0.113.7"}, {"lan", "192.168.1.11"}, {"spis", 1}};
	EXPECT_TRUE(peer.matches(nego, n));
	EXPECT_TRUE(lan.matches(nego, n));
	EXPECT_FALSE(nobody.matches(nego, n));
}

TEST(Args, Flush)
{
	auto f = parse_flush_args(Args{});
	EXPECT_EQ(f.table, VPNMASQ_TABLE_ALL);
	EXPECT_FALSE(f.lan);
	EXPECT_EQ(parse_flush_args(Args{"ike"}).table, VPNMASQ_TABLE_IKE);
	EXPECT_EQ(parse_flush_args(Args{"esp"}).table, VPNMASQ_TABLE_ESP);
	EXPECT_EQ(parse_flush_args(Args{"pptp"}).table, VPNMASQ_TABLE_PPTP);
	EXPECT_EQ(parse_flush_args(Args{"all"}).table, VPNMASQ_TABLE_ALL);
	f = parse_flush_args(Args{"ike", "lan", "192.168.1.11"});
	EXPECT_EQ(f.table, VPNMASQ_TABLE_IKE);
	EXPECT_EQ(f.lan, htonl(0xc0a8010b));
	f = parse_flush_args(Args{"lan", "192.168.1.11"});
	EXPECT_EQ(f.table, VPNMASQ_TABLE_ALL);
	EXPECT_EQ(f.lan, htonl(0xc0a8010b));
	EXPECT_NE(refusal([] { parse_flush_args(Args{"pending"}); }).find("flush esp"),
		  std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_flush_args(Args{"lan", "1.2.3.4", "ike"});
		  }).find("comes first"),
		  std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_flush_args(Args{"ike", "lan", "x"});
		  }).find("flush: lan: 'x'"),
		  std::string::npos);
}

TEST(Args, Del)
{
	auto d = parse_del_args(Args{"ike", "1122334455667788"});
	EXPECT_TRUE(d.ike);
	EXPECT_EQ(d.icookie, htobe64(0x1122334455667788ull));
	EXPECT_FALSE(d.remote);
	d = parse_del_args(Args{"esp", "0xa1", "peer", "203.0.113.7"});
	EXPECT_FALSE(d.ike);
	EXPECT_EQ(d.spi, htobe32(0xa1));
	EXPECT_EQ(d.remote, htonl(0xcb007107));
	EXPECT_EQ(refusal([] { parse_del_args(Args{}); }), "del: expected ike COOKIE or esp SPI");
	EXPECT_NE(
		refusal([] { parse_del_args(Args{"ike"}); }).find("expected the initiator cookie"),
		std::string::npos);
	EXPECT_NE(refusal([] {
			  parse_del_args(Args{"esp", "a1", "lan", "1.2.3.4"});
		  }).find("expected peer ADDR"),
		  std::string::npos);
}

TEST(Args, StatsAndMonitor)
{
	auto s = parse_stats_args(Args{});
	EXPECT_FALSE(s.reset || s.all || s.explain);
	s = parse_stats_args(Args{"--explain", "--all"});
	EXPECT_TRUE(s.all && s.explain && !s.reset);
	EXPECT_TRUE(parse_stats_args(Args{"reset"}).reset);
	EXPECT_NE(refusal([] {
			  parse_stats_args(Args{"reset", "--all"});
		  }).find("reset"),
		  std::string::npos);
	EXPECT_EQ(parse_monitor_args(Args{}), nullptr);
	EXPECT_EQ(parse_monitor_args(Args{"all"}), nullptr);
	EXPECT_EQ(parse_monitor_args(Args{"pending"}), find_table("pending"));
	EXPECT_NE(refusal([] { parse_monitor_args(Args{"nego"}); }).find("has no events"),
		  std::string::npos);
	EXPECT_NE(refusal([] { parse_monitor_args(Args{"gre"}); }).find("unknown table 'gre'"),
		  std::string::npos);
}
