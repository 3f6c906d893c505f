// SPDX-License-Identifier: GPL-2.0
/*
 * PPTP (TCP 1723 + GRE): mainline's PPTP conntrack and NAT helpers do the
 * Call ID translation and the GRE keymap; vpnmasq attaches them to
 * forwarded control connections (no admin rule needed since 6.0 removed
 * automatic helper assignment) and reports the calls they track.
 *
 * Per call, the GRE packets each way are counted in the helper data of the
 * call's GRE conntrack entry, which gets vpnmasq's own passive GRE helper;
 * its end reports the call closed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/kmod.h>
#include <linux/mm.h>
#include <linux/tcp.h>
#include <linux/netfilter/nf_conntrack_pptp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "vpnmasq.h"

#define VPNMASQ_PPTP_HELPER "pptp"

/* Set at module init; NULL if the kernel has no PPTP helpers. */
static struct nf_conntrack_helper *vpnmasq_pptp_helper __read_mostly;
static struct nf_conn *vpnmasq_pptp_tmpl __read_mostly;

static void vpnmasq_gre_destroy(struct nf_conn *ct);

/* Counts a call's GRE packets each way; never auto-assigned. */
static int vpnmasq_gre_help(struct sk_buff *skb, unsigned int protoff,
			    struct nf_conn *ct, enum ip_conntrack_info ctinfo)
{
	struct vpnmasq_gre_count *gc = nfct_help_data(ct);

	atomic64_inc(&gc->packets[CTINFO2DIR(ctinfo)]);
	return NF_ACCEPT;
}

static const struct nf_conntrack_expect_policy vpnmasq_gre_expect_policy = {
	.max_expected = 0,
	.timeout = 1,
};

/* Named as the ISAKMP/ESP one: conntrack -L shows helper=vpnmasq on both. */
static struct nf_conntrack_helper vpnmasq_gre_helper __read_mostly = {
	.name = "vpnmasq",
	.me = THIS_MODULE,
	.tuple.src.l3num = NFPROTO_IPV4,
	.tuple.dst.protonum = IPPROTO_GRE,
	.help = vpnmasq_gre_help,
	.destroy = vpnmasq_gre_destroy,
	.data_len = sizeof(struct vpnmasq_gre_count),
	.expect_policy = &vpnmasq_gre_expect_policy,
};

static bool vpnmasq_gre_tracked(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);

	return help && rcu_access_pointer(help->helper) == &vpnmasq_gre_helper;
}

/* Puts the GRE helper on a call's new (unconfirmed) GRE entry. */
static bool vpnmasq_gre_track(struct nf_conn *ct)
{
	struct nf_conn_help *help;

	BUILD_BUG_ON(sizeof(struct vpnmasq_gre_count) >
		     sizeof_field(struct nf_conn_help, data));
	help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
	if (!help)
		return false;
	rcu_assign_pointer(help->helper, &vpnmasq_gre_helper);
	return true;
}

static bool vpnmasq_is_pptp(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);

	return help && vpnmasq_pptp_helper &&
	       rcu_access_pointer(help->helper) == vpnmasq_pptp_helper;
}

/*
 * A call lasts while its control connection is established and the helper
 * has seen it set up and not yet torn down.
 */
static bool vpnmasq_pptp_call_live(const struct nf_conn *ctrl)
{
	const struct nf_ct_pptp_master *info;
	enum pptp_ctrlcall_state cstate;

	if (nf_ct_is_dying(ctrl) || !vpnmasq_is_pptp(ctrl) ||
	    READ_ONCE(ctrl->proto.tcp.state) != TCP_CONNTRACK_ESTABLISHED)
		return false;
	info = nfct_help_data(ctrl);
	cstate = READ_ONCE(info->cstate);
	return cstate != PPTP_CALL_NONE && cstate != PPTP_CALL_ERROR;
}

/* A call's GRE entry, found again by its tuple: no reference held. */
struct vpnmasq_pptp_gre {
	struct list_head node;
	struct nf_conntrack_tuple tuple;
	struct nf_conntrack_zone zone;
};

void vpnmasq_pptp_net_init(struct vpnmasq_net *vn)
{
	spin_lock_init(&vn->pptp.lock);
	INIT_LIST_HEAD(&vn->pptp.list);
	vn->pptp.n = 0;
}

static bool vpnmasq_pptp_remember(struct vpnmasq_net *vn,
				  const struct vpnmasq_config *cfg,
				  const struct nf_conn *gre)
{
	struct vpnmasq_pptp_gre *e;

	if (READ_ONCE(vn->pptp.n) >= cfg->max_assoc)
		return false;
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e)
		return false;
	e->tuple = gre->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	e->zone = *nf_ct_zone(gre);
	spin_lock_bh(&vn->pptp.lock);
	list_add_tail(&e->node, &vn->pptp.list);
	vn->pptp.n++;
	spin_unlock_bh(&vn->pptp.lock);
	return true;
}

/*
 * Mainline keeps a call's GRE entry until it times out (minutes) when the
 * control connection goes away without a Call-Disconnect-Notify: end it
 * with its call, so that the call is seen closed and its keys are free.
 */
void vpnmasq_pptp_gc(struct vpnmasq_net *vn)
{
	struct vpnmasq_pptp_gre *e, *tmp;
	const struct nf_conntrack_tuple_hash *h;
	struct nf_conn *gre;
	bool gone;

	spin_lock_bh(&vn->pptp.lock);
	list_for_each_entry_safe(e, tmp, &vn->pptp.list, node) {
		h = nf_conntrack_find_get(vn->net, &e->zone, &e->tuple);
		gone = !h;
		if (h) {
			gre = nf_ct_tuplehash_to_ctrack(h);
			rcu_read_lock();
			if (!vpnmasq_gre_tracked(gre) || !gre->master) {
				gone = true;
			} else if (!vpnmasq_pptp_call_live(gre->master)) {
				nf_ct_kill(gre);
				gone = true;
			}
			rcu_read_unlock();
			nf_ct_put(gre);
		}
		if (gone) {
			list_del(&e->node);
			vn->pptp.n--;
			kfree(e);
		}
	}
	spin_unlock_bh(&vn->pptp.lock);
}

void vpnmasq_pptp_net_exit(struct vpnmasq_net *vn)
{
	struct vpnmasq_pptp_gre *e, *tmp;

	list_for_each_entry_safe(e, tmp, &vn->pptp.list, node)
		kfree(e);
	INIT_LIST_HEAD(&vn->pptp.list);
	vn->pptp.n = 0;
}

/* Before conntrack: a forwarded TCP 1723 SYN gets the PPTP helper. */
unsigned int vpnmasq_pptp_prerouting(struct vpnmasq_net *vn,
				     const struct vpnmasq_config *cfg,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 buf[VM_TCP_HDR_MIN];
	const u8 *th;

	if (!cfg->pptp || ip_is_fragment(iph))
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(buf), buf);
	if (!th || !vm_pptp_control_syn(th, skb->len - ip_hdrlen(skb)))
		return NF_ACCEPT;
	/* To the gateway: its own server, or a port forward (after DNAT). */
	if (inet_addr_type_dev_table(state->net, skb->dev, iph->daddr) ==
	    RTN_LOCAL)
		return NF_ACCEPT;
	if (!vpnmasq_lan_outbound(cfg, iph->saddr, iph->daddr)) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_NOT_LAN);
		return NF_ACCEPT;
	}
	if (!vpnmasq_pptp_tmpl) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_REFUSED);
		net_warn_ratelimited(pr_fmt("no PPTP helper: PPTP from %pI4 to %pI4 will fail\n"),
				     &iph->saddr, &iph->daddr);
		return NF_ACCEPT;
	}
	nf_conntrack_get(&vpnmasq_pptp_tmpl->ct_general);
	nf_ct_set(skb, vpnmasq_pptp_tmpl, IP_CT_NEW);
	return NF_ACCEPT;
}

static u8 vpnmasq_pptp_call_state(enum pptp_ctrlcall_state s)
{
	switch (s) {
	case PPTP_CALL_ERROR:
		return VPNMASQ_PPTP_CALL_ERROR;
	case PPTP_CALL_OUT_REQ:
		return VPNMASQ_PPTP_CALL_OUT_REQ;
	case PPTP_CALL_OUT_CONF:
		return VPNMASQ_PPTP_CALL_OUT_CONF;
	case PPTP_CALL_IN_REQ:
		return VPNMASQ_PPTP_CALL_IN_REQ;
	case PPTP_CALL_IN_REP:
		return VPNMASQ_PPTP_CALL_IN_REP;
	case PPTP_CALL_IN_CONF:
		return VPNMASQ_PPTP_CALL_IN_CONF;
	case PPTP_CALL_CLEAR_REQ:
		return VPNMASQ_PPTP_CALL_CLEAR_REQ;
	default:
		return VPNMASQ_PPTP_CALL_NONE;
	}
}

static u8 vpnmasq_pptp_session_state(enum pptp_ctrlsess_state s)
{
	switch (s) {
	case PPTP_SESSION_ERROR:
		return VPNMASQ_PPTP_SESSION_ERROR;
	case PPTP_SESSION_STOPREQ:
		return VPNMASQ_PPTP_SESSION_STOPREQ;
	case PPTP_SESSION_REQUESTED:
		return VPNMASQ_PPTP_SESSION_REQUESTED;
	case PPTP_SESSION_CONFIRMED:
		return VPNMASQ_PPTP_SESSION_CONFIRMED;
	default:
		return VPNMASQ_PPTP_SESSION_NONE;
	}
}

/* A control connection that came in through a port forward. */
static bool vpnmasq_pptp_forwarded(const struct nf_conn *ct)
{
	return ct->status & IPS_DST_NAT;
}

/* The LAN end of a control connection: the client, or a forward's server. */
static __be32 vpnmasq_pptp_lan(const struct nf_conn *ct)
{
	enum ip_conntrack_dir dir = vpnmasq_pptp_forwarded(ct) ?
				    IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL;

	return ct->tuplehash[dir].tuple.src.u3.ip;
}

/* @ct is a control connection with the PPTP helper. */
static void vpnmasq_pptp_fill(struct vpnmasq_pptp_info *c,
			      const struct nf_conn *ct)
{
	const struct nf_ct_pptp_master *info = nfct_help_data(ct);
	const struct nf_conntrack_tuple *orig, *repl;
	__be16 sent;

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	repl = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	memset(c, 0, sizeof(*c));
	if (vpnmasq_pptp_forwarded(ct)) {
		/* The remote client called the gateway; the LAN host answers. */
		c->forwarded = 1;
		c->lan = repl->src.u3.ip;
		c->lan_port = ntohs(repl->src.u.tcp.port);
		c->server = orig->src.u3.ip;
		c->masq_addr = orig->dst.u3.ip;
		c->masq_port = ntohs(orig->dst.u.tcp.port);
	} else {
		c->lan = orig->src.u3.ip;
		c->lan_port = ntohs(orig->src.u.tcp.port);
		c->server = orig->dst.u3.ip;
		c->masq_addr = repl->dst.u3.ip;
		c->masq_port = ntohs(repl->dst.u.tcp.port);
	}
	c->pac_call_id = ntohs(READ_ONCE(info->pac_call_id));
	/* The NAT helper keeps the ID as sent and puts its own in @info. */
	c->pns_call_id_masq = ntohs(READ_ONCE(info->pns_call_id));
	sent = info->pns_call_id;
#if IS_ENABLED(CONFIG_NF_NAT_PPTP)
	if (ct->status & IPS_NAT_MASK) {
		const struct nf_conn_nat *nat = nfct_nat(ct);

		if (nat)
			sent = READ_ONCE(nat->help.nat_pptp_info.pns_call_id);
	}
#endif
	c->pns_call_id = ntohs(sent);
	c->session = vpnmasq_pptp_session_state(READ_ONCE(info->sstate));
	c->call = vpnmasq_pptp_call_state(READ_ONCE(info->cstate));
}

/*
 * A new TCP entry that DNAT sent to port 1723 of a LAN host: a port-forwarded
 * PPTP server gets the helper as the LAN's clients do, so that its calls'
 * GRE is translated and kept apart from everybody else's.
 */
static void vpnmasq_pptp_forward(struct vpnmasq_net *vn,
				 const struct vpnmasq_config *cfg,
				 struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *repl =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	struct nf_conn_help *help;

	if (!(ct->status & IPS_DST_NAT) ||
	    repl->src.u.tcp.port != htons(VM_PPTP_CONTROL_PORT) ||
	    !vpnmasq_lan_has(cfg, repl->src.u3.ip))
		return;
	if (!vpnmasq_pptp_helper) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_REFUSED);
		return;
	}
	help = nf_ct_helper_ext_add(ct, GFP_ATOMIC);
	if (!help) {
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_REFUSED);
		return;
	}
	rcu_assign_pointer(help->helper, vpnmasq_pptp_helper);
	set_bit(IPS_HELPER_BIT, &ct->status);
}

/*
 * After conntrack: counts new control connections that got the helper,
 * and gives a call's new GRE entry vpnmasq's helper to count its packets.
 */
void vpnmasq_pptp_tracked(struct vpnmasq_net *vn,
			  const struct vpnmasq_config *cfg,
			  struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!ct || nf_ct_is_confirmed(ct) || nf_ct_is_template(ct))
		return;
	switch (nf_ct_protonum(ct)) {
	case IPPROTO_TCP:
		if (!nfct_help(ct))
			vpnmasq_pptp_forward(vn, cfg, ct);
		if (vpnmasq_is_pptp(ct))
			vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_ATTACHED);
		break;
	case IPPROTO_GRE:
		if (!ct->master || !vpnmasq_is_pptp(ct->master) || nfct_help(ct))
			break;
		/* Untracked, the call still works; its GRE is just not counted. */
		if (vpnmasq_pptp_remember(vn, cfg, ct) &&
		    vpnmasq_gre_track(ct)) {
			struct vpnmasq_pptp_info call;

			vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_OPENED);
			if (!vpnmasq_events_wanted(vn))
				break;
			vpnmasq_pptp_fill(&call, ct->master);
			vpnmasq_event_pptp(vn, VPNMASQ_EVENT_NEW,
					   VPNMASQ_REASON_NONE, &call);
		} else {
			vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_REFUSED);
		}
		break;
	}
}

/* A call's GRE entry, tracked by vpnmasq, is being destroyed. */
static void vpnmasq_pptp_closed(struct vpnmasq_net *vn,
				const struct nf_conn *gre)
{
	const struct vpnmasq_gre_count *gc = nfct_help_data(gre);
	struct vpnmasq_pptp_info call;
	u64 packets[IP_CT_DIR_MAX];

	vpnmasq_stat_inc(vn, VPNMASQ_STAT_PPTP_CLOSED);
	if (!vpnmasq_events_wanted(vn) || !gre->master ||
	    !vpnmasq_is_pptp(gre->master))
		return;
	vpnmasq_pptp_fill(&call, gre->master);
	packets[IP_CT_DIR_ORIGINAL] =
		atomic64_read(&gc->packets[IP_CT_DIR_ORIGINAL]);
	packets[IP_CT_DIR_REPLY] = atomic64_read(&gc->packets[IP_CT_DIR_REPLY]);
	vm_pptp_set_gre(&call, gre->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3.ip,
			packets);
	vpnmasq_event_pptp(vn, VPNMASQ_EVENT_DEL, VPNMASQ_REASON_CLOSED,
			   &call);
}

static void vpnmasq_gre_destroy(struct nf_conn *ct)
{
	struct vpnmasq_net *vn;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4)
		return;
	rcu_read_lock();
	vn = vpnmasq_pernet(nf_ct_net(ct));
	if (vpnmasq_ct_live_in(vn))
		vpnmasq_pptp_closed(vn, ct);
	rcu_read_unlock();
}

struct vpnmasq_pptp_kill {
	__be32 lan;		/* 0: every call */
	unsigned int calls;
};

/* Control connections with the PPTP helper and their GRE entries go. */
static int vpnmasq_pptp_kill_one(struct nf_conn *ct, void *data)
{
	struct vpnmasq_pptp_kill *k = data;
	const struct nf_conn *ctrl = NULL;
	bool kill;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4)
		return 0;
	if (nf_ct_protonum(ct) == IPPROTO_TCP)
		ctrl = ct;
	else if (nf_ct_protonum(ct) == IPPROTO_GRE)
		ctrl = ct->master;
	rcu_read_lock();
	kill = ctrl && vpnmasq_is_pptp(ctrl) &&
	       (!k->lan || vpnmasq_pptp_lan(ctrl) == k->lan);
	rcu_read_unlock();
	if (kill && ctrl == ct)
		k->calls++;
	return kill;
}

unsigned int vpnmasq_pptp_flush(struct vpnmasq_net *vn, __be32 lan)
{
	struct vpnmasq_pptp_kill kill = { .lan = lan };
	struct nf_ct_iter_data iter = { .net = vn->net, .data = &kill };

	if (!vpnmasq_pptp_helper)
		return 0;
	nf_ct_iterate_cleanup_net(vpnmasq_pptp_kill_one, &iter);
	return kill.calls;
}

/* @ctrl[i] is @calls[i]'s control connection, only to join while walking. */
struct vpnmasq_pptp_walk {
	struct vpnmasq_pptp_info *calls;
	const void **ctrl;
	struct vm_gre_row *gre;
	unsigned int n_calls, n_gre, max;
};

static void vpnmasq_pptp_walk_control(struct vpnmasq_pptp_walk *w,
				      const struct nf_conn *ct)
{
	if (w->n_calls == w->max || !vpnmasq_pptp_call_live(ct))
		return;
	w->ctrl[w->n_calls] = ct;
	vpnmasq_pptp_fill(&w->calls[w->n_calls++], ct);
}

static void vpnmasq_pptp_walk_gre(struct vpnmasq_pptp_walk *w,
				  const struct nf_conn *ct)
{
	const struct vpnmasq_gre_count *gc;
	struct vm_gre_row *g;

	if (!ct->master || w->n_gre == w->max || !vpnmasq_gre_tracked(ct))
		return;
	gc = nfct_help_data(ct);
	g = &w->gre[w->n_gre++];
	g->master = ct->master;
	g->orig_src = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3.ip;
	g->packets[IP_CT_DIR_ORIGINAL] =
		atomic64_read(&gc->packets[IP_CT_DIR_ORIGINAL]);
	g->packets[IP_CT_DIR_REPLY] =
		atomic64_read(&gc->packets[IP_CT_DIR_REPLY]);
}

/* Called for every entry of the namespace with its bucket locked. */
static int vpnmasq_pptp_walk_one(struct nf_conn *ct, void *data)
{
	struct vpnmasq_pptp_walk *w = data;

	if (nf_ct_l3num(ct) != NFPROTO_IPV4)
		return 0;
	rcu_read_lock();
	if (nf_ct_protonum(ct) == IPPROTO_TCP)
		vpnmasq_pptp_walk_control(w, ct);
	else if (nf_ct_protonum(ct) == IPPROTO_GRE)
		vpnmasq_pptp_walk_gre(w, ct);
	rcu_read_unlock();
	return 0;	/* keep it */
}

/*
 * Snapshot of the calls in @net, at most @max; one walk of the conntrack
 * table, as "conntrack -L" does. Returns the array (kvfree it), NULL if
 * the kernel has no PPTP helper, or ERR_PTR(-ENOMEM).
 */
struct vpnmasq_pptp_info *vpnmasq_pptp_snapshot(struct net *net,
						unsigned int max,
						unsigned int *n)
{
	struct nf_ct_iter_data iter = { .net = net };
	struct vpnmasq_pptp_walk w = { .max = max };

	*n = 0;
	if (!vpnmasq_pptp_helper)
		return NULL;
	w.calls = kvmalloc_array(max, sizeof(*w.calls), GFP_KERNEL);
	w.ctrl = kvmalloc_array(max, sizeof(*w.ctrl), GFP_KERNEL);
	w.gre = kvmalloc_array(max, sizeof(*w.gre), GFP_KERNEL);
	if (w.calls && w.ctrl && w.gre) {
		iter.data = &w;
		nf_ct_iterate_cleanup_net(vpnmasq_pptp_walk_one, &iter);
		vm_pptp_join(w.calls, w.ctrl, w.n_calls, w.gre, w.n_gre);
		*n = w.n_calls;
	} else {
		kvfree(w.calls);
		w.calls = ERR_PTR(-ENOMEM);
	}
	kvfree(w.gre);
	kvfree(w.ctrl);
	return w.calls;
}

int __init vpnmasq_pptp_init(void)
{
	struct nf_conntrack_helper *helper;
	struct nf_conn *tmpl;
	int err;

	/* Loads nf_conntrack_pptp if need be and pins it. */
	helper = nf_conntrack_helper_try_module_get(VPNMASQ_PPTP_HELPER,
						    NFPROTO_IPV4, IPPROTO_TCP);
	if (!helper) {
		pr_warn("no PPTP conntrack helper: PPTP calls will not be handled\n");
		return 0;
	}
	/*
	 * The conntrack helper names no NAT module, so the NAT side cannot be
	 * pinned; modprobe loads it first (softdep), insmod users get it here.
	 */
	if (!rcu_access_pointer(nf_nat_pptp_hook))
		request_module("nf_nat_pptp");
	if (!rcu_access_pointer(nf_nat_pptp_hook))
		pr_warn("nf_nat_pptp not loaded: masqueraded PPTP calls will fail\n");

	tmpl = vpnmasq_helper_tmpl_alloc(&nf_ct_zone_dflt, helper, GFP_KERNEL);
	if (!tmpl) {
		err = -ENOMEM;
		goto err_tmpl;
	}
	err = nf_conntrack_helper_register(&vpnmasq_gre_helper);
	if (err)
		goto err_gre;
	vpnmasq_pptp_tmpl = tmpl;
	vpnmasq_pptp_helper = helper;
	return 0;

err_gre:
	nf_ct_put(tmpl);
err_tmpl:
	nf_conntrack_helper_put(helper);
	return err;
}

void vpnmasq_pptp_exit(void)
{
	if (!vpnmasq_pptp_helper)
		return;
	/* Strips the GRE helper from every entry that still has it. */
	nf_conntrack_helper_unregister(&vpnmasq_gre_helper);
	/* Packets still carrying the template hold their own reference. */
	nf_ct_put(vpnmasq_pptp_tmpl);
	nf_conntrack_helper_put(vpnmasq_pptp_helper);
	vpnmasq_pptp_tmpl = NULL;
	vpnmasq_pptp_helper = NULL;
}
