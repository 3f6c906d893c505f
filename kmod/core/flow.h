/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LAN hosts, remotes and the flows between them (core/flow.c): the objects
 * every association hangs from. All hashed per namespace, changed under
 * vm_tables.lock, read under RCU.
 *
 *   host  a LAN host; owns one reply-direction conntrack zone.
 *   peer  a remote address; knows which hosts have IKE state with it, and
 *         holds its ESP serialization slot.
 *   flow  (host, peer): one conntrack entry per protocol lives in the
 *         host's zone; carries the host's associations with that peer.
 */
#ifndef _VPNMASQ_CORE_FLOW_H
#define _VPNMASQ_CORE_FLOW_H

#include <linux/list.h>
#include <linux/rhashtable.h>
#include <linux/types.h>

#include "nego.h"

struct vm_host {
	struct rhash_head node;
	__be32 addr;
	u16 zone;
	u32 nflows;			/* under lock */
	unsigned long last_seen;
	struct list_head all_node;	/* in tables->hosts_all */
	struct rcu_head rcu;
};

/*
 * What a remote sent that nobody could claim, and when it first sent each:
 * unknown inbound SPIs, and initiator cookies of IKE SAs it started. A ring
 * of the latest of each kind, so a flood only forgets (and a key forgotten
 * counts as first sent when seen again). No key is 0: SPI 0 is reserved
 * (RFC 4303 2.1) and no initiator cookie is 0 (RFC 7296 3.1).
 */
enum vm_unknown_kind {
	VM_UNKNOWN_SPI,
	VM_UNKNOWN_COOKIE,
	VM_UNKNOWN_KINDS,
};

#define VM_UNKNOWN_KEYS		8
struct vm_unknown {
	u64 key[VM_UNKNOWN_KEYS];
	unsigned long first[VM_UNKNOWN_KEYS];
	u8 next;
};

struct vm_peer {
	struct rhash_head node;
	__be32 addr;
	u32 ike_flows;			/* flows with IKE entries */
	u32 ike_local;			/* the gateway's own IKE entries */
	struct list_head flows;
	/*
	 * Serialization of new SAs, under lock: the one flow that may get the
	 * next unknown inbound SPI, because it sent on a new outbound SPI
	 * (SENT) or is negotiating new SAs (NEGO), since the last time either
	 * moved on.
	 */
	struct vm_flow *pending;
	__be32 pending_spi;		/* SENT: its new outbound SPI */
	u8 pending_kind;		/* enum vm_slot */
	unsigned long pending_since;
	struct list_head pending_node;	/* in tables->pending_peers */
	struct list_head held;		/* struct vm_held, oldest first */
	u32 n_held;
	/* Allocated when needed, used under lock. */
	struct vm_unknown *unknown[VM_UNKNOWN_KINDS];
	struct rcu_head rcu;
};

/* Why a flow holds its peer's slot. */
enum vm_slot {
	VM_SLOT_SENT,	/* a new outbound SPI awaits its reply */
	VM_SLOT_NEGO,	/* an exchange creating SAs is under way */
};

/* A packet held until its host gets the peer's pending slot. */
struct vm_held {
	struct list_head node;
	void *pkt;			/* opaque: an sk_buff in the kernel */
	__be32 lan;
	__be32 spi;			/* ESP: its new outbound SPI */
	bool ike;			/* an ISAKMP message of a negotiation */
	bool from_remote;		/* ike: the remote's request */
	/*
	 * The remote's packet on an unknown SPI (lan is 0), while the slot
	 * holder's request awaits its answer: it may be the new SA the
	 * answer tells of, sent before it.
	 */
	bool early_in;
};

struct vm_flow_key {
	__be32 lan;
	__be32 remote;
};

struct vm_flow {
	struct rhash_head node;
	struct vm_flow_key key;
	struct vm_host *host;
	struct vm_peer *peer;
	struct list_head peer_node;	/* in peer->flows */
	struct list_head all_node;	/* in tables->flows_all */
	struct list_head ike;		/* struct vm_ike.list */
	struct list_head esp;		/* struct vm_esp.list */
	u32 n_ike;
	u32 n_esp;
	/*
	 * Lower bounds of the last_seen of the flow's entries (under lock;
	 * entries only ever move theirs forward): the expiry sweep skips a
	 * list that cannot hold an expired entry without touching it.
	 */
	unsigned long ike_oldest;
	unsigned long esp_oldest;
	/* Its negotiations, when any was seen (under lock). */
	struct vm_nego *nego;
	/* The remote answered on one of its IKE SAs (set without a lock). */
	bool ike_answered;
	/*
	 * Its ISAKMP conntrack entry outlives conntrack's UDP timeouts and
	 * ends with the flow's last IKE association: queued here (in
	 * tables->ct_gone) until the glue has deleted it.
	 */
	struct list_head ct_gone_node;
	bool ct_gone;
	struct rcu_head rcu;
};

#endif /* _VPNMASQ_CORE_FLOW_H */
