#!/bin/bash
# scripts/check-packaging.sh: host-side packaging gates of make check.
#
#   check-packaging.sh unit        systemd-analyze verify of vpnmasq.service
#                                  (made from packaging/vpnmasq.service.in with
#                                  SBINDIR=build/userspace, so that its commands
#                                  exist); any message counts as a failure
#   check-packaging.sh dkms KVER   DKMS adds and builds the module for KVER in
#                                  scratch trees under build/dkms/ (nothing in
#                                  /usr/src, /var/lib/dkms or /lib/modules; DKMS
#                                  itself makes /var/lib/dkms/mok.* on first use),
#                                  and packs source and module with dkms
#                                  mktarball for tests/vm/t_70_packaging.sh
#
# The real installation (make dkms-install, make install, the unit's
# commands) is tested in the VM by tests/vm/t_70_packaging.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

case ${1:-} in
unit)
	[ -x build/userspace/vpnmasq-ctl ] || { echo "no build/userspace/vpnmasq-ctl (make tool)"; exit 1; }
	make -s unit-file SBINDIR="$top/build/userspace" || exit 1
	unit=build/packaging/vpnmasq.service
	grep -E '^Exec' "$unit"
	out=$(systemd-analyze verify --man=no "$unit" 2>&1)
	rc=$?
	# Make the unit installable again with the configured SBINDIR.
	make -s unit-file
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		echo "systemd-analyze verify exited $rc:"
		echo "$out"
		exit 1
	fi
	echo "systemd-analyze verify: no complaint"
	;;
dkms)
	kver=${2:?usage: check-packaging.sh dkms KVER}
	ver=$(sed -n 's/.*VPNMASQ_VERSION "\(.*\)".*/\1/p' kmod/version.h)
	scratch=$top/build/dkms/$kver
	rm -rf "$scratch"
	make -s dkms-source DESTDIR="$scratch/root" || exit 1
	trees=(--dkmstree "$scratch/tree" --sourcetree "$scratch/root/usr/src")
	mkdir -p "$scratch/tree"
	t0=$(date +%s)
	dkms add "${trees[@]}" -m vpnmasq -v "$ver" || exit 1
	dkms build "${trees[@]}" -m vpnmasq -v "$ver" -k "$kver" || {
		cat "$scratch/tree/vpnmasq/$ver/build/make.log" 2>/dev/null
		exit 1
	}
	echo "dkms build for $kver: $(($(date +%s) - t0)) s"
	ko=$(find "$scratch/tree/vpnmasq/$ver/$kver" -name 'vpnmasq.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "no vpnmasq.ko in the DKMS tree"; exit 1; }
	got=$(modinfo -F version "$ko")
	magic=$(modinfo -F vermagic "$ko")
	echo "$ko: version $got, vermagic $magic"
	[ "$got" = "$ver" ] || { echo "version $got, expected $ver"; exit 1; }
	[ "${magic%% *}" = "$kver" ] || { echo "built for ${magic%% *}, not $kver"; exit 1; }
	# Source and module in one DKMS tarball: tests/vm/t_70_packaging.sh
	# installs it in the VM instead of building there (minutes under TCG).
	tarball=vpnmasq-$ver-$kver.dkms.tar.gz
	dkms mktarball "${trees[@]}" -m vpnmasq -v "$ver" -k "$kver" --archive "$tarball" || exit 1
	mv "$scratch/tree/vpnmasq/$ver/tarball/$tarball" "$scratch/" || exit 1
	echo "for the VM test: $scratch/$tarball"
	;;
*)
	echo "usage: check-packaging.sh unit | dkms KVER" >&2
	exit 2
	;;
esac
