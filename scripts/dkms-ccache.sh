#!/bin/bash
# Fills build/ccache with the compiler runs the package test's DKMS builds
# will make in the guest (tests/vm/deb_packages.sh), so that those builds,
# under TCG, take their objects from the cache instead of compiling for
# minutes each. DKMS, kbuild, modpost, the link and BTF still run in the
# guest; only gcc's output comes from ccache, which hands it out only for
# the same compiler, command line, working directory, source and headers.
#
# For that the compiles here must be the guest's exactly: the same paths.
# So each .deb's module source is built by DKMS at the very places the
# package puts it, /usr/src/vpnmasq-VERSION and /var/lib/dkms, inside a
# private mount namespace (tmpfs over /var/lib/dkms, an overlay over
# /usr/src): nothing of it is seen outside, nothing is installed.
#
# Usage: scripts/dkms-ccache.sh KVER[,KVER...] DKMS_DEB...
# Prints the cache's statistics; exit 1 if a build failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 KVER[,KVER...] DKMS_DEB..." >&2; exit 2; }
IFS=, read -r -a kvers <<<"$1"
shift
command -v ccache >/dev/null || { echo "dkms-ccache: ccache is not installed" >&2; exit 1; }
export CCACHE_DIR=$top/build/ccache
mkdir -p "$CCACHE_DIR"
ccache --zero-stats >/dev/null

if [ -z "${DKMS_CCACHE_INNER:-}" ]; then
	scratch=$(mktemp -d /tmp/dkms-ccache.XXXXXX)
	trap 'rm -rf "$scratch"' EXIT
	debs=()
	for d in "$@"; do debs+=("$(readlink -f "$d")"); done
	DKMS_CCACHE_INNER=$scratch unshare --mount --propagation private -- \
		"$0" "$(IFS=,; echo "${kvers[*]}")" "${debs[@]}"
	exit
fi
scratch=$DKMS_CCACHE_INNER
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/dkms"
mount -t tmpfs dkms-ccache /var/lib/dkms
mount -t overlay dkms-ccache -o "lowerdir=/usr/src,upperdir=$scratch/upper,workdir=$scratch/work" /usr/src
# as in the guest: Debian's headers run "ccache $(CC)" with this set
export DEBIAN_KERNEL_USE_CCACHE=1
for deb in "$@"; do
	x=$(mktemp -d "$scratch/deb.XXXXXX")
	dpkg-deb -x "$deb" "$x"
	src=$(compgen -G "$x/usr/src/vpnmasq-*" | head -n 1)
	[ -n "$src" ] || { echo "dkms-ccache: no /usr/src/vpnmasq-* in $deb" >&2; exit 1; }
	ver=${src##*/vpnmasq-}
	cp -a "$src" /usr/src/
	dkms add -m vpnmasq -v "$ver" >/dev/null
	for k in "${kvers[@]}"; do
		echo "# DKMS build of vpnmasq/$ver for $k"
		dkms build -m vpnmasq -v "$ver" -k "$k" >"$scratch/build.log" 2>&1 || {
			cat "$scratch/build.log" /var/lib/dkms/vpnmasq/"$ver"/build/make.log 2>/dev/null
			exit 1
		}
	done
done
ccache --show-stats
