#!/bin/bash
# Real IKEv1 (libreswan, no NAT-T, raw ESP) from two LAN hosts to one
# responder through one masquerading gateway: both establish IKE and IPsec
# SAs from source port 500 and ping through their ESP tunnels. Runs in the
# guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/swan.sh

kmsg_mark
vpnmasq_load

topo_setup 2
swan_hosts 2

for i in 1 2; do
	swan_whack "lan$i" --name vpn --initiate --asynchronous >/dev/null 2>&1
done
ok=
for t in $(seq 1 60); do
	s1=$(swan_whack lan1 --trafficstatus 2>/dev/null)
	s2=$(swan_whack lan2 --trafficstatus 2>/dev/null)
	if grep -q vpn <<<"$s1" && grep -q vpn <<<"$s2"; then ok=1; break; fi
	sleep 1
done
check_eq "both hosts established IKEv1 + IPsec SAs" 1 "${ok:-0}"
# What the responder saw: every IKE flow from the public address, port 500.
ike_ct=$(ip netns exec gw conntrack -L -p udp --dport 500 2>/dev/null)
check_eq "conntrack: one UDP 500 entry per host" 2 "$(grep -c "dst=$REMOTE" <<<"$ike_ct")"
check_eq "both masqueraded to source port 500" 2 \
	"$(grep -cE "src=$REMOTE dst=$GW_PUB sport=500 dport=500" <<<"$ike_ct")"
check_match "responder has an IPsec SA for each host" 'host1.*host2|host2.*host1' \
	"$(swan_whack rem --trafficstatus 2>&1 | tr '\n' ' ')"
for i in 1 2; do
	check "lan$i pings the remote's subnet through its ESP tunnel" ping_tunnel "$i"
done
check_eq "no conntrack insert_failed" 0 \
	"$(ip netns exec gw conntrack -S | sed -n 's/.*insert_failed=\([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')"
check_eq "ISAKMP: one association per host's IKE SA at least" 1 \
	"$( [ "$(stat ike_new)" -ge 2 ] && echo 1 || echo 0)"
# bound by the pending slot or by the negotiation each host was just seen
# to complete, whichever came first
check_eq "ESP: both hosts' inbound SPIs associated" 2 \
	"$(ip netns exec gw "$CTL" show esp | awk '$4 == "in" { print $2 }' | sort -u | wc -l)"
check_eq "ESP: counted as bound (esp_associated + esp_nego_bound)" 1 \
	"$( [ $(($(stat esp_associated) + $(stat esp_nego_bound))) -ge 2 ] && echo 1 || echo 0)"
for t in ike esp nego pending; do ip netns exec gw "$CTL" show $t; done
ip netns exec gw "$CTL" stats --explain
swan_stop lan1 lan2 rem
sleep 1
ip -all netns delete
kmsg_scan "kernel log clean after libreswan"
summary
