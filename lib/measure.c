// SPDX-License-Identifier: MIT
/*
 * The RIM engine (include/rmi/measure.h): the images and descriptors of
 * shared/reference/measurement.md §3, hashed with OpenSSL libcrypto.
 *
 * Images and descriptors are built byte by byte in little-endian order, so
 * the result does not depend on the host's byte order. Every operation
 * computes the new RIM into a local slot and commits it only when nothing
 * can fail any more: on error the measurement is unchanged.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "internal.h"

#define RIM_MAGIC 0x31304d4952414343ULL /* "CCARIM01", little endian */
#define SLOT CCA_RIM_SLOT_SIZE
#define GRANULE CCA_RIM_GRANULE_SIZE
#define NR_ALGOS 3

/* ---- descriptor layouts (measurement.md §3.2-§3.4) ------------------- */

/* Only for the offsets and the size checks: the bytes are built with put_le64(). */
struct rim_desc_data {
	uint8_t desc_type; /* 0x00: CCA_RIM_DESC_DATA */
	uint8_t pad0[7];
	uint64_t len; /* 0x08: CCA_RIM_DESC_SIZE */
	uint8_t rim[SLOT]; /* 0x10 */
	uint64_t ipa; /* 0x50 */
	uint64_t flags; /* 0x58: CCA_RMI_MEASURE_CONTENT or 0 */
	uint8_t content[SLOT]; /* 0x60: zero if not measured */
	uint8_t pad1[96]; /* 0xA0 */
};

struct rim_desc_rec {
	uint8_t desc_type; /* 0x00: CCA_RIM_DESC_REC */
	uint8_t pad0[7];
	uint64_t len; /* 0x08 */
	uint8_t rim[SLOT]; /* 0x10 */
	uint8_t content[SLOT]; /* 0x50: H(REC params image) */
	uint8_t pad1[112]; /* 0x90 */
};

struct rim_desc_ripas {
	uint8_t desc_type; /* 0x00: CCA_RIM_DESC_RIPAS */
	uint8_t pad0[7];
	uint64_t len; /* 0x08 */
	uint8_t rim[SLOT]; /* 0x10 */
	uint64_t base; /* 0x50 */
	uint64_t top; /* 0x58 */
	uint8_t pad1[160]; /* 0x60 */
};

#define OFF(t, f, o) _Static_assert(offsetof(struct t, f) == (o), #t "." #f)
_Static_assert(sizeof(struct rim_desc_data) == CCA_RIM_DESC_SIZE, "DATA descriptor size");
_Static_assert(sizeof(struct rim_desc_rec) == CCA_RIM_DESC_SIZE, "REC descriptor size");
_Static_assert(sizeof(struct rim_desc_ripas) == CCA_RIM_DESC_SIZE, "RIPAS descriptor size");
OFF(rim_desc_data, len, 0x08);
OFF(rim_desc_data, rim, 0x10);
OFF(rim_desc_data, ipa, 0x50);
OFF(rim_desc_data, flags, 0x58);
OFF(rim_desc_data, content, 0x60);
OFF(rim_desc_data, pad1, 0xA0);
OFF(rim_desc_rec, len, 0x08);
OFF(rim_desc_rec, rim, 0x10);
OFF(rim_desc_rec, content, 0x50);
OFF(rim_desc_rec, pad1, 0x90);
OFF(rim_desc_ripas, len, 0x08);
OFF(rim_desc_ripas, rim, 0x10);
OFF(rim_desc_ripas, base, 0x50);
OFF(rim_desc_ripas, top, 0x58);
OFF(rim_desc_ripas, pad1, 0x60);
#undef OFF
_Static_assert(sizeof(struct cca_rmi_realm_params) == GRANULE, "params image size");
_Static_assert(sizeof(struct cca_rmi_rec_params) == GRANULE, "REC image size");
_Static_assert(CCA_RMI_HASH_SHA_256 == 0 && CCA_RMI_HASH_SHA_512 == 1 && CCA_RMI_HASH_SHA_384 == 2,
	       "hash_algo indexes md_table");

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- hashing ------------------------------------------------------------ */

static const EVP_MD *md_table[NR_ALGOS];
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/*
 * One EVP_MD_CTX per thread, reused by every digest that thread computes:
 * a context per hash cost a malloc/free pair and OpenSSL's set-up and
 * tear-down per 4 KiB granule (about 3% of cca-measure). The measurement
 * object cannot own one: struct cca_rim lives in the caller's memory, has
 * no destructor and forks when copied, and cca_rim_hash_granule() has no
 * object at all (rmi/measure.h). A thread only ever uses its own context,
 * so the documented thread-safety is unchanged. The context is freed when
 * its thread exits (the key's destructor); the main thread's is left to
 * the end of the process. @tls_ctx is the fast path, and keeps the
 * context reachable for leak checkers; @ctx_key only frees it.
 */
static _Thread_local EVP_MD_CTX *tls_ctx;
static pthread_key_t ctx_key;
static atomic_bool ctx_key_ok;

static void ctx_free(void *p)
{
	if (tls_ctx == p)
		tls_ctx = NULL;
	EVP_MD_CTX_free(p);
}

/*
 * OpenSSL 3 looks the implementation up on every EVP_sha256() digest; an
 * explicitly fetched method skips that (about 15% of a 4 KiB hash). The
 * fetched methods are kept for the life of the process.
 */
static void md_init(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	md_table[CCA_RMI_HASH_SHA_256] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md_table[CCA_RMI_HASH_SHA_512] = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	md_table[CCA_RMI_HASH_SHA_384] = EVP_MD_fetch(NULL, "SHA2-384", NULL);
#endif
	if (!md_table[CCA_RMI_HASH_SHA_256])
		md_table[CCA_RMI_HASH_SHA_256] = EVP_sha256();
	if (!md_table[CCA_RMI_HASH_SHA_512])
		md_table[CCA_RMI_HASH_SHA_512] = EVP_sha512();
	if (!md_table[CCA_RMI_HASH_SHA_384])
		md_table[CCA_RMI_HASH_SHA_384] = EVP_sha384();
	/* Without a key, every digest gets a context of its own, as before. */
	atomic_store(&ctx_key_ok, pthread_key_create(&ctx_key, ctx_free) == 0);
}

/*
 * A library unloaded with dlclose() must not leave its destructor on the
 * key: threads that exit later would call into unmapped code. Their
 * contexts are then leaked instead.
 */
__attribute__((destructor)) static void md_fini(void)
{
	if (atomic_exchange(&ctx_key_ok, false))
		pthread_key_delete(ctx_key);
}

/* The calling thread's context; *@cached false: the caller must free it. */
static EVP_MD_CTX *ctx_get(bool *cached)
{
	EVP_MD_CTX *ctx = tls_ctx;

	*cached = ctx != NULL;
	if (ctx)
		return ctx;
	ctx = EVP_MD_CTX_new();
	if (ctx && atomic_load_explicit(&ctx_key_ok, memory_order_relaxed) &&
	    pthread_setspecific(ctx_key, ctx) == 0) {
		tls_ctx = ctx;
		*cached = true;
	}
	return ctx;
}

/*
 * Done with @ctx. After a failure its state is unknown: it is freed (a
 * later digest on this thread makes a new one).
 */
static void ctx_put(EVP_MD_CTX *ctx, bool cached, bool ok)
{
	if (cached && ok)
		return;
	if (cached) {
		pthread_setspecific(ctx_key, NULL);
		tls_ctx = NULL;
	}
	EVP_MD_CTX_free(ctx);
}

/* H(@data) into the 64-byte slot @out, zero-padded. Returns the digest length or -errno. */
static int digest(unsigned int algo, const void *data, size_t len, uint8_t out[SLOT])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int got = 0;
	int dlen = cca_rim_digest_len(algo);
	EVP_MD_CTX *ctx;
	bool cached;
	bool ok;

	if (dlen < 0)
		return dlen;
	if (pthread_once(&md_once, md_init) != 0 || !md_table[algo])
		return -EIO;
	ctx = ctx_get(&cached);
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md_table[algo], NULL) == 1 &&
	     EVP_DigestUpdate(ctx, data, len) == 1 && EVP_DigestFinal_ex(ctx, md, &got) == 1;
	ctx_put(ctx, cached, ok);
	if (!ok || got != (unsigned int)dlen)
		return -EIO;
	memset(out, 0, SLOT);
	memcpy(out, md, (size_t)dlen);
	return dlen;
}

/* ---- names and small helpers ---------------------------------------------- */

CCA_EXPORT int cca_rim_digest_len(unsigned int hash_algo)
{
	switch (hash_algo) {
	case CCA_RMI_HASH_SHA_256:
		return 32;
	case CCA_RMI_HASH_SHA_512:
		return 64;
	case CCA_RMI_HASH_SHA_384:
		return 48;
	default:
		return -EINVAL;
	}
}

CCA_EXPORT const char *cca_rim_hash_name(unsigned int hash_algo)
{
	switch (hash_algo) {
	case CCA_RMI_HASH_SHA_256:
		return "sha256";
	case CCA_RMI_HASH_SHA_512:
		return "sha512";
	case CCA_RMI_HASH_SHA_384:
		return "sha384";
	default:
		return "unknown";
	}
}

CCA_EXPORT const char *cca_rim_model_name(enum cca_rim_model model)
{
	switch (model) {
	case CCA_RIM_RMM1:
		return "rmm1";
	case CCA_RIM_RMM2:
		return "rmm2";
	default:
		return "unknown";
	}
}

CCA_EXPORT const char *cca_rim_initial_name(enum cca_rim_initial initial)
{
	switch (initial) {
	case CCA_RIM_INIT_PARAMS:
		return "params";
	case CCA_RIM_INIT_ZERO:
		return "zero";
	default:
		return "unknown";
	}
}

CCA_EXPORT const char *cca_rim_op_name(enum cca_rim_op op)
{
	switch (op) {
	case CCA_RIM_OP_REALM:
		return "realm";
	case CCA_RIM_OP_DATA:
		return "data";
	case CCA_RIM_OP_REC:
		return "rec";
	case CCA_RIM_OP_RIPAS:
		return "ripas";
	default:
		return "unknown";
	}
}

CCA_EXPORT int cca_rim_model_for_rev(enum cca_abi_rev rev)
{
	const struct cca_abi_desc *d = cca_abi_desc(rev);

	if (!d)
		return -EINVAL;
	return d->rmm_major >= 2 ? CCA_RIM_RMM2 : CCA_RIM_RMM1;
}

/* ---- images ------------------------------------------------------------- */

/*
 * The caller's @in in the library's layout, checked: encodings and reserved
 * fields; @flags_ok and @max_hash come from the model.
 */
static int read_realm(const struct cca_rim_realm *in, struct cca_rim_realm *r, uint64_t flags_ok,
		      unsigned int max_hash)
{
	int ret = CCA_STRUCT_IN(cca_rim_realm, r, in);

	if (ret)
		return ret;
	if (r->reserved0 || !cca_all_zero(r->reserved1, sizeof(r->reserved1)) ||
	    !cca_all_zero(r->reserved, sizeof(r->reserved)))
		return -EINVAL;
	if ((r->flags & ~flags_ok) || r->hash_algo > max_hash)
		return -EINVAL;
	if (r->s2sz < CCA_RIM_S2SZ_MIN || r->s2sz > CCA_RIM_S2SZ_MAX)
		return -EINVAL;
	/* VQ - 1 for up to 2048 bits; 6-bit BRPs/WRPs feature fields; PMCR_EL0.N. */
	if (r->sve_vl > 15 || r->num_bps > 63 || r->num_wps > 63 || r->pmu_num_ctrs > 31)
		return -EINVAL;
	return 0;
}

static void build_params_image(const struct cca_rim_realm *r, uint8_t *image)
{
	memset(image, 0, GRANULE);
	put_le64(image + offsetof(struct cca_rmi_realm_params, flags), r->flags);
	put_le64(image + offsetof(struct cca_rmi_realm_params, s2sz), r->s2sz);
	put_le64(image + offsetof(struct cca_rmi_realm_params, sve_vl), r->sve_vl);
	put_le64(image + offsetof(struct cca_rmi_realm_params, num_bps), r->num_bps);
	put_le64(image + offsetof(struct cca_rmi_realm_params, num_wps), r->num_wps);
	put_le64(image + offsetof(struct cca_rmi_realm_params, pmu_num_ctrs), r->pmu_num_ctrs);
	put_le64(image + offsetof(struct cca_rmi_realm_params, hash_algo), r->hash_algo);
}

CCA_EXPORT int cca_rim_params_image(const struct cca_rim_realm *realm,
				    uint8_t image[CCA_RIM_GRANULE_SIZE])
{
	struct cca_rim_realm m;
	int ret = read_realm(realm, &m, CCA_RIM_RMM2_REALM_FLAGS, CCA_RMI_HASH_SHA_384);

	if (ret)
		return ret;
	if (!image)
		return -EINVAL;
	build_params_image(&m, image);
	return 0;
}

static const uint64_t zero_gprs[8];

static void build_rec_image(uint64_t flags, uint64_t pc, const uint64_t gprs[8], uint8_t *image)
{
	memset(image, 0, GRANULE);
	put_le64(image + offsetof(struct cca_rmi_rec_params, flags), flags);
	put_le64(image + offsetof(struct cca_rmi_rec_params, pc), pc);
	for (int i = 0; i < 8; i++)
		put_le64(image + offsetof(struct cca_rmi_rec_params, gprs) + 8 * i, gprs[i]);
}

CCA_EXPORT int cca_rim_rec_image(uint64_t flags, uint64_t pc, const uint64_t gprs[8],
				 uint8_t image[CCA_RIM_GRANULE_SIZE])
{
	if (!image || flags != CCA_RMI_REC_PARAMS_FLAG_RUNNABLE)
		return -EINVAL;
	build_rec_image(flags, pc, gprs ? gprs : zero_gprs, image);
	return 0;
}

/* ---- the measurement ---------------------------------------------------- */

static int check_rim(const struct cca_rim *rim)
{
	if (!rim)
		return -EINVAL;
	if (rim->magic != RIM_MAGIC || cca_rim_digest_len(rim->hash_algo) != (int)rim->digest_len)
		return -CCA_E_STATE;
	return 0;
}

static uint64_t protected_top(const struct cca_rim *rim)
{
	return 1ULL << (rim->realm.s2sz - 1);
}

/* Hash a descriptor whose bytes 0x10..0x4F are to hold the current RIM, and commit. */
static int extend(struct cca_rim *rim, uint8_t desc[CCA_RIM_DESC_SIZE])
{
	uint8_t slot[SLOT];
	int ret;

	put_le64(desc + offsetof(struct rim_desc_data, len), CCA_RIM_DESC_SIZE);
	memcpy(desc + offsetof(struct rim_desc_data, rim), rim->rim, SLOT);
	ret = digest(rim->hash_algo, desc, CCA_RIM_DESC_SIZE, slot);
	if (ret < 0)
		return ret;
	memcpy(rim->rim, slot, SLOT);
	rim->nr_extends++;
	return 0;
}

static void report(struct cca_rim *rim, struct cca_rim_step *s)
{
	s->size = sizeof(*s);
	s->digest_len = rim->digest_len;
	s->rim = rim->rim;
	if (rim->on_step)
		rim->on_step(rim->on_step_ctx, s);
}

CCA_EXPORT int cca_rim_init_cb(struct cca_rim *rim, enum cca_rim_model model,
			       enum cca_rim_initial initial, const struct cca_rim_realm *realm,
			       cca_rim_step_fn *on_step, void *ctx)
{
	uint8_t image[GRANULE];
	struct cca_rim_realm m;
	struct cca_rim r;
	int ret;

	if (!rim)
		return -EINVAL;
	switch (model) {
	case CCA_RIM_RMM1:
		if (initial != CCA_RIM_INIT_PARAMS)
			return -EINVAL;
		ret = read_realm(realm, &m, CCA_RIM_RMM1_REALM_FLAGS, CCA_RMI_HASH_SHA_512);
		break;
	case CCA_RIM_RMM2:
		if (initial != CCA_RIM_INIT_PARAMS && initial != CCA_RIM_INIT_ZERO)
			return -EINVAL;
		ret = read_realm(realm, &m, CCA_RIM_RMM2_REALM_FLAGS, CCA_RMI_HASH_SHA_384);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;

	memset(&r, 0, sizeof(r));
	r.model = model;
	r.initial = initial;
	r.hash_algo = m.hash_algo;
	r.digest_len = (uint32_t)cca_rim_digest_len(m.hash_algo);
	r.realm = m;
	r.on_step = on_step;
	r.on_step_ctx = ctx;
	if (initial == CCA_RIM_INIT_PARAMS) {
		build_params_image(&m, image);
		ret = digest(r.hash_algo, image, GRANULE, r.rim);
		if (ret < 0)
			return ret;
		r.nr_extends = 1;
	}
	r.magic = RIM_MAGIC;
	*rim = r;

	struct cca_rim_step s = {
		.op = CCA_RIM_OP_REALM,
		.extended = initial == CCA_RIM_INIT_PARAMS,
		.seq = 0,
		.flags = rim->realm.flags,
		.realm = &rim->realm,
	};
	report(rim, &s);
	return 0;
}

CCA_EXPORT int cca_rim_init(struct cca_rim *rim, enum cca_rim_model model,
			    enum cca_rim_initial initial, const struct cca_rim_realm *realm)
{
	return cca_rim_init_cb(rim, model, initial, realm, NULL, NULL);
}

static int check_ipa(const struct cca_rim *rim, uint64_t ipa)
{
	uint64_t top = protected_top(rim);

	if (ipa % GRANULE || ipa >= top || top - ipa < GRANULE)
		return -EINVAL;
	return 0;
}

/* DATA with the content slot known (or NULL if not measured). */
static int data_commit(struct cca_rim *rim, uint64_t ipa, bool measured, const uint8_t *content)
{
	uint8_t desc[CCA_RIM_DESC_SIZE] = { CCA_RIM_DESC_DATA };
	uint8_t c[SLOT] = { 0 };
	int ret;

	if (measured)
		memcpy(c, content, rim->digest_len); /* the rest of the slot stays zero */
	put_le64(desc + offsetof(struct rim_desc_data, ipa), ipa);
	put_le64(desc + offsetof(struct rim_desc_data, flags),
		 measured ? CCA_RMI_MEASURE_CONTENT : 0);
	memcpy(desc + offsetof(struct rim_desc_data, content), c, SLOT);
	ret = extend(rim, desc);
	if (ret)
		return ret;
	rim->nr_data++;
	rim->nr_data_measured += measured;
	rim->nr_ops++;

	struct cca_rim_step s = {
		.op = CCA_RIM_OP_DATA,
		.extended = 1,
		.seq = rim->nr_ops,
		.flags = measured ? CCA_RMI_MEASURE_CONTENT : 0,
		.ipa = ipa,
		.content = measured ? c : NULL,
	};
	report(rim, &s);
	return 0;
}

CCA_EXPORT int cca_rim_data_hashed(struct cca_rim *rim, uint64_t ipa, int measured,
				   const uint8_t content_hash[CCA_RIM_SLOT_SIZE])
{
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if ((ret = check_ipa(rim, ipa)))
		return ret;
	if (measured && !content_hash)
		return -EINVAL;
	return data_commit(rim, ipa, measured != 0, content_hash);
}

CCA_EXPORT int cca_rim_data(struct cca_rim *rim, uint64_t ipa, int measured, const void *granule)
{
	uint8_t c[SLOT];
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if ((ret = check_ipa(rim, ipa)))
		return ret;
	if (!measured)
		return data_commit(rim, ipa, false, NULL);
	if (!granule)
		return -EINVAL;
	ret = digest(rim->hash_algo, granule, GRANULE, c);
	if (ret < 0)
		return ret;
	return data_commit(rim, ipa, true, c);
}

CCA_EXPORT int cca_rim_hash_granule(unsigned int hash_algo, const void *granule,
				    uint8_t out[CCA_RIM_SLOT_SIZE])
{
	if (!granule || !out)
		return -EINVAL;
	return digest(hash_algo, granule, GRANULE, out);
}

CCA_EXPORT int cca_rim_rec(struct cca_rim *rim, uint64_t flags, uint64_t pc, const uint64_t gprs[8])
{
	uint8_t desc[CCA_RIM_DESC_SIZE] = { CCA_RIM_DESC_REC };
	uint8_t image[GRANULE];
	uint8_t c[SLOT];
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if (flags & ~CCA_RMI_REC_PARAMS_FLAG_RUNNABLE)
		return -EINVAL;
	if (!gprs)
		gprs = zero_gprs;

	struct cca_rim_step s = {
		.op = CCA_RIM_OP_REC,
		.flags = flags,
		.pc = pc,
		.gprs = gprs,
	};
	if (!(flags & CCA_RMI_REC_PARAMS_FLAG_RUNNABLE)) {
		/* Not measured since RMM 1.0-EAC3 (measurement.md §3.3). */
		rim->nr_rec_skipped++;
		s.seq = ++rim->nr_ops;
		report(rim, &s);
		return 0;
	}
	build_rec_image(flags, pc, gprs, image);
	ret = digest(rim->hash_algo, image, GRANULE, c);
	if (ret < 0)
		return ret;
	memcpy(desc + offsetof(struct rim_desc_rec, content), c, SLOT);
	ret = extend(rim, desc);
	if (ret)
		return ret;
	rim->nr_rec++;
	s.seq = ++rim->nr_ops;
	s.extended = 1;
	s.content = c;
	report(rim, &s);
	return 0;
}

CCA_EXPORT int cca_rim_ripas(struct cca_rim *rim, uint64_t base, uint64_t top)
{
	uint8_t desc[CCA_RIM_DESC_SIZE] = { CCA_RIM_DESC_RIPAS };
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if (base % GRANULE || top % GRANULE || top <= base || top > protected_top(rim))
		return -EINVAL;

	struct cca_rim_step s = {
		.op = CCA_RIM_OP_RIPAS,
		.base = base,
		.top = top,
	};
	if (rim->model != CCA_RIM_RMM1) {
		/* RMM 2.0 does not measure RTT_INIT_RIPAS (measurement.md §3.4). */
		rim->nr_ripas_ignored++;
		s.seq = ++rim->nr_ops;
		report(rim, &s);
		return 0;
	}
	put_le64(desc + offsetof(struct rim_desc_ripas, base), base);
	put_le64(desc + offsetof(struct rim_desc_ripas, top), top);
	ret = extend(rim, desc);
	if (ret)
		return ret;
	rim->nr_ripas++;
	s.seq = ++rim->nr_ops;
	s.extended = 1;
	report(rim, &s);
	return 0;
}

CCA_EXPORT int cca_rim_get(const struct cca_rim *rim, uint8_t out[CCA_RIM_SLOT_SIZE], size_t *len)
{
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if (!out)
		return -EINVAL;
	memcpy(out, rim->rim, SLOT);
	if (len)
		*len = rim->digest_len;
	return 0;
}

CCA_EXPORT int cca_rim_hex(const struct cca_rim *rim, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int ret = check_rim(rim);

	if (ret)
		return ret;
	if (!buf)
		return -EINVAL;
	if (len < 2 * (size_t)rim->digest_len + 1)
		return -ENOSPC;
	for (uint32_t i = 0; i < rim->digest_len; i++) {
		buf[2 * i] = hex[rim->rim[i] >> 4];
		buf[2 * i + 1] = hex[rim->rim[i] & 0xf];
	}
	buf[2 * rim->digest_len] = '\0';
	return (int)(2 * rim->digest_len);
}

/* ---- libcca realm parameters -> measured parameters -------------------- */

static int debug_count(unsigned int given, unsigned int rmm_default, uint8_t *enc)
{
	unsigned int n = given ? given : rmm_default;

	if (n < 2 || n > 16) /* 0 here: the RMM's maximum, unknown */
		return -EINVAL;
	*enc = (uint8_t)(n - 1);
	return 0;
}

CCA_EXPORT int cca_rim_realm_from_params(const struct cca_realm_params *in, unsigned int rmm_bps,
					 unsigned int rmm_wps, struct cca_rim_realm *out)
{
	struct cca_rim_realm r = { .size = sizeof(r) };
	struct cca_realm_params rp;
	const struct cca_realm_params *p = &rp;

	if (!in || !out)
		return -EINVAL;
	int ret = CCA_STRUCT_IN(cca_realm_params, &rp, in);
	if (ret)
		return ret;
	if ((p->flags & ~CCA_REALM_F_PMU) || !cca_all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (p->ipa_bits < CCA_IPA_BITS_MIN || p->ipa_bits > CCA_IPA_BITS_MAX)
		return -EINVAL;
	r.s2sz = (uint8_t)p->ipa_bits;
	if (p->sve_vl) {
		if (p->sve_vl % 16 || p->sve_vl > 256)
			return -EINVAL;
		r.flags |= CCA_RMI_REALM_FLAG_SVE;
		r.sve_vl = (uint8_t)(p->sve_vl / 16 - 1);
	}
	if (debug_count(p->num_bps, rmm_bps, &r.num_bps) ||
	    debug_count(p->num_wps, rmm_wps, &r.num_wps))
		return -EINVAL;
	if (p->flags & CCA_REALM_F_PMU) {
		if (p->pmu_counters > 31)
			return -EINVAL;
		r.flags |= CCA_RMI_REALM_FLAG_PMU;
		r.pmu_num_ctrs = (uint8_t)p->pmu_counters; /* KVM writes PMCR_EL0.N even when 0 */
	} else if (p->pmu_counters) {
		return -EINVAL;
	}
	switch (p->hash_algo) {
	case CCA_HASH_DEFAULT:
	case CCA_HASH_SHA256:
		r.hash_algo = CCA_RMI_HASH_SHA_256;
		break;
	case CCA_HASH_SHA512:
		r.hash_algo = CCA_RMI_HASH_SHA_512;
		break;
	case CCA_HASH_SHA384:
		r.hash_algo = CCA_RMI_HASH_SHA_384;
		break;
	default:
		return -EINVAL;
	}
	/* 0.1's callers set no size in @out: they own 0.1's bytes only. */
	CCA_STRUCT_WRITE_V0(cca_rim_realm, out, &r);
	return 0;
}
