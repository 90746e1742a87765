#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install what is missing, build libcca in build/, run the host probe, then
# boot the demo realm with the launcher: on realm-capable KVM if this host has
# it, otherwise on the simulated KVM+RMM backend (the launcher says which).
#
# cca-probe exits 0 when this host can run realms and 1 when it cannot (every
# x86 machine, and arm64 without CCA); both are normal answers, so this script
# prints the probe's report and succeeds either way. It fails when the
# install or the build fails, or when the probe itself breaks (any other exit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh --native-only

if [[ ! -f build/meson-private/coredata.dat ]]; then
	meson setup build
fi
meson compile -C build

echo "== build/tools/cca-probe"
rc=0
build/tools/cca-probe || rc=$?
case $rc in
0) echo "== realms are available on this host" ;;
1) echo "== realms are not available on this host (cca-probe exit 1; see above)" ;;
*)
	echo "== cca-probe failed (exit $rc)" >&2
	exit "$rc"
	;;
esac

echo "== build/examples/cca-launch (the demo realm)"
build/examples/cca-launch
