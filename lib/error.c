// SPDX-License-Identifier: MIT
/*
 * cca_strerror(): one designated-initializer table for libcca's codes,
 * strerrordesc_np()/strerrorname_np() for errnos (glibc >= 2.32).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct err_text {
	const char *name;
	const char *text;
};

static const struct err_text cca_errors[CCA_E_MAX - CCA_E_BASE] = {
#define E(code, txt) [code - CCA_E_BASE] = { #code, txt }
	E(CCA_E_STATE, "not allowed in the realm's current state"),
	E(CCA_E_VCPUS_NOT_CONFIGURED,
	  "not every vCPU of the realm is created and configured yet (the realm descriptor would miss their SVE/PMU/debug settings)"),
	E(CCA_E_AFTER_RUN, "not allowed after the realm's first KVM_RUN"),
	E(CCA_E_VCPU_ORDER, "realm vCPUs must be created with index 0, 1, 2, ... in order, up to the declared count"),
	E(CCA_E_REG_NOT_ALLOWED, "a realm vCPU does not allow this register"),
	E(CCA_E_REG_IGNORED, "the kernel would silently ignore this register write in the realm's current state"),
	E(CCA_E_FEATURE, "vCPU feature refused for realms (bit 9, EL1_32BIT, HAS_EL2 or unknown)"),
	E(CCA_E_NO_GICV3, "the realm has no in-kernel GICv3; its first run would kill it"),
	E(CCA_E_PSCI_PENDING, "this vCPU's PSCI call needs its completion before it runs again"),
	E(CCA_E_PSCI_TARGET_PENDING, "this vCPU is the target of a PSCI call whose completion is not issued yet"),
	E(CCA_E_PSCI_NOT_PENDING, "no PSCI CPU_ON/AFFINITY_INFO call is pending on this vCPU"),
	E(CCA_E_PSCI_TARGET, "the PSCI target names no vCPU of this realm, or not the one the guest named"),
	E(CCA_E_PSCI_STATUS, "PSCI completion status must be SUCCESS, or DENIED for a CPU_ON to an off vCPU"),
	E(CCA_E_NO_PROGRESS, "the kernel reported success without progress"),
	E(CCA_E_DEAD, "the realm failed to build or activate; destroy it and create a new one"),
	E(CCA_E_REVISION, "the kernel's realm ABI revision is unknown or has no realm support"),
	E(CCA_E_BAD_EXIT, "the kernel reported a vCPU exit libcca cannot decode"),
	E(CCA_E_NOT_REALM_MEMORY, "the range is not private-capable RAM of this realm"),
#undef E
};

static int magnitude(int err)
{
	if (err == INT_MIN)
		return INT_MAX; /* -INT_MIN overflows; no code is that large */
	return err < 0 ? -err : err;
}

CCA_EXPORT int cca_is_libcca_error(int err)
{
	int e = magnitude(err);
	return e > CCA_E_BASE && e < CCA_E_MAX;
}

CCA_EXPORT const char *cca_strerror(int err)
{
	int e = magnitude(err);

	if (e == 0)
		return "success";
	if (cca_is_libcca_error(e))
		return cca_errors[e - CCA_E_BASE].text;
	const char *s = strerrordesc_np(e);
	return s ? s : "unknown error";
}

CCA_EXPORT const char *cca_error_name(int err)
{
	int e = magnitude(err);

	if (e == 0)
		return "OK";
	if (cca_is_libcca_error(e))
		return cca_errors[e - CCA_E_BASE].name;
	const char *s = strerrorname_np(e);
	return s ? s : "E?";
}

CCA_EXPORT const char *cca_version(void)
{
#define STR_(x) #x
#define STR(x) STR_(x)
	return STR(CCA_VERSION_MAJOR) "." STR(CCA_VERSION_MINOR) "." STR(CCA_VERSION_PATCH);
}

void cca_log(const struct cca_host *host, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!host || !host->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	host->log_fn(host->log_ctx, level, line);
}
