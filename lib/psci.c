// SPDX-License-Identifier: MIT
/*
 * The PSCI-completion helper (kvm-realm-uapi.md §12, rmi-spec.md §10).
 *
 * On revisions with manual completion a forwarded CPU_ON / AFFINITY_INFO
 * leaves the caller "PSCI pending" in the RMM until the VMM completes it on
 * the caller's vCPU; entering the caller or the target first fails with
 * ENXIO and loses the realm. The pending call is recorded per REC under the
 * realm lock; cca_rec_run() consults it before every KVM_RUN.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static bool needs_completion(const struct cca_realm *r, uint32_t fn)
{
	if (!cca_abi_desc_has(r->abi, CCA_ABI_MANUAL_PSCI_COMPLETE))
		return false;
	return fn == CCA_PSCI_FN_CPU_ON ||
	       (fn == CCA_PSCI_FN_AFFINITY_INFO &&
		cca_abi_desc_has(r->abi, CCA_ABI_AFFINITY_INFO_COMPLETE));
}

void cca_psci_note_exit(struct cca_rec *rec, const struct cca_exit *e)
{
	struct cca_realm *r = rec->realm;

	if (e->kind != CCA_EXIT_PSCI || !needs_completion(r, e->psci.fn))
		return;
	pthread_mutex_lock(&r->lock);
	rec->psci_pending_fn = e->psci.fn;
	rec->psci_pending_target = e->psci.target_mpidr;
	pthread_mutex_unlock(&r->lock);
}

/* Caller holds r->lock. */
int cca_psci_check_run(struct cca_rec *rec)
{
	struct cca_realm *r = rec->realm;

	if (rec->psci_pending_fn || rec->cpu_on_owed)
		return -CCA_E_PSCI_PENDING;
	for (unsigned int i = 0; i < r->nr_created; i++) {
		const struct cca_rec *s = r->recs[i];
		if (s->psci_pending_fn && s->psci_pending_target == rec->mpidr)
			return -CCA_E_PSCI_TARGET_PENDING;
		/* KVM still has it stopped: its KVM_RUN would wait for good. */
		if (s->cpu_on_owed && s->cpu_on_start && s->cpu_on_target == rec->mpidr)
			return -CCA_E_PSCI_TARGET_PENDING;
	}
	return 0;
}

/* The RMM's status rule: SUCCESS, or DENIED for a CPU_ON whose target is off. */
static bool status_ok(int32_t status, uint32_t fn, const struct cca_rec *tgt)
{
	return status == CCA_PSCI_RET_SUCCESS ||
	       (status == CCA_PSCI_RET_DENIED && fn == CCA_PSCI_FN_CPU_ON &&
		tgt->power != CCA_POWER_ON);
}

/* Caller holds r->lock. */
static int complete_locked(struct cca_rec *src, uint64_t target_mpidr, int32_t status)
{
	struct cca_realm *r = src->realm;

	if (!src->psci_pending_fn)
		return -CCA_E_PSCI_NOT_PENDING;
	struct cca_rec *tgt = cca_realm_rec_by_mpidr(r, target_mpidr);
	if (!tgt || target_mpidr != src->psci_pending_target)
		return -CCA_E_PSCI_TARGET;
	if (!status_ok(status, src->psci_pending_fn, tgt))
		return -CCA_E_PSCI_STATUS;

	struct kvm_arm_rmi_psci_complete arg;
	memset(&arg, 0, sizeof(arg));
	arg.target_mpidr = target_mpidr;
	arg.psci_status = (uint32_t)status;
	int ret = sys_ioctl(r->sys, src->fd, r->abi->psci_complete_req, &arg);
	if (ret) {
		cca_log(r->host, CCA_LOG_ERR, "PSCI completion on vCPU %u failed: %s", src->index,
			cca_error_name(ret));
		return ret;
	}
	/* An accepted CPU_ON makes the target REC runnable in the RMM. */
	if (src->psci_pending_fn == CCA_PSCI_FN_CPU_ON && status == CCA_PSCI_RET_SUCCESS)
		tgt->power = CCA_POWER_ON;
	src->psci_pending_fn = 0;
	src->psci_pending_target = 0;
	return 0;
}

CCA_EXPORT int cca_psci_complete(struct cca_rec *src, uint64_t target_mpidr, int32_t status)
{
	if (!src)
		return -EINVAL;
	struct cca_realm *r = src->realm;
	int ret;
	pthread_mutex_lock(&r->lock);
	if (cca_abi_desc_has(r->abi, CCA_ABI_MANUAL_PSCI_COMPLETE)) {
		ret = complete_locked(src, target_mpidr, status);
	} else {
		/*
		 * KVM completes on the caller's next entry. Nothing is pending
		 * here, so the call's kind is unknown: DENIED counts as CPU_ON's.
		 */
		struct cca_rec *tgt = cca_realm_rec_by_mpidr(r, target_mpidr);
		if (!tgt)
			ret = -CCA_E_PSCI_TARGET;
		else if (!status_ok(status, CCA_PSCI_FN_CPU_ON, tgt))
			ret = -CCA_E_PSCI_STATUS;
		else
			ret = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int check_exit(const struct cca_exit *e, uint32_t fn)
{
	if (!e || e->kind != CCA_EXIT_PSCI || e->psci.fn != fn || !(e->flags & CCA_EXIT_F_ARGS_VALID))
		return -EINVAL;
	return 0;
}

CCA_EXPORT int cca_psci_cpu_on(struct cca_rec *src, const struct cca_exit *e, int deny)
{
	int ret;

	if (!src || check_exit(e, CCA_PSCI_FN_CPU_ON))
		return -EINVAL;
	struct cca_realm *r = src->realm;
	bool manual = needs_completion(r, CCA_PSCI_FN_CPU_ON);

	pthread_mutex_lock(&r->lock);
	struct cca_rec *tgt = cca_realm_rec_by_mpidr(r, e->psci.target_mpidr);
	if (!tgt) {
		ret = -CCA_E_PSCI_TARGET;
		goto out;
	}
	if (src->cpu_on_owed) {
		/* An earlier call completed this CPU_ON but failed after: finish that one. */
		if (src->cpu_on_target != e->psci.target_mpidr) {
			ret = -CCA_E_PSCI_TARGET;
			goto out;
		}
	} else {
		bool already_on = tgt->power == CCA_POWER_ON;
		bool accept = already_on || !deny;
		if (manual) {
			ret = complete_locked(src, e->psci.target_mpidr,
					      accept ? CCA_PSCI_RET_SUCCESS : CCA_PSCI_RET_DENIED);
			if (ret)
				goto out; /* still pending: the call can be made again */
		}
		/* v14+: KVM derives the completion status from this x0. */
		src->cpu_on_x0 = !accept ? CCA_PSCI_RET_DENIED
				 : already_on ? CCA_PSCI_RET_ALREADY_ON
					      : CCA_PSCI_RET_SUCCESS;
		src->cpu_on_target = e->psci.target_mpidr;
		src->cpu_on_start = accept && !already_on;
		src->cpu_on_x0_done = false;
		src->cpu_on_owed = manual; /* the completion is done: no way back */
	}
	if (!src->cpu_on_x0_done) {
		ret = cca_rec_write_x0(src, (uint64_t)src->cpu_on_x0);
		if (ret)
			goto out;
		src->cpu_on_x0_done = true;
		src->cpu_on_owed = true; /* v14+: the caller's next entry completes with it */
	}
	if (src->cpu_on_start) {
		struct kvm_mp_state mp = { .mp_state = CCA_KVM_MP_STATE_RUNNABLE };
		ret = sys_ioctl(r->sys, tgt->fd, KVM_SET_MP_STATE, &mp);
		if (ret)
			goto out;
		tgt->power = CCA_POWER_ON;
		src->cpu_on_start = false;
	}
	src->cpu_on_owed = false;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT int cca_psci_affinity_info(struct cca_rec *src, const struct cca_exit *e)
{
	int ret;

	if (!src || check_exit(e, CCA_PSCI_FN_AFFINITY_INFO))
		return -EINVAL;
	struct cca_realm *r = src->realm;
	pthread_mutex_lock(&r->lock);
	struct cca_rec *tgt = cca_realm_rec_by_mpidr(r, e->psci.target_mpidr);
	if (!tgt) {
		ret = -CCA_E_PSCI_TARGET;
		goto out;
	}
	if (needs_completion(r, CCA_PSCI_FN_AFFINITY_INFO)) {
		ret = complete_locked(src, e->psci.target_mpidr, CCA_PSCI_RET_SUCCESS);
		if (ret)
			goto out;
	}
	ret = cca_rec_write_x0(src, tgt->power == CCA_POWER_ON ? CCA_PSCI_AFFINITY_ON
							    : CCA_PSCI_AFFINITY_OFF);
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT int cca_psci_cpu_off(struct cca_rec *rec)
{
	if (!rec)
		return -EINVAL;
	/*
	 * The RMM made the REC not runnable; KVM must stop it too, or its next
	 * KVM_RUN enters a non-runnable REC and fails with ENXIO.
	 */
	struct kvm_mp_state mp = { .mp_state = CCA_KVM_MP_STATE_STOPPED };
	pthread_mutex_lock(&rec->realm->lock);
	int ret = sys_ioctl(rec->realm->sys, rec->fd, KVM_SET_MP_STATE, &mp);
	if (!ret)
		rec->power = CCA_POWER_OFF;
	pthread_mutex_unlock(&rec->realm->lock);
	return ret;
}

CCA_EXPORT int cca_psci_pending(struct cca_rec *rec, uint64_t *target_mpidr)
{
	if (!rec)
		return -EINVAL;
	pthread_mutex_lock(&rec->realm->lock);
	int fn = (int)rec->psci_pending_fn;
	if (fn && target_mpidr)
		*target_mpidr = rec->psci_pending_target;
	pthread_mutex_unlock(&rec->realm->lock);
	return fn;
}

CCA_EXPORT int cca_rec_is_on(struct cca_rec *rec)
{
	if (!rec)
		return -EINVAL;
	pthread_mutex_lock(&rec->realm->lock);
	int on = rec->power == CCA_POWER_ON;
	pthread_mutex_unlock(&rec->realm->lock);
	return on;
}
