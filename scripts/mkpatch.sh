#!/bin/bash
# Generates, from the current kmod/ sources, a patch that adds vpnmasq to a
# Linux source tree (`make patches` runs it for every target series):
#
#   net/netfilter/vpnmasq/*.c *.h   kmod/*.c kmod/*.h as they are, and
#   net/netfilter/vpnmasq/core/     kmod/core/*.c *.h
#   net/netfilter/vpnmasq/Makefile  obj-$(CONFIG_NF_VPNMASQ) and the objects
#                                   of kmod/Kbuild's vpnmasq-y
#   net/netfilter/vpnmasq/Kconfig   the top-level Kconfig (config NF_VPNMASQ)
#   include/uapi/linux/*.h          kmod/include/uapi/linux/*.h
#   net/netfilter/Kconfig           sources vpnmasq/Kconfig  } hunks made against
#   net/netfilter/Makefile          obj-... += vpnmasq/      } Debian's linux-source
#
# The output is a git-style diff (a/ and b/ prefixes) behind a mail-like
# header, for `patch -p1`, `git apply` and `git am`. It depends only on the
# sources and the tarball, never on the date or the user: regenerating it
# gives the same bytes (scripts/check-intree.sh checks that).
#
# The patches are build products, like vpnmasq.ko: the repository keeps
# one copy of the module's code (kmod/) and, in patches/, only what cannot
# be generated: patches/series (the kernel series, one a line) and README.
#
# Usage: scripts/mkpatch.sh [-o FILE|-] [SERIES|all]
#   default: every series of patches/series, written to
#   build/patches/vpnmasq-linux-<series>.patch
#   -o FILE (or - for stdout) with one series only
# shellcheck disable=SC2016 # $(CONFIG_...) is make's, in single quotes on purpose
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=${LINUX_SOURCE_DIR:-/usr/src}

die() { echo "mkpatch: $*" >&2; exit 1; }

# patches/series: one kernel series a line (# comments)
mapfile -t all_series < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$top/patches/series")
[ ${#all_series[@]} -gt 0 ] || die "patches/series lists no kernel series"

out=
if [ "${1:-}" = -o ]; then
	[ $# -ge 2 ] || die "-o needs a file name"
	out=$2
	shift 2
fi
case ${1:-all} in
all) series=("${all_series[@]}") ;;
*)
	[[ " ${all_series[*]} " == *" $1 "* ]] ||
		die "usage: $0 [-o FILE|-] [$(IFS='|'; echo "${all_series[*]}")|all]"
	series=("$1")
	;;
esac
[ -z "$out" ] || [ ${#series[@]} -eq 1 ] || die "-o needs one series (one of: ${all_series[*]})"

# Everything git reads comes from here, never from the user's configuration.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C
export GIT_AUTHOR_NAME=mkpatch GIT_AUTHOR_EMAIL=mkpatch@invalid
export GIT_COMMITTER_NAME=mkpatch GIT_COMMITTER_EMAIL=mkpatch@invalid
export GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'

# base_tree SERIES: a cache of the two files the patch changes in context,
# extracted once per tarball (decompressing it takes ~10 s). Prints its path.
base_tree() {
	local v=$1 tarball=$srcdir/linux-source-$1.tar.xz
	local cache=$top/build/mkpatch/linux-source-$v stamp
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-$v)"
	stamp=$(stat -c '%n %s %Y' "$tarball")
	if [ "$(cat "$cache.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$cache" "$cache.stamp"
		mkdir -p "$cache"
		tar -xJf "$tarball" -C "$cache" --strip-components=1 \
			"linux-source-$v/net/netfilter/Kconfig" \
			"linux-source-$v/net/netfilter/Makefile"
		echo "$stamp" >"$cache.stamp"
	fi
	echo "$cache"
}

# The objects of vpnmasq-y in kmod/Kbuild. Any statement mkpatch does not
# know how to carry into the tree is an error rather than silently dropped.
kbuild_objects() {
	awk '
		{ sub(/#.*/, "") }
		/\\[ \t]*$/ { sub(/\\[ \t]*$/, " "); line = line $0; next }
		{ line = line $0; $0 = line; line = "" }
		NF == 0 { next }
		$1 == "obj-$(CONFIG_NF_VPNMASQ)" && $2 == "+=" && $3 == "vpnmasq.o" && NF == 3 { next }
		$1 == "ccflags-y" && $2 == "+=" && $3 == "-I$(src)/include/uapi" && NF == 3 { next }
		$1 == "vpnmasq-y" && ($2 == ":=" || $2 == "+=") {
			for (i = 3; i <= NF; i++) objs = objs " " $i
			next
		}
		{ print "mkpatch: kmod/Kbuild: cannot carry into the tree: " $0 > "/dev/stderr"; bad = 1 }
		END { if (bad) exit 1; print objs }
	' "$top/kmod/Kbuild"
}

# in_tree_makefile OBJS...: net/netfilter/vpnmasq/Makefile
in_tree_makefile() {
	local line="vpnmasq-y := " o
	echo '# SPDX-License-Identifier: GPL-2.0'
	echo '#'
	echo '# Makefile for vpnmasq, IPsec and PPTP masquerading for several hosts.'
	echo '#'
	echo
	echo 'obj-$(CONFIG_NF_VPNMASQ) += vpnmasq.o'
	echo
	for o in "$@"; do
		if [ $((${#line} + ${#o})) -gt 72 ]; then
			echo "$line\\"
			line=$'\t'
		fi
		line+="$o "
	done
	echo "${line% }"
}

# insert_at before|after FILE ANCHOR TEXT: inserts TEXT; the anchor is a
# whole line that must occur exactly once.
insert_at() {
	local where=$1 file=$2 anchor=$3 text=$4
	local n
	n=$(grep -cxF -- "$anchor" "$file" || true)
	[ "$n" -eq 1 ] || die "${file#"$tree"/}: expected the line '$anchor' once, found it $n times"
	where=$where anchor=$anchor text=$text awk '
		$0 == ENVIRON["anchor"] && ENVIRON["where"] == "before" { print ENVIRON["text"] }
		{ print }
		$0 == ENVIRON["anchor"] && ENVIRON["where"] == "after" { print ENVIRON["text"] }
	' "$file" >"$file.new"
	mv "$file.new" "$file"
}

version=$(sed -n 's/^#define VPNMASQ_VERSION "\(.*\)"$/\1/p' "$top/kmod/version.h")
[ -n "$version" ] || die "no VPNMASQ_VERSION in kmod/version.h"
read -r -a objs <<<"$(kbuild_objects)"
[ ${#objs[@]} -gt 0 ] || die "kmod/Kbuild: no vpnmasq-y objects"
for o in "${objs[@]}"; do
	[ -f "$top/kmod/${o%.o}.c" ] || die "kmod/Kbuild lists $o but there is no kmod/${o%.o}.c"
done
grep -q '^config NF_VPNMASQ$' "$top/Kconfig" || die "no 'config NF_VPNMASQ' in Kconfig"
shopt -s nullglob
csrc=("$top"/kmod/*.c "$top"/kmod/*.h "$top"/kmod/core/*.c "$top"/kmod/core/*.h)
uapi=("$top"/kmod/include/uapi/linux/*.h)
shopt -u nullglob

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# mkpatch_one SERIES: the patch on stdout
mkpatch_one() {
	local v=$1 base tree=$work/$1 f
	base=$(base_tree "$v")
	mkdir -p "$tree/net/netfilter"
	cp "$base/net/netfilter/Kconfig" "$base/net/netfilter/Makefile" "$tree/net/netfilter/"
	git -C "$tree" -c init.defaultBranch=main init -q
	git -C "$tree" add -A
	git -C "$tree" commit -q -m "linux-source-$v"

	# Inside "Core Netfilter Configuration", after the NAT helpers, where
	# NF_CONNTRACK is already given; after IPVS in the Makefile.
	insert_at before "$tree/net/netfilter/Kconfig" 'endif # NF_CONNTRACK' \
		"source \"net/netfilter/vpnmasq/Kconfig\""$'\n'
	insert_at after "$tree/net/netfilter/Makefile" 'obj-$(CONFIG_IP_VS) += ipvs/' \
		$'\n''# vpnmasq'$'\n''obj-$(CONFIG_NF_VPNMASQ) += vpnmasq/'

	mkdir -p "$tree/net/netfilter/vpnmasq/core" "$tree/include/uapi/linux"
	for f in "${csrc[@]}"; do
		cp "$f" "$tree/net/netfilter/vpnmasq/${f#"$top"/kmod/}"
	done
	for f in "${uapi[@]}"; do
		cp "$f" "$tree/include/uapi/linux/"
	done
	cp "$top/Kconfig" "$tree/net/netfilter/vpnmasq/Kconfig"
	in_tree_makefile "${objs[@]}" >"$tree/net/netfilter/vpnmasq/Makefile"
	chmod 0644 "$tree/net/netfilter/vpnmasq"/*.* "$tree/net/netfilter/vpnmasq"/Makefile \
		"$tree/net/netfilter/vpnmasq"/Kconfig "$tree/net/netfilter/vpnmasq/core"/* \
		"$tree/include/uapi/linux"/*
	git -C "$tree" add -A

	cat <<EOF
From: vpnmasq <vpnmasq@invalid>
Subject: [PATCH] netfilter: add vpnmasq, IPsec and PPTP through one masquerade

Stock masquerading serves one host behind a NAT gateway per remote VPN
server at best: a second host's IKE (UDP 500) is remapped to another
source port, which IKEv1 peers without NAT traversal refuse; its raw ESP
is tracked by addresses only and dropped; PPTP needs the conntrack
helper, which nothing attaches since Linux 6.0.

vpnmasq (NF_VPNMASQ) lets several LAN hosts run IPsec and PPTP clients
through one IPv4 masquerading gateway at the same time, also to the same
remote. It works inside conntrack: each LAN host's VPN flows get a
reply-direction conntrack zone of their own, chosen before conntrack
sees the packet, so the ordinary masquerade rule keeps port 500 and
conntrack lists every flow.

- ISAKMP/IKE: inbound messages go to the host owning their initiator
  cookie (IKEv1) or SPI (IKEv2).
- Raw ESP: an inbound SPI is bound to the host that has just negotiated
  with that remote (read from the cleartext ISAKMP headers), else by
  serializing new SAs per remote; other hosts' new SAs to the same remote
  wait briefly.
- PPTP: the kernel's PPTP conntrack and NAT helpers are attached to
  forwarded TCP 1723; a dead call's GRE entry ends with its call.

State is per network namespace. It is configured and inspected over the
generic netlink family "vpnmasq" (include/uapi/linux/vpnmasq.h), e.g.
with vpnmasq-ctl.

vpnmasq $version for Linux $v, generated by scripts/mkpatch.sh.
---
EOF
	git -C "$tree" -c core.abbrev=12 diff --cached --no-color --no-renames \
		--stat=72 --summary
	echo
	git -C "$tree" -c core.abbrev=12 diff --cached --no-color --no-renames \
		--no-ext-diff --src-prefix=a/ --dst-prefix=b/
}

for v in "${series[@]}"; do
	if [ "$out" = - ]; then
		mkpatch_one "$v"
	else
		dest=${out:-$top/build/patches/vpnmasq-linux-$v.patch}
		mkdir -p "$(dirname "$dest")"
		mkpatch_one "$v" >"$dest.tmp"
		mv "$dest.tmp" "$dest"
		echo "mkpatch: wrote ${dest#"$top"/}"
	fi
done
