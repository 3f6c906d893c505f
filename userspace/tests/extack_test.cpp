// Extended acks parsed from hand-built NLMSG_ERROR / NLMSG_DONE messages,
// laid out as the kernel's netlink_ack() and netlink_dump_done() do.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <linux/genetlink.h>

#include "extack.hpp"
#include "keys.hpp"
#include "protocol.hpp"

using namespace vpnmasq;

namespace {

using Bytes = std::vector<uint8_t>;

void put_attr(Bytes &b, uint16_t type, const void *data, size_t len)
{
	nlattr a{static_cast<uint16_t>(NLA_HDRLEN + len), type};
	size_t at = b.size();
	b.resize(at + NLA_ALIGN(NLA_HDRLEN + len));
	std::memcpy(&b[at], &a, sizeof(a));
	std::memcpy(&b[at + NLA_HDRLEN], data, len);
}

void put_u32(Bytes &b, uint16_t type, uint32_t v)
{
	put_attr(b, type, &v, 4);
}

void put_u64(Bytes &b, uint16_t type, uint64_t v)
{
	put_attr(b, type, &v, 8);
}

void put_str(Bytes &b, uint16_t type, const char *s)
{
	put_attr(b, type, s, std::strlen(s) + 1);
}

// The kernel's error reply to @request: the request echoed unless
// @capped, then @tlvs (NLM_F_ACK_TLVS if there are any).
Bytes error_reply(const nlmsghdr *request, int error, bool capped, const Bytes &tlvs)
{
	size_t payload = sizeof(nlmsgerr) + (capped ? 0 : request->nlmsg_len - NLMSG_HDRLEN);
	Bytes b(NLMSG_HDRLEN + NLMSG_ALIGN(payload));
	nlmsgerr e{};
	e.error = error;
	std::memcpy(&e.msg, request, sizeof(nlmsghdr));
	std::memcpy(&b[NLMSG_HDRLEN], &e, sizeof(e));
	if (!capped)
		std::memcpy(&b[NLMSG_HDRLEN + sizeof(e)],
			    reinterpret_cast<const uint8_t *>(request) + NLMSG_HDRLEN,
			    request->nlmsg_len - NLMSG_HDRLEN);
	b.insert(b.end(), tlvs.begin(), tlvs.end());
	nlmsghdr h{};
	h.nlmsg_len = static_cast<uint32_t>(b.size());
	h.nlmsg_type = NLMSG_ERROR;
	h.nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | (tlvs.empty() ? 0 : NLM_F_ACK_TLVS);
	h.nlmsg_seq = request->nlmsg_seq;
	std::memcpy(b.data(), &h, sizeof(h));
	return b;
}

const nlmsghdr *hdr(const Bytes &b)
{
	return reinterpret_cast<const nlmsghdr *>(b.data());
}

std::string key_name(int attr)
{
	const Key *k = find_key_by_attr(attr);
	return k ? std::string(k->name) : std::string();
}

// set esp_timeout 800 ike_timeout 5: ike_timeout is the second attribute.
struct BadSet {
	std::vector<Setting> settings{{find_key("esp_timeout"), 800}, {find_key("ike_timeout"), 5}};
	MsgPtr msg = build_set_config(0x1d, settings);
	const nlmsghdr *request = nlmsg_hdr(msg.get());
	uint32_t second_attr = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 4);

	Bytes tlvs() const
	{
		Bytes t, policy;
		put_str(t, NLMSGERR_ATTR_MSG, "integer out of range");
		put_u32(t, NLMSGERR_ATTR_OFFS, second_attr);
		put_u32(policy, NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_U32);
		put_u64(policy, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 10);
		put_u64(policy, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 86400);
		put_attr(t, NLMSGERR_ATTR_POLICY, policy.data(), policy.size());
		return t;
	}
};

} // namespace

TEST(Extack, FullAndCappedAcksNameTheKeyAndRange)
{
	BadSet s;
	for (bool capped : {false, true}) {
		SCOPED_TRACE(capped ? "capped" : "full");
		auto b = error_reply(s.request, -ERANGE, capped, s.tlvs());
		auto ack = parse_ack(hdr(b), b.size());
		ASSERT_TRUE(ack);
		EXPECT_EQ(ack->error, -ERANGE);
		EXPECT_EQ(ack->msg, "integer out of range");
		EXPECT_EQ(ack->offset, s.second_attr);
		EXPECT_EQ(ack->min, 10u);
		EXPECT_EQ(ack->max, 86400u);
		EXPECT_EQ(attr_at_offset(s.request, *ack->offset), VPNMASQ_A_CFG_IKE_TIMEOUT);
		EXPECT_EQ(describe(*ack, s.request, key_name),
			  "Error: integer out of range (key: ike_timeout, allowed 10..86400)");
	}
}

TEST(Extack, OffsetOfTheFirstAttributeAndInsideIt)
{
	BadSet s;
	uint32_t first = NLMSG_HDRLEN + GENL_HDRLEN;
	EXPECT_EQ(attr_at_offset(s.request, first), VPNMASQ_A_CFG_ESP_TIMEOUT);
	EXPECT_EQ(attr_at_offset(s.request, first + NLA_HDRLEN + 3), VPNMASQ_A_CFG_ESP_TIMEOUT);
	EXPECT_EQ(attr_at_offset(s.request, s.second_attr + NLA_HDRLEN), VPNMASQ_A_CFG_IKE_TIMEOUT);
	// Headers and anything past the request point at no attribute.
	EXPECT_EQ(attr_at_offset(s.request, 0), -1);
	EXPECT_EQ(attr_at_offset(s.request, NLMSG_HDRLEN + 1), -1);
	EXPECT_EQ(attr_at_offset(s.request, s.request->nlmsg_len), -1);
	EXPECT_EQ(attr_at_offset(s.request, 100000), -1);
}

TEST(Extack, MessageWithoutOffsetOrPolicy)
{
	BadSet s;
	Bytes t;
	put_str(t, NLMSGERR_ATTR_MSG, "vpnmasq: zone_base + zone_count exceeds 65536");
	auto b = error_reply(s.request, -EINVAL, true, t);
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_FALSE(ack->offset);
	EXPECT_EQ(describe(*ack, s.request, key_name),
		  "Error: vpnmasq: zone_base + zone_count exceeds 65536");
}

TEST(Extack, OffsetOutsideAnyAttributeNamesNoKey)
{
	BadSet s;
	Bytes t;
	put_str(t, NLMSGERR_ATTR_MSG, "bad header");
	put_u32(t, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN);
	auto b = error_reply(s.request, -EINVAL, false, t);
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(describe(*ack, s.request, key_name), "Error: bad header");
	EXPECT_EQ(describe(*ack, nullptr, key_name), "Error: bad header");
	EXPECT_EQ(describe(*ack, s.request, {}), "Error: bad header");
}

TEST(Extack, PlainErrnoWithoutTlvs)
{
	BadSet s;
	for (bool capped : {false, true}) {
		auto b = error_reply(s.request, -EPERM, capped, {});
		auto ack = parse_ack(hdr(b), b.size());
		ASSERT_TRUE(ack);
		EXPECT_EQ(ack->error, -EPERM);
		EXPECT_TRUE(ack->msg.empty());
		EXPECT_FALSE(ack->offset);
		EXPECT_EQ(describe(*ack, s.request, key_name), "Error: Operation not permitted");
	}
}

TEST(Extack, OnlyOneBoundOfTheRangeAndAMissingAttribute)
{
	BadSet s;
	Bytes t, policy;
	put_u64(policy, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 256);
	put_attr(t, NLMSGERR_ATTR_POLICY, policy.data(), policy.size());
	put_u32(t, NLMSGERR_ATTR_MISS_TYPE, VPNMASQ_A_CFG_HOLD_MAX);
	auto b = error_reply(s.request, -EINVAL, true, t);
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->missing, uint32_t(VPNMASQ_A_CFG_HOLD_MAX));
	EXPECT_EQ(describe(*ack, s.request, key_name),
		  "Error: Invalid argument (missing: hold_max, at most 256)");
}

TEST(Extack, AckWithoutError)
{
	BadSet s;
	auto b = error_reply(s.request, 0, true, {});
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->error, 0);
}

TEST(Extack, FailedDumpEndsWithDoneCarryingTheError)
{
	Bytes b(NLMSG_HDRLEN + 4);
	int err = -ENOBUFS;
	std::memcpy(&b[NLMSG_HDRLEN], &err, 4);
	Bytes t;
	put_str(t, NLMSGERR_ATTR_MSG, "dump failed");
	b.insert(b.end(), t.begin(), t.end());
	nlmsghdr h{};
	h.nlmsg_len = static_cast<uint32_t>(b.size());
	h.nlmsg_type = NLMSG_DONE;
	h.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	std::memcpy(b.data(), &h, sizeof(h));
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->error, -ENOBUFS);
	EXPECT_EQ(ack->msg, "dump failed");

	// A plain successful DONE.
	Bytes ok(NLMSG_HDRLEN + 4);
	h.nlmsg_len = static_cast<uint32_t>(ok.size());
	h.nlmsg_flags = NLM_F_MULTI;
	std::memcpy(ok.data(), &h, sizeof(h));
	ack = parse_ack(hdr(ok), ok.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->error, 0);
}

TEST(Extack, TruncatedOrMalformedInputIsHarmless)
{
	Bytes junk(8, 0xff);
	EXPECT_FALSE(parse_ack(hdr(junk), junk.size()));

	// An error header cut short.
	BadSet s;
	auto b = error_reply(s.request, -EINVAL, true, s.tlvs());
	EXPECT_FALSE(parse_ack(hdr(b), NLMSG_HDRLEN + 4));

	// A TLV claiming more than there is: parsing stops there.
	Bytes t;
	put_str(t, NLMSGERR_ATTR_MSG, "first");
	Bytes bad;
	put_str(bad, NLMSGERR_ATTR_MSG, "second");
	reinterpret_cast<nlattr *>(bad.data())->nla_len = 200;
	t.insert(t.end(), bad.begin(), bad.end());
	b = error_reply(s.request, -EINVAL, true, t);
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->msg, "first");

	// A message without its NUL stays within its attribute.
	Bytes u;
	put_attr(u, NLMSGERR_ATTR_MSG, "abcd", 4);
	b = error_reply(s.request, -EINVAL, true, u);
	ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(ack->msg, "abcd");

	// Not an error message at all.
	Bytes other = b;
	reinterpret_cast<nlmsghdr *>(other.data())->nlmsg_type = 0x1d;
	EXPECT_FALSE(parse_ack(hdr(other), other.size()));
}

TEST(Extack, ARefusedPrefixInsideTheLanNestNamesLan)
{
	// set enabled on lan 10.0.0.0/8,192.168.1.0/24: the kernel points at
	// the second prefix's length, two nests deep.
	std::vector<std::string> args{"enabled", "on", "lan", "10.0.0.0/8,192.168.1.0/24"};
	auto settings = parse_settings(args);
	MsgPtr msg = build_set_config(0x1d, settings);
	const nlmsghdr *request = nlmsg_hdr(msg.get());
	const uint32_t lan = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 1);
	const uint32_t second_len = lan + NLA_HDRLEN + 20 + NLA_HDRLEN + 8;
	EXPECT_EQ(attr_at_offset(request, lan), VPNMASQ_A_CFG_LAN);
	EXPECT_EQ(attr_at_offset(request, second_len), VPNMASQ_A_CFG_LAN);
	Bytes t;
	put_str(t, NLMSGERR_ATTR_MSG, "prefix has host bits set");
	put_u32(t, NLMSGERR_ATTR_OFFS, second_len);
	auto b = error_reply(request, -EINVAL, false, t);
	auto ack = parse_ack(hdr(b), b.size());
	ASSERT_TRUE(ack);
	EXPECT_EQ(describe(*ack, request, key_name), "Error: prefix has host bits set (key: lan)");
}
