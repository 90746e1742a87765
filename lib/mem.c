// SPDX-License-Identifier: MIT
/*
 * Realm memory: guest_memfd regions, attributes, POPULATE with both
 * progress conventions, and RIPAS-change acceptance.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Consecutive EINTRs without progress tolerated before POPULATE gives up with -EINTR. */
#define POPULATE_EINTR_MAX 1000
/* Bounce buffer for unaligned sources. */
#define BOUNCE_SIZE (2ULL << 20)

static bool aligned(uint64_t v)
{
	return (v & (CCA_GRANULE - 1)) == 0;
}

static int set_attributes(struct cca_realm *r, uint64_t gpa, uint64_t len, bool private)
{
	struct kvm_memory_attributes a = {
		.address = gpa,
		.size = len,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
		.flags = 0,
	};
	return sys_ioctl(r->sys, r->vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

static int set_memslot(struct cca_realm *r, const struct cca_region *g, uint64_t len)
{
	struct kvm_userspace_memory_region2 m;

	memset(&m, 0, sizeof(m));
	m.slot = g->slot;
	m.flags = g->gmem ? KVM_MEM_GUEST_MEMFD : 0;
	m.guest_phys_addr = g->gpa;
	m.memory_size = len;
	m.userspace_addr = (uint64_t)(uintptr_t)g->shared;
	m.guest_memfd_offset = 0;
	m.guest_memfd = g->gmem ? (uint32_t)g->gmem_fd : 0;
	return sys_ioctl(r->sys, r->vm_fd, KVM_SET_USER_MEMORY_REGION2, &m);
}

static int check_region(const struct cca_realm *r, const struct cca_mem_region_params *p)
{
	if ((p->flags & ~CCA_MEM_F_SHARED_ONLY) || !cca_all_zero(p->reserved, sizeof(p->reserved)))
		return -EINVAL;
	if (!p->len || !aligned(p->gpa) || !aligned(p->len) || !aligned(p->shared_uaddr))
		return -EINVAL;
	/* Memslots live in the lower half only; the top bit selects the shared alias. */
	if (p->gpa >= cca_ipa_half(r) || p->len > cca_ipa_half(r) - p->gpa)
		return -EINVAL;
	for (unsigned int i = 0; i < r->nr_regions; i++) {
		const struct cca_region *g = &r->regions[i];
		if (p->gpa < g->gpa + g->len && g->gpa < p->gpa + p->len)
			return -EINVAL;
	}
	if (r->gic_fd >= 0) {
		uint64_t rlen = (uint64_t)r->params.nr_recs * 0x20000;
		if ((p->gpa < r->gic.dist_base + 0x10000 && r->gic.dist_base < p->gpa + p->len) ||
		    (p->gpa < r->gic.redist_base + rlen && r->gic.redist_base < p->gpa + p->len))
			return -EINVAL;
	}
	if (r->nr_regions >= CCA_MAX_REGIONS)
		return -ENOSPC;
	return 0;
}

/* The revision's attribute capability must report PRIVATE on the realm VM fd. */
static int check_private_support(struct cca_realm *r)
{
	int ret = sys_ioctl_int(r->sys, r->vm_fd, KVM_CHECK_EXTENSION,
				(unsigned long)r->abi->mem_attr_cap);
	if (ret < 0)
		return ret;
	if (!((uint64_t)ret & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		cca_log(r->host, CCA_LOG_ERR, "capability %d does not report PRIVATE on the realm VM",
			r->abi->mem_attr_cap);
		return -EOPNOTSUPP;
	}
	return 0;
}

CCA_EXPORT int cca_mem_region_add(struct cca_realm *r, const struct cca_mem_region_params *in,
				  unsigned int *slot)
{
	struct cca_mem_region_params mp;
	const struct cca_mem_region_params *p = &mp;
	struct cca_region g;
	int ret;

	if (!r || !in)
		return -EINVAL;
	ret = CCA_STRUCT_IN(cca_mem_region_params, &mp, in);
	if (ret)
		return ret;
	memset(&g, 0, sizeof(g));
	g.gmem_fd = -1;
	g.gpa = p->gpa;
	g.len = p->len;
	g.gmem = !(p->flags & CCA_MEM_F_SHARED_ONLY);

	pthread_mutex_lock(&r->lock);
	ret = check_region(r, p);
	if (ret)
		goto out;
	if (r->state == CCA_REALM_DEAD) {
		ret = -CCA_E_DEAD;
		goto out;
	}
	/* A guest_memfd slot added after activation stays RIPAS EMPTY (and skews v12's RIM). */
	if (g.gmem && r->first_run_started) {
		ret = -CCA_E_AFTER_RUN;
		goto out;
	}
	if (g.gmem && (ret = check_private_support(r)))
		goto out;
	g.slot = r->nr_regions;

	if (p->shared_uaddr) {
		g.shared = (void *)(uintptr_t)p->shared_uaddr;
	} else {
		/* MAP_SHARED: private THP-backed mappings break the shared half (peers.md §6.6). */
		ret = r->sys->ops->mmap(r->sys->ctx, p->len, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, &g.shared);
		if (ret)
			goto out;
		g.shared_owned = true;
	}
	if (g.gmem) {
		struct kvm_create_guest_memfd c;
		memset(&c, 0, sizeof(c));
		c.size = p->len;
		ret = sys_ioctl(r->sys, r->vm_fd, KVM_CREATE_GUEST_MEMFD, &c);
		if (ret < 0)
			goto undo;
		g.gmem_fd = ret;
	}
	ret = set_memslot(r, &g, g.len);
	if (ret)
		goto undo;
	if (g.gmem && !cca_abi_desc_has(r->abi, CCA_ABI_GMEM_CONVERSION)) {
		ret = set_attributes(r, g.gpa, g.len, true);
		if (ret) {
			set_memslot(r, &g, 0); /* size 0 deletes the slot */
			goto undo;
		}
	}
	r->regions[r->nr_regions++] = g;
	if (slot)
		*slot = g.slot;
	goto out;
undo:
	sys_close(r->sys, g.gmem_fd);
	if (g.shared_owned)
		r->sys->ops->munmap(r->sys->ctx, g.shared, g.len);
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

CCA_EXPORT void *cca_mem_shared_ptr(struct cca_realm *r, uint64_t gpa, uint64_t len)
{
	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	const struct cca_region *g = cca_realm_find_region(r, gpa, len);
	void *p = g ? (char *)g->shared + (gpa - g->gpa) : NULL;
	pthread_mutex_unlock(&r->lock);
	return p;
}

/* v12: the return value is the byte count; keep each call below 2 GiB. */
static int populate_bytes(struct cca_realm *r, struct kvm_arm_rmi_populate *a)
{
	int eintr = 0;

	while (a->size) {
		struct kvm_arm_rmi_populate c = *a;
		if (c.size > r->abi->populate_max_chunk)
			c.size = r->abi->populate_max_chunk;
		int ret = sys_ioctl(r->sys, r->vm_fd, r->abi->populate_req, &c);
		if (ret == -EINTR && ++eintr < POPULATE_EINTR_MAX)
			continue;
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -CCA_E_NO_PROGRESS;
		if ((uint64_t)ret > c.size || !aligned((uint64_t)ret))
			return -EIO;
		eintr = 0;
		cca_shadow_data(r, a->base, (const void *)(uintptr_t)a->source_uaddr, (uint64_t)ret,
				a->flags & KVM_ARM_RMI_POPULATE_FLAGS_MEASURE ? CCA_POPULATE_MEASURE : 0);
		a->base += (uint64_t)ret;
		a->source_uaddr += (uint64_t)ret;
		a->size -= (uint64_t)ret;
	}
	return 0;
}

/* v13+: the kernel rewrites base/size/source_uaddr; call again until size is 0. */
static int populate_writeback(struct cca_realm *r, struct kvm_arm_rmi_populate *a)
{
	int eintr = 0;

	while (a->size) {
		struct kvm_arm_rmi_populate c = *a;
		if (c.size > r->abi->populate_max_chunk)
			c.size = r->abi->populate_max_chunk;
		uint64_t asked = c.size;
		struct kvm_arm_rmi_populate before = c;
		int ret = sys_ioctl(r->sys, r->vm_fd, r->abi->populate_req, &c);
		uint64_t done = before.size - c.size;
		/* Progress must be consistent whatever the return value. */
		if (c.size > before.size || c.base != before.base + done ||
		    c.source_uaddr != before.source_uaddr + done || c.flags != before.flags ||
		    c.reserved != before.reserved || !aligned(done) || done > asked)
			return -EIO;
		if (done)
			cca_shadow_data(r, before.base, (const void *)(uintptr_t)before.source_uaddr, done,
					a->flags & KVM_ARM_RMI_POPULATE_FLAGS_MEASURE ? CCA_POPULATE_MEASURE
										      : 0);
		a->base += done;
		a->source_uaddr += done;
		a->size -= done;
		/* Only EINTRs without progress count: progress guarantees the loop ends. */
		if (done)
			eintr = 0;
		if (ret == -EINTR && ++eintr < POPULATE_EINTR_MAX)
			continue;
		if (ret < 0)
			return ret;
		if (ret > 0)
			return -EIO;
		if (done == 0)
			return -CCA_E_NO_PROGRESS;
	}
	return 0;
}

static int populate_aligned(struct cca_realm *r, uint64_t ipa, const void *src, uint64_t len,
			    uint32_t flags)
{
	struct kvm_arm_rmi_populate a;

	memset(&a, 0, sizeof(a));
	a.base = ipa;
	a.size = len;
	a.source_uaddr = (uint64_t)(uintptr_t)src;
	a.flags = (flags & CCA_POPULATE_MEASURE) ? KVM_ARM_RMI_POPULATE_FLAGS_MEASURE : 0;
	/* The first POPULATE creates the realm descriptor, whatever it returns. */
	if (r->state == CCA_REALM_CONFIGURING) {
		r->state = CCA_REALM_DESCRIPTOR;
		cca_shadow_create(r);
	}
	return r->abi->populate_conv == CCA_POPULATE_RETURNS_BYTES ? populate_bytes(r, &a)
								   : populate_writeback(r, &a);
}

/* The kernel copies whole source pages: an unaligned source goes through a bounce buffer. */
static int populate_bounced(struct cca_realm *r, uint64_t ipa, const unsigned char *src,
			    uint64_t len, uint32_t flags)
{
	size_t bsz = len < BOUNCE_SIZE ? (size_t)len : (size_t)BOUNCE_SIZE;
	void *bounce = NULL;
	int ret = 0;

	if (posix_memalign(&bounce, CCA_GRANULE, bsz))
		return -ENOMEM;
	while (len && !ret) {
		size_t n = len < bsz ? (size_t)len : bsz;
		memcpy(bounce, src, n);
		ret = populate_aligned(r, ipa, bounce, n, flags);
		ipa += n;
		src += n;
		len -= n;
	}
	free(bounce);
	return ret;
}

static int check_populate(struct cca_realm *r, uint64_t ipa, const void *src, uint64_t len,
			  uint32_t flags)
{
	if (!src || (flags & ~CCA_POPULATE_MEASURE))
		return -EINVAL;
	if (!len || !aligned(ipa) || !aligned(len) || ipa + len < ipa)
		return -EINVAL;
	if (ipa >= cca_ipa_half(r) || len > cca_ipa_half(r) - ipa)
		return -ERANGE;
	if (r->state == CCA_REALM_DEAD)
		return -CCA_E_DEAD;
	if (r->first_run_started)
		return -CCA_E_AFTER_RUN;
	if (r->nr_created < r->params.nr_recs)
		return -CCA_E_VCPUS_NOT_CONFIGURED;
	if (!cca_realm_range_is_gmem(r, ipa, len))
		return -CCA_E_NOT_REALM_MEMORY;
	return 0;
}

CCA_EXPORT int cca_mem_populate(struct cca_realm *r, uint64_t ipa, const void *src, uint64_t len,
				uint32_t flags)
{
	int ret;

	if (!r)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	ret = check_populate(r, ipa, src, len, flags);
	if (ret)
		goto out;
	bool first = r->state == CCA_REALM_CONFIGURING;
	if (aligned((uint64_t)(uintptr_t)src))
		ret = populate_aligned(r, ipa, src, len, flags);
	else
		ret = populate_bounced(r, ipa, src, len, flags);
	if (ret && first && r->state == CCA_REALM_DESCRIPTOR && !cca_is_libcca_error(ret)) {
		/* Whether a failed realm-descriptor creation can be retried is unknown. */
		r->state = CCA_REALM_DEAD;
		cca_log(r->host, CCA_LOG_ERR, "first populate failed (%s): realm is dead",
			cca_error_name(ret));
	}
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int check_range(struct cca_realm *r, uint64_t gpa, uint64_t len)
{
	if (!len || !aligned(gpa) || !aligned(len) || gpa + len < gpa)
		return -EINVAL;
	if (gpa >= cca_ipa_half(r) || len > cca_ipa_half(r) - gpa)
		return -CCA_E_NOT_REALM_MEMORY;
	if (!cca_realm_range_is_gmem(r, gpa, len))
		return -CCA_E_NOT_REALM_MEMORY;
	return 0;
}

CCA_EXPORT int cca_mem_set_private(struct cca_realm *r, uint64_t gpa, uint64_t len, int private)
{
	if (!r)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	int ret = check_range(r, gpa, len);
	/* v15 converts on the guest_memfd; that call is unknown (unconfirmed, §18). */
	if (!ret && cca_abi_desc_has(r->abi, CCA_ABI_GMEM_CONVERSION))
		ret = -EOPNOTSUPP;
	if (!ret)
		ret = set_attributes(r, gpa, len, private != 0);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* Drop the backing the new attribute made stale, region by region. */
static void drop_stale(struct cca_realm *r, uint64_t gpa, uint64_t len, bool private)
{
	for (unsigned int i = 0; i < r->nr_regions && len; i++) {
		const struct cca_region *g = &r->regions[i];
		if (!g->gmem || gpa < g->gpa || gpa - g->gpa >= g->len)
			continue;
		uint64_t off = gpa - g->gpa;
		uint64_t n = len < g->len - off ? len : g->len - off;
		int ret;
		if (private)
			ret = r->sys->ops->madvise(r->sys->ctx, (char *)g->shared + off, n,
						   MADV_DONTNEED);
		else
			ret = r->sys->ops->fallocate(r->sys->ctx, g->gmem_fd,
						     FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
						     n);
		if (ret)
			cca_log(r->host, CCA_LOG_WARN,
				"dropping stale %s backing of [0x%llx, +0x%llx): %s",
				private ? "shared" : "private", (unsigned long long)gpa,
				(unsigned long long)n, cca_error_name(ret));
		gpa += n;
		len -= n;
		i = (unsigned int)-1; /* regions are unordered: search again from the start */
	}
}

CCA_EXPORT int cca_mem_accept_ripas_change(struct cca_realm *r, const struct cca_exit *e)
{
	if (!r || !e || e->kind != CCA_EXIT_RIPAS_CHANGE)
		return -EINVAL;
	if (e->ripas.ripas != CCA_RIPAS_RAM && e->ripas.ripas != CCA_RIPAS_EMPTY)
		return -EINVAL;
	bool private = e->ripas.ripas == CCA_RIPAS_RAM;
	pthread_mutex_lock(&r->lock);
	int ret = check_range(r, e->ripas.base, e->ripas.size);
	/*
	 * v15's guest_memfd conversion call is unknown (§18): accept by re-entry
	 * alone, which applies RTT_SET_RIPAS as on v12-v14 (unconfirmed).
	 */
	if (!ret && !cca_abi_desc_has(r->abi, CCA_ABI_GMEM_CONVERSION))
		ret = set_attributes(r, e->ripas.base, e->ripas.size, private);
	if (!ret)
		drop_stale(r, e->ripas.base, e->ripas.size, private);
	pthread_mutex_unlock(&r->lock);
	return ret;
}
