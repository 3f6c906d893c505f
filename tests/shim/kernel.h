/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel facilities the module's core files
 * use. Single-threaded semantics: locks are no-ops, RCU frees at once (so
 * AddressSanitizer catches any use after removal), per-CPU data has one CPU.
 * Every <linux/...> header under tests/shim includes just this file.
 */
#ifndef VPNMASQ_SHIM_KERNEL_H
#define VPNMASQ_SHIM_KERNEL_H

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KBUILD_MODNAME "vpnmasq"
#define __percpu
#define __rcu
#define __read_mostly
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#ifndef offsetof
#define offsetof(t, m) __builtin_offsetof(t, m)
#endif
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- memory ---- */
typedef unsigned int gfp_t;
#define GFP_ATOMIC 1u
#define GFP_KERNEL 2u
/* Tests may make allocations fail to exercise the refusal paths. */
extern int vm_shim_fail_alloc;
static inline void *kzalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	if (vm_shim_fail_alloc)
		return NULL;
	return calloc(1, n);
}
static inline void *kmalloc(size_t n, gfp_t gfp)
{
	return kzalloc(n, gfp);
}
static inline void kfree(const void *p)
{
	free((void *)p);
}
struct rcu_head {
	void *unused;
};
#define kfree_rcu(p, field) kfree(p)
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define rcu_dereference(p) (p)
#define rcu_assign_pointer(p, v) ((p) = (v))

/* ---- per CPU, one CPU ---- */
#define this_cpu_inc(x) ((x)++)
#define per_cpu_ptr(p, cpu) ((void)(cpu), (p))
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < 1; (cpu)++)

/* ---- locks ---- */
typedef struct {
	int held;
} spinlock_t;
#define spin_lock_init(l) ((l)->held = 0)
#define spin_lock_bh(l) ((l)->held++)
#define spin_unlock_bh(l) ((l)->held--)
#define lockdep_assert_held(l) do { } while (0)

/* ---- time: tests drive jiffies ---- */
#define HZ 1000
extern unsigned long jiffies;
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
static inline unsigned long msecs_to_jiffies(unsigned int ms)
{
	return ms;
}

/* ---- logging ---- */
/* Arguments are evaluated (no unused warnings) but nothing is printed. */
static inline void vm_shim_log(const char *fmt, ...)
{
	(void)fmt;
}
#define net_dbg_ratelimited(...) vm_shim_log(__VA_ARGS__)
#define net_warn_ratelimited(...) vm_shim_log(__VA_ARGS__)
#define pr_debug(...) vm_shim_log(__VA_ARGS__)

/* ---- helpers (C only: C++ has its own min) ---- */
#ifndef __cplusplus
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#endif
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- bits ---- */
#define BIT(n) (1UL << (n))
#define BITS_PER_LONG (8 * sizeof(long))
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
static inline int test_bit(unsigned long nr, const unsigned long *a)
{
	return (a[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}
static inline void __set_bit(unsigned long nr, unsigned long *a)
{
	a[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}
static inline void __clear_bit(unsigned long nr, unsigned long *a)
{
	a[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}
static inline unsigned long find_next_zero_bit(const unsigned long *a,
					       unsigned long size,
					       unsigned long off)
{
	for (; off < size; off++)
		if (!test_bit(off, a))
			return off;
	return size;
}
static inline unsigned long *bitmap_zalloc(unsigned int bits, gfp_t gfp)
{
	return (unsigned long *)kzalloc(BITS_TO_LONGS(bits) * sizeof(long), gfp);
}
static inline void bitmap_free(const unsigned long *a)
{
	free((void *)a);
}

/* ---- lists ---- */
struct list_head {
	struct list_head *next, *prev;
};
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}
static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	list_add(n, head->prev);
}
static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}
static inline void list_del_init(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	INIT_LIST_HEAD(e);
}
static inline int list_empty(const struct list_head *h)
{
	return h->next == h;
}
#define list_add_rcu list_add
#define list_del_rcu list_del
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
#define list_for_each_entry(pos, head, member)                              \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);      \
	     &pos->member != (head);                                        \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_rcu list_for_each_entry
#define list_for_each_entry_safe(pos, n, head, member)                      \
	for (pos = list_entry((head)->next, __typeof__(*pos), member),      \
	     n = list_entry(pos->member.next, __typeof__(*pos), member);    \
	     &pos->member != (head);                                        \
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

/* ---- rhashtable: a chained table with the kernel's calling shape ---- */
struct rhash_head {
	struct rhash_head *next;
};
struct rhashtable_params {
	unsigned short key_len;
	unsigned short key_offset;
	unsigned short head_offset;
	int automatic_shrinking;
};
struct rhashtable {
	struct rhash_head **buckets;
	unsigned long size;	/* power of two */
	unsigned long nelems;
	struct rhashtable_params p;
};
int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *p);
void rhashtable_destroy(struct rhashtable *ht);
void *vm_shim_rht_lookup(struct rhashtable *ht, const void *key);
int vm_shim_rht_insert(struct rhashtable *ht, struct rhash_head *obj);
int vm_shim_rht_remove(struct rhashtable *ht, struct rhash_head *obj);
#define rhashtable_lookup(ht, key, params) vm_shim_rht_lookup(ht, key)
#define rhashtable_lookup_fast(ht, key, params) vm_shim_rht_lookup(ht, key)
#define rhashtable_insert_fast(ht, obj, params) vm_shim_rht_insert(ht, obj)
#define rhashtable_remove_fast(ht, obj, params) vm_shim_rht_remove(ht, obj)

#ifdef __cplusplus
}
#endif

#endif /* VPNMASQ_SHIM_KERNEL_H */
