#!/bin/bash
# The Debian packages as a gateway admin uses them, in a fresh guest: apt
# installs vpnmasq-dkms and vpnmasq (make deb's .debs; the guest has no
# network, every dependency is installed already), DKMS builds the module in
# the package's postinst, `systemctl start vpnmasq` loads it and applies the
# config, two LAN hosts' libreswan IKEv1/ESP tunnels work through the usual
# masquerade, apt upgrades to a newer build (scripts/mkdeb.sh --bump),
# `apt remove` keeps the config and the loaded module, `apt purge` removes
# config, module and DKMS tree, a reinstall works again. Runs in the guest,
# in a VM boot of its own (scripts/check.sh runs it once per kernel):
#
#   scripts/vm/run-guest -k KVER -t 3600 -- \
#       env VM_TEST_TIMEOUT=3300 tests/vm/run-all.sh tests/vm/deb_packages.sh
#
# It needs build/deb/vpnmasq{,-dkms}_VERSION_*.deb (make deb) and
# build/deb/bump/ (scripts/mkdeb.sh --bump +test1).
#
# What is real and what is arranged:
# - systemd: the guest's PID 1 is scripts/vm/guest-init, not systemd. The
#   test starts the real /lib/systemd/systemd as PID 1 of a PID namespace
#   (as a container manager does; `container=` set), sharing the guest's
#   /run, file systems, network and kernel, with a target that pulls in
#   only journald. So the maintainer scripts see a running systemd (they
#   daemon-reload, stop on removal) and `systemctl start vpnmasq` is
#   systemd running the installed unit. Boot ordering (Before=
#   network-pre.target) is not exercised: there is no boot.
# - DKMS builds for real, in the postinst, under TCG: minutes per build.
#   The guest stands for a gateway with the headers of its running kernel
#   only (the other target kernel's headers are hidden under an empty
#   tmpfs), so each install builds once; the kernel update is then a newer
#   kernel's headers appearing (on the 6.1 run: 6.12's) and DKMS's own
#   header_postinst.d hook (what the linux-headers package runs) building
#   vpnmasq for it. The running kernel's headers are read from a copy in
#   the guest's RAM (a gateway's are on a local disk, not on 9p).
# - gcc's output comes from ccache (build/ccache, DEBIAN_KERNEL_USE_CCACHE=1)
#   when scripts/dkms-ccache.sh filled it on the host from the same .debs,
#   at the same paths: DKMS, kbuild, modpost, the link and BTF run here,
#   only the compiles (minutes each under TCG) are taken from the cache,
#   which ccache hands out only for the same compiler, command line, working
#   directory, source and headers. Each build's hits and misses are shown.
# - DEB_TEST_SKIP="upgrade newer-kernel reinstall" (any of them) leaves
#   steps out: make check runs upgrade and reinstall on the newest kernel
#   only and the newer kernel's headers nowhere, to keep the DKMS builds
#   under TCG to four in all.
# - The host's /usr/sbin/policy-rc.d (which forbids every service action,
#   for containers) is removed in the guest's overlay: a gateway has none.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh
CTL=/usr/sbin/vpnmasq-ctl
. tests/vm/topo.sh
. tests/vm/swan.sh

kver=$(uname -r)
kre=${kver//./\\.}
kre=${kre//+/\\+}
arch=$(dpkg --print-architecture)
ver=$(sed -n 's/.*VPNMASQ_VERSION "\(.*\)".*/\1/p' kmod/version.h)
debs=$PWD/build/deb
dkms_deb=$debs/vpnmasq-dkms_${ver}_all.deb
tool_deb=$debs/vpnmasq_${ver}_$arch.deb
new_dkms_deb=$(compgen -G "$debs/bump/vpnmasq-dkms_$ver+*_all.deb" | head -n 1)
new=${new_dkms_deb##*/vpnmasq-dkms_}
new=${new%_all.deb}
new_tool_deb=$debs/bump/vpnmasq_${new}_$arch.deb
CONF=/etc/vpnmasq/vpnmasq.conf
UNIT=/lib/systemd/system/vpnmasq.service
WANTS=/etc/systemd/system/multi-user.target.wants/vpnmasq.service
export DEBIAN_FRONTEND=noninteractive

for f in "$dkms_deb" "$tool_deb" "$new_dkms_deb" "$new_tool_deb"; do
	if [ ! -s "$f" ]; then
		fail "package ${f:-of the bumped version} missing (make deb; scripts/mkdeb.sh --bump +test1)"
		summary
		exit 1
	fi
done
# --- systemd, as PID 1 of a PID namespace; the rest runs inside ----------------
if [ -z "${DEB_IN_SYSTEMD:-}" ]; then
	mkdir -p /etc/systemd/system
	cat >/etc/systemd/system/vpnmasq-vm.target <<'UNIT'
[Unit]
Description=vpnmasq package test: systemd with journald and nothing else
Wants=systemd-journald.socket systemd-journald.service
UNIT
	t0=$SECONDS
	unshare --pid --fork --mount --mount-proc --kill-child -- \
		env -i container=vpnmasq-vm PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		/lib/systemd/systemd --unit=vpnmasq-vm.target --log-target=kmsg \
		--log-level=notice --show-status=no </dev/null >/tmp/systemd.out 2>&1 &
	sd_unshare=$!
	trap 'kill -KILL $sd_unshare 2>/dev/null; wait $sd_unshare 2>/dev/null; ns_cleanup' EXIT
	sd1=
	for _ in $(seq 1 100); do
		sd1=$(cat /proc/"$sd_unshare"/task/*/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$sd1" ] && break
		sleep 0.1
	done
	in_sd() { nsenter -t "$sd1" -p -m --wd="$PWD" -- "$@"; }
	state=
	for _ in $(seq 1 240); do
		state=$(in_sd timeout 10 systemctl is-system-running 2>/dev/null)
		case $state in running | degraded) break ;; esac
		sleep 0.5
	done
	if ! check_match "systemd up, PID 1 of its namespace (${sd1:-none} outside), in $((SECONDS - t0)) s" \
		'^(running|degraded)$' "$state"; then
		vm_indent "$(cat /tmp/systemd.out)"
		summary
		exit 1
	fi
	[ "$state" = degraded ] && in_sd systemctl --failed --no-legend
	in_sd env DEB_IN_SYSTEMD=1 bash "$PWD/tests/vm/deb_packages.sh"
	exit
fi
check_eq "this test runs in systemd's PID namespace" systemd "$(ps -p 1 -o comm= 2>&1)"
# apt runs maintainer scripts with PATH reset, so not ccache's masquerade
# directory: Debian's kernel headers' own switch, which make takes from
# the environment (their .kernelvariables: CC = ccache x86_64-linux-gnu-gcc-N)
if [ -d build/ccache ] && command -v ccache >/dev/null; then
	export DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR=$PWD/build/ccache
	ccache --zero-stats >/dev/null
fi
# cache_stats: what the DKMS builds since the last call took from ccache
cache_stats() {
	[ -n "${CCACHE_DIR:-}" ] || { echo "# ccache: not used (no build/ccache)"; return; }
	echo "# ccache: $(ccache --print-stats | awk -F'\t' '
		$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
		$1 == "cache_miss" { m = $2 } END { printf "%d hits, %d misses", h, m }')"
	ccache --zero-stats >/dev/null
}
check "/run/systemd/system exists: maintainer scripts see systemd" test -d /run/systemd/system

kmsg_mark
T0=$SECONDS
# step NAME: a timed section of the transcript
step_t=$SECONDS
step() {
	echo "# [$((SECONDS - T0)) s, last step $((SECONDS - step_t)) s] $*"
	step_t=$SECONDS
}
# run CMD...: shown and run, its output indented into the transcript
run() {
	local rc
	echo "\$ $*"
	"$@" 2>&1 | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] || echo "    (exit $rc)"
	return "$rc"
}
module_loaded() { grep -q '^vpnmasq ' /proc/modules; }
# want STEP: unless DEB_TEST_SKIP names it (upgrade, newer-kernel, reinstall)
want() {
	[[ " ${DEB_TEST_SKIP:-} " != *" $1 "* ]] && return 0
	echo "# skipped: $1 (DEB_TEST_SKIP)"
	return 1
}
cur=$ver
ko_files() { find /lib/modules -name 'vpnmasq.ko*' 2>/dev/null | sort; }
pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null | tr -s ' '; }

# --- the guest as a gateway -----------------------------------------------
step "a gateway with the headers of $kver only"
check_eq "no vpnmasq module anywhere in /lib/modules" "" "$(ko_files)"
check_eq "nothing of vpnmasq in DKMS or /usr/src" "" \
	"$(dkms status -m vpnmasq 2>&1; ls -d /usr/src/vpnmasq-* 2>/dev/null)"
check_eq "neither package installed" "" "$(pkg_status vpnmasq-dkms)$(pkg_status vpnmasq)"
rm -f /usr/sbin/policy-rc.d
others=()
for b in /lib/modules/*/build; do
	k=${b#/lib/modules/}
	k=${k%/build}
	[ "$k" = "$kver" ] && continue
	d=$(readlink -f "$b")
	[ -d "$d" ] || continue
	mount -t tmpfs -o size=1m,mode=0755 hidden "$d" && others+=("$k:$d")
done
echo "# headers hidden for: ${others[*]:-(none)}"
check "headers of $kver present" test -e "/lib/modules/$kver/build/include"
# A gateway has its kernel's headers on a local disk, not on 9p: a copy in
# the guest's RAM, bound over the originals (kbuild reads thousands of
# them). /lib/modules stays on 9p (copying 6.1's 400 MB costs more than the
# depmods it would save).
t=$SECONDS
hdr=$(readlink -f "/lib/modules/$kver/build")
for d in "$hdr" \
	$(sed -n 's|^include \(/usr/src/[^/]*\)/Makefile$|\1|p' "$hdr/Makefile"); do
	c=$(mktemp -d /tmp/ram.XXXXXX)
	cp -a "$d/." "$c/" && mount --bind "$c" "$d" && echo "# $d: a copy in RAM"
done
echo "# copied in $((SECONDS - t)) s"

# --- install ---------------------------------------------------------------------
step "apt-get install vpnmasq-dkms vpnmasq $ver"
run apt-get install -y "$dkms_deb" "$tool_deb"
check_eq "apt-get install of both packages exits 0" 0 "$?"
cache_stats
step "installed"
check_eq "vpnmasq-dkms $ver installed" "ii $ver" "$(pkg_status vpnmasq-dkms)"
check_eq "vpnmasq $ver installed" "ii $ver" "$(pkg_status vpnmasq)"
check_match "dkms status: vpnmasq/$ver installed for $kver" \
	"^vpnmasq/$ver, $kre, [^:]+: installed" "$(dkms status -m vpnmasq 2>&1)"
check_match "modinfo: the DKMS module in updates/dkms" \
	"^/lib/modules/$kre/updates/dkms/vpnmasq\.ko(\.xz)?$" "$(modinfo -n vpnmasq 2>&1)"
check_eq "its version is $ver" "$ver" "$(modinfo -F version vpnmasq 2>&1)"
check_eq "one vpnmasq module in /lib/modules (none for hidden headers)" 1 "$(ko_files | wc -l)"
check_eq "installing started nothing: module not loaded" "" "$(grep '^vpnmasq ' /proc/modules)"
check_eq "unit enabled (dh_installsystemd)" enabled "$(systemctl is-enabled vpnmasq 2>&1)"
check "... by the multi-user.target.wants symlink" test -L "$WANTS"
check_eq "... but not started" inactive "$(systemctl is-active vpnmasq 2>&1)"
check_match "$CONF is a conffile" "^ $CONF [0-9a-f]{32}$" \
	"$(dpkg-query -W -f='${Conffiles}\n' vpnmasq)"
check_eq "$CONF is the shipped example" "" "$(cmp packaging/vpnmasq.conf "$CONF" 2>&1)"
check "systemd-analyze verify of the installed unit: no complaint" \
	sh -c "out=\$(systemd-analyze verify --man=no $UNIT 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
check_match "the unit runs /usr/sbin/vpnmasq-ctl" "^ExecStart=$CTL -b $CONF$" "$(cat "$UNIT")"
check_eq "man finds vpnmasq-ctl(8)" /usr/share/man/man8/vpnmasq-ctl.8.gz \
	"$(man -w 8 vpnmasq-ctl 2>&1)"
check_match "vpnmasq(8) renders" '^EXAMPLES$' "$(MANWIDTH=80 man 8 vpnmasq 2>&1)"
check "the bash completion loads" \
	bash -c '. /usr/share/bash-completion/completions/vpnmasq-ctl && complete -p vpnmasq-ctl'
check "modprobe.d example in the docs" test -s /usr/share/doc/vpnmasq/examples/modprobe.d/vpnmasq.conf

# --- systemctl start -----------------------------------------------------------------
step "systemctl start vpnmasq"
cat >"$CONF" <<'EOF'
# edited by the admin
set ike_timeout 1800 esp_timeout 900
set serial_wait 3000
EOF
run systemctl start vpnmasq
check_eq "systemctl start vpnmasq exits 0" 0 "$?"
check_eq "unit active" active "$(systemctl is-active vpnmasq 2>&1)"
check "it loaded the module" module_loaded
check_eq "the loaded module is the DKMS one (srcversion)" \
	"$(modinfo -F srcversion vpnmasq)" "$(cat /sys/module/vpnmasq/srcversion 2>&1)"
check_eq "ike_timeout applied" 1800 "$($CTL get ike_timeout 2>&1)"
check_eq "esp_timeout applied" 900 "$($CTL get esp_timeout 2>&1)"
check_eq "serial_wait applied" 3000 "$($CTL get serial_wait 2>&1)"
run $CTL version
sed -i 's/^set serial_wait 3000$/set serial_wait 4000/' "$CONF"
run systemctl reload vpnmasq
check_eq "systemctl reload applies the edited config" 4000 "$($CTL get serial_wait 2>&1)"
good=$(cat "$CONF")
echo 'set ike_timeout 5' >"$CONF"
run systemctl restart vpnmasq
check_eq "a config the kernel refuses fails the unit" failed "$(systemctl is-active vpnmasq 2>&1)"
check_match "... with the kernel's reason in the journal" 'Error: ' \
	"$(journalctl -u vpnmasq --no-pager -o cat 2>&1)"
echo "$good" >"$CONF"
run systemctl restart vpnmasq
check_eq "restart with the good config" active "$(systemctl is-active vpnmasq 2>&1)"
run systemctl status --no-pager -n 0 vpnmasq

# --- the usual masquerade, two LAN hosts' IPsec ------------------------------------------
step "two LAN hosts' libreswan IKEv1/ESP through the gateway"
topo_setup 2
swan_hosts 2
for i in 1 2; do
	swan_whack "lan$i" --name vpn --initiate --asynchronous >/dev/null 2>&1
done
ok=0
for _ in $(seq 1 90); do
	if swan_whack lan1 --trafficstatus 2>/dev/null | grep -q vpn &&
		swan_whack lan2 --trafficstatus 2>/dev/null | grep -q vpn; then
		ok=1
		break
	fi
	sleep 1
done
check_eq "both hosts established IKEv1 + IPsec SAs" 1 "$ok"
check_eq "both hosts' IKE masqueraded to source port 500" 2 \
	"$(ip netns exec gw conntrack -L -p udp --dport 500 2>/dev/null |
		grep -cE "src=$REMOTE dst=$GW_PUB sport=500 dport=500")"
ok=1
for i in 1 2; do
	check "lan$i pings through its ESP tunnel" ping_tunnel "$i" || ok=0
done
check_eq "both hosts' inbound SPIs associated (slot or negotiation)" 2 \
	"$(ip netns exec gw "$CTL" show esp | awk '$4 == "in" { print $2 }' | sort -u | wc -l)" || ok=0
[ "$ok" = 1 ] || run ip netns exec gw "$CTL" stats --explain
swan_stop lan1 lan2 rem
sleep 1
ns_cleanup

# --- upgrade -------------------------------------------------------------------------------
if want upgrade; then
	step "apt-get install $new (upgrade)"
	run apt-get install -y "$new_dkms_deb" "$new_tool_deb"
	check_eq "apt-get install of the newer packages exits 0" 0 "$?"
	cache_stats
	step "upgraded"
	check_eq "vpnmasq-dkms $new installed" "ii $new" "$(pkg_status vpnmasq-dkms)"
	check_eq "vpnmasq $new installed" "ii $new" "$(pkg_status vpnmasq)"
	check_match "dkms status: only vpnmasq/$new, installed for $kver" \
		"^vpnmasq/${new//+/\\+}, $kre, [^:]+: installed$" "$(dkms status -m vpnmasq 2>/dev/null | tr '\n' '|' | sed 's/|$//')"
	check "the old version's source tree is gone" test ! -e "/usr/src/vpnmasq-$ver"
	check "... and its DKMS tree" test ! -e "/var/lib/dkms/vpnmasq/$ver"
	check_eq "the module file is $new" "$new" "$(modinfo -F version vpnmasq 2>&1)"
	check_eq "one vpnmasq module in /lib/modules" 1 "$(ko_files | wc -l)"
	check_match "the admin's config kept" '^# edited by the admin$' "$(cat "$CONF")"
	check_eq "the upgrade neither stopped nor restarted the unit" active \
		"$(systemctl is-active vpnmasq 2>&1)"
	check_eq "... so the running module ($ver) and its values stay" "$ver 4000" \
		"$(cat /sys/module/vpnmasq/version 2>&1) $($CTL get serial_wait 2>&1)"
	check_eq "still enabled" enabled "$(systemctl is-enabled vpnmasq 2>&1)"
	run systemctl stop vpnmasq
	check "rmmod vpnmasq (the admin takes the new module)" rmmod vpnmasq
	run systemctl start vpnmasq
	check_eq "systemctl start loads the new module" "$new" "$(cat /sys/module/vpnmasq/version 2>&1)"
	check_eq "... and applies the config" 4000 "$($CTL get serial_wait 2>&1)"
	run $CTL version
	cur=$new
fi

# --- a kernel update: a newer kernel's headers arrive ------------------------------------------
# (Only newer ones: a gateway updates to a newer kernel; it also saves a
# DKMS build under TCG on the newest kernel's run.)
if want newer-kernel; then
	for o in "${others[@]}"; do
		k=${o%%:*}
		dpkg --compare-versions "$k" gt "$kver" || continue
		step "headers of $k installed: /etc/kernel/header_postinst.d/dkms $k"
		umount "${o#*:}"
		run /etc/kernel/header_postinst.d/dkms "$k"
		check_match "DKMS built and installed vpnmasq/$cur for $k" \
			"^vpnmasq/${cur//+/\\+}, ${k//+/\\+}, [^:]+: installed" "$(dkms status -m vpnmasq -k "$k" 2>&1)"
		check_eq "its module is $cur" "$cur" "$(modinfo -k "$k" -F version vpnmasq 2>&1)"
	done
fi

# --- remove ----------------------------------------------------------------------------------
step "apt-get remove vpnmasq vpnmasq-dkms"
run apt-get remove -y vpnmasq vpnmasq-dkms
check_eq "apt-get remove exits 0" 0 "$?"
check_eq "vpnmasq removed, its config kept (rc)" "rc $cur" "$(pkg_status vpnmasq)"
check_eq "vpnmasq-dkms removed" "" "$(pkg_status vpnmasq-dkms | grep '^i')"
check_eq "the unit was stopped" inactive "$(systemctl is-active vpnmasq 2>&1)"
check "the loaded module stays loaded" module_loaded
check "... and the PPTP helpers" grep -q '^nf_nat_pptp ' /proc/modules
check_match "$CONF stays" '^# edited by the admin$' "$(cat "$CONF" 2>&1)"
check_eq "no vpnmasq module file left" "" "$(ko_files)"
check_eq "nothing in DKMS" "" "$(dkms status -m vpnmasq 2>&1)"
check "/usr/src/vpnmasq-$cur removed" test ! -e "/usr/src/vpnmasq-$cur"
check "$CTL removed" test ! -e "$CTL"

# --- purge ---------------------------------------------------------------------------------
step "apt-get purge vpnmasq vpnmasq-dkms"
run apt-get purge -y vpnmasq vpnmasq-dkms
check_eq "apt-get purge exits 0" 0 "$?"
check_eq "both packages gone from dpkg" "" \
	"$(pkg_status vpnmasq | grep -v '^un')$(pkg_status vpnmasq-dkms | grep -v '^un')"
check "/etc/vpnmasq removed" test ! -e /etc/vpnmasq
check "the enable symlink removed" test ! -L "$WANTS"
check_eq "no module file, DKMS or source tree left" "" \
	"$(ko_files; ls -d /var/lib/dkms/vpnmasq /usr/src/vpnmasq-* 2>/dev/null)"
check "rmmod vpnmasq (the admin unloads it)" rmmod vpnmasq

# --- reinstall -----------------------------------------------------------------------------
if want reinstall; then
	step "apt-get install vpnmasq-dkms vpnmasq $ver (reinstall)"
	run apt-get install -y "$dkms_deb" "$tool_deb"
	check_eq "the reinstall exits 0" 0 "$?"
	cache_stats
	step "reinstalled"
	check_match "dkms status: vpnmasq/$ver installed for $kver again" \
		"^vpnmasq/$ver, $kre, [^:]+: installed" "$(dkms status -m vpnmasq -k "$kver" 2>&1)"
	check_eq "$CONF is the shipped one again" "" "$(cmp packaging/vpnmasq.conf "$CONF" 2>&1)"
	check_eq "enabled again" enabled "$(systemctl is-enabled vpnmasq 2>&1)"
	run systemctl start vpnmasq
	check_eq "systemctl start vpnmasq" active "$(systemctl is-active vpnmasq 2>&1)"
	ike_default=$(sed -n 's/^#define VPNMASQ_IKE_TIMEOUT_DEFAULT\t*\([0-9]*\)$/\1/p' \
		kmod/include/uapi/linux/vpnmasq.h)
	check_eq "the module loaded is $ver, with the defaults" "$ver ${ike_default:-?}" \
		"$(cat /sys/module/vpnmasq/version 2>&1) $($CTL get ike_timeout 2>&1)"
	run systemctl stop vpnmasq
	run apt-get purge -y vpnmasq vpnmasq-dkms >/dev/null
	rmmod vpnmasq 2>/dev/null
fi

step "done"
kmsg_scan "kernel log clean"
echo "# deb_packages.sh on $kver: $((SECONDS - T0)) s"
summary
