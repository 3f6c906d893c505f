#!/bin/bash
# Guest instructions per forwarded packet: what the gateway namespace spends
# on one packet with plain masquerade, with vpnmasq's hooks only (loaded,
# disabled) and with vpnmasq, for raw ESP and ISAKMP, outbound and inbound,
# with 10 and with 50 000 live associations. Runs in the guest, booted
# under qemu's instruction counter on one vCPU:
#
#   cmake -S tests/perf -B build/perf && cmake --build build/perf
#   make && scripts/vm/run-guest -k KVER -s 1 -I -- bash tests/perf/vm_insn.sh
#
# Env: PERF_REPS (rounds, default 5), PERF_PACKETS (per measurement,
# default 20000), PERF_QUICK=1 (1 round of 2 000 packets, 2 000
# associations: a smoke test), PERF_VARIANTS="NAME=MODULE.ko[@FLOW,...] ..."
# (more modes: another build of vpnmasq, loaded instead of the real one and
# enabled, measured on all four flows or those given; tests/perf/variants.py
# makes them), PERF_SCALE=0 (no scale runs), VPNMASQ_KO (the module for
# the hooks and vpnmasq modes, default the installed build of this tree;
# CTL then names a vpnmasq-ctl that speaks its netlink), PERF_PROFILE=1
# (with scripts/vm/run-guest -p build/perf/insn-profile.so,mark=0x6d617200:
# every measurement's instructions by address, kept with the guest's
# symbols for tests/perf/insn_profile.py), BLAST (generator binary).
#
# The instrument. Under -icount shift=0 the guest's TSC advances one tick
# per guest instruction executed, whatever the host does (run-guest -I).
# The generator (vpnmasq-blast --count N, packet socket on the sender's
# veth, no qdisc) writes N frames for the next hop's MAC; on one CPU with
# no GRO each frame is carried, in the softirq that its own send raises,
# through the whole path: the sender's veth, the gateway (bridge, conntrack,
# NAT, routing, vpnmasq) and the receiver's netdev ingress chain, which
# counts and drops it. The TSC's advance over the N sends (tsc=) is then the
# instructions of the sending, forwarding and receiving of N packets, plus
# the kernel's timer ticks (some 0.1 %; no other task runs). The same
# generator sends the same frames straight to the receiver over a second
# veth pair (lan1:eth1 - rem:eth1, the receiver's chain on both devices):
# "direct", the sender's and receiver's share. A mode's figure is its path
# minus direct in the same round: the gateway's instructions per packet.
# Each round measures every flow in every mode (the order reversed every
# other round); a figure is the median over the rounds, with min and max,
# and every ratio is taken within a round before its median is taken.
#
# Noise floor: hooks only costs vpnmasq's two prerouting hook calls, which
# return at once, so hooks / plain is 1.00 less a few tens of instructions
# (FIGURE ratio_insn_*_hooks, with its spread over the rounds). A variant
# doing a known number of extra instructions per packet
# (tests/perf/variants.sh plus100) shows up as that many.
#
# Output: "FIGURE <name> <value> <unit> [text]" lines; PASS/FAIL only for
# sanity (every packet forwarded and NATed, associations present), never
# for a figure. Without -icount the TSC counts host cycles: the figures are
# printed but mean nothing (make check's smoke run).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

REPS=${PERF_REPS:-5}
NPKT=${PERF_PACKETS:-20000}
NASSOC=50000
if [ "${PERF_QUICK:-0}" = 1 ]; then
	REPS=1
	NPKT=2000
	NASSOC=2000
fi
SCALE=${PERF_SCALE:-1}
BLAST=${BLAST:-build/perf/vpnmasq-blast}
LAN=$(lan_ip 1)
SPI_OUT=0x10000001 # lan1's SA to the remote
SPI_IN=0x20000001  # the remote's SA to lan1
COOKIE=0x7100000000000001
SCALE_SPI=0x40000001
SCALE_COOKIE=0x7200000000000001

for v in "$REPS" "$NPKT" "$NASSOC"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { fail "PERF_REPS/PERF_PACKETS: not a positive number: $v"; summary; exit; }
done
declare -A VARIANT_KO VARIANT_FLOWS
VARIANTS=()
for v in ${PERF_VARIANTS:-}; do
	name=${v%%=*} ko=${v#*=} flows=
	if [[ $ko == *@* ]]; then
		flows=${ko#*@} ko=${ko%@*}
	fi
	if ! [[ $name =~ ^[a-z0-9_]+$ ]] || [ "$name" = "$v" ]; then
		fail "PERF_VARIANTS: NAME=MODULE.ko, not $v"
		summary
		exit
	fi
	check "variant $name: $ko present" test -r "$ko" || { summary; exit; }
	VARIANT_KO[$name]=$ko
	VARIANT_FLOWS[$name]=" ${flows//,/ } "
	VARIANTS+=("$name")
done
MODES=(plain hooks vpnmasq "${VARIANTS[@]}")

kmsg_mark
if [ ! -x "$BLAST" ]; then
	echo "# $BLAST missing: building it (slow under TCG; build tests/perf on the host first)"
	cmake -S tests/perf -B build/perf >/dev/null &&
		cmake --build build/perf --target vpnmasq-blast >/dev/null
fi
check "traffic generator $BLAST present" test -x "$BLAST" || { summary; exit; }
if [ -n "${VPNMASQ_KO:-}" ]; then
	# its dependencies, then the module itself once (as vpnmasq_load does)
	# shellcheck disable=SC2046 # one module a word
	check "modules $VPNMASQ_KO depends on" modprobe -a $(modinfo -F depends "$VPNMASQ_KO" | tr , ' ')
	check "insmod $VPNMASQ_KO" insmod "$VPNMASQ_KO" || { summary; exit; }
	echo "# vpnmasq: $VPNMASQ_KO ($(modinfo -F srcversion "$VPNMASQ_KO")), ctl $CTL"
else
	vpnmasq_load || { summary; exit; }
fi
rmmod vpnmasq

NCPU=$(nproc)
if [ -n "${VPNMASQ_VM_ICOUNT:-}" ]; then
	echo "# qemu -icount $VPNMASQ_VM_ICOUNT, $NCPU CPU(s): TSC ticks are guest instructions"
	[ "$NCPU" = 1 ] || echo "# $NCPU CPUs: the counter counts every CPU's instructions (use run-guest -s 1)"
else
	echo "# not under qemu -icount: TSC ticks are not instructions, the figures mean nothing"
fi

topo_setup 1
# the direct path: a second veth pair from lan1 to rem, no gateway
ip link add eth1 netns lan1 type veth peer name eth1 netns rem
ip -n lan1 link set eth1 up
ip -n rem link set eth1 up
# Receivers: netdev ingress chains count and drop the test traffic; the
# direct path's frames carry the same addresses as the gateway's (the
# generator stamps them), so the same rule counts them.
ip netns exec rem nft -f - <<NFT
table netdev perf {
	counter out50_nat {}
	counter out50_other {}
	counter out500_nat {}
	counter out500_other {}
	chain in {
		type filter hook ingress devices = { eth0, eth1 } priority 0; policy accept;
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
		type filter hook ingress devices = { eth0, eth1 } priority 0; policy accept;
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
GW_LAN_MAC=$(ip netns exec gw cat /sys/class/net/br0/address)
GW_WAN_MAC=$(ip netns exec gw cat /sys/class/net/wan0/address)
REM_DIRECT_MAC=$(ip netns exec rem cat /sys/class/net/eth1/address)
LAN_DIRECT_MAC=$(ip netns exec lan1 cat /sys/class/net/eth1/address)
SENDER_CPU=(taskset -c 0)

# ---- helpers ----------------------------------------------------------

counter() { # counter NS NAME: packets
	ip netns exec "$1" nft list counter netdev perf "$2" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

reset_counters() {
	ip netns exec rem nft reset counters table netdev perf >/dev/null
	ip netns exec lan1 nft reset counters table netdev perf >/dev/null
}

# blast NS ARGS...: runs the generator, sets BL_SENT BL_TSC
blast() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "${SENDER_CPU[@]}" "$BLAST" "$@" 2>&1)
	BL_SENT=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$out")
	BL_TSC=$(sed -n 's/.* tsc=\([0-9]*\).*/\1/p' <<<"$out")
	if [ -z "$BL_SENT" ] || [ -z "$BL_TSC" ]; then
		echo "    $BLAST $*: $out"
		BL_SENT=0 BL_TSC=0
		return 1
	fi
}

ctl() { ip netns exec "$1" "$CTL" "${@:2}"; }

# mode_set plain|hooks|vpnmasq|VARIANT: a fresh start each time (the
# module reloaded, conntrack flushed). hooks: vpnmasq loaded but disabled
# in the gateway too, so only its netfilter hooks run (and return at once).
# vpnmasq is off in lan1 and rem: only the gateway's cost differs.
mode_set() {
	! lsmod | grep -q '^vpnmasq ' || rmmod vpnmasq || return 1
	case $1 in
	plain) ;;
	hooks | vpnmasq)
		if [ -n "${VPNMASQ_KO:-}" ]; then
			insmod "$VPNMASQ_KO" || return 1
		else
			modprobe vpnmasq || return 1
		fi
		;;
	*) insmod "${VARIANT_KO[$1]}" || return 1 ;;
	esac
	profile_syms "$1"
	if [ "$1" != plain ]; then
		ctl lan1 set enabled 0 && ctl rem set enabled 0 || return 1
		if [ "$1" = hooks ]; then
			ctl gw set enabled 0 || return 1
		else
			ctl gw set enabled 1 max_assoc 65536 || return 1
		fi
	fi
	ip netns exec gw conntrack -F >/dev/null 2>&1
	return 0
}

table_size() { # table_size NAME: entries of one vpnmasq table in gw
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

# flow_args FLOW direct|gw: the generator's arguments (FL), the receiver's
# netns and counter (FL_NS, FL_C)
flow_args() {
	case $1 in
	esp_out) FL=(lan1 esp "$REMOTE" --spi "$SPI_OUT") FL_NS=rem FL_C=out50 ;;
	ike_out) FL=(lan1 ike "$REMOTE" --cookie "$COOKIE") FL_NS=rem FL_C=out500 ;;
	esp_in) FL=(rem esp "$GW_PUB" --spi "$SPI_IN") FL_NS=lan1 FL_C=in50 ;;
	ike_in) FL=(rem ike "$GW_PUB" --cookie "$COOKIE") FL_NS=lan1 FL_C=in500 ;;
	esac
	# straight to the next hop's MAC: the sender's stack is not measured
	case $1,$2 in
	*_out,gw) FL+=(--dev eth0 --dst-mac "$GW_LAN_MAC") ;;
	*_in,gw) FL+=(--dev eth0 --dst-mac "$GW_WAN_MAC") ;;
	# as they leave the gateway: masqueraded, de-masqueraded
	*_out,direct) FL+=(--dev eth1 --dst-mac "$REM_DIRECT_MAC" --bind "$GW_PUB") ;;
	*_in,direct) FL=("${FL[@]:0:2}" "$LAN" "${FL[@]:3}" --dev eth1 --dst-mac "$LAN_DIRECT_MAC" --bind "$REMOTE") ;;
	esac
}

# Profiles (PERF_PROFILE=1 under the insn-profile plugin): each measured
# run marks its start and end (blast --mark), the plugin writes a snapshot
# at each mark; the second is the run's, kept as KEEP/prof/KEY.N.txt and
# named in KEEP/prof/manifest with the symbols of the module loaded then
# (KEEP/prof/syms-M.txt: vpnmasq's, which move with every load;
# kallsyms.txt: everything, once).
KEEP=/run/vm/keep
PROF=0
NSNAP=0
SYMS=0
if [ "${PERF_PROFILE:-0}" = 1 ]; then
	if [ -d "$KEEP" ] && mkdir -p "$KEEP/prof"; then
		PROF=1
		echo "# profiles in $KEEP/prof (need run-guest -p build/perf/insn-profile.so,mark=0x6d617200)"
	else
		echo "# PERF_PROFILE=1 but no $KEEP: no profiles"
	fi
fi
# profile_syms MODE: the module's symbols as just loaded
profile_syms() {
	[ "$PROF" = 1 ] || return 0
	SYMS=$((SYMS + 1))
	grep '\[vpnmasq\]' /proc/kallsyms >"$KEEP/prof/syms-$SYMS.txt"
	echo "# symbols $SYMS: $1"
}
# profile_take KEY: the last run's snapshot kept under KEY
profile_take() {
	[ "$PROF" = 1 ] || return 0
	local n
	NSNAP=$((NSNAP + 2))
	rm -f "$KEEP/snapshot-$((NSNAP - 1)).txt"
	n=$(grep -c "^${1//,/\.} " "$KEEP/prof/manifest" 2>/dev/null)
	n=$((n + 1))
	if mv "$KEEP/snapshot-$NSNAP.txt" "$KEEP/prof/${1//,/.}.$n.txt" 2>/dev/null; then
		echo "${1//,/.} $n $SYMS $NPKT" >>"$KEEP/prof/manifest"
	else
		echo "# profile of $1 missing (snapshot $NSNAP): no plugin?"
		PROF=0
	fi
}

declare -A INSN BAD NRUNS
# measure KEY FLOW direct|gw: one run of NPKT packets; appends the path's
# instructions per packet to INSN[KEY] (one value per round)
measure() {
	local key=$1 got other ipp mark=()
	flow_args "$2" "$3"
	reset_counters
	[ "$PROF" = 1 ] && mark=(--mark)
	blast "${FL[@]}" --count "$NPKT" "${mark[@]}" || BAD[$key]=$((${BAD[$key]:-0} + 1))
	profile_take "$key"
	got=$(counter "$FL_NS" "${FL_C}_nat")
	other=$(counter "$FL_NS" "${FL_C}_other")
	# every packet sent arrived, translated
	if [ "${got:-0}" -ne "$NPKT" ] || [ "${other:-1}" -ne 0 ]; then
		BAD[$key]=$((${BAD[$key]:-0} + 1))
	fi
	ipp=$(awk -v t="$BL_TSC" -v n="${got:-0}" 'BEGIN { printf "%.1f", n ? t / n : 0 }')
	INSN[$key]="${INSN[$key]:-} $ipp"
	NRUNS[$key]=$((${NRUNS[$key]:-0} + 1))
	echo "# $key: $ipp insn/packet on the path ($got of $NPKT packets, $other untranslated, tsc $BL_TSC)"
}

# nth LIST I: the I-th (1-based) word of LIST
nth() { awk -v i="$2" '{ print $i }' <<<"$1"; }

# stats LIST: "median min max" (median of an even count: the middle two's mean)
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (!NR) { print "0 0 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s\n", m, v[1], v[NR]
		}'
}

# per_round OP A B: A op B per round, for two lists of one value per round
# (OP: sub or div); a round missing in either is left out
per_round() {
	awk -v op="$1" -v a="$2" -v b="$3" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			if (y[i] == "") continue
			if (op == "sub") printf "%.1f ", x[i] - y[i]
			else if (y[i] + 0 != 0) printf "%.4f ", x[i] / y[i]
		}
	}'
}

# gw FLOW,MODE [DIRECT]: the gateway's instructions per packet, one per
# round: the path minus the direct path (key FLOW,DIRECT, default direct)
gw() { per_round sub "${INSN[$1]:-}" "${INSN[${1%%,*},${2:-direct}]:-}"; }

# figure NAME UNIT LIST TEXT: the median of LIST with min and max; sets MED
figure() {
	local med lo hi d=1
	read -r med lo hi <<<"$(stats "$3")"
	[ "$2" = ratio ] && d=4
	MED=$(printf '%.*f' "$d" "$med")
	echo "FIGURE $1 $MED $2 median of $(wc -w <<<"$3"), min $(printf '%.*f' "$d" "$lo") max $(printf '%.*f' "$d" "$hi"); $4"
}

sanity() { # sanity KEY MSG
	check_eq "$2 (runs with a packet lost or untranslated)" 0 "${BAD[$1]:-0}"
}

FLOWS=(esp_out ike_out esp_in ike_in)

# round MODES...: one round: the direct path once, then each mode's four
# flows
round() {
	local mode flow
	for flow in "${FLOWS[@]}"; do
		measure "$flow,direct" "$flow" direct
	done
	for mode in "$@"; do
		if ! mode_set "$mode"; then
			fail "switching to $mode"
			continue
		fi
		if ! prime || [ "$PRIMED" != "1 1 1 1" ]; then
			echo "# $mode: priming packets arrived: ${PRIMED:-none} (out50 out500 in50 in500)"
			PRIME_BAD=$((PRIME_BAD + 1))
		fi
		for flow in "${FLOWS[@]}"; do
			[ -z "${VARIANT_FLOWS[$mode]:-}" ] || [ "${VARIANT_FLOWS[$mode]}" = "  " ] ||
				[[ ${VARIANT_FLOWS[$mode]} == *" $flow "* ]] || continue
			measure "$flow,$mode" "$flow" gw
		done
	done
}

# ---- plain, hooks only, vpnmasq (and variants), four flows ------------

echo "# $REPS rounds of $NPKT packets per flow and mode, $NCPU CPU(s), $(uname -r); modes: ${MODES[*]}"
PRIME_BAD=0
mode_set plain
[ "$PROF" = 1 ] && grep -i ' t ' /proc/kallsyms >"$KEEP/prof/kallsyms.txt"
for rep in $(seq 1 "$REPS"); do
	order=("${MODES[@]}")
	if [ $((rep % 2)) = 0 ]; then
		order=()
		for ((i = ${#MODES[@]} - 1; i >= 0; i--)); do order+=("${MODES[i]}"); done
	fi
	echo "# round $rep: ${order[*]}"
	round "${order[@]}"
done
check_eq "each priming packet crossed the gateway once, both ways, every mode" 0 "$PRIME_BAD"
mode_set vpnmasq
check_match "vpnmasq associated lan1's SPIs and cookie" "$LAN" "$(prime && ctl gw show all)"

for flow in "${FLOWS[@]}"; do
	sanity "$flow,direct" "$flow straight to the receiver"
	for mode in "${MODES[@]}"; do
		[ -z "${NRUNS[$flow,$mode]:-}" ] || sanity "$flow,$mode" "$flow, $mode: forwarded and NATed"
	done
	figure "insn_${flow}_direct" insn/pkt "${INSN[$flow,direct]:-}" \
		"sender and receiver alone (direct veth), the path's other share"
	figure "insn_${flow}_plain" insn/pkt "$(gw "$flow,plain")" \
		"gateway, plain masquerade (vpnmasq not loaded): path minus direct"
	figure "insn_${flow}_hooks" insn/pkt "$(gw "$flow,hooks")" \
		"gateway, vpnmasq loaded and disabled: its hooks only"
	figure "insn_${flow}_vpnmasq" insn/pkt "$(gw "$flow,vpnmasq")" "gateway, vpnmasq"
	figure "insn_${flow}_extra" insn/pkt \
		"$(per_round sub "$(gw "$flow,vpnmasq")" "$(gw "$flow,plain")")" \
		"vpnmasq's instructions per packet beyond plain masquerade's"
	figure "ratio_insn_${flow}" ratio \
		"$(per_round div "$(gw "$flow,plain")" "$(gw "$flow,vpnmasq")")" \
		"plain / vpnmasq instructions per packet: vpnmasq / plain packets per guest second"
	figure "ratio_insn_${flow}_hooks" ratio \
		"$(per_round div "$(gw "$flow,plain")" "$(gw "$flow,hooks")")" \
		"plain / hooks only: the noise floor, 1.00 less the hook calls"
	for v in "${VARIANTS[@]}"; do
		[ -n "${INSN[$flow,$v]:-}" ] || continue
		figure "insn_${flow}_$v" insn/pkt "$(gw "$flow,$v")" "gateway, variant $v (${VARIANT_KO[$v]})"
		figure "insn_${flow}_${v}_delta" insn/pkt \
			"$(per_round sub "$(gw "$flow,$v")" "$(gw "$flow,vpnmasq")")" \
			"variant $v minus vpnmasq, per round"
	done
done
# every hooks-only round of every flow: the noise floor in one line
all_hooks=""
for flow in "${FLOWS[@]}"; do
	all_hooks+=" $(per_round div "$(gw "$flow,plain")" "$(gw "$flow,hooks")")"
done
figure ratio_insn_hooks_all ratio "$all_hooks" "plain / hooks only, every flow and round"

# ---- 10 against NASSOC live associations --------------------------------

# populate: NASSOC-1 more ESP SPIs and ISAKMP cookies from lan1 (the first 9
# exist already), so that each table holds NASSOC with the measured flows
populate() {
	local n=$((NASSOC - 1)) have proto
	blast lan1 esp "$REMOTE" --once --flows "$n" --spi "$SCALE_SPI" --batch 64
	blast lan1 ike "$REMOTE" --once --flows "$n" --cookie "$SCALE_COOKIE" --batch 64
	for proto in esp ike; do
		have=$(table_size "$proto")
		# esp: lan1's outbound SPI and the remote's inbound one besides
		echo "# $proto: $have associations"
		[ "$have" -ge "$NASSOC" ] || POP_BAD="$POP_BAD $proto:$have"
	done
}

# base: the measured flows and 9 others of each protocol, nothing else
base() {
	local have proto
	ctl gw flush all >/dev/null
	ip netns exec gw conntrack -F >/dev/null 2>&1
	prime
	[ "$PRIMED" = "1 1 1 1" ] || POP_BAD="$POP_BAD prime:$PRIMED"
	blast lan1 esp "$REMOTE" --once --flows 9 --spi "$SCALE_SPI"
	blast lan1 ike "$REMOTE" --once --flows 9 --cookie "$SCALE_COOKIE"
	for proto in esp ike; do
		have=$(table_size "$proto")
		echo "# $proto: $have associations"
		[ "$have" -le 11 ] || POP_BAD="$POP_BAD $proto-base:$have"
	done
}

scale_round() { # scale_round 10|big
	local flow
	for flow in "${FLOWS[@]}"; do
		measure "$flow,$1" "$flow" gw
	done
}

if [ "$SCALE" = 1 ]; then
	POP_BAD=
	mode_set vpnmasq
	base
	for rep in $(seq 1 "$REPS"); do
		for flow in "${FLOWS[@]}"; do
			measure "$flow,sdirect" "$flow" direct
		done
		# ABBA: one repopulation or flush per round pair
		if [ $((rep % 2)) = 1 ]; then
			scale_round 10
			populate
			scale_round big
		else
			scale_round big
			base
			scale_round 10
		fi
	done
	check_eq "10 and $NASSOC associations present whenever measured" "" "$POP_BAD"
	check_eq "no association refused for a full table" "0 0" \
		"$(stat esp_table_full) $(stat ike_table_full)"
	[ "$NASSOC" = 50000 ] && note="" || note=" (PERF_QUICK: $NASSOC, not 50 000)"
	for flow in "${FLOWS[@]}"; do
		sanity "$flow,10" "$flow, 10 associations: forwarded and NATed"
		sanity "$flow,big" "$flow, $NASSOC associations: forwarded and NATed"
		figure "insn_${flow}_10" insn/pkt "$(gw "$flow,10" sdirect)" "gateway, vpnmasq, 10 live associations"
		figure "insn_${flow}_50k" insn/pkt "$(gw "$flow,big" sdirect)" "gateway, vpnmasq, $NASSOC live associations$note"
		figure "ratio_insn_${flow}_scale" ratio \
			"$(per_round div "$(gw "$flow,10" sdirect)" "$(gw "$flow,big" sdirect)")" \
			"instructions per packet with 10 / with $NASSOC associations$note"
	done
fi

kmsg_scan "kernel log clean after the benchmark"
summary
