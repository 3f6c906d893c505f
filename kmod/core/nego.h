/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Negotiations (core/nego.c): what the cleartext ISAKMP headers a LAN host
 * exchanges with a remote say about new SAs between them. The SPIs of new
 * SAs are encrypted, but the exchange type, the message ID and (IKEv2) the
 * Response flag are not, so vpnmasq sees that a host has just negotiated
 * with a remote: an IKEv1 Quick Mode, an IKEv2 IKE_AUTH or CREATE_CHILD_SA
 * seen in both directions. Such a host is entitled, for a while, to a few
 * new inbound SPIs from that remote, and after CREATE_CHILD_SA to one new
 * IKE SA the remote starts: when exactly one host is, an unknown inbound
 * SPI or cookie is that host's, even when the remote sends first.
 */
#ifndef _VPNMASQ_CORE_NEGO_H
#define _VPNMASQ_CORE_NEGO_H

#include <linux/list.h>
#include <linux/types.h>

/* ISAKMP exchange types (RFC 2408 3.1, RFC 2409 9, RFC 7296 3.1). */
#define VM_EXCH_IKEV1_QUICK		32
#define VM_EXCH_IKEV2_IKE_SA_INIT	34
#define VM_EXCH_IKEV2_IKE_AUTH		35
#define VM_EXCH_IKEV2_CREATE_CHILD_SA	36
/* IKEv2 header flags (RFC 7296 3.1). */
#define VM_IKEV2_FLAG_INITIATOR		0x08
#define VM_IKEV2_FLAG_RESPONSE		0x20

/* Which way a message went: from the LAN host, or to it. */
enum vm_dir {
	VM_DIR_OUT,
	VM_DIR_IN,
};

/* One exchange of a flow in flight, or just completed. */
struct vm_nego_slot {
	__be64 icookie;
	__be32 msgid;
	u8 exchange;
	u8 req_dir;		/* enum vm_dir of its request */
	bool done;		/* completed: later messages are its own */
	/*
	 * A CREATE_CHILD_SA: the number its credits carry (credit_ex), and
	 * whether it has been seen to have made a Child SA, not rekeyed the
	 * IKE SA it ran on (vm_nego_request_note()).
	 */
	u8 ex;
	bool made_child;
	/*
	 * The remote's request waits while another host's exchange settles
	 * (vm_nego_settling()); such a one unsettles nobody itself.
	 */
	bool waits;
	/* The highest message ID its requester used on that IKE SA by then. */
	u32 last_req;
	unsigned long since;
};

#define VM_NEGO_SLOTS		4
/* Credit never grows past this, however many exchanges complete. */
#define VM_NEGO_CREDIT_MAX	16

/* A flow's negotiations and what they entitle its host to (under lock). */
struct vm_nego {
	struct vm_nego_slot slot[VM_NEGO_SLOTS];
	/*
	 * Unknown inbound SPIs it may still get: a credit per SPI, each
	 * earned at credit_at[i] (oldest first) and live for window jiffies
	 * from then, however many negotiations come after (an SA the
	 * remote never sends on must not keep its credit alive). The remote
	 * can have had the new SAs only from then: an SPI it sent before is
	 * not theirs.
	 */
	u8 spis;
	/*
	 * Inbound SPIs bound by this entitlement before the host sent on a
	 * new outbound SPI: that many new outbound SPIs await nothing.
	 */
	u8 paired;
	u8 last_exchange;
	u32 completed;		/* negotiations completed */
	unsigned long until;	/* the entitlement lapses then */
	unsigned long window;	/* nego_window when the last one completed */
	unsigned long credit_at[VM_NEGO_CREDIT_MAX];
	/*
	 * Per credit, for one a CREATE_CHILD_SA gave: 1 + the enum vm_dir of
	 * its request, else 0. That exchange made a Child SA or rekeyed the
	 * IKE SA, never both: so it also entitles to one new IKE SA that the
	 * side of its request started (the new IKE SA's original initiator,
	 * which every message on it names with the Initiator flag), until
	 * either is used or it is seen to have made a Child SA.
	 */
	u8 credit_child[VM_NEGO_CREDIT_MAX];
	/* Per credit, the exchange that gave it (the low byte of completed). */
	u8 credit_ex[VM_NEGO_CREDIT_MAX];
};

/* An SA-creating exchange type (the rest never entitles anybody). */
static inline bool vm_nego_exchange(u8 version, u8 exchange)
{
	if (version >> 4 == 1)
		return exchange == VM_EXCH_IKEV1_QUICK;
	return exchange == VM_EXCH_IKEV2_IKE_AUTH ||
	       exchange == VM_EXCH_IKEV2_CREATE_CHILD_SA;
}

#endif /* _VPNMASQ_CORE_NEGO_H */
