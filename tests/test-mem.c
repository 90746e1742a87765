// SPDX-License-Identifier: MIT
/*
 * Description: realm memory against the strict mocked seam, on every
 * revision. cca_mem_populate(): both progress conventions (v12's byte
 * count with 1 GiB chunks, v13+'s write-back), partial progress, EINTR,
 * no progress, impossible progress, kernel errors, the first-populate
 * death, the MEASURE flag, the bounce buffer for unaligned sources and
 * every refusal made before the kernel is called. cca_mem_region_add():
 * the exact call sequence and bytes, slot numbering, shared-only regions,
 * every failure point undone, validation. cca_mem_set_private() and
 * cca_mem_accept_ripas_change(): attribute bytes, hole punching and
 * MADV_DONTNEED over adjacent regions, untrusted ranges, v15.
 * cca_mem_shared_ptr().
 *
 * Request numbers are the reference's literals (kvm-realm-uapi.md §1, §20),
 * not the library's macros. Aligned source pointers are fake values the
 * library must never read; only unaligned sources are real buffers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rmi/cca.h>

#include "fixture.h"
#include "mock-sys.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#define REQ_POPULATE_V12 0x4020AED7UL
#define REQ_POPULATE_V13 0xC020AED7UL
#define REQ_CHECK_EXTENSION 0xAE03UL
#define REQ_CREATE_GUEST_MEMFD 0xC040AED4UL
#define REQ_SET_USER_MEMORY_REGION2 0x40A0AE49UL
#define REQ_SET_MEMORY_ATTRIBUTES 0x4020AED2UL

#define CAP_MEMORY_ATTRIBUTES 233
#define CAP_GMEM_ATTRIBUTES_V15 250
#define ATTR_PRIVATE 8ULL /* KVM_MEMORY_ATTRIBUTE_PRIVATE */
#define MEM_GUEST_MEMFD 4U /* KVM_MEM_GUEST_MEMFD */
#define PUNCH_HOLE_KEEP_SIZE 3 /* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE */
#define ADV_DONTNEED 4 /* MADV_DONTNEED */

#define IPA_HALF (1ULL << 39) /* the fixture's 40-bit realms */
#define FX_RAM_END (FX_RAM_BASE + FX_RAM_SIZE)
#define TEST_SRC 0x7e5a5000ULL /* fake, page aligned, never read */
#define SRC ((const void *)(uintptr_t)TEST_SRC)
#define TEST_SHARED 0x7f3c00000000ULL /* fake shared view, never touched */
#define BIG_GPA 0x100000000ULL /* 4 GiB, clear of the fixture's layout */
#define SENTINEL_SLOT 0xA5A5A5A5U

/* ---- per-revision cases ------------------------------------------------- */

#define T FX_T
#define T_ALL FX_T_ALL
#define T_WB(fn) T(fn, 13), T(fn, 14), T(fn, 15)
#define setup fx_case_setup

/* ---- helpers ------------------------------------------------------------ */

static unsigned long populate_req(enum cca_abi_rev rev)
{
	return rev == CCA_ABI_V12 ? REQ_POPULATE_V12 : REQ_POPULATE_V13;
}

static bool writes_back(enum cca_abi_rev rev)
{
	return rev != CCA_ABI_V12;
}

/* Argument storage of one expected POPULATE call. */
struct pcall {
	struct kvm_arm_rmi_populate in, out;
};

/*
 * One POPULATE call that is asked for [base, base + size) from src and makes
 * @done bytes of progress, then returns @err (0 or -errno), in the
 * revision's convention: v12 returns the count, v13+ rewrites the struct.
 */
static struct mock_ioctl pop_step(enum cca_abi_rev rev, struct pcall *pc, uint64_t base,
				  uint64_t size, uint64_t src, uint32_t flags, uint64_t done,
				  int err)
{
	struct mock_ioctl m;

	memset(pc, 0, sizeof(*pc));
	pc->in.base = base;
	pc->in.size = size;
	pc->in.source_uaddr = src;
	pc->in.flags = flags;
	pc->out = pc->in;
	pc->out.base += done;
	pc->out.size -= done;
	pc->out.source_uaddr += done;

	memset(&m, 0, sizeof(m));
	m.fd = MOCK_VM_FD;
	m.req = populate_req(rev);
	m.in = &pc->in;
	m.in_len = sizeof(pc->in);
	if (!writes_back(rev)) {
		m.ret = err ? err : (int)done;
	} else {
		m.ret = err;
		m.out = &pc->out;
		m.out_len = sizeof(pc->out);
	}
	return m;
}

/* Back to the strict mock with no expected call. */
static void strict(void)
{
	mock_sys_set_handler(NULL, NULL);
	mock_sys_expect(NULL, 0);
}

/* Answer every call with @fn (for checks the byte-comparing mock cannot make). */
static void use_handler(mock_handler_fn *fn, void *ctx)
{
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(fn, ctx);
}

/* Add a region through the permissive fake kernel, then go strict again. */
static unsigned int add_region_lenient(struct fx *f, uint64_t gpa, uint64_t len, uint64_t uaddr,
				       uint32_t flags)
{
	struct cca_mem_region_params p;
	unsigned int slot = SENTINEL_SLOT;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	p.gpa = gpa;
	p.len = len;
	p.shared_uaddr = uaddr;
	fx_handler_mode(f);
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
	strict();
	return slot;
}

/* The first KVM_RUN (interrupted by a signal): the realm becomes ACTIVE. */
static void run_first(struct fx *f)
{
	struct cca_exit e;

	fx_handler_mode(f);
	f->run_ret = -EINTR;
	assert_int_equal(cca_rec_run(f->rec[0], &e), 0);
	assert_int_equal(e.kind, CCA_EXIT_INTR);
	strict();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_ACTIVE);
}

/* A successful populate of [ipa, +len) with one kernel call. */
static void populate_ok(struct fx *f, uint64_t ipa, uint64_t len)
{
	struct pcall pc;
	struct mock_ioctl c = pop_step(f->rev, &pc, ipa, len, TEST_SRC, 0, len, 0);

	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_populate(f->realm, ipa, SRC, len, 0), 0);
	mock_sys_done();
}

/* ---- populate: progress conventions --------------------------------------- */

static void populate_whole(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[2];
	struct mock_ioctl c[2];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 2 * MiB, TEST_SRC, 1, 2 * MiB, 0);
	mock_sys_expect(c, 1);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_CONFIGURING);
	assert_int_equal(
		cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 2 * MiB, CCA_POPULATE_MEASURE), 0);
	mock_sys_done();
	/* The first populate created the realm descriptor. */
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);

	/* Later populates stay in DESCRIPTOR. */
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 4 * MiB, 12 * KiB, TEST_SRC + 8 * MiB, 0,
			12 * KiB, 0);
	mock_sys_expect(&c[1], 1);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 4 * MiB,
					  (const void *)(uintptr_t)(TEST_SRC + 8 * MiB), 12 * KiB,
					  0),
			 0);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
}

/* Style guide §8: partial progress, EINTR, completion. */
static void populate_partial_eintr(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[3];
	struct mock_ioctl c[3];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 2 * MiB, TEST_SRC, 1, 1 * MiB, 0);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 1 * MiB, 1 * MiB, TEST_SRC + 1 * MiB, 1, 0,
			-EINTR);
	c[2] = pop_step(f->rev, &pc[2], FX_RAM_BASE + 1 * MiB, 1 * MiB, TEST_SRC + 1 * MiB, 1,
			1 * MiB, 0);
	mock_sys_expect(c, 3);
	assert_int_equal(
		cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 2 * MiB, CCA_POPULATE_MEASURE), 0);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
}

/* Several small steps of progress (v12: the kernel stops at a memslot end). */
static void populate_many_steps(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[4];
	struct mock_ioctl c[4];
	uint64_t b = FX_RAM_BASE + 64 * KiB;

	c[0] = pop_step(f->rev, &pc[0], b, 64 * KiB, TEST_SRC, 0, 4 * KiB, 0);
	c[1] = pop_step(f->rev, &pc[1], b + 4 * KiB, 60 * KiB, TEST_SRC + 4 * KiB, 0, 8 * KiB, 0);
	c[2] = pop_step(f->rev, &pc[2], b + 12 * KiB, 52 * KiB, TEST_SRC + 12 * KiB, 0, 48 * KiB,
			0);
	c[3] = pop_step(f->rev, &pc[3], b + 60 * KiB, 4 * KiB, TEST_SRC + 60 * KiB, 0, 4 * KiB, 0);
	mock_sys_expect(c, 4);
	assert_int_equal(cca_mem_populate(f->realm, b, SRC, 64 * KiB, 0), 0);
	mock_sys_done();
}

/*
 * 3 GiB in calls of at most 1 GiB (v12's count is an int: a call of 2 GiB
 * or more returns garbage), and the chunk recomputed after partial
 * progress. The region's shared view is a fake address: nothing maps 6 GiB.
 */
static void populate_chunks(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[7];
	struct mock_ioctl c[7];

	add_region_lenient(f, BIG_GPA, 6 * GiB, TEST_SHARED, 0);

	c[0] = pop_step(f->rev, &pc[0], BIG_GPA, 1 * GiB, TEST_SRC, 1, 1 * GiB, 0);
	c[1] = pop_step(f->rev, &pc[1], BIG_GPA + 1 * GiB, 1 * GiB, TEST_SRC + 1 * GiB, 1, 1 * GiB,
			0);
	c[2] = pop_step(f->rev, &pc[2], BIG_GPA + 2 * GiB, 1 * GiB, TEST_SRC + 2 * GiB, 1, 1 * GiB,
			0);
	mock_sys_expect(c, 3);
	assert_int_equal(cca_mem_populate(f->realm, BIG_GPA, SRC, 3 * GiB, CCA_POPULATE_MEASURE),
			 0);
	mock_sys_done();

	/* Half a chunk of progress: the next call asks for a whole chunk again. */
	uint64_t b = BIG_GPA + 3 * GiB, s = TEST_SRC + 3 * GiB;
	c[3] = pop_step(f->rev, &pc[3], b, 1 * GiB, s, 0, 512 * MiB, 0);
	c[4] = pop_step(f->rev, &pc[4], b + 512 * MiB, 1 * GiB, s + 512 * MiB, 0, 1 * GiB, 0);
	c[5] = pop_step(f->rev, &pc[5], b + 1536 * MiB, 1 * GiB, s + 1536 * MiB, 0, 1 * GiB, 0);
	c[6] = pop_step(f->rev, &pc[6], b + 2560 * MiB, 512 * MiB, s + 2560 * MiB, 0, 512 * MiB, 0);
	mock_sys_expect(&c[3], 4);
	assert_int_equal(cca_mem_populate(f->realm, b, (const void *)(uintptr_t)s, 3 * GiB, 0), 0);
	mock_sys_done();
}

/* Two adjacent private regions are one populatable range. */
static void populate_adjacent_regions(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[2];
	struct mock_ioctl c[2];

	add_region_lenient(f, FX_RAM_END, 1 * MiB, 0, 0);
	c[0] = pop_step(f->rev, &pc[0], FX_RAM_END - 1 * MiB, 2 * MiB, TEST_SRC, 0, 1 * MiB, 0);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_END, 1 * MiB, TEST_SRC + 1 * MiB, 0, 1 * MiB, 0);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_END - 1 * MiB, SRC, 2 * MiB, 0), 0);
	mock_sys_done();
}

/* ---- populate: failures -------------------------------------------------- */

/* v12 returns 0, v13+ writes back an unchanged struct: no progress. */
static void populate_no_progress(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[3];
	struct mock_ioctl c[3];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 64 * KiB, TEST_SRC, 0, 0, 0);
	mock_sys_expect(c, 1);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 64 * KiB, 0),
			 -CCA_E_NO_PROGRESS);
	mock_sys_done();
	/* libcca's verdict, not a kernel error: the realm is not declared dead. */
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);

	/* No progress after some progress. */
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 1 * MiB, 64 * KiB, TEST_SRC, 0, 16 * KiB, 0);
	c[2] = pop_step(f->rev, &pc[2], FX_RAM_BASE + 1 * MiB + 16 * KiB, 48 * KiB,
			TEST_SRC + 16 * KiB, 0, 0, 0);
	mock_sys_expect(&c[1], 2);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 1 * MiB, SRC, 64 * KiB, 0),
			 -CCA_E_NO_PROGRESS);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
}

/* v13+: a write-back that cannot describe real progress is -EIO. */
static void populate_writeback_inconsistent(void **state)
{
	struct fx *f = setup(state, NULL);
	const uint64_t len = 64 * KiB;
	struct {
		int64_t dbase, dsize, dsrc; /* applied to the struct the kernel got */
		uint32_t flags, reserved;
		int ret;
	} bad[] = {
		{ 0, 4096, 0, 0, 0, 0 }, /* size grew */
		{ 8192, -4096, 4096, 0, 0, 0 }, /* base ran ahead */
		{ 4096, -4096, 0, 0, 0, 0 }, /* source stood still */
		{ 4096, -4096, 8192, 0, 0, 0 }, /* source ran ahead */
		{ 2048, -2048, 2048, 0, 0, 0 }, /* not a whole granule */
		{ 0, -4096, 0, 0, 0, 0 }, /* size shrank alone */
		{ 4096, -4096, 4096, 1, 0, 0 }, /* flags rewritten */
		{ 4096, -4096, 4096, 0, 0x5A, 0 }, /* reserved rewritten */
		{ 65536, -65536, 65536, 0, 0, 1 }, /* positive return */
	};

	populate_ok(f, FX_RAM_BASE, 4 * KiB);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t ipa = FX_RAM_BASE + 1 * MiB + i * len;
		struct kvm_arm_rmi_populate in = { ipa, len, TEST_SRC, 0, 0 };
		struct kvm_arm_rmi_populate out = in;
		out.base += (uint64_t)bad[i].dbase;
		out.size += (uint64_t)bad[i].dsize;
		out.source_uaddr += (uint64_t)bad[i].dsrc;
		out.flags = bad[i].flags;
		out.reserved = bad[i].reserved;
		struct mock_ioctl c = { .fd = MOCK_VM_FD,
					.req = REQ_POPULATE_V13,
					.in = &in,
					.in_len = sizeof(in),
					.out = &out,
					.out_len = sizeof(out),
					.ret = bad[i].ret };
		mock_sys_expect(&c, 1);
		assert_int_equal(cca_mem_populate(f->realm, ipa, SRC, len, 0), -EIO);
		mock_sys_done();
		assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
	}
}

/* v12: a count above what was asked, or not a granule multiple, is -EIO. */
static void populate_v12_bad_count(void **state)
{
	struct fx *f = setup(state, NULL);
	const int bad[] = { 128 * KiB, 64 * KiB + 4 * KiB, 2048, 4 * KiB + 1 };

	populate_ok(f, FX_RAM_BASE, 4 * KiB);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t ipa = FX_RAM_BASE + 1 * MiB + i * 64 * KiB;
		struct kvm_arm_rmi_populate in = { ipa, 64 * KiB, TEST_SRC, 0, 0 };
		struct mock_ioctl c = { .fd = MOCK_VM_FD,
					.req = REQ_POPULATE_V12,
					.in = &in,
					.in_len = sizeof(in),
					.ret = bad[i] };
		mock_sys_expect(&c, 1);
		assert_int_equal(cca_mem_populate(f->realm, ipa, SRC, 64 * KiB, 0), -EIO);
		mock_sys_done();
	}
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
}

static void populate_eintr_retried(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[3];
	struct mock_ioctl c[3];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 64 * KiB, TEST_SRC, 0, 0, -EINTR);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE, 64 * KiB, TEST_SRC, 0, 0, -EINTR);
	c[2] = pop_step(f->rev, &pc[2], FX_RAM_BASE, 64 * KiB, TEST_SRC, 0, 64 * KiB, 0);
	mock_sys_expect(c, 3);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 64 * KiB, 0), 0);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
}

/* Interrupted again and again, but progressing: v13+ write back progress with EINTR. */
struct eintr_ctx {
	enum cca_abi_rev rev;
	uint64_t next_base;
	unsigned int calls;
};

static int eintr_progress_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct eintr_ctx *e = ctx;
	struct kvm_arm_rmi_populate *p = arg;

	e->calls++;
	assert_int_equal(fd, MOCK_VM_FD);
	assert_int_equal(req, populate_req(e->rev));
	assert_int_equal(p->base, e->next_base);
	if (!writes_back(e->rev)) {
		/* v12 reports EINTR only before progress: alternate. */
		if (e->calls % 2)
			return -EINTR;
		e->next_base += 4 * KiB;
		return 4 * KiB;
	}
	p->base += 4 * KiB;
	p->source_uaddr += 4 * KiB;
	p->size -= 4 * KiB;
	e->next_base = p->base;
	return p->size ? -EINTR : 0;
}

static void populate_eintr_with_progress(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	struct eintr_ctx e = { .rev = t->rev, .next_base = FX_RAM_BASE };

	/* 1024 granules, each call interrupted after one: never stuck, never given up. */
	use_handler(eintr_progress_ioctl, &e);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 4 * MiB, 0), 0);
	strict();
	assert_int_equal(e.calls, writes_back(t->rev) ? 1024 : 2048);
	assert_int_equal(e.next_base, FX_RAM_BASE + 4 * MiB);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
	mock_sys_done();
}

static int always_eintr_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	unsigned int *calls = ctx;
	(void)arg;
	(void)fd;
	(void)req;
	(*calls)++;
	return -EINTR;
}

/* EINTR without progress forever: retried, but not for ever. */
static void populate_eintr_gives_up(void **state)
{
	struct fx *f = setup(state, NULL);
	unsigned int calls = 0;

	populate_ok(f, FX_RAM_BASE, 4 * KiB);
	use_handler(always_eintr_ioctl, &calls);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 1 * MiB, SRC, 4 * KiB, 0),
			 -EINTR);
	strict();
	assert_true(calls >= 2);
	assert_true(calls <= 1000);
	mock_sys_done();
}

/* A kernel errno is passed through unchanged. */
static void populate_kernel_errno(void **state)
{
	struct fx *f = setup(state, NULL);
	const int errs[] = { -EEXIST, -EFAULT, -ENOMEM, -EINVAL, -EBUSY };
	struct pcall pc[2];
	struct mock_ioctl c[2];

	populate_ok(f, FX_RAM_BASE, 4 * KiB);
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		uint64_t ipa = FX_RAM_BASE + 1 * MiB + i * 64 * KiB;
		c[0] = pop_step(f->rev, &pc[0], ipa, 64 * KiB, TEST_SRC, 0, 0, errs[i]);
		mock_sys_expect(c, 1);
		assert_int_equal(cca_mem_populate(f->realm, ipa, SRC, 64 * KiB, 0), errs[i]);
		mock_sys_done();
		assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
	}
	/* After partial progress too. */
	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE + 2 * MiB, 64 * KiB, TEST_SRC, 0, 16 * KiB, 0);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 2 * MiB + 16 * KiB, 48 * KiB,
			TEST_SRC + 16 * KiB, 0, 0, -ENOSPC);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 2 * MiB, SRC, 64 * KiB, 0),
			 -ENOSPC);
	mock_sys_done();
	/* Still usable. */
	populate_ok(f, FX_RAM_BASE + 3 * MiB, 4 * KiB);
}

/* A kernel error in the first populate kills the realm; nothing reaches the kernel after. */
static void populate_first_failure_dead(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[2];
	struct mock_ioctl c[2];
	struct cca_mem_region_params rp;
	struct cca_exit e;
	unsigned int slot = SENTINEL_SLOT;

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 64 * KiB, TEST_SRC, 1, 0, -ENXIO);
	mock_sys_expect(c, 1);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 64 * KiB,
					  CCA_POPULATE_MEASURE),
			 -ENXIO);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DEAD);

	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 1 * MiB, SRC, 64 * KiB, 0),
			 -CCA_E_DEAD);
	memset(&rp, 0, sizeof(rp));
	rp.size = sizeof(rp);
	rp.gpa = BIG_GPA;
	rp.len = 64 * KiB;
	assert_int_equal(cca_mem_region_add(f->realm, &rp, &slot), -CCA_E_DEAD);
	assert_int_equal(slot, SENTINEL_SLOT);
	assert_int_equal(cca_rec_run(f->rec[0], &e), -CCA_E_DEAD);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DEAD);
	mock_sys_done();
}

/* Partial progress, then a kernel error, still in the first populate: dead too. */
static void populate_first_partial_failure_dead(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[2];
	struct mock_ioctl c[2];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 64 * KiB, TEST_SRC, 0, 32 * KiB, 0);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 32 * KiB, 32 * KiB, TEST_SRC + 32 * KiB, 0, 0,
			-ENOMEM);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 64 * KiB, 0), -ENOMEM);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DEAD);
}

/* CCA_POPULATE_MEASURE is the kernel's bit 0; nothing else is passed or accepted. */
static void populate_measure_flag(void **state)
{
	struct fx *f = setup(state, NULL);
	struct pcall pc[2];
	struct mock_ioctl c[2];

	c[0] = pop_step(f->rev, &pc[0], FX_RAM_BASE, 4 * KiB, TEST_SRC, 0, 4 * KiB, 0);
	c[1] = pop_step(f->rev, &pc[1], FX_RAM_BASE + 4 * KiB, 4 * KiB, TEST_SRC, 1, 4 * KiB, 0);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 4 * KiB, 0), 0);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 4 * KiB, SRC, 4 * KiB,
					  CCA_POPULATE_MEASURE),
			 0);
	mock_sys_done();

	strict();
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 8 * KiB, SRC, 4 * KiB, 1U << 1),
			 -EINVAL);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE + 8 * KiB, SRC, 4 * KiB,
					  CCA_POPULATE_MEASURE | (1U << 31)),
			 -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/*
 * Unaligned source: the kernel must see page-aligned copies (a bounce
 * buffer outside the caller's bytes) holding exactly the caller's bytes.
 */
struct bounce_ctx {
	enum cca_abi_rev rev;
	uint64_t ipa0; /* guest address of src[0] */
	const unsigned char *src; /* the caller's (unaligned) bytes */
	uint64_t len;
	uint64_t step; /* progress per call */
	uint32_t kflags; /* expected kernel flags */
	unsigned int calls;
	uint64_t base[16], size[16], uaddr[16];
};

static int bounce_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct bounce_ctx *b = ctx;
	struct kvm_arm_rmi_populate *p = arg;

	assert_int_equal(fd, MOCK_VM_FD);
	assert_int_equal(req, populate_req(b->rev));
	assert_true(b->calls < ARRAY_SIZE(b->base));
	b->base[b->calls] = p->base;
	b->size[b->calls] = p->size;
	b->uaddr[b->calls] = p->source_uaddr;
	b->calls++;
	assert_int_equal(p->flags, b->kflags);
	assert_int_equal(p->reserved, 0);
	assert_int_equal(p->source_uaddr % 4096, 0);
	assert_true(p->base >= b->ipa0 && p->base - b->ipa0 + p->size <= b->len);
	uintptr_t s = (uintptr_t)p->source_uaddr;
	uintptr_t c0 = (uintptr_t)b->src, c1 = c0 + b->len;
	assert_true(s + p->size <= c0 || s >= c1); /* not inside the caller's buffer */
	uint64_t off = p->base - b->ipa0;
	const unsigned char *got = (const unsigned char *)s;
	for (uint64_t i = 0; i < p->size; i++)
		if (got[i] != b->src[off + i])
			fail_msg("call %u: byte %llu of the source is 0x%02x, expected 0x%02x",
				 b->calls - 1, (unsigned long long)i, got[i], b->src[off + i]);
	uint64_t n = p->size < b->step ? p->size : b->step;
	if (!writes_back(b->rev))
		return (int)n;
	p->base += n;
	p->source_uaddr += n;
	p->size -= n;
	return 0;
}

static void populate_unaligned_source(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	const uint64_t len = 3 * MiB; /* more than one bounce buffer */
	unsigned char *buf;

	assert_int_equal(posix_memalign((void **)&buf, 4096, len + 4096), 0);
	for (uint64_t i = 0; i < len + 4096; i++)
		buf[i] = (unsigned char)(i ^ (i >> 8) ^ (i >> 16) ^ 0x5A);

	/* Whole calls. */
	struct bounce_ctx b = { .rev = t->rev,
				.ipa0 = FX_RAM_BASE,
				.src = buf + 1,
				.len = len,
				.step = len,
				.kflags = 1 };
	use_handler(bounce_ioctl, &b);
	int ret = cca_mem_populate(f->realm, FX_RAM_BASE, buf + 1, len, CCA_POPULATE_MEASURE);
	strict();
	assert_int_equal(ret, 0);
	assert_int_equal(b.calls, 2);
	assert_int_equal(b.base[0], FX_RAM_BASE);
	assert_int_equal(b.base[1], FX_RAM_BASE + 2 * MiB);
	assert_int_equal(b.size[0] + b.size[1], len);
	assert_int_equal(b.size[1], 1 * MiB);

	/* Partial progress inside a bounce buffer: the copy follows the kernel. */
	struct bounce_ctx p = { .rev = t->rev,
				.ipa0 = FX_RAM_BASE + 4 * MiB,
				.src = buf + 4095,
				.len = len,
				.step = 512 * KiB,
				.kflags = 0 };
	use_handler(bounce_ioctl, &p);
	ret = cca_mem_populate(f->realm, FX_RAM_BASE + 4 * MiB, buf + 4095, len, 0);
	strict();
	assert_int_equal(ret, 0);
	assert_int_equal(p.calls, 6);
	for (unsigned int i = 1; i < p.calls; i++) {
		assert_int_equal(p.base[i], p.base[i - 1] + 512 * KiB);
		if (i != 4) /* call 4 starts the second bounce buffer's worth */
			assert_int_equal(p.uaddr[i], p.uaddr[i - 1] + 512 * KiB);
	}
	free(buf);
	mock_sys_done();
}

/* ---- populate: refusals without a kernel call ------------------------------ */

static void populate_refusals(void **state)
{
	struct fx *f = setup(state, NULL);
	struct {
		uint64_t ipa, len;
		const void *src;
		int err;
	} bad[] = {
		{ FX_RAM_BASE + 0x800, 4 * KiB, SRC, -EINVAL },
		{ FX_RAM_BASE + 4 * KiB - 1, 4 * KiB, SRC, -EINVAL },
		{ FX_RAM_BASE, 0x1800, SRC, -EINVAL },
		{ FX_RAM_BASE, 1, SRC, -EINVAL },
		{ FX_RAM_BASE, 0, SRC, -EINVAL },
		{ FX_RAM_BASE, 4 * KiB, NULL, -EINVAL },
		/* base + len wraps (to exactly 0, and beyond) */
		{ FX_RAM_BASE, 0 - FX_RAM_BASE, SRC, -EINVAL },
		{ FX_RAM_BASE, ~0xfffULL, SRC, -EINVAL },
		/* the upper (shared) half */
		{ IPA_HALF, 4 * KiB, SRC, -ERANGE },
		{ IPA_HALF | FX_RAM_BASE, 4 * KiB, SRC, -ERANGE },
		{ IPA_HALF - 4 * KiB, 8 * KiB, SRC, -ERANGE },
		{ 0xffffffffffffe000ULL, 4 * KiB, SRC, -ERANGE },
		/* outside any region */
		{ FX_RAM_END + 1 * MiB, 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_BASE - 4 * KiB, 8 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_BASE, FX_RAM_SIZE + 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ FX_DIST, 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ 0, 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		/* a shared-only region is not private RAM */
		{ BIG_GPA, 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_END, 4 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_END - 4 * KiB, 8 * KiB, SRC, -CCA_E_NOT_REALM_MEMORY },
	};

	add_region_lenient(f, BIG_GPA, 1 * MiB, 0, CCA_MEM_F_SHARED_ONLY);
	add_region_lenient(f, FX_RAM_END, 1 * MiB, 0, CCA_MEM_F_SHARED_ONLY);
	size_t before = mock_sys_ioctl_count();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = cca_mem_populate(f->realm, bad[i].ipa, bad[i].src, bad[i].len, 0);
		if (ret != bad[i].err)
			fail_msg("case %zu: %d (%s), expected %d (%s)", i, ret, cca_error_name(ret),
				 bad[i].err, cca_error_name(bad[i].err));
	}
	assert_int_equal(cca_mem_populate(NULL, FX_RAM_BASE, SRC, 4 * KiB, 0), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_CONFIGURING);
	mock_sys_done();
}

/* Populating before every declared vCPU exists would freeze a realm without them. */
static void populate_before_vcpus(void **state)
{
	struct fx_case *t = *state;
	struct fx_opts o = { .nr_recs = 3, .make_recs = 2 };
	struct fx *f = setup(state, &o);

	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 4 * KiB, 0),
			 -CCA_E_VCPUS_NOT_CONFIGURED);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_CONFIGURING);
	mock_sys_done();
	fx_teardown(f);

	o.make_recs = -1u;
	fx_setup(f, t->rev, &o);
	before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 4 * KiB, 0),
			 -CCA_E_VCPUS_NOT_CONFIGURED);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_CONFIGURING);
	mock_sys_done();
}

static void populate_after_run(void **state)
{
	struct fx *f = setup(state, NULL);

	run_first(f);
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE, SRC, 4 * KiB, 0),
			 -CCA_E_AFTER_RUN);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_ACTIVE);
	mock_sys_done();
}

/* ---- region_add -------------------------------------------------------- */

static int mem_attr_cap(enum cca_abi_rev rev)
{
	return rev == CCA_ABI_V15 ? CAP_GMEM_ATTRIBUTES_V15 : CAP_MEMORY_ATTRIBUTES;
}

static bool has_vm_attributes(enum cca_abi_rev rev)
{
	return rev != CCA_ABI_V15;
}

static struct cca_mem_region_params region(uint64_t gpa, uint64_t len, uint64_t uaddr,
					   uint32_t flags)
{
	struct cca_mem_region_params p;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	p.gpa = gpa;
	p.len = len;
	p.shared_uaddr = uaddr;
	return p;
}

static struct kvm_userspace_memory_region2 slot_bytes(uint32_t slot, uint32_t flags, uint64_t gpa,
						      uint64_t size, uint64_t uaddr, uint32_t gfd)
{
	struct kvm_userspace_memory_region2 m;

	memset(&m, 0, sizeof(m));
	m.slot = slot;
	m.flags = flags;
	m.guest_phys_addr = gpa;
	m.memory_size = size;
	m.userspace_addr = uaddr;
	m.guest_memfd_offset = 0;
	m.guest_memfd = gfd;
	return m;
}

/* Storage and calls of one private region_add. */
struct radd {
	struct kvm_create_guest_memfd g;
	struct kvm_userspace_memory_region2 m, del;
	struct kvm_memory_attributes a;
	struct mock_ioctl c[5];
	size_t n;
};

/* The full success sequence of a private region at slot @slot, backed by fd @gfd. */
static void radd_build(struct radd *r, enum cca_abi_rev rev, uint64_t gpa, uint64_t len,
		       uint64_t uaddr, unsigned int slot, int gfd)
{
	memset(r, 0, sizeof(*r));
	r->g.size = len;
	r->m = slot_bytes(slot, MEM_GUEST_MEMFD, gpa, len, uaddr, (uint32_t)gfd);
	r->del = slot_bytes(slot, MEM_GUEST_MEMFD, gpa, 0, uaddr, (uint32_t)gfd);
	r->a.address = gpa;
	r->a.size = len;
	r->a.attributes = ATTR_PRIVATE;
	r->c[0] = (struct mock_ioctl){ .fd = MOCK_VM_FD,
				       .req = REQ_CHECK_EXTENSION,
				       .arg = (uint64_t)mem_attr_cap(rev),
				       .flags = MOCK_ARG_INT,
				       .ret = (int)ATTR_PRIVATE };
	r->c[1] = (struct mock_ioctl){ .fd = MOCK_VM_FD,
				       .req = REQ_CREATE_GUEST_MEMFD,
				       .in = &r->g,
				       .in_len = sizeof(r->g),
				       .ret = gfd,
				       .flags = MOCK_NEW_FD };
	r->c[2] = (struct mock_ioctl){ .fd = MOCK_VM_FD,
				       .req = REQ_SET_USER_MEMORY_REGION2,
				       .in = &r->m,
				       .in_len = sizeof(r->m) };
	r->c[3] = (struct mock_ioctl){ .fd = MOCK_VM_FD,
				       .req = REQ_SET_MEMORY_ATTRIBUTES,
				       .in = &r->a,
				       .in_len = sizeof(r->a) };
	r->n = has_vm_attributes(rev) ? 4 : 3;
	/* The shared view is the library's own mapping: its address is unknown here. */
	if (!uaddr) {
		r->c[2].in_len = offsetof(struct kvm_userspace_memory_region2, userspace_addr);
		r->c[2].flags = MOCK_IN_PREFIX;
	}
}

static void region_add_sequence(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	const uint64_t len = 2 * MiB;
	struct cca_mem_region_params p = region(BIG_GPA, len, TEST_SHARED, 0);
	struct radd r;
	unsigned int slot = SENTINEL_SLOT;

	radd_build(&r, t->rev, BIG_GPA, len, TEST_SHARED, 1, MOCK_GMEM_FD(5));
	mock_sys_expect(r.c, r.n);
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
	mock_sys_done();
	assert_int_equal(slot, 1);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, BIG_GPA, len),
			 (void *)(uintptr_t)TEST_SHARED);

	/* The next region, adjacent, gets the next slot; a NULL slot pointer is fine. */
	p = region(BIG_GPA + len, 64 * KiB, TEST_SHARED + len, 0);
	radd_build(&r, t->rev, BIG_GPA + len, 64 * KiB, TEST_SHARED + len, 2, MOCK_GMEM_FD(6));
	mock_sys_expect(r.c, r.n);
	assert_int_equal(cca_mem_region_add(f->realm, &p, NULL), 0);
	mock_sys_done();
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, BIG_GPA + len + 4 * KiB, 4 * KiB),
			 (void *)(uintptr_t)(TEST_SHARED + len + 4 * KiB));

	/* A region below the others: slots follow call order, not addresses. */
	p = region(0x40000000ULL, 64 * KiB, TEST_SHARED + 8 * MiB, 0);
	radd_build(&r, t->rev, 0x40000000ULL, 64 * KiB, TEST_SHARED + 8 * MiB, 3, MOCK_GMEM_FD(7));
	mock_sys_expect(r.c, r.n);
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
	mock_sys_done();
	assert_int_equal(slot, 3);

	/* Both are private RAM now: populate goes through across them. */
	struct pcall pc;
	struct mock_ioctl c =
		pop_step(t->rev, &pc, BIG_GPA + len - 4 * KiB, 8 * KiB, TEST_SRC, 0, 8 * KiB, 0);
	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_populate(f->realm, BIG_GPA + len - 4 * KiB, SRC, 8 * KiB, 0), 0);
	mock_sys_done();
}

/* With shared_uaddr 0 the library maps the shared view and the kernel gets that mapping. */
struct rec_slot_ctx {
	struct fx *f;
	unsigned int n;
	struct kvm_userspace_memory_region2 m[4];
};

static int record_slot_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct rec_slot_ctx *r = ctx;
	if (req == REQ_SET_USER_MEMORY_REGION2) {
		assert_true(r->n < ARRAY_SIZE(r->m));
		memcpy(&r->m[r->n++], arg, sizeof(r->m[0]));
	}
	return fx_fake_ioctl(r->f, fd, req, arg);
}

static void region_add_library_mapping(void **state)
{
	struct fx *f = setup(state, NULL);
	struct rec_slot_ctx r = { .f = f };
	struct cca_mem_region_params p = region(BIG_GPA, 1 * MiB, 0, 0);
	struct cca_mem_region_params s =
		region(BIG_GPA + 1 * MiB, 64 * KiB, 0, CCA_MEM_F_SHARED_ONLY);

	use_handler(record_slot_ioctl, &r);
	assert_int_equal(cca_mem_region_add(f->realm, &p, NULL), 0);
	assert_int_equal(cca_mem_region_add(f->realm, &s, NULL), 0);
	strict();
	assert_int_equal(r.n, 2);
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t gpa = i ? s.gpa : p.gpa;
		void *view = cca_mem_shared_ptr(f->realm, gpa, 4 * KiB);
		assert_non_null(view);
		assert_int_equal((uintptr_t)view % 4096, 0);
		assert_int_equal(r.m[i].userspace_addr, (uint64_t)(uintptr_t)view);
		assert_int_equal(r.m[i].slot, i + 1);
	}
	/* The mapping is real, writable memory (the mock's) that teardown must unmap. */
	memset(cca_mem_shared_ptr(f->realm, p.gpa, p.len), 0xC3, p.len);
	mock_sys_done();
}

/* Shared-only: no capability, no guest_memfd, no attributes. */
static void region_add_shared_only(void **state)
{
	struct fx *f = setup(state, NULL);
	struct cca_mem_region_params p =
		region(BIG_GPA, 1 * MiB, TEST_SHARED, CCA_MEM_F_SHARED_ONLY);
	struct kvm_userspace_memory_region2 m = slot_bytes(1, 0, BIG_GPA, 1 * MiB, TEST_SHARED, 0);
	struct mock_ioctl c = {
		.fd = MOCK_VM_FD, .req = REQ_SET_USER_MEMORY_REGION2, .in = &m, .in_len = sizeof(m)
	};
	unsigned int slot = SENTINEL_SLOT;

	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
	mock_sys_done();
	assert_int_equal(slot, 1);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, BIG_GPA + 8 * KiB, 8 * KiB),
			 (void *)(uintptr_t)(TEST_SHARED + 8 * KiB));

	/* Failure: nothing kept, the slot is reused. */
	struct cca_mem_region_params q =
		region(BIG_GPA + 2 * MiB, 64 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
	struct kvm_userspace_memory_region2 mq =
		slot_bytes(2, 0, BIG_GPA + 2 * MiB, 64 * KiB, 0, 0);
	struct mock_ioctl cq = { .fd = MOCK_VM_FD,
				 .req = REQ_SET_USER_MEMORY_REGION2,
				 .in = &mq,
				 .in_len = offsetof(struct kvm_userspace_memory_region2,
						    userspace_addr),
				 .flags = MOCK_IN_PREFIX,
				 .ret = -EINVAL };
	slot = SENTINEL_SLOT;
	mock_sys_expect(&cq, 1);
	assert_int_equal(cca_mem_region_add(f->realm, &q, &slot), -EINVAL);
	mock_sys_done();
	assert_int_equal(slot, SENTINEL_SLOT);
	assert_null(cca_mem_shared_ptr(f->realm, q.gpa, 4 * KiB));
	cq.ret = 0;
	mock_sys_expect(&cq, 1);
	assert_int_equal(cca_mem_region_add(f->realm, &q, &slot), 0);
	mock_sys_done();
	assert_int_equal(slot, 2);
}

/* Every failure point: the error comes back, nothing is kept, nothing leaks, no slot is used. */
static void region_add_failures(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = &t->f;
	enum {
		CAP_ERR,
		CAP_NO_PRIVATE,
		CAP_ZERO,
		MMAP,
		GMEM,
		SLOT,
		ATTR,
		NCASES
	};
	static const int want[NCASES] = { -ENXIO,  -EOPNOTSUPP, -EOPNOTSUPP, -ENOMEM,
					  -EMFILE, -EEXIST,	-EFAULT };
	const uint64_t gpa = BIG_GPA, len = 2 * MiB;

	for (int k = 0; k < NCASES; k++) {
		struct radd r;
		struct mock_ioctl c[5];
		size_t n = 0;
		unsigned int slot = SENTINEL_SLOT;
		struct cca_mem_region_params p = region(gpa, len, 0, 0);

		if (k == ATTR && !has_vm_attributes(t->rev))
			continue;
		fx_setup(f, t->rev, NULL);
		radd_build(&r, t->rev, gpa, len, 0, 1, MOCK_GMEM_FD(5));
		c[n] = r.c[0];
		if (k == CAP_ERR)
			c[n].ret = -ENXIO;
		if (k == CAP_NO_PRIVATE)
			c[n].ret = (int)(~ATTR_PRIVATE & 0xff);
		if (k == CAP_ZERO)
			c[n].ret = 0;
		n++;
		if (k == MMAP)
			mock_sys_fail_mmap(ENOMEM, 1);
		if (k >= GMEM) {
			c[n] = r.c[1];
			if (k == GMEM)
				c[n].ret = -EMFILE;
			n++;
		}
		if (k >= SLOT) {
			c[n] = r.c[2];
			if (k == SLOT)
				c[n].ret = -EEXIST;
			n++;
		}
		if (k == ATTR) {
			c[n] = r.c[3];
			c[n++].ret = -EFAULT;
			/* The memslot is deleted again (size 0). */
			c[n] = r.c[2];
			c[n].in = &r.del;
			n++;
		}
		mock_sys_expect(c, n);
		int ret = cca_mem_region_add(f->realm, &p, &slot);
		if (ret != want[k])
			fail_msg("case %d: %d (%s), expected %d", k, ret, cca_error_name(ret),
				 want[k]);
		mock_sys_done();
		assert_int_equal(slot, SENTINEL_SLOT);
		assert_null(cca_mem_shared_ptr(f->realm, gpa, 4 * KiB));

		/* Nothing was kept: the same region succeeds with the same slot. */
		radd_build(&r, t->rev, gpa, len, 0, 1, MOCK_GMEM_FD(6));
		mock_sys_expect(r.c, r.n);
		assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
		mock_sys_done();
		assert_int_equal(slot, 1);
		fx_teardown(f); /* fails on a leaked or doubly closed fd or mapping */
	}
}

static void region_add_validation(void **state)
{
	struct fx *f = setup(state, NULL);
	const uint64_t rlen = 2 * 0x20000; /* two redistributor frames */
	struct cca_mem_region_params bad[32];
	size_t n = 0;

	bad[n++] = region(BIG_GPA, 0, 0, 0);
	bad[n++] = region(BIG_GPA + 0x800, 4 * KiB, 0, 0);
	bad[n++] = region(BIG_GPA, 4 * KiB + 1, 0, 0);
	bad[n++] = region(BIG_GPA, 6 * KiB, 0, 0);
	bad[n++] = region(BIG_GPA, 4 * KiB, TEST_SHARED + 8, 0);
	/* overlap with the fixture's RAM: equal, head, tail, inside, around */
	bad[n++] = region(FX_RAM_BASE, FX_RAM_SIZE, 0, 0);
	bad[n++] = region(FX_RAM_BASE - 4 * KiB, 8 * KiB, 0, 0);
	bad[n++] = region(FX_RAM_END - 4 * KiB, 8 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
	bad[n++] = region(FX_RAM_BASE + 1 * MiB, 4 * KiB, 0, 0);
	bad[n++] = region(FX_RAM_BASE - 1 * MiB, FX_RAM_SIZE + 2 * MiB, 0, 0);
	/* upper half */
	bad[n++] = region(IPA_HALF, 4 * KiB, 0, 0);
	bad[n++] = region(IPA_HALF | BIG_GPA, 4 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
	bad[n++] = region(IPA_HALF - 4 * KiB, 8 * KiB, 0, 0);
	bad[n++] = region(BIG_GPA, IPA_HALF, 0, 0);
	bad[n++] = region(0xfffffffffffff000ULL, 4 * KiB, 0, 0);
	/* the GIC */
	bad[n++] = region(FX_DIST, 4 * KiB, 0, 0);
	bad[n++] = region(FX_DIST - 4 * KiB, 8 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
	bad[n++] = region(FX_REDIST + rlen - 4 * KiB, 64 * KiB, 0, 0);
	bad[n++] = region(FX_REDIST - 64 * KiB, 128 * KiB, 0, 0);
	/* struct rules */
	bad[n] = region(BIG_GPA, 4 * KiB, 0, 0);
	bad[n++].size = sizeof(struct cca_mem_region_params) - 8;
	bad[n] = region(BIG_GPA, 4 * KiB, 0, 0);
	bad[n++].flags = 1U << 1;
	bad[n] = region(BIG_GPA, 4 * KiB, 0, 0);
	bad[n++].reserved[3] = 1;
	bad[n] = region(BIG_GPA, 4 * KiB, 0, 0);
	bad[n++].reserved[0] = 0x100000000ULL;

	size_t before = mock_sys_ioctl_count();
	for (size_t i = 0; i < n; i++) {
		unsigned int slot = SENTINEL_SLOT;
		int ret = cca_mem_region_add(f->realm, &bad[i], &slot);
		if (ret != -EINVAL)
			fail_msg("case %zu: %d (%s), expected -EINVAL", i, ret,
				 cca_error_name(ret));
		assert_int_equal(slot, SENTINEL_SLOT);
	}
	assert_int_equal(cca_mem_region_add(NULL, &bad[0], NULL), -EINVAL);
	assert_int_equal(cca_mem_region_add(f->realm, NULL, NULL), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();

	/* Just clear of the GIC and the RAM is fine. */
	add_region_lenient(f, FX_REDIST + rlen, 64 * KiB, 0, 0);
	add_region_lenient(f, FX_RAM_END, 64 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
	add_region_lenient(f, IPA_HALF - 64 * KiB, 64 * KiB, 0, CCA_MEM_F_SHARED_ONLY);
}

static void region_add_too_many(void **state)
{
	struct fx *f = setup(state, NULL);

	/* The fixture's region is slot 0: 31 more fill the table. */
	for (unsigned int i = 1; i < CCA_MAX_REGIONS; i++) {
		uint32_t fl = (i % 3) ? 0 : CCA_MEM_F_SHARED_ONLY;
		uint64_t off = (uint64_t)i * 64 * KiB;
		assert_int_equal(
			add_region_lenient(f, BIG_GPA + off, 64 * KiB, TEST_SHARED + off, fl), i);
	}
	size_t before = mock_sys_ioctl_count();
	struct cca_mem_region_params p = region(BIG_GPA + 64 * MiB, 64 * KiB, 0, 0);
	unsigned int slot = SENTINEL_SLOT;
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), -ENOSPC);
	p.flags = CCA_MEM_F_SHARED_ONLY;
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), -ENOSPC);
	assert_int_equal(slot, SENTINEL_SLOT);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/* A guest_memfd slot after activation would stay RIPAS EMPTY: refused. Shared windows are not. */
static void region_add_after_run(void **state)
{
	struct fx *f = setup(state, NULL);
	struct cca_mem_region_params p = region(BIG_GPA, 64 * KiB, TEST_SHARED, 0);
	unsigned int slot = SENTINEL_SLOT;

	run_first(f);
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), -CCA_E_AFTER_RUN);
	assert_int_equal(slot, SENTINEL_SLOT);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();

	p.flags = CCA_MEM_F_SHARED_ONLY;
	struct kvm_userspace_memory_region2 m = slot_bytes(1, 0, BIG_GPA, 64 * KiB, TEST_SHARED, 0);
	struct mock_ioctl c = {
		.fd = MOCK_VM_FD, .req = REQ_SET_USER_MEMORY_REGION2, .in = &m, .in_len = sizeof(m)
	};
	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_region_add(f->realm, &p, &slot), 0);
	mock_sys_done();
	assert_int_equal(slot, 1);
}

/* ---- set_private / accept_ripas_change ----------------------------------- */

static struct mock_ioctl attr_call(struct kvm_memory_attributes *a, uint64_t gpa, uint64_t len,
				   bool private, int ret)
{
	memset(a, 0, sizeof(*a));
	a->address = gpa;
	a->size = len;
	a->attributes = private ? ATTR_PRIVATE : 0;
	return (struct mock_ioctl){ .fd = MOCK_VM_FD,
				    .req = REQ_SET_MEMORY_ATTRIBUTES,
				    .in = a,
				    .in_len = sizeof(*a),
				    .ret = ret };
}

static struct mock_ioctl punch_call(struct mock_range *r, int gfd, uint64_t off, uint64_t len,
				    int ret)
{
	*r = (struct mock_range){ PUNCH_HOLE_KEEP_SIZE, off, len };
	return (struct mock_ioctl){
		.fd = gfd, .req = MOCK_REQ_FALLOCATE, .in = r, .in_len = sizeof(*r), .ret = ret
	};
}

static struct mock_ioctl dontneed_call(struct mock_range *r, const void *addr, uint64_t len,
				       int ret)
{
	*r = (struct mock_range){ ADV_DONTNEED, (uint64_t)(uintptr_t)addr, len };
	return (struct mock_ioctl){
		.fd = -1, .req = MOCK_REQ_MADVISE, .in = r, .in_len = sizeof(*r), .ret = ret
	};
}

static struct cca_exit ripas_exit(uint64_t base, uint64_t size, uint32_t ripas)
{
	struct cca_exit e;

	memset(&e, 0, sizeof(e));
	e.kind = CCA_EXIT_RIPAS_CHANGE;
	e.raw_reason = KVM_EXIT_MEMORY_FAULT;
	e.ripas.base = base;
	e.ripas.size = size;
	e.ripas.ripas = ripas;
	return e;
}

static void set_private_bytes(void **state)
{
	struct fx *f = setup(state, NULL);
	struct kvm_memory_attributes a[4];
	struct mock_ioctl c[4];

	c[0] = attr_call(&a[0], FX_RAM_BASE + 1 * MiB, 2 * MiB, false, 0);
	c[1] = attr_call(&a[1], FX_RAM_BASE + 1 * MiB, 2 * MiB, true, 0);
	c[2] = attr_call(&a[2], FX_RAM_BASE, 4 * KiB, true, 0);
	c[3] = attr_call(&a[3], FX_RAM_END - 4 * KiB, 4 * KiB, false, -EFAULT);
	mock_sys_expect(c, 4);
	assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_BASE + 1 * MiB, 2 * MiB, 0), 0);
	assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_BASE + 1 * MiB, 2 * MiB, 1), 0);
	assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_BASE, 4 * KiB, 0x40), 0);
	assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_END - 4 * KiB, 4 * KiB, 0), -EFAULT);
	mock_sys_done();
}

/* Across two adjacent private regions: one attribute call over the whole range. */
static void set_private_adjacent(void **state)
{
	struct fx *f = setup(state, NULL);
	struct kvm_memory_attributes a;
	struct mock_ioctl c;

	add_region_lenient(f, FX_RAM_END, 1 * MiB, 0, 0);
	c = attr_call(&a, FX_RAM_END - 64 * KiB, 128 * KiB, false, 0);
	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_END - 64 * KiB, 128 * KiB, 0), 0);
	mock_sys_done();
}

/* Refusals before any kernel call, on every revision (v15 refuses valid ranges too). */
static void set_private_refusals(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	struct {
		uint64_t gpa, len;
		int err;
	} bad[] = {
		{ FX_RAM_BASE, 0, -EINVAL },
		{ FX_RAM_BASE + 0x800, 4 * KiB, -EINVAL },
		{ FX_RAM_BASE, 0x1800, -EINVAL },
		{ FX_RAM_BASE, 0 - FX_RAM_BASE, -EINVAL },
		{ IPA_HALF | FX_RAM_BASE, 4 * KiB, -CCA_E_NOT_REALM_MEMORY },
		{ IPA_HALF - 4 * KiB, 8 * KiB, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_END, 4 * KiB, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_END - 4 * KiB, 8 * KiB, -CCA_E_NOT_REALM_MEMORY },
		{ FX_RAM_BASE - 4 * KiB, 8 * KiB, -CCA_E_NOT_REALM_MEMORY },
		{ BIG_GPA, 4 * KiB, -CCA_E_NOT_REALM_MEMORY }, /* shared-only */
		{ FX_DIST, 4 * KiB, -CCA_E_NOT_REALM_MEMORY },
	};

	add_region_lenient(f, BIG_GPA, 1 * MiB, 0, CCA_MEM_F_SHARED_ONLY);
	size_t before = mock_sys_ioctl_count();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		for (int private = 0; private < 2; private ++) {
			int ret = cca_mem_set_private(f->realm, bad[i].gpa, bad[i].len, private);
			if (ret != bad[i].err)
				fail_msg("case %zu: %d (%s), expected %d", i, ret,
					 cca_error_name(ret), bad[i].err);
			struct cca_exit e = ripas_exit(bad[i].gpa, bad[i].len,
						       private ? CCA_RIPAS_RAM : CCA_RIPAS_EMPTY);
			ret = cca_mem_accept_ripas_change(f->realm, &e);
			if (ret != bad[i].err)
				fail_msg("accept case %zu: %d (%s), expected %d", i, ret,
					 cca_error_name(ret), bad[i].err);
		}
	}
	assert_int_equal(cca_mem_set_private(NULL, FX_RAM_BASE, 4 * KiB, 1), -EINVAL);
	int v15 = t->rev == CCA_ABI_V15 ? -EOPNOTSUPP : 0;
	if (v15) {
		assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_BASE, 4 * KiB, 0), v15);
		assert_int_equal(cca_mem_set_private(f->realm, FX_RAM_BASE, 4 * KiB, 1), v15);
	}
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
	if (v15) {
		/* v15 accepts by re-entry alone: no attribute call, only the stale backing. */
		struct cca_exit e = ripas_exit(FX_RAM_BASE, 4 * KiB, CCA_RIPAS_EMPTY);
		const struct mock_range punch = { 3, 0, 4 * KiB };
		const struct mock_ioctl calls[] = {
			{ MOCK_GMEM_FD(0), MOCK_REQ_FALLOCATE, &punch, sizeof(punch), NULL, 0, 0, 0, 0 },
		};
		mock_sys_expect(calls, ARRAY_SIZE(calls));
		assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
		mock_sys_done();
	}
}

static void accept_going_shared(void **state)
{
	struct fx *f = setup(state, NULL);
	struct cca_exit e = ripas_exit(FX_RAM_BASE + 4 * MiB, 1 * MiB, CCA_RIPAS_EMPTY);
	struct kvm_memory_attributes a;
	struct mock_range r;
	struct mock_ioctl c[2];

	c[0] = attr_call(&a, FX_RAM_BASE + 4 * MiB, 1 * MiB, false, 0);
	c[1] = punch_call(&r, MOCK_GMEM_FD(0), 4 * MiB, 1 * MiB, 0);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();
}

static void accept_going_private(void **state)
{
	struct fx *f = setup(state, NULL);
	struct cca_exit e = ripas_exit(FX_RAM_BASE + 4 * MiB, 1 * MiB, CCA_RIPAS_RAM);
	char *view = cca_mem_shared_ptr(f->realm, FX_RAM_BASE, FX_RAM_SIZE);
	struct kvm_memory_attributes a;
	struct mock_range r;
	struct mock_ioctl c[2];

	assert_non_null(view);
	c[0] = attr_call(&a, FX_RAM_BASE + 4 * MiB, 1 * MiB, true, 0);
	c[1] = dontneed_call(&r, view + 4 * MiB, 1 * MiB, 0);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();
}

/*
 * A guest range over two adjacent regions: one attribute call, then the
 * stale backing dropped region by region. @below puts the second region
 * under the fixture's one (added later, so the table is not in GPA order).
 */
static void accept_spanning(struct fx *f, bool below)
{
	uint64_t other = below ? FX_RAM_BASE - 2 * MiB : FX_RAM_END;
	uint64_t start = below ? FX_RAM_BASE - 64 * KiB : FX_RAM_END - 64 * KiB;
	struct kvm_memory_attributes a[2];
	struct mock_range r[4];
	struct mock_ioctl c[6];

	add_region_lenient(f, other, 2 * MiB, 0, 0); /* its guest_memfd is MOCK_GMEM_FD(1) */
	char *v0 = cca_mem_shared_ptr(f->realm, FX_RAM_BASE, FX_RAM_SIZE);
	char *v1 = cca_mem_shared_ptr(f->realm, other, 2 * MiB);
	assert_non_null(v0);
	assert_non_null(v1);

	/* Lower region's tail first, then the upper region's head. */
	int lo_fd = below ? MOCK_GMEM_FD(1) : MOCK_GMEM_FD(0);
	int hi_fd = below ? MOCK_GMEM_FD(0) : MOCK_GMEM_FD(1);
	uint64_t lo_off = below ? 2 * MiB - 64 * KiB : FX_RAM_SIZE - 64 * KiB;
	char *lo_view = below ? v1 : v0, *hi_view = below ? v0 : v1;

	struct cca_exit e = ripas_exit(start, 128 * KiB, CCA_RIPAS_EMPTY);
	c[0] = attr_call(&a[0], start, 128 * KiB, false, 0);
	c[1] = punch_call(&r[0], lo_fd, lo_off, 64 * KiB, 0);
	c[2] = punch_call(&r[1], hi_fd, 0, 64 * KiB, 0);
	mock_sys_expect(c, 3);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();

	e = ripas_exit(start, 128 * KiB, CCA_RIPAS_RAM);
	c[3] = attr_call(&a[1], start, 128 * KiB, true, 0);
	c[4] = dontneed_call(&r[2], lo_view + lo_off, 64 * KiB, 0);
	c[5] = dontneed_call(&r[3], hi_view, 64 * KiB, 0);
	mock_sys_expect(&c[3], 3);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();
}

static void accept_spanning_above(void **state)
{
	accept_spanning(setup(state, NULL), false);
}

static void accept_spanning_below(void **state)
{
	accept_spanning(setup(state, NULL), true);
}

struct logcap {
	unsigned int n;
	int level;
	char msg[256];
};

static void capture_log(void *ctx, int level, const char *msg)
{
	struct logcap *l = ctx;
	l->n++;
	l->level = level;
	snprintf(l->msg, sizeof(l->msg), "%s", msg);
}

/* Dropping stale backing is best effort: its failure is logged, the acceptance stands. */
static void accept_drop_failure_logged(void **state)
{
	struct fx *f = setup(state, NULL);
	struct logcap lc = { 0 };
	char *view = cca_mem_shared_ptr(f->realm, FX_RAM_BASE, FX_RAM_SIZE);
	struct kvm_memory_attributes a[2];
	struct mock_range r[2];
	struct mock_ioctl c[4];

	f->host->log_fn = capture_log;
	f->host->log_ctx = &lc;

	struct cca_exit e = ripas_exit(FX_RAM_BASE, 64 * KiB, CCA_RIPAS_EMPTY);
	c[0] = attr_call(&a[0], FX_RAM_BASE, 64 * KiB, false, 0);
	c[1] = punch_call(&r[0], MOCK_GMEM_FD(0), 0, 64 * KiB, -EIO);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();
	assert_int_equal(lc.n, 1);
	assert_int_equal(lc.level, CCA_LOG_WARN);
	assert_non_null(strstr(lc.msg, "EIO"));

	e = ripas_exit(FX_RAM_BASE, 64 * KiB, CCA_RIPAS_RAM);
	c[2] = attr_call(&a[1], FX_RAM_BASE, 64 * KiB, true, 0);
	c[3] = dontneed_call(&r[1], view, 64 * KiB, -EINVAL);
	mock_sys_expect(&c[2], 2);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), 0);
	mock_sys_done();
	assert_int_equal(lc.n, 2);
	assert_int_equal(lc.level, CCA_LOG_WARN);
}

/* The attribute change failing is the error; nothing is dropped then. */
static void accept_attribute_failure(void **state)
{
	struct fx *f = setup(state, NULL);
	struct kvm_memory_attributes a[2];
	struct mock_ioctl c[2];

	struct cca_exit e = ripas_exit(FX_RAM_BASE, 64 * KiB, CCA_RIPAS_EMPTY);
	c[0] = attr_call(&a[0], FX_RAM_BASE, 64 * KiB, false, -ENOMEM);
	c[1] = attr_call(&a[1], FX_RAM_BASE, 64 * KiB, true, -EFAULT);
	mock_sys_expect(c, 2);
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), -ENOMEM);
	e.ripas.ripas = CCA_RIPAS_RAM;
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), -EFAULT);
	mock_sys_done();
}

/* Not a RIPAS-change exit, or a RIPAS that is neither RAM nor EMPTY. */
static void accept_bad_exit(void **state)
{
	struct fx *f = setup(state, NULL);
	struct cca_exit e = ripas_exit(FX_RAM_BASE, 4 * KiB, CCA_RIPAS_RAM);

	size_t before = mock_sys_ioctl_count();
	e.kind = CCA_EXIT_MMIO;
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), -EINVAL);
	e.kind = CCA_EXIT_RIPAS_CHANGE;
	e.ripas.ripas = CCA_RIPAS_DESTROYED;
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), -EINVAL);
	e.ripas.ripas = CCA_RIPAS_DEV;
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, &e), -EINVAL);
	e.ripas.ripas = CCA_RIPAS_RAM;
	assert_int_equal(cca_mem_accept_ripas_change(f->realm, NULL), -EINVAL);
	assert_int_equal(cca_mem_accept_ripas_change(NULL, &e), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/* ---- shared_ptr ---------------------------------------------------------- */

static void shared_ptr_lookup(void **state)
{
	struct fx *f = setup(state, NULL);
	char *view = cca_mem_shared_ptr(f->realm, FX_RAM_BASE, FX_RAM_SIZE);

	add_region_lenient(f, FX_RAM_END, 1 * MiB, 0, 0);
	add_region_lenient(f, BIG_GPA, 1 * MiB, TEST_SHARED, CCA_MEM_F_SHARED_ONLY);
	size_t before = mock_sys_ioctl_count();

	assert_non_null(view);
	assert_int_equal((uintptr_t)view % 4096, 0);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, FX_RAM_BASE + 0x1234, 16), view + 0x1234);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, FX_RAM_END - 1, 1), view + FX_RAM_SIZE - 1);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, BIG_GPA + 0x10, 0x100),
			 (void *)(uintptr_t)(TEST_SHARED + 0x10));
	char *v1 = cca_mem_shared_ptr(f->realm, FX_RAM_END, 1 * MiB);
	assert_non_null(v1);
	/* An empty range is where its address is: in the region that holds it. */
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, FX_RAM_BASE + 4 * KiB, 0), view + 4 * KiB);
	assert_ptr_equal(cca_mem_shared_ptr(f->realm, FX_RAM_END, 0), v1);
	assert_null(cca_mem_shared_ptr(f->realm, FX_RAM_END + 1 * MiB, 0));
	assert_null(cca_mem_shared_ptr(f->realm, BIG_GPA + 1 * MiB, 0));
	/* Not within one region. */
	assert_null(cca_mem_shared_ptr(f->realm, FX_RAM_END - 4 * KiB, 8 * KiB));
	assert_null(cca_mem_shared_ptr(f->realm, FX_RAM_BASE - 1, 2));
	assert_null(cca_mem_shared_ptr(f->realm, FX_RAM_BASE, FX_RAM_SIZE + 1));
	assert_null(cca_mem_shared_ptr(f->realm, FX_RAM_BASE + 4 * KiB, ~0ULL));
	assert_null(cca_mem_shared_ptr(f->realm, FX_DIST, 4));
	assert_null(cca_mem_shared_ptr(f->realm, IPA_HALF | FX_RAM_BASE, 4));
	assert_null(cca_mem_shared_ptr(f->realm, BIG_GPA + 1 * MiB, 1));
	assert_null(cca_mem_shared_ptr(NULL, FX_RAM_BASE, 4));
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ALL(populate_whole),
		T_ALL(populate_partial_eintr),
		T_ALL(populate_many_steps),
		T_ALL(populate_chunks),
		T_ALL(populate_adjacent_regions),
		T_ALL(populate_no_progress),
		T_WB(populate_writeback_inconsistent),
		T(populate_v12_bad_count, 12),
		T_ALL(populate_eintr_retried),
		T_ALL(populate_eintr_with_progress),
		T_ALL(populate_eintr_gives_up),
		T_ALL(populate_kernel_errno),
		T_ALL(populate_first_failure_dead),
		T_ALL(populate_first_partial_failure_dead),
		T_ALL(populate_measure_flag),
		T_ALL(populate_unaligned_source),
		T_ALL(populate_refusals),
		T_ALL(populate_before_vcpus),
		T_ALL(populate_after_run),
		T_ALL(region_add_sequence),
		T_ALL(region_add_library_mapping),
		T_ALL(region_add_shared_only),
		T_ALL(region_add_failures),
		T_ALL(region_add_validation),
		T_ALL(region_add_too_many),
		T_ALL(region_add_after_run),
		T(set_private_bytes, 12),
		T(set_private_bytes, 13),
		T(set_private_bytes, 14),
		T(set_private_adjacent, 12),
		T(set_private_adjacent, 14),
		T_ALL(set_private_refusals),
		T(accept_going_shared, 12),
		T(accept_going_shared, 13),
		T(accept_going_shared, 14),
		T(accept_going_private, 12),
		T(accept_going_private, 13),
		T(accept_going_private, 14),
		T(accept_spanning_above, 12),
		T(accept_spanning_above, 14),
		T(accept_spanning_below, 13),
		T(accept_spanning_below, 14),
		T(accept_drop_failure_logged, 12),
		T(accept_drop_failure_logged, 14),
		T(accept_attribute_failure, 13),
		T_ALL(accept_bad_exit),
		T_ALL(shared_ptr_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
