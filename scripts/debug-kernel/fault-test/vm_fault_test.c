// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded only by scripts/debug-kernel/selftest.sh inside the test VM on a
 * debug kernel: it commits the one fault named by fault= and refuses to
 * load (but for leak, which stays loaded so that kmemleak's backtrace
 * names its function), so that the selftest can show that each debug
 * facility reports it and that scripts/vm/run-guest then fails the run.
 * fault=none does nothing (a clean run must pass).
 *
 *   leak       kmalloc'd object dropped             kmemleak
 *   uaf        read after kfree                     KASAN
 *   kfence     read after kfree of a KFENCE object  KFENCE
 *   lockdep    A->B then B->A                       lockdep
 *   rcu        rcu_dereference() outside a reader   PROVE_RCU
 *   sleep      mutex_lock() under a spinlock        DEBUG_ATOMIC_SLEEP
 *   rcu_head   kfree_rcu() twice on one object      DEBUG_OBJECTS_RCU_HEAD
 *   list       list_del() twice                     DEBUG_LIST
 *   race       two threads, one plain variable      KCSAN
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "none, leak, uaf, kfence, lockdep, rcu, sleep, rcu_head, list, race");

struct vm_fault_obj {
	struct rcu_head rcu;
	char tag[48];
};

static struct vm_fault_obj __rcu *vm_fault_ptr;
static DEFINE_MUTEX(vm_fault_a);
static DEFINE_MUTEX(vm_fault_b);
static DEFINE_SPINLOCK(vm_fault_lock);
static int vm_fault_racy;

static noinline void vm_fault_leak(void)
{
	struct vm_fault_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (o)
		strscpy(o->tag, "vm_fault_test: leaked on purpose", sizeof(o->tag));
	/* the only pointer goes out of scope */
}

static noinline void vm_fault_uaf(void)
{
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("vm_fault_test: read after free: %d\n", READ_ONCE(p[8]));
}

static noinline void vm_fault_kfence(void)
{
	int i;

	/* KFENCE samples one allocation every kfence.sample_interval ms */
	for (i = 0; i < 20000; i++) {
		char *p = kmalloc(32, GFP_KERNEL);

		if (!p)
			return;
		if (is_kfence_address(p)) {
			kfree(p);
			pr_info("vm_fault_test: KFENCE object read after free: %d\n",
				READ_ONCE(p[0]));
			return;
		}
		kfree(p);
		usleep_range(500, 1000);
	}
	pr_info("vm_fault_test: no KFENCE allocation in 20000 tries\n");
}

static noinline void vm_fault_lockdep(void)
{
	mutex_lock(&vm_fault_a);
	mutex_lock(&vm_fault_b);
	mutex_unlock(&vm_fault_b);
	mutex_unlock(&vm_fault_a);

	mutex_lock(&vm_fault_b);
	mutex_lock(&vm_fault_a);
	mutex_unlock(&vm_fault_a);
	mutex_unlock(&vm_fault_b);
}

static noinline void vm_fault_rcu(void)
{
	struct vm_fault_obj *o;

	o = rcu_dereference(vm_fault_ptr);	/* no rcu_read_lock() */
	pr_info("vm_fault_test: rcu_dereference outside a reader: %p\n", o);
}

static noinline void vm_fault_sleep(void)
{
	/* mutex_lock() may sleep (it need not, uncontended): might_sleep() */
	spin_lock(&vm_fault_lock);
	mutex_lock(&vm_fault_a);
	mutex_unlock(&vm_fault_a);
	spin_unlock(&vm_fault_lock);
}

static noinline void vm_fault_rcu_head(void)
{
	struct vm_fault_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return;
	kfree_rcu(o, rcu);
	kfree_rcu(o, rcu);	/* the second one is refused and leaked */
}

static noinline void vm_fault_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	list_add(&entry, &head);
	list_del(&entry);
	list_del(&entry);	/* refused: its pointers are poisoned */
}

static int vm_fault_racer(void *arg)
{
	unsigned long end = jiffies + 3 * HZ;
	long n = 0;

	while (time_before(jiffies, end) && !kthread_should_stop()) {
		if (arg)
			vm_fault_racy++;
		else
			n += vm_fault_racy;
		if ((++n & 1023) == 0)
			cond_resched();
	}
	while (!kthread_should_stop())
		msleep(10);
	return 0;
}

static noinline void vm_fault_race(void)
{
	struct task_struct *w, *r;

	w = kthread_run(vm_fault_racer, (void *)1, "vm_fault_w");
	r = kthread_run(vm_fault_racer, NULL, "vm_fault_r");
	msleep(3500);
	if (!IS_ERR(w))
		kthread_stop(w);
	if (!IS_ERR(r))
		kthread_stop(r);
}

static const struct {
	const char *name;
	void (*fn)(void);
} vm_faults[] = {
	{ "leak", vm_fault_leak },	   { "uaf", vm_fault_uaf },
	{ "kfence", vm_fault_kfence },	   { "lockdep", vm_fault_lockdep },
	{ "rcu", vm_fault_rcu },	   { "sleep", vm_fault_sleep },
	{ "rcu_head", vm_fault_rcu_head }, { "list", vm_fault_list },
	{ "race", vm_fault_race },
};

static int __init vm_fault_test_init(void)
{
	size_t i;

	if (!strcmp(fault, "none"))
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(vm_faults); i++) {
		if (!strcmp(fault, vm_faults[i].name)) {
			pr_info("vm_fault_test: committing fault %s\n", fault);
			vm_faults[i].fn();
			return vm_faults[i].fn == vm_fault_leak ? 0 : -ENODEV;
		}
	}
	return -EINVAL;
}
module_init(vm_fault_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Deliberate faults for the debug kernel's selftest");
