/* SPDX-License-Identifier: MIT */
/*
 * The simulated RMM, at the RMI level (rmi-spec.md). The simulated KVM
 * (kvm.c) drives it exactly as the kernel drives the real RMM; every call
 * returns an RMI status (CCA_RMI_RETURN(status, index)) and refuses what
 * the specification refuses.
 *
 * Granules are named by "physical addresses" the KVM model allocates; realm
 * memory contents are never stored (the host could not read them anyway):
 * DATA_CREATE measures the source and records the granule as ASSIGNED.
 */
#ifndef LIBCCA_SIM_RMM_H
#define LIBCCA_SIM_RMM_H

#include <pthread.h>
#include <stdint.h>

#include <rmi/measure.h>
#include <rmi/rmi.h>

#include "guest.h"
#include "hmap.h"

struct rmm_config {
	uint64_t feat0;              /* RMI_FEATURES(0) */
	unsigned int rmm_major;      /* 1 or 2: measurement model and PSCI rules */
	int rim_init;                /* RMM 2.0 initial RIM: enum cca_rim_initial */
	int affinity_needs_complete; /* AFFINITY_INFO leaves the caller pending */
};

struct rmm_rec;
struct rmm_realm;

struct rmm {
	struct rmm_config cfg;
	pthread_mutex_t lock;  /* guards granules and every realm's RTTs and RECs */
	struct hmap granules;  /* pa -> state | object id */
	struct hmap realms;    /* rd pa -> struct rmm_realm * */
	struct hmap recs;      /* rec pa -> struct rmm_rec * */
};

/* Granule states (values stored in the granule map). */
enum rmm_granule_state {
	RMM_G_UNDELEGATED = 0, /* absent from the map */
	RMM_G_DELEGATED,
	RMM_G_RD,
	RMM_G_REC,
	RMM_G_RTT,
	RMM_G_DATA,
};

enum rmm_realm_state { RMM_REALM_NEW, RMM_REALM_ACTIVE, RMM_REALM_SYSTEM_OFF };

int rmm_init(struct rmm *r, const struct rmm_config *cfg);
void rmm_fini(struct rmm *r);

uint64_t rmm_features(struct rmm *r, unsigned int index, uint64_t *val);
uint64_t rmm_granule_delegate(struct rmm *r, uint64_t pa);
uint64_t rmm_granule_undelegate(struct rmm *r, uint64_t pa);
uint64_t rmm_realm_create(struct rmm *r, uint64_t rd, const struct cca_rmi_realm_params *p,
			  const struct sim_guest *guest);
uint64_t rmm_realm_activate(struct rmm *r, uint64_t rd);
uint64_t rmm_realm_destroy(struct rmm *r, uint64_t rd);
uint64_t rmm_rec_create(struct rmm *r, uint64_t rd, uint64_t rec,
			const struct cca_rmi_rec_params *p);
uint64_t rmm_rec_destroy(struct rmm *r, uint64_t rec);
uint64_t rmm_rtt_create(struct rmm *r, uint64_t rd, uint64_t rtt, uint64_t ipa, int level);
uint64_t rmm_data_create(struct rmm *r, uint64_t rd, uint64_t data, uint64_t ipa,
			 const void *src, uint64_t flags);
uint64_t rmm_data_create_unknown(struct rmm *r, uint64_t rd, uint64_t data, uint64_t ipa);
uint64_t rmm_data_destroy(struct rmm *r, uint64_t rd, uint64_t ipa, uint64_t *data);
uint64_t rmm_rtt_init_ripas(struct rmm *r, uint64_t rd, uint64_t base, uint64_t top,
			    uint64_t *out_top);
uint64_t rmm_rtt_set_ripas(struct rmm *r, uint64_t rd, uint64_t rec, uint64_t base,
			   uint64_t top, uint64_t *out_top);
uint64_t rmm_rec_enter(struct rmm *r, uint64_t rec, struct cca_rmi_rec_run *run);
uint64_t rmm_psci_complete(struct rmm *r, uint64_t calling_rec, uint64_t target_rec,
			   uint64_t status);

/* Introspection for the KVM model and the sim API. */
int rmm_realm_rim(struct rmm *r, uint64_t rd, uint8_t out[64], size_t *len);
int rmm_realm_state(struct rmm *r, uint64_t rd);
/* Deepest existing RTT level for @ipa (1..3). */
int rmm_rtt_level(struct rmm *r, uint64_t rd, uint64_t ipa);
/* RIPAS of the granule at @ipa, or -1. */
int rmm_ripas(struct rmm *r, uint64_t rd, uint64_t ipa);
/* A failed guest check on @rec: copies the report, returns 1; else 0. */
int rmm_rec_failure(struct rmm *r, uint64_t rec, char *buf, size_t len);
/* Whether a REC has finished its script (idle) and is waiting forever. */
int rmm_rec_idle(struct rmm *r, uint64_t rec);
int rmm_rec_runnable(struct rmm *r, uint64_t rec);

#endif
