// SPDX-License-Identifier: MIT
/*
 * The realm's shadow measurement: the RIM the RMM will hold, extended in
 * step with what libcca asks the kernel to do (measurement.md §5):
 * REALM_CREATE at the first populate (or the first run), one DATA per
 * granule populated, the runnable REC 0 at the first run, and on RMM 1.0
 * (v12) the INIT_RIPAS the kernel does at activation.
 *
 * v12's INIT_RIPAS part follows the RTT geometry kvm-realm-uapi.md §8.6 and
 * measurement.md §6 describe: guest_memfd slots in slot order, whole slots,
 * 1 GiB and 2 MiB blocks where no table exists, a level-3 table around
 * every populated 2 MiB block, populated granules skipped. That geometry is
 * inferred; the simulated RMM implements the same rules, so the two agree,
 * and only a real token can confirm it (measurement.md §6, item 6).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sim/hmap.h"

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

/* Called at realm-descriptor creation, under the realm lock. */
void cca_shadow_create(struct cca_realm *r)
{
	struct cca_rim_realm m;

	if (r->shadow_state != CCA_SHADOW_NONE)
		return;
	/* An unset breakpoint/watchpoint count is the RMM's maximum: not predictable. */
	if (cca_rim_realm_from_params(&r->params, 0, 0, &m) ||
	    cca_rim_init(&r->shadow, (enum cca_rim_model)cca_rim_model_for_rev(r->abi->rev),
			 CCA_RIM_INIT_PARAMS, &m)) {
		r->shadow_state = CCA_SHADOW_UNKNOWN;
		return;
	}
	hmap_init(&r->populated);
	r->shadow_state = CCA_SHADOW_LIVE;
}

/* @len bytes the kernel populated at @ipa from @src. */
void cca_shadow_data(struct cca_realm *r, uint64_t ipa, const void *src, uint64_t len,
		     uint32_t flags)
{
	const unsigned char *p = src;

	if (r->shadow_state != CCA_SHADOW_LIVE)
		return;
	for (uint64_t off = 0; off < len; off += CCA_GRANULE) {
		if (cca_rim_data(&r->shadow, ipa + off, (flags & CCA_POPULATE_MEASURE) != 0,
				 p + off) ||
		    hmap_put(&r->populated, (ipa + off) >> 12, 1)) {
			r->shadow_state = CCA_SHADOW_UNKNOWN;
			return;
		}
	}
}

void cca_rtt_geometry_init(struct cca_rtt_geometry *g)
{
	hmap_init(&g->l2);
	hmap_init(&g->l3);
}

void cca_rtt_geometry_free(struct cca_rtt_geometry *g)
{
	hmap_free(&g->l2);
	hmap_free(&g->l3);
}

/* Data lives in level-3 tables, which need level-2 tables above them. */
int cca_rtt_geometry_add_data(struct cca_rtt_geometry *g, uint64_t gpa)
{
	int ret = hmap_put(&g->l2, gpa >> 30, 1);
	return ret ? ret : hmap_put(&g->l3, gpa >> 21, 1);
}

static int walk_level(const struct cca_rtt_geometry *g, uint64_t a)
{
	if (!hmap_get(&g->l2, a >> 30))
		return 1;
	return hmap_get(&g->l3, a >> 21) ? 3 : 2;
}

int cca_rtt_geometry_init_ripas(struct cca_rtt_geometry *g, struct cca_rim *rim, uint64_t addr,
				uint64_t top, bool (*assigned)(const void *ctx, uint64_t gpa),
				const void *ctx)
{
	while (addr < top) {
		int level = walk_level(g, addr);
		uint64_t size = level == 1 ? SZ_1G : level == 2 ? SZ_2M : CCA_GRANULE;
		if (level == 3 && assigned(ctx, addr)) {
			addr += CCA_GRANULE; /* ASSIGNED: the kernel's 4 KiB skip */
			continue;
		}
		if ((addr & (size - 1)) || top - addr < size) {
			/* The RMM refuses a partial entry; KVM creates the next table. */
			if (hmap_put(level == 1 ? &g->l2 : &g->l3, addr >> (level == 1 ? 30 : 21), 1))
				return -ENOMEM;
			continue;
		}
		int ret = cca_rim_ripas(rim, addr, addr + size);
		if (ret)
			return ret;
		addr += size;
	}
	return 0;
}

static bool realm_assigned(const void *ctx, uint64_t gpa)
{
	const struct cca_realm *r = ctx;
	return hmap_get(&r->populated, gpa >> 12) != NULL;
}

static int region_cmp(const void *a, const void *b)
{
	const struct cca_region *x = a, *y = b;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Called at the first run, under the realm lock, after cca_shadow_create(). */
void cca_shadow_activate(struct cca_realm *r)
{
	struct cca_region regions[CCA_MAX_REGIONS];
	struct cca_rtt_geometry g;
	struct cca_rec *rec0 = r->nr_created ? r->recs[0] : NULL;

	if (r->shadow_state != CCA_SHADOW_LIVE)
		return;
	if (!rec0 || cca_rim_rec(&r->shadow, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, rec0->entry_pc,
				 rec0->entry_x)) {
		r->shadow_state = CCA_SHADOW_UNKNOWN;
		return;
	}
	if (!cca_abi_desc_has(r->abi, CCA_ABI_MEASURES_INIT_RIPAS))
		return;
	cca_rtt_geometry_init(&g);
	uint64_t k, v;
	int ret = 0;
	for (size_t it = 0; !ret && hmap_next(&r->populated, &it, &k, &v);)
		ret = cca_rtt_geometry_add_data(&g, k << 12);
	memcpy(regions, r->regions, r->nr_regions * sizeof(regions[0]));
	qsort(regions, r->nr_regions, sizeof(regions[0]), region_cmp);
	for (unsigned int i = 0; i < r->nr_regions && !ret; i++)
		if (regions[i].gmem)
			ret = cca_rtt_geometry_init_ripas(&g, &r->shadow, regions[i].gpa,
							  regions[i].gpa + regions[i].len,
							  realm_assigned, r);
	if (ret)
		r->shadow_state = CCA_SHADOW_UNKNOWN;
	cca_rtt_geometry_free(&g);
}

void cca_shadow_free(struct cca_realm *r)
{
	if (r->shadow_state != CCA_SHADOW_NONE)
		hmap_free(&r->populated);
}

CCA_EXPORT int cca_realm_expected_rim(struct cca_realm *r, uint8_t out[64], size_t *len)
{
	int ret;

	if (!r || !out || !len)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->shadow_state == CCA_SHADOW_LIVE)
		ret = cca_rim_get(&r->shadow, out, len);
	else
		ret = r->shadow_state == CCA_SHADOW_NONE ? -ENOENT : -ENODATA;
	pthread_mutex_unlock(&r->lock);
	return ret;
}
