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

. scripts/gates.sh
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

# The VM runs, per kernel: the tests that need no second CPU in a boot
# with one vCPU, those that race CPUs against each other (hostile floods,
# teardown under traffic: SMP_TESTS) in a boot with two, and the package
# test in a boot of its own (deb_packages.sh; the newest kernel's run does
# install, upgrade, remove, purge, reinstall, the older kernel's install,
# remove, purge; DEB_TEST_SKIP= does all of it and a newer kernel's headers
# arriving). Under TCG a guest's CPUs cost host CPU whether they work or
# wait for each other, so one vCPU is the cheaper boot where SMP is not the
# point. They run in the background, VM_PARALLEL (2) at once, from as soon
# as the module, the tool and the traffic tools are built, while the other
# gates run here; a job waits for the file it needs (the package test for
# the .debs). Each run's lines come out at the end; its log keeps them.
# The one-vCPU tests go in two boots per kernel, of similar length, so that
# the runs share the two slots evenly: LATE_TESTS and the others.
SMP_TESTS=(t_85_hostile.sh t_90_teardown.sh)
LATE_TESTS=(t_45_noharm.sh t_50_pptp.sh t_60_ctl.sh t_70_packaging.sh t_80_perf_smoke.sh)
CHECK_REKEY_ROUNDS="1a 1b 2ac 2b"
vm_names=() vm_logs=() vm_what=() vm_needs=() vm_cmds=()
# vm_job NAME LOG WHAT NEEDS CMD...: queue a run (NEEDS: a file, or "")
vm_job() {
	local IFS=$'\x1f'
	vm_names+=("$1") vm_logs+=("$2") vm_what+=("$3") vm_needs+=("$4")
	shift 4
	vm_cmds+=("$*")
}
# vm_run LOG CMD...: one queued run. A boot whose kernel crashed before the
# guest came up (no test had run, no module of ours was loaded: TCG's
# emulation of the stock kernel's early boot, with two vCPUs, once in many
# runs) boots once more; the first attempt's log stays beside
# (LOG.first-boot), named in LOG and so in the report.
vm_run() {
	local log=$1 rc
	shift
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 125 ] && ! grep -q '^vpnmasq-vm: guest up in' "$log"; then
		mv "$log" "$log.first-boot"
		echo "vpnmasq-vm: the first boot's kernel crashed before the guest came up" \
			"($log.first-boot): booting once more" >"$log"
		"$@" >>"$log" 2>&1
		rc=$?
	fi
	return "$rc"
}
# vm_scheduler: runs the queued jobs, at most VM_PARALLEL at once, each as
# soon as a slot is free and its file is there; JOB's exit code goes to
# LOG.rc
vm_scheduler() {
	local max=${VM_PARALLEL:-2} i
	local -A pid_of=()
	local todo=("${!vm_names[@]}") left
	while [ ${#todo[@]} -gt 0 ] || [ ${#pid_of[@]} -gt 0 ]; do
		for i in "${!pid_of[@]}"; do
			kill -0 "${pid_of[$i]}" 2>/dev/null && continue
			wait "${pid_of[$i]}" 2>/dev/null
			unset "pid_of[$i]"
		done
		left=()
		for i in "${todo[@]}"; do
			if [ ${#pid_of[@]} -lt "$max" ] &&
				{ [ -z "${vm_needs[i]}" ] || [ -e "${vm_needs[i]}" ]; }; then
				(
					IFS=$'\x1f'
					# shellcheck disable=SC2086 # the words of the queued command
					set -- ${vm_cmds[i]}
					vm_run "${vm_logs[i]}" "$@"
					echo $? >"${vm_logs[i]}.rc"
				) &
				pid_of[$i]=$!
			else
				left+=("$i")
			fi
		done
		todo=("${left[@]}")
		sleep 2
	done
}
# vm_report I: the outcome of run I, counted
vm_report() {
	local i=$1 log=${vm_logs[$1]} rc p f
	rc=$(cat "$log.rc" 2>/dev/null || echo 1)
	echo "--- ${vm_names[i]}: exit $rc"
	grep -E '^(PASS|FAIL|FIGURE|===|---)|^vpnmasq-vm:' "$log"
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

step "dependencies installed" "$logs/deps.log" scripts/deps.sh || true
mapfile -t kernels < <(scripts/kernels.sh)
[ ${#kernels[@]} -eq 2 ] && pass "both target kernels installed: ${kernels[*]}" ||
	fail "expected the 6.1 and 6.12 kernels, found: ${kernels[*]:-none}"

# --- what the VM runs use: module, tool, traffic tools, DKMS's tarballs
step "vpnmasq-ctl builds (-Werror)" "$logs/tool.log" make tool
for k in "${kernels[@]}"; do
	step "module builds for $k without warnings" "$logs/build-$k.log" \
		make module KVER="$k" WERROR=1
	step "sparse (C=2) clean for $k" "$logs/sparse-$k.log" \
		sh -c "make sparse KVER='$k' 2>&1 | tee /dev/stderr | { ! grep -E 'warning:|error:'; }"
done
step "benchmark traffic tools build (-Werror)" "$logs/perf.log" \
	sh -c 'cmake -S tests/perf -B build/perf >/dev/null && cmake --build build/perf -j2'
for k in "${kernels[@]}"; do
	step "DKMS builds the module for $k" "$logs/dkms-$k.log" \
		scripts/check-packaging.sh dkms "$k"
done

# --- the VM runs start, in the background
debs_ready=$logs/.debs-ready
rm -f "$debs_ready" "$logs"/vm-*.log.rc
early_tests=()
for t in tests/vm/t_*.sh; do
	[[ " ${SMP_TESTS[*]} ${LATE_TESTS[*]} " == *" ${t##*/} "* ]] || early_tests+=("${t##*/}")
done
# vm_tests_job KVER NAME LOG CPUS LIMIT TEST_LIMIT TEST...: a boot running TESTs
vm_tests_job() {
	local k=$1 name=$2 log=$3 cpus=$4 limit=$5 test_limit=$6
	shift 6
	vm_job "$name" "$log" "$*" "" \
		scripts/vm/run-guest -k "$k" -s "$cpus" -t "$limit" -- env VM_TEST_TIMEOUT="$test_limit" \
		tests/vm/run-all.sh "$@"
}
# the longest first
for k in "${kernels[@]}"; do
	vm_tests_job "$k" "VM run on $k, 1 CPU, late tests" "$logs/vm-late-$k.log" 1 3600 1500 \
		"${LATE_TESTS[@]}"
done
for k in "${kernels[@]}"; do
	vm_tests_job "$k" "VM run on $k, 1 CPU" "$logs/vm-$k.log" 1 3600 1500 "${early_tests[@]}"
done
for k in "${kernels[@]}"; do
	skip="upgrade newer-kernel reinstall"
	[ "$k" = "${kernels[-1]}" ] && skip="newer-kernel"
	vm_job "VM package test on $k" "$logs/vm-deb-$k.log" \
		"apt-get install, systemctl start, tunnels, $([[ $skip == *upgrade* ]] && echo "no upgrade" || echo upgrade), remove, purge, $([[ $skip == *reinstall* ]] && echo "no reinstall" || echo reinstall)" \
		"$debs_ready" \
		scripts/vm/run-guest -k "$k" -s 1 -t 3600 -- env VM_TEST_TIMEOUT=3300 DEB_TEST_SKIP="$skip" \
		tests/vm/run-all.sh tests/vm/deb_packages.sh
done
for k in "${kernels[@]}"; do
	vm_tests_job "$k" "VM run on $k, 2 CPUs" "$logs/vm-smp-$k.log" 2 2400 1200 "${SMP_TESTS[@]}"
done
# The rekey soak's rounds of one server each (IKEv1 and IKEv2, server-first
# rekeys to silent hosts, hosts rekeying at once, the server rekeying IKE
# SAs, IKE silent past conntrack's UDP timeout): some 13 minutes a kernel.
# Last in line, when the other gates no longer load the host: real peers'
# rekeys under TCG keep their timing best then. The rounds of several
# servers at once stay in make check-rekey.
for k in "${kernels[@]}"; do
	vm_job "VM rekey soak on $k" "$logs/vm-rekey-$k.log" \
		"libreswan servers and hosts rekeying under traffic: ${CHECK_REKEY_ROUNDS}" "" \
		scripts/vm/run-guest -k "$k" -s 1 -t 2400 -- env VM_TEST_TIMEOUT=2100 \
		REKEY_ROUNDS="$CHECK_REKEY_ROUNDS" tests/vm/run-all.sh tests/vm/rekey.sh
done
vm_scheduler &
scheduler=$!

# --- userspace: the tool's unit tests, the module core compiled in userspace
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
step "benchmark report renders" "$logs/report.log" \
	sh -c 'build/bench/core-bench --benchmark_min_time=0 --benchmark_filter=/1024 \
		--benchmark_repetitions=2 --benchmark_report_aggregates_only=true \
		--benchmark_out=build/bench/smoke.csv --benchmark_out_format=csv >/dev/null &&
		tests/perf/report.sh build/bench/smoke.csv | grep -E "ISAKMP lookup, inbound, busy flows \(ns\) +[0-9.]+ "'
step "checkpatch clean on kmod/" "$logs/checkpatch.log" scripts/checkpatch.sh

# --- packaging: man pages in step with the code, the systemd unit, .debs
step "man pages document every command, option, tunable and counter" \
	"$logs/man.log" scripts/check-man.sh
if command -v systemd-analyze >/dev/null; then
	step "systemd-analyze verify vpnmasq.service" "$logs/unit.log" \
		scripts/check-packaging.sh unit
else
	echo "SKIP (not counted): systemd-analyze missing, vpnmasq.service not verified"
fi
# Debian packages: make deb (the tool's unit tests run in the build),
# lintian, a build of version +test1 for the upgrade test, the package
# test's compiles into ccache, then apt in the VM (above). The times are in
# packaging/README.
step "make deb: vpnmasq-dkms and vpnmasq (debhelper, dh-dkms)" "$logs/deb.log" \
	scripts/mkdeb.sh
step "lintian: no error or warning on either package" "$logs/lintian.log" make lintian
step "make deb of version +test1 for the upgrade test" "$logs/deb-bump.log" \
	env DEB_BUILD_OPTIONS=nocheck scripts/mkdeb.sh --bump +test1
step "ccache holds the package test's DKMS compiles, done here at the guest's paths" \
	"$logs/dkms-ccache.log" scripts/dkms-ccache.sh "$(IFS=,; echo "${kernels[*]}")" \
	build/deb/vpnmasq-dkms_*_all.deb build/deb/bump/vpnmasq-dkms_*_all.deb
touch "$debs_ready"
step "the in-tree patches generate, apply and build in the 6.1 and 6.12 trees" \
	"$logs/intree.log" scripts/check-intree.sh

# --- the VM runs' outcomes
t=$SECONDS
wait "$scheduler"
echo "# the VM runs ended $((SECONDS - t)) s after the other gates"
for i in "${!vm_names[@]}"; do vm_report "$i"; done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
