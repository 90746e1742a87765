// SPDX-License-Identifier: MIT
/*
 * The launch options of cca-launch and cca-measure: see launch-options.h.
 */
#include "launch-options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Files larger than this are refused before reading (RAM is at most 52 bits anyway). */
#define FILE_LIMIT (1ULL << 32)
#define STR_(x) #x
#define STR(x) STR_(x)

const char launch_options_help[] =
	"  --kernel IMAGE       arm64 Linux Image (default: a built-in demo kernel)\n"
	"  --initrd FILE        initial ramdisk\n"
	"  --cmdline STR        kernel command line (/chosen/bootargs)\n"
	"  --dtb FILE           use this device tree instead of generating one\n"
	"  --mem SIZE           RAM size, a 2 MiB multiple, suffix K, M or G (256M)\n"
	"  --cpus N             vCPUs, 1.." STR(CCA_MAX_RECS) " (1; the demo realm: " STR(
		LAUNCH_DEMO_CPUS) ")\n"
	"  --ipa-bits N         IPA width including the shared bit (computed)\n"
	"  --sve-vl N           SVE vector length in bytes (no SVE)\n"
	"  --pmu-counters N     PMU event counters (no PMU)\n"
	"  --psci user|kernel   where PSCI calls are handled (user on v12/v13)\n";

int launch_bad(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	fputs(prefix, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LAUNCH_EXIT_USAGE;
}

static int parse_u32(const char *prefix, const char *opt, const char *s, uint32_t max,
		     uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return launch_bad(prefix, "%s '%s': not a number", opt, s);
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return launch_bad(prefix, "%s '%s': not a number up to %" PRIu32, opt, s, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_size(const char *prefix, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return launch_bad(prefix, "--mem '%s': malformed size (a number with K, M or G)", s);
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (errno || *end)
		return launch_bad(prefix, "--mem '%s': malformed size (a number with K, M or G)", s);
	if (!v)
		return launch_bad(prefix, "--mem '%s': the realm needs some RAM", s);
	if (v > (UINT64_MAX >> shift) || (v << shift) > (1ULL << 51))
		return launch_bad(prefix,
				  "--mem '%s': larger than a 52-bit IPA space's protected half", s);
	*out = (uint64_t)v << shift;
	return 0;
}

int launch_option(const char *prefix, int code, const char *arg, struct launch_options *o)
{
	int ret = 0;

	switch (code) {
	case LOPT_KERNEL: o->kernel = arg; break;
	case LOPT_INITRD: o->initrd = arg; break;
	case LOPT_CMDLINE: o->cmdline = arg; break;
	case LOPT_DTB: o->dtb = arg; break;
	case LOPT_MEM: ret = parse_size(prefix, arg, &o->mem); break;
	case LOPT_CPUS:
		ret = parse_u32(prefix, "--cpus", arg, UINT32_MAX, &o->cpus);
		if (!ret && o->cpus == 0)
			ret = launch_bad(prefix, "--cpus 0: a realm needs at least one vCPU");
		else if (!ret && o->cpus > CCA_MAX_RECS)
			ret = launch_bad(prefix, "--cpus %" PRIu32 ": a realm has at most %d vCPUs",
					 o->cpus, CCA_MAX_RECS);
		break;
	case LOPT_IPA: ret = parse_u32(prefix, "--ipa-bits", arg, 64, &o->ipa_bits); break;
	case LOPT_SVE: ret = parse_u32(prefix, "--sve-vl", arg, 4096, &o->sve_vl); break;
	case LOPT_PMU: ret = parse_u32(prefix, "--pmu-counters", arg, 64, &o->pmu_counters); break;
	case LOPT_PSCI:
		if (!strcmp(arg, "user"))
			o->psci = CCA_LAUNCH_PSCI_USER;
		else if (!strcmp(arg, "kernel"))
			o->psci = CCA_LAUNCH_PSCI_KERNEL;
		else
			ret = launch_bad(prefix, "--psci '%s': expected user or kernel", arg);
		break;
	case LOPT_ABI:
		if (cca_abi_rev_parse(arg, &o->abi))
			ret = launch_bad(prefix, "--abi '%s': unknown revision (v12, v13, v14 or v15)",
					 arg);
		break;
	case LOPT_MODEL:
		if (!strcmp(arg, "rmm1"))
			o->rim_model = CCA_RIM_RMM1;
		else if (!strcmp(arg, "rmm2"))
			o->rim_model = CCA_RIM_RMM2;
		else
			ret = launch_bad(prefix, "--model '%s': expected rmm1 or rmm2", arg);
		break;
	case LOPT_INITIAL:
		o->rim_initial_set = true;
		if (!strcmp(arg, "params"))
			o->rim_initial = CCA_RIM_INIT_PARAMS;
		else if (!strcmp(arg, "zero"))
			o->rim_initial = CCA_RIM_INIT_ZERO;
		else
			ret = launch_bad(prefix, "--initial '%s': expected params or zero", arg);
		break;
	default:
		ret = launch_bad(prefix, "internal error: option code %d", code);
		break;
	}
	return ret;
}

int launch_read_file(const char *prefix, const char *what, const char *path, void **buf,
		     size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *p;

	if (!f)
		return launch_bad(prefix, "cannot open %s '%s': %s", what, path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return launch_bad(prefix, "%s '%s' is not a regular file", what, path);
	}
	if ((uint64_t)st.st_size > FILE_LIMIT) {
		fclose(f);
		return launch_bad(prefix, "%s '%s' is too large (%lld bytes)", what, path,
				  (long long)st.st_size);
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		fclose(f);
		return launch_bad(prefix, "%s '%s': out of memory", what, path);
	}
	size_t n = fread(p, 1, (size_t)st.st_size, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || n != (size_t)st.st_size) {
		free(p);
		return launch_bad(prefix, "cannot read %s '%s'", what, path);
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

int launch_inputs_read(const char *prefix, const struct launch_options *o, bool demo_ok,
		       struct launch_inputs *in)
{
	int ret = 0;

	memset(in, 0, sizeof(*in));
	if (o->kernel) {
		ret = launch_read_file(prefix, "kernel", o->kernel, &in->kernel, &in->kernel_len);
	} else if (!demo_ok) {
		ret = launch_bad(prefix, "--kernel is required");
	} else {
		in->demo = true;
		in->kernel = launch_demo_image(&in->kernel_len);
		if (!in->kernel)
			ret = launch_bad(prefix, "out of memory");
	}
	if (!ret && o->initrd) {
		ret = launch_read_file(prefix, "initrd", o->initrd, &in->initrd, &in->initrd_len);
		if (!ret && !in->initrd_len)
			ret = launch_bad(prefix, "initrd '%s' is empty", o->initrd);
	}
	if (!ret && o->dtb)
		ret = launch_read_file(prefix, "DTB", o->dtb, &in->dtb, &in->dtb_len);
	return ret;
}

void launch_inputs_free(struct launch_inputs *in)
{
	free(in->kernel);
	free(in->initrd);
	free(in->dtb);
	memset(in, 0, sizeof(*in));
}

void launch_params_fill(struct cca_launch_params *lp, const struct launch_options *o,
			const struct launch_inputs *in, enum cca_abi_rev rev)
{
	cca_launch_params_init(lp);
	lp->revision = rev;
	lp->kernel = in->kernel;
	lp->kernel_len = in->kernel_len;
	lp->initrd = in->initrd;
	lp->initrd_len = in->initrd_len;
	lp->dtb = in->dtb;
	lp->dtb_len = in->dtb_len;
	lp->cmdline = o->cmdline;
	if (o->mem)
		lp->ram_size = o->mem;
	lp->nr_vcpus = o->cpus ? o->cpus : in->demo ? LAUNCH_DEMO_CPUS : 1;
	lp->ipa_bits = o->ipa_bits;
	lp->sve_vl = o->sve_vl;
	lp->pmu_counters = o->pmu_counters;
	lp->psci = o->psci;
	lp->rim_model = o->rim_model;
	lp->rim_initial = o->rim_initial;
}

/*
 * The demo kernel: a valid arm64 Image header (magic "ARM\x64", text_offset
 * 0, image_size = the file, little-endian, 4 KiB pages, placeable anywhere)
 * and a payload. The simulator's built-in Linux-like guest provides the
 * behaviour; the bytes are measured like any kernel's.
 */
void *launch_demo_image(size_t *len)
{
	const size_t size = 8192;
	unsigned char *p = calloc(1, size);
	static const char banner[] = "libcca demo realm: the simulator runs the guest\n";

	if (!p)
		return NULL;
	p[0] = 0x10; /* code0: b +64, over the header */
	p[3] = 0x14;
	for (int i = 0; i < 8; i++) {
		p[16 + i] = (unsigned char)((uint64_t)size >> (8 * i));          /* image_size */
		p[24 + i] = (unsigned char)((uint64_t)((1 << 1) | (1 << 3)) >> (8 * i)); /* flags */
	}
	p[56] = 'A';
	p[57] = 'R';
	p[58] = 'M';
	p[59] = 0x64;
	memcpy(p + 64, banner, sizeof(banner));
	for (size_t i = 64 + sizeof(banner); i < size; i++)
		p[i] = (unsigned char)(i * 31 + 7);
	*len = size;
	return p;
}
