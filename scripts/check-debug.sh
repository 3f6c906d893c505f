#!/bin/bash
# `make check-debug`: vpnmasq on debug kernels built from Debian's
# linux-source-6.12 (scripts/debug-kernel.sh; built once, then cached):
#
#   kasan  KASAN (generic, inline), PROVE_LOCKING, PROVE_RCU,
#          DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS_RCU_HEAD, KMEMLEAK, DEBUG_LIST,
#          KFENCE
#   kcsan  KCSAN
#
# For each: the kernel (cached), vpnmasq.ko built against it, the
# facilities' selftest (scripts/debug-kernel/selftest.sh: each one's report
# of a deliberate fault fails a run), then the VM tests of the packet path
# and teardown in one VM: a kmemleak baseline, DEBUG_TESTS (below), a
# kmemleak scan after the teardown rounds. Any KASAN, KFENCE, lockdep,
# RCU, debug-objects, list, kmemleak, WARN or BUG report fails the run
# (scripts/vm/run-guest), with the report in its console log; on kcsan,
# data races fail it when a frame of the report is in vpnmasq (run-guest
# -R vpnmasq), and the others are listed.
#
# Environment: DEBUG_FLAVOURS (default "kasan kcsan"), DEBUG_TESTS (the
# tests/vm tests to run), DEBUG_SELFTEST=0 to skip the selftests.
# Each item prints PASS/FAIL; the last line is "N passed, N failed"; the
# exit code is 0 only if none failed. Logs and times: build/debug/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/debug
mkdir -p "$logs"
flavours=${DEBUG_FLAVOURS:-kasan kcsan}
params=$(grep -v '^#' scripts/debug-kernel/cmdline | tr '\n' ' ')
tests=${DEBUG_TESTS:-t_00_boot t_20_isakmp t_30_esp t_40_libreswan t_50_pptp t_85_hostile t_90_teardown}

. scripts/gates.sh
secs() { local s=$(($(date +%s) - $1)); echo "$((s / 60)) min $((s % 60)) s"; }
times=()
t_all=$(date +%s)

step "dependencies installed" "$logs/deps.log" scripts/deps.sh || true
step "vpnmasq-ctl builds" "$logs/tool.log" make tool || true
# t_85 and t_90 send with vpnmasq-blast
step "traffic tools build" "$logs/perf.log" \
	sh -c 'cmake -S tests/perf -B build/perf >/dev/null && cmake --build build/perf -j2' || true

for fl in $flavours; do
	echo "--- $fl debug kernel"
	t0=$(date +%s)
	if ! step "$fl kernel built or cached" "$logs/kernel-$fl.out" scripts/debug-kernel.sh build "$fl"; then
		continue
	fi
	tree=$(scripts/debug-kernel.sh dir "$fl") || { fail "$fl kernel: no tree"; continue; }
	kver=$(cat "$tree/kver")
	times+=("$fl kernel: $(secs "$t0") here (its build: $(cat "$tree/build-time"))")
	echo "    $kver in $tree, built in $(cat "$tree/build-time")"

	step "vpnmasq.ko builds for $kver" "$logs/module-$fl.log" \
		nice -n 19 make module KVER="$kver" KDIR="$tree/build" || continue
	if grep -q 'warning:' "$logs/module-$fl.log"; then
		echo "    (compiler warnings for $kver, see $logs/module-$fl.log)"
	fi

	if [ "${DEBUG_SELFTEST:-1}" != 0 ]; then
		t0=$(date +%s)
		scripts/debug-kernel/selftest.sh "$fl" >"$logs/selftest-$fl.log" 2>&1
		p=$(grep -c '^PASS: ' "$logs/selftest-$fl.log")
		f=$(grep -c '^FAIL: ' "$logs/selftest-$fl.log")
		grep -E '^(PASS|FAIL): ' "$logs/selftest-$fl.log"
		grep -A 15 '^FAIL: ' "$logs/selftest-$fl.log" | grep '^    ' | head -n 40
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$p" -gt 0 ] || fail "$fl selftest ran nothing (see $logs/selftest-$fl.log)"
		times+=("$fl selftest: $(secs "$t0")")
	fi

	# The VM tests, one guest; run-guest fails it on any kernel report.
	t0=$(date +%s)
	log=$logs/vm-$fl.log
	list="scripts/debug-kernel/t_00_kmemleak_baseline.sh $tests scripts/debug-kernel/t_99_kmemleak.sh"
	race=()
	[ "$fl" = kcsan ] && race=(-R vpnmasq)
	env=VM_TEST_TIMEOUT=3600
	[ "$fl" = kcsan ] && env+=" VM_KCSAN_MODULE=vpnmasq"
	nice -n 10 scripts/vm/run-guest -K "$tree" -k "$kver" "${race[@]}" -a "$params" -m 3072 -t 10800 -- \
		"$env tests/vm/run-all.sh $list" 2>&1 | tee "$log" |
		grep -E '^(PASS|FAIL|===|---)|^vpnmasq-vm:|^ {4}[0-9]+ BUG: KCSAN'
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -eq 0 ] && [ "$p" -gt 0 ]; then
		pass "VM tests on $kver: $p checks passed, no kernel report"
	else
		fail "VM tests on $kver exited $rc with $p passed, $f failed (see $log)"
		grep -E '^vpnmasq-vm: (FAILED|console log)' "$log" | sed 's/^/    /'
	fi
	times+=("$fl VM tests: $(secs "$t0")")
done

echo
for t in "${times[@]}"; do echo "time: $t"; done
echo "time: all of make check-debug: $(secs "$t_all")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
