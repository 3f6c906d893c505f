// Extended acknowledgements (NLMSGERR_ATTR_*) read from an NLMSG_ERROR
// message by hand: libnl 3.7 has no API for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <linux/netlink.h>

namespace vpnmasq {

struct Extack {
	int error = 0; // negative errno, 0 for a plain ACK
	std::string msg;
	std::optional<uint32_t> offset; // of the offending attribute in the request
	std::optional<uint64_t> min, max; // the policy's range, if reported
};

// @nlh is an NLMSG_ERROR message of @len bytes as received.
Extack parse_error(const nlmsghdr *nlh, size_t len);

// The type of the top-level attribute of genetlink @request that the
// kernel's offset points into, or -1.
int attr_at_offset(const nlmsghdr *request, uint32_t offset);

} // namespace vpnmasq
