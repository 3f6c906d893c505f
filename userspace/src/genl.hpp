// A small RAII layer over libnl-genl-3: one socket talking to one generic
// netlink family, requests with NLM_F_ACK and extended acks, dumps retried
// when the kernel flags them NLM_F_DUMP_INTR. Nothing here is specific to
// vpnmasq (the unit tests use it with the kernel's "nlctrl" family).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "extack.hpp"

namespace vpnmasq {

struct SockDeleter {
	void operator()(nl_sock *s) const { nl_socket_free(s); }
};
struct MsgDeleter {
	void operator()(nl_msg *m) const { nlmsg_free(m); }
};
struct CbDeleter {
	void operator()(nl_cb *c) const { nl_cb_put(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;
using CbPtr = std::unique_ptr<nl_cb, CbDeleter>;

// libnl's NLE_* codes as std::error_code, message from nl_geterror().
const std::error_category &libnl_category();
std::error_code libnl_error(int nlerr); // nlerr may be negative

// The top-level attributes of one message; out-of-range types read as
// absent, so a newer kernel's attributes are ignored.
class Attrs {
public:
	Attrs(nlattr *const *tb, int max) : tb_(tb), max_(max) {}
	nlattr *operator[](int type) const
	{
		return type >= 0 && type <= max_ ? tb_[type] : nullptr;
	}
	int max() const { return max_; }

private:
	nlattr *const *tb_;
	int max_;
};

using ReplyFn = std::function<void(const Attrs &)>;

// A request header for @family (no socket needed, so it is unit-testable).
// libnl adds NLM_F_REQUEST when sending.
MsgPtr new_request(int family, uint8_t cmd, uint8_t version, int flags);

class Genl {
public:
	// Connects and resolves @family. Throws FamilyNotFound if the kernel
	// does not know it, NetlinkError on other failures. @maxattr sizes the
	// attribute table of replies; @namer names request attributes in
	// error lines.
	Genl(const std::string &family, int maxattr, AttrNamer namer = {});

	int family() const { return family_; }

	// Sends @msg (built with NLM_F_ACK) and reads replies until the
	// acknowledgement. Throws KernelError with the extack description.
	void request(nl_msg *msg, const ReplyFn &on_reply = {});

	// Sends the dump request that @build makes and calls @on_reply for
	// every entry of a consistent dump, retrying a few times while the
	// kernel reports NLM_F_DUMP_INTR.
	void dump(const std::function<MsgPtr()> &build, const ReplyFn &on_reply);

	// One request/reply exchange, shared with libnl's C callbacks
	// (defined in genl.cpp).
	struct Exchange;

private:
	void exchange(nl_msg *msg, Exchange &x);

	SockPtr sock_;
	int family_ = -1;
	int maxattr_;
	AttrNamer namer_;
};

} // namespace vpnmasq
