/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunables of one network namespace. Pure data and checks, no kernel
 * dependencies beyond types, so that the userspace tests compile it too.
 */
#ifndef _VPNMASQ_CONFIG_H
#define _VPNMASQ_CONFIG_H

#include <linux/types.h>
#include <linux/vpnmasq.h>

/* One prefix of the LAN scope, its mask precomputed. */
struct vpnmasq_prefix {
	__be32 addr;
	__be32 mask;
};

struct vpnmasq_config {
	u32 ike_timeout;	/* seconds */
	u32 esp_timeout;	/* seconds */
	u32 serial_wait;	/* milliseconds */
	u32 max_assoc;		/* entries per table */
	u32 hold_max;		/* packets held per remote */
	u32 nego_window;	/* seconds an entitlement lasts */
	u32 nego_spis;		/* inbound SPIs one negotiation allows */
	u32 nego_settle;	/* milliseconds, see VPNMASQ_NEGO_SETTLE_DEFAULT */
	u16 zone_base;
	u16 zone_count;
	u8 enabled;
	u8 pptp;
	/* The LAN scope: the sources vpnmasq takes for masqueraded hosts. */
	u8 n_lan;
	struct vpnmasq_prefix lan[VPNMASQ_LAN_MAX];
};

void vpnmasq_config_defaults(struct vpnmasq_config *cfg);
/* The zone range must stay inside the 16-bit zone space. */
bool vpnmasq_zones_fit(const struct vpnmasq_config *cfg);

/* The network mask of a prefix length (0..32). */
__be32 vpnmasq_prefix_mask(u8 len);
/* Adds @addr/@len to the scope: -EINVAL if host bits are set, -E2BIG if full. */
int vpnmasq_lan_add(struct vpnmasq_config *cfg, __be32 addr, u8 len);
bool vpnmasq_lan_has(const struct vpnmasq_config *cfg, __be32 addr);
bool vpnmasq_lan_equal(const struct vpnmasq_config *a,
		       const struct vpnmasq_config *b);

/*
 * A flow vpnmasq may take for a masqueraded LAN host's: from inside the
 * scope to outside it. Both ends inside is LAN-to-LAN routing; a source
 * outside is the WAN side, a public DMZ or the gateway itself.
 */
static inline bool vpnmasq_lan_outbound(const struct vpnmasq_config *cfg,
					__be32 lan, __be32 remote)
{
	return vpnmasq_lan_has(cfg, lan) && !vpnmasq_lan_has(cfg, remote);
}

#endif /* _VPNMASQ_CONFIG_H */
