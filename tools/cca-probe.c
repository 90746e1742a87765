// SPDX-License-Identifier: MIT
/*
 * cca-probe: report the host's Arm CCA realm support, or exactly why there
 * is none. Exit status 0 when realms are available, 1 when not, 2 on a
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rmi/cca.h>

static const char *const why_names[] = {
	[CCA_AVAILABLE] = "available",
	[CCA_NO_KVM] = "no KVM device",
	[CCA_NOT_ARM64] = "not arm64",
	[CCA_NO_RMI_CAP] = "no realm support in KVM",
	[CCA_REV_CONFLICT] = "unknown realm ABI revision",
};

static const char *const source_names[] = {
	[CCA_REV_FROM_NONE] = "none",
	[CCA_REV_FROM_PROBE] = "probed",
	[CCA_REV_FROM_ENV] = "$CCA_ABI_REVISION",
	[CCA_REV_FROM_API] = "--revision",
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cca-probe [--kvm PATH] [--revision vNN] [--quiet] [--help]\n"
		   "\n"
		   "Reports whether this host can run Arm CCA realms through KVM: the kernel's\n"
		   "realm ABI revision, its KVM_CAP_ARM_RMI number, the realm IPA limit, the\n"
		   "SVE, PMU and breakpoint limits, and whether user-space PSCI needs manual\n"
		   "completion; or why realms are unavailable.\n"
		   "\n"
		   "  --kvm PATH       KVM device (default $CCA_KVM_PATH or /dev/kvm)\n"
		   "  --revision vNN   use this ABI revision instead of detecting it\n"
		   "  --quiet          print nothing; exit status only\n"
		   "\n"
		   "Exit status: 0 realms available, 1 unavailable, 2 usage error.\n");
}

static void print_result(const struct cca_probe_result *r)
{
	printf("host architecture:   %s\n", r->machine);
	printf("KVM device:          %s\n", r->kvm_path[0] ? r->kvm_path : "-");
	printf("backend:             %s\n",
	       strcmp(r->backend, "sim") == 0 ? "simulator (CCA_BACKEND=sim)" : "kernel");
	if (r->available != CCA_AVAILABLE) {
		const char *why = (unsigned)r->available < sizeof(why_names) / sizeof(why_names[0])
					  ? why_names[r->available]
					  : "?";
		printf("realms:              unavailable (%s)\n", why);
		printf("reason:              %s\n", r->reason);
		if (r->evidence[0])
			printf("evidence:            %s\n", r->evidence);
		return;
	}
	printf("realms:              available\n");
	printf("ABI revision:        %s (%s", cca_abi_rev_name(r->revision),
	       source_names[r->source]);
	if (r->detected != r->revision)
		printf(", probes found %s", cca_abi_rev_name(r->detected));
	printf(")\n");
	if (r->cap_number >= 0)
		printf("KVM_CAP_ARM_RMI:     %d\n", r->cap_number);
	else
		printf("KVM_CAP_ARM_RMI:     none answered\n");
	printf("realm VM type bit:   0x%llx\n", (unsigned long long)r->vm_type_bits);
	printf("IPA limit:           %u bits\n", r->ipa_limit);
	if (r->sve_max_vl)
		printf("SVE:                 up to %u bytes (%u bits)\n", r->sve_max_vl,
		       r->sve_max_vl * 8);
	else
		printf("SVE:                 no\n");
	printf("breakpoints:         %u\n", r->max_bps);
	printf("watchpoints:         %u\n", r->max_wps);
	printf("PMU counters:        %u%s\n", r->pmu_max_counters,
	       cca_abi_has(r->revision, CCA_ABI_PMU) ? "" : " (no realm PMU in this revision)");
	printf("PSCI completion:     %s\n",
	       r->manual_psci_complete ? "manual (KVM_ARM_VCPU_RMI_PSCI_COMPLETE)"
				       : "by KVM (retry KVM_RUN on EAGAIN)");
	printf("evidence:            %s\n", r->evidence);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kvm", required_argument, NULL, 'k' },
		{ "revision", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cca_host_options opts;
	struct cca_probe_result res;
	int quiet = 0, c;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	while ((c = getopt_long(argc, argv, "k:r:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			opts.kvm_path = optarg;
			break;
		case 'r':
			if (cca_abi_rev_parse(optarg, &opts.revision)) {
				fprintf(stderr, "cca-probe: unknown revision '%s' (v12..v15)\n", optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&res, 0, sizeof(res));
	res.size = sizeof(res);
	int ret = cca_probe(&opts, &res);
	if (ret == -EINVAL && res.available == CCA_AVAILABLE) {
		fprintf(stderr, "cca-probe: %s\n", cca_strerror(ret));
		return 2;
	}
	if (!quiet)
		print_result(&res);
	return ret == 0 ? 0 : 1;
}
