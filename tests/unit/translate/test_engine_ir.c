/*
 * tests/unit/translate/test_engine_ir.c - the IR, its optimizer and the interpreter,
 * with hand-built IR (no decoder involved).
 */
#include "tests/unit/common/check_run.h"
#include "translate/engine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static uint8_t g_ram[1 << 16];
static struct cpu_bus g_bus = { .ram = g_ram, .ram_size = sizeof(g_ram), .ram_below_4g = sizeof(g_ram) };
static struct vcpu g_v;
static struct ir_block *g_ir;

static void setup(void)
{
	memset(g_ram, 0, sizeof(g_ram));
	g_bus.code_pages = NULL;
	vcpu_init(&g_v, 0, &g_bus, NULL);
	g_v.s.seg[SEG_CS].base = 0;
	ck_assert_int_eq(translate_attach(&g_v), 0);
	g_ir = calloc(1, sizeof(*g_ir));
	ir_reset(g_ir);
}

static void teardown(void)
{
	translate_detach(&g_v);
	free(g_ir);
}

/* Compile g_ir (optionally optimized) into a one-instruction block. */
static struct tb *build(bool opt)
{
	unsigned ncode = 0;
	struct tb *tb;

	if (opt)
		ir_optimize(g_ir);
	for (unsigned i = 0; i < g_ir->nops; i++)
		ncode += g_ir->ops[i].opc != IR_label;
	tb = tb_alloc(ncode, interp_count_consts(g_ir), 1);
	tb->ninsns = 1;
	tb->insn_rip[0] = 0x100;
	tb->insn_rip[1] = 0x101;
	interp_compile(tb_cache_of(&g_v), g_ir, tb);
	return tb;
}

static int run(bool opt)
{
	struct tb *tb = build(opt);
	int slot = interp_run(&g_v, tb);

	tb_free(tb);
	return slot;
}

START_TEST(test_arith)
{
	struct { enum ir_opc opc; uint64_t a, b, want; } cases[] = {
		{ IR_add, 5, 7, 12 }, { IR_sub, 5, 7, (uint64_t)-2 }, { IR_and, 0xf0f0, 0xff00, 0xf000 },
		{ IR_or, 0xf0, 0x0f, 0xff }, { IR_xor, 0xff, 0x0f, 0xf0 }, { IR_shl, 1, 65, 2 },
		{ IR_shr, 0x8000000000000000ull, 63, 1 }, { IR_sar, 0x8000000000000000ull, 63, ~0ull },
		{ IR_mul, 0x100000000ull, 0x100000001ull, 0x100000000ull },
	};

	for (unsigned n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
		for (int opt = 0; opt < 2; opt++) {
			ir_reset(g_ir);
			g_v.s.gpr[1] = cases[n].a;
			g_v.s.gpr[2] = cases[n].b;
			ir_binop_to(g_ir, cases[n].opc, ir_gpr(0), ir_gpr(1), ir_gpr(2));
			/* the same with a constant operand, which the optimizer may fold */
			ir_binop_to(g_ir, cases[n].opc, ir_gpr(3), ir_const(g_ir, cases[n].a),
				    ir_const(g_ir, cases[n].b));
			ir_exit(g_ir, 1, 0);
			ck_assert_int_eq(run(opt), 0);
			ck_assert_uint_eq(g_v.s.gpr[0], cases[n].want);
			ck_assert_uint_eq(g_v.s.gpr[3], cases[n].want);
		}
	}
}
END_TEST

START_TEST(test_unary_ext)
{
	static const enum ir_opc ops[] = { IR_neg, IR_not, IR_ext8u, IR_ext16u, IR_ext32u,
					   IR_ext8s, IR_ext16s, IR_ext32s };
	uint64_t x = 0xfedcba9887654380ull;
	uint64_t want[] = { -x, ~x, 0x80, 0x4380, 0x87654380ull, 0xffffffffffffff80ull,
			    0x4380, 0xffffffff87654380ull };

	for (unsigned n = 0; n < 8; n++) {
		ir_reset(g_ir);
		g_v.s.gpr[1] = x;
		ir_mov(g_ir, ir_gpr(0), ir_unop(g_ir, ops[n], ir_gpr(1)));
		ir_exit(g_ir, 1, 0);
		run(n & 1);
		ck_assert_uint_eq(g_v.s.gpr[0], want[n]);
	}
}
END_TEST

START_TEST(test_cond_select_bits)
{
	uint64_t vals[] = { 0, 1, 2, 0x8000000000000000ull, ~0ull };

	for (unsigned c = 0; c < IR_COND_COUNT; c++) {
		for (unsigned i = 0; i < 5; i++) {
			for (unsigned j = 0; j < 5; j++) {
				ir_reset(g_ir);
				g_v.s.gpr[1] = vals[i];
				g_v.s.gpr[2] = vals[j];
				ir_mov(g_ir, ir_gpr(0), ir_setcond(g_ir, c, ir_gpr(1), ir_gpr(2)));
				ir_exit(g_ir, 1, 0);
				run(false);
				ck_assert_uint_eq(g_v.s.gpr[0], ir_cond_eval(c, vals[i], vals[j]));
			}
		}
	}
	ir_reset(g_ir);
	g_v.s.gpr[1] = 0x1122334455667788ull;
	g_v.s.gpr[2] = 0xabcd;
	ir_mov(g_ir, ir_gpr(3), ir_select(g_ir, ir_const(g_ir, 0), ir_gpr(1), ir_gpr(2)));
	ir_mov(g_ir, ir_gpr(4), ir_select(g_ir, ir_const(g_ir, 7), ir_gpr(1), ir_gpr(2)));
	ir_mov(g_ir, ir_gpr(5), ir_deposit(g_ir, ir_gpr(1), ir_gpr(2), 8, 8));
	ir_mov(g_ir, ir_gpr(6), ir_extract(g_ir, ir_gpr(1), 8, 8));
	ir_mov(g_ir, ir_gpr(7), ir_deposit(g_ir, ir_gpr(1), ir_gpr(2), 0, 32));
	ir_exit(g_ir, 1, 0);
	run(false);
	ck_assert_uint_eq(g_v.s.gpr[3], 0xabcd);
	ck_assert_uint_eq(g_v.s.gpr[4], 0x1122334455667788ull);
	ck_assert_uint_eq(g_v.s.gpr[5], 0x112233445566cd88ull);
	ck_assert_uint_eq(g_v.s.gpr[6], 0x77);
	ck_assert_uint_eq(g_v.s.gpr[7], 0x112233440000abcdull);
}
END_TEST

/* if (rcx == 3) { rax = 10; exit slot 1 } else { rax = 20; exit slot 0 } */
START_TEST(test_branches)
{
	for (uint64_t rcx = 2; rcx <= 3; rcx++) {
		unsigned l = 0;

		ir_reset(g_ir);
		l = ir_new_label(g_ir);
		g_v.s.gpr[1] = rcx;
		ir_brcond(g_ir, IR_COND_EQ, ir_gpr(1), ir_const(g_ir, 3), l);
		ir_movi(g_ir, ir_gpr(0), 20);
		ir_exit(g_ir, 1, 0);
		ir_label(g_ir, l);
		ir_movi(g_ir, ir_gpr(0), 10);
		ir_exit(g_ir, 1, 1);
		ck_assert_int_eq(run(true), rcx == 3 ? 1 : 0);
		ck_assert_uint_eq(g_v.s.gpr[0], rcx == 3 ? 10 : 20);
	}
}
END_TEST

START_TEST(test_memory_and_fault)
{
	jmp_buf jb;
	struct tb *volatile tb;

	/* real mode: DS base 0, limit 64 KiB */
	ir_reset(g_ir);
	g_v.s.gpr[3] = 0x1234;
	ir_st(g_ir, SEG_DS, 4, ir_const(g_ir, 0x500), ir_gpr(3));
	ir_mov(g_ir, ir_gpr(0), ir_ld(g_ir, SEG_DS, 2, ir_const(g_ir, 0x500)));
	ir_exit(g_ir, 1, 0);
	g_v.exit_jmp = &jb;
	ck_assert_int_eq(setjmp(jb), 0);
	run(true);
	ck_assert_uint_eq(g_v.s.gpr[0], 0x1234);
	ck_assert_uint_eq(g_ram[0x500], 0x34);

	/* A load past the segment limit faults in instruction 2; the write of
	 * instruction 1 to rax happened, the one after the fault did not. */
	ir_reset(g_ir);
	g_ir->cur_insn = 1;
	ir_movi(g_ir, ir_gpr(0), 77);
	g_ir->cur_insn = 2;
	ir_mov(g_ir, ir_gpr(1), ir_ld(g_ir, SEG_DS, 4, ir_const(g_ir, 0xfffe)));
	ir_movi(g_ir, ir_gpr(2), 99);
	ir_exit(g_ir, 3, 0);
	tb = build(true);
	g_v.s.gpr[2] = 0;
	g_v.pending_vector = -1;
	if (setjmp(jb) == 0) {
		interp_run(&g_v, tb);
		ck_abort_msg("no fault");
	}
	ck_assert_int_eq(g_v.pending_vector, EXC_GP);
	ck_assert_uint_eq(tb_cache_of(&g_v)->cur_insn, 2);
	ck_assert_uint_eq(g_v.s.gpr[0], 77);
	ck_assert_uint_eq(g_v.s.gpr[2], 0);
	tb_free(tb);
	g_v.exit_jmp = NULL;
}
END_TEST

/* Dead-store elimination: overwritten cc_* stores go, unless a faulting op or a
 * read sits between them. */
START_TEST(test_opt_dead_flags)
{
	unsigned n;

	ir_reset(g_ir);
	ir_movi(g_ir, ir_global(IR_G_CC_DST), 1);
	ir_set_cc_op(g_ir, CC_OP_ADDQ);
	ir_movi(g_ir, ir_global(IR_G_CC_DST), 2);
	ir_set_cc_op(g_ir, CC_OP_SUBQ);
	ir_exit(g_ir, 1, 0);
	ir_optimize(g_ir);
	ck_assert_uint_eq(g_ir->nops, 3);
	run(false);
	ck_assert_uint_eq(g_v.s.cc_dst, 2);
	ck_assert_uint_eq(g_v.s.cc_op, CC_OP_SUBQ);

	ir_reset(g_ir);
	ir_movi(g_ir, ir_global(IR_G_CC_DST), 1);
	ir_ld(g_ir, SEG_DS, 1, ir_const(g_ir, 0));      /* may fault: cc_dst must be exact */
	ir_movi(g_ir, ir_global(IR_G_CC_DST), 2);
	ir_exit(g_ir, 1, 0);
	n = g_ir->nops;
	ir_optimize(g_ir);
	ck_assert_uint_eq(g_ir->nops, n);

	/* folding: t = 2 + 3; rax = t * rcx; a dead temporary goes away */
	ir_reset(g_ir);
	g_v.s.gpr[1] = 7;
	{
		uint32_t t = ir_binop(g_ir, IR_add, ir_const(g_ir, 2), ir_const(g_ir, 3));
		ir_binop(g_ir, IR_sub, t, ir_gpr(1));
		ir_binop_to(g_ir, IR_mul, ir_gpr(0), t, ir_gpr(1));
	}
	ir_exit(g_ir, 1, 0);
	ir_optimize(g_ir);
	ck_assert_uint_eq(g_ir->nops, 2);
	run(false);
	ck_assert_uint_eq(g_v.s.gpr[0], 35);
}
END_TEST

static uint64_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	return *seed >> 33;
}

/* Random straight-line IR over the GPRs: optimized and unoptimized agree. */
START_TEST(test_opt_random)
{
	static const enum ir_opc bin[] = { IR_add, IR_sub, IR_and, IR_or, IR_xor, IR_shl, IR_shr,
					   IR_sar, IR_mul };
	uint64_t seed = 12345, init[16], want[16];

#define RND() rnd(&seed)
	for (unsigned prog = 0; prog < 300; prog++) {
		uint64_t pseed;
		uint32_t vals[64];
		unsigned nv = 0;

		for (unsigned r = 0; r < 16; r++)
			init[r] = RND() * 0x9e3779b97f4a7c15ull;
		pseed = seed;
		for (int pass = 0; pass < 2; pass++) {
			seed = pseed;
			ir_reset(g_ir);
			nv = 0;
			for (unsigned r = 0; r < 8; r++)
				vals[nv++] = ir_gpr(r);
			for (unsigned k = 0; k < 40; k++) {
				unsigned kind = RND() % 6;
				uint32_t a = vals[RND() % nv], c = RND() % 3 ? vals[RND() % nv] : ir_const(g_ir, RND() % 70);

				if (kind == 0)
					a = ir_const(g_ir, RND());
				if (kind <= 3) {
					uint32_t t = ir_binop(g_ir, bin[RND() % 9], a, c);
					if (nv < 64)
						vals[nv++] = t;
				} else if (kind == 4) {
					ir_mov(g_ir, ir_gpr(RND() % 8), a);
				} else {
					enum ir_opc o = bin[RND() % 9];

					ir_binop_to(g_ir, o, ir_gpr(RND() % 8), a, c);
				}
			}
			ir_exit(g_ir, 1, 0);
			memcpy(g_v.s.gpr, init, sizeof(init));
			run(pass == 1);
			if (pass == 0)
				memcpy(want, g_v.s.gpr, sizeof(want));
			else
				ck_assert_mem_eq(want, g_v.s.gpr, sizeof(want));
		}
	}
#undef RND
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_ir");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_arith);
	tcase_add_test(tc, test_unary_ext);
	tcase_add_test(tc, test_cond_select_bits);
	tcase_add_test(tc, test_branches);
	tcase_add_test(tc, test_memory_and_fault);
	tcase_add_test(tc, test_opt_dead_flags);
	tcase_add_test(tc, test_opt_random);
	suite_add_tcase(s, tc);
	return check_run(s);
}
