#!/bin/sh
# SPDX-License-Identifier: MIT
# run-fuzz.sh HARNESS WORKDIR SEEDDIR [libFuzzer options...]
# Runs a libFuzzer harness with WORKDIR/corpus as its (writable) corpus and
# SEEDDIR (the checked-in seeds, read only) as a second corpus directory;
# crashing inputs go to WORKDIR/artifacts/. Exits with libFuzzer's status.
set -eu
harness=$1 work=$2 seeds=$3
shift 3
mkdir -p "$work/corpus" "$work/artifacts"
exec "$harness" "$@" -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
