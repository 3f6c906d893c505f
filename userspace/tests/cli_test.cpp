// The command line: global options, subcommands, and errors that exit 2
// with one line before anything is sent.
#include <gtest/gtest.h>

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
		{"get", "no_such_key"},
		{"get", "ike_timeout", "esp_timeout"},
		{"show", "bogus"},
		{"show", "ike", "esp"},
		{"stats", "extra"},
		{"version", "extra"},
		{"-j", "get", "nope"},
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
	for (auto name : {"show", "get", "set", "stats", "version", "help"}) {
		const Command *c = find_command(name);
		ASSERT_NE(c, nullptr) << name;
		EXPECT_NE(c->handler, nullptr);
		EXPECT_FALSE(c->help.empty());
	}
	EXPECT_EQ(find_command("monitor"), nullptr);
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
