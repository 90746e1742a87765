// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the `cca-measure --steps` parser (tools/cca-measure.c).
 *
 * The parser is a set of static functions inside the program, so this file
 * includes the program's source with main renamed (-Dmain=cca_measure_main
 * equivalent) and calls its parse_steps() and plan_free() directly: no
 * getopt state to reset, no exit-status oracle, and the replay (run(), the
 * hashing and the RIM engine) is bounded: it runs only for plans of at most
 * MAX_GRANULES data granules, with one job, output to /dev/null.
 *
 * Input: byte 0 selects the replay's output (bit 0 --json, bit 1 --log);
 * the rest is the steps file, written to input.steps in a private temporary
 * directory that also holds "blob" (10000 bytes) and "empty" (0 bytes) for
 * file= sources (relative paths are relative to the steps file's directory).
 */
int cca_measure_main(int argc, char **argv);
#define main cca_measure_main
#include "cca-measure.c"
#include "fuzz.h"
#undef main

int LLVMFuzzerInitialize(int *argc, char ***argv);
#define MAX_GRANULES 64

static char dir[] = "/tmp/cca-fuzz-steps-XXXXXX";
static char path[sizeof(dir) + 32];
static FILE *devnull;

static void cleanup(void)
{
	char p[sizeof(dir) + 32];

	snprintf(p, sizeof(p), "%s/blob", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/empty", dir);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[sizeof(dir) + 32];
	uint8_t blob[10000];
	FILE *f;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/input.steps", dir);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 3);
	snprintf(p, sizeof(p), "%s/blob", dir);
	f = fopen(p, "w");
	if (!f || fwrite(blob, 1, sizeof(blob), f) != sizeof(blob) || fclose(f))
		abort();
	snprintf(p, sizeof(p), "%s/empty", dir);
	f = fopen(p, "w");
	if (!f || fclose(f))
		abort();
	/*
	 * The program's messages go to stdio's stdout/stderr. Point those
	 * streams at /dev/null, but leave file descriptor 2 alone: libFuzzer
	 * and the sanitizers report there (libFuzzer captured the old stderr
	 * FILE before this runs).
	 */
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	stdout = devnull;
	stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode = size ? data[0] : 0;
	struct plan pl;
	FILE *f;
	int ret;

	if (size) {
		data++;
		size--;
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f))
		abort();

	memset(&pl, 0, sizeof(pl));
	ret = parse_steps(path, &pl);
	if (ret != 0 && ret != -1 && ret != -2)
		abort();
	if (ret == 0) {
		/* a parsed plan starts with its realm line; every data step is indexed */
		if (!pl.have_realm || pl.nsteps == 0 || pl.steps[0].kind != STEP_REALM)
			abort();
		if (pl.ipa_top != 1ULL << (pl.realm.s2sz - 1))
			abort();
		if (pl.ngranules <= MAX_GRANULES) {
			ret = run(&pl, 1, mode & 1, mode & 2);
			/* 1 is an internal error: only a file that cannot be read */
			if (ret != 0 && ret != EXIT_INTERNAL)
				abort();
		}
	}
	plan_free(&pl);
	return 0;
}
