/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core's files share among themselves and nobody else needs: the
 * hash table parameters (constants, so that lookups inline), the counters,
 * the events and the object life cycle. Everything here runs under
 * vm_tables.lock unless it says RCU.
 */
#ifndef _VPNMASQ_CORE_INTERNAL_H
#define _VPNMASQ_CORE_INTERNAL_H

#include "esp.h"
#include "isakmp.h"

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

static inline void vm_stat(struct vm_tables *t, enum vpnmasq_stat stat)
{
	this_cpu_inc(t->stats->cnt[stat]);
}

/*
 * The host's last_seen only matters once its last entry is gone, so it is
 * brought along when an entry's changes: once per jiffy per entry, not
 * once per packet (a write to a line every CPU shares).
 */
static inline void vm_host_touch(struct vm_host *h, unsigned long now)
{
	if (READ_ONCE(h->last_seen) != now)
		WRITE_ONCE(h->last_seen, now);
}

/*
 * Which key to try first: a packet to the address that last proved local
 * is most likely inbound, anything else forwarded. Only the order of the two
 * lookups depends on it (a packet matches at most one of them in practice),
 * so a stale hint costs one lookup, never a wrong answer.
 */
static inline bool vm_likely_inbound(const struct vm_tables *t,
				     const struct vm_pkt *pkt)
{
	return pkt->daddr == READ_ONCE(t->local_hint);
}

/* @addr is one of the gateway's own: remembered for vm_likely_inbound(). */
static inline void vm_local_seen(struct vm_tables *t, __be32 addr)
{
	if (READ_ONCE(t->local_hint) != addr)
		WRITE_ONCE(t->local_hint, addr);
}

/* Conntrack must find the entry's reply tuple in the host's zone. */
static inline void vm_icmp_zone(struct vm_tables *t, u16 zone, struct vm_decision *d)
{
	d->verdict = VM_ZONE;
	d->zone = zone;
	d->inbound = true;
	vm_stat(t, VPNMASQ_STAT_ICMP_MATCHED);
}

/* tables.c: every change bumps the generation and is told to listeners */
void vm_notify_ike(struct vm_tables *t, const struct vm_ike *e, u8 type,
		   u8 reason);
void vm_notify_esp(struct vm_tables *t, const struct vm_esp *e, u8 type,
		   u8 reason);
void vm_notify_pending(struct vm_tables *t, const struct vm_peer *p, u8 type,
		       u8 reason);
bool vm_not_ours(struct vm_tables *t, const struct vpnmasq_config *cfg,
		 const struct vm_pkt *pkt);

/* flow.c */
struct vm_host *vm_host_get(struct vm_tables *t,
			    const struct vpnmasq_config *cfg, __be32 addr,
			    unsigned long now);
void vm_host_del(struct vm_tables *t, struct vm_host *h);
struct vm_peer *vm_peer_get(struct vm_tables *t, __be32 addr);
void vm_peer_put_if_unused(struct vm_tables *t, struct vm_peer *p);
/*
 * When @p first sent @key of @kind that nobody could claim, as far as the
 * ring of refused ones says; @now if not within the last negotiation
 * window. Under lock, as are noting a refusal and forgetting a key bound.
 */
unsigned long vm_unknown_first(const struct vm_peer *p,
			       const struct vpnmasq_config *cfg,
			       enum vm_unknown_kind kind, u64 key,
			       unsigned long now);
void vm_unknown_note(struct vm_tables *t, struct vm_peer *p,
		     enum vm_unknown_kind kind, u64 key, unsigned long first);
void vm_unknown_forget(struct vm_peer *p, enum vm_unknown_kind kind, u64 key);
struct vm_flow *vm_flow_get(struct vm_tables *t,
			    const struct vpnmasq_config *cfg, __be32 lan,
			    __be32 remote, unsigned long now);
void vm_flow_put_if_unused(struct vm_tables *t, struct vm_flow *f);
/* Not yet removed: still in the tables. */
static inline bool vm_flow_live(const struct vm_flow *f)
{
	return !list_empty(&f->all_node);
}

/* Its ISAKMP conntrack entry is to go (the glue takes it, see tables.h). */
void vm_flow_ct_gone(struct vm_tables *t, struct vm_flow *f);

/* isakmp.c */
void vm_ike_del(struct vm_tables *t, struct vm_ike *e,
		enum vpnmasq_reason reason);

/* esp.c */
void vm_esp_del(struct vm_tables *t, struct vm_esp *e,
		enum vpnmasq_reason reason);
void vm_pending_clear(struct vm_tables *t, struct vm_peer *p,
		      enum vpnmasq_reason reason);
void vm_held_unlink(struct vm_tables *t, struct vm_peer *p,
		    struct vm_held *h);
void vm_held_finish(struct vm_tables *t, struct vm_held *h, bool send);
struct vm_held *vm_held_add(struct vm_tables *t,
			    const struct vpnmasq_config *cfg,
			    struct vm_peer *p, __be32 lan, __be32 spi, bool ike,
			    void *handle);
void vm_pending_set(struct vm_tables *t, struct vm_peer *p, struct vm_flow *f,
		    enum vm_slot kind, __be32 spi, unsigned long now);
struct vm_flow *vm_slot_ready(struct vm_peer *p, unsigned long now);
void vm_esp_promote(struct vm_tables *t, const struct vpnmasq_config *cfg,
		    struct vm_peer *p, unsigned long now);
void vm_esp_release_early(struct vm_tables *t, struct vm_peer *p);
unsigned int vm_held_flush(struct vm_tables *t, struct vm_peer *p,
			   __be32 lan);

/* nego.c */
/*
 * A message of an SA-creating exchange on one of @f's IKE SAs, in
 * direction @dir: VM_ZONE to let it go, VM_HOLD if the tables keep
 * @handle until the host's turn, VM_DROP if they cannot. Takes the lock.
 */
enum vm_verdict vm_nego_seen(struct vm_tables *t,
			     const struct vpnmasq_config *cfg,
			     struct vm_flow *f, const struct vm_isakmp *hdr,
			     enum vm_dir dir, void *handle, unsigned long now);
bool vm_nego_note(struct vm_tables *t, const struct vpnmasq_config *cfg,
		  struct vm_flow *f, const struct vm_isakmp *hdr,
		  enum vm_dir dir, unsigned long now);
/*
 * Any other IKEv2 message on one of @f's IKE SAs, in direction @dir: a
 * request may show what an earlier CREATE_CHILD_SA there made. Takes the
 * lock, if @f has negotiations.
 */
void vm_nego_request(struct vm_tables *t, struct vm_flow *f,
		     const struct vm_isakmp *hdr, enum vm_dir dir);
bool vm_nego_open(const struct vm_nego *n, unsigned long now);
unsigned int vm_nego_credits(const struct vm_nego *n, unsigned long now);
unsigned int vm_nego_ike_sas(const struct vm_nego *n, enum vm_dir starter,
			     unsigned long now);
/* 1 if @f may get an unknown inbound SPI by its negotiations, else 0. */
unsigned int vm_nego_entitled(const struct vm_flow *f, unsigned long now);
bool vm_nego_awaits_answer(const struct vm_nego *n, unsigned long first,
			   unsigned long wait, unsigned long now);
bool vm_nego_eligible(const struct vm_flow *f, unsigned long first,
		      unsigned long now);
struct vm_flow *vm_nego_spi_owner(struct vm_peer *p, unsigned long first,
				  unsigned long now, unsigned int *entitled);
enum vm_dir vm_nego_ike_starter(const struct vm_isakmp *hdr, enum vm_dir dir);
struct vm_flow *vm_nego_ike_owner(struct vm_peer *p, enum vm_dir starter,
				  unsigned long first, unsigned long now,
				  unsigned int *n);
void vm_nego_take_spi(struct vm_flow *f, unsigned long sent, bool first,
		      unsigned long now);
void vm_nego_take_ike(struct vm_flow *f, enum vm_dir starter,
		      unsigned long sent, unsigned long now);
bool vm_nego_take_paired(struct vm_flow *f, unsigned long now);
void vm_nego_gc(struct vm_tables *t, struct vm_flow *f,
		const struct vpnmasq_config *cfg, unsigned long now);
void vm_nego_free(struct vm_flow *f);
unsigned int vm_nego_in_flight(const struct vm_nego *n);

/* dump.c */
void vm_ike_info_fill(struct vm_ike_info *info, const struct vm_ike *e);
void vm_esp_info_fill(struct vm_esp_info *info, const struct vm_esp *e);
void vm_pending_info_fill(struct vm_pending_info *info,
			  const struct vm_peer *p);

#endif /* _VPNMASQ_CORE_INTERNAL_H */
