#include "genl.hpp"

#include <sys/socket.h>

#include <cstring>
#include <vector>

#include <netlink/errno.h>

#include "errors.hpp"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace vpnmasq {

namespace {

constexpr int kRcvBuf = 256 * 1024; // the kernel caps it at net.core.rmem_max
constexpr int kSndBuf = 32 * 1024;
constexpr int kDumpAttempts = 10;

class LibnlCategory : public std::error_category {
public:
	const char *name() const noexcept override { return "libnl"; }
	std::string message(int code) const override { return nl_geterror(code); }
};

} // namespace

const std::error_category &libnl_category()
{
	static const LibnlCategory category;
	return category;
}

std::error_code libnl_error(int nlerr)
{
	return {nlerr < 0 ? -nlerr : nlerr, libnl_category()};
}

namespace {

NetlinkError out_of_memory()
{
	return NetlinkError(std::make_error_code(std::errc::not_enough_memory), "out of memory");
}

NetlinkError nl_failure(const std::string &what, int nlerr)
{
	return NetlinkError(libnl_error(nlerr), what + ": " + nl_geterror(nlerr));
}

} // namespace

// State of one request/reply exchange, shared with libnl's C callbacks.
struct Genl::Exchange {
	explicit Exchange(int max) : maxattr(max) {}
	int maxattr;
	const ReplyFn *on_reply = nullptr;		   // called per reply, or
	std::vector<std::vector<uint8_t>> *kept = nullptr; // copies kept (dumps)
	std::optional<Extack> ack;			   // error, ACK or DONE
	bool done = false;
	bool interrupted = false;
	std::exception_ptr failure; // thrown by on_reply: rethrown after libnl returns
};

namespace {

using Exchange = Genl::Exchange;

void deliver(const nlmsghdr *nlh, int maxattr, const ReplyFn &fn)
{
	std::vector<nlattr *> tb(maxattr + 1);
	// genlmsg_parse() checks the header length and the attributes' bounds.
	if (genlmsg_parse(const_cast<nlmsghdr *>(nlh), 0, tb.data(), maxattr, nullptr) < 0)
		throw NetlinkError(libnl_error(NLE_MSG_TOOSHORT),
				   "malformed reply from the kernel");
	fn(Attrs(tb.data(), maxattr));
}

int on_valid(nl_msg *msg, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	const nlmsghdr *nlh = nlmsg_hdr(msg);
	try {
		if (x->kept) {
			const auto *p = reinterpret_cast<const uint8_t *>(nlh);
			x->kept->emplace_back(p, p + nlh->nlmsg_len);
		} else if (x->on_reply && *x->on_reply) {
			deliver(nlh, x->maxattr, *x->on_reply);
		}
	} catch (...) {
		x->failure = std::current_exception();
		x->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

int on_dump_intr(nl_msg *, void *arg)
{
	static_cast<Exchange *>(arg)->interrupted = true;
	return NL_OK;
}

// NLMSG_ERROR with a non-zero error. libnl hands over the nlmsgerr only;
// the nlmsghdr precedes it in the receive buffer, whose length libnl checked
// against nlmsg_len.
int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(reinterpret_cast<const char *>(err) -
							     NLMSG_HDRLEN);
	x->ack = parse_ack(nlh, nlh->nlmsg_len);
	if (!x->ack) {
		x->ack.emplace();
		x->ack->error = err->error;
	}
	x->done = true;
	return NL_STOP;
}

// NLMSG_ERROR with error 0 (the ACK) or NLMSG_DONE (end of a dump, with a
// negative error if the dump failed).
int on_end(nl_msg *msg, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	const nlmsghdr *nlh = nlmsg_hdr(msg);
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		x->interrupted = true;
	x->ack = parse_ack(nlh, nlh->nlmsg_len);
	x->done = true;
	return NL_STOP;
}

} // namespace

MsgPtr new_request(int family, uint8_t cmd, uint8_t version, int flags)
{
	MsgPtr msg(nlmsg_alloc());
	if (!msg)
		throw out_of_memory();
	if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, version))
		throw NetlinkError(libnl_error(NLE_NOMEM), "cannot build a netlink message");
	return msg;
}

Genl::Genl(const std::string &family, int maxattr, AttrNamer namer)
	: sock_(nl_socket_alloc()), maxattr_(maxattr), namer_(std::move(namer))
{
	if (!sock_)
		throw out_of_memory();
	int err = genl_connect(sock_.get());
	if (err < 0)
		throw nl_failure("cannot open a generic netlink socket", err);

	// Extended acks: the kernel's reason and the offending attribute.
	// Kernels without it just send plain errors.
	int one = 1;
	setsockopt(nl_socket_get_fd(sock_.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	err = nl_socket_set_buffer_size(sock_.get(), kRcvBuf, kSndBuf);
	if (err < 0)
		throw nl_failure("cannot size the netlink socket buffers", err);
	// Peek at each datagram's size so that no reply is ever truncated.
	nl_socket_enable_msg_peek(sock_.get());

	family_ = genl_ctrl_resolve(sock_.get(), family.c_str());
	if (family_ == -NLE_OBJ_NOTFOUND)
		throw FamilyNotFound(family);
	if (family_ < 0)
		throw nl_failure("cannot resolve the generic netlink family \"" + family + "\"",
				 family_);
}

void Genl::exchange(nl_msg *msg, Exchange &x)
{
	int err = nl_send_auto(sock_.get(), msg);
	if (err < 0)
		throw nl_failure("cannot send to the kernel", err);

	CbPtr cb(nl_cb_alloc(NL_CB_CUSTOM));
	if (!cb)
		throw out_of_memory();
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb.get(), NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, &x);
	nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_end, &x);
	nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_end, &x);
	nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &x);

	while (!x.done) {
		err = nl_recvmsgs(sock_.get(), cb.get());
		// After on_error's NL_STOP libnl returns the kernel's error
		// too: x.done tells the two apart.
		if (err < 0 && !x.done)
			throw nl_failure("cannot read the kernel's reply", err);
	}
	if (x.failure)
		std::rethrow_exception(x.failure);
	if (x.ack && x.ack->error < 0)
		throw KernelError(-x.ack->error, describe(*x.ack, nlmsg_hdr(msg), namer_));
}

void Genl::request(nl_msg *msg, const ReplyFn &on_reply)
{
	Exchange x(maxattr_);
	x.on_reply = &on_reply;
	exchange(msg, x);
}

void Genl::dump(const std::function<MsgPtr()> &build, const ReplyFn &on_reply)
{
	// The entries of an interrupted dump are thrown away with it, so they
	// are kept as copies until the dump is known to be consistent.
	for (int attempt = 0; attempt < kDumpAttempts; attempt++) {
		std::vector<std::vector<uint8_t>> kept;
		Exchange x(maxattr_);
		x.kept = &kept;
		auto msg = build();
		exchange(msg.get(), x);
		if (x.interrupted)
			continue;
		for (const auto &m : kept)
			deliver(reinterpret_cast<const nlmsghdr *>(m.data()), maxattr_, on_reply);
		return;
	}
	throw NetlinkError(std::make_error_code(std::errc::resource_unavailable_try_again),
			   "the table kept changing during the dump; try again");
}

} // namespace vpnmasq
