#!/bin/bash
# `make check`: every test and quality gate of vpnmasq, on both target
# kernels. Installs its own dependencies. Each item prints PASS/FAIL; the
# last line is "N passed, N failed" and the exit code is 0 only if none
# failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/build/check
mkdir -p "$logs"

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# step NAME LOG CMD...: one gate, its output kept in LOG, shown on failure
step() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		pass "$name"
	else
		fail "$name (see $log)"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}
# count_ctest DIR NAME: every GoogleTest case counts once
count_ctest() {
	local dir=$1 name=$2 log=$logs/$2.log
	ctest --test-dir "$dir" --output-on-failure --timeout 300 >"$log" 2>&1
	local line p f
	line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log")
	if [ -z "$line" ]; then
		fail "$name: ctest ran no test (see $log)"
		return
	fi
	f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
	p=$(( $(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line") - f ))
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$name: $p passed, $f failed"
	grep -E '^\s+[0-9]+ - .*\(Failed\)' "$log" | sed 's/^ */FAIL: /'
}

step "dependencies installed" "$logs/deps.log" scripts/deps.sh || true
mapfile -t kernels < <(scripts/kernels.sh)
[ ${#kernels[@]} -eq 2 ] && pass "both target kernels installed: ${kernels[*]}" ||
	fail "expected the 6.1 and 6.12 kernels, found: ${kernels[*]:-none}"

# userspace: tool, its unit tests, the module core compiled in userspace
step "vpnmasq-ctl builds (-Werror)" "$logs/tool.log" make tool
count_ctest build/userspace "vpnmasq-ctl unit tests"
step "module core builds in userspace" "$logs/core.log" \
	sh -c 'cmake -S tests/core -B build/core >/dev/null && cmake --build build/core -j2'
count_ctest build/core "module core unit tests"
# fuzzing and benchmarks: a short run here, the long ones in make fuzz/bench
step "fuzz targets run 200 000 executions each from their seeds" "$logs/fuzz.log" \
	scripts/fuzz.sh 200000
step "core benchmarks build and run once" "$logs/bench.log" \
	sh -c 'cmake -S tests/bench -B build/bench >/dev/null && cmake --build build/bench -j2 &&
		build/bench/core-bench --benchmark_min_time=0 --benchmark_filter=/1024'
step "benchmark traffic tools build (-Werror)" "$logs/perf.log" \
	sh -c 'cmake -S tests/perf -B build/perf >/dev/null && cmake --build build/perf -j2'
step "benchmark report renders" "$logs/report.log" \
	sh -c 'build/bench/core-bench --benchmark_min_time=0 --benchmark_filter=/1024 \
		--benchmark_repetitions=2 --benchmark_report_aggregates_only=true \
		--benchmark_out=build/bench/smoke.csv --benchmark_out_format=csv >/dev/null &&
		tests/perf/report.sh build/bench/smoke.csv | grep -E "ISAKMP lookup, inbound, busy flows \(ns\) +[0-9.]+ "'

# kernel side: build without warnings, sparse, checkpatch
for k in "${kernels[@]}"; do
	step "module builds for $k without warnings" "$logs/build-$k.log" \
		make module KVER="$k" WERROR=1
	step "sparse (C=2) clean for $k" "$logs/sparse-$k.log" \
		sh -c "make sparse KVER='$k' 2>&1 | tee /dev/stderr | { ! grep -E 'warning:|error:'; }"
done
step "checkpatch clean on kmod/" "$logs/checkpatch.log" scripts/checkpatch.sh

# packaging: man pages in step with the code, the systemd unit, DKMS
step "man pages document every command, option, tunable and counter" \
	"$logs/man.log" scripts/check-man.sh
if command -v systemd-analyze >/dev/null; then
	step "systemd-analyze verify vpnmasq.service" "$logs/unit.log" \
		scripts/check-packaging.sh unit
else
	echo "SKIP (not counted): systemd-analyze missing, vpnmasq.service not verified"
fi
for k in "${kernels[@]}"; do
	step "DKMS builds the module for $k" "$logs/dkms-$k.log" \
		scripts/check-packaging.sh dkms "$k"
done
# Debian packages: make deb (the tool's unit tests run in the build),
# lintian, a build of version +test1 for the upgrade test, then apt in a VM
# boot of its own per kernel (tests/vm/deb_packages.sh). Each DKMS build in
# the postinst takes minutes under TCG: the newest kernel's run does
# install, upgrade, remove, purge, reinstall (3 builds), the older kernel's
# install, remove, purge (1 build); DEB_TEST_SKIP= does all of it and a
# newer kernel's headers arriving. The times are in packaging/README.
step "make deb: vpnmasq-dkms and vpnmasq (debhelper, dh-dkms)" "$logs/deb.log" \
	nice -n 10 scripts/mkdeb.sh
step "lintian: no error or warning on either package" "$logs/lintian.log" make lintian
step "make deb of version +test1 for the upgrade test" "$logs/deb-bump.log" \
	env DEB_BUILD_OPTIONS=nocheck nice -n 10 scripts/mkdeb.sh --bump +test1
step "the in-tree patches generate, apply and build in the 6.1 and 6.12 trees" \
	"$logs/intree.log" scripts/check-intree.sh

# The VM runs: every tests/vm/t_*.sh once per kernel, and the package test
# in a boot of its own per kernel (deb_packages.sh; the newest kernel's run
# does install, upgrade, remove, purge, reinstall, the older kernel's
# install, remove, purge; DEB_TEST_SKIP= does all of it and a newer
# kernel's headers arriving). Two run at a time: a run spends much of its
# time waiting for peers, timers and its own guest, so two share the 2 cores
# well; two runs of one kernel never overlap (they share build/vm/'s
# initramfs). Each run's lines come out when it ends; its log keeps them.
vm_names=() vm_kvers=() vm_logs=() vm_what=() vm_cmds=()
# vm_job NAME KVER LOG WHAT CMD...: queue a run
vm_job() {
	local IFS=$'\x1f'
	vm_names+=("$1") vm_kvers+=("$2") vm_logs+=("$3") vm_what+=("$4")
	shift 4
	vm_cmds+=("$*")
}
# vm_report I: the outcome of run I, counted
vm_report() {
	local i=$1 log=${vm_logs[$1]} rc p f
	rc=$(cat "$log.rc" 2>/dev/null || echo 1)
	echo "--- ${vm_names[i]}: exit $rc"
	grep -E '^(PASS|FAIL|===)|^vpnmasq-vm:' "$log"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -eq 0 ] && [ "$p" -gt 0 ]; then
		pass "${vm_names[i]}: ${vm_what[i]} ($p checks, kernel log clean)"
	else
		fail "${vm_names[i]} exited $rc with $p passed, $f failed (see $log)"
	fi
}
# vm_run_all: the queued runs, at most VM_PARALLEL (2) at once
vm_run_all() {
	local max=${VM_PARALLEL:-2}
	local -A pid_of=() kver_busy=()
	local todo=("${!vm_names[@]}") running=() i j next started
	while [ ${#todo[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
		started=0
		if [ ${#running[@]} -lt "$max" ]; then
			for j in "${!todo[@]}"; do
				i=${todo[j]}
				[ -n "${kver_busy[${vm_kvers[i]}]:-}" ] && continue
				echo "--- ${vm_names[i]} started"
				(
					local IFS=$'\x1f'
					# shellcheck disable=SC2086 # the words of the queued command
					set -- ${vm_cmds[i]}
					"$@" >"${vm_logs[i]}" 2>&1
					echo $? >"${vm_logs[i]}.rc"
				) &
				pid_of[$i]=$!
				kver_busy[${vm_kvers[i]}]=1
				running+=("$i")
				unset "todo[j]"
				todo=("${todo[@]}")
				started=1
				break
			done
		fi
		[ "$started" = 1 ] && continue
		wait -n "${pid_of[@]}" 2>/dev/null
		next=()
		for i in "${running[@]}"; do
			if kill -0 "${pid_of[$i]}" 2>/dev/null; then
				next+=("$i")
			else
				wait "${pid_of[$i]}" 2>/dev/null
				unset "kver_busy[${vm_kvers[i]}]"
				unset "pid_of[$i]"
				vm_report "$i"
			fi
		done
		running=("${next[@]}")
	done
}

for k in "${kernels[@]}"; do
	vm_job "VM run on $k" "$k" "$logs/vm-$k.log" "every tests/vm/t_*.sh" \
		scripts/vm/run-guest -k "$k" -t 3600 -- env VM_TEST_TIMEOUT=1200 tests/vm/run-all.sh
done
for k in "${kernels[@]}"; do
	skip="upgrade newer-kernel reinstall"
	[ "$k" = "${kernels[-1]}" ] && skip=
	vm_job "VM package test on $k" "$k" "$logs/vm-deb-$k.log" \
		"apt-get install, systemctl start, tunnels, ${skip:+no }upgrade, remove, purge, ${skip:+no }reinstall" \
		scripts/vm/run-guest -k "$k" -t 3600 -- env VM_TEST_TIMEOUT=3300 DEB_TEST_SKIP="$skip" \
		tests/vm/run-all.sh tests/vm/deb_packages.sh
done
vm_run_all

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
