#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Regenerate abi/libcca.abi, the ABI baseline the 'abi' test suite compares the
# built libcca.so against (abi/check.sh, README "Compatibility").
#
#   abi/update.sh            configure a fresh gcc build in build/abi-baseline,
#                            build the library, write abi/libcca.abi
#   abi/update.sh LIBCCA_SO  write the baseline from an existing library (built
#                            by gcc with debug information in build/<name>/)
#
# Run it, and commit the result, when a release adds interfaces (the test
# then stops reporting them as additions) or in the commit that bumps the
# soname. Never to make an incompatible change pass without a bump.
#
# The output depends only on the library and the headers: no corpus path, no
# compilation directory, no DT_NEEDED list, only the types the public headers
# (include/rmi) define. Source locations stay (abidiff --headers-dir needs them
# to tell public types from private ones); they are relative to the build
# directory, hence a build directory at a fixed depth, build/<name>.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v abidw >/dev/null || {
	echo "abi/update.sh: abidw not found (Debian: apt-get install abigail-tools)" >&2
	exit 1
}

if (($# == 0)); then
	dir=build/abi-baseline
	rm -rf "$dir"
	CC=gcc meson setup "$dir" -Dtests=false -Dbuildtype=debugoptimized >/dev/null
	meson compile -C "$dir" lib/cca:shared_library >/dev/null
	so=$dir/lib/libcca.so
elif (($# == 1)); then
	so=$1
else
	echo "usage: $0 [LIBCCA_SO]" >&2
	exit 2
fi

# abidw follows the symlink; the soname is what the test compares.
abidw --headers-dir include/rmi --drop-private-types \
	--no-corpus-path --no-comp-dir-path --no-elf-needed \
	--out-file abi/libcca.abi.new "$so"
mv abi/libcca.abi.new abi/libcca.abi
echo "abi/update.sh: wrote abi/libcca.abi ($(grep -c '<elf-symbol ' abi/libcca.abi) symbols," \
	"soname $(sed -n 's/.*soname=.\([^"'"'"']*\).*/\1/p' abi/libcca.abi | head -1))"
