// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: tunables and counters. Everything vpnmasq
 * keeps lives here so that namespaces never see each other's flows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "vpnmasq.h"

unsigned int vpnmasq_net_id __read_mostly;

void vpnmasq_stats_sum(struct vpnmasq_net *vn, struct vpnmasq_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vpnmasq_stats *pcpu = per_cpu_ptr(vn->stats, cpu);

		for (i = 0; i < __VPNMASQ_STAT_MAX; i++)
			sum->cnt[i] += READ_ONCE(pcpu->cnt[i]);
	}
}

/* Caller holds vn->lock and has checked @cfg. */
int vpnmasq_config_replace(struct vpnmasq_net *vn,
			   const struct vpnmasq_config *cfg)
{
	struct vpnmasq_config *new, *old;

	lockdep_assert_held(&vn->lock);
	new = kmemdup(cfg, sizeof(*cfg), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	old = rcu_replace_pointer(vn->config, new, lockdep_is_held(&vn->lock));
	kfree_rcu_mightsleep(old);
	return 0;
}

static int __net_init vpnmasq_pernet_init(struct net *net)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(net);
	struct vpnmasq_config *cfg;

	vn->net = net;
	mutex_init(&vn->lock);
	vn->stats = alloc_percpu(struct vpnmasq_stats);
	if (!vn->stats)
		return -ENOMEM;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg) {
		free_percpu(vn->stats);
		return -ENOMEM;
	}
	vpnmasq_config_defaults(cfg);
	RCU_INIT_POINTER(vn->config, cfg);
	return 0;
}

static void __net_exit vpnmasq_pernet_exit(struct net *net)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(net);

	/* Netlink handlers of a dying netns have finished: no readers left. */
	kfree(rcu_dereference_protected(vn->config, true));
	free_percpu(vn->stats);
	mutex_destroy(&vn->lock);
}

static struct pernet_operations vpnmasq_net_ops = {
	.init = vpnmasq_pernet_init,
	.exit = vpnmasq_pernet_exit,
	.id = &vpnmasq_net_id,
	.size = sizeof(struct vpnmasq_net),
};

int __init vpnmasq_net_init(void)
{
	return register_pernet_subsys(&vpnmasq_net_ops);
}

void vpnmasq_net_exit(void)
{
	unregister_pernet_subsys(&vpnmasq_net_ops);
}
