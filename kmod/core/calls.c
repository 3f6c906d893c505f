// SPDX-License-Identifier: GPL-2.0
/*
 * PPTP call observation (see calls.h): no skbs and no conntrack here, so
 * that libFuzzer can drive it with arbitrary bytes and rows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/sort.h>

#include "calls.h"

#define VM_TCP_FLAG_SYN 0x02
#define VM_TCP_FLAG_ACK 0x10

bool vm_pptp_control_syn(const u8 *th, unsigned int len)
{
	unsigned int doff;

	if (len < VM_TCP_HDR_MIN)
		return false;
	/* Conntrack finds a shorter data offset invalid: nothing to attach. */
	doff = th[12] >> 4;
	if (doff < VM_TCP_HDR_MIN / 4)
		return false;
	if (((unsigned int)th[2] << 8 | th[3]) != VM_PPTP_CONTROL_PORT)
		return false;
	return (th[13] & (VM_TCP_FLAG_SYN | VM_TCP_FLAG_ACK)) ==
	       VM_TCP_FLAG_SYN;
}

void vm_pptp_set_gre(struct vpnmasq_pptp_info *c, __be32 orig_src,
		     const u64 packets[2])
{
	/* Either end may have sent the GRE entry's first packet. */
	bool lan_first = orig_src == c->lan;

	c->gre_out = packets[lan_first ? 0 : 1];
	c->gre_in = packets[lan_first ? 1 : 0];
}

static int vm_gre_row_cmp(const void *a, const void *b)
{
	const struct vm_gre_row *x = a, *y = b;

	if (x->master == y->master)
		return 0;
	return x->master < y->master ? -1 : 1;
}

void vm_pptp_join(struct vpnmasq_pptp_info *calls, const void *const *ctrl,
		  unsigned int n_calls, struct vm_gre_row *gre,
		  unsigned int n_gre)
{
	struct vm_gre_row key;
	unsigned int i;

	/* One sort and a search per call: calls and rows come in any order. */
	sort(gre, n_gre, sizeof(*gre), vm_gre_row_cmp, NULL);
	for (i = 0; i < n_calls; i++) {
		const struct vm_gre_row *g;

		key.master = ctrl[i];
		g = bsearch(&key, gre, n_gre, sizeof(*gre), vm_gre_row_cmp);
		if (g)
			vm_pptp_set_gre(&calls[i], g->orig_src, g->packets);
	}
}
