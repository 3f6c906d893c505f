# shellcheck shell=bash
# Raw ESP between LAN hosts and the remote with manual xfrm tunnel SAs (no
# IKE daemon, no NAT-T), for the VM tests (source after topo.sh):
#
#   esp_setup N        topo_setup N, then host i's policies and SAs (gen 1)
#   sa_up I GEN / sa_down I GEN   host i's SA pair of generation GEN
#   ping_all N COUNT   every host pings through its tunnel at once; sets
#                      failed_hosts to the ones that did not get through
#   insert_failed      the gateway's conntrack insert_failed, all CPUs
#   xfrm_stat I KEY    host i's xfrm counter KEY (/proc/net/xfrm_stat)
#   no_state_anywhere N  ESP that reached one of N hosts without its SA
#
# The remote sees the gateway's public address as every host's.

# Distinct keys and SPIs per host and generation (rekeys bump GEN).
key() { printf '0x%032x' $((0x1000 * $1 + $2)); }
spi_out() { printf '0x%08x' $((0x10000 * $2 + 0x100 + $1)); }
spi_in() { printf '0x%08x' $((0x10000 * $2 + 0x200 + $1)); }
inner() { echo "10.1.$1.1"; }
REMOTE_INNER=10.2.0.1

# sa_up HOST GEN: tunnel-mode SA pair + policies on the host and the remote.
# The remote sees the gateway's public address as the host's.
sa_up() {
	local i=$1 g=$2 lan
	lan=$(lan_ip "$i")
	ip -n "lan$i" xfrm state add src "$lan" dst "$REMOTE" proto esp spi "$(spi_out "$i" "$g")" \
		reqid "$i" mode tunnel aead 'rfc4106(gcm(aes))' "$(key "$i" "$g")00000000" 128
	ip -n "lan$i" xfrm state add src "$REMOTE" dst "$lan" proto esp spi "$(spi_in "$i" "$g")" \
		reqid "$i" mode tunnel aead 'rfc4106(gcm(aes))' "$(key "$i" $((g + 50)))00000000" 128
	ip -n rem xfrm state add src "$GW_PUB" dst "$REMOTE" proto esp spi "$(spi_out "$i" "$g")" \
		reqid "$i" mode tunnel aead 'rfc4106(gcm(aes))' "$(key "$i" "$g")00000000" 128
	ip -n rem xfrm state add src "$REMOTE" dst "$GW_PUB" proto esp spi "$(spi_in "$i" "$g")" \
		reqid "$i" mode tunnel aead 'rfc4106(gcm(aes))' "$(key "$i" $((g + 50)))00000000" 128
}

sa_down() {
	local i=$1 g=$2 lan
	lan=$(lan_ip "$i")
	ip -n "lan$i" xfrm state del src "$lan" dst "$REMOTE" proto esp spi "$(spi_out "$i" "$g")"
	ip -n "lan$i" xfrm state del src "$REMOTE" dst "$lan" proto esp spi "$(spi_in "$i" "$g")"
	ip -n rem xfrm state del src "$GW_PUB" dst "$REMOTE" proto esp spi "$(spi_out "$i" "$g")"
	ip -n rem xfrm state del src "$REMOTE" dst "$GW_PUB" proto esp spi "$(spi_in "$i" "$g")"
}

policies() {
	local i=$1 lan
	lan=$(lan_ip "$i")
	ip -n "lan$i" addr add "$(inner "$i")/32" dev lo
	ip -n "lan$i" route add "$REMOTE_INNER" via 192.168.1.1 src "$(inner "$i")"
	ip -n "lan$i" xfrm policy add src "$(inner "$i")" dst "$REMOTE_INNER" dir out \
		tmpl src "$lan" dst "$REMOTE" proto esp reqid "$i" mode tunnel
	ip -n "lan$i" xfrm policy add src "$REMOTE_INNER" dst "$(inner "$i")" dir in \
		tmpl src "$REMOTE" dst "$lan" proto esp reqid "$i" mode tunnel
	ip -n rem xfrm policy add src "$REMOTE_INNER" dst "$(inner "$i")" dir out \
		tmpl src "$REMOTE" dst "$GW_PUB" proto esp reqid "$i" mode tunnel
	ip -n rem xfrm policy add src "$(inner "$i")" dst "$REMOTE_INNER" dir in \
		tmpl src "$GW_PUB" dst "$REMOTE" proto esp reqid "$i" mode tunnel
}

esp_setup() {
	local n=$1 i
	topo_setup "$n"
	ip -n rem addr add "$REMOTE_INNER/32" dev lo
	ip -n rem route add 10.1.0.0/16 dev eth0 src "$REMOTE_INNER"
	for i in $(seq 1 "$n"); do
		policies "$i"
		sa_up "$i" 1
	done
}

# ping_all N COUNT: every host pings through its tunnel at the same time
ping_all() {
	local n=$1 count=$2 i
	local -a pids
	for i in $(seq 1 "$n"); do
		ip netns exec "lan$i" ping -q -c "$count" -i 0.3 -W 3 -I "$(inner "$i")" \
			"$REMOTE_INNER" >/dev/null 2>&1 &
		pids[i]=$!
	done
	failed_hosts=""
	for i in $(seq 1 "$n"); do
		wait "${pids[i]}" || failed_hosts="$failed_hosts lan$i"
	done
}

insert_failed() {
	ip netns exec gw conntrack -S 2>/dev/null |
		sed -n 's/.*insert_failed=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

xfrm_stat() { ip netns exec "lan$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/xfrm_stat; }

# Inbound ESP that reached a host without a matching SA would count here.
no_state_anywhere() {
	local n=$1 i s=0
	for i in $(seq 1 "$n"); do
		s=$((s + $(xfrm_stat "$i" XfrmInNoStates)))
	done
	echo "$s"
}
