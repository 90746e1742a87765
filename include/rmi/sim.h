/* SPDX-License-Identifier: MIT */
/*
 * The simulated KVM+RMM backend: a realm-capable "/dev/kvm" in the process,
 * for developing and testing realm support on any Linux machine.
 *
 * A simulator models one host: a KVM of a chosen revision (v12..v15) with
 * its capability numbers, VM types, POPULATE convention, PSCI handling and
 * errnos, on top of an RMM model at the RMI level (granules, realm and REC
 * states, RTTs and RIPAS, REC_ENTER's refusals, PSCI_COMPLETE's checks and
 * the realm measurement). Its vCPUs run a guest program (docs/guest-scripts.md).
 *
 * Use it through libcca (cca_host_options.sim, or CCA_BACKEND=sim in the
 * environment), or from an unmodified VMM with the LD_PRELOAD library.
 */
#ifndef RMI_SIM_H
#define RMI_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_sim;

/* Environment: CCA_BACKEND=sim selects the simulator in cca_host_open(). */
#define CCA_ENV_BACKEND "CCA_BACKEND"
/* Environment: a guest program file for an environment-selected simulator. */
#define CCA_ENV_SIM_GUEST "CCA_SIM_GUEST"

/**
 * struct cca_sim_options - the simulated host
 * @size: sizeof(struct cca_sim_options) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @flags: CCA_SIM_F_*
 * @revision: kernel revision to model (required)
 * @ipa_limit: the RMM's S2SZ; 0 = 48
 * @sve_max_vl: SVE maximum in bytes (16..256); 0 = 256
 * @max_bps: breakpoints the RMM offers (2..16); 0 = 6
 * @max_wps: watchpoints (2..16); 0 = 4
 * @pmu_counters: PMU counters (0..31); 0 = 8 (ignored where the revision has no PMU)
 * @rim_initial: RMM 2.0 initial RIM: enum cca_rim_initial (0 = TF-RMM's)
 * @guest: guest program text; NULL runs the built-in Linux-like SMP guest
 * @guest_len: length of @guest (0: strlen)
 * @reserved: must be zero
 */
struct cca_sim_options {
	uint32_t size;
	uint32_t flags;
	enum cca_abi_rev revision;
	uint32_t ipa_limit;
	uint32_t sve_max_vl;
	uint32_t max_bps;
	uint32_t max_wps;
	uint32_t pmu_counters;
	uint32_t rim_initial;
	uint32_t reserved0;
	const char *guest;
	size_t guest_len;
	uint64_t reserved[4];
};

#define CCA_SIM_F_NO_SVE (1U << 0) /* the RMM offers no SVE */
#define CCA_SIM_F_NO_PMU (1U << 1) /* the RMM offers no PMU */

/**
 * cca_sim_create() - create a simulated host
 * @opts: options
 * @out: receives the simulator; untouched on failure
 * @err: where to write a parse error of @opts->guest ("line L col C: msg");
 *	may be NULL
 * @err_len: size of @err
 *
 * Return: 0; -EINVAL bad options (including @opts->size below libcca
 * 0.1's sizeof) or a malformed guest program; -E2BIG @opts->size above
 * this library's sizeof with a nonzero byte past it; -ENOMEM.
 * Context: any thread; the simulator is thread-safe.
 */
int cca_sim_create(const struct cca_sim_options *opts, struct cca_sim **out, char *err,
		   size_t err_len);

/**
 * cca_sim_destroy() - free a simulator
 * @sim: a simulator, or NULL
 *
 * Every host opened on it must be closed first.
 */
void cca_sim_destroy(struct cca_sim *sim);

/**
 * cca_sim_rim() - the measurement the simulated RMM holds for a realm
 * @sim: the simulator
 * @vm_fd: the realm's VM fd (cca_realm_vm_fd())
 * @out: receives the RIM, zero-padded to 64 bytes
 * @len: receives the digest length
 *
 * What an attestation token of that realm would report.
 *
 * Return: 0; -ENOENT no such VM, or its realm descriptor does not exist yet.
 * Context: any thread.
 */
int cca_sim_rim(struct cca_sim *sim, int vm_fd, uint8_t out[64], size_t *len);

/**
 * cca_sim_guest_failure() - the report of a failed guest check
 * @sim: the simulator
 * @vm_fd: the realm's VM fd
 * @buf: receives the report naming the script line ("line 12: expected ...")
 * @len: size of @buf
 *
 * Return: 1 if a vCPU of the realm failed a check (its KVM_RUN returned
 * KVM_EXIT_INTERNAL_ERROR), 0 if none did; -ENOENT no such VM.
 * Context: any thread.
 */
int cca_sim_guest_failure(struct cca_sim *sim, int vm_fd, char *buf, size_t len);

/**
 * cca_sim_check_guest() - parse a guest program without running it
 * @text: the program
 * @len: its length (0: strlen)
 * @err: receives "line L col C: msg" on error; may be NULL
 * @err_len: size of @err
 *
 * Return: 0; -EINVAL malformed; -ENOMEM.
 * Context: any thread.
 */
int cca_sim_check_guest(const char *text, size_t len, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif /* RMI_SIM_H */
