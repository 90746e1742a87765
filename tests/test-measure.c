// SPDX-License-Identifier: MIT
/*
 * Description: the RIM engine (rmi/measure.h) against the known answers of
 * shared/reference/measurement.md §9, and every primitive's byte layout
 * (§3) against an image or descriptor built here by hand, byte by byte, and
 * hashed here with OpenSSL: the params image, DATA measured and unmeasured,
 * the REC image and descriptor, RIPAS; the RMM 1.0 and 2.0 models (RIPAS
 * ignored, zero initial RIM), SHA-512 and SHA-384 lengths and zero padding,
 * the step callback, the conversion from libcca realm parameters, and the
 * error cases (state, alignment, ranges, models), outputs untouched on error.
 * libcrypto failures are injected (the test is linked with -Wl,--wrap for
 * the EVP calls of lib/measure.c): each returns an error, leaves the
 * measurement unchanged and frees the digest context; and a thread reuses
 * one context for all its digests, freed when the thread exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <rmi/cca.h>

#define KAT_CREATE "39ad630fb9d2019f2be445c17430b6372c999e1d205f7ddaa5d00b5d13b83c76"
#define KAT_DATA_ZERO "ace574d95a083166c8cfaa6034b110ee8b708e9514759eb471a2036401f45050"
#define KAT_DATA_RAMP "0482850c2cdd7f37447634af3ff798ef406680ffc1861707fe184242c12fa9d2"

#define G 4096
#define TEST_IPA 0x12345000ULL /* distinctive, aligned, below 2^32 */
#define TEST_PC 0x80081234ULL

static uint8_t zero_granule[G];
static uint8_t ramp_granule[G];
static uint8_t odd_granule[G]; /* arbitrary bytes */

/* ---- hand-built images and descriptors, hashed here ---------------------- */

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static const EVP_MD *md_of(unsigned int algo)
{
	switch (algo) {
	case CCA_RMI_HASH_SHA_256:
		return EVP_sha256();
	case CCA_RMI_HASH_SHA_512:
		return EVP_sha512();
	case CCA_RMI_HASH_SHA_384:
		return EVP_sha384();
	}
	fail_msg("bad algo %u", algo);
	return NULL;
}

/* H(data) into a zero-padded 64-byte slot; returns the digest length. */
static unsigned int ref_hash(unsigned int algo, const void *data, size_t len, uint8_t slot[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(data, len, md, &n, md_of(algo), NULL), 1);
	memset(slot, 0, 64);
	memcpy(slot, md, n);
	return n;
}

static void hand_params_image(uint8_t img[G], const struct cca_rim_realm *r)
{
	memset(img, 0, G);
	le64(img + 0x000, r->flags);
	img[0x008] = r->s2sz;
	img[0x010] = r->sve_vl;
	img[0x018] = r->num_bps;
	img[0x020] = r->num_wps;
	img[0x028] = r->pmu_num_ctrs;
	img[0x030] = r->hash_algo;
}

/* Descriptor header: type, len 0x100, old RIM slot (only dlen bytes copied). */
static void hand_desc_head(uint8_t d[256], uint8_t type, const uint8_t *old, unsigned int dlen)
{
	memset(d, 0, 256);
	d[0x00] = type;
	d[0x08] = 0x00;
	d[0x09] = 0x01; /* 0x100, little endian */
	memcpy(d + 0x10, old, dlen);
}

static void hand_data(unsigned int algo, const uint8_t *old, uint64_t ipa, int measured,
		      const void *granule, uint8_t out[64])
{
	uint8_t d[256], c[64];
	unsigned int dlen = (unsigned int)cca_rim_digest_len(algo);
	hand_desc_head(d, 0, old, dlen);
	le64(d + 0x50, ipa);
	d[0x58] = measured ? 1 : 0;
	if (measured) {
		ref_hash(algo, granule, G, c);
		memcpy(d + 0x60, c, dlen);
	}
	ref_hash(algo, d, sizeof(d), out);
}

static void hand_rec_image(uint8_t img[G], uint64_t pc, const uint64_t gprs[8])
{
	memset(img, 0, G);
	img[0x000] = 1; /* RUNNABLE */
	le64(img + 0x200, pc);
	for (int i = 0; i < 8; i++)
		le64(img + 0x300 + 8 * i, gprs[i]);
}

static void hand_rec(unsigned int algo, const uint8_t *old, uint64_t pc, const uint64_t gprs[8],
		     uint8_t out[64])
{
	uint8_t img[G], d[256], c[64];
	unsigned int dlen = (unsigned int)cca_rim_digest_len(algo);
	hand_rec_image(img, pc, gprs);
	ref_hash(algo, img, G, c);
	hand_desc_head(d, 1, old, dlen);
	memcpy(d + 0x50, c, dlen);
	ref_hash(algo, d, sizeof(d), out);
}

static void hand_ripas(unsigned int algo, const uint8_t *old, uint64_t base, uint64_t top,
		       uint8_t out[64])
{
	uint8_t d[256];
	hand_desc_head(d, 2, old, (unsigned int)cca_rim_digest_len(algo));
	le64(d + 0x50, base);
	le64(d + 0x58, top);
	ref_hash(algo, d, sizeof(d), out);
}

/* ---- helpers ------------------------------------------------------------ */

static struct cca_rim_realm kat_realm(void)
{
	struct cca_rim_realm r = { .size = sizeof(r), .s2sz = 33, .num_bps = 1, .num_wps = 1 };
	return r;
}

static void assert_hex(const struct cca_rim *rim, const char *want)
{
	char buf[CCA_RIM_HEX_MAX];
	assert_int_equal(cca_rim_hex(rim, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void assert_slot(const struct cca_rim *rim, const uint8_t want[64], size_t want_len)
{
	uint8_t got[64];
	size_t len = 0;
	assert_int_equal(cca_rim_get(rim, got, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, 64);
}

static void init_ok(struct cca_rim *rim, enum cca_rim_model m, enum cca_rim_initial i,
		    const struct cca_rim_realm *r)
{
	assert_int_equal(cca_rim_init(rim, m, i, r), 0);
}

static int setup_granules(void **state)
{
	(void)state;
	uint32_t x = 0x9e3779b9u;
	for (int i = 0; i < G; i++) {
		ramp_granule[i] = (uint8_t)(i & 0xff);
		x = x * 1664525u + 1013904223u;
		odd_granule[i] = (uint8_t)(x >> 24);
	}
	return 0;
}

/* ---- known answers (§9) ----------------------------------------------------- */

static void kat_sha256_chain(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_hex(&rim, KAT_CREATE);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	assert_hex(&rim, KAT_DATA_ZERO);
	assert_int_equal(cca_rim_data(&rim, 0x80001000ULL, 1, ramp_granule), 0);
	assert_hex(&rim, KAT_DATA_RAMP);
	assert_int_equal(rim.nr_extends, 3);
	assert_int_equal(rim.nr_data, 2);
	assert_int_equal(rim.nr_data_measured, 2);
	assert_int_equal(rim.nr_ops, 2);
}

/* Same chain in the RMM 2.0 model (TF-RMM initial value): the primitives are shared. */
static void kat_rmm2_params_init(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;

	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, &r);
	assert_hex(&rim, KAT_CREATE);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	assert_int_equal(cca_rim_data(&rim, 0x80001000ULL, 1, ramp_granule), 0);
	assert_hex(&rim, KAT_DATA_RAMP);
}

/* Content hashes computed apart; bytes past the digest in the slot must not count. */
static void kat_via_hashed(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t h0[64], h1[64];

	assert_int_equal(cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, zero_granule, h0), 32);
	assert_int_equal(cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, ramp_granule, h1), 32);
	memset(h0 + 32, 0xAA, 32);
	memset(h1 + 32, 0x55, 32);
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_int_equal(cca_rim_data_hashed(&rim, 0x80000000ULL, 1, h0), 0);
	assert_hex(&rim, KAT_DATA_ZERO);
	assert_int_equal(cca_rim_data_hashed(&rim, 0x80001000ULL, 1, h1), 0);
	assert_hex(&rim, KAT_DATA_RAMP);
}

static void hash_granule_all_algos(void **state)
{
	(void)state;
	static const struct {
		unsigned int algo;
		int len;
	} t[] = {
		{ CCA_RMI_HASH_SHA_256, 32 },
		{ CCA_RMI_HASH_SHA_512, 64 },
		{ CCA_RMI_HASH_SHA_384, 48 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t got[64], want[64];
		memset(got, 0xEE, sizeof(got));
		assert_int_equal(cca_rim_hash_granule(t[i].algo, odd_granule, got), t[i].len);
		ref_hash(t[i].algo, odd_granule, G, want);
		assert_memory_equal(got, want, 64); /* includes the zero padding */
	}
	uint8_t out[64];
	memset(out, 0x5A, sizeof(out));
	assert_int_equal(cca_rim_hash_granule(3, odd_granule, out), -EINVAL);
	assert_int_equal(out[0], 0x5A);
	assert_int_equal(out[63], 0x5A);
	assert_int_equal(cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, NULL, out), -EINVAL);
	assert_int_equal(cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, odd_granule, NULL), -EINVAL);
}

/* ---- layouts ------------------------------------------------------------ */

static void params_image_layout(void **state)
{
	(void)state;
	struct cca_rim_realm r = {
		.size = sizeof(r),
		.flags = CCA_RMI_REALM_FLAG_SVE | CCA_RMI_REALM_FLAG_PMU,
		.s2sz = 48,
		.sve_vl = 15,
		.num_bps = 5,
		.num_wps = 7,
		.pmu_num_ctrs = 31,
		.hash_algo = CCA_RMI_HASH_SHA_512,
	};
	uint8_t got[G], want[G], slot[64];
	struct cca_rim rim;

	memset(got, 0xCC, sizeof(got));
	assert_int_equal(cca_rim_params_image(&r, got), 0);
	hand_params_image(want, &r);
	assert_memory_equal(got, want, G);
	/* The fields sit in 8-byte slots at their own offsets. */
	assert_int_equal(got[0x000], 0x06);
	assert_int_equal(got[0x008], 48);
	assert_int_equal(got[0x010], 15);
	assert_int_equal(got[0x018], 5);
	assert_int_equal(got[0x020], 7);
	assert_int_equal(got[0x028], 31);
	assert_int_equal(got[0x030], 1);
	assert_int_equal(got[0x038], 0);

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_int_equal(ref_hash(CCA_RMI_HASH_SHA_512, want, G, slot), 64);
	assert_slot(&rim, slot, 64);
	assert_int_equal(rim.digest_len, 64);
	assert_int_equal(rim.nr_extends, 1);
	assert_memory_equal(&rim.realm, &r, sizeof(r));

	/* A 64-bit flags word is written whole, little endian (DA is bit 3). */
	r.flags = CCA_RMI_REALM_FLAG_DA | CCA_RMI_REALM_FLAG_LPA2;
	assert_int_equal(cca_rim_params_image(&r, got), 0);
	assert_int_equal(got[0], 0x09);
	hand_params_image(want, &r);
	assert_memory_equal(got, want, G);
}

static void data_measured_layout(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t old[64], want[64];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_data(&rim, TEST_IPA, 1, odd_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_256, old, TEST_IPA, 1, odd_granule, want);
	assert_slot(&rim, want, 32);
	/* An IPA above 4 GiB: all eight bytes of the field count. */
	r.s2sz = 48;
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_data(&rim, 0x7f1234567000ULL, 1, odd_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_256, old, 0x7f1234567000ULL, 1, odd_granule, want);
	assert_slot(&rim, want, 32);
}

static void data_unmeasured_layout(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim a, b, c;
	uint8_t old[64], want[64];

	init_ok(&a, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	memcpy(old, a.rim, 64);
	b = a;
	c = a;
	assert_int_equal(cca_rim_data(&a, TEST_IPA, 0, odd_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_256, old, TEST_IPA, 0, NULL, want);
	assert_slot(&a, want, 32);
	/* Content is not read: another granule or none gives the same RIM. */
	assert_int_equal(cca_rim_data(&b, TEST_IPA, 0, NULL), 0);
	assert_memory_equal(a.rim, b.rim, 64);
	assert_int_equal(cca_rim_data_hashed(&c, TEST_IPA, 0, NULL), 0);
	assert_memory_equal(a.rim, c.rim, 64);
	/* ... but it does extend: differs from the measured and from the old value. */
	assert_memory_not_equal(a.rim, old, 32);
	hand_data(CCA_RMI_HASH_SHA_256, old, TEST_IPA, 1, zero_granule, want);
	assert_memory_not_equal(a.rim, want, 32);
	assert_int_equal(a.nr_data, 1);
	assert_int_equal(a.nr_data_measured, 0);
	assert_int_equal(a.nr_extends, 2);
}

static void rec_image_layout(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 0x1111111111111111ULL, 2, 3, 4, 5, 6, 7, 0x8888888888888888ULL };
	uint8_t got[G], want[G];

	memset(got, 0xCC, sizeof(got));
	assert_int_equal(cca_rim_rec_image(CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, gprs, got),
			 0);
	hand_rec_image(want, TEST_PC, gprs);
	assert_memory_equal(got, want, G);
	assert_int_equal(got[0x100], 0); /* MPIDR not measured */
	assert_int_equal(got[0x33f], 0x88);
	assert_int_equal(got[0x340], 0);
	/* NULL gprs: all zero. */
	const uint64_t zero[8] = { 0 };
	assert_int_equal(cca_rim_rec_image(CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, NULL, got),
			 0);
	hand_rec_image(want, TEST_PC, zero);
	assert_memory_equal(got, want, G);
	/* Only a runnable REC has a measured image. */
	memset(got, 0xCC, sizeof(got));
	assert_int_equal(cca_rim_rec_image(0, TEST_PC, gprs, got), -EINVAL);
	assert_int_equal(got[0], 0xCC);
	assert_int_equal(cca_rim_rec_image(3, TEST_PC, gprs, got), -EINVAL);
	assert_int_equal(cca_rim_rec_image(1, TEST_PC, gprs, NULL), -EINVAL);
}

static void rec_runnable_layout(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 0x48000000ULL, 0, 0, 0, 0xdead, 0, 0, 0xbeef };
	const uint64_t zero[8] = { 0 };
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim, nul;
	uint8_t old[64], want[64];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	memcpy(old, rim.rim, 64);
	nul = rim;
	assert_int_equal(cca_rim_rec(&rim, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, gprs), 0);
	hand_rec(CCA_RMI_HASH_SHA_256, old, TEST_PC, gprs, want);
	assert_slot(&rim, want, 32);
	assert_int_equal(rim.nr_rec, 1);
	assert_int_equal(rim.nr_rec_skipped, 0);
	/* NULL gprs measure as zeros. */
	assert_int_equal(cca_rim_rec(&nul, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, NULL), 0);
	hand_rec(CCA_RMI_HASH_SHA_256, old, TEST_PC, zero, want);
	assert_slot(&nul, want, 32);
}

static void rec_not_runnable_unchanged(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t before[64];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	memcpy(before, rim.rim, 64);
	assert_int_equal(cca_rim_rec(&rim, 0, TEST_PC, gprs), 0);
	assert_int_equal(cca_rim_rec(&rim, 0, 0x1000, NULL), 0);
	assert_memory_equal(rim.rim, before, 64);
	assert_hex(&rim, KAT_CREATE);
	assert_int_equal(rim.nr_rec, 0);
	assert_int_equal(rim.nr_rec_skipped, 2);
	assert_int_equal(rim.nr_extends, 1);
	assert_int_equal(rim.nr_ops, 2);
}

static void ripas_rmm1_layout(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t old[64], want[64];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_ripas(&rim, 0x80200000ULL, 0x80400000ULL), 0);
	hand_ripas(CCA_RMI_HASH_SHA_256, old, 0x80200000ULL, 0x80400000ULL, want);
	assert_slot(&rim, want, 32);
	/* A single 4 KiB entry right below the protected top (2^32 for s2sz 33). */
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_ripas(&rim, 0xfffff000ULL, 0x100000000ULL), 0);
	hand_ripas(CCA_RMI_HASH_SHA_256, old, 0xfffff000ULL, 0x100000000ULL, want);
	assert_slot(&rim, want, 32);
	assert_int_equal(rim.nr_ripas, 2);
	assert_int_equal(rim.nr_ripas_ignored, 0);
}

static void rmm2_ignores_ripas(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;

	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, &r);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	assert_int_equal(cca_rim_ripas(&rim, 0x80200000ULL, 0x80400000ULL), 0);
	assert_int_equal(cca_rim_ripas(&rim, 0x0, 0x1000), 0);
	assert_hex(&rim, KAT_DATA_ZERO);
	assert_int_equal(rim.nr_ripas, 0);
	assert_int_equal(rim.nr_ripas_ignored, 2);
	assert_int_equal(rim.nr_extends, 2);
	/* Still validated, so a bad range fails the same way in both models. */
	assert_int_equal(cca_rim_ripas(&rim, 0x2000, 0x1000), -EINVAL);
	assert_int_equal(cca_rim_ripas(&rim, 0x1000, 0x1800), -EINVAL);
	assert_int_equal(rim.nr_ripas_ignored, 2);
}

static void rmm2_zero_init(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t zero[64] = { 0 }, want[64];

	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_ZERO, &r);
	assert_slot(&rim, zero, 32);
	assert_hex(&rim, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(rim.nr_extends, 0);
	assert_int_equal(rim.initial, CCA_RIM_INIT_ZERO);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_256, zero, 0x80000000ULL, 1, zero_granule, want);
	assert_slot(&rim, want, 32);
	assert_memory_not_equal(rim.rim, zero, 32);

	/* SHA-384 zero start: 48 significant bytes. */
	r.hash_algo = CCA_RMI_HASH_SHA_384;
	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_ZERO, &r);
	assert_int_equal(rim.digest_len, 48);
	assert_slot(&rim, zero, 48);

	/* RMM 1.0 has no such choice. */
	r.hash_algo = CCA_RMI_HASH_SHA_256;
	assert_int_equal(cca_rim_init(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_ZERO, &r), -EINVAL);
}

static void sha512_chain(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t img[G], old[64], want[64];
	char hex[CCA_RIM_HEX_MAX];

	r.hash_algo = CCA_RMI_HASH_SHA_512;
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	hand_params_image(img, &r);
	assert_int_equal(ref_hash(CCA_RMI_HASH_SHA_512, img, G, want), 64);
	assert_slot(&rim, want, 64);
	assert_int_equal(cca_rim_hex(&rim, hex, sizeof(hex)), 128);
	assert_int_equal(strlen(hex), 128);

	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_data(&rim, TEST_IPA, 1, odd_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_512, old, TEST_IPA, 1, odd_granule, want);
	assert_slot(&rim, want, 64);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_rec(&rim, 1, TEST_PC, gprs), 0);
	hand_rec(CCA_RMI_HASH_SHA_512, old, TEST_PC, gprs, want);
	assert_slot(&rim, want, 64);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_ripas(&rim, 0x40000000ULL, 0x40200000ULL), 0);
	hand_ripas(CCA_RMI_HASH_SHA_512, old, 0x40000000ULL, 0x40200000ULL, want);
	assert_slot(&rim, want, 64);
}

static void sha384_padding(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 0x42 };
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	uint8_t img[G], old[64], want[64], got[64];
	char hex[CCA_RIM_HEX_MAX];

	r.hash_algo = CCA_RMI_HASH_SHA_384;
	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, &r);
	hand_params_image(img, &r);
	assert_int_equal(ref_hash(CCA_RMI_HASH_SHA_384, img, G, want), 48);
	assert_slot(&rim, want, 48);
	assert_int_equal(cca_rim_hex(&rim, hex, sizeof(hex)), 96);

	/* Old RIM and content hash both enter their slots as 48 bytes + 16 zeros. */
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_data(&rim, TEST_IPA, 1, odd_granule), 0);
	hand_data(CCA_RMI_HASH_SHA_384, old, TEST_IPA, 1, odd_granule, want);
	assert_slot(&rim, want, 48);
	assert_int_equal(cca_rim_get(&rim, got, NULL), 0);
	for (int i = 48; i < 64; i++)
		assert_int_equal(got[i], 0);
	memcpy(old, rim.rim, 64);
	assert_int_equal(cca_rim_rec(&rim, 1, TEST_PC, gprs), 0);
	hand_rec(CCA_RMI_HASH_SHA_384, old, TEST_PC, gprs, want);
	assert_slot(&rim, want, 48);

	/* SHA-384 exists only in RMM 2.0. */
	assert_int_equal(cca_rim_init(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r), -EINVAL);
}

/* The chain depends on the order of the operations. */
static void order_matters(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim a, b;

	init_ok(&a, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	b = a;
	assert_int_equal(cca_rim_data(&a, 0x80000000ULL, 1, zero_granule), 0);
	assert_int_equal(cca_rim_data(&a, 0x80001000ULL, 1, ramp_granule), 0);
	assert_int_equal(cca_rim_data(&b, 0x80001000ULL, 1, ramp_granule), 0);
	assert_int_equal(cca_rim_data(&b, 0x80000000ULL, 1, zero_granule), 0);
	assert_hex(&a, KAT_DATA_RAMP);
	assert_memory_not_equal(a.rim, b.rim, 32);
}

/* ---- step callback ------------------------------------------------------- */

struct log {
	int n;
	struct cca_rim_step s[8];
	uint8_t rim[8][64];
	uint8_t content[8][64];
	int has_content[8];
	uint64_t gprs[8][8];
	uint8_t s2sz;
};

static void on_step(void *ctx, const struct cca_rim_step *s)
{
	struct log *l = ctx;
	assert_true(l->n < 8);
	l->s[l->n] = *s;
	memcpy(l->rim[l->n], s->rim, 64);
	l->has_content[l->n] = s->content != NULL;
	if (s->content)
		memcpy(l->content[l->n], s->content, 64);
	if (s->gprs)
		memcpy(l->gprs[l->n], s->gprs, sizeof(l->gprs[0]));
	if (s->realm)
		l->s2sz = s->realm->s2sz;
	l->n++;
}

static void step_callback(void **state)
{
	(void)state;
	const uint64_t gprs[8] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 };
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	struct log l = { 0 };
	uint8_t h[64], img[G], cur[64];

	assert_int_equal(cca_rim_init_cb(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r, on_step, &l),
			 0);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, ramp_granule), 0);
	assert_int_equal(cca_rim_data(&rim, 0x80001000ULL, 0, NULL), 0);
	assert_int_equal(cca_rim_rec(&rim, 0, 0x1000, NULL), 0);
	assert_int_equal(cca_rim_rec(&rim, 1, TEST_PC, gprs), 0);
	assert_int_equal(cca_rim_ripas(&rim, 0x80002000ULL, 0x80200000ULL), 0);
	/* Refused calls are not reported. */
	assert_int_equal(cca_rim_data(&rim, 0x80000800ULL, 1, ramp_granule), -EINVAL);
	assert_int_equal(l.n, 6);

	assert_int_equal(l.s[0].op, CCA_RIM_OP_REALM);
	assert_int_equal(l.s[0].extended, 1);
	assert_int_equal(l.s[0].seq, 0);
	assert_int_equal(l.s2sz, 33);
	assert_false(l.has_content[0]);

	assert_int_equal(l.s[1].op, CCA_RIM_OP_DATA);
	assert_int_equal(l.s[1].seq, 1);
	assert_int_equal(l.s[1].ipa, 0x80000000ULL);
	assert_int_equal(l.s[1].flags, 1);
	assert_int_equal(l.s[1].extended, 1);
	assert_true(l.has_content[1]);
	ref_hash(CCA_RMI_HASH_SHA_256, ramp_granule, G, h);
	assert_memory_equal(l.content[1], h, 64);

	assert_int_equal(l.s[2].op, CCA_RIM_OP_DATA);
	assert_int_equal(l.s[2].flags, 0);
	assert_int_equal(l.s[2].ipa, 0x80001000ULL);
	assert_false(l.has_content[2]);

	assert_int_equal(l.s[3].op, CCA_RIM_OP_REC);
	assert_int_equal(l.s[3].extended, 0);
	assert_int_equal(l.s[3].pc, 0x1000);
	assert_memory_equal(l.rim[3], l.rim[2], 64);

	assert_int_equal(l.s[4].op, CCA_RIM_OP_REC);
	assert_int_equal(l.s[4].extended, 1);
	assert_int_equal(l.s[4].flags, 1);
	assert_int_equal(l.s[4].pc, TEST_PC);
	assert_memory_equal(l.gprs[4], gprs, sizeof(gprs));
	hand_rec_image(img, TEST_PC, gprs);
	ref_hash(CCA_RMI_HASH_SHA_256, img, G, h);
	assert_true(l.has_content[4]);
	assert_memory_equal(l.content[4], h, 64);

	assert_int_equal(l.s[5].op, CCA_RIM_OP_RIPAS);
	assert_int_equal(l.s[5].base, 0x80002000ULL);
	assert_int_equal(l.s[5].top, 0x80200000ULL);
	assert_int_equal(l.s[5].seq, 5);
	assert_int_equal(l.s[5].digest_len, 32);
	assert_int_equal(l.s[5].size, sizeof(struct cca_rim_step));
	assert_int_equal(cca_rim_get(&rim, cur, NULL), 0);
	assert_memory_equal(l.rim[5], cur, 64);
	/* Each step reports the RIM after it. */
	for (int i = 1; i < 6; i++)
		if (l.s[i].extended)
			assert_memory_not_equal(l.rim[i], l.rim[i - 1], 32);
}

/* RMM 2.0: RIPAS and a zero start are reported, as not extending. */
static void step_callback_rmm2(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	struct log l = { 0 };

	assert_int_equal(cca_rim_init_cb(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_ZERO, &r, on_step, &l),
			 0);
	assert_int_equal(cca_rim_ripas(&rim, 0x80000000ULL, 0x80200000ULL), 0);
	rim.on_step = NULL; /* may be changed between calls */
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 0, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.s[0].op, CCA_RIM_OP_REALM);
	assert_int_equal(l.s[0].extended, 0);
	assert_int_equal(l.s[1].op, CCA_RIM_OP_RIPAS);
	assert_int_equal(l.s[1].extended, 0);
	assert_int_equal(l.s[1].seq, 1);
}

/* cca_rim_init() installs no callback; one set afterwards is used; a failed init reports nothing. */
static void callback_installation(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm(), bad = kat_realm();
	struct cca_rim rim;
	struct log l = { 0 };

	bad.s2sz = 0;
	assert_int_equal(cca_rim_init_cb(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &bad, on_step,
					 &l),
			 -EINVAL);
	assert_int_equal(l.n, 0);
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_null(rim.on_step);
	rim.on_step = on_step;
	rim.on_step_ctx = &l;
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.s[0].op, CCA_RIM_OP_DATA);
	assert_int_equal(l.s[0].seq, 1);
	assert_memory_equal(l.rim[0], rim.rim, 64);
	/* The callback set by cca_rim_init_cb() is kept in the struct. */
	assert_int_equal(cca_rim_init_cb(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r, on_step, &l),
			 0);
	assert_ptr_equal(rim.on_step_ctx, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.s[1].op, CCA_RIM_OP_REALM);
}

/* ---- errors ----------------------------------------------------------------- */

static void not_initialised(void **state)
{
	(void)state;
	struct cca_rim rim;
	uint8_t out[64];
	char hex[CCA_RIM_HEX_MAX];
	size_t len = 77;

	memset(&rim, 0, sizeof(rim));
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), -CCA_E_STATE);
	assert_int_equal(cca_rim_data_hashed(&rim, 0x80000000ULL, 0, NULL), -CCA_E_STATE);
	assert_int_equal(cca_rim_rec(&rim, 1, 0, NULL), -CCA_E_STATE);
	assert_int_equal(cca_rim_ripas(&rim, 0, 0x1000), -CCA_E_STATE);
	memset(out, 0x77, sizeof(out));
	assert_int_equal(cca_rim_get(&rim, out, &len), -CCA_E_STATE);
	assert_int_equal(out[0], 0x77);
	assert_int_equal(len, 77);
	strcpy(hex, "untouched");
	assert_int_equal(cca_rim_hex(&rim, hex, sizeof(hex)), -CCA_E_STATE);
	assert_string_equal(hex, "untouched");
	/* Plausible-looking fields without cca_rim_init() are still refused. */
	rim.digest_len = 32;
	rim.model = CCA_RIM_RMM1;
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 0, NULL), -CCA_E_STATE);
	/* NULL is EINVAL, not a state error. */
	assert_int_equal(cca_rim_data(NULL, 0, 0, NULL), -EINVAL);
	assert_int_equal(cca_rim_rec(NULL, 1, 0, NULL), -EINVAL);
	assert_int_equal(cca_rim_ripas(NULL, 0, 0x1000), -EINVAL);
	assert_int_equal(cca_rim_get(NULL, out, NULL), -EINVAL);
	assert_int_equal(cca_rim_hex(NULL, hex, sizeof(hex)), -EINVAL);
}

static void bad_operations_leave_rim_unchanged(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim, before;

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	before = rim;
	/* DATA: alignment, protected half (2^32 for s2sz 33), missing content. */
	assert_int_equal(cca_rim_data(&rim, 0x80000800ULL, 1, zero_granule), -EINVAL);
	assert_int_equal(cca_rim_data(&rim, 0x80000001ULL, 0, NULL), -EINVAL);
	assert_int_equal(cca_rim_data(&rim, 0x100000000ULL, 1, zero_granule), -EINVAL);
	assert_int_equal(cca_rim_data(&rim, 0xffffffffff000ULL, 0, NULL), -EINVAL);
	assert_int_equal(cca_rim_data(&rim, 0x80001000ULL, 1, NULL), -EINVAL);
	assert_int_equal(cca_rim_data_hashed(&rim, 0x80001000ULL, 1, NULL), -EINVAL);
	assert_int_equal(cca_rim_data_hashed(&rim, 0x80001800ULL, 0, NULL), -EINVAL);
	/* REC: unknown flags. */
	assert_int_equal(cca_rim_rec(&rim, 2, TEST_PC, NULL), -EINVAL);
	assert_int_equal(cca_rim_rec(&rim, 3, TEST_PC, NULL), -EINVAL);
	/* RIPAS: top <= base, alignment, above the protected half. */
	assert_int_equal(cca_rim_ripas(&rim, 0x80200000ULL, 0x80200000ULL), -EINVAL);
	assert_int_equal(cca_rim_ripas(&rim, 0x80200000ULL, 0x80000000ULL), -EINVAL);
	assert_int_equal(cca_rim_ripas(&rim, 0x80000800ULL, 0x80200000ULL), -EINVAL);
	assert_int_equal(cca_rim_ripas(&rim, 0x80000000ULL, 0x80200010ULL), -EINVAL);
	assert_int_equal(cca_rim_ripas(&rim, 0xfffff000ULL, 0x100001000ULL), -EINVAL);
	assert_memory_equal(&rim, &before, sizeof(rim));
	/* The boundary itself is fine: last granule below 2^32. */
	assert_int_equal(cca_rim_data(&rim, 0xfffff000ULL, 0, NULL), 0);
	assert_int_equal(rim.nr_data, 2);
}

static void bad_realms(void **state)
{
	(void)state;
	struct cca_rim_realm good = kat_realm(), r;
	struct cca_rim rim, before;
	uint8_t img[G];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &good);
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, zero_granule), 0);
	before = rim;

#define REFUSED(model, initial, mutate)                                            \
	do {                                                                       \
		r = good;                                                          \
		mutate;                                                            \
		assert_int_equal(cca_rim_init(&rim, model, initial, &r), -EINVAL); \
		assert_memory_equal(&rim, &before, sizeof(rim));                   \
	} while (0)
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.size = sizeof(r) - 8);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.size = 0);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.reserved0 = 1);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.reserved1[1] = 1);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.reserved[4] = 1);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.flags = CCA_RMI_REALM_FLAG_DA);
	REFUSED(CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, r.flags = 1ULL << 4);
	REFUSED(CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, r.flags = 1ULL << 63);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.hash_algo = CCA_RMI_HASH_SHA_384);
	REFUSED(CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, r.hash_algo = 3);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.s2sz = CCA_RIM_S2SZ_MIN - 1);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.s2sz = CCA_RIM_S2SZ_MAX + 1);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.sve_vl = 16);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.num_bps = 64);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.num_wps = 64);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, r.pmu_num_ctrs = 32);
	REFUSED((enum cca_rim_model)0, CCA_RIM_INIT_PARAMS, (void)0);
	REFUSED((enum cca_rim_model)3, CCA_RIM_INIT_PARAMS, (void)0);
	REFUSED(CCA_RIM_RMM2, (enum cca_rim_initial)2, (void)0);
	REFUSED(CCA_RIM_RMM1, CCA_RIM_INIT_ZERO, (void)0);
#undef REFUSED
	assert_int_equal(cca_rim_init(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, NULL), -EINVAL);
	assert_int_equal(cca_rim_init(NULL, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &good), -EINVAL);
	assert_memory_equal(&rim, &before, sizeof(rim));

	/* The boundaries are accepted; DA only in RMM 2.0. */
	r = good;
	r.s2sz = CCA_RIM_S2SZ_MAX;
	r.sve_vl = 15;
	r.num_bps = 63;
	r.pmu_num_ctrs = 31;
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	r = good;
	r.flags = CCA_RIM_RMM2_REALM_FLAGS;
	init_ok(&rim, CCA_RIM_RMM2, CCA_RIM_INIT_PARAMS, &r);

	/* The image refuses what no model accepts, and leaves @image alone. */
	memset(img, 0xCC, sizeof(img));
	r = good;
	r.hash_algo = 3;
	assert_int_equal(cca_rim_params_image(&r, img), -EINVAL);
	r = good;
	r.reserved[0] = 1;
	assert_int_equal(cca_rim_params_image(&r, img), -EINVAL);
	assert_int_equal(img[0x008], 0xCC);
	assert_int_equal(cca_rim_params_image(NULL, img), -EINVAL);
	assert_int_equal(cca_rim_params_image(&good, NULL), -EINVAL);
}

static void hex_buffer(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	char buf[CCA_RIM_HEX_MAX];
	uint8_t out[64];

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	strcpy(buf, "untouched");
	assert_int_equal(cca_rim_hex(&rim, buf, 64), -ENOSPC);
	assert_string_equal(buf, "untouched");
	assert_int_equal(cca_rim_hex(&rim, buf, 65), 64);
	assert_string_equal(buf, KAT_CREATE);
	assert_int_equal(cca_rim_hex(&rim, NULL, 65), -EINVAL);
	assert_int_equal(cca_rim_get(&rim, NULL, NULL), -EINVAL);
	/* The 64-byte slot holds the digest then zeros. */
	assert_int_equal(cca_rim_get(&rim, out, NULL), 0);
	assert_int_equal(out[0], 0x39);
	assert_int_equal(out[31], 0x76);
	for (int i = 32; i < 64; i++)
		assert_int_equal(out[i], 0);
}

/* ---- libcca realm parameters ------------------------------------------------ */

static struct cca_realm_params lib_params(void)
{
	struct cca_realm_params p;
	cca_realm_params_init(&p);
	p.ipa_bits = 33;
	p.num_bps = 2;
	p.num_wps = 2;
	return p;
}

static void realm_from_params(void **state)
{
	(void)state;
	struct cca_realm_params p = lib_params();
	struct cca_rim_realm r, want = kat_realm(), untouched;
	struct cca_rim rim;

	/* The KAT's parameters, from libcca's units. */
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), 0);
	assert_memory_equal(&r, &want, sizeof(r));
	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	assert_hex(&rim, KAT_CREATE);

	/* SVE 2048 bits, PMU with 8 counters, 6/4 debug registers, SHA-512. */
	p.ipa_bits = 48;
	p.sve_vl = 256;
	p.flags = CCA_REALM_F_PMU;
	p.pmu_counters = 8;
	p.num_bps = 6;
	p.num_wps = 4;
	p.hash_algo = CCA_HASH_SHA512;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), 0);
	assert_int_equal(r.flags, CCA_RMI_REALM_FLAG_SVE | CCA_RMI_REALM_FLAG_PMU);
	assert_int_equal(r.s2sz, 48);
	assert_int_equal(r.sve_vl, 15);
	assert_int_equal(r.pmu_num_ctrs, 8);
	assert_int_equal(r.num_bps, 5);
	assert_int_equal(r.num_wps, 3);
	assert_int_equal(r.hash_algo, CCA_RMI_HASH_SHA_512);
	assert_int_equal(r.size, sizeof(r));
	p.sve_vl = 16;
	p.hash_algo = CCA_HASH_SHA384;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), 0);
	assert_int_equal(r.sve_vl, 0);
	assert_int_equal(r.hash_algo, CCA_RMI_HASH_SHA_384);
	p.hash_algo = CCA_HASH_SHA256;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), 0);
	assert_int_equal(r.hash_algo, CCA_RMI_HASH_SHA_256);
	/* PMU with 0 counters: KVM writes N = 0, so it is predictable. */
	p.pmu_counters = 0;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), 0);
	assert_int_equal(r.flags & CCA_RMI_REALM_FLAG_PMU, CCA_RMI_REALM_FLAG_PMU);
	assert_int_equal(r.pmu_num_ctrs, 0);

	/* 0 breakpoints/watchpoints: the RMM's maximum, only if given. */
	p = lib_params();
	p.num_bps = 0;
	memset(&untouched, 0xAB, sizeof(untouched));
	r = untouched;
	assert_int_equal(cca_rim_realm_from_params(&p, 0, 0, &r), -EINVAL);
	assert_memory_equal(&r, &untouched, sizeof(r));
	assert_int_equal(cca_rim_realm_from_params(&p, 16, 0, &r), 0);
	assert_int_equal(r.num_bps, 15);
	assert_int_equal(r.num_wps, 1); /* given: the default is not used */
	assert_int_equal(cca_rim_realm_from_params(&p, 1, 16, &r), -EINVAL);
	assert_int_equal(cca_rim_realm_from_params(&p, 17, 16, &r), -EINVAL);
	p = lib_params();
	p.num_wps = 0;
	assert_int_equal(cca_rim_realm_from_params(&p, 16, 0, &r), -EINVAL);
	assert_int_equal(cca_rim_realm_from_params(&p, 16, 6, &r), 0);
	assert_int_equal(r.num_wps, 5);
	assert_int_equal(r.num_bps, 1);
}

static void realm_from_params_refused(void **state)
{
	(void)state;
	struct cca_realm_params p;
	struct cca_rim_realm r, untouched;

	memset(&untouched, 0xAB, sizeof(untouched));
	r = untouched;
#define REFUSED(mutate)                                                             \
	do {                                                                        \
		p = lib_params();                                                   \
		mutate;                                                             \
		assert_int_equal(cca_rim_realm_from_params(&p, 4, 4, &r), -EINVAL); \
		assert_memory_equal(&r, &untouched, sizeof(r));                     \
	} while (0)
	REFUSED(p.size = 0);
	REFUSED(p.flags = 2);
	REFUSED(p.reserved[13] = 1);
	REFUSED(p.ipa_bits = 31);
	REFUSED(p.ipa_bits = 53);
	REFUSED(p.sve_vl = 24);
	REFUSED(p.sve_vl = 272);
	REFUSED(p.num_bps = 1);
	REFUSED(p.num_wps = 17);
	REFUSED(p.pmu_counters = 3); /* without CCA_REALM_F_PMU */
	REFUSED((p.flags = CCA_REALM_F_PMU, p.pmu_counters = 32));
	REFUSED(p.hash_algo = 4);
#undef REFUSED
	p = lib_params();
	assert_int_equal(cca_rim_realm_from_params(NULL, 4, 4, &r), -EINVAL);
	assert_int_equal(cca_rim_realm_from_params(&p, 4, 4, NULL), -EINVAL);
}

/* ---- names ------------------------------------------------------------------- */

static void names_and_models(void **state)
{
	(void)state;
	assert_int_equal(cca_rim_digest_len(CCA_RMI_HASH_SHA_256), 32);
	assert_int_equal(cca_rim_digest_len(CCA_RMI_HASH_SHA_512), 64);
	assert_int_equal(cca_rim_digest_len(CCA_RMI_HASH_SHA_384), 48);
	assert_int_equal(cca_rim_digest_len(3), -EINVAL);
	assert_string_equal(cca_rim_hash_name(CCA_RMI_HASH_SHA_256), "sha256");
	assert_string_equal(cca_rim_hash_name(CCA_RMI_HASH_SHA_512), "sha512");
	assert_string_equal(cca_rim_hash_name(CCA_RMI_HASH_SHA_384), "sha384");
	assert_string_equal(cca_rim_hash_name(99), "unknown");
	assert_string_equal(cca_rim_model_name(CCA_RIM_RMM1), "rmm1");
	assert_string_equal(cca_rim_model_name(CCA_RIM_RMM2), "rmm2");
	assert_string_equal(cca_rim_model_name((enum cca_rim_model)0), "unknown");
	assert_string_equal(cca_rim_initial_name(CCA_RIM_INIT_PARAMS), "params");
	assert_string_equal(cca_rim_initial_name(CCA_RIM_INIT_ZERO), "zero");
	assert_string_equal(cca_rim_initial_name((enum cca_rim_initial)7), "unknown");
	assert_string_equal(cca_rim_op_name(CCA_RIM_OP_REALM), "realm");
	assert_string_equal(cca_rim_op_name(CCA_RIM_OP_DATA), "data");
	assert_string_equal(cca_rim_op_name(CCA_RIM_OP_REC), "rec");
	assert_string_equal(cca_rim_op_name(CCA_RIM_OP_RIPAS), "ripas");
	assert_string_equal(cca_rim_op_name((enum cca_rim_op)0), "unknown");
	assert_int_equal(cca_rim_model_for_rev(CCA_ABI_V12), CCA_RIM_RMM1);
	assert_int_equal(cca_rim_model_for_rev(CCA_ABI_V13), CCA_RIM_RMM2);
	assert_int_equal(cca_rim_model_for_rev(CCA_ABI_V14), CCA_RIM_RMM2);
	assert_int_equal(cca_rim_model_for_rev(CCA_ABI_V15), CCA_RIM_RMM2);
	assert_int_equal(cca_rim_model_for_rev(CCA_ABI_UNKNOWN), -EINVAL);
	assert_int_equal(cca_rim_model_for_rev((enum cca_abi_rev)16), -EINVAL);
	/* The descriptor types and slot sizes the reference gives. */
	assert_int_equal(CCA_RIM_DESC_DATA, 0);
	assert_int_equal(CCA_RIM_DESC_REC, 1);
	assert_int_equal(CCA_RIM_DESC_RIPAS, 2);
	assert_int_equal(CCA_RIM_SLOT_SIZE, 64);
	assert_int_equal(CCA_RIM_DESC_SIZE, 256);
	assert_int_equal(CCA_RIM_GRANULE_SIZE, 4096);
	assert_int_equal(sizeof(struct cca_rim_realm), 64);
}

/* ---- libcrypto failures ---------------------------------------------------------
 *
 * tests/meson.build links this test with -Wl,--wrap=EVP_MD_CTX_new (and
 * _free, DigestInit_ex, DigestUpdate, DigestFinal_ex): the calls of
 * lib/measure.c land here, the test's own EVP_Digest() does not.
 */

enum evp_fail {
	EVP_NO_FAIL,
	EVP_FAIL_NEW,
	EVP_FAIL_INIT,
	EVP_FAIL_UPDATE,
	EVP_FAIL_FINAL
};

static enum evp_fail evp_fail; /* the next such call fails once */
static atomic_int evp_new_calls; /* contexts lib/measure.c allocated */
static atomic_int evp_live; /* ... and has not freed */

EVP_MD_CTX *__real_EVP_MD_CTX_new(void);
void __real_EVP_MD_CTX_free(EVP_MD_CTX *ctx);
int __real_EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
int __real_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int __real_EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
EVP_MD_CTX *__wrap_EVP_MD_CTX_new(void);
void __wrap_EVP_MD_CTX_free(EVP_MD_CTX *ctx);
int __wrap_EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int __wrap_EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);

static bool evp_failing(enum evp_fail which)
{
	if (evp_fail != which)
		return false;
	evp_fail = EVP_NO_FAIL;
	return true;
}

EVP_MD_CTX *__wrap_EVP_MD_CTX_new(void)
{
	if (evp_failing(EVP_FAIL_NEW))
		return NULL;
	EVP_MD_CTX *ctx = __real_EVP_MD_CTX_new();
	if (ctx) {
		atomic_fetch_add(&evp_new_calls, 1);
		atomic_fetch_add(&evp_live, 1);
	}
	return ctx;
}

void __wrap_EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	if (ctx)
		atomic_fetch_sub(&evp_live, 1);
	__real_EVP_MD_CTX_free(ctx);
}

int __wrap_EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
	return evp_failing(EVP_FAIL_INIT) ? 0 : __real_EVP_DigestInit_ex(ctx, type, impl);
}

int __wrap_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	return evp_failing(EVP_FAIL_UPDATE) ? 0 : __real_EVP_DigestUpdate(ctx, d, cnt);
}

int __wrap_EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
	return evp_failing(EVP_FAIL_FINAL) ? 0 : __real_EVP_DigestFinal_ex(ctx, md, s);
}

/* Every EVP failure: an error, the measurement and outputs unchanged, the context freed. */
static void evp_failures(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim, ref, saved, fresh;
	uint8_t out[64], poison[64];
	static const uint64_t gprs[8] = { 1, 2, 3 };

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	init_ok(&ref, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	/* This thread now holds one context: the wrappers did see the calls. */
	assert_true(atomic_load(&evp_new_calls) > 0);
	int live = atomic_load(&evp_live);
	int made = atomic_load(&evp_new_calls);

	static const struct {
		enum evp_fail fail;
		int err;
	} cases[] = {
		{ EVP_FAIL_UPDATE, -EIO }, /* drops the cached context */
		{ EVP_FAIL_NEW, -ENOMEM }, /* so the next digest allocates */
		{ EVP_FAIL_INIT, -EIO },
		{ EVP_FAIL_FINAL, -EIO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		saved = rim;
		evp_fail = cases[i].fail;
		assert_int_equal(cca_rim_data(&rim, 0x80000000ULL + i * G, 1, odd_granule),
				 cases[i].err);
		assert_int_equal(evp_fail, EVP_NO_FAIL);
		assert_memory_equal(&rim, &saved, sizeof(rim));
		assert_int_equal(atomic_load(&evp_live), live - 1);
	}
	memset(poison, 0xa5, sizeof(poison));
	memcpy(out, poison, sizeof(out));
	evp_fail = EVP_FAIL_FINAL;
	assert_int_equal(cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, ramp_granule, out), -EIO);
	assert_memory_equal(out, poison, sizeof(out));
	evp_fail = EVP_FAIL_INIT;
	assert_int_equal(cca_rim_rec(&rim, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, gprs), -EIO);
	evp_fail = EVP_FAIL_UPDATE;
	assert_int_equal(cca_rim_ripas(&rim, 0x80000000ULL, 0x80200000ULL), -EIO);
	assert_memory_equal(&rim, &saved, sizeof(rim));
	memset(&fresh, 0x5a, sizeof(fresh));
	saved = fresh;
	evp_fail = EVP_FAIL_NEW;
	assert_int_equal(cca_rim_init(&fresh, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r), -ENOMEM);
	assert_memory_equal(&fresh, &saved, sizeof(fresh));
	assert_int_equal(atomic_load(&evp_live), live - 1);

	/* Then everything works again, as if the failed calls had never been made. */
	assert_int_equal(cca_rim_data(&rim, 0x80000000ULL, 1, odd_granule), 0);
	assert_int_equal(cca_rim_data(&ref, 0x80000000ULL, 1, odd_granule), 0);
	assert_int_equal(cca_rim_rec(&rim, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, gprs), 0);
	assert_int_equal(cca_rim_rec(&ref, CCA_RMI_REC_PARAMS_FLAG_RUNNABLE, TEST_PC, gprs), 0);
	assert_memory_equal(rim.rim, ref.rim, sizeof(rim.rim));
	assert_int_equal(rim.nr_ops, 2);
	assert_int_equal(atomic_load(&evp_live), live);
	/*
	 * Every failure after FAIL_UPDATE found no context, so it allocated one
	 * (FAIL_INIT, FAIL_FINAL, then the granule, REC and RIPAS failures: 5)
	 * and freed it again; the successes share one more.
	 */
	assert_int_equal(atomic_load(&evp_new_calls), made + 5 + 1);
}

/* A thread reuses one context for all its digests; it is freed when the thread exits. */
static void *hash_many(void *arg)
{
	uint8_t out[64];
	int *ok = arg;

	*ok = 1;
	for (int i = 0; i < 100; i++)
		if (cca_rim_hash_granule(CCA_RMI_HASH_SHA_512, odd_granule, out) != 64 ||
		    cca_rim_hash_granule(CCA_RMI_HASH_SHA_256, ramp_granule, out) != 32)
			*ok = 0;
	return NULL;
}

static void context_per_thread(void **state)
{
	(void)state;
	struct cca_rim_realm r = kat_realm();
	struct cca_rim rim;
	pthread_t t;
	int ok = 0;

	init_ok(&rim, CCA_RIM_RMM1, CCA_RIM_INIT_PARAMS, &r);
	int made = atomic_load(&evp_new_calls);
	int live = atomic_load(&evp_live);
	for (int i = 0; i < 100; i++)
		assert_int_equal(
			cca_rim_data(&rim, 0x80000000ULL + (uint64_t)i * G, 1, odd_granule), 0);
	assert_int_equal(atomic_load(&evp_new_calls), made);

	assert_int_equal(pthread_create(&t, NULL, hash_many, &ok), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(ok);
	assert_int_equal(atomic_load(&evp_new_calls), made + 1);
	assert_int_equal(atomic_load(&evp_live), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kat_sha256_chain),
		cmocka_unit_test(kat_rmm2_params_init),
		cmocka_unit_test(kat_via_hashed),
		cmocka_unit_test(hash_granule_all_algos),
		cmocka_unit_test(params_image_layout),
		cmocka_unit_test(data_measured_layout),
		cmocka_unit_test(data_unmeasured_layout),
		cmocka_unit_test(rec_image_layout),
		cmocka_unit_test(rec_runnable_layout),
		cmocka_unit_test(rec_not_runnable_unchanged),
		cmocka_unit_test(ripas_rmm1_layout),
		cmocka_unit_test(rmm2_ignores_ripas),
		cmocka_unit_test(rmm2_zero_init),
		cmocka_unit_test(sha512_chain),
		cmocka_unit_test(sha384_padding),
		cmocka_unit_test(order_matters),
		cmocka_unit_test(step_callback),
		cmocka_unit_test(step_callback_rmm2),
		cmocka_unit_test(callback_installation),
		cmocka_unit_test(not_initialised),
		cmocka_unit_test(bad_operations_leave_rim_unchanged),
		cmocka_unit_test(bad_realms),
		cmocka_unit_test(hex_buffer),
		cmocka_unit_test(realm_from_params),
		cmocka_unit_test(realm_from_params_refused),
		cmocka_unit_test(names_and_models),
		cmocka_unit_test(evp_failures),
		cmocka_unit_test(context_per_thread),
	};
	return cmocka_run_group_tests(tests, setup_granules, NULL);
}
