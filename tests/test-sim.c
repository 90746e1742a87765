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
#include "vmm/sim-vmm.h"

#define RAM_BASE SIM_VMM_RAM_BASE

/* Open, build and (optionally) run; any failure fails the test with the VMM's message. */
static void open_build(struct sim_vmm *v, enum cca_abi_rev rev, const char *guest,
		       unsigned int nr, bool psci_user)
{
	struct sim_vmm_cfg c = { .rev = rev, .guest = guest, .nr_cpus = nr, .psci_user = psci_user };
	int ret = sim_vmm_open(v, &c);
	if (!ret)
		ret = sim_vmm_build(v);
	if (ret)
		fail_msg("%s: %s", cca_abi_rev_name(rev), v->err);
	assert_int_equal(cca_realm_state(v->realm), CCA_REALM_DESCRIPTOR);
}

static void stop_all(struct sim_vmm *v)
{
	for (unsigned int i = 0; i < v->cfg.nr_cpus; i++)
		__atomic_store_n(&cca_rec_kvm_run(v->rec[i])->immediate_exit, 1, __ATOMIC_RELAXED);
}

static void boot(enum cca_abi_rev rev, unsigned int nr, bool psci_user)
{
	struct sim_vmm v;
	char want[64], fail[256];

	open_build(&v, rev, NULL, nr, psci_user);
	int ret = sim_vmm_run(&v);
	if (cca_sim_guest_failure(v.sim, cca_realm_vm_fd(v.realm), fail, sizeof(fail)) == 1)
		fail_msg("%s: guest check failed: %s", cca_abi_rev_name(rev), fail);
	if (ret)
		fail_msg("%s: %s", cca_abi_rev_name(rev), v.err);
	assert_int_equal(atomic_load(&v.system_off), 1);
	const char *c0 = sim_vmm_console(&v, 0);
	assert_non_null(strstr(c0, "Booting Linux on physical CPU 0x0"));
	assert_non_null(strstr(c0, "reboot: Power down"));
	for (unsigned int i = 1; i < nr; i++) {
		snprintf(want, sizeof(want), "CPU%u: Booted secondary processor", i);
		if (!strstr(sim_vmm_console(&v, i), want))
			fail_msg("%s: vCPU %u's console lacks '%s': '%s'", cca_abi_rev_name(rev), i,
				 want, sim_vmm_console(&v, i));
	}
	assert_int_equal(atomic_load(&v.ripas), 1);
	/* The host call reaches user space only when the filter forwards it. */
	assert_int_equal(atomic_load(&v.host_calls), 0);
	assert_int_equal(cca_realm_state(v.realm), CCA_REALM_ACTIVE);
	sim_vmm_close(&v);
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
		struct sim_vmm v;
		open_build(&v, (enum cca_abi_rev)rev, NULL, 2, true);
		int vm = cca_realm_vm_fd(v.realm);
		uint8_t before[64];
		assert_int_equal(cca_sim_rim(v.sim, vm, before, &len), 0);
		assert_int_equal(len, 32);
		if (sim_vmm_run(&v))
			fail_msg("%s", v.err);
		assert_int_equal(cca_sim_rim(v.sim, vm, rim[rev - CCA_ABI_V12], &len), 0);
		/* Activation added the REC (and on v12 the RIPAS descriptors). */
		assert_memory_not_equal(before, rim[rev - CCA_ABI_V12], 32);
		sim_vmm_close(&v);
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
		struct sim_vmm s;
		static unsigned char page[4096] __attribute__((aligned(4096)));
		open_build(&s, (enum cca_abi_rev)rev, NULL, 2, true);
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
		sim_vmm_close(&s);
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
		struct sim_vmm s;
		struct cca_exit e;
		open_build(&s, (enum cca_abi_rev)rev, guest, 2, true);
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
		/* A target the VMM made runnable itself and ran before the completion: ENXIO. */
		struct kvm_mp_state mp = { .mp_state = CCA_KVM_MP_STATE_RUNNABLE };
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[1]), KVM_SET_MP_STATE, &mp),
				 0);
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[1]), KVM_RUN, NULL),
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
		sim_vmm_close(&s);
	}
}

/* DENIED for AFFINITY_INFO: the library refuses it; the kernel (RMM) says EINVAL. */
static void affinity_denied(void **state)
{
	(void)state;
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  psci affinity_info 0x1 0 expect OFF\n"
				    "  psci system_off\n";
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V13; rev++) {
		struct sim_vmm s;
		struct cca_exit e, other;
		open_build(&s, (enum cca_abi_rev)rev, guest, 2, true);
		const struct cca_sys *sys = cca_sim_sys(s.sim);
		assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
		assert_int_equal(e.psci.fn, CCA_PSCI_FN_AFFINITY_INFO);
		assert_int_equal(cca_psci_complete(s.rec[0], 1, CCA_PSCI_RET_DENIED), -CCA_E_PSCI_STATUS);
		struct kvm_arm_rmi_psci_complete c = { .target_mpidr = 1,
						       .psci_status = (uint32_t)CCA_PSCI_RET_DENIED };
		assert_int_equal(sys->ops->ioctl(sys->ctx, cca_rec_fd(s.rec[0]),
						 KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, &c),
				 -EINVAL);
		assert_int_equal(cca_psci_affinity_info(s.rec[0], &e), 0);
		assert_int_equal(cca_rec_run(s.rec[0], &other), 0);
		assert_int_equal(other.kind, CCA_EXIT_SYSTEM_OFF);
		sim_vmm_close(&s);
	}
}

/* A guest reset: reported as such; the realm cannot run again (SHUTDOWN). */
static void system_reset(void **state)
{
	(void)state;
	static const char guest[] = "ipa-bits 33\ncpu 0:\n  psci system_reset\n";
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		for (int user = 0; user < 2; user++) {
			struct sim_vmm s;
			struct cca_exit e;
			open_build(&s, (enum cca_abi_rev)rev, guest, 1, user);
			assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
			if (user) {
				assert_int_equal(e.kind, CCA_EXIT_SYSTEM_RESET);
				assert_true(e.flags & CCA_EXIT_F_VIA_PSCI);
			} else {
				assert_int_equal(e.kind, CCA_EXIT_SYSTEM_RESET);
			}
			assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
			assert_int_equal(e.kind, CCA_EXIT_SHUTDOWN);
			sim_vmm_close(&s);
		}
	}
}

static void guest_check_failure_is_reported(void **state)
{
	(void)state;
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  hostcall 7 x0=0xc2000001 expect x0 == 0x1234\n";
	struct sim_vmm s;
	struct cca_exit e;
	char report[256];

	open_build(&s, CCA_ABI_V14, guest, 1, false);
	/* Without forwarding, KVM answers the host call NOT_SUPPORTED: the check fails. */
	assert_int_equal(cca_rec_run(s.rec[0], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_INTERNAL_ERROR);
	assert_int_equal(cca_sim_guest_failure(s.sim, cca_realm_vm_fd(s.realm), report,
					       sizeof(report)),
			 1);
	assert_non_null(strstr(report, "line 3"));
	sim_vmm_close(&s);
}

/*
 * Cross-check: the realm's shadow measurement equals what the simulated RMM
 * computed, for every revision and for layouts that exercise v12's
 * INIT_RIPAS geometry (blocks, level-3 tables around populated data,
 * populated granules skipped, slots in order, regions not 2 MiB aligned).
 */
static void shadow_rim_matches_rmm(void **state)
{
	static unsigned char img[5 * 4096 + 123];
	static const struct {
		unsigned int cpus;
		unsigned long long ram;
		uint64_t pop[3]; /* populate offsets from RAM_BASE (0 ends; first always 0) */
		unsigned int pop_pages[3];
		bool unaligned_src, second_region;
	} plans[] = {
		{ 1, 64ULL << 20, { 0 }, { 3 }, false, false },
		{ 4, 1ULL << 30, { 0, 0x200000, 0x3ff000 }, { 1, 4, 1 }, false, false },
		{ 2, (3ULL << 20) + 0x5000, { 0, 0x201000 }, { 2, 5 }, true, false },
		{ 3, 2ULL << 30, { 0, 0x40000000 }, { 5, 1 }, true, true },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (unsigned char)(i * 31 + 7);
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		for (size_t p = 0; p < sizeof(plans) / sizeof(plans[0]); p++) {
			struct sim_vmm_cfg c = { .rev = (enum cca_abi_rev)rev, .nr_cpus = plans[p].cpus,
						 .ram_size = plans[p].ram, .psci_user = p & 1 };
			struct sim_vmm v;
			uint8_t sim[64], lib[64];
			size_t slen, llen;
			if (sim_vmm_open(&v, &c) || sim_vmm_build(&v))
				fail_msg("%s", v.err);
			if (plans[p].second_region) {
				struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = 0x40000000,
								    .len = 0x1000000 };
				/* Region adds after the first populate are fine; they only get a later slot. */
				assert_int_equal(cca_mem_region_add(v.realm, &mp, NULL), 0);
			}
			for (int k = 1; k < 3 && plans[p].pop[k]; k++) {
				const unsigned char *src = img + (plans[p].unaligned_src ? 123 : 0);
				assert_int_equal(cca_mem_populate(v.realm, RAM_BASE + plans[p].pop[k], src,
								  plans[p].pop_pages[k] * 4096ULL,
								  k == 2 ? 0 : CCA_POPULATE_MEASURE),
						 0);
			}
			assert_int_equal(cca_realm_expected_rim(v.realm, lib, &llen), 0);
			assert_int_equal(cca_sim_rim(v.sim, cca_realm_vm_fd(v.realm), sim, &slen), 0);
			assert_memory_equal(lib, sim, 32); /* realm + data so far */
			if (sim_vmm_run(&v))
				fail_msg("%s plan %zu: %s", cca_abi_rev_name(rev), p, v.err);
			assert_int_equal(cca_realm_expected_rim(v.realm, lib, &llen), 0);
			assert_int_equal(cca_sim_rim(v.sim, cca_realm_vm_fd(v.realm), sim, &slen), 0);
			assert_int_equal(llen, slen);
			if (memcmp(lib, sim, slen))
				fail_msg("%s plan %zu: shadow RIM differs from the simulated RMM's",
					 cca_abi_rev_name(rev), p);
			sim_vmm_close(&v);
		}
	}
}

/* Unpredictable parameters are reported, not guessed. */
static void shadow_rim_unknown(void **state)
{
	struct sim_vmm_cfg c = { .rev = CCA_ABI_V13, .nr_cpus = 1 };
	struct sim_vmm v;
	struct cca_realm_params rp;
	uint8_t rim[64];
	size_t len;
	static unsigned char page[4096] __attribute__((aligned(4096)));
	(void)state;
	if (sim_vmm_open(&v, &c))
		fail_msg("%s", v.err);
	cca_realm_params_init(&rp);
	rp.ipa_bits = 33; /* num_bps/num_wps left at the RMM's maximum */
	assert_int_equal(cca_realm_create(v.host, &rp, &v.realm), 0);
	struct cca_rec_params p = { .size = sizeof(p), .index = 0 };
	assert_int_equal(cca_rec_create(v.realm, &p, &v.rec[0]), 0);
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = RAM_BASE, .len = 1 << 20 };
	assert_int_equal(cca_mem_region_add(v.realm, &mp, NULL), 0);
	assert_int_equal(cca_realm_expected_rim(v.realm, rim, &len), -ENOENT);
	assert_int_equal(cca_mem_populate(v.realm, RAM_BASE, page, 4096, CCA_POPULATE_MEASURE), 0);
	assert_int_equal(cca_realm_expected_rim(v.realm, rim, &len), -ENODATA);
	assert_int_equal(cca_realm_expected_rim(NULL, rim, &len), -EINVAL);
	sim_vmm_close(&v);
}

/* Scale: 512 vCPUs, a 1 TiB protected IPA space with 64 GiB of sparse RAM at its top. */
static void scale_512_vcpus_1tib(void **state)
{
	static const char guest[] = "ipa-bits 41\n"
				    "cpu 0:\n"
				    "  psci affinity_info 0x1f0f 0 expect OFF\n"
				    "  psci system_off\n";
	static unsigned char page[4096] __attribute__((aligned(4096)));
	struct sim_vmm_cfg c = { .rev = CCA_ABI_V14, .guest = guest, .nr_cpus = 512,
				 .ipa_bits = 41 };
	struct sim_vmm v;
	struct cca_exit e;
	(void)state;
	if (sim_vmm_open(&v, &c))
		fail_msg("%s", v.err);
	struct cca_realm_params rp;
	cca_realm_params_init(&rp);
	rp.ipa_bits = 41;
	rp.nr_recs = 512;
	assert_int_equal(cca_realm_create(v.host, &rp, &v.realm), 0);
	struct cca_gic_params gp = { .size = sizeof(gp), .dist_base = 0x08000000,
				     .redist_base = 0x10000000 };
	assert_int_equal(cca_realm_gic_create(v.realm, &gp), 0);
	for (unsigned int i = 0; i < 512; i++) {
		struct cca_rec_params p = { .size = sizeof(p), .index = i };
		assert_int_equal(cca_rec_create(v.realm, &p, &v.rec[i]), 0);
	}
	const uint64_t top = 1ULL << 40, ram = 64ULL << 30;
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = top - ram, .len = ram };
	assert_int_equal(cca_mem_region_add(v.realm, &mp, NULL), 0);
	assert_int_equal(cca_mem_populate(v.realm, top - 4096, page, 4096, CCA_POPULATE_MEASURE), 0);
	assert_int_equal(cca_mem_populate(v.realm, top, page, 4096, 0), -ERANGE);
	assert_int_equal(cca_rec_set_entry(v.rec[0], top - ram, NULL), 0);
	assert_int_equal(cca_rec_run(v.rec[0], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_SYSTEM_OFF);
	assert_int_equal(cca_mpidr_of_index(511), 0x1f0f);
	uint8_t rim[64];
	size_t len;
	assert_int_equal(cca_sim_rim(v.sim, cca_realm_vm_fd(v.realm), rim, &len), 0);
	sim_vmm_close(&v);
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
		cmocka_unit_test(affinity_denied),
		cmocka_unit_test(system_reset),
		cmocka_unit_test(guest_check_failure_is_reported),
		cmocka_unit_test(scale_512_vcpus_1tib),
		cmocka_unit_test(shadow_rim_matches_rmm),
		cmocka_unit_test(shadow_rim_unknown),
		cmocka_unit_test(bad_guest_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
