#!/bin/bash
# make demo: installs what it needs, builds, boots Debian's newest kernel
# under qemu and shows two LAN hosts behind one masquerading gateway each
# running an IPsec (IKEv1, raw ESP) and a PPTP client to the same server.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
kver=${KVER:-$(scripts/kernels.sh | tr ' ' '\n' | sort -V | tail -n 1)}
make --no-print-directory -s all KVER="$kver" >/dev/null
echo "vpnmasq demo: booting $kver (qemu TCG, about a minute or two)"
exec scripts/vm/run-guest -k "$kver" -t 900 -- scripts/demo-guest.sh
