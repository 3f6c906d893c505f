#!/bin/bash
# tests/perf/report.sh CORE_CSV [VM_LOG...]: the table `make bench` prints.
# CORE_CSV: Google Benchmark's CSV of tests/bench/core-bench (medians of
# repetitions); VM_LOG: the output of tests/perf/vm_*.sh in one guest,
# named vm-KVER.log, with its "FIGURE name value unit [note]" lines.
set -uo pipefail
core=$1
shift

# met VALUE OP TARGET: "met" or "MISSED" (or "-" if there is no value)
met() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "" || v == "-") { print "-"; exit }
		ok = (op == "<=") ? (v + 0 <= t + 0) : (op == ">=") ? (v + 0 >= t + 0) : (v + 0 == t + 0)
		print ok ? "met" : "MISSED"
	}'
}

# core NAME SIZE: median real time of NAME/SIZE
core() {
	awk -F, -v n="\"$1/$2_median\"" '$1 == n { print $3; exit }' "$core" 2>/dev/null
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'
}
per_assoc() {
	awk -v us="$1" -v n="$2" 'BEGIN { if (us == "") print ""; else printf "%.1f", us * 1000 / n }'
}

echo
echo "vpnmasq benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
echo "Core tables: kmod/core built in userspace, median of 3 runs"
printf '  %-44s %9s %9s %9s %7s %7s  %s\n' "" 1k 64k 1M 1M/1k target ""
row() { # LABEL V1k V64k V1M TARGET
	local r i
	r=$(ratio "$4" "$2")
	for i in 2 3 4; do
		[ -n "${!i}" ] && set -- "${@:1:i-1}" "$(printf '%.1f' "${!i}")" "${@:i+1}"
	done
	if [ -n "$5" ]; then
		printf '  %-44s %9s %9s %9s %7s %7s  %s\n' "$1" "${2:--}" "${3:--}" "${4:--}" "$r" "<=$5" "$(met "$r" '<=' "$5")"
	else
		printf '  %-44s %9s %9s %9s %7s %7s  %s\n' "$1" "${2:--}" "${3:--}" "${4:--}" "$r" "" "(cache-bound, see docs)"
	fi
}
sizes=(1024 65536 1048576)
for b in "ike_in_hot|ISAKMP lookup, inbound, busy flows (ns)|1.3" \
	"esp_in_hot|ESP lookup, inbound, busy flows (ns)|1.3" \
	"esp_out_hot|ESP lookup, outbound, busy flows (ns)|1.3" \
	"ike_add_del|ISAKMP association added + removed (ns)|1.3" \
	"sweep|expiry sweep, one pass (us)|1.3" \
	"ike_in_all|ISAKMP lookup, every key in turn (ns)|" \
	"esp_in_all|ESP lookup, every key in turn (ns)|"; do
	IFS='|' read -r name label target <<<"$b"
	v=()
	for s in "${sizes[@]}"; do v+=("$(core "$name" "$s")"); done
	row "$label" "${v[@]}" "$target"
done
v=()
for s in "${sizes[@]}"; do v+=("$(per_assoc "$(core sweep_walk "$s")" $((2 * s)))"); done
row "sweep worst case, per association (ns)" "${v[@]}" ""

[ $# -gt 0 ] || exit 0
# fig LOG NAME: value of FIGURE NAME in LOG; note NAME: its free text
fig() { awk -v n="$2" '$1 == "FIGURE" && $2 == n { print $3; exit }' "$1"; }
note() { awk -v n="$2" '$1 == "FIGURE" && $2 == n { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print; exit }' "$1"; }

echo
echo "In the VM (qemu TCG; network namespaces: LAN host -> gateway -> remote)"
hdr=$(for log in "$@"; do k=$(basename "$log" .log); printf ' %14s' "${k#vm-}"; done)
printf '  %-44s%s %9s\n' "" "$hdr" target
for b in "ratio_esp_out|ESP out: pps vpnmasq / plain masquerade|>=|0.95" \
	"ratio_ike_out|UDP 500 out: pps vpnmasq / plain|>=|0.95" \
	"ratio_esp_in|ESP in: pps vpnmasq / plain|>=|0.95" \
	"ratio_ike_in|UDP 500 in: pps vpnmasq / plain|>=|0.95" \
	"ratio_esp_out_hooks|  ESP out: hooks only (disabled) / plain||" \
	"ratio_ike_out_hooks|  UDP 500 out: hooks only / plain||" \
	"ratio_esp_in_hooks|  ESP in: hooks only / plain||" \
	"ratio_ike_in_hooks|  UDP 500 in: hooks only / plain||" \
	"pps_esp_out_plain|  ESP out, plain (pps, median)||" \
	"pps_esp_out_vpnmasq|  ESP out, vpnmasq (pps, median)||" \
	"pps_ike_out_plain|  UDP 500 out, plain (pps, median)||" \
	"pps_ike_out_vpnmasq|  UDP 500 out, vpnmasq (pps, median)||" \
	"ratio_esp_scale|ESP: pps with 50 000 assoc. / with 10|>=|0.95" \
	"ratio_ike_scale|UDP 500: pps with 50 000 assoc. / with 10|>=|0.95" \
	"mem_assoc_kmalloc96|memory per association, its slab objects (B)|<=|128" \
	"mem_assoc_slab|memory per association, all slab (B)|<=|128" \
	"mem_assoc_total|memory per association, all kernel (B)||" \
	"mem_assoc_objects|  slab objects per association||" \
	"serial_vpnmasq_all|16 hosts' new SAs all associated (ms)|<=|2000" \
	"serial_vpnmasq_crosswired|  cross-wired replies|==|0" \
	"serial_drop_all|  2.2-style drop, measured (ms)||" \
	"serial_drop_within_2s|  2.2-style: hosts associated within 2 s||" \
	"serial_model_drop_all|  2.2-style drop, modelled (ms)||" \
	"serial_model_hold_all|  vpnmasq hold, modelled (ms)||" \
	"serial_rtt|  round trip through the gateway (ms)||"; do
	IFS='|' read -r name label op target <<<"$b"
	line=$(printf '  %-44s' "$label")
	verdict=""
	for log in "$@"; do
		val=$(fig "$log" "$name")
		line+=$(printf ' %14s' "${val:--}")
		if [ -n "$op" ]; then
			m=$(met "$val" "$op" "$target")
			[ "$m" = MISSED ] && verdict=MISSED
			[ "$m" = met ] && [ -z "$verdict" ] && verdict=met
		fi
	done
	if [ -n "$op" ]; then
		printf '%s %9s  %s\n' "$line" "$op$target" "${verdict:--}"
	else
		echo "$line"
	fi
done
echo
echo "Spread and method of each figure:"
for log in "$@"; do
	echo "  $(basename "$log" .log):"
	grep '^FIGURE ' "$log" | awk '{ $1 = ""; print "   " $0 }'
done
