// SPDX-License-Identifier: GPL-2.0
/*
 * The end of associations: idle expiry, the end of their conntrack entry,
 * flushes, deletions and the scope's changes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "internal.h"

void vm_flow_ct_destroyed(struct vm_tables *t, __be32 lan, __be32 remote,
			  u8 l4proto)
{
	struct vm_flow_key key = { .lan = lan, .remote = remote };
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	struct vm_flow *f;

	if (l4proto != IPPROTO_UDP && l4proto != IPPROTO_ESP)
		return;
	spin_lock_bh(&t->lock);
	f = t->dead ? NULL :
		rhashtable_lookup_fast(&t->flows, &key, vm_flow_params);
	if (f) {
		if (l4proto == IPPROTO_UDP) {
			list_for_each_entry_safe(e, etmp, &f->ike, list)
				vm_ike_del(t, e, VPNMASQ_REASON_CT_GONE);
		} else {
			list_for_each_entry_safe(s, stmp, &f->esp, list)
				vm_esp_del(t, s, VPNMASQ_REASON_CT_GONE);
		}
		vm_flow_put_if_unused(t, f);
	}
	spin_unlock_bh(&t->lock);
}

static bool vm_idle(unsigned long last, unsigned long now,
		    unsigned long timeout)
{
	return time_after(now, last + timeout);
}

unsigned int vm_tables_gc(struct vm_tables *t, const struct vpnmasq_config *cfg,
			  unsigned long now)
{
	unsigned long ike_to = (unsigned long)cfg->ike_timeout * HZ;
	unsigned long esp_to = (unsigned long)cfg->esp_timeout * HZ;
	unsigned long oldest, seen, idle;
	struct vm_flow *f, *ftmp;
	struct vm_host *h, *htmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (f->n_esp && vm_idle(f->esp_oldest, now, esp_to)) {
			oldest = now;
			list_for_each_entry_safe(s, stmp, &f->esp, list) {
				seen = READ_ONCE(s->last_seen);
				if (vm_idle(seen, now, esp_to)) {
					vm_esp_del(t, s, VPNMASQ_REASON_EXPIRED);
					vm_stat(t, VPNMASQ_STAT_ESP_EXPIRED);
					n++;
				} else if (time_before(seen, oldest)) {
					oldest = seen;
				}
			}
			f->esp_oldest = oldest;
		}
		/*
		 * One tunnel, one lifetime: IKE SAs stay while the host's ESP
		 * with that remote lives, however quiet they are. An exchange
		 * the remote never answered ends as soon as conntrack would
		 * have ended an unanswered flow.
		 */
		idle = READ_ONCE(f->ike_answered) ? ike_to :
		       min(ike_to, t->ike_unanswered);
		if (f->n_ike && !f->n_esp && vm_idle(f->ike_oldest, now, idle)) {
			oldest = now;
			list_for_each_entry_safe(e, etmp, &f->ike, list) {
				seen = READ_ONCE(e->last_seen);
				if (vm_idle(seen, now, idle)) {
					vm_ike_del(t, e, VPNMASQ_REASON_EXPIRED);
					vm_stat(t, VPNMASQ_STAT_IKE_EXPIRED);
					n++;
				} else if (time_before(seen, oldest)) {
					oldest = seen;
				}
			}
			f->ike_oldest = oldest;
		}
		if (f->nego)
			vm_nego_gc(t, f, cfg, now);
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry_safe(e, etmp, &t->local_ike, list) {
		if (vm_idle(READ_ONCE(e->last_seen), now, ike_to)) {
			struct vm_peer *p;

			p = rhashtable_lookup_fast(&t->peers, &e->key.remote,
						   vm_peer_params);
			vm_ike_del(t, e, VPNMASQ_REASON_EXPIRED);
			vm_stat(t, VPNMASQ_STAT_IKE_EXPIRED);
			n++;
			if (p)
				vm_peer_put_if_unused(t, p);
		}
	}
	list_for_each_entry_safe(h, htmp, &t->hosts_all, all_node) {
		if (!h->nflows &&
		    vm_idle(READ_ONCE(h->last_seen), now, t->zone_hold))
			vm_host_del(t, h);
	}
	spin_unlock_bh(&t->lock);
	return n;
}

static unsigned int vm_local_ike_flush(struct vm_tables *t,
				       enum vpnmasq_reason reason,
				       const __be64 *icookie, __be32 remote)
{
	struct vm_ike *e, *etmp;
	struct vm_peer *p;
	unsigned int n = 0;

	list_for_each_entry_safe(e, etmp, &t->local_ike, list) {
		if ((icookie && e->key.icookie != *icookie) ||
		    (remote && e->key.remote != remote))
			continue;
		p = rhashtable_lookup_fast(&t->peers, &e->key.remote,
					   vm_peer_params);
		vm_ike_del(t, e, reason);
		n++;
		if (p)
			vm_peer_put_if_unused(t, p);
	}
	return n;
}

unsigned int vm_tables_flush(struct vm_tables *t, __be32 lan,
			     unsigned int what)
{
	struct vm_peer *p, *ptmp;
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	/* Serialization state first: it pins flows and peers. */
	list_for_each_entry_safe(p, ptmp, &t->pending_peers, pending_node) {
		if (!(what & VM_FLUSH_ESP))
			break;
		f = p->pending;
		if (!lan || f->key.lan == lan) {
			/* Without the slot nobody would release them. */
			vm_held_flush(t, p, 0);
			vm_pending_clear(t, p, VPNMASQ_REASON_FLUSHED);
			vm_flow_put_if_unused(t, f);
		} else {
			vm_held_flush(t, p, lan);
		}
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (lan && f->key.lan != lan)
			continue;
		if (what & VM_FLUSH_IKE) {
			list_for_each_entry_safe(e, etmp, &f->ike, list) {
				vm_ike_del(t, e, VPNMASQ_REASON_FLUSHED);
				n++;
			}
		}
		if (what & VM_FLUSH_ESP) {
			list_for_each_entry_safe(s, stmp, &f->esp, list) {
				vm_esp_del(t, s, VPNMASQ_REASON_FLUSHED);
				n++;
			}
		}
		vm_flow_put_if_unused(t, f);
	}
	if (!lan && (what & VM_FLUSH_IKE))
		n += vm_local_ike_flush(t, VPNMASQ_REASON_FLUSHED, NULL, 0);
	spin_unlock_bh(&t->lock);
	return n;
}

unsigned int vm_tables_flush_scope(struct vm_tables *t,
				   const struct vpnmasq_config *cfg)
{
	struct vm_held *h, *htmp;
	struct vm_peer *p, *ptmp;
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	struct vm_esp *s, *stmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(p, ptmp, &t->pending_peers, pending_node) {
		list_for_each_entry_safe(h, htmp, &p->held, node) {
			if (vpnmasq_lan_outbound(cfg, h->lan, p->addr))
				continue;
			vm_held_unlink(t, p, h);
			vm_held_finish(t, h, false);
		}
		f = p->pending;
		if (vpnmasq_lan_outbound(cfg, f->key.lan, p->addr))
			continue;
		vm_pending_clear(t, p, VPNMASQ_REASON_SCOPE);
		vm_esp_promote(t, cfg, p, jiffies);
		vm_flow_put_if_unused(t, f);
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (vpnmasq_lan_outbound(cfg, f->key.lan, f->key.remote))
			continue;
		list_for_each_entry_safe(e, etmp, &f->ike, list) {
			vm_ike_del(t, e, VPNMASQ_REASON_SCOPE);
			n++;
		}
		list_for_each_entry_safe(s, stmp, &f->esp, list) {
			vm_esp_del(t, s, VPNMASQ_REASON_SCOPE);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
	spin_unlock_bh(&t->lock);
	return n;
}

/* With the remote known the entry is found by its key, not by a walk. */
static unsigned int vm_ike_del_key(struct vm_tables *t, __be64 icookie,
				   __be32 remote)
{
	struct vm_ike_key key = { .remote = remote, .icookie = icookie };
	struct vm_flow *f;
	struct vm_peer *p;
	struct vm_ike *e;

	e = rhashtable_lookup_fast(&t->ike, &key, vm_ike_params);
	if (!e)
		return 0;
	f = e->flow;
	p = f ? NULL : rhashtable_lookup_fast(&t->peers, &remote,
					      vm_peer_params);
	vm_ike_del(t, e, VPNMASQ_REASON_DELETED);
	if (f)
		vm_flow_put_if_unused(t, f);
	else if (p)
		vm_peer_put_if_unused(t, p);
	return 1;
}

unsigned int vm_ike_del_cookie(struct vm_tables *t, __be64 icookie,
			       __be32 remote)
{
	struct vm_flow *f, *ftmp;
	struct vm_ike *e, *etmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	if (remote) {
		n = vm_ike_del_key(t, icookie, remote);
		goto out;
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		if (remote && f->key.remote != remote)
			continue;
		list_for_each_entry_safe(e, etmp, &f->ike, list) {
			if (e->key.icookie != icookie)
				continue;
			vm_ike_del(t, e, VPNMASQ_REASON_DELETED);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
	n += vm_local_ike_flush(t, VPNMASQ_REASON_DELETED, &icookie, remote);
out:
	spin_unlock_bh(&t->lock);
	return n;
}

unsigned int vm_esp_del_spi(struct vm_tables *t, __be32 spi, __be32 remote)
{
	struct vm_esp_key key = { .remote = remote, .spi = spi };
	struct vm_flow *f, *ftmp;
	struct vm_esp *e, *etmp;
	unsigned int n = 0;

	spin_lock_bh(&t->lock);
	if (remote) {
		/* Both directions, found by their keys. */
		for (key.dir = VM_ESP_IN; key.dir <= VM_ESP_OUT; key.dir++) {
			e = rhashtable_lookup_fast(&t->esp, &key,
						   vm_esp_params);
			if (!e)
				continue;
			f = e->flow;
			vm_esp_del(t, e, VPNMASQ_REASON_DELETED);
			vm_flow_put_if_unused(t, f);
			n++;
		}
		goto out;
	}
	list_for_each_entry_safe(f, ftmp, &t->flows_all, all_node) {
		list_for_each_entry_safe(e, etmp, &f->esp, list) {
			if (e->key.spi != spi)
				continue;
			vm_esp_del(t, e, VPNMASQ_REASON_DELETED);
			n++;
		}
		vm_flow_put_if_unused(t, f);
	}
out:
	spin_unlock_bh(&t->lock);
	return n;
}
