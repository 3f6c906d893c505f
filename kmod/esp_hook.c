// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ESP (IP protocol 50, no NAT-T): conntrack tracks it by addresses
 * only, so a second LAN host's ESP to the same remote would clash. Each
 * host's ESP lives in its own reply-direction zone; inbound ESP finds the
 * zone by SPI, and SPIs are learnt by serializing new SAs per remote.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/netdevice.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "vpnmasq.h"

/* The gateway's own SAs (xfrm states here) are never claimed. */
static bool vpnmasq_esp_local_sa(struct net *net, const struct sk_buff *skb,
				 __be32 spi)
{
#if IS_ENABLED(CONFIG_XFRM)
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, skb->mark,
			      (const xfrm_address_t *)&ip_hdr(skb)->daddr,
			      spi, IPPROTO_ESP, AF_INET);
	if (x) {
		xfrm_state_put(x);
		return true;
	}
#endif
	return false;
}

static bool vpnmasq_esp_spi(struct vpnmasq_net *vn,
			    const struct sk_buff *skb, __be32 *spi)
{
	u8 buf[VM_ESP_HDR_LEN];
	const u8 *esph;

	/* Later fragments carry no ESP header; conntrack reassembles first. */
	if (ip_is_fragment(ip_hdr(skb)))
		return false;
	esph = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(buf), buf);
	if (!esph || vm_esp_parse(esph, skb->len - ip_hdrlen(skb), spi)) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_ESP_MALFORMED);
		return false;
	}
	return true;
}

unsigned int vpnmasq_esp_prerouting(struct vpnmasq_net *vn,
				    const struct vpnmasq_config *cfg,
				    struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vm_pkt pkt = {};
	bool untracked = false;
	struct vm_decision d;
	__be32 spi;

	if (!vpnmasq_esp_spi(vn, skb, &spi))
		return NF_ACCEPT;
	pkt.saddr = iph->saddr;
	pkt.daddr = iph->daddr;
	pkt.now = jiffies;
	if (vm_esp_known(&vn->tables, &pkt, spi, skb->len, &d))
		return vpnmasq_verdict(vn, skb, &d);

	pkt.to_local = inet_addr_type_dev_table(state->net, skb->dev,
						iph->daddr) == RTN_LOCAL;
	if (pkt.to_local && vpnmasq_esp_local_sa(state->net, skb, spi)) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_ESP_LOCAL);
		return NF_ACCEPT;
	}
	if (vm_pkt_lan_side(cfg, &pkt))
		pkt.foreign = vpnmasq_ct_foreign(state->net, skb, pkt.to_local,
						 &untracked);
	/* Held packets keep their device until sent on or dropped. */
	dev_hold(skb->dev);
	if (pkt.to_local) {
		vm_esp_inbound_new(&vn->tables, cfg, &pkt, spi, skb, &d);
		if (d.verdict == VM_HOLD) {
			vpnmasq_serial_kick(vn, cfg);
			return NF_STOLEN;
		}
		dev_put(skb->dev);
		return vpnmasq_verdict_deferred(vn, skb, &d, untracked);
	}

	vm_esp_outbound_new(&vn->tables, cfg, &pkt, spi, skb, &d);
	if (d.verdict == VM_HOLD) {
		vpnmasq_serial_kick(vn, cfg);
		return NF_STOLEN;
	}
	dev_put(skb->dev);
	if (d.verdict == VM_ZONE)
		vpnmasq_serial_kick(vn, cfg);
	return vpnmasq_verdict(vn, skb, &d);
}

/* The second look, after DNAT, at a packet whose refusal waited. */
void vpnmasq_esp_recheck(struct vpnmasq_net *vn,
			 const struct vpnmasq_config *cfg,
			 const struct sk_buff *skb, struct vm_decision *d)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vm_pkt pkt = {
		.saddr = iph->saddr,
		.daddr = iph->daddr,
		.to_local = true,
		.now = jiffies,
		.recheck = true,
	};
	__be32 spi;

	if (vpnmasq_esp_spi(vn, skb, &spi))
		vm_esp_inbound_new(&vn->tables, cfg, &pkt, spi, NULL, d);
}

/* A held packet's turn: it enters the stack again, as if just received. */
void vpnmasq_esp_release(void *pkt)
{
	struct sk_buff *skb = pkt;
	struct net_device *dev = skb->dev;

	netif_rx(skb);
	dev_put(dev);
}

void vpnmasq_esp_drop(void *pkt)
{
	struct sk_buff *skb = pkt;
	struct net_device *dev = skb->dev;

	kfree_skb(skb);
	dev_put(dev);
}
