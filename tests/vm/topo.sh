# Shared topology for the VM tests (source after lib.sh):
#
#   lan1..lanN (192.168.1.10+i) --- br0 [gw] wan0 (203.0.113.1) --- rem (203.0.113.7)
#
# The gateway masquerades everything leaving wan0 with one ordinary rule;
# the remote has no route to the LAN: it only ever sees 203.0.113.1.
GW_PUB=203.0.113.1
REMOTE=203.0.113.7
CTL=${CTL:-/usr/local/sbin/vpnmasq-ctl}
# gwctl ARGS...: vpnmasq-ctl in the gateway namespace
gwctl() { ip netns exec gw "$CTL" "$@"; }

# vpnmasq_load: installs the built module into the guest's overlay unless a
# test before did, and loads it (one check)
vpnmasq_load() {
	modinfo vpnmasq >/dev/null 2>&1 || make -s install-module install-tool KVER="$(uname -r)"
	check "modprobe vpnmasq" modprobe vpnmasq
}

lan_ip() { echo "192.168.1.$((10 + $1))"; }

topo_setup() {
	local n=$1 i
	ns_create gw rem
	ip -n gw link add br0 type bridge
	ip -n gw addr add 192.168.1.1/24 dev br0
	ip -n gw link set br0 up
	for i in $(seq 1 "$n"); do
		ns_create "lan$i"
		ip link add eth0 netns "lan$i" type veth peer name "p$i" netns gw
		ip -n "lan$i" addr add "$(lan_ip "$i")/24" dev eth0
		ip -n "lan$i" link set eth0 up
		ip -n "lan$i" route add default via 192.168.1.1
		ip -n gw link set "p$i" master br0 up
	done
	ip link add wan0 netns gw type veth peer name eth0 netns rem
	ip -n gw addr add "$GW_PUB/24" dev wan0
	ip -n gw link set wan0 up
	ip -n rem addr add "$REMOTE/24" dev eth0
	ip -n rem link set eth0 up
	ip netns exec gw sysctl -qw net.ipv4.ip_forward=1
	ip netns exec gw nft -f - <<'NFT'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
}

# stat NAME [NS]: one vpnmasq counter or table size (ike, esp, ...) of a
# namespace (default gw), or "missing" (jq, not python: tests read them
# often, and python starts slowly under TCG)
stat() {
	ip netns exec "${2:-gw}" "$CTL" -j stats |
		jq -r --arg k "$1" '.counters[$k] // .tables[$k] // "missing"'
}
