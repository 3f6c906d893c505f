// The command line: global options, subcommands, and errors that exit 2
// with one line before anything is sent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "commands.hpp"
#include "errors.hpp"
#include "keys.hpp"

using namespace vpnmasq;

namespace {

struct Result {
	int rc;
	std::string out, err;
};

Result ctl(std::vector<std::string> args)
{
	std::ostringstream out, err;
	int rc = run(args, out, err);
	return {rc, out.str(), err.str()};
}

std::string usage_error(std::vector<std::string> args)
{
	try {
		parse_command_line(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Cli, NoCommandMeansShow)
{
	auto inv = parse_command_line({});
	EXPECT_EQ(inv.command, "show");
	EXPECT_TRUE(inv.args.empty());
	EXPECT_FALSE(inv.opt.json);
	inv = parse_command_line({"-j"});
	EXPECT_EQ(inv.command, "show");
	EXPECT_TRUE(inv.opt.json);
}

TEST(Cli, GlobalOptions)
{
	auto inv = parse_command_line({"-j", "-p", "get", "ike_timeout"});
	EXPECT_TRUE(inv.opt.json);
	EXPECT_TRUE(inv.opt.pretty);
	EXPECT_EQ(inv.command, "get");
	EXPECT_EQ(inv.args, std::vector<std::string>{"ike_timeout"});
	inv = parse_command_line({"-jp", "stats"});
	EXPECT_TRUE(inv.opt.json && inv.opt.pretty);
	inv = parse_command_line({"--json", "--pretty", "version"});
	EXPECT_TRUE(inv.opt.json && inv.opt.pretty);
	EXPECT_TRUE(parse_command_line({"-h"}).help);
	EXPECT_TRUE(parse_command_line({"--help"}).help);
}

TEST(Cli, ArgumentsAfterTheCommandAreLeftAlone)
{
	auto inv = parse_command_line({"set", "ike_timeout", "-1"});
	EXPECT_EQ(inv.command, "set");
	EXPECT_EQ(inv.args, (std::vector<std::string>{"ike_timeout", "-1"}));
	inv = parse_command_line({"get", "-j"});
	EXPECT_FALSE(inv.opt.json);
	EXPECT_EQ(inv.args, std::vector<std::string>{"-j"});
	inv = parse_command_line({"--", "show"});
	EXPECT_EQ(inv.command, "show");
}

TEST(Cli, UnknownOptions)
{
	EXPECT_NE(usage_error({"--no-such-option"}).find("--no-such-option"), std::string::npos);
	EXPECT_NE(usage_error({"-x", "show"}).find("-x"), std::string::npos);
	EXPECT_EQ(usage_error({"-j", "show"}), "");
}

TEST(Cli, BadCommandLinesExitTwoWithOneLine)
{
	const std::vector<std::vector<std::string>> bad = {
		{"frobnicate"},
		{"--no-such-option"},
		{"-x"},
		{"set"},
		{"set", "ike_timeout"},
		{"set", "ike_timeout", "60", "esp_timeout"},
		{"set", "no_such_key", "1"},
		{"set", "max_assoc", "4294967296"},
		{"set", "enabled", "256"},
		{"set", "ike_timeout", "-5"},
		{"set", "ike_timeout", "ten"},
		{"set", "ike_timeout", "10", "ike_timeout", "20"},
		{"set", "lan"},
		{"set", "lan", ""},
		{"set", "lan", "10.0.0/8"},
		{"set", "lan", "10.0.0.0/33"},
		{"set", "lan", "192.168.1.5/24"},
		{"set", "lan", "10.0.0.0/8,10.0.0.0/8"},
		{"set", "lan", "10.0.0.0/8,"},
		{"set", "lan", "10.0.0.0/8, 192.168.0.0/16"},
		{"set", "lan", "default,10.0.0.0/8"},
		{"set", "lan",
		 "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,"
		 "8.0.0.0/8,9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,"
		 "14.0.0.0/8,15.0.0.0/8,16.0.0.0/8,17.0.0.0/8"},
		{"set", "enabled", "on", "lan", "192.168.1.5/24"},
		{"get", "lan", "extra"},
		{"get", "no_such_key"},
		{"get", "ike_timeout", "esp_timeout"},
		{"show", "bogus"},
		{"show", "ike", "esp"},
		{"stats", "extra"},
		{"version", "extra"},
		{"-j", "get", "nope"},
		// show
		{"show", "ike", "lan"},
		{"show", "ike", "lan", "10.1.0"},
		{"show", "ike", "lan", "10.1.0.256"},
		{"show", "ike", "lan", "010.1.0.2"},
		{"show", "ike", "lan", "10.1.0.2x"},
		{"show", "ike", "lan", "fe80::1"},
		{"show", "ike", "peer", "host.example"},
		{"show", "ike", "lan", "10.1.0.2", "lan", "10.1.0.3"},
		{"show", "lan", "10.1.0.2"},
		{"show", "lan", "10.1.0.2", "ike"},
		{"show", "ike", "bogus"},
		{"show", "all", "esp"},
		{"show", "-s", "ike"},
		{"show", "nego", "ike"},
		{"show", "nego", "peer", "1.2.3"},
		// showconf
		{"showconf", "ike"},
		// flush
		{"flush", "pending"},
		{"flush", "nego"},
		{"flush", "ike", "esp"},
		{"flush", "gre"},
		{"flush", "lan"},
		{"flush", "lan", "x"},
		{"flush", "ike", "lan", "10.1.0.2", "lan", "10.1.0.3"},
		{"flush", "ike", "peer", "10.1.0.2"},
		// del
		{"del"},
		{"del", "pptp", "1"},
		{"del", "ike"},
		{"del", "ike", "112233445566778"},
		{"del", "ike", "11223344556677889"},
		{"del", "ike", "11223344556677zz"},
		{"del", "ike", "0x"},
		{"del", "esp"},
		{"del", "esp", "123456789"},
		{"del", "esp", "-1"},
		{"del", "esp", "g1"},
		{"del", "esp", ""},
		{"del", "esp", "a1", "peer"},
		{"del", "esp", "a1", "peer", "1.2.3"},
		{"del", "esp", "a1", "lan", "10.1.0.2"},
		{"del", "esp", "a1", "peer", "1.2.3.4", "peer", "1.2.3.5"},
		// stats
		{"stats", "reset", "--all"},
		{"stats", "--all", "reset"},
		{"stats", "--verbose"},
		{"stats", "-a"},
		// monitor
		{"monitor", "gre"},
		{"monitor", "nego"},
		{"monitor", "ike", "esp"},
		// help, completion
		{"help", "frobnicate"},
		{"help", "show", "get"},
		{"completion"},
		{"completion", "zsh"},
		{"completion", "bash", "extra"},
		// batch
		{"-b", "/nonexistent/vpnmasq.conf"},
		{"-b", "f", "show"},
		{"-b", "f", "set", "enabled", "1"},
		{"-b"},
		{"-b", ""},
	};
	for (const auto &args : bad) {
		std::string joined;
		for (const auto &a : args)
			joined += a + " ";
		auto r = ctl(args);
		EXPECT_EQ(r.rc, kExitUsage) << joined;
		EXPECT_EQ(r.err.rfind("vpnmasq-ctl: ", 0), 0u) << joined << ": " << r.err;
		EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << joined;
		EXPECT_EQ(r.out, "") << joined;
	}
}

TEST(Cli, ReasonsNameTheCulprit)
{
	EXPECT_NE(ctl({"frobnicate"}).err.find("unknown command 'frobnicate'"), std::string::npos);
	EXPECT_NE(ctl({"set", "ike_timeout"}).err.find("'ike_timeout' has no value"),
		  std::string::npos);
	EXPECT_NE(ctl({"set", "no_such_key", "1"}).err.find("unknown key 'no_such_key'"),
		  std::string::npos);
	EXPECT_EQ(ctl({"set", "max_assoc", "4294967296"}).err,
		  "vpnmasq-ctl: set: max_assoc: 4294967296 is too large (at most 4294967295)\n");
	EXPECT_NE(ctl({"set", "ike_timeout", "-5"}).err.find("set: ike_timeout: '-5' is negative"),
		  std::string::npos);
	EXPECT_NE(ctl({"get", "no_such_key"}).err.find("unknown key 'no_such_key'"),
		  std::string::npos);
	EXPECT_EQ(ctl({"set", "lan", "192.168.1.5/24"}).err,
		  "vpnmasq-ctl: set: lan: 192.168.1.5/24 has host bits set: did you mean "
		  "192.168.1.0/24?\n");
	EXPECT_EQ(ctl({"set", "lan", "10.0.0.0/8,192.168.0.0/16,10.0.0.0/8"}).err,
		  "vpnmasq-ctl: set: lan: 10.0.0.0/8 given twice\n");
}

TEST(Cli, NewGlobalOptions)
{
	auto inv = parse_command_line({"-s", "-t", "--no-headers", "show", "ike"});
	EXPECT_TRUE(inv.opt.stats);
	EXPECT_TRUE(inv.opt.timestamp);
	EXPECT_TRUE(inv.opt.no_headers);
	EXPECT_FALSE(inv.opt.batch);
	EXPECT_EQ(inv.command, "show");
	inv = parse_command_line({"--stats", "--timestamp", "-jp", "monitor"});
	EXPECT_TRUE(inv.opt.stats && inv.opt.timestamp && inv.opt.json && inv.opt.pretty);
	inv = parse_command_line({"-b", "-"});
	EXPECT_EQ(inv.opt.batch, "-");
	EXPECT_EQ(inv.command, "") << "-b runs no command";
	inv = parse_command_line({"--batch", "/etc/vpnmasq/vpnmasq.conf"});
	EXPECT_EQ(inv.opt.batch, "/etc/vpnmasq/vpnmasq.conf");
	inv = parse_command_line({"--batch=x.conf"});
	EXPECT_EQ(inv.opt.batch, "x.conf");
}

TEST(Cli, EveryGlobalOptionParsesAndIsDocumented)
{
	const std::string text = usage();
	const std::string line = text.substr(0, text.find('\n'));
	for (const auto &o : global_options()) {
		for (auto name : {o.short_name, o.long_name}) {
			if (name.empty())
				continue;
			std::vector<std::string> args{std::string(name)};
			if (!o.arg.empty())
				args.push_back("x");
			EXPECT_EQ(usage_error(args), "") << name;
			EXPECT_NE(text.find(std::string(name)), std::string::npos) << name;
		}
		// The usage line names each option (by its short name if any).
		auto shown = o.short_name.empty() ? o.long_name : o.short_name;
		if (shown != "-h") {
			EXPECT_NE(line.find(std::string(shown)), std::string::npos) << shown;
		}
	}
	EXPECT_EQ(line, "Usage: vpnmasq-ctl [-j [-p]] [-s] [-t] [--no-headers] [-b FILE] "
			"[COMMAND [ARGS]...]");
}

TEST(Cli, NewReasonsNameTheCulprit)
{
	EXPECT_EQ(ctl({"show", "ike", "lan", "10.1.0"}).err,
		  "vpnmasq-ctl: show: lan: '10.1.0' is not an IPv4 address (dotted, e.g. "
		  "192.168.1.11)\n");
	EXPECT_NE(ctl({"show", "lan", "10.1.0.2"}).err.find("name it first"), std::string::npos);
	EXPECT_NE(ctl({"show", "ike", "lan"}).err.find("'lan' needs an address"),
		  std::string::npos);
	EXPECT_NE(ctl({"flush", "pending"}).err.find("flush esp"), std::string::npos);
	EXPECT_EQ(ctl({"monitor", "nego"}).err,
		  "vpnmasq-ctl: monitor: the nego table has no events (see it with: vpnmasq-ctl "
		  "show nego)\n");
	EXPECT_EQ(ctl({"monitor", "gre"}).err,
		  "vpnmasq-ctl: monitor: unknown table 'gre' (expected ike, esp, pending, pptp, or "
		  "all)\n");
	EXPECT_NE(ctl({"show", "gre"}).err.find("(expected ike, esp, pending, pptp, nego, or all"),
		  std::string::npos);
	EXPECT_EQ(ctl({"del", "ike", "1122"}).err,
		  "vpnmasq-ctl: del ike: '1122' is not a cookie (16 hex digits, as show ike prints "
		  "it)\n");
	EXPECT_NE(ctl({"del", "esp", "123456789"}).err.find("is not an SPI"), std::string::npos);
	EXPECT_NE(ctl({"stats", "reset", "--all"}).err.find("reset takes no other argument"),
		  std::string::npos);
	EXPECT_NE(ctl({"-b", "f", "show"}).err.find("no COMMAND with it"), std::string::npos);
	EXPECT_NE(ctl({"-b", "/nonexistent/vpnmasq.conf"}).err.find("No such file"),
		  std::string::npos);
	EXPECT_NE(ctl({"help", "frobnicate"}).err.find("unknown command 'frobnicate'"),
		  std::string::npos);
	EXPECT_NE(ctl({"completion", "zsh"}).err.find("expected 'bash'"), std::string::npos);
}

TEST(Cli, HelpCommandMatchesTheTable)
{
	const std::string all = usage();
	for (const auto &c : commands()) {
		// "help" lists every command with its synopsis and help line.
		std::string listed = "  " + std::string(c.name);
		if (!c.synopsis.empty())
			listed += " " + std::string(c.synopsis);
		EXPECT_NE(all.find(listed + "\n      " + std::string(c.help) + "\n"),
			  std::string::npos)
			<< c.name;
		// "help NAME" shows the same synopsis, help line and details.
		auto r = ctl({"help", std::string(c.name)});
		EXPECT_EQ(r.rc, kExitOk) << c.name;
		EXPECT_EQ(r.out, command_usage(c));
		EXPECT_EQ(r.out.rfind("Usage: vpnmasq-ctl" + listed.substr(1) + "\n", 0), 0u)
			<< r.out;
		EXPECT_NE(r.out.find(std::string(c.help)), std::string::npos) << c.name;
		if (!c.details.empty()) {
			EXPECT_NE(r.out.find(std::string(c.details)), std::string::npos) << c.name;
		}
	}
}

TEST(Cli, BatchOfCommentsSendsNothing)
{
	char path[] = "/tmp/vpnmasq-ctl-test-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	const char text[] = "# nothing but comments\n\n   # indented\n";
	ASSERT_EQ(write(fd, text, sizeof(text) - 1), ssize_t(sizeof(text) - 1));
	close(fd);
	auto r = ctl({"-b", path});
	EXPECT_EQ(r.rc, kExitOk) << r.err; // not even the module is needed
	EXPECT_EQ(r.out, "");
	unlink(path);
}

TEST(Cli, BatchWithABadLineExitsTwoBeforeSending)
{
	char path[] = "/tmp/vpnmasq-ctl-test-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	const char text[] = "set ike_timeout 60\nshow ike\n";
	ASSERT_EQ(write(fd, text, sizeof(text) - 1), ssize_t(sizeof(text) - 1));
	close(fd);
	auto r = ctl({"-b", path});
	EXPECT_EQ(r.rc, kExitUsage);
	EXPECT_EQ(r.err, "vpnmasq-ctl: " + std::string(path) +
				 ":2: expected 'set KEY VALUE...', a '# comment' or nothing, got "
				 "'show'\n");
	unlink(path);
}

TEST(Cli, HelpListsEveryCommandAndKey)
{
	for (auto args : {std::vector<std::string>{"help"}, {"-h"}, {"--help"}, {"-h", "set"}}) {
		auto r = ctl(args);
		EXPECT_EQ(r.rc, kExitOk);
		EXPECT_EQ(r.err, "");
		for (const auto &c : commands())
			EXPECT_NE(r.out.find("  " + std::string(c.name)), std::string::npos)
				<< c.name;
		for (const auto &k : keys())
			EXPECT_NE(r.out.find("  " + std::string(k.name) + " (default"),
				  std::string::npos)
				<< k.name;
		EXPECT_NE(r.out.find("Exit status"), std::string::npos);
	}
}

TEST(Cli, CommandTable)
{
	for (auto name : {"show", "get", "set", "showconf", "flush", "del", "stats", "monitor",
			  "version", "help", "completion"}) {
		const Command *c = find_command(name);
		ASSERT_NE(c, nullptr) << name;
		EXPECT_NE(c->handler, nullptr);
		EXPECT_FALSE(c->help.empty());
	}
	EXPECT_EQ(commands().size(), 11u);
	EXPECT_EQ(find_command("list"), nullptr);
}

// Where the module is absent (as on a build machine), version still prints
// the tool's version and exits 3 with the hint; where it is loaded, both.
TEST(Cli, VersionWithOrWithoutTheModule)
{
	auto r = ctl({"version"});
	ASSERT_TRUE(r.rc == kExitOk || r.rc == kExitNoFamily) << r.err;
	EXPECT_EQ(r.out.rfind("vpnmasq-ctl " VPNMASQ_CTL_VERSION "\n", 0), 0u);
	if (r.rc == kExitNoFamily) {
		EXPECT_EQ(r.err, "vpnmasq-ctl: generic netlink family \"vpnmasq\" not found "
				 "(is the module loaded? try: modprobe vpnmasq)\n");
		auto show = ctl({"-j", "show"});
		EXPECT_EQ(show.rc, kExitNoFamily);
		EXPECT_EQ(show.out, "") << "no half-printed JSON";
		EXPECT_EQ(show.err, r.err);
		auto j = ctl({"-j", "version"});
		EXPECT_EQ(j.out, "{\"tool_version\":\"" VPNMASQ_CTL_VERSION
				 "\",\"module_version\":null}\n");
	} else {
		EXPECT_NE(r.out.find("vpnmasq module "), std::string::npos);
	}
}
