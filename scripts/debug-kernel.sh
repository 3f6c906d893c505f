#!/bin/bash
# scripts/debug-kernel.sh build FLAVOUR | dir FLAVOUR | kver FLAVOUR
#
# A debug kernel for vpnmasq's VM tests, built from Debian's
# linux-source-6.12 with the trimmed configuration in
# scripts/debug-kernel/base.config plus one flavour:
#
#   kasan   KASAN (generic, inline, vmalloc), PROVE_LOCKING, PROVE_RCU,
#           DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS_RCU_HEAD, KMEMLEAK,
#           DEBUG_LIST, KFENCE                   (kasan.config)
#   kcsan   KCSAN (it excludes KASAN)            (kcsan.config)
#
# build: builds the kernel unless the cache already holds it, and prints
# the tree run-guest boots (scripts/vm/run-guest -K DIR): DIR/boot/vmlinuz-KVER
# and DIR/lib/modules/KVER, whose build/ is the kernel's object tree
# (KDIR for out-of-tree modules). dir: prints that tree if it is built,
# else exits 1. kver: its kernel release.
#
# The cache (VPNMASQ_CACHE, default /var/cache/vpnmasq) is keyed by the
# linux-source-6.12 package version, the configuration fragments, this
# script and the compiler: a change to any of them builds afresh; old
# builds of a flavour are removed once the new one is complete. Builds run
# under nice -n 19 with make -j2 (DEBUG_KERNEL_JOBS); the time each took
# is kept in DIR/build-time and build/debug/kernel-FLAVOUR.log.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
frag=$top/scripts/debug-kernel
cache=${VPNMASQ_CACHE:-/var/cache/vpnmasq}/debug-kernel
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${DEBUG_KERNEL_JOBS:-2}

say() { echo "debug-kernel: $*" >&2; }
usage() {
	echo "usage: scripts/debug-kernel.sh build|dir|kver kasan|kcsan" >&2
	exit 2
}
[ $# -eq 2 ] || usage
action=$1
flavour=$2
case $action in build | dir | kver) ;; *) usage ;; esac
[ -r "$frag/$flavour.config" ] || { say "no flavour $flavour ($frag/$flavour.config)"; usage; }
[ -r "$tarball" ] || { say "$tarball missing: apt-get install linux-source-6.12"; exit 1; }

srcver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || stat -c %s-%Y "$tarball")
key=$( {
	echo "$srcver"
	cat "$frag/base.config" "$frag/$flavour.config" "${BASH_SOURCE[0]}"
	gcc --version | head -n 1
} | sha1sum | cut -c1-12)
tree=$cache/$flavour-$key

if [ "$action" != build ]; then
	[ -f "$tree/done" ] || { say "$flavour ($key) is not built: scripts/debug-kernel.sh build $flavour"; exit 1; }
	case $action in
	dir) echo "$tree" ;;
	kver) cat "$tree/kver" ;;
	esac
	exit 0
fi

mkdir -p "$cache" "$top/build/debug"
log=$top/build/debug/kernel-$flavour.log
exec 9>"$cache/.lock-$flavour"
if ! flock -n 9; then
	say "another build of $flavour is running; waiting for it"
	flock 9
fi
if [ -f "$tree/done" ]; then
	say "$flavour: cached in $tree ($(cat "$tree/kver"), built in $(cat "$tree/build-time"))"
	echo "$tree"
	exit 0
fi

# The source, unpacked once per package version and shared by the flavours
# (they build with O=, the source tree stays clean).
src=$cache/src-$srcver
if [ ! -f "$src/.unpacked" ]; then
	say "unpacking $tarball into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	nice -n 19 tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.unpacked"
	mv "$src.tmp" "$src"
fi

# A changed fragment starts from the last object tree of this flavour
# (same source): kbuild rebuilds what the configuration change touches.
rm -rf "$tree"
obj=$tree/build
mkdir -p "$tree"
for old in "$cache/$flavour"-*; do
	[ -d "$old/build" ] && [ "$(cat "$old/srcver" 2>/dev/null)" = "$srcver" ] || continue
	say "starting from the object tree of $old"
	rm -f "$old/done"
	mv "$old/build" "$obj"
	break
done
mkdir -p "$obj"
echo "$srcver" >"$tree/srcver"
kmake() { nice -n 19 make -C "$src" O="$obj" ARCH=x86_64 "$@"; }
{
	echo "=== $(date -Is): $flavour debug kernel, linux-source-6.12 $srcver, key $key"
	echo "=== host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); make -j$jobs under nice -n 19"
} | tee "$log" >&2

# allnoconfig, the fragments merged on top, then every requested value
# checked: Kconfig silently drops what lacks a dependency.
(cd "$src" && ARCH=x86_64 nice -n 19 scripts/kconfig/merge_config.sh -n -O "$obj" \
	"$frag/base.config" "$frag/$flavour.config") >>"$log" 2>&1 ||
	{ say "configuration failed (see $log)"; exit 1; }
kmake -s olddefconfig >>"$log" 2>&1
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	opt=${want#\# }
	opt=${opt%%[= ]*}
	got=$(grep -E "^($opt=|# $opt is not set)" "$obj/.config" || true)
	if [ "$want" != "$got" ] && ! { [[ $want == "# "* ]] && [ -z "$got" ]; }; then
		say "configuration: wanted '$want', got '${got:-nothing}'"
		missing=$((missing + 1))
	fi
done < <(cat "$frag/base.config" "$frag/$flavour.config")
[ "$missing" -eq 0 ] || { say "$missing options did not make it into the configuration"; exit 1; }

t0=$(date +%s)
say "building the $flavour kernel in $obj (log: $log)"
if ! kmake -j"$jobs" bzImage modules >>"$log" 2>&1; then
	say "kernel build failed; the end of $log:"
	tail -n 30 "$log" >&2
	exit 1
fi
t1=$(date +%s)
kver=$(cat "$obj/include/config/kernel.release")
kmake -s INSTALL_MOD_PATH="$tree" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1
mkdir -p "$tree/boot"
cp "$obj/arch/x86/boot/bzImage" "$tree/boot/vmlinuz-$kver"
cp "$obj/System.map" "$tree/boot/System.map-$kver"
cp "$obj/.config" "$tree/boot/config-$kver"
ln -sfn "$obj" "$tree/lib/modules/$kver/build"
echo "$kver" >"$tree/kver"
secs=$((t1 - t0))
echo "$((secs / 60)) min $((secs % 60)) s (make -j$jobs bzImage modules, nice -n 19, load at the end $(cut -d' ' -f1-3 /proc/loadavg))" >"$tree/build-time"
touch "$tree/done"
echo "=== $(date -Is): built $kver in $(cat "$tree/build-time")" | tee -a "$log" >&2
# older builds of this flavour
find "$cache" -maxdepth 1 -name "$flavour-*" ! -name "$flavour-$key" -exec rm -rf {} +
echo "$tree"
