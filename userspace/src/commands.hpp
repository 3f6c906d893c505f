// vpnmasq-ctl's command line: a table of subcommands like wg's.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "genl.hpp"
#include "keys.hpp"

namespace vpnmasq {

struct Options {
	bool json = false;
	bool pretty = false;
};

// Runs vpnmasq-ctl with @args (without argv[0]); returns the exit code.
int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

// KEY VALUE pairs of "set", checked before anything is sent.
std::vector<std::pair<const Key *, uint64_t>> parse_set_args(const std::vector<std::string> &args);

// The SET_CONFIG request carrying every pair in one message.
MsgPtr build_set(int family, const std::vector<std::pair<const Key *, uint64_t>> &pairs);

} // namespace vpnmasq
