/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ESP associations (core/esp.c): (remote, SPI, direction) -> the LAN
 * host's flow, learnt by serializing new SAs per remote.
 */
#ifndef _VPNMASQ_CORE_ESP_H
#define _VPNMASQ_CORE_ESP_H

#include "tables.h"

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
	u8 how;				/* enum vpnmasq_how */
	unsigned long last_seen;
	u64 packets;			/* approximate under concurrency */
	u64 bytes;
	struct list_head list;		/* flow->esp */
	struct rcu_head rcu;
};

/* The ESP header's SPI and sequence number (RFC 4303 2). */
#define VM_ESP_HDR_LEN 8

/* @len bytes from the ESP header on: 0 and its SPI, or -EINVAL. */
int vm_esp_parse(const u8 *buf, unsigned int len, __be32 *spi);

/*
 * vm_esp_known() is the lock-free fast path for SPIs seen before; the
 * caller then sorts the rest: the gateway's own SAs (left alone), inbound
 * to the gateway (vm_esp_inbound_new) and forwarded from a LAN host
 * (vm_esp_outbound_new); both may hold @handle, the packet (VM_HOLD).
 */
bool vm_esp_known(struct vm_tables *t, const struct vm_pkt *pkt, __be32 spi,
		  unsigned int len, struct vm_decision *d);
void vm_esp_inbound_new(struct vm_tables *t, const struct vpnmasq_config *cfg,
			const struct vm_pkt *pkt, __be32 spi, void *handle,
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
 * that it sent to @remote: VM_ZONE if a LAN host sent it, else VM_PASS.
 * Lock-free, and it refreshes nothing: an error is not traffic.
 */
void vm_esp_icmp_error(struct vm_tables *t, __be32 remote, __be32 spi,
		       struct vm_decision *d);

/*
 * Removes the ESP associations of @spi (both directions) with remote
 * @remote (any if 0). Returns how many went.
 */
unsigned int vm_esp_del_spi(struct vm_tables *t, __be32 spi, __be32 remote);

#endif /* _VPNMASQ_CORE_ESP_H */
