// SPDX-License-Identifier: GPL-2.0
/*
 * LAN hosts, remotes and the flows between them, and the conntrack zones
 * hosts own. Created on the first association that needs them, removed
 * with the last one (a host keeps its zone for a while).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "internal.h"

static int vm_zone_alloc(struct vm_tables *t, const struct vpnmasq_config *cfg,
			 u16 *zone)
{
	unsigned long base = cfg->zone_base, end = base + cfg->zone_count;
	unsigned long start = base + t->zone_cursor % cfg->zone_count;
	unsigned long z;

	if (!t->zones_used) {
		t->zones_used = bitmap_zalloc(VM_ZONE_SPACE, GFP_ATOMIC);
		if (!t->zones_used)
			return -ENOMEM;
	}
	/* Round robin, so a freed zone is the last to be reused. */
	z = find_next_zero_bit(t->zones_used, end, start);
	if (z >= end) {
		z = find_next_zero_bit(t->zones_used, start, base);
		if (z >= start)
			return -ENOSPC;
	}
	__set_bit(z, t->zones_used);
	t->zone_cursor = z - base + 1;
	*zone = z;
	return 0;
}

struct vm_host *vm_host_get(struct vm_tables *t,
			    const struct vpnmasq_config *cfg,
			    __be32 addr, unsigned long now)
{
	struct vm_host *h;
	u16 zone;
	int err;

	h = rhashtable_lookup_fast(&t->hosts, &addr, vm_host_params);
	if (h)
		return h;

	err = vm_zone_alloc(t, cfg, &zone);
	if (err) {
		vm_stat(t, err == -ENOSPC ? VPNMASQ_STAT_ZONES_EXHAUSTED :
					    VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		goto err_zone;
	h->addr = addr;
	h->zone = zone;
	h->last_seen = now;
	if (rhashtable_insert_fast(&t->hosts, &h->node, vm_host_params))
		goto err_free;
	list_add(&h->all_node, &t->hosts_all);
	t->n_hosts++;
	return h;

err_free:
	kfree(h);
err_zone:
	__clear_bit(zone, t->zones_used);
	vm_stat(t, VPNMASQ_STAT_NOMEM);
	return NULL;
}

void vm_host_del(struct vm_tables *t, struct vm_host *h)
{
	rhashtable_remove_fast(&t->hosts, &h->node, vm_host_params);
	list_del(&h->all_node);
	__clear_bit(h->zone, t->zones_used);
	t->n_hosts--;
	kfree_rcu(h, rcu);
}

struct vm_peer *vm_peer_get(struct vm_tables *t, __be32 addr)
{
	struct vm_peer *p;

	p = rhashtable_lookup_fast(&t->peers, &addr, vm_peer_params);
	if (p)
		return p;
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p) {
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	p->addr = addr;
	INIT_LIST_HEAD(&p->flows);
	INIT_LIST_HEAD(&p->held);
	if (rhashtable_insert_fast(&t->peers, &p->node, vm_peer_params)) {
		kfree(p);
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	return p;
}

void vm_peer_put_if_unused(struct vm_tables *t, struct vm_peer *p)
{
	if (!list_empty(&p->flows) || p->ike_local || p->pending ||
	    !list_empty(&p->held))
		return;
	rhashtable_remove_fast(&t->peers, &p->node, vm_peer_params);
	/* Used under the lock only, which we hold. */
	kfree(p->unknown[VM_UNKNOWN_SPI]);
	kfree(p->unknown[VM_UNKNOWN_COOKIE]);
	kfree_rcu(p, rcu);
}

static int vm_unknown_find(const struct vm_unknown *u, u64 key)
{
	int i;

	for (i = 0; u && i < VM_UNKNOWN_KEYS; i++)
		if (u->key[i] == key)
			return i;
	return -1;
}

unsigned long vm_unknown_first(const struct vm_peer *p,
			       const struct vpnmasq_config *cfg,
			       enum vm_unknown_kind kind, u64 key,
			       unsigned long now)
{
	const struct vm_unknown *u = p->unknown[kind];
	int i = vm_unknown_find(u, key);

	if (i < 0 || time_after(now, u->first[i] +
				(unsigned long)cfg->nego_window * HZ))
		return now;
	return u->first[i];
}

void vm_unknown_note(struct vm_tables *t, struct vm_peer *p,
		     enum vm_unknown_kind kind, u64 key, unsigned long first)
{
	struct vm_unknown *u = p->unknown[kind];
	int i = vm_unknown_find(u, key);

	if (!u) {
		u = kzalloc(sizeof(*u), GFP_ATOMIC);
		if (!u) {
			vm_stat(t, VPNMASQ_STAT_NOMEM);
			return;
		}
		p->unknown[kind] = u;
	}
	if (i < 0) {
		i = u->next;
		u->next = (u->next + 1) % VM_UNKNOWN_KEYS;
		u->key[i] = key;
	}
	u->first[i] = first;
}

void vm_unknown_forget(struct vm_peer *p, enum vm_unknown_kind kind, u64 key)
{
	int i = vm_unknown_find(p->unknown[kind], key);

	if (i >= 0)
		p->unknown[kind]->key[i] = 0;
}

struct vm_flow *vm_flow_get(struct vm_tables *t,
			    const struct vpnmasq_config *cfg,
			    __be32 lan, __be32 remote, unsigned long now)
{
	struct vm_flow_key key = { .lan = lan, .remote = remote };
	struct vm_host *h;
	struct vm_peer *p;
	struct vm_flow *f;

	f = rhashtable_lookup_fast(&t->flows, &key, vm_flow_params);
	if (f)
		return f;

	h = vm_host_get(t, cfg, lan, now);
	if (!h)
		return NULL;
	p = vm_peer_get(t, remote);
	if (!p)
		return NULL;
	f = kzalloc(sizeof(*f), GFP_ATOMIC);
	if (!f)
		goto err_peer;
	f->key = key;
	f->host = h;
	f->peer = p;
	INIT_LIST_HEAD(&f->ike);
	INIT_LIST_HEAD(&f->esp);
	if (rhashtable_insert_fast(&t->flows, &f->node, vm_flow_params))
		goto err_free;
	list_add_rcu(&f->peer_node, &p->flows);
	list_add(&f->all_node, &t->flows_all);
	h->nflows++;
	return f;

err_free:
	kfree(f);
err_peer:
	vm_stat(t, VPNMASQ_STAT_NOMEM);
	vm_peer_put_if_unused(t, p);
	return NULL;
}

/*
 * A flow without associations goes, once its conntrack entry is taken care
 * of; its host keeps the zone for a while.
 */
void vm_flow_put_if_unused(struct vm_tables *t, struct vm_flow *f)
{
	struct vm_peer *p = f->peer;

	if (f->n_ike || f->n_esp || p->pending == f || f->ct_gone)
		return;
	rhashtable_remove_fast(&t->flows, &f->node, vm_flow_params);
	list_del_rcu(&f->peer_node);
	list_del_init(&f->all_node);
	f->host->nflows--;
	vm_nego_free(f);
	kfree_rcu(f, rcu);
	vm_peer_put_if_unused(t, p);
}

void vm_flow_ct_gone(struct vm_tables *t, struct vm_flow *f)
{
	if (f->ct_gone)
		return;
	f->ct_gone = true;
	list_add_tail(&f->ct_gone_node, &t->ct_gone);
}

unsigned int vm_tables_ct_gone(struct vm_tables *t, struct vm_flow_key *keys,
			       unsigned int max)
{
	struct vm_flow *f, *tmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(f, tmp, &t->ct_gone, ct_gone_node) {
		if (n == max)
			break;
		list_del(&f->ct_gone_node);
		f->ct_gone = false;
		/* A new IKE association lives in the entry again: it stays. */
		if (!f->n_ike)
			keys[n++] = f->key;
		vm_flow_put_if_unused(t, f);
	}
	spin_unlock_bh(&t->lock);
	return n;
}
