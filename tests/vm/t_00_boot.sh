#!/bin/bash
# Smoke test of the VM itself: the requested kernel, a writable root, two
# netns over veth that ping each other, nft and conntrack working in them,
# and a clean kernel log. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
kmsg_mark

if [ -n "${VM_KVER:-}" ]; then
	check_eq "kernel is the requested $VM_KVER" "$VM_KVER" "$(uname -r)"
else
	fail "not started by scripts/vm/run-guest (VM_KVER unset)"
fi
check_eq "running as root" 0 "$(id -u)"
check "root is writable (tmpfs overlay on the host's /)" \
	touch "/lib/modules/$(uname -r)/.vm-write-test"
check "/dev/fd works (process substitution)" diff <(echo same) <(echo same)
for tool in ip nft conntrack ping; do
	check "$tool is installed (scripts/deps.sh installs it)" command -v "$tool"
done

ns_create vm0a vm0b
veth vm0a eth0 vm0b eth0
ip -n vm0a addr add 192.0.2.1/24 dev eth0
ip -n vm0b addr add 192.0.2.2/24 dev eth0
ip -n vm0a addr add 2001:db8::1/64 dev eth0 nodad
ip -n vm0b addr add 2001:db8::2/64 dev eth0 nodad

check "nft ruleset loads in a netns" ip netns exec vm0b nft -f - <<'EOF'
table inet vmtest {
	counter echo_requests { }
	chain input {
		type filter hook input priority filter; policy accept;
		ct state new counter
		icmp type echo-request counter name echo_requests
	}
}
EOF
check "IPv4 ping over veth" ip netns exec vm0a ping -c 3 -i 0.2 -W 5 192.0.2.2
check "IPv6 ping over veth" ip netns exec vm0a ping -6 -c 1 -W 5 2001:db8::2
check_match "nft counted the IPv4 echo requests" 'packets 3 ' \
	"$(ip netns exec vm0b nft list counter inet vmtest echo_requests)"
check_match "conntrack lists the ping" \
	'^icmp .* src=192\.0\.2\.1 dst=192\.0\.2\.2 ' \
	"$(ip netns exec vm0b conntrack -L -p icmp 2>/dev/null)"
check_not "vm0b's nft table is not in vm0a" \
	ip netns exec vm0a nft list table inet vmtest

tainted=$(cat /proc/sys/kernel/tainted)
check_eq "kernel not tainted by a warning, oops or lockup" 0 \
	$((tainted & (1 << 9 | 1 << 7 | 1 << 14)))
kmsg_scan "kernel log clean"
summary
