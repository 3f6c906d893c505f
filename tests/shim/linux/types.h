/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/types.h>, so that the module's
 * core files compile unchanged in the unit tests, benchmarks and fuzzers.
 */
#ifndef VPNMASQ_SHIM_LINUX_TYPES_H
#define VPNMASQ_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

/* Only sparse gives it a meaning. */
#ifndef __force
#define __force
#endif

#endif
