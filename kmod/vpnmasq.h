/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side's interfaces between its parts, above the core (core/):
 * per-netns state and tunables (net.c), generic netlink (netlink.c), the
 * conntrack glue every protocol shares (ct.c), the protocol glue
 * (*_hook.c, pptp.c) and the hooks that dispatch to it (hooks.c). Calls go
 * one way: hooks.c -> *_hook.c, pptp.c -> ct.c -> core/.
 */
#ifndef _VPNMASQ_H
#define _VPNMASQ_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack.h>
#include <linux/vpnmasq.h>

#include "core/calls.h"
#include "core/config.h"
#include "core/esp.h"
#include "core/isakmp.h"
#include "version.h"

/* GRE entries of live PPTP calls, checked against their control connection. */
struct vpnmasq_pptp_calls {
	spinlock_t lock;	/* protects list and n */
	struct list_head list;
	unsigned int n;
};

struct nf_ct_timeout;

struct vpnmasq_net {
	struct net *net;
	/* Replaced whole under @lock, read under RCU on the packet path. */
	struct vpnmasq_config __rcu *config;
	/* Serializes configuration changes of this namespace. */
	struct mutex lock;
	struct vpnmasq_stats __percpu *stats;
	/* What the counters read at the last reset, under @lock. */
	struct vpnmasq_stats stats_base;
	struct vm_tables tables;
	/* Expires idle associations and releases unused zones. */
	struct delayed_work gc_work;
	/* Passes ESP pending slots on when their wait is over. */
	struct delayed_work serial_work;
	struct nf_hook_ops *hook_ops;
	struct vpnmasq_pptp_calls pptp;
	/* Conntrack timeouts of vpnmasq's ISAKMP and ESP entries (ct.c). */
	struct nf_ct_timeout *ct_timeout_ike;
	struct nf_ct_timeout *ct_timeout_esp;
	/*
	 * Set in pre_exit: conntrack destroys the namespace's entries after
	 * vpnmasq's exit has freed the counters and tables, and their destroy
	 * callbacks must not touch either.
	 */
	bool dying;
};

extern unsigned int vpnmasq_net_id;

static inline struct vpnmasq_net *vpnmasq_pernet(const struct net *net)
{
	return net_generic(net, vpnmasq_net_id);
}

static inline void vpnmasq_stat_inc(struct vpnmasq_net *vn,
				    enum vpnmasq_stat stat)
{
	this_cpu_inc(vn->stats->cnt[stat]);
}

/* Both under vn->lock: the counters since the last reset, and a reset. */
void vpnmasq_stats_sum(struct vpnmasq_net *vn, struct vpnmasq_stats *sum);
void vpnmasq_stats_reset(struct vpnmasq_net *vn);
int vpnmasq_config_replace(struct vpnmasq_net *vn,
			   const struct vpnmasq_config *cfg);

struct nf_conntrack_helper;

/* GRE packets of one PPTP call, in the helper data of its GRE entry. */
struct vpnmasq_gre_count {
	atomic64_t packets[IP_CT_DIR_MAX];
};

/* ct.c: conntrack templates, the ct helper, verdicts, what conntrack knows */
int vpnmasq_ct_init(void);
void vpnmasq_ct_disable(void);
void vpnmasq_ct_exit(void);
bool vpnmasq_ct_live_in(const struct vpnmasq_net *vn);
int vpnmasq_attach_zone(struct vpnmasq_net *vn, struct sk_buff *skb, u16 zone,
			bool both_dirs);
struct nf_conn *vpnmasq_helper_tmpl_alloc(const struct nf_conntrack_zone *zone,
					  struct nf_conntrack_helper *helper,
					  gfp_t gfp);
bool vpnmasq_ct_tracked(const struct nf_conn *ct);
void vpnmasq_ct_flush_zoned(struct net *net);
void vpnmasq_ct_flush_unzoned(struct net *net,
			      const struct vpnmasq_config *cfg);
void vpnmasq_ct_flush_scope(struct net *net, const struct vpnmasq_config *cfg);
/*
 * True if conntrack already tracks @skb's flow without vpnmasq: for a
 * forwarded packet any such entry (a port forward's reply), for one to the
 * gateway a port forward. *@untracked: conntrack has no entry at all.
 */
bool vpnmasq_ct_foreign(struct net *net, const struct sk_buff *skb,
			bool to_local, bool *untracked);
unsigned int vpnmasq_verdict(struct vpnmasq_net *vn, struct sk_buff *skb,
			     const struct vm_decision *d);
unsigned int vpnmasq_verdict_deferred(struct vpnmasq_net *vn,
				      struct sk_buff *skb,
				      const struct vm_decision *d,
				      bool untracked);
bool vpnmasq_ct_deferred(const struct nf_conn *ct,
			 enum ip_conntrack_info ctinfo);
int vpnmasq_ct_timeouts_init(struct vpnmasq_net *vn,
			     const struct vpnmasq_config *cfg);
void vpnmasq_ct_timeouts_set(struct vpnmasq_net *vn,
			     const struct vpnmasq_config *cfg);
void vpnmasq_ct_timeouts_exit(struct vpnmasq_net *vn);
void vpnmasq_ct_set_timeout(struct vpnmasq_net *vn, struct nf_conn *ct,
			    enum ip_conntrack_info ctinfo);
void vpnmasq_ct_gone(struct vpnmasq_net *vn);
void vpnmasq_ct_unmark(struct nf_conn *ct);

/* hooks.c */
int vpnmasq_hooks_register(struct net *net);
void vpnmasq_hooks_unregister(struct net *net);

/* isakmp_hook.c; ISAKMP is UDP 500 -> 500 (icmp_hook.c and ct.c too) */
#define VPNMASQ_ISAKMP_PORT 500

static inline bool vpnmasq_isakmp_ports(const struct udphdr *uh)
{
	return uh->source == htons(VPNMASQ_ISAKMP_PORT) &&
	       uh->dest == htons(VPNMASQ_ISAKMP_PORT);
}

unsigned int vpnmasq_isakmp_prerouting(struct vpnmasq_net *vn,
				       const struct vpnmasq_config *cfg,
				       struct sk_buff *skb,
				       const struct nf_hook_state *state);
void vpnmasq_isakmp_recheck(struct vpnmasq_net *vn,
			    const struct vpnmasq_config *cfg,
			    const struct sk_buff *skb, struct vm_decision *d);
void vpnmasq_isakmp_local_out(struct vpnmasq_net *vn,
			      const struct vpnmasq_config *cfg,
			      struct sk_buff *skb);

/* esp_hook.c */
unsigned int vpnmasq_esp_prerouting(struct vpnmasq_net *vn,
				    const struct vpnmasq_config *cfg,
				    struct sk_buff *skb,
				    const struct nf_hook_state *state);
void vpnmasq_esp_recheck(struct vpnmasq_net *vn,
			 const struct vpnmasq_config *cfg,
			 const struct sk_buff *skb, struct vm_decision *d);
void vpnmasq_esp_release(void *pkt);
void vpnmasq_esp_drop(void *pkt);

/* icmp_hook.c */
unsigned int vpnmasq_icmp_prerouting(struct vpnmasq_net *vn,
				     const struct vpnmasq_config *cfg,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state);

/* pptp.c */
int vpnmasq_pptp_init(void);
void vpnmasq_pptp_exit(void);
unsigned int vpnmasq_pptp_prerouting(struct vpnmasq_net *vn,
				     const struct vpnmasq_config *cfg,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state);
void vpnmasq_pptp_net_init(struct vpnmasq_net *vn);
void vpnmasq_pptp_net_exit(struct vpnmasq_net *vn);
void vpnmasq_pptp_gc(struct vpnmasq_net *vn);
void vpnmasq_pptp_tracked(struct vpnmasq_net *vn,
			  const struct vpnmasq_config *cfg,
			  struct sk_buff *skb);
struct vpnmasq_pptp_info *vpnmasq_pptp_snapshot(struct net *net,
						unsigned int max,
						unsigned int *n);
unsigned int vpnmasq_pptp_flush(struct vpnmasq_net *vn, __be32 lan);

/* net.c */
void vpnmasq_serial_kick(struct vpnmasq_net *vn,
			 const struct vpnmasq_config *cfg);
int vpnmasq_net_init(void);
void vpnmasq_net_exit(void);
int vpnmasq_netlink_init(void);
void vpnmasq_netlink_exit(void);
/*
 * netlink.c: the "events" multicast group, may be called in softirq. The
 * senders check that events are wanted before building one.
 */
bool vpnmasq_events_wanted(const struct vpnmasq_net *vn);
bool vpnmasq_event_tables_wanted(const struct vm_tables *t);
void vpnmasq_event_tables(struct vm_tables *t, const struct vm_event *ev);
void vpnmasq_event_pptp(struct vpnmasq_net *vn, u8 type, u8 reason,
			const struct vpnmasq_pptp_info *call);

#endif /* _VPNMASQ_H */
