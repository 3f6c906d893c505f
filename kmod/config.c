// SPDX-License-Identifier: GPL-2.0
/*
 * Defaults and cross-field checks of the tunables. Single-field ranges are
 * enforced by the netlink policy; what is checked here spans fields.
 */
#include <linux/vpnmasq.h>

#include "config.h"

void vpnmasq_config_defaults(struct vpnmasq_config *cfg)
{
	cfg->enabled = 1;
	cfg->pptp = 1;
	cfg->ike_timeout = VPNMASQ_IKE_TIMEOUT_DEFAULT;
	cfg->esp_timeout = VPNMASQ_ESP_TIMEOUT_DEFAULT;
	cfg->serial_wait = VPNMASQ_SERIAL_WAIT_DEFAULT;
	cfg->max_assoc = VPNMASQ_MAX_ASSOC_DEFAULT;
	cfg->hold_max = VPNMASQ_HOLD_MAX_DEFAULT;
	cfg->zone_base = VPNMASQ_ZONE_BASE_DEFAULT;
	cfg->zone_count = VPNMASQ_ZONE_COUNT_DEFAULT;
}

bool vpnmasq_zones_fit(const struct vpnmasq_config *cfg)
{
	return (u32)cfg->zone_base + cfg->zone_count <= 65536;
}
