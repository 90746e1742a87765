/* SPDX-License-Identifier: MIT */
/*
 * cca_exit_decode() compiled into the caller, for a VMM that issues KVM_RUN
 * itself and decodes every exit on its run loop. Like liburing's inline
 * helpers: with the decoder inlined, the compiler merges its switch with the
 * caller's dispatch on the result and keeps the decoded fields in registers,
 * where a call must store them all and read them back (bench-exit
 * measures both). libcca's own cca_exit_decode() is this code.
 *
 * The price: a program using it carries the decoder of the libcca it was
 * built against, so a later libcca's decoding fix reaches it only when it
 * is rebuilt. The kvm_run layouts it reads are stable kernel ABI; what
 * differs by revision (what EAGAIN means) is asked of the library.
 *
 * Names starting with cca__ are internal to this header: not API.
 */
#ifndef RMI_EXIT_INLINE_H
#define RMI_EXIT_INLINE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rmi/abi.h>
#include <rmi/error.h>
#include <rmi/exit.h>
#include <rmi/realm.h>
#include <rmi/rmi.h>
#include <rmi/uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest errno: a KVM_RUN result below its negation is not one. */
#define CCA__ERRNO_MAX 4095

/* ctx->ipa_bits in range, so that shifts by it are defined. */
static inline int cca__exit_ctx_ok(const struct cca_exit_ctx *ctx)
{
	return ctx->ipa_bits >= CCA_IPA_BITS_MIN && ctx->ipa_bits <= CCA_IPA_BITS_MAX;
}

/* First IPA of the unprotected (shared) half: the top IPA bit. */
static inline uint64_t cca__shared_bit(const struct cca_exit_ctx *ctx)
{
	return 1ULL << (ctx->ipa_bits - 1);
}

/*
 * PSCI function of a function ID's W0 (SMCCC: KVM and the RMM ignore
 * x0[63:32]); *smc64 is set for the 0xC4000000 range.
 */
static inline enum cca_psci_fn cca__psci_fn(uint64_t fid, int *smc64)
{
	uint32_t w0 = (uint32_t)fid;

	*smc64 = 0;
	if (w0 - CCA_PSCI_RANGE_32_BASE < CCA_PSCI_RANGE_LEN) {
		switch (w0) {
		case CCA_PSCI_VERSION:
			return CCA_PSCI_FN_VERSION;
		case CCA_PSCI_CPU_SUSPEND_32:
			return CCA_PSCI_FN_CPU_SUSPEND;
		case CCA_PSCI_CPU_OFF:
			return CCA_PSCI_FN_CPU_OFF;
		case CCA_PSCI_CPU_ON_32:
			return CCA_PSCI_FN_CPU_ON;
		case CCA_PSCI_AFFINITY_INFO_32:
			return CCA_PSCI_FN_AFFINITY_INFO;
		case CCA_PSCI_SYSTEM_OFF:
			return CCA_PSCI_FN_SYSTEM_OFF;
		case CCA_PSCI_SYSTEM_RESET:
			return CCA_PSCI_FN_SYSTEM_RESET;
		case CCA_PSCI_FEATURES:
			return CCA_PSCI_FN_FEATURES;
		default:
			return CCA_PSCI_FN_OTHER;
		}
	}
	if (w0 - CCA_PSCI_RANGE_64_BASE < CCA_PSCI_RANGE_LEN) {
		*smc64 = 1;
		/* Only these three have an SMC64 form among the decoded functions. */
		switch (w0) {
		case CCA_PSCI_CPU_SUSPEND_64:
			return CCA_PSCI_FN_CPU_SUSPEND;
		case CCA_PSCI_CPU_ON_64:
			return CCA_PSCI_FN_CPU_ON;
		case CCA_PSCI_AFFINITY_INFO_64:
			return CCA_PSCI_FN_AFFINITY_INFO;
		default:
			return CCA_PSCI_FN_OTHER;
		}
	}
	return CCA_PSCI_FN_UNKNOWN;
}

/*
 * Undecodable. Every caller checks before it writes anything beyond the
 * header, so no half-decoded member is left.
 */
static inline int cca__exit_bad(struct cca_exit *out)
{
	out->kind = CCA_EXIT_UNKNOWN;
	return -CCA_E_BAD_EXIT;
}

/*
 * Classify an IPA reported for an MMIO access: 1 for the unprotected half
 * (*ipa stripped of the top bit), 0 for the protected half, -1 beyond the
 * IPA space.
 */
static inline int cca__classify_ipa(const struct cca_exit_ctx *ctx, uint64_t *ipa)
{
	uint64_t top = cca__shared_bit(ctx);

	if (*ipa >> ctx->ipa_bits)
		return -1;
	if (*ipa & top) {
		*ipa &= ~top;
		return 1;
	}
	return 0;
}

/* [base, base + size) must be non-empty, not wrap, and lie in the protected half. */
static inline int cca__exit_ripas(struct cca_exit *out, const struct cca_exit_ctx *ctx,
				  uint64_t base, uint64_t size, uint32_t ripas)
{
	if (size == 0 || size > UINT64_MAX - base || base + size > cca__shared_bit(ctx))
		return cca__exit_bad(out);
	out->kind = CCA_EXIT_RIPAS_CHANGE;
	out->ripas.base = base;
	out->ripas.size = size;
	out->ripas.ripas = ripas;
	out->ripas.pad = 0;
	return 0;
}

/*
 * An SMCCC argument register as the callee reads it. SMCCC: an SMC32 call
 * (function ID bit 30 clear) passes W registers; the upper halves are not
 * the caller's arguments (KVM narrows them too, kvm_psci_narrow_to_32bit()).
 */
static inline uint64_t cca__smccc_arg(uint64_t fid, uint64_t x)
{
	return (fid & (1U << 30)) ? x : (uint32_t)x;
}

/* A PSCI exit's x1..x3 (W1..W3 for SMC32) and CCA_EXIT_F_ARGS_VALID; psci.fid set already. */
static inline void cca__psci_args(struct cca_exit *out, uint64_t x1, uint64_t x2, uint64_t x3)
{
	out->psci.target_mpidr = cca__smccc_arg(out->psci.fid, x1);
	out->psci.entry = cca__smccc_arg(out->psci.fid, x2);
	out->psci.context_id = cca__smccc_arg(out->psci.fid, x3);
	out->flags |= CCA_EXIT_F_ARGS_VALID;
}

/*
 * A PSCI call, from either source, @fn and @smc64 decoded from @x0. @args
 * holds x1..x3, or is NULL when they are not available (kvm_run).
 * SYSTEM_OFF and SYSTEM_RESET become system exits carrying the equivalent
 * KVM_SYSTEM_EVENT_* type.
 */
static inline int cca__exit_psci(struct cca_exit *out, uint64_t x0, enum cca_psci_fn fn, int smc64,
				 const uint64_t *args)
{
	switch (fn) {
	case CCA_PSCI_FN_UNKNOWN:
		return cca__exit_bad(out);
	case CCA_PSCI_FN_SYSTEM_OFF:
	case CCA_PSCI_FN_SYSTEM_RESET:
		out->kind = fn == CCA_PSCI_FN_SYSTEM_OFF ? CCA_EXIT_SYSTEM_OFF :
							   CCA_EXIT_SYSTEM_RESET;
		out->flags |= CCA_EXIT_F_VIA_PSCI;
		out->system.type = fn == CCA_PSCI_FN_SYSTEM_OFF ? KVM_SYSTEM_EVENT_SHUTDOWN :
								  KVM_SYSTEM_EVENT_RESET;
		out->system.ndata = 0;
		return 0;
	default:
		break;
	}
	out->kind = CCA_EXIT_PSCI;
	out->psci.fid = (uint32_t)x0;
	out->psci.fn = (uint32_t)fn;
	if (smc64)
		out->flags |= CCA_EXIT_F_SMC64;
	if (args) {
		cca__psci_args(out, args[0], args[1], args[2]);
	} else {
		out->psci.target_mpidr = 0;
		out->psci.entry = 0;
		out->psci.context_id = 0;
	}
	return 0;
}

/* The RIPAS change in KVM_EXIT_MEMORY_FAULT (overlaying kvm_run.mmio). */
static inline int cca__exit_memory_fault(const struct kvm_run *run, const struct cca_exit_ctx *ctx,
					 struct cca_exit *out)
{
	/*
	 * 6.1 headers lack kvm_run.memory_fault. Read the overlay field by
	 * field: copying the whole struct through the stack and reading it
	 * back stalls on store forwarding.
	 */
	const char *mf = (const char *)run + offsetof(struct kvm_run, mmio);
	uint64_t flags, gpa, size;

	memcpy(&flags, mf + offsetof(struct cca_kvm_memory_fault, flags), sizeof(flags));
	memcpy(&gpa, mf + offsetof(struct cca_kvm_memory_fault, gpa), sizeof(gpa));
	memcpy(&size, mf + offsetof(struct cca_kvm_memory_fault, size), sizeof(size));
	return cca__exit_ripas(out, ctx, gpa, size,
			       (flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) ? CCA_RIPAS_RAM :
									CCA_RIPAS_EMPTY);
}

static inline int cca__exit_run_error(const struct kvm_run *run, int run_ret,
				      const struct cca_exit_ctx *ctx, struct cca_exit *out)
{
	if (run_ret < -CCA__ERRNO_MAX)
		return cca__exit_bad(out);

	switch (-run_ret) {
	case EINTR:
		out->kind = CCA_EXIT_INTR;
		return 0;
	case EAGAIN:
		if (cca_abi_has(ctx->revision, CCA_ABI_RUN_EAGAIN)) {
			out->kind = CCA_EXIT_RETRY;
			return 0;
		}
		break;
	case EFAULT:
		/* kvm-realm-uapi §8.7: EFAULT is a RIPAS change when exit_reason says so. */
		if (run->exit_reason == KVM_EXIT_MEMORY_FAULT)
			return cca__exit_memory_fault(run, ctx, out);
		break;
	default:
		break;
	}
	out->kind = CCA_EXIT_FATAL;
	out->error = -run_ret;
	return 0;
}

static inline int cca__exit_mmio(const struct kvm_run *run, const struct cca_exit_ctx *ctx,
				 struct cca_exit *out)
{
	uint64_t ipa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len;
	uint64_t v = 0;
	int half;

	/* An abort's access size is 1 << ESR.SAS: KVM reports no other (§9). */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return cca__exit_bad(out);
	half = cca__classify_ipa(ctx, &ipa);
	if (half < 0)
		return cca__exit_bad(out);
	out->kind = CCA_EXIT_MMIO;
	if (half)
		out->flags |= CCA_EXIT_F_SHARED_BIT;
	out->mmio.ipa = ipa;
	out->mmio.len = len;
	out->mmio.is_write = run->mmio.is_write ? 1 : 0;
	if (run->mmio.is_write) {
		/* All eight bytes, little-endian, then masked: no length-dependent loop. */
		for (unsigned int i = 0; i < 8; i++)
			v |= (uint64_t)run->mmio.data[i] << (8 * i);
		if (len < 8)
			v &= (1ULL << (len * 8)) - 1;
	}
	out->mmio.data = v;
	return 0;
}

static inline int cca__exit_system_event(const struct kvm_run *run, struct cca_exit *out)
{
	uint32_t ndata = run->system_event.ndata;
	const uint32_t max = sizeof(out->system.data) / sizeof(out->system.data[0]);

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		out->kind = CCA_EXIT_SYSTEM_OFF;
		break;
	case KVM_SYSTEM_EVENT_RESET:
		out->kind = CCA_EXIT_SYSTEM_RESET;
		break;
	default:
		return cca__exit_bad(out);
	}
	if (ndata > max)
		ndata = max;
	out->system.type = run->system_event.type;
	out->system.ndata = ndata;
	/* ndata is 0 for the common shutdown and reset: copy nothing then. */
	for (uint32_t i = 0; i < ndata; i++)
		out->system.data[i] = run->system_event.data[i];
	return 0;
}

/**
 * cca_exit_decode_inline() - cca_exit_decode(), inlined into the caller
 * @run: the vCPU's struct kvm_run after KVM_RUN
 * @run_ret: KVM_RUN's return: 0 or -errno
 * @ctx: realm facts
 * @out: the decoded exit
 *
 * Decodes exactly as cca_exit_decode() (same code; see there and the top of
 * <rmi/exit-inline.h> for when to prefer it): only the header and every
 * field of the union member of @out->kind are written (system.data up to
 * ndata; host_call.gprs not at all).
 *
 * Return: as cca_exit_decode().
 * Context: any thread; pure.
 */
static inline int cca_exit_decode_inline(const struct kvm_run *run, int run_ret,
					 const struct cca_exit_ctx *ctx, struct cca_exit *out)
{
	if (!out)
		return -EINVAL;
	if (!run || !ctx || !cca__exit_ctx_ok(ctx)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	/*
	 * The header only: each path writes its union member whole. On this
	 * hot path clearing more costs more than the decoding (stores, not
	 * logic, dominate it).
	 */
	out->kind = CCA_EXIT_NONE;
	out->flags = 0;
	out->error = 0;
	out->raw_reason = run->exit_reason;

	if (run_ret < 0)
		return cca__exit_run_error(run, run_ret, ctx, out);
	if (run_ret > 0)
		return cca__exit_bad(out);

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return cca__exit_mmio(run, ctx, out);
	case KVM_EXIT_HYPERCALL: {
		uint64_t nr = run->hypercall.nr;
		int smc64;
		enum cca_psci_fn fn = cca__psci_fn(nr, &smc64);

		/* Arguments live in x1..x30: cca_rec_run() loads them. */
		if (fn != CCA_PSCI_FN_UNKNOWN)
			return cca__exit_psci(out, nr, fn, smc64, NULL);
		out->kind = CCA_EXIT_HOST_CALL;
		out->host_call.fid = nr;
		out->host_call.imm = 0;
		out->host_call.pad = 0;
		return 0;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		return cca__exit_system_event(run, out);
	case KVM_EXIT_SHUTDOWN:
		out->kind = CCA_EXIT_SHUTDOWN;
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		out->kind = CCA_EXIT_INTERNAL_ERROR;
		out->internal.suberror = run->internal.suberror;
		out->internal.pad = 0;
		return 0;
	case KVM_EXIT_MEMORY_FAULT:
		return cca__exit_memory_fault(run, ctx, out);
	default:
		return cca__exit_bad(out);
	}
}

#ifdef __cplusplus
}
#endif

#endif /* RMI_EXIT_INLINE_H */
