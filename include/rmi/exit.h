/* SPDX-License-Identifier: MIT */
/*
 * Why a realm vCPU stopped: one typed exit decoded from KVM_RUN's result
 * and struct kvm_run, or from the RMM's own RmiRecExit (for simulators,
 * traces and tests). Decoding is pure: no allocation, no system calls.
 */
#ifndef RMI_EXIT_H
#define RMI_EXIT_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kvm_run;
struct cca_rmi_rec_exit;

/**
 * enum cca_exit_kind - decoded exit kinds
 * @CCA_EXIT_NONE: nothing decoded yet
 * @CCA_EXIT_MMIO: emulate an access to an unprotected-half device
 * @CCA_EXIT_PSCI: a PSCI call forwarded to user space (cca_realm_set_psci_user())
 * @CCA_EXIT_HOST_CALL: RSI_HOST_CALL (or another SMCCC call) forwarded to user space
 * @CCA_EXIT_RIPAS_CHANGE: the guest asks to make [base, base+size) RAM
 *	(private) or EMPTY (shared); also a protected fault on a shared page.
 *	Accept with cca_mem_accept_ripas_change(), then run again
 * @CCA_EXIT_SYSTEM_OFF: the guest powered the realm off
 * @CCA_EXIT_SYSTEM_RESET: the guest asked for a reset; a realm cannot be
 *	reset in place: destroy it and build a new one
 * @CCA_EXIT_SHUTDOWN: the realm is already off (another vCPU's SYSTEM_OFF)
 * @CCA_EXIT_RETRY: KVM_RUN said EAGAIN (v14+: a CPU_ON target ran before
 *	its caller re-entered); run again
 * @CCA_EXIT_INTR: a signal interrupted KVM_RUN (EINTR); the VMM's own event
 * @CCA_EXIT_INTERNAL_ERROR: the RMM exited for a reason KVM does not handle
 *	(e.g. SError)
 * @CCA_EXIT_FATAL: KVM_RUN failed; @error holds the errno
 * @CCA_EXIT_IRQ: RmiRecExit only: IRQ/FIQ, handled by the host kernel
 * @CCA_EXIT_SYNC: RmiRecExit only: a synchronous exception that is not an
 *	emulatable MMIO (esr/far/hpfar in @sync)
 * @CCA_EXIT_UNKNOWN: undecodable (the decoder returns -CCA_E_BAD_EXIT)
 */
enum cca_exit_kind {
	CCA_EXIT_NONE = 0,
	CCA_EXIT_MMIO,
	CCA_EXIT_PSCI,
	CCA_EXIT_HOST_CALL,
	CCA_EXIT_RIPAS_CHANGE,
	CCA_EXIT_SYSTEM_OFF,
	CCA_EXIT_SYSTEM_RESET,
	CCA_EXIT_SHUTDOWN,
	CCA_EXIT_RETRY,
	CCA_EXIT_INTR,
	CCA_EXIT_INTERNAL_ERROR,
	CCA_EXIT_FATAL,
	CCA_EXIT_IRQ,
	CCA_EXIT_SYNC,
	CCA_EXIT_UNKNOWN,
	CCA_EXIT_KIND_COUNT
};

/**
 * enum cca_psci_fn - PSCI functions a realm forwards
 */
enum cca_psci_fn {
	CCA_PSCI_FN_UNKNOWN = 0,
	CCA_PSCI_FN_VERSION,
	CCA_PSCI_FN_CPU_SUSPEND,
	CCA_PSCI_FN_CPU_OFF,
	CCA_PSCI_FN_CPU_ON,
	CCA_PSCI_FN_AFFINITY_INFO,
	CCA_PSCI_FN_SYSTEM_OFF,
	CCA_PSCI_FN_SYSTEM_RESET,
	CCA_PSCI_FN_FEATURES,
	CCA_PSCI_FN_OTHER, /* in the PSCI range, not one libcca decodes */
};

/* cca_exit.flags */
#define CCA_EXIT_F_ARGS_VALID (1U << 0)  /* psci/host_call arguments were loaded */
#define CCA_EXIT_F_SHARED_BIT (1U << 1)  /* mmio: the IPA had the top bit set (stripped) */
#define CCA_EXIT_F_SMC64 (1U << 2)       /* psci: the SMC64 function ID was used */
#define CCA_EXIT_F_VIA_PSCI (1U << 3)    /* system off/reset: from a forwarded PSCI call */
#define CCA_EXIT_F_FROM_REC_EXIT (1U << 4) /* decoded from an RmiRecExit */

/**
 * struct cca_exit - a decoded exit
 * @kind: enum cca_exit_kind
 * @flags: CCA_EXIT_F_*
 * @error: for CCA_EXIT_FATAL, the positive errno; else 0
 * @raw_reason: kvm_run.exit_reason, or RmiRecExit.exit_reason
 * @mmio: @ipa (top bit stripped), @data (writes, little-endian value; 0 for
 *	reads), @len 1, 2, 4 or 8, @is_write 0 or 1
 * @psci: @fid as called, @fn decoded, @target_mpidr / @entry / @context_id
 *	(CPU_ON: x1..x3; AFFINITY_INFO: target and lowest level in x1, x2;
 *	for an SMC32 function W1..W3, zero-extended, as SMCCC passes them)
 * @host_call: @fid (x0), @imm (RmiRecExit only), @gprs x0..x30 when loaded
 * @ripas: [@base, @base + @size) to become @ripas (CCA_RIPAS_RAM / _EMPTY)
 * @system: @type, @ndata (at most 16), @data of KVM_EXIT_SYSTEM_EVENT; for
 *	a PSCI SYSTEM_OFF/SYSTEM_RESET (CCA_EXIT_F_VIA_PSCI), @type is the
 *	equivalent KVM_SYSTEM_EVENT_SHUTDOWN/_RESET and @ndata is 0
 * @internal: @suberror of KVM_EXIT_INTERNAL_ERROR
 * @sync: @esr, @far, @hpfar of an RmiRecExit SYNC / SERROR. An SERROR is
 *	CCA_EXIT_INTERNAL_ERROR with CCA_EXIT_F_FROM_REC_EXIT: read @sync
 *	then, not @internal (which overlays @sync.esr)
 */
struct cca_exit {
	uint32_t kind;
	uint32_t flags;
	int32_t error;
	uint32_t raw_reason;
	union {
		struct {
			uint64_t ipa;
			uint64_t data;
			uint32_t len;
			uint32_t is_write;
		} mmio;
		struct {
			uint32_t fid;
			uint32_t fn;
			uint64_t target_mpidr;
			uint64_t entry;
			uint64_t context_id;
		} psci;
		struct {
			uint64_t fid;
			uint32_t imm;
			uint32_t pad;
			uint64_t gprs[31];
		} host_call;
		struct {
			uint64_t base;
			uint64_t size;
			uint32_t ripas;
			uint32_t pad;
		} ripas;
		struct {
			uint32_t type;
			uint32_t ndata;
			uint64_t data[16];
		} system;
		struct {
			uint32_t suberror;
			uint32_t pad;
		} internal;
		struct {
			uint64_t esr;
			uint64_t far;
			uint64_t hpfar;
		} sync;
	};
};

/**
 * struct cca_exit_ctx - what the decoder needs to know about the realm
 * @ipa_bits: the realm's IPA width, CCA_IPA_BITS_MIN..CCA_IPA_BITS_MAX (to
 *	strip and check the shared bit)
 * @revision: the ABI revision (what EAGAIN means)
 */
struct cca_exit_ctx {
	uint32_t ipa_bits;
	enum cca_abi_rev revision;
};

/*
 * Both layouts are ABI and never grow (README, "Compatibility"): a new exit
 * kind's member must fit in the union as it is.
 */
#if !defined(__cplusplus) && UINTPTR_MAX == 0xffffffffffffffffULL
_Static_assert(sizeof(struct cca_exit) == 280, "struct cca_exit size");
_Static_assert(__builtin_offsetof(struct cca_exit, mmio) == 16, "cca_exit union");
_Static_assert(__builtin_offsetof(struct cca_exit, host_call.gprs) == 32, "host_call.gprs");
_Static_assert(__builtin_offsetof(struct cca_exit, system.data) == 24, "system.data");
_Static_assert(sizeof(struct cca_exit_ctx) == 8, "struct cca_exit_ctx size");
#endif

/**
 * cca_exit_decode() - decode KVM_RUN's result
 * @run: the vCPU's struct kvm_run after KVM_RUN
 * @run_ret: KVM_RUN's return: 0 or -errno
 * @ctx: realm facts
 * @out: the decoded exit (always written)
 *
 * PSCI and host-call arguments live in registers, not in kvm_run; the
 * decoder leaves them zero without CCA_EXIT_F_ARGS_VALID (cca_rec_run()
 * loads them). A hypercall whose function ID is in a PSCI range
 * (0x84000000 or 0xC4000000, 0x20 IDs each) is CCA_EXIT_PSCI, any other
 * CCA_EXIT_HOST_CALL. -EFAULT with KVM_EXIT_MEMORY_FAULT is
 * CCA_EXIT_RIPAS_CHANGE; -EAGAIN is CCA_EXIT_RETRY where the revision has
 * CCA_ABI_RUN_EAGAIN; -EINTR is CCA_EXIT_INTR; any other -errno is
 * CCA_EXIT_FATAL (still a successful decode).
 *
 * Only the header and every field of the union member of @out->kind are
 * written (system.data only up to ndata; host_call.gprs not at all); the
 * rest of @out keeps whatever it held, as clearing 280 bytes would cost
 * more than the decoding. Kinds without a member (INTR, RETRY, FATAL,
 * SHUTDOWN, UNKNOWN) write only the header. cca_exit_decode_inline()
 * (<rmi/exit-inline.h>) is the same decoder, compiled into the caller.
 *
 * Return: 0; -CCA_E_BAD_EXIT for an unknown exit reason or system-event
 * type, an MMIO length other than 1, 2, 4 or 8, an MMIO address beyond the IPA
 * space, an empty, wrapping or not wholly protected-half memory-fault
 * range, or a @run_ret that is neither 0 nor -errno (@out->kind
 * CCA_EXIT_UNKNOWN, @out->raw_reason kept); -EINVAL for NULL pointers or
 * a bad @ctx->ipa_bits (@out zeroed when not NULL).
 * Context: any thread; pure.
 */
int cca_exit_decode(const struct kvm_run *run, int run_ret, const struct cca_exit_ctx *ctx,
		    struct cca_exit *out);

/**
 * cca_exit_decode_rec_exit() - decode the RMM's RmiRecExit
 * @rx: the exit part of an RmiRecRun page
 * @ctx: realm facts
 * @out: the decoded exit (always written)
 *
 * Sets CCA_EXIT_F_FROM_REC_EXIT. A SYNC data abort with a valid syndrome
 * in the unprotected half is CCA_EXIT_MMIO (write data from gprs[0]); in
 * the protected half, and any other SYNC, it is CCA_EXIT_SYNC. PSCI and
 * host-call exits carry their arguments (CCA_EXIT_F_ARGS_VALID).
 *
 * Return: as cca_exit_decode(); -CCA_E_BAD_EXIT also for a PSCI exit whose
 * x0 is not a PSCI function ID, a RIPAS value other than EMPTY or RAM, and
 * every exit reason beyond SERROR (the v2.0 S2AP, device and vSMMU exits).
 * Context: any thread; pure.
 */
int cca_exit_decode_rec_exit(const struct cca_rmi_rec_exit *rx, const struct cca_exit_ctx *ctx,
			     struct cca_exit *out);

/**
 * cca_psci_decode_fid() - decode a PSCI function ID
 * @fid: the SMCCC function ID (x0); only bits 31:0 (W0) count, as in SMCCC
 *	and KVM
 * @smc64: receives 1 for the SMC64 form (0xC4000000 range), else 0; may be NULL
 *
 * Return: enum cca_psci_fn; CCA_PSCI_FN_OTHER for an ID in a PSCI range
 * that libcca does not decode (including SMC64 forms PSCI does not define,
 * such as 0xC4000008); CCA_PSCI_FN_UNKNOWN outside the PSCI ranges.
 * Context: any thread; pure.
 */
enum cca_psci_fn cca_psci_decode_fid(uint64_t fid, int *smc64);

/**
 * cca_exit_name() - "mmio", "psci", ... for an exit kind
 * @kind: enum cca_exit_kind
 *
 * Return: a static string; never NULL; "?" out of range.
 * Context: any thread.
 */
const char *cca_exit_name(unsigned int kind);

/**
 * cca_psci_fn_name() - "CPU_ON", ... for a PSCI function
 * @fn: enum cca_psci_fn
 *
 * Return: a static string; never NULL; "?" out of range.
 * Context: any thread.
 */
const char *cca_psci_fn_name(unsigned int fn);

/**
 * cca_exit_format() - one line describing an exit, for traces
 * @exit: a decoded exit
 * @buf: destination
 * @len: size of @buf; the line is truncated to fit and always terminated
 *
 * The text is "<cca_exit_name()> <details>", e.g.
 * "psci CPU_ON target=0x1 entry=0x80000000 ctx=0x0",
 * "mmio write ipa=0x9000000 len=4 data=0x41",
 * "ripas-change [0x80000000, +0x1000) -> RAM" or "fatal ENXIO"; no newline.
 *
 * Return: the length the full line has (as snprintf()); -EINVAL if @exit
 * or @buf is NULL or @len is 0 (@buf untouched).
 * Context: any thread.
 */
int cca_exit_format(const struct cca_exit *exit, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* RMI_EXIT_H */
