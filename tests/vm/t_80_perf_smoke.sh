#!/bin/bash
# The VM benchmarks of `make bench` (tests/perf/vm_*.sh) run briefly
# (PERF_QUICK=1) and print every figure they promise. Their own PASS/FAIL
# lines are correctness checks (traffic forwarded, associations made,
# no cross-wiring); nothing here looks at a figure's value. Runs in the guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/lib.sh

export PERF_QUICK=1
# script: the figures it must print
declare -A figures=(
	[vm_pps]="pps_esp_out_plain pps_esp_out_hooks pps_esp_out_vpnmasq ratio_esp_out ratio_esp_out_hooks pps_ike_out_plain pps_ike_out_vpnmasq ratio_ike_out ratio_esp_scale ratio_ike_scale"
	[vm_memory]="mem_assoc_total mem_assoc_slab mem_assoc_kmalloc96"
	[vm_serial]="serial_rtt serial_vpnmasq_all serial_vpnmasq_crosswired serial_drop_all serial_model_drop_all serial_model_hold_all"
)
for s in vm_pps vm_memory vm_serial; do
	echo "--- tests/perf/$s.sh (quick)"
	out=$(bash "tests/perf/$s.sh" 2>&1)
	rc=$?
	# its checks count as ours
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL): ' | sed "s/^\(PASS\|FAIL\): /\1: $s: /"
	VM_PASSED=$((VM_PASSED + $(grep -c '^PASS: ' <<<"$out")))
	VM_FAILED=$((VM_FAILED + $(grep -c '^FAIL: ' <<<"$out")))
	grep -q '^PASS: ' <<<"$out" || fail "$s passed no check"
	if ! check_eq "$s exits 0" 0 "$rc"; then
		# its notes first (they say what went wrong), then the end
		vm_indent "$(grep -E '^# ' <<<"$out")"
		vm_indent "$(tail -n 20 <<<"$out")"
	fi
	for f in ${figures[$s]}; do
		check_match "$s prints figure $f" "^FIGURE $f -?[0-9.]+ " "$out"
	done
done
summary
