/* SPDX-License-Identifier: MIT */
/*
 * Realm memory: guest_memfd-backed RAM regions, private/shared attributes,
 * KVM_ARM_RMI_POPULATE (what "delegating" memory means from user space:
 * the kernel delegates the granules and copies, and optionally measures,
 * the initial contents), and accepting a guest's RIPAS change.
 */
#ifndef RMI_MEM_H
#define RMI_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/realm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_exit;

/**
 * struct cca_mem_region_params - one RAM region
 * @size: sizeof(struct cca_mem_region_params) as the caller was compiled:
 *	at least libcca 0.1's; members past @size are read as zero (their
 *	default), and bytes past this library's own struct must be zero
 *	(-E2BIG)
 * @flags: CCA_MEM_F_*
 * @gpa: guest-physical base in the lower (protected) half, 4 KiB aligned;
 *	2 MiB alignment keeps a v12 measurement predictable
 * @len: bytes, 4 KiB multiple
 * @shared_uaddr: user mapping that backs the shared view; 0 to let the
 *	library map shared anonymous memory (MAP_SHARED, never THP-private)
 * @reserved: must be zero
 */
struct cca_mem_region_params {
	uint32_t size;
	uint32_t flags;
	uint64_t gpa;
	uint64_t len;
	uint64_t shared_uaddr;
	uint64_t reserved[4];
};

/* Not backed by guest_memfd: never private, no INIT_RIPAS (e.g. a shared window). */
#define CCA_MEM_F_SHARED_ONLY (1U << 0)

#define CCA_MAX_REGIONS 32
#define CCA_GRANULE 4096ULL

/**
 * cca_mem_region_add() - add a RAM region to a realm
 * @realm: a realm; a private (guest_memfd) region only before its first run
 * @params: the region
 * @slot: receives the memslot number used; may be NULL
 *
 * Private regions: KVM_CREATE_GUEST_MEMFD, the shared mapping,
 * KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD, and marking the
 * whole region PRIVATE (VM attributes; v15: the guest_memfd default).
 * Slots are numbered in call order from 0, so a launch that adds the same
 * regions in the same order gets the same memslots (and, on v12, the
 * same INIT_RIPAS measurement).
 *
 * Return: 0; -EINVAL alignment, zero length, upper half, overlap, bad
 * flags, nonzero reserved, @params->size below libcca 0.1's sizeof; -E2BIG
 * @params->size above this library's sizeof with a nonzero byte past it
 * (nothing is done); -ENOSPC more than CCA_MAX_REGIONS; -CCA_E_AFTER_RUN
 * after the first run; -errno from the kernel or mmap (everything made is
 * undone).
 * Context: serialised with other calls on @realm by the library.
 */
int cca_mem_region_add(struct cca_realm *realm, const struct cca_mem_region_params *params,
		       unsigned int *slot);

/**
 * cca_mem_shared_ptr() - user address of the shared view of a GPA range
 * @realm: a realm
 * @gpa: start
 * @len: length; [@gpa, @gpa + @len) must start inside one region and end
 *	within it (an empty range gives the address of @gpa)
 *
 * Return: the address, or NULL if the range is not in one region.
 */
void *cca_mem_shared_ptr(struct cca_realm *realm, uint64_t gpa, uint64_t len);

/* cca_mem_populate() flags */
#define CCA_POPULATE_MEASURE (1U << 0) /* hash the contents into the RIM */

/**
 * cca_mem_populate() - copy initial contents into private realm memory
 * @realm: a realm whose vCPUs are all created, not yet run
 * @ipa: 4 KiB-aligned start in a private region
 * @src: source bytes; need not be aligned (copied through an aligned
 *	bounce buffer if not, so base and source stay aligned together)
 * @len: bytes, a 4 KiB multiple
 * @flags: CCA_POPULATE_*
 *
 * The first populate creates the realm descriptor and freezes the realm
 * parameters. Partial kernel progress is handled: v12's byte count (calls
 * kept below 2 GiB) and v13+'s in-place write-back are both looped until
 * done; EINTR is retried; a call that makes no progress ends the loop.
 * A range can be populated once.
 *
 * Return: 0; -EINVAL misalignment, zero length, wrap-around; -ERANGE range
 * reaches the upper half; -CCA_E_NOT_REALM_MEMORY not private RAM of this
 * realm; -CCA_E_VCPUS_NOT_CONFIGURED; -CCA_E_AFTER_RUN; -CCA_E_DEAD;
 * -CCA_E_NO_PROGRESS; -EIO the kernel reported impossible progress;
 * -errno from the kernel. A kernel error in the realm's first populate
 * leaves the realm CCA_REALM_DEAD.
 * Context: serialised with other calls on @realm (and its first run).
 */
int cca_mem_populate(struct cca_realm *realm, uint64_t ipa, const void *src, uint64_t len,
		     uint32_t flags);

/**
 * cca_mem_set_private() - mark a range private or shared
 * @realm: a realm
 * @gpa: 4 KiB-aligned start inside private-capable regions
 * @len: 4 KiB multiple
 * @is_private: non-zero for private, 0 for shared
 *
 * Only the attributes change: unlike cca_mem_accept_ripas_change(), no
 * stale backing is dropped.
 *
 * Return: 0; -EINVAL; -CCA_E_NOT_REALM_MEMORY; -EOPNOTSUPP where the
 * revision converts on the guest_memfd (v15, call unknown); -errno.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_mem_set_private(struct cca_realm *realm, uint64_t gpa, uint64_t len, int is_private);

/**
 * cca_mem_accept_ripas_change() - accept a guest's RIPAS change request
 * @realm: the realm
 * @exit: a CCA_EXIT_RIPAS_CHANGE exit of one of its RECs
 *
 * Validates the guest's range (untrusted: inside the protected half and
 * the realm's private-capable RAM), changes the attributes, and drops the
 * stale backing: hole-punches the guest_memfd when going shared,
 * MADV_DONTNEED on the shared view when going private. Then run the vCPU
 * again: re-entry is the acceptance. To reject, never run that vCPU again.
 *
 * Return: 0; -EINVAL not a RIPAS-change exit; -CCA_E_NOT_REALM_MEMORY the
 * range is outside private-capable RAM (reject it); -EOPNOTSUPP (v15);
 * -errno from the kernel.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_mem_accept_ripas_change(struct cca_realm *realm, const struct cca_exit *exit);

#ifdef __cplusplus
}
#endif
#endif /* RMI_MEM_H */
