// SPDX-License-Identifier: MIT
/*
 * Exit decoding: KVM_RUN's result plus struct kvm_run, or the RMM's own
 * RmiRecExit, into one struct cca_exit; names and a one-line trace format.
 *
 * Everything here is pure: no allocation, no system calls, no printing.
 * cca_exit_decode() is on every VMM's run loop: it writes the header and
 * every field of the one union member the exit defines, and nothing else
 * (bench-exit measures it against a hand-written switch).
 * cca_exit_decode_rec_exit() is not hot and zeroes the whole of *out first.
 *
 * Sources: kvm-realm-uapi.md §8.1, §8.7, §9, §12; rmi-spec.md §5, §6.2,
 * §11.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rmi/exit-inline.h>

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

/* ---- KVM_RUN ---------------------------------------------------------- */

CCA_EXPORT int cca_exit_decode(const struct kvm_run *run, int run_ret,
			       const struct cca_exit_ctx *ctx, struct cca_exit *out)
{
	return cca_exit_decode_inline(run, run_ret, ctx, out);
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
	half = cca__classify_ipa(ctx, &ipa);
	if (half < 0)
		return cca__exit_bad(out);
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
	if (!rx || !ctx || !cca__exit_ctx_ok(ctx))
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
	case CCA_RMI_EXIT_PSCI: {
		int smc64;
		enum cca_psci_fn fn = cca__psci_fn(rx->gprs[0], &smc64);

		return cca__exit_psci(out, rx->gprs[0], fn, smc64, &rx->gprs[1]);
	}
	case CCA_RMI_EXIT_RIPAS_CHANGE:
		/* top <= base gives a size of 0 or one that wraps: set_ripas() refuses both. */
		if (rx->ripas_value != CCA_RIPAS_EMPTY && rx->ripas_value != CCA_RIPAS_RAM)
			return cca__exit_bad(out);
		return cca__exit_ripas(out, ctx, rx->ripas_base, rx->ripas_top - rx->ripas_base,
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
		return cca__exit_bad(out);
	}
}

/* ---- PSCI function IDs ------------------------------------------------ */

CCA_EXPORT enum cca_psci_fn cca_psci_decode_fid(uint64_t fid, int *smc64)
{
	int is64;
	enum cca_psci_fn fn = cca__psci_fn(fid, &is64);

	if (smc64)
		*smc64 = is64;
	return fn;
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
