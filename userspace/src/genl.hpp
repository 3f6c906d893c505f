// A small RAII layer over libnl-genl-3: one socket talking to one generic
// netlink family, requests with NLM_F_ACK and extended acks, dumps retried
// when the kernel flags them NLM_F_DUMP_INTR, and a socket of its own for a
// multicast group. Nothing here is specific to vpnmasq (the unit tests use
// it with the kernel's "nlctrl" family and with a fake kernel).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

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

// Stands in for the kernel in unit tests: sees every request as sent and
// hands out the datagrams the socket receives.
class FakeKernel {
public:
	virtual ~FakeKernel() = default;
	// A request, with the sequence number and port libnl filled in.
	virtual void request(const nlmsghdr *nlh) = 0;
	// The next datagram into @out, returning its length, or a negative
	// NLE_* error: -NLE_AGAIN if there is none (a non-blocking socket).
	virtual int receive(std::vector<uint8_t> &out) = 0;
};

// How a dump went.
struct DumpOutcome {
	int attempts = 0;	// dumps requested, 1 unless interrupted
	bool consistent = true; // false: every attempt was interrupted and the
				// last one's entries were delivered anyway
	size_t messages = 0;	// entries delivered
};

class Genl {
public:
	static constexpr int kDumpAttempts = 8;

	// Connects and resolves @family. Throws FamilyNotFound if the kernel
	// does not know it, NetlinkError on other failures. @maxattr sizes the
	// attribute table of replies; @namer names request attributes in
	// error lines.
	Genl(const std::string &family, int maxattr, AttrNamer namer = {});
	// Talks to @fake (which must outlive this) as family @family.
	Genl(FakeKernel &fake, int family, int maxattr, AttrNamer namer = {});

	int family() const { return family_; }

	// Sends @msg (built with NLM_F_ACK) and reads replies until the
	// acknowledgement. Throws KernelError with the extack description.
	void request(nl_msg *msg, const ReplyFn &on_reply = {});

	// Sends the dump request that @build makes and calls @on_reply for
	// every entry of a consistent dump. While the kernel flags a dump
	// NLM_F_DUMP_INTR (the table changed under it) it is requested again,
	// @attempts times at most; if each one was interrupted, the entries
	// of the last are delivered and the outcome says so (an entry may
	// then be missing or come twice).
	DumpOutcome dump(const std::function<MsgPtr()> &build, const ReplyFn &on_reply,
			 int attempts = kDumpAttempts);

	// One request/reply exchange, shared with libnl's C callbacks
	// (defined in genl.cpp).
	struct Exchange;

private:
	void exchange(nl_msg *msg, Exchange &x);

	SockPtr sock_;
	FakeKernel *fake_ = nullptr;
	int family_ = -1;
	int maxattr_;
	AttrNamer namer_;
};

// A socket of its own joined to one multicast group of a family, for
// notifications (sequence numbers unchecked, non-blocking).
class Subscription {
public:
	// Throws FamilyNotFound if there is no @family, NetlinkError if it
	// has no @group or joining fails (EPERM without the privilege the
	// group asks for: error code NLE_PERM).
	Subscription(const std::string &family, const std::string &group, int maxattr);
	Subscription(FakeKernel &fake, int maxattr);

	int fd() const; // to poll; -1 with a fake kernel

	// Reads one datagram if there is one: calls @on_message for each of
	// its messages, @on_lost if the kernel dropped messages because the
	// receive buffer was full (ENOBUFS). Returns false if there was
	// nothing to read.
	bool read(const std::function<void(const nlmsghdr *, const Attrs &)> &on_message,
		  const std::function<void()> &on_lost);

private:
	SockPtr sock_;
	FakeKernel *fake_ = nullptr;
	int maxattr_;
};

} // namespace vpnmasq
