// SPDX-License-Identifier: MIT
/*
 * The real system calls behind the seam: the only file of libcca that calls
 * open/ioctl/mmap/close/fallocate/madvise.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sys.h"

static int linux_open(void *ctx, const char *path, int flags)
{
	(void)ctx;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int linux_close(void *ctx, int fd)
{
	(void)ctx;
	/* Linux releases the fd even when close() reports EINTR: never retry. */
	return close(fd) < 0 ? -errno : 0;
}

static int linux_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	int ret = ioctl(fd, req, arg);
	return ret < 0 ? -errno : ret;
}

static int linux_mmap(void *ctx, size_t len, int prot, int flags, int fd, uint64_t off,
		      void **out)
{
	(void)ctx;
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int linux_munmap(void *ctx, void *addr, size_t len)
{
	(void)ctx;
	return munmap(addr, len) < 0 ? -errno : 0;
}

static int linux_fallocate(void *ctx, int fd, int mode, uint64_t off, uint64_t len)
{
	(void)ctx;
	return fallocate(fd, mode, (off_t)off, (off_t)len) < 0 ? -errno : 0;
}

static int linux_madvise(void *ctx, void *addr, size_t len, int advice)
{
	(void)ctx;
	return madvise(addr, len, advice) < 0 ? -errno : 0;
}

static int linux_machine(void *ctx, char *buf, size_t len)
{
	struct utsname u;

	(void)ctx;
	if (len == 0)
		return -EINVAL;
	if (uname(&u) < 0)
		return -errno;
	strncpy(buf, u.machine, len - 1);
	buf[len - 1] = '\0';
	return 0;
}

static const struct cca_sys_ops linux_ops = {
	.open = linux_open,
	.close = linux_close,
	.ioctl = linux_ioctl,
	.mmap = linux_mmap,
	.munmap = linux_munmap,
	.fallocate = linux_fallocate,
	.madvise = linux_madvise,
	.machine = linux_machine,
};

const struct cca_sys cca_sys_linux = { .ops = &linux_ops, .ctx = NULL };
