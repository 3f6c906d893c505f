/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The association tables of one network namespace, and the decisions made
 * from them. No hooks, no skbs: the protocol files parse packets and ask
 * here which conntrack zone (if any) a packet belongs to. This file and
 * table.c also compile in userspace against tests/shim.
 *
 * Objects, all hashed per netns and protected by vm_tables.lock for writes
 * and RCU for reads:
 *   host  a LAN host; owns one reply-direction conntrack zone.
 *   peer  a remote address; knows which hosts have IKE state with it.
 *   flow  (host, peer): one conntrack entry per protocol lives in the
 *         host's zone; carries the host's associations with that peer.
 *   ike   (peer, initiator cookie) -> flow, or -> the gateway itself.
 *   esp   (peer, SPI, direction) -> flow.
 *
 * ESP serialization: a LAN host's new outbound SPI to a peer makes it the
 * peer's "pending" flow until the next unknown inbound SPI from that peer
 * arrives (it is bound to the pending flow) or serial_wait passes. Other
 * hosts' new SPIs to that peer are held meanwhile (at most hold_max
 * packets) and released, host by host, when the slot passes to them.
 */
#ifndef _VPNMASQ_TABLE_H
#define _VPNMASQ_TABLE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vpnmasq.h>

#include "config.h"

struct vpnmasq_stats {
	u64 cnt[__VPNMASQ_STAT_MAX];
};

struct vm_host {
	struct rhash_head node;
	__be32 addr;
	u16 zone;
	u32 nflows;			/* under lock */
	unsigned long last_seen;
	struct list_head all_node;	/* in tables->hosts_all */
	struct rcu_head rcu;
};

struct vm_peer {
	struct rhash_head node;
	__be32 addr;
	u32 ike_flows;			/* flows with IKE entries */
	u32 ike_local;			/* the gateway's own IKE entries */
	struct list_head flows;
	/* ESP serialization, under lock */
	struct vm_flow *pending;	/* awaits its first inbound SPI */
	__be32 pending_spi;
	unsigned long pending_since;
	struct list_head pending_node;	/* in tables->pending_peers */
	struct list_head held;		/* struct vm_held, oldest first */
	u32 n_held;
	struct rcu_head rcu;
};

/* A packet held until its host gets the peer's pending slot. */
struct vm_held {
	struct list_head node;
	void *pkt;			/* opaque: an sk_buff in the kernel */
	__be32 lan;
	__be32 spi;
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
	struct rcu_head rcu;
};

/* Padding is explicit: the whole key is hashed and compared. */
struct vm_ike_key {
	__be32 remote;
	u32 zero;
	__be64 icookie;
};

/*
 * The fields a packet reads or writes come first, then the list the expiry
 * sweep walks; the flow's LAN host and zone are copied in (a flow never
 * changes host), so that a lookup touches the entry and not also its flow
 * and host: at a million entries each of those is a cache miss.
 */
struct vm_ike {
	struct rhash_head node;
	struct vm_ike_key key;
	struct vm_flow *flow;		/* NULL: the gateway's own */
	__be32 lan;			/* flow->key.lan, 0 for the gateway's */
	u16 zone;			/* flow->host->zone */
	unsigned long last_seen;
	u64 packets;			/* approximate under concurrency */
	struct list_head list;		/* flow->ike or tables->local_ike */
	__be64 rcookie;
	struct rcu_head rcu;
};

enum vm_esp_dir {
	VM_ESP_IN,	/* remote -> LAN host: SPI chosen by the host */
	VM_ESP_OUT,	/* LAN host -> remote: SPI chosen by the remote */
};

struct vm_esp_key {
	__be32 remote;
	__be32 spi;
	u32 dir;
};

/* Laid out like struct vm_ike, for the same reason. */
struct vm_esp {
	struct rhash_head node;
	struct vm_esp_key key;
	/*
	 * Inbound: the gateway address the SPI arrived at (a forwarded packet
	 * with the same SPI is not this host's); it fills padding.
	 */
	__be32 gw;
	struct vm_flow *flow;
	__be32 lan;			/* flow->key.lan */
	u16 zone;			/* flow->host->zone */
	unsigned long last_seen;
	u64 packets;			/* approximate under concurrency */
	u64 bytes;
	struct list_head list;		/* flow->esp */
	struct rcu_head rcu;
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
	/* Set when the namespace goes: late conntrack destroys are ignored. */
	bool dead;
	struct vpnmasq_stats __percpu *stats;
};

/* The ISAKMP header fields vpnmasq uses (RFC 2408 3.1, RFC 7296 3.1). */
#define VM_ISAKMP_HDR_LEN 28

struct vm_isakmp {
	__be64 icookie;
	__be64 rcookie;
	u8 version;
	u8 exchange;
	u8 flags;
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

int vm_isakmp_parse(const u8 *buf, unsigned int len, struct vm_isakmp *hdr);

/* The ESP header's SPI and sequence number (RFC 4303 2). */
#define VM_ESP_HDR_LEN 8

/* @len bytes from the ESP header on: 0 and its SPI, or -EINVAL. */
int vm_esp_parse(const u8 *buf, unsigned int len, __be32 *spi);

/*
 * A UDP 500->500 packet seen before conntrack: forwarded or inbound.
 * vm_ike_known() is the lock-free path for cookies seen before and needs no
 * pkt->to_local (a route lookup the caller can then skip); if it returns
 * false, vm_ike_new() decides with pkt->to_local set. vm_esp_known() is the
 * same for SPIs.
 */
bool vm_ike_known(struct vm_tables *t, const struct vm_pkt *pkt,
		  const struct vm_isakmp *hdr, struct vm_decision *d);
void vm_ike_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
		const struct vm_pkt *pkt, const struct vm_isakmp *hdr,
		struct vm_decision *d);

static inline void vm_ike_classify(struct vm_tables *t,
				   const struct vpnmasq_config *cfg,
				   const struct vm_pkt *pkt,
				   const struct vm_isakmp *hdr,
				   struct vm_decision *d)
{
	if (!vm_ike_known(t, pkt, hdr, d))
		vm_ike_new(t, cfg, pkt, hdr, d);
}

/* A UDP 500->500 packet the gateway itself sends. */
void vm_ike_local_out(struct vm_tables *t, const struct vpnmasq_config *cfg,
		      const struct vm_pkt *pkt, const struct vm_isakmp *hdr);

/*
 * ESP. vm_esp_known() is the lock-free fast path for SPIs seen before; the
 * caller then sorts the rest: the gateway's own SAs (left alone), inbound
 * to the gateway (vm_esp_inbound_new) and forwarded from a LAN host
 * (vm_esp_outbound_new, which may hold @pkt).
 */
bool vm_esp_known(struct vm_tables *t, const struct vm_pkt *pkt, __be32 spi,
		  unsigned int len, struct vm_decision *d);
void vm_esp_inbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			const struct vm_pkt *pkt, __be32 spi,
			struct vm_decision *d);
void vm_esp_outbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			 const struct vm_pkt *pkt, __be32 spi, void *handle,
			 struct vm_decision *d);
/*
 * Passes pending slots whose wait is over to the next waiting host. Returns
 * the jiffies of the next deadline, or 0 if nothing is pending.
 */
unsigned long vm_esp_serial_tick(struct vm_tables *t,
				 const struct vpnmasq_config *cfg,
				 unsigned long now);

/*
 * An ICMP error to the gateway about an ESP packet with outbound SPI @spi
 * (or an ISAKMP message with @icookie) that it sent to @remote: VM_ZONE if
 * a LAN host sent it, else VM_PASS. Lock-free, and it refreshes nothing:
 * an error is not traffic.
 */
void vm_esp_icmp_error(struct vm_tables *t, __be32 remote, __be32 spi,
		       struct vm_decision *d);
void vm_ike_icmp_error(struct vm_tables *t, __be32 remote, __be64 icookie,
		       struct vm_decision *d);

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
 * Removes the associations (and serialization state) of every flow that
 * @cfg's LAN scope no longer covers. Returns how many went. May not sleep.
 */
unsigned int vm_tables_flush_scope(struct vm_tables *t,
				   const struct vpnmasq_config *cfg);
/*
 * Remove the ISAKMP association with @icookie, or the ESP associations of
 * @spi (both directions), with remote @remote (any if 0). Return how many
 * went.
 */
unsigned int vm_ike_del_cookie(struct vm_tables *t, __be64 icookie,
			       __be32 remote);
unsigned int vm_esp_del_spi(struct vm_tables *t, __be32 spi, __be32 remote);

/* Snapshot of one IKE entry for dumps. */
struct vm_ike_info {
	__be32 remote;
	__be32 lan;		/* 0: the gateway's own */
	__be64 icookie;
	__be64 rcookie;
	u16 zone;
	unsigned long last_seen;
	u64 packets;
};

/*
 * Copies up to @max entries starting at position @skip into @out; returns
 * the number copied. @gen receives the table generation for consistency
 * checks across calls.
 */
unsigned int vm_ike_snapshot(struct vm_tables *t, unsigned long skip,
			     struct vm_ike_info *out, unsigned int max,
			     u32 *gen);

struct vm_esp_info {
	__be32 remote;
	__be32 lan;
	__be32 spi;
	u8 dir;			/* enum vm_esp_dir */
	u16 zone;
	unsigned long last_seen;
	u64 packets;
	u64 bytes;
};

unsigned int vm_esp_snapshot(struct vm_tables *t, unsigned long skip,
			     struct vm_esp_info *out, unsigned int max,
			     u32 *gen);

/* One peer's serialization state. */
struct vm_pending_info {
	__be32 remote;
	__be32 lan;		/* the pending host */
	__be32 spi;		/* its new outbound SPI */
	unsigned long since;
	u32 held;		/* packets of other hosts waiting */
	u32 waiting_hosts;
};

unsigned int vm_pending_snapshot(struct vm_tables *t, unsigned long skip,
				 struct vm_pending_info *out, unsigned int max,
				 u32 *gen);

enum vm_event_kind {
	VM_EV_IKE,
	VM_EV_ESP,
	VM_EV_PENDING,
};

/* What vm_tables.notify is told. */
struct vm_event {
	u8 type;		/* enum vpnmasq_event */
	u8 reason;		/* enum vpnmasq_reason */
	u8 kind;		/* enum vm_event_kind */
	union {
		struct vm_ike_info ike;
		struct vm_esp_info esp;
		struct vm_pending_info pending;
	};
};

#endif /* _VPNMASQ_TABLE_H */
