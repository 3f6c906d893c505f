#include "stats.hpp"

#include <array>

namespace vpnmasq {

namespace {

// Indexed by enum vpnmasq_stat; a unit test checks that every counter
// between PAD and __VPNMASQ_STAT_MAX has a name.
constexpr auto kStatNames = [] {
	std::array<std::string_view, __VPNMASQ_STAT_MAX> n{};
	n[VPNMASQ_STAT_IKE_MATCHED] = "ike_matched";
	n[VPNMASQ_STAT_IKE_NEW] = "ike_new";
	n[VPNMASQ_STAT_IKE_UNKNOWN] = "ike_unknown";
	n[VPNMASQ_STAT_IKE_AMBIGUOUS] = "ike_ambiguous";
	n[VPNMASQ_STAT_IKE_COLLISION] = "ike_collision";
	n[VPNMASQ_STAT_IKE_TABLE_FULL] = "ike_table_full";
	n[VPNMASQ_STAT_IKE_MALFORMED] = "ike_malformed";
	n[VPNMASQ_STAT_IKE_EXPIRED] = "ike_expired";
	n[VPNMASQ_STAT_ESP_ASSOCIATED] = "esp_associated";
	n[VPNMASQ_STAT_ESP_MATCHED] = "esp_matched";
	n[VPNMASQ_STAT_ESP_HELD] = "esp_held";
	n[VPNMASQ_STAT_ESP_RELEASED] = "esp_released";
	n[VPNMASQ_STAT_ESP_HOLD_DROPPED] = "esp_hold_dropped";
	n[VPNMASQ_STAT_ESP_WAIT_EXPIRED] = "esp_wait_expired";
	n[VPNMASQ_STAT_ESP_UNKNOWN_SPI] = "esp_unknown_spi";
	n[VPNMASQ_STAT_ESP_REFUSED_NO_IKE] = "esp_refused_no_ike";
	n[VPNMASQ_STAT_ESP_AMBIGUOUS] = "esp_ambiguous";
	n[VPNMASQ_STAT_ESP_COLLISION] = "esp_collision";
	n[VPNMASQ_STAT_ESP_LOCAL] = "esp_local";
	n[VPNMASQ_STAT_ESP_TABLE_FULL] = "esp_table_full";
	n[VPNMASQ_STAT_ESP_MALFORMED] = "esp_malformed";
	n[VPNMASQ_STAT_ESP_EXPIRED] = "esp_expired";
	n[VPNMASQ_STAT_PPTP_ATTACHED] = "pptp_attached";
	n[VPNMASQ_STAT_PPTP_OPENED] = "pptp_opened";
	n[VPNMASQ_STAT_PPTP_CLOSED] = "pptp_closed";
	n[VPNMASQ_STAT_PPTP_REFUSED] = "pptp_refused";
	n[VPNMASQ_STAT_ZONES_EXHAUSTED] = "zones_exhausted";
	n[VPNMASQ_STAT_NOMEM] = "nomem";
	return n;
}();

} // namespace

std::string_view known_stat_name(int stat)
{
	if (stat <= VPNMASQ_STAT_PAD || stat >= __VPNMASQ_STAT_MAX)
		return {};
	return kStatNames[stat];
}

std::string stat_name(int stat)
{
	auto name = known_stat_name(stat);
	if (!name.empty())
		return std::string(name);
	return "stat_" + std::to_string(stat);
}

} // namespace vpnmasq
