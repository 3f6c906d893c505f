#!/bin/bash
# ISAKMP/IKE through one masquerading gateway: every LAN host keeps source
# port 500, each reply reaches only its host, remote-initiated exchanges are
# delivered only when unambiguous, bad input is counted, the gateway's own
# IKE is untouched. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

PEER=(/usr/bin/python3 tests/vm/ike_peer.py)
RLOG=/tmp/ike-remote.log
kmsg_mark

vpnmasq_load

cookie() { printf '%016x' $((0x7000000000000000 + $1)); }

responder_start() {
	: >"$RLOG"
	ip netns exec rem "${PEER[@]}" responder "$RLOG" &
	RESPONDER=$!
	sleep 0.5
}

# listen_on NS COOKIE TIMEOUT: a listener for COOKIE in NS, bound to UDP 500
# before this returns (python's start under TCG can take seconds); its
# pid in LISTENER. It ends as soon as COOKIE comes, so a check that expects
# it gives the sender's own start (seconds on a debug kernel) a long
# TIMEOUT.
listen_on() {
	local ready
	ready=$(mktemp -u /tmp/ike-ready.XXXXXX)
	ip netns exec "$1" "${PEER[@]}" listen "$2" --timeout "$3" --ready "$ready" &
	LISTENER=$!
	for _ in $(seq 1 300); do
		[ -e "$ready" ] && break
		sleep 0.1
	done
	rm -f "$ready"
}

teardown() {
	kill "$RESPONDER" 2>/dev/null
	wait "$RESPONDER" 2>/dev/null
	ip -all netns delete
}

# hosts_initiate N VERSION BASE: every LAN host starts an exchange at once
hosts_initiate() {
	local n=$1 ver=$2 base=$3 i
	local -a pids
	for i in $(seq 1 "$n"); do
		ip netns exec "lan$i" "${PEER[@]}" initiator "$REMOTE" \
			"$(cookie $((base + i)))" --version "$ver" &
		pids[i]=$!
	done
	for i in $(seq 1 "$n"); do
		wait "${pids[i]}"
		check_eq "IKEv$ver: lan$i got the reply to its own cookie" 0 $?
	done
}

# ports_seen BASE N: source ports the remote saw for these cookies
ports_seen() {
	local base=$1 n=$2 i
	for i in $(seq 1 "$n"); do
		awk -v c="$(cookie $((base + i)))" '$3 == c { print $2 }' "$RLOG"
	done | sort -u | tr '\n' ' '
}

for n in 2 8; do
	echo "# $n LAN hosts, one remote"
	topo_setup "$n"
	responder_start
	hosts_initiate "$n" 1 $((n * 100))
	check_eq "$n hosts: remote saw only source port 500" "500 " \
		"$(ports_seen $((n * 100)) "$n")"
	check_eq "$n hosts: remote saw every cookie from the public address" "$n" \
		"$(awk '$1 == "'$GW_PUB'" && $2 == 500' "$RLOG" | awk '{print $3}' | sort -u | wc -l)"
	entries=$(ip netns exec gw conntrack -L -p udp --dport 500 2>/dev/null |
		grep -c 'sport=500 dport=500')
	check_eq "$n hosts: conntrack shows one UDP 500 entry per host" "$n" "$entries"
	check_match "$n hosts: conntrack entries carry reply zones" 'zone' \
		"$(ip netns exec gw conntrack -L -p udp --dport 500 2>/dev/null)"
	check_eq "$n hosts: $n associations created" "$n" "$(stat ike_new)"
	hosts_initiate "$n" 2 $((n * 100 + 50))
	check_eq "$n hosts IKEv2: remote saw only source port 500" "500 " \
		"$(ports_seen $((n * 100 + 50)) "$n")"
	teardown
done

echo "# baseline: with vpnmasq disabled, stock masquerade remaps the port"
topo_setup 2
ip netns exec gw "$CTL" set enabled 0
responder_start
hosts_initiate 2 1 300
check_match "disabled: the second host's source port is remapped" \
	'^500 [0-9]+ $|^[0-9]+ 500 $' "$(ports_seen 300 2)"
teardown

echo "# remote-initiated exchanges"
topo_setup 2
responder_start
hosts_initiate 1 1 400
# a new exchange on lan1's IKE SA (its cookie), started by the remote
listen_on lan1 "$(cookie 401)" 30
l=$LISTENER
ip netns exec rem "${PEER[@]}" send "$GW_PUB" "$(cookie 401)" --rcookie 99
wait $l
check_eq "remote's message on lan1's IKE SA reaches lan1" 0 $?
# a new Phase 1 from the remote: only lan1 has IKE state: unambiguous
listen_on lan1 "$(cookie 499)" 30
l=$LISTENER
ip netns exec rem "${PEER[@]}" send "$GW_PUB" "$(cookie 499)"
wait $l
check_eq "new Phase 1 from the remote reaches the only host with state" 0 $?
# two hosts with state: refuse rather than guess
ip netns exec lan2 "${PEER[@]}" initiator "$REMOTE" "$(cookie 402)" >/dev/null
before=$(stat ike_ambiguous)
listen_on lan1 "$(cookie 498)" 6
l1=$LISTENER
listen_on lan2 "$(cookie 498)" 6
l2=$LISTENER
ip netns exec rem "${PEER[@]}" send "$GW_PUB" "$(cookie 498)"
wait $l1
r1=$?
wait $l2
r2=$?
check_eq "ambiguous new Phase 1 reaches no host" "1 1" "$r1 $r2"
check_eq "ambiguous new Phase 1 counted" $((before + 1)) "$(stat ike_ambiguous)"

echo "# bad input"
before=$(stat ike_malformed)
ip netns exec lan1 "${PEER[@]}" send "$REMOTE" --raw deadbeef
ip netns exec lan1 "${PEER[@]}" send "$REMOTE" --raw "$(printf '00%.0s' $(seq 1 40))"
sleep 0.5
check_eq "truncated and zero-cookie messages counted as malformed" \
	$((before + 2)) "$(stat ike_malformed)"
check "malformed messages still forwarded (accepted, not tracked)" \
	grep -q "^$GW_PUB [0-9]* short" "$RLOG"
# Unclaimed, this opens a default-zone entry remote:500 -> gateway:500 that
# the hosts' replies must not fall into.
ip netns exec rem "${PEER[@]}" send "$GW_PUB" --raw deadbeefdeadbeef
sleep 0.5
check_eq "malformed message from the remote counted" \
	$((before + 3)) "$(stat ike_malformed)"
ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" "$(cookie 401)" --tries 1
check_eq "lan1 still served next to the remote's unclaimed entry" 0 $?
before=$(stat ike_collision)
ip netns exec lan2 "${PEER[@]}" initiator "$REMOTE" "$(cookie 401)" --tries 1 --wait 1
check_eq "lan2 reusing lan1's cookie gets no reply" 1 $?
check_eq "cookie collision counted" $((before + 1)) "$(stat ike_collision)"
ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" "$(cookie 401)" --tries 1
check_eq "lan1 still served after the collision" 0 $?
# a flood of unknown cookies from the WAN changes nothing for the hosts
before=$(stat ike_ambiguous)
ip netns exec rem "${PEER[@]}" send "$GW_PUB" "$(cookie 5000)" --count 2000
sleep 1
check_eq "flood of 2000 unknown cookies refused and counted" \
	$((before + 2000)) "$(stat ike_ambiguous)"
ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" "$(cookie 401)" --tries 1
check_eq "lan1 still served after a flood of unknown cookies" 0 $?

echo "# the gateway's own IKE"
ip netns exec gw "${PEER[@]}" initiator "$REMOTE" "$(cookie 600)" --bind "$GW_PUB"
check_eq "gateway's own UDP 500 exchange works with vpnmasq loaded" 0 $?
dump=$(ip netns exec gw "$CTL" show ike 2>&1)
check_match "show ike lists lan1's association" "192.168.1.11" "$dump"
check_match "show ike lists the gateway's own cookie" "$(cookie 600)" "$dump"
teardown

echo "# enabled 0 per netns"
topo_setup 1
responder_start
ip netns exec gw "$CTL" set enabled 0
hosts_initiate 1 1 700
check_eq "disabled: nothing is claimed" 0 "$(stat ike_new)"
teardown

kmsg_scan "kernel log clean after the ISAKMP tests"
summary
