/* SPDX-License-Identifier: MIT */
/*
 * Kernel realm-ABI revisions and the behaviours that differ between them.
 *
 * The realm uAPI changed in every posting of the KVM CCA series (v12, v13,
 * v14, v15). libcca detects the revision at run time (cca_host_open()) and
 * keeps one C API over all of them; callers ask about behaviour with
 * cca_abi_has(), never about numbers. Every per-revision value lives in one
 * table in lib/abi.c.
 */
#ifndef RMI_ABI_H
#define RMI_ABI_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum cca_abi_rev - a posting of the KVM CCA host series
 * @CCA_ABI_UNKNOWN: not detected (or no realm support)
 * @CCA_ABI_V12: Dec 2025, RMM v1.0
 * @CCA_ABI_V13: Mar 2026, RMM v2.0-bet0
 * @CCA_ABI_V14: May 2026, RMM v2.0-bet1
 * @CCA_ABI_V15: Jul 2026, RMM v2.0-bet2 (its numbers are unconfirmed)
 */
enum cca_abi_rev {
	CCA_ABI_UNKNOWN = 0,
	CCA_ABI_V12 = 12,
	CCA_ABI_V13 = 13,
	CCA_ABI_V14 = 14,
	CCA_ABI_V15 = 15,
};
#define CCA_ABI_FIRST CCA_ABI_V12
#define CCA_ABI_LAST CCA_ABI_V15

/**
 * enum cca_abi_feature - behaviours that differ between revisions
 * @CCA_ABI_MANUAL_PSCI_COMPLETE: user-space PSCI CPU_ON/AFFINITY_INFO must be
 *	completed with KVM_ARM_VCPU_RMI_PSCI_COMPLETE (v12, v13)
 * @CCA_ABI_RUN_EAGAIN: KVM_RUN may fail with EAGAIN, meaning "run again" (v14+)
 * @CCA_ABI_POPULATE_WRITEBACK: POPULATE returns 0 and writes progress back
 *	(v13+); otherwise it returns the byte count (v12)
 * @CCA_ABI_PMU: realms may have a PMU (v12, v13)
 * @CCA_ABI_GMEM_CONVERSION: private/shared conversion is done on the
 *	guest_memfd, memory is private by default (v15); otherwise VM memory
 *	attributes
 * @CCA_ABI_VGIC_INIT_REQUIRED: the vGIC must be initialised before the first
 *	run (v15; harmless on the others)
 * @CCA_ABI_RMM_V2: the paired RMM implements the 2.0 (draft) ABI (v13+)
 * @CCA_ABI_MEASURES_INIT_RIPAS: the RMM model measures RTT_INIT_RIPAS (v12)
 * @CCA_ABI_HASH_SELECT: user space can choose the measurement hash (none yet)
 * @CCA_ABI_RPV: user space can set the Realm Personalization Value (none yet)
 * @CCA_ABI_ENABLE_CAP_FILTERED: KVM_ENABLE_CAP is filtered on realm VMs (v14+)
 * @CCA_ABI_AFFINITY_INFO_COMPLETE: AFFINITY_INFO needs a completion (v12-v14)
 * @CCA_ABI_POPULATE_SRC_ALIGN_CHECK: the kernel rejects an unaligned source (v14+)
 */
enum cca_abi_feature {
	CCA_ABI_MANUAL_PSCI_COMPLETE,
	CCA_ABI_RUN_EAGAIN,
	CCA_ABI_POPULATE_WRITEBACK,
	CCA_ABI_PMU,
	CCA_ABI_GMEM_CONVERSION,
	CCA_ABI_VGIC_INIT_REQUIRED,
	CCA_ABI_RMM_V2,
	CCA_ABI_MEASURES_INIT_RIPAS,
	CCA_ABI_HASH_SELECT,
	CCA_ABI_RPV,
	CCA_ABI_ENABLE_CAP_FILTERED,
	CCA_ABI_AFFINITY_INFO_COMPLETE,
	CCA_ABI_POPULATE_SRC_ALIGN_CHECK,
	CCA_ABI_FEATURE_COUNT
};

/**
 * cca_abi_has() - whether a revision has a behaviour
 * @rev: a revision
 * @feature: the behaviour
 *
 * Return: true or false; false for an unknown revision or feature.
 * Context: any thread; pure.
 */
bool cca_abi_has(enum cca_abi_rev rev, enum cca_abi_feature feature);

/**
 * cca_abi_rev_name() - "v12" ... "v15", or "unknown"
 * @rev: a revision
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_abi_rev_name(enum cca_abi_rev rev);

/**
 * cca_abi_rev_parse() - parse "v13", "13" or "V13"
 * @s: the text
 * @rev: where to store the revision
 *
 * Return: 0; -EINVAL if @s names no supported revision (@rev untouched).
 * Context: any thread.
 */
int cca_abi_rev_parse(const char *s, enum cca_abi_rev *rev);

/**
 * cca_abi_cap_number() - KVM_CAP_ARM_RMI of a revision
 * @rev: a revision
 *
 * Return: the capability number; -EINVAL for an unknown revision.
 * Context: any thread.
 */
int cca_abi_cap_number(enum cca_abi_rev rev);

/**
 * cca_abi_vm_type() - the KVM_CREATE_VM type for a realm
 * @rev: a revision
 * @ipa_bits: IPA width, 32..52 (0 is the kernel's default of 40)
 *
 * Return: the type (>= 0); -EINVAL for an unknown revision or a bad width.
 * Context: any thread.
 */
long long cca_abi_vm_type(enum cca_abi_rev rev, unsigned int ipa_bits);

#ifdef __cplusplus
}
#endif
#endif /* RMI_ABI_H */
