#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install what is missing, then build and test libcca in these configurations,
# each in its own build directory:
#
#   build/gcc      gcc, -Werror
#   build/clang    clang, -Werror
#   build/asan     gcc, AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan     gcc, ThreadSanitizer (TSAN_OPTIONS=halt_on_error=1): the whole
#                  suite, the vCPU-thread tests (test-psci, test-sim, test-sim-kvm,
#                  cca-launch, ...) among it; the LD_PRELOAD tests skip, as in asan
#   build/aarch64  cross-built for arm64 (cross/aarch64-linux-gnu.ini), run under qemu-aarch64-static
#   build/fuzz     clang, -Dfuzz=true: the libFuzzer harnesses for a bounded time
#                  (meson test --suite fuzz); only when meson_options.txt has 'fuzz'
#
# Every configuration runs even when an earlier one fails. The last line is
# "N passed, N failed, N skipped", summed over all configurations from each
# build/*/meson-logs/testlog.json; a configuration that does not build counts
# as one failure. Exits non-zero if anything failed or if no test passed.
#
#   scripts/test.sh [CONFIG...]   only these configurations (default: all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh

# QEMU must use the multiarch loader and libraries, not a sysroot prefix.
unset QEMU_LD_PREFIX

configs=(gcc clang asan tsan aarch64)
if grep -q "option('fuzz'" meson_options.txt; then
	configs+=(fuzz)
fi
if (($#)); then
	for c in "$@"; do
		[[ " ${configs[*]} " == *" $c "* ]] || {
			echo "test.sh: unknown configuration '$c' (${configs[*]})" >&2
			exit 2
		}
	done
	configs=("$@")
fi
declare -A setup_args=(
	[gcc]="-Dwerror=true"
	[clang]="-Dwerror=true"
	[asan]="-Db_sanitize=address,undefined -Db_lundef=false"
	[tsan]="-Db_sanitize=thread -Db_lundef=false"
	[aarch64]="-Dwerror=true --cross-file cross/aarch64-linux-gnu.ini"
	[fuzz]="-Dfuzz=true -Db_lundef=false"
)
# Compilers, fixed at the first setup of each directory.
declare -A compilers=([gcc]="CC=gcc" [clang]="CC=clang CXX=clang++" [asan]="CC=gcc"
	[tsan]="CC=gcc" [aarch64]="" [fuzz]="CC=clang CXX=clang++")
# Slower under QEMU and the sanitizers.
declare -A timeout_mult=([gcc]=1 [clang]=1 [asan]=3 [tsan]=5 [aarch64]=5 [fuzz]=2)
# What `meson test` runs (default: every test except benchmarks).
declare -A test_args=([fuzz]="--suite fuzz")
# A data race, a lock-order inversion or a thread leak fails the test at once.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# build CONFIG: configure (once) and compile build/CONFIG; returns non-zero on failure.
build()
{
	local c=$1 dir=build/$1
	local -a args env
	read -r -a args <<<"${setup_args[$c]}"
	read -r -a env <<<"${compilers[$c]}"

	if [[ -f $dir/meson-private/coredata.dat ]]; then
		meson setup --reconfigure "$dir" "${args[@]}" >/dev/null || return
	else
		rm -rf "$dir"
		env "${env[@]}" meson setup "$dir" "${args[@]}" || return
	fi
	meson compile -C "$dir"
}

status=()
for c in "${configs[@]}"; do
	echo
	echo "===== $c"
	rm -f "build/$c/meson-logs/testlog.json"
	if ! build "$c"; then
		echo "===== $c: BUILD FAILED"
		status+=("$c:broken")
		continue
	fi
	# Failures are counted in the summary; go on with the next configuration.
	rc=0
	read -r -a targs <<<"${test_args[$c]:-}"
	meson test -C "build/$c" --print-errorlogs --timeout-multiplier "${timeout_mult[$c]}" \
		"${targs[@]}" || rc=$?
	status+=("$c:$rc")
	echo "===== $c: done at $((SECONDS / 60))m$((SECONDS % 60))s"
done

echo
echo "wall time: $((SECONDS / 60))m$((SECONDS % 60))s"
python3 - "${status[@]}" <<'EOF'
import json
import os
import sys

passed = failed = skipped = 0
for arg in sys.argv[1:]:
    config, state = arg.split(':')
    if state == 'broken':
        print(f'{config:8} build failed (counted as 1 failure)')
        failed += 1
        continue
    rc = int(state)
    log = os.path.join('build', config, 'meson-logs', 'testlog.json')
    counts = {'ok': 0, 'fail': 0, 'skip': 0}
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                if not line.strip():
                    continue
                test = json.loads(line)
                result = test['result']
                if result in ('OK', 'EXPECTEDFAIL'):
                    counts['ok'] += 1
                elif result == 'SKIP':
                    counts['skip'] += 1
                else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, ...
                    counts['fail'] += 1
                    print(f'{config}: {test["name"]}: {result}')
    if rc != 0 and counts['fail'] == 0:
        # meson test itself failed (e.g. the rebuild before testing): one failure.
        print(f'{config}: meson test exited {rc} (counted as 1 failure)')
        counts['fail'] = 1
    print(f'{config:8} ok={counts["ok"]} fail={counts["fail"]} skip={counts["skip"]}')
    passed += counts['ok']
    failed += counts['fail']
    skipped += counts['skip']
print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed or passed == 0 else 0)
EOF
