/* SPDX-License-Identifier: MIT */
/*
 * Test fixture: build a realm against the mock up to a chosen step, with a
 * permissive "fake kernel" handler answering the set-up calls, then switch
 * the mock to strict mode so the test declares the exact calls of the step
 * under test.
 */
#ifndef MOCK_FIXTURE_H
#define MOCK_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rmi/cca.h>

#include "internal.h"
#include "mock-sys.h"

#define FX_RAM_BASE 0x80000000ULL
#define FX_RAM_SIZE (16ULL << 20)
#define FX_DIST 0x08000000ULL
#define FX_REDIST 0x080A0000ULL
#define FX_MAX_RECS 16

struct fx_opts {
	unsigned int nr_recs; /* default 2 */
	unsigned int ipa_bits; /* default 40 */
	unsigned int make_recs; /* RECs to create (default: all); -1u: none */
	bool no_gic;
	bool no_region;
	bool psci_user;
	uint32_t sve_vl, num_bps, num_wps, pmu_counters;
	bool pmu;
};

struct fx {
	enum cca_abi_rev rev;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_rec *rec[FX_MAX_RECS];
	unsigned int nr_recs;
	/* Answers of the fake kernel, adjustable by tests in handler mode. */
	int run_ret; /* KVM_RUN result */
	void (*on_run)(struct fx *f, int vcpu_fd, struct kvm_run *run); /* fill the exit */
	int populate_ret; /* < 0: POPULATE fails with it */
	uint64_t populate_step; /* bytes of progress per call (0: all) */
	unsigned long calls_psci_complete, calls_mp_state, calls_run;
	uint64_t x0[FX_MAX_RECS]; /* last SET_ONE_REG x0 per vCPU */
	uint64_t regs[FX_MAX_RECS][4]; /* GET_ONE_REG x0..x3 answers */
};

/* Build a realm for @rev (detected through the fake kernel), then go strict. */
void fx_setup(struct fx *f, enum cca_abi_rev rev, const struct fx_opts *o);
/* Destroy everything (handler mode) and check that no fd or mapping leaked. */
void fx_teardown(struct fx *f);
/* Switch the mock to the permissive fake kernel (e.g. for concurrency tests). */
void fx_handler_mode(struct fx *f);
/* The fake kernel itself, for tests that wrap it. */
int fx_fake_ioctl(void *ctx, int fd, unsigned long req, void *arg);
/* The vCPU index behind a mock vCPU fd, or -1. */
int fx_vcpu_of_fd(int fd);

/*
 * Per-revision cmocka cases: each case's state is a struct fx_case naming
 * the revision; FX_T(fn, 13) runs @fn on v13 as "fn/v13", FX_T_ALL(fn) on
 * every revision. fx_case_teardown() destroys whatever the test built and
 * checks for leaks, however the test ended.
 */
struct fx_case {
	enum cca_abi_rev rev;
	struct fx f;
};
extern struct fx_case fx_case12, fx_case13, fx_case14, fx_case15;
int fx_case_teardown(void **state);
/* fx_setup() for the case's revision; returns the fixture. */
struct fx *fx_case_setup(void **state, const struct fx_opts *o);
#define FX_T(fn, n)                                                  \
	{                                                            \
#fn "/v" #n, fn, NULL, fx_case_teardown, &fx_case##n \
	}
#define FX_T_ALL(fn) FX_T(fn, 12), FX_T(fn, 13), FX_T(fn, 14), FX_T(fn, 15)

/* For tests that keep one fixture of their own and pass &fx_revs[i] as state. */
extern const enum cca_abi_rev fx_revs[4];
enum cca_abi_rev fx_rev_of(void **state);
/* Strict mode, nothing expected: any kernel call fails the test. */
void fx_strict(void);

/*
 * A fake KVM_RUN for fx.on_run: vCPU fx_next_hypercall.vcpu exits with the
 * hypercall .nr, its x0..x3 set to .x; every other vCPU gets -EINTR. Set
 * .vcpu to -1 when done.
 */
struct fx_hypercall {
	int vcpu;
	uint64_t nr;
	uint64_t x[4];
};
extern struct fx_hypercall fx_next_hypercall;
void fx_run_hypercall(struct fx *f, int vcpu_fd, struct kvm_run *run);

#endif /* MOCK_FIXTURE_H */
