// The tunables and counters vpnmasq-ctl knows by name, mapped to the
// attributes of <linux/vpnmasq.h>.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <linux/vpnmasq.h>

namespace vpnmasq {

enum class AttrType { U8, U16, U32 };

struct Key {
	std::string_view name;
	int attr;
	AttrType type;
	std::string_view unit;
	std::string_view help;
	bool boolean = false;
};

std::span<const Key> keys();
const Key *find_key(std::string_view name);

// Parses VALUE for KEY; on failure returns nullopt and sets @why.
std::optional<uint64_t> parse_value(const Key &key, std::string_view text, std::string &why);

// Counter names: enum vpnmasq_stat without the prefix, lower case.
std::string_view stat_name(int stat);

} // namespace vpnmasq
