// SPDX-License-Identifier: MIT
/*
 * Description: every ioctl number, capability, VM type, register ID and
 * struct layout against the literal values of the reference
 * (shared/reference/kvm-realm-uapi.md §1, §20; rmi-spec.md §6-§8, §11), and
 * the per-revision table against §20.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include <rmi/cca.h>

#include "internal.h"

static void realm_ioctl_numbers(void **state)
{
	(void)state;
	assert_int_equal(KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, 0x4018AED6UL);
	assert_int_equal(KVM_ARM_RMI_POPULATE_V12, 0x4020AED7UL);
	assert_int_equal(KVM_ARM_RMI_POPULATE_V13, 0xC020AED7UL);
	assert_int_equal(KVM_ARM_RMI_POPULATE_FLAGS_MEASURE, 1);
	assert_int_equal(KVMIO, 0xAE);
}

static void generic_ioctl_numbers(void **state)
{
	(void)state;
	/* _IOW/_IOWR(KVMIO, nr, size) computed by hand. */
	assert_int_equal(KVM_SET_USER_MEMORY_REGION2, 0x40A0AE49UL);
	assert_int_equal(KVM_SET_MEMORY_ATTRIBUTES, 0x4020AED2UL);
	assert_int_equal(KVM_CREATE_GUEST_MEMFD, 0xC040AED4UL);
	assert_int_equal(CCA_KVM_ARM_VCPU_INIT, 0x4020AEAEUL);
	assert_int_equal(CCA_KVM_ARM_PREFERRED_TARGET, 0x8020AEAFUL);
	assert_int_equal(CCA_KVM_ARM_VCPU_FINALIZE, 0x4004AEC2UL);
	assert_int_equal(KVM_CAP_USER_MEMORY2, 231);
	assert_int_equal(KVM_CAP_MEMORY_ATTRIBUTES, 233);
	assert_int_equal(KVM_CAP_GUEST_MEMFD, 234);
	assert_int_equal(KVM_MEM_GUEST_MEMFD, 1 << 2);
	assert_int_equal(KVM_MEMORY_ATTRIBUTE_PRIVATE, 1 << 3);
	assert_int_equal(KVM_MEMORY_EXIT_FLAG_PRIVATE, 1 << 3);
	assert_int_equal(KVM_EXIT_MEMORY_FAULT, 39);
	assert_int_equal(KVM_EXIT_HYPERCALL, 3);
	assert_int_equal(KVM_EXIT_MMIO, 6);
	assert_int_equal(KVM_EXIT_SHUTDOWN, 8);
	assert_int_equal(KVM_EXIT_INTERNAL_ERROR, 17);
	assert_int_equal(KVM_EXIT_SYSTEM_EVENT, 24);
	assert_int_equal(KVM_SYSTEM_EVENT_SHUTDOWN, 1);
	assert_int_equal(KVM_SYSTEM_EVENT_RESET, 2);
	assert_int_equal(CCA_KVM_SMCCC_FILTER_FWD_TO_USER, 2);
	assert_int_equal(CCA_KVM_MP_STATE_RUNNABLE, 0);
	assert_int_equal(CCA_KVM_MP_STATE_STOPPED, 5);
}

static void vm_types_and_caps(void **state)
{
	(void)state;
	assert_int_equal(KVM_CAP_ARM_RMI_V12, 247);
	assert_int_equal(KVM_CAP_ARM_RMI_V13, 248);
	assert_int_equal(KVM_CAP_ARM_RMI_V14, 249);
	assert_int_equal(KVM_CAP_ARM_RMI_V15, 251);
	assert_int_equal(KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15, 250);
	/* 48-bit realms (§20). */
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V12, 48), 0x130);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V13, 48), 0x130);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V14, 48), 0x40000030);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V15, 48), 0x40000030);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V12, 31), -EINVAL);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_V12, 53), -EINVAL);
	assert_int_equal(cca_abi_vm_type(CCA_ABI_UNKNOWN, 48), -EINVAL);
	assert_int_equal(cca_abi_cap_number(CCA_ABI_V12), 247);
	assert_int_equal(cca_abi_cap_number(CCA_ABI_V13), 248);
	assert_int_equal(cca_abi_cap_number(CCA_ABI_V14), 249);
	assert_int_equal(cca_abi_cap_number(CCA_ABI_V15), 251);
	assert_int_equal(cca_abi_cap_number((enum cca_abi_rev)11), -EINVAL);
}

static void register_ids(void **state)
{
	(void)state;
	assert_true(CCA_KVM_REG_ARM64_X(0) == 0x6030000000100000ULL);
	assert_true(CCA_KVM_REG_ARM64_X(30) == 0x603000000010003CULL);
	assert_true(CCA_KVM_REG_ARM64_PC == 0x6030000000100040ULL);
	assert_true(CCA_KVM_REG_PMCR_EL0 == 0x603000000013DCE0ULL);
	assert_true(CCA_KVM_REG_ID_AA64DFR0_EL1 == 0x603000000013C028ULL);
	assert_true(CCA_KVM_REG_ARM64_SVE_VLS == 0x606000000015FFFFULL);
	assert_int_equal(CCA_KVM_ARM_VCPU_POWER_OFF, 0);
	assert_int_equal(CCA_KVM_ARM_VCPU_EL1_32BIT, 1);
	assert_int_equal(CCA_KVM_ARM_VCPU_PSCI_0_2, 2);
	assert_int_equal(CCA_KVM_ARM_VCPU_PMU_V3, 3);
	assert_int_equal(CCA_KVM_ARM_VCPU_SVE, 4);
	assert_int_equal(CCA_KVM_ARM_VCPU_HAS_EL2, 7);
}

static void kvm_struct_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct kvm_arm_rmi_psci_complete), 24);
	assert_int_equal(offsetof(struct kvm_arm_rmi_psci_complete, psci_status), 8);
	assert_int_equal(sizeof(struct kvm_arm_rmi_populate), 32);
	assert_int_equal(offsetof(struct kvm_arm_rmi_populate, source_uaddr), 16);
	assert_int_equal(offsetof(struct kvm_arm_rmi_populate, flags), 24);
	assert_int_equal(offsetof(struct kvm_arm_rmi_populate, reserved), 28);
	assert_int_equal(sizeof(struct kvm_userspace_memory_region2), 160);
	assert_int_equal(sizeof(struct kvm_memory_attributes), 32);
	assert_int_equal(sizeof(struct kvm_create_guest_memfd), 64);
	assert_int_equal(sizeof(struct cca_kvm_smccc_filter), 24);
	assert_int_equal(sizeof(struct cca_kvm_vcpu_init), 32);
}

static void rmi_layouts_and_values(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct cca_rmi_realm_params), 4096);
	assert_int_equal(offsetof(struct cca_rmi_realm_params, hash_algo), 0x30);
	assert_int_equal(offsetof(struct cca_rmi_realm_params, rpv), 0x400);
	assert_int_equal(offsetof(struct cca_rmi_realm_params, rtt_num_start), 0x818);
	assert_int_equal(sizeof(struct cca_rmi_rec_params), 4096);
	assert_int_equal(offsetof(struct cca_rmi_rec_params, gprs), 0x300);
	assert_int_equal(offsetof(struct cca_rmi_rec_params, aux), 0x808);
	assert_int_equal(sizeof(struct cca_rmi_rec_run), 4096);
	assert_int_equal(offsetof(struct cca_rmi_rec_run, exit) + offsetof(struct cca_rmi_rec_exit, ripas_base), 0xD00);
	assert_int_equal(offsetof(struct cca_rmi_rec_exit, imm), 0x600);
	assert_int_equal(offsetof(struct cca_rmi_rec_exit, pmu_ovf_status), 0x700);
	assert_int_equal(CCA_RMI_REC_ENTER, 0xC400015C);
	assert_int_equal(CCA_RMI_PSCI_COMPLETE, 0xC4000164);
	assert_int_equal(CCA_RMI_RTT_INIT_RIPAS, 0xC4000168);
	assert_int_equal(CCA_RMI_V2_OP_CANCEL, 0xC400020A);
	assert_int_equal(CCA_RMI_RETURN(CCA_RMI_ERROR_REALM, 1), 0x102);
	assert_int_equal(CCA_RMI_RETURN_INDEX(0x102), 1);
	assert_int_equal(CCA_RMI_RETURN_STATUS(0x102), CCA_RMI_ERROR_REALM);
	assert_int_equal(CCA_PSCI_CPU_ON_64, 0xC4000003);
	assert_int_equal(CCA_PSCI_AFFINITY_INFO_32, 0x84000004);
	assert_int_equal(CCA_PSCI_RET_DENIED, -3);
	assert_int_equal((uint32_t)CCA_PSCI_RET_DENIED, 0xFFFFFFFDU);
	/* FEATURES register 0 fields (§7.1). */
	uint64_t f0 = 48 | (1ULL << 9) | (3ULL << 10) | (5ULL << 14) | (7ULL << 20) | (1ULL << 26) |
		      (31ULL << 27) | (1ULL << 32) | (9ULL << 38);
	assert_int_equal(CCA_RMI_FEAT0_S2SZ(f0), 48);
	assert_int_equal(CCA_RMI_FEAT0_SVE_EN(f0), 1);
	assert_int_equal(CCA_RMI_FEAT0_SVE_VL(f0), 3);
	assert_int_equal(CCA_RMI_FEAT0_NUM_BPS(f0), 5);
	assert_int_equal(CCA_RMI_FEAT0_NUM_WPS(f0), 7);
	assert_int_equal(CCA_RMI_FEAT0_PMU_EN(f0), 1);
	assert_int_equal(CCA_RMI_FEAT0_PMU_NUM_CTRS(f0), 31);
	assert_int_equal(CCA_RMI_FEAT0_HASH_SHA_256(f0), 1);
	assert_int_equal(CCA_RMI_FEAT0_HASH_SHA_512(f0), 0);
	assert_int_equal(CCA_RMI_FEAT0_MAX_RECS_ORDER(f0), 9);
}

/* §20, row by row. */
static void revision_table(void **state)
{
	(void)state;
	static const struct {
		enum cca_abi_rev rev;
		unsigned long populate;
		unsigned long psci;
		bool manual, eagain, writeback, pmu, rmm2, ripas_measured, gmem_conv;
	} rows[] = {
		{ CCA_ABI_V12, 0x4020AED7UL, 0x4018AED6UL, 1, 0, 0, 1, 0, 1, 0 },
		{ CCA_ABI_V13, 0xC020AED7UL, 0x4018AED6UL, 1, 0, 1, 1, 1, 0, 0 },
		{ CCA_ABI_V14, 0xC020AED7UL, 0, 0, 1, 1, 0, 1, 0, 0 },
		{ CCA_ABI_V15, 0xC020AED7UL, 0, 0, 1, 1, 0, 1, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct cca_abi_desc *d = cca_abi_desc(rows[i].rev);
		assert_non_null(d);
		assert_int_equal(d->populate_req, rows[i].populate);
		assert_int_equal(d->psci_complete_req, rows[i].psci);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_MANUAL_PSCI_COMPLETE), rows[i].manual);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_RUN_EAGAIN), rows[i].eagain);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_POPULATE_WRITEBACK), rows[i].writeback);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_PMU), rows[i].pmu);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_RMM_V2), rows[i].rmm2);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_MEASURES_INIT_RIPAS),
				 rows[i].ripas_measured);
		assert_int_equal(cca_abi_has(rows[i].rev, CCA_ABI_GMEM_CONVERSION), rows[i].gmem_conv);
		assert_false(cca_abi_has(rows[i].rev, CCA_ABI_HASH_SELECT));
		assert_false(cca_abi_has(rows[i].rev, CCA_ABI_RPV));
		/* The populate convention follows the ioctl direction. */
		assert_int_equal(d->populate_conv == CCA_POPULATE_WRITES_BACK, rows[i].writeback);
	}
	assert_false(cca_abi_has(CCA_ABI_UNKNOWN, CCA_ABI_PMU));
	assert_false(cca_abi_has(CCA_ABI_V12, CCA_ABI_FEATURE_COUNT));
	assert_true(cca_abi_desc(CCA_ABI_V12)->populate_max_chunk < (2ULL << 30));
}

static void revision_names(void **state)
{
	enum cca_abi_rev r = CCA_ABI_UNKNOWN;
	(void)state;
	assert_string_equal(cca_abi_rev_name(CCA_ABI_V13), "v13");
	assert_string_equal(cca_abi_rev_name((enum cca_abi_rev)99), "unknown");
	assert_int_equal(cca_abi_rev_parse("v14", &r), 0);
	assert_int_equal(r, CCA_ABI_V14);
	assert_int_equal(cca_abi_rev_parse("12", &r), 0);
	assert_int_equal(r, CCA_ABI_V12);
	assert_int_equal(cca_abi_rev_parse("V15", &r), 0);
	assert_int_equal(r, CCA_ABI_V15);
	assert_int_equal(cca_abi_rev_parse("v11", &r), -EINVAL);
	assert_int_equal(cca_abi_rev_parse("v13x", &r), -EINVAL);
	assert_int_equal(cca_abi_rev_parse("", &r), -EINVAL);
	assert_int_equal(cca_abi_rev_parse("v", &r), -EINVAL);
	assert_int_equal(r, CCA_ABI_V15); /* untouched on failure */
	assert_int_equal(cca_abi_rev_parse(NULL, &r), -EINVAL);
}

static void mpidr_mapping(void **state)
{
	(void)state;
	assert_true(cca_mpidr_of_index(0) == 0);
	assert_true(cca_mpidr_of_index(15) == 0xf);
	assert_true(cca_mpidr_of_index(16) == 0x100);
	assert_true(cca_mpidr_of_index(17) == 0x101);
	assert_true(cca_mpidr_of_index(511) == 0x1f0f);
	assert_true(cca_mpidr_of_index(4096) == 0x10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(realm_ioctl_numbers),
		cmocka_unit_test(generic_ioctl_numbers),
		cmocka_unit_test(vm_types_and_caps),
		cmocka_unit_test(register_ids),
		cmocka_unit_test(kvm_struct_layouts),
		cmocka_unit_test(rmi_layouts_and_values),
		cmocka_unit_test(revision_table),
		cmocka_unit_test(revision_names),
		cmocka_unit_test(mpidr_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
