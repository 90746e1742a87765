// SPDX-License-Identifier: MIT
/*
 * Description: the simulated RMM (lib/sim/rmm.c) driven directly at the RMI
 * level, without KVM: granule states, REALM_CREATE's checks against
 * RMI_FEATURES(0), REC_CREATE, the RTT walk, DATA_CREATE and RTT_INIT_RIPAS
 * with their measurement (measurement.md §3, §9 known answers), REC_ENTER's
 * refusals (rmi-spec.md §4), the exits each guest statement produces, and
 * PSCI_COMPLETE (rmi-spec.md §10.5, §10.6).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/measure.h>
#include <rmi/rmi.h>

#include "sim/rmm.h"

#define OK CCA_RMI_RETURN(CCA_RMI_SUCCESS, 0)
#define E_INPUT CCA_RMI_RETURN(CCA_RMI_ERROR_INPUT, 0)
#define E_REALM(i) CCA_RMI_RETURN(CCA_RMI_ERROR_REALM, i)
#define E_REC CCA_RMI_RETURN(CCA_RMI_ERROR_REC, 0)
#define E_RTT(l) CCA_RMI_RETURN(CCA_RMI_ERROR_RTT, l)

/* RMI_FEATURES(0) built by hand from the §7.1 layout. */
#define FEAT0(s2sz, sve_en, sve_vl, bps, wps, pmu_en, ctrs, s256, s512)                        \
	((uint64_t)(s2sz) | (uint64_t)(sve_en) << 9 | (uint64_t)(sve_vl) << 10 |                  \
	 (uint64_t)(bps) << 14 | (uint64_t)(wps) << 20 | (uint64_t)(pmu_en) << 26 |              \
	 (uint64_t)(ctrs) << 27 | (uint64_t)(s256) << 32 | (uint64_t)(s512) << 33)
/* IPA 40, SVE up to VQ 4, 6 bps, 4 wps, PMU with 7 counters, SHA-256 and SHA-512. */
#define FEAT_STD FEAT0(40, 1, 3, 5, 3, 1, 7, 1, 1)

#define KA_REALM "39ad630fb9d2019f2be445c17430b6372c999e1d205f7ddaa5d00b5d13b83c76"
#define KA_DATA0 "ace574d95a083166c8cfaa6034b110ee8b708e9514759eb471a2036401f45050"
#define KA_DATA1 "0482850c2cdd7f37447634af3ff798ef406680ffc1861707fe184242c12fa9d2"

#define HALF33 0x100000000ULL /* s2sz 33: first unprotected IPA */

static const char idle_guest[] = "ipa-bits 33\ncpu *:\n  idle\n";

struct env {
	struct rmm r;
	struct sim_guest *g;
	uint64_t next;
	struct cca_rmi_realm_params *p;
	struct cca_rmi_rec_params *rp;
	struct cca_rmi_rec_run *run;
};

static void env_init(struct env *e, uint64_t feat0, unsigned major, int aff, const char *guest)
{
	struct rmm_config c = { .feat0 = feat0, .rmm_major = major, .rim_init = 0,
				.affinity_needs_complete = aff };
	struct sim_guest_error ge;
	memset(e, 0, sizeof(*e));
	assert_int_equal(rmm_init(&e->r, &c), 0);
	memset(&ge, 0, sizeof(ge));
	if (sim_guest_parse(guest, strlen(guest), &e->g, &ge))
		fail_msg("guest line %u col %u: %s", ge.line, ge.col, ge.msg);
	e->next = 0x7a5000000000ULL;
	e->p = calloc(1, sizeof(*e->p));
	e->rp = calloc(1, sizeof(*e->rp));
	e->run = calloc(1, sizeof(*e->run));
	assert_non_null(e->p);
	assert_non_null(e->rp);
	assert_non_null(e->run);
	/* measurement.md §9's realm. */
	e->p->s2sz = 33;
	e->p->num_bps = 1;
	e->p->num_wps = 1;
}

static void env_fini(struct env *e)
{
	rmm_fini(&e->r);
	sim_guest_free(e->g);
	free(e->p);
	free(e->rp);
	free(e->run);
}

/* A delegated granule. */
static uint64_t gran(struct env *e)
{
	uint64_t pa = e->next;
	e->next += 4096;
	assert_int_equal(rmm_granule_delegate(&e->r, pa), OK);
	return pa;
}

static uint64_t realm(struct env *e)
{
	uint64_t rd = gran(e);
	assert_int_equal(rmm_realm_create(&e->r, rd, e->p, e->g), OK);
	assert_int_equal(rmm_realm_state(&e->r, rd), RMM_REALM_NEW);
	return rd;
}

static uint64_t rec_pc(struct env *e, uint64_t rd, unsigned idx, bool runnable, uint64_t pc,
		       uint64_t x0)
{
	uint64_t pa = gran(e);
	memset(e->rp, 0, sizeof(*e->rp));
	e->rp->flags = runnable ? CCA_RMI_REC_PARAMS_FLAG_RUNNABLE : 0;
	e->rp->mpidr = sim_guest_kvm_mpidr(idx);
	e->rp->pc = pc;
	e->rp->gprs[0] = x0;
	assert_int_equal(rmm_rec_create(&e->r, rd, pa, e->rp), OK);
	return pa;
}

static uint64_t rec(struct env *e, uint64_t rd, unsigned idx, bool runnable)
{
	return rec_pc(e, rd, idx, runnable, 0x80000000ULL, 0);
}

static void rtt(struct env *e, uint64_t rd, uint64_t ipa, int level)
{
	assert_int_equal(rmm_rtt_create(&e->r, rd, gran(e), ipa, level), OK);
}

/* Level-2 and level-3 tables over @ipa. */
static void rtt3(struct env *e, uint64_t rd, uint64_t ipa)
{
	if (rmm_rtt_level(&e->r, rd, ipa) < 2)
		rtt(e, rd, ipa & ~((1ULL << 30) - 1), 2);
	if (rmm_rtt_level(&e->r, rd, ipa) < 3)
		rtt(e, rd, ipa & ~((1ULL << 21) - 1), 3);
}

static void rim_hex(struct env *e, uint64_t rd, char *hex)
{
	uint8_t out[64];
	size_t len = 0;
	assert_int_equal(rmm_realm_rim(&e->r, rd, out, &len), 0);
	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", out[i]);
	hex[2 * len] = 0;
}

static void assert_rim_eq(struct env *e, uint64_t rd, const struct cca_rim *mine)
{
	uint8_t a[64], b[64];
	size_t la = 0, lb = 0;
	assert_int_equal(rmm_realm_rim(&e->r, rd, a, &la), 0);
	assert_int_equal(cca_rim_get(mine, b, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
}

static void my_rim(struct env *e, struct cca_rim *rim, unsigned major)
{
	struct cca_rim_realm m;
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.flags = e->p->flags;
	m.s2sz = (uint8_t)e->p->s2sz;
	m.sve_vl = (uint8_t)e->p->sve_vl;
	m.num_bps = (uint8_t)e->p->num_bps;
	m.num_wps = (uint8_t)e->p->num_wps;
	m.pmu_num_ctrs = (uint8_t)e->p->pmu_num_ctrs;
	m.hash_algo = (uint8_t)e->p->hash_algo;
	assert_int_equal(cca_rim_init(rim, major == 1 ? CCA_RIM_RMM1 : CCA_RIM_RMM2,
				      CCA_RIM_INIT_PARAMS, &m),
			 0);
}

static uint64_t enter(struct env *e, uint64_t recpa, uint64_t flags)
{
	e->run->enter.flags = flags;
	return rmm_rec_enter(&e->r, recpa, e->run);
}

/* ---- granules -------------------------------------------------------------------- */

static void granule_states(void **state)
{
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, idle_guest);
	uint64_t pa = 0x7a5100000000ULL;
	assert_int_equal(rmm_granule_undelegate(&e.r, pa), E_INPUT); /* not delegated */
	assert_int_equal(rmm_granule_delegate(&e.r, pa), OK);
	assert_int_equal(rmm_granule_delegate(&e.r, pa), E_INPUT); /* twice */
	assert_int_equal(rmm_granule_undelegate(&e.r, pa), OK);
	assert_int_equal(rmm_granule_undelegate(&e.r, pa), E_INPUT);
	assert_int_equal(rmm_granule_delegate(&e.r, pa), OK); /* back again */
	assert_int_equal(rmm_granule_delegate(&e.r, 0), E_INPUT);
	assert_int_equal(rmm_granule_delegate(&e.r, pa + 0x800), E_INPUT);
	assert_int_equal(rmm_granule_delegate(&e.r, pa + 1), E_INPUT);
	assert_int_equal(rmm_granule_undelegate(&e.r, 0), E_INPUT);
	assert_int_equal(rmm_granule_undelegate(&e.r, pa + 0x800), E_INPUT);

	/* In use: RD, REC, RTT, DATA cannot be undelegated. */
	uint64_t rd = realm(&e);
	uint64_t r0 = rec(&e, rd, 0, true);
	uint64_t t = gran(&e);
	assert_int_equal(rmm_rtt_create(&e.r, rd, t, 0x80000000ULL & ~((1ULL << 30) - 1), 2), OK);
	rtt(&e, rd, 0x80000000ULL, 3);
	uint64_t d = gran(&e);
	static unsigned char page[4096];
	assert_int_equal(rmm_data_create(&e.r, rd, d, 0x80000000ULL, page, 0), OK);
	assert_int_equal(rmm_granule_undelegate(&e.r, rd), E_INPUT);
	assert_int_equal(rmm_granule_undelegate(&e.r, r0), E_INPUT);
	assert_int_equal(rmm_granule_undelegate(&e.r, t), E_INPUT);
	assert_int_equal(rmm_granule_undelegate(&e.r, d), E_INPUT);
	/* Used granules cannot be delegated again or reused for another object either. */
	assert_int_equal(rmm_granule_delegate(&e.r, d), E_INPUT);
	assert_int_equal(rmm_realm_create(&e.r, d, e.p, e.g), E_INPUT);
	/* After DATA_DESTROY the data granule is DELEGATED again. */
	uint64_t back = 0;
	assert_int_equal(rmm_data_destroy(&e.r, rd, 0x80000000ULL, &back), OK);
	assert_int_equal(back, d);
	assert_int_equal(rmm_granule_undelegate(&e.r, d), OK);
	/* REC_DESTROY then REALM_DESTROY free their granules too. */
	assert_int_equal(rmm_realm_destroy(&e.r, rd), E_REALM(0)); /* a live REC */
	assert_int_equal(rmm_rec_destroy(&e.r, r0), OK);
	assert_int_equal(rmm_granule_undelegate(&e.r, r0), OK);
	assert_int_equal(rmm_realm_destroy(&e.r, rd), OK);
	assert_int_equal(rmm_granule_undelegate(&e.r, rd), OK);
	env_fini(&e);
}

/* ---- REALM_CREATE ---------------------------------------------------------------------- */

static void feat0_layout(void **state)
{
	(void)state;
	uint64_t f = FEAT0(0x2d, 1, 0xa, 0x2b, 0x15, 1, 0x13, 1, 0);
	assert_int_equal(CCA_RMI_FEAT0_S2SZ(f), 0x2d);
	assert_int_equal(CCA_RMI_FEAT0_SVE_EN(f), 1);
	assert_int_equal(CCA_RMI_FEAT0_SVE_VL(f), 0xa);
	assert_int_equal(CCA_RMI_FEAT0_NUM_BPS(f), 0x2b);
	assert_int_equal(CCA_RMI_FEAT0_NUM_WPS(f), 0x15);
	assert_int_equal(CCA_RMI_FEAT0_PMU_EN(f), 1);
	assert_int_equal(CCA_RMI_FEAT0_PMU_NUM_CTRS(f), 0x13);
	assert_int_equal(CCA_RMI_FEAT0_HASH_SHA_256(f), 1);
	assert_int_equal(CCA_RMI_FEAT0_HASH_SHA_512(f), 0);
	struct rmm r;
	struct rmm_config c = { .feat0 = f, .rmm_major = 1 };
	uint64_t v = 0;
	assert_int_equal(rmm_init(&r, &c), 0);
	assert_int_equal(rmm_features(&r, 0, &v), OK);
	assert_int_equal(v, f);
	assert_int_equal(rmm_features(&r, 2, &v), E_INPUT);
	rmm_fini(&r);
}

static uint64_t try_create(struct env *e)
{
	uint64_t rd = gran(e);
	return rmm_realm_create(&e->r, rd, e->p, e->g);
}

static void realm_create_checks(void **state)
{
	(void)state;
	for (unsigned major = 1; major <= 2; major++) {
		struct env e;
		env_init(&e, FEAT_STD, major, 1, idle_guest);
		struct cca_rmi_realm_params base = *e.p;

		/* Valid baselines at the limits. */
		e.p->s2sz = 40;
		assert_int_equal(try_create(&e), OK);
		*e.p = base;
		e.p->flags = CCA_RMI_REALM_FLAG_SVE | CCA_RMI_REALM_FLAG_PMU;
		e.p->sve_vl = 3;
		e.p->num_bps = 5;
		e.p->num_wps = 3;
		e.p->pmu_num_ctrs = 7;
		e.p->hash_algo = CCA_RMI_HASH_SHA_512;
		assert_int_equal(try_create(&e), OK);

#define REFUSE(stmt)                                          \
	do {                                                  \
		*e.p = base;                                  \
		stmt;                                         \
		assert_int_equal(try_create(&e), E_INPUT);    \
	} while (0)
		REFUSE(e.p->s2sz = 41);                       /* above S2SZ */
		REFUSE(e.p->s2sz = 31);                       /* below the minimum */
		REFUSE((e.p->flags = CCA_RMI_REALM_FLAG_SVE, e.p->sve_vl = 4)); /* above SVE_VL */
		REFUSE(e.p->sve_vl = 1);                      /* a length without the flag */
		REFUSE(e.p->num_bps = 6);
		REFUSE(e.p->num_wps = 4);
		REFUSE((e.p->flags = CCA_RMI_REALM_FLAG_PMU, e.p->pmu_num_ctrs = 8));
		REFUSE(e.p->flags = CCA_RMI_REALM_FLAG_LPA2); /* LPA2 not offered */
		REFUSE(e.p->flags = 1ULL << 9);               /* unknown flag */
		REFUSE(e.p->hash_algo = 3);
		REFUSE(e.p->hash_algo = 0x77);
		if (major == 1)
			REFUSE(e.p->hash_algo = CCA_RMI_HASH_SHA_384); /* 2.0 only */
		*e.p = base;
		e.p->hash_algo = CCA_RMI_HASH_SHA_384;
		if (major == 2)
			assert_int_equal(try_create(&e), OK);

		/* The RD must be a DELEGATED granule. */
		*e.p = base;
		assert_int_equal(rmm_realm_create(&e.r, 0x7a5200000000ULL, e.p, e.g), E_INPUT);
		uint64_t rd = realm(&e);
		assert_int_equal(rmm_realm_create(&e.r, rd, e.p, e.g), E_INPUT); /* already an RD */
		env_fini(&e);
	}
	/* Without SVE_EN, PMU_EN or SHA-512 in the features. */
	struct env e;
	env_init(&e, FEAT0(40, 0, 15, 5, 3, 0, 31, 1, 0), 1, 1, idle_guest);
	struct cca_rmi_realm_params base = *e.p;
	REFUSE(e.p->flags = CCA_RMI_REALM_FLAG_SVE);
	REFUSE((e.p->flags = CCA_RMI_REALM_FLAG_PMU, e.p->pmu_num_ctrs = 1));
	REFUSE(e.p->hash_algo = CCA_RMI_HASH_SHA_512);
	*e.p = base;
	assert_int_equal(try_create(&e), OK);
	env_fini(&e);
	env_init(&e, FEAT0(40, 0, 0, 5, 3, 0, 0, 0, 1), 1, 1, idle_guest);
	base = *e.p;
	REFUSE(e.p->hash_algo = CCA_RMI_HASH_SHA_256); /* SHA-256 not offered */
	*e.p = base;
	e.p->hash_algo = CCA_RMI_HASH_SHA_512;
	assert_int_equal(try_create(&e), OK);
	env_fini(&e);
#undef REFUSE
}

/* ---- measurement: known answers and own computation ------------------------------------ */

static void known_answers(void **state)
{
	(void)state;
	static unsigned char zero[4096], ramp[4096];
	for (int i = 0; i < 4096; i++)
		ramp[i] = (unsigned char)i;
	for (unsigned major = 1; major <= 2; major++) {
		struct env e;
		char hex[129];
		env_init(&e, FEAT_STD, major, 1, idle_guest);
		uint64_t rd = realm(&e);
		rim_hex(&e, rd, hex);
		assert_string_equal(hex, KA_REALM);
		rtt3(&e, rd, 0x80000000ULL);
		assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), 0x80000000ULL, zero,
						 CCA_RMI_MEASURE_CONTENT),
				 OK);
		rim_hex(&e, rd, hex);
		assert_string_equal(hex, KA_DATA0);
		assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), 0x80001000ULL, ramp,
						 CCA_RMI_MEASURE_CONTENT),
				 OK);
		rim_hex(&e, rd, hex);
		assert_string_equal(hex, KA_DATA1);

		/* Unmeasured content, and DATA_CREATE_UNKNOWN: equal to the library's computation. */
		struct cca_rim mine;
		my_rim(&e, &mine, major);
		assert_int_equal(cca_rim_data(&mine, 0x80000000ULL, 1, zero), 0);
		assert_int_equal(cca_rim_data(&mine, 0x80001000ULL, 1, ramp), 0);
		assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), 0x80002000ULL, ramp, 0), OK);
		assert_int_equal(cca_rim_data(&mine, 0x80002000ULL, 0, NULL), 0);
		assert_rim_eq(&e, rd, &mine);
		assert_int_equal(rmm_data_create_unknown(&e.r, rd, gran(&e), 0x80003000ULL), OK);
		assert_rim_eq(&e, rd, &mine); /* not measured */
		assert_int_equal(rmm_ripas(&e.r, rd, 0x80000000ULL), CCA_RIPAS_RAM);
		env_fini(&e);
	}
}

/* ---- REC_CREATE ------------------------------------------------------------------------ */

static void rec_create_rules(void **state)
{
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, idle_guest);
	uint64_t rd = realm(&e);
	struct cca_rim mine;
	my_rim(&e, &mine, 1);

	memset(e.rp, 0, sizeof(*e.rp));
	e.rp->mpidr = sim_guest_kvm_mpidr(1); /* index 1 before 0 */
	assert_int_equal(rmm_rec_create(&e.r, rd, gran(&e), e.rp), E_INPUT);
	e.rp->mpidr = 0x10; /* Aff0 > 15 is no valid index */
	assert_int_equal(rmm_rec_create(&e.r, rd, gran(&e), e.rp), E_INPUT);
	/* Undelegated REC granule, unknown RD. */
	e.rp->mpidr = 0;
	assert_int_equal(rmm_rec_create(&e.r, rd, 0x7a5300000000ULL, e.rp), E_INPUT);
	assert_int_equal(rmm_rec_create(&e.r, 0x7a5300001000ULL, gran(&e), e.rp), E_INPUT);

	uint64_t gprs[8] = { 0x5eed0001, 0, 0x5eed0002 };
	e.rp->flags = CCA_RMI_REC_PARAMS_FLAG_RUNNABLE;
	e.rp->pc = 0x80123000;
	memcpy(e.rp->gprs, gprs, sizeof(gprs));
	uint64_t r0 = gran(&e);
	assert_int_equal(rmm_rec_create(&e.r, rd, r0, e.rp), OK);
	assert_int_equal(cca_rim_rec(&mine, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, 0x80123000, gprs), 0);
	assert_rim_eq(&e, rd, &mine);
	assert_int_equal(rmm_rec_runnable(&e.r, r0), 1);
	/* The same index again. */
	assert_int_equal(rmm_rec_create(&e.r, rd, gran(&e), e.rp), E_INPUT);
	/* Non-runnable RECs 1 and 2: not measured. */
	uint8_t before[64], after[64];
	size_t l;
	assert_int_equal(rmm_realm_rim(&e.r, rd, before, &l), 0);
	uint64_t r1 = rec_pc(&e, rd, 1, false, 0x80999000, 0xdead);
	rec_pc(&e, rd, 2, false, 0x80888000, 0xbeef);
	assert_int_equal(rmm_realm_rim(&e.r, rd, after, &l), 0);
	assert_memory_equal(before, after, l);
	assert_int_equal(rmm_rec_runnable(&e.r, r1), 0);
	/* A second runnable REC is measured. */
	uint64_t r3 = rec_pc(&e, rd, 3, true, 0x80777000, 0x33);
	uint64_t g3[8] = { 0x33 };
	assert_int_equal(cca_rim_rec(&mine, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, 0x80777000, g3), 0);
	assert_rim_eq(&e, rd, &mine);
	assert_int_equal(rmm_rec_runnable(&e.r, r3), 1);
	/* REALM_ACTIVATE, then REC_CREATE: ERROR_REALM. */
	assert_int_equal(rmm_realm_activate(&e.r, 0x7a5300002000ULL), E_INPUT);
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	assert_int_equal(rmm_realm_state(&e.r, rd), RMM_REALM_ACTIVE);
	assert_int_equal(rmm_realm_activate(&e.r, rd), E_REALM(0));
	memset(e.rp, 0, sizeof(*e.rp));
	e.rp->mpidr = sim_guest_kvm_mpidr(4);
	assert_int_equal(rmm_rec_create(&e.r, rd, gran(&e), e.rp), E_REALM(0));
	env_fini(&e);
}

/* ---- RTT_CREATE and the walk --------------------------------------------------------- */

static void rtt_walk(void **state)
{
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, idle_guest);
	uint64_t rd = realm(&e);
	const uint64_t ipa = 0xc0000000ULL + 0x600000ULL + 0x5000ULL;
	assert_int_equal(rmm_rtt_level(&e.r, rd, ipa), 1);
	/* Level 3 before level 2: the walk stops at level 1. */
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0600000ULL, 3), E_RTT(1));
	/* Misaligned for the parent level, bad levels, outside the IPA space, undelegated. */
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0200000ULL, 2), E_INPUT);
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0000000ULL, 1), E_INPUT);
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0000000ULL, 4), E_INPUT);
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 2 * HALF33, 2), E_INPUT);
	assert_int_equal(rmm_rtt_create(&e.r, rd, 0x7a5400000000ULL, 0xc0000000ULL, 2), E_INPUT);
	rtt(&e, rd, 0xc0000000ULL, 2);
	assert_int_equal(rmm_rtt_level(&e.r, rd, ipa), 2);
	assert_int_equal(rmm_rtt_level(&e.r, rd, 0x80000000ULL), 1); /* a neighbour */
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0000000ULL, 2), E_RTT(2)); /* exists */
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0601000ULL, 3), E_INPUT);
	rtt(&e, rd, 0xc0600000ULL, 3);
	assert_int_equal(rmm_rtt_level(&e.r, rd, ipa), 3);
	assert_int_equal(rmm_rtt_level(&e.r, rd, 0xc0800000ULL), 2);
	assert_int_equal(rmm_rtt_create(&e.r, rd, gran(&e), 0xc0600000ULL, 3), E_RTT(3));
	/* The unprotected half has tables too (RTT_CREATE accepts it). */
	rtt(&e, rd, HALF33, 2);
	assert_int_equal(rmm_rtt_level(&e.r, rd, HALF33 + 0x1000), 2);
	env_fini(&e);
}

/* ---- DATA_CREATE --------------------------------------------------------------------- */

static void data_create_rules(void **state)
{
	struct env e;
	static unsigned char src[4096];
	(void)state;
	memset(src, 0x5a, sizeof(src));
	env_init(&e, FEAT_STD, 1, 1, idle_guest);
	uint64_t rd = realm(&e);
	const uint64_t ipa = 0x80000000ULL + 0x400000ULL;
	/* No level-3 table: ERROR_RTT with the walk's level. */
	assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), ipa, src, 1), E_RTT(1));
	rtt(&e, rd, 0x80000000ULL, 2);
	assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), ipa, src, 1), E_RTT(2));
	rtt(&e, rd, ipa, 3);
	uint64_t d = gran(&e);
	assert_int_equal(rmm_data_create(&e.r, rd, d, ipa + 0x800, src, 1), E_INPUT); /* unaligned */
	assert_int_equal(rmm_data_create(&e.r, rd, d, ipa, src, 2), E_INPUT); /* flag bit 1 */
	assert_int_equal(rmm_data_create(&e.r, rd, 0x7a5500000000ULL, ipa, src, 1), E_INPUT);
	assert_int_equal(rmm_data_create(&e.r, rd, d, HALF33 + 0x1000, src, 1), E_INPUT); /* upper */
	assert_int_equal(rmm_data_create(&e.r, rd, d, 2 * HALF33, src, 1), E_INPUT);
	assert_int_equal(rmm_ripas(&e.r, rd, ipa), CCA_RIPAS_EMPTY);
	assert_int_equal(rmm_data_create(&e.r, rd, d, ipa, src, 1), OK);
	assert_int_equal(rmm_ripas(&e.r, rd, ipa), CCA_RIPAS_RAM);
	/* Twice at one IPA (another granule): ERROR_RTT(3). */
	assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), ipa, src, 1), E_RTT(3));
	assert_int_equal(rmm_data_create_unknown(&e.r, rd, gran(&e), ipa), E_RTT(3));
	/* The data granule once more at another IPA: not DELEGATED any longer. */
	assert_int_equal(rmm_data_create(&e.r, rd, d, ipa + 0x1000, src, 1), E_INPUT);
	/* Measured like the library. */
	struct cca_rim mine;
	my_rim(&e, &mine, 1);
	assert_int_equal(cca_rim_data(&mine, ipa, 1, src), 0);
	assert_rim_eq(&e, rd, &mine);
	/* ACTIVE: DATA_CREATE refused, DATA_CREATE_UNKNOWN allowed and not measured. */
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), ipa + 0x2000, src, 1), E_REALM(0));
	assert_int_equal(rmm_data_create_unknown(&e.r, rd, gran(&e), ipa + 0x2000), OK);
	assert_rim_eq(&e, rd, &mine);
	/* DATA_DESTROY of RAM while ACTIVE leaves DESTROYED; nothing there: ERROR_RTT(3). */
	uint64_t pa;
	assert_int_equal(rmm_data_destroy(&e.r, rd, ipa, &pa), OK);
	assert_int_equal(pa, d);
	assert_int_equal(rmm_ripas(&e.r, rd, ipa), CCA_RIPAS_DESTROYED);
	assert_int_equal(rmm_data_destroy(&e.r, rd, ipa, &pa), E_RTT(3));
	env_fini(&e);
}

/* ---- RTT_INIT_RIPAS -------------------------------------------------------------------- */

static void init_ripas(void **state)
{
	(void)state;
	static unsigned char src[4096];
	for (unsigned major = 1; major <= 2; major++) {
		struct env e;
		uint64_t top = 0;
		env_init(&e, FEAT_STD, major, 1, idle_guest);
		uint64_t rd = realm(&e);
		struct cca_rim mine;
		my_rim(&e, &mine, major);
		uint8_t before[64], after[64];
		size_t l;
		assert_int_equal(rmm_realm_rim(&e.r, rd, before, &l), 0);

		/* A 1 GiB block: one entry, one measurement. */
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x40000000ULL, 0x80000000ULL, &top), OK);
		assert_int_equal(top, 0x80000000ULL);
		assert_int_equal(rmm_ripas(&e.r, rd, 0x7ffff000ULL), CCA_RIPAS_RAM);
		assert_int_equal(cca_rim_ripas(&mine, 0x40000000ULL, 0x80000000ULL), 0);
		assert_rim_eq(&e, rd, &mine);

		/* 2 MiB blocks under a level-2 table: one per block; stops where the level changes. */
		rtt(&e, rd, 0, 2);
		rtt(&e, rd, 0x400000ULL, 3);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x200000ULL, 0x800000ULL, &top), OK);
		assert_int_equal(top, 0x400000ULL);
		assert_int_equal(cca_rim_ripas(&mine, 0x200000ULL, 0x400000ULL), 0);
		assert_rim_eq(&e, rd, &mine);
		/* Unaligned base for the level: ERROR_RTT(level). */
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x201000ULL, 0x400000ULL, &top), E_RTT(2));
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0xc0001000ULL, 0xc0200000ULL, &top),
				 E_RTT(1));
		/* A top inside the first block: no progress, ERROR_RTT(level). */
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x600000ULL, 0x601000ULL, &top), E_RTT(2));

		/* Level 3: one per 4 KiB entry; an ASSIGNED entry stops it / is ERROR_RTT(3). */
		assert_int_equal(rmm_data_create(&e.r, rd, gran(&e), 0x405000ULL, src, 0), OK);
		assert_int_equal(cca_rim_data(&mine, 0x405000ULL, 0, NULL), 0);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x401000ULL, 0x407000ULL, &top), OK);
		assert_int_equal(top, 0x405000ULL);
		for (uint64_t a = 0x401000ULL; a < 0x405000ULL; a += 0x1000)
			assert_int_equal(cca_rim_ripas(&mine, a, a + 0x1000), 0);
		assert_rim_eq(&e, rd, &mine);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x405000ULL, 0x407000ULL, &top), E_RTT(3));
		assert_int_equal(rmm_ripas(&e.r, rd, 0x400000ULL), CCA_RIPAS_EMPTY);
		assert_int_equal(rmm_ripas(&e.r, rd, 0x404000ULL), CCA_RIPAS_RAM);

		/* Bad ranges: ERROR_INPUT. */
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x406000ULL, 0x406000ULL, &top), E_INPUT);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0x406800ULL, 0x407000ULL, &top), E_INPUT);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0xc0000000ULL, HALF33 + 0x40000000ULL,
						    &top),
				 E_INPUT);
		if (major == 2) {
			/* RMM 2.0 never measures INIT_RIPAS: the RIM is what DATA made of it. */
			struct cca_rim data_only;
			my_rim(&e, &data_only, 2);
			assert_int_equal(cca_rim_data(&data_only, 0x405000ULL, 0, NULL), 0);
			assert_rim_eq(&e, rd, &data_only);
		} else {
			assert_int_equal(rmm_realm_rim(&e.r, rd, after, &l), 0);
			assert_memory_not_equal(before, after, l);
		}
		/* ACTIVE: ERROR_REALM. */
		assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
		assert_int_equal(rmm_rtt_init_ripas(&e.r, rd, 0xc0000000ULL, HALF33, &top), E_REALM(0));
		env_fini(&e);
	}
}

/* ---- REC_ENTER refusals (rmi-spec.md §4) ------------------------------------------------- */

static void rec_enter_refusals(void **state)
{
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  raw mmio write 0x7000 4 0x1\n"          /* protected: no ISV */
				    "  psci cpu_on 0x1 0x80010000 0x2 expect SUCCESS\n"
				    "  psci system_off\n"
				    "cpu 1:\n"
				    "  idle\n";
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, guest);
	uint64_t rd = realm(&e);
	uint64_t r0 = rec(&e, rd, 0, true);
	uint64_t r1 = rec(&e, rd, 1, false);
	assert_int_equal(enter(&e, r0, 0), E_REALM(CCA_RMI_REALM_INDEX_NOT_ACTIVE));
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	assert_int_equal(enter(&e, 0x7a5600000000ULL, 0), E_INPUT);
	assert_int_equal(enter(&e, rd, 0), E_INPUT); /* an RD is no REC */
	/* EMUL_MMIO without any previous exit. */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), E_REC);
	assert_int_equal(enter(&e, r1, 0), E_REC); /* not runnable */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(e.run->exit.exit_reason, CCA_RMI_EXIT_SYNC);
	assert_int_equal(e.run->exit.esr & (1ULL << 24), 0); /* no ISV: not emulatable */
	assert_int_equal(e.run->exit.hpfar, (0x7000ULL >> 12) << 4);
	/* EMUL_MMIO after a non-emulatable abort. */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), E_REC);
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(e.run->exit.exit_reason, CCA_RMI_EXIT_PSCI);
	/* PSCI pending: caller and target refused. */
	assert_int_equal(enter(&e, r0, 0), E_REC);
	assert_int_equal(enter(&e, r1, 0), E_REC);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, CCA_PSCI_RET_SUCCESS), OK);
	assert_int_equal(enter(&e, r1, 0), OK);
	assert_int_equal(e.run->exit.exit_reason, CCA_RMI_EXIT_IRQ); /* idle */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(e.run->exit.exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(e.run->exit.gprs[0], CCA_PSCI_SYSTEM_OFF);
	assert_int_equal(rmm_realm_state(&e.r, rd), RMM_REALM_SYSTEM_OFF);
	assert_int_equal(enter(&e, r0, 0), E_REALM(CCA_RMI_REALM_INDEX_SYSTEM_OFF));
	assert_int_equal(enter(&e, r1, 0), E_REALM(CCA_RMI_REALM_INDEX_SYSTEM_OFF));
	env_fini(&e);
}

/* ---- exits per guest statement ------------------------------------------------------- */

static void exits_per_statement(void **state)
{
	static const char guest[] = "ipa-bits 33\n"                                  /* 1 */
				    "cpu 0:\n"                                       /* 2 */
				    "  expect pc == 0x80042000\n"                    /* 3 */
				    "  expect x0 == 0x5eed\n"                        /* 4 */
				    "  mmio write 0x9000010 4 0xfeedc0de\n"          /* 5 */
				    "  mmio read 0x9000028 2 expect 0xbeef\n"        /* 6 */
				    "  hostcall 0x33 x0=0xc2000011 x1=0x77 expect x0 == 0x4242\n" /* 7 */
				    "  ripas 0x80000000 0x3000 empty expect rejected\n" /* 8 */
				    "  ripas 0x80200000 0x1000 ram\n"                /* 9 */
				    "  psci cpu_off\n"                               /* 10 */
				    "cpu 1:\n"                                       /* 11 */
				    "  hostcall 1 expect x0 == 0x5\n"                /* 12 */
				    "cpu 2:\n"                                       /* 13 */
				    "  fail \"distinct-boom\"\n";                    /* 14 */
	struct env e;
	char msg[192];
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, guest);
	uint64_t rd = realm(&e);
	uint64_t r0 = rec_pc(&e, rd, 0, true, 0x80042000ULL, 0x5eed);
	uint64_t r1 = rec_pc(&e, rd, 1, true, 0x80000000ULL, 0);
	uint64_t r2 = rec_pc(&e, rd, 2, true, 0x80000000ULL, 0);
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	struct cca_rmi_rec_exit *x = &e.run->exit;
	const uint64_t shared = 1ULL << 32;

	/* MMIO write: DABT, ISV, SAS = 2 (4 bytes), WnR, FAR/HPFAR, value in gprs[0]. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_SYNC);
	uint64_t ipa = 0x9000010ULL | shared;
	assert_int_equal(x->esr, (0x24ULL << 26) | (1ULL << 25) | (1ULL << 24) | (2ULL << 22) |
					 (1ULL << 6));
	assert_int_equal(x->far, ipa & 0xfff);
	assert_int_equal(x->hpfar, (ipa >> 12) << 4);
	assert_int_equal(x->gprs[0], 0xfeedc0de);
	/* MMIO read: SAS = 1, no WnR; the answer goes in with EMUL_MMIO. */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), OK);
	ipa = 0x9000028ULL | shared;
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_SYNC);
	assert_int_equal(x->esr, (0x24ULL << 26) | (1ULL << 25) | (1ULL << 24) | (1ULL << 22));
	assert_int_equal(x->far, 0x028);
	assert_int_equal(x->hpfar, (ipa >> 12) << 4);
	e.run->enter.gprs[0] = 0xffffbeef; /* only the low 2 bytes count */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), OK);
	/* Host call: imm and registers. */
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_HOST_CALL);
	assert_int_equal(x->imm, 0x33);
	assert_int_equal(x->gprs[0], 0xc2000011);
	assert_int_equal(x->gprs[1], 0x77);
	/* EMUL_MMIO after a host call: refused. */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), E_REC);
	e.run->enter.gprs[0] = 0x4242;
	assert_int_equal(enter(&e, r0, 0), OK);
	/* RIPAS change, rejected by the host. */
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_RIPAS_CHANGE);
	assert_int_equal(x->ripas_base, 0x80000000ULL);
	assert_int_equal(x->ripas_top, 0x80003000ULL);
	assert_int_equal(x->ripas_value, CCA_RIPAS_EMPTY);
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_RIPAS_RESPONSE), OK);
	/* RIPAS change to RAM, accepted with RTT_SET_RIPAS. */
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_RIPAS_CHANGE);
	assert_int_equal(x->ripas_base, 0x80200000ULL);
	assert_int_equal(x->ripas_top, 0x80201000ULL);
	assert_int_equal(x->ripas_value, CCA_RIPAS_RAM);
	uint64_t top = 0;
	/* Wrong base: the next address to change is 0x80200000. */
	assert_int_equal(rmm_rtt_set_ripas(&e.r, rd, r0, 0x80201000ULL, 0x80202000ULL, &top), E_INPUT);
	assert_int_equal(rmm_rtt_set_ripas(&e.r, rd, r1, 0x80200000ULL, 0x80201000ULL, &top), E_INPUT);
	rtt3(&e, rd, 0x80200000ULL);
	assert_int_equal(rmm_rtt_set_ripas(&e.r, rd, r0, 0x80200000ULL, 0x80201000ULL, &top), OK);
	assert_int_equal(top, 0x80201000ULL);
	assert_int_equal(rmm_ripas(&e.r, rd, 0x80200000ULL), CCA_RIPAS_RAM);
	assert_int_equal(enter(&e, r0, 0), OK);
	/* CPU_OFF: a PSCI exit, no completion, the REC stops being runnable. */
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(x->gprs[0], CCA_PSCI_CPU_OFF);
	assert_int_equal(rmm_rec_runnable(&e.r, r0), 0);
	assert_int_equal(enter(&e, r0, 0), E_REC);
	assert_int_equal(rmm_rec_failure(&e.r, r0, msg, sizeof(msg)), 0);

	/* A failed check: SERROR, and the report names the line. */
	assert_int_equal(enter(&e, r1, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_HOST_CALL);
	e.run->enter.gprs[0] = 0x6;
	assert_int_equal(enter(&e, r1, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_SERROR);
	assert_int_equal(rmm_rec_failure(&e.r, r1, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "line 12"));
	assert_int_equal(enter(&e, r1, 0), E_REC); /* a failed REC does not run again */
	assert_int_equal(enter(&e, r2, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_SERROR);
	assert_int_equal(rmm_rec_failure(&e.r, r2, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "line 14"));
	assert_non_null(strstr(msg, "distinct-boom"));
	env_fini(&e);
}

/* A read answer whose low bytes differ from the expectation: SERROR naming the line. */
static void mmio_read_mismatch(void **state)
{
	static const char guest[] = "ipa-bits 33\ncpu 0:\n"
				    "  mmio read 0x9000000 1 expect 0x5a\n"
				    "  idle\n";
	struct env e;
	char msg[192];
	(void)state;
	env_init(&e, FEAT_STD, 2, 0, guest);
	uint64_t rd = realm(&e);
	uint64_t r0 = rec(&e, rd, 0, true);
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(e.run->exit.esr >> 22 & 3, 0); /* SAS: 1 byte */
	e.run->enter.gprs[0] = 0x15b; /* low byte 0x5b */
	assert_int_equal(enter(&e, r0, CCA_REC_ENTRY_FLAG_EMUL_MMIO), OK);
	assert_int_equal(e.run->exit.exit_reason, CCA_RMI_EXIT_SERROR);
	assert_int_equal(rmm_rec_failure(&e.r, r0, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "line 3"));
	env_fini(&e);
}

/* ---- PSCI exits and PSCI_COMPLETE -------------------------------------------------------- */

static void psci_complete_rules(void **state)
{
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  psci cpu_on 0x1 0x80040000 0xc0ffee expect SUCCESS\n"
				    "  psci cpu_on 0x1 0x80040000 0xc0ffee expect ALREADY_ON\n"
				    "  psci affinity_info 0x1 0 expect ON\n"
				    "  psci affinity_info 0x2 0 expect OFF\n"
				    "  psci cpu_on 0x2 0x80050000 0x1 expect DENIED\n"
				    "  hostcall 0x99\n"
				    "cpu 1:\n"
				    "  expect pc == 0x80040000\n"
				    "  expect x0 == 0xc0ffee\n"
				    "  hostcall 0x11\n"
				    "cpu 2:\n"
				    "  hostcall 0x22\n";
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 1, 1, guest);
	uint64_t rd = realm(&e);
	uint64_t r0 = rec(&e, rd, 0, true);
	uint64_t r1 = rec_pc(&e, rd, 1, false, 0x1, 0x2); /* ignored: CPU_ON decides */
	uint64_t r2 = rec(&e, rd, 2, false);
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	struct cca_rmi_rec_exit *x = &e.run->exit;
	const uint64_t DEN = (uint64_t)(int64_t)CCA_PSCI_RET_DENIED;

	/* Nothing pending yet. */
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0), E_INPUT);
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(x->gprs[0], CCA_PSCI_CPU_ON_64);
	assert_int_equal(x->gprs[1], 1);
	assert_int_equal(x->gprs[2], 0x80040000ULL);
	assert_int_equal(x->gprs[3], 0xc0ffee);
	assert_int_equal(x->gprs[4], 0);
	/* Wrong target, wrong caller, bad statuses, unknown RECs. */
	assert_int_equal(rmm_psci_complete(&e.r, r0, r2, 0), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r0, 0), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r1, r1, 0), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, (uint64_t)(int64_t)-1), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, (uint64_t)(int64_t)CCA_PSCI_RET_ALREADY_ON),
			 E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0xfffffffdULL), E_INPUT); /* u32 DENIED */
	assert_int_equal(rmm_psci_complete(&e.r, r0, 0x7a5700000000ULL, 0), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, 0x7a5700000000ULL, r1, 0), E_INPUT);
	assert_int_equal(rmm_rec_runnable(&e.r, r1), 0);
	/* SUCCESS: the target becomes runnable and starts at the entry point. */
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0), OK);
	assert_int_equal(rmm_rec_runnable(&e.r, r1), 1);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0), E_INPUT); /* twice */
	assert_int_equal(enter(&e, r1, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_HOST_CALL);
	assert_int_equal(x->imm, 0x11);

	/* CPU_ON again: DENIED refused (target on); SUCCESS gives ALREADY_ON. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, DEN), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0), OK);
	/* AFFINITY_INFO(1): pending until completed; DENIED refused; ON. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(x->gprs[0], CCA_PSCI_AFFINITY_INFO_64);
	assert_int_equal(enter(&e, r0, 0), E_REC);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, DEN), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r1, 0), OK);
	/* AFFINITY_INFO(2): OFF; DENIED refused although the target is off. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->gprs[1], 2);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r2, DEN), E_INPUT);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r2, 0), OK);
	/* CPU_ON(2) DENIED: the caller sees DENIED, the target stays off. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->gprs[1], 2);
	assert_int_equal(rmm_psci_complete(&e.r, r0, r2, DEN), OK);
	assert_int_equal(rmm_rec_runnable(&e.r, r2), 0);
	assert_int_equal(enter(&e, r2, 0), E_REC);
	assert_int_equal(enter(&e, r0, 0), OK);
	/* Every expectation held: the caller reaches its host call. */
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_HOST_CALL);
	assert_int_equal(x->imm, 0x99);
	assert_int_equal(rmm_rec_failure(&e.r, r0, NULL, 0), 0);
	env_fini(&e);
}

/* RMM 2.0-bet2 style: no target argument (0), the RMM finds it; AFFINITY_INFO answered in the RMM. */
static void psci_complete_no_target(void **state)
{
	static const char guest[] = "ipa-bits 33\n"
				    "cpu 0:\n"
				    "  psci affinity_info 0x1 0 expect OFF\n"
				    "  psci cpu_on 0x1 0x80070000 0xabc expect SUCCESS\n"
				    "  psci affinity_info 0x1 0 expect ON\n"
				    "  psci cpu_on 0x5 0x80070000 0xabc expect SUCCESS\n"
				    "  hostcall 0x44\n"
				    "cpu 1:\n"
				    "  expect pc == 0x80070000\n"
				    "  expect x0 == 0xabc\n"
				    "  hostcall 0x55\n";
	struct env e;
	(void)state;
	env_init(&e, FEAT_STD, 2, 0, guest);
	uint64_t rd = realm(&e);
	uint64_t r0 = rec(&e, rd, 0, true);
	uint64_t r1 = rec(&e, rd, 1, false);
	assert_int_equal(rmm_realm_activate(&e.r, rd), OK);
	struct cca_rmi_rec_exit *x = &e.run->exit;
	/* AFFINITY_INFO makes no exit: the first exit is the CPU_ON. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->gprs[0], CCA_PSCI_CPU_ON_64);
	assert_int_equal(rmm_psci_complete(&e.r, r0, 0, 0), OK);
	assert_int_equal(enter(&e, r1, 0), OK);
	assert_int_equal(x->imm, 0x55);
	/* CPU_ON to an MPIDR with no REC: the RMM cannot find the target. */
	assert_int_equal(enter(&e, r0, 0), OK);
	assert_int_equal(x->exit_reason, CCA_RMI_EXIT_PSCI);
	assert_int_equal(x->gprs[1], 5);
	assert_int_equal(rmm_psci_complete(&e.r, r0, 0, 0), E_INPUT);
	assert_int_equal(enter(&e, r0, 0), E_REC); /* still pending */
	env_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(granule_states),
		cmocka_unit_test(feat0_layout),
		cmocka_unit_test(realm_create_checks),
		cmocka_unit_test(known_answers),
		cmocka_unit_test(rec_create_rules),
		cmocka_unit_test(rtt_walk),
		cmocka_unit_test(data_create_rules),
		cmocka_unit_test(init_ripas),
		cmocka_unit_test(rec_enter_refusals),
		cmocka_unit_test(exits_per_statement),
		cmocka_unit_test(mmio_read_mismatch),
		cmocka_unit_test(psci_complete_rules),
		cmocka_unit_test(psci_complete_no_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
