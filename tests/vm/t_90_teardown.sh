#!/bin/bash
# Teardown under traffic: 8 LAN hosts run ESP tunnels and IKE, two of them
# also PPTP calls, without pause, while the gateway's admin unloads and
# reloads vpnmasq, flushes its ISAKMP and ESP tables, and namespaces
# running the same traffic are deleted, TEARDOWN_ROUNDS times each
# (default 20). After every round the traffic must recover with nothing
# cross-wired (no host receives ESP it has no SA for), and the kernel log
# must stay clean. Runs in the guest, whose CPUs (2) carry the traffic
# concurrently.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/xfrm.sh
. tests/vm/pptp.sh

ROUNDS=${TEARDOWN_ROUNDS:-20}
N=8
BLAST=${BLAST:-build/perf/vpnmasq-blast}
PEER=(/usr/bin/python3 tests/vm/ike_peer.py)

kmsg_mark
check "traffic generator $BLAST present (make check builds tests/perf)" test -x "$BLAST" ||
	{ summary; exit; }
vpnmasq_load || { summary; exit; }

# recovered: within 20 s every host pings through its tunnel once more
recovered() {
	local i
	for i in $(seq 1 10); do
		ping_all "$N" 1
		[ -z "$failed_hosts" ] && return 0
		sleep 1
	done
	echo "not through: $failed_hosts"
	return 1
}

pptp_ok() { ip netns exec "$1" ping -q -c 1 -W 5 -I ppp0 "$PPTP_SERVER_PPP" >/dev/null; }

# ike_sender I: host i's endless IKE, a message every 50 ms from port 500
declare -A IKE_PID
ike_sender() {
	ip netns exec "lan$1" "$BLAST" ike "$REMOTE" --bind "$(lan_ip "$1")" \
		--cookie "$(printf '0x%02x00000000000001' "$1")" --rate 20 --duration 86400 \
		>"/tmp/t90-ike-$1.log" 2>&1 &
	IKE_PID[$1]=$!
}

# ike_senders_alive: restarts the IKE senders that stopped, saying why
ike_senders_alive() {
	local i alive=0
	for i in $(seq 1 "$N"); do
		if kill -0 "${IKE_PID[$i]}" 2>/dev/null; then
			alive=$((alive + 1))
		else
			echo "# lan$i's IKE sender stopped: $(cat "/tmp/t90-ike-$i.log")"
			ike_sender "$i"
		fi
	done
	echo "# $alive of $N IKE senders were still running"
}

ike_count() { gwctl -j show ike | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ike"]))'; }
ike_all() { [ "$(ike_count)" -ge "$N" ]; }
# ike_associated: within 10 s, every host has an ISAKMP association again
ike_associated() { retry 50 ike_all || { echo "$(ike_count) associations"; return 1; }; }

# traffic_start: endless ESP (pings through the tunnels), IKE and PPTP
# (pings over the calls)
traffic_start() {
	local i
	for i in $(seq 1 "$N"); do
		ip netns exec "lan$i" ping -q -i 0.2 -I "$(inner "$i")" "$REMOTE_INNER" >/dev/null 2>&1 &
		ike_sender "$i"
	done
	for i in 7 8; do
		ip netns exec "lan$i" ping -q -i 0.2 -I ppp0 "$PPTP_SERVER_PPP" >/dev/null 2>&1 &
	done
}

esp_setup "$N"
# LAN hosts and the remote do not run vpnmasq: only the gateway does.
for ns in $(seq -f 'lan%g' 1 "$N") rem; do ip netns exec "$ns" "$CTL" set enabled 0; done
check "pptpd listens in the remote's namespace" pptp_server rem
for i in 7 8; do
	pptp_dial "lan$i" "$REMOTE"
	check "lan$i's PPTP call is up" pptp_up "lan$i" 60
done
ip netns exec rem "${PEER[@]}" responder /dev/null &
check "all $N tunnels carry traffic before the rounds" recovered
traffic_start
sleep 2

# --- rmmod and modprobe under traffic
bad=0
for r in $(seq 1 "$ROUNDS"); do
	rmmod vpnmasq || { bad=$((bad + 1)); echo "    round $r: rmmod failed"; continue; }
	sleep 0.3
	modprobe vpnmasq || { bad=$((bad + 1)); echo "    round $r: modprobe failed"; continue; }
	recovered >/dev/null || { bad=$((bad + 1)); echo "    round $r: ESP not recovered: $failed_hosts"; }
done
echo "FIGURE teardown_rmmod_rounds $ROUNDS rounds"
check_eq "rmmod/modprobe under traffic x$ROUNDS: ESP recovered every time" 0 "$bad"
check_eq "rmmod/modprobe: no ESP ever reached a host without its SA" 0 "$(no_state_anywhere "$N")"
check "rmmod/modprobe: lan7's PPTP call survived (mainline's helper)" pptp_ok lan7
check "rmmod/modprobe: lan8's PPTP call survived" pptp_ok lan8
ike_senders_alive
check "rmmod/modprobe: every host's IKE associated again" ike_associated

# While vpnmasq is unloaded the gateway is stock Linux: a second host's ESP
# to the remote clashes in conntrack (insert_failed), as it would without it.
echo "FIGURE teardown_rmmod_insert_failed $(insert_failed) packets (while unloaded)"

# --- flush under traffic
failed0=$(insert_failed)
bad=0
for r in $(seq 1 "$ROUNDS"); do
	# ISAKMP and ESP only: flushing PPTP ends the calls, by design
	gwctl flush ike >/dev/null && gwctl flush esp >/dev/null ||
		{ bad=$((bad + 1)); echo "    round $r: flush failed"; }
	if [ $((r % 4)) -eq 0 ]; then
		recovered >/dev/null || { bad=$((bad + 1)); echo "    round $r: not recovered: $failed_hosts"; }
	fi
	sleep 0.2
done
echo "FIGURE teardown_flush_rounds $ROUNDS rounds"
check_eq "flush under traffic x$ROUNDS: every check recovered" 0 "$bad"
check "flush: all tunnels carry traffic after the last flush" recovered
check_eq "flush: no ESP ever reached a host without its SA" 0 "$(no_state_anywhere "$N")"
check_eq "flush: no conntrack insert_failed during the flush rounds" "$failed0" "$(insert_failed)"

# --- namespaces with live traffic deleted: a gateway and its hosts each
# round, vpnmasq's per-netns state torn down while packets are in flight
bad=0
for r in $(seq 1 "$ROUNDS"); do
	ip netns add "t$r-gw" && ip netns add "t$r-lan" && ip netns add "t$r-rem" || { bad=$((bad + 1)); continue; }
	ip link add eth0 netns "t$r-lan" type veth peer name lan0 netns "t$r-gw"
	ip link add eth0 netns "t$r-rem" type veth peer name wan0 netns "t$r-gw"
	ip -n "t$r-gw" addr add 192.168.9.1/24 dev lan0
	ip -n "t$r-gw" addr add "$GW_PUB/24" dev wan0
	ip -n "t$r-lan" addr add 192.168.9.2/24 dev eth0
	ip -n "t$r-rem" addr add "$REMOTE/24" dev eth0
	for ns in gw lan rem; do
		ip -n "t$r-$ns" link set lo up
		ip -n "t$r-$ns" link set eth0 up 2>/dev/null
	done
	ip -n "t$r-gw" link set lan0 up
	ip -n "t$r-gw" link set wan0 up
	ip -n "t$r-lan" route add default via 192.168.9.1
	ip netns exec "t$r-gw" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "t$r-gw" nft add table ip nat
	ip netns exec "t$r-gw" nft add chain ip nat post '{ type nat hook postrouting priority srcnat; }'
	ip netns exec "t$r-gw" nft add rule ip nat post oifname wan0 masquerade
	senders=()
	ip netns exec "t$r-lan" "$BLAST" esp "$REMOTE" --spi 0x51000000 --flows 64 --duration 30 >/dev/null 2>&1 &
	senders+=($!)
	ip netns exec "t$r-lan" "$BLAST" ike "$REMOTE" --bind 192.168.9.2 --cookie 0x5200000000000001 \
		--flows 64 --duration 30 >/dev/null 2>&1 &
	senders+=($!)
	ip netns exec "t$r-rem" "$BLAST" esp "$GW_PUB" --spi 0x53000000 --flows 64 --duration 30 >/dev/null 2>&1 &
	senders+=($!)
	sleep 1
	n=$(ip netns exec "t$r-gw" "$CTL" -j stats | python3 -c 'import json,sys; c=json.load(sys.stdin)["counters"]; print(c["ike_new"] + c["esp_unknown_spi"])')
	[ "$n" -gt 0 ] || { bad=$((bad + 1)); echo "    round $r: no traffic through t$r-gw"; }
	# The gateway (no process in it) goes at once, its hosts still
	# sending into it; theirs go when their senders are stopped.
	ip netns del "t$r-gw" && ip netns del "t$r-lan" && ip netns del "t$r-rem" || bad=$((bad + 1))
	kill "${senders[@]}" 2>/dev/null
	wait "${senders[@]}" 2>/dev/null
done
echo "FIGURE teardown_netns_rounds $ROUNDS rounds"
check_eq "netns deleted under traffic x$ROUNDS" 0 "$bad"
check "the long-running traffic is unaffected" recovered

# --- the end: unload with everything running, load again, recover
check "rmmod with all traffic running" rmmod vpnmasq
check "modprobe again" modprobe vpnmasq
check "all tunnels recover after the last reload" recovered
check_eq "no ESP ever reached a host without its SA" 0 "$(no_state_anywhere "$N")"
check "lan7's PPTP call still up" pptp_ok lan7
grep -E '^(Slab|Percpu):' /proc/meminfo | sed 's/^/# /'
kmsg_scan "kernel log clean after teardown under traffic"
summary
