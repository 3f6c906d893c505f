// "monitor": the events of the module's multicast group, one line each.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "genl.hpp"
#include "protocol.hpp"

namespace vpnmasq {

struct MonitorOptions {
	const TableKind *table = nullptr; // only this table's events; all if null
	bool json = false;		  // one compact object per line
	bool timestamp = false;		  // prefix / "time" with the local time
	// The time stamp; tests replace it.
	std::function<std::string()> now;
};

// Prints the events of one notification on @out (flushed after each):
// the callback for Subscription::read(). Messages that are not events or
// carry no entry this tool knows are skipped.
class EventPrinter {
public:
	EventPrinter(MonitorOptions opt, std::ostream &out) : opt_(std::move(opt)), out_(out) {}
	// Not copied by mistake into a std::function: pass std::ref(printer).
	EventPrinter(const EventPrinter &) = delete;
	EventPrinter &operator=(const EventPrinter &) = delete;
	void operator()(const nlmsghdr *nlh, const Attrs &tb);
	size_t printed() const { return printed_; }

private:
	MonitorOptions opt_;
	std::ostream &out_;
	size_t printed_ = 0;
};

// The line on stderr when the kernel dropped events.
inline constexpr const char kEventsLost[] = "vpnmasq-ctl: events lost (receive buffer full)";

// Joins the events group and prints until SIGINT or SIGTERM (exit 0).
// Throws FamilyNotFound, NetlinkError (EPERM: "needs CAP_NET_ADMIN").
int monitor(const MonitorOptions &opt, std::ostream &out, std::ostream &err);

} // namespace vpnmasq
