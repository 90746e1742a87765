/* SPDX-License-Identifier: MIT */
/*
 * A minimal VMM run loop on libcca and the simulated backend, shared by the
 * scenario tests and the simulator benchmark: build a realm in the order
 * the kernel requires, run one thread per vCPU, answer every exit with
 * libcca's helpers.
 */
#ifndef TESTS_SIM_VMM_H
#define TESTS_SIM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <rmi/cca.h>

#define SIM_VMM_RAM_BASE 0x80000000ULL
#define SIM_VMM_UART 0x09000000ULL
#define SIM_VMM_MAX_CPUS 512
#define SIM_VMM_OUT 1024

struct sim_vmm_cfg {
	enum cca_abi_rev rev;
	const char *guest;     /* NULL: the built-in guest */
	unsigned int nr_cpus;
	unsigned int ipa_bits; /* 0: 33 */
	unsigned long long ram_size; /* 0: 64 MiB */
	bool psci_user;
	bool pmu;
};

struct sim_vmm {
	struct sim_vmm_cfg cfg;
	struct cca_sim *sim;
	struct cca_host *host;
	struct cca_realm *realm;
	struct cca_rec *rec[SIM_VMM_MAX_CPUS];
	char (*out)[SIM_VMM_OUT]; /* per-vCPU console: a shared UART interleaves bytes */
	size_t out_len[SIM_VMM_MAX_CPUS];
	atomic_int stop, system_off, reset, fatal, host_calls, ripas;
	atomic_long exits;
	int fatal_err;
	char fatal_msg[256];
	/* vCPU threads to kick (SIGUSR1), under kick_lock; set by sim_vmm_run() */
	pthread_mutex_t kick_lock;
	pthread_t *threads;
	unsigned int nr_threads;
	char err[256];
};

/* Create the simulator and the host; 0 or -errno with @v->err set. */
int sim_vmm_open(struct sim_vmm *v, const struct sim_vmm_cfg *cfg);
/* Create the realm, GIC, vCPUs, RAM, populate a small image, set the entry. */
int sim_vmm_build(struct sim_vmm *v);
/* Run all vCPUs until system off, reset or a fatal error; 0 or -errno. */
int sim_vmm_run(struct sim_vmm *v);
/* vCPU @i's console output, NUL-terminated. */
const char *sim_vmm_console(struct sim_vmm *v, unsigned int i);
void sim_vmm_close(struct sim_vmm *v);

#endif
