// vpnmasq-ctl's command line: global options, then a subcommand from one
// table (like wg's), each with its synopsis, help, completion words and
// handler. Help, dispatch and the bash completion are all made from it.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol.hpp"

namespace vpnmasq {

struct Options {
	bool json = false;		  // -j
	bool pretty = false;		  // -p: indent JSON
	bool stats = false;		  // -s: per-entry counter columns
	bool timestamp = false;		  // -t: monitor lines with the time
	bool no_headers = false;	  // --no-headers
	std::optional<std::string> batch; // -b FILE
};

// A global option, for help and completion (parse_command_line() knows
// the same ones; a unit test keeps them in step).
struct GlobalOption {
	std::string_view short_name; // "-j", or "" if there is none
	std::string_view long_name;  // "--json"
	std::string_view arg;	     // "FILE" if it takes a value
	std::string_view help;
};
std::span<const GlobalOption> global_options();

// The command line split into global options, subcommand and its arguments.
struct Invocation {
	Options opt;
	bool help = false;   // -h / --help
	std::string command; // "show" if none was given (and no -b)
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

// What the completion offers for a command's arguments. Words are
// separated by spaces; "@keys" stands for every tunable's name and
// "@commands" for every command's.
struct Completion {
	std::string_view first{};	// words for the first argument
	std::string_view alone{};	// first words after which nothing follows
	std::string_view options{};	// words that may follow, once each
	std::string_view value_after{}; // words after which a value is typed (lan ADDR)
	bool first_required = false;	// the options only come after a first word
	bool first_takes_value = false; // del ike COOKIE: a value follows the first word
	bool pairs = false;		// set: KEY VALUE [KEY VALUE]...
};

struct Command {
	std::string_view name;
	std::string_view synopsis; // arguments after the name
	std::string_view help;	   // one line, for the list of commands
	std::string_view details;  // more, for "help COMMAND" ("" if none)
	Completion complete;
	// Returns the exit status; throws UsageError (checked before anything
	// is sent), FamilyNotFound, KernelError, NetlinkError.
	int (*handler)(Context &);
};

std::span<const Command> commands();
const Command *find_command(std::string_view name);

// The text of "vpnmasq-ctl help" and of "vpnmasq-ctl help COMMAND".
std::string usage();
std::string command_usage(const Command &c);

// "vpnmasq-ctl completion bash": a bash completion script made from the
// command table, the global options and the keys.
std::string bash_completion();

// Runs vpnmasq-ctl with @args (without argv[0]): prints results on @out and
// one line per failure on @err, returns the exit status.
int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace vpnmasq
