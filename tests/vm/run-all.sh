#!/bin/bash
# Runs tests/vm/t_*.sh (or the ones named) in the guest, each with its own
# time limit. A script that exits non-zero without a FAIL line is a failure.
cd "$(dirname "$0")/../.." || exit 1
limit=${VM_TEST_TIMEOUT:-900}
if [ $# -gt 0 ]; then tests=("$@"); else tests=(tests/vm/t_*.sh); fi
failed=0
for t in "${tests[@]}"; do
	echo "=== $(basename "$t") ==="
	out=$(mktemp)
	timeout -k 10 "$limit" bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		failed=1
		grep -q '^FAIL: ' "$out" || echo "FAIL: $(basename "$t") exited $rc"
	fi
	rm -f "$out"
	ip -all netns delete 2>/dev/null
done
exit $failed
