// Extended ACK parsing on hand-built NLMSG_ERROR messages.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <linux/genetlink.h>

#include "commands.hpp"
#include "extack.hpp"
#include "genl.hpp"

using namespace vpnmasq;

namespace {

void put_attr(std::vector<uint8_t> &b, uint16_t type, const void *data, size_t len)
{
	nlattr a{static_cast<uint16_t>(NLA_HDRLEN + len), type};
	size_t at = b.size();
	b.resize(at + NLA_ALIGN(NLA_HDRLEN + len));
	std::memcpy(&b[at], &a, sizeof(a));
	std::memcpy(&b[at + NLA_HDRLEN], data, len);
}

// An error reply to @request, echoing it unless @capped.
std::vector<uint8_t> error_reply(const nlmsghdr *request, int error, bool capped,
				 const std::vector<uint8_t> &tlvs)
{
	std::vector<uint8_t> b(NLMSG_HDRLEN + sizeof(nlmsgerr));
	nlmsgerr e{};
	e.error = error;
	e.msg = *request;
	std::memcpy(&b[NLMSG_HDRLEN], &e, sizeof(e));
	if (!capped) {
		size_t at = b.size(), body = request->nlmsg_len - NLMSG_HDRLEN;
		b.resize(NLMSG_ALIGN(at + body));
		std::memcpy(&b[at], reinterpret_cast<const char *>(request) + NLMSG_HDRLEN, body);
	}
	b.insert(b.end(), tlvs.begin(), tlvs.end());
	nlmsghdr h{};
	h.nlmsg_len = static_cast<uint32_t>(b.size());
	h.nlmsg_type = NLMSG_ERROR;
	h.nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	std::memcpy(b.data(), &h, sizeof(h));
	return b;
}

} // namespace

TEST(Extack, MessageOffsetAndPolicyRangeNameTheKey)
{
	auto pairs = parse_set_args({"esp_timeout", "800", "ike_timeout", "5"});
	auto req = build_set(30, pairs);
	const nlmsghdr *rh = nlmsg_hdr(req.get());
	// the second attribute (ike_timeout) is the bad one
	uint32_t offs = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 4);

	for (bool capped : {false, true}) {
		std::vector<uint8_t> tlvs, pol;
		const char msg[] = "integer out of range";
		put_attr(tlvs, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
		put_attr(tlvs, NLMSGERR_ATTR_OFFS, &offs, 4);
		uint64_t min = 10, max = 86400;
		put_attr(pol, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, &min, 8);
		put_attr(pol, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, &max, 8);
		put_attr(tlvs, NLMSGERR_ATTR_POLICY, pol.data(), pol.size());
		auto b = error_reply(rh, -ERANGE, capped, tlvs);

		auto ack = parse_error(reinterpret_cast<nlmsghdr *>(b.data()), b.size());
		EXPECT_EQ(ack.error, -ERANGE);
		EXPECT_EQ(ack.msg, "integer out of range");
		ASSERT_TRUE(ack.offset);
		EXPECT_EQ(attr_at_offset(rh, *ack.offset), VPNMASQ_A_CFG_IKE_TIMEOUT);
		EXPECT_EQ(describe(ack, rh),
			  "Error: integer out of range (key: ike_timeout, allowed 10..86400)")
			<< (capped ? "capped" : "full");
	}
}

TEST(Extack, PlainErrnoWithoutTlvs)
{
	auto req = build_set(30, parse_set_args({"enabled", "0"}));
	auto b = error_reply(nlmsg_hdr(req.get()), -EPERM, false, {});
	auto *h = reinterpret_cast<nlmsghdr *>(b.data());
	h->nlmsg_flags = 0;
	auto ack = parse_error(h, b.size());
	EXPECT_EQ(ack.error, -EPERM);
	EXPECT_TRUE(ack.msg.empty());
	EXPECT_EQ(describe(ack, nlmsg_hdr(req.get())), "Error: Operation not permitted");
}

TEST(Extack, TruncatedOrForeignInputIsHarmless)
{
	std::vector<uint8_t> junk(8, 0xff);
	auto ack = parse_error(reinterpret_cast<nlmsghdr *>(junk.data()), junk.size());
	EXPECT_EQ(ack.error, 0);
	auto req = build_set(30, parse_set_args({"enabled", "0"}));
	EXPECT_EQ(attr_at_offset(nlmsg_hdr(req.get()), 2), -1);
	EXPECT_EQ(attr_at_offset(nlmsg_hdr(req.get()), 100000), -1);
}
