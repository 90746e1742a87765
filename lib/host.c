// SPDX-License-Identifier: MIT
/*
 * The host handle: open KVM, settle the realm-ABI revision by trial
 * (kvm-realm-uapi.md §19), and probe what the host can give a realm.
 *
 * Detection never creates a realm descriptor: it only creates throw-away
 * VMs and asks capabilities, and the POPULATE probe runs on a normal VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sim/sim.h"

#define PROBE_IPA_BITS 33

struct detect {
	enum cca_abi_rev rev;
	int cap;
	int family; /* 12 (type bit 8) or 14 (type bit 30), 0 none */
	unsigned long type_bits;
	enum cca_unavailable why;
	int err;
	char kvm_path[128];
	char backend[8];
	char reason[160];
	char evidence[256];
};

static void ev_add(struct detect *d, const char *fmt, ...) CCA_PRINTF(2, 3);
static void ev_add(struct detect *d, const char *fmt, ...)
{
	size_t used = strlen(d->evidence);
	va_list ap;

	if (used >= sizeof(d->evidence) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(d->evidence + used, sizeof(d->evidence) - used, fmt, ap);
	va_end(ap);
}

/* KVM_CREATE_VM then close: 0 if the type is accepted, else -errno. */
static int try_vm_type(const struct cca_sys *sys, int kvm_fd, unsigned long type)
{
	int fd = sys_ioctl_int(sys, kvm_fd, KVM_CREATE_VM, type);
	if (fd < 0)
		return fd;
	sys_close(sys, fd);
	return 0;
}

static int check_ext(const struct cca_sys *sys, int fd, long cap)
{
	return sys_ioctl_int(sys, fd, KVM_CHECK_EXTENSION, (unsigned long)cap);
}

/* An ioctl the kernel does not know answers EINVAL or ENOTTY. */
static bool ioctl_known(int ret)
{
	return !(ret == -EINVAL || ret == -ENOTTY);
}

/* v12 vs v13 without the cap number: which POPULATE number a normal VM knows. */
static enum cca_abi_rev probe_populate_number(const struct cca_sys *sys, int kvm_fd,
					      struct detect *d)
{
	struct kvm_arm_rmi_populate arg;
	int vm = sys_ioctl_int(sys, kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		ev_add(d, " normal-vm=%s", cca_error_name(vm));
		return CCA_ABI_UNKNOWN;
	}
	memset(&arg, 0, sizeof(arg));
	int r12 = sys_ioctl(sys, vm, KVM_ARM_RMI_POPULATE_V12, &arg);
	memset(&arg, 0, sizeof(arg));
	int r13 = sys_ioctl(sys, vm, KVM_ARM_RMI_POPULATE_V13, &arg);
	sys_close(sys, vm);
	ev_add(d, " populate12=%s populate13=%s", cca_error_name(r12), cca_error_name(r13));
	if (ioctl_known(r13) && !ioctl_known(r12))
		return CCA_ABI_V13;
	if (ioctl_known(r12) && !ioctl_known(r13))
		return CCA_ABI_V12;
	return CCA_ABI_UNKNOWN;
}

/* v14 vs v15 without the cap number: where PRIVATE memory attributes are reported. */
static enum cca_abi_rev probe_mem_attr_cap(const struct cca_sys *sys, int kvm_fd,
					   struct detect *d)
{
	int vm = sys_ioctl_int(sys, kvm_fd, KVM_CREATE_VM,
			       KVM_VM_TYPE_ARM_REALM_V14 | PROBE_IPA_BITS);
	if (vm < 0)
		return CCA_ABI_UNKNOWN;
	int gattr = check_ext(sys, vm, KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES_V15);
	int vattr = check_ext(sys, vm, KVM_CAP_MEMORY_ATTRIBUTES);
	sys_close(sys, vm);
	ev_add(d, " gmem-attr=%d vm-attr=%d", gattr, vattr);
	bool g = gattr > 0 && (gattr & KVM_MEMORY_ATTRIBUTE_PRIVATE);
	bool v = vattr > 0 && (vattr & KVM_MEMORY_ATTRIBUTE_PRIVATE);
	if (g && !v)
		return CCA_ABI_V15;
	if (v && !g)
		return CCA_ABI_V14;
	return CCA_ABI_UNKNOWN;
}

static void detect_revision(const struct cca_sys *sys, int kvm_fd, struct detect *d)
{
	static const enum cca_abi_rev by_cap[] = { CCA_ABI_V15, CCA_ABI_V14, CCA_ABI_V13,
						   CCA_ABI_V12 };
	enum cca_abi_rev cap_rev = CCA_ABI_UNKNOWN;

	/* Step 1: the VM-type family. The encodings do not overlap. */
	int r14 = try_vm_type(sys, kvm_fd, KVM_VM_TYPE_ARM_REALM_V14 | PROBE_IPA_BITS);
	int r12 = r14 ? try_vm_type(sys, kvm_fd, KVM_VM_TYPE_ARM_REALM_V12 | PROBE_IPA_BITS) : -1;
	ev_add(d, "type30=%s", r14 ? cca_error_name(r14) : "ok");
	if (r14)
		ev_add(d, " type8=%s", r12 ? cca_error_name(r12) : "ok");
	if (r14 == 0) {
		d->family = 14;
		d->type_bits = KVM_VM_TYPE_ARM_REALM_V14;
	} else if (r12 == 0) {
		d->family = 12;
		d->type_bits = KVM_VM_TYPE_ARM_REALM_V12;
	}

	/* Step 2: the capability number, accepted only within its family. */
	for (size_t i = 0; i < ARRAY_SIZE(by_cap); i++) {
		const struct cca_abi_desc *a = cca_abi_desc(by_cap[i]);
		int r = check_ext(sys, kvm_fd, a->cap_rmi);
		ev_add(d, " cap%d=%d", a->cap_rmi, r);
		if (r > 0 && cap_rev == CCA_ABI_UNKNOWN) {
			cap_rev = by_cap[i];
			d->cap = a->cap_rmi;
		}
	}

	if (!d->family) {
		d->why = CCA_NO_RMI_CAP;
		d->err = -CCA_E_REVISION;
		snprintf(d->reason, sizeof(d->reason),
			 "KVM accepts no realm VM type (bit 30: %s, bit 8: %s)%s",
			 cca_error_name(r14), cca_error_name(r12),
			 cap_rev ? "" : " and no KVM_CAP_ARM_RMI number answers");
		return;
	}
	if (cap_rev) {
		int fam = (cap_rev == CCA_ABI_V12 || cap_rev == CCA_ABI_V13) ? 12 : 14;
		if (fam != d->family) {
			d->why = CCA_REV_CONFLICT;
			d->err = -CCA_E_REVISION;
			snprintf(d->reason, sizeof(d->reason),
				 "probes disagree: cap %d means %s but the VM type family is v%d+",
				 d->cap, cca_abi_rev_name(cap_rev), d->family);
			return;
		}
		d->rev = cap_rev;
		return;
	}

	/* Steps 3 and 4: tell the family's two revisions apart without the cap. */
	enum cca_abi_rev r = d->family == 12 ? probe_populate_number(sys, kvm_fd, d)
					     : probe_mem_attr_cap(sys, kvm_fd, d);
	if (!r) {
		d->why = CCA_REV_CONFLICT;
		d->err = -CCA_E_REVISION;
		snprintf(d->reason, sizeof(d->reason),
			 "realm VM type family v%d+ found, but no probe tells which revision",
			 d->family);
		return;
	}
	d->rev = r;
	d->cap = -1;
}

static int open_kvm(const struct cca_host_options *o, const struct cca_sys *sys, char *path,
		    size_t plen)
{
	const char *p = o->kvm_path;

	if (!p && !(o->flags & CCA_HOST_NO_ENV))
		p = secure_getenv(CCA_ENV_KVM_PATH);
	if (!p || !*p)
		p = "/dev/kvm";
	snprintf(path, plen, "%s", p);
	return sys->ops->open(sys->ctx, path, O_RDWR);
}

/* Settle the override: API beats environment; both must name a known revision. */
static int override_rev(const struct cca_host_options *o, enum cca_abi_rev *rev,
			enum cca_revision_source *src)
{
	if (o->revision != CCA_ABI_UNKNOWN) {
		if (!cca_abi_desc(o->revision))
			return -EINVAL;
		*rev = o->revision;
		*src = CCA_REV_FROM_API;
		return 0;
	}
	const char *env = (o->flags & CCA_HOST_NO_ENV) ? NULL : secure_getenv(CCA_ENV_REVISION);
	if (env && *env) {
		if (cca_abi_rev_parse(env, rev))
			return -EINVAL;
		*src = CCA_REV_FROM_ENV;
		return 0;
	}
	*rev = CCA_ABI_UNKNOWN;
	*src = CCA_REV_FROM_NONE;
	return 0;
}

/* The caller's options in the library's layout; NULL gives the defaults. */
static int read_opts(const struct cca_host_options *in, struct cca_host_options *o)
{
	if (!in) {
		memset(o, 0, sizeof(*o));
		o->size = sizeof(*o);
		return 0;
	}
	int ret = CCA_STRUCT_IN(cca_host_options, o, in);
	if (ret)
		return ret;
	/* Reserved means zero, so that a later release may give it a meaning. */
	if ((o->flags & ~CCA_HOST_NO_ENV) || o->reserved0 ||
	    !cca_all_zero(o->reserved, sizeof(o->reserved)))
		return -EINVAL;
	return 0;
}

/* Read a whole guest program file; the caller frees it. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, cap);
			if (!b)
				break;
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/*
 * Choose the backend: the caller's simulator, or one the environment asks
 * for (CCA_BACKEND=sim; never chosen silently: it is logged and reported),
 * or the kernel.
 */
static int select_backend(const struct cca_host_options *o, enum cca_abi_rev rev,
			  const struct cca_sys **sys, struct cca_host *h)
{
	if (o->sim) {
		*sys = cca_sim_sys(o->sim);
		h->backend = "sim";
		return 0;
	}
	const char *b = (o->flags & CCA_HOST_NO_ENV) ? NULL : secure_getenv(CCA_ENV_BACKEND);
	if (!b || !*b || strcmp(b, "kvm") == 0) {
		h->backend = "kvm";
		return 0;
	}
	if (strcmp(b, "sim") != 0)
		return -EINVAL;
	struct cca_sim_options so;
	char err[192] = "";
	char *text = NULL;
	memset(&so, 0, sizeof(so));
	so.size = sizeof(so);
	so.revision = rev ? rev : CCA_ABI_LAST;
	const char *gpath = secure_getenv(CCA_ENV_SIM_GUEST);
	if (gpath && *gpath) {
		text = read_file(gpath, &so.guest_len);
		if (!text) {
			cca_log(h, CCA_LOG_ERR, "cannot read %s=%s", CCA_ENV_SIM_GUEST, gpath);
			return -ENOENT;
		}
		so.guest = text;
	}
	int ret = cca_sim_create(&so, &h->owned_sim, err, sizeof(err));
	free(text);
	if (ret) {
		cca_log(h, CCA_LOG_ERR, "simulator: %s", err);
		return ret;
	}
	cca_log(h, CCA_LOG_INFO, "%s=sim: using the simulated KVM+RMM backend (%s)",
		CCA_ENV_BACKEND, cca_abi_rev_name(so.revision));
	*sys = cca_sim_sys(h->owned_sim);
	h->backend = "sim";
	return 0;
}

/* Shared by cca_host_open() and cca_probe(): open, override, detect. */
static int host_open(const struct cca_host_options *in, const struct cca_sys *sys,
		     struct cca_host **out, struct detect *d)
{
	struct cca_host_options o;
	enum cca_abi_rev ovr;
	enum cca_revision_source src;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = read_opts(in, &o);
	if (ret)
		return ret;
	if (override_rev(&o, &ovr, &src))
		return -EINVAL;

	struct cca_host *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->log_fn = o.log_fn;
	h->log_ctx = o.log_ctx;
	h->cap_number = -1;
	ret = select_backend(&o, ovr, &sys, h);
	if (ret) {
		snprintf(d->reason, sizeof(d->reason), "backend selection failed: %s",
			 cca_strerror(ret));
		free(h);
		return ret;
	}
	h->sys = *sys;
	snprintf(d->backend, sizeof(d->backend), "%s", h->backend);

	ret = open_kvm(&o, sys, h->kvm_path, sizeof(h->kvm_path));
	snprintf(d->kvm_path, sizeof(d->kvm_path), "%s", h->kvm_path);
	if (ret < 0) {
		d->why = CCA_NO_KVM;
		d->err = ret;
		snprintf(d->reason, sizeof(d->reason), "cannot open %s: %s", h->kvm_path,
			 cca_strerror(ret));
		cca_log(h, CCA_LOG_ERR, "%s", d->reason);
		cca_sim_destroy(h->owned_sim);
		free(h);
		return ret;
	}
	h->kvm_fd = ret;

	detect_revision(&h->sys, h->kvm_fd, d);
	h->detected = d->rev;
	h->cap_number = d->cap;
	snprintf(h->evidence, sizeof(h->evidence), "%s", d->evidence);
	cca_log(h, CCA_LOG_DEBUG, "revision probes: %s -> %s", d->evidence,
		cca_abi_rev_name(d->rev));

	if (ovr) {
		h->abi = cca_abi_desc(ovr);
		h->source = src;
		if (d->rev && d->rev != ovr)
			cca_log(h, CCA_LOG_WARN, "revision override %s, but the probes found %s",
				cca_abi_rev_name(ovr), cca_abi_rev_name(d->rev));
	} else if (d->rev) {
		h->abi = cca_abi_desc(d->rev);
		h->source = CCA_REV_FROM_PROBE;
	} else {
		cca_log(h, CCA_LOG_ERR, "%s", d->reason);
		sys_close(&h->sys, h->kvm_fd);
		cca_sim_destroy(h->owned_sim);
		free(h);
		return d->err ? d->err : -CCA_E_REVISION;
	}
	if (h->cap_number < 0 && ovr)
		h->cap_number = h->abi->cap_rmi;
	*out = h;
	return 0;
}

int cca_host_open_sys(const struct cca_host_options *opts, const struct cca_sys *sys,
		      struct cca_host **out)
{
	struct detect d;

	if (!out || !sys)
		return -EINVAL;
	return host_open(opts, sys, out, &d);
}

CCA_EXPORT int cca_host_open(const struct cca_host_options *opts, struct cca_host **out)
{
	return cca_host_open_sys(opts, &cca_sys_linux, out);
}

CCA_EXPORT void cca_host_close(struct cca_host *host)
{
	if (!host)
		return;
	sys_close(&host->sys, host->kvm_fd);
	cca_sim_destroy(host->owned_sim);
	free(host);
}

CCA_EXPORT enum cca_abi_rev cca_host_revision(const struct cca_host *host)
{
	return host && host->abi ? host->abi->rev : CCA_ABI_UNKNOWN;
}

CCA_EXPORT int cca_host_kvm_fd(const struct cca_host *host)
{
	return host ? host->kvm_fd : -EINVAL;
}

CCA_EXPORT int cca_ipa_limit(struct cca_host *host, unsigned int *bits)
{
	if (!host || !bits)
		return -EINVAL;
	for (unsigned int b = CCA_IPA_BITS_MAX; b >= CCA_IPA_BITS_MIN; b--) {
		int r = try_vm_type(&host->sys, host->kvm_fd, host->abi->vm_type_realm | b);
		if (r == 0) {
			*bits = b;
			return 0;
		}
		if (r != -EINVAL)
			return r;
	}
	return -CCA_E_REVISION;
}

/* Limits that live in a fresh vCPU's reset state (kvm-realm-uapi.md §5, §13). */
static void probe_limits(struct cca_host *h, unsigned int ipa, struct cca_probe_result *res)
{
	const struct cca_sys *sys = &h->sys;
	struct cca_kvm_vcpu_init init;
	struct kvm_one_reg reg;
	uint64_t val, vls[8];

	int vm = sys_ioctl_int(sys, h->kvm_fd, KVM_CREATE_VM, h->abi->vm_type_realm | ipa);
	if (vm < 0)
		return;
	bool sve = check_ext(sys, vm, KVM_CAP_ARM_SVE) > 0;
	bool pmu = cca_abi_desc_has(h->abi, CCA_ABI_PMU) && check_ext(sys, vm, KVM_CAP_ARM_PMU_V3) > 0;
	int vcpu = -1;

	memset(&init, 0, sizeof(init));
	if (sys_ioctl(sys, vm, CCA_KVM_ARM_PREFERRED_TARGET, &init) < 0)
		goto out;
	vcpu = sys_ioctl_int(sys, vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	init.features[0] = 1U << CCA_KVM_ARM_VCPU_PSCI_0_2;
	if (sve)
		init.features[0] |= 1U << CCA_KVM_ARM_VCPU_SVE;
	if (pmu)
		init.features[0] |= 1U << CCA_KVM_ARM_VCPU_PMU_V3;
	if (sys_ioctl(sys, vcpu, CCA_KVM_ARM_VCPU_INIT, &init) < 0)
		goto out;

	reg.addr = (uint64_t)(uintptr_t)&val;
	reg.id = CCA_KVM_REG_ID_AA64DFR0_EL1;
	if (sys_ioctl(sys, vcpu, KVM_GET_ONE_REG, &reg) == 0) {
		res->max_bps = (uint32_t)((val >> CCA_DFR0_BRPS_SHIFT) & 0xf) + 1;
		res->max_wps = (uint32_t)((val >> CCA_DFR0_WRPS_SHIFT) & 0xf) + 1;
	}
	if (pmu) {
		reg.id = CCA_KVM_REG_PMCR_EL0;
		if (sys_ioctl(sys, vcpu, KVM_GET_ONE_REG, &reg) == 0)
			res->pmu_max_counters = (uint32_t)((val >> CCA_PMCR_N_SHIFT) & CCA_PMCR_N_MASK);
	}
	if (sve) {
		memset(vls, 0, sizeof(vls));
		reg.id = CCA_KVM_REG_ARM64_SVE_VLS;
		reg.addr = (uint64_t)(uintptr_t)vls;
		if (sys_ioctl(sys, vcpu, KVM_GET_ONE_REG, &reg) == 0) {
			for (int vq = 512; vq >= 1; vq--) {
				if (vls[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64))) {
					res->sve_max_vl = (uint32_t)vq * 16;
					break;
				}
			}
		}
	}
out:
	sys_close(sys, vcpu);
	sys_close(sys, vm);
}

int cca_probe_sys(const struct cca_host_options *opts, const struct cca_sys *sys,
		  struct cca_probe_result *out)
{
	struct cca_host *h = NULL;
	struct cca_probe_result r, *res = &r;
	struct detect d;

	if (!sys || CCA_STRUCT_OUT_OK(cca_probe_result, out))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	res->cap_number = -1;
	if (sys->ops->machine(sys->ctx, res->machine, sizeof(res->machine)) < 0)
		snprintf(res->machine, sizeof(res->machine), "?");

	int ret = host_open(opts, sys, &h, &d);
	snprintf(res->evidence, sizeof(res->evidence), "%s", d.evidence);
	snprintf(res->kvm_path, sizeof(res->kvm_path), "%s", d.kvm_path);
	snprintf(res->backend, sizeof(res->backend), "%s", d.backend[0] ? d.backend : "kvm");
	res->detected = d.rev;
	if (ret < 0) {
		res->err = ret;
		res->available = d.why ? (int32_t)d.why : CCA_NO_KVM;
		snprintf(res->reason, sizeof(res->reason), "%s",
			 d.reason[0] ? d.reason : cca_strerror(ret));
		/* A fake KVM may serve realms on any host; only blame the architecture last. */
		if (d.why == CCA_NO_RMI_CAP && strcmp(res->machine, "aarch64") != 0) {
			res->available = CCA_NOT_ARM64;
			snprintf(res->reason, sizeof(res->reason),
				 "host is %.*s, not aarch64: its KVM has no realm VM type",
				 (int)sizeof(res->machine), res->machine);
		}
		CCA_STRUCT_OUT(cca_probe_result, out, res);
		return ret;
	}
	res->available = CCA_AVAILABLE;
	res->revision = h->abi->rev;
	res->source = h->source;
	res->cap_number = h->cap_number;
	res->vm_type_bits = h->abi->vm_type_realm;
	res->manual_psci_complete = cca_abi_desc_has(h->abi, CCA_ABI_MANUAL_PSCI_COMPLETE);
	if (cca_ipa_limit(h, &res->ipa_limit) == 0)
		probe_limits(h, res->ipa_limit, res);
	cca_host_close(h);
	CCA_STRUCT_OUT(cca_probe_result, out, res);
	return 0;
}

CCA_EXPORT int cca_probe(const struct cca_host_options *opts, struct cca_probe_result *res)
{
	return cca_probe_sys(opts, &cca_sys_linux, res);
}
