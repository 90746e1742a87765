// SPDX-License-Identifier: MIT
/*
 * The one table of per-revision differences (kvm-realm-uapi.md §20).
 *
 * Every revision-dependent decision in libcca reads this table; no other
 * file compares revision numbers. A fact the reference marks (inferred) or
 * (unconfirmed) is a single cell here, so correcting it is a one-line change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define F(x) (1ULL << (x))
#define GiB (1ULL << 30)

static const struct cca_abi_desc abi_table[] = {
	{
		.rev = CCA_ABI_V12,
		.name = "v12",
		.cap_rmi = KVM_CAP_ARM_RMI_V12,
		.vm_type_realm = KVM_VM_TYPE_ARM_REALM_V12,
		.vm_type_accept = KVM_VM_TYPE_ARM_IPA_SIZE_MASK | KVM_VM_TYPE_ARM_MASK_V12,
		.populate_req = KVM_ARM_RMI_POPULATE_V12,
		.populate_conv = CCA_POPULATE_RETURNS_BYTES,
		/* The byte count is an int: stay well below 2 GiB per call. */
		.populate_max_chunk = 1 * GiB,
		.populate_checks = 0,
		.psci_complete_req = KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12,
		.mem_attr_cap = KVM_CAP_MEMORY_ATTRIBUTES,
		.features = F(CCA_ABI_MANUAL_PSCI_COMPLETE) | F(CCA_ABI_PMU) |
			    F(CCA_ABI_MEASURES_INIT_RIPAS) | F(CCA_ABI_AFFINITY_INFO_COMPLETE),
		.rmm_major = 1,
	},
	{
		.rev = CCA_ABI_V13,
		.name = "v13",
		.cap_rmi = KVM_CAP_ARM_RMI_V13,
		.vm_type_realm = KVM_VM_TYPE_ARM_REALM_V12,
		.vm_type_accept = KVM_VM_TYPE_ARM_IPA_SIZE_MASK | KVM_VM_TYPE_ARM_MASK_V12,
		.populate_req = KVM_ARM_RMI_POPULATE_V13,
		.populate_conv = CCA_POPULATE_WRITES_BACK,
		.populate_max_chunk = 1 * GiB,
		.populate_checks = 0, /* as v12 (unconfirmed) */
		.psci_complete_req = KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12,
		.mem_attr_cap = KVM_CAP_MEMORY_ATTRIBUTES,
		/* EAGAIN from KVM_RUN: assumed absent (unconfirmed). */
		.features = F(CCA_ABI_MANUAL_PSCI_COMPLETE) | F(CCA_ABI_PMU) |
			    F(CCA_ABI_POPULATE_WRITEBACK) | F(CCA_ABI_RMM_V2) |
			    F(CCA_ABI_AFFINITY_INFO_COMPLETE),
		.rmm_major = 2,
	},
	{
		.rev = CCA_ABI_V14,
		.name = "v14",
		.cap_rmi = KVM_CAP_ARM_RMI_V14,
		.vm_type_realm = KVM_VM_TYPE_ARM_REALM_V14,
		.vm_type_accept = KVM_VM_TYPE_ARM_IPA_SIZE_MASK | KVM_VM_TYPE_ARM_REALM_V14 |
				  KVM_VM_TYPE_ARM_PROTECTED_V14,
		.populate_req = KVM_ARM_RMI_POPULATE_V13,
		.populate_conv = CCA_POPULATE_WRITES_BACK,
		.populate_max_chunk = 1 * GiB,
		.populate_checks = CCA_PCHK_SRC_ALIGN,
		.psci_complete_req = 0,
		.mem_attr_cap = KVM_CAP_MEMORY_ATTRIBUTES,
		.features = F(CCA_ABI_RUN_EAGAIN) | F(CCA_ABI_POPULATE_WRITEBACK) |
			    F(CCA_ABI_RMM_V2) | F(CCA_ABI_ENABLE_CAP_FILTERED) |
			    F(CCA_ABI_AFFINITY_INFO_COMPLETE) | F(CCA_ABI_POPULATE_SRC_ALIGN_CHECK),
		.rmm_major = 2,
	},
	{
		/* v15: every cell from downstream sources (unconfirmed). */
		.rev = CCA_ABI_V15,
		.name = "v15",
		.cap_rmi = KVM_CAP_ARM_RMI_V15,
		.vm_type_realm = KVM_VM_TYPE_ARM_REALM_V14,
		.vm_type_accept = KVM_VM_TYPE_ARM_IPA_SIZE_MASK | KVM_VM_TYPE_ARM_REALM_V14 |
				  KVM_VM_TYPE_ARM_PROTECTED_V14,
		.populate_req = KVM_ARM_RMI_POPULATE_V13,
		.populate_conv = CCA_POPULATE_WRITES_BACK,
		.populate_max_chunk = 1 * GiB,
		.populate_checks = CCA_PCHK_SRC_ALIGN | CCA_PCHK_WRAP | CCA_PCHK_SRC_NONZERO |
				   CCA_PCHK_UPPER_HALF,
		.psci_complete_req = 0,
		.mem_attr_cap = KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15,
		.features = F(CCA_ABI_RUN_EAGAIN) | F(CCA_ABI_POPULATE_WRITEBACK) |
			    F(CCA_ABI_RMM_V2) | F(CCA_ABI_ENABLE_CAP_FILTERED) |
			    F(CCA_ABI_GMEM_CONVERSION) | F(CCA_ABI_VGIC_INIT_REQUIRED) |
			    F(CCA_ABI_POPULATE_SRC_ALIGN_CHECK),
		.rmm_major = 2,
	},
};

const struct cca_abi_desc *cca_abi_desc(enum cca_abi_rev rev)
{
	for (size_t i = 0; i < ARRAY_SIZE(abi_table); i++)
		if (abi_table[i].rev == rev)
			return &abi_table[i];
	return NULL;
}

bool cca_abi_desc_has(const struct cca_abi_desc *d, enum cca_abi_feature f)
{
	if (!d || (unsigned)f >= CCA_ABI_FEATURE_COUNT)
		return false;
	return (d->features & F(f)) != 0;
}

CCA_EXPORT bool cca_abi_has(enum cca_abi_rev rev, enum cca_abi_feature feature)
{
	return cca_abi_desc_has(cca_abi_desc(rev), feature);
}

CCA_EXPORT const char *cca_abi_rev_name(enum cca_abi_rev rev)
{
	const struct cca_abi_desc *d = cca_abi_desc(rev);
	return d ? d->name : "unknown";
}

CCA_EXPORT int cca_abi_rev_parse(const char *s, enum cca_abi_rev *rev)
{
	char *end;

	if (!s || !rev)
		return -EINVAL;
	if (s[0] == 'v' || s[0] == 'V')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	long n = strtol(s, &end, 10);
	if (*end != '\0' || !cca_abi_desc((enum cca_abi_rev)n))
		return -EINVAL;
	*rev = (enum cca_abi_rev)n;
	return 0;
}

CCA_EXPORT int cca_abi_cap_number(enum cca_abi_rev rev)
{
	const struct cca_abi_desc *d = cca_abi_desc(rev);
	return d ? d->cap_rmi : -EINVAL;
}

CCA_EXPORT long long cca_abi_vm_type(enum cca_abi_rev rev, unsigned int ipa_bits)
{
	const struct cca_abi_desc *d = cca_abi_desc(rev);

	if (!d || (ipa_bits != 0 && (ipa_bits < CCA_IPA_BITS_MIN || ipa_bits > CCA_IPA_BITS_MAX)))
		return -EINVAL;
	return (long long)(d->vm_type_realm | ipa_bits);
}
