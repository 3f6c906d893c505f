# shellcheck shell=bash
# The PASS/FAIL counting of make check and make check-debug (source it):
# pass MSG, fail MSG, and step NAME LOG CMD... (one gate, its output kept
# in LOG and shown on failure; returns 1 if CMD failed). The caller prints
# "$passed passed, $failed failed" at the end.
passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
step() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		pass "$name"
	else
		fail "$name (see $log)"
		tail -n 30 "$log" | sed 's/^/    /'
		return 1
	fi
}
