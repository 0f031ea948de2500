/*
 * tests/unit/translate/test_operand.c - operand access (translate/operand.c):
 * effective addresses, register/memory/immediate/string operands and the stack
 * helpers on a bare vCPU over flat RAM (tests/unit/common/cpufix.h).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/cpufix.h"
#include "translate/opcodes.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct x86_insn g_i;

static void dec(unsigned mode, const char *hex)
{
	uint8_t b[16];
	size_t n = 0;

	while (hex[0] && hex[1]) {
		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		b[n++] = (uint8_t)strtoul((char[]){ hex[0], hex[1], 0 }, NULL, 16);
		hex += 2;
	}
	ck_assert_int_eq(x86_decode(&g_i, b, n, mode), 0);
}

START_TEST(test_effective_address)
{
	struct cpu_state *s = &g_fix->v.s;

	s->gpr[13] = 0x1000;
	s->gpr[12] = 0x10;
	dec(8, "4f 8b 44 a5 10");               /* mov r8, [r13+r12*4+16] */
	ck_assert_uint_eq(insn_ea(&g_fix->v, &g_i), 0x1000 + 0x40 + 0x10);
	/* RIP-relative: next RIP + disp */
	s->rip = 0x400000;
	dec(8, "48 8b 05 f0 ff ff ff");
	ck_assert_uint_eq(insn_ea(&g_fix->v, &g_i), 0x400007 - 16);
	/* 32-bit address size truncates (67 in 64-bit mode) */
	s->gpr[0] = 0x1fffffff0ull;
	dec(8, "67 8b 40 20");                  /* mov eax, [eax+0x20] */
	ck_assert_uint_eq(insn_ea(&g_fix->v, &g_i), 0x10);
	/* 16-bit: BX+SI wraps at 64 KiB */
	s->gpr[3] = 0xfff0;
	s->gpr[6] = 0x20;
	dec(2, "8b 40 04");                     /* mov ax, [bx+si+4] */
	ck_assert_uint_eq(insn_ea(&g_fix->v, &g_i), 0x14);
	/* moffs */
	dec(4, "a1 78 56 34 12");
	ck_assert_uint_eq(insn_ea(&g_fix->v, &g_i), 0x12345678);
}
END_TEST

START_TEST(test_register_operands)
{
	struct vcpu *v = &g_fix->v;

	v->s.gpr[0] = 0x1122334455667788ull;
	dec(8, "88 e0");                        /* mov al, ah */
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 0x77);
	opnd_write(v, &g_i, 0, 0x77);
	ck_assert_uint_eq(v->s.gpr[0], 0x1122334455667777ull);
	v->s.gpr[4] = 0xabcd;
	dec(8, "40 88 e0");                     /* mov al, spl */
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 0xcd);
	dec(8, "89 c0");                        /* mov eax, eax: 32-bit write zero-extends */
	opnd_write(v, &g_i, 0, opnd_read(v, &g_i, 1));
	ck_assert_uint_eq(v->s.gpr[0], 0x55667777u);
	dec(8, "66 89 c3");                     /* mov bx, ax: 16-bit write merges */
	v->s.gpr[3] = 0xffffffffffffffffull;
	opnd_write(v, &g_i, 0, opnd_read(v, &g_i, 1));
	ck_assert_uint_eq(v->s.gpr[3], 0xffffffffffff7777ull);
	dec(8, "c8 10 00 02");                  /* enter 16, 2 */
	ck_assert_uint_eq(opnd_read(v, &g_i, 0), 16);
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 2);
	dec(8, "d1 e0");                        /* shl eax, 1 */
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 1);
	dec(8, "8c d8");                        /* mov eax, ds */
	v->s.seg[SEG_DS].sel = 0x2b;
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 0x2b);
}
END_TEST

START_TEST(test_vector_operands)
{
	struct vcpu *v = &g_fix->v;
	union vreg r;

	memset(&v->s.vr[9], 0xab, sizeof(v->s.vr[9]));
	dec(8, "66 45 0f 6f c1");               /* movdqa xmm8, xmm9 */
	ck_assert_uint_eq(g_i.opnd[0].reg, 8);
	opnd_read_vec(v, &g_i, 1, &r);
	opnd_write_vec(v, &g_i, 0, &r);
	ck_assert_uint_eq(v->s.vr[8].q[1], 0xababababababababull);
	dec(8, "0f 6f c1");                     /* movq mm0, mm1 */
	v->s.st[1].mant = 0x1234;
	opnd_write(v, &g_i, 0, opnd_read(v, &g_i, 1));
	ck_assert_uint_eq(v->s.st[0].mant, 0x1234);
	ck_assert_uint_eq(v->s.st[0].sexp, 0xffff);
}
END_TEST

/* Real mode (reset state): memory operands through cpu_ld/cpu_st. */
START_TEST(test_memory_operands)
{
	struct vcpu *v = &g_fix->v;
	uint64_t val;

	v->s.gpr[3] = 0x100;
	v->s.gpr[6] = 0x20;
	v->s.gpr[0] = 0xbeef;
	dec(2, "89 40 04");                     /* mov [bx+si+4], ax */
	opnd_write(v, &g_i, 0, opnd_read(v, &g_i, 1));
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x124, 2, &val), -1);
	ck_assert_uint_eq(val, 0xbeef);
	dec(2, "8b 40 04");
	ck_assert_uint_eq(opnd_read(v, &g_i, 1), 0xbeef);
	/* string operands: DS:SI (overridable) and ES:DI */
	v->s.seg[SEG_ES].base = 0x10000;
	v->s.gpr[6] = 0x124;
	v->s.gpr[7] = 0x10;
	dec(2, "a5");                           /* movsw */
	opnd_write(v, &g_i, 0, opnd_read(v, &g_i, 1));
	ck_assert_uint_eq(cpufix_get32(0x10010) & 0xffff, 0xbeef);
}
END_TEST

static void push4(void *arg)
{
	stack_push(&g_fix->v, 4, *(uint64_t *)arg);
}

static void push2(void *arg)
{
	stack_push(&g_fix->v, 2, *(uint64_t *)arg);
}

static void pop2(void *arg)
{
	*(uint64_t *)arg = stack_pop(&g_fix->v, 2);
}

START_TEST(test_stack)
{
	struct vcpu *v = &g_fix->v;
	uint64_t val = 0x11223344, out = 0;

	/* real mode: 16-bit SP wraps and RSP[63:16] is kept */
	ck_assert_uint_eq(stack_addr_size(v), 2);
	v->s.gpr[4] = 0xabcd00000000ull;
	ck_assert_int_eq(cpufix_try(push2, &val), -1);
	ck_assert_uint_eq(v->s.gpr[4], 0xabcd0000fffeull);
	ck_assert_uint_eq(stack_peek(v, 2, 0), 0x3344);
	/* a 4-byte push at SP=2 crosses 0xffff: #SS, SP unchanged */
	v->s.gpr[4] = 0xabcd00000002ull;
	ck_assert_int_eq(cpufix_try(push4, &val), EXC_SS);
	ck_assert_uint_eq(v->s.gpr[4], 0xabcd00000002ull);
	v->s.gpr[4] = 0xabcd00000008ull;
	ck_assert_int_eq(cpufix_try(push4, &val), -1);
	ck_assert_uint_eq(stack_peek(v, 2, 2), 0x1122);
	ck_assert_int_eq(cpufix_try(pop2, &out), -1);
	ck_assert_uint_eq(out, 0x3344);
	ck_assert_uint_eq(v->s.gpr[4], 0xabcd00000006ull);
	/* 32-bit flat: a push past the SS limit faults and leaves ESP alone */
	cpufix_flat32(0);
	ck_assert_uint_eq(stack_addr_size(v), 4);
	v->s.seg[SEG_SS].limit = 0xfff;
	v->s.gpr[4] = 0x2000;
	ck_assert_int_eq(cpufix_try(push4, &val), EXC_SS);
	ck_assert_uint_eq(v->s.gpr[4], 0x2000);
	v->s.gpr[4] = 0x1000;
	ck_assert_int_eq(cpufix_try(push4, &val), -1);
	ck_assert_uint_eq(v->s.gpr[4], 0xffc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("operand");
	TCase *tc = tcase_create("operand");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_effective_address);
	tcase_add_test(tc, test_register_operands);
	tcase_add_test(tc, test_vector_operands);
	tcase_add_test(tc, test_memory_operands);
	tcase_add_test(tc, test_stack);
	suite_add_tcase(s, tc);
	return check_run(s);
}
