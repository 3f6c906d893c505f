#!/bin/bash
# `make check-rekey`: the rekey soak (tests/vm/rekey.sh: three LAN hosts'
# libreswan tunnels to servers, servers and hosts rekeying under traffic
# for REKEY_SECONDS a round: four kinds of server alone, then all four at
# once, then both tunnels to one server) on both target kernels, one boot
# per kernel, both at once: some 30 minutes per kernel under TCG. REKEY_ROUNDS picks rounds, REKEY_TRACE=1 adds the
# module's events and pluto's logs.
# Prints each run's lines and "N passed, N failed"; exit 0 only if none
# failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
mkdir -p "$logs"
mapfile -t kernels < <(scripts/kernels.sh)
make -s tool >/dev/null || { echo "FAIL: make tool"; exit 1; }
for k in "${kernels[@]}"; do
	make -s module KVER="$k" >/dev/null || { echo "FAIL: make module KVER=$k"; exit 1; }
done
pids=()
for k in "${kernels[@]}"; do
	scripts/vm/run-guest -k "$k" -s 1 -t 5400 -- env VM_TEST_TIMEOUT=5100 \
		${REKEY_SECONDS:+REKEY_SECONDS=$REKEY_SECONDS} \
		${REKEY_ROUNDS:+REKEY_ROUNDS="$REKEY_ROUNDS"} ${REKEY_TRACE:+REKEY_TRACE=1} \
		tests/vm/run-all.sh tests/vm/rekey.sh >"$logs/rekey-$k.log" 2>&1 &
	pids+=($!)
done
passed=0 failed=0
for i in "${!kernels[@]}"; do
	wait "${pids[i]}"
	rc=$?
	log=$logs/rekey-${kernels[i]}.log
	echo "--- ${kernels[i]}: exit $rc ($log)"
	grep -E '^(PASS|FAIL|FIGURE|#)|^vpnmasq-vm:' "$log"
	passed=$((passed + $(grep -c '^PASS: ' "$log")))
	failed=$((failed + $(grep -c '^FAIL: ' "$log")))
	[ "$rc" -eq 0 ] || [ "$(grep -c '^FAIL: ' "$log")" -gt 0 ] || failed=$((failed + 1))
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
