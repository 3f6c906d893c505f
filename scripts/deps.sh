#!/bin/bash
# Installs what building and testing vpnmasq needs on Debian 12 (as root).
# Quiet and quick when everything is already there.
set -euo pipefail

pkgs=(
	# build
	build-essential cmake pkg-config kmod xz-utils
	linux-headers-amd64 linux-headers-6.12-amd64
	libnl-genl-3-dev libnl-3-dev libcli11-dev nlohmann-json3-dev libfmt-dev
	libgtest-dev libbenchmark-dev clang libclang-rt-14-dev
	# quality gates: checkpatch comes from the kernel source tarballs
	sparse linux-source-6.1 linux-source-6.12
	# make check-intree: building in the kernel trees themselves
	flex bison bc libelf-dev libssl-dev
	# the VM: Debian's 6.1 and 6.12 kernels under qemu
	linux-image-amd64 linux-image-6.12-amd64 qemu-system-x86 busybox-static
	# guest test tools and real VPN peers
	iproute2 nftables conntrack iputils-ping procps util-linux tcpdump jq
	python3-scapy libreswan pptpd pptp-linux ppp
	# packaging: man pages, DKMS, the unit check, man page rendering
	scdoc dkms systemd groff-base man-db bash-completion
	# make deb, make lintian (the VM package test uses apt, dpkg, util-linux)
	debhelper dh-dkms lintian
	# the package test's DKMS compiles, filled on the host (scripts/dkms-ccache.sh)
	ccache
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vpnmasq: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "vpnmasq: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
