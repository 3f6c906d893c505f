// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks and what they dispatch to: before conntrack, each
 * protocol's glue decides whether a packet is a LAN host's (ISAKMP, ESP,
 * ICMP errors about them, PPTP control SYNs); after conntrack and DNAT,
 * PPTP entries just created and inbound refusals that waited for DNAT; at
 * LOCAL_OUT, the gateway's own IKE. Nothing here knows a protocol's
 * details.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <net/netfilter/nf_conntrack.h>

#include "vpnmasq.h"

/* Between conntrack's defrag (-400) and conntrack itself (-200), after raw. */
#define VPNMASQ_HOOK_PRIORITY (NF_IP_PRI_CONNTRACK - 50)

/*
 * An inbound packet whose refusal waited: a port forward took it, or the
 * second look refuses it (and counts why), or nobody wants it any more and
 * it goes on as without vpnmasq.
 */
static unsigned int vpnmasq_recheck(struct vpnmasq_net *vn,
				    const struct vpnmasq_config *cfg,
				    struct sk_buff *skb, struct nf_conn *ct)
{
	struct vm_decision d = { .verdict = VM_PASS };

	if (ct->status & IPS_DST_NAT)
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_PORT_FORWARD);
	else if (cfg && nf_ct_protonum(ct) == IPPROTO_UDP)
		vpnmasq_isakmp_recheck(vn, cfg, skb, &d);
	else if (cfg)
		vpnmasq_esp_recheck(vn, cfg, skb, &d);
	if (d.verdict == VM_DROP) {
		vm_refusal_count(&vn->tables, &d);
		return NF_DROP;
	}
	vpnmasq_ct_unmark(ct);
	return NF_ACCEPT;
}

/*
 * Claims nothing unless enabled and no one else (a raw-table zone, helper or
 * notrack rule) has set conntrack state for this packet already.
 */
static const struct vpnmasq_config *
vpnmasq_claimable(struct vpnmasq_net *vn, const struct sk_buff *skb)
{
	const struct vpnmasq_config *cfg;

	if (skb_nfct(skb))
		return NULL;
	cfg = rcu_dereference(vn->config);
	return cfg->enabled ? cfg : NULL;
}

static unsigned int vpnmasq_prerouting(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct vpnmasq_net *vn = priv;
	const struct vpnmasq_config *cfg;

	cfg = vpnmasq_claimable(vn, skb);
	if (!cfg)
		return NF_ACCEPT;
	switch (ip_hdr(skb)->protocol) {
	case IPPROTO_UDP:
		return vpnmasq_isakmp_prerouting(vn, cfg, skb, state);
	case IPPROTO_ESP:
		return vpnmasq_esp_prerouting(vn, cfg, skb, state);
	case IPPROTO_TCP:
		return vpnmasq_pptp_prerouting(vn, cfg, skb, state);
	case IPPROTO_ICMP:
		return vpnmasq_icmp_prerouting(vn, cfg, skb, state);
	default:
		return NF_ACCEPT;
	}
}

/*
 * After conntrack and DNAT: PPTP entries just created (port forwards among
 * them), and inbound refusals that waited to see whether DNAT takes them.
 */
static unsigned int vpnmasq_prerouting_nat(void *priv, struct sk_buff *skb,
					   const struct nf_hook_state *state)
{
	struct vpnmasq_net *vn = priv;
	const struct vpnmasq_config *cfg;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	switch (ip_hdr(skb)->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_GRE:
		cfg = rcu_dereference(vn->config);
		if (cfg->enabled && cfg->pptp)
			vpnmasq_pptp_tracked(vn, cfg, skb);
		return NF_ACCEPT;
	case IPPROTO_UDP:
	case IPPROTO_ESP:
		ct = nf_ct_get(skb, &ctinfo);
		if (!ct || ctinfo != IP_CT_NEW || nf_ct_is_confirmed(ct))
			return NF_ACCEPT;
		if (!vpnmasq_ct_deferred(ct, ctinfo)) {
			vpnmasq_ct_set_timeout(vn, ct, ctinfo);
			return NF_ACCEPT;
		}
		cfg = rcu_dereference(vn->config);
		return vpnmasq_recheck(vn, cfg->enabled ? cfg : NULL, skb, ct);
	default:
		return NF_ACCEPT;
	}
}

/* The gateway's own IKE: recorded so that its replies are never claimed. */
static unsigned int vpnmasq_local_out(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct vpnmasq_net *vn = priv;
	const struct vpnmasq_config *cfg;

	cfg = vpnmasq_claimable(vn, skb);
	if (cfg && ip_hdr(skb)->protocol == IPPROTO_UDP)
		vpnmasq_isakmp_local_out(vn, cfg, skb);
	return NF_ACCEPT;
}

static const struct nf_hook_ops vpnmasq_hook_ops[] = {
	{
		.hook = vpnmasq_prerouting,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = VPNMASQ_HOOK_PRIORITY,
	},
	{
		.hook = vpnmasq_prerouting_nat,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_NAT_DST + 1,
	},
	{
		.hook = vpnmasq_local_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = VPNMASQ_HOOK_PRIORITY,
	},
};

int vpnmasq_hooks_register(struct net *net)
{
	struct nf_hook_ops *ops;
	int i, err;

	ops = kmemdup(vpnmasq_hook_ops, sizeof(vpnmasq_hook_ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(vpnmasq_hook_ops); i++)
		ops[i].priv = vpnmasq_pernet(net);
	err = nf_register_net_hooks(net, ops, ARRAY_SIZE(vpnmasq_hook_ops));
	if (err) {
		kfree(ops);
		return err;
	}
	vpnmasq_pernet(net)->hook_ops = ops;
	return 0;
}

void vpnmasq_hooks_unregister(struct net *net)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(net);

	nf_unregister_net_hooks(net, vn->hook_ops,
				ARRAY_SIZE(vpnmasq_hook_ops));
	kfree(vn->hook_ops);
	vn->hook_ops = NULL;
}

