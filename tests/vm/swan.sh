# One libreswan pluto per network namespace, for the VM tests (source it).
# Every instance has its own config, secrets, NSS database and run dir.
# IKEv1 with raw ESP: ikev1-policy=accept, encapsulation=no, no NAT-T.
SWAN_PSK=vpnmasq-test-psk

# swan_init NS; swan_conn NS ... (one or more); swan_run NS
swan_init() {
	local dir=/tmp/swan-$1
	rm -rf "$dir"
	mkdir -p "$dir/run" "$dir/nss"
	certutil -N -d "sql:$dir/nss" --empty-password >/dev/null
	cat >"$dir/ipsec.conf" <<CONF
config setup
	ikev1-policy=accept
	logfile=$dir/pluto.log
	logappend=no
	dumpdir=$dir/run
CONF
	: >"$dir/ipsec.secrets"
}

swan_run() {
	local ns=$1 dir=/tmp/swan-$1 i
	ip netns exec "$ns" /usr/libexec/ipsec/pluto --config "$dir/ipsec.conf" \
		--rundir "$dir/run" --nssdir "$dir/nss" --secretsfile "$dir/ipsec.secrets" \
		--ipsecdir "$dir" --nofork --stderrlog >"$dir/pluto.stderr" 2>&1 &
	for i in $(seq 1 50); do
		[ -S "$dir/run/pluto.ctl" ] && break
		sleep 0.2
	done
	ip netns exec "$ns" ipsec addconn --config "$dir/ipsec.conf" \
		--ctlsocket "$dir/run/pluto.ctl" --autoall >/dev/null 2>&1
	ip netns exec "$ns" ipsec whack --ctlsocket "$dir/run/pluto.ctl" --listen >/dev/null 2>&1
}

# swan_conn NS LEFT LEFTID LEFTSUBNET RIGHT RIGHTID RIGHTSUBNET [NAME]
# SWAN_IKEV2=yes makes it IKEv2; SWAN_OPTS lines (tab-indented) are added.
swan_conn() {
	local dir=/tmp/swan-$1
	cat >>"$dir/ipsec.conf" <<CONF
conn ${8:-vpn}
	ikev2=${SWAN_IKEV2:-no}
	authby=secret
	type=tunnel
	left=$2
	leftid=$3
	leftsubnet=$4
	right=$5
	rightid=$6
	rightsubnet=$7
	encapsulation=no
	nat-ikev1-method=none
	ike=aes128-sha2_256;modp2048
	esp=aes128-sha2_256
	auto=add
${SWAN_OPTS:-}
CONF
	echo "$3 $6 : PSK \"$SWAN_PSK\"" >>"$dir/ipsec.secrets"
}

swan_whack() {
	local ns=$1
	shift
	ip netns exec "$ns" ipsec whack --ctlsocket "/tmp/swan-$ns/run/pluto.ctl" "$@"
}

swan_stop() {
	local ns
	for ns in "$@"; do
		swan_whack "$ns" --shutdown >/dev/null 2>&1
	done
}

# swan_hosts N: IKEv1 PSK tunnels from lan1..lanN (inner 10.1.I.1) to the
# remote (inner 10.2.0.1), one pluto each; the responder knows every host
# only as the gateway's public address and tells them apart by their IDs.
# Connections are added, not started: swan_whack lanI --name vpn --initiate.
swan_hosts() {
	local n=$1 i
	# xfrm needs a route to the inner address even in tunnel mode
	ip -n rem addr add 10.2.0.1/32 dev lo
	ip -n rem route add 10.1.0.0/16 dev eth0 src 10.2.0.1
	swan_init rem
	for i in $(seq 1 "$n"); do
		ip -n "lan$i" addr add "10.1.$i.1/32" dev lo
		ip -n "lan$i" route add 10.2.0.1/32 via 192.168.1.1 src "10.1.$i.1"
		swan_conn rem "$REMOTE" @remote 10.2.0.1/32 "$GW_PUB" "@host$i" \
			"10.1.$i.1/32" "host$i"
	done
	swan_run rem
	for i in $(seq 1 "$n"); do
		swan_init "lan$i"
		swan_conn "lan$i" "$(lan_ip "$i")" "@host$i" "10.1.$i.1/32" \
			"$REMOTE" @remote 10.2.0.1/32
		swan_run "lan$i"
	done
}

# ping_tunnel I: lanI pings the remote's subnet (10.2.0.1) from 10.1.I.1.
# A host's first packets may wait, or be dropped, while another host's new
# SA to the same remote is being associated (a holder whose negotiation is
# complete keeps the slot up to five serial_waits): three tries of three.
ping_tunnel() {
	local n
	for n in 1 2 3; do
		ip netns exec "lan$1" ping -q -c 3 -W 3 -I "10.1.$1.1" 10.2.0.1 && return 0
	done
	return 1
}
