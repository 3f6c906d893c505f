#!/bin/bash
# `make check-intree`: builds vpnmasq inside real Linux trees, from the patch
# scripts/mkpatch.sh generates now from kmod/ (the patches are build
# products: build/patches/vpnmasq-linux-<series>.patch, as `make patches`
# writes them; nothing of them is committed). Per kernel series of
# patches/series (Debian's linux-source tarball):
#
#   1. extract it under build/intree/<series> (kept and reused while the
#      tarball is unchanged; the last patch applied is reverted first)
#   2. the patch is generated, and generating it again gives the same bytes;
#      it applies: `patch -p1 --dry-run`, `git apply --check`, then
#      `patch -p1`
#   3. Debian's config of that kernel + `scripts/config --module NF_VPNMASQ`
#      + `make olddefconfig` keeps CONFIG_NF_VPNMASQ=m, and loses it when a
#      dependency the code needs is switched off
#   4. `make modules_prepare`, then `make M=net/netfilter/vpnmasq modules`
#      against Debian's Module.symvers: vpnmasq.ko built, no warning;
#      net/netfilter/Makefile descends into vpnmasq/ for this config
#   5. the uapi header passes headers_install.sh and compiles in userspace
#   6. the tree's checkpatch.pl passes the patch (but for the MAINTAINERS
#      and Signed-off-by reminders)
#
# Prints PASS/FAIL lines and the time of each phase; exit 1 if any failed.
# Usage: scripts/check-intree.sh [SERIES|all]   (default: all of patches/series)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
srcdir=${LINUX_SOURCE_DIR:-/usr/src}
work=$top/build/intree
jobs=${JOBS:-2}

mapfile -t all_series < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' patches/series)
case ${1:-all} in
all) series=("${all_series[@]}") ;;
*)
	[[ " ${all_series[*]} " == *" $1 "* ]] ||
		{ echo "usage: $0 [$(IFS='|'; echo "${all_series[*]}")|all]" >&2; exit 2; }
	series=("$1")
	;;
esac

# The kernel's make must not see our make's variables (make check-intree
# KVER=..., jobserver) nor a cross or out-of-tree setup from the caller.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KBUILD_OUTPUT O ARCH \
	CROSS_COMPILE KCFLAGS KCPPFLAGS KBUILD_EXTRA_SYMBOLS

mkdir -p "$work"
exec 9>"$work/.lock"
flock -n 9 || { echo "check-intree: another run holds $work/.lock, waiting" >&2; flock 9; }

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# show LOG: the end of a failed phase's log
show() { tail -n 30 "$1" | sed 's/^/    /'; }

# check_series SERIES
check_series() {
	local v=$1 dir=$work/$1 kver tarball=$srcdir/linux-source-$1.tar.xz
	local tree=$dir/linux-source-$1 stamp t reuse=0
	local base=$top/build/mkpatch/linux-source-$1 # mkpatch.sh's cache
	local fresh=$top/build/patches/vpnmasq-linux-$v.patch
	local t_extract=0 t_prepare=0 t_build=0

	echo "--- Linux $v"
	mkdir -p "$dir"
	kver=$(scripts/kernels.sh | grep -E "^${v//./\\.}\." | head -n 1)
	if [ -z "$kver" ] || [ ! -f "/usr/src/linux-headers-$kver/.config" ]; then
		fail "$v: no installed linux-headers of a $v kernel (scripts/deps.sh)"
		return
	fi
	if [ ! -f "$tarball" ]; then
		fail "$v: $tarball missing (scripts/deps.sh)"
		return
	fi

	# 1. the tree: reuse it if the tarball is the one it came from and the
	# previous run's patch reverts cleanly to the tarball's files.
	stamp=$(stat -c '%n %s %Y' "$tarball")
	if [ -d "$tree" ] && [ "$(cat "$dir/tree.stamp" 2>/dev/null)" = "$stamp" ]; then
		reuse=1
		if [ -f "$dir/applied.patch" ]; then
			if (cd "$tree" && patch -p1 -R -s -f --dry-run <"$dir/applied.patch" >/dev/null &&
				patch -p1 -R -s -f <"$dir/applied.patch" >/dev/null); then
				rm -f "$dir/applied.patch"
			else
				reuse=0
			fi
		fi
		rm -rf "$tree/net/netfilter/vpnmasq" "$tree/include/uapi/linux/vpnmasq.h"
		# against mkpatch.sh's copy of the two files the patch changes
		[ "$(cat "$base.stamp" 2>/dev/null)" = "$stamp" ] &&
			cmp -s "$tree/net/netfilter/Kconfig" "$base/net/netfilter/Kconfig" &&
			cmp -s "$tree/net/netfilter/Makefile" "$base/net/netfilter/Makefile" ||
			reuse=0
	fi
	if [ $reuse -eq 1 ]; then
		echo "$v: reusing $tree"
	else
		rm -rf "$tree" "$dir/tree.stamp" "$dir/applied.patch"
		t=$SECONDS
		if ! tar -xJf "$tarball" -C "$dir"; then
			fail "$v: extracting $tarball"
			return
		fi
		t_extract=$((SECONDS - t))
		echo "$stamp" >"$dir/tree.stamp"
		# hand mkpatch.sh its two files, saving a second decompression
		rm -rf "$base" "$base.stamp"
		mkdir -p "$base/net/netfilter"
		cp "$tree/net/netfilter/Kconfig" "$tree/net/netfilter/Makefile" "$base/net/netfilter/"
		echo "$stamp" >"$base.stamp"
	fi

	# The patch, as `make patches` makes it of the sources now, and once
	# more: the same bytes (it depends on nothing but the sources).
	if ! scripts/mkpatch.sh "$v" >"$dir/mkpatch.log" 2>&1 || [ ! -s "$fresh" ] ||
		! scripts/mkpatch.sh -o "$dir/again.patch" "$v" >>"$dir/mkpatch.log" 2>&1; then
		fail "$v: scripts/mkpatch.sh failed (see $dir/mkpatch.log)"
		show "$dir/mkpatch.log"
		return
	fi
	if cmp -s "$fresh" "$dir/again.patch"; then
		pass "$v: ${fresh#"$top"/} generated ($(wc -l <"$fresh") lines), the same bytes twice"
	else
		fail "$v: scripts/mkpatch.sh gives different output on a second run"
		diff -u "$fresh" "$dir/again.patch" 2>&1 | head -n 20 | sed 's/^/    /'
	fi
	rm -f "$dir/again.patch"

	# 2. the fresh patch applies. The tree lies inside vpnmasq's own git
	# checkout, where `git apply` would skip every path outside it: stop
	# git looking for a repository above the tree.
	if (cd "$tree" && patch -p1 --dry-run -f <"$fresh") >"$dir/patch.log" 2>&1 &&
		(cd "$tree" && GIT_CEILING_DIRECTORIES=$dir git apply --check "$fresh") >>"$dir/patch.log" 2>&1 &&
		(cd "$tree" && patch -p1 -s -f <"$fresh") >>"$dir/patch.log" 2>&1; then
		cp "$fresh" "$dir/applied.patch"
		pass "$v: patch applies (patch -p1 --dry-run, git apply --check, patch -p1)"
	else
		fail "$v: patch does not apply (see $dir/patch.log)"
		show "$dir/patch.log"
		# whatever half of it went in is undone by extracting again
		rm -f "$dir/tree.stamp"
		return
	fi

	# 3. Kconfig: Debian's config + NF_VPNMASQ=m
	cp "/usr/src/linux-headers-$kver/.config" "$tree/.config"
	if (cd "$tree" && scripts/config --module NF_VPNMASQ &&
		make -s olddefconfig) >"$dir/config.log" 2>&1 &&
		grep -qx 'CONFIG_NF_VPNMASQ=m' "$tree/.config"; then
		pass "$v: CONFIG_NF_VPNMASQ=m survives olddefconfig on the config of $kver"
	else
		fail "$v: CONFIG_NF_VPNMASQ=m lost by olddefconfig on the config of $kver (see $dir/config.log)"
		show "$dir/config.log"
		return
	fi
	# Each dependency switched off must take NF_VPNMASQ with it. (NF_NAT is
	# selected by other options and NF_NAT_PPTP follows NF_CONNTRACK_PPTP:
	# they come back on, so they are not tried on their own.)
	local dep off=() lost=()
	for dep in NF_CONNTRACK_ZONES NF_CONNTRACK_PPTP; do
		cp "$tree/.config" "$dir/nodep.config"
		(cd "$tree" && scripts/config --file "$dir/nodep.config" --disable "$dep" &&
			make -s KCONFIG_CONFIG="$dir/nodep.config" olddefconfig) >>"$dir/config.log" 2>&1
		grep -q "^CONFIG_$dep=" "$dir/nodep.config" && continue
		[ $dep = NF_CONNTRACK_PPTP ] && ! grep -q '^CONFIG_NF_NAT_PPTP=' "$dir/nodep.config" &&
			dep+=/NF_NAT_PPTP
		off+=("$dep")
		grep -q '^CONFIG_NF_VPNMASQ=' "$dir/nodep.config" && lost+=("$dep")
	done
	rm -f "$dir/nodep.config" "$dir/nodep.config.old"
	if [ ${#off[@]} -gt 0 ] && [ ${#lost[@]} -eq 0 ]; then
		pass "$v: Kconfig drops NF_VPNMASQ without $(IFS=,; echo "${off[*]}")"
	else
		fail "$v: NF_VPNMASQ stays enabled without ${lost[*]:-(nothing could be switched off)}"
	fi

	# 4. modules_prepare, then the module against Debian's symbols
	cp "/usr/src/linux-headers-$kver/Module.symvers" "$tree/Module.symvers"
	t=$SECONDS
	if (cd "$tree" && make -j"$jobs" modules_prepare) >"$dir/prepare.log" 2>&1; then
		t_prepare=$((SECONDS - t))
		pass "$v: make modules_prepare (${t_prepare}s)"
	else
		fail "$v: make modules_prepare (see $dir/prepare.log)"
		show "$dir/prepare.log"
		return
	fi
	local subdirs
	subdirs=$(cd "$tree" && make -s -f - <<'EOF' 2>&1
include include/config/auto.conf
include net/netfilter/Makefile
all: ; @echo $(filter vpnmasq/,$(obj-m) $(obj-y))
EOF
	)
	if [ "$subdirs" = vpnmasq/ ]; then
		pass "$v: net/netfilter/Makefile descends into vpnmasq/ (obj-m)"
	else
		fail "$v: net/netfilter/Makefile does not build vpnmasq/ with this config: $subdirs"
	fi

	t=$SECONDS
	(cd "$tree" && make -j"$jobs" M=net/netfilter/vpnmasq modules) >"$dir/build.log" 2>&1
	local rc=$?
	t_build=$((SECONDS - t))
	if [ $rc -ne 0 ] || [ ! -f "$tree/net/netfilter/vpnmasq/vpnmasq.ko" ]; then
		fail "$v: in-tree build of net/netfilter/vpnmasq (see $dir/build.log)"
		show "$dir/build.log"
	elif grep -qiE 'warning:|error:' "$dir/build.log"; then
		fail "$v: in-tree build of net/netfilter/vpnmasq has warnings (see $dir/build.log)"
		grep -iE -A3 'warning:|error:' "$dir/build.log" | head -n 40 | sed 's/^/    /'
	else
		pass "$v: in-tree build of net/netfilter/vpnmasq/vpnmasq.ko, no warning (${t_build}s; $(
			modinfo -F vermagic "$tree/net/netfilter/vpnmasq/vpnmasq.ko" | cut -d' ' -f1);" \
			"depends: $(modinfo -F depends "$tree/net/netfilter/vpnmasq/vpnmasq.ko"))"
	fi

	# 5. the uapi header as headers_install makes it, alone in userspace
	mkdir -p "$dir/usr/linux"
	if (cd "$tree" && make -s scripts_unifdef && sh scripts/headers_install.sh include/uapi/linux/vpnmasq.h \
		"$dir/usr/linux/vpnmasq.h") >"$dir/uapi.log" 2>&1 &&
		echo '#include <linux/vpnmasq.h>' |
		gcc -fsyntax-only -Wall -Wextra -Werror -I"$dir/usr" -x c - >>"$dir/uapi.log" 2>&1; then
		pass "$v: include/uapi/linux/vpnmasq.h passes headers_install.sh and compiles alone"
	else
		fail "$v: include/uapi/linux/vpnmasq.h as a uapi header (see $dir/uapi.log)"
		show "$dir/uapi.log"
	fi

	# 6. checkpatch.pl of that tree on the patch as a whole (Kconfig help,
	# Makefiles, the commit message); no MAINTAINERS entry or sign-off here.
	# netdev's own block comment style: 6.12's checkpatch dropped it.
	if (cd "$tree" && perl scripts/checkpatch.pl --show-types --terse \
		--ignore FILE_PATH_CHANGES,MISSING_SIGN_OFF,NETWORKING_BLOCK_COMMENT_STYLE \
		"$fresh") >"$dir/checkpatch.log" 2>&1; then
		pass "$v: the patch passes its tree's checkpatch.pl"
	else
		fail "$v: checkpatch.pl on the patch (see $dir/checkpatch.log)"
		show "$dir/checkpatch.log"
	fi

	echo "$v: times: extract ${t_extract}s$([ $reuse -eq 1 ] && echo ' (reused)'), modules_prepare ${t_prepare}s, build ${t_build}s"
}

t0=$SECONDS
for v in "${series[@]}"; do
	check_series "$v"
done
echo "check-intree: $passed passed, $failed failed in $((SECONDS - t0))s"
[ "$failed" -eq 0 ]
