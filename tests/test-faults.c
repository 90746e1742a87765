// SPDX-License-Identifier: MIT
/*
 * Description: fault injection (issue 6). For every revision and both PSCI
 * modes, the whole realm path runs through the library on the simulator,
 * behind the fault-injecting seam (mock/faulty-sys.h): host open (revision
 * detection), realm create, GIC, two vCPUs (SVE, debug, PMU where the
 * revision has one), a RAM region, PSCI routing, populate (aligned and
 * bounced), the entry point, the first run (vGIC and PMU init, activation)
 * and the runs of a small guest that uses PSCI CPU_ON and AFFINITY_INFO,
 * converts a range to EMPTY and back to RAM, and powers the system off;
 * then teardown.
 *
 * A clean walk counts its seam calls (N). Then, for every call k in 1..N
 * and every plausible errno of that call's operation, the walk is repeated
 * with call k failing. Required of every case:
 *   - each library call returns 0 or a clean error (-errno or -CCA_E_*),
 *     and nothing crashes (the sanitizer builds run this too);
 *   - where the library documents that a failed call leaves the realm
 *     usable (host open, realm create, KVM_CREATE_DEVICE of the GIC,
 *     KVM_CREATE_VCPU, region add, PSCI routing, entry point, the first
 *     run's vGIC init), the same call made again succeeds and the guest
 *     then runs to SYSTEM_OFF; where it documents CCA_REALM_DEAD, the
 *     realm says so and refuses to run with -CCA_E_DEAD;
 *   - if no library call failed, the guest ran to SYSTEM_OFF (a fault the
 *     library absorbs must not break the realm silently: EINTR of POPULATE
 *     is retried, EINTR of KVM_RUN is an exit, a failed madvise/fallocate
 *     of stale backing is only logged);
 *   - the revision host open settles on is the simulator's or an error;
 *   - after cca_realm_destroy() and cca_host_close() the seam has no fd
 *     open and no mapping live (a mapping whose munmap was the injected
 *     fault excepted: munmap failing leaves it), no fd was closed twice,
 *     and the simulator is destroyable; LeakSanitizer checks the heap.
 *
 * The number of injected faults is printed as a TAP comment. Under QEMU
 * (or any slow build) the calls are sampled to keep the run short:
 * $CCA_TEST_FAULTS_STRIDE=S tests every S-th call (1: all); unset, every
 * call is tested unless the first 100 faulted walks show that would take
 * more than $CCA_TEST_FAULTS_BUDGET seconds (default 20) for all eight
 * cases, and then a stride is chosen for the rest.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rmi/cca.h>

#include "faulty-sys.h"
#include "internal.h"
#include "sim/sim.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (2ULL << 20)
#define UART 0x09000000ULL
#define RIPAS_BASE (RAM_BASE + 0x100000)
#define NR_RECS 2
#define MAX_RUNS 64
/* What an out-parameter holds until the library writes it. */
#define UNTOUCHED ((void *)(uintptr_t)0x5a5a5a5a)

static const char guest[] = "ipa-bits 33\n"
			    "uart 0x09000000\n"
			    "cpu 0:\n"
			    "	expect pc == 0x80000000\n"
			    "	expect x0 == 0x80002000\n"
			    "	psci cpu_on 0x1 0x80001000 7 expect SUCCESS\n"
			    "	psci affinity_info 0x1 0 expect ON\n"
			    "	print \"A\"\n"
			    "	ripas 0x80100000 0x2000 empty expect accepted\n"
			    "	ripas 0x80100000 0x2000 ram expect accepted\n"
			    "	psci system_off\n"
			    "cpu 1:\n"
			    "	expect pc == 0x80001000\n"
			    "	expect x0 == 7\n"
			    "	print \"B\"\n"
			    "	psci cpu_off\n";

/* Plausible errnos per operation. */
static const int open_errs[] = { ENOENT, EACCES, EINTR, ENOMEM, EMFILE, ENXIO, EBUSY };
static const int close_errs[] = { EINTR, EIO };
static const int ioctl_errs[] = { EINTR, ENOMEM, EINVAL, EFAULT, EIO, ENXIO, EBUSY, EAGAIN, ENOTTY };
static const int mmap_errs[] = { ENOMEM, EINVAL, EAGAIN, ENODEV, EACCES };
static const int munmap_errs[] = { EINVAL, ENOMEM };
static const int fallocate_errs[] = { EINTR, EIO, EOPNOTSUPP, ENOMEM };
static const int madvise_errs[] = { EINVAL, ENOMEM, EAGAIN, EIO };

static const struct {
	const int *v;
	size_t n;
} errs_of[FAULTY_NR_OPS] = {
#define E(op, a) [op] = { a, sizeof(a) / sizeof((a)[0]) }
	E(FAULTY_OPEN, open_errs),	 E(FAULTY_CLOSE, close_errs),
	E(FAULTY_IOCTL, ioctl_errs),	 E(FAULTY_MMAP, mmap_errs),
	E(FAULTY_MUNMAP, munmap_errs),	 E(FAULTY_FALLOCATE, fallocate_errs),
	E(FAULTY_MADVISE, madvise_errs),
#undef E
};

struct cfg {
	enum cca_abi_rev rev;
	bool psci_user;
	unsigned int index; /* 0..7, offsets the sampled calls */
};

struct walk {
	const struct cfg *cfg;
	char label[160];
	struct cca_sim *sim;
	struct faulty_sys *fs;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_rec *rec[NR_RECS];
	/* The armed fault, once it fired. */
	bool fired;
	struct faulty_call what;
	/* Outcome. */
	const char *failed_call; /* the first library call that failed */
	int failed_ret;
	bool retried; /* a documented-usable failure was retried successfully */
	bool completed; /* the guest reached SYSTEM_OFF */
	char odd[256]; /* an exit the walk did not expect */
};

static unsigned long total_faults, total_completed, total_retried, total_failed;

/* ---- watchdog: a hung case names itself instead of timing out silently ---- */

static char current_case[256];

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "test-faults: case hung: ";
	if (write(2, m, sizeof(m) - 1) < 0 || write(2, current_case, strlen(current_case)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(3);
	_exit(3);
}

/* ---- the walk ------------------------------------------------------------------------------ */

static void note_fault(struct walk *w)
{
	w->fired = faulty_sys_fired(w->fs, &w->what);
}

/* 0, or a clean error recorded as the walk's first failure. */
static bool ok(struct walk *w, const char *call, int ret)
{
	note_fault(w);
	if (ret == 0)
		return true;
	if (ret > 0 || ret <= -4096)
		fail_msg("%s: %s returned %d: not 0, -errno or -CCA_E_*", w->label, call, ret);
	if (!w->failed_call) {
		w->failed_call = call;
		w->failed_ret = ret;
	}
	return false;
}

/* The call failed where the library documents the realm as usable: again must work. */
static void retry_must_work(struct walk *w, const char *call, int ret)
{
	if (ret)
		fail_msg("%s: %s failed with %s (%s) and, made again, with %s: the realm was left "
			 "unusable",
			 w->label, call, cca_error_name(w->failed_ret), cca_strerror(w->failed_ret),
			 cca_error_name(ret));
	w->retried = true;
}

/* A dead realm must say so and refuse populate and runs without a kernel call. */
static void expect_dead(struct walk *w, const char *call)
{
	static unsigned char page[4096] __attribute__((aligned(4096)));
	struct cca_exit e;
	unsigned long before = faulty_sys_calls(w->fs);
	int ret;

	if (cca_realm_state(w->realm) != CCA_REALM_DEAD)
		fail_msg("%s: %s failed with %s, but the realm is not CCA_REALM_DEAD (state %d)",
			 w->label, call, cca_error_name(w->failed_ret), cca_realm_state(w->realm));
	ret = cca_mem_populate(w->realm, RAM_BASE + 0x10000, page, sizeof(page), 0);
	if (ret != -CCA_E_DEAD)
		fail_msg("%s: dead realm: cca_mem_populate gave %s, expected CCA_E_DEAD", w->label,
			 cca_error_name(ret));
	if (w->rec[0] && (ret = cca_rec_run(w->rec[0], &e)) != -CCA_E_DEAD)
		fail_msg("%s: dead realm: cca_rec_run gave %s, expected CCA_E_DEAD", w->label,
			 cca_error_name(ret));
	if (faulty_sys_calls(w->fs) != before)
		fail_msg("%s: dead realm: a refused call reached the kernel", w->label);
}

static bool fault_was(const struct walk *w, enum faulty_op op, unsigned long req)
{
	return w->fired && w->what.op == op && (op != FAULTY_IOCTL || w->what.req == req);
}

static int open_host(struct walk *w)
{
	struct cca_host_options ho;

	memset(&ho, 0, sizeof(ho));
	ho.size = sizeof(ho);
	ho.flags = CCA_HOST_NO_ENV;
	struct cca_host *h = UNTOUCHED;
	int ret = cca_host_open_sys(&ho, faulty_sys_seam(w->fs), &h);
	if (ret) {
		if (h != UNTOUCHED)
			fail_msg("%s: failed host open wrote *out", w->label);
		return ret;
	}
	w->host = h;
	if (cca_host_revision(h) != w->cfg->rev)
		fail_msg("%s: host open settled on %s on a %s simulator", w->label,
			 cca_abi_rev_name(cca_host_revision(h)), cca_abi_rev_name(w->cfg->rev));
	return 0;
}

static int create_realm(struct walk *w)
{
	struct cca_realm_params rp;

	cca_realm_params_init(&rp);
	rp.ipa_bits = 33;
	rp.nr_recs = NR_RECS;
	rp.sve_vl = 16;
	rp.num_bps = 2;
	rp.num_wps = 2;
	if (cca_abi_has(w->cfg->rev, CCA_ABI_PMU)) {
		rp.flags |= CCA_REALM_F_PMU;
		rp.pmu_counters = 4;
	}
	struct cca_realm *r = UNTOUCHED;
	int ret = cca_realm_create(w->host, &rp, &r);
	if (ret && r != UNTOUCHED)
		fail_msg("%s: failed cca_realm_create wrote *out", w->label);
	if (!ret)
		w->realm = r;
	return ret;
}

static int create_gic(struct walk *w)
{
	struct cca_gic_params gp = { .size = sizeof(gp),
				     .dist_base = 0x08000000,
				     .redist_base = 0x080a0000 };
	return cca_realm_gic_create(w->realm, &gp);
}

static int create_rec(struct walk *w, unsigned int i)
{
	struct cca_rec_params p = { .size = sizeof(p), .index = i };
	struct cca_rec *rec = UNTOUCHED;
	int ret = cca_rec_create(w->realm, &p, &rec);
	if (ret && rec != UNTOUCHED)
		fail_msg("%s: failed cca_rec_create wrote *out", w->label);
	if (!ret)
		w->rec[i] = rec;
	return ret;
}

static int add_region(struct walk *w)
{
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = RAM_BASE, .len = RAM_SIZE };
	unsigned int slot = 99;
	int ret = cca_mem_region_add(w->realm, &mp, &slot);
	if (!ret && slot != 0)
		fail_msg("%s: region got slot %u, expected 0", w->label, slot);
	return ret;
}

static int set_entry(struct walk *w)
{
	const uint64_t x[8] = { RAM_BASE + 0x2000 };
	return cca_rec_set_entry(w->rec[0], RAM_BASE, x);
}

/*
 * Whether the failed call was one before KVM_SET_MP_STATE(RUNNABLE) made
 * the CPU_ON target runnable (the completion or x0): then the target
 * must not run yet. (On v14+ a failed x0 leaves nothing done: the target
 * is simply off, and a VMM's run of it would wait in KVM as usual.)
 */
static bool fault_before_start(const struct walk *w)
{
	if (!cca_abi_has(w->cfg->rev, CCA_ABI_MANUAL_PSCI_COMPLETE))
		return fault_was(w, FAULTY_IOCTL, KVM_SET_MP_STATE);
	return true;
}

/* Run REC @i until it writes @want to the UART, (@want 0) until SYSTEM_OFF, or its CPU_OFF. */
#define WANT_CPU_OFF (-1)
static int run_until(struct walk *w, unsigned int i, int want)
{
	struct cca_rec *rec = w->rec[i];
	struct cca_exit e, e1;
	int ret;

	for (unsigned int n = 0; n < MAX_RUNS; n++) {
		bool first = !w->realm->first_run_started;
		ret = cca_rec_run(rec, &e);
		if (!ok(w, "cca_rec_run", ret)) {
			if (first && fault_was(w, FAULTY_IOCTL, KVM_SET_DEVICE_ATTR) &&
			    w->what.fd == cca_realm_gic_fd(w->realm)) {
				/* vGIC init failed: "nothing ran; the next run tries again". */
				ret = cca_rec_run(rec, &e);
				note_fault(w);
				retry_must_work(w, "cca_rec_run (vGIC init)", ret);
			} else {
				return ret;
			}
		}
		switch (e.kind) {
		case CCA_EXIT_INTR:
		case CCA_EXIT_RETRY:
			continue; /* a signal (or v14+'s busy REC): run again */
		case CCA_EXIT_FATAL:
			ok(w, "cca_rec_run (KVM_RUN)", -e.error);
			return -e.error;
		case CCA_EXIT_MMIO:
			if (!e.mmio.is_write || e.mmio.ipa != UART)
				break;
			if (want > 0 && e.mmio.data == (uint64_t)want)
				return 0;
			continue;
		case CCA_EXIT_PSCI:
			if (e.psci.fn == CCA_PSCI_FN_CPU_ON) {
				ret = cca_psci_cpu_on(rec, &e, 0);
				if (!ok(w, "cca_psci_cpu_on", ret)) {
					/* Before or after the completion, the same call finishes it. */
					if (fault_before_start(w) &&
					    cca_rec_run(w->rec[1], &e1) !=
						    -CCA_E_PSCI_TARGET_PENDING)
						fail_msg(
							"%s: the CPU_ON target may run before it was "
							"started",
							w->label);
					retry_must_work(w, "cca_psci_cpu_on",
							cca_psci_cpu_on(rec, &e, 0));
				}
			} else if (e.psci.fn == CCA_PSCI_FN_AFFINITY_INFO) {
				ret = cca_psci_affinity_info(rec, &e);
				if (!ok(w, "cca_psci_affinity_info", ret)) {
					/*
					 * Made again it answers, or (v12/v13, the completion went
					 * through and the RMM computed the answer) has nothing left
					 * to do: either way the caller runs on.
					 */
					ret = cca_psci_affinity_info(rec, &e);
					if (ret == -CCA_E_PSCI_NOT_PENDING &&
					    cca_abi_has(w->cfg->rev, CCA_ABI_MANUAL_PSCI_COMPLETE))
						ret = 0;
					retry_must_work(w, "cca_psci_affinity_info", ret);
				}
			} else if (e.psci.fn == CCA_PSCI_FN_CPU_OFF && want == WANT_CPU_OFF) {
				ret = cca_psci_cpu_off(rec);
				if (!ok(w, "cca_psci_cpu_off", ret)) {
					/* Documented: the REC stays on; made again, it works. */
					if (cca_rec_is_on(rec) != 1)
						fail_msg("%s: failed CPU_OFF turned vCPU %u off",
							 w->label, i);
					retry_must_work(w, "cca_psci_cpu_off",
							cca_psci_cpu_off(rec));
				}
				if (cca_rec_is_on(rec) != 0)
					fail_msg("%s: vCPU %u still on after CPU_OFF", w->label, i);
				return 0;
			} else {
				break;
			}
			continue;
		case CCA_EXIT_RIPAS_CHANGE:
			ret = cca_mem_accept_ripas_change(w->realm, &e);
			if (!ok(w, "cca_mem_accept_ripas_change", ret))
				retry_must_work(w, "cca_mem_accept_ripas_change",
						cca_mem_accept_ripas_change(w->realm, &e));
			continue;
		case CCA_EXIT_SYSTEM_OFF:
		case CCA_EXIT_SHUTDOWN:
			if (want)
				break;
			w->completed = true;
			return 0;
		default:
			break;
		}
		char line[160], gf[160] = "";
		cca_exit_format(&e, line, sizeof(line));
		if (cca_sim_guest_failure(w->sim, cca_realm_vm_fd(w->realm), gf, sizeof(gf)) != 1)
			gf[0] = '\0';
		snprintf(w->odd, sizeof(w->odd), "vCPU %u: unexpected exit %s%s%s", i, line,
			 gf[0] ? "; guest: " : "", gf);
		return 1;
	}
	snprintf(w->odd, sizeof(w->odd), "vCPU %u: no progress in %d runs", i, MAX_RUNS);
	return 1;
}

/* Build and run; returns at the first failure (the teardown is the caller's). */
static void walk_body(struct walk *w)
{
	static unsigned char image[3 * 4096] __attribute__((aligned(4096)));
	static unsigned char odd_src[4096 + 1];
	int ret;

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < sizeof(odd_src); i++)
		odd_src[i] = (unsigned char)(i * 13);

	/* Host open and realm create leave nothing behind: made again, they work. */
	if (!ok(w, "cca_host_open_sys", ret = open_host(w)))
		retry_must_work(w, "cca_host_open_sys", open_host(w));
	if (!ok(w, "cca_realm_create", ret = create_realm(w)))
		retry_must_work(w, "cca_realm_create", create_realm(w));

	if (!ok(w, "cca_realm_gic_create", create_gic(w))) {
		ret = create_gic(w);
		if (fault_was(w, FAULTY_IOCTL, KVM_CREATE_DEVICE)) {
			retry_must_work(w, "cca_realm_gic_create", ret);
		} else {
			/* Documented: KVM keeps the vGIC it created; a second attempt gets EEXIST. */
			if (ret != -EEXIST)
				fail_msg(
					"%s: GIC attribute failed (%s); again gave %s, documented EEXIST",
					w->label, cca_error_name(w->failed_ret),
					cca_error_name(ret));
			return;
		}
	}

	for (unsigned int i = 0; i < NR_RECS; i++) {
		if (ok(w, "cca_rec_create", create_rec(w, i)))
			continue;
		if (fault_was(w, FAULTY_IOCTL, KVM_CREATE_VCPU)) {
			/* Nothing was created; the realm stays usable. */
			if (cca_realm_state(w->realm) != CCA_REALM_CONFIGURING)
				fail_msg("%s: KVM_CREATE_VCPU failed; realm state %d", w->label,
					 cca_realm_state(w->realm));
			retry_must_work(w, "cca_rec_create", create_rec(w, i));
		} else {
			/* Any later failure leaves the realm dead: KVM cannot remove a vCPU. */
			expect_dead(w, "cca_rec_create");
			ret = create_rec(w, i);
			if (ret != -CCA_E_DEAD)
				fail_msg("%s: dead realm: cca_rec_create gave %s", w->label,
					 cca_error_name(ret));
			return;
		}
	}

	if (!ok(w, "cca_mem_region_add", add_region(w)))
		retry_must_work(w, "cca_mem_region_add", add_region(w));
	if (w->cfg->psci_user &&
	    !ok(w, "cca_realm_set_psci_user", cca_realm_set_psci_user(w->realm)))
		retry_must_work(w, "cca_realm_set_psci_user", cca_realm_set_psci_user(w->realm));

	ret = cca_mem_populate(w->realm, RAM_BASE, image, 2 * 4096, CCA_POPULATE_MEASURE);
	if (!ok(w, "cca_mem_populate", ret)) {
		/* A kernel error in the first populate leaves the realm dead. */
		if (!cca_is_libcca_error(ret))
			expect_dead(w, "cca_mem_populate");
		return;
	}
	/* An unaligned source: through the bounce buffer. */
	ret = cca_mem_populate(w->realm, RAM_BASE + 0x2000, odd_src + 1, 4096,
			       CCA_POPULATE_MEASURE);
	if (!ok(w, "cca_mem_populate (bounced)", ret))
		return;

	if (!ok(w, "cca_rec_set_entry", set_entry(w)))
		retry_must_work(w, "cca_rec_set_entry", set_entry(w));

	/* The first run activates; a PMU init failure kills the realm. */
	ret = run_until(w, 0, 'A');
	if (ret < 0 && cca_realm_state(w->realm) == CCA_REALM_DEAD) {
		expect_dead(w, "cca_rec_run");
		return;
	}
	if (ret)
		return;
	if (run_until(w, 1, 'B'))
		return;
	/* With PSCI in user space, vCPU 1's CPU_OFF comes to the VMM (in KVM it would block). */
	if (w->cfg->psci_user && run_until(w, 1, WANT_CPU_OFF))
		return;
	if (run_until(w, 0, 0) || !w->completed)
		return;

	/* However the walk got here, the shadow measurement is the RMM's. */
	uint8_t want[64], got[64];
	size_t wl = 0, gl = 0;
	if (cca_sim_rim(w->sim, cca_realm_vm_fd(w->realm), want, &wl))
		fail_msg("%s: cca_sim_rim failed", w->label);
	ret = cca_realm_expected_rim(w->realm, got, &gl);
	if (ret || gl != wl || memcmp(got, want, wl))
		fail_msg("%s: expected RIM (%s) differs from the simulated RMM's%s%s", w->label,
			 cca_error_name(ret), w->failed_call ? " after a failed " : "",
			 w->failed_call ? w->failed_call : "");
}

/*
 * One walk with call @k failing with @err (k == 0: none), then the
 * teardown and the leak checks.
 */
static void walk(const struct cfg *c, unsigned long k, int err, struct walk *w,
		 struct faulty_call **trace, unsigned long *ncalls)
{
	struct cca_sim_options so;
	char perr[160] = "";

	memset(w, 0, sizeof(*w));
	w->cfg = c;
	snprintf(w->label, sizeof(w->label), "%s/psci-%s", cca_abi_rev_name(c->rev),
		 c->psci_user ? "user" : "kernel");
	memset(&so, 0, sizeof(so));
	so.size = sizeof(so);
	so.revision = c->rev;
	so.guest = guest;
	if (cca_sim_create(&so, &w->sim, perr, sizeof(perr)))
		fail_msg("%s: cca_sim_create: %s", w->label, perr);
	if (faulty_sys_new(cca_sim_sys(w->sim), &w->fs))
		fail_msg("out of memory");
	faulty_sys_set_tracing(w->fs, trace != NULL);
	faulty_sys_arm(w->fs, k, err);

	walk_body(w);

	/* Whatever exists, destroy it. */
	cca_realm_destroy(w->realm);
	cca_host_close(w->host);
	w->realm = NULL;
	w->host = NULL;
	note_fault(w);
	if (k) {
		struct faulty_call t = w->what;
		size_t l = strlen(w->label);
		snprintf(w->label + l, sizeof(w->label) - l, " call %lu (%s fd %d req 0x%lx) -%s",
			 k, faulty_op_name(t.op), t.fd, t.req, cca_error_name(-err));
		if (!w->fired)
			fail_msg("%s: the fault never fired: the walk is not deterministic",
				 w->label);
	}
	size_t fds = faulty_sys_open_fds(w->fs), maps = faulty_sys_live_maps(w->fs);
	size_t bad = faulty_sys_bad_calls(w->fs);
	size_t kept = k && w->what.op == FAULTY_MUNMAP ? 1 : 0; /* a failed munmap leaves it */
	if (fds || maps != kept || bad)
		fail_msg("%s: after teardown %zu fd(s) open, %zu mapping(s) live (expected %zu), "
			 "%zu bad close/munmap call(s)%s%s",
			 w->label, fds, maps, kept, bad, w->failed_call ? "; first failure: " : "",
			 w->failed_call ? w->failed_call : "");
	faulty_sys_release(w->fs);
	if (!w->failed_call && !w->completed)
		fail_msg("%s: every library call succeeded, yet the guest did not finish: %s",
			 w->label, w->odd[0] ? w->odd : "(stopped)");
	if (w->odd[0] && !w->failed_call)
		fail_msg("%s: %s", w->label, w->odd);
	if (w->retried && !w->completed)
		fail_msg("%s: a failed call made again succeeded, but the guest did not finish: %s",
			 w->label, w->odd[0] ? w->odd : w->failed_call);
	if (ncalls)
		*ncalls = faulty_sys_calls(w->fs);
	if (trace) {
		unsigned long nc = faulty_sys_calls(w->fs);
		*trace = calloc(nc ? nc : 1, sizeof(**trace));
		assert_non_null(*trace);
		for (unsigned long i = 1; i <= nc; i++)
			assert_true(faulty_sys_trace(w->fs, i, &(*trace)[i - 1]));
	}
	cca_sim_destroy(w->sim);
	w->sim = NULL;
	faulty_sys_free(w->fs);
	w->fs = NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* $CCA_TEST_FAULTS_STRIDE, or 0 to size the stride from the time the walks take. */
static unsigned long stride_env(void)
{
	const char *e = getenv("CCA_TEST_FAULTS_STRIDE");
	return e && *e ? strtoul(e, NULL, 0) : 0;
}

/* The stride that fits @cases walks of @walk_s seconds into this case's budget share. */
static unsigned long stride_for(double walk_s, unsigned long cases)
{
	const char *b = getenv("CCA_TEST_FAULTS_BUDGET");
	double budget = b && *b ? strtod(b, NULL) : 20.0;
	if (!(budget > 0))
		budget = 20.0;
	/* Eight configurations share the budget. */
	return (unsigned long)(walk_s * (double)cases * 8 / budget) + 1;
}

static void test_faults(void **state)
{
	const struct cfg *c = *state;
	struct walk *w = calloc(1, sizeof(*w));
	struct faulty_call *trace = NULL;
	unsigned long n = 0, cases = 0, faults = 0, completed = 0, retried = 0, failed = 0;
	unsigned long per_op[FAULTY_NR_OPS] = { 0 };

	assert_non_null(w);
	/* The clean walk: count and trace the calls (the teardown's included). */
	snprintf(current_case, sizeof(current_case), "%s/psci-%s clean walk",
		 cca_abi_rev_name(c->rev), c->psci_user ? "user" : "kernel");
	walk(c, 0, 0, w, &trace, &n);
	if (!w->completed)
		fail_msg("%s: the clean walk did not finish: %s", w->label, w->odd);
	for (unsigned long k = 1; k <= n; k++) {
		cases += errs_of[trace[k - 1].op].n;
		per_op[trace[k - 1].op]++;
	}
	/*
	 * Every call, unless that would blow the time budget (QEMU, sanitizers):
	 * the first 100 faulted walks measure what one costs, then the stride
	 * is fixed for the rest.
	 */
	unsigned long stride = stride_env();
	bool sized = stride != 0;
	if (!stride)
		stride = 1;

	double t0;
	t0 = now();
	for (unsigned long k = 1; k <= n; k++) {
		if (!sized && faults >= 100) {
			stride = stride_for((now() - t0) / (double)faults, cases);
			sized = true;
		}
		if (stride > 1 && (k + c->index) % stride)
			continue;
		enum faulty_op op = trace[k - 1].op;
		for (size_t j = 0; j < errs_of[op].n; j++) {
			int err = errs_of[op].v[j];
			snprintf(current_case, sizeof(current_case), "%s/psci-%s call %lu (%s) -%s",
				 cca_abi_rev_name(c->rev), c->psci_user ? "user" : "kernel", k,
				 faulty_op_name(op), cca_error_name(-err));
			alarm(20);
			walk(c, k, err, w, NULL, NULL);
			alarm(0);
			if (w->what.op != op)
				fail_msg("%s: call %lu was %s in the clean walk", w->label, k,
					 faulty_op_name(op));
			faults++;
			completed += w->completed;
			retried += w->retried;
			failed += w->failed_call != NULL;
		}
	}
	double faulted_s = now() - t0;
	print_message("# %s/psci-%s: %lu seam calls (open %lu close %lu ioctl %lu mmap %lu "
		      "munmap %lu fallocate %lu madvise %lu); %lu faults injected%s; %lu ended in "
		      "a clean error, %lu ran to SYSTEM_OFF anyway (%lu after a call made again); "
		      "%.2f s\n",
		      cca_abi_rev_name(c->rev), c->psci_user ? "user" : "kernel", n,
		      per_op[FAULTY_OPEN], per_op[FAULTY_CLOSE], per_op[FAULTY_IOCTL],
		      per_op[FAULTY_MMAP], per_op[FAULTY_MUNMAP], per_op[FAULTY_FALLOCATE],
		      per_op[FAULTY_MADVISE], faults, stride > 1 ? " (calls sampled)" : "", failed,
		      completed, retried, faulted_s);
	if (stride > 1)
		print_message("# %s/psci-%s: calls sampled with stride %lu after the first 100 "
			      "faults (set CCA_TEST_FAULTS_STRIDE=1 for every call)\n",
			      cca_abi_rev_name(c->rev), c->psci_user ? "user" : "kernel", stride);
	total_faults += faults;
	total_completed += completed;
	total_retried += retried;
	total_failed += failed;
	free(trace);
	free(w);
}

static struct cfg cfgs[8];

static int report(void **state)
{
	(void)state;
	print_message("# fault injection: %lu faults injected in total; %lu clean errors, %lu "
		      "walks completed anyway, %lu after a documented retry\n",
		      total_faults, total_failed, total_completed, total_retried);
	return 0;
}

int main(void)
{
	static const enum cca_abi_rev revs[] = { CCA_ABI_V12, CCA_ABI_V13, CCA_ABI_V14,
						 CCA_ABI_V15 };
	static char names[8][48];
	struct CMUnitTest tests[8];

	signal(SIGALRM, on_alarm);
	for (unsigned int i = 0; i < 8; i++) {
		cfgs[i] = (struct cfg){ .rev = revs[i / 2], .psci_user = i % 2, .index = i };
		snprintf(names[i], sizeof(names[i]), "faults/%s/psci-%s",
			 cca_abi_rev_name(cfgs[i].rev), cfgs[i].psci_user ? "user" : "kernel");
		tests[i] = (struct CMUnitTest){ .name = names[i],
						.test_func = test_faults,
						.initial_state = &cfgs[i] };
	}
	return cmocka_run_group_tests(tests, NULL, report);
}
