/*
 * tests/unit/translate/test_model_features.c - regression: rows whose CPUID feature
 * the model lacks. F3 0F BC/BD must run as BSF/BSR on models without BMI1/LZCNT
 * (compilers emit "rep bsf" on purpose) instead of raising #UD.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>

static struct emu *emu_with_model(const char *model, const uint8_t *code, size_t len)
{
	struct emu *e = emu_new(EMU_LONG64, 0);

	e->v.model = cpu_model_find(model);
	ck_assert_ptr_nonnull(e->v.model);
	translate_flush(&e->v);
	emu_load(e, EMU_CODE, code, len);
	return e;
}

START_TEST(rep_bsf_is_bsf_without_bmi1)
{
	static const uint8_t tzcnt[] = { 0xf3, 0x48, 0x0f, 0xbc, 0xc3, 0xf4 };  /* tzcnt %rbx,%rax */
	struct emu *e = emu_with_model("qemu64", tzcnt, sizeof(tzcnt));

	e->v.s.gpr[0] = 77;
	e->v.s.gpr[3] = 0x50;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.gpr[0], 4);            /* BSF: index of the lowest set bit */
	emu_free(e);

	e = emu_with_model("max", tzcnt, sizeof(tzcnt));
	e->v.s.gpr[0] = 77;
	e->v.s.gpr[3] = 0;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(e->v.s.gpr[0], 64);           /* TZCNT of 0 is the operand size */
	emu_free(e);
}
END_TEST

START_TEST(missing_feature_is_ud)
{
	static const uint8_t andn[] = { 0xc4, 0xe2, 0xf8, 0xf2, 0xc3, 0xf4 };  /* andn %rbx,%rax,%rax */
	struct emu *e = emu_with_model("qemu64", andn, sizeof(andn));

	emu_run(e, EMU_CODE, 100);
	ck_assert_int_eq(e->exc_vector, EXC_UD);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model_features");
	TCase *tc = tcase_create("rows");

	tcase_add_test(tc, rep_bsf_is_bsf_without_bmi1);
	tcase_add_test(tc, missing_feature_is_ud);
	suite_add_tcase(s, tc);
	return check_run(s);
}
