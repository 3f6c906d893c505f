#include "extack.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <linux/genetlink.h>

namespace vpnmasq {

namespace {

// One attribute inside a buffer that was bounds-checked already.
struct Tlv {
	int type;	     // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
	size_t start;	     // offset of its header from the walk's base
	const uint8_t *data; // payload
	size_t len;	     // payload length
};

// Calls @fn for each well-formed attribute in [base + from, base + to);
// stops at the first malformed one.
template <typename Fn> void walk(const uint8_t *base, size_t from, size_t to, Fn &&fn)
{
	size_t pos = from;
	while (pos + NLA_HDRLEN <= to) {
		nlattr hdr;
		std::memcpy(&hdr, base + pos, sizeof(hdr));
		if (hdr.nla_len < NLA_HDRLEN || hdr.nla_len > to - pos)
			return;
		fn(Tlv{hdr.nla_type & NLA_TYPE_MASK, pos, base + pos + NLA_HDRLEN,
		       size_t(hdr.nla_len) - NLA_HDRLEN});
		pos += NLA_ALIGN(hdr.nla_len);
	}
}

std::optional<uint64_t> read_unsigned(const Tlv &t)
{
	switch (t.len) {
	case 1:
		return t.data[0];
	case 2: {
		uint16_t v;
		std::memcpy(&v, t.data, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		std::memcpy(&v, t.data, 4);
		return v;
	}
	case 8: {
		uint64_t v;
		std::memcpy(&v, t.data, 8);
		return v;
	}
	default:
		return std::nullopt;
	}
}

void read_policy(const Tlv &policy, Extack &ack)
{
	walk(policy.data, 0, policy.len, [&](const Tlv &t) {
		if (t.type == NL_POLICY_TYPE_ATTR_MIN_VALUE_U)
			ack.min = read_unsigned(t);
		else if (t.type == NL_POLICY_TYPE_ATTR_MAX_VALUE_U)
			ack.max = read_unsigned(t);
	});
}

} // namespace

std::optional<Extack> parse_ack(const nlmsghdr *nlh, size_t len)
{
	if (len < NLMSG_HDRLEN)
		return std::nullopt;
	nlmsghdr hdr;
	std::memcpy(&hdr, nlh, sizeof(hdr));
	const auto *base = reinterpret_cast<const uint8_t *>(nlh);
	const size_t end = std::min<size_t>(len, hdr.nlmsg_len);
	Extack ack;
	size_t tlvs;

	if (hdr.nlmsg_type == NLMSG_ERROR) {
		if (end < NLMSG_HDRLEN + sizeof(nlmsgerr))
			return std::nullopt;
		nlmsgerr err;
		std::memcpy(&err, base + NLMSG_HDRLEN, sizeof(err));
		ack.error = err.error;
		// The request is echoed (all but its header, which is in
		// err.msg) unless the ack is capped; the TLVs follow it.
		size_t payload = sizeof(nlmsgerr);
		if (!(hdr.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > NLMSG_HDRLEN)
			payload += err.msg.nlmsg_len - NLMSG_HDRLEN;
		tlvs = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	} else if (hdr.nlmsg_type == NLMSG_DONE) {
		// A dump's end: an int, negative if the dump failed.
		if (end >= NLMSG_HDRLEN + sizeof(int))
			std::memcpy(&ack.error, base + NLMSG_HDRLEN, sizeof(int));
		tlvs = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		return std::nullopt;
	}

	if (!(hdr.nlmsg_flags & NLM_F_ACK_TLVS) || tlvs >= end)
		return ack;
	walk(base, tlvs, end, [&](const Tlv &t) {
		switch (t.type) {
		case NLMSGERR_ATTR_MSG:
			ack.msg.assign(reinterpret_cast<const char *>(t.data),
				       strnlen(reinterpret_cast<const char *>(t.data), t.len));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (t.len == sizeof(uint32_t))
				ack.offset = static_cast<uint32_t>(*read_unsigned(t));
			break;
		case NLMSGERR_ATTR_POLICY:
			read_policy(t, ack);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (t.len == sizeof(uint32_t))
				ack.missing = static_cast<uint32_t>(*read_unsigned(t));
			break;
		default:
			break;
		}
	});
	return ack;
}

int attr_at_offset(const nlmsghdr *request, uint32_t offset)
{
	const size_t first = NLMSG_HDRLEN + GENL_HDRLEN;
	nlmsghdr hdr;
	std::memcpy(&hdr, request, sizeof(hdr));
	if (offset < first || offset >= hdr.nlmsg_len)
		return -1;
	int found = -1;
	walk(reinterpret_cast<const uint8_t *>(request), first, hdr.nlmsg_len, [&](const Tlv &t) {
		if (offset >= t.start && offset < t.start + NLA_HDRLEN + t.len)
			found = t.type;
	});
	return found;
}

std::string describe(const Extack &ack, const nlmsghdr *request, const AttrNamer &name)
{
	std::string line = "Error: ";
	if (!ack.msg.empty())
		line += ack.msg;
	else if (ack.error)
		line += std::strerror(-ack.error);
	else
		line += "unknown error";

	auto attr_name = [&](int attr) { return name && attr >= 0 ? name(attr) : std::string(); };
	std::vector<std::string> details;
	if (ack.offset && request) {
		auto key = attr_name(attr_at_offset(request, *ack.offset));
		if (!key.empty())
			details.push_back("key: " + key);
	}
	if (ack.missing) {
		auto key = attr_name(static_cast<int>(*ack.missing));
		details.push_back(
			"missing: " +
			(key.empty() ? "attribute " + std::to_string(*ack.missing) : key));
	}
	if (ack.min && ack.max)
		details.push_back("allowed " + std::to_string(*ack.min) + ".." +
				  std::to_string(*ack.max));
	else if (ack.min)
		details.push_back("at least " + std::to_string(*ack.min));
	else if (ack.max)
		details.push_back("at most " + std::to_string(*ack.max));

	for (size_t i = 0; i < details.size(); i++)
		line += (i ? ", " : " (") + details[i];
	if (!details.empty())
		line += ")";
	return line;
}

} // namespace vpnmasq
