#!/bin/bash
# IKE-guided association with real peers: three LAN hosts run libreswan
# tunnels (no NAT-T, raw ESP) to servers behind the gateway, IKEv1 or
# IKEv2, and each server behaves as real ones do:
#   (a) it rekeys Child/IPsec SAs first (its lifetime is shorter) while
#       traffic flows only from it to the hosts, which never send: every
#       host keeps receiving after every rekey (tunnel a);
#   (b) the hosts rekey at the same moment (short lifetimes, no fuzz) under
#       a steady ping: no reply lost at any rekey (tunnel b), but for
#       requests the hosts' own IPsec dropped before sending (counted);
#   (c) (IKEv2, "c" after the tunnels) it rekeys the IKE SAs itself and
#       checks the hosts' liveness, first on the new IKE SAs: the hosts'
#       IKE SAs survive;
#   (d) IKE stays silent for longer than conntrack's UDP timeouts (made
#       short on the gateway) while ESP flows, then the server starts a
#       rekey: it reaches the right host, with three hosts on that server.
# A round is a comma-separated list of servers, all running at once, each
# an IKE version, the tunnels every host has with it and "c" if it rekeys
# IKE SAs: "1a,1b,2ac,2b" is four servers (IKEv1 with tunnel a, IKEv1
# with b, IKEv2 with a rekeying IKE SAs too, IKEv2 with b), "1ab" one IKEv1
# server with both tunnels to every host. REKEY_ROUNDS (space-separated)
# picks the rounds, by default each of those four servers alone, then all
# four at once, then both tunnels to one server, IKEv1 and IKEv2 (make
# check-rekey: some 30 minutes per kernel under TCG; make check runs the
# four rounds of one server each). Lost packets per server are reported
# (FIGURE lines);
# XfrmInNoStates must stay 0 on every host: nothing reached a host without
# its SA.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/swan.sh
. tests/vm/xfrm.sh

STREAM=(/usr/bin/python3 tests/vm/udp_stream.py)
N=3
RUN=${REKEY_SECONDS:-100}
# swan_log NS: what pluto in NS logged
swan_log() { cat "/tmp/swan-$1/pluto.log" "/tmp/swan-$1/pluto.stderr" 2>/dev/null; }
# swan_has_ike NS CONN: pluto in NS has an established IKE SA of a
# connection named CONN (a regular expression)
swan_has_ike() { swan_whack "$1" --status | grep -q "\"$2\".*ESTABLISHED_IKE_SA"; }
# swan_peers_alive NS: pluto in NS never gave up on a peer or a request
swan_peers_alive() {
	! swan_log "$1" |
		grep -iE 'liveness action|timeout exceeded|liveness.*timed out|dead peer'
}
# xfrm_errors NS: NS's nonzero xfrm error counters, "name value ..."
xfrm_errors() { ip netns exec "$1" awk '$2 != 0 { printf "%s %s ", $1, $2 }' /proc/net/xfrm_stat; }
# ping_lost FILE START: the echo requests in ping's output FILE that got no
# reply, with the wall-clock time each was sent (ping started at START,
# one every 0.2 s)
ping_lost() {
	local k
	for k in $(awk '/packets transmitted/ { sent = $1 }
		match($0, /icmp_seq=[0-9]+ /) { got[substr($0, RSTART + 9, RLENGTH - 10)] = 1 }
		END { for (k = 1; k <= sent; k++) if (!(k in got)) print k }' "$1" | head -n 20); do
		printf ' %s@%s' "$k" "$(date -u -d "@$(bc <<<"$2 + ($k - 1) * 0.2")" +%T)"
	done
}
has() { [[ $1 == *"$2"* ]]; }
# rekey_longest CONN: the longest time the server (rem) took from sending a
# CREATE_CHILD_SA to rekey a Child SA of a connection named CONN... to
# deleting the old Child SA, in seconds (IKEv2)
rekey_longest() {
	swan_log rem | awk -v c="\"$1" '
		index($4, c) == 1 { split($3, hms, ":"); t = hms[1] * 3600 + hms[2] * 60 + hms[3]
			if (/sent CREATE_CHILD_SA request to rekey IPsec SA/) sent[$4] = t
			else if (/deleting established Child SA/ && ($4 in sent)) {
				if (t - sent[$4] > max) max = t - sent[$4]
				delete sent[$4]
			} }
		END { printf "%.1f", max }'
}
# out_drops NS: packets NS's own IPsec dropped before sending them (no SA
# yet, or one being replaced), summed over xfrm's output error counters
out_drops() {
	ip netns exec "$1" awk '$1 ~ /^XfrmOut/ || $1 == "XfrmAcquireError" { n += $2 } END { print n + 0 }' \
		/proc/net/xfrm_stat
}

# Server J (0, 1, ...) is 203.0.113.(7+J), ID @serverJ; its end of tunnel
# a is 10.2.J.1, of b 10.2.J.2; host I's ends are 10.1.I.(10J+1) and
# 10.1.I.(10J+2).
srv_addr() { echo "203.0.113.$((7 + $1))"; }
srv_in() { echo "10.2.$1.$([ "$2" = a ] && echo 1 || echo 2)"; }
host_in() { echo "10.1.$1.$((10 * $2 + $([ "$3" = a ] && echo 1 || echo 2)))"; }
# esp_by_nego SERVER: the server's inbound SPIs bound by a negotiation
esp_by_nego() {
	gwctl -j show esp | jq --arg r "$1" \
		'[.esp[] | select(.remote == $r and .dir == "in" and .how == "negotiation")] | length'
}
ike_by_nego() {
	gwctl -j show ike | jq --arg r "$1" \
		'[.ike[] | select(.remote == $r and .how == "negotiation")] | length'
}

# tunnels_up I CONN...: host I initiates every CONN (tunnel letter, then
# server number), waits for all (300 s: under TCG on a loaded machine a
# dozen IKE exchanges at once take minutes), then, as clients do once
# connected, speaks first on each until answered (up to 30 s): those
# packets bind the tunnels' first SAs (the servers' rekeys later are on
# their own)
tunnels_up() {
	local i=$1 ns=lan$1 c t st ok
	shift
	for c in "$@"; do
		swan_whack "$ns" --name "$c" --initiate --asynchronous >/dev/null 2>&1
	done
	for t in $(seq 1 300); do
		st=$(swan_whack "$ns" --trafficstatus 2>/dev/null)
		ok=1
		for c in "$@"; do
			grep -q "\"$c\"" <<<"$st" || ok=0
		done
		if [ "$ok" = 1 ]; then
			for c in "$@"; do
				ip netns exec "$ns" ping -q -c 1 -w 30 -I "$(host_in "$i" "${c:1}" "${c:0:1}")" \
					"$(srv_in "${c:1}" "${c:0:1}")" >/dev/null 2>&1
			done
			return 0
		fi
		sleep 1
	done
	return 1
}

# server_conns J VERSION TUNNELS[c]: server J's connections, one per host
# and tunnel. Tunnel a's SAs live shorter on the server (it rekeys first,
# spread as real servers' are, 40 to 60 s before they expire: a real
# server's margin is minutes, and its CREATE_CHILD_SA may wait some 16 s
# at the gateway, see nego_settle), b's longer (the hosts rekey first);
# with "c" (IKEv2) its IKE SAs live 100 s (it rekeys them first, after
# some 40 to 60 s) and it checks the hosts' liveness when it hears nothing
# from them.
server_conns() {
	local j=$1 v=$2 tunnels=${3//c/} ike=${3//[ab]/} i c opts two=no
	[ "$v" = 2 ] && two=yes
	for i in $(seq 1 $N); do
		for c in $(grep -o . <<<"$tunnels"); do
			if [ "$c" = a ]; then
				opts=$'\tsalifetime=90s\n\trekeymargin=40s\n\trekeyfuzz=50%'
			else
				opts=$'\tsalifetime=600s\n\trekeymargin=20s'
			fi
			[ "$v" = 2 ] && opts+=$'\n\tnat-keepalive=no'
			[ "$v$ike" = 2c ] && opts+=$'\n\tikelifetime=100s'
			[ "$v$ike" = 2c ] && opts+=$'\n\tdpddelay=5s'
			SWAN_IKEV2=$two SWAN_OPTS="$opts" swan_conn rem "$(srv_addr "$j")" "@server$j" \
				"$(srv_in "$j" "$c")/32" "$GW_PUB" "@host$i" "$(host_in "$i" "$j" "$c")/32" \
				"$c${j}_$i"
		done
	done
}

# host_conns I J VERSION TUNNELS: host I's connections to server J. Its
# margins are short: it rekeys tunnel a (and its IKE SAs) only after the
# test; tunnel b every 35 s, all hosts at once.
host_conns() {
	local i=$1 j=$2 v=$3 tunnels=${4//c/} c opts two=no
	[ "$v" = 2 ] && two=yes
	for c in $(grep -o . <<<"$tunnels"); do
		if [ "$c" = a ]; then
			opts=$'\tsalifetime=600s\n\tikelifetime=600s\n\trekeymargin=30s'
		else
			opts=$'\tsalifetime=50s\n\trekeymargin=15s\n\trekeyfuzz=0%\n\tikelifetime=600s'
		fi
		[ "$v" = 2 ] && opts+=$'\n\tnat-keepalive=no'
		SWAN_IKEV2=$two SWAN_OPTS="$opts" swan_conn "lan$i" "$(lan_ip "$i")" "@host$i" \
			"$(host_in "$i" "$j" "$c")/32" "$(srv_addr "$j")" "@server$j" \
			"$(srv_in "$j" "$c")/32" "$c$j"
	done
}

# rk_round SERVERS: one round (see above)
rk_round() {
	local r=$1 items i j c v tunnels conns mon
	IFS=, read -ra items <<<"$r"
	echo "# round $r: $N hosts; tunnel a: the server rekeys first, b: the hosts at once"
	topo_setup "$N"
	# conntrack's UDP timeouts on the gateway are shorter than IKE's silences
	ip netns exec gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=10 \
		net.netfilter.nf_conntrack_udp_timeout_stream=15
	for ns in gw rem $(for i in $(seq 1 $N); do echo "lan$i"; done); do
		ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=120
	done
	# the module's events from the start, for REKEY_TRACE
	gwctl --timestamp monitor >/tmp/rk-mon 2>&1 &
	mon=$!
	# ...and every ISAKMP header the gateway passes on either side
	local ikedump=
	if [ -n "${REKEY_TRACE:-}" ]; then
		ip netns exec gw tcpdump -i any -n -tt -vvv -l udp port 500 >/tmp/rk-ike 2>/dev/null &
		ikedump=$!
	fi
	swan_init rem
	for j in "${!items[@]}"; do
		[ "$j" = 0 ] || ip -n rem addr add "$(srv_addr "$j")/24" dev eth0
		ip -n rem addr add "$(srv_in "$j" a)/32" dev lo
		ip -n rem addr add "$(srv_in "$j" b)/32" dev lo
		server_conns "$j" "${items[j]:0:1}" "${items[j]:1}"
	done
	ip -n rem route add 10.1.0.0/16 dev eth0 src 10.2.0.1
	swan_run rem
	for i in $(seq 1 $N); do
		swan_init "lan$i"
		for j in "${!items[@]}"; do
			for c in a b; do
				ip -n "lan$i" addr add "$(host_in "$i" "$j" "$c")/32" dev lo
			done
			host_conns "$i" "$j" "${items[j]:0:1}" "${items[j]:1}"
		done
		ip -n "lan$i" route add 10.2.0.0/16 via 192.168.1.1 src "$(host_in "$i" 0 a)"
		swan_run "lan$i"
	done
	local pids=() up=0
	for i in $(seq 1 $N); do
		conns=()
		for j in "${!items[@]}"; do
			for c in $(grep -o '[ab]' <<<"${items[j]:1}"); do conns+=("$c$j"); done
		done
		tunnels_up "$i" "${conns[@]}" &
		pids+=($!)
	done
	for i in $(seq 1 $N); do wait "${pids[i - 1]}" && up=$((up + 1)); done
	check_eq "$r: all $N hosts established their tunnels" "$N" "$up"

	local ns0=() lan0=() out0=() rem0 t0=$SECONDS pstart nego0=() senders=() pings=() recvs=()
	gwctl stats reset
	for i in $(seq 1 $N); do
		ns0[i]=$(xfrm_stat "$i" XfrmInNoStates) lan0[i]=$(xfrm_errors "lan$i") out0[i]=$(out_drops "lan$i")
	done
	for j in "${!items[@]}"; do nego0[j]=$(esp_by_nego "$(srv_addr "$j")"); done
	rem0=$(xfrm_errors rem)
	# (a)+(d): the servers stream to the silent hosts; (b): hosts ping
	for j in "${!items[@]}"; do
		has "${items[j]:1}" a || continue
		for i in $(seq 1 $N); do
			ip netns exec "lan$i" "${STREAM[@]}" recv --bind "$(host_in "$i" "$j" a)" \
				--out "/tmp/rk-recv-$j-$i" &
			recvs+=($!)
		done
	done
	sleep 0.5
	pstart=$(date +%s.%N)
	for j in "${!items[@]}"; do
		if has "${items[j]:1}" a; then
			ip netns exec rem "${STREAM[@]}" send --src "$(srv_in "$j" a)" --rate 20 \
				--duration "$RUN" $(for i in $(seq 1 $N); do host_in "$i" "$j" a; done) \
				>"/tmp/rk-sent-$j" &
			senders+=($!)
		fi
		if has "${items[j]:1}" b; then
			for i in $(seq 1 $N); do
				ip netns exec "lan$i" ping -i 0.2 -c $((RUN * 5)) -W 5 \
					-I "$(host_in "$i" "$j" b)" "$(srv_in "$j" b)" >"/tmp/rk-ping-$j-$i" 2>&1 &
				pings+=($!)
			done
		fi
	done
	for c in "${senders[@]}" "${pings[@]}"; do wait "$c"; done
	sleep 1
	for c in "${recvs[@]}"; do kill "$c"; wait "$c" 2>/dev/null; done
	echo "# $r: traffic for $((SECONDS - t0)) s"
	# (c): the servers' liveness checks on their new IKE SAs are answered
	# or time out (libreswan's retransmit-timeout, 60 s) before the checks
	if has "$r" c; then
		sleep "${REKEY_SETTLE:-75}"
	fi
	kill "$mon" $ikedump
	wait "$mon" $ikedump 2>/dev/null
	if [ -n "${REKEY_TRACE:-}" ]; then
		sed 's/^/# mon /' /tmp/rk-mon | head -n 800
		# a line per message: time, interface (wan0, or the LAN bridge br0, not
		# its ports) and direction, addresses, header
		awk '/^[0-9]+\.[0-9]+ / { t = $1; ifc = $2 " " $3; next }
			/isakmp [12]\.0/ && ifc !~ /^p/ { sub(/\[bad udp cksum [^]]*\] /, ""); sub(/^ +/, "")
				printf "# ike %s.%03d %s %s\n", strftime("%T", t), (t - int(t)) * 1000, ifc, $0 }' /tmp/rk-ike |
			head -n 1500
		for ns in rem $(for i in $(seq 1 $N); do echo "lan$i"; done); do
			swan_log "$ns" |
				grep -E 'established|initiating|replac|expir|delet|retransmit|timeout|Quick|CHILD' |
				sed "s/^/# $ns /" | head -n 200
		done
	fi

	local completed sent g last pl lost tunnels_all=0
	completed=$(stat nego_completed)
	echo "# $r: nego_completed $completed esp_nego_bound $(stat esp_nego_bound)" \
		"esp_associated $(stat esp_associated) esp_serial_skipped $(stat esp_serial_skipped)" \
		"ike_nego_bound $(stat ike_nego_bound) esp_ambiguous $(stat esp_ambiguous)" \
		"esp_refused_no_ike $(stat esp_refused_no_ike) ike_ambiguous $(stat ike_ambiguous)" \
		"ike_nego_settling $(stat ike_nego_settling)" \
		"esp_held $(stat esp_held) esp_released $(stat esp_released)" \
		"esp_hold_dropped $(stat esp_hold_dropped)"
	gwctl show nego
	echo "# $r: the servers' xfrm errors before: ${rem0:-none}, after: $(xfrm_errors rem)"
	for i in $(seq 1 $N); do
		echo "# $r: lan$i's xfrm errors before: ${lan0[i]:-none}, after: $(xfrm_errors "lan$i")"
	done
	for j in "${!items[@]}"; do
		v=${items[j]:0:1} tunnels=${items[j]:1}
		local s="$r server $j (IKEv$v ${items[j]:1})" addr
		tunnels=${tunnels//c/}
		addr=$(srv_addr "$j")
		tunnels_all=$((tunnels_all + ${#tunnels}))
		if has "$tunnels" a; then
			lost=0
			sent=$(sed -n 's/^sent //p' "/tmp/rk-sent-$j")
			for i in $(seq 1 $N); do
				g=$("${STREAM[@]}" gaps "/tmp/rk-recv-$j-$i" "$sent" \
					--start "$(awk '/^start/ { print $2 }' "/tmp/rk-sent-$j")" --rate 20)
				last=$(sort -n "/tmp/rk-recv-$j-$i" | tail -n 1)
				echo "# $s lan$i stream (a): $g, last $last of $sent"
				lost=$((lost + $(awk '{ print $4 }' <<<"$g")))
				check "$s (a): lan$i keeps receiving after the server's rekeys" \
					test "${last:-0}" -ge $((sent - 40))
			done
			echo "FIGURE rekey_ikev${v}_${items[j]:1}_stream_lost $lost packets of $((sent * N)) (server-first rekeys, silent hosts)"
			[ "$v" = 2 ] && echo "# $s: the server's Child SA rekeys took up to $(rekey_longest "a${j}_") s (request to its Delete of the old SA)"
			check "$s (a)+(d): the server's new SAs were bound by their negotiation" \
				test $(($(esp_by_nego "$addr") - nego0[j])) -ge "$N"
		fi
		if has "$tunnels" b; then
			lost=0 own=0
			for i in $(seq 1 $N); do
				own=$((own + $(out_drops "lan$i") - out0[i]))
				pl=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "/tmp/rk-ping-$j-$i")
				echo "# $s lan$i ping (b): $(grep -E 'packets transmitted' "/tmp/rk-ping-$j-$i")" \
					"lost:$(ping_lost "/tmp/rk-ping-$j-$i" "$pstart")"
				lost=$((lost + RUN * 5 - ${pl:-0}))
			done
			echo "FIGURE rekey_ikev${v}_${items[j]:1}_ping_lost $lost replies of $((RUN * 5 * N)) (simultaneous host rekeys; the hosts' own IPsec dropped $own requests before sending)"
			check "$s (b): no ping lost at the hosts' simultaneous rekeys but what the hosts' IPsec dropped ($lost lost, $own dropped)" \
				test "$lost" -le "$own"
		fi
		check "$s (d): every host's ISAKMP entry outlived conntrack's UDP timeouts" \
			test "$(ip netns exec gw conntrack -L -p udp --dport 500 -d "$addr" 2>/dev/null |
				grep -c zone)" -ge "$N"
		if [ "$v" = 2 ] && has "${items[j]:1}" c; then
			check "$s (c): the server's IKE SA rekeys were bound to their hosts" \
				test "$(ike_by_nego "$addr")" -ge "$N"
			for i in $(seq 1 $N); do
				check "$s (c): lan$i's IKE SA survived the server's rekeys" \
					swan_has_ike "lan$i" "[ab]$j"
				check "$s (c): the server still has its IKE SA with lan$i" \
					swan_has_ike rem "[ab]${j}_$i"
			done
		fi
	done
	for i in $(seq 1 $N); do
		check_eq "$r: no ESP reached lan$i without its SA" "${ns0[i]}" "$(xfrm_stat "$i" XfrmInNoStates)"
	done
	check "$r: negotiations were seen complete (at least one per host and tunnel)" \
		test "$completed" -ge $((tunnels_all * N))
	check "$r: the hosts still answer the IKEv2 servers' liveness checks" \
		swan_peers_alive rem
	check_eq "$r: nothing was held in vain" 0 "$(stat esp_hold_dropped)"
	swan_stop rem $(for i in $(seq 1 $N); do echo "lan$i"; done)
	sleep 1
	ip -all netns delete
	ns_cleanup
}

kmsg_mark
vpnmasq_load
for round in ${REKEY_ROUNDS:-1a 1b 2ac 2b 1a,1b,2ac,2b 1ab 2abc}; do
	rk_round "$round"
done
kmsg_scan "kernel log clean after the rekeys"
summary
