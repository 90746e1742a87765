#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Description: an unmodified, raw-ioctl VMM (tests/raw-vmm.c) on the
# simulated KVM+RMM through LD_PRELOAD=libcca-preload.so.
#
#   test-preload.sh [--skip REASON] PRELOAD_LIB RAW_VMM boot REV NR_VCPUS kernel|user
#       boots the built-in guest on revision REV with NR_VCPUS vCPUs and PSCI
#       handled in the kernel or in user space; checks raw-vmm's exit status,
#       the revision it detected, the console (every vCPU's lines), and the
#       RIM file.
#   test-preload.sh [--skip REASON] PRELOAD_LIB RAW_VMM rim
#       checks the RIM the simulated RMM reports for raw-vmm's realm: the same
#       from run to run and for any number of (non-runnable) secondaries, the
#       same for the RMM 2.0 revisions v13..v15, another for v12 (RMM 1.0
#       measures INIT_RIPAS).
#
# Cross builds: meson sets MESON_EXE_WRAPPER (e.g. qemu-aarch64-static); the
# preload library then goes to the emulated program as
# QEMU_SET_ENV=LD_PRELOAD=..., never to the emulator itself.
#
# Exit status: 0 pass, 1 fail, 77 skipped (meson's convention).
set -u

if [ "${1:-}" = --skip ]; then
	echo "SKIP: ${2:-}"
	exit 77
fi
if [ $# -lt 3 ]; then
	echo "usage: $0 [--skip REASON] PRELOAD_LIB RAW_VMM boot REV NR_VCPUS kernel|user" >&2
	echo "       $0 [--skip REASON] PRELOAD_LIB RAW_VMM rim" >&2
	exit 1
fi
lib=$1
vmm=$2
mode=$3
shift 3

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# run_vmm REV RIM_FILE OUT_FILE [raw-vmm arguments]: the exit status of raw-vmm.
run_vmm()
{
	rev=$1 rimf=$2 out=$3
	shift 3
	if [ -n "${MESON_EXE_WRAPPER:-}" ]; then
		# shellcheck disable=SC2086 # the wrapper is a command line
		env -u LD_PRELOAD -u CCA_KVM_PATH -u CCA_SIM_TRACE \
			CCA_SIM_GUEST="${guest_file:-}" \
			CCA_ABI_REVISION="$rev" CCA_SIM_RIM_FILE="$rimf" \
			QEMU_SET_ENV="LD_PRELOAD=$lib" \
			$MESON_EXE_WRAPPER "$vmm" "$@" >"$out" 2>&1
	else
		env -u CCA_KVM_PATH -u CCA_SIM_TRACE CCA_SIM_GUEST="${guest_file:-}" \
			CCA_ABI_REVISION="$rev" CCA_SIM_RIM_FILE="$rimf" LD_PRELOAD="$lib" \
			"$vmm" "$@" >"$out" 2>&1
	fi
}

fail()
{
	echo "FAIL: $*"
	if [ -n "${out:-}" ] && [ -f "$out" ]; then
		echo "--- raw-vmm output ---"
		cat "$out"
	fi
	exit 1
}

expect()
{
	grep -qF -- "$1" "$out" || fail "output lacks '$1'"
}

# One hex line of a SHA-256 RIM; prints it.
one_rim()
{
	[ -f "$1" ] || fail "no RIM file $1"
	n=$(wc -l <"$1")
	[ "$n" -eq 1 ] || fail "RIM file has $n lines, expected 1: $(cat "$1")"
	grep -qE '^[0-9a-f]{64}$' "$1" || fail "RIM file is not one SHA-256 hex line: $(cat "$1")"
	cat "$1"
}

boot()
{
	rev=$1 nr=$2 psci=$3
	case $psci in
	kernel) flag= ;;
	user) flag=--psci-user ;;
	*) echo "PSCI mode: kernel or user" >&2; exit 1 ;;
	esac
	out=$tmp/out.txt
	rimf=$tmp/rim.txt
	# shellcheck disable=SC2086 # $flag is empty or one word
	run_vmm "$rev" "$rimf" "$out" $flag "$nr"
	status=$?
	[ "$status" -eq 0 ] || fail "raw-vmm exited $status (revision $rev, $nr vCPUs, PSCI in $psci)"
	expect "raw-vmm: KVM CCA $rev "
	expect "Booting Linux on physical CPU 0x0"
	expect "smp: Brought up 1 node, $nr CPU"
	# The built-in guest's CPU 0 goes on only once each secondary has
	# printed and parked itself: every line is there before the power-off.
	i=1
	while [ "$i" -lt "$nr" ]; do
		expect "CPU$i: Booted secondary processor"
		i=$((i + 1))
	done
	expect "reboot: Power down"
	expect "raw-vmm: system off"
	rim=$(one_rim "$rimf") || exit 1
	echo "ok: $rev, $nr vCPU(s), PSCI in $psci; RIM $rim"
}

rim()
{
	for run in v12:1:kernel v13:1:kernel v13:4:user v13:1:kernel v14:1:kernel v15:2:user; do
		rev=${run%%:*}
		rest=${run#*:}
		nr=${rest%%:*}
		psci=${rest#*:}
		flag=
		[ "$psci" = user ] && flag=--psci-user
		out=$tmp/out-$rev-$nr-$psci.txt
		rimf=$tmp/rim-$rev-$nr-$psci.txt
		# shellcheck disable=SC2086
		run_vmm "$rev" "$rimf" "$out" $flag "$nr" || fail "raw-vmm failed on $run"
		r=$(one_rim "$rimf") || exit 1
		echo "$run $r"
		eval "rim_$rev=\$r"
		case $rev in
		v13) [ -z "${first_v13:-}" ] && first_v13=$r
		     [ "$r" = "$first_v13" ] || fail "v13 RIM changed between runs: $first_v13 vs $r" ;;
		esac
	done
	# shellcheck disable=SC2154 # set by eval above
	{
		[ "$rim_v13" = "$rim_v14" ] || fail "v13 and v14 (both RMM 2.0) RIMs differ"
		[ "$rim_v14" = "$rim_v15" ] || fail "v14 and v15 (both RMM 2.0) RIMs differ"
		[ "$rim_v12" != "$rim_v13" ] || fail "v12 (RMM 1.0, INIT_RIPAS measured) equals v13"
	}
	echo "ok: RIMs stable; v13 = v14 = v15 != v12"
}

# order REV: raw-vmm --break-order makes the ordering mistakes a VMM can make;
# the "kernel" must refuse each with the real errno (ENXIO on v12/v13 for a
# source run before its completion, EBUSY for populate and vCPU creation
# after the first run).
order()
{
	rev=$1
	guest_file=$tmp/order.cca
	printf 'ipa-bits 33\ncpu 0:\n  psci cpu_on 0x1 0x80000000 7 expect 0\n  psci system_off\n' \
		>"$guest_file"
	out=$tmp/out
	run_vmm "$rev" "$tmp/rim" "$out" --psci-user --break-order 2 || fail "raw-vmm --break-order failed"
	expect "populate after the first run: EBUSY"
	expect "vCPU after the first run: EBUSY"
	case $rev in
	v12 | v13) expect "source before completion: ENXIO" ;;
	esac
	echo "PASS: order $rev"
}

case $mode in
order)
	[ $# -eq 1 ] || { echo "order needs REV" >&2; exit 1; }
	order "$@"
	;;
boot)
	[ $# -eq 3 ] || { echo "boot needs REV NR_VCPUS kernel|user" >&2; exit 1; }
	boot "$@"
	;;
rim)
	rim
	;;
*)
	echo "unknown mode '$mode'" >&2
	exit 1
	;;
esac
