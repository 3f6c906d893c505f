// The tunables vpnmasq-ctl knows by name, mapped to the VPNMASQ_A_CFG_*
// attributes of <linux/vpnmasq.h>, and the parsing of their values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <linux/vpnmasq.h>

namespace vpnmasq {

// Netlink payload type of a tunable.
enum class AttrType {
	U8,
	U16,
	U32,
	PrefixNest, // a nest of VPNMASQ_A_PREFIX nests (lan)
};

// One IPv4 prefix of the LAN scope. No bit past @len is set in @addr.
struct Prefix {
	uint32_t addr = 0; // network byte order
	uint8_t len = 0;   // 0..32

	friend bool operator==(const Prefix &, const Prefix &) = default;
};
using PrefixList = std::vector<Prefix>;

// A tunable's value: a number (the integer and boolean keys) or a list of
// prefixes (lan), as its key's type says. Numbers convert implicitly, so
// that a number key's value reads and compares like one.
class Value {
public:
	Value(uint64_t number = 0) : v_(number) {}
	Value(PrefixList prefixes) : v_(std::move(prefixes)) {}

	bool is_number() const { return std::holds_alternative<uint64_t>(v_); }
	// Throw std::bad_variant_access if the value is of the other kind.
	uint64_t number() const { return std::get<uint64_t>(v_); }
	const PrefixList &prefixes() const { return std::get<PrefixList>(v_); }

	friend bool operator==(const Value &, const Value &) = default;

private:
	std::variant<uint64_t, PrefixList> v_;
};

struct Key {
	std::string_view name; // as typed on the command line and in JSON
	int attr;	       // enum vpnmasq_attr
	AttrType type;
	bool boolean;	       // u8 0/1: also takes on/off, yes/no, true/false
	std::string_view unit; // "s", "ms" or ""
	uint64_t def;	       // the module's default, for help (numbers only)
	std::string_view help;
};

// Every tunable, in the order they are printed.
std::span<const Key> keys();

// nullptr if there is no such key.
const Key *find_key(std::string_view name);
const Key *find_key_by_attr(int attr);

// Whether the key's value is a number (every type but PrefixNest).
bool is_number(AttrType type);
// The largest value the key's netlink type holds (0 for PrefixNest).
uint64_t type_max(AttrType type);
// Payload size in bytes (0 for PrefixNest, which varies).
size_t type_size(AttrType type);

// The module's default for @key: def, or for lan the RFC 1918 ranges
// 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16.
Value default_value(const Key &key);
const PrefixList &default_lan();

// Parses a value for @key. Numbers: an unsigned decimal integer that fits
// the key's type, or for booleans on/off, yes/no, true/false (any case).
// Prefix lists: see parse_prefix_list(). Throws UsageError naming the key.
Value parse_value(const Key &key, std::string_view text);

// A LAN scope: "default", "none" or PREFIX[,PREFIX]..., each PREFIX
// ADDR/LEN or a bare ADDR (/32), without host bits, none twice and at most
// VPNMASQ_LAN_MAX of them. @what names the value in the reason ("lan").
// Throws UsageError.
PrefixList parse_prefix_list(std::string_view text, std::string_view what);

// "192.168.1.0/24"; the list comma-separated as parse_prefix_list() reads
// it back, "none" if it is empty.
std::string prefix_text(const Prefix &p);
std::string prefix_list_text(const PrefixList &list);

// One KEY VALUE pair of "set".
struct Setting {
	const Key *key;
	Value value;
};

// Pairs up the arguments of "set KEY VALUE [KEY VALUE]...". Throws
// UsageError on an odd count, an unknown or repeated key or a bad value,
// so that nothing is sent.
std::vector<Setting> parse_settings(std::span<const std::string> args);

} // namespace vpnmasq
