#!/bin/bash
# Hostile traffic from the WAN (and one misbehaving LAN host) while two LAN
# hosts hold live ESP tunnels and IKE associations with the remote: floods
# of unknown SPIs and cookies, spoofed SPIs while a host is pending,
# truncated, oversized and fragmented packets, ICMP errors about ESP and
# ISAKMP, table exhaustion at max_assoc. Every refused packet must be
# counted (an nft counter before vpnmasq's hook says how many arrived), the
# tables must not grow, the legitimate associations must keep working,
# errors must reach only the host they are about, and the kernel log must
# stay clean and quiet. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh
. tests/vm/xfrm.sh

PEER=(/usr/bin/python3 tests/vm/ike_peer.py)
BLAST=${BLAST:-build/perf/vpnmasq-blast}
FLOOD=${HOSTILE_FLOOD:-60000}

kmsg_mark
check "traffic generator $BLAST present (make check builds tests/perf)" test -x "$BLAST" ||
	{ summary; exit; }
vpnmasq_load || { summary; exit; }
esp_setup 2
# LAN hosts do not run vpnmasq (in the guest every namespace has its
# hooks): what reaches a host must meet the host's own xfrm, not a refusal.
for i in 1 2; do ip netns exec "lan$i" "$CTL" set enabled 0; done
# What reaches the gateway from the remote's address, counted before
# defragmentation and before vpnmasq (priority -450).
ip netns exec gw nft -f - <<NFT
table ip probe {
	counter esp_in { }
	counter ike_in { }
	chain pre {
		type filter hook prerouting priority -450; policy accept;
		iifname "wan0" ip saddr $REMOTE ip protocol esp counter name esp_in
		iifname "wan0" ip saddr $REMOTE udp dport 500 counter name ike_in
	}
}
NFT
# nft_packets NS NAME: the packets of named counter NAME in NS's table ip probe
nft_packets() { ip netns exec "$1" nft list counter ip probe "$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
probe() { nft_packets gw "$1"; }
n_assoc() { gwctl -j show all | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["ike"]), len(j["esp"]))'; }
# nft counters on the LAN hosts: ICMP errors that reached each
for i in 1 2; do
	ip netns exec "lan$i" nft -f - <<'NFT'
table ip probe {
	counter icmp_err { }
	chain in {
		type filter hook input priority 0; policy accept;
		icmp type { destination-unreachable, time-exceeded } counter name icmp_err
	}
}
NFT
done
lan_icmp() { nft_packets "lan$1" icmp_err; }
kernel_lines() { dmesg | grep -c 'vpnmasq'; }

# --- the legitimate traffic: ESP tunnels and one IKE association each
ping_all 2 2
check_eq "legitimate: both hosts ping through their tunnels" "" "$failed_hosts"
ip netns exec rem "${PEER[@]}" responder /dev/null &
sleep 1
check "legitimate: lan1's IKE exchange answered" \
	ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" 1111111111111111
check "legitimate: lan2's IKE exchange answered" \
	ip netns exec lan2 "${PEER[@]}" initiator "$REMOTE" 2222222222222222
read -r ike0 esp0 <<<"$(n_assoc)"
check_eq "legitimate: 2 IKE and 4 ESP associations" "2 4" "$ike0 $esp0"
lines0=$(kernel_lines)
slab0=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)

# --- a flood of unknown SPIs from the remote's address
unknown0=$(stat esp_unknown_spi) amb0=$(stat esp_ambiguous) noike0=$(stat esp_refused_no_ike)
probe0=$(probe esp_in)
check "ESP flood: $FLOOD packets with $FLOOD distinct unknown SPIs sent" \
	ip netns exec rem "$BLAST" esp "$GW_PUB" --count "$FLOOD" --flows "$FLOOD" --spi 0x70000000 --rate 30000
arrived=$(($(probe esp_in) - probe0))
refused=$(($(stat esp_ambiguous) - amb0 + $(stat esp_refused_no_ike) - noike0))
echo "FIGURE hostile_esp_flood_arrived $arrived packets"
check "ESP flood: most packets reached the gateway" test "$arrived" -ge $((FLOOD * 9 / 10))
check_eq "ESP flood: every arrived packet counted as an unknown SPI" "$arrived" \
	"$(($(stat esp_unknown_spi) - unknown0))"
check_eq "ESP flood: every one refused and counted (two IKE hosts: ambiguous)" "$arrived" "$refused"
check_eq "ESP flood: no association created" "$ike0 $esp0" "$(n_assoc)"
check_eq "ESP flood: no spoofed SPI reached a host" 0 "$(no_state_anywhere 2)"

# --- a flood of unknown initiator cookies from the remote's address
amb0=$(stat ike_ambiguous) probe0=$(probe ike_in)
check "IKE flood: $FLOOD new cookies sent" \
	ip netns exec rem "$BLAST" ike "$GW_PUB" --count "$FLOOD" --flows "$FLOOD" \
	--cookie 0x7000000000000000 --rate 30000
arrived=$(($(probe ike_in) - probe0))
echo "FIGURE hostile_ike_flood_arrived $arrived packets"
check "IKE flood: most packets reached the gateway" test "$arrived" -ge $((FLOOD * 9 / 10))
check_eq "IKE flood: every one refused and counted as ambiguous" "$arrived" \
	"$(($(stat ike_ambiguous) - amb0))"
check_eq "IKE flood: no association created" "$ike0 $esp0" "$(n_assoc)"
ping_all 2 2
check_eq "after the floods: both tunnels still carry traffic" "" "$failed_hosts"
check "after the floods: lan1's IKE association still answered" \
	ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" 1111111111111111

# --- a LAN host exhausts the table: max_assoc caps it, the others keep theirs
check "set max_assoc 64" gwctl set max_assoc 64
full0=$(stat ike_table_full)
check "exhaustion: lan2 sends 2000 new cookies" \
	ip netns exec lan2 "$BLAST" ike "$REMOTE" --bind "$(lan_ip 2)" --count 2000 --flows 2000 \
	--cookie 0x5000000000000000 --rate 20000
read -r ike1 _ <<<"$(n_assoc)"
check "exhaustion: IKE associations capped at max_assoc" test "$ike1" -le 64
check "exhaustion: refusals counted as ike_table_full" test "$(($(stat ike_table_full) - full0))" -ge 1000
echo "FIGURE hostile_table_full_refused $(($(stat ike_table_full) - full0)) packets"
check "exhaustion: lan1's association still answered" \
	ip netns exec lan1 "${PEER[@]}" initiator "$REMOTE" 1111111111111111
ping_all 2 2
check_eq "exhaustion: both tunnels still carry traffic" "" "$failed_hosts"
check_match "exhaustion: stats shows the refusals with their remedy" \
	'^ike_table_full +[1-9][0-9]* +refused: .*max_assoc' "$(gwctl stats --explain)"
check "flush lan2's flood" gwctl flush ike lan "$(lan_ip 2)"
check "set max_assoc back to the default" gwctl set max_assoc 16384
check "lan2's IKE exchange works again" \
	ip netns exec lan2 "${PEER[@]}" initiator "$REMOTE" 2222222222222223

# --- spoofed SPIs while a host is pending: the next unknown SPI belongs to
# the pending host by design; it reaches that host only, never another
# the slot must outlast the checks between lan2's packet and the spoof
# (seconds under TCG on a loaded machine), then the default again
gwctl set serial_wait 20000
check "pending: lan2 starts a new SA the remote never answers" \
	ip netns exec lan2 "$BLAST" esp "$REMOTE" --count 1 --spi 0x0b0b0b0b
check_match "pending: lan2 holds the remote's slot" "$(lan_ip 2)" "$(gwctl show pending)"
nostate1=$(xfrm_stat 1 XfrmInNoStates) nostate2=$(xfrm_stat 2 XfrmInNoStates)
amb0=$(stat esp_ambiguous)
check "pending: a spoofed SPI from the remote's address" \
	ip netns exec rem "$BLAST" esp "$GW_PUB" --count 1 --spi 0x66666666
sleep 0.5
check_match "pending: the spoofed SPI went to the pending host" \
	"66666666 .*$(lan_ip 2)|$(lan_ip 2).*66666666" "$(gwctl show esp)"
check_eq "pending: it reached lan2 (no SA there: dropped by lan2's xfrm)" \
	$((nostate2 + 1)) "$(xfrm_stat 2 XfrmInNoStates)"
check_eq "pending: nothing of it reached lan1" "$nostate1" "$(xfrm_stat 1 XfrmInNoStates)"
check "pending: 100 more spoofed SPIs" \
	ip netns exec rem "$BLAST" esp "$GW_PUB" --count 100 --flows 100 --spi 0x67000000
check_eq "pending: the slot was answered, so they are refused and counted" \
	100 "$(($(stat esp_ambiguous) - amb0))"
ping_all 2 2
check_eq "pending: both tunnels still carry traffic" "" "$failed_hosts"
check_eq "pending: no ESP reached the wrong host" 0 "$(xfrm_stat 1 XfrmInNoStates)"
gwctl set serial_wait 2000

# --- malformed: truncated, oversized, fragmented
mal_esp0=$(stat esp_malformed) mal_ike0=$(stat ike_malformed)
ip netns exec rem /usr/bin/python3 - "$REMOTE" "$GW_PUB" <<'PY'
import sys
from scapy.all import IP, UDP, Raw, send
src, dst = sys.argv[1], sys.argv[2]
# ESP shorter than SPI + sequence number, SPI 0 (reserved)
send([IP(src=src, dst=dst, proto=50)/Raw(b"\x01" * n) for n in range(8)], verbose=0)
send(IP(src=src, dst=dst, proto=50)/Raw(b"\0" * 8 + b"x" * 40), verbose=0)
# ISAKMP shorter than its header, a zero cookie, a bad version, a bad length
hdr = bytes(8) + bytes(range(1, 9)) + b"\x00\x10\x02\x00" + bytes(4) + (28).to_bytes(4, "big")
bad = [b"\x01" * 10, hdr, b"\x11" * 8 + hdr[8:17] + b"\x30" + hdr[18:],
       b"\x11" * 8 + hdr[8:24] + (27).to_bytes(4, "big")]
send([IP(src=src, dst=dst)/UDP(sport=500, dport=500)/Raw(b) for b in bad], verbose=0)
PY
check_eq "truncated: 9 malformed ESP packets counted" 9 "$(($(stat esp_malformed) - mal_esp0))"
check_eq "truncated: 4 malformed ISAKMP messages counted" 4 "$(($(stat ike_malformed) - mal_ike0))"

err1=$(xfrm_stat 1 XfrmInStateProtoError) err2=$(xfrm_stat 2 XfrmInStateProtoError)
matched0=$(stat esp_matched) unknown0=$(stat esp_unknown_spi)
ip netns exec rem /usr/bin/python3 - "$REMOTE" "$GW_PUB" "$(spi_in 1 1)" <<'PY'
import sys
from scapy.all import IP, ESP, Raw, fragment, send
src, dst, spi = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
# lan1's inbound SPI in 3 fragments (a forged ICV: lan1's xfrm rejects it)
send(fragment(IP(src=src, dst=dst, id=4242)/ESP(spi=spi, seq=100000)/Raw(b"f" * 3000), fragsize=1200), verbose=0)
# an unknown SPI in a 65 000-byte datagram, 44 fragments
send(fragment(IP(src=src, dst=dst, id=4243)/ESP(spi=0x71000000, seq=1)/Raw(b"o" * 64900), fragsize=1480), verbose=0)
# a lone first and a lone last fragment: never complete
send(fragment(IP(src=src, dst=dst, id=4244)/ESP(spi=spi, seq=8)/Raw(b"l" * 3000), fragsize=1200)[0], verbose=0)
send(fragment(IP(src=src, dst=dst, id=4245)/ESP(spi=spi, seq=9)/Raw(b"l" * 3000), fragsize=1200)[-1], verbose=0)
PY
sleep 1
check_eq "fragmented: reassembled and matched by lan1's SPI" $((matched0 + 1)) "$(stat esp_matched)"
check_eq "fragmented: it reached lan1 (forged ICV: rejected by lan1's xfrm)" \
	$((err1 + 1)) "$(xfrm_stat 1 XfrmInStateProtoError)"
check_eq "fragmented: nothing reached lan2" "$err2" "$(xfrm_stat 2 XfrmInStateProtoError)"
check_eq "oversized: the 65 000-byte unknown SPI counted once" \
	$((unknown0 + 1)) "$(stat esp_unknown_spi)"
check_eq "incomplete fragments: never seen by vpnmasq" $((matched0 + 1)) "$(stat esp_matched)"

# --- ICMP errors about the hosts' ESP and ISAKMP
icmp_m0=$(stat icmp_matched) icmp_u0=$(stat icmp_unknown)
i1=$(lan_icmp 1) i2=$(lan_icmp 2)
icmp() { # icmp KIND ARG: one error from the remote about a quoted packet
	ip netns exec rem /usr/bin/python3 - "$REMOTE" "$GW_PUB" "$1" "$2" <<'PY'
import sys
from scapy.all import IP, ICMP, UDP, Raw, send
src, dst, kind, arg = sys.argv[1:5]
if kind == "esp":   # fragmentation needed, quoting ESP with SPI arg
    quote = IP(src=dst, dst=src, proto=50)/Raw(int(arg, 16).to_bytes(4, "big") + bytes(12))
    icmp = ICMP(type=3, code=4, nexthopmtu=1200)
else:               # port unreachable, quoting ISAKMP with cookie arg
    hdr = b""
    if kind == "ike":
        hdr = bytes.fromhex(arg) + bytes(9) + b"\x10\x02\x00" + bytes(4) + (28).to_bytes(4, "big")
    quote = IP(src=dst, dst=src)/UDP(sport=500, dport=500, chksum=0)/Raw(hdr)
    icmp = ICMP(type=3, code=3)
send(IP(src=src, dst=dst)/icmp/quote, verbose=0)
PY
}
icmp esp "$(spi_out 1 1)"
sleep 0.5
check_eq "ICMP frag-needed about lan1's ESP reaches lan1" $((i1 + 1)) "$(lan_icmp 1)"
check_eq "...and not lan2" "$i2" "$(lan_icmp 2)"
icmp ike 2222222222222223
sleep 0.5
check_eq "ICMP port-unreachable about lan2's ISAKMP reaches lan2" $((i2 + 1)) "$(lan_icmp 2)"
check_eq "...and not lan1" $((i1 + 1)) "$(lan_icmp 1)"
check_eq "icmp_matched counts both" $((icmp_m0 + 2)) "$(stat icmp_matched)"
icmp esp 0x7fffffff
icmp short 0
sleep 0.5
check_eq "ICMP errors about an unknown SPI and an 8-byte quote counted as unknown" \
	$((icmp_u0 + 2)) "$(stat icmp_unknown)"
check_eq "...and they reached no host" "$((i1 + 1)) $((i2 + 1))" "$(lan_icmp 1) $(lan_icmp 2)"

# --- after all of it
ping_all 2 2
check_eq "finally: both tunnels still carry traffic" "" "$failed_hosts"
slab1=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
echo "FIGURE hostile_slab_growth_kb $((slab1 - slab0)) kB"
lines=$(($(kernel_lines) - lines0))
echo "FIGURE hostile_kernel_log_lines $lines lines"
check "logs: at most 20 vpnmasq lines for $((2 * FLOOD + 2000)) hostile packets" test "$lines" -le 20
gwctl stats | sed 's/^/    /'
kmsg_scan "kernel log clean after hostile traffic"
summary
