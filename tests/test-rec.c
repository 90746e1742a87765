// SPDX-License-Identifier: MIT
/*
 * Description: RECs. cca_rec_create()'s exact ioctl sequence (vCPU init
 * features, SVE lengths and finalize, debug and PMU registers) and its
 * rules (index order, refused features, after populate / after the first
 * run, kernel failures); MPIDRs; the boot entry point; the register rules
 * of cca_rec_set_reg()/cca_rec_get_reg() per revision; cca_rec_run(): the
 * first-run checks, vGIC and PMU initialisation, activation and death,
 * EINTR, EAGAIN per revision, argument loading for PSCI and host-call
 * exits, MMIO read data and undecodable exits (kvm-realm-uapi.md §4-§7,
 * §9, §10, §17).
 *
 * struct kvm_one_reg and struct kvm_device_attr carry pointers, so the
 * tests declare their sequences to the shared checker (mock-seq.h, struct
 * mock_step) that follows the pointer: each step names the fd, the request, the
 * register ID or attribute, the bytes behind the pointer on entry and the
 * bytes written back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "mock-seq.h"

#define VCPU(n) MOCK_VCPU_FD(n)
#define TGT 0xC5u /* KVM_ARM_PREFERRED_TARGET's answer */
#define ENTRY_PC 0x80123000ULL
#define DTB 0x87F0D000ULL
#define DEV_IPA 0x09000010ULL

/* Non-core register IDs a realm refuses (kvm-realm-uapi.md §7). */
#define REG_SP 0x603000000010003EULL
#define REG_PSTATE 0x6030000000100042ULL
#define REG_SP_EL1 0x6030000000100044ULL
#define REG_MPIDR_EL1 CCA_KVM_REG_ARM64_SYS(3, 0, 0, 0, 5)
#define REG_CNTV_CTL CCA_KVM_REG_ARM64_SYS(3, 3, 14, 3, 1)
#define REG_CNTV_CVAL CCA_KVM_REG_ARM64_SYS(3, 3, 14, 0, 2)
#define REG_CNTVCT CCA_KVM_REG_ARM64_SYS(3, 3, 14, 3, 2)
#define REG_V0 0x6040000000100054ULL   /* 128-bit FP/SIMD register */
#define REG_FPSR 0x60200000001000D4ULL /* 32-bit */

/* ---- expected calls (mock-seq.h follows kvm_one_reg / kvm_device_attr) -- */

#define CREATE_VCPU(n)                                                                      \
	{ .fd = MOCK_VM_FD, .req = KVM_CREATE_VCPU, .kind = MOCK_STEP_INT, .arg = (n),       \
	  .ret = VCPU(n), .new_fd = VCPU(n) }
#define PREF_TARGET(o)                                                                      \
	{ .fd = MOCK_VM_FD, .req = CCA_KVM_ARM_PREFERRED_TARGET, .in = &zero_init,            \
	  .in_len = sizeof(zero_init), .out = (o), .out_len = sizeof(*(o)) }
#define VCPU_INIT(n, i) \
	{ .fd = VCPU(n), .req = CCA_KVM_ARM_VCPU_INIT, .in = (i), .in_len = sizeof(*(i)) }
#define GET_REG(n, r, p, len)                                                               \
	{ .fd = VCPU(n), .req = KVM_GET_ONE_REG, .kind = MOCK_STEP_REG, .id = (r), .out = (p), \
	  .out_len = (len) }
#define SET_REG(n, r, p, len)                                                               \
	{ .fd = VCPU(n), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG, .id = (r), .in = (p),  \
	  .in_len = (len) }
#define GET64(n, r, v) GET_REG(n, r, &(const uint64_t){ v }, 8)
#define SET64(n, r, v) SET_REG(n, r, &(const uint64_t){ v }, 8)
#define FINALIZE_SVE(n)                                                                     \
	{ .fd = VCPU(n), .req = CCA_KVM_ARM_VCPU_FINALIZE, .in = &(const int){ 4 },           \
	  .in_len = sizeof(int) }
#define PMU_IRQ(n, irq)                                                                     \
	{ .fd = VCPU(n), .req = KVM_SET_DEVICE_ATTR, .kind = MOCK_STEP_ATTR, .group = 0,      \
	  .id = 0, .in = &(const int){ irq }, .in_len = sizeof(int) }
#define PMU_INIT(n)                                                                         \
	{ .fd = VCPU(n), .req = KVM_SET_DEVICE_ATTR, .kind = MOCK_STEP_ATTR, .group = 0,      \
	  .id = 1 }
#define VGIC_INIT(r)                                                                        \
	{ .fd = MOCK_GIC_FD, .req = KVM_SET_DEVICE_ATTR, .kind = MOCK_STEP_ATTR, .group = 4,  \
	  .id = 0, .ret = (r) }
#define RUN(n, r) { .fd = VCPU(n), .req = KVM_RUN, .kind = MOCK_STEP_INT, .arg = 0, .ret = (r) }

static const struct cca_kvm_vcpu_init zero_init;

/* What PREFERRED_TARGET writes: the target plus junk the library must clear. */
static const struct cca_kvm_vcpu_init pref = {
	.target = TGT,
	.features = { 0xDEAD0001, 0xBEEF, 1, 2, 3, 4, 5 },
};

static struct cca_kvm_vcpu_init init_with(uint32_t features)
{
	struct cca_kvm_vcpu_init i = { .target = TGT, .features = { features } };
	return i;
}

/* ---- fixture plumbing ------------------------------------------------- */

static struct fx F;
#define revs fx_revs
#define rev_of fx_rev_of
#define strict fx_strict

static int td(void **state)
{
	(void)state;
	if (F.host)
		fx_teardown(&F);
	return 0;
}

static struct cca_rec_params rec_params(unsigned int index, uint32_t features)
{
	struct cca_rec_params p = { .size = sizeof(p), .index = index, .features = features };
	return p;
}

static struct cca_rec *sentinel(void)
{
	return (struct cca_rec *)(uintptr_t)0x5EE5;
}

/* cca_rec_create() refused with @err, nothing sent, @out untouched. */
static void assert_create_refused(unsigned int index, uint32_t features, int err)
{
	struct cca_rec_params p = rec_params(index, features);
	struct cca_rec *out = sentinel();
	size_t n = mock_sys_ioctl_count();

	strict();
	assert_int_equal(cca_rec_create(F.realm, &p, &out), err);
	assert_ptr_equal(out, sentinel());
	assert_int_equal(mock_sys_ioctl_count(), n);
}

/* Lay out the next exit in @rec's kvm_run (the mock never touches it). */
static struct kvm_run *prefill(struct cca_rec *rec, uint32_t reason)
{
	struct kvm_run *run = cca_rec_kvm_run(rec);
	memset(run, 0, sizeof(*run));
	run->exit_reason = reason;
	return run;
}

static void prefill_hypercall(struct cca_rec *rec, uint64_t nr)
{
	prefill(rec, KVM_EXIT_HYPERCALL)->hypercall.nr = nr;
}

static void prefill_mmio(struct cca_rec *rec, uint32_t len, bool is_write)
{
	struct kvm_run *run = prefill(rec, KVM_EXIT_MMIO);
	run->mmio.phys_addr = DEV_IPA;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
	memset(run->mmio.data, 0xEE, sizeof(run->mmio.data));
}

/* Run @rec through the permissive fake kernel and return the decoded exit kind. */
static uint32_t fake_run(struct cca_rec *rec, int run_ret)
{
	struct cca_exit e;
	fx_handler_mode(&F);
	F.run_ret = run_ret;
	int ret = cca_rec_run(rec, &e);
	strict();
	assert_int_equal(ret, 0);
	return e.kind;
}

/* Activate the realm with one interrupted run of REC 0. */
static void activate(void)
{
	assert_int_equal(fake_run(F.rec[0], -EINTR), CCA_EXIT_INTR);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
}

static void populate_once(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	fx_handler_mode(&F);
	assert_int_equal(cca_mem_populate(F.realm, FX_RAM_BASE, page, sizeof(page), 0), 0);
	strict();
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_DESCRIPTOR);
}

static const struct fx_opts no_recs = { .make_recs = -1u };

/* ---- cca_rec_create: sequences ----------------------------------------- */

static void create_index0_sequence(void **state)
{
	fx_setup(&F, rev_of(state), &no_recs);
	struct cca_kvm_vcpu_init init = init_with(1U << 2); /* PSCI_0_2 only */
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
	};
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
	assert_non_null(rec);
	assert_ptr_equal(cca_rec_get(F.realm, 0), rec);
	assert_null(cca_rec_get(F.realm, 1));
	assert_int_equal(cca_rec_index(rec), 0);
	assert_int_equal(cca_rec_fd(rec), VCPU(0));
	assert_int_equal(cca_rec_mpidr(rec), 0);
	assert_non_null(cca_rec_kvm_run(rec));
	assert_int_equal(cca_rec_is_on(rec), 1);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
}

static void create_index1_sequence(void **state)
{
	struct fx_opts o = { .nr_recs = 3, .make_recs = 1 };
	fx_setup(&F, rev_of(state), &o);
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 0)); /* + POWER_OFF */
	const struct mock_step calls[] = {
		CREATE_VCPU(1),
		PREF_TARGET(&pref),
		VCPU_INIT(1, &init),
	};
	struct cca_rec_params p = rec_params(1, 0);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
	assert_ptr_equal(cca_rec_get(F.realm, 1), rec);
	assert_int_equal(cca_rec_index(rec), 1);
	assert_int_equal(cca_rec_fd(rec), VCPU(1));
	assert_int_equal(cca_rec_mpidr(rec), 1);
	assert_int_equal(cca_rec_is_on(rec), 0); /* secondaries start off */
	assert_ptr_not_equal(cca_rec_kvm_run(rec), cca_rec_kvm_run(F.rec[0]));
}

static void create_caller_features(void **state)
{
	fx_setup(&F, rev_of(state), &no_recs);
	/* PTRAUTH_ADDRESS (5) and PTRAUTH_GENERIC (6) pass through. */
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 5) | (1U << 6));
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
	};
	struct cca_rec_params p = rec_params(0, (1U << 5) | (1U << 6));
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
}

static void create_sve_sequence(void **state)
{
	struct fx_opts o = { .make_recs = -1u, .sve_vl = 32 }; /* VQ 2 */
	fx_setup(&F, rev_of(state), &o);
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 4));
	/* Host lengths: VQ 1, 2, 4, 16, 65, 512; keep those up to VQ 2. */
	const uint64_t host[8] = { 0x800B, 0x1, 0, 0, 0, 0, 0, 1ULL << 63 };
	const uint64_t want[8] = { 0x3 };
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
		GET_REG(0, CCA_KVM_REG_ARM64_SVE_VLS, host, sizeof(host)),
		SET_REG(0, CCA_KVM_REG_ARM64_SVE_VLS, want, sizeof(want)),
		FINALIZE_SVE(0),
	};
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
}

static void create_sve_max_length(void **state)
{
	struct fx_opts o = { .make_recs = -1u, .sve_vl = 256 }; /* VQ 16 */
	fx_setup(&F, rev_of(state), &o);
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 4));
	const uint64_t host[8] = { 0xFFFFFFFFFFFFFFFFULL, ~0ULL, ~0ULL, ~0ULL,
				   ~0ULL,		  ~0ULL, ~0ULL, ~0ULL };
	const uint64_t want[8] = { 0xFFFF };
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
		GET_REG(0, CCA_KVM_REG_ARM64_SVE_VLS, host, sizeof(host)),
		SET_REG(0, CCA_KVM_REG_ARM64_SVE_VLS, want, sizeof(want)),
		FINALIZE_SVE(0),
	};
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
}

/* DFR0 as the RMM resets it: BRPs 5, WRPs 3, CTX_CMPs 5, DebugVer 6, PMUVer 1, bit 32. */
#define DFR0_RESET 0x0000000150305106ULL

static void create_debug_sequence(void **state)
{
	static const struct {
		unsigned int bps, wps;
		uint64_t want;
	} cases[] = {
		/* BRPs 3, WRPs 1, CTX_CMPs clamped 5 -> 3. */
		{ 4, 2, 0x0000000130103106ULL },
		/* BRPs 15; CTX_CMPs 5 <= 15 kept; WRPs untouched. */
		{ 16, 0, 0x000000015030F106ULL },
		/* WRPs 15; BRPs and CTX_CMPs untouched. */
		{ 0, 16, 0x0000000150F05106ULL },
		/* BRPs 1: CTX_CMPs clamped to 1. */
		{ 2, 2, 0x0000000110101106ULL },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fx_opts o = { .make_recs = -1u, .num_bps = cases[c].bps,
				     .num_wps = cases[c].wps };
		fx_setup(&F, rev_of(state), &o);
		struct cca_kvm_vcpu_init init = init_with(1U << 2);
		const struct mock_step calls[] = {
			CREATE_VCPU(0),
			PREF_TARGET(&pref),
			VCPU_INIT(0, &init),
			GET64(0, CCA_KVM_REG_ID_AA64DFR0_EL1, DFR0_RESET),
			SET64(0, CCA_KVM_REG_ID_AA64DFR0_EL1, cases[c].want),
		};
		struct cca_rec_params p = rec_params(0, 0);
		struct cca_rec *rec = NULL;

		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
		mock_seq_done();
		fx_teardown(&F);
	}
}

/* PMCR_EL0 with N = 31 and E, P, LC, LP set. */
#define PMCR_RESET 0x000000004100F8C1ULL
#define PMCR_N6 0x00000000410030C1ULL

static void create_pmu_sequence(void **state)
{
	struct fx_opts o = { .make_recs = -1u, .pmu = true, .pmu_counters = 6 };
	fx_setup(&F, rev_of(state), &o);
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 3));
	/*
	 * No KVM_ARM_VCPU_PMU_V3_INIT here: KVM refuses it (ENODEV) until the
	 * vGIC is initialised, which the first run does (run_first_inits_pmus).
	 */
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
		GET64(0, CCA_KVM_REG_PMCR_EL0, PMCR_RESET),
		SET64(0, CCA_KVM_REG_PMCR_EL0, PMCR_N6),
		PMU_IRQ(0, 23),
	};
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
}

static void create_everything_secondary(void **state)
{
	struct fx_opts o = { .make_recs = 1, .sve_vl = 16, .num_bps = 4, .num_wps = 6,
			     .pmu = true, .pmu_counters = 0 };
	fx_setup(&F, rev_of(state), &o);
	/* POWER_OFF | PSCI_0_2 | PMU_V3 | SVE | PTRAUTH_GENERIC */
	struct cca_kvm_vcpu_init init = init_with(0x1D | (1U << 6));
	const uint64_t host[8] = { 0x3 };
	const uint64_t want[8] = { 0x1 };
	const struct mock_step calls[] = {
		CREATE_VCPU(1),
		PREF_TARGET(&pref),
		VCPU_INIT(1, &init),
		GET_REG(1, CCA_KVM_REG_ARM64_SVE_VLS, host, sizeof(host)),
		SET_REG(1, CCA_KVM_REG_ARM64_SVE_VLS, want, sizeof(want)),
		FINALIZE_SVE(1),
		GET64(1, CCA_KVM_REG_ID_AA64DFR0_EL1, DFR0_RESET),
		/* BRPs 3, WRPs 5, CTX_CMPs clamped 5 -> 3 */
		SET64(1, CCA_KVM_REG_ID_AA64DFR0_EL1, 0x0000000130503106ULL),
		GET64(1, CCA_KVM_REG_PMCR_EL0, PMCR_RESET),
		SET64(1, CCA_KVM_REG_PMCR_EL0, PMCR_RESET & ~(0x1FULL << 11)),
		PMU_IRQ(1, 23),
	};
	struct cca_rec_params p = rec_params(1, 1U << 6);
	struct cca_rec *rec = NULL;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	mock_seq_done();
	assert_int_equal(cca_rec_index(rec), 1);
}

/* ---- cca_rec_create: rules -------------------------------------------- */

static void create_pmu_without_gic(void **state)
{
	struct fx_opts o = { .make_recs = -1u, .pmu = true, .no_gic = true };
	fx_setup(&F, rev_of(state), &o);
	assert_create_refused(0, 0, -CCA_E_NO_GICV3);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
}

static void create_out_of_order(void **state)
{
	struct fx_opts o = { .nr_recs = 3, .make_recs = -1u };
	fx_setup(&F, rev_of(state), &o);
	assert_create_refused(1, 0, -CCA_E_VCPU_ORDER);
	assert_create_refused(2, 0, -CCA_E_VCPU_ORDER);

	fx_handler_mode(&F);
	struct cca_rec_params p = rec_params(0, 0);
	assert_int_equal(cca_rec_create(F.realm, &p, &F.rec[0]), 0);
	assert_create_refused(0, 0, -CCA_E_VCPU_ORDER); /* again */
	assert_create_refused(2, 0, -CCA_E_VCPU_ORDER); /* gap */

	fx_handler_mode(&F);
	p = rec_params(1, 0);
	assert_int_equal(cca_rec_create(F.realm, &p, &F.rec[1]), 0);
	p = rec_params(2, 0);
	assert_int_equal(cca_rec_create(F.realm, &p, &F.rec[2]), 0);
	assert_create_refused(3, 0, -CCA_E_VCPU_ORDER); /* index >= nr_recs */
	assert_create_refused(0xFFFFFFFFu, 0, -CCA_E_VCPU_ORDER);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
}

static void create_refused_features(void **state)
{
	static const uint32_t refused[] = {
		1U << 1,		/* EL1_32BIT */
		1U << 7,		/* HAS_EL2 */
		1U << 9,		/* v10's REC feature */
		1U << 8,		/* unknown */
		1U << 10,		/* unknown */
		1U << 31,		/* unknown */
		(1U << 5) | (1U << 1), /* one good bit does not save a bad one */
	};
	fx_setup(&F, rev_of(state), &no_recs);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_create_refused(0, refused[i], -CCA_E_FEATURE);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
}

static void create_bad_params(void **state)
{
	fx_setup(&F, rev_of(state), &no_recs);
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *out = sentinel();

	strict();
	p.size = sizeof(p) - 4;
	assert_int_equal(cca_rec_create(F.realm, &p, &out), -EINVAL);
	p = rec_params(0, 0);
	p.reserved[4] = 1;
	assert_int_equal(cca_rec_create(F.realm, &p, &out), -EINVAL);
	p = rec_params(0, 0);
	assert_int_equal(cca_rec_create(NULL, &p, &out), -EINVAL);
	assert_int_equal(cca_rec_create(F.realm, NULL, &out), -EINVAL);
	assert_int_equal(cca_rec_create(F.realm, &p, NULL), -EINVAL);
	assert_ptr_equal(out, sentinel());
	assert_null(cca_rec_get(NULL, 0));
	assert_null(cca_rec_get(F.realm, 0));
}

static void create_after_populate(void **state)
{
	struct fx_opts o = { .nr_recs = 2 };
	fx_setup(&F, rev_of(state), &o);
	populate_once();
	assert_create_refused(2, 0, -CCA_E_STATE);
}

static void create_after_first_run(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	activate();
	assert_create_refused(2, 0, -CCA_E_AFTER_RUN);
}

static void create_vcpu_ioctl_fails(void **state)
{
	fx_setup(&F, rev_of(state), &no_recs);
	const struct mock_step calls[] = {
		{ .fd = MOCK_VM_FD, .req = KVM_CREATE_VCPU, .kind = MOCK_STEP_INT, .arg = 0,
		  .ret = -EEXIST },
	};
	struct cca_rec_params p = rec_params(0, 0);
	struct cca_rec *out = sentinel();

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_create(F.realm, &p, &out), -EEXIST);
	mock_seq_done();
	assert_ptr_equal(out, sentinel());
	/* No vCPU was made: the realm is still usable and index 0 is still next. */
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
	assert_null(cca_rec_get(F.realm, 0));
	fx_handler_mode(&F);
	assert_int_equal(cca_rec_create(F.realm, &p, &out), 0);
	assert_int_equal(cca_rec_index(out), 0);
}

/* A kernel failure after KVM_CREATE_VCPU: the vCPU fd is closed, the realm is dead. */
static void assert_dead_after(const struct mock_step *calls, size_t n, unsigned int index, int err)
{
	struct cca_rec_params p = rec_params(index, 0);
	struct cca_rec *out = sentinel();

	mock_seq_expect(calls, n);
	assert_int_equal(cca_rec_create(F.realm, &p, &out), err);
	mock_seq_done();
	assert_ptr_equal(out, sentinel());
	assert_null(cca_rec_get(F.realm, index));
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_DEAD);
	/* Later calls are refused without a kernel call. */
	assert_create_refused(index, 0, -CCA_E_DEAD);
	/* fx_teardown() fails the test if the vCPU fd or its kvm_run leaked. */
}

static void create_fails_after_vcpu(void **state)
{
	enum cca_abi_rev rev = rev_of(state);
	struct cca_kvm_vcpu_init init0 = init_with(1U << 2);
	struct cca_kvm_vcpu_init init1 = init_with(0x5);

	{ /* KVM_ARM_PREFERRED_TARGET fails */
		fx_setup(&F, rev, &no_recs);
		const struct mock_step calls[] = {
			CREATE_VCPU(0),
			{ .fd = MOCK_VM_FD, .req = CCA_KVM_ARM_PREFERRED_TARGET, .ret = -ENODEV },
		};
		assert_dead_after(calls, 2, 0, -ENODEV);
		fx_teardown(&F);
	}
	{ /* KVM_ARM_VCPU_INIT fails on a secondary */
		struct fx_opts o = { .make_recs = 1 };
		fx_setup(&F, rev, &o);
		const struct mock_step calls[] = {
			CREATE_VCPU(1),
			PREF_TARGET(&pref),
			{ .fd = VCPU(1), .req = CCA_KVM_ARM_VCPU_INIT, .in = &init1,
			  .in_len = sizeof(init1), .ret = -EINVAL },
		};
		assert_dead_after(calls, 3, 1, -EINVAL);
		/* The REC made before stays (and is freed by destroy). */
		assert_non_null(cca_rec_get(F.realm, 0));
		fx_teardown(&F);
	}
	{ /* SET_ONE_REG(DFR0) fails */
		struct fx_opts o = { .make_recs = -1u, .num_bps = 2 };
		fx_setup(&F, rev, &o);
		const struct mock_step calls[] = {
			CREATE_VCPU(0),
			PREF_TARGET(&pref),
			VCPU_INIT(0, &init0),
			GET64(0, CCA_KVM_REG_ID_AA64DFR0_EL1, DFR0_RESET),
			{ .fd = VCPU(0), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,
			  .id = CCA_KVM_REG_ID_AA64DFR0_EL1, .ret = -EBUSY },
		};
		assert_dead_after(calls, 5, 0, -EBUSY);
		fx_teardown(&F);
	}
	{ /* the host cannot give the SVE length: refused after VCPU_INIT */
		struct fx_opts o = { .make_recs = -1u, .sve_vl = 48 }; /* VQ 3 */
		fx_setup(&F, rev, &o);
		struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 4));
		const uint64_t host[8] = { 0xB }; /* VQ 1, 2, 4 */
		const struct mock_step calls[] = {
			CREATE_VCPU(0),
			PREF_TARGET(&pref),
			VCPU_INIT(0, &init),
			GET_REG(0, CCA_KVM_REG_ARM64_SVE_VLS, host, sizeof(host)),
		};
		assert_dead_after(calls, 4, 0, -EOPNOTSUPP);
		fx_teardown(&F);
	}
	{ /* mmap of kvm_run fails */
		fx_setup(&F, rev, &no_recs);
		const struct mock_step calls[] = { CREATE_VCPU(0) };
		mock_sys_fail_mmap(ENOMEM, 1);
		assert_dead_after(calls, 1, 0, -ENOMEM);
	}
}

static void create_pmu_fails(void **state)
{
	struct fx_opts o = { .make_recs = -1u, .pmu = true, .pmu_counters = 6 };
	fx_setup(&F, rev_of(state), &o);
	struct cca_kvm_vcpu_init init = init_with((1U << 2) | (1U << 3));
	const struct mock_step calls[] = {
		CREATE_VCPU(0),
		PREF_TARGET(&pref),
		VCPU_INIT(0, &init),
		GET64(0, CCA_KVM_REG_PMCR_EL0, PMCR_RESET),
		SET64(0, CCA_KVM_REG_PMCR_EL0, PMCR_N6),
		{ .fd = VCPU(0), .req = KVM_SET_DEVICE_ATTR, .kind = MOCK_STEP_ATTR, .group = 0,
		  .id = 0, .in = &(const int){ 23 }, .in_len = sizeof(int), .ret = -EINVAL },
	};
	assert_dead_after(calls, 6, 0, -EINVAL);
}

/* ---- MPIDR ------------------------------------------------------------ */

static void mpidr_of_index(void **state)
{
	(void)state;
	assert_int_equal(cca_mpidr_of_index(0), 0x0);
	assert_int_equal(cca_mpidr_of_index(15), 0xF);
	assert_int_equal(cca_mpidr_of_index(16), 0x100);
	assert_int_equal(cca_mpidr_of_index(300), 0x120C);
	assert_int_equal(cca_mpidr_of_index(4095), 0xFF0F);
	assert_int_equal(cca_mpidr_of_index(4096), 0x10000);
	assert_int_equal(cca_mpidr_of_index(0xFFFFF), 0xFFFF0F);
}

static void rec_mpidrs(void **state)
{
	struct fx_opts o = { .nr_recs = 301, .make_recs = -1u };
	fx_setup(&F, rev_of(state), &o);
	fx_handler_mode(&F);
	struct cca_rec *rec = NULL;
	for (unsigned int i = 0; i < 301; i++) {
		struct cca_rec_params p = rec_params(i, 0);
		assert_int_equal(cca_rec_create(F.realm, &p, &rec), 0);
	}
	strict();
	static const struct {
		unsigned int index;
		uint64_t mpidr;
	} want[] = { { 0, 0x0 }, { 15, 0xF }, { 16, 0x100 }, { 300, 0x120C } };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		rec = cca_rec_get(F.realm, want[i].index);
		assert_non_null(rec);
		assert_int_equal(cca_rec_index(rec), want[i].index);
		assert_int_equal(cca_rec_fd(rec), VCPU(want[i].index));
		assert_int_equal(cca_rec_mpidr(rec), want[i].mpidr);
	}
	assert_null(cca_rec_get(F.realm, 301));
}

/* ---- cca_rec_set_entry ----------------------------------------------------- */

static void set_entry_rec0(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	const uint64_t x[8] = { DTB, 0, 0, 0x3333333333333333ULL, 0, 0, 0, 0x7777 };
	const struct mock_step calls[] = {
		SET64(0, CCA_KVM_REG_ARM64_PC, ENTRY_PC),
		SET64(0, CCA_KVM_REG_ARM64_X(0), DTB),
		SET64(0, CCA_KVM_REG_ARM64_X(1), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(2), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(3), 0x3333333333333333ULL),
		SET64(0, CCA_KVM_REG_ARM64_X(4), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(5), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(6), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(7), 0x7777),
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_set_entry(F.rec[0], ENTRY_PC, x), 0);
	mock_seq_done();
}

static void set_entry_null_x_writes_zeros(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	populate_once(); /* still before the first run: allowed */
	const struct mock_step calls[] = {
		SET64(0, CCA_KVM_REG_ARM64_PC, ENTRY_PC),
		SET64(0, CCA_KVM_REG_ARM64_X(0), 0), SET64(0, CCA_KVM_REG_ARM64_X(1), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(2), 0), SET64(0, CCA_KVM_REG_ARM64_X(3), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(4), 0), SET64(0, CCA_KVM_REG_ARM64_X(5), 0),
		SET64(0, CCA_KVM_REG_ARM64_X(6), 0), SET64(0, CCA_KVM_REG_ARM64_X(7), 0),
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_set_entry(F.rec[0], ENTRY_PC, NULL), 0);
	mock_seq_done();
}

static void set_entry_refused(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	const uint64_t x[8] = { DTB };
	strict();
	assert_int_equal(cca_rec_set_entry(F.rec[1], ENTRY_PC, x), -CCA_E_REG_NOT_ALLOWED);
	assert_int_equal(cca_rec_set_entry(NULL, ENTRY_PC, x), -EINVAL);
	activate();
	assert_int_equal(cca_rec_set_entry(F.rec[0], ENTRY_PC, x), -CCA_E_REG_IGNORED);
	assert_int_equal(cca_rec_set_entry(F.rec[1], ENTRY_PC, x), -CCA_E_REG_NOT_ALLOWED);
}

static void set_entry_kernel_error(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	const uint64_t x[8] = { DTB, 1, 2, 3, 4, 5, 6, 7 };
	{
		const struct mock_step calls[] = {
			{ .fd = VCPU(0), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,
			  .id = CCA_KVM_REG_ARM64_PC, .ret = -EINVAL },
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_set_entry(F.rec[0], ENTRY_PC, x), -EINVAL);
		mock_seq_done();
	}
	{
		const struct mock_step calls[] = {
			SET64(0, CCA_KVM_REG_ARM64_PC, ENTRY_PC),
			SET64(0, CCA_KVM_REG_ARM64_X(0), DTB),
			SET64(0, CCA_KVM_REG_ARM64_X(1), 1),
			SET64(0, CCA_KVM_REG_ARM64_X(2), 2),
			{ .fd = VCPU(0), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,
			  .id = CCA_KVM_REG_ARM64_X(3), .ret = -EFAULT },
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_set_entry(F.rec[0], ENTRY_PC, x), -EFAULT);
		mock_seq_done();
	}
}

/* ---- cca_rec_set_reg / cca_rec_get_reg ---------------------------------- */

static void assert_set_refused(struct cca_rec *rec, uint64_t id, int err)
{
	size_t n = mock_sys_ioctl_count();
	strict();
	assert_int_equal(cca_rec_set_reg(rec, id, 0xABCD), err);
	assert_int_equal(mock_sys_ioctl_count(), n);
}

static void assert_set_ok(struct cca_rec *rec, unsigned int vcpu, uint64_t id, uint64_t v)
{
	const struct mock_step calls[] = { SET64(vcpu, id, v) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_set_reg(rec, id, v), 0);
	mock_seq_done();
}

static void set_reg_pmcr_per_revision(void **state)
{
	enum cca_abi_rev rev = rev_of(state);
	fx_setup(&F, rev, NULL);
	if (cca_abi_has(rev, CCA_ABI_PMU)) {
		assert_set_ok(F.rec[0], 0, CCA_KVM_REG_PMCR_EL0, PMCR_N6);
		assert_set_ok(F.rec[1], 1, CCA_KVM_REG_PMCR_EL0, 0x1800);
		populate_once();
		/* Accepted and ignored by the kernel once the RD exists. */
		assert_set_refused(F.rec[0], CCA_KVM_REG_PMCR_EL0, -CCA_E_REG_IGNORED);
	} else {
		assert_set_refused(F.rec[0], CCA_KVM_REG_PMCR_EL0, -CCA_E_REG_NOT_ALLOWED);
		populate_once();
		assert_set_refused(F.rec[0], CCA_KVM_REG_PMCR_EL0, -CCA_E_REG_NOT_ALLOWED);
	}
}

static void set_reg_dfr0(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	assert_set_ok(F.rec[1], 1, CCA_KVM_REG_ID_AA64DFR0_EL1, 0x0000000110101106ULL);
	populate_once();
	assert_set_refused(F.rec[0], CCA_KVM_REG_ID_AA64DFR0_EL1, -CCA_E_STATE);
	fx_teardown(&F);

	fx_setup(&F, rev_of(state), NULL);
	activate();
	assert_set_refused(F.rec[0], CCA_KVM_REG_ID_AA64DFR0_EL1, -CCA_E_STATE);
}

static void set_reg_not_allowed(void **state)
{
	static const uint64_t ids[] = {
		REG_SP,	       REG_PSTATE,    REG_SP_EL1, REG_MPIDR_EL1,
		REG_CNTV_CTL,  REG_CNTV_CVAL, REG_CNTVCT, REG_V0,
		REG_FPSR,      CCA_KVM_REG_ARM64_X(0) + 1, /* odd: half of a core register */
		CCA_KVM_REG_ARM64_X(31),		    /* = SP */
		0,
	};
	fx_setup(&F, rev_of(state), NULL);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_set_refused(F.rec[0], ids[i], -CCA_E_REG_NOT_ALLOWED);
	activate();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_set_refused(F.rec[0], ids[i], -CCA_E_REG_NOT_ALLOWED);
	/* SVE_VLS is the library's: it sets it from the realm parameters. */
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_SVE_VLS, -EINVAL);
	assert_set_refused(NULL, CCA_KVM_REG_ARM64_X(0), -EINVAL);
}

static void set_reg_before_first_run(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	for (unsigned int n = 0; n < 8; n++)
		assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(n), 0x1000 + n);
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_PC, ENTRY_PC);
	/* The RMM takes only x0-x7 at REC creation. */
	for (unsigned int n = 8; n <= 30; n++)
		assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_X(n), -CCA_E_REG_IGNORED);
	populate_once();
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(7), 0x77);
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_X(8), -CCA_E_REG_IGNORED);
}

static void set_reg_after_first_run(void **state)
{
	struct fx_opts o = { .psci_user = true };
	fx_setup(&F, rev_of(state), &o);
	activate(); /* last exit: INTR */
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_X(0), -CCA_E_REG_IGNORED);
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_PC, -CCA_E_REG_IGNORED);
	assert_set_refused(F.rec[1], CCA_KVM_REG_ARM64_X(0), -CCA_E_REG_IGNORED); /* never ran */

	/* A PSCI exit (CPU_SUSPEND: no completion involved): x0 answers it. */
	prefill_hypercall(F.rec[0], CCA_PSCI_CPU_SUSPEND_64);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_PSCI);
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(0), (uint64_t)CCA_PSCI_RET_DENIED);
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(3), 0x33);
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_PC, -CCA_E_REG_IGNORED);
	assert_set_refused(F.rec[1], CCA_KVM_REG_ARM64_X(0), -CCA_E_REG_IGNORED);

	/* A host call: x0-x30. */
	prefill_hypercall(F.rec[0], 0xC7000042);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_HOST_CALL);
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(0), 0xF00D);
	assert_set_ok(F.rec[0], 0, CCA_KVM_REG_ARM64_X(30), 0x3030);

	/* An MMIO exit: nothing. */
	prefill_mmio(F.rec[0], 4, false);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_MMIO);
	assert_set_refused(F.rec[0], CCA_KVM_REG_ARM64_X(0), -CCA_E_REG_IGNORED);
}

static void set_reg_kernel_error(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	const struct mock_step calls[] = {
		{ .fd = VCPU(1), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,
		  .id = CCA_KVM_REG_ARM64_X(2), .in = &(const uint64_t){ 0x22 }, .in_len = 8,
		  .ret = -EINVAL },
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_set_reg(F.rec[1], CCA_KVM_REG_ARM64_X(2), 0x22), -EINVAL);
	mock_seq_done();
}

static void get_reg(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	uint64_t v = 0x1111;
	{
		const struct mock_step calls[] = {
			GET64(1, CCA_KVM_REG_ARM64_PC, 0xFEEDFACECAFEBEEFULL),
			GET64(0, REG_CNTVCT, 0x123456789ULL), /* any 64-bit register may be read */
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_get_reg(F.rec[1], CCA_KVM_REG_ARM64_PC, &v), 0);
		assert_int_equal(v, 0xFEEDFACECAFEBEEFULL);
		assert_int_equal(cca_rec_get_reg(F.rec[0], REG_CNTVCT, &v), 0);
		assert_int_equal(v, 0x123456789ULL);
		mock_seq_done();
	}
	{
		const struct mock_step calls[] = {
			{ .fd = VCPU(0), .req = KVM_GET_ONE_REG, .kind = MOCK_STEP_REG,
			  .id = CCA_KVM_REG_ARM64_X(5), .out = &(const uint64_t){ 0xBAD },
			  .out_len = 8, .ret = -ENOENT },
		};
		v = 0x2222;
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_get_reg(F.rec[0], CCA_KVM_REG_ARM64_X(5), &v), -ENOENT);
		mock_seq_done();
		assert_int_equal(v, 0x2222);
	}
	/* Only 64-bit registers fit: nothing sent, @value untouched. */
	static const uint64_t wide_or_narrow[] = { CCA_KVM_REG_ARM64_SVE_VLS, REG_V0, REG_FPSR,
						   0x6000000000100000ULL /* U8 */ };
	size_t n = mock_sys_ioctl_count();
	for (size_t i = 0; i < sizeof(wide_or_narrow) / sizeof(wide_or_narrow[0]); i++)
		assert_int_equal(cca_rec_get_reg(F.rec[0], wide_or_narrow[i], &v), -EINVAL);
	assert_int_equal(cca_rec_get_reg(F.rec[0], CCA_KVM_REG_ARM64_PC, NULL), -EINVAL);
	assert_int_equal(cca_rec_get_reg(NULL, CCA_KVM_REG_ARM64_PC, &v), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_int_equal(v, 0x2222);
}

/* ---- cca_rec_run: first run -------------------------------------------- */

static void assert_run_refused(struct cca_rec *rec, int err)
{
	struct cca_exit e;
	size_t n = mock_sys_ioctl_count();
	unsigned long runs = F.calls_run;

	memset(&e, 0xA5, sizeof(e));
	strict();
	assert_int_equal(cca_rec_run(rec, &e), err);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_int_equal(F.calls_run, runs);
	assert_int_equal(e.kind, 0xA5A5A5A5U); /* a refusal leaves @exit untouched */
}

static void run_vcpus_not_configured(void **state)
{
	struct fx_opts o = { .nr_recs = 3, .make_recs = 2 };
	fx_setup(&F, rev_of(state), &o);
	assert_run_refused(F.rec[0], -CCA_E_VCPUS_NOT_CONFIGURED);
	assert_run_refused(F.rec[1], -CCA_E_VCPUS_NOT_CONFIGURED);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
	/* Not "after run": the last vCPU can still be created. */
	fx_handler_mode(&F);
	struct cca_rec_params p = rec_params(2, 0);
	assert_int_equal(cca_rec_create(F.realm, &p, &F.rec[2]), 0);
}

static void run_no_gic(void **state)
{
	struct fx_opts o = { .no_gic = true };
	fx_setup(&F, rev_of(state), &o);
	assert_run_refused(F.rec[0], -CCA_E_NO_GICV3);
	assert_run_refused(F.rec[1], -CCA_E_NO_GICV3);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
	struct cca_exit e;
	assert_int_equal(cca_rec_run(NULL, &e), -EINVAL);
	assert_int_equal(cca_rec_run(F.rec[0], NULL), -EINVAL);
}

static void run_first_inits_vgic_once(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	struct cca_exit e;
	{
		const struct mock_step calls[] = { VGIC_INIT(0), RUN(0, -EINTR) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_INTR);
		assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
	}
	{
		const struct mock_step calls[] = { RUN(0, -EINTR), RUN(1, -EINTR), RUN(0, -EINTR) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_INTR);
		assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
	}
}

static void run_first_from_secondary(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	populate_once();
	struct cca_exit e;
	prefill_mmio(F.rec[1], 2, true);
	const struct mock_step calls[] = { VGIC_INIT(0), RUN(1, 0), RUN(0, -EINTR) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_MMIO);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	mock_seq_done();
}

static void run_first_inits_pmus(void **state)
{
	struct fx_opts o = { .nr_recs = 3, .pmu = true, .pmu_counters = 4 };
	fx_setup(&F, rev_of(state), &o);
	struct cca_exit e;
	/* After the vGIC init and before the first KVM_RUN: every vCPU's PMU. */
	const struct mock_step calls[] = {
		VGIC_INIT(0), PMU_INIT(0), PMU_INIT(1), PMU_INIT(2), RUN(0, -EINTR), RUN(2, -EINTR),
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	assert_int_equal(cca_rec_run(F.rec[2], &e), 0);
	mock_seq_done();
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
}

static void run_pmu_init_fails(void **state)
{
	struct fx_opts o = { .pmu = true };
	fx_setup(&F, rev_of(state), &o);
	struct cca_exit e;
	const struct mock_step calls[] = {
		VGIC_INIT(0),
		PMU_INIT(0),
		{ .fd = VCPU(1), .req = KVM_SET_DEVICE_ATTR, .kind = MOCK_STEP_ATTR, .group = 0,
		  .id = 1, .ret = -ENXIO },
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[0], &e), -ENXIO);
	mock_seq_done();
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_DEAD);
	assert_run_refused(F.rec[0], -CCA_E_DEAD);
}

static void run_vgic_init_fails(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	struct cca_exit e;
	{
		const struct mock_step calls[] = { VGIC_INIT(-ENXIO) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), -ENXIO);
		mock_seq_done();
		assert_int_equal(cca_realm_state(F.realm), CCA_REALM_CONFIGURING);
	}
	{ /* Nothing ran: the next first run tries again. */
		const struct mock_step calls[] = { VGIC_INIT(0), RUN(0, -EINTR) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_INTR);
	}
}

static void run_first_failure_kills_realm(void **state)
{
	static const int errs[] = { -EOPNOTSUPP, -ENXIO, -EINVAL, -EBUSY, -ENOMEM };
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fx_setup(&F, rev_of(state), NULL);
		struct cca_exit e;
		const struct mock_step calls[] = { VGIC_INIT(0), RUN(0, errs[i]) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_FATAL);
		assert_int_equal(e.error, -errs[i]);
		assert_int_equal(cca_realm_state(F.realm), CCA_REALM_DEAD);
		assert_run_refused(F.rec[0], -CCA_E_DEAD);
		assert_run_refused(F.rec[1], -CCA_E_DEAD);
		assert_create_refused(2, 0, -CCA_E_DEAD);
		fx_teardown(&F);
	}
}

static void run_later_failure_is_an_exit(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	activate();
	struct cca_exit e;
	const struct mock_step calls[] = { RUN(1, -ENXIO), RUN(0, -EINTR) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_FATAL);
	assert_int_equal(e.error, ENXIO);
	/* Not the activation: the realm is still active. */
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	mock_seq_done();
}

/* ---- cca_rec_run: EAGAIN ------------------------------------------------ */

static unsigned long eagain_calls;

static int always_eagain(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	(void)arg;
	if (req != KVM_RUN || fd != VCPU(1))
		fail_msg("unexpected req 0x%lx on fd 0x%x", req, fd);
	eagain_calls++;
	return -EAGAIN;
}

/* lib/rec.c's bound: the first call plus EAGAIN_RETRIES (1000) retries. */
#define EAGAIN_CALLS 1001

static void run_eagain_per_revision(void **state)
{
	enum cca_abi_rev rev = rev_of(state);
	fx_setup(&F, rev, NULL);
	activate();
	struct cca_exit e;

	if (!cca_abi_has(rev, CCA_ABI_RUN_EAGAIN)) {
		/* v12/v13: EAGAIN means nothing; it is not retried. */
		const struct mock_step calls[] = { RUN(1, -EAGAIN) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_FATAL);
		assert_int_equal(e.error, EAGAIN);
		return;
	}
	/* v14+: "run again", retried inside cca_rec_run(). */
	prefill_mmio(F.rec[1], 8, true);
	{
		const struct mock_step calls[] = { RUN(1, -EAGAIN), RUN(1, -EAGAIN), RUN(1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_MMIO);
		assert_int_equal(e.mmio.data, 0xEEEEEEEEEEEEEEEEULL);
	}
	/* A bounded number of times, then reported. */
	eagain_calls = 0;
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(always_eagain, NULL);
	assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
	strict();
	assert_int_equal(e.kind, CCA_EXIT_RETRY);
	assert_int_equal(eagain_calls, EAGAIN_CALLS);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
}

/* ---- cca_rec_run: arguments of PSCI and host-call exits ---------------- */

static void run_psci_loads_x1_x3(void **state)
{
	static const uint32_t fids[] = { CCA_PSCI_CPU_ON_64, CCA_PSCI_CPU_ON_32 };
	for (size_t i = 0; i < 2; i++) {
		fx_setup(&F, rev_of(state), NULL);
		struct cca_exit e;
		prefill_hypercall(F.rec[0], fids[i]);
		const struct mock_step calls[] = {
			VGIC_INIT(0),
			RUN(0, 0),
			GET64(0, CCA_KVM_REG_ARM64_X(1), 0x1),
			GET64(0, CCA_KVM_REG_ARM64_X(2), 0x80765000ULL),
			GET64(0, CCA_KVM_REG_ARM64_X(3), 0xC0FFEE0011ULL),
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_PSCI);
		assert_int_equal(e.flags, CCA_EXIT_F_ARGS_VALID | (i == 0 ? CCA_EXIT_F_SMC64 : 0));
		assert_int_equal(e.raw_reason, KVM_EXIT_HYPERCALL);
		assert_int_equal(e.psci.fid, fids[i]);
		assert_int_equal(e.psci.fn, CCA_PSCI_FN_CPU_ON);
		assert_int_equal(e.psci.target_mpidr, 0x1);
		assert_int_equal(e.psci.entry, 0x80765000ULL);
		/* SMC32: W3, the upper half is not the guest's argument (SMCCC). */
		assert_int_equal(e.psci.context_id, i == 0 ? 0xC0FFEE0011ULL : 0xFFEE0011ULL);
		fx_teardown(&F);
	}
}

static void run_host_call_loads_x0_x30(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	activate();
	uint64_t gprs[31];
	struct mock_step calls[32];
	for (unsigned int i = 0; i < 31; i++)
		gprs[i] = 0xA000000000000000ULL | (0x0101ULL * (i + 1)) << 16 | i;
	gprs[0] = 0xC7000042;
	calls[0] = (struct mock_step)RUN(0, 0);
	for (unsigned int i = 0; i < 31; i++)
		calls[1 + i] = (struct mock_step)GET_REG(0, CCA_KVM_REG_ARM64_X(i), &gprs[i], 8);
	prefill_hypercall(F.rec[0], 0xC7000042);
	struct cca_exit e;

	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	mock_seq_done();
	assert_int_equal(e.kind, CCA_EXIT_HOST_CALL);
	assert_int_equal(e.flags, CCA_EXIT_F_ARGS_VALID);
	assert_int_equal(e.host_call.fid, 0xC7000042);
	assert_memory_equal(e.host_call.gprs, gprs, sizeof(gprs));
}

static void run_arg_load_fails(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	activate();
	prefill_hypercall(F.rec[0], CCA_PSCI_AFFINITY_INFO_64);
	const struct mock_step calls[] = {
		RUN(0, 0),
		GET64(0, CCA_KVM_REG_ARM64_X(1), 0x1),
		{ .fd = VCPU(0), .req = KVM_GET_ONE_REG, .kind = MOCK_STEP_REG,
		  .id = CCA_KVM_REG_ARM64_X(2), .ret = -EFAULT },
	};
	struct cca_exit e;
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_rec_run(F.rec[0], &e), -EFAULT);
	mock_seq_done();
	assert_int_equal(e.kind, CCA_EXIT_PSCI);
	assert_int_equal(e.flags & CCA_EXIT_F_ARGS_VALID, 0);
}

/* ---- cca_rec_run: MMIO and bad exits ---------------------------------- */

static void run_mmio_read_then_data(void **state)
{
	static const struct {
		uint32_t len;
		uint8_t want[8];
	} cases[] = {
		{ 1, { 0x88, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE } },
		{ 2, { 0x88, 0x77, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE } },
		{ 4, { 0x88, 0x77, 0x66, 0x55, 0xEE, 0xEE, 0xEE, 0xEE } },
		{ 8, { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 } },
	};
	fx_setup(&F, rev_of(state), NULL);
	activate();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cca_exit e;
		prefill_mmio(F.rec[1], cases[i].len, false);
		const struct mock_step calls[] = { RUN(1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[1], &e), 0);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_MMIO);
		assert_int_equal(e.mmio.is_write, 0);
		assert_int_equal(e.mmio.len, cases[i].len);
		assert_int_equal(e.mmio.ipa, DEV_IPA);
		/* No kernel call: the data goes to kvm_run for the next KVM_RUN. */
		assert_int_equal(cca_rec_set_mmio_data(F.rec[1], 0x1122334455667788ULL), 0);
		assert_memory_equal(cca_rec_kvm_run(F.rec[1])->mmio.data, cases[i].want, 8);
	}
}

static void set_mmio_data_refused(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	struct kvm_run *run = cca_rec_kvm_run(F.rec[0]);
	uint8_t before[8];

	strict();
	assert_int_equal(cca_rec_set_mmio_data(F.rec[0], 1), -CCA_E_STATE); /* never ran */
	assert_int_equal(cca_rec_set_mmio_data(NULL, 1), -EINVAL);
	activate();
	assert_int_equal(cca_rec_set_mmio_data(F.rec[0], 1), -CCA_E_STATE); /* INTR */

	prefill_mmio(F.rec[0], 4, true);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_MMIO);
	memcpy(before, run->mmio.data, 8);
	assert_int_equal(cca_rec_set_mmio_data(F.rec[0], 0x1234), -CCA_E_STATE); /* a write */
	assert_memory_equal(run->mmio.data, before, 8);

	prefill_mmio(F.rec[0], 4, false);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_MMIO);
	/* A read on REC 0 is no licence for REC 1. */
	assert_int_equal(cca_rec_set_mmio_data(F.rec[1], 1), -CCA_E_STATE);
	prefill(F.rec[0], KVM_EXIT_SHUTDOWN);
	assert_int_equal(fake_run(F.rec[0], 0), CCA_EXIT_SHUTDOWN);
	memcpy(before, run->mmio.data, 8);
	assert_int_equal(cca_rec_set_mmio_data(F.rec[0], 1), -CCA_E_STATE); /* read answered */
	assert_memory_equal(run->mmio.data, before, 8);
}

static void run_bad_exit(void **state)
{
	fx_setup(&F, rev_of(state), NULL);
	activate();
	struct cca_exit e;
	prefill(F.rec[0], 0x7777);
	{
		const struct mock_step calls[] = { RUN(0, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), -CCA_E_BAD_EXIT);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_UNKNOWN);
		assert_int_equal(e.raw_reason, 0x7777);
	}
	/* An MMIO length of 9 is undecodable too, and not an MMIO read to answer. */
	prefill_mmio(F.rec[0], 9, false);
	{
		const struct mock_step calls[] = { RUN(0, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_rec_run(F.rec[0], &e), -CCA_E_BAD_EXIT);
		mock_seq_done();
		assert_int_equal(e.kind, CCA_EXIT_UNKNOWN);
	}
	assert_int_equal(cca_rec_set_mmio_data(F.rec[0], 1), -CCA_E_STATE);
	assert_int_equal(cca_realm_state(F.realm), CCA_REALM_ACTIVE);
}

/* ---- the list ---------------------------------------------------------- */

#define T(fn) { #fn, fn, NULL, td, (void *)&revs[0] }
#define PER_REV(fn)                                                                      \
	{ #fn "/v12", fn, NULL, td, (void *)&revs[0] },                                    \
		{ #fn "/v13", fn, NULL, td, (void *)&revs[1] },                            \
		{ #fn "/v14", fn, NULL, td, (void *)&revs[2] },                            \
		{ #fn "/v15", fn, NULL, td, (void *)&revs[3] }
#define PMU_REVS(fn)                                                                     \
	{ #fn "/v12", fn, NULL, td, (void *)&revs[0] },                                    \
		{ #fn "/v13", fn, NULL, td, (void *)&revs[1] }

int main(void)
{
	const struct CMUnitTest tests[] = {
		PER_REV(create_index0_sequence),
		PER_REV(create_index1_sequence),
		T(create_caller_features),
		PER_REV(create_sve_sequence),
		T(create_sve_max_length),
		T(create_debug_sequence),
		PMU_REVS(create_pmu_sequence),
		PMU_REVS(create_everything_secondary),
		PMU_REVS(create_pmu_without_gic),
		PMU_REVS(create_pmu_fails),
		PER_REV(create_out_of_order),
		PER_REV(create_refused_features),
		T(create_bad_params),
		PER_REV(create_after_populate),
		PER_REV(create_after_first_run),
		T(create_vcpu_ioctl_fails),
		PER_REV(create_fails_after_vcpu),
		T(mpidr_of_index),
		T(rec_mpidrs),
		T(set_entry_rec0),
		T(set_entry_null_x_writes_zeros),
		PER_REV(set_entry_refused),
		T(set_entry_kernel_error),
		PER_REV(set_reg_pmcr_per_revision),
		PER_REV(set_reg_dfr0),
		PER_REV(set_reg_not_allowed),
		PER_REV(set_reg_before_first_run),
		PER_REV(set_reg_after_first_run),
		T(set_reg_kernel_error),
		PER_REV(get_reg),
		PER_REV(run_vcpus_not_configured),
		PER_REV(run_no_gic),
		PER_REV(run_first_inits_vgic_once),
		T(run_first_from_secondary),
		PMU_REVS(run_first_inits_pmus),
		PMU_REVS(run_pmu_init_fails),
		PER_REV(run_vgic_init_fails),
		PER_REV(run_first_failure_kills_realm),
		PER_REV(run_later_failure_is_an_exit),
		PER_REV(run_eagain_per_revision),
		PER_REV(run_psci_loads_x1_x3),
		PER_REV(run_host_call_loads_x0_x30),
		T(run_arg_load_fails),
		PER_REV(run_mmio_read_then_data),
		T(set_mmio_data_refused),
		PER_REV(run_bad_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
