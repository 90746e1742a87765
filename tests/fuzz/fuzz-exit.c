// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: exit decoding (rmi/exit.h) from hostile bytes.
 *
 * Input: byte 0 selects the decoder (bit 0: 0 = cca_exit_decode() from a
 * struct kvm_run, 1 = cca_exit_decode_rec_exit() from a 2048-byte
 * RmiRecExit); byte 1 the run_ret class; bytes 2..5 a raw run_ret; byte 6
 * ipa_bits (raw, so also out of range); byte 7 the revision; byte 8 the
 * cca_exit_format() buffer size; the rest is copied over a zeroed kvm_run /
 * RmiRecExit. Checks the documented contract on the result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/cca.h>
#include <rmi/rmi.h>
#include <rmi/uapi.h>
#include "fuzz.h"

static const int run_rets[] = { 0, -EFAULT, -EAGAIN, -EINTR, -ENXIO, -EINVAL, -ENOEXEC, 1 };
static const enum cca_abi_rev revs[] = { CCA_ABI_V12, CCA_ABI_V13, CCA_ABI_V14, CCA_ABI_V15,
					 CCA_ABI_UNKNOWN };

static void check_format(const struct cca_exit *e, size_t small)
{
	char big[1024], buf[64];
	int full, part;

	memset(buf, 0x5a, sizeof(buf));
	full = cca_exit_format(e, big, sizeof(big));
	CHECK(full >= 0 && (size_t)full < sizeof(big));
	CHECK(strlen(big) == (size_t)full);
	CHECK(cca_exit_format(e, buf, 0) == -EINVAL);
	if (small == 0 || small > sizeof(buf))
		small = 1 + small % sizeof(buf);
	part = cca_exit_format(e, buf, small);
	CHECK(part == full);
	/* truncated to fit, always terminated, a prefix of the full line */
	CHECK(memchr(buf, '\0', small) != NULL);
	CHECK(strncmp(buf, big, strlen(buf)) == 0);
	CHECK(strlen(buf) == ((size_t)full < small ? (size_t)full : small - 1));
	for (size_t i = small; i < sizeof(buf); i++)
		CHECK(buf[i] == 0x5a); /* nothing written past @len */
	(void)cca_exit_name(e->kind);
	(void)cca_psci_fn_name(e->psci.fn);
}

static void check_result(int ret, const struct cca_exit *e, const struct cca_exit_ctx *ctx)
{
	if (ctx->ipa_bits < CCA_IPA_BITS_MIN || ctx->ipa_bits > CCA_IPA_BITS_MAX) {
		CHECK(ret == -EINVAL);
		return;
	}
	CHECK(ret == 0 || ret == -CCA_E_BAD_EXIT);
	if (ret) {
		CHECK(e->kind == CCA_EXIT_UNKNOWN);
		return;
	}
	CHECK(e->kind > CCA_EXIT_NONE && e->kind < CCA_EXIT_UNKNOWN);
	switch (e->kind) {
	case CCA_EXIT_MMIO:
		CHECK(e->mmio.len >= 1 && e->mmio.len <= 8);
		CHECK(e->mmio.is_write <= 1);
		/* the top bit is stripped: the address lies below the shared bit */
		CHECK(e->mmio.ipa < (1ULL << (ctx->ipa_bits - 1)));
		if (!e->mmio.is_write)
			CHECK(e->mmio.data == 0);
		break;
	case CCA_EXIT_RIPAS_CHANGE:
		CHECK(e->ripas.size != 0);
		CHECK(e->ripas.base + e->ripas.size > e->ripas.base);
		CHECK(e->ripas.base + e->ripas.size <= (1ULL << (ctx->ipa_bits - 1)));
		CHECK(e->ripas.ripas == CCA_RIPAS_RAM || e->ripas.ripas == CCA_RIPAS_EMPTY);
		break;
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SYSTEM_RESET:
		CHECK(e->system.ndata <= 16);
		break;
	case CCA_EXIT_FATAL:
		CHECK(e->error > 0);
		break;
	default:
		break;
	}
	if (e->kind != CCA_EXIT_FATAL)
		CHECK(e->error == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cca_exit_ctx ctx;
	struct cca_exit e;
	uint8_t hdr[9] = { 0 };
	int run_ret, ret;
	int32_t raw;

	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	data += size < sizeof(hdr) ? size : sizeof(hdr);
	size -= size < sizeof(hdr) ? size : sizeof(hdr);

	memcpy(&raw, hdr + 2, sizeof(raw));
	run_ret = (hdr[1] & 0x0f) < 8 ? run_rets[hdr[1] & 7] : (hdr[1] & 0x0f) < 12 ? -(raw & 0xfff) : raw;
	ctx.ipa_bits = hdr[6] & 0x80 ? hdr[6] : CCA_IPA_BITS_MIN + hdr[6] % (CCA_IPA_BITS_MAX - CCA_IPA_BITS_MIN + 1);
	ctx.revision = hdr[7] < 0xf0 ? revs[hdr[7] % 5] : (enum cca_abi_rev)hdr[7];

	if (hdr[0] & 1) {
		/* the RMM's exit page: exactly 2048 bytes, zero-padded */
		struct cca_rmi_rec_exit *rx = calloc(1, sizeof(*rx));

		if (!rx)
			return 0;
		memcpy(rx, data, size < sizeof(*rx) ? size : sizeof(*rx));
		ret = cca_exit_decode_rec_exit(rx, &ctx, &e);
		check_result(ret, &e, &ctx);
		if (ret == 0)
			CHECK(e.flags & CCA_EXIT_F_FROM_REC_EXIT);
		free(rx);
	} else {
		/* a heap copy of exactly sizeof(struct kvm_run) so ASan sees overreads */
		struct kvm_run *run = calloc(1, sizeof(*run));

		if (!run)
			return 0;
		memcpy(run, data, size < sizeof(*run) ? size : sizeof(*run));
		ret = cca_exit_decode(run, run_ret, &ctx, &e);
		check_result(ret, &e, &ctx);
		free(run);
	}
	check_format(&e, hdr[8]);
	return 0;
}
