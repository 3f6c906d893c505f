// SPDX-License-Identifier: GPL-2.0
/*
 * vpnmasq: lets several LAN hosts behind one masquerading gateway run IPsec
 * (ISAKMP/IKE, raw ESP) and PPTP clients at the same time.
 *
 * This file holds only the module's init ladder.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "vpnmasq.h"

static int __init vpnmasq_init(void)
{
	int err;

	err = vpnmasq_ct_init();
	if (err)
		goto err_ct;
	err = vpnmasq_pptp_init();
	if (err)
		goto err_pptp;
	err = vpnmasq_net_init();
	if (err)
		goto err_net;
	err = vpnmasq_netlink_init();
	if (err)
		goto err_netlink;

	pr_info("version " VPNMASQ_VERSION " loaded\n");
	return 0;

err_netlink:
	vpnmasq_net_exit();
err_net:
	vpnmasq_pptp_exit();
err_pptp:
	vpnmasq_ct_exit();
err_ct:
	return err;
}

static void __exit vpnmasq_exit(void)
{
	vpnmasq_netlink_exit();
	vpnmasq_net_exit();
	vpnmasq_pptp_exit();
	vpnmasq_ct_exit();
}

module_init(vpnmasq_init);
module_exit(vpnmasq_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vpnmasq developers");
MODULE_DESCRIPTION("Masquerading of IPsec and PPTP for several LAN hosts");
MODULE_VERSION(VPNMASQ_VERSION);
MODULE_ALIAS_GENL_FAMILY(VPNMASQ_GENL_NAME);
/* The PPTP helpers vpnmasq attaches; see pptp.c. */
MODULE_SOFTDEP("pre: nf_conntrack_pptp nf_nat_pptp");
