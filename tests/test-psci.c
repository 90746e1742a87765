// SPDX-License-Identifier: MIT
/*
 * Description: user-space PSCI and the completion ordering rule
 * (kvm-realm-uapi.md §12, §17; rmi-spec.md §10). On v12/v13 a forwarded
 * CPU_ON or AFFINITY_INFO leaves its caller pending: cca_rec_run() must
 * refuse the caller and the target until cca_psci_complete() issued
 * KVM_ARM_VCPU_RMI_PSCI_COMPLETE (0x4018AED6) on the caller's fd; every
 * completion error; the full CPU_ON answer (complete, x0, MP_STATE) with
 * its deny and already-on paths; AFFINITY_INFO; both function-ID forms.
 * On v14/v15 nothing is pending and no completion is sent. Last, threads
 * race a source vCPU, its targets and a completer against a fake kernel
 * that records every entry the RMM would refuse with ERROR_REC.
 *
 * Exits come from the fixture's fake kernel (fx.on_run); calls under test
 * are declared to the shared sequence checker (mock-seq.h) that follows
 * kvm_one_reg's pointer, so register values are compared too.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "mock-seq.h"

#define VCPU(n) MOCK_VCPU_FD(n)
#define REQ_PSCI_COMPLETE 0x4018AED6UL /* kvm-realm-uapi.md §1.2 */
#define ENTRY 0x80200000ULL            /* the guest's secondary entry point */
#define CTX_ID 0xC7C7000000005EEDULL   /* its context ID */
#define DENIED_U32 0xFFFFFFFDu         /* PSCI DENIED (-3) as the u32 psci_status */

/* ---- expected calls (mock-seq.h follows kvm_one_reg's pointer) ---------- */

/* Bytes {target_mpidr, status, zero padding} on the source's fd. */
#define COMPLETE_R(src, mpidr, status, r)                                                  \
	{ .fd = VCPU(src), .req = REQ_PSCI_COMPLETE,                                       \
	  .in = &(const struct kvm_arm_rmi_psci_complete){ .target_mpidr = (mpidr),         \
							  .psci_status = (status) },        \
	  .in_len = sizeof(struct kvm_arm_rmi_psci_complete), .ret = (r) }
#define COMPLETE(src, mpidr, status) COMPLETE_R(src, mpidr, status, 0)
#define SET_X0_R(n, v, r)                                                                  \
	{ .fd = VCPU(n), .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,                    \
	  .id = CCA_KVM_REG_ARM64_X(0), .in = &(const uint64_t){ v }, .in_len = 8,         \
	  .ret = (r) }
#define SET_X0(n, v) SET_X0_R(n, v, 0)
#define MP_RUNNABLE_R(n, r)                                                                \
	{ .fd = VCPU(n), .req = KVM_SET_MP_STATE,                                          \
	  .in = &(const struct kvm_mp_state){ .mp_state = CCA_KVM_MP_STATE_RUNNABLE },      \
	  .in_len = sizeof(struct kvm_mp_state), .ret = (r) }
#define MP_RUNNABLE(n) MP_RUNNABLE_R(n, 0)
#define MP_STOPPED_R(n, r)                                                                 \
	{ .fd = VCPU(n), .req = KVM_SET_MP_STATE,                                          \
	  .in = &(const struct kvm_mp_state){ .mp_state = CCA_KVM_MP_STATE_STOPPED },       \
	  .in_len = sizeof(struct kvm_mp_state), .ret = (r) }

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

/* A realm with @nr vCPUs (all created) and user-space PSCI, strict. */
static void setup(void **state, unsigned int nr)
{
	struct fx_opts o = { .nr_recs = nr, .psci_user = true };
	fx_setup(&F, rev_of(state), &o);
	assert_int_equal(cca_realm_psci_user(F.realm), 1);
}

/* The guest on vCPU @v calls PSCI @fid(x1, x2, x3); returns the decoded exit. */
static struct cca_exit guest_call(unsigned int v, uint32_t fid, uint64_t x1, uint64_t x2,
				  uint64_t x3)
{
	struct cca_exit e;
	fx_handler_mode(&F);
	F.on_run = fx_run_hypercall;
	fx_next_hypercall.vcpu = (int)v;
	fx_next_hypercall.nr = fid;
	fx_next_hypercall.x[0] = fid;
	fx_next_hypercall.x[1] = x1;
	fx_next_hypercall.x[2] = x2;
	fx_next_hypercall.x[3] = x3;
	int ret = cca_rec_run(F.rec[v], &e);
	fx_next_hypercall.vcpu = -1;
	strict();
	assert_int_equal(ret, 0);
	assert_int_equal(e.kind, CCA_EXIT_PSCI);
	assert_int_equal(e.psci.fid, fid);
	assert_int_equal(e.flags & CCA_EXIT_F_ARGS_VALID, CCA_EXIT_F_ARGS_VALID);
	assert_int_equal(e.psci.target_mpidr, x1);
	assert_int_equal(e.psci.entry, x2);
	assert_int_equal(e.psci.context_id, x3);
	return e;
}

static struct cca_exit cpu_on_exit(unsigned int src, uint64_t target_mpidr)
{
	struct cca_exit e = guest_call(src, CCA_PSCI_CPU_ON_64, target_mpidr, ENTRY, CTX_ID);
	assert_int_equal(e.psci.fn, CCA_PSCI_FN_CPU_ON);
	return e;
}

static struct cca_exit affinity_exit(unsigned int src, uint64_t target_mpidr)
{
	struct cca_exit e = guest_call(src, CCA_PSCI_AFFINITY_INFO_64, target_mpidr, 0, 0);
	assert_int_equal(e.psci.fn, CCA_PSCI_FN_AFFINITY_INFO);
	return e;
}

/* cca_rec_run() reaches the kernel (the fake answers -EINTR). */
static void assert_runs(unsigned int v)
{
	struct cca_exit e;
	fx_handler_mode(&F);
	F.on_run = fx_run_hypercall;
	unsigned long runs = F.calls_run;
	assert_int_equal(cca_rec_run(F.rec[v], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_INTR);
	assert_int_equal(F.calls_run, runs + 1);
	strict();
}

/* cca_rec_run() refused with @err before any kernel call. */
static void assert_run_refused(unsigned int v, int err)
{
	struct cca_exit e;
	fx_handler_mode(&F); /* even a permissive kernel must see nothing */
	unsigned long runs = F.calls_run;
	size_t n = mock_sys_ioctl_count();
	assert_int_equal(cca_rec_run(F.rec[v], &e), err);
	assert_int_equal(F.calls_run, runs);
	assert_int_equal(mock_sys_ioctl_count(), n);
	strict();
}

/* cca_psci_pending(): @fn pending on REC @v, naming @mpidr. */
static void assert_pending(unsigned int v, int fn, uint64_t mpidr)
{
	uint64_t t = 0xDEADDEAD;
	assert_int_equal(cca_psci_pending(F.rec[v], &t), fn);
	assert_int_equal(t, fn ? mpidr : 0xDEADDEAD);
	assert_int_equal(cca_psci_pending(F.rec[v], NULL), fn);
}

/* A completion refused with @err: nothing sent, the pending call unchanged. */
static void assert_complete_refused(unsigned int src, uint64_t mpidr, int32_t status, int err)
{
	int fn = cca_psci_pending(F.rec[src], NULL);
	uint64_t t = 0;
	cca_psci_pending(F.rec[src], &t);
	size_t n = mock_sys_ioctl_count();
	strict();
	assert_int_equal(cca_psci_complete(F.rec[src], mpidr, status), err);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_pending(src, fn, t);
}

/* Answer a CPU_ON of REC @src for off target @t through the fake kernel. */
static void power_on(unsigned int src, unsigned int t)
{
	struct cca_exit e = cpu_on_exit(src, cca_mpidr_of_index(t));
	fx_handler_mode(&F);
	assert_int_equal(cca_psci_cpu_on(F.rec[src], &e, 0), 0);
	strict();
	assert_int_equal(cca_rec_is_on(F.rec[t]), 1);
}

/* ---- v12/v13: the pending state -------------------------------------- */

static void cpu_on_blocks_source_and_target(void **state)
{
	setup(state, 3);
	assert_int_equal(cca_rec_is_on(F.rec[0]), 1);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	assert_pending(0, 0, 0);

	cpu_on_exit(0, 0x1);
	assert_pending(0, CCA_PSCI_FN_CPU_ON, 0x1);
	assert_pending(1, 0, 0); /* the pending call is the caller's */
	assert_run_refused(0, -CCA_E_PSCI_PENDING);
	assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
	assert_run_refused(0, -CCA_E_PSCI_PENDING); /* still, however often asked */
	assert_runs(2);				     /* uninvolved */

	const struct mock_step calls[] = { COMPLETE(0, 0x1, 0) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_SUCCESS), 0);
	mock_seq_done();
	assert_pending(0, 0, 0);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
	assert_runs(0);
	assert_runs(1);
}

static void complete_errors(void **state)
{
	setup(state, 3);
	/* Nothing pending anywhere. */
	assert_complete_refused(0, 0x1, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_NOT_PENDING);

	cpu_on_exit(0, 0x1);
	/* On the target (or any other REC) instead of the caller. */
	assert_complete_refused(1, 0x1, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_NOT_PENDING);
	assert_complete_refused(2, 0x1, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_NOT_PENDING);
	/* A REC that exists but is not the one the guest named. */
	assert_complete_refused(0, 0x2, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	assert_complete_refused(0, 0x0, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	/* MPIDRs of no REC. */
	assert_complete_refused(0, 0x3, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	assert_complete_refused(0, 0x100, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	assert_complete_refused(0, 0x10, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	assert_complete_refused(0, 0x100000001ULL, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_TARGET);
	/* Only SUCCESS and DENIED. */
	static const int32_t bad[] = { CCA_PSCI_RET_NOT_SUPPORTED, CCA_PSCI_RET_INVALID_PARAMETERS,
				       CCA_PSCI_RET_ALREADY_ON,	   CCA_PSCI_RET_ON_PENDING,
				       CCA_PSCI_RET_INTERNAL_FAILURE, 1,
				       INT32_MIN,		      INT32_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_complete_refused(0, 0x1, bad[i], -CCA_E_PSCI_STATUS);
	assert_int_equal(cca_psci_complete(NULL, 0x1, 0), -EINVAL);

	/* Still pending after all that, still enforced. */
	assert_run_refused(0, -CCA_E_PSCI_PENDING);
	assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);

	/* DENIED is fine for a CPU_ON whose target is off; the target stays off. */
	const struct mock_step calls[] = { COMPLETE(0, 0x1, DENIED_U32) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_DENIED), 0);
	mock_seq_done();
	assert_pending(0, 0, 0);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	assert_complete_refused(0, 0x1, CCA_PSCI_RET_SUCCESS, -CCA_E_PSCI_NOT_PENDING); /* twice */
	assert_runs(0);
}

static void complete_denied_rules(void **state)
{
	setup(state, 3);
	/* DENIED is not an AFFINITY_INFO answer. */
	affinity_exit(0, 0x2);
	assert_complete_refused(0, 0x2, CCA_PSCI_RET_DENIED, -CCA_E_PSCI_STATUS);
	{
		const struct mock_step calls[] = { COMPLETE(0, 0x2, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_complete(F.rec[0], 0x2, CCA_PSCI_RET_SUCCESS), 0);
		mock_seq_done();
		assert_int_equal(cca_rec_is_on(F.rec[2]), 0); /* SUCCESS of AFFINITY_INFO: no power */
	}
	/* DENIED only while the target is off: here it is on (turned on, or the caller itself). */
	power_on(0, 1);
	cpu_on_exit(0, 0x1);
	assert_complete_refused(0, 0x1, CCA_PSCI_RET_DENIED, -CCA_E_PSCI_STATUS);
	{
		const struct mock_step calls[] = { COMPLETE(0, 0x1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_SUCCESS), 0);
		mock_seq_done();
	}
	cpu_on_exit(1, 0x0);
	assert_run_refused(1, -CCA_E_PSCI_PENDING);
	assert_run_refused(0, -CCA_E_PSCI_TARGET_PENDING);
	assert_complete_refused(1, 0x0, CCA_PSCI_RET_DENIED, -CCA_E_PSCI_STATUS);
}

static void complete_kernel_failure_keeps_pending(void **state)
{
	setup(state, 2);
	cpu_on_exit(0, 0x1);
	{
		const struct mock_step calls[] = { COMPLETE_R(0, 0x1, 0, -EINVAL) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_SUCCESS), -EINVAL);
		mock_seq_done();
	}
	assert_pending(0, CCA_PSCI_FN_CPU_ON, 0x1);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	assert_run_refused(0, -CCA_E_PSCI_PENDING);
	assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
	{ /* The full helper stops at the failed completion: no x0, no MP_STATE. */
		const struct cca_exit e = { .kind = CCA_EXIT_PSCI,
					    .flags = CCA_EXIT_F_ARGS_VALID | CCA_EXIT_F_SMC64,
					    .psci = { .fid = CCA_PSCI_CPU_ON_64,
						      .fn = CCA_PSCI_FN_CPU_ON,
						      .target_mpidr = 0x1 } };
		const struct mock_step calls[] = { COMPLETE_R(0, 0x1, 0, -EPERM) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -EPERM);
		mock_seq_done();
		assert_pending(0, CCA_PSCI_FN_CPU_ON, 0x1);
	}
	{ /* A retry that works. */
		const struct mock_step calls[] = { COMPLETE(0, 0x1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_SUCCESS), 0);
		mock_seq_done();
	}
	assert_pending(0, 0, 0);
	assert_runs(0);
	assert_runs(1);
}

/* ---- v12/v13: the helpers --------------------------------------------- */

static void cpu_on_full_sequence(void **state)
{
	setup(state, 4);
	struct cca_exit e = cpu_on_exit(0, 0x3);
	const struct mock_step calls[] = {
		COMPLETE(0, 0x3, 0),
		SET_X0(0, CCA_PSCI_RET_SUCCESS),
		MP_RUNNABLE(3),
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
	mock_seq_done();
	assert_pending(0, 0, 0);
	assert_int_equal(cca_rec_is_on(F.rec[3]), 1);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	assert_runs(3);
	assert_runs(0);
}

static void cpu_on_deny(void **state)
{
	setup(state, 2);
	struct cca_exit e = cpu_on_exit(0, 0x1);
	{
		const struct mock_step calls[] = {
			COMPLETE(0, 0x1, DENIED_U32),
			SET_X0(0, (uint64_t)(int64_t)CCA_PSCI_RET_DENIED), /* 0xFFFFFFFFFFFFFFFD */
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 1), 0);
		mock_seq_done();
	}
	assert_pending(0, 0, 0);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	/* The guest may ask again; this time it is accepted. */
	e = cpu_on_exit(0, 0x1);
	{
		const struct mock_step calls[] = { COMPLETE(0, 0x1, 0), SET_X0(0, 0),
						   MP_RUNNABLE(1) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
		mock_seq_done();
	}
	assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
}

static void cpu_on_already_on(void **state)
{
	setup(state, 2);
	power_on(0, 1);
	for (int deny = 0; deny <= 1; deny++) {
		/* SUCCESS (the RMM says ALREADY_ON), x0 = ALREADY_ON, no MP_STATE; deny is moot. */
		struct cca_exit e = cpu_on_exit(0, 0x1);
		const struct mock_step calls[] = {
			COMPLETE(0, 0x1, 0),
			SET_X0(0, (uint64_t)(int64_t)CCA_PSCI_RET_ALREADY_ON),
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, deny), 0);
		mock_seq_done();
		assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
	}
	/* The caller naming itself. */
	struct cca_exit e = cpu_on_exit(1, 0x0);
	const struct mock_step calls[] = {
		COMPLETE(1, 0x0, 0),
		SET_X0(1, (uint64_t)(int64_t)CCA_PSCI_RET_ALREADY_ON),
	};
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_psci_cpu_on(F.rec[1], &e, 1), 0);
	mock_seq_done();
}

static void cpu_on_unknown_target(void **state)
{
	setup(state, 2);
	struct cca_exit e = cpu_on_exit(0, 0x5);
	size_t n = mock_sys_ioctl_count();
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -CCA_E_PSCI_TARGET);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 1), -CCA_E_PSCI_TARGET);
	assert_int_equal(mock_sys_ioctl_count(), n);
	/* Nothing was sent: the caller is still pending (and cannot resume). */
	assert_pending(0, CCA_PSCI_FN_CPU_ON, 0x5);
	assert_run_refused(0, -CCA_E_PSCI_PENDING);
	assert_runs(1);
}

static void cpu_on_kernel_failures(void **state)
{
	setup(state, 2);
	struct cca_exit e = cpu_on_exit(0, 0x1);
	/* x0 fails after the completion: reported; MP_STATE not attempted. */
	const struct mock_step calls[] = { COMPLETE(0, 0x1, 0), SET_X0_R(0, 0, -EIO) };
	MOCK_SEQ_EXPECT(calls);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -EIO);
	mock_seq_done();
	assert_pending(0, 0, 0); /* the completion itself went through */
	fx_teardown(&F);

	setup(state, 2);
	e = cpu_on_exit(0, 0x1);
	const struct mock_step calls2[] = { COMPLETE(0, 0x1, 0), SET_X0(0, 0),
					    MP_RUNNABLE_R(1, -EBUSY) };
	MOCK_SEQ_EXPECT(calls2);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -EBUSY);
	mock_seq_done();
	assert_pending(0, 0, 0);
}

static void helpers_refuse_wrong_exits(void **state)
{
	setup(state, 2);
	struct cca_exit on = cpu_on_exit(0, 0x1);
	struct cca_exit bad = on;
	size_t n = mock_sys_ioctl_count();

	assert_int_equal(cca_psci_cpu_on(NULL, &on, 0), -EINVAL);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], NULL, 0), -EINVAL);
	assert_int_equal(cca_psci_affinity_info(F.rec[0], &on), -EINVAL); /* a CPU_ON */
	bad.flags &= ~CCA_EXIT_F_ARGS_VALID;
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &bad, 0), -EINVAL);
	bad = on;
	bad.kind = CCA_EXIT_HOST_CALL;
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &bad, 0), -EINVAL);
	bad = on;
	bad.psci.fn = CCA_PSCI_FN_CPU_SUSPEND;
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &bad, 0), -EINVAL);
	assert_int_equal(cca_psci_affinity_info(NULL, &on), -EINVAL);
	assert_int_equal(cca_psci_affinity_info(F.rec[0], NULL), -EINVAL);
	assert_int_equal(cca_psci_cpu_off(NULL), -EINVAL);
	assert_int_equal(cca_psci_pending(NULL, NULL), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), n);
	if (cca_abi_has(rev_of(state), CCA_ABI_MANUAL_PSCI_COMPLETE))
		assert_pending(0, CCA_PSCI_FN_CPU_ON, 0x1);
}

static void affinity_info(void **state)
{
	setup(state, 3);
	struct cca_exit e = affinity_exit(0, 0x1);
	assert_pending(0, CCA_PSCI_FN_AFFINITY_INFO, 0x1);
	assert_run_refused(0, -CCA_E_PSCI_PENDING);
	assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
	assert_runs(2);
	{
		const struct mock_step calls[] = { COMPLETE(0, 0x1, 0),
						   SET_X0(0, CCA_PSCI_AFFINITY_OFF) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), 0);
		mock_seq_done();
	}
	assert_pending(0, 0, 0);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	assert_runs(1);

	power_on(0, 1);
	e = guest_call(2, CCA_PSCI_AFFINITY_INFO_32, 0x1, 0, 0);
	assert_run_refused(2, -CCA_E_PSCI_PENDING);
	assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
	{
		const struct mock_step calls[] = { COMPLETE(2, 0x1, 0),
						   SET_X0(2, CCA_PSCI_AFFINITY_ON) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_affinity_info(F.rec[2], &e), 0);
		mock_seq_done();
	}
	/* CPU_OFF (no completion; KVM stops the vCPU) makes it OFF again. */
	{
		const struct mock_step calls[] = { MP_STOPPED_R(1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_off(F.rec[1]), 0);
		mock_seq_done();
	}
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	e = affinity_exit(0, 0x1);
	{
		const struct mock_step calls[] = { COMPLETE(0, 0x1, 0),
						   SET_X0(0, CCA_PSCI_AFFINITY_OFF) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), 0);
		mock_seq_done();
	}
	/* An unknown target: nothing sent. */
	e = affinity_exit(0, 0x7);
	size_t n = mock_sys_ioctl_count();
	assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), -CCA_E_PSCI_TARGET);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_pending(0, CCA_PSCI_FN_AFFINITY_INFO, 0x7);
}

static void function_id_forms(void **state)
{
	static const struct {
		uint32_t fid;
		uint32_t fn;
		uint32_t smc64;
	} forms[] = {
		{ CCA_PSCI_CPU_ON_32, CCA_PSCI_FN_CPU_ON, 0 },
		{ CCA_PSCI_CPU_ON_64, CCA_PSCI_FN_CPU_ON, CCA_EXIT_F_SMC64 },
		{ CCA_PSCI_AFFINITY_INFO_32, CCA_PSCI_FN_AFFINITY_INFO, 0 },
		{ CCA_PSCI_AFFINITY_INFO_64, CCA_PSCI_FN_AFFINITY_INFO, CCA_EXIT_F_SMC64 },
	};
	setup(state, 2);
	bool manual = cca_abi_has(rev_of(state), CCA_ABI_MANUAL_PSCI_COMPLETE);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct cca_exit e = guest_call(0, forms[i].fid, 0x1, 0x9000, 0x42);
		assert_int_equal(e.psci.fn, forms[i].fn);
		assert_int_equal(e.flags, CCA_EXIT_F_ARGS_VALID | forms[i].smc64);
		if (!manual) {
			assert_pending(0, 0, 0);
			continue;
		}
		assert_pending(0, (int)forms[i].fn, 0x1);
		assert_run_refused(0, -CCA_E_PSCI_PENDING);
		assert_run_refused(1, -CCA_E_PSCI_TARGET_PENDING);
		const struct mock_step calls[] = { COMPLETE(0, 0x1, DENIED_U32) };
		const struct mock_step calls_ok[] = { COMPLETE(0, 0x1, 0) };
		if (forms[i].fn == CCA_PSCI_FN_CPU_ON)
			MOCK_SEQ_EXPECT(calls);
		else
			MOCK_SEQ_EXPECT(calls_ok);
		assert_int_equal(cca_psci_complete(F.rec[0], 0x1,
						   forms[i].fn == CCA_PSCI_FN_CPU_ON
							   ? CCA_PSCI_RET_DENIED
							   : CCA_PSCI_RET_SUCCESS),
				 0);
		mock_seq_done();
		assert_pending(0, 0, 0);
	}
}

static void other_psci_calls_need_no_completion(void **state)
{
	static const uint32_t fids[] = { CCA_PSCI_CPU_OFF, CCA_PSCI_CPU_SUSPEND_32,
					 CCA_PSCI_CPU_SUSPEND_64, CCA_PSCI_VERSION,
					 CCA_PSCI_FEATURES, 0x8400001F /* undecoded */ };
	setup(state, 2);
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		guest_call(0, fids[i], 0x1, 0, 0);
		assert_pending(0, 0, 0);
		assert_runs(0);
		assert_runs(1);
	}
	/* PSCI SYSTEM_OFF arrives as a system exit, nothing pending either. */
	struct cca_exit e;
	fx_handler_mode(&F);
	F.on_run = fx_run_hypercall;
	fx_next_hypercall.vcpu = 0;
	fx_next_hypercall.nr = CCA_PSCI_SYSTEM_OFF;
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	fx_next_hypercall.vcpu = -1;
	strict();
	assert_int_equal(e.kind, CCA_EXIT_SYSTEM_OFF);
	assert_pending(0, 0, 0);
}

static void cpu_off_then_on_again(void **state)
{
	setup(state, 2);
	power_on(0, 1);
	/* A failing MP_STATE leaves the vCPU on: it must not be left runnable unseen. */
	{
		const struct mock_step fail[] = { MP_STOPPED_R(1, -EIO) };
		MOCK_SEQ_EXPECT(fail);
		assert_int_equal(cca_psci_cpu_off(F.rec[1]), -EIO);
		mock_seq_done();
		assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
	}
	{
		const struct mock_step calls[] = { MP_STOPPED_R(1, 0) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_off(F.rec[1]), 0);
		mock_seq_done();
	}
	assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	struct cca_exit e = cpu_on_exit(0, 0x1);
	bool manual = cca_abi_has(rev_of(state), CCA_ABI_MANUAL_PSCI_COMPLETE);
	const struct mock_step m[] = { COMPLETE(0, 0x1, 0), SET_X0(0, 0), MP_RUNNABLE(1) };
	const struct mock_step a[] = { SET_X0(0, 0), MP_RUNNABLE(1) };
	if (manual)
		MOCK_SEQ_EXPECT(m);
	else
		MOCK_SEQ_EXPECT(a);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
	mock_seq_done();
	assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
}

/* ---- v14/v15: KVM completes itself ------------------------------------ */

static void auto_nothing_pending(void **state)
{
	setup(state, 2);
	cpu_on_exit(0, 0x1);
	assert_pending(0, 0, 0);
	/* The target may run at once (KVM answers EAGAIN until the caller re-entered). */
	assert_runs(1);
	assert_runs(0);
	affinity_exit(0, 0x1);
	assert_pending(0, 0, 0);
	assert_runs(1);
	assert_runs(0);

	/* cca_psci_complete() validates and returns 0 without an ioctl. */
	cpu_on_exit(0, 0x1);
	size_t n = mock_sys_ioctl_count();
	strict();
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_SUCCESS), 0);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_DENIED), 0);
	assert_int_equal(cca_psci_complete(F.rec[1], 0x0, CCA_PSCI_RET_SUCCESS), 0);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_int_equal(F.calls_psci_complete, 0);
}

static void auto_complete_validates(void **state)
{
	setup(state, 2);
	size_t n = mock_sys_ioctl_count();
	strict();
	/* Failed before the fix: returned 0 without looking at its arguments. */
	assert_int_equal(cca_psci_complete(F.rec[0], 0x5, CCA_PSCI_RET_SUCCESS),
			 -CCA_E_PSCI_TARGET);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x100, CCA_PSCI_RET_SUCCESS),
			 -CCA_E_PSCI_TARGET);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, CCA_PSCI_RET_ALREADY_ON),
			 -CCA_E_PSCI_STATUS);
	assert_int_equal(cca_psci_complete(F.rec[0], 0x1, 7), -CCA_E_PSCI_STATUS);
	/* DENIED only while the target is off: REC 0 is on. */
	assert_int_equal(cca_psci_complete(F.rec[1], 0x0, CCA_PSCI_RET_DENIED), -CCA_E_PSCI_STATUS);
	assert_int_equal(cca_psci_complete(NULL, 0x1, 0), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), n);
}

static void auto_cpu_on(void **state)
{
	setup(state, 3);
	struct cca_exit e = cpu_on_exit(0, 0x2);
	{ /* Deny: x0 only (KVM completes with DENIED from it). */
		const struct mock_step calls[] = {
			SET_X0(0, (uint64_t)(int64_t)CCA_PSCI_RET_DENIED),
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 1), 0);
		mock_seq_done();
		assert_int_equal(cca_rec_is_on(F.rec[2]), 0);
	}
	e = cpu_on_exit(0, 0x2);
	{ /* Accept: x0 = SUCCESS, the target runnable; no completion ioctl. */
		const struct mock_step calls[] = { SET_X0(0, 0), MP_RUNNABLE(2) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
		mock_seq_done();
		assert_int_equal(cca_rec_is_on(F.rec[2]), 1);
	}
	assert_runs(2);
	e = cpu_on_exit(0, 0x2);
	{ /* Already on. */
		const struct mock_step calls[] = {
			SET_X0(0, (uint64_t)(int64_t)CCA_PSCI_RET_ALREADY_ON),
		};
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
		mock_seq_done();
	}
	e = cpu_on_exit(0, 0x3);
	size_t n = mock_sys_ioctl_count();
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -CCA_E_PSCI_TARGET);
	assert_int_equal(mock_sys_ioctl_count(), n);
	assert_int_equal(F.calls_psci_complete, 0);
}

static void auto_affinity_info(void **state)
{
	setup(state, 2);
	struct cca_exit e = affinity_exit(0, 0x1);
	{
		const struct mock_step calls[] = { SET_X0(0, CCA_PSCI_AFFINITY_OFF) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), 0);
		mock_seq_done();
	}
	power_on(0, 1);
	e = affinity_exit(0, 0x1);
	{
		const struct mock_step calls[] = { SET_X0(0, CCA_PSCI_AFFINITY_ON) };
		MOCK_SEQ_EXPECT(calls);
		assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), 0);
		mock_seq_done();
	}
}

/* ---- concurrency --------------------------------------------------------- */

/*
 * One source vCPU (0) issues CPU_ON and AFFINITY_INFO calls naming the
 * targets (1..CT_RECS-1) in turn; the fake kernel below models the RMM
 * (the source is "PSCI pending" from its exit to the completion ioctl)
 * and KVM (a target is blocked, without entering the RMM, until
 * KVM_SET_MP_STATE). A completer thread answers with cca_psci_cpu_on() /
 * cca_psci_affinity_info() after a random delay; the source and the
 * targets spin on cca_rec_run() meanwhile.
 *
 * Violations the fake kernel records:
 *  - the source entered while its completion is outstanding (ERROR_REC);
 *  - a target entered while a call naming it is outstanding, although
 *    libcca had been told (the exit was handed to the VMM before that
 *    target's cca_rec_run() began: see snap[]). An entry that started
 *    before the exit existed is a race the VMM cannot see, not a fault;
 *  - KVM_SET_MP_STATE on a target whose completion is outstanding;
 *  - a completion on the wrong fd or naming the wrong target.
 */
#define CT_RECS 5
#define CT_MAX_EXITS 2000
#define CT_BUDGET_NS 1500000000LL /* stop issuing calls after 1.5 s */
#define CT_HANG_NS 20000000000LL  /* give up waiting after 20 s */

struct ct {
	pthread_mutex_t km; /* the fake kernel; never held across a libcca call */
	/* the model, under km */
	int outstanding;		/* target named by the source's pending call, -1: none */
	uint64_t delivered_at;		/* tick at which that exit reached the VMM, 0: not yet */
	uint64_t tick;			/* counts exits handed to the VMM */
	uint64_t snap[CT_RECS];		/* tick when each target's current cca_rec_run() began */
	bool kvm_runnable[CT_RECS];	/* KVM_SET_MP_STATE(RUNNABLE) seen */
	unsigned long made;		/* exits produced */
	unsigned long completions;	/* completion ioctls */
	unsigned long mp_states;	/* KVM_SET_MP_STATE ioctls */
	unsigned long tgt_calls[CT_RECS]; /* KVM_RUN calls per target */
	unsigned long entered[CT_RECS];	  /* ... of which entered the RMM */
	int last_completed;		/* target of the last accepted CPU_ON completion */
	unsigned long v_src, v_tgt, v_mp, v_complete;
	/* handoff from the source to the completer */
	pthread_mutex_t mb;
	pthread_cond_t cv;
	struct cca_exit mail;
	bool full;
	/* thread results */
	atomic_bool stop;
	atomic_bool hung;
	atomic_ulong delivered, answered, src_refused, tgt_refused, tgt_runs, unexpected;
	unsigned long accepted, denied, already_on, aff_on, aff_off, wrong_x0;
	struct timespec t0;
} ct;

static int64_t ct_elapsed_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - ct.t0.tv_sec) * 1000000000LL + (t.tv_nsec - ct.t0.tv_nsec);
}

static bool ct_hung(void)
{
	if (ct_elapsed_ns() > CT_HANG_NS)
		atomic_store(&ct.hung, true);
	return atomic_load(&ct.hung);
}

static int ct_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fx *f = ctx;
	int v = fx_vcpu_of_fd(fd);
	int ret;

	/* A completion takes a while (an RMI call): widen the window before it lands. */
	if (req == REQ_PSCI_COMPLETE)
		for (int i = 0; i < 3; i++)
			sched_yield();
	pthread_mutex_lock(&ct.km);
	if (req == KVM_RUN) {
		f->calls_run++;
		if (v == 0) {
			if (ct.outstanding >= 0)
				ct.v_src++;
			/* The guest calls PSCI naming the next target. */
			unsigned int t = 1 + (unsigned int)(ct.made % (CT_RECS - 1));
			static const uint32_t fids[] = { CCA_PSCI_CPU_ON_64, CCA_PSCI_CPU_ON_32,
							 CCA_PSCI_AFFINITY_INFO_64, CCA_PSCI_CPU_ON_64,
							 CCA_PSCI_AFFINITY_INFO_32 };
			struct kvm_run *run = cca_rec_kvm_run(f->rec[0]);
			memset(run, 0, sizeof(*run));
			run->exit_reason = KVM_EXIT_HYPERCALL;
			run->hypercall.nr = fids[ct.made % 5];
			f->regs[0][0] = run->hypercall.nr;
			f->regs[0][1] = cca_mpidr_of_index(t);
			f->regs[0][2] = ENTRY + t * 0x1000;
			f->regs[0][3] = CTX_ID;
			ct.outstanding = (int)t;
			ct.delivered_at = 0;
			ct.made++;
			ret = 0;
		} else {
			ct.tgt_calls[v]++;
			if (ct.outstanding == v && ct.delivered_at && ct.delivered_at <= ct.snap[v])
				ct.v_tgt++;
			if (ct.kvm_runnable[v])
				ct.entered[v]++; /* else KVM blocks it without entering the RMM */
			ret = -EINTR;    /* either way, a signal brings it back */
		}
	} else if (req == REQ_PSCI_COMPLETE) {
		const struct kvm_arm_rmi_psci_complete *c = arg;
		if (v != 0 || ct.outstanding < 0 ||
		    c->target_mpidr != cca_mpidr_of_index((unsigned int)ct.outstanding))
			ct.v_complete++;
		if (c->psci_status == 0)
			ct.last_completed = ct.outstanding;
		ct.outstanding = -1;
		ct.completions++;
		ret = fx_fake_ioctl(f, fd, req, arg);
	} else if (req == KVM_SET_MP_STATE) {
		if (v < 1 || v == ct.outstanding || v != ct.last_completed)
			ct.v_mp++;
		if (v >= 0)
			ct.kvm_runnable[v] = true;
		ct.mp_states++;
		ret = fx_fake_ioctl(f, fd, req, arg);
	} else {
		ret = fx_fake_ioctl(f, fd, req, arg);
	}
	pthread_mutex_unlock(&ct.km);
	return ret;
}

static void *ct_source(void *p)
{
	(void)p;
	struct cca_rec *src = F.rec[0];
	while (atomic_load(&ct.delivered) < CT_MAX_EXITS && ct_elapsed_ns() < CT_BUDGET_NS &&
	       !ct_hung()) {
		struct cca_exit e;
		int r = cca_rec_run(src, &e);
		if (r == -CCA_E_PSCI_PENDING) {
			atomic_fetch_add(&ct.src_refused, 1);
			sched_yield();
			continue;
		}
		if (r != 0 || e.kind != CCA_EXIT_PSCI || !(e.flags & CCA_EXIT_F_ARGS_VALID)) {
			atomic_fetch_add(&ct.unexpected, 1);
			break;
		}
		/* Hand the exit to the VMM: from now on libcca must refuse the target. */
		pthread_mutex_lock(&ct.km);
		ct.delivered_at = ++ct.tick;
		if (ct.outstanding < 0 ||
		    e.psci.target_mpidr != cca_mpidr_of_index((unsigned int)ct.outstanding))
			ct.v_complete++;
		pthread_mutex_unlock(&ct.km);
		pthread_mutex_lock(&ct.mb);
		while (ct.full && !ct_hung())
			pthread_cond_wait(&ct.cv, &ct.mb);
		ct.mail = e;
		ct.full = true;
		pthread_cond_broadcast(&ct.cv);
		pthread_mutex_unlock(&ct.mb);
		atomic_fetch_add(&ct.delivered, 1);
	}
	/* Let the completer answer the last call, then stop everyone. */
	while (atomic_load(&ct.answered) < atomic_load(&ct.delivered) && !ct_hung())
		sched_yield();
	pthread_mutex_lock(&ct.mb);
	atomic_store(&ct.stop, true);
	pthread_cond_broadcast(&ct.cv);
	pthread_mutex_unlock(&ct.mb);
	return NULL;
}

static uint32_t ct_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void ct_delay(uint32_t *rng)
{
	switch (ct_rand(rng) % 4) {
	case 0:
		break;
	case 1:
		for (uint32_t i = ct_rand(rng) % 8; i; i--)
			sched_yield();
		break;
	case 2: {
		struct timespec d = { 0, (long)(1000 + ct_rand(rng) % 20000) };
		nanosleep(&d, NULL);
		break;
	}
	default:
		for (volatile uint32_t i = ct_rand(rng) % 20000; i; i--)
			;
		break;
	}
}

static void *ct_completer(void *p)
{
	(void)p;
	struct cca_rec *src = F.rec[0];
	uint32_t rng = 0x9E3779B9u;
	bool on[CT_RECS] = { true };

	for (;;) {
		pthread_mutex_lock(&ct.mb);
		while (!ct.full && !atomic_load(&ct.stop)) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 10000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&ct.cv, &ct.mb, &until);
			if (ct_hung())
				break;
		}
		if (!ct.full) {
			pthread_mutex_unlock(&ct.mb);
			break;
		}
		struct cca_exit e = ct.mail;
		ct.full = false;
		pthread_cond_broadcast(&ct.cv);
		pthread_mutex_unlock(&ct.mb);

		ct_delay(&rng); /* the targets and the source keep trying meanwhile */
		unsigned int t = (unsigned int)((e.psci.target_mpidr & 0xf) |
						((e.psci.target_mpidr >> 4) & 0xff0));
		bool deny = ct_rand(&rng) % 3 == 0;
		int r = e.psci.fn == CCA_PSCI_FN_CPU_ON ? cca_psci_cpu_on(src, &e, deny)
							 : cca_psci_affinity_info(src, &e);
		if (r != 0 || t >= CT_RECS) {
			atomic_fetch_add(&ct.unexpected, 1);
			atomic_fetch_add(&ct.answered, 1);
			continue;
		}
		pthread_mutex_lock(&ct.km);
		int64_t x0 = (int64_t)F.x0[0];
		pthread_mutex_unlock(&ct.km);
		/* The completer is the only one to change power: it knows the answer. */
		if (e.psci.fn == CCA_PSCI_FN_AFFINITY_INFO) {
			if (x0 != (on[t] ? CCA_PSCI_AFFINITY_ON : CCA_PSCI_AFFINITY_OFF))
				ct.wrong_x0++;
			if (on[t])
				ct.aff_on++;
			else
				ct.aff_off++;
		} else if (on[t]) {
			ct.already_on++;
			if (x0 != CCA_PSCI_RET_ALREADY_ON)
				ct.wrong_x0++;
		} else if (deny) {
			ct.denied++;
			if (x0 != CCA_PSCI_RET_DENIED)
				ct.wrong_x0++;
		} else {
			ct.accepted++;
			on[t] = true;
			if (x0 != CCA_PSCI_RET_SUCCESS)
				ct.wrong_x0++;
		}
		atomic_fetch_add(&ct.answered, 1);
	}
	return NULL;
}

static void *ct_target(void *p)
{
	unsigned int t = (unsigned int)(uintptr_t)p;
	struct cca_rec *rec = F.rec[t];
	while (!atomic_load(&ct.stop) && !ct_hung()) {
		struct cca_exit e;
		pthread_mutex_lock(&ct.km);
		ct.snap[t] = ct.tick;
		pthread_mutex_unlock(&ct.km);
		int r = cca_rec_run(rec, &e);
		if (r == -CCA_E_PSCI_TARGET_PENDING)
			atomic_fetch_add(&ct.tgt_refused, 1);
		else if (r == 0 && e.kind == CCA_EXIT_INTR)
			atomic_fetch_add(&ct.tgt_runs, 1);
		else
			atomic_fetch_add(&ct.unexpected, 1);
		sched_yield();
	}
	return NULL;
}

static void concurrent_completion_order(void **state)
{
	setup(state, CT_RECS);
	memset(&ct, 0, sizeof(ct));
	pthread_mutex_init(&ct.km, NULL);
	pthread_mutex_init(&ct.mb, NULL);
	pthread_cond_init(&ct.cv, NULL);
	ct.outstanding = -1;
	ct.last_completed = -1;
	ct.kvm_runnable[0] = true;
	clock_gettime(CLOCK_MONOTONIC, &ct.t0);

	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(ct_ioctl, &F);
	pthread_t src, cpl, tgt[CT_RECS];
	assert_int_equal(pthread_create(&cpl, NULL, ct_completer, NULL), 0);
	for (unsigned int t = 1; t < CT_RECS; t++)
		assert_int_equal(pthread_create(&tgt[t], NULL, ct_target, (void *)(uintptr_t)t), 0);
	assert_int_equal(pthread_create(&src, NULL, ct_source, NULL), 0);
	pthread_join(src, NULL);
	pthread_join(cpl, NULL);
	for (unsigned int t = 1; t < CT_RECS; t++)
		pthread_join(tgt[t], NULL);
	strict();

	unsigned long delivered = atomic_load(&ct.delivered);
	unsigned long tgt_calls = 0, accepted_on = 0;
	for (unsigned int t = 1; t < CT_RECS; t++) {
		tgt_calls += ct.tgt_calls[t];
		accepted_on += (unsigned long)cca_rec_is_on(F.rec[t]);
	}
	print_message("# %lu calls in %.2f s; refused: source %lu, targets %lu; target runs %lu\n",
		      delivered, (double)ct_elapsed_ns() / 1e9, atomic_load(&ct.src_refused),
		      atomic_load(&ct.tgt_refused), atomic_load(&ct.tgt_runs));

	/* The RMM's ERROR_REC never happened. */
	assert_int_equal(ct.v_src, 0);
	assert_int_equal(ct.v_tgt, 0);
	assert_int_equal(ct.v_mp, 0);
	assert_int_equal(ct.v_complete, 0);
	assert_false(atomic_load(&ct.hung));
	assert_int_equal(atomic_load(&ct.unexpected), 0);
	assert_int_equal(ct.wrong_x0, 0);
	/* Every call made reached the VMM and was completed exactly once. */
	assert_true(delivered >= 20);
	assert_int_equal(ct.made, delivered);
	assert_int_equal(atomic_load(&ct.answered), delivered);
	assert_int_equal(ct.completions, delivered);
	assert_int_equal(F.calls_psci_complete, delivered);
	assert_int_equal(ct.accepted + ct.denied + ct.already_on + ct.aff_on + ct.aff_off,
			 delivered);
	assert_int_equal(ct.mp_states, ct.accepted);
	assert_int_equal(F.calls_mp_state, ct.accepted);
	assert_int_equal(accepted_on, ct.accepted);
	assert_int_equal(ct.outstanding, -1);
	assert_pending(0, 0, 0);
	/* Every KVM_RUN: one per call from the source, the rest from the targets. */
	assert_int_equal(F.calls_run, ct.made + tgt_calls);
	assert_int_equal(atomic_load(&ct.tgt_runs), tgt_calls);
	/* The race was real: both sides were turned away at least once. */
	assert_true(atomic_load(&ct.src_refused) > 0);
	assert_true(atomic_load(&ct.tgt_refused) > 0);

	pthread_cond_destroy(&ct.cv);
	pthread_mutex_destroy(&ct.mb);
	pthread_mutex_destroy(&ct.km);
}

/* ---- the list ---------------------------------------------------------- */

#define MANUAL(fn)                                                                        \
	{ #fn "/v12", fn, NULL, td, (void *)&revs[0] },                                    \
		{ #fn "/v13", fn, NULL, td, (void *)&revs[1] }
#define AUTO(fn)                                                                          \
	{ #fn "/v14", fn, NULL, td, (void *)&revs[2] },                                    \
		{ #fn "/v15", fn, NULL, td, (void *)&revs[3] }
#define ALL(fn) MANUAL(fn), AUTO(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		MANUAL(cpu_on_blocks_source_and_target),
		MANUAL(complete_errors),
		MANUAL(complete_denied_rules),
		MANUAL(complete_kernel_failure_keeps_pending),
		MANUAL(cpu_on_full_sequence),
		MANUAL(cpu_on_deny),
		MANUAL(cpu_on_already_on),
		MANUAL(cpu_on_unknown_target),
		MANUAL(cpu_on_kernel_failures),
		ALL(helpers_refuse_wrong_exits),
		MANUAL(affinity_info),
		ALL(function_id_forms),
		ALL(other_psci_calls_need_no_completion),
		ALL(cpu_off_then_on_again),
		AUTO(auto_nothing_pending),
		AUTO(auto_complete_validates),
		AUTO(auto_cpu_on),
		AUTO(auto_affinity_info),
		MANUAL(concurrent_completion_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
