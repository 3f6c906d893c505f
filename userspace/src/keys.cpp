#include "keys.hpp"

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
	    VPNMASQ_IKE_TIMEOUT_DEFAULT, "idle ISAKMP association lifetime"},
	Key{"esp_timeout", VPNMASQ_A_CFG_ESP_TIMEOUT, AttrType::U32, false, "s",
	    VPNMASQ_ESP_TIMEOUT_DEFAULT, "idle ESP association lifetime"},
	Key{"serial_wait", VPNMASQ_A_CFG_SERIAL_WAIT, AttrType::U32, false, "ms",
	    VPNMASQ_SERIAL_WAIT_DEFAULT, "how long a new SA may wait for its first inbound SPI"},
	Key{"max_assoc", VPNMASQ_A_CFG_MAX_ASSOC, AttrType::U32, false, "",
	    VPNMASQ_MAX_ASSOC_DEFAULT, "entries per association table"},
	Key{"hold_max", VPNMASQ_A_CFG_HOLD_MAX, AttrType::U32, false, "", VPNMASQ_HOLD_MAX_DEFAULT,
	    "packets held per remote while another host's SA is pending"},
	Key{"zone_base", VPNMASQ_A_CFG_ZONE_BASE, AttrType::U16, false, "",
	    VPNMASQ_ZONE_BASE_DEFAULT, "first conntrack zone given to LAN hosts"},
	Key{"zone_count", VPNMASQ_A_CFG_ZONE_COUNT, AttrType::U16, false, "",
	    VPNMASQ_ZONE_COUNT_DEFAULT, "conntrack zones available, one per active LAN host"},
	Key{"pptp", VPNMASQ_A_CFG_PPTP, AttrType::U8, true, "", 1,
	    "attach the PPTP helper to forwarded TCP 1723"},
};

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

uint64_t type_max(AttrType type)
{
	switch (type) {
	case AttrType::U8:
		return std::numeric_limits<uint8_t>::max();
	case AttrType::U16:
		return std::numeric_limits<uint16_t>::max();
	case AttrType::U32:
		break;
	}
	return std::numeric_limits<uint32_t>::max();
}

size_t type_size(AttrType type)
{
	switch (type) {
	case AttrType::U8:
		return 1;
	case AttrType::U16:
		return 2;
	case AttrType::U32:
		break;
	}
	return 4;
}

uint64_t parse_value(const Key &key, std::string_view text)
{
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
