// SPDX-License-Identifier: MIT
/*
 * The pointer-following expected-call checker: see mock-seq.h.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rmi/uapi.h>

#include "mock-seq.h"

static struct {
	const struct mock_step *s;
	size_t n, next;
} seq;

static void hex(char *buf, size_t bl, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < len && o + 4 < bl; i++)
		o += (size_t)snprintf(buf + o, bl - o, "%02x%s", b[i], i % 8 == 7 ? " " : "");
}

static void cmp_bytes(size_t i, unsigned long req, const char *what, const void *got,
		      const void *want, size_t len)
{
	if (memcmp(got, want, len)) {
		char g[600], w[600];
		hex(g, sizeof(g), got, len);
		hex(w, sizeof(w), want, len);
		fail_msg("call %zu (req 0x%lx): %s differ\n got: %s\n exp: %s", i, req, what, g, w);
	}
}

/* The bytes behind a kvm_one_reg/kvm_device_attr .addr the step reads or writes. */
static void *pointee(size_t i, unsigned long req, const struct mock_step *e, uint64_t addr)
{
	if (!addr && (e->in || e->out))
		fail_msg("call %zu (req 0x%lx): .addr is 0, expected a pointer to %zu bytes", i,
			 req, e->in ? e->in_len : e->out_len);
	return (void *)(uintptr_t)addr;
}

static int seq_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	if (seq.next >= seq.n)
		fail_msg("call %zu: fd 0x%x req 0x%lx after the expected sequence ended", seq.next,
			 fd, req);
	size_t i = seq.next++;
	const struct mock_step *e = &seq.s[i];
	void *data = arg;

	if (e->req != req)
		fail_msg("call %zu: req 0x%lx, expected 0x%lx", i, req, e->req);
	if (e->fd != fd)
		fail_msg("call %zu (req 0x%lx): fd 0x%x, expected 0x%x", i, req, fd, e->fd);
	switch (e->kind) {
	case MOCK_STEP_INT:
		if ((uint64_t)(uintptr_t)arg != e->arg)
			fail_msg("call %zu (req 0x%lx): argument 0x%llx, expected 0x%llx", i, req,
				 (unsigned long long)(uintptr_t)arg, (unsigned long long)e->arg);
		break;
	case MOCK_STEP_PLAIN:
		if (e->in && _IOC_SIZE(req) != e->in_len)
			fail_msg("call %zu (req 0x%lx): test compares %zu bytes, ioctl carries %u",
				 i, req, e->in_len, (unsigned)_IOC_SIZE(req));
		break;
	case MOCK_STEP_REG: {
		const struct kvm_one_reg *r = arg;
		if (r->id != e->id)
			fail_msg("call %zu (req 0x%lx): register 0x%llx, expected 0x%llx", i, req,
				 (unsigned long long)r->id, (unsigned long long)e->id);
		data = pointee(i, req, e, r->addr);
		break;
	}
	case MOCK_STEP_ATTR: {
		const struct kvm_device_attr *a = arg;
		if (a->flags || a->group != e->group || a->attr != e->id)
			fail_msg(
				"call %zu (req 0x%lx): attr flags %u group %u attr %llu, expected 0 "
				"%u %llu",
				i, req, a->flags, a->group, (unsigned long long)a->attr, e->group,
				(unsigned long long)e->id);
		if (!e->in && !e->out && a->addr)
			fail_msg("call %zu (req 0x%lx): attr addr 0x%llx, expected 0", i, req,
				 (unsigned long long)a->addr);
		if (e->addr && a->addr != (uint64_t)(uintptr_t)e->addr)
			fail_msg("call %zu (req 0x%lx): attr addr 0x%llx, expected %p", i, req,
				 (unsigned long long)a->addr, e->addr);
		data = pointee(i, req, e, a->addr);
		break;
	}
	default:
		fail_msg("call %zu (req 0x%lx): step of unknown kind %d", i, req, (int)e->kind);
	}
	if (e->in)
		cmp_bytes(i, req, "argument bytes", data, e->in, e->in_len);
	if (e->ret >= 0 && e->out)
		memcpy(data, e->out, e->out_len);
	if (e->ret >= 0 && e->new_fd)
		mock_sys_fd_opened(e->new_fd);
	return e->ret;
}

void mock_seq_expect(const struct mock_step *steps, size_t n)
{
	seq.s = steps;
	seq.n = n;
	seq.next = 0;
	mock_sys_expect(NULL, 0);
	mock_sys_set_handler(seq_ioctl, NULL);
}

void mock_seq_done(void)
{
	mock_sys_set_handler(NULL, NULL);
	if (seq.next != seq.n)
		fail_msg("%zu expected call(s) not made; first: call %zu fd 0x%x req 0x%lx",
			 seq.n - seq.next, seq.next, seq.s[seq.next].fd, seq.s[seq.next].req);
}
