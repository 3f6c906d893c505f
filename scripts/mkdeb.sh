#!/bin/bash
# `make deb`: the Debian packages vpnmasq-dkms (arch all) and vpnmasq (the
# tool) from the sources of this tree, with debhelper and dh-dkms
# (debian/). The sources are copied into a build directory first, so that
# dpkg-buildpackage writes nothing into the work tree:
#
#   build/deb/vpnmasq-VERSION/        the copy: what the packaging needs
#                                     (kmod/, userspace/, doc/, packaging/,
#                                     debian/, the top-level files)
#   build/deb/*.deb, *.changes, *.buildinfo
#
# Usage: scripts/mkdeb.sh [--bump SUFFIX] [-o DIR]
#   --bump SUFFIX  a test build of version VERSION+SUFFIX (e.g. +test1): the
#                  copy's kmod/version.h and debian/changelog say so; for the
#                  upgrade test (tests/vm/deb_packages.sh). Default -o:
#                  build/deb/bump
#   -o DIR         where the copy and the packages go (default build/deb)
#
# debian/changelog must name the version of kmod/version.h (the project's
# one version); a mismatch fails the build. DEB_BUILD_OPTIONS=nocheck skips
# the tool's unit tests, as usual.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

die() { echo "mkdeb: $*" >&2; exit 1; }

bump=
out=
while [ $# -gt 0 ]; do
	case $1 in
	--bump) bump=${2:?--bump needs a suffix}; shift 2 ;;
	-o) out=${2:?-o needs a directory}; shift 2 ;;
	*) die "usage: $0 [--bump SUFFIX] [-o DIR]" ;;
	esac
done
[ -z "$bump" ] || [[ $bump =~ ^[+~.a-z0-9]+$ ]] || die "bad version suffix: $bump"
out=${out:-$top/build/deb${bump:+/bump}}

for tool in dpkg-buildpackage dh dh_dkms; do
	command -v "$tool" >/dev/null ||
		die "$tool missing (scripts/deps.sh, or apt-get install debhelper dh-dkms)"
done

ver=$(sed -n 's/^#define VPNMASQ_VERSION "\(.*\)"$/\1/p' kmod/version.h)
[ -n "$ver" ] || die "no VPNMASQ_VERSION in kmod/version.h"
chver=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$chver" = "$ver" ] ||
	die "debian/changelog is at $chver, kmod/version.h at $ver: add a changelog entry for $ver"

newver=$ver$bump
src=$out/vpnmasq-$newver
rm -rf "$src"
mkdir -p "$src"
# The files of this work tree (tracked, and new ones not ignored), as a
# developer's `make` would build them.
# shellcheck disable=SC2016 # the inner sh expands "$f"
git ls-files -z --cached --others --exclude-standard -- \
	Makefile Kconfig dkms.conf.in README.md kmod userspace doc packaging debian |
	xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' - |
	tar -c --null -T - | tar -x -C "$src"
rm -f "$out"/vpnmasq_"$newver"_*.deb "$out"/vpnmasq-dkms_"$newver"_*.deb \
	"$out"/vpnmasq_"$newver"_*.changes "$out"/vpnmasq_"$newver"_*.buildinfo

if [ -n "$bump" ]; then
	sed -i "s/^#define VPNMASQ_VERSION \".*\"$/#define VPNMASQ_VERSION \"$newver\"/" \
		"$src/kmod/version.h"
	{
		echo "vpnmasq ($newver) unstable; urgency=medium"
		echo
		echo "  * Test build of $ver with the version $newver (scripts/mkdeb.sh --bump)."
		echo
		echo " -- $(dpkg-parsechangelog -l debian/changelog -S Maintainer)  $(
			dpkg-parsechangelog -l debian/changelog -S Date)"
		echo
		cat debian/changelog
	} >"$src/debian/changelog"
fi

echo "mkdeb: building vpnmasq $newver in ${src#"$top"/}"
t0=$SECONDS
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$out/build-$newver.log" 2>&1 || {
	tail -n 40 "$out/build-$newver.log" >&2
	die "dpkg-buildpackage failed (see ${out#"$top"/}/build-$newver.log)"
}
for p in vpnmasq-dkms_"$newver"_all vpnmasq_"$newver"_"$(dpkg --print-architecture)"; do
	[ -s "$out/$p.deb" ] || die "no $out/$p.deb"
	echo "mkdeb: ${out#"$top"/}/$p.deb"
done
echo "mkdeb: built in $((SECONDS - t0)) s"
