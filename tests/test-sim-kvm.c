// SPDX-License-Identifier: MIT
/*
 * Description: the simulated KVM (lib/sim/kvm.c) through raw ioctls on the
 * seam (cca_sim_sys()), per revision where the behaviour differs
 * (kvm-realm-uapi.md §2-§9, §12, §16-§20): VM types, capabilities, POPULATE
 * and its errnos, the first KVM_RUN, vCPU and register rules, the PSCI
 * completion ioctl, and the KVM_RUN exits and errnos. Numbers come from
 * cca_abi_desc(rev), never from the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <rmi/cca.h>
#include <rmi/uapi.h>

#include "internal.h"
#include "sim/sim.h"

#define RAM 0x80000000ULL
#define RAM_SIZE 0x200000ULL
#define HALF33 0x100000000ULL
#define UART 0x09000000ULL
#define F_PSCI (1U << CCA_KVM_ARM_VCPU_PSCI_0_2)
#define F_OFF (1U << CCA_KVM_ARM_VCPU_POWER_OFF)
#define F_SVE (1U << CCA_KVM_ARM_VCPU_SVE)

static const char off_guest[] = "ipa-bits 33\ncpu 0:\n  psci system_off\n";

struct kx {
	struct cca_sim *sim;
	const struct cca_sys *sys;
	enum cca_abi_rev rev;
	const struct cca_abi_desc *abi;
	int kvm, vm, gic;
	int vcpu[4];
	struct kvm_run *run[4];
	unsigned int n;
};

static int io(struct kx *k, int fd, unsigned long req, void *arg)
{
	return k->sys->ops->ioctl(k->sys->ctx, fd, req, arg);
}

static int ioi(struct kx *k, int fd, unsigned long req, unsigned long v)
{
	return io(k, fd, req, (void *)(uintptr_t)v);
}

static void kx_open2(struct kx *k, enum cca_abi_rev rev, const char *guest, uint32_t flags,
		     uint32_t ipa_limit)
{
	struct cca_sim_options o;
	char err[192] = "";
	memset(k, 0, sizeof(*k));
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.revision = rev;
	o.guest = guest;
	o.flags = flags;
	o.ipa_limit = ipa_limit;
	if (cca_sim_create(&o, &k->sim, err, sizeof(err)))
		fail_msg("sim: %s", err);
	k->sys = cca_sim_sys(k->sim);
	k->rev = rev;
	k->abi = cca_abi_desc(rev);
	k->kvm = k->sys->ops->open(k->sys->ctx, "/dev/kvm", O_RDWR);
	assert_true(k->kvm >= 0);
	k->vm = k->gic = -1;
}

static void kx_open(struct kx *k, enum cca_abi_rev rev, const char *guest)
{
	kx_open2(k, rev, guest, 0, 0);
}

static void kx_close(struct kx *k)
{
	cca_sim_destroy(k->sim);
}

static int realm_type(struct kx *k, unsigned ipa)
{
	return (int)(k->abi->vm_type_realm | ipa);
}

static int mkvm(struct kx *k, bool realm)
{
	k->vm = ioi(k, k->kvm, KVM_CREATE_VM, realm ? (unsigned long)realm_type(k, 33) : 33);
	assert_true(k->vm >= 0);
	return k->vm;
}

static int mkvcpu(struct kx *k, unsigned id, uint32_t features)
{
	int fd = ioi(k, k->vm, KVM_CREATE_VCPU, id);
	assert_true(fd >= 0);
	struct cca_kvm_vcpu_init in = { .target = 5, .features = { features } };
	assert_int_equal(io(k, fd, CCA_KVM_ARM_VCPU_INIT, &in), 0);
	void *p = NULL;
	int sz = ioi(k, k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	assert_true(sz > 0);
	assert_int_equal(k->sys->ops->mmap(k->sys->ctx, (size_t)sz, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd, 0, &p),
			 0);
	k->vcpu[id] = fd;
	k->run[id] = p;
	if (id >= k->n)
		k->n = id + 1;
	return fd;
}

static void mkgic(struct kx *k, bool init)
{
	struct kvm_create_device d = { .type = CCA_KVM_DEV_TYPE_ARM_VGIC_V3 };
	assert_int_equal(io(k, k->vm, KVM_CREATE_DEVICE, &d), 0);
	k->gic = (int)d.fd;
	uint64_t dist = 0x08000000, redist = 0x080a0000;
	struct kvm_device_attr a = { .group = CCA_KVM_DEV_ARM_VGIC_GRP_ADDR,
				     .attr = CCA_KVM_VGIC_V3_ADDR_TYPE_DIST,
				     .addr = (uintptr_t)&dist };
	assert_int_equal(io(k, k->gic, KVM_SET_DEVICE_ATTR, &a), 0);
	a.attr = CCA_KVM_VGIC_V3_ADDR_TYPE_REDIST;
	a.addr = (uintptr_t)&redist;
	assert_int_equal(io(k, k->gic, KVM_SET_DEVICE_ATTR, &a), 0);
	if (init) {
		struct kvm_device_attr c = { .group = CCA_KVM_DEV_ARM_VGIC_GRP_CTRL,
					     .attr = CCA_KVM_DEV_ARM_VGIC_CTRL_INIT };
		assert_int_equal(io(k, k->gic, KVM_SET_DEVICE_ATTR, &c), 0);
	}
}

static bool v15(const struct kx *k)
{
	return cca_abi_desc_has(k->abi, CCA_ABI_GMEM_CONVERSION);
}

static void set_private(struct kx *k, uint64_t gpa, uint64_t size, bool priv)
{
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0 };
	assert_int_equal(io(k, k->vm, KVM_SET_MEMORY_ATTRIBUTES, &a), v15(k) ? -EINVAL : 0);
}

/* A memslot; gmem ones made PRIVATE if asked (v15: private by default). */
static void slot(struct kx *k, unsigned id, uint64_t gpa, uint64_t size, bool gmem, bool priv)
{
	void *ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(ram != MAP_FAILED);
	struct kvm_userspace_memory_region2 m;
	memset(&m, 0, sizeof(m));
	m.slot = id;
	m.guest_phys_addr = gpa;
	m.memory_size = size;
	m.userspace_addr = (uintptr_t)ram;
	if (gmem) {
		struct kvm_create_guest_memfd g = { .size = size };
		int fd = io(k, k->vm, KVM_CREATE_GUEST_MEMFD, &g);
		assert_true(fd >= 0);
		m.flags = KVM_MEM_GUEST_MEMFD;
		m.guest_memfd = (uint32_t)fd;
	}
	assert_int_equal(io(k, k->vm, KVM_SET_USER_MEMORY_REGION2, &m), 0);
	if (gmem && priv && !v15(k))
		set_private(k, gpa, size, true);
}

static void user_psci(struct kx *k)
{
	static const uint32_t bases[] = { CCA_PSCI_RANGE_32_BASE, CCA_PSCI_RANGE_64_BASE };
	for (int i = 0; i < 2; i++) {
		struct cca_kvm_smccc_filter f = { .base = bases[i], .nr_functions = CCA_PSCI_RANGE_LEN,
						  .action = CCA_KVM_SMCCC_FILTER_FWD_TO_USER };
		struct kvm_device_attr a = { .group = CCA_KVM_ARM_VM_SMCCC_CTRL,
					     .attr = CCA_KVM_ARM_VM_SMCCC_FILTER,
					     .addr = (uintptr_t)&f };
		assert_int_equal(io(k, k->vm, KVM_SET_DEVICE_ATTR, &a), 0);
	}
}

/* The usual realm: n vCPUs (secondaries off), a vGIC, 2 MiB of private gmem RAM. */
static void kx_realm(struct kx *k, enum cca_abi_rev rev, const char *guest, unsigned n, bool upsci)
{
	kx_open(k, rev, guest);
	mkvm(k, true);
	for (unsigned i = 0; i < n; i++)
		mkvcpu(k, i, F_PSCI | (i ? F_OFF : 0));
	mkgic(k, true);
	slot(k, 0, RAM, RAM_SIZE, true, true);
	if (upsci)
		user_psci(k);
}

static int run(struct kx *k, unsigned i)
{
	return ioi(k, k->vcpu[i], KVM_RUN, 0);
}

static int set_reg(struct kx *k, unsigned i, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };
	return io(k, k->vcpu[i], KVM_SET_ONE_REG, &r);
}

static int psci_complete(struct kx *k, unsigned i, uint64_t mpidr, int32_t status)
{
	struct kvm_arm_rmi_psci_complete c = { .target_mpidr = mpidr, .psci_status = (uint32_t)status };
	return io(k, k->vcpu[i], KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, &c);
}

static int populate(struct kx *k, struct kvm_arm_rmi_populate *a)
{
	return io(k, k->vm, k->abi->populate_req, a);
}

static struct cca_kvm_memory_fault mf(struct kx *k, unsigned i)
{
	struct cca_kvm_memory_fault m;
	memcpy(&m, (char *)k->run[i] + offsetof(struct kvm_run, mmio), sizeof(m));
	return m;
}

static unsigned char src[4][4096] __attribute__((aligned(4096)));

#define FOR_REVS(r) for (enum cca_abi_rev r = CCA_ABI_V12; r <= CCA_ABI_V15; r = (enum cca_abi_rev)(r + 1))

/* ---- §2: VM types ----------------------------------------------------------------- */

static void vm_types(void **state)
{
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		kx_open2(&k, rev, off_guest, 0, 40);
		bool old = k.abi->vm_type_realm == KVM_VM_TYPE_ARM_REALM_V12;
		int r8 = ioi(&k, k.kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_REALM_V12 | 33);
		int r30 = ioi(&k, k.kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_REALM_V14 | 33);
		if (old) {
			assert_true(r8 >= 0);
			assert_int_equal(r30, -EINVAL);
		} else {
			assert_int_equal(r8, -EINVAL);
			assert_true(r30 >= 0);
			assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM,
					     KVM_VM_TYPE_ARM_REALM_V14 | KVM_VM_TYPE_ARM_PROTECTED_V14 | 33),
					 -EINVAL);
		}
		for (unsigned long mt = 2; mt <= 15; mt++)
			assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM, (mt << 8) | 33), -EINVAL);
		assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM, (1UL << 12) | 33), -EINVAL);
		/* The realm IPA limit is the RMM's S2SZ (40 here). */
		assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 41)), -EINVAL);
		assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 31)), -EINVAL);
		assert_true(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 40)) >= 0);
		assert_true(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 0)) >= 0); /* 40 */
		/* A normal VM keeps the host's limit (48). */
		assert_true(ioi(&k, k.kvm, KVM_CREATE_VM, 44) >= 0);
		assert_true(ioi(&k, k.kvm, KVM_CREATE_VM, 0) >= 0);
		kx_close(&k);
		/* With S2SZ 39 the default of 40 bits does not fit. */
		kx_open2(&k, rev, off_guest, 0, 39);
		assert_int_equal(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 0)), -EINVAL);
		assert_true(ioi(&k, k.kvm, KVM_CREATE_VM, (unsigned long)realm_type(&k, 39)) >= 0);
		kx_close(&k);
	}
}

/* ---- §3: capabilities ------------------------------------------------------------- */

static void capabilities(void **state)
{
	static const int rmi_caps[] = { KVM_CAP_ARM_RMI_V12, KVM_CAP_ARM_RMI_V13, KVM_CAP_ARM_RMI_V14,
					KVM_CAP_ARM_RMI_V15 };
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		kx_open2(&k, rev, off_guest, CCA_SIM_F_NO_SVE, 0);
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(ioi(&k, k.kvm, KVM_CHECK_EXTENSION, (unsigned long)rmi_caps[i]),
					 rmi_caps[i] == k.abi->cap_rmi);
		assert_int_equal(k.abi->cap_rmi, cca_abi_cap_number(rev));
		assert_int_equal(ioi(&k, k.kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE), 48);
		assert_int_equal(ioi(&k, k.kvm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES), 0);
		int normal = ioi(&k, k.kvm, KVM_CREATE_VM, 33);
		assert_int_equal(ioi(&k, normal, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES), 0);
		assert_int_equal(ioi(&k, normal, KVM_CHECK_EXTENSION, (unsigned long)k.abi->cap_rmi), 1);
		/* Arch capabilities: reported on /dev/kvm and a normal VM, 0 on a realm's. */
		assert_int_equal(ioi(&k, k.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT), 1);
		assert_int_equal(ioi(&k, normal, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT), 1);
		assert_int_equal(ioi(&k, k.kvm, KVM_CHECK_EXTENSION, KVM_CAP_ONE_REG), 1);
		int vm = mkvm(&k, true);
		int attrs = ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES);
		int gattrs = ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15);
		if (rev == CCA_ABI_V15) {
			assert_int_equal(attrs, 0);
			assert_int_equal(gattrs, KVM_MEMORY_ATTRIBUTE_PRIVATE);
		} else {
			assert_int_equal(attrs, KVM_MEMORY_ATTRIBUTE_PRIVATE);
			assert_int_equal(gattrs, 0);
		}
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, (unsigned long)k.abi->mem_attr_cap),
				 KVM_MEMORY_ATTRIBUTE_PRIVATE);
		/* The realm allowlist. */
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, (unsigned long)k.abi->cap_rmi), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE), 48);
		assert_true(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS) >= 512);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ONE_REG), 0);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT), 0);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_ADDRESS), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_GENERIC), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM), 0);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE), 0); /* no SVE_EN */
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3),
				 cca_abi_desc_has(k.abi, CCA_ABI_PMU) ? 1 : 0);
		/* Generic capabilities bypass the allowlist. */
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2), 1);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM), 1);
		kx_close(&k);
		kx_open(&k, rev, off_guest);
		vm = mkvm(&k, true);
		assert_int_equal(ioi(&k, vm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE), 1);
		kx_close(&k);
	}
}

/* ---- §8.5, §16-§18: POPULATE --------------------------------------------------------- */

static void populate_errnos(void **state)
{
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		struct kvm_arm_rmi_populate a;
		uint8_t rim[64];
		size_t len;
		kx_open(&k, rev, off_guest);
		bool rbytes = k.abi->populate_conv == CCA_POPULATE_RETURNS_BYTES;
		bool srcal = k.abi->populate_checks & CCA_PCHK_SRC_ALIGN;
		bool strict = k.abi->populate_checks & CCA_PCHK_UPPER_HALF; /* v15 */

		/* A normal VM: EPERM; the other revision's number: unknown. */
		int normal = ioi(&k, k.kvm, KVM_CREATE_VM, 33);
		a = (struct kvm_arm_rmi_populate){ .base = RAM, .size = 4096,
						   .source_uaddr = (uintptr_t)src[0] };
		assert_int_equal(io(&k, normal, k.abi->populate_req, &a), -EPERM);
		unsigned long other = k.abi->populate_req == KVM_ARM_RMI_POPULATE_V12
					      ? KVM_ARM_RMI_POPULATE_V13
					      : KVM_ARM_RMI_POPULATE_V12;
		assert_int_equal(io(&k, normal, other, &a), -ENOTTY);

		int vm = mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI);
		mkgic(&k, true);
		slot(&k, 0, RAM, RAM_SIZE, true, true);
		slot(&k, 1, RAM + RAM_SIZE, RAM_SIZE, true, true);
		slot(&k, 2, 0x90000000ULL, 0x10000, false, false);
		slot(&k, 3, HALF33 - RAM_SIZE, RAM_SIZE, true, true);
		if (!v15(&k))
			slot(&k, 4, 0xa0000000ULL, 0x10000, true, false); /* gmem, not PRIVATE */
		assert_int_equal(io(&k, vm, other, &a), -ENOTTY);
		assert_int_equal(io(&k, vm, k.abi->populate_req, NULL), -EFAULT);
		assert_int_equal(cca_sim_rim(k.sim, vm, rim, &len), -ENOENT); /* no RD yet */

#define POP(b, s, sa, fl, rs) \
	(a = (struct kvm_arm_rmi_populate){ .base = (b), .size = (s), .source_uaddr = (sa), \
					    .flags = (fl), .reserved = (rs) }, populate(&k, &a))
		uint64_t s0 = (uintptr_t)src[0];
		assert_int_equal(POP(RAM, 4096, s0, 0, 1), -EINVAL);          /* reserved */
		assert_int_equal(POP(RAM, 4096, s0, 2, 0), -EINVAL);          /* flag bit 1 */
		assert_int_equal(POP(RAM + 0x800, 4096, s0, 0, 0), -EINVAL);  /* base */
		assert_int_equal(POP(RAM, 0x1800, s0, 0, 0), -EINVAL);        /* end */
		assert_int_equal(POP(0x90000000ULL, 4096, s0, 0, 0), -EINVAL); /* not gmem */
		assert_int_equal(POP(0xb0000000ULL, 4096, s0, 0, 0), -EINVAL); /* no slot */
		assert_int_equal(POP(RAM, 0, s0, 0, 0), strict ? 0 : -EINVAL);
		assert_int_equal(POP(~0xfffULL, 0x2000, s0, 0, 0), -EINVAL);  /* wraps */
		/* A source that is not mapped: EFAULT; 0: EINVAL on v15 (checked first). */
		void *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(gone != MAP_FAILED);
		munmap(gone, 4096);
		assert_int_equal(POP(RAM, 4096, (uintptr_t)gone, 0, 0), -EFAULT);
		assert_int_equal(POP(RAM, 4096, 0, 0, 0), strict ? -EINVAL : -EFAULT);
		/* An unaligned source: refused from v14; v12/v13 take it. */
		int r = POP(RAM + 0x10000, 4096, s0 + 0x10, 0, 0);
		if (srcal)
			assert_int_equal(r, -EINVAL);
		else
			assert_int_equal(r, rbytes ? 4096 : 0);
		assert_int_equal(cca_sim_rim(k.sim, vm, rim, &len), srcal ? -ENOENT : 0);

		/* Two granules: v12 returns the bytes, v13+ writes back. */
		r = POP(RAM, 0x2000, s0, KVM_ARM_RMI_POPULATE_FLAGS_MEASURE, 0);
		if (rbytes) {
			assert_int_equal(r, 0x2000);
			assert_int_equal(a.base, RAM);
			assert_int_equal(a.size, 0x2000);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(a.base, RAM + 0x2000);
			assert_int_equal(a.size, 0);
			assert_int_equal(a.source_uaddr, s0 + 0x2000);
		}
		assert_int_equal(cca_sim_rim(k.sim, vm, rim, &len), 0);
		if (!v15(&k))
			assert_int_equal(POP(0xa0000000ULL, 4096, s0, 0, 0), -EINVAL); /* not PRIVATE */
		/* Twice: EEXIST. */
		assert_int_equal(POP(RAM + 0x1000, 0x1000, s0, 0, 0), -EEXIST);
		/* Stops at the memslot's end. */
		r = POP(RAM + RAM_SIZE - 0x1000, 0x3000, s0, 0, 0);
		if (rbytes) {
			assert_int_equal(r, 0x1000);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(a.base, RAM + RAM_SIZE);
			assert_int_equal(a.size, 0x2000);
		}
		/* Reaching into the unprotected half: v15 refuses; the others stop at the slot. */
		r = POP(HALF33 - 0x1000, 0x2000, s0, 0, 0);
		if (strict) {
			assert_int_equal(r, -EINVAL);
		} else if (rbytes) {
			assert_int_equal(r, 0x1000);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(a.size, 0x1000);
			assert_int_equal(a.base, HALF33);
		}
		/* A partial failure reports the progress made. */
		r = POP(RAM + 0x3000, 0x2000, s0, 0, 0);
		assert_int_equal(r, rbytes ? 0x2000 : 0);
		r = POP(RAM + 0x2000, 0x3000, s0, 0, 0); /* 0x2000 new, then 0x3000 exists */
		if (rbytes) {
			assert_int_equal(r, 0x1000);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(a.base, RAM + 0x3000);
			assert_int_equal(a.size, 0x2000);
		}

		/* Activation: EBUSY afterwards. */
		struct kvm_run *kr = k.run[0];
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(kr->exit_reason, KVM_EXIT_SYSTEM_EVENT);
		assert_int_equal(POP(RAM + 0x100000, 4096, s0, 0, 0), -EBUSY);
		kx_close(&k);
#undef POP
	}
}

/* A realm that died at activation: ENXIO for KVM_RUN and POPULATE. */
static void populate_dead(void **state)
{
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		struct kvm_arm_rmi_populate a = { .base = RAM, .size = 4096,
						  .source_uaddr = (uintptr_t)src[1] };
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI);
		slot(&k, 0, RAM, RAM_SIZE, true, true);
		assert_int_equal(populate(&k, &a), k.abi->populate_conv == CCA_POPULATE_RETURNS_BYTES ? 4096 : 0);
		assert_int_equal(run(&k, 0), -EOPNOTSUPP); /* no vGIC */
		assert_int_equal(run(&k, 0), -ENXIO);
		a = (struct kvm_arm_rmi_populate){ .base = RAM + 0x1000, .size = 4096,
						   .source_uaddr = (uintptr_t)src[1] };
		assert_int_equal(populate(&k, &a), -ENXIO);
		kx_close(&k);
	}
}

/* ---- §4.2, §6, §18: the first KVM_RUN and vCPU rules ------------------------------------- */

static void first_run(void **state)
{
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		/* No vGIC: EOPNOTSUPP, then the realm is dead. */
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI);
		struct kvm_create_device d2 = { .type = CCA_KVM_DEV_TYPE_ARM_VGIC_V2 };
		assert_int_equal(io(&k, k.vm, KVM_CREATE_DEVICE, &d2), -ENODEV);
		assert_int_equal(run(&k, 0), -EOPNOTSUPP);
		assert_int_equal(run(&k, 0), -ENXIO);
		kx_close(&k);

		/* A vGIC not initialised: only v15 refuses it (ENODEV). */
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI);
		mkgic(&k, false);
		if (rev == CCA_ABI_V15) {
			assert_int_equal(run(&k, 0), -ENODEV);
			assert_int_equal(run(&k, 0), -ENXIO);
		} else {
			assert_int_equal(run(&k, 0), 0);
			assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_SYSTEM_EVENT);
		}
		kx_close(&k);

		/* A vCPU without PSCI 0.2: EINVAL. */
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI);
		mkvcpu(&k, 1, F_OFF);
		mkgic(&k, true);
		assert_int_equal(run(&k, 0), -EINVAL);
		kx_close(&k);

		/* A vCPU after the first run: EBUSY; init again: EINVAL. */
		kx_realm(&k, rev, off_guest, 1, false);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(ioi(&k, k.vm, KVM_CREATE_VCPU, 1), -EBUSY);
		struct cca_kvm_vcpu_init in = { .target = 5, .features = { F_PSCI } };
		assert_int_equal(io(&k, k.vcpu[0], CCA_KVM_ARM_VCPU_INIT, &in), -EINVAL);
		kx_close(&k);

		/* AArch32 realms do not exist; PMU only where the revision has one. */
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		int fd = ioi(&k, k.vm, KVM_CREATE_VCPU, 0);
		in.features[0] = F_PSCI | (1U << CCA_KVM_ARM_VCPU_EL1_32BIT);
		assert_int_equal(io(&k, fd, CCA_KVM_ARM_VCPU_INIT, &in), -EINVAL);
		in.features[0] = F_PSCI | (1U << CCA_KVM_ARM_VCPU_PMU_V3);
		assert_int_equal(io(&k, fd, CCA_KVM_ARM_VCPU_INIT, &in),
				 cca_abi_desc_has(k.abi, CCA_ABI_PMU) ? 0 : -EINVAL);
		assert_int_equal(ioi(&k, k.vm, KVM_CREATE_VCPU, 0), -EEXIST);
		kx_close(&k);
	}
}

/* ---- §7: SET_ONE_REG ---------------------------------------------------------------------- */

static void one_reg_rules(void **state)
{
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		kx_open(&k, rev, off_guest);
		mkvm(&k, true);
		mkvcpu(&k, 0, F_PSCI | F_SVE);
		mkvcpu(&k, 1, F_PSCI | F_OFF | F_SVE);
		mkgic(&k, true);
		slot(&k, 0, RAM, RAM_SIZE, true, true);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(31), 0x1000), -EINVAL); /* sp */
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(1) + 1, 0), -EINVAL);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_SYS(3, 0, 0, 0, 5), 1), -EINVAL); /* MPIDR */
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(7), 0x7777), 0);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_PC, RAM), 0);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_PMCR_EL0, 1ULL << CCA_PMCR_N_SHIFT),
				 cca_abi_desc_has(k.abi, CCA_ABI_PMU) ? 0 : -EINVAL);
		/* DFR0: BRPs/WRPs non-zero and within the RMM's maxima. */
		uint64_t dfr0 = (3ULL << CCA_DFR0_BRPS_SHIFT) | (2ULL << CCA_DFR0_WRPS_SHIFT) | 6;
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ID_AA64DFR0_EL1, 6 | (2ULL << CCA_DFR0_WRPS_SHIFT)),
				 -EINVAL);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ID_AA64DFR0_EL1,
					 (15ULL << CCA_DFR0_BRPS_SHIFT) | (2ULL << CCA_DFR0_WRPS_SHIFT)),
				 -EINVAL);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ID_AA64DFR0_EL1, dfr0), 0);
		/* SVE_VLS before finalize; EPERM after. */
		uint64_t vls[8] = { 0x3 };
		struct kvm_one_reg sv = { .id = CCA_KVM_REG_ARM64_SVE_VLS, .addr = (uintptr_t)vls };
		assert_int_equal(io(&k, k.vcpu[0], KVM_SET_ONE_REG, &sv), 0);
		int what = CCA_KVM_ARM_VCPU_SVE;
		assert_int_equal(io(&k, k.vcpu[0], CCA_KVM_ARM_VCPU_FINALIZE, &what), 0);
		assert_int_equal(io(&k, k.vcpu[0], KVM_SET_ONE_REG, &sv), -EPERM);
		assert_int_equal(io(&k, k.vcpu[0], CCA_KVM_ARM_VCPU_FINALIZE, &what), -EPERM);
		/* RD creation with vCPU 1 not finalized: EINVAL (SVE misconfiguration). */
		struct kvm_arm_rmi_populate a = { .base = RAM, .size = 4096,
						  .source_uaddr = (uintptr_t)src[2] };
		assert_int_equal(populate(&k, &a), -EINVAL);
		assert_int_equal(io(&k, k.vcpu[1], KVM_SET_ONE_REG, &sv), 0);
		assert_int_equal(io(&k, k.vcpu[1], CCA_KVM_ARM_VCPU_FINALIZE, &what), 0);
		assert_true(populate(&k, &a) >= 0);
		/* After RD creation: DFR0 equal is fine, different is EBUSY. */
		assert_int_equal(set_reg(&k, 1, CCA_KVM_REG_ID_AA64DFR0_EL1, dfr0), 0);
		assert_int_equal(set_reg(&k, 1, CCA_KVM_REG_ID_AA64DFR0_EL1, dfr0 ^ (1ULL << CCA_DFR0_BRPS_SHIFT)),
				 -EBUSY);
		if (cca_abi_desc_has(k.abi, CCA_ABI_PMU))
			assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_PMCR_EL0, 31ULL << CCA_PMCR_N_SHIFT), 0);
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(3), 0x3333), 0);
		kx_close(&k);
	}
}

/* ---- §12.2, §17: the PSCI completion ioctl ------------------------------------------------ */

static void psci_complete_ioctl(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n"
				    "  psci cpu_on 0x1 0x80000000 0x1 expect SUCCESS\n"
				    "  psci system_off\n"
				    "cpu 1:\n  psci cpu_off\n";
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		bool manual = cca_abi_desc(rev)->psci_complete_req != 0;
		kx_open(&k, rev, guest);
		/* A vCPU of a normal VM: EPERM where the ioctl exists, EINVAL where not. */
		mkvm(&k, false);
		mkvcpu(&k, 0, F_PSCI);
		assert_int_equal(psci_complete(&k, 0, 1, 0), manual ? -EPERM : -EINVAL);
		kx_close(&k);

		kx_realm(&k, rev, guest, 2, true);
		/* Before activation: no REC. */
		assert_int_equal(psci_complete(&k, 0, 1, 0), -EINVAL);
		assert_int_equal(io(&k, k.vcpu[0], KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12, NULL), -EFAULT);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_HYPERCALL);
		assert_int_equal(k.run[0]->hypercall.nr, CCA_PSCI_CPU_ON_64);
		if (manual) {
			assert_int_equal(psci_complete(&k, 0, 0x7, 0), -EINVAL);     /* no such vCPU */
			assert_int_equal(psci_complete(&k, 0, 0, 0), -EINVAL);       /* not the target */
			assert_int_equal(psci_complete(&k, 1, 1, 0), -EINVAL);       /* wrong vCPU */
			assert_int_equal(psci_complete(&k, 0, 1, -1), -EINVAL);      /* bad status */
			assert_int_equal(psci_complete(&k, 0, 1, 0), 0);
			assert_int_equal(psci_complete(&k, 0, 1, 0), -EINVAL);       /* twice */
			assert_int_equal(psci_complete(&k, 0, 1, CCA_PSCI_RET_DENIED), -EINVAL);
		} else {
			assert_int_equal(psci_complete(&k, 0, 1, 0), -EINVAL); /* removed */
		}
		assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(0), 0), 0);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_HYPERCALL);
		assert_int_equal(k.run[0]->hypercall.nr, CCA_PSCI_SYSTEM_OFF);
		assert_int_equal(cca_sim_guest_failure(k.sim, k.vm, NULL, 0), 0);
		kx_close(&k);
	}
}

/* ---- §8.7, §9: KVM_RUN exits -------------------------------------------------------------- */

static void run_exits(void **state)
{
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  mmio write 0x9000000 4 0x12345678\n"
				    "  mmio read 0x9000008 8 expect 0x1122334455667788\n"
				    "  mmio write 0x8000000 4 0x1\n" /* the in-kernel vGIC: no exit */
				    "  ripas 0x80000000 0x2000 empty expect accepted\n"
				    "  ripas 0x80100000 0x1000 ram expect accepted\n"
				    "  raw ripas 0xfffff000 0x100001000 ram expect rejected\n"
				    "  hostcall 0x5 x0=0xc7000001 expect x0 == -1\n"
				    "  psci system_off\n";
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		kx_realm(&k, rev, guest, 1, false);
		struct kvm_run *kr = k.run[0];
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(kr->exit_reason, KVM_EXIT_MMIO);
		assert_int_equal(kr->mmio.phys_addr, UART); /* top IPA bit stripped */
		assert_int_equal(kr->mmio.len, 4);
		assert_int_equal(kr->mmio.is_write, 1);
		uint32_t w;
		memcpy(&w, kr->mmio.data, 4);
		assert_int_equal(w, 0x12345678);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(kr->exit_reason, KVM_EXIT_MMIO);
		assert_int_equal(kr->mmio.phys_addr, UART + 8);
		assert_int_equal(kr->mmio.len, 8);
		assert_int_equal(kr->mmio.is_write, 0);
		uint64_t rv = 0x1122334455667788ULL;
		memcpy(kr->mmio.data, &rv, 8);
		/* RIPAS change to EMPTY: MEMORY_FAULT with EFAULT, flags 0. */
		assert_int_equal(run(&k, 0), -EFAULT);
		assert_int_equal(kr->exit_reason, KVM_EXIT_MEMORY_FAULT);
		struct cca_kvm_memory_fault m = mf(&k, 0);
		assert_int_equal(m.flags, 0);
		assert_int_equal(m.gpa, RAM);
		assert_int_equal(m.size, 0x2000);
		if (!v15(&k))
			set_private(&k, RAM, 0x2000, false);
		/* RIPAS change to RAM: flags PRIVATE. */
		assert_int_equal(run(&k, 0), -EFAULT);
		assert_int_equal(kr->exit_reason, KVM_EXIT_MEMORY_FAULT);
		m = mf(&k, 0);
		assert_int_equal(m.flags, KVM_MEMORY_EXIT_FLAG_PRIVATE);
		assert_int_equal(m.gpa, RAM + 0x100000);
		assert_int_equal(m.size, 0x1000);
		/* In-kernel SYSTEM_OFF: SYSTEM_EVENT; the realm is off: SHUTDOWN. */
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(kr->exit_reason, KVM_EXIT_SYSTEM_EVENT);
		assert_int_equal(kr->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
		char rep[256] = "";
		if (cca_sim_guest_failure(k.sim, k.vm, rep, sizeof(rep)) != 0)
			fail_msg("%s: %s", cca_abi_rev_name(rev), rep);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(kr->exit_reason, KVM_EXIT_SHUTDOWN);
		kx_close(&k);
	}
}

static void run_reset_and_failure(void **state)
{
	static const char reset[] = "ipa-bits 33\ncpu 0:\n  psci system_reset\n";
	static const char failing[] = "ipa-bits 33\ncpu 0:\n"
				      "  mmio write 0x9000000 1 0x41\n"
				      "  fail \"kvm-distinct-7\"\n";
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		kx_realm(&k, rev, reset, 1, false);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_SYSTEM_EVENT);
		assert_int_equal(k.run[0]->system_event.type, KVM_SYSTEM_EVENT_RESET);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_SHUTDOWN);
		kx_close(&k);

		char rep[256] = "";
		kx_realm(&k, rev, failing, 1, false);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_MMIO);
		assert_int_equal(cca_sim_guest_failure(k.sim, k.vm, rep, sizeof(rep)), 0);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_INTERNAL_ERROR);
		assert_int_equal(cca_sim_guest_failure(k.sim, k.vm, rep, sizeof(rep)), 1);
		assert_non_null(strstr(rep, "line 4"));
		assert_non_null(strstr(rep, "kvm-distinct-7"));
		kx_close(&k);
	}
}

/*
 * User-space PSCI ordering: a target run before its caller re-entered gets
 * EAGAIN from v14 (KVM completes in the caller's pre-entry); on v12/v13 the
 * caller re-entered without the completion ioctl gets ENXIO.
 */
static void psci_order(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n"
				    "  psci cpu_on 0x1 0x80010000 0x77 expect SUCCESS\n"
				    "  mmio write 0x9000000 1 0x21\n"
				    "cpu 1:\n"
				    "  expect pc == 0x80010000\n"
				    "  expect x0 == 0x77\n"
				    "  fail \"cpu1-started-ok\"\n";
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		char rep[256] = "";
		kx_realm(&k, rev, guest, 2, true);
		bool eagain = cca_abi_desc_has(k.abi, CCA_ABI_RUN_EAGAIN);
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_HYPERCALL);
		assert_int_equal(k.run[0]->hypercall.nr, CCA_PSCI_CPU_ON_64);
		struct kvm_mp_state mp = { .mp_state = CCA_KVM_MP_STATE_RUNNABLE };
		assert_int_equal(io(&k, k.vcpu[1], KVM_SET_MP_STATE, &mp), 0);
		assert_int_equal(run(&k, 1), eagain ? -EAGAIN : -ENXIO);
		if (eagain) {
			assert_int_equal(run(&k, 1), -EAGAIN); /* still: the caller has not re-entered */
			assert_int_equal(set_reg(&k, 0, CCA_KVM_REG_ARM64_X(0), 0), 0);
			assert_int_equal(run(&k, 0), 0);
			assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_MMIO);
			assert_int_equal(run(&k, 1), 0);
			assert_int_equal(k.run[1]->exit_reason, KVM_EXIT_INTERNAL_ERROR);
			assert_int_equal(cca_sim_guest_failure(k.sim, k.vm, rep, sizeof(rep)), 1);
			assert_non_null(strstr(rep, "cpu1-started-ok"));
		} else {
			/* The caller re-entered without the completion: ENXIO. */
			assert_int_equal(run(&k, 0), -ENXIO);
		}
		kx_close(&k);
	}
}

/* In-kernel PSCI starts the target at the entry point with the context ID, every revision. */
static void psci_kernel_cpu_on(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n"
				    "  psci cpu_on 0x1 0x80020000 0x99 expect SUCCESS\n"
				    "  psci cpu_on 0x1 0x80020000 0x99 expect ALREADY_ON\n"
				    "  mmio write 0x9000000 1 0x21\n"
				    "cpu 1:\n"
				    "  expect pc == 0x80020000\n"
				    "  expect x0 == 0x99\n"
				    "  mmio write 0x9000004 1 0x42\n";
	(void)state;
	FOR_REVS(rev) {
		struct kx k;
		char rep[256] = "";
		kx_realm(&k, rev, guest, 2, false);
		int r = run(&k, 0);
		if (cca_sim_guest_failure(k.sim, k.vm, rep, sizeof(rep)) != 0)
			fail_msg("%s: %s", cca_abi_rev_name(rev), rep);
		assert_int_equal(r, 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_MMIO);
		assert_int_equal(k.run[0]->mmio.data[0], 0x21);
		assert_int_equal(run(&k, 1), 0);
		assert_int_equal(k.run[1]->exit_reason, KVM_EXIT_MMIO);
		assert_int_equal(k.run[1]->mmio.phys_addr, UART + 4);
		assert_int_equal(k.run[1]->mmio.data[0], 0x42);
		kx_close(&k);
	}
}

/*
 * In-kernel CPU_ON to an MPIDR no vCPU has: INVALID_PARAMETERS without a
 * completion leaves the caller PSCI pending in the RMM, so v12/v13 fail its
 * next entry with ENXIO (kvm-realm-uapi.md §12.1, open point).
 */
static void psci_kernel_missing_target(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n"
				    "  psci cpu_on 0x3 0x80020000 0x99 expect INVALID_PARAMETERS\n"
				    "  mmio write 0x9000000 1 0x21\n";
	(void)state;
	for (enum cca_abi_rev rev = CCA_ABI_V12; rev <= CCA_ABI_V13; rev = (enum cca_abi_rev)(rev + 1)) {
		struct kx k;
		kx_realm(&k, rev, guest, 2, false);
		assert_int_equal(run(&k, 0), -ENXIO);
		assert_int_equal(cca_sim_guest_failure(k.sim, k.vm, NULL, 0), 0);
		kx_close(&k);
	}
}

/* A kvm_run mapping outlives its vCPU fd and its VM, as in KVM; the last munmap frees it. */
static void run_page_outlives_fds(void **state)
{
	struct kx k;
	void *p = NULL, *q = NULL;
	(void)state;
	kx_open(&k, CCA_ABI_V13, off_guest);
	mkvm(&k, true);
	int vcpu = ioi(&k, k.vm, KVM_CREATE_VCPU, 0);
	assert_true(vcpu >= 0);
	int size = ioi(&k, k.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	assert_true(size > 0);
	assert_int_equal(k.sys->ops->mmap(k.sys->ctx, (size_t)size, PROT_READ | PROT_WRITE,
					  MAP_SHARED, vcpu, 0, &p),
			 0);
	assert_int_equal(k.sys->ops->mmap(k.sys->ctx, (size_t)size, PROT_READ | PROT_WRITE,
					  MAP_SHARED, vcpu, 0, &q),
			 0);
	assert_ptr_equal(p, q);
	assert_int_equal(k.sys->ops->close(k.sys->ctx, vcpu), 0);
	assert_int_equal(k.sys->ops->close(k.sys->ctx, k.vm), 0);
	/* Still mapped: writable, and owned by the simulator until the last munmap. */
	((struct kvm_run *)p)->immediate_exit = 1;
	assert_true(cca_sim_owns_map(k.sim, p));
	assert_int_equal(k.sys->ops->munmap(k.sys->ctx, p, (size_t)size), 0);
	assert_true(cca_sim_owns_map(k.sim, p));
	assert_int_equal(k.sys->ops->munmap(k.sys->ctx, q, (size_t)size), 0);
	assert_false(cca_sim_owns_map(k.sim, p));
	kx_close(&k);
}

/* ---- kicking a vCPU out of KVM_RUN ------------------------------------------------ */

static atomic_int kicks;

static void on_kick(int sig)
{
	(void)sig;
	atomic_fetch_add(&kicks, 1);
}

struct runner {
	struct kx *k;
	atomic_int done;
	int ret;
	sigset_t before, after;
};

static void *runner(void *p)
{
	struct runner *r = p;
	pthread_sigmask(SIG_SETMASK, NULL, &r->before);
	r->ret = run(r->k, 0);
	pthread_sigmask(SIG_SETMASK, NULL, &r->after);
	atomic_store(&r->done, 1);
	return NULL;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
		  NULL);
}

/* Wait up to 2 s for a runner to leave KVM_RUN. */
static void wait_done(atomic_int *done)
{
	for (int i = 0; i < 200 && !atomic_load(done); i++)
		sleep_ms(10);
}

/*
 * KVM polls immediate_exit once, when KVM_RUN starts; a vCPU blocked inside
 * (here: an idle guest, WFI) leaves only on a signal, with -EINTR and
 * exit_reason KVM_EXIT_INTR, its handler run. A VMM that only sets
 * immediate_exit must hang on the simulator as on hardware.
 */
static void run_kick(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n  idle\n";
	struct sigaction sa = { .sa_handler = on_kick }, old;
	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	FOR_REVS(rev) {
		struct kx k;
		struct runner r = { .k = &k };
		pthread_t t;

		kx_realm(&k, rev, guest, 1, false);
		/* Set before entry: -EINTR at once, exit_reason untouched (arm64). */
		k.run[0]->exit_reason = 0x5a5a;
		k.run[0]->immediate_exit = 1;
		assert_int_equal(run(&k, 0), -EINTR);
		assert_int_equal(k.run[0]->exit_reason, 0x5a5a);
		k.run[0]->immediate_exit = 0;

		atomic_store(&kicks, 0);
		assert_int_equal(pthread_create(&t, NULL, runner, &r), 0);
		sleep_ms(50);
		/* Set while blocked inside: not seen. */
		__atomic_store_n(&k.run[0]->immediate_exit, 1, __ATOMIC_SEQ_CST);
		sleep_ms(150);
		assert_int_equal(atomic_load(&r.done), 0);
		/* A signal is. */
		assert_int_equal(pthread_kill(t, SIGUSR1), 0);
		wait_done(&r.done);
		assert_int_equal(atomic_load(&r.done), 1);
		pthread_join(t, NULL);
		assert_int_equal(r.ret, -EINTR);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_INTR);
		assert_int_equal(atomic_load(&kicks), 1);
		/* The caller's signal mask is as it was. */
		for (int sig = 1; sig < NSIG; sig++)
			assert_int_equal(sigismember(&r.before, sig), sigismember(&r.after, sig));
		kx_close(&k);
	}
	sigaction(SIGUSR1, &old, NULL);
}

static int set_sigmask(struct kx *k, const uint64_t *mask, uint32_t len)
{
	union {
		struct kvm_signal_mask m;
		unsigned char b[sizeof(struct kvm_signal_mask) + 8];
	} u;

	if (!mask)
		return io(k, k->vcpu[0], KVM_SET_SIGNAL_MASK, NULL);
	u.m.len = len;
	memcpy(u.m.sigset, mask, 8);
	return io(k, k->vcpu[0], KVM_SET_SIGNAL_MASK, &u.m);
}

struct masked_runner {
	struct kx *k;
	int sig;          /* blocked in the thread's own mask, raised before KVM_RUN */
	int ret;
	bool still_pending;
	atomic_int done;
};

/* QEMU's way: the signal is blocked outside KVM_RUN and let in only by the vCPU's mask. */
static void *masked_runner(void *p)
{
	struct masked_runner *r = p;
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, r->sig);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_kill(pthread_self(), r->sig); /* pending before KVM_RUN starts */
	r->ret = run(r->k, 0);
	sigpending(&pending);
	r->still_pending = sigismember(&pending, r->sig) == 1;
	int got = 0;
	sigwait(&set, &got); /* consume it, as QEMU does */
	atomic_store(&r->done, 1);
	return NULL;
}

/*
 * KVM_SET_SIGNAL_MASK: KVM_RUN runs with the vCPU's mask, not the caller's.
 * A signal the thread blocks but the vCPU mask lets in, pending before
 * KVM_RUN, makes it return -EINTR at once and stays pending (blocked again)
 * after; a signal the vCPU mask blocks does not interrupt it. len other
 * than 8 is EINVAL; NULL goes back to the caller's mask.
 */
static void run_signal_mask(void **state)
{
	/* An MMIO exit first: the pending signal must win over entering the guest. */
	static const char guest[] = "ipa-bits 33\ncpu 0:\n  mmio write 0x9000000 4 0x1\n  idle\n";
	struct sigaction sa = { .sa_handler = on_kick }, old1, old2;
	const uint64_t none = 0, usr1 = 1ULL << (SIGUSR1 - 1);
	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old1), 0);
	assert_int_equal(sigaction(SIGUSR2, &sa, &old2), 0);
	FOR_REVS(rev) {
		struct kx k;
		pthread_t t;

		kx_realm(&k, rev, guest, 1, false);
		assert_int_equal(set_sigmask(&k, &none, 4), -EINVAL);
		assert_int_equal(set_sigmask(&k, &none, 8), 0);

		struct masked_runner m = { .k = &k, .sig = SIGUSR1 };
		atomic_store(&kicks, 0);
		assert_int_equal(pthread_create(&t, NULL, masked_runner, &m), 0);
		pthread_join(t, NULL);
		assert_int_equal(m.ret, -EINTR);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_INTR);
		assert_true(m.still_pending);
		assert_int_equal(atomic_load(&kicks), 0); /* blocked: no handler ran */

		/* Not entered: the MMIO write comes now. */
		assert_int_equal(run(&k, 0), 0);
		assert_int_equal(k.run[0]->exit_reason, KVM_EXIT_MMIO);

		/* The vCPU mask blocks SIGUSR1: it does not interrupt; SIGUSR2 does. */
		assert_int_equal(set_sigmask(&k, &usr1, 8), 0);
		struct runner r = { .k = &k };
		assert_int_equal(pthread_create(&t, NULL, runner, &r), 0);
		sleep_ms(50);
		assert_int_equal(pthread_kill(t, SIGUSR1), 0);
		sleep_ms(150);
		assert_int_equal(atomic_load(&r.done), 0);
		assert_int_equal(pthread_kill(t, SIGUSR2), 0);
		wait_done(&r.done);
		assert_int_equal(atomic_load(&r.done), 1);
		pthread_join(t, NULL);
		assert_int_equal(r.ret, -EINTR);
		/* Both handlers ran once the thread's own mask was back. */
		assert_int_equal(atomic_load(&kicks), 2);

		assert_int_equal(set_sigmask(&k, NULL, 0), 0);
		kx_close(&k);
	}
	sigaction(SIGUSR1, &old1, NULL);
	sigaction(SIGUSR2, &old2, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_types),
		cmocka_unit_test(capabilities),
		cmocka_unit_test(populate_errnos),
		cmocka_unit_test(populate_dead),
		cmocka_unit_test(first_run),
		cmocka_unit_test(one_reg_rules),
		cmocka_unit_test(psci_complete_ioctl),
		cmocka_unit_test(run_exits),
		cmocka_unit_test(run_reset_and_failure),
		cmocka_unit_test(psci_order),
		cmocka_unit_test(psci_kernel_cpu_on),
		cmocka_unit_test(psci_kernel_missing_target),
		cmocka_unit_test(run_page_outlives_fds),
		cmocka_unit_test(run_kick),
		cmocka_unit_test(run_signal_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
