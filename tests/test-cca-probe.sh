#!/bin/sh
# SPDX-License-Identifier: MIT
# Description: cca-probe's report and exit status: realms available (on the
# simulator, every revision), no KVM device, usage errors.
# Usage: test-cca-probe.sh CCA_PROBE   ($MESON_EXE_WRAPPER runs it in cross builds)
set -u
probe=$1
shift
# shellcheck disable=SC2086
set -- ${MESON_EXE_WRAPPER:-}
fails=0
n=0

check() { # name, expected status, command output file, grep patterns...
	name=$1 want=$2 out=$3 got=$4
	shift 4
	n=$((n + 1))
	ok=1
	[ "$got" = "$want" ] || { echo "# $name: exit $got, expected $want"; ok=0; }
	for pat in "$@"; do
		grep -q -- "$pat" "$out" || { echo "# $name: output lacks '$pat'"; ok=0; }
	done
	if [ $ok = 1 ]; then echo "ok $n - $name"; else
		echo "not ok $n - $name"; sed 's/^/#   /' "$out"; fails=$((fails + 1)); fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for rev in 12:247:manual 13:248:manual 14:249:by\ KVM 15:251:by\ KVM; do
	r=${rev%%:*} rest=${rev#*:} cap=${rest%%:*} psci=${rest#*:}
	CCA_BACKEND=sim CCA_ABI_REVISION=v$r "$@" "$probe" >"$out" 2>&1
	check "sim v$r" 0 "$out" $? "realms: *available" "ABI revision: *v$r" \
		"KVM_CAP_ARM_RMI: *$cap" "backend: *simulator" "PSCI completion: *$psci" \
		"IPA limit: *48 bits" "breakpoints: *6"
done
CCA_BACKEND=kvm "$@" "$probe" --kvm /nonexistent/kvm >"$out" 2>&1
check "no KVM device" 1 "$out" $? "unavailable (no KVM device)" "cannot open /nonexistent/kvm"
"$@" "$probe" --bogus >"$out" 2>&1
check "unknown option" 2 "$out" $? "usage: cca-probe"
"$@" "$probe" --revision v11 >"$out" 2>&1
check "bad revision" 2 "$out" $? "unknown revision 'v11'"
CCA_BACKEND=sim CCA_ABI_REVISION=v14 "$@" "$probe" --quiet >"$out" 2>&1
check "quiet" 0 "$out" $?
[ -s "$out" ] && { echo "# quiet printed something"; fails=$((fails + 1)); }
echo "1..$n"
[ $fails = 0 ]
