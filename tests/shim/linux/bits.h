/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: see tests/shim/kernel.h. */
#include "../kernel.h"
