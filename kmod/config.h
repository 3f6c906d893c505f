/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunables of one network namespace. Pure data and checks, no kernel
 * dependencies beyond types, so that the userspace tests compile it too.
 */
#ifndef _VPNMASQ_CONFIG_H
#define _VPNMASQ_CONFIG_H

#include <linux/types.h>

struct vpnmasq_config {
	u32 ike_timeout;	/* seconds */
	u32 esp_timeout;	/* seconds */
	u32 serial_wait;	/* milliseconds */
	u32 max_assoc;		/* entries per table */
	u32 hold_max;		/* packets held per remote */
	u16 zone_base;
	u16 zone_count;
	u8 enabled;
	u8 pptp;
};

void vpnmasq_config_defaults(struct vpnmasq_config *cfg);
/* The zone range must stay inside the 16-bit zone space. */
bool vpnmasq_zones_fit(const struct vpnmasq_config *cfg);

#endif /* _VPNMASQ_CONFIG_H */
