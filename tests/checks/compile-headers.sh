#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Each public header must compile on its own, twice over (include guard), with
# -Wall -Wextra -Werror, as C11 or as C++11.
#
#   compile-headers.sh INCLUDE_DIR c|c++ COMPILER [COMPILER_ARGS...]
#
# Checks every INCLUDE_DIR/rmi/*.h, found when the test runs.
set -euo pipefail

if (($# < 3)); then
	echo "usage: $0 INCLUDE_DIR c|c++ COMPILER [ARGS...]" >&2
	exit 2
fi
incdir=$1
lang=$2
shift 2

case $lang in
c) flags=(-x c -std=c11) ext=c ;;
c++) flags=(-x c++ -std=c++11) ext=cc ;;
*)
	echo "$0: unknown language '$lang'" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
headers=("$incdir"/rmi/*.h)
if ((${#headers[@]} == 0)); then
	echo "$0: no headers in $incdir/rmi" >&2
	exit 1
fi

failed=0
for h in "${headers[@]}"; do
	name=rmi/$(basename "$h")
	src=$tmp/$(basename "$h" .h).$ext
	printf '#include <%s>\n#include <%s>\n' "$name" "$name" >"$src"
	if "$@" "${flags[@]}" -Wall -Wextra -Werror -I "$incdir" -c "$src" -o "$tmp/out.o"; then
		echo "ok: $name ($lang)"
	else
		echo "FAIL: $name does not compile alone as $lang" >&2
		failed=1
	fi
done
exit $failed
