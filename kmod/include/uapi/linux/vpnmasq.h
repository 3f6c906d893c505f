/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vpnmasq: masquerading of IPsec (ISAKMP/IKE, raw ESP) and PPTP for several
 * LAN hosts behind one NAT gateway.
 *
 * The module is configured and inspected over the generic netlink family
 * VPNMASQ_GENL_NAME. All state is per network namespace: a request acts on
 * the namespace of the socket that sent it.
 *
 * Commands
 * --------
 * VPNMASQ_CMD_GET_CONFIG (do)
 *	Reply carries VPNMASQ_A_VERSION and every VPNMASQ_A_CFG_* attribute.
 *
 * VPNMASQ_CMD_SET_CONFIG (do, needs CAP_NET_ADMIN over the namespace)
 *	Carries one or more VPNMASQ_A_CFG_* attributes. The change is applied
 *	all at once or not at all; a refusal carries an extended-ack message
 *	naming the offending attribute. A new VPNMASQ_A_CFG_LAN replaces the
 *	whole scope: associations it no longer covers end (reason SCOPE)
 *	with their conntrack entries, and masqueraded entries it now covers
 *	are removed so that their next packets are associated.
 *
 * VPNMASQ_CMD_GET_STATS (do)
 *	Reply carries VPNMASQ_A_STATS, a nest of u64 counters indexed by
 *	enum vpnmasq_stat, and the table sizes VPNMASQ_A_N_*.
 *
 * VPNMASQ_CMD_GET_IKE (dump)
 *	One message per ISAKMP association, each with a VPNMASQ_A_IKE nest
 *	(enum vpnmasq_ike_attr). Dumps that raced with removals are flagged
 *	NLM_F_DUMP_INTR and should be retried.
 *
 * VPNMASQ_CMD_GET_ESP (dump)
 *	One message per ESP association, each with a VPNMASQ_A_ESP nest
 *	(enum vpnmasq_esp_attr).
 *
 * VPNMASQ_CMD_GET_PENDING (dump)
 *	One message per remote whose ESP serialization slot is taken, each
 *	with a VPNMASQ_A_PENDING nest (enum vpnmasq_pending_attr).
 *
 * VPNMASQ_CMD_GET_PPTP (dump)
 *	One message per PPTP call through the gateway, each with a
 *	VPNMASQ_A_PPTP nest (enum vpnmasq_pptp_attr). The calls are read from
 *	conntrack (the kernel's PPTP helper state) when the dump starts.
 *
 * VPNMASQ_CMD_GET_NEGO (dump)
 *	One message per (LAN host, remote) whose negotiations vpnmasq follows,
 *	each with a VPNMASQ_A_NEGO nest (enum vpnmasq_nego_attr): what the
 *	completed ones entitle the host to, and how many are in flight.
 *
 * VPNMASQ_CMD_FLUSH (do, needs CAP_NET_ADMIN over the namespace)
 *	Removes the associations of VPNMASQ_A_TABLE (enum vpnmasq_table,
 *	default all), only those of the LAN host VPNMASQ_A_LAN if given.
 *	Flushing "pptp" ends the calls: their control and GRE conntrack
 *	entries are deleted. Flushing "esp" also ends the serialization of
 *	the affected hosts (their held packets are dropped). The reply
 *	carries VPNMASQ_A_N_REMOVED.
 *
 * VPNMASQ_CMD_DEL (do, needs CAP_NET_ADMIN over the namespace)
 *	Removes one ISAKMP association by VPNMASQ_A_ICOOKIE, or the ESP
 *	associations of VPNMASQ_A_SPI, optionally only those of the remote
 *	VPNMASQ_A_REMOTE. Fails with ENOENT if nothing matched. The reply
 *	carries VPNMASQ_A_N_REMOVED.
 *
 * VPNMASQ_CMD_RESET_STATS (do, needs CAP_NET_ADMIN over the namespace)
 *	Sets every counter of GET_STATS back to zero.
 *
 * VPNMASQ_CMD_EVENT (notification on VPNMASQ_GENL_MCGRP_EVENTS)
 *	Sent to the "events" multicast group (CAP_NET_ADMIN) of the namespace
 *	when an association is created or removed: VPNMASQ_A_EVENT (enum
 *	vpnmasq_event), VPNMASQ_A_REASON (enum vpnmasq_reason) and one of the
 *	nests VPNMASQ_A_IKE, VPNMASQ_A_ESP, VPNMASQ_A_PENDING or
 *	VPNMASQ_A_PPTP, laid out as in the dumps. Under memory pressure or a
 *	full socket buffer events are lost; the receiver sees ENOBUFS.
 *
 * Scope
 * -----
 * vpnmasq claims only VPN traffic of LAN hosts that the gateway
 * masquerades: packets forwarded from a source inside the LAN scope
 * (VPNMASQ_A_CFG_LAN, by default the RFC 1918 private ranges) to a
 * destination outside it, and the replies to such flows arriving at one
 * of the gateway's own addresses. Routed traffic (a public DMZ, LAN to
 * LAN), traffic from the WAN side and flows conntrack already tracks
 * without vpnmasq (port forwards to a LAN VPN server and their replies)
 * are left alone, exactly as without the module, and counted
 * (VPNMASQ_STAT_NOT_LAN, VPNMASQ_STAT_PORT_FORWARD).
 *
 * Attribute types
 * ---------------
 * Booleans are u8 (0 or 1). Timeouts are u32 seconds, the serialization
 * wait is u32 milliseconds. Counters are u64. Addresses are IPv4 in network
 * byte order (u32, NLA_BINARY of 4 bytes). Cookies and SPIs are u64/u32 in
 * network byte order. New attributes are only ever appended; a client must
 * ignore attributes it does not know.
 */
#ifndef _UAPI_LINUX_VPNMASQ_H
#define _UAPI_LINUX_VPNMASQ_H

#define VPNMASQ_GENL_NAME		"vpnmasq"
#define VPNMASQ_GENL_VERSION		1
#define VPNMASQ_GENL_MCGRP_EVENTS	"events"

enum vpnmasq_cmd {
	VPNMASQ_CMD_UNSPEC,
	VPNMASQ_CMD_GET_CONFIG,
	VPNMASQ_CMD_SET_CONFIG,
	VPNMASQ_CMD_GET_STATS,
	VPNMASQ_CMD_GET_IKE,
	VPNMASQ_CMD_GET_ESP,
	VPNMASQ_CMD_GET_PENDING,
	VPNMASQ_CMD_GET_PPTP,
	VPNMASQ_CMD_FLUSH,
	VPNMASQ_CMD_DEL,
	VPNMASQ_CMD_RESET_STATS,
	VPNMASQ_CMD_EVENT,
	VPNMASQ_CMD_GET_NEGO,

	__VPNMASQ_CMD_MAX
};

#define VPNMASQ_CMD_MAX (__VPNMASQ_CMD_MAX - 1)

enum vpnmasq_attr {
	VPNMASQ_A_UNSPEC,
	VPNMASQ_A_PAD,
	VPNMASQ_A_VERSION,		/* string: module version */

	/* tunables, per network namespace */
	VPNMASQ_A_CFG_ENABLED,		/* u8: 0 stops all claiming */
	VPNMASQ_A_CFG_IKE_TIMEOUT,	/* u32 s: idle ISAKMP association */
	VPNMASQ_A_CFG_ESP_TIMEOUT,	/* u32 s: idle ESP association */
	VPNMASQ_A_CFG_SERIAL_WAIT,	/* u32 ms: wait for first inbound SPI */
	VPNMASQ_A_CFG_MAX_ASSOC,	/* u32: entries per table */
	VPNMASQ_A_CFG_HOLD_MAX,		/* u32: packets held per remote */
	VPNMASQ_A_CFG_ZONE_BASE,	/* u16: first conntrack zone used */
	VPNMASQ_A_CFG_ZONE_COUNT,	/* u16: zones available to LAN hosts */
	VPNMASQ_A_CFG_PPTP,		/* u8: attach the PPTP helper */

	VPNMASQ_A_STATS,		/* nest: enum vpnmasq_stat, u64 each */
	VPNMASQ_A_N_HOSTS,		/* u32: LAN hosts holding a zone */
	VPNMASQ_A_N_IKE,		/* u32: ISAKMP associations */
	VPNMASQ_A_IKE,			/* nest: enum vpnmasq_ike_attr */
	VPNMASQ_A_N_ESP,		/* u32: ESP associations */
	VPNMASQ_A_N_HELD,		/* u32: packets held for a slot */
	VPNMASQ_A_ESP,			/* nest: enum vpnmasq_esp_attr */
	VPNMASQ_A_PENDING,		/* nest: enum vpnmasq_pending_attr */
	VPNMASQ_A_PPTP,			/* nest: enum vpnmasq_pptp_attr */

	/* FLUSH and DEL */
	VPNMASQ_A_TABLE,		/* u8: enum vpnmasq_table */
	VPNMASQ_A_LAN,			/* be32: only this LAN host */
	VPNMASQ_A_REMOTE,		/* be32: only this remote */
	VPNMASQ_A_ICOOKIE,		/* be64: initiator cookie / SPI */
	VPNMASQ_A_SPI,			/* be32: ESP SPI */
	VPNMASQ_A_N_REMOVED,		/* u32: associations removed */

	/* EVENT */
	VPNMASQ_A_EVENT,		/* u8: enum vpnmasq_event */
	VPNMASQ_A_REASON,		/* u8: enum vpnmasq_reason */

	/*
	 * nest: the LAN scope, up to VPNMASQ_LAN_MAX VPNMASQ_A_PREFIX nests
	 * (an empty nest: no LAN host is claimed)
	 */
	VPNMASQ_A_CFG_LAN,
	VPNMASQ_A_PREFIX,		/* nest: enum vpnmasq_prefix_attr */

	VPNMASQ_A_CFG_NEGO_WINDOW,	/* u32 s: how long an entitlement lasts */
	VPNMASQ_A_CFG_NEGO_SPIS,	/* u32: inbound SPIs one negotiation allows */
	VPNMASQ_A_NEGO,			/* nest: enum vpnmasq_nego_attr */
	VPNMASQ_A_CFG_NEGO_SETTLE,	/* u32 ms: a remote's CREATE_CHILD_SA's wait */

	__VPNMASQ_A_MAX
};

#define VPNMASQ_A_MAX (__VPNMASQ_A_MAX - 1)

/* One IPv4 prefix of the LAN scope; no bits may be set past its length. */
enum vpnmasq_prefix_attr {
	VPNMASQ_PREFIX_A_UNSPEC,
	VPNMASQ_PREFIX_A_ADDR,		/* be32 */
	VPNMASQ_PREFIX_A_LEN,		/* u8: 0..32 */

	__VPNMASQ_PREFIX_A_MAX
};

#define VPNMASQ_PREFIX_A_MAX (__VPNMASQ_PREFIX_A_MAX - 1)

/* What FLUSH removes. */
enum vpnmasq_table {
	VPNMASQ_TABLE_ALL,
	VPNMASQ_TABLE_IKE,
	VPNMASQ_TABLE_ESP,		/* with the pending serialization slots */
	VPNMASQ_TABLE_PPTP,

	__VPNMASQ_TABLE_MAX
};

#define VPNMASQ_TABLE_MAX (__VPNMASQ_TABLE_MAX - 1)

enum vpnmasq_event {
	VPNMASQ_EVENT_UNSPEC,
	VPNMASQ_EVENT_NEW,		/* association created, slot taken */
	VPNMASQ_EVENT_DEL,		/* association removed, slot given up */
};

/* Why an association went away (VPNMASQ_EVENT_DEL). */
enum vpnmasq_reason {
	VPNMASQ_REASON_NONE,
	VPNMASQ_REASON_EXPIRED,		/* idle for its timeout */
	VPNMASQ_REASON_FLUSHED,		/* FLUSH, or the namespace went */
	VPNMASQ_REASON_DELETED,		/* DEL */
	VPNMASQ_REASON_CT_GONE,		/* its conntrack entry was destroyed */
	VPNMASQ_REASON_ANSWERED,	/* pending: the inbound SPI arrived */
	VPNMASQ_REASON_WAIT_OVER,	/* pending: serial_wait passed */
	VPNMASQ_REASON_CLOSED,		/* PPTP: the call's GRE flow ended */
	VPNMASQ_REASON_SCOPE,		/* the LAN scope no longer covers it */
};

/* Defaults and limits of the tunables, enforced by the kernel policy. */
/* A real Phase 1 / IKE SA lives up to 8 h by default (libreswan, Windows). */
#define VPNMASQ_IKE_TIMEOUT_DEFAULT	28800
#define VPNMASQ_ESP_TIMEOUT_DEFAULT	600
#define VPNMASQ_TIMEOUT_MIN		10
#define VPNMASQ_TIMEOUT_MAX		86400
#define VPNMASQ_SERIAL_WAIT_DEFAULT	2000
#define VPNMASQ_SERIAL_WAIT_MIN		100
#define VPNMASQ_SERIAL_WAIT_MAX		60000
#define VPNMASQ_MAX_ASSOC_DEFAULT	16384
#define VPNMASQ_MAX_ASSOC_MIN		16
#define VPNMASQ_MAX_ASSOC_MAX		1048576
#define VPNMASQ_HOLD_MAX_DEFAULT	16
#define VPNMASQ_HOLD_MAX_MAX		256
#define VPNMASQ_ZONE_BASE_DEFAULT	57344
#define VPNMASQ_ZONE_COUNT_DEFAULT	4096
/*
 * A negotiation entitles its host for nego_window to nego_spis new inbound
 * SPIs: the remote may send first on its new SA well after the exchange,
 * and an exchange creates one inbound SA per protocol (ESP; 2 for AH+ESP).
 * One is the tightest: a host's entitlement ends with its new SPI, so that
 * it cannot stand beside another host's for the next one.
 */
#define VPNMASQ_NEGO_WINDOW_DEFAULT	120
#define VPNMASQ_NEGO_WINDOW_MIN		1
#define VPNMASQ_NEGO_WINDOW_MAX		3600
#define VPNMASQ_NEGO_SPIS_DEFAULT	1
#define VPNMASQ_NEGO_SPIS_MAX		16
/*
 * A remote's CREATE_CHILD_SA request to one host waits (dropped, for the
 * remote to retransmit) up to nego_settle while the one it just did with
 * another host has not shown whether it made a Child SA or a new IKE SA:
 * the two exchanges' new SAs could not be told apart. The remote's next
 * message shows it within seconds when it checks liveness; the bound stays
 * well inside the time IKE peers retransmit a request (60 s in libreswan,
 * some 165 s in strongSwan). 0 turns the wait off.
 */
#define VPNMASQ_NEGO_SETTLE_DEFAULT	10000
#define VPNMASQ_NEGO_SETTLE_MAX		30000
/* Prefixes in the LAN scope; the default is 10/8, 172.16/12, 192.168/16. */
#define VPNMASQ_LAN_MAX			16

enum vpnmasq_stat {
	VPNMASQ_STAT_UNSPEC,
	VPNMASQ_STAT_PAD,

	VPNMASQ_STAT_IKE_MATCHED,	/* inbound delivered by cookie */
	VPNMASQ_STAT_IKE_NEW,		/* associations created */
	VPNMASQ_STAT_IKE_UNKNOWN,	/* inbound cookie owned by no host */
	VPNMASQ_STAT_IKE_AMBIGUOUS,	/* new inbound cookie, several hosts */
	VPNMASQ_STAT_IKE_COLLISION,	/* two hosts chose one cookie */
	VPNMASQ_STAT_IKE_TABLE_FULL,	/* refused: max_assoc reached */
	VPNMASQ_STAT_IKE_MALFORMED,	/* not an ISAKMP header */
	VPNMASQ_STAT_IKE_EXPIRED,	/* removed after idle timeout */

	VPNMASQ_STAT_ESP_ASSOCIATED,	/* inbound SPI bound to a host */
	VPNMASQ_STAT_ESP_MATCHED,	/* inbound delivered by SPI */
	VPNMASQ_STAT_ESP_HELD,		/* packets queued behind a pending SA */
	VPNMASQ_STAT_ESP_RELEASED,	/* queued packets sent on */
	VPNMASQ_STAT_ESP_HOLD_DROPPED,	/* queue full: packet dropped */
	VPNMASQ_STAT_ESP_WAIT_EXPIRED,	/* pending SA saw no reply in time */
	VPNMASQ_STAT_ESP_UNKNOWN_SPI,	/* inbound SPIs seen for the first time */
	VPNMASQ_STAT_ESP_REFUSED_NO_IKE, /* unknown SPI, no pending or IKE host */
	VPNMASQ_STAT_ESP_AMBIGUOUS,	/* unknown SPI, several IKE hosts */
	VPNMASQ_STAT_ESP_COLLISION,	/* SPI already owned by another host */
	VPNMASQ_STAT_ESP_LOCAL,		/* the gateway's own SA: left alone */
	VPNMASQ_STAT_ESP_TABLE_FULL,	/* refused: max_assoc reached */
	VPNMASQ_STAT_ESP_MALFORMED,	/* truncated ESP header */
	VPNMASQ_STAT_ESP_EXPIRED,	/* removed after idle timeout */

	VPNMASQ_STAT_PPTP_ATTACHED,	/* control connections given the helper */
	VPNMASQ_STAT_PPTP_OPENED,	/* calls whose GRE started flowing */
	VPNMASQ_STAT_PPTP_CLOSED,	/* calls whose GRE flow was torn down */
	VPNMASQ_STAT_PPTP_REFUSED,	/* helper or call tracking unavailable */

	VPNMASQ_STAT_ZONES_EXHAUSTED,	/* no free zone for a new LAN host */
	VPNMASQ_STAT_NOMEM,		/* allocation failed on packet path */
	VPNMASQ_STAT_EVENTS_LOST,	/* events not sent: no memory, full */

	VPNMASQ_STAT_ICMP_MATCHED,	/* ICMP errors sent on to a LAN host */
	VPNMASQ_STAT_ICMP_UNKNOWN,	/* ICMP errors about no host's ESP/IKE */

	/* left alone, as on a stock kernel (see Scope above) */
	VPNMASQ_STAT_NOT_LAN,		/* not a masqueraded LAN host's flow */
	VPNMASQ_STAT_PORT_FORWARD,	/* a flow conntrack tracks without us */
	VPNMASQ_STAT_NOT_MASQUERADED,	/* claimed, then not source-NATed */

	/* IKE-guided association */
	VPNMASQ_STAT_NEGO_COMPLETED,	/* SA-creating exchanges seen complete */
	VPNMASQ_STAT_NEGO_LAPSED,	/* entitlements that ended unused */
	VPNMASQ_STAT_ESP_NEGO_BOUND,	/* inbound SPIs bound by a negotiation */
	VPNMASQ_STAT_IKE_NEGO_BOUND,	/* new IKE SAs bound by a negotiation */
	VPNMASQ_STAT_ESP_SERIAL_SKIPPED, /* new outbound SPIs that waited for none */
	VPNMASQ_STAT_IKE_NEGO_DEFERRED,	/* remote's new exchanges dropped: slot busy */
	VPNMASQ_STAT_IKE_NEGO_SETTLING,	/* remote's CREATE_CHILD_SAs dropped: another unsettled */

	__VPNMASQ_STAT_MAX
};

#define VPNMASQ_STAT_MAX (__VPNMASQ_STAT_MAX - 1)

/* How an association came to name its LAN host. */
enum vpnmasq_how {
	VPNMASQ_HOW_SENT,		/* the host sent it first */
	VPNMASQ_HOW_PENDING,		/* the reply its pending new SA awaited */
	VPNMASQ_HOW_ONLY_HOST,		/* the only host with IKE state */
	VPNMASQ_HOW_NEGOTIATION,	/* the host had just negotiated it */
	VPNMASQ_HOW_GATEWAY,		/* the gateway's own */
};

/* One ISAKMP association: (remote, initiator cookie) -> LAN host. */
enum vpnmasq_ike_attr {
	VPNMASQ_IKE_A_UNSPEC,
	VPNMASQ_IKE_A_PAD,
	VPNMASQ_IKE_A_REMOTE,		/* be32: the remote peer */
	VPNMASQ_IKE_A_LAN,		/* be32: LAN host, 0 = the gateway */
	VPNMASQ_IKE_A_ICOOKIE,		/* be64: initiator cookie / SPI */
	VPNMASQ_IKE_A_RCOOKIE,		/* be64: responder cookie, 0 = none yet */
	VPNMASQ_IKE_A_ZONE,		/* u16: the LAN host's conntrack zone */
	VPNMASQ_IKE_A_IDLE_MS,		/* u32: since the last packet */
	VPNMASQ_IKE_A_PACKETS,		/* u64 */
	VPNMASQ_IKE_A_HOW,		/* u8: enum vpnmasq_how */

	__VPNMASQ_IKE_A_MAX
};

#define VPNMASQ_IKE_A_MAX (__VPNMASQ_IKE_A_MAX - 1)

enum vpnmasq_esp_dir {
	VPNMASQ_ESP_DIR_IN,		/* remote -> LAN host */
	VPNMASQ_ESP_DIR_OUT,		/* LAN host -> remote */
};

/* One ESP association: (remote, SPI, direction) -> LAN host. */
enum vpnmasq_esp_attr {
	VPNMASQ_ESP_A_UNSPEC,
	VPNMASQ_ESP_A_PAD,
	VPNMASQ_ESP_A_REMOTE,		/* be32 */
	VPNMASQ_ESP_A_LAN,		/* be32 */
	VPNMASQ_ESP_A_SPI,		/* be32 */
	VPNMASQ_ESP_A_DIR,		/* u8: enum vpnmasq_esp_dir */
	VPNMASQ_ESP_A_ZONE,		/* u16 */
	VPNMASQ_ESP_A_IDLE_MS,		/* u32 */
	VPNMASQ_ESP_A_PACKETS,		/* u64 */
	VPNMASQ_ESP_A_BYTES,		/* u64 */
	VPNMASQ_ESP_A_HOW,		/* u8: enum vpnmasq_how */

	__VPNMASQ_ESP_A_MAX
};

#define VPNMASQ_ESP_A_MAX (__VPNMASQ_ESP_A_MAX - 1)

/* Why a host holds a remote's slot. */
enum vpnmasq_slot {
	VPNMASQ_SLOT_SENT,		/* its new outbound SPI awaits the reply */
	VPNMASQ_SLOT_NEGOTIATING,	/* it negotiates new SAs with the remote */
};

/* A remote whose next unknown inbound SPI belongs to a waiting host. */
enum vpnmasq_pending_attr {
	VPNMASQ_PENDING_A_UNSPEC,
	VPNMASQ_PENDING_A_REMOTE,	/* be32 */
	VPNMASQ_PENDING_A_LAN,		/* be32: the host with the slot */
	VPNMASQ_PENDING_A_SPI,		/* be32: its new outbound SPI */
	VPNMASQ_PENDING_A_AGE_MS,	/* u32: since the slot was taken */
	VPNMASQ_PENDING_A_HELD,		/* u32: other hosts' packets held */
	VPNMASQ_PENDING_A_WAITING,	/* u32: hosts waiting for the slot */
	VPNMASQ_PENDING_A_KIND,		/* u8: enum vpnmasq_slot */

	__VPNMASQ_PENDING_A_MAX
};

#define VPNMASQ_PENDING_A_MAX (__VPNMASQ_PENDING_A_MAX - 1)

/* Mirrors the kernel PPTP helper's view of the control connection. */
enum vpnmasq_pptp_session {
	VPNMASQ_PPTP_SESSION_NONE,
	VPNMASQ_PPTP_SESSION_ERROR,
	VPNMASQ_PPTP_SESSION_STOPREQ,
	VPNMASQ_PPTP_SESSION_REQUESTED,
	VPNMASQ_PPTP_SESSION_CONFIRMED,
};

enum vpnmasq_pptp_call {
	VPNMASQ_PPTP_CALL_NONE,
	VPNMASQ_PPTP_CALL_ERROR,
	VPNMASQ_PPTP_CALL_OUT_REQ,	/* Outgoing-Call-Request sent */
	VPNMASQ_PPTP_CALL_OUT_CONF,	/* ... answered: call up */
	VPNMASQ_PPTP_CALL_IN_REQ,
	VPNMASQ_PPTP_CALL_IN_REP,
	VPNMASQ_PPTP_CALL_IN_CONF,
	VPNMASQ_PPTP_CALL_CLEAR_REQ,	/* Call-Clear-Request sent */
};

/*
 * One PPTP call: a LAN host's (the PNS's) control connection to a server
 * (the PAC) and its Call IDs. With VPNMASQ_PPTP_A_FORWARDED set the call
 * came in through a port forward: the LAN host is the server (PAC) and
 * VPNMASQ_PPTP_A_SERVER is the remote client (PNS); MASQ_ADDR/PORT are
 * then the gateway's address and port it called. Ports and Call IDs are
 * u16 in host order.
 */
enum vpnmasq_pptp_attr {
	VPNMASQ_PPTP_A_UNSPEC,
	VPNMASQ_PPTP_A_PAD,
	VPNMASQ_PPTP_A_LAN,		/* be32: the LAN host */
	VPNMASQ_PPTP_A_LAN_PORT,	/* u16: its control connection's port */
	VPNMASQ_PPTP_A_SERVER,		/* be32: the remote end */
	VPNMASQ_PPTP_A_MASQ_ADDR,	/* be32: the control connection as NATed */
	VPNMASQ_PPTP_A_MASQ_PORT,	/* u16 */
	VPNMASQ_PPTP_A_PNS_CALL_ID,	/* u16: as the client (PNS) sent it */
	VPNMASQ_PPTP_A_PNS_CALL_ID_MASQ, /* u16: as the server (PAC) sees it */
	VPNMASQ_PPTP_A_PAC_CALL_ID,	/* u16 */
	VPNMASQ_PPTP_A_SESSION,		/* u8: enum vpnmasq_pptp_session */
	VPNMASQ_PPTP_A_CALL,		/* u8: enum vpnmasq_pptp_call */
	VPNMASQ_PPTP_A_GRE_OUT,		/* u64: GRE packets LAN host -> remote */
	VPNMASQ_PPTP_A_GRE_IN,		/* u64: GRE packets remote -> LAN host */
	VPNMASQ_PPTP_A_FORWARDED,	/* u8: 1: the LAN host is the server */

	__VPNMASQ_PPTP_A_MAX
};

#define VPNMASQ_PPTP_A_MAX (__VPNMASQ_PPTP_A_MAX - 1)

/*
 * Negotiations of one LAN host with one remote, as read from the cleartext
 * ISAKMP headers (exchange type, message ID, flags): a Quick Mode (IKEv1),
 * IKE_AUTH or CREATE_CHILD_SA (IKEv2) seen in both directions is complete.
 * Each completed one entitles the host, for nego_window, to up to
 * nego_spis unknown inbound SPIs from that remote (and, for
 * CREATE_CHILD_SA, to one new IKE SA the remote starts).
 */
enum vpnmasq_nego_attr {
	VPNMASQ_NEGO_A_UNSPEC,
	VPNMASQ_NEGO_A_REMOTE,		/* be32 */
	VPNMASQ_NEGO_A_LAN,		/* be32 */
	VPNMASQ_NEGO_A_SPIS,		/* u32: inbound SPIs it may still get */
	VPNMASQ_NEGO_A_IKE_SAS,		/* u32: new IKE SAs it may still get */
	VPNMASQ_NEGO_A_PAIRED,		/* u32: outbound SPIs that need not wait */
	VPNMASQ_NEGO_A_IN_FLIGHT,	/* u32: exchanges begun, not complete */
	VPNMASQ_NEGO_A_EXCHANGE,	/* u8: exchange type of the last one */
	VPNMASQ_NEGO_A_LEFT_MS,		/* u32: until the entitlement lapses */
	VPNMASQ_NEGO_A_COMPLETED,	/* u32: negotiations completed */

	__VPNMASQ_NEGO_A_MAX
};

#define VPNMASQ_NEGO_A_MAX (__VPNMASQ_NEGO_A_MAX - 1)

#endif /* _UAPI_LINUX_VPNMASQ_H */
