/* SPDX-License-Identifier: MIT */
/*
 * libcca internals: the object layouts, the per-revision ABI descriptor and
 * small helpers shared by the lib/ sources. Never installed.
 */
#ifndef LIBCCA_INTERNAL_H
#define LIBCCA_INTERNAL_H

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rmi/cca.h>

#include "sim/hmap.h"
#include "sys.h"

#define CCA_EXPORT __attribute__((visibility("default")))

/* The guest_memfd hole punch (fallocate(2)), where <fcntl.h> does not say it. */
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CCA_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- the per-revision table (abi.c) ---------------------------------- */

enum cca_populate_conv {
	CCA_POPULATE_RETURNS_BYTES, /* v12: ret = bytes, < 2 GiB per call */
	CCA_POPULATE_WRITES_BACK,   /* v13+: ret 0, struct rewritten */
};

/* Checks the kernel applies to POPULATE, which libcca applies first. */
#define CCA_PCHK_SRC_ALIGN (1U << 0)   /* source_uaddr page aligned */
#define CCA_PCHK_WRAP (1U << 1)        /* base + size wraps */
#define CCA_PCHK_SRC_NONZERO (1U << 2) /* source_uaddr != 0 */
#define CCA_PCHK_UPPER_HALF (1U << 3)  /* range above IPA/2 */

struct cca_abi_desc {
	enum cca_abi_rev rev;
	const char *name;
	int cap_rmi;                   /* KVM_CAP_ARM_RMI */
	unsigned long vm_type_realm;   /* realm bit(s) of the VM type */
	unsigned long vm_type_accept;  /* every bit the kernel accepts */
	unsigned long populate_req;    /* ioctl number */
	enum cca_populate_conv populate_conv;
	uint64_t populate_max_chunk;   /* bytes per call */
	uint32_t populate_checks;      /* CCA_PCHK_* the kernel applies */
	unsigned long psci_complete_req; /* 0 if removed */
	int mem_attr_cap;              /* capability that must report PRIVATE */
	uint64_t features;             /* bit n = enum cca_abi_feature n */
	unsigned int rmm_major;        /* paired RMM spec: 1 or 2 */
};

const struct cca_abi_desc *cca_abi_desc(enum cca_abi_rev rev);
bool cca_abi_desc_has(const struct cca_abi_desc *d, enum cca_abi_feature f);

/* ---- objects ------------------------------------------------------------ */

struct cca_host {
	struct cca_sys sys;
	int kvm_fd;
	const struct cca_abi_desc *abi;
	enum cca_abi_rev detected;
	enum cca_revision_source source;
	int cap_number;
	cca_log_fn *log_fn;
	void *log_ctx;
	char kvm_path[128];
	char evidence[256];
	const char *backend;        /* "kvm" or "sim" */
	struct cca_sim *owned_sim;  /* created from $CCA_BACKEND, freed with the host */
};

struct cca_region {
	uint64_t gpa;
	uint64_t len;
	void *shared;        /* shared-view mapping */
	bool shared_owned;   /* we mmap'ed it */
	bool gmem;           /* backed by guest_memfd */
	int gmem_fd;
	unsigned int slot;
};

enum cca_power { CCA_POWER_OFF = 0, CCA_POWER_ON };

struct cca_rec {
	struct cca_realm *realm;
	unsigned int index;
	int fd;
	uint64_t mpidr;
	struct kvm_run *run;
	size_t run_size;
	/* guarded by realm->lock */
	enum cca_power power;
	uint32_t psci_pending_fn; /* enum cca_psci_fn; 0 = none */
	uint64_t psci_pending_target;
	/*
	 * A cca_psci_cpu_on() got past its point of no return (the completion,
	 * or on v14+ the x0 that tells KVM SUCCESS) but failed after it: the
	 * same call made again finishes it; until then neither this REC nor
	 * (while @cpu_on_start) the target may run.
	 */
	bool cpu_on_owed;
	bool cpu_on_x0_done;
	bool cpu_on_start;      /* the target still needs KVM_SET_MP_STATE(RUNNABLE) */
	int64_t cpu_on_x0;
	uint64_t cpu_on_target;
	/* owned by the REC's thread */
	uint32_t last_exit;      /* enum cca_exit_kind of the last run */
	uint32_t last_mmio_read; /* last exit was an MMIO read */
	uint32_t last_mmio_len;
	bool entry_set;
	uint64_t entry_pc;     /* measured boot state (REC 0) */
	uint64_t entry_x[8];
};

enum cca_shadow_state {
	CCA_SHADOW_NONE = 0,  /* no realm descriptor yet */
	CCA_SHADOW_LIVE,      /* tracking the RMM's RIM */
	CCA_SHADOW_UNKNOWN,   /* not predictable (RMM-default debug counts) */
};

struct cca_realm {
	struct cca_host *host;
	const struct cca_abi_desc *abi;
	const struct cca_sys *sys;
	pthread_mutex_t lock;
	struct cca_realm_params params;
	int vm_fd;
	enum cca_realm_state state;
	bool first_run_started;  /* set under lock by the first cca_rec_run() */
	bool psci_user;
	unsigned int psci_filters; /* bit i: PSCI range i forwarded */
	int gic_fd;
	bool gic_initialised;
	struct cca_gic_params gic;
	unsigned int nr_created; /* RECs created so far */
	struct cca_rec **recs;   /* nr_recs entries */
	struct cca_region regions[CCA_MAX_REGIONS];
	unsigned int nr_regions;
	size_t run_mmap_size;
	/* The shadow measurement (shadow.c), under lock. */
	enum cca_shadow_state shadow_state;
	struct cca_rim shadow;
	struct hmap populated; /* granule index -> 1 */
};

/* ---- helpers -------------------------------------------------------------- */

/*
 * Realm and simulator locks guard short sections that vCPU threads take on
 * every run: spin briefly before sleeping, so that two threads do not turn
 * each hand-over into a futex round trip.
 */
static inline int cca_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	int ret = pthread_mutexattr_init(&a);
	if (ret)
		return -ret;
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	ret = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return -ret;
}

void cca_log(const struct cca_host *host, int level, const char *fmt, ...) CCA_PRINTF(3, 4);

/* Reserved fields must be zero (libnvme's args_size rule, plus this). */
static inline bool cca_all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- structs that grow at their end (struct.c) ---------------------------- */

/*
 * Every public struct whose first member is uint32_t size, with the last
 * member it had in libcca 0.1. What a 0.1 caller passes as size is the
 * smallest size accepted, forever: never edit a line, a new member goes
 * after the one named here.
 */
#define CCA_SIZED_STRUCTS(X)               \
	X(cca_host_options, reserved)      \
	X(cca_probe_result, backend)       \
	X(cca_realm_params, reserved)      \
	X(cca_gic_params, reserved)        \
	X(cca_rec_params, reserved)        \
	X(cca_mem_region_params, reserved) \
	X(cca_launch_params, reserved)     \
	X(cca_rim_realm, reserved)         \
	X(cca_rim_step, rim)               \
	X(cca_sim_options, reserved)

/* CCA_SIZE_V0_<struct>: the struct's size in libcca 0.1. */
#define CCA_SIZE_V0_ENUM(t, last) \
	CCA_SIZE_V0_##t = offsetof(struct t, last) + sizeof(((struct t *)0)->last),
enum {
	CCA_SIZED_STRUCTS(CCA_SIZE_V0_ENUM)
};
#undef CCA_SIZE_V0_ENUM

/*
 * No struct has grown yet. The first one that does fails here: then its
 * line becomes "<", and nothing else about its 0.1 size changes.
 */
#define CCA_SIZE_V0_ASSERT(t, last) \
	_Static_assert(CCA_SIZE_V0_##t == sizeof(struct t), "struct " #t " grew");
CCA_SIZED_STRUCTS(CCA_SIZE_V0_ASSERT)
#undef CCA_SIZE_V0_ASSERT

/*
 * Input: copy the caller's @src (its size field says how many bytes it
 * has) into @dst, a zeroed struct of the library's @ours bytes whose size
 * field is then @ours: members the caller does not know are zero, their
 * default. Reads only the caller's bytes.
 * Return: 0; -EINVAL @src NULL or its size below @first (the 0.1 size);
 * -E2BIG a larger struct with a nonzero byte past @ours, or a size over
 * CCA_STRUCT_SIZE_MAX.
 */
int cca_struct_in(void *dst, size_t ours, size_t first, const void *src);
/* The largest size a caller may claim for an input struct (-E2BIG above). */
#define CCA_STRUCT_SIZE_MAX 4096
/* Output, before any work: 0, or -EINVAL if @dst is NULL or its size is below @first. */
int cca_struct_out_ok(const void *dst, size_t first);
/*
 * Output: write min(@dst's size, @ours) bytes of @src, the library's full
 * struct, and set @dst's size to that count. Bytes past it stay untouched.
 */
void cca_struct_out(void *dst, const void *src, size_t ours);
/* Output to a caller that gives no size: exactly @n bytes, size set to @n. */
void cca_struct_write(void *dst, const void *src, size_t n);

/* The same by struct name; the compound literals make the compiler check the pointer types. */
#define CCA_STRUCT_IN(t, dst, src)                                              \
	cca_struct_in((struct t *){ (dst) }, sizeof(struct t), CCA_SIZE_V0_##t, \
		      (const struct t *){ (src) })
#define CCA_STRUCT_OUT_OK(t, dst) cca_struct_out_ok((const struct t *){ (dst) }, CCA_SIZE_V0_##t)
#define CCA_STRUCT_OUT(t, dst, src) \
	cca_struct_out((struct t *){ (dst) }, (const struct t *){ (src) }, sizeof(struct t))
/* Where the caller gives no size (0.1 did not ask for one): only the 0.1 bytes. */
#define CCA_STRUCT_WRITE_V0(t, dst, src) \
	cca_struct_write((struct t *){ (dst) }, (const struct t *){ (src) }, CCA_SIZE_V0_##t)

static inline uint64_t cca_ipa_half(const struct cca_realm *r)
{
	return 1ULL << (r->params.ipa_bits - 1);
}

/* Realm-internal lookups (callers hold realm->lock where stated). */
struct cca_rec *cca_realm_rec_by_mpidr(struct cca_realm *r, uint64_t mpidr);
const struct cca_region *cca_realm_find_region(const struct cca_realm *r, uint64_t gpa,
					       uint64_t len);
/* Whether [gpa, gpa+len) is covered by guest_memfd regions (may span several). */
bool cca_realm_range_is_gmem(const struct cca_realm *r, uint64_t gpa, uint64_t len);

/* Internal constructor behind cca_host_open(): tests and the simulator pass their seam. */
int cca_host_open_sys(const struct cca_host_options *opts, const struct cca_sys *sys,
		      struct cca_host **out);
int cca_probe_sys(const struct cca_host_options *opts, const struct cca_sys *sys,
		  struct cca_probe_result *res);

/*
 * v12 (RMM 1.0) INIT_RIPAS measurement under the inferred RTT geometry
 * (shadow.c): 1 GiB / 2 MiB blocks, level-3 tables around populated data,
 * populated granules skipped. Shared by the shadow and the launch plan.
 */
struct cca_rtt_geometry {
	struct hmap l2; /* 1 GiB index -> a level-2 table exists */
	struct hmap l3; /* 2 MiB index -> a level-3 table exists */
};
void cca_rtt_geometry_init(struct cca_rtt_geometry *g);
void cca_rtt_geometry_free(struct cca_rtt_geometry *g);
int cca_rtt_geometry_add_data(struct cca_rtt_geometry *g, uint64_t gpa);
int cca_rtt_geometry_init_ripas(struct cca_rtt_geometry *g, struct cca_rim *rim, uint64_t base,
				uint64_t top, bool (*assigned)(const void *ctx, uint64_t gpa),
				const void *ctx);

/* The shadow measurement (shadow.c); callers hold realm->lock. */
void cca_shadow_create(struct cca_realm *r);
void cca_shadow_data(struct cca_realm *r, uint64_t ipa, const void *src, uint64_t len,
		     uint32_t flags);
void cca_shadow_activate(struct cca_realm *r);
void cca_shadow_free(struct cca_realm *r);

/* Internal REC teardown used by cca_realm_destroy(). */
void cca_rec_free(struct cca_rec *rec);

/* Set the REC's x0 (used by the PSCI helpers). */
int cca_rec_write_x0(struct cca_rec *rec, uint64_t value);

/* Mark a PSCI exit pending (called by cca_rec_run() under no lock). */
void cca_psci_note_exit(struct cca_rec *rec, const struct cca_exit *exit);
/* Refuse to run a REC with PSCI work outstanding (called under realm->lock). */
int cca_psci_check_run(struct cca_rec *rec);

#endif /* LIBCCA_INTERNAL_H */
