// SPDX-License-Identifier: MIT
/*
 * Description: structs that grow at their end (lib/struct.c, README
 * "Compatibility"). First the helper, on a synthetic struct that grew from
 * 16 bytes (its first release) to 24 (the library): an old caller against
 * the new library gets zero defaults for the member it never knew; a newer
 * caller (32 bytes) is accepted with a zero tail and refused with -E2BIG
 * otherwise; outputs write min(caller's size, ours) bytes; and nothing past
 * the caller's size is read or written (its bytes end where a PROT_NONE
 * page begins). Then every entry point that takes a sized struct, against
 * the mocked seam, the simulator or nothing: below 0.1's size is -EINVAL
 * and nothing is done (no kernel call, no open, outputs untouched);
 * sizeof + 8 with a zero tail does exactly what sizeof does (the same
 * kernel calls in the same order, the same result); a nonzero byte in the
 * tail is -E2BIG and nothing is done. Output structs keep a larger
 * buffer's tail and accept exactly 0.1's size.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rmi/cca.h>

#include "fixture.h"
#include "mock-sys.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)

static void *const SENTINEL = (void *)(uintptr_t)0x5e471e1;

/* ---- the helper, on a struct that grew ---------------------------------------- */

struct grown_v0 { /* the first release: what an old caller was compiled with */
	uint32_t size;
	uint32_t a;
	uint64_t b;
};

struct grown_v1 { /* the library: one member appended */
	uint32_t size;
	uint32_t a;
	uint64_t b;
	uint64_t c;
};

struct grown_v2 { /* a caller newer than the library */
	uint32_t size;
	uint32_t a;
	uint64_t b;
	uint64_t c;
	uint64_t d;
};

#define FIRST sizeof(struct grown_v0)
#define OURS sizeof(struct grown_v1)

_Static_assert(sizeof(struct grown_v0) == 16 && sizeof(struct grown_v1) == 24 &&
		       sizeof(struct grown_v2) == 32,
	       "the synthetic struct's sizes");

/* @len bytes that end where a PROT_NONE page begins: any access past them faults. */
struct guarded {
	unsigned char *map;
	size_t page;
};

static void *guarded_alloc(struct guarded *g, size_t len)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->map =
		mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + g->page, g->page, PROT_NONE), 0);
	return g->map + g->page - len;
}

static void guarded_free(struct guarded *g)
{
	munmap(g->map, 2 * g->page);
}

static bool all_bytes(const void *p, size_t len, unsigned char v)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != v)
			return false;
	return true;
}

/* The case the promise is about: a program built against the first release. */
static void helper_old_caller_new_library(void **state)
{
	struct guarded g;
	struct grown_v0 *old = guarded_alloc(&g, sizeof(*old));
	struct grown_v1 lib;

	(void)state;
	*old = (struct grown_v0){ .size = sizeof(*old), .a = 7, .b = 0x1122334455667788ULL };
	memset(&lib, 0xAA, sizeof(lib));
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, old), 0);
	assert_int_equal(lib.size, OURS); /* the copy is a whole library struct */
	assert_int_equal(lib.a, 7);
	assert_int_equal(lib.b, 0x1122334455667788ULL);
	assert_int_equal(lib.c, 0); /* the member the old caller never knew: its default */
	guarded_free(&g);
}

static void helper_same_size(void **state)
{
	struct grown_v1 in = { .size = OURS, .a = 1, .b = 2, .c = 3 }, lib;

	(void)state;
	memset(&lib, 0xAA, sizeof(lib));
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, &in), 0);
	assert_memory_equal(&lib, &in, sizeof(in));
}

static void helper_new_caller_old_library(void **state)
{
	struct guarded g;
	struct grown_v2 *in = guarded_alloc(&g, sizeof(*in));
	struct grown_v1 lib, untouched;

	(void)state;
	/* The member this library does not know is at its default: accepted. */
	*in = (struct grown_v2){ .size = sizeof(*in), .a = 1, .b = 2, .c = 3, .d = 0 };
	memset(&lib, 0xAA, sizeof(lib));
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, in), 0);
	assert_int_equal(lib.size, OURS);
	assert_int_equal(lib.a, 1);
	assert_int_equal(lib.b, 2);
	assert_int_equal(lib.c, 3);

	/* Set: this library would ignore it, so it refuses, whichever byte it is. */
	memset(&untouched, 0xAA, sizeof(untouched));
	for (size_t i = OURS; i < sizeof(*in); i++) {
		in->d = 0;
		((unsigned char *)in)[i] = 0x01;
		lib = untouched;
		assert_int_equal(cca_struct_in(&lib, OURS, FIRST, in), -E2BIG);
		assert_memory_equal(&lib, &untouched, sizeof(lib));
	}
	guarded_free(&g);
}

/* A size past the bound is refused without reading the tail (here: a zero one). */
static void helper_too_large(void **state)
{
	static union {
		struct grown_v1 s;
		unsigned char bytes[2 * CCA_STRUCT_SIZE_MAX];
	} in;
	struct grown_v1 lib;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.s.size = CCA_STRUCT_SIZE_MAX;
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, &in), 0);
	in.s.size = CCA_STRUCT_SIZE_MAX + 1;
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, &in), -E2BIG);
	in.s.size = UINT32_MAX;
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, &in), -E2BIG);
}

static void helper_too_small(void **state)
{
	struct grown_v1 in = { .a = 1, .b = 2, .c = 3 }, lib, untouched;
	const uint32_t sizes[] = { 0, 4, FIRST - 1 };

	(void)state;
	memset(&untouched, 0xAA, sizeof(untouched));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		in.size = sizes[i];
		lib = untouched;
		assert_int_equal(cca_struct_in(&lib, OURS, FIRST, &in), -EINVAL);
		assert_memory_equal(&lib, &untouched, sizeof(lib));
	}
	assert_int_equal(cca_struct_in(&lib, OURS, FIRST, NULL), -EINVAL);
	assert_memory_equal(&lib, &untouched, sizeof(lib));
}

static void helper_out(void **state)
{
	const struct grown_v1 res = { .size = OURS, .a = 1, .b = 2, .c = 3 };
	struct guarded g;

	(void)state;
	/* An old caller's buffer: its 16 bytes, and size says 16 were written. */
	struct grown_v0 *old = guarded_alloc(&g, sizeof(*old));
	memset(old, 0xAA, sizeof(*old));
	old->size = FIRST;
	assert_int_equal(cca_struct_out_ok(old, FIRST), 0);
	cca_struct_out(old, &res, OURS);
	assert_int_equal(old->size, FIRST);
	assert_int_equal(old->a, 1);
	assert_int_equal(old->b, 2);
	guarded_free(&g);

	/* A newer caller's buffer: ours written, its tail untouched. */
	struct grown_v2 big;
	memset(&big, 0xAA, sizeof(big));
	big.size = sizeof(big);
	assert_int_equal(cca_struct_out_ok(&big, FIRST), 0);
	cca_struct_out(&big, &res, OURS);
	assert_int_equal(big.size, OURS);
	assert_int_equal(big.a, 1);
	assert_int_equal(big.b, 2);
	assert_int_equal(big.c, 3);
	assert_true(all_bytes(&big.d, sizeof(big.d), 0xAA));

	/* Below the first size, or none. */
	big.size = FIRST - 1;
	assert_int_equal(cca_struct_out_ok(&big, FIRST), -EINVAL);
	assert_int_equal(cca_struct_out_ok(NULL, FIRST), -EINVAL);

	/* A caller that gives no size: exactly the bytes asked for. */
	memset(&big, 0xAA, sizeof(big));
	cca_struct_write(&big, &res, FIRST);
	assert_int_equal(big.size, FIRST);
	assert_int_equal(big.a, 1);
	assert_int_equal(big.b, 2);
	assert_true(all_bytes(&big.c, sizeof(big) - offsetof(struct grown_v2, c), 0xAA));
}

/* 0.1's sizes, as callers built against it pass them (LP64): the table never changes them. */
static void first_sizes(void **state)
{
	(void)state;
#if UINTPTR_MAX == 0xffffffffffffffffULL
	assert_int_equal(CCA_SIZE_V0_cca_host_options, 72);
	assert_int_equal(CCA_SIZE_V0_cca_probe_result, 648);
	assert_int_equal(CCA_SIZE_V0_cca_realm_params, 160);
	assert_int_equal(CCA_SIZE_V0_cca_gic_params, 56);
	assert_int_equal(CCA_SIZE_V0_cca_rec_params, 32);
	assert_int_equal(CCA_SIZE_V0_cca_mem_region_params, 64);
	assert_int_equal(CCA_SIZE_V0_cca_launch_params, 208);
	assert_int_equal(CCA_SIZE_V0_cca_rim_realm, 64);
	assert_int_equal(CCA_SIZE_V0_cca_rim_step, 96);
	assert_int_equal(CCA_SIZE_V0_cca_sim_options, 88);
#else
	skip();
#endif
}

/* ---- entry points: the four shapes of a caller's struct ------------------------ */

enum shape {
	EXACT, /* size = sizeof (= 0.1's: no struct has grown yet) */
	SHORT, /* size = 0.1's - 1 */
	LONG_ZERO, /* size = sizeof + 8, the 8 bytes zero */
	LONG_SET, /* size = sizeof + 8, the last byte set */
	NR_SHAPES,
};

static const char *const shape_name[NR_SHAPES] = { "sizeof", "0.1's size - 1",
						   "sizeof + 8 (zero tail)",
						   "sizeof + 8 (tail set)" };

static union {
	max_align_t align;
	unsigned char b[1024];
} shape_buf;

/* The caller's struct: @s (a valid struct of @ours bytes) with the size field of @sh. */
static const void *shape(const void *s, size_t ours, size_t first, enum shape sh)
{
	assert_true(ours + 8 <= sizeof(shape_buf.b));
	memset(shape_buf.b, 0, sizeof(shape_buf.b));
	memcpy(shape_buf.b, s, ours);
	uint32_t size = (uint32_t)(sh == EXACT ? ours : sh == SHORT ? first - 1 : ours + 8);
	memcpy(shape_buf.b, &size, sizeof(size));
	if (sh == LONG_SET)
		shape_buf.b[ours + 7] = 0x01;
	return shape_buf.b;
}

#define SHAPED(t, s, sh)                                                                       \
	((const struct t *)shape((const struct t *){ (s) }, sizeof(struct t), CCA_SIZE_V0_##t, \
				 (sh)))

/* What one call did: its result, its kernel calls, and what it left behind. */
struct outcome {
	int ret;
	size_t seam; /* calls with an effect (mock_sys_call_count()) */
	size_t nr; /* ioctls, in order */
	struct {
		int fd;
		unsigned long req;
	} calls[64];
	unsigned char state[2048];
	size_t state_len;
};

static struct outcome *logging;

static int log_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	if (logging) {
		if (logging->nr < ARRAY_SIZE(logging->calls)) {
			logging->calls[logging->nr].fd = fd;
			logging->calls[logging->nr].req = req;
		}
		logging->nr++;
	}
	return fx_fake_ioctl(ctx, fd, req, arg);
}

/* Record the seam from here on, the fake kernel of @f answering. */
static void begin(struct outcome *o, struct fx *f)
{
	memset(o, 0, sizeof(*o));
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(log_ioctl, f);
	logging = o;
	o->seam = mock_sys_call_count();
}

static void end(struct outcome *o, int ret)
{
	o->ret = ret;
	o->seam = mock_sys_call_count() - o->seam;
	logging = NULL;
}

static void keep(struct outcome *o, const void *p, size_t len)
{
	assert_true(o->state_len + len <= sizeof(o->state));
	memcpy(o->state + o->state_len, p, len);
	o->state_len += len;
}

/*
 * sizeof worked; sizeof + 8 with a zero tail did exactly the same; the two
 * refused shapes were refused with their errors and did nothing.
 */
static void check_shapes(const char *what, const struct outcome o[NR_SHAPES])
{
	const struct outcome *a = &o[EXACT], *b = &o[LONG_ZERO];

	if (a->ret)
		fail_msg("%s, %s: %d (%s)", what, shape_name[EXACT], a->ret,
			 cca_error_name(a->ret));
	if (b->ret != a->ret || b->nr != a->nr || b->seam != a->seam ||
	    memcmp(b->calls, a->calls, sizeof(a->calls)) || b->state_len != a->state_len ||
	    memcmp(b->state, a->state, a->state_len))
		fail_msg("%s, %s: ret %d, %zu ioctls, %zu seam calls, state %s; with sizeof: "
			 "ret %d, %zu ioctls, %zu seam calls",
			 what, shape_name[LONG_ZERO], b->ret, b->nr, b->seam,
			 b->state_len == a->state_len && !memcmp(b->state, a->state, a->state_len) ?
				 "the same" :
				 "different",
			 a->ret, a->nr, a->seam);
	const struct {
		enum shape sh;
		int err;
	} refused[] = { { SHORT, -EINVAL }, { LONG_SET, -E2BIG } };
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		const struct outcome *r = &o[refused[i].sh];
		if (r->ret != refused[i].err || r->seam || r->nr)
			fail_msg("%s, %s: ret %d (%s), %zu seam calls; expected %s and none", what,
				 shape_name[refused[i].sh], r->ret, cca_error_name(r->ret), r->seam,
				 cca_error_name(refused[i].err));
	}
}

typedef void try_fn(enum cca_abi_rev rev, enum shape sh, struct outcome *o);

static void each_shape(const char *what, try_fn *fn)
{
	for (size_t i = 0; i < ARRAY_SIZE(fx_revs); i++) {
		struct outcome o[NR_SHAPES];
		char name[96];
		for (int sh = 0; sh < NR_SHAPES; sh++)
			fn(fx_revs[i], (enum shape)sh, &o[sh]);
		snprintf(name, sizeof(name), "%s on %s", what, cca_abi_rev_name(fx_revs[i]));
		check_shapes(name, o);
	}
}

/* ---- cca_host_options: cca_host_open(), cca_probe() ----------------------------- */

static struct cca_host_options host_opts(void)
{
	struct cca_host_options ho;

	memset(&ho, 0, sizeof(ho));
	ho.size = sizeof(ho);
	ho.flags = CCA_HOST_NO_ENV;
	return ho;
}

static void try_host_open(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct fx f = { .rev = rev };
	struct cca_host_options ho = host_opts();
	struct cca_host *h = SENTINEL;

	mock_sys_reset();
	begin(o, &f);
	int ret = cca_host_open_sys(SHAPED(cca_host_options, &ho, sh), &mock_sys, &h);
	end(o, ret);
	if (ret == 0) {
		int v[3] = { (int)cca_host_revision(h), (int)h->source, h->cap_number };
		keep(o, v, sizeof(v));
		cca_host_close(h);
	} else {
		assert_ptr_equal(h, SENTINEL);
	}
	mock_sys_assert_clean();
	mock_sys_reset();
}

static void host_open_sizes(void **state)
{
	(void)state;
	each_shape("cca_host_open", try_host_open);
}

static void try_probe_opts(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct fx f = { .rev = rev };
	struct cca_host_options ho = host_opts();
	struct cca_probe_result res;

	memset(&res, 0, sizeof(res));
	res.size = sizeof(res);
	mock_sys_reset();
	begin(o, &f);
	int ret = cca_probe_sys(SHAPED(cca_host_options, &ho, sh), &mock_sys, &res);
	end(o, ret);
	if (ret == 0)
		keep(o, &res, sizeof(res));
	else
		assert_int_equal(res.err, ret); /* the report says why */
	mock_sys_assert_clean();
	mock_sys_reset();
}

static void probe_opts_sizes(void **state)
{
	(void)state;
	each_shape("cca_probe options", try_probe_opts);
}

/* ---- cca_probe_result: an output ---------------------------------------------- */

static void probe_result_sizes(void **state)
{
	struct fx f = { .rev = CCA_ABI_V14 };
	struct cca_host_options ho = host_opts();
	struct cca_probe_result want;
	union {
		struct cca_probe_result r;
		unsigned char b[sizeof(struct cca_probe_result) + 8];
	} u;
	const size_t ours = sizeof(struct cca_probe_result);

	(void)state;
	/* Exactly 0.1's size. */
	mock_sys_reset();
	fx_handler_mode(&f);
	memset(&want, 0, sizeof(want));
	want.size = CCA_SIZE_V0_cca_probe_result;
	assert_int_equal(cca_probe_sys(&ho, &mock_sys, &want), 0);
	assert_int_equal(want.size, CCA_SIZE_V0_cca_probe_result);
	assert_int_equal(want.revision, CCA_ABI_V14);

	/* A larger buffer: ours is written, size says so, the tail is untouched. */
	memset(&u, 0xAA, sizeof(u));
	u.r.size = sizeof(u);
	assert_int_equal(cca_probe_sys(&ho, &mock_sys, &u.r), 0);
	assert_int_equal(u.r.size, ours);
	assert_memory_equal(&u.r, &want, ours);
	assert_true(all_bytes(u.b + ours, 8, 0xAA));

	/* Below 0.1's size: refused before anything is opened, the buffer untouched. */
	memset(&u, 0x77, sizeof(u));
	u.r.size = CCA_SIZE_V0_cca_probe_result - 1;
	size_t before = mock_sys_call_count();
	assert_int_equal(cca_probe_sys(&ho, &mock_sys, &u.r), -EINVAL);
	assert_int_equal(mock_sys_call_count(), before);
	assert_int_equal(u.r.size, CCA_SIZE_V0_cca_probe_result - 1);
	assert_true(all_bytes(u.b + sizeof(u.r.size), sizeof(u) - sizeof(u.r.size), 0x77));
	assert_int_equal(cca_probe_sys(&ho, &mock_sys, NULL), -EINVAL);
	assert_int_equal(mock_sys_call_count(), before);
	mock_sys_assert_clean();
	mock_sys_reset();
}

/* ---- cca_realm_params: cca_realm_create() --------------------------------------- */

static struct cca_realm_params realm_params(void)
{
	struct cca_realm_params p;

	cca_realm_params_init(&p);
	p.ipa_bits = 44;
	p.nr_recs = 3;
	p.sve_vl = 32;
	p.num_bps = 4;
	p.num_wps = 3;
	return p;
}

static void try_realm_create(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	const struct fx_opts fo = { .no_gic = true, .no_region = true, .make_recs = -1u };
	struct cca_realm_params p = realm_params();
	struct cca_realm *r = SENTINEL;
	struct fx f;

	fx_setup(&f, rev, &fo);
	begin(o, &f);
	int ret = cca_realm_create(f.host, SHAPED(cca_realm_params, &p, sh), &r);
	end(o, ret);
	if (ret == 0) {
		keep(o, &r->params, sizeof(r->params));
		cca_realm_destroy(r);
	} else {
		assert_ptr_equal(r, SENTINEL);
	}
	fx_teardown(&f);
}

static void realm_create_sizes(void **state)
{
	(void)state;
	each_shape("cca_realm_create", try_realm_create);
}

/* ---- cca_gic_params: cca_realm_gic_create() ------------------------------------- */

static void try_gic_create(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	const struct fx_opts fo = { .no_gic = true, .make_recs = -1u };
	const struct cca_gic_params p = {
		.size = sizeof(p), .nr_irqs = 128, .dist_base = FX_DIST, .redist_base = FX_REDIST
	};
	struct fx f;

	fx_setup(&f, rev, &fo);
	begin(o, &f);
	int ret = cca_realm_gic_create(f.realm, SHAPED(cca_gic_params, &p, sh));
	end(o, ret);
	if (ret == 0) {
		assert_int_equal(cca_realm_gic_fd(f.realm), MOCK_GIC_FD);
		keep(o, &f.realm->gic, sizeof(f.realm->gic));
	} else {
		assert_int_equal(cca_realm_gic_fd(f.realm), -ENOENT);
	}
	fx_teardown(&f);
}

static void gic_create_sizes(void **state)
{
	(void)state;
	each_shape("cca_realm_gic_create", try_gic_create);
}

/* ---- cca_rec_params: cca_rec_create() --------------------------------------------- */

static void try_rec_create(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	const struct fx_opts fo = { .make_recs = -1u };
	const struct cca_rec_params p = { .size = sizeof(p), .index = 0 };
	struct cca_rec *rec = SENTINEL;
	struct fx f;

	fx_setup(&f, rev, &fo);
	begin(o, &f);
	int ret = cca_rec_create(f.realm, SHAPED(cca_rec_params, &p, sh), &rec);
	end(o, ret);
	if (ret == 0) {
		uint64_t v[3] = { cca_rec_index(rec), cca_rec_mpidr(rec), f.realm->nr_created };
		keep(o, v, sizeof(v));
	} else {
		assert_ptr_equal(rec, SENTINEL);
		assert_int_equal(f.realm->nr_created, 0);
	}
	fx_teardown(&f);
}

static void rec_create_sizes(void **state)
{
	(void)state;
	each_shape("cca_rec_create", try_rec_create);
}

/* ---- cca_mem_region_params: cca_mem_region_add() -------------------------------- */

static void try_region_add(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	const struct fx_opts fo = { .no_region = true, .make_recs = -1u };
	const struct cca_mem_region_params p = { .size = sizeof(p),
						 .gpa = FX_RAM_BASE,
						 .len = 2 * MiB };
	unsigned int slot = 77;
	struct fx f;

	fx_setup(&f, rev, &fo);
	begin(o, &f);
	int ret = cca_mem_region_add(f.realm, SHAPED(cca_mem_region_params, &p, sh), &slot);
	end(o, ret);
	if (ret == 0) {
		const struct cca_region *g = &f.realm->regions[0];
		uint64_t v[6] = { slot, f.realm->nr_regions, g->gpa, g->len, g->gmem, g->slot };
		keep(o, v, sizeof(v));
	} else {
		assert_int_equal(slot, 77);
		assert_int_equal(f.realm->nr_regions, 0);
	}
	fx_teardown(&f);
}

static void region_add_sizes(void **state)
{
	(void)state;
	each_shape("cca_mem_region_add", try_region_add);
}

/* ---- cca_launch_params: cca_launch_plan_create(); cca_launch_realm_params() ----- */

static unsigned char *test_image(size_t *len)
{
	const uint64_t hdr[8] = { 0x91005a4d14000010ULL, 0, 0x40000, 0x2, 0, 0, 0, CCA_IMAGE_MAGIC };
	unsigned char *b = calloc(1, 64 * KiB);

	assert_non_null(b);
	for (size_t i = 0; i < 8; i++)
		for (size_t j = 0; j < 8; j++)
			b[8 * i + j] = (unsigned char)(hdr[i] >> (8 * j));
	*len = 64 * KiB;
	return b;
}

static struct cca_launch_params launch_params(enum cca_abi_rev rev, const void *kernel, size_t len)
{
	struct cca_launch_params p;

	cca_launch_params_init(&p);
	p.revision = rev;
	p.kernel = kernel;
	p.kernel_len = len;
	p.nr_vcpus = 2;
	p.sve_vl = 32;
	p.cmdline = "console=ttyAMA0";
	return p;
}

static void try_plan_create(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	size_t len;
	unsigned char *img = test_image(&len);
	struct cca_launch_params p = launch_params(rev, img, len);
	struct cca_launch_plan *pl = SENTINEL;
	char err[256] = "";

	memset(o, 0, sizeof(*o));
	o->ret = cca_launch_plan_create(SHAPED(cca_launch_params, &p, sh), &pl, err, sizeof(err));
	if (o->ret == 0) {
		uint8_t rim[64];
		size_t rim_len;
		const struct cca_launch_op *ops;
		size_t n = cca_launch_plan_ops(pl, &ops);
		assert_int_equal(cca_launch_plan_rim(pl, rim, &rim_len), 0);
		keep(o, cca_launch_plan_layout(pl), sizeof(struct cca_launch_layout));
		keep(o, rim, sizeof(rim));
		keep(o, &n, sizeof(n));
		cca_launch_plan_destroy(pl);
	} else {
		assert_ptr_equal(pl, SENTINEL);
		assert_true(err[0] != '\0'); /* the user is told why */
	}
	free(img);
}

static void plan_create_sizes(void **state)
{
	(void)state;
	each_shape("cca_launch_plan_create", try_plan_create);
}

/* An output whose 0.1 callers set no size: 0.1's bytes, the rest untouched. */
static void launch_realm_params_out(void **state)
{
	size_t len;
	unsigned char *img = test_image(&len);
	struct cca_launch_params p = launch_params(CCA_ABI_V13, img, len);
	struct cca_launch_plan *pl = NULL;
	struct cca_realm_params want;
	union {
		struct cca_realm_params r;
		unsigned char b[sizeof(struct cca_realm_params) + 8];
	} u;

	(void)state;
	assert_int_equal(cca_launch_plan_create(&p, &pl, NULL, 0), 0);
	cca_launch_realm_params(pl, &want);
	assert_int_equal(want.size, CCA_SIZE_V0_cca_realm_params);
	assert_int_equal(want.nr_recs, 2);
	assert_int_equal(want.sve_vl, 32);
	memset(&u, 0xAA, sizeof(u)); /* the size field too: it is not read */
	cca_launch_realm_params(pl, &u.r);
	assert_memory_equal(&u.r, &want, CCA_SIZE_V0_cca_realm_params);
	assert_true(all_bytes(u.b + CCA_SIZE_V0_cca_realm_params,
			      sizeof(u) - CCA_SIZE_V0_cca_realm_params, 0xAA));
	cca_launch_plan_destroy(pl);
	free(img);
}

/* ---- cca_rim_realm: cca_rim_init(), cca_rim_init_cb(), cca_rim_params_image() ---- */

static struct cca_rim_realm rim_realm(void)
{
	struct cca_rim_realm m;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.flags = CCA_RMI_REALM_FLAG_SVE;
	m.s2sz = 40;
	m.sve_vl = 1;
	m.num_bps = 3;
	m.num_wps = 2;
	m.hash_algo = CCA_RMI_HASH_SHA_256;
	return m;
}

static void try_rim_init(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct cca_rim_realm m = rim_realm();
	struct cca_rim rim, untouched;

	memset(o, 0, sizeof(*o));
	memset(&untouched, 0xAB, sizeof(untouched));
	rim = untouched;
	o->ret = cca_rim_init(&rim, (enum cca_rim_model)cca_rim_model_for_rev(rev),
			      CCA_RIM_INIT_PARAMS, SHAPED(cca_rim_realm, &m, sh));
	if (o->ret == 0) {
		assert_int_equal(rim.realm.size, sizeof(rim.realm));
		keep(o, &rim, sizeof(rim));
	} else {
		assert_memory_equal(&rim, &untouched, sizeof(rim));
	}
}

static void rim_init_sizes(void **state)
{
	(void)state;
	each_shape("cca_rim_init", try_rim_init);
}

/* cca_rim_step is the library's output to a callback: it carries the library's size. */
static void on_step(void *ctx, const struct cca_rim_step *s)
{
	uint32_t *seen = ctx;

	seen[0]++;
	seen[1] = s->size;
	seen[2] = s->realm ? s->realm->size : 0;
}

static void try_rim_init_cb(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct cca_rim_realm m = rim_realm();
	struct cca_rim rim, untouched;
	uint32_t seen[3] = { 0 };

	memset(o, 0, sizeof(*o));
	memset(&untouched, 0xAB, sizeof(untouched));
	rim = untouched;
	o->ret = cca_rim_init_cb(&rim, (enum cca_rim_model)cca_rim_model_for_rev(rev),
				 CCA_RIM_INIT_PARAMS, SHAPED(cca_rim_realm, &m, sh), on_step, seen);
	if (o->ret == 0) {
		assert_int_equal(seen[0], 1);
		assert_int_equal(seen[1], sizeof(struct cca_rim_step));
		assert_true(seen[1] >= CCA_SIZE_V0_cca_rim_step);
		assert_int_equal(seen[2], sizeof(struct cca_rim_realm));
		rim.on_step_ctx = NULL; /* a stack address: not part of the comparison */
		keep(o, &rim, sizeof(rim));
		keep(o, seen, sizeof(seen));
	} else {
		assert_int_equal(seen[0], 0);
		assert_memory_equal(&rim, &untouched, sizeof(rim));
	}
}

static void rim_init_cb_sizes(void **state)
{
	(void)state;
	each_shape("cca_rim_init_cb", try_rim_init_cb);
}

static void try_params_image(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct cca_rim_realm m = rim_realm();
	static uint8_t image[CCA_RIM_GRANULE_SIZE];

	(void)rev;
	memset(o, 0, sizeof(*o));
	memset(image, 0xCD, sizeof(image));
	o->ret = cca_rim_params_image(SHAPED(cca_rim_realm, &m, sh), image);
	if (o->ret == 0) {
		keep(o, image, 64); /* the measured fields all lie in the first 64 bytes */
		assert_true(all_bytes(image + 64, sizeof(image) - 64, 0));
	} else {
		assert_true(all_bytes(image, sizeof(image), 0xCD));
	}
}

static void params_image_sizes(void **state)
{
	(void)state;
	each_shape("cca_rim_params_image", try_params_image);
}

/* ---- cca_realm_params in, cca_rim_realm out: cca_rim_realm_from_params() -------- */

static void try_realm_from_params(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	struct cca_realm_params p = realm_params();
	struct cca_rim_realm out, untouched;

	(void)rev;
	memset(o, 0, sizeof(*o));
	memset(&untouched, 0xAB, sizeof(untouched));
	out = untouched;
	o->ret = cca_rim_realm_from_params(SHAPED(cca_realm_params, &p, sh), 0, 0, &out);
	if (o->ret == 0)
		keep(o, &out, sizeof(out));
	else
		assert_memory_equal(&out, &untouched, sizeof(out));
}

static void realm_from_params_sizes(void **state)
{
	(void)state;
	each_shape("cca_rim_realm_from_params", try_realm_from_params);
}

static void realm_from_params_out(void **state)
{
	struct cca_realm_params p = realm_params();
	struct cca_rim_realm want;
	union {
		struct cca_rim_realm r;
		unsigned char b[sizeof(struct cca_rim_realm) + 8];
	} u;

	(void)state;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &want), 0);
	assert_int_equal(want.size, CCA_SIZE_V0_cca_rim_realm);
	assert_int_equal(want.s2sz, 44);
	memset(&u, 0xAA, sizeof(u)); /* the size field too: it is not read */
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &u.r), 0);
	assert_memory_equal(&u.r, &want, CCA_SIZE_V0_cca_rim_realm);
	assert_true(all_bytes(u.b + CCA_SIZE_V0_cca_rim_realm,
			      sizeof(u) - CCA_SIZE_V0_cca_rim_realm, 0xAA));
	/* And what it wrote is an input every entry point takes. */
	struct cca_rim rim;
	assert_int_equal(cca_rim_init(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, &u.r), 0);
}

/* ---- cca_sim_options: cca_sim_create() ---------------------------------------------- */

static void try_sim_create(enum cca_abi_rev rev, enum shape sh, struct outcome *o)
{
	const struct cca_sim_options so = { .size = sizeof(so),
					    .revision = rev,
					    .ipa_limit = 44,
					    .sve_max_vl = 128,
					    .max_bps = 8,
					    .max_wps = 5 };
	struct cca_sim *sim = SENTINEL;
	char err[192] = "";

	memset(o, 0, sizeof(*o));
	o->ret = cca_sim_create(SHAPED(cca_sim_options, &so, sh), &sim, err, sizeof(err));
	if (o->ret == 0) {
		/* What the simulator was made of, as a VMM sees it. */
		struct cca_host_options ho = host_opts();
		struct cca_probe_result res;
		ho.sim = sim;
		memset(&res, 0, sizeof(res));
		res.size = sizeof(res);
		assert_int_equal(cca_probe(&ho, &res), 0);
		assert_int_equal(res.ipa_limit, 44);
		assert_int_equal(res.max_bps, 8);
		keep(o, &res, sizeof(res));
		cca_sim_destroy(sim);
	} else {
		assert_ptr_equal(sim, SENTINEL);
		assert_true(err[0] != '\0');
	}
}

static void sim_create_sizes(void **state)
{
	(void)state;
	each_shape("cca_sim_create", try_sim_create);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(helper_old_caller_new_library),
		cmocka_unit_test(helper_same_size),
		cmocka_unit_test(helper_new_caller_old_library),
		cmocka_unit_test(helper_too_small),
		cmocka_unit_test(helper_too_large),
		cmocka_unit_test(helper_out),
		cmocka_unit_test(first_sizes),
		cmocka_unit_test(host_open_sizes),
		cmocka_unit_test(probe_opts_sizes),
		cmocka_unit_test(probe_result_sizes),
		cmocka_unit_test(realm_create_sizes),
		cmocka_unit_test(gic_create_sizes),
		cmocka_unit_test(rec_create_sizes),
		cmocka_unit_test(region_add_sizes),
		cmocka_unit_test(plan_create_sizes),
		cmocka_unit_test(launch_realm_params_out),
		cmocka_unit_test(rim_init_sizes),
		cmocka_unit_test(rim_init_cb_sizes),
		cmocka_unit_test(params_image_sizes),
		cmocka_unit_test(realm_from_params_sizes),
		cmocka_unit_test(realm_from_params_out),
		cmocka_unit_test(sim_create_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
