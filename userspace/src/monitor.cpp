#include "monitor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>

#include <netlink/errno.h>

#include "errors.hpp"
#include "format.hpp"

namespace vpnmasq {

void EventPrinter::operator()(const nlmsghdr *nlh, const Attrs &tb)
{
	const auto *g = static_cast<const genlmsghdr *>(nlmsg_data(nlh));
	if (g->cmd != VPNMASQ_CMD_EVENT)
		return;
	auto ev = parse_event(tb);
	if (!ev || (opt_.table && ev->table != opt_.table))
		return;
	std::optional<std::string> time;
	if (opt_.timestamp)
		time = opt_.now ? opt_.now() : std::string();
	if (opt_.json)
		out_ << to_json_text(event_json(*ev, time), false);
	else
		out_ << event_text(*ev, time);
	out_.flush(); // a file or pipe sees each event at once
	if (!out_)
		throw NetlinkError(std::make_error_code(std::errc::io_error),
				   "cannot write the output");
	printed_++;
}

namespace {

// SIGINT and SIGTERM blocked and readable from a descriptor while it
// lives; the mask and the dispositions are restored after.
class StopSignals {
public:
	StopSignals()
	{
		sigemptyset(&set_);
		sigaddset(&set_, SIGINT);
		sigaddset(&set_, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &set_, &old_mask_) < 0)
			throw NetlinkError(std::error_code(errno, std::generic_category()),
					   std::string("cannot block signals: ") + strerror(errno));
		// A script's background job inherits SIGINT ignored, and an
		// ignored signal never reaches the descriptor.
		struct sigaction dfl {};
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGINT, &dfl, &old_int_);
		sigaction(SIGTERM, &dfl, &old_term_);
		fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
		if (fd_ < 0) {
			int e = errno;
			restore();
			throw NetlinkError(std::error_code(e, std::generic_category()),
					   std::string("cannot watch signals: ") + strerror(e));
		}
	}
	~StopSignals()
	{
		close(fd_);
		restore();
	}
	StopSignals(const StopSignals &) = delete;
	StopSignals &operator=(const StopSignals &) = delete;
	int fd() const { return fd_; }

	// True if a signal came; it is taken from the descriptor, so that it
	// is not delivered (with its default action) once unblocked.
	bool taken()
	{
		signalfd_siginfo info;
		return read(fd_, &info, sizeof(info)) == sizeof(info);
	}

private:
	void restore()
	{
		sigaction(SIGINT, &old_int_, nullptr);
		sigaction(SIGTERM, &old_term_, nullptr);
		sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
	}

	sigset_t set_{}, old_mask_{};
	struct sigaction old_int_ {
	}, old_term_{};
	int fd_ = -1;
};

std::string now_iso8601()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return iso8601_local(ts);
}

} // namespace

int monitor(const MonitorOptions &opt, std::ostream &out, std::ostream &err)
{
	// Signals first: one arriving while joining ends the monitor cleanly.
	StopSignals stop;
	std::optional<Subscription> sub;
	try {
		sub.emplace(subscribe_events());
	} catch (const NetlinkError &e) {
		if (e.code() == libnl_error(NLE_PERM))
			throw NetlinkError(e.code(),
					   std::string("monitor: ") + e.what() +
						   " (the events group needs CAP_NET_ADMIN)");
		throw;
	}
	MonitorOptions o = opt;
	if (!o.now)
		o.now = now_iso8601;
	EventPrinter print(o, out);
	auto lost = [&] { err << kEventsLost << std::endl; };

	pollfd fds[2] = {{stop.fd(), POLLIN, 0}, {sub->fd(), POLLIN, 0}};
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			throw NetlinkError(std::error_code(errno, std::generic_category()),
					   std::string("poll: ") + strerror(errno));
		}
		if ((fds[0].revents & POLLIN) && stop.taken())
			return kExitOk;
		if (fds[1].revents & POLLNVAL)
			throw NetlinkError(std::make_error_code(std::errc::bad_file_descriptor),
					   "the netlink socket went away");
		// POLLERR: the kernel dropped events (ENOBUFS), read() says so.
		if (fds[1].revents & (POLLIN | POLLERR))
			while (sub->read(std::ref(print), lost)) {
				// drain what is queued before polling again
				if (stop.taken())
					return kExitOk;
			}
	}
}

} // namespace vpnmasq
