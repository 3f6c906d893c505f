// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink interface: tunables and counters of the caller's network
 * namespace. Single-attribute ranges live in the policies so that the core
 * reports them with the policy attached; handlers add cross-field checks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/mm.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "vpnmasq.h"

static struct netlink_range_validation timeout_range = {
	.min = VPNMASQ_TIMEOUT_MIN,
	.max = VPNMASQ_TIMEOUT_MAX,
};

static struct netlink_range_validation serial_wait_range = {
	.min = VPNMASQ_SERIAL_WAIT_MIN,
	.max = VPNMASQ_SERIAL_WAIT_MAX,
};

static struct netlink_range_validation max_assoc_range = {
	.min = VPNMASQ_MAX_ASSOC_MIN,
	.max = VPNMASQ_MAX_ASSOC_MAX,
};

static struct netlink_range_validation hold_max_range = {
	.min = 0,
	.max = VPNMASQ_HOLD_MAX_MAX,
};

static struct netlink_range_validation nego_window_range = {
	.min = VPNMASQ_NEGO_WINDOW_MIN,
	.max = VPNMASQ_NEGO_WINDOW_MAX,
};

static struct netlink_range_validation zone_range = {
	.min = 1,
	.max = 65535,
};

static const struct nla_policy vpnmasq_prefix_policy[VPNMASQ_PREFIX_A_MAX + 1] = {
	[VPNMASQ_PREFIX_A_ADDR] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[VPNMASQ_PREFIX_A_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
};

/* Inside VPNMASQ_A_CFG_LAN: prefixes only. */
static const struct nla_policy vpnmasq_lan_policy[VPNMASQ_A_MAX + 1] = {
	[VPNMASQ_A_PREFIX] = NLA_POLICY_NESTED(vpnmasq_prefix_policy),
};

static const struct nla_policy vpnmasq_set_config_policy[VPNMASQ_A_MAX + 1] = {
	[VPNMASQ_A_CFG_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[VPNMASQ_A_CFG_IKE_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &timeout_range),
	[VPNMASQ_A_CFG_ESP_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &timeout_range),
	[VPNMASQ_A_CFG_SERIAL_WAIT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &serial_wait_range),
	[VPNMASQ_A_CFG_MAX_ASSOC] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &max_assoc_range),
	[VPNMASQ_A_CFG_HOLD_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &hold_max_range),
	[VPNMASQ_A_CFG_ZONE_BASE] = NLA_POLICY_FULL_RANGE(NLA_U16, &zone_range),
	[VPNMASQ_A_CFG_ZONE_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U16,
							   &zone_range),
	[VPNMASQ_A_CFG_PPTP] = NLA_POLICY_MAX(NLA_U8, 1),
	[VPNMASQ_A_CFG_LAN] = NLA_POLICY_NESTED(vpnmasq_lan_policy),
	[VPNMASQ_A_CFG_NEGO_WINDOW] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &nego_window_range),
	[VPNMASQ_A_CFG_NEGO_SPIS] = NLA_POLICY_MAX(NLA_U32,
						   VPNMASQ_NEGO_SPIS_MAX),
	[VPNMASQ_A_CFG_NEGO_SETTLE] = NLA_POLICY_MAX(NLA_U32,
						     VPNMASQ_NEGO_SETTLE_MAX),
};

static const struct nla_policy vpnmasq_flush_policy[VPNMASQ_A_MAX + 1] = {
	[VPNMASQ_A_TABLE] = NLA_POLICY_MAX(NLA_U8, VPNMASQ_TABLE_MAX),
	[VPNMASQ_A_LAN] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
};

static const struct nla_policy vpnmasq_del_policy[VPNMASQ_A_MAX + 1] = {
	[VPNMASQ_A_ICOOKIE] = NLA_POLICY_EXACT_LEN(sizeof(__be64)),
	[VPNMASQ_A_SPI] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[VPNMASQ_A_REMOTE] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
};

/* Requests that take no attributes: strict parsing refuses any. */
static const struct nla_policy vpnmasq_empty_policy[VPNMASQ_A_MAX + 1];

static struct genl_family vpnmasq_genl_family;

static struct sk_buff *vpnmasq_reply_alloc(struct genl_info *info, u8 cmd,
					   void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, info->snd_portid, info->snd_seq,
			   &vpnmasq_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static int vpnmasq_put_lan(struct sk_buff *skb,
			   const struct vpnmasq_config *cfg)
{
	struct nlattr *lan, *prefix;
	unsigned int i;

	lan = nla_nest_start(skb, VPNMASQ_A_CFG_LAN);
	if (!lan)
		return -EMSGSIZE;
	for (i = 0; i < cfg->n_lan; i++) {
		prefix = nla_nest_start(skb, VPNMASQ_A_PREFIX);
		if (!prefix ||
		    nla_put_in_addr(skb, VPNMASQ_PREFIX_A_ADDR,
				    cfg->lan[i].addr) ||
		    nla_put_u8(skb, VPNMASQ_PREFIX_A_LEN,
			       hweight32((__force u32)cfg->lan[i].mask)))
			return -EMSGSIZE;
		nla_nest_end(skb, prefix);
	}
	nla_nest_end(skb, lan);
	return 0;
}

static int vpnmasq_put_config(struct sk_buff *skb,
			      const struct vpnmasq_config *cfg)
{
	if (vpnmasq_put_lan(skb, cfg) ||
	    nla_put_string(skb, VPNMASQ_A_VERSION, VPNMASQ_VERSION) ||
	    nla_put_u8(skb, VPNMASQ_A_CFG_ENABLED, cfg->enabled) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_IKE_TIMEOUT, cfg->ike_timeout) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_ESP_TIMEOUT, cfg->esp_timeout) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_SERIAL_WAIT, cfg->serial_wait) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_MAX_ASSOC, cfg->max_assoc) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_HOLD_MAX, cfg->hold_max) ||
	    nla_put_u16(skb, VPNMASQ_A_CFG_ZONE_BASE, cfg->zone_base) ||
	    nla_put_u16(skb, VPNMASQ_A_CFG_ZONE_COUNT, cfg->zone_count) ||
	    nla_put_u8(skb, VPNMASQ_A_CFG_PPTP, cfg->pptp) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_NEGO_WINDOW, cfg->nego_window) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_NEGO_SPIS, cfg->nego_spis) ||
	    nla_put_u32(skb, VPNMASQ_A_CFG_NEGO_SETTLE, cfg->nego_settle))
		return -EMSGSIZE;
	return 0;
}

static int vpnmasq_get_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));
	struct vpnmasq_config cfg;
	struct sk_buff *msg;
	void *hdr;

	rcu_read_lock();
	cfg = *rcu_dereference(vn->config);
	rcu_read_unlock();

	msg = vpnmasq_reply_alloc(info, VPNMASQ_CMD_GET_CONFIG, &hdr);
	if (!msg)
		return -ENOMEM;
	if (vpnmasq_put_config(msg, &cfg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static void vpnmasq_apply_attrs(struct vpnmasq_config *cfg,
				struct nlattr **tb)
{
	if (tb[VPNMASQ_A_CFG_ENABLED])
		cfg->enabled = nla_get_u8(tb[VPNMASQ_A_CFG_ENABLED]);
	if (tb[VPNMASQ_A_CFG_IKE_TIMEOUT])
		cfg->ike_timeout = nla_get_u32(tb[VPNMASQ_A_CFG_IKE_TIMEOUT]);
	if (tb[VPNMASQ_A_CFG_ESP_TIMEOUT])
		cfg->esp_timeout = nla_get_u32(tb[VPNMASQ_A_CFG_ESP_TIMEOUT]);
	if (tb[VPNMASQ_A_CFG_SERIAL_WAIT])
		cfg->serial_wait = nla_get_u32(tb[VPNMASQ_A_CFG_SERIAL_WAIT]);
	if (tb[VPNMASQ_A_CFG_MAX_ASSOC])
		cfg->max_assoc = nla_get_u32(tb[VPNMASQ_A_CFG_MAX_ASSOC]);
	if (tb[VPNMASQ_A_CFG_HOLD_MAX])
		cfg->hold_max = nla_get_u32(tb[VPNMASQ_A_CFG_HOLD_MAX]);
	if (tb[VPNMASQ_A_CFG_ZONE_BASE])
		cfg->zone_base = nla_get_u16(tb[VPNMASQ_A_CFG_ZONE_BASE]);
	if (tb[VPNMASQ_A_CFG_ZONE_COUNT])
		cfg->zone_count = nla_get_u16(tb[VPNMASQ_A_CFG_ZONE_COUNT]);
	if (tb[VPNMASQ_A_CFG_PPTP])
		cfg->pptp = nla_get_u8(tb[VPNMASQ_A_CFG_PPTP]);
	if (tb[VPNMASQ_A_CFG_NEGO_WINDOW])
		cfg->nego_window = nla_get_u32(tb[VPNMASQ_A_CFG_NEGO_WINDOW]);
	if (tb[VPNMASQ_A_CFG_NEGO_SPIS])
		cfg->nego_spis = nla_get_u32(tb[VPNMASQ_A_CFG_NEGO_SPIS]);
	if (tb[VPNMASQ_A_CFG_NEGO_SETTLE])
		cfg->nego_settle = nla_get_u32(tb[VPNMASQ_A_CFG_NEGO_SETTLE]);
}

/* A whole new LAN scope from VPNMASQ_A_CFG_LAN (validated by policy). */
static int vpnmasq_parse_lan(struct vpnmasq_config *cfg,
			     const struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VPNMASQ_PREFIX_A_MAX + 1];
	const struct nlattr *a;
	unsigned int i;
	int rem, err;
	__be32 addr;
	u8 len;

	cfg->n_lan = 0;
	nla_for_each_nested(a, nest, rem) {
		err = nla_parse_nested(tb, VPNMASQ_PREFIX_A_MAX, a,
				       vpnmasq_prefix_policy, extack);
		if (err)
			return err;
		if (!tb[VPNMASQ_PREFIX_A_ADDR] || !tb[VPNMASQ_PREFIX_A_LEN]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "lan prefix needs an address and a length");
			return -EINVAL;
		}
		addr = nla_get_in_addr(tb[VPNMASQ_PREFIX_A_ADDR]);
		len = nla_get_u8(tb[VPNMASQ_PREFIX_A_LEN]);
		for (i = 0; i < cfg->n_lan; i++) {
			if (cfg->lan[i].addr == addr &&
			    cfg->lan[i].mask == vpnmasq_prefix_mask(len)) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "lan prefix given twice");
				return -EINVAL;
			}
		}
		err = vpnmasq_lan_add(cfg, addr, len);
		if (err == -E2BIG) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "more lan prefixes than VPNMASQ_LAN_MAX (16)");
			return -E2BIG;
		}
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VPNMASQ_PREFIX_A_ADDR],
					    "lan prefix has host bits set");
			return err;
		}
	}
	return 0;
}

/*
 * A new scope: once no packet still reads the old one, the associations
 * it no longer covers end with their conntrack entries, and masqueraded
 * entries it now covers make room for associated ones.
 */
static void vpnmasq_scope_changed(struct vpnmasq_net *vn,
				  const struct vpnmasq_config *cfg)
{
	synchronize_rcu();
	vm_tables_flush_scope(&vn->tables, cfg);
	vpnmasq_ct_gone(vn);
	vpnmasq_ct_flush_scope(vn->net, cfg);
}

static int vpnmasq_set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	struct vpnmasq_config *cfg, *old;
	bool any = tb[VPNMASQ_A_CFG_LAN] || tb[VPNMASQ_A_CFG_NEGO_WINDOW] ||
		   tb[VPNMASQ_A_CFG_NEGO_SPIS] || tb[VPNMASQ_A_CFG_NEGO_SETTLE];
	int i, err;

	for (i = VPNMASQ_A_CFG_ENABLED; i <= VPNMASQ_A_CFG_PPTP; i++)
		any |= !!tb[i];
	if (!any) {
		NL_SET_ERR_MSG_MOD(info->extack, "no tunable given");
		return -EINVAL;
	}
	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	mutex_lock(&vn->lock);
	old = rcu_dereference_protected(vn->config, lockdep_is_held(&vn->lock));
	*cfg = *old;
	vpnmasq_apply_attrs(cfg, tb);
	err = 0;
	if (tb[VPNMASQ_A_CFG_LAN])
		err = vpnmasq_parse_lan(cfg, tb[VPNMASQ_A_CFG_LAN],
					info->extack);
	if (!err && !vpnmasq_zones_fit(cfg)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[VPNMASQ_A_CFG_ZONE_COUNT] ?:
				    tb[VPNMASQ_A_CFG_ZONE_BASE],
				    "zone_base + zone_count exceeds 65536");
		err = -ERANGE;
	}
	if (!err) {
		bool scope = !vpnmasq_lan_equal(cfg, old);

		err = vpnmasq_config_replace(vn, cfg);
		if (!err && scope)
			vpnmasq_scope_changed(vn, cfg);
	}
	mutex_unlock(&vn->lock);
	kfree(cfg);
	return err;
}

static int vpnmasq_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));
	struct vpnmasq_stats *sum;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i, err = -EMSGSIZE;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	mutex_lock(&vn->lock);
	vpnmasq_stats_sum(vn, sum);
	mutex_unlock(&vn->lock);

	msg = vpnmasq_reply_alloc(info, VPNMASQ_CMD_GET_STATS, &hdr);
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	nest = nla_nest_start(msg, VPNMASQ_A_STATS);
	if (!nest)
		goto out_free;
	for (i = VPNMASQ_STAT_PAD + 1; i < __VPNMASQ_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, i, sum->cnt[i], VPNMASQ_STAT_PAD))
			goto out_free;
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, VPNMASQ_A_N_HOSTS, READ_ONCE(vn->tables.n_hosts)) ||
	    nla_put_u32(msg, VPNMASQ_A_N_IKE, READ_ONCE(vn->tables.n_ike)) ||
	    nla_put_u32(msg, VPNMASQ_A_N_ESP, READ_ONCE(vn->tables.n_esp)) ||
	    nla_put_u32(msg, VPNMASQ_A_N_HELD, READ_ONCE(vn->tables.n_held)))
		goto out_free;
	genlmsg_end(msg, hdr);
	kfree(sum);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out:
	kfree(sum);
	return err;
}

static int vpnmasq_put_ike(struct sk_buff *skb, const void *info,
			   unsigned long now)
{
	const struct vm_ike_info *e = info;
	struct nlattr *nest = nla_nest_start(skb, VPNMASQ_A_IKE);

	if (!nest ||
	    nla_put_in_addr(skb, VPNMASQ_IKE_A_REMOTE, e->remote) ||
	    nla_put_in_addr(skb, VPNMASQ_IKE_A_LAN, e->lan) ||
	    nla_put_be64(skb, VPNMASQ_IKE_A_ICOOKIE, e->icookie,
			 VPNMASQ_IKE_A_PAD) ||
	    nla_put_be64(skb, VPNMASQ_IKE_A_RCOOKIE, e->rcookie,
			 VPNMASQ_IKE_A_PAD) ||
	    nla_put_u16(skb, VPNMASQ_IKE_A_ZONE, e->zone) ||
	    nla_put_u32(skb, VPNMASQ_IKE_A_IDLE_MS,
			jiffies_to_msecs(now - e->last_seen)) ||
	    nla_put_u64_64bit(skb, VPNMASQ_IKE_A_PACKETS, e->packets,
			      VPNMASQ_IKE_A_PAD) ||
	    nla_put_u8(skb, VPNMASQ_IKE_A_HOW, e->how))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int vpnmasq_put_esp(struct sk_buff *skb, const void *info,
			   unsigned long now)
{
	const struct vm_esp_info *e = info;
	struct nlattr *nest = nla_nest_start(skb, VPNMASQ_A_ESP);

	if (!nest ||
	    nla_put_in_addr(skb, VPNMASQ_ESP_A_REMOTE, e->remote) ||
	    nla_put_in_addr(skb, VPNMASQ_ESP_A_LAN, e->lan) ||
	    nla_put_be32(skb, VPNMASQ_ESP_A_SPI, e->spi) ||
	    nla_put_u8(skb, VPNMASQ_ESP_A_DIR, e->dir == VM_ESP_IN ?
		       VPNMASQ_ESP_DIR_IN : VPNMASQ_ESP_DIR_OUT) ||
	    nla_put_u16(skb, VPNMASQ_ESP_A_ZONE, e->zone) ||
	    nla_put_u32(skb, VPNMASQ_ESP_A_IDLE_MS,
			jiffies_to_msecs(now - e->last_seen)) ||
	    nla_put_u64_64bit(skb, VPNMASQ_ESP_A_PACKETS, e->packets,
			      VPNMASQ_ESP_A_PAD) ||
	    nla_put_u64_64bit(skb, VPNMASQ_ESP_A_BYTES, e->bytes,
			      VPNMASQ_ESP_A_PAD) ||
	    nla_put_u8(skb, VPNMASQ_ESP_A_HOW, e->how))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int vpnmasq_put_pending(struct sk_buff *skb, const void *info,
			       unsigned long now)
{
	const struct vm_pending_info *e = info;
	struct nlattr *nest = nla_nest_start(skb, VPNMASQ_A_PENDING);

	if (!nest ||
	    nla_put_in_addr(skb, VPNMASQ_PENDING_A_REMOTE, e->remote) ||
	    nla_put_in_addr(skb, VPNMASQ_PENDING_A_LAN, e->lan) ||
	    nla_put_be32(skb, VPNMASQ_PENDING_A_SPI, e->spi) ||
	    nla_put_u32(skb, VPNMASQ_PENDING_A_AGE_MS,
			jiffies_to_msecs(now - e->since)) ||
	    nla_put_u32(skb, VPNMASQ_PENDING_A_HELD, e->held) ||
	    nla_put_u32(skb, VPNMASQ_PENDING_A_WAITING, e->waiting_hosts) ||
	    nla_put_u8(skb, VPNMASQ_PENDING_A_KIND,
		       e->kind == VM_SLOT_NEGO ? VPNMASQ_SLOT_NEGOTIATING :
		       VPNMASQ_SLOT_SENT))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int vpnmasq_put_nego(struct sk_buff *skb, const void *info,
			    unsigned long now)
{
	const struct vm_nego_info *e = info;
	struct nlattr *nest = nla_nest_start(skb, VPNMASQ_A_NEGO);
	u32 left = e->open ? jiffies_to_msecs(e->until - now) : 0;

	if (!nest ||
	    nla_put_in_addr(skb, VPNMASQ_NEGO_A_REMOTE, e->remote) ||
	    nla_put_in_addr(skb, VPNMASQ_NEGO_A_LAN, e->lan) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_SPIS, e->spis) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_IKE_SAS, e->ike_sas) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_PAIRED, e->paired) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_IN_FLIGHT, e->in_flight) ||
	    nla_put_u8(skb, VPNMASQ_NEGO_A_EXCHANGE, e->exchange) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_LEFT_MS, left) ||
	    nla_put_u32(skb, VPNMASQ_NEGO_A_COMPLETED, e->completed))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The typed snapshots of core/dump.c, behind one signature for the dumps. */
static unsigned int vpnmasq_snap_ike(struct vm_tables *t, unsigned long skip,
				     void *out, unsigned int max, u32 *gen)
{
	return vm_ike_snapshot(t, skip, out, max, gen);
}

static unsigned int vpnmasq_snap_esp(struct vm_tables *t, unsigned long skip,
				     void *out, unsigned int max, u32 *gen)
{
	return vm_esp_snapshot(t, skip, out, max, gen);
}

static unsigned int vpnmasq_snap_pending(struct vm_tables *t,
					 unsigned long skip, void *out,
					 unsigned int max, u32 *gen)
{
	return vm_pending_snapshot(t, skip, out, max, gen);
}

static unsigned int vpnmasq_snap_nego(struct vm_tables *t, unsigned long skip,
				      void *out, unsigned int max, u32 *gen)
{
	return vm_nego_snapshot(t, skip, out, max, gen);
}

struct vpnmasq_table_dump {
	u8 cmd;
	size_t info_size;
	unsigned int (*snapshot)(struct vm_tables *t, unsigned long skip,
				 void *out, unsigned int max, u32 *gen);
	int (*put)(struct sk_buff *skb, const void *info, unsigned long now);
};

static const struct vpnmasq_table_dump vpnmasq_dump_ike = {
	.cmd = VPNMASQ_CMD_GET_IKE,
	.info_size = sizeof(struct vm_ike_info),
	.snapshot = vpnmasq_snap_ike,
	.put = vpnmasq_put_ike,
};

static const struct vpnmasq_table_dump vpnmasq_dump_esp = {
	.cmd = VPNMASQ_CMD_GET_ESP,
	.info_size = sizeof(struct vm_esp_info),
	.snapshot = vpnmasq_snap_esp,
	.put = vpnmasq_put_esp,
};

static const struct vpnmasq_table_dump vpnmasq_dump_pending = {
	.cmd = VPNMASQ_CMD_GET_PENDING,
	.info_size = sizeof(struct vm_pending_info),
	.snapshot = vpnmasq_snap_pending,
	.put = vpnmasq_put_pending,
};

static const struct vpnmasq_table_dump vpnmasq_dump_nego = {
	.cmd = VPNMASQ_CMD_GET_NEGO,
	.info_size = sizeof(struct vm_nego_info),
	.snapshot = vpnmasq_snap_nego,
	.put = vpnmasq_put_nego,
};

#define VPNMASQ_DUMP_BATCH 64

/*
 * Resumes at the position after the entries already sent (cb->args[0]).
 * The tables' generation changes with every entry added or removed, so a
 * dump that raced with a change is flagged NLM_F_DUMP_INTR and retried by
 * the client instead of listing an entry twice or missing one.
 */
static int vpnmasq_dump_table(struct sk_buff *skb, struct netlink_callback *cb,
			      const struct vpnmasq_table_dump *d)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(sock_net(skb->sk));
	unsigned long now = jiffies;
	unsigned int n, i;
	void *batch;
	u32 gen;

	batch = kmalloc_array(VPNMASQ_DUMP_BATCH, d->info_size, GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	n = d->snapshot(&vn->tables, cb->args[0], batch, VPNMASQ_DUMP_BATCH,
			&gen);
	/* 0 would turn the check off. */
	cb->seq = gen | 1U << 31;
	for (i = 0; i < n; i++) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq,
					&vpnmasq_genl_family, NLM_F_MULTI,
					d->cmd);

		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (d->put(skb, batch + i * d->info_size, now)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	kfree(batch);
	cb->args[0] += i;
	return i ? skb->len : 0;
}

static int vpnmasq_get_ike_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	return vpnmasq_dump_table(skb, cb, &vpnmasq_dump_ike);
}

static int vpnmasq_get_esp_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	return vpnmasq_dump_table(skb, cb, &vpnmasq_dump_esp);
}

static int vpnmasq_get_pending_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	return vpnmasq_dump_table(skb, cb, &vpnmasq_dump_pending);
}

static int vpnmasq_get_nego_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	return vpnmasq_dump_table(skb, cb, &vpnmasq_dump_nego);
}

static int vpnmasq_put_pptp(struct sk_buff *skb,
			    const struct vpnmasq_pptp_info *c)
{
	struct nlattr *nest = nla_nest_start(skb, VPNMASQ_A_PPTP);

	if (!nest ||
	    nla_put_in_addr(skb, VPNMASQ_PPTP_A_LAN, c->lan) ||
	    nla_put_u16(skb, VPNMASQ_PPTP_A_LAN_PORT, c->lan_port) ||
	    nla_put_in_addr(skb, VPNMASQ_PPTP_A_SERVER, c->server) ||
	    nla_put_in_addr(skb, VPNMASQ_PPTP_A_MASQ_ADDR, c->masq_addr) ||
	    nla_put_u16(skb, VPNMASQ_PPTP_A_MASQ_PORT, c->masq_port) ||
	    nla_put_u16(skb, VPNMASQ_PPTP_A_PNS_CALL_ID, c->pns_call_id) ||
	    nla_put_u16(skb, VPNMASQ_PPTP_A_PNS_CALL_ID_MASQ,
			c->pns_call_id_masq) ||
	    nla_put_u16(skb, VPNMASQ_PPTP_A_PAC_CALL_ID, c->pac_call_id) ||
	    nla_put_u8(skb, VPNMASQ_PPTP_A_SESSION, c->session) ||
	    nla_put_u8(skb, VPNMASQ_PPTP_A_CALL, c->call) ||
	    nla_put_u64_64bit(skb, VPNMASQ_PPTP_A_GRE_OUT, c->gre_out,
			      VPNMASQ_PPTP_A_PAD) ||
	    nla_put_u64_64bit(skb, VPNMASQ_PPTP_A_GRE_IN, c->gre_in,
			      VPNMASQ_PPTP_A_PAD) ||
	    nla_put_u8(skb, VPNMASQ_PPTP_A_FORWARDED, c->forwarded))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The calls live in conntrack, not in a table of ours: one walk when the
 * dump starts. cb->args: [0] sent, [1] the snapshot, [2] its length.
 */
static int vpnmasq_get_pptp_start(struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct vpnmasq_net *vn = vpnmasq_pernet(net);
	struct vpnmasq_pptp_info *calls;
	unsigned int max, n;

	/* A call has a control and a GRE entry; slack for the walk's time. */
	rcu_read_lock();
	max = min(rcu_dereference(vn->config)->max_assoc,
		  nf_conntrack_count(net) + 16);
	rcu_read_unlock();
	calls = vpnmasq_pptp_snapshot(net, max, &n);
	if (IS_ERR(calls))
		return PTR_ERR(calls);
	cb->args[1] = (unsigned long)calls;
	cb->args[2] = n;
	return 0;
}

static int vpnmasq_get_pptp_done(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[1]);
	return 0;
}

static int vpnmasq_get_pptp_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	const struct vpnmasq_pptp_info *calls = (void *)cb->args[1];
	unsigned long i;

	for (i = cb->args[0]; i < cb->args[2]; i++) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq,
					&vpnmasq_genl_family, NLM_F_MULTI,
					VPNMASQ_CMD_GET_PPTP);

		if (!hdr)
			break;
		if (vpnmasq_put_pptp(skb, &calls[i])) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

static int vpnmasq_reply_removed(struct genl_info *info, u8 cmd, u32 n)
{
	struct sk_buff *msg;
	void *hdr;

	msg = vpnmasq_reply_alloc(info, cmd, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, VPNMASQ_A_N_REMOVED, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int vpnmasq_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	u8 table = VPNMASQ_TABLE_ALL;
	unsigned int what = 0;
	__be32 lan = 0;
	u32 n = 0;

	if (tb[VPNMASQ_A_TABLE])
		table = nla_get_u8(tb[VPNMASQ_A_TABLE]);
	if (tb[VPNMASQ_A_LAN]) {
		lan = nla_get_in_addr(tb[VPNMASQ_A_LAN]);
		if (!lan) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[VPNMASQ_A_LAN],
					    "0.0.0.0 is not a LAN host");
			return -EINVAL;
		}
	}
	if (table == VPNMASQ_TABLE_ALL || table == VPNMASQ_TABLE_IKE)
		what |= VM_FLUSH_IKE;
	if (table == VPNMASQ_TABLE_ALL || table == VPNMASQ_TABLE_ESP)
		what |= VM_FLUSH_ESP;
	if (what) {
		n += vm_tables_flush(&vn->tables, lan, what);
		vpnmasq_ct_gone(vn);
	}
	if (table == VPNMASQ_TABLE_ALL || table == VPNMASQ_TABLE_PPTP)
		n += vpnmasq_pptp_flush(vn, lan);
	return vpnmasq_reply_removed(info, VPNMASQ_CMD_FLUSH, n);
}

static int vpnmasq_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	__be32 remote = 0;
	u32 n;

	if (!tb[VPNMASQ_A_ICOOKIE] == !tb[VPNMASQ_A_SPI]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "give either an ISAKMP cookie or an ESP SPI");
		return -EINVAL;
	}
	if (tb[VPNMASQ_A_REMOTE])
		remote = nla_get_in_addr(tb[VPNMASQ_A_REMOTE]);
	if (tb[VPNMASQ_A_ICOOKIE]) {
		n = vm_ike_del_cookie(&vn->tables,
				      nla_get_be64(tb[VPNMASQ_A_ICOOKIE]),
				      remote);
		vpnmasq_ct_gone(vn);
		if (!n) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[VPNMASQ_A_ICOOKIE],
					    "no ISAKMP association with this cookie");
			return -ENOENT;
		}
	} else {
		n = vm_esp_del_spi(&vn->tables,
				   nla_get_be32(tb[VPNMASQ_A_SPI]), remote);
		if (!n) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[VPNMASQ_A_SPI],
					    "no ESP association with this SPI");
			return -ENOENT;
		}
	}
	return vpnmasq_reply_removed(info, VPNMASQ_CMD_DEL, n);
}

static int vpnmasq_reset_stats_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct vpnmasq_net *vn = vpnmasq_pernet(genl_info_net(info));

	mutex_lock(&vn->lock);
	vpnmasq_stats_reset(vn);
	mutex_unlock(&vn->lock);
	return 0;
}

static const struct genl_ops vpnmasq_genl_ops[] = {
	{
		.cmd = VPNMASQ_CMD_GET_CONFIG,
		.doit = vpnmasq_get_config_doit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_SET_CONFIG,
		.doit = vpnmasq_set_config_doit,
		.policy = vpnmasq_set_config_policy,
		.maxattr = VPNMASQ_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VPNMASQ_CMD_GET_STATS,
		.doit = vpnmasq_get_stats_doit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_GET_IKE,
		.dumpit = vpnmasq_get_ike_dumpit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_GET_ESP,
		.dumpit = vpnmasq_get_esp_dumpit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_GET_PENDING,
		.dumpit = vpnmasq_get_pending_dumpit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_GET_NEGO,
		.dumpit = vpnmasq_get_nego_dumpit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_GET_PPTP,
		.start = vpnmasq_get_pptp_start,
		.dumpit = vpnmasq_get_pptp_dumpit,
		.done = vpnmasq_get_pptp_done,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
	},
	{
		.cmd = VPNMASQ_CMD_FLUSH,
		.doit = vpnmasq_flush_doit,
		.policy = vpnmasq_flush_policy,
		.maxattr = VPNMASQ_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VPNMASQ_CMD_DEL,
		.doit = vpnmasq_del_doit,
		.policy = vpnmasq_del_policy,
		.maxattr = VPNMASQ_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VPNMASQ_CMD_RESET_STATS,
		.doit = vpnmasq_reset_stats_doit,
		.policy = vpnmasq_empty_policy,
		.maxattr = VPNMASQ_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vpnmasq_mcgrps[] = {
	{ .name = VPNMASQ_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family vpnmasq_genl_family __ro_after_init = {
	.name = VPNMASQ_GENL_NAME,
	.version = VPNMASQ_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.parallel_ops = true,
	.ops = vpnmasq_genl_ops,
	.n_ops = ARRAY_SIZE(vpnmasq_genl_ops),
	.mcgrps = vpnmasq_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vpnmasq_mcgrps),
};

/* ---- events ---------------------------------------------------------- */

/*
 * An event's payload: the event and reason u8s and the largest nest (a
 * PPTP call, 14 attributes). Sized to it, not to a page, so that a flush
 * of thousands of entries fits a listener's socket buffer.
 */
#define VPNMASQ_EVENT_SIZE	(2 * nla_total_size(sizeof(u8)) + \
				 nla_total_size(0) + \
				 6 * nla_total_size(sizeof(u32)) + \
				 3 * nla_total_size(sizeof(u8)) + \
				 2 * nla_total_size_64bit(sizeof(u64)) + \
				 3 * nla_total_size(sizeof(u32)))

/* Cleared before the family goes; events are sent under RCU. */
static bool vpnmasq_events_live __read_mostly;

/* Events are built only while someone in the namespace listens. */
bool vpnmasq_events_wanted(const struct vpnmasq_net *vn)
{
	return READ_ONCE(vpnmasq_events_live) &&
	       genl_has_listeners(&vpnmasq_genl_family, vn->net, 0);
}

/* vm_tables.listening */
bool vpnmasq_event_tables_wanted(const struct vm_tables *t)
{
	return vpnmasq_events_wanted(container_of(t, struct vpnmasq_net,
						  tables));
}

static struct sk_buff *vpnmasq_event_start(struct vpnmasq_net *vn, u8 type,
					   u8 reason, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(VPNMASQ_EVENT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	*hdr = genlmsg_put(skb, 0, 0, &vpnmasq_genl_family, 0,
			   VPNMASQ_CMD_EVENT);
	if (!*hdr ||
	    nla_put_u8(skb, VPNMASQ_A_EVENT, type) ||
	    nla_put_u8(skb, VPNMASQ_A_REASON, reason))
		goto lost_free;
	return skb;

lost_free:
	nlmsg_free(skb);
lost:
	vpnmasq_stat_inc(vn, VPNMASQ_STAT_EVENTS_LOST);
	return NULL;
}

/* @err: whether the entry's nest could be put. */
static void vpnmasq_event_send(struct vpnmasq_net *vn, struct sk_buff *skb,
			       void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_EVENTS_LOST);
		return;
	}
	genlmsg_end(skb, hdr);
	err = genlmsg_multicast_netns(&vpnmasq_genl_family, vn->net, skb, 0,
				      0, GFP_ATOMIC);
	/* ESRCH: the last listener left meanwhile. */
	if (err && err != -ESRCH)
		vpnmasq_stat_inc(vn, VPNMASQ_STAT_EVENTS_LOST);
}

/* vm_tables.notify: under the tables' lock, BHs off, when wanted. */
void vpnmasq_event_tables(struct vm_tables *t, const struct vm_event *ev)
{
	struct vpnmasq_net *vn = container_of(t, struct vpnmasq_net, tables);
	unsigned long now = jiffies;
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = vpnmasq_event_start(vn, ev->type, ev->reason, &hdr);
	if (!skb)
		return;
	switch (ev->kind) {
	case VM_EV_IKE:
		err = vpnmasq_put_ike(skb, &ev->ike, now);
		break;
	case VM_EV_ESP:
		err = vpnmasq_put_esp(skb, &ev->esp, now);
		break;
	default:
		err = vpnmasq_put_pending(skb, &ev->pending, now);
		break;
	}
	vpnmasq_event_send(vn, skb, hdr, err);
}

void vpnmasq_event_pptp(struct vpnmasq_net *vn, u8 type, u8 reason,
			const struct vpnmasq_pptp_info *call)
{
	struct sk_buff *skb;
	void *hdr;

	skb = vpnmasq_event_start(vn, type, reason, &hdr);
	if (skb)
		vpnmasq_event_send(vn, skb, hdr, vpnmasq_put_pptp(skb, call));
}

int __init vpnmasq_netlink_init(void)
{
	int err = genl_register_family(&vpnmasq_genl_family);

	if (!err)
		WRITE_ONCE(vpnmasq_events_live, true);
	return err;
}

void vpnmasq_netlink_exit(void)
{
	WRITE_ONCE(vpnmasq_events_live, false);
	synchronize_rcu();
	genl_unregister_family(&vpnmasq_genl_family);
}
