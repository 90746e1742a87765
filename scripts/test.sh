#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install what is missing, then build and test libcca in four configurations:
#
#   build/gcc      gcc, -Werror
#   build/clang    clang, -Werror
#   build/asan     gcc, AddressSanitizer + UndefinedBehaviorSanitizer
#   build/aarch64  cross-built for arm64 (cross/aarch64-linux-gnu.ini), run under qemu-aarch64-static
#
# Every configuration runs even when an earlier one fails. The last line is
# "N passed, N failed, N skipped", summed over all configurations from each
# build/*/meson-logs/testlog.json; a configuration that does not build counts
# as one failure. Exits non-zero if anything failed or if no test passed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh

# QEMU must use the multiarch loader and libraries, not a sysroot prefix.
unset QEMU_LD_PREFIX

configs=(gcc clang asan aarch64)
declare -A setup_args=(
	[gcc]="-Dwerror=true"
	[clang]="-Dwerror=true"
	[asan]="-Db_sanitize=address,undefined -Db_lundef=false"
	[aarch64]="-Dwerror=true --cross-file cross/aarch64-linux-gnu.ini"
)
# Compilers, fixed at the first setup of each directory.
declare -A compilers=([gcc]="CC=gcc" [clang]="CC=clang CXX=clang++" [asan]="CC=gcc" [aarch64]="")
# Slower under QEMU and the sanitizers.
declare -A timeout_mult=([gcc]=1 [clang]=1 [asan]=3 [aarch64]=5)

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
	meson test -C "build/$c" --print-errorlogs --timeout-multiplier "${timeout_mult[$c]}" || rc=$?
	status+=("$c:$rc")
done

echo
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
