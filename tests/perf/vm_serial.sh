#!/bin/bash
# Serialization latency of new ESP SAs (issue 7, goal 4), in the guest:
# N LAN hosts (16; PERF_QUICK=1: 4) open a new SA to one remote at the same
# instant through one masquerading gateway. Measures the time until every
# host's SA is associated with vpnmasq holding the other hosts' first
# packets (default hold_max), and with hold_max 0, which drops them as the
# Linux 2.0/2.2 masquerade did, so that the hosts' retransmissions (TCP SYN
# style: RTO 1 s, doubling, 7 tries) have to get them through; and runs
# esp-serial's model of both with the measured RTT.
#
# A benchmark: the figures are "FIGURE name value unit ..." lines and never
# judged. PASS/FAIL only for correctness: the probes ran and were answered,
# no host got another host's reply (cross-wiring), each host's SPI pair is
# associated to it.
#
#   PERF_REPS   repetitions of the vpnmasq run (default 3)
#   PERF_QUICK  1: 4 hosts, one repetition, 8 s limit for the drop run
#   ESP_SERIAL  the esp-serial binary (default build/perf/esp-serial,
#               built here if missing)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

QUICK=${PERF_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	HOSTS=4 REPS=1 LIMIT_S=8
else
	HOSTS=16 REPS=${PERF_REPS:-3} LIMIT_S=40
fi
# The senders' retransmission policy: a TCP SYN's (RFC 6298, tcp_syn_retries 6).
POLICY=(--rto-ms 1000 --backoff 2 --max-tries 7)
XOR=0x80000000
ESP_SERIAL=${ESP_SERIAL:-build/perf/esp-serial}

TMP=$(mktemp -d)
cleanup() {
	ns_cleanup
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ ! -x "$ESP_SERIAL" ]; then
	check "build esp-serial" sh -c 'cmake -S tests/perf -B build/perf >/dev/null &&
		cmake --build build/perf --target esp-serial >/dev/null'
fi
check "esp-serial runs" "$ESP_SERIAL" model --hosts 2 --runs 1 || { summary; exit; }

kmsg_mark
vpnmasq_load
topo_setup "$HOSTS"
ctl() { ip netns exec gw "$CTL" "$@"; }
# vpnmasq works in every netns: the remote and the LAN hosts, which have no
# xfrm state for the probes' SPIs, would refuse them as unknown inbound ESP.
# Only the gateway is one.
off_failed=""
for ns in rem $(seq -f 'lan%g' 1 "$HOSTS"); do
	ip netns exec "$ns" "$CTL" set enabled off || off_failed="$off_failed $ns"
done
check_eq "vpnmasq off in the remote and the LAN hosts" "" "$off_failed"

ip netns exec rem "$ESP_SERIAL" respond --xor "$XOR" >"$TMP/respond.log" 2>&1 &
RESPONDER=$!
sleep 0.5

# spi RUN HOST: unique over the whole script, never reused
spi() { printf '0x5e%04x%02x' "$1" "$2"; }

flush() {
	ctl flush esp >/dev/null
	ip netns exec gw conntrack -F 2>/dev/null
	sleep 0.3
}

# counters NAME...: "name=value ..." of the gateway's vpnmasq counters
counters() {
	ctl -j stats | python3 -c '
import json, sys
def flat(o, out):
    if isinstance(o, dict):
        for k, v in o.items():
            if isinstance(v, (dict, list)):
                flat(v, out)
            else:
                out.setdefault(k, v)
    elif isinstance(o, list):
        for v in o:
            flat(v, out)
    return out
c = flat(json.load(sys.stdin), {})
print(" ".join("%s=%s" % (k, c.get(k, 0)) for k in sys.argv[1:]))' "$@"
}

# delta BEFORE AFTER: "k=after-before ..." of two counters lines
delta() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(x[i], p, "="); split(y[i], q, "=")
			printf "%s%s=%d", (i > 1 ? " " : ""), p[1], q[2] - p[2]
		}
		print ""
	}'
}

# burst NAME RUN TIMEOUT_S LINGER_MS: every host's probe starts at one
# instant a little ahead; results in $TMP/NAME.I, aggregates in B_*.
burst() {
	local name=$1 run=$2 timeout=$3 linger=$4 i t
	local -a pids
	# ahead enough for every probe to be started and waiting (TCG is slow)
	t=$(awk -v now="$(date +%s.%N)" -v n="$HOSTS" 'BEGIN { printf "%.6f", now + 1 + 0.12 * n }')
	for i in $(seq 1 "$HOSTS"); do
		ip netns exec "lan$i" "$ESP_SERIAL" probe --spi "$(spi "$run" "$i")" --remote "$REMOTE" \
			--start-at "$t" --timeout "$timeout" --linger-ms "$linger" --xor "$XOR" \
			"${POLICY[@]}" >"$TMP/$name.$i" 2>&1 &
		pids[i]=$!
	done
	for i in $(seq 1 "$HOSTS"); do
		wait "${pids[i]}"
	done
	# shellcheck disable=SC2046 # one file a word
	read -r B_LINES B_OK B_ALL B_MAX B_CROSS B_W2 B_RETX B_LATE B_SKEW < <(
		awk '/^probe / {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			lines++
			if (f["status"] == "ok") {
				ok++
				if (f["latency_ms"] > max) max = f["latency_ms"]
				if (f["latency_ms"] <= 2000) w2++
			}
			cross += f["crosswired"]; retx += f["retransmits"]
			l = f["start_late_ms"]
			if (lines == 1 || l > lmax) lmax = l
			if (lines == 1 || l < lmin) lmin = l
		}
		END {
			printf "%d %d %.1f %.1f %d %d %d %.1f %.1f\n", lines, ok,
				(ok == lines && lines ? max : -1), max, cross, w2, retx, lmax, lmax - lmin
		}' $(for i in $(seq 1 "$HOSTS"); do echo "$TMP/$name.$i"; done))
}

# show_burst NAME: the probes' lines, indented
show_burst() {
	local i
	for i in $(seq 1 "$HOSTS"); do
		sed "s/^/    lan$i: /" "$TMP/$1.$i"
	done
}

# assoc_ok RUN [ONLY_OK_NAME]: how many hosts have exactly their SPI pair
# (out S, in S^XOR) associated to them, in one zone each, distinct zones;
# with ONLY_OK_NAME, only hosts whose probe of that burst was answered count.
assoc_ok() {
	local run=$1 name=${2:-} i args=()
	for i in $(seq 1 "$HOSTS"); do
		if [ -n "$name" ] && ! grep -q 'status=ok' "$TMP/$name.$i"; then
			continue
		fi
		args+=("$(lan_ip "$i")=$(spi "$run" "$i")")
	done
	ctl -j show esp | python3 -c '
import json, sys
rows = json.load(sys.stdin).get("esp", [])
remote, xor = sys.argv[1], int(sys.argv[2], 16)
good, zones = 0, set()
for arg in sys.argv[3:]:
    lan, spi = arg.split("=")
    spi = int(spi, 16)
    def find(d, s):
        return [r for r in rows if r.get("remote") == remote and r.get("dir") == d
                and int(r.get("spi") or "0", 16) == s]
    o, i = find("out", spi), find("in", spi ^ xor)
    if len(o) == 1 and len(i) == 1 and o[0]["lan"] == lan == i[0]["lan"] \
            and o[0]["zone"] == i[0]["zone"] and o[0]["zone"] not in zones:
        good += 1
        zones.add(o[0]["zone"])
    else:
        print("    %s spi %08x: out %s in %s" % (lan, spi, o, i), file=sys.stderr)
print(good)' "$REMOTE" "$XOR" "${args[@]}"
}

# median of numbers, one a line; -1 (not within the limit) ranks above all
median() {
	awk '{ print ($1 < 0 ? 1e15 : $1) }' | sort -g | awk '{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (m >= 1e15) print -1; else printf "%.1f\n", m
		}'
}

echo "# esp serialization latency: $HOSTS LAN hosts, one remote, probes retransmit" \
	"${POLICY[*]}; kernel $(uname -r)"

# --- RTT of one new SA through the gateway, nobody else serializing ---
rtts=()
for k in 1 2 3 4 5; do
	out=$(ip netns exec lan1 "$ESP_SERIAL" probe --spi "$(spi 0 "$k")" --remote "$REMOTE" \
		--start-at now --timeout 5 --xor "$XOR" "${POLICY[@]}")
	rtts+=("$(sed -n 's/.*status=ok latency_ms=\([0-9.]*\).*/\1/p' <<<"$out")")
	flush
done
rtt=$(printf '%s\n' "${rtts[@]}" | grep . | median)
check_eq "the remote answers a lone host's new SA (5 of 5)" 5 "$(printf '%s\n' "${rtts[@]}" | grep -c .)"
rtt=${rtt:-1}
echo "# single new SA latencies (ms): ${rtts[*]}"
echo "FIGURE serial_rtt $rtt ms median of 5 lone new SAs lan1 -> gw -> rem -> lan1"

# --- run A: vpnmasq, hold and release ---
hold_default=$(ctl get hold_max | awk '{ print $NF }')
echo "# run A: vpnmasq, hold_max $hold_default, $REPS repetitions"
alls=() cross_total=0
for r in $(seq 1 "$REPS"); do
	before=$(counters esp_held esp_released esp_hold_dropped esp_associated esp_wait_expired)
	burst "a$r" "$r" 20 500
	after=$(counters esp_held esp_released esp_hold_dropped esp_associated esp_wait_expired)
	echo "# run A $r: $B_OK/$HOSTS associated, all after ${B_ALL} ms (slowest answered ${B_MAX} ms)," \
		"$B_RETX retransmissions, start skew ${B_SKEW} ms (latest start +${B_LATE} ms);" \
		"counters: $(delta "$before" "$after")"
	check_eq "run A $r: all $HOSTS probes ran" "$HOSTS" "$B_LINES" || show_burst "a$r"
	check_eq "run A $r: all $HOSTS hosts answered" "$HOSTS" "$B_OK" || show_burst "a$r"
	check_eq "run A $r: no host got another host's reply" 0 "$B_CROSS" || show_burst "a$r"
	check_eq "run A $r: each host has its own in/out SPI pair associated" "$HOSTS" "$(assoc_ok "$r")"
	alls+=("$B_ALL")
	cross_total=$((cross_total + B_CROSS))
	flush
done
# A repetition where not all were answered counts as -1, which ranks
# above every time: the max shows it if any did, the median if most did.
a_med=$(printf '%s\n' "${alls[@]}" | median)
if printf '%s\n' "${alls[@]}" | grep -q '^-'; then
	a_max=-1
else
	a_max=$(printf '%s\n' "${alls[@]}" | sort -g | tail -n 1)
fi
echo "FIGURE serial_vpnmasq_all $a_med ms median over $REPS runs of the time until all $HOSTS hosts were associated"
echo "FIGURE serial_vpnmasq_max $a_max ms worst of $REPS runs"
echo "FIGURE serial_vpnmasq_crosswired $cross_total count replies delivered to another host, all runs"

# --- run B: Linux 2.2-style: one outstanding new SA, the others dropped ---
run_b=$((REPS + 1))
check "set hold_max 0 (drop, as Linux 2.2 did)" ctl set hold_max 0
echo "# run B: hold_max 0, limit ${LIMIT_S} s"
before=$(counters esp_held esp_released esp_hold_dropped esp_associated esp_wait_expired)
burst b "$run_b" "$LIMIT_S" 500
after=$(counters esp_held esp_released esp_hold_dropped esp_associated esp_wait_expired)
echo "# run B: $B_OK/$HOSTS associated within ${LIMIT_S} s, all after ${B_ALL} ms" \
	"(slowest answered ${B_MAX} ms), $B_W2 within 2 s, $B_RETX retransmissions," \
	"start skew ${B_SKEW} ms; counters: $(delta "$before" "$after")"
show_burst b
b_skew=$B_SKEW
check_eq "run B: all $HOSTS probes ran" "$HOSTS" "$B_LINES"
check_eq "run B: no host got another host's reply" 0 "$B_CROSS"
check_eq "run B: every answered host has its own SPI pair associated" "$B_OK" "$(assoc_ok "$run_b" b)"
if [ "$B_ALL" = -1.0 ]; then
	echo "FIGURE serial_drop_all -1 ms not all $HOSTS within the ${LIMIT_S} s limit ($B_OK were)"
else
	echo "FIGURE serial_drop_all $B_ALL ms time until all $HOSTS were associated, hold_max 0"
fi
echo "FIGURE serial_drop_within_2s $B_W2 hosts of $HOSTS associated within 2 s, hold_max 0"
check "hold_max back to $hold_default" ctl set hold_max "$hold_default"
flush

# --- model, with the measured RTT; the start skew stands in for timer jitter ---
echo "# model: rtt ${rtt} ms, jitter = run B's start skew ${b_skew} ms"
model=$("$ESP_SERIAL" model --hosts "$HOSTS" --rtt-ms "$rtt" "${POLICY[@]}" \
	--jitter-ms "$b_skew" --limit-ms $((LIMIT_S * 1000)) --hold-max "$hold_default" --runs 21 --seed 1)
vm_indent "$model"
echo "# model without jitter (every retransmission at the same instant), 2/4/8/16 hosts:"
vm_indent "$("$ESP_SERIAL" model --rtt-ms "$rtt" "${POLICY[@]}" --limit-ms $((LIMIT_S * 1000)) \
	--hold-max "$hold_default" --runs 1 --table | grep -v params)"
m_drop=$(sed -n 's/^model scheme=drop .* all_ms=\([-0-9.]*\) .*/\1/p' <<<"$model")
m_hold=$(sed -n 's/^model scheme=hold .* all_ms=\([-0-9.]*\) .*/\1/p' <<<"$model")
m_drop_w2=$(sed -n 's/^model scheme=drop .* within_2s=\([0-9.]*\) .*/\1/p' <<<"$model")
check "the model ran" test -n "$m_drop" -a -n "$m_hold"
echo "FIGURE serial_model_drop_all ${m_drop:-0} ms modelled Linux 2.2 drop, median of 21 seeds" \
	"(-1: not within ${LIMIT_S} s; $m_drop_w2 hosts within 2 s); measured: $B_ALL ms"
echo "FIGURE serial_model_hold_all ${m_hold:-0} ms modelled hold-and-release; measured median: $a_med ms"

kill "$RESPONDER" 2>/dev/null
wait "$RESPONDER" 2>/dev/null
echo "# responder: $(grep '^respond ' "$TMP/respond.log")"
kmsg_scan "kernel log clean after the serialization runs"
summary
