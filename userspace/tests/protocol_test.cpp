// Requests built as the kernel will see them, and replies built as the
// kernel sends them, checked without a kernel.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <endian.h>

#include <cstring>
#include <string>
#include <vector>

#include "keys.hpp"
#include "protocol.hpp"

using namespace vpnmasq;

namespace {

constexpr int kFamily = 0x1d; // any id: no kernel involved

// The top-level attributes of the generic netlink message @m.
std::vector<nlattr *> attrs_of(nl_msg *m)
{
	std::vector<nlattr *> tb(VPNMASQ_A_MAX + 1);
	genlmsghdr *g = genlmsg_hdr(nlmsg_hdr(m));
	EXPECT_EQ(nla_parse(tb.data(), VPNMASQ_A_MAX, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			    nullptr),
		  0);
	return tb;
}

int count_attrs(nl_msg *m)
{
	genlmsghdr *g = genlmsg_hdr(nlmsg_hdr(m));
	int n = 0, rem;
	nlattr *a;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem)
		n++;
	return n;
}

// A reply as the kernel builds it, to be filled by the test.
MsgPtr kernel_reply(uint8_t cmd)
{
	MsgPtr m(nlmsg_alloc());
	genlmsg_put(m.get(), 0, 1, kFamily, 0, 0, cmd, VPNMASQ_GENL_VERSION);
	return m;
}

} // namespace

TEST(Protocol, SetConfigIsOneMessageWithEveryPair)
{
	std::vector<std::string> args{"enabled", "off",	      "serial_wait",
				      "1500",	 "zone_base", "60000"};
	auto settings = parse_settings(args);
	auto msg = build_set_config(kFamily, settings);
	const nlmsghdr *nlh = nlmsg_hdr(msg.get());
	EXPECT_EQ(nlh->nlmsg_type, kFamily);
	EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_ACK) << "the kernel must acknowledge a set";
	EXPECT_FALSE(nlh->nlmsg_flags & NLM_F_DUMP);
	const genlmsghdr *g = genlmsg_hdr(nlmsg_hdr(msg.get()));
	EXPECT_EQ(g->cmd, VPNMASQ_CMD_SET_CONFIG);
	EXPECT_EQ(g->version, VPNMASQ_GENL_VERSION);

	auto tb = attrs_of(msg.get());
	EXPECT_EQ(count_attrs(msg.get()), 3);
	ASSERT_TRUE(tb[VPNMASQ_A_CFG_ENABLED]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_CFG_ENABLED]), 1);
	EXPECT_EQ(nla_get_u8(tb[VPNMASQ_A_CFG_ENABLED]), 0);
	ASSERT_TRUE(tb[VPNMASQ_A_CFG_SERIAL_WAIT]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_CFG_SERIAL_WAIT]), 4);
	EXPECT_EQ(nla_get_u32(tb[VPNMASQ_A_CFG_SERIAL_WAIT]), 1500u);
	ASSERT_TRUE(tb[VPNMASQ_A_CFG_ZONE_BASE]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_CFG_ZONE_BASE]), 2);
	EXPECT_EQ(nla_get_u16(tb[VPNMASQ_A_CFG_ZONE_BASE]), 60000);
	EXPECT_FALSE(tb[VPNMASQ_A_CFG_IKE_TIMEOUT]);
	EXPECT_FALSE(tb[VPNMASQ_A_CFG_PPTP]);
}

TEST(Protocol, EveryKeyIsSentWithItsTypesSize)
{
	for (const auto &k : keys()) {
		if (!is_number(k.type))
			continue; // lan: a nest, below
		Setting s{&k, type_max(k.type)};
		auto msg = build_set_config(kFamily, {&s, 1});
		auto tb = attrs_of(msg.get());
		ASSERT_TRUE(tb[k.attr]) << k.name;
		EXPECT_EQ(size_t(nla_len(tb[k.attr])), type_size(k.type)) << k.name;
		EXPECT_EQ(count_attrs(msg.get()), 1);
	}
	Setting big{find_key("max_assoc"), 4294967295u};
	auto msg = build_set_config(kFamily, {&big, 1});
	EXPECT_EQ(nla_get_u32(attrs_of(msg.get())[VPNMASQ_A_CFG_MAX_ASSOC]), 4294967295u);
}

TEST(Protocol, GetRequestsCarryNoAttributes)
{
	auto cfg = build_get_config(kFamily);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(cfg.get()))->cmd, VPNMASQ_CMD_GET_CONFIG);
	EXPECT_TRUE(nlmsg_hdr(cfg.get())->nlmsg_flags & NLM_F_ACK);
	EXPECT_EQ(count_attrs(cfg.get()), 0);
	auto st = build_get_stats(kFamily);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(st.get()))->cmd, VPNMASQ_CMD_GET_STATS);
	EXPECT_EQ(count_attrs(st.get()), 0);
	auto dump = build_dump(kFamily, VPNMASQ_CMD_GET_IKE);
	EXPECT_EQ(nlmsg_hdr(dump.get())->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(dump.get()))->cmd, VPNMASQ_CMD_GET_IKE);
}

TEST(Protocol, ConfigReply)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_CONFIG);
	nla_put_string(m.get(), VPNMASQ_A_VERSION, "0.1.0");
	nla_put_u8(m.get(), VPNMASQ_A_CFG_ENABLED, 1);
	nla_put_u32(m.get(), VPNMASQ_A_CFG_IKE_TIMEOUT, 600);
	nla_put_u16(m.get(), VPNMASQ_A_CFG_ZONE_BASE, 57344);
	nla_put_u16(m.get(), VPNMASQ_A_CFG_MAX_ASSOC, 7); // wrong size: ignored
	nla_put_u32(m.get(), VPNMASQ_A_MAX + 5, 9);	  // from a newer module: ignored
	auto tb = attrs_of(m.get());
	Config c = parse_config(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(c.module_version, "0.1.0");
	EXPECT_EQ(c.value(*find_key("enabled")), 1u);
	EXPECT_EQ(c.value(*find_key("ike_timeout")), 600u);
	EXPECT_EQ(c.value(*find_key("zone_base")), 57344u);
	EXPECT_EQ(c.value(*find_key("max_assoc")), std::nullopt);
	EXPECT_EQ(c.value(*find_key("pptp")), std::nullopt);
}

TEST(Protocol, StatsReply)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_STATS);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_STATS);
	nla_put_u64(m.get(), VPNMASQ_STAT_ESP_MATCHED, 5);
	nla_put_u64(m.get(), VPNMASQ_STAT_PAD, 0);
	nla_put_u64(m.get(), VPNMASQ_STAT_IKE_MATCHED, 12);
	nla_put_u64(m.get(), __VPNMASQ_STAT_MAX + 3, 4); // newer counter: kept
	nla_put_u32(m.get(), VPNMASQ_STAT_NOMEM, 1);	 // wrong size: dropped
	nla_nest_end(m.get(), nest);
	nla_put_u32(m.get(), VPNMASQ_A_N_HOSTS, 2);
	nla_put_u32(m.get(), VPNMASQ_A_N_IKE, 3);
	auto tb = attrs_of(m.get());
	Stats s = parse_stats(Attrs(tb.data(), VPNMASQ_A_MAX));
	ASSERT_EQ(s.counters.size(), 3u);
	EXPECT_EQ(s.counters[0].id, VPNMASQ_STAT_IKE_MATCHED);
	EXPECT_EQ(s.counters[0].value, 12u);
	EXPECT_EQ(s.counters[1].id, VPNMASQ_STAT_ESP_MATCHED);
	EXPECT_EQ(s.counters[2].id, __VPNMASQ_STAT_MAX + 3);
	ASSERT_EQ(s.tables.size(), 2u);
	EXPECT_EQ(s.tables[0], (std::pair<std::string, uint64_t>{"hosts", 2}));
	EXPECT_EQ(s.tables[1], (std::pair<std::string, uint64_t>{"ike", 3}));
}

TEST(Protocol, IkeEntry)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_IKE);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_IKE);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_IKE_A_LAN, 0);
	nla_put_u64(m.get(), VPNMASQ_IKE_A_ICOOKIE, htobe64(0x1122334455667788ull));
	nla_put_u64(m.get(), VPNMASQ_IKE_A_RCOOKIE, 0);
	nla_put_u16(m.get(), VPNMASQ_IKE_A_ZONE, 57344);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_IDLE_MS, 2500);
	nla_put_u64(m.get(), VPNMASQ_IKE_A_PACKETS, 7);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	Json j = ike_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(j["remote"], "203.0.113.7");
	EXPECT_TRUE(j["lan"].is_null()) << "the gateway's own association";
	EXPECT_EQ(j["icookie"], "1122334455667788");
	EXPECT_EQ(j["rcookie"], "0000000000000000");
	EXPECT_EQ(j["zone"], 57344);
	EXPECT_EQ(j["idle_ms"], 2500);
	EXPECT_EQ(j["packets"], 7);
	// A message without the nest is skipped.
	std::vector<nlattr *> none(VPNMASQ_A_MAX + 1);
	EXPECT_TRUE(ike_entry(Attrs(none.data(), VPNMASQ_A_MAX)).is_null());
	EXPECT_TRUE(esp_entry(Attrs(none.data(), VPNMASQ_A_MAX)).is_null());
	EXPECT_TRUE(pending_entry(Attrs(none.data(), VPNMASQ_A_MAX)).is_null());
}

TEST(Protocol, EspAndPendingEntries)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_ESP);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_ESP);
	nla_put_u32(m.get(), VPNMASQ_ESP_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_ESP_A_LAN, htonl(0xc0a8010b));
	nla_put_u32(m.get(), VPNMASQ_ESP_A_SPI, htonl(0xa1));
	nla_put_u8(m.get(), VPNMASQ_ESP_A_DIR, VPNMASQ_ESP_DIR_OUT);
	nla_put_u64(m.get(), VPNMASQ_ESP_A_BYTES, 1500);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	Json e = esp_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(e["lan"], "192.168.1.11");
	EXPECT_EQ(e["spi"], "000000a1");
	EXPECT_EQ(e["dir"], "out");
	EXPECT_EQ(e["bytes"], 1500);
	EXPECT_EQ(e["packets"], 0) << "absent counters read as 0";

	auto p = kernel_reply(VPNMASQ_CMD_GET_PENDING);
	nest = nla_nest_start(p.get(), VPNMASQ_A_PENDING);
	nla_put_u32(p.get(), VPNMASQ_PENDING_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(p.get(), VPNMASQ_PENDING_A_WAITING, 2);
	nla_nest_end(p.get(), nest);
	auto ptb = attrs_of(p.get());
	Json q = pending_entry(Attrs(ptb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(q["remote"], "203.0.113.7");
	EXPECT_EQ(q["waiting"], 2);
	EXPECT_EQ(q["lan"], "") << "absent address";
}

TEST(Protocol, TableKinds)
{
	ASSERT_NE(find_table("ike"), nullptr);
	EXPECT_EQ(find_table("ike")->cmd, VPNMASQ_CMD_GET_IKE);
	EXPECT_EQ(find_table("esp")->cmd, VPNMASQ_CMD_GET_ESP);
	EXPECT_EQ(find_table("pending")->cmd, VPNMASQ_CMD_GET_PENDING);
	EXPECT_EQ(find_table("pptp")->cmd, VPNMASQ_CMD_GET_PPTP);
	ASSERT_NE(find_table("nego"), nullptr);
	EXPECT_EQ(find_table("nego")->cmd, VPNMASQ_CMD_GET_NEGO);
	EXPECT_EQ(find_table("nego")->nest, VPNMASQ_A_NEGO);
	EXPECT_EQ(find_table("nego")->peer_field, "remote");
	EXPECT_FALSE(find_table("nego")->events) << "the module sends no nego events";
	for (auto name : {"ike", "esp", "pending", "pptp"})
		EXPECT_TRUE(find_table(name)->events) << name;
	EXPECT_EQ(table_kinds().back().name, "nego") << "show all lists it last";
	EXPECT_EQ(find_table("gre"), nullptr);
	auto dump = build_dump(kFamily, find_table("nego")->cmd);
	EXPECT_EQ(nlmsg_hdr(dump.get())->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(dump.get()))->cmd, VPNMASQ_CMD_GET_NEGO);
	EXPECT_EQ(count_attrs(dump.get()), 0);
}

TEST(Protocol, PptpEntry)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_PPTP);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_PPTP);
	nla_put_u32(m.get(), VPNMASQ_PPTP_A_LAN, htonl(0xc0a8010b));
	nla_put_u16(m.get(), VPNMASQ_PPTP_A_LAN_PORT, 40000);
	nla_put_u32(m.get(), VPNMASQ_PPTP_A_SERVER, htonl(0xcb007107));
	nla_put_u16(m.get(), VPNMASQ_PPTP_A_PNS_CALL_ID, 3);
	nla_put_u16(m.get(), VPNMASQ_PPTP_A_PNS_CALL_ID_MASQ, 40001);
	nla_put_u8(m.get(), VPNMASQ_PPTP_A_CALL, VPNMASQ_PPTP_CALL_OUT_CONF);
	nla_put_u8(m.get(), VPNMASQ_PPTP_A_SESSION, 200); // newer state
	nla_put_u64(m.get(), VPNMASQ_PPTP_A_GRE_IN, 9);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	Json j = pptp_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(j["lan"], "192.168.1.11");
	EXPECT_EQ(j["lan_port"], 40000);
	EXPECT_EQ(j["server"], "203.0.113.7");
	EXPECT_EQ(j["pns_call_id"], 3);
	EXPECT_EQ(j["pns_call_id_masq"], 40001);
	EXPECT_EQ(j["call"], "established");
	EXPECT_EQ(j["session"], "state-200");
	EXPECT_EQ(j["gre_in"], 9);
	EXPECT_EQ(j["gre_out"], 0);
	EXPECT_EQ(j["forwarded"], false) << "absent (an older module): the LAN host called out";
	std::vector<nlattr *> none(VPNMASQ_A_MAX + 1);
	EXPECT_TRUE(pptp_entry(Attrs(none.data(), VPNMASQ_A_MAX)).is_null());
}

TEST(Protocol, PptpEntryThroughAPortForward)
{
	for (uint8_t forwarded : {0, 1, 2}) {
		auto m = kernel_reply(VPNMASQ_CMD_GET_PPTP);
		nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_PPTP);
		nla_put_u32(m.get(), VPNMASQ_PPTP_A_LAN, htonl(0xc0a8010b));
		nla_put_u16(m.get(), VPNMASQ_PPTP_A_LAN_PORT, 1723);
		nla_put_u32(m.get(), VPNMASQ_PPTP_A_SERVER, htonl(0xc6336407));
		nla_put_u8(m.get(), VPNMASQ_PPTP_A_FORWARDED, forwarded);
		nla_nest_end(m.get(), nest);
		auto tb = attrs_of(m.get());
		Json j = pptp_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
		EXPECT_EQ(j["forwarded"], Json(forwarded != 0)) << int(forwarded);
		EXPECT_TRUE(j["forwarded"].is_boolean());
		EXPECT_EQ(j["server"], "198.51.100.7") << "the remote client";
		auto last = j.end();
		--last;
		EXPECT_EQ(last.key(), "forwarded") << "appended after the existing fields";
	}
}

namespace {

using Bytes = std::vector<uint8_t>;

// Appends an attribute header and payload as netlink lays them out (host
// order, padded to 4 bytes with zeros).
void put_hdr(Bytes &b, uint16_t len, uint16_t type)
{
	uint8_t h[4];
	std::memcpy(h, &len, 2);
	std::memcpy(h + 2, &type, 2);
	b.insert(b.end(), h, h + 4);
}

// The raw bytes of the top-level attribute @type of @m, header included.
Bytes raw_attr(nl_msg *m, int type)
{
	auto tb = attrs_of(m);
	if (!tb[type])
		return {};
	const auto *p = reinterpret_cast<const uint8_t *>(tb[type]);
	return Bytes(p, p + NLA_ALIGN(tb[type]->nla_len));
}

} // namespace

TEST(Protocol, SetConfigCarriesTheLanScopeAsNestedPrefixes)
{
	std::vector<std::string> args{"enabled", "on", "lan", "10.0.0.0/24,198.51.100.0/29"};
	auto settings = parse_settings(args);
	auto msg = build_set_config(kFamily, settings);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(msg.get()))->cmd, VPNMASQ_CMD_SET_CONFIG);
	EXPECT_EQ(count_attrs(msg.get()), 2) << "one message with both keys";
	auto tb = attrs_of(msg.get());
	ASSERT_TRUE(tb[VPNMASQ_A_CFG_ENABLED]);
	EXPECT_EQ(nla_get_u8(tb[VPNMASQ_A_CFG_ENABLED]), 1);

	Bytes want;
	put_hdr(want, 4 + 2 * 20, VPNMASQ_A_CFG_LAN | NLA_F_NESTED);
	const uint8_t prefixes[2][5] = {{10, 0, 0, 0, 24}, {198, 51, 100, 0, 29}};
	for (const auto &p : prefixes) {
		put_hdr(want, 20, VPNMASQ_A_PREFIX | NLA_F_NESTED);
		put_hdr(want, 8, VPNMASQ_PREFIX_A_ADDR);
		want.insert(want.end(), p, p + 4); // network order
		put_hdr(want, 5, VPNMASQ_PREFIX_A_LEN);
		want.insert(want.end(), {p[4], 0, 0, 0}); // u8, padded
	}
	EXPECT_EQ(raw_attr(msg.get(), VPNMASQ_A_CFG_LAN), want);

	// The scope's position: right after enabled, in the order given.
	const auto *first = reinterpret_cast<const uint8_t *>(
		genlmsg_attrdata(genlmsg_hdr(nlmsg_hdr(msg.get())), 0));
	EXPECT_EQ(reinterpret_cast<const uint8_t *>(tb[VPNMASQ_A_CFG_LAN]), first + 8);
}

TEST(Protocol, SetLanNoneIsAnEmptyNestAndDefaultTheThreeRanges)
{
	std::vector<std::string> none_args{"lan", "none"};
	auto none = build_set_config(kFamily, parse_settings(none_args));
	EXPECT_EQ(count_attrs(none.get()), 1) << "the empty nest is sent, not dropped";
	Bytes want;
	put_hdr(want, 4, VPNMASQ_A_CFG_LAN | NLA_F_NESTED);
	EXPECT_EQ(raw_attr(none.get(), VPNMASQ_A_CFG_LAN), want);

	std::vector<std::string> def_args{"lan", "default"};
	auto def = build_set_config(kFamily, parse_settings(def_args));
	Bytes bytes = raw_attr(def.get(), VPNMASQ_A_CFG_LAN);
	ASSERT_EQ(bytes.size(), 4u + 3 * 20);
	const uint8_t ranges[3][5] = {{10, 0, 0, 0, 8}, {172, 16, 0, 0, 12}, {192, 168, 0, 0, 16}};
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *p = &bytes[4 + i * 20];
		EXPECT_EQ(Bytes(p + 8, p + 12), Bytes(ranges[i], ranges[i] + 4)) << i;
		EXPECT_EQ(p[16], ranges[i][4]) << i;
	}
}

namespace {

// A GET_CONFIG reply whose lan nest @fill writes.
template <typename Fill> std::optional<Value> lan_of_reply(Fill fill)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_CONFIG);
	nla_put_u8(m.get(), VPNMASQ_A_CFG_ENABLED, 1);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_CFG_LAN);
	fill(m.get());
	nla_nest_end_keep_empty(m.get(), nest);
	nla_put_u8(m.get(), VPNMASQ_A_CFG_PPTP, 1);
	auto tb = attrs_of(m.get());
	Config c = parse_config(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(c.value(*find_key("enabled")), 1u);
	EXPECT_EQ(c.value(*find_key("pptp")), 1u);
	return c.value(*find_key("lan"));
}

void put_prefix(nl_msg *m, uint32_t host_order, int len, size_t addr_size = 4)
{
	nlattr *p = nla_nest_start(m, VPNMASQ_A_PREFIX);
	uint32_t be = htonl(host_order);
	if (addr_size)
		nla_put(m, VPNMASQ_PREFIX_A_ADDR, int(addr_size), &be);
	if (len >= 0)
		nla_put_u8(m, VPNMASQ_PREFIX_A_LEN, uint8_t(len));
	nla_nest_end(m, p);
}

} // namespace

TEST(Protocol, ConfigReplyWithTheLanScope)
{
	auto two = lan_of_reply([](nl_msg *m) {
		put_prefix(m, 0x0a000000, 24);
		nla_put_u32(m, 99, 7); // a newer module's attribute in the nest: ignored
		put_prefix(m, 0xc6336400, 29);
	});
	ASSERT_TRUE(two);
	ASSERT_FALSE(two->is_number());
	EXPECT_EQ(prefix_list_text(two->prefixes()), "10.0.0.0/24,198.51.100.0/29");

	auto empty = lan_of_reply([](nl_msg *) {});
	ASSERT_TRUE(empty) << "an empty nest is an empty scope, not a missing key";
	EXPECT_TRUE(empty->prefixes().empty());

	// Malformed prefixes: the key reads as not reported.
	EXPECT_FALSE(lan_of_reply([](nl_msg *m) { put_prefix(m, 0x0a000000, 33); }));
	EXPECT_FALSE(lan_of_reply([](nl_msg *m) { put_prefix(m, 0x0a000000, -1); }));
	EXPECT_FALSE(lan_of_reply([](nl_msg *m) { put_prefix(m, 0x0a000000, 8, 0); }));
	EXPECT_FALSE(lan_of_reply([](nl_msg *m) { put_prefix(m, 0x0a000000, 8, 3); }));

	// An older module: no lan at all.
	auto m = kernel_reply(VPNMASQ_CMD_GET_CONFIG);
	nla_put_u8(m.get(), VPNMASQ_A_CFG_ENABLED, 1);
	auto tb = attrs_of(m.get());
	EXPECT_EQ(parse_config(Attrs(tb.data(), VPNMASQ_A_MAX)).value(*find_key("lan")),
		  std::nullopt);
}

TEST(Protocol, AttrsIgnoresTypesBeyondItsTable)
{
	std::vector<nlattr *> tb(3);
	Attrs a(tb.data(), 2);
	EXPECT_EQ(a[-1], nullptr);
	EXPECT_EQ(a[3], nullptr);
	EXPECT_EQ(a[1000], nullptr);
}

TEST(Protocol, FlushCarriesTableAndLan)
{
	auto msg = build_flush(kFamily, VPNMASQ_TABLE_IKE, htonl(0xc0a8010b));
	nlmsghdr *nlh = nlmsg_hdr(msg.get());
	EXPECT_TRUE(nlh->nlmsg_flags & NLM_F_ACK);
	EXPECT_EQ(genlmsg_hdr(nlh)->cmd, VPNMASQ_CMD_FLUSH);
	EXPECT_EQ(genlmsg_hdr(nlh)->version, VPNMASQ_GENL_VERSION);
	auto tb = attrs_of(msg.get());
	EXPECT_EQ(count_attrs(msg.get()), 2);
	ASSERT_TRUE(tb[VPNMASQ_A_TABLE]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_TABLE]), 1);
	EXPECT_EQ(nla_get_u8(tb[VPNMASQ_A_TABLE]), VPNMASQ_TABLE_IKE);
	ASSERT_TRUE(tb[VPNMASQ_A_LAN]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_LAN]), 4);
	const auto *b = static_cast<const uint8_t *>(nla_data(tb[VPNMASQ_A_LAN]));
	EXPECT_EQ(std::vector<uint8_t>(b, b + 4), (std::vector<uint8_t>{192, 168, 1, 11}))
		<< "big-endian on the wire";

	auto all = build_flush(kFamily, VPNMASQ_TABLE_ALL, std::nullopt);
	auto tb2 = attrs_of(all.get());
	EXPECT_EQ(count_attrs(all.get()), 1);
	ASSERT_TRUE(tb2[VPNMASQ_A_TABLE]);
	EXPECT_EQ(nla_get_u8(tb2[VPNMASQ_A_TABLE]), VPNMASQ_TABLE_ALL);
	EXPECT_FALSE(tb2[VPNMASQ_A_LAN]);
}

TEST(Protocol, DelCarriesCookieOrSpiInWireOrder)
{
	auto ike = build_del_ike(kFamily, htobe64(0x1122334455667788ull), std::nullopt);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(ike.get()))->cmd, VPNMASQ_CMD_DEL);
	EXPECT_TRUE(nlmsg_hdr(ike.get())->nlmsg_flags & NLM_F_ACK);
	auto tb = attrs_of(ike.get());
	EXPECT_EQ(count_attrs(ike.get()), 1);
	ASSERT_TRUE(tb[VPNMASQ_A_ICOOKIE]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_ICOOKIE]), 8);
	const auto *c = static_cast<const uint8_t *>(nla_data(tb[VPNMASQ_A_ICOOKIE]));
	EXPECT_EQ(c[0], 0x11);
	EXPECT_EQ(c[7], 0x88);
	EXPECT_FALSE(tb[VPNMASQ_A_SPI]);
	EXPECT_FALSE(tb[VPNMASQ_A_REMOTE]);

	auto esp = build_del_esp(kFamily, htobe32(0xa1), htonl(0xcb007107));
	auto te = attrs_of(esp.get());
	EXPECT_EQ(count_attrs(esp.get()), 2);
	ASSERT_TRUE(te[VPNMASQ_A_SPI]);
	EXPECT_EQ(nla_len(te[VPNMASQ_A_SPI]), 4);
	EXPECT_EQ(static_cast<const uint8_t *>(nla_data(te[VPNMASQ_A_SPI]))[3], 0xa1);
	ASSERT_TRUE(te[VPNMASQ_A_REMOTE]);
	EXPECT_EQ(nla_get_u32(te[VPNMASQ_A_REMOTE]), htonl(0xcb007107));
	EXPECT_FALSE(te[VPNMASQ_A_ICOOKIE]);
}

TEST(Protocol, ResetStatsAndRemovedCount)
{
	auto msg = build_reset_stats(kFamily);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(msg.get()))->cmd, VPNMASQ_CMD_RESET_STATS);
	EXPECT_TRUE(nlmsg_hdr(msg.get())->nlmsg_flags & NLM_F_ACK);
	EXPECT_EQ(count_attrs(msg.get()), 0);

	auto m = kernel_reply(VPNMASQ_CMD_FLUSH);
	nla_put_u32(m.get(), VPNMASQ_A_N_REMOVED, 10000);
	auto tb = attrs_of(m.get());
	EXPECT_EQ(parse_removed(Attrs(tb.data(), VPNMASQ_A_MAX)), 10000u);
	std::vector<nlattr *> none(VPNMASQ_A_MAX + 1);
	EXPECT_EQ(parse_removed(Attrs(none.data(), VPNMASQ_A_MAX)), std::nullopt);
}

TEST(Protocol, EventsCarryOneEntryLaidOutAsInDumps)
{
	auto m = kernel_reply(VPNMASQ_CMD_EVENT);
	nla_put_u8(m.get(), VPNMASQ_A_EVENT, VPNMASQ_EVENT_DEL);
	nla_put_u8(m.get(), VPNMASQ_A_REASON, VPNMASQ_REASON_CT_GONE);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_ESP);
	nla_put_u32(m.get(), VPNMASQ_ESP_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_ESP_A_LAN, htonl(0xc0a8010b));
	nla_put_u32(m.get(), VPNMASQ_ESP_A_SPI, htonl(0xa1));
	nla_put_u8(m.get(), VPNMASQ_ESP_A_DIR, VPNMASQ_ESP_DIR_IN);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	auto ev = parse_event(Attrs(tb.data(), VPNMASQ_A_MAX));
	ASSERT_TRUE(ev);
	EXPECT_EQ(ev->type, VPNMASQ_EVENT_DEL);
	EXPECT_EQ(ev->reason, VPNMASQ_REASON_CT_GONE);
	EXPECT_EQ(ev->table, find_table("esp"));
	EXPECT_EQ(ev->entry, esp_entry(Attrs(tb.data(), VPNMASQ_A_MAX)));
	EXPECT_EQ(ev->entry["spi"], "000000a1");
	EXPECT_EQ(ev->entry["dir"], "in");

	for (const auto &kind : table_kinds()) {
		if (!kind.events)
			continue;
		auto k = kernel_reply(VPNMASQ_CMD_EVENT);
		nla_put_u8(k.get(), VPNMASQ_A_EVENT, VPNMASQ_EVENT_NEW);
		// (libnl drops empty nests: an address, type 2 in each table)
		nlattr *n = nla_nest_start(k.get(), kind.nest);
		nla_put_u32(k.get(), 2, htonl(0xc0a8010b));
		nla_nest_end(k.get(), n);
		auto kt = attrs_of(k.get());
		auto e = parse_event(Attrs(kt.data(), VPNMASQ_A_MAX));
		ASSERT_TRUE(e) << kind.name;
		EXPECT_EQ(e->table, &kind);
		EXPECT_EQ(e->reason, VPNMASQ_REASON_NONE) << "absent reason";
	}
	auto empty = kernel_reply(VPNMASQ_CMD_EVENT);
	nla_put_u8(empty.get(), VPNMASQ_A_EVENT, VPNMASQ_EVENT_NEW);
	auto et = attrs_of(empty.get());
	EXPECT_FALSE(parse_event(Attrs(et.data(), VPNMASQ_A_MAX))) << "no entry nest";
	// A table without events: its nest is no event's entry.
	auto nego = kernel_reply(VPNMASQ_CMD_EVENT);
	nla_put_u8(nego.get(), VPNMASQ_A_EVENT, VPNMASQ_EVENT_NEW);
	nlattr *n = nla_nest_start(nego.get(), VPNMASQ_A_NEGO);
	nla_put_u32(nego.get(), VPNMASQ_NEGO_A_LAN, htonl(0xc0a8010b));
	nla_nest_end(nego.get(), n);
	auto nt = attrs_of(nego.get());
	EXPECT_FALSE(parse_event(Attrs(nt.data(), VPNMASQ_A_MAX)));
}

TEST(Protocol, EventAndReasonNames)
{
	EXPECT_EQ(event_name(VPNMASQ_EVENT_NEW), "new");
	EXPECT_EQ(event_name(VPNMASQ_EVENT_DEL), "del");
	EXPECT_EQ(event_name(9), "event_9");
	const std::pair<int, const char *> reasons[] = {
		{VPNMASQ_REASON_NONE, "none"},		 {VPNMASQ_REASON_EXPIRED, "expired"},
		{VPNMASQ_REASON_FLUSHED, "flushed"},	 {VPNMASQ_REASON_DELETED, "deleted"},
		{VPNMASQ_REASON_CT_GONE, "ct_gone"},	 {VPNMASQ_REASON_ANSWERED, "answered"},
		{VPNMASQ_REASON_WAIT_OVER, "wait_over"}, {VPNMASQ_REASON_CLOSED, "closed"},
		{VPNMASQ_REASON_SCOPE, "scope"},
	};
	for (auto [id, name] : reasons)
		EXPECT_EQ(reason_name(id), name);
	EXPECT_EQ(reason_name(VPNMASQ_REASON_SCOPE + 1),
		  "reason_" + std::to_string(VPNMASQ_REASON_SCOPE + 1));
}

TEST(Protocol, UniqueRowsKeepTheFirstOfEachEntry)
{
	const TableKind &ike = *find_table("ike");
	Json rows = Json::array();
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", "192.168.1.11"},
			    {"icookie", "1122334455667788"},
			    {"packets", 1}});
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", "192.168.1.11"},
			    {"icookie", "1122334455667789"},
			    {"packets", 1}});
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", "192.168.1.11"},
			    {"icookie", "1122334455667788"},
			    {"packets", 2}}); // seen again
	rows.push_back(Json{{"remote", "203.0.113.8"},
			    {"lan", "192.168.1.11"},
			    {"icookie", "1122334455667788"},
			    {"packets", 1}}); // other remote
	rows.push_back(Json{{"remote", "203.0.113.7"},
			    {"lan", nullptr},
			    {"icookie", "1122334455667788"},
			    {"packets", 1}}); // the gateway's
	Json u = unique_rows(ike, rows);
	ASSERT_EQ(u.size(), 4u);
	EXPECT_EQ(u[0]["packets"], 1) << "the first one is kept";
	EXPECT_EQ(row_identity(ike, rows[0]), row_identity(ike, rows[2]));
	EXPECT_NE(row_identity(ike, rows[0]), row_identity(ike, rows[4]));
	// Every table has an identity and a peer field its rows carry.
	for (const auto &kind : table_kinds()) {
		EXPECT_FALSE(kind.identity[0].empty()) << kind.name;
		EXPECT_TRUE(kind.peer_field == "remote" || kind.peer_field == "server");
	}
}

TEST(Protocol, HowNames)
{
	const std::pair<int, const char *> hows[] = {
		{VPNMASQ_HOW_SENT, "sent"},	      {VPNMASQ_HOW_PENDING, "pending"},
		{VPNMASQ_HOW_ONLY_HOST, "only-host"}, {VPNMASQ_HOW_NEGOTIATION, "negotiation"},
		{VPNMASQ_HOW_GATEWAY, "gateway"},
	};
	for (auto [id, name] : hows)
		EXPECT_EQ(how_name(static_cast<uint8_t>(id)), name);
	EXPECT_EQ(how_name(VPNMASQ_HOW_GATEWAY + 1),
		  "how-" + std::to_string(VPNMASQ_HOW_GATEWAY + 1));
	EXPECT_EQ(how_name(255), "how-255");
}

TEST(Protocol, IkeAndEspEntriesSayHowTheyNamedTheirHost)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_IKE);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_IKE);
	nla_put_u32(m.get(), VPNMASQ_IKE_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_IKE_A_LAN, htonl(0xc0a8010b));
	nla_put_u8(m.get(), VPNMASQ_IKE_A_HOW, VPNMASQ_HOW_NEGOTIATION);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	Json ike = ike_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(ike["how"], "negotiation");
	auto last = ike.end();
	--last;
	EXPECT_EQ(last.key(), "how") << "appended after the existing fields";

	auto e = kernel_reply(VPNMASQ_CMD_GET_ESP);
	nest = nla_nest_start(e.get(), VPNMASQ_A_ESP);
	nla_put_u32(e.get(), VPNMASQ_ESP_A_SPI, htonl(0xa1));
	nla_put_u8(e.get(), VPNMASQ_ESP_A_HOW, VPNMASQ_HOW_PENDING);
	nla_nest_end(e.get(), nest);
	auto etb = attrs_of(e.get());
	Json esp = esp_entry(Attrs(etb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(esp["how"], "pending");
	last = esp.end();
	--last;
	EXPECT_EQ(last.key(), "how");

	// Absent (an older module) or of the wrong size: null, not "sent".
	auto old = kernel_reply(VPNMASQ_CMD_GET_ESP);
	nest = nla_nest_start(old.get(), VPNMASQ_A_ESP);
	nla_put_u32(old.get(), VPNMASQ_ESP_A_SPI, htonl(0xa1));
	nla_nest_end(old.get(), nest);
	auto otb = attrs_of(old.get());
	EXPECT_TRUE(esp_entry(Attrs(otb.data(), VPNMASQ_A_MAX))["how"].is_null());
	auto wide = kernel_reply(VPNMASQ_CMD_GET_IKE);
	nest = nla_nest_start(wide.get(), VPNMASQ_A_IKE);
	nla_put_u32(wide.get(), VPNMASQ_IKE_A_HOW, VPNMASQ_HOW_SENT);
	nla_nest_end(wide.get(), nest);
	auto wtb = attrs_of(wide.get());
	EXPECT_TRUE(ike_entry(Attrs(wtb.data(), VPNMASQ_A_MAX))["how"].is_null());
}

namespace {

// A GET_NEGO reply whose VPNMASQ_A_NEGO nest is @payload, byte for byte.
MsgPtr nego_reply(const Bytes &payload)
{
	auto m = kernel_reply(VPNMASQ_CMD_GET_NEGO);
	nla_put(m.get(), VPNMASQ_A_NEGO, static_cast<int>(payload.size()), payload.data());
	return m;
}

// One attribute of a nest: header, payload, padding to 4 bytes.
void put_raw(Bytes &b, uint16_t type, const Bytes &payload)
{
	put_hdr(b, static_cast<uint16_t>(NLA_HDRLEN + payload.size()), type);
	b.insert(b.end(), payload.begin(), payload.end());
	b.resize(NLA_ALIGN(b.size()), 0);
}

// A u32 in host order, as the kernel's nla_put_u32() lays it out.
Bytes u32_bytes(uint32_t v)
{
	Bytes b(4);
	std::memcpy(b.data(), &v, 4);
	return b;
}

Json nego_of(const Bytes &payload)
{
	auto m = nego_reply(payload);
	auto tb = attrs_of(m.get());
	return nego_entry(Attrs(tb.data(), VPNMASQ_A_MAX));
}

} // namespace

TEST(Protocol, NegoEntryByteForByte)
{
	Bytes p;
	put_raw(p, VPNMASQ_NEGO_A_REMOTE, {203, 0, 113, 7}); // be32
	put_raw(p, VPNMASQ_NEGO_A_LAN, {192, 168, 1, 11});   // be32
	put_raw(p, VPNMASQ_NEGO_A_SPIS, u32_bytes(2));
	put_raw(p, VPNMASQ_NEGO_A_IKE_SAS, u32_bytes(1));
	put_raw(p, VPNMASQ_NEGO_A_PAIRED, u32_bytes(1));
	put_raw(p, VPNMASQ_NEGO_A_IN_FLIGHT, u32_bytes(0));
	put_raw(p, VPNMASQ_NEGO_A_EXCHANGE, {36}); // u8: CREATE_CHILD_SA
	put_raw(p, VPNMASQ_NEGO_A_LEFT_MS, u32_bytes(119500));
	put_raw(p, VPNMASQ_NEGO_A_COMPLETED, u32_bytes(70000));
	ASSERT_EQ(p.size(), 9u * 8) << "eight 4-byte payloads and a padded u8";
	EXPECT_EQ(nego_of(p).dump(),
		  R"({"remote":"203.0.113.7","lan":"192.168.1.11","spis":2,"ike_sas":1,)"
		  R"("paired":1,"in_flight":0,"exchange":"create_child_sa","left_ms":119500,)"
		  R"("completed":70000})");

	// The nest as libnl's own helpers build it parses the same.
	auto m = kernel_reply(VPNMASQ_CMD_GET_NEGO);
	nlattr *nest = nla_nest_start(m.get(), VPNMASQ_A_NEGO);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_REMOTE, htonl(0xcb007107));
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_LAN, htonl(0xc0a8010b));
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_SPIS, 2);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_IKE_SAS, 1);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_PAIRED, 1);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_IN_FLIGHT, 0);
	nla_put_u8(m.get(), VPNMASQ_NEGO_A_EXCHANGE, 36);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_LEFT_MS, 119500);
	nla_put_u32(m.get(), VPNMASQ_NEGO_A_COMPLETED, 70000);
	nla_nest_end(m.get(), nest);
	auto tb = attrs_of(m.get());
	EXPECT_EQ(nego_entry(Attrs(tb.data(), VPNMASQ_A_MAX)), nego_of(p));

	std::vector<nlattr *> none(VPNMASQ_A_MAX + 1);
	EXPECT_TRUE(nego_entry(Attrs(none.data(), VPNMASQ_A_MAX)).is_null());
}

TEST(Protocol, NegoExchangeNames)
{
	const std::pair<uint8_t, Json> exchanges[] = {
		{0, "none"}, {32, "quick"}, {35, "ike_auth"}, {36, "create_child_sa"},
		{34, 34}, // IKE_SA_INIT never completes a negotiation: its number
		{240, 240},
	};
	for (const auto &[type, name] : exchanges) {
		Bytes p;
		put_raw(p, VPNMASQ_NEGO_A_LAN, {192, 168, 1, 11});
		put_raw(p, VPNMASQ_NEGO_A_EXCHANGE, {type});
		EXPECT_EQ(nego_of(p)["exchange"], name) << int(type);
	}
}

TEST(Protocol, NegoEntryIgnoresWhatItDoesNotKnow)
{
	Bytes p;
	put_raw(p, VPNMASQ_NEGO_A_LAN, {192, 168, 1, 11});
	put_raw(p, VPNMASQ_NEGO_A_SPIS, {2, 0});	    // wrong size: 0
	put_raw(p, VPNMASQ_NEGO_A_EXCHANGE, u32_bytes(32)); // wrong size: none
	put_raw(p, VPNMASQ_NEGO_A_MAX + 1, u32_bytes(9));   // a newer module's
	Json j = nego_of(p);
	EXPECT_EQ(j["lan"], "192.168.1.11");
	EXPECT_EQ(j["remote"], "") << "absent address";
	EXPECT_EQ(j["spis"], 0);
	EXPECT_EQ(j["exchange"], "none");
	EXPECT_EQ(j["left_ms"], 0) << "absent: 0";
	EXPECT_EQ(j.size(), 9u) << "every field, and no other";
}

TEST(Protocol, SetAndGetTheNegotiationTunables)
{
	std::vector<std::string> args{"nego_window", "300", "nego_spis", "0"};
	auto msg = build_set_config(kFamily, parse_settings(args));
	EXPECT_EQ(count_attrs(msg.get()), 2);
	Bytes want;
	put_raw(want, VPNMASQ_A_CFG_NEGO_WINDOW, u32_bytes(300));
	EXPECT_EQ(raw_attr(msg.get(), VPNMASQ_A_CFG_NEGO_WINDOW), want);
	want.clear();
	put_raw(want, VPNMASQ_A_CFG_NEGO_SPIS, u32_bytes(0));
	EXPECT_EQ(raw_attr(msg.get(), VPNMASQ_A_CFG_NEGO_SPIS), want);

	auto m = kernel_reply(VPNMASQ_CMD_GET_CONFIG);
	nla_put_u32(m.get(), VPNMASQ_A_CFG_NEGO_WINDOW, 3600);
	nla_put_u32(m.get(), VPNMASQ_A_CFG_NEGO_SPIS, 16);
	auto tb = attrs_of(m.get());
	Config c = parse_config(Attrs(tb.data(), VPNMASQ_A_MAX));
	EXPECT_EQ(c.value(*find_key("nego_window")), 3600u);
	EXPECT_EQ(c.value(*find_key("nego_spis")), 16u);
	EXPECT_EQ(c.value(*find_key("ike_timeout")), std::nullopt);
}
