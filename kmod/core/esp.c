// SPDX-License-Identifier: GPL-2.0
/*
 * ESP: which LAN host an SPI belongs to. Outbound SPIs are the hosts' own;
 * an inbound SPI never seen before is bound to the host awaiting one from
 * that remote, and new SAs are serialized per remote so that at most one
 * host awaits at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "internal.h"

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
				 __be32 gw, u8 how, unsigned long now)
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
	e->how = how;
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

void vm_esp_del(struct vm_tables *t, struct vm_esp *e,
		enum vpnmasq_reason reason)
{
	vm_notify_esp(t, e, VPNMASQ_EVENT_DEL, reason);
	rhashtable_remove_fast(&t->esp, &e->node, vm_esp_params);
	list_del(&e->list);
	e->flow->n_esp--;
	t->n_esp--;
	kfree_rcu(e, rcu);
}

/*
 * The slot's holder, if the next unknown SPI may be its: a negotiating
 * host only once its exchange is complete (before, no new SA of its
 * exists at the remote).
 */
struct vm_flow *vm_slot_ready(struct vm_peer *p, unsigned long now)
{
	struct vm_flow *f = p->pending;

	if (f && p->pending_kind == VM_SLOT_NEGO && !vm_nego_entitled(f, now))
		return NULL;
	return f;
}

void vm_pending_set(struct vm_tables *t, struct vm_peer *p, struct vm_flow *f,
		    enum vm_slot kind, __be32 spi, unsigned long now)
{
	p->pending = f;
	p->pending_kind = kind;
	p->pending_spi = spi;
	p->pending_since = now;
	list_add_tail(&p->pending_node, &t->pending_peers);
	vm_notify_pending(t, p, VPNMASQ_EVENT_NEW, VPNMASQ_REASON_NONE);
}

/* Leaves the flow that was pending to the caller. */
void vm_pending_clear(struct vm_tables *t, struct vm_peer *p,
		      enum vpnmasq_reason reason)
{
	vm_notify_pending(t, p, VPNMASQ_EVENT_DEL, reason);
	p->pending = NULL;
	list_del(&p->pending_node);
}

void vm_held_unlink(struct vm_tables *t, struct vm_peer *p,
		    struct vm_held *h)
{
	list_del(&h->node);
	p->n_held--;
	t->n_held--;
}

/* An unlinked held packet's end: sent on (@send) or dropped, counted. */
void vm_held_finish(struct vm_tables *t, struct vm_held *h, bool send)
{
	if (send) {
		vm_stat(t, VPNMASQ_STAT_ESP_RELEASED);
		t->pkt_release(h->pkt);
	} else {
		vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
		t->pkt_drop(h->pkt);
	}
	kfree(h);
}

/* @f sent on new SPI @spi: it awaits the reply, if the slot is free or its. */
static void vm_pending_take(struct vm_tables *t, struct vm_peer *p,
			    struct vm_flow *f, __be32 spi, unsigned long now)
{
	if (!p->pending) {
		vm_pending_set(t, p, f, VM_SLOT_SENT, spi, now);
	} else if (p->pending == f && p->pending_kind == VM_SLOT_NEGO) {
		/* It negotiated, then sent first: now it awaits the reply. */
		p->pending_kind = VM_SLOT_SENT;
		p->pending_spi = spi;
		p->pending_since = now;
	}
}

/*
 * The remote's packets held for the slot holder's answer: they enter the
 * stack again and are decided anew, now that the answer came or the slot
 * went.
 */
void vm_esp_release_early(struct vm_tables *t, struct vm_peer *p)
{
	struct vm_held *h, *tmp;

	list_for_each_entry_safe(h, tmp, &p->held, node) {
		if (!h->early_in)
			continue;
		vm_held_unlink(t, p, h);
		vm_held_finish(t, h, true);
	}
}

/* The host whose packet has waited longest, 0 if none waits. */
static __be32 vm_held_first_lan(const struct vm_peer *p)
{
	const struct vm_held *h;

	list_for_each_entry(h, &p->held, node)
		if (!h->early_in)
			return h->lan;
	return 0;
}

/* The slot is free: the host waiting longest gets it, its packets go on. */
void vm_esp_promote(struct vm_tables *t,
		    const struct vpnmasq_config *cfg, struct vm_peer *p,
		    unsigned long now)
{
	struct vm_held *h, *tmp;
	struct vm_flow *f;
	struct vm_esp *e;
	__be32 lan;

	if (!p->pending)
		vm_esp_release_early(t, p);
	while (!p->pending && (lan = vm_held_first_lan(p))) {
		f = vm_flow_get(t, cfg, lan, p->addr, now);
		list_for_each_entry_safe(h, tmp, &p->held, node) {
			struct vm_esp_key key = { .remote = p->addr,
						  .spi = h->spi,
						  .dir = VM_ESP_OUT };

			if (h->lan != lan)
				continue;
			vm_held_unlink(t, p, h);
			if (h->ike) {
				/* Its negotiation may go on: the slot is its. */
				if (f && !p->pending)
					vm_pending_set(t, p, f, VM_SLOT_NEGO,
						       0, now);
				vm_held_finish(t, h, true);
				continue;
			}
			e = f ? rhashtable_lookup_fast(&t->esp, &key,
						       vm_esp_params) : NULL;
			if (f && !e) {
				e = vm_esp_add(t, cfg, &key, f, 0,
					       VPNMASQ_HOW_SENT, now);
				/*
				 * It awaits its reply, also when its own
				 * negotiation's message just took the slot.
				 */
				if (e) {
					vm_nego_take_paired(f, now);
					vm_pending_take(t, p, f, h->spi, now);
				}
			}
			vm_held_finish(t, h, e && e->flow == f);
		}
		if (f)
			vm_flow_put_if_unused(t, f);
	}
}

/*
 * Holds @handle, the remote's packet on unknown SPI @spi first sent at
 * @first, if it may be the new SA of the slot holder's request that awaits
 * its answer: released when the answer comes or the slot goes.
 */
static bool vm_esp_hold_early(struct vm_tables *t,
			      const struct vpnmasq_config *cfg,
			      struct vm_peer *p, __be32 spi,
			      unsigned long first, void *handle,
			      unsigned long now)
{
	struct vm_held *h;

	/* No room is no hold: refused then, counted once, as refused. */
	if (!handle || !p || !p->pending || p->n_held >= cfg->hold_max ||
	    !vm_nego_awaits_answer(p->pending->nego, first,
				   msecs_to_jiffies(cfg->serial_wait), now))
		return false;
	h = vm_held_add(t, cfg, p, 0, spi, false, handle);
	if (!h)
		return false;
	h->early_in = true;
	/* Its first time stays, for when it comes out again. */
	vm_unknown_note(t, p, VM_UNKNOWN_SPI, (__force u32)spi, first);
	return true;
}

/*
 * An inbound SPI never seen before, to the gateway, not one of the
 * gateway's own SAs. Its owner is a host that earned it:
 *   - the only host whose new SA the remote could have had when it first
 *     sent this SPI (see vm_nego_complete()), unless another host that
 *     may own it holds the slot;
 *   - else the host whose new outbound SPI awaits its reply (the pending
 *     slot: serialization is the fallback where several negotiated);
 * otherwise nobody may claim it (no hole punching): the refusal is left to
 * the caller to count (d->refusal), who may first let DNAT have a look.
 * A refused SPI is remembered with the time it was first sent: when it
 * comes again, the hosts whose negotiations came only after that are not
 * candidates. One that may be the new SA of the slot holder's request
 * still awaiting its answer (the remote had the SA before it answered) is
 * held for that answer instead, if @handle can be (see
 * vm_nego_awaits_answer()).
 */
void vm_esp_inbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			const struct vm_pkt *pkt, __be32 spi, void *handle,
			struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->saddr, .spi = spi,
				  .dir = VM_ESP_IN };
	struct vm_flow *f, *pending = NULL, *owner = NULL;
	unsigned long first = pkt->now;
	unsigned int entitled = 0;
	struct vm_peer *p;
	struct vm_esp *e;
	u8 how;

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
	if (p) {
		first = vm_unknown_first(p, cfg, VM_UNKNOWN_SPI, (__force u32)spi,
					 pkt->now);
		pending = vm_slot_ready(p, pkt->now);
		owner = vm_nego_spi_owner(p, first, pkt->now, &entitled);
	}
	/*
	 * The one host that negotiated in time, unless another holds the
	 * slot that may own it (one that negotiated too late may not; one
	 * whose exchange is under way may: a remote that answers has the new
	 * SAs before its answer is seen); else
	 * the holder that sent on a new SA and awaits its reply, if it
	 * negotiated in time too or nobody negotiated (serialization, as
	 * without negotiations). A holder that did not negotiate while
	 * another host did gets nothing (the SPI may be the other's new SA),
	 * nor does a negotiating holder while another host may own it: it
	 * sent nothing that the SPI could answer.
	 */
	if (owner && (!p->pending || p->pending == owner ||
		      vm_nego_entitled(p->pending, pkt->now))) {
		f = owner;
		how = VPNMASQ_HOW_NEGOTIATION;
	} else if (pending && p->pending_kind == VM_SLOT_SENT &&
		   (!entitled || vm_nego_eligible(pending, first, pkt->now))) {
		f = pending;
		how = VPNMASQ_HOW_PENDING;
	} else {
		f = NULL;
	}
	if (!f && !pkt->recheck &&
	    vm_esp_hold_early(t, cfg, p, spi, first, handle, pkt->now)) {
		d->verdict = VM_HOLD;
		goto out;
	}
	/* A second look binds nothing: whoever may own it now, it is refused. */
	if (!f || pkt->recheck) {
		d->refusal = f || entitled || (p && p->ike_flows > 1) ?
			     VPNMASQ_STAT_ESP_AMBIGUOUS :
			     VPNMASQ_STAT_ESP_REFUSED_NO_IKE;
		if (p)
			vm_unknown_note(t, p, VM_UNKNOWN_SPI, (__force u32)spi, first);
		net_dbg_ratelimited("unknown ESP SPI %08x from %pI4 refused\n",
				    ntohl(spi), &pkt->saddr);
		goto out;
	}
	if (!vm_esp_add(t, cfg, &key, f, pkt->daddr, how, pkt->now))
		goto out;
	vm_unknown_forget(p, VM_UNKNOWN_SPI, (__force u32)spi);
	vm_stat(t, how == VPNMASQ_HOW_PENDING ? VPNMASQ_STAT_ESP_ASSOCIATED :
		   VPNMASQ_STAT_ESP_NEGO_BOUND);
	/* Sent before the host's own new SPI: that one awaits nothing. */
	vm_nego_take_spi(f, first,
			 f != p->pending || p->pending_kind == VM_SLOT_NEGO,
			 pkt->now);
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
	if (p->pending == f) {
		vm_pending_clear(t, p, VPNMASQ_REASON_ANSWERED);
		vm_esp_promote(t, cfg, p, pkt->now);
		vm_flow_put_if_unused(t, f);
	}
out:
	spin_unlock_bh(&t->lock);
}

/*
 * Holds @handle, a packet of @lan that must wait for @p's slot: a new
 * outbound SPI, or an ISAKMP message of a negotiation (@ike). NULL if it
 * cannot be held (counted): the caller drops it.
 */
struct vm_held *vm_held_add(struct vm_tables *t,
			    const struct vpnmasq_config *cfg,
			    struct vm_peer *p, __be32 lan, __be32 spi, bool ike,
			    void *handle)
{
	struct vm_held *h;

	if (!handle || p->n_held >= cfg->hold_max) {
		vm_stat(t, VPNMASQ_STAT_ESP_HOLD_DROPPED);
		return NULL;
	}
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h) {
		vm_stat(t, VPNMASQ_STAT_NOMEM);
		return NULL;
	}
	h->pkt = handle;
	h->lan = lan;
	h->spi = spi;
	h->ike = ike;
	list_add_tail(&h->node, &p->held);
	p->n_held++;
	t->n_held++;
	vm_stat(t, VPNMASQ_STAT_ESP_HELD);
	return h;
}

void vm_esp_outbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			 const struct vm_pkt *pkt, __be32 spi, void *handle,
			 struct vm_decision *d)
{
	struct vm_esp_key key = { .remote = pkt->daddr, .spi = spi,
				  .dir = VM_ESP_OUT };
	struct vm_flow_key fkey = { .lan = pkt->saddr, .remote = pkt->daddr };
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
	/*
	 * The remote already sent on the SA this one pairs with (a
	 * negotiation's): it awaits no reply, so it neither waits behind
	 * another host's new SA nor takes the slot itself.
	 */
	f = rhashtable_lookup_fast(&t->flows, &fkey, vm_flow_params);
	if (f && vm_nego_take_paired(f, pkt->now)) {
		if (!vm_esp_add(t, cfg, &key, f, 0, VPNMASQ_HOW_SENT,
				pkt->now))
			goto out;
		vm_stat(t, VPNMASQ_STAT_ESP_SERIAL_SKIPPED);
		/*
		 * A free slot is still taken: with several SAs to that remote
		 * the host's new SA may not be the one the remote sent on,
		 * and then its reply is still to come.
		 */
		vm_pending_take(t, p, f, spi, pkt->now);
		vm_host_touch(f->host, pkt->now);
		d->verdict = VM_ZONE;
		d->zone = f->host->zone;
		goto out;
	}
	if (p->pending && p->pending->key.lan != pkt->saddr) {
		/* Another host's new SA to this remote awaits its reply. */
		if (vm_held_add(t, cfg, p, pkt->saddr, spi, false, handle))
			d->verdict = VM_HOLD;
		goto out;
	}
	f = vm_flow_get(t, cfg, pkt->saddr, pkt->daddr, pkt->now);
	if (!f) {
		vm_peer_put_if_unused(t, p);
		goto out;
	}
	if (!vm_esp_add(t, cfg, &key, f, 0, VPNMASQ_HOW_SENT, pkt->now)) {
		vm_flow_put_if_unused(t, f);
		goto out;
	}
	vm_pending_take(t, p, f, spi, pkt->now);
	vm_host_touch(f->host, pkt->now);
	d->verdict = VM_ZONE;
	d->zone = f->host->zone;
out:
	spin_unlock_bh(&t->lock);
}

/*
 * When a slot's wait is over: serial_wait without progress, for every
 * holder. A remote with traffic for a host sends on its new SA at once; a
 * longer wait for one that is slow to would hold up every other host of
 * that remote, and the rekey of an IKE SA (no ESP SA to wait for) looks
 * just like a Child SA's. An SPI that comes later is not given to the next
 * holder for that (see vm_nego_eligible()).
 */
static unsigned long vm_slot_deadline(const struct vm_peer *p,
				      const struct vpnmasq_config *cfg)
{
	return p->pending_since + msecs_to_jiffies(cfg->serial_wait);
}

unsigned long vm_esp_serial_tick(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 unsigned long now)
{
	unsigned long next = 0, deadline;
	struct vm_peer *p, *tmp;
	struct vm_flow *f;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(p, tmp, &t->pending_peers, pending_node) {
		if (time_before(now, vm_slot_deadline(p, cfg)))
			continue;
		vm_stat(t, VPNMASQ_STAT_ESP_WAIT_EXPIRED);
		f = p->pending;
		vm_pending_clear(t, p, VPNMASQ_REASON_WAIT_OVER);
		vm_esp_promote(t, cfg, p, now);
		/* May free the peer when nobody else waits. */
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry(p, &t->pending_peers, pending_node) {
		deadline = vm_slot_deadline(p, cfg);
		if (!next || time_before(deadline, next))
			next = deadline ?: 1;
	}
	spin_unlock_bh(&t->lock);
	return next;
}

/* Drops the held packets of @lan (of everyone if 0). */
unsigned int vm_held_flush(struct vm_tables *t, struct vm_peer *p,
			   __be32 lan)
{
	struct vm_held *h, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(h, tmp, &p->held, node) {
		if (lan && h->lan != lan)
			continue;
		vm_held_unlink(t, p, h);
		vm_held_finish(t, h, false);
		n++;
	}
	return n;
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
