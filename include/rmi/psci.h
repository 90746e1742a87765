/* SPDX-License-Identifier: MIT */
/*
 * PSCI completion, with the ordering rule enforced.
 *
 * With user-space PSCI (cca_realm_set_psci_user()), a guest CPU_ON or
 * AFFINITY_INFO leaves the calling REC "PSCI pending" in the RMM. On v12
 * and v13 the VMM must then issue KVM_ARM_VCPU_RMI_PSCI_COMPLETE on the
 * *calling* vCPU, after the exit and before the caller runs again *and*
 * before the target runs; otherwise KVM_RUN fails with ENXIO and the realm
 * is lost. libcca records the pending call when cca_rec_run() decodes it
 * and refuses to run the caller (-CCA_E_PSCI_PENDING) or the target
 * (-CCA_E_PSCI_TARGET_PENDING) until the completion succeeded.
 *
 * On v14 and later KVM completes PSCI itself on the caller's next entry,
 * with a status taken from the caller's x0; the same helpers then write x0
 * and make the target runnable, and cca_rec_run() retries EAGAIN.
 */
#ifndef RMI_PSCI_H
#define RMI_PSCI_H

#include <stdint.h>

#include <rmi/rec.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cca_psci_complete() - issue the completion of a pending PSCI call
 * @source: the REC that made the CPU_ON / AFFINITY_INFO call
 * @target_mpidr: the target the guest named (its x1)
 * @status: CCA_PSCI_RET_SUCCESS, or CCA_PSCI_RET_DENIED (CPU_ON only, and
 *	only while the target is off)
 *
 * The low-level step; most VMMs call cca_psci_cpu_on() or
 * cca_psci_affinity_info() instead. On revisions without manual completion
 * nothing is pending: it checks @target_mpidr and @status (DENIED only
 * while the target is off) and returns 0 without a kernel call.
 *
 * Return: 0; -EINVAL NULL @source; -CCA_E_PSCI_NOT_PENDING nothing
 * pending on @source; -CCA_E_PSCI_TARGET no vCPU has @target_mpidr, or it
 * is not the target the guest named; -CCA_E_PSCI_STATUS; -errno from the
 * kernel (the call stays pending: the realm cannot continue on that vCPU).
 * Context: thread-safe; any thread, concurrently with other RECs' runs.
 */
int cca_psci_complete(struct cca_rec *source, uint64_t target_mpidr, int32_t status);

/**
 * cca_psci_cpu_on() - answer a forwarded CPU_ON completely
 * @source: the calling REC (its last exit was CCA_EXIT_PSCI, CPU_ON)
 * @exit: that exit
 * @deny: nonzero to refuse the request (PSCI DENIED)
 *
 * Completes on @source (SUCCESS if the target is already on: the RMM then
 * tells the guest ALREADY_ON), writes the PSCI result to the caller's x0,
 * and, when accepted, makes the target runnable (KVM_SET_MP_STATE). The
 * RMM starts the target at the guest's entry point with its context ID;
 * the host cannot set them.
 *
 * A kernel error after the completion (writing x0, KVM_SET_MP_STATE) leaves
 * the call unfinished: making the same call again finishes it, and until
 * then cca_rec_run() refuses the caller (-CCA_E_PSCI_PENDING) and a target
 * still to be started (-CCA_E_PSCI_TARGET_PENDING), whose KVM_RUN would
 * otherwise wait for good.
 *
 * Return: 0; -EINVAL @exit is not a CPU_ON of @source; -CCA_E_PSCI_TARGET
 * unknown target (nothing was sent; on v12/v13 the caller cannot resume),
 * or not the target of the unfinished call; errors of cca_psci_complete()
 * (still pending: make the call again); -errno.
 * Context: thread-safe.
 */
int cca_psci_cpu_on(struct cca_rec *source, const struct cca_exit *exit, int deny);

/**
 * cca_psci_affinity_info() - answer a forwarded AFFINITY_INFO
 * @source: the calling REC
 * @exit: its CCA_EXIT_PSCI AFFINITY_INFO exit
 *
 * Completes with SUCCESS (the RMM computes ON/OFF) and writes libcca's
 * own ON/OFF view to x0.
 *
 * Return: 0; -EINVAL; -CCA_E_PSCI_TARGET; errors of cca_psci_complete().
 * Context: thread-safe.
 */
int cca_psci_affinity_info(struct cca_rec *source, const struct cca_exit *exit);

/**
 * cca_psci_cpu_off() - answer a forwarded CPU_OFF
 * @rec: the REC that called CPU_OFF
 *
 * The RMM made the REC not runnable; this stops the vCPU in KVM too
 * (KVM_SET_MP_STATE STOPPED), so that its thread blocks in KVM_RUN until a
 * new CPU_ON instead of entering a non-runnable REC (ENXIO), and marks it
 * off for AFFINITY_INFO and CPU_ON.
 *
 * Return: 0; -EINVAL NULL @rec; -errno from KVM_SET_MP_STATE (@rec stays on).
 * Context: thread-safe.
 */
int cca_psci_cpu_off(struct cca_rec *rec);

/**
 * cca_psci_pending() - whether a REC waits for a completion
 * @rec: a REC
 * @target_mpidr: receives the target; may be NULL
 *
 * Return: the pending enum cca_psci_fn (CPU_ON, AFFINITY_INFO) or 0;
 * -EINVAL NULL @rec.
 * Context: thread-safe.
 */
int cca_psci_pending(struct cca_rec *rec, uint64_t *target_mpidr);

/**
 * cca_rec_is_on() - libcca's view of whether a REC is powered on
 * @rec: a REC
 *
 * REC 0 starts on, secondaries off; CPU_ON and CPU_OFF change it.
 *
 * Return: 1 or 0; -EINVAL NULL @rec.
 * Context: thread-safe.
 */
int cca_rec_is_on(struct cca_rec *rec);

#ifdef __cplusplus
}
#endif
#endif /* RMI_PSCI_H */
