// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded only by scripts/vm/selftest.sh inside the test VM: it warns once
 * and refuses to load, so that the selftest can check that scripts/vm/run-guest
 * fails a run whose kernel printed a WARNING.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init vm_warn_test_init(void)
{
	WARN(1, "vm_warn_test: deliberate warning for the run-guest selftest\n");
	return -ENODEV;
}
module_init(vm_warn_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate WARN for the VM runner's selftest");
