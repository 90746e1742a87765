// SPDX-License-Identifier: MIT
/*
 * Realm VMs: parameter validation against the revision, KVM_CREATE_VM, the
 * in-kernel GICv3, PSCI routing, and teardown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define SZ_64K 0x10000ULL
#define GICV3_DIST_SIZE SZ_64K
#define GICV3_REDIST_SIZE_PER_CPU (2 * SZ_64K)

CCA_EXPORT void cca_realm_params_init(struct cca_realm_params *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->ipa_bits = 40;
	p->nr_recs = 1;
}

static int check_params(const struct cca_abi_desc *abi, const struct cca_realm_params *p)
{
	if ((p->flags & ~CCA_REALM_F_PMU) || !cca_all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (p->ipa_bits < CCA_IPA_BITS_MIN || p->ipa_bits > CCA_IPA_BITS_MAX)
		return -EINVAL;
	if (p->nr_recs < 1 || p->nr_recs > CCA_MAX_RECS)
		return -EINVAL;
	/* SVE: 128..2048 bits in 128-bit steps (RmiRealmParams.sve_vl is VQ - 1). */
	if (p->sve_vl && (p->sve_vl % 16 || p->sve_vl > 256))
		return -EINVAL;
	/* Arm requires at least two of each; ID_AA64DFR0_EL1 encodes count - 1 in 4 bits. */
	if ((p->num_bps && (p->num_bps < 2 || p->num_bps > 16)) ||
	    (p->num_wps && (p->num_wps < 2 || p->num_wps > 16)))
		return -EINVAL;
	if (p->flags & CCA_REALM_F_PMU) {
		if (p->pmu_counters > 31 || (p->pmu_irq && (p->pmu_irq < 16 || p->pmu_irq > 31)))
			return -EINVAL;
		if (!cca_abi_desc_has(abi, CCA_ABI_PMU))
			return -EOPNOTSUPP;
	} else if (p->pmu_counters || p->pmu_irq) {
		return -EINVAL;
	}
	switch (p->hash_algo) {
	case CCA_HASH_DEFAULT:
	case CCA_HASH_SHA256: /* what every revision uses */
		break;
	case CCA_HASH_SHA512:
		if (!cca_abi_desc_has(abi, CCA_ABI_HASH_SELECT))
			return -EOPNOTSUPP;
		break;
	case CCA_HASH_SHA384:
		if (!cca_abi_desc_has(abi, CCA_ABI_HASH_SELECT) || abi->rmm_major < 2)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	if (!cca_all_zero(p->rpv, sizeof(p->rpv)) && !cca_abi_desc_has(abi, CCA_ABI_RPV))
		return -EOPNOTSUPP;
	return 0;
}

CCA_EXPORT int cca_realm_create(struct cca_host *host, const struct cca_realm_params *in,
				struct cca_realm **out)
{
	struct cca_realm_params p;
	int ret;

	if (!host || !in || !out)
		return -EINVAL;
	ret = CCA_STRUCT_IN(cca_realm_params, &p, in);
	if (!ret)
		ret = check_params(host->abi, &p);
	if (ret) {
		cca_log(host, CCA_LOG_ERR, "realm parameters refused: %s", cca_strerror(ret));
		return ret;
	}

	struct cca_realm *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->recs = calloc(p.nr_recs, sizeof(*r->recs));
	if (!r->recs) {
		free(r);
		return -ENOMEM;
	}
	r->host = host;
	r->abi = host->abi;
	r->sys = &host->sys;
	r->params = p;
	r->gic_fd = -1;
	r->vm_fd = -1;
	cca_mutex_init(&r->lock);

	ret = sys_ioctl_int(r->sys, host->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		goto fail;
	if ((size_t)ret < sizeof(struct kvm_run)) {
		ret = -EIO;
		goto fail;
	}
	r->run_mmap_size = (size_t)ret;

	ret = sys_ioctl_int(r->sys, host->kvm_fd, KVM_CREATE_VM,
			    r->abi->vm_type_realm | p.ipa_bits);
	if (ret < 0) {
		cca_log(host, CCA_LOG_ERR, "KVM_CREATE_VM(realm, %u IPA bits): %s%s", p.ipa_bits,
			cca_error_name(ret),
			ret == -EINVAL ? " (IPA width above the RMM's limit?)" : "");
		goto fail;
	}
	r->vm_fd = ret;
	r->state = CCA_REALM_CONFIGURING;
	*out = r;
	return 0;
fail:
	pthread_mutex_destroy(&r->lock);
	free(r->recs);
	free(r);
	return ret;
}

CCA_EXPORT void cca_realm_destroy(struct cca_realm *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < r->nr_created; i++)
		cca_rec_free(r->recs[i]);
	for (unsigned int i = 0; i < r->nr_regions; i++) {
		struct cca_region *g = &r->regions[i];
		if (g->gmem)
			sys_close(r->sys, g->gmem_fd);
		if (g->shared_owned)
			r->sys->ops->munmap(r->sys->ctx, g->shared, g->len);
	}
	sys_close(r->sys, r->gic_fd);
	sys_close(r->sys, r->vm_fd);
	cca_shadow_free(r);
	pthread_mutex_destroy(&r->lock);
	free(r->recs);
	free(r);
}

CCA_EXPORT enum cca_realm_state cca_realm_state(const struct cca_realm *r)
{
	struct cca_realm *m = (struct cca_realm *)r;
	if (!r)
		return CCA_REALM_DEAD;
	pthread_mutex_lock(&m->lock);
	enum cca_realm_state s = r->state;
	pthread_mutex_unlock(&m->lock);
	return s;
}

CCA_EXPORT enum cca_abi_rev cca_realm_revision(const struct cca_realm *r)
{
	return r ? r->abi->rev : CCA_ABI_UNKNOWN;
}

CCA_EXPORT int cca_realm_vm_fd(const struct cca_realm *r)
{
	return r ? r->vm_fd : -EINVAL;
}

CCA_EXPORT unsigned int cca_realm_ipa_bits(const struct cca_realm *r)
{
	return r ? r->params.ipa_bits : 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int set_dev_attr(const struct cca_sys *sys, int fd, uint32_t group, uint64_t attr,
			const void *addr)
{
	struct kvm_device_attr a = {
		.flags = 0,
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};
	return sys_ioctl(sys, fd, KVM_SET_DEVICE_ATTR, &a);
}

static int check_gic_params(const struct cca_realm *r, const struct cca_gic_params *p)
{
	uint64_t half = cca_ipa_half(r);
	uint64_t rlen = (uint64_t)r->params.nr_recs * GICV3_REDIST_SIZE_PER_CPU;

	if (!cca_all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (p->nr_irqs && (p->nr_irqs < 64 || p->nr_irqs > 1024 || p->nr_irqs % 32))
		return -EINVAL;
	if ((p->dist_base | p->redist_base) & (SZ_64K - 1))
		return -EINVAL;
	if (p->dist_base > half - GICV3_DIST_SIZE || p->redist_base > half - rlen)
		return -EINVAL;
	if (ranges_overlap(p->dist_base, GICV3_DIST_SIZE, p->redist_base, rlen))
		return -EINVAL;
	for (unsigned int i = 0; i < r->nr_regions; i++) {
		const struct cca_region *g = &r->regions[i];
		if (ranges_overlap(p->dist_base, GICV3_DIST_SIZE, g->gpa, g->len) ||
		    ranges_overlap(p->redist_base, rlen, g->gpa, g->len))
			return -EINVAL;
	}
	return 0;
}

CCA_EXPORT int cca_realm_gic_create(struct cca_realm *r, const struct cca_gic_params *in)
{
	struct kvm_create_device cd = { .type = CCA_KVM_DEV_TYPE_ARM_VGIC_V3, .fd = 0, .flags = 0 };
	struct cca_gic_params gp;
	const struct cca_gic_params *p = &gp;
	int ret;

	if (!r || !in)
		return -EINVAL;
	ret = CCA_STRUCT_IN(cca_gic_params, &gp, in);
	if (ret)
		return ret;
	pthread_mutex_lock(&r->lock);
	if (r->gic_fd >= 0) {
		ret = -EEXIST;
		goto out;
	}
	if (r->first_run_started || r->state != CCA_REALM_CONFIGURING) {
		ret = -CCA_E_STATE;
		goto out;
	}
	ret = check_gic_params(r, p);
	if (ret)
		goto out;
	ret = sys_ioctl(r->sys, r->vm_fd, KVM_CREATE_DEVICE, &cd);
	if (ret < 0)
		goto out;
	int fd = (int)cd.fd;
	uint32_t nr_irqs = p->nr_irqs ? p->nr_irqs : 256;
	ret = set_dev_attr(r->sys, fd, CCA_KVM_DEV_ARM_VGIC_GRP_ADDR, CCA_KVM_VGIC_V3_ADDR_TYPE_DIST,
			   &p->dist_base);
	if (!ret)
		ret = set_dev_attr(r->sys, fd, CCA_KVM_DEV_ARM_VGIC_GRP_ADDR,
				   CCA_KVM_VGIC_V3_ADDR_TYPE_REDIST, &p->redist_base);
	if (!ret)
		ret = set_dev_attr(r->sys, fd, CCA_KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret) {
		sys_close(r->sys, fd);
		goto out;
	}
	r->gic_fd = fd;
	r->gic = *p;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT int cca_realm_gic_fd(const struct cca_realm *r)
{
	if (!r)
		return -EINVAL;
	return r->gic_fd >= 0 ? r->gic_fd : -ENOENT;
}

CCA_EXPORT int cca_realm_set_psci_user(struct cca_realm *r)
{
	static const uint32_t bases[] = { CCA_PSCI_RANGE_32_BASE, CCA_PSCI_RANGE_64_BASE };
	int ret = 0;

	if (!r)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->first_run_started) {
		ret = -CCA_E_AFTER_RUN;
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(bases) && !r->psci_user; i++) {
		struct cca_kvm_smccc_filter f;
		if (r->psci_filters & (1U << i))
			continue; /* installed by an earlier, partly failed call */
		memset(&f, 0, sizeof(f));
		f.base = bases[i];
		f.nr_functions = CCA_PSCI_RANGE_LEN;
		f.action = CCA_KVM_SMCCC_FILTER_FWD_TO_USER;
		ret = set_dev_attr(r->sys, r->vm_fd, CCA_KVM_ARM_VM_SMCCC_CTRL,
				   CCA_KVM_ARM_VM_SMCCC_FILTER, &f);
		if (ret)
			goto out;
		r->psci_filters |= 1U << i;
	}
	r->psci_user = true;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT int cca_realm_psci_user(const struct cca_realm *r)
{
	return r ? r->psci_user : 0;
}

/* Caller holds r->lock. */
struct cca_rec *cca_realm_rec_by_mpidr(struct cca_realm *r, uint64_t mpidr)
{
	/* KVM's MPIDR is a bijection of vcpu_id: invert it instead of scanning. */
	uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff;
	if (aff0 > 0xf || (mpidr >> 24) != 0)
		return NULL;
	uint64_t idx = aff0 | (aff1 << 4) | (aff2 << 12);
	if (idx >= r->nr_created)
		return NULL;
	return r->recs[idx];
}

const struct cca_region *cca_realm_find_region(const struct cca_realm *r, uint64_t gpa,
					       uint64_t len)
{
	for (unsigned int i = 0; i < r->nr_regions; i++) {
		const struct cca_region *g = &r->regions[i];
		/* The range starts inside @g (so an empty range at @g's end is not @g's). */
		if (gpa >= g->gpa && gpa - g->gpa < g->len && len <= g->len - (gpa - g->gpa))
			return g;
	}
	return NULL;
}

bool cca_realm_range_is_gmem(const struct cca_realm *r, uint64_t gpa, uint64_t len)
{
	/* Regions never overlap: walk forward through adjacent gmem regions. */
	while (len) {
		const struct cca_region *g = NULL;
		for (unsigned int i = 0; i < r->nr_regions; i++) {
			const struct cca_region *c = &r->regions[i];
			if (c->gmem && gpa >= c->gpa && gpa - c->gpa < c->len) {
				g = c;
				break;
			}
		}
		if (!g)
			return false;
		uint64_t avail = g->len - (gpa - g->gpa);
		uint64_t step = len < avail ? len : avail;
		gpa += step;
		len -= step;
	}
	return true;
}
