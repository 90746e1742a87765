// SPDX-License-Identifier: MIT
/*
 * cca-launch: boot a realm end to end with libcca's public API.
 *
 * The code path a VMM copies, in order:
 *
 *   options, files           parse_args(), read_file()
 *   cca_launch_params_init() then the user's kernel, initrd, DTB, sizes
 *   cca_launch_plan_create() layout, DTB, operations, expected RIM (no kernel call)
 *   cca_host_open()          realm-capable KVM, or the simulator (cca_sim_create())
 *   cca_launch_realm_params(), cca_realm_create()
 *   cca_launch_plan_apply()  GIC, RECs, RAM, PSCI routing, measured populates, entry
 *   one thread per vCPU      cca_rec_run() and the exit handlers below
 *   SYSTEM_RESET             cca_realm_destroy(), then create and apply again
 *
 * Exit status: 0 the realm powered off (or reset too often); 1 the realm
 * failed, or its measurement differs from --expect-rim; 2 bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rmi/cca.h>

#define PROG "cca-launch"
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define MAX_RESETS 3
#define DEMO_CPUS 4
#define LINE_MAX_LEN 256
/* Files larger than this are refused before reading (RAM is at most 52 bits anyway). */
#define FILE_LIMIT (1ULL << 32)

struct options {
	const char *kernel, *initrd, *dtb, *dump_dtb, *cmdline, *guest, *expect_rim;
	uint64_t mem;
	uint32_t cpus, ipa_bits, sve_vl, pmu_counters;
	uint32_t psci;           /* enum cca_launch_psci */
	int backend;             /* 0 auto, 1 kvm, 2 sim */
	enum cca_abi_rev abi;    /* CCA_ABI_UNKNOWN: not given */
	bool trace;
};

enum { BACKEND_AUTO, BACKEND_KVM, BACKEND_SIM };

struct launcher;

/* One vCPU: its thread and its console line (a shared UART interleaves bytes). */
struct vcpu {
	struct launcher *l;
	struct cca_rec *rec;
	unsigned int index;
	pthread_t thread;
	pthread_t self;          /* set by the thread itself, then @kickable */
	atomic_bool kickable;
	size_t len;
	char line[LINE_MAX_LEN];
};

struct launcher {
	const struct options *o;
	const struct cca_launch_layout *layout;
	struct cca_realm *realm;
	struct cca_sim *sim;
	struct vcpu *vcpus;
	unsigned int nr;
	pthread_mutex_t out_lock;
	atomic_int stop, system_off, reset, fatal;
	char fatal_msg[512];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Boot an Arm CCA realm on realm-capable KVM, or on libcca's simulator.\n"
		"\n"
		"  --kernel IMAGE       arm64 Linux Image (simulator: default a built-in demo)\n"
		"  --initrd FILE        initial ramdisk\n"
		"  --cmdline STR        kernel command line (/chosen/bootargs)\n"
		"  --dtb FILE           use this device tree instead of generating one\n"
		"  --dump-dtb FILE      write the realm's device tree to FILE\n"
		"  --mem SIZE           RAM size, a 2 MiB multiple, suffix K, M or G (256M)\n"
		"  --cpus N             vCPUs, 1..%d (1; the demo realm: %d)\n"
		"  --ipa-bits N         IPA width including the shared bit (computed)\n"
		"  --sve-vl N           SVE vector length in bytes (no SVE)\n"
		"  --pmu-counters N     PMU event counters (no PMU)\n"
		"  --psci user|kernel   where PSCI calls are handled (user on v12/v13)\n"
		"  --backend kvm|sim    realm-capable KVM or the simulator (KVM if available)\n"
		"  --abi v12..v15       simulated kernel revision (v15; simulator only)\n"
		"  --guest SCRIPT       simulated guest program file (simulator only)\n"
		"  --trace              one line per vCPU exit, to stderr\n"
		"  --expect-rim HEX     fail unless the realm's measurement is HEX\n"
		"  --help, --version\n"
		"\n"
		"Exit status: 0 system off, 1 the realm failed or RIM mismatch, 2 bad input.\n",
		CCA_MAX_RECS, DEMO_CPUS);
}

/* One line naming the problem, for bad input: the caller exits with status 2. */
static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return bad("%s '%s': not a number", opt, s);
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return bad("%s '%s': not a number up to %" PRIu32, opt, s, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return bad("--mem '%s': malformed size (a number with K, M or G)", s);
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (errno || *end)
		return bad("--mem '%s': malformed size (a number with K, M or G)", s);
	if (!v)
		return bad("--mem '%s': the realm needs some RAM", s);
	if (v > (UINT64_MAX >> shift) || (v << shift) > (1ULL << 51))
		return bad("--mem '%s': larger than a 52-bit IPA space's protected half", s);
	*out = (uint64_t)v << shift;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A digest in hex: 64, 96 or 128 digits, optionally with 0x. */
static int parse_hex_rim(const char *s, uint8_t out[64], size_t *len)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n != 64 && n != 96 && n != 128)
		return bad("--expect-rim: %zu hex digits, expected 64, 96 or 128", n);
	memset(out, 0, 64);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return bad("--expect-rim: '%c%c' is not hex", s[2 * i], s[2 * i + 1]);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_KERNEL = 256, O_INITRD, O_CMDLINE, O_DTB, O_DUMP_DTB, O_MEM, O_CPUS, O_IPA,
	       O_SVE, O_PMU, O_PSCI, O_BACKEND, O_ABI, O_GUEST, O_TRACE, O_EXPECT, O_HELP,
	       O_VERSION };
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "cmdline", required_argument, NULL, O_CMDLINE },
		{ "dtb", required_argument, NULL, O_DTB },
		{ "dump-dtb", required_argument, NULL, O_DUMP_DTB },
		{ "mem", required_argument, NULL, O_MEM },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "ipa-bits", required_argument, NULL, O_IPA },
		{ "sve-vl", required_argument, NULL, O_SVE },
		{ "pmu-counters", required_argument, NULL, O_PMU },
		{ "psci", required_argument, NULL, O_PSCI },
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "abi", required_argument, NULL, O_ABI },
		{ "guest", required_argument, NULL, O_GUEST },
		{ "trace", no_argument, NULL, O_TRACE },
		{ "expect-rim", required_argument, NULL, O_EXPECT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = 0;

	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (c) {
		case O_KERNEL: o->kernel = optarg; break;
		case O_INITRD: o->initrd = optarg; break;
		case O_CMDLINE: o->cmdline = optarg; break;
		case O_DTB: o->dtb = optarg; break;
		case O_DUMP_DTB: o->dump_dtb = optarg; break;
		case O_GUEST: o->guest = optarg; break;
		case O_EXPECT: o->expect_rim = optarg; break;
		case O_TRACE: o->trace = true; break;
		case O_MEM: ret = parse_size(optarg, &o->mem); break;
		case O_CPUS:
			ret = parse_u32("--cpus", optarg, UINT32_MAX, &o->cpus);
			if (!ret && o->cpus == 0)
				ret = bad("--cpus 0: a realm needs at least one vCPU");
			else if (!ret && o->cpus > CCA_MAX_RECS)
				ret = bad("--cpus %" PRIu32 ": a realm has at most %d vCPUs", o->cpus,
					  CCA_MAX_RECS);
			break;
		case O_IPA: ret = parse_u32("--ipa-bits", optarg, 64, &o->ipa_bits); break;
		case O_SVE: ret = parse_u32("--sve-vl", optarg, 4096, &o->sve_vl); break;
		case O_PMU: ret = parse_u32("--pmu-counters", optarg, 64, &o->pmu_counters); break;
		case O_PSCI:
			if (!strcmp(optarg, "user"))
				o->psci = CCA_LAUNCH_PSCI_USER;
			else if (!strcmp(optarg, "kernel"))
				o->psci = CCA_LAUNCH_PSCI_KERNEL;
			else
				ret = bad("--psci '%s': expected user or kernel", optarg);
			break;
		case O_BACKEND:
			if (!strcmp(optarg, "kvm"))
				o->backend = BACKEND_KVM;
			else if (!strcmp(optarg, "sim"))
				o->backend = BACKEND_SIM;
			else
				ret = bad("--backend '%s': expected kvm or sim", optarg);
			break;
		case O_ABI:
			if (cca_abi_rev_parse(optarg, &o->abi))
				ret = bad("--abi '%s': unknown revision (v12, v13, v14 or v15)", optarg);
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf(PROG " (libcca) %s\n", cca_version());
			exit(0);
		case ':':
			ret = bad("%s needs an argument (see --help)", argv[optind - 1]);
			break;
		default:
			ret = bad("unknown option '%s' (see --help)", argv[optind - 1]);
			break;
		}
	}
	if (!ret && optind < argc)
		ret = bad("unexpected argument '%s' (see --help)", argv[optind]);
	if (!ret && o->backend == BACKEND_KVM && (o->abi || o->guest))
		ret = bad("%s is for the simulator only (--backend sim)",
			  o->abi ? "--abi" : "--guest");
	return ret;
}

/* The whole file into a malloc'ed buffer (one extra NUL byte); 0 or status 2 with a message. */
static int read_file(const char *what, const char *path, void **buf, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *p;

	if (!f)
		return bad("cannot open %s '%s': %s", what, path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return bad("%s '%s' is not a regular file", what, path);
	}
	if ((uint64_t)st.st_size > FILE_LIMIT) {
		fclose(f);
		return bad("%s '%s' is too large (%lld bytes)", what, path, (long long)st.st_size);
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		fclose(f);
		return bad("%s '%s': out of memory", what, path);
	}
	size_t n = fread(p, 1, (size_t)st.st_size, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || n != (size_t)st.st_size) {
		free(p);
		return bad("cannot read %s '%s'", what, path);
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/*
 * The demo kernel: a valid arm64 Image header (magic "ARM\x64", text_offset
 * 0, image_size = the file, little-endian, 4 KiB pages, placeable anywhere)
 * and a payload. The simulator's built-in Linux-like guest provides the
 * behaviour; the bytes are measured like any kernel's.
 */
static void *demo_image(size_t *len)
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

/* ---- the run loop ---- */

static void stop_all(struct launcher *l)
{
	atomic_store(&l->stop, 1);
	for (unsigned int i = 0; i < l->nr; i++)
		__atomic_store_n(&cca_rec_kvm_run(l->vcpus[i].rec)->immediate_exit, 1,
				 __ATOMIC_RELAXED);
	/* A vCPU blocked in KVM_RUN (powered off, idle) sees immediate_exit only when kicked. */
	for (unsigned int i = 0; i < l->nr; i++)
		if (atomic_load(&l->vcpus[i].kickable) && !pthread_equal(l->vcpus[i].self, pthread_self()))
			pthread_kill(l->vcpus[i].self, SIGUSR1);
}

static void console_flush(struct vcpu *v)
{
	if (!v->len)
		return;
	pthread_mutex_lock(&v->l->out_lock);
	fwrite(v->line, 1, v->len, stdout);
	if (v->line[v->len - 1] != '\n')
		fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&v->l->out_lock);
	v->len = 0;
}

static void console_put(struct vcpu *v, char c)
{
	if (c == '\r' || c == '\0')
		return;
	v->line[v->len++] = c;
	if (c == '\n' || v->len == sizeof(v->line))
		console_flush(v);
}

static void set_fatal(struct launcher *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fatal(struct launcher *l, const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&l->fatal, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(l->fatal_msg, sizeof(l->fatal_msg), fmt, ap);
	va_end(ap);
}

static int answer_psci(struct vcpu *v, const struct cca_exit *e)
{
	int64_t x0;

	switch (e->psci.fn) {
	case CCA_PSCI_FN_CPU_ON:
		return cca_psci_cpu_on(v->rec, e, 0);
	case CCA_PSCI_FN_AFFINITY_INFO:
		return cca_psci_affinity_info(v->rec, e);
	case CCA_PSCI_FN_CPU_OFF:
		return cca_psci_cpu_off(v->rec);
	case CCA_PSCI_FN_VERSION:
		x0 = 0x10001; /* PSCI 1.1 */
		break;
	case CCA_PSCI_FN_CPU_SUSPEND:
		x0 = CCA_PSCI_RET_SUCCESS; /* returns as a wake-up */
		break;
	default:
		x0 = CCA_PSCI_RET_NOT_SUPPORTED;
		break;
	}
	return cca_rec_set_reg(v->rec, CCA_KVM_REG_ARM64_X(0), (uint64_t)x0);
}

/* Answer one exit: 0 run again, 1 this vCPU is done, < 0 an error. */
static int handle_exit(struct vcpu *v, const struct cca_exit *e)
{
	struct launcher *l = v->l;
	uint64_t uart = l->layout->uart_base;

	switch (e->kind) {
	case CCA_EXIT_MMIO:
		if (e->mmio.is_write) {
			if (e->mmio.ipa == uart) /* UARTDR; other registers: ignored */
				console_put(v, (char)(e->mmio.data & 0xff));
			return 0;
		}
		return cca_rec_set_mmio_data(v->rec, 0); /* UARTFR 0: never busy */
	case CCA_EXIT_PSCI:
		return answer_psci(v, e);
	case CCA_EXIT_HOST_CALL:
		return cca_rec_set_reg(v->rec, CCA_KVM_REG_ARM64_X(0), 0);
	case CCA_EXIT_RIPAS_CHANGE:
		return cca_mem_accept_ripas_change(l->realm, e);
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SHUTDOWN:
		atomic_store(&l->system_off, 1);
		stop_all(l);
		return 1;
	case CCA_EXIT_SYSTEM_RESET:
		atomic_store(&l->reset, 1);
		stop_all(l);
		return 1;
	case CCA_EXIT_INTR:
	case CCA_EXIT_RETRY:
		return atomic_load(&l->stop) ? 1 : 0;
	case CCA_EXIT_FATAL:
		return e->error ? -e->error : -EIO;
	default:
		return -EIO;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct launcher *l = v->l;
	struct cca_exit e;
	char line[192];

	v->self = pthread_self();
	atomic_store(&v->kickable, true);
	while (!atomic_load(&l->stop)) {
		memset(&e, 0, sizeof(e));
		int ret = cca_rec_run(v->rec, &e);
		if (ret == -CCA_E_PSCI_PENDING || ret == -CCA_E_PSCI_TARGET_PENDING) {
			/* Another thread owes the completion: wait a little, do not spin. */
			nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
			continue;
		}
		if (l->o->trace && e.kind != CCA_EXIT_NONE) {
			cca_exit_format(&e, line, sizeof(line));
			fprintf(stderr, "vCPU %u: %s\n", v->index, line);
		}
		if (!ret)
			ret = handle_exit(v, &e);
		if (ret < 0) {
			char report[256] = "";
			cca_exit_format(&e, line, sizeof(line));
			if (l->sim && cca_sim_guest_failure(l->sim, cca_realm_vm_fd(l->realm), report,
							    sizeof(report)) != 1)
				report[0] = '\0';
			set_fatal(l, "vCPU %u: %s (%s) after exit '%s'%s%s", v->index,
				  cca_strerror(ret), cca_error_name(ret), line,
				  report[0] ? ": guest check failed: " : "", report);
			stop_all(l);
			break;
		}
		if (ret > 0)
			break;
	}
	console_flush(v);
	return NULL;
}

/* Run every vCPU until system off, reset or a fatal error. */
static int run_realm(struct launcher *l)
{
	int ret = 0;

	bool *started = calloc(l->nr, sizeof(*started));

	if (!started) {
		set_fatal(l, "out of memory");
		return -ENOMEM;
	}
	atomic_store(&l->stop, 0);
	atomic_store(&l->system_off, 0);
	atomic_store(&l->reset, 0);
	for (unsigned int i = 0; i < l->nr; i++) {
		struct vcpu *v = &l->vcpus[i];
		memset(v, 0, sizeof(*v));
		atomic_init(&v->kickable, false);
		v->l = l;
		v->index = i;
		v->rec = cca_rec_get(l->realm, i);
		if (!v->rec) {
			set_fatal(l, "vCPU %u does not exist after the launch plan", i);
			free(started);
			return -ENOENT;
		}
	}
	for (unsigned int i = 0; i < l->nr; i++) {
		struct vcpu *v = &l->vcpus[i];
		ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (ret) {
			set_fatal(l, "cannot start the thread of vCPU %u: %s", i, strerror(ret));
			stop_all(l);
			ret = -ret;
			break;
		}
		started[i] = true;
	}
	for (unsigned int i = 0; i < l->nr; i++)
		if (started[i])
			pthread_join(l->vcpus[i].thread, NULL);
	free(started);
	return atomic_load(&l->fatal) ? -EIO : ret;
}

static void on_kick(int sig)
{
	(void)sig;
}

/* ---- main ---- */

static const char *backend_line(const struct options *o, bool sim, const struct cca_probe_result *pr,
				char *buf, size_t len)
{
	if (!sim)
		snprintf(buf, len, "realm-capable KVM (%s)", pr->kvm_path);
	else if (o->backend == BACKEND_SIM)
		snprintf(buf, len, "simulator (--backend sim)");
	else
		snprintf(buf, len, "simulator (no realm-capable KVM: %s)",
			 pr->reason[0] ? pr->reason : "unavailable");
	return buf;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct cca_probe_result pr = { .size = sizeof(pr) };
	struct cca_host_options ho = { .size = sizeof(ho) };
	struct cca_launch_params lp;
	struct cca_launch_plan *plan = NULL;
	struct cca_host *host = NULL;
	struct launcher l = { .o = &o };
	void *kernel = NULL, *initrd = NULL, *dtb = NULL, *guest = NULL;
	size_t kernel_len = 0, initrd_len = 0, dtb_len = 0, guest_len = 0;
	uint8_t want[64], rim[64], shadow[64], simrim[64];
	size_t want_len = 0, rim_len = 0, len;
	char err[512] = "", hexbuf[129], desc[256];
	enum cca_abi_rev rev;
	bool sim, demo;
	int status = EXIT_USAGE, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((ret = parse_args(argc, argv, &o)))
		return ret;
	if (o.expect_rim && parse_hex_rim(o.expect_rim, want, &want_len))
		return EXIT_USAGE;

	/* The backend: realm-capable KVM when the probe says so, else the simulator. */
	ho.flags = CCA_HOST_NO_ENV;
	if (o.backend == BACKEND_SIM)
		sim = true;
	else {
		ret = cca_probe(&ho, &pr);
		sim = ret != 0 && o.backend == BACKEND_AUTO;
		if (ret && o.backend == BACKEND_KVM) {
			fprintf(stderr, PROG ": --backend kvm: no realm-capable KVM: %s\n", pr.reason);
			return EXIT_FAIL;
		}
	}
	if (!sim && (o.abi || o.guest))
		return bad("%s is for the simulator only, and realm-capable KVM was found "
			   "(add --backend sim)", o.abi ? "--abi" : "--guest");
	rev = sim ? (o.abi ? o.abi : CCA_ABI_V15) : pr.revision;
	demo = sim && !o.kernel;
	printf(PROG ": backend: %s, ABI revision %s\n",
	       backend_line(&o, sim, &pr, desc, sizeof(desc)), cca_abi_rev_name(rev));
	if (!o.kernel && !sim)
		return bad("--kernel is required on KVM (the demo realm needs the simulator)");

	/* Inputs. */
	ret = 0;
	if (o.kernel)
		ret = read_file("kernel", o.kernel, &kernel, &kernel_len);
	else if (!(kernel = demo_image(&kernel_len)))
		ret = bad("out of memory");
	if (!ret && o.initrd)
		ret = read_file("initrd", o.initrd, &initrd, &initrd_len);
	if (!ret && o.dtb)
		ret = read_file("DTB", o.dtb, &dtb, &dtb_len);
	if (!ret && o.guest) {
		ret = read_file("guest program", o.guest, &guest, &guest_len);
		if (!ret && cca_sim_check_guest(guest, guest_len, err, sizeof(err)))
			ret = bad("guest program '%s': %s", o.guest, err);
	}
	if (ret)
		goto out;

	/* The plan: layout, device tree, operations and expected RIM, before any kernel call. */
	cca_launch_params_init(&lp);
	lp.revision = rev;
	lp.kernel = kernel;
	lp.kernel_len = kernel_len;
	lp.initrd = initrd;
	lp.initrd_len = initrd_len;
	lp.dtb = dtb;
	lp.dtb_len = dtb_len;
	lp.cmdline = o.cmdline;
	if (o.mem)
		lp.ram_size = o.mem;
	lp.nr_vcpus = o.cpus ? o.cpus : demo ? DEMO_CPUS : 1;
	lp.ipa_bits = o.ipa_bits;
	lp.sve_vl = o.sve_vl;
	lp.pmu_counters = o.pmu_counters;
	lp.psci = o.psci;
	if (initrd && !initrd_len) {
		ret = bad("initrd '%s' is empty", o.initrd);
		goto out;
	}
	ret = cca_launch_plan_create(&lp, &plan, err, sizeof(err));
	if (ret) {
		status = bad("%s", err);
		goto out;
	}
	l.layout = cca_launch_plan_layout(plan);
	l.nr = l.layout->nr_vcpus;
	if (o.dump_dtb) {
		const void *fdt;
		FILE *f;
		cca_launch_plan_dtb(plan, &fdt, &len);
		f = fopen(o.dump_dtb, "wb");
		if (!f || fwrite(fdt, 1, len, f) != len || fclose(f)) {
			status = bad("cannot write the DTB to '%s': %s", o.dump_dtb, strerror(errno));
			goto out;
		}
	}
	cca_launch_plan_rim(plan, rim, &rim_len);
	hex(rim, rim_len, hexbuf);
	printf(PROG ": realm: %u vCPU%s, %" PRIu64 " MiB RAM at 0x%" PRIx64
	       ", IPA %u bits, PSCI in %s%s\n",
	       l.nr, l.nr == 1 ? "" : "s", l.layout->ram_size >> 20, l.layout->ram_base,
	       l.layout->ipa_bits, l.layout->psci_user ? "user space" : "the kernel",
	       demo ? " (demo kernel)" : "");
	printf(PROG ": kernel at 0x%" PRIx64 ", DTB at 0x%" PRIx64, l.layout->kernel_load,
	       l.layout->dtb_addr);
	if (l.layout->initrd_len)
		printf(", initrd at 0x%" PRIx64 " (%" PRIu64 " bytes)", l.layout->initrd_addr,
		       l.layout->initrd_len);
	printf("\n" PROG ": expected RIM: %s\n", hexbuf);
	status = EXIT_FAIL;
	if (want_len && (want_len != rim_len || memcmp(want, rim, rim_len))) {
		fprintf(stderr, PROG ": RIM mismatch: --expect-rim %s, the launch gives %s\n",
			o.expect_rim, hexbuf);
		goto out;
	}

	/* The host. */
	if (sim) {
		struct cca_sim_options so = { .size = sizeof(so), .revision = rev };
		so.guest = guest;
		so.guest_len = guest_len;
		ret = cca_sim_create(&so, &l.sim, err, sizeof(err));
		if (ret) {
			fprintf(stderr, PROG ": cannot create the simulator: %s%s%s\n",
				cca_strerror(ret), err[0] ? ": " : "", err);
			goto out;
		}
		ho.sim = l.sim;
	}
	ho.revision = rev;
	ret = cca_host_open(&ho, &host);
	if (ret) {
		fprintf(stderr, PROG ": cannot open the host: %s\n", cca_strerror(ret));
		goto out;
	}

	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_mutex_init(&l.out_lock, NULL);
	l.vcpus = calloc(l.nr, sizeof(*l.vcpus));
	if (!l.vcpus) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}

	/* Build and run; a reset builds the realm again from the same plan. */
	for (int boot = 0;; boot++) {
		struct cca_realm_params rp;

		cca_launch_realm_params(plan, &rp);
		ret = cca_realm_create(host, &rp, &l.realm);
		if (ret) {
			fprintf(stderr, PROG ": cannot create the realm: %s (%s)\n", cca_strerror(ret),
				cca_error_name(ret));
			goto out;
		}
		ret = cca_launch_plan_apply(plan, l.realm, err, sizeof(err));
		if (ret) {
			fprintf(stderr, PROG ": building the realm failed: %s\n", err);
			goto out;
		}
		ret = run_realm(&l);
		if (atomic_load(&l.fatal)) {
			fprintf(stderr, PROG ": %s\n", l.fatal_msg);
			goto out;
		}
		/* libcca's shadow of the RMM's measurement is final once the realm has run. */
		ret = cca_realm_expected_rim(l.realm, shadow, &len);
		if (ret || len != rim_len || memcmp(shadow, rim, len)) {
			fprintf(stderr, PROG ": libcca's shadow RIM differs from the plan's (%s)\n",
				ret ? cca_strerror(ret) : "different digest");
			goto out;
		}
		if (l.sim) {
			ret = cca_sim_rim(l.sim, cca_realm_vm_fd(l.realm), simrim, &len);
			if (ret) {
				fprintf(stderr, PROG ": no simulated RIM: %s\n", cca_strerror(ret));
				goto out;
			}
			hex(simrim, len, hexbuf);
			bool match = len == rim_len && !memcmp(simrim, rim, len);
			printf(PROG ": simulated RIM: %s\n", hexbuf);
			printf(PROG ": RIM %s the expected one\n", match ? "matches" : "DIFFERS FROM");
			if (!match || (want_len && (len != want_len || memcmp(simrim, want, len))))
				goto out;
		}
		if (atomic_load(&l.system_off)) {
			printf(PROG ": system off\n");
			status = 0;
			goto out;
		}
		if (!atomic_load(&l.reset)) {
			fprintf(stderr, PROG ": the vCPUs stopped without system off\n");
			goto out;
		}
		/* A realm cannot be reset in place: tear it down, build it again. */
		cca_realm_destroy(l.realm);
		l.realm = NULL;
		if (boot + 1 >= MAX_RESETS) {
			printf(PROG ": system reset %d times: stopping\n", boot + 1);
			status = 0;
			goto out;
		}
		printf(PROG ": system reset: building the realm again\n");
	}

out:
	cca_realm_destroy(l.realm);
	cca_host_close(host);
	cca_sim_destroy(l.sim);
	cca_launch_plan_destroy(plan);
	free(l.vcpus);
	free(kernel);
	free(initrd);
	free(dtb);
	free(guest);
	return status;
}
