/* SPDX-License-Identifier: MIT */
/*
 * Realm VMs: creation with the realm parameters, the in-kernel GICv3, PSCI
 * routing, and the realm state the kernel keeps hidden.
 *
 * Life cycle (the kernel's, made explicit):
 *
 *   cca_realm_create()             CCA_REALM_CONFIGURING
 *     cca_realm_gic_create(), cca_rec_create() x nr_recs,
 *     cca_mem_region_add(), cca_realm_set_psci_user()
 *   first cca_mem_populate()       CCA_REALM_DESCRIPTOR  (realm parameters frozen)
 *   first cca_rec_run()            CCA_REALM_ACTIVE      (RECs, RIPAS, activation)
 *   a failed first populate/run    CCA_REALM_DEAD        (destroy and start again)
 */
#ifndef RMI_REALM_H
#define RMI_REALM_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/abi.h>
#include <rmi/host.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_realm;

/**
 * enum cca_realm_state - where the realm is in the kernel's life cycle
 */
enum cca_realm_state {
	CCA_REALM_CONFIGURING = 0,
	CCA_REALM_DESCRIPTOR,
	CCA_REALM_ACTIVE,
	CCA_REALM_DEAD,
};

/* Hash algorithms of the measurement (RmiRealmParams.hash_algo + 1; 0 = default). */
enum cca_hash_algo {
	CCA_HASH_DEFAULT = 0,
	CCA_HASH_SHA256,
	CCA_HASH_SHA512,
	CCA_HASH_SHA384,
};

/**
 * struct cca_realm_params - what shapes the realm (and its measurement)
 * @size: sizeof(struct cca_realm_params) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @flags: CCA_REALM_F_*
 * @ipa_bits: IPA width including the top (shared) bit, 32..52
 * @nr_recs: number of vCPUs the realm will have, 1..CCA_MAX_RECS; all must
 *	be created before the first populate or run
 * @sve_vl: SVE vector length in bytes (multiple of 16, 16..256); 0: no SVE
 * @num_bps: breakpoints (2..16); 0 leaves the RMM's maximum, which differs
 *	between platforms and so changes the measurement
 * @num_wps: watchpoints (2..16); 0 as for @num_bps
 * @pmu_counters: PMU event counters with CCA_REALM_F_PMU (0..31)
 * @pmu_irq: PMU overflow PPI with CCA_REALM_F_PMU (16..31; 0 means 23)
 * @hash_algo: enum cca_hash_algo; anything but DEFAULT/SHA256 needs a
 *	revision with user-selectable hashing
 * @rpv: Realm Personalization Value; non-zero needs a revision with RPV
 * @reserved: must be zero
 */
struct cca_realm_params {
	uint32_t size;
	uint32_t flags;
	uint32_t ipa_bits;
	uint32_t nr_recs;
	uint32_t sve_vl;
	uint32_t num_bps;
	uint32_t num_wps;
	uint32_t pmu_counters;
	uint32_t pmu_irq;
	uint32_t hash_algo;
	uint8_t rpv[64];
	uint32_t reserved[14];
};

#define CCA_REALM_F_PMU (1U << 0)
#define CCA_MAX_RECS 512
#define CCA_IPA_BITS_MIN 32
#define CCA_IPA_BITS_MAX 52

/**
 * cca_realm_params_init() - fill @p with defaults
 * @p: the parameters
 *
 * Sets size, ipa_bits = 40, nr_recs = 1, everything else zero.
 * Context: any thread.
 */
void cca_realm_params_init(struct cca_realm_params *p);

/**
 * cca_realm_create() - create a realm VM
 * @host: an open host
 * @params: the realm parameters (copied)
 * @out: receives the realm; untouched on failure
 *
 * Validates @params against the host's revision, then KVM_CREATE_VM with
 * the revision's realm type. Nothing else is sent to the kernel: the realm
 * parameters reach it through the vCPUs (cca_rec_create()).
 *
 * Return: 0; -EINVAL bad parameters (nonzero reserved, IPA width, SVE
 * length, counts, @params->size below libcca 0.1's sizeof); -E2BIG
 * @params->size above this library's sizeof with a nonzero byte past it (a
 * member this older library does not know is set); -EOPNOTSUPP a hash
 * algorithm, RPV or PMU this revision cannot give; -EINVAL from the kernel
 * (IPA width above the RMM's limit); -ENOMEM; other -errno from
 * KVM_CREATE_VM.
 * Context: any thread; the realm is then used as documented per call.
 */
int cca_realm_create(struct cca_host *host, const struct cca_realm_params *params,
		     struct cca_realm **out);

/**
 * cca_realm_destroy() - destroy a realm and everything it owns
 * @realm: a realm, or NULL (no-op)
 *
 * Closes every vCPU, guest_memfd and device fd, unmaps the kvm_run pages
 * and shared RAM the library mapped, and closes the VM (the kernel then
 * undelegates the realm's memory). No vCPU thread may be inside a call.
 */
void cca_realm_destroy(struct cca_realm *realm);

/**
 * cca_realm_state() - current life-cycle state
 * @realm: a realm
 *
 * Return: enum cca_realm_state.
 * Context: any thread.
 */
enum cca_realm_state cca_realm_state(const struct cca_realm *realm);

/**
 * cca_realm_revision() - the ABI revision this realm was created for
 * @realm: a realm
 *
 * Return: the revision.
 */
enum cca_abi_rev cca_realm_revision(const struct cca_realm *realm);

/**
 * cca_realm_vm_fd() - the VM fd, for the VMM's own ioctls (ioeventfd, irqfd)
 * @realm: a realm
 *
 * Return: the fd; owned by @realm. Realm-shaping ioctls sent around libcca
 * defeat its rules.
 */
int cca_realm_vm_fd(const struct cca_realm *realm);

/**
 * cca_realm_ipa_bits() - IPA width of the realm
 * @realm: a realm
 *
 * Return: the width including the shared bit.
 */
unsigned int cca_realm_ipa_bits(const struct cca_realm *realm);

/**
 * struct cca_gic_params - in-kernel GICv3 placement
 * @size: sizeof(struct cca_gic_params) as the caller was compiled: at least
 *	libcca 0.1's; members past @size are read as zero (their default),
 *	and bytes past this library's own struct must be zero (-E2BIG)
 * @dist_base: distributor GPA (64 KiB aligned, protected half)
 * @redist_base: redistributor region GPA (64 KiB aligned); 128 KiB per vCPU
 * @nr_irqs: number of interrupts including the 32 private ones; 0 = 256
 * @reserved: must be zero
 */
struct cca_gic_params {
	uint32_t size;
	uint32_t nr_irqs;
	uint64_t dist_base;
	uint64_t redist_base;
	uint64_t reserved[4];
};

/**
 * cca_realm_gic_create() - create the in-kernel GICv3 realms require
 * @realm: a configuring realm
 * @params: placement
 *
 * The vGIC is initialised (KVM_DEV_ARM_VGIC_CTRL_INIT) by the first
 * cca_rec_run(), after every vCPU exists, as v15 requires.
 *
 * If a KVM_SET_DEVICE_ATTR fails, the device fd is closed, but KVM keeps
 * the vGIC it created until the VM is destroyed (a VM has one irqchip), so
 * a second attempt fails with -EEXIST from the kernel: destroy the realm.
 *
 * Return: 0; -EINVAL bad placement (alignment, overlap, not in the lower
 * half of the IPA space), nonzero reserved, or @params->size below libcca
 * 0.1's sizeof; -E2BIG @params->size above this library's sizeof with a
 * nonzero byte past it (nothing is done); -EEXIST already created;
 * -CCA_E_STATE not configuring; -errno from KVM_CREATE_DEVICE /
 * KVM_SET_DEVICE_ATTR.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_realm_gic_create(struct cca_realm *realm, const struct cca_gic_params *params);

/**
 * cca_realm_gic_fd() - the vGIC device fd
 * @realm: a realm
 *
 * Return: the fd, or -ENOENT if no GIC was created.
 */
int cca_realm_gic_fd(const struct cca_realm *realm);

/**
 * cca_realm_set_psci_user() - route the guest's PSCI calls to user space
 * @realm: a realm none of whose vCPUs has run
 *
 * Installs the SMCCC filter (KVM_ARM_VM_SMCCC_FILTER, FWD_TO_USER) over both
 * PSCI ranges. The guest's CPU_ON, AFFINITY_INFO, CPU_OFF, SYSTEM_OFF, ...
 * then arrive as CCA_EXIT_PSCI and the VMM answers them with the helpers
 * of rmi/psci.h, which enforce the completion order.
 *
 * Return: 0; -CCA_E_AFTER_RUN after the first run; -errno from the kernel.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_realm_set_psci_user(struct cca_realm *realm);

/**
 * cca_realm_psci_user() - whether PSCI is routed to user space
 * @realm: a realm
 *
 * Return: 1 or 0.
 */
int cca_realm_psci_user(const struct cca_realm *realm);

/**
 * cca_realm_expected_rim() - the measurement the realm's token must report
 * @realm: a realm
 * @out: receives the RIM, zero-padded to 64 bytes
 * @len: receives the digest length (32 for SHA-256)
 *
 * libcca keeps a shadow of the RMM's Realm Initial Measurement, extended as
 * the realm is built: realm parameters at the first populate (or run),
 * every populated granule in populate order, REC 0's entry state at the
 * first run, and on v12 (RMM 1.0) the INIT_RIPAS descriptors of the
 * guest_memfd regions in slot order (an inferred RTT geometry: see
 * ARCHITECTURE.md). The RMM 2.0 initial value follows TF-RMM (hash of the
 * parameters). Read it any time; it is final once the realm has run.
 *
 * Return: 0; -ENOENT before the realm descriptor exists; -ENODATA when the
 * measurement cannot be predicted (num_bps/num_wps left at the RMM's
 * maximum); -EINVAL NULL pointers.
 * Context: any thread.
 */
int cca_realm_expected_rim(struct cca_realm *realm, uint8_t out[64], size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* RMI_REALM_H */
