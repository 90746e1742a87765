/* SPDX-License-Identifier: MIT */
/*
 * The launch options shared by cca-launch (examples/realm-launcher.c) and
 * cca-measure (tools/cca-measure.c): the options that shape a realm and its
 * measurement, their parsing, their defaults, reading the input files, the
 * built-in demo kernel and the struct cca_launch_params they give. One copy,
 * so that the launcher and the predictor cannot drift apart.
 *
 * Both programs use getopt_long(): they put LAUNCH_LONGOPTS in their option
 * table and pass every option code from LOPT_FIRST up to launch_option().
 * Every bad-input message is one line on stderr, "PREFIX message", and the
 * functions return LAUNCH_EXIT_USAGE (2) for it.
 */
#ifndef LAUNCH_OPTIONS_H
#define LAUNCH_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rmi/cca.h>

#define LAUNCH_EXIT_USAGE 2
/* vCPUs of the demo realm (no --kernel), as cca-launch boots it. */
#define LAUNCH_DEMO_CPUS 4
/* The revision without --abi when there is no kernel to ask (the simulator). */
#define LAUNCH_DEFAULT_ABI CCA_ABI_V15

/**
 * struct launch_options - what the user asked for (zero: not given)
 * @kernel, @initrd, @dtb, @cmdline: as given on the command line
 * @mem: --mem in bytes
 * @cpus, @ipa_bits, @sve_vl, @pmu_counters: as given
 * @psci: enum cca_launch_psci
 * @abi: --abi, CCA_ABI_UNKNOWN if not given
 * @rim_model: --model: enum cca_rim_model, 0 if not given (cca-measure only)
 * @rim_initial: --initial: enum cca_rim_initial (cca-measure only)
 * @rim_initial_set: --initial was given
 */
struct launch_options {
	const char *kernel, *initrd, *dtb, *cmdline;
	uint64_t mem;
	uint32_t cpus, ipa_bits, sve_vl, pmu_counters;
	uint32_t psci;
	enum cca_abi_rev abi;
	uint32_t rim_model;
	uint32_t rim_initial;
	bool rim_initial_set;
};

/* getopt_long() codes of the shared options; callers use codes below LOPT_FIRST. */
enum {
	LOPT_FIRST = 0x1000,
	LOPT_KERNEL = LOPT_FIRST,
	LOPT_INITRD,
	LOPT_CMDLINE,
	LOPT_DTB,
	LOPT_MEM,
	LOPT_CPUS,
	LOPT_IPA,
	LOPT_SVE,
	LOPT_PMU,
	LOPT_PSCI,
	LOPT_ABI,
	LOPT_MODEL,
	LOPT_INITIAL,
	LOPT_LAST
};

/* The realm-shaping options of both programs, for their struct option tables. */
#define LAUNCH_LONGOPTS                                                    \
	{ "kernel", required_argument, NULL, LOPT_KERNEL },                \
	{ "initrd", required_argument, NULL, LOPT_INITRD },                \
	{ "cmdline", required_argument, NULL, LOPT_CMDLINE },              \
	{ "dtb", required_argument, NULL, LOPT_DTB },                      \
	{ "mem", required_argument, NULL, LOPT_MEM },                      \
	{ "cpus", required_argument, NULL, LOPT_CPUS },                    \
	{ "ipa-bits", required_argument, NULL, LOPT_IPA },                 \
	{ "sve-vl", required_argument, NULL, LOPT_SVE },                   \
	{ "pmu-counters", required_argument, NULL, LOPT_PMU },             \
	{ "psci", required_argument, NULL, LOPT_PSCI },                    \
	{ "abi", required_argument, NULL, LOPT_ABI }
/* cca-measure's measurement-model overrides. */
#define LAUNCH_LONGOPTS_MODEL                                              \
	{ "model", required_argument, NULL, LOPT_MODEL },                  \
	{ "initial", required_argument, NULL, LOPT_INITIAL }

/**
 * struct launch_inputs - the files read, and the buffers the plan is made of
 * @kernel, @initrd, @dtb: malloc'ed contents (the demo kernel if no --kernel)
 * @kernel_len, @initrd_len, @dtb_len: their lengths
 * @demo: the kernel is the built-in demo kernel
 */
struct launch_inputs {
	void *kernel, *initrd, *dtb;
	size_t kernel_len, initrd_len, dtb_len;
	bool demo;
};

/* One line "PREFIX message\n" on stderr; returns LAUNCH_EXIT_USAGE. */
int launch_bad(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Apply the shared option @code with argument @arg to @o. Returns 0, or
 * LAUNCH_EXIT_USAGE after a message naming the problem.
 */
int launch_option(const char *prefix, int code, const char *arg, struct launch_options *o);

/*
 * The whole file at @path into a malloc'ed buffer with one extra NUL byte;
 * 0, or LAUNCH_EXIT_USAGE after a message naming @what and @path.
 */
int launch_read_file(const char *prefix, const char *what, const char *path, void **buf,
		     size_t *len);

/*
 * Read the kernel (or make the demo kernel when @o->kernel is NULL and
 * @demo_ok), the initrd and the DTB into @in. Returns 0 or LAUNCH_EXIT_USAGE
 * after a message; @in holds what was read either way (launch_inputs_free()).
 */
int launch_inputs_read(const char *prefix, const struct launch_options *o, bool demo_ok,
		       struct launch_inputs *in);
void launch_inputs_free(struct launch_inputs *in);

/*
 * cca_launch_params_init(), then the revision @rev, the inputs @in and the
 * options @o with the launchers' defaults (the demo realm has
 * LAUNCH_DEMO_CPUS vCPUs). @in must outlive the plan's creation.
 */
void launch_params_fill(struct cca_launch_params *lp, const struct launch_options *o,
			const struct launch_inputs *in, enum cca_abi_rev rev);

/*
 * The demo kernel: a valid arm64 Image header and a deterministic payload,
 * malloc'ed; NULL without memory.
 */
void *launch_demo_image(size_t *len);

/* The --help lines of the shared realm options (without --model/--initial). */
extern const char launch_options_help[];

#endif /* LAUNCH_OPTIONS_H */
