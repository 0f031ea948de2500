/*
 * tests/unit/cpu/test_invpcid.c - INVPCID's checks (SDM vol. 2, INVPCID: #GP for a
 * type above 3, reserved descriptor bits, a non-canonical type-0 address, a nonzero
 * PCID with CR4.PCIDE = 0, CPL > 0) and RDPID (vol. 2, RDPID: IA32_TSC_AUX).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>

/* A machine with the "max" model (INVPCID and RDPID present). */
static struct emu *emu_max(unsigned cpl)
{
	struct emu *e = emu_new(EMU_LONG64, cpl);

	e->v.model = cpu_model_find("max");
	ck_assert_ptr_nonnull(e->v.model);
	translate_flush(&e->v);
	return e;
}

#define LOAD(e, addr, ...) do { const uint8_t c_[] = { __VA_ARGS__ }; \
	emu_load(e, addr, c_, sizeof(c_)); } while (0)

/* invpcid rax, [rbx]; hlt with the descriptor (pcid, lin) at EMU_DATA. */
static int run_invpcid(unsigned cpl, uint64_t type, uint64_t pcid, uint64_t lin)
{
	struct emu *e = emu_max(cpl);
	int vec;

	LOAD(e, EMU_CODE, 0x66, 0x0f, 0x38, 0x82, 0x03, 0xf4);
	emu_write64(e, EMU_DATA, pcid);
	emu_write64(e, EMU_DATA + 8, lin);
	e->v.s.gpr[0] = type;
	e->v.s.gpr[3] = EMU_DATA;
	emu_run(e, EMU_CODE, 100);
	vec = e->exit == RUN_EXIT_HALT ? -1 : e->exc_vector;
	emu_free(e);
	return vec;
}

START_TEST(test_invpcid_checks)
{
	ck_assert_int_eq(run_invpcid(0, 0, 0, EMU_DATA), -1);
	ck_assert_int_eq(run_invpcid(0, 1, 0, 0), -1);
	ck_assert_int_eq(run_invpcid(0, 2, 0, 0), -1);
	ck_assert_int_eq(run_invpcid(0, 3, 0, 0), -1);
	ck_assert_int_eq(run_invpcid(0, 4, 0, 0), EXC_GP);
	ck_assert_int_eq(run_invpcid(0, 2, 1ull << 12, 0), EXC_GP);
	ck_assert_int_eq(run_invpcid(0, 0, 0, 0x8000000000000000ull), EXC_GP);
	ck_assert_int_eq(run_invpcid(0, 1, 5, 0), EXC_GP);     /* PCID != 0, PCIDE = 0 */
	ck_assert_int_eq(run_invpcid(0, 2, 5, 0), -1);         /* types 2/3 ignore it */
	ck_assert_int_eq(run_invpcid(3, 2, 0, 0), EXC_GP);
}
END_TEST

START_TEST(test_rdpid)
{
	struct emu *e = emu_max(3);

	LOAD(e, EMU_CODE, 0xf3, 0x0f, 0xc7, 0xf8, 0xeb, 0xfe); /* rdpid rax; jmp $ */
	e->v.s.msr.tsc_aux = 0x12345;
	e->v.s.gpr[0] = ~0ull;
	emu_run(e, EMU_CODE, 2);
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.gpr[0], 0x12345);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("invpcid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_invpcid_checks);
	tcase_add_test(tc, test_rdpid);
	suite_add_tcase(s, tc);
	return check_run(s);
}
