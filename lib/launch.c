// SPDX-License-Identifier: MIT
/*
 * Launch plans (rmi/launch.h): the arm64 Image header, the layout, the
 * device tree (lib/fdt.c), the ordered operations and the RIM they produce.
 * Everything here is pure computation on the caller's description; only
 * cca_launch_plan_apply() calls the library's realm functions.
 *
 * The RMM 1.0 INIT_RIPAS part of the RIM follows the same inferred RTT
 * geometry as the realm's shadow measurement (lib/shadow.c: whole
 * guest_memfd slots, 1 GiB and 2 MiB blocks where no table exists, a
 * level-3 table around every populated 2 MiB block, populated granules
 * skipped), applied to the plan's single RAM region. tests/test-launch.c
 * checks the two agree with the simulated RMM on every revision.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "cca-fdt.h"
#include "internal.h"
#include "sim/hmap.h"

#define SZ_4K 0x1000ULL
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define MiB (1ULL << 20)

struct cca_launch_plan {
	struct cca_launch_layout layout;
	struct cca_realm_params realm;
	struct cca_launch_op *ops;
	size_t nr_ops;
	void *kernel;    /* layout.kernel_size bytes, 4 KiB aligned, zero tail */
	void *initrd;    /* layout.initrd_size bytes, or NULL */
	void *dtb;       /* layout.dtb_size bytes, zero after the DTB */
	uint8_t rim[CCA_RIM_SLOT_SIZE];
	size_t rim_len;
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

CCA_PRINTF(4, 5)
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

CCA_EXPORT void cca_launch_params_init(struct cca_launch_params *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->ram_base = CCA_LAUNCH_RAM_BASE;
	p->ram_size = CCA_LAUNCH_RAM_SIZE;
	p->nr_vcpus = 1;
	p->num_bps = CCA_LAUNCH_DEBUG_DEFAULT;
	p->num_wps = CCA_LAUNCH_DEBUG_DEFAULT;
	p->uart_base = CCA_LAUNCH_UART_BASE;
	p->gic_dist_base = CCA_LAUNCH_GIC_DIST_BASE;
}

CCA_EXPORT int cca_image_parse(const void *image, size_t len, struct cca_image_info *info,
			       char *err, size_t errlen)
{
	const unsigned char *h = image;
	struct cca_image_info i;

	if (!image || !info)
		return fail(err, errlen, -EINVAL, "no kernel Image given");
	if (len < CCA_IMAGE_HEADER_SIZE)
		return fail(err, errlen, -EINVAL,
			    "kernel Image too short: %zu bytes, the arm64 header alone is %u", len,
			    CCA_IMAGE_HEADER_SIZE);
	uint32_t magic = (uint32_t)h[56] | (uint32_t)h[57] << 8 | (uint32_t)h[58] << 16 |
			 (uint32_t)h[59] << 24;
	if (magic != CCA_IMAGE_MAGIC)
		return fail(err, errlen, -EINVAL,
			    "not an arm64 kernel Image: bad magic 0x%08" PRIx32
			    " at offset 56 (expected \"ARM\\x64\")",
			    magic);
	memset(&i, 0, sizeof(i));
	i.text_offset = le64(h + 8);
	i.image_size = le64(h + 16);
	i.flags = le64(h + 24);
	i.file_size = len;
	if (i.flags & 1)
		return fail(err, errlen, -EINVAL,
			    "big-endian kernel Image (header flags bit 0): realms run little-endian");
	static const uint32_t page[4] = { 0, 4096, 16384, 65536 };
	i.page_size = page[(i.flags >> 1) & 3];
	i.anywhere = (i.flags >> 3) & 1;
	if (i.image_size == 0) {
		/* Before Linux 3.17: text_offset is 0x80000 and the size is the file's. */
		i.legacy = 1;
		i.text_offset = CCA_IMAGE_LEGACY_TEXT_OFFSET;
		i.image_size = len;
	} else if (i.image_size < len) {
		return fail(err, errlen, -EINVAL,
			    "bad kernel Image header: image_size 0x%" PRIx64
			    " is smaller than the file (%zu bytes)",
			    i.image_size, len);
	}
	if (i.text_offset >= SZ_1G)
		return fail(err, errlen, -EINVAL,
			    "bad kernel Image header: text_offset 0x%" PRIx64 " is absurd",
			    i.text_offset);
	if (i.text_offset & (SZ_4K - 1))
		return fail(err, errlen, -EINVAL,
			    "kernel Image text_offset 0x%" PRIx64
			    " is not 4 KiB aligned: it cannot be populated in place",
			    i.text_offset);
	*info = i;
	return 0;
}

/* [a, a + al) and [b, b + bl) intersect. */
static bool overlap(uint64_t a, uint64_t al, uint64_t b, uint64_t bl)
{
	return a < b + bl && b < a + al;
}

/* Fill and check everything of the layout except the initrd/DTB placement. */
static int check_params(const struct cca_launch_params *p, struct cca_launch_layout *l,
			char *err, size_t errlen)
{
	if (p->reserved0 || !cca_all_zero(p->reserved, sizeof(p->reserved)))
		return fail(err, errlen, -EINVAL, "launch parameters: reserved fields must be zero");
	if (cca_abi_cap_number(p->revision) < 0)
		return fail(err, errlen, -EINVAL, "unknown kernel revision %d", (int)p->revision);
	l->revision = p->revision;
	if (!p->kernel || !p->kernel_len)
		return fail(err, errlen, -EINVAL, "no kernel Image given");
	if (!p->initrd && p->initrd_len)
		return fail(err, errlen, -EINVAL, "initrd length without initrd bytes");
	if (p->dtb && p->cmdline)
		return fail(err, errlen, -EINVAL,
			    "a command line cannot be combined with a given DTB (set its "
			    "/chosen/bootargs instead)");

	l->ram_base = p->ram_base ? p->ram_base : CCA_LAUNCH_RAM_BASE;
	l->ram_size = p->ram_size ? p->ram_size : CCA_LAUNCH_RAM_SIZE;
	if ((l->ram_base | l->ram_size) & (SZ_2M - 1))
		return fail(err, errlen, -EINVAL,
			    "RAM base 0x%" PRIx64 " and size 0x%" PRIx64
			    " must be multiples of 2 MiB",
			    l->ram_base, l->ram_size);
	if (l->ram_base + l->ram_size < l->ram_base ||
	    l->ram_base + l->ram_size > (1ULL << (CCA_IPA_BITS_MAX - 1)))
		return fail(err, errlen, -ERANGE,
			    "RAM 0x%" PRIx64 "+0x%" PRIx64 " lies beyond a 52-bit IPA space's lower half",
			    l->ram_base, l->ram_size);

	l->nr_vcpus = p->nr_vcpus ? p->nr_vcpus : 1;
	if (l->nr_vcpus > CCA_MAX_RECS)
		return fail(err, errlen, -EINVAL, "%" PRIu32 " vCPUs: at most %d", l->nr_vcpus,
			    CCA_MAX_RECS);
	if (p->sve_vl && (p->sve_vl % 16 || p->sve_vl > 256))
		return fail(err, errlen, -EINVAL,
			    "SVE vector length %" PRIu32 " bytes: must be a multiple of 16, up to 256",
			    p->sve_vl);
	if (p->pmu_counters > 31)
		return fail(err, errlen, -EINVAL, "%" PRIu32 " PMU counters: at most 31",
			    p->pmu_counters);
	if (p->pmu_counters && !cca_abi_has(p->revision, CCA_ABI_PMU))
		return fail(err, errlen, -EOPNOTSUPP, "revision %s gives realms no PMU",
			    cca_abi_rev_name(p->revision));
	unsigned int bps = p->num_bps ? p->num_bps : CCA_LAUNCH_DEBUG_DEFAULT;
	unsigned int wps = p->num_wps ? p->num_wps : CCA_LAUNCH_DEBUG_DEFAULT;
	if (bps < 2 || bps > 16 || wps < 2 || wps > 16)
		return fail(err, errlen, -EINVAL,
			    "%u breakpoints, %u watchpoints: each must be 2..16", bps, wps);

	switch (p->psci) {
	case CCA_LAUNCH_PSCI_DEFAULT:
		l->psci_user = cca_abi_has(p->revision, CCA_ABI_MANUAL_PSCI_COMPLETE);
		break;
	case CCA_LAUNCH_PSCI_USER:
	case CCA_LAUNCH_PSCI_KERNEL:
		l->psci_user = p->psci == CCA_LAUNCH_PSCI_USER;
		break;
	default:
		return fail(err, errlen, -EINVAL, "unknown PSCI mode %" PRIu32, p->psci);
	}
	l->rim_model = p->rim_model ? p->rim_model : (uint32_t)cca_rim_model_for_rev(p->revision);
	if (l->rim_model != CCA_RIM_RMM1 && l->rim_model != CCA_RIM_RMM2)
		return fail(err, errlen, -EINVAL, "unknown measurement model %" PRIu32,
			    p->rim_model);
	l->rim_initial = p->rim_initial;
	if (l->rim_initial > CCA_RIM_INIT_ZERO ||
	    (l->rim_initial == CCA_RIM_INIT_ZERO && l->rim_model == CCA_RIM_RMM1))
		return fail(err, errlen, -EINVAL, "initial RIM %" PRIu32 " is not valid for model %s",
			    p->rim_initial, cca_rim_model_name((enum cca_rim_model)l->rim_model));

	/* Devices. */
	l->uart_base = p->uart_base ? p->uart_base : CCA_LAUNCH_UART_BASE;
	l->gic_dist_base = p->gic_dist_base ? p->gic_dist_base : CCA_LAUNCH_GIC_DIST_BASE;
	l->gic_redist_size = (uint64_t)l->nr_vcpus * CCA_LAUNCH_GIC_REDIST_STRIDE;
	l->gic_redist_base = p->gic_redist_base;
	if (!l->gic_redist_base) {
		l->gic_redist_base = CCA_LAUNCH_GIC_REDIST_BASE;
		if (overlap(l->gic_redist_base, l->gic_redist_size, l->uart_base,
			    CCA_LAUNCH_UART_SIZE))
			l->gic_redist_base = CCA_LAUNCH_GIC_REDIST_HIGH;
	}
	if ((l->uart_base & (SZ_4K - 1)) || (l->gic_dist_base & 0xffff) ||
	    (l->gic_redist_base & 0xffff))
		return fail(err, errlen, -EINVAL,
			    "device bases must be aligned: UART 4 KiB, GIC 64 KiB (UART 0x%" PRIx64
			    ", GIC 0x%" PRIx64 "/0x%" PRIx64 ")",
			    l->uart_base, l->gic_dist_base, l->gic_redist_base);
	const struct {
		const char *name;
		uint64_t base, size;
	} r[4] = {
		{ "RAM", l->ram_base, l->ram_size },
		{ "GIC distributor", l->gic_dist_base, CCA_LAUNCH_GIC_DIST_SIZE },
		{ "GIC redistributors", l->gic_redist_base, l->gic_redist_size },
		{ "UART", l->uart_base, CCA_LAUNCH_UART_SIZE },
	};
	uint64_t need = 0;
	for (int i = 0; i < 4; i++) {
		if (r[i].base + r[i].size < r[i].base)
			return fail(err, errlen, -EINVAL, "%s wraps around", r[i].name);
		for (int j = 0; j < i; j++)
			if (overlap(r[i].base, r[i].size, r[j].base, r[j].size))
				return fail(err, errlen, -EINVAL,
					    "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps %s [0x%" PRIx64
					    ", 0x%" PRIx64 ")",
					    r[i].name, r[i].base, r[i].base + r[i].size, r[j].name,
					    r[j].base, r[j].base + r[j].size);
		if (r[i].base + r[i].size > need)
			need = r[i].base + r[i].size;
	}
	unsigned int bits = CCA_LAUNCH_IPA_BITS_MIN;
	while (bits < CCA_IPA_BITS_MAX && (1ULL << (bits - 1)) < need)
		bits++;
	if ((1ULL << (bits - 1)) < need)
		return fail(err, errlen, -ERANGE,
			    "RAM and devices end at 0x%" PRIx64 ", beyond a 52-bit IPA space", need);
	if (p->ipa_bits) {
		if (p->ipa_bits < CCA_IPA_BITS_MIN || p->ipa_bits > CCA_IPA_BITS_MAX)
			return fail(err, errlen, -EINVAL, "IPA width %" PRIu32 ": must be %d..%d",
				    p->ipa_bits, CCA_IPA_BITS_MIN, CCA_IPA_BITS_MAX);
		if ((1ULL << (p->ipa_bits - 1)) < need)
			return fail(err, errlen, -ERANGE,
				    "IPA width %" PRIu32 " too small for RAM and devices ending at 0x%" PRIx64
				    ": at least %u bits (the top bit is the shared alias)",
				    p->ipa_bits, need, bits);
		bits = p->ipa_bits;
	}
	l->ipa_bits = bits;
	return 0;
}

static void realm_params(const struct cca_launch_params *p, const struct cca_launch_layout *l,
			 struct cca_realm_params *rp)
{
	cca_realm_params_init(rp);
	rp->ipa_bits = l->ipa_bits;
	rp->nr_recs = l->nr_vcpus;
	rp->sve_vl = p->sve_vl;
	rp->num_bps = p->num_bps ? p->num_bps : CCA_LAUNCH_DEBUG_DEFAULT;
	rp->num_wps = p->num_wps ? p->num_wps : CCA_LAUNCH_DEBUG_DEFAULT;
	if (p->pmu_counters) {
		rp->flags |= CCA_REALM_F_PMU;
		rp->pmu_counters = p->pmu_counters;
	}
}

/* A 4 KiB-aligned zeroed buffer of @size (a 4 KiB multiple) holding @len bytes of @src. */
static void *padded_copy(const void *src, size_t len, uint64_t size)
{
	void *b = aligned_alloc(SZ_4K, size);
	if (!b)
		return NULL;
	memcpy(b, src, len);
	memset((char *)b + len, 0, size - len);
	return b;
}

static int place(const struct cca_launch_params *p, struct cca_launch_layout *l, char *err,
		 size_t errlen)
{
	const struct cca_image_info *img = &l->image;
	uint64_t ram_top = l->ram_base + l->ram_size;

	l->kernel_base = l->ram_base;
	l->kernel_load = l->kernel_base + img->text_offset;
	l->kernel_size = align_up(img->file_size, SZ_4K);
	l->kernel_reserved = align_up(img->image_size > l->kernel_size ? img->image_size
								       : l->kernel_size,
				      SZ_4K);
	uint64_t kernel_end = l->kernel_load + l->kernel_reserved;
	if (kernel_end > ram_top)
		return fail(err, errlen, -ENOSPC,
			    "RAM too small for the kernel: it needs 0x%" PRIx64 " bytes at 0x%" PRIx64
			    ", RAM ends at 0x%" PRIx64,
			    l->kernel_reserved, l->kernel_load, ram_top);

	if (p->dtb) {
		if (p->dtb_len < FDT_V1_SIZE || fdt_check_header(p->dtb) ||
		    fdt_totalsize(p->dtb) > p->dtb_len)
			return fail(err, errlen, -EINVAL, "the given DTB is not a valid flattened device tree");
		l->dtb_len = fdt_totalsize(p->dtb);
		l->dtb_size = align_up(l->dtb_len, SZ_4K);
		if (l->dtb_size < CCA_LAUNCH_DTB_REGION)
			l->dtb_size = CCA_LAUNCH_DTB_REGION;
	} else {
		l->dtb_size = CCA_LAUNCH_DTB_REGION;
	}
	uint64_t limit = l->ram_size < CCA_LAUNCH_DTB_LIMIT ? l->ram_size : CCA_LAUNCH_DTB_LIMIT;
	if (l->dtb_size > limit ||
	    align_down(l->ram_base + limit - l->dtb_size, SZ_2M) < kernel_end)
		return fail(err, errlen, -ENOSPC,
			    "the DTB (0x%" PRIx64 " bytes) does not fit: it goes 2 MiB aligned below "
			    "0x%" PRIx64 " and the kernel ends at 0x%" PRIx64,
			    l->dtb_size, l->ram_base + limit, kernel_end);
	l->dtb_addr = align_down(l->ram_base + limit - l->dtb_size, SZ_2M);

	if (p->initrd_len) {
		l->initrd_len = p->initrd_len;
		l->initrd_size = align_up(p->initrd_len, SZ_4K);
		if (l->initrd_size < l->initrd_len || l->initrd_size > l->dtb_addr - kernel_end)
			return fail(err, errlen, -ENOSPC,
				    "the initrd (%zu bytes) does not fit: 0x%" PRIx64
				    " bytes free between the kernel (ends at 0x%" PRIx64
				    ") and the DTB (at 0x%" PRIx64
				    "; as kvmtool, both go below the first 256 MiB of RAM)",
				    p->initrd_len, l->dtb_addr - kernel_end, kernel_end, l->dtb_addr);
		l->initrd_addr = l->dtb_addr - l->initrd_size;
	}
	return 0;
}

static void add_populate(struct cca_launch_plan *pl, enum cca_launch_blob what, uint64_t gpa,
			 uint64_t len, const void *src)
{
	struct cca_launch_op *o = &pl->ops[pl->nr_ops++];
	o->kind = CCA_LAUNCH_OP_POPULATE;
	o->flags = CCA_POPULATE_MEASURE;
	o->index = what;
	o->gpa = gpa;
	o->len = len;
	o->src = src;
}

static void build_ops(struct cca_launch_plan *pl)
{
	const struct cca_launch_layout *l = &pl->layout;
	struct cca_launch_op *o;

	o = &pl->ops[pl->nr_ops++];
	o->kind = CCA_LAUNCH_OP_GIC;
	o->gpa = l->gic_dist_base;
	o->len = CCA_LAUNCH_GIC_DIST_SIZE;
	o->gpa2 = l->gic_redist_base;
	o->len2 = l->gic_redist_size;
	for (uint32_t i = 0; i < l->nr_vcpus; i++) {
		o = &pl->ops[pl->nr_ops++];
		o->kind = CCA_LAUNCH_OP_REC;
		o->index = i;
	}
	o = &pl->ops[pl->nr_ops++];
	o->kind = CCA_LAUNCH_OP_REGION;
	o->gpa = l->ram_base;
	o->len = l->ram_size;
	if (l->psci_user)
		pl->ops[pl->nr_ops++].kind = CCA_LAUNCH_OP_PSCI_USER;
	/* Ascending GPA: the layout puts kernel < initrd < DTB. */
	add_populate(pl, CCA_LAUNCH_KERNEL, l->kernel_load, l->kernel_size, pl->kernel);
	if (pl->initrd)
		add_populate(pl, CCA_LAUNCH_INITRD, l->initrd_addr, l->initrd_size, pl->initrd);
	add_populate(pl, CCA_LAUNCH_DTB, l->dtb_addr, l->dtb_size, pl->dtb);
	o = &pl->ops[pl->nr_ops++];
	o->kind = CCA_LAUNCH_OP_ENTRY;
	o->pc = l->kernel_load;
	o->x[0] = l->dtb_addr;
}

CCA_EXPORT int cca_launch_plan_create(const struct cca_launch_params *in,
				      struct cca_launch_plan **out, char *err, size_t errlen)
{
	struct cca_launch_params lp;
	const struct cca_launch_params *p = &lp;
	struct cca_launch_plan *pl;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!in || !out)
		return fail(err, errlen, -EINVAL, "no launch parameters");
	ret = CCA_STRUCT_IN(cca_launch_params, &lp, in);
	if (ret == -EINVAL)
		return fail(err, errlen, ret,
			    "launch parameters: size %" PRIu32 ", at least %zu expected", in->size,
			    (size_t)CCA_SIZE_V0_cca_launch_params);
	if (ret)
		return fail(err, errlen, ret,
			    "launch parameters: size %" PRIu32
			    " with members set past the %zu bytes "
			    "this libcca knows (it is older than the program)",
			    in->size, sizeof(lp));
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return fail(err, errlen, -ENOMEM, "out of memory");
	struct cca_launch_layout *l = &pl->layout;
	ret = check_params(p, l, err, errlen);
	if (!ret)
		ret = cca_image_parse(p->kernel, p->kernel_len, &l->image, err, errlen);
	if (!ret)
		ret = place(p, l, err, errlen);
	if (ret)
		goto out;
	realm_params(p, l, &pl->realm);

	ret = -ENOMEM;
	pl->kernel = padded_copy(p->kernel, p->kernel_len, l->kernel_size);
	if (!pl->kernel)
		goto oom;
	if (l->initrd_len) {
		pl->initrd = padded_copy(p->initrd, p->initrd_len, l->initrd_size);
		if (!pl->initrd)
			goto oom;
	}
	if (p->dtb) {
		pl->dtb = padded_copy(p->dtb, l->dtb_len, l->dtb_size);
		if (!pl->dtb)
			goto oom;
	} else {
		pl->dtb = aligned_alloc(SZ_4K, l->dtb_size);
		if (!pl->dtb)
			goto oom;
		memset(pl->dtb, 0, l->dtb_size);
		ret = cca_fdt_build(l, p->cmdline, p->pmu_counters != 0, pl->dtb, l->dtb_size, err,
				    errlen);
		if (ret)
			goto out;
		l->dtb_len = fdt_totalsize(pl->dtb);
		/* The writer leaves string-block residue past the end: the region is measured. */
		memset((char *)pl->dtb + l->dtb_len, 0, l->dtb_size - l->dtb_len);
	}
	pl->ops = calloc(l->nr_vcpus + 8, sizeof(*pl->ops));
	if (!pl->ops)
		goto oom;
	build_ops(pl);

	struct cca_rim rim;
	ret = cca_launch_plan_measure(pl, &rim, NULL, NULL);
	if (ret) {
		ret = fail(err, errlen, ret, "computing the measurement failed: %s",
			   cca_strerror(ret));
		goto out;
	}
	cca_rim_get(&rim, pl->rim, &pl->rim_len);
	*out = pl;
	return 0;
oom:
	ret = fail(err, errlen, -ENOMEM, "out of memory");
out:
	cca_launch_plan_destroy(pl);
	return ret;
}

CCA_EXPORT void cca_launch_plan_destroy(struct cca_launch_plan *pl)
{
	if (!pl)
		return;
	free(pl->kernel);
	free(pl->initrd);
	free(pl->dtb);
	free(pl->ops);
	free(pl);
}

CCA_EXPORT const struct cca_launch_layout *
cca_launch_plan_layout(const struct cca_launch_plan *pl)
{
	return pl ? &pl->layout : NULL;
}

CCA_EXPORT size_t cca_launch_plan_ops(const struct cca_launch_plan *pl,
				      const struct cca_launch_op **ops)
{
	if (!pl || !ops)
		return 0;
	*ops = pl->ops;
	return pl->nr_ops;
}

CCA_EXPORT int cca_launch_plan_dtb(const struct cca_launch_plan *pl, const void **dtb, size_t *len)
{
	if (!pl || !dtb || !len)
		return -EINVAL;
	*dtb = pl->dtb;
	*len = pl->layout.dtb_len;
	return 0;
}

CCA_EXPORT int cca_launch_plan_rim(const struct cca_launch_plan *pl, uint8_t out[64], size_t *len)
{
	if (!pl || !out || !len)
		return -EINVAL;
	memcpy(out, pl->rim, CCA_RIM_SLOT_SIZE);
	*len = pl->rim_len;
	return 0;
}

CCA_EXPORT void cca_launch_realm_params(const struct cca_launch_plan *pl,
					struct cca_realm_params *out)
{
	/* 0.1's callers set no size: whatever the struct becomes, they own 0.1's bytes only. */
	if (pl && out)
		CCA_STRUCT_WRITE_V0(cca_realm_params, out, &pl->realm);
}

/* ---- the measurement -------------------------------------------------------- */

/* The populated ranges: kernel, initrd, DTB. */
struct ranges {
	uint64_t gpa[3], len[3];
	unsigned int n;
};

static bool populated(const void *ctx, uint64_t a)
{
	const struct ranges *r = ctx;
	for (unsigned int i = 0; i < r->n; i++)
		if (a >= r->gpa[i] && a - r->gpa[i] < r->len[i])
			return true;
	return false;
}

/* INIT_RIPAS of the RAM region, with the geometry lib/shadow.c shares. */
static int init_ripas(const struct cca_launch_plan *pl, struct cca_rim *rim)
{
	struct cca_rtt_geometry g;
	struct ranges r = { .n = 0 };
	int ret = 0;

	cca_rtt_geometry_init(&g);
	for (size_t i = 0; !ret && i < pl->nr_ops; i++) {
		const struct cca_launch_op *o = &pl->ops[i];
		if (o->kind != CCA_LAUNCH_OP_POPULATE || r.n == 3)
			continue;
		r.gpa[r.n] = o->gpa;
		r.len[r.n++] = o->len;
		for (uint64_t a = align_down(o->gpa, SZ_2M); !ret && a < o->gpa + o->len; a += SZ_2M)
			ret = cca_rtt_geometry_add_data(&g, a);
	}
	if (!ret)
		ret = cca_rtt_geometry_init_ripas(&g, rim, pl->layout.ram_base,
						  pl->layout.ram_base + pl->layout.ram_size, populated,
						  &r);
	cca_rtt_geometry_free(&g);
	return ret;
}

CCA_EXPORT int cca_launch_plan_measure(const struct cca_launch_plan *pl, struct cca_rim *rim,
				       cca_rim_step_fn *on_step, void *ctx)
{
	struct cca_rim_realm m;
	int ret;

	if (!pl || !rim)
		return -EINVAL;
	ret = cca_rim_realm_from_params(&pl->realm, 0, 0, &m);
	if (!ret)
		ret = cca_rim_init_cb(rim, (enum cca_rim_model)pl->layout.rim_model,
				      (enum cca_rim_initial)pl->layout.rim_initial, &m, on_step, ctx);
	for (size_t i = 0; !ret && i < pl->nr_ops; i++) {
		const struct cca_launch_op *o = &pl->ops[i];
		if (o->kind == CCA_LAUNCH_OP_POPULATE) {
			for (uint64_t off = 0; !ret && off < o->len; off += SZ_4K)
				ret = cca_rim_data(rim, o->gpa + off, (o->flags & CCA_POPULATE_MEASURE) != 0,
						   (const char *)o->src + off);
		} else if (o->kind == CCA_LAUNCH_OP_ENTRY) {
			ret = cca_rim_rec(rim, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, o->pc, o->x);
		}
	}
	if (!ret && pl->layout.rim_model == CCA_RIM_RMM1)
		ret = init_ripas(pl, rim);
	return ret;
}

/* ---- apply ------------------------------------------------------------------ */

static const char *const blob_name[] = { "kernel", "initrd", "DTB" };

CCA_EXPORT int cca_launch_plan_apply(const struct cca_launch_plan *pl, struct cca_realm *realm,
				     char *err, size_t errlen)
{
	const struct cca_launch_layout *l;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!pl || !realm)
		return fail(err, errlen, -EINVAL, "no plan or no realm");
	l = &pl->layout;
	if (cca_realm_revision(realm) != l->revision)
		return fail(err, errlen, -EINVAL, "the realm is for revision %s, the plan for %s",
			    cca_abi_rev_name(cca_realm_revision(realm)),
			    cca_abi_rev_name(l->revision));
	const struct cca_realm_params *rp = &realm->params, *want = &pl->realm;
	if (rp->ipa_bits != want->ipa_bits || rp->nr_recs != want->nr_recs ||
	    rp->sve_vl != want->sve_vl || rp->num_bps != want->num_bps ||
	    rp->num_wps != want->num_wps || rp->flags != want->flags ||
	    rp->pmu_counters != want->pmu_counters || rp->hash_algo != want->hash_algo)
		return fail(err, errlen, -EINVAL,
			    "the realm's parameters differ from the plan's "
			    "(create it with cca_launch_realm_params())");

	for (size_t i = 0; i < pl->nr_ops; i++) {
		const struct cca_launch_op *o = &pl->ops[i];
		switch (o->kind) {
		case CCA_LAUNCH_OP_GIC: {
			struct cca_gic_params g = { .size = sizeof(g), .dist_base = o->gpa,
						    .redist_base = o->gpa2 };
			ret = cca_realm_gic_create(realm, &g);
			if (ret)
				return fail(err, errlen, ret, "creating the GICv3: %s",
					    cca_strerror(ret));
			break;
		}
		case CCA_LAUNCH_OP_REC: {
			struct cca_rec_params r = { .size = sizeof(r), .index = o->index };
			struct cca_rec *rec;
			ret = cca_rec_create(realm, &r, &rec);
			if (ret)
				return fail(err, errlen, ret, "creating vCPU %" PRIu32 ": %s", o->index,
					    cca_strerror(ret));
			break;
		}
		case CCA_LAUNCH_OP_REGION: {
			struct cca_mem_region_params m = { .size = sizeof(m), .gpa = o->gpa,
							   .len = o->len };
			ret = cca_mem_region_add(realm, &m, NULL);
			if (ret)
				return fail(err, errlen, ret,
					    "adding RAM [0x%" PRIx64 ", 0x%" PRIx64 "): %s", o->gpa,
					    o->gpa + o->len, cca_strerror(ret));
			break;
		}
		case CCA_LAUNCH_OP_PSCI_USER:
			ret = cca_realm_set_psci_user(realm);
			if (ret)
				return fail(err, errlen, ret, "routing PSCI to user space: %s",
					    cca_strerror(ret));
			break;
		case CCA_LAUNCH_OP_POPULATE:
			ret = cca_mem_populate(realm, o->gpa, o->src, o->len, o->flags);
			if (ret)
				return fail(err, errlen, ret,
					    "populating the %s at 0x%" PRIx64 " (0x%" PRIx64
					    " bytes): %s",
					    blob_name[o->index], o->gpa, o->len, cca_strerror(ret));
			break;
		case CCA_LAUNCH_OP_ENTRY:
			ret = cca_rec_set_entry(cca_rec_get(realm, 0), o->pc, o->x);
			if (ret)
				return fail(err, errlen, ret, "setting vCPU 0's entry point: %s",
					    cca_strerror(ret));
			break;
		}
	}
	return 0;
}
