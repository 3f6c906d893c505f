// vpnmasq-ctl's command line: global options, then a subcommand from a
// table (like wg's), each with its synopsis, help and handler.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol.hpp"

namespace vpnmasq {

struct Options {
	bool json = false;   // -j
	bool pretty = false; // -p: indent JSON
};

// The command line split into global options, subcommand and its arguments.
struct Invocation {
	Options opt;
	bool help = false;   // -h / --help
	std::string command; // "show" if none was given
	std::vector<std::string> args;
};

// Parses @args (without argv[0]). Throws UsageError.
Invocation parse_command_line(const std::vector<std::string> &args);

struct Context {
	Options opt;
	std::vector<std::string> args; // after the subcommand's name
	std::ostream &out;
	std::ostream &err;

	void print(const Json &j) const;
};

struct Command {
	std::string_view name;
	std::string_view synopsis; // arguments after the name
	std::string_view help;
	// Returns the exit status; throws UsageError (checked before anything
	// is sent), FamilyNotFound, KernelError, NetlinkError.
	int (*handler)(Context &);
};

std::span<const Command> commands();
const Command *find_command(std::string_view name);

// The text of "vpnmasq-ctl help".
std::string usage();

// Runs vpnmasq-ctl with @args (without argv[0]): prints results on @out and
// one line per failure on @err, returns the exit status.
int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace vpnmasq
