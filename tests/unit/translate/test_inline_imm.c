/*
 * tests/unit/translate/test_inline_imm.c - regression: the translator's inline IR
 * must use immediates as the decoder extended them. "mov $-1, %rax" (REX.W C7 /0,
 * imm32 sign-extended) once produced 0xffffffff inline while the handler gave -1.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>

static uint64_t run_rax(const uint8_t *code, size_t len, bool inl)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint64_t rax;

	translate_set_inline(&e->v, inl);
	emu_load(e, EMU_CODE, code, len);
	e->v.s.gpr[0] = 0x1111111111111111ull;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	rax = e->v.s.gpr[0];
	emu_free(e);
	return rax;
}

START_TEST(sign_extended_imm32_reaches_64_bits)
{
	static const uint8_t mov[] = { 0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xf4 };
	static const uint8_t add[] = { 0x48, 0x31, 0xc0, 0x48, 0x83, 0xc0, 0xfe, 0xf4 };   /* xor; add $-2 */
	static const uint8_t and[] = { 0x48, 0x25, 0x00, 0x00, 0x00, 0x80, 0xf4 };        /* and $-2^31, %rax */

	ck_assert_uint_eq(run_rax(mov, sizeof(mov), true), ~0ull);
	ck_assert_uint_eq(run_rax(mov, sizeof(mov), false), ~0ull);
	ck_assert_uint_eq(run_rax(add, sizeof(add), true), (uint64_t)-2);
	ck_assert_uint_eq(run_rax(add, sizeof(add), false), (uint64_t)-2);
	ck_assert_uint_eq(run_rax(and, sizeof(and), true), 0x1111111100000000ull & 0xffffffff80000000ull);
	ck_assert_uint_eq(run_rax(and, sizeof(and), false), 0x1111111100000000ull & 0xffffffff80000000ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inline_imm");
	TCase *tc = tcase_create("regression");

	tcase_add_test(tc, sign_extended_imm32_reaches_64_bits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
