// The tunables vpnmasq-ctl knows by name, mapped to the VPNMASQ_A_CFG_*
// attributes of <linux/vpnmasq.h>, and the parsing of their values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <linux/vpnmasq.h>

namespace vpnmasq {

// Netlink payload type of a tunable.
enum class AttrType { U8, U16, U32 };

struct Key {
	std::string_view name; // as typed on the command line and in JSON
	int attr;	       // enum vpnmasq_attr
	AttrType type;
	bool boolean;	       // u8 0/1: also takes on/off, yes/no, true/false
	std::string_view unit; // "s", "ms" or ""
	uint64_t def;	       // the module's default, for help
	std::string_view help;
};

// Every tunable, in the order they are printed.
std::span<const Key> keys();

// nullptr if there is no such key.
const Key *find_key(std::string_view name);
const Key *find_key_by_attr(int attr);

// The largest value the key's netlink type holds.
uint64_t type_max(AttrType type);
// Payload size in bytes.
size_t type_size(AttrType type);

// Parses a value for @key: an unsigned decimal integer that fits the key's
// type, or for booleans on/off, yes/no, true/false (any case). Throws
// UsageError naming the key.
uint64_t parse_value(const Key &key, std::string_view text);

// One KEY VALUE pair of "set".
struct Setting {
	const Key *key;
	uint64_t value;
};

// Pairs up the arguments of "set KEY VALUE [KEY VALUE]...". Throws
// UsageError on an odd count, an unknown or repeated key or a bad value,
// so that nothing is sent.
std::vector<Setting> parse_settings(std::span<const std::string> args);

} // namespace vpnmasq
