// The libnl layer against the running kernel's own generic netlink family,
// "nlctrl", which is always there: requests with acks on one socket, dumps,
// refusals with their extended ack, and a family that does not exist.
// Skipped where no netlink socket can be opened.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include <linux/genetlink.h>

#include "errors.hpp"
#include "genl.hpp"

using namespace vpnmasq;

namespace {

std::string ctrl_attr_name(int attr)
{
	return attr == CTRL_ATTR_FAMILY_ID     ? "family_id"
	       : attr == CTRL_ATTR_FAMILY_NAME ? "family_name"
					       : "";
}

#define CONNECT_OR_SKIP(nl)                                                                        \
	std::optional<Genl> nl;                                                                    \
	try {                                                                                      \
		nl.emplace("nlctrl", CTRL_ATTR_MAX, ctrl_attr_name);                               \
	} catch (const NetlinkError &e) {                                                          \
		GTEST_SKIP() << "no generic netlink here: " << e.what();                           \
	}

std::string family_name_of(const Attrs &tb)
{
	nlattr *a = tb[CTRL_ATTR_FAMILY_NAME];
	return a ? nla_get_string(a) : "";
}

} // namespace

TEST(GenlLive, RequestsWithAcksOnOneSocket)
{
	CONNECT_OR_SKIP(nl);
	EXPECT_EQ(nl->family(), GENL_ID_CTRL);
	for (int i = 0; i < 3; i++) {
		auto msg = new_request(nl->family(), CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
		nla_put_string(msg.get(), CTRL_ATTR_FAMILY_NAME, "nlctrl");
		int replies = 0;
		nl->request(msg.get(), [&](const Attrs &tb) {
			replies++;
			EXPECT_EQ(family_name_of(tb), "nlctrl");
			ASSERT_TRUE(tb[CTRL_ATTR_FAMILY_ID]);
			EXPECT_EQ(nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]), GENL_ID_CTRL);
		});
		EXPECT_EQ(replies, 1) << "request " << i;
	}
}

TEST(GenlLive, DumpCollectsEveryFamily)
{
	CONNECT_OR_SKIP(nl);
	std::vector<std::string> names;
	nl->dump([&] { return new_request(nl->family(), CTRL_CMD_GETFAMILY, 1, NLM_F_DUMP); },
		 [&](const Attrs &tb) { names.push_back(family_name_of(tb)); });
	EXPECT_NE(std::find(names.begin(), names.end(), "nlctrl"), names.end());
	// The socket is still in step after a dump.
	auto msg = new_request(nl->family(), CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	nla_put_string(msg.get(), CTRL_ATTR_FAMILY_NAME, "nlctrl");
	EXPECT_NO_THROW(nl->request(msg.get()));
}

TEST(GenlLive, MissingFamilyIsExitThree)
{
	CONNECT_OR_SKIP(nl);
	try {
		Genl absent("vpnmasq_absent", CTRL_ATTR_MAX);
		FAIL() << "resolved a family that does not exist";
	} catch (const FamilyNotFound &e) {
		EXPECT_EQ(exit_code(e), kExitNoFamily);
		EXPECT_EQ(e.family(), "vpnmasq_absent");
		EXPECT_NE(error_line(e).find("(is the module loaded? try: modprobe vpnmasq)"),
			  std::string::npos);
	}
}

TEST(GenlLive, PolicyRefusalNamesTheAttribute)
{
	CONNECT_OR_SKIP(nl);
	// A one-byte u16: refused by the policy, with the attribute's offset.
	auto msg = new_request(nl->family(), CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	uint8_t one = 1;
	nla_put(msg.get(), CTRL_ATTR_FAMILY_ID, 1, &one);
	try {
		nl->request(msg.get());
		FAIL() << "the kernel accepted a truncated attribute";
	} catch (const KernelError &e) {
		EXPECT_EQ(exit_code(e), kExitRuntime);
		std::string line = e.what();
		EXPECT_EQ(line.rfind("Error: ", 0), 0u) << line;
		if (line.find("(key: ") == std::string::npos)
			GTEST_SKIP() << "kernel sent no extended ack: " << line;
		EXPECT_NE(line.find("(key: family_id"), std::string::npos) << line;
	}
}

TEST(GenlLive, PlainErrnoWithoutMessage)
{
	CONNECT_OR_SKIP(nl);
	auto msg = new_request(nl->family(), 0xee, 1, NLM_F_ACK); // no such command
	try {
		nl->request(msg.get());
		FAIL() << "the kernel accepted an unknown command";
	} catch (const KernelError &e) {
		EXPECT_EQ(e.code().value(), EOPNOTSUPP);
		EXPECT_EQ(std::string(e.what()).rfind("Error: ", 0), 0u) << e.what();
	}
}

TEST(GenlLive, ReplyCallbackFailuresPropagate)
{
	CONNECT_OR_SKIP(nl);
	auto msg = new_request(nl->family(), CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	nla_put_string(msg.get(), CTRL_ATTR_FAMILY_NAME, "nlctrl");
	EXPECT_THROW(
		nl->request(msg.get(), [](const Attrs &) { throw std::runtime_error("boom"); }),
		std::runtime_error);
}
