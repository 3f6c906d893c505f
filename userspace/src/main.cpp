// vpnmasq-ctl: see and tune the vpnmasq module over generic netlink.
// The work is done in commands.cpp, so that the unit tests can run it.
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "errors.hpp"

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	int rc = vpnmasq::run(args, std::cout, std::cerr);
	std::cout.flush();
	if (!std::cout && rc == vpnmasq::kExitOk) {
		std::cerr << "vpnmasq-ctl: cannot write the output\n";
		return vpnmasq::kExitRuntime;
	}
	return rc;
}
