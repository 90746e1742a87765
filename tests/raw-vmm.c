// SPDX-License-Identifier: MIT
/*
 * raw-vmm: a minimal realm VMM that uses nothing but raw KVM ioctls.
 *
 * It does not link libcca: every realm number below is copied from the
 * kernel ABI (shared/reference/kvm-realm-uapi.md), and it finds the kernel
 * revision itself, as a VMM would: realm VM type bit 30, then bit 8, then the
 * KVM_CAP_ARM_RMI numbers 251/249/248/247. It exists to show (and test) that
 * an unmodified VMM runs on the simulator through libcca-preload.so:
 *
 *   LD_PRELOAD=build/lib/libcca-preload.so CCA_ABI_REVISION=v13 \
 *       build/tests/raw-vmm --psci-user 4
 *
 * It builds a realm with N vCPUs (§15's launch sequence): GICv3, guest_memfd
 * RAM at 0x80000000 (marked PRIVATE with KVM_SET_MEMORY_ATTRIBUTES where the
 * VM reports that capability, i.e. not on v15), vCPUs with PSCI 0.2 and the
 * secondaries powered off, optionally the SMCCC filter that forwards PSCI to
 * user space, one measured page populated with the revision's convention,
 * PC/x0 of vCPU 0; then runs one thread per vCPU. UART writes (0x09000000)
 * go to a per-vCPU console, PSCI exits are answered (v12/v13 with
 * KVM_ARM_VCPU_RMI_PSCI_COMPLETE), EAGAIN is retried, RIPAS-change memory
 * faults are accepted, and SYSTEM_OFF ends the run. It prints each vCPU's
 * console and exits 0 after a clean system off, 1 on anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

/* ---- the realm uAPI, per revision (kvm-realm-uapi.md §1, §16-§18) ---- */

#define RV_CAP_ARM_RMI_V12 247
#define RV_CAP_ARM_RMI_V13 248
#define RV_CAP_ARM_RMI_V14 249
#define RV_CAP_ARM_RMI_V15 251
#define RV_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES 250 /* v15 */
#define RV_VM_TYPE_REALM_V12 (1UL << 8) /* v12, v13 */
#define RV_VM_TYPE_REALM_V14 (1UL << 30) /* v14, v15 */

struct rv_populate {
	uint64_t base;
	uint64_t size;
	uint64_t source_uaddr;
	uint32_t flags;
	uint32_t reserved;
};
#define RV_POPULATE_FLAGS_MEASURE (1U << 0)
#define RV_POPULATE_V12 _IOW(KVMIO, 0xd7, struct rv_populate) /* returns bytes */
#define RV_POPULATE_V13 _IOWR(KVMIO, 0xd7, struct rv_populate) /* writes back */

struct rv_psci_complete {
	uint64_t target_mpidr;
	uint32_t psci_status;
	uint32_t padding[3];
};
#define RV_VCPU_RMI_PSCI_COMPLETE _IOW(KVMIO, 0xd6, struct rv_psci_complete) /* v12, v13 */

/* ---- generic KVM items newer than some distributions' <linux/kvm.h> ---- */

#define RV_CAP_USER_MEMORY2 231
#define RV_CAP_MEMORY_ATTRIBUTES 233
#define RV_CAP_GUEST_MEMFD 234
#define RV_MEM_GUEST_MEMFD (1U << 2)
#define RV_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
#define RV_MEMORY_EXIT_FLAG_PRIVATE (1ULL << 3)
#define RV_EXIT_MEMORY_FAULT 39

struct rv_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
#define RV_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct rv_region2)

struct rv_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};
#define RV_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct rv_memory_attributes)

struct rv_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};
#define RV_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct rv_create_guest_memfd)

/* kvm_run.memory_fault overlays the exit union (the offset of kvm_run.mmio). */
struct rv_memory_fault {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};

/* ---- arm64 KVM items (own names: <asm/kvm.h> is the build machine's) ---- */

struct rv_vcpu_init {
	uint32_t target;
	uint32_t features[7];
};
#define RV_ARM_VCPU_INIT _IOW(KVMIO, 0xae, struct rv_vcpu_init)
#define RV_ARM_PREFERRED_TARGET _IOR(KVMIO, 0xaf, struct rv_vcpu_init)
#define RV_VCPU_POWER_OFF 0
#define RV_VCPU_PSCI_0_2 2

struct rv_smccc_filter {
	uint32_t base;
	uint32_t nr_functions;
	uint8_t action;
	uint8_t pad[15];
};
#define RV_VM_SMCCC_CTRL 0
#define RV_VM_SMCCC_FILTER 0
#define RV_SMCCC_FILTER_FWD_TO_USER 2

#define RV_DEV_TYPE_ARM_VGIC_V3 7
#define RV_VGIC_GRP_ADDR 0
#define RV_VGIC_GRP_CTRL 4
#define RV_VGIC_CTRL_INIT 0
#define RV_VGIC_V3_ADDR_TYPE_DIST 2
#define RV_VGIC_V3_ADDR_TYPE_REDIST 3

#define RV_REG_X(n) (0x6030000000100000ULL + 2ULL * (n))
#define RV_REG_PC 0x6030000000100040ULL
#define RV_MP_STATE_RUNNABLE 0
#define RV_MP_STATE_STOPPED 5

/* ---- PSCI ---- */

#define RV_PSCI_VERSION 0x84000000U
#define RV_PSCI_CPU_OFF 0x84000002U
#define RV_PSCI_CPU_ON_32 0x84000003U
#define RV_PSCI_CPU_ON_64 0xC4000003U
#define RV_PSCI_AFFINITY_INFO_32 0x84000004U
#define RV_PSCI_AFFINITY_INFO_64 0xC4000004U
#define RV_PSCI_SYSTEM_OFF 0x84000008U
#define RV_PSCI_SYSTEM_RESET 0x84000009U
#define RV_PSCI_RET_SUCCESS 0
#define RV_PSCI_RET_NOT_SUPPORTED (-1)
#define RV_PSCI_RET_INVALID_PARAMETERS (-2)
#define RV_PSCI_RET_DENIED (-3)
#define RV_PSCI_RET_ALREADY_ON (-4)
#define RV_PSCI_AFFINITY_ON 0
#define RV_PSCI_AFFINITY_OFF 1

/* ---- the machine ---- */

#define IPA_BITS 40
#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (64ULL << 20)
#define UART_BASE 0x09000000ULL
#define GICD_BASE 0x08000000ULL
#define GICR_BASE 0x080A0000ULL
#define MAX_VCPUS 64 /* the redistributors must stay below the UART */
#define CONSOLE_SIZE 8192
#define PAGE 4096ULL

struct vcpu {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	atomic_bool on; /* powered on, as far as PSCI is concerned */
	atomic_bool start; /* CPU_ON accepted: make yourself runnable */
	bool alive; /* its thread may still be signalled (under m.kick_lock) */
	char console[CONSOLE_SIZE];
	size_t console_len;
	unsigned long exits;
};

static struct {
	int rev; /* 12..15 */
	bool psci_user;
	bool vm_attributes; /* private/shared with KVM_SET_MEMORY_ATTRIBUTES (not v15) */
	int kvm, vm, gic, gmem;
	void *shared;
	size_t run_size;
	unsigned int nr;
	struct vcpu *vcpus;
	pthread_barrier_t go; /* every thread id is known before any vCPU runs */
	pthread_mutex_t kick_lock;
	atomic_bool stop;
	atomic_int off, reset, failed;
} m;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("raw-vmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die("%s: %s", what, strerror(errno));
}

static uint64_t mpidr_of(unsigned int i)
{
	return (i & 0xfULL) | ((uint64_t)((i >> 4) & 0xff) << 8) |
	       ((uint64_t)((i >> 12) & 0xff) << 16);
}

static struct vcpu *vcpu_by_mpidr(uint64_t mpidr)
{
	for (unsigned int i = 0; i < m.nr; i++)
		if (mpidr_of(i) == mpidr)
			return &m.vcpus[i];
	return NULL;
}

static void set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	if (ioctl(v->fd, KVM_SET_ONE_REG, &r) < 0)
		die("vCPU %u: SET_ONE_REG 0x%llx: %s", v->id, (unsigned long long)id,
		    strerror(errno));
}

static uint64_t get_reg(struct vcpu *v, uint64_t id)
{
	uint64_t val = 0;
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	if (ioctl(v->fd, KVM_GET_ONE_REG, &r) < 0)
		die("vCPU %u: GET_ONE_REG 0x%llx: %s", v->id, (unsigned long long)id,
		    strerror(errno));
	return val;
}

static void set_mp_state(struct vcpu *v, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		die("vCPU %u: KVM_SET_MP_STATE %u: %s", v->id, state, strerror(errno));
}

static void on_signal(int sig)
{
	(void)sig; /* only interrupts KVM_RUN */
}

static void on_alarm(int sig)
{
	static const char msg[] = "raw-vmm: timed out\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

/* Make @v leave KVM_RUN: immediate_exit, then a signal for a vCPU blocked in the kernel. */
static void kick(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&m.kick_lock);
	if (v->alive) /* never a thread that main() may have joined */
		pthread_kill(v->thread, SIGUSR1);
	pthread_mutex_unlock(&m.kick_lock);
}

static void stop_all(void)
{
	atomic_store(&m.stop, true);
	for (unsigned int i = 0; i < m.nr; i++)
		kick(&m.vcpus[i]);
}

/* ---- revision detection (kvm-realm-uapi.md §19) ---- */

static void detect(void)
{
	static const struct {
		int cap, rev;
		bool new_type;
	} caps[] = {
		{ RV_CAP_ARM_RMI_V15, 15, true },
		{ RV_CAP_ARM_RMI_V14, 14, true },
		{ RV_CAP_ARM_RMI_V13, 13, false },
		{ RV_CAP_ARM_RMI_V12, 12, false },
	};
	unsigned long type = RV_VM_TYPE_REALM_V14 | IPA_BITS;
	bool new_type = true;

	m.vm = ioctl(m.kvm, KVM_CREATE_VM, type);
	if (m.vm < 0 && errno == EINVAL) {
		type = RV_VM_TYPE_REALM_V12 | IPA_BITS;
		new_type = false;
		m.vm = ioctl(m.kvm, KVM_CREATE_VM, type);
	}
	if (m.vm < 0)
		die("no realm VM type is accepted (bit 30 nor bit 8): %s", strerror(errno));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]) && !m.rev; i++) {
		if (ioctl(m.kvm, KVM_CHECK_EXTENSION, (unsigned long)caps[i].cap) <= 0)
			continue;
		if (caps[i].new_type != new_type)
			die("KVM_CAP_ARM_RMI %d contradicts realm VM type 0x%lx", caps[i].cap,
			    type);
		m.rev = caps[i].rev;
		printf("raw-vmm: KVM CCA v%d (KVM_CAP_ARM_RMI %d, realm VM type 0x%lx)\n", m.rev,
		       caps[i].cap, type);
	}
	if (!m.rev)
		die("the realm VM type 0x%lx works but no KVM_CAP_ARM_RMI is reported", type);
}

/* ---- the realm ---- */

static void build(void)
{
	struct kvm_create_device gic = { .type = RV_DEV_TYPE_ARM_VGIC_V3 };
	struct rv_vcpu_init init;
	uint64_t addr;

	if (ioctl(m.vm, KVM_CHECK_EXTENSION, (unsigned long)RV_CAP_GUEST_MEMFD) <= 0 ||
	    ioctl(m.vm, KVM_CHECK_EXTENSION, (unsigned long)RV_CAP_USER_MEMORY2) <= 0)
		die("the VM lacks guest_memfd or KVM_SET_USER_MEMORY_REGION2");
	int attr = ioctl(m.vm, KVM_CHECK_EXTENSION, (unsigned long)RV_CAP_MEMORY_ATTRIBUTES);
	int gattr = ioctl(m.vm, KVM_CHECK_EXTENSION,
			  (unsigned long)RV_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES);
	if (attr > 0 && (attr & RV_MEMORY_ATTRIBUTE_PRIVATE))
		m.vm_attributes = true;
	else if (!(gattr > 0 && (gattr & RV_MEMORY_ATTRIBUTE_PRIVATE)))
		die("neither VM nor guest_memfd memory attributes report PRIVATE");
	if (m.vm_attributes == (m.rev == 15))
		die("memory attributes (%s) do not match v%d",
		    m.vm_attributes ? "VM" : "guest_memfd", m.rev);

	/* The interrupt controller. */
	xioctl(m.vm, KVM_CREATE_DEVICE, &gic, "KVM_CREATE_DEVICE(VGIC_V3)");
	m.gic = (int)gic.fd;
	addr = GICD_BASE;
	struct kvm_device_attr a = { .group = RV_VGIC_GRP_ADDR,
				     .attr = RV_VGIC_V3_ADDR_TYPE_DIST,
				     .addr = (uint64_t)(uintptr_t)&addr };
	xioctl(m.gic, KVM_SET_DEVICE_ATTR, &a, "vGIC distributor address");
	uint64_t raddr = GICR_BASE;
	a.attr = RV_VGIC_V3_ADDR_TYPE_REDIST;
	a.addr = (uint64_t)(uintptr_t)&raddr;
	xioctl(m.gic, KVM_SET_DEVICE_ATTR, &a, "vGIC redistributor address");

	/* RAM: guest_memfd for the private view, shared anonymous memory for the shared one. */
	struct rv_create_guest_memfd cg = { .size = RAM_SIZE };
	m.gmem = ioctl(m.vm, RV_CREATE_GUEST_MEMFD, &cg);
	if (m.gmem < 0)
		die("KVM_CREATE_GUEST_MEMFD: %s", strerror(errno));
	m.shared = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.shared == MAP_FAILED)
		die("mmap of the shared RAM view: %s", strerror(errno));
	struct rv_region2 r2 = { .slot = 0,
				 .flags = RV_MEM_GUEST_MEMFD,
				 .guest_phys_addr = RAM_BASE,
				 .memory_size = RAM_SIZE,
				 .userspace_addr = (uintptr_t)m.shared,
				 .guest_memfd_offset = 0,
				 .guest_memfd = (uint32_t)m.gmem };
	xioctl(m.vm, RV_SET_USER_MEMORY_REGION2, &r2, "KVM_SET_USER_MEMORY_REGION2");
	if (m.vm_attributes) {
		struct rv_memory_attributes ma = { .address = RAM_BASE,
						   .size = RAM_SIZE,
						   .attributes = RV_MEMORY_ATTRIBUTE_PRIVATE };
		xioctl(m.vm, RV_SET_MEMORY_ATTRIBUTES, &ma, "KVM_SET_MEMORY_ATTRIBUTES(PRIVATE)");
	}

	/* vCPUs, in index order; the secondaries start powered off. */
	int sz = ioctl(m.kvm, KVM_GET_VCPU_MMAP_SIZE, 0UL);
	if (sz < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE: %d (%s)", sz, sz < 0 ? strerror(errno) : "too small");
	m.run_size = (size_t)sz;
	memset(&init, 0, sizeof(init));
	xioctl(m.vm, RV_ARM_PREFERRED_TARGET, &init, "KVM_ARM_PREFERRED_TARGET");
	for (unsigned int i = 0; i < m.nr; i++) {
		struct vcpu *v = &m.vcpus[i];
		v->id = i;
		v->fd = ioctl(m.vm, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
		v->run = mmap(NULL, m.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap of vCPU %u's kvm_run: %s", i, strerror(errno));
		struct rv_vcpu_init vi = init;
		memset(vi.features, 0, sizeof(vi.features));
		vi.features[0] = 1U << RV_VCPU_PSCI_0_2;
		if (i)
			vi.features[0] |= 1U << RV_VCPU_POWER_OFF;
		if (ioctl(v->fd, RV_ARM_VCPU_INIT, &vi) < 0)
			die("KVM_ARM_VCPU_INIT %u: %s", i, strerror(errno));
		atomic_store(&v->on, i == 0);
	}

	/* vCPU 0's entry: the image, with the DTB address in x0. Measured. */
	set_reg(&m.vcpus[0], RV_REG_PC, RAM_BASE);
	set_reg(&m.vcpus[0], RV_REG_X(0), RAM_BASE + 0x2000);
	for (unsigned int n = 1; n < 8; n++)
		set_reg(&m.vcpus[0], RV_REG_X(n), 0);

	if (m.psci_user) {
		static const uint32_t bases[] = { 0x84000000U, 0xC4000000U };
		for (size_t i = 0; i < 2; i++) {
			struct rv_smccc_filter f = { .base = bases[i],
						     .nr_functions = 0x20,
						     .action = RV_SMCCC_FILTER_FWD_TO_USER };
			struct kvm_device_attr fa = { .group = RV_VM_SMCCC_CTRL,
						      .attr = RV_VM_SMCCC_FILTER,
						      .addr = (uint64_t)(uintptr_t)&f };
			xioctl(m.vm, KVM_SET_DEVICE_ATTR, &fa, "SMCCC filter (PSCI to user space)");
		}
	}

	struct kvm_device_attr ia = { .group = RV_VGIC_GRP_CTRL, .attr = RV_VGIC_CTRL_INIT };
	xioctl(m.gic, KVM_SET_DEVICE_ATTR, &ia, "vGIC CTRL_INIT");

	/* One measured page at the start of RAM: this creates the realm descriptor. */
	unsigned char *image = aligned_alloc(PAGE, PAGE);
	if (!image)
		die("out of memory");
	for (size_t i = 0; i < PAGE; i++)
		image[i] = (unsigned char)(i * 7 + 1);
	struct rv_populate p = { .base = RAM_BASE,
				 .size = PAGE,
				 .source_uaddr = (uintptr_t)image,
				 .flags = RV_POPULATE_FLAGS_MEASURE };
	while (p.size) {
		if (m.rev == 12) {
			int n = ioctl(m.vm, RV_POPULATE_V12, &p);
			if (n < 0)
				die("KVM_ARM_RMI_POPULATE (v12): %s", strerror(errno));
			if (n == 0 || (uint64_t)n > p.size)
				die("KVM_ARM_RMI_POPULATE (v12): returned %d for %llu bytes", n,
				    (unsigned long long)p.size);
			p.base += (uint64_t)n;
			p.size -= (uint64_t)n;
			p.source_uaddr += (uint64_t)n;
		} else {
			uint64_t before = p.size;
			if (ioctl(m.vm, RV_POPULATE_V13, &p) < 0)
				die("KVM_ARM_RMI_POPULATE: %s", strerror(errno));
			if (p.size >= before)
				die("KVM_ARM_RMI_POPULATE: no progress");
		}
	}
	free(image);
}

/* ---- exits ---- */

/* A RIPAS change the guest asked for (KVM_EXIT_MEMORY_FAULT): accept it. */
static void memory_fault(struct vcpu *v)
{
	struct rv_memory_fault f;
	memcpy(&f, (const char *)v->run + offsetof(struct kvm_run, mmio), sizeof(f));
	bool priv = f.flags & RV_MEMORY_EXIT_FLAG_PRIVATE;
	if (f.gpa < RAM_BASE || f.size > RAM_SIZE || f.gpa - RAM_BASE > RAM_SIZE - f.size ||
	    ((f.gpa | f.size) & (PAGE - 1)))
		die("vCPU %u: memory fault outside RAM: [0x%llx, +0x%llx)", v->id,
		    (unsigned long long)f.gpa, (unsigned long long)f.size);
	if (m.vm_attributes) {
		struct rv_memory_attributes ma = { .address = f.gpa,
						   .size = f.size,
						   .attributes =
							   priv ? RV_MEMORY_ATTRIBUTE_PRIVATE : 0 };
		xioctl(m.vm, RV_SET_MEMORY_ATTRIBUTES, &ma, "KVM_SET_MEMORY_ATTRIBUTES");
		uint64_t off = f.gpa - RAM_BASE;
		if (!priv && fallocate(m.gmem, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       (off_t)off, (off_t)f.size) < 0)
			die("vCPU %u: fallocate(PUNCH_HOLE) of the guest_memfd: %s", v->id,
			    strerror(errno));
		if (priv && madvise((char *)m.shared + off, f.size, MADV_DONTNEED) < 0)
			die("vCPU %u: madvise(DONTNEED): %s", v->id, strerror(errno));
	}
	/* v15 converts on the guest_memfd (no uAPI known yet): re-entering accepts. */
}

/* A PSCI call forwarded by the SMCCC filter. Returns false when the run is over. */
static bool psci(struct vcpu *v, uint32_t fid)
{
	int64_t ret = RV_PSCI_RET_NOT_SUPPORTED;
	bool manual = m.rev <= 13; /* KVM_ARM_VCPU_RMI_PSCI_COMPLETE exists */

	switch (fid) {
	case RV_PSCI_CPU_ON_32:
	case RV_PSCI_CPU_ON_64: {
		struct vcpu *t = vcpu_by_mpidr(get_reg(v, RV_REG_X(1)));
		if (!t) {
			ret = RV_PSCI_RET_INVALID_PARAMETERS; /* nothing to complete against */
			break;
		}
		bool was_on = atomic_exchange(&t->on, true);
		if (manual) {
			/* On the caller's fd, after the exit and before either vCPU runs. */
			struct rv_psci_complete c = { .target_mpidr = mpidr_of(t->id),
						      .psci_status = RV_PSCI_RET_SUCCESS };
			if (ioctl(v->fd, RV_VCPU_RMI_PSCI_COMPLETE, &c) < 0)
				die("vCPU %u: KVM_ARM_VCPU_RMI_PSCI_COMPLETE(CPU_ON %u): %s", v->id,
				    t->id, strerror(errno));
		}
		ret = was_on ? RV_PSCI_RET_ALREADY_ON : RV_PSCI_RET_SUCCESS;
		if (!was_on) {
			/* The target's own thread sets its MP state (KVM_RUN holds the vCPU). */
			atomic_store(&t->start, true);
			kick(t);
		}
		break;
	}
	case RV_PSCI_AFFINITY_INFO_32:
	case RV_PSCI_AFFINITY_INFO_64: {
		struct vcpu *t = vcpu_by_mpidr(get_reg(v, RV_REG_X(1)));
		if (!t || get_reg(v, RV_REG_X(2)) != 0) {
			ret = RV_PSCI_RET_INVALID_PARAMETERS;
			break;
		}
		if (manual) {
			struct rv_psci_complete c = { .target_mpidr = mpidr_of(t->id),
						      .psci_status = RV_PSCI_RET_SUCCESS };
			if (ioctl(v->fd, RV_VCPU_RMI_PSCI_COMPLETE, &c) < 0)
				die("vCPU %u: KVM_ARM_VCPU_RMI_PSCI_COMPLETE(AFFINITY_INFO %u): %s",
				    v->id, t->id, strerror(errno));
		}
		ret = atomic_load(&t->on) ? RV_PSCI_AFFINITY_ON : RV_PSCI_AFFINITY_OFF;
		break;
	}
	case RV_PSCI_CPU_OFF:
		atomic_store(&v->on, false);
		set_mp_state(v, RV_MP_STATE_STOPPED);
		return true;
	case RV_PSCI_SYSTEM_OFF:
		atomic_store(&m.off, 1);
		return false;
	case RV_PSCI_SYSTEM_RESET:
		atomic_store(&m.reset, 1);
		return false;
	case RV_PSCI_VERSION:
		ret = 0x10001; /* 1.1 */
		break;
	default:
		break;
	}
	set_reg(v, RV_REG_X(0), (uint64_t)ret);
	return true;
}

/* Returns false when this vCPU's run is over. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		if (run->mmio.is_write) {
			if (run->mmio.phys_addr == UART_BASE && v->console_len < CONSOLE_SIZE - 1)
				v->console[v->console_len++] = (char)run->mmio.data[0];
		} else {
			memset(run->mmio.data, 0, sizeof(run->mmio.data)); /* UART flags: ready */
		}
		return true;
	case KVM_EXIT_HYPERCALL: {
		uint32_t fid = (uint32_t)run->hypercall.nr;
		if ((fid & 0xbfffffe0U) == 0x84000000U)
			return psci(v, fid);
		set_reg(v, RV_REG_X(0), (uint64_t)(int64_t)RV_PSCI_RET_NOT_SUPPORTED);
		return true;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			atomic_store(&m.off, 1);
		else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			atomic_store(&m.reset, 1);
		else
			die("vCPU %u: system event %u", v->id, run->system_event.type);
		return false;
	case KVM_EXIT_SHUTDOWN:
		/* Another vCPU powered the realm off first. */
		atomic_store(&m.off, 1);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "raw-vmm: vCPU %u: KVM_EXIT_INTERNAL_ERROR (suberror %u)\n", v->id,
			run->internal.suberror);
		atomic_store(&m.failed, 1);
		return false;
	default:
		fprintf(stderr, "raw-vmm: vCPU %u: unexpected exit reason %u\n", v->id,
			run->exit_reason);
		atomic_store(&m.failed, 1);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	pthread_barrier_wait(&m.go);
	for (;;) {
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (atomic_load(&m.stop))
			break;
		if (atomic_exchange(&v->start, false))
			set_mp_state(v, RV_MP_STATE_RUNNABLE);
		int r = ioctl(v->fd, KVM_RUN, 0UL);
		if (r < 0) {
			int e = errno;
			if (e == EINTR)
				continue; /* kicked: stop, or a CPU_ON for us */
			if (e == EAGAIN) {
				sched_yield(); /* v14+: the caller has not completed our CPU_ON yet */
				continue;
			}
			if (e == EFAULT && v->run->exit_reason == RV_EXIT_MEMORY_FAULT) {
				v->exits++;
				memory_fault(v);
				continue;
			}
			fprintf(stderr, "raw-vmm: vCPU %u: KVM_RUN: %s (exit reason %u)\n", v->id,
				strerror(e), v->run->exit_reason);
			atomic_store(&m.failed, 1);
			break;
		}
		v->exits++;
		if (!handle_exit(v))
			break;
	}
	pthread_mutex_lock(&m.kick_lock);
	v->alive = false;
	pthread_mutex_unlock(&m.kick_lock);
	stop_all();
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: raw-vmm [--psci-user] [--break-order] [--timeout SECONDS] [NR_VCPUS]\n");
	exit(1);
}

/*
 * --break-order: the ordering mistakes a VMM can make, sent raw; each must
 * fail with the errno the kernel gives (kvm-realm-uapi.md §4.3, §12.2). The
 * guest (CCA_SIM_GUEST) must start with a CPU_ON from vCPU 0 to vCPU 1.
 */
static int break_order(void)
{
	struct vcpu *v0 = &m.vcpus[0];
	struct rv_populate p = { .base = RAM_BASE + 16 * PAGE, .size = PAGE,
				 .source_uaddr = (uintptr_t)m.shared };

	if (ioctl(v0->fd, KVM_RUN, 0UL) < 0)
		die("first KVM_RUN: %s", strerror(errno));
	if (v0->run->exit_reason != KVM_EXIT_HYPERCALL || v0->run->hypercall.nr != 0xC4000003)
		die("expected the guest's CPU_ON, got exit %u", v0->run->exit_reason);
	if (m.rev <= 13) {
		/* The caller re-entered before its completion: ENXIO. */
		errno = 0;
		if (ioctl(v0->fd, KVM_RUN, 0UL) != -1 || errno != ENXIO)
			die("source run before its PSCI completion: %s, expected ENXIO", strerror(errno));
		printf("raw-vmm: source before completion: ENXIO\n");
	}
	errno = 0;
	if (ioctl(m.vm, m.rev == 12 ? RV_POPULATE_V12 : RV_POPULATE_V13, &p) != -1 || errno != EBUSY)
		die("populate after the first run: %s, expected EBUSY", strerror(errno));
	printf("raw-vmm: populate after the first run: EBUSY\n");
	errno = 0;
	if (ioctl(m.vm, KVM_CREATE_VCPU, (unsigned long)m.nr) != -1 || errno != EBUSY)
		die("vCPU after the first run: %s, expected EBUSY", strerror(errno));
	printf("raw-vmm: vCPU after the first run: EBUSY\n");
	printf("raw-vmm: ordering mistakes refused as the kernel does\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int timeout = 60;
	bool order = false;

	m.nr = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--psci-user")) {
			m.psci_user = true;
		} else if (!strcmp(argv[i], "--break-order")) {
			order = true;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (argv[i][0] >= '1' && argv[i][0] <= '9') {
			char *end;
			unsigned long n = strtoul(argv[i], &end, 10);
			if (*end || n < 1 || n > MAX_VCPUS)
				die("NR_VCPUS: 1..%d", MAX_VCPUS);
			m.nr = (unsigned int)n;
		} else {
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);

	m.vcpus = calloc(m.nr, sizeof(*m.vcpus));
	if (!m.vcpus)
		die("out of memory");
	m.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m.kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	if (ioctl(m.kvm, KVM_GET_API_VERSION, 0UL) != KVM_API_VERSION)
		die("KVM_GET_API_VERSION is not %d", KVM_API_VERSION);
	detect();
	printf("raw-vmm: %u vCPU%s, PSCI in %s\n", m.nr, m.nr == 1 ? "" : "s",
	       m.psci_user ? "user space" : "the kernel");
	build();
	if (order)
		return break_order();

	/* Every thread starts at once; the powered-off ones wait in KVM_RUN. */
	pthread_barrier_init(&m.go, NULL, m.nr + 1);
	pthread_mutex_init(&m.kick_lock, NULL);
	for (unsigned int i = 0; i < m.nr; i++) {
		m.vcpus[i].alive = true;
		if (pthread_create(&m.vcpus[i].thread, NULL, vcpu_thread, &m.vcpus[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&m.go);
	for (unsigned int i = 0; i < m.nr; i++)
		pthread_join(m.vcpus[i].thread, NULL);

	unsigned long exits = 0;
	for (unsigned int i = 0; i < m.nr; i++) {
		struct vcpu *v = &m.vcpus[i];
		v->console[v->console_len] = '\0';
		exits += v->exits;
		printf("--- vCPU %u console ---\n%s", i, v->console);
		if (v->console_len && v->console[v->console_len - 1] != '\n')
			putchar('\n');
	}

	/* Tear down as a VMM does: the preload library writes the RIM when the VM closes. */
	for (unsigned int i = 0; i < m.nr; i++) {
		if (munmap(m.vcpus[i].run, m.run_size) < 0)
			die("munmap of vCPU %u's kvm_run: %s", i, strerror(errno));
		if (close(m.vcpus[i].fd) < 0)
			die("close of vCPU %u: %s", i, strerror(errno));
	}
	const int fds[] = { m.gic, m.gmem, m.vm, m.kvm };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (close(fds[i]) < 0)
			die("close(%d): %s", fds[i], strerror(errno));
	/* Every fd number is free again (nothing else opens files here). */
	for (unsigned int i = 0; i < m.nr; i++)
		if (fcntl(m.vcpus[i].fd, F_GETFD) >= 0 || errno != EBADF)
			die("vCPU %u's fd %d is still open after close()", i, m.vcpus[i].fd);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fcntl(fds[i], F_GETFD) >= 0 || errno != EBADF)
			die("fd %d is still open after close()", fds[i]);
	munmap(m.shared, RAM_SIZE);
	free(m.vcpus);

	if (atomic_load(&m.failed))
		die("failed after %lu exits", exits);
	if (atomic_load(&m.reset))
		die("the guest asked for a system reset after %lu exits (a realm cannot reset in place)",
		    exits);
	if (!atomic_load(&m.off))
		die("stopped without a system off after %lu exits", exits);
	printf("raw-vmm: system off after %lu exits\n", exits);
	return 0;
}
