/* SPDX-License-Identifier: MIT */
/*
 * The host: /dev/kvm, the detected realm-ABI revision, and what the host
 * can give a realm (cca_probe()).
 */
#ifndef RMI_HOST_H
#define RMI_HOST_H

#include <stdint.h>

#include <rmi/abi.h>
#include <rmi/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_host;
struct cca_sim;

/* Environment variable that overrides revision detection ("v12" ... "v15"). */
#define CCA_ENV_REVISION "CCA_ABI_REVISION"
/* Environment variable naming the KVM device (default "/dev/kvm"). */
#define CCA_ENV_KVM_PATH "CCA_KVM_PATH"

/**
 * struct cca_host_options - how to open the host
 * @size: sizeof(struct cca_host_options) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @flags: CCA_HOST_* flags
 * @kvm_path: KVM device; NULL: $CCA_KVM_PATH, else "/dev/kvm"
 * @revision: CCA_ABI_UNKNOWN to detect (or take $CCA_ABI_REVISION); any
 *	other value overrides both
 * @log_fn: optional diagnostics callback (see cca_log_fn)
 * @log_ctx: passed to @log_fn
 * @reserved0: must be zero
 * @sim: run on this simulator (rmi/sim.h) instead of the kernel; NULL: the
 *	kernel, unless $CCA_BACKEND is "sim"
 * @reserved: must be zero
 */
struct cca_host_options {
	uint32_t size;
	uint32_t flags;
	const char *kvm_path;
	enum cca_abi_rev revision;
	uint32_t reserved0;
	cca_log_fn *log_fn;
	void *log_ctx;
	struct cca_sim *sim;
	uint64_t reserved[3];
};

/* Ignore $CCA_ABI_REVISION, $CCA_KVM_PATH and $CCA_BACKEND. */
#define CCA_HOST_NO_ENV (1U << 0)

/**
 * enum cca_revision_source - how the revision in use was chosen
 */
enum cca_revision_source {
	CCA_REV_FROM_NONE = 0,
	CCA_REV_FROM_PROBE,
	CCA_REV_FROM_ENV,
	CCA_REV_FROM_API,
};

/**
 * cca_host_open() - open KVM and settle the realm-ABI revision
 * @opts: options; NULL for defaults
 * @out: receives the host handle; untouched on failure
 *
 * Detects the revision by trial (throw-away VMs; never creates a realm
 * descriptor) unless overridden. An override is recorded, not trusted
 * blindly: cca_host_info() reports whether the probes agreed.
 *
 * Return: 0; -EINVAL bad options, or @opts->size below libcca 0.1's
 * sizeof; -E2BIG @opts->size above this library's sizeof with a nonzero
 * byte past it (a member this older library does not know is set);
 * -ENOENT/-EACCES/... opening KVM; -CCA_E_REVISION no realm support or
 * the probes disagree (see cca_probe() for the reason); -ENOMEM.
 * Context: any thread; the host may then be shared between threads.
 */
int cca_host_open(const struct cca_host_options *opts, struct cca_host **out);

/**
 * cca_host_close() - close the host
 * @host: a host, or NULL (no-op)
 *
 * Every realm created from @host must be destroyed first.
 */
void cca_host_close(struct cca_host *host);

/**
 * cca_host_revision() - the revision the host uses
 * @host: an open host
 *
 * Return: the revision (never CCA_ABI_UNKNOWN for an open host).
 * Context: any thread.
 */
enum cca_abi_rev cca_host_revision(const struct cca_host *host);

/**
 * cca_host_kvm_fd() - the /dev/kvm fd, for the VMM's own generic ioctls
 * @host: an open host
 *
 * Return: the fd; owned by @host, do not close it.
 */
int cca_host_kvm_fd(const struct cca_host *host);

/* Why realms are unavailable, in the order the probe checks. */
enum cca_unavailable {
	CCA_AVAILABLE = 0,
	CCA_NO_KVM,          /* the KVM device could not be opened */
	CCA_NOT_ARM64,       /* the host is not arm64 */
	CCA_NO_RMI_CAP,      /* no realm VM type or KVM_CAP_ARM_RMI answered */
	CCA_REV_CONFLICT,    /* probes disagree: unknown revision */
};

/**
 * struct cca_probe_result - what cca_probe() found
 * @size: set by the caller to sizeof(struct cca_probe_result) as it was
 *	compiled (at least libcca 0.1's); cca_probe() writes min(@size, its
 *	own sizeof) bytes, leaves the caller's bytes past them untouched, and
 *	sets @size to the number of bytes it wrote
 * @available: CCA_AVAILABLE, or why not (enum cca_unavailable)
 * @err: the error behind @available (negative errno / -CCA_E_*), else 0
 * @revision: revision in use (CCA_ABI_UNKNOWN when unavailable)
 * @detected: revision the probes found (may differ from an override)
 * @source: enum cca_revision_source
 * @cap_number: KVM_CAP_ARM_RMI that answered 1, or -1
 * @ipa_limit: largest IPA width a realm VM accepts (0: not found)
 * @sve_max_vl: largest SVE vector length in bytes (0: no SVE)
 * @max_bps: breakpoints available (count), 0 if unknown
 * @max_wps: watchpoints available (count), 0 if unknown
 * @pmu_max_counters: PMU counters (0: none or PMU not allowed)
 * @manual_psci_complete: 1 if user-space PSCI needs the completion ioctl
 * @vm_type_bits: the realm VM type bit that worked (e.g. 0x100)
 * @machine: host architecture from uname(2), e.g. "aarch64"
 * @kvm_path: the device that was opened
 * @reason: one line saying why realms are unavailable, or ""
 * @evidence: what each probe answered, one line
 * @backend: "kvm" or "sim"
 */
struct cca_probe_result {
	uint32_t size;
	int32_t available;
	int32_t err;
	enum cca_abi_rev revision;
	enum cca_abi_rev detected;
	int32_t source;
	int32_t cap_number;
	uint32_t ipa_limit;
	uint32_t sve_max_vl;
	uint32_t max_bps;
	uint32_t max_wps;
	uint32_t pmu_max_counters;
	uint32_t manual_psci_complete;
	uint64_t vm_type_bits;
	char machine[32];
	char kvm_path[128];
	char reason[160];
	char evidence[256];
	char backend[8];
};

/**
 * cca_probe() - report the host's realm support, or exactly why there is none
 * @opts: as for cca_host_open(); NULL for defaults
 * @res: filled in; @res->size must be set by the caller, and is then the
 *	number of bytes written: min(@res->size, this library's sizeof)
 *
 * Opens KVM, detects the revision, then measures the limits with throw-away
 * realm VMs and vCPUs (no realm descriptor is ever created).
 *
 * Return: 0 when realms are available; otherwise the error that made them
 * unavailable, with @res->available and @res->reason saying why (bad
 * @opts: -EINVAL, or -E2BIG as for cca_host_open()). -EINVAL if @res is
 * NULL or @res->size is below libcca 0.1's sizeof (then @res is
 * untouched).
 * Context: any thread.
 */
int cca_probe(const struct cca_host_options *opts, struct cca_probe_result *res);

/**
 * cca_ipa_limit() - largest IPA width this host accepts for a realm
 * @host: an open host
 * @bits: receives the width
 *
 * The RMM's S2SZ cannot be queried; this tries KVM_CREATE_VM from 52 bits
 * down and keeps the first width that works.
 *
 * Return: 0; -CCA_E_REVISION if no width works; other -errno.
 * Context: any thread.
 */
int cca_ipa_limit(struct cca_host *host, unsigned int *bits);

#ifdef __cplusplus
}
#endif
#endif /* RMI_HOST_H */
