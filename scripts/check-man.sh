#!/bin/bash
# scripts/check-man.sh: the man pages must not drift from the code.
#  - every command and long option that `vpnmasq-ctl help` lists is
#    documented (in bold) in vpnmasq-ctl(8);
#  - every tunable and counter of the uapi header and of vpnmasq-ctl's
#    tables (keys.cpp, stats.cpp) is documented (in bold) in vpnmasq(8).
# Needs build/userspace/vpnmasq-ctl and scdoc; builds build/man/*.8.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

ctl=build/userspace/vpnmasq-ctl
uapi=kmod/include/uapi/linux/vpnmasq.h
make -s man || exit 1
[ -x "$ctl" ] || { echo "no $ctl (make tool)"; exit 1; }

bad=0
# in_page PAGE WORD: WORD appears in bold (\fBWORD) in the roff source
in_page() {
	grep -qE "\\\\fB$2([^a-z0-9_-]|$)" "build/man/$1"
}
need() {
	local page=$1 what=$2
	shift 2
	[ $# -gt 0 ] || { echo "FAIL: found no $what to look for"; bad=1; return; }
	local w missing=()
	for w in "$@"; do
		in_page "$page" "$w" || missing+=("$w")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "ok: $# $what in $page"
	else
		echo "FAIL: $what missing in $page (doc/${page}.scd): ${missing[*]}"
		bad=1
	fi
}

help=$("$ctl" help 2>&1) || { echo "FAIL: $ctl help exited non-zero"; exit 1; }
# Commands: the two-space-indented lines of the "Commands" section.
mapfile -t cmds < <(awk '
	/^Commands/ { in_cmds = 1; next }
	in_cmds && /^[^ ]/ { in_cmds = 0 }
	in_cmds && /^  [a-z]/ { print $1 }' <<<"$help" | sort -u)
mapfile -t opts < <(grep -oE '(^|[ ,])--[a-z][a-z-]*' <<<"$help" |
	sed 's/^[ ,]*//' | sort -u)
need vpnmasq-ctl.8 "commands of '$ctl help'" "${cmds[@]}"
need vpnmasq-ctl.8 "long options of '$ctl help'" "${opts[@]}"

lower() { tr '[:upper:]' '[:lower:]'; }
mapfile -t keys < <({
	sed -n 's/^[[:space:]]*VPNMASQ_A_CFG_\([A-Z0-9_]*\),.*/\1/p' "$uapi" | lower
	grep -oE 'Key\{"[a-z0-9_]+"' userspace/src/keys.cpp | sed 's/Key{"//; s/"//'
} | sort -u)
mapfile -t stats < <({
	sed -n 's/^[[:space:]]*VPNMASQ_STAT_\([A-Z0-9_]*\),.*/\1/p' "$uapi" | lower |
		grep -vxE 'unspec|pad'
	sed -n 's/.*VPNMASQ_STAT_[A-Z0-9_]*\] = "\([a-z0-9_]*\)".*/\1/p' userspace/src/stats.cpp
} | sort -u)
need vpnmasq.8 "tunables" "${keys[@]}"
need vpnmasq.8 "counters" "${stats[@]}"
exit $bad
