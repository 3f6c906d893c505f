// SPDX-License-Identifier: GPL-2.0
/*
 * ISAKMP/IKE (UDP 500 -> 500): every LAN host keeps source port 500 because
 * each host's flows live in its own reply-direction conntrack zone; inbound
 * messages find that zone by their initiator cookie (IKEv2: SPI).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/route.h>

#include "vpnmasq.h"

/* Reads the ISAKMP header of a UDP 500 -> 500 packet; false if not one. */
static bool vpnmasq_isakmp_header(struct vpnmasq_net *vn,
				  const struct sk_buff *skb,
				  struct vm_isakmp *hdr)
{
	unsigned int off = ip_hdrlen(skb);
	u8 buf[VM_ISAKMP_HDR_LEN];
	struct udphdr _uh;
	const struct udphdr *uh;
	const u8 *p;

	/* Later fragments carry no UDP header; conntrack reassembles first. */
	if (ip_is_fragment(ip_hdr(skb)))
		return false;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh || !vpnmasq_isakmp_ports(uh))
		return false;
	off += sizeof(*uh);
	p = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!p || vm_isakmp_parse(p, skb->len - off, hdr)) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_IKE_MALFORMED);
		return false;
	}
	return true;
}

unsigned int vpnmasq_isakmp_prerouting(struct vpnmasq_net *vn,
				       const struct vpnmasq_config *cfg,
				       struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vm_pkt pkt = {};
	struct vm_decision d;
	struct vm_isakmp hdr;
	bool untracked = false;

	if (!vpnmasq_isakmp_header(vn, skb, &hdr))
		return NF_ACCEPT;
	pkt.saddr = iph->saddr;
	pkt.daddr = iph->daddr;
	pkt.now = jiffies;
	/* Held packets keep their device until sent on or dropped. */
	dev_hold(skb->dev);
	if (vm_ike_known(&vn->tables, cfg, &pkt, &hdr, skb, &d)) {
		if (d.verdict == VM_HOLD) {
			vpnmasq_serial_kick(vn, cfg);
			return NF_STOLEN;
		}
		dev_put(skb->dev);
		return vpnmasq_verdict(vn, skb, &d);
	}
	dev_put(skb->dev);
	pkt.to_local = inet_addr_type_dev_table(state->net, skb->dev,
						iph->daddr) == RTN_LOCAL;
	if (vm_pkt_lan_side(cfg, &pkt))
		pkt.foreign = vpnmasq_ct_foreign(state->net, skb, pkt.to_local,
						 &untracked);
	vm_ike_new(&vn->tables, cfg, &pkt, &hdr, &d);
	return vpnmasq_verdict_deferred(vn, skb, &d, untracked);
}

/* The second look, after DNAT, at a message whose refusal waited. */
void vpnmasq_isakmp_recheck(struct vpnmasq_net *vn,
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
	struct vm_isakmp hdr;

	if (vpnmasq_isakmp_header(vn, skb, &hdr))
		vm_ike_new(&vn->tables, cfg, &pkt, &hdr, d);
}

void vpnmasq_isakmp_local_out(struct vpnmasq_net *vn,
			      const struct vpnmasq_config *cfg,
			      struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vm_pkt pkt = {};
	struct vm_isakmp hdr;

	if (!vpnmasq_isakmp_header(vn, skb, &hdr))
		return;
	pkt.saddr = iph->saddr;
	pkt.daddr = iph->daddr;
	pkt.to_local = false;
	pkt.now = jiffies;
	vm_ike_local_out(&vn->tables, cfg, &pkt, &hdr);
}
