/*
 * tests/unit/translate/test_engine.c - the execution engine on real guest code: the
 * block cache, self-modifying code, exceptions at the exact instruction, fetch and
 * decode faults inside a block, and the retired-instruction count.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct emu *g_e;

static void setup(void)
{
	g_e = emu_new(EMU_LONG64, 0);
}

static void teardown(void)
{
	emu_free(g_e);
}

static void load(uint64_t addr, const uint8_t *code, size_t len)
{
	emu_load(g_e, addr, code, len);
}

#define LOAD(addr, ...) do { const uint8_t c_[] = { __VA_ARGS__ }; load(addr, c_, sizeof(c_)); } while (0)

/* mov ecx, 100; loop: add rax, rcx; dec ecx; jnz loop; (end) */
START_TEST(test_loop_and_cache)
{
	const struct translate_stats *st = translate_get_stats(&g_e->v);
	uint64_t blocks;

	LOAD(EMU_CODE, 0xb9, 100, 0, 0, 0, 0x48, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xf9);
	g_e->v.s.gpr[0] = 0;
	ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 12, 10000), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 5050);
	ck_assert_uint_eq(g_e->icount, 1 + 3 * 100);
	/* the loop body was translated once, then found in the cache */
	blocks = st->blocks_translated;
	ck_assert_uint_le(blocks, 3);
	g_e->v.s.gpr[0] = 0;
	emu_run_until(g_e, EMU_CODE, EMU_CODE + 12, 10000);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 5050);
	ck_assert_uint_eq(st->blocks_translated, blocks);
}
END_TEST

/* A budget stops after exactly that many instructions, even inside a block, and
 * running on gives the same result as one run. */
START_TEST(test_icount_budget)
{
	LOAD(EMU_CODE, 0xb9, 50, 0, 0, 0, 0x48, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xf9);
	g_e->v.s.gpr[0] = 0;
	for (uint64_t budget = 1; budget < 20; budget++) {
		uint64_t total = 0;

		g_e->v.s.gpr[0] = 0;
		ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 12, budget), RUN_EXIT_LIMIT);
		ck_assert_uint_eq(g_e->icount, budget);
		total += budget;
		while (emu_continue(g_e, budget) == RUN_EXIT_LIMIT) {
			ck_assert_uint_eq(g_e->icount, budget);
			total += budget;
		}
		ck_assert_int_eq(g_e->exit, RUN_EXIT_BREAKPOINT);
		total += g_e->icount;
		ck_assert_uint_eq(total, 1 + 3 * 50);
		ck_assert_uint_eq(g_e->v.s.gpr[0], 1275);
	}
}
END_TEST

/* A load that faults in the middle of a block: RIP at it, the instructions before it
 * done, the ones after it not, and the count says how many retired. */
START_TEST(test_fault_exact_rip)
{
	/* mov eax, 1; mov ebx, 2; mov rcx, [rdx]; mov esi, 3 */
	LOAD(EMU_CODE, 0xb8, 1, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0x48, 0x8b, 0x0a, 0xbe, 3, 0, 0, 0);
	g_e->v.s.gpr[2] = 0x7ff000;         /* RAM, but we unmap it */
	g_e->v.s.gpr[6] = 0;
	emu_set_pte(g_e, 0x7ff000, 0);
	ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 18, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_PF);
	ck_assert_uint_eq(g_e->exc_error, 0);           /* not present, read, supervisor */
	ck_assert_uint_eq(g_e->v.s.cr2, 0x7ff000);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 10);
	ck_assert_uint_eq(g_e->icount, 2);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 1);
	ck_assert_uint_eq(g_e->v.s.gpr[3], 2);
	ck_assert_uint_eq(g_e->v.s.gpr[6], 0);
	/* map it again: the same block resumes at the load */
	emu_set_pte(g_e, 0x7ff000, EMU_PTE_DEFAULT);
	emu_write64(g_e, 0x7ff000, 0x1234);
	ck_assert_int_eq(emu_continue(g_e, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[1], 0x1234);
	ck_assert_uint_eq(g_e->v.s.gpr[6], 3);
	ck_assert_uint_eq(g_e->icount, 2);
}
END_TEST

/* An undecodable instruction after good ones: they run, then #UD at it. */
START_TEST(test_ud_raised_when_reached)
{
	/* mov eax, 7; inc eax; (0F 0B = UD2 is a real insn, use an invalid opcode 0F 04) */
	LOAD(EMU_CODE, 0xb8, 7, 0, 0, 0, 0xff, 0xc0, 0x0f, 0x04);
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_UD);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 7);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 8);
	ck_assert_uint_eq(g_e->icount, 2);
}
END_TEST

/* More than 15 bytes: #GP(0) at the instruction, after the ones before it. */
START_TEST(test_too_long_gp)
{
	uint8_t code[32];

	memset(code, 0x66, sizeof(code));
	code[0] = 0x90;                     /* nop */
	code[16] = 0x90;                    /* 15 x 66 then nop: 16 bytes */
	load(EMU_CODE, code, 17);
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_GP);
	ck_assert_uint_eq(g_e->exc_error, 0);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 1);
	ck_assert_uint_eq(g_e->icount, 1);
}
END_TEST

/* Code running into an unmapped page: the instructions before the page boundary run;
 * the one that straddles it faults with CR2 = the first byte of the missing page. */
START_TEST(test_fetch_fault_later_insn)
{
	uint64_t page2 = EMU_CODE + 0x2000, at = page2 - 3;

	/* inc eax; then mov ebx, imm32 straddling into page2 */
	LOAD(at, 0xff, 0xc0, 0xbb);
	emu_set_pte(g_e, page2, 0);
	ck_assert_int_eq(emu_run(g_e, at, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_PF);
	ck_assert_uint_eq(g_e->exc_error, PFEC_I);      /* not present, instruction fetch */
	ck_assert_uint_eq(g_e->v.s.cr2, page2);
	ck_assert_uint_eq(g_e->v.s.rip, at + 2);
	ck_assert_uint_eq(g_e->icount, 1);
}
END_TEST

/*
 * A block that writes into its own later instructions: the rest of the block must
 * run the new code. mov byte [rip+1], 5 rewrites the immediate of the next
 * "mov eax, 1" to 5 (the disp32 counts from the end of the store).
 */
START_TEST(test_smc_same_block)
{
	/* c6 05 <disp32> <imm8>: mov byte [rip + disp], imm8 ; then b8 01 00 00 00 */
	LOAD(EMU_CODE, 0xc6, 0x05, 1, 0, 0, 0, 5, 0xb8, 1, 0, 0, 0, 0xff, 0xc0);
	ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 14, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 6);
	ck_assert_uint_eq(g_e->icount, 3);
}
END_TEST

/* A write to a page with code drops exactly the blocks whose bytes it hits. */
START_TEST(test_smc_exact_invalidation)
{
	const struct translate_stats *st = translate_get_stats(&g_e->v);
	uint64_t a = EMU_CODE, b = EMU_CODE + 0x100, inval;

	/* block A: mov eax, 1; jmp to B.  block B: add eax, 2; (end) */
	LOAD(a, 0xb8, 1, 0, 0, 0, 0xe9, 0xf6, 0, 0, 0);
	LOAD(b, 0x83, 0xc0, 2);
	ck_assert_int_eq(emu_run_until(g_e, a, b + 3, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 3);
	/* the guest writes B's immediate (a data write to the same page) */
	LOAD(EMU_DATA, 0xc6, 0x04, 0x25, (b + 2) & 0xff, ((b + 2) >> 8) & 0xff, ((b + 2) >> 16) & 0xff, 0, 7);
	inval = st->blocks_invalidated;
	ck_assert_int_eq(emu_run_until(g_e, EMU_DATA, EMU_DATA + 8, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(st->blocks_invalidated, inval + 1);
	/* a write beside both blocks on the same page drops nothing */
	g_e->v.s.gpr[0] = 0;
	LOAD(EMU_DATA, 0xc6, 0x04, 0x25, (a + 0x80) & 0xff, ((a + 0x80) >> 8) & 0xff, ((a + 0x80) >> 16) & 0xff, 0, 7);
	inval = st->blocks_invalidated;
	ck_assert_int_eq(emu_run_until(g_e, EMU_DATA, EMU_DATA + 8, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(st->blocks_invalidated, inval);
	ck_assert_int_eq(emu_run_until(g_e, a, b + 3, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 8);
}
END_TEST

/* Code spanning two pages: a write to the second page's part is seen. */
START_TEST(test_smc_two_pages)
{
	uint64_t at = EMU_CODE + 0x1000 - 3, imm = EMU_CODE + 0x1000 + 1;

	/* nop; nop; mov eax, imm32 straddling into the next page */
	LOAD(at, 0x90, 0x90, 0xb8, 1, 0, 0, 0);
	ck_assert_int_eq(emu_run_until(g_e, at, at + 7, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 1);
	/* mov byte [imm], 9 from elsewhere, through the guest */
	LOAD(EMU_DATA, 0xc6, 0x04, 0x25, imm & 0xff, (imm >> 8) & 0xff, (imm >> 16) & 0xff, 0, 9);
	ck_assert_int_eq(emu_run_until(g_e, EMU_DATA, EMU_DATA + 8, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_int_eq(emu_run_until(g_e, at, at + 7, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 0x901);
}
END_TEST

/* RFLAGS.TF: a #DB trap (DR6.BS) after one instruction, RIP at the next one. */
START_TEST(test_single_step)
{
	LOAD(EMU_CODE, 0xff, 0xc0, 0xff, 0xc0, 0xff, 0xc0);         /* inc eax x3 */
	g_e->v.s.gpr[0] = 0;
	g_e->v.s.rflags |= RFLAGS_TF;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 2);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 1);
	ck_assert_uint_eq(g_e->icount, 1);
	ck_assert(g_e->v.s.dr[6] & (1u << 14));
	ck_assert_int_eq(emu_continue(g_e, 100), RUN_EXIT_EXCEPTION);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 4);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 2);
}
END_TEST

/* A row whose CPUID feature the CPU model lacks is #UD, where it stands. */
START_TEST(test_feature_ud)
{
	char err[128];
	struct cpu_model *m = cpu_model_edit(cpu_model_find("max"), "-popcnt", err, sizeof(err));

	ck_assert_ptr_nonnull(m);
	/* inc eax; popcnt eax, ebx */
	LOAD(EMU_CODE, 0xff, 0xc0, 0xf3, 0x0f, 0xb8, 0xc3);
	g_e->v.s.gpr[0] = 0;
	g_e->v.s.gpr[3] = 0xff;
	ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 6, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 8);
	g_e->v.model = m;
	translate_flush(&g_e->v);
	g_e->v.s.gpr[0] = 0;
	ck_assert_int_eq(emu_run_until(g_e, EMU_CODE, EMU_CODE + 6, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_UD);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 2);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 1);
	g_e->v.model = NULL;
	cpu_model_free(m);
}
END_TEST

/* CPL 3 and 32-bit protected mode run too. */
START_TEST(test_modes)
{
	struct emu *u = emu_new(EMU_LONG64, 3), *p = emu_new(EMU_PROT32, 0), *r = emu_new(EMU_REAL, 0);
	static const uint8_t code[] = { 0xb8, 5, 0, 0, 0, 0x01, 0xc0 };     /* mov eax,5; add eax,eax */
	static const uint8_t code16[] = { 0xb8, 5, 0, 0x01, 0xc0 };         /* mov ax,5; add ax,ax */

	emu_load(u, EMU_CODE, code, sizeof(code));
	ck_assert_int_eq(emu_run_until(u, EMU_CODE, EMU_CODE + 7, 10), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(u->v.s.gpr[0], 10);
	emu_load(p, EMU_CODE, code, sizeof(code));
	ck_assert_int_eq(emu_run_until(p, EMU_CODE, EMU_CODE + 7, 10), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(p->v.s.gpr[0], 10);
	emu_load(r, EMU_REAL_CODE, code16, sizeof(code16));
	ck_assert_int_eq(emu_run_until(r, EMU_REAL_CODE, EMU_REAL_CODE + 5, 10), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(r->v.s.gpr[0], 10);
	emu_free(u);
	emu_free(p);
	emu_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_loop_and_cache);
	tcase_add_test(tc, test_icount_budget);
	tcase_add_test(tc, test_fault_exact_rip);
	tcase_add_test(tc, test_ud_raised_when_reached);
	tcase_add_test(tc, test_too_long_gp);
	tcase_add_test(tc, test_fetch_fault_later_insn);
	tcase_add_test(tc, test_smc_same_block);
	tcase_add_test(tc, test_smc_exact_invalidation);
	tcase_add_test(tc, test_smc_two_pages);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_single_step);
	tcase_add_test(tc, test_feature_ud);
	suite_add_tcase(s, tc);
	return check_run(s);
}
