// SPDX-License-Identifier: MIT
/*
 * Description: realm VMs against the strict mocked seam, on every
 * revision. cca_realm_params_init() defaults; cca_realm_create(): every
 * parameter rule refused before the kernel is called, the exact
 * KVM_GET_VCPU_MMAP_SIZE + KVM_CREATE_VM sequence with the revision's VM
 * type, kernel failures passed through without leaks; the in-kernel GICv3
 * (KVM_CREATE_DEVICE and its three attributes, every failure, placement
 * rules, -EEXIST, state); PSCI routing through the SMCCC filter;
 * cca_realm_destroy() releasing everything.
 *
 * Request numbers are the reference's literals. KVM_SET_DEVICE_ATTR
 * passes a pointer to its value, so those calls are declared to the shared
 * checker (mock-seq.h) that also compares the bytes behind attr.addr.
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
#include "mock-seq.h"
#include "mock-sys.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)

#define REQ_CREATE_VM 0xAE01UL
#define REQ_GET_VCPU_MMAP_SIZE 0xAE04UL
#define REQ_CREATE_DEVICE 0xC00CAEE0UL /* _IOWR(KVMIO, 0xe0, 12 bytes) */
#define REQ_SET_DEVICE_ATTR 0x4018AEE1UL /* _IOW(KVMIO, 0xe1, 24 bytes) */
#define REQ_POPULATE_V12 0x4020AED7UL
#define REQ_POPULATE_V13 0xC020AED7UL

#define DEV_TYPE_VGIC_V3 7
#define VGIC_GRP_ADDR 0
#define VGIC_GRP_NR_IRQS 3
#define VGIC_ADDR_DIST 2
#define VGIC_ADDR_REDIST 3
#define SMCCC_CTRL 0
#define SMCCC_FILTER 0
#define FILTER_FWD_TO_USER 2

#define IPA_HALF (1ULL << 39)
#define FX_RAM_END (FX_RAM_BASE + FX_RAM_SIZE)
#define TEST_VM_FD 0x4e /* a second realm's VM fd */
#define TEST_RUN_SIZE 0x3000 /* what KVM_GET_VCPU_MMAP_SIZE answers */
#define TEST_DIST 0x2ffd0000ULL /* a GIC placement distinct from the fixture's */
#define TEST_REDIST 0x2ffe0000ULL
#define TEST_SHARED 0x7f3c00000000ULL /* fake shared view, never touched */

static struct cca_realm *const SENTINEL_REALM = (struct cca_realm *)(uintptr_t)0xDEAD5EA1;

/* ---- per-revision cases ------------------------------------------------- */

#define T FX_T
#define T_ALL FX_T_ALL
#define setup fx_case_setup

static void strict(void)
{
	mock_sys_set_handler(NULL, NULL);
	mock_sys_expect(NULL, 0);
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

/* ---- parameters ------------------------------------------------------------ */

static void params_init_defaults(void **state)
{
	struct cca_realm_params p, want;

	(void)state;
	memset(&p, 0xA5, sizeof(p));
	cca_realm_params_init(&p);
	assert_int_equal(p.size, sizeof(struct cca_realm_params));
	assert_int_equal(p.ipa_bits, 40);
	assert_int_equal(p.nr_recs, 1);
	memset(&want, 0, sizeof(want));
	want.size = sizeof(want);
	want.ipa_bits = 40;
	want.nr_recs = 1;
	assert_memory_equal(&p, &want, sizeof(p)); /* everything else zero, padding too */
	cca_realm_params_init(NULL); /* no crash */
}

static int vm_type(enum cca_abi_rev rev, unsigned int ipa_bits)
{
	return (int)((rev <= CCA_ABI_V13 ? 0x100U : 0x40000000U) | ipa_bits);
}

/* Every rule, on every revision, refused with no kernel call and *out untouched. */
static void create_validation(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	bool pmu_rev = t->rev <= CCA_ABI_V13;
	struct {
		const char *what;
		struct cca_realm_params p;
		int err;
	} c[48];
	size_t n = 0;

#define CASE(desc, e, stmt)                           \
	do {                                          \
		c[n].what = desc;                     \
		cca_realm_params_init(&c[n].p);       \
		c[n].err = e;                         \
		struct cca_realm_params *p = &c[n].p; \
		stmt;                                 \
		n++;                                  \
	} while (0)

	CASE("size short", -EINVAL, p->size -= 4); /* other sizes: test-struct-size.c */
	CASE("unknown flag", -EINVAL, p->flags = 1U << 1);
	CASE("reserved[0]", -EINVAL, p->reserved[0] = 1);
	CASE("reserved[13]", -EINVAL, p->reserved[13] = 0x80000000U);
	CASE("ipa 31", -EINVAL, p->ipa_bits = 31);
	CASE("ipa 53", -EINVAL, p->ipa_bits = 53);
	CASE("ipa 0", -EINVAL, p->ipa_bits = 0);
	CASE("nr_recs 0", -EINVAL, p->nr_recs = 0);
	CASE("nr_recs 513", -EINVAL, p->nr_recs = 513);
	CASE("sve 8", -EINVAL, p->sve_vl = 8);
	CASE("sve 24", -EINVAL, p->sve_vl = 24);
	CASE("sve 1", -EINVAL, p->sve_vl = 1);
	CASE("sve 272", -EINVAL, p->sve_vl = 272);
	CASE("bps 1", -EINVAL, p->num_bps = 1);
	CASE("bps 17", -EINVAL, p->num_bps = 17);
	CASE("wps 1", -EINVAL, p->num_wps = 1);
	CASE("wps 17", -EINVAL, p->num_wps = 17);
	CASE("pmu counters 32", -EINVAL, (p->flags = CCA_REALM_F_PMU, p->pmu_counters = 32));
	CASE("pmu irq 15", -EINVAL, (p->flags = CCA_REALM_F_PMU, p->pmu_irq = 15));
	CASE("pmu irq 32", -EINVAL, (p->flags = CCA_REALM_F_PMU, p->pmu_irq = 32));
	CASE("counters without pmu", -EINVAL, p->pmu_counters = 4);
	CASE("irq without pmu", -EINVAL, p->pmu_irq = 23);
	CASE("sha512", -EOPNOTSUPP, p->hash_algo = CCA_HASH_SHA512);
	CASE("sha384", -EOPNOTSUPP, p->hash_algo = CCA_HASH_SHA384);
	CASE("hash 4", -EINVAL, p->hash_algo = 4);
	CASE("rpv[0]", -EOPNOTSUPP, p->rpv[0] = 1);
	CASE("rpv[63]", -EOPNOTSUPP, p->rpv[63] = 0x80);
	if (!pmu_rev) {
		CASE("pmu", -EOPNOTSUPP, p->flags = CCA_REALM_F_PMU);
		CASE("pmu 31 counters", -EOPNOTSUPP,
		     (p->flags = CCA_REALM_F_PMU, p->pmu_counters = 31, p->pmu_irq = 16));
	}
#undef CASE

	size_t before = mock_sys_ioctl_count();
	for (size_t i = 0; i < n; i++) {
		struct cca_realm *out = SENTINEL_REALM;
		int ret = cca_realm_create(f->host, &c[i].p, &out);
		if (ret != c[i].err)
			fail_msg("%s: %d (%s), expected %d (%s)", c[i].what, ret,
				 cca_error_name(ret), c[i].err, cca_error_name(c[i].err));
		assert_ptr_equal(out, SENTINEL_REALM);
	}
	struct cca_realm_params ok;
	struct cca_realm *out = SENTINEL_REALM;
	cca_realm_params_init(&ok);
	assert_int_equal(cca_realm_create(NULL, &ok, &out), -EINVAL);
	assert_int_equal(cca_realm_create(f->host, NULL, &out), -EINVAL);
	assert_int_equal(cca_realm_create(f->host, &ok, NULL), -EINVAL);
	assert_ptr_equal(out, SENTINEL_REALM);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/* Create a second realm on the fixture's host with the exact calls; destroy it. */
static void create_one(struct fx *f, const struct cca_realm_params *p, int type)
{
	const struct mock_ioctl c[] = {
		{ .fd = MOCK_KVM_FD,
		  .req = REQ_GET_VCPU_MMAP_SIZE,
		  .arg = 0,
		  .flags = MOCK_ARG_INT,
		  .ret = TEST_RUN_SIZE },
		{ .fd = MOCK_KVM_FD,
		  .req = REQ_CREATE_VM,
		  .arg = (uint64_t)(unsigned int)type,
		  .flags = MOCK_ARG_INT | MOCK_NEW_FD,
		  .ret = TEST_VM_FD },
	};
	struct cca_realm *r = SENTINEL_REALM;

	mock_sys_expect(c, ARRAY_SIZE(c));
	assert_int_equal(cca_realm_create(f->host, p, &r), 0);
	mock_sys_done();
	assert_ptr_not_equal(r, SENTINEL_REALM);
	assert_non_null(r);
	assert_int_equal(cca_realm_vm_fd(r), TEST_VM_FD);
	assert_int_equal(cca_realm_state(r), CCA_REALM_CONFIGURING);
	assert_int_equal(cca_realm_revision(r), f->rev);
	assert_int_equal(cca_realm_ipa_bits(r), p->ipa_bits);
	assert_int_equal(cca_realm_gic_fd(r), -ENOENT);
	assert_int_equal(cca_realm_psci_user(r), 0);
	/* Destroying it makes no kernel call; the mock checks the fd is closed. */
	strict();
	cca_realm_destroy(r);
	mock_sys_done();
}

static void create_sequence(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	struct cca_realm_params p;

	cca_realm_params_init(&p);
	create_one(f, &p, vm_type(t->rev, 40));
	assert_int_equal(vm_type(t->rev, 40), t->rev <= CCA_ABI_V13 ? 0x128 : 0x40000028);

	/* Everything valid at its limits, and SHA-256 (what every revision uses). */
	p.ipa_bits = 48;
	p.nr_recs = 512;
	p.sve_vl = 256;
	p.num_bps = 16;
	p.num_wps = 2;
	p.hash_algo = CCA_HASH_SHA256;
	create_one(f, &p, t->rev <= CCA_ABI_V13 ? 0x130 : 0x40000030);

	cca_realm_params_init(&p);
	p.ipa_bits = 32;
	p.sve_vl = 16;
	p.num_bps = 2;
	p.num_wps = 16;
	create_one(f, &p, t->rev <= CCA_ABI_V13 ? 0x120 : 0x40000020);

	cca_realm_params_init(&p);
	p.ipa_bits = 52;
	create_one(f, &p, t->rev <= CCA_ABI_V13 ? 0x134 : 0x40000034);

	if (t->rev <= CCA_ABI_V13) {
		cca_realm_params_init(&p);
		p.flags = CCA_REALM_F_PMU;
		p.pmu_counters = 31;
		p.pmu_irq = 31;
		create_one(f, &p, 0x128);
	}
}

/* The parameters are copied: changing the caller's struct later changes nothing. */
static void create_copies_params(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	struct cca_realm_params p;
	struct cca_realm *r = NULL;
	const struct mock_ioctl c[] = {
		{ .fd = MOCK_KVM_FD,
		  .req = REQ_GET_VCPU_MMAP_SIZE,
		  .flags = MOCK_ARG_INT,
		  .ret = TEST_RUN_SIZE },
		{ .fd = MOCK_KVM_FD,
		  .req = REQ_CREATE_VM,
		  .arg = (uint64_t)vm_type(t->rev, 44),
		  .flags = MOCK_ARG_INT | MOCK_NEW_FD,
		  .ret = TEST_VM_FD },
	};

	cca_realm_params_init(&p);
	p.ipa_bits = 44;
	mock_sys_expect(c, ARRAY_SIZE(c));
	assert_int_equal(cca_realm_create(f->host, &p, &r), 0);
	mock_sys_done();
	memset(&p, 0xEE, sizeof(p));
	assert_int_equal(cca_realm_ipa_bits(r), 44);
	strict();
	cca_realm_destroy(r);
	mock_sys_done();
}

/* Kernel failures: the errno comes back, *out is untouched, nothing leaks. */
static void create_kernel_failures(void **state)
{
	struct fx_case *t = *state;
	struct fx *f = setup(state, NULL);
	struct cca_realm_params p;
	const int vm_errs[] = { -EINVAL, -ENOMEM, -ENXIO, -EMFILE };

	cca_realm_params_init(&p);
	for (size_t i = 0; i < ARRAY_SIZE(vm_errs); i++) {
		const struct mock_ioctl c[] = {
			{ .fd = MOCK_KVM_FD,
			  .req = REQ_GET_VCPU_MMAP_SIZE,
			  .flags = MOCK_ARG_INT,
			  .ret = TEST_RUN_SIZE },
			{ .fd = MOCK_KVM_FD,
			  .req = REQ_CREATE_VM,
			  .arg = (uint64_t)vm_type(t->rev, 40),
			  .flags = MOCK_ARG_INT | MOCK_NEW_FD,
			  .ret = vm_errs[i] },
		};
		struct cca_realm *r = SENTINEL_REALM;
		mock_sys_expect(c, ARRAY_SIZE(c));
		assert_int_equal(cca_realm_create(f->host, &p, &r), vm_errs[i]);
		mock_sys_done();
		assert_ptr_equal(r, SENTINEL_REALM);
	}

	/* KVM_GET_VCPU_MMAP_SIZE failing, or too small for a kvm_run: no VM is made. */
	const int mmap_size[] = { -EBADF, -ENOTTY, 0, (int)sizeof(struct kvm_run) - 1 };
	const int want[] = { -EBADF, -ENOTTY, -EIO, -EIO };
	for (size_t i = 0; i < ARRAY_SIZE(mmap_size); i++) {
		const struct mock_ioctl c = { .fd = MOCK_KVM_FD,
					      .req = REQ_GET_VCPU_MMAP_SIZE,
					      .flags = MOCK_ARG_INT,
					      .ret = mmap_size[i] };
		struct cca_realm *r = SENTINEL_REALM;
		mock_sys_expect(&c, 1);
		assert_int_equal(cca_realm_create(f->host, &p, &r), want[i]);
		mock_sys_done();
		assert_ptr_equal(r, SENTINEL_REALM);
	}
	/* fx_teardown checks that no VM fd was left open. */
}

/* ---- the GIC --------------------------------------------------------------- */

struct gic_script {
	struct kvm_create_device cd_in, cd_out;
	uint64_t dist_base, redist_base;
	uint32_t nr_irqs;
	struct mock_step s[4];
};

/* The four calls of a GIC creation with @p; @fail: index of the call that fails with @err. */
static void gic_script_build(struct gic_script *g, const struct cca_gic_params *p, int fail,
			     int err)
{
	memset(g, 0, sizeof(*g));
	g->cd_in.type = DEV_TYPE_VGIC_V3;
	g->cd_out = g->cd_in;
	g->cd_out.fd = MOCK_GIC_FD;
	g->dist_base = p->dist_base;
	g->redist_base = p->redist_base;
	g->nr_irqs = p->nr_irqs ? p->nr_irqs : 256;
	g->s[0] = (struct mock_step){ .fd = MOCK_VM_FD,
				      .req = REQ_CREATE_DEVICE,
				      .in = &g->cd_in,
				      .in_len = sizeof(g->cd_in),
				      .out = &g->cd_out,
				      .out_len = sizeof(g->cd_out),
				      .new_fd = MOCK_GIC_FD };
	/*
	 * The library works on its own copy of the caller's struct (it may be
	 * of another release's size): compare the values behind addr.
	 */
	g->s[1] = (struct mock_step){ .fd = MOCK_GIC_FD,
				      .req = REQ_SET_DEVICE_ATTR,
				      .kind = MOCK_STEP_ATTR,
				      .group = VGIC_GRP_ADDR,
				      .id = VGIC_ADDR_DIST,
				      .in = &g->dist_base,
				      .in_len = sizeof(g->dist_base) };
	g->s[2] = (struct mock_step){ .fd = MOCK_GIC_FD,
				      .req = REQ_SET_DEVICE_ATTR,
				      .kind = MOCK_STEP_ATTR,
				      .group = VGIC_GRP_ADDR,
				      .id = VGIC_ADDR_REDIST,
				      .in = &g->redist_base,
				      .in_len = sizeof(g->redist_base) };
	/* nr_irqs: 0 in the struct means 256, so the value is the library's own too. */
	g->s[3] = (struct mock_step){ .fd = MOCK_GIC_FD,
				      .req = REQ_SET_DEVICE_ATTR,
				      .kind = MOCK_STEP_ATTR,
				      .group = VGIC_GRP_NR_IRQS,
				      .id = 0,
				      .in = &g->nr_irqs,
				      .in_len = sizeof(g->nr_irqs) };
	if (fail >= 0)
		g->s[fail].ret = err;
}

static struct cca_gic_params gic_params(uint64_t dist, uint64_t redist, uint32_t nr_irqs)
{
	struct cca_gic_params p;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.dist_base = dist;
	p.redist_base = redist;
	p.nr_irqs = nr_irqs;
	return p;
}

static void gic_create_sequence(void **state)
{
	struct fx_opts o = { .no_gic = true };
	struct fx *f = setup(state, &o);
	struct cca_gic_params p = gic_params(TEST_DIST, TEST_REDIST, 0);
	struct gic_script g;

	assert_int_equal(cca_realm_gic_fd(f->realm), -ENOENT);
	gic_script_build(&g, &p, -1, 0);
	mock_seq_expect(g.s, 4);
	assert_int_equal(cca_realm_gic_create(f->realm, &p), 0);
	mock_seq_done();
	assert_int_equal(cca_realm_gic_fd(f->realm), MOCK_GIC_FD);

	/* A second GIC: -EEXIST, no call, the first one kept. */
	struct cca_gic_params q = gic_params(0x10000000ULL, 0x10010000ULL, 0);
	assert_int_equal(cca_realm_gic_create(f->realm, &q), -EEXIST);
	assert_int_equal(cca_realm_gic_fd(f->realm), MOCK_GIC_FD);
	/* The first placement is the one kept: RAM over it is refused. */
	struct cca_mem_region_params rp;
	memset(&rp, 0, sizeof(rp));
	rp.size = sizeof(rp);
	rp.gpa = TEST_DIST;
	rp.len = 64 * KiB;
	rp.flags = CCA_MEM_F_SHARED_ONLY;
	assert_int_equal(cca_mem_region_add(f->realm, &rp, NULL), -EINVAL);
	mock_sys_done();
}

/* An explicit interrupt count reaches the kernel as is; the limits are accepted. */
static void gic_create_nr_irqs(void **state)
{
	struct fx_case *t = *state;
	const uint32_t nr[] = { 64, 96, 1024 };

	for (size_t i = 0; i < ARRAY_SIZE(nr); i++) {
		struct fx_opts o = { .no_gic = true };
		struct fx *f = setup(state, &o);
		struct cca_gic_params p = gic_params(TEST_DIST, TEST_REDIST, nr[i]);
		struct gic_script g;

		gic_script_build(&g, &p, -1, 0);
		assert_int_equal(g.nr_irqs, nr[i]);
		mock_seq_expect(g.s, 4);
		assert_int_equal(cca_realm_gic_create(f->realm, &p), 0);
		mock_seq_done();
		if (i + 1 < ARRAY_SIZE(nr))
			fx_teardown(&t->f);
	}
}

/*
 * Any failing call: the errno, the device fd closed exactly once, no GIC
 * recorded. After KVM_CREATE_DEVICE itself failed nothing exists and a
 * retry works; after an attribute failed KVM keeps its vGIC (closing the fd
 * does not remove it), so a retry reaches the kernel, which says -EEXIST.
 */
static void gic_create_failures(void **state)
{
	struct fx_case *t = *state;
	const int errs[] = { -ENODEV, -EINVAL, -EBUSY, -ENXIO };

	for (int k = 0; k < 4; k++) {
		struct fx_opts o = { .no_gic = true };
		struct fx *f = setup(state, &o);
		struct cca_gic_params p = gic_params(TEST_DIST, TEST_REDIST, 128);
		struct gic_script g;

		gic_script_build(&g, &p, k, errs[k]);
		mock_seq_expect(g.s, (size_t)k + 1);
		assert_int_equal(cca_realm_gic_create(f->realm, &p), errs[k]);
		mock_seq_done();
		assert_int_equal(cca_realm_gic_fd(f->realm), -ENOENT);

		gic_script_build(&g, &p, k ? 0 : -1, -EEXIST);
		mock_seq_expect(g.s, k ? 1 : 4);
		assert_int_equal(cca_realm_gic_create(f->realm, &p), k ? -EEXIST : 0);
		mock_seq_done();
		assert_int_equal(cca_realm_gic_fd(f->realm), k ? -ENOENT : MOCK_GIC_FD);
		mock_sys_done();
		fx_teardown(&t->f); /* the failed attempt's fd was closed exactly once */
	}
}

static void gic_placement(void **state)
{
	struct fx_opts o = { .no_gic = true };
	struct fx *f = setup(state, &o);
	const uint64_t rlen = 2 * 0x20000; /* two vCPUs */
	struct cca_gic_params bad[40];
	size_t n = 0;

	/* A shared-only window the GIC must not overlap either. */
	fx_handler_mode(f);
	struct cca_mem_region_params rp;
	memset(&rp, 0, sizeof(rp));
	rp.size = sizeof(rp);
	rp.flags = CCA_MEM_F_SHARED_ONLY;
	rp.gpa = 0x40000000ULL;
	rp.len = 1 * MiB;
	rp.shared_uaddr = TEST_SHARED;
	assert_int_equal(cca_mem_region_add(f->realm, &rp, NULL), 0);
	strict();

	/* alignment: 64 KiB */
	bad[n++] = gic_params(TEST_DIST + 4 * KiB, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST + 1, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST, TEST_REDIST + 0x8000, 0);
	/* the upper half, or crossing into it */
	bad[n++] = gic_params(IPA_HALF, TEST_REDIST, 0);
	bad[n++] = gic_params(IPA_HALF | TEST_DIST, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST, IPA_HALF, 0);
	bad[n++] = gic_params(TEST_DIST, IPA_HALF - 0x20000, 0);
	bad[n++] = gic_params(0xffffffffffff0000ULL, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST, 0xfffffffffffe0000ULL, 0);
	/* distributor and redistributors overlapping */
	bad[n++] = gic_params(TEST_DIST, TEST_DIST, 0);
	bad[n++] = gic_params(TEST_DIST, TEST_DIST - 0x10000, 0);
	bad[n++] = gic_params(TEST_REDIST + rlen - 0x10000, TEST_REDIST, 0);
	/* RAM */
	bad[n++] = gic_params(FX_RAM_BASE, TEST_REDIST, 0);
	bad[n++] = gic_params(FX_RAM_END - 0x10000, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST, FX_RAM_BASE - 0x10000, 0);
	bad[n++] = gic_params(TEST_DIST, FX_RAM_END - 0x10000, 0);
	bad[n++] = gic_params(TEST_DIST, FX_RAM_BASE + 1 * MiB, 0);
	bad[n++] = gic_params(0x40000000ULL + 512 * KiB, TEST_REDIST, 0);
	bad[n++] = gic_params(TEST_DIST, 0x40000000ULL - 0x30000, 0);
	/* interrupt counts */
	bad[n++] = gic_params(TEST_DIST, TEST_REDIST, 32);
	bad[n++] = gic_params(TEST_DIST, TEST_REDIST, 63);
	bad[n++] = gic_params(TEST_DIST, TEST_REDIST, 100);
	bad[n++] = gic_params(TEST_DIST, TEST_REDIST, 1056);
	/* struct rules (sizes: test-struct-size.c) */
	bad[n] = gic_params(TEST_DIST, TEST_REDIST, 0);
	bad[n++].size = sizeof(struct cca_gic_params) - 8;
	bad[n] = gic_params(TEST_DIST, TEST_REDIST, 0);
	bad[n++].reserved[3] = 1;

	size_t before = mock_sys_ioctl_count();
	for (size_t i = 0; i < n; i++) {
		int ret = cca_realm_gic_create(f->realm, &bad[i]);
		if (ret != -EINVAL)
			fail_msg("case %zu: %d (%s), expected -EINVAL", i, ret,
				 cca_error_name(ret));
	}
	assert_int_equal(cca_realm_gic_create(NULL, &bad[0]), -EINVAL);
	assert_int_equal(cca_realm_gic_create(f->realm, NULL), -EINVAL);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_gic_fd(f->realm), -ENOENT);
	mock_sys_done();

	/* Right against the half, RAM and the window: accepted. */
	struct cca_gic_params p = gic_params(IPA_HALF - 0x10000, IPA_HALF - 0x10000 - rlen, 0);
	struct gic_script g;
	gic_script_build(&g, &p, -1, 0);
	mock_seq_expect(g.s, 4);
	assert_int_equal(cca_realm_gic_create(f->realm, &p), 0);
	mock_seq_done();
}

static void gic_placement_adjacent(void **state)
{
	struct fx_opts o = { .no_gic = true };
	struct fx *f = setup(state, &o);
	/* Distributor right after the RAM, redistributors right before it. */
	struct cca_gic_params p = gic_params(FX_RAM_END, FX_RAM_BASE - 2 * 0x20000, 0);
	struct gic_script g;

	gic_script_build(&g, &p, -1, 0);
	mock_seq_expect(g.s, 4);
	assert_int_equal(cca_realm_gic_create(f->realm, &p), 0);
	mock_seq_done();
	mock_sys_done();
}

/* Once the realm descriptor exists (or the realm is dead) the GIC cannot be added. */
static void gic_create_state(void **state)
{
	struct fx_case *t = *state;
	struct fx_opts o = { .no_gic = true };
	struct fx *f = setup(state, &o);
	struct cca_gic_params p = gic_params(TEST_DIST, TEST_REDIST, 0);
	struct kvm_arm_rmi_populate in = { FX_RAM_BASE, 4 * KiB, 0x7e5a5000ULL, 0, 0 };
	struct kvm_arm_rmi_populate out = { FX_RAM_BASE + 4 * KiB, 0, 0x7e5a5000ULL + 4 * KiB, 0,
					    0 };
	struct mock_ioctl c = { .fd = MOCK_VM_FD, .in = &in, .in_len = sizeof(in) };

	if (t->rev == CCA_ABI_V12) {
		c.req = REQ_POPULATE_V12;
		c.ret = 4 * KiB;
	} else {
		c.req = REQ_POPULATE_V13;
		c.out = &out;
		c.out_len = sizeof(out);
	}
	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE,
					  (const void *)(uintptr_t)in.source_uaddr, 4 * KiB, 0),
			 0);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DESCRIPTOR);
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_realm_gic_create(f->realm, &p), -CCA_E_STATE);
	assert_int_equal(cca_realm_gic_fd(f->realm), -ENOENT);

	/* A GIC-less realm cannot run: the first run is refused before KVM_RUN. */
	struct cca_exit e;
	assert_int_equal(cca_rec_run(f->rec[0], &e), -CCA_E_NO_GICV3);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

static void gic_create_dead(void **state)
{
	struct fx_case *t = *state;
	struct fx_opts o = { .no_gic = true };
	struct fx *f = setup(state, &o);
	struct cca_gic_params p = gic_params(TEST_DIST, TEST_REDIST, 0);
	struct kvm_arm_rmi_populate in = { FX_RAM_BASE, 4 * KiB, 0x7e5a5000ULL, 0, 0 };
	struct mock_ioctl c = { .fd = MOCK_VM_FD,
				.req = t->rev == CCA_ABI_V12 ? REQ_POPULATE_V12 : REQ_POPULATE_V13,
				.in = &in,
				.in_len = sizeof(in),
				.ret = -ENXIO };

	mock_sys_expect(&c, 1);
	assert_int_equal(cca_mem_populate(f->realm, FX_RAM_BASE,
					  (const void *)(uintptr_t)in.source_uaddr, 4 * KiB, 0),
			 -ENXIO);
	mock_sys_done();
	assert_int_equal(cca_realm_state(f->realm), CCA_REALM_DEAD);
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_realm_gic_create(f->realm, &p), -CCA_E_STATE);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/* ---- PSCI routing ------------------------------------------------------------ */

struct psci_script {
	struct cca_kvm_smccc_filter f32, f64;
	struct mock_step s[2];
};

static void psci_script_build(struct psci_script *p, int fail, int err)
{
	memset(p, 0, sizeof(*p));
	p->f32.base = 0x84000000U;
	p->f32.nr_functions = 0x20;
	p->f32.action = FILTER_FWD_TO_USER;
	p->f64 = p->f32;
	p->f64.base = 0xC4000000U;
	for (int i = 0; i < 2; i++)
		p->s[i] = (struct mock_step){ .fd = MOCK_VM_FD,
					      .req = REQ_SET_DEVICE_ATTR,
					      .kind = MOCK_STEP_ATTR,
					      .group = SMCCC_CTRL,
					      .id = SMCCC_FILTER,
					      .in = i ? &p->f64 : &p->f32,
					      .in_len = sizeof(p->f32),
					      .ret = i == fail ? err : 0 };
}

static void psci_user_filters(void **state)
{
	struct fx *f = setup(state, NULL);
	struct psci_script p;

	/* The layout the kernel reads (arm64 struct kvm_smccc_filter). */
	const unsigned char f32[24] = { 0x00, 0x00, 0x00, 0x84, 0x20, 0, 0, 0, 2 };
	psci_script_build(&p, -1, 0);
	assert_memory_equal(&p.f32, f32, sizeof(f32));

	assert_int_equal(cca_realm_psci_user(f->realm), 0);
	mock_seq_expect(p.s, 2);
	assert_int_equal(cca_realm_set_psci_user(f->realm), 0);
	mock_seq_done();
	assert_int_equal(cca_realm_psci_user(f->realm), 1);

	/* Already routed: nothing sent again. */
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_realm_set_psci_user(f->realm), 0);
	assert_int_equal(mock_sys_ioctl_count(), before);
	assert_int_equal(cca_realm_psci_user(f->realm), 1);
	assert_int_equal(cca_realm_set_psci_user(NULL), -EINVAL);
	mock_sys_done();
}

static void psci_user_failures(void **state)
{
	struct fx *f = setup(state, NULL);
	struct psci_script p;

	psci_script_build(&p, 0, -EBUSY);
	mock_seq_expect(p.s, 1);
	assert_int_equal(cca_realm_set_psci_user(f->realm), -EBUSY);
	mock_seq_done();
	assert_int_equal(cca_realm_psci_user(f->realm), 0);

	psci_script_build(&p, 1, -ENOMEM);
	mock_seq_expect(p.s, 2);
	assert_int_equal(cca_realm_set_psci_user(f->realm), -ENOMEM);
	mock_seq_done();
	assert_int_equal(cca_realm_psci_user(f->realm), 0);

	/* A retry sends only the range that failed: KVM would refuse the first twice. */
	psci_script_build(&p, -1, 0);
	mock_seq_expect(p.s + 1, 1);
	assert_int_equal(cca_realm_set_psci_user(f->realm), 0);
	mock_seq_done();
	assert_int_equal(cca_realm_psci_user(f->realm), 1);
	mock_sys_done();
}

static void psci_user_after_run(void **state)
{
	struct fx *f = setup(state, NULL);

	run_first(f);
	size_t before = mock_sys_ioctl_count();
	assert_int_equal(cca_realm_set_psci_user(f->realm), -CCA_E_AFTER_RUN);
	assert_int_equal(cca_realm_psci_user(f->realm), 0);
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
}

/* ---- destroy ------------------------------------------------------------------ */

static void destroy_null(void **state)
{
	(void)state;
	mock_sys_reset();
	cca_realm_destroy(NULL);
	assert_int_equal(mock_sys_ioctl_count(), 0);
	mock_sys_assert_clean();
}

/*
 * A realm with every kind of resource: vCPUs with kvm_run mappings, a GIC,
 * private and shared-only regions mapped by the library, a region whose
 * shared view the caller owns (must not be unmapped), PSCI routing, after
 * a run. Destroying it and closing the host leaves nothing open, with no
 * kernel call.
 */
static void destroy_releases_everything(void **state)
{
	struct fx_opts o = { .nr_recs = 4, .psci_user = true };
	struct fx *f = setup(state, &o);
	static unsigned char caller_view[64 * 1024] __attribute__((aligned(4096)));
	struct cca_mem_region_params rp[3];

	for (int i = 0; i < 3; i++) {
		memset(&rp[i], 0, sizeof(rp[i]));
		rp[i].size = sizeof(rp[i]);
		rp[i].gpa = 0x100000000ULL + (uint64_t)i * MiB;
		rp[i].len = 64 * KiB;
	}
	rp[1].flags = CCA_MEM_F_SHARED_ONLY;
	rp[2].shared_uaddr = (uint64_t)(uintptr_t)caller_view;
	fx_handler_mode(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cca_mem_region_add(f->realm, &rp[i], NULL), 0);
	run_first(f);

	strict();
	size_t before = mock_sys_ioctl_count();
	cca_realm_destroy(f->realm);
	f->realm = NULL;
	cca_host_close(f->host);
	f->host = NULL;
	assert_int_equal(mock_sys_ioctl_count(), before);
	mock_sys_done();
	mock_sys_assert_clean(); /* every fd closed once, every library mapping unmapped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(params_init_defaults),
		T_ALL(create_validation),
		T_ALL(create_sequence),
		T_ALL(create_copies_params),
		T_ALL(create_kernel_failures),
		T_ALL(gic_create_sequence),
		T_ALL(gic_create_nr_irqs),
		T_ALL(gic_create_failures),
		T_ALL(gic_placement),
		T_ALL(gic_placement_adjacent),
		T_ALL(gic_create_state),
		T_ALL(gic_create_dead),
		T_ALL(psci_user_filters),
		T_ALL(psci_user_failures),
		T_ALL(psci_user_after_run),
		cmocka_unit_test(destroy_null),
		T_ALL(destroy_releases_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
