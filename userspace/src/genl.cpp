#include "genl.hpp"

#include <sys/socket.h>

#include <cstdlib>
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
// Notifications come in bursts (a flush of thousands of entries): with the
// privilege the group asks for anyway, the cap does not apply.
constexpr int kEventRcvBuf = 4 * 1024 * 1024;

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

namespace {

// The messages of one dump attempt, copied back to back into one buffer
// (NLMSG_ALIGNed like in a datagram): no allocation per entry, and nothing
// is delivered before the dump is known to be consistent.
class Kept {
public:
	void add(const nlmsghdr *nlh)
	{
		const auto *p = reinterpret_cast<const uint8_t *>(nlh);
		size_t at = bytes_.size();
		bytes_.resize(at + NLMSG_ALIGN(nlh->nlmsg_len));
		std::memcpy(bytes_.data() + at, p, nlh->nlmsg_len);
		count_++;
	}
	size_t count() const { return count_; }
	template <typename Fn> void for_each(Fn &&fn) const
	{
		size_t pos = 0;
		while (pos < bytes_.size()) {
			const auto *nlh = reinterpret_cast<const nlmsghdr *>(bytes_.data() + pos);
			fn(nlh);
			pos += NLMSG_ALIGN(nlh->nlmsg_len);
		}
	}

private:
	std::vector<uint8_t> bytes_;
	size_t count_ = 0;
};

// Parses messages into one attribute table, reused for every message.
class Parser {
public:
	explicit Parser(int maxattr) : tb_(maxattr + 1), maxattr_(maxattr) {}
	Attrs parse(const nlmsghdr *nlh)
	{
		// genlmsg_parse() checks the header length and the attributes'
		// bounds, and clears the table first.
		if (genlmsg_parse(const_cast<nlmsghdr *>(nlh), 0, tb_.data(), maxattr_, nullptr) <
		    0)
			throw NetlinkError(libnl_error(NLE_MSG_TOOSHORT),
					   "malformed message from the kernel");
		return Attrs(tb_.data(), maxattr_);
	}

private:
	std::vector<nlattr *> tb_;
	int maxattr_;
};

// The fake kernel of the socket libnl is reading from (one per thread).
thread_local FakeKernel *t_fake = nullptr;

class FakeScope {
public:
	explicit FakeScope(FakeKernel *fake) : prev_(t_fake) { t_fake = fake; }
	~FakeScope() { t_fake = prev_; }
	FakeScope(const FakeScope &) = delete;
	FakeScope &operator=(const FakeScope &) = delete;

private:
	FakeKernel *prev_;
};

// nl_recv()'s stand-in: the datagram in a malloc()ed buffer, as libnl
// frees it.
int fake_recv(nl_sock *, sockaddr_nl *nla, unsigned char **buf, ucred **)
{
	std::vector<uint8_t> d;
	int n = t_fake ? t_fake->receive(d) : -NLE_BAD_SOCK;
	if (n <= 0)
		return n;
	n = static_cast<int>(d.size());
	*buf = static_cast<unsigned char *>(std::malloc(d.size()));
	if (!*buf)
		return -NLE_NOMEM;
	std::memcpy(*buf, d.data(), d.size());
	nla->nl_family = AF_NETLINK;
	nla->nl_pid = 0;
	return n;
}

int accept_any_seq(nl_msg *, void *)
{
	return NL_OK;
}

} // namespace

// State of one request/reply exchange, shared with libnl's C callbacks.
struct Genl::Exchange {
	explicit Exchange(int max) : parser(max) {}
	Parser parser;
	const ReplyFn *on_reply = nullptr; // called per reply, or
	Kept *kept = nullptr;		   // copies kept (dumps)
	bool keep_interrupted = false;	   // go on keeping after NLM_F_DUMP_INTR
	std::optional<Extack> ack;	   // error, ACK or DONE
	bool done = false;
	bool interrupted = false;
	std::exception_ptr failure; // thrown by on_reply: rethrown after libnl returns
};

namespace {

using Exchange = Genl::Exchange;

int on_valid(nl_msg *msg, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	const nlmsghdr *nlh = nlmsg_hdr(msg);
	try {
		if (x->kept) {
			// An interrupted attempt is thrown away: no copies.
			if (!x->interrupted || x->keep_interrupted)
				x->kept->add(nlh);
		} else if (x->on_reply && *x->on_reply) {
			(*x->on_reply)(x->parser.parse(nlh));
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

namespace {

// A connected generic netlink socket with extended acks and buffers of
// @rcvbuf / @sndbuf bytes.
SockPtr open_genl(int rcvbuf, int sndbuf)
{
	SockPtr sock(nl_socket_alloc());
	if (!sock)
		throw out_of_memory();
	int err = genl_connect(sock.get());
	if (err < 0)
		throw nl_failure("cannot open a generic netlink socket", err);
	// Extended acks: the kernel's reason and the offending attribute.
	// Kernels without it just send plain errors.
	int one = 1;
	setsockopt(nl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	err = nl_socket_set_buffer_size(sock.get(), rcvbuf, sndbuf);
	if (err < 0)
		throw nl_failure("cannot size the netlink socket buffers", err);
	// Peek at each datagram's size so that none is ever truncated.
	nl_socket_enable_msg_peek(sock.get());
	return sock;
}

int resolve_family(nl_sock *sock, const std::string &family)
{
	int id = genl_ctrl_resolve(sock, family.c_str());
	if (id == -NLE_OBJ_NOTFOUND)
		throw FamilyNotFound(family);
	if (id < 0)
		throw nl_failure("cannot resolve the generic netlink family \"" + family + "\"",
				 id);
	return id;
}

} // namespace

Genl::Genl(const std::string &family, int maxattr, AttrNamer namer)
	: sock_(open_genl(kRcvBuf, kSndBuf)), maxattr_(maxattr), namer_(std::move(namer))
{
	family_ = resolve_family(sock_.get(), family);
}

Genl::Genl(FakeKernel &fake, int family, int maxattr, AttrNamer namer)
	: sock_(nl_socket_alloc()), fake_(&fake), family_(family), maxattr_(maxattr),
	  namer_(std::move(namer))
{
	if (!sock_)
		throw out_of_memory();
}

void Genl::exchange(nl_msg *msg, Exchange &x)
{
	CbPtr cb(nl_cb_alloc(NL_CB_CUSTOM));
	if (!cb)
		throw out_of_memory();
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb.get(), NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, &x);
	nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_end, &x);
	nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_end, &x);
	nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &x);

	FakeScope scope(fake_);
	if (fake_) {
		nl_cb_overwrite_recv(cb.get(), fake_recv);
		nl_complete_msg(sock_.get(), msg);
		fake_->request(nlmsg_hdr(msg));
	} else {
		int err = nl_send_auto(sock_.get(), msg);
		if (err < 0)
			throw nl_failure("cannot send to the kernel", err);
	}

	// libnl reads on until a multipart reply's NLMSG_DONE by itself, so
	// this loop turns once per reply of a request and once per dump.
	while (!x.done) {
		int err = nl_recvmsgs(sock_.get(), cb.get());
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

DumpOutcome Genl::dump(const std::function<MsgPtr()> &build, const ReplyFn &on_reply, int attempts)
{
	DumpOutcome outcome;
	for (;;) {
		outcome.attempts++;
		const bool last = outcome.attempts >= attempts;
		Kept kept;
		Exchange x(maxattr_);
		x.kept = &kept;
		x.keep_interrupted = last;
		auto msg = build();
		exchange(msg.get(), x);
		if (x.interrupted && !last)
			continue;
		outcome.consistent = !x.interrupted;
		outcome.messages = kept.count();
		if (on_reply)
			kept.for_each([&](const nlmsghdr *nlh) { on_reply(x.parser.parse(nlh)); });
		return outcome;
	}
}

Subscription::Subscription(const std::string &family, const std::string &group, int maxattr)
	: sock_(open_genl(kRcvBuf, kSndBuf)), maxattr_(maxattr)
{
	resolve_family(sock_.get(), family);
	int grp = genl_ctrl_resolve_grp(sock_.get(), family.c_str(), group.c_str());
	if (grp < 0)
		throw nl_failure("the generic netlink family \"" + family +
					 "\" has no multicast group \"" + group + "\"",
				 grp);
	int err = nl_socket_add_membership(sock_.get(), grp);
	if (err < 0)
		throw nl_failure("cannot join the multicast group \"" + group + "\" of \"" +
					 family + "\"",
				 err);
	// Bursts of events: a larger buffer than the cap, where allowed.
	const int fd = nl_socket_get_fd(sock_.get());
	int size = kEventRcvBuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	// Notifications carry no sequence number of ours.
	nl_socket_disable_seq_check(sock_.get());
	err = nl_socket_set_nonblocking(sock_.get());
	if (err < 0)
		throw nl_failure("cannot make the netlink socket non-blocking", err);
}

Subscription::Subscription(FakeKernel &fake, int maxattr)
	: sock_(nl_socket_alloc()), fake_(&fake), maxattr_(maxattr)
{
	if (!sock_)
		throw out_of_memory();
}

int Subscription::fd() const
{
	return fake_ ? -1 : nl_socket_get_fd(sock_.get());
}

namespace {

struct Notification {
	explicit Notification(int max) : parser(max) {}
	Parser parser;
	const std::function<void(const nlmsghdr *, const Attrs &)> *on_message = nullptr;
	std::exception_ptr failure;
};

int on_notification(nl_msg *msg, void *arg)
{
	auto *n = static_cast<Notification *>(arg);
	const nlmsghdr *nlh = nlmsg_hdr(msg);
	try {
		(*n->on_message)(nlh, n->parser.parse(nlh));
	} catch (...) {
		n->failure = std::current_exception();
		return NL_STOP;
	}
	return NL_OK;
}

} // namespace

bool Subscription::read(const std::function<void(const nlmsghdr *, const Attrs &)> &on_message,
			const std::function<void()> &on_lost)
{
	Notification n(maxattr_);
	n.on_message = &on_message;
	CbPtr cb(nl_cb_alloc(NL_CB_CUSTOM));
	if (!cb)
		throw out_of_memory();
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_notification, &n);
	nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, nullptr);
	FakeScope scope(fake_);
	if (fake_)
		nl_cb_overwrite_recv(cb.get(), fake_recv);

	// > 0: a datagram was read; -NLE_AGAIN (libnl 3.7) or 0 (older
	// ones): none was there.
	int err = nl_recvmsgs_report(sock_.get(), cb.get());
	if (n.failure)
		std::rethrow_exception(n.failure);
	if (err == -NLE_AGAIN)
		return false;
	if (err == -NLE_NOMEM) { // ENOBUFS: the kernel dropped messages
		if (on_lost)
			on_lost();
		return true;
	}
	if (err < 0)
		throw nl_failure("cannot read from the kernel", err);
	return err > 0;
}

} // namespace vpnmasq
