// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace bodies for tests/shim/kernel.h: jiffies, allocation failure
 * injection and a chained hash table with rhashtable's calling shape and
 * hash function.
 */
#include "kernel.h"

unsigned long jiffies;
int vm_shim_fail_alloc;

static inline u32 vm_shim_rol32(u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/*
 * Bob Jenkins' lookup3 "hashword", which the kernel's rhashtable uses
 * (jhash2) for keys made of 32-bit words as all of ours are: the
 * benchmarks then pay what the module pays per lookup.
 */
static u32 vm_shim_jhash2(const u32 *k, unsigned int words, u32 seed)
{
	u32 a, b, c;

	a = b = c = 0xdeadbeef + (words << 2) + seed;
	for (; words > 3; words -= 3, k += 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		a -= c; a ^= vm_shim_rol32(c, 4); c += b;
		b -= a; b ^= vm_shim_rol32(a, 6); a += c;
		c -= b; c ^= vm_shim_rol32(b, 8); b += a;
		a -= c; a ^= vm_shim_rol32(c, 16); c += b;
		b -= a; b ^= vm_shim_rol32(a, 19); a += c;
		c -= b; c ^= vm_shim_rol32(b, 4); b += a;
	}
	switch (words) {
	case 3:
		c += k[2];
		/* fall through */
	case 2:
		b += k[1];
		/* fall through */
	case 1:
		a += k[0];
		c ^= b; c -= vm_shim_rol32(b, 14);
		a ^= c; a -= vm_shim_rol32(c, 11);
		b ^= a; b -= vm_shim_rol32(a, 25);
		c ^= b; c -= vm_shim_rol32(b, 16);
		a ^= c; a -= vm_shim_rol32(c, 4);
		b ^= a; b -= vm_shim_rol32(a, 14);
		c ^= b; c -= vm_shim_rol32(b, 24);
		break;
	}
	return c;
}

static unsigned long vm_shim_hash(const void *key, unsigned int len)
{
	u32 w[8];

	/* every key of the module is a few 32-bit words */
	if (len % 4 || len > sizeof(w))
		abort();
	memcpy(w, key, len);
	return vm_shim_jhash2(w, len / 4, 0x5eed);
}

static const void *vm_shim_key(const struct rhashtable *ht,
			       const struct rhash_head *obj)
{
	return (const char *)obj - ht->p.head_offset + ht->p.key_offset;
}

int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *p)
{
	ht->p = *p;
	ht->size = 16;
	ht->nelems = 0;
	ht->buckets = calloc(ht->size, sizeof(*ht->buckets));
	return ht->buckets ? 0 : -ENOMEM;
}

void rhashtable_destroy(struct rhashtable *ht)
{
	free(ht->buckets);
	ht->buckets = NULL;
}

void *vm_shim_rht_lookup(struct rhashtable *ht, const void *key)
{
	unsigned long b = vm_shim_hash(key, ht->p.key_len) & (ht->size - 1);
	struct rhash_head *h;

	for (h = ht->buckets[b]; h; h = h->next)
		if (!memcmp(vm_shim_key(ht, h), key, ht->p.key_len))
			return (char *)h - ht->p.head_offset;
	return NULL;
}

static void vm_shim_rehash(struct rhashtable *ht, unsigned long size)
{
	struct rhash_head **nb = calloc(size, sizeof(*nb));
	unsigned long i;

	if (!nb)
		return; /* keep the old table: still correct, only slower */
	for (i = 0; i < ht->size; i++) {
		struct rhash_head *h = ht->buckets[i], *next;

		for (; h; h = next) {
			unsigned long b = vm_shim_hash(vm_shim_key(ht, h),
						       ht->p.key_len) & (size - 1);

			next = h->next;
			h->next = nb[b];
			nb[b] = h;
		}
	}
	free(ht->buckets);
	ht->buckets = nb;
	ht->size = size;
}

int vm_shim_rht_insert(struct rhashtable *ht, struct rhash_head *obj)
{
	const void *key = vm_shim_key(ht, obj);
	unsigned long b;

	if (vm_shim_rht_lookup(ht, key))
		return -EEXIST;
	b = vm_shim_hash(key, ht->p.key_len) & (ht->size - 1);
	obj->next = ht->buckets[b];
	ht->buckets[b] = obj;
	/* Grow at 75% load like the kernel's rhashtable. */
	if (++ht->nelems > ht->size / 4 * 3)
		vm_shim_rehash(ht, ht->size * 2);
	return 0;
}

int vm_shim_rht_remove(struct rhashtable *ht, struct rhash_head *obj)
{
	unsigned long b = vm_shim_hash(vm_shim_key(ht, obj), ht->p.key_len) &
			  (ht->size - 1);
	struct rhash_head **pp;

	for (pp = &ht->buckets[b]; *pp; pp = &(*pp)->next) {
		if (*pp == obj) {
			*pp = obj->next;
			ht->nelems--;
			if (ht->p.automatic_shrinking && ht->size > 16 &&
			    ht->nelems < ht->size * 3 / 10)
				vm_shim_rehash(ht, ht->size / 2);
			return 0;
		}
	}
	return -ENOENT;
}
