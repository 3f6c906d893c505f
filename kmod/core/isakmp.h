/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ISAKMP/IKE associations (core/isakmp.c): (remote, initiator cookie) ->
 * the LAN host's flow, or the gateway itself. IKEv1 cookies and IKEv2 SPIs
 * share the header layout.
 */
#ifndef _VPNMASQ_CORE_ISAKMP_H
#define _VPNMASQ_CORE_ISAKMP_H

#include "tables.h"

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
	u8 how;				/* enum vpnmasq_how */
	unsigned long last_seen;
	u64 packets;			/* approximate under concurrency */
	struct list_head list;		/* flow->ike or tables->local_ike */
	__be64 rcookie;
	struct rcu_head rcu;
};

/* The ISAKMP header fields vpnmasq uses (RFC 2408 3.1, RFC 7296 3.1). */
#define VM_ISAKMP_HDR_LEN 28

struct vm_isakmp {
	__be64 icookie;
	__be64 rcookie;
	u8 version;
	u8 exchange;
	u8 flags;
	__be32 msgid;
};

int vm_isakmp_parse(const u8 *buf, unsigned int len, struct vm_isakmp *hdr);

/*
 * A UDP 500->500 packet seen before conntrack: forwarded or inbound.
 * vm_ike_known() is the lock-free path for cookies seen before and needs no
 * pkt->to_local (a route lookup the caller can then skip); if it returns
 * false, vm_ike_new() decides with pkt->to_local set. A message of a
 * negotiation (the host's, or the remote's opening one) may have to wait
 * for its turn: then the tables keep @handle (VM_HOLD), if it is not NULL.
 */
bool vm_ike_known(struct vm_tables *t, const struct vpnmasq_config *cfg,
		  const struct vm_pkt *pkt, const struct vm_isakmp *hdr,
		  void *handle, struct vm_decision *d);
void vm_ike_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
		const struct vm_pkt *pkt, const struct vm_isakmp *hdr,
		struct vm_decision *d);

static inline void vm_ike_classify(struct vm_tables *t,
				   const struct vpnmasq_config *cfg,
				   const struct vm_pkt *pkt,
				   const struct vm_isakmp *hdr, void *handle,
				   struct vm_decision *d)
{
	if (!vm_ike_known(t, cfg, pkt, hdr, handle, d))
		vm_ike_new(t, cfg, pkt, hdr, d);
}

/* A UDP 500->500 packet the gateway itself sends. */
void vm_ike_local_out(struct vm_tables *t, const struct vpnmasq_config *cfg,
		      const struct vm_pkt *pkt, const struct vm_isakmp *hdr);

/*
 * An ICMP error to the gateway about an ISAKMP message with @icookie that
 * it sent to @remote: VM_ZONE if a LAN host sent it, else VM_PASS.
 * Lock-free, and it refreshes nothing: an error is not traffic.
 */
void vm_ike_icmp_error(struct vm_tables *t, __be32 remote, __be64 icookie,
		       struct vm_decision *d);

/*
 * Removes the ISAKMP association with @icookie and remote @remote (any if
 * 0). Returns how many went.
 */
unsigned int vm_ike_del_cookie(struct vm_tables *t, __be64 icookie,
			       __be32 remote);

#endif /* _VPNMASQ_CORE_ISAKMP_H */
