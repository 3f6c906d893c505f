#include "commands.hpp"

#include <array>

#include <CLI/CLI.hpp>

#include "errors.hpp"
#include "format.hpp"

namespace vpnmasq {

namespace {

std::string in_quotes(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

void no_args(const Context &c, std::string_view command)
{
	if (!c.args.empty())
		throw UsageError(std::string(command) + ": unexpected argument " +
				 in_quotes(c.args[0]));
}

int cmd_version(Context &c)
{
	no_args(c, "version");
	// The tool's version is printed even when the module cannot be asked.
	std::optional<std::string> module;
	std::exception_ptr failure;
	try {
		Genl nl = connect_vpnmasq();
		module = get_config(nl).module_version.value_or("(unknown)");
	} catch (const std::exception &) {
		failure = std::current_exception();
	}
	if (c.opt.json)
		c.print(version_json(module));
	else
		c.out << version_text(module);
	if (failure)
		std::rethrow_exception(failure);
	return kExitOk;
}

int cmd_get(Context &c)
{
	if (c.args.size() > 1)
		throw UsageError("get: expected one KEY (or none for all), got " +
				 std::to_string(c.args.size()) + " arguments");
	const Key *key = nullptr;
	if (!c.args.empty() && c.args[0] != "all") {
		key = find_key(c.args[0]);
		if (!key)
			throw UsageError("get: unknown key " + in_quotes(c.args[0]) +
					 " (see: vpnmasq-ctl help)");
	}
	Genl nl = connect_vpnmasq();
	Config cfg = get_config(nl);
	if (!key) {
		if (c.opt.json)
			c.print(config_json(cfg));
		else
			c.out << config_text(cfg);
		return kExitOk;
	}
	auto v = cfg.value(*key);
	if (!v)
		throw NetlinkError(std::make_error_code(std::errc::protocol_error),
				   "the module did not report " + in_quotes(key->name) +
					   " (is it older than vpnmasq-ctl?)");
	if (c.opt.json)
		c.print(Json{{std::string(key->name), value_json(*key, *v)}});
	else
		c.out << value_text(*key, *v) << "\n";
	return kExitOk;
}

int cmd_set(Context &c)
{
	auto settings = parse_settings(c.args);
	Genl nl = connect_vpnmasq();
	set_config(nl, settings);
	return kExitOk;
}

int cmd_show(Context &c)
{
	if (c.args.size() > 1)
		throw UsageError("show: expected at most one of ike, esp, pending, pptp");
	const TableKind *table = nullptr;
	if (!c.args.empty()) {
		table = find_table(c.args[0]);
		if (!table)
			throw UsageError("show: unknown table " + in_quotes(c.args[0]) +
					 " (expected ike, esp, pending or pptp)");
	}
	Genl nl = connect_vpnmasq();
	if (table) {
		Json rows = dump_table(nl, *table);
		if (c.opt.json)
			c.print(Json{{std::string(table->name), rows}});
		else
			c.out << entries_text(*table, rows);
		return kExitOk;
	}
	Config cfg = get_config(nl);
	Stats st = get_stats(nl);
	if (c.opt.json)
		c.print(show_json(cfg, st));
	else
		c.out << show_text(cfg, st);
	return kExitOk;
}

int cmd_stats(Context &c)
{
	no_args(c, "stats");
	Genl nl = connect_vpnmasq();
	Stats st = get_stats(nl);
	if (c.opt.json)
		c.print(stats_json(st));
	else
		c.out << stats_text(st);
	return kExitOk;
}

int cmd_help(Context &c)
{
	c.out << usage();
	return kExitOk;
}

constexpr std::array kCommands{
	Command{"show", "[ike|esp|pending|pptp]",
		"summary (version, tunables, non-zero counters), or an association table",
		cmd_show},
	Command{"get", "[KEY|all]", "print one tunable or all of them", cmd_get},
	Command{"set", "KEY VALUE [KEY VALUE]...",
		"change tunables in one message: all of them or none", cmd_set},
	Command{"stats", "", "print every counter", cmd_stats},
	Command{"version", "", "print the tool's and the module's version", cmd_version},
	Command{"help", "", "print this text", cmd_help},
};

} // namespace

void Context::print(const Json &j) const
{
	out << to_json_text(j, opt.pretty);
}

std::span<const Command> commands()
{
	return kCommands;
}

const Command *find_command(std::string_view name)
{
	for (const auto &c : kCommands)
		if (c.name == name)
			return &c;
	return nullptr;
}

Invocation parse_command_line(const std::vector<std::string> &args)
{
	Invocation inv;
	CLI::App app{"vpnmasq-ctl"};
	app.set_help_flag(); // -h is ours: usage() on stdout, exit 0
	app.add_flag("-j,--json", inv.opt.json);
	app.add_flag("-p,--pretty", inv.opt.pretty);
	app.add_flag("-h,--help", inv.help);
	// Global options come first; the subcommand and everything after it
	// are left alone (so that "set KEY -1" reaches the value parser).
	app.prefix_command();
	try {
		std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11's order
		app.parse(reversed);
	} catch (const CLI::ParseError &e) {
		throw UsageError(std::string(e.what()) + " (see: vpnmasq-ctl help)");
	}
	auto rest = app.remaining();
	if (!rest.empty() && rest[0] == "--")
		rest.erase(rest.begin());
	if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-')
		throw UsageError("unknown option " + in_quotes(rest[0]) +
				 " (see: vpnmasq-ctl help)");
	inv.command = rest.empty() ? "show" : rest[0];
	if (!rest.empty())
		inv.args.assign(rest.begin() + 1, rest.end());
	return inv;
}

std::string usage()
{
	std::string s = "Usage: vpnmasq-ctl [-j [-p]] [COMMAND [ARGUMENTS]...]\n"
			"\n"
			"See and tune vpnmasq in the current network namespace.\n"
			"\n"
			"Options:\n"
			"  -j, --json    print JSON\n"
			"  -p, --pretty  indent the JSON\n"
			"  -h, --help    print this text\n"
			"\n"
			"Commands (default: show):\n";
	for (const auto &c : kCommands) {
		std::string line = "  " + std::string(c.name);
		if (!c.synopsis.empty())
			line += " " + std::string(c.synopsis);
		s += line + "\n      " + std::string(c.help) + "\n";
	}
	s += "\nKeys (VALUE is an unsigned decimal integer; on/off, yes/no, true/false for 0/1):\n";
	for (const auto &k : keys()) {
		std::string def = k.boolean ? (k.def ? "on" : "off") : std::to_string(k.def);
		if (!k.unit.empty())
			def += " " + std::string(k.unit);
		s += "  " + std::string(k.name) + " (default " + def + ")\n      " +
		     std::string(k.help) + "\n";
	}
	s += "\nExit status: 0 success, 1 the kernel refused or failed, 2 bad command line,\n"
	     "3 generic netlink family \"vpnmasq\" not found (module not loaded).\n";
	return s;
}

int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
	try {
		Invocation inv = parse_command_line(args);
		if (inv.help) {
			out << usage();
			return kExitOk;
		}
		const Command *cmd = find_command(inv.command);
		if (!cmd)
			throw UsageError("unknown command " + in_quotes(inv.command) +
					 " (see: vpnmasq-ctl help)");
		Context ctx{inv.opt, std::move(inv.args), out, err};
		return cmd->handler(ctx);
	} catch (const std::exception &e) {
		return report(e, err);
	}
}

} // namespace vpnmasq
