#!/bin/bash
# make check-debug, last in the guest (after t_90_teardown's rmmod/modprobe,
# flush and netns-deletion rounds): unload vpnmasq, then a kmemleak scan.
# Every suspected leak is printed and logged, which fails the run.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
if grep -q '^vpnmasq ' /proc/modules; then
	check "rmmod vpnmasq before the scan" rmmod vpnmasq
fi
scripts/debug-kernel/kmemleak-scan
case $? in
0) pass "kmemleak: no suspected leak after the tests and the teardown rounds" ;;
2) echo "SKIP: kmemleak not in this kernel" ;;
*) fail "kmemleak: suspected leaks (above)" ;;
esac
summary
