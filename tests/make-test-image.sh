#!/bin/sh
# SPDX-License-Identifier: MIT
# make-test-image.sh FILE: write the small arm64 Image the program tests boot
# and measure: 64-byte header (b +64, text_offset 0, image_size 0x2000,
# flags 0xa: little-endian, 4 KiB pages, anywhere; magic "ARM\x64"), a
# payload, zero padding to 8 KiB.
set -eu
{
	printf '\020\000\000\024\000\000\000\000'
	printf '\000\000\000\000\000\000\000\000'
	printf '\000\040\000\000\000\000\000\000'
	printf '\012\000\000\000\000\000\000\000'
	printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
	printf 'ARM\144\000\000\000\000'
	printf 'libcca test kernel payload\n'
	head -c $((8192 - 64 - 27)) /dev/zero
} >"$1"
