// Failures map to the documented exit status and stderr line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <netlink/errno.h>

#include "errors.hpp"
#include "genl.hpp"

using namespace vpnmasq;

TEST(Errors, ExitCodes)
{
	EXPECT_EQ(exit_code(UsageError("x")), 2);
	EXPECT_EQ(exit_code(FamilyNotFound("vpnmasq")), 3);
	EXPECT_EQ(exit_code(KernelError(EPERM, "Error: Operation not permitted")), 1);
	EXPECT_EQ(exit_code(KernelError(ERANGE, "Error: integer out of range")), 1);
	EXPECT_EQ(exit_code(NetlinkError(libnl_error(-NLE_NOMEM), "x")), 1);
	EXPECT_EQ(exit_code(std::runtime_error("x")), 1);
	EXPECT_EQ(exit_code(std::bad_alloc()), 1);
	EXPECT_EQ(kExitOk, 0);
}

TEST(Errors, LinesOnStderr)
{
	EXPECT_EQ(error_line(UsageError("set: 'x' has no value")),
		  "vpnmasq-ctl: set: 'x' has no value");
	EXPECT_EQ(error_line(FamilyNotFound("vpnmasq")),
		  "vpnmasq-ctl: generic netlink family \"vpnmasq\" not found "
		  "(is the module loaded? try: modprobe vpnmasq)");
	// The kernel's reasons are printed as they are, like ip(8) does.
	EXPECT_EQ(error_line(KernelError(ERANGE, "Error: integer out of range (key: ike_timeout)")),
		  "Error: integer out of range (key: ike_timeout)");
	std::ostringstream err;
	EXPECT_EQ(report(FamilyNotFound("vpnmasq"), err), 3);
	const std::string line = err.str();
	EXPECT_EQ(line.back(), '\n');
	EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(Errors, KeepTheirCodes)
{
	KernelError k(EPERM, "Error: Operation not permitted");
	EXPECT_EQ(k.code(), std::errc::operation_not_permitted);
	NetlinkError n(libnl_error(-NLE_OBJ_NOTFOUND), "cannot resolve: Object not found");
	EXPECT_EQ(n.code().category(), libnl_category());
	EXPECT_EQ(n.code().value(), NLE_OBJ_NOTFOUND);
	EXPECT_EQ(n.code().message(), nl_geterror(NLE_OBJ_NOTFOUND));
	EXPECT_STREQ(n.what(), "cannot resolve: Object not found");
}
