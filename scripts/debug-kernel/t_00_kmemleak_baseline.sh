#!/bin/bash
# make check-debug, first in the guest: forget what boot left unreferenced,
# so that the scan after the tests (t_99_kmemleak.sh) reports the tests' leaks.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
out=$(scripts/debug-kernel/kmemleak-scan --baseline)
case $? in
0) pass "$out" ;;
2) echo "SKIP: $out" ;;
*) fail "kmemleak baseline: $out" ;;
esac
summary
