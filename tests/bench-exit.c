// SPDX-License-Identifier: MIT
/*
 * Description: exit decoding benchmark (issue 6). Decode plus dispatch cost
 * per exit, over the same kvm_run buffers, in this one process:
 *
 *   hand    a hand-written switch reading the fields a dispatcher needs
 *           (the baseline)
 *   call    cca_exit_decode() from libcca.so (through the PLT, as a VMM
 *           links it), then a switch on the decoded kind
 *   inline  cca_exit_decode_inline() (<rmi/exit-inline.h>), then the same
 *           switch
 *
 * Linked against the shared library on purpose: the call's cost is the one a
 * VMM pays. Prints ns/exit and the ratios against the baseline (best of 7
 * rounds each, interleaved); exits 0 when the inline form is within 1.2x of
 * the hand-written switch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rmi/cca.h>
#include <rmi/exit-inline.h>

#define NRUNS 64
#define IPA_BITS 33

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 40% MMIO (reads and writes), 20% PSCI, 20% shutdown, 20% RIPAS changes. */
static void fill_runs(struct kvm_run *runs, int *rets)
{
	memset(runs, 0, NRUNS * sizeof(*runs));
	for (int i = 0; i < NRUNS; i++) {
		struct kvm_run *r = &runs[i];

		rets[i] = 0;
		switch (i % 5) {
		case 0:
		case 1:
			r->exit_reason = KVM_EXIT_MMIO;
			r->mmio.phys_addr = 0x9000000 + (uint64_t)i * 8;
			r->mmio.len = 4;
			r->mmio.is_write = i % 2;
			r->mmio.data[0] = (uint8_t)i;
			break;
		case 2:
			r->exit_reason = KVM_EXIT_HYPERCALL;
			r->hypercall.nr = i % 2 ? CCA_PSCI_CPU_ON_64 : CCA_PSCI_AFFINITY_INFO_64;
			break;
		case 3:
			r->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			r->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
			break;
		default: {
			struct cca_kvm_memory_fault mf = { KVM_MEMORY_EXIT_FLAG_PRIVATE,
							   0x80000000ULL + (uint64_t)i * 4096,
							   4096 };
			r->exit_reason = KVM_EXIT_MEMORY_FAULT;
			memcpy((char *)r + offsetof(struct kvm_run, mmio), &mf, sizeof(mf));
			rets[i] = -EFAULT;
		}
		}
	}
}

/* What a VMM's own decoder does: switch on the reason, read the fields. */
static uint64_t by_hand(const struct kvm_run *r, int ret)
{
	if (ret == -EFAULT && r->exit_reason == KVM_EXIT_MEMORY_FAULT) {
		struct cca_kvm_memory_fault mf;

		memcpy(&mf, (const char *)r + offsetof(struct kvm_run, mmio), sizeof(mf));
		return mf.gpa + mf.size + mf.flags;
	}
	switch (r->exit_reason) {
	case KVM_EXIT_MMIO: {
		uint64_t d = 0;

		if (r->mmio.len > 8)
			return 0;
		memcpy(&d, r->mmio.data, r->mmio.len);
		return r->mmio.phys_addr + d + r->mmio.is_write;
	}
	case KVM_EXIT_HYPERCALL:
		return r->hypercall.nr;
	case KVM_EXIT_SYSTEM_EVENT:
		return r->system_event.type;
	default:
		return 0;
	}
}

/* The dispatch a VMM writes on a decoded exit. */
static inline uint64_t dispatch(const struct cca_exit *e)
{
	switch (e->kind) {
	case CCA_EXIT_MMIO:
		return e->mmio.ipa + e->mmio.data + e->mmio.is_write;
	case CCA_EXIT_PSCI:
		return e->psci.fid;
	case CCA_EXIT_SYSTEM_OFF:
		return e->system.type;
	case CCA_EXIT_RIPAS_CHANGE:
		return e->ripas.base + e->ripas.size + e->ripas.ripas;
	default:
		return 0;
	}
}

static uint64_t by_call(const struct kvm_run *r, int ret, const struct cca_exit_ctx *ctx)
{
	struct cca_exit e;

	if (cca_exit_decode(r, ret, ctx, &e))
		return 0;
	return dispatch(&e);
}

static uint64_t by_inline(const struct kvm_run *r, int ret, const struct cca_exit_ctx *ctx)
{
	struct cca_exit e;

	if (cca_exit_decode_inline(r, ret, ctx, &e))
		return 0;
	return dispatch(&e);
}

int main(void)
{
	static struct kvm_run runs[NRUNS];
	static int rets[NRUNS];
	const struct cca_exit_ctx ctx = { .ipa_bits = IPA_BITS, .revision = CCA_ABI_V13 };
	const long iters = 200000;
	double best[3] = { 1e9, 1e9, 1e9 };
	uint64_t sums[3] = { 0, 0, 0 };
	volatile uint64_t sink = 0;

	fill_runs(runs, rets);
	for (int round = 0; round < 7; round++) {
		double t[4];

		t[0] = now();
		for (long n = 0; n < iters; n++)
			for (int i = 0; i < NRUNS; i++)
				sums[0] += by_hand(&runs[i], rets[i]);
		t[1] = now();
		for (long n = 0; n < iters; n++)
			for (int i = 0; i < NRUNS; i++)
				sums[1] += by_call(&runs[i], rets[i], &ctx);
		t[2] = now();
		for (long n = 0; n < iters; n++)
			for (int i = 0; i < NRUNS; i++)
				sums[2] += by_inline(&runs[i], rets[i], &ctx);
		t[3] = now();
		for (int k = 0; k < 3; k++)
			if (t[k + 1] - t[k] < best[k])
				best[k] = t[k + 1] - t[k];
	}
	sink = sums[0] + sums[1] + sums[2];
	(void)sink;
	/* The decoders must have decoded: same facts out, same sums. */
	if (sums[1] != sums[2] || sums[1] == 0) {
		fprintf(stderr, "bench-exit: call and inline decoders disagree\n");
		return 2;
	}

	double per = 1e9 / ((double)iters * NRUNS);
	printf("decode+dispatch per exit: hand-written switch %.2f ns, cca_exit_decode() %.2f ns "
	       "(%.2fx), cca_exit_decode_inline() %.2f ns (%.2fx)\n",
	       best[0] * per, best[1] * per, best[1] / best[0], best[2] * per, best[2] / best[0]);
	return best[2] <= 1.2 * best[0] ? 0 : 1;
}
