// SPDX-License-Identifier: GPL-2.0
/*
 * ISAKMP/IKE: which LAN host an initiator cookie (IKEv2: SPI) belongs to.
 * Known cookies are matched without a lock; anything that creates takes
 * tables->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/net.h>
#include <linux/printk.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "internal.h"

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
	memcpy(&hdr->msgid, buf + 20, 4);
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
				 const struct vm_isakmp *hdr, u8 how,
				 unsigned long now)
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
	e->how = how;
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
void vm_ike_del(struct vm_tables *t, struct vm_ike *e,
		enum vpnmasq_reason reason)
{
	struct vm_flow *f = e->flow;

	vm_notify_ike(t, e, VPNMASQ_EVENT_DEL, reason);
	rhashtable_remove_fast(&t->ike, &e->node, vm_ike_params);
	list_del(&e->list);
	if (f) {
		if (!--f->n_ike) {
			f->peer->ike_flows--;
			/* Its conntrack entry ends with it, unless it ended first. */
			if (reason != VPNMASQ_REASON_CT_GONE)
				vm_flow_ct_gone(t, f);
		}
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
	e = vm_ike_add(t, cfg, &key, f, f->peer, hdr, VPNMASQ_HOW_SENT,
		       pkt->now);
	if (!e) {
		vm_flow_put_if_unused(t, f);
		d->verdict = VM_DROP;
		goto out;
	}
	/*
	 * An IKEv2 SA's first message that is no IKE_SA_INIT: an SA a
	 * CREATE_CHILD_SA made, if the host just did one.
	 */
	if (hdr->version >> 4 == 2 &&
	    hdr->exchange != VM_EXCH_IKEV2_IKE_SA_INIT &&
	    vm_nego_open(f->nego, pkt->now))
		vm_nego_take_ike(f, vm_nego_ike_starter(hdr, VM_DIR_OUT),
				 pkt->now, pkt->now);
	/*
	 * A request opening an exchange on the new IKE SA takes the free
	 * slot, as on a known one: the remote's first packet on the SA it
	 * makes may come before its answer, and waits for it then.
	 */
	if (vm_nego_exchange(hdr->version, hdr->exchange)) {
		vm_nego_note(t, cfg, f, hdr, VM_DIR_OUT, pkt->now);
		if (cfg->nego_spis && !f->peer->pending)
			vm_pending_set(t, f->peer, f, VM_SLOT_NEGO, 0, pkt->now);
	}
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
out:
	spin_unlock_bh(&t->lock);
}

/*
 * An inbound packet whose initiator cookie nobody owns: a remote starting a
 * new IKE SA. A CREATE_CHILD_SA's (an IKEv2 IKE SA rekey: its first message
 * is no IKE_SA_INIT) is the host's that just made one with that remote, if
 * exactly one did by the time the remote first sent it; else it is
 * delivered if exactly one LAN host (and not the gateway itself) has IKE
 * state with that remote. Never a guess between several: a refused cookie
 * is remembered with the time it was first sent, so that when it comes
 * again the hosts whose rekeys came only after that are not candidates.
 */
static void vm_ike_inbound_unknown(struct vm_tables *t,
				   const struct vpnmasq_config *cfg,
				   const struct vm_pkt *pkt,
				   const struct vm_isakmp *hdr,
				   struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->saddr,
				  .icookie = hdr->icookie };
	u64 cookie = (__force u64)hdr->icookie;
	struct vm_flow *f, *owner = NULL;
	unsigned int entitled = 0;
	unsigned long first;
	enum vm_dir starter;
	struct vm_peer *p;
	u32 flows, local;

	spin_lock_bh(&t->lock);
	p = rhashtable_lookup_fast(&t->peers, &pkt->saddr, vm_peer_params);
	if (!p) {
		/* Nobody behind us talks to it: it is the gateway's. */
		vm_stat(t, VPNMASQ_STAT_IKE_UNKNOWN);
		goto out;
	}
	flows = p->ike_flows;
	local = p->ike_local;
	starter = vm_nego_ike_starter(hdr, VM_DIR_IN);
	first = vm_unknown_first(p, cfg, VM_UNKNOWN_COOKIE, cookie, pkt->now);
	if (hdr->version >> 4 == 2 &&
	    hdr->exchange != VM_EXCH_IKEV2_IKE_SA_INIT)
		owner = vm_nego_ike_owner(p, starter, first, pkt->now,
					  &entitled);
	if (owner && !local && !pkt->recheck) {
		if (rhashtable_lookup_fast(&t->ike, &key, vm_ike_params) ||
		    !vm_ike_add(t, cfg, &key, owner, p, hdr,
				VPNMASQ_HOW_NEGOTIATION, pkt->now)) {
			d->verdict = VM_DROP;
			goto out;
		}
		vm_unknown_forget(p, VM_UNKNOWN_COOKIE, cookie);
		vm_nego_take_ike(owner, starter, first, pkt->now);
		vm_stat(t, VPNMASQ_STAT_IKE_NEGO_BOUND);
		vm_host_touch(owner->host, pkt->now);
		d->verdict = VM_ZONE;
		d->zone = owner->host->zone;
		goto out;
	}
	if (!flows && !entitled) {
		vm_stat(t, VPNMASQ_STAT_IKE_UNKNOWN);
		goto out;
	}
	if (flows > 1 || local || entitled || pkt->recheck) {
		net_dbg_ratelimited("new ISAKMP exchange from %pI4 is ambiguous: %u hosts\n",
				    &pkt->saddr, flows + !!local);
		if (entitled)
			vm_unknown_note(t, p, VM_UNKNOWN_COOKIE, cookie, first);
		d->verdict = VM_DROP;
		d->refusal = VPNMASQ_STAT_IKE_AMBIGUOUS;
		goto out;
	}
	list_for_each_entry(f, &p->flows, peer_node) {
		if (f->n_ike) {
			vm_stat(t, VPNMASQ_STAT_IKE_MATCHED);
			vm_host_touch(f->host, pkt->now);
			d->verdict = VM_ZONE;
			d->zone = f->host->zone;
			goto out;
		}
	}
out:
	spin_unlock_bh(&t->lock);
}

/*
 * A message of a host's known IKE SA, which may be part of a negotiation:
 * the verdict for it (a negotiation's may have to wait, see nego.c).
 */
static enum vm_verdict vm_ike_seen(struct vm_tables *t,
				   const struct vpnmasq_config *cfg,
				   struct vm_ike *e,
				   const struct vm_isakmp *hdr,
				   enum vm_dir dir, void *handle,
				   unsigned long now)
{
	vm_ike_touch(e, hdr, now);
	if (dir == VM_DIR_IN && !READ_ONCE(e->flow->ike_answered))
		WRITE_ONCE(e->flow->ike_answered, true);
	if (!vm_nego_exchange(hdr->version, hdr->exchange)) {
		vm_nego_request(t, e->flow, hdr, dir);
		return VM_ZONE;
	}
	return vm_nego_seen(t, cfg, e->flow, hdr, dir, handle, now);
}

static bool vm_ike_known_in(struct vm_tables *t,
			    const struct vpnmasq_config *cfg,
			    const struct vm_pkt *pkt,
			    const struct vm_isakmp *hdr, void *handle,
			    struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->saddr,
				  .icookie = hdr->icookie };
	enum vm_verdict v;
	struct vm_ike *e;

	/* A reply or a remote's message on a known IKE SA? */
	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (!e)
		return false;
	d->inbound = true;
	if (e->flow) {
		/* held or dropped: counted as ike_nego_deferred */
		v = vm_ike_seen(t, cfg, e, hdr, VM_DIR_IN, handle, pkt->now);
		if (v != VM_ZONE) {
			d->verdict = v;
			return true;
		}
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
static bool vm_ike_known_out(struct vm_tables *t,
			     const struct vpnmasq_config *cfg,
			     const struct vm_pkt *pkt,
			     const struct vm_isakmp *hdr, void *handle,
			     struct vm_decision *d)
{
	struct vm_ike_key key = { .remote = pkt->daddr,
				  .icookie = hdr->icookie };
	struct vm_ike *e;

	e = rhashtable_lookup(&t->ike, &key, vm_ike_params);
	if (!e || !e->flow || e->lan != pkt->saddr)
		return false;
	d->inbound = false;
	d->verdict = vm_ike_seen(t, cfg, e, hdr, VM_DIR_OUT, handle, pkt->now);
	d->zone = e->zone;
	return true;
}

bool vm_ike_known(struct vm_tables *t, const struct vpnmasq_config *cfg,
		  const struct vm_pkt *pkt, const struct vm_isakmp *hdr,
		  void *handle, struct vm_decision *d)
{
	bool known;

	d->verdict = VM_PASS;
	rcu_read_lock();
	if (vm_likely_inbound(t, pkt))
		known = vm_ike_known_in(t, cfg, pkt, hdr, handle, d) ||
			vm_ike_known_out(t, cfg, pkt, hdr, handle, d);
	else
		known = vm_ike_known_out(t, cfg, pkt, hdr, handle, d) ||
			vm_ike_known_in(t, cfg, pkt, hdr, handle, d);
	rcu_read_unlock();
	return known;
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
		vm_ike_inbound_unknown(t, cfg, pkt, hdr, d);
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
		if (p && !vm_ike_add(t, cfg, &key, NULL, p, hdr,
				     VPNMASQ_HOW_GATEWAY, pkt->now))
			vm_peer_put_if_unused(t, p);
	}
	spin_unlock_bh(&t->lock);
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
