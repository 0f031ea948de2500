/*
 * tests/unit/cpu/test_topology.c - the CPUID topology leaves follow -smp (struct vcpu's
 * topo_threads/topo_cores and APIC ID = index): leaf 01H EBX/HTT, leaf 04H sharing
 * counts, leaf 0BH levels, AMD 80000008H ECX (cpu/cpuid.c).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>

static struct vcpu *vcpu_as(const char *model, int index, unsigned threads, unsigned cores)
{
	struct vcpu *v = &g_fix->v;

	v->model = cpu_model_find(model);
	ck_assert_ptr_nonnull(v->model);
	v->index = index;
	v->topo_threads = (uint8_t)threads;
	v->topo_cores = (uint8_t)cores;
	return v;
}

START_TEST(single_cpu_default)
{
	struct vcpu *v = vcpu_as("elzero-intel", 0, 0, 0);
	uint32_t r[4];

	cpu_cpuid(v, 1, 0, r);
	ck_assert_uint_eq((r[1] >> 16) & 0xff, 1);
	ck_assert_uint_eq(r[1] >> 24, 0);
	ck_assert_uint_eq(r[3] & (1u << 28), 0);        /* no HTT */
	cpu_cpuid(v, 0xb, 0, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], 1);
	cpu_cpuid(v, 4, 0, r);
	ck_assert_uint_eq(r[0] >> 26, 0);
	ck_assert_uint_eq((r[0] >> 14) & 0xfff, 0);
}
END_TEST

START_TEST(intel_threads_and_cores)
{
	/* 2 threads per core, 4 cores per package; index 13 = package 1, core 2, thread 1. */
	struct vcpu *v = vcpu_as("elzero-intel", 13, 2, 4);
	uint32_t r[4];

	cpu_cpuid(v, 1, 0, r);
	ck_assert_uint_eq((r[1] >> 16) & 0xff, 8);
	ck_assert_uint_eq(r[1] >> 24, 13);
	ck_assert(r[3] & (1u << 28));
	cpu_cpuid(v, 0xb, 0, r);                        /* SMT level */
	ck_assert_uint_eq(r[0], 1);
	ck_assert_uint_eq(r[1], 2);
	ck_assert_uint_eq(r[2], 0x100);
	ck_assert_uint_eq(r[3], 13);
	cpu_cpuid(v, 0xb, 1, r);                        /* core level */
	ck_assert_uint_eq(r[0], 3);
	ck_assert_uint_eq(r[1], 8);
	ck_assert_uint_eq(r[2], 0x201);
	ck_assert_uint_eq(r[3] >> r[0], 1);             /* package ID */
	cpu_cpuid(v, 0xb, 2, r);                        /* invalid level */
	ck_assert_uint_eq(r[0] | r[1], 0);
	ck_assert_uint_eq(r[2], 2);
	cpu_cpuid(v, 4, 0, r);                          /* L1D: one core's threads */
	ck_assert_uint_eq(r[0] >> 26, 3);
	ck_assert_uint_eq((r[0] >> 14) & 0xfff, 1);
	cpu_cpuid(v, 4, 3, r);                          /* L3: the package */
	if (r[0] & 0x1f)
		ck_assert_uint_eq((r[0] >> 14) & 0xfff, 7);
}
END_TEST

START_TEST(amd_core_count)
{
	struct vcpu *v = vcpu_as("elzero-amd", 3, 1, 4);
	uint32_t r[4];

	cpu_cpuid(v, 0x80000008, 0, r);
	ck_assert_uint_eq(r[2] & 0xff, 3);              /* NC: 4 cores - 1 */
	ck_assert_uint_eq((r[2] >> 12) & 0xf, 2);       /* ApicIdSize */
	cpu_cpuid(v, 1, 0, r);
	ck_assert_uint_eq((r[1] >> 16) & 0xff, 4);
	ck_assert_uint_eq(r[1] >> 24, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("topology");
	TCase *tc = tcase_create("cpuid");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, single_cpu_default);
	tcase_add_test(tc, intel_threads_and_cores);
	tcase_add_test(tc, amd_core_count);
	suite_add_tcase(s, tc);
	return check_run(s);
}
