#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <endian.h>

#include "format.hpp"

using namespace vpnmasq;

TEST(Format, AddressesCookiesSpis)
{
	EXPECT_EQ(ipv4(htonl(0xcb007107)), "203.0.113.7");
	EXPECT_EQ(hex_be64(htobe64(0x7000000000000258ull)), "7000000000000258");
	EXPECT_EQ(hex_be32(htonl(0xa1)), "000000a1");
}

TEST(Format, TablesAlignColumns)
{
	Table t({"A", "LONGER"});
	t.add({"xxxxx", "1"});
	t.add({"y", "22"});
	EXPECT_EQ(t.render(), "A      LONGER\nxxxxx  1\ny      22\n");
	EXPECT_EQ(t.render(false), "xxxxx  1\ny      22\n");
}

TEST(Format, IkeEntryFromNetlinkToJsonAndText)
{
	// Build the attributes the kernel sends for one IKE entry.
	MsgPtr m(nlmsg_alloc());
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_IKE);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_IKE_A_LAN, 0);
	nla_put_u64(m.get(), VPNMASQ_IKE_A_ICOOKIE, htobe64(0x1122334455667788ull));
	nla_put_u64(m.get(), VPNMASQ_IKE_A_RCOOKIE, 0);
	nla_put_u16(m.get(), VPNMASQ_IKE_A_ZONE, 57344);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_IDLE_MS, 2500);
	nla_put_u64(m.get(), VPNMASQ_IKE_A_PACKETS, 7);
	nla_nest_end(m.get(), nest);
	nlattr *tb[VPNMASQ_A_MAX + 1] = {};
	nla_parse(tb, VPNMASQ_A_MAX, nlmsg_attrdata(nlmsg_hdr(m.get()), 0),
		  nlmsg_attrlen(nlmsg_hdr(m.get()), 0), nullptr);
	auto j = ike_json(tb);
	EXPECT_EQ(j["remote"], "203.0.113.7");
	EXPECT_EQ(j["lan"], "gateway");
	EXPECT_EQ(j["icookie"], "1122334455667788");
	EXPECT_EQ(j["zone"], 57344);
	EXPECT_EQ(j["packets"], 7);
	auto text = ike_table(nlohmann::json::array({j})).render();
	EXPECT_NE(text.find("1122334455667788"), std::string::npos);
	EXPECT_NE(text.find("2s"), std::string::npos);
	// an entry without its nest is skipped, not a crash
	nlattr *empty[VPNMASQ_A_MAX + 1] = {};
	EXPECT_TRUE(ike_json(empty).is_null());
	EXPECT_TRUE(esp_json(empty).is_null());
}
