/*
 * tests/unit/translate/test_string.c - repeated string instructions (translate/ops/
 * string.c) across pages, where the bulk path hands over to cpu_ld/cpu_st: the
 * registers at a #PF in the middle of a REP are exact (SDM vol. 2, REP: "the
 * registers are updated for the iterations done"), DF = 1 goes down through pages,
 * overlapping MOVS replicates as element-by-element copying does, REPNE SCAS stops on
 * its match, and a REP into a code page still invalidates the translated code.
 */
#include "tests/unit/common/check_run.h"
#include "../common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* GPR numbers (SDM vol. 2, table 2-2 order) */
enum { GPR_AX, GPR_CX, GPR_DX, GPR_BX, GPR_SP, GPR_BP, GPR_SI, GPR_DI };

static const uint8_t rep_movsb[] = { 0xf3, 0xa4, 0xf4 };          /* rep movsb; hlt */
static const uint8_t std_rep_stosq[] = { 0xfd, 0xf3, 0x48, 0xab, 0xfc, 0xf4 };
static const uint8_t repne_scasb[] = { 0xf2, 0xae, 0xf4 };        /* repne scasb; hlt */

static struct emu *string_emu(const uint8_t *code, size_t len)
{
	struct emu *e = emu_new(EMU_LONG64, 0);

	emu_load(e, EMU_CODE, code, len);
	return e;
}

/* Regression: a #PF on the third page of REP MOVSB leaves RCX/RSI/RDI at that page. */
START_TEST(test_rep_movsb_fault_state_exact)
{
	struct emu *e = string_emu(rep_movsb, sizeof(rep_movsb));
	struct cpu_state *s = &e->v.s;
	uint64_t src = EMU_DATA, dst = EMU_DATA + 0x10000;
	uint8_t buf[0x3000], out[0x3000];

	for (size_t k = 0; k < sizeof(buf); k++)
		buf[k] = (uint8_t)(k * 7 + 3);
	emu_load(e, src, buf, sizeof(buf));
	emu_set_pte(e, dst + 0x2000, 0);                /* not present */
	s->gpr[GPR_SI] = src + 0x10;
	s->gpr[GPR_DI] = dst + 0x10;
	s->gpr[GPR_CX] = 0x2ff0;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 1000), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_PF);
	ck_assert_uint_eq(s->cr2, dst + 0x2000);
	ck_assert_uint_eq(s->rip, EMU_CODE);
	ck_assert_uint_eq(s->gpr[GPR_CX], 0x1000);
	ck_assert_uint_eq(s->gpr[GPR_SI], src + 0x2000);
	ck_assert_uint_eq(s->gpr[GPR_DI], dst + 0x2000);
	emu_read(e, dst + 0x10, out, 0x2000 - 0x10);
	ck_assert_mem_eq(out, buf + 0x10, 0x2000 - 0x10);
	/* present again: the instruction restarts where it stopped and finishes */
	emu_set_pte(e, dst + 0x2000, EMU_PTE_DEFAULT);
	ck_assert_int_eq(emu_continue(e, 1000), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->gpr[GPR_CX], 0);
	emu_read(e, dst + 0x10, out, 0x2ff0);
	ck_assert_mem_eq(out, buf + 0x10, 0x2ff0);
	emu_free(e);
}
END_TEST

/* DF = 1: REP STOSQ from the top of the third page down into the first. */
START_TEST(test_rep_stosq_down_across_pages)
{
	struct emu *e = string_emu(std_rep_stosq, sizeof(std_rep_stosq));
	struct cpu_state *s = &e->v.s;
	uint64_t top = EMU_DATA + 0x2ff8;

	emu_write64(e, EMU_DATA + 0x7f0, 0x1111);
	s->gpr[GPR_AX] = 0x0123456789abcdefull;
	s->gpr[GPR_DI] = top;
	s->gpr[GPR_CX] = 0x500;                           /* 0x2800 bytes: down to 0x800 */
	ck_assert_int_eq(emu_run(e, EMU_CODE, 1000), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->gpr[GPR_CX], 0);
	ck_assert_uint_eq(s->gpr[GPR_DI], top - 0x2800);
	ck_assert_uint_eq(emu_read64(e, top), 0x0123456789abcdefull);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA + 0x1000), 0x0123456789abcdefull);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA + 0x800), 0x0123456789abcdefull);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA + 0x7f8), 0);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA + 0x7f0), 0x1111);
	emu_free(e);
}
END_TEST

/* Overlapping MOVSB with RDI = RSI + 1 copies the first byte forward, byte by byte. */
START_TEST(test_rep_movsb_overlap_replicates)
{
	struct emu *e = string_emu(rep_movsb, sizeof(rep_movsb));
	struct cpu_state *s = &e->v.s;
	uint8_t seed[2] = { 0x5a, 0x00 }, out[0x1800];

	emu_load(e, EMU_DATA + 0x400, seed, sizeof(seed));
	s->gpr[GPR_SI] = EMU_DATA + 0x400;
	s->gpr[GPR_DI] = EMU_DATA + 0x401;
	s->gpr[GPR_CX] = sizeof(out);
	ck_assert_int_eq(emu_run(e, EMU_CODE, 1000), RUN_EXIT_HALT);
	emu_read(e, EMU_DATA + 0x401, out, sizeof(out));
	for (size_t k = 0; k < sizeof(out); k++)
		ck_assert_uint_eq(out[k], 0x5a);
	emu_free(e);
}
END_TEST

/* REPNE SCASB on the second page: stops just after the match with ZF = 1. */
START_TEST(test_repne_scasb_stops_on_match)
{
	struct emu *e = string_emu(repne_scasb, sizeof(repne_scasb));
	struct cpu_state *s = &e->v.s;
	uint8_t one = 0x42;

	emu_load(e, EMU_DATA + 0x1234, &one, 1);
	s->gpr[GPR_AX] = 0x42;
	s->gpr[GPR_DI] = EMU_DATA + 0x100;
	s->gpr[GPR_CX] = 0x4000;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 1000), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->gpr[GPR_DI], EMU_DATA + 0x1235);
	ck_assert_uint_eq(s->gpr[GPR_CX], 0x4000 - (0x1235 - 0x100));
	ck_assert(emu_rflags(e) & RFLAGS_ZF);
	emu_free(e);
}
END_TEST

/* REP STOSB over translated code: the write reaches the code and the new bytes run.
 * stosb at 0x100000: mov $0x90,%al; lea 9(%rip),%rdi; mov $2,%ecx; rep stosb;
 * then two bytes (ud2, overwritten by two NOPs), hlt */
static const uint8_t smc_code[] = {
	0xb0, 0x90, 0x48, 0x8d, 0x3d, 0x04, 0x00, 0x00, 0x00, 0xb1, 0x02, 0xf3, 0xaa,
	0x0f, 0x0b, 0xf4,
};

START_TEST(test_rep_stosb_into_code_page)
{
	struct emu *e = string_emu(smc_code, sizeof(smc_code));
	struct cpu_state *s = &e->v.s;

	s->gpr[GPR_CX] = 0;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->rip, EMU_CODE + sizeof(smc_code));
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("string");
	TCase *tc = tcase_create("string");

	tcase_add_test(tc, test_rep_movsb_fault_state_exact);
	tcase_add_test(tc, test_rep_stosq_down_across_pages);
	tcase_add_test(tc, test_rep_movsb_overlap_replicates);
	tcase_add_test(tc, test_repne_scasb_stops_on_match);
	tcase_add_test(tc, test_rep_stosb_into_code_page);
	suite_add_tcase(su, tc);
	return check_run(su);
}
