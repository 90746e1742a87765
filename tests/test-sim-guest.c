// SPDX-License-Identifier: MIT
/*
 * Description: the simulated backend's guest programs (lib/sim/guest.c):
 * every statement parses and produces the events it documents; every
 * malformed script is refused with -EINVAL at the right line and column;
 * mutated scripts never crash the parser or the interpreter; failed checks
 * name their script line; secondaries check their start state; the built-in
 * Linux-like guest boots 1, 4 and 512 vCPUs against a small model host; the
 * example scripts under examples/guests/ parse and run.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SHARED40 (1ULL << 39)

/* ---- helpers ------------------------------------------------------------------- */

static struct sim_guest *parse_ok(const char *text)
{
	struct sim_guest_error err;
	struct sim_guest *g = NULL;
	int r = sim_guest_parse(text, strlen(text), &g, &err);

	if (r)
		print_error("unexpected parse error %d at %u:%u: %s\n", r, err.line, err.col,
			    err.msg);
	assert_int_equal(r, 0);
	assert_non_null(g);
	return g;
}

static void check_err(const char *text, size_t len, unsigned line, unsigned col, const char *frag)
{
	struct sim_guest_error err;
	struct sim_guest *g = (struct sim_guest *)&err; /* must be overwritten with NULL */
	int r = sim_guest_parse(text, len, &g, &err);

	if (r != -EINVAL || err.line != line || err.col != col || !strstr(err.msg, frag))
		print_error("script:\n%.*s\n-> %d at %u:%u: \"%s\"; wanted %u:%u \"%s\"\n",
			    (int)len, text, r, err.line, err.col, err.msg, line, col, frag);
	assert_int_equal(r, -EINVAL);
	assert_null(g);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
	assert_non_null(strstr(err.msg, frag));
}

static void bad(const char *text, unsigned line, unsigned col, const char *frag)
{
	check_err(text, strlen(text), line, col, frag);
}

static struct sim_cpu *cpu_of(const struct sim_guest *g, unsigned index)
{
	struct sim_cpu *c = NULL;

	assert_int_equal(sim_cpu_new(g, index, &c), 0);
	assert_non_null(c);
	return c;
}

static struct sim_event ev_next(struct sim_cpu *c, const struct sim_response *resp)
{
	struct sim_event ev;

	memset(&ev, 0xa5, sizeof(ev)); /* everything must be overwritten */
	assert_int_equal(sim_cpu_next(c, resp, &ev), 0);
	assert_true(memchr(ev.msg, '\0', sizeof(ev.msg)) != NULL);
	return ev;
}

static struct sim_response resp_x0(uint64_t x0)
{
	struct sim_response r;

	memset(&r, 0, sizeof(r));
	r.gprs[0] = x0;
	return r;
}

static struct sim_response resp_ripas(int accepted, uint64_t top)
{
	struct sim_response r;

	memset(&r, 0, sizeof(r));
	r.ripas_accepted = accepted;
	r.ripas_top = top;
	return r;
}

static void expect_mmio(const struct sim_event *ev, unsigned line, uint64_t ipa, uint32_t len,
			int is_write, uint64_t data)
{
	if (ev->kind != SIM_EV_MMIO)
		print_error("event %s line %u \"%s\"; wanted MMIO line %u\n",
			    sim_ev_kind_name(ev->kind), ev->line, ev->msg, line);
	assert_int_equal(ev->kind, SIM_EV_MMIO);
	assert_int_equal(ev->line, line);
	assert_int_equal(ev->ipa, ipa);
	assert_int_equal(ev->len, len);
	assert_int_equal(ev->is_write, is_write);
	assert_int_equal(ev->data, data);
}

static void expect_psci(const struct sim_event *ev, unsigned line, uint64_t fid, uint64_t x1,
			uint64_t x2, uint64_t x3)
{
	assert_int_equal(ev->kind, SIM_EV_PSCI);
	assert_int_equal(ev->line, line);
	assert_int_equal(ev->gprs[0], fid);
	assert_int_equal(ev->gprs[1], x1);
	assert_int_equal(ev->gprs[2], x2);
	assert_int_equal(ev->gprs[3], x3);
	for (int i = 4; i < 31; i++)
		assert_int_equal(ev->gprs[i], 0);
}

static void expect_fail(const struct sim_event *ev, unsigned line, const char *msg)
{
	if (ev->kind != SIM_EV_FAIL || ev->line != line || strcmp(ev->msg, msg) != 0)
		print_error("event %s line %u msg \"%s\"; wanted FAIL line %u \"%s\"\n",
			    sim_ev_kind_name(ev->kind), ev->line, ev->msg, line, msg);
	assert_int_equal(ev->kind, SIM_EV_FAIL);
	assert_int_equal(ev->line, line);
	assert_string_equal(ev->msg, msg);
}

static void expect_idle(const struct sim_event *ev, unsigned line)
{
	assert_int_equal(ev->kind, SIM_EV_IDLE);
	assert_int_equal(ev->line, line);
}

#define HDR "ipa-bits 40\nuart 0x9000000\ncpu 0:\n" /* 3 lines */

/* ---- parsing: everything that must be accepted ------------------------------------ */

static const char all_statements[] =
	"# every statement once\n" /* 1 */
	"ipa-bits 40   # 1 TiB\n" /* 2 */
	"uart 0x09000000\n" /* 3 */
	"\n" /* 4 */
	"cpu 0:\n" /* 5 */
	"\texpect pc == 0x80000000\n" /* 6 */
	"\texpect x0 == 0x88000000\n" /* 7 */
	"\tmmio write 0x0a000000 4 0xdeadbeef\n" /* 8 */
	"\tmmio read 0x0a000008 8\n" /* 9 */
	"\tmmio read 0x0a000010 2 expect 0xbeef\n" /* 10 */
	"\tprint \"hi\\n\"\n" /* 11 */
	"\tpsci cpu_on 0x1 0x80080000 7 expect 0\n" /* 12 */
	"\tpsci cpu_on32 0x2 0x80080000 8 expect DENIED\n" /* 13 */
	"\tpsci affinity_info 0x1 0 expect ON\n" /* 14 */
	"\tpsci affinity_info32 0x2 0 expect off\n" /* 15 */
	"\tpsci cpu_suspend 0 0x80001000 3\n" /* 16 */
	"\tpsci cpu_suspend32 0 0x80001000 3 expect -3\n" /* 17 */
	"\tpsci version expect 0x10001\n" /* 18 */
	"\tpsci features 0x84000003 expect SUCCESS\n" /* 19 */
	"\tpoll affinity_info 0x1 until on\n" /* 20 */
	"\tpoll affinity_info32 0x2 until off max 3\n" /* 21 */
	"\tripas 0x80000000 0x2000 empty expect accepted\n" /* 22 */
	"\tripas 0x80000000 0x1000 ram expect rejected\n" /* 23 */
	"\tripas 0x81000000 0x1000 ram\n" /* 24 */
	"\thostcall 5 x0=1 x30=-1 x7 = 0x7 expect x0 == 0 expect x1==-2\n" /* 25 */
	"\trepeat 2\n" /* 26 */
	"\t\tmmio write 0x0a000000 1 0x2a\n" /* 27 */
	"\tend\n" /* 28 */
	"\traw mmio write 0x09000000 3 0x123456\n" /* 29 */
	"\traw mmio read 0xffffffffff 0\n" /* 30 */
	"\traw ripas 0x5000 0x1000 destroyed expect rejected\n" /* 31 */
	"\traw ripas 0 0 7\n" /* 32 */
	"\traw psci 0xc2000001 -1 2 expect NOT_SUPPORTED\n" /* 33 */
	"\tpsci cpu_off\n" /* 34 */
	"\n" /* 35 */
	"cpu 1:\n" /* 36 */
	"\tpsci system_reset\n" /* 37 */
	"cpu 2:\n" /* 38 */
	"\tfail \"tab\\there \\\"quoted\\\" \\x41\"\n" /* 39 */
	"cpu *:\n" /* 40 */
	"\tpsci system_off\n" /* 41 */
	"cpu 3:\n" /* 42 */
	"\tidle\n"; /* 43 */

static void parse_every_statement(void **state)
{
	struct sim_guest *g = parse_ok(all_statements);
	uint64_t uart = 0;

	(void)state;
	assert_int_equal(sim_guest_ipa_bits(g), 40);
	assert_int_equal(sim_guest_uart(g, &uart), 1);
	assert_int_equal(uart, 0x09000000);
	sim_guest_free(g);
}

static void parse_edge_cases_accepted(void **state)
{
	static const char *const ok[] = {
		"",
		"\n\n# only comments\n   # indented\n",
		"cpu 0:", /* no newline at the end, empty section */
		"cpu 0:\r\nidle\r\n", /* CRLF */
		"cpu 0 :  # spaced colon\n\tidle # trailing comment\n",
		"cpu 65535:\nidle\n",
		"cpu *:\ncpu 0:\n",
		"ipa-bits 32\nuart 0x7fffffff\ncpu 0:\nprint \"\\xff\\x00\\\\\"\n",
		"ipa-bits 52\ncpu 0:\nmmio read 0x7fffffffffff8 8 expect 0xffffffffffffffff\n",
		"ipa-bits 40\ncpu 0:\nmmio write 0x7ffffffff8 8 18446744073709551615\n",
		"cpu 0:\nhostcall 0xffff x0=-9223372036854775808\n",
		"cpu 0:\nhostcall 0 expect x30 == 0X1F\n",
		"cpu 0:\nripas 0xffffffffffffe000 0x1000 ram\n", /* no ipa-bits: no upper bound */
		"cpu 0:\nrepeat 0\nidle\nend\nrepeat 4294967295\nhostcall 1\nend\n",
		"cpu 0:\npsci cpu_on32 0xffffffff 0 0 expect 0xfffffffd\n",
		"cpu 0:\npsci cpu_on32 1 0 0 expect -2147483648\n",
		"cpu 0:\npoll affinity_info 1 until on max 4294967295\n",
		"cpu 0:\nraw psci 0\nraw psci 1 2 3 4 expect -1\n",
		"cpu 0:\nfail \"\"\n",
	};
	(void)state;
	for (size_t i = 0; i < N_ELEM(ok); i++)
		sim_guest_free(parse_ok(ok[i]));

	/* NULL text is an empty script when len is 0. */
	struct sim_guest *g = NULL;
	assert_int_equal(sim_guest_parse(NULL, 0, &g, NULL), 0);
	assert_non_null(g);
	assert_int_equal(sim_guest_ipa_bits(g), 0);
	assert_int_equal(sim_guest_uart(g, NULL), 0);
	sim_guest_free(g);
	sim_guest_free(NULL);
}

static void parse_bad_arguments(void **state)
{
	struct sim_guest_error err;
	struct sim_guest *g;

	(void)state;
	assert_int_equal(sim_guest_parse("idle", 4, NULL, &err), -EINVAL);
	assert_int_equal(sim_guest_parse(NULL, 1, &g, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_int_equal(sim_guest_parse(NULL, 1, &g, NULL), -EINVAL);
	assert_int_equal(sim_guest_ipa_bits(NULL), 0);
	assert_int_equal(sim_guest_uart(NULL, NULL), 0);
	assert_int_equal(sim_cpu_new(NULL, 0, &(struct sim_cpu *){ NULL }), -EINVAL);

	/* Too large. */
	size_t n = SIM_GUEST_MAX_TEXT + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, '\n', n);
	check_err(big, n, 1, 1, "larger than");
	sim_guest_free(parse_ok("cpu 0:\n")); /* and the largest allowed one parses */
	assert_int_equal(sim_guest_parse(big, n - 1, &g, &err), 0);
	sim_guest_free(g);
	free(big);
}

/* ---- parsing: everything that must be refused, with line and column ---------------- */

struct bad_case {
	const char *text;
	unsigned line, col;
	const char *frag;
};

static const struct bad_case bad_cases[] = {
	/* unknown keywords and stray tokens */
	{ HDR "frobnicate 1\n", 4, 1, "unknown statement 'frobnicate'" },
	{ HDR "  Idle\n", 4, 3, "unknown statement 'Idle'" },
	{ HDR "idle now\n", 4, 6, "unexpected 'now' after the statement" },
	{ HDR "idle @\n", 4, 6, "unexpected character '@'" },
	{ HDR "\"idle\"\n", 4, 1, "expected a statement, got \"idle\"" },
	{ HDR ": idle\n", 4, 1, "expected a statement, got ':'" },
	{ HDR "raw\n", 4, 4, "missing 'mmio', 'ripas' or 'psci'" },
	{ HDR "raw disk write 0 1 1\n", 4, 5, "unknown raw statement 'disk'" },
	/* missing arguments: the column just past the last token */
	{ HDR "mmio write 0x1000 4\n", 4, 20, "missing VALUE" },
	{ HDR "mmio write 0x1000 4   # value?\n", 4, 20, "missing VALUE" },
	{ HDR "mmio\n", 4, 5, "missing 'read' or 'write'" },
	{ HDR "mmio poke 1 1 1\n", 4, 6, "expected 'read' or 'write', got 'poke'" },
	{ HDR "mmio read\n", 4, 10, "missing ADDR" },
	{ HDR "mmio read 0x1000 4 expect\n", 4, 26, "missing VALUE" },
	{ HDR "print\n", 4, 6, "missing \"text\"" },
	{ HDR "print hello\n", 4, 7, "expected \"text\", got 'hello'" },
	{ HDR "psci\n", 4, 5, "missing a PSCI function" },
	{ HDR "psci cpu_on 1 0x80000000\n", 4, 25, "missing CONTEXT" },
	{ HDR "psci affinity_info 1\n", 4, 21, "missing LEVEL" },
	{ HDR "psci cpu_on 1 2 3 expect\n", 4, 25, "missing RESULT" },
	{ HDR "poll affinity_info 1\n", 4, 21, "missing 'until'" },
	{ HDR "poll affinity_info 1 on\n", 4, 22, "expected 'until', got 'on'" },
	{ HDR "poll affinity_info 1 until\n", 4, 27, "missing 'on' or 'off'" },
	{ HDR "poll cpu_on 1 until on\n", 4, 6, "expected 'affinity_info' or 'affinity_info32'" },
	{ HDR "poll affinity_info 1 until on max\n", 4, 34, "missing N" },
	{ HDR "ripas 0x80000000 0x1000\n", 4, 24, "missing 'ram' or 'empty'" },
	{ HDR "ripas 0x80000000 0x1000 private\n", 4, 25, "expected 'ram' or 'empty', got" },
	{ HDR "ripas 0x80000000 0x1000 ram expect\n", 4, 35, "missing 'accepted' or 'rejected'" },
	{ HDR "ripas 0x80000000 0x1000 ram expect yes\n", 4, 36, "'accepted' or 'rejected'" },
	{ HDR "hostcall\n", 4, 9, "missing IMM" },
	{ HDR "hostcall 1 x0\n", 4, 14, "missing '='" },
	{ HDR "hostcall 1 x0=\n", 4, 15, "missing VALUE" },
	{ HDR "hostcall 1 expect x0 = 1\n", 4, 22, "expected '==', got '='" },
	{ HDR "hostcall 1 expect\n", 4, 18, "missing a register x0..x30" },
	{ HDR "hostcall 1 x0==1\n", 4, 14, "expected '=', got '=='" },
	{ HDR "hostcall 1 y0=1\n", 4, 12, "expected xN=VALUE or 'expect xN == VALUE', got 'y0'" },
	{ HDR "expect\n", 4, 7, "missing 'x0' or 'pc'" },
	{ HDR "expect x1 == 0\n", 4, 8, "expected 'x0' or 'pc', got 'x1'" },
	{ HDR "expect pc 0\n", 4, 11, "expected '==', got '0'" },
	{ HDR "expect pc ==\n", 4, 13, "missing VALUE" },
	{ HDR "repeat\n", 4, 7, "missing N" },
	{ HDR "fail\n", 4, 5, "missing \"message\"" },
	{ "ipa-bits\n", 1, 9, "missing N" },
	{ "uart\n", 1, 5, "missing ADDR" },
	{ "cpu\n", 1, 4, "missing a vCPU number or '*'" },
	{ "cpu 0\n", 1, 6, "missing ':'" },
	{ "cpu :\n", 1, 5, "expected a vCPU number or '*', got ':'" },
	{ "cpu x:\n", 1, 5, "expected a vCPU number or '*', got 'x'" },
	{ "cpu 0: idle\n", 1, 8, "unexpected 'idle' after the statement" },
	{ "cpu 0 1:\n", 1, 7, "expected ':', got '1'" },
	/* bad numbers */
	{ HDR "mmio write 0x10g0 4 1\n", 4, 12, "bad number '0x10g0'" },
	{ HDR "mmio write 12ab 4 1\n", 4, 12, "bad number '12ab'" },
	{ HDR "mmio write 0x 4 1\n", 4, 12, "bad number '0x'" },
	{ HDR "hostcall 1 x0=-\n", 4, 15, "bad number '-'" },
	{ HDR "hostcall 1 x0=1.5\n", 4, 15, "bad number '1.5'" },
	{ HDR "mmio write -8 4 1\n", 4, 12, "ADDR cannot be negative" },
	{ HDR "mmio write +8 4 1\n", 4, 12, "expected ADDR, got '+8'" },
	{ HDR "mmio write x 4 1\n", 4, 12, "expected ADDR, got 'x'" },
	/* number overflow */
	{ HDR "hostcall 0 x0=0x10000000000000000\n", 4, 15, "does not fit in 64 bits" },
	{ HDR "hostcall 0 x0=18446744073709551616\n", 4, 15, "does not fit in 64 bits" },
	{ HDR "hostcall 0 x0=-9223372036854775809\n", 4, 15, "below -2^63" },
	{ HDR "mmio write 0x1000 4 99999999999999999999999\n", 4, 21, "does not fit in 64 bits" },
	{ HDR "hostcall 0x10000\n", 4, 10, "IMM 0x10000 does not fit in 16 bits" },
	{ HDR "repeat 4294967296\nhostcall 1\nend\n", 4, 8, "above 4294967295" },
	{ HDR "poll affinity_info 1 until on max 0\n", 4, 35, "max 0 is not" },
	{ HDR "poll affinity_info 1 until on max 4294967296\n", 4, 35, "is not 1..4294967295" },
	{ HDR "psci cpu_on32 0x100000000 0 0\n", 4, 15, "TARGET 0x100000000 does not fit in 32" },
	{ HDR "psci features 0x1ffffffff\n", 4, 15, "FID 0x1ffffffff does not fit in 32" },
	{ HDR "poll affinity_info32 0x100000000 until on\n", 4, 22, "does not fit in 32 bits" },
	{ HDR "psci cpu_on32 1 0 0 expect 0x100000000\n", 4, 28, "does not fit in 32 bits" },
	{ HDR "psci cpu_on32 1 0 0 expect -2147483649\n", 4, 28, "does not fit in 32 bits" },
	{ HDR "psci cpu_on 1 0 0 expect MAYBE\n", 4, 26, "unknown PSCI result 'MAYBE'" },
	{ HDR "psci cpu_on 1 0 0 expect OFF\n", 4, 26, "unknown PSCI result 'OFF'" },
	{ HDR "psci affinity_info 1 4\n", 4, 22, "LEVEL 4 is not 0..3" },
	{ HDR "psci cpu_explode\n", 4, 6, "unknown PSCI function 'cpu_explode'" },
	{ HDR "psci cpu_off expect 0\n", 4, 14, "psci cpu_off does not return" },
	{ HDR "psci system_off 1\n", 4, 17, "unexpected '1' after the statement" },
	{ HDR "raw psci 1 2 3 4 5\n", 4, 18, "at most 3 arguments" },
	/* sizes */
	{ HDR "mmio write 0x1000 3 1\n", 4, 19, "bad size 3 (1, 2, 4 or 8)" },
	{ HDR "mmio read 0x1000 16\n", 4, 18, "bad size 16" },
	{ HDR "mmio read 0x1000 0\n", 4, 18, "bad size 0" },
	{ HDR "raw mmio write 0 256 0\n", 4, 18, "raw mmio size 256 is not 0..255" },
	{ HDR "mmio write 0x1000 1 0x100\n", 4, 21, "value 0x100 does not fit in 1 byte" },
	{ HDR "mmio read 0x1000 2 expect 0x10000\n", 4, 27, "does not fit in 2 bytes" },
	{ HDR "raw mmio write 0 3 0x1000000\n", 4, 20, "does not fit in 3 bytes" },
	{ HDR "mmio write 0x1002 4 1\n", 4, 12, "not aligned to the access size 4" },
	/* addresses: MMIO below the half, RIPAS aligned and in the protected half */
	{ HDR "mmio write 0x8000000000 4 1\n", 4, 12, "is not below 2^(ipa-bits - 1)" },
	{ HDR "mmio read 0x8009000000 1\n", 4, 11, "the guest adds the shared bit" },
	{ HDR "ripas 0x80000800 0x1000 ram\n", 4, 7, "not granule (4 KiB) aligned" },
	{ HDR "ripas 0x80000000 0x800 ram\n", 4, 18, "not a multiple of the granule" },
	{ HDR "ripas 0x80000000 0 ram\n", 4, 18, "RIPAS size is 0" },
	{ HDR "ripas 0x7ffffff000 0x2000 ram\n", 4, 7, "not below 2^(ipa-bits - 1)" },
	{ "cpu 0:\nripas 0xfffffffffffff000 0x2000 ram\n", 2, 26, "wraps around" },
	{ HDR "raw ripas 0 0 256\n", 4, 15, "RIPAS value 256 is not 0..255" },
	{ HDR "raw ripas 0 0 bogus\n", 4, 15, "'ram', 'empty', 'destroyed', 'dev' or a number" },
	{ HDR "ripas 0x80000000 0x1000 destroyed\n", 4, 25, "'ram' or 'empty'" },
	/* strings */
	{ HDR "print \"hello\n", 4, 7, "unterminated string" },
	{ HDR "print \"hello\\\"\n", 4, 7, "unterminated string" },
	{ HDR "print \"a\\qb\"\n", 4, 9, "unknown escape '\\q'" },
	{ HDR "print \"\\xg1\"\n", 4, 8, "\\x needs two hex digits" },
	{ HDR "print \"\\x4\"\n", 4, 8, "\\x needs two hex digits" },
	{ HDR "print \"\"\n", 4, 7, "empty string" },
	{ HDR "print \"a\x01"
	      "b\"\n",
	  4, 9, "control character 0x01" },
	{ HDR "print \"x\" \"y\"\n", 4, 11, "unexpected \"y\" after the statement" },
	{ HDR "print \"a\"\"b\"\n", 4, 10, "unexpected \"b\" after the statement" },
	{ HDR "fail \""
	      "01234567890123456789012345678901234567890123456789"
	      "01234567890123456789012345678901234567890123456789"
	      "01234567890123456789012345678901234567890123456789"
	      "01234567890\"\n",
	  4, 6, "message longer than 160 bytes" },
	{ HDR "fail \"a\\0b\"\n", 4, 6, "NUL byte in the message" },
	/* structure: sections and header */
	{ "ipa-bits 40\nmmio write 0x1000 4 1\n", 2, 1, "'mmio' outside a section" },
	{ "idle\n", 1, 1, "'idle' outside a section" },
	{ "cpu 0:\nidle\ncpu 0:\n", 3, 5, "duplicate section 'cpu 0' (first at line 1)" },
	{ "cpu 7:\ncpu *:\ncpu 3:\ncpu 7:\n", 4, 5, "duplicate section 'cpu 7' (first at line 1)" },
	{ "cpu *:\nidle\n\ncpu *:\n", 4, 5, "duplicate section 'cpu *' (first at line 1)" },
	{ "cpu 65536:\n", 1, 5, "vCPU 65536 is above 65535" },
	{ "cpu -1:\n", 1, 5, "cannot be negative" },
	{ "cpu 0:\nipa-bits 40\n", 2, 1, "must come before the first 'cpu' section" },
	{ "cpu 0:\n  uart 0x1000\n", 2, 3, "must come before the first 'cpu' section" },
	{ "ipa-bits 40\nipa-bits 48\n", 2, 1, "duplicate 'ipa-bits' (first at line 1)" },
	{ "uart 1\n\nuart 2\n", 3, 1, "duplicate 'uart' (first at line 1)" },
	{ "ipa-bits 64\n", 1, 10, "ipa-bits 64 is not 32..52" },
	{ "ipa-bits 31\n", 1, 10, "ipa-bits 31 is not 32..52" },
	{ "ipa-bits 40\nuart 0x8000000000\ncpu 0:\n", 2, 6, "uart 0x8000000000 is not below" },
	{ "uart  0x8000000000\nipa-bits 40\n", 1, 7, "uart 0x8000000000 is not below" },
	{ "ipa-bits 40\ncpu 0:\nprint \"x\"\n", 3, 1, "needs the 'uart' and 'ipa-bits'" },
	{ "uart 0x1000\ncpu 0:\nprint \"x\"\n", 3, 1, "needs the 'uart' and 'ipa-bits'" },
	{ "cpu 0:\n\tmmio write 0x1000 4 1\n", 2, 2, "'mmio' needs the 'ipa-bits' header" },
	/* repeat */
	{ "cpu 0:\nrepeat 2\n  repeat 3\n", 3, 3, "nested 'repeat' (the one at line 2" },
	{ "cpu 0:\n  repeat 2\n  hostcall 1\n", 2, 3, "'repeat' without 'end'" },
	{ "cpu 0:\n  repeat 2\n  hostcall 1\ncpu 1:\nend\n", 2, 3, "'repeat' without 'end'" },
	{ "cpu 0:\nend\n", 2, 1, "'end' without 'repeat'" },
	{ "cpu 0:\nrepeat 2\nhostcall 1\nend\nend\n", 5, 1, "'end' without 'repeat'" },
	{ "cpu 0:\nrepeat 2\nexpect x0 == 0\nend\n", 2, 1, "has no statement that exits" },
	{ "cpu 0:\n repeat 2\n end\n", 2, 2, "has no statement that exits" },
	{ "cpu 0:\nrepeat 2\nhostcall 1\nend 2\n", 4, 5, "unexpected '2' after the statement" },
	/* bytes the lexer refuses */
	{ "cpu 0:\nidle ~\n", 2, 6, "unexpected character '~'" },
	{ "cpu 0:\nidle \x7f\n", 2, 6, "unexpected byte 0x7f" },
	{ "cpu 0:\nidle \xc3\xa9\n", 2, 6, "unexpected byte 0xc3" },
};

static void parse_errors_have_line_and_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEM(bad_cases); i++)
		bad(bad_cases[i].text, bad_cases[i].line, bad_cases[i].col, bad_cases[i].frag);

	/* A NUL byte inside the text (the length says where it ends). */
	static const char nul[] = "cpu 0:\nidle \0\n";
	check_err(nul, sizeof(nul) - 1, 2, 6, "unexpected byte 0x00");
	/* ... also inside a comment, which is otherwise skipped unread (found by fuzzing). */
	static const char nul_comment[] = "cpu 0:\nidle # a\0b\n";
	check_err(nul_comment, sizeof(nul_comment) - 1, 2, 9, "unexpected byte 0x00");
	/* Error positions count bytes, a tab is one column. */
	bad("cpu 0:\n\t\tfrob\n", 2, 3, "unknown statement");
	/* The error structure may be omitted. */
	struct sim_guest *g = NULL;
	assert_int_equal(sim_guest_parse("idle", 4, &g, NULL), -EINVAL);
	assert_null(g);
}

/* ---- randomized robustness --------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, seeded per run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static const char *const fuzz_words[] = {
	"cpu",
	"cpu *:",
	"cpu 0:",
	"cpu 1:",
	"\ncpu 2:\n",
	"ipa-bits 40\n",
	"uart 0x9000000\n",
	"mmio",
	"write",
	"read",
	"expect",
	"print",
	"\"",
	"\\",
	"\\x",
	"psci",
	"cpu_on",
	"cpu_on32",
	"affinity_info",
	"poll",
	"until",
	"on",
	"off",
	"max",
	"ripas",
	"ram",
	"empty",
	"raw",
	"hostcall",
	"x0=",
	"x30",
	"==",
	"=",
	":",
	"repeat 3\n",
	"repeat 0\n",
	"\nend\n",
	"idle",
	"fail \"f\"",
	"0x",
	"0xffffffffffffffff",
	"18446744073709551616",
	"-9223372036854775808",
	"-1",
	"4096",
	"0x1000",
	"# c",
	"\n",
	"\r\n",
	"\t",
	" ",
	"DENIED",
	"SUCCESS",
	"system_off",
	"cpu_off",
	"destroyed",
	"255",
	"256",
	"4294967295",
	"65535",
	"65536",
	"\x00",
	"\xff",
};

static size_t mutate(char *buf, size_t len, size_t cap, const char *donor, size_t donor_len)
{
	unsigned n = 1 + (rnd_below(3) ? 0 : (unsigned)rnd_below(4));

	for (unsigned k = 0; k < n; k++) {
		size_t pos = rnd_below(len + 1);
		switch (rnd_below(7)) {
		case 6: /* change a digit: mostly keeps the script valid */
			for (size_t i = 0; i < len; i++) {
				size_t j = (pos + i) % len;
				if (buf[j] >= '0' && buf[j] <= '9') {
					buf[j] = (char)('0' + rnd_below(10));
					break;
				}
			}
			break;
		case 0: /* overwrite one byte */
			if (len) {
				size_t at = rnd_below(len);
				buf[at] = (char)rnd();
			}
			break;
		case 1: { /* delete a range */
			size_t d = rnd_below(16) + 1;
			if (pos + d > len)
				d = len - pos;
			memmove(buf + pos, buf + pos + d, len - pos - d);
			len -= d;
			break;
		}
		case 2: { /* insert a word */
			const char *w = fuzz_words[rnd_below(N_ELEM(fuzz_words))];
			size_t wl = w[0] ? strlen(w) : 1; /* "\x00" inserts one NUL */
			if (len + wl > cap)
				break;
			memmove(buf + pos + wl, buf + pos, len - pos);
			memcpy(buf + pos, w, wl);
			len += wl;
			break;
		}
		case 3: { /* splice in a piece of another script */
			size_t from = rnd_below(donor_len), d = rnd_below(64) + 1;
			if (from + d > donor_len)
				d = donor_len - from;
			if (len + d > cap)
				break;
			memmove(buf + pos + d, buf + pos, len - pos);
			memcpy(buf + pos, donor + from, d);
			len += d;
			break;
		}
		case 4: /* truncate */
			len = pos;
			break;
		default: { /* duplicate a line-sized range */
			size_t from = rnd_below(len + 1), d = rnd_below(40) + 1;
			if (from + d > len)
				d = len - from;
			if (len + d > cap)
				break;
			memmove(buf + pos + d, buf + pos, len - pos);
			memmove(buf + pos, buf + (from >= pos ? from + d : from), d);
			len += d;
			break;
		}
		}
	}
	return len;
}

static void check_error_position(const char *text, size_t len, const struct sim_guest_error *err)
{
	unsigned line = 1;
	size_t ls = 0, i;

	assert_true(err->line >= 1);
	assert_true(err->col >= 1);
	assert_non_null(memchr(err->msg, '\0', sizeof(err->msg)));
	assert_true(err->msg[0] != '\0');
	for (i = 0; i < len && line < err->line; i++)
		if (text[i] == '\n') {
			line++;
			ls = i + 1;
		}
	assert_int_equal(line, err->line); /* the line exists */
	size_t le = ls;
	while (le < len && text[le] != '\n')
		le++;
	assert_true(err->col <= le - ls + 1); /* the column is on it (or just past it) */
}

static void run_random(const struct sim_guest *g, unsigned nlines)
{
	for (unsigned index = 0; index < 5; index++) {
		struct sim_cpu *c = cpu_of(g, index == 4 ? 1000 : index);
		struct sim_response resp;
		if (rnd_below(8)) {
			/* One rnd() per statement: argument order is unspecified. */
			uint64_t pc = rnd();
			uint64_t x0 = rnd_below(2) ? rnd() : index;
			sim_cpu_start(c, pc, x0);
		}
		for (unsigned step = 0; step < 200; step++) {
			memset(&resp, 0, sizeof(resp));
			switch (rnd_below(4)) {
			case 0:
				resp.gprs[0] = rnd();
				break;
			case 1:
				resp.gprs[0] = rnd_below(3);
				break;
			case 2:
				resp.gprs[0] = (uint64_t) - (int64_t)rnd_below(10);
				break;
			default:
				break;
			}
			resp.ripas_accepted = (int)rnd_below(2);
			resp.ripas_top = rnd_below(2) ? rnd() : rnd_below(0x100000) * 4096;
			struct sim_event ev = ev_next(c, &resp);
			assert_true(ev.kind <= SIM_EV_FAIL);
			assert_true(ev.line <= nlines);
			if (ev.kind == SIM_EV_FAIL)
				assert_memory_equal(ev.msg, "line ", 5);
			if (ev.kind == SIM_EV_MMIO)
				assert_true(ev.len <= 255);
			if (ev.kind == SIM_EV_IDLE || ev.kind == SIM_EV_FAIL) {
				if (rnd_below(4))
					break;
				uint64_t pc = rnd();
				sim_cpu_start(c, pc, pc ^ rnd());
			}
		}
		sim_cpu_free(c);
	}
}

static void fuzz_mutated_scripts_never_crash(void **state)
{
	enum {
		ITERATIONS = 20000,
		CAP = 8192
	};
	char *linux_text = NULL;
	size_t linux_len = 0;
	const struct sim_linux_opts lo = { .nr_cpus = 3,
					   .ipa_bits = 40,
					   .uart = 0x9000000,
					   .ram_base = 0x80000000,
					   .ram_size = 1 << 24,
					   .secondary_entry = 0x80080000 };
	unsigned accepted = 0, refused = 0;

	(void)state;
	assert_int_equal(sim_guest_linux_text(&lo, &linux_text, &linux_len), 0);
	const char *seeds[] = {
		all_statements, linux_text,
		"ipa-bits 40\ncpu *:\nrepeat 3\nhostcall 1 x0=1 expect x0 == 1\nend\n"
		"poll affinity_info 1 until on max 2\nripas 0x1000 0x3000 ram\n"
	};
	size_t seed_len[N_ELEM(seeds)];
	for (size_t i = 0; i < N_ELEM(seeds); i++)
		seed_len[i] = strlen(seeds[i]);
	char *buf = malloc(CAP);
	assert_non_null(buf);
	rng_state = 0x5eed5eed12345678ULL;
	for (unsigned it = 0; it < ITERATIONS; it++) {
		size_t s = rnd_below(N_ELEM(seeds)), d = rnd_below(N_ELEM(seeds));
		size_t len = seed_len[s] < CAP ? seed_len[s] : CAP;
		memcpy(buf, seeds[s], len);
		len = mutate(buf, len, CAP, seeds[d], seed_len[d]);
		struct sim_guest_error err;
		struct sim_guest *g = NULL;
		int r = sim_guest_parse(buf, len, &g, &err);
		if (r) {
			assert_int_equal(r, -EINVAL);
			assert_null(g);
			check_error_position(buf, len, &err);
			refused++;
			continue;
		}
		accepted++;
		unsigned nlines = 1;
		for (size_t i = 0; i < len; i++)
			nlines += buf[i] == '\n';
		run_random(g, nlines);
		sim_guest_free(g);
	}
	print_message("# fuzz: %u scripts accepted and run, %u refused\n", accepted, refused);
	/* Both paths were exercised. */
	assert_true(accepted > ITERATIONS / 50);
	assert_true(refused > ITERATIONS / 4);
	free(buf);
	free(linux_text);
}

/* ---- the interpreter, statement by statement --------------------------------------- */

static void run_every_statement(void **state)
{
	struct sim_guest *g = parse_ok(all_statements);
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_response r = resp_x0(0);
	struct sim_event ev;
	const uint64_t dev = 0x0a000000 | SHARED40, uart = 0x09000000 | SHARED40;

	(void)state;
	assert_int_equal(sim_cpu_index(c), 0);
	assert_false(sim_cpu_started(c));
	sim_cpu_start(c, 0x80000000, 0x88000000);
	assert_true(sim_cpu_started(c));

	ev = ev_next(c, NULL);
	expect_mmio(&ev, 8, dev, 4, 1, 0xdeadbeef);
	assert_int_equal(ev.msg[0], '\0');
	ev = ev_next(c, &r);
	expect_mmio(&ev, 9, dev + 8, 8, 0, 0);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 10, dev + 0x10, 2, 0, 0);
	r = resp_x0(0xffffffffffffbeefULL); /* only the low 2 bytes count */
	ev = ev_next(c, &r);
	expect_mmio(&ev, 11, uart, 1, 1, 'h');
	ev = ev_next(c, &r);
	expect_mmio(&ev, 11, uart, 1, 1, 'i');
	ev = ev_next(c, &r);
	expect_mmio(&ev, 11, uart, 1, 1, '\n');
	ev = ev_next(c, &r);
	expect_psci(&ev, 12, 0xC4000003, 1, 0x80080000, 7);
	r = resp_x0(0);
	ev = ev_next(c, &r);
	expect_psci(&ev, 13, 0x84000003, 2, 0x80080000, 8);
	r = resp_x0(0xfffffffd); /* SMC32: w0 = -3, upper half ignored */
	ev = ev_next(c, &r);
	expect_psci(&ev, 14, 0xC4000004, 1, 0, 0);
	r = resp_x0(0);
	ev = ev_next(c, &r);
	expect_psci(&ev, 15, 0x84000004, 2, 0, 0);
	r = resp_x0(0x1234567800000001ULL);
	ev = ev_next(c, &r);
	expect_psci(&ev, 16, 0xC4000001, 0, 0x80001000, 3);
	r = resp_x0(0x77); /* no expect: anything goes */
	ev = ev_next(c, &r);
	expect_psci(&ev, 17, 0x84000001, 0, 0x80001000, 3);
	r = resp_x0((uint64_t)-3);
	ev = ev_next(c, &r);
	expect_psci(&ev, 18, 0x84000000, 0, 0, 0);
	r = resp_x0(0x10001);
	ev = ev_next(c, &r);
	expect_psci(&ev, 19, 0x8400000A, 0x84000003, 0, 0);
	r = resp_x0(0);
	ev = ev_next(c, &r);
	expect_psci(&ev, 20, 0xC4000004, 1, 0, 0);
	r = resp_x0(2); /* ON_PENDING: poll again */
	ev = ev_next(c, &r);
	expect_psci(&ev, 20, 0xC4000004, 1, 0, 0);
	r = resp_x0(0);
	ev = ev_next(c, &r);
	expect_psci(&ev, 21, 0x84000004, 2, 0, 0);
	r = resp_x0(0xffffffff00000001ULL); /* w0 = OFF */
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 22);
	assert_int_equal(ev.ripas_base, 0x80000000);
	assert_int_equal(ev.ripas_top, 0x80002000);
	assert_int_equal(ev.ripas_value, CCA_RIPAS_EMPTY);
	r = resp_ripas(1, 0x80002000);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 23);
	assert_int_equal(ev.ripas_value, CCA_RIPAS_RAM);
	r = resp_ripas(0, 0);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 24);
	assert_int_equal(ev.ripas_base, 0x81000000);
	r = resp_ripas(0, 0); /* no expect: a rejection is fine */
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
	assert_int_equal(ev.line, 25);
	assert_int_equal(ev.imm, 5);
	for (int i = 0; i < 31; i++)
		assert_int_equal(ev.gprs[i], i == 0 ? 1 : i == 7 ? 7 : i == 30 ? UINT64_MAX : 0);
	memset(&r, 0, sizeof(r));
	r.gprs[1] = (uint64_t)-2;
	ev = ev_next(c, &r);
	expect_mmio(&ev, 27, dev, 1, 1, 0x2a);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 27, dev, 1, 1, 0x2a);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 29, 0x09000000, 3, 1, 0x123456); /* raw: no shared bit */
	ev = ev_next(c, &r);
	expect_mmio(&ev, 30, 0xffffffffffULL, 0, 0, 0);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 31);
	assert_int_equal(ev.ripas_base, 0x5000); /* raw: base above top, as written */
	assert_int_equal(ev.ripas_top, 0x1000);
	assert_int_equal(ev.ripas_value, CCA_RIPAS_DESTROYED);
	r = resp_ripas(0, 0);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 32);
	assert_int_equal(ev.ripas_value, 7);
	r = resp_ripas(1, 0); /* raw: accepted with no progress is not retried */
	ev = ev_next(c, &r);
	expect_psci(&ev, 33, 0xc2000001, UINT64_MAX, 2, 0);
	r = resp_x0((uint64_t)-1);
	ev = ev_next(c, &r);
	expect_psci(&ev, 34, 0x84000002, 0, 0, 0);
	assert_false(sim_cpu_started(c)); /* off as soon as it asked */
	ev = ev_next(c, &r);
	expect_idle(&ev, 34);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 34);

	/* A later CPU_ON starts it again from the top. */
	sim_cpu_start(c, 0x80000000, 0x88000000);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 8, dev, 4, 1, 0xdeadbeef);
	sim_cpu_free(c);

	/* cpu 1: system_reset; cpu 2: fail; cpu 3: idle; others: 'cpu *'. */
	c = cpu_of(g, 1);
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	expect_psci(&ev, 37, 0x84000009, 0, 0, 0);
	assert_false(sim_cpu_started(c));
	sim_cpu_free(c);
	c = cpu_of(g, 2);
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	expect_fail(&ev, 39, "line 39: tab\there \"quoted\" A");
	assert_true(sim_cpu_started(c));
	sim_cpu_free(c);
	c = cpu_of(g, 3);
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 43);
	sim_cpu_free(c);
	unsigned others[] = { 4, 100, 65535, 65536, UINT32_MAX };
	for (size_t i = 0; i < N_ELEM(others); i++) {
		c = cpu_of(g, others[i]);
		assert_int_equal(sim_cpu_index(c), others[i]);
		sim_cpu_start(c, 0, 0);
		ev = ev_next(c, NULL);
		expect_psci(&ev, 41, 0x84000008, 0, 0, 0);
		sim_cpu_free(c);
	}
	sim_guest_free(g);
}

static void run_mmio_and_print(void **state)
{
	struct sim_guest *g = parse_ok("ipa-bits 48\nuart 0x1000\ncpu 0:\n"
				       "mmio read 0x2000 1 expect 0x7f\n"
				       "print \"\\x00\\xff\\\"\"\n"
				       "mmio read 0x7ffffffffff8 8 expect 0x8000000000000000\n");
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_response r = resp_x0(0xffffff7f);
	const uint64_t sh = 1ULL << 47;
	struct sim_event ev;

	(void)state;
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 4, 0x2000 | sh, 1, 0, 0);
	ev = ev_next(c, &r); /* the low byte matches */
	expect_mmio(&ev, 5, 0x1000 | sh, 1, 1, 0x00);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 5, 0x1000 | sh, 1, 1, 0xff);
	ev = ev_next(c, &r);
	expect_mmio(&ev, 5, 0x1000 | sh, 1, 1, '"');
	ev = ev_next(c, &r);
	expect_mmio(&ev, 6, 0x7ffffffffff8 | sh, 8, 0, 0);
	r = resp_x0(0x7fffffffffffffffULL);
	ev = ev_next(c, &r);
	expect_fail(&ev, 6,
		    "line 6: mmio read 0xfffffffffff8: expected 0x8000000000000000, got "
		    "0x7fffffffffffffff");
	/* FAIL is final until the next start. */
	ev = ev_next(c, &r);
	expect_fail(&ev, 6,
		    "line 6: mmio read 0xfffffffffff8: expected 0x8000000000000000, got "
		    "0x7fffffffffffffff");
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	expect_mmio(&ev, 4, 0x2000 | sh, 1, 0, 0);
	r = resp_x0(0x80);
	ev = ev_next(c, &r);
	expect_fail(&ev, 4, "line 4: mmio read 0x800000002000: expected 0x7f, got 0x80");
	sim_cpu_free(c);
	sim_guest_free(g);
}

struct psci_fail_case {
	const char *stmt;
	uint64_t answer;
	const char *msg; /* NULL: passes */
};

static void run_psci_expectations(void **state)
{
	static const struct psci_fail_case cases[] = {
		{ "psci cpu_on 1 2 3 expect 0", 0, NULL },
		{ "psci cpu_on 1 2 3 expect 0", (uint64_t)-3,
		  "line 2: psci cpu_on: expected x0 == 0 (SUCCESS), got -3 (DENIED)" },
		{ "psci cpu_on 1 2 3 expect DENIED", 0xfffffffd, /* 64-bit: no sign extension */
		  "line 2: psci cpu_on: expected x0 == -3 (DENIED), got 0xfffffffd" },
		{ "psci cpu_on32 1 2 3 expect DENIED", 0xfffffffd, NULL },
		{ "psci cpu_on32 1 2 3 expect -3", 0xfffffffffffffffdULL, NULL },
		{ "psci cpu_on32 1 2 3 expect 0xfffffffd", 0xfffffffd, NULL },
		{ "psci cpu_on32 1 2 3 expect already_on", 0xfffffffc, NULL },
		{ "psci cpu_on32 1 2 3 expect SUCCESS", 0xfffffffc,
		  "line 2: psci cpu_on32: expected x0 == 0 (SUCCESS), got -4 (ALREADY_ON)" },
		{ "psci affinity_info 1 0 expect ON", 1,
		  "line 2: psci affinity_info: expected x0 == 0 (ON), got 1 (OFF)" },
		{ "psci affinity_info 1 0 expect ON_PENDING", 2, NULL },
		{ "psci affinity_info 1 1 expect INVALID_PARAMETERS", (uint64_t)-2, NULL },
		{ "psci affinity_info32 1 0 expect OFF", 0x100000000ULL,
		  "line 2: psci affinity_info32: expected x0 == 1 (OFF), got 0 (ON)" },
		{ "psci version expect 0x10001", 0x10000,
		  "line 2: psci version: expected x0 == 0x10001, got 0x10000" },
		{ "psci features 0xc4000003 expect NOT_SUPPORTED", 0,
		  "line 2: psci features: expected x0 == -1 (NOT_SUPPORTED), got 0 (SUCCESS)" },
		{ "raw psci 0x84000003 1 expect DENIED", 0xfffffffd, NULL },
		{ "raw psci 0xc4000003 1 expect DENIED", 0xfffffffd,
		  "line 2: raw psci 0xc4000003: expected x0 == -3 (DENIED), got 0xfffffffd" },
		{ "raw psci 0xc4000004 1 expect OFF", 0, /* affinity names for its ID */
		  "line 2: raw psci 0xc4000004: expected x0 == 1 (OFF), got 0 (ON)" },
		{ "raw psci 0xdead expect 5", 6,
		  "line 2: raw psci 0xdead: expected x0 == 5, got 6" },
	};
	(void)state;
	for (size_t i = 0; i < N_ELEM(cases); i++) {
		char text[128];
		snprintf(text, sizeof(text), "cpu 0:\n%s\n", cases[i].stmt);
		struct sim_guest *g = parse_ok(text);
		struct sim_cpu *c = cpu_of(g, 0);
		struct sim_response r = resp_x0(cases[i].answer);
		sim_cpu_start(c, 0, 0);
		struct sim_event ev = ev_next(c, NULL);
		assert_int_equal(ev.kind, SIM_EV_PSCI);
		ev = ev_next(c, &r);
		if (cases[i].msg)
			expect_fail(&ev, 2, cases[i].msg);
		else
			expect_idle(&ev, 1);
		sim_cpu_free(c);
		sim_guest_free(g);
	}
}

static void run_poll(void **state)
{
	struct sim_guest *g = parse_ok("cpu 0:\npoll affinity_info 0x102 until off max 3\n"
				       "poll affinity_info 0x1 until on\n");
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_response on = resp_x0(0), off = resp_x0(1), pend = resp_x0(2);
	struct sim_event ev;

	(void)state;
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	expect_psci(&ev, 2, 0xC4000004, 0x102, 0, 0);
	ev = ev_next(c, &on);
	expect_psci(&ev, 2, 0xC4000004, 0x102, 0, 0);
	ev = ev_next(c, &off);
	expect_psci(&ev, 3, 0xC4000004, 0x1, 0, 0);
	/* The default: 1000 tries, then FAIL. */
	for (int i = 1; i < 1000; i++) {
		ev = ev_next(c, i % 2 ? &off : &pend);
		expect_psci(&ev, 3, 0xC4000004, 0x1, 0, 0);
	}
	ev = ev_next(c, &off);
	expect_fail(&ev, 3,
		    "line 3: poll affinity_info 0x1 until on: gave up after 1000 tries (last x0 = "
		    "1 (OFF))");
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	ev = ev_next(c, &on);
	ev = ev_next(c, &pend);
	ev = ev_next(c, &pend);
	expect_fail(&ev, 2,
		    "line 2: poll affinity_info 0x102 until off: gave up after 3 tries (last x0 "
		    "= 2 (ON_PENDING))");
	sim_cpu_free(c);
	sim_guest_free(g);
}

static void run_ripas(void **state)
{
	struct sim_guest *g = parse_ok("ipa-bits 40\ncpu 0:\n"
				       "ripas 0x80000000 0x4000 empty expect accepted\n"
				       "ripas 0x90000000 0x1000 ram expect rejected\n");
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_response r;
	struct sim_event ev;

	(void)state;
	/* Partly applied: the guest asks again for the rest, then moves on. */
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.ripas_base, 0x80000000);
	assert_int_equal(ev.ripas_top, 0x80004000);
	r = resp_ripas(1, 0x80001000);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.ripas_base, 0x80001000);
	assert_int_equal(ev.ripas_top, 0x80004000);
	assert_int_equal(ev.ripas_value, CCA_RIPAS_EMPTY);
	r = resp_ripas(1, 0x80004000);
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_int_equal(ev.line, 4);
	r = resp_ripas(0, 0);
	ev = ev_next(c, &r);
	expect_idle(&ev, 2);

	/* Rejected where acceptance was expected, and the reverse. */
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	r = resp_ripas(1, 0x80001000);
	ev = ev_next(c, &r);
	r = resp_ripas(0, 0);
	ev = ev_next(c, &r);
	expect_fail(&ev, 3,
		    "line 3: ripas [0x80001000, 0x80004000) 0: expected accepted, got rejected");
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	r = resp_ripas(1, 0x80004000);
	ev = ev_next(c, &r);
	r = resp_ripas(1, 0x90001000);
	ev = ev_next(c, &r);
	expect_fail(&ev, 4,
		    "line 4: ripas [0x90000000, 0x90001000) 1: expected rejected, got accepted");

	/* Accepted without progress, or beyond the top: a broken host. */
	uint64_t tops[] = { 0x80000000, 0x7ffff000, 0x80005000, 0 };
	for (size_t i = 0; i < N_ELEM(tops); i++) {
		char want[160];
		sim_cpu_start(c, 0, 0);
		ev = ev_next(c, NULL);
		r = resp_ripas(1, tops[i]);
		ev = ev_next(c, &r);
		snprintf(want, sizeof(want),
			 "line 3: ripas: host accepted [0x80000000, 0x80004000) but reported "
			 "progress to 0x%" PRIx64,
			 tops[i]);
		expect_fail(&ev, 3, want);
	}
	sim_cpu_free(c);
	sim_guest_free(g);
}

static void run_hostcall(void **state)
{
	struct sim_guest *g = parse_ok("cpu 0:\n"
				       "hostcall 0x1234 x3=3 x0=-1 expect x3 == 4 expect x0 == -1\n"
				       "hostcall 0\n");
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_response r;
	struct sim_event ev;

	(void)state;
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
	assert_int_equal(ev.imm, 0x1234);
	assert_int_equal(ev.gprs[0], UINT64_MAX);
	assert_int_equal(ev.gprs[3], 3);
	memset(&r, 0, sizeof(r));
	r.gprs[0] = UINT64_MAX;
	r.gprs[3] = 4;
	r.gprs[30] = 99;
	ev = ev_next(c, &r);
	assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.imm, 0);
	for (int i = 0; i < 31; i++)
		assert_int_equal(ev.gprs[i], 0);
	ev = ev_next(c, &r);
	expect_idle(&ev, 1);

	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	r.gprs[3] = 5;
	ev = ev_next(c, &r);
	expect_fail(&ev, 2, "line 2: hostcall 0x1234: expected x3 == 0x4, got 0x5");
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	r.gprs[3] = 4;
	r.gprs[0] = 0;
	ev = ev_next(c, &r);
	expect_fail(&ev, 2, "line 2: hostcall 0x1234: expected x0 == 0xffffffffffffffff, got 0x0");
	sim_cpu_free(c);
	sim_guest_free(g);
}

static void run_start_checks(void **state)
{
	struct sim_guest *g = parse_ok("cpu *:\n"
				       "  expect pc == 0x80080000\n"
				       "  expect x0 == -2\n"
				       "  hostcall 1\n");
	struct sim_cpu *c = cpu_of(g, 5);
	struct sim_event ev;

	(void)state;
	/* Not started: idle, line 0. */
	ev = ev_next(c, NULL);
	expect_idle(&ev, 0);
	assert_false(sim_cpu_started(c));
	/* Wrong entry point. */
	sim_cpu_start(c, 0x80000000, (uint64_t)-2);
	ev = ev_next(c, NULL);
	expect_fail(&ev, 2, "line 2: start state: expected pc == 0x80080000, got 0x80000000");
	/* Wrong context ID. */
	sim_cpu_start(c, 0x80080000, 5);
	ev = ev_next(c, NULL);
	expect_fail(&ev, 3, "line 3: start state: expected x0 == 0xfffffffffffffffe, got 0x5");
	/* Right ones. */
	sim_cpu_start(c, 0x80080000, (uint64_t)-2);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
	assert_int_equal(ev.line, 4);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 1); /* ran off the end: the section's line */
	ev = ev_next(c, NULL);
	expect_idle(&ev, 1);
	assert_true(sim_cpu_started(c));
	sim_cpu_free(c);
	sim_guest_free(g);

	/* No section and no 'cpu *': idle even when started. */
	g = parse_ok("cpu 1:\nhostcall 1\n");
	c = cpu_of(g, 0);
	sim_cpu_start(c, 1, 2);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 0);
	sim_cpu_free(c);
	sim_guest_free(g);

	/* Misuse. */
	assert_int_equal(sim_cpu_next(NULL, NULL, &ev), -EINVAL);
	g = parse_ok("");
	c = cpu_of(g, 0);
	assert_int_equal(sim_cpu_next(c, NULL, NULL), -EINVAL);
	sim_cpu_start(NULL, 0, 0);
	sim_cpu_free(NULL);
	assert_false(sim_cpu_started(NULL));
	assert_int_equal(sim_cpu_new(g, 0, NULL), -EINVAL);
	sim_cpu_free(c);
	sim_guest_free(g);
	assert_string_equal(sim_ev_kind_name(SIM_EV_HOST_CALL), "HOST_CALL");
	assert_string_equal(sim_ev_kind_name((enum sim_ev_kind)77), "?");
}

static void run_repeat_idle_fail(void **state)
{
	struct sim_guest *g = parse_ok("cpu 0:\n"
				       "repeat 3\n"
				       "  expect x0 == 9\n"
				       "  hostcall 1\n"
				       "  hostcall 2\n"
				       "end\n"
				       "repeat 0\n"
				       "  fail \"never\"\n"
				       "end\n"
				       "hostcall 3\n"
				       "repeat 2\n"
				       "  hostcall 4\n"
				       "  idle\n"
				       "end\n"
				       "fail \"unreachable\"\n");
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_event ev;

	(void)state;
	sim_cpu_start(c, 0, 9);
	for (int i = 0; i < 3; i++) {
		ev = ev_next(c, NULL);
		assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
		assert_int_equal(ev.imm, 1);
		assert_int_equal(ev.line, 4);
		ev = ev_next(c, NULL);
		assert_int_equal(ev.imm, 2);
	}
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_HOST_CALL);
	assert_int_equal(ev.imm, 3);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.imm, 4);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 13);
	ev = ev_next(c, NULL);
	expect_idle(&ev, 13);
	/* Restarting forgets the loop state. */
	sim_cpu_start(c, 0, 8);
	ev = ev_next(c, NULL);
	expect_fail(&ev, 3, "line 3: start state: expected x0 == 0x9, got 0x8");
	sim_cpu_free(c);
	sim_guest_free(g);
}

/* ---- a model host: enough RMM + VMM to boot the guests ------------------------------ */

enum sched {
	SCHED_SECONDARIES_FIRST, /* run any started secondary until it stops, then vCPU 0 */
	SCHED_ROUND_ROBIN, /* one event per vCPU in turn */
};

struct host {
	const struct sim_guest *g;
	unsigned n;
	struct sim_cpu **cpu;
	struct sim_response *resp;
	int *done;
	char (*out)[1024];
	size_t *outlen;
	unsigned *cpu_on; /* CPU_ON calls per target */
	uint64_t deny_first; /* bitmask: deny the first CPU_ON of these targets */
	uint64_t uart_ipa;
	uint64_t mmio_read_value;
	uint64_t ripas_reject_base, ripas_reject_top;
	uint64_t ripas_step; /* apply at most this much per request (0: all) */
	unsigned events, cpu_on_events, affinity_events, ripas_events, hostcalls;
	unsigned ripas_rejected;
	int system_off;
	unsigned off_cpu;
	struct sim_event last, hostcall, ripas;
	unsigned last_cpu;
	char fail[256];
};

static void host_init(struct host *h, const struct sim_guest *g, unsigned n)
{
	memset(h, 0, sizeof(*h));
	h->g = g;
	h->n = n;
	h->cpu = calloc(n, sizeof(*h->cpu));
	h->resp = calloc(n, sizeof(*h->resp));
	h->done = calloc(n, sizeof(*h->done));
	h->out = calloc(n, sizeof(*h->out));
	h->outlen = calloc(n, sizeof(*h->outlen));
	h->cpu_on = calloc(n, sizeof(*h->cpu_on));
	assert_true(h->cpu && h->resp && h->done && h->out && h->outlen && h->cpu_on);
	for (unsigned i = 0; i < n; i++)
		h->cpu[i] = cpu_of(g, i);
	uint64_t uart;
	if (sim_guest_uart(g, &uart))
		h->uart_ipa = uart | 1ULL << (sim_guest_ipa_bits(g) - 1);
}

static void host_fini(struct host *h)
{
	for (unsigned i = 0; i < h->n; i++)
		sim_cpu_free(h->cpu[i]);
	free(h->cpu);
	free(h->resp);
	free(h->done);
	free(h->out);
	free(h->outlen);
	free(h->cpu_on);
}

static int mpidr_index(const struct host *h, uint64_t mpidr)
{
	for (unsigned i = 0; i < h->n; i++)
		if (sim_guest_kvm_mpidr(i) == mpidr)
			return (int)i;
	return -1;
}

static int64_t host_psci(struct host *h, const struct sim_event *ev)
{
	uint64_t fid = ev->gprs[0];
	int t;

	switch (fid) {
	case CCA_PSCI_CPU_ON_64:
	case CCA_PSCI_CPU_ON_32:
		h->cpu_on_events++;
		t = mpidr_index(h, ev->gprs[1]);
		if (t < 0)
			return CCA_PSCI_RET_INVALID_PARAMETERS;
		h->cpu_on[t]++;
		if (sim_cpu_started(h->cpu[t]))
			return CCA_PSCI_RET_ALREADY_ON;
		if (t < 64 && (h->deny_first >> t & 1) && h->cpu_on[t] == 1)
			return CCA_PSCI_RET_DENIED;
		sim_cpu_start(h->cpu[t], ev->gprs[2], ev->gprs[3]);
		h->done[t] = 0;
		memset(&h->resp[t], 0, sizeof(h->resp[t]));
		return CCA_PSCI_RET_SUCCESS;
	case CCA_PSCI_AFFINITY_INFO_64:
	case CCA_PSCI_AFFINITY_INFO_32:
		h->affinity_events++;
		t = mpidr_index(h, ev->gprs[1]);
		if (t < 0 || ev->gprs[2] != 0)
			return CCA_PSCI_RET_INVALID_PARAMETERS;
		return sim_cpu_started(h->cpu[t]) ? CCA_PSCI_AFFINITY_ON : CCA_PSCI_AFFINITY_OFF;
	case CCA_PSCI_SYSTEM_OFF:
	case CCA_PSCI_SYSTEM_RESET:
		h->system_off = 1;
		return 0;
	case CCA_PSCI_CPU_OFF:
		return 0;
	case CCA_PSCI_VERSION:
		return 0x10001;
	default:
		return CCA_PSCI_RET_NOT_SUPPORTED;
	}
}

static void host_step(struct host *h, unsigned i)
{
	struct sim_event ev = ev_next(h->cpu[i], &h->resp[i]);
	struct sim_response *r = &h->resp[i];

	h->events++;
	h->last = ev;
	h->last_cpu = i;
	memset(r, 0, sizeof(*r));
	switch (ev.kind) {
	case SIM_EV_MMIO:
		if (ev.is_write && ev.ipa == h->uart_ipa && ev.len == 1 && h->outlen[i] < 1023)
			h->out[i][h->outlen[i]++] = (char)ev.data;
		if (!ev.is_write)
			r->gprs[0] = h->mmio_read_value;
		break;
	case SIM_EV_PSCI: {
		int64_t ret = host_psci(h, &ev);
		/* SMC32 results are 32 bits wide: the guest must sign-extend w0. */
		r->gprs[0] = ev.gprs[0] >> 30 & 1 ? (uint64_t)ret : (uint32_t)ret;
		if (!sim_cpu_started(h->cpu[i]))
			h->done[i] = 1; /* cpu_off / system_off / system_reset */
		if (h->system_off)
			h->off_cpu = i;
		break;
	}
	case SIM_EV_HOST_CALL:
		h->hostcalls++;
		h->hostcall = ev;
		memcpy(r->gprs, ev.gprs, sizeof(r->gprs));
		r->gprs[0] = 0;
		break;
	case SIM_EV_RIPAS:
		h->ripas_events++;
		h->ripas = ev;
		if (ev.ripas_base < h->ripas_reject_top && ev.ripas_top > h->ripas_reject_base) {
			h->ripas_rejected++;
			break;
		}
		r->ripas_accepted = 1;
		r->ripas_top = ev.ripas_top;
		if (h->ripas_step && ev.ripas_top - ev.ripas_base > h->ripas_step)
			r->ripas_top = ev.ripas_base + h->ripas_step;
		break;
	case SIM_EV_IDLE:
		h->done[i] = 1;
		break;
	case SIM_EV_FAIL:
		h->done[i] = 1;
		snprintf(h->fail, sizeof(h->fail), "vCPU %u: %s", i, ev.msg);
		break;
	}
}

/* Run until SYSTEM_OFF, a failure, or nothing is left to run. */
static void host_run(struct host *h, enum sched sched, unsigned max_events)
{
	unsigned rr = 0;

	sim_cpu_start(h->cpu[0], 0x80000000, 0x88000000);
	while (!h->system_off && !h->fail[0] && h->events < max_events) {
		int pick = -1;
		if (sched == SCHED_SECONDARIES_FIRST) {
			for (unsigned i = 1; i < h->n && pick < 0; i++)
				if (sim_cpu_started(h->cpu[i]) && !h->done[i])
					pick = (int)i;
			if (pick < 0 && !h->done[0])
				pick = 0;
		} else {
			for (unsigned k = 0; k < h->n && pick < 0; k++) {
				unsigned i = (rr + k) % h->n;
				if (sim_cpu_started(h->cpu[i]) && !h->done[i])
					pick = (int)i;
			}
			rr = (unsigned)pick + 1;
		}
		if (pick < 0)
			break;
		host_step(h, (unsigned)pick);
	}
}

/* ---- the built-in Linux guest ----------------------------------------------------------- */

/*
 * Boot the built-in guest against the model host. @stay_on: the secondaries
 * go idle and vCPU 0 does not wait for them to print (with round-robin
 * scheduling their lines may then be cut short by SYSTEM_OFF).
 */
static void boot_linux(unsigned n, enum sched sched, int stay_on)
{
	const struct sim_linux_opts o = { .nr_cpus = n,
					  .ipa_bits = 41,
					  .uart = 0x09000000,
					  .ram_base = 0x80000000,
					  .ram_size = 512ULL << 20,
					  .secondary_entry = 0x80080000,
					  .secondaries_stay_on = stay_on };
	struct sim_guest *g = NULL;
	struct host h;
	char want[1024];

	assert_int_equal(sim_guest_builtin_linux(&o, &g), 0);
	assert_int_equal(sim_guest_ipa_bits(g), 41);
	host_init(&h, g, n);
	host_run(&h, sched, 10000000);
	assert_string_equal(h.fail, "");

	/* The banner, byte for byte, through the UART with the shared bit set. */
	assert_int_equal(h.uart_ipa, 0x09000000 | 1ULL << 40);
	snprintf(want, sizeof(want),
		 "Booting Linux on physical CPU 0x0\n"
		 "Linux version 6.12.0-cca-sim (libcca simulated guest) #1 SMP\n"
		 "Machine model: libcca simulated realm\n"
		 "RME: Using RSI version 1.0\n"
		 "psci: PSCIv1.1 detected in firmware.\n"
		 "Memory: 524288K RAM at 0x80000000\n"
		 "smp: Bringing up secondary CPUs ...\n"
		 "smp: Brought up 1 node, %u CPU%s\n"
		 "swiotlb: 2048K shared at 0x9fe00000\n"
		 "reboot: Power down\n",
		 n, n == 1 ? "" : "s");
	assert_int_equal(h.outlen[0], strlen(want));
	assert_memory_equal(h.out[0], want, strlen(want));

	/* One CPU_ON per secondary, none for the boot vCPU; each secondary booted. */
	assert_int_equal(h.cpu_on_events, n - 1);
	assert_true(h.affinity_events >= n - 1);
	assert_int_equal(h.cpu_on[0], 0);
	for (unsigned i = 1; i < n; i++) {
		assert_int_equal(h.cpu_on[i], 1);
		if (stay_on && sched != SCHED_SECONDARIES_FIRST)
			continue;
		/* Every secondary printed its whole line before SYSTEM_OFF. */
		snprintf(want, sizeof(want), "CPU%u: Booted secondary processor\n", i);
		assert_int_equal(h.outlen[i], strlen(want));
		assert_memory_equal(h.out[i], want, strlen(want));
		assert_true(h.done[i]);
		/* Parked with CPU_OFF, or idle (and still on). */
		assert_int_equal(sim_cpu_started(h.cpu[i]), stay_on);
	}
	if (!stay_on && sched == SCHED_ROUND_ROBIN)
		assert_true(h.affinity_events >= 2 * (n - 1)); /* each seen ON, then OFF */
	/* The shared buffer: the top 2 MiB of RAM, made EMPTY; one host call. */
	assert_int_equal(h.ripas_events, 1);
	assert_int_equal(h.ripas.ripas_base, 0x9fe00000);
	assert_int_equal(h.ripas.ripas_top, 0xa0000000);
	assert_int_equal(h.ripas.ripas_value, CCA_RIPAS_EMPTY);
	assert_int_equal(h.hostcalls, 1);
	assert_int_equal(h.hostcall.gprs[0], 0x4c494e58);
	assert_int_equal(h.hostcall.gprs[1], n);
	/* SYSTEM_OFF from vCPU 0 is the last event. */
	assert_true(h.system_off);
	assert_int_equal(h.off_cpu, 0);
	assert_int_equal(h.last_cpu, 0);
	assert_int_equal(h.last.kind, SIM_EV_PSCI);
	assert_int_equal(h.last.gprs[0], CCA_PSCI_SYSTEM_OFF);
	assert_false(sim_cpu_started(h.cpu[0]));
	host_fini(&h);
	sim_guest_free(g);
}

static void builtin_linux_1(void **state)
{
	(void)state;
	boot_linux(1, SCHED_SECONDARIES_FIRST, 0);
	boot_linux(1, SCHED_ROUND_ROBIN, 1);
}

static void builtin_linux_4(void **state)
{
	(void)state;
	boot_linux(4, SCHED_SECONDARIES_FIRST, 0);
	boot_linux(4, SCHED_ROUND_ROBIN, 0);
	boot_linux(4, SCHED_SECONDARIES_FIRST, 1);
	boot_linux(4, SCHED_ROUND_ROBIN, 1);
}

static void builtin_linux_512(void **state)
{
	const struct sim_linux_opts o = { .nr_cpus = 512,
					  .ipa_bits = 41,
					  .uart = 0x09000000,
					  .ram_base = 0x80000000,
					  .ram_size = 512ULL << 20,
					  .secondary_entry = 0x80080000 };
	char *text = NULL;
	size_t len = 0;

	(void)state;
	boot_linux(512, SCHED_SECONDARIES_FIRST, 0);
	boot_linux(512, SCHED_ROUND_ROBIN, 0);
	boot_linux(512, SCHED_ROUND_ROBIN, 1);
	/* The text stays reasonable: about 200 bytes per vCPU. */
	assert_int_equal(sim_guest_linux_text(&o, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_true(len < 512 * 256);
	/* vCPU 16 is MPIDR 0x100, vCPU 511 is 0x1f0f. */
	assert_non_null(strstr(text, "psci cpu_on 0x100 0x80080000 16 expect 0\n"));
	assert_non_null(strstr(text, "psci cpu_on 0x1f0f 0x80080000 511 expect 0\n"));
	assert_non_null(strstr(text, "poll affinity_info 0x1f0f until off max 100000000\n"));
	assert_non_null(strstr(text, "\ncpu 511:\n"));
	assert_non_null(strstr(text, "\tprint \"CPU511: Booted secondary processor\\n\"\n"
				     "\tpsci cpu_off\n"));
	/* Deterministic. */
	char *again = NULL;
	assert_int_equal(sim_guest_linux_text(&o, &again, NULL), 0);
	assert_string_equal(text, again);
	free(again);
	free(text);
}

static void builtin_linux_bad_options(void **state)
{
	const struct sim_linux_opts good = { .nr_cpus = 2,
					     .ipa_bits = 40,
					     .uart = 0x09000000,
					     .ram_base = 0x80000000,
					     .ram_size = 0x2000,
					     .secondary_entry = 0 };
	struct sim_linux_opts o;
	struct sim_guest *g = NULL;

	(void)state;
	assert_int_equal(sim_guest_builtin_linux(&good, &g), 0);
	sim_guest_free(g);
	assert_int_equal(sim_guest_builtin_linux(NULL, &g), -EINVAL);
	assert_int_equal(sim_guest_builtin_linux(&good, NULL), -EINVAL);
	assert_int_equal(sim_guest_linux_text(&good, NULL, NULL), -EINVAL);
	o = good, o.nr_cpus = 0;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.nr_cpus = 4097;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ipa_bits = 31;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ipa_bits = 53;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.uart = 1ULL << 39;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ram_base = 0x80000800;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ram_size = 0x1000;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ram_size = 0x2800;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ram_base = (1ULL << 39) - 0x1000;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
	o = good, o.ram_base = 0, o.ram_size = 1ULL << 39; /* exactly the protected half */
	assert_int_equal(sim_guest_builtin_linux(&o, &g), 0);
	sim_guest_free(g);
	o = good, o.ram_size = 0xfffffffffffff000ULL;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), -EINVAL);
}

/* Many threads, one program: each thread boots its own share of the vCPUs. */
struct thread_arg {
	const struct sim_guest *g;
	unsigned first, step, n;
	int ok;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	struct sim_event ev;
	char want[64], got[64];

	a->ok = 1;
	for (unsigned i = a->first; i < a->n; i += a->step) {
		struct sim_cpu *c = NULL;
		size_t len = 0;
		if (sim_cpu_new(a->g, i, &c)) {
			a->ok = 0;
			return NULL;
		}
		sim_cpu_start(c, 0x80080000, i);
		for (;;) {
			sim_cpu_next(c, NULL, &ev);
			if (ev.kind != SIM_EV_MMIO)
				break;
			if (len < sizeof(got) - 1)
				got[len++] = (char)ev.data;
		}
		got[len] = '\0';
		snprintf(want, sizeof(want), "CPU%u: Booted secondary processor\n", i);
		if (ev.kind != SIM_EV_PSCI || ev.gprs[0] != CCA_PSCI_CPU_OFF ||
		    strcmp(got, want) != 0)
			a->ok = 0;
		sim_cpu_next(c, NULL, &ev);
		if (ev.kind != SIM_EV_IDLE || sim_cpu_started(c))
			a->ok = 0;
		sim_cpu_free(c);
	}
	return NULL;
}

static void shared_program_many_threads(void **state)
{
	const struct sim_linux_opts o = { .nr_cpus = 256,
					  .ipa_bits = 40,
					  .uart = 0x09000000,
					  .ram_base = 0x80000000,
					  .ram_size = 1ULL << 28,
					  .secondary_entry = 0x80080000 };
	struct sim_guest *g = NULL;
	pthread_t t[4];
	struct thread_arg a[4];

	(void)state;
	assert_int_equal(sim_guest_builtin_linux(&o, &g), 0);
	for (unsigned i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ .g = g, .first = 1 + i, .step = 4, .n = 256 };
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &a[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(a[i].ok);
	}
	sim_guest_free(g);
}

/* ---- the example scripts ----------------------------------------------------------------- */

/*
 * examples/guests/NAME, looked up in $SIM_GUEST_EXAMPLES, then in
 * SIM_GUEST_EXAMPLES (a -D of the build), then beside this source file
 * (__FILE__, absolute or relative to the build directory meson runs tests
 * in), then relative to the working directory.
 */
static char *read_example(const char *name, size_t *len)
{
	char here[4096];
	const char *slash = strrchr(__FILE__, '/');
	snprintf(here, sizeof(here), "%.*s/../examples/guests", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".");
	const char *const dirs[] = {
		getenv("SIM_GUEST_EXAMPLES"),
#ifdef SIM_GUEST_EXAMPLES
		SIM_GUEST_EXAMPLES,
#endif
		here,
		"examples/guests",
		"../examples/guests",
		"../../examples/guests",
	};
	char path[4200];

	for (size_t i = 0; i < N_ELEM(dirs); i++) {
		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		char *buf = malloc(1 << 16);
		assert_non_null(buf);
		*len = fread(buf, 1, (1 << 16) - 1, f);
		buf[*len] = '\0';
		fclose(f);
		return buf;
	}
	return NULL;
}

static struct sim_guest *load_example(const char *name)
{
	size_t len = 0;
	char *text = read_example(name, &len);
	struct sim_guest_error err;
	struct sim_guest *g = NULL;

	if (!text)
		fail_msg("examples/guests/%s not found: set SIM_GUEST_EXAMPLES to the directory",
			 name);
	int r = sim_guest_parse(text, len, &g, &err);
	if (r)
		print_error("%s:%u:%u: %s\n", name, err.line, err.col, err.msg);
	assert_int_equal(r, 0);
	free(text);
	return g;
}

static void example_smp_boot(void **state)
{
	struct sim_guest *g = load_example("smp-boot.cca");
	struct host h;

	(void)state;
	host_init(&h, g, 4);
	host_run(&h, SCHED_SECONDARIES_FIRST, 100000);
	assert_string_equal(h.fail, "");
	assert_true(h.system_off);
	static const char want0[] = "Booting Linux on physical CPU 0x0\n"
				    "smp: Bringing up secondary CPUs ...\n"
				    "smp: Brought up 1 node, 4 CPUs\n"
				    "reboot: Power down\n";
	assert_int_equal(h.outlen[0], strlen(want0));
	assert_memory_equal(h.out[0], want0, strlen(want0));
	assert_memory_equal(h.out[3], "CPU3: Booted", 12);
	assert_memory_equal(h.out[1], "CPUx: Booted", 12);
	assert_int_equal(h.cpu_on_events, 3);
	host_fini(&h);

	/* A host that starts vCPU 3 with the wrong context ID gets a report naming the line. */
	struct sim_cpu *c = cpu_of(g, 3);
	struct sim_event ev;
	sim_cpu_start(c, 0x80080000, 2);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_FAIL);
	assert_non_null(strstr(ev.msg, "start state: expected x0 == 0x3, got 0x2"));
	sim_cpu_free(c);
	sim_guest_free(g);
}

static void example_ripas_convert(void **state)
{
	struct sim_guest *g = load_example("ripas-convert.cca");
	struct host h;

	(void)state;
	host_init(&h, g, 1);
	h.mmio_read_value = 1;
	h.ripas_reject_base = 0x80000000;
	h.ripas_reject_top = 0x80200000;
	h.ripas_step = 0x80000; /* partial progress: the guest asks again */
	host_run(&h, SCHED_SECONDARIES_FIRST, 1000);
	assert_string_equal(h.fail, "");
	assert_true(h.system_off);
	assert_int_equal(h.ripas_events, 4 + 1 + 1);
	assert_int_equal(h.ripas_rejected, 1);
	host_fini(&h);

	/* A host that accepts everything breaks the guest's 'expect rejected'. */
	host_init(&h, g, 1);
	h.mmio_read_value = 1;
	host_run(&h, SCHED_SECONDARIES_FIRST, 1000);
	assert_non_null(strstr(h.fail, "expected rejected, got accepted"));
	assert_int_equal(h.last.kind, SIM_EV_FAIL);
	host_fini(&h);
	sim_guest_free(g);
}

static void example_hostile_mmio(void **state)
{
	struct sim_guest *g = load_example("hostile-mmio.cca");
	struct host h;

	(void)state;
	/* A host that lets everything through reaches the final 'fail'. */
	host_init(&h, g, 1);
	host_run(&h, SCHED_SECONDARIES_FIRST, 1000);
	assert_non_null(strstr(h.fail, "a hostile guest got to its end"));
	host_fini(&h);

	/* The events are exactly the hostile ones, unchecked. */
	struct sim_cpu *c = cpu_of(g, 0);
	struct sim_event ev;
	sim_cpu_start(c, 0, 0);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_MMIO);
	assert_int_equal(ev.ipa, 0x09000000); /* protected half */
	ev = ev_next(c, NULL);
	assert_int_equal(ev.len, 3);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.len, 16);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.ipa, 0xffffffffff);
	ev = ev_next(c, NULL);
	assert_int_equal(ev.kind, SIM_EV_RIPAS);
	assert_true(ev.ripas_base > ev.ripas_top);
	sim_cpu_free(c);
	sim_guest_free(g);
}

static void example_psci_deny(void **state)
{
	struct sim_guest *g = load_example("psci-deny.cca");
	struct host h;

	(void)state;
	host_init(&h, g, 3);
	h.deny_first = 1U << 1;
	host_run(&h, SCHED_ROUND_ROBIN, 10000);
	assert_string_equal(h.fail, "");
	assert_true(h.system_off);
	assert_int_equal(h.cpu_on[1], 3);
	assert_int_equal(h.cpu_on[2], 1);
	assert_memory_equal(h.out[0], "psci-deny: done\n", 16);
	host_fini(&h);

	/*
	 * A host that never denies: vCPU 1 starts with the context of the call
	 * that should have been denied, and vCPU 0 sees SUCCESS instead of
	 * DENIED. Both report it, naming their script line.
	 */
	host_init(&h, g, 3);
	host_run(&h, SCHED_ROUND_ROBIN, 10000);
	assert_memory_equal(h.fail, "vCPU 1: line ", 13);
	assert_non_null(strstr(h.fail, "start state: expected x0 == 0x1234, got 0xdead"));
	host_step(&h, 0);
	assert_memory_equal(h.fail, "vCPU 0: line ", 13);
	assert_non_null(strstr(h.fail, "psci cpu_on: expected x0 == -3 (DENIED), got 0 (SUCCESS)"));
	host_fini(&h);
	sim_guest_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_every_statement),
		cmocka_unit_test(parse_edge_cases_accepted),
		cmocka_unit_test(parse_bad_arguments),
		cmocka_unit_test(parse_errors_have_line_and_column),
		cmocka_unit_test(fuzz_mutated_scripts_never_crash),
		cmocka_unit_test(run_every_statement),
		cmocka_unit_test(run_mmio_and_print),
		cmocka_unit_test(run_psci_expectations),
		cmocka_unit_test(run_poll),
		cmocka_unit_test(run_ripas),
		cmocka_unit_test(run_hostcall),
		cmocka_unit_test(run_start_checks),
		cmocka_unit_test(run_repeat_idle_fail),
		cmocka_unit_test(builtin_linux_1),
		cmocka_unit_test(builtin_linux_4),
		cmocka_unit_test(builtin_linux_512),
		cmocka_unit_test(builtin_linux_bad_options),
		cmocka_unit_test(shared_program_many_threads),
		cmocka_unit_test(example_smp_boot),
		cmocka_unit_test(example_ripas_convert),
		cmocka_unit_test(example_hostile_mmio),
		cmocka_unit_test(example_psci_deny),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
