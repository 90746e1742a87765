#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian 12 packages libcca needs, and only those that are missing.
#
#   scripts/setup.sh                everything scripts/test.sh needs: gcc, clang,
#                                   clang's libFuzzer/sanitizer runtimes, the arm64
#                                   cross toolchain, libraries, QEMU, dtc and
#                                   abigail-tools (abidw/abidiff, the ABI check)
#   scripts/setup.sh --native-only  the native gcc build only (scripts/run.sh)
#
# As root it runs apt-get. Otherwise it prints the one command line that would
# install what is missing and exits 1. Exits 0 when everything is present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

native_pkgs=(meson ninja-build pkg-config gcc libfdt-dev libcmocka-dev libssl-dev)
# libclang-rt-14-dev (only recommended by clang): libFuzzer and clang's
# sanitizer runtimes, for the fuzz configuration. abigail-tools: abidiff, for
# the 'abi' test suite (abi/check.sh); without it that suite skips.
test_pkgs=(clang libclang-rt-14-dev gcc-aarch64-linux-gnu qemu-user-static device-tree-compiler
	abigail-tools)
# Installed in their own apt-get call, after arm64 is added to dpkg. Debian 12's
# libfdt-dev is not Multi-Arch: same (libfdt-dev:arm64 would remove the native
# one), so the cross build links libfdt1:arm64's libfdt.so.1 and uses the
# native, architecture-independent headers (see meson.build).
arm64_pkgs=(libfdt1 libcmocka-dev libssl-dev)

full=1
case "${1:-}" in
'') ;;
--native-only) full=0 ;;
*)
	echo "usage: $0 [--native-only]" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	echo "setup.sh: not a Debian system (no dpkg/apt-get); install by hand:" >&2
	echo "  ${native_pkgs[*]} ${test_pkgs[*]} and arm64 ${arm64_pkgs[*]}" >&2
	exit 1
fi

native_arch=$(dpkg --print-architecture)
# "package<TAB>architecture" of every installed package, once.
installed=$(dpkg-query -W -f='${Package}\t${Architecture}\t${db:Status-Status}\n' |
	awk -F '\t' '$3 == "installed" { print $1 "\t" $2 }')

# is_installed NAME ARCH: installed for ARCH, or architecture-independent ("all").
is_installed()
{
	grep -qxF -e "$1	$2" -e "$1	all" <<<"$installed"
}

want=("${native_pkgs[@]}")
if ((full)); then
	want+=("${test_pkgs[@]}")
fi
missing_native=()
for p in "${want[@]}"; do
	is_installed "$p" "$native_arch" || missing_native+=("$p")
done

add_arch=0
missing_arm64=()
if ((full)); then
	dpkg --print-foreign-architectures | grep -qx arm64 || add_arch=1
	for p in "${arm64_pkgs[@]}"; do
		is_installed "$p" arm64 || missing_arm64+=("$p:arm64")
	done
fi

if ((${#missing_native[@]} == 0 && ${#missing_arm64[@]} == 0 && !add_arch)); then
	exit 0
fi

apt_install='DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300'
steps=()
if ((${#missing_native[@]})); then
	steps+=("apt-get update" "$apt_install ${missing_native[*]}")
fi
if ((add_arch)); then
	steps+=("dpkg --add-architecture arm64")
fi
if ((${#missing_arm64[@]})); then
	# arm64 package lists exist only after an update that follows --add-architecture.
	if ((add_arch || ${#missing_native[@]} == 0)); then
		steps+=("apt-get update")
	fi
	steps+=("$apt_install ${missing_arm64[*]}")
fi

line=$(printf '%s && ' "${steps[@]}")
line=${line% && }

missing=$(printf '%s ' "${missing_native[@]}" "${missing_arm64[@]}")
missing=${missing% }
if ((EUID != 0)); then
	echo "setup.sh: missing packages: $missing" >&2
	echo "setup.sh: not root; run this line (or this script as root), then try again:" >&2
	echo "sudo sh -c '$line'"
	exit 1
fi

echo "setup.sh: installing: $missing" >&2
for step in "${steps[@]}"; do
	echo "+ $step" >&2
	sh -c "$step"
done
