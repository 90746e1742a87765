/* SPDX-License-Identifier: MIT */
/*
 * A strict expected-call checker that follows the pointers inside ioctl
 * arguments.
 *
 * The mock's own table (struct mock_ioctl, mock_sys_expect()) compares the
 * argument's bytes, which for struct kvm_one_reg and struct kvm_device_attr
 * are an ID and a pointer: the value that matters sits behind .addr. A test
 * that needs it checked declares its sequence as struct mock_step instead;
 * mock_seq_expect() installs a handler on the mock that takes the steps in
 * order and checks, per call:
 *
 *   - the fd and the request number, exactly;
 *   - by @kind, the argument:
 *       MOCK_STEP_PLAIN  the argument's own bytes (@in: all _IOC_SIZE(req) of them);
 *       MOCK_STEP_INT    the integer argument (@arg);
 *       MOCK_STEP_REG    struct kvm_one_reg: .id == @id, then @in/@out at .addr;
 *       MOCK_STEP_ATTR   struct kvm_device_attr: .flags == 0, .group == @group,
 *                        .attr == @id, .addr == @addr if @addr is set, then
 *                        @in/@out at .addr; with neither @in nor @out .addr
 *                        must be 0.
 *   - then, if @ret >= 0, copies @out over the data (the argument, or the
 *     bytes at .addr) and declares @new_fd open to the mock, so that
 *     mock_sys_assert_clean() catches it if the library never closes it;
 *   - returns @ret (>= 0, or -errno).
 *
 * Every mismatch fails the cmocka test with "call N (req 0x...): ...",
 * N counting from 0 within the sequence; differing bytes are hexdumped as
 * "got:" and "exp:" lines. A call after the last step fails the test too.
 *
 * Usage:
 *
 *	const struct mock_step calls[] = {
 *		{ .fd = VCPU, .req = KVM_SET_ONE_REG, .kind = MOCK_STEP_REG,
 *		  .id = REG, .in = &(const uint64_t){ 42 }, .in_len = 8 },
 *		{ .fd = VCPU, .req = KVM_RUN, .kind = MOCK_STEP_INT, .ret = -EINTR },
 *	};
 *	MOCK_SEQ_EXPECT(calls);
 *	... call the library ...
 *	mock_seq_done();
 *
 * The steps are not copied: they must outlive the sequence. One sequence
 * at a time, not for concurrent callers (the fixture's fake kernel is).
 */
#ifndef MOCK_SEQ_H
#define MOCK_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mock-sys.h"

enum mock_step_kind {
	MOCK_STEP_PLAIN, /* @in/@out are the argument's bytes */
	MOCK_STEP_INT,   /* the argument is the integer @arg */
	MOCK_STEP_REG,   /* kvm_one_reg: @id, then @in/@out at .addr */
	MOCK_STEP_ATTR,  /* kvm_device_attr: @group/@id (@addr), then @in/@out at .addr */
};

struct mock_step {
	int fd;                   /* exact fd */
	unsigned long req;        /* exact request number */
	enum mock_step_kind kind; /* default (0): MOCK_STEP_PLAIN */
	uint64_t arg;             /* MOCK_STEP_INT: the integer argument */
	uint64_t id;              /* MOCK_STEP_REG: register ID; MOCK_STEP_ATTR: .attr */
	uint32_t group;           /* MOCK_STEP_ATTR: .group */
	const void *addr;         /* MOCK_STEP_ATTR: the exact .addr (NULL: any) */
	const void *in;           /* bytes expected on entry, @in_len of them; NULL: unchecked */
	size_t in_len;
	const void *out;          /* bytes written back, @out_len of them, if @ret >= 0 */
	size_t out_len;
	int ret;                  /* >= 0 returned; < 0 is -errno */
	int new_fd;               /* if @ret >= 0, the call opens this fd (0: none) */
};

/*
 * Expect exactly the @n calls @steps (replaces the mock's table and handler;
 * ioctls only: fallocate/madvise still go to the mock's table, which is
 * emptied).
 */
void mock_seq_expect(const struct mock_step *steps, size_t n);

/*
 * Fail the test if declared calls remain; either way the handler is
 * removed, so from here any kernel call fails the test (strict mode).
 */
void mock_seq_done(void);

/* mock_seq_expect() on an array. */
#define MOCK_SEQ_EXPECT(a) mock_seq_expect(a, sizeof(a) / sizeof((a)[0]))

#endif /* MOCK_SEQ_H */
