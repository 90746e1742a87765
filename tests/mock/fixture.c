// SPDX-License-Identifier: MIT
/*
 * The test fixture: see fixture.h.
 */
#include <errno.h>
#include <string.h>

#include "fixture.h"

int fx_vcpu_of_fd(int fd)
{
	return fd >= MOCK_VCPU_FD(0) && fd < MOCK_VCPU_FD(FX_MAX_RECS) ? fd - MOCK_VCPU_FD(0) : -1;
}

static unsigned int gmem_count;

int fx_fake_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fx *f = ctx;
	const struct cca_abi_desc *abi = cca_abi_desc(f->rev);
	uintptr_t iarg = (uintptr_t)arg;

	if (req == KVM_CREATE_VM) {
		if (fd != MOCK_KVM_FD)
			return -EBADF;
		unsigned long type = (unsigned long)iarg;
		if (type != 0 && (type & ~abi->vm_type_accept))
			return -EINVAL;
		if (type != 0 && !(type & abi->vm_type_realm))
			return -EINVAL;
		mock_sys_fd_opened(MOCK_VM_FD);
		return MOCK_VM_FD;
	}
	if (req == KVM_CHECK_EXTENSION) {
		long cap = (long)iarg;
		if (cap == abi->cap_rmi)
			return 1;
		if (cap == abi->mem_attr_cap && fd == MOCK_VM_FD)
			return (int)KVM_MEMORY_ATTRIBUTE_PRIVATE;
		if (cap == KVM_CAP_ARM_SVE || cap == KVM_CAP_ARM_PMU_V3)
			return 1;
		return 0;
	}
	if (req == KVM_GET_VCPU_MMAP_SIZE)
		return 3 * 4096;
	if (req == KVM_CREATE_VCPU) {
		mock_sys_fd_opened(MOCK_VCPU_FD((int)iarg));
		return MOCK_VCPU_FD((int)iarg);
	}
	if (req == CCA_KVM_ARM_PREFERRED_TARGET) {
		struct cca_kvm_vcpu_init *i = arg;
		memset(i, 0, sizeof(*i));
		i->target = 5;
		return 0;
	}
	if (req == KVM_GET_ONE_REG) {
		struct kvm_one_reg *r = arg;
		if (r->id == CCA_KVM_REG_ARM64_SVE_VLS) {
			/* VQ 1..16: vector lengths 128..2048 bits. */
			uint64_t vls[8] = { 0xffff };
			memcpy((void *)(uintptr_t)r->addr, vls, sizeof(vls));
			return 0;
		}
		uint64_t v = 0;
		int idx = fx_vcpu_of_fd(fd);
		if (idx >= 0 && r->id >= CCA_KVM_REG_ARM64_X(0) && r->id <= CCA_KVM_REG_ARM64_X(3))
			v = f->regs[idx][(r->id - CCA_KVM_REG_ARM64_X(0)) / 2];
		if (r->id == CCA_KVM_REG_ID_AA64DFR0_EL1)
			v = (5ULL << CCA_DFR0_BRPS_SHIFT) | (3ULL << CCA_DFR0_WRPS_SHIFT) |
			    (1ULL << CCA_DFR0_CTX_CMPS_SHIFT) | 6;
		if (r->id == CCA_KVM_REG_PMCR_EL0)
			v = 8ULL << CCA_PMCR_N_SHIFT;
		memcpy((void *)(uintptr_t)r->addr, &v, sizeof(v));
		return 0;
	}
	if (req == KVM_SET_ONE_REG) {
		struct kvm_one_reg *r = arg;
		int idx = fx_vcpu_of_fd(fd);
		if (idx >= 0 && r->id == CCA_KVM_REG_ARM64_X(0))
			memcpy(&f->x0[idx], (void *)(uintptr_t)r->addr, sizeof(uint64_t));
		return 0;
	}
	if (req == KVM_CREATE_DEVICE) {
		struct kvm_create_device *d = arg;
		d->fd = MOCK_GIC_FD;
		mock_sys_fd_opened(MOCK_GIC_FD);
		return 0;
	}
	if (req == KVM_CREATE_GUEST_MEMFD) {
		int gfd = MOCK_GMEM_FD((int)gmem_count++);
		mock_sys_fd_opened(gfd);
		return gfd;
	}
	if (req == KVM_ARM_RMI_POPULATE_V12 || req == KVM_ARM_RMI_POPULATE_V13) {
		struct kvm_arm_rmi_populate *p = arg;
		if (req != abi->populate_req)
			return -ENOTTY;
		if (f->populate_ret < 0)
			return f->populate_ret;
		uint64_t n = f->populate_step && f->populate_step < p->size ? f->populate_step :
									      p->size;
		if (abi->populate_conv == CCA_POPULATE_RETURNS_BYTES)
			return (int)n;
		p->base += n;
		p->source_uaddr += n;
		p->size -= n;
		return 0;
	}
	if (req == KVM_RUN) {
		f->calls_run++;
		if (f->on_run) {
			struct cca_rec *rec = NULL;
			int idx = fx_vcpu_of_fd(fd);
			if (idx >= 0 && (unsigned)idx < f->nr_recs)
				rec = f->rec[idx];
			if (rec)
				f->on_run(f, fd, cca_rec_kvm_run(rec));
		}
		return f->run_ret;
	}
	if (req == KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12) {
		if (!cca_abi_desc_has(abi, CCA_ABI_MANUAL_PSCI_COMPLETE))
			return -EINVAL;
		f->calls_psci_complete++;
		return 0;
	}
	if (req == KVM_SET_MP_STATE) {
		f->calls_mp_state++;
		return 0;
	}
	if (req == CCA_KVM_ARM_VCPU_INIT || req == CCA_KVM_ARM_VCPU_FINALIZE ||
	    req == KVM_SET_DEVICE_ATTR || req == KVM_SET_USER_MEMORY_REGION2 ||
	    req == KVM_SET_MEMORY_ATTRIBUTES || req == MOCK_REQ_FALLOCATE ||
	    req == MOCK_REQ_MADVISE)
		return 0;
	return -ENOTTY;
}

void fx_handler_mode(struct fx *f)
{
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(fx_fake_ioctl, f);
}

void fx_setup(struct fx *f, enum cca_abi_rev rev, const struct fx_opts *o)
{
	static const struct fx_opts defaults = { 0 };
	struct cca_host_options ho;
	struct cca_realm_params rp;

	if (!o)
		o = &defaults;
	memset(f, 0, sizeof(*f));
	f->rev = rev;
	f->nr_recs = o->nr_recs ? o->nr_recs : 2;
	gmem_count = 0;
	mock_sys_reset();
	fx_handler_mode(f);

	memset(&ho, 0, sizeof(ho));
	ho.size = sizeof(ho);
	ho.flags = CCA_HOST_NO_ENV;
	assert_int_equal(cca_host_open_sys(&ho, &mock_sys, &f->host), 0);
	assert_int_equal(cca_host_revision(f->host), rev);

	cca_realm_params_init(&rp);
	rp.nr_recs = f->nr_recs;
	rp.ipa_bits = o->ipa_bits ? o->ipa_bits : 40;
	rp.sve_vl = o->sve_vl;
	rp.num_bps = o->num_bps;
	rp.num_wps = o->num_wps;
	if (o->pmu) {
		rp.flags |= CCA_REALM_F_PMU;
		rp.pmu_counters = o->pmu_counters;
	}
	assert_int_equal(cca_realm_create(f->host, &rp, &f->realm), 0);
	if (!o->no_gic) {
		struct cca_gic_params gp = { .size = sizeof(gp),
					     .dist_base = FX_DIST,
					     .redist_base = FX_REDIST };
		assert_int_equal(cca_realm_gic_create(f->realm, &gp), 0);
	}
	if (!o->no_region) {
		struct cca_mem_region_params mp = { .size = sizeof(mp),
						    .gpa = FX_RAM_BASE,
						    .len = FX_RAM_SIZE };
		assert_int_equal(cca_mem_region_add(f->realm, &mp, NULL), 0);
	}
	if (o->psci_user)
		assert_int_equal(cca_realm_set_psci_user(f->realm), 0);
	unsigned int make = o->make_recs == 0 ? f->nr_recs : o->make_recs == -1u ? 0 : o->make_recs;
	for (unsigned int i = 0; i < make; i++) {
		struct cca_rec_params p = { .size = sizeof(p), .index = i };
		assert_int_equal(cca_rec_create(f->realm, &p, &f->rec[i]), 0);
	}
	/* Strict from here: the test declares every call. */
	mock_sys_set_handler(NULL, NULL);
}

void fx_teardown(struct fx *f)
{
	fx_handler_mode(f);
	cca_realm_destroy(f->realm);
	cca_host_close(f->host);
	f->realm = NULL;
	f->host = NULL;
	mock_sys_assert_clean();
	mock_sys_reset();
}

struct fx_case fx_case12 = { .rev = CCA_ABI_V12 };
struct fx_case fx_case13 = { .rev = CCA_ABI_V13 };
struct fx_case fx_case14 = { .rev = CCA_ABI_V14 };
struct fx_case fx_case15 = { .rev = CCA_ABI_V15 };

int fx_case_teardown(void **state)
{
	struct fx_case *t = *state;
	if (t->f.host)
		fx_teardown(&t->f);
	return 0;
}

struct fx *fx_case_setup(void **state, const struct fx_opts *o)
{
	struct fx_case *t = *state;
	fx_setup(&t->f, t->rev, o);
	return &t->f;
}

const enum cca_abi_rev fx_revs[4] = { CCA_ABI_V12, CCA_ABI_V13, CCA_ABI_V14, CCA_ABI_V15 };

enum cca_abi_rev fx_rev_of(void **state)
{
	return *(const enum cca_abi_rev *)*state;
}

void fx_strict(void)
{
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(NULL, NULL);
}

struct fx_hypercall fx_next_hypercall = { .vcpu = -1 };

void fx_run_hypercall(struct fx *f, int vcpu_fd, struct kvm_run *run)
{
	int v = fx_vcpu_of_fd(vcpu_fd);
	memset(run, 0, sizeof(*run));
	if (v != fx_next_hypercall.vcpu) {
		f->run_ret = -EINTR;
		return;
	}
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = fx_next_hypercall.nr;
	memcpy(f->regs[v], fx_next_hypercall.x, sizeof(fx_next_hypercall.x));
	f->run_ret = 0;
}
