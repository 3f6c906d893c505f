// SPDX-License-Identifier: GPL-2.0
/*
 * Negotiations: which LAN host has just negotiated new SAs with a remote,
 * read from the cleartext ISAKMP headers of its exchanges, and what that
 * entitles it to. An exchange is keyed by the IKE SA's initiator cookie,
 * its message ID, its type and (IKEv2, where both ends number their own
 * requests) the direction of its request:
 *
 *   IKEv1 Quick Mode   complete once messages went both ways (the SAs
 *                      exist after the third; the entitlement outlasts it)
 *   IKEv2 IKE_AUTH,    complete with the response (Response flag) to a
 *   CREATE_CHILD_SA    request seen the other way
 *
 * Retransmissions and the third Quick Mode message find their exchange
 * and change nothing. All of it under tables->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/slab.h>

#include "internal.h"

bool vm_nego_open(const struct vm_nego *n, unsigned long now)
{
	return n && time_before(now, n->until);
}

static bool vm_nego_credit_live(const struct vm_nego *n, unsigned int i,
				unsigned long now)
{
	return !time_after(now, n->credit_at[i] + n->window);
}

/* Credits live now (the newest are last: they outlive the others). */
unsigned int vm_nego_credits(const struct vm_nego *n, unsigned long now)
{
	unsigned int i;

	if (!vm_nego_open(n, now))
		return 0;
	for (i = 0; i < n->spis; i++)
		if (vm_nego_credit_live(n, i, now))
			return n->spis - i;
	return 0;
}

/*
 * New IKE SAs @n's host may still get that @starter started: its live
 * CREATE_CHILD_SAs not known to have made a Child SA, one each however
 * many credits each gave.
 */
unsigned int vm_nego_ike_sas(const struct vm_nego *n, enum vm_dir starter,
			     unsigned long now)
{
	unsigned int live = vm_nego_credits(n, now), i, j, sas = 0;

	for (i = n ? n->spis - live : 0; live && i < n->spis; i++) {
		if (n->credit_child[i] != 1 + starter)
			continue;
		for (j = n->spis - live; j < i; j++)
			if (n->credit_child[j] == 1 + starter &&
			    n->credit_ex[j] == n->credit_ex[i])
				break;
		sas += j == i;
	}
	return sas;
}

/* Credit @i goes: used, or lapsed. */
static void vm_nego_credit_remove(struct vm_nego *n, unsigned int i)
{
	memmove(&n->credit_at[i], &n->credit_at[i + 1],
		(n->spis - i - 1) * sizeof(n->credit_at[0]));
	memmove(&n->credit_child[i], &n->credit_child[i + 1],
		(n->spis - i - 1) * sizeof(n->credit_child[0]));
	memmove(&n->credit_ex[i], &n->credit_ex[i + 1],
		(n->spis - i - 1) * sizeof(n->credit_ex[0]));
	n->spis--;
}

/*
 * The CREATE_CHILD_SA numbered @ex, whose request went @req_dir, made a
 * Child SA: its credits stay, for ESP alone, and no new IKE SA is its.
 */
static void vm_nego_made_child(struct vm_nego *n, u8 ex, enum vm_dir req_dir)
{
	unsigned int i;

	for (i = 0; i < n->spis; i++)
		if (n->credit_ex[i] == ex && n->credit_child[i] == 1 + req_dir)
			n->credit_child[i] = 0;
}

/* ...or it rekeyed the IKE SA: then it made no ESP SA, its credits go. */
static void vm_nego_made_ike(struct vm_nego *n, u8 ex, enum vm_dir req_dir)
{
	unsigned int i = n->spis;

	while (i--)
		if (n->credit_ex[i] == ex && n->credit_child[i] == 1 + req_dir)
			vm_nego_credit_remove(n, i);
}

static void vm_nego_lapse(struct vm_tables *t, struct vm_nego *n,
			  unsigned long now)
{
	while (n->spis && (!vm_nego_open(n, now) ||
			   !vm_nego_credit_live(n, 0, now))) {
		vm_stat(t, VPNMASQ_STAT_NEGO_LAPSED);
		vm_nego_credit_remove(n, 0);
	}
	if (!vm_nego_open(n, now))
		n->paired = 0;
}

static struct vm_nego_slot *vm_nego_find(struct vm_nego *n,
					 const struct vm_isakmp *hdr,
					 bool v2, enum vm_dir req_dir)
{
	struct vm_nego_slot *s;
	int i;

	for (i = 0; i < VM_NEGO_SLOTS; i++) {
		s = &n->slot[i];
		if (s->since && s->icookie == hdr->icookie &&
		    s->msgid == hdr->msgid && s->exchange == hdr->exchange &&
		    (!v2 || s->req_dir == req_dir))
			return s;
	}
	return NULL;
}

/* A free slot, or the oldest: an exchange that never ends makes room. */
static struct vm_nego_slot *vm_nego_slot_new(struct vm_nego *n)
{
	struct vm_nego_slot *s, *old = &n->slot[0];
	int i;

	for (i = 0; i < VM_NEGO_SLOTS; i++) {
		s = &n->slot[i];
		if (!s->since)
			return s;
		if (time_before(s->since, old->since))
			old = s;
	}
	return old;
}

static void vm_nego_complete(struct vm_tables *t,
			     const struct vpnmasq_config *cfg,
			     struct vm_nego *n, struct vm_nego_slot *s,
			     unsigned long now)
{
	/*
	 * Since when the remote may have the new SAs: a remote that answers
	 * installs them before its answer goes out (its first packet on them
	 * may overtake it), so from the host's request on; one that asked
	 * installs them once the host's answer reached it.
	 */
	unsigned long at = s->req_dir == VM_DIR_OUT ? s->since : now;
	bool child = s->exchange == VM_EXCH_IKEV2_CREATE_CHILD_SA;
	unsigned int i, j;

	s->done = true;
	s->ex = n->completed;
	n->window = (unsigned long)cfg->nego_window * HZ;
	for (i = 0; i < cfg->nego_spis; i++) {
		/* At the most, the oldest credits make room. */
		if (n->spis == VM_NEGO_CREDIT_MAX)
			vm_nego_credit_remove(n, 0);
		/* Oldest first, as lapsing and taking them expect. */
		for (j = n->spis; j && time_after(n->credit_at[j - 1], at); j--) {
			n->credit_at[j] = n->credit_at[j - 1];
			n->credit_child[j] = n->credit_child[j - 1];
			n->credit_ex[j] = n->credit_ex[j - 1];
		}
		n->credit_at[j] = at;
		n->credit_child[j] = child ? 1 + s->req_dir : 0;
		n->credit_ex[j] = s->ex;
		n->spis++;
	}
	n->until = now + n->window;
	n->last_exchange = s->exchange;
	n->completed++;
	vm_stat(t, VPNMASQ_STAT_NEGO_COMPLETED);
}

/*
 * A request @dir's side sent on the IKE SA of @hdr (IKEv2). Each side
 * numbers its own requests, and the side that rekeys an IKE SA sends at most
 * one more request on it, the Delete of it (RFC 7296 2.18; in a window of
 * one request, as RFC 7296 2.3 has by default and libreswan and strongSwan
 * keep, none was in flight beside the CREATE_CHILD_SA). So a second new
 * request after a CREATE_CHILD_SA it started there shows that this exchange
 * made a Child SA: the remote's next new IKE SA is not its, and another
 * host's rekey of its IKE SA is not made ambiguous by it.
 */
static void vm_nego_request_note(struct vm_nego *n,
				 const struct vm_isakmp *hdr, enum vm_dir dir)
{
	u32 id = ntohl(hdr->msgid);
	struct vm_nego_slot *s;
	int i;

	for (i = 0; i < VM_NEGO_SLOTS; i++) {
		s = &n->slot[i];
		if (!s->since || s->icookie != hdr->icookie ||
		    s->exchange != VM_EXCH_IKEV2_CREATE_CHILD_SA ||
		    s->req_dir != dir || s->made_child)
			continue;
		if (!s->done) {
			s->last_req = max(s->last_req, id);
		} else if (id > s->last_req + 1) {
			s->made_child = true;
			vm_nego_made_child(n, s->ex, dir);
		}
	}
}

bool vm_nego_note(struct vm_tables *t, const struct vpnmasq_config *cfg,
		  struct vm_flow *f, const struct vm_isakmp *hdr,
		  enum vm_dir dir, unsigned long now)
{
	bool v2 = hdr->version >> 4 == 2;
	bool response = v2 && (hdr->flags & VM_IKEV2_FLAG_RESPONSE);
	enum vm_dir other = dir == VM_DIR_OUT ? VM_DIR_IN : VM_DIR_OUT;
	unsigned long window = (unsigned long)cfg->nego_window * HZ;
	struct vm_nego_slot *s;
	struct vm_nego *n;
	int i;

	if (!cfg->nego_spis)
		return false;
	n = f->nego;
	if (!n) {
		n = kzalloc(sizeof(*n), GFP_ATOMIC);
		if (!n) {
			vm_stat(t, VPNMASQ_STAT_NOMEM);
			return false;
		}
		f->nego = n;
	}
	for (i = 0; i < VM_NEGO_SLOTS; i++)
		if (n->slot[i].since &&
		    time_after(now, n->slot[i].since + window))
			memset(&n->slot[i], 0, sizeof(n->slot[i]));
	vm_nego_lapse(t, n, now);

	if (response) {
		/* Only the response to a request seen the other way ends one. */
		/* ...and that the host got: one waiting never reached it. */
		s = vm_nego_find(n, hdr, true, other);
		if (!s || s->done || s->waits)
			return false;
		vm_nego_complete(t, cfg, n, s, now);
		return true;
	}
	if (v2)
		vm_nego_request_note(n, hdr, dir);
	s = vm_nego_find(n, hdr, v2, dir);
	if (s) {
		/* IKEv1: the answer, or the initiator's last word. */
		if (v2 || s->done || s->req_dir == dir)
			return false;
		vm_nego_complete(t, cfg, n, s, now);
		return true;
	}
	s = vm_nego_slot_new(n);
	s->icookie = hdr->icookie;
	s->msgid = hdr->msgid;
	s->exchange = hdr->exchange;
	s->req_dir = dir;
	s->done = false;
	s->made_child = false;
	s->waits = false;
	s->last_req = ntohl(hdr->msgid);
	s->since = now ?: 1;
	return false;
}

void vm_nego_request(struct vm_tables *t, struct vm_flow *f,
		     const struct vm_isakmp *hdr, enum vm_dir dir)
{
	if (hdr->version >> 4 != 2 || (hdr->flags & VM_IKEV2_FLAG_RESPONSE) ||
	    !READ_ONCE(f->nego))
		return;
	spin_lock_bh(&t->lock);
	if (vm_flow_live(f) && f->nego)
		vm_nego_request_note(f->nego, hdr, dir);
	spin_unlock_bh(&t->lock);
}

/*
 * Whether slot @s holds a request @dir's side sent less than @wait ago
 * and that still awaits its answer: one that waits (vm_nego_settling())
 * never reached the host and awaits nothing of it.
 */
static bool vm_nego_unanswered(const struct vm_nego_slot *s, enum vm_dir dir,
			       unsigned long wait, unsigned long now)
{
	return s->since && !s->done && !s->waits && s->req_dir == dir &&
	       time_before(now, s->since + wait);
}

/*
 * Whether @n's host asked for new SAs no later than @first, less than
 * @wait ago, and awaits the answer: a remote that answers has the SAs
 * before its answer goes out, so what it first sent at @first on an
 * unknown SPI may be one of them.
 */
bool vm_nego_awaits_answer(const struct vm_nego *n, unsigned long first,
			   unsigned long wait, unsigned long now)
{
	const struct vm_nego_slot *s;
	int i;

	for (i = 0; n && i < VM_NEGO_SLOTS; i++) {
		s = &n->slot[i];
		if (vm_nego_unanswered(s, VM_DIR_OUT, wait, now) &&
		    !time_after(s->since, first))
			return true;
	}
	return false;
}

/* A request of the remote that opens an exchange not seen (lately). */
static bool vm_nego_remote_opens(const struct vpnmasq_config *cfg,
				 const struct vm_flow *f,
				 const struct vm_isakmp *hdr, unsigned long now)
{
	unsigned long window = (unsigned long)cfg->nego_window * HZ;
	bool v2 = hdr->version >> 4 == 2;
	struct vm_nego_slot *s;

	if (v2 && (hdr->flags & VM_IKEV2_FLAG_RESPONSE))
		return false;
	s = f->nego ? vm_nego_find(f->nego, hdr, v2, VM_DIR_IN) : NULL;
	return !s || time_after(now, s->since + window);
}

/*
 * The remote's request opening an exchange with @f's host waits for the
 * slot in line with the hosts' held packets, so that neither starves the
 * other; one copy of it is enough (the remote retransmits the same
 * message), the others are dropped.
 */
static enum vm_verdict vm_nego_hold_remote(struct vm_tables *t,
					   const struct vpnmasq_config *cfg,
					   struct vm_peer *p, struct vm_flow *f,
					   void *handle)
{
	struct vm_held *h;

	list_for_each_entry(h, &p->held, node)
		if (h->from_remote && h->lan == f->key.lan)
			return VM_DROP;
	h = vm_held_add(t, cfg, p, f->key.lan, 0, true, handle);
	if (!h)
		return VM_DROP;
	h->from_remote = true;
	return VM_HOLD;
}

/*
 * Whether a CREATE_CHILD_SA the remote started with @n's host less than
 * @settle ago has not shown yet what it made: its request unanswered, or
 * its credits still standing for a new IKE SA as well as for ESP.
 */
static bool vm_nego_unsettled(const struct vm_nego *n, unsigned long settle,
			      unsigned long now)
{
	unsigned int live = vm_nego_credits(n, now), i;
	const struct vm_nego_slot *s;

	for (i = 0; i < VM_NEGO_SLOTS; i++) {
		s = &n->slot[i];
		if (vm_nego_unanswered(s, VM_DIR_IN, settle, now) &&
		    s->exchange == VM_EXCH_IKEV2_CREATE_CHILD_SA)
			return true;
	}
	for (i = n->spis - live; i < n->spis; i++)
		if (n->credit_child[i] == 1 + VM_DIR_IN &&
		    time_before(now, n->credit_at[i] + settle))
			return true;
	return false;
}

/*
 * Whether the remote's CREATE_CHILD_SA request @hdr to @f's host, noted in
 * its slot, waits: the one the remote just did with another host may have
 * rekeyed that IKE SA or made a Child SA, and until the remote's next
 * message shows which (the new IKE SA used, the new SPI sent on, a second
 * request on the old IKE SA), this one's new SAs could not be told from
 * that one's. It waits nego_settle at the most from when it was first
 * seen, and the remote retransmits it meanwhile (RFC 7296 2.1).
 */
static bool vm_nego_settling(const struct vpnmasq_config *cfg,
			     struct vm_peer *p, struct vm_flow *f,
			     const struct vm_isakmp *hdr, unsigned long now)
{
	unsigned long settle = msecs_to_jiffies(cfg->nego_settle);
	struct vm_nego_slot *s;
	struct vm_flow *g;

	if (!settle || !f->nego || hdr->version >> 4 != 2 ||
	    hdr->exchange != VM_EXCH_IKEV2_CREATE_CHILD_SA ||
	    (hdr->flags & VM_IKEV2_FLAG_RESPONSE))
		return false;
	s = vm_nego_find(f->nego, hdr, true, VM_DIR_IN);
	if (!s)
		return false;
	s->waits = false;
	if (s->done || !time_before(now, s->since + settle))
		return false;
	list_for_each_entry(g, &p->flows, peer_node) {
		if (g != f && g->nego &&
		    vm_nego_unsettled(g->nego, settle, now)) {
			s->waits = true;
			break;
		}
	}
	return s->waits;
}

/*
 * A message of an SA-creating exchange on one of @f's IKE SAs, in
 * direction @dir; the flow was found under RCU and may have gone since.
 *
 * The remote installs the new SAs when the host's message reaches it and
 * may send on them at once, before the host does: so the exchange is
 * serialized like a new outbound SPI. While another host's new SA is
 * pending at that remote, the host's messages wait their turn (held, VM_HOLD;
 * VM_DROP if they cannot be), and once they go the host holds the remote's
 * slot until its new inbound SPI has come or the exchange has been quiet
 * for serial_wait. The remote's messages pass and keep the slot, but for
 * a request opening a new exchange with this host while another holds the
 * slot: two hosts' new SAs at once could not be told apart, so it waits
 * its turn too (held, or dropped for the remote to retransmit).
 */
enum vm_verdict vm_nego_seen(struct vm_tables *t,
			     const struct vpnmasq_config *cfg,
			     struct vm_flow *f, const struct vm_isakmp *hdr,
			     enum vm_dir dir, void *handle, unsigned long now)
{
	enum vm_verdict v = VM_ZONE;
	struct vm_peer *p;

	spin_lock_bh(&t->lock);
	if (!vm_flow_live(f) || !cfg->nego_spis)
		goto out;
	p = f->peer;
	if (p->pending && p->pending != f) {
		if (dir == VM_DIR_OUT) {
			v = vm_held_add(t, cfg, p, f->key.lan, 0, true, handle) ?
			    VM_HOLD : VM_DROP;
			goto out;
		}
		if (vm_nego_remote_opens(cfg, f, hdr, now)) {
			vm_stat(t, VPNMASQ_STAT_IKE_NEGO_DEFERRED);
			v = vm_nego_hold_remote(t, cfg, p, f, handle);
			goto out;
		}
	}
	/* The remote's packets held for this answer have an owner now. */
	if (vm_nego_note(t, cfg, f, hdr, dir, now) && p->pending == f)
		vm_esp_release_early(t, p);
	if (dir == VM_DIR_IN && vm_nego_settling(cfg, p, f, hdr, now)) {
		vm_stat(t, VPNMASQ_STAT_IKE_NEGO_SETTLING);
		v = VM_DROP;
		goto out;
	}
	if (!p->pending && dir == VM_DIR_OUT)
		vm_pending_set(t, p, f, VM_SLOT_NEGO, 0, now);
	else if (p->pending == f)
		p->pending_since = now;
out:
	spin_unlock_bh(&t->lock);
	return v;
}

unsigned int vm_nego_entitled(const struct vm_flow *f, unsigned long now)
{
	return !!vm_nego_credits(f->nego, now);
}

/*
 * Whether @f may own an unknown inbound SPI its remote first sent at
 * @first: a live credit of a negotiation whose SAs the remote could have
 * had by then (see vm_nego_complete()).
 */
bool vm_nego_eligible(const struct vm_flow *f, unsigned long first,
		      unsigned long now)
{
	const struct vm_nego *n = f->nego;
	unsigned int live = vm_nego_credits(n, now);

	/* Its oldest live credit is the one earned first. */
	return live && !time_after(n->credit_at[n->spis - live], first);
}

/*
 * The one flow of @p eligible to an unknown inbound SPI first sent at
 * @first, if exactly one is; *@entitled is how many have an open
 * entitlement at all.
 */
struct vm_flow *vm_nego_spi_owner(struct vm_peer *p, unsigned long first,
				  unsigned long now, unsigned int *entitled)
{
	struct vm_flow *f, *owner = NULL;
	unsigned int eligible = 0;

	*entitled = 0;
	list_for_each_entry(f, &p->flows, peer_node) {
		if (!vm_nego_entitled(f, now))
			continue;
		(*entitled)++;
		if (vm_nego_eligible(f, first, now)) {
			owner = f;
			eligible++;
		}
	}
	return eligible == 1 ? owner : NULL;
}

/*
 * Who started the exchange that made the IKE SA of @hdr, a message going
 * @dir: the side that sends with the Initiator flag.
 */
enum vm_dir vm_nego_ike_starter(const struct vm_isakmp *hdr, enum vm_dir dir)
{
	bool initiator = hdr->flags & VM_IKEV2_FLAG_INITIATOR;

	if (dir == VM_DIR_IN)
		return initiator ? VM_DIR_IN : VM_DIR_OUT;
	return initiator ? VM_DIR_OUT : VM_DIR_IN;
}

/*
 * The newest live credit of @n earned no later than @before, and (@child
 * not 0) given by a CREATE_CHILD_SA whose request went that way (1 + enum
 * vm_dir): -1 if none. The remote's newest SA is the one it sends on
 * first, and an older credit left unused lapses in its time.
 */
static int vm_nego_credit_find(const struct vm_nego *n, unsigned long before,
			       u8 child, unsigned long now)
{
	unsigned int live = vm_nego_credits(n, now), i;

	for (i = n->spis; live--;) {
		if (time_after(n->credit_at[--i], before) ||
		    (child && n->credit_child[i] != child))
			continue;
		return i;
	}
	return -1;
}

/*
 * The same for a new IKE SA the remote first sent on at @first, made by a
 * CREATE_CHILD_SA that @starter started: a flow that has such an exchange
 * whose credit was earned by then (the remote had no IKE SA from a later
 * one); *@n is how many have one at all.
 */
struct vm_flow *vm_nego_ike_owner(struct vm_peer *p, enum vm_dir starter,
				  unsigned long first, unsigned long now,
				  unsigned int *n)
{
	struct vm_flow *f, *owner = NULL;
	unsigned int eligible = 0;

	*n = 0;
	list_for_each_entry(f, &p->flows, peer_node) {
		if (!vm_nego_ike_sas(f->nego, starter, now))
			continue;
		(*n)++;
		if (vm_nego_credit_find(f->nego, first, 1 + starter, now) >= 0) {
			owner = f;
			eligible++;
		}
	}
	return eligible == 1 ? owner : NULL;
}

/*
 * An inbound SPI the remote first sent at @sent, bound to @f: it uses up a
 * credit if it has one (a CREATE_CHILD_SA's: that exchange made no IKE
 * SA, its other credits are for ESP alone). @first: the remote sent before the
 * host did, so the host's next new outbound SPI awaits nothing.
 */
void vm_nego_take_spi(struct vm_flow *f, unsigned long sent, bool first,
		      unsigned long now)
{
	struct vm_nego *n = f->nego;
	int i = n ? vm_nego_credit_find(n, sent, 0, now) : -1;
	u8 child;

	if (i < 0)
		return;
	child = n->credit_child[i];
	if (child)
		vm_nego_made_child(n, n->credit_ex[i], child - 1);
	vm_nego_credit_remove(n, i);
	if (first && n->paired < VM_NEGO_CREDIT_MAX)
		n->paired++;
}

/*
 * A new IKE SA of @f's host showed up, first sent on at @sent, made by one
 * of its CREATE_CHILD_SAs that @starter started (an IKE SA rekey): that
 * exchange made no ESP SA,
 * so the ESP credit it gave is void, or it would linger and make other
 * hosts' SPIs ambiguous.
 */
void vm_nego_take_ike(struct vm_flow *f, enum vm_dir starter,
		      unsigned long sent, unsigned long now)
{
	struct vm_nego *n = f->nego;
	int i;

	if (!n)
		return;
	i = vm_nego_credit_find(n, sent, 1 + starter, now);
	if (i >= 0)
		vm_nego_made_ike(n, n->credit_ex[i], starter);
}

/* A new outbound SPI of @f that pairs an inbound one already bound. */
bool vm_nego_take_paired(struct vm_flow *f, unsigned long now)
{
	struct vm_nego *n = f->nego;

	if (!vm_nego_open(n, now) || !n->paired)
		return false;
	n->paired--;
	return true;
}

/* The sweep: entitlements lapse, exchanges that never ended are dropped. */
void vm_nego_gc(struct vm_tables *t, struct vm_flow *f,
		const struct vpnmasq_config *cfg, unsigned long now)
{
	unsigned long window = (unsigned long)cfg->nego_window * HZ;
	struct vm_nego *n = f->nego;
	bool busy = false;
	int i;

	vm_nego_lapse(t, n, now);
	for (i = 0; i < VM_NEGO_SLOTS; i++) {
		if (!n->slot[i].since)
			continue;
		if (time_after(now, n->slot[i].since + window))
			memset(&n->slot[i], 0, sizeof(n->slot[i]));
		else
			busy = true;
	}
	if (!busy && !vm_nego_open(n, now))
		vm_nego_free(f);
}

void vm_nego_free(struct vm_flow *f)
{
	kfree(f->nego);
	f->nego = NULL;
}

unsigned int vm_nego_in_flight(const struct vm_nego *n)
{
	unsigned int i, busy = 0;

	for (i = 0; i < VM_NEGO_SLOTS; i++)
		busy += n->slot[i].since && !n->slot[i].done;
	return busy;
}
