#include "extack.hpp"

#include <cstring>

#include <linux/genetlink.h>

namespace vpnmasq {

namespace {

struct Tlv {
	const nlattr *nla;
	const uint8_t *payload;
	size_t len;
};

// Calls @fn for every well-formed attribute in [p, p + len).
template <typename Fn> void for_each_attr(const uint8_t *p, size_t len, Fn fn)
{
	while (len >= NLA_HDRLEN) {
		nlattr nla;
		std::memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return;
		fn(Tlv{reinterpret_cast<const nlattr *>(p), p + NLA_HDRLEN,
		       static_cast<size_t>(nla.nla_len - NLA_HDRLEN)},
		   nla.nla_type & NLA_TYPE_MASK);
		size_t step = NLA_ALIGN(nla.nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

uint64_t read_uint(const Tlv &t)
{
	uint64_t v = 0;
	if (t.len == 8) {
		std::memcpy(&v, t.payload, 8);
	} else if (t.len == 4) {
		uint32_t v32;
		std::memcpy(&v32, t.payload, 4);
		v = v32;
	}
	return v;
}

} // namespace

Extack parse_error(const nlmsghdr *nlh, size_t len)
{
	Extack ack;
	if (len < NLMSG_HDRLEN + sizeof(nlmsgerr) || nlh->nlmsg_type != NLMSG_ERROR)
		return ack;
	nlmsgerr err;
	const auto *base = reinterpret_cast<const uint8_t *>(nlh);
	std::memcpy(&err, base + NLMSG_HDRLEN, sizeof(err));
	ack.error = err.error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return ack;

	// The echoed request comes before the TLVs unless the ack is capped.
	size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err.msg.nlmsg_len - sizeof(nlmsghdr);
	off = NLMSG_ALIGN(off);
	size_t end = std::min<size_t>(len, nlh->nlmsg_len);
	if (off >= end)
		return ack;
	for_each_attr(base + off, end - off, [&](const Tlv &t, int type) {
		switch (type) {
		case NLMSGERR_ATTR_MSG:
			ack.msg.assign(reinterpret_cast<const char *>(t.payload),
				       strnlen(reinterpret_cast<const char *>(t.payload), t.len));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (t.len == 4)
				ack.offset = static_cast<uint32_t>(read_uint(t));
			break;
		case NLMSGERR_ATTR_POLICY:
			for_each_attr(t.payload, t.len, [&](const Tlv &p, int ptype) {
				if (ptype == NL_POLICY_TYPE_ATTR_MIN_VALUE_U)
					ack.min = read_uint(p);
				else if (ptype == NL_POLICY_TYPE_ATTR_MAX_VALUE_U)
					ack.max = read_uint(p);
			});
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
	if (offset < first || offset >= request->nlmsg_len)
		return -1;
	const auto *base = reinterpret_cast<const uint8_t *>(request);
	int found = -1;
	for_each_attr(base + first, request->nlmsg_len - first, [&](const Tlv &t, int type) {
		size_t start = reinterpret_cast<const uint8_t *>(t.nla) - base;
		if (offset >= start && offset < start + NLA_HDRLEN + t.len)
			found = type;
	});
	return found;
}

} // namespace vpnmasq
