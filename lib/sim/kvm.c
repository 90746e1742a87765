// SPDX-License-Identifier: MIT
/*
 * The simulated KVM: a realm-capable /dev/kvm behind libcca's syscall seam,
 * one model for the four revisions, driven by the same per-revision table
 * as the library (lib/abi.c) and built on the RMM model (rmm.c).
 *
 * It follows kvm-realm-uapi.md: VM types and capabilities (§2, §3), the
 * realm state machine and activation at the first KVM_RUN (§4), realm
 * parameters taken from vCPU state at realm-descriptor creation (§5), vCPU
 * and register rules (§6, §7), memory, POPULATE and memory faults (§8),
 * KVM_RUN exits and errnos (§9), PSCI in the kernel or in user space (§12),
 * and the v13-v15 differences (§16-§18).
 *
 * Locking: sim->lock guards the fd table and every VM and vCPU; it is
 * dropped around RMI_REC_ENTER, which runs the guest program, so vCPUs of
 * one realm run concurrently. The RMM model has its own lock, always taken
 * after (never while waiting for) sim->lock.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "rmm.h"
#include "sim.h"

#define RUN_MMAP_SIZE (3 * 4096)
#define SIM_MAX_VCPUS 512
#define SIM_UART_BASE 0x09000000ULL
#define GRANULE CCA_RMI_GRANULE_SIZE
#define SZ_64K 0x10000ULL

enum file_kind { F_KVM = 1, F_VM, F_VCPU, F_GMEM, F_DEV };

struct sfile {
	enum file_kind kind;
	int fd;
	void *obj;
};

struct range {
	uint64_t start, end;
};

struct rangeset {
	struct range *r;
	size_t n, cap;
};

struct svm;

struct sgmem {
	struct svm *vm;
	uint64_t size;
	int fd;
};

struct sslot {
	uint32_t id;
	uint32_t flags;
	uint64_t gpa, size, uaddr, gmem_off;
	struct sgmem *gmem;
};

enum pend { P_NONE, P_MMIO_READ, P_MMIO_WRITE, P_CALL, P_RIPAS, P_RIPAS_REJECT };

struct svcpu {
	struct svm *vm;
	unsigned int id;
	int fd; /* -1 once closed */
	struct kvm_run *run;
	int run_maps; /* user mappings of the kvm_run page (mmap minus munmap) */
	bool inited, stopped, sve_final, running, pmu_irq, pmu_init;
	uint32_t features;
	uint64_t x[31], pc, dfr0, pmcr, vls[8];
	uint64_t rec; /* 0 before activation */
	enum pend pend;
	uint32_t mmio_len;
	bool auto_psci; /* v14+: complete the last PSCI call before the next entry */
	bool sigmask_active; /* KVM_SET_SIGNAL_MASK: KVM_RUN runs with @sigmask */
	uint64_t sigmask;    /* the kernel's sigset_t: bit n - 1 blocks signal n */
	uint32_t psci_fid;
	uint64_t psci_target;
	uint64_t ripas_base, ripas_top;
	struct cca_rmi_rec_run recrun;
};

enum kstate { K_NONE, K_NEW, K_ACTIVE, K_DEAD };

struct svm {
	struct cca_sim *sim;
	int fd;    /* -1 once closed */
	int files; /* vCPU, guest_memfd and device fds still open */
	bool realm;
	unsigned int ipa_bits;
	uint64_t half;
	enum kstate kstate;
	uint64_t rd;
	struct svcpu **vcpus;
	unsigned int nr_vcpus;
	struct sslot *slots;
	unsigned int nr_slots;
	struct rangeset private;
	struct hmap data;  /* ipa >> 12 -> granule pa of private data */
	bool gic, gic_init;
	int gic_fd;
	uint64_t gic_dist, gic_redist;
	uint32_t gic_nr_irqs;
	struct cca_kvm_smccc_filter filters[8];
	unsigned int nr_filters;
	bool ran;
	struct sim_guest *builtin;
};

struct cca_sim {
	struct cca_sim_options opts;
	const struct cca_abi_desc *abi;
	struct sim_guest *guest;
	struct rmm rmm;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hmap files; /* fd -> struct sfile * */
	struct hmap maps;  /* kvm_run address -> vcpu */
	struct hmap orphans; /* kvm_run address -> mappings left after its VM went away */
	int next_fd;
	uint64_t next_pa;
	struct cca_sim_fd_ops fdops;
	struct cca_sys sys;
};

/* ---- small helpers ---------------------------------------------------------- */

static int rs_reserve(struct rangeset *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	struct range *r = realloc(s->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->r = r;
	s->cap = cap;
	return 0;
}

/* Set [start, end) on or off; ranges stay sorted, disjoint and merged. */
static int rs_set(struct rangeset *s, uint64_t start, uint64_t end, bool on)
{
	struct range *out;
	size_t n = 0;

	if (rs_reserve(s, s->n + 2))
		return -ENOMEM;
	out = malloc((s->n + 2) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	bool placed = !on;
	for (size_t i = 0; i < s->n; i++) {
		struct range r = s->r[i];
		if (r.end < start || r.start > end || (!on && (r.end == start || r.start == end))) {
			if (!placed && r.start > end) {
				out[n++] = (struct range){ start, end };
				placed = true;
			}
			out[n++] = r;
			continue;
		}
		/* Overlapping or touching. */
		if (on) {
			if (r.start < start)
				start = r.start;
			if (r.end > end)
				end = r.end;
		} else {
			if (r.start < start)
				out[n++] = (struct range){ r.start, start };
			if (r.end > end)
				out[n++] = (struct range){ end, r.end };
		}
	}
	if (!placed)
		out[n++] = (struct range){ start, end };
	/* Keep sorted: insertion above may leave the merged range last. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1].start > out[j].start; j--) {
			struct range t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	free(s->r);
	s->r = out;
	s->n = n;
	s->cap = s->n + 2;
	return 0;
}

static bool rs_covers(const struct rangeset *s, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].start <= start && end <= s->r[i].end)
			return true;
	return false;
}

static uint64_t mpidr_of(unsigned int id)
{
	return cca_mpidr_of_index(id);
}

static struct svcpu *vcpu_by_mpidr(struct svm *vm, uint64_t mpidr)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (mpidr_of(vm->vcpus[i]->id) == mpidr)
			return vm->vcpus[i];
	return NULL;
}

static struct sslot *slot_of(struct svm *vm, uint64_t gpa)
{
	for (unsigned int i = 0; i < vm->nr_slots; i++) {
		struct sslot *s = &vm->slots[i];
		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

static bool rmi_ok(uint64_t st)
{
	return CCA_RMI_RETURN_STATUS(st) == CCA_RMI_SUCCESS;
}

/* A delegated granule for RMM metadata (RD, REC, RTT) or data. */
static int new_granule(struct cca_sim *s, uint64_t *pa)
{
	*pa = s->next_pa;
	s->next_pa += GRANULE;
	return rmi_ok(rmm_granule_delegate(&s->rmm, *pa)) ? 0 : -ENXIO;
}

static int new_fd(struct cca_sim *s, enum file_kind kind, void *obj)
{
	int fd = s->fdops.alloc ? s->fdops.alloc(s->fdops.ctx) : s->next_fd++;
	if (fd < 0)
		return fd;
	struct sfile *f = calloc(1, sizeof(*f));
	if (!f || hmap_put(&s->files, (uint64_t)fd, (uint64_t)(uintptr_t)f)) {
		free(f);
		if (s->fdops.release)
			s->fdops.release(s->fdops.ctx, fd);
		return -ENOMEM;
	}
	f->kind = kind;
	f->fd = fd;
	f->obj = obj;
	return fd;
}

static struct sfile *file_of(struct cca_sim *s, int fd)
{
	uint64_t *v = hmap_get(&s->files, (uint64_t)fd);
	return v ? (struct sfile *)(uintptr_t)*v : NULL;
}

/* Walk the RTT down to level 3 at @ipa, as KVM does before DATA_CREATE. */
static int ensure_rtt(struct cca_sim *s, struct svm *vm, uint64_t ipa, int want)
{
	for (int level = rmm_rtt_level(&s->rmm, vm->rd, ipa); level < want; level++) {
		uint64_t pa, shift = level == 1 ? 30 : 21;
		if (new_granule(s, &pa))
			return -ENXIO;
		uint64_t st = rmm_rtt_create(&s->rmm, vm->rd, pa, ipa & ~((1ULL << shift) - 1),
					     level + 1);
		if (!rmi_ok(st))
			return -ENXIO;
	}
	return 0;
}

static void destroy_granule(struct cca_sim *s, struct svm *vm, uint64_t gfn)
{
	uint64_t pa;

	if (rmi_ok(rmm_data_destroy(&s->rmm, vm->rd, gfn << 12, &pa)))
		rmm_granule_undelegate(&s->rmm, pa);
	hmap_del(&vm->data, gfn);
}

/* Destroy the DATA granules in [start, end). */
static void destroy_data(struct cca_sim *s, struct svm *vm, uint64_t start, uint64_t end)
{
	uint64_t k, v;

	if (end <= start)
		return;
	/* A range smaller than the table: look its granules up one by one. */
	if ((end - start) >> 12 < vm->data.len && start <= UINT64_MAX - 4095) {
		for (uint64_t gfn = (start + 4095) >> 12; gfn < ((end - 1) >> 12) + 1; gfn++)
			if (hmap_get(&vm->data, gfn))
				destroy_granule(s, vm, gfn);
		return;
	}
	/*
	 * Else one walk. hmap_del() leaves a tombstone, so deleting the entry
	 * just returned keeps the walk valid (restarting it after each one
	 * made tearing down a 1 GiB realm take a minute).
	 */
	for (size_t it = 0; hmap_next(&vm->data, &it, &k, &v);)
		if (k << 12 >= start && k << 12 < end)
			destroy_granule(s, vm, k);
}

/* ---- the realm descriptor and activation ------------------------------------- */

static unsigned int max_vq(const uint64_t vls[8])
{
	for (unsigned int vq = 512; vq >= 1; vq--)
		if (vls[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64)))
			return vq;
	return 0;
}

static int build_guest(struct cca_sim *s, struct svm *vm, const struct sim_guest **g)
{
	if (s->guest) {
		*g = s->guest;
		return 0;
	}
	struct sim_linux_opts o = {
		.nr_cpus = vm->nr_vcpus ? vm->nr_vcpus : 1,
		.ipa_bits = vm->ipa_bits,
		.uart = SIM_UART_BASE,
		.ram_base = 0x80000000ULL,
		.ram_size = 0x200000ULL,
		.secondary_entry = 0x80000000ULL,
	};
	for (unsigned int i = 0; i < vm->nr_slots; i++) {
		if (vm->slots[i].gmem) {
			o.ram_base = vm->slots[i].gpa;
			o.ram_size = vm->slots[i].size;
			o.secondary_entry = o.ram_base;
			break;
		}
	}
	int ret = sim_guest_builtin_linux(&o, &vm->builtin);
	*g = vm->builtin;
	return ret;
}

/* RD creation: the realm parameters come from vCPU state now (§5). */
static int create_rd(struct cca_sim *s, struct svm *vm)
{
	struct cca_rmi_realm_params *p = calloc(1, sizeof(*p));
	const struct sim_guest *g;
	unsigned int sve_vq = 0;
	bool sve = false, pmu = false;
	int ret;

	if (!p)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct svcpu *v = vm->vcpus[i];
		bool has = v->features & (1U << CCA_KVM_ARM_VCPU_SVE);
		if (i && has != sve) {
			free(p);
			return -EINVAL;
		}
		sve = has;
		if (has) {
			unsigned int vq = max_vq(v->vls);
			if (!v->sve_final || (i && vq != sve_vq)) {
				free(p);
				return -EINVAL;
			}
			sve_vq = vq;
		}
		pmu |= (v->features & (1U << CCA_KVM_ARM_VCPU_PMU_V3)) != 0;
	}
	uint64_t f0 = s->rmm.cfg.feat0;
	uint64_t dfr0 = vm->nr_vcpus ? vm->vcpus[0]->dfr0
				     : (CCA_RMI_FEAT0_NUM_BPS(f0) << CCA_DFR0_BRPS_SHIFT) |
					       (CCA_RMI_FEAT0_NUM_WPS(f0) << CCA_DFR0_WRPS_SHIFT);
	p->flags = (sve ? CCA_RMI_REALM_FLAG_SVE : 0) | (pmu ? CCA_RMI_REALM_FLAG_PMU : 0);
	p->s2sz = vm->ipa_bits;
	p->sve_vl = sve ? sve_vq - 1 : 0;
	p->num_bps = (dfr0 >> CCA_DFR0_BRPS_SHIFT) & 0xf;
	p->num_wps = (dfr0 >> CCA_DFR0_WRPS_SHIFT) & 0xf;
	p->pmu_num_ctrs = pmu ? (vm->vcpus[0]->pmcr >> CCA_PMCR_N_SHIFT) & CCA_PMCR_N_MASK : 0;
	p->hash_algo = CCA_RMI_HASH_SHA_256;
	ret = build_guest(s, vm, &g);
	if (ret == 0 && new_granule(s, &vm->rd))
		ret = -ENXIO;
	if (ret == 0 && !rmi_ok(rmm_realm_create(&s->rmm, vm->rd, p, g)))
		ret = -ENXIO;
	free(p);
	if (ret == 0)
		vm->kstate = K_NEW;
	return ret;
}

static int init_ripas(struct cca_sim *s, struct svm *vm, uint64_t addr, uint64_t top)
{
	while (addr < top) {
		uint64_t out = 0;
		uint64_t st = rmm_rtt_init_ripas(&s->rmm, vm->rd, addr, top, &out);
		if (rmi_ok(st)) {
			addr = out;
			continue;
		}
		if (CCA_RMI_RETURN_STATUS(st) != CCA_RMI_ERROR_RTT)
			return -ENXIO;
		unsigned int level = CCA_RMI_RETURN_INDEX(st);
		if (level < 3) {
			if (ensure_rtt(s, vm, addr, (int)level + 1))
				return -ENXIO;
		} else {
			addr += GRANULE; /* an ASSIGNED (populated) granule: the v12 FIXME skip */
		}
	}
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct sslot *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The first KVM_RUN (§4.2). Caller holds sim->lock. */
static int activate(struct cca_sim *s, struct svm *vm)
{
	int ret;

	if (vm->kstate == K_DEAD)
		return -ENXIO;
	if (vm->kstate == K_NONE && (ret = create_rd(s, vm)))
		return ret;
	vm->kstate = K_DEAD; /* set before the risky steps, as the kernel does */
	if (!vm->gic)
		return -EOPNOTSUPP;
	if (cca_abi_desc_has(s->abi, CCA_ABI_VGIC_INIT_REQUIRED) && !vm->gic_init)
		return -ENODEV;
	bool pmu = vm->nr_vcpus && (vm->vcpus[0]->features & (1U << CCA_KVM_ARM_VCPU_PMU_V3));
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct svcpu *v = vm->vcpus[i];
		if (!(v->features & (1U << CCA_KVM_ARM_VCPU_PSCI_0_2)) ||
		    pmu != ((v->features & (1U << CCA_KVM_ARM_VCPU_PMU_V3)) != 0) ||
		    (pmu && !v->pmu_init))
			return -EINVAL;
	}
	struct cca_rmi_rec_params *rp = calloc(1, sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	ret = 0;
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++) {
		struct svcpu *v = vm->vcpus[i];
		memset(rp, 0, sizeof(*rp));
		rp->flags = v->id == 0 ? CCA_RMI_REC_PARAMS_FLAG_RUNNABLE : 0;
		rp->mpidr = mpidr_of(v->id);
		rp->pc = v->pc;
		memcpy(rp->gprs, v->x, sizeof(rp->gprs));
		if (new_granule(s, &v->rec) || !rmi_ok(rmm_rec_create(&s->rmm, vm->rd, v->rec, rp)))
			ret = -ENXIO;
	}
	free(rp);
	if (ret)
		return ret;
	/* INIT_RIPAS over every guest_memfd slot, in slot-id order (measurement.md §6). */
	struct sslot *sorted = malloc((vm->nr_slots + 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	if (vm->nr_slots) { /* vm->slots is NULL without memslots: no memcpy/qsort of NULL */
		memcpy(sorted, vm->slots, vm->nr_slots * sizeof(*sorted));
		qsort(sorted, vm->nr_slots, sizeof(*sorted), slot_cmp);
	}
	for (unsigned int i = 0; i < vm->nr_slots && !ret; i++)
		if (sorted[i].gmem)
			ret = init_ripas(s, vm, sorted[i].gpa, sorted[i].gpa + sorted[i].size);
	free(sorted);
	if (ret)
		return ret;
	if (!rmi_ok(rmm_realm_activate(&s->rmm, vm->rd)))
		return -ENXIO;
	vm->kstate = K_ACTIVE;
	return 0;
}

/* ---- POPULATE (§8.5, §16-§18) ------------------------------------------------- */

static bool user_mapped(const void *p, uint64_t len)
{
	unsigned char vec[64];
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(GRANULE - 1);
	uintptr_t end = (uintptr_t)p + len;
	/* mincore() fails with ENOMEM on unmapped pages: the kernel's EFAULT. */
	for (; a < end; a += 64 * GRANULE) {
		size_t n = end - a < 64 * GRANULE ? end - a : 64 * GRANULE;
		if (mincore((void *)a, n, vec) < 0)
			return false;
	}
	return true;
}

static int populate(struct cca_sim *s, struct svm *vm, unsigned long req,
		    struct kvm_arm_rmi_populate *a)
{
	const struct cca_abi_desc *abi = s->abi;
	uint32_t chk = abi->populate_checks;

	if (req != abi->populate_req)
		return -ENOTTY; /* this kernel does not know the number */
	if (!vm->realm)
		return -EPERM;
	if (a->reserved || (a->flags & ~KVM_ARM_RMI_POPULATE_FLAGS_MEASURE))
		return -EINVAL;
	if (a->size == 0)
		return (chk & CCA_PCHK_WRAP) ? 0 : -EINVAL;
	if ((a->base | a->size) & (GRANULE - 1))
		return -EINVAL;
	if ((chk & CCA_PCHK_SRC_ALIGN) && (a->source_uaddr & (GRANULE - 1)))
		return -EINVAL;
	if ((chk & CCA_PCHK_WRAP) && a->base + a->size < a->base)
		return -EINVAL;
	if ((chk & CCA_PCHK_SRC_NONZERO) && !a->source_uaddr)
		return -EINVAL;
	if ((chk & CCA_PCHK_UPPER_HALF) && a->base + a->size > vm->half)
		return -EINVAL;
	if (vm->kstate == K_ACTIVE)
		return -EBUSY;
	if (vm->kstate == K_DEAD)
		return -ENXIO;
	struct sslot *slot = slot_of(vm, a->base);
	if (!slot || !slot->gmem)
		return -EINVAL;
	if (!user_mapped((const void *)(uintptr_t)a->source_uaddr, a->size))
		return -EFAULT;
	if (vm->kstate == K_NONE) {
		int ret = create_rd(s, vm);
		if (ret)
			return ret;
	}
	/* One call stops at the end of the memslot that holds base. */
	uint64_t end = slot->gpa + slot->size < a->base + a->size ? slot->gpa + slot->size
								    : a->base + a->size;
	uint64_t done = 0;
	int err = 0;
	for (uint64_t ipa = a->base; ipa < end; ipa += GRANULE) {
		const unsigned char *src = (const unsigned char *)(uintptr_t)a->source_uaddr + done;
		uint64_t pa;
		if (!rs_covers(&vm->private, ipa, ipa + GRANULE)) {
			err = -EINVAL;
			break;
		}
		if (hmap_get(&vm->data, ipa >> 12)) {
			err = -EEXIST;
			break;
		}
		if (ensure_rtt(s, vm, ipa, 3) || new_granule(s, &pa)) {
			err = -ENXIO;
			break;
		}
		uint64_t st = rmm_data_create(&s->rmm, vm->rd, pa, ipa, src,
					      a->flags & KVM_ARM_RMI_POPULATE_FLAGS_MEASURE);
		if (!rmi_ok(st) || hmap_put(&vm->data, ipa >> 12, pa)) {
			err = -ENXIO;
			break;
		}
		done += GRANULE;
	}
	if (done == 0 && err)
		return err;
	if (abi->populate_conv == CCA_POPULATE_RETURNS_BYTES)
		return (int)done; /* the kernel's int: libcca keeps calls below 2 GiB */
	a->base += done;
	a->size -= done;
	a->source_uaddr += done;
	return 0;
}

/* ---- memory attributes ------------------------------------------------------------ */

static int set_attributes(struct cca_sim *s, struct svm *vm, const struct kvm_memory_attributes *a)
{
	if (cca_abi_desc_has(s->abi, CCA_ABI_GMEM_CONVERSION) || !vm->realm)
		return -EINVAL;
	if (a->flags || (a->attributes & ~KVM_MEMORY_ATTRIBUTE_PRIVATE) || !a->size ||
	    ((a->address | a->size) & (GRANULE - 1)) || a->address + a->size < a->address)
		return -EINVAL;
	bool priv = a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE;
	if (!priv)
		destroy_data(s, vm, a->address, a->address + a->size);
	return rs_set(&vm->private, a->address, a->address + a->size, priv);
}

/* ---- KVM_RUN ----------------------------------------------------------------------------- */

static bool forwarded(const struct svm *vm, uint32_t fid)
{
	for (unsigned int i = 0; i < vm->nr_filters; i++) {
		const struct cca_kvm_smccc_filter *f = &vm->filters[i];
		if (fid >= f->base && fid - f->base < f->nr_functions)
			return f->action == CCA_KVM_SMCCC_FILTER_FWD_TO_USER;
	}
	return false;
}

static bool is_fid(uint32_t fid, uint32_t a, uint32_t b)
{
	return fid == a || fid == b;
}

/* In-kernel PSCI (§12.1). Returns 1 to re-enter, 0 to exit to user space. */
static int psci_kernel(struct cca_sim *s, struct svcpu *v, uint32_t fid)
{
	struct svm *vm = v->vm;
	struct kvm_run *run = v->run;
	bool manual = cca_abi_desc_has(s->abi, CCA_ABI_MANUAL_PSCI_COMPLETE);

	if (is_fid(fid, CCA_PSCI_CPU_ON_32, CCA_PSCI_CPU_ON_64)) {
		struct svcpu *t = vcpu_by_mpidr(vm, cca__smccc_arg(fid, v->x[1]));
		if (!t) {
			/* INVALID_PARAMETERS without a completion: the caller stays pending. */
			v->x[0] = (uint64_t)(int64_t)CCA_PSCI_RET_INVALID_PARAMETERS;
			return 1;
		}
		bool already_on = !t->stopped;
		if (manual) {
			if (!rmi_ok(rmm_psci_complete(&s->rmm, v->rec, t->rec, CCA_PSCI_RET_SUCCESS)))
				return -ENXIO;
		} else {
			v->x[0] = already_on ? (uint64_t)(int64_t)CCA_PSCI_RET_ALREADY_ON : 0;
			v->auto_psci = true;
			v->psci_fid = fid;
			v->psci_target = cca__smccc_arg(fid, v->x[1]);
		}
		t->stopped = false;
		pthread_cond_broadcast(&s->cond);
		return 1;
	}
	if (is_fid(fid, CCA_PSCI_AFFINITY_INFO_32, CCA_PSCI_AFFINITY_INFO_64)) {
		struct svcpu *t = vcpu_by_mpidr(vm, cca__smccc_arg(fid, v->x[1]));
		if (!t || cca__smccc_arg(fid, v->x[2]) != 0) {
			v->x[0] = (uint64_t)(int64_t)CCA_PSCI_RET_INVALID_PARAMETERS;
			return 1;
		}
		if (manual) {
			if (!rmi_ok(rmm_psci_complete(&s->rmm, v->rec, t->rec, CCA_PSCI_RET_SUCCESS)))
				return -ENXIO;
		} else {
			v->auto_psci = true;
			v->psci_fid = fid;
			v->psci_target = cca__smccc_arg(fid, v->x[1]);
		}
		return 1;
	}
	if (fid == CCA_PSCI_CPU_OFF) {
		v->stopped = true;
		return 1;
	}
	if (fid == CCA_PSCI_SYSTEM_OFF || fid == CCA_PSCI_SYSTEM_RESET) {
		memset(&run->system_event, 0, sizeof(run->system_event));
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type =
			fid == CCA_PSCI_SYSTEM_OFF ? KVM_SYSTEM_EVENT_SHUTDOWN : KVM_SYSTEM_EVENT_RESET;
		return 0;
	}
	return 1; /* CPU_SUSPEND and others: nothing for the host to do */
}

static void mmio_exit(struct svcpu *v, uint64_t gpa, uint32_t len, bool write, uint64_t data)
{
	struct kvm_run *run = v->run;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	for (uint32_t i = 0; i < len && i < 8; i++)
		run->mmio.data[i] = (uint8_t)(data >> (8 * i));
	v->pend = write ? P_MMIO_WRITE : P_MMIO_READ;
	v->mmio_len = len;
}

static void memory_fault(struct svcpu *v, uint64_t flags, uint64_t gpa, uint64_t size)
{
	struct cca_kvm_memory_fault mf = { .flags = flags, .gpa = gpa, .size = size };
	v->run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	memcpy((char *)v->run + offsetof(struct kvm_run, mmio), &mf, sizeof(mf));
}

/* A data abort (§8.1, §9). Returns 1 to re-enter, 0 to exit, < 0 an errno. */
static int data_abort(struct cca_sim *s, struct svcpu *v, const struct cca_rmi_rec_exit *x)
{
	struct svm *vm = v->vm;
	uint64_t ipa = (((x->hpfar >> 4) & ((1ULL << 40) - 1)) << 12) | (x->far & 0xfff);
	uint32_t len = 1U << ((x->esr >> 22) & 3);
	bool write = (x->esr >> 6) & 1;

	if ((x->esr >> 24) & 1) { /* ISV: an emulatable access in the unprotected half */
		uint64_t gpa = ipa & (vm->half - 1);
		bool gic = vm->gic && ((gpa >= vm->gic_dist && gpa - vm->gic_dist < SZ_64K) ||
				       (gpa >= vm->gic_redist &&
					gpa - vm->gic_redist < (uint64_t)vm->nr_vcpus * 2 * SZ_64K));
		mmio_exit(v, gpa, len, write, x->gprs[0]);
		return gic ? 1 : 0; /* the in-kernel vGIC reads as zero and ignores writes */
	}
	struct sslot *slot = slot_of(vm, ipa);
	if (!slot)
		return 1; /* KVM injects an SEA; the guest carries on */
	if (!slot->gmem)
		return -EINVAL;
	if (!rs_covers(&vm->private, ipa & ~(GRANULE - 1), (ipa & ~(GRANULE - 1)) + GRANULE)) {
		memory_fault(v, KVM_MEMORY_EXIT_FLAG_PRIVATE, ipa & ~(GRANULE - 1), GRANULE);
		return -EFAULT;
	}
	uint64_t page = ipa & ~(GRANULE - 1), pa;
	if (!hmap_get(&vm->data, page >> 12)) {
		if (ensure_rtt(s, vm, page, 3) || new_granule(s, &pa) ||
		    !rmi_ok(rmm_data_create_unknown(&s->rmm, vm->rd, pa, page)) ||
		    hmap_put(&vm->data, page >> 12, pa))
			return -ENXIO;
	}
	return 1;
}

static int handle_exit(struct cca_sim *s, struct svcpu *v)
{
	struct svm *vm = v->vm;
	struct kvm_run *run = v->run;
	const struct cca_rmi_rec_exit *x = &v->recrun.exit;

	switch (x->exit_reason) {
	case CCA_RMI_EXIT_SYNC:
		if (((x->esr >> 26) & 0x3f) == 0x24)
			return data_abort(s, v, x);
		return -ENXIO; /* unhandled exception class, instruction abort */
	case CCA_RMI_EXIT_IRQ:
	case CCA_RMI_EXIT_FIQ:
		return 1;
	case CCA_RMI_EXIT_PSCI:
	case CCA_RMI_EXIT_HOST_CALL: {
		memcpy(v->x, x->gprs, sizeof(v->x));
		uint32_t fid = (uint32_t)x->gprs[0];
		bool psci = x->exit_reason == CCA_RMI_EXIT_PSCI;
		if (forwarded(vm, fid)) {
			memset(&run->hypercall, 0, sizeof(run->hypercall));
			run->exit_reason = KVM_EXIT_HYPERCALL;
			run->hypercall.nr = fid;
			v->pend = P_CALL;
			if (psci && !cca_abi_desc_has(s->abi, CCA_ABI_MANUAL_PSCI_COMPLETE) &&
			    (is_fid(fid, CCA_PSCI_CPU_ON_32, CCA_PSCI_CPU_ON_64) ||
			     is_fid(fid, CCA_PSCI_AFFINITY_INFO_32, CCA_PSCI_AFFINITY_INFO_64))) {
				v->auto_psci = true;
				v->psci_fid = fid;
				v->psci_target = cca__smccc_arg(fid, v->x[1]);
			}
			return 0;
		}
		v->pend = P_CALL;
		if (psci)
			return psci_kernel(s, v, fid);
		/* SMCCC NOT_SUPPORTED; KVM's smccc_set_retval() also zeroes x1..x3. */
		v->x[0] = (uint64_t)(int64_t)-1;
		v->x[1] = v->x[2] = v->x[3] = 0;
		return 1;
	}
	case CCA_RMI_EXIT_RIPAS_CHANGE:
		if (x->ripas_top > vm->half || x->ripas_base >= x->ripas_top) {
			v->pend = P_RIPAS_REJECT;
			return -EINVAL;
		}
		v->pend = P_RIPAS;
		v->ripas_base = x->ripas_base;
		v->ripas_top = x->ripas_top;
		memory_fault(v, x->ripas_value == CCA_RIPAS_RAM ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0,
			     x->ripas_base, x->ripas_top - x->ripas_base);
		return -EFAULT;
	case CCA_RMI_EXIT_SERROR:
	default:
		memset(&run->internal, 0, sizeof(run->internal));
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		return 0;
	}
}

/* What the last exit needs on this entry. Caller holds sim->lock. */
static int pre_entry(struct cca_sim *s, struct svcpu *v)
{
	struct svm *vm = v->vm;
	struct cca_rmi_rec_enter *e = &v->recrun.enter;

	memset(e, 0, sizeof(*e));
	if (v->auto_psci) {
		/* v14+: KVM completes PSCI itself, status from the caller's x0 (§17). */
		struct svcpu *t = vcpu_by_mpidr(vm, v->psci_target);
		int64_t x0 = (int64_t)v->x[0];
		/* CPU_ON: SUCCESS or ALREADY_ON -> SUCCESS, else DENIED; AFFINITY_INFO: SUCCESS. */
		bool cpu_on = is_fid(v->psci_fid, CCA_PSCI_CPU_ON_32, CCA_PSCI_CPU_ON_64);
		int64_t st = (!cpu_on || x0 == CCA_PSCI_RET_SUCCESS || x0 == CCA_PSCI_RET_ALREADY_ON)
				     ? CCA_PSCI_RET_SUCCESS
				     : CCA_PSCI_RET_DENIED;
		uint64_t trec = t ? t->rec : 0;
		bool bet2 = cca_abi_desc_has(s->abi, CCA_ABI_GMEM_CONVERSION); /* v15 */
		v->auto_psci = false;
		if (!t || !rmi_ok(rmm_psci_complete(&s->rmm, v->rec, bet2 ? 0 : trec, (uint64_t)st)))
			return -ENXIO;
	}
	switch (v->pend) {
	case P_MMIO_READ: {
		uint64_t d = 0;
		for (uint32_t i = 0; i < v->mmio_len && i < 8; i++)
			d |= (uint64_t)v->run->mmio.data[i] << (8 * i);
		e->gprs[0] = d;
		e->flags |= CCA_REC_ENTRY_FLAG_EMUL_MMIO;
		break;
	}
	case P_MMIO_WRITE:
		e->flags |= CCA_REC_ENTRY_FLAG_EMUL_MMIO;
		break;
	case P_CALL:
		memcpy(e->gprs, v->x, sizeof(e->gprs));
		break;
	case P_RIPAS: {
		/* RTT_SET_RIPAS runs on this entry: re-entry is the acceptance (§8.7). */
		uint64_t addr = v->ripas_base;
		while (addr < v->ripas_top) {
			uint64_t out = 0;
			uint64_t st = rmm_rtt_set_ripas(&s->rmm, vm->rd, v->rec, addr, v->ripas_top,
							&out);
			if (rmi_ok(st)) {
				addr = out;
			} else if (CCA_RMI_RETURN_STATUS(st) == CCA_RMI_ERROR_RTT &&
				   CCA_RMI_RETURN_INDEX(st) < 3) {
				if (ensure_rtt(s, vm, addr, (int)CCA_RMI_RETURN_INDEX(st) + 1))
					return -ENXIO;
			} else {
				break;
			}
		}
		break;
	}
	case P_RIPAS_REJECT:
		e->flags |= CCA_REC_ENTRY_FLAG_RIPAS_RESPONSE;
		break;
	case P_NONE:
		break;
	}
	v->pend = P_NONE;
	return 0;
}

static void timed_wait(struct cca_sim *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000; /* changes are broadcast; this bounds a kick's latency */
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

/*
 * Signals, as KVM sees them. KVM_RUN returns -EINTR when a signal is pending
 * for the vCPU thread, before an entry and while the vCPU is blocked (halted,
 * powered off); the handler runs as KVM_RUN returns. The simulator runs in
 * the caller's thread, so once a KVM_RUN stays in (a second entry, or a
 * wait) it blocks the signals the caller accepts, polls for them where KVM
 * would, and restores the mask on return, which delivers them: a VMM kicks
 * a simulated vCPU exactly as a real one (immediate_exit, then
 * pthread_kill()), and a VMM that sets only immediate_exit on a blocked
 * vCPU hangs here as it would on hardware.
 *
 * A KVM_RUN that returns after one entry (most do) makes no signal system
 * call at all: they tripled the cost of a simulated exit. The price is a
 * window, the first entry, in which a signal's handler runs at once instead
 * of staying pending; a kick's signal landing there came after its
 * immediate_exit, so immediate_exit is read again when the mask is set.
 * sim_ioctl() restores the mask after releasing the simulator's lock, so
 * that no handler runs under it.
 */
struct run_signals {
	bool blocked; /* the mask below is to be restored */
	uint64_t next_poll_ns; /* a waiting vCPU's next sigpending(), CLOCK_MONOTONIC */
	sigset_t caller; /* the caller's mask, restored on return */
	sigset_t accepted; /* signals the caller does not block */
};

static void signals_block(struct run_signals *rs, const struct svcpu *v)
{
	sigset_t all;

	sigfillset(&all);
	/* Faults must stay deliverable: blocking them makes a crash a hang. */
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &rs->caller);
	rs->blocked = true;
	rs->next_poll_ns = 0; /* a wait looks at once */
	sigemptyset(&rs->accepted);
	for (int sig = 1; sig < NSIG; sig++) {
		/* KVM_RUN runs with the vCPU's mask if one was set, else the caller's. */
		bool blocked = v->sigmask_active ? sig <= 64 && (v->sigmask >> (sig - 1) & 1)
						 : sigismember(&rs->caller, sig) == 1;
		if (sigismember(&all, sig) == 1 && !blocked)
			sigaddset(&rs->accepted, sig);
	}
}

/*
 * Whether a waiting vCPU should look for signals now: at most once a
 * millisecond. Every exit of another vCPU wakes the waiters, and a system
 * call each under the simulator's lock made them a lock convoy.
 */
static bool signals_poll_due(struct run_signals *rs)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (now < rs->next_poll_ns)
		return false;
	rs->next_poll_ns = now + 1000000;
	return true;
}

/* signal_pending(current), for the signals the caller accepts. */
static bool signals_pending(const struct run_signals *rs)
{
	sigset_t pending, both;

	if (sigpending(&pending))
		return false;
	sigandset(&both, &pending, &rs->accepted);
	return !sigisemptyset(&both);
}

static void signals_restore(const struct run_signals *rs)
{
	if (!rs->blocked)
		return;
	pthread_sigmask(SIG_SETMASK, &rs->caller, NULL);
}

static int vcpu_run(struct cca_sim *s, struct svcpu *v, struct run_signals *rs)
{
	struct svm *vm = v->vm;
	struct kvm_run *run = v->run;
	unsigned int entries = 0;
	int ret;

	if (!v->inited)
		return -ENOEXEC;
	if (!vm->realm)
		return -EOPNOTSUPP; /* the simulator runs realms only */
	if (v->running)
		return -EBUSY;
	/* The first run's set-up (realm activation) comes first, as in KVM. */
	vm->ran = true;
	if (vm->kstate != K_ACTIVE && (ret = activate(s, vm)))
		return ret;
	/*
	 * Documentation/virt/kvm/api.rst: "polled once when KVM_RUN starts";
	 * arm64 returns -EINTR without touching exit_reason.
	 */
	if (__atomic_load_n(&run->immediate_exit, __ATOMIC_RELAXED))
		return -EINTR;
	v->running = true;
	for (;;) {
		if (vm->kstate == K_DEAD) {
			ret = -ENXIO;
			break;
		}
		bool halted = v->stopped || rmm_rec_idle(&s->rmm, v->rec);
		/*
		 * KVM looks before every entry and every wake-up. Blocked, a
		 * signal stays pending, so looking every 64th entry and at most
		 * once a millisecond while waiting loses nothing but latency.
		 */
		unsigned int n = entries++;
		/*
		 * With a KVM_SET_SIGNAL_MASK mask, a signal the caller blocks may
		 * be pending already and becomes deliverable now: look before
		 * the first entry too (QEMU kicks this way).
		 */
		if (n > 0 || halted || v->sigmask_active) {
			bool kicked = false;

			if (!rs->blocked) {
				signals_block(rs, v);
				kicked = n > 0 &&
					 __atomic_load_n(&run->immediate_exit, __ATOMIC_RELAXED);
			}
			bool poll = halted ? signals_poll_due(rs) : n % 64 <= 1;

			if (kicked || (poll && signals_pending(rs))) {
				run->exit_reason = KVM_EXIT_INTR;
				ret = -EINTR;
				break;
			}
		}
		if (halted) {
			/* Halted: an idle REC would take an IRQ exit, re-enter and see SYSTEM_OFF. */
			if (!v->stopped && rmm_realm_state(&s->rmm, vm->rd) == RMM_REALM_SYSTEM_OFF) {
				run->exit_reason = KVM_EXIT_SHUTDOWN;
				ret = 0;
				break;
			}
			timed_wait(s);
			continue;
		}
		ret = pre_entry(s, v);
		if (ret)
			break;
		pthread_mutex_unlock(&s->lock);
		uint64_t st = rmm_rec_enter(&s->rmm, v->rec, &v->recrun);
		pthread_mutex_lock(&s->lock);
		if (!rmi_ok(st)) {
			unsigned int status = CCA_RMI_RETURN_STATUS(st);
			if (status == CCA_RMI_ERROR_REALM &&
			    CCA_RMI_RETURN_INDEX(st) == CCA_RMI_REALM_INDEX_SYSTEM_OFF) {
				run->exit_reason = KVM_EXIT_SHUTDOWN;
				ret = 0;
			} else if (status == CCA_RMI_ERROR_REC &&
				   cca_abi_desc_has(s->abi, CCA_ABI_RUN_EAGAIN)) {
				ret = -EAGAIN;
			} else {
				ret = -ENXIO;
			}
			break;
		}
		ret = handle_exit(s, v);
		if (ret <= 0)
			break;
		pthread_cond_broadcast(&s->cond);
		if (v->auto_psci) {
			/*
			 * v14+: the target of an in-kernel CPU_ON is runnable now, but
			 * its REC only once this caller re-enters. Open that window,
			 * as the kernel does: the target may enter first and get EAGAIN.
			 */
			pthread_mutex_unlock(&s->lock);
			sched_yield();
			pthread_mutex_lock(&s->lock);
		}
	}
	v->running = false;
	pthread_cond_broadcast(&s->cond);
	return ret;
}

/* ---- vCPU ioctls --------------------------------------------------------------------------- */

static bool reg_allowed(const struct cca_sim *s, uint64_t id)
{
	if (id >= CCA_KVM_REG_ARM64_X(0) && id <= CCA_KVM_REG_ARM64_X(30) && !(id & 1))
		return true;
	if (id == CCA_KVM_REG_ARM64_PC || id == CCA_KVM_REG_ID_AA64DFR0_EL1 ||
	    id == CCA_KVM_REG_ARM64_SVE_VLS)
		return true;
	return id == CCA_KVM_REG_PMCR_EL0 && cca_abi_desc_has(s->abi, CCA_ABI_PMU);
}

static int one_reg(struct cca_sim *s, struct svcpu *v, bool set, const struct kvm_one_reg *r)
{
	struct svm *vm = v->vm;
	void *p = (void *)(uintptr_t)r->addr;
	uint64_t val = 0;
	uint64_t *slot = NULL;

	if (!p)
		return -EFAULT;
	if (r->id == CCA_KVM_REG_ARM64_SVE_VLS) {
		if (!(v->features & (1U << CCA_KVM_ARM_VCPU_SVE)))
			return -ENOENT;
		if (!set) {
			memcpy(p, v->vls, sizeof(v->vls));
			return 0;
		}
		if (v->sve_final || vm->kstate != K_NONE)
			return -EPERM;
		uint64_t want[8];
		memcpy(want, p, sizeof(want));
		unsigned int max = s->opts.sve_max_vl / 16;
		for (unsigned int q = 1; q <= 512; q++)
			if ((want[(q - 1) / 64] >> ((q - 1) % 64) & 1) && q > max)
				return -EINVAL;
		if (!max_vq(want))
			return -EINVAL;
		memcpy(v->vls, want, sizeof(want));
		return 0;
	}
	if (r->id >= CCA_KVM_REG_ARM64_X(0) && r->id <= CCA_KVM_REG_ARM64_X(30) && !(r->id & 1))
		slot = &v->x[(r->id - CCA_KVM_REG_ARM64_X(0)) / 2];
	else if (r->id == CCA_KVM_REG_ARM64_PC)
		slot = &v->pc;
	else if (r->id == CCA_KVM_REG_ID_AA64DFR0_EL1)
		slot = &v->dfr0;
	else if (r->id == CCA_KVM_REG_PMCR_EL0)
		slot = &v->pmcr;
	if (!set) {
		if (!slot)
			return -ENOENT;
		val = *slot;
		memcpy(p, &val, sizeof(val));
		return 0;
	}
	if (vm->realm && !reg_allowed(s, r->id))
		return -EINVAL;
	if (!slot)
		return -ENOENT;
	memcpy(&val, p, sizeof(val));
	if (r->id == CCA_KVM_REG_ID_AA64DFR0_EL1) {
		uint64_t f0 = s->rmm.cfg.feat0;
		uint64_t brps = (val >> CCA_DFR0_BRPS_SHIFT) & 0xf, wrps = (val >> CCA_DFR0_WRPS_SHIFT) & 0xf;
		uint64_t ctx = (val >> CCA_DFR0_CTX_CMPS_SHIFT) & 0xf;
		if (vm->kstate != K_NONE)
			return val == v->dfr0 ? 0 : -EBUSY;
		if (!brps || !wrps || ctx > brps || brps > CCA_RMI_FEAT0_NUM_BPS(f0) ||
		    wrps > CCA_RMI_FEAT0_NUM_WPS(f0))
			return -EINVAL;
		for (unsigned int i = 0; i < vm->nr_vcpus; i++) /* VM-wide */
			vm->vcpus[i]->dfr0 = val;
		return 0;
	}
	if (r->id == CCA_KVM_REG_PMCR_EL0) {
		if (vm->kstate != K_NONE)
			return 0; /* accepted, ignored */
		if (((val >> CCA_PMCR_N_SHIFT) & CCA_PMCR_N_MASK) >
		    CCA_RMI_FEAT0_PMU_NUM_CTRS(s->rmm.cfg.feat0))
			return -EINVAL;
	}
	*slot = val; /* x0-x30 and PC: consumed when the kernel decides (§7) */
	return 0;
}

static int vcpu_init(struct cca_sim *s, struct svcpu *v, const struct cca_kvm_vcpu_init *in)
{
	uint32_t f = in->features[0];
	if (in->target != 5 || f & ~((1U << 10) - 1))
		return -EINVAL;
	for (int i = 1; i < 7; i++)
		if (in->features[i])
			return -EINVAL;
	if (v->vm->realm) {
		if (f & (1U << CCA_KVM_ARM_VCPU_EL1_32BIT))
			return -EINVAL; /* no AArch32 realms */
		if ((f & (1U << CCA_KVM_ARM_VCPU_PMU_V3)) && !cca_abi_desc_has(s->abi, CCA_ABI_PMU))
			return -EINVAL;
		if ((f & (1U << CCA_KVM_ARM_VCPU_SVE)) && (s->opts.flags & CCA_SIM_F_NO_SVE))
			return -EINVAL;
	}
	if (v->vm->ran)
		return -EINVAL; /* no re-init after activation */
	v->features = f;
	v->inited = true;
	v->stopped = (f & (1U << CCA_KVM_ARM_VCPU_POWER_OFF)) != 0;
	return 0;
}

/*
 * KVM_SET_SIGNAL_MASK (kvm_vcpu_ioctl_set_sigmask): the signal mask KVM_RUN
 * runs with; NULL: the caller's own. @len must be the kernel's sigset_t
 * size, 8 bytes.
 */
static int set_signal_mask(struct svcpu *v, const struct kvm_signal_mask *m)
{
	if (!m) {
		v->sigmask_active = false;
		return 0;
	}
	if (m->len != sizeof(v->sigmask))
		return -EINVAL;
	memcpy(&v->sigmask, m->sigset, sizeof(v->sigmask));
	v->sigmask_active = true;
	return 0;
}

static int vcpu_ioctl(struct cca_sim *s, struct svcpu *v, unsigned long req, void *arg,
		      struct run_signals *rs)
{
	struct svm *vm = v->vm;

	if (req == KVM_RUN)
		return vcpu_run(s, v, rs);
	if (req == KVM_SET_SIGNAL_MASK)
		return set_signal_mask(v, arg);
	if (!arg && req != KVM_RUN)
		return -EFAULT;
	if (req == CCA_KVM_ARM_VCPU_INIT)
		return vcpu_init(s, v, arg);
	if (req == KVM_GET_ONE_REG || req == KVM_SET_ONE_REG)
		return one_reg(s, v, req == KVM_SET_ONE_REG, arg);
	if (req == CCA_KVM_ARM_VCPU_FINALIZE) {
		int what = *(const int *)arg;
		if (what != CCA_KVM_ARM_VCPU_SVE || !(v->features & (1U << CCA_KVM_ARM_VCPU_SVE)))
			return -EINVAL;
		if (v->sve_final)
			return -EPERM;
		v->sve_final = true;
		return 0;
	}
	if (req == KVM_SET_MP_STATE) {
		const struct kvm_mp_state *mp = arg;
		if (mp->mp_state == CCA_KVM_MP_STATE_RUNNABLE)
			v->stopped = false;
		else if (mp->mp_state == CCA_KVM_MP_STATE_STOPPED)
			v->stopped = true;
		else
			return -EINVAL;
		pthread_cond_broadcast(&s->cond);
		return 0;
	}
	if (req == KVM_SET_DEVICE_ATTR) {
		const struct kvm_device_attr *a = arg;
		if (a->group != CCA_KVM_ARM_VCPU_PMU_V3_CTRL ||
		    !(v->features & (1U << CCA_KVM_ARM_VCPU_PMU_V3)))
			return -ENXIO;
		if (a->attr == CCA_KVM_ARM_VCPU_PMU_V3_IRQ) {
			if (!vm->gic)
				return -ENODEV;
			v->pmu_irq = true;
			return 0;
		}
		if (a->attr != CCA_KVM_ARM_VCPU_PMU_V3_INIT)
			return -ENXIO;
		/* Upstream: the PMU initialises only once the vGIC is (kvm_arm_pmu_v3_init). */
		if (!vm->gic_init || !v->pmu_irq)
			return -ENODEV;
		if (v->pmu_init)
			return -EBUSY;
		v->pmu_init = true;
		return 0;
	}
	if (req == KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12 &&
	    s->abi->psci_complete_req == KVM_ARM_VCPU_RMI_PSCI_COMPLETE_V12) {
		const struct kvm_arm_rmi_psci_complete *c = arg;
		if (!vm->realm)
			return -EPERM;
		struct svcpu *t = vcpu_by_mpidr(vm, c->target_mpidr);
		if (!t || !v->rec || !t->rec)
			return -EINVAL;
		/* psci_status is a u32; taken as the signed PSCI code (unconfirmed, §12.2). */
		int64_t st = (int32_t)c->psci_status;
		if (!rmi_ok(rmm_psci_complete(&s->rmm, v->rec, t->rec, (uint64_t)st)))
			return -EINVAL;
		pthread_cond_broadcast(&s->cond);
		return 0;
	}
	return -EINVAL; /* arm64's answer to an unknown vCPU ioctl */
}

/* ---- VM ioctls --------------------------------------------------------------------------- */

static bool realm_cap_allowed(long cap)
{
	static const long allow[] = { KVM_CAP_IRQCHIP,
				      KVM_CAP_ARM_PSCI,
				      KVM_CAP_ARM_PSCI_0_2,
				      KVM_CAP_NR_VCPUS,
				      KVM_CAP_MAX_VCPUS,
				      KVM_CAP_MAX_VCPU_ID,
				      KVM_CAP_MSI_DEVID,
				      KVM_CAP_ARM_VM_IPA_SIZE,
				      KVM_CAP_ARM_PTRAUTH_ADDRESS,
				      KVM_CAP_ARM_PTRAUTH_GENERIC };
	for (size_t i = 0; i < ARRAY_SIZE(allow); i++)
		if (allow[i] == cap)
			return true;
	return false;
}

/*
 * Arch capabilities the simulated host has beyond the realm allowlist, with
 * the ioctls behind them implemented: what /dev/kvm and a normal VM report
 * (a VMM probes them there, §3.2). A realm VM fd reports 0 for them.
 */
static bool host_arch_cap(long cap)
{
	return cap == KVM_CAP_IMMEDIATE_EXIT || cap == KVM_CAP_ONE_REG;
}

static int check_extension(struct cca_sim *s, struct svm *vm, long cap)
{
	const struct cca_abi_desc *abi = s->abi;
	/* Generic capabilities bypass the realm allowlist (§3.2). */
	if (cap == KVM_CAP_USER_MEMORY2 || cap == KVM_CAP_GUEST_MEMFD ||
	    cap == KVM_CAP_CHECK_EXTENSION_VM)
		return 1;
	if (cap == KVM_CAP_MEMORY_ATTRIBUTES)
		return vm && vm->realm && abi->mem_attr_cap == KVM_CAP_MEMORY_ATTRIBUTES
			       ? (int)KVM_MEMORY_ATTRIBUTE_PRIVATE
			       : 0;
	if (cap == KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15)
		return vm && vm->realm && abi->mem_attr_cap == cap ? (int)KVM_MEMORY_ATTRIBUTE_PRIVATE
								    : 0;
	if (cap == abi->cap_rmi)
		return 1;
	if (cap == KVM_CAP_ARM_SVE)
		return !(s->opts.flags & CCA_SIM_F_NO_SVE);
	if (cap == KVM_CAP_ARM_PMU_V3)
		return !(vm && vm->realm && !cca_abi_desc_has(abi, CCA_ABI_PMU));
	if (cap == KVM_CAP_ARM_VM_IPA_SIZE)
		return 48; /* the host's limit, not the RMM's (§2) */
	if (cap == KVM_CAP_NR_VCPUS || cap == KVM_CAP_MAX_VCPUS || cap == KVM_CAP_MAX_VCPU_ID)
		return SIM_MAX_VCPUS;
	if (realm_cap_allowed(cap))
		return 1;
	if (!(vm && vm->realm) && host_arch_cap(cap))
		return 1;
	return 0;
}

static int create_vcpu(struct cca_sim *s, struct svm *vm, unsigned long id)
{
	if (id >= SIM_MAX_VCPUS)
		return -EINVAL;
	if (vm->ran)
		return -EBUSY; /* the vGIC is initialised (§6.2) */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			return -EEXIST;
	struct svcpu **vs = realloc(vm->vcpus, (vm->nr_vcpus + 1) * sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vm->vcpus = vs;
	struct svcpu *v = calloc(1, sizeof(*v));
	void *run = NULL;
	if (!v || posix_memalign(&run, 4096, RUN_MMAP_SIZE)) {
		free(v);
		return -ENOMEM;
	}
	memset(run, 0, RUN_MMAP_SIZE);
	v->run = run;
	v->vm = vm;
	v->id = (unsigned int)id;
	uint64_t f0 = s->rmm.cfg.feat0;
	v->dfr0 = (CCA_RMI_FEAT0_NUM_BPS(f0) << CCA_DFR0_BRPS_SHIFT) |
		  (CCA_RMI_FEAT0_NUM_WPS(f0) << CCA_DFR0_WRPS_SHIFT) | 6; /* DebugVer v8 */
	v->pmcr = CCA_RMI_FEAT0_PMU_NUM_CTRS(f0) << CCA_PMCR_N_SHIFT;
	for (unsigned int q = 1; q <= s->opts.sve_max_vl / 16; q++)
		v->vls[(q - 1) / 64] |= 1ULL << ((q - 1) % 64);
	int fd = new_fd(s, F_VCPU, v);
	if (fd < 0 || hmap_put(&s->maps, (uint64_t)(uintptr_t)run, (uint64_t)(uintptr_t)v)) {
		free(run);
		free(v);
		return fd < 0 ? fd : -ENOMEM;
	}
	v->fd = fd;
	vm->vcpus[vm->nr_vcpus++] = v;
	vm->files++;
	return fd;
}

static int gic_attr(struct svm *vm, const struct kvm_device_attr *a)
{
	const void *p = (const void *)(uintptr_t)a->addr;
	if (a->group == CCA_KVM_DEV_ARM_VGIC_GRP_ADDR) {
		uint64_t addr;
		if (!p)
			return -EFAULT;
		memcpy(&addr, p, sizeof(addr));
		if (addr & (SZ_64K - 1) || addr >= vm->half)
			return -EINVAL;
		if (a->attr == CCA_KVM_VGIC_V3_ADDR_TYPE_DIST)
			vm->gic_dist = addr;
		else if (a->attr == CCA_KVM_VGIC_V3_ADDR_TYPE_REDIST)
			vm->gic_redist = addr;
		else
			return -ENXIO;
		return 0;
	}
	if (a->group == CCA_KVM_DEV_ARM_VGIC_GRP_NR_IRQS) {
		if (!p)
			return -EFAULT;
		memcpy(&vm->gic_nr_irqs, p, sizeof(vm->gic_nr_irqs));
		return 0;
	}
	if (a->group == CCA_KVM_DEV_ARM_VGIC_GRP_CTRL && a->attr == CCA_KVM_DEV_ARM_VGIC_CTRL_INIT) {
		if (!vm->nr_vcpus)
			return -ENXIO;
		vm->gic_init = true;
		return 0;
	}
	return -ENXIO;
}

static int set_region(struct cca_sim *s, struct svm *vm, const struct kvm_userspace_memory_region2 *m)
{
	unsigned int i;
	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].id == m->slot)
			break;
	if (m->memory_size == 0) { /* delete */
		if (i == vm->nr_slots)
			return -EINVAL;
		vm->slots[i] = vm->slots[--vm->nr_slots];
		return 0;
	}
	if (i != vm->nr_slots || (m->flags & ~(uint32_t)KVM_MEM_GUEST_MEMFD) ||
	    ((m->guest_phys_addr | m->memory_size) & (GRANULE - 1)) ||
	    m->guest_phys_addr + m->memory_size > vm->half || !m->userspace_addr)
		return -EINVAL;
	for (unsigned int j = 0; j < vm->nr_slots; j++) {
		const struct sslot *o = &vm->slots[j];
		if (m->guest_phys_addr < o->gpa + o->size && o->gpa < m->guest_phys_addr + m->memory_size)
			return -EEXIST;
	}
	struct sgmem *g = NULL;
	if (m->flags & KVM_MEM_GUEST_MEMFD) {
		struct sfile *f = file_of(s, (int)m->guest_memfd);
		if (!f || f->kind != F_GMEM)
			return -EINVAL;
		g = f->obj;
		if (g->vm != vm || m->guest_memfd_offset + m->memory_size > g->size)
			return -EINVAL;
	}
	struct sslot *n = realloc(vm->slots, (vm->nr_slots + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	vm->slots = n;
	vm->slots[vm->nr_slots++] = (struct sslot){ .id = m->slot, .flags = m->flags,
						    .gpa = m->guest_phys_addr, .size = m->memory_size,
						    .uaddr = m->userspace_addr,
						    .gmem_off = m->guest_memfd_offset, .gmem = g };
	/* v15: guest_memfd memory is private by default (in-place conversion, §18). */
	if (g && cca_abi_desc_has(s->abi, CCA_ABI_GMEM_CONVERSION))
		return rs_set(&vm->private, m->guest_phys_addr, m->guest_phys_addr + m->memory_size,
			      true);
	return 0;
}

static int vm_ioctl(struct cca_sim *s, struct svm *vm, unsigned long req, void *arg)
{
	unsigned long iarg = (unsigned long)(uintptr_t)arg;

	if (req == KVM_CHECK_EXTENSION)
		return check_extension(s, vm, (long)iarg);
	if (req == KVM_CREATE_VCPU)
		return create_vcpu(s, vm, iarg);
	if (!arg)
		return -EFAULT;
	if (req == CCA_KVM_ARM_PREFERRED_TARGET) {
		struct cca_kvm_vcpu_init *i = arg;
		memset(i, 0, sizeof(*i));
		i->target = 5; /* KVM_ARM_TARGET_GENERIC_V8 */
		return 0;
	}
	if (req == KVM_CREATE_DEVICE) {
		struct kvm_create_device *d = arg;
		if (d->type == CCA_KVM_DEV_TYPE_ARM_VGIC_V2 && vm->realm)
			return -ENODEV;
		if (d->type != CCA_KVM_DEV_TYPE_ARM_VGIC_V3)
			return -ENODEV;
		if (vm->gic)
			return -EEXIST;
		int fd = new_fd(s, F_DEV, vm);
		if (fd < 0)
			return fd;
		vm->gic = true;
		vm->gic_fd = fd;
		vm->files++;
		d->fd = (uint32_t)fd;
		return 0;
	}
	if (req == KVM_SET_DEVICE_ATTR) {
		const struct kvm_device_attr *a = arg;
		if (a->group != CCA_KVM_ARM_VM_SMCCC_CTRL || a->attr != CCA_KVM_ARM_VM_SMCCC_FILTER)
			return -ENXIO;
		if (vm->ran)
			return -EBUSY;
		if (vm->nr_filters == ARRAY_SIZE(vm->filters))
			return -ENOSPC;
		memcpy(&vm->filters[vm->nr_filters++], (const void *)(uintptr_t)a->addr,
		       sizeof(vm->filters[0]));
		return 0;
	}
	if (req == KVM_CREATE_GUEST_MEMFD) {
		const struct kvm_create_guest_memfd *c = arg;
		if (!c->size || (c->size & (GRANULE - 1)) || c->flags)
			return -EINVAL;
		struct sgmem *g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		g->vm = vm;
		g->size = c->size;
		int fd = new_fd(s, F_GMEM, g);
		if (fd < 0) {
			free(g);
			return fd;
		}
		g->fd = fd;
		vm->files++;
		return fd;
	}
	if (req == KVM_SET_USER_MEMORY_REGION2)
		return set_region(s, vm, arg);
	if (req == KVM_SET_MEMORY_ATTRIBUTES)
		return set_attributes(s, vm, arg);
	if (req == KVM_ARM_RMI_POPULATE_V12 || req == KVM_ARM_RMI_POPULATE_V13)
		return populate(s, vm, req, arg);
	if (req == KVM_ENABLE_CAP)
		return -EINVAL;
	return -ENOTTY;
}

static int create_vm(struct cca_sim *s, unsigned long type)
{
	const struct cca_abi_desc *abi = s->abi;
	unsigned int ipa = type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK;
	/* v12/v13: machine type 1 in bits [11:8], a field, not a bit (3, 5, ... are not realms). */
	bool realm = abi->vm_type_realm == KVM_VM_TYPE_ARM_REALM_V12
			     ? (type & KVM_VM_TYPE_ARM_MASK_V12) == KVM_VM_TYPE_ARM_REALM_V12
			     : (type & abi->vm_type_realm) != 0;

	if (type & ~abi->vm_type_accept)
		return -EINVAL;
	if (abi->vm_type_realm == KVM_VM_TYPE_ARM_REALM_V12 &&
	    (type & KVM_VM_TYPE_ARM_MASK_V12) && !realm)
		return -EINVAL; /* machine types 2-15 */
	if (type & KVM_VM_TYPE_ARM_PROTECTED_V14)
		return -EINVAL; /* pKVM is not simulated */
	if (!ipa)
		ipa = 40;
	if (ipa < 32 || ipa > (realm ? s->opts.ipa_limit : 48))
		return -EINVAL;
	struct svm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->sim = s;
	vm->realm = realm;
	vm->ipa_bits = ipa;
	vm->half = 1ULL << (ipa - 1);
	vm->gic_fd = -1;
	hmap_init(&vm->data);
	int fd = new_fd(s, F_VM, vm);
	if (fd < 0) {
		free(vm);
		return fd;
	}
	vm->fd = fd;
	return fd;
}

static int kvm_ioctl(struct cca_sim *s, unsigned long req, void *arg)
{
	unsigned long iarg = (unsigned long)(uintptr_t)arg;
	if (req == KVM_CREATE_VM)
		return create_vm(s, iarg);
	if (req == KVM_CHECK_EXTENSION)
		return check_extension(s, NULL, (long)iarg);
	if (req == KVM_GET_VCPU_MMAP_SIZE)
		return RUN_MMAP_SIZE;
	if (req == KVM_GET_API_VERSION)
		return KVM_API_VERSION;
	return -ENOTTY;
}

/* ---- VM teardown ---------------------------------------------------------------------------- */

static void vm_free(struct cca_sim *s, struct svm *vm)
{
	if (vm->kstate != K_NONE) {
		destroy_data(s, vm, 0, UINT64_MAX);
		for (unsigned int i = vm->nr_vcpus; i-- > 0;)
			if (vm->vcpus[i]->rec &&
			    rmi_ok(rmm_rec_destroy(&s->rmm, vm->vcpus[i]->rec)))
				rmm_granule_undelegate(&s->rmm, vm->vcpus[i]->rec);
		rmm_realm_destroy(&s->rmm, vm->rd);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct svcpu *v = vm->vcpus[i];
		hmap_del(&s->maps, (uint64_t)(uintptr_t)v->run);
		/* As in KVM, a mapping outlives its fd and VM: the page goes at the last munmap. */
		if (v->run_maps > 0 && !hmap_put(&s->orphans, (uint64_t)(uintptr_t)v->run,
						 (uint64_t)v->run_maps))
			v->run = NULL;
		free(v->run);
		free(v);
	}
	free(vm->vcpus);
	free(vm->slots);
	free(vm->private.r);
	hmap_free(&vm->data);
	sim_guest_free(vm->builtin);
	free(vm);
}

static void vm_put(struct cca_sim *s, struct svm *vm)
{
	if (vm->fd < 0 && vm->files == 0)
		vm_free(s, vm);
}

/* ---- the seam ------------------------------------------------------------------------------ */

static int sim_open(void *ctx, const char *path, int flags)
{
	struct cca_sim *s = ctx;
	(void)path;
	(void)flags;
	pthread_mutex_lock(&s->lock);
	int fd = new_fd(s, F_KVM, NULL);
	pthread_mutex_unlock(&s->lock);
	return fd;
}

static int sim_close(void *ctx, int fd)
{
	struct cca_sim *s = ctx;
	pthread_mutex_lock(&s->lock);
	struct sfile *f = file_of(s, fd);
	if (!f) {
		pthread_mutex_unlock(&s->lock);
		return -EBADF;
	}
	hmap_del(&s->files, (uint64_t)fd);
	switch (f->kind) {
	case F_VM: {
		struct svm *vm = f->obj;
		vm->fd = -1;
		vm_put(s, vm);
		break;
	}
	case F_VCPU: {
		struct svcpu *v = f->obj;
		v->fd = -1;
		v->vm->files--;
		vm_put(s, v->vm);
		break;
	}
	case F_GMEM: {
		struct sgmem *g = f->obj;
		struct svm *vm = g->vm;
		for (unsigned int i = 0; i < vm->nr_slots; i++)
			if (vm->slots[i].gmem == g)
				vm->slots[i].gmem = NULL; /* the slot keeps its pages in the model */
		free(g);
		vm->files--;
		vm_put(s, vm);
		break;
	}
	case F_DEV: {
		struct svm *vm = f->obj;
		vm->files--;
		vm_put(s, vm);
		break;
	}
	case F_KVM:
		break;
	}
	free(f);
	if (s->fdops.release)
		s->fdops.release(s->fdops.ctx, fd);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int sim_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct cca_sim *s = ctx;
	struct run_signals rs;
	int ret;

	rs.blocked = false; /* the rest is set by signals_block(): not two sigset_t per ioctl */
	pthread_mutex_lock(&s->lock);
	struct sfile *f = file_of(s, fd);
	if (!f)
		ret = -EBADF;
	else if (f->kind == F_KVM)
		ret = kvm_ioctl(s, req, arg);
	else if (f->kind == F_VM)
		ret = vm_ioctl(s, f->obj, req, arg);
	else if (f->kind == F_VCPU)
		ret = vcpu_ioctl(s, f->obj, req, arg, &rs);
	else if (f->kind == F_DEV && req == KVM_SET_DEVICE_ATTR && arg)
		ret = gic_attr(f->obj, arg);
	else
		ret = -ENOTTY;
	pthread_mutex_unlock(&s->lock);
	/* Delivered after the lock (see struct run_signals). */
	signals_restore(&rs);
	return ret;
}

static int sim_mmap(void *ctx, size_t len, int prot, int flags, int fd, uint64_t off, void **out)
{
	struct cca_sim *s = ctx;
	if (fd < 0) {
		void *p = mmap(NULL, len, prot, flags, -1, (off_t)off);
		if (p == MAP_FAILED)
			return -errno;
		*out = p;
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	struct sfile *f = file_of(s, fd);
	int ret = -ENODEV;
	if (f && f->kind == F_VCPU && off == 0 && len <= RUN_MMAP_SIZE) {
		struct svcpu *v = f->obj;
		*out = v->run;
		v->run_maps++;
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int sim_munmap(void *ctx, void *addr, size_t len)
{
	struct cca_sim *s = ctx;
	uint64_t key = (uint64_t)(uintptr_t)addr, *n;
	int owned = 1;

	pthread_mutex_lock(&s->lock);
	uint64_t *vp = hmap_get(&s->maps, key);
	if (vp) {
		struct svcpu *v = (struct svcpu *)(uintptr_t)*vp;
		if (v->run_maps > 0)
			v->run_maps--; /* the page lives as long as its vCPU */
	} else if ((n = hmap_get(&s->orphans, key))) {
		if (--*n == 0) {
			hmap_del(&s->orphans, key);
			free(addr);
		}
	} else {
		owned = 0;
	}
	pthread_mutex_unlock(&s->lock);
	if (owned)
		return 0;
	return munmap(addr, len) < 0 ? -errno : 0;
}

static int sim_fallocate(void *ctx, int fd, int mode, uint64_t off, uint64_t len)
{
	struct cca_sim *s = ctx;
	int ret = 0;
	pthread_mutex_lock(&s->lock);
	struct sfile *f = file_of(s, fd);
	if (!f || f->kind != F_GMEM) {
		ret = -EBADF;
	} else if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) ||
		   ((off | len) & (GRANULE - 1))) {
		ret = -EOPNOTSUPP;
	} else {
		struct sgmem *g = f->obj;
		for (unsigned int i = 0; i < g->vm->nr_slots; i++) {
			struct sslot *sl = &g->vm->slots[i];
			if (sl->gmem != g)
				continue;
			uint64_t a = off > sl->gmem_off ? off - sl->gmem_off : 0;
			uint64_t b = off + len - sl->gmem_off;
			if (b > sl->size)
				b = sl->size;
			if (a < b)
				destroy_data(s, g->vm, sl->gpa + a, sl->gpa + b);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int sim_madvise(void *ctx, void *addr, size_t len, int advice)
{
	(void)ctx;
	return madvise(addr, len, advice) < 0 ? -errno : 0;
}

static int sim_machine(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "aarch64");
	return 0;
}

static const struct cca_sys_ops sim_ops = {
	.open = sim_open,
	.close = sim_close,
	.ioctl = sim_ioctl,
	.mmap = sim_mmap,
	.munmap = sim_munmap,
	.fallocate = sim_fallocate,
	.madvise = sim_madvise,
	.machine = sim_machine,
};

/* ---- public API ---------------------------------------------------------------------------- */

static uint64_t make_feat0(const struct cca_sim_options *o, const struct cca_abi_desc *abi)
{
	uint64_t f = o->ipa_limit;
	if (!(o->flags & CCA_SIM_F_NO_SVE))
		f |= (1ULL << 9) | ((uint64_t)(o->sve_max_vl / 16 - 1) << 10);
	f |= (uint64_t)(o->max_bps - 1) << 14;
	f |= (uint64_t)(o->max_wps - 1) << 20;
	if (!(o->flags & CCA_SIM_F_NO_PMU) && cca_abi_desc_has(abi, CCA_ABI_PMU))
		f |= (1ULL << 26) | ((uint64_t)o->pmu_counters << 27);
	f |= 1ULL << 32; /* SHA-256 */
	f |= 1ULL << 33; /* SHA-512 */
	f |= 8ULL << 34; /* GICv3 list registers */
	f |= 9ULL << 38; /* MAX_RECS_ORDER: 512 */
	return f;
}

static void set_err(char *err, size_t len, const char *fmt, ...) CCA_PRINTF(3, 4);
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

CCA_EXPORT int cca_sim_check_guest(const char *text, size_t len, char *err, size_t err_len)
{
	struct sim_guest *g = NULL;
	struct sim_guest_error e;
	if (!text)
		return -EINVAL;
	memset(&e, 0, sizeof(e));
	int ret = sim_guest_parse(text, len ? len : strlen(text), &g, &e);
	if (ret == -EINVAL)
		set_err(err, err_len, "line %u col %u: %s", e.line, e.col, e.msg);
	sim_guest_free(g);
	return ret;
}

CCA_EXPORT int cca_sim_create(const struct cca_sim_options *in, struct cca_sim **out, char *err,
			      size_t err_len)
{
	struct cca_sim_options o;
	int ret;

	if (!in || !out) {
		set_err(err, err_len, "bad simulator options");
		return -EINVAL;
	}
	ret = CCA_STRUCT_IN(cca_sim_options, &o, in);
	if (ret == -E2BIG) {
		set_err(err, err_len, "simulator options set members this libcca does not know");
		return ret;
	}
	if (ret || !cca_all_zero(o.reserved, sizeof(o.reserved)) || o.reserved0 ||
	    (o.flags & ~(CCA_SIM_F_NO_SVE | CCA_SIM_F_NO_PMU))) {
		set_err(err, err_len, "bad simulator options");
		return -EINVAL;
	}
	if (!o.ipa_limit)
		o.ipa_limit = 48;
	if (!o.sve_max_vl)
		o.sve_max_vl = 256;
	if (!o.max_bps)
		o.max_bps = 6;
	if (!o.max_wps)
		o.max_wps = 4;
	if (!o.pmu_counters)
		o.pmu_counters = 8;
	const struct cca_abi_desc *abi = cca_abi_desc(o.revision);
	if (!abi || o.ipa_limit < 32 || o.ipa_limit > 52 || o.sve_max_vl % 16 ||
	    o.sve_max_vl > 256 || o.max_bps < 2 || o.max_bps > 16 || o.max_wps < 2 ||
	    o.max_wps > 16 || o.pmu_counters > 31 || o.rim_initial > CCA_RIM_INIT_ZERO) {
		set_err(err, err_len, "bad simulator options (revision %d)", (int)o.revision);
		return -EINVAL;
	}
	struct cca_sim *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = o;
	s->opts.guest = NULL;
	s->abi = abi;
	s->next_fd = 1 << 20;
	s->next_pa = 0x880000000ULL;
	if (o.guest) {
		struct sim_guest_error e;
		memset(&e, 0, sizeof(e));
		ret = sim_guest_parse(o.guest, o.guest_len ? o.guest_len : strlen(o.guest), &s->guest,
				      &e);
		if (ret) {
			if (ret == -EINVAL)
				set_err(err, err_len, "line %u col %u: %s", e.line, e.col, e.msg);
			free(s);
			return ret;
		}
	}
	struct rmm_config rc = {
		.feat0 = make_feat0(&o, abi),
		.rmm_major = abi->rmm_major,
		.rim_init = (int)o.rim_initial,
		.affinity_needs_complete = cca_abi_desc_has(abi, CCA_ABI_AFFINITY_INFO_COMPLETE),
	};
	ret = rmm_init(&s->rmm, &rc);
	if (ret) {
		sim_guest_free(s->guest);
		free(s);
		return ret;
	}
	cca_mutex_init(&s->lock);
	pthread_cond_init(&s->cond, NULL);
	hmap_init(&s->files);
	hmap_init(&s->maps);
	hmap_init(&s->orphans);
	s->sys.ops = &sim_ops;
	s->sys.ctx = s;
	*out = s;
	return 0;
}

CCA_EXPORT void cca_sim_destroy(struct cca_sim *s)
{
	if (!s)
		return;
	uint64_t k, v;
	/* Close whatever the user left open, VMs last. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t it = 0; hmap_next(&s->files, &it, &k, &v);) {
			struct sfile *f = (struct sfile *)(uintptr_t)v;
			if ((f->kind == F_VM) == (pass == 1)) {
				sim_close(s, (int)k);
				it = 0;
			}
		}
	rmm_fini(&s->rmm);
	hmap_free(&s->files);
	hmap_free(&s->maps);
	for (size_t it = 0; hmap_next(&s->orphans, &it, &k, &v);)
		free((void *)(uintptr_t)k);
	hmap_free(&s->orphans);
	sim_guest_free(s->guest);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

static struct svm *vm_of_fd(struct cca_sim *s, int fd)
{
	struct sfile *f = file_of(s, fd);
	return f && f->kind == F_VM ? f->obj : NULL;
}

CCA_EXPORT int cca_sim_rim(struct cca_sim *s, int vm_fd, uint8_t out[64], size_t *len)
{
	if (!s || !out || !len)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct svm *vm = vm_of_fd(s, vm_fd);
	int ret = vm && vm->kstate != K_NONE ? rmm_realm_rim(&s->rmm, vm->rd, out, len) : -ENOENT;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

CCA_EXPORT int cca_sim_guest_failure(struct cca_sim *s, int vm_fd, char *buf, size_t len)
{
	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct svm *vm = vm_of_fd(s, vm_fd);
	int ret = vm ? 0 : -ENOENT;
	for (unsigned int i = 0; vm && i < vm->nr_vcpus && !ret; i++)
		if (vm->vcpus[i]->rec)
			ret = rmm_rec_failure(&s->rmm, vm->vcpus[i]->rec, buf, len);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

const struct cca_sys *cca_sim_sys(struct cca_sim *s)
{
	return &s->sys;
}

void cca_sim_set_fd_ops(struct cca_sim *s, const struct cca_sim_fd_ops *ops)
{
	pthread_mutex_lock(&s->lock);
	s->fdops = *ops;
	pthread_mutex_unlock(&s->lock);
}

int cca_sim_owns_fd(struct cca_sim *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	int r = file_of(s, fd) != NULL;
	pthread_mutex_unlock(&s->lock);
	return r;
}

int cca_sim_owns_map(struct cca_sim *s, const void *addr)
{
	pthread_mutex_lock(&s->lock);
	int r = hmap_get(&s->maps, (uint64_t)(uintptr_t)addr) != NULL ||
		hmap_get(&s->orphans, (uint64_t)(uintptr_t)addr) != NULL;
	pthread_mutex_unlock(&s->lock);
	return r;
}
