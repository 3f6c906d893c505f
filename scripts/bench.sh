#!/bin/bash
# `make bench`: every performance figure of vpnmasq, measured here, and a
# table of them against their targets. Installs its own dependencies.
#
#   scripts/bench.sh [KVER...]    (default: both target kernels)
#
#   1. the module's core tables in userspace (Google Benchmark): lookups,
#      add+remove and the expiry sweep at 1 k, 64 k and 1 M associations
#   2. in the VM, per kernel (tests/perf/vm_*.sh): packets per second
#      through the gateway with and without vpnmasq, with 10 and 50 000
#      live associations; kernel memory per association; the time 16 hosts
#      need to get their new ESP SAs associated, next to a Linux 2.2-style
#      drop-and-retransmit gateway.
#
# Benchmarks, not tests: a figure that misses its target is reported as
# such, and the exit code only says whether every benchmark ran.
# Logs and raw figures: build/bench/. Run it on an otherwise idle machine.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/bench
mkdir -p "$out"

if [ $# -gt 0 ]; then
	kernels=("$@")
else
	mapfile -t kernels < <(scripts/kernels.sh)
fi
broken=0
say() { echo "bench: $*" >&2; }

scripts/deps.sh || exit 1
say "building"
{
	make tool &&
		cmake -S tests/bench -B "$out" >/dev/null && cmake --build "$out" -j"$(nproc)" &&
		cmake -S tests/perf -B build/perf >/dev/null && cmake --build build/perf -j"$(nproc)" &&
		for k in "${kernels[@]}"; do make module KVER="$k" || exit 1; done
} >"$out/build.log" 2>&1 || { say "build failed, see $out/build.log"; exit 1; }

# The module's entries live in the kernel's direct map (huge pages); give
# the userspace build of the same code huge pages too (see core_bench.cpp).
say "core tables (Google Benchmark, about a minute)"
if ! GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$out/core-bench" \
	--benchmark_min_time="${BENCH_MIN_TIME:-0.5}" --benchmark_repetitions=3 \
	--benchmark_report_aggregates_only=true \
	--benchmark_out="$out/core.csv" --benchmark_out_format=csv >"$out/core.log" 2>&1; then
	say "core benchmark failed, see $out/core.log"
	broken=1
fi

for k in "${kernels[@]}"; do
	say "VM benchmarks on $k (a few minutes)"
	flock /tmp/vpnmasq-vm.lock scripts/vm/run-guest -k "$k" -t 3000 -- \
		bash -c 'for s in tests/perf/vm_pps.sh tests/perf/vm_memory.sh tests/perf/vm_serial.sh; do
			echo "=== $s"; bash "$s" || echo "BENCH-BROKEN: $s"; done' \
		>"$out/vm-$k.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || grep -q '^BENCH-BROKEN\|^FAIL' "$out/vm-$k.log"; then
		say "VM benchmarks on $k: something failed (rc $rc), see $out/vm-$k.log"
		grep '^BENCH-BROKEN\|^FAIL' "$out/vm-$k.log" | sed 's/^/    /' >&2
		broken=1
	fi
done

logs=()
for k in "${kernels[@]}"; do logs+=("$out/vm-$k.log"); done
tests/perf/report.sh "$out/core.csv" "${logs[@]}" | tee "$out/report.txt"
exit $broken
