/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PPTP calls as vpnmasq observes them: which TCP segment starts a control
 * connection worth the PPTP helper, and each call's GRE packet counts
 * joined from a walk of the conntrack table. Mainline's helpers parse the
 * control messages; this is only what vpnmasq reads around them. Like
 * the rest of core/, calls.c also compiles in userspace against tests/shim.
 */
#ifndef _VPNMASQ_CALLS_H
#define _VPNMASQ_CALLS_H

#include <linux/types.h>

#define VM_PPTP_CONTROL_PORT 1723
#define VM_TCP_HDR_MIN 20

/*
 * True if @th (@len bytes of a TCP header and what follows) is a SYN
 * without ACK to port 1723: a new PPTP control connection.
 */
bool vm_pptp_control_syn(const u8 *th, unsigned int len);

/* One PPTP call as reported to userspace (enum vpnmasq_pptp_attr). */
struct vpnmasq_pptp_info {
	__be32 lan, server, masq_addr;
	u16 lan_port, masq_port;
	u16 pns_call_id, pns_call_id_masq, pac_call_id;
	u8 session, call;
	u8 forwarded;		/* the LAN host is a port forward's server */
	u64 gre_out, gre_in;
};

/* A call's GRE conntrack entry: its control connection and counts. */
struct vm_gre_row {
	const void *master;	/* only compared, never followed */
	__be32 orig_src;	/* who sent the entry's first packet */
	u64 packets[2];		/* per conntrack direction: original, reply */
};

/*
 * Gives @calls[i], whose control connection is @ctrl[i], the GRE counts of
 * a row of @gre with that master (sorting @gre), as seen from the LAN host:
 * out is what it sent. Calls without a row keep zero counts.
 */
void vm_pptp_join(struct vpnmasq_pptp_info *calls, const void *const *ctrl,
		  unsigned int n_calls, struct vm_gre_row *gre,
		  unsigned int n_gre);

/* Sets @c's counts from a GRE entry that @orig_src opened. */
void vm_pptp_set_gre(struct vpnmasq_pptp_info *c, __be32 orig_src,
		     const u64 packets[2]);

#endif /* _VPNMASQ_CALLS_H */
