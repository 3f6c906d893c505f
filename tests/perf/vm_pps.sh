#!/bin/bash
# Per-packet cost of vpnmasq on the forwarding path, in the guest: packets
# per second that the gateway namespace forwards (masquerading, conntrack)
# without and with vpnmasq, for raw ESP and ISAKMP in both directions, and
# with 10 against 50 000 live associations. Runs in the guest like
# tests/vm/t_*.sh:
#
#   cmake -S tests/perf -B build/perf && cmake --build build/perf
#   make && flock /tmp/vpnmasq-vm.lock scripts/vm/run-guest -k KVER -s 2 -- \
#       bash tests/perf/vm_pps.sh
#
# Env: PERF_REPS (runs per mode, default 3), PERF_SECONDS (each, default 2),
# PERF_QUICK=1 (1 run of 1 s, 2 000 associations: a smoke test),
# PERF_PATH=threaded|sync (see below), BLAST (generator binary).
#
# Output: "FIGURE <name> <value> <unit> [text]" lines, medians over the
# runs with their min..max and the sender's rate; PASS/FAIL only for
# sanity (tools ran, traffic forwarded and NATed, associations present),
# never for timing. Compare ratios of one run only: TCG speed follows the
# host's load.
#
# How the gateway is made the bottleneck. A veth transmit normally hands
# the packet to the peer's backlog on the sending CPU, so the sender's
# softirq carries it through the gateway and the receiver too: the rate is
# then the cost of everything on one CPU (PERF_PATH=sync). By default
# (PERF_PATH=threaded) the gateway-side veth ends (p1 for outbound, wan0 for
# inbound) get GRO, which gives veth a NAPI ring, and threaded NAPI, whose
# kthread is pinned to CPU 1 while the generator is pinned to CPU 0; TSO
# is off on the senders' ends, without which veth bypasses the ring for
# socket packets. The generator writes frames for the gateway's MAC to a
# packet socket that skips its own IP stack and qdisc (vpnmasq-blast
# --dev); the gateway's bridge, conntrack, NAT, vpnmasq and the receiver's
# ingress drop run on CPU 1. A full ring refuses the frame (ENOBUFS, sent
# again): "sender" counts accepted frames, and while the generator keeps
# retrying the rate is the gateway's. Kernel pktgen was not used: it has
# no ESP mode without real xfrm states. Nothing here hands GRO packets to
# aggregate: forwarded UDP is not GRO'd without rx-udp-gro-forwarding, ESP
# only with esp4_offload and a state.
#
# Three modes per flow: plain (module not loaded), hooks (loaded, disabled
# in the gateway: its netfilter hooks run and return) and vpnmasq.
#
# Counting: netdev ingress chains on the receiver's eth0 count and drop the
# test traffic (before IP, cheap and exact); a rule that matches only the
# translated addresses proves the gateway masqueraded (outbound) or
# de-masqueraded to lan1 (inbound).
#
# Inbound flows: lan1 first sends one packet (SPI / cookie), the remote
# answers once (ESP: a new SPI, which vpnmasq binds to lan1 because lan1's
# SPI is pending; IKE: the same initiator cookie); then the remote floods
# 203.0.113.1 with that SPI / cookie. Without vpnmasq the same packets
# match the masquerade entry's reply direction.
#
# vpnmasq is disabled in lan1 and rem (its LOCAL_OUT hook would otherwise
# record the sender's IKE): only the gateway's cost differs between modes.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

REPS=${PERF_REPS:-3}
SECS=${PERF_SECONDS:-2}
NASSOC=50000
if [ "${PERF_QUICK:-0}" = 1 ]; then
	REPS=1
	SECS=1
	NASSOC=2000
fi
PATH_MODE=${PERF_PATH:-threaded}
BLAST=${BLAST:-build/perf/vpnmasq-blast}
LAN=$(lan_ip 1)
SPI_OUT=0x10000001 # lan1's SA to the remote
SPI_IN=0x20000001  # the remote's SA to lan1
COOKIE=0x7100000000000001
SCALE_SPI=0x40000001
SCALE_COOKIE=0x7200000000000001

for v in "$REPS" "$NASSOC"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { fail "PERF_REPS: not a positive number: $v"; summary; exit; }
done
[[ $SECS =~ ^[0-9]+(\.[0-9]+)?$ ]] || { fail "PERF_SECONDS: not a number: $SECS"; summary; exit; }
case $PATH_MODE in
threaded | sync) ;;
*) fail "PERF_PATH: threaded or sync, not $PATH_MODE"; summary; exit ;;
esac

kmsg_mark
if [ ! -x "$BLAST" ]; then
	echo "# $BLAST missing: building it (slow under TCG; build tests/perf on the host first)"
	cmake -S tests/perf -B build/perf >/dev/null &&
		cmake --build build/perf --target vpnmasq-blast >/dev/null
fi
check "traffic generator $BLAST present" test -x "$BLAST" || { summary; exit; }
vpnmasq_load || { summary; exit; }
rmmod vpnmasq

topo_setup 1
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || echo "# only $NCPU CPU: sender and gateway share it"
ip netns exec rem nft -f - <<NFT
table netdev perf {
	counter out50_nat {}
	counter out50_other {}
	counter out500_nat {}
	counter out500_other {}
	chain in {
		type filter hook ingress device "eth0" priority 0; policy accept;
		ip saddr $GW_PUB ip protocol 50 counter name "out50_nat" drop
		ip protocol 50 counter name "out50_other" drop
		ip saddr $GW_PUB udp dport 500 counter name "out500_nat" drop
		udp dport 500 counter name "out500_other" drop
	}
}
NFT
ip netns exec lan1 nft -f - <<NFT
table netdev perf {
	counter in50_nat {}
	counter in50_other {}
	counter in500_nat {}
	counter in500_other {}
	chain in {
		type filter hook ingress device "eth0" priority 0; policy accept;
		ip saddr $REMOTE ip daddr $LAN ip protocol 50 counter name "in50_nat" drop
		ip protocol 50 counter name "in50_other" drop
		ip saddr $REMOTE ip daddr $LAN udp dport 500 counter name "in500_nat" drop
		udp dport 500 counter name "in500_other" drop
	}
}
NFT
check "nft ingress counters on rem and lan1" \
	ip netns exec lan1 nft list counter netdev perf in50_nat
# resolves the neighbours both ways before anything is counted
check "lan1 reaches the remote through the gateway" \
	ip netns exec lan1 ping -q -c 1 -W 5 "$REMOTE"

# ethtool_flag NS DEV CMD 0|1: a legacy ETHTOOL_S* flag ioctl (the guest has
# no ethtool); CMD 0x2c is ETHTOOL_SGRO, 0x1f ETHTOOL_STSO
ethtool_flag() {
	ip netns exec "$1" python3 -c '
import ctypes, fcntl, socket, struct, sys
val = ctypes.create_string_buffer(struct.pack("II", int(sys.argv[2], 0), int(sys.argv[3])), 8)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), 0x8946,
                struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val)))
' "$2" "$3" "$4"
}

# threaded 0|1: NAPI kthreads for the gateway's p1 and wan0, on CPU 1
threaded() {
	local dev pid
	for dev in p1 wan0; do
		ip netns exec gw sh -c "echo $1 > /sys/class/net/$dev/threaded" || return 1
	done
	[ "$1" = 1 ] && [ "$NCPU" -ge 2 ] || return 0
	for pid in $(pgrep '^napi/'); do
		taskset -p -c 1 "$pid" >/dev/null || return 1
	done
}

if [ "$PATH_MODE" = threaded ]; then
	check "GRO (veth NAPI) on the gateway's p1 and wan0" \
		eval 'ethtool_flag gw p1 0x2c 1 && ethtool_flag gw wan0 0x2c 1'
	# veth hands a TSO-capable sender's socket packets to the peer's
	# NAPI ring only if the peer does UDP GRO forwarding; without TSO
	# on the senders' ends every packet takes the ring.
	check "TSO off on the senders' lan1 and rem eth0" \
		eval 'ethtool_flag lan1 eth0 0x1f 0 && ethtool_flag rem eth0 0x1f 0'
	check "threaded NAPI on p1 and wan0, kthreads on CPU 1" threaded 1
	echo "# NAPI threads: $(pgrep -a '^napi/' | tr '\n' ' ')"
fi
GW_LAN_MAC=$(ip netns exec gw cat /sys/class/net/br0/address)
GW_WAN_MAC=$(ip netns exec gw cat /sys/class/net/wan0/address)
SENDER_CPU=(taskset -c 0)
[ "$NCPU" -ge 2 ] || SENDER_CPU=()

# ---- helpers ----------------------------------------------------------

counter() { # counter NS NAME: packets
	ip netns exec "$1" nft list counter netdev perf "$2" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

reset_counters() {
	ip netns exec rem nft reset counters table netdev perf >/dev/null
	ip netns exec lan1 nft reset counters table netdev perf >/dev/null
}

# blast NS ARGS...: runs the generator, sets BL_SENT BL_SECS BL_PPS
blast() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "${SENDER_CPU[@]}" "$BLAST" "$@" 2>&1)
	BL_SENT=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$out")
	BL_SECS=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$out")
	BL_PPS=$(sed -n 's/.* pps=\([0-9]*\).*/\1/p' <<<"$out")
	BL_FULL=$(sed -n 's/.* enobufs=\([0-9]*\).*/\1/p' <<<"$out")
	if [ -z "$BL_SENT" ] || [ -z "$BL_SECS" ]; then
		echo "    $BLAST $*: $out"
		BL_SENT=0 BL_SECS=1 BL_PPS=0
		return 1
	fi
}

ctl() { ip netns exec "$1" "$CTL" "${@:2}"; }

# mode_set plain|hooks|vpnmasq: a fresh start each time. hooks: vpnmasq
# loaded but disabled in the gateway too, so only its netfilter hooks run
# (and return at once): the share of the cost that no table work can save.
mode_set() {
	if [ "$1" = plain ]; then
		! lsmod | grep -q '^vpnmasq ' || rmmod vpnmasq || return 1
	else
		lsmod | grep -q '^vpnmasq ' || modprobe vpnmasq || return 1
		ctl lan1 set enabled 0 && ctl rem set enabled 0 || return 1
		if [ "$1" = hooks ]; then
			ctl gw set enabled 0 || return 1
		else
			ctl gw set enabled 1 || return 1
		fi
	fi
	ip netns exec gw conntrack -F >/dev/null 2>&1
	return 0
}

# table_size NAME: entries of one vpnmasq table in gw
table_size() {
	ctl gw -j stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["tables"].get(sys.argv[1], -1))' "$1"
}

# One packet each way, so that lan1's flows exist (and, with vpnmasq, its
# outbound SPI / cookie and the remote's inbound SPI are associated).
# Sets PRIMED to what arrived: "out50 out500 in50 in500" counts.
prime() {
	reset_counters
	blast lan1 esp "$REMOTE" --count 1 --spi "$SPI_OUT" &&
		blast lan1 ike "$REMOTE" --count 1 --cookie "$COOKIE" || return 1
	sleep 0.2
	blast rem esp "$GW_PUB" --count 1 --spi "$SPI_IN" &&
		blast rem ike "$GW_PUB" --count 1 --cookie "$COOKIE" || return 1
	sleep 0.2
	PRIMED="$(counter rem out50_nat) $(counter rem out500_nat)"
	PRIMED="$PRIMED $(counter lan1 in50_nat) $(counter lan1 in500_nat)"
}

# flow_args FLOW: sender netns and generator arguments; counter names
flow_args() {
	case $1 in
	esp_out) FL=(lan1 esp "$REMOTE" --spi "$SPI_OUT") FL_NS=rem FL_C=out50 ;;
	ike_out) FL=(lan1 ike "$REMOTE" --cookie "$COOKIE") FL_NS=rem FL_C=out500 ;;
	esp_in) FL=(rem esp "$GW_PUB" --spi "$SPI_IN") FL_NS=lan1 FL_C=in50 ;;
	ike_in) FL=(rem ike "$GW_PUB" --cookie "$COOKIE") FL_NS=lan1 FL_C=in500 ;;
	esac
	# straight to the gateway's MAC: the sender's stack is not measured
	case $1 in
	*_out) FL+=(--dev eth0 --dst-mac "$GW_LAN_MAC") ;;
	*_in) FL+=(--dev eth0 --dst-mac "$GW_WAN_MAC") ;;
	esac
}

declare -A RECV SEND BAD NRUNS
# measure KEY FLOW: one timed run; appends the received and sent pps
measure() {
	local key=$1 got other pps
	flow_args "$2"
	reset_counters
	blast "${FL[@]}" --duration "$SECS" || BAD[$key]=$((${BAD[$key]:-0} + 1))
	sleep 0.3 # the rings drain
	got=$(counter "$FL_NS" "${FL_C}_nat")
	other=$(counter "$FL_NS" "${FL_C}_other")
	pps=$(awk -v n="$got" -v s="$BL_SECS" 'BEGIN { printf "%.0f", n / s }')
	# nothing untranslated may arrive, and something must
	if [ "${got:-0}" -eq 0 ] || [ "${other:-1}" -ne 0 ]; then
		BAD[$key]=$((${BAD[$key]:-0} + 1))
	fi
	RECV[$key]="${RECV[$key]:-} $pps"
	SEND[$key]="${SEND[$key]:-} $BL_PPS"
	NRUNS[$key]=$((${NRUNS[$key]:-0} + 1))
	echo "# $key: received $pps pps ($got packets, $other untranslated), sender $BL_PPS pps" \
		"(${BL_FULL:-?} sends refused by a full ring)"
}

# spread LIST: "median min max" (median of an even count: the lower middle
# two's mean)
spread() {
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.0f %.0f %.0f\n", m, v[1], v[NR]
		}'
}

# figure NAME KEY TEXT: the pps figure of one series; sets MED
figure() {
	local med lo hi smed
	read -r med lo hi <<<"$(spread "${RECV[$2]}")"
	read -r smed _ <<<"$(spread "${SEND[$2]}")"
	MED=$med
	echo "FIGURE $1 $med pps median of ${NRUNS[$2]}, min $lo max $hi, sender $smed pps; $3"
}

ratio() { # ratio NAME A B TEXT
	echo "FIGURE $1 $(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", b ? a / b : 0 }') ratio $4"
}

sanity() { # sanity KEY MSG
	check_eq "$2 (runs with no traffic or untranslated packets)" 0 "${BAD[$1]:-0}"
}

# ---- plain, hooks only and vpnmasq, four flows -------------------------

FLOWS=(esp_out ike_out esp_in ike_in)
echo "# path $PATH_MODE, $REPS runs of ${SECS}s per mode and flow, $NCPU CPUs, $(uname -r)"
prime_bad=0
for rep in $(seq 1 "$REPS"); do
	# ABBA: drift in the host's load hits every mode alike
	if [ $((rep % 2)) = 1 ]; then order="plain hooks vpnmasq"; else order="vpnmasq hooks plain"; fi
	for mode in $order; do
		if ! mode_set "$mode"; then
			fail "switching to $mode"
			continue
		fi
		if ! prime || [ "$PRIMED" != "1 1 1 1" ]; then
			echo "# $mode: priming packets arrived: ${PRIMED:-none} (out50 out500 in50 in500)"
			prime_bad=$((prime_bad + 1))
		fi
		for flow in "${FLOWS[@]}"; do
			measure "$flow,$mode" "$flow"
		done
	done
done
check_eq "each priming packet crossed the gateway once, both ways, every mode" 0 "$prime_bad"
mode_set vpnmasq
check_match "vpnmasq associated lan1's SPIs and cookie" "$LAN" "$(prime && ctl gw show all)"

for flow in "${FLOWS[@]}"; do
	sanity "$flow,plain" "$flow without vpnmasq: forwarded and NATed"
	sanity "$flow,hooks" "$flow with vpnmasq's hooks only: forwarded and NATed"
	sanity "$flow,vpnmasq" "$flow with vpnmasq: forwarded and NATed"
	figure "pps_${flow}_plain" "$flow,plain" "vpnmasq not loaded"
	plain=$MED
	figure "pps_${flow}_hooks" "$flow,hooks" "vpnmasq loaded, disabled: its hooks only"
	hooks=$MED
	figure "pps_${flow}_vpnmasq" "$flow,vpnmasq" "vpnmasq loaded"
	ratio "ratio_$flow" "$MED" "$plain" "vpnmasq/plain of the medians"
	ratio "ratio_${flow}_hooks" "$hooks" "$plain" "hooks only/plain of the medians"
done

# ---- 10 against NASSOC live associations -------------------------------

# populate PROTO: NASSOC-1 flows from SCALE_SPI/COOKIE (the first 9 exist
# already), so the table holds NASSOC with lan1's measured flow.
# Without threaded NAPI each packet is forwarded in its sender's softirq:
# none is lost to a full ring.
populate() {
	local n=$((NASSOC - 1)) have want
	[ "$PATH_MODE" = threaded ] && threaded 0
	if [ "$1" = esp ]; then
		blast lan1 esp "$REMOTE" --once --flows "$n" --spi "$SCALE_SPI" --batch 64
	else
		blast lan1 ike "$REMOTE" --once --flows "$n" --cookie "$SCALE_COOKIE" --batch 64
	fi
	want=$NASSOC
	have=$(table_size "$1")
	if [ "$have" -lt "$want" ]; then
		echo "# $1: only $have of $want associations after one pass, sending again"
		if [ "$1" = esp ]; then
			blast lan1 esp "$REMOTE" --once --flows "$n" --spi "$SCALE_SPI" --rate 5000
		else
			blast lan1 ike "$REMOTE" --once --flows "$n" --cookie "$SCALE_COOKIE" --rate 5000
		fi
		have=$(table_size "$1")
	fi
	[ "$PATH_MODE" = threaded ] && threaded 1
	echo "# $1: $have associations"
	[ "$have" -ge "$want" ] || POP_BAD="$POP_BAD $1:$have"
}

# base PROTO: the measured flow and 9 others, nothing else
base() {
	ctl gw flush "$1" >/dev/null
	if [ "$1" = esp ]; then
		blast lan1 esp "$REMOTE" --count 1 --spi "$SPI_OUT" &&
			blast lan1 esp "$REMOTE" --once --flows 9 --spi "$SCALE_SPI"
	else
		blast lan1 ike "$REMOTE" --count 1 --cookie "$COOKIE" &&
			blast lan1 ike "$REMOTE" --once --flows 9 --cookie "$SCALE_COOKIE"
	fi
	sleep 0.2
	local have
	have=$(table_size "$1")
	echo "# $1: $have associations"
	[ "$have" = 10 ] || POP_BAD="$POP_BAD $1-base:$have"
}

POP_BAD=
mode_set plain
mode_set vpnmasq
check "max_assoc raised to 65536" ctl gw set max_assoc 65536
for proto in esp ike; do
	base "$proto"
	for rep in $(seq 1 "$REPS"); do
		# ABBA again: one repopulation or flush per run pair
		if [ $((rep % 2)) = 1 ]; then
			measure "${proto}_scale,10" "${proto}_out"
			populate "$proto"
			measure "${proto}_scale,big" "${proto}_out"
		else
			measure "${proto}_scale,big" "${proto}_out"
			base "$proto"
			measure "${proto}_scale,10" "${proto}_out"
		fi
	done
	ctl gw flush "$proto" >/dev/null
done
check_eq "10 and $NASSOC associations present whenever measured" "" "$POP_BAD"
check_eq "no association refused for a full table" "0 0" \
	"$(stat esp_table_full) $(stat ike_table_full)"
[ "$NASSOC" = 50000 ] && note="" || note=" (PERF_QUICK: $NASSOC, not 50 000)"
for proto in esp ike; do
	sanity "${proto}_scale,10" "$proto, 10 associations: forwarded and NATed"
	sanity "${proto}_scale,big" "$proto, $NASSOC associations: forwarded and NATed"
	figure "pps_${proto}_scale_10" "${proto}_scale,10" "outbound, 10 live associations"
	small=$MED
	figure "pps_${proto}_scale_50k" "${proto}_scale,big" "outbound, $NASSOC live associations$note"
	ratio "ratio_${proto}_scale" "$MED" "$small" "${NASSOC}/10 associations of the medians$note"
done

kmsg_scan "kernel log clean after the benchmark"
summary
