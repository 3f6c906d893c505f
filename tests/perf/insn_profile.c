// SPDX-License-Identifier: GPL-2.0
/*
 * insn-profile: a qemu TCG plugin that counts the guest instructions
 * executed at each translated block's address, and writes them out each
 * time the guest runs a marker (vpnmasq-blast --mark calls its insn_mark(),
 * which is linked at a fixed address):
 * a profile by address of everything between two marks, which
 * tests/perf/insn_profile.py turns into instructions per function with
 * the guest's /proc/kallsyms. tests/perf/vm_insn.sh uses it for the
 * per-function figures (scripts/vm/run-guest -p).
 *
 *   qemu ... -plugin insn-profile.so,dir=DIR,mark=0xADDR
 *
 * dir: where snapshot-N.txt go ("vaddr instructions" lines of the blocks
 * that ran since the previous mark, N counting from 1); mark: the virtual
 * address of the marker's block. Counts are per block entered times the
 * block's length; a block left early (an exception or interrupt inside
 * it) is counted whole, which the totals show as a few instructions per
 * thousand at most.
 *
 * Only qemu's plugin ABI of version 1 (qemu 7.x, Debian 12) is used,
 * declared here: Debian ships no qemu-plugin.h.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the qemu 7.x plugin interface (the parts used here) ------------ */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- counting -------------------------------------------------------- */

/* One translation of a block; its count is bumped by generated code. */
struct block {
	uint64_t count;
	uint64_t vaddr;
	uint64_t n_insns;
};

#define CHUNK 65536
static struct block **chunks;
static size_t n_blocks, n_chunks;
static char dir[4096];
static uint64_t mark_vaddr;
static unsigned int n_snap;

/* Stable addresses: blocks are never moved, chunks only added. */
static struct block *block_new(void)
{
	if (n_blocks == n_chunks * CHUNK) {
		chunks = realloc(chunks, (n_chunks + 1) * sizeof(*chunks));
		chunks[n_chunks] = calloc(CHUNK, sizeof(struct block));
		if (!chunks || !chunks[n_chunks])
			abort();
		n_chunks++;
	}
	struct block *b = &chunks[n_blocks / CHUNK][n_blocks % CHUNK];
	n_blocks++;
	return b;
}

static int cmp_vaddr(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* Every block's instructions since the last snapshot, merged by address. */
static void snapshot(unsigned int vcpu_index, void *userdata)
{
	struct block *out = malloc((n_blocks ? n_blocks : 1) * sizeof(*out));
	size_t n = 0, i;
	char path[4200];
	FILE *f;

	(void)vcpu_index;
	(void)userdata;
	if (!out)
		abort();
	for (i = 0; i < n_blocks; i++) {
		struct block *b = &chunks[i / CHUNK][i % CHUNK];

		if (b->count) {
			out[n].vaddr = b->vaddr;
			out[n].count = b->count * b->n_insns;
			n++;
			b->count = 0;
		}
	}
	qsort(out, n, sizeof(*out), cmp_vaddr);
	snprintf(path, sizeof(path), "%s/snapshot-%u.txt", dir, ++n_snap);
	f = fopen(path, "w");
	if (f) {
		for (i = 0; i < n; i++) {
			uint64_t sum = out[i].count;

			while (i + 1 < n && out[i + 1].vaddr == out[i].vaddr)
				sum += out[++i].count;
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", out[i].vaddr, sum);
		}
		fclose(f);
	}
	free(out);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_new();

	(void)id;
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->n_insns = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
	if (mark_vaddr && b->vaddr == mark_vaddr)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, snapshot,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/blocks.txt", dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%zu blocks translated, %u snapshots\n", n_blocks, n_snap);
		fclose(f);
	}
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
		    char **argv)
{
	int i;

	(void)info;
	snprintf(dir, sizeof(dir), ".");
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "dir=", 4))
			snprintf(dir, sizeof(dir), "%s", argv[i] + 4);
		else if (!strncmp(argv[i], "mark=", 5))
			mark_vaddr = strtoull(argv[i] + 5, NULL, 0);
		else {
			fprintf(stderr, "insn-profile: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
