#!/bin/bash
# Runs the kernel's checkpatch.pl (from Debian's linux-source-6.12 tarball,
# which linux-kbuild does not ship) over every kmod/ source. Exit 1 on any
# error or warning.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/build/checkpatch
tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null || ls /usr/src/linux-source-6.1.tar.xz)
if [ ! -x "$cache/scripts/checkpatch.pl" ] || [ "$tarball" -nt "$cache/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	prefix=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$cache" --strip-components=1 \
		"$prefix/scripts/checkpatch.pl" "$prefix/scripts/spelling.txt" \
		"$prefix/scripts/const_structs.checkpatch"
	touch "$cache/scripts/checkpatch.pl"
fi
cd "$top"
mapfile -t files < <(find kmod -name '*.[ch]' | sort)
"$cache/scripts/checkpatch.pl" --no-tree --strict --show-types --terse \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f "${files[@]}" | tee "$top/build/checkpatch.log"
! grep -qE ': (ERROR|WARNING|CHECK):' "$top/build/checkpatch.log"
