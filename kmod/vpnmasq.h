/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of vpnmasq: per-netns state and
 * tunables (net.c), generic netlink (netlink.c) and the protocol handlers.
 */
#ifndef _VPNMASQ_H
#define _VPNMASQ_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/vpnmasq.h>

#include "config.h"
#include "version.h"

struct vpnmasq_stats {
	u64 cnt[__VPNMASQ_STAT_MAX];
};

struct vpnmasq_net {
	struct net *net;
	/* Replaced whole under @lock, read under RCU on the packet path. */
	struct vpnmasq_config __rcu *config;
	/* Serializes configuration changes of this namespace. */
	struct mutex lock;
	struct vpnmasq_stats __percpu *stats;
};

extern unsigned int vpnmasq_net_id;

static inline struct vpnmasq_net *vpnmasq_pernet(const struct net *net)
{
	return net_generic(net, vpnmasq_net_id);
}

static inline void vpnmasq_stat_inc(struct vpnmasq_net *vn,
				    enum vpnmasq_stat stat)
{
	this_cpu_inc(vn->stats->cnt[stat]);
}

void vpnmasq_stats_sum(struct vpnmasq_net *vn, struct vpnmasq_stats *sum);
int vpnmasq_config_replace(struct vpnmasq_net *vn,
			   const struct vpnmasq_config *cfg);

int vpnmasq_net_init(void);
void vpnmasq_net_exit(void);
int vpnmasq_netlink_init(void);
void vpnmasq_netlink_exit(void);

#endif /* _VPNMASQ_H */
