/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: see tests/shim/kernel.h. */
#include "../kernel.h"

/* The kernel's sort() may take a swap function; the shim never needs one. */
static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *),
			void (*swap)(void *, void *, int))
{
	(void)swap;
	if (num)	/* qsort() wants a non-NULL base even for none */
		qsort(base, num, size, cmp);
}
