#!/bin/bash
# IKE-guided association with real peers: three LAN hosts run libreswan
# tunnels (no NAT-T, raw ESP) to one responder, with IKEv1 and with IKEv2,
# and the responder behaves as real servers do:
#   (a) it rekeys Child/IPsec SAs first (its lifetime is shorter) while
#       traffic flows only from it to the hosts, which never send: every
#       host keeps receiving after every rekey (tunnel a);
#   (b) the hosts rekey at the same moment (short lifetimes, no fuzz) under
#       a steady ping: no reply lost at any rekey (tunnel b);
#   (c) (IKEv2) it rekeys the IKE SA itself and sends liveness checks first
#       (one host): the hosts' IKE SAs survive;
#   (d) IKE stays silent for longer than conntrack's UDP timeouts (made
#       short on the gateway) while ESP flows, then the responder starts a
#       rekey: it reaches the right host, with three hosts on that server.
# A round runs tunnel a, tunnel b or both on every host (REKEY_ROUNDS, by
# default each alone and then both, for IKEv1 and IKEv2: "1:a 1:b 1:ab
# 2:a 2:b 2:ab"). Lost packets per rekey are reported (FIGURE lines);
# XfrmInNoStates must stay 0 on every host: nothing reached a host
# without its SA. Runs in the guest, from make check-rekey
# (scripts/check-rekey.sh): rounds of REKEY_SECONDS (100) of traffic each
# make it a soak, not part of make check.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/swan.sh

STREAM=(/usr/bin/python3 tests/vm/udp_stream.py)
N=3
RUN=${REKEY_SECONDS:-100}
# swan_log NS: what pluto in NS logged
swan_log() { cat "/tmp/swan-$1/pluto.log" "/tmp/swan-$1/pluto.stderr" 2>/dev/null; }
nostate() { ip netns exec "lan$1" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat; }
# xfrm_errors NS: NS's nonzero xfrm error counters, "name value ..."
xfrm_errors() { ip netns exec "$1" awk '$2 != 0 { printf "%s %s ", $1, $2 }' /proc/net/xfrm_stat; }
# ping_lost FILE START: the echo requests in ping's output FILE that got no
# reply, with the wall-clock time each was sent (ping started at START,
# one every 0.2 s)
ping_lost() {
	local sent
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
	for k in $(seq 1 "${sent:-0}"); do
		grep -q "icmp_seq=$k " "$1" ||
			printf ' %s@%s' "$k" "$(date -u -d "@$(bc <<<"$2 + ($k - 1) * 0.2")" +%T)"
	done
}

kmsg_mark
vpnmasq_load

# tunnels_up NS CONN...: NS initiates every CONN, then waits for all (300 s:
# under TCG on a loaded machine six IKE exchanges at once take minutes);
# then, as clients do once connected, it speaks first on each (CONN a from
# 10.1.I.1, b from 10.1.I.2): those packets bind the tunnels' first SAs
# (the responder's rekeys later are on its own)
tunnels_up() {
	local ns=$1 c t i=${1#lan}
	shift
	for c in "$@"; do
		swan_whack "$ns" --name "$c" --initiate --asynchronous >/dev/null 2>&1
	done
	for t in $(seq 1 300); do
		local st ok=1
		st=$(swan_whack "$ns" --trafficstatus 2>/dev/null)
		for c in "$@"; do
			grep -q "\"$c\"" <<<"$st" || ok=0
		done
		if [ "$ok" = 1 ]; then
			for c in "$@"; do
				ip netns exec "$ns" ping -q -c 2 -W 5 -I "10.1.$i.$([ "$c" = a ] && echo 1 || echo 2)" \
					"10.2.0.$([ "$c" = a ] && echo 1 || echo 2)" >/dev/null 2>&1
			done
			return 0
		fi
		sleep 1
	done
	return 1
}

has() { [[ $1 == *"$2"* ]]; }

# rk_round VERSION TUNNELS: one round with IKEv1 or IKEv2, each host with
# tunnel a (the responder rekeys first, streaming), b (the hosts rekey at
# once, pinging) or both ("ab")
rk_round() {
	local v=$1 conns=$2 i two=no ropts_a ropts_b hopts_a hopts_b rdpd
	local r="IKEv$v $conns"
	[ "$v" = 2 ] && two=yes
	echo "# $r: $N hosts, tunnels $conns (a: the responder rekeys first, b: the hosts rekey at once)"
	topo_setup "$N"
	# conntrack's UDP timeouts on the gateway are shorter than IKE's silences
	ip netns exec gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=10 \
		net.netfilter.nf_conntrack_udp_timeout_stream=15
	for ns in gw rem $(for i in $(seq 1 $N); do echo "lan$i"; done); do
		ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=120
	done
	# the module's events from the start, for REKEY_TRACE
	gwctl --timestamp monitor >/tmp/rk-mon 2>&1 &
	local mon=$!
	ip -n rem addr add 10.2.0.1/32 dev lo
	ip -n rem addr add 10.2.0.2/32 dev lo
	ip -n rem route add 10.1.0.0/16 dev eth0 src 10.2.0.1

	# the responder: conn a's Child SAs live shorter than the hosts' (it
	# rekeys first, spread as real servers' are); IKEv2: its IKE SA too,
	# and it checks host 3's liveness
	ropts_a=$'\tsalifetime=90s\n\trekeymargin=20s\n\trekeyfuzz=100%'
	ropts_b=$'\tsalifetime=600s\n\trekeymargin=20s'
	# the hosts' margins are short: they would rekey tunnel a (and their IKE
	# SAs) only after the test
	hopts_a=$'\tsalifetime=600s\n\tikelifetime=600s\n\trekeymargin=30s'
	hopts_b=$'\tsalifetime=50s\n\trekeymargin=15s\n\trekeyfuzz=0%\n\tikelifetime=600s'
	# IKEv2: its IKE SA lives 100 s, so it rekeys it first, after some 60 s
	if [ "$v" = 2 ]; then
		ropts_a+=$'\n\tikelifetime=100s\n\tnat-keepalive=no'
		ropts_b+=$'\n\tikelifetime=100s\n\tnat-keepalive=no'
		hopts_a+=$'\n\tnat-keepalive=no'
		hopts_b+=$'\n\tnat-keepalive=no'
	fi
	swan_init rem
	for i in $(seq 1 $N); do
		rdpd=
		[ "$v" = 2 ] && [ "$i" = 3 ] && rdpd=$'\n\tdpddelay=5s\n\tdpdtimeout=60s\n\tdpdaction=clear'
		has "$conns" a && SWAN_IKEV2=$two SWAN_OPTS="$ropts_a$rdpd" swan_conn rem "$REMOTE" \
			@remote 10.2.0.1/32 "$GW_PUB" "@host$i" "10.1.$i.1/32" "a$i"
		has "$conns" b && SWAN_IKEV2=$two SWAN_OPTS="$ropts_b$rdpd" swan_conn rem "$REMOTE" \
			@remote 10.2.0.2/32 "$GW_PUB" "@host$i" "10.1.$i.2/32" "b$i"
	done
	swan_run rem
	for i in $(seq 1 $N); do
		ip -n "lan$i" addr add "10.1.$i.1/32" dev lo
		ip -n "lan$i" addr add "10.1.$i.2/32" dev lo
		ip -n "lan$i" route add 10.2.0.0/24 via 192.168.1.1 src "10.1.$i.1"
		swan_init "lan$i"
		has "$conns" a && SWAN_IKEV2=$two SWAN_OPTS="$hopts_a" swan_conn "lan$i" \
			"$(lan_ip "$i")" "@host$i" "10.1.$i.1/32" "$REMOTE" @remote 10.2.0.1/32 a
		has "$conns" b && SWAN_IKEV2=$two SWAN_OPTS="$hopts_b" swan_conn "lan$i" \
			"$(lan_ip "$i")" "@host$i" "10.1.$i.2/32" "$REMOTE" @remote 10.2.0.2/32 b
		swan_run "lan$i"
	done
	local pids=()
	for i in $(seq 1 $N); do
		tunnels_up "lan$i" $(grep -o . <<<"$conns") &
		pids+=($!)
	done
	local up=0
	for i in $(seq 1 $N); do wait "${pids[i - 1]}" && up=$((up + 1)); done
	check_eq "$r: all $N hosts established their tunnels" "$N" "$up"

	# the IKE SA rekeys (c) may come during the set-up already
	local ike0 ns0=() t0=$SECONDS rem0 pstart
	ike0=$(stat ike_nego_bound)
	gwctl stats reset
	for i in $(seq 1 $N); do ns0[i]=$(nostate "$i"); done
	rem0=$(xfrm_errors rem)
	# (a)+(d): the responder streams to the silent hosts; (b): hosts ping
	local sender=
	if has "$conns" a; then
		for i in $(seq 1 $N); do
			ip netns exec "lan$i" "${STREAM[@]}" recv --bind "10.1.$i.1" --out "/tmp/rk-recv-$i" &
			RECV[i]=$!
		done
		sleep 0.5
		ip netns exec rem "${STREAM[@]}" send --src 10.2.0.1 --rate 20 --duration "$RUN" \
			$(for i in $(seq 1 $N); do echo "10.1.$i.1"; done) >/tmp/rk-sent &
		sender=$!
	fi
	if has "$conns" b; then
		pstart=$(date +%s.%N)
		for i in $(seq 1 $N); do
			ip netns exec "lan$i" ping -i 0.2 -c $((RUN * 5)) -W 5 -I "10.1.$i.2" 10.2.0.2 \
				>"/tmp/rk-ping-$i" 2>&1 &
			PING[i]=$!
		done
	fi
	if [ -n "$sender" ]; then
		wait "$sender"
		sleep 1
		for i in $(seq 1 $N); do kill "${RECV[i]}"; wait "${RECV[i]}" 2>/dev/null; done
	fi
	if has "$conns" b; then
		for i in $(seq 1 $N); do wait "${PING[i]}"; done
	fi
	echo "# $r: traffic for $((SECONDS - t0)) s"
	kill "$mon"
	wait "$mon" 2>/dev/null
	if [ -n "${REKEY_TRACE:-}" ]; then
		sed 's/^/# mon /' /tmp/rk-mon | head -n 600
		for ns in rem $(for i in $(seq 1 $N); do echo "lan$i"; done); do
			swan_log "$ns" |
				grep -E 'established|initiating|replac|expir|delet|retransmit|timeout|Quick|CHILD' |
				sed "s/^/# $ns /" | head -n 120
		done
	fi

	local sent completed nego_bound ike_bound lost_a=0 lost_b=0 rekeys_r rekeys_h
	completed=$(stat nego_completed)
	nego_bound=$(stat esp_nego_bound)
	ike_bound=$(($(stat ike_nego_bound) + ike0))
	echo "# $r: nego_completed $completed esp_nego_bound $nego_bound" \
		"esp_associated $(stat esp_associated) esp_serial_skipped $(stat esp_serial_skipped)" \
		"ike_nego_bound $ike_bound esp_ambiguous $(stat esp_ambiguous)" \
		"esp_refused_no_ike $(stat esp_refused_no_ike) ike_ambiguous $(stat ike_ambiguous)"
	gwctl show nego
	echo "# $r: the responder's xfrm errors before: ${rem0:-none}, after: $(xfrm_errors rem)"
	for i in $(seq 1 $N); do
		if has "$conns" a; then
			local g last
			sent=$(sed -n 's/^sent //p' /tmp/rk-sent)
			g=$("${STREAM[@]}" gaps "/tmp/rk-recv-$i" "$sent" \
				--start "$(awk '/^start/ { print $2 }' /tmp/rk-sent)" --rate 20)
			last=$(sort -n "/tmp/rk-recv-$i" | tail -n 1)
			echo "# $r lan$i stream (a): $g, last $last of $sent"
			lost_a=$((lost_a + $(awk '{ print $4 }' <<<"$g")))
			check "$r (a) lan$i keeps receiving after the responder's rekeys" \
				test "${last:-0}" -ge $((sent - 40))
		fi
		if has "$conns" b; then
			local pl
			pl=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "/tmp/rk-ping-$i")
			echo "# $r lan$i ping (b): $(grep -E 'packets transmitted' "/tmp/rk-ping-$i")" \
				"lost:$(ping_lost "/tmp/rk-ping-$i" "$pstart")"
			lost_b=$((lost_b + RUN * 5 - ${pl:-0}))
		fi
		check_eq "$r lan$i: no ESP reached it without its SA" "${ns0[i]}" "$(nostate "$i")"
	done
	rekeys_r=$(swan_log rem | grep -c 'initiating Quick Mode\|initiating rekey')
	rekeys_h=$(for i in $(seq 1 $N); do swan_log "lan$i"; done |
		grep -c 'initiating Quick Mode\|initiating rekey')
	echo "# $r rekeys started (pluto's logs): by the responder $rekeys_r, by the hosts $rekeys_h"
	check "$r: negotiations were seen complete (at least one per host and tunnel)" \
		test "$completed" -ge $((${#conns} * N))
	if has "$conns" a; then
		echo "FIGURE rekey_ikev${v}_${conns}_stream_lost $lost_a packets of $((sent * N)) (responder-first rekeys, silent hosts)"
		check "$r (a)+(d): the responder's new SAs were bound by their negotiation" \
			test "$nego_bound" -ge "$N"
	fi
	if has "$conns" b; then
		echo "FIGURE rekey_ikev${v}_${conns}_ping_lost $lost_b replies of $((RUN * 5 * N)) (simultaneous host rekeys)"
		check_eq "$r (b): no ping reply lost at the hosts' simultaneous rekeys" 0 "$lost_b"
	fi
	check "$r (d): every host's ISAKMP entry outlived conntrack's UDP timeouts" \
		test "$(ip netns exec gw conntrack -L -p udp --dport 500 2>/dev/null | grep -c zone)" -ge "$N"
	if [ "$v" = 2 ]; then
		check "$r (c): the responder's IKE SA rekeys were bound to their hosts" \
			test "$ike_bound" -ge "$N"
		for i in $(seq 1 $N); do
			check "$r (c) lan$i's IKE SA survived the responder's rekeys" \
				bash -c "ip netns exec lan$i ipsec whack --ctlsocket /tmp/swan-lan$i/run/pluto.ctl --status | grep -q ESTABLISHED_IKE_SA"
		done
		check "$r (c): lan3 still answers the responder's liveness checks" \
			bash -c "! grep -qi 'liveness.*timed out\|dead peer' /tmp/swan-rem/pluto.log"
	fi
	check_eq "$r: nothing was held in vain" 0 "$(stat esp_hold_dropped)"
	swan_stop rem $(for i in $(seq 1 $N); do echo "lan$i"; done)
	sleep 1
	ip -all netns delete
	ns_cleanup
}

for round in ${REKEY_ROUNDS:-1:a 1:b 1:ab 2:a 2:b 2:ab}; do
	rk_round "${round%%:*}" "${round#*:}"
done
kmsg_scan "kernel log clean after the rekeys"
summary
