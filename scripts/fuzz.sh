#!/bin/bash
# libFuzzer on the module's core (tests/fuzz): builds with clang, ASan and
# UBSan, runs every target from its committed seed corpus (copied, so the
# seeds stay as committed) for RUNS executions, prints PASS/FAIL per target.
#   scripts/fuzz.sh            10 000 000 executions per target (make fuzz)
#   scripts/fuzz.sh RUNS       that many
# A crash, leak or UB report leaves the reproducer in build/fuzz/work/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
runs=${1:-10000000}
out=build/fuzz
cmake -S tests/fuzz -B "$out" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	>"$out.cmake.log" 2>&1 && cmake --build "$out" -j"$(nproc)" >>"$out.cmake.log" 2>&1 || {
	echo "FAIL: fuzz targets build (see $out.cmake.log)"
	exit 1
}
failed=0
for t in fuzz_isakmp fuzz_esp fuzz_pptp fuzz_tables; do
	work=$out/work/$t
	rm -rf "$work" && mkdir -p "$work"
	log=$out/$t.log
	start=$(date +%s)
	# fuzz_esp checks each step against full dumps: shorter inputs, more runs.
	opts=()
	[ "$t" = fuzz_esp ] && opts=(-max_len=1024)
	(cd "$work" && "$top/$out/$t" -runs="$runs" "${opts[@]}" -print_final_stats=1 \
		-artifact_prefix="$top/$work/" . "$top/tests/fuzz/corpus/$t") >"$log" 2>&1
	rc=$?
	done_runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ] && [ "${done_runs:-0}" -ge "$runs" ]; then
		echo "PASS: $t: ${done_runs} executions in ${secs} s, no crash, leak or UB"
	else
		echo "FAIL: $t exited $rc after ${done_runs:-0} executions (see $log, reproducer in $work)"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
exit $((failed > 0))
