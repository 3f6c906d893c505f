// Extended acknowledgements (NLMSGERR_ATTR_*), read by hand from NLMSG_ERROR
// and NLMSG_DONE messages: libnl 3.7 has no API for them. Works on raw
// bytes, so the unit tests need neither a socket nor a kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <linux/netlink.h>

namespace vpnmasq {

struct Extack {
	int error = 0;			  // negative errno, 0 for a plain ACK
	std::string msg;		  // NLMSGERR_ATTR_MSG
	std::optional<uint32_t> offset;	  // NLMSGERR_ATTR_OFFS: into the request
	std::optional<uint64_t> min, max; // NLMSGERR_ATTR_POLICY's unsigned range
	std::optional<uint32_t> missing;  // NLMSGERR_ATTR_MISS_TYPE
};

// Parses an NLMSG_ERROR (capped or not) or NLMSG_DONE message of @len
// received bytes. nullopt if it is neither or too short to hold the error.
std::optional<Extack> parse_ack(const nlmsghdr *nlh, size_t len);

// The type of the top-level attribute of the generic netlink @request that
// @offset (from the start of its nlmsghdr) points into, or -1.
int attr_at_offset(const nlmsghdr *request, uint32_t offset);

// Names an attribute of the request for the user ("" if it has none).
using AttrNamer = std::function<std::string(int attr)>;

// The stderr line for a refusal:
//   "Error: <message or strerror> (key: NAME, allowed MIN..MAX)".
// @request may be null; @name may be empty.
std::string describe(const Extack &ack, const nlmsghdr *request, const AttrNamer &name);

} // namespace vpnmasq
