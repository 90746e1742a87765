/* SPDX-License-Identifier: MIT */
/*
 * The KVM user ABI for Arm CCA realms, per kernel revision (v12..v15), plus
 * the generic KVM definitions that older kernel headers (Debian 12 ships
 * 6.1) lack, and the arm64 KVM definitions libcca needs.
 *
 * - Realm items use the kernel's names; a _V12/_V13/_V14/_V15 suffix marks
 *   a value on which the revisions disagree. Never pick one of those by
 *   hand: the library chooses per run-time revision (rmi/abi.h).
 * - Generic KVM items are defined only when <linux/kvm.h> lacks them.
 * - arm64 items carry a CCA_ prefix so that this header builds on any host
 *   architecture, where <asm/kvm.h> is another architecture's.
 *
 * Sources: shared/reference/kvm-realm-uapi.md (sections given below).
 */
#ifndef RMI_UAPI_H
#define RMI_UAPI_H

#include <linux/kvm.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- realm uAPI (kvm-realm-uapi.md §1, §16-§18) ---------------------- */

/* KVM_CAP_ARM_RMI: renumbered in every posting (251 for v15 unconfirmed). */
#define KVM_CAP_ARM_RMI_V12 247
#define KVM_CAP_ARM_RMI_V13 248
#define KVM_CAP_ARM_RMI_V14 249
#define KVM_CAP_ARM_RMI_V15 251
/* v15: guest_memfd memory attributes (unconfirmed, downstream). */
#define KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15 250

/* Realm VM type: machine type 1 in bits [11:8] (v12, v13), bit 30 (v14+). */
#define KVM_VM_TYPE_ARM_REALM_V12 (1UL << 8)
#define KVM_VM_TYPE_ARM_REALM_V14 (1UL << 30)
#define KVM_VM_TYPE_ARM_PROTECTED_V14 (1UL << 31)
#define KVM_VM_TYPE_ARM_MASK_V12 0xf00UL
#ifndef KVM_VM_TYPE_ARM_IPA_SIZE_MASK
#define KVM_VM_TYPE_ARM_IPA_SIZE_MASK 0xffUL
#endif

#ifndef KVM_ARM_RMI_POPULATE
/**
 * struct kvm_arm_rmi_populate - argument of KVM_ARM_RMI_POPULATE (VM fd)
 * @base: start IPA in the protected half, 4 KiB aligned
 * @size: bytes; base + size 4 KiB aligned
 * @source_uaddr: user address of the source bytes, 4 KiB aligned
 * @flags: 0 or KVM_ARM_RMI_POPULATE_FLAGS_MEASURE
 * @reserved: must be 0
 *
 * v13 and later write back @base, @size and @source_uaddr to report
 * progress; v12 returns the number of bytes populated instead.
 */
struct kvm_arm_rmi_populate {
	__u64 base;
	__u64 size;
	__u64 source_uaddr;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct kvm_arm_rmi_psci_complete - argument of KVM_ARM_VCPU_RMI_PSCI_COMPLETE
 * @target_mpidr: MPIDR of the target of the guest's PSCI call (its x1)
 * @psci_status: PSCI_RET_SUCCESS (0) or PSCI_RET_DENIED (-3)
 * @padding: write zeros
 *
 * Issued on the *calling* vCPU's fd. v12 and v13 only.
 */
struct kvm_arm_rmi_psci_complete {
	__u64 target_mpidr;
	__u32 psci_status;
	__u32 padding[3];
};
#define KVM_ARM_RMI_POPULATE_FLAGS_MEASURE (1U << 0)
#endif

/* Same number in v12 and v13; removed in v14 (EINVAL there). */
#define KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12 _IOW(KVMIO, 0xd6, struct kvm_arm_rmi_psci_complete)
/* v12: _IOW, returns bytes populated. v13+: _IOWR, returns 0 and writes back. */
#define KVM_ARM_RMI_POPULATE_V12 _IOW(KVMIO, 0xd7, struct kvm_arm_rmi_populate)
#define KVM_ARM_RMI_POPULATE_V13 _IOWR(KVMIO, 0xd7, struct kvm_arm_rmi_populate)

/* ---- generic KVM items newer than Debian 12's 6.1 headers ------------ */

#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif

#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
#endif

#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
#endif

#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE (1ULL << 3)
#endif

/**
 * struct cca_kvm_memory_fault - kvm_run.memory_fault, absent from 6.1 headers
 *
 * It overlays the start of struct kvm_run's exit union (the offset of
 * kvm_run.mmio); read it with cca_kvm_run_memory_fault().
 */
struct cca_kvm_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

/**
 * struct cca_kvm_hypercall - kvm_run.hypercall as arm64 kernels since 6.3 lay it out
 *
 * 6.1 headers name the last u64 "longmode"+"pad"; arm64 uses it as flags.
 */
struct cca_kvm_hypercall {
	__u64 nr;
	__u64 args[6];
	__u64 ret;
	__u64 flags;
};
#ifndef KVM_HYPERCALL_EXIT_SMC
#define KVM_HYPERCALL_EXIT_SMC (1ULL << 0)
#endif
#ifndef KVM_HYPERCALL_EXIT_16BIT
#define KVM_HYPERCALL_EXIT_16BIT (1ULL << 1)
#endif

/* ---- arm64 KVM items (from arch/arm64/include/uapi/asm/kvm.h) -------- */

/**
 * struct cca_kvm_vcpu_init - arm64 struct kvm_vcpu_init
 * @target: from KVM_ARM_PREFERRED_TARGET
 * @features: feature bitmap (CCA_KVM_ARM_VCPU_*)
 */
struct cca_kvm_vcpu_init {
	__u32 target;
	__u32 features[7];
};

/**
 * struct cca_kvm_smccc_filter - arm64 struct kvm_smccc_filter
 * @base: first SMCCC function ID of the range
 * @nr_functions: number of IDs in the range
 * @action: CCA_KVM_SMCCC_FILTER_*
 * @pad: zero
 */
struct cca_kvm_smccc_filter {
	__u32 base;
	__u32 nr_functions;
	__u8 action;
	__u8 pad[15];
};

#define CCA_KVM_ARM_VCPU_INIT _IOW(KVMIO, 0xae, struct cca_kvm_vcpu_init)
#define CCA_KVM_ARM_PREFERRED_TARGET _IOR(KVMIO, 0xaf, struct cca_kvm_vcpu_init)
#define CCA_KVM_ARM_VCPU_FINALIZE _IOW(KVMIO, 0xc2, int)

/* vCPU feature bits (kvm_vcpu_init.features[0]). */
#define CCA_KVM_ARM_VCPU_POWER_OFF 0
#define CCA_KVM_ARM_VCPU_EL1_32BIT 1
#define CCA_KVM_ARM_VCPU_PSCI_0_2 2
#define CCA_KVM_ARM_VCPU_PMU_V3 3
#define CCA_KVM_ARM_VCPU_SVE 4
#define CCA_KVM_ARM_VCPU_PTRAUTH_ADDRESS 5
#define CCA_KVM_ARM_VCPU_PTRAUTH_GENERIC 6
#define CCA_KVM_ARM_VCPU_HAS_EL2 7
/* v10's KVM_ARM_VCPU_REC; silently accepted by v12, never to be set. */
#define CCA_KVM_ARM_VCPU_REC_OLD 9

/* Register IDs for KVM_{GET,SET}_ONE_REG. */
#define CCA_KVM_REG_ARM64_X(n) (0x6030000000100000ULL + 2ULL * (__u64)(n))
#define CCA_KVM_REG_ARM64_PC 0x6030000000100040ULL
#define CCA_KVM_REG_ARM64_SYS(op0, op1, crn, crm, op2)                                  \
	(0x6030000000130000ULL | ((__u64)(op0) << 14) | ((__u64)(op1) << 11) |            \
	 ((__u64)(crn) << 7) | ((__u64)(crm) << 3) | (__u64)(op2))
#define CCA_KVM_REG_PMCR_EL0 CCA_KVM_REG_ARM64_SYS(3, 3, 9, 12, 0)
#define CCA_KVM_REG_ID_AA64DFR0_EL1 CCA_KVM_REG_ARM64_SYS(3, 0, 0, 5, 0)
#define CCA_KVM_REG_ARM64_SVE_VLS 0x606000000015FFFFULL

/* ID_AA64DFR0_EL1 fields, PMCR_EL0.N. */
#define CCA_DFR0_BRPS_SHIFT 12
#define CCA_DFR0_WRPS_SHIFT 20
#define CCA_DFR0_CTX_CMPS_SHIFT 28
#define CCA_PMCR_N_SHIFT 11
#define CCA_PMCR_N_MASK 0x1fULL

/* Device attributes. */
#define CCA_KVM_ARM_VM_SMCCC_CTRL 0
#define CCA_KVM_ARM_VM_SMCCC_FILTER 0
#define CCA_KVM_SMCCC_FILTER_HANDLE 0
#define CCA_KVM_SMCCC_FILTER_DENY 1
#define CCA_KVM_SMCCC_FILTER_FWD_TO_USER 2
#define CCA_KVM_DEV_ARM_VGIC_GRP_ADDR 0
#define CCA_KVM_DEV_ARM_VGIC_GRP_NR_IRQS 3
#define CCA_KVM_DEV_ARM_VGIC_GRP_CTRL 4
#define CCA_KVM_DEV_ARM_VGIC_CTRL_INIT 0
#define CCA_KVM_VGIC_V3_ADDR_TYPE_DIST 2
#define CCA_KVM_VGIC_V3_ADDR_TYPE_REDIST 3
#define CCA_KVM_ARM_VCPU_PMU_V3_CTRL 0
#define CCA_KVM_ARM_VCPU_PMU_V3_IRQ 0
#define CCA_KVM_ARM_VCPU_PMU_V3_INIT 1
#define CCA_KVM_DEV_TYPE_ARM_VGIC_V2 5
#define CCA_KVM_DEV_TYPE_ARM_VGIC_V3 7

/* MP states. */
#define CCA_KVM_MP_STATE_RUNNABLE 0
#define CCA_KVM_MP_STATE_STOPPED 5

/* ---- layout checks (kvm-realm-uapi.md §1.1, §1.2) ---------------------- */
#ifndef __cplusplus
_Static_assert(sizeof(struct kvm_arm_rmi_populate) == 32, "populate size");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_populate, base) == 0, "populate.base");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_populate, size) == 8, "populate.size");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_populate, source_uaddr) == 16, "populate.src");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_populate, flags) == 24, "populate.flags");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_populate, reserved) == 28, "populate.reserved");
_Static_assert(sizeof(struct kvm_arm_rmi_psci_complete) == 24, "psci_complete size");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_psci_complete, target_mpidr) == 0, "target_mpidr");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_psci_complete, psci_status) == 8, "psci_status");
_Static_assert(__builtin_offsetof(struct kvm_arm_rmi_psci_complete, padding) == 12, "padding");
_Static_assert(sizeof(struct kvm_userspace_memory_region2) == 160, "region2 size");
_Static_assert(__builtin_offsetof(struct kvm_userspace_memory_region2, guest_memfd_offset) == 32, "gmem off");
_Static_assert(__builtin_offsetof(struct kvm_userspace_memory_region2, guest_memfd) == 40, "gmem fd");
_Static_assert(sizeof(struct kvm_memory_attributes) == 32, "attributes size");
_Static_assert(sizeof(struct kvm_create_guest_memfd) == 64, "create_guest_memfd size");
_Static_assert(sizeof(struct cca_kvm_memory_fault) == 24, "memory_fault size");
_Static_assert(sizeof(struct cca_kvm_hypercall) == 72, "hypercall size");
_Static_assert(__builtin_offsetof(struct cca_kvm_hypercall, flags) == 64, "hypercall.flags");
_Static_assert(sizeof(struct cca_kvm_vcpu_init) == 32, "vcpu_init size");
_Static_assert(sizeof(struct cca_kvm_smccc_filter) == 24, "smccc_filter size");
_Static_assert(__builtin_offsetof(struct cca_kvm_smccc_filter, action) == 8, "smccc_filter.action");
_Static_assert(__builtin_offsetof(struct kvm_run, exit_reason) == 8, "kvm_run.exit_reason");
_Static_assert(__builtin_offsetof(struct kvm_run, mmio) == 32, "kvm_run exit union");
#endif

#ifdef __cplusplus
}
#endif
#endif /* RMI_UAPI_H */
