// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors from the WAN about a LAN host's ESP or ISAKMP (a router's
 * "fragmentation needed", a remote's "port unreachable"): conntrack looks
 * the quoted packet up in the error's zone, so the error must carry the
 * zone of the host that sent the packet, found by its outbound SPI or its
 * initiator cookie, or NAT never sends it on to the host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/route.h>

#include "vpnmasq.h"

unsigned int vpnmasq_icmp_prerouting(struct vpnmasq_net *vn,
				     const struct vpnmasq_config *cfg,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 buf[VM_ISAKMP_HDR_LEN];	/* or an ESP header, shorter */
	struct icmphdr _icmph;
	const struct icmphdr *icmph;
	struct iphdr _inner;
	const struct iphdr *inner;
	struct vm_decision d;
	unsigned int off;
	const u8 *p;

	if (ip_is_fragment(iph))
		return NF_ACCEPT;
	off = ip_hdrlen(skb);
	icmph = skb_header_pointer(skb, off, sizeof(_icmph), &_icmph);
	if (!icmph || !icmp_is_err(icmph->type))
		return NF_ACCEPT;
	off += sizeof(_icmph);
	inner = skb_header_pointer(skb, off, sizeof(_inner), &_inner);
	/* Only a first fragment quotes the SPI or the cookie. */
	if (!inner || inner->ihl < 5 ||
	    (inner->protocol != IPPROTO_ESP && inner->protocol != IPPROTO_UDP) ||
	    (inner->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;
	off += inner->ihl * 4;
	/* Errors from LAN hosts find their entries in the original direction. */
	if (inet_addr_type_dev_table(state->net, skb->dev, iph->daddr) !=
	    RTN_LOCAL)
		return NF_ACCEPT;

	if (inner->protocol == IPPROTO_ESP) {
		__be32 spi;

		p = skb_header_pointer(skb, off, VM_ESP_HDR_LEN, buf);
		if (!p || vm_esp_parse(p, skb->len - off, &spi)) {
			vpnmasq_stat_inc(vn, VPNMASQ_STAT_ICMP_UNKNOWN);
			return NF_ACCEPT;
		}
		vm_esp_icmp_error(&vn->tables, inner->daddr, spi, &d);
	} else {
		struct udphdr _uh;
		const struct udphdr *uh;
		struct vm_isakmp hdr;

		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh || !vpnmasq_isakmp_ports(uh))
			return NF_ACCEPT;
		off += sizeof(_uh);
		/* RFC 792 quotes 8 bytes: the UDP header, no cookie yet. */
		p = skb_header_pointer(skb, off, VM_ISAKMP_HDR_LEN, buf);
		if (!p || vm_isakmp_parse(p, skb->len - off, &hdr)) {
			vpnmasq_stat_inc(vn, VPNMASQ_STAT_ICMP_UNKNOWN);
			return NF_ACCEPT;
		}
		vm_ike_icmp_error(&vn->tables, inner->daddr, hdr.icookie, &d);
	}
	return vpnmasq_verdict(vn, skb, &d);
}
