/* SPDX-License-Identifier: MIT */
/*
 * The mocked syscall seam (libnvme's test/ioctl/ idea, at libcca's seam).
 *
 * A test declares the exact ioctl sequence it expects, fd, request number
 * and argument bytes, and what each call writes back and returns; the
 * library runs against it through struct cca_sys. Every mismatch fails the
 * cmocka test with "call N: ..., expected ...". The mock also tracks every
 * fd and mapping it hands out, so tests catch leaks on error paths.
 *
 * Without an expected sequence, a handler callback (mock_sys_set_handler())
 * answers: for tests that need a small fake kernel (concurrency).
 */
#ifndef MOCK_SYS_H
#define MOCK_SYS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys.h"

/* Pseudo request numbers for the non-ioctl calls checked in sequence. */
#define MOCK_REQ_FALLOCATE 0xFA110CULL
#define MOCK_REQ_MADVISE 0x3AD715EULL

/* mock_ioctl.flags */
#define MOCK_ARG_INT (1U << 0)   /* compare the ioctl's integer argument with .arg */
#define MOCK_NEW_FD (1U << 1)    /* .ret is a new fd the library must close */
#define MOCK_IN_PREFIX (1U << 2) /* compare only .in_len bytes (default: also size check) */

struct mock_ioctl {
	int fd;                 /* exact fd */
	unsigned long req;      /* exact request number */
	const void *in;         /* argument bytes on entry; NULL: unchecked */
	size_t in_len;
	const void *out;        /* bytes copied to the argument before returning */
	size_t out_len;
	int ret;                /* >= 0 returned; < 0 is -errno */
	uint64_t arg;           /* with MOCK_ARG_INT */
	unsigned int flags;
};

/* fallocate/madvise arguments as compared for MOCK_REQ_FALLOCATE/MADVISE. */
struct mock_range {
	uint64_t mode;          /* fallocate mode / madvise advice */
	uint64_t off;           /* fallocate offset / madvise address */
	uint64_t len;
};

typedef int mock_handler_fn(void *ctx, int fd, unsigned long req, void *arg);

extern const struct cca_sys mock_sys;

/* Reset all state (call from setup). */
void mock_sys_reset(void);
/* Set the expected ioctl sequence (replaces any remaining one). */
void mock_sys_expect(const struct mock_ioctl *calls, size_t n);
/* Fail the test if expected calls remain. */
void mock_sys_done(void);
/* Fail the test if any fd or mapping the mock handed out is still open. */
void mock_sys_assert_clean(void);
/* Answer ioctls with @fn when no expected sequence is set. */
void mock_sys_set_handler(mock_handler_fn *fn, void *ctx);
/* What open() returns (an fd, or -errno); default MOCK_KVM_FD. */
void mock_sys_set_open_result(int ret);
/* What uname's machine is; default "aarch64". */
void mock_sys_set_machine(const char *machine);
/* Make the next @n mmap calls fail with @err. */
void mock_sys_fail_mmap(int err, int n);
/* Number of ioctls seen since reset. */
size_t mock_sys_ioctl_count(void);
/* Every call with an effect since reset: ioctls, fallocate, madvise, open, close, mmap, munmap. */
size_t mock_sys_call_count(void);
/* Declare an fd open (e.g. created by a handler). */
void mock_sys_fd_opened(int fd);

#define MOCK_KVM_FD 0x1d
#define MOCK_VM_FD 0x2e
#define MOCK_VCPU_FD(n) (0x100 + (n))
#define MOCK_GMEM_FD(n) (0x200 + (n))
#define MOCK_GIC_FD 0x3f

#endif /* MOCK_SYS_H */
