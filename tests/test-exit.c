// SPDX-License-Identifier: MIT
/*
 * Description: exit decoding. cca_exit_decode() (KVM_RUN's result plus
 * struct kvm_run) and cca_exit_decode_rec_exit() (RmiRecExit) for every
 * exit kind, every malformed input, both PSCI ID forms and the EAGAIN
 * revision switch; PSCI ID decoding; names; cca_exit_format() text and
 * truncation. Every decode starts from an output pre-filled with 0xA5 and
 * most checks compare the whole struct, so a stale byte fails the test.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rmi/cca.h>

#define FILL 0xA5
#define IPA_BITS 40
#define SHARED (1ULL << (IPA_BITS - 1)) /* 0x80_0000_0000 */
#define DEV_IPA 0x9000000ULL
#define RAM_BASE 0x80000000ULL

static const struct cca_exit_ctx ctx_v12 = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V12 };
static const struct cca_exit_ctx ctx_v13 = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V13 };
static const struct cca_exit_ctx ctx_v14 = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V14 };
static const struct cca_exit_ctx ctx_v15 = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V15 };

/* ---- helpers ---------------------------------------------------------- */

static struct kvm_run run_buf;
static struct cca_rmi_rec_exit rx_buf;

static struct kvm_run *new_run(uint32_t reason)
{
	memset(&run_buf, 0, sizeof(run_buf));
	run_buf.exit_reason = reason;
	return &run_buf;
}

static struct cca_rmi_rec_exit *new_rx(uint8_t reason)
{
	memset(&rx_buf, 0, sizeof(rx_buf));
	rx_buf.exit_reason = reason;
	return &rx_buf;
}

static void zero_exit(struct cca_exit *e)
{
	memset(e, 0, sizeof(*e));
}

static size_t defined_bytes(const struct cca_exit *e);

/*
 * Every KVM_RUN case decodes twice: through the library's cca_exit_decode()
 * and through cca_exit_decode_inline() compiled here. Both must give the
 * same return and the same defined bytes.
 */
static int decode(const struct kvm_run *run, int ret, const struct cca_exit_ctx *ctx,
		  struct cca_exit *out)
{
	struct cca_exit inl;
	int r, r_inl;

	memset(out, FILL, sizeof(*out));
	memset(&inl, FILL, sizeof(inl));
	r = cca_exit_decode(run, ret, ctx, out);
	r_inl = cca_exit_decode_inline(run, ret, ctx, &inl);
	assert_int_equal(r, r_inl);
	assert_memory_equal(out, &inl, defined_bytes(out));
	return r;
}

static int decode_rx(const struct cca_rmi_rec_exit *rx, const struct cca_exit_ctx *ctx,
		     struct cca_exit *out)
{
	memset(out, FILL, sizeof(*out));
	return cca_exit_decode_rec_exit(rx, ctx, out);
}

/*
 * The bytes an exit defines (exit.h): the header and every field of the
 * kind's union member, system.data up to ndata, host_call.gprs only when
 * loaded. Everything else may keep the caller's bytes: the decoder does not
 * clear 280 bytes per exit.
 */
static size_t defined_bytes(const struct cca_exit *e)
{
	size_t head = offsetof(struct cca_exit, mmio);
	switch (e->kind) {
	case CCA_EXIT_MMIO:
		return head + sizeof(e->mmio);
	case CCA_EXIT_PSCI:
		return head + sizeof(e->psci);
	case CCA_EXIT_RIPAS_CHANGE:
		return head + sizeof(e->ripas);
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SYSTEM_RESET:
		return offsetof(struct cca_exit, system.data) + e->system.ndata * sizeof(uint64_t);
	case CCA_EXIT_HOST_CALL:
		return (e->flags & CCA_EXIT_F_ARGS_VALID) ?
			       sizeof(*e) :
			       offsetof(struct cca_exit, host_call.gprs);
	case CCA_EXIT_INTERNAL_ERROR:
		return head + ((e->flags & CCA_EXIT_F_FROM_REC_EXIT) ? sizeof(e->sync) :
								       sizeof(e->internal));
	case CCA_EXIT_SYNC:
		return head + sizeof(e->sync);
	default:
		return head;
	}
}

static void assert_exit_equal(const struct cca_exit *got, const struct cca_exit *want)
{
	assert_int_equal(got->kind, want->kind);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->error, want->error);
	assert_int_equal(got->raw_reason, want->raw_reason);
	assert_memory_equal(got, want, defined_bytes(want));
}

/* A KVM exit that must be rejected: UNKNOWN, raw_reason kept, nothing else. */
static void assert_bad_kvm(const struct kvm_run *run, int ret, const struct cca_exit_ctx *ctx)
{
	struct cca_exit out, want;

	assert_int_equal(decode(run, ret, ctx, &out), -CCA_E_BAD_EXIT);
	zero_exit(&want);
	want.kind = CCA_EXIT_UNKNOWN;
	want.raw_reason = run->exit_reason;
	assert_exit_equal(&out, &want);
}

static void assert_bad_rx(const struct cca_rmi_rec_exit *rx)
{
	struct cca_exit out, want;

	assert_int_equal(decode_rx(rx, &ctx_v12, &out), -CCA_E_BAD_EXIT);
	zero_exit(&want);
	want.kind = CCA_EXIT_UNKNOWN;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = rx->exit_reason;
	assert_exit_equal(&out, &want);
}

static void set_memory_fault(struct kvm_run *run, uint64_t flags, uint64_t gpa, uint64_t size)
{
	struct cca_kvm_memory_fault mf = { .flags = flags, .gpa = gpa, .size = size };

	memcpy((char *)run + offsetof(struct kvm_run, mmio), &mf, sizeof(mf));
}

static void set_mmio(struct kvm_run *run, uint64_t addr, uint32_t len, uint8_t is_write)
{
	static const uint8_t bytes[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
	memcpy(run->mmio.data, bytes, sizeof(bytes));
}

/* ESR for a data abort from a lower EL with a valid syndrome. */
static uint64_t dabt_esr(unsigned int sas, int write)
{
	return (0x24ULL << 26) | (1ULL << 24) | ((uint64_t)sas << 22) | (write ? 1ULL << 6 : 0);
}

static void set_abort(struct cca_rmi_rec_exit *rx, uint64_t esr, uint64_t ipa)
{
	rx->esr = esr;
	rx->hpfar = (ipa >> 12) << 4;
	rx->far = 0xFFFF800012345000ULL | (ipa & 0xfff); /* a VA: only bits 11:0 matter */
	rx->gprs[0] = 0xDEADBEEFCAFEF00DULL;
	rx->gprs[1] = 0x5A5A5A5A5A5A5A5AULL;
}

/* ---- cca_exit_decode(): argument checks and KVM_RUN errors ------------- */

static void decode_null_args(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_SHUTDOWN);
	struct cca_exit_ctx bad = ctx_v12;

	(void)state;
	zero_exit(&want);
	assert_int_equal(cca_exit_decode(run, 0, &ctx_v12, NULL), -EINVAL);
	assert_int_equal(decode(NULL, 0, &ctx_v12, &out), -EINVAL);
	assert_exit_equal(&out, &want);
	assert_int_equal(decode(run, 0, NULL, &out), -EINVAL);
	assert_exit_equal(&out, &want);
	bad.ipa_bits = CCA_IPA_BITS_MIN - 1;
	assert_int_equal(decode(run, 0, &bad, &out), -EINVAL);
	assert_exit_equal(&out, &want);
	bad.ipa_bits = CCA_IPA_BITS_MAX + 1;
	assert_int_equal(decode(run, 0, &bad, &out), -EINVAL);
	assert_exit_equal(&out, &want);
}

static void decode_eintr(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO); /* stale reason from the last exit */

	(void)state;
	assert_int_equal(decode(run, -EINTR, &ctx_v13, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_INTR;
	want.raw_reason = KVM_EXIT_MMIO;
	assert_exit_equal(&out, &want);
}

static void decode_eagain_before_v14_is_fatal(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_UNKNOWN);

	(void)state;
	zero_exit(&want);
	want.kind = CCA_EXIT_FATAL;
	want.error = EAGAIN;
	assert_int_equal(decode(run, -EAGAIN, &ctx_v13, &out), 0);
	assert_exit_equal(&out, &want);
	assert_int_equal(decode(run, -EAGAIN, &ctx_v12, &out), 0);
	assert_exit_equal(&out, &want);
}

static void decode_eagain_v14_is_retry(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_UNKNOWN);

	(void)state;
	zero_exit(&want);
	want.kind = CCA_EXIT_RETRY;
	assert_int_equal(decode(run, -EAGAIN, &ctx_v14, &out), 0);
	assert_exit_equal(&out, &want);
	assert_int_equal(decode(run, -EAGAIN, &ctx_v15, &out), 0);
	assert_exit_equal(&out, &want);
}

static void decode_efault_without_memory_fault_is_fatal(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	/* A plausible memory-fault payload must not be read for another reason. */
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, RAM_BASE, 0x1000);
	assert_int_equal(decode(run, -EFAULT, &ctx_v13, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_FATAL;
	want.error = EFAULT;
	want.raw_reason = KVM_EXIT_MMIO;
	assert_exit_equal(&out, &want);
}

static void decode_other_errno_is_fatal(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);

	(void)state;
	/* EINVAL with a stale memory-fault reason is not a RIPAS change. */
	set_memory_fault(run, 0, RAM_BASE, 0x1000);
	assert_int_equal(decode(run, -EINVAL, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_FATAL;
	want.error = EINVAL;
	want.raw_reason = KVM_EXIT_MEMORY_FAULT;
	assert_exit_equal(&out, &want);

	run = new_run(KVM_EXIT_UNKNOWN);
	assert_int_equal(decode(run, -ENXIO, &ctx_v14, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_FATAL;
	want.error = ENXIO;
	assert_exit_equal(&out, &want);
}

static void decode_bogus_run_ret(void **state)
{
	(void)state;
	assert_bad_kvm(new_run(KVM_EXIT_SHUTDOWN), 1, &ctx_v12);
	assert_bad_kvm(new_run(KVM_EXIT_SHUTDOWN), INT_MIN, &ctx_v12);
	assert_bad_kvm(new_run(KVM_EXIT_SHUTDOWN), -4096, &ctx_v12);
}

/* ---- cca_exit_decode(): memory faults ---------------------------------- */

static void decode_memory_fault_private_is_ram(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);

	(void)state;
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, 0x8123000ULL, 0x7000);
	assert_int_equal(decode(run, -EFAULT, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_RIPAS_CHANGE;
	want.raw_reason = KVM_EXIT_MEMORY_FAULT;
	want.ripas.base = 0x8123000ULL;
	want.ripas.size = 0x7000;
	want.ripas.ripas = CCA_RIPAS_RAM;
	assert_exit_equal(&out, &want);
}

static void decode_memory_fault_shared_is_empty(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);

	(void)state;
	/* Ends exactly at the top of the protected half: still valid. */
	set_memory_fault(run, 0, SHARED - 0x3000, 0x3000);
	assert_int_equal(decode(run, -EFAULT, &ctx_v14, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_RIPAS_CHANGE;
	want.raw_reason = KVM_EXIT_MEMORY_FAULT;
	want.ripas.base = SHARED - 0x3000;
	want.ripas.size = 0x3000;
	want.ripas.ripas = CCA_RIPAS_EMPTY;
	assert_exit_equal(&out, &want);
}

static void decode_memory_fault_with_ret_0(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);

	(void)state;
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, 0x4442000ULL, 0x1000);
	assert_int_equal(decode(run, 0, &ctx_v15, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_RIPAS_CHANGE);
	assert_int_equal(out.ripas.base, 0x4442000ULL);
	assert_int_equal(out.ripas.size, 0x1000);
	assert_int_equal(out.ripas.ripas, CCA_RIPAS_RAM);
}

static void decode_memory_fault_malformed(void **state)
{
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);

	(void)state;
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, RAM_BASE, 0); /* empty */
	assert_bad_kvm(run, -EFAULT, &ctx_v12);
	set_memory_fault(run, 0, 0xFFFFFFFFFFFFF000ULL, 0x2000); /* wraps */
	assert_bad_kvm(run, -EFAULT, &ctx_v12);
	set_memory_fault(run, 0, 0xFFFFFFFFFFFFF000ULL, 0x1000); /* ends at 2^64 */
	assert_bad_kvm(run, -EFAULT, &ctx_v12);
	set_memory_fault(run, 0, SHARED - 0x1000, 0x2000); /* reaches the shared half */
	assert_bad_kvm(run, -EFAULT, &ctx_v12);
	set_memory_fault(run, 0, SHARED | RAM_BASE, 0x1000); /* inside the shared half */
	assert_bad_kvm(run, 0, &ctx_v12);
}

static void decode_memory_fault_uses_ipa_bits(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_MEMORY_FAULT);
	struct cca_exit_ctx wide = ctx_v12;

	(void)state;
	/* Upper half for 40 bits, protected half for 48 bits. */
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, SHARED | RAM_BASE, 0x1000);
	wide.ipa_bits = 48;
	assert_int_equal(decode(run, -EFAULT, &wide, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_RIPAS_CHANGE);
	assert_int_equal(out.ripas.base, SHARED | RAM_BASE);
	assert_bad_kvm(run, -EFAULT, &ctx_v12);
}

/* ---- cca_exit_decode(): MMIO -------------------------------------------- */

static void decode_mmio_write(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	set_mmio(run, DEV_IPA + 0x18, 4, 1);
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_MMIO;
	want.raw_reason = KVM_EXIT_MMIO;
	want.mmio.ipa = DEV_IPA + 0x18;
	want.mmio.len = 4;
	want.mmio.is_write = 1;
	want.mmio.data = 0x44332211ULL; /* little-endian, bytes past len ignored */
	assert_exit_equal(&out, &want);
}

static void decode_mmio_write_sizes(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	set_mmio(run, DEV_IPA, 1, 1);
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.len, 1);
	assert_int_equal(out.mmio.data, 0x11);
	set_mmio(run, DEV_IPA, 2, 0x80); /* any non-zero is_write is a write */
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.is_write, 1);
	assert_int_equal(out.mmio.data, 0x2211);
	set_mmio(run, DEV_IPA, 8, 1);
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.len, 8);
	assert_int_equal(out.mmio.data, 0x8877665544332211ULL);
}

static void decode_mmio_read(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	set_mmio(run, DEV_IPA + 0x40, 2, 0); /* stale bytes in data[] */
	assert_int_equal(decode(run, 0, &ctx_v13, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_MMIO;
	want.raw_reason = KVM_EXIT_MMIO;
	want.mmio.ipa = DEV_IPA + 0x40;
	want.mmio.len = 2;
	assert_exit_equal(&out, &want);
}

static void decode_mmio_bad_len(void **state)
{
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	set_mmio(run, DEV_IPA, 0, 1);
	assert_bad_kvm(run, 0, &ctx_v12);
	set_mmio(run, DEV_IPA, 9, 0);
	assert_bad_kvm(run, 0, &ctx_v12);
	set_mmio(run, DEV_IPA, 0x80000004U, 0);
	assert_bad_kvm(run, 0, &ctx_v12);
}

static void decode_mmio_strips_shared_bit(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);

	(void)state;
	set_mmio(run, SHARED | DEV_IPA, 4, 0);
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_MMIO;
	want.flags = CCA_EXIT_F_SHARED_BIT;
	want.raw_reason = KVM_EXIT_MMIO;
	want.mmio.ipa = DEV_IPA;
	want.mmio.len = 4;
	assert_exit_equal(&out, &want);
}

static void decode_mmio_beyond_ipa_space(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);
	struct cca_exit_ctx wide = ctx_v12;

	(void)state;
	set_mmio(run, (1ULL << IPA_BITS) | DEV_IPA, 4, 0);
	assert_bad_kvm(run, 0, &ctx_v12);
	/* The same address is a protected-half address of a 48-bit realm. */
	wide.ipa_bits = 48;
	assert_int_equal(decode(run, 0, &wide, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_MMIO);
	assert_int_equal(out.flags, 0);
	assert_int_equal(out.mmio.ipa, (1ULL << IPA_BITS) | DEV_IPA);
}

/* ---- cca_exit_decode(): hypercalls ------------------------------------- */

static void decode_hypercall_psci_smc32(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = CCA_PSCI_CPU_ON_32;
	run->hypercall.args[0] = 0x77; /* not filled on arm64: must not be read */
	run->hypercall.args[1] = 0x78;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_PSCI;
	want.raw_reason = KVM_EXIT_HYPERCALL;
	want.psci.fid = 0x84000003U;
	want.psci.fn = CCA_PSCI_FN_CPU_ON;
	assert_exit_equal(&out, &want);
}

static void decode_hypercall_psci_smc64(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = 0xC4000004U;
	assert_int_equal(decode(run, 0, &ctx_v14, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_PSCI;
	want.flags = CCA_EXIT_F_SMC64;
	want.raw_reason = KVM_EXIT_HYPERCALL;
	want.psci.fid = 0xC4000004U;
	want.psci.fn = CCA_PSCI_FN_AFFINITY_INFO;
	assert_exit_equal(&out, &want);
}

static void decode_hypercall_psci_range_edges(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = 0x8400001FU; /* last ID of the range */
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_PSCI);
	assert_int_equal(out.psci.fn, CCA_PSCI_FN_OTHER);
	assert_int_equal(out.psci.fid, 0x8400001FU);
	run->hypercall.nr = 0xC400001FU;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_PSCI);
	assert_int_equal(out.psci.fn, CCA_PSCI_FN_OTHER);
	assert_int_equal(out.flags, CCA_EXIT_F_SMC64);
	run->hypercall.nr = 0x84000020U; /* first ID past it: a host call */
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_HOST_CALL);
	assert_int_equal(out.host_call.fid, 0x84000020U);
	run->hypercall.nr = 0x83FFFFFFU;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_HOST_CALL);
}

static void decode_hypercall_psci_system_events(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = CCA_PSCI_SYSTEM_OFF;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYSTEM_OFF;
	want.flags = CCA_EXIT_F_VIA_PSCI;
	want.raw_reason = KVM_EXIT_HYPERCALL;
	want.system.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_exit_equal(&out, &want);

	run->hypercall.nr = CCA_PSCI_SYSTEM_RESET;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	want.kind = CCA_EXIT_SYSTEM_RESET;
	want.system.type = KVM_SYSTEM_EVENT_RESET;
	assert_exit_equal(&out, &want);
}

static void decode_hypercall_host_call(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_HYPERCALL);

	(void)state;
	run->hypercall.nr = 0xC7000123U;
	run->hypercall.args[0] = 0x99;
	assert_int_equal(decode(run, 0, &ctx_v13, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_HOST_CALL;
	want.raw_reason = KVM_EXIT_HYPERCALL;
	want.host_call.fid = 0xC7000123U;
	assert_exit_equal(&out, &want);
}

/* ---- cca_exit_decode(): system events and the rest ---------------------- */

static void decode_system_event_shutdown_and_reset(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_SYSTEM_EVENT);

	(void)state;
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	run->system_event.ndata = 2;
	run->system_event.data[0] = 0x5150;
	run->system_event.data[1] = 0xD00D;
	run->system_event.data[2] = 0xBAD; /* past ndata: not copied */
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYSTEM_OFF;
	want.raw_reason = KVM_EXIT_SYSTEM_EVENT;
	want.system.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	want.system.ndata = 2;
	want.system.data[0] = 0x5150;
	want.system.data[1] = 0xD00D;
	assert_exit_equal(&out, &want);

	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	run->system_event.ndata = 0;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYSTEM_RESET;
	want.raw_reason = KVM_EXIT_SYSTEM_EVENT;
	want.system.type = KVM_SYSTEM_EVENT_RESET;
	assert_exit_equal(&out, &want);
}

static void decode_system_event_ndata_capped(void **state)
{
	struct cca_exit out;
	struct kvm_run *run = new_run(KVM_EXIT_SYSTEM_EVENT);

	(void)state;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	run->system_event.ndata = 1000;
	for (unsigned int i = 0; i < 16; i++)
		run->system_event.data[i] = 0xE000 + i;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_int_equal(out.system.ndata, 16);
	assert_int_equal(out.system.data[0], 0xE000);
	assert_int_equal(out.system.data[15], 0xE00F);
}

static void decode_system_event_unknown_type(void **state)
{
	struct kvm_run *run = new_run(KVM_EXIT_SYSTEM_EVENT);

	(void)state;
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_bad_kvm(run, 0, &ctx_v12);
	run->system_event.type = 0;
	assert_bad_kvm(run, 0, &ctx_v12);
}

static void decode_shutdown(void **state)
{
	struct cca_exit out, want;

	(void)state;
	assert_int_equal(decode(new_run(KVM_EXIT_SHUTDOWN), 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SHUTDOWN;
	want.raw_reason = KVM_EXIT_SHUTDOWN;
	assert_exit_equal(&out, &want);
}

static void decode_internal_error(void **state)
{
	struct cca_exit out, want;
	struct kvm_run *run = new_run(KVM_EXIT_INTERNAL_ERROR);

	(void)state;
	run->internal.suberror = 0x5EB;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_INTERNAL_ERROR;
	want.raw_reason = KVM_EXIT_INTERNAL_ERROR;
	want.internal.suberror = 0x5EB;
	assert_exit_equal(&out, &want);
}

static void decode_unknown_reason(void **state)
{
	(void)state;
	assert_bad_kvm(new_run(KVM_EXIT_IO), 0, &ctx_v12);
	assert_bad_kvm(new_run(KVM_EXIT_UNKNOWN), 0, &ctx_v12);
	assert_bad_kvm(new_run(0xDEAD), 0, &ctx_v12);
}

/* ---- cca_exit_decode_rec_exit() ---------------------------------------- */

static void rec_null_args(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_IRQ);
	struct cca_exit_ctx bad = ctx_v12;

	(void)state;
	zero_exit(&want);
	assert_int_equal(cca_exit_decode_rec_exit(rx, &ctx_v12, NULL), -EINVAL);
	assert_int_equal(decode_rx(NULL, &ctx_v12, &out), -EINVAL);
	assert_exit_equal(&out, &want);
	assert_int_equal(decode_rx(rx, NULL, &out), -EINVAL);
	assert_exit_equal(&out, &want);
	bad.ipa_bits = 0;
	assert_int_equal(decode_rx(rx, &bad, &out), -EINVAL);
	assert_exit_equal(&out, &want);
}

static void rec_mmio_write(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	set_abort(rx, dabt_esr(2, 1), SHARED | (DEV_IPA + 0x678));
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_MMIO;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_SHARED_BIT;
	want.raw_reason = CCA_RMI_EXIT_SYNC;
	want.mmio.ipa = DEV_IPA + 0x678;
	want.mmio.len = 4;
	want.mmio.is_write = 1;
	want.mmio.data = 0xCAFEF00DULL;
	assert_exit_equal(&out, &want);
}

static void rec_mmio_sizes(void **state)
{
	struct cca_exit out;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	set_abort(rx, dabt_esr(0, 1), SHARED | DEV_IPA);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.len, 1);
	assert_int_equal(out.mmio.data, 0x0D);
	set_abort(rx, dabt_esr(1, 1), SHARED | DEV_IPA);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.len, 2);
	assert_int_equal(out.mmio.data, 0xF00D);
	set_abort(rx, dabt_esr(3, 1), SHARED | DEV_IPA);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.mmio.len, 8);
	assert_int_equal(out.mmio.data, 0xDEADBEEFCAFEF00DULL);
}

static void rec_mmio_read(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	set_abort(rx, dabt_esr(3, 0), SHARED | (DEV_IPA + 0x10));
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_MMIO;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_SHARED_BIT;
	want.raw_reason = CCA_RMI_EXIT_SYNC;
	want.mmio.ipa = DEV_IPA + 0x10;
	want.mmio.len = 8;
	assert_exit_equal(&out, &want);
}

static void rec_mmio_hpfar_upper_bits_ignored(void **state)
{
	struct cca_exit out;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	/*
	 * Bits outside HPFAR_EL2.FIPA [43:4] are not address bits: bit 44 would
	 * be IPA bit 52 (beyond any realm), bit 63 is NS, bits 3:0 are RES0.
	 */
	set_abort(rx, dabt_esr(2, 0), SHARED | DEV_IPA);
	rx->hpfar |= (1ULL << 63) | (1ULL << 44) | 0xF;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_MMIO);
	assert_int_equal(out.mmio.ipa, DEV_IPA);
}

static void rec_sync_protected_half_is_not_mmio(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	set_abort(rx, dabt_esr(2, 1), RAM_BASE + 0x234);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYNC;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = CCA_RMI_EXIT_SYNC;
	want.sync.esr = rx->esr;
	want.sync.far = rx->far;
	want.sync.hpfar = rx->hpfar;
	assert_exit_equal(&out, &want);
}

static void rec_sync_other(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	/* Data abort without ISV. */
	set_abort(rx, dabt_esr(2, 1) & ~(1ULL << 24), SHARED | DEV_IPA);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYNC;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = CCA_RMI_EXIT_SYNC;
	want.sync.esr = rx->esr;
	want.sync.far = rx->far;
	want.sync.hpfar = rx->hpfar;
	assert_exit_equal(&out, &want);

	/* Instruction abort (EC 0x20) with an ISV-looking bit. */
	rx->esr = (0x20ULL << 26) | (1ULL << 24);
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_SYNC);
	assert_int_equal(out.sync.esr, rx->esr);

	/* A trapped system register access (EC 0x18). */
	rx->esr = (0x18ULL << 26) | 0x1234;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.kind, CCA_EXIT_SYNC);
	assert_int_equal(out.sync.esr, (0x18ULL << 26) | 0x1234);
}

static void rec_mmio_beyond_ipa_space(void **state)
{
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SYNC);

	(void)state;
	set_abort(rx, dabt_esr(2, 1), (1ULL << IPA_BITS) | SHARED | DEV_IPA);
	assert_bad_rx(rx);
}

static void rec_irq_fiq(void **state)
{
	struct cca_exit out, want;

	(void)state;
	zero_exit(&want);
	want.kind = CCA_EXIT_IRQ;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = CCA_RMI_EXIT_IRQ;
	assert_int_equal(decode_rx(new_rx(CCA_RMI_EXIT_IRQ), &ctx_v12, &out), 0);
	assert_exit_equal(&out, &want);
	want.raw_reason = CCA_RMI_EXIT_FIQ;
	assert_int_equal(decode_rx(new_rx(CCA_RMI_EXIT_FIQ), &ctx_v12, &out), 0);
	assert_exit_equal(&out, &want);
}

static void rec_psci_cpu_on_smc64(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);

	(void)state;
	rx->gprs[0] = 0xC4000003U;
	rx->gprs[1] = 0x10203;
	rx->gprs[2] = 0x80080000ULL;
	rx->gprs[3] = 0xC0FFEE;
	rx->gprs[4] = 0xBAD;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_PSCI;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_ARGS_VALID | CCA_EXIT_F_SMC64;
	want.raw_reason = CCA_RMI_EXIT_PSCI;
	want.psci.fid = 0xC4000003U;
	want.psci.fn = CCA_PSCI_FN_CPU_ON;
	want.psci.target_mpidr = 0x10203;
	want.psci.entry = 0x80080000ULL;
	want.psci.context_id = 0xC0FFEE;
	assert_exit_equal(&out, &want);
}

static void rec_psci_affinity_info_smc32(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);

	(void)state;
	rx->gprs[0] = CCA_PSCI_AFFINITY_INFO_32;
	rx->gprs[1] = 0x301;
	rx->gprs[2] = 0;
	assert_int_equal(decode_rx(rx, &ctx_v13, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_PSCI;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_ARGS_VALID;
	want.raw_reason = CCA_RMI_EXIT_PSCI;
	want.psci.fid = 0x84000004U;
	want.psci.fn = CCA_PSCI_FN_AFFINITY_INFO;
	want.psci.target_mpidr = 0x301;
	assert_exit_equal(&out, &want);
}

static void rec_psci_system_events(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);

	(void)state;
	rx->gprs[0] = CCA_PSCI_SYSTEM_OFF;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_SYSTEM_OFF;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_VIA_PSCI;
	want.raw_reason = CCA_RMI_EXIT_PSCI;
	want.system.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_exit_equal(&out, &want);

	rx->gprs[0] = CCA_PSCI_SYSTEM_RESET;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	want.kind = CCA_EXIT_SYSTEM_RESET;
	want.system.type = KVM_SYSTEM_EVENT_RESET;
	assert_exit_equal(&out, &want);
}

static void rec_psci_not_psci_fid(void **state)
{
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_PSCI);

	(void)state;
	rx->gprs[0] = 0xC7000001U;
	assert_bad_rx(rx);
	rx->gprs[0] = 0x84000020U;
	assert_bad_rx(rx);
}

static void rec_host_call(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_HOST_CALL);

	(void)state;
	rx->imm = 0xABCD;
	for (unsigned int i = 0; i < 31; i++)
		rx->gprs[i] = 0x1000000000ULL + i;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_HOST_CALL;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT | CCA_EXIT_F_ARGS_VALID;
	want.raw_reason = CCA_RMI_EXIT_HOST_CALL;
	want.host_call.fid = 0x1000000000ULL;
	want.host_call.imm = 0xABCD;
	for (unsigned int i = 0; i < 31; i++)
		want.host_call.gprs[i] = 0x1000000000ULL + i;
	assert_exit_equal(&out, &want);
}

static void rec_ripas_change(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_RIPAS_CHANGE);

	(void)state;
	rx->ripas_base = RAM_BASE;
	rx->ripas_top = RAM_BASE + 0x5000;
	rx->ripas_value = CCA_RIPAS_RAM;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_RIPAS_CHANGE;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = CCA_RMI_EXIT_RIPAS_CHANGE;
	want.ripas.base = RAM_BASE;
	want.ripas.size = 0x5000;
	want.ripas.ripas = CCA_RIPAS_RAM;
	assert_exit_equal(&out, &want);

	rx->ripas_value = CCA_RIPAS_EMPTY;
	rx->ripas_top = SHARED; /* up to the end of the protected half */
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_int_equal(out.ripas.ripas, CCA_RIPAS_EMPTY);
	assert_int_equal(out.ripas.size, SHARED - RAM_BASE);
}

static void rec_ripas_change_malformed(void **state)
{
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_RIPAS_CHANGE);

	(void)state;
	rx->ripas_value = CCA_RIPAS_RAM;
	rx->ripas_base = RAM_BASE;
	rx->ripas_top = RAM_BASE; /* empty */
	assert_bad_rx(rx);
	rx->ripas_top = RAM_BASE - 0x1000; /* top below base */
	assert_bad_rx(rx);
	rx->ripas_top = SHARED + 0x1000; /* reaches the shared half */
	assert_bad_rx(rx);
	rx->ripas_base = SHARED;
	rx->ripas_top = SHARED + 0x1000; /* inside it */
	assert_bad_rx(rx);
}

static void rec_ripas_change_bad_value(void **state)
{
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_RIPAS_CHANGE);

	(void)state;
	rx->ripas_base = RAM_BASE;
	rx->ripas_top = RAM_BASE + 0x1000;
	rx->ripas_value = CCA_RIPAS_DESTROYED;
	assert_bad_rx(rx);
	rx->ripas_value = CCA_RIPAS_DEV;
	assert_bad_rx(rx);
	rx->ripas_value = 0xEE;
	assert_bad_rx(rx);
}

static void rec_serror(void **state)
{
	struct cca_exit out, want;
	struct cca_rmi_rec_exit *rx = new_rx(CCA_RMI_EXIT_SERROR);

	(void)state;
	rx->esr = 0xBE000011ULL;
	rx->far = 0xFA4;
	rx->hpfar = 0x4FA4;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	zero_exit(&want);
	want.kind = CCA_EXIT_INTERNAL_ERROR;
	want.flags = CCA_EXIT_F_FROM_REC_EXIT;
	want.raw_reason = CCA_RMI_EXIT_SERROR;
	want.sync.esr = 0xBE000011ULL;
	want.sync.far = 0xFA4;
	want.sync.hpfar = 0x4FA4;
	assert_exit_equal(&out, &want);
}

static void rec_unknown_reasons(void **state)
{
	static const uint8_t reasons[] = {
		CCA_RMI_EXIT_S2AP_CHANGE, 8, 9, CCA_RMI_EXIT_VSMMU_COMMAND, 0xB, 0x7F, 0xFF
	};

	(void)state;
	for (size_t i = 0; i < sizeof(reasons); i++) {
		struct cca_rmi_rec_exit *rx = new_rx(reasons[i]);

		rx->gprs[0] = CCA_PSCI_CPU_ON_32; /* payloads of other reasons are not read */
		rx->ripas_base = RAM_BASE;
		rx->ripas_top = RAM_BASE + 0x1000;
		assert_bad_rx(rx);
	}
}

/* ---- cca_psci_decode_fid() --------------------------------------------- */

static void psci_decode_fid_table(void **state)
{
	static const struct {
		uint64_t fid;
		enum cca_psci_fn fn;
		int smc64;
	} cases[] = {
		{ 0x84000000U, CCA_PSCI_FN_VERSION, 0 },
		{ 0x84000001U, CCA_PSCI_FN_CPU_SUSPEND, 0 },
		{ 0xC4000001U, CCA_PSCI_FN_CPU_SUSPEND, 1 },
		{ 0x84000002U, CCA_PSCI_FN_CPU_OFF, 0 },
		{ 0x84000003U, CCA_PSCI_FN_CPU_ON, 0 },
		{ 0xC4000003U, CCA_PSCI_FN_CPU_ON, 1 },
		{ 0x84000004U, CCA_PSCI_FN_AFFINITY_INFO, 0 },
		{ 0xC4000004U, CCA_PSCI_FN_AFFINITY_INFO, 1 },
		{ 0x84000008U, CCA_PSCI_FN_SYSTEM_OFF, 0 },
		{ 0x84000009U, CCA_PSCI_FN_SYSTEM_RESET, 0 },
		{ 0x8400000AU, CCA_PSCI_FN_FEATURES, 0 },
		/* In the ranges, not decoded (incl. SMC64 forms that do not exist). */
		{ 0x84000005U, CCA_PSCI_FN_OTHER, 0 },
		{ 0x8400001FU, CCA_PSCI_FN_OTHER, 0 },
		{ 0xC4000000U, CCA_PSCI_FN_OTHER, 1 },
		{ 0xC4000002U, CCA_PSCI_FN_OTHER, 1 },
		{ 0xC4000008U, CCA_PSCI_FN_OTHER, 1 },
		{ 0xC4000012U, CCA_PSCI_FN_OTHER, 1 },
		{ 0xC400001FU, CCA_PSCI_FN_OTHER, 1 },
		/* Outside. */
		{ 0x83FFFFFFU, CCA_PSCI_FN_UNKNOWN, 0 },
		{ 0x84000020U, CCA_PSCI_FN_UNKNOWN, 0 },
		{ 0xC3FFFFFFU, CCA_PSCI_FN_UNKNOWN, 0 },
		{ 0xC4000020U, CCA_PSCI_FN_UNKNOWN, 0 },
		{ 0xC4000150U, CCA_PSCI_FN_UNKNOWN, 0 }, /* RMI_VERSION */
		{ 0, CCA_PSCI_FN_UNKNOWN, 0 },
		/* SMCCC: the ID is W0; x0[63:32] are ignored. */
		{ 0xFFFFFFFF84000003ULL, CCA_PSCI_FN_CPU_ON, 0 },
		{ 0x00000001C4000004ULL, CCA_PSCI_FN_AFFINITY_INFO, 1 },
		{ 0x8400000300000000ULL, CCA_PSCI_FN_UNKNOWN, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int smc64 = 0x5A;
		enum cca_psci_fn fn = cca_psci_decode_fid(cases[i].fid, &smc64);

		if (fn != cases[i].fn || smc64 != cases[i].smc64)
			fail_msg("fid 0x%llx: fn %d smc64 %d, expected fn %d smc64 %d",
				 (unsigned long long)cases[i].fid, (int)fn, smc64, (int)cases[i].fn,
				 cases[i].smc64);
		assert_int_equal(cca_psci_decode_fid(cases[i].fid, NULL), cases[i].fn);
	}
}

/* ---- names -------------------------------------------------------------- */

static void exit_names(void **state)
{
	/* Literal strings, not a copy of the library's table. */
	static const char *const names[CCA_EXIT_KIND_COUNT] = {
		[CCA_EXIT_NONE] = "none",
		[CCA_EXIT_MMIO] = "mmio",
		[CCA_EXIT_PSCI] = "psci",
		[CCA_EXIT_HOST_CALL] = "host-call",
		[CCA_EXIT_RIPAS_CHANGE] = "ripas-change",
		[CCA_EXIT_SYSTEM_OFF] = "system-off",
		[CCA_EXIT_SYSTEM_RESET] = "system-reset",
		[CCA_EXIT_SHUTDOWN] = "shutdown",
		[CCA_EXIT_RETRY] = "retry",
		[CCA_EXIT_INTR] = "intr",
		[CCA_EXIT_INTERNAL_ERROR] = "internal-error",
		[CCA_EXIT_FATAL] = "fatal",
		[CCA_EXIT_IRQ] = "irq",
		[CCA_EXIT_SYNC] = "sync",
		[CCA_EXIT_UNKNOWN] = "unknown",
	};

	(void)state;
	assert_int_equal(CCA_EXIT_KIND_COUNT, 15);
	for (unsigned int k = 0; k < CCA_EXIT_KIND_COUNT; k++)
		assert_string_equal(cca_exit_name(k), names[k]);
	assert_string_equal(cca_exit_name(CCA_EXIT_KIND_COUNT), "?");
	assert_string_equal(cca_exit_name(UINT_MAX), "?");
}

static void psci_fn_names(void **state)
{
	(void)state;
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_UNKNOWN), "UNKNOWN");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_VERSION), "VERSION");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_CPU_SUSPEND), "CPU_SUSPEND");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_CPU_OFF), "CPU_OFF");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_CPU_ON), "CPU_ON");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_AFFINITY_INFO), "AFFINITY_INFO");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_SYSTEM_OFF), "SYSTEM_OFF");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_SYSTEM_RESET), "SYSTEM_RESET");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_FEATURES), "FEATURES");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_OTHER), "OTHER");
	assert_string_equal(cca_psci_fn_name(CCA_PSCI_FN_OTHER + 1), "?");
	assert_string_equal(cca_psci_fn_name(UINT_MAX), "?");
}

/* ---- cca_exit_format() ------------------------------------------------- */

static void assert_format(const struct cca_exit *e, const char *want)
{
	char buf[256];
	int n;

	memset(buf, FILL, sizeof(buf));
	n = cca_exit_format(e, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void format_decoded_exits(void **state)
{
	struct cca_exit out;
	struct cca_rmi_rec_exit *rx;
	struct kvm_run *run;

	(void)state;
	rx = new_rx(CCA_RMI_EXIT_PSCI);
	rx->gprs[0] = CCA_PSCI_CPU_ON_64;
	rx->gprs[1] = 0x1;
	rx->gprs[2] = 0x80000000ULL;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_format(&out, "psci CPU_ON target=0x1 entry=0x80000000 ctx=0x0");

	rx->gprs[0] = CCA_PSCI_AFFINITY_INFO_32;
	rx->gprs[1] = 0x102;
	rx->gprs[2] = 0;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_format(&out, "psci AFFINITY_INFO target=0x102 level=0");

	run = new_run(KVM_EXIT_HYPERCALL);
	run->hypercall.nr = CCA_PSCI_CPU_ON_32;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "psci CPU_ON"); /* arguments not loaded */
	run->hypercall.nr = 0x84000011U;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "psci OTHER fid=0x84000011");
	run->hypercall.nr = CCA_PSCI_SYSTEM_OFF;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "system-off via PSCI");
	run->hypercall.nr = 0xC6000042U;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "host-call fid=0xc6000042");

	run = new_run(KVM_EXIT_MMIO);
	set_mmio(run, DEV_IPA, 1, 1);
	run->mmio.data[0] = 0x41;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "mmio write ipa=0x9000000 len=1 data=0x41");
	set_mmio(run, SHARED | (DEV_IPA + 4), 4, 0);
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "mmio read ipa=0x9000004 len=4");

	run = new_run(KVM_EXIT_MEMORY_FAULT);
	set_memory_fault(run, KVM_MEMORY_EXIT_FLAG_PRIVATE, RAM_BASE, 0x1000);
	assert_int_equal(decode(run, -EFAULT, &ctx_v12, &out), 0);
	assert_format(&out, "ripas-change [0x80000000, +0x1000) -> RAM");
	set_memory_fault(run, 0, 0x40000000ULL, 0x200000);
	assert_int_equal(decode(run, -EFAULT, &ctx_v12, &out), 0);
	assert_format(&out, "ripas-change [0x40000000, +0x200000) -> EMPTY");

	assert_int_equal(decode(new_run(KVM_EXIT_UNKNOWN), -ENXIO, &ctx_v12, &out), 0);
	assert_format(&out, "fatal ENXIO");
	assert_int_equal(decode(new_run(KVM_EXIT_UNKNOWN), -EAGAIN, &ctx_v13, &out), 0);
	assert_format(&out, "fatal EAGAIN");
	assert_int_equal(decode(new_run(KVM_EXIT_UNKNOWN), -EAGAIN, &ctx_v14, &out), 0);
	assert_format(&out, "retry");
	assert_int_equal(decode(new_run(KVM_EXIT_UNKNOWN), -EINTR, &ctx_v14, &out), 0);
	assert_format(&out, "intr");
	assert_int_equal(decode(new_run(KVM_EXIT_SHUTDOWN), 0, &ctx_v14, &out), 0);
	assert_format(&out, "shutdown");
	assert_int_equal(decode(new_run(0xDEAD), 0, &ctx_v14, &out), -CCA_E_BAD_EXIT);
	assert_format(&out, "unknown reason=57005");

	run = new_run(KVM_EXIT_SYSTEM_EVENT);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "system-reset type=2");
	run = new_run(KVM_EXIT_INTERNAL_ERROR);
	run->internal.suberror = 3;
	assert_int_equal(decode(run, 0, &ctx_v12, &out), 0);
	assert_format(&out, "internal-error suberror=3");

	rx = new_rx(CCA_RMI_EXIT_SYNC);
	rx->esr = 0x62000000ULL;
	rx->far = 0xABC;
	rx->hpfar = 0x80;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_format(&out, "sync esr=0x62000000 far=0xabc hpfar=0x80");
	rx = new_rx(CCA_RMI_EXIT_HOST_CALL);
	rx->imm = 0x12;
	rx->gprs[0] = 0xC5000001U;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_format(&out, "host-call fid=0xc5000001 imm=0x12");
	rx = new_rx(CCA_RMI_EXIT_SERROR);
	rx->esr = 0xBE000000ULL;
	assert_int_equal(decode_rx(rx, &ctx_v12, &out), 0);
	assert_format(&out, "internal-error serror esr=0xbe000000");
	assert_int_equal(decode_rx(new_rx(CCA_RMI_EXIT_FIQ), &ctx_v12, &out), 0);
	assert_format(&out, "irq fiq");
}

static void format_hand_built(void **state)
{
	struct cca_exit e;

	(void)state;
	zero_exit(&e);
	assert_format(&e, "none");
	e.kind = 99;
	assert_format(&e, "? kind=99");
	zero_exit(&e);
	e.kind = CCA_EXIT_RIPAS_CHANGE;
	e.ripas.base = 0x1000;
	e.ripas.size = 0x1000;
	e.ripas.ripas = CCA_RIPAS_DESTROYED;
	assert_format(&e, "ripas-change [0x1000, +0x1000) -> 2?");
	zero_exit(&e);
	e.kind = CCA_EXIT_FATAL;
	e.error = CCA_E_BAD_EXIT;
	assert_format(&e, "fatal CCA_E_BAD_EXIT");
}

static void format_truncates(void **state)
{
	static const char full[] = "mmio write ipa=0x9000000 len=4 data=0x12345678";
	struct cca_exit e;
	char buf[64];

	(void)state;
	zero_exit(&e);
	e.kind = CCA_EXIT_MMIO;
	e.mmio.ipa = DEV_IPA;
	e.mmio.len = 4;
	e.mmio.is_write = 1;
	e.mmio.data = 0x12345678;

	/* Cut inside the first piece. */
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(&e, buf, 5), (int)strlen(full));
	assert_string_equal(buf, "mmio");
	assert_int_equal((unsigned char)buf[5], FILL);

	/* Cut inside the second piece (" data=..."). */
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(&e, buf, 34), (int)strlen(full));
	assert_int_equal(strlen(buf), 33);
	assert_memory_equal(buf, full, 33);
	assert_int_equal((unsigned char)buf[34], FILL);

	/* Exactly one byte short, then exactly enough. */
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(&e, buf, strlen(full)), (int)strlen(full));
	assert_int_equal(strlen(buf), strlen(full) - 1);
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(&e, buf, strlen(full) + 1), (int)strlen(full));
	assert_string_equal(buf, full);

	/* One byte: only the terminator. */
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(&e, buf, 1), (int)strlen(full));
	assert_int_equal(buf[0], '\0');
	assert_int_equal((unsigned char)buf[1], FILL);
}

static void format_bad_args(void **state)
{
	struct cca_exit e;
	char buf[8];

	(void)state;
	zero_exit(&e);
	memset(buf, FILL, sizeof(buf));
	assert_int_equal(cca_exit_format(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(cca_exit_format(&e, NULL, 16), -EINVAL);
	assert_int_equal(cca_exit_format(&e, buf, 0), -EINVAL);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], FILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_null_args),
		cmocka_unit_test(decode_eintr),
		cmocka_unit_test(decode_eagain_before_v14_is_fatal),
		cmocka_unit_test(decode_eagain_v14_is_retry),
		cmocka_unit_test(decode_efault_without_memory_fault_is_fatal),
		cmocka_unit_test(decode_other_errno_is_fatal),
		cmocka_unit_test(decode_bogus_run_ret),
		cmocka_unit_test(decode_memory_fault_private_is_ram),
		cmocka_unit_test(decode_memory_fault_shared_is_empty),
		cmocka_unit_test(decode_memory_fault_with_ret_0),
		cmocka_unit_test(decode_memory_fault_malformed),
		cmocka_unit_test(decode_memory_fault_uses_ipa_bits),
		cmocka_unit_test(decode_mmio_write),
		cmocka_unit_test(decode_mmio_write_sizes),
		cmocka_unit_test(decode_mmio_read),
		cmocka_unit_test(decode_mmio_bad_len),
		cmocka_unit_test(decode_mmio_strips_shared_bit),
		cmocka_unit_test(decode_mmio_beyond_ipa_space),
		cmocka_unit_test(decode_hypercall_psci_smc32),
		cmocka_unit_test(decode_hypercall_psci_smc64),
		cmocka_unit_test(decode_hypercall_psci_range_edges),
		cmocka_unit_test(decode_hypercall_psci_system_events),
		cmocka_unit_test(decode_hypercall_host_call),
		cmocka_unit_test(decode_system_event_shutdown_and_reset),
		cmocka_unit_test(decode_system_event_ndata_capped),
		cmocka_unit_test(decode_system_event_unknown_type),
		cmocka_unit_test(decode_shutdown),
		cmocka_unit_test(decode_internal_error),
		cmocka_unit_test(decode_unknown_reason),
		cmocka_unit_test(rec_null_args),
		cmocka_unit_test(rec_mmio_write),
		cmocka_unit_test(rec_mmio_sizes),
		cmocka_unit_test(rec_mmio_read),
		cmocka_unit_test(rec_mmio_hpfar_upper_bits_ignored),
		cmocka_unit_test(rec_sync_protected_half_is_not_mmio),
		cmocka_unit_test(rec_sync_other),
		cmocka_unit_test(rec_mmio_beyond_ipa_space),
		cmocka_unit_test(rec_irq_fiq),
		cmocka_unit_test(rec_psci_cpu_on_smc64),
		cmocka_unit_test(rec_psci_affinity_info_smc32),
		cmocka_unit_test(rec_psci_system_events),
		cmocka_unit_test(rec_psci_not_psci_fid),
		cmocka_unit_test(rec_host_call),
		cmocka_unit_test(rec_ripas_change),
		cmocka_unit_test(rec_ripas_change_malformed),
		cmocka_unit_test(rec_ripas_change_bad_value),
		cmocka_unit_test(rec_serror),
		cmocka_unit_test(rec_unknown_reasons),
		cmocka_unit_test(psci_decode_fid_table),
		cmocka_unit_test(exit_names),
		cmocka_unit_test(psci_fn_names),
		cmocka_unit_test(format_decoded_exits),
		cmocka_unit_test(format_hand_built),
		cmocka_unit_test(format_truncates),
		cmocka_unit_test(format_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
