// Failures of vpnmasq-ctl and the exit status each one maps to
// (documented in vpnmasq-ctl(8) and README.md).
#pragma once

#include <exception>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace vpnmasq {

enum ExitCode : int {
	kExitOk = 0,	   // success
	kExitRuntime = 1,  // the kernel refused or failed, or a local runtime error
	kExitUsage = 2,	   // bad command line; nothing was sent
	kExitNoFamily = 3, // generic netlink family not found
};

// A bad command line. what() is the reason, without the program name.
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// genl_ctrl_resolve() found no such family: the module is not loaded and
// could not be autoloaded.
class FamilyNotFound : public std::runtime_error {
public:
	explicit FamilyNotFound(const std::string &family);
	const std::string &family() const { return family_; }

private:
	std::string family_;
};

// A local netlink failure (socket, send, receive, a malformed reply). The
// code is libnl's (see libnl_category() in genl.hpp) or an errno; what() is
// the complete reason, e.g. "cannot send: Operation not permitted".
class NetlinkError : public std::system_error {
public:
	NetlinkError(std::error_code code, const std::string &what)
		: std::system_error(code), what_(what)
	{
	}
	const char *what() const noexcept override { return what_.c_str(); }

private:
	std::string what_;
};

// The kernel answered a request with an error. what() is the complete
// line for stderr, "Error: <reason> (key: ..., allowed ...)".
class KernelError : public std::system_error {
public:
	KernelError(int errno_value, const std::string &line)
		: std::system_error(errno_value, std::generic_category()), line_(line)
	{
	}
	const char *what() const noexcept override { return line_.c_str(); }

private:
	std::string line_;
};

// The exit status for a failure.
int exit_code(const std::exception &e);

// The stderr line for a failure: kernel errors as "Error: ...", the rest as
// "vpnmasq-ctl: ...".
std::string error_line(const std::exception &e);

// Prints the error line for @e on @err and returns its exit status.
int report(const std::exception &e, std::ostream &err);

} // namespace vpnmasq
