#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The 'install' test: `meson install` a build into a temporary DESTDIR, check
# that the library, the headers, libcca.pc, the tools and the man pages are
# there, then build tests/install/consumer.c against the installed tree with
# nothing but `pkg-config --cflags --libs libcca` and run it (and the
# installed tools) with LD_LIBRARY_PATH into the DESTDIR.
#
#   test-install.sh [--skip REASON] MESON BUILD_DIR SOURCE_DIR VERSION SANITIZE CC [CC_ARGS...]
#
# SANITIZE is the build's b_sanitize ("none", "address,undefined", "thread"):
# an instrumented libcca.so needs the sanitizer runtime in the program, so a
# sanitized build adds -fsanitize=SANITIZE to the consumer's link, and nothing
# else. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail

if [[ ${1:-} == --skip ]]; then
	echo "SKIP: $2"
	exit 77
fi
if (($# < 6)); then
	echo "usage: $0 [--skip REASON] MESON BUILD_DIR SOURCE_DIR VERSION SANITIZE CC [ARGS...]" >&2
	exit 2
fi
meson=$1 build=$2 src=$3 version=$4 sanitize=$5
shift 5
cc=("$@")

if ! command -v pkg-config >/dev/null; then
	echo "FAIL: pkg-config not found"
	exit 1
fi

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
failed=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# 1. Install.
if ! "$meson" install -C "$build" --destdir "$dest" --no-rebuild >"$dest.log" 2>&1; then
	cat "$dest.log"
	rm -f "$dest.log"
	fail "meson install -C $build --destdir DESTDIR --no-rebuild"
	exit 1
fi
rm -f "$dest.log"
ok "meson install --destdir"

# The installation directories, as configured (absolute, or relative to prefix).
read -r prefix bindir libdir includedir mandir < <("$meson" introspect --buildoptions "$build" |
	python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
p = o["prefix"]
print(p, *(os.path.join(p, o[k]) for k in ("bindir", "libdir", "includedir", "mandir")))')
echo "# prefix $prefix, libdir $libdir, DESTDIR $dest"

# 2. Everything meson says it installs is there.
missing=$("$meson" introspect --installed "$build" | python3 -c '
import json, os, sys
dest = sys.argv[1]
for path in sorted(json.load(sys.stdin).values()):
    if not os.path.lexists(dest + path):
        print(path)' "$dest")
if [[ -z $missing ]]; then ok "every file in meson introspect --installed"; else
	fail "not installed: $(echo $missing)"
fi

# 3. The pieces a user of the package needs, named.
d=$dest
check "library $libdir/libcca.so.$version" test -f "$d$libdir/libcca.so.$version"
check "soname link libcca.so.0" test -L "$d$libdir/libcca.so.0"
check "development link libcca.so" test -L "$d$libdir/libcca.so"
check "pkg-config file libcca.pc" test -f "$d$libdir/pkgconfig/libcca.pc"
for h in "$src"/include/rmi/*.h; do
	check "header rmi/${h##*/}" cmp -s "$h" "$d$includedir/rmi/${h##*/}"
done
for t in cca-probe cca-measure cca-launch; do
	check "tool $bindir/$t" test -x "$d$bindir/$t"
	check "man page man1/$t.1" test -f "$d$mandir/man1/$t.1"
done
check "overview man page man7/cca.7" test -f "$d$mandir/man7/cca.7"

# 4. libcca.pc: a shared link needs only -lcca; libcrypto (Requires.private),
# libfdt and the thread library (Libs.private) appear only for --static.
export PKG_CONFIG_PATH=$d$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$d
echo "# libcca.pc:"
sed 's/^/#   /' "$d$libdir/pkgconfig/libcca.pc"
pc_version=$(pkg-config --modversion libcca)
check "pkg-config --modversion libcca = $version" test "$pc_version" = "$version"
cflags=$(pkg-config --cflags libcca) libs=$(pkg-config --libs libcca) || fail "pkg-config --cflags --libs libcca"
static=$(pkg-config --static --libs libcca)
echo "# --cflags: $cflags"
echo "# --libs: $libs"
echo "# --static --libs: $static"
check "--cflags point into DESTDIR" grep -qF -- "-I$d$includedir" <<<"$cflags"
check "--libs: -L into DESTDIR and -lcca" grep -qE -- "-L$d$libdir( |$).*-lcca" <<<"$libs"
check "--libs: no private libraries for a shared link" \
	bash -c '! grep -qE -- "-l(crypto|fdt|ssl)|-pthread" <<<"$1"' - "$libs"
check "--static --libs: libcrypto" grep -qE -- "-lcrypto" <<<"$static"
check "--static --libs: libfdt" grep -qE -- "-lfdt|-l:libfdt" <<<"$static"
check "--static --libs: threads" grep -qE -- "-pthread|-lpthread" <<<"$static"

# 5. The consumer: compiled and linked with only pkg-config's flags.
extra=()
[[ $sanitize != none ]] && extra=("-fsanitize=$sanitize")
read -r -a cflags_a <<<"$cflags"
read -r -a libs_a <<<"$libs"
echo "# ${cc[*]} consumer.c -o consumer ${cflags_a[*]} ${libs_a[*]} ${extra[*]}"
if "${cc[@]}" "$src/tests/install/consumer.c" -o "$d/consumer" "${cflags_a[@]}" "${libs_a[@]}" "${extra[@]}"; then
	ok "consumer builds with pkg-config --cflags --libs libcca"
	export LD_LIBRARY_PATH=$d$libdir
	lib=$(ldd "$d/consumer" | awk '$1 == "libcca.so.0" { print $3 }')
	check "consumer loads libcca.so.0 from DESTDIR ($lib)" test "$lib" -ef "$d$libdir/libcca.so.0"
	out=$("$d/consumer" "$version")
	rc=$?
	sed 's/^/#   /' <<<"$out"
	check "consumer runs (cca_version, cca_strerror, cca_abi_has)" test "$rc" -eq 0
	# The installed tools (build RPATH stripped) run against the installed library.
	check "installed cca-probe --help" "$d$bindir/cca-probe" --help >/dev/null
	check "installed cca-measure --version" "$d$bindir/cca-measure" --version >/dev/null
	check "installed cca-launch --help" "$d$bindir/cca-launch" --help >/dev/null
else
	fail "consumer builds with pkg-config --cflags --libs libcca"
fi

echo "1..$n"
exit $failed
