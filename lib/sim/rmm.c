// SPDX-License-Identifier: MIT
/*
 * The simulated RMM (see rmm.h). Rules and effects follow rmi-spec.md §4,
 * §9 and §10; the measurement is extended through lib/measure.c exactly
 * where the RMM extends it (measurement.md §3-§5).
 *
 * RTTs are modelled as three sparse levels: level 1 entries (1 GiB) always
 * exist; a level-2 table exists under a level-1 entry once RTT_CREATE made
 * it, a level-3 table likewise. Unsplit entries are blocks with one RIPAS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rmm.h"

#define L1_SHIFT 30
#define L2_SHIFT 21
#define L3_SHIFT 12

/* Packed table entries: bit 0 table/assigned, bits 1-2 RIPAS, bits 3-4 child-default RIPAS. */
#define E_FLAG 1ULL
#define E_RIPAS(v) (((v) >> 1) & 3)
#define E_CHILD(v) (((v) >> 3) & 3)
#define E_MAKE(flag, ripas, child) ((flag) | ((uint64_t)(ripas) << 1) | ((uint64_t)(child) << 3))
#define L3_PA(v) ((v) & ~0xfffULL)

struct rmm_realm {
	uint64_t rd;
	enum rmm_realm_state state;
	struct cca_rmi_realm_params params;
	uint64_t half; /* first unprotected IPA */
	struct cca_rim rim;
	const struct sim_guest *guest;
	struct hmap l1, l2, l3;
	struct rmm_rec **recs;
	unsigned int nr_recs, cap_recs;
};

struct rmm_rec {
	uint64_t pa;
	struct rmm_realm *realm;
	unsigned int index;
	uint64_t mpidr;
	bool runnable, running, idle, failed;
	bool psci_pending;
	uint32_t psci_fid;
	uint64_t psci_target, psci_entry, psci_ctx;
	uint8_t last_exit;      /* RmiRecExit.exit_reason of the last exit */
	bool last_mmio;         /* last exit was an emulatable data abort */
	bool last_mmio_read;
	uint32_t last_mmio_len;
	bool ripas_pending;
	uint64_t ripas_base, ripas_top, ripas_addr;
	uint8_t ripas_value;
	struct sim_response resp;
	struct sim_cpu *cpu;
	char failure[192];
};

static uint64_t ret(unsigned int status, unsigned int index)
{
	return CCA_RMI_RETURN(status, index);
}

int rmm_init(struct rmm *r, const struct rmm_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	hmap_init(&r->granules);
	hmap_init(&r->realms);
	hmap_init(&r->recs);
	return cca_mutex_init(&r->lock);
}

static void realm_free(struct rmm_realm *rl)
{
	for (unsigned int i = 0; i < rl->nr_recs; i++) {
		sim_cpu_free(rl->recs[i]->cpu);
		free(rl->recs[i]);
	}
	free(rl->recs);
	hmap_free(&rl->l1);
	hmap_free(&rl->l2);
	hmap_free(&rl->l3);
	free(rl);
}

void rmm_fini(struct rmm *r)
{
	uint64_t k, v;
	for (size_t it = 0; hmap_next(&r->realms, &it, &k, &v);)
		realm_free((struct rmm_realm *)(uintptr_t)v);
	hmap_free(&r->granules);
	hmap_free(&r->realms);
	hmap_free(&r->recs);
	pthread_mutex_destroy(&r->lock);
}

static int gstate(struct rmm *r, uint64_t pa)
{
	uint64_t *v = hmap_get(&r->granules, pa);
	return v ? (int)*v : RMM_G_UNDELEGATED;
}

static bool gset(struct rmm *r, uint64_t pa, int state)
{
	if (state == RMM_G_UNDELEGATED)
		return hmap_del(&r->granules, pa);
	return hmap_put(&r->granules, pa, (uint64_t)state) == 0;
}

static struct rmm_realm *realm_of(struct rmm *r, uint64_t rd)
{
	uint64_t *v = hmap_get(&r->realms, rd);
	return v ? (struct rmm_realm *)(uintptr_t)*v : NULL;
}

static struct rmm_rec *rec_of(struct rmm *r, uint64_t pa)
{
	uint64_t *v = hmap_get(&r->recs, pa);
	return v ? (struct rmm_rec *)(uintptr_t)*v : NULL;
}

uint64_t rmm_features(struct rmm *r, unsigned int index, uint64_t *val)
{
	if (index > 1)
		return ret(CCA_RMI_ERROR_INPUT, 0);
	*val = index == 0 ? r->cfg.feat0 : (r->cfg.rmm_major >= 2 ? 0x9 : 0);
	return ret(CCA_RMI_SUCCESS, 0);
}

static bool granule_ok(uint64_t pa)
{
	return pa && !(pa & (CCA_RMI_GRANULE_SIZE - 1));
}

uint64_t rmm_granule_delegate(struct rmm *r, uint64_t pa)
{
	uint64_t s;
	pthread_mutex_lock(&r->lock);
	if (!granule_ok(pa) || gstate(r, pa) != RMM_G_UNDELEGATED)
		s = ret(CCA_RMI_ERROR_INPUT, 0);
	else
		s = gset(r, pa, RMM_G_DELEGATED) ? ret(CCA_RMI_SUCCESS, 0)
						 : ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_granule_undelegate(struct rmm *r, uint64_t pa)
{
	uint64_t s;
	pthread_mutex_lock(&r->lock);
	if (!granule_ok(pa) || gstate(r, pa) != RMM_G_DELEGATED) {
		s = ret(CCA_RMI_ERROR_INPUT, 0);
	} else {
		gset(r, pa, RMM_G_UNDELEGATED);
		s = ret(CCA_RMI_SUCCESS, 0);
	}
	pthread_mutex_unlock(&r->lock);
	return s;
}

static int rim_hash(uint64_t hash_algo)
{
	switch (hash_algo) {
	case CCA_RMI_HASH_SHA_256:
		return CCA_HASH_SHA256;
	case CCA_RMI_HASH_SHA_512:
		return CCA_HASH_SHA512;
	case CCA_RMI_HASH_SHA_384:
		return CCA_HASH_SHA384;
	}
	return -1;
}

/* RMI_REALM_CREATE's checks against RMI_FEATURES(0) (rmi-spec.md §9.2). */
static bool params_ok(const struct rmm *r, const struct cca_rmi_realm_params *p)
{
	uint64_t f = r->cfg.feat0;
	if (p->s2sz < 32 || p->s2sz > CCA_RMI_FEAT0_S2SZ(f))
		return false;
	if (p->flags & ~(CCA_RMI_REALM_FLAG_LPA2 | CCA_RMI_REALM_FLAG_SVE | CCA_RMI_REALM_FLAG_PMU))
		return false;
	if ((p->flags & CCA_RMI_REALM_FLAG_LPA2) && !CCA_RMI_FEAT0_LPA2(f))
		return false;
	if ((p->flags & CCA_RMI_REALM_FLAG_SVE) &&
	    (!CCA_RMI_FEAT0_SVE_EN(f) || p->sve_vl > CCA_RMI_FEAT0_SVE_VL(f)))
		return false;
	if (!(p->flags & CCA_RMI_REALM_FLAG_SVE) && p->sve_vl)
		return false;
	if (p->num_bps > CCA_RMI_FEAT0_NUM_BPS(f) || p->num_wps > CCA_RMI_FEAT0_NUM_WPS(f))
		return false;
	if ((p->flags & CCA_RMI_REALM_FLAG_PMU) &&
	    (!CCA_RMI_FEAT0_PMU_EN(f) || p->pmu_num_ctrs > CCA_RMI_FEAT0_PMU_NUM_CTRS(f)))
		return false;
	if (p->hash_algo == CCA_RMI_HASH_SHA_256 && !CCA_RMI_FEAT0_HASH_SHA_256(f))
		return false;
	if (p->hash_algo == CCA_RMI_HASH_SHA_512 && !CCA_RMI_FEAT0_HASH_SHA_512(f))
		return false;
	if (rim_hash(p->hash_algo) < 0 ||
	    (p->hash_algo == CCA_RMI_HASH_SHA_384 && r->cfg.rmm_major < 2))
		return false;
	return true;
}

uint64_t rmm_realm_create(struct rmm *r, uint64_t rd, const struct cca_rmi_realm_params *p,
			  const struct sim_guest *guest)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	struct rmm_realm *rl = NULL;

	pthread_mutex_lock(&r->lock);
	if (!granule_ok(rd) || gstate(r, rd) != RMM_G_DELEGATED || !params_ok(r, p))
		goto out;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		goto out;
	rl->rd = rd;
	rl->state = RMM_REALM_NEW;
	rl->params = *p;
	rl->half = 1ULL << (p->s2sz - 1);
	rl->guest = guest;
	hmap_init(&rl->l1);
	hmap_init(&rl->l2);
	hmap_init(&rl->l3);
	struct cca_rim_realm m;
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.flags = p->flags;
	m.s2sz = (uint8_t)p->s2sz;
	m.sve_vl = (uint8_t)p->sve_vl;
	m.num_bps = (uint8_t)p->num_bps;
	m.num_wps = (uint8_t)p->num_wps;
	m.pmu_num_ctrs = (uint8_t)p->pmu_num_ctrs;
	m.hash_algo = (uint8_t)p->hash_algo;
	if (cca_rim_init(&rl->rim, r->cfg.rmm_major >= 2 ? CCA_RIM_RMM2 : CCA_RIM_RMM1,
			 (enum cca_rim_initial)r->cfg.rim_init, &m) ||
	    hmap_put(&r->realms, rd, (uint64_t)(uintptr_t)rl)) {
		realm_free(rl);
		goto out;
	}
	gset(r, rd, RMM_G_RD);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_realm_activate(struct rmm *r, uint64_t rd)
{
	uint64_t s;
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl) {
		s = ret(CCA_RMI_ERROR_INPUT, 0);
	} else if (rl->state != RMM_REALM_NEW) {
		s = ret(CCA_RMI_ERROR_REALM, 0);
	} else {
		rl->state = RMM_REALM_ACTIVE;
		s = ret(CCA_RMI_SUCCESS, 0);
	}
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_realm_destroy(struct rmm *r, uint64_t rd)
{
	uint64_t s = ret(CCA_RMI_SUCCESS, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl) {
		s = ret(CCA_RMI_ERROR_INPUT, 0);
		goto out;
	}
	if (rl->nr_recs || rl->l3.len) {
		/* A live REC or DATA granule blocks destruction. */
		uint64_t k, v;
		bool live = rl->nr_recs != 0;
		for (size_t it = 0; !live && hmap_next(&rl->l3, &it, &k, &v);)
			live = (v & E_FLAG) != 0;
		if (live) {
			s = ret(CCA_RMI_ERROR_REALM, 0);
			goto out;
		}
	}
	hmap_del(&r->realms, rd);
	gset(r, rd, RMM_G_DELEGATED);
	realm_free(rl);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* MPIDR -> REC index (rmi-spec.md §8.2). */
static int64_t mpidr_index(uint64_t mpidr)
{
	uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff,
		 aff3 = (mpidr >> 24) & 0xff;
	if (aff0 > 0xf || (mpidr >> 32))
		return -1;
	return (int64_t)(aff0 + 16 * aff1 + 4096 * aff2 + 1048576 * aff3);
}

uint64_t rmm_rec_create(struct rmm *r, uint64_t rd, uint64_t pa,
			const struct cca_rmi_rec_params *p)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl || !granule_ok(pa) || gstate(r, pa) != RMM_G_DELEGATED)
		goto out;
	if (rl->state != RMM_REALM_NEW) {
		s = ret(CCA_RMI_ERROR_REALM, 0);
		goto out;
	}
	/* The MPIDR must give the next REC index. */
	if (mpidr_index(p->mpidr) != (int64_t)rl->nr_recs)
		goto out;
	if (rl->nr_recs == rl->cap_recs) {
		unsigned int cap = rl->cap_recs ? rl->cap_recs * 2 : 8;
		struct rmm_rec **n = realloc(rl->recs, cap * sizeof(*n));
		if (!n)
			goto out;
		rl->recs = n;
		rl->cap_recs = cap;
	}
	struct rmm_rec *rec = calloc(1, sizeof(*rec));
	if (!rec)
		goto out;
	rec->pa = pa;
	rec->realm = rl;
	rec->index = rl->nr_recs;
	rec->mpidr = p->mpidr;
	rec->runnable = (p->flags & CCA_RMI_REC_PARAMS_FLAG_RUNNABLE) != 0;
	if (sim_cpu_new(rl->guest, rec->index, &rec->cpu) ||
	    hmap_put(&r->recs, pa, (uint64_t)(uintptr_t)rec)) {
		sim_cpu_free(rec->cpu);
		free(rec);
		goto out;
	}
	if (rec->runnable)
		sim_cpu_start(rec->cpu, p->pc, p->gprs[0]);
	/* Only a runnable REC extends the RIM (measurement.md §3.3). */
	cca_rim_rec(&rl->rim, p->flags, p->pc, p->gprs);
	rl->recs[rl->nr_recs++] = rec;
	gset(r, pa, RMM_G_REC);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_rec_destroy(struct rmm *r, uint64_t pa)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_rec *rec = rec_of(r, pa);
	if (!rec)
		goto out;
	if (rec->running) {
		s = ret(CCA_RMI_ERROR_REC, 0);
		goto out;
	}
	struct rmm_realm *rl = rec->realm;
	/* RECs go in reverse creation order in KVM; keep the array dense either way. */
	for (unsigned int i = 0; i < rl->nr_recs; i++) {
		if (rl->recs[i] == rec) {
			memmove(&rl->recs[i], &rl->recs[i + 1], (rl->nr_recs - i - 1) * sizeof(rec));
			rl->nr_recs--;
			break;
		}
	}
	hmap_del(&r->recs, pa);
	gset(r, pa, RMM_G_DELEGATED);
	sim_cpu_free(rec->cpu);
	free(rec);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* ---- RTT walk ---------------------------------------------------------- */

static uint64_t l1_entry(const struct rmm_realm *rl, uint64_t ipa)
{
	uint64_t *v = hmap_get(&rl->l1, ipa >> L1_SHIFT);
	return v ? *v : E_MAKE(0, CCA_RIPAS_EMPTY, 0);
}

static uint64_t l2_entry(const struct rmm_realm *rl, uint64_t ipa)
{
	uint64_t *v = hmap_get(&rl->l2, ipa >> L2_SHIFT);
	return v ? *v : E_MAKE(0, E_CHILD(l1_entry(rl, ipa)), 0);
}

static uint64_t l3_entry(const struct rmm_realm *rl, uint64_t ipa)
{
	uint64_t *v = hmap_get(&rl->l3, ipa >> L3_SHIFT);
	return v ? *v : E_MAKE(0, E_CHILD(l2_entry(rl, ipa)), 0);
}

/* Level of the leaf entry for @ipa: 1, 2 or 3. */
static int walk_level(const struct rmm_realm *rl, uint64_t ipa)
{
	if (!(l1_entry(rl, ipa) & E_FLAG))
		return 1;
	if (!(l2_entry(rl, ipa) & E_FLAG))
		return 2;
	return 3;
}

static unsigned int shift_of(int level)
{
	return level == 1 ? L1_SHIFT : level == 2 ? L2_SHIFT : L3_SHIFT;
}

static int ripas_at(const struct rmm_realm *rl, uint64_t ipa, int *level)
{
	int l = walk_level(rl, ipa);
	if (level)
		*level = l;
	uint64_t e = l == 1 ? l1_entry(rl, ipa) : l == 2 ? l2_entry(rl, ipa) : l3_entry(rl, ipa);
	return (int)E_RIPAS(e);
}

static int set_entry_ripas(struct rmm_realm *rl, int level, uint64_t ipa, int ripas)
{
	struct hmap *m = level == 1 ? &rl->l1 : level == 2 ? &rl->l2 : &rl->l3;
	uint64_t e = level == 1 ? l1_entry(rl, ipa) : level == 2 ? l2_entry(rl, ipa)
								 : l3_entry(rl, ipa);
	e = (e & ~(3ULL << 1)) | ((uint64_t)ripas << 1);
	return hmap_put(m, ipa >> shift_of(level), e);
}

uint64_t rmm_rtt_create(struct rmm *r, uint64_t rd, uint64_t rtt, uint64_t ipa, int level)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl || level < 2 || level > 3 || !granule_ok(rtt) || gstate(r, rtt) != RMM_G_DELEGATED)
		goto out;
	if (ipa & ((1ULL << shift_of(level - 1)) - 1) || ipa >= (rl->half << 1))
		goto out;
	int at = walk_level(rl, ipa);
	if (at != level - 1) {
		/* Parent missing (walk stops above) or the table exists (walk goes below). */
		s = ret(CCA_RMI_ERROR_RTT, (unsigned)at);
		goto out;
	}
	struct hmap *m = level == 2 ? &rl->l1 : &rl->l2;
	uint64_t parent = level == 2 ? l1_entry(rl, ipa) : l2_entry(rl, ipa);
	/* The new table's entries inherit the block's RIPAS. */
	if (hmap_put(m, ipa >> shift_of(level - 1), E_MAKE(E_FLAG, 0, E_RIPAS(parent))))
		goto out;
	gset(r, rtt, RMM_G_RTT);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

static uint64_t data_create(struct rmm *r, uint64_t rd, uint64_t data, uint64_t ipa,
			    const void *src, uint64_t flags, bool unknown)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl || !granule_ok(data) || gstate(r, data) != RMM_G_DELEGATED ||
	    (ipa & (CCA_RMI_GRANULE_SIZE - 1)) || ipa >= rl->half || (flags & ~1ULL))
		goto out;
	if (!unknown && rl->state != RMM_REALM_NEW) {
		s = ret(CCA_RMI_ERROR_REALM, 0);
		goto out;
	}
	int level = walk_level(rl, ipa);
	if (level != 3) {
		s = ret(CCA_RMI_ERROR_RTT, (unsigned)level);
		goto out;
	}
	uint64_t e = l3_entry(rl, ipa);
	if (e & E_FLAG) {
		s = ret(CCA_RMI_ERROR_RTT, 3);
		goto out;
	}
	int ripas = unknown ? (int)E_RIPAS(e) : CCA_RIPAS_RAM;
	if (hmap_put(&rl->l3, ipa >> L3_SHIFT, data | E_MAKE(E_FLAG, ripas, 0)))
		goto out;
	gset(r, data, RMM_G_DATA);
	if (!unknown)
		cca_rim_data(&rl->rim, ipa, (flags & CCA_RMI_MEASURE_CONTENT) != 0, src);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_data_create(struct rmm *r, uint64_t rd, uint64_t data, uint64_t ipa,
			 const void *src, uint64_t flags)
{
	return data_create(r, rd, data, ipa, src, flags, false);
}

uint64_t rmm_data_create_unknown(struct rmm *r, uint64_t rd, uint64_t data, uint64_t ipa)
{
	return data_create(r, rd, data, ipa, NULL, 0, true);
}

uint64_t rmm_data_destroy(struct rmm *r, uint64_t rd, uint64_t ipa, uint64_t *data)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl || (ipa & (CCA_RMI_GRANULE_SIZE - 1)) || ipa >= rl->half)
		goto out;
	int level = walk_level(rl, ipa);
	uint64_t e = level == 3 ? l3_entry(rl, ipa) : 0;
	if (level != 3 || !(e & E_FLAG)) {
		s = ret(CCA_RMI_ERROR_RTT, (unsigned)level);
		goto out;
	}
	*data = L3_PA(e);
	/* RAM that loses its data while the realm runs becomes DESTROYED. */
	int ripas = (rl->state != RMM_REALM_NEW && E_RIPAS(e) == CCA_RIPAS_RAM)
			    ? CCA_RIPAS_DESTROYED
			    : (int)E_RIPAS(e);
	hmap_put(&rl->l3, ipa >> L3_SHIFT, E_MAKE(0, ripas, 0));
	gset(r, *data, RMM_G_DELEGATED);
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_rtt_init_ripas(struct rmm *r, uint64_t rd, uint64_t base, uint64_t top,
			    uint64_t *out_top)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	if (!rl || base >= top || (base | top) & (CCA_RMI_GRANULE_SIZE - 1) || top > rl->half)
		goto out;
	if (rl->state != RMM_REALM_NEW) {
		s = ret(CCA_RMI_ERROR_REALM, 0);
		goto out;
	}
	uint64_t addr = base;
	int first_level = walk_level(rl, addr);
	/* One RTT entry at a time, all at the walk's level, until top or a level change. */
	while (addr < top) {
		int level = walk_level(rl, addr);
		uint64_t size = 1ULL << shift_of(level);
		if (level != first_level || (addr & (size - 1)) || addr + size > top ||
		    (level == 3 && (l3_entry(rl, addr) & E_FLAG)))
			break;
		set_entry_ripas(rl, level, addr, CCA_RIPAS_RAM);
		/* RMM 1.0 measures once per entry; the 2.0 engine ignores it. */
		cca_rim_ripas(&rl->rim, addr, addr + size);
		addr += size;
	}
	if (addr == base) {
		s = ret(CCA_RMI_ERROR_RTT, (unsigned)first_level);
		goto out;
	}
	*out_top = addr;
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint64_t rmm_rtt_set_ripas(struct rmm *r, uint64_t rd, uint64_t pa, uint64_t base, uint64_t top,
			   uint64_t *out_top)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	struct rmm_rec *rec = rec_of(r, pa);
	if (!rl || !rec || rec->realm != rl || !rec->ripas_pending || base != rec->ripas_addr ||
	    top > rec->ripas_top || base >= top)
		goto out;
	uint64_t addr = base;
	while (addr < top) {
		int level = walk_level(rl, addr);
		uint64_t size = 1ULL << shift_of(level);
		if ((addr & (size - 1)) || addr + size > top)
			break;
		set_entry_ripas(rl, level, addr, rec->ripas_value);
		addr += size;
	}
	if (addr == base) {
		s = ret(CCA_RMI_ERROR_RTT, (unsigned)walk_level(rl, addr));
		goto out;
	}
	rec->ripas_addr = addr;
	*out_top = addr;
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

static struct rmm_rec *rec_by_mpidr(struct rmm_realm *rl, uint64_t mpidr)
{
	int64_t i = mpidr_index(mpidr);
	return i >= 0 && i < (int64_t)rl->nr_recs ? rl->recs[i] : NULL;
}

static bool psci_needs_completion(const struct rmm *r, uint32_t fid)
{
	if (fid == CCA_PSCI_CPU_ON_32 || fid == CCA_PSCI_CPU_ON_64)
		return true;
	return (fid == CCA_PSCI_AFFINITY_INFO_32 || fid == CCA_PSCI_AFFINITY_INFO_64) &&
	       r->cfg.affinity_needs_complete;
}

uint64_t rmm_psci_complete(struct rmm *r, uint64_t calling, uint64_t target, uint64_t status)
{
	uint64_t s = ret(CCA_RMI_ERROR_INPUT, 0);
	pthread_mutex_lock(&r->lock);
	struct rmm_rec *src = rec_of(r, calling);
	if (!src || !src->psci_pending)
		goto out;
	struct rmm_realm *rl = src->realm;
	/* 2.0-bet2 drops the target argument (0): the RMM finds it itself. */
	struct rmm_rec *tgt = target ? rec_of(r, target) : rec_by_mpidr(rl, src->psci_target);
	if (!tgt || tgt->realm != rl || tgt->mpidr != src->psci_target)
		goto out;
	bool cpu_on = src->psci_fid == CCA_PSCI_CPU_ON_32 || src->psci_fid == CCA_PSCI_CPU_ON_64;
	int64_t st = (int64_t)status;
	if (st != CCA_PSCI_RET_SUCCESS &&
	    (st != CCA_PSCI_RET_DENIED || !cpu_on || tgt->runnable))
		goto out;
	int64_t result;
	if (st != CCA_PSCI_RET_SUCCESS) {
		result = st;
	} else if (cpu_on) {
		if (tgt->runnable) {
			result = CCA_PSCI_RET_ALREADY_ON;
		} else {
			result = CCA_PSCI_RET_SUCCESS;
			tgt->runnable = true;
			tgt->idle = false;
			sim_cpu_start(tgt->cpu, src->psci_entry, src->psci_ctx);
		}
	} else {
		result = tgt->runnable ? CCA_PSCI_AFFINITY_ON : CCA_PSCI_AFFINITY_OFF;
	}
	memset(src->resp.gprs, 0, 4 * sizeof(uint64_t));
	src->resp.gprs[0] = (uint64_t)result;
	src->psci_pending = false;
	s = ret(CCA_RMI_SUCCESS, 0);
out:
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* ---- REC_ENTER: run the guest program until its next host-visible event ---- */

#define ESR_EC_DABT_LOW 0x24ULL
#define ESR_IL (1ULL << 25)
#define ESR_ISV (1ULL << 24)
#define ESR_WNR (1ULL << 6)

static int log2_len(uint32_t len)
{
	return len == 1 ? 0 : len == 2 ? 1 : len == 4 ? 2 : len == 8 ? 3 : -1;
}

/* The PSCI functions the RMM implements (rmi-spec.md §10.1, §11.1). */
static bool psci_implemented(uint32_t fid)
{
	switch (fid) {
	case CCA_PSCI_VERSION:
	case CCA_PSCI_CPU_SUSPEND_32:
	case CCA_PSCI_CPU_SUSPEND_64:
	case CCA_PSCI_CPU_OFF:
	case CCA_PSCI_CPU_ON_32:
	case CCA_PSCI_CPU_ON_64:
	case CCA_PSCI_AFFINITY_INFO_32:
	case CCA_PSCI_AFFINITY_INFO_64:
	case CCA_PSCI_SYSTEM_OFF:
	case CCA_PSCI_SYSTEM_RESET:
	case CCA_PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

/*
 * Turn one guest event into an exit record. Returns false when the RMM
 * answers the event itself (no exit) and the guest should step again.
 * Caller holds r->lock.
 */
static bool event_to_exit(struct rmm *r, struct rmm_rec *rec, const struct sim_event *ev,
			  struct cca_rmi_rec_exit *x)
{
	struct rmm_realm *rl = rec->realm;
	memset(x, 0, sizeof(*x));
	switch (ev->kind) {
	case SIM_EV_MMIO: {
		int sas = log2_len(ev->len);
		if (sas < 0 || ev->ipa >= (rl->half << 1)) {
			snprintf(rec->failure, sizeof(rec->failure),
				 "line %u: access of %u bytes at 0x%llx cannot be emulated", ev->line,
				 ev->len, (unsigned long long)ev->ipa);
			rec->failed = true;
			x->exit_reason = CCA_RMI_EXIT_SERROR;
			return true;
		}
		x->exit_reason = CCA_RMI_EXIT_SYNC;
		x->esr = (ESR_EC_DABT_LOW << 26) | ESR_IL | ((uint64_t)sas << 22) |
			 (ev->is_write ? ESR_WNR : 0);
		x->far = ev->ipa & 0xfff;
		x->hpfar = (ev->ipa >> 12) << 4;
		/* Only unprotected-half aborts are emulatable: the RMM gives a syndrome. */
		if (ev->ipa >= rl->half) {
			x->esr |= ESR_ISV;
			rec->last_mmio = true;
			rec->last_mmio_read = !ev->is_write;
			rec->last_mmio_len = ev->len;
			if (ev->is_write)
				x->gprs[0] = ev->data;
		}
		return true;
	}
	case SIM_EV_PSCI: {
		uint32_t fid = (uint32_t)ev->gprs[0];
		/* SMCCC: an SMC32 call passes W1..W3 (as KVM reads them, §12.1). */
		uint64_t t = cca__smccc_arg(fid, ev->gprs[1]), a2 = cca__smccc_arg(fid, ev->gprs[2]),
			 a3 = cca__smccc_arg(fid, ev->gprs[3]);
		switch (fid) {
		case CCA_PSCI_VERSION:
			rec->resp.gprs[0] = 0x10000; /* PSCI 1.0 */
			return false;
		case CCA_PSCI_FEATURES:
			/* DEN0022: SUCCESS for a function the RMM implements, else NOT_SUPPORTED. */
			rec->resp.gprs[0] = psci_implemented((uint32_t)t) ?
						    CCA_PSCI_RET_SUCCESS :
						    (uint64_t)(int64_t)CCA_PSCI_RET_NOT_SUPPORTED;
			return false;
		case CCA_PSCI_CPU_ON_32:
		case CCA_PSCI_CPU_ON_64:
		case CCA_PSCI_AFFINITY_INFO_32:
		case CCA_PSCI_AFFINITY_INFO_64: {
			bool aff = fid == CCA_PSCI_AFFINITY_INFO_32 ||
				   fid == CCA_PSCI_AFFINITY_INFO_64;
			if (mpidr_index(t) < 0 || (aff && a2 != 0)) {
				rec->resp.gprs[0] = (uint64_t)(int64_t)CCA_PSCI_RET_INVALID_PARAMETERS;
				return false;
			}
			/* The target would start there: a protected IPA (DEN0022 INVALID_ADDRESS). */
			if (!aff && a2 >= rl->half) {
				rec->resp.gprs[0] = (uint64_t)(int64_t)CCA_PSCI_RET_INVALID_ADDRESS;
				return false;
			}
			if (aff && !r->cfg.affinity_needs_complete) {
				struct rmm_rec *tg = rec_by_mpidr(rl, t);
				rec->resp.gprs[0] = tg && tg->runnable ? CCA_PSCI_AFFINITY_ON
								     : CCA_PSCI_AFFINITY_OFF;
				return false;
			}
			if (psci_needs_completion(r, fid)) {
				rec->psci_pending = true;
				rec->psci_fid = fid;
				rec->psci_target = t;
				rec->psci_entry = a2;
				rec->psci_ctx = a3;
			}
			break;
		}
		case CCA_PSCI_CPU_OFF:
			rec->runnable = false;
			break;
		case CCA_PSCI_SYSTEM_OFF:
		case CCA_PSCI_SYSTEM_RESET:
			rl->state = RMM_REALM_SYSTEM_OFF;
			break;
		case CCA_PSCI_CPU_SUSPEND_32:
		case CCA_PSCI_CPU_SUSPEND_64:
			break;
		default:
			/* Only the functions above exit (§10.1); the rest are not implemented. */
			rec->resp.gprs[0] = (uint64_t)(int64_t)CCA_PSCI_RET_NOT_SUPPORTED;
			return false;
		}
		x->exit_reason = CCA_RMI_EXIT_PSCI;
		memcpy(x->gprs, ev->gprs, 4 * sizeof(uint64_t));
		return true;
	}
	case SIM_EV_HOST_CALL:
		x->exit_reason = CCA_RMI_EXIT_HOST_CALL;
		x->imm = ev->imm;
		memcpy(x->gprs, ev->gprs, sizeof(x->gprs));
		return true;
	case SIM_EV_RIPAS:
		/* RSI_IPA_STATE_SET refuses a bad range itself, without an exit. */
		if (ev->ripas_base >= ev->ripas_top || ev->ripas_top > rl->half ||
		    ((ev->ripas_base | ev->ripas_top) & (CCA_RMI_GRANULE_SIZE - 1)) ||
		    (ev->ripas_value != CCA_RIPAS_RAM && ev->ripas_value != CCA_RIPAS_EMPTY)) {
			rec->resp.ripas_accepted = 0;
			rec->resp.ripas_top = ev->ripas_base;
			rec->resp.gprs[0] = 1; /* RSI_ERROR_INPUT */
			return false;
		}
		rec->ripas_pending = true;
		rec->ripas_base = rec->ripas_addr = ev->ripas_base;
		rec->ripas_top = ev->ripas_top;
		rec->ripas_value = ev->ripas_value;
		x->exit_reason = CCA_RMI_EXIT_RIPAS_CHANGE;
		x->ripas_base = ev->ripas_base;
		x->ripas_top = ev->ripas_top;
		x->ripas_value = ev->ripas_value;
		return true;
	case SIM_EV_IDLE:
		rec->idle = true;
		x->exit_reason = CCA_RMI_EXIT_IRQ;
		return true;
	case SIM_EV_FAIL:
	default:
		rec->failed = true;
		snprintf(rec->failure, sizeof(rec->failure), "%s", ev->msg);
		x->exit_reason = CCA_RMI_EXIT_SERROR;
		return true;
	}
}

uint64_t rmm_rec_enter(struct rmm *r, uint64_t pa, struct cca_rmi_rec_run *run)
{
	struct sim_event ev;
	uint64_t s = ret(CCA_RMI_SUCCESS, 0);

	pthread_mutex_lock(&r->lock);
	struct rmm_rec *rec = rec_of(r, pa);
	if (!rec) {
		s = ret(CCA_RMI_ERROR_INPUT, 0);
		goto unlock;
	}
	struct rmm_realm *rl = rec->realm;
	if (rl->state == RMM_REALM_NEW) {
		s = ret(CCA_RMI_ERROR_REALM, CCA_RMI_REALM_INDEX_NOT_ACTIVE);
		goto unlock;
	}
	if (rl->state == RMM_REALM_SYSTEM_OFF) {
		s = ret(CCA_RMI_ERROR_REALM, CCA_RMI_REALM_INDEX_SYSTEM_OFF);
		goto unlock;
	}
	uint64_t flags = run->enter.flags;
	if (rec->running || !rec->runnable || rec->psci_pending || rec->failed ||
	    ((flags & CCA_REC_ENTRY_FLAG_EMUL_MMIO) && !rec->last_mmio)) {
		s = ret(CCA_RMI_ERROR_REC, 0);
		goto unlock;
	}
	/* Complete the previous exit with what the host answered. */
	if (rec->last_mmio && rec->last_mmio_read && (flags & CCA_REC_ENTRY_FLAG_EMUL_MMIO)) {
		uint64_t mask = rec->last_mmio_len == 8 ? ~0ULL
							: (1ULL << (8 * rec->last_mmio_len)) - 1;
		rec->resp.gprs[0] = run->enter.gprs[0] & mask;
	}
	if (rec->last_exit == CCA_RMI_EXIT_HOST_CALL)
		memcpy(rec->resp.gprs, run->enter.gprs, sizeof(rec->resp.gprs));
	if (rec->ripas_pending) {
		bool accept = !(flags & CCA_REC_ENTRY_FLAG_RIPAS_RESPONSE);
		rec->resp.ripas_accepted = accept && rec->ripas_addr > rec->ripas_base;
		rec->resp.ripas_top = accept ? rec->ripas_addr : rec->ripas_base;
		rec->ripas_pending = false;
	}
	rec->running = true;
	rec->last_mmio = false;
	pthread_mutex_unlock(&r->lock);

	bool exited = false;
	while (!exited) {
		int e = sim_cpu_next(rec->cpu, &rec->resp, &ev);
		if (e) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = SIM_EV_FAIL;
			snprintf(ev.msg, sizeof(ev.msg), "guest interpreter error %d", e);
		}
		pthread_mutex_lock(&r->lock);
		memset(&rec->resp, 0, sizeof(rec->resp));
		exited = event_to_exit(r, rec, &ev, &run->exit);
		if (exited) {
			rec->last_exit = run->exit.exit_reason;
			rec->running = false;
		}
		pthread_mutex_unlock(&r->lock);
	}
	return s;
unlock:
	pthread_mutex_unlock(&r->lock);
	return s;
}

/* ---- introspection ------------------------------------------------------- */

int rmm_realm_rim(struct rmm *r, uint64_t rd, uint8_t out[64], size_t *len)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	int e = rl ? cca_rim_get(&rl->rim, out, len) : -ENOENT;
	pthread_mutex_unlock(&r->lock);
	return e;
}

int rmm_realm_state(struct rmm *r, uint64_t rd)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	int st = rl ? (int)rl->state : -ENOENT;
	pthread_mutex_unlock(&r->lock);
	return st;
}

int rmm_rtt_level(struct rmm *r, uint64_t rd, uint64_t ipa)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	int l = rl ? walk_level(rl, ipa) : -ENOENT;
	pthread_mutex_unlock(&r->lock);
	return l;
}

int rmm_ripas(struct rmm *r, uint64_t rd, uint64_t ipa)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_realm *rl = realm_of(r, rd);
	int v = rl && ipa < rl->half ? ripas_at(rl, ipa, NULL) : -1;
	pthread_mutex_unlock(&r->lock);
	return v;
}

int rmm_rec_failure(struct rmm *r, uint64_t pa, char *buf, size_t len)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_rec *rec = rec_of(r, pa);
	int f = rec && rec->failed;
	if (f && buf && len)
		snprintf(buf, len, "%s", rec->failure);
	pthread_mutex_unlock(&r->lock);
	return f;
}

int rmm_rec_idle(struct rmm *r, uint64_t pa)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_rec *rec = rec_of(r, pa);
	int v = rec && rec->idle;
	pthread_mutex_unlock(&r->lock);
	return v;
}

int rmm_rec_runnable(struct rmm *r, uint64_t pa)
{
	pthread_mutex_lock(&r->lock);
	struct rmm_rec *rec = rec_of(r, pa);
	int v = rec && rec->runnable;
	pthread_mutex_unlock(&r->lock);
	return v;
}
