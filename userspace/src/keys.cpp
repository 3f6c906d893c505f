#include "keys.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "errors.hpp"

namespace vpnmasq {

namespace {

constexpr std::array kKeys{
	Key{"enabled", VPNMASQ_A_CFG_ENABLED, AttrType::U8, true, "", 1,
	    "0 stops all claiming of VPN flows in this namespace"},
	Key{"ike_timeout", VPNMASQ_A_CFG_IKE_TIMEOUT, AttrType::U32, false, "s",
	    VPNMASQ_IKE_TIMEOUT_DEFAULT,
	    "idle ISAKMP association lifetime (while its host has no ESP)"},
	Key{"esp_timeout", VPNMASQ_A_CFG_ESP_TIMEOUT, AttrType::U32, false, "s",
	    VPNMASQ_ESP_TIMEOUT_DEFAULT, "idle ESP association lifetime"},
	Key{"serial_wait", VPNMASQ_A_CFG_SERIAL_WAIT, AttrType::U32, false, "ms",
	    VPNMASQ_SERIAL_WAIT_DEFAULT, "how long a new SA may wait for its first inbound SPI"},
	Key{"max_assoc", VPNMASQ_A_CFG_MAX_ASSOC, AttrType::U32, false, "",
	    VPNMASQ_MAX_ASSOC_DEFAULT, "entries per association table"},
	Key{"hold_max", VPNMASQ_A_CFG_HOLD_MAX, AttrType::U32, false, "", VPNMASQ_HOLD_MAX_DEFAULT,
	    "packets held per remote while another host's SA is pending"},
	Key{"nego_window", VPNMASQ_A_CFG_NEGO_WINDOW, AttrType::U32, false, "s",
	    VPNMASQ_NEGO_WINDOW_DEFAULT,
	    "how long a negotiation entitles its host to new inbound SPIs"},
	Key{"nego_spis", VPNMASQ_A_CFG_NEGO_SPIS, AttrType::U32, false, "",
	    VPNMASQ_NEGO_SPIS_DEFAULT,
	    "unknown inbound SPIs per negotiation (0: IKE-guided association off)"},
	Key{"nego_settle", VPNMASQ_A_CFG_NEGO_SETTLE, AttrType::U32, false, "ms",
	    VPNMASQ_NEGO_SETTLE_DEFAULT,
	    "how long a remote's CREATE_CHILD_SA may wait for another host's to show what it made"},
	Key{"zone_base", VPNMASQ_A_CFG_ZONE_BASE, AttrType::U16, false, "",
	    VPNMASQ_ZONE_BASE_DEFAULT, "first conntrack zone given to LAN hosts"},
	Key{"zone_count", VPNMASQ_A_CFG_ZONE_COUNT, AttrType::U16, false, "",
	    VPNMASQ_ZONE_COUNT_DEFAULT, "conntrack zones available, one per active LAN host"},
	Key{"pptp", VPNMASQ_A_CFG_PPTP, AttrType::U8, true, "", 1,
	    "attach the PPTP helper to forwarded TCP 1723"},
	Key{"lan", VPNMASQ_A_CFG_LAN, AttrType::PrefixNest, false, "", 0,
	    "LAN scope: claim VPN flows from a source inside these prefixes to one outside"},
};

constexpr std::string_view kPrefixesExpected = "PREFIX[,PREFIX]..., default or none";

bool iequals(std::string_view a, std::string_view b)
{
	return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
		auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
		return lower(x) == lower(y);
	});
}

std::string in_quotes(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

} // namespace

std::span<const Key> keys()
{
	return kKeys;
}

const Key *find_key(std::string_view name)
{
	auto it = std::find_if(kKeys.begin(), kKeys.end(),
			       [&](const Key &k) { return k.name == name; });
	return it == kKeys.end() ? nullptr : &*it;
}

const Key *find_key_by_attr(int attr)
{
	auto it = std::find_if(kKeys.begin(), kKeys.end(),
			       [&](const Key &k) { return k.attr == attr; });
	return it == kKeys.end() ? nullptr : &*it;
}

bool is_number(AttrType type)
{
	return type != AttrType::PrefixNest;
}

uint64_t type_max(AttrType type)
{
	switch (type) {
	case AttrType::U8:
		return std::numeric_limits<uint8_t>::max();
	case AttrType::U16:
		return std::numeric_limits<uint16_t>::max();
	case AttrType::U32:
		return std::numeric_limits<uint32_t>::max();
	case AttrType::PrefixNest:
		break;
	}
	return 0;
}

size_t type_size(AttrType type)
{
	switch (type) {
	case AttrType::U8:
		return 1;
	case AttrType::U16:
		return 2;
	case AttrType::U32:
		return 4;
	case AttrType::PrefixNest:
		break;
	}
	return 0;
}

const PrefixList &default_lan()
{
	static const PrefixList rfc1918{
		{htonl(0x0a000000), 8},	 // 10.0.0.0/8
		{htonl(0xac100000), 12}, // 172.16.0.0/12
		{htonl(0xc0a80000), 16}, // 192.168.0.0/16
	};
	return rfc1918;
}

Value default_value(const Key &key)
{
	if (key.type == AttrType::PrefixNest)
		return default_lan();
	return key.def;
}

std::string prefix_text(const Prefix &p)
{
	in_addr a{};
	a.s_addr = p.addr;
	char buf[INET_ADDRSTRLEN] = {};
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return std::string(buf) + "/" + std::to_string(p.len);
}

std::string prefix_list_text(const PrefixList &list)
{
	if (list.empty())
		return "none";
	std::string s;
	for (const auto &p : list)
		s += (s.empty() ? "" : ",") + prefix_text(p);
	return s;
}

namespace {

// One ADDR/LEN or ADDR of a list, for the reasons named @what.
Prefix parse_prefix(std::string_view item, const std::string &what)
{
	const size_t slash = item.find('/');
	const std::string addr_text(item.substr(0, slash));
	in_addr a{};
	// inet_pton takes exactly the dotted quad: no shorthand, no
	// leading zeros, no trailing text.
	if (inet_pton(AF_INET, addr_text.c_str(), &a) != 1)
		throw UsageError(what + ": " + in_quotes(addr_text) +
				 " is not an IPv4 address (expected ADDR/LEN or ADDR, e.g. "
				 "192.168.1.0/24)");
	unsigned len = 32; // a bare address is one host
	if (slash != std::string_view::npos) {
		std::string_view digits = item.substr(slash + 1);
		const char *end = digits.data() + digits.size();
		auto [ptr, ec] = std::from_chars(digits.data(), end, len, 10);
		if (digits.empty() || digits.size() > 2 || ec != std::errc() || ptr != end ||
		    len > 32)
			throw UsageError(what + ": " + in_quotes(item) +
					 ": the prefix length must be 0 to 32");
	}
	const uint32_t mask = len ? htonl(~uint32_t(0) << (32 - len)) : 0;
	Prefix p{a.s_addr, static_cast<uint8_t>(len)};
	if (a.s_addr & ~mask)
		throw UsageError(what + ": " + std::string(item) +
				 " has host bits set: did you mean " +
				 prefix_text({a.s_addr & mask, p.len}) + "?");
	return p;
}

} // namespace

PrefixList parse_prefix_list(std::string_view text, std::string_view what)
{
	const std::string w(what);
	if (text.empty())
		throw UsageError(w + ": empty value, expected " + std::string(kPrefixesExpected));
	if (iequals(text, "default"))
		return default_lan();
	if (iequals(text, "none"))
		return {};
	if (text.find_first_of(" \t") != std::string_view::npos)
		throw UsageError(w + ": " + in_quotes(text) +
				 " has a blank: separate the prefixes by commas alone");
	PrefixList list;
	for (size_t start = 0;;) {
		const size_t comma = text.find(',', start);
		std::string_view item =
			text.substr(start, comma == std::string_view::npos ? std::string_view::npos
									   : comma - start);
		if (item.empty())
			throw UsageError(w + ": " + in_quotes(text) +
					 " has an empty prefix (one comma between two prefixes, "
					 "none at either end)");
		if (iequals(item, "default") || iequals(item, "none"))
			throw UsageError(w + ": " + in_quotes(item) +
					 " stands alone, not in a list of prefixes");
		Prefix p = parse_prefix(item, w);
		if (std::find(list.begin(), list.end(), p) != list.end())
			throw UsageError(w + ": " + prefix_text(p) + " given twice");
		list.push_back(p);
		if (comma == std::string_view::npos)
			break;
		start = comma + 1;
	}
	if (list.size() > VPNMASQ_LAN_MAX)
		throw UsageError(w + ": " + std::to_string(list.size()) + " prefixes, at most " +
				 std::to_string(VPNMASQ_LAN_MAX));
	return list;
}

Value parse_value(const Key &key, std::string_view text)
{
	if (key.type == AttrType::PrefixNest)
		return parse_prefix_list(text, key.name);
	if (key.boolean) {
		for (auto word : {"on", "yes", "true"})
			if (iequals(text, word))
				return 1;
		for (auto word : {"off", "no", "false"})
			if (iequals(text, word))
				return 0;
	}
	const std::string expected =
		key.boolean ? "0, 1, on or off" : "an unsigned decimal integer";
	if (text.empty())
		throw UsageError(std::string(key.name) + ": empty value, expected " + expected);
	if (text.front() == '-')
		throw UsageError(std::string(key.name) + ": " + in_quotes(text) +
				 " is negative, expected " + expected);
	uint64_t value = 0;
	const char *end = text.data() + text.size();
	auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
	if (ec == std::errc::invalid_argument || ptr != end)
		throw UsageError(std::string(key.name) + ": " + in_quotes(text) + " is not " +
				 expected);
	if (ec == std::errc::result_out_of_range || value > type_max(key.type))
		throw UsageError(std::string(key.name) + ": " + std::string(text) +
				 " is too large (at most " + std::to_string(type_max(key.type)) +
				 ")");
	return value;
}

std::vector<Setting> parse_settings(std::span<const std::string> args)
{
	if (args.empty())
		throw UsageError("set: expected KEY VALUE [KEY VALUE]...");
	if (args.size() % 2)
		throw UsageError("set: " + in_quotes(args.back()) + " has no value");
	std::vector<Setting> settings;
	for (size_t i = 0; i < args.size(); i += 2) {
		const Key *key = find_key(args[i]);
		if (!key)
			throw UsageError("set: unknown key " + in_quotes(args[i]) +
					 " (see: vpnmasq-ctl help)");
		for (const auto &s : settings)
			if (s.key == key)
				throw UsageError("set: " + in_quotes(args[i]) + " given twice");
		try {
			settings.push_back({key, parse_value(*key, args[i + 1])});
		} catch (const UsageError &e) {
			throw UsageError(std::string("set: ") + e.what());
		}
	}
	return settings;
}

} // namespace vpnmasq
