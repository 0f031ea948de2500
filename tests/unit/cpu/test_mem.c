/*
 * tests/unit/cpu/test_mem.c - segmentation checks and linear/physical access in
 * cpu/mem.c (SDM vol. 3, 3.4.5.1, 5.3-5.4; vol. 1, 3.3.7.1), and #AC (6.15).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

START_TEST(test_real_mode)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	s->seg[SEG_DS].base = 0x12340;
	g_fix->ram[0x12345] = 0x5a;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 5, 1, &val), -1);
	ck_assert_uint_eq(val, 0x5a);
	/* A word at offset FFFFH crosses the 64K limit: #GP (SS: #SS). */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0xffff, 2, &val), EXC_GP);
	ck_assert_int_eq(cpufix_st(SEG_SS, 0xffff, 2, 0), EXC_SS);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0xfffe, 2, &val), -1);
}
END_TEST

START_TEST(test_protected_types)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_flat32(0);
	/* read-only data: reads pass, writes #GP(0) */
	s->seg[SEG_ES].attr = (s->seg[SEG_ES].attr & ~SEGA_TYPE_MASK) | 0x1;
	ck_assert_int_eq(cpufix_ld(SEG_ES, 0x100, 4, &val), -1);
	ck_assert_int_eq(cpufix_st(SEG_ES, 0x100, 4, 0), EXC_GP);
	ck_assert_uint_eq(g_fix->v.pending_error, 0);
	/* execute-only code in DS: no reads; readable code: reads, no writes */
	s->seg[SEG_DS].attr = (s->seg[SEG_DS].attr & ~SEGA_TYPE_MASK) | 0x9;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x100, 4, &val), EXC_GP);
	s->seg[SEG_DS].attr = (s->seg[SEG_DS].attr & ~SEGA_TYPE_MASK) | 0xb;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x100, 4, &val), -1);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x100, 4, 0), EXC_GP);
	/* null selector (unusable) */
	s->seg[SEG_FS].attr = SEGA_UNUSABLE;
	ck_assert_int_eq(cpufix_ld(SEG_FS, 0, 1, &val), EXC_GP);
	/* limit: byte-granular 0xfff, a dword at 0xffd crosses it */
	s->seg[SEG_GS].limit = 0xfff;
	ck_assert_int_eq(cpufix_ld(SEG_GS, 0xffc, 4, &val), -1);
	ck_assert_int_eq(cpufix_ld(SEG_GS, 0xffd, 4, &val), EXC_GP);
	/* a flat 4G segment still faults on an access that wraps past 4G */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0xfffffffe, 4, &val), EXC_GP);
}
END_TEST

START_TEST(test_expand_down)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_flat32(0);
	/* expand-down stack, B = 1: valid offsets limit+1 .. FFFFFFFFH (SDM 5.3) */
	s->seg[SEG_SS].attr = (s->seg[SEG_SS].attr & ~SEGA_TYPE_MASK) | 0x7;
	s->seg[SEG_SS].limit = 0x1fff;
	ck_assert_int_eq(cpufix_st(SEG_SS, 0x2000, 4, 1), -1);
	ck_assert_int_eq(cpufix_st(SEG_SS, 0x1ffe, 4, 1), EXC_SS);
	ck_assert_int_eq(cpufix_st(SEG_SS, 0xfffffffc, 4, 1), -1);
	s->seg[SEG_SS].attr &= ~SEGA_DB;        /* B = 0: upper bound FFFFH */
	ck_assert_int_eq(cpufix_st(SEG_SS, 0xfffe, 4, 1), EXC_SS);
	ck_assert_int_eq(cpufix_st(SEG_SS, 0xfffc, 4, 1), -1);
}
END_TEST

START_TEST(test_64bit_bases)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_long64(0);
	s->cr0 &= ~CR0_PG;      /* not a legal state, but isolates segmentation */
	s->cr4 &= ~CR4_PAE;
	s->seg[SEG_DS].base = 0x100000;          /* ignored in 64-bit mode */
	s->seg[SEG_FS].base = 0x2000;
	s->seg[SEG_DS].attr = SEGA_UNUSABLE;     /* null DS is fine in 64-bit mode */
	g_fix->ram[0x10] = 0x11;
	g_fix->ram[0x2010] = 0x22;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x10, 1, &val), -1);
	ck_assert_uint_eq(val, 0x11);
	ck_assert_int_eq(cpufix_ld(SEG_FS, 0x10, 1, &val), -1);
	ck_assert_uint_eq(val, 0x22);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x00007ffffffffffcull, 8, &val), EXC_GP);
}
END_TEST

START_TEST(test_alignment_check)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_flat32(3);
	s->cr0 |= CR0_AM;
	s->rflags |= RFLAGS_AC;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1001, 4, &val), EXC_AC);
	ck_assert_uint_eq(g_fix->v.pending_error, 0);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1004, 4, &val), -1);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1001, 4, &val), EXC_AC);   /* TLB hit too */
	cpufix_flat32(0);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1001, 4, &val), -1);       /* CPL 0: no #AC */
}
END_TEST

START_TEST(test_buf_and_probe)
{
	uint8_t out[20], in[20];
	struct cpu_state *s = &g_fix->v.s;

	for (unsigned k = 0; k < sizeof(in); k++)
		in[k] = (uint8_t)(k + 1);
	s->seg[SEG_ES].base = 0x3000;
	cpu_st_buf(&g_fix->v, SEG_ES, 0xff8, in, sizeof(in));
	cpu_ld_buf(&g_fix->v, SEG_ES, 0xff8, out, sizeof(out));
	ck_assert_mem_eq(out, in, sizeof(in));
	ck_assert_uint_eq(g_fix->ram[0x3ff8], 1);
	ck_assert_uint_eq(g_fix->ram[0x400b], 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_mem");
	TCase *tc = tcase_create("seg");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_real_mode);
	tcase_add_test(tc, test_protected_types);
	tcase_add_test(tc, test_expand_down);
	tcase_add_test(tc, test_64bit_bases);
	tcase_add_test(tc, test_alignment_check);
	tcase_add_test(tc, test_buf_and_probe);
	suite_add_tcase(s, tc);
	return check_run(s);
}
