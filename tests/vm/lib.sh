# shellcheck shell=bash
# Helpers for the guest tests tests/vm/t_*.sh, in the manner of the
# kernel's selftests/net/netfilter scripts. Source it from the repo root:
#
#   ns_create NAME...           netns with lo up, deleted (and its
#                               processes killed) by ns_cleanup at EXIT
#   veth NS1 IF1 NS2 IF2        a veth pair between two netns, both up
#   pass MSG / fail MSG         print "PASS: MSG" / "FAIL: MSG" and count
#   check MSG CMD...            PASS if CMD exits 0, else FAIL + its output
#   check_not MSG CMD...        PASS if CMD exits non-zero
#   check_eq MSG EXPECTED ACTUAL
#   check_match MSG ERE TEXT    PASS if a line of TEXT matches ERE
#   retry N CMD...              CMD until it succeeds, at most N times 0.2 s
#                               apart (status 0 if it did)
#   kmsg_mark / kmsg_scan MSG   FAIL if the kernel complained since the mark
#                               (with VM_KCSAN_MODULE=NAME, as make
#                               check-debug sets it on its KCSAN kernel,
#                               KCSAN reports without a [NAME] frame are
#                               not complaints)
#   summary                     "RESULT: N passed, N failed"; non-zero if any
#                               failed: make it the script's last command
#
# Checks return 0 on PASS and 1 on FAIL. Call them from the script's own
# shell, not in a pipeline or $(...): counts made in a subshell are lost.
# A test that sets its own EXIT trap must call ns_cleanup from it.

VM_PASSED=0
VM_FAILED=0
VM_NETNS=()
VM_KMSG_MARK=

pass() {
	echo "PASS: $*"
	VM_PASSED=$((VM_PASSED + 1))
}

fail() {
	echo "FAIL: $*"
	VM_FAILED=$((VM_FAILED + 1))
}

# vm_indent TEXT: TEXT indented by 4, its last 40 lines at most
vm_indent() {
	local lines
	[ -n "$1" ] || return 0
	lines=$(wc -l <<<"$1")
	[ "$lines" -le 40 ] || echo "    [... $((lines - 40)) lines cut]"
	tail -n 40 <<<"$1" | sed 's/^/    /'
}

check() {
	local msg=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$msg"
		return 0
	fi
	fail "$msg"
	echo "    exit $rc: $*"
	vm_indent "$out"
	return 1
}

check_not() {
	local msg=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		pass "$msg"
		return 0
	fi
	fail "$msg"
	echo "    unexpectedly succeeded: $*"
	vm_indent "$out"
	return 1
}

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1"
	echo "    expected: '$2'"
	echo "    actual:   '$3'"
	return 1
}

check_match() {
	if grep -qE -e "$2" <<<"$3"; then
		pass "$1"
		return 0
	fi
	fail "$1"
	echo "    no line matches /$2/ in:"
	vm_indent "${3:-(nothing)}"
	return 1
}

retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

ns_create() {
	local ns
	for ns in "$@"; do
		if ! ip netns add "$ns"; then
			fail "ns_create $ns"
			return 1
		fi
		VM_NETNS+=("$ns")
		ip -n "$ns" link set lo up || { fail "ns_create $ns: lo up"; return 1; }
	done
}

# vm_ns_kill NS: end every process in NS (TERM, then KILL)
vm_ns_kill() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086 # one pid a word
	kill $pids 2>/dev/null
	sleep 0.2
	pids=$(ip netns pids "$1" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
}

ns_cleanup() {
	local ns
	for ns in "${VM_NETNS[@]}"; do
		vm_ns_kill "$ns"
		ip netns del "$ns" 2>/dev/null
	done
	VM_NETNS=()
}
trap ns_cleanup EXIT

veth() {
	if ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up; then
		return 0
	fi
	fail "veth $1:$2 <-> $3:$4"
	return 1
}

# The mark is a line in the kernel log itself, so it survives anything but
# the ring buffer wrapping (then the whole log is scanned).
kmsg_mark() {
	VM_KMSG_MARK="vm-test: kmsg mark $$.$RANDOM.$SECONDS"
	echo "<6>$VM_KMSG_MARK" >/dev/kmsg
}

# vm_kcsan_filter: stdin without the KCSAN reports (title to closing
# "=====" line) that name no [$VM_KCSAN_MODULE] frame; all of it if unset
vm_kcsan_filter() {
	if [ -z "${VM_KCSAN_MODULE:-}" ]; then
		cat
		return
	fi
	awk -v mod="[$VM_KCSAN_MODULE]" '
		/BUG: KCSAN: / { inrep = 1; rep = ""; ours = 0 }
		inrep { rep = rep $0 "\n"; if (index($0, mod)) ours = 1
			if (/==========/) { if (ours) printf "%s", rep; inrep = 0 }
			next }
		{ print }
		END { if (inrep && ours) printf "%s", rep }'
}

kmsg_scan() {
	local bad
	bad=$(dmesg | awk -v mark="$VM_KMSG_MARK" '
		mark != "" && index($0, mark) { since = ""; next }
		{ since = since $0 "\n" }
		END { printf "%s", since }' | vm_kcsan_filter |
		grep -E 'WARNING|(^|[^A-Z])BUG|Oops|leak|refcount_t|general protection|underflow|use-after-free|RCU stall|rcu.*detected.*stall|lockup|LOCKUP|Call Trace')
	if [ -z "$bad" ]; then
		pass "$1"
		return 0
	fi
	fail "$1"
	vm_indent "$bad"
	return 1
}

summary() {
	echo "RESULT: $VM_PASSED passed, $VM_FAILED failed"
	[ "$VM_FAILED" -eq 0 ]
}
