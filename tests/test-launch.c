// SPDX-License-Identifier: MIT
/*
 * Description: launch plans (rmi/launch.h). The arm64 Image header (good
 * headers and every refusal), the layout for several RAM sizes with and
 * without an initrd (alignment and non-overlap of every region, kvmtool's
 * DTB placement), the errors when something does not fit, the generated
 * device tree (nodes and properties through libfdt, and `dtc -I dtb -O dts`
 * without warnings when dtc is installed), determinism (identical
 * parameters give a byte-identical DTB and the same RIM), the order of the
 * operations, the step-by-step replay, and on the simulator for v12..v15:
 * a realm built with cca_launch_plan_apply() reports
 * cca_realm_expected_rim() == cca_launch_plan_rim() == cca_sim_rim() after
 * activation.
 *
 * The test Images are generated here (a header and a byte pattern), never
 * checked in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include <rmi/cca.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- fixtures --------------------------------------------------------------- */

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* An arm64 Image of @len bytes: the 64-byte header, then a pattern. */
static unsigned char *make_image(size_t len, uint64_t text_offset, uint64_t image_size,
				 uint64_t flags)
{
	unsigned char *b = malloc(len < 64 ? 64 : len);
	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 13 + 7);
	if (len >= 64) {
		put64(b, 0x14000010 | (uint64_t)0x91005a4d << 32); /* b +64; add x13, x18, #0x16 */
		put64(b + 8, text_offset);
		put64(b + 16, image_size);
		put64(b + 24, flags);
		memset(b + 32, 0, 24);
		put64(b + 56, CCA_IMAGE_MAGIC); /* "ARM\x64" and res5 = 0 */
	}
	return b;
}

static unsigned char *make_blob(size_t len, unsigned char seed)
{
	unsigned char *b = malloc(len ? len : 1);
	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(seed + i * 31);
	return b;
}

struct img {
	unsigned char *kernel, *initrd;
	size_t kernel_len, initrd_len;
};

/* A 1 MiB + 100-byte kernel (image_size 3 MiB) and, if @initrd_len, an initrd. */
static void img_make(struct img *im, size_t initrd_len)
{
	im->kernel_len = MiB + 100;
	im->kernel = make_image(im->kernel_len, 0, 3 * MiB, 0xa);
	im->initrd_len = initrd_len;
	im->initrd = initrd_len ? make_blob(initrd_len, 0x5a) : NULL;
}

static void img_free(struct img *im)
{
	free(im->kernel);
	free(im->initrd);
}

static void params_for(struct cca_launch_params *p, const struct img *im, enum cca_abi_rev rev,
		       uint64_t ram)
{
	cca_launch_params_init(p);
	p->revision = rev;
	p->kernel = im->kernel;
	p->kernel_len = im->kernel_len;
	p->initrd = im->initrd;
	p->initrd_len = im->initrd_len;
	p->ram_size = ram;
	p->cmdline = "console=ttyAMA0 earlycon";
}

static struct cca_launch_plan *plan_ok(const struct cca_launch_params *p)
{
	struct cca_launch_plan *pl = NULL;
	char err[256];
	int ret = cca_launch_plan_create(p, &pl, err, sizeof(err));
	if (ret)
		fail_msg("cca_launch_plan_create: %d: %s", ret, err);
	assert_non_null(pl);
	return pl;
}

/* Expect failure @want with @needle in the message and *out untouched. */
static void plan_fails(const struct cca_launch_params *p, int want, const char *needle)
{
	struct cca_launch_plan *pl = (struct cca_launch_plan *)0x1;
	char err[256] = "";
	int ret = cca_launch_plan_create(p, &pl, err, sizeof(err));
	if (ret != want || !strstr(err, needle))
		fail_msg("got %d '%s', expected %d with '%s'", ret, err, want, needle);
	assert_ptr_equal(pl, (struct cca_launch_plan *)0x1);
	assert_null(strchr(err, '\n'));
}

/* ---- the Image header --------------------------------------------------------- */

static void image_good(void **state)
{
	struct cca_image_info i;
	char err[128];
	(void)state;

	unsigned char *b = make_image(8192, 0, 64 * KiB + 8192, 0x2 | 0x8);
	assert_int_equal(cca_image_parse(b, 8192, &i, err, sizeof(err)), 0);
	assert_int_equal(i.text_offset, 0);
	assert_int_equal(i.image_size, 64 * KiB + 8192);
	assert_int_equal(i.file_size, 8192);
	assert_int_equal(i.page_size, 4096);
	assert_int_equal(i.anywhere, 1);
	assert_int_equal(i.legacy, 0);
	/* image_size equal to the file is fine. */
	put64(b + 16, 8192);
	assert_int_equal(cca_image_parse(b, 8192, &i, err, sizeof(err)), 0);
	free(b);

	static const struct {
		uint64_t flags;
		uint32_t page;
	} pages[] = { { 0, 0 }, { 2, 4096 }, { 4, 16384 }, { 6, 65536 } };
	for (size_t k = 0; k < 4; k++) {
		b = make_image(4096, 0x80000, 1 * MiB, pages[k].flags);
		assert_int_equal(cca_image_parse(b, 4096, &i, err, sizeof(err)), 0);
		assert_int_equal(i.page_size, pages[k].page);
		assert_int_equal(i.text_offset, 0x80000);
		assert_int_equal(i.anywhere, 0);
		free(b);
	}

	/* Legacy (image_size 0): text_offset 0x80000 whatever the field says, size = file. */
	b = make_image(12345, 0, 0, 0);
	assert_int_equal(cca_image_parse(b, 12345, &i, err, sizeof(err)), 0);
	assert_int_equal(i.legacy, 1);
	assert_int_equal(i.text_offset, 0x80000);
	assert_int_equal(i.image_size, 12345);
	free(b);
}

static void image_bad_case(unsigned char *b, size_t len, const char *needle)
{
	struct cca_image_info i, keep;
	char err[160] = "";
	memset(&keep, 0xa5, sizeof(keep));
	i = keep;
	int ret = cca_image_parse(b, len, &i, err, sizeof(err));
	if (ret != -EINVAL || !strstr(err, needle))
		fail_msg("got %d '%s', expected -EINVAL with '%s'", ret, err, needle);
	assert_memory_equal(&i, &keep, sizeof(i));
	/* The launch plan reports the same line. */
	struct cca_launch_params p;
	struct img im = { .kernel = b, .kernel_len = len };
	params_for(&p, &im, CCA_ABI_V13, 64 * MiB);
	plan_fails(&p, -EINVAL, needle);
	free(b);
}

static void image_bad(void **state)
{
	struct cca_image_info i;
	char err[160] = "";
	(void)state;

	assert_int_equal(cca_image_parse(NULL, 100, &i, err, sizeof(err)), -EINVAL);
	assert_int_equal(cca_image_parse(err, 100, NULL, NULL, 0), -EINVAL);
	image_bad_case(make_image(63, 0, 0, 0), 63, "too short");
	assert_int_equal(cca_image_parse(err, 0, &i, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too short"));
	{
		struct cca_launch_params p;
		struct img im = { .kernel = (unsigned char *)err, .kernel_len = 0 };
		params_for(&p, &im, CCA_ABI_V13, 64 * MiB);
		plan_fails(&p, -EINVAL, "no kernel Image");
	}

	unsigned char *b = make_image(4096, 0, 8192, 0);
	b[59] = 0x65; /* "ARM\x65" */
	image_bad_case(b, 4096, "bad magic");
	b = make_image(4096, 0, 8192, 0);
	memcpy(b + 56, "\x7f" "ELF", 4);
	image_bad_case(b, 4096, "not an arm64 kernel Image");
	image_bad_case(make_image(4096, 0, 8192, 1), 4096, "big-endian");
	image_bad_case(make_image(8192, 0, 4096, 0), 8192, "smaller than the file");
	image_bad_case(make_image(4096, 0x80100, 8192, 0), 4096, "not 4 KiB aligned");
	image_bad_case(make_image(4096, 1ULL << 40, 8192, 0), 4096, "absurd");
}

/* ---- layout ------------------------------------------------------------------- */

static void check_layout(const struct cca_launch_plan *pl, const struct cca_launch_params *p)
{
	const struct cca_launch_layout *l = cca_launch_plan_layout(pl);
	uint64_t ram_top = l->ram_base + l->ram_size;
	uint64_t lim = l->ram_base + (l->ram_size < 256 * MiB ? l->ram_size : 256 * MiB);

	assert_int_equal(l->ram_base, 0x80000000ULL);
	assert_int_equal(l->kernel_base % (2 * MiB), 0);
	assert_int_equal(l->kernel_load, l->kernel_base + l->image.text_offset);
	assert_int_equal(l->kernel_load % 4096, 0);
	assert_int_equal(l->kernel_size, (p->kernel_len + 4095) & ~4095ULL);
	assert_true(l->kernel_reserved >= l->image.image_size);
	assert_int_equal(l->dtb_addr % (2 * MiB), 0);
	assert_int_equal(l->dtb_size, 64 * KiB);
	/* kvmtool: 2 MiB below the top of min(RAM, 256 MiB). */
	assert_int_equal(l->dtb_addr, lim - 2 * MiB);
	if (l->ram_size >= 256 * MiB)
		assert_int_equal(l->dtb_addr, 0x8fe00000ULL);
	assert_true(l->dtb_addr + l->dtb_size <= ram_top);
	assert_true(l->kernel_load + l->kernel_reserved <= (l->initrd_len ? l->initrd_addr : l->dtb_addr));
	if (p->initrd_len) {
		assert_int_equal(l->initrd_addr % 4096, 0);
		assert_int_equal(l->initrd_len, p->initrd_len);
		assert_int_equal(l->initrd_size, (p->initrd_len + 4095) & ~4095ULL);
		assert_int_equal(l->initrd_addr + l->initrd_size, l->dtb_addr);
	} else {
		assert_int_equal(l->initrd_addr, 0);
		assert_int_equal(l->initrd_size, 0);
	}
	assert_true(l->ipa_bits >= 33);
	assert_true(ram_top <= 1ULL << (l->ipa_bits - 1));

	/* The operations: GIC, RECs, region, (PSCI), populates ascending, entry. */
	const struct cca_launch_op *ops;
	size_t n = cca_launch_plan_ops(pl, &ops), k = 0;
	assert_int_equal(ops[k].kind, CCA_LAUNCH_OP_GIC);
	assert_int_equal(ops[k].gpa, 0x08000000);
	assert_int_equal(ops[k].gpa2, 0x080a0000);
	assert_int_equal(ops[k++].len2, l->nr_vcpus * 128 * KiB);
	for (unsigned int i = 0; i < l->nr_vcpus; i++, k++) {
		assert_int_equal(ops[k].kind, CCA_LAUNCH_OP_REC);
		assert_int_equal(ops[k].index, i);
	}
	assert_int_equal(ops[k].kind, CCA_LAUNCH_OP_REGION);
	assert_int_equal(ops[k].gpa, l->ram_base);
	assert_int_equal(ops[k++].len, l->ram_size);
	if (l->psci_user)
		assert_int_equal(ops[k++].kind, CCA_LAUNCH_OP_PSCI_USER);
	uint64_t prev_end = 0;
	unsigned int pops = 0;
	for (; k < n && ops[k].kind == CCA_LAUNCH_OP_POPULATE; k++, pops++) {
		assert_true(ops[k].gpa >= prev_end); /* ascending, no overlap */
		assert_int_equal(ops[k].gpa % 4096, 0);
		assert_int_equal(ops[k].len % 4096, 0);
		assert_int_equal((uintptr_t)ops[k].src % 4096, 0);
		assert_int_equal(ops[k].flags, CCA_POPULATE_MEASURE);
		assert_true(ops[k].gpa >= l->ram_base && ops[k].gpa + ops[k].len <= ram_top);
		prev_end = ops[k].gpa + ops[k].len;
	}
	assert_int_equal(pops, p->initrd_len ? 3 : 2);
	assert_int_equal(ops[k].kind, CCA_LAUNCH_OP_ENTRY);
	assert_int_equal(ops[k].pc, l->kernel_load);
	assert_int_equal(ops[k].x[0], l->dtb_addr);
	for (int i = 1; i < 8; i++)
		assert_int_equal(ops[k].x[i], 0);
	assert_int_equal(k + 1, n);
}

static void layout_sizes(void **state)
{
	static const uint64_t rams[] = { 64 * MiB, 256 * MiB, 1 * GiB };
	(void)state;
	for (size_t r = 0; r < 3; r++) {
		for (int with = 0; with < 2; with++) {
			struct img im;
			struct cca_launch_params p;
			img_make(&im, with ? 5 * MiB + 123 : 0);
			params_for(&p, &im, CCA_ABI_V13, rams[r]);
			p.nr_vcpus = 4;
			struct cca_launch_plan *pl = plan_ok(&p);
			check_layout(pl, &p);
			const struct cca_launch_layout *l = cca_launch_plan_layout(pl);
			assert_int_equal(l->ipa_bits, 33);
			assert_int_equal(l->kernel_load, 0x80000000ULL);
			assert_int_equal(l->kernel_size, MiB + 4096);
			assert_int_equal(l->kernel_reserved, 3 * MiB);
			if (rams[r] == 64 * MiB)
				assert_int_equal(l->dtb_addr, 0x83e00000ULL);
			if (with)
				assert_int_equal(l->initrd_addr, l->dtb_addr - 5 * MiB - 4096);
			assert_int_equal(l->psci_user, 1); /* v13: manual completion */
			/* The padded copies: data then zeros. */
			const struct cca_launch_op *ops;
			size_t n = cca_launch_plan_ops(pl, &ops);
			for (size_t k = 0; k < n; k++) {
				if (ops[k].kind != CCA_LAUNCH_OP_POPULATE ||
				    ops[k].index == CCA_LAUNCH_DTB)
					continue;
				const unsigned char *src = ops[k].src;
				size_t real = ops[k].index == CCA_LAUNCH_KERNEL ? im.kernel_len
										: im.initrd_len;
				assert_memory_equal(src, ops[k].index == CCA_LAUNCH_KERNEL ? im.kernel
											   : im.initrd,
						    real);
				for (size_t i = real; i < ops[k].len; i++)
					assert_int_equal(src[i], 0);
			}
			cca_launch_plan_destroy(pl);
			img_free(&im);
		}
	}
}

/* Legacy header: text_offset 0x80000; IPA width for large RAM; PSCI defaults; redist move. */
static void layout_variants(void **state)
{
	struct img im;
	struct cca_launch_params p;
	(void)state;

	img_make(&im, 0);
	free(im.kernel);
	im.kernel = make_image(im.kernel_len, 0, 0, 0);
	params_for(&p, &im, CCA_ABI_V14, 64 * MiB);
	struct cca_launch_plan *pl = plan_ok(&p);
	const struct cca_launch_layout *l = cca_launch_plan_layout(pl);
	assert_int_equal(l->kernel_load, 0x80080000ULL);
	assert_int_equal(l->psci_user, 0); /* v14: the kernel completes PSCI */
	check_layout(pl, &p);
	cca_launch_plan_destroy(pl);

	/* 4 GiB of RAM ends at 0x180000000: 34 bits; 2 GiB ends at 2^32: 33. */
	p.ram_size = 4 * GiB;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_layout(pl)->ipa_bits, 34);
	cca_launch_plan_destroy(pl);
	p.ram_size = 2 * GiB;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_layout(pl)->ipa_bits, 33);
	cca_launch_plan_destroy(pl);
	/* An explicit width is kept. */
	p.ipa_bits = 40;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_layout(pl)->ipa_bits, 40);
	cca_launch_plan_destroy(pl);
	p.ipa_bits = 0;

	/* PSCI routing by request. */
	p.psci = CCA_LAUNCH_PSCI_USER;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_layout(pl)->psci_user, 1);
	cca_launch_plan_destroy(pl);
	p.psci = 0;

	/* 123 vCPUs' redistributors end at the UART; 124 would overlap it: moved up. */
	p.nr_vcpus = 123;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_layout(pl)->gic_redist_base, 0x080a0000ULL);
	cca_launch_plan_destroy(pl);
	p.nr_vcpus = 512;
	pl = plan_ok(&p);
	l = cca_launch_plan_layout(pl);
	assert_int_equal(l->gic_redist_base, CCA_LAUNCH_GIC_REDIST_HIGH);
	assert_int_equal(l->gic_redist_size, 64 * MiB);
	cca_launch_plan_destroy(pl);
	img_free(&im);
}

static void does_not_fit(void **state)
{
	struct img im;
	struct cca_launch_params p;
	(void)state;

	/* initrd: 64 MiB RAM, DTB at +62 MiB, kernel reserves 3 MiB: 59 MiB free. */
	img_make(&im, 59 * MiB + 1);
	params_for(&p, &im, CCA_ABI_V13, 64 * MiB);
	plan_fails(&p, -ENOSPC, "initrd");
	p.initrd_len = 59 * MiB; /* exactly fits */
	struct cca_launch_plan *pl = plan_ok(&p);
	check_layout(pl, &p);
	assert_int_equal(cca_launch_plan_layout(pl)->initrd_addr, 0x80000000ULL + 3 * MiB);
	cca_launch_plan_destroy(pl);
	img_free(&im);

	/* Kernel image_size beyond RAM. */
	img_make(&im, 0);
	put64(im.kernel + 16, 65 * MiB);
	params_for(&p, &im, CCA_ABI_V13, 64 * MiB);
	plan_fails(&p, -ENOSPC, "RAM too small for the kernel");
	/* Kernel reaching the DTB's 2 MiB slot. */
	put64(im.kernel + 16, 62 * MiB + 4096);
	plan_fails(&p, -ENOSPC, "DTB");
	put64(im.kernel + 16, 3 * MiB);

	/* A given DTB larger than the room below 256 MiB. */
	p.cmdline = NULL;
	size_t big = 300 * MiB;
	unsigned char *dtb = calloc(1, big);
	assert_non_null(dtb);
	assert_int_equal(fdt_create_empty_tree(dtb, (int)big), 0);
	p.dtb = dtb;
	p.dtb_len = big;
	p.ram_size = 1 * GiB;
	plan_fails(&p, -ENOSPC, "DTB");
	/* ...and not a DTB at all. */
	memset(dtb, 0x11, 4096);
	p.dtb_len = 4096;
	plan_fails(&p, -EINVAL, "not a valid flattened device tree");
	free(dtb);
	p.dtb = NULL;
	p.dtb_len = 0;

	/* IPA too small for the RAM. */
	p.ram_size = 64 * MiB;
	p.ipa_bits = 32;
	plan_fails(&p, -ERANGE, "IPA width 32 too small");
	p.ram_size = 4 * GiB;
	p.ipa_bits = 33;
	plan_fails(&p, -ERANGE, "at least 34 bits");
	p.ipa_bits = 53;
	plan_fails(&p, -EINVAL, "IPA width 53");
	p.ipa_bits = 0;
	p.ram_size = 64 * MiB;

	/* Parameters. */
	p.ram_size = 65 * MiB;
	plan_fails(&p, -EINVAL, "multiples of 2 MiB");
	p.ram_size = 64 * MiB;
	p.nr_vcpus = CCA_MAX_RECS + 1;
	plan_fails(&p, -EINVAL, "vCPUs");
	p.nr_vcpus = 1;
	p.sve_vl = 24;
	plan_fails(&p, -EINVAL, "SVE");
	p.sve_vl = 0;
	p.num_bps = 17;
	plan_fails(&p, -EINVAL, "breakpoints");
	p.num_bps = 0;
	p.revision = CCA_ABI_V14;
	p.pmu_counters = 4;
	plan_fails(&p, -EOPNOTSUPP, "no PMU");
	p.pmu_counters = 0;
	p.revision = CCA_ABI_UNKNOWN;
	plan_fails(&p, -EINVAL, "unknown kernel revision");
	p.revision = CCA_ABI_V13;
	p.reserved[3] = 1;
	plan_fails(&p, -EINVAL, "reserved");
	p.reserved[3] = 0;
	p.size--;
	plan_fails(&p, -EINVAL, "size");
	p.size++;
	p.uart_base = 0x08001000; /* inside the distributor */
	plan_fails(&p, -EINVAL, "overlaps GIC distributor");
	p.uart_base = 0x81000000; /* inside RAM */
	plan_fails(&p, -EINVAL, "UART [0x81000000, 0x81001000) overlaps RAM");
	p.uart_base = 0x09000800;
	plan_fails(&p, -EINVAL, "aligned");
	p.uart_base = 0;
	p.rim_model = CCA_RIM_RMM1;
	p.rim_initial = CCA_RIM_INIT_ZERO;
	plan_fails(&p, -EINVAL, "initial RIM");
	p.rim_model = 0;
	p.rim_initial = 0;
	p.dtb = im.kernel;
	p.dtb_len = 64;
	p.cmdline = "x";
	plan_fails(&p, -EINVAL, "command line cannot be combined");
	p.dtb = NULL;
	p.dtb_len = 0;
	p.initrd_len = 10;
	plan_fails(&p, -EINVAL, "initrd length");
	p.initrd_len = 0;
	pl = plan_ok(&p);
	cca_launch_plan_destroy(pl);
	assert_int_equal(cca_launch_plan_create(NULL, &pl, NULL, 0), -EINVAL);
	cca_launch_plan_destroy(NULL);
	img_free(&im);
}

/* ---- the device tree ------------------------------------------------------------ */

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	if (node < 0)
		fail_msg("%s: %s", path, fdt_strerror(node));
	const void *v = fdt_getprop(fdt, node, name, len);
	if (!v)
		fail_msg("%s: no %s", path, name);
	return v;
}

static uint32_t cell(const void *v, int i)
{
	return fdt32_ld((const fdt32_t *)v + i);
}

static uint64_t cell64(const void *v, int i)
{
	return (uint64_t)cell(v, 2 * i) << 32 | cell(v, 2 * i + 1);
}

static void dtb_content(void **state)
{
	struct img im;
	struct cca_launch_params p;
	const void *fdt;
	size_t len;
	int n;
	(void)state;

	img_make(&im, 100000);
	params_for(&p, &im, CCA_ABI_V12, 256 * MiB);
	p.nr_vcpus = 17;
	p.pmu_counters = 4;
	struct cca_launch_plan *pl = plan_ok(&p);
	const struct cca_launch_layout *l = cca_launch_plan_layout(pl);
	assert_int_equal(cca_launch_plan_dtb(pl, &fdt, &len), 0);
	assert_int_equal(fdt_check_header(fdt), 0);
	assert_int_equal(fdt_totalsize(fdt), len);
	assert_int_equal(len, l->dtb_len);
	assert_true(len <= 64 * KiB);
	/* The populated region is the DTB then zeros. */
	const struct cca_launch_op *ops;
	size_t nops = cca_launch_plan_ops(pl, &ops);
	const struct cca_launch_op *dop = &ops[nops - 2];
	assert_int_equal(dop->index, CCA_LAUNCH_DTB);
	assert_ptr_equal(dop->src, fdt);
	assert_int_equal(dop->len, 64 * KiB);
	for (size_t i = len; i < dop->len; i++)
		assert_int_equal(((const unsigned char *)fdt)[i], 0);

	assert_string_equal(prop(fdt, "/", "compatible", &n), "linux,dummy-virt");
	assert_int_equal(cell(prop(fdt, "/", "#address-cells", &n), 0), 2);
	assert_int_equal(cell(prop(fdt, "/", "#size-cells", &n), 0), 2);
	uint32_t gic_ph = cell(prop(fdt, "/", "interrupt-parent", &n), 0);

	assert_string_equal(prop(fdt, "/chosen", "bootargs", &n), "console=ttyAMA0 earlycon");
	assert_string_equal(prop(fdt, "/chosen", "stdout-path", &n), "/serial@9000000");
	assert_int_equal(cell64(prop(fdt, "/chosen", "linux,initrd-start", &n), 0), l->initrd_addr);
	assert_int_equal(n, 8);
	assert_int_equal(cell64(prop(fdt, "/chosen", "linux,initrd-end", &n), 0),
			 l->initrd_addr + 100000);

	assert_string_equal(prop(fdt, "/memory@80000000", "device_type", &n), "memory");
	const void *reg = prop(fdt, "/memory@80000000", "reg", &n);
	assert_int_equal(n, 16);
	assert_int_equal(cell64(reg, 0), 0x80000000ULL);
	assert_int_equal(cell64(reg, 1), 256 * MiB);

	assert_int_equal(cell(prop(fdt, "/cpus", "#address-cells", &n), 0), 1);
	assert_int_equal(cell(prop(fdt, "/cpus", "#size-cells", &n), 0), 0);
	for (unsigned int i = 0; i < 17; i++) {
		char path[32];
		uint32_t mpidr = (i & 0xf) | ((i >> 4) & 0xff) << 8;
		snprintf(path, sizeof(path), "/cpus/cpu@%x", mpidr);
		assert_int_equal(cell(prop(fdt, path, "reg", &n), 0), mpidr);
		assert_string_equal(prop(fdt, path, "device_type", &n), "cpu");
		assert_string_equal(prop(fdt, path, "compatible", &n), "arm,arm-v8");
		assert_string_equal(prop(fdt, path, "enable-method", &n), "psci");
	}
	assert_true(fdt_path_offset(fdt, "/cpus/cpu@100") >= 0); /* vCPU 16: Aff1 = 1 */
	assert_true(fdt_path_offset(fdt, "/cpus/cpu@11") < 0);

	const char *c = prop(fdt, "/psci", "compatible", &n);
	assert_int_equal(n, sizeof("arm,psci-1.0") + sizeof("arm,psci-0.2"));
	assert_string_equal(c, "arm,psci-1.0");
	assert_string_equal(c + sizeof("arm,psci-1.0"), "arm,psci-0.2");
	assert_string_equal(prop(fdt, "/psci", "method", &n), "smc");
	assert_int_equal(cell(prop(fdt, "/psci", "cpu_on", &n), 0), 0xc4000003);
	assert_int_equal(cell(prop(fdt, "/psci", "cpu_off", &n), 0), 0x84000002);
	assert_int_equal(cell(prop(fdt, "/psci", "cpu_suspend", &n), 0), 0xc4000001);
	assert_int_equal(cell(prop(fdt, "/psci", "migrate", &n), 0), 0xc4000005);

	const char *gic = "/interrupt-controller@8000000";
	assert_string_equal(prop(fdt, gic, "compatible", &n), "arm,gic-v3");
	assert_int_equal(cell(prop(fdt, gic, "#interrupt-cells", &n), 0), 3);
	prop(fdt, gic, "interrupt-controller", &n);
	assert_int_equal(n, 0);
	assert_int_equal(cell(prop(fdt, gic, "phandle", &n), 0), gic_ph);
	assert_int_equal(fdt_node_offset_by_phandle(fdt, gic_ph), fdt_path_offset(fdt, gic));
	reg = prop(fdt, gic, "reg", &n);
	assert_int_equal(n, 32);
	assert_int_equal(cell64(reg, 0), 0x08000000);
	assert_int_equal(cell64(reg, 1), 64 * KiB);
	assert_int_equal(cell64(reg, 2), 0x080a0000);
	assert_int_equal(cell64(reg, 3), 17 * 128 * KiB);

	assert_string_equal(prop(fdt, "/timer", "compatible", &n), "arm,armv8-timer");
	const void *irq = prop(fdt, "/timer", "interrupts", &n);
	assert_int_equal(n, 48);
	static const uint32_t ppis[4] = { 13, 14, 11, 10 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cell(irq, 3 * i), 1);
		assert_int_equal(cell(irq, 3 * i + 1), ppis[i]);
		assert_int_equal(cell(irq, 3 * i + 2), 4);
	}
	assert_string_equal(prop(fdt, "/pmu", "compatible", &n), "arm,armv8-pmuv3");
	assert_int_equal(cell(prop(fdt, "/pmu", "interrupts", &n), 1), 7);

	const char *uart = "/serial@9000000";
	c = prop(fdt, uart, "compatible", &n);
	assert_string_equal(c, "arm,pl011");
	assert_string_equal(c + sizeof("arm,pl011"), "arm,primecell");
	reg = prop(fdt, uart, "reg", &n);
	assert_int_equal(cell64(reg, 0), 0x09000000);
	assert_int_equal(cell64(reg, 1), 4096);
	irq = prop(fdt, uart, "interrupts", &n);
	assert_int_equal(cell(irq, 0), 0);
	assert_int_equal(cell(irq, 1), 1);
	uint32_t clk = cell(prop(fdt, uart, "clocks", &n), 0);
	assert_true(fdt_node_offset_by_phandle(fdt, clk) >= 0);
	cca_launch_plan_destroy(pl);

	/* Without an initrd or PMU: no initrd properties, no /pmu; empty bootargs. */
	free(im.initrd);
	im.initrd = NULL;
	im.initrd_len = 0;
	params_for(&p, &im, CCA_ABI_V15, 64 * MiB);
	p.cmdline = NULL;
	pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_dtb(pl, &fdt, &len), 0);
	int ch = fdt_path_offset(fdt, "/chosen");
	assert_null(fdt_getprop(fdt, ch, "linux,initrd-start", &n));
	assert_true(fdt_path_offset(fdt, "/pmu") < 0);
	assert_string_equal(prop(fdt, "/chosen", "bootargs", &n), "");
	assert_int_equal(cca_launch_plan_dtb(pl, NULL, &len), -EINVAL);
	cca_launch_plan_destroy(pl);
	img_free(&im);
}

static int find_dtc(void)
{
	return system("command -v dtc >/dev/null 2>&1") == 0;
}

/* dtc decompiles every variant of the generated DTB with no warnings. */
static void dtb_dtc(void **state)
{
	(void)state;
	if (!find_dtc()) {
		printf("# SKIP dtb_dtc: dtc not found (install device-tree-compiler)\n");
		skip();
	}
	static const struct {
		unsigned int cpus, initrd, pmu;
		uint64_t ram;
	} cases[] = { { 1, 0, 0, 64 * MiB }, { 4, 1, 1, 256 * MiB }, { 17, 1, 0, 1 * GiB },
		      { 512, 0, 0, 2 * GiB } };
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct img im;
		struct cca_launch_params p;
		char path[] = "/tmp/test-launch-XXXXXX", cmd[256], out[4096];
		const void *fdt;
		size_t len;

		img_make(&im, cases[k].initrd ? 4096 : 0);
		params_for(&p, &im, CCA_ABI_V12, cases[k].ram);
		p.nr_vcpus = cases[k].cpus;
		p.pmu_counters = cases[k].pmu ? 8 : 0;
		struct cca_launch_plan *pl = plan_ok(&p);
		assert_int_equal(cca_launch_plan_dtb(pl, &fdt, &len), 0);
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, fdt, len), (ssize_t)len);
		close(fd);
		snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>&1", path);
		FILE *f = popen(cmd, "r");
		assert_non_null(f);
		size_t got = fread(out, 1, sizeof(out) - 1, f);
		out[got] = '\0';
		int st = pclose(f);
		unlink(path);
		if (st != 0 || got)
			fail_msg("dtc on case %zu: status %d: %s", k, st, out);
		cca_launch_plan_destroy(pl);
		img_free(&im);
	}
}

/* ---- determinism and the measurement -------------------------------------------- */

static void determinism(void **state)
{
	struct img im;
	struct cca_launch_params p;
	uint8_t r1[64], r2[64], r3[64];
	size_t l1, l2, l3;
	const void *d1, *d2;
	size_t n1, n2;
	(void)state;

	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		img_make(&im, 3 * MiB + 5);
		params_for(&p, &im, (enum cca_abi_rev)rev, 256 * MiB);
		p.nr_vcpus = 3;
		struct cca_launch_plan *a = plan_ok(&p), *b = plan_ok(&p);
		assert_int_equal(cca_launch_plan_dtb(a, &d1, &n1), 0);
		assert_int_equal(cca_launch_plan_dtb(b, &d2, &n2), 0);
		assert_int_equal(n1, n2);
		assert_memory_equal(d1, d2, 64 * KiB); /* the whole populated region */
		assert_int_equal(cca_launch_plan_rim(a, r1, &l1), 0);
		assert_int_equal(cca_launch_plan_rim(b, r2, &l2), 0);
		assert_int_equal(l1, 32);
		assert_memory_equal(r1, r2, 64);
		const struct cca_launch_op *oa, *ob;
		size_t na = cca_launch_plan_ops(a, &oa), nb = cca_launch_plan_ops(b, &ob);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++) {
			assert_int_equal(oa[k].kind, ob[k].kind);
			assert_int_equal(oa[k].gpa, ob[k].gpa);
			assert_int_equal(oa[k].len, ob[k].len);
		}

		/* The step replay ends on the same RIM and reports every granule. */
		struct cca_rim rim;
		assert_int_equal(cca_launch_plan_measure(a, &rim, NULL, NULL), 0);
		assert_int_equal(cca_rim_get(&rim, r3, &l3), 0);
		assert_memory_equal(r1, r3, 64);
		const struct cca_launch_layout *l = cca_launch_plan_layout(a);
		assert_int_equal(rim.nr_data, (l->kernel_size + l->initrd_size + l->dtb_size) / 4096);
		assert_int_equal(rim.nr_data_measured, rim.nr_data);
		assert_int_equal(rim.nr_rec, 1);
		if (rev == CCA_ABI_V12)
			assert_true(rim.nr_ripas > 0);
		else
			assert_int_equal(rim.nr_ripas, 0);

		/* One byte of the command line changes the RIM. */
		p.cmdline = "console=ttyAMA0 earlycoN";
		struct cca_launch_plan *c = plan_ok(&p);
		assert_int_equal(cca_launch_plan_rim(c, r3, &l3), 0);
		assert_memory_not_equal(r1, r3, 32);

		/* The generated DTB given back as --dtb: the same launch, the same RIM. */
		p.cmdline = NULL;
		p.dtb = d1;
		p.dtb_len = n1;
		struct cca_launch_plan *d = plan_ok(&p);
		assert_int_equal(cca_launch_plan_rim(d, r3, &l3), 0);
		assert_memory_equal(r1, r3, 32);

		cca_launch_plan_destroy(a);
		cca_launch_plan_destroy(b);
		cca_launch_plan_destroy(c);
		cca_launch_plan_destroy(d);
		img_free(&im);
	}
}

/* ---- on the simulator ------------------------------------------------------------- */

static void sim_case(enum cca_abi_rev rev, uint64_t ram, size_t initrd, unsigned int cpus,
		     unsigned int pmu)
{
	struct img im;
	struct cca_launch_params p;
	struct cca_sim_options so = { .size = sizeof(so), .revision = rev };
	struct cca_host_options ho = { .size = sizeof(ho), .flags = CCA_HOST_NO_ENV };
	struct cca_sim *sim;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_realm_params rp;
	uint8_t plan_rim[64], shadow[64], sim_rim[64];
	size_t pl_len, sh_len, sim_len;
	char err[256];
	struct cca_exit e;

	img_make(&im, initrd);
	params_for(&p, &im, rev, ram);
	p.nr_vcpus = cpus;
	p.pmu_counters = pmu;
	struct cca_launch_plan *pl = plan_ok(&p);
	assert_int_equal(cca_launch_plan_rim(pl, plan_rim, &pl_len), 0);

	assert_int_equal(cca_sim_create(&so, &sim, err, sizeof(err)), 0);
	ho.sim = sim;
	assert_int_equal(cca_host_open(&ho, &host), 0);
	cca_launch_realm_params(pl, &rp);
	assert_int_equal(cca_realm_create(host, &rp, &realm), 0);
	int ret = cca_launch_plan_apply(pl, realm, err, sizeof(err));
	if (ret)
		fail_msg("%s: apply: %s", cca_abi_rev_name(rev), err);
	assert_int_equal(cca_realm_state(realm), CCA_REALM_DESCRIPTOR);
	assert_int_equal(cca_rec_run(cca_rec_get(realm, 0), &e), 0); /* activates */
	assert_int_equal(cca_realm_state(realm), CCA_REALM_ACTIVE);
	assert_int_equal(cca_realm_expected_rim(realm, shadow, &sh_len), 0);
	assert_int_equal(cca_sim_rim(sim, cca_realm_vm_fd(realm), sim_rim, &sim_len), 0);
	assert_int_equal(pl_len, 32);
	assert_int_equal(sh_len, 32);
	assert_int_equal(sim_len, 32);
	if (memcmp(plan_rim, sim_rim, 32) || memcmp(shadow, sim_rim, 32))
		fail_msg("%s ram %llu MiB initrd %zu cpus %u: plan, shadow and simulated RIMs differ",
			 cca_abi_rev_name(rev), (unsigned long long)(ram >> 20), initrd, cpus);
	for (unsigned int i = 0; i < cpus; i++)
		__atomic_store_n(&cca_rec_kvm_run(cca_rec_get(realm, i))->immediate_exit, 1,
				 __ATOMIC_RELAXED);
	cca_realm_destroy(realm);
	cca_host_close(host);
	cca_sim_destroy(sim);
	cca_launch_plan_destroy(pl);
	img_free(&im);
}

static void sim_rim_matches(void **state)
{
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		sim_case((enum cca_abi_rev)rev, 64 * MiB, 0, 1, 0);
		sim_case((enum cca_abi_rev)rev, 256 * MiB, 2 * MiB + 77, 4, 0);
		sim_case((enum cca_abi_rev)rev, 1 * GiB + 6 * MiB, 5000, 2, 0);
	}
	sim_case(CCA_ABI_V12, 128 * MiB, 4096, 2, 4); /* PMU where the revision has one */
	sim_case(CCA_ABI_V13, 128 * MiB, 4096, 2, 4);
}

/* apply() refuses a realm made for other parameters or another revision. */
static void apply_mismatch(void **state)
{
	struct img im;
	struct cca_launch_params p;
	struct cca_sim_options so = { .size = sizeof(so), .revision = CCA_ABI_V13 };
	struct cca_host_options ho = { .size = sizeof(ho), .flags = CCA_HOST_NO_ENV };
	struct cca_sim *sim;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_realm_params rp;
	char err[256];
	(void)state;

	img_make(&im, 0);
	params_for(&p, &im, CCA_ABI_V13, 64 * MiB);
	struct cca_launch_plan *pl = plan_ok(&p);
	assert_int_equal(cca_sim_create(&so, &sim, err, sizeof(err)), 0);
	ho.sim = sim;
	assert_int_equal(cca_host_open(&ho, &host), 0);
	cca_launch_realm_params(pl, &rp);
	rp.ipa_bits = 40;
	assert_int_equal(cca_realm_create(host, &rp, &realm), 0);
	assert_int_equal(cca_launch_plan_apply(pl, realm, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "parameters differ"));
	assert_int_equal(cca_realm_state(realm), CCA_REALM_CONFIGURING);
	cca_realm_destroy(realm);
	cca_launch_plan_destroy(pl);

	params_for(&p, &im, CCA_ABI_V12, 64 * MiB);
	pl = plan_ok(&p);
	cca_launch_realm_params(pl, &rp);
	assert_int_equal(cca_realm_create(host, &rp, &realm), 0);
	assert_int_equal(cca_launch_plan_apply(pl, realm, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "revision"));
	cca_realm_destroy(realm);
	cca_launch_plan_destroy(pl);
	cca_host_close(host);
	cca_sim_destroy(sim);
	img_free(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_good),
		cmocka_unit_test(image_bad),
		cmocka_unit_test(layout_sizes),
		cmocka_unit_test(layout_variants),
		cmocka_unit_test(does_not_fit),
		cmocka_unit_test(dtb_content),
		cmocka_unit_test(dtb_dtc),
		cmocka_unit_test(determinism),
		cmocka_unit_test(sim_rim_matches),
		cmocka_unit_test(apply_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
