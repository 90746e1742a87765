/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the simulated KVM (kvm.c): the seam that routes
 * libcca's (or an LD_PRELOADed VMM's) system calls to it.
 */
#ifndef LIBCCA_SIM_SIM_H
#define LIBCCA_SIM_SIM_H

#include <rmi/sim.h>

#include "sys.h"

/* The seam bound to @sim: ioctl/mmap/close on simulated fds go to the model. */
const struct cca_sys *cca_sim_sys(struct cca_sim *sim);

/*
 * fd numbers for simulated files. By default the model invents numbers
 * (from 1 << 20 up), which is enough inside libcca; the LD_PRELOAD shim
 * installs real, reserved fds so that an unmodified VMM's close() and
 * poll() stay harmless.
 */
struct cca_sim_fd_ops {
	int (*alloc)(void *ctx);          /* a new fd number, or -errno */
	void (*release)(void *ctx, int fd);
	void *ctx;
};
void cca_sim_set_fd_ops(struct cca_sim *sim, const struct cca_sim_fd_ops *ops);
/* Whether @fd is one of the simulator's. */
int cca_sim_owns_fd(struct cca_sim *sim, int fd);
/* Whether @addr is a kvm_run page the simulator handed out by mmap. */
int cca_sim_owns_map(struct cca_sim *sim, const void *addr);

#endif
