/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: see tests/shim/kernel.h. */
#include "../kernel.h"

/* The kernel's bsearch() takes an empty array at NULL; libc's may not. */
static inline void *vm_shim_bsearch(const void *key, const void *base,
				    size_t num, size_t size,
				    int (*cmp)(const void *, const void *))
{
	return num ? bsearch(key, base, num, size, cmp) : NULL;
}
#define bsearch vm_shim_bsearch
