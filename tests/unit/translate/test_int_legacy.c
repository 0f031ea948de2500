/*
 * tests/unit/translate/test_int_legacy.c - general-purpose handlers in the modes the
 * differential tester cannot reach (it runs 64-bit user code): 32-bit protected and
 * real mode, CPL 0, IOPL rules, decimal arithmetic, PUSHA/POPA, ENTER with nesting,
 * CS-limit checks, 16-bit address size, long REP strings. Expected values are worked
 * out by hand from the SDM's Operation sections. Every case runs through the handlers
 * (translate_set_inline(false)) and through the translator.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct emu *g_e;

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_OF 0x800u

/* Run code (ending in HLT) in mode at CPL cpl; returns the exception vector or -1. */
static int run_cpl(enum emu_mode mode, unsigned cpl, bool handlers, const uint8_t *code,
		   size_t len, void (*init)(struct emu *e))
{
	uint64_t at = mode == EMU_REAL ? EMU_REAL_CODE : EMU_CODE;

	if (g_e)
		emu_free(g_e);
	g_e = emu_new(mode, cpl);
	translate_set_inline(&g_e->v, !handlers);
	emu_load(g_e, at, code, len);
	if (mode == EMU_PROT32)
		g_e->v.s.gpr[4] = 0x300000;
	if (init)
		init(g_e);
	emu_run(g_e, at, 1000000);
	if (g_e->exit == RUN_EXIT_EXCEPTION)
		return g_e->exc_vector;
	ck_assert_int_eq(g_e->exit, RUN_EXIT_HALT);
	return -1;
}

#define RUN(mode, init, ...) ({ const uint8_t c_[] = { __VA_ARGS__ }; \
	run_cpl(mode, 0, _i == 0, c_, sizeof(c_), init); })
#define RUN3(mode, init, ...) ({ const uint8_t c_[] = { __VA_ARGS__ }; \
	run_cpl(mode, 3, _i == 0, c_, sizeof(c_), init); })

static uint32_t eax(void) { return (uint32_t)g_e->v.s.gpr[0]; }
static uint32_t arith(void) { return (uint32_t)emu_rflags(g_e) & 0x8d5; }

static void teardown(void)
{
	if (g_e)
		emu_free(g_e);
	g_e = NULL;
}

/* DAA after 79H + 35H = AEH gives 14H, CF = 1 (SDM vol. 2, DAA example);
 * DAS after 35H - 47H = EEH gives 88H, CF = 1 (DAS example). */
START_TEST(test_daa_das)
{
	/* mov al, 79h; add al, 35h; daa; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0xb0, 0x79, 0x04, 0x35, 0x27, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xff, 0x14);
	ck_assert_uint_eq(arith() & (F_CF | F_AF), F_CF | F_AF);
	/* mov al, 35h; sub al, 47h; das; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0xb0, 0x35, 0x2c, 0x47, 0x2f, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xff, 0x88);
	ck_assert_uint_eq(arith() & (F_CF | F_AF | F_SF), F_CF | F_AF | F_SF);
}
END_TEST

/* AAA: AX = 0009H + 08H -> AL = 11H, AF = 1 -> AX = 0107H, CF = AF = 1.
 * AAS: AX = 0103H - 05H -> AL = FEH, AF = 1 -> AX = 0008H (AX - 6, AH - 1). */
START_TEST(test_aaa_aas)
{
	/* mov ax, 9; add al, 8; aaa; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0x66, 0xb8, 0x09, 0x00, 0x04, 0x08, 0x37, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xffff, 0x0107);
	ck_assert_uint_eq(arith() & (F_CF | F_AF), F_CF | F_AF);
	/* mov ax, 0103h; sub al, 5; aas; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0x66, 0xb8, 0x03, 0x01, 0x2c, 0x05, 0x3f, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xffff, 0x0008);
	ck_assert_uint_eq(arith() & (F_CF | F_AF), F_CF | F_AF);
}
END_TEST

/* AAM: AL = 63 -> AH = 6, AL = 3; AAM 0 -> #DE. AAD: AX = 0603H -> AX = 003FH. */
START_TEST(test_aam_aad)
{
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0xb0, 63, 0xd4, 0x0a, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xffff, 0x0603);
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0xb0, 63, 0xd4, 0x00, 0xf4), EXC_DE);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 2);
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0x66, 0xb8, 0x03, 0x06, 0xd5, 0x0a, 0xf4), -1);
	ck_assert_uint_eq(eax() & 0xffff, 0x003f);
	ck_assert_uint_eq(arith() & (F_ZF | F_SF), 0);
}
END_TEST

static void init_regs(struct emu *e)
{
	for (unsigned r = 0; r < 8; r++)
		if (r != 4)
			e->v.s.gpr[r] = 0x11111111u * (r + 1);
}

/* PUSHAD stores EAX..EDI with the original ESP; POPAD restores all but ESP. */
START_TEST(test_pusha_popa)
{
	uint32_t sp = 0x300000;

	/* pushad; xor eax,eax; xor ebx,ebx; popad; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, init_regs, 0x60, 0x31, 0xc0, 0x31, 0xdb, 0x61, 0xf4), -1);
	for (unsigned r = 0; r < 8; r++) {
		uint32_t slot = (uint32_t)emu_read64(g_e, sp - 32 + 4 * (7 - r));

		ck_assert_uint_eq(slot, r == 4 ? sp : 0x11111111u * (r + 1));
		if (r != 4)
			ck_assert_uint_eq(g_e->v.s.gpr[r], 0x11111111u * (r + 1));
	}
	ck_assert_uint_eq(g_e->v.s.gpr[4], sp);
}
END_TEST

/* ENTER 8, 3 in 32-bit mode: push EBP, copy two frame pointers from [EBP-4] and
 * [EBP-8], push the new frame pointer, EBP = frame, ESP = frame - 12 - 8. */
static void init_enter(struct emu *e)
{
	e->v.s.gpr[5] = 0x200100;               /* EBP */
	emu_write64(e, 0x200100 - 8, 0xbbbbbbbbaaaaaaaaull);
}

START_TEST(test_enter_nested)
{
	uint32_t sp = 0x300000, frame = sp - 4;

	ck_assert_int_eq(RUN(EMU_PROT32, init_enter, 0xc8, 0x08, 0x00, 0x03, 0xf4), -1);
	ck_assert_uint_eq((uint32_t)emu_read64(g_e, frame), 0x200100);
	ck_assert_uint_eq((uint32_t)emu_read64(g_e, frame - 4), 0xbbbbbbbb);
	ck_assert_uint_eq((uint32_t)emu_read64(g_e, frame - 8), 0xaaaaaaaa);
	ck_assert_uint_eq((uint32_t)emu_read64(g_e, frame - 12), frame);
	ck_assert_uint_eq(g_e->v.s.gpr[5], frame);
	ck_assert_uint_eq(g_e->v.s.gpr[4], frame - 12 - 8);
}
END_TEST

/* POPF at CPL 0 changes IOPL and IF; RF is never set by it. */
START_TEST(test_popf_cpl0)
{
	/* push 3202h; popfd; hlt -- IOPL 3, IF 1 */
	ck_assert_int_eq(RUN(EMU_PROT32, NULL, 0x68, 0x02, 0x32, 0x01, 0x00, 0x9d, 0xf4), -1);
	ck_assert_uint_eq(emu_rflags(g_e) & 0x13200, 0x3200);
}
END_TEST

/* POPF at CPL 3 with IOPL 0 changes neither IF nor IOPL, but does change the
 * arithmetic flags, DF and AC (SDM vol. 2, POPF). The code ends in UD2. */
static void init_if(struct emu *e)
{
	cpu_set_rflags(&e->v.s, 0x202);
}

START_TEST(test_popf_cpl3)
{
	/* push 43401h (AC, IOPL 3, DF, CF; IF clear); popfd; ud2 */
	ck_assert_int_eq(RUN3(EMU_PROT32, init_if, 0x68, 0x01, 0x34, 0x04, 0x00, 0x9d, 0x0f, 0x0b),
			 EXC_UD);
	ck_assert_uint_eq(emu_rflags(g_e) & 0x47ed7, 0x40603);
}
END_TEST

/* A near JMP beyond CS.limit raises #GP(0) at the JMP, nothing changed. */
static void init_small_cs(struct emu *e)
{
	e->v.s.seg[SEG_CS].limit = 0x1fffff;
	e->v.s.gpr[0] = 0x250000;
}

START_TEST(test_jmp_cs_limit)
{
	/* jmp eax */
	ck_assert_int_eq(RUN(EMU_PROT32, init_small_cs, 0xff, 0xe0, 0xf4), EXC_GP);
	ck_assert_uint_eq(g_e->exc_error, 0);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE);
}
END_TEST

/* A 16-bit operand size truncates the target to IP: 66 jmp ax with EAX = 12345678H
 * goes to 5678H (where a HLT waits). */
static void init_ax(struct emu *e)
{
	static const uint8_t hlt = 0xf4;

	e->v.s.gpr[0] = 0x12345678;
	emu_load(e, 0x5678, &hlt, 1);
}

START_TEST(test_jmp16_truncates)
{
	ck_assert_int_eq(RUN(EMU_PROT32, init_ax, 0x66, 0xff, 0xe0), -1);
	ck_assert_uint_ge(g_e->v.s.rip, 0x5678);
	ck_assert_uint_le(g_e->v.s.rip, 0x5679);
}
END_TEST

/* LOOP with a 16-bit address size counts in CX and leaves ECX[31:16] alone. */
static void init_loop16(struct emu *e)
{
	e->v.s.gpr[1] = 0xabcd0003;
}

START_TEST(test_loop_a16)
{
	/* l: inc eax; a16 loop l; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, init_loop16, 0x40, 0x67, 0xe2, 0xfc, 0xf4), -1);
	ck_assert_uint_eq(g_e->v.s.gpr[1], 0xabcd0000);
	ck_assert_uint_eq(eax(), 3);
}
END_TEST

/* A REP STOSB longer than one handler batch completes, across re-executions. */
static void init_stos(struct emu *e)
{
	e->v.s.gpr[0] = 0x5a;
	e->v.s.gpr[1] = 10000;
	e->v.s.gpr[7] = 0x200000;
}

START_TEST(test_rep_stos_long)
{
	uint8_t buf[10002];

	ck_assert_int_eq(RUN(EMU_PROT32, init_stos, 0xf3, 0xaa, 0xf4), -1);
	ck_assert_uint_eq(g_e->v.s.gpr[1], 0);
	ck_assert_uint_eq(g_e->v.s.gpr[7], 0x200000 + 10000);
	emu_read(g_e, 0x200000 - 1, buf, sizeof(buf));
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[10001], 0);
	for (unsigned k = 1; k <= 10000; k++)
		ck_assert_uint_eq(buf[k], 0x5a);
}
END_TEST

/* BTS with a negative register bit offset addresses below the operand:
 * offset -1 is bit 7 of the byte before it (SDM vol. 2, BT, bit-string addressing). */
static void init_bts(struct emu *e)
{
	e->v.s.gpr[3] = 0x200010;
	e->v.s.gpr[1] = 0xffffffff;             /* -1 */
}

START_TEST(test_bts_negative_offset)
{
	/* bts [ebx], ecx; hlt */
	ck_assert_int_eq(RUN(EMU_PROT32, init_bts, 0x0f, 0xab, 0x0b, 0xf4), -1);
	ck_assert_uint_eq(emu_read64(g_e, 0x200008), 0x8000000000000000ull);
	ck_assert_uint_eq(arith() & F_CF, 0);
}
END_TEST

/* Real mode: PUSH/POP and CALL/RET use 16-bit SP and IP. */
START_TEST(test_real_call_ret)
{
	/* call +1; hlt; (target) pop ax; push ax; ret -> back at hlt */
	ck_assert_int_eq(RUN(EMU_REAL, NULL, 0xe8, 0x01, 0x00, 0xf4, 0x58, 0x50, 0xc3), -1);
	ck_assert_uint_eq(eax() & 0xffff, (EMU_REAL_CODE & 0xffff) + 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("int_legacy");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	/* loop index 0: handlers, 1: translator */
	tcase_add_loop_test(tc, test_daa_das, 0, 2);
	tcase_add_loop_test(tc, test_aaa_aas, 0, 2);
	tcase_add_loop_test(tc, test_aam_aad, 0, 2);
	tcase_add_loop_test(tc, test_pusha_popa, 0, 2);
	tcase_add_loop_test(tc, test_enter_nested, 0, 2);
	tcase_add_loop_test(tc, test_popf_cpl0, 0, 2);
	tcase_add_loop_test(tc, test_popf_cpl3, 0, 2);
	tcase_add_loop_test(tc, test_jmp_cs_limit, 0, 2);
	tcase_add_loop_test(tc, test_jmp16_truncates, 0, 2);
	tcase_add_loop_test(tc, test_loop_a16, 0, 2);
	tcase_add_loop_test(tc, test_rep_stos_long, 0, 2);
	tcase_add_loop_test(tc, test_bts_negative_offset, 0, 2);
	tcase_add_loop_test(tc, test_real_call_ret, 0, 2);
	suite_add_tcase(s, tc);
	return check_run(s);
}
