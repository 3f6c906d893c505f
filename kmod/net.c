// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: tunables and counters. Everything vpnmasq
 * keeps lives here so that namespaces never see each other's flows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/netfilter/nf_conntrack_l4proto.h>

#include "vpnmasq.h"

unsigned int vpnmasq_net_id __read_mostly;

static void vpnmasq_stats_read(struct vpnmasq_net *vn,
			       struct vpnmasq_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vpnmasq_stats *pcpu = per_cpu_ptr(vn->stats, cpu);

		for (i = 0; i < __VPNMASQ_STAT_MAX; i++)
			sum->cnt[i] += READ_ONCE(pcpu->cnt[i]);
	}
}

void vpnmasq_stats_sum(struct vpnmasq_net *vn, struct vpnmasq_stats *sum)
{
	int i;

	lockdep_assert_held(&vn->lock);
	vpnmasq_stats_read(vn, sum);
	for (i = 0; i < __VPNMASQ_STAT_MAX; i++)
		sum->cnt[i] -= vn->stats_base.cnt[i];
}

/* The per-CPU counters keep running; readers see them from here on. */
void vpnmasq_stats_reset(struct vpnmasq_net *vn)
{
	lockdep_assert_held(&vn->lock);
	vpnmasq_stats_read(vn, &vn->stats_base);
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
	vpnmasq_ct_timeouts_set(vn, new);
	if (new->enabled && !old->enabled)
		vpnmasq_ct_flush_unzoned(vn->net, new);
	kfree_rcu_mightsleep(old);
	return 0;
}

/*
 * A LAN host's zone may only be handed to another host once every conntrack
 * entry in it has expired: hold it for the longest timeout its entries can
 * have after their last packet, plus slack. ESP entries have esp_timeout;
 * ISAKMP entries are deleted with their flows (which hold the zone until
 * then); anything else in the zone has conntrack's own timeouts.
 */
static unsigned long vpnmasq_zone_hold(struct net *net,
				       const struct vpnmasq_config *cfg)
{
	unsigned long udp = nf_udp_pernet(net)->timeouts[UDP_CT_REPLIED];
	unsigned long generic = nf_generic_pernet(net)->timeout;
	unsigned long esp = (unsigned long)cfg->esp_timeout * HZ;

	return max3(udp, generic, esp) + 60 * HZ;
}

static void vpnmasq_gc_work(struct work_struct *work)
{
	struct vpnmasq_net *vn = container_of(to_delayed_work(work),
					      struct vpnmasq_net, gc_work);
	struct vpnmasq_config cfg;

	rcu_read_lock();
	cfg = *rcu_dereference(vn->config);
	rcu_read_unlock();
	vn->tables.zone_hold = vpnmasq_zone_hold(vn->net, &cfg);
	vn->tables.ike_unanswered =
		nf_udp_pernet(vn->net)->timeouts[UDP_CT_UNREPLIED];
	vm_tables_gc(&vn->tables, &cfg, jiffies);
	vpnmasq_ct_gone(vn);
	vpnmasq_pptp_gc(vn);
	schedule_delayed_work(&vn->gc_work, round_jiffies_relative(HZ));
}

static void vpnmasq_serial_work(struct work_struct *work)
{
	struct vpnmasq_net *vn = container_of(to_delayed_work(work),
					      struct vpnmasq_net, serial_work);
	struct vpnmasq_config cfg;
	unsigned long next;

	rcu_read_lock();
	cfg = *rcu_dereference(vn->config);
	rcu_read_unlock();
	next = vm_esp_serial_tick(&vn->tables, &cfg, jiffies);
	if (next)
		schedule_delayed_work(&vn->serial_work,
				      max_t(long, next - jiffies, 1));
}

/*
 * A new SA may have taken a pending slot: make sure the slot is looked at
 * when its wait ends. Already scheduled work is never later than that.
 */
void vpnmasq_serial_kick(struct vpnmasq_net *vn,
			 const struct vpnmasq_config *cfg)
{
	schedule_delayed_work(&vn->serial_work,
			      msecs_to_jiffies(cfg->serial_wait));
}

/* Set while the module's init runs the per-netns init of every netns. */
static bool vpnmasq_net_loading;

static int __net_init vpnmasq_pernet_init(struct net *net)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(net);
	struct vpnmasq_config *cfg;
	int err = -ENOMEM;

	vn->net = net;
	vn->dying = false;
	mutex_init(&vn->lock);
	vn->stats = alloc_percpu(struct vpnmasq_stats);
	if (!vn->stats)
		goto err_stats;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		goto err_cfg;
	vpnmasq_config_defaults(cfg);
	RCU_INIT_POINTER(vn->config, cfg);
	err = vpnmasq_ct_timeouts_init(vn, cfg);
	if (err)
		goto err_timeouts;
	err = vm_tables_init(&vn->tables, vn->stats);
	if (err)
		goto err_tables;
	vn->tables.pkt_release = vpnmasq_esp_release;
	vn->tables.pkt_drop = vpnmasq_esp_drop;
	vn->tables.notify = vpnmasq_event_tables;
	vn->tables.listening = vpnmasq_event_tables_wanted;
	INIT_DELAYED_WORK(&vn->serial_work, vpnmasq_serial_work);
	vpnmasq_pptp_net_init(vn);
	err = vpnmasq_hooks_register(net);
	if (err)
		goto err_hooks;
	/*
	 * After the hooks: no unzoned entry can be made from now on. Only the
	 * namespaces that exist when the module loads can hold any; a new one
	 * is spared a walk of the whole conntrack table.
	 */
	if (vpnmasq_net_loading)
		vpnmasq_ct_flush_unzoned(net, cfg);
	INIT_DELAYED_WORK(&vn->gc_work, vpnmasq_gc_work);
	schedule_delayed_work(&vn->gc_work, HZ);
	return 0;

err_hooks:
	vm_tables_exit(&vn->tables);
err_tables:
	vpnmasq_ct_timeouts_exit(vn);
err_timeouts:
	kfree(cfg);
err_cfg:
	free_percpu(vn->stats);
err_stats:
	mutex_destroy(&vn->lock);
	return err;
}

/*
 * Unregistering does not wait for packets already in our hooks: the core
 * waits for an RCU grace period between pre_exit and exit (netns deletion
 * and module unload alike), so that no packet still reads the tables that
 * exit frees.
 */
static void __net_exit vpnmasq_pernet_pre_exit(struct net *net)
{
	vpnmasq_hooks_unregister(net);
	WRITE_ONCE(vpnmasq_pernet(net)->dying, true);
}

static void __net_exit vpnmasq_pernet_exit(struct net *net)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(net);

	cancel_delayed_work_sync(&vn->gc_work);
	/* A dying namespace's entries all go with it anyway. */
	if (check_net(net))
		vpnmasq_ct_flush_zoned(net);
	cancel_delayed_work_sync(&vn->serial_work);
	vpnmasq_pptp_net_exit(vn);
	vm_tables_exit(&vn->tables);
	vpnmasq_ct_timeouts_exit(vn);
	/* Netlink handlers of a dying netns have finished: no readers left. */
	kfree(rcu_dereference_protected(vn->config, true));
	free_percpu(vn->stats);
	mutex_destroy(&vn->lock);
}

static struct pernet_operations vpnmasq_net_ops = {
	.init = vpnmasq_pernet_init,
	.pre_exit = vpnmasq_pernet_pre_exit,
	.exit = vpnmasq_pernet_exit,
	.id = &vpnmasq_net_id,
	.size = sizeof(struct vpnmasq_net),
};

int __init vpnmasq_net_init(void)
{
	int err;

	vpnmasq_net_loading = true;
	err = register_pernet_subsys(&vpnmasq_net_ops);
	vpnmasq_net_loading = false;
	return err;
}

void vpnmasq_net_exit(void)
{
	vpnmasq_ct_disable();
	unregister_pernet_subsys(&vpnmasq_net_ops);
}
