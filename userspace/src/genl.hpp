// A small RAII layer over libnl-genl-3 for the "vpnmasq" family.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/vpnmasq.h>

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

// Exit codes of vpnmasq-ctl (see vpnmasq-ctl(8)).
enum ExitCode { kOk = 0, kRuntime = 1, kUsage = 2, kNoModule = 3 };

// A failure with the exit code it maps to; what() is the one-line reason.
class Error : public std::runtime_error {
public:
	Error(const std::string &what, int code) : std::runtime_error(what), code_(code) {}
	int code() const { return code_; }

private:
	int code_;
};

// Top-level attributes of one reply, indexed by enum vpnmasq_attr.
using Attrs = nlattr *const *;
using ReplyFn = std::function<void(Attrs)>;

// Builds a request for @family (no socket needed: unit-testable).
MsgPtr new_request(int family, uint8_t cmd, int flags);

// "Error: <kernel's reason> (key: NAME, allowed MIN..MAX)" for @ack.
std::string describe(const Extack &ack, const nlmsghdr *request);

class Genl {
public:
	Genl(); // throws Error(kNoModule) if the family is not there
	int family() const { return family_; }
	// Sends @msg and waits for the kernel's acknowledgement.
	void request(MsgPtr msg, const ReplyFn &on_reply = {});
	// Dumps a table, retrying when it changed under the dump.
	void dump(uint8_t cmd, const ReplyFn &on_reply);

private:
	bool exchange(nl_msg *msg, const ReplyFn &on_reply, bool is_dump);
	SockPtr sock_;
	int family_ = -1;
};

} // namespace vpnmasq
