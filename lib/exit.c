// SPDX-License-Identifier: MIT
/*
 * Exit decoding: KVM_RUN's result plus struct kvm_run, or the RMM's own
 * RmiRecExit, into one struct cca_exit; names and a one-line trace format.
 *
 * Everything here is pure: no allocation, no system calls, no printing.
 * Every decoder path writes the whole of *out (zeroed first), so a caller
 * never sees stale bytes from a previous exit.
 *
 * Sources: kvm-realm-uapi.md §8.1, §8.7, §9, §12; rmi-spec.md §5, §6.2,
 * §11.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ESR_EL2 for a data abort taken from a lower EL (Arm ARM, ISS encoding). */
#define ESR_EC(esr) ((uint32_t)(((esr) >> 26) & 0x3fU))
#define ESR_EC_DABT_LOW 0x24U
#define ESR_ISV (1ULL << 24)
#define ESR_SAS(esr) ((uint32_t)(((esr) >> 22) & 0x3U))
#define ESR_WNR (1ULL << 6)
/* HPFAR_EL2.FIPA, bits [43:4], holds IPA bits [51:12]. */
#define HPFAR_FIPA(hpfar) (((hpfar) >> 4) & ((1ULL << 40) - 1))
#define GRANULE_OFFSET_MASK 0xfffULL

/* The largest errno; anything below -ERRNO_MAX is not a KVM_RUN result. */
#define ERRNO_MAX 4095

/* ---- helpers ---------------------------------------------------------- */

static bool ctx_ok(const struct cca_exit_ctx *ctx)
{
	return ctx->ipa_bits >= CCA_IPA_BITS_MIN && ctx->ipa_bits <= CCA_IPA_BITS_MAX;
}

/* First IPA of the unprotected (shared) half: the top IPA bit. */
static uint64_t shared_bit(const struct cca_exit_ctx *ctx)
{
	return 1ULL << (ctx->ipa_bits - 1);
}

/*
 * Undecodable. Every caller checks before it writes anything beyond
 * raw_reason and CCA_EXIT_F_FROM_REC_EXIT, so no half-decoded field is left.
 */
static int bad_exit(struct cca_exit *out)
{
	out->kind = CCA_EXIT_UNKNOWN;
	return -CCA_E_BAD_EXIT;
}

/*
 * Classify an IPA reported for an MMIO access. Returns 1 for an address in
 * the unprotected half (*ipa stripped of the top bit), 0 for one in the
 * protected half, -1 for one beyond the IPA space.
 */
static int classify_ipa(const struct cca_exit_ctx *ctx, uint64_t *ipa)
{
	uint64_t top = shared_bit(ctx);

	if (*ipa >> ctx->ipa_bits)
		return -1;
	if (*ipa & top) {
		*ipa &= ~top;
		return 1;
	}
	return 0;
}

/* [base, base + size) must be non-empty, not wrap, and lie in the protected half. */
static int set_ripas(struct cca_exit *out, const struct cca_exit_ctx *ctx, uint64_t base,
		     uint64_t size, uint32_t ripas)
{
	if (size == 0 || size > UINT64_MAX - base || base + size > shared_bit(ctx))
		return bad_exit(out);
	out->kind = CCA_EXIT_RIPAS_CHANGE;
	out->ripas.base = base;
	out->ripas.size = size;
	out->ripas.ripas = ripas;
	return 0;
}

/*
 * A PSCI call, from either source. @args holds x1..x3, or is NULL when the
 * arguments are not available (kvm_run). SYSTEM_OFF and SYSTEM_RESET
 * become system exits, carrying the equivalent KVM_SYSTEM_EVENT_* type.
 */
static int set_psci(struct cca_exit *out, uint64_t x0, const uint64_t *args)
{
	int smc64 = 0;
	enum cca_psci_fn fn = cca_psci_decode_fid(x0, &smc64);

	switch (fn) {
	case CCA_PSCI_FN_UNKNOWN:
		return bad_exit(out);
	case CCA_PSCI_FN_SYSTEM_OFF:
	case CCA_PSCI_FN_SYSTEM_RESET:
		out->kind = fn == CCA_PSCI_FN_SYSTEM_OFF ? CCA_EXIT_SYSTEM_OFF : CCA_EXIT_SYSTEM_RESET;
		out->flags |= CCA_EXIT_F_VIA_PSCI;
		out->system.type = fn == CCA_PSCI_FN_SYSTEM_OFF ? KVM_SYSTEM_EVENT_SHUTDOWN
								: KVM_SYSTEM_EVENT_RESET;
		out->system.ndata = 0;
		memset(out->system.data, 0, sizeof(out->system.data));
		return 0;
	default:
		break;
	}
	out->kind = CCA_EXIT_PSCI;
	out->psci.fid = (uint32_t)x0;
	out->psci.fn = fn;
	if (smc64)
		out->flags |= CCA_EXIT_F_SMC64;
	if (args)
		cca_psci_set_args(out, args[0], args[1], args[2]);
	return 0;
}

/*
 * SMCCC: an SMC32 call passes W1..W3; the upper halves are not the guest's
 * arguments (KVM narrows them too, kvm_psci_narrow_to_32bit()).
 */
void cca_psci_set_args(struct cca_exit *e, uint64_t x1, uint64_t x2, uint64_t x3)
{
	uint64_t mask = (e->flags & CCA_EXIT_F_SMC64) ? UINT64_MAX : UINT32_MAX;

	e->psci.target_mpidr = x1 & mask;
	e->psci.entry = x2 & mask;
	e->psci.context_id = x3 & mask;
	e->flags |= CCA_EXIT_F_ARGS_VALID;
}

/* ---- KVM_RUN ---------------------------------------------------------- */

static int decode_memory_fault(const struct kvm_run *run, const struct cca_exit_ctx *ctx,
			       struct cca_exit *out)
{
	struct cca_kvm_memory_fault mf;

	/* 6.1 headers lack kvm_run.memory_fault: read the overlay. */
	memcpy(&mf, (const char *)run + offsetof(struct kvm_run, mmio), sizeof(mf));
	return set_ripas(out, ctx, mf.gpa, mf.size,
			 (mf.flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) ? CCA_RIPAS_RAM :
								     CCA_RIPAS_EMPTY);
}

static int decode_run_error(const struct kvm_run *run, int run_ret, const struct cca_exit_ctx *ctx,
			    struct cca_exit *out)
{
	if (run_ret < -ERRNO_MAX)
		return bad_exit(out);

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
		/* §8.7: EFAULT is a RIPAS change when exit_reason says so. */
		if (run->exit_reason == KVM_EXIT_MEMORY_FAULT)
			return decode_memory_fault(run, ctx, out);
		break;
	default:
		break;
	}
	out->kind = CCA_EXIT_FATAL;
	out->error = -run_ret;
	return 0;
}

static int decode_mmio(const struct kvm_run *run, const struct cca_exit_ctx *ctx,
		       struct cca_exit *out)
{
	uint64_t ipa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len;
	int half;

	/* An abort's access size is 1 << ESR.SAS: KVM reports no other (§9). */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return bad_exit(out);
	half = classify_ipa(ctx, &ipa);
	if (half < 0)
		return bad_exit(out);
	out->kind = CCA_EXIT_MMIO;
	if (half)
		out->flags |= CCA_EXIT_F_SHARED_BIT;
	out->mmio.ipa = ipa;
	out->mmio.len = len;
	out->mmio.is_write = run->mmio.is_write ? 1 : 0;
	if (out->mmio.is_write) {
		uint64_t v = 0;

		for (uint32_t i = len; i-- > 0;)
			v = (v << 8) | run->mmio.data[i];
		out->mmio.data = v;
	}
	return 0;
}

static int decode_system_event(const struct kvm_run *run, struct cca_exit *out)
{
	uint32_t ndata = run->system_event.ndata;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		out->kind = CCA_EXIT_SYSTEM_OFF;
		break;
	case KVM_SYSTEM_EVENT_RESET:
		out->kind = CCA_EXIT_SYSTEM_RESET;
		break;
	default:
		return bad_exit(out);
	}
	if (ndata > ARRAY_SIZE(out->system.data))
		ndata = ARRAY_SIZE(out->system.data);
	out->system.type = run->system_event.type;
	out->system.ndata = ndata;
	memcpy(out->system.data, run->system_event.data, ndata * sizeof(out->system.data[0]));
	memset(out->system.data + ndata, 0,
	       (ARRAY_SIZE(out->system.data) - ndata) * sizeof(out->system.data[0]));
	return 0;
}

/*
 * Zero the header and the union's small members: the hot path must not clear
 * the whole struct (host_call.gprs alone is 248 bytes) on every exit. Larger
 * members are written by the code that fills them (system.data up to ndata;
 * host_call.gprs only with CCA_EXIT_F_ARGS_VALID).
 */
#define EXIT_CLEAR (offsetof(struct cca_exit, mmio) + 40)
_Static_assert(EXIT_CLEAR <= sizeof(struct cca_exit), "clear size");

static void clear(struct cca_exit *out)
{
	memset(out, 0, EXIT_CLEAR);
}

CCA_EXPORT int cca_exit_decode(const struct kvm_run *run, int run_ret,
			       const struct cca_exit_ctx *ctx, struct cca_exit *out)
{
	if (!out)
		return -EINVAL;
	clear(out);
	if (!run || !ctx || !ctx_ok(ctx))
		return -EINVAL;
	out->raw_reason = run->exit_reason;

	if (run_ret < 0)
		return decode_run_error(run, run_ret, ctx, out);
	if (run_ret > 0)
		return bad_exit(out);

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		return decode_mmio(run, ctx, out);
	case KVM_EXIT_HYPERCALL: {
		uint64_t nr = run->hypercall.nr;

		/* Arguments live in x1..x30: cca_rec_run() loads them. */
		if (cca_psci_decode_fid(nr, NULL) != CCA_PSCI_FN_UNKNOWN)
			return set_psci(out, nr, NULL);
		out->kind = CCA_EXIT_HOST_CALL;
		out->host_call.fid = nr;
		return 0;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		return decode_system_event(run, out);
	case KVM_EXIT_SHUTDOWN:
		out->kind = CCA_EXIT_SHUTDOWN;
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		out->kind = CCA_EXIT_INTERNAL_ERROR;
		out->internal.suberror = run->internal.suberror;
		return 0;
	case KVM_EXIT_MEMORY_FAULT:
		return decode_memory_fault(run, ctx, out);
	default:
		return bad_exit(out);
	}
}

/* ---- RmiRecExit ------------------------------------------------------- */

static void set_sync(struct cca_exit *out, uint32_t kind, const struct cca_rmi_rec_exit *rx)
{
	out->kind = kind;
	out->sync.esr = rx->esr;
	out->sync.far = rx->far;
	out->sync.hpfar = rx->hpfar;
}

static int decode_rec_sync(const struct cca_rmi_rec_exit *rx, const struct cca_exit_ctx *ctx,
			   struct cca_exit *out)
{
	uint64_t esr = rx->esr;
	uint64_t ipa;
	uint32_t len;
	int half;

	if (ESR_EC(esr) != ESR_EC_DABT_LOW || !(esr & ESR_ISV)) {
		set_sync(out, CCA_EXIT_SYNC, rx);
		return 0;
	}
	ipa = (HPFAR_FIPA(rx->hpfar) << 12) | (rx->far & GRANULE_OFFSET_MASK);
	half = classify_ipa(ctx, &ipa);
	if (half < 0)
		return bad_exit(out);
	if (half == 0) {
		/* A protected-half abort is the kernel's to handle, not MMIO. */
		set_sync(out, CCA_EXIT_SYNC, rx);
		return 0;
	}
	len = 1U << ESR_SAS(esr);
	out->kind = CCA_EXIT_MMIO;
	out->flags |= CCA_EXIT_F_SHARED_BIT;
	out->mmio.ipa = ipa;
	out->mmio.len = len;
	out->mmio.is_write = (esr & ESR_WNR) ? 1 : 0;
	if (out->mmio.is_write)
		out->mmio.data = len == 8 ? rx->gprs[0] : rx->gprs[0] & ((1ULL << (len * 8)) - 1);
	return 0;
}

CCA_EXPORT int cca_exit_decode_rec_exit(const struct cca_rmi_rec_exit *rx,
					const struct cca_exit_ctx *ctx, struct cca_exit *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!rx || !ctx || !ctx_ok(ctx))
		return -EINVAL;
	out->flags = CCA_EXIT_F_FROM_REC_EXIT;
	out->raw_reason = rx->exit_reason;

	switch (rx->exit_reason) {
	case CCA_RMI_EXIT_SYNC:
		return decode_rec_sync(rx, ctx, out);
	case CCA_RMI_EXIT_IRQ:
	case CCA_RMI_EXIT_FIQ:
		out->kind = CCA_EXIT_IRQ;
		return 0;
	case CCA_RMI_EXIT_PSCI:
		return set_psci(out, rx->gprs[0], &rx->gprs[1]);
	case CCA_RMI_EXIT_RIPAS_CHANGE:
		/* top <= base gives a size of 0 or one that wraps: set_ripas() refuses both. */
		if (rx->ripas_value != CCA_RIPAS_EMPTY && rx->ripas_value != CCA_RIPAS_RAM)
			return bad_exit(out);
		return set_ripas(out, ctx, rx->ripas_base, rx->ripas_top - rx->ripas_base,
				 rx->ripas_value);
	case CCA_RMI_EXIT_HOST_CALL:
		out->kind = CCA_EXIT_HOST_CALL;
		out->flags |= CCA_EXIT_F_ARGS_VALID;
		out->host_call.fid = rx->gprs[0];
		out->host_call.imm = rx->imm;
		memcpy(out->host_call.gprs, rx->gprs, sizeof(out->host_call.gprs));
		return 0;
	case CCA_RMI_EXIT_SERROR:
		/* esr/far/hpfar go to @sync; @internal.suberror is not meaningful. */
		set_sync(out, CCA_EXIT_INTERNAL_ERROR, rx);
		return 0;
	default:
		/* S2AP_CHANGE, VDEV_*, VSMMU_COMMAND (v2.0) and anything unknown. */
		return bad_exit(out);
	}
}

/* ---- PSCI function IDs ------------------------------------------------ */

CCA_EXPORT enum cca_psci_fn cca_psci_decode_fid(uint64_t fid, int *smc64)
{
	/* SMCCC: the function ID is W0; KVM and the RMM ignore x0[63:32]. */
	uint32_t w0 = (uint32_t)fid;

	if (smc64)
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
		if (smc64)
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

/* ---- names ------------------------------------------------------------ */

static const char *const exit_names[CCA_EXIT_KIND_COUNT] = {
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

/* clang-format off */
static const char *const psci_fn_names[CCA_PSCI_FN_OTHER + 1] = {
	[CCA_PSCI_FN_UNKNOWN] = "UNKNOWN",
	[CCA_PSCI_FN_VERSION] = "VERSION",
	[CCA_PSCI_FN_CPU_SUSPEND] = "CPU_SUSPEND",
	[CCA_PSCI_FN_CPU_OFF] = "CPU_OFF",
	[CCA_PSCI_FN_CPU_ON] = "CPU_ON",
	[CCA_PSCI_FN_AFFINITY_INFO] = "AFFINITY_INFO",
	[CCA_PSCI_FN_SYSTEM_OFF] = "SYSTEM_OFF",
	[CCA_PSCI_FN_SYSTEM_RESET] = "SYSTEM_RESET",
	[CCA_PSCI_FN_FEATURES] = "FEATURES",
	[CCA_PSCI_FN_OTHER] = "OTHER",
};
/* clang-format on */

CCA_EXPORT const char *cca_exit_name(unsigned int kind)
{
	if (kind >= ARRAY_SIZE(exit_names) || !exit_names[kind])
		return "?";
	return exit_names[kind];
}

CCA_EXPORT const char *cca_psci_fn_name(unsigned int fn)
{
	if (fn >= ARRAY_SIZE(psci_fn_names) || !psci_fn_names[fn])
		return "?";
	return psci_fn_names[fn];
}

/* ---- one-line format -------------------------------------------------- */

/* snprintf() into a fixed buffer, counting the full length as snprintf does. */
struct line {
	char *buf;
	size_t len;
	size_t pos; /* length of the full line so far */
};

static void put(struct line *l, const char *fmt, ...) CCA_PRINTF(2, 3);

static void put(struct line *l, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list ap;
	int n;

	if (l->pos < l->len) {
		dst = l->buf + l->pos;
		room = l->len - l->pos;
	}
	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0) /* n < 0 (EOVERFLOW) cannot happen with these short formats */
		l->pos += (size_t)n;
}

static void put_psci(struct line *l, const struct cca_exit *e)
{
	put(l, "psci %s", cca_psci_fn_name(e->psci.fn));
	if (e->psci.fn == CCA_PSCI_FN_OTHER || e->psci.fn == CCA_PSCI_FN_UNKNOWN)
		put(l, " fid=0x%" PRIx32, e->psci.fid);
	if (!(e->flags & CCA_EXIT_F_ARGS_VALID))
		return;
	switch (e->psci.fn) {
	case CCA_PSCI_FN_CPU_ON:
		put(l, " target=0x%" PRIx64 " entry=0x%" PRIx64 " ctx=0x%" PRIx64,
		    e->psci.target_mpidr, e->psci.entry, e->psci.context_id);
		break;
	case CCA_PSCI_FN_CPU_SUSPEND:
		put(l, " state=0x%" PRIx64 " entry=0x%" PRIx64 " ctx=0x%" PRIx64,
		    e->psci.target_mpidr, e->psci.entry, e->psci.context_id);
		break;
	case CCA_PSCI_FN_AFFINITY_INFO:
		put(l, " target=0x%" PRIx64 " level=%" PRIu64, e->psci.target_mpidr, e->psci.entry);
		break;
	case CCA_PSCI_FN_FEATURES:
		put(l, " fn=0x%" PRIx64, e->psci.target_mpidr);
		break;
	default:
		break;
	}
}

static void put_system(struct line *l, const struct cca_exit *e)
{
	put(l, "%s", cca_exit_name(e->kind));
	if (e->flags & CCA_EXIT_F_VIA_PSCI)
		put(l, " via PSCI");
	else
		put(l, " type=%" PRIu32, e->system.type);
}

static void put_ripas(struct line *l, const struct cca_exit *e)
{
	put(l, "ripas-change [0x%" PRIx64 ", +0x%" PRIx64 ") -> ", e->ripas.base, e->ripas.size);
	if (e->ripas.ripas == CCA_RIPAS_RAM)
		put(l, "RAM");
	else if (e->ripas.ripas == CCA_RIPAS_EMPTY)
		put(l, "EMPTY");
	else
		put(l, "%" PRIu32 "?", e->ripas.ripas);
}

CCA_EXPORT int cca_exit_format(const struct cca_exit *exit, char *buf, size_t len)
{
	struct line l = { .buf = buf, .len = len };
	const struct cca_exit *e = exit;

	if (!e || !buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';

	switch (e->kind) {
	case CCA_EXIT_MMIO:
		put(&l, "mmio %s ipa=0x%" PRIx64 " len=%" PRIu32,
		    e->mmio.is_write ? "write" : "read", e->mmio.ipa, e->mmio.len);
		if (e->mmio.is_write)
			put(&l, " data=0x%" PRIx64, e->mmio.data);
		break;
	case CCA_EXIT_PSCI:
		put_psci(&l, e);
		break;
	case CCA_EXIT_HOST_CALL:
		put(&l, "host-call fid=0x%" PRIx64, e->host_call.fid);
		if (e->flags & CCA_EXIT_F_FROM_REC_EXIT)
			put(&l, " imm=0x%" PRIx32, e->host_call.imm);
		break;
	case CCA_EXIT_RIPAS_CHANGE:
		put_ripas(&l, e);
		break;
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SYSTEM_RESET:
		put_system(&l, e);
		break;
	case CCA_EXIT_INTERNAL_ERROR:
		if (e->flags & CCA_EXIT_F_FROM_REC_EXIT)
			put(&l, "internal-error serror esr=0x%" PRIx64, e->sync.esr);
		else
			put(&l, "internal-error suberror=%" PRIu32, e->internal.suberror);
		break;
	case CCA_EXIT_FATAL:
		put(&l, "fatal %s", cca_error_name(e->error));
		break;
	case CCA_EXIT_IRQ:
		put(&l, "%s", e->raw_reason == CCA_RMI_EXIT_FIQ ? "irq fiq" : "irq");
		break;
	case CCA_EXIT_SYNC:
		put(&l, "sync esr=0x%" PRIx64 " far=0x%" PRIx64 " hpfar=0x%" PRIx64, e->sync.esr,
		    e->sync.far, e->sync.hpfar);
		break;
	case CCA_EXIT_UNKNOWN:
		put(&l, "unknown reason=%" PRIu32, e->raw_reason);
		break;
	case CCA_EXIT_NONE:
	case CCA_EXIT_SHUTDOWN:
	case CCA_EXIT_RETRY:
	case CCA_EXIT_INTR:
		put(&l, "%s", cca_exit_name(e->kind));
		break;
	default:
		put(&l, "? kind=%" PRIu32, e->kind);
		break;
	}
	return (int)l.pos;
}
