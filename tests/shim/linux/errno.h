/* SPDX-License-Identifier: GPL-2.0 */
/* glibc reaches the real one through <errno.h>; keep it. */
#include_next <linux/errno.h>
