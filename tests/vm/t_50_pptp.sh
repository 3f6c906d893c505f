#!/bin/bash
# PPTP through one masquerading gateway with real peers: pptpd in the
# remote's namespace, pptp-linux + pppd in up to four LAN namespaces, the
# ordinary masquerade rule and nothing else. Without vpnmasq (pptp 0) a
# call cannot come up; with it every call does, each with its own
# masqueraded Call ID. Hang-up and redial, a killed control connection,
# an admin's own nft ct helper rule, rmmod under live calls. Runs in the
# guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/pptp.sh

kmsg_mark
vpnmasq_load
check "modprobe loaded the PPTP conntrack and NAT helpers" \
	grep -qw nf_nat_pptp /proc/modules

topo_setup 4
check "pptpd listens in the remote's namespace" pptp_server rem

# lan ID MASQ-ID PAC-ID CALL GRE-OUT GRE-IN, one line per call
pptp_rows() {
	ip netns exec gw "$CTL" -j show pptp | python3 -c '
import json, sys
for c in json.load(sys.stdin)["pptp"]:
    print(c["lan"], c["pns_call_id"], c["pns_call_id_masq"], c["pac_call_id"],
          c["call"], c["gre_out"], c["gre_in"])'
}

# calls_of LAN-ADDR: how many listed calls belong to that host
calls_of() { pptp_rows | awk -v a="$1" '$1 == a' | wc -l; }

calls_are() { [ "$(pptp_rows | wc -l)" -eq "$1" ]; }
host_calls_are() { [ "$(calls_of "$1")" -eq "$2" ]; }
stat_gt() { [ "$(stat "$1")" -gt "$2" ]; }

# wait_calls N: until exactly N calls are listed (10 s)
wait_calls() { retry 50 calls_are "$1"; }
# wait_calls_of ADDR N: until exactly N calls of LAN host ADDR are listed (10 s)
wait_calls_of() { retry 50 host_calls_are "$1" "$2"; }
# stat_above NAME VALUE: until counter NAME exceeds VALUE (5 s)
stat_above() { retry 25 stat_gt "$1" "$2"; }

ping_server() { ip netns exec "$1" ping -c 3 -i 0.3 -W 5 -I ppp0 "$PPTP_SERVER_PPP"; }

# --- negative: with vpnmasq's PPTP handling off, plain masquerade fails
ip netns exec gw "$CTL" set pptp 0
pptp_dial lan1 "$REMOTE"
check_not "pptp 0: plain masquerade, lan1's call never comes up" pptp_up lan1 20
check_eq "pptp 0: no helper attached" 0 "$(stat pptp_attached)"
pptp_hangup lan1
ip netns exec gw "$CTL" set pptp 1

# --- two clients at once
for i in 1 2; do pptp_dial "lan$i" "$REMOTE"; done
for i in 1 2; do
	check "lan$i: ppp0 up through the gateway" pptp_up "lan$i"
done
for i in 1 2; do
	check "lan$i pings the server's PPP address" ping_server "lan$i"
done
check "two calls listed" wait_calls 2
rows=$(pptp_rows)
echo "$rows" | sed 's/^/    /'
for i in 1 2; do
	check_eq "one call of lan$i" 1 "$(calls_of "$(lan_ip "$i")")"
done
check_eq "distinct masqueraded PNS Call IDs" 2 "$(awk '{print $3}' <<<"$rows" | sort -u | wc -l)"
check_eq "both calls established" 2 "$(awk '$5 == "established"' <<<"$rows" | wc -l)"
check_eq "GRE counted both ways for both calls" 2 "$(awk '$6 > 0 && $7 > 0' <<<"$rows" | wc -l)"
gre=$(ip netns exec gw conntrack -L -p gre 2>/dev/null)
check_eq "conntrack: one GRE entry per call" 2 "$(grep -c 'dst=' <<<"$gre")"
check_eq "conntrack: the GRE entries carry vpnmasq's counting helper" 2 \
	"$(grep -c 'helper=vpnmasq' <<<"$gre")"
check_eq "pptp_attached counts both control connections" 1 \
	"$([ "$(stat pptp_attached)" -ge 2 ] && echo 1 || echo 0)"
check_eq "pptp_opened counts both calls" 2 "$(stat pptp_opened)"

# --- four clients
for i in 3 4; do pptp_dial "lan$i" "$REMOTE"; done
for i in 3 4; do
	check "lan$i: ppp0 up (four calls at once)" pptp_up "lan$i"
done
for i in 1 2 3 4; do
	check "lan$i pings the server with four calls up" ping_server "lan$i"
done
check "four calls listed" wait_calls 4
rows=$(pptp_rows)
echo "$rows" | sed 's/^/    /'
check_eq "four distinct masqueraded PNS Call IDs" 4 "$(awk '{print $3}' <<<"$rows" | sort -u | wc -l)"
check_eq "four LAN hosts" 4 "$(awk '{print $1}' <<<"$rows" | sort -u | wc -l)"
ip netns exec gw "$CTL" show pptp

# --- hang up and redial
closed0=$(stat pptp_closed)
check "lan1 hangs up" pptp_hangup lan1
check "lan1's call is gone from the list" wait_calls 3
check_eq "lan1 has no call left" 0 "$(calls_of "$(lan_ip 1)")"
check "pptp_closed counts the hang-up" stat_above pptp_closed "$closed0"
check_eq "lan1's GRE entry went with its call" 3 \
	"$(ip netns exec gw conntrack -L -p gre 2>/dev/null | grep -c 'dst=')"
pptp_dial lan1 "$REMOTE"
check "lan1 redials: ppp0 up again" pptp_up lan1
check "lan1 pings after redialling" ping_server lan1
check "four calls listed again" wait_calls 4

# --- control connection killed mid-call
closed0=$(stat pptp_closed)
check "lan2's pptp call manager killed" pptp_kill_control lan2
check "lan2's call leaves the list when its control connection dies" wait_calls 3
check_eq "lan2 has no call left" 0 "$(calls_of "$(lan_ip 2)")"
check "pptp_closed counts the lost call" stat_above pptp_closed "$closed0"
check "lan3 unaffected: still pings" ping_server lan3
pptp_hangup lan2 >/dev/null

# --- an admin's explicit helper rule at the same time: no double attach
check "admin adds an nft ct helper rule for tcp 1723" ip netns exec gw nft -f - <<'NFT'
table inet admin {
	ct helper pptp-helper {
		type "pptp" protocol tcp
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp-helper"
	}
}
NFT
pptp_dial lan2 "$REMOTE"
check "lan2 redials with the admin's rule present" pptp_up lan2
check "lan2 pings with both vpnmasq and the admin's rule" ping_server lan2
check "four calls listed with the admin's rule" wait_calls 4
check_eq "lan2's new call is listed once" 1 "$(calls_of "$(lan_ip 2)")"
check_match "conntrack: lan2's control connection has the pptp helper" 'helper=pptp' \
	"$(ip netns exec gw conntrack -L -p tcp --dport 1723 -s "$(lan_ip 2)" 2>/dev/null)"

# --- an admin flushes one host's calls; the events group tells of it.
# The other calls are not checked: lan4's client keeps sending GRE, the
# server's answers now reach the gateway itself, which returns ICMP
# protocol-unreachable, and pptpd then drops every call from the gateway's
# address (seen in 1 of 2 runs). That is what deleting live conntrack
# entries does; the man page says so.
mon=$(mktemp)
ip netns exec gw "$CTL" -j monitor pptp >"$mon" 2>&1 &
monpid=$!
sleep 1
# lan4's control connection by conntrack id: its client's next segment may
# open a new entry (conntrack picks up TCP midstream), the old one must go
ctl_ids() {
	ip netns exec gw conntrack -L -p tcp --dport 1723 -s "$(lan_ip 4)" -o id 2>/dev/null |
		grep -o 'id=[0-9]*' | sort
}
old_ids=$(ctl_ids)
check "flush pptp lan <lan4> ends lan4's call" \
	ip netns exec gw "$CTL" flush pptp lan "$(lan_ip 4)"
check "lan4's call leaves the list" wait_calls_of "$(lan_ip 4)" 0
check_eq "conntrack: lan4's control connection had an entry" 1 "$(grep -c . <<<"$old_ids")"
check_eq "conntrack: lan4's control connection is gone" "" \
	"$(comm -12 <(echo "$old_ids") <(ctl_ids))"
sleep 1
kill "$monpid"
wait "$monpid" 2>/dev/null
# events: "event table reason lan", one line each
events=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(e["event"], e["table"], e["reason"], e["entry"]["lan"])' "$mon")
check_match "monitor: lan4's call closed" "del pptp closed $(lan_ip 4)" "$events"
rm -f "$mon"
pptp_hangup lan4 >/dev/null
pptp_dial lan4 "$REMOTE"
check "lan4 redials after the flush" pptp_up lan4
check "lan4 pings after redialling" ping_server lan4

# --- rmmod while calls are up: mainline's helper keeps them going
for i in 1 2 3 4; do pptp_hangup "lan$i" >/dev/null; done
check "all calls gone after hang-ups" wait_calls 0
pptp_dial lan3 "$REMOTE"
check "lan3 dials once more" pptp_up lan3
check "rmmod vpnmasq with a live call" rmmod vpnmasq
check "lan3's call survives the unload" ping_server lan3
pptp_hangup lan3 >/dev/null
check "modprobe vpnmasq again" modprobe vpnmasq

kill "$(cat "$PPTP_DIR/pptpd.pid" 2>/dev/null)" 2>/dev/null
ns_cleanup
kmsg_scan "kernel log clean after PPTP"
summary
