/*
 * tests/unit/translate/test_engine_inline.c - the translator's inline IR against the
 * handlers: random programs of the inlined forms (and their prefixed variants) run
 * twice, once with inline IR and once with every instruction through its exec_X
 * handler, and must end in the same state: GPRs, RIP, RFLAGS, memory, the
 * exception (if any) and the retired-instruction count.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gen {
	uint8_t buf[4096];
	unsigned len;
	uint64_t seed;
};

static uint32_t rnd(struct gen *g)
{
	g->seed = g->seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g->seed >> 33);
}

static void put(struct gen *g, unsigned n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (unsigned k = 0; k < n; k++)
		g->buf[g->len++] = (uint8_t)va_arg(ap, int);
	va_end(ap);
}

static void put_imm(struct gen *g, unsigned size)
{
	uint32_t x = rnd(g);

	if (rnd(g) % 4 == 0)
		x = rnd(g) % 2 ? 0xffffffffu : 0x80000000u >> (rnd(g) % 32);
	for (unsigned k = 0; k < size; k++)
		g->buf[g->len++] = (uint8_t)(x >> (8 * k));
}

/* ModRM forms: which operand kinds a form takes and its immediate. */
#define F_REG   1u      /* register form allowed */
#define F_MEM   2u      /* memory form allowed */
#define F_W     4u      /* REX.W allowed */
#define F_IMM8  8u
#define F_IMMZ  16u     /* imm16 with 66H, else imm32 */
#define F_NO66  32u     /* no operand-size prefix */

struct form {
	uint8_t op[2], oplen;
	int8_t ext;             /* ModRM.reg /digit, or -1 for a register */
	uint8_t flags;
};

static const struct form forms[] = {
	{ { 0x00 }, 1, -1, F_REG | F_MEM }, { { 0x01 }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x02 }, 1, -1, F_REG | F_MEM }, { { 0x03 }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x29 }, 1, -1, F_REG | F_MEM | F_W }, { { 0x2b }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x21 }, 1, -1, F_REG | F_MEM | F_W }, { { 0x09 }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x31 }, 1, -1, F_REG | F_MEM | F_W }, { { 0x39 }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x3a }, 1, -1, F_REG | F_MEM }, { { 0x85 }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x84 }, 1, -1, F_REG | F_MEM }, { { 0x88 }, 1, -1, F_REG | F_MEM },
	{ { 0x89 }, 1, -1, F_REG | F_MEM | F_W }, { { 0x8a }, 1, -1, F_REG | F_MEM },
	{ { 0x8b }, 1, -1, F_REG | F_MEM | F_W },
	{ { 0x80 }, 1, 0, F_REG | F_MEM | F_IMM8 }, { { 0x80 }, 1, 5, F_REG | F_MEM | F_IMM8 },
	{ { 0x80 }, 1, 7, F_REG | F_MEM | F_IMM8 }, { { 0x81 }, 1, 0, F_REG | F_MEM | F_W | F_IMMZ },
	{ { 0x81 }, 1, 4, F_REG | F_MEM | F_W | F_IMMZ }, { { 0x81 }, 1, 7, F_REG | F_MEM | F_W | F_IMMZ },
	{ { 0x83 }, 1, 0, F_REG | F_MEM | F_W | F_IMM8 }, { { 0x83 }, 1, 1, F_REG | F_MEM | F_W | F_IMM8 },
	{ { 0x83 }, 1, 5, F_REG | F_MEM | F_W | F_IMM8 }, { { 0x83 }, 1, 6, F_REG | F_MEM | F_W | F_IMM8 },
	{ { 0x83 }, 1, 7, F_REG | F_MEM | F_W | F_IMM8 },
	{ { 0xc0 }, 1, 4, F_REG | F_MEM | F_IMM8 }, { { 0xc1 }, 1, 4, F_REG | F_MEM | F_W | F_IMM8 },
	{ { 0xc1 }, 1, 5, F_REG | F_MEM | F_W | F_IMM8 }, { { 0xc1 }, 1, 7, F_REG | F_MEM | F_W | F_IMM8 },
	{ { 0xc0 }, 1, 7, F_REG | F_MEM | F_IMM8 }, { { 0xd1 }, 1, 4, F_REG | F_MEM | F_W },
	{ { 0xd1 }, 1, 5, F_REG | F_MEM | F_W }, { { 0xd0 }, 1, 7, F_REG | F_MEM },
	{ { 0xfe }, 1, 0, F_REG | F_MEM }, { { 0xff }, 1, 1, F_REG | F_MEM | F_W },
	{ { 0xff }, 1, 0, F_REG | F_MEM | F_W }, { { 0xf7 }, 1, 2, F_REG | F_MEM | F_W },
	{ { 0xf7 }, 1, 3, F_REG | F_MEM | F_W }, { { 0xf6 }, 1, 3, F_REG | F_MEM },
	{ { 0xf6 }, 1, 0, F_REG | F_MEM | F_IMM8 }, { { 0xf7 }, 1, 0, F_REG | F_MEM | F_W | F_IMMZ },
	{ { 0xc7 }, 1, 0, F_REG | F_MEM | F_W | F_IMMZ }, { { 0xc6 }, 1, 0, F_REG | F_MEM | F_IMM8 },
	{ { 0x8d }, 1, -1, F_MEM | F_W },
	{ { 0x0f, 0xb6 }, 2, -1, F_REG | F_MEM | F_W }, { { 0x0f, 0xb7 }, 2, -1, F_REG | F_MEM | F_W | F_NO66 },
	{ { 0x0f, 0xbe }, 2, -1, F_REG | F_MEM | F_W }, { { 0x0f, 0xbf }, 2, -1, F_REG | F_MEM | F_W | F_NO66 },
	{ { 0x63 }, 1, -1, F_REG | F_MEM | F_W | F_NO66 },
	{ { 0x0f, 0x40 }, 2, -1, F_REG | F_MEM | F_W }, { { 0x0f, 0x90 }, 2, 0, F_REG | F_MEM },
	{ { 0x0f, 0xaf }, 2, -1, F_REG | F_MEM | F_W }, { { 0x69 }, 1, -1, F_REG | F_MEM | F_W | F_IMMZ },
	{ { 0x6b }, 1, -1, F_REG | F_MEM | F_W | F_IMM8 },
};

/* Memory operands use RBX, RSI or RDI as base (they point into the data area). */
static const uint8_t mem_bases[3] = { 3, 6, 7 };

static void emit_form(struct gen *g, const struct form *f)
{
	bool mem = (f->flags & F_MEM) && (!(f->flags & F_REG) || rnd(g) % 2);
	bool p66 = !(f->flags & F_NO66) && rnd(g) % 6 == 0;
	unsigned reg = f->ext >= 0 ? (unsigned)f->ext : rnd(g) % 8, rex = 0;

	if (p66)
		put(g, 1, 0x66);
	if ((f->flags & F_W) && rnd(g) % 2)
		rex |= 0x48;
	if (f->ext < 0 && rnd(g) % 3 == 0)
		rex |= 0x44;            /* REX.R: r8-r15 in the reg field */
	if (!mem && rnd(g) % 3 == 0)
		rex |= 0x41;            /* REX.B: r8-r15 in r/m */
	if (!rex && rnd(g) % 4 == 0)
		rex = 0x40;             /* SPL..DIL instead of AH..BH */
	if (rex)
		put(g, 1, rex);
	put(g, 1, f->op[0]);
	if (f->oplen == 2)      /* CMOVcc/SETcc rows stand for all 16 conditions */
		put(g, 1, f->op[1] + (f->op[1] == 0x40 || f->op[1] == 0x90 ? rnd(g) % 16 : 0));
	if (mem) {
		unsigned base = mem_bases[rnd(g) % 3];

		if (rnd(g) % 2) {
			put(g, 2, 0x40 | reg << 3 | base, rnd(g) % 128);
		} else {
			put(g, 1, 0x80 | reg << 3 | base);
			put(g, 4, rnd(g) % 256, 0, 0, 0);
		}
	} else {
		put(g, 1, 0xc0 | reg << 3 | rnd(g) % 8);
	}
	if (f->flags & F_IMM8)
		put_imm(g, 1);
	if (f->flags & F_IMMZ)
		put_imm(g, p66 ? 2 : 4);
}

static void emit_random_insn(struct gen *g)
{
	unsigned k = rnd(g) % 16;

	switch (k) {
	case 0:                         /* PUSH r / POP r (not RSP) */
		if (rnd(g) % 2)
			put(g, 1, 0x41);
		put(g, 1, (rnd(g) % 2 ? 0x50 : 0x58) + (rnd(g) % 2 ? 0 : 1 + rnd(g) % 2));
		break;
	case 1:                         /* PUSH imm8 / imm32 */
		if (rnd(g) % 2) {
			put(g, 1, 0x6a);
			put_imm(g, 1);
		} else {
			put(g, 1, 0x68);
			put_imm(g, 4);
		}
		break;
	case 2:                         /* MOV r64, imm64 */
		put(g, 2, 0x48, 0xb8 + rnd(g) % 3);
		put_imm(g, 4);
		put_imm(g, 4);
		break;
	case 3: case 4:                 /* Jcc over INC R15 */
		put(g, 5, 0x70 + rnd(g) % 16, 3, 0x49, 0xff, 0xc7);
		break;
	case 5:                         /* CALL next; POP RDX */
		put(g, 6, 0xe8, 0, 0, 0, 0, 0x5a);
		break;
	case 6:                         /* LEA RAX, [RIP+2]; PUSH RAX; RET -> the next insn */
		put(g, 7, 0x48, 0x8d, 0x05, 2, 0, 0, 0);
		put(g, 2, 0x50, 0xc3);
		break;
	case 7:                         /* JMP short forward over INC R15 */
		put(g, 5, 0xeb, 3, 0x49, 0xff, 0xc7);
		break;
	case 8:                         /* ALU AL/eAX/rAX, imm */
		if (rnd(g) % 2) {
			put(g, 2, 0x48, 0x05 + 8 * (rnd(g) % 8));
			put_imm(g, 4);
		} else {
			put(g, 1, 0x04 + 8 * (rnd(g) % 8));
			put_imm(g, 1);
		}
		break;
	default:
		emit_form(g, &forms[rnd(g) % (sizeof(forms) / sizeof(forms[0]))]);
		break;
	}
}

static void set_state(struct emu *e, uint64_t seed)
{
	struct gen g = { .seed = seed };

	for (unsigned r = 0; r < 16; r++)
		e->v.s.gpr[r] = (uint64_t)rnd(&g) << 32 | rnd(&g);
	e->v.s.gpr[3] = EMU_DATA + 0x1000;
	e->v.s.gpr[6] = EMU_DATA + 0x2000 + rnd(&g) % 64;
	e->v.s.gpr[7] = EMU_DATA + 0x3000;
	e->v.s.gpr[4] = EMU_STACK_TOP - 0x100;
	cpu_set_rflags(&e->v.s, RFLAGS_FIXED1 | (rnd(&g) & RFLAGS_ARITH));
	for (unsigned k = 0; k < 0x4000; k += 8)
		emu_write64(e, EMU_DATA + k, (uint64_t)rnd(&g) << 32 | rnd(&g));
}

static void compare(struct emu *a, struct emu *b, unsigned prog, const struct gen *g)
{
	static uint8_t ma[0x4100], mb[0x4100];
	char msg[256];

	snprintf(msg, sizeof(msg), "program %u (%u bytes): inline vs handlers differ", prog, g->len);
	ck_assert_msg(a->exit == b->exit, "%s: exit %d/%d", msg, a->exit, b->exit);
	ck_assert_msg(a->exc_vector == b->exc_vector, "%s: exc %d/%d at %#llx", msg, a->exc_vector,
		      b->exc_vector, (unsigned long long)b->v.s.rip);
	ck_assert_msg(a->v.s.rip == b->v.s.rip, "%s: rip", msg);
	ck_assert_msg(a->icount == b->icount, "%s: icount %llu/%llu", msg,
		      (unsigned long long)a->icount, (unsigned long long)b->icount);
	for (unsigned r = 0; r < 16; r++)
		ck_assert_msg(a->v.s.gpr[r] == b->v.s.gpr[r], "%s: gpr %u %#llx/%#llx", msg, r,
			      (unsigned long long)a->v.s.gpr[r], (unsigned long long)b->v.s.gpr[r]);
	ck_assert_msg(emu_rflags(a) == emu_rflags(b), "%s: rflags %#llx/%#llx", msg,
		      (unsigned long long)emu_rflags(a), (unsigned long long)emu_rflags(b));
	emu_read(a, EMU_DATA, ma, 0x4100);
	emu_read(b, EMU_DATA, mb, 0x4100);
	ck_assert_msg(!memcmp(ma, mb, sizeof(ma)), "%s: data memory", msg);
	emu_read(a, EMU_STACK_TOP - 0x1000, ma, 0x1000);
	emu_read(b, EMU_STACK_TOP - 0x1000, mb, 0x1000);
	ck_assert_msg(!memcmp(ma, mb, 0x1000), "%s: stack memory", msg);
}

/* Random programs, inline vs handlers; with pushf, every instruction is followed by
 * PUSHFQ (a handler), so the flags of each one land on the stack and are compared,
 * not just those of the last flag writer. */
static void run_programs(unsigned seed0, bool pushf)
{
	struct emu *a = emu_new(EMU_LONG64, 0), *b = emu_new(EMU_LONG64, 0);
	unsigned faults = 0;

	translate_set_inline(&b->v, false);
	for (unsigned prog = 0; prog < 400; prog++) {
		struct gen g = { .seed = seed0 + prog * 7919ull };
		unsigned n = 4 + rnd(&g) % 40;

		for (unsigned k = 0; k < n && g.len < 3000; k++) {
			emit_random_insn(&g);
			if (pushf)
				put(&g, 1, 0x9c);
		}
		emu_load(a, EMU_CODE, g.buf, g.len);
		emu_load(b, EMU_CODE, g.buf, g.len);
		set_state(a, prog);
		set_state(b, prog);
		emu_run_until(a, EMU_CODE, EMU_CODE + g.len, 1000);
		emu_run_until(b, EMU_CODE, EMU_CODE + g.len, 1000);
		faults += a->exc_vector >= 0;
		compare(a, b, prog, &g);
	}
	/* Most programs must run to the end, or the test proves little. */
	ck_assert_uint_lt(faults, 200);
	emu_free(a);
	emu_free(b);
}

START_TEST(test_inline_matches_handlers)
{
	run_programs(1000, false);
}
END_TEST

START_TEST(test_inline_flags_match_handlers)
{
	run_programs(5000, true);
}
END_TEST

/* The self-modifying block of test_engine.c, every instruction through its handler:
 * the store is a handler's cpu_st, and the block still leaves after it. */
START_TEST(test_smc_same_block_handlers)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	static const uint8_t code[] = { 0xc6, 0x05, 1, 0, 0, 0, 5, 0xb8, 1, 0, 0, 0, 0xff, 0xc0 };

	translate_set_inline(&e->v, false);
	emu_load(e, EMU_CODE, code, sizeof(code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 14, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(e->v.s.gpr[0], 6);
	ck_assert_uint_eq(e->icount, 3);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_inline");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_inline_matches_handlers);
	tcase_add_test(tc, test_inline_flags_match_handlers);
	tcase_add_test(tc, test_smc_same_block_handlers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
