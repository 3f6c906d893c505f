#!/bin/bash
# Do no harm: on one gateway that masquerades a private LAN, routes a public
# DMZ and a second private subnet without NAT, and forwards UDP 500, ESP,
# TCP 1723 and GRE to a VPN server in the LAN, under the ordinary stateful
# forward policy, everything vpnmasq is not needed for must behave exactly
# as without the module. The same traffic runs twice, without vpnmasq and
# with it, and the two runs are compared:
#
#   lan1, lan2 (192.168.1.11-12), srv (192.168.1.50) -- br0 ---+
#   dmz (198.51.100.20, public, routed)           -- dmz0 ----[gw]-- wan0 -- rem (203.0.113.7)
#   lanb (10.0.2.5, private, routed)              -- lanb0 ---+  203.0.113.1   |
#                                                                         rem2 (198.18.0.2)
#
#   - the DMZ host: raw ESP (manual xfrm SAs) and a libreswan tunnel (no
#     NAT-T) with the remote, IKE started from both sides;
#   - LAN to LAN: lan1 and lanb, raw ESP and ISAKMP-shaped UDP 500 both ways;
#   - port forwards: rem2 runs a libreswan tunnel and a PPTP call to the
#     gateway's public address, DNATed to srv's pluto and pptpd;
#   - meanwhile (with vpnmasq) lan1 and lan2 run raw ESP to the same remote
#     the DMZ talks to; without vpnmasq only one of them can.
# Then the LAN scope is changed at run time (vpnmasq-ctl set lan): the LAN
# hosts' flows leave vpnmasq's care and enter it again, nothing else is
# touched, nothing is cross-wired. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/xfrm.sh
. tests/vm/swan.sh
. tests/vm/pptp.sh

PEER=(/usr/bin/python3 tests/vm/ike_peer.py)
DMZ=198.51.100.20
LANB=10.0.2.5
SRV=192.168.1.50
REM2=198.18.0.2

kmsg_mark

nh_topo() {
	local i
	ns_create gw rem rem2 dmz lanb srv lan1 lan2 || return 1
	ip -n gw link add br0 type bridge
	ip -n gw addr add 192.168.1.1/24 dev br0
	ip -n gw link set br0 up
	for i in 1 2; do
		ip link add eth0 netns "lan$i" type veth peer name "p$i" netns gw
		ip -n "lan$i" addr add "$(lan_ip "$i")/24" dev eth0
		ip -n "lan$i" link set eth0 up
		ip -n "lan$i" route add default via 192.168.1.1
		ip -n gw link set "p$i" master br0 up
	done
	ip link add eth0 netns srv type veth peer name psrv netns gw
	ip -n srv addr add "$SRV/24" dev eth0
	ip -n srv link set eth0 up
	ip -n srv route add default via 192.168.1.1
	ip -n gw link set psrv master br0 up
	veth gw dmz0 dmz eth0
	ip -n gw addr add 198.51.100.1/24 dev dmz0
	ip -n dmz addr add "$DMZ/24" dev eth0
	ip -n dmz route add default via 198.51.100.1
	veth gw lanb0 lanb eth0
	ip -n gw addr add 10.0.2.1/24 dev lanb0
	ip -n lanb addr add "$LANB/24" dev eth0
	ip -n lanb route add default via 10.0.2.1
	veth gw wan0 rem eth0
	ip -n gw addr add "$GW_PUB/24" dev wan0
	ip -n rem addr add "$REMOTE/24" dev eth0
	ip -n gw route add default via "$REMOTE"
	# the remote routes the DMZ (it is public) and is rem2's way out
	ip -n rem route add 198.51.100.0/24 via "$GW_PUB"
	veth rem eth1 rem2 eth0
	ip -n rem addr add 198.18.0.1/24 dev eth1
	ip -n rem2 addr add "$REM2/24" dev eth0
	ip -n rem2 route add default via 198.18.0.1
	ip netns exec rem sysctl -qw net.ipv4.ip_forward=1
	ip netns exec gw sysctl -qw net.ipv4.ip_forward=1
	for ns in gw rem rem2 dmz srv lanb lan1 lan2; do
		ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=120
	done
	# masquerade the private LAN only; port forwards to srv; the stateful
	# policy: LAN, DMZ and LAN B may start flows, the WAN only to the DMZ
	# host's IKE and ESP or through a port forward; the rest is counted
	ip netns exec gw nft -f - <<NFT
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan0" ip daddr $GW_PUB udp dport 500 dnat to $SRV
		iifname "wan0" ip daddr $GW_PUB ip protocol esp dnat to $SRV
		iifname "wan0" ip daddr $GW_PUB tcp dport 1723 dnat to $SRV
		iifname "wan0" ip daddr $GW_PUB ip protocol gre dnat to $SRV
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 192.168.1.0/24 oifname "wan0" masquerade
	}
}
table ip filter {
	counter dropped { }
	chain gate {
		type filter hook forward priority 0; policy accept;
		ct state established,related accept
		ct status dnat accept
		iifname { "br0", "dmz0", "lanb0" } accept
		oifname "dmz0" ip daddr $DMZ udp dport 500 accept
		oifname "dmz0" ip daddr $DMZ ip protocol esp accept
		counter name dropped drop
	}
}
NFT
}

policy_drops() {
	ip netns exec gw nft list counter ip filter dropped | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# xfrm_pair NS_A ADDR_A INNER_A NS_B ADDR_B INNER_B SPI_BASE: a raw ESP
# tunnel between two hosts that see each other's real addresses
xfrm_pair() {
	local na=$1 aa=$2 ia=$3 nb=$4 ab=$5 ib=$6 spi=$7
	local k1=0x$(printf '%032x' "$spi")00000000 k2=0x$(printf '%032x' $((spi + 1)))00000000
	ip -n "$na" addr add "$ia/32" dev lo
	ip -n "$nb" addr add "$ib/32" dev lo
	ip -n "$na" route add "$ib/32" dev eth0 src "$ia" 2>/dev/null ||
		ip -n "$na" route add "$ib/32" via "$(ip -n "$na" route show default | awk '{print $3}')" src "$ia"
	ip -n "$nb" route add "$ia/32" dev eth0 src "$ib" 2>/dev/null ||
		ip -n "$nb" route add "$ia/32" via "$(ip -n "$nb" route show default | awk '{print $3}')" src "$ib"
	local ns
	for ns in "$na" "$nb"; do
		ip -n "$ns" xfrm state add src "$aa" dst "$ab" proto esp spi $((spi)) reqid $((spi)) \
			mode tunnel aead 'rfc4106(gcm(aes))' "$k1" 128
		ip -n "$ns" xfrm state add src "$ab" dst "$aa" proto esp spi $((spi + 1)) reqid $((spi)) \
			mode tunnel aead 'rfc4106(gcm(aes))' "$k2" 128
	done
	ip -n "$na" xfrm policy add src "$ia" dst "$ib" dir out tmpl src "$aa" dst "$ab" proto esp reqid $((spi)) mode tunnel
	ip -n "$na" xfrm policy add src "$ib" dst "$ia" dir in tmpl src "$ab" dst "$aa" proto esp reqid $((spi)) mode tunnel
	ip -n "$nb" xfrm policy add src "$ib" dst "$ia" dir out tmpl src "$ab" dst "$aa" proto esp reqid $((spi)) mode tunnel
	ip -n "$nb" xfrm policy add src "$ia" dst "$ib" dir in tmpl src "$aa" dst "$ab" proto esp reqid $((spi)) mode tunnel
}

pings() { ip netns exec "$1" ping -q -c "${4:-5}" -i 0.3 -W 3 -I "$2" "$3" >/dev/null 2>&1; }

# swan_up NS CONN [SECONDS]: NS initiates CONN and waits for its IPsec SA
swan_up() {
	local ns=$1 conn=$2 i
	swan_whack "$ns" --name "$conn" --initiate --asynchronous >/dev/null 2>&1
	for i in $(seq 1 "${3:-90}"); do
		swan_whack "$ns" --trafficstatus 2>/dev/null | grep -q "\"$conn\"" && return 0
		sleep 1
	done
	return 1
}

# ike_both A_NS A_ADDR B_NS B_ADDR COOKIE: ISAKMP-shaped exchanges started
# from each side in turn; prints how many were answered (0..2)
ike_both() {
	local n=0 pid
	ip netns exec "$3" "${PEER[@]}" responder /dev/null &
	pid=$!
	sleep 0.5
	ip netns exec "$1" "${PEER[@]}" initiator "$4" "$5" --tries 5 && n=$((n + 1))
	kill "$pid"
	wait "$pid" 2>/dev/null
	ip netns exec "$1" "${PEER[@]}" responder /dev/null &
	pid=$!
	sleep 0.5
	ip netns exec "$3" "${PEER[@]}" initiator "$2" "$5" --tries 5 && n=$((n + 1))
	kill "$pid"
	wait "$pid" 2>/dev/null
	echo "$n"
}

# The run of one mode (without / with): everything at once, results in R_*.
declare -A R
nh_run() {
	local mode=$1
	nh_topo || return 1
	# real peers first: pluto must not meet the manual SAs half made
	swan_init rem
	swan_conn rem "$REMOTE" @remote 10.2.0.1/32 "$DMZ" @dmz 10.1.99.1/32 dmz-out
	swan_conn rem "$REMOTE" @remote 10.2.0.2/32 "$DMZ" @dmz 10.1.99.2/32 dmz-in
	ip -n rem addr add 10.2.0.1/32 dev lo
	ip -n rem addr add 10.2.0.2/32 dev lo
	ip -n rem route add 10.1.0.0/16 via "$GW_PUB" src 10.2.0.1
	swan_run rem
	swan_init dmz
	swan_conn dmz "$DMZ" @dmz 10.1.99.1/32 "$REMOTE" @remote 10.2.0.1/32 dmz-out
	swan_conn dmz "$DMZ" @dmz 10.1.99.2/32 "$REMOTE" @remote 10.2.0.2/32 dmz-in
	ip -n dmz addr add 10.1.99.1/32 dev lo
	ip -n dmz addr add 10.1.99.2/32 dev lo
	ip -n dmz route add 10.2.0.0/24 via 198.51.100.1 src 10.1.99.1
	swan_run dmz
	swan_init srv
	swan_conn srv "$SRV" @srv 10.6.0.1/32 "$REM2" @client 10.5.0.1/32 fwd
	ip -n srv addr add 10.6.0.1/32 dev lo
	ip -n srv route add 10.5.0.1/32 via 192.168.1.1 src 10.6.0.1
	swan_run srv
	swan_init rem2
	swan_conn rem2 "$REM2" @client 10.5.0.1/32 "$GW_PUB" @srv 10.6.0.1/32 fwd
	ip -n rem2 addr add 10.5.0.1/32 dev lo
	ip -n rem2 route add 10.6.0.1/32 via 198.18.0.1 src 10.5.0.1
	swan_run rem2
	pptp_server srv || echo "# pptpd did not start in srv"

	# raw ESP: the DMZ host with the remote, LAN to LAN, the LAN hosts
	xfrm_pair dmz "$DMZ" 10.1.98.1 rem "$REMOTE" 10.2.0.98 0x3000
	xfrm_pair lan1 "$(lan_ip 1)" 10.7.1.1 lanb "$LANB" 10.7.2.1 0x3100
	ip -n rem addr add "$REMOTE_INNER/32" dev lo 2>/dev/null
	for i in 1 2; do
		policies "$i"
		sa_up "$i" 1
	done

	# the remote starts one IKE exchange with the DMZ host, the DMZ host
	# the other; rem2 calls the port forward
	echo "# $mode: peers started at ${SECONDS}s"
	swan_up rem dmz-in && R[$mode.dmz_ike_in]=up || R[$mode.dmz_ike_in]=down
	swan_up dmz dmz-out && R[$mode.dmz_ike_out]=up || R[$mode.dmz_ike_out]=down
	swan_up rem2 fwd && R[$mode.fwd_ike]=up || R[$mode.fwd_ike]=down
	pptp_dial rem2 "$GW_PUB"
	pptp_up rem2 40 && R[$mode.fwd_pptp]=up || R[$mode.fwd_pptp]=down

	echo "# $mode: tunnels and calls up at ${SECONDS}s"
	# traffic, all of it at once
	ping_all 2 5
	R[$mode.lan_failed]=$failed_hosts
	pings dmz 10.1.98.1 10.2.0.98 && R[$mode.dmz_esp]=ok || R[$mode.dmz_esp]=fail
	pings dmz 10.1.99.1 10.2.0.1 && R[$mode.dmz_swan_out]=ok || R[$mode.dmz_swan_out]=fail
	pings dmz 10.1.99.2 10.2.0.2 && R[$mode.dmz_swan_in]=ok || R[$mode.dmz_swan_in]=fail
	pings lan1 10.7.1.1 10.7.2.1 && R[$mode.l2l_esp]=ok || R[$mode.l2l_esp]=fail
	pings lanb 10.7.2.1 10.7.1.1 && R[$mode.l2l_esp_back]=ok || R[$mode.l2l_esp_back]=fail
	pings rem2 10.5.0.1 10.6.0.1 && R[$mode.fwd_esp]=ok || R[$mode.fwd_esp]=fail
	pings rem2 ppp0 "$PPTP_SERVER_PPP" && R[$mode.fwd_pptp_ping]=ok || R[$mode.fwd_pptp_ping]=fail
	R[$mode.l2l_ike]=$(ike_both lan1 "$(lan_ip 1)" lanb "$LANB" 4242424242424242)
	R[$mode.drops]=$(policy_drops)
	echo "# $mode: traffic done at ${SECONDS}s"

	# conntrack's view of what vpnmasq must not claim
	local ct
	ct=$(ip netns exec gw conntrack -L 2>/dev/null)
	R[$mode.ct_zoned_foreign]=$(grep -E "src=($DMZ|$LANB|$SRV|$REM2) |dst=($DMZ|$LANB|$SRV|$REM2) " <<<"$ct" |
		grep -c 'zone')
	R[$mode.ct_unreplied_foreign]=$(grep -E "src=($DMZ|$LANB|$SRV|$REM2) " <<<"$ct" |
		grep -E '^(udp +17|unknown +50|esp +50) ' | grep -c UNREPLIED)
	R[$mode.ct_pptp_helper]=$(ip netns exec gw conntrack -L -p tcp --orig-src "$REM2" 2>/dev/null |
		grep -c 'helper=pptp')
	echo "# $mode vpnmasq: conntrack on the gateway:"
	sed 's/^/#   /' <<<"$ct"
}

nh_down() {
	pptp_hangup rem2 >/dev/null 2>&1
	swan_stop rem dmz srv rem2
	sleep 1
	ns_cleanup
}

# --- without vpnmasq
if grep -q '^vpnmasq ' /proc/modules; then
	check "rmmod vpnmasq for the run without it" rmmod vpnmasq
fi
modprobe -a nf_conntrack nf_nat nf_conntrack_pptp nf_nat_pptp
nh_run without
nh_down

# --- with vpnmasq
vpnmasq_load
nh_run with

# the same outcome for everything vpnmasq is not needed for
for k in dmz_ike_in dmz_ike_out dmz_esp dmz_swan_out dmz_swan_in l2l_esp l2l_esp_back l2l_ike \
	fwd_ike fwd_esp fwd_pptp fwd_pptp_ping drops ct_zoned_foreign ct_unreplied_foreign; do
	echo "# $k: without ${R[without.$k]}, with ${R[with.$k]}"
done
for k in dmz_ike_in dmz_ike_out dmz_esp dmz_swan_out dmz_swan_in l2l_esp l2l_esp_back \
	fwd_ike fwd_esp fwd_pptp fwd_pptp_ping; do
	check_eq "$k: the same with vpnmasq as without" "${R[without.$k]}" "${R[with.$k]}"
done
check_eq "LAN to LAN UDP 500 both ways: the same with vpnmasq as without" \
	"${R[without.l2l_ike]}" "${R[with.l2l_ike]}"
# and what both runs must show anyway
check_eq "without vpnmasq: the DMZ host's and the forwarded tunnels work" \
	"up up ok ok ok ok ok up ok up ok 2" \
	"${R[without.dmz_ike_in]} ${R[without.dmz_ike_out]} ${R[without.dmz_esp]} ${R[without.dmz_swan_out]} ${R[without.dmz_swan_in]} ${R[without.l2l_esp]} ${R[without.l2l_esp_back]} ${R[without.fwd_ike]} ${R[without.fwd_esp]} ${R[without.fwd_pptp]} ${R[without.fwd_pptp_ping]} ${R[without.l2l_ike]}"
check_eq "the stateful policy dropped nothing, without vpnmasq" 0 "${R[without.drops]}"
check_eq "the stateful policy dropped nothing, with vpnmasq" 0 "${R[with.drops]}"
check_eq "no routed or forwarded flow in a zone, without vpnmasq" 0 "${R[without.ct_zoned_foreign]}"
check_eq "no routed or forwarded flow in a zone, with vpnmasq" 0 "${R[with.ct_zoned_foreign]}"
check_eq "routed or forwarded ESP and UDP flows UNREPLIED: as many with vpnmasq as without" \
	"${R[without.ct_unreplied_foreign]}" "${R[with.ct_unreplied_foreign]}"
check_eq "with vpnmasq both LAN hosts' ESP to the DMZ's remote passes" "" "${R[with.lan_failed]}"
echo "# without vpnmasq the LAN hosts that failed:${R[without.lan_failed]:- none}"
check_eq "the port-forwarded TCP 1723 got the PPTP helper (with vpnmasq)" 1 "${R[with.ct_pptp_helper]}"

# vpnmasq's tables: only the LAN hosts, never the DMZ, LAN B, srv or a remote
all=$(gwctl -j show all)
lans=$(python3 -c '
import json, sys
j = json.load(sys.stdin)
print(" ".join(sorted({e["lan"] for t in ("ike", "esp", "pending") for e in j[t] if e.get("lan")})))' <<<"$all")
check_eq "vpnmasq's tables hold only the masqueraded LAN hosts" "$(lan_ip 1) $(lan_ip 2)" "$lans"
# The two LAN hosts start their SAs to one remote at once, so one may wait
# for the other's (serialization); what must not happen is a slot taken by
# routed or forwarded ESP, which would wait in vain and hold LAN hosts.
check_eq "no slot waited in vain, every held packet went on" "0 0" \
	"$(stat esp_wait_expired) $(($(stat esp_held) - $(stat esp_released)))"
check "traffic out of scope was counted (not_lan)" test "$(stat not_lan)" -gt 0
check "port-forwarded traffic was counted (port_forward)" test "$(stat port_forward)" -gt 0
check_eq "nothing claimed was left unmasqueraded" 0 "$(stat not_masqueraded)"
check_match "show pptp names the LAN server as the LAN side of the forwarded call" \
	"\"lan\": *\"$SRV\".*\"forwarded\": *true" "$(gwctl -j show pptp | tr -d '\n')"
check_match "stats --explain explains not_lan" '^not_lan ' "$(gwctl stats --explain)"
check_match "show says what the scope is" '192\.168\.0\.0/16' "$(gwctl)"

# --- the scope changed at run time
nostate() { echo $(($(xfrm_stat 1 XfrmInNoStates) + $(xfrm_stat 2 XfrmInNoStates))); }
zoned_esp() { ip netns exec gw conntrack -L -p esp 2>/dev/null | grep -c 'zone'; }
dmz_ct() { ip netns exec gw conntrack -L -p esp 2>/dev/null | grep -c "$DMZ"; }
dmz0=$(dmz_ct)
check "set lan 172.16.0.0/12: the LAN hosts leave the scope" gwctl set lan 172.16.0.0/12
check_eq "their associations ended" 0 \
	"$(gwctl -j show esp | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["esp"]))')"
check_eq "their zoned conntrack entries went with them" 0 "$(zoned_esp)"
check_eq "the DMZ host's conntrack entry stayed" "$dmz0" "$(dmz_ct)"
check "the DMZ tunnel still works" pings dmz 10.1.98.1 10.2.0.98 3
ping_all 2 3
echo "# out of scope, as without vpnmasq, the LAN hosts that failed:${failed_hosts:- none}"
check "set lan default: the LAN hosts enter the scope again" gwctl set lan default
ping_all 2 1
sleep 1
ns0=$(nostate)
ping_all 2 5
check_eq "back in scope, both LAN hosts' ESP passes" "" "$failed_hosts"
check_eq "back in scope, no ESP reached the wrong host" "$ns0" "$(nostate)"
check_eq "each host's ESP is in a zone again" 2 "$(zoned_esp)"
check "the DMZ tunnel works after the scope changes" pings dmz 10.1.98.1 10.2.0.98 3
check_match "a refused scope names its reason" 'host bits' "$(gwctl set lan 192.168.1.5/24 2>&1)"

nh_down
kmsg_scan "kernel log clean after the do-no-harm runs"
summary
