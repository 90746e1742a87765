// SPDX-License-Identifier: MIT
/*
 * Guest-controlled values (docs/guest-input.md): each row of that table
 * without a test elsewhere has one here, asserting the answer the
 * specification defines, not what the code happens to do.
 *
 * Three layers: the pure decoders (cca_exit_decode, cca_exit_decode_rec_exit),
 * libcca's user-space PSCI helpers against the mock kernel, and the guest's
 * own view end to end: a scripted guest on the simulated KVM+RMM checks the
 * x0 it receives (a failed check fails the run with the script line), on
 * every revision, with PSCI handled in the kernel and in user space
 * (tests/vmm/sim-vmm.c answers with cca_psci_cpu_on/affinity_info).
 *
 * Sources: PSCI return codes and function IDs rmi-spec.md §11.1/§11.2 (Arm
 * DEN0022); what the RMM answers itself kvm-realm-uapi.md §12.1 and
 * rmi-spec.md §10; KVM_RUN exits kvm-realm-uapi.md §8.7, §9.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rmi/cca.h>

#include "fixture.h"
#include "vmm/sim-vmm.h"

#define IPA_BITS 40
#define SHARED (1ULL << (IPA_BITS - 1))
#define DEV_IPA 0x9000000ULL
#define JUNK_HI 0xA5A5A5A500000000ULL /* upper halves an SMC32 callee must ignore */

static const struct cca_exit_ctx ctx12 = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V12 };

static struct kvm_run run_buf;
static struct cca_rmi_rec_exit rx_buf;

static struct kvm_run *new_run(uint32_t reason)
{
	memset(&run_buf, 0x5A, sizeof(run_buf)); /* stale bytes everywhere */
	run_buf.exit_reason = reason;
	return &run_buf;
}

static struct cca_rmi_rec_exit *new_rx(uint8_t reason)
{
	memset(&rx_buf, 0, sizeof(rx_buf));
	rx_buf.exit_reason = reason;
	return &rx_buf;
}

/* ---- decoder: PSCI function ID and arguments ------------------------- */

/* SMCCC: the function ID is W0; x0[63:32] never changes the function. */
static void fid_upper_bits_ignored(void **state)
{
	struct cca_exit e;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = 0xFFFFFFFF00000000ULL | CCA_PSCI_CPU_ON_64;
	assert_int_equal(cca_exit_decode(run, 0, &ctx12, &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_PSCI);
	assert_int_equal(e.psci.fn, CCA_PSCI_FN_CPU_ON);
	assert_int_equal(e.psci.fid, CCA_PSCI_CPU_ON_64);
	assert_int_equal(e.flags & CCA_EXIT_F_SMC64, CCA_EXIT_F_SMC64);

	/* A non-PSCI ID whose upper half looks like one stays a host call. */
	run->hypercall.nr = ((uint64_t)CCA_PSCI_CPU_ON_64 << 32) | 0xC2000000U;
	assert_int_equal(cca_exit_decode(run, 0, &ctx12, &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_HOST_CALL);

	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);
	rx->gprs[0] = 0x1234567800000000ULL | CCA_PSCI_AFFINITY_INFO_32;
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
	assert_int_equal(e.psci.fn, CCA_PSCI_FN_AFFINITY_INFO);
	assert_int_equal(e.psci.fid, CCA_PSCI_AFFINITY_INFO_32);
	assert_int_equal(e.flags & CCA_EXIT_F_SMC64, 0);
}

/* Unknown IDs inside a PSCI range are PSCI (OTHER), never a host call. */
static void fid_unknown_in_range(void **state)
{
	static const uint32_t ids[] = { 0x84000005, 0x8400000B, 0x8400001F, 0xC4000002,
					0xC4000008, 0xC400000A, 0xC400001F };
	struct cca_exit e;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);
		run->hypercall.nr = ids[i];
		assert_int_equal(cca_exit_decode(run, 0, &ctx12, &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_PSCI);
		assert_int_equal(e.psci.fn, CCA_PSCI_FN_OTHER);
		assert_int_equal(e.psci.fid, ids[i]);
		struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);
		rx->gprs[0] = ids[i];
		assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_PSCI);
		assert_int_equal(e.psci.fn, CCA_PSCI_FN_OTHER);
	}
	/* One past each range: not PSCI. */
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);
	run->hypercall.nr = CCA_PSCI_RANGE_64_BASE + CCA_PSCI_RANGE_LEN;
	assert_int_equal(cca_exit_decode(run, 0, &ctx12, &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_HOST_CALL);
}

/*
 * An SMC32 call passes its arguments in W1..W3 (SMCCC; KVM narrows x1..x3
 * for PSCI_0_2_FN_CPU_ON and _AFFINITY_INFO): the decoder hands the VMM the
 * 32-bit values, so the target named by W1 is the one looked up.
 */
static void smc32_arguments_are_w_registers(void **state)
{
	struct cca_exit e;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);

	(void)state;
	rx->gprs[0] = CCA_PSCI_CPU_ON_32;
	rx->gprs[1] = JUNK_HI | 0x1;
	rx->gprs[2] = JUNK_HI | 0x80080000;
	rx->gprs[3] = JUNK_HI | 0x42;
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
	assert_int_equal(e.psci.fn, CCA_PSCI_FN_CPU_ON);
	assert_int_equal(e.psci.target_mpidr, 0x1);
	assert_int_equal(e.psci.entry, 0x80080000);
	assert_int_equal(e.psci.context_id, 0x42);

	/* SMC64: all 64 bits are the guest's (Aff3 lives in bits 39:32). */
	rx->gprs[0] = CCA_PSCI_CPU_ON_64;
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
	assert_int_equal(e.psci.target_mpidr, JUNK_HI | 0x1);
	assert_int_equal(e.psci.entry, JUNK_HI | 0x80080000);
	assert_int_equal(e.psci.context_id, JUNK_HI | 0x42);

	/* AFFINITY_INFO: the level (x2) too. */
	rx->gprs[0] = CCA_PSCI_AFFINITY_INFO_32;
	rx->gprs[2] = JUNK_HI;
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
	assert_int_equal(e.psci.target_mpidr, 0x1);
	assert_int_equal(e.psci.entry, 0);
}

/* ---- decoder: MMIO --------------------------------------------------- */

/*
 * A data abort's access size is 1 << ESR.SAS (1, 2, 4 or 8 bytes), and KVM
 * reports exactly that in run->mmio.len (kvm-realm-uapi.md §9: an exit needs
 * a valid syndrome). Any other length is not an exit KVM can produce.
 */
static void mmio_len_is_a_sas_size(void **state)
{
	struct cca_exit e;

	(void)state;
	for (uint32_t len = 0; len <= 16; len++) {
		struct kvm_run *run = new_run(KVM_EXIT_MMIO);
		run->mmio.phys_addr = DEV_IPA;
		run->mmio.len = len;
		run->mmio.is_write = 1;
		bool valid = len == 1 || len == 2 || len == 4 || len == 8;
		int ret = cca_exit_decode(run, 0, &ctx12, &e);
		if (valid) {
			assert_int_equal(ret, 0);
			assert_int_equal(e.kind, CCA_EXIT_MMIO);
			assert_int_equal(e.mmio.len, len);
		} else {
			if (ret != -CCA_E_BAD_EXIT)
				fail_msg("MMIO len %u decoded as %d, want -CCA_E_BAD_EXIT", len,
					 ret);
			assert_int_equal(e.kind, CCA_EXIT_UNKNOWN);
		}
	}
}

/* Write data is the low @len bytes, little-endian; bytes past @len are not the guest's. */
static void mmio_write_data_width(void **state)
{
	struct cca_exit e;
	static const uint8_t bytes[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	static const uint64_t want[9] = {
		[1] = 0x88, [2] = 0x7788, [4] = 0x55667788, [8] = 0x1122334455667788ULL
	};

	(void)state;
	for (uint32_t len = 1; len <= 8; len <<= 1) {
		struct kvm_run *run = new_run(KVM_EXIT_MMIO);
		run->mmio.phys_addr = DEV_IPA;
		run->mmio.len = len;
		run->mmio.is_write = 1;
		memcpy(run->mmio.data, bytes, sizeof(bytes));
		assert_int_equal(cca_exit_decode(run, 0, &ctx12, &e), 0);
		assert_int_equal(e.mmio.data, want[len]);

		struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);
		uint32_t sas = len == 1 ? 0 : len == 2 ? 1 : len == 4 ? 2 : 3;
		rx->esr = (0x24ULL << 26) | (1ULL << 24) | ((uint64_t)sas << 22) | (1ULL << 6);
		rx->hpfar = ((SHARED | DEV_IPA) >> 12) << 4;
		rx->gprs[0] = 0x1122334455667788ULL;
		assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_MMIO);
		assert_int_equal(e.mmio.len, len);
		assert_int_equal(e.mmio.data, want[len]);
	}
}

/* ---- decoder: memory faults and host calls ---------------------------- */

/*
 * memory_fault.flags: only KVM_MEMORY_EXIT_FLAG_PRIVATE is defined
 * (kvm-realm-uapi.md §1.3, §8.7); it alone says RAM (private) or EMPTY.
 */
static void memory_fault_flags(void **state)
{
	struct cca_exit e;
	struct cca_kvm_memory_fault mf = { .gpa = 0x80000000, .size = 0x1000 };

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);
		mf.flags = (i & 1 ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0) |
			   (i & 2 ? ~(uint64_t)KVM_MEMORY_EXIT_FLAG_PRIVATE : 0);
		memcpy((char *)run + offsetof(struct kvm_run, mmio), &mf, sizeof(mf));
		assert_int_equal(cca_exit_decode(run, -EFAULT, &ctx12, &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_RIPAS_CHANGE);
		assert_int_equal(e.ripas.ripas, (i & 1) ? CCA_RIPAS_RAM : CCA_RIPAS_EMPTY);
	}
}

/* RSI_HOST_CALL: the 16-bit immediate and all 31 registers, untouched (rmi-spec.md §5). */
static void host_call_all_registers(void **state)
{
	struct cca_exit e;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_HOST_CALL);

	(void)state;
	rx->imm = 0xFFFF;
	for (unsigned int i = 0; i < 31; i++)
		rx->gprs[i] = 0xF00D000000000000ULL | ((uint64_t)i << 40) | (0x84000000U + i);
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx12, &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_HOST_CALL);
	assert_int_equal(e.host_call.imm, 0xFFFF);
	assert_int_equal(e.host_call.fid, rx->gprs[0]); /* an RSI call's x0: no SMCCC narrowing */
	assert_memory_equal(e.host_call.gprs, rx->gprs, sizeof(e.host_call.gprs));
}

/* ---- user-space helpers on the mock kernel ----------------------------- */

static struct fx F;
static uint64_t completed_target;
static unsigned int completions;

static int recording_kernel(void *ctx, int fd, unsigned long req, void *arg)
{
	if (req == KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12) {
		const struct kvm_arm_rmi_psci_complete *c = arg;
		completed_target = c->target_mpidr;
		completions++;
	}
	return fx_fake_ioctl(ctx, fd, req, arg);
}

static int mock_td(void **state)
{
	(void)state;
	if (F.host)
		fx_teardown(&F);
	return 0;
}

/*
 * A guest CPU_ON / AFFINITY_INFO in the SMC32 form with junk in x1[63:32]
 * names the vCPU of W1: the helpers complete for that target and start it,
 * on every revision (v12/v13 through the completion ioctl).
 */
static void smc32_target_through_helpers(void **state)
{
	struct fx_opts o = { .nr_recs = 2, .psci_user = true };
	struct cca_exit e;

	fx_setup(&F, fx_rev_of(state), &o);
	fx_handler_mode(&F);
	mock_sys_set_handler(recording_kernel, &F);
	F.on_run = fx_run_hypercall;
	completions = 0;

	fx_next_hypercall.vcpu = 0;
	fx_next_hypercall.nr = CCA_PSCI_AFFINITY_INFO_32;
	fx_next_hypercall.x[1] = JUNK_HI | 0x1;
	fx_next_hypercall.x[2] = JUNK_HI; /* level W2 = 0 */
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	assert_int_equal(e.psci.target_mpidr, 0x1);
	assert_int_equal(e.psci.entry, 0);
	assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), 0);
	assert_int_equal(F.x0[0], CCA_PSCI_AFFINITY_OFF);

	fx_next_hypercall.nr = CCA_PSCI_CPU_ON_32;
	fx_next_hypercall.x[1] = JUNK_HI | 0x1;
	fx_next_hypercall.x[2] = JUNK_HI | 0x80080000;
	fx_next_hypercall.x[3] = JUNK_HI | 0x7;
	assert_int_equal(cca_rec_run(F.rec[0], &e), 0);
	fx_next_hypercall.vcpu = -1;
	assert_int_equal(e.psci.target_mpidr, 0x1);
	assert_int_equal(e.psci.entry, 0x80080000);
	assert_int_equal(e.psci.context_id, 0x7);
	assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), 0);
	assert_int_equal(cca_rec_is_on(F.rec[1]), 1);
	assert_int_equal(F.x0[0], CCA_PSCI_RET_SUCCESS);
	if (cca_abi_has(fx_rev_of(state), CCA_ABI_MANUAL_PSCI_COMPLETE)) {
		assert_int_equal(completions, 2);
		assert_int_equal(completed_target, 0x1);
	} else {
		assert_int_equal(completions, 0);
	}
	assert_int_equal(cca_psci_pending(F.rec[0], NULL), 0);
}

/*
 * Targets outside KVM's MPIDR space (Aff3, bits 31:24, bits 63:40): no vCPU
 * has them, and the helpers send nothing for them (kvm-realm-uapi.md §12.1:
 * the kernel answers an unknown MPIDR without a completion).
 */
static void non_affinity_bits_name_no_vcpu(void **state)
{
	static const uint64_t bad[] = { 0x100000001ULL, 0x01000001ULL, 0x80000001ULL,
					0x10000000001ULL, 0x11ULL };
	struct fx_opts o = { .nr_recs = 2, .psci_user = true };
	struct cca_exit e;

	fx_setup(&F, fx_rev_of(state), &o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.kind = CCA_EXIT_PSCI;
		e.flags = CCA_EXIT_F_ARGS_VALID | CCA_EXIT_F_SMC64;
		e.psci.fid = CCA_PSCI_CPU_ON_64;
		e.psci.fn = CCA_PSCI_FN_CPU_ON;
		e.psci.target_mpidr = bad[i];
		fx_strict();
		size_t n = mock_sys_ioctl_count();
		assert_int_equal(cca_psci_cpu_on(F.rec[0], &e, 0), -CCA_E_PSCI_TARGET);
		e.psci.fid = CCA_PSCI_AFFINITY_INFO_64;
		e.psci.fn = CCA_PSCI_FN_AFFINITY_INFO;
		assert_int_equal(cca_psci_affinity_info(F.rec[0], &e), -CCA_E_PSCI_TARGET);
		assert_int_equal(mock_sys_ioctl_count(), n);
		assert_int_equal(cca_rec_is_on(F.rec[1]), 0);
	}
}

/*
 * A RIPAS range the guest controls but the host cannot convert: unaligned
 * (RSI_IPA_STATE_SET takes granule-aligned ranges), or reaching past the
 * realm's memory. The accept helper refuses without a kernel call; on every
 * revision the refusal is the VMM not running that vCPU again (§8.7).
 */
static void ripas_accept_refuses(void **state)
{
	static const struct {
		uint64_t base, size;
		int err;
	} cases[] = {
		{ FX_RAM_BASE + 0x800, 0x1000, -EINVAL },
		{ FX_RAM_BASE, 0x800, -EINVAL },
		{ FX_RAM_BASE + FX_RAM_SIZE - 0x1000, 0x2000, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_BASE - 0x1000, 0x2000, -CCA_E_NOT_REALM_MEMORY },
		{ DEV_IPA, 0x1000, -CCA_E_NOT_REALM_MEMORY },
	};
	struct fx_opts o = { .nr_recs = 1 };

	fx_setup(&F, fx_rev_of(state), &o);
	fx_strict();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cca_exit e = { .kind = CCA_EXIT_RIPAS_CHANGE };
		e.ripas.base = cases[i].base;
		e.ripas.size = cases[i].size;
		e.ripas.ripas = i & 1 ? CCA_RIPAS_RAM : CCA_RIPAS_EMPTY;
		size_t n = mock_sys_ioctl_count();
		assert_int_equal(cca_mem_accept_ripas_change(F.realm, &e), cases[i].err);
		assert_int_equal(mock_sys_ioctl_count(), n);
	}
}

/* ---- end to end: the guest's own checks on the simulator -------------- */

#define E2E_IPA_BITS 33 /* RAM 0x80000000 + 64 MiB; the shared bit is 0x100000000 */

static void run_guest(const char *script, unsigned int nr, enum cca_abi_rev rev, bool user)
{
	struct sim_vmm v;
	struct sim_vmm_cfg c = { .rev = rev,
				 .guest = script,
				 .nr_cpus = nr,
				 .ipa_bits = E2E_IPA_BITS,
				 .psci_user = user };
	const char *how = user ? "user PSCI" : "kernel PSCI";
	char fail[256];

	int ret = sim_vmm_open(&v, &c);
	if (!ret)
		ret = sim_vmm_build(&v);
	if (ret)
		fail_msg("%s, %s: %s", cca_abi_rev_name(rev), how, v.err);
	ret = sim_vmm_run(&v);
	if (cca_sim_guest_failure(v.sim, cca_realm_vm_fd(v.realm), fail, sizeof(fail)) == 1)
		fail_msg("%s, %s: guest check failed: %s", cca_abi_rev_name(rev), how, fail);
	if (ret)
		fail_msg("%s, %s: %s", cca_abi_rev_name(rev), how, v.err);
	if (atomic_load(&v.system_off) != 1)
		fail_msg("%s, %s: the guest did not reach SYSTEM_OFF", cca_abi_rev_name(rev), how);
	sim_vmm_close(&v);
}

static void run_everywhere(const char *script, unsigned int nr)
{
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++)
		for (int user = 0; user <= 1; user++)
			run_guest(script, nr, (enum cca_abi_rev)rev, user);
}

/*
 * The RMM answers PSCI_VERSION and PSCI_FEATURES, and exits only for the
 * functions it emulates (kvm-realm-uapi.md §12.1, rmi-spec.md §10.1); any
 * other ID in a PSCI range, and the SMC64 forms PSCI does not define
 * (rmi-spec.md §11.1), is NOT_SUPPORTED (DEN0022: -1), and so is
 * PSCI_FEATURES of such an ID. x0[63:32] is not part of the ID.
 */
static void e2e_psci_function_ids(void **state)
{
	static const char script[] =
		"cpu 0:\n"
		"  raw psci 0xffffffff84000000 expect 0x10000\n" /* VERSION: PSCI 1.0 (§6.1) */
		"  raw psci 0x84000005 expect NOT_SUPPORTED\n" /* MIGRATE */
		"  raw psci 0x8400000b expect NOT_SUPPORTED\n"
		"  raw psci 0x8400001f expect NOT_SUPPORTED\n"
		"  raw psci 0xc4000002 1 2 3 expect NOT_SUPPORTED\n" /* no SMC64 CPU_OFF */
		"  raw psci 0xc4000008 expect NOT_SUPPORTED\n" /* no SMC64 SYSTEM_OFF */
		"  raw psci 0xc4000009 expect NOT_SUPPORTED\n"
		"  raw psci 0xc400000a 0x84000003 expect NOT_SUPPORTED\n"
		"  raw psci 0xc400001f expect NOT_SUPPORTED\n"
		"  raw psci 0xc2000000 1 2 3 expect NOT_SUPPORTED\n" /* not PSCI: SMCCC -1 */
		"  psci features 0x84000003 expect SUCCESS\n"
		"  psci features 0xc4000003 expect SUCCESS\n"
		"  psci features 0xc4000004 expect SUCCESS\n"
		"  psci features 0x84000008 expect SUCCESS\n"
		"  psci features 0x8400000a expect SUCCESS\n"
		"  psci features 0x84000005 expect NOT_SUPPORTED\n"
		"  psci features 0xc4000002 expect NOT_SUPPORTED\n"
		"  psci features 0xc4000008 expect NOT_SUPPORTED\n"
		"  psci features 0xc2000000 expect NOT_SUPPORTED\n"
		"  raw psci 0x8400000a 0xffffffff84000002 expect SUCCESS\n" /* SMC32: W1 */
		"  raw psci 0xffffffff84000004 0x0 0 expect 0\n" /* exits; x0[63:32] ignored */
		"  psci system_off\n";
	(void)state;
	run_everywhere(script, 1);
}

/*
 * CPU_ON's target MPIDR, entry point and context ID, as the guest sees the
 * answers: MPIDRs that give no REC index (Aff0 > 15, Aff3, bits 63:40)
 * INVALID_PARAMETERS; itself ALREADY_ON (rmi-spec.md §10.6: SUCCESS on a
 * runnable target); an entry point outside the protected half
 * INVALID_ADDRESS (DEN0022; the RMM starts the target at it, §10.6);
 * a second CPU_ON of a running vCPU ALREADY_ON; the SMC32 form reads W1..W3.
 * The started vCPUs check that entry point and context ID arrived intact.
 */
static void e2e_cpu_on_arguments(void **state)
{
	static const char script[] =
		"ipa-bits 33\n"
		"cpu 0:\n"
		"  psci cpu_on 0x10 0x80080000 0 expect INVALID_PARAMETERS\n"
		"  psci cpu_on 0xff 0x80080000 0 expect INVALID_PARAMETERS\n"
		"  psci cpu_on 0x100000001 0x80080000 0 expect INVALID_PARAMETERS\n"
		"  raw psci 0xc4000003 0x10000000001 0x80080000 0 expect INVALID_PARAMETERS\n"
		"  psci cpu_on 0x0 0x80080000 0 expect ALREADY_ON\n"
		"  psci cpu_on 0x1 0x100080000 0 expect INVALID_ADDRESS\n"
		"  psci cpu_on 0x1 0xffffffffffff0000 0 expect INVALID_ADDRESS\n"
		"  psci affinity_info 0x1 0 expect OFF\n"
		"  psci cpu_on 0x1 0x80080000 0xfedcba9876543210 expect SUCCESS\n"
		"  poll affinity_info 0x1 until on\n"
		"  psci cpu_on 0x1 0x80080000 0 expect ALREADY_ON\n"
		"  raw psci 0x84000003 0xa5a5a5a500000002 0x80090000 0x22 expect SUCCESS\n"
		"  poll affinity_info 0x2 until on\n"
		"  psci system_off\n"
		"cpu 1:\n"
		"  expect pc == 0x80080000\n"
		"  expect x0 == 0xfedcba9876543210\n"
		"  idle\n"
		"cpu 2:\n"
		"  expect pc == 0x80090000\n"
		"  expect x0 == 0x22\n"
		"  idle\n";
	(void)state;
	run_everywhere(script, 3);
}

/*
 * AFFINITY_INFO: a lowest affinity level other than 0 is
 * INVALID_PARAMETERS (kvm-realm-uapi.md §12.1), all 64 bits of it for the
 * SMC64 form and W2 for SMC32; a target without a REC index is
 * INVALID_PARAMETERS; itself is ON; a vCPU never started is OFF.
 */
static void e2e_affinity_info_arguments(void **state)
{
	static const char script[] =
		"cpu 0:\n"
		"  psci affinity_info 0x1 1 expect INVALID_PARAMETERS\n"
		"  psci affinity_info 0x1 2 expect INVALID_PARAMETERS\n"
		"  psci affinity_info 0x1 3 expect INVALID_PARAMETERS\n"
		"  raw psci 0xc4000004 0x1 4 expect INVALID_PARAMETERS\n"
		"  raw psci 0xc4000004 0x1 0x100000000 expect INVALID_PARAMETERS\n"
		"  raw psci 0x84000004 0x1 0xa5a5a5a500000000 expect 1\n"
		"  psci affinity_info 0x10 0 expect INVALID_PARAMETERS\n"
		"  psci affinity_info 0x100000000 0 expect INVALID_PARAMETERS\n"
		"  psci affinity_info 0x0 0 expect ON\n"
		"  psci affinity_info32 0x0 0 expect ON\n"
		"  psci affinity_info 0x1 0 expect OFF\n"
		"  psci system_off\n";
	(void)state;
	run_everywhere(script, 2);
}

/*
 * RSI_IPA_STATE_SET ranges the RMM refuses itself, without an exit (the
 * host never sees them): empty, inverted, unaligned, reaching into or lying
 * in the unprotected half or beyond the IPA space, and RIPAS values other
 * than RAM and EMPTY. A valid one round-trips through the host.
 */
static void e2e_ripas_ranges(void **state)
{
	static const char script[] = "cpu 0:\n"
				     "  raw ripas 0x80001000 0x80001000 empty expect rejected\n"
				     "  raw ripas 0x80002000 0x80001000 empty expect rejected\n"
				     "  raw ripas 0x80000800 0x80001000 empty expect rejected\n"
				     "  raw ripas 0x80000000 0x80000800 empty expect rejected\n"
				     "  raw ripas 0xfffff000 0x100001000 ram expect rejected\n"
				     "  raw ripas 0x100000000 0x100001000 ram expect rejected\n"
				     "  raw ripas 0x300000000 0x300001000 ram expect rejected\n"
				     "  raw ripas 0xfffffffffffff000 0x1000 ram expect rejected\n"
				     "  raw ripas 0x80000000 0x80001000 destroyed expect rejected\n"
				     "  raw ripas 0x80000000 0x80001000 dev expect rejected\n"
				     "  raw ripas 0x80000000 0x80001000 200 expect rejected\n"
				     "  ripas 0x83000000 0x1000 empty expect accepted\n"
				     "  ripas 0x83000000 0x1000 ram expect accepted\n"
				     "  psci system_off\n";
	(void)state;
	run_everywhere(script, 1);
}

/*
 * An RSI host call whose x0 is not forwarded: KVM's SMCCC handler answers
 * NOT_SUPPORTED (-1) in x0 with x1..x3 = 0 (smccc_set_retval), and the RMM
 * returns the other registers as they were (rmi-spec.md §6.1: all 31 come
 * back from the entry record). The 16-bit immediate is ignored (§9).
 */
static void e2e_host_call_not_forwarded(void **state)
{
	static const char script[] =
		"cpu 0:\n"
		"  hostcall 0xffff x0=0x12345678 x1=1 x2=2 x3=3 x4=4 x30=0x3030"
		" expect x0 == -1 expect x1 == 0 expect x2 == 0 expect x3 == 0"
		" expect x4 == 4 expect x30 == 0x3030\n"
		"  psci system_off\n";
	(void)state;
	run_everywhere(script, 1);
}

/*
 * MMIO seen by the VMM, on a loop of our own: the guest's write data at its
 * width, the host's read data truncated to the access width, and no MMIO
 * exit for a protected-half access (kvm-realm-uapi.md §8.1: MMIO is the
 * unprotected half; a protected fault outside any memslot is an SEA).
 */
static void e2e_mmio_widths(void **state)
{
	static const char script[] = "ipa-bits 33\n"
				     "cpu 0:\n"
				     "  raw mmio write 0x09000010 4 0x41\n" /* protected: no exit */
				     "  mmio read 0x9000000 1 expect 0x88\n"
				     "  mmio read 0x9000000 2 expect 0x7788\n"
				     "  mmio read 0x9000000 4 expect 0x55667788\n"
				     "  mmio read 0x9000000 8 expect 0x1122334455667788\n"
				     "  mmio write 0x9000008 1 0xab\n"
				     "  mmio write 0x9000008 2 0xbeef\n"
				     "  mmio write 0x9000008 8 0x0123456789abcdef\n"
				     "  psci system_off\n";
	static const struct {
		int write;
		uint64_t ipa;
		uint32_t len;
		uint64_t data;
	} want[] = {
		{ 0, DEV_IPA, 1, 0 },
		{ 0, DEV_IPA, 2, 0 },
		{ 0, DEV_IPA, 4, 0 },
		{ 0, DEV_IPA, 8, 0 },
		{ 1, DEV_IPA + 8, 1, 0xab },
		{ 1, DEV_IPA + 8, 2, 0xbeef },
		{ 1, DEV_IPA + 8, 8, 0x0123456789abcdefULL },
	};
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct sim_vmm v;
		struct sim_vmm_cfg c = { .rev = (enum cca_abi_rev)rev,
					 .guest = script,
					 .nr_cpus = 1,
					 .ipa_bits = E2E_IPA_BITS };
		struct cca_exit e;
		size_t n = 0;

		if (sim_vmm_open(&v, &c) || sim_vmm_build(&v))
			fail_msg("%s", v.err);
		for (;;) {
			assert_int_equal(cca_rec_run(v.rec[0], &e), 0);
			if (e.kind == CCA_EXIT_SYSTEM_OFF)
				break;
			if (e.kind != CCA_EXIT_MMIO) {
				char line[160];
				cca_exit_format(&e, line, sizeof(line));
				fail_msg("%s: unexpected exit %s", cca_abi_rev_name(rev), line);
			}
			assert_true(n < sizeof(want) / sizeof(want[0]));
			assert_int_equal(e.mmio.is_write, want[n].write);
			assert_int_equal(e.mmio.ipa, want[n].ipa);
			assert_int_equal(e.mmio.len, want[n].len);
			assert_int_equal(e.mmio.data, want[n].data);
			if (!e.mmio.is_write)
				assert_int_equal(
					cca_rec_set_mmio_data(v.rec[0], 0x1122334455667788ULL), 0);
			n++;
		}
		assert_int_equal(n, sizeof(want) / sizeof(want[0]));
		assert_int_equal(cca_sim_guest_failure(v.sim, cca_realm_vm_fd(v.realm), NULL, 0),
				 0);
		sim_vmm_close(&v);
	}
}

/*
 * A RIPAS change the RMM lets through but the realm's memory does not cover
 * (it runs past the end of RAM): libcca refuses to accept it and changes
 * nothing; not running the vCPU again is the rejection (§8.7).
 */
static void e2e_ripas_past_ram(void **state)
{
	static const char script[] = "cpu 0:\n"
				     "  ripas 0x83fff000 0x2000 empty\n"
				     "  psci system_off\n";
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct sim_vmm v;
		struct sim_vmm_cfg c = { .rev = (enum cca_abi_rev)rev,
					 .guest = script,
					 .nr_cpus = 1,
					 .ipa_bits = E2E_IPA_BITS };
		struct cca_exit e;

		if (sim_vmm_open(&v, &c) || sim_vmm_build(&v))
			fail_msg("%s", v.err);
		assert_int_equal(cca_rec_run(v.rec[0], &e), 0);
		assert_int_equal(e.kind, CCA_EXIT_RIPAS_CHANGE);
		assert_int_equal(e.ripas.base, 0x83fff000);
		assert_int_equal(e.ripas.size, 0x2000);
		assert_int_equal(cca_mem_accept_ripas_change(v.realm, &e), -CCA_E_NOT_REALM_MEMORY);
		sim_vmm_close(&v);
	}
}

#define MOCK_ALL(fn)                                                    \
	{ #fn "/v12", fn, NULL, mock_td, (void *)&fx_revs[0] },         \
		{ #fn "/v13", fn, NULL, mock_td, (void *)&fx_revs[1] }, \
		{ #fn "/v14", fn, NULL, mock_td, (void *)&fx_revs[2] }, \
	{                                                               \
#fn "/v15", fn, NULL, mock_td, (void *)&fx_revs[3]      \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fid_upper_bits_ignored),
		cmocka_unit_test(fid_unknown_in_range),
		cmocka_unit_test(smc32_arguments_are_w_registers),
		cmocka_unit_test(mmio_len_is_a_sas_size),
		cmocka_unit_test(mmio_write_data_width),
		cmocka_unit_test(memory_fault_flags),
		cmocka_unit_test(host_call_all_registers),
		MOCK_ALL(smc32_target_through_helpers),
		MOCK_ALL(non_affinity_bits_name_no_vcpu),
		MOCK_ALL(ripas_accept_refuses),
		cmocka_unit_test(e2e_psci_function_ids),
		cmocka_unit_test(e2e_cpu_on_arguments),
		cmocka_unit_test(e2e_affinity_info_arguments),
		cmocka_unit_test(e2e_ripas_ranges),
		cmocka_unit_test(e2e_host_call_not_forwarded),
		cmocka_unit_test(e2e_mmio_widths),
		cmocka_unit_test(e2e_ripas_past_ram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
