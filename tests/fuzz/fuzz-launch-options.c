// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the launch options shared by cca-launch and
 * cca-measure (examples/launch-options.{c,h}).
 *
 * Input: NUL-separated arguments, parsed the way both programs parse them:
 * getopt_long() over a table of LAUNCH_LONGOPTS and LAUNCH_LONGOPTS_MODEL,
 * every code from LOPT_FIRST up handed to launch_option(). Arguments not
 * starting with '-' are given to launch_option() directly, with a code
 * chosen by their first byte (so --mem's size parser and every number
 * parser see arbitrary strings, and codes outside the table hit the
 * "internal error" branch). If every option was accepted, the options are
 * turned into launch parameters with the demo kernel (launch_params_fill())
 * and a plan is created and destroyed, as both programs do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch-options.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
#define MAX_ARGS 32
#define PREFIX "fuzz: "

static struct launch_inputs demo;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* launch_bad() writes to stdio's stderr: silence it, keep fd 2 for reports */
	stderr = fopen("/dev/null", "w");
	if (!stderr)
		abort();
	demo.kernel = launch_demo_image(&demo.kernel_len);
	if (!demo.kernel)
		abort();
	demo.demo = true;
	return 0;
}

static void check_options(const struct launch_options *o)
{
	CHECK(o->cpus <= CCA_MAX_RECS);
	CHECK(o->ipa_bits <= 64 && o->sve_vl <= 4096 && o->pmu_counters <= 64);
	CHECK(o->mem == 0 || (o->mem <= (1ULL << 51)));
	CHECK(o->psci <= CCA_LAUNCH_PSCI_KERNEL);
}

static void make_plan(const struct launch_options *o, uint8_t sel)
{
	static const enum cca_abi_rev revs[] = { CCA_ABI_V12, CCA_ABI_V13, CCA_ABI_V14,
						 CCA_ABI_V15 };
	struct cca_launch_params lp;
	struct cca_launch_plan *pl = NULL;
	char err[128];
	int ret;

	/* only names given: no file reads; the demo kernel stands in */
	launch_params_fill(&lp, o, &demo, o->abi ? o->abi : revs[sel % 4]);
	lp.initrd = NULL;
	lp.initrd_len = 0;
	lp.dtb = NULL;
	lp.dtb_len = 0;
	ret = cca_launch_plan_create(&lp, &pl, err, sizeof(err));
	CHECK(ret <= 0);
	CHECK((ret == 0) == (pl != NULL));
	cca_launch_plan_destroy(pl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct option longopts[] = {
		LAUNCH_LONGOPTS,
		LAUNCH_LONGOPTS_MODEL,
		{ "steps", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	char *buf, *argv[MAX_ARGS + 2];
	int argc = 1, bad = 0, c;
	struct launch_options o;
	uint8_t sel = size ? data[0] : 0;

	if (size) {
		data++;
		size--;
	}
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "fuzz";
	for (char *s = buf; argc < MAX_ARGS + 1 && s <= buf + size; s += strlen(s) + 1)
		argv[argc++] = s;
	argv[argc] = NULL;

	memset(&o, 0, sizeof(o));
	/* direct calls: each bare argument is ARG for a code chosen by its first byte */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int code;

		if (a[0] == '-')
			continue;
		code = a[0] ? LOPT_FIRST + (uint8_t)a[0] % (LOPT_LAST - LOPT_FIRST + 1) : 0;
		if (code == LOPT_LAST)
			code = (uint8_t)a[0] & 1 ? 0 : -1; /* not an option code */
		a = a[0] ? a + 1 : a;
		if (code == LOPT_KERNEL || code == LOPT_INITRD || code == LOPT_DTB)
			continue; /* names the programs would read: not here */
		if (launch_option(PREFIX, code, a, &o)) {
			bad = 1;
			continue;
		}
		CHECK(code >= LOPT_FIRST && code < LOPT_LAST);
		if (!bad) /* a refused value may be left in its field */
			check_options(&o);
	}

	/* getopt_long() over the same argv, as the programs do */
	optind = 0; /* reinitialise glibc's getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj:", longopts, NULL)) != -1) {
		if (c >= LOPT_FIRST && c < LOPT_LAST) {
			if (c == LOPT_KERNEL || c == LOPT_INITRD || c == LOPT_DTB)
				continue;
			if (launch_option(PREFIX, c, optarg, &o))
				bad = 1;
			else if (!bad)
				check_options(&o);
		}
	}
	if (!bad && (sel & 1))
		make_plan(&o, sel >> 1);
	free(buf);
	return 0;
}
