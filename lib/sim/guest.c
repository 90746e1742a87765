// SPDX-License-Identifier: MIT
/*
 * Guest programs for the simulated backend: the script parser, the per-vCPU
 * interpreter the simulated RMM drives, and the built-in Linux-like SMP
 * guest. Format: lib/sim/guest.h and docs/guest-scripts.md.
 *
 * The parser reads one line at a time with a one-token lookahead lexer and
 * compiles each section into a flat array of operations ending in an
 * implicit 'idle'. A 'repeat' records the index of its 'end' and back, so
 * the interpreter needs one counter per vCPU (repeats do not nest). Every
 * repeat body holds a statement that exits to the host, so one
 * sim_cpu_next() executes at most one pass over its section before it
 * returns an event.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/guest.h"

#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

#define GRANULE 4096ULL
#define IPA_BITS_MIN 32U
#define IPA_BITS_MAX 52U
#define FAIL_MSG_MAX 160U
#define POLL_DEFAULT_MAX 1000U
#define LINUX_MAX_CPUS 4096U
/* How long vCPU 0 of the built-in guest waits for a secondary to boot, in AFFINITY_INFO calls. */
#define LINUX_BOOT_POLLS 100000000U
#define NO_SECTION UINT32_MAX

/* ---- the compiled program --------------------------------------------------- */

enum op_kind {
	OP_MMIO, /* a = ipa as accessed, len, b = value written, expect */
	OP_PRINT, /* a = uart ipa, ref/len = string */
	OP_PSCI, /* a = function ID, b, c, d = x1..x3, expect */
	OP_POLL, /* a = function ID, b = target, sub = wanted answer, count = tries */
	OP_RIPAS, /* a = base, b = top, sub = RIPAS */
	OP_HOSTCALL, /* imm, ref = first regval, nargs + nexp regvals */
	OP_EXPECT_START, /* sub = START_X0 / START_PC, expect */
	OP_REPEAT, /* count, ref = index of the 'end' */
	OP_END, /* ref = index of the 'repeat' */
	OP_IDLE, /* explicit, or implicit at the end of a section */
	OP_FAIL, /* ref/len = message */
};

#define OPF_EXPECT (1U << 0) /* has an expectation */
#define OPF_WRITE (1U << 1) /* MMIO write */
#define OPF_SMC32 (1U << 2) /* PSCI: SMC32 function, results are 32-bit */
#define OPF_NORETURN (1U << 3) /* PSCI cpu_off / system_off / system_reset */
#define OPF_AFFINITY (1U << 4) /* PSCI result is ON / OFF / ON_PENDING */
#define OPF_RAW (1U << 5) /* raw mmio / raw ripas / raw psci */
#define OPF_REJECT (1U << 6) /* RIPAS: expect rejected (else accepted) */
#define OPF_IMPLICIT (1U << 7) /* IDLE at the end of a section */

#define START_X0 0
#define START_PC 1

struct sim_op {
	uint8_t kind;
	uint8_t flags;
	uint8_t sub;
	uint8_t nargs; /* HOSTCALL register arguments */
	uint8_t nexp; /* HOSTCALL checks */
	uint16_t imm;
	uint32_t line;
	uint32_t len;
	uint32_t count;
	uint32_t ref;
	uint64_t a, b, c, d;
	uint64_t expect;
};

struct sim_regval {
	uint32_t reg;
	uint64_t val;
};

struct sim_section {
	uint32_t cpu; /* NO_SECTION for 'cpu *' */
	uint32_t first;
	uint32_t line;
};

struct sim_guest {
	unsigned ipa_bits;
	int has_uart;
	uint64_t uart;
	struct sim_op *ops;
	uint32_t nops, cap_ops;
	struct sim_section *secs; /* sorted by cpu after parsing, 'cpu *' excluded */
	uint32_t nsecs, cap_secs;
	uint32_t default_sec; /* ops index of 'cpu *', NO_SECTION without */
	uint32_t default_line;
	struct sim_regval *regs;
	uint32_t nregs, cap_regs;
	char *strs;
	size_t nstrs, cap_strs;
};

/* ---- PSCI tables ------------------------------------------------------------- */

#define PSCI_FID_SMC64 (1U << 30)

struct psci_desc {
	const char *name;
	uint32_t fid;
	uint8_t nargs;
	uint8_t flags;
	const char *argn[3];
};

static const struct psci_desc psci_descs[] = {
	{ "cpu_on", CCA_PSCI_CPU_ON_64, 3, 0, { "TARGET", "ENTRY", "CONTEXT" } },
	{ "cpu_on32", CCA_PSCI_CPU_ON_32, 3, OPF_SMC32, { "TARGET", "ENTRY", "CONTEXT" } },
	{ "affinity_info", CCA_PSCI_AFFINITY_INFO_64, 2, OPF_AFFINITY, { "TARGET", "LEVEL" } },
	{ "affinity_info32",
	  CCA_PSCI_AFFINITY_INFO_32,
	  2,
	  OPF_AFFINITY | OPF_SMC32,
	  { "TARGET", "LEVEL" } },
	{ "cpu_suspend", CCA_PSCI_CPU_SUSPEND_64, 3, 0, { "STATE", "ENTRY", "CONTEXT" } },
	{ "cpu_suspend32", CCA_PSCI_CPU_SUSPEND_32, 3, OPF_SMC32, { "STATE", "ENTRY", "CONTEXT" } },
	{ "cpu_off", CCA_PSCI_CPU_OFF, 0, OPF_SMC32 | OPF_NORETURN, { 0 } },
	{ "system_off", CCA_PSCI_SYSTEM_OFF, 0, OPF_SMC32 | OPF_NORETURN, { 0 } },
	{ "system_reset", CCA_PSCI_SYSTEM_RESET, 0, OPF_SMC32 | OPF_NORETURN, { 0 } },
	{ "version", CCA_PSCI_VERSION, 0, OPF_SMC32, { 0 } },
	{ "features", CCA_PSCI_FEATURES, 1, OPF_SMC32, { "FID" } },
};

struct named_value {
	const char *name;
	int64_t value;
};

static const struct named_value psci_rets[] = {
	{ "SUCCESS", CCA_PSCI_RET_SUCCESS },
	{ "NOT_SUPPORTED", CCA_PSCI_RET_NOT_SUPPORTED },
	{ "INVALID_PARAMETERS", CCA_PSCI_RET_INVALID_PARAMETERS },
	{ "DENIED", CCA_PSCI_RET_DENIED },
	{ "ALREADY_ON", CCA_PSCI_RET_ALREADY_ON },
	{ "ON_PENDING", CCA_PSCI_RET_ON_PENDING },
	{ "INTERNAL_FAILURE", CCA_PSCI_RET_INTERNAL_FAILURE },
	{ "NOT_PRESENT", CCA_PSCI_RET_NOT_PRESENT },
	{ "DISABLED", CCA_PSCI_RET_DISABLED },
	{ "INVALID_ADDRESS", CCA_PSCI_RET_INVALID_ADDRESS },
};

/* AFFINITY_INFO's answers; searched before psci_rets for affinity calls. */
static const struct named_value affinity_rets[] = {
	{ "ON", CCA_PSCI_AFFINITY_ON },
	{ "OFF", CCA_PSCI_AFFINITY_OFF },
	{ "ON_PENDING", CCA_PSCI_AFFINITY_ON_PENDING },
};

static const struct psci_desc *psci_by_fid(uint64_t fid)
{
	for (size_t i = 0; i < N_ELEM(psci_descs); i++)
		if (psci_descs[i].fid == fid)
			return &psci_descs[i];
	return NULL;
}

static const char *ret_name(const struct named_value *t, size_t n, int64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

static const char *psci_ret_name(unsigned flags, int64_t v)
{
	const char *s = NULL;

	if (flags & OPF_AFFINITY)
		s = ret_name(affinity_rets, N_ELEM(affinity_rets), v);
	if (!s)
		s = ret_name(psci_rets, N_ELEM(psci_rets), v);
	return s;
}

/* ---- small helpers ------------------------------------------------------------ */

static bool is_word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.' || ch == '*' || ch == '+';
}

static int hex_digit(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static char ascii_upper(char ch)
{
	return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static uint64_t size_mask(uint32_t len)
{
	return len >= 8 || len == 0 ? UINT64_MAX : (1ULL << (len * 8)) - 1;
}

/* ---- lexer --------------------------------------------------------------------- */

enum tok_type {
	T_EOL,
	T_WORD,
	T_STR,
	T_COLON,
	T_EQ,
	T_EQEQ,
};

struct tok {
	enum tok_type t;
	const char *p; /* WORD: the word; STR: the raw contents (escapes undecoded) */
	size_t n;
	unsigned col, end; /* first column, column just past the token */
};

struct parser {
	const char *text;
	size_t len;
	size_t ls, le, cur; /* current line [ls, le), lexer position */
	unsigned line;
	unsigned last_end; /* column just past the last token consumed */
	struct tok la;
	bool have_la;
	struct sim_guest_error *err;
	struct sim_guest *g;

	bool in_section;
	bool header_done;
	uint32_t cur_sec_line;
	unsigned ipa_line; /* where the header statements were, 0 when absent */
	unsigned uart_line, uart_col;
	bool default_seen;
	unsigned default_line;
	uint8_t *seen; /* bitmap of cpu sections */
	/* an open 'repeat' */
	bool rep_open;
	uint32_t rep_idx;
	unsigned rep_line, rep_col;
	bool rep_exits;
};

static unsigned col_of(const struct parser *p, size_t pos)
{
	return (unsigned)(pos - p->ls) + 1;
}

GUEST_PRINTF(4, 5)
static int perr(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	p->err->col = col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A printable, quoted, shortened rendering of a token for messages. */
static const char *tok_desc(const struct tok *t, char *buf, size_t size)
{
	size_t o = 0, i;

	if (t->t == T_EOL)
		return "end of line";
	if (t->t == T_COLON)
		return "':'";
	if (t->t == T_EQ)
		return "'='";
	if (t->t == T_EQEQ)
		return "'=='";
	buf[o++] = t->t == T_STR ? '"' : '\'';
	for (i = 0; i < t->n && o + 6 < size; i++) {
		unsigned char ch = (unsigned char)t->p[i];
		buf[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (i < t->n) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o++] = t->t == T_STR ? '"' : '\'';
	buf[o] = '\0';
	return buf;
}

static int lex(struct parser *p, struct tok *t)
{
	const char *s = p->text;
	size_t i = p->cur;

	while (i < p->le &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f'))
		i++;
	memset(t, 0, sizeof(*t));
	t->col = col_of(p, i);
	if (i < p->le && s[i] == '#') {
		/* A comment is skipped unread, but a script contains no NUL byte anywhere. */
		const char *nul = memchr(s + i, '\0', p->le - i);
		if (nul)
			return perr(p, p->line, col_of(p, (size_t)(nul - s)), "unexpected byte 0x00");
	}
	if (i >= p->le || s[i] == '#') {
		t->t = T_EOL;
		t->end = t->col;
		p->cur = p->le;
		return 0;
	}
	unsigned char ch = (unsigned char)s[i];
	if (is_word_char(ch)) {
		size_t b = i;
		while (i < p->le && is_word_char((unsigned char)s[i]))
			i++;
		t->t = T_WORD;
		t->p = s + b;
		t->n = i - b;
	} else if (ch == '"') {
		size_t b = ++i;
		for (;;) {
			if (i >= p->le)
				return perr(p, p->line, t->col, "unterminated string");
			unsigned char c2 = (unsigned char)s[i];
			if (c2 == '"')
				break;
			if ((c2 < 0x20 && c2 != '\t') || c2 == 0x7f)
				return perr(p, p->line, col_of(p, i),
					    "control character 0x%02x in a string (use \\x%02x)",
					    c2, c2);
			if (c2 == '\\' && i + 1 < p->le)
				i++;
			i++;
		}
		t->t = T_STR;
		t->p = s + b;
		t->n = i - b;
		i++;
	} else if (ch == ':') {
		t->t = T_COLON;
		i++;
	} else if (ch == '=') {
		i++;
		t->t = T_EQ;
		if (i < p->le && s[i] == '=') {
			t->t = T_EQEQ;
			i++;
		}
	} else if (ch >= 0x21 && ch < 0x7f) {
		return perr(p, p->line, t->col, "unexpected character '%c'", ch);
	} else {
		return perr(p, p->line, t->col, "unexpected byte 0x%02x", ch);
	}
	t->end = col_of(p, i);
	p->cur = i;
	return 0;
}

static int peek(struct parser *p, struct tok *t)
{
	if (!p->have_la) {
		int r = lex(p, &p->la);
		if (r)
			return r;
		p->have_la = true;
	}
	*t = p->la;
	return 0;
}

static int next(struct parser *p, struct tok *t)
{
	int r = peek(p, t);

	if (r)
		return r;
	p->have_la = false;
	if (t->t != T_EOL)
		p->last_end = t->end;
	return 0;
}

static bool word_is(const struct tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->t == T_WORD && t->n == n && memcmp(t->p, w, n) == 0;
}

static int missing(struct parser *p, const struct tok *t, const char *what)
{
	char b[48];

	if (t->t == T_EOL)
		return perr(p, p->line, p->last_end, "missing %s", what);
	return perr(p, p->line, t->col, "expected %s, got %s", what, tok_desc(t, b, sizeof(b)));
}

static int expect_eol(struct parser *p)
{
	struct tok t;
	char b[48];
	int r = next(p, &t);

	if (r)
		return r;
	if (t.t != T_EOL)
		return perr(p, p->line, t.col, "unexpected %s after the statement",
			    tok_desc(&t, b, sizeof(b)));
	return 0;
}

static int expect_word(struct parser *p, const char *w)
{
	struct tok t;
	char what[40];
	int r = next(p, &t);

	if (r)
		return r;
	if (!word_is(&t, w)) {
		snprintf(what, sizeof(what), "'%s'", w);
		return missing(p, &t, what);
	}
	return 0;
}

static int expect_punct(struct parser *p, enum tok_type type, const char *what)
{
	struct tok t;
	int r = next(p, &t);

	if (r)
		return r;
	return t.t == type ? 0 : missing(p, &t, what);
}

/*
 * A number: decimal or 0x hex, 64-bit; with @allow_neg a leading '-' gives
 * the two's complement (magnitude up to 2^63).
 */
static int parse_number(struct parser *p, const struct tok *t, const char *what, bool allow_neg,
			uint64_t *v)
{
	char b[48];
	const char *s = t->p;
	size_t n = t->n, i = 0;
	bool neg = false, hex = false;
	uint64_t x = 0;

	if (t->t != T_WORD || !((s[0] >= '0' && s[0] <= '9') || s[0] == '-'))
		return missing(p, t, what);
	if (s[0] == '-') {
		if (!allow_neg)
			return perr(p, p->line, t->col, "%s cannot be negative", what);
		neg = true;
		i = 1;
	}
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = true;
		i += 2;
	}
	if (i >= n)
		return perr(p, p->line, t->col, "bad number %s", tok_desc(t, b, sizeof(b)));
	for (; i < n; i++) {
		int d = hex ? hex_digit((unsigned char)s[i]) :
			      (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		unsigned base = hex ? 16 : 10;
		if (d < 0)
			return perr(p, p->line, t->col, "bad number %s", tok_desc(t, b, sizeof(b)));
		if (x > (UINT64_MAX - (unsigned)d) / base)
			return perr(p, p->line, t->col, "number %s does not fit in 64 bits",
				    tok_desc(t, b, sizeof(b)));
		x = x * base + (unsigned)d;
	}
	if (neg) {
		if (x > (1ULL << 63))
			return perr(p, p->line, t->col, "number %s is below -2^63",
				    tok_desc(t, b, sizeof(b)));
		x = 0 - x;
	}
	*v = x;
	return 0;
}

static int next_number(struct parser *p, const char *what, bool allow_neg, uint64_t *v,
		       struct tok *t)
{
	int r = next(p, t);

	return r ? r : parse_number(p, t, what, allow_neg, v);
}

/* A PSCI result: a number or a result name; OPF_SMC32 keeps it to 32 bits, sign-extended. */
static int next_result(struct parser *p, unsigned flags, uint64_t *v)
{
	struct tok t;
	int r = next(p, &t);

	if (r)
		return r;
	if (t.t == T_WORD && !((t.p[0] >= '0' && t.p[0] <= '9') || t.p[0] == '-')) {
		const struct named_value *tabs[2] = { affinity_rets, psci_rets };
		size_t ns[2] = { N_ELEM(affinity_rets), N_ELEM(psci_rets) };
		for (unsigned k = (flags & OPF_AFFINITY) ? 0 : 1; k < 2; k++) {
			for (size_t i = 0; i < ns[k]; i++) {
				const char *nm = tabs[k][i].name;
				size_t j;
				if (strlen(nm) != t.n)
					continue;
				for (j = 0; j < t.n && ascii_upper(t.p[j]) == nm[j]; j++)
					;
				if (j == t.n) {
					*v = (uint64_t)tabs[k][i].value;
					return 0;
				}
			}
		}
		char b[48];
		return perr(p, p->line, t.col, "unknown PSCI result %s",
			    tok_desc(&t, b, sizeof(b)));
	}
	r = parse_number(p, &t, "RESULT", true, v);
	if (r)
		return r;
	if (flags & OPF_SMC32) {
		int64_t s = (int64_t)*v;
		if (*v > UINT32_MAX && !(s < 0 && s >= INT32_MIN))
			return perr(p, p->line, t.col,
				    "result does not fit in 32 bits (an SMC32 function)");
		*v = (uint64_t)(int64_t)(int32_t)(uint32_t)*v;
	}
	return 0;
}

/* ---- building the program ------------------------------------------------------ */

static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	if (*cap >= UINT32_MAX / 4)
		return -ENOMEM;
	uint32_t nc = *cap ? *cap * 2 : 64;
	void *na = realloc(*arr, (size_t)nc * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = nc;
	return 0;
}

static struct sim_op *new_op(struct parser *p, enum op_kind kind, int *r)
{
	struct sim_guest *g = p->g;
	struct sim_op *op;

	*r = grow((void **)&g->ops, &g->cap_ops, g->nops, sizeof(*g->ops));
	if (*r)
		return NULL;
	op = &g->ops[g->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = (uint8_t)kind;
	op->line = p->line;
	return op;
}

static int add_string(struct parser *p, const char *s, size_t n, uint32_t *off)
{
	struct sim_guest *g = p->g;

	if (g->nstrs + n > UINT32_MAX)
		return -ENOMEM;
	if (!g->strs || g->nstrs + n > g->cap_strs) { /* never NULL, even for "" */
		size_t nc = g->cap_strs ? g->cap_strs : 256;
		while (nc < g->nstrs + n)
			nc *= 2;
		char *ns = realloc(g->strs, nc);
		if (!ns)
			return -ENOMEM;
		g->strs = ns;
		g->cap_strs = nc;
	}
	if (n)
		memcpy(g->strs + g->nstrs, s, n);
	*off = (uint32_t)g->nstrs;
	g->nstrs += n;
	return 0;
}

/* Decode a string token's escapes into the string pool. */
static int next_string(struct parser *p, const char *what, uint32_t *off, uint32_t *len,
		       unsigned *col)
{
	struct tok t;
	int r = next(p, &t);
	size_t o = 0;

	if (r)
		return r;
	if (t.t != T_STR)
		return missing(p, &t, what);
	*col = t.col;
	/* Decoding never lengthens: decode in place at the end of the pool. */
	r = add_string(p, t.p, t.n, off);
	if (r)
		return r;
	char *d = p->g->strs + *off;
	for (size_t i = 0; i < t.n; i++) {
		char ch = t.p[i];
		if (ch != '\\') {
			d[o++] = ch;
			continue;
		}
		unsigned ecol = t.col + 1 + (unsigned)i;
		if (i + 1 >= t.n)
			return perr(p, p->line, ecol, "unfinished escape at the end of a string");
		char e = t.p[++i];
		switch (e) {
		case 'n':
			d[o++] = '\n';
			break;
		case 'r':
			d[o++] = '\r';
			break;
		case 't':
			d[o++] = '\t';
			break;
		case '0':
			d[o++] = '\0';
			break;
		case '\\':
		case '"':
			d[o++] = e;
			break;
		case 'x': {
			int h1 = i + 1 < t.n ? hex_digit((unsigned char)t.p[i + 1]) : -1;
			int h2 = i + 2 < t.n ? hex_digit((unsigned char)t.p[i + 2]) : -1;
			if (h1 < 0 || h2 < 0)
				return perr(p, p->line, ecol, "\\x needs two hex digits");
			d[o++] = (char)(h1 * 16 + h2);
			i += 2;
			break;
		}
		default:
			if ((unsigned char)e >= 0x20 && (unsigned char)e < 0x7f)
				return perr(p, p->line, ecol, "unknown escape '\\%c'", e);
			return perr(p, p->line, ecol, "unknown escape");
		}
	}
	p->g->nstrs = *off + o;
	*len = (uint32_t)o;
	return 0;
}

static uint64_t half_of(const struct sim_guest *g)
{
	return 1ULL << (g->ipa_bits - 1);
}

/* ---- statements ------------------------------------------------------------------ */

static int need_ipa_bits(struct parser *p, const struct tok *kw)
{
	if (p->g->ipa_bits)
		return 0;
	return perr(p, p->line, kw->col,
		    "'%.*s' needs the 'ipa-bits' header statement (to set the shared bit)",
		    (int)kw->n, kw->p);
}

static int st_mmio(struct parser *p, const struct tok *kw, bool raw)
{
	struct sim_guest *g = p->g;
	struct tok t, ta, ts, tv;
	uint64_t addr, size, val = 0;
	bool write;
	int r;

	if (!raw && (r = need_ipa_bits(p, kw)))
		return r;
	if ((r = next(p, &t)))
		return r;
	if (word_is(&t, "write"))
		write = true;
	else if (word_is(&t, "read"))
		write = false;
	else
		return missing(p, &t, "'read' or 'write'");
	if ((r = next_number(p, "ADDR", false, &addr, &ta)) ||
	    (r = next_number(p, "SIZE", false, &size, &ts)))
		return r;
	if (raw) {
		if (size > 255)
			return perr(p, p->line, ts.col, "raw mmio size %llu is not 0..255",
				    (unsigned long long)size);
	} else {
		if (size != 1 && size != 2 && size != 4 && size != 8)
			return perr(p, p->line, ts.col, "bad size %llu (1, 2, 4 or 8)",
				    (unsigned long long)size);
		if (addr & (size - 1))
			return perr(p, p->line, ta.col,
				    "address 0x%llx is not aligned to the access size %llu",
				    (unsigned long long)addr, (unsigned long long)size);
		if (addr >= half_of(g) || addr + size > half_of(g))
			return perr(p, p->line, ta.col,
				    "MMIO address 0x%llx is not below 2^(ipa-bits - 1) = 0x%llx "
				    "(the guest adds the shared bit; 'raw mmio' takes any address)",
				    (unsigned long long)addr, (unsigned long long)half_of(g));
	}
	unsigned flags = raw ? OPF_RAW : 0;
	if (write) {
		if ((r = next_number(p, "VALUE", false, &val, &tv)))
			return r;
		flags |= OPF_WRITE;
	} else {
		if ((r = peek(p, &t)))
			return r;
		if (word_is(&t, "expect")) {
			next(p, &t);
			if ((r = next_number(p, "VALUE", false, &val, &tv)))
				return r;
			flags |= OPF_EXPECT;
		}
	}
	if ((flags & (OPF_WRITE | OPF_EXPECT)) && (val & ~size_mask((uint32_t)size)) &&
	    !(raw && size == 0))
		return perr(p, p->line, tv.col, "value 0x%llx does not fit in %llu byte%s",
			    (unsigned long long)val, (unsigned long long)size,
			    size == 1 ? "" : "s");
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_MMIO, &r);
	if (!op)
		return r;
	op->flags = (uint8_t)flags;
	op->a = raw ? addr : addr | half_of(g);
	op->len = (uint32_t)size;
	if (flags & OPF_WRITE)
		op->b = val;
	else
		op->expect = val;
	return 0;
}

static int st_print(struct parser *p, const struct tok *kw)
{
	struct sim_guest *g = p->g;
	uint32_t off, len;
	unsigned col;
	int r;

	if (!g->has_uart || !g->ipa_bits)
		return perr(p, p->line, kw->col,
			    "'print' needs the 'uart' and 'ipa-bits' header statements");
	if ((r = next_string(p, "\"text\"", &off, &len, &col)))
		return r;
	if (len == 0)
		return perr(p, p->line, col, "empty string");
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_PRINT, &r);
	if (!op)
		return r;
	op->a = g->uart | half_of(g);
	op->ref = off;
	op->len = len;
	return 0;
}

static int st_psci(struct parser *p, const struct tok *kw, bool raw)
{
	const struct psci_desc *d = NULL;
	struct tok t;
	uint64_t args[3] = { 0, 0, 0 }, fid, expect = 0;
	unsigned flags = raw ? OPF_RAW : 0, nargs = 0;
	int r;

	(void)kw;
	if (raw) {
		if ((r = next_number(p, "FID", false, &fid, &t)))
			return r;
		/* Up to three arguments, any 64-bit values. */
		for (;;) {
			if ((r = peek(p, &t)))
				return r;
			if (t.t == T_EOL || word_is(&t, "expect"))
				break;
			if (nargs == 3)
				return perr(p, p->line, t.col,
					    "raw psci takes at most 3 arguments");
			next(p, &t);
			if ((r = parse_number(p, &t, "ARG", true, &args[nargs])))
				return r;
			nargs++;
		}
		if (!(fid & PSCI_FID_SMC64))
			flags |= OPF_SMC32;
		d = psci_by_fid(fid);
		if (d)
			flags |= d->flags & OPF_AFFINITY;
	} else {
		char b[48];
		if ((r = next(p, &t)))
			return r;
		if (t.t != T_WORD)
			return missing(p, &t, "a PSCI function");
		for (size_t i = 0; i < N_ELEM(psci_descs); i++)
			if (word_is(&t, psci_descs[i].name))
				d = &psci_descs[i];
		if (!d)
			return perr(p, p->line, t.col,
				    "unknown PSCI function %s (cpu_on, cpu_off, affinity_info, "
				    "system_off, system_reset, cpu_suspend, version, features, "
				    "or a *32 form)",
				    tok_desc(&t, b, sizeof(b)));
		fid = d->fid;
		flags |= d->flags;
		for (nargs = 0; nargs < d->nargs; nargs++) {
			if ((r = next_number(p, d->argn[nargs], false, &args[nargs], &t)))
				return r;
			if ((flags & OPF_SMC32) && args[nargs] > UINT32_MAX)
				return perr(p, p->line, t.col,
					    "%s 0x%llx does not fit in 32 bits (an SMC32 function)",
					    d->argn[nargs], (unsigned long long)args[nargs]);
			if ((flags & OPF_AFFINITY) && nargs == 1 && args[1] > 3)
				return perr(p, p->line, t.col, "LEVEL %llu is not 0..3",
					    (unsigned long long)args[1]);
		}
	}
	if ((r = peek(p, &t)))
		return r;
	if (word_is(&t, "expect")) {
		if (flags & OPF_NORETURN)
			return perr(p, p->line, t.col, "psci %s does not return: no 'expect'",
				    d->name);
		next(p, &t);
		if ((r = next_result(p, flags, &expect)))
			return r;
		flags |= OPF_EXPECT;
	}
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_PSCI, &r);
	if (!op)
		return r;
	op->flags = (uint8_t)flags;
	op->a = fid;
	op->b = args[0];
	op->c = args[1];
	op->d = args[2];
	op->expect = expect;
	return 0;
}

static int st_poll(struct parser *p, const struct tok *kw)
{
	struct tok t;
	uint64_t target, max = POLL_DEFAULT_MAX;
	unsigned flags;
	uint8_t want;
	int r;

	(void)kw;
	if ((r = next(p, &t)))
		return r;
	if (word_is(&t, "affinity_info"))
		flags = OPF_AFFINITY;
	else if (word_is(&t, "affinity_info32"))
		flags = OPF_AFFINITY | OPF_SMC32;
	else
		return missing(p, &t, "'affinity_info' or 'affinity_info32'");
	if ((r = next_number(p, "TARGET", false, &target, &t)))
		return r;
	if ((flags & OPF_SMC32) && target > UINT32_MAX)
		return perr(p, p->line, t.col,
			    "TARGET 0x%llx does not fit in 32 bits (an SMC32 function)",
			    (unsigned long long)target);
	if ((r = expect_word(p, "until")) || (r = next(p, &t)))
		return r;
	if (word_is(&t, "on"))
		want = CCA_PSCI_AFFINITY_ON;
	else if (word_is(&t, "off"))
		want = CCA_PSCI_AFFINITY_OFF;
	else
		return missing(p, &t, "'on' or 'off'");
	if ((r = peek(p, &t)))
		return r;
	if (word_is(&t, "max")) {
		next(p, &t);
		if ((r = next_number(p, "N", false, &max, &t)))
			return r;
		if (max == 0 || max > UINT32_MAX)
			return perr(p, p->line, t.col, "max %llu is not 1..4294967295",
				    (unsigned long long)max);
	}
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_POLL, &r);
	if (!op)
		return r;
	op->flags = (uint8_t)flags;
	op->a = flags & OPF_SMC32 ? CCA_PSCI_AFFINITY_INFO_32 : CCA_PSCI_AFFINITY_INFO_64;
	op->b = target;
	op->sub = want;
	op->count = (uint32_t)max;
	return 0;
}

static int next_ripas_value(struct parser *p, bool raw, uint8_t *v)
{
	struct tok t;
	uint64_t n;
	int r = next(p, &t);

	if (r)
		return r;
	if (word_is(&t, "ram")) {
		*v = CCA_RIPAS_RAM;
	} else if (word_is(&t, "empty")) {
		*v = CCA_RIPAS_EMPTY;
	} else if (raw && word_is(&t, "destroyed")) {
		*v = CCA_RIPAS_DESTROYED;
	} else if (raw && word_is(&t, "dev")) {
		*v = CCA_RIPAS_DEV;
	} else if (raw && t.t == T_WORD && t.p[0] >= '0' && t.p[0] <= '9') {
		if ((r = parse_number(p, &t, "RIPAS", false, &n)))
			return r;
		if (n > 255)
			return perr(p, p->line, t.col, "RIPAS value %llu is not 0..255",
				    (unsigned long long)n);
		*v = (uint8_t)n;
	} else {
		return missing(p, &t,
			       raw ? "'ram', 'empty', 'destroyed', 'dev' or a number" :
				     "'ram' or 'empty'");
	}
	return 0;
}

static int st_ripas(struct parser *p, const struct tok *kw, bool raw)
{
	struct sim_guest *g = p->g;
	struct tok ta, ts, t;
	uint64_t base, x, top;
	unsigned flags = raw ? OPF_RAW : 0;
	uint8_t v = 0;
	int r;

	(void)kw;
	if ((r = next_number(p, raw ? "BASE" : "ADDR", false, &base, &ta)) ||
	    (r = next_number(p, raw ? "TOP" : "SIZE", false, &x, &ts)))
		return r;
	if (raw) {
		top = x;
	} else {
		if (base % GRANULE)
			return perr(p, p->line, ta.col,
				    "RIPAS address 0x%llx is not granule (4 KiB) aligned",
				    (unsigned long long)base);
		if (x == 0)
			return perr(p, p->line, ts.col, "RIPAS size is 0");
		if (x % GRANULE)
			return perr(p, p->line, ts.col,
				    "RIPAS size 0x%llx is not a multiple of the granule (4 KiB)",
				    (unsigned long long)x);
		if (base + x < base)
			return perr(p, p->line, ts.col, "RIPAS range wraps around");
		top = base + x;
		if (g->ipa_bits && top > half_of(g))
			return perr(p, p->line, ta.col,
				    "RIPAS range [0x%llx, 0x%llx) is not below 2^(ipa-bits - 1) = "
				    "0x%llx (the protected half)",
				    (unsigned long long)base, (unsigned long long)top,
				    (unsigned long long)half_of(g));
	}
	if ((r = next_ripas_value(p, raw, &v)) || (r = peek(p, &t)))
		return r;
	if (word_is(&t, "expect")) {
		next(p, &t);
		if ((r = next(p, &t)))
			return r;
		if (word_is(&t, "rejected"))
			flags |= OPF_REJECT;
		else if (!word_is(&t, "accepted"))
			return missing(p, &t, "'accepted' or 'rejected'");
		flags |= OPF_EXPECT;
	}
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_RIPAS, &r);
	if (!op)
		return r;
	op->flags = (uint8_t)flags;
	op->a = base;
	op->b = top;
	op->sub = v;
	return 0;
}

/* "x0" .. "x30" -> 0..30, else -1. */
static int reg_number(const struct tok *t)
{
	if (t->t != T_WORD || t->n < 2 || t->n > 3 || t->p[0] != 'x')
		return -1;
	int v = 0;
	for (size_t i = 1; i < t->n; i++) {
		if (t->p[i] < '0' || t->p[i] > '9')
			return -1;
		v = v * 10 + (t->p[i] - '0');
	}
	if ((t->n == 3 && t->p[1] == '0') || v > 30)
		return -1;
	return v;
}

static int st_hostcall(struct parser *p, const struct tok *kw)
{
	struct sim_guest *g = p->g;
	struct sim_regval args[31], exps[31];
	uint32_t argmask = 0, expmask = 0, nargs = 0, nexp = 0;
	struct tok t;
	uint64_t imm;
	char b[48];
	int r;

	(void)kw;
	if ((r = next_number(p, "IMM", false, &imm, &t)))
		return r;
	if (imm > 0xffff)
		return perr(p, p->line, t.col, "IMM 0x%llx does not fit in 16 bits",
			    (unsigned long long)imm);
	for (;;) {
		if ((r = next(p, &t)))
			return r;
		if (t.t == T_EOL)
			break;
		bool is_exp = word_is(&t, "expect");
		if (is_exp && (r = next(p, &t)))
			return r;
		int reg = reg_number(&t);
		if (reg < 0) {
			if (is_exp)
				return missing(p, &t, "a register x0..x30");
			return perr(p, p->line, t.col,
				    "expected xN=VALUE or 'expect xN == VALUE', got %s",
				    tok_desc(&t, b, sizeof(b)));
		}
		uint32_t *mask = is_exp ? &expmask : &argmask;
		if (*mask & (1U << reg))
			return perr(p, p->line, t.col, "x%d %s twice", reg,
				    is_exp ? "checked" : "set");
		*mask |= 1U << reg;
		if ((r = expect_punct(p, is_exp ? T_EQEQ : T_EQ, is_exp ? "'=='" : "'='")))
			return r;
		struct sim_regval *rv = is_exp ? &exps[nexp++] : &args[nargs++];
		rv->reg = (uint32_t)reg;
		if ((r = next_number(p, "VALUE", true, &rv->val, &t)))
			return r;
	}
	struct sim_op *op = new_op(p, OP_HOSTCALL, &r);
	if (!op)
		return r;
	op->imm = (uint16_t)imm;
	op->nargs = (uint8_t)nargs;
	op->nexp = (uint8_t)nexp;
	op->ref = g->nregs;
	for (uint32_t i = 0; i < nargs + nexp; i++) {
		if ((r = grow((void **)&g->regs, &g->cap_regs, g->nregs, sizeof(*g->regs))))
			return r;
		g->regs[g->nregs++] = i < nargs ? args[i] : exps[i - nargs];
	}
	return 0;
}

static int st_expect(struct parser *p, const struct tok *kw)
{
	struct tok t;
	uint64_t v;
	uint8_t which;
	int r;

	(void)kw;
	if ((r = next(p, &t)))
		return r;
	if (word_is(&t, "x0"))
		which = START_X0;
	else if (word_is(&t, "pc"))
		which = START_PC;
	else
		return missing(p, &t, "'x0' or 'pc'");
	if ((r = expect_punct(p, T_EQEQ, "'=='")) ||
	    (r = next_number(p, "VALUE", which == START_X0, &v, &t)) || (r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_EXPECT_START, &r);
	if (!op)
		return r;
	op->sub = which;
	op->expect = v;
	return 0;
}

static int st_repeat(struct parser *p, const struct tok *kw)
{
	struct tok t;
	uint64_t n;
	int r;

	if (p->rep_open)
		return perr(p, p->line, kw->col,
			    "nested 'repeat' (the one at line %u is still open; repeats do not "
			    "nest)",
			    p->rep_line);
	if ((r = next_number(p, "N", false, &n, &t)))
		return r;
	if (n > UINT32_MAX)
		return perr(p, p->line, t.col, "repeat count %llu is above 4294967295",
			    (unsigned long long)n);
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_REPEAT, &r);
	if (!op)
		return r;
	op->count = (uint32_t)n;
	p->rep_open = true;
	p->rep_idx = p->g->nops - 1;
	p->rep_line = p->line;
	p->rep_col = kw->col;
	p->rep_exits = false;
	return 0;
}

static int st_end(struct parser *p, const struct tok *kw)
{
	int r;

	if (!p->rep_open)
		return perr(p, p->line, kw->col, "'end' without 'repeat'");
	if (!p->rep_exits)
		return perr(p, p->rep_line, p->rep_col,
			    "the 'repeat' body has no statement that exits to the host");
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_END, &r);
	if (!op)
		return r;
	op->ref = p->rep_idx;
	p->g->ops[p->rep_idx].ref = p->g->nops - 1;
	p->rep_open = false;
	return 0;
}

static int st_idle(struct parser *p, const struct tok *kw)
{
	int r;

	(void)kw;
	if ((r = expect_eol(p)))
		return r;
	return new_op(p, OP_IDLE, &r) ? 0 : r;
}

static int st_fail(struct parser *p, const struct tok *kw)
{
	uint32_t off, len;
	unsigned col;
	int r;

	(void)kw;
	if ((r = next_string(p, "\"message\"", &off, &len, &col)))
		return r;
	if (len > FAIL_MSG_MAX)
		return perr(p, p->line, col, "message longer than %u bytes", FAIL_MSG_MAX);
	if (memchr(p->g->strs + off, '\0', len))
		return perr(p, p->line, col, "NUL byte in the message");
	if ((r = expect_eol(p)))
		return r;
	struct sim_op *op = new_op(p, OP_FAIL, &r);
	if (!op)
		return r;
	op->ref = off;
	op->len = len;
	return 0;
}

static int st_raw(struct parser *p, const struct tok *kw)
{
	struct tok t;
	char b[48];
	int r = next(p, &t);

	(void)kw;
	if (r)
		return r;
	if (word_is(&t, "mmio"))
		return st_mmio(p, &t, true);
	if (word_is(&t, "ripas"))
		return st_ripas(p, &t, true);
	if (word_is(&t, "psci"))
		return st_psci(p, &t, true);
	if (t.t == T_EOL)
		return missing(p, &t, "'mmio', 'ripas' or 'psci'");
	return perr(p, p->line, t.col, "unknown raw statement %s (raw mmio, raw ripas, raw psci)",
		    tok_desc(&t, b, sizeof(b)));
}

static int st_psci_plain(struct parser *p, const struct tok *kw)
{
	return st_psci(p, kw, false);
}

static int st_mmio_plain(struct parser *p, const struct tok *kw)
{
	return st_mmio(p, kw, false);
}

static int st_ripas_plain(struct parser *p, const struct tok *kw)
{
	return st_ripas(p, kw, false);
}

struct stmt {
	const char *kw;
	int (*parse)(struct parser *p, const struct tok *kw);
	bool exits; /* produces a host-visible event (or ends the program) */
};

static const struct stmt stmts[] = {
	{ "mmio", st_mmio_plain, true },   { "print", st_print, true },
	{ "psci", st_psci_plain, true },   { "poll", st_poll, true },
	{ "ripas", st_ripas_plain, true }, { "hostcall", st_hostcall, true },
	{ "expect", st_expect, false },	   { "repeat", st_repeat, false },
	{ "end", st_end, false },	   { "idle", st_idle, true },
	{ "fail", st_fail, true },	   { "raw", st_raw, true },
};

/* ---- header and sections ---------------------------------------------------------- */

/* The header ends at the first section (or the end of the script). */
static int finish_header(struct parser *p)
{
	struct sim_guest *g = p->g;

	if (p->header_done)
		return 0;
	p->header_done = true;
	if (g->has_uart && g->ipa_bits && g->uart >= half_of(g))
		return perr(p, p->uart_line, p->uart_col,
			    "uart 0x%llx is not below 2^(ipa-bits - 1) = 0x%llx (the guest adds "
			    "the shared bit)",
			    (unsigned long long)g->uart, (unsigned long long)half_of(g));
	return 0;
}

static int close_section(struct parser *p)
{
	int r;

	if (!p->in_section)
		return 0;
	if (p->rep_open)
		return perr(p, p->rep_line, p->rep_col, "'repeat' without 'end'");
	unsigned line = p->line;
	p->line = p->cur_sec_line;
	struct sim_op *op = new_op(p, OP_IDLE, &r);
	p->line = line;
	if (!op)
		return r;
	op->flags = OPF_IMPLICIT;
	p->in_section = false;
	return 0;
}

static int st_header(struct parser *p, const struct tok *kw)
{
	struct sim_guest *g = p->g;
	struct tok t;
	uint64_t v;
	int r;

	if (p->header_done)
		return perr(p, p->line, kw->col,
			    "'%.*s' is a header statement: it must come before the first 'cpu' "
			    "section",
			    (int)kw->n, kw->p);
	if (word_is(kw, "ipa-bits")) {
		if (p->ipa_line)
			return perr(p, p->line, kw->col, "duplicate 'ipa-bits' (first at line %u)",
				    p->ipa_line);
		if ((r = next_number(p, "N", false, &v, &t)))
			return r;
		if (v < IPA_BITS_MIN || v > IPA_BITS_MAX)
			return perr(p, p->line, t.col, "ipa-bits %llu is not %u..%u",
				    (unsigned long long)v, IPA_BITS_MIN, IPA_BITS_MAX);
		if ((r = expect_eol(p)))
			return r;
		g->ipa_bits = (unsigned)v;
		p->ipa_line = p->line;
		return 0;
	}
	if (p->uart_line)
		return perr(p, p->line, kw->col, "duplicate 'uart' (first at line %u)",
			    p->uart_line);
	if ((r = next_number(p, "ADDR", false, &v, &t)) || (r = expect_eol(p)))
		return r;
	g->uart = v;
	g->has_uart = 1;
	p->uart_line = p->line;
	p->uart_col = t.col;
	return 0;
}

static int st_section(struct parser *p, const struct tok *kw)
{
	struct sim_guest *g = p->g;
	struct tok t;
	uint64_t cpu = NO_SECTION;
	int r;

	(void)kw;
	if ((r = close_section(p)) || (r = finish_header(p)) || (r = next(p, &t)))
		return r;
	if (t.t == T_WORD && t.n == 1 && t.p[0] == '*') {
		if (p->default_seen)
			return perr(p, p->line, t.col,
				    "duplicate section 'cpu *' (first at line %u)",
				    p->default_line);
	} else {
		if ((r = parse_number(p, &t, "a vCPU number or '*'", false, &cpu)))
			return r;
		if (cpu > SIM_GUEST_MAX_CPU)
			return perr(p, p->line, t.col, "vCPU %llu is above %u",
				    (unsigned long long)cpu, SIM_GUEST_MAX_CPU);
		if (p->seen[cpu / 8] & (1U << (cpu % 8))) {
			unsigned first = 0;
			for (uint32_t i = 0; i < g->nsecs; i++)
				if (g->secs[i].cpu == cpu)
					first = g->secs[i].line;
			return perr(p, p->line, t.col,
				    "duplicate section 'cpu %llu' (first at line %u)",
				    (unsigned long long)cpu, first);
		}
	}
	if ((r = expect_punct(p, T_COLON, "':'")) || (r = expect_eol(p)))
		return r;
	if (cpu == NO_SECTION) {
		p->default_seen = true;
		p->default_line = p->line;
		g->default_sec = g->nops;
		g->default_line = p->line;
	} else {
		if ((r = grow((void **)&g->secs, &g->cap_secs, g->nsecs, sizeof(*g->secs))))
			return r;
		g->secs[g->nsecs++] = (struct sim_section){ .cpu = (uint32_t)cpu,
							    .first = g->nops,
							    .line = p->line };
		p->seen[cpu / 8] |= (uint8_t)(1U << (cpu % 8));
	}
	p->in_section = true;
	p->cur_sec_line = p->line;
	return 0;
}

static int parse_line(struct parser *p)
{
	struct tok kw;
	char b[48];
	int r = next(p, &kw);

	if (r || kw.t == T_EOL)
		return r;
	if (kw.t != T_WORD)
		return perr(p, p->line, kw.col, "expected a statement, got %s",
			    tok_desc(&kw, b, sizeof(b)));
	if (word_is(&kw, "cpu"))
		return st_section(p, &kw);
	if (word_is(&kw, "ipa-bits") || word_is(&kw, "uart"))
		return st_header(p, &kw);
	for (size_t i = 0; i < N_ELEM(stmts); i++) {
		if (!word_is(&kw, stmts[i].kw))
			continue;
		if (!p->in_section)
			return perr(p, p->line, kw.col,
				    "'%s' outside a section (start one with 'cpu N:' or 'cpu *:')",
				    stmts[i].kw);
		if (stmts[i].exits)
			p->rep_exits = true;
		return stmts[i].parse(p, &kw);
	}
	return perr(p, p->line, kw.col, "unknown statement %s", tok_desc(&kw, b, sizeof(b)));
}

static int cmp_section(const void *a, const void *b)
{
	const struct sim_section *x = a, *y = b;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

void sim_guest_free(struct sim_guest *g)
{
	if (!g)
		return;
	free(g->ops);
	free(g->secs);
	free(g->regs);
	free(g->strs);
	free(g);
}

int sim_guest_parse(const char *text, size_t len, struct sim_guest **out,
		    struct sim_guest_error *err)
{
	struct sim_guest_error dummy;
	struct parser p;
	int r = 0;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!out || (!text && len)) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "no script");
		return -EINVAL;
	}
	*out = NULL;
	if (len > SIM_GUEST_MAX_TEXT) {
		err->line = err->col = 1;
		snprintf(err->msg, sizeof(err->msg), "script larger than %u bytes",
			 SIM_GUEST_MAX_TEXT);
		return -EINVAL;
	}
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.len = len;
	p.err = err;
	p.g = calloc(1, sizeof(*p.g));
	p.seen = calloc(SIM_GUEST_MAX_CPU / 8 + 1, 1);
	if (!p.g || !p.seen) {
		r = -ENOMEM;
		goto out;
	}
	p.g->default_sec = NO_SECTION;

	size_t pos = 0;
	p.line = 1;
	for (;;) {
		const char *nl = len > pos ? memchr(text + pos, '\n', len - pos) : NULL;
		p.ls = p.cur = pos;
		p.le = nl ? (size_t)(nl - text) : len;
		p.last_end = 1;
		p.have_la = false;
		if ((r = parse_line(&p)))
			goto out;
		if (!nl)
			break;
		pos = p.le + 1;
		p.line++;
	}
	if ((r = close_section(&p)) || (r = finish_header(&p)))
		goto out;
	if (p.g->nsecs > 1)
		qsort(p.g->secs, p.g->nsecs, sizeof(*p.g->secs), cmp_section);
out:
	free(p.seen);
	if (r) {
		if (r == -ENOMEM) {
			err->line = p.line;
			err->col = 1;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		}
		sim_guest_free(p.g);
		return r;
	}
	*out = p.g;
	return 0;
}

unsigned sim_guest_ipa_bits(const struct sim_guest *g)
{
	return g ? g->ipa_bits : 0;
}

int sim_guest_uart(const struct sim_guest *g, uint64_t *addr)
{
	if (!g || !g->has_uart)
		return 0;
	if (addr)
		*addr = g->uart;
	return 1;
}

/* ---- the interpreter ------------------------------------------------------------------ */

enum cpu_state {
	CPU_OFF, /* never started, or cpu_off / system_off / system_reset */
	CPU_RUN, /* running its program */
	CPU_IDLE, /* finished */
	CPU_FAIL, /* a check failed */
};

struct sim_cpu {
	const struct sim_guest *g;
	unsigned index;
	uint32_t first; /* first op of its section, NO_SECTION without one */
	uint32_t sec_line;
	enum cpu_state state;
	uint64_t pc, x0;
	uint32_t ip; /* current op */
	uint32_t rep_left; /* iterations left of the open repeat, this one included */
	bool waiting; /* the op at ip emitted an event and waits for its answer */
	uint32_t step; /* print: byte index; poll: tries made */
	uint64_t ripas_base;
	unsigned stop_line; /* IDLE / FAIL / OFF: the line to report */
	char fail_msg[sizeof(((struct sim_event *)0)->msg)];
};

static const struct sim_section *find_section(const struct sim_guest *g, unsigned index)
{
	size_t lo = 0, hi = g->nsecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->secs[mid].cpu == index)
			return &g->secs[mid];
		if (g->secs[mid].cpu < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int sim_cpu_new(const struct sim_guest *g, unsigned index, struct sim_cpu **out)
{
	struct sim_cpu *c;

	if (!g || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->g = g;
	c->index = index;
	c->first = NO_SECTION;
	const struct sim_section *s = find_section(g, index);
	if (s) {
		c->first = s->first;
		c->sec_line = s->line;
	} else if (g->default_sec != NO_SECTION) {
		c->first = g->default_sec;
		c->sec_line = g->default_line;
	}
	c->state = CPU_OFF;
	*out = c;
	return 0;
}

void sim_cpu_free(struct sim_cpu *c)
{
	free(c);
}

void sim_cpu_start(struct sim_cpu *c, uint64_t pc, uint64_t x0)
{
	if (!c)
		return;
	c->pc = pc;
	c->x0 = x0;
	c->ip = c->first;
	c->rep_left = 0;
	c->waiting = false;
	c->step = 0;
	c->fail_msg[0] = '\0';
	if (c->first == NO_SECTION) {
		c->state = CPU_IDLE;
		c->stop_line = 0;
	} else {
		c->state = CPU_RUN;
	}
}

int sim_cpu_started(const struct sim_cpu *c)
{
	return c && c->state != CPU_OFF;
}

unsigned sim_cpu_index(const struct sim_cpu *c)
{
	return c ? c->index : 0;
}

const char *sim_ev_kind_name(enum sim_ev_kind k)
{
	switch (k) {
	case SIM_EV_MMIO:
		return "MMIO";
	case SIM_EV_PSCI:
		return "PSCI";
	case SIM_EV_HOST_CALL:
		return "HOST_CALL";
	case SIM_EV_RIPAS:
		return "RIPAS";
	case SIM_EV_IDLE:
		return "IDLE";
	case SIM_EV_FAIL:
		return "FAIL";
	}
	return "?";
}

/* Report a failure; the vCPU stays failed. */
GUEST_PRINTF(4, 5)
static void cpu_fail(struct sim_cpu *c, struct sim_event *ev, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->fail_msg, sizeof(c->fail_msg), "line %u: ", line);

	if (n < 0)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->fail_msg + n, sizeof(c->fail_msg) - (size_t)n, fmt, ap);
	va_end(ap);
	c->state = CPU_FAIL;
	c->stop_line = line;
	c->waiting = false;
	ev->kind = SIM_EV_FAIL;
	ev->line = line;
	memcpy(ev->msg, c->fail_msg, sizeof(ev->msg));
}

static void fmt_psci_value(char *buf, size_t size, unsigned flags, int64_t v)
{
	const char *nm = psci_ret_name(flags, v);

	if (nm)
		snprintf(buf, size, "%lld (%s)", (long long)v, nm);
	else if (v >= -4096 && v <= 4096)
		snprintf(buf, size, "%lld", (long long)v);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
}

static void psci_label(const struct sim_op *op, char *buf, size_t size)
{
	const struct psci_desc *d = psci_by_fid(op->a);

	if (op->flags & OPF_RAW || !d)
		snprintf(buf, size, "raw psci 0x%llx", (unsigned long long)op->a);
	else
		snprintf(buf, size, "psci %s", d->name);
}

/* The result as the guest reads it: 32-bit functions see w0, sign-extended. */
static int64_t psci_result(unsigned flags, uint64_t x0)
{
	if (flags & OPF_SMC32)
		return (int64_t)(int32_t)(uint32_t)x0;
	return (int64_t)x0;
}

static void emit_mmio(const struct sim_op *op, struct sim_event *ev)
{
	ev->kind = SIM_EV_MMIO;
	ev->ipa = op->a;
	ev->len = op->len;
	ev->is_write = !!(op->flags & OPF_WRITE);
	ev->data = ev->is_write ? op->b : 0;
}

static void emit_print(const struct sim_cpu *c, const struct sim_op *op, struct sim_event *ev)
{
	ev->kind = SIM_EV_MMIO;
	ev->ipa = op->a;
	ev->len = 1;
	ev->is_write = 1;
	ev->data = (uint8_t)c->g->strs[op->ref + c->step];
}

static void emit_psci(uint64_t fid, uint64_t x1, uint64_t x2, uint64_t x3, struct sim_event *ev)
{
	ev->kind = SIM_EV_PSCI;
	ev->gprs[0] = fid;
	ev->gprs[1] = x1;
	ev->gprs[2] = x2;
	ev->gprs[3] = x3;
}

static void emit_ripas(const struct sim_op *op, uint64_t base, struct sim_event *ev)
{
	ev->kind = SIM_EV_RIPAS;
	ev->ripas_base = base;
	ev->ripas_top = op->b;
	ev->ripas_value = op->sub;
}

static void emit_hostcall(const struct sim_cpu *c, const struct sim_op *op, struct sim_event *ev)
{
	ev->kind = SIM_EV_HOST_CALL;
	ev->imm = op->imm;
	for (uint32_t i = 0; i < op->nargs; i++) {
		const struct sim_regval *rv = &c->g->regs[op->ref + i];
		ev->gprs[rv->reg] = rv->val;
	}
}

/*
 * Start the op at c->ip. Returns true when it produced an event (ev is
 * filled, possibly FAIL/IDLE), false when the interpreter moves on.
 */
static bool op_start(struct sim_cpu *c, struct sim_event *ev)
{
	const struct sim_op *op = &c->g->ops[c->ip];

	ev->line = op->line;
	c->step = 0;
	switch ((enum op_kind)op->kind) {
	case OP_MMIO:
		emit_mmio(op, ev);
		c->waiting = true;
		return true;
	case OP_PRINT:
		emit_print(c, op, ev);
		c->waiting = true;
		return true;
	case OP_PSCI:
		emit_psci(op->a, op->b, op->c, op->d, ev);
		if (op->flags & OPF_NORETURN) {
			c->state = CPU_OFF;
			c->stop_line = op->line;
		} else {
			c->waiting = true;
		}
		return true;
	case OP_POLL:
		emit_psci(op->a, op->b, 0, 0, ev);
		c->waiting = true;
		return true;
	case OP_RIPAS:
		c->ripas_base = op->a;
		emit_ripas(op, op->a, ev);
		c->waiting = true;
		return true;
	case OP_HOSTCALL:
		emit_hostcall(c, op, ev);
		c->waiting = true;
		return true;
	case OP_EXPECT_START: {
		uint64_t got = op->sub == START_PC ? c->pc : c->x0;
		const char *reg = op->sub == START_PC ? "pc" : "x0";
		if (got == op->expect) {
			c->ip++;
			return false;
		}
		cpu_fail(c, ev, op->line, "start state: expected %s == 0x%llx, got 0x%llx", reg,
			 (unsigned long long)op->expect, (unsigned long long)got);
		return true;
	}
	case OP_REPEAT:
		if (op->count == 0) {
			c->ip = op->ref + 1;
		} else {
			c->rep_left = op->count;
			c->ip++;
		}
		return false;
	case OP_END:
		if (--c->rep_left > 0)
			c->ip = op->ref + 1;
		else
			c->ip++;
		return false;
	case OP_IDLE:
		c->state = CPU_IDLE;
		c->stop_line = op->line;
		ev->kind = SIM_EV_IDLE;
		return true;
	case OP_FAIL:
		cpu_fail(c, ev, op->line, "%.*s", (int)op->len, c->g->strs + op->ref);
		return true;
	}
	cpu_fail(c, ev, op->line, "internal error: bad operation %u", op->kind);
	return true;
}

/*
 * Give the waiting op its answer. Returns true when it produced another
 * event (or failed), false when the op is complete and c->ip moved on.
 */
static bool op_answer(struct sim_cpu *c, const struct sim_response *resp, struct sim_event *ev)
{
	const struct sim_op *op = &c->g->ops[c->ip];
	char b1[64], b2[64], lab[40];

	c->waiting = false;
	ev->line = op->line;
	switch ((enum op_kind)op->kind) {
	case OP_MMIO:
		if (!(op->flags & OPF_WRITE) && (op->flags & OPF_EXPECT)) {
			uint64_t got = resp->gprs[0] & size_mask(op->len);
			if (got != op->expect) {
				cpu_fail(c, ev, op->line,
					 "%smmio read 0x%llx: expected 0x%llx, got 0x%llx",
					 op->flags & OPF_RAW ? "raw " : "",
					 (unsigned long long)op->a, (unsigned long long)op->expect,
					 (unsigned long long)got);
				return true;
			}
		}
		break;
	case OP_PRINT:
		if (++c->step < op->len) {
			emit_print(c, op, ev);
			c->waiting = true;
			return true;
		}
		break;
	case OP_PSCI:
		if (op->flags & OPF_EXPECT) {
			int64_t got = psci_result(op->flags, resp->gprs[0]);
			if (got != (int64_t)op->expect) {
				psci_label(op, lab, sizeof(lab));
				fmt_psci_value(b1, sizeof(b1), op->flags, (int64_t)op->expect);
				fmt_psci_value(b2, sizeof(b2), op->flags, got);
				cpu_fail(c, ev, op->line, "%s: expected x0 == %s, got %s", lab, b1,
					 b2);
				return true;
			}
		}
		break;
	case OP_POLL: {
		int64_t got = psci_result(op->flags, resp->gprs[0]);
		if (got == (int64_t)op->sub)
			break;
		if (++c->step >= op->count) {
			fmt_psci_value(b2, sizeof(b2), op->flags, got);
			cpu_fail(c, ev, op->line,
				 "poll affinity_info 0x%llx until %s: gave up after %u tries (last "
				 "x0 = %s)",
				 (unsigned long long)op->b, op->sub ? "off" : "on", op->count, b2);
			return true;
		}
		emit_psci(op->a, op->b, 0, 0, ev);
		c->waiting = true;
		return true;
	}
	case OP_RIPAS: {
		const char *want = op->flags & OPF_REJECT ? "rejected" : "accepted";
		if ((op->flags & OPF_EXPECT) &&
		    !!resp->ripas_accepted == !!(op->flags & OPF_REJECT)) {
			cpu_fail(c, ev, op->line,
				 "%sripas [0x%llx, 0x%llx) %u: expected %s, got %s",
				 op->flags & OPF_RAW ? "raw " : "",
				 (unsigned long long)c->ripas_base, (unsigned long long)op->b,
				 (unsigned)op->sub, want,
				 resp->ripas_accepted ? "accepted" : "rejected");
			return true;
		}
		if (!resp->ripas_accepted || (op->flags & OPF_RAW) || resp->ripas_top == op->b)
			break;
		if (resp->ripas_top <= c->ripas_base || resp->ripas_top > op->b) {
			cpu_fail(c, ev, op->line,
				 "ripas: host accepted [0x%llx, 0x%llx) but reported progress to "
				 "0x%llx",
				 (unsigned long long)c->ripas_base, (unsigned long long)op->b,
				 (unsigned long long)resp->ripas_top);
			return true;
		}
		/* Partly applied: ask again for the rest, as a guest does. */
		c->ripas_base = resp->ripas_top;
		emit_ripas(op, c->ripas_base, ev);
		c->waiting = true;
		return true;
	}
	case OP_HOSTCALL:
		for (uint32_t i = 0; i < op->nexp; i++) {
			const struct sim_regval *rv = &c->g->regs[op->ref + op->nargs + i];
			if (resp->gprs[rv->reg] != rv->val) {
				cpu_fail(c, ev, op->line,
					 "hostcall 0x%x: expected x%u == 0x%llx, got 0x%llx",
					 (unsigned)op->imm, rv->reg, (unsigned long long)rv->val,
					 (unsigned long long)resp->gprs[rv->reg]);
				return true;
			}
		}
		break;
	default:
		break;
	}
	c->ip++;
	return false;
}

int sim_cpu_next(struct sim_cpu *c, const struct sim_response *resp, struct sim_event *ev)
{
	static const struct sim_response zero;

	if (!c || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	if (!resp)
		resp = &zero;
	switch (c->state) {
	case CPU_OFF:
	case CPU_IDLE:
		ev->kind = SIM_EV_IDLE;
		ev->line = c->stop_line;
		return 0;
	case CPU_FAIL:
		ev->kind = SIM_EV_FAIL;
		ev->line = c->stop_line;
		memcpy(ev->msg, c->fail_msg, sizeof(ev->msg));
		return 0;
	case CPU_RUN:
		break;
	}
	if (c->waiting && op_answer(c, resp, ev))
		return 0;
	/*
	 * Every section ends in IDLE and every repeat body exits, so this loop
	 * ends within one pass over the section (plus one repeat jump).
	 */
	while (!op_start(c, ev))
		;
	return 0;
}

/* ---- the built-in Linux-like guest ------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t n, cap;
	int err;
};

GUEST_PRINTF(2, 3)
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->err = -EINVAL;
			return;
		}
		if ((size_t)n < s->cap - s->n) {
			s->n += (size_t)n;
			return;
		}
		size_t nc = s->cap * 2 + (size_t)n;
		char *np = realloc(s->p, nc);
		if (!np) {
			s->err = -ENOMEM;
			return;
		}
		s->p = np;
		s->cap = nc;
	}
}

static int linux_opts_ok(const struct sim_linux_opts *o)
{
	if (!o || o->nr_cpus < 1 || o->nr_cpus > LINUX_MAX_CPUS || o->ipa_bits < IPA_BITS_MIN ||
	    o->ipa_bits > IPA_BITS_MAX)
		return 0;
	uint64_t half = 1ULL << (o->ipa_bits - 1);
	if (o->uart >= half || o->ram_base % GRANULE || o->ram_size % GRANULE ||
	    o->ram_size < 2 * GRANULE || o->ram_base >= half || o->ram_size > half - o->ram_base)
		return 0;
	return 1;
}

int sim_guest_linux_text(const struct sim_linux_opts *o, char **text, size_t *len)
{
	struct sbuf s = { 0 };

	if (!text || !linux_opts_ok(o))
		return -EINVAL;
	s.cap = 4096 + (size_t)o->nr_cpus * 192;
	s.p = malloc(s.cap);
	if (!s.p)
		return -ENOMEM;
	s.p[0] = '\0';

	uint64_t shared = o->ram_size / 2 < (2ULL << 20) ? o->ram_size / 2 : 2ULL << 20;
	shared &= ~(GRANULE - 1);
	uint64_t shared_base = o->ram_base + o->ram_size - shared;

	sb_printf(&s,
		  "# libcca built-in guest: a Linux-like SMP boot of %u vCPU%s.\n"
		  "# Generated by sim_guest_linux_text(); see docs/guest-scripts.md.\n"
		  "ipa-bits %u\n"
		  "uart 0x%llx\n"
		  "\n"
		  "cpu 0:\n"
		  "\tprint \"Booting Linux on physical CPU 0x0\\n\"\n"
		  "\tprint \"Linux version 6.12.0-cca-sim (libcca simulated guest) #1 SMP\\n\"\n"
		  "\tprint \"Machine model: libcca simulated realm\\n\"\n"
		  "\tprint \"RME: Using RSI version 1.0\\n\"\n"
		  "\tprint \"psci: PSCIv1.1 detected in firmware.\\n\"\n"
		  "\tprint \"Memory: %lluK RAM at 0x%llx\\n\"\n"
		  "\tprint \"smp: Bringing up secondary CPUs ...\\n\"\n",
		  o->nr_cpus, o->nr_cpus == 1 ? "" : "s", o->ipa_bits, (unsigned long long)o->uart,
		  (unsigned long long)(o->ram_size >> 10), (unsigned long long)o->ram_base);
	/*
	 * One secondary at a time, as Linux brings them up. By default each
	 * secondary parks itself with CPU_OFF once it has booted, and vCPU 0
	 * waits for that (the host-visible stand-in for Linux waiting on the
	 * secondary's "online" flag): every secondary has printed its line
	 * before vCPU 0 goes on, whatever the host's scheduling. With
	 * secondaries_stay_on they go idle instead and vCPU 0 only waits until
	 * each is ON.
	 */
	if (o->nr_cpus > 1 && !o->secondaries_stay_on)
		sb_printf(&s, "\t# Start each secondary; wait until it has booted and parked.\n");
	for (unsigned i = 1; i < o->nr_cpus; i++) {
		unsigned long long mpidr = (unsigned long long)sim_guest_kvm_mpidr(i);
		sb_printf(&s, "\tpsci cpu_on 0x%llx 0x%llx %u expect 0\n", mpidr,
			  (unsigned long long)o->secondary_entry, i);
		if (o->secondaries_stay_on)
			sb_printf(&s, "\tpoll affinity_info 0x%llx until on\n", mpidr);
		else
			sb_printf(&s, "\tpoll affinity_info 0x%llx until off max %u\n", mpidr,
				  LINUX_BOOT_POLLS);
	}
	sb_printf(&s,
		  "\tprint \"smp: Brought up 1 node, %u CPU%s\\n\"\n"
		  "\t# The swiotlb bounce buffer becomes shared (decrypted).\n"
		  "\tripas 0x%llx 0x%llx empty expect accepted\n"
		  "\tprint \"swiotlb: %lluK shared at 0x%llx\\n\"\n"
		  "\thostcall 0 x0=0x4c494e58 x1=%u\n"
		  "\tprint \"reboot: Power down\\n\"\n"
		  "\tpsci system_off\n",
		  o->nr_cpus, o->nr_cpus == 1 ? "" : "s", (unsigned long long)shared_base,
		  (unsigned long long)shared, (unsigned long long)(shared >> 10),
		  (unsigned long long)shared_base, o->nr_cpus);
	for (unsigned i = 1; i < o->nr_cpus; i++)
		sb_printf(&s,
			  "\ncpu %u:\n"
			  "\texpect pc == 0x%llx\n"
			  "\texpect x0 == %u\n"
			  "\tprint \"CPU%u: Booted secondary processor\\n\"\n"
			  "\t%s\n",
			  i, (unsigned long long)o->secondary_entry, i, i,
			  o->secondaries_stay_on ? "idle" : "psci cpu_off");
	if (s.err) {
		free(s.p);
		return s.err;
	}
	*text = s.p;
	if (len)
		*len = s.n;
	return 0;
}

int sim_guest_builtin_linux(const struct sim_linux_opts *o, struct sim_guest **out)
{
	struct sim_guest_error err;
	char *text;
	size_t len;
	int r;

	if (!out)
		return -EINVAL;
	r = sim_guest_linux_text(o, &text, &len);
	if (r)
		return r;
	r = sim_guest_parse(text, len, out, &err);
	free(text);
	return r;
}
