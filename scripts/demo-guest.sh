#!/bin/bash
# The guest half of "make demo" (scripts/demo.sh): the topology of the VM
# tests, two LAN hosts each with a libreswan IKEv1 tunnel and a pptp-linux
# call to one server, everything through one public address.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/swan.sh
. tests/vm/pptp.sh

say() { printf '\n## %s\n' "$*"; }
pptp_ping() { pptp_up "$1" && ip netns exec "$1" ping -c 2 -W 5 -I ppp0 "$PPTP_SERVER_PPP"; }

make -s install-module install-tool KVER="$(uname -r)" >/dev/null
modprobe vpnmasq || exit 1
topo_setup 2
say "gateway: 192.168.1.0/24 -> masquerade -> $GW_PUB; server: $REMOTE"
ip netns exec gw nft list ruleset

# IPsec: inner 10.1.N.1 (LAN host N) <-> 10.2.0.1 (server), PSK, IKEv1
swan_hosts 2
pptp_server rem || fail "pptpd did not start"

say "both hosts start IPsec (libreswan) and PPTP (pptp-linux) at the same time"
for i in 1 2; do
	swan_whack "lan$i" --name vpn --initiate --asynchronous >/dev/null 2>&1
	pptp_dial "lan$i" "$REMOTE"
done
for i in 1 2; do
	for t in $(seq 1 60); do
		swan_whack "lan$i" --trafficstatus 2>/dev/null | grep -q vpn && break
		sleep 1
	done
	check "lan$i: IPsec tunnel up, pings 10.2.0.1 through ESP" \
		ip netns exec "lan$i" ping -c 2 -W 5 -I "10.1.$i.1" 10.2.0.1
	check "lan$i: PPTP call up, pings $PPTP_SERVER_PPP through GRE" pptp_ping "lan$i"
done

say "vpnmasq-ctl show (on the gateway)"
ip netns exec gw "$CTL" show
say "vpnmasq-ctl show ike"
ip netns exec gw "$CTL" show ike
say "vpnmasq-ctl show esp"
ip netns exec gw "$CTL" show esp
say "vpnmasq-ctl show pptp"
ip netns exec gw "$CTL" show pptp
say "conntrack -L on the gateway (ESP, IKE and GRE of both hosts, one public address)"
ip netns exec gw conntrack -L 2>/dev/null | grep -E '^(unknown +50|esp|gre)|dport=(500|1723) ' | sort

swan_stop lan1 lan2 rem
kill "$(cat "$PPTP_DIR/pptpd.pid" 2>/dev/null)" 2>/dev/null
ns_cleanup
say "result"
summary
