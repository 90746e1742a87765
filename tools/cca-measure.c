// SPDX-License-Identifier: MIT
/*
 * cca-measure: predict the Realm Initial Measurement (RIM) with libcca's
 * engine (include/rmi/measure.h).
 *
 * Two modes. Launch options (the launcher's own, parsed by the code cca-launch
 * uses: examples/launch-options.c) build the launch plan (rmi/launch.h) the
 * launcher would build and print its RIM, with the steps from
 * cca_launch_plan_measure() for --log. --steps FILE replays an explicit list
 * of measurement operations. The step format, the outputs and the exit
 * status are documented in help_head/help_tail below and in man/cca-measure.1.
 *
 * The --steps run has two phases. The whole steps file is parsed and checked first
 * (numbers, alignment, ranges against the realm's s2sz, files opened), so
 * that bad input gives exactly one message and no output. Then the steps are
 * replayed: the chain of descriptors is sequential on the main thread, while
 * the content hashes of DATA granules are computed in chunks of CHUNK
 * granules, either by the main thread just before it needs them (-j 1) or
 * ahead of it by N worker threads writing into a ring of chunk slots
 * (-j N). Both paths run hash_chunk(), so they cannot disagree.
 *
 * Exit status: 0 success, 1 internal or I/O error, 2 bad input or usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <rmi/cca.h>

#include "launch-options.h"

#define EXIT_INTERNAL 1
#define EXIT_INPUT 2

#define GRANULE CCA_RIM_GRANULE_SIZE
#define SLOT CCA_RIM_SLOT_SIZE
/* Granules per hashing chunk: 1 MiB of file per read and per work item. */
#define CHUNK 256U
#define MAX_JOBS 256U
/* Largest file offset we read at: pread() takes an off_t. */
#define MAX_OFFSET ((uint64_t)INT64_MAX)

static const char *const prog = "cca-measure";

/* ---- help ------------------------------------------------------------------ */

static const char help_head[] =
	"NAME\n"
	"    cca-measure - predict the Realm Initial Measurement (RIM) of an Arm CCA realm\n"
	"\n"
	"SYNOPSIS\n"
	"    cca-measure [LAUNCH OPTIONS] [--model rmm1|rmm2] [--initial params|zero]\n"
	"                [--log] [--json] [-j N]\n"
	"    cca-measure --steps FILE [--log] [--json] [-j N]\n"
	"    cca-measure --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    Computes the RIM the RMM will report in the realm's attestation token, with\n"
	"    libcca's measurement engine (rmi/measure.h). A verifier compares the result\n"
	"    with the token; --log shows every extension step, to find where two\n"
	"    measurements diverge.\n"
	"\n"
	"    Without --steps, the launch options describe a realm launch exactly as\n"
	"    cca-launch takes them (the same code parses them, with the same defaults):\n"
	"    the program builds the same launch plan (rmi/launch.h: layout, generated\n"
	"    DTB, operations) and prints the RIM the launcher's realm gets. Without\n"
	"    --kernel it measures cca-launch's built-in demo kernel (4 vCPUs unless\n"
	"    --cpus). With --steps FILE it replays an explicit list of measurement\n"
	"    operations instead (no launch options then).\n"
	"\n"
	"LAUNCH OPTIONS\n";

/* After launch_options_help (the options shared with cca-launch). */
static const char help_tail[] =
	"  --abi v12..v15       kernel ABI revision the realm is built on (v15, as\n"
	"                       cca-launch on the simulator; on KVM give the host's,\n"
	"                       which cca-probe prints); it selects the default model,\n"
	"                       the PSCI routing and whether a PMU is possible\n"
	"  --model rmm1|rmm2    measurement model (default from the revision: rmm1 for\n"
	"                       v12, rmm2 for v13 and later)\n"
	"  --initial params|zero\n"
	"                       rmm2's initial RIM: params = H(params image), as TF-RMM\n"
	"                       computes it (default); zero, as the 2.0-bet3\n"
	"                       specification text says (rmm1: params only)\n"
	"\n"
	"OPTIONS\n"
	"    --steps FILE   replay the steps in FILE; '-' reads standard input\n"
	"    --log          print every extension step: operation, arguments, content\n"
	"                   hash and the running RIM\n"
	"    --json         print one JSON object instead of text\n"
	"    -j, --jobs N   hash granule contents on N threads (1..256, default 1); the\n"
	"                   chain itself stays sequential and the result is the same.\n"
	"                   Accepted and ignored with launch options (the plan hashes\n"
	"                   its images itself)\n"
	"    -h, --help     print this text\n"
	"    --version      print the version\n"
	"\n"
	"STEP FORMAT\n"
	"    One operation per line, in the order the RMM sees them. A line is a keyword\n"
	"    and fields, separated by blanks; a field is KEY=VALUE or a bare word, in any\n"
	"    order, each at most once. Numbers are decimal or 0x hex (no octal, no\n"
	"    sign). '#' starts a comment (at the start of a line or of a field); blank\n"
	"    lines are ignored. Operations are not sorted: the order is the input's.\n"
	"\n"
	"    model rmm1|rmm2 [init=params|zero]\n"
	"        The measurement model; only as the first non-comment line; default\n"
	"        rmm1. rmm1 (RMM 1.0, KVM v12) measures ripas lines; rmm2 (RMM 2.0, KVM\n"
	"        v13 and later) does not, and allows sha384. init chooses rmm2's initial\n"
	"        RIM: params = H(params image), as TF-RMM computes it (default); zero =\n"
	"        all zero, as the 2.0-bet3 specification text says. rmm1 takes only params.\n"
	"\n"
	"    realm [hash=sha256|sha512|sha384] flags=N s2sz=N sve_vl=N num_bps=N\n"
	"          num_wps=N pmu_num_ctrs=N\n"
	"        REALM_CREATE: exactly one, before any other operation. The values are the\n"
	"        RMI encodings: flags bit 0 LPA2, 1 SVE, 2 PMU (3 DA, rmm2 only); s2sz the\n"
	"        IPA width including the shared bit (32..52); sve_vl = VQ - 1 (0..15);\n"
	"        num_bps, num_wps = count - 1 (0..63); pmu_num_ctrs = PMCR_EL0.N (0..31).\n"
	"        hash defaults to sha256; the others are required.\n"
	"\n"
	"    data ipa=ADDR measured|unmeasured SOURCE\n"
	"        DATA_CREATE / RTT_DATA_MAP_INIT of one 4 KiB granule. ipa is 4 KiB\n"
	"        aligned and below 2^(s2sz-1). SOURCE gives the granule's 4096 bytes:\n"
	"          fill=zero            all zero\n"
	"          fill=ramp            byte i is i & 0xff\n"
	"          file=PATH[:OFFSET]   4096 bytes of PATH at byte OFFSET (default 0),\n"
	"                               zero-padded past the end of the file (its\n"
	"                               size when cca-measure opens it)\n"
	"        SOURCE is required for measured data and optional for unmeasured data,\n"
	"        whose content is not read (a file given is still opened). A relative\n"
	"        PATH is relative to the directory of the steps file (the current\n"
	"        directory for '-'). PATH may not contain blanks; if it contains ':',\n"
	"        give :OFFSET explicitly (the last ':' starts the offset).\n"
	"\n"
	"    data-range ipa=ADDR [size=N] measured|unmeasured SOURCE\n"
	"        The same for size/4096 consecutive granules from ipa up, granule k\n"
	"        taken from OFFSET + k * 4096 of the file (or filled). size is a\n"
	"        non-zero multiple of 4096; with file= it defaults to the rest of the file\n"
	"        from OFFSET, rounded up to whole granules (zero-padded). The RIM is\n"
	"        printed once, after the last granule.\n"
	"\n"
	"    rec flags=N pc=ADDR [x0=V ... x7=V]\n"
	"        REC_CREATE. flags is 1 (RUNNABLE, measured) or 0 (accepted, not\n"
	"        measured: the RIM is unchanged). Missing x registers are 0.\n"
	"\n"
	"    ripas base=ADDR top=ADDR\n"
	"        RTT_INIT_RIPAS of one RTT entry: base and top 4 KiB aligned, base < top\n"
	"        <= 2^(s2sz-1). Measured by rmm1; accepted and ignored by rmm2.\n"
	"\n"
	"LAUNCH OUTPUT\n"
	"    Text (default): a header naming the choices, then the RIM (lower-case hex,\n"
	"    64 digits for sha256) alone on the last line:\n"
	"        # cca-measure model=MODEL initial=params|zero hash=HASH revision=REV\n"
	"        RIM\n"
	"    --log: the header, one line per engine step of the plan, in order, then the\n"
	"    RIM line:\n"
	"        SEQ OP ARGUMENTS... [blob=kernel|initrd|dtb] [content=HEX] extended=0|1\n"
	"        rim=HEX\n"
	"    (fields as in the --steps log below, without LINENO; blob names the input\n"
	"    a data granule comes from).\n"
	"    --json: {\"rim\", \"hash\", \"model\", \"initial\", \"revision\", \"steps\",\n"
	"    \"extends\", \"inputs\": {\"kernel\": SHA-256 of the kernel file (or the\n"
	"    demo kernel), \"initrd\": SHA-256 of the file or null, \"dtb\": SHA-256 of the\n"
	"    populated DTB region (the DTB and its zero tail, dtb_size bytes, generated\n"
	"    or given), \"demo_kernel\": true|false}, \"layout\": {addresses and sizes}},\n"
	"    with --log also \"log\" (one object per step, as below, without \"line\",\n"
	"    with \"blob\" for data).\n"
	"    Bad input (an option, a file, a plan the library refuses) gives one line\n"
	"    cca-measure: error: ... on stderr, nothing on stdout, and exit status 2.\n"
	"\n"
	"STEPS OUTPUT\n"
	"    Text (default): a header naming the choices,\n"
	"        # cca-measure model=MODEL initial=params|zero hash=HASH\n"
	"    then, for every operation line, the line number, the keyword and the RIM\n"
	"    after it, lower-case hex, digest length only (64 digits for sha256):\n"
	"        LINENO KEYWORD RIM\n"
	"    The last line holds the realm's RIM.\n"
	"\n"
	"    --log: the header, then one line per engine step instead (a data-range line\n"
	"    gives one per granule):\n"
	"        LINENO SEQ OP ARGUMENTS... [content=HEX] extended=0|1 rim=HEX\n"
	"    SEQ counts the engine's steps from 0 (realm). extended=0 marks a step that\n"
	"    was accepted but not hashed (REC without RUNNABLE, ripas under rmm2, the\n"
	"    zero initial RIM). content is the granule's hash or the REC image's hash.\n"
	"\n"
	"    --json: {\"rim\": HEX, \"hash\": \"sha256\", \"model\": \"rmm1\", \"initial\":\n"
	"    \"params\", \"steps\": N, \"extends\": M}, where steps counts the engine's\n"
	"    steps (realm included) and extends the hashes chained into the RIM; with\n"
	"    --log also \"log\": an array with one object per step (addresses and\n"
	"    flags as hex strings).\n"
	"\n"
	"    Nothing is printed to standard output when the input is bad.\n"
	"\n"
	"ENVIRONMENT\n"
	"    CCA_MEASURE_NO_MMAP   if set and not empty, read files with pread() instead\n"
	"                          of mapping them (the result is the same; for tests)\n"
	"\n"
	"EXIT STATUS\n"
	"    0  success\n"
	"    1  internal error (libcrypto, memory, threads, a read or write error)\n"
	"    2  bad input (one message FILE:LINE: error: ... on stderr; in launch mode\n"
	"       cca-measure: error: ...) or usage\n"
	"\n"
	"EXAMPLES\n"
	"    cca-measure --abi v13 --cpus 4 --kernel Image --initrd initrd.img --json\n"
	"\n"
	"    A steps file:\n"
	"    realm flags=0 s2sz=33 sve_vl=0 num_bps=1 num_wps=1 pmu_num_ctrs=0\n"
	"    data-range ipa=0x80000000 measured file=Image\n"
	"    data ipa=0x88000000 measured file=board.dtb\n"
	"    rec flags=1 pc=0x80000000 x0=0x88000000\n";

/* ---- parsed steps ---------------------------------------------------------- */

enum step_kind {
	STEP_REALM,
	STEP_DATA,
	STEP_RANGE,
	STEP_REC,
	STEP_RIPAS
};
enum src_kind {
	SRC_NONE,
	SRC_ZERO,
	SRC_RAMP,
	SRC_FILE
};

static const char *const kind_names[] = {
	[STEP_REALM] = "realm", [STEP_DATA] = "data",	[STEP_RANGE] = "data-range",
	[STEP_REC] = "rec",	[STEP_RIPAS] = "ripas",
};

/*
 * One operation line. DATA and RANGE lines are both a run of @b granules
 * starting at IPA @a; @first numbers their first granule in the stream of
 * all DATA granules (the unit of the hashing chunks).
 */
struct step {
	unsigned long line;
	uint64_t a; /* DATA: ipa; REC: pc; RIPAS: base */
	uint64_t b; /* DATA: granules; REC: flags; RIPAS: top */
	uint64_t off; /* DATA from a file: offset of the first granule */
	uint64_t first; /* DATA: stream index of the first granule */
	uint32_t aux; /* DATA from a file: index in files; REC: index in gprs */
	uint8_t kind;
	uint8_t measured;
	uint8_t src;
};

/*
 * A regular file is mapped whole when it is opened (no copy; its size is
 * taken then); anything else, a file that cannot be mapped, or every file
 * with $CCA_MEASURE_NO_MMAP set, is read with pread(). Granules past the end
 * are zero-padded either way. A mapped file that shrinks while it is read
 * raises SIGBUS: on_sigbus() reports it and exits 1.
 */
struct input_file {
	char *path; /* as opened: relative to the steps file's directory */
	int fd;
	const uint8_t *map; /* NULL: use pread() */
	uint64_t size; /* bytes mapped */
};

struct plan {
	enum cca_rim_model model;
	enum cca_rim_initial initial;
	bool have_realm;
	struct cca_rim_realm realm;
	uint64_t ipa_top; /* 1 << (s2sz - 1) */

	struct step *steps;
	size_t nsteps, cap_steps;
	size_t *data_idx; /* indices in steps of the DATA/RANGE steps, in order */
	size_t ndata, cap_data;
	uint64_t ngranules; /* DATA granules in the stream */

	struct input_file *files;
	size_t nfiles, cap_files;
	size_t last_file; /* lookup cache */

	uint64_t (*gprs)[8];
	size_t ngprs, cap_gprs;
};

/* ---- parser ---------------------------------------------------------------- */

struct parser {
	const char *name; /* for messages */
	char *dir; /* prefix for relative paths, "" for the current directory */
	unsigned long line;
	bool seen_op; /* a non-comment line was seen (model must come first) */
	bool no_mmap; /* $CCA_MEASURE_NO_MMAP: read every file with pread() */
	struct plan *plan;
};

__attribute__((format(printf, 2, 3))) static int fail(const struct parser *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: error: ", p->name, p->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int oom(void)
{
	fprintf(stderr, "%s: error: out of memory\n", prog);
	return -2;
}

/* Decimal or 0x hex, no sign, no octal, must fit 64 bits. */
static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/*
 * The fields a keyword accepts. A name ending in '=' takes a value; any other
 * is a bare word. collect() fills val[i] for each field present (bare words
 * get "") and leaves NULL for the others.
 */
#define MAX_FIELDS 16

static int collect(const struct parser *p, const char *kw, char **tok, int ntok,
		   const char *const *names, const char **val)
{
	int n = 0;

	while (names[n])
		n++;
	for (int i = 0; i < n; i++)
		val[i] = NULL;
	for (int t = 0; t < ntok; t++) {
		const char *eq = strchr(tok[t], '=');
		size_t klen = eq ? (size_t)(eq - tok[t]) + 1 : strlen(tok[t]);
		int i;

		for (i = 0; i < n; i++)
			if (strncmp(names[i], tok[t], klen) == 0 && names[i][klen] == '\0')
				break;
		if (i == n) {
			if (eq)
				return fail(p, "%s: unknown field '%.*s'", kw, (int)(klen - 1),
					    tok[t]);
			return fail(p, "%s: unknown field '%s'", kw, tok[t]);
		}
		if (val[i]) {
			if (eq)
				return fail(p, "%s: duplicate field '%.*s'", kw, (int)(klen - 1),
					    tok[t]);
			return fail(p, "%s: duplicate field '%s'", kw, tok[t]);
		}
		val[i] = eq ? eq + 1 : "";
	}
	return 0;
}

/* Field @name (without '=') with value @s: a number no larger than @max. */
static int number(const struct parser *p, const char *kw, const char *name, const char *s,
		  uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!*s)
		return fail(p, "%s: %s has no value", kw, name);
	if (!parse_u64(s, &v))
		return fail(p, "%s: bad number '%s' for %s (decimal or 0x hex)", kw, s, name);
	if (v > max)
		return fail(p, "%s: %s=%s is out of range (at most %" PRIu64 ")", kw, name, s, max);
	*out = v;
	return 0;
}

static int required(const struct parser *p, const char *kw, const char *name, const char *val)
{
	if (!val)
		return fail(p, "%s: missing field %s=", kw, name);
	return 0;
}

static void *grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return ptr;
	ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	n = realloc(ptr, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

static struct step *new_step(struct parser *p, enum step_kind kind)
{
	struct plan *pl = p->plan;
	struct step *s, *n = grow(pl->steps, &pl->cap_steps, pl->nsteps + 1, sizeof(*n));

	if (!n)
		return NULL;
	pl->steps = n;
	s = &pl->steps[pl->nsteps++];
	memset(s, 0, sizeof(*s));
	s->line = p->line;
	s->kind = (uint8_t)kind;
	return s;
}

static int parse_model(struct parser *p, char **tok, int ntok)
{
	static const char *const names[] = { "rmm1", "rmm2", "init=", NULL };
	const char *val[MAX_FIELDS];
	struct plan *pl = p->plan;

	if (p->seen_op)
		return fail(p, "model: must be the first non-comment line");
	if (collect(p, "model", tok, ntok, names, val))
		return -1;
	if (val[0] && val[1])
		return fail(p, "model: both rmm1 and rmm2");
	if (!val[0] && !val[1])
		return fail(p, "model: missing the model (rmm1 or rmm2)");
	pl->model = val[0] ? CCA_RIM_RMM1 : CCA_RIM_RMM2;
	pl->initial = CCA_RIM_INIT_PARAMS;
	if (val[2]) {
		if (strcmp(val[2], "params") == 0)
			pl->initial = CCA_RIM_INIT_PARAMS;
		else if (strcmp(val[2], "zero") == 0)
			pl->initial = CCA_RIM_INIT_ZERO;
		else
			return fail(p, "model: init=%s: expected params or zero", val[2]);
		if (pl->model == CCA_RIM_RMM1 && pl->initial != CCA_RIM_INIT_PARAMS)
			return fail(p, "model: rmm1 has no init=zero (only rmm2)");
	}
	return 0;
}

static int parse_realm(struct parser *p, char **tok, int ntok)
{
	static const char *const names[] = { "hash=",	 "flags=",   "s2sz=",	      "sve_vl=",
					     "num_bps=", "num_wps=", "pmu_num_ctrs=", NULL };
	static const char *const fields[] = { "hash",	 "flags",   "s2sz",	   "sve_vl",
					      "num_bps", "num_wps", "pmu_num_ctrs" };
	static const uint64_t max[] = { 0, UINT64_MAX, CCA_RIM_S2SZ_MAX, 15, 63, 63, 31 };
	const char *val[MAX_FIELDS];
	struct plan *pl = p->plan;
	struct cca_rim_realm r = { .size = sizeof(r) };
	uint64_t v[7] = { 0 };
	uint64_t known;
	struct cca_rim scratch;
	int ret;

	if (pl->have_realm)
		return fail(p, "realm: a second realm line (the first is line %lu)",
			    pl->steps[0].line);
	if (collect(p, "realm", tok, ntok, names, val))
		return -1;
	for (int i = 1; i < 7; i++)
		if (required(p, "realm", fields[i], val[i]) ||
		    number(p, "realm", fields[i], val[i], max[i], &v[i]))
			return -1;
	r.hash_algo = CCA_RMI_HASH_SHA_256;
	if (val[0]) {
		if (strcmp(val[0], "sha256") == 0)
			r.hash_algo = CCA_RMI_HASH_SHA_256;
		else if (strcmp(val[0], "sha512") == 0)
			r.hash_algo = CCA_RMI_HASH_SHA_512;
		else if (strcmp(val[0], "sha384") == 0)
			r.hash_algo = CCA_RMI_HASH_SHA_384;
		else
			return fail(p, "realm: hash=%s: expected sha256, sha512 or sha384", val[0]);
	}
	if (r.hash_algo == CCA_RMI_HASH_SHA_384 && pl->model == CCA_RIM_RMM1)
		return fail(p, "realm: hash=sha384 needs 'model rmm2'");
	if (v[2] < CCA_RIM_S2SZ_MIN)
		return fail(p, "realm: s2sz=%s is out of range (%u..%u)", val[2], CCA_RIM_S2SZ_MIN,
			    CCA_RIM_S2SZ_MAX);
	known = pl->model == CCA_RIM_RMM1 ? CCA_RIM_RMM1_REALM_FLAGS : CCA_RIM_RMM2_REALM_FLAGS;
	if (v[1] & ~known)
		return fail(p,
			    "realm: flags=%s has bits model %s does not know (allowed 0x%" PRIx64
			    ")",
			    val[1], cca_rim_model_name(pl->model), known);
	r.flags = v[1];
	r.s2sz = (uint8_t)v[2];
	r.sve_vl = (uint8_t)v[3];
	r.num_bps = (uint8_t)v[4];
	r.num_wps = (uint8_t)v[5];
	r.pmu_num_ctrs = (uint8_t)v[6];
	/* The engine has the last word on what it accepts. */
	ret = cca_rim_init(&scratch, pl->model, pl->initial, &r);
	if (ret == -EINVAL)
		return fail(p, "realm: parameters rejected by model %s",
			    cca_rim_model_name(pl->model));
	if (ret) {
		fprintf(stderr, "%s: error: the RIM engine failed: %s\n", prog, cca_strerror(ret));
		return -2;
	}
	if (!new_step(p, STEP_REALM))
		return oom();
	pl->realm = r;
	pl->have_realm = true;
	pl->ipa_top = 1ULL << (r.s2sz - 1);
	return 0;
}

/* Is @full the path @dir followed by the first @len bytes of @path? */
static bool same_path(const char *full, const char *dir, size_t dlen, const char *path, size_t len)
{
	return strncmp(full, dir, dlen) == 0 && strncmp(full + dlen, path, len) == 0 &&
	       full[dlen + len] == '\0';
}

/* Open (or find) the first @len bytes of @path as an input file. */
static int open_file(struct parser *p, const char *kw, const char *path, size_t len,
		     uint32_t *index, uint64_t *size)
{
	struct plan *pl = p->plan;
	const char *dir = path[0] == '/' ? "" : p->dir;
	size_t dlen = strlen(dir), n;
	struct input_file *f;
	struct stat st;
	char *full;
	off_t end;
	int fd;

	if (!len)
		return fail(p, "%s: file= has an empty path", kw);
	if (len > PATH_MAX)
		return fail(p, "%s: file= path longer than %d bytes", kw, PATH_MAX);
	/* Most lines name the file the line before named: no allocation then. */
	if (pl->last_file < pl->nfiles &&
	    same_path(pl->files[pl->last_file].path, dir, dlen, path, len))
		goto found;
	n = dlen + len + 1;
	full = malloc(n);
	if (!full)
		return oom();
	snprintf(full, n, "%s%.*s", dir, (int)len, path);
	for (size_t i = 0; i < pl->nfiles; i++) {
		if (strcmp(pl->files[i].path, full) == 0) {
			free(full);
			pl->last_file = i;
			goto found;
		}
	}
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		fail(p, "%s: cannot open '%s': %s", kw, full, strerror(e));
		free(full);
		return e == ENOMEM || e == EMFILE || e == ENFILE ? -2 : -1;
	}
	if (fstat(fd, &st) || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		fail(p, "%s: '%s' is not a regular file or block device", kw, full);
		close(fd);
		free(full);
		return -1;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		fail(p, "%s: cannot seek '%s': %s", kw, full, strerror(errno));
		close(fd);
		free(full);
		return -1;
	}
	f = grow(pl->files, &pl->cap_files, pl->nfiles + 1, sizeof(*f));
	if (!f) {
		close(fd);
		free(full);
		return oom();
	}
	pl->files = f;
	f = &pl->files[pl->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = full;
	f->fd = fd;
	f->size = (uint64_t)end;
	if (S_ISREG(st.st_mode) && end > 0 && f->size <= SIZE_MAX && !p->no_mmap) {
		void *m = mmap(NULL, (size_t)f->size, PROT_READ, MAP_SHARED, fd, 0);

		if (m != MAP_FAILED)
			f->map = m;
	}
	pl->last_file = pl->nfiles++;
found:
	*index = (uint32_t)pl->last_file;
	*size = pl->files[pl->last_file].size;
	return 0;
}

static int parse_data(struct parser *p, char **tok, int ntok, bool range)
{
	static const char *const names[] = { "ipa=",  "measured", "unmeasured", "file=",
					     "fill=", "size=",	  NULL };
	static const char *const names_data[] = { "ipa=",  "measured", "unmeasured",
						  "file=", "fill=",    NULL };
	const char *kw = range ? "data-range" : "data";
	const char *val[MAX_FIELDS];
	struct plan *pl = p->plan;
	uint64_t ipa, size = 0, off = 0, fsize = 0;
	uint32_t findex = 0;
	enum src_kind src = SRC_NONE;
	struct step *s;
	int ret;

	if (collect(p, kw, tok, ntok, range ? names : names_data, val))
		return -1;
	if (!pl->have_realm)
		return fail(p, "%s: before the realm line", kw);
	if (required(p, kw, "ipa", val[0]) || number(p, kw, "ipa", val[0], UINT64_MAX, &ipa))
		return -1;
	if (ipa % GRANULE)
		return fail(p, "%s: ipa=%s is not 4 KiB aligned", kw, val[0]);
	if (val[1] && val[2])
		return fail(p, "%s: both measured and unmeasured", kw);
	if (!val[1] && !val[2])
		return fail(p, "%s: missing 'measured' or 'unmeasured'", kw);
	if (val[3] && val[4])
		return fail(p, "%s: both file= and fill=", kw);
	if (val[4]) {
		if (strcmp(val[4], "zero") == 0)
			src = SRC_ZERO;
		else if (strcmp(val[4], "ramp") == 0)
			src = SRC_RAMP;
		else
			return fail(p, "%s: fill=%s: expected zero or ramp", kw, val[4]);
	} else if (val[3]) {
		const char *colon = strrchr(val[3], ':');
		size_t len = colon ? (size_t)(colon - val[3]) : strlen(val[3]);

		if (colon && number(p, kw, "the file offset", colon + 1, MAX_OFFSET, &off))
			return -1;
		ret = open_file(p, kw, val[3], len, &findex, &fsize);
		if (ret)
			return ret;
		src = SRC_FILE;
	} else if (val[1]) {
		return fail(p, "%s: measured data needs file= or fill=", kw);
	}

	if (range && val[5]) {
		if (number(p, kw, "size", val[5], UINT64_MAX, &size))
			return -1;
		if (size == 0 || size % GRANULE)
			return fail(p, "%s: size=%s is not a non-zero multiple of 4096", kw,
				    val[5]);
	} else if (range) {
		if (src != SRC_FILE)
			return fail(p, "%s: missing field size= (needed without file=)", kw);
		if (off >= fsize)
			return fail(p,
				    "%s: offset %" PRIu64 " is at or past the end of '%s' (%" PRIu64
				    " bytes): give size=",
				    kw, off, pl->files[findex].path, fsize);
		size = fsize - off;
		size += (GRANULE - size % GRANULE) % GRANULE;
	} else {
		size = GRANULE;
	}
	if (ipa >= pl->ipa_top || pl->ipa_top - ipa < size)
		return fail(p,
			    "%s: ipa=%s%s is outside the protected IPA space (below 0x%" PRIx64
			    " for s2sz=%u)",
			    kw, val[0], range ? " + size" : "", pl->ipa_top, pl->realm.s2sz);
	if (src == SRC_FILE && size > MAX_OFFSET - off)
		return fail(p, "%s: file offset too large", kw);

	s = new_step(p, range ? STEP_RANGE : STEP_DATA);
	if (!s)
		return oom();
	size_t *idx = grow(pl->data_idx, &pl->cap_data, pl->ndata + 1, sizeof(*idx));
	if (!idx)
		return oom();
	pl->data_idx = idx;
	pl->data_idx[pl->ndata++] = pl->nsteps - 1;
	s->a = ipa;
	s->b = size / GRANULE;
	s->off = off;
	s->first = pl->ngranules;
	s->aux = findex;
	s->measured = val[1] != NULL;
	s->src = (uint8_t)src;
	pl->ngranules += s->b;
	return 0;
}

static int parse_rec(struct parser *p, char **tok, int ntok)
{
	static const char *const names[] = { "flags=", "pc=", "x0=", "x1=", "x2=", "x3=",
					     "x4=",    "x5=", "x6=", "x7=", NULL };
	const char *val[MAX_FIELDS];
	struct plan *pl = p->plan;
	uint64_t flags, pc, x[8] = { 0 };
	struct step *s;
	uint64_t(*g)[8];

	if (collect(p, "rec", tok, ntok, names, val))
		return -1;
	if (!pl->have_realm)
		return fail(p, "rec: before the realm line");
	if (required(p, "rec", "flags", val[0]) || required(p, "rec", "pc", val[1]) ||
	    number(p, "rec", "flags", val[0], CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, &flags) ||
	    number(p, "rec", "pc", val[1], UINT64_MAX, &pc))
		return -1;
	for (int i = 0; i < 8; i++) {
		char name[3] = { 'x', (char)('0' + i), '\0' };

		if (val[2 + i] && number(p, "rec", name, val[2 + i], UINT64_MAX, &x[i]))
			return -1;
	}
	g = grow(pl->gprs, &pl->cap_gprs, pl->ngprs + 1, sizeof(*g));
	if (!g)
		return oom();
	pl->gprs = g;
	memcpy(pl->gprs[pl->ngprs], x, sizeof(x));
	s = new_step(p, STEP_REC);
	if (!s)
		return oom();
	s->a = pc;
	s->b = flags;
	s->aux = (uint32_t)pl->ngprs++;
	return 0;
}

static int parse_ripas(struct parser *p, char **tok, int ntok)
{
	static const char *const names[] = { "base=", "top=", NULL };
	const char *val[MAX_FIELDS];
	struct plan *pl = p->plan;
	uint64_t base, top;
	struct step *s;

	if (collect(p, "ripas", tok, ntok, names, val))
		return -1;
	if (!pl->have_realm)
		return fail(p, "ripas: before the realm line");
	if (required(p, "ripas", "base", val[0]) || required(p, "ripas", "top", val[1]) ||
	    number(p, "ripas", "base", val[0], UINT64_MAX, &base) ||
	    number(p, "ripas", "top", val[1], UINT64_MAX, &top))
		return -1;
	if (base % GRANULE || top % GRANULE)
		return fail(p, "ripas: base=%s top=%s: not 4 KiB aligned", val[0], val[1]);
	if (top <= base)
		return fail(p, "ripas: top=%s is not above base=%s", val[1], val[0]);
	if (top > pl->ipa_top)
		return fail(p,
			    "ripas: top=%s is outside the protected IPA space (at most 0x%" PRIx64
			    " for s2sz=%u)",
			    val[1], pl->ipa_top, pl->realm.s2sz);
	s = new_step(p, STEP_RIPAS);
	if (!s)
		return oom();
	s->a = base;
	s->b = top;
	return 0;
}

/* Split @line into blank-separated tokens up to a '#' token; returns the count or -1. */
static int tokenize(char *line, char ***tok, size_t *cap)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' ||
		       *s == '\f')
			s++;
		if (!*s || *s == '#')
			break;
		if ((size_t)n == *cap) {
			char **t = grow(*tok, cap, (size_t)n + 1, sizeof(*t));
			if (!t)
				return oom();
			*tok = t;
		}
		(*tok)[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' && *s != '\v' &&
		       *s != '\f')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/* Returns 0, -1 after a FILE:LINE message (bad input), -2 after another message. */
static int parse_line(struct parser *p, char *line, char ***tok, size_t *cap)
{
	int n = tokenize(line, tok, cap);
	char **t = *tok;
	int ret;

	if (n <= 0)
		return n;
	if (strcmp(t[0], "model") == 0)
		ret = parse_model(p, t + 1, n - 1);
	else if (strcmp(t[0], "realm") == 0)
		ret = parse_realm(p, t + 1, n - 1);
	else if (strcmp(t[0], "data") == 0)
		ret = parse_data(p, t + 1, n - 1, false);
	else if (strcmp(t[0], "data-range") == 0)
		ret = parse_data(p, t + 1, n - 1, true);
	else if (strcmp(t[0], "rec") == 0)
		ret = parse_rec(p, t + 1, n - 1);
	else if (strcmp(t[0], "ripas") == 0)
		ret = parse_ripas(p, t + 1, n - 1);
	else
		ret = fail(p, "unknown keyword '%s' (model, realm, data, data-range, rec, ripas)",
			   t[0]);
	p->seen_op = true;
	return ret;
}

static int parse_steps(const char *path, struct plan *pl)
{
	struct parser p = { .plan = pl };
	FILE *f;
	char *line = NULL, **tok = NULL;
	size_t linecap = 0, tokcap = 0;
	ssize_t len;
	int ret = 0;

	if (strcmp(path, "-") == 0) {
		f = stdin;
		p.name = "<stdin>";
		p.dir = strdup("");
	} else {
		const char *slash = strrchr(path, '/');

		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "%s: error: cannot open '%s': %s\n", prog, path,
				strerror(errno));
			return -1;
		}
		p.name = path;
		p.dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup("");
	}
	if (!p.dir) {
		ret = oom();
		goto out;
	}
	pl->model = CCA_RIM_RMM1;
	pl->initial = CCA_RIM_INIT_PARAMS;
	p.no_mmap = getenv("CCA_MEASURE_NO_MMAP") && *getenv("CCA_MEASURE_NO_MMAP");
	while ((len = getline(&line, &linecap, f)) >= 0) {
		p.line++;
		if (memchr(line, '\0', (size_t)len)) {
			ret = fail(&p, "NUL byte in the line");
			goto out;
		}
		ret = parse_line(&p, line, &tok, &tokcap);
		if (ret)
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: error: reading '%s': %s\n", prog, p.name, strerror(errno));
		ret = -2;
		goto out;
	}
	if (!pl->have_realm) {
		if (p.line == 0)
			p.line = 1;
		ret = fail(&p, "no realm line");
	}
out:
	free(line);
	free(tok);
	free(p.dir);
	if (f != stdin)
		fclose(f);
	return ret;
}

static void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->nfiles; i++) {
		if (pl->files[i].map)
			munmap((void *)pl->files[i].map, (size_t)pl->files[i].size);
		close(pl->files[i].fd);
		free(pl->files[i].path);
	}
	free(pl->files);
	free(pl->steps);
	free(pl->data_idx);
	free(pl->gprs);
}

/* ---- content hashing -------------------------------------------------------- */

struct chunk_err {
	int err; /* -errno */
	unsigned long line;
	size_t file;
};

struct hasher {
	const struct plan *pl;
	unsigned int algo;
	uint8_t zero_hash[SLOT];
	uint8_t ramp_hash[SLOT];
	uint64_t nchunks;
};

static int read_at(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	memset(buf + got, 0, len - got); /* zero-padded past the end of the file */
	return 0;
}

/* The index in pl->data_idx of the DATA step holding stream granule @g. */
static size_t find_data(const struct plan *pl, uint64_t g)
{
	size_t lo = 0, hi = pl->ndata;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pl->steps[pl->data_idx[mid]].first <= g)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Content hashes of the stream granules of chunk @c into @out[0..CHUNK-1]
 * (unmeasured granules are left alone). @buf holds CHUNK granules. Granules
 * of a mapped file are hashed in place, except one that crosses the end of
 * the file; the others are read into @buf first, in as few reads as the
 * file offsets allow. Returns 0 or -errno, with @e filled.
 */
static int hash_chunk(const struct hasher *h, uint64_t c, uint8_t (*out)[SLOT], uint8_t *buf,
		      struct chunk_err *e)
{
	const struct plan *pl = h->pl;
	uint64_t start = c * CHUNK;
	uint64_t end = start + CHUNK < pl->ngranules ? start + CHUNK : pl->ngranules;
	const uint8_t *src[CHUNK]; /* NULL: not hashed here */
	/* pending pread(): granules [run_at, run_at + run_len) of the chunk from run_file */
	size_t run_file = 0, run_at = 0, run_len = 0;
	const struct step *run_step = NULL;
	uint64_t run_off = 0;
	size_t k = find_data(pl, start);
	int ret;

	for (uint64_t g = start; g < end; k++) {
		const struct step *s = &pl->steps[pl->data_idx[k]];
		uint64_t within = g - s->first;
		size_t cnt = (size_t)(s->b - within < end - g ? s->b - within : end - g);
		size_t at = (size_t)(g - start);
		const struct input_file *f = s->src == SRC_FILE ? &pl->files[s->aux] : NULL;
		uint64_t off = s->off + within * GRANULE;

		for (size_t i = 0; i < cnt; i++)
			src[at + i] = NULL;
		g += cnt;
		if (!s->measured) {
			continue;
		} else if (s->src == SRC_ZERO || s->src == SRC_RAMP) {
			for (size_t i = 0; i < cnt; i++)
				memcpy(out[at + i],
				       s->src == SRC_ZERO ? h->zero_hash : h->ramp_hash, SLOT);
			continue;
		} else if (f && f->map) {
			for (size_t i = 0; i < cnt; i++, off += GRANULE) {
				uint8_t *b = buf + (at + i) * GRANULE;

				if (off < f->size && f->size - off >= GRANULE) {
					src[at + i] = f->map + off;
					continue;
				}
				memset(b, 0, GRANULE);
				if (off < f->size)
					memcpy(b, f->map + off, (size_t)(f->size - off));
				src[at + i] = b;
			}
			continue;
		}
		for (size_t i = 0; i < cnt; i++)
			src[at + i] = buf + (at + i) * GRANULE;
		if (run_len && (run_file != s->aux || run_at + run_len != at ||
				run_off + run_len * GRANULE != off)) {
			ret = read_at(pl->files[run_file].fd, buf + run_at * GRANULE,
				      run_len * GRANULE, run_off);
			if (ret)
				goto fail;
			run_len = 0;
		}
		if (!run_len) {
			run_file = s->aux;
			run_at = at;
			run_off = off;
			run_step = s;
		}
		run_len += cnt;
	}
	if (run_len) {
		ret = read_at(pl->files[run_file].fd, buf + run_at * GRANULE, run_len * GRANULE,
			      run_off);
		if (ret)
			goto fail;
	}
	for (size_t i = 0; i < (size_t)(end - start); i++) {
		if (!src[i])
			continue;
		ret = cca_rim_hash_granule(h->algo, src[i], out[i]);
		if (ret < 0) {
			e->err = ret;
			e->line = 0;
			return ret;
		}
	}
	return 0;
fail:
	e->err = ret;
	e->line = run_step->line;
	e->file = run_file;
	return ret;
}

/* ---- the ring of chunk slots (-j N) ---------------------------------------- */

struct slot {
	uint64_t chunk;
	bool done;
	struct chunk_err err;
	uint8_t (*hash)[SLOT];
};

struct pool {
	const struct hasher *h;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t next; /* next chunk to hand out */
	uint64_t consumed; /* chunks the chain is done with */
	bool stop;
	struct slot *slots;
	unsigned int nslots;
	/* -j 1: no threads, one slot, one buffer */
	unsigned int nthreads;
	pthread_t *threads;
	uint8_t *buf;
	uint64_t have; /* -j 1: chunk in slots[0], UINT64_MAX if none */
};

static void *worker(void *arg)
{
	struct pool *po = arg;
	uint8_t *buf = malloc((size_t)CHUNK * GRANULE);
	struct chunk_err e = { 0 };

	pthread_mutex_lock(&po->lock);
	for (;;) {
		while (!po->stop && po->next < po->h->nchunks &&
		       po->next >= po->consumed + po->nslots)
			pthread_cond_wait(&po->cond, &po->lock);
		if (po->stop || po->next >= po->h->nchunks)
			break;
		uint64_t c = po->next++;
		struct slot *s = &po->slots[c % po->nslots];
		pthread_mutex_unlock(&po->lock);

		memset(&e, 0, sizeof(e));
		if (!buf)
			e.err = -ENOMEM;
		else
			hash_chunk(po->h, c, s->hash, buf, &e);

		pthread_mutex_lock(&po->lock);
		s->chunk = c;
		s->err = e;
		s->done = true;
		pthread_cond_broadcast(&po->cond);
	}
	pthread_mutex_unlock(&po->lock);
	free(buf);
	return NULL;
}

static void pool_stop(struct pool *po)
{
	if (po->nthreads) {
		pthread_mutex_lock(&po->lock);
		po->stop = true;
		pthread_cond_broadcast(&po->cond);
		pthread_mutex_unlock(&po->lock);
		for (unsigned int i = 0; i < po->nthreads; i++)
			pthread_join(po->threads[i], NULL);
		po->nthreads = 0;
	}
	if (po->slots)
		for (unsigned int i = 0; i < po->nslots; i++)
			free(po->slots[i].hash);
	free(po->slots);
	free(po->threads);
	free(po->buf);
	pthread_cond_destroy(&po->cond);
	pthread_mutex_destroy(&po->lock);
}

static int pool_start(struct pool *po, const struct hasher *h, unsigned int jobs)
{
	memset(po, 0, sizeof(*po));
	po->h = h;
	po->have = UINT64_MAX;
	pthread_mutex_init(&po->lock, NULL);
	pthread_cond_init(&po->cond, NULL);
	if (jobs > h->nchunks)
		jobs = h->nchunks ? (unsigned int)h->nchunks : 1;
	po->nslots = jobs == 1 ? 1 : 2 * jobs + 1;
	po->slots = calloc(po->nslots, sizeof(*po->slots));
	if (!po->slots)
		return -ENOMEM;
	for (unsigned int i = 0; i < po->nslots; i++) {
		po->slots[i].hash = malloc((size_t)CHUNK * SLOT);
		if (!po->slots[i].hash)
			return -ENOMEM;
	}
	if (jobs == 1) {
		po->buf = malloc((size_t)CHUNK * GRANULE);
		return po->buf ? 0 : -ENOMEM;
	}
	po->threads = calloc(jobs, sizeof(*po->threads));
	if (!po->threads)
		return -ENOMEM;
	for (unsigned int i = 0; i < jobs; i++) {
		int ret = pthread_create(&po->threads[i], NULL, worker, po);
		if (ret)
			return -ret;
		po->nthreads++;
	}
	return 0;
}

/* The content hashes of chunk @c, in order of use; NULL after an error in @e. */
static uint8_t (*pool_get(struct pool *po, uint64_t c, struct chunk_err *e))[SLOT]
{
	struct slot *s;

	if (!po->nthreads) {
		s = &po->slots[0];
		if (po->have != c) {
			po->have = c;
			if (hash_chunk(po->h, c, s->hash, po->buf, e))
				return NULL;
		}
		return s->hash;
	}
	s = &po->slots[c % po->nslots];
	pthread_mutex_lock(&po->lock);
	if (c > 0 && po->consumed < c) {
		/* done with chunk c - 1: let a worker reuse its slot */
		po->slots[(c - 1) % po->nslots].done = false;
		po->consumed = c;
		pthread_cond_broadcast(&po->cond);
	}
	while (!(s->done && s->chunk == c))
		pthread_cond_wait(&po->cond, &po->lock);
	pthread_mutex_unlock(&po->lock);
	if (s->err.err) {
		*e = s->err;
		return NULL;
	}
	return s->hash;
}

/* ---- output ---------------------------------------------------------------- */

struct out {
	FILE *f; /* standard output */
	const struct cca_launch_layout *launch; /* launch mode: no line numbers, blob names */
	FILE *log; /* --json --log: the log array, output at the end */
	char *log_buf;
	size_t log_len;
	bool json;
	bool log_steps;
	unsigned long line; /* line of the step being replayed */
	uint64_t nlog;
};

/* @len bytes of @p as 2 * @len hex digits at @s; returns the end. */
static char *hex_at(char *s, const uint8_t *p, unsigned int len)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < len; i++) {
		*s++ = digits[p[i] >> 4];
		*s++ = digits[p[i] & 0xf];
	}
	return s;
}

static void hex(FILE *f, const uint8_t *p, unsigned int len)
{
	char s[2 * SLOT];

	fwrite(s, 1, (size_t)(hex_at(s, p, len) - s), f);
}

/* "LINENO KEYWORD RIM\n", without printf: one per line of the steps file. */
static void print_rim_line(FILE *f, unsigned long line, const char *kw, const uint8_t *rim,
			   unsigned int len)
{
	char buf[24 + 16 + 2 * SLOT + 2], num[24];
	char *s = buf, *n = num + sizeof(num);

	do {
		*--n = (char)('0' + line % 10);
		line /= 10;
	} while (line);
	memcpy(s, n, (size_t)(num + sizeof(num) - n));
	s += num + sizeof(num) - n;
	*s++ = ' ';
	while (*kw)
		*s++ = *kw++;
	*s++ = ' ';
	s = hex_at(s, rim, len);
	*s++ = '\n';
	fwrite(buf, 1, (size_t)(s - buf), f);
}

/* Launch mode: which input a DATA granule at @ipa belongs to. */
static const char *blob_name(const struct cca_launch_layout *l, uint64_t ipa)
{
	if (ipa >= l->kernel_load && ipa - l->kernel_load < l->kernel_size)
		return "kernel";
	if (l->initrd_size && ipa >= l->initrd_addr && ipa - l->initrd_addr < l->initrd_size)
		return "initrd";
	if (ipa >= l->dtb_addr && ipa - l->dtb_addr < l->dtb_size)
		return "dtb";
	return "other";
}

static void log_text(struct out *o, const struct cca_rim_step *s)
{
	FILE *f = o->f;

	if (!o->launch)
		fprintf(f, "%lu ", o->line);
	fprintf(f, "%" PRIu64 " %s", s->seq, cca_rim_op_name(s->op));
	switch (s->op) {
	case CCA_RIM_OP_REALM:
		fprintf(f,
			" hash=%s flags=0x%" PRIx64 " s2sz=%u sve_vl=%u num_bps=%u num_wps=%u"
			" pmu_num_ctrs=%u",
			cca_rim_hash_name(s->realm->hash_algo), s->realm->flags, s->realm->s2sz,
			s->realm->sve_vl, s->realm->num_bps, s->realm->num_wps,
			s->realm->pmu_num_ctrs);
		break;
	case CCA_RIM_OP_DATA:
		fprintf(f, " ipa=0x%" PRIx64 " %s", s->ipa, s->flags ? "measured" : "unmeasured");
		if (o->launch)
			fprintf(f, " blob=%s", blob_name(o->launch, s->ipa));
		break;
	case CCA_RIM_OP_REC:
		fprintf(f, " flags=0x%" PRIx64 " pc=0x%" PRIx64, s->flags, s->pc);
		for (int i = 0; i < 8; i++)
			fprintf(f, " x%d=0x%" PRIx64, i, s->gprs[i]);
		break;
	case CCA_RIM_OP_RIPAS:
		fprintf(f, " base=0x%" PRIx64 " top=0x%" PRIx64, s->base, s->top);
		break;
	default:
		break;
	}
	if (s->content) {
		fputs(" content=", f);
		hex(f, s->content, s->digest_len);
	}
	fprintf(f, " extended=%u rim=", s->extended);
	hex(f, s->rim, s->digest_len);
	fputc('\n', f);
}

static void log_json(struct out *o, const struct cca_rim_step *s)
{
	FILE *f = o->log;

	fputs(o->nlog ? ",\n    {" : "    {", f);
	if (!o->launch)
		fprintf(f, "\"line\": %lu, ", o->line);
	fprintf(f, "\"seq\": %" PRIu64 ", \"op\": \"%s\"", s->seq, cca_rim_op_name(s->op));
	switch (s->op) {
	case CCA_RIM_OP_REALM:
		fprintf(f,
			", \"hash\": \"%s\", \"flags\": \"0x%" PRIx64
			"\", \"s2sz\": %u, \"sve_vl\": %u"
			", \"num_bps\": %u, \"num_wps\": %u, \"pmu_num_ctrs\": %u",
			cca_rim_hash_name(s->realm->hash_algo), s->realm->flags, s->realm->s2sz,
			s->realm->sve_vl, s->realm->num_bps, s->realm->num_wps,
			s->realm->pmu_num_ctrs);
		break;
	case CCA_RIM_OP_DATA:
		fprintf(f, ", \"ipa\": \"0x%" PRIx64 "\", \"measured\": %s", s->ipa,
			s->flags ? "true" : "false");
		if (o->launch)
			fprintf(f, ", \"blob\": \"%s\"", blob_name(o->launch, s->ipa));
		break;
	case CCA_RIM_OP_REC:
		fprintf(f, ", \"flags\": \"0x%" PRIx64 "\", \"pc\": \"0x%" PRIx64 "\", \"gprs\": [",
			s->flags, s->pc);
		for (int i = 0; i < 8; i++)
			fprintf(f, "%s\"0x%" PRIx64 "\"", i ? ", " : "", s->gprs[i]);
		fputc(']', f);
		break;
	case CCA_RIM_OP_RIPAS:
		fprintf(f, ", \"base\": \"0x%" PRIx64 "\", \"top\": \"0x%" PRIx64 "\"", s->base,
			s->top);
		break;
	default:
		break;
	}
	if (s->content) {
		fputs(", \"content\": \"", f);
		hex(f, s->content, s->digest_len);
		fputc('"', f);
	}
	fprintf(f, ", \"extended\": %s, \"rim\": \"", s->extended ? "true" : "false");
	hex(f, s->rim, s->digest_len);
	fputs("\"}", f);
}

static void on_step(void *ctx, const struct cca_rim_step *s)
{
	struct out *o = ctx;

	if (o->json)
		log_json(o, s);
	else
		log_text(o, s);
	o->nlog++;
}

/* ---- replay ---------------------------------------------------------------- */

/* An engine call failed on a checked input: a bug or libcrypto. */
static int engine_failed(const struct step *s, int ret)
{
	fprintf(stderr, "%s: error: line %lu: the RIM engine failed: %s\n", prog, s->line,
		cca_strerror(ret));
	return EXIT_INTERNAL;
}

static int read_failed(const struct plan *pl, const struct chunk_err *e)
{
	if (e->line)
		fprintf(stderr, "%s: error: line %lu: reading '%s': %s\n", prog, e->line,
			pl->files[e->file].path, strerror(-e->err));
	else
		fprintf(stderr, "%s: error: hashing failed: %s\n", prog, cca_strerror(e->err));
	return EXIT_INTERNAL;
}

static int replay(const struct plan *pl, struct pool *po, struct out *o, struct cca_rim *rim)
{
	uint64_t cur = UINT64_MAX;
	uint8_t(*hashes)[SLOT] = NULL;
	int ret;

	for (size_t i = 0; i < pl->nsteps; i++) {
		const struct step *s = &pl->steps[i];

		o->line = s->line;
		switch (s->kind) {
		case STEP_REALM:
			ret = cca_rim_init_cb(rim, pl->model, pl->initial, &pl->realm,
					      o->log_steps ? on_step : NULL, o);
			break;
		case STEP_DATA:
		case STEP_RANGE:
			ret = 0;
			for (uint64_t k = 0; k < s->b && !ret; k++) {
				uint64_t g = s->first + k;

				if (g / CHUNK != cur) {
					struct chunk_err e = { 0 };

					cur = g / CHUNK;
					hashes = pool_get(po, cur, &e);
					if (!hashes)
						return read_failed(pl, &e);
				}
				ret = cca_rim_data_hashed(rim, s->a + k * GRANULE, s->measured,
							  s->measured ? hashes[g % CHUNK] : NULL);
			}
			break;
		case STEP_REC:
			ret = cca_rim_rec(rim, s->b, s->a, pl->gprs[s->aux]);
			break;
		case STEP_RIPAS:
			ret = cca_rim_ripas(rim, s->a, s->b);
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret)
			return engine_failed(s, ret);
		if (!o->json && !o->log_steps)
			print_rim_line(o->f, s->line, kind_names[s->kind], rim->rim,
				       rim->digest_len);
	}
	return 0;
}

static int run(const struct plan *pl, unsigned int jobs, bool json, bool log_steps)
{
	struct out o = { .f = stdout, .json = json, .log_steps = log_steps };
	struct hasher h = { .pl = pl, .algo = pl->realm.hash_algo };
	uint8_t g[GRANULE];
	struct cca_rim rim;
	struct pool po;
	int ret;

	h.nchunks = (pl->ngranules + CHUNK - 1) / CHUNK;
	memset(g, 0, sizeof(g));
	if (cca_rim_hash_granule(h.algo, g, h.zero_hash) < 0)
		goto crypto;
	for (unsigned int i = 0; i < GRANULE; i++)
		g[i] = (uint8_t)(i & 0xff);
	if (cca_rim_hash_granule(h.algo, g, h.ramp_hash) < 0)
		goto crypto;

	if (json && log_steps) {
		o.log = open_memstream(&o.log_buf, &o.log_len);
		if (!o.log) {
			fprintf(stderr, "%s: error: out of memory\n", prog);
			return EXIT_INTERNAL;
		}
	}
	ret = pool_start(&po, &h, jobs);
	if (ret) {
		fprintf(stderr, "%s: error: starting %u hashing threads: %s\n", prog, jobs,
			strerror(-ret));
		pool_stop(&po);
		ret = EXIT_INTERNAL;
		goto out;
	}
	if (!json)
		fprintf(o.f, "# cca-measure model=%s initial=%s hash=%s\n",
			cca_rim_model_name(pl->model), cca_rim_initial_name(pl->initial),
			cca_rim_hash_name(pl->realm.hash_algo));
	ret = replay(pl, &po, &o, &rim);
	pool_stop(&po);
	if (ret)
		goto out;
	if (json) {
		fputs("{\n  \"rim\": \"", o.f);
		hex(o.f, rim.rim, rim.digest_len);
		fprintf(o.f,
			"\",\n  \"hash\": \"%s\",\n  \"model\": \"%s\",\n  \"initial\": \"%s\",\n"
			"  \"steps\": %" PRIu64 ",\n  \"extends\": %" PRIu64,
			cca_rim_hash_name(rim.hash_algo), cca_rim_model_name(rim.model),
			cca_rim_initial_name(rim.initial), rim.nr_ops + 1, rim.nr_extends);
		if (o.log) {
			if (fclose(o.log)) {
				o.log = NULL;
				fprintf(stderr, "%s: error: out of memory\n", prog);
				ret = EXIT_INTERNAL;
				goto out;
			}
			o.log = NULL;
			fputs(",\n  \"log\": [\n", o.f);
			fwrite(o.log_buf, 1, o.log_len, o.f);
			fputs(o.log_len ? "\n  ]" : "  ]", o.f);
		}
		fputs("\n}\n", o.f);
	}
out:
	if (o.log)
		fclose(o.log);
	free(o.log_buf);
	return ret;
crypto:
	fprintf(stderr, "%s: error: hashing failed (libcrypto)\n", prog);
	return EXIT_INTERNAL;
}

/* ---- launch mode ------------------------------------------------------------ */

/* The prefix of bad-input messages in launch mode: one line, exit status 2. */
#define LAUNCH_PREFIX "cca-measure: error: "

/* SHA-256 of @len bytes as 64 hex digits and a NUL in @out; false if libcrypto fails. */
static bool sha256_hex(const void *p, size_t len, char out[65])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return false;
	*hex_at(out, md, 32) = '\0';
	return true;
}

static void json_hex_field(FILE *f, const char *name, uint64_t v, bool last)
{
	fprintf(f, "    \"%s\": \"0x%" PRIx64 "\"%s\n", name, v, last ? "" : ",");
}

/*
 * Build the launch plan the launcher would build from the same options and
 * print its RIM: text (a header naming the choices, then the RIM), --log
 * (every step of cca_launch_plan_measure()) or --json.
 */
static int launch_mode(const struct launch_options *lo, bool json, bool log_steps)
{
	struct out o = { .f = stdout, .json = json, .log_steps = log_steps };
	struct launch_inputs in;
	struct cca_launch_params lp;
	struct cca_launch_plan *plan = NULL;
	const struct cca_launch_layout *l;
	const struct cca_launch_op *ops;
	struct cca_rim rim;
	enum cca_abi_rev rev = lo->abi ? lo->abi : LAUNCH_DEFAULT_ABI;
	char err[512] = "", kernel_hex[65], initrd_hex[65] = "", dtb_hex[65] = "";
	uint8_t want[CCA_RIM_SLOT_SIZE];
	size_t want_len = 0, nops;
	int ret, status = EXIT_INTERNAL;

	if (launch_inputs_read(LAUNCH_PREFIX, lo, true, &in)) {
		launch_inputs_free(&in);
		return EXIT_INPUT;
	}
	launch_params_fill(&lp, lo, &in, rev);
	ret = cca_launch_plan_create(&lp, &plan, err, sizeof(err));
	if (ret) {
		fprintf(stderr, LAUNCH_PREFIX "%s\n", err[0] ? err : cca_strerror(ret));
		launch_inputs_free(&in);
		return ret == -ENOMEM || ret == -EIO ? EXIT_INTERNAL : EXIT_INPUT;
	}
	l = cca_launch_plan_layout(plan);
	o.launch = l;

	/* The inputs' own digests: the files as read, the DTB region as populated. */
	if (!sha256_hex(in.kernel, in.kernel_len, kernel_hex) ||
	    (in.initrd && !sha256_hex(in.initrd, in.initrd_len, initrd_hex)))
		goto crypto;
	nops = cca_launch_plan_ops(plan, &ops);
	for (size_t i = 0; i < nops; i++)
		if (ops[i].kind == CCA_LAUNCH_OP_POPULATE && ops[i].index == CCA_LAUNCH_DTB &&
		    !sha256_hex(ops[i].src, (size_t)ops[i].len, dtb_hex))
			goto crypto;

	if (json && log_steps) {
		o.log = open_memstream(&o.log_buf, &o.log_len);
		if (!o.log) {
			fprintf(stderr, "%s: error: out of memory\n", prog);
			goto out;
		}
	}
	if (!json)
		fprintf(o.f, "# cca-measure model=%s initial=%s hash=%s revision=%s\n",
			cca_rim_model_name((enum cca_rim_model)l->rim_model),
			cca_rim_initial_name((enum cca_rim_initial)l->rim_initial),
			cca_rim_hash_name(CCA_RMI_HASH_SHA_256), cca_abi_rev_name(l->revision));
	/* The replay gives the steps; it must end where the plan's own RIM does. */
	ret = cca_launch_plan_measure(plan, &rim, log_steps ? on_step : NULL, &o);
	if (ret) {
		fprintf(stderr, "%s: error: measuring the plan: %s\n", prog, cca_strerror(ret));
		goto out;
	}
	cca_launch_plan_rim(plan, want, &want_len);
	if (want_len != rim.digest_len || memcmp(want, rim.rim, want_len)) {
		fprintf(stderr, "%s: error: the replayed RIM differs from the plan's\n", prog);
		goto out;
	}
	if (!json) {
		hex(o.f, rim.rim, rim.digest_len);
		fputc('\n', o.f);
		status = 0;
		goto out;
	}
	fputs("{\n  \"rim\": \"", o.f);
	hex(o.f, rim.rim, rim.digest_len);
	fprintf(o.f,
		"\",\n  \"hash\": \"%s\",\n  \"model\": \"%s\",\n  \"initial\": \"%s\",\n"
		"  \"revision\": \"%s\",\n  \"steps\": %" PRIu64 ",\n  \"extends\": %" PRIu64 ",\n",
		cca_rim_hash_name(rim.hash_algo), cca_rim_model_name(rim.model),
		cca_rim_initial_name(rim.initial), cca_abi_rev_name(l->revision), rim.nr_ops + 1,
		rim.nr_extends);
	fprintf(o.f, "  \"inputs\": {\n    \"kernel\": \"%s\",\n", kernel_hex);
	if (initrd_hex[0])
		fprintf(o.f, "    \"initrd\": \"%s\",\n", initrd_hex);
	else
		fputs("    \"initrd\": null,\n", o.f);
	fprintf(o.f, "    \"dtb\": \"%s\",\n    \"demo_kernel\": %s\n  },\n", dtb_hex,
		in.demo ? "true" : "false");
	fputs("  \"layout\": {\n", o.f);
	json_hex_field(o.f, "ram_base", l->ram_base, false);
	json_hex_field(o.f, "ram_size", l->ram_size, false);
	fprintf(o.f, "    \"ipa_bits\": %u,\n    \"vcpus\": %u,\n    \"psci\": \"%s\",\n",
		l->ipa_bits, l->nr_vcpus, l->psci_user ? "user" : "kernel");
	json_hex_field(o.f, "kernel", l->kernel_load, false);
	json_hex_field(o.f, "kernel_size", l->kernel_size, false);
	json_hex_field(o.f, "initrd", l->initrd_addr, false);
	json_hex_field(o.f, "initrd_size", l->initrd_size, false);
	json_hex_field(o.f, "dtb", l->dtb_addr, false);
	json_hex_field(o.f, "dtb_size", l->dtb_size, true);
	fputs("  }", o.f);
	if (o.log) {
		if (fclose(o.log)) {
			o.log = NULL;
			fprintf(stderr, "%s: error: out of memory\n", prog);
			goto out;
		}
		o.log = NULL;
		fputs(",\n  \"log\": [\n", o.f);
		fwrite(o.log_buf, 1, o.log_len, o.f);
		fputs(o.log_len ? "\n  ]" : "  ]", o.f);
	}
	fputs("\n}\n", o.f);
	status = 0;
out:
	if (o.log)
		fclose(o.log);
	free(o.log_buf);
	cca_launch_plan_destroy(plan);
	launch_inputs_free(&in);
	return status;
crypto:
	fprintf(stderr, "%s: error: hashing failed (libcrypto)\n", prog);
	goto out;
}

/* ---- main ------------------------------------------------------------------ */

/* A mapped input file was truncated under us: the pages are gone. */
static void on_sigbus(int sig)
{
	static const char msg[] = "cca-measure: error: an input file shrank while it was read\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)n;
	(void)sig;
	_exit(EXIT_INTERNAL);
}

int main(int argc, char **argv)
{
	enum {
		OPT_STEPS = 256,
		OPT_LOG,
		OPT_JSON,
		OPT_VERSION
	};
	static const struct option longopts[] = {
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "log", no_argument, NULL, OPT_LOG },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		LAUNCH_LONGOPTS,
		LAUNCH_LONGOPTS_MODEL,
		{ NULL, 0, NULL, 0 },
	};
	struct launch_options lo = { 0 };
	const char *launch_opt = NULL; /* the first launch option given */
	const char *steps = NULL;
	bool json = false, log_steps = false;
	unsigned int jobs = 1;
	struct plan pl;
	uint64_t v;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj:", longopts, NULL)) != -1) {
		if (c >= LOPT_FIRST && c < LOPT_LAST) {
			if (launch_option(LAUNCH_PREFIX, c, optarg, &lo))
				return EXIT_INPUT;
			for (const struct option *lp = longopts; !launch_opt && lp->name; lp++)
				if (lp->val == c)
					launch_opt = lp->name;
			continue;
		}
		switch (c) {
		case OPT_STEPS:
			steps = optarg;
			break;
		case OPT_LOG:
			log_steps = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'j':
			if (!parse_u64(optarg, &v) || v < 1 || v > MAX_JOBS) {
				fprintf(stderr,
					"%s: error: -j %s: expected a number from 1 to %u\n", prog,
					optarg, MAX_JOBS);
				return EXIT_INPUT;
			}
			jobs = (unsigned int)v;
			break;
		case 'h':
			fputs(help_head, stdout);
			fputs(launch_options_help, stdout);
			fputs(help_tail, stdout);
			return fflush(stdout) || ferror(stdout) ? EXIT_INTERNAL : 0;
		case OPT_VERSION:
			printf("cca-measure (libcca) %s\n", cca_version());
			return fflush(stdout) || ferror(stdout) ? EXIT_INTERNAL : 0;
		case ':':
			fprintf(stderr, "%s: error: option '%s' needs an argument\n", prog,
				argv[optind - 1]);
			return EXIT_INPUT;
		default:
			if (optopt)
				fprintf(stderr, "%s: error: unknown option '-%c' (see --help)\n",
					prog, optopt);
			else
				fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n",
					prog, argv[optind - 1]);
			return EXIT_INPUT;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: error: unexpected argument '%s'\n", prog, argv[optind]);
		return EXIT_INPUT;
	}
	if (steps && launch_opt) {
		fprintf(stderr, "%s: error: --steps takes no launch options (--%s)\n", prog,
			launch_opt);
		return EXIT_INPUT;
	}
	if (!steps) {
		/* -j: the plan hashes its few MiB itself; accepted for symmetry. */
		ret = launch_mode(&lo, json, log_steps);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "%s: error: writing the output: %s\n", prog, strerror(errno));
			return EXIT_INTERNAL;
		}
		return ret;
	}

	memset(&pl, 0, sizeof(pl));
	ret = parse_steps(steps, &pl);
	if (ret) {
		plan_free(&pl);
		return ret == -1 ? EXIT_INPUT : EXIT_INTERNAL;
	}
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	ret = run(&pl, jobs, json, log_steps);
	plan_free(&pl);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: error: writing the output: %s\n", prog, strerror(errno));
		return EXIT_INTERNAL;
	}
	return ret;
}
