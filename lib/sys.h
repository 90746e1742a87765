/* SPDX-License-Identifier: MIT */
/*
 * The syscall seam. Every kernel call libcca makes goes through one of
 * these function pointers, so that the same library code runs against the
 * real kernel (sys-linux.c), the cmocka mock (tests/mock/) and the
 * simulated KVM+RMM backend (sim/). Each returns >= 0 or -errno; nobody
 * reads errno after a seam call.
 */
#ifndef LIBCCA_SYS_H
#define LIBCCA_SYS_H

#include <stddef.h>
#include <stdint.h>

struct cca_sys_ops {
	/* open(2) of a device; returns the fd. */
	int (*open)(void *ctx, const char *path, int flags);
	int (*close)(void *ctx, int fd);
	/* @arg is the ioctl's pointer, or an integer cast to a pointer. */
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
	/* mmap(2) with a NULL hint; the mapping goes to *out. */
	int (*mmap)(void *ctx, size_t len, int prot, int flags, int fd, uint64_t off, void **out);
	int (*munmap)(void *ctx, void *addr, size_t len);
	int (*fallocate)(void *ctx, int fd, int mode, uint64_t off, uint64_t len);
	int (*madvise)(void *ctx, void *addr, size_t len, int advice);
	/* uname(2)'s machine field. */
	int (*machine)(void *ctx, char *buf, size_t len);
};

struct cca_sys {
	const struct cca_sys_ops *ops;
	void *ctx;
};

/* The real system calls. */
extern const struct cca_sys cca_sys_linux;

static inline int sys_ioctl(const struct cca_sys *s, int fd, unsigned long req, void *arg)
{
	return s->ops->ioctl(s->ctx, fd, req, arg);
}

static inline int sys_ioctl_int(const struct cca_sys *s, int fd, unsigned long req,
				unsigned long arg)
{
	return s->ops->ioctl(s->ctx, fd, req, (void *)(uintptr_t)arg);
}

static inline int sys_close(const struct cca_sys *s, int fd)
{
	return fd >= 0 ? s->ops->close(s->ctx, fd) : 0;
}

#endif /* LIBCCA_SYS_H */
