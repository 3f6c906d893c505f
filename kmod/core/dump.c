// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots of the tables for dumps and events, taken under the lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>

#include "internal.h"

void vm_ike_info_fill(struct vm_ike_info *info, const struct vm_ike *e)
{
	info->remote = e->key.remote;
	info->icookie = e->key.icookie;
	info->rcookie = READ_ONCE(e->rcookie);
	info->lan = e->lan;
	info->zone = e->zone;
	info->how = e->how;
	info->last_seen = READ_ONCE(e->last_seen);
	info->packets = READ_ONCE(e->packets);
}

unsigned int vm_ike_snapshot(struct vm_tables *t, unsigned long skip,
			     struct vm_ike_info *out, unsigned int max,
			     u32 *gen)
{
	unsigned long pos = 0;
	unsigned int n = 0;
	struct vm_flow *f;
	struct vm_ike *e;

	spin_lock_bh(&t->lock);
	*gen = t->generation;
	list_for_each_entry(f, &t->flows_all, all_node) {
		list_for_each_entry(e, &f->ike, list) {
			if (n == max)
				goto out;
			if (pos++ >= skip)
				vm_ike_info_fill(&out[n++], e);
		}
	}
	list_for_each_entry(e, &t->local_ike, list) {
		if (n == max)
			goto out;
		if (pos++ >= skip)
			vm_ike_info_fill(&out[n++], e);
	}
out:
	spin_unlock_bh(&t->lock);
	return n;
}

void vm_esp_info_fill(struct vm_esp_info *info, const struct vm_esp *e)
{
	info->remote = e->key.remote;
	info->spi = e->key.spi;
	info->dir = e->key.dir;
	info->how = e->how;
	info->lan = e->lan;
	info->zone = e->zone;
	info->last_seen = READ_ONCE(e->last_seen);
	info->packets = READ_ONCE(e->packets);
	info->bytes = READ_ONCE(e->bytes);
}

unsigned int vm_esp_snapshot(struct vm_tables *t, unsigned long skip,
			     struct vm_esp_info *out, unsigned int max,
			     u32 *gen)
{
	unsigned long pos = 0;
	unsigned int n = 0;
	struct vm_flow *f;
	struct vm_esp *e;

	spin_lock_bh(&t->lock);
	*gen = t->generation;
	list_for_each_entry(f, &t->flows_all, all_node) {
		list_for_each_entry(e, &f->esp, list) {
			if (n == max)
				goto out;
			if (pos++ >= skip)
				vm_esp_info_fill(&out[n++], e);
		}
	}
out:
	spin_unlock_bh(&t->lock);
	return n;
}

void vm_pending_info_fill(struct vm_pending_info *info,
			  const struct vm_peer *p)
{
	const struct vm_held *h, *prev;

	info->remote = p->addr;
	info->lan = p->pending->key.lan;
	info->spi = p->pending_spi;
	info->kind = p->pending_kind;
	info->since = p->pending_since;
	info->held = p->n_held;
	info->waiting_hosts = 0;
	/* Distinct hosts among at most hold_max packets. */
	list_for_each_entry(h, &p->held, node) {
		if (h->early_in)
			continue;
		list_for_each_entry(prev, &p->held, node)
			if (prev == h || prev->lan == h->lan)
				break;
		if (prev == h)
			info->waiting_hosts++;
	}
}

unsigned int vm_pending_snapshot(struct vm_tables *t, unsigned long skip,
				 struct vm_pending_info *out, unsigned int max,
				 u32 *gen)
{
	unsigned long pos = 0;
	unsigned int n = 0;
	struct vm_peer *p;

	spin_lock_bh(&t->lock);
	*gen = t->generation;
	list_for_each_entry(p, &t->pending_peers, pending_node) {
		if (n == max)
			break;
		if (pos++ >= skip)
			vm_pending_info_fill(&out[n++], p);
	}
	spin_unlock_bh(&t->lock);
	return n;
}

static void vm_nego_info_fill(struct vm_nego_info *info,
			      const struct vm_flow *f, unsigned long now)
{
	const struct vm_nego *n = f->nego;

	info->remote = f->key.remote;
	info->lan = f->key.lan;
	info->open = vm_nego_open(n, now);
	info->spis = vm_nego_credits(n, now);
	info->ike_sas = vm_nego_ike_sas(n, VM_DIR_OUT, now) +
			vm_nego_ike_sas(n, VM_DIR_IN, now);
	info->paired = info->open ? n->paired : 0;
	info->in_flight = vm_nego_in_flight(n);
	info->completed = n->completed;
	info->exchange = n->last_exchange;
	info->until = n->until;
}

unsigned int vm_nego_snapshot(struct vm_tables *t, unsigned long skip,
			      struct vm_nego_info *out, unsigned int max,
			      u32 *gen)
{
	unsigned long pos = 0, now = jiffies;
	unsigned int n = 0;
	struct vm_flow *f;

	spin_lock_bh(&t->lock);
	*gen = t->generation;
	list_for_each_entry(f, &t->flows_all, all_node) {
		if (!f->nego)
			continue;
		if (n == max)
			break;
		if (pos++ >= skip)
			vm_nego_info_fill(&out[n++], f, now);
	}
	spin_unlock_bh(&t->lock);
	return n;
}
