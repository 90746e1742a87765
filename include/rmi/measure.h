/* SPDX-License-Identifier: MIT */
/*
 * Realm Initial Measurement (RIM): an incremental engine that computes the
 * value the RMM reports in the attestation token, from the same operations
 * the host performs while the realm is NEW.
 *
 * The RIM is a running hash. REALM_CREATE initialises it; each measured
 * operation replaces it with the hash of a 256-byte descriptor that holds the
 * previous RIM (shared/reference/measurement.md §1-§3):
 *
 *   cca_rim_init()    REALM_CREATE       RIM = H(params image) (or zero, 2.0)
 *   cca_rim_data()    DATA_CREATE /      one per 4 KiB granule, measured or
 *                     RTT_DATA_MAP_INIT  not (content hash zero if not)
 *   cca_rim_rec()     REC_CREATE         runnable RECs only
 *   cca_rim_ripas()   RTT_INIT_RIPAS     one per RTT entry; RMM 1.0 only
 *
 * The order of the calls is the order of the operations: the engine never
 * sorts (KVM's order per revision is in measurement.md §5). It does not
 * enforce an order between DATA, REC and RIPAS either, because older stacks
 * use other orders (§5.3); only "REALM_CREATE first" is enforced.
 *
 * Two models (enum cca_rim_model) differ in what is measured:
 *
 *   RMM 1.0: RIPAS is measured; SHA-256 and SHA-512; the initial RIM is
 *            H(params image); realm flags LPA2, SVE, PMU.
 *   RMM 2.0: RIPAS is not measured (cca_rim_ripas() validates and returns 0);
 *            SHA-384 too; realm flag DA too; the initial RIM is H(params
 *            image) as TF-RMM computes it (CCA_RIM_INIT_PARAMS, the default)
 *            or zero as the 2.0-bet3 specification text says
 *            (CCA_RIM_INIT_ZERO). Sources disagree (measurement.md §4.2), so
 *            every output of a tool should name the choice.
 *
 * A measurement is held in a 64-byte slot: a shorter digest occupies the
 * first bytes and the rest is zero. A RIM is compared on its first
 * digest-length bytes (32 for SHA-256).
 *
 * Hashing goes through OpenSSL libcrypto. Nothing here allocates on the
 * caller's behalf, prints or calls the kernel: struct cca_rim lives in the
 * caller's memory. (Internally, each thread that hashes keeps one libcrypto
 * digest context for all its hashes, freed when the thread exits.)
 */
#ifndef RMI_MEASURE_H
#define RMI_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/abi.h>
#include <rmi/realm.h>
#include <rmi/rmi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size of a measurement slot; the largest digest (SHA-512). */
#define CCA_RIM_SLOT_SIZE 64U
/* Size of a measured granule, of the params and REC images. */
#define CCA_RIM_GRANULE_SIZE 4096U
/* Size of every measurement descriptor (DATA, REC, RIPAS). */
#define CCA_RIM_DESC_SIZE 256U
/* Buffer for cca_rim_hex(): 128 hex digits and the NUL. */
#define CCA_RIM_HEX_MAX (2 * CCA_RIM_SLOT_SIZE + 1)

/* Descriptor types (byte 0 of each descriptor). */
#define CCA_RIM_DESC_DATA 0
#define CCA_RIM_DESC_REC 1
#define CCA_RIM_DESC_RIPAS 2

/* Realm flags each model accepts (CCA_RMI_REALM_FLAG_*). */
#define CCA_RIM_RMM1_REALM_FLAGS \
	(CCA_RMI_REALM_FLAG_LPA2 | CCA_RMI_REALM_FLAG_SVE | CCA_RMI_REALM_FLAG_PMU)
#define CCA_RIM_RMM2_REALM_FLAGS (CCA_RIM_RMM1_REALM_FLAGS | CCA_RMI_REALM_FLAG_DA)

/* s2sz the engine accepts: the IPA width including the shared bit. */
#define CCA_RIM_S2SZ_MIN 32
#define CCA_RIM_S2SZ_MAX 52

/**
 * enum cca_rim_model - which RMM's measurement rules apply
 * @CCA_RIM_RMM1: RMM 1.0 (KVM v12): RTT_INIT_RIPAS is measured
 * @CCA_RIM_RMM2: RMM 2.0 (KVM v13 and later): RTT_INIT_RIPAS is not measured,
 *	SHA-384 is allowed, the initial value is chosen by enum cca_rim_initial
 *
 * The model is a property of the RMM build, not only of the kernel revision
 * (measurement.md §4.3): cca_rim_model_for_rev() gives the default.
 */
enum cca_rim_model {
	CCA_RIM_RMM1 = 1,
	CCA_RIM_RMM2 = 2,
};

/**
 * enum cca_rim_initial - the initial RIM in the RMM 2.0 model
 * @CCA_RIM_INIT_PARAMS: H(params image), as RMM 1.0 and TF-RMM's 2.0 code
 *	compute it; the default, and the only value the RMM 1.0 model accepts
 * @CCA_RIM_INIT_ZERO: all zero, as the RMM 2.0-bet3 specification text says
 *	(the parameters become separate attestation claims)
 */
enum cca_rim_initial {
	CCA_RIM_INIT_PARAMS = 0,
	CCA_RIM_INIT_ZERO = 1,
};

/**
 * struct cca_rim_realm - the measured realm parameters, RMI encodings
 * @size: sizeof(struct cca_rim_realm) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @reserved0: must be zero
 * @flags: CCA_RMI_REALM_FLAG_* (LPA2, SVE, PMU; DA in the RMM 2.0 model)
 * @s2sz: IPA width including the shared bit, CCA_RIM_S2SZ_MIN..MAX
 * @sve_vl: SVE vector length as VQ - 1 (bits / 128 - 1); 0 without SVE
 * @num_bps: breakpoints, encoded count - 1 (ID_AA64DFR0_EL1.BRPs)
 * @num_wps: watchpoints, encoded count - 1 (ID_AA64DFR0_EL1.WRPs)
 * @pmu_num_ctrs: PMU counters (PMCR_EL0.N); 0 without PMU
 * @hash_algo: CCA_RMI_HASH_SHA_256 (0), _SHA_512 (1), _SHA_384 (2, RMM 2.0)
 * @reserved1: must be zero
 * @reserved: must be zero
 *
 * Exactly what the params image (measurement.md §3.1) carries. The values
 * are measured as given: the engine checks their encodings (sve_vl <= 15,
 * num_bps and num_wps <= 63, pmu_num_ctrs <= 31) but not their consistency
 * with @flags, nor against a platform's limits. cca_rim_realm_from_params()
 * builds one from libcca's struct cca_realm_params.
 */
struct cca_rim_realm {
	uint32_t size;
	uint32_t reserved0;
	uint64_t flags;
	uint8_t s2sz;
	uint8_t sve_vl;
	uint8_t num_bps;
	uint8_t num_wps;
	uint8_t pmu_num_ctrs;
	uint8_t hash_algo;
	uint8_t reserved1[2];
	uint64_t reserved[5];
};

/**
 * enum cca_rim_op - the operation a step reports
 * @CCA_RIM_OP_REALM: REALM_CREATE (cca_rim_init())
 * @CCA_RIM_OP_DATA: DATA_CREATE / RTT_DATA_MAP_INIT of one granule
 * @CCA_RIM_OP_REC: REC_CREATE
 * @CCA_RIM_OP_RIPAS: RTT_INIT_RIPAS of one RTT entry
 */
enum cca_rim_op {
	CCA_RIM_OP_REALM = 1,
	CCA_RIM_OP_DATA = 2,
	CCA_RIM_OP_REC = 3,
	CCA_RIM_OP_RIPAS = 4,
};

/**
 * struct cca_rim_step - one accepted operation, reported to the step callback
 * @size: sizeof the structure the library filled: members may be added at
 *	the end, so a callback reads a member newer than libcca 0.1 only if
 *	it lies within @size
 * @op: enum cca_rim_op
 * @extended: 1 if the operation hashed a descriptor (or the params image)
 *	into the RIM; 0 if it was accepted but not measured: a REC without
 *	RUNNABLE, RIPAS in the RMM 2.0 model, a zero initial RIM
 * @digest_len: significant bytes of @rim and @content: 32, 48 or 64
 * @seq: 0 for REALM_CREATE, then 1, 2, ... for each accepted call
 * @flags: REALM: the realm flags; DATA: 1 content measured, 0 not;
 *	REC: the REC flags
 * @ipa: DATA: the granule's IPA
 * @base: RIPAS: start of the entry's range
 * @top: RIPAS: end of the entry's range (exclusive)
 * @pc: REC: the PC
 * @gprs: REC: x0..x7 (8 entries, zero if the caller passed NULL); else NULL
 * @realm: REALM: the measured parameters; else NULL
 * @content: DATA measured: the granule's content hash; REC runnable: the
 *	hash of the REC params image; both as 64-byte slots; else NULL
 * @rim: the RIM after the operation, a 64-byte slot
 *
 * The pointers are valid only during the callback.
 */
struct cca_rim_step {
	uint32_t size;
	uint32_t op;
	uint32_t extended;
	uint32_t digest_len;
	uint64_t seq;
	uint64_t flags;
	uint64_t ipa;
	uint64_t base;
	uint64_t top;
	uint64_t pc;
	const uint64_t *gprs;
	const struct cca_rim_realm *realm;
	const uint8_t *content;
	const uint8_t *rim;
};

/**
 * typedef cca_rim_step_fn - optional callback for every accepted operation
 * @ctx: the pointer given with the callback
 * @step: what was done and the RIM after it; valid only during the call
 *
 * Installed with cca_rim_init_cb() or by setting struct cca_rim.on_step.
 * Called after the operation took effect, on the thread that made the call.
 * It may read @rim through cca_rim_get()/cca_rim_hex() but must not call a
 * function that changes it. Meant for event logs (cca-measure --log).
 */
typedef void cca_rim_step_fn(void *ctx, const struct cca_rim_step *step);

/**
 * struct cca_rim - the state of one measurement, in the caller's memory
 * @magic: set by cca_rim_init(); private
 * @model: enum cca_rim_model
 * @initial: enum cca_rim_initial
 * @hash_algo: CCA_RMI_HASH_*
 * @digest_len: 32, 48 or 64
 * @rim: the current RIM, a 64-byte slot (bytes past @digest_len are zero)
 * @realm: copy of the measured realm parameters
 * @nr_ops: accepted calls after cca_rim_init(), extending or not
 * @nr_extends: hashes chained into the RIM, REALM_CREATE included
 * @nr_data: DATA granules
 * @nr_data_measured: DATA granules whose content was measured
 * @nr_rec: runnable RECs (measured)
 * @nr_rec_skipped: non-runnable RECs (accepted, not measured)
 * @nr_ripas: RIPAS entries measured (RMM 1.0 model)
 * @nr_ripas_ignored: RIPAS entries accepted but not measured (RMM 2.0 model)
 * @on_step: the step callback or NULL; may be changed between calls
 * @on_step_ctx: its context
 * @reserved: zero
 *
 * Every field is written by cca_rim_init() and then only by the cca_rim_*
 * calls; callers read the fields freely and change only @on_step and
 * @on_step_ctx. Copying the structure forks the measurement (both copies
 * continue independently). No destructor: nothing is allocated.
 */
struct cca_rim {
	uint64_t magic;
	uint32_t model;
	uint32_t initial;
	uint32_t hash_algo;
	uint32_t digest_len;
	uint8_t rim[CCA_RIM_SLOT_SIZE];
	struct cca_rim_realm realm;
	uint64_t nr_ops;
	uint64_t nr_extends;
	uint64_t nr_data;
	uint64_t nr_data_measured;
	uint64_t nr_rec;
	uint64_t nr_rec_skipped;
	uint64_t nr_ripas;
	uint64_t nr_ripas_ignored;
	cca_rim_step_fn *on_step;
	void *on_step_ctx;
	uint64_t reserved[8];
};

#ifndef __cplusplus
#define CCA_RIM_OFF(t, f, o) _Static_assert(__builtin_offsetof(struct t, f) == (o), #t "." #f)
_Static_assert(sizeof(struct cca_rim_realm) == 64, "struct cca_rim_realm size");
CCA_RIM_OFF(cca_rim_realm, flags, 8);
CCA_RIM_OFF(cca_rim_realm, s2sz, 16);
CCA_RIM_OFF(cca_rim_realm, hash_algo, 21);
CCA_RIM_OFF(cca_rim_realm, reserved, 24);
CCA_RIM_OFF(cca_rim, rim, 24);
CCA_RIM_OFF(cca_rim, realm, 88);
CCA_RIM_OFF(cca_rim, nr_ops, 152);
CCA_RIM_OFF(cca_rim, on_step, 216);
CCA_RIM_OFF(cca_rim_step, pc, 56);
CCA_RIM_OFF(cca_rim_step, gprs, 64);
#undef CCA_RIM_OFF
#endif

/**
 * cca_rim_init() - start a measurement: REALM_CREATE
 * @rim: the state to initialise (its previous contents are ignored)
 * @model: enum cca_rim_model
 * @initial: enum cca_rim_initial; CCA_RIM_INIT_PARAMS in the RMM 1.0 model
 * @realm: the measured realm parameters (copied)
 *
 * Sets the RIM to H(params image) (cca_rim_params_image()) or, with
 * CCA_RIM_INIT_ZERO, to zero, with @realm->hash_algo as the hash of every
 * later step. Counters start at zero except @nr_extends (1 when hashed).
 * No step callback: set @rim->on_step afterwards, or use cca_rim_init_cb()
 * to have this step reported too.
 *
 * Return: 0; -EINVAL if @rim or @realm is NULL, @realm->size is below
 * libcca 0.1's sizeof, a reserved field is not zero, @model or
 * @initial is unknown, CCA_RIM_INIT_ZERO in the RMM 1.0 model, @realm->hash_algo
 * unknown or SHA-384 in the RMM 1.0 model, a flag the model does not know,
 * s2sz outside CCA_RIM_S2SZ_MIN..MAX, or an encoding out of range (see
 * struct cca_rim_realm); -E2BIG if @realm->size is above this library's
 * sizeof with a nonzero byte past it (a member this older library does
 * not know is set); -ENOMEM or -EIO if libcrypto fails. @rim is
 * untouched on failure.
 * Context: any thread; @rim must not be in use by another thread.
 */
int cca_rim_init(struct cca_rim *rim, enum cca_rim_model model, enum cca_rim_initial initial,
		 const struct cca_rim_realm *realm);

/**
 * cca_rim_init_cb() - cca_rim_init() with a step callback from the start
 * @rim: as for cca_rim_init()
 * @model: as for cca_rim_init()
 * @initial: as for cca_rim_init()
 * @realm: as for cca_rim_init()
 * @on_step: step callback (may be NULL), stored in @rim->on_step and called
 *	for REALM_CREATE and every later accepted operation
 * @ctx: stored in @rim->on_step_ctx, passed to @on_step
 *
 * Return: as cca_rim_init(); @on_step is not called on failure.
 * Context: as cca_rim_init(); @on_step runs on the calling thread.
 */
int cca_rim_init_cb(struct cca_rim *rim, enum cca_rim_model model, enum cca_rim_initial initial,
		    const struct cca_rim_realm *realm, cca_rim_step_fn *on_step, void *ctx);

/**
 * cca_rim_data() - DATA_CREATE / RTT_DATA_MAP_INIT of one granule
 * @rim: an initialised measurement
 * @ipa: the granule's IPA: 4 KiB aligned, in the protected half
 *	(below 1 << (s2sz - 1))
 * @measured: non-zero: the content is measured (KVM_ARM_RMI_POPULATE_FLAGS_MEASURE);
 *	zero: only the IPA and flags are, the content hash is all zero
 * @granule: CCA_RIM_GRANULE_SIZE bytes; read only if @measured (may then
 *	be NULL otherwise)
 *
 * Extends the RIM with a type-0 descriptor (measurement.md §3.2). Call once
 * per granule, in the order the RMM sees them.
 *
 * Return: 0; -EINVAL if @rim is NULL, @ipa is unaligned or outside the
 * protected half, or @measured with a NULL @granule; -CCA_E_STATE if @rim
 * was not initialised with cca_rim_init(); -ENOMEM or -EIO if libcrypto
 * fails. The RIM is unchanged on failure.
 * Context: any thread; serialise calls on one @rim.
 */
int cca_rim_data(struct cca_rim *rim, uint64_t ipa, int measured, const void *granule);

/**
 * cca_rim_data_hashed() - cca_rim_data() with the content hash precomputed
 * @rim: an initialised measurement
 * @ipa: as for cca_rim_data()
 * @measured: as for cca_rim_data()
 * @content_hash: if @measured, the granule's hash with @rim's algorithm
 *	(cca_rim_hash_granule()); only its first @rim->digest_len bytes are
 *	used, the rest of the slot is taken as zero. Ignored (may be NULL) if
 *	not @measured.
 *
 * For callers that hash granules on other threads: the chain itself stays
 * sequential, the content hashes do not depend on it.
 *
 * Return: as cca_rim_data(); -EINVAL also for @measured with a NULL
 * @content_hash.
 * Context: any thread; serialise calls on one @rim.
 */
int cca_rim_data_hashed(struct cca_rim *rim, uint64_t ipa, int measured,
			const uint8_t content_hash[CCA_RIM_SLOT_SIZE]);

/**
 * cca_rim_hash_granule() - the content hash of one granule
 * @hash_algo: CCA_RMI_HASH_SHA_256, _SHA_512 or _SHA_384
 * @granule: CCA_RIM_GRANULE_SIZE bytes
 * @out: receives the digest, zero-padded to 64 bytes; untouched on failure
 *
 * Pure; feeds cca_rim_data_hashed(). SHA-384 is accepted here whatever
 * model the measurement uses; cca_rim_init() is where the model is checked.
 *
 * Return: the digest length (32, 64 or 48); -EINVAL for an unknown
 * algorithm or a NULL pointer; -ENOMEM or -EIO if libcrypto fails.
 * Context: any thread.
 */
int cca_rim_hash_granule(unsigned int hash_algo, const void *granule,
			 uint8_t out[CCA_RIM_SLOT_SIZE]);

/**
 * cca_rim_rec() - REC_CREATE
 * @rim: an initialised measurement
 * @flags: the REC's flags: CCA_RMI_REC_PARAMS_FLAG_RUNNABLE or 0
 * @pc: the REC's initial PC
 * @gprs: its initial x0..x7 (8 values); NULL means all zero
 *
 * Only a runnable REC is measured (type-1 descriptor over the hash of the
 * REC params image, measurement.md §3.3); KVM makes only vCPU 0 runnable.
 * A non-runnable REC is accepted and counted (@nr_rec_skipped) but leaves
 * the RIM unchanged. The MPIDR is not measured, hence not a parameter.
 *
 * Return: 0 (also for a non-runnable REC); -EINVAL if @rim is NULL or
 * @flags has a bit other than RUNNABLE; -CCA_E_STATE if @rim was not
 * initialised; -ENOMEM or -EIO if libcrypto fails. The RIM is unchanged on
 * failure.
 * Context: any thread; serialise calls on one @rim.
 */
int cca_rim_rec(struct cca_rim *rim, uint64_t flags, uint64_t pc, const uint64_t gprs[8]);

/**
 * cca_rim_ripas() - RTT_INIT_RIPAS of one RTT entry
 * @rim: an initialised measurement
 * @base: start of the range the entry covers (4 KiB aligned)
 * @top: its end, exclusive: min(entry end, requested top) (4 KiB aligned)
 *
 * RMM 1.0 model: extends the RIM with a type-2 descriptor. The RMM measures
 * once per RTT entry it walks, at that entry's level (a 2 MiB block is one
 * call, a range under a level-3 table one call per 4 KiB); splitting a
 * range into entries is the caller's job, as the split depends on the RTT
 * geometry (measurement.md §3.4, §6).
 *
 * RMM 2.0 model: RTT_INIT_RIPAS is not measured. The arguments are checked
 * the same way, then the call returns 0 without changing the RIM; it counts
 * in @nr_ripas_ignored (not @nr_ripas) and is reported with extended = 0.
 *
 * Return: 0; -EINVAL if @rim is NULL, @base or @top is unaligned,
 * @top <= @base, or @top is above the protected half; -CCA_E_STATE if @rim
 * was not initialised; -ENOMEM or -EIO if libcrypto fails. The RIM is
 * unchanged on failure.
 * Context: any thread; serialise calls on one @rim.
 */
int cca_rim_ripas(struct cca_rim *rim, uint64_t base, uint64_t top);

/**
 * cca_rim_get() - the current RIM
 * @rim: an initialised measurement
 * @out: receives the 64-byte slot (digest, zero-padded)
 * @len: if not NULL, receives the digest length (32, 48 or 64)
 *
 * Return: 0; -EINVAL if @rim or @out is NULL; -CCA_E_STATE if @rim was not
 * initialised. Outputs are untouched on failure.
 * Context: any thread; not concurrently with a call that changes @rim.
 */
int cca_rim_get(const struct cca_rim *rim, uint8_t out[CCA_RIM_SLOT_SIZE], size_t *len);

/**
 * cca_rim_hex() - the current RIM in lower-case hex, digest length only
 * @rim: an initialised measurement
 * @buf: receives 2 * digest length hex digits and a NUL (65 bytes for
 *	SHA-256; CCA_RIM_HEX_MAX always suffices)
 * @len: size of @buf
 *
 * Return: the number of hex digits written (64, 96 or 128); -EINVAL if
 * @rim or @buf is NULL; -CCA_E_STATE if @rim was not initialised;
 * -ENOSPC if @len is too small. @buf is untouched on failure.
 * Context: any thread; not concurrently with a call that changes @rim.
 */
int cca_rim_hex(const struct cca_rim *rim, char *buf, size_t len);

/**
 * cca_rim_params_image() - the 4096-byte image REALM_CREATE hashes
 * @realm: the measured realm parameters
 * @image: receives CCA_RIM_GRANULE_SIZE bytes; untouched on failure
 *
 * All zero except flags (0x000, u64), s2sz (0x008), sve_vl (0x010), num_bps
 * (0x018), num_wps (0x020), pmu_num_ctrs (0x028) and hash_algo (0x030), each
 * in an 8-byte little-endian slot (measurement.md §3.1). RPV, VMID and the
 * RTT fields are not measured and stay zero. For verifiers and tests.
 *
 * Return: 0; -EINVAL if a pointer is NULL, @realm->size is below libcca
 * 0.1's sizeof, a reserved field is set, a flag is unknown to RMM 2.0,
 * @realm->hash_algo is unknown, or s2sz or another encoding is out of
 * range; -E2BIG as for cca_rim_init(). No model check: cca_rim_init()
 * does that.
 * Context: any thread.
 */
int cca_rim_params_image(const struct cca_rim_realm *realm, uint8_t image[CCA_RIM_GRANULE_SIZE]);

/**
 * cca_rim_rec_image() - the 4096-byte REC params image a runnable REC hashes
 * @flags: the REC flags; must be CCA_RMI_REC_PARAMS_FLAG_RUNNABLE (only a
 *	runnable REC is measured)
 * @pc: the PC
 * @gprs: x0..x7; NULL means all zero
 * @image: receives CCA_RIM_GRANULE_SIZE bytes; untouched on failure
 *
 * All zero except flags (0x000), pc (0x200) and gprs (0x300..0x33f), little
 * endian; MPIDR and the auxiliary granules stay zero (measurement.md §3.3).
 *
 * Return: 0; -EINVAL if @image is NULL or @flags is not RUNNABLE.
 * Context: any thread.
 */
int cca_rim_rec_image(uint64_t flags, uint64_t pc, const uint64_t gprs[8],
		      uint8_t image[CCA_RIM_GRANULE_SIZE]);

/**
 * cca_rim_realm_from_params() - the measured parameters of a libcca realm
 * @params: libcca realm parameters (as given to cca_realm_create())
 * @rmm_bps: breakpoint count the realm gets when @params->num_bps is 0
 *	(the RMM's maximum on the target platform, 2..16); 0 if unknown
 * @rmm_wps: the same for watchpoints
 * @out: receives the parameters; untouched on failure. Its size is not
 *	read: libcca 0.1's sizeof bytes are written, and @out->size set to it
 *
 * Maps libcca's units to the RMI encodings the way the kernel passes them
 * to the RMM: s2sz = ipa_bits; SVE flag and sve_vl = bytes / 16 - 1 when
 * sve_vl is set; num_bps/num_wps = count - 1; PMU flag and pmu_num_ctrs =
 * pmu_counters with CCA_REALM_F_PMU; hash_algo CCA_HASH_DEFAULT and
 * CCA_HASH_SHA256 -> SHA-256, CCA_HASH_SHA512 -> SHA-512, CCA_HASH_SHA384 ->
 * SHA-384. A count of 0 in @params means "leave the RMM's maximum", which
 * differs between platforms and cannot be predicted: it is then taken from
 * @rmm_bps/@rmm_wps, and refused if those are 0. Whether the revision can
 * give the hash algorithm or the PMU is cca_realm_create()'s check, not
 * this one's.
 *
 * Return: 0; -EINVAL if a pointer is NULL, @params->size is below libcca
 * 0.1's sizeof, a field is out of the range cca_realm_create() accepts, or
 * a count is 0 with no usable default (@rmm_bps/@rmm_wps 0 or outside
 * 2..16); -E2BIG if @params->size is above this library's sizeof with a
 * nonzero byte past it.
 * Context: any thread.
 */
int cca_rim_realm_from_params(const struct cca_realm_params *params, unsigned int rmm_bps,
			      unsigned int rmm_wps, struct cca_rim_realm *out);

/**
 * cca_rim_model_for_rev() - the default measurement model of a revision
 * @rev: a kernel ABI revision
 *
 * CCA_RIM_RMM1 for v12, CCA_RIM_RMM2 for v13 and later. The RMM build
 * decides in the end: a v13 host on TF-RMM older than commit bdb07f46 still
 * measures RTT_INIT_RIPAS (measurement.md §4.3); let users override.
 *
 * Return: enum cca_rim_model; -EINVAL for an unknown revision.
 * Context: any thread.
 */
int cca_rim_model_for_rev(enum cca_abi_rev rev);

/**
 * cca_rim_digest_len() - digest length of a hash algorithm
 * @hash_algo: CCA_RMI_HASH_*
 *
 * Return: 32 (SHA-256), 64 (SHA-512), 48 (SHA-384); -EINVAL otherwise.
 * Context: any thread.
 */
int cca_rim_digest_len(unsigned int hash_algo);

/**
 * cca_rim_hash_name() - "sha256", "sha512", "sha384", or "unknown"
 * @hash_algo: CCA_RMI_HASH_*
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_rim_hash_name(unsigned int hash_algo);

/**
 * cca_rim_model_name() - "rmm1", "rmm2", or "unknown"
 * @model: enum cca_rim_model
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_rim_model_name(enum cca_rim_model model);

/**
 * cca_rim_initial_name() - "params", "zero", or "unknown"
 * @initial: enum cca_rim_initial
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_rim_initial_name(enum cca_rim_initial initial);

/**
 * cca_rim_op_name() - "realm", "data", "rec", "ripas", or "unknown"
 * @op: enum cca_rim_op
 *
 * The names are the keywords of cca-measure's --steps format.
 *
 * Return: a static string; never NULL.
 * Context: any thread.
 */
const char *cca_rim_op_name(enum cca_rim_op op);

#ifdef __cplusplus
}
#endif
#endif /* RMI_MEASURE_H */
