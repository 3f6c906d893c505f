# Guest-side test helpers, in the style of the kernel's netfilter selftests.
# Source it; every check prints one "PASS: ..." or "FAIL: ..." line.
# shellcheck shell=bash

VM_PASSED=0
VM_FAILED=0
VM_NETNS=()

pass() { echo "PASS: $*"; VM_PASSED=$((VM_PASSED + 1)); }
fail() { echo "FAIL: $*"; VM_FAILED=$((VM_FAILED + 1)); }

# check MSG CMD...: PASS if CMD exits 0; on FAIL its output is shown
check() {
	local msg=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$msg"
	else
		fail "$msg (exit $?)"
		[ -n "$out" ] && sed 's/^/    /' <<<"$out" | tail -n 20
	fi
}

# check_not MSG CMD...: PASS if CMD fails
check_not() {
	local msg=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$msg (unexpectedly succeeded)"; else pass "$msg"; fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1 (expected '$2', got '$3')"
	fi
}

# check_match MSG EXTENDED-REGEX TEXT
check_match() {
	if grep -qE -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1 (no match for /$2/ in:)"
		sed 's/^/    /' <<<"$3" | tail -n 20
	fi
}

ns_create() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up
		VM_NETNS+=("$ns")
	done
}

ns_cleanup() {
	local ns
	for ns in "${VM_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	VM_NETNS=()
}
trap ns_cleanup EXIT

KMSG_MARK=0
kmsg_mark() { KMSG_MARK=$(dmesg | wc -l); }

# kmsg_scan MSG: FAIL if the kernel complained since kmsg_mark
kmsg_scan() {
	local bad
	bad=$(dmesg | tail -n +$((KMSG_MARK + 1)) |
		grep -E 'WARNING:|BUG:|Oops|leak|refcount_t|general protection|underflow|use-after-free|RCU stall|lockup|Call Trace|UBSAN' |
		head -n 20)
	if [ -z "$bad" ]; then
		pass "$1"
	else
		fail "$1"
		sed 's/^/    /' <<<"$bad"
	fi
}

summary() {
	echo "RESULT: $VM_PASSED passed, $VM_FAILED failed"
	[ "$VM_FAILED" -eq 0 ]
}
