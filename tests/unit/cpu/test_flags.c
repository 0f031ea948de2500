/*
 * tests/unit/cpu/test_flags.c - lazy flags (cpu/flags.c): hand-computed cases per
 * cc_op, condition codes, and a cross-check of the defined flags against the host.
 */
#include "tests/unit/common/check_run.h"
#include "cpu/cpu.h"

#include <check.h>
#include <stdlib.h>

#define C RFLAGS_CF
#define P RFLAGS_PF
#define A RFLAGS_AF
#define Z RFLAGS_ZF
#define S RFLAGS_SF
#define O RFLAGS_OF

struct flag_case {
	uint32_t op;
	uint64_t dst, src, src2;
	uint32_t want;
	const char *what;
};

static const struct flag_case g_cases[] = {
	/* 0x7f + 1 = 0x80: signed overflow, AF from bit 3 carry */
	{ CC_OP_ADDB, 0x80, 0x01, 0, O | S | A, "add 7f+1" },
	{ CC_OP_ADDB, 0x00, 0x01, 0, C | Z | P | A, "add ff+1" },
	{ CC_OP_ADDW, 0x0000, 0x8000, 0, C | Z | P | O, "add 8000+8000" },
	{ CC_OP_ADDL, 0x3, 0x1, 0, P, "add 2+1" },
	{ CC_OP_ADDQ, 0, 0x8000000000000000ull, 0, C | O | Z | P, "add 8000..+8000..." },
	/* values carrying bits above the size must be ignored */
	{ CC_OP_ADDB, 0x1234500, 0x1234501, 0, C | Z | P | A, "add ff+1 dirty" },
	{ CC_OP_ADCB, 0x00, 0xff, 1, C | Z | P | A, "adc 0+ff+1" },
	{ CC_OP_ADCB, 0xff, 0xff, 0, S | P, "adc 0+ff+0" },
	{ CC_OP_ADCL, 0x0, 0xffffffffu, 1, C | Z | P | A, "adc 0+ffffffff+1" },
	{ CC_OP_ADCQ, 0x8000000000000000ull, 0x7fffffffffffffffull, 1, O | S | P | A, "adc 0+7f..+1" },
	/* 1 - 2 = ff: borrow */
	{ CC_OP_SUBB, 0xff, 0x02, 0, C | S | P | A, "sub 1-2" },
	{ CC_OP_SUBB, 0x7f, 0x01, 0, O | A, "sub 80-1" },
	{ CC_OP_SUBL, 0, 5, 0, Z | P, "cmp 5,5" },
	{ CC_OP_SUBQ, 1, 0xffffffffffffffffull, 0, C | A, "sub 0-(-1)" },
	{ CC_OP_SBBB, 0xff, 0x00, 1, C | S | P | A, "sbb 0-0-1" },
	{ CC_OP_SBBW, 0x0000, 0xffff, 1, C | Z | P | A, "sbb 0-ffff-1" },
	{ CC_OP_LOGICB, 0x80, 0, 0, S, "and ->80" },
	{ CC_OP_LOGICQ, 0, 0, 0, Z | P, "xor r,r" },
	{ CC_OP_INCB, 0x80, 1, 0, C | O | S | A, "inc 7f, CF kept" },
	{ CC_OP_INCW, 0x0000, 0, 0, Z | P | A, "inc ffff" },
	{ CC_OP_DECB, 0x7f, 0, 0, O | A, "dec 80" },
	{ CC_OP_DECL, 0xffffffffu, 1, 0, C | S | P | A, "dec 0, CF kept" },
	/* shl al,1 of 0xc0: res 0x80, CF 1, OF = 1^1 = 0 */
	{ CC_OP_SHLB, 0x80, 0xc0, 0xc0, C | S, "shl c0,1" },
	/* shl al,1 of 0x40: res 0x80, CF 0, OF 1 */
	{ CC_OP_SHLB, 0x80, 0x40, 0x40, O | S, "shl 40,1" },
	/* shr al,1 of 0x81: res 0x40, CF 1, OF = old MSB 1 */
	{ CC_OP_SARB, 0x40, 0x81, 0x81, C | O, "shr 81,1" },
	/* sar al,1 of 0x81: res 0xc0, CF 1, OF 0 */
	{ CC_OP_SARB, 0xc0, 0x81, 0x81, C | S | P, "sar 81,1" },
	{ CC_OP_MULL, 0, 0, 0, P, "mul ->0 (Intel: ZF 0)" },
	{ CC_OP_MULQ, 0x8000000000000001ull, 1, 0, C | O | S, "mul high set" },
};

START_TEST(test_cases)
{
	const struct flag_case *c = &g_cases[_i];
	struct cpu_state s = { 0 };

	cc_set(&s, c->op, c->dst, c->src, c->src2);
	ck_assert_msg(cc_compute_all(&s) == c->want, "%s: got %03x want %03x", c->what,
		      cc_compute_all(&s), c->want);
	ck_assert_uint_eq(cc_compute_cf(&s), c->want & C);
}
END_TEST

START_TEST(test_rflags_roundtrip)
{
	struct cpu_state s = { 0 };

	cpu_set_rflags(&s, ~0ull);
	/* reserved bits 3, 5, 15, 22-63 read as 0, bit 1 as 1 */
	ck_assert_uint_eq(cpu_get_rflags(&s), 0x3f7fd7ull);
	cpu_set_rflags(&s, RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	cc_set(&s, CC_OP_SUBL, 0, 5, 0);
	ck_assert_uint_eq(cpu_get_rflags(&s), RFLAGS_IF | RFLAGS_DF | RFLAGS_FIXED1 | Z | P);
	cc_set_arith(&s, C | O);
	ck_assert_uint_eq(s.cc_op, CC_OP_EFLAGS);
	ck_assert_uint_eq(cpu_get_rflags(&s), RFLAGS_IF | RFLAGS_DF | RFLAGS_FIXED1 | C | O);
}
END_TEST

/* The truth table of SDM vol. 1, B.1 on every combination of the flags it reads. */
START_TEST(test_cc_eval_table)
{
	struct cpu_state s = { 0 };

	for (unsigned m = 0; m < 32; m++) {
		uint32_t f = ((m & 1) ? O : 0) | ((m & 2) ? C : 0) | ((m & 4) ? Z : 0) |
			     ((m & 8) ? S : 0) | ((m & 16) ? P : 0);
		bool of = f & O, cf = f & C, zf = f & Z, sf = f & S, pf = f & P;
		bool want[8] = { of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of };

		cpu_set_rflags(&s, f);
		for (unsigned cc = 0; cc < 16; cc++)
			ck_assert_msg(cc_eval(&s, cc) == (want[cc >> 1] ^ (cc & 1)),
				      "cc %u flags %03x", cc, f);
	}
}
END_TEST

/* The fast CMP path must agree with the generic one. */
START_TEST(test_cc_eval_sub_fast)
{
	static const uint64_t vals[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000u, 0xffffffffu,
					 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
	struct cpu_state s = { 0 };
	unsigned n = sizeof(vals) / sizeof(vals[0]);

	for (unsigned idx = 0; idx < 4; idx++)
		for (unsigned x = 0; x < n; x++)
			for (unsigned y = 0; y < n; y++) {
				uint64_t a = vals[x], b = vals[y];
				uint32_t f;

				cc_set(&s, CC_OP_SUBB + idx, a - b, b, 0);
				f = cc_compute_all(&s);
				for (unsigned cc = 0; cc < 16; cc++) {
					struct cpu_state t = { 0 };

					cpu_set_rflags(&t, f);
					ck_assert_msg(cc_eval(&s, cc) == cc_eval(&t, cc),
						      "size %u %lx-%lx cc %u", idx, a, b, cc);
				}
			}
}
END_TEST

#if defined(__x86_64__)
/* Host flags of `insn` (AT&T, operands %0 = a, %1 = b) with CF = cin on entry. */
#define HOST_FLAGS(insn, a, b, cin) ({ uint64_t _a = (a), _b = (b), _f = (cin) ? 0x203 : 0x202; \
	__asm__ volatile("push %2; popfq; " insn "; pushfq; pop %2" \
			 : "+r"(_a), "+r"(_b), "+r"(_f) : : "cc"); _f & RFLAGS_ARITH; })

static uint64_t rnd64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Interesting operands: boundary values most of the time, random otherwise. */
static uint64_t pick(uint64_t *x)
{
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000u, 0xffffffffu, ~0ull,
					 0x7fffffffffffffffull, 0x8000000000000000ull, 0x0f, 0x10 };
	uint64_t r = rnd64(x);

	return (r & 1) ? edge[(r >> 1) & 15] : rnd64(x);
}

START_TEST(test_host_add_sub)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct cpu_state s = { 0 };

	for (int n = 0; n < 20000; n++) {
		uint64_t a = pick(&x), b = pick(&x);
		unsigned cin = rnd64(&x) & 1;

		cc_set(&s, CC_OP_ADDQ, a + b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("add %1, %0", a, b, 0));
		cc_set(&s, CC_OP_ADDL, a + b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("add %k1, %k0", a, b, 0));
		cc_set(&s, CC_OP_ADDW, a + b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("add %w1, %w0", a, b, 0));
		cc_set(&s, CC_OP_ADDB, a + b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("add %b1, %b0", a, b, 0));
		cc_set(&s, CC_OP_SUBQ, a - b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("sub %1, %0", a, b, 0));
		cc_set(&s, CC_OP_SUBW, a - b, b, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("sub %w1, %w0", a, b, 0));
		cc_set(&s, CC_OP_ADCQ, a + b + cin, b, cin);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("adc %1, %0", a, b, cin));
		cc_set(&s, CC_OP_ADCB, a + b + cin, b, cin);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("adc %b1, %b0", a, b, cin));
		cc_set(&s, CC_OP_SBBL, a - b - cin, b, cin);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("sbb %k1, %k0", a, b, cin));
		cc_set(&s, CC_OP_SBBQ, a - b - cin, b, cin);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("sbb %1, %0", a, b, cin));
		cc_set(&s, CC_OP_LOGICL, a & b, 0, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("and %k1, %k0", a, b, 0));
		cc_set(&s, CC_OP_INCW, a + 1, cin, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("inc %w0", a, b, cin));
		cc_set(&s, CC_OP_DECQ, a - 1, cin, 0);
		ck_assert_uint_eq(cc_compute_all(&s), HOST_FLAGS("dec %0", a, b, cin));
	}
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("cpu_flags");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cases, 0, sizeof(g_cases) / sizeof(g_cases[0]));
	tcase_add_test(tc, test_rflags_roundtrip);
	tcase_add_test(tc, test_cc_eval_table);
	tcase_add_test(tc, test_cc_eval_sub_fast);
#if defined(__x86_64__)
	tcase_add_test(tc, test_host_add_sub);
#endif
	suite_add_tcase(s, tc);
	return check_run(s);
}
