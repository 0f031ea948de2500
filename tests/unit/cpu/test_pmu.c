/*
 * tests/unit/cpu/test_pmu.c - the architectural PMU (cpu/pmu.c; SDM vol. 3, 20.2):
 * leaf 0AH, the MSRs' reset values and reserved bits, lazy counting with USR/OS
 * filtering, overflow and PMI, RDPMC, -cpu pmu=off, and exact instruction counts
 * through the translator.
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"
#include "../common/emu.h"

#include <check.h>
#include <stdlib.h>

#define PMC0 0xc1
#define EVTSEL0 0x186
#define FIXED0 0x309
#define FIXED_CTRL 0x38d
#define GSTATUS 0x38e
#define GCTRL 0x38f
#define OVF_CTRL 0x390

#define SEL_INSN 0xc0ull
#define SEL_USR (1ull << 16)
#define SEL_OS (1ull << 17)
#define SEL_INT (1ull << 20)
#define SEL_EN (1ull << 22)
#define CTR_MASK ((1ull << 48) - 1)

static struct vcpu *v;
static unsigned g_pmis;
static uint64_t g_pmi_icount;

static void pmi_hook(struct vcpu *vc, void *opaque)
{
	(void)opaque;
	g_pmis++;
	g_pmi_icount = vc->icount;
}

static void setup(void)
{
	cpufix_setup();
	v = &g_fix->v;
	v->pmi_hook = pmi_hook;
	g_pmis = 0;
}

static uint64_t rd(uint32_t index)
{
	uint64_t val = 0;

	ck_assert_int_eq(cpu_rdmsr(v, index, &val), 0);
	return val;
}

START_TEST(test_cpuid_and_reset)
{
	uint32_t r[4];

	cpu_cpuid(v, 0xa, 0, r);
	ck_assert_uint_eq(r[0], 0x07300402u);  /* v2, 4 PMCs, 48 bits, 7 events */
	ck_assert_uint_eq(r[1], 0x78u);        /* cycles, instructions, ref cycles only */
	ck_assert_uint_eq(r[3], 3u | 48u << 5);
	ck_assert_uint_eq(rd(GCTRL), 0xf);     /* bits n-1:0 set at reset */
	ck_assert_uint_eq(rd(GSTATUS), 0);
	ck_assert_uint_eq(rd(FIXED_CTRL), 0);
	ck_assert_uint_eq(rd(PMC0 + 3), 0);
	ck_assert_uint_eq(rd(FIXED0 + 2), 0);
	ck_assert_int_eq(cpu_rdmsr(v, PMC0 + 4, &(uint64_t){ 0 }), -1);   /* no PMC4 */
	ck_assert_int_eq(cpu_rdmsr(v, 0x345, &(uint64_t){ 0 }), -1);      /* no PDCM */
}
END_TEST

START_TEST(test_reserved_bits)
{
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0, 1ull << 21), -1);          /* AnyThread: v3 */
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0, 1ull << 32), -1);
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0 + 1, 0xffdfffffull), 0);
	ck_assert_uint_eq(rd(EVTSEL0 + 1), 0xffdfffffull);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 4), -1);                /* AnyThread */
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 1ull << 12), -1);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 0xbbb), 0);
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 1ull << 4), -1);
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 1ull << 35), -1);
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0x70000000full), 0);
	ck_assert_int_eq(cpu_wrmsr(v, GSTATUS, 0), -1);                   /* read-only */
	ck_assert_int_eq(cpu_wrmsr(v, OVF_CTRL, 1ull << 4), -1);
	ck_assert_int_eq(cpu_wrmsr(v, OVF_CTRL, 0xc00000070000000full), 0);
	ck_assert_uint_eq(rd(OVF_CTRL), 0);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED0, 1ull << 48), -1);           /* beyond the width */
	ck_assert_int_eq(cpu_wrmsr(v, FIXED0, CTR_MASK), 0);
	/* PMCs take 32 bits, sign-extended to 48 (no full-width writes) */
	ck_assert_int_eq(cpu_wrmsr(v, PMC0, 0x1234ffffff00ull), 0);
	ck_assert_uint_eq(rd(PMC0), 0xffffffffff00ull);
	ck_assert_int_eq(cpu_wrmsr(v, PMC0, 0x7fffffff), 0);
	ck_assert_uint_eq(rd(PMC0), 0x7fffffff);
}
END_TEST

/* Counting follows icount, split by CPL class and the USR/OS filters. */
START_TEST(test_lazy_counting)
{
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 0x321), 0);    /* ctr0 OS, ctr1 USR, ctr2 all */
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0, SEL_EN | SEL_OS | SEL_USR | 0x3c), 0);
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0 + 1, SEL_EN | SEL_OS | 0x1c4), 0);  /* branches */
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0x700000003ull), 0);
	ck_assert(v->pmu.watch);
	v->icount += 100;
	cpu_pmu_boundary(v);            /* nothing to do: same CPL, no deadline */
	ck_assert_uint_eq(v->pmu.icount, v->icount - 100);
	cpufix_long64(3);
	cpu_pmu_boundary(v);            /* CPL class changed: the 100 go to OS counters */
	ck_assert_uint_eq(v->pmu.icount, v->icount);
	v->icount += 30;
	ck_assert_uint_eq(rd(FIXED0), 100);
	ck_assert_uint_eq(rd(FIXED0 + 1), 30);
	ck_assert_uint_eq(rd(FIXED0 + 2), 130);
	ck_assert_uint_eq(rd(PMC0), 130);
	ck_assert_uint_eq(rd(PMC0 + 1), 0);     /* an event elzero does not count */
	/* CMASK: one instruction per cycle, so CMASK 1 counts, 2 does not, INV flips it */
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0 + 2, SEL_EN | SEL_USR | 0x010000c0), 0);
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0 + 3, SEL_EN | SEL_USR | (1ull << 23) | 0x020000c0), 0);
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0xc), 0);
	v->icount += 7;
	ck_assert_uint_eq(rd(PMC0 + 2), 7);
	ck_assert_uint_eq(rd(PMC0 + 3), 7);
	ck_assert_uint_eq(rd(PMC0), 130);       /* globally disabled now */
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0), 0);
	ck_assert(!v->pmu.watch);
}
END_TEST

/* Counters that count at every CPL leave CPL changes alone (no fold at the boundary);
 * one USR/OS filter makes the run loop notice them. */
START_TEST(test_cpl_split)
{
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 0x033), 0);    /* ctr0, ctr1: all rings */
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0x300000000ull), 0);
	ck_assert(v->pmu.watch && !v->pmu.split);
	v->icount += 5;
	cpufix_long64(3);
	cpu_pmu_boundary(v);
	ck_assert_uint_eq(v->pmu.icount, v->icount - 5);        /* nothing to do */
	ck_assert_uint_eq(rd(FIXED0 + 1), 5);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 0x013), 0);    /* ctr1: OS only */
	ck_assert(v->pmu.split);
	v->icount += 4;
	cpufix_long64(0);
	cpu_pmu_boundary(v);                                     /* the 4 ran at CPL 3 */
	ck_assert_uint_eq(v->pmu.icount, v->icount);
	v->icount += 2;
	ck_assert_uint_eq(rd(FIXED0), 11);
	ck_assert_uint_eq(rd(FIXED0 + 1), 7);
}
END_TEST

START_TEST(test_overflow_pmi)
{
	ck_assert_int_eq(cpu_wrmsr(v, PMC0, (uint32_t)-10), 0);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED0 + 1, CTR_MASK - 19), 0);
	ck_assert_int_eq(cpu_wrmsr(v, EVTSEL0, SEL_EN | SEL_OS | SEL_INT | SEL_INSN), 0);
	ck_assert_int_eq(cpu_wrmsr(v, FIXED_CTRL, 0x10), 0);     /* ctr1 OS, no PMI */
	ck_assert_int_eq(cpu_wrmsr(v, GCTRL, 0x200000001ull), 0);
	ck_assert_uint_eq(v->pmu.deadline, v->icount + 10);
	v->icount += 9;
	cpu_pmu_boundary(v);
	ck_assert_uint_eq(g_pmis, 0);
	v->icount += 1;
	cpu_pmu_boundary(v);
	ck_assert_uint_eq(g_pmis, 1);
	ck_assert_uint_eq(rd(GSTATUS), 1);
	ck_assert_uint_eq(rd(PMC0), 0);
	ck_assert_uint_eq(v->pmu.deadline, v->icount + 10);      /* fixed 1 is next */
	v->icount += 10;
	cpu_pmu_boundary(v);
	ck_assert_uint_eq(g_pmis, 1);                            /* no PMI bit for it */
	ck_assert_uint_eq(rd(GSTATUS), 0x200000001ull);
	ck_assert_uint_eq(rd(FIXED0 + 1), 0);
	ck_assert_int_eq(cpu_wrmsr(v, OVF_CTRL, 1), 0);
	ck_assert_uint_eq(rd(GSTATUS), 0x200000000ull);
	ck_assert_uint_eq(rd(PMC0), 10);
}
END_TEST

START_TEST(test_rdpmc_index)
{
	uint64_t val;

	ck_assert_int_eq(cpu_wrmsr(v, FIXED0 + 2, 0x123456789abcull), 0);
	ck_assert_int_eq(cpu_wrmsr(v, PMC0 + 3, 0x55), 0);
	ck_assert_int_eq(cpu_rdpmc(v, 1u << 30 | 2, &val), 0);
	ck_assert_uint_eq(val, 0x123456789abcull);
	ck_assert_int_eq(cpu_rdpmc(v, 3, &val), 0);
	ck_assert_uint_eq(val, 0x55);
	ck_assert_int_eq(cpu_rdpmc(v, 4, &val), -1);
	ck_assert_int_eq(cpu_rdpmc(v, 1u << 30 | 3, &val), -1);
	ck_assert_int_eq(cpu_rdpmc(v, 1u << 31, &val), -1);
}
END_TEST

/* The LBR stack's registers keep what is written (Linux resets them at boot). */
START_TEST(test_lbr_registers)
{
	ck_assert_int_eq(cpu_wrmsr(v, 0x680 + 31, 0xffffffff81000000ull), 0);
	ck_assert_uint_eq(rd(0x680 + 31), 0xffffffff81000000ull);
	ck_assert_int_eq(cpu_wrmsr(v, 0x6c0, 0x1234), 0);
	ck_assert_uint_eq(rd(0x6c0), 0x1234);
	ck_assert_int_eq(cpu_wrmsr(v, 0xdc0 + 5, 1ull << 63), 0);
	ck_assert_uint_eq(rd(0xdc0 + 5), 1ull << 63);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1c9, 31), 0);           /* TOS 0-31 */
	ck_assert_int_eq(cpu_wrmsr(v, 0x1c9, 32), -1);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1c8, 0x3ff), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x1c8, 0x400), -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0x680 + 32, &(uint64_t){ 0 }), -1);
}
END_TEST

/* -cpu max,pmu=off / -pmu: leaf 0AH zeros, the MSRs #GP; AMD keeps its MSRs unknown. */
START_TEST(test_pmu_off)
{
	char err[128];
	struct cpu_model *off = cpu_model_edit(cpu_model_find("max"), "pmu=off", err, sizeof(err));
	struct cpu_model *minus = cpu_model_edit(cpu_model_find("elzero-intel"), "-pmu", err,
						 sizeof(err));
	struct cpu_model *on = cpu_model_edit(cpu_model_find("kvm64"), "pmu=on", err, sizeof(err));
	uint32_t r[4];
	uint64_t val;

	ck_assert_ptr_nonnull(off);
	ck_assert_ptr_nonnull(minus);
	ck_assert_ptr_nonnull(on);
	ck_assert_ptr_null(cpu_model_edit(cpu_model_find("max"), "pmu=maybe", err, sizeof(err)));
	v->model = cpu_model_find("elzero-intel");
	ck_assert(cpu_pmu_present(v));
	v->model = cpu_model_find("kvm64");
	ck_assert(!cpu_pmu_present(v));
	v->model = on;
	ck_assert(cpu_pmu_present(v));
	for (unsigned k = 0; k < 2; k++) {
		v->model = k ? minus : off;
		ck_assert(!cpu_pmu_present(v));
		cpu_cpuid(v, 0xa, 0, r);
		ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
		ck_assert_int_eq(cpu_rdmsr(v, GCTRL, &val), -1);
		ck_assert_int_eq(cpu_wrmsr(v, FIXED0, 0), -1);
		ck_assert_int_eq(cpu_rdpmc(v, 0, &val), -1);
		ck_assert_int_eq(cpu_wrmsr(v, 0x680, 0), -1);           /* no LBR either */
	}
	v->model = cpu_model_find("elzero-amd");
	v->vendor = VENDOR_AMD;
	cpu_cpuid(v, 0xa, 0, r);
	ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);
	ck_assert_int_eq(cpu_rdmsr(v, GCTRL, &val), -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0x680, &val), -1);
	v->model = NULL;
	cpu_model_free(off);
	cpu_model_free(minus);
	cpu_model_free(on);
}
END_TEST

/* mov ecx, 309H; rdmsr; mov r8d, eax; mov ebx, 1000; 1: dec ebx; jnz 1b; rdmsr;
 * sub eax, r8d; hlt - between the two reads 2003 instructions retire (the first RDMSR
 * included, the second not), whatever the block boundaries. */
static const uint8_t g_loop_rdmsr[] = {
	0xb9, 0x09, 0x03, 0x00, 0x00, 0x0f, 0x32, 0x41, 0x89, 0xc0, 0xbb, 0xe8, 0x03, 0x00,
	0x00, 0xff, 0xcb, 0x75, 0xfc, 0x0f, 0x32, 0x44, 0x29, 0xc0, 0xf4,
};
/* The same at CPL 3 with RDPMC of fixed counter 0 (ECX = 40000000H), no HLT. */
static const uint8_t g_loop_rdpmc[] = {
	0xb9, 0x00, 0x00, 0x00, 0x40, 0x0f, 0x33, 0x41, 0x89, 0xc0, 0xbb, 0xe8, 0x03, 0x00,
	0x00, 0xff, 0xcb, 0x75, 0xfc, 0x0f, 0x33, 0x44, 0x29, 0xc0,
};

START_TEST(test_exact_counts)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint64_t val;

	emu_load(e, EMU_CODE, g_loop_rdmsr, sizeof(g_loop_rdmsr));
	ck_assert_int_eq(cpu_wrmsr(&e->v, FIXED_CTRL, 3), 0);
	ck_assert_int_eq(cpu_wrmsr(&e->v, EVTSEL0, SEL_EN | SEL_OS | SEL_USR | SEL_INSN), 0);
	ck_assert_int_eq(cpu_wrmsr(&e->v, GCTRL, 0x100000001ull), 0);
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100000), RUN_EXIT_HALT);
	ck_assert_uint_eq(e->v.s.gpr[0], 2003);
	ck_assert_int_eq(cpu_rdmsr(&e->v, FIXED0, &val), 0);
	ck_assert_uint_eq(val, e->icount);
	ck_assert_int_eq(cpu_rdmsr(&e->v, PMC0, &val), 0);
	ck_assert_uint_eq(val, e->icount);
	emu_free(e);
}
END_TEST

START_TEST(test_exact_counts_user)
{
	struct emu *e = emu_new(EMU_LONG64, 3);
	uint64_t end = EMU_CODE + sizeof(g_loop_rdpmc), val;

	emu_load(e, EMU_CODE, g_loop_rdpmc, sizeof(g_loop_rdpmc));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, end, 100000), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_GP);                /* CR4.PCE = 0 at CPL 3 */
	e->v.s.cr4 |= CR4_PCE;
	ck_assert_int_eq(cpu_wrmsr(&e->v, FIXED_CTRL, 2), 0);   /* USR only */
	ck_assert_int_eq(cpu_wrmsr(&e->v, EVTSEL0, SEL_EN | SEL_OS | SEL_INSN), 0);
	ck_assert_int_eq(cpu_wrmsr(&e->v, GCTRL, 0x100000001ull), 0);
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, end, 100000), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(e->v.s.gpr[0], 2003);
	ck_assert_int_eq(cpu_rdmsr(&e->v, FIXED0, &val), 0);
	ck_assert_uint_eq(val, e->icount);
	ck_assert_int_eq(cpu_rdmsr(&e->v, PMC0, &val), 0);
	ck_assert_uint_eq(val, 0);                              /* OS only */
	emu_free(e);
}
END_TEST

/* The overflow lands exactly after the instruction that wraps the counter. */
START_TEST(test_exact_overflow)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint64_t start, val;

	e->v.pmi_hook = pmi_hook;
	emu_load(e, EMU_CODE, g_loop_rdmsr, sizeof(g_loop_rdmsr));
	ck_assert_int_eq(cpu_wrmsr(&e->v, PMC0, (uint32_t)-777), 0);
	ck_assert_int_eq(cpu_wrmsr(&e->v, EVTSEL0, SEL_EN | SEL_OS | SEL_INT | SEL_INSN), 0);
	start = e->v.icount;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100000), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_pmis, 1);
	ck_assert_uint_eq(g_pmi_icount - start, 777);
	ck_assert_int_eq(cpu_rdmsr(&e->v, GSTATUS, &val), 0);
	ck_assert_uint_eq(val, 1);
	ck_assert_int_eq(cpu_rdmsr(&e->v, PMC0, &val), 0);
	ck_assert_uint_eq(val, e->icount - 777);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_pmu");
	TCase *tc = tcase_create("pmu");

	tcase_add_checked_fixture(tc, setup, cpufix_teardown);
	tcase_add_test(tc, test_cpuid_and_reset);
	tcase_add_test(tc, test_reserved_bits);
	tcase_add_test(tc, test_lazy_counting);
	tcase_add_test(tc, test_cpl_split);
	tcase_add_test(tc, test_overflow_pmi);
	tcase_add_test(tc, test_rdpmc_index);
	tcase_add_test(tc, test_lbr_registers);
	tcase_add_test(tc, test_pmu_off);
	tcase_add_test(tc, test_exact_counts);
	tcase_add_test(tc, test_exact_counts_user);
	tcase_add_test(tc, test_exact_overflow);
	suite_add_tcase(s, tc);
	return check_run(s);
}
