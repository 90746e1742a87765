// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the arm64 Image header parser (cca_image_parse()) and
 * launch plans made from a hostile kernel blob (cca_launch_plan_create()).
 *
 * Input: the whole input is first given to cca_image_parse() as an Image.
 * Then, if it is at least 16 bytes long, the first 16 bytes are launch
 * parameters (RAM size in 2 MiB units or raw, vCPUs, IPA bits, revision,
 * PSCI routing, SVE, PMU, RIM model/initial, a command line choice) and the
 * rest is the kernel blob of a plan, which is created, inspected and
 * destroyed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/cca.h>
#include "fuzz.h"

#define PARAMS 16

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void parse_image(const uint8_t *data, size_t size)
{
	struct cca_image_info info, before;
	char err[128];
	int ret;

	memset(&info, 0xa5, sizeof(info));
	before = info;
	err[0] = '\0';
	ret = cca_image_parse(data, size, &info, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		CHECK(memcmp(&info, &before, sizeof(info)) == 0); /* untouched on failure */
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		return;
	}
	CHECK(size >= CCA_IMAGE_HEADER_SIZE);
	CHECK(info.file_size == size);
	CHECK(info.image_size >= info.file_size);
	CHECK(info.text_offset % 4096 == 0 && info.text_offset < (1ULL << 30));
	CHECK(info.page_size == 0 || info.page_size == 4096 || info.page_size == 16384 ||
	      info.page_size == 65536);
	CHECK(info.legacy <= 1 && info.anywhere <= 1);
	/* a short error buffer, and none */
	(void)cca_image_parse(data, size, &info, err, 1);
	(void)cca_image_parse(data, size, &info, NULL, 0);
}

static void plan(const uint8_t *p, const uint8_t *kernel, size_t kernel_len)
{
	static const enum cca_abi_rev revs[] = { CCA_ABI_V12, CCA_ABI_V13, CCA_ABI_V14,
						 CCA_ABI_V15 };
	static const char *const cmdlines[] = { NULL, "", "console=ttyAMA0 earlycon",
						"a=\"quoted\" b" };
	struct cca_launch_params lp;
	struct cca_launch_plan *pl = NULL;
	char err[96];
	int ret;

	cca_launch_params_init(&lp);
	lp.revision = p[0] & 0x80 ? (enum cca_abi_rev)(p[0] & 0x7f) : revs[p[0] % 4];
	lp.kernel = kernel;
	lp.kernel_len = kernel_len;
	/* RAM: mostly 2 MiB multiples up to 8 GiB; sometimes any 48-bit value */
	if (p[1] & 0x80)
		lp.ram_size = le64(p + 8) & ((1ULL << 48) - 1);
	else
		lp.ram_size = ((uint64_t)(p[1] & 0x7f) << 8 | p[2]) << 21;
	lp.nr_vcpus = p[3] & 0x80 ? (uint32_t)p[3] << 3 : p[3];
	lp.ipa_bits = p[4] & 0x80 ? 0 : p[4] & 0x3f;
	lp.psci = p[5] & 3;
	lp.sve_vl = p[5] & 4 ? (uint32_t)(p[6] & 0x1f) * 16 : 0;
	lp.pmu_counters = p[5] & 8 ? p[6] >> 3 : 0;
	lp.rim_model = (p[5] >> 4) & 3;
	lp.rim_initial = (p[5] >> 6) & 1;
	lp.cmdline = cmdlines[p[7] & 3];
	if (p[7] & 4)
		lp.ram_base = (uint64_t)p[7] << 24;
	if (p[7] & 8)
		lp.num_bps = p[7] >> 4;
	err[0] = '\0';
	ret = cca_launch_plan_create(&lp, &pl, err, sizeof(err));
	if (ret) {
		CHECK(ret < 0 && pl == NULL);
		CHECK(memchr(err, '\0', sizeof(err)));
		return;
	}
	CHECK(pl != NULL);
	const struct cca_launch_layout *l = cca_launch_plan_layout(pl);
	CHECK(l && l->nr_vcpus >= 1);
	CHECK(l->kernel_load + l->kernel_reserved <= l->ram_base + l->ram_size);
	CHECK(l->kernel_load >= l->ram_base);
	CHECK(l->dtb_addr + l->dtb_size <= l->ram_base + l->ram_size);
	CHECK(l->ipa_bits >= 32 && l->ipa_bits <= 52);
	CHECK(l->ram_base + l->ram_size <= (1ULL << (l->ipa_bits - 1)));

	const void *dtb = NULL;
	size_t dtb_len = 0, rim_len = 0;
	uint8_t rim[64];

	CHECK(cca_launch_plan_dtb(pl, &dtb, &dtb_len) == 0 && dtb && dtb_len > 0);
	CHECK(cca_launch_plan_rim(pl, rim, &rim_len) == 0 && rim_len > 0 && rim_len <= 64);
	struct cca_realm_params rp;

	cca_launch_realm_params(pl, &rp);

	const struct cca_launch_op *ops = NULL;
	size_t n = cca_launch_plan_ops(pl, &ops);
	volatile uint8_t sink = 0;

	CHECK(n > 0 && ops);
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind != CCA_LAUNCH_OP_POPULATE)
			continue;
		const uint8_t *src = ops[i].src;

		CHECK(src && ops[i].len && ops[i].len % 4096 == 0 && (uintptr_t)src % 4096 == 0);
		CHECK(ops[i].gpa >= l->ram_base && ops[i].gpa + ops[i].len <= l->ram_base + l->ram_size);
		sink ^= src[0] ^ src[ops[i].len - 1]; /* ASan: the whole range is owned */
	}
	(void)sink;
	cca_launch_plan_destroy(pl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_image(data, size);
	if (size >= PARAMS + CCA_IMAGE_HEADER_SIZE)
		plan(data, data + PARAMS, size - PARAMS);
	return 0;
}
