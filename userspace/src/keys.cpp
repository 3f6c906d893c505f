#include "keys.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace vpnmasq {

namespace {

constexpr std::array kKeys{
	Key{"enabled", VPNMASQ_A_CFG_ENABLED, AttrType::U8, "", "claim VPN flows in this namespace", true},
	Key{"ike_timeout", VPNMASQ_A_CFG_IKE_TIMEOUT, AttrType::U32, "s", "idle ISAKMP association lifetime"},
	Key{"esp_timeout", VPNMASQ_A_CFG_ESP_TIMEOUT, AttrType::U32, "s", "idle ESP association lifetime"},
	Key{"serial_wait", VPNMASQ_A_CFG_SERIAL_WAIT, AttrType::U32, "ms", "wait for a new SA's first inbound SPI"},
	Key{"max_assoc", VPNMASQ_A_CFG_MAX_ASSOC, AttrType::U32, "", "entries per table"},
	Key{"hold_max", VPNMASQ_A_CFG_HOLD_MAX, AttrType::U32, "", "packets held per remote while serializing"},
	Key{"zone_base", VPNMASQ_A_CFG_ZONE_BASE, AttrType::U16, "", "first conntrack zone for LAN hosts"},
	Key{"zone_count", VPNMASQ_A_CFG_ZONE_COUNT, AttrType::U16, "", "conntrack zones for LAN hosts"},
	Key{"pptp", VPNMASQ_A_CFG_PPTP, AttrType::U8, "", "attach the PPTP helper to forwarded TCP 1723", true},
};

// Indexed by enum vpnmasq_stat; a missing name fails the unit test.
constexpr std::array<std::string_view, __VPNMASQ_STAT_MAX> kStats = [] {
	std::array<std::string_view, __VPNMASQ_STAT_MAX> s{};
	s[VPNMASQ_STAT_IKE_MATCHED] = "ike_matched";
	s[VPNMASQ_STAT_IKE_NEW] = "ike_new";
	s[VPNMASQ_STAT_IKE_UNKNOWN] = "ike_unknown";
	s[VPNMASQ_STAT_IKE_AMBIGUOUS] = "ike_ambiguous";
	s[VPNMASQ_STAT_IKE_COLLISION] = "ike_collision";
	s[VPNMASQ_STAT_IKE_TABLE_FULL] = "ike_table_full";
	s[VPNMASQ_STAT_IKE_MALFORMED] = "ike_malformed";
	s[VPNMASQ_STAT_IKE_EXPIRED] = "ike_expired";
	s[VPNMASQ_STAT_ESP_ASSOCIATED] = "esp_associated";
	s[VPNMASQ_STAT_ESP_MATCHED] = "esp_matched";
	s[VPNMASQ_STAT_ESP_HELD] = "esp_held";
	s[VPNMASQ_STAT_ESP_RELEASED] = "esp_released";
	s[VPNMASQ_STAT_ESP_HOLD_DROPPED] = "esp_hold_dropped";
	s[VPNMASQ_STAT_ESP_WAIT_EXPIRED] = "esp_wait_expired";
	s[VPNMASQ_STAT_ESP_UNKNOWN_SPI] = "esp_unknown_spi";
	s[VPNMASQ_STAT_ESP_REFUSED_NO_IKE] = "esp_refused_no_ike";
	s[VPNMASQ_STAT_ESP_AMBIGUOUS] = "esp_ambiguous";
	s[VPNMASQ_STAT_ESP_COLLISION] = "esp_collision";
	s[VPNMASQ_STAT_ESP_LOCAL] = "esp_local";
	s[VPNMASQ_STAT_ESP_TABLE_FULL] = "esp_table_full";
	s[VPNMASQ_STAT_ESP_MALFORMED] = "esp_malformed";
	s[VPNMASQ_STAT_ESP_EXPIRED] = "esp_expired";
	s[VPNMASQ_STAT_PPTP_ATTACHED] = "pptp_attached";
	s[VPNMASQ_STAT_PPTP_OPENED] = "pptp_opened";
	s[VPNMASQ_STAT_PPTP_CLOSED] = "pptp_closed";
	s[VPNMASQ_STAT_PPTP_REFUSED] = "pptp_refused";
	s[VPNMASQ_STAT_ZONES_EXHAUSTED] = "zones_exhausted";
	s[VPNMASQ_STAT_NOMEM] = "nomem";
	return s;
}();

} // namespace

std::span<const Key> keys()
{
	return kKeys;
}

const Key *find_key(std::string_view name)
{
	for (const auto &k : kKeys)
		if (k.name == name)
			return &k;
	return nullptr;
}

std::optional<uint64_t> parse_value(const Key &key, std::string_view text, std::string &why)
{
	if (key.boolean) {
		for (auto t : {"on", "yes", "true"})
			if (text == t)
				return 1;
		for (auto f : {"off", "no", "false"})
			if (text == f)
				return 0;
	}
	uint64_t v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
		why = std::string(key.name) + ": '" + std::string(text) + "' is not " +
		      (key.boolean ? "a number or on/off" : "an unsigned number");
		return std::nullopt;
	}
	uint64_t max = key.type == AttrType::U8	   ? std::numeric_limits<uint8_t>::max()
		       : key.type == AttrType::U16 ? std::numeric_limits<uint16_t>::max()
						   : std::numeric_limits<uint32_t>::max();
	if (ec == std::errc::result_out_of_range || v > max) {
		why = std::string(key.name) + ": " + std::string(text) + " does not fit in " +
		      std::to_string(max);
		return std::nullopt;
	}
	return v;
}

std::string_view stat_name(int stat)
{
	if (stat < 0 || stat >= __VPNMASQ_STAT_MAX)
		return {};
	return kStats[stat];
}

} // namespace vpnmasq
