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
#include <time.h>

#include <rmi/cca.h>

#include "launch-options.h"

#define PROG "cca-launch"
#define EXIT_FAIL 1
#define EXIT_USAGE LAUNCH_EXIT_USAGE
#define MAX_RESETS 3
#define LINE_MAX_LEN 256

/* The realm-shaping options (struct launch_options) are shared with cca-measure. */
struct options {
	struct launch_options lo;
	const char *dump_dtb, *guest, *expect_rim;
	int backend;             /* 0 auto, 1 kvm, 2 sim */
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
		"%s"
		"  (the demo kernel needs the simulator; cca-measure takes the same options)\n"
		"  --dump-dtb FILE      write the realm's device tree to FILE\n"
		"  --backend kvm|sim    realm-capable KVM or the simulator (KVM if available)\n"
		"  --abi v12..v15       simulated kernel revision (v15; simulator only)\n"
		"  --guest SCRIPT       simulated guest program file (simulator only)\n"
		"  --trace              one line per vCPU exit, to stderr\n"
		"  --expect-rim HEX     fail unless the realm's measurement is HEX\n"
		"  --help, --version\n"
		"\n"
		"Exit status: 0 system off, 1 the realm failed or RIM mismatch, 2 bad input.\n",
		launch_options_help);
}

/* One line naming the problem, for bad input: the caller exits with status 2. */
#define bad(...) launch_bad(PROG ": ", __VA_ARGS__)

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
	enum { O_DUMP_DTB = 256, O_BACKEND, O_GUEST, O_TRACE, O_EXPECT, O_HELP, O_VERSION };
	static const struct option lo[] = {
		LAUNCH_LONGOPTS,
		{ "dump-dtb", required_argument, NULL, O_DUMP_DTB },
		{ "backend", required_argument, NULL, O_BACKEND },
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
		if (c >= LOPT_FIRST && c < LOPT_LAST) {
			ret = launch_option(PROG ": ", c, optarg, &o->lo);
			continue;
		}
		switch (c) {
		case O_DUMP_DTB: o->dump_dtb = optarg; break;
		case O_GUEST: o->guest = optarg; break;
		case O_EXPECT: o->expect_rim = optarg; break;
		case O_TRACE: o->trace = true; break;
		case O_BACKEND:
			if (!strcmp(optarg, "kvm"))
				o->backend = BACKEND_KVM;
			else if (!strcmp(optarg, "sim"))
				o->backend = BACKEND_SIM;
			else
				ret = bad("--backend '%s': expected kvm or sim", optarg);
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
	if (!ret && o->backend == BACKEND_KVM && (o->lo.abi || o->guest))
		ret = bad("%s is for the simulator only (--backend sim)",
			  o->lo.abi ? "--abi" : "--guest");
	return ret;
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
	struct launch_inputs in = { 0 };
	void *guest = NULL;
	size_t guest_len = 0;
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
	if (!sim && (o.lo.abi || o.guest))
		return bad("%s is for the simulator only, and realm-capable KVM was found "
			   "(add --backend sim)", o.lo.abi ? "--abi" : "--guest");
	rev = sim ? (o.lo.abi ? o.lo.abi : LAUNCH_DEFAULT_ABI) : pr.revision;
	demo = sim && !o.lo.kernel;
	printf(PROG ": backend: %s, ABI revision %s\n",
	       backend_line(&o, sim, &pr, desc, sizeof(desc)), cca_abi_rev_name(rev));
	if (!o.lo.kernel && !sim)
		return bad("--kernel is required on KVM (the demo realm needs the simulator)");

	/* Inputs (the demo kernel without --kernel), shared with cca-measure. */
	ret = launch_inputs_read(PROG ": ", &o.lo, demo, &in);
	if (!ret && o.guest) {
		ret = launch_read_file(PROG ": ", "guest program", o.guest, &guest, &guest_len);
		if (!ret && cca_sim_check_guest(guest, guest_len, err, sizeof(err)))
			ret = bad("guest program '%s': %s", o.guest, err);
	}
	if (ret)
		goto out;

	/* The plan: layout, device tree, operations and expected RIM, before any kernel call. */
	launch_params_fill(&lp, &o.lo, &in, rev);
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
	launch_inputs_free(&in);
	free(guest);
	return status;
}
