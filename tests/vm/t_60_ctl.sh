#!/bin/bash
# vpnmasq-ctl as an admin tool, on a gateway namespace (ip netns exec):
# every command with its JSON, 10 000+ ISAKMP associations listed exactly
# once (also while entries keep being added), lan/peer filters, flush and
# del with their counts and refusals, monitor (-t, -j) seeing new, flushed,
# deleted and expired entries, stats --all/--explain/reset, showconf -> -b
# round trip, -b all or nothing, bad command lines, privileges, bash
# completion, the module unloaded. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

kmsg_mark
vpnmasq_load

T=$(mktemp -d)
MON=$T/monitor.txt
MONJ=$T/monitor.json
MONPID=
MONJPID=
cleanup() {
	[ -z "$MONPID" ] || kill "$MONPID" 2>/dev/null
	[ -z "$MONJPID" ] || kill "$MONJPID" 2>/dev/null
	ns_cleanup
	rm -rf "$T"
}
trap cleanup EXIT

LAN1=$(lan_ip 1)
LAN2=$(lan_ip 2)
N=10000 # lan1's associations
N2=20	# lan2's

json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)'; }
# py EXPR: EXPR evaluated with j = the JSON on stdin, printed
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# ike_send NS BASE COUNT: COUNT ISAKMP headers from port 500 to the remote,
# initiator cookies BASE, BASE+1, ...
ike_send() {
	ip netns exec "$1" python3 - "$REMOTE" "$2" "$3" <<'EOF'
import socket, struct, sys
dst, base, n = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 500))
for c in range(base, base + n):
    s.sendto(struct.pack("!QQBBBBII", c, 0, 0, 0x10, 2, 0, 0, 28), (dst, 500))
EOF
}

# ike_churn NS BASE SECONDS: a new cookie every 10 ms for SECONDS
ike_churn() {
	ip netns exec "$1" python3 - "$REMOTE" "$2" "$3" <<'EOF'
import socket, struct, sys, time
dst, c, secs = sys.argv[1], int(sys.argv[2], 16), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 500))
end = time.time() + secs
while time.time() < end:
    s.sendto(struct.pack("!QQBBBBII", c, 0, 0, 0x10, 2, 0, 0, 28), (dst, 500))
    c += 1
    time.sleep(0.01)
EOF
}

# esp_send NS DST SPI: one raw ESP packet
esp_send() {
	ip netns exec "$1" python3 - "$2" "$3" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
s.sendto(struct.pack("!II", int(sys.argv[2], 16), 1) + bytes(32), (sys.argv[1], 0))
EOF
}

# wait_for FILE ERE SECONDS: until a line of FILE matches
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# usage_error MSG ARGS...: exit 2, one line "vpnmasq-ctl: ..." on stderr,
# nothing on stdout
usage_error() {
	local msg=$1 out err rc
	shift
	out=$(gwctl "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	if [ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		[[ $err == "vpnmasq-ctl: "* ]]; then
		pass "$msg"
		return 0
	fi
	fail "$msg"
	echo "    vpnmasq-ctl $*: exit $rc, stdout '$out', stderr '$err'"
	return 1
}

topo_setup 2
# The remote answers nothing: keep the gateway's unreplied UDP 500 entry
# (and with it every association of its flow) longer than the test runs.
ip netns exec gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3600 \
	net.netfilter.nf_conntrack_udp_timeout_stream=3600

echo "# bad command lines: exit 2, one line, nothing sent"
usage_error "unknown command" frobnicate
usage_error "unknown option" --frobnicate show
usage_error "show: bad address" show ike lan 10.1.0
usage_error "show: address out of range" show ike lan 192.168.1.256
usage_error "show: filter without a table" show lan "$LAN1"
usage_error "show: unknown table" show gre
usage_error "flush: unknown table" flush pending
usage_error "flush: bad address" flush ike lan x
usage_error "del: short cookie" del ike 12345
usage_error "del: long SPI" del esp 123456789
usage_error "del: not hex" del esp zz
usage_error "del: peer without an address" del ike 6000000000000000 peer
usage_error "stats: unknown argument" stats --verbose
usage_error "stats reset with more" stats reset --all
usage_error "monitor: two tables" monitor ike esp
usage_error "-b with a command" -b /dev/null show
usage_error "-b of a missing file" -b "$T/missing.conf"
usage_error "set of an unknown key" set no_such_key 1
usage_error "completion for another shell" completion zsh
usage_error "help for an unknown command" help frobnicate

echo "# help, version, completion"
out=$(gwctl help)
check_match "help lists monitor" '^  monitor \[ike[|]esp[|]pending[|]pptp[|]all\]$' "$out"
check_match "help del shows its synopsis" '^Usage: vpnmasq-ctl del ike COOKIE' "$(gwctl help del)"
check_match "version names the module" '^vpnmasq module ' "$(gwctl version)"
check "version -j parses" sh -c "ip netns exec gw $CTL -j version | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"module_version\"]'"
gwctl completion bash >"$T/completion.bash"
compl=$(bash --norc -c 'source "$1" || exit 9
COMP_WORDS=(vpnmasq-ctl show ike ""); COMP_CWORD=3; _vpnmasq_ctl
echo "${COMPREPLY[*]}"
COMP_WORDS=(vpnmasq-ctl set enabled ""); COMP_CWORD=3; _vpnmasq_ctl
echo "${COMPREPLY[*]}"' _ "$T/completion.bash")
check_eq "completion: sourced, offers filters after a table and on/off" \
	"lan peer
on off" "$compl"

echo "# monitor in the background"
ip netns exec gw "$CTL" -t monitor >"$MON" 2>"$T/monitor.err" &
MONPID=$!
ip netns exec gw "$CTL" -j -t monitor ike >"$MONJ" 2>"$T/monitorj.err" &
MONJPID=$!
sleep 1
check "text monitor is running" kill -0 "$MONPID"
check "JSON monitor is running" kill -0 "$MONJPID"

echo "# $N + $N2 ISAKMP associations"
t0=$SECONDS
ike_send lan1 6000000000000000 "$N"
ike_send lan2 6100000000000000 "$N2"
echo "    (sent in $((SECONDS - t0)) s)"
check_eq "summary counts every association" "$((N + N2))" \
	"$(gwctl -j show | py 'j["tables"]["ike"]')"
check_match "summary text lists the entries" "ike $((N + N2))" "$(gwctl show)"
t0=$SECONDS
gwctl -j show ike >"$T/ike.json"
echo "    (show -j ike of $((N + N2)) entries in $((SECONDS - t0)) s)"
check "show -j ike parses" json_ok <"$T/ike.json"
check_eq "show -j ike: every association exactly once" "$((N + N2)) $((N + N2))" \
	"$(py 'len(j["ike"]), len({(r["remote"], r["lan"], r["icookie"]) for r in j["ike"]})' <"$T/ike.json" | tr -d '(),')"
check_eq "show -j ike: all of lan1's cookies" "$N" \
	"$(py "len({r['icookie'] for r in j['ike'] if r['lan'] == '$LAN1' and r['icookie'].startswith('6000')})" <"$T/ike.json")"
check_eq "show -j ike: keys of a row" \
	"remote lan icookie rcookie zone idle_ms packets how" \
	"$(py '" ".join(j["ike"][0].keys())' <"$T/ike.json")"
check_eq "show -j ike: cookies as hex strings, counters as numbers" "True True" \
	"$(py 'all(len(r["icookie"]) == 16 for r in j["ike"]), all(type(r["packets"]) is int for r in j["ike"])' <"$T/ike.json" | tr -d '(),')"
gwctl show ike >"$T/ike.txt"
check_eq "show ike: a header and one line per association" "$((N + N2 + 1))" \
	"$(wc -l <"$T/ike.txt")"
check_match "show ike: header without counter columns" '^REMOTE +LAN +ICOOKIE +RCOOKIE +ZONE +IDLE +HOW$' \
	"$(head -1 "$T/ike.txt")"
check_eq "show ike: no cookie twice" "$((N + N2))" "$(tail -n +2 "$T/ike.txt" | awk '{print $3}' | sort -u | wc -l)"
check_match "-s show ike: packets column" '^REMOTE +LAN +ICOOKIE +RCOOKIE +ZONE +IDLE +HOW +PACKETS$' \
	"$(gwctl -s show ike | head -1)"
check_eq "--no-headers show ike: no header line" "$((N + N2))" "$(gwctl --no-headers show ike | wc -l)"
check_eq "show ike lan $LAN2: only lan2's" "$N2" "$(gwctl --no-headers show ike lan "$LAN2" | wc -l)"
check_eq "show ike lan $LAN2: every row is lan2's" "$N2" \
	"$(gwctl --no-headers show ike lan "$LAN2" | awk -v l="$LAN2" '$2 == l' | wc -l)"
check_eq "show -j ike lan $LAN2 peer $REMOTE" "$N2" \
	"$(gwctl -j show ike lan "$LAN2" peer "$REMOTE" | py 'len(j["ike"])')"
check_eq "show ike peer of another remote: nothing" "0" \
	"$(gwctl -j show ike peer 198.51.100.1 | py 'len(j["ike"])')"
check_eq "show -j all: every table" "ike esp pending pptp nego" \
	"$(gwctl -j show all lan "$LAN2" | py '" ".join(j.keys())')"
out=$(gwctl show all lan "$LAN2")
check_match "show all: titled sections" '^pptp:$' "$out"
check "-j -p show ike parses" sh -c "ip netns exec gw $CTL -j -p show ike lan $LAN2 | python3 -c 'import json,sys; json.load(sys.stdin)'"

echo "# dumps while entries keep being added"
ike_churn lan2 6200000000000000 10 &
churn=$!
sleep 1
for i in 1 2 3; do
	gwctl -j show ike >"$T/churn.json" 2>"$T/churn.err"
	rc=$?
	check_eq "dump $i during additions exits 0" 0 "$rc"
	check "dump $i during additions parses" json_ok <"$T/churn.json"
	check_eq "dump $i during additions: no entry twice, all of lan1's there" "True $N" \
		"$(py "len(j['ike']) == len({(r['remote'], r['lan'], r['icookie']) for r in j['ike']}), len([r for r in j['ike'] if r['lan'] == '$LAN1'])" <"$T/churn.json" | tr -d '(),')"
	[ -s "$T/churn.err" ] && echo "    stderr: $(cat "$T/churn.err")"
done
check_eq "text dump during additions: no cookie twice" "0" \
	"$(gwctl --no-headers show ike 2>/dev/null | awk '{print $3}' | sort | uniq -d | wc -l)"
wait "$churn"

echo "# monitor saw the new entries"
check "monitor: new lan1 entries with the time" \
	wait_for "$MON" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} new ike remote $REMOTE lan $LAN1 icookie 6000000000000" 10
check "monitor: lan2's entries too" wait_for "$MON" " new ike remote $REMOTE lan $LAN2 icookie 6100000000000013 " 10

echo "# flush of one LAN host"
n2=$(gwctl -j show ike lan "$LAN2" | py 'len(j["ike"])')
out=$(gwctl flush ike lan "$LAN2")
check_eq "flush ike lan $LAN2 says how many" "$n2 associations removed" "$out"
check_eq "lan2 has none left" 0 "$(gwctl -j show ike lan "$LAN2" | py 'len(j["ike"])')"
check_eq "lan1 keeps all of its" "$N" "$(gwctl -j show ike lan "$LAN1" | py 'len(j["ike"])')"
check "monitor: lan2's entries flushed" \
	wait_for "$MON" " del ike remote $REMOTE lan $LAN2 icookie 6100000000000000 .* reason flushed$" 10
check_eq "flush -j of nothing" '{"removed":0}' "$(gwctl -j flush ike lan "$LAN2")"

echo "# del"
out=$(gwctl del ike 6000000000000005)
check_eq "del ike COOKIE" "1 associations removed" "$out"
check_eq "the cookie is gone" 0 \
	"$(gwctl -j show ike | py "len([r for r in j['ike'] if r['icookie'] == '6000000000000005'])")"
check_eq "del -j ike 0xCOOKIE peer ADDR" '{"removed":1}' \
	"$(gwctl -j del ike 0x6000000000000006 peer "$REMOTE")"
out=$(gwctl del ike 6000000000000005 2>&1)
rc=$?
check_eq "del of an unknown cookie exits 1" 1 "$rc"
check_match "del of an unknown cookie shows the kernel's reason" '^Error: .*no ISAKMP association' "$out"
out=$(gwctl del ike 6000000000000007 peer 198.51.100.1 2>&1)
check_eq "del with another peer finds nothing (exit 1)" "1" "$?"
check "monitor: deleted entry" wait_for "$MON" " del ike .* icookie 6000000000000005 .* reason deleted$" 10

echo "# ESP: an outbound SPI takes the slot, the inbound one is bound"
# each esp_send starts python, seconds under TCG: the slot must outlast two
gwctl set serial_wait 20000
esp_send lan1 "$REMOTE" 1001
sleep 0.3
check_eq "show -j pending: the remote's slot" "$REMOTE $LAN1 00001001" \
	"$(gwctl -j show pending | py "' '.join(j['pending'][0][k] for k in ('remote', 'lan', 'spi')) if j['pending'] else 'none'")"
esp_send rem "$GW_PUB" 2001
sleep 0.3
gwctl -j show esp >"$T/esp.json"
check "show -j esp parses" json_ok <"$T/esp.json"
check_eq "show -j esp: both SPIs" "00001001 out,00002001 in" \
	"$(py "','.join(sorted(r['spi'] + ' ' + r['dir'] for r in j['esp']))" <"$T/esp.json")"
check_match "-s show esp: packets and bytes" 'PACKETS +BYTES$' "$(gwctl -s show esp | head -1)"
check "monitor: new esp" wait_for "$MON" " new esp remote $REMOTE lan $LAN1 spi 00002001 dir in " 10
check "monitor: pending slot answered" wait_for "$MON" " del pending remote $REMOTE lan $LAN1 .* reason answered$" 10
check_eq "del esp SPI peer ADDR" "1 associations removed" "$(gwctl del esp 2001 peer "$REMOTE")"
check_eq "del esp 0xSPI" '{"removed":1}' "$(gwctl -j del esp 0x00001001)"
out=$(gwctl del esp 2001 2>&1)
rc=$?
check_eq "del of an unknown SPI exits 1" 1 "$rc"
check_match "del of an unknown SPI shows the kernel's reason" '^Error: .*no ESP association' "$out"

echo "# flush everything"
left=$(gwctl -j show ike | py 'len(j["ike"])')
check_eq "flush says how many" "$left associations removed" "$(gwctl flush)"
check_eq "nothing left" "0 0" "$(gwctl -j show all | py 'len(j["ike"]), len(j["esp"])' | tr -d '(),')"
# (a burst of 10 000 events may overflow the monitor's buffer: any of them)
check "monitor: flushed lan1 entries" \
	wait_for "$MON" " del ike remote $REMOTE lan $LAN1 icookie 6000[0-9a-f]{12} .* reason flushed$" 10

echo "# expiry"
check "set ike_timeout 10 (the minimum)" gwctl set ike_timeout 10
ike_send lan1 6300000000000000 1
check "monitor: the entry expires after ike_timeout" \
	wait_for "$MON" " del ike remote $REMOTE lan $LAN1 icookie 6300000000000000 .* reason expired$" 25
check_eq "ike_expired counted" True "$(gwctl -j stats | py 'j["counters"]["ike_expired"] >= 1')"
check "set ike_timeout 600 again" gwctl set ike_timeout 600

echo "# the monitors end on SIGTERM / SIGINT with exit 0"
kill -TERM "$MONPID"
wait "$MONPID"
check_eq "text monitor: exit 0 on SIGTERM" 0 "$?"
MONPID=
kill -INT "$MONJPID"
wait "$MONJPID"
check_eq "JSON monitor: exit 0 on SIGINT" 0 "$?"
MONJPID=
check "JSON monitor: every line parses, with time, event, reason, table, entry" python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert list(o)[:5] == ["time", "event", "reason", "table", "entry"], o
    assert o["table"] == "ike", o
    n += 1
assert n > 0
' "$MONJ"
check "JSON monitor: a flushed entry" grep -q '"event":"del","reason":"flushed","table":"ike"' "$MONJ"
check_eq "JSON monitor saw only ike" 0 "$(grep -c '"table":"esp"' "$MONJ")"
echo "    (monitors: $(wc -l <"$MON") and $(wc -l <"$MONJ") events," \
	"$(grep -c 'events lost' "$T/monitor.err") and $(grep -c 'events lost' "$T/monitorj.err") 'events lost' lines)"
check_eq "monitor stderr: only 'events lost' lines" "" \
	"$(cat "$T/monitor.err" "$T/monitorj.err" | grep -v '^vpnmasq-ctl: events lost (receive buffer full)$')"

echo "# stats"
out=$(gwctl stats)
check_match "stats: non-zero counters" '^ike_new +[1-9]' "$out"
check_eq "stats: no zero counters" "" "$(awk '$2 == 0' <<<"$out")"
nstats=$(gwctl -j stats | py 'len(j["counters"])')
check_eq "stats --all: every counter" "$nstats" "$(gwctl stats --all | wc -l)"
check_match "stats --all: zero ones too" '^pptp_refused +0$' "$(gwctl stats --all)"
out=$(gwctl stats --all --explain)
check_match "stats --explain: a third column" '^ike_table_full +[0-9]+ +refused: .*set max_assoc' "$out"
check_eq "stats --explain: every counter explained" "$nstats" "$(awk 'NF >= 3' <<<"$out" | wc -l)"
check_eq "-j stats --explain" True "$(gwctl -j stats --explain | py 'set(j["explanations"]) == set(j["counters"])')"
check "stats reset" gwctl stats reset
check_eq "stats after reset: every counter zero" True "$(gwctl -j stats | py 'all(v == 0 for v in j["counters"].values())')"
check_eq "stats text after reset" "all counters are zero (stats --all lists them)" "$(gwctl stats)"

echo "# showconf -> -b"
gwctl showconf >"$T/conf"
check_match "showconf: a comment header" '^# vpnmasq tunables' "$(head -1 "$T/conf")"
# every tunable the module reports but the LAN scope (a list of prefixes)
check_eq "showconf: one set line per tunable" \
	"$(gwctl -j show | py 'len([k for k in j["config"] if k != "lan"])')" \
	"$(grep -c '^set [a-z_]* [a-z0-9]*$' "$T/conf")"
check_match "showconf: booleans as on/off" '^set pptp on$' "$(cat "$T/conf")"
sed -e 's/^set ike_timeout .*/set ike_timeout 1234/' -e 's/^set hold_max .*/set hold_max 32/' \
	-e 's/^set enabled .*/set enabled off/' "$T/conf" >"$T/conf.new"
check "-b applies the edited file" gwctl -b "$T/conf.new"
check_eq "-b: values applied" "1234 32 0" "$(gwctl get ike_timeout) $(gwctl get hold_max) $(gwctl get enabled)"
check_eq "showconf reads back what -b applied" "$(grep '^set' "$T/conf.new")" "$(gwctl showconf | grep '^set')"
check "-b - reads stdin" sh -c "grep -v enabled '$T/conf' | ip netns exec gw $CTL -b -"
check_eq "-b -: applied, enabled left alone" "600 16 0" \
	"$(gwctl get ike_timeout) $(gwctl get hold_max) $(gwctl get enabled)"
printf 'set esp_timeout 999\nset enabled on\nshow ike\n' >"$T/bad.conf"
out=$(gwctl -b "$T/bad.conf" 2>&1)
rc=$?
check_eq "-b with a bad line exits 2" 2 "$rc"
check_eq "-b with a bad line names file and line" \
	"vpnmasq-ctl: $T/bad.conf:3: expected 'set KEY VALUE...', a '# comment' or nothing, got 'show'" "$out"
check_eq "-b with a bad line changed nothing" "600 0" "$(gwctl get esp_timeout) $(gwctl get enabled)"
printf 'set esp_timeout 999\n# again\nset esp_timeout 998\n' >"$T/twice.conf"
out=$(gwctl -b "$T/twice.conf" 2>&1)
check_eq "-b: a key set twice names both lines (exit 2)" \
	"2 vpnmasq-ctl: $T/twice.conf:3: 'esp_timeout' set twice, first on line 1" "$? $out"
printf 'set esp_timeout 999 enabled on\nset ike_timeout 5\n' >"$T/range.conf"
out=$(gwctl -b "$T/range.conf" 2>&1)
rc=$?
check_eq "-b refused by the kernel exits 1" 1 "$rc"
check_match "-b refused: the kernel's reason" '^Error: .*\(key: ike_timeout' "$out"
check_eq "-b refused: all or nothing" "600 0" "$(gwctl get esp_timeout) $(gwctl get enabled)"
check "set enabled on again" gwctl set enabled on

echo "# without CAP_NET_ADMIN"
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all)
out=$(ip netns exec gw "${NOBODY[@]}" "$CTL" set enabled 0 2>&1)
check_eq "unprivileged set exits 1" "1" "$?"
check_match "unprivileged set: the kernel's reason" '^Error: Operation not permitted' "$out"
out=$(ip netns exec gw "${NOBODY[@]}" "$CTL" flush 2>&1)
check_eq "unprivileged flush exits 1" "1" "$?"
check_match "unprivileged flush: the kernel's reason" '^Error: Operation not permitted' "$out"
out=$(ip netns exec gw "${NOBODY[@]}" "$CTL" stats reset 2>&1)
check_eq "unprivileged stats reset exits 1" "1" "$?"
out=$(ip netns exec gw "${NOBODY[@]}" "$CTL" del ike 6000000000000001 2>&1)
check_eq "unprivileged del exits 1" "1" "$?"
out=$(ip netns exec gw timeout 10 "${NOBODY[@]}" "$CTL" monitor 2>&1)
rc=$?
check_eq "unprivileged monitor exits 1" 1 "$rc"
check_match "unprivileged monitor says why in one line" \
	'^vpnmasq-ctl: monitor: cannot join the multicast group "events" of "vpnmasq": .*CAP_NET_ADMIN' "$out"
check "unprivileged show works" ip netns exec gw "${NOBODY[@]}" "$CTL" show
check "unprivileged show ike works" ip netns exec gw "${NOBODY[@]}" "$CTL" show ike
check_eq "unprivileged set changed nothing" 1 "$(gwctl get enabled)"

echo "# the module unloaded"
ns_cleanup
check "rmmod vpnmasq" rmmod vpnmasq
old_modprobe=$(cat /proc/sys/kernel/modprobe)
echo /bin/true >/proc/sys/kernel/modprobe
for cmd in "show" "show ike" "flush" "monitor" "stats reset"; do
	# shellcheck disable=SC2086 # one argument a word
	out=$(timeout 10 "$CTL" $cmd 2>&1)
	rc=$?
	check_eq "module absent: $cmd exits 3" 3 "$rc"
done
check_match "module absent: the hint" 'is the module loaded\? try: modprobe vpnmasq' "$out"
echo "$old_modprobe" >/proc/sys/kernel/modprobe

kmsg_scan "kernel log clean after the vpnmasq-ctl tests"
summary
