#!/bin/sh
# SPDX-License-Identifier: MIT
# Description: cca-launch end to end on the simulator: every revision, PSCI in
# user space and in the kernel, 1, 4 and 8 vCPUs, with and without an initrd
# (console lines of every vCPU, exit status, expected RIM == simulated RIM);
# --expect-rim; the generated DTB through dtc; system reset; a failing guest;
# every bad-input case (its message and exit status 2). Cross-check with
# cca-measure: for every revision, 1 and 4 vCPUs, with and without an initrd
# (and the demo realm), `cca-measure <the same options>` prints the RIM the
# launcher prints as expected and as simulated.
# Usage: test-launcher.sh [--skip REASON] CCA_LAUNCH [CCA_MEASURE]
#   ($MESON_EXE_WRAPPER runs it in cross builds). CCA_MEASURE defaults to
#   $CCA_MEASURE, else tools/cca-measure next to examples/ in the build tree;
#   without it the cross-check is skipped.
set -u
if [ "${1:-}" = --skip ]; then
	echo "1..0 # SKIP $2"
	exit 0
fi
launch=$1
shift
measure=${1:-${CCA_MEASURE:-$(dirname "$launch")/../tools/cca-measure}}
[ -x "$measure" ] || measure=
# shellcheck disable=SC2086
set -- ${MESON_EXE_WRAPPER:-}
fails=0
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err

result() { # name, ok (1/0): print the TAP line
	n=$((n + 1))
	if [ "$2" = 1 ]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		sed 's/^/#   out: /' "$out" | head -40
		sed 's/^/#   err: /' "$err" | head -20
		fails=$((fails + 1))
	fi
}

rim_of() { # label: the RIM printed on that line
	sed -n "s/^cca-launch: $1 RIM: \([0-9a-f]*\)\$/\1/p" "$out"
}

# cross_check NAME EXPECTED SIMULATED ARGS...: cca-measure ARGS (the launch
# options, without --backend) prints the launcher's expected and simulated RIM.
cross_check() {
	name=$1 e=$2 s=$3
	shift 3
	if [ -z "$measure" ]; then
		n=$((n + 1))
		echo "ok $n - cca-measure $name # SKIP no cca-measure next to the launcher"
		return
	fi
	# shellcheck disable=SC2086
	m=$(${MESON_EXE_WRAPPER:-} "$measure" "$@" 2>"$tmp/merr" | tail -n1)
	ok=1
	[ ${#m} = 64 ] && [ "$m" = "$e" ] && [ "$m" = "$s" ] && [ ! -s "$tmp/merr" ] ||
		{ echo "# cca-measure $*: '$m', launcher expected '$e', simulated '$s'"; sed 's/^/#   /' "$tmp/merr"; ok=0; }
	result "cca-measure $name: the launcher's expected and simulated RIM" $ok
}

# The small arm64 Image both program tests use (tests/make-test-image.sh).
kernel=$tmp/Image
"$(dirname "$0")/make-test-image.sh" "$kernel"
initrd=$tmp/initrd
printf 'a small initrd for cca-launch tests\n' >"$initrd"

# ---- the boot matrix ----
for rev in v12 v13 v14 v15; do
	for psci in user kernel; do
		for cpus in 1 4 8; do
			for rd in none initrd; do
				name="boot $rev psci=$psci cpus=$cpus initrd=$rd"
				set -- --abi "$rev" --psci "$psci" --cpus "$cpus" --kernel "$kernel"
				[ $rd = initrd ] && set -- "$@" --initrd "$initrd"
				# shellcheck disable=SC2086
				${MESON_EXE_WRAPPER:-} "$launch" --backend sim "$@" >"$out" 2>"$err"
				got=$?
				ok=1
				[ $got = 0 ] || { echo "# $name: exit $got"; ok=0; }
				want="backend: simulator (--backend sim), ABI revision $rev"
				head -n1 "$out" | grep -qF "$want" || { echo "# $name: first line"; ok=0; }
				pl="PSCI in the kernel"
				[ $psci = user ] && pl="PSCI in user space"
				for pat in "$cpus vCPU" "$pl" "Booting Linux on physical CPU 0x0" \
					"smp: Brought up 1 node, $cpus CPU" "reboot: Power down" \
					"cca-launch: RIM matches the expected one" "cca-launch: system off"; do
					grep -qF "$pat" "$out" || { echo "# $name: lacks '$pat'"; ok=0; }
				done
				i=1
				while [ $i -lt "$cpus" ]; do
					grep -qx "CPU$i: Booted secondary processor" "$out" ||
						{ echo "# $name: no line from vCPU $i"; ok=0; }
					i=$((i + 1))
				done
				if [ $rd = initrd ]; then
					grep -qF "initrd at 0x" "$out" || { echo "# $name: no initrd"; ok=0; }
				fi
				e=$(rim_of expected) s=$(rim_of simulated)
				[ ${#e} = 64 ] && [ "$e" = "$s" ] ||
					{ echo "# $name: expected RIM '$e', simulated '$s'"; ok=0; }
				[ -s "$err" ] && { echo "# $name: stderr not empty"; ok=0; }
				result "$name" $ok
				if [ "$cpus" != 8 ]; then
					cross_check "$rev psci=$psci cpus=$cpus initrd=$rd" "$e" "$s" "$@"
				fi
			done
		done
	done
done

# ---- the demo realm (no --kernel) ----
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --backend sim >"$out" 2>"$err"
got=$?
ok=1
[ $got = 0 ] || ok=0
for pat in "4 vCPUs" "demo kernel" "CPU3: Booted secondary processor" "cca-launch: system off"; do
	grep -qF "$pat" "$out" || { echo "# demo: lacks '$pat'"; ok=0; }
done
result "demo realm: 4 vCPUs by default, exit 0" $ok
cross_check "with no options (the demo realm)" "$(rim_of expected)" "$(rim_of simulated)"
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --help >"$out" 2>"$err"
got=$?
grep -q '^usage: cca-launch' "$out" && [ $got = 0 ]
result "--help" $([ $? = 0 ] && echo 1 || echo 0)
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --version >"$out" 2>"$err"
got=$?
grep -q '^cca-launch (libcca) [0-9]' "$out" && [ $got = 0 ]
result "--version" $([ $? = 0 ] && echo 1 || echo 0)

# Without --backend the first line says which backend the host gives (a
# missing kernel then stops it before anything is built, on any host).
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --kernel "$tmp/nope" >"$out" 2>"$err"
got=$?
head -n1 "$out" | grep -Eq '^cca-launch: backend: (realm-capable KVM|simulator \(no realm-capable KVM: .*\)), ABI revision v1[2-5]$'
result "no --backend: the first line names the backend" $([ $? = 0 ] && [ $got = 2 ] && echo 1 || echo 0)

# ---- --expect-rim ----
for rev in v12 v15; do
	set -- --backend sim --abi "$rev" --cpus 2 --kernel "$kernel" --initrd "$initrd"
	# shellcheck disable=SC2086
	${MESON_EXE_WRAPPER:-} "$launch" "$@" >"$out" 2>"$err"
	rim=$(rim_of expected)
	# shellcheck disable=SC2086
	${MESON_EXE_WRAPPER:-} "$launch" "$@" --expect-rim "$rim" >"$out" 2>"$err"
	got=$?
	result "$rev --expect-rim with the printed RIM: exit 0" $([ $got = 0 ] && echo 1 || echo 0)
	wrong=$(printf '%s' "$rim" | tr '0123456789abcdef' '123456789abcdef0')
	# shellcheck disable=SC2086
	${MESON_EXE_WRAPPER:-} "$launch" "$@" --expect-rim "$wrong" >"$out" 2>"$err"
	got=$?
	ok=0
	[ $got = 1 ] && grep -qF "RIM mismatch: --expect-rim $wrong" "$err" && ok=1
	result "$rev --expect-rim with a wrong RIM: exit 1" $ok
done
# The initrd is measured: the RIM differs with and without it.
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --backend sim --kernel "$kernel" >"$out" 2>"$err"
r1=$(rim_of expected)
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" --backend sim --kernel "$kernel" --initrd "$initrd" >"$out" 2>"$err"
r2=$(rim_of expected)
result "the initrd changes the RIM" $([ -n "$r1" ] && [ "$r1" != "$r2" ] && echo 1 || echo 0)

# ---- the device tree ----
dtb=$tmp/realm.dtb
if command -v dtc >/dev/null 2>&1; then
	for cfg in "1 none" "8 initrd"; do
		cpus=${cfg% *} rd=${cfg#* }
		set -- --backend sim --cpus "$cpus" --kernel "$kernel" --cmdline "console=ttyAMA0 quiet" \
			--dump-dtb "$dtb"
		[ "$rd" = initrd ] && set -- "$@" --initrd "$initrd"
		# shellcheck disable=SC2086
		${MESON_EXE_WRAPPER:-} "$launch" "$@" >"$out" 2>"$err"
		got=$?
		dtc -I dtb -O dts -o "$tmp/realm.dts" "$dtb" 2>"$tmp/dtc.err"
		dgot=$?
		ok=1
		[ $got = 0 ] && [ $dgot = 0 ] || { echo "# exit $got, dtc $dgot"; ok=0; }
		[ -s "$tmp/dtc.err" ] && { sed 's/^/# dtc: /' "$tmp/dtc.err"; ok=0; }
		for pat in 'bootargs = "console=ttyAMA0 quiet"' 'enable-method = "psci"' \
			'method = "smc"' 'arm,gic-v3' 'arm,pl011' 'arm,armv8-timer' "cpu@$((cpus - 1))"; do
			grep -qF -- "$pat" "$tmp/realm.dts" || { echo "# dts lacks '$pat'"; ok=0; }
		done
		if [ "$rd" = initrd ]; then
			grep -qF 'linux,initrd-start' "$tmp/realm.dts" || { echo "# no initrd range"; ok=0; }
		fi
		result "--dump-dtb cpus=$cpus initrd=$rd: dtc without warnings" $ok
	done
else
	n=$((n + 1))
	echo "ok $n - --dump-dtb through dtc # SKIP dtc not installed"
fi
# A given DTB (the generated one, without a command line) is used as it is:
# the same bytes are populated, so the measurement is the same.
set -- --backend sim --cpus 2 --kernel "$kernel"
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" "$@" --dump-dtb "$dtb" >"$out" 2>"$err"
r1=$(rim_of expected)
# shellcheck disable=SC2086
${MESON_EXE_WRAPPER:-} "$launch" "$@" --dtb "$dtb" >"$out" 2>"$err"
got=$?
r2=$(rim_of expected)
result "--dtb with the generated DTB: boots, same RIM" \
	$([ $got = 0 ] && [ -n "$r1" ] && [ "$r1" = "$r2" ] && echo 1 || echo 0)

# ---- guest programs: reset, failure, trace ----
cat >"$tmp/reset.cca" <<'EOF'
ipa-bits 33
uart 0x09000000

cpu 0:
	print "about to reset\n"
	psci system_reset
EOF
cat >"$tmp/fail.cca" <<'EOF'
ipa-bits 33
uart 0x09000000

cpu 0:
	expect x0 == 5
EOF
printf 'cpu 0:\n\tfrobnicate\n' >"$tmp/bad.cca"

# check NAME STATUS 'PATTERN[|PATTERN...]' ARGS...
check() {
	name=$1 want=$2 pats=$3
	shift 3
	# shellcheck disable=SC2086
	${MESON_EXE_WRAPPER:-} "$launch" "$@" >"$out" 2>"$err"
	got=$?
	ok=1
	[ "$got" = "$want" ] || { echo "# $name: exit $got, expected $want"; ok=0; }
	old_ifs=$IFS
	IFS='|'
	for pat in $pats; do
		cat "$out" "$err" | grep -qF -- "$pat" || { echo "# $name: output lacks '$pat'"; ok=0; }
	done
	IFS=$old_ifs
	result "$name" $ok
}

check "system reset: rebuilt, bounded, exit 0" 0 \
	"system reset: building the realm again|system reset 3 times: stopping" \
	--backend sim --guest "$tmp/reset.cca" --cpus 2 --kernel "$kernel"
[ "$(grep -c 'about to reset' "$out")" = 3 ]
result "system reset: the realm booted 3 times" $([ $? = 0 ] && echo 1 || echo 0)
check "failing guest: names the vCPU and the check, exit 1" 1 \
	"vCPU 0: |guest check failed: line 5" \
	--backend sim --guest "$tmp/fail.cca" --cpus 4 --kernel "$kernel"
check "--trace: one line per exit on stderr" 0 \
	"vCPU 0: psci CPU_ON target=0x1|vCPU 0: mmio write ipa=0x9000000|vCPU 0: ripas-change" \
	--backend sim --abi v13 --psci user --cpus 2 --trace --kernel "$kernel"

# ---- bad input: one line, exit 2 ----
head -c 30 "$kernel" >"$tmp/short"
head -c 4096 /dev/zero >"$tmp/zeros"
{ head -c 56 "$kernel"; printf 'ARM\144'; head -c 100 /dev/zero; } >"$tmp/bigsize"
# big-endian: flags bit 0
{ head -c 24 "$kernel"; printf '\013'; tail -c +26 "$kernel"; } >"$tmp/be"
head -c $((70 * 1024 * 1024)) /dev/zero >"$tmp/big-initrd"
# image_size 256 MiB
{ head -c 16 "$kernel"; printf '\000\000\000\020'; tail -c +21 "$kernel"; } >"$tmp/huge"
sim="--backend sim"
bad() { # name pattern args...
	name=$1 pat=$2
	shift 2
	check "bad input: $name" 2 "$pat" "$@"
	[ "$(wc -l <"$err")" = 1 ] || { echo "# $name: stderr is not one line"; fails=$((fails + 1)); }
}
# shellcheck disable=SC2086
{
bad "missing kernel" "cannot open kernel '$tmp/nope'" $sim --kernel "$tmp/nope"
bad "kernel is a directory" "is not a regular file" $sim --kernel "$tmp"
bad "truncated kernel" "kernel Image too short: 30 bytes" $sim --kernel "$tmp/short"
bad "non-Image kernel" "not an arm64 kernel Image: bad magic" $sim --kernel "$tmp/zeros"
bad "big-endian kernel" "big-endian kernel Image" $sim --kernel "$tmp/be"
bad "initrd does not fit" "the initrd (73400320 bytes) does not fit" $sim --kernel "$kernel" \
	--initrd "$tmp/big-initrd" --mem 64M
bad "missing initrd" "cannot open initrd" $sim --kernel "$kernel" --initrd "$tmp/nope"
bad "DTB not a device tree" "the given DTB is not a valid flattened device tree" $sim \
	--kernel "$kernel" --dtb "$tmp/zeros"
bad "cmdline with DTB" "a command line cannot be combined with a given DTB" $sim \
	--kernel "$kernel" --dtb "$tmp/zeros" --cmdline x
bad "--cpus 0" "--cpus 0: a realm needs at least one vCPU" $sim --cpus 0
bad "--cpus too many" "--cpus 513: a realm has at most 512 vCPUs" $sim --cpus 513
bad "--cpus not a number" "--cpus 'four': not a number" $sim --cpus four
bad "malformed size" "--mem '12Q': malformed size" $sim --mem 12Q
bad "empty size" "--mem '': malformed size" $sim --mem ''
bad "zero size" "--mem '0': the realm needs some RAM" $sim --mem 0
bad "size not 2 MiB" "must be multiples of 2 MiB" $sim --mem 3M
bad "DTB does not fit" "the DTB (0x10000 bytes) does not fit" $sim --mem 2M
bad "RAM too small for the kernel" "RAM too small for the kernel" $sim --kernel "$tmp/huge" \
	--mem 64M
bad "IPA too small for RAM" "IPA width 33 too small for RAM" $sim --mem 8G --ipa-bits 33
bad "IPA width out of range" "IPA width 60: must be" $sim --ipa-bits 60
bad "SVE length" "SVE vector length 17 bytes" $sim --sve-vl 17
bad "PMU on v14" "revision v14 gives realms no PMU" $sim --abi v14 --pmu-counters 4
bad "unknown option" "unknown option '--bogus'" $sim --bogus
bad "missing argument" "--cpus needs an argument" $sim --cpus
bad "stray argument" "unexpected argument 'extra'" $sim extra
bad "--psci" "--psci 'both': expected user or kernel" $sim --psci both
bad "--backend" "--backend 'xen': expected kvm or sim" --backend xen
bad "--abi unknown" "--abi 'v11': unknown revision" $sim --abi v11
bad "--abi without the simulator" "--abi is for the simulator only" --backend kvm --abi v13
bad "--guest without the simulator" "--guest is for the simulator only" --backend kvm \
	--guest "$tmp/reset.cca"
bad "malformed guest program" "guest program '$tmp/bad.cca': line 2" $sim --guest "$tmp/bad.cca"
bad "--expect-rim length" "--expect-rim: 2 hex digits" $sim --expect-rim 00
bad "--expect-rim not hex" "is not hex" $sim --expect-rim \
	zz00000000000000000000000000000000000000000000000000000000000000
bad "--dump-dtb unwritable" "cannot write the DTB to '$tmp/nope/x.dtb'" $sim \
	--dump-dtb "$tmp/nope/x.dtb"
}

echo "1..$n"
[ $fails = 0 ]
