// SPDX-License-Identifier: MIT
/*
 * A program built against the installed libcca with nothing but
 * `pkg-config --cflags --libs libcca` (tests/install/test-install.sh).
 */
#include <stdio.h>
#include <string.h>

#include <rmi/cca.h>

int main(int argc, char **argv)
{
	const char *version = cca_version();
	const char *msg = cca_strerror(-CCA_E_AFTER_RUN);

	if (!version || !*version || !msg || !*msg) {
		fprintf(stderr, "consumer: empty version or error string\n");
		return 1;
	}
	if (argc > 1 && strcmp(version, argv[1]) != 0) {
		fprintf(stderr, "consumer: cca_version() \"%s\", expected \"%s\"\n", version, argv[1]);
		return 1;
	}
	printf("libcca %s: %s\n", version, msg);
	for (int rev = CCA_ABI_FIRST; rev <= CCA_ABI_LAST; rev++)
		printf("v%d manual PSCI completion: %s\n", rev,
		       cca_abi_has((enum cca_abi_rev)rev, CCA_ABI_MANUAL_PSCI_COMPLETE) ? "yes" : "no");
	return 0;
}
