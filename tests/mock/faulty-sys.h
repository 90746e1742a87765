/* SPDX-License-Identifier: MIT */
/*
 * A fault-injecting seam: wraps another struct cca_sys (typically the
 * simulator's, cca_sim_sys()) and fails its Nth call with a chosen errno.
 *
 * Every seam operation but machine() is counted, from 1: open, close,
 * ioctl, mmap, munmap, fallocate, madvise. When the count reaches the armed
 * call, that call returns -errno *without calling through*, so the wrapped
 * backend never sees it, with one exception that follows Linux: a failed
 * close(2) still releases the fd (Linux frees it whatever close returns,
 * and a caller must never retry), so a faulted close calls through, then
 * returns the error.
 *
 * The wrapper also keeps the books a leak check needs: every fd handed out
 * through it (open, and the fd-creating ioctls KVM_CREATE_VM,
 * KVM_CREATE_VCPU, KVM_CREATE_GUEST_MEMFD, KVM_CREATE_DEVICE) and every
 * mapping (mmap), removed again by close and a successful munmap. A close
 * of an fd it never handed out, or a munmap of a range it never mapped,
 * counts as a bad call (double close, wrong length).
 *
 * Thread-safe; the call numbering is deterministic only for one caller
 * thread.
 */
#ifndef FAULTY_SYS_H
#define FAULTY_SYS_H

#include <stdbool.h>
#include <stddef.h>

#include "sys.h"

enum faulty_op {
	FAULTY_OPEN,
	FAULTY_CLOSE,
	FAULTY_IOCTL,
	FAULTY_MMAP,
	FAULTY_MUNMAP,
	FAULTY_FALLOCATE,
	FAULTY_MADVISE,
	FAULTY_NR_OPS
};

/* One seam call, as recorded. */
struct faulty_call {
	enum faulty_op op;
	int fd; /* the fd it names, or -1 */
	unsigned long req; /* ioctl request; 0 for the other ops */
};

struct faulty_sys;

/* Wrap @inner (which must outlive the wrapper); 0 or -ENOMEM. */
int faulty_sys_new(const struct cca_sys *inner, struct faulty_sys **out);
/* Free the wrapper (not what it handed out: see faulty_sys_release()). */
void faulty_sys_free(struct faulty_sys *f);
/* The seam to give the library. */
const struct cca_sys *faulty_sys_seam(struct faulty_sys *f);

/*
 * Fail call number @k (counting from 1 since the wrapper was made or
 * reset) with -@err; @k == 0 disarms. One fault per arming.
 */
void faulty_sys_arm(struct faulty_sys *f, unsigned long k, int err);
/* Forget the call count, the trace and the armed fault (not the books). */
void faulty_sys_reset(struct faulty_sys *f);
/* Calls counted so far. */
unsigned long faulty_sys_calls(struct faulty_sys *f);
/* Whether the armed fault fired; *@what receives the failed call. */
bool faulty_sys_fired(struct faulty_sys *f, struct faulty_call *what);
/* Record every call (off by default); faulty_sys_trace() reads call @k (1-based). */
void faulty_sys_set_tracing(struct faulty_sys *f, bool on);
bool faulty_sys_trace(struct faulty_sys *f, unsigned long k, struct faulty_call *out);

/* fds handed out and not closed; mappings made and not unmapped. */
size_t faulty_sys_open_fds(struct faulty_sys *f);
size_t faulty_sys_live_maps(struct faulty_sys *f);
/* Closes of fds never handed out (or closed twice), munmaps of unknown ranges. */
size_t faulty_sys_bad_calls(struct faulty_sys *f);
/*
 * Close and unmap, through the wrapped seam, whatever is still open; the
 * books end empty. A mapping of a file whose fd is already closed is only
 * forgotten (the simulator frees a kvm_run page with its vCPU). Returns
 * how many resources it released. Call it while the wrapped backend still
 * exists.
 */
size_t faulty_sys_release(struct faulty_sys *f);

/* "open", "ioctl", ... */
const char *faulty_op_name(enum faulty_op op);

#endif /* FAULTY_SYS_H */
