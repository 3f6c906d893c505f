// SPDX-License-Identifier: GPL-2.0
/*
 * Association tables: which LAN host an ISAKMP cookie belongs to, which
 * conntrack zone that host owns. Packet-path readers use RCU only on the
 * established path; anything that creates or removes takes tables->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/printk.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "table.h"

#define VM_ZONE_SPACE 65536

static const struct rhashtable_params vm_host_params = {
	.key_len = sizeof(__be32),
	.key_offset = offsetof(struct vm_host, addr),
	.head_offset = offsetof(struct vm_host, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vm_peer_params = {
	.key_len = sizeof(__be32),
	.key_offset = offsetof(struct vm_peer, addr),
	.head_offset = offsetof(struct vm_peer, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vm_flow_params = {
	.key_len = sizeof(struct vm_flow_key),
	.key_offset = offsetof(struct vm_flow, key),
	.head_offset = offsetof(struct vm_flow, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vm_ike_params = {
	.key_len = sizeof(struct vm_ike_key),
	.key_offset = offsetof(struct vm_ike, key),
	.head_offset = offsetof(struct vm_ike, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params vm_esp_params = {
	.key_len = sizeof(struct vm_esp_key),
	.key_offset = offsetof(struct vm_esp, key),
	.head_offset = offsetof(struct vm_esp, node),
	.automatic_shrinking = true,
};

static void vm_stat(struct vm_tables *t, enum vpnmasq_stat stat)
{
	this_cpu_inc(t->stats->cnt[stat]);
}

/* ---- events: every change bumps the generation and is told ---------- */

static void vm_ike_info_fill(struct vm_ike_info *info, const struct vm_ike *e);
static void vm_esp_info_fill(struct vm_esp_info *info, const struct vm_esp *e);
static void vm_pending_info_fill(struct vm_pending_info *info,
				 const struct vm_peer *p);

static bool vm_changed(struct vm_tables *t)
{
	t->generation++;
	return t->notify && !t->dead && (!t->listening || t->listening(t));
}

static void vm_notify_ike(struct vm_tables *t, const struct vm_ike *e,
			  u8 type, u8 reason)
{
	struct vm_event ev = { .type = type, .reason = reason,
			       .kind = VM_EV_IKE };

	if (!vm_changed(t))
		return;
	vm_ike_info_fill(&ev.ike, e);
	t->notify(t, &ev);
}

static void vm_notify_esp(struct vm_tables *t, const struct vm_esp *e,
			  u8 type, u8 reason)
{
	struct vm_event ev = { .type = type, .reason = reason,
			       .kind = VM_EV_ESP };

	if (!vm_changed(t))
		return;
	vm_esp_info_fill(&ev.esp, e);
	t->notify(t, &ev);
}

static void vm_notify_pending(struct vm_tables *t, const struct vm_peer *p,
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
	INIT_LIST_HEAD(&t->pending_peers);
	t->stats = stats;
	t->zone_hold = 660 * HZ;

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

/* ---- zones ---------------------------------------------------------- */

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

/* ---- hosts, peers, flows (all under t->lock) -------------------------- */

static struct vm_host *vm_host_get(struct vm_tables *t,
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

static void vm_host_del(struct vm_tables *t, struct vm_host *h)
{
	rhashtable_remove_fast(&t->hosts, &h->node, vm_host_params);
	list_del(&h->all_node);
	__clear_bit(h->zone, t->zones_used);
	t->n_hosts--;
	kfree_rcu(h, rcu);
}

static struct vm_peer *vm_peer_get(struct vm_tables *t, __be32 addr)
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

static void vm_peer_put_if_unused(struct vm_tables *t, struct vm_peer *p)
{
	if (!list_empty(&p->flows) || p->ike_local || p->pending ||
	    !list_empty(&p->held))
		return;
	rhashtable_remove_fast(&t->peers, &p->node, vm_peer_params);
	kfree_rcu(p, rcu);
}

static struct vm_flow *vm_flow_get(struct vm_tables *t,
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

/* A flow without associations goes; its host keeps the zone for a while. */
static void vm_flow_put_if_unused(struct vm_tables *t, struct vm_flow *f)
{
	struct vm_peer *p = f->peer;

	if (f->n_ike || f->n_esp || p->pending == f)
		return;
	rhashtable_remove_fast(&t->flows, &f->node, vm_flow_params);
	list_del_rcu(&f->peer_node);
	list_del(&f->all_node);
	f->host->nflows--;
	kfree_rcu(f, rcu);
	vm_peer_put_if_unused(t, p);
}

/* ---- ISAKMP ---------------------------------------------------------- */

int vm_isakmp_parse(const u8 *buf, unsigned int len, struct vm_isakmp *hdr)
{
	u32 msglen;

	if (len < VM_ISAKMP_HDR_LEN)
		return -EINVAL;
	memcpy(&hdr->icookie, buf, 8);
	memcpy(&hdr->rcookie, buf + 8, 8);
	hdr->version = buf[17];
	hdr->exchange = buf[18];
	hdr->flags = buf[19];
	msglen = (u32)buf[24] << 24 | (u32)buf[25] << 16 |
		 (u32)buf[26] << 8 | buf[27];

	/* An all-zero initiator cookie is never valid (RFC 2408 3.1). */
	if (!hdr->icookie)
		return -EINVAL;
	/* Major version 1 (IKEv1) or 2 (IKEv2) share this layout. */
	if ((hdr->version >> 4) != 1 && (hdr->version >> 4) != 2)
		return -EINVAL;
	if (msglen < VM_ISAKMP_HDR_LEN)
		return -EINVAL;
	return 0;
}

static void vm_host_touch(struct vm_host *h, unsigned long now)
{
	if (READ_ONCE(h->last_seen) != now)
		WRITE_ONCE(h->last_seen, now);
}

/*
 * The host's last_seen only matters once its last entry is gone, so it is
 * brought along when an entry's changes: once per jiffy per entry, not
 * once per packet (a write to a line every CPU shares).
 */
/*
 * Which key to try first: a packet to the address that last proved local
 * is most likely inbound, anything else forwarded. Only the order of the two
 * lookups depends on it (a packet matches at most one of them in practice),
 * so a stale hint costs one lookup, never a wrong answer.
 */
static bool vm_likely_inbound(const struct vm_tables *t,
			      const struct vm_pkt *pkt)
{
	return pkt->daddr == READ_ONCE(t->local_hint);
}

/* @addr is one of the gateway's own: remembered for vm_likely_inbound(). */
static void vm_local_seen(struct vm_tables *t, __be32 addr)
{
	if (READ_ONCE(t->local_hint) != addr)
		WRITE_ONCE(t->local_hint, addr);
}

static void vm_ike_touch(struct vm_ike *e, const struct vm_isakmp *hdr,
			 unsigned long now)
{
	if (hdr->rcookie && READ_ONCE(e->rcookie) != hdr->rcookie)
		WRITE_ONCE(e->rcookie, hdr->rcookie);
	if (READ_ONCE(e->last_seen) != now) {
		WRITE_ONCE(e->last_seen, now);
		if (e->flow)
			vm_host_touch(e->flow->host, now);
	}
	WRITE_ONCE(e->packets, READ_ONCE(e->packets) + 1);
}

static struct vm_ike *vm_ike_add(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 const struct vm_ike_key *key,
				 struct vm_flow *f, struct vm_peer *p,
				 const struct vm_isakmp *hdr, unsigned long now)
{
	struct vm_ike *e;

	if (t->n_ike >= cfg->max_assoc) {
		vm_stat(t, VPNMASQ_STAT_IKE_TABLE_FULL);
		return NULL;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	e->key = *key;
	e->flow = f;
	if (f) {
		e->lan = f->key.lan;
		e->zone = f->host->zone;
	}
	e->rcookie = hdr->rcookie;
	e->last_seen = now;
	e->packets = 1;
	if (rhashtable_insert_fast(&t->ike, &e->node, vm_ike_params)) {
		kfree(e);
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	if (f) {
		list_add(&e->list, &f->ike);
		if (!f->n_ike++) {
			p->ike_flows++;
			f->ike_oldest = now;
		}
	} else {
		list_add(&e->list, &t->local_ike);
		p->ike_local++;
	}
	t->n_ike++;
	vm_stat(t, VPNMASQ_STAT_IKE_NEW);
	vm_notify_ike(t, e, VPNMASQ_EVENT_NEW, VPNMASQ_REASON_NONE);
	return e;
}

/* Leaves an emptied flow or peer to the caller. */
static void vm_ike_del(struct vm_tables *t, struct vm_ike *e,
		       enum vpnmasq_reason reason)
{
	struct vm_flow *f = e->flow;

	vm_notify_ike(t, e, VPNMASQ_EVENT_DEL, reason);
	rhashtable_remove_fast(&t->ike, &e->node, vm_ike_params);
	list_del(&e->list);
	if (f) {
		if (!--f->n_ike)
			f->peer->ike_flows--;
	} else {
		struct vm_peer *p;

		p = rhashtable_lookup_fast(&t->peers, &e->key.remote,
					   vm_peer_params);
		if (p)
			p->ike_local--;
	}
	t->n_ike--;
	kfree_rcu(e, rcu);
}

static void vm_ike_refuse_collision(struct vm_tables *t,
				    const struct vm_pkt *pkt,
				    struct vm_decision *d)
{
	vm_stat(t, VPNMASQ_STAT_IKE_COLLISION);
	net_dbg_ratelimited("ISAKMP cookie of %pI4 to %pI4 already owned by another host\n",
			    &pkt->saddr, &pkt->daddr);
	d->verdict = VM_DROP;
}

static void vm_ike_outbound_slow(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 const struct vm_pkt *pkt,
				 const struct vm_isakmp *hdr,
				 struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->daddr,
				  .icookie = hdr->icookie };
	struct vm_flow *f;
	struct vm_ike *e;

	spin_lock_bh(&t->lock);
	e = rhashtable_lookup_fast(&t->ike, &key, vm_ike_params);
	if (e) {
		/* Lost a race with another CPU. */
		if (e->flow && e->lan == pkt->saddr) {
			vm_ike_touch(e, hdr, pkt->now);
			d->verdict = VM_ZONE;
			d->zone = e->zone;
		} else {
			vm_ike_refuse_collision(t, pkt, d);
		}
		goto out;
	}
	f = vm_flow_get(t, cfg, pkt->saddr, pkt->daddr, pkt->now);
	if (!f) {
		d->verdict = VM_DROP;
		goto out;
	}
	e = vm_ike_add(t, cfg, &key, f, f->peer, hdr, pkt->now);
	if (!e) {
		vm_flow_put_if_unused(t, f);
		d->verdict = VM_DROP;
		goto out;
	}
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
out:
	spin_unlock_bh(&t->lock);
}

/*
 * An inbound packet whose initiator cookie nobody owns: a remote starting a
 * new exchange. Deliver it only if exactly one LAN host (and not the gateway
 * itself) has IKE state with that remote; never guess between several.
 * Called under rcu_read_lock.
 */
static void vm_ike_inbound_unknown(struct vm_tables *t,
				   const struct vm_pkt *pkt,
				   struct vm_decision *d)
{
	struct vm_peer *p;
	struct vm_flow *f;
	u32 flows, local;

	p = rhashtable_lookup(&t->peers, &pkt->saddr, vm_peer_params);
	flows = p ? READ_ONCE(p->ike_flows) : 0;
	local = p ? READ_ONCE(p->ike_local) : 0;
	if (!flows) {
		/* Nobody behind us talks to it: it is the gateway's. */
		vm_stat(t, VPNMASQ_STAT_IKE_UNKNOWN);
		return;
	}
	if (flows > 1 || local || pkt->recheck) {
		net_dbg_ratelimited("new ISAKMP exchange from %pI4 is ambiguous: %u hosts\n",
				    &pkt->saddr, flows + !!local);
		d->verdict = VM_DROP;
		d->refusal = VPNMASQ_STAT_IKE_AMBIGUOUS;
		return;
	}
	list_for_each_entry_rcu(f, &p->flows, peer_node) {
		if (READ_ONCE(f->n_ike)) {
			vm_stat(t, VPNMASQ_STAT_IKE_MATCHED);
			vm_host_touch(f->host, pkt->now);
			d->verdict = VM_ZONE;
			d->zone = f->host->zone;
			return;
		}
	}
	/* The only flow went away meanwhile. */
	vm_stat(t, VPNMASQ_STAT_IKE_UNKNOWN);
}

static bool vm_ike_known_in(struct vm_tables *t, const struct vm_pkt *pkt,
			    const struct vm_isakmp *hdr,
			    struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->saddr,
				  .icookie = hdr->icookie };
	struct vm_ike *e;

	/* A reply or a remote's message on a known IKE SA? */
	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (!e)
		return false;
	d->inbound = true;
	if (e->flow) {
		vm_ike_touch(e, hdr, pkt->now);
		vm_stat(t, VPNMASQ_STAT_IKE_MATCHED);
		d->verdict = VM_ZONE;
		d->zone = e->zone;
	}
	return true;
}

/*
 * The sender's own cookie to this remote? Only a LAN host's packet can match
 * (the LAN address is part of the answer), so this needs no to_local;
 * anything else is for vm_ike_new().
 */
static bool vm_ike_known_out(struct vm_tables *t, const struct vm_pkt *pkt,
			     const struct vm_isakmp *hdr,
			     struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->daddr,
				  .icookie = hdr->icookie };
	struct vm_ike *e;

	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (!e || !e->flow || e->lan != pkt->saddr)
		return false;
	vm_ike_touch(e, hdr, pkt->now);
	d->inbound = false;
	d->verdict = VM_ZONE;
	d->zone = e->zone;
	return true;
}

bool vm_ike_known(struct vm_tables *t, const struct vm_pkt *pkt,
		  const struct vm_isakmp *hdr, struct vm_decision *d)
{
	bool known;

	d->verdict = VM_PASS;
	rcu_read_lock();
	if (vm_likely_inbound(t, pkt))
		known = vm_ike_known_in(t, pkt, hdr, d) ||
			vm_ike_known_out(t, pkt, hdr, d);
	else
		known = vm_ike_known_out(t, pkt, hdr, d) ||
			vm_ike_known_in(t, pkt, hdr, d);
	rcu_read_unlock();
	return known;
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
static bool vm_not_ours(struct vm_tables *t, const struct vpnmasq_config *cfg,
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

void vm_ike_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
		const struct vm_pkt *pkt, const struct vm_isakmp *hdr,
		struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->daddr,
				  .icookie = hdr->icookie };

	d->verdict = VM_PASS;
	d->inbound = pkt->to_local;
	d->refusal = 0;
	if (vm_not_ours(t, cfg, pkt))
		return;
	if (pkt->to_local) {
		vm_local_seen(t, pkt->daddr);
		rcu_read_lock();
		vm_ike_inbound_unknown(t, pkt, d);
		rcu_read_unlock();
		return;
	}
	/* Forwarded from a LAN host: a cookie another host owns? */
	rcu_read_lock();
	if (rhashtable_lookup(&t->ike, &key, vm_ike_params)) {
		vm_ike_refuse_collision(t, pkt, d);
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	vm_ike_outbound_slow(t, cfg, pkt, hdr, d);
}

void vm_ike_local_out(struct vm_tables *t, const struct vpnmasq_config *cfg,
		      const struct vm_pkt *pkt, const struct vm_isakmp *hdr)
{
	struct vm_ike_key key = { .remote = pkt->daddr,
				  .icookie = hdr->icookie };
	struct vm_peer *p;
	struct vm_ike *e;

	rcu_read_lock();
	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (e) {
		/* The gateway's own packets are never refused, only counted. */
		if (e->flow)
			vm_stat(t, VPNMASQ_STAT_IKE_COLLISION);
		else
			vm_ike_touch(e, hdr, pkt->now);
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();

	spin_lock_bh(&t->lock);
	if (!rhashtable_lookup_fast(&t->ike, &key, vm_ike_params)) {
		p = vm_peer_get(t, pkt->daddr);
		if (p && !vm_ike_add(t, cfg, &key, NULL, p, hdr, pkt->now))
			vm_peer_put_if_unused(t, p);
	}
	spin_unlock_bh(&t->lock);
}

/* ---- ESP ------------------------------------------------------------- */

int vm_esp_parse(const u8 *buf, unsigned int len, __be32 *spi)
{
	if (len < VM_ESP_HDR_LEN)
		return -EINVAL;
	memcpy(spi, buf, sizeof(*spi));
	/* SPI 0 is reserved (RFC 4303 2.1): nothing to associate. */
	return *spi ? 0 : -EINVAL;
}

static void vm_esp_touch(struct vm_esp *e, unsigned int len, unsigned long now)
{
	if (READ_ONCE(e->last_seen) != now) {
		WRITE_ONCE(e->last_seen, now);
		vm_host_touch(e->flow->host, now);
	}
	WRITE_ONCE(e->packets, READ_ONCE(e->packets) + 1);
	WRITE_ONCE(e->bytes, READ_ONCE(e->bytes) + len);
}

static bool vm_esp_known_in(struct vm_tables *t, const struct vm_pkt *pkt,
			    __be32 spi, unsigned int len,
			    struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->saddr, .spi = spi,
				  .dir = VM_ESP_IN };
	struct vm_esp *e;

	e = rhashtable_lookup(&t->esp, &key, vm_esp_params);
	if (!e || e->gw != pkt->daddr)
		return false;
	vm_esp_touch(e, len, pkt->now);
	vm_stat(t, VPNMASQ_STAT_ESP_MATCHED);
	d->inbound = true;
	d->verdict = VM_ZONE;
	d->zone = e->zone;
	return true;
}

static bool vm_esp_known_out(struct vm_tables *t, const struct vm_pkt *pkt,
			     __be32 spi, unsigned int len,
			     struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->daddr, .spi = spi,
				  .dir = VM_ESP_OUT };
	struct vm_esp *e;

	e = rhashtable_lookup(&t->esp, &key, vm_esp_params);
	if (!e)
		return false;
	d->inbound = false;
	if (e->lan == pkt->saddr) {
		vm_esp_touch(e, len, pkt->now);
		d->verdict = VM_ZONE;
		d->zone = e->zone;
	} else {
		vm_stat(t, VPNMASQ_STAT_ESP_COLLISION);
		d->verdict = VM_DROP;
	}
	return true;
}

bool vm_esp_known(struct vm_tables *t, const struct vm_pkt *pkt, __be32 spi,
		  unsigned int len, struct vm_decision *d)
{
	bool known;

	rcu_read_lock();
	if (vm_likely_inbound(t, pkt))
		known = vm_esp_known_in(t, pkt, spi, len, d) ||
			vm_esp_known_out(t, pkt, spi, len, d);
	else
		known = vm_esp_known_out(t, pkt, spi, len, d) ||
			vm_esp_known_in(t, pkt, spi, len, d);
	rcu_read_unlock();
	return known;
}

/* @gw: for an inbound SPI the gateway address it came to, else 0. */
static struct vm_esp *vm_esp_add(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 const struct vm_esp_key *key, struct vm_flow *f,
				 __be32 gw, unsigned long now)
{
	struct vm_esp *e;

	if (t->n_esp >= cfg->max_assoc) {
		vm_stat(t, VPNMASQ_STAT_ESP_TABLE_FULL);
		return NULL;
	}
	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	e->key = *key;
	e->gw = gw;
	e->flow = f;
	e->lan = f->key.lan;
	e->zone = f->host->zone;
	e->last_seen = now;
	if (rhashtable_insert_fast(&t->esp, &e->node, vm_esp_params)) {
		kfree(e);
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	list_add(&e->list, &f->esp);
	if (!f->n_esp++)
		f->esp_oldest = now;
	t->n_esp++;
	vm_notify_esp(t, e, VPNMASQ_EVENT_NEW, VPNMASQ_REASON_NONE);
	return e;
}

static void vm_esp_del(struct vm_tables *t, struct vm_esp *e,
		       enum vpnmasq_reason reason)
{
	vm_notify_esp(t, e, VPNMASQ_EVENT_DEL, reason);
	rhashtable_remove_fast(&t->esp, &e->node, vm_esp_params);
	list_del(&e->list);
	e->flow->n_esp--;
	t->n_esp--;
	kfree_rcu(e, rcu);
}

static void vm_pending_set(struct vm_tables *t, struct vm_peer *p,
			   struct vm_flow *f, __be32 spi, unsigned long now)
{
	p->pending = f;
	p->pending_spi = spi;
	p->pending_since = now;
	list_add_tail(&p->pending_node, &t->pending_peers);
	vm_notify_pending(t, p, VPNMASQ_EVENT_NEW, VPNMASQ_REASON_NONE);
}

/* Leaves the flow that was pending to the caller. */
static void vm_pending_clear(struct vm_tables *t, struct vm_peer *p,
			     enum vpnmasq_reason reason)
{
	vm_notify_pending(t, p, VPNMASQ_EVENT_DEL, reason);
	p->pending = NULL;
	list_del(&p->pending_node);
}

static void vm_held_unlink(struct vm_tables *t, struct vm_peer *p,
			   struct vm_held *h)
{
	list_del(&h->node);
	p->n_held--;
	t->n_held--;
}

/* The slot is free: the host waiting longest gets it, its packets go on. */
static void vm_esp_promote(struct vm_tables *t,
			   const struct vpnmasq_config *cfg, struct vm_peer *p,
			   unsigned long now)
{
	struct vm_held *h, *tmp;
	struct vm_flow *f;
	struct vm_esp *e;
	__be32 lan;

	while (!p->pending && !list_empty(&p->held)) {
		lan = list_first_entry(&p->held, struct vm_held, node)->lan;
		f = vm_flow_get(t, cfg, lan, p->addr, now);
		list_for_each_entry_safe(h, tmp, &p->held, node) {
			struct vm_esp_key key = { .remote = p->addr,
						  .spi = h->spi,
						  .dir = VM_ESP_OUT };

			if (h->lan != lan)
				continue;
			vm_held_unlink(t, p, h);
			e = f ? rhashtable_lookup_fast(&t->esp, &key,
						       vm_esp_params) : NULL;
			if (f && !e) {
				e = vm_esp_add(t, cfg, &key, f, 0, now);
				if (e && !p->pending)
					vm_pending_set(t, p, f, h->spi, now);
			}
			if (e && e->flow == f) {
				vm_stat(t, VPNMASQ_STAT_ESP_RELEASED);
				t->pkt_release(h->pkt);
			} else {
				vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
				t->pkt_drop(h->pkt);
			}
			kfree(h);
		}
		if (f)
			vm_flow_put_if_unused(t, f);
	}
}

static struct vm_flow *vm_peer_only_ike_flow(struct vm_peer *p)
{
	struct vm_flow *f;

	if (!p || p->ike_flows != 1 || p->ike_local)
		return NULL;
	list_for_each_entry(f, &p->flows, peer_node)
		if (f->n_ike)
			return f;
	return NULL;
}

/*
 * An inbound SPI never seen before, to the gateway, not one of the
 * gateway's own SAs. It belongs to the host whose new outbound SPI waits for
 * its reply, or else to the only host with IKE state with that remote;
 * otherwise nobody may claim it (no hole punching): the refusal is left to
 * the caller to count (d->refusal), who may first let DNAT have a look.
 */
void vm_esp_inbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			const struct vm_pkt *pkt, __be32 spi,
			struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->saddr, .spi = spi,
				  .dir = VM_ESP_IN };
	struct vm_flow *f, *pending = NULL;
	struct vm_peer *p;
	struct vm_esp *e;

	d->verdict = VM_PASS;
	d->inbound = true;
	d->refusal = 0;
	if (vm_not_ours(t, cfg, pkt))
		return;
	d->verdict = VM_DROP;
	vm_local_seen(t, pkt->daddr);
	spin_lock_bh(&t->lock);
	e = rhashtable_lookup_fast(&t->esp, &key, vm_esp_params);
	if (e) {
		/* Bound meanwhile: too late for a packet looked at twice. */
		if (pkt->recheck) {
			d->refusal = VPNMASQ_STAT_ESP_AMBIGUOUS;
		} else if (e->gw == pkt->daddr) {
			d->verdict = VM_ZONE;
			d->zone = e->zone;
		} else {
			vm_stat(t, VPNMASQ_STAT_ESP_COLLISION);
		}
		goto out;
	}
	if (!pkt->recheck)
		vm_stat(t, VPNMASQ_STAT_ESP_UNKNOWN_SPI);
	p = rhashtable_lookup_fast(&t->peers, &pkt->saddr, vm_peer_params);
	if (p && p->pending) {
		pending = p->pending;
		f = pending;
	} else {
		f = vm_peer_only_ike_flow(p);
	}
	/* A second look binds nothing: whoever may own it now, it is refused. */
	if (!f || pkt->recheck) {
		d->refusal = f || (p && p->ike_flows > 1) ?
			     VPNMASQ_STAT_ESP_AMBIGUOUS :
			     VPNMASQ_STAT_ESP_REFUSED_NO_IKE;
		net_dbg_ratelimited("unknown ESP SPI %08x from %pI4 refused\n",
				    ntohl(spi), &pkt->saddr);
		goto out;
	}
	if (!vm_esp_add(t, cfg, &key, f, pkt->daddr, pkt->now))
		goto out;
	vm_stat(t, VPNMASQ_STAT_ESP_ASSOCIATED);
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
	if (pending) {
		vm_pending_clear(t, p, VPNMASQ_REASON_ANSWERED);
		vm_esp_promote(t, cfg, p, pkt->now);
		vm_flow_put_if_unused(t, pending);
	}
out:
	spin_unlock_bh(&t->lock);
}

void vm_esp_outbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			 const struct vm_pkt *pkt, __be32 spi, void *handle,
			 struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->daddr, .spi = spi,
				  .dir = VM_ESP_OUT };
	struct vm_held *h;
	struct vm_peer *p;
	struct vm_flow *f;
	struct vm_esp *e;

	d->verdict = VM_PASS;
	d->inbound = false;
	d->refusal = 0;
	if (vm_not_ours(t, cfg, pkt))
		return;
	d->verdict = VM_DROP;
	spin_lock_bh(&t->lock);
	e = rhashtable_lookup_fast(&t->esp, &key, vm_esp_params);
	if (e) {
		/* Lost a race with another CPU. */
		if (e->flow->key.lan == pkt->saddr) {
			d->verdict = VM_ZONE;
			d->zone = e->zone;
		} else {
			vm_stat(t, VPNMASQ_STAT_ESP_COLLISION);
		}
		goto out;
	}
	p = vm_peer_get(t, pkt->daddr);
	if (!p)
		goto out;
	if (p->pending && p->pending->key.lan != pkt->saddr) {
		/* Another host's new SA to this remote awaits its reply. */
		if (!handle || p->n_held >= cfg->hold_max) {
			vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
			goto out;
		}
		h = kzalloc(sizeof(*h), GFP_ATOMIC);
		if (!h) {
			vm_stat(t, VPNMASQ_STAT_NOMEM);
			goto out;
		}
		h->pkt = handle;
		h->lan = pkt->saddr;
		h->spi = spi;
		list_add_tail(&h->node, &p->held);
		p->n_held++;
		t->n_held++;
		vm_stat(t, VPNMASQ_STAT_ESP_HELD);
		d->verdict = VM_HOLD;
		goto out;
	}
	f = vm_flow_get(t, cfg, pkt->saddr, pkt->daddr, pkt->now);
	if (!f) {
		vm_peer_put_if_unused(t, p);
		goto out;
	}
	if (!vm_esp_add(t, cfg, &key, f, 0, pkt->now)) {
		vm_flow_put_if_unused(t, f);
		goto out;
	}
	if (!p->pending)
		vm_pending_set(t, p, f, spi, pkt->now);
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
out:
	spin_unlock_bh(&t->lock);
}

unsigned long vm_esp_serial_tick(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 unsigned long now)
{
	unsigned long wait = msecs_to_jiffies(cfg->serial_wait);
	unsigned long next = 0, deadline;
	struct vm_peer *p, *tmp;
	struct vm_flow *f;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(p, tmp, &t->pending_peers, pending_node) {
		if (time_before(now, p->pending_since + wait))
			continue;
		vm_stat(t, VPNMASQ_STAT_ESP_WAIT_EXPIRED);
		f = p->pending;
		vm_pending_clear(t, p, VPNMASQ_REASON_WAIT_OVER);
		vm_esp_promote(t, cfg, p, now);
		/* May free the peer when nobody else waits. */
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry(p, &t->pending_peers, pending_node) {
		deadline = p->pending_since + wait;
		if (!next || time_before(deadline, next))
			next = deadline ?: 1;
	}
	spin_unlock_bh(&t->lock);
	return next;
}

/* Drops the held packets of @lan (of everyone if 0). */
static unsigned int vm_held_flush(struct vm_tables *t, struct vm_peer *p,
				  __be32 lan)
{
	struct vm_held *h, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(h, tmp, &p->held, node) {
		if (lan && h->lan != lan)
			continue;
		vm_held_unlink(t, p, h);
		vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
		t->pkt_drop(h->pkt);
		kfree(h);
		n++;
	}
	return n;
}

/* ---- ICMP errors ----------------------------------------------------- */

/* Conntrack must find the entry's reply tuple in the host's zone. */
static void vm_icmp_zone(struct vm_tables *t, u16 zone, struct vm_decision *d)
{
	d->verdict = VM_ZONE;
	d->zone = zone;
	d->inbound = true;
	vm_stat(t, VPNMASQ_STAT_ICMP_MATCHED);
}

void vm_esp_icmp_error(struct vm_tables *t, __be32 remote, __be32 spi,
		       struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = remote, .spi = spi,
				  .dir = VM_ESP_OUT };
	const struct vm_esp *e;

	d->verdict = VM_PASS;
	rcu_read_lock();
	e = rhashtable_lookup(&t->esp, &key, vm_esp_params);
	if (e)
		vm_icmp_zone(t, e->zone, d);
	else
		vm_stat(t, VPNMASQ_STAT_ICMP_UNKNOWN);
	rcu_read_unlock();
}

void vm_ike_icmp_error(struct vm_tables *t, __be32 remote, __be64 icookie,
		       struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = remote, .icookie = icookie };
	const struct vm_ike *e;

	d->verdict = VM_PASS;
	rcu_read_lock();
	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (e && e->flow)
		vm_icmp_zone(t, e->zone, d);
	else if (!e)	/* the gateway's own: conntrack finds it as it is */
		vm_stat(t, VPNMASQ_STAT_ICMP_UNKNOWN);
	rcu_read_unlock();
}

/* ---- lifetime -------------------------------------------------------- */

void vm_flow_ct_destroyed(struct vm_tables *t, __be32 lan, __be32 remote,
			  u8 l4proto)
{
	struct vm_flow_key key = { .lan = lan, .remote = remote };
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	struct vm_flow *f;

	if (l4proto != IPPROTO_UDP && l4proto != IPPROTO_ESP)
		return;
	spin_lock_bh(&t->lock);
	f = t->dead ? NULL :
		rhashtable_lookup_fast(&t->flows, &key, vm_flow_params);
	if (f) {
		if (l4proto == IPPROTO_UDP) {
			list_for_each_entry_safe(e, etmp, &f->ike, list)
				vm_ike_del(t, e, VPNMASQ_REASON_CT_GONE);
		} else {
			list_for_each_entry_safe(s, stmp, &f->esp, list)
				vm_esp_del(t, s, VPNMASQ_REASON_CT_GONE);
		}
		vm_flow_put_if_unused(t, f);
	}
	spin_unlock_bh(&t->lock);
}

static bool vm_idle(unsigned long last, unsigned long now,
		    unsigned long timeout)
{
	return time_after(now, last + timeout);
}

unsigned int vm_tables_gc(struct vm_tables *t, const struct vpnmasq_config *cfg,
			  unsigned long now)
{
	unsigned long ike_to = (unsigned long)cfg->ike_timeout * HZ;
	unsigned long esp_to = (unsigned long)cfg->esp_timeout * HZ;
	unsigned long oldest, seen;
	struct vm_flow *f, *ftmp;
	struct vm_host *h, *htmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (f->n_ike && vm_idle(f->ike_oldest, now, ike_to)) {
			oldest = now;
			list_for_each_entry_safe(e, etmp, &f->ike, list) {
				seen = READ_ONCE(e->last_seen);
				if (vm_idle(seen, now, ike_to)) {
					vm_ike_del(t, e, VPNMASQ_REASON_EXPIRED);
					vm_stat(t, VPNMASQ_STAT_IKE_EXPIRED);
					n++;
				} else if (time_before(seen, oldest)) {
					oldest = seen;
				}
			}
			f->ike_oldest = oldest;
		}
		if (f->n_esp && vm_idle(f->esp_oldest, now, esp_to)) {
			oldest = now;
			list_for_each_entry_safe(s, stmp, &f->esp, list) {
				seen = READ_ONCE(s->last_seen);
				if (vm_idle(seen, now, esp_to)) {
					vm_esp_del(t, s, VPNMASQ_REASON_EXPIRED);
					vm_stat(t, VPNMASQ_STAT_ESP_EXPIRED);
					n++;
				} else if (time_before(seen, oldest)) {
					oldest = seen;
				}
			}
			f->esp_oldest = oldest;
		}
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry_safe(e, etmp, &t->local_ike, list) {
		if (vm_idle(READ_ONCE(e->last_seen), now, ike_to)) {
			struct vm_peer *p;

			p = rhashtable_lookup_fast(&t->peers, &e->key.remote,
						   vm_peer_params);
			vm_ike_del(t, e, VPNMASQ_REASON_EXPIRED);
			vm_stat(t, VPNMASQ_STAT_IKE_EXPIRED);
			n++;
			if (p)
				vm_peer_put_if_unused(t, p);
		}
	}
	list_for_each_entry_safe(h, htmp, &t->hosts_all, all_node) {
		if (!h->nflows &&
		    vm_idle(READ_ONCE(h->last_seen), now, t->zone_hold))
			vm_host_del(t, h);
	}
	spin_unlock_bh(&t->lock);
	return n;
}

static unsigned int vm_local_ike_flush(struct vm_tables *t,
				       enum vpnmasq_reason reason,
				       const __be64 *icookie, __be32 remote)
{
	struct vm_ike *e, *etmp;
	struct vm_peer *p;
	unsigned int n = 0;

	list_for_each_entry_safe(e, etmp, &t->local_ike, list) {
		if ((icookie && e->key.icookie != *icookie) ||
		    (remote && e->key.remote != remote))
			continue;
		p = rhashtable_lookup_fast(&t->peers, &e->key.remote,
					   vm_peer_params);
		vm_ike_del(t, e, reason);
		n++;
		if (p)
			vm_peer_put_if_unused(t, p);
	}
	return n;
}

unsigned int vm_tables_flush(struct vm_tables *t, __be32 lan,
			     unsigned int what)
{
	struct vm_peer *p, *ptmp;
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	/* Serialization state first: it pins flows and peers. */
	list_for_each_entry_safe(p, ptmp, &t->pending_peers, pending_node) {
		if (!(what & VM_FLUSH_ESP))
			break;
		f = p->pending;
		if (!lan || f->key.lan == lan) {
			/* Without the slot nobody would release them. */
			vm_held_flush(t, p, 0);
			vm_pending_clear(t, p, VPNMASQ_REASON_FLUSHED);
			vm_flow_put_if_unused(t, f);
		} else {
			vm_held_flush(t, p, lan);
		}
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (lan && f->key.lan != lan)
			continue;
		if (what & VM_FLUSH_IKE) {
			list_for_each_entry_safe(e, etmp, &f->ike, list) {
				vm_ike_del(t, e, VPNMASQ_REASON_FLUSHED);
				n++;
			}
		}
		if (what & VM_FLUSH_ESP) {
			list_for_each_entry_safe(s, stmp, &f->esp, list) {
				vm_esp_del(t, s, VPNMASQ_REASON_FLUSHED);
				n++;
			}
		}
		vm_flow_put_if_unused(t, f);
	}
	if (!lan && (what & VM_FLUSH_IKE))
		n += vm_local_ike_flush(t, VPNMASQ_REASON_FLUSHED, NULL, 0);
	spin_unlock_bh(&t->lock);
	return n;
}

unsigned int vm_tables_flush_scope(struct vm_tables *t,
				   const struct vpnmasq_config *cfg)
{
	struct vm_held *h, *htmp;
	struct vm_peer *p, *ptmp;
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(p, ptmp, &t->pending_peers, pending_node) {
		list_for_each_entry_safe(h, htmp, &p->held, node) {
			if (vpnmasq_lan_outbound(cfg, h->lan, p->addr))
				continue;
			vm_held_unlink(t, p, h);
			vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
			t->pkt_drop(h->pkt);
			kfree(h);
		}
		f = p->pending;
		if (vpnmasq_lan_outbound(cfg, f->key.lan, p->addr))
			continue;
		vm_pending_clear(t, p, VPNMASQ_REASON_SCOPE);
		vm_esp_promote(t, cfg, p, jiffies);
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (vpnmasq_lan_outbound(cfg, f->key.lan, f->key.remote))
			continue;
		list_for_each_entry_safe(e, etmp, &f->ike, list) {
			vm_ike_del(t, e, VPNMASQ_REASON_SCOPE);
			n++;
		}
		list_for_each_entry_safe(s, stmp, &f->esp, list) {
			vm_esp_del(t, s, VPNMASQ_REASON_SCOPE);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
	spin_unlock_bh(&t->lock);
	return n;
}

/* With the remote known the entry is found by its key, not by a walk. */
static unsigned int vm_ike_del_key(struct vm_tables *t, __be64 icookie,
				   __be32 remote)
{
	struct vm_ike_key key = { .remote = remote, .icookie = icookie };
	struct vm_flow *f;
	struct vm_peer *p;
	struct vm_ike *e;

	e = rhashtable_lookup_fast(&t->ike, &key, vm_ike_params);
	if (!e)
		return 0;
	f = e->flow;
	p = f ? NULL : rhashtable_lookup_fast(&t->peers, &remote,
					      vm_peer_params);
	vm_ike_del(t, e, VPNMASQ_REASON_DELETED);
	if (f)
		vm_flow_put_if_unused(t, f);
	else if (p)
		vm_peer_put_if_unused(t, p);
	return 1;
}

unsigned int vm_ike_del_cookie(struct vm_tables *t, __be64 icookie,
			       __be32 remote)
{
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	if (remote) {
		n = vm_ike_del_key(t, icookie, remote);
		goto out;
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (remote && f->key.remote != remote)
			continue;
		list_for_each_entry_safe(e, etmp, &f->ike, list) {
			if (e->key.icookie != icookie)
				continue;
			vm_ike_del(t, e, VPNMASQ_REASON_DELETED);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
	n += vm_local_ike_flush(t, VPNMASQ_REASON_DELETED, &icookie, remote);
out:
	spin_unlock_bh(&t->lock);
	return n;
}

unsigned int vm_esp_del_spi(struct vm_tables *t, __be32 spi, __be32 remote)
{
	struct vm_esp_key key = { .remote = remote, .spi = spi };
	struct vm_flow *f, *ftmp;
	struct vm_esp *e, *etmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	if (remote) {
		/* Both directions, found by their keys. */
		for (key.dir = VM_ESP_IN; key.dir <= VM_ESP_OUT; key.dir++) {
			e = rhashtable_lookup_fast(&t->esp, &key,
						   vm_esp_params);
			if (!e)
				continue;
			f = e->flow;
			vm_esp_del(t, e, VPNMASQ_REASON_DELETED);
			vm_flow_put_if_unused(t, f);
			n++;
		}
		goto out;
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		list_for_each_entry_safe(e, etmp, &f->esp, list) {
			if (e->key.spi != spi)
				continue;
			vm_esp_del(t, e, VPNMASQ_REASON_DELETED);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
out:
	spin_unlock_bh(&t->lock);
	return n;
}

void vm_tables_exit(struct vm_tables *t)
{
	struct vm_host *h, *htmp;

	spin_lock_bh(&t->lock);
	t->dead = true;
	spin_unlock_bh(&t->lock);
	vm_tables_flush(t, 0, VM_FLUSH_ALL);
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

/* ---- dumps ----------------------------------------------------------- */

static void vm_ike_info_fill(struct vm_ike_info *info, const struct vm_ike *e)
{
	info->remote = e->key.remote;
	info->icookie = e->key.icookie;
	info->rcookie = READ_ONCE(e->rcookie);
	info->lan = e->lan;
	info->zone = e->zone;
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

static void vm_esp_info_fill(struct vm_esp_info *info, const struct vm_esp *e)
{
	info->remote = e->key.remote;
	info->spi = e->key.spi;
	info->dir = e->key.dir;
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

static void vm_pending_info_fill(struct vm_pending_info *info,
				 const struct vm_peer *p)
{
	const struct vm_held *h, *prev;

	info->remote = p->addr;
	info->lan = p->pending->key.lan;
	info->spi = p->pending_spi;
	info->since = p->pending_since;
	info->held = p->n_held;
	info->waiting_hosts = 0;
	/* Distinct hosts among at most hold_max packets. */
	list_for_each_entry(h, &p->held, node) {
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
