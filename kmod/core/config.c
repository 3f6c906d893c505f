// SPDX-License-Identifier: GPL-2.0
/*
 * Defaults and cross-field checks of the tunables. Single-field ranges are
 * enforced by the netlink policy; what is checked here spans fields.
 */
#include <linux/errno.h>
#include <linux/in.h>

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
	cfg->nego_window = VPNMASQ_NEGO_WINDOW_DEFAULT;
	cfg->nego_spis = VPNMASQ_NEGO_SPIS_DEFAULT;
	cfg->nego_settle = VPNMASQ_NEGO_SETTLE_DEFAULT;
	cfg->zone_base = VPNMASQ_ZONE_BASE_DEFAULT;
	cfg->zone_count = VPNMASQ_ZONE_COUNT_DEFAULT;
	/* The private ranges of RFC 1918: what a masqueraded LAN uses. */
	cfg->n_lan = 0;
	vpnmasq_lan_add(cfg, htonl(0x0a000000), 8);
	vpnmasq_lan_add(cfg, htonl(0xac100000), 12);
	vpnmasq_lan_add(cfg, htonl(0xc0a80000), 16);
}

bool vpnmasq_zones_fit(const struct vpnmasq_config *cfg)
{
	return (u32)cfg->zone_base + cfg->zone_count <= 65536;
}

__be32 vpnmasq_prefix_mask(u8 len)
{
	return len ? htonl(~0U << (32 - len)) : 0;
}

int vpnmasq_lan_add(struct vpnmasq_config *cfg, __be32 addr, u8 len)
{
	__be32 mask;

	if (len > 32)
		return -EINVAL;
	mask = vpnmasq_prefix_mask(len);
	if (addr & ~mask)
		return -EINVAL;
	if (cfg->n_lan >= VPNMASQ_LAN_MAX)
		return -E2BIG;
	cfg->lan[cfg->n_lan].addr = addr;
	cfg->lan[cfg->n_lan].mask = mask;
	cfg->n_lan++;
	return 0;
}

bool vpnmasq_lan_has(const struct vpnmasq_config *cfg, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < cfg->n_lan; i++)
		if ((addr & cfg->lan[i].mask) == cfg->lan[i].addr)
			return true;
	return false;
}

bool vpnmasq_lan_equal(const struct vpnmasq_config *a,
		       const struct vpnmasq_config *b)
{
	unsigned int i;

	if (a->n_lan != b->n_lan)
		return false;
	for (i = 0; i < a->n_lan; i++)
		if (a->lan[i].addr != b->lan[i].addr ||
		    a->lan[i].mask != b->lan[i].mask)
			return false;
	return true;
}
