// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between the tables and netfilter: a hook before conntrack that hands
 * each claimed packet a conntrack template carrying its LAN host's
 * reply-direction zone (as xt_CT and nft "ct zone set" do), and a conntrack
 * helper on the entries created that way so that their destruction removes
 * the associations that depended on them. The same passive helper sits on
 * the GRE entries of PPTP calls to count their packets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "vpnmasq.h"

/* Between conntrack's defrag (-400) and conntrack itself (-200), after raw. */
#define VPNMASQ_HOOK_PRIORITY (NF_IP_PRI_CONNTRACK - 50)

static DEFINE_PER_CPU(struct nf_conn *, vpnmasq_tmpl);
/* Cleared before per-netns state goes away: destroy callbacks stop. */
static bool vpnmasq_ct_live __read_mostly;

static void vpnmasq_ct_destroy(struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *orig;
	struct vpnmasq_net *vn;

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (orig->src.l3num != NFPROTO_IPV4)
		return;
	rcu_read_lock();
	vn = vpnmasq_pernet(nf_ct_net(ct));
	if (READ_ONCE(vpnmasq_ct_live) && !READ_ONCE(vn->dying)) {
		if (orig->dst.protonum == IPPROTO_GRE)
			vpnmasq_pptp_closed(vn, ct);
		else
			vm_flow_ct_destroyed(&vn->tables, orig->src.u3.ip,
					     orig->dst.u3.ip,
					     orig->dst.protonum);
	}
	rcu_read_unlock();
}

/* Sees every packet of the entries it sits on; only GRE is counted. */
static int vpnmasq_ct_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	struct vpnmasq_gre_count *gc;

	if (nf_ct_protonum(ct) == IPPROTO_GRE) {
		gc = nfct_help_data(ct);
		atomic64_inc(&gc->packets[CTINFO2DIR(ctinfo)]);
	}
	return NF_ACCEPT;
}

static const struct nf_conntrack_expect_policy vpnmasq_expect_policy = {
	.max_expected = 0,
	.timeout = 1,
};

/* Never auto-assigned: only our templates carry it. */
static struct nf_conntrack_helper vpnmasq_helper __read_mostly = {
	.name = "vpnmasq",
	.me = THIS_MODULE,
	.tuple.src.l3num = NFPROTO_IPV4,
	.tuple.dst.protonum = IPPROTO_UDP,
	.tuple.src.u.udp.port = cpu_to_be16(500),
	.help = vpnmasq_ct_help,
	.destroy = vpnmasq_ct_destroy,
	.data_len = sizeof(struct vpnmasq_gre_count),
	.expect_policy = &vpnmasq_expect_policy,
};

/* A template (as xt_CT builds them) that gives new entries @helper. */
struct nf_conn *vpnmasq_helper_tmpl_alloc(const struct nf_conntrack_zone *zone,
					  struct nf_conntrack_helper *helper,
					  gfp_t gfp)
{
	struct nf_conn_help *help;
	struct nf_conn *tmpl;

	tmpl = nf_ct_tmpl_alloc(&init_net, zone, gfp);
	if (!tmpl)
		return NULL;
	help = nf_ct_helper_ext_add(tmpl, gfp);
	if (!help) {
		nf_ct_tmpl_free(tmpl);
		return NULL;
	}
	rcu_assign_pointer(help->helper, helper);
	__set_bit(IPS_CONFIRMED_BIT, &tmpl->status);
	return tmpl;
}

static struct nf_conn *vpnmasq_tmpl_alloc(u16 zone_id, u8 dir, gfp_t gfp)
{
	struct nf_conntrack_zone zone;

	nf_ct_zone_init(&zone, zone_id, dir, 0);
	return vpnmasq_helper_tmpl_alloc(&zone, &vpnmasq_helper, gfp);
}

int vpnmasq_attach_zone(struct vpnmasq_net *vn, struct sk_buff *skb, u16 zone,
			bool both_dirs)
{
	u8 dir = both_dirs ? NF_CT_DEFAULT_ZONE_DIR : NF_CT_ZONE_DIR_REPL;
	struct nf_conntrack_zone z;
	struct nf_conn *tmpl;

	/*
	 * The per-CPU template is free again once conntrack has used it;
	 * someone else may still hold it (a queued skb): then use a copy.
	 */
	tmpl = this_cpu_read(vpnmasq_tmpl);
	if (likely(refcount_read(&tmpl->ct_general.use) == 1)) {
		refcount_inc(&tmpl->ct_general.use);
		nf_ct_zone_init(&z, zone, dir, 0);
		nf_ct_zone_add(tmpl, &z);
	} else {
		tmpl = vpnmasq_tmpl_alloc(zone, dir, GFP_ATOMIC);
		if (!tmpl) {
			vpnmasq_stat_inc(vn, VPNMASQ_STAT_NOMEM);
			return -ENOMEM;
		}
	}
	nf_ct_set(skb, tmpl, IP_CT_NEW);
	return 0;
}

/* Puts the helper on a new (unconfirmed) entry that has none. */
bool vpnmasq_ct_track(struct nf_conn *ct)
{
	struct nf_conn_help *help;

	BUILD_BUG_ON(sizeof(struct vpnmasq_gre_count) >
		     sizeof_field(struct nf_conn_help, data));
	help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
	if (!help)
		return false;
	rcu_assign_pointer(help->helper, &vpnmasq_helper);
	return true;
}

bool vpnmasq_ct_tracked(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);

	return help && rcu_access_pointer(help->helper) == &vpnmasq_helper;
}

static void vpnmasq_ct_kill(struct net *net,
			    int (*which)(struct nf_conn *ct, void *data))
{
	struct nf_ct_iter_data iter = { .net = net };

	nf_ct_iterate_cleanup_net(which, &iter);
}

/* ISAKMP and ESP entries zoned by vpnmasq; PPTP's GRE entries are not. */
static int vpnmasq_ct_zoned(struct nf_conn *ct, void *data)
{
	return nf_ct_protonum(ct) != IPPROTO_GRE && vpnmasq_ct_tracked(ct);
}

/*
 * Entries left in a host's zone after its tables are gone would be found
 * by another host's packets once a later instance hands the zone out again
 * (after rmmod and modprobe): they go with the tables, and the hosts'
 * next packets are associated afresh.
 */
void vpnmasq_ct_flush_zoned(struct net *net)
{
	vpnmasq_ct_kill(net, vpnmasq_ct_zoned);
}

/* Masqueraded ISAKMP (500 -> 500) and ESP that no zone separates. */
static int vpnmasq_ct_unzoned(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4 || !(ct->status & IPS_SRC_NAT) ||
	    nf_ct_zone(ct)->id != NF_CT_DEFAULT_ZONE_ID)
		return 0;
	if (t->dst.protonum == IPPROTO_ESP)
		return 1;
	return t->dst.protonum == IPPROTO_UDP &&
	       t->src.u.udp.port == htons(VPNMASQ_ISAKMP_PORT) &&
	       t->dst.u.udp.port == htons(VPNMASQ_ISAKMP_PORT);
}

/*
 * Entries conntrack made for LAN hosts' VPN traffic while vpnmasq was not
 * there (not loaded yet, unloaded for a moment, disabled) would keep those
 * hosts' packets out of their zones for as long as they flow: they go when
 * vpnmasq starts, and the hosts' next packets are associated.
 */
void vpnmasq_ct_flush_unzoned(struct net *net)
{
	vpnmasq_ct_kill(net, vpnmasq_ct_unzoned);
}

unsigned int vpnmasq_verdict(struct vpnmasq_net *vn, struct sk_buff *skb,
			     const struct vm_decision *d)
{
	switch (d->verdict) {
	case VM_ZONE:
		return vpnmasq_attach_zone(vn, skb, d->zone, d->inbound) ?
		       NF_DROP : NF_ACCEPT;
	case VM_DROP:
		return NF_DROP;
	default:
		return NF_ACCEPT;
	}
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

/* Right after conntrack: PPTP entries just created. */
static unsigned int vpnmasq_prerouting_tracked(void *priv, struct sk_buff *skb,
					       const struct nf_hook_state *state)
{
	struct vpnmasq_net *vn = priv;
	const struct vpnmasq_config *cfg;
	u8 proto = ip_hdr(skb)->protocol;

	if (proto != IPPROTO_TCP && proto != IPPROTO_GRE)
		return NF_ACCEPT;
	cfg = rcu_dereference(vn->config);
	if (cfg->enabled && cfg->pptp)
		vpnmasq_pptp_tracked(vn, cfg, skb);
	return NF_ACCEPT;
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
		.hook = vpnmasq_prerouting_tracked,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK + 1,
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

static void vpnmasq_tmpl_free_all(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct nf_conn *tmpl = per_cpu(vpnmasq_tmpl, cpu);

		if (tmpl)
			nf_ct_put(tmpl);
		per_cpu(vpnmasq_tmpl, cpu) = NULL;
	}
}

int __init vpnmasq_ct_init(void)
{
	int cpu, err;

	for_each_possible_cpu(cpu) {
		struct nf_conn *tmpl = vpnmasq_tmpl_alloc(0, NF_CT_ZONE_DIR_REPL, GFP_KERNEL);

		if (!tmpl) {
			err = -ENOMEM;
			goto err_tmpl;
		}
		per_cpu(vpnmasq_tmpl, cpu) = tmpl;
	}
	err = nf_conntrack_helper_register(&vpnmasq_helper);
	if (err)
		goto err_tmpl;
	WRITE_ONCE(vpnmasq_ct_live, true);
	return 0;

err_tmpl:
	vpnmasq_tmpl_free_all();
	return err;
}

/* Called before the per-netns state is released. */
void vpnmasq_ct_disable(void)
{
	WRITE_ONCE(vpnmasq_ct_live, false);
	synchronize_rcu();
}

void vpnmasq_ct_exit(void)
{
	/* Strips the helper from every conntrack entry that still has it. */
	nf_conntrack_helper_unregister(&vpnmasq_helper);
	vpnmasq_tmpl_free_all();
}
