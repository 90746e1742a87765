// SPDX-License-Identifier: MIT
/*
 * Description: cca_strerror()/cca_error_name() cover every libcca code and
 * any errno, never return NULL, and tell the two channels apart.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <rmi/cca.h>

static void every_code_has_text_and_name(void **state)
{
	(void)state;
	for (int e = CCA_E_BASE + 1; e < CCA_E_MAX; e++) {
		const char *t = cca_strerror(-e), *n = cca_error_name(-e);
		assert_non_null(t);
		assert_non_null(n);
		assert_true(strlen(t) > 10);
		assert_true(strncmp(n, "CCA_E_", 6) == 0);
		assert_true(cca_is_libcca_error(-e));
		assert_true(cca_is_libcca_error(e));
		/* Texts are distinct: each says which rule was broken. */
		for (int o = CCA_E_BASE + 1; o < e; o++)
			assert_string_not_equal(t, cca_strerror(-o));
		/* Either sign gives the same answer. */
		assert_string_equal(t, cca_strerror(e));
	}
	assert_string_equal(cca_error_name(-CCA_E_PSCI_PENDING), "CCA_E_PSCI_PENDING");
	assert_string_equal(cca_error_name(-CCA_E_VCPU_ORDER), "CCA_E_VCPU_ORDER");
}

static void errnos_pass_through(void **state)
{
	(void)state;
	assert_string_equal(cca_error_name(-ENXIO), "ENXIO");
	assert_string_equal(cca_error_name(-EAGAIN), "EAGAIN");
	assert_string_equal(cca_strerror(-EINVAL), "Invalid argument");
	assert_false(cca_is_libcca_error(-EINVAL));
	assert_false(cca_is_libcca_error(0));
	assert_string_equal(cca_strerror(0), "success");
	assert_string_equal(cca_error_name(0), "OK");
}

static void unknown_values_never_null(void **state)
{
	static const int odd[] = { CCA_E_BASE, -CCA_E_BASE, CCA_E_MAX, -CCA_E_MAX, 4000, -4000,
				   INT_MAX, INT_MIN + 1, 9999 };
	(void)state;
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		assert_non_null(cca_strerror(odd[i]));
		assert_non_null(cca_error_name(odd[i]));
		assert_false(cca_is_libcca_error(odd[i]));
	}
	assert_non_null(cca_strerror(INT_MIN));
	assert_non_null(cca_error_name(INT_MIN));
}

static void version_string(void **state)
{
	(void)state;
	char want[32];
	snprintf(want, sizeof(want), "%d.%d.%d", CCA_VERSION_MAJOR, CCA_VERSION_MINOR,
		 CCA_VERSION_PATCH);
	assert_string_equal(cca_version(), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_text_and_name),
		cmocka_unit_test(errnos_pass_through),
		cmocka_unit_test(unknown_values_never_null),
		cmocka_unit_test(version_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
