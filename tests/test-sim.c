// SPDX-License-Identifier: MIT
/*
 * Description: scenario tests of the core library on the simulated KVM+RMM
 * backend, for every revision: a full realm life cycle (create, populate,
 * SMP boot of the built-in Linux-like guest with PSCI in user space and in
 * the kernel, RIPAS conversion, host call, system off), the measurement
 * the simulated RMM reports, and ordering rules broken on purpose: the
 * library refuses them, and sent raw to the "kernel" they fail with the
 * errno the real kernel gives.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/cca.h>

#include "internal.h"
#include "sim/sim.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (64ULL << 20)
#define UART 0x09000000ULL
#define MAX_CPUS 16

struct scenario {
	struct cca_sim *sim;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_rec *rec[MAX_CPUS];
	unsigned int nr;
	bool psci_user;
	pthread_mutex_t lock;
	char console[8192]; /* vCPU 0's output, then each secondary's, in order */
	size_t console_len;
	char out[MAX_CPUS][1024]; /* per vCPU: a shared UART interleaves bytes */
	size_t out_len[MAX_CPUS];
	atomic_int stop;
	atomic_int system_off, reset, fatal, exits, host_calls, ripas;
	int fatal_err[MAX_CPUS];
};

static void sc_open(struct scenario *s, enum cca_abi_rev rev, const char *guest)
{
	struct cca_sim_options so;
	struct cca_host_options ho;
	char err[192] = "";

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	memset(&so, 0, sizeof(so));
	so.size = sizeof(so);
	so.revision = rev;
	so.guest = guest;
	int ret = cca_sim_create(&so, &s->sim, err, sizeof(err));
	if (ret)
		fail_msg("cca_sim_create: %s (%s)", cca_strerror(ret), err);
	memset(&ho, 0, sizeof(ho));
	ho.size = sizeof(ho);
	ho.flags = CCA_HOST_NO_ENV;
	ho.sim = s->sim;
	assert_int_equal(cca_host_open(&ho, &s->host), 0);
	assert_int_equal(cca_host_revision(s->host), rev);
}

/* Build a realm in the order the kernel requires; returns the populate result. */
static void sc_build(struct scenario *s, unsigned int nr, bool psci_user)
{
	static unsigned char image[3 * 4096] __attribute__((aligned(4096)));
	struct cca_realm_params rp;
	struct cca_gic_params gp = { .size = sizeof(gp), .dist_base = 0x08000000,
				     .redist_base = 0x080a0000 };
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = RAM_BASE, .len = RAM_SIZE };

	s->nr = nr;
	s->psci_user = psci_user;
	cca_realm_params_init(&rp);
	rp.ipa_bits = 33;
	rp.nr_recs = nr;
	rp.num_bps = 2;
	rp.num_wps = 2;
	assert_int_equal(cca_realm_create(s->host, &rp, &s->realm), 0);
	assert_int_equal(cca_realm_gic_create(s->realm, &gp), 0);
	for (unsigned int i = 0; i < nr; i++) {
		struct cca_rec_params p = { .size = sizeof(p), .index = i };
		assert_int_equal(cca_rec_create(s->realm, &p, &s->rec[i]), 0);
	}
	assert_int_equal(cca_mem_region_add(s->realm, &mp, NULL), 0);
	if (psci_user)
		assert_int_equal(cca_realm_set_psci_user(s->realm), 0);
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (unsigned char)(i * 7);
	assert_int_equal(cca_mem_populate(s->realm, RAM_BASE, image, sizeof(image),
					  CCA_POPULATE_MEASURE),
			 0);
	assert_int_equal(cca_realm_state(s->realm), CCA_REALM_DESCRIPTOR);
	const uint64_t x[8] = { RAM_BASE + 0x2000 };
	assert_int_equal(cca_rec_set_entry(s->rec[0], RAM_BASE, x), 0);
}

static void sc_close(struct scenario *s)
{
	cca_realm_destroy(s->realm);
	cca_host_close(s->host);
	cca_sim_destroy(s->sim);
	pthread_mutex_destroy(&s->lock);
}

static void stop_all(struct scenario *s)
{
	atomic_store(&s->stop, 1);
	for (unsigned int i = 0; i < s->nr; i++)
		cca_rec_kvm_run(s->rec[i])->immediate_exit = 1;
}

/* The run loop a VMM writes, with libcca's helpers. */
static int handle(struct scenario *s, struct cca_rec *rec, const struct cca_exit *e)
{
	switch (e->kind) {
	case CCA_EXIT_MMIO:
		if (e->mmio.is_write && e->mmio.ipa == UART) {
			unsigned int i = cca_rec_index(rec);
			if (s->out_len[i] < sizeof(s->out[i]) - 1)
				s->out[i][s->out_len[i]++] = (char)e->mmio.data;
		} else if (!e->mmio.is_write) {
			return cca_rec_set_mmio_data(rec, 0);
		}
		return 0;
	case CCA_EXIT_PSCI:
		switch (e->psci.fn) {
		case CCA_PSCI_FN_CPU_ON:
			return cca_psci_cpu_on(rec, e, 0);
		case CCA_PSCI_FN_AFFINITY_INFO:
			return cca_psci_affinity_info(rec, e);
		case CCA_PSCI_FN_CPU_OFF:
			return cca_psci_cpu_off(rec);
		default:
			return 0;
		}
	case CCA_EXIT_HOST_CALL:
		atomic_fetch_add(&s->host_calls, 1);
		return cca_rec_set_reg(rec, CCA_KVM_REG_ARM64_X(0), 0);
	case CCA_EXIT_RIPAS_CHANGE:
		atomic_fetch_add(&s->ripas, 1);
		return cca_mem_accept_ripas_change(s->realm, e);
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SHUTDOWN:
		atomic_store(&s->system_off, 1);
		stop_all(s);
		return 1;
	case CCA_EXIT_SYSTEM_RESET:
		atomic_store(&s->reset, 1);
		stop_all(s);
		return 1;
	case CCA_EXIT_INTR:
	case CCA_EXIT_RETRY:
		return atomic_load(&s->stop) ? 1 : 0;
	default:
		return -EIO;
	}
}

struct vcpu_arg {
	struct scenario *s;
	unsigned int i;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct scenario *s = a->s;
	struct cca_rec *rec = s->rec[a->i];
	struct cca_exit e;

	while (!atomic_load(&s->stop)) {
		int ret = cca_rec_run(rec, &e);
		if (ret == -CCA_E_PSCI_PENDING || ret == -CCA_E_PSCI_TARGET_PENDING) {
			sched_yield(); /* another thread owes the completion */
			continue;
		}
		if (ret == 0)
			ret = handle(s, rec, &e);
		atomic_fetch_add(&s->exits, 1);
		if (ret < 0) {
			char line[160];
			cca_exit_format(&e, line, sizeof(line));
			print_message("vCPU %u: %s after exit %s\n", a->i, cca_strerror(ret), line);
			s->fatal_err[a->i] = ret;
			atomic_store(&s->fatal, 1);
			stop_all(s);
			break;
		}
		if (ret > 0)
			break;
	}
	return NULL;
}

static void sc_run(struct scenario *s)
{
	pthread_t t[MAX_CPUS];
	struct vcpu_arg a[MAX_CPUS];
	for (unsigned int i = 0; i < s->nr; i++) {
		a[i] = (struct vcpu_arg){ s, i };
		assert_int_equal(pthread_create(&t[i], NULL, vcpu_thread, &a[i]), 0);
	}
	for (unsigned int i = 0; i < s->nr; i++)
		pthread_join(t[i], NULL);
	for (unsigned int i = 0; i < s->nr; i++) {
		size_t n = s->out_len[i];
		if (n > sizeof(s->console) - 1 - s->console_len)
			n = sizeof(s->console) - 1 - s->console_len;
		memcpy(s->console + s->console_len, s->out[i], n);
		s->console_len += n;
	}
	s->console[s->console_len] = '\0';
}

static void boot(enum cca_abi_rev rev, unsigned int nr, bool psci_user)
{
	struct scenario s;
	char want[64], fail[256];

	sc_open(&s, rev, NULL);
	sc_build(&s, nr, psci_user);
	sc_run(&s);
	if (cca_sim_guest_failure(s.sim, cca_realm_vm_fd(s.realm), fail, sizeof(fail)) == 1)
		fail_msg("guest check failed: %s", fail);
	assert_int_equal(atomic_load(&s.fatal), 0);
	assert_int_equal(atomic_load(&s.system_off), 1);
	assert_non_null(strstr(s.console, "Booting Linux on physical CPU 0x0"));
	for (unsigned int i = 1; i < nr; i++) {
		snprintf(want, sizeof(want), "CPU%u: Booted secondary processor", i);
		if (!strstr(s.console, want))
			fail_msg("console lacks '%s':\n%s", want, s.console);
	}
	assert_non_null(strstr(s.console, "reboot: Power down"));
	assert_int_equal(atomic_load(&s.ripas), 1);
	/* The host call reaches user space only when the filter forwards it. */
	assert_int_equal(atomic_load(&s.host_calls), 0);
	assert_int_equal(cca_realm_state(s.realm), CCA_REALM_ACTIVE);
	sc_close(&s);
}

static void boot_user_psci(void **state)
{
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		boot((enum cca_abi_rev)rev, 1, true);
		boot((enum cca_abi_rev)rev, 4, true);
	}
}

static void boot_kernel_psci(void **state)
{
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++)
		boot((enum cca_abi_rev)rev, 4, false);
}

/* The simulated RMM's RIM for a fixed realm is stable and differs by model. */
static void measurement_is_reported(void **state)
{
	uint8_t rim[4][64];
	size_t len;
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct scenario s;
		sc_open(&s, (enum cca_abi_rev)rev, NULL);
		sc_build(&s, 2, true);
		int vm = cca_realm_vm_fd(s.realm);
		uint8_t before[64];
		assert_int_equal(cca_sim_rim(s.sim, vm, before, &len), 0);
		assert_int_equal(len, 32);
		sc_run(&s);
		assert_int_equal(cca_sim_rim(s.sim, vm, rim[rev - CCA_ABI_V12], &len), 0);
		/* Activation added the REC (and on v12 the RIPAS descriptors). */
		assert_memory_not_equal(before, rim[rev - CCA_ABI_V12], 32);
		sc_close(&s);
	}
	/* RMM 1.0 measures INIT_RIPAS, 2.0 does not: v12 differs from v13, v13..v15 agree. */
	assert_memory_not_equal(rim[0], rim[1], 32);
	assert_memory_equal(rim[1], rim[2], 32);
	assert_memory_equal(rim[2], rim[3], 32);
}

/* Ordering rules broken on purpose: what the library says, and what the "kernel" says. */
static void ordering_rules(void **state)
{
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct scenario s;
		static unsigned char page[4096] __attribute__((aligned(4096)));
		sc_open(&s, (enum cca_abi_rev)rev, NULL);
		sc_build(&s, 2, true);
		const struct cca_sys *sys = cca_sim_sys(s.sim);
		int vm = cca_realm_vm_fd(s.realm);

		/* Run once: the realm activates. */
		struct cca_exit e;
		assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
		assert_int_equal(cca_realm_state(s.realm), CCA_REALM_ACTIVE);

		/* Populate after the first run: refused by the library... */
		assert_int_equal(cca_mem_populate(s.realm, RAM_BASE + 0x100000, page, 4096, 0),
				 -CCA_E_AFTER_RUN);
		/* ...and EBUSY from the kernel. */
		struct kvm_arm_rmi_populate a = { .base = RAM_BASE + 0x100000, .size = 4096,
						  .source_uaddr = (uintptr_t)page };
		assert_int_equal(sys->ops->ioctl(sys->ctx, vm, cca_abi_desc(rev)->populate_req, &a),
				 -EBUSY);
		/* A vCPU after the first run: refused, and EBUSY from the kernel. */
		struct cca_rec_params p = { .size = sizeof(p), .index = 2 };
		struct cca_rec *extra;
		assert_int_equal(cca_rec_create(s.realm, &p, &extra), -CCA_E_AFTER_RUN);
		assert_int_equal(sys->ops->ioctl(sys->ctx, vm, KVM_CREATE_VCPU, (void *)2), -EBUSY);
		/* The PSCI completion ioctl: only v12/v13 know it. */
		struct kvm_arm_rmi_psci_complete c = { .target_mpidr = 1, .psci_status = 0 };
		int r = sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[0]),
					KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, &c);
		assert_int_equal(r, -EINVAL); /* v12/v13: nothing pending; v14+: unknown ioctl */
		stop_all(&s);
		sc_close(&s);
	}
}

/* A CPU_ON left uncompleted: the library refuses both vCPUs; raw, the kernel says ENXIO. */
static void psci_order_raw(void **state)
{
	(void)state;
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  psci cpu_on 0x1 0x80000000 0x55 expect 0\n"
				    "  psci system_off\n"
				    "cpu 1:\n"
				    "  expect x0 == 0x55\n"
				    "  idle\n";
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V13; rev++) {
		struct scenario s;
		struct cca_exit e;
		sc_open(&s, (enum cca_abi_rev)rev, guest);
		sc_build(&s, 2, true);
		const struct cca_sys *sys = cca_sim_sys(s.sim);

		struct cca_exit other;
		assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_PSCI);
		assert_int_equal(e.psci.fn, CCA_PSCI_FN_CPU_ON);
		assert_int_equal(e.psci.target_mpidr, 1);
		assert_int_equal(e.psci.context_id, 0x55);
		assert_int_equal(cca_rec_run(s.rec[0], &other), -CCA_E_PSCI_PENDING);
		assert_int_equal(cca_rec_run(s.rec[1], &other), -CCA_E_PSCI_TARGET_PENDING);
		/* Completion on the wrong vCPU: the kernel refuses (nothing pending there). */
		struct kvm_arm_rmi_psci_complete c = { .target_mpidr = 1, .psci_status = 0 };
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[1]),
						 KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, &c),
				 -EINVAL);
		/* DENIED for AFFINITY_INFO is refused by the library before the kernel. */
		assert_int_equal(cca_psci_complete(s.rec[0], 1, CCA_PSCI_RET_INVALID_PARAMETERS),
				 -CCA_E_PSCI_STATUS);
		/* Raw re-entry of the source before the completion: ENXIO. */
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[0]), KVM_RUN, NULL),
				 -ENXIO);
		/* The helper completes, answers x0 and starts the target. */
		assert_int_equal(cca_psci_cpu_on(s.rec[0], &e, 0), 0);
		assert_int_equal(cca_psci_pending(s.rec[0], NULL), 0);
		assert_int_equal(cca_rec_is_on(s.rec[1]), 1);
		/* A second completion: nothing pending, refused by the library... */
		assert_int_equal(cca_psci_complete(s.rec[0], 1, 0), -CCA_E_PSCI_NOT_PENDING);
		/* ...and EINVAL from the kernel. */
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[0]),
						 KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, &c),
				 -EINVAL);
		stop_all(&s);
		sc_close(&s);
	}
}

static void guest_check_failure_is_reported(void **state)
{
	(void)state;
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  hostcall 7 x0=0xc2000001 expect x0 == 0x1234\n";
	struct scenario s;
	struct cca_exit e;
	char report[256];

	sc_open(&s, CCA_ABI_V14, guest);
	sc_build(&s, 1, false);
	/* Without forwarding, KVM answers the host call NOT_SUPPORTED: the check fails. */
	assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_INTERNAL_ERROR);
	assert_int_equal(cca_sim_guest_failure(s.sim, cca_realm_vm_fd(s.realm), report,
					       sizeof(report)),
			 1);
	assert_non_null(strstr(report, "line 3"));
	sc_close(&s);
}

static void bad_guest_program(void **state)
{
	struct cca_sim_options so;
	struct cca_sim *sim = NULL;
	char err[192] = "";
	(void)state;
	memset(&so, 0, sizeof(so));
	so.size = sizeof(so);
	so.revision = CCA_ABI_V13;
	so.guest = "cpu 0:\n  psci cpu_of\n";
	assert_int_equal(cca_sim_create(&so, &sim, err, sizeof(err)), -EINVAL);
	assert_null(sim);
	assert_non_null(strstr(err, "line 2"));
	so.guest = NULL;
	so.revision = (enum cca_abi_rev)11;
	assert_int_equal(cca_sim_create(&so, &sim, err, sizeof(err)), -EINVAL);
	assert_null(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_user_psci),
		cmocka_unit_test(boot_kernel_psci),
		cmocka_unit_test(measurement_is_reported),
		cmocka_unit_test(ordering_rules),
		cmocka_unit_test(psci_order_raw),
		cmocka_unit_test(guest_check_failure_is_reported),
		cmocka_unit_test(bad_guest_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
