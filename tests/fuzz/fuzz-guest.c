// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the simulator's guest-script parser (lib/sim/guest.h)
 * and a few steps of execution with hostile host responses.
 *
 * Input: a guest script, optionally followed by a NUL byte and "response"
 * bytes. The whole input is parsed first (a script containing NUL must be
 * refused). If that fails and there is a NUL, the part before it is parsed
 * as the script. A parsed script is then run on a few vCPUs for a bounded
 * number of sim_cpu_next() calls, each answered with registers, RIPAS
 * acceptance and progress taken from the response bytes (zeros when they
 * run out).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/rmi.h>

#include "sim/guest.h"
#include "fuzz.h"

#define MAX_STEPS 256
#define MAX_CPUS 4

struct bytes {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct bytes *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

static uint64_t take64(struct bytes *b)
{
	uint8_t sel = take8(b);
	uint64_t v = 0;

	/* small values are the interesting PSCI results; sometimes a full word */
	switch (sel & 3) {
	case 0: return 0;
	case 1: return (uint64_t)(int64_t)(int8_t)take8(b);
	case 2: return (uint64_t)-(int64_t)(sel >> 2);
	default:
		for (int i = 0; i < 8; i++)
			v = v << 8 | take8(b);
		return v;
	}
}

static void check_event(const struct sim_event *ev, const struct sim_guest *g)
{
	CHECK(ev->kind >= SIM_EV_MMIO && ev->kind <= SIM_EV_FAIL);
	CHECK(memchr(ev->msg, '\0', sizeof(ev->msg)) != NULL);
	(void)sim_ev_kind_name(ev->kind);
	switch (ev->kind) {
	case SIM_EV_MMIO:
		CHECK(ev->is_write == 0 || ev->is_write == 1);
		CHECK(ev->len <= 255);
		(void)g;
		break;
	case SIM_EV_RIPAS:
		break;
	case SIM_EV_FAIL:
		CHECK(ev->msg[0] != '\0');
		break;
	default:
		break;
	}
}

static void run(const struct sim_guest *g, struct bytes *resp)
{
	unsigned int ncpus = 1 + take8(resp) % MAX_CPUS;

	for (unsigned int i = 0; i < ncpus; i++) {
		struct sim_cpu *c = NULL;
		struct sim_event ev, first;
		struct sim_response r;
		unsigned int index = i == 0 ? 0 : take8(resp);

		if (sim_cpu_new(g, index, &c))
			return;
		CHECK(sim_cpu_index(c) == index);
		/* never started: IDLE */
		CHECK(sim_cpu_next(c, NULL, &ev) == 0 && ev.kind == SIM_EV_IDLE);
		sim_cpu_start(c, take64(resp), take64(resp));
		for (int step = 0; step < MAX_STEPS; step++) {
			memset(&r, 0, sizeof(r));
			for (int k = 0; k < 4; k++)
				r.gprs[k] = take64(resp);
			r.ripas_accepted = take8(resp) & 1;
			r.ripas_top = take64(resp);
			if (ev.kind == SIM_EV_RIPAS && (take8(resp) & 1)) {
				/* a plausible partial application */
				r.ripas_accepted = 1;
				r.ripas_top = ev.ripas_base +
					      ((ev.ripas_top - ev.ripas_base) >> (take8(resp) & 7));
			}
			CHECK(sim_cpu_next(c, step == 0 ? NULL : &r, &ev) == 0);
			check_event(&ev, g);
			if (ev.kind == SIM_EV_IDLE || ev.kind == SIM_EV_FAIL) {
				/* final until the next start */
				first = ev;
				CHECK(sim_cpu_next(c, &r, &ev) == 0);
				CHECK(ev.kind == first.kind && ev.line == first.line);
				break;
			}
		}
		/* restart once mid-program: everything forgotten */
		if (take8(resp) & 1) {
			sim_cpu_start(c, 0, 0);
			CHECK(sim_cpu_next(c, NULL, &ev) == 0);
			check_event(&ev, g);
		}
		sim_cpu_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_guest *g = NULL;
	struct sim_guest_error err;
	const uint8_t *nul = memchr(data, '\0', size);
	struct bytes resp = { NULL, 0 };
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = sim_guest_parse((const char *)data, size, &g, &err);
	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (nul) {
		CHECK(ret != 0); /* NUL bytes are refused */
		if (g)
			sim_guest_free(g);
		g = NULL;
		resp.p = nul + 1;
		resp.n = size - (size_t)(nul + 1 - data);
		memset(&err, 0x5a, sizeof(err));
		ret = sim_guest_parse((const char *)data, (size_t)(nul - data), &g, &err);
		CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	}
	if (ret == -EINVAL) {
		CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		CHECK(err.line >= 1 && err.col >= 1);
		return 0;
	}
	if (ret)
		return 0;
	CHECK(g != NULL);
	{
		unsigned bits = sim_guest_ipa_bits(g);
		uint64_t uart;

		CHECK(bits == 0 || (bits >= 32 && bits <= 52));
		(void)sim_guest_uart(g, &uart);
	}
	run(g, &resp);
	sim_guest_free(g);
	return 0;
}
