#include "errors.hpp"

namespace vpnmasq {

namespace {

constexpr const char kProgram[] = "vpnmasq-ctl";

} // namespace

FamilyNotFound::FamilyNotFound(const std::string &family)
	: std::runtime_error("generic netlink family \"" + family +
			     "\" not found (is the module loaded? try: modprobe vpnmasq)"),
	  family_(family)
{
}

int exit_code(const std::exception &e)
{
	if (dynamic_cast<const UsageError *>(&e))
		return kExitUsage;
	if (dynamic_cast<const FamilyNotFound *>(&e))
		return kExitNoFamily;
	return kExitRuntime;
}

std::string error_line(const std::exception &e)
{
	if (dynamic_cast<const KernelError *>(&e))
		return e.what();
	return std::string(kProgram) + ": " + e.what();
}

int report(const std::exception &e, std::ostream &err)
{
	err << error_line(e) << '\n';
	return exit_code(e);
}

} // namespace vpnmasq
