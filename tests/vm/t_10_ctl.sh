#!/bin/bash
# Module load/unload, vpnmasq-ctl round trips, refusals with their extack
# text, privileges, per-netns values, netns teardown. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh

CTL=/usr/local/sbin/vpnmasq-ctl
kmsg_mark

check "make install (module + tool) into the guest" \
	make -s install-module install-tool KVER="$(uname -r)"
check "modprobe vpnmasq" modprobe vpnmasq
check "module is listed" grep -q '^vpnmasq ' /proc/modules

ver=$(sed -n 's/^#define VPNMASQ_VERSION "\(.*\)"/\1/p' kmod/version.h)
out=$($CTL version 2>&1)
check_match "version shows the module version" "module.*$ver" "$out"

# get/set round trip, one key and several in one message
check "set ike_timeout 1234" $CTL set ike_timeout 1234
check_eq "get ike_timeout" 1234 "$($CTL get ike_timeout)"
check "set three keys at once" $CTL set esp_timeout 700 serial_wait 1500 enabled off
check_eq "esp_timeout applied" 700 "$($CTL get esp_timeout)"
check_eq "serial_wait applied" 1500 "$($CTL get serial_wait)"
check_eq "enabled applied" 0 "$($CTL get enabled)"
check "set enabled on" $CTL set enabled 1

# all or nothing: one bad value keeps every other value
out=$($CTL set esp_timeout 800 ike_timeout 5 2>&1)
rc=$?
check_eq "out-of-range value exits 1" 1 "$rc"
check_match "out-of-range value shows the kernel's reason" \
	'^Error: .*out of range' "$out"
check_eq "nothing applied from a refused set" 700 "$($CTL get esp_timeout)"

out=$($CTL set zone_base 65000 zone_count 1000 2>&1)
check_match "zone range overflow refused with its reason" \
	'^Error: .*zone_base \+ zone_count exceeds 65536' "$out"

out=$($CTL set max_assoc 4294967296 2>&1)
rc=$?
check_eq "u32 overflow is a command-line error (exit 2)" 2 "$rc"
out=$($CTL set no_such_key 1 2>&1)
rc=$?
check_eq "unknown key exits 2" 2 "$rc"
check_match "unknown key named in the reason" 'no_such_key' "$out"
out=$($CTL get no_such_key 2>&1)
rc=$?
check_eq "get of an unknown key exits 2" 2 "$rc"

# privileges: a user namespace has no CAP_NET_ADMIN over the init netns
out=$(unshare -U -r $CTL set enabled 0 2>&1)
rc=$?
check_eq "unprivileged set refused (exit 1)" 1 "$rc"
check_match "unprivileged set says why" 'Operation not permitted' "$out"
check_eq "unprivileged set changed nothing" 1 "$($CTL get enabled)"
check_eq "unprivileged get allowed" 700 "$(unshare -U -r $CTL get esp_timeout)"
# ...the whole matrix, as vpnmasq-ctl(8) documents it: every change and
# monitor refused, every read allowed
conf=$(mktemp)
echo "set ike_timeout 99" >"$conf"
for cmd in "set ike_timeout 99" "-b $conf" "flush" "flush ike" "flush esp" "flush pptp" \
	"del ike 0x0000000000001234" "del esp 0x1234" "stats reset" "monitor"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(timeout 10 unshare -U -r $CTL $cmd 2>&1)
	rc=$?
	check_eq "unprivileged '$cmd' refused (exit 1)" 1 "$rc"
	check_match "unprivileged '$cmd' says why" 'Operation not permitted' "$out"
done
rm -f "$conf"
check_eq "nothing changed by the refused commands" 1234 "$($CTL get ike_timeout)"
for cmd in "show" "show all" "show pptp" "stats" "stats --all" "get enabled" "showconf" "version"; do
	# shellcheck disable=SC2086
	check "unprivileged '$cmd' allowed" unshare -U -r $CTL $cmd
done
# In a namespace of its own, a user namespace is its admin (containers).
check "a user namespace may change its own netns" unshare -U -r -n $CTL set ike_timeout 77
check_eq "...and that left this netns alone" 1234 "$($CTL get ike_timeout)"

# per netns values
ns_create vmA vmB
check "set in netns vmA" ip netns exec vmA $CTL set ike_timeout 77
check_eq "vmA has its value" 77 "$(ip netns exec vmA $CTL get ike_timeout)"
check_eq "vmB keeps the default" 28800 "$(ip netns exec vmB $CTL get ike_timeout)"
check_eq "init netns keeps its value" 1234 "$($CTL get ike_timeout)"
check "show works in a netns" ip netns exec vmA $CTL show
check "JSON show parses" sh -c "$CTL -j show | python3 -m json.tool >/dev/null"
check "delete both netns while the module is loaded" \
	sh -c 'ip netns del vmA && ip netns del vmB'

# unload, autoload by genetlink family alias, unloaded-module exit code
check "rmmod vpnmasq" rmmod vpnmasq
check "family lookup autoloads the module" $CTL get enabled
check "module back after autoload" grep -q '^vpnmasq ' /proc/modules
check "rmmod again" rmmod vpnmasq
old_modprobe=$(cat /proc/sys/kernel/modprobe)
echo /bin/true > /proc/sys/kernel/modprobe
out=$($CTL show 2>&1)
rc=$?
echo "$old_modprobe" > /proc/sys/kernel/modprobe
check_eq "module absent exits 3" 3 "$rc"
check_match "module absent gives the hint" 'modprobe vpnmasq' "$out"

kmsg_scan "kernel log clean"
summary
