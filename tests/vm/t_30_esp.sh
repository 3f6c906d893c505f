#!/bin/bash
# Raw ESP (manual xfrm tunnel SAs, no NAT-T) from several LAN hosts to one
# remote through one masquerading gateway: every host's ESP passes both
# ways, no conntrack insert_failed, inbound SPIs reach only their host, new
# SAs are serialized per remote, spoofed SPIs are refused, the gateway's
# own SAs are left alone. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/xfrm.sh

kmsg_mark
vpnmasq_load

for n in 2 8; do
	echo "# $n LAN hosts, raw ESP to one remote"
	esp_setup "$n"
	start=$(date +%s.%N)
	ping_all "$n" 3
	took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
	check_eq "$n hosts ping through their tunnels at once" "" "$failed_hosts"
	echo "# $n hosts: all associated and pinged 3 times in ${took}s"
	check_eq "$n hosts: conntrack insert_failed stays 0" 0 "$(insert_failed)"
	check_eq "$n hosts: no ESP reached a host without its SA" 0 "$(no_state_anywhere "$n")"
	check_eq "$n hosts: one ESP conntrack entry per host" "$n" \
		"$(ip netns exec gw conntrack -L -p esp 2>/dev/null | grep -c zone)"
	check_eq "$n hosts: $n inbound SPIs associated" "$n" "$(stat esp_associated)"
	table=$(ip netns exec gw "$CTL" show esp)
	check_eq "$n hosts: show esp lists both directions of each host" $((2 * n)) \
		"$(grep -c "$REMOTE" <<<"$table")"
	ip -all netns delete
done

echo "# simultaneous new SAs, repeated, and rekeys under traffic"
esp_setup 8
ping_all 8 1
check_eq "8 hosts: first SAs up" "" "$failed_hosts"
for g in 2 3 4; do
	# old SAs out first, so that nobody picks between two at once
	for i in $(seq 1 8); do sa_down "$i" $((g - 1)); done
	for i in $(seq 1 8); do sa_up "$i" "$g"; done
	start=$(date +%s.%N)
	ping_all 8 2
	took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
	check_eq "rekey $g: 8 hosts switched SPIs at once and ping" "" "$failed_hosts"
	echo "# rekey $g: 8 new SA pairs associated and pinged twice in ${took}s"
done
check_eq "rekeys: no ESP reached a host without its SA" 0 "$(no_state_anywhere 8)"
check_eq "rekeys: 32 inbound SPIs associated" 32 "$(stat esp_associated)"
check_eq "rekeys: insert_failed stays 0" 0 "$(insert_failed)"
held=$(stat esp_held)
echo "# packets held while serializing: $held, released: $(stat esp_released)"
check "rekeys: held packets were released, none lost to the hold limit" \
	test "$(stat esp_hold_dropped)" -eq 0
ip -all netns delete

echo "# hostile and foreign ESP"
esp_setup 2
ns_create evil
ip link add eth1 netns evil type veth peer name wan1 netns gw
ip -n gw addr add 198.51.100.1/24 dev wan1
ip -n gw link set wan1 up
ip -n evil addr add 198.51.100.66/24 dev eth1
ip -n evil link set eth1 up
spoof() { # spoof NS SRC SPI COUNT
	ip netns exec "$1" /usr/bin/python3 -c '
import sys
from scapy.all import IP, ESP, Raw, send
src, dst, spi, n = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4])
send([IP(src=src, dst=dst)/ESP(spi=spi + k, seq=1)/Raw(b"x" * 48) for k in range(n)], verbose=0)
' "$2" "$3" "$4" "$5"
}
spoof evil 198.51.100.66 198.51.100.1 0xdead0000 50
check_eq "unknown SPIs from a host with no IKE state refused" 50 "$(stat esp_refused_no_ike)"
spoof rem "$REMOTE" "$GW_PUB" 0xbeef0000 20
check_eq "unknown SPIs from the remote with nothing pending refused" 70 "$(stat esp_refused_no_ike)"
ping_all 2 2
check_eq "hosts unaffected by the spoofed SPIs" "" "$failed_hosts"
check_eq "spoofed SPIs reached no host" 0 "$(no_state_anywhere 2)"

# the gateway's own SA with the remote (transport mode) is never claimed
ip -n gw xfrm state add src "$GW_PUB" dst "$REMOTE" proto esp spi 0x0000aaaa mode transport \
	aead 'rfc4106(gcm(aes))' 0x11111111111111111111111111111111aaaaaaaa 128
ip -n gw xfrm state add src "$REMOTE" dst "$GW_PUB" proto esp spi 0x0000bbbb mode transport \
	aead 'rfc4106(gcm(aes))' 0x22222222222222222222222222222222bbbbbbbb 128
ip -n rem xfrm state add src "$GW_PUB" dst "$REMOTE" proto esp spi 0x0000aaaa mode transport \
	aead 'rfc4106(gcm(aes))' 0x11111111111111111111111111111111aaaaaaaa 128
ip -n rem xfrm state add src "$REMOTE" dst "$GW_PUB" proto esp spi 0x0000bbbb mode transport \
	aead 'rfc4106(gcm(aes))' 0x22222222222222222222222222222222bbbbbbbb 128
ip -n gw xfrm policy add src "$GW_PUB" dst "$REMOTE" proto icmp dir out \
	tmpl src "$GW_PUB" dst "$REMOTE" proto esp mode transport
ip -n gw xfrm policy add src "$REMOTE" dst "$GW_PUB" proto icmp dir in \
	tmpl src "$REMOTE" dst "$GW_PUB" proto esp mode transport
ip -n rem xfrm policy add src "$REMOTE" dst "$GW_PUB" proto icmp dir out \
	tmpl src "$REMOTE" dst "$GW_PUB" proto esp mode transport
ip -n rem xfrm policy add src "$GW_PUB" dst "$REMOTE" proto icmp dir in \
	tmpl src "$GW_PUB" dst "$REMOTE" proto esp mode transport
check "the gateway's own ESP to the remote works" \
	ip netns exec gw ping -q -c 3 -W 3 "$REMOTE"
check "the gateway's own inbound SA was left alone (counted)" \
	test "$(stat esp_local)" -ge 3
ping_all 2 2
check_eq "hosts still served next to the gateway's own SA" "" "$failed_hosts"
check_match "show pending answers" '^REMOTE' "$(ip netns exec gw "$CTL" show pending)"
ip -all netns delete

kmsg_scan "kernel log clean after the ESP tests"
summary
