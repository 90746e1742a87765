#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The 'abi' test: compare the built libcca.so with the checked-in baseline
# (abi/libcca.abi, written by abi/update.sh) using abidiff, and fail on a
# change that would break a program built against the baseline.
#
#   check.sh [--skip REASON] BASELINE HEADERS_DIR LIBCCA_SO [SUPPRESSIONS]
#
# Exit 0: compatible (same ABI, or only added interfaces: the baseline is then
# behind, and the script says so). Exit 77 (skip): --skip given, abidiff is not
# installed, or the library has no debug information. Exit 1 otherwise:
#   - abidiff's status has bit 8 (ABIDIFF_ABI_INCOMPATIBLE_CHANGE), always;
#   - bit 4 (ABIDIFF_ABI_CHANGE) with removed functions, variables or ELF
#     symbols (a program linked against the baseline would not load);
#   - bit 4 with changed functions or variables: a type they reach changed
#     (a member moved, an enum value renumbered, a parameter type changed).
#     SUPPRESSIONS (abi/libcca.suppr) lets the structs that carry a `size`
#     field grow at their end, the growth the README's promise allows;
#   - bits 1 or 2 (abidiff failed), or the soname differs from the baseline's:
#     a soname bump comes with a new baseline (abi/update.sh) in the same commit.
set -uo pipefail

if [[ ${1:-} == --skip ]]; then
	echo "SKIP: $2"
	exit 77
fi
if (($# < 3 || $# > 4)); then
	echo "usage: $0 [--skip REASON] BASELINE HEADERS_DIR LIBCCA_SO [SUPPRESSIONS]" >&2
	exit 2
fi
baseline=$1 headers=$2 so=$3 suppr=${4:-}

if ! command -v abidiff >/dev/null; then
	echo "SKIP: abidiff not found (Debian: abigail-tools; scripts/setup.sh installs it)"
	exit 77
fi
if ! readelf -S --wide "$so" | grep -q '\.debug_info'; then
	echo "SKIP: $so has no debug information (buildtype without -g)"
	exit 77
fi

base_soname=$(sed -n "1s/.*soname='\([^']*\)'.*/\1/p" "$baseline")
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != "$base_soname" ]]; then
	echo "FAIL: soname $soname, the baseline's is $base_soname."
	echo "A soname bump comes with a new baseline: run abi/update.sh and commit abi/libcca.abi."
	exit 1
fi

args=(--hd1 "$headers" --hd2 "$headers" --no-show-locs)
[[ -n $suppr ]] && args+=(--suppressions "$suppr")
report=$(abidiff "${args[@]}" "$baseline" "$so" 2>&1)
rc=$?
echo "\$ abidiff ${args[*]} $baseline $so"
echo "$report"
echo "abidiff exit status $rc"

if ((rc & 3)); then
	echo "FAIL: abidiff failed (status bits 1/2: error or usage error)"
	exit 1
fi
if ((rc & 8)); then
	echo "FAIL: incompatible ABI change (abidiff status bit 8) without a soname bump"
	exit 1
fi
if ((rc & 4)); then
	# "Functions changes summary: 0 Removed, 1 Changed (...), 2 Added functions",
	# the same for variables, and for symbols without debug information
	# ("Function symbols changes summary: 0 Removed, 1 Added function symbol ...").
	removed=$(grep -E 'changes summary:' <<<"$report" | sed -n 's/.*summary: \([0-9]*\) Removed.*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')
	changed=$(grep -E '^(Functions|Variables) changes summary:' <<<"$report" |
		sed -n 's/.*Removed[^,]*, \([0-9]*\) Changed.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
	if ((removed)); then
		echo "FAIL: $removed removed interface(s): programs linked against the baseline would not load"
		exit 1
	fi
	if ((changed)); then
		echo "FAIL: $changed changed interface(s): a type reachable from the API changed incompatibly"
		echo "(only structs with a size field may grow, at their end: abi/libcca.suppr)"
		exit 1
	fi
	echo "OK: compatible additions only. The baseline is behind the library: run abi/update.sh"
	echo "and commit abi/libcca.abi so that the added interfaces are protected too."
fi
exit 0
