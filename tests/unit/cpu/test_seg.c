/*
 * tests/unit/cpu/test_seg.c - descriptor reads and segment-register loads
 * (cpu/seg.c): the checks of MOV/POP/LxS (SDM vol. 2, MOV; vol. 3, 5.4-5.6).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

#define GDT 0x1000

static uint64_t desc(uint32_t base, uint32_t limit, uint32_t attr)
{
	return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(attr & 0xff) << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)((attr >> 12) & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

#define DPL(d) ((d) << SEGA_DPL_SHIFT)
#define DATA_RW (SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0x2)

static void setup(void)
{
	struct cpu_state *s;

	cpufix_setup();
	s = &g_fix->v.s;
	cpufix_flat32(0);
	s->gdtr.base = GDT;
	s->gdtr.limit = 0x7f;
	s->seg[SEG_LDTR].attr = SEGA_UNUSABLE;
	cpufix_put64(GDT + 0x08, desc(0, 0xfffff, SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0xa));
	cpufix_put64(GDT + 0x10, desc(0x10000, 0xfffff, DATA_RW));                /* DPL 0 */
	cpufix_put64(GDT + 0x18, desc(0, 0xfffff, DATA_RW | DPL(3)));             /* DPL 3 */
	cpufix_put64(GDT + 0x20, desc(0, 0xfffff, SEGA_P | SEGA_S | 0x8));        /* exec-only */
	cpufix_put64(GDT + 0x28, desc(0, 0xfffff, SEGA_P | SEGA_S | 0xe));        /* conf. RX */
	cpufix_put64(GDT + 0x30, desc(0, 0xfffff, SEGA_S | 0x2));                 /* not present */
	cpufix_put64(GDT + 0x38, desc(0, 0xfffff, SEGA_P | SEGA_S | 0x0));        /* read-only */
	cpufix_put64(GDT + 0x40, desc(0x5000, 0x67, SEGA_P | 0x9));               /* TSS */
}

struct load_args {
	unsigned seg;
	uint16_t sel;
};

static void do_load(void *p)
{
	struct load_args *a = p;

	cpu_load_seg(&g_fix->v, a->seg, a->sel);
}

static int load(unsigned seg, uint16_t sel)
{
	struct load_args a = { seg, sel };

	return cpufix_try(do_load, &a);
}

static void expect_fault(int r, int vec, uint32_t err)
{
	ck_assert_int_eq(r, vec);
	ck_assert_uint_eq(g_fix->v.pending_error, err);
}

START_TEST(test_data_loads)
{
	struct cpu_state *s = &g_fix->v.s;

	ck_assert_int_eq(load(SEG_DS, 0x10), -1);
	ck_assert_uint_eq(s->seg[SEG_DS].base, 0x10000);
	ck_assert_uint_eq(s->seg[SEG_DS].limit, 0xffffffff);
	ck_assert_uint_eq(s->seg[SEG_DS].attr & 1, 1);
	ck_assert_uint_eq((cpufix_get64(GDT + 0x10) >> 40) & 1, 1);    /* accessed in memory */
	ck_assert_int_eq(load(SEG_ES, 0x13), EXC_GP);                   /* RPL 3 > DPL 0 */
	ck_assert_uint_eq(g_fix->v.pending_error, 0x10);
	expect_fault(load(SEG_ES, 0x20), EXC_GP, 0x20);                 /* execute-only */
	ck_assert_int_eq(load(SEG_ES, 0x28), -1);                       /* readable code */
	expect_fault(load(SEG_FS, 0x30), EXC_NP, 0x30);
	expect_fault(load(SEG_FS, 0x40), EXC_GP, 0x40);                 /* system */
	expect_fault(load(SEG_FS, 0x80), EXC_GP, 0x80);                 /* past the limit */
	expect_fault(load(SEG_FS, 0x0c), EXC_GP, 0x0c);                 /* LDT unusable (TI kept) */
	ck_assert_int_eq(load(SEG_GS, 0), -1);                          /* null: fine */
	ck_assert(s->seg[SEG_GS].attr & SEGA_UNUSABLE);
	/* CPL 3: DPL-0 data faults, conforming code does not */
	cpufix_flat32(3);
	expect_fault(load(SEG_DS, 0x13), EXC_GP, 0x10);
	ck_assert_int_eq(load(SEG_DS, 0x1b), -1);
	ck_assert_int_eq(load(SEG_DS, 0x2b), -1);
}
END_TEST

START_TEST(test_ss_loads)
{
	expect_fault(load(SEG_SS, 0), EXC_GP, 0);
	expect_fault(load(SEG_SS, 0x13), EXC_GP, 0x10);                 /* RPL != CPL */
	expect_fault(load(SEG_SS, 0x18), EXC_GP, 0x18);                 /* DPL != CPL */
	expect_fault(load(SEG_SS, 0x38), EXC_GP, 0x38);                 /* read-only */
	expect_fault(load(SEG_SS, 0x30), EXC_SS, 0x30);                 /* not present */
	ck_assert_int_eq(load(SEG_SS, 0x10), -1);
	/* 64-bit mode: a null SS is allowed at CPL < 3 with RPL = CPL */
	cpufix_long64(0);
	ck_assert_int_eq(load(SEG_SS, 0), -1);
	ck_assert(g_fix->v.s.seg[SEG_SS].attr & SEGA_UNUSABLE);
	expect_fault(load(SEG_SS, 3), EXC_GP, 0);
}
END_TEST

START_TEST(test_real_mode_loads)
{
	struct cpu_state *s = &g_fix->v.s;

	s->cr0 &= ~CR0_PE;
	ck_assert_int_eq(load(SEG_DS, 0x1234), -1);
	ck_assert_uint_eq(s->seg[SEG_DS].base, 0x12340);
	ck_assert_uint_eq(s->seg[SEG_DS].sel, 0x1234);
	ck_assert_uint_eq(s->seg[SEG_DS].limit, 0xffffffff);           /* "unreal": kept */
	/* virtual-8086 mode: limit 64K, DPL 3 */
	s->cr0 |= CR0_PE;
	s->rflags |= RFLAGS_VM;
	ck_assert_int_eq(load(SEG_ES, 0xb800), -1);
	ck_assert_uint_eq(s->seg[SEG_ES].base, 0xb8000);
	ck_assert_uint_eq(s->seg[SEG_ES].limit, 0xffff);
	ck_assert_uint_eq((s->seg[SEG_ES].attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_seg");
	TCase *tc = tcase_create("loads");

	tcase_add_checked_fixture(tc, setup, cpufix_teardown);
	tcase_add_test(tc, test_data_loads);
	tcase_add_test(tc, test_ss_loads);
	tcase_add_test(tc, test_real_mode_loads);
	suite_add_tcase(s, tc);
	return check_run(s);
}
