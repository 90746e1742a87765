// SPDX-License-Identifier: MIT
/*
 * Description: opening the host and detecting the realm-ABI revision by
 * trial (kvm-realm-uapi.md §19): the exact probe sequence per revision,
 * the fallbacks without a capability number, disagreeing probes, the
 * API/environment overrides, the IPA limit search and cca_probe()'s report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define VM MOCK_VM_FD
#define KVM MOCK_KVM_FD
#define CREATE_VM(type, ret) { KVM, KVM_CREATE_VM, NULL, 0, NULL, 0, ret, type, MOCK_ARG_INT | ((ret) >= 0 ? MOCK_NEW_FD : 0) }
#define CHECK(fd, cap, ret) { fd, KVM_CHECK_EXTENSION, NULL, 0, NULL, 0, ret, cap, MOCK_ARG_INT }
#define T30 (KVM_VM_TYPE_ARM_REALM_V14 | 33)
#define T8 (KVM_VM_TYPE_ARM_REALM_V12 | 33)

static struct cca_host_options no_env(void)
{
	struct cca_host_options o;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = CCA_HOST_NO_ENV;
	return o;
}

static int setup(void **state)
{
	(void)state;
	mock_sys_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_sys_assert_clean();
	mock_sys_reset();
	return 0;
}

static void expect_open(const struct mock_ioctl *calls, size_t n, int ret, enum cca_abi_rev rev,
			int cap)
{
	struct cca_host_options o = no_env();
	struct cca_host *h = (struct cca_host *)0x5a5a;

	mock_sys_expect(calls, n);
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), ret);
	mock_sys_done();
	if (ret) {
		assert_ptr_equal(h, (struct cca_host *)0x5a5a); /* untouched */
		return;
	}
	assert_int_equal(cca_host_revision(h), rev);
	assert_int_equal(h->cap_number, cap);
	assert_int_equal(h->source, CCA_REV_FROM_PROBE);
	cca_host_close(h);
}

static void detect_v12_by_cap(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, VM), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0), CHECK(KVM, 247, 1),
	};
	expect_open(calls, ARRAY_SIZE(calls), 0, CCA_ABI_V12, 247);
}

static void detect_v13_by_cap(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, VM), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 1), CHECK(KVM, 247, 0),
	};
	expect_open(calls, ARRAY_SIZE(calls), 0, CCA_ABI_V13, 248);
}

static void detect_v14_by_cap(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, VM), CHECK(KVM, 251, 0), CHECK(KVM, 249, 1),
		CHECK(KVM, 248, 0), CHECK(KVM, 247, 0),
	};
	expect_open(calls, ARRAY_SIZE(calls), 0, CCA_ABI_V14, 249);
}

static void detect_v15_by_cap(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, VM), CHECK(KVM, 251, 1), CHECK(KVM, 249, 0),
		CHECK(KVM, 248, 0), CHECK(KVM, 247, 0),
	};
	expect_open(calls, ARRAY_SIZE(calls), 0, CCA_ABI_V15, 251);
}

/* Step 3: no cap answers; the POPULATE number a normal VM knows decides. */
static void detect_v12_v13_by_populate(void **state)
{
	static const struct kvm_arm_rmi_populate zero;
	(void)state;
	for (int want = 12; want <= 13; want++) {
		const struct mock_ioctl calls[] = {
			CREATE_VM(T30, -EINVAL),
			CREATE_VM(T8, VM),
			CHECK(KVM, 251, 0),
			CHECK(KVM, 249, 0),
			CHECK(KVM, 248, 0),
			CHECK(KVM, 247, 0),
			CREATE_VM(0, VM),
			{ VM, KVM_ARM_RMI_POPULATE_V12, &zero, sizeof(zero), NULL, 0,
			  want == 12 ? -EPERM : -ENOTTY, 0, 0 },
			{ VM, KVM_ARM_RMI_POPULATE_V13, &zero, sizeof(zero), NULL, 0,
			  want == 13 ? -EPERM : -EINVAL, 0, 0 },
		};
		expect_open(calls, ARRAY_SIZE(calls), 0, (enum cca_abi_rev)want, -1);
	}
}

/* Step 4: v14 reports PRIVATE through VM attributes, v15 through guest_memfd ones. */
static void detect_v14_v15_by_attributes(void **state)
{
	(void)state;
	for (int want = 14; want <= 15; want++) {
		const struct mock_ioctl calls[] = {
			CREATE_VM(T30, VM),
			CHECK(KVM, 251, 0),
			CHECK(KVM, 249, 0),
			CHECK(KVM, 248, 0),
			CHECK(KVM, 247, 0),
			CREATE_VM(T30, VM),
			CHECK(VM, 250, want == 15 ? 8 : 0),
			CHECK(VM, 233, want == 14 ? 8 : 0),
		};
		expect_open(calls, ARRAY_SIZE(calls), 0, (enum cca_abi_rev)want, -1);
	}
}

static void cap_from_other_family_is_a_conflict(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, VM), CHECK(KVM, 251, 0), CHECK(KVM, 249, 0),
		CHECK(KVM, 248, 0), CHECK(KVM, 247, 1),
	};
	expect_open(calls, ARRAY_SIZE(calls), -CCA_E_REVISION, CCA_ABI_UNKNOWN, -1);
}

static void both_populate_numbers_known_is_a_conflict(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL),
		CREATE_VM(T8, VM),
		CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),
		CHECK(KVM, 248, 0),
		CHECK(KVM, 247, 0),
		CREATE_VM(0, VM),
		{ VM, KVM_ARM_RMI_POPULATE_V12, NULL, 0, NULL, 0, -EPERM, 0, 0 },
		{ VM, KVM_ARM_RMI_POPULATE_V13, NULL, 0, NULL, 0, -EPERM, 0, 0 },
	};
	expect_open(calls, ARRAY_SIZE(calls), -CCA_E_REVISION, CCA_ABI_UNKNOWN, -1);
}

static void no_realm_type(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, -EINVAL), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0),     CHECK(KVM, 247, 0),
	};
	expect_open(calls, ARRAY_SIZE(calls), -CCA_E_REVISION, CCA_ABI_UNKNOWN, -1);
}

static void probe_reports_why(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, -EINVAL), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0),     CHECK(KVM, 247, 0),
	};
	struct cca_host_options o = no_env();
	struct cca_probe_result r;

	/* On arm64: no RMI. */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_probe_sys(&o, &mock_sys, &r), -CCA_E_REVISION);
	mock_sys_done();
	assert_int_equal(r.available, CCA_NO_RMI_CAP);
	assert_string_equal(r.machine, "aarch64");
	assert_non_null(strstr(r.reason, "no realm VM type"));
	assert_non_null(strstr(r.evidence, "type30=EINVAL"));
	assert_non_null(strstr(r.evidence, "cap247=0"));

	/* Elsewhere: the architecture is the reason. */
	mock_sys_set_machine("x86_64");
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_probe_sys(&o, &mock_sys, &r), -CCA_E_REVISION);
	mock_sys_done();
	assert_int_equal(r.available, CCA_NOT_ARM64);
	assert_non_null(strstr(r.reason, "x86_64"));

	/* No KVM device at all. */
	mock_sys_set_open_result(-ENOENT);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	mock_sys_expect(NULL, 0);
	o.kvm_path = "/nonexistent/kvm";
	assert_int_equal(cca_probe_sys(&o, &mock_sys, &r), -ENOENT);
	assert_int_equal(r.available, CCA_NO_KVM);
	assert_int_equal(r.err, -ENOENT);
	assert_string_equal(r.kvm_path, "/nonexistent/kvm");
	assert_non_null(strstr(r.reason, "/nonexistent/kvm"));

	/* A result struct too small is refused and untouched. */
	memset(&r, 0x77, sizeof(r));
	r.size = 8;
	assert_int_equal(cca_probe_sys(&o, &mock_sys, &r), -EINVAL);
	assert_int_equal(r.available, 0x77777777);
}

/* The fake kernel of the fixture: a whole probe, limits included. */
static void probe_limits_on_each_revision(void **state)
{
	(void)state;
	for (int rev = CCA_ABI_V12; rev <= CCA_ABI_V15; rev++) {
		struct fx f;
		struct cca_host_options o = no_env();
		struct cca_probe_result r;

		memset(&f, 0, sizeof(f));
		f.rev = (enum cca_abi_rev)rev;
		mock_sys_reset();
		fx_handler_mode(&f);
		memset(&r, 0, sizeof(r));
		r.size = sizeof(r);
		assert_int_equal(cca_probe_sys(&o, &mock_sys, &r), 0);
		assert_int_equal(r.available, CCA_AVAILABLE);
		assert_int_equal(r.revision, rev);
		assert_int_equal(r.detected, rev);
		assert_int_equal(r.source, CCA_REV_FROM_PROBE);
		assert_int_equal(r.cap_number, cca_abi_cap_number((enum cca_abi_rev)rev));
		assert_int_equal(r.ipa_limit, 52); /* the fake kernel takes any width */
		assert_int_equal(r.max_bps, 6);
		assert_int_equal(r.max_wps, 4);
		assert_int_equal(r.sve_max_vl, 256);
		assert_int_equal(r.pmu_max_counters, rev <= CCA_ABI_V13 ? 8 : 0);
		assert_int_equal(r.manual_psci_complete, rev <= CCA_ABI_V13);
		assert_int_equal(r.vm_type_bits, cca_abi_vm_type((enum cca_abi_rev)rev, 0));
		mock_sys_assert_clean();
	}
}

static void override_by_api_beats_env(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, VM), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0), CHECK(KVM, 247, 1),
	};
	struct cca_host_options o;
	struct cca_host *h;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.revision = CCA_ABI_V13;
	setenv(CCA_ENV_REVISION, "v14", 1);
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), 0);
	mock_sys_done();
	assert_int_equal(cca_host_revision(h), CCA_ABI_V13);
	assert_int_equal(h->detected, CCA_ABI_V12); /* recorded, not hidden */
	assert_int_equal(h->source, CCA_REV_FROM_API);
	cca_host_close(h);

	/* Without the API override the environment wins over the probes. */
	o.revision = CCA_ABI_UNKNOWN;
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), 0);
	mock_sys_done();
	assert_int_equal(cca_host_revision(h), CCA_ABI_V14);
	assert_int_equal(h->source, CCA_REV_FROM_ENV);
	cca_host_close(h);

	/* An override makes an unknown kernel usable. */
	const struct mock_ioctl none[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, -EINVAL), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0),     CHECK(KVM, 247, 0),
	};
	mock_sys_expect(none, ARRAY_SIZE(none));
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), 0);
	mock_sys_done();
	assert_int_equal(cca_host_revision(h), CCA_ABI_V14);
	assert_int_equal(h->detected, CCA_ABI_UNKNOWN);
	cca_host_close(h);

	/* A bad environment value is an error, not a silent fallback; no kernel call. */
	setenv(CCA_ENV_REVISION, "v11", 1);
	h = NULL;
	mock_sys_expect(NULL, 0);
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	assert_null(h);
	/* ... unless the caller said to ignore the environment. */
	o.flags = CCA_HOST_NO_ENV;
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), 0);
	mock_sys_done();
	assert_int_equal(cca_host_revision(h), CCA_ABI_V12);
	cca_host_close(h);
	unsetenv(CCA_ENV_REVISION);
}

static void bad_options(void **state)
{
	struct cca_host_options o = no_env();
	struct cca_host *h = NULL;
	(void)state;

	o.flags = 0x80;
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	o = no_env();
	o.reserved[2] = 1;
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	o = no_env();
	o.reserved0 = 1;
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	o = no_env();
	o.size = 4;
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	o = no_env();
	o.revision = (enum cca_abi_rev)16;
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -EINVAL);
	assert_null(h);
	assert_int_equal(mock_sys_ioctl_count(), 0);
	cca_host_close(NULL);
}

static void ipa_limit_search(void **state)
{
	struct fx f;
	unsigned int bits = 0;
	(void)state;

	fx_setup(&f, CCA_ABI_V14, NULL);
	const struct mock_ioctl calls[] = {
		CREATE_VM(KVM_VM_TYPE_ARM_REALM_V14 | 52, -EINVAL),
		CREATE_VM(KVM_VM_TYPE_ARM_REALM_V14 | 51, -EINVAL),
		CREATE_VM(KVM_VM_TYPE_ARM_REALM_V14 | 50, -EINVAL),
		CREATE_VM(KVM_VM_TYPE_ARM_REALM_V14 | 49, VM + 1),
	};
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_ipa_limit(f.host, &bits), 0);
	mock_sys_done();
	assert_int_equal(bits, 49);

	/* Another error stops the search and is passed through. */
	const struct mock_ioctl enomem[] = {
		CREATE_VM(KVM_VM_TYPE_ARM_REALM_V14 | 52, -ENOMEM),
	};
	bits = 7;
	mock_sys_expect(enomem, ARRAY_SIZE(enomem));
	assert_int_equal(cca_ipa_limit(f.host, &bits), -ENOMEM);
	mock_sys_done();
	assert_int_equal(bits, 7);
	fx_teardown(&f);
}

struct log_capture {
	int calls;
	int last_level;
	char last[256];
};

static void capture(void *ctx, int level, const char *msg)
{
	struct log_capture *c = ctx;
	c->calls++;
	c->last_level = level;
	strncpy(c->last, msg, sizeof(c->last) - 1);
}

static void log_callback_reports_refusals(void **state)
{
	(void)state;
	const struct mock_ioctl calls[] = {
		CREATE_VM(T30, -EINVAL), CREATE_VM(T8, -EINVAL), CHECK(KVM, 251, 0),
		CHECK(KVM, 249, 0),      CHECK(KVM, 248, 0),     CHECK(KVM, 247, 0),
	};
	struct log_capture c = { 0 };
	struct cca_host_options o = no_env();
	struct cca_host *h = NULL;

	o.log_fn = capture;
	o.log_ctx = &c;
	mock_sys_expect(calls, ARRAY_SIZE(calls));
	assert_int_equal(cca_host_open_sys(&o, &mock_sys, &h), -CCA_E_REVISION);
	mock_sys_done();
	assert_true(c.calls >= 1);
	assert_int_equal(c.last_level, CCA_LOG_ERR);
	assert_non_null(strstr(c.last, "no realm VM type"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(detect_v12_by_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_v13_by_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_v14_by_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_v15_by_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_v12_v13_by_populate, setup, teardown),
		cmocka_unit_test_setup_teardown(detect_v14_v15_by_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(cap_from_other_family_is_a_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(both_populate_numbers_known_is_a_conflict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(no_realm_type, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_reports_why, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_limits_on_each_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(override_by_api_beats_env, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(ipa_limit_search, setup, teardown),
		cmocka_unit_test_setup_teardown(log_callback_reports_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
