// Command-line errors are caught before anything is sent (exit 2).
#include <gtest/gtest.h>

#include <sstream>

#include "commands.hpp"

using namespace vpnmasq;

namespace {

int run_ctl(std::vector<std::string> args, std::string *err_text = nullptr)
{
	std::ostringstream out, err;
	int rc = run(args, out, err);
	if (err_text)
		*err_text = err.str();
	return rc;
}

} // namespace

TEST(Cli, BadCommandLinesExitTwoWithOneLine)
{
	std::string e;
	EXPECT_EQ(run_ctl({"frobnicate"}, &e), kUsage);
	EXPECT_NE(e.find("unknown command 'frobnicate'"), std::string::npos);
	EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1);
	EXPECT_EQ(run_ctl({"set"}, &e), kUsage);
	EXPECT_EQ(run_ctl({"set", "ike_timeout"}, &e), kUsage);
	EXPECT_NE(e.find("has no value"), std::string::npos);
	EXPECT_EQ(run_ctl({"set", "no_such_key", "1"}, &e), kUsage);
	EXPECT_NE(e.find("no_such_key"), std::string::npos);
	EXPECT_EQ(run_ctl({"set", "max_assoc", "4294967296"}, &e), kUsage);
	EXPECT_EQ(run_ctl({"get", "no_such_key"}, &e), kUsage);
	EXPECT_EQ(run_ctl({"get", "a", "b"}, &e), kUsage);
	EXPECT_EQ(run_ctl({"show", "bogus"}, &e), kUsage);
	EXPECT_EQ(run_ctl({"--no-such-option"}, &e), kUsage);
}

TEST(Cli, HelpListsEveryCommandAndKey)
{
	std::ostringstream out, err;
	EXPECT_EQ(run({"help"}, out, err), kOk);
	for (auto word : {"show", "get", "set", "stats", "version", "ike_timeout", "serial_wait", "Exit status"})
		EXPECT_NE(out.str().find(word), std::string::npos) << word;
}

TEST(Cli, SetBuildsOneMessageWithEveryPair)
{
	auto pairs = parse_set_args({"enabled", "off", "serial_wait", "1500", "zone_base", "60000"});
	auto msg = build_set(42, pairs);
	nlattr *tb[VPNMASQ_A_MAX + 1] = {};
	ASSERT_EQ(genlmsg_parse(nlmsg_hdr(msg.get()), 0, tb, VPNMASQ_A_MAX, nullptr), 0);
	EXPECT_EQ(nlmsg_hdr(msg.get())->nlmsg_type, 42);
	EXPECT_EQ(genlmsg_hdr(nlmsg_hdr(msg.get()))->cmd, VPNMASQ_CMD_SET_CONFIG);
	ASSERT_TRUE(tb[VPNMASQ_A_CFG_ENABLED]);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_CFG_ENABLED]), 1);
	EXPECT_EQ(nla_get_u8(tb[VPNMASQ_A_CFG_ENABLED]), 0);
	EXPECT_EQ(nla_get_u32(tb[VPNMASQ_A_CFG_SERIAL_WAIT]), 1500u);
	EXPECT_EQ(nla_len(tb[VPNMASQ_A_CFG_ZONE_BASE]), 2);
	EXPECT_EQ(nla_get_u16(tb[VPNMASQ_A_CFG_ZONE_BASE]), 60000);
	EXPECT_FALSE(tb[VPNMASQ_A_CFG_IKE_TIMEOUT]);
}
