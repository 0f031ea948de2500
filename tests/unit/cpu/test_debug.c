/*
 * tests/unit/cpu/test_debug.c - debug exceptions on real guest code (64-bit flat
 * machine): single-step traps (RFLAGS.TF, DR6.BS; SDM vol. 3, 18.3.1.4), the MOV SS
 * shadow deferring them (6.8.3), TF cleared on delivery through the IDT, INT1, and
 * DR0-DR3 data and instruction breakpoints (18.2.4-18.2.5, 18.3.1.1-18.3.1.2).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>

#define DR6_BS (1ull << 14)
#define IDT (EMU_DATA + 0x1000)
#define HANDLER (EMU_CODE + 0x100)

static struct emu *g_e;

static void setup(void)
{
	g_e = emu_new(EMU_LONG64, 0);
}

static void teardown(void)
{
	emu_free(g_e);
}

#define LOAD(addr, ...) do { const uint8_t c_[] = { __VA_ARGS__ }; \
	emu_load(g_e, addr, c_, sizeof(c_)); } while (0)

/* An IA-32e IDT whose #DB gate (interrupt gate, DPL 0) leads to HANDLER, which
 * loads RAX = pushed RIP, RCX = pushed RFLAGS, RDX = RFLAGS inside, then HLTs. */
static void idt_db_handler(void)
{
	uint64_t lo = (HANDLER & 0xffff) | ((uint64_t)EMU_SEL_CODE64 << 16) |
		      (0x8eull << 40) | (((HANDLER >> 16) & 0xffff) << 48);

	emu_write64(g_e, IDT + 16 * EXC_DB, lo);
	emu_write64(g_e, IDT + 16 * EXC_DB + 8, HANDLER >> 32);
	g_e->v.s.idtr.base = IDT;
	g_e->v.s.idtr.limit = 16 * 32 - 1;
	LOAD(HANDLER, 0x48, 0x8b, 0x04, 0x24,           /* mov rax, [rsp] */
	     0x48, 0x8b, 0x4c, 0x24, 0x10,              /* mov rcx, [rsp + 16] */
	     0x9c, 0x5a, 0xf4);                         /* pushfq; pop rdx; hlt */
	translate_set_stop_on_exception(&g_e->v, false);
}

/* POPF setting TF: the trap follows the instruction after POPF (18.3.1.4). */
START_TEST(test_popf_sets_tf)
{
	LOAD(EMU_CODE, 0x9c,                            /* pushfq */
	     0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, /* or qword [rsp], 0x100 */
	     0x9d, 0x90, 0x90, 0xf4);                   /* popfq; nop; nop; hlt */
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 11);
	ck_assert_uint_eq(g_e->icount, 4);
	ck_assert(g_e->v.s.dr[6] & DR6_BS);
}
END_TEST

/* One trap per instruction while TF stays set. */
START_TEST(test_step_each_insn)
{
	LOAD(EMU_CODE, 0x90, 0x48, 0xff, 0xc0, 0x90, 0xf4); /* nop; inc rax; nop; hlt */
	g_e->v.s.rflags |= RFLAGS_TF;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 1);
	ck_assert_int_eq(emu_continue(g_e, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 4);
	ck_assert_uint_eq(g_e->icount, 1);
	ck_assert_uint_eq(g_e->v.s.gpr[0], 1);
}
END_TEST

/* MOV SS inhibits the trap until after the next instruction (6.8.3). */
START_TEST(test_mov_ss_defers)
{
	LOAD(EMU_CODE, 0x8e, 0xd0, 0x90, 0x90, 0xf4);  /* mov ss, ax; nop; nop; hlt */
	g_e->v.s.gpr[0] = EMU_SEL_DATA;
	g_e->v.s.rflags |= RFLAGS_TF;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 3);
	ck_assert_uint_eq(g_e->icount, 2);
}
END_TEST

/* Delivered through the IDT: the pushed RIP is the next instruction, the pushed
 * RFLAGS has TF and not RF (a trap), the handler runs with TF clear. */
START_TEST(test_step_delivered)
{
	idt_db_handler();
	LOAD(EMU_CODE, 0x90, 0xf4);
	g_e->v.s.rflags |= RFLAGS_TF;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], EMU_CODE + 1);
	ck_assert(g_e->v.s.gpr[1] & RFLAGS_TF);
	ck_assert(!(g_e->v.s.gpr[1] & RFLAGS_RF));
	ck_assert(!(g_e->v.s.gpr[2] & RFLAGS_TF));
	ck_assert(g_e->v.s.dr[6] & DR6_BS);
}
END_TEST

/* INT1 (ICEBP): #DB with the return address after it; DR6.BS untouched. */
START_TEST(test_int1)
{
	idt_db_handler();
	LOAD(EMU_CODE, 0xf1, 0xf4);
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], EMU_CODE + 1);
	ck_assert(!(g_e->v.s.dr[6] & DR6_BS));
}
END_TEST

/* A single-stepped INT1 delivers one #DB (TF cleared by the delivery): the handler
 * then runs without a further trap. */
START_TEST(test_int1_stepped)
{
	idt_db_handler();
	LOAD(EMU_CODE, 0xf1, 0xf4);
	g_e->v.s.rflags |= RFLAGS_TF;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], EMU_CODE + 1);
	ck_assert(!(g_e->v.s.gpr[2] & RFLAGS_TF));
	ck_assert(!(g_e->v.s.dr[6] & DR6_BS));
}
END_TEST

/* mov dr0, rax; mov dr7, rcx; then the code under test at EMU_CODE + 6. */
#define ARM_DR0(...) LOAD(EMU_CODE, 0x0f, 0x23, 0xc0, 0x0f, 0x23, 0xf9, __VA_ARGS__)
#define DR7_L0 1ull
#define DR7_RW0(x) ((uint64_t)(x) << 16)
#define DR7_LEN0(x) ((uint64_t)(x) << 18)

/* A write breakpoint: #DB trap after the store (RIP at the next instruction). */
START_TEST(test_data_write)
{
	ARM_DR0(0x89, 0x03, 0x90, 0xf4);                /* mov [rbx], eax; nop; hlt */
	g_e->v.s.gpr[0] = EMU_DATA + 8;
	g_e->v.s.gpr[1] = DR7_L0 | DR7_RW0(1) | DR7_LEN0(3);
	g_e->v.s.gpr[3] = EMU_DATA + 8;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 8);
	ck_assert_uint_eq(g_e->v.s.dr[6] & 0xf, 1);
	ck_assert_uint_eq(emu_read64(g_e, EMU_DATA + 8) & 0xffffffff, EMU_DATA + 8);
}
END_TEST

/* A write breakpoint ignores reads; a read/write one with LEN 8 takes the address
 * aligned down and catches a 1-byte read of its last byte. */
START_TEST(test_data_read)
{
	ARM_DR0(0x8b, 0x03, 0xf4);                      /* mov eax, [rbx]; hlt */
	g_e->v.s.gpr[0] = EMU_DATA + 8;
	g_e->v.s.gpr[1] = DR7_L0 | DR7_RW0(1) | DR7_LEN0(3);
	g_e->v.s.gpr[3] = EMU_DATA + 8;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_HALT);
	ARM_DR0(0x8a, 0x03, 0xf4);                      /* mov al, [rbx]; hlt */
	g_e->v.s.gpr[0] = EMU_DATA + 0x13;
	g_e->v.s.gpr[1] = DR7_L0 | DR7_RW0(3) | DR7_LEN0(2);
	g_e->v.s.gpr[3] = EMU_DATA + 0x17;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 8);
	ck_assert_uint_eq(g_e->v.s.dr[6] & 0xf, 1);
}
END_TEST

/* An instruction breakpoint: #DB fault before the instruction (RIP at it); with
 * RFLAGS.RF set the instruction runs once. */
START_TEST(test_insn_break)
{
	ARM_DR0(0x90, 0x48, 0xff, 0xc2, 0xf4);          /* nop; inc rdx; hlt */
	g_e->v.s.gpr[0] = EMU_CODE + 7;
	g_e->v.s.gpr[1] = DR7_L0;
	g_e->v.s.gpr[2] = 0;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 7);
	ck_assert_uint_eq(g_e->v.s.gpr[2], 0);
	ck_assert_uint_eq(g_e->v.s.dr[6] & 0xf, 1);
	g_e->v.s.rflags |= RFLAGS_RF;
	ck_assert_int_eq(emu_continue(g_e, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_e->v.s.gpr[2], 1);
	ck_assert(!(g_e->v.s.rflags & RFLAGS_RF));
}
END_TEST

/* Delivered through the IDT, the instruction breakpoint pushes RF = 0 (the one fault
 * that does, 18.3.1.1) and the handler runs with RF clear. */
START_TEST(test_insn_break_delivered)
{
	idt_db_handler();
	ARM_DR0(0x90, 0xf4);
	g_e->v.s.gpr[0] = EMU_CODE + 6;
	g_e->v.s.gpr[1] = DR7_L0;
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(g_e->v.s.gpr[0], EMU_CODE + 6);
	ck_assert(!(g_e->v.s.gpr[1] & RFLAGS_RF));
	ck_assert(!(g_e->v.s.gpr[2] & RFLAGS_RF));
}
END_TEST

/* An I/O breakpoint (CR4.DE, R/W = 10): #DB trap after OUT to the port. */
START_TEST(test_io_break)
{
	ARM_DR0(0xe6, 0x81, 0xe6, 0x80, 0x90, 0xf4);    /* out 0x81, al; out 0x80, al */
	g_e->v.s.cr4 |= CR4_DE;
	g_e->v.s.gpr[0] = 0x80;
	g_e->v.s.gpr[1] = DR7_L0 | DR7_RW0(2);
	ck_assert_int_eq(emu_run(g_e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(g_e->exc_vector, EXC_DB);
	ck_assert_uint_eq(g_e->v.s.rip, EMU_CODE + 10);
	ck_assert_uint_eq(g_e->v.s.dr[6] & 0xf, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_popf_sets_tf);
	tcase_add_test(tc, test_step_each_insn);
	tcase_add_test(tc, test_mov_ss_defers);
	tcase_add_test(tc, test_step_delivered);
	tcase_add_test(tc, test_int1);
	tcase_add_test(tc, test_int1_stepped);
	tcase_add_test(tc, test_data_write);
	tcase_add_test(tc, test_data_read);
	tcase_add_test(tc, test_insn_break);
	tcase_add_test(tc, test_insn_break_delivered);
	tcase_add_test(tc, test_io_break);
	suite_add_tcase(s, tc);
	return check_run(s);
}
