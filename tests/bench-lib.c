// SPDX-License-Identifier: MIT
/*
 * Description: library benchmarks (issue 6), in one process so that every
 * number is a ratio against a baseline measured next to it:
 *   bench-lib allocs    heap allocations in the run loop (target 0)
 *   bench-lib populate  syscalls per GiB populated per revision (target: the
 *                       convention's minimum) and wall time vs a raw ioctl loop,
 *                       both on the simulator; the populated realm's teardown
 *                       (target: no slower than its populate)
 * Exit status 0 when the targets are met.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <rmi/cca.h>

#include "internal.h"
#include "sim/sim.h"
#include "vmm/sim-vmm.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- heap allocation counter (glibc's entry points behind ours) ---------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static atomic_long nr_allocs;

void *malloc(size_t n)
{
	atomic_fetch_add_explicit(&nr_allocs, 1, memory_order_relaxed);
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	atomic_fetch_add_explicit(&nr_allocs, 1, memory_order_relaxed);
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	atomic_fetch_add_explicit(&nr_allocs, 1, memory_order_relaxed);
	return __libc_realloc(p, n);
}

/* ---- allocations in the run loop ---------------------------------------------- */

static int allocs(void)
{
	static const char guest[] = "ipa-bits 33\nuart 0x09000000\ncpu 0:\n"
				    "  repeat 20000\n    mmio write 0x09000000 1 0x41\n"
				    "    mmio read 0x09000018 4\n  end\n  psci system_off\n";
	struct sim_vmm_cfg c = { .rev = CCA_ABI_V14, .guest = guest, .nr_cpus = 1 };
	struct sim_vmm v;
	struct cca_exit e;

	if (sim_vmm_open(&v, &c) || sim_vmm_build(&v)) {
		fprintf(stderr, "bench-lib: %s\n", v.err);
		return 1;
	}
	/* The first run activates the realm (that allocates, once). */
	if (cca_rec_run(v.rec[0], &e))
		return 1;
	long before = atomic_load(&nr_allocs), exits = 0;
	for (;;) {
		int ret = cca_rec_run(v.rec[0], &e);
		if (ret)
			return 1;
		exits++;
		if (e.kind == CCA_EXIT_SYSTEM_OFF)
			break;
		if (e.kind == CCA_EXIT_MMIO && !e.mmio.is_write)
			cca_rec_set_mmio_data(v.rec[0], 0);
	}
	long n = atomic_load(&nr_allocs) - before;
	printf("run loop: %ld heap allocations over %ld exits (library and simulator)\n", n, exits);
	sim_vmm_close(&v);
	return n == 0 ? 0 : 1;
}

/* ---- populate ------------------------------------------------------------------- */

struct counting {
	const struct cca_sys *inner;
	long ioctls;
};

static int c_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct counting *c = ctx;
	c->ioctls++;
	return c->inner->ops->ioctl(c->inner->ctx, fd, req, arg);
}
static int c_open(void *ctx, const char *p, int f)
{
	struct counting *c = ctx;
	return c->inner->ops->open(c->inner->ctx, p, f);
}
static int c_close(void *ctx, int fd)
{
	struct counting *c = ctx;
	return c->inner->ops->close(c->inner->ctx, fd);
}
static int c_mmap(void *ctx, size_t l, int p, int f, int fd, uint64_t o, void **out)
{
	struct counting *c = ctx;
	return c->inner->ops->mmap(c->inner->ctx, l, p, f, fd, o, out);
}
static int c_munmap(void *ctx, void *a, size_t l)
{
	struct counting *c = ctx;
	return c->inner->ops->munmap(c->inner->ctx, a, l);
}
static int c_fallocate(void *ctx, int fd, int m, uint64_t o, uint64_t l)
{
	struct counting *c = ctx;
	return c->inner->ops->fallocate(c->inner->ctx, fd, m, o, l);
}
static int c_madvise(void *ctx, void *a, size_t l, int adv)
{
	struct counting *c = ctx;
	return c->inner->ops->madvise(c->inner->ctx, a, l, adv);
}
static int c_machine(void *ctx, char *b, size_t l)
{
	struct counting *c = ctx;
	return c->inner->ops->machine(c->inner->ctx, b, l);
}
static const struct cca_sys_ops counting_ops = { c_open,   c_close,	c_ioctl,   c_mmap,
						 c_munmap, c_fallocate, c_madvise, c_machine };

#define POP_SIZE (1ULL << 30)

/* A realm with 1 GiB of RAM, built up to the point of populating. */
static int pop_realm(enum cca_abi_rev rev, struct cca_sim **sim, struct counting *cnt,
		     struct cca_sys *sys, struct cca_host **host, struct cca_realm **realm)
{
	struct cca_sim_options so = { .size = sizeof(so), .revision = rev };
	struct cca_host_options ho = { .size = sizeof(ho), .flags = CCA_HOST_NO_ENV };
	struct cca_realm_params rp;
	struct cca_gic_params gp = { .size = sizeof(gp),
				     .dist_base = 0x08000000,
				     .redist_base = 0x080a0000 };
	struct cca_mem_region_params mp = { .size = sizeof(mp),
					    .gpa = 0x80000000,
					    .len = POP_SIZE };
	struct cca_rec_params p = { .size = sizeof(p), .index = 0 };
	struct cca_rec *rec;

	if (cca_sim_create(&so, sim, NULL, 0))
		return -1;
	cnt->inner = cca_sim_sys(*sim);
	sys->ops = &counting_ops;
	sys->ctx = cnt;
	cca_realm_params_init(&rp);
	rp.ipa_bits = 33;
	if (cca_host_open_sys(&ho, sys, host) || cca_realm_create(*host, &rp, realm) ||
	    cca_realm_gic_create(*realm, &gp) || cca_rec_create(*realm, &p, &rec) ||
	    cca_mem_region_add(*realm, &mp, NULL))
		return -1;
	return 0;
}

static int populate(void)
{
	void *src =
		mmap(NULL, POP_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int fail = 0;
	if (src == MAP_FAILED)
		return 1;
	/*
	 * Fault the source in first: otherwise the first measured call (v12's,
	 * libcca's) pays 262,144 page faults that the raw loop after it does not.
	 */
	volatile unsigned char sum = 0;
	for (size_t off = 0; off < POP_SIZE; off += 4096)
		sum += ((const unsigned char *)src)[off];
	(void)sum;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct cca_sim *sim[2];
		struct counting cnt[2] = { { 0 }, { 0 } };
		struct cca_sys sys[2];
		struct cca_host *host[2];
		struct cca_realm *realm[2];
		if (pop_realm((enum cca_abi_rev)rev, &sim[0], &cnt[0], &sys[0], &host[0],
			      &realm[0]) ||
		    pop_realm((enum cca_abi_rev)rev, &sim[1], &cnt[1], &sys[1], &host[1],
			      &realm[1]))
			return 1;
		/* libcca */
		long before = cnt[0].ioctls;
		double t0 = now();
		int ret =
			cca_mem_populate(realm[0], 0x80000000, src, POP_SIZE, CCA_POPULATE_MEASURE);
		double t_lib = now() - t0;
		long calls = cnt[0].ioctls - before;
		/* the raw loop a VMM would write, same chunking, same simulator */
		const struct cca_abi_desc *abi = cca_abi_desc((enum cca_abi_rev)rev);
		struct kvm_arm_rmi_populate a = { .base = 0x80000000,
						  .size = POP_SIZE,
						  .source_uaddr = (uintptr_t)src,
						  .flags = 1 };
		t0 = now();
		while (a.size && !ret) {
			int r = sys[1].ops->ioctl(sys[1].ctx, cca_realm_vm_fd(realm[1]),
						  abi->populate_req, &a);
			if (r < 0) {
				ret = r;
			} else if (abi->populate_conv == CCA_POPULATE_RETURNS_BYTES) {
				a.base += (uint64_t)r;
				a.source_uaddr += (uint64_t)r;
				a.size -= (uint64_t)r;
			}
		}
		double t_raw = now() - t0;
		printf("populate 1 GiB %s: %ld ioctl(s), libcca %.3f s, raw loop %.3f s, ratio %.2fx%s\n",
		       cca_abi_rev_name((enum cca_abi_rev)rev), calls, t_lib, t_raw, t_lib / t_raw,
		       ret ? " (failed)" : "");
		fail |= ret != 0 || calls != 1;
		/* Tearing the populated realm down must not cost more than building it. */
		t0 = now();
		cca_realm_destroy(realm[0]);
		double t_down = now() - t0;
		printf("  teardown of the populated realm %.3f s, %.2fx its populate\n", t_down,
		       t_down / t_lib);
		fail |= t_down > t_lib;
		cca_realm_destroy(realm[1]);
		for (int i = 0; i < 2; i++) {
			cca_host_close(host[i]);
			cca_sim_destroy(sim[i]);
		}
	}
	munmap(src, POP_SIZE);
	return fail;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "allocs") == 0)
		return allocs();
	if (argc == 2 && strcmp(argv[1], "populate") == 0)
		return populate();
	fprintf(stderr, "usage: bench-lib allocs|populate\n");
	return 2;
}
