/*
 * tests/unit/cpu/test_model.c - CPU models and CPUID (cpu/model.c, cpu/cpuid.c):
 * rows load, leaves are consistent, -cpu edits work and fail with clear messages.
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	cpu_cpuid(v, leaf, sub, r);
}

static struct vcpu *vcpu_with(const struct cpu_model *m)
{
	g_fix->v.model = m;
	return &g_fix->v;
}

START_TEST(test_rows_load)
{
	ck_assert_uint_ge(cpu_model_count(), 5);
	for (unsigned i = 0; i < cpu_model_count(); i++) {
		const struct cpu_model *m = cpu_model_at(i);

		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_eq(cpu_model_find(cpu_model_name(m)), m);
		ck_assert(strlen(cpu_model_desc(m)) > 0);
	}
	ck_assert_ptr_nonnull(cpu_model_find("max"));
	ck_assert_ptr_nonnull(cpu_model_find("qemu64"));
	ck_assert_ptr_nonnull(cpu_model_find("elzero-intel"));
	ck_assert_ptr_nonnull(cpu_model_find("elzero-amd"));
	ck_assert_ptr_null(cpu_model_find("pentium9"));
}
END_TEST

START_TEST(test_features_known)
{
	ck_assert(cpu_feature_known("vmx"));
	ck_assert(cpu_feature_known("svm"));
	ck_assert(cpu_feature_known("sse4.2"));
	ck_assert(cpu_feature_known("sse4_2"));
	ck_assert(cpu_feature_known("lahf_lm"));
	ck_assert(!cpu_feature_known("warp-drive"));
	for (unsigned i = 0; i < cpu_feature_count(); i++)
		ck_assert(cpu_feature_known(cpu_feature_name(i)));
}
END_TEST

START_TEST(test_intel_leaves)
{
	struct vcpu *v = vcpu_with(cpu_model_find("elzero-intel"));
	uint32_t r[4];
	char vendor[13] = { 0 }, brand[49] = { 0 };

	cpuid(v, 0, 0, r);
	ck_assert_uint_ge(r[0], 0xd);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	ck_assert_str_eq(vendor, "GenuineIntel");
	cpuid(v, 1, 0, r);
	ck_assert_uint_eq(r[0], 0x506e3);               /* family 6 model 5EH stepping 3 */
	ck_assert_uint_ne(r[2] & (1u << 5), 0);         /* VMX (nested/, issue 7) */
	ck_assert_uint_ne(r[2] & (1u << 20), 0);        /* SSE4.2 */
	ck_assert_uint_ne(r[3] & (1u << 25), 0);        /* SSE */
	ck_assert_uint_eq(r[2] & (1u << 28), 0);        /* no AVX */
	ck_assert_uint_ne(r[2] & (1u << 21), 0);        /* x2APIC (hw/lapic.c) */
	ck_assert_uint_ne(r[2] & (1u << 24), 0);        /* TSC-deadline timer */
	ck_assert_uint_eq(r[2] & (1u << 27), 0);        /* OSXSAVE follows CR4 */
	v->s.cr4 |= CR4_OSXSAVE;
	cpuid(v, 1, 0, r);
	ck_assert_uint_ne(r[2] & (1u << 27), 0);
	for (uint32_t l = 0; l < 3; l++) {
		cpuid(v, 0x80000002 + l, 0, r);
		memcpy(brand + 16 * l, r, 16);
	}
	ck_assert_str_eq(brand, "elzero Intel CPU (Skylake-like)");
	cpuid(v, 0x80000001, 0, r);
	ck_assert_uint_ne(r[3] & (1u << 29), 0);        /* LM */
	ck_assert_uint_eq(r[3] & 1, 0);                 /* no AMD aliases on Intel */
	cpuid(v, 0x80000008, 0, r);
	ck_assert_uint_eq(r[0], 39 | (48 << 8));
	cpuid(v, 0xd, 0, r);
	ck_assert_uint_eq(r[0], 3);                     /* x87 | SSE */
	ck_assert_uint_eq(r[2], 576);
	/* Regression (Linux "XSAVE consistency problem"): sub-leaf 1 EBX is the size
	 * of the compacted area for XCR0 | XSS even without XSAVES. */
	cpuid(v, 0xd, 1, r);
	ck_assert_uint_ne(r[0] & 2, 0);                 /* XSAVEC */
	ck_assert_uint_eq(r[1], 576);
	cpuid(v, 4, 0, r);
	ck_assert_uint_eq(r[0] & 0x1f, 1);              /* L1 data */
	ck_assert_uint_eq((r[1] >> 22) + 1, 8);
	ck_assert_uint_eq(r[2] + 1, 32 * 1024 / (8 * 64));
	cpuid(v, 4, 4, r);
	ck_assert_uint_eq(r[0], 0);
	/* Intel: a leaf above the maximum answers like the maximum leaf */
	{
		uint32_t hi[4];

		cpuid(v, 0xd, 0, hi);
		cpuid(v, 0x30, 0, r);
		ck_assert_mem_eq(r, hi, sizeof(hi));
	}
}
END_TEST

START_TEST(test_amd_leaves)
{
	struct vcpu *v = vcpu_with(cpu_model_find("elzero-amd"));
	uint32_t r[4], e1[4];

	cpuid(v, 1, 0, r);
	ck_assert_uint_eq(r[0], 0x00800f12);            /* family 17h: F + ext 8 */
	cpuid(v, 0x80000001, 0, e1);
	ck_assert_uint_eq(e1[0], r[0]);
	ck_assert_uint_eq(e1[3] & 0x0183f3ffu, r[3] & 0x0183f3ffu);    /* AMD aliases */
	ck_assert_uint_eq(e1[2] & (1u << 2), 0);        /* no SVM advertised */
	cpuid(v, 0x80000000, 0, r);
	ck_assert_uint_eq(r[1], 0x68747541);            /* "Auth" */
	cpuid(v, 0x30, 0, r);                           /* AMD: zeros above the maximum */
	ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
	cpuid(v, 0x80000005, 0, r);
	ck_assert_uint_eq(r[2] >> 24, 32);              /* L1D 32 KiB */
}
END_TEST

START_TEST(test_edits)
{
	const struct cpu_model *max = cpu_model_find("max");
	struct cpu_model *m;
	char err[160];
	uint32_t r[4];

	m = cpu_model_edit(max, "+vmx,-sse4.2,vendor=AuthenticAMD,phys-bits=42,check,enforce",
			   err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	cpuid(vcpu_with(m), 1, 0, r);
	ck_assert_uint_ne(r[2] & (1u << 5), 0);
	ck_assert_uint_eq(r[2] & (1u << 20), 0);
	ck_assert_uint_eq(cpu_model_vendor(m), VENDOR_AMD);
	cpuid(vcpu_with(m), 0x80000008, 0, r);
	ck_assert_uint_eq(r[0] & 0xff, 42);
	ck_assert(cpu_has_feature(&g_fix->v, "vmx"));
	ck_assert(!cpu_has_feature(&g_fix->v, "sse4.2"));
	cpu_model_free(m);

	m = cpu_model_edit(max, "x2apic=off,-tsc-deadline,svm=off,sse4_1=off", err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	cpuid(vcpu_with(m), 1, 0, r);
	ck_assert_uint_eq(r[2] & (1u << 21), 0);
	ck_assert_uint_eq(r[2] & (1u << 24), 0);
	ck_assert_uint_eq(r[2] & (1u << 19), 0);
	cpu_model_free(m);

	/* QEMU's qemu64 has neither x2APIC nor TSC-deadline; "+" turns them on */
	m = cpu_model_edit(cpu_model_find("qemu64"), "+x2apic,tsc-deadline=on", err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	cpuid(vcpu_with(m), 1, 0, r);
	ck_assert_uint_ne(r[2] & (1u << 21), 0);
	ck_assert_uint_ne(r[2] & (1u << 24), 0);
	cpuid(vcpu_with(cpu_model_find("qemu64")), 1, 0, r);
	ck_assert_uint_eq(r[2] & ((1u << 21) | (1u << 24)), 0);
	cpu_model_free(m);

	ck_assert_ptr_null(cpu_model_edit(max, "+warp", err, sizeof(err)));
	ck_assert_str_eq(err, "unknown CPU feature 'warp' (see -cpu help)");
	ck_assert_ptr_null(cpu_model_edit(max, "vendor=Intel", err, sizeof(err)));
	ck_assert_ptr_null(cpu_model_edit(max, "vmx=maybe", err, sizeof(err)));
	ck_assert_ptr_null(cpu_model_edit(max, "+vmx,,", err, sizeof(err)));
	ck_assert_ptr_null(cpu_model_edit(max, "bogus=1", err, sizeof(err)));
	m = cpu_model_edit(max, "", err, sizeof(err));
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(cpu_model_name(m), "max");
	cpu_model_free(m);
}
END_TEST

START_TEST(test_vcpu_init_from_model)
{
	struct vcpu *v = calloc(1, sizeof(*v));

	vcpu_init(v, 0, &g_fix->bus, cpu_model_find("elzero-amd"));
	ck_assert_uint_eq(v->vendor, VENDOR_AMD);
	ck_assert_uint_eq(v->phys_bits, 48);
	ck_assert_uint_eq(v->s.gpr[2], 0x00800f12);     /* EDX after reset */
	free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_model");
	TCase *tc = tcase_create("models");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_rows_load);
	tcase_add_test(tc, test_features_known);
	tcase_add_test(tc, test_intel_leaves);
	tcase_add_test(tc, test_amd_leaves);
	tcase_add_test(tc, test_edits);
	tcase_add_test(tc, test_vcpu_init_from_model);
	suite_add_tcase(s, tc);
	return check_run(s);
}
