// SPDX-License-Identifier: MIT
/*
 * The mocked seam: see mock-sys.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mock-sys.h"

#define MAX_FDS 1024
#define MAX_MAPS 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct mock_ioctl *calls;
static size_t ncalls, next_call, nseen, nother;
static mock_handler_fn *handler;
static void *handler_ctx;
static int open_result = MOCK_KVM_FD;
static char machine[32] = "aarch64";
static int mmap_err, mmap_fail_n;
static int fds[MAX_FDS];
static size_t nfds;
static struct {
	void *p;
	size_t len;
} maps[MAX_MAPS];
static size_t nmaps;

void mock_sys_reset(void)
{
	pthread_mutex_lock(&lock);
	calls = NULL;
	ncalls = next_call = nseen = nother = 0;
	handler = NULL;
	handler_ctx = NULL;
	open_result = MOCK_KVM_FD;
	strcpy(machine, "aarch64");
	mmap_err = mmap_fail_n = 0;
	nfds = 0;
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i].p);
	nmaps = 0;
	pthread_mutex_unlock(&lock);
}

void mock_sys_expect(const struct mock_ioctl *c, size_t n)
{
	pthread_mutex_lock(&lock);
	calls = c;
	ncalls = n;
	next_call = 0;
	pthread_mutex_unlock(&lock);
}

void mock_sys_done(void)
{
	pthread_mutex_lock(&lock);
	size_t left = ncalls - next_call;
	const struct mock_ioctl *e = left ? &calls[next_call] : NULL;
	size_t idx = next_call;
	pthread_mutex_unlock(&lock);
	if (e)
		fail_msg("%zu expected call(s) not made; first: call %zu fd %d req 0x%lx", left, idx,
			 e->fd, e->req);
}

void mock_sys_assert_clean(void)
{
	pthread_mutex_lock(&lock);
	size_t nf = nfds, nm = nmaps;
	int fd0 = nf ? fds[0] : -1;
	pthread_mutex_unlock(&lock);
	if (nf)
		fail_msg("%zu fd(s) leaked, first %d (0x%x)", nf, fd0, fd0);
	if (nm)
		fail_msg("%zu mapping(s) leaked", nm);
}

void mock_sys_set_handler(mock_handler_fn *fn, void *ctx)
{
	pthread_mutex_lock(&lock);
	handler = fn;
	handler_ctx = ctx;
	pthread_mutex_unlock(&lock);
}

void mock_sys_set_open_result(int ret)
{
	open_result = ret;
}

void mock_sys_set_machine(const char *m)
{
	snprintf(machine, sizeof(machine), "%s", m);
}

void mock_sys_fail_mmap(int err, int n)
{
	mmap_err = err;
	mmap_fail_n = n;
}

size_t mock_sys_ioctl_count(void)
{
	return nseen;
}

size_t mock_sys_call_count(void)
{
	pthread_mutex_lock(&lock);
	size_t n = nseen + nother;
	pthread_mutex_unlock(&lock);
	return n;
}

/* Caller holds lock. */
static void fd_add(int fd)
{
	if (nfds < MAX_FDS)
		fds[nfds++] = fd;
}

void mock_sys_fd_opened(int fd)
{
	pthread_mutex_lock(&lock);
	fd_add(fd);
	pthread_mutex_unlock(&lock);
}

static bool fd_remove(int fd)
{
	for (size_t i = 0; i < nfds; i++) {
		if (fds[i] == fd) {
			fds[i] = fds[--nfds];
			return true;
		}
	}
	return false;
}

static void hexdump(char *buf, size_t bl, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < bl; i++)
		o += (size_t)snprintf(buf + o, bl - o, "%02x%s", b[i], (i % 8 == 7) ? " " : "");
}

static int mock_open(void *ctx, const char *path, int flags)
{
	(void)ctx;
	(void)path;
	(void)flags;
	pthread_mutex_lock(&lock);
	nother++;
	int r = open_result;
	if (r >= 0)
		fd_add(r);
	pthread_mutex_unlock(&lock);
	return r;
}

static int mock_close(void *ctx, int fd)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	nother++;
	bool ok = fd_remove(fd);
	pthread_mutex_unlock(&lock);
	if (!ok)
		fail_msg("close(%d): fd not open (double close or never opened)", fd);
	return 0;
}

static unsigned long ioc_size(unsigned long req)
{
	return (req >> _IOC_SIZESHIFT) & _IOC_SIZEMASK;
}

static int check_call(unsigned long req, int fd, void *arg, const struct mock_range *rng)
{
	pthread_mutex_lock(&lock);
	nseen++;
	if (!calls) {
		mock_handler_fn *h = handler;
		void *hc = handler_ctx;
		pthread_mutex_unlock(&lock);
		if (!h)
			fail_msg("unexpected call: fd %d req 0x%lx (no sequence, no handler)", fd, req);
		int r = h(hc, fd, req, arg);
		return r;
	}
	if (next_call >= ncalls) {
		size_t n = next_call;
		pthread_mutex_unlock(&lock);
		fail_msg("call %zu: fd %d req 0x%lx, but the expected sequence has ended", n, fd, req);
	}
	size_t i = next_call++;
	const struct mock_ioctl *e = &calls[i];
	pthread_mutex_unlock(&lock);

	if (e->req != req)
		fail_msg("call %zu: req 0x%lx, expected 0x%lx", i, req, e->req);
	if (e->fd != fd)
		fail_msg("call %zu (req 0x%lx): fd %d, expected %d", i, req, fd, e->fd);
	const void *in = rng ? (const void *)rng : arg;
	if (e->flags & MOCK_ARG_INT) {
		if ((uint64_t)(uintptr_t)arg != e->arg)
			fail_msg("call %zu (req 0x%lx): arg 0x%" PRIx64 ", expected 0x%" PRIx64, i, req,
				 (uint64_t)(uintptr_t)arg, e->arg);
	} else if (e->in) {
		if (!rng && !(e->flags & MOCK_IN_PREFIX) && ioc_size(req) &&
		    ioc_size(req) != e->in_len)
			fail_msg("call %zu (req 0x%lx): test compares %zu bytes, ioctl carries %lu", i,
				 req, e->in_len, ioc_size(req));
		if (memcmp(in, e->in, e->in_len)) {
			char got[512], exp[512];
			hexdump(got, sizeof(got), in, e->in_len);
			hexdump(exp, sizeof(exp), e->in, e->in_len);
			fail_msg("call %zu (req 0x%lx): argument bytes differ\n got: %s\n exp: %s", i,
				 req, got, exp);
		}
	}
	if (e->ret >= 0 && e->out && e->out_len)
		memcpy(arg, e->out, e->out_len);
	if (e->ret >= 0 && (e->flags & MOCK_NEW_FD)) {
		pthread_mutex_lock(&lock);
		fd_add(e->ret);
		pthread_mutex_unlock(&lock);
	}
	return e->ret;
}

static int mock_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	return check_call(req, fd, arg, NULL);
}

static int mock_mmap(void *ctx, size_t len, int prot, int flags, int fd, uint64_t off,
		     void **out)
{
	(void)ctx;
	(void)prot;
	(void)flags;
	(void)fd;
	(void)off;
	pthread_mutex_lock(&lock);
	nother++;
	if (mmap_fail_n > 0) {
		mmap_fail_n--;
		pthread_mutex_unlock(&lock);
		return -mmap_err;
	}
	void *p = NULL;
	if (posix_memalign(&p, 4096, len ? len : 1) || nmaps >= MAX_MAPS) {
		pthread_mutex_unlock(&lock);
		free(p);
		return -ENOMEM;
	}
	memset(p, 0, len);
	maps[nmaps].p = p;
	maps[nmaps].len = len;
	nmaps++;
	pthread_mutex_unlock(&lock);
	*out = p;
	return 0;
}

static int mock_munmap(void *ctx, void *addr, size_t len)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	nother++;
	for (size_t i = 0; i < nmaps; i++) {
		if (maps[i].p == addr) {
			size_t ml = maps[i].len;
			free(addr);
			maps[i] = maps[--nmaps];
			pthread_mutex_unlock(&lock);
			if (ml != len)
				fail_msg("munmap(%p): length %zu, mapped %zu", addr, len, ml);
			return 0;
		}
	}
	pthread_mutex_unlock(&lock);
	fail_msg("munmap(%p): not mapped by the mock", addr);
	return -EINVAL;
}

static int mock_fallocate(void *ctx, int fd, int mode, uint64_t off, uint64_t len)
{
	(void)ctx;
	struct mock_range r = { (uint64_t)mode, off, len };
	return check_call(MOCK_REQ_FALLOCATE, fd, &r, &r);
}

static int mock_madvise(void *ctx, void *addr, size_t len, int advice)
{
	(void)ctx;
	struct mock_range r = { (uint64_t)advice, (uint64_t)(uintptr_t)addr, len };
	return check_call(MOCK_REQ_MADVISE, -1, &r, &r);
}

static int mock_machine(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	snprintf(buf, len, "%s", machine);
	return 0;
}

static const struct cca_sys_ops mock_ops = {
	.open = mock_open,
	.close = mock_close,
	.ioctl = mock_ioctl,
	.mmap = mock_mmap,
	.munmap = mock_munmap,
	.fallocate = mock_fallocate,
	.madvise = mock_madvise,
	.machine = mock_machine,
};

const struct cca_sys mock_sys = { .ops = &mock_ops, .ctx = NULL };
