#!/bin/sh
# Prints the installed Debian 12 kernels vpnmasq targets (6.1 and 6.12,
# amd64 flavour), newest ABI of each series, as found in /lib/modules.
for series in '6.1.0-*-amd64' '6.12.*-amd64'; do
	# shellcheck disable=SC2086 # the pattern is meant to glob
	ls -d /lib/modules/$series/build 2>/dev/null | sort -V | tail -n 1
done | sed 's|^/lib/modules/||; s|/build$||'
