// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace bodies for tests/shim/kernel.h: jiffies, allocation failure
 * injection and a chained hash table with rhashtable's calling shape.
 */
#include "kernel.h"

unsigned long jiffies;
int vm_shim_fail_alloc;

/* FNV-1a over the key, then a final avalanche so low bits mix well. */
static unsigned long vm_shim_hash(const void *key, unsigned int len)
{
	const unsigned char *p = key;
	u64 h = 0xcbf29ce484222325ull;
	unsigned int i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (unsigned long)h;
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
