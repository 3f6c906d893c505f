// SPDX-License-Identifier: GPL-2.0
/*
 * One namespace's tables: their life (init, exit) and the events every
 * change is told as. The decisions are in the files of each concept.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/slab.h>

#include "internal.h"

static bool vm_changed(struct vm_tables *t)
{
	t->generation++;
	return t->notify && !t->dead && (!t->listening || t->listening(t));
}

void vm_notify_ike(struct vm_tables *t, const struct vm_ike *e,
		   u8 type, u8 reason)
{
	struct vm_event ev = { .type = type, .reason = reason,
			       .kind = VM_EV_IKE };

	if (!vm_changed(t))
		return;
	vm_ike_info_fill(&ev.ike, e);
	t->notify(t, &ev);
}

void vm_notify_esp(struct vm_tables *t, const struct vm_esp *e,
		   u8 type, u8 reason)
{
	struct vm_event ev = { .type = type, .reason = reason,
			       .kind = VM_EV_ESP };

	if (!vm_changed(t))
		return;
	vm_esp_info_fill(&ev.esp, e);
	t->notify(t, &ev);
}

void vm_notify_pending(struct vm_tables *t, const struct vm_peer *p,
		       u8 type, u8 reason)
{
	struct vm_event ev = { .type = type, .reason = reason,
			       .kind = VM_EV_PENDING };

	if (!vm_changed(t))
		return;
	vm_pending_info_fill(&ev.pending, p);
	t->notify(t, &ev);
}

int vm_tables_init(struct vm_tables *t, struct vpnmasq_stats __percpu *stats)
{
	int err;

	memset(t, 0, sizeof(*t));
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->hosts_all);
	INIT_LIST_HEAD(&t->flows_all);
	INIT_LIST_HEAD(&t->local_ike);
	INIT_LIST_HEAD(&t->ct_gone);
	INIT_LIST_HEAD(&t->pending_peers);
	t->stats = stats;
	t->zone_hold = 660 * HZ;
	t->ike_unanswered = 30 * HZ;

	err = rhashtable_init(&t->hosts, &vm_host_params);
	if (err)
		return err;
	err = rhashtable_init(&t->peers, &vm_peer_params);
	if (err)
		goto err_peers;
	err = rhashtable_init(&t->flows, &vm_flow_params);
	if (err)
		goto err_flows;
	err = rhashtable_init(&t->ike, &vm_ike_params);
	if (err)
		goto err_ike;
	err = rhashtable_init(&t->esp, &vm_esp_params);
	if (err)
		goto err_esp;
	return 0;

err_esp:
	rhashtable_destroy(&t->ike);
err_ike:
	rhashtable_destroy(&t->flows);
err_flows:
	rhashtable_destroy(&t->peers);
err_peers:
	rhashtable_destroy(&t->hosts);
	return err;
}

void vm_tables_exit(struct vm_tables *t)
{
	struct vm_flow_key keys[16];
	struct vm_host *h, *htmp;

	spin_lock_bh(&t->lock);
	t->dead = true;
	spin_unlock_bh(&t->lock);
	vm_tables_flush(t, 0, VM_FLUSH_ALL);
	/* The caller removes every conntrack entry of vpnmasq's. */
	while (vm_tables_ct_gone(t, keys, ARRAY_SIZE(keys)))
		;
	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(h, htmp, &t->hosts_all, all_node)
		vm_host_del(t, h);
	spin_unlock_bh(&t->lock);
	rhashtable_destroy(&t->esp);
	rhashtable_destroy(&t->ike);
	rhashtable_destroy(&t->flows);
	rhashtable_destroy(&t->peers);
	rhashtable_destroy(&t->hosts);
	bitmap_free(t->zones_used);
	t->zones_used = NULL;
}

void vm_refusal_count(struct vm_tables *t, const struct vm_decision *d)
{
	if (d->verdict == VM_DROP && d->refusal)
		vm_stat(t, d->refusal);
}

/*
 * Not the packet of a masqueraded LAN host's flow, nor the reply to one:
 * counted and left to conntrack, as on a kernel without vpnmasq.
 */
bool vm_not_ours(struct vm_tables *t, const struct vpnmasq_config *cfg,
		 const struct vm_pkt *pkt)
{
	if (!vm_pkt_lan_side(cfg, pkt)) {
		vm_stat(t, VPNMASQ_STAT_NOT_LAN);
		return true;
	}
	if (pkt->foreign) {
		vm_stat(t, VPNMASQ_STAT_PORT_FORWARD);
		return true;
	}
	return false;
}
