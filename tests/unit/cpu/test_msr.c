/*
 * tests/unit/cpu/test_msr.c - RDMSR/WRMSR semantics (cpu/msr.c): reserved bits,
 * EFER rules (SDM vol. 3, 2.2.1, 10.8.5), canonical bases, PAT/MTRR types, locks,
 * vendor differences and hooks.
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

static struct vcpu *v;

static void setup(void)
{
	cpufix_setup();
	v = &g_fix->v;
}

START_TEST(test_efer)
{
	uint64_t val;

	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000080, EFER_SCE | EFER_LME | EFER_NXE), 0);
	ck_assert_int_eq(cpu_rdmsr(v, 0xc0000080, &val), 0);
	ck_assert_uint_eq(val, EFER_SCE | EFER_LME | EFER_NXE);
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000080, 1ull << 3), -1);          /* reserved */
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000080, EFER_SVME), -1);          /* no SVM */
	v->s.cr0 |= CR0_PE | CR0_PG;
	v->s.efer |= EFER_LMA;
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000080, EFER_SCE), -1);   /* LME change, paging on */
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000080, EFER_LME), 0);    /* LMA is read-only */
	ck_assert_uint_eq(v->s.efer, EFER_LME | EFER_LMA);
}
END_TEST

START_TEST(test_bases_and_syscall)
{
	uint64_t val;

	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000100, 0x7fff12345000ull), 0);
	ck_assert_uint_eq(v->s.seg[SEG_FS].base, 0x7fff12345000ull);
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000101, 0x800000000000ull), -1);  /* non-canonical */
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000102, 0xffff800000000000ull), 0);
	ck_assert_int_eq(cpu_rdmsr(v, 0xc0000102, &val), 0);
	ck_assert_uint_eq(val, 0xffff800000000000ull);
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000082, 0x0000800000000000ull), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000084, 1ull << 32), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0xc0000081, 0x0023001000000000ull), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x175, 0x1234), 0);
	ck_assert_uint_eq(v->s.msr.sysenter_esp, 0x1234);
}
END_TEST

START_TEST(test_pat_mtrr_tsc)
{
	uint64_t val;

	ck_assert_int_eq(cpu_rdmsr(v, 0x277, &val), 0);
	ck_assert_uint_eq(val, 0x0007040600070406ull);
	ck_assert_int_eq(cpu_wrmsr(v, 0x277, 0x0007040600070402ull), -1);   /* type 2 */
	ck_assert_int_eq(cpu_wrmsr(v, 0x277, 0x0000000000000106ull), 0);
	ck_assert_int_eq(cpu_rdmsr(v, 0xfe, &val), 0);
	ck_assert_uint_eq(val & 0xff, 8);
	ck_assert_int_eq(cpu_wrmsr(v, 0x200, 0x80000006ull), 0);     /* PHYSBASE0, WB */
	ck_assert_int_eq(cpu_wrmsr(v, 0x200, 0x80000003ull), -1);    /* type 3 */
	ck_assert_int_eq(cpu_wrmsr(v, 0x201, 0xfff0000800ull), 0);   /* PHYSMASK0, valid */
	ck_assert_int_eq(cpu_wrmsr(v, 0x201, 0xfff0000801ull), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0x2ff, 0xc06), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x250, 0x0606060606060606ull), 0);
	v->icount = 1000;
	ck_assert_int_eq(cpu_wrmsr(v, 0x10, 5000), 0);
	v->icount = 1010;
	ck_assert_int_eq(cpu_rdmsr(v, 0x10, &val), 0);
	ck_assert_uint_eq(val, 5010);
}
END_TEST

START_TEST(test_unknown_and_vendor)
{
	uint64_t val = 7;

	ck_assert_int_eq(cpu_rdmsr(v, 0x12345678, &val), -1);
	ck_assert_uint_eq(val, 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x12345678, 1), -1);
	/* IA32_FEATURE_CONTROL: Intel only; locked after bit 0 */
	ck_assert_int_eq(cpu_wrmsr(v, 0x3a, 5), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x3a, 1), -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0x3a, &val), 0);
	ck_assert_uint_eq(val, 5);
	v->vendor = VENDOR_AMD;
	ck_assert_int_eq(cpu_rdmsr(v, 0x3a, &val), -1);
	/* APIC base: reserved bits; EXTD is reserved without x2APIC (qemu64) */
	v->model = cpu_model_find("qemu64");
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00900ull), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00c00ull), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00801ull), -1);
	/* with x2APIC (max): xAPIC -> x2APIC, then x2APIC -> xAPIC is #GP (11.12.5) */
	v->model = cpu_model_find("max");
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00c00ull), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00800ull), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, 0xfee00000ull), 0);
}
END_TEST

static int hook(struct vcpu *hv, void *opaque, uint32_t index, uint64_t *val, bool write)
{
	if (index == 0x480) {
		if (write)
			return -1;
		*val = 0xabcd;
		return 1;
	}
	return 0;
}

START_TEST(test_hooks)
{
	uint64_t val;

	cpu_msr_add_hook(v, hook, NULL);
	ck_assert_int_eq(cpu_rdmsr(v, 0x480, &val), 0);
	ck_assert_uint_eq(val, 0xabcd);
	ck_assert_int_eq(cpu_wrmsr(v, 0x480, 1), -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0xc0000080, &val), 0);   /* not claimed: cpu/'s */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_msr");
	TCase *tc = tcase_create("msr");

	tcase_add_checked_fixture(tc, setup, cpufix_teardown);
	tcase_add_test(tc, test_efer);
	tcase_add_test(tc, test_bases_and_syscall);
	tcase_add_test(tc, test_pat_mtrr_tsc);
	tcase_add_test(tc, test_unknown_and_vendor);
	tcase_add_test(tc, test_hooks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
