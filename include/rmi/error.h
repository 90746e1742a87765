/* SPDX-License-Identifier: MIT */
/*
 * libcca error codes.
 *
 * Every libcca function that can fail returns an int: 0 (or a documented
 * non-negative value) on success, and on failure either a negative errno
 * (the kernel or the OS refused; passed through unchanged) or a negative
 * CCA_E_* code (libcca refused before any kernel call, because the call
 * would break a rule of the realm ABI that the kernel would otherwise
 * apply silently, or reject with an errno that does not say which rule).
 */
#ifndef RMI_ERROR_H
#define RMI_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum cca_error - libcca's own error codes, returned negated
 *
 * The values sit above every errno and below 4096, so a caller can tell
 * the two channels apart with cca_is_libcca_error().
 */
enum cca_error {
	CCA_E_BASE = 2048,
	/** @CCA_E_STATE: not allowed in the realm's current state. */
	CCA_E_STATE,
	/**
	 * @CCA_E_VCPUS_NOT_CONFIGURED: populate (or first run) before every
	 * vCPU the realm declared was created and configured; the kernel
	 * would create the realm descriptor without their SVE/PMU settings.
	 */
	CCA_E_VCPUS_NOT_CONFIGURED,
	/** @CCA_E_AFTER_RUN: vCPU creation or populate after the first KVM_RUN. */
	CCA_E_AFTER_RUN,
	/** @CCA_E_VCPU_ORDER: vCPUs must be created with index 0, 1, 2, ... in order. */
	CCA_E_VCPU_ORDER,
	/** @CCA_E_REG_NOT_ALLOWED: a realm vCPU does not allow this register. */
	CCA_E_REG_NOT_ALLOWED,
	/** @CCA_E_REG_IGNORED: the kernel would accept and silently ignore this write now. */
	CCA_E_REG_IGNORED,
	/** @CCA_E_FEATURE: vCPU feature refused for realms (bit 9, EL1_32BIT, ...). */
	CCA_E_FEATURE,
	/** @CCA_E_NO_GICV3: the realm has no in-kernel GICv3; its first run would kill it. */
	CCA_E_NO_GICV3,
	/** @CCA_E_PSCI_PENDING: this vCPU made a PSCI call whose completion is not issued yet. */
	CCA_E_PSCI_PENDING,
	/** @CCA_E_PSCI_TARGET_PENDING: this vCPU is the target of a PSCI call not completed yet. */
	CCA_E_PSCI_TARGET_PENDING,
	/** @CCA_E_PSCI_NOT_PENDING: completion issued with no CPU_ON/AFFINITY_INFO pending. */
	CCA_E_PSCI_NOT_PENDING,
	/** @CCA_E_PSCI_TARGET: the PSCI target MPIDR names no vCPU of this realm. */
	CCA_E_PSCI_TARGET,
	/** @CCA_E_PSCI_STATUS: completion status other than SUCCESS, or DENIED for a non-CPU_ON call. */
	CCA_E_PSCI_STATUS,
	/** @CCA_E_NO_PROGRESS: the kernel reported success but made no progress. */
	CCA_E_NO_PROGRESS,
	/** @CCA_E_DEAD: the realm failed to build or activate; destroy it and start again. */
	CCA_E_DEAD,
	/** @CCA_E_REVISION: the kernel's realm ABI revision is unknown or unsupported. */
	CCA_E_REVISION,
	/** @CCA_E_BAD_EXIT: the kernel reported an exit libcca cannot decode. */
	CCA_E_BAD_EXIT,
	/** @CCA_E_NOT_REALM_MEMORY: range outside the realm's private (guest_memfd) RAM. */
	CCA_E_NOT_REALM_MEMORY,
	/** @CCA_E_MAX: one past the last code. */
	CCA_E_MAX
};

/**
 * cca_strerror() - describe an error code
 * @err: a libcca return value: negative or positive errno, -CCA_E_*, or 0
 *
 * Return: a static string; never NULL. Unknown values give a generic text.
 * Context: any thread.
 */
const char *cca_strerror(int err);

/**
 * cca_error_name() - symbolic name of an error code ("EINVAL", "CCA_E_STATE")
 * @err: as for cca_strerror()
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_error_name(int err);

/**
 * cca_is_libcca_error() - whether @err is one of libcca's own codes
 * @err: a return value, negated or not
 *
 * Return: 1 for -CCA_E_* / CCA_E_*, else 0.
 * Context: any thread.
 */
int cca_is_libcca_error(int err);

/**
 * enum cca_log_level - severity passed to a log callback
 */
enum cca_log_level {
	CCA_LOG_ERR = 3,
	CCA_LOG_WARN = 4,
	CCA_LOG_INFO = 6,
	CCA_LOG_DEBUG = 7,
};

/**
 * typedef cca_log_fn - optional diagnostics callback
 * @ctx: the pointer given with the callback
 * @level: enum cca_log_level
 * @msg: one line, no trailing newline; valid only during the call
 *
 * libcca never prints; it reports what it saw (revision evidence, refused
 * operations, kernel errors) through this callback when one is set. It may
 * be called from any thread that calls into libcca.
 */
typedef void cca_log_fn(void *ctx, int level, const char *msg);

#ifdef __cplusplus
}
#endif
#endif /* RMI_ERROR_H */
