// Configuration files: what "showconf" prints and "-b FILE" reads back.
//
//   # comment
//   set KEY VALUE [KEY VALUE]...
//
// Blank lines and comment lines are skipped; every setting of the file goes
// into one SET_CONFIG message, so that the kernel applies all or none.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "keys.hpp"
#include "protocol.hpp"

namespace vpnmasq {

// Parses a configuration named @name (for the reasons: "FILE:LINE: ...").
// Throws UsageError on the first bad line or on a key set twice (naming
// both lines).
std::vector<Setting> parse_batch(std::istream &in, const std::string &name);

// Reads FILE (or stdin for "-") and parses it. Throws UsageError if it
// cannot be read.
std::vector<Setting> read_batch(const std::string &file);

// The configuration as a file -b reads back: a comment header, then one
// "set KEY VALUE" line per tunable the module reported (booleans on/off).
std::string showconf_text(const Config &c);

} // namespace vpnmasq
