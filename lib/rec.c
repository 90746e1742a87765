// SPDX-License-Identifier: MIT
/*
 * RECs: vCPU creation in index order with every realm parameter that lives
 * in vCPU state, the register rules, and KVM_RUN.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* v14+: how often KVM_RUN's EAGAIN is retried before it is reported. */
#define EAGAIN_RETRIES 1000

/* Feature bits a caller may add; the library owns PSCI, POWER_OFF, SVE and PMU. */
#define CALLER_FEATURES                                                                    \
	((1U << CCA_KVM_ARM_VCPU_PTRAUTH_ADDRESS) | (1U << CCA_KVM_ARM_VCPU_PTRAUTH_GENERIC))

CCA_EXPORT uint64_t cca_mpidr_of_index(unsigned int index)
{
	return (uint64_t)(index & 0xf) | ((uint64_t)((index >> 4) & 0xff) << 8) |
	       ((uint64_t)((index >> 12) & 0xff) << 16);
}

static int get_reg(struct cca_rec *rec, uint64_t id, void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };
	return sys_ioctl(rec->realm->sys, rec->fd, KVM_GET_ONE_REG, &reg);
}

static int set_reg(struct cca_rec *rec, uint64_t id, const void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };
	return sys_ioctl(rec->realm->sys, rec->fd, KVM_SET_ONE_REG, &reg);
}

void cca_rec_free(struct cca_rec *rec)
{
	if (!rec)
		return;
	const struct cca_sys *sys = rec->realm->sys;
	if (rec->run)
		sys->ops->munmap(sys->ctx, rec->run, rec->run_size);
	sys_close(sys, rec->fd);
	free(rec);
}

/* SVE: enable every vector length up to the realm's, then finalize. */
static int config_sve(struct cca_rec *rec, unsigned int vl_bytes)
{
	unsigned int vq = vl_bytes / 16;
	uint64_t vls[8];
	int feature = CCA_KVM_ARM_VCPU_SVE;
	int ret;

	ret = get_reg(rec, CCA_KVM_REG_ARM64_SVE_VLS, vls);
	if (ret)
		return ret;
	if (!(vls[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64))))
		return -EOPNOTSUPP; /* the host (RMM) cannot give this length */
	for (unsigned int q = vq + 1; q <= 512; q++)
		vls[(q - 1) / 64] &= ~(1ULL << ((q - 1) % 64));
	ret = set_reg(rec, CCA_KVM_REG_ARM64_SVE_VLS, vls);
	if (ret)
		return ret;
	return sys_ioctl(rec->realm->sys, rec->fd, CCA_KVM_ARM_VCPU_FINALIZE, &feature);
}

/* Breakpoints and watchpoints live in ID_AA64DFR0_EL1 (count - 1). */
static int config_debug(struct cca_rec *rec, unsigned int bps, unsigned int wps)
{
	uint64_t v;
	int ret = get_reg(rec, CCA_KVM_REG_ID_AA64DFR0_EL1, &v);
	if (ret)
		return ret;
	if (bps) {
		v &= ~(0xfULL << CCA_DFR0_BRPS_SHIFT);
		v |= (uint64_t)(bps - 1) << CCA_DFR0_BRPS_SHIFT;
		/* CTX_CMPs must not exceed BRPs. */
		uint64_t ctx = (v >> CCA_DFR0_CTX_CMPS_SHIFT) & 0xf;
		if (ctx > bps - 1) {
			v &= ~(0xfULL << CCA_DFR0_CTX_CMPS_SHIFT);
			v |= (uint64_t)(bps - 1) << CCA_DFR0_CTX_CMPS_SHIFT;
		}
	}
	if (wps) {
		v &= ~(0xfULL << CCA_DFR0_WRPS_SHIFT);
		v |= (uint64_t)(wps - 1) << CCA_DFR0_WRPS_SHIFT;
	}
	return set_reg(rec, CCA_KVM_REG_ID_AA64DFR0_EL1, &v);
}

/*
 * PMCR_EL0.N and the overflow interrupt. KVM_ARM_VCPU_PMU_V3_INIT waits for
 * the first run: KVM refuses it (ENODEV) until the vGIC is initialised,
 * and the vGIC can only be initialised once every vCPU exists.
 */
static int config_pmu(struct cca_rec *rec, unsigned int counters, unsigned int irq)
{
	const struct cca_sys *sys = rec->realm->sys;
	uint64_t v;
	int girq = irq ? (int)irq : 23;
	int ret = get_reg(rec, CCA_KVM_REG_PMCR_EL0, &v);
	if (ret)
		return ret;
	v &= ~(CCA_PMCR_N_MASK << CCA_PMCR_N_SHIFT);
	v |= (uint64_t)counters << CCA_PMCR_N_SHIFT;
	ret = set_reg(rec, CCA_KVM_REG_PMCR_EL0, &v);
	if (ret)
		return ret;
	struct kvm_device_attr a = { .group = CCA_KVM_ARM_VCPU_PMU_V3_CTRL,
				     .attr = CCA_KVM_ARM_VCPU_PMU_V3_IRQ,
				     .addr = (uint64_t)(uintptr_t)&girq };
	return sys_ioctl(sys, rec->fd, KVM_SET_DEVICE_ATTR, &a);
}

/* KVM_ARM_VCPU_PMU_V3_INIT on one vCPU; the vGIC must be initialised. */
static int init_pmu(struct cca_rec *rec)
{
	struct kvm_device_attr a = { .group = CCA_KVM_ARM_VCPU_PMU_V3_CTRL,
				     .attr = CCA_KVM_ARM_VCPU_PMU_V3_INIT };
	return sys_ioctl(rec->realm->sys, rec->fd, KVM_SET_DEVICE_ATTR, &a);
}

static int check_create(struct cca_realm *r, const struct cca_rec_params *p)
{
	if (!cca_all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (r->state == CCA_REALM_DEAD)
		return -CCA_E_DEAD;
	if (r->first_run_started)
		return -CCA_E_AFTER_RUN;
	if (r->state != CCA_REALM_CONFIGURING)
		return -CCA_E_STATE;
	if (p->index != r->nr_created || p->index >= r->params.nr_recs)
		return -CCA_E_VCPU_ORDER;
	if (p->features & ~CALLER_FEATURES)
		return -CCA_E_FEATURE;
	if ((r->params.flags & CCA_REALM_F_PMU) && r->gic_fd < 0)
		return -CCA_E_NO_GICV3; /* the PMU interrupt needs the in-kernel GIC */
	return 0;
}

static int rec_configure(struct cca_rec *rec, uint32_t extra)
{
	struct cca_realm *r = rec->realm;
	const struct cca_realm_params *p = &r->params;
	struct cca_kvm_vcpu_init init;
	int ret;

	ret = r->sys->ops->mmap(r->sys->ctx, r->run_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				rec->fd, 0, (void **)&rec->run);
	if (ret)
		return ret;
	rec->run_size = r->run_mmap_size;

	memset(&init, 0, sizeof(init));
	ret = sys_ioctl(r->sys, r->vm_fd, CCA_KVM_ARM_PREFERRED_TARGET, &init);
	if (ret)
		return ret;
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = (1U << CCA_KVM_ARM_VCPU_PSCI_0_2) | extra;
	if (rec->index)
		init.features[0] |= 1U << CCA_KVM_ARM_VCPU_POWER_OFF;
	if (p->sve_vl)
		init.features[0] |= 1U << CCA_KVM_ARM_VCPU_SVE;
	if (p->flags & CCA_REALM_F_PMU)
		init.features[0] |= 1U << CCA_KVM_ARM_VCPU_PMU_V3;
	ret = sys_ioctl(r->sys, rec->fd, CCA_KVM_ARM_VCPU_INIT, &init);
	if (ret)
		return ret;
	if (p->sve_vl && (ret = config_sve(rec, p->sve_vl)))
		return ret;
	if ((p->num_bps || p->num_wps) && (ret = config_debug(rec, p->num_bps, p->num_wps)))
		return ret;
	if ((p->flags & CCA_REALM_F_PMU) && (ret = config_pmu(rec, p->pmu_counters, p->pmu_irq)))
		return ret;
	return 0;
}

CCA_EXPORT int cca_rec_create(struct cca_realm *r, const struct cca_rec_params *in,
			      struct cca_rec **out)
{
	struct cca_rec_params rp;
	const struct cca_rec_params *p = &rp;
	int ret;

	if (!r || !in || !out)
		return -EINVAL;
	ret = CCA_STRUCT_IN(cca_rec_params, &rp, in);
	if (ret)
		return ret;
	pthread_mutex_lock(&r->lock);
	ret = check_create(r, p);
	if (ret)
		goto out;
	struct cca_rec *rec = calloc(1, sizeof(*rec));
	if (!rec) {
		ret = -ENOMEM;
		goto out;
	}
	rec->realm = r;
	rec->index = p->index;
	rec->mpidr = cca_mpidr_of_index(p->index);
	rec->power = p->index == 0 ? CCA_POWER_ON : CCA_POWER_OFF;
	ret = sys_ioctl_int(r->sys, r->vm_fd, KVM_CREATE_VCPU, p->index);
	if (ret < 0) {
		free(rec);
		goto out;
	}
	rec->fd = ret;
	ret = rec_configure(rec, p->features);
	if (ret) {
		/* A KVM vCPU cannot be removed: the VM now has a half-made one. */
		cca_log(r->host, CCA_LOG_ERR, "vCPU %u configuration failed (%s): realm is dead",
			p->index, cca_error_name(ret));
		cca_rec_free(rec);
		r->state = CCA_REALM_DEAD;
		goto out;
	}
	r->recs[p->index] = rec;
	r->nr_created++;
	*out = rec;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT struct cca_rec *cca_rec_get(struct cca_realm *r, unsigned int index)
{
	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	struct cca_rec *rec = index < r->nr_created ? r->recs[index] : NULL;
	pthread_mutex_unlock(&r->lock);
	return rec;
}

CCA_EXPORT unsigned int cca_rec_index(const struct cca_rec *rec)
{
	return rec->index;
}

CCA_EXPORT uint64_t cca_rec_mpidr(const struct cca_rec *rec)
{
	return rec->mpidr;
}

CCA_EXPORT int cca_rec_fd(const struct cca_rec *rec)
{
	return rec->fd;
}

CCA_EXPORT struct kvm_run *cca_rec_kvm_run(struct cca_rec *rec)
{
	return rec->run;
}

CCA_EXPORT int cca_rec_set_entry(struct cca_rec *rec, uint64_t pc, const uint64_t x[8])
{
	static const uint64_t zero[8];
	struct cca_realm *r;
	int ret;

	if (!rec)
		return -EINVAL;
	r = rec->realm;
	if (!x)
		x = zero;
	pthread_mutex_lock(&r->lock);
	if (rec->index != 0)
		ret = -CCA_E_REG_NOT_ALLOWED;
	else if (r->first_run_started)
		ret = -CCA_E_REG_IGNORED;
	else
		ret = set_reg(rec, CCA_KVM_REG_ARM64_PC, &pc);
	/* All eight are written, zeros included: x0-x7 are measured. */
	for (unsigned int i = 0; i < 8 && !ret; i++)
		ret = set_reg(rec, CCA_KVM_REG_ARM64_X(i), &x[i]);
	if (!ret) {
		rec->entry_set = true;
		rec->entry_pc = pc;
		memcpy(rec->entry_x, x, sizeof(rec->entry_x));
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* The realm's register rules (kvm-realm-uapi.md §7, per revision). Caller holds lock. */
static int reg_rule(struct cca_rec *rec, uint64_t id)
{
	struct cca_realm *r = rec->realm;
	bool ran = r->first_run_started;
	bool frozen = r->state != CCA_REALM_CONFIGURING;

	if (id >= CCA_KVM_REG_ARM64_X(0) && id <= CCA_KVM_REG_ARM64_X(30) && !(id & 1)) {
		unsigned int n = (unsigned int)((id - CCA_KVM_REG_ARM64_X(0)) / 2);
		if (!ran)
			return n < 8 ? 0 : -CCA_E_REG_IGNORED;
		return (rec->last_exit == CCA_EXIT_PSCI || rec->last_exit == CCA_EXIT_HOST_CALL)
			       ? 0
			       : -CCA_E_REG_IGNORED;
	}
	if (id == CCA_KVM_REG_ARM64_PC)
		return ran ? -CCA_E_REG_IGNORED : 0;
	if (id == CCA_KVM_REG_PMCR_EL0) {
		if (!cca_abi_desc_has(r->abi, CCA_ABI_PMU))
			return -CCA_E_REG_NOT_ALLOWED;
		return frozen ? -CCA_E_REG_IGNORED : 0;
	}
	if (id == CCA_KVM_REG_ID_AA64DFR0_EL1 || id == CCA_KVM_REG_ARM64_SVE_VLS)
		return frozen ? -CCA_E_STATE : 0;
	return -CCA_E_REG_NOT_ALLOWED;
}

CCA_EXPORT int cca_rec_set_reg(struct cca_rec *rec, uint64_t id, uint64_t value)
{
	if (!rec)
		return -EINVAL;
	if (id == CCA_KVM_REG_ARM64_SVE_VLS)
		return -EINVAL; /* 512 bits: libcca sets it from the realm parameters */
	pthread_mutex_lock(&rec->realm->lock);
	int ret = reg_rule(rec, id);
	pthread_mutex_unlock(&rec->realm->lock);
	if (ret)
		return ret;
	return set_reg(rec, id, &value);
}

int cca_rec_write_x0(struct cca_rec *rec, uint64_t value)
{
	return set_reg(rec, CCA_KVM_REG_ARM64_X(0), &value);
}

CCA_EXPORT int cca_rec_get_reg(struct cca_rec *rec, uint64_t id, uint64_t *value)
{
	uint64_t v;

	if (!rec || !value)
		return -EINVAL;
	/* Only 64-bit registers fit @value (KVM_REG_SIZE field, bits 55:52). */
	if (((id >> 52) & 0xf) != 3)
		return -EINVAL;
	int ret = get_reg(rec, id, &v);
	if (!ret)
		*value = v;
	return ret;
}

/*
 * Every vCPU's PMU, right after the vGIC init. A vCPU PMU cannot be
 * initialised twice, so a failure is not retryable: the realm is dead.
 */
static int init_pmus(struct cca_realm *r)
{
	for (unsigned int i = 0; i < r->nr_created; i++) {
		int ret = init_pmu(r->recs[i]);
		if (ret) {
			cca_log(r->host, CCA_LOG_ERR, "vCPU %u PMU init failed (%s): realm is dead", i,
				cca_error_name(ret));
			r->state = CCA_REALM_DEAD;
			return ret;
		}
	}
	return 0;
}

/* First-run duties, under the realm lock: the kernel activates the realm. */
static int first_run_checks(struct cca_realm *r)
{
	if (r->nr_created < r->params.nr_recs)
		return -CCA_E_VCPUS_NOT_CONFIGURED;
	if (r->gic_fd < 0)
		return -CCA_E_NO_GICV3;
	if (!r->gic_initialised) {
		struct kvm_device_attr a = { .group = CCA_KVM_DEV_ARM_VGIC_GRP_CTRL,
					     .attr = CCA_KVM_DEV_ARM_VGIC_CTRL_INIT };
		int ret = sys_ioctl(r->sys, r->gic_fd, KVM_SET_DEVICE_ATTR, &a);
		if (ret)
			return ret;
		r->gic_initialised = true;
		if (r->params.flags & CCA_REALM_F_PMU)
			return init_pmus(r);
	}
	return 0;
}

static int load_args(struct cca_rec *rec, struct cca_exit *e)
{
	uint64_t v[4];
	int ret;

	if (e->kind == CCA_EXIT_PSCI) {
		for (unsigned int i = 1; i <= 3; i++)
			if ((ret = get_reg(rec, CCA_KVM_REG_ARM64_X(i), &v[i])))
				return ret;
		cca__psci_args(e, v[1], v[2], v[3]); /* <rmi/exit-inline.h> */
		return 0;
	} else if (e->kind == CCA_EXIT_HOST_CALL) {
		/* RSI_HOST_CALL passes all 31 registers. */
		for (unsigned int i = 0; i < 31; i++)
			if ((ret = get_reg(rec, CCA_KVM_REG_ARM64_X(i), &e->host_call.gprs[i])))
				return ret;
	} else {
		return 0;
	}
	e->flags |= CCA_EXIT_F_ARGS_VALID;
	return 0;
}

CCA_EXPORT int cca_rec_run(struct cca_rec *rec, struct cca_exit *exit)
{
	struct cca_realm *r;
	bool first = false, was_active;
	int ret;

	if (!rec || !exit)
		return -EINVAL;
	r = rec->realm;

	pthread_mutex_lock(&r->lock);
	was_active = r->state == CCA_REALM_ACTIVE;
	if (r->state == CCA_REALM_DEAD)
		ret = -CCA_E_DEAD;
	else
		ret = cca_psci_check_run(rec);
	if (!ret && !r->first_run_started) {
		ret = first_run_checks(r);
		if (!ret) {
			first = r->first_run_started = true;
			cca_shadow_create(r); /* the first run creates the descriptor if no populate did */
		}
	}
	pthread_mutex_unlock(&r->lock);
	if (ret)
		return ret; /* refused: @exit untouched */
	memset(exit, 0, sizeof(*exit));

	for (unsigned int tries = 0;; tries++) {
		ret = sys_ioctl_int(r->sys, rec->fd, KVM_RUN, 0);
		if (ret != -EAGAIN || !cca_abi_desc_has(r->abi, CCA_ABI_RUN_EAGAIN) ||
		    tries >= EAGAIN_RETRIES)
			break;
		sched_yield();
	}

	if (!was_active) {
		bool entered = ret >= 0 || ret == -EINTR || ret == -EFAULT || ret == -EAGAIN;
		pthread_mutex_lock(&r->lock);
		if (entered) {
			/* Once, whichever thread's KVM_RUN returns first after activation. */
			if (r->state != CCA_REALM_DEAD && r->state != CCA_REALM_ACTIVE) {
				r->state = CCA_REALM_ACTIVE;
				cca_shadow_activate(r); /* RECs and (v12) INIT_RIPAS measured */
			}
		} else if (first) { /* activation failed: the kernel marked the realm dead */
			r->state = CCA_REALM_DEAD;
		}
		pthread_mutex_unlock(&r->lock);
		if (first && !entered)
			cca_log(r->host, CCA_LOG_ERR, "first KVM_RUN failed (%s): realm is dead",
				cca_error_name(ret));
	}

	struct cca_exit_ctx ctx = { .ipa_bits = r->params.ipa_bits, .revision = r->abi->rev };
	int dret = cca_exit_decode(rec->run, ret < 0 ? ret : 0, &ctx, exit);
	rec->last_exit = exit->kind;
	rec->last_mmio_read = exit->kind == CCA_EXIT_MMIO && !exit->mmio.is_write;
	rec->last_mmio_len = exit->kind == CCA_EXIT_MMIO ? exit->mmio.len : 0;
	if (dret)
		return dret;
	ret = load_args(rec, exit);
	if (ret)
		return ret;
	cca_psci_note_exit(rec, exit);
	return 0;
}

CCA_EXPORT int cca_rec_set_mmio_data(struct cca_rec *rec, uint64_t data)
{
	if (!rec)
		return -EINVAL;
	if (!rec->last_mmio_read)
		return -CCA_E_STATE;
	for (unsigned int i = 0; i < rec->last_mmio_len; i++)
		rec->run->mmio.data[i] = (uint8_t)(data >> (8 * i));
	return 0;
}
