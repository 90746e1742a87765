// SPDX-License-Identifier: MIT
/*
 * The fault-injecting seam: see faulty-sys.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/uapi.h>

#include "faulty-sys.h"

struct fmap {
	void *p;
	size_t len;
	int fd; /* the file mapped, or -1 */
};

struct faulty_sys {
	struct cca_sys seam;
	const struct cca_sys *inner;
	pthread_mutex_t lock;
	unsigned long calls, armed;
	int err;
	bool fired;
	struct faulty_call what;
	bool tracing;
	struct faulty_call *trace;
	size_t trace_cap;
	int *fds;
	size_t nfds, fds_cap;
	struct fmap *maps;
	size_t nmaps, maps_cap;
	size_t bad;
};

static const char *const op_names[FAULTY_NR_OPS] = {
	[FAULTY_OPEN] = "open",	      [FAULTY_CLOSE] = "close",	  [FAULTY_IOCTL] = "ioctl",
	[FAULTY_MMAP] = "mmap",	      [FAULTY_MUNMAP] = "munmap", [FAULTY_FALLOCATE] = "fallocate",
	[FAULTY_MADVISE] = "madvise",
};

const char *faulty_op_name(enum faulty_op op)
{
	return (unsigned)op < FAULTY_NR_OPS ? op_names[op] : "?";
}

/* Grow *@v (elements of @size) to hold @need; false when out of memory. */
static bool grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *p = realloc(*v, n * size);
	if (!p)
		return false;
	*v = p;
	*cap = n;
	return true;
}

/*
 * Count a call; returns the errno to fail it with, or 0 to call through.
 * Caller holds f->lock.
 */
static int count(struct faulty_sys *f, enum faulty_op op, int fd, unsigned long req)
{
	struct faulty_call c = { .op = op, .fd = fd, .req = req };

	f->calls++;
	if (f->tracing && grow((void **)&f->trace, &f->trace_cap, f->calls, sizeof(c)))
		f->trace[f->calls - 1] = c;
	if (f->armed && f->calls == f->armed) {
		f->fired = true;
		f->what = c;
		return f->err;
	}
	return 0;
}

/* Caller holds f->lock. */
static void fd_add(struct faulty_sys *f, int fd)
{
	if (grow((void **)&f->fds, &f->fds_cap, f->nfds + 1, sizeof(int)))
		f->fds[f->nfds++] = fd;
}

static bool fd_del(struct faulty_sys *f, int fd)
{
	for (size_t i = 0; i < f->nfds; i++) {
		if (f->fds[i] == fd) {
			/* Keep creation order: faulty_sys_release() closes newest first. */
			memmove(&f->fds[i], &f->fds[i + 1], (f->nfds - i - 1) * sizeof(int));
			f->nfds--;
			return true;
		}
	}
	return false;
}

static int f_open(void *ctx, const char *path, int flags)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_OPEN, -1, 0);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return -err;
	int fd = f->inner->ops->open(f->inner->ctx, path, flags);
	if (fd >= 0) {
		pthread_mutex_lock(&f->lock);
		fd_add(f, fd);
		pthread_mutex_unlock(&f->lock);
	}
	return fd;
}

static int f_close(void *ctx, int fd)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_CLOSE, fd, 0);
	if (!fd_del(f, fd))
		f->bad++;
	pthread_mutex_unlock(&f->lock);
	/* Linux releases the fd whatever close() returns: so does a faulted close. */
	int ret = f->inner->ops->close(f->inner->ctx, fd);
	return err ? -err : ret;
}

static int f_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_IOCTL, fd, req);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return -err;
	int ret = f->inner->ops->ioctl(f->inner->ctx, fd, req, arg);
	int newfd = -1;
	if (ret >= 0) {
		if (req == KVM_CREATE_VM || req == KVM_CREATE_VCPU || req == KVM_CREATE_GUEST_MEMFD)
			newfd = ret;
		else if (req == KVM_CREATE_DEVICE &&
			 !(((struct kvm_create_device *)arg)->flags & KVM_CREATE_DEVICE_TEST))
			newfd = (int)((struct kvm_create_device *)arg)->fd;
	}
	if (newfd >= 0) {
		pthread_mutex_lock(&f->lock);
		fd_add(f, newfd);
		pthread_mutex_unlock(&f->lock);
	}
	return ret;
}

static int f_mmap(void *ctx, size_t len, int prot, int flags, int fd, uint64_t off, void **out)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_MMAP, fd, 0);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return -err;
	int ret = f->inner->ops->mmap(f->inner->ctx, len, prot, flags, fd, off, out);
	if (ret == 0) {
		pthread_mutex_lock(&f->lock);
		if (grow((void **)&f->maps, &f->maps_cap, f->nmaps + 1, sizeof(struct fmap)))
			f->maps[f->nmaps++] = (struct fmap){ *out, len, fd };
		pthread_mutex_unlock(&f->lock);
	}
	return ret;
}

static int f_munmap(void *ctx, void *addr, size_t len)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_MUNMAP, -1, 0);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return -err; /* a failed munmap leaves the mapping in place */
	int ret = f->inner->ops->munmap(f->inner->ctx, addr, len);
	pthread_mutex_lock(&f->lock);
	size_t i;
	for (i = 0; i < f->nmaps; i++)
		if (f->maps[i].p == addr && f->maps[i].len == len)
			break;
	if (i == f->nmaps)
		f->bad++;
	else if (ret == 0)
		f->maps[i] = f->maps[--f->nmaps];
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static int f_fallocate(void *ctx, int fd, int mode, uint64_t off, uint64_t len)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_FALLOCATE, fd, 0);
	pthread_mutex_unlock(&f->lock);
	return err ? -err : f->inner->ops->fallocate(f->inner->ctx, fd, mode, off, len);
}

static int f_madvise(void *ctx, void *addr, size_t len, int advice)
{
	struct faulty_sys *f = ctx;
	pthread_mutex_lock(&f->lock);
	int err = count(f, FAULTY_MADVISE, -1, 0);
	pthread_mutex_unlock(&f->lock);
	return err ? -err : f->inner->ops->madvise(f->inner->ctx, addr, len, advice);
}

static int f_machine(void *ctx, char *buf, size_t len)
{
	struct faulty_sys *f = ctx;
	return f->inner->ops->machine(f->inner->ctx, buf, len);
}

static const struct cca_sys_ops faulty_ops = {
	.open = f_open,
	.close = f_close,
	.ioctl = f_ioctl,
	.mmap = f_mmap,
	.munmap = f_munmap,
	.fallocate = f_fallocate,
	.madvise = f_madvise,
	.machine = f_machine,
};

int faulty_sys_new(const struct cca_sys *inner, struct faulty_sys **out)
{
	struct faulty_sys *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->inner = inner;
	f->seam.ops = &faulty_ops;
	f->seam.ctx = f;
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
}

void faulty_sys_free(struct faulty_sys *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->trace);
	free(f->fds);
	free(f->maps);
	free(f);
}

const struct cca_sys *faulty_sys_seam(struct faulty_sys *f)
{
	return &f->seam;
}

void faulty_sys_arm(struct faulty_sys *f, unsigned long k, int err)
{
	pthread_mutex_lock(&f->lock);
	f->armed = k;
	f->err = err;
	f->fired = false;
	pthread_mutex_unlock(&f->lock);
}

void faulty_sys_reset(struct faulty_sys *f)
{
	pthread_mutex_lock(&f->lock);
	f->calls = 0;
	f->armed = 0;
	f->err = 0;
	f->fired = false;
	pthread_mutex_unlock(&f->lock);
}

unsigned long faulty_sys_calls(struct faulty_sys *f)
{
	pthread_mutex_lock(&f->lock);
	unsigned long n = f->calls;
	pthread_mutex_unlock(&f->lock);
	return n;
}

bool faulty_sys_fired(struct faulty_sys *f, struct faulty_call *what)
{
	pthread_mutex_lock(&f->lock);
	bool fired = f->fired;
	if (fired && what)
		*what = f->what;
	pthread_mutex_unlock(&f->lock);
	return fired;
}

void faulty_sys_set_tracing(struct faulty_sys *f, bool on)
{
	pthread_mutex_lock(&f->lock);
	f->tracing = on;
	pthread_mutex_unlock(&f->lock);
}

bool faulty_sys_trace(struct faulty_sys *f, unsigned long k, struct faulty_call *out)
{
	pthread_mutex_lock(&f->lock);
	bool ok = k >= 1 && k <= f->calls && k <= f->trace_cap && f->trace;
	if (ok)
		*out = f->trace[k - 1];
	pthread_mutex_unlock(&f->lock);
	return ok;
}

size_t faulty_sys_open_fds(struct faulty_sys *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->nfds;
	pthread_mutex_unlock(&f->lock);
	return n;
}

size_t faulty_sys_live_maps(struct faulty_sys *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->nmaps;
	pthread_mutex_unlock(&f->lock);
	return n;
}

size_t faulty_sys_bad_calls(struct faulty_sys *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->bad;
	pthread_mutex_unlock(&f->lock);
	return n;
}

size_t faulty_sys_release(struct faulty_sys *f)
{
	size_t n = 0;

	pthread_mutex_lock(&f->lock);
	/*
	 * Mappings first. A file mapping whose fd is closed is only forgotten:
	 * the simulator frees a kvm_run page with its vCPU, and unmapping that
	 * address afterwards would unmap whatever the heap put there.
	 */
	for (size_t i = 0; i < f->nmaps; i++, n++) {
		bool open = false;
		for (size_t j = 0; j < f->nfds && !open; j++)
			open = f->fds[j] == f->maps[i].fd;
		if (f->maps[i].fd < 0 || open)
			f->inner->ops->munmap(f->inner->ctx, f->maps[i].p, f->maps[i].len);
	}
	f->nmaps = 0;
	/* Then fds, newest first: vCPUs, devices and guest_memfds before their VM. */
	while (f->nfds) {
		f->inner->ops->close(f->inner->ctx, f->fds[--f->nfds]);
		n++;
	}
	pthread_mutex_unlock(&f->lock);
	return n;
}
