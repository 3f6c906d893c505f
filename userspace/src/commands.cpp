#include "commands.hpp"

#include <array>

#include <CLI/CLI.hpp>

#include "args.hpp"
#include "batch.hpp"
#include "errors.hpp"
#include "format.hpp"
#include "monitor.hpp"

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

constexpr std::array kOptions{
	GlobalOption{"-j", "--json", "", "print JSON (compact); errors stay text on stderr"},
	GlobalOption{"-p", "--pretty", "", "indent the JSON"},
	GlobalOption{"-s", "--stats", "",
		     "add per-entry counter columns (packets, bytes, GRE, negotiations)"},
	GlobalOption{"-t", "--timestamp", "",
		     "monitor: each event starts with the local time (JSON: \"time\")"},
	GlobalOption{"", "--no-headers", "", "tables without their header line"},
	GlobalOption{"-b", "--batch", "FILE",
		     "apply the settings of FILE (- for stdin) in one message: all or none"},
	GlobalOption{"-h", "--help", "", "print this text"},
};

// "N associations removed" of flush and del.
void print_removed(const Context &c, std::optional<uint32_t> n)
{
	if (c.opt.json)
		c.print(Json{{"removed", n ? Json(*n) : Json(nullptr)}});
	else if (n)
		c.out << *n << " associations removed\n";
	else
		c.out << "associations removed (the module did not say how many)\n";
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

int cmd_showconf(Context &c)
{
	no_args(c, "showconf");
	Genl nl = connect_vpnmasq();
	Config cfg = get_config(nl);
	if (c.opt.json)
		c.print(config_json(cfg));
	else
		c.out << showconf_text(cfg);
	return kExitOk;
}

int cmd_show(Context &c)
{
	ShowArgs a = parse_show_args(c.args);
	Genl nl = connect_vpnmasq();
	if (!a.table) {
		Config cfg = get_config(nl);
		Stats st = get_stats(nl);
		if (c.opt.json)
			c.print(show_json(cfg, st));
		else
			c.out << show_text(cfg, st);
		return kExitOk;
	}
	std::vector<const TableKind *> kinds;
	if (*a.table == "all")
		for (const auto &t : table_kinds())
			kinds.push_back(&t);
	else
		kinds.push_back(find_table(*a.table));

	const TableStyle style{c.opt.stats, !c.opt.no_headers};
	Json j = Json::object();
	std::string text;
	for (const TableKind *kind : kinds) {
		TableDump d = dump_table(nl, *kind);
		if (!d.consistent)
			c.err << "vpnmasq-ctl: warning: the " << kind->name
			      << " table kept changing during " << d.attempts
			      << " dumps: each entry is listed once, but entries added or removed "
				 "meanwhile may be missing\n";
		Json rows = filter_rows(*kind, d.rows, a.filter);
		if (kinds.size() > 1)
			text += (text.empty() ? "" : "\n") + std::string(kind->name) + ":\n";
		text += entries_text(*kind, rows, style);
		j[std::string(kind->name)] = std::move(rows);
	}
	if (c.opt.json)
		c.print(j);
	else
		c.out << text;
	return kExitOk;
}

int cmd_flush(Context &c)
{
	FlushArgs a = parse_flush_args(c.args);
	Genl nl = connect_vpnmasq();
	print_removed(c, flush(nl, a.table, a.lan));
	return kExitOk;
}

int cmd_del(Context &c)
{
	DelArgs a = parse_del_args(c.args);
	Genl nl = connect_vpnmasq();
	print_removed(c, a.ike ? del_ike(nl, a.icookie, a.remote) : del_esp(nl, a.spi, a.remote));
	return kExitOk;
}

int cmd_stats(Context &c)
{
	StatsArgs a = parse_stats_args(c.args);
	Genl nl = connect_vpnmasq();
	if (a.reset) {
		reset_stats(nl);
		return kExitOk;
	}
	Stats st = get_stats(nl);
	if (c.opt.json) {
		c.print(stats_json(st, a.explain));
		return kExitOk;
	}
	std::string text = stats_text(st, a.all, a.explain);
	if (text.empty() && !c.opt.no_headers)
		text = "all counters are zero (stats --all lists them)\n";
	c.out << text;
	return kExitOk;
}

int cmd_monitor(Context &c)
{
	MonitorOptions o;
	o.table = parse_monitor_args(c.args);
	o.json = c.opt.json;
	o.timestamp = c.opt.timestamp;
	return monitor(o, c.out, c.err);
}

int cmd_help(Context &c)
{
	if (c.args.size() > 1)
		throw UsageError("help: expected at most one COMMAND");
	if (c.args.empty()) {
		c.out << usage();
		return kExitOk;
	}
	const Command *cmd = find_command(c.args[0]);
	if (!cmd)
		throw UsageError("help: unknown command " + in_quotes(c.args[0]) +
				 " (see: vpnmasq-ctl help)");
	c.out << command_usage(*cmd);
	return kExitOk;
}

int cmd_completion(Context &c)
{
	if (c.args.size() != 1 || c.args[0] != "bash")
		throw UsageError("completion: expected 'bash' (the only shell supported)");
	c.out << bash_completion();
	return kExitOk;
}

constexpr std::array kCommands{
	Command{"show",
		"[ike|esp|pending|pptp|nego|all] [lan ADDR] [peer ADDR]",
		"summary (version, tunables, non-zero counters), or association tables",
		"Without a table: the module's version, its tunables, the table sizes and the\n"
		"non-zero counters. With a table, its entries; \"all\" lists every table, one\n"
		"after another (JSON: one object with a list per table,\n"
		"{\"ike\":[...],\"esp\":[...],\"pending\":[...],\"pptp\":[...],\"nego\":[...]}).\n"
		"  lan ADDR   only the entries of this LAN host\n"
		"  peer ADDR  only the entries with this remote (pptp: the remote end)\n"
		"ike's and esp's HOW: how the entry came to name its LAN host (sent, pending,\n"
		"only-host, negotiation, gateway).\n"
		"pptp's DIR: out, the LAN host called a remote server; in, a remote client\n"
		"called a server on the LAN host through a port forward.\n"
		"nego: per LAN host and remote, what its completed negotiations entitle it to\n"
		"for LEFT more: SPIS unknown inbound SPIs, IKE-SAS new IKE SAs the remote\n"
		"starts, PAIRED new outbound SPIs that need not wait; IN-FLIGHT exchanges\n"
		"begun, LAST the type of the last completed one.\n"
		"Counter columns (packets, bytes, GRE, negotiations completed) need -s; JSON\n"
		"always has them.\n",
		{.first = "ike esp pending pptp nego all",
		 .options = "lan peer",
		 .value_after = "lan peer",
		 .first_required = true},
		cmd_show},
	Command{"get",
		"[KEY|all]",
		"print one tunable or all of them",
		"Prints the value of KEY as set takes it (a number; lan as PREFIX,PREFIX...\n"
		"or none), or every tunable.\n",
		{.first = "@keys all", .first_required = true},
		cmd_get},
	Command{"set",
		"KEY VALUE [KEY VALUE]...",
		"change tunables in one message: all of them or none",
		"Every KEY VALUE pair goes into one message: the kernel applies all of them\n"
		"or, if one is refused, none. Needs CAP_NET_ADMIN.\n"
		"lan takes the whole scope at once: PREFIX[,PREFIX]... (ADDR/LEN, or ADDR for\n"
		"one host; no host bits set, at most 16), default (the RFC 1918 ranges) or\n"
		"none, e.g.: set lan 192.168.1.0/24,10.8.0.0/16\n",
		{.first = "@keys", .pairs = true},
		cmd_set},
	Command{"showconf",
		"",
		"print the tunables as a file that -b reads back",
		"A comment header, then one 'set KEY VALUE' line per tunable (booleans as\n"
		"on/off, lan as PREFIX,PREFIX... or none). Edit it and apply it with:\n"
		"vpnmasq-ctl -b FILE\n",
		{},
		cmd_showconf},
	Command{"flush",
		"[ike|esp|pptp|all] [lan ADDR]",
		"remove associations: one table or all, of one LAN host or all",
		"Removes the associations of a table (default all), only those of the LAN\n"
		"host ADDR if given. esp includes the pending serialization slots; pptp ends\n"
		"the calls (their conntrack entries are deleted). Prints how many went.\n"
		"Needs CAP_NET_ADMIN.\n",
		{.first = "ike esp pptp all", .options = "lan", .value_after = "lan"},
		cmd_flush},
	Command{"del",
		"ike COOKIE [peer ADDR] | del esp SPI [peer ADDR]",
		"remove one ISAKMP association or the ESP associations of one SPI",
		"COOKIE: the initiator cookie, 16 hex digits; SPI: 1 to 8 hex digits; both as\n"
		"show prints them, 0x in front allowed. peer ADDR: only with this remote.\n"
		"Exits 1 if nothing matched. Needs CAP_NET_ADMIN.\n",
		{.first = "ike esp",
		 .options = "peer",
		 .value_after = "peer",
		 .first_required = true,
		 .first_takes_value = true},
		cmd_del},
	Command{"stats",
		"[--all] [--explain] | stats reset",
		"print the non-zero counters, or reset every counter to zero",
		"  --all      every counter, zero or not\n"
		"  --explain  a third column: what the counter means and, for refusals, what\n"
		"             to do about them\n"
		"  reset      set every counter to zero (needs CAP_NET_ADMIN)\n"
		"JSON always has every counter.\n",
		{.alone = "reset", .options = "--all --explain"},
		cmd_stats},
	Command{"monitor",
		"[ike|esp|pending|pptp|all]",
		"print associations as they come and go, until SIGINT or SIGTERM",
		"One line per event: 'new' or 'del', the table, the entry's fields and, for\n"
		"del, the reason (expired, flushed, deleted, ct_gone, answered, wait_over,\n"
		"closed, scope). -t puts the local time in front, -j prints one JSON object\n"
		"a line. Needs CAP_NET_ADMIN (the events group is privileged).\n",
		{.first = "ike esp pending pptp all", .first_required = true},
		cmd_monitor},
	Command{"version", "", "print the tool's and the module's version", "", {}, cmd_version},
	Command{"help",
		"[COMMAND]",
		"print this text, or more about one command",
		"",
		{.first = "@commands", .first_required = true},
		cmd_help},
	Command{"completion",
		"bash",
		"print a bash completion script",
		"Source it, or install it as\n"
		"/usr/share/bash-completion/completions/vpnmasq-ctl.\n",
		{.first = "bash", .first_required = true},
		cmd_completion},
};

} // namespace

void Context::print(const Json &j) const
{
	out << to_json_text(j, opt.pretty);
}

std::span<const GlobalOption> global_options()
{
	return kOptions;
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
	app.add_flag("-s,--stats", inv.opt.stats);
	app.add_flag("-t,--timestamp", inv.opt.timestamp);
	app.add_flag("--no-headers", inv.opt.no_headers);
	std::string batch;
	auto *b = app.add_option("-b,--batch", batch);
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
	if (b->count())
		inv.opt.batch = batch;
	auto rest = app.remaining();
	if (!rest.empty() && rest[0] == "--")
		rest.erase(rest.begin());
	if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-')
		throw UsageError("unknown option " + in_quotes(rest[0]) +
				 " (see: vpnmasq-ctl help)");
	if (inv.opt.batch && !rest.empty() && !inv.help)
		throw UsageError("-b takes its settings from " + *inv.opt.batch +
				 ": no COMMAND with it (got " + in_quotes(rest[0]) + ")");
	if (inv.opt.batch && inv.opt.batch->empty())
		throw UsageError("-b: empty file name (- reads stdin)");
	inv.command = rest.empty() ? (inv.opt.batch ? "" : "show") : rest[0];
	if (!rest.empty())
		inv.args.assign(rest.begin() + 1, rest.end());
	return inv;
}

namespace {

std::string command_line(const Command &c)
{
	std::string line = "vpnmasq-ctl " + std::string(c.name);
	if (!c.synopsis.empty())
		line += " " + std::string(c.synopsis);
	return line;
}

} // namespace

std::string usage()
{
	std::string s = "Usage: vpnmasq-ctl [-j [-p]] [-s] [-t] [--no-headers] [-b FILE] "
			"[COMMAND [ARGS]...]\n"
			"\n"
			"See and tune vpnmasq in the current network namespace.\n"
			"\n"
			"Options:\n";
	Table opts;
	for (const auto &o : kOptions) {
		std::string names =
			o.short_name.empty() ? "    " : std::string(o.short_name) + ", ";
		names += o.long_name;
		if (!o.arg.empty())
			names += " " + std::string(o.arg);
		opts.add({names, std::string(o.help)});
	}
	s += opts.render("  ");
	s += "\nCommands (default: show; help COMMAND tells more):\n";
	for (const auto &c : kCommands) {
		std::string line = "  " + std::string(c.name);
		if (!c.synopsis.empty())
			line += " " + std::string(c.synopsis);
		s += line + "\n      " + std::string(c.help) + "\n";
	}
	s += "\nKeys (VALUE is an unsigned decimal integer; on/off, yes/no, true/false for 0/1;\n"
	     "lan: PREFIX[,PREFIX]..., default or none):\n";
	for (const auto &k : keys())
		s += "  " + std::string(k.name) + " (default " + value_human(k, default_value(k)) +
		     ")\n      " + std::string(k.help) + "\n";
	s += "\nExit status: 0 success, 1 the kernel refused or failed, 2 bad command line,\n"
	     "3 generic netlink family \"vpnmasq\" not found (module not loaded).\n";
	return s;
}

std::string command_usage(const Command &c)
{
	std::string s = "Usage: " + command_line(c) + "\n\n" + std::string(c.help) + "\n";
	if (!c.details.empty())
		s += "\n" + std::string(c.details);
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
		if (inv.opt.batch) {
			auto settings = read_batch(*inv.opt.batch);
			if (settings.empty())
				return kExitOk; // only comments: nothing to send
			Genl nl = connect_vpnmasq();
			set_config(nl, settings);
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
