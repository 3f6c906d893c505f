#!/bin/bash
# tests/vm/run-all.sh [TEST...]: in the guest (scripts/vm/run-guest -- tests/vm/run-all.sh),
# runs every tests/vm/t_*.sh in order, or the ones named (t_00_boot,
# t_00_boot.sh or a path), each under its own time limit
# (VM_TEST_TIMEOUT seconds, default 900). Prints "=== NAME ===" before each.
# A test fails if it prints a FAIL: line or exits non-zero; one that exits
# non-zero (or times out) without a FAIL: line gets "FAIL: NAME exited N".
# Exits non-zero if any test failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
limit=${VM_TEST_TIMEOUT:-900}
export PYTHONUNBUFFERED=1

tests=()
missing=0
if [ $# -eq 0 ]; then
	tests=(tests/vm/t_*.sh)
else
	for t in "$@"; do
		for f in "$t" "tests/vm/$t" "tests/vm/$t.sh"; do
			[ -f "$f" ] && { tests+=("$f"); continue 2; }
		done
		echo "FAIL: no test $t"
		missing=$((missing + 1))
	done
fi

# Whatever a test left behind must not disturb the next one.
leftovers() {
	local ns pids
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid a word
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

failed=()
out=$(mktemp)
for t in "${tests[@]}"; do
	name=$(basename "$t")
	echo "=== $name ==="
	t0=$SECONDS
	timeout -k 10 "$limit" bash "$t" </dev/null 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	fails=$(grep -c '^FAIL: ' "$out")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL: $name exited $rc (time limit of $limit s)"
	elif [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		echo "FAIL: $name exited $rc"
	elif [ "$rc" -eq 0 ] && [ "$fails" -gt 0 ]; then
		echo "FAIL: $name exited 0 after $fails FAIL lines"
	fi
	if [ "$rc" -ne 0 ] || [ "$fails" -gt 0 ]; then
		failed+=("$name")
		echo "--- $name: failed, $((SECONDS - t0)) s"
	else
		echo "--- $name: ok, $((SECONDS - t0)) s"
	fi
	leftovers
done
rm -f "$out"

echo "=== run-all: ${#tests[@]} tests, ${#failed[@]} failed${failed[*]:+: ${failed[*]}} ==="
[ ${#failed[@]} -eq 0 ] && [ "$missing" -eq 0 ]
