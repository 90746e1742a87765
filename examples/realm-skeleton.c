// SPDX-License-Identifier: MIT
/*
 * realm-skeleton: the realm life cycle through libcca's public API, in the
 * order the kernel requires. It builds a two-vCPU realm with 64 MiB of
 * private RAM, populates one measured page and stops before the first run
 * (the realm launcher is the program that boots guests).
 *
 * Exit status: 0 on success, 1 if a step failed (the step is printed).
 */
#include <stdio.h>
#include <string.h>

#include <rmi/cca.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (64ULL << 20)

static int step(const char *what, int ret)
{
	printf("%-28s %s\n", what, ret ? cca_strerror(ret) : "ok");
	return ret;
}

int main(void)
{
	static unsigned char page[4096] __attribute__((aligned(4096)));
	struct cca_host *host = NULL;
	struct cca_realm *realm = NULL;
	struct cca_realm_params rp;
	struct cca_gic_params gp = { .size = sizeof(gp), .dist_base = 0x08000000,
				     .redist_base = 0x080a0000 };
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = RAM_BASE, .len = RAM_SIZE };
	int ret;

	if (step("open host", cca_host_open(NULL, &host)))
		return 1;
	printf("revision                     %s\n", cca_abi_rev_name(cca_host_revision(host)));
	cca_realm_params_init(&rp);
	rp.ipa_bits = 33;
	rp.nr_recs = 2;
	rp.num_bps = 2;
	rp.num_wps = 2;
	ret = step("create realm", cca_realm_create(host, &rp, &realm));
	if (!ret)
		ret = step("create GICv3", cca_realm_gic_create(realm, &gp));
	for (unsigned int i = 0; !ret && i < rp.nr_recs; i++) {
		struct cca_rec_params p = { .size = sizeof(p), .index = i };
		struct cca_rec *rec;
		ret = step("create vCPU", cca_rec_create(realm, &p, &rec));
	}
	if (!ret)
		ret = step("add RAM region", cca_mem_region_add(realm, &mp, NULL));
	if (!ret) {
		memset(page, 0xd4, sizeof(page));
		ret = step("populate (measured)",
			   cca_mem_populate(realm, RAM_BASE, page, sizeof(page), CCA_POPULATE_MEASURE));
	}
	if (!ret)
		ret = step("set boot entry",
			   cca_rec_set_entry(cca_rec_get(realm, 0), RAM_BASE, NULL));
	cca_realm_destroy(realm);
	cca_host_close(host);
	return ret ? 1 : 0;
}
