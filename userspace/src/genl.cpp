#include "genl.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include "keys.hpp"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace vpnmasq {

namespace {

struct Exchange {
	const ReplyFn *on_reply;
	Extack ack;
	bool done = false;
	bool interrupted = false;
};

int on_valid(nl_msg *msg, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	nlmsghdr *nlh = nlmsg_hdr(msg);
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		x->interrupted = true;
	nlattr *tb[VPNMASQ_A_MAX + 1] = {};
	if (genlmsg_parse(nlh, 0, tb, VPNMASQ_A_MAX, nullptr) < 0)
		return NL_SKIP;
	if (x->on_reply && *x->on_reply)
		(*x->on_reply)(tb);
	return NL_OK;
}

int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
	auto *x = static_cast<Exchange *>(arg);
	auto *nlh = reinterpret_cast<nlmsghdr *>(reinterpret_cast<char *>(err) - NLMSG_HDRLEN);
	x->ack = parse_error(nlh, nlh->nlmsg_len);
	x->done = true;
	return NL_STOP;
}

int on_done(nl_msg *, void *arg)
{
	static_cast<Exchange *>(arg)->done = true;
	return NL_STOP;
}

} // namespace

MsgPtr new_request(int family, uint8_t cmd, int flags)
{
	MsgPtr msg(nlmsg_alloc());
	if (!msg)
		throw Error("out of memory", kRuntime);
	if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 VPNMASQ_GENL_VERSION))
		throw Error("cannot build a netlink message", kRuntime);
	return msg;
}

std::string describe(const Extack &ack, const nlmsghdr *request)
{
	std::string s = "Error: ";
	s += ack.msg.empty() ? std::strerror(-ack.error) : ack.msg;
	std::string detail;
	if (ack.offset && request) {
		int attr = attr_at_offset(request, *ack.offset);
		for (const auto &k : keys())
			if (k.attr == attr)
				detail = "key: " + std::string(k.name);
	}
	if (ack.min && ack.max) {
		if (!detail.empty())
			detail += ", ";
		detail += "allowed " + std::to_string(*ack.min) + ".." + std::to_string(*ack.max);
	}
	if (!detail.empty())
		s += " (" + detail + ")";
	return s;
}

Genl::Genl() : sock_(nl_socket_alloc())
{
	if (!sock_)
		throw Error("vpnmasq-ctl: out of memory", kRuntime);
	int err = genl_connect(sock_.get());
	if (err < 0)
		throw Error(std::string("vpnmasq-ctl: cannot open a netlink socket: ") +
				    nl_geterror(err),
			    kRuntime);
	int one = 1;
	setsockopt(nl_socket_get_fd(sock_.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(sock_.get(), 1 << 20, 0);
	nl_socket_set_msg_buf_size(sock_.get(), 1 << 16);
	family_ = genl_ctrl_resolve(sock_.get(), VPNMASQ_GENL_NAME);
	if (family_ < 0)
		throw Error("vpnmasq-ctl: generic netlink family \"" VPNMASQ_GENL_NAME
			    "\" not found (is the module loaded? try: modprobe vpnmasq)",
			    kNoModule);
}

bool Genl::exchange(nl_msg *msg, const ReplyFn &on_reply, bool is_dump)
{
	int err = nl_send_auto(sock_.get(), msg);
	if (err < 0)
		throw Error(std::string("vpnmasq-ctl: cannot send: ") + nl_geterror(err), kRuntime);
	Exchange x{&on_reply, {}, false, false};
	CbPtr cb(nl_cb_alloc(NL_CB_CUSTOM));
	if (!cb)
		throw Error("vpnmasq-ctl: out of memory", kRuntime);
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &x);
	nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &x);
	nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &x);
	while (!x.done) {
		err = nl_recvmsgs(sock_.get(), cb.get());
		if (err < 0 && !x.done)
			throw Error(std::string("vpnmasq-ctl: netlink: ") + nl_geterror(err), kRuntime);
	}
	if (x.ack.error < 0)
		throw Error(describe(x.ack, nlmsg_hdr(msg)), kRuntime);
	return !(is_dump && x.interrupted);
}

void Genl::request(MsgPtr msg, const ReplyFn &on_reply)
{
	exchange(msg.get(), on_reply, false);
}

void Genl::dump(uint8_t cmd, const ReplyFn &on_reply)
{
	// Entries seen in an interrupted dump are thrown away with it.
	for (int attempt = 0; attempt < 10; attempt++) {
		auto msg = new_request(family_, cmd, NLM_F_DUMP);
		std::vector<std::vector<uint8_t>> replies;
		bool complete = exchange(msg.get(), [&](Attrs tb) {
			// The message buffer is reused: keep a copy of its attributes.
			std::vector<uint8_t> buf;
			for (int i = 0; i <= VPNMASQ_A_MAX; i++) {
				if (!tb[i])
					continue;
				auto *p = reinterpret_cast<const uint8_t *>(tb[i]);
				buf.insert(buf.end(), p, p + NLA_ALIGN(tb[i]->nla_len));
			}
			replies.push_back(std::move(buf));
		}, true);
		if (!complete)
			continue;
		for (auto &buf : replies) {
			nlattr *tb[VPNMASQ_A_MAX + 1] = {};
			nla_parse(tb, VPNMASQ_A_MAX, reinterpret_cast<nlattr *>(buf.data()),
				  static_cast<int>(buf.size()), nullptr);
			on_reply(tb);
		}
		return;
	}
	throw Error("vpnmasq-ctl: the table kept changing during the dump; try again", kRuntime);
}

} // namespace vpnmasq
