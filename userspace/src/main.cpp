// vpnmasq-ctl: see and tune vpnmasq. Everything is in commands.cpp.
#include <iostream>

#include "commands.hpp"

int main(int argc, char **argv)
{
	return vpnmasq::run({argv + 1, argv + argc}, std::cout, std::cerr);
}
