#!/bin/bash
# scripts/vm/selftest.sh [KVER...]: proves that scripts/vm/run-guest passes
# exit codes through and fails when it must, on each kernel (default: every
# kernel in /boot). Prints PASS:/FAIL: lines, then "N passed, N failed";
# exits non-zero if any failed. Takes about a minute per kernel.
#
# Cases: usage error -> 2; 'exit 3' -> 3 with the guest's output streamed;
# a real kernel WARNING (a test module whose init does WARN(1, ...) and
# returns -ENODEV; the command itself exits 0) -> 125; a kernel panic
# (sysrq crash) -> 125; -t 20 with sleep 100 -> 124 within seconds.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
runner=scripts/vm/run-guest
work=$top/build/vm/selftest
mkdir -p "$work"

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# expect NAME RC PATTERN -- RUN-GUEST-ARGS...: run-guest must exit RC and
# its output (stdout and stderr) must match the extended regex PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 log rc t0
	shift 4
	log=$work/$kver-${name// /-}.out
	t0=$SECONDS
	"$runner" "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$kver: $name: exit $rc, expected $want (see $log)"
		tail -n 15 "$log" | sed 's/^/    /'
	elif ! grep -qE -- "$pattern" "$log"; then
		fail "$kver: $name: exit $rc but no /$pattern/ in $log"
		tail -n 15 "$log" | sed 's/^/    /'
	else
		pass "$kver: $name: exit $rc ($((SECONDS - t0)) s)"
	fi
}

# build_warn_module: builds the WARN test module for $kver, prints its path
build_warn_module() {
	local dir=$work/warn-test-$kver
	[ -d "/lib/modules/$kver/build" ] || return 1
	mkdir -p "$dir"
	cp scripts/vm/warn-test/Kbuild scripts/vm/warn-test/vm_warn_test.c "$dir/"
	make -s -C "/lib/modules/$kver/build" M="$dir" modules >"$dir/build.log" 2>&1 ||
		return 1
	echo "$dir/vm_warn_test.ko"
}

if [ $# -gt 0 ]; then
	kernels=("$@")
else
	mapfile -t kernels < <(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' |
		sed 's/^vmlinuz-//' | sort -V)
fi

for kver in "${kernels[@]}"; do
	echo "--- run-guest selftest on $kver"
	expect "usage error" 2 'usage: run-guest' -- -k "$kver" -s zero -- true
	expect "exit code passes through" 3 "^guest says hello from $top$" -- -k "$kver" -- \
		"[ \"\$(uname -r)\" = '$kver' ] && echo \"guest says hello from \$PWD\"; exit 3"
	if ko=$(build_warn_module); then
		expect "kernel WARNING fails the run" 125 \
			'FAILED \(exit 125\): kernel: .*WARNING: .*vm_warn_test' -- -k "$kver" -- \
			"insmod $ko; echo insmod exited \$?; exit 0"
	else
		fail "$kver: cannot build the WARN test module (see $work/warn-test-$kver/build.log)"
	fi
	expect "kernel panic fails the run" 125 'FAILED \(exit 125\): kernel: .*Kernel panic' \
		-- -k "$kver" -- 'echo c > /proc/sysrq-trigger; sleep 30; exit 0'
	t0=$SECONDS
	expect "time limit" 124 'FAILED \(exit 124\): time limit of 20 s' \
		-- -k "$kver" -t 20 -- sleep 100
	if [ $((SECONDS - t0)) -le 45 ]; then
		pass "$kver: time limit: qemu gone $((SECONDS - t0)) s after the start"
	else
		fail "$kver: time limit: the run took $((SECONDS - t0)) s with -t 20"
	fi
done

echo "run-guest selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
