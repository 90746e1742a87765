/* SPDX-License-Identifier: MIT */
/*
 * RECs (realm vCPUs): creation in index order, the boot vCPU's entry point,
 * the registers a realm allows, and KVM_RUN with exit decoding.
 */
#ifndef RMI_REC_H
#define RMI_REC_H

#include <stdint.h>

#include <rmi/exit.h>
#include <rmi/realm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_rec;
struct kvm_run;

/**
 * struct cca_rec_params - one vCPU
 * @size: sizeof(struct cca_rec_params) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @index: vcpu_id; must equal the number of RECs created so far
 * @features: extra KVM vCPU feature bits (bit n = CCA_KVM_ARM_VCPU_n);
 *	PSCI_0_2 is always set, POWER_OFF for secondaries, SVE and PMU_V3
 *	from the realm parameters. EL1_32BIT, HAS_EL2 and bit 9 are refused.
 * @reserved: must be zero
 */
struct cca_rec_params {
	uint32_t size;
	uint32_t index;
	uint32_t features;
	uint32_t reserved[5];
};

/**
 * cca_rec_create() - create and configure the next vCPU
 * @realm: a configuring realm
 * @params: the vCPU
 * @out: receives the REC; untouched on failure. Owned by @realm.
 *
 * KVM_CREATE_VCPU, mmap of kvm_run, KVM_ARM_VCPU_INIT (PSCI_0_2; POWER_OFF
 * for index > 0; SVE, PMU_V3 per realm parameters), then every realm
 * parameter that lives in vCPU state: SVE_VLS and FINALIZE(SVE),
 * ID_AA64DFR0_EL1 (breakpoints, watchpoints), PMCR_EL0.N and the PMU
 * interrupt. KVM initialises a vCPU PMU only once the vGIC is, so
 * KVM_ARM_VCPU_PMU_V3_INIT waits for the first cca_rec_run(). The MPIDR
 * is KVM's default for @index.
 *
 * Return: 0; -EINVAL bad params (nonzero reserved, @params->size below
 * libcca 0.1's sizeof); -E2BIG @params->size above this library's sizeof
 * with a nonzero byte past it (nothing is done); -CCA_E_DEAD the realm is
 * dead; -CCA_E_VCPU_ORDER @index out of order or beyond nr_recs;
 * -CCA_E_FEATURE a refused feature bit; -CCA_E_NO_GICV3 a PMU without the
 * in-kernel GIC; -CCA_E_AFTER_RUN after the first run; -CCA_E_STATE after
 * the first populate (the realm descriptor would not see this vCPU's
 * configuration); -ENOMEM; -errno from KVM_CREATE_VCPU (nothing was
 * created; the realm stays usable). Any failure after KVM_CREATE_VCPU
 * (-errno from the kernel or mmap, -EOPNOTSUPP the host cannot give the SVE
 * length) closes the half-made vCPU and leaves the realm CCA_REALM_DEAD:
 * KVM cannot remove a vCPU.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_rec_create(struct cca_realm *realm, const struct cca_rec_params *params,
		   struct cca_rec **out);

/**
 * cca_rec_get() - the REC with a given index
 * @realm: a realm
 * @index: vcpu_id
 *
 * Return: the REC, or NULL if none.
 */
struct cca_rec *cca_rec_get(struct cca_realm *realm, unsigned int index);

/**
 * cca_rec_index() - vcpu_id of a REC
 * @rec: a REC (not NULL)
 *
 * Return: the vCPU index given to cca_rec_create().
 * Context: any thread.
 */
unsigned int cca_rec_index(const struct cca_rec *rec);

/**
 * cca_rec_mpidr() - MPIDR of a REC, as KVM computes it
 * @rec: a REC (not NULL)
 *
 * Return: the affinity value a guest's PSCI calls name this vCPU by.
 * Context: any thread.
 */
uint64_t cca_rec_mpidr(const struct cca_rec *rec);

/**
 * cca_mpidr_of_index() - KVM's default MPIDR affinity for a vcpu_id
 * @index: vcpu_id
 *
 * Aff0 = index[3:0], Aff1 = index[11:4], Aff2 = index[19:12], which makes
 * the RMM's REC index equal to @index.
 *
 * Return: the MPIDR affinity value (Aff3 and the RES1 bit clear).
 * Context: any thread; pure.
 */
uint64_t cca_mpidr_of_index(unsigned int index);

/**
 * cca_rec_fd() - the vCPU fd
 * @rec: a REC (not NULL)
 *
 * Return: the fd; owned by the realm, do not close it.
 * Context: any thread.
 */
int cca_rec_fd(const struct cca_rec *rec);

/**
 * cca_rec_kvm_run() - the vCPU's mapped struct kvm_run
 * @rec: a REC (not NULL)
 *
 * Return: the mapping; valid until the realm is destroyed. Writing
 * immediate_exit from another thread (with a signal on real KVM) is how a
 * VMM stops a vCPU that is blocked in cca_rec_run().
 * Context: any thread.
 */
struct kvm_run *cca_rec_kvm_run(struct cca_rec *rec);

/**
 * cca_rec_set_entry() - boot vCPU's entry point and x0-x7
 * @rec: REC 0 of a realm that has not run
 * @pc: entry point (e.g. the kernel Image entry)
 * @x: x0-x7 (e.g. x0 = DTB address, the rest 0); NULL for all zero
 *
 * These values are measured. Only REC 0 is runnable at activation, so
 * only its entry is consumed and measured; secondaries start through
 * PSCI CPU_ON.
 *
 * Return: 0; -CCA_E_REG_NOT_ALLOWED not REC 0; -CCA_E_REG_IGNORED after
 * the first run; -errno from KVM_SET_ONE_REG (earlier registers of the
 * call may have been written).
 * Context: serialised with other calls on the realm by the library.
 */
int cca_rec_set_entry(struct cca_rec *rec, uint64_t pc, const uint64_t x[8]);

/**
 * cca_rec_set_reg() - KVM_SET_ONE_REG with the realm's rules
 * @rec: a REC
 * @id: register ID (CCA_KVM_REG_*)
 * @value: the value
 *
 * A realm allows x0-x30, PC, ID_AA64DFR0_EL1, SVE_VLS, and PMCR_EL0 where
 * the revision has a PMU. Writes the kernel would accept and ignore are
 * refused: x8-x30 before the first run (the RMM takes x0-x7), PC after
 * it, x0-x30 after it except in answer to a PSCI or host-call exit,
 * PMCR_EL0 after the first populate. SVE_VLS is 512 bits wide and set by
 * cca_rec_create() from the realm parameters.
 *
 * Return: 0; -CCA_E_REG_NOT_ALLOWED an ID the realm refuses (SP, PSTATE,
 * MPIDR_EL1, timers, FP/SIMD, ...; PMCR_EL0 without a PMU revision);
 * -CCA_E_REG_IGNORED as above; -CCA_E_STATE ID_AA64DFR0_EL1 after the
 * first populate; -EINVAL NULL @rec or SVE_VLS; -errno from the kernel.
 * Context: the thread that runs @rec.
 */
int cca_rec_set_reg(struct cca_rec *rec, uint64_t id, uint64_t value);

/**
 * cca_rec_get_reg() - KVM_GET_ONE_REG
 * @rec: a REC
 * @id: register ID
 * @value: receives the value; untouched on failure
 *
 * The kernel returns its own copy, never live guest state, except x0-x30
 * right after a PSCI or host-call exit.
 *
 * Return: 0; -EINVAL a NULL pointer or a register that is not 64 bits
 * wide (nothing sent); -errno.
 * Context: any thread.
 */
int cca_rec_get_reg(struct cca_rec *rec, uint64_t id, uint64_t *value);

/**
 * cca_rec_run() - enter the vCPU and decode why it came back
 * @rec: a REC
 * @exit: receives the decoded exit (also on most errors: check @exit->kind)
 *
 * Before entering: refuses a REC whose PSCI call, or a PSCI call naming it
 * as target, still needs its completion; on the realm's first run checks
 * that every vCPU exists and a GICv3 does, initialises the vGIC and then
 * every vCPU's PMU, then lets the kernel activate the realm; if that
 * KVM_RUN fails the realm is CCA_REALM_DEAD. On revisions where KVM completes
 * PSCI itself, EAGAIN is retried (bounded) and then reported as
 * CCA_EXIT_RETRY. PSCI and host-call arguments are read back into @exit.
 *
 * Return: 0 with @exit filled (including CCA_EXIT_INTR for a signal and
 * CCA_EXIT_FATAL with @exit->error for a kernel error); -CCA_E_PSCI_PENDING;
 * -CCA_E_PSCI_TARGET_PENDING; -CCA_E_VCPUS_NOT_CONFIGURED; -CCA_E_NO_GICV3;
 * -CCA_E_DEAD; -CCA_E_BAD_EXIT for undecodable kernel output (@exit->kind
 * CCA_EXIT_UNKNOWN); -EINVAL NULL arguments; -errno if the vGIC init
 * failed (nothing ran; the next run tries again) or a PMU init failed
 * (the realm is then dead), or if loading a PSCI or host-call exit's
 * arguments failed (@exit->kind set, without CCA_EXIT_F_ARGS_VALID).
 * Context: one thread per REC; RECs of one realm may run concurrently.
 */
int cca_rec_run(struct cca_rec *rec, struct cca_exit *exit);

/**
 * cca_rec_set_mmio_data() - answer a CCA_EXIT_MMIO read
 * @rec: the REC that exited
 * @data: the value, little-endian in the access width
 *
 * Writes kvm_run.mmio.data for the next cca_rec_run(); the RMM loads the
 * register and advances the PC. Never touch the PC yourself.
 *
 * Return: 0; -CCA_E_STATE if the last exit was not an MMIO read; -EINVAL
 * NULL @rec.
 * Context: the thread that runs @rec.
 */
int cca_rec_set_mmio_data(struct cca_rec *rec, uint64_t data);

#ifdef __cplusplus
}
#endif
#endif /* RMI_REC_H */
