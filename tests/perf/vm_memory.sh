#!/bin/bash
# Kernel memory per association, from the kernel's own accounting. Runs in
# the guest (scripts/vm/run-guest -- bash tests/perf/vm_memory.sh).
#
# lan1 opens ISAKMP SAs (distinct initiator cookies) and outbound ESP SAs
# (distinct SPIs) to one remote through the gateway: one flow, two
# conntrack entries, many associations. Memory is read (caches dropped)
# after N/5 of each and again after N of each; the difference over the
# associations added in between is the cost of one association, whatever
# the first ones brought along (tables' first buckets, zone bitmap,
# the populating process):
#   slab       /proc/meminfo Slab
#   kmalloc-96 active objects of the entries' cache (/proc/slabinfo), as
#              objects per association and bytes per association
#   total      MemTotal - MemFree - page cache: slab plus the hash tables'
#              bucket arrays (kvmalloc: pages, not slab) and the rest
# Then flush and check that the entries' objects were given back.
#
# PERF_QUICK=1: N = 2000 (a smoke run for make check). Figures are printed
# as "FIGURE name value unit [note]"; PASS/FAIL lines check only that the
# associations were made and freed, never the figures.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

N=${PERF_ASSOC:-50000}
[ "${PERF_QUICK:-0}" = 1 ] && N=2000

kmsg_mark
vpnmasq_load
topo_setup 1
check "max_assoc raised" ip netns exec gw "$CTL" set max_assoc 65536
# the remote drops everything at once: no ICMP, no sockets
ip netns exec rem nft -f - <<'NFT'
table netdev sink {
	chain in {
		type filter hook ingress device eth0 priority 0; policy drop;
	}
}
NFT

# mem [SNAPSHOT]: "kernel slab kmalloc96_bytes kmalloc96_objects", page
# cache and freed RCU objects out of the way first; SNAPSHOT: a copy of
# /proc/slabinfo for breakdown()
mem() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	[ -z "${1:-}" ] || cat /proc/slabinfo >"$1"
	awk '
		FILENAME == "/proc/meminfo" {
			v[$1] = $2 * 1024
			next
		}
		$1 == "kmalloc-96" { k96 = $2 * $4; k96n = $2 }
		END {
			used = v["MemTotal:"] - v["MemFree:"] - v["Cached:"] - v["Buffers:"]
			printf "%d %d %d %d\n", used, v["Slab:"], k96, k96n
		}' /proc/meminfo /proc/slabinfo
}

# populate FROM TO: packets with cookies/SPIs FROM..TO-1 from lan1
# (python: one socket, one loop; the rate does not matter here)
populate() {
	ip netns exec lan1 python3 - "$REMOTE" "$1" "$2" <<'PY'
import socket, struct, sys
remote, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
u.bind(("", 500))
e = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for i in range(lo, hi):
    # ISAKMP header: icookie, rcookie 0, next payload 0, version 1.0,
    # Identity Protection, flags 0, message id 0, length 28
    hdr = struct.pack("!QQBBBBII", 0x5100000000000000 + i + 1, 0,
                      0, 0x10, 2, 0, 0, 28)
    u.sendto(hdr, (remote, 500))
    e.sendto(struct.pack("!II", 0x10000 + i, 1) + bytes(24), (remote, 0))
PY
}

assoc_count() {
	# "ike esp" from the gauges
	echo "$(stat ike) $(stat esp)"
}

N1=$((N / 5))
populate 0 "$N1"
sleep 1
SNAP=$(mktemp -d)
# lib.sh's trap removes the namespaces: keep it
trap 'ns_cleanup; rm -rf "$SNAP"' EXIT
read -r used0 slab0 k0 n0 <<<"$(mem "$SNAP/0")"
t0=$SECONDS
populate "$N1" "$N"
read -r n_ike n_esp <<<"$(assoc_count)"
check_eq "ISAKMP associations made" "$N" "$n_ike"
check_eq "ESP associations made" "$N" "$n_esp"
sleep 1
read -r used1 slab1 k1 n1 <<<"$(mem "$SNAP/1")"
n=$((2 * (N - N1)))
echo "    $n associations added in $((SECONDS - t0)) s"

per() { awk -v d="$1" -v n="$n" 'BEGIN { printf "%.1f", d / n }'; }
note="over the $n associations added after the first $((2 * N1))"
echo "FIGURE mem_assoc_total $(per $((used1 - used0))) B/assoc all kernel memory (MemTotal-MemFree-cache) $note"
echo "FIGURE mem_assoc_slab $(per $((slab1 - slab0))) B/assoc /proc/meminfo Slab $note"
echo "FIGURE mem_assoc_kmalloc96 $(per $((k1 - k0))) B/assoc kmalloc-96 $note"
echo "FIGURE mem_assoc_objects $(per $((n1 - n0))) objects/assoc kmalloc-96 objects $note"

# Where the slab growth went: every cache's pages (objects x size, in use
# or not) before and after; what Slab grew beyond the caches is large
# kmalloc()s (page allocations counted as slab), here the tables' bucket
# arrays, which double as the tables grow.
echo "    slab growth per association, by cache (bytes; objects x size):"
awk -v n="$n" -v slab="$((slab1 - slab0))" '
	FNR == 1 { f++ }
	FNR <= 2 { next }
	{ b[f, $1] = $3 * $4; names[$1] = 1 }
	END {
		for (c in names) {
			d = b[2, c] - b[1, c]; sum += d
			if (d * 50 > slab || -d * 50 > slab)
				printf "      %-28s %8.1f\n", c, d / n
		}
		printf "      %-28s %8.1f\n", "(large kmalloc: buckets)", (slab - sum) / n
	}' "$SNAP/0" "$SNAP/1" | sort -k2 -rn

check "flush all" ip netns exec gw "$CTL" flush all
read -r n_ike n_esp <<<"$(assoc_count)"
check_eq "no ISAKMP association left" 0 "$n_ike"
check_eq "no ESP association left" 0 "$n_esp"
# kfree_rcu batches: give them a few grace periods
sleep 3
read -r used2 slab2 k2 n2 <<<"$(mem)"
echo "    kmalloc-96 objects: $n0 after the first, $n1 after all, $n2 after flush all"
# SLUB counts objects cached free per CPU as in use: allow 10% for that
check "kmalloc-96 objects given back after flush (>= 90% of the $((2 * N)) flushed)" \
	test $((10 * (n1 - n2))) -ge $((9 * 2 * N))

kmsg_scan "kernel log clean"
summary
