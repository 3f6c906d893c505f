#!/bin/bash
# Packaging, as a gateway admin installs vpnmasq: make dkms-install (modprobe
# then loads the DKMS-built module from updates/dkms), make install-userspace,
# then the installed systemd unit's commands run as systemd would run them
# (there is no systemd in the guest): the config is applied at start and
# reload, a refused or missing config fails the start, stop flushes. Man
# pages render, the bash completion loads, a DESTDIR/PREFIX install is
# complete, make dkms-remove. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
. tests/vm/topo.sh

kver=$(uname -r)
kre=${kver//./\\.}
kre=${kre//+/\\+}
ver=$(sed -n 's/.*VPNMASQ_VERSION "\(.*\)".*/\1/p' kmod/version.h)
UNIT=/lib/systemd/system/vpnmasq.service
CONF=/etc/vpnmasq/vpnmasq.conf
COMPLETION=/usr/share/bash-completion/completions/vpnmasq-ctl
kmsg_mark

module_loaded() { grep -q '^vpnmasq ' /proc/modules; }
# Earlier tests loaded the module, maybe installed with make install-module.
if module_loaded; then
	check "rmmod the module of earlier tests" rmmod vpnmasq
fi

# --- DKMS ------------------------------------------------------------------
# A DKMS build here is a cold kbuild over 9p under TCG: 3.5 min of `dkms
# build`, 7 min for make dkms-install in all. So by default the module comes
# from DKMS on the host (scripts/check-packaging.sh dkms KVER, run by make
# check before the VM: the same source tree and dkms.conf, built in scratch
# trees and packed by dkms mktarball), and DKMS here only loads and installs
# it. VPNMASQ_DKMS_BUILD=1, or no current tarball, runs make dkms-install.
prebuilt=build/dkms/$kver/vpnmasq-$ver-$kver.dkms.tar.gz
t0=$SECONDS
if [ -z "${VPNMASQ_DKMS_BUILD:-}" ] && [ -s "$prebuilt" ] &&
	[ -z "$(find kmod dkms.conf.in -newer "$prebuilt" -print -quit)" ]; then
	echo "# DKMS: module built on the host: $prebuilt"
	# as make dkms-install does: make install-module's copy must go first
	rm -f "/lib/modules/$kver/updates/vpnmasq.ko"
	check "dkms ldtarball (source and module built by DKMS on the host)" \
		dkms ldtarball "$prebuilt"
	check "dkms install -m vpnmasq -v $ver -k $kver" \
		dkms install -m vpnmasq -v "$ver" -k "$kver"
	echo "# DKMS load and install for $kver: $((SECONDS - t0)) s"
else
	check "make dkms-install KVER=$kver" make -s dkms-install KVER="$kver"
	echo "# make dkms-install (DKMS add, build, install) for $kver: $((SECONDS - t0)) s"
fi
check_match "dkms status: vpnmasq/$ver installed for $kver" \
	"^vpnmasq/$ver, $kre, [^:]+: installed" "$(dkms status -m vpnmasq 2>&1)"
check "source tree /usr/src/vpnmasq-$ver with dkms.conf and kmod/Kbuild" \
	test -f "/usr/src/vpnmasq-$ver/dkms.conf" -a -f "/usr/src/vpnmasq-$ver/kmod/Kbuild"
check_match "dkms.conf has the version of kmod/version.h" \
	"^PACKAGE_VERSION=\"$ver\"$" "$(cat "/usr/src/vpnmasq-$ver/dkms.conf")"
check_match "modinfo -n vpnmasq is the DKMS module in updates/dkms" \
	"^/lib/modules/$kre/updates/dkms/vpnmasq\.ko(\.xz)?$" "$(modinfo -n vpnmasq 2>&1)"
check "no other vpnmasq.ko left in /lib/modules/$kver" \
	test "$(find "/lib/modules/$kver" -name 'vpnmasq.ko*' | wc -l)" = 1
check "modprobe vpnmasq" modprobe vpnmasq
check_eq "the loaded module is the DKMS one (srcversion)" \
	"$(modinfo -F srcversion vpnmasq)" "$(cat /sys/module/vpnmasq/srcversion 2>&1)"
check_match "softdep on the PPTP helpers" 'pre: nf_conntrack_pptp nf_nat_pptp' \
	"$(modinfo -F softdep vpnmasq)"
check "PPTP helpers loaded with it" grep -q '^nf_nat_pptp ' /proc/modules
check "rmmod vpnmasq" rmmod vpnmasq

# --- make install-userspace --------------------------------------------------
rm -rf /etc/vpnmasq
check "make install-userspace" make -s install-userspace
for f in "$CTL" /usr/local/share/man/man8/vpnmasq.8 /usr/local/share/man/man8/vpnmasq-ctl.8 \
	"$COMPLETION" "$UNIT" "$CONF" /usr/local/share/doc/vpnmasq/examples/vpnmasq.conf \
	/usr/local/share/doc/vpnmasq/examples/modprobe.d/vpnmasq.conf; do
	check "installed: $f" test -s "$f"
done
check_match "the unit's ExecStart is the installed tool" \
	"^ExecStart=$CTL -b $CONF$" "$(grep '^ExecStart=' "$UNIT")"
check_eq "/etc/vpnmasq/vpnmasq.conf is the shipped example" "" \
	"$(cmp packaging/vpnmasq.conf "$CONF" 2>&1)"
echo "# edited by the admin" >>"$CONF"
make -s install-config >/dev/null 2>&1
check_match "make install-config keeps an existing /etc/vpnmasq/vpnmasq.conf" \
	'^# edited by the admin$' "$(tail -n 1 "$CONF")"

# --- the unit, as systemd runs it ---------------------------------------------
# unit_exec KEY: every KEY= line of the installed unit in order, split into
# words as systemd does (no shell); a "-" prefix ignores the exit status.
# Run in the network namespaces named by UNIT_NS (a command prefix).
UNIT_NS=()
unit_exec() {
	local key=$1 line cmd ignore
	local -a argv
	grep -qE "^$key=" "$UNIT" 2>/dev/null || { echo "no $key= in $UNIT"; return 1; }
	while IFS= read -r line; do
		cmd=${line#*=}
		ignore=0
		while [[ $cmd == [-@+!:]* ]]; do
			[[ $cmd == -* ]] && ignore=1
			cmd=${cmd:1}
		done
		read -ra argv <<<"$cmd"
		echo "+ ${argv[*]}"
		"${UNIT_NS[@]}" "${argv[@]}" || [ "$ignore" = 1 ] || return 1
	done < <(grep -E "^$key=" "$UNIT")
}
unit_start() { unit_exec ExecStartPre && unit_exec ExecStart; }
check_eq "the unit has one ExecStartPre, ExecStart, ExecReload, ExecStop" "1 1 1 1" \
	"$(for k in ExecStartPre ExecStart ExecReload ExecStop; do grep -c "^$k=" "$UNIT"; done | xargs)"

cp packaging/vpnmasq.conf "$CONF"
check "start with the shipped config (nothing but comments)" unit_start
check "start loaded the module" module_loaded
check_eq "defaults kept" 28800 "$($CTL get ike_timeout 2>&1)"
check "stop" unit_exec ExecStop

cat >"$CONF" <<'EOF'
# vpnmasq.conf of the packaging test
set ike_timeout 1800 esp_timeout 900

  # an indented comment, then a blank line and a switch by name
set serial_wait 3000
set pptp off
EOF
check "rmmod before the boot-time start" rmmod vpnmasq
check "start with an own config" unit_start
check_eq "the start loaded the DKMS module" \
	"$(modinfo -F srcversion vpnmasq)" "$(cat /sys/module/vpnmasq/srcversion 2>&1)"
check_eq "ike_timeout applied" 1800 "$($CTL get ike_timeout 2>&1)"
check_eq "esp_timeout applied" 900 "$($CTL get esp_timeout 2>&1)"
check_eq "serial_wait applied" 3000 "$($CTL get serial_wait 2>&1)"
check_eq "pptp off applied" 0 "$($CTL get pptp 2>&1)"
check_eq "keys not in the file keep their value" 16 "$($CTL get hold_max 2>&1)"

sed -i 's/^set serial_wait 3000$/set serial_wait 4000/' "$CONF"
check "reload" unit_exec ExecReload
check_eq "reload applied serial_wait" 4000 "$($CTL get serial_wait 2>&1)"

good=$(cat "$CONF")
printf 'set esp_timeout 700\nset ike_timeout 5\n' >"$CONF"
out=$(unit_exec ExecStart 2>&1)
rc=$?
check_eq "a config the kernel refuses fails the start" 1 "$rc"
check_match "... with the kernel's reason" '^Error: ' "$out"
check_eq "... and applies none of it" 900 "$($CTL get esp_timeout 2>&1)"

rm -f "$CONF"
rmmod vpnmasq
check_not "a missing config fails the start" unit_start
check "... after ExecStartPre loaded the module anyway" module_loaded
echo "$good" >"$CONF"

# Stop flushes: the unit run in a gateway namespace with a LAN host's ISAKMP
# association through it.
topo_setup 1
UNIT_NS=(ip netns exec gw)
check "start in the gateway namespace" unit_start
check_eq "config applied in the gateway namespace" 1800 \
	"$(ip netns exec gw "$CTL" get ike_timeout 2>&1)"
ip netns exec lan1 python3 tests/vm/ike_peer.py send "$REMOTE" 7000000000000701
ip netns exec lan1 python3 tests/vm/ike_peer.py send "$REMOTE" 7000000000000702
sleep 0.5
ike_rows() { ip netns exec gw "$CTL" --no-headers show ike | grep -c .; }
check_eq "two ISAKMP associations before stop" 2 "$(ike_rows)"
check "stop" unit_exec ExecStop
check_eq "stop flushed them" 0 "$(ike_rows)"
check "the module stays loaded after stop" module_loaded
UNIT_NS=()
ns_cleanup

# --- man pages, completion ------------------------------------------------------
for page in vpnmasq vpnmasq-ctl; do
	check_eq "man -w finds $page(8) under /usr/local" \
		"/usr/local/share/man/man8/$page.8" "$(readlink -f "$(man -w 8 "$page" 2>&1)")"
	out=$(MANWIDTH=80 man -l "/usr/local/share/man/man8/$page.8" 2>&1)
	check_match "$page(8) renders" '^EXAMPLES$' "$out"
	check_eq "$page(8) renders without groff warnings" "" \
		"$(man --warnings -l "/usr/local/share/man/man8/$page.8" 2>&1 >/dev/null)"
done
check_match "vpnmasq-ctl(8) has EXIT STATUS" '^EXIT STATUS$' \
	"$(MANWIDTH=80 man -l /usr/local/share/man/man8/vpnmasq-ctl.8 2>&1)"

# shellcheck disable=SC2016 # expanded by the inner bash
complete_words='
	. /usr/share/bash-completion/bash_completion
	. "$1" || exit 1
	spec=$(complete -p vpnmasq-ctl) || exit 1
	fn=$(sed -n "s/.*-F \([^ ]*\).*/\1/p" <<<"$spec")
	[ -n "$fn" ] || { echo "no -F function in: $spec"; exit 1; }
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	"$fn" vpnmasq-ctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf "%s\n" "${COMPREPLY[@]}"'
check "the completion file sources in bash" bash -c ". $COMPLETION"
check_match "completing 'vpnmasq-ctl sh' offers show" '^show$' \
	"$(bash -c "$complete_words" - "$COMPLETION" vpnmasq-ctl sh 2>&1)"
check_match "completing 'vpnmasq-ctl set ' offers the keys" '^serial_wait$' \
	"$(bash -c "$complete_words" - "$COMPLETION" vpnmasq-ctl set '' 2>&1)"

# --- a staged install (what a package build does) ----------------------------------
stage=$(mktemp -d)
check "make install DESTDIR=... PREFIX=/usr" \
	make -s install DESTDIR="$stage" PREFIX=/usr KVER="$kver"
for f in /usr/sbin/vpnmasq-ctl /usr/share/man/man8/vpnmasq.8 /usr/share/man/man8/vpnmasq-ctl.8 \
	/usr/share/bash-completion/completions/vpnmasq-ctl /lib/systemd/system/vpnmasq.service \
	/etc/vpnmasq/vpnmasq.conf "/lib/modules/$kver/updates/vpnmasq.ko"; do
	check "staged: $f" test -s "$stage$f"
done
check_match "staged unit runs /usr/sbin/vpnmasq-ctl" \
	'^ExecStart=/usr/sbin/vpnmasq-ctl -b /etc/vpnmasq/vpnmasq.conf$' \
	"$(cat "$stage/lib/systemd/system/vpnmasq.service")"
check_eq "nothing staged outside /usr, /lib, /etc" "" \
	"$(cd "$stage" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name lib ! -name etc)"
check "the module was not installed into the live system by the staged install" \
	test ! -e "/lib/modules/$kver/updates/vpnmasq.ko"
rm -rf "$stage"

# --- DKMS removal ---------------------------------------------------------------------
rmmod vpnmasq 2>/dev/null
check "make dkms-remove" make -s dkms-remove
check_eq "dkms status is empty" "" "$(dkms status -m vpnmasq 2>&1)"
check "/usr/src/vpnmasq-$ver removed" test ! -e "/usr/src/vpnmasq-$ver"
check_not "no vpnmasq module left for $kver" modinfo vpnmasq

kmsg_scan "kernel log clean"
summary
