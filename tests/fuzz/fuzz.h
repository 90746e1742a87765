/* SPDX-License-Identifier: MIT */
/*
 * What every libcca fuzz harness shares: libFuzzer's entry point and a check
 * that turns a broken invariant into a crash libFuzzer reports.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                           \
	do {                                                                               \
		if (!(c))                                                                  \
			abort();                                                           \
	} while (0)

#endif
