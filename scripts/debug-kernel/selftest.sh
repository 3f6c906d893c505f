#!/bin/bash
# scripts/debug-kernel/selftest.sh FLAVOUR: proves, on the debug kernel of
# FLAVOUR (scripts/debug-kernel.sh build FLAVOUR first), that its debug
# facilities are on and that each one's report fails a scripts/vm/run-guest
# run: a throwaway module (fault-test/vm_fault_test.c) commits one fault
# per boot. Prints PASS:/FAIL: lines, then "N passed, N failed"; exits
# non-zero if any failed.
#
#   kasan: a clean run passes (facilities on, kmemleak finds nothing of
#          it); then a leak (kmemleak), use-after-free (KASAN), KFENCE
#          use-after-free, A-B/B-A locking (lockdep), rcu_dereference
#          outside a reader (PROVE_RCU), mutex_lock under a spinlock
#          (DEBUG_ATOMIC_SLEEP), a double kfree_rcu (DEBUG_OBJECTS_RCU_HEAD),
#          a double list_del (DEBUG_LIST) each fail it, the report named.
#   kcsan: a data race in the module fails the run with -R vm_fault_test,
#          and is listed but does not fail it with -R vpnmasq (the rule
#          make check-debug applies: only races with a vpnmasq frame count).
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
[ $# -eq 1 ] || { echo "usage: $0 kasan|kcsan" >&2; exit 2; }
flavour=$1
runner=scripts/vm/run-guest
work=$top/build/debug/selftest-$flavour
mkdir -p "$work"

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

tree=$(scripts/debug-kernel.sh dir "$flavour") || exit 1
kver=$(cat "$tree/kver")
params=$(grep -v '^#' scripts/debug-kernel/cmdline | tr '\n' ' ')

logof() { local n=${1//[^A-Za-z0-9_]/-}; echo "$work/${n:0:40}.out"; }

# expect NAME RC PATTERN -- RUN-GUEST-ARGS...: run-guest must exit RC and
# its output (stdout and stderr) must match the extended regex PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 log rc t0
	shift 4
	log=$(logof "$name")
	t0=$SECONDS
	nice -n 10 "$runner" -K "$tree" -k "$kver" -a "$params" -t 900 -m 3072 "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$flavour: $name: exit $rc, expected $want (see $log)"
		tail -n 15 "$log" | sed 's/^/    /'
	elif ! grep -qE -- "$pattern" "$log"; then
		fail "$flavour: $name: exit $rc but no /$pattern/ in $log"
		tail -n 15 "$log" | sed 's/^/    /'
	else
		pass "$flavour: $name: exit $rc ($((SECONDS - t0)) s): $(grep -oE -m 1 -- "$pattern" "$log" | cut -c1-120)"
	fi
}

dir=$work/fault-test
mkdir -p "$dir"
cp scripts/debug-kernel/fault-test/Kbuild scripts/debug-kernel/fault-test/vm_fault_test.c "$dir/"
if ! nice -n 19 make -s -C "$tree/build" M="$dir" modules >"$dir/build.log" 2>&1; then
	fail "$flavour: the fault module does not build (see $dir/build.log)"
	echo "debug-kernel selftest ($flavour): $passed passed, $failed failed"
	exit 1
fi
ko=$dir/vm_fault_test.ko
km=scripts/debug-kernel/kmemleak-scan

case $flavour in
kasan)
	# every facility the configuration asks for is on at run time
	on='dmesg | grep -q "KernelAddressSanitizer initialized" && dmesg | grep -q "kfence: initialized" &&
		[ -e /proc/lockdep ] && [ -w /sys/kernel/debug/kmemleak ] &&
		grep -qx CONFIG_PROVE_RCU=y /lib/modules/$(uname -r)/build/.config &&
		grep -qx CONFIG_DEBUG_ATOMIC_SLEEP=y /lib/modules/$(uname -r)/build/.config &&
		grep -qx CONFIG_DEBUG_OBJECTS_RCU_HEAD=y /lib/modules/$(uname -r)/build/.config &&
		grep -qx CONFIG_DEBUG_LIST=y /lib/modules/$(uname -r)/build/.config &&
		echo "KASAN, KFENCE, lockdep, kmemleak on"'
	expect "clean run passes" 0 'kmemleak: 0 suspected leaks' -- -- \
		"$on && $km --baseline && { insmod $ko fault=none; true; } && $km"
	expect "leak: kmemleak" 125 'kernel: .*unreferenced object.*' -- -- \
		"$km --baseline; insmod $ko fault=leak; $km; exit 0"
	grep -q 'vm_fault_leak' "$(logof "leak: kmemleak")" &&
		pass "$flavour: the kmemleak report names vm_fault_leak" ||
		fail "$flavour: the kmemleak report does not name vm_fault_leak"
	for f in "uaf:KASAN:BUG: K(ASAN|FENCE): [a-z-]*use-after-free.*" \
		"kfence:KFENCE:BUG: KFENCE: use-after-free.*" \
		"lockdep:lockdep:WARNING: possible circular locking dependency detected" \
		"rcu:PROVE_RCU:WARNING: suspicious RCU usage" \
		"sleep:DEBUG_ATOMIC_SLEEP:BUG: sleeping function called from invalid context.*" \
		"rcu_head:DEBUG_OBJECTS_RCU_HEAD:ODEBUG: .*rcu_head.*" \
		"list:DEBUG_LIST:list_del corruption.*"; do
		IFS=: read -r fault what pattern <<<"$f"
		expect "$fault: $what" 125 "kernel: .*$pattern" -- -- \
			"insmod $ko fault=$fault; exit 0"
	done
	;;
kcsan)
	on='grep -q "enabled: 1" /sys/kernel/debug/kcsan && echo "KCSAN on"'
	expect "race in the module, -R vm_fault_test: counted" 125 \
		'kernel: .*BUG: KCSAN: data-race in vm_fault_racer.*' -- -R vm_fault_test -- \
		"$on && insmod $ko fault=race; exit 0"
	expect "the same race, -R vpnmasq: listed, not counted" 0 \
		'KCSAN reports without a \[vpnmasq\] frame|BUG: KCSAN: data-race in vm_fault_racer' -- -R vpnmasq -- \
		"$on && { insmod $ko fault=race; true; }"
	grep -qE '^ +[0-9]+ BUG: KCSAN: data-race in vm_fault_racer' "$(logof "the same race, -R vpnmasq: listed, not counted")" &&
		pass "$flavour: the uncounted race is listed by title" ||
		fail "$flavour: the uncounted race is not listed"
	;;
*)
	echo "no selftest for $flavour" >&2
	exit 2
	;;
esac

echo "debug-kernel selftest ($flavour): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
