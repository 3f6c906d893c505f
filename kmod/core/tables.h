/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The association tables of one network namespace, and the decisions made
 * from them: no hooks, no skbs. The glue parses packets and asks here which
 * conntrack zone (if any) a packet belongs to. Everything under core/ also
 * compiles in userspace against tests/shim.
 *
 *   core/flow.c     hosts, peers, flows and the zones hosts own
 *   core/isakmp.c   ISAKMP associations: (peer, initiator cookie) -> flow
 *   core/esp.c      ESP associations: (peer, SPI, direction) -> flow, and
 *                   the serialization of new SAs per peer
 *   core/expiry.c   idle expiry, conntrack's end, flushes and deletions
 *   core/dump.c     snapshots for dumps and events
 *   core/tables.c   one namespace's tables: init, exit, events
 *   core/config.c   the tunables and the LAN scope
 *   core/calls.c    what vpnmasq reads around the PPTP helper
 *
 * ESP serialization: a LAN host's new outbound SPI to a peer makes it the
 * peer's "pending" flow until the next unknown inbound SPI from that peer
 * arrives (it is bound to the pending flow) or serial_wait passes. Other
 * hosts' new SPIs to that peer are held meanwhile (at most hold_max
 * packets) and released, host by host, when the slot passes to them.
 */
#ifndef _VPNMASQ_CORE_TABLES_H
#define _VPNMASQ_CORE_TABLES_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vpnmasq.h>

#include "config.h"
#include "dump.h"
#include "flow.h"

struct vpnmasq_stats {
	u64 cnt[__VPNMASQ_STAT_MAX];
};

struct vm_event;

struct vm_tables {
	/* Serializes every change; packet-path lookups use RCU. */
	spinlock_t lock;
	struct rhashtable hosts;
	struct rhashtable peers;
	struct rhashtable flows;
	struct rhashtable ike;
	struct rhashtable esp;
	struct list_head pending_peers;
	struct list_head hosts_all;
	struct list_head flows_all;
	struct list_head local_ike;
	struct list_head ct_gone;	/* flows, see vm_tables_ct_gone() */
	/* The gateway address new inbound traffic came to last (a hint). */
	__be32 local_hint;
	unsigned long *zones_used;	/* 65536 bits, on first use */
	u16 zone_cursor;
	u32 n_ike;
	u32 n_esp;
	u32 n_held;
	u32 n_hosts;
	/* What to do with held packets: send on, or free. */
	void (*pkt_release)(void *pkt);
	void (*pkt_drop)(void *pkt);
	/*
	 * Told of every association created or removed, under @lock with
	 * BHs off, if @listening (when set) says someone wants to know; NULL
	 * if nobody ever does. Not called once @dead is set.
	 */
	void (*notify)(struct vm_tables *t, const struct vm_event *ev);
	bool (*listening)(const struct vm_tables *t);
	/* Bumped on every change so that dumps can flag interruption. */
	u32 generation;
	/* A zone is not reused before every conntrack entry in it expired. */
	unsigned long zone_hold;
	/*
	 * IKE exchanges a remote never answered end after this idle time, as
	 * conntrack ends unanswered UDP flows (its answered ones would end far
	 * sooner than real IKE SAs do: those live ike_timeout). The glue sets
	 * it from the namespace's UDP unreplied timeout.
	 */
	unsigned long ike_unanswered;
	/* Set when the namespace goes: late conntrack destroys are ignored. */
	bool dead;
	struct vpnmasq_stats __percpu *stats;
};

enum vm_verdict {
	VM_PASS,	/* not ours: leave it to conntrack as it is */
	VM_ZONE,	/* track it in the LAN host's zone */
	VM_DROP,	/* refused; the reason was counted */
	VM_HOLD,	/* kept by the tables: the caller lets go of it */
};

struct vm_decision {
	enum vm_verdict verdict;
	u16 zone;
	/*
	 * From the remote: the zone must hold in both directions, or the
	 * packet could match an entry the remote opened in the default zone.
	 */
	bool inbound;
	/*
	 * An inbound refusal (VM_DROP) not counted yet: the enum vpnmasq_stat
	 * the caller counts if it does drop the packet. The caller may first
	 * let conntrack and NAT see it, since a port forward's first packet
	 * looks just like one nobody owns (vm_pkt.recheck).
	 */
	u16 refusal;
};

/* Packet-path context: what the caller knows about the packet. */
struct vm_pkt {
	__be32 saddr;
	__be32 daddr;
	bool to_local;		/* daddr is one of the gateway's addresses */
	unsigned long now;	/* jiffies */
	/*
	 * Conntrack already tracks the packet's flow without vpnmasq (in the
	 * default zone): a port forward's, or its reply. Such a flow is never
	 * a LAN host's new one. Only the slow paths read it.
	 */
	bool foreign;
	/*
	 * The second look, after DNAT, at an inbound packet whose refusal was
	 * put off: nothing is bound and only the outcome is counted.
	 */
	bool recheck;
};

/*
 * The side a new packet comes from, by the LAN scope alone: forwarded from
 * inside the scope to outside it, or arriving at the gateway from outside
 * it. Anything else is never a masqueraded LAN host's flow.
 */
static inline bool vm_pkt_lan_side(const struct vpnmasq_config *cfg,
				   const struct vm_pkt *pkt)
{
	return pkt->to_local ? !vpnmasq_lan_has(cfg, pkt->saddr) :
	       vpnmasq_lan_outbound(cfg, pkt->saddr, pkt->daddr);
}

/* Counts @d's refusal, if it is one not counted yet: the packet is dropped. */
void vm_refusal_count(struct vm_tables *t, const struct vm_decision *d);

int vm_tables_init(struct vm_tables *t, struct vpnmasq_stats __percpu *stats);
/* May sleep; no packet may use @t any more. */
void vm_tables_exit(struct vm_tables *t);

/* The conntrack entry of (lan, remote, l4proto) was destroyed. */
void vm_flow_ct_destroyed(struct vm_tables *t, __be32 lan, __be32 remote,
			  u8 l4proto);
/* Expire idle entries; returns how many were removed. May not sleep. */
unsigned int vm_tables_gc(struct vm_tables *t, const struct vpnmasq_config *cfg,
			  unsigned long now);
#define VM_FLUSH_IKE	BIT(0)
#define VM_FLUSH_ESP	BIT(1)	/* with the serialization slots */
#define VM_FLUSH_ALL	(VM_FLUSH_IKE | VM_FLUSH_ESP)

/*
 * Removes the associations of the tables in @what (VM_FLUSH_*) of LAN host
 * @lan, of everyone if @lan is 0. Returns how many went. May not sleep.
 */
unsigned int vm_tables_flush(struct vm_tables *t, __be32 lan,
			     unsigned int what);
/*
 * ISAKMP conntrack entries outlive conntrack's UDP timeouts (their lifetime
 * is the associations'): when a flow's last IKE association ends other
 * than with its entry, the flow is queued until the caller has deleted
 * the entry. Takes up to @max of them into @keys; returns how many.
 */
unsigned int vm_tables_ct_gone(struct vm_tables *t, struct vm_flow_key *keys,
			       unsigned int max);
/*
 * Removes the associations (and serialization state) of every flow that
 * @cfg's LAN scope no longer covers. Returns how many went. May not sleep.
 */
unsigned int vm_tables_flush_scope(struct vm_tables *t,
				   const struct vpnmasq_config *cfg);

#endif /* _VPNMASQ_CORE_TABLES_H */
