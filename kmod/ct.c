// SPDX-License-Identifier: GPL-2.0
/*
 * What the protocol glue shares with conntrack: the conntrack template
 * that carries a claimed packet's LAN host's reply-direction zone (as xt_CT
 * and nft "ct zone set" do), the passive helper on the entries made that
 * way, so that their end ends the associations that lived in them, the
 * verdicts, and the questions asked of conntrack before a flow is claimed.
 * It calls into the core and conntrack only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "vpnmasq.h"

static DEFINE_PER_CPU(struct nf_conn *, vpnmasq_tmpl);
/* Cleared before per-netns state goes away: destroy callbacks stop. */
static bool vpnmasq_ct_live __read_mostly;

/* Destroy callbacks may act: the module and the namespace are not going. */
bool vpnmasq_ct_live_in(const struct vpnmasq_net *vn)
{
	return READ_ONCE(vpnmasq_ct_live) && !READ_ONCE(vn->dying);
}

static void vpnmasq_ct_destroy(struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *orig;
	struct vpnmasq_net *vn;

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (orig->src.l3num != NFPROTO_IPV4)
		return;
	rcu_read_lock();
	vn = vpnmasq_pernet(nf_ct_net(ct));
	if (vpnmasq_ct_live_in(vn))
		vm_flow_ct_destroyed(&vn->tables, orig->src.u3.ip,
				     orig->dst.u3.ip, orig->dst.protonum);
	rcu_read_unlock();
}

/*
 * A LAN host's new flow that conntrack confirms without source NAT: the
 * scope took a routed address for a masqueraded one. Said, not undone.
 */
static void vpnmasq_ct_check_masq(const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *orig;
	struct vpnmasq_net *vn;

	if (nf_ct_zone(ct)->dir != NF_CT_ZONE_DIR_REPL ||
	    (ct->status & IPS_SRC_NAT))
		return;
	vn = vpnmasq_pernet(nf_ct_net(ct));
	vpnmasq_stat_inc(vn, VPNMASQ_STAT_NOT_MASQUERADED);
	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	net_warn_ratelimited(pr_fmt("%pI4 -> %pI4 not masqueraded: narrow the lan scope\n"),
			     &orig->src.u3.ip, &orig->dst.u3.ip);
}

/*
 * Sees every packet of the entries it sits on, last before confirmation
 * (after source NAT): new LAN flows are checked for NAT.
 */
static int vpnmasq_ct_help(struct sk_buff *skb, unsigned int protoff,
			   struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	if (ctinfo == IP_CT_NEW && !nf_ct_is_confirmed(ct))
		vpnmasq_ct_check_masq(ct);
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

bool vpnmasq_ct_tracked(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);

	return help && rcu_access_pointer(help->helper) == &vpnmasq_helper;
}

/* The ISAKMP and ESP entries vpnmasq zoned. */
static int vpnmasq_ct_zoned(struct nf_conn *ct, void *data)
{
	return vpnmasq_ct_tracked(ct);
}

/*
 * Entries left in a host's zone after its tables are gone would be found
 * by another host's packets once a later instance hands the zone out again
 * (after rmmod and modprobe): they go with the tables, and the hosts'
 * next packets are associated afresh.
 */
void vpnmasq_ct_flush_zoned(struct net *net)
{
	struct nf_ct_iter_data iter = { .net = net };

	nf_ct_iterate_cleanup_net(vpnmasq_ct_zoned, &iter);
}

static bool vpnmasq_tuple_vpn(const struct nf_conntrack_tuple *t)
{
	if (t->dst.protonum == IPPROTO_ESP)
		return true;
	return t->dst.protonum == IPPROTO_UDP &&
	       t->src.u.udp.port == htons(VPNMASQ_ISAKMP_PORT) &&
	       t->dst.u.udp.port == htons(VPNMASQ_ISAKMP_PORT);
}

/* Masqueraded ISAKMP (500 -> 500) and ESP of LAN hosts, in no zone. */
static int vpnmasq_ct_unzoned(struct nf_conn *ct, void *data)
{
	const struct vpnmasq_config *cfg = data;
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4 || !(ct->status & IPS_SRC_NAT) ||
	    (ct->status & IPS_DST_NAT) ||
	    nf_ct_zone(ct)->id != NF_CT_DEFAULT_ZONE_ID)
		return 0;
	return vpnmasq_tuple_vpn(t) &&
	       vpnmasq_lan_outbound(cfg, t->src.u3.ip, t->dst.u3.ip);
}

/*
 * Entries conntrack made for LAN hosts' VPN traffic while vpnmasq was not
 * there (not loaded yet, unloaded for a moment, disabled, outside the
 * scope) would keep those hosts' packets out of their zones for as long as
 * they flow: they go when vpnmasq takes the hosts in, and the hosts' next
 * packets are associated. Port forwards are not masquerading: they stay.
 */
void vpnmasq_ct_flush_unzoned(struct net *net, const struct vpnmasq_config *cfg)
{
	struct nf_ct_iter_data iter = { .net = net, .data = (void *)cfg };

	nf_ct_iterate_cleanup_net(vpnmasq_ct_unzoned, &iter);
}

/* vpnmasq's ISAKMP and ESP entries that the scope no longer covers. */
static int vpnmasq_ct_out_of_scope(struct nf_conn *ct, void *data)
{
	const struct vpnmasq_config *cfg = data;
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	return vpnmasq_ct_zoned(ct, NULL) &&
	       !vpnmasq_lan_outbound(cfg, t->src.u3.ip, t->dst.u3.ip);
}

void vpnmasq_ct_flush_scope(struct net *net, const struct vpnmasq_config *cfg)
{
	struct nf_ct_iter_data iter = { .net = net, .data = (void *)cfg };

	nf_ct_iterate_cleanup_net(vpnmasq_ct_out_of_scope, &iter);
	vpnmasq_ct_flush_unzoned(net, cfg);
}

/* What the default zone of conntrack knows of a flow before it is seen. */
struct vpnmasq_ct_view {
	bool found;	/* an entry has this tuple in one of its directions */
	bool ours;	/* it is one of vpnmasq's (orig direction of a zone) */
	bool dnat;	/* it was destination-NATed: a port forward */
	bool reply;	/* the tuple is that entry's reply direction */
};

static void vpnmasq_ct_look(struct net *net,
			    const struct nf_conntrack_tuple *tuple,
			    struct vpnmasq_ct_view *v)
{
	const struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;

	memset(v, 0, sizeof(*v));
	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, tuple);
	if (!h)
		return;
	ct = nf_ct_tuplehash_to_ctrack(h);
	v->found = true;
	v->ours = vpnmasq_ct_tracked(ct);
	v->dnat = ct->status & IPS_DST_NAT;
	v->reply = NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY;
	nf_ct_put(ct);
}

bool vpnmasq_ct_foreign(struct net *net, const struct sk_buff *skb,
			bool to_local, bool *untracked)
{
	struct nf_conntrack_tuple tuple;
	struct vpnmasq_ct_view v;

	*untracked = false;
	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), NFPROTO_IPV4, net,
			       &tuple))
		return false;
	vpnmasq_ct_look(net, &tuple, &v);
	*untracked = !v.found;
	if (v.found && !v.ours)
		return !to_local || v.dnat;
	if (to_local || v.found || tuple.dst.protonum != IPPROTO_ESP)
		return false;
	/*
	 * A server behind a port forward may send on a new SA before its
	 * client does: its IKE then came in through the forward.
	 */
	memset(&tuple.src.u, 0, sizeof(tuple.src.u));
	memset(&tuple.dst.u, 0, sizeof(tuple.dst.u));
	tuple.src.u.udp.port = htons(VPNMASQ_ISAKMP_PORT);
	tuple.dst.u.udp.port = htons(VPNMASQ_ISAKMP_PORT);
	tuple.dst.protonum = IPPROTO_UDP;
	vpnmasq_ct_look(net, &tuple, &v);
	return v.found && !v.ours && v.dnat && v.reply;
}

unsigned int vpnmasq_verdict(struct vpnmasq_net *vn, struct sk_buff *skb,
			     const struct vm_decision *d)
{
	switch (d->verdict) {
	case VM_ZONE:
		return vpnmasq_attach_zone(vn, skb, d->zone, d->inbound) ?
		       NF_DROP : NF_ACCEPT;
	case VM_DROP:
		vm_refusal_count(&vn->tables, d);
		return NF_DROP;
	default:
		return NF_ACCEPT;
	}
}

/*
 * An inbound refusal waits for DNAT when conntrack has no entry for the
 * packet yet: the first packet of a port forward to a LAN VPN server is
 * nobody's here. The entry conntrack makes carries vpnmasq's helper in the
 * default zone as a mark, and vpnmasq_recheck() decides after DNAT.
 */
unsigned int vpnmasq_verdict_deferred(struct vpnmasq_net *vn,
				      struct sk_buff *skb,
				      const struct vm_decision *d,
				      bool untracked)
{
	if (d->verdict == VM_DROP && d->refusal && untracked &&
	    !vpnmasq_attach_zone(vn, skb, NF_CT_DEFAULT_ZONE_ID, true))
		return NF_ACCEPT;
	return vpnmasq_verdict(vn, skb, d);
}

/*
 * Conntrack timeouts of vpnmasq's entries: one tunnel, one lifetime. An
 * ISAKMP entry lives as long as its associations do, which outlive UDP's
 * timeouts by far (real IKE SAs stay quiet for hours): it is given two
 * days and deleted when its flow's last IKE association ends. An ESP entry
 * gets esp_timeout. They are conntrack timeout objects, set on the new
 * entry right after conntrack made it, as nft's "ct timeout set" does.
 */
#define VPNMASQ_IKE_CT_TIMEOUT	(2 * VPNMASQ_TIMEOUT_MAX * HZ)

static struct nf_ct_timeout *vpnmasq_ct_timeout_alloc(u8 l4num)
{
	const struct nf_conntrack_l4proto *l4proto = nf_ct_l4proto_find(l4num);
	struct nf_ct_timeout *timeout;

	timeout = kzalloc(sizeof(*timeout) + l4proto->ctnl_timeout.obj_size,
			  GFP_KERNEL);
	if (!timeout)
		return NULL;
	timeout->l3num = NFPROTO_IPV4;
	timeout->l4proto = l4proto;
	refcount_set(&timeout->refcnt, 1);
	return timeout;
}

int vpnmasq_ct_timeouts_init(struct vpnmasq_net *vn,
			     const struct vpnmasq_config *cfg)
{
	unsigned int *udp;

	BUILD_BUG_ON(VPNMASQ_IKE_CT_TIMEOUT > UINT_MAX);
	vn->ct_timeout_ike = vpnmasq_ct_timeout_alloc(IPPROTO_UDP);
	vn->ct_timeout_esp = vpnmasq_ct_timeout_alloc(IPPROTO_ESP);
	if (!vn->ct_timeout_ike || !vn->ct_timeout_esp) {
		kfree(vn->ct_timeout_ike);
		kfree(vn->ct_timeout_esp);
		return -ENOMEM;
	}
	udp = (unsigned int *)vn->ct_timeout_ike->data;
	udp[UDP_CT_UNREPLIED] = VPNMASQ_IKE_CT_TIMEOUT;
	udp[UDP_CT_REPLIED] = VPNMASQ_IKE_CT_TIMEOUT;
	vpnmasq_ct_timeouts_set(vn, cfg);
	return 0;
}

/* Entries already made read the new value at their next packet. */
void vpnmasq_ct_timeouts_set(struct vpnmasq_net *vn,
			     const struct vpnmasq_config *cfg)
{
	unsigned int *generic = (unsigned int *)vn->ct_timeout_esp->data;

	WRITE_ONCE(*generic, cfg->esp_timeout * HZ);
}

/* Entries still holding one keep it until they are gone. */
void vpnmasq_ct_timeouts_exit(struct vpnmasq_net *vn)
{
	if (refcount_dec_and_test(&vn->ct_timeout_ike->refcnt))
		kfree_rcu(vn->ct_timeout_ike, rcu);
	if (refcount_dec_and_test(&vn->ct_timeout_esp->refcnt))
		kfree_rcu(vn->ct_timeout_esp, rcu);
}

/* A claimed ISAKMP or ESP entry conntrack has just made. */
static bool vpnmasq_ct_claimed_new(const struct nf_conn *ct,
				   enum ip_conntrack_info ctinfo)
{
	return ctinfo == IP_CT_NEW && !nf_ct_is_confirmed(ct) &&
	       nf_ct_zone(ct)->id != NF_CT_DEFAULT_ZONE_ID &&
	       vpnmasq_ct_tracked(ct);
}

void vpnmasq_ct_set_timeout(struct vpnmasq_net *vn, struct nf_conn *ct,
			    enum ip_conntrack_info ctinfo)
{
	struct nf_ct_timeout *timeout;

	if (!vpnmasq_ct_claimed_new(ct, ctinfo) || nf_ct_timeout_find(ct))
		return;
	timeout = nf_ct_protonum(ct) == IPPROTO_UDP ? vn->ct_timeout_ike :
		  vn->ct_timeout_esp;
	if (!nf_ct_timeout_ext_add(ct, timeout, GFP_ATOMIC)) {
		/* It keeps conntrack's own timeouts: shorter, never wrong. */
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_NOMEM);
		return;
	}
	/*
	 * The timeout conntrack gave the first packet stands until the
	 * next one, which reads the entry's own: an unanswered first ISAKMP
	 * message still ends after UDP's unreplied timeout.
	 */
}

static void vpnmasq_ct_kill_isakmp(struct net *net, __be32 lan, __be32 remote)
{
	struct nf_conntrack_tuple tuple = {
		.src.l3num = NFPROTO_IPV4,
		.src.u3.ip = lan,
		.src.u.udp.port = htons(VPNMASQ_ISAKMP_PORT),
		.dst.u3.ip = remote,
		.dst.u.udp.port = htons(VPNMASQ_ISAKMP_PORT),
		.dst.protonum = IPPROTO_UDP,
		.dst.dir = IP_CT_DIR_ORIGINAL,
	};
	const struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;

	/* A reply-direction zone leaves the original tuple in zone 0. */
	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, &tuple);
	if (!h)
		return;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (NF_CT_DIRECTION(h) == IP_CT_DIR_ORIGINAL && vpnmasq_ct_tracked(ct))
		nf_ct_kill(ct);
	nf_ct_put(ct);
}

/* The ISAKMP entries whose flows' last IKE associations have ended go. */
void vpnmasq_ct_gone(struct vpnmasq_net *vn)
{
	struct vm_flow_key keys[16];
	unsigned int n, i;

	while ((n = vm_tables_ct_gone(&vn->tables, keys, ARRAY_SIZE(keys))))
		for (i = 0; i < n; i++)
			vpnmasq_ct_kill_isakmp(vn->net, keys[i].lan,
					       keys[i].remote);
}

/* A new ISAKMP or ESP entry marked by vpnmasq_verdict_deferred(). */
bool vpnmasq_ct_deferred(const struct nf_conn *ct,
			 enum ip_conntrack_info ctinfo)
{
	u8 proto = nf_ct_protonum(ct);

	return ctinfo == IP_CT_NEW && !nf_ct_is_confirmed(ct) &&
	       (proto == IPPROTO_UDP || proto == IPPROTO_ESP) &&
	       nf_ct_zone(ct)->id == NF_CT_DEFAULT_ZONE_ID &&
	       vpnmasq_ct_tracked(ct);
}

/* The mark goes: the entry is conntrack's alone, as without vpnmasq. */
void vpnmasq_ct_unmark(struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);

	RCU_INIT_POINTER(help->helper, NULL);
	clear_bit(IPS_HELPER_BIT, &ct->status);
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
