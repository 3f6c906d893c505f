# Real PPTP peers for the VM tests (source it after topo.sh): pptpd in the
# remote's namespace, pptp-linux under pppd in LAN namespaces. No
# authentication or compression: the tests are about the gateway.
PPTP_DIR=/tmp/vm-pptp
PPTP_SERVER_PPP=10.3.0.1

# pptp_server NS: pptpd listening in NS
pptp_server() {
	mkdir -p "$PPTP_DIR"
	cat >"$PPTP_DIR/pptpd.conf" <<CONF
option $PPTP_DIR/server-options
localip $PPTP_SERVER_PPP
remoteip 10.3.0.100-199
CONF
	cat >"$PPTP_DIR/server-options" <<CONF
name pptpd
noauth
nodefaultroute
noccp
novj
novjccomp
nobsdcomp
nodeflate
logfile $PPTP_DIR/server-pppd.log
CONF
	modprobe -a ppp_generic ppp_async
	ip netns exec "$1" pptpd -f -c "$PPTP_DIR/pptpd.conf" \
		-o "$PPTP_DIR/server-options" -p "$PPTP_DIR/pptpd.pid" \
		>"$PPTP_DIR/pptpd.out" 2>&1 &
	local i
	for i in $(seq 1 50); do
		ip netns exec "$1" ss -Hltn 'sport = 1723' | grep -q 1723 && return 0
		sleep 0.1
	done
	return 1
}

# pptp_dial NS SERVER: pppd + pptp in NS, in the background. pptp-linux
# keys its control socket by server address only, and such sockets are
# shared between namespaces: each client gets a private /run/pptp.
pptp_dial() {
	local ns=$1 server=$2
	mkdir -p /run/pptp
	ip netns exec "$ns" sh -c "mount -t tmpfs pptp-$ns /run/pptp &&
		exec pppd pty 'pptp $server --nolaunchpppd --nohostroute' \
			noauth nodefaultroute noccp novj novjccomp nobsdcomp nodeflate \
			nodetach linkname $ns logfile $PPTP_DIR/$ns-pppd.log" \
		>"$PPTP_DIR/$ns.out" 2>&1 &
}

# pptp_up NS [SECONDS]: waits until NS has ppp0 with an address (90 s by
# default: calls dialled at once on a debug kernel take over 30)
pptp_up() {
	local end=$((SECONDS + ${2:-90}))
	# by the clock: each look costs a good part of a second under TCG
	while [ "$SECONDS" -lt "$end" ]; do
		ip -n "$1" -4 addr show dev ppp0 2>/dev/null | grep -q 'inet ' && return 0
		sleep 0.2
	done
	return 1
}

# pptp_hangup NS: ends NS's pppd (it clears the call and the session)
pptp_hangup() {
	local pid i
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pppd ] && kill -TERM "$pid"
	done
	for i in $(seq 1 50); do
		ip -n "$1" link show ppp0 >/dev/null 2>&1 || return 0
		sleep 0.2
	done
	return 1
}

# pptp_kill_control NS: kills NS's pptp call manager (pptp-linux names it
# pptpcm; it owns the control connection) outright
pptp_kill_control() {
	local pid n=0
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pptpcm ] || continue
		kill -KILL "$pid" && n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
