/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots of the tables for dumps and events (core/dump.c): copies taken
 * under the tables' lock, so that netlink never walks a live list.
 */
#ifndef _VPNMASQ_CORE_DUMP_H
#define _VPNMASQ_CORE_DUMP_H

#include <linux/types.h>

struct vm_tables;

/* Snapshot of one IKE entry for dumps. */
struct vm_ike_info {
	__be32 remote;
	__be32 lan;		/* 0: the gateway's own */
	__be64 icookie;
	__be64 rcookie;
	u16 zone;
	u8 how;			/* enum vpnmasq_how */
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
	u8 how;			/* enum vpnmasq_how */
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
	__be32 spi;		/* SENT: its new outbound SPI */
	u8 kind;		/* enum vm_slot */
	unsigned long since;
	u32 held;		/* packets of other hosts waiting */
	u32 waiting_hosts;
};

unsigned int vm_pending_snapshot(struct vm_tables *t, unsigned long skip,
				 struct vm_pending_info *out, unsigned int max,
				 u32 *gen);

/* What one flow's negotiations entitle its host to. */
struct vm_nego_info {
	__be32 remote;
	__be32 lan;
	u32 spis;		/* 0 once lapsed */
	u32 ike_sas;
	u32 paired;
	u32 in_flight;
	u32 completed;
	u8 exchange;		/* of the last one completed, 0 if none */
	unsigned long until;
	bool open;		/* not lapsed */
};

unsigned int vm_nego_snapshot(struct vm_tables *t, unsigned long skip,
			      struct vm_nego_info *out, unsigned int max,
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

#endif /* _VPNMASQ_CORE_DUMP_H */
