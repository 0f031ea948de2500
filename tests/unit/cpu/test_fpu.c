/*
 * tests/unit/cpu/test_fpu.c - the host-x87 primitives of cpu/fpu.c: guest state in,
 * host unit runs the instruction, state and flags out, compared with the same
 * computation done natively on the host.
 */
#include "tests/unit/common/check_run.h"
#include "cpu/cpu.h"

#include <check.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

static struct fpreg ld2reg(long double x)
{
	struct fpreg r;

	memcpy(&r.mant, &x, 8);
	memcpy(&r.sexp, (char *)&x + 8, 2);
	return r;
}

static long double reg2ld(struct fpreg r)
{
	long double x = 0;

	memcpy(&x, &r.mant, 8);
	memcpy((char *)&x + 8, &r.sexp, 2);
	return x;
}

static struct fpreg mkreg(uint16_t sexp, uint64_t mant)
{
	struct fpreg r = { .mant = mant, .sexp = sexp };

	return r;
}

/* A guest x87 state after FNINIT with vals pushed (vals[0] ends as ST(0)). */
static void setup(struct cpu_state *s, uint16_t fcw, const long double *vals, unsigned n)
{
	memset(s, 0, sizeof(*s));
	fpu_init(s);
	s->fcw = fcw;
	for (unsigned k = n; k-- > 0;) {
		unsigned top = (fpu_top(s) - 1) & 7;

		s->fsw = (s->fsw & ~FSW_TOP) | (top << FSW_TOP_SHIFT);
		s->st[top] = ld2reg(vals[k]);
		s->ftw &= ~(3u << (2 * top));
	}
	fpu_set_tags_from_abridged(s, fpu_abridged_tags(s));
}

static struct fpreg st(const struct cpu_state *s, unsigned i)
{
	return s->st[(fpu_top(s) + i) & 7];
}

static bool reg_eq(struct fpreg a, struct fpreg b)
{
	return a.mant == b.mant && a.sexp == b.sexp;
}

/* Native reference: ST(0) = a op b under control word cw, with the status word read
 * in the same asm statement (a compiler-generated FSTP would change C1). */
static long double native_binop(uint16_t cw, long double a, long double b, int op, uint16_t *sw)
{
	uint16_t old;
	long double r;

#define NATIVE(insn) __asm__ volatile("fnstcw %[old]\n\tfnclex\n\tfldcw %[cw]\n\t" insn "\n\t" \
				      "fnstsw %[sw]\n\tfnclex\n\tfldcw %[old]" \
				      : "=t"(r), [sw] "=m"(*sw), [old] "=m"(old) \
				      : "0"(a), "u"(b), [cw] "m"(cw))
	switch (op) {
	case 0: NATIVE("fadd %%st(1), %%st"); break;
	case 1: NATIVE("fmul %%st(1), %%st"); break;
	case 2: NATIVE("fsub %%st(1), %%st"); break;
	default: NATIVE("fdiv %%st(1), %%st"); break;
	}
#undef NATIVE
	return r;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Interesting operands: zeros, denormals, pseudo-denormals, unnormals, NaNs, infinities,
 * huge and tiny exponents, and random normals. */
static struct fpreg rnd_reg(void)
{
	uint16_t sign = (rnd() & 1) ? 0x8000 : 0;
	uint64_t m = rnd();

	switch (rnd() % 12) {
	case 0: return mkreg(sign, 0);
	case 1: return mkreg(sign, m >> 1);                         /* denormal */
	case 2: return mkreg(sign, m | (1ull << 63));               /* pseudo-denormal */
	case 3: return mkreg(sign | 0x7fff, 1ull << 63);            /* infinity */
	case 4: return mkreg(sign | 0x7fff, m | (3ull << 62));      /* QNaN */
	case 5: return mkreg(sign | 0x7fff, ((m >> 2) | 1) | (1ull << 63)); /* SNaN */
	case 6: return mkreg(sign | (uint16_t)(1 + rnd() % 0x7ffe), m >> 1); /* unnormal */
	case 7: return mkreg(sign | (uint16_t)(0x7ff0 + rnd() % 14), m | (1ull << 63));
	case 8: return mkreg(sign | (uint16_t)(1 + rnd() % 16), m | (1ull << 63));
	default: return mkreg(sign | (uint16_t)(0x3f00 + rnd() % 0x200), m | (1ull << 63));
	}
}

START_TEST(test_binop_matches_native)
{
	static const uint8_t modrm[4] = { 0xc1, 0xc9, 0xe1, 0xf1 };   /* FADD/FMUL/FSUB/FDIV ST,ST(1) */

	for (unsigned n = 0; n < 4000; n++) {
		struct cpu_state s;
		long double v[2];
		uint16_t cw = (uint16_t)(0x7f | ((rnd() % 4) << FCW_RC_SHIFT) |
					 ((rnd() % 2 ? 3 : rnd() % 3) << FCW_PC_SHIFT));
		int op = (int)(rnd() % 4);
		uint16_t nsw, raised;
		uint64_t fl = 0;
		long double want;

		v[0] = reg2ld(rnd_reg());
		v[1] = reg2ld(rnd_reg());
		setup(&s, cw, v, 2);
		raised = fpu_host_exec(&s, 0xd8, modrm[op], NULL, &fl);
		want = native_binop(cw, v[0], v[1], op, &nsw);
		ck_assert_msg(reg_eq(st(&s, 0), ld2reg(want)), "op %d cw %x", op, cw);
		ck_assert_uint_eq(raised, nsw & (FSW_EXC | FSW_SF));
		ck_assert_uint_eq(s.fsw & FSW_CC, nsw & FSW_CC);
		ck_assert_uint_eq(fpu_top(&s), 6);
		ck_assert(!(s.fsw & FSW_ES));
	}
}
END_TEST

START_TEST(test_stack_overflow_underflow)
{
	struct cpu_state s;
	long double v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint64_t fl = 0;
	uint16_t raised;

	/* SDM vol. 1, 8.5.1.1: push onto a full stack: IE, SF, C1=1, QNaN indefinite. */
	setup(&s, FCW_INIT, v, 8);
	raised = fpu_host_exec(&s, 0xd9, 0xc0, NULL, &fl);          /* FLD ST(0) */
	ck_assert_uint_eq(raised, FSW_IE | FSW_SF);
	ck_assert(s.fsw & FSW_C1);
	ck_assert(reg_eq(st(&s, 0), mkreg(0xffff, 0xc000000000000000ull)));
	ck_assert_uint_eq(fpu_top(&s), 7);

	/* Underflow: FADD with an empty ST(1): IE, SF, C1=0. */
	setup(&s, FCW_INIT, v, 1);
	raised = fpu_host_exec(&s, 0xd8, 0xc1, NULL, &fl);
	ck_assert_uint_eq(raised, FSW_IE | FSW_SF);
	ck_assert(!(s.fsw & FSW_C1));
	ck_assert(reg_eq(st(&s, 0), mkreg(0xffff, 0xc000000000000000ull)));
	/* Sticky: a later clean op keeps the flags. */
	setup(&s, FCW_INIT, v, 2);
	s.fsw |= FSW_IE | FSW_SF;
	raised = fpu_host_exec(&s, 0xd8, 0xc1, NULL, &fl);
	ck_assert_uint_eq(raised, 0);
	ck_assert_uint_eq(s.fsw & (FSW_IE | FSW_SF), FSW_IE | FSW_SF);
	ck_assert(reg_eq(st(&s, 0), ld2reg(3.0L)));
}
END_TEST

START_TEST(test_unmasked_responses)
{
	struct cpu_state s;
	long double v[2] = { 0.0L, 0.0L };
	uint64_t fl = 0;
	uint16_t raised;

	/* Unmasked invalid (0/0): ST(0) unchanged, ES and B set, nothing traps on the host. */
	setup(&s, FCW_INIT & ~FSW_IE, v, 2);
	raised = fpu_host_exec(&s, 0xd8, 0xf1, NULL, &fl);
	ck_assert_uint_eq(raised & FSW_IE, FSW_IE);
	ck_assert(reg_eq(st(&s, 0), ld2reg(0.0L)));
	ck_assert_uint_eq(s.fsw & (FSW_ES | FSW_B), FSW_ES | FSW_B);

	/* Unmasked overflow to a register: the exponent is biased down by 24576
	 * (SDM vol. 1, 8.5.4). */
	v[0] = ldexpl(1.5L, 16000);
	v[1] = ldexpl(1.0L, 16000);
	setup(&s, FCW_INIT & ~FSW_OE, v, 2);
	raised = fpu_host_exec(&s, 0xd8, 0xc9, NULL, &fl);            /* FMUL */
	ck_assert(raised & FSW_OE);
	ck_assert_uint_eq(st(&s, 0).sexp, 0x3fff + 32000 - 24576);
	ck_assert(s.fsw & FSW_ES);

	/* The host unit is clean afterwards: native long double math works. */
	{
		volatile long double a = 1.0L, b = 3.0L;
		long double c = a / b;

		ck_assert(c > 0.333L && c < 0.334L);
	}
}
END_TEST

START_TEST(test_fcomi_fcmov)
{
	struct cpu_state s;
	long double v[2] = { 1.0L, 2.0L };
	uint64_t fl = RFLAGS_OF | RFLAGS_SF;

	setup(&s, FCW_INIT, v, 2);
	fpu_host_exec(&s, 0xdb, 0xf1, NULL, &fl);                     /* FCOMI ST, ST(1) */
	ck_assert_uint_eq(fl & RFLAGS_ARITH, RFLAGS_CF);              /* 1 < 2 */

	v[0] = NAN;
	setup(&s, FCW_INIT, v, 2);
	fpu_host_exec(&s, 0xdb, 0xe9, NULL, &fl);                     /* FUCOMI: unordered */
	ck_assert_uint_eq(fl & RFLAGS_ARITH, RFLAGS_CF | RFLAGS_PF | RFLAGS_ZF);

	v[0] = 1.0L;
	setup(&s, FCW_INIT, v, 2);
	fl = 0;
	fpu_host_exec(&s, 0xda, 0xc1, NULL, &fl);                     /* FCMOVB, CF=0 */
	ck_assert(reg_eq(st(&s, 0), ld2reg(1.0L)));
	fl = RFLAGS_CF;
	fpu_host_exec(&s, 0xda, 0xc1, NULL, &fl);                     /* FCMOVB, CF=1 */
	ck_assert(reg_eq(st(&s, 0), ld2reg(2.0L)));
}
END_TEST

START_TEST(test_memory_forms)
{
	struct cpu_state s;
	uint8_t buf[16];
	long double v[1] = { 1.0L / 3.0L };
	uint64_t fl = 0;
	uint16_t raised;
	float f;
	uint32_t bits = 1;                                           /* smallest denormal */

	/* FLD m32 of a denormal: DE, exact value. */
	setup(&s, FCW_INIT, NULL, 0);
	memcpy(buf, &bits, 4);
	raised = fpu_host_exec(&s, 0xd9, 0x07, buf, &fl);
	ck_assert_uint_eq(raised, FSW_DE);
	ck_assert(reg_eq(st(&s, 0), ld2reg(ldexpl(1.0L, -149))));

	/* FSTP m32 rounds per RC: round up vs down. */
	setup(&s, FCW_INIT | (2u << FCW_RC_SHIFT), v, 1);
	raised = fpu_host_exec(&s, 0xd9, 0x1f, buf, &fl);
	memcpy(&f, buf, 4);
	ck_assert(f > (float)v[0] - 1e-7f && (long double)f > v[0]);
	ck_assert_uint_eq(raised, FSW_PE);
	ck_assert_uint_eq(fpu_top(&s), 0);
	ck_assert(s.fsw & FSW_C1);                                    /* rounded up */

	/* FISTP m16 out of range: integer indefinite, IE. */
	v[0] = 70000.0L;
	setup(&s, FCW_INIT, v, 1);
	raised = fpu_host_exec(&s, 0xdf, 0x1f, buf, &fl);
	ck_assert_uint_eq(raised, FSW_IE);
	ck_assert_uint_eq(buf[0] | (buf[1] << 8), 0x8000);

	/* FBSTP then FBLD round trip. */
	v[0] = -1234567.0L;
	setup(&s, FCW_INIT, v, 1);
	fpu_host_exec(&s, 0xdf, 0x37, buf, &fl);
	ck_assert_uint_eq(buf[0], 0x67);
	ck_assert_uint_eq(buf[3], 0x01);
	ck_assert_uint_eq(buf[9], 0x80);
	fpu_host_exec(&s, 0xdf, 0x27, buf, &fl);
	ck_assert(reg_eq(st(&s, 0), ld2reg(-1234567.0L)));

	ck_assert_uint_eq(fpu_mem_form(0xdb, 7, &(bool){ false }), 10);
	ck_assert_uint_eq(fpu_mem_form(0xd9, 5, &(bool){ false }), 0);
}
END_TEST

START_TEST(test_tags_and_forms)
{
	struct cpu_state s;

	memset(&s, 0, sizeof(s));
	s.st[0] = mkreg(0x3fff, 1ull << 63);
	s.st[1] = mkreg(0x8000, 0);
	s.st[2] = mkreg(0, 1);
	s.st[3] = mkreg(0x4000, 1);                                  /* unnormal */
	s.st[4] = mkreg(0x7fff, 1ull << 63);
	s.ftw = 0xc000;                                              /* R7 empty */
	ck_assert_uint_eq(fpu_tag_word(&s), 0xc000 | (1 << 12) | (1 << 10) | (2 << 8) | (2 << 6) |
			  (2 << 4) | (1 << 2));
	ck_assert_uint_eq(fpu_abridged_tags(&s), 0x7f);
	fpu_set_tags_from_abridged(&s, 0x03);
	ck_assert_uint_eq(s.ftw, 0xfff4);

	ck_assert(fpu_host_form_ok(0xd9, 0xc8));
	ck_assert(!fpu_host_form_ok(0xd9, 0xd1));
	ck_assert(!fpu_host_form_ok(0xd9, 0xef));
	ck_assert(fpu_host_form_ok(0xda, 0xe9));
	ck_assert(!fpu_host_form_ok(0xda, 0xea));
	ck_assert(!fpu_host_form_ok(0xdb, 0xe3));
	ck_assert(!fpu_host_form_ok(0xdd, 0xf0));
	ck_assert(fpu_host_form_ok(0xde, 0xd9));
	ck_assert(!fpu_host_form_ok(0xde, 0xd8));
	ck_assert(!fpu_host_form_ok(0xdf, 0xe0));
	ck_assert(fpu_host_form_ok(0xdf, 0xf7));
	ck_assert(!fpu_host_form_ok(0xdd, 0x30));                    /* FNSAVE: in C */
	ck_assert(!fpu_host_form_ok(0x90, 0xc0));
}
END_TEST

/* Every whitelisted register form runs on the host without a fault, from a
 * state with a mix of empty and special registers. */
START_TEST(test_all_forms_run)
{
	for (unsigned op = 0xd8; op <= 0xdf; op++)
		for (unsigned m = 0; m < 256; m++) {
			struct cpu_state s;
			long double v[3] = { 2.5L, -0.0L, INFINITY };
			uint8_t buf[16] = { 0 };
			uint64_t fl = 0;

			if (!fpu_host_form_ok((uint8_t)op, (uint8_t)m))
				continue;
			setup(&s, FCW_INIT, v, 3);
			fpu_host_exec(&s, (uint8_t)op, (uint8_t)m, (m >> 6) == 3 ? NULL : buf, &fl);
		}
}
END_TEST

START_TEST(test_nm_mf)
{
	static struct vcpu v;
	jmp_buf jb;

	memset(&v, 0, sizeof(v));
	v.exit_jmp = &jb;
	v.s.cr0 = CR0_PE | CR0_NE | CR0_TS;
	if (!setjmp(jb)) {
		fpu_check_avail(&v, false);
		ck_abort_msg("no #NM");
	}
	ck_assert_int_eq(v.pending_vector, EXC_NM);
	v.pending_vector = -1;
	fpu_check_avail(&v, true);                                   /* WAIT: TS without MP */
	v.s.cr0 |= CR0_MP;
	if (!setjmp(jb)) {
		fpu_check_avail(&v, true);
		ck_abort_msg("no #NM for WAIT");
	}
	v.s.cr0 = CR0_PE | CR0_NE | CR0_EM;
	fpu_check_avail(&v, true);                                   /* WAIT ignores EM */
	fpu_init(&v.s);
	v.s.fsw = FSW_PE;
	fpu_update_es(&v.s);
	fpu_check_pending(&v);                                       /* masked: nothing */
	v.s.fcw &= ~FSW_PE;
	fpu_update_es(&v.s);
	v.pending_vector = -1;
	if (!setjmp(jb)) {
		fpu_check_pending(&v);
		ck_abort_msg("no #MF");
	}
	ck_assert_int_eq(v.pending_vector, EXC_MF);
	v.s.cr0 &= ~CR0_NE;
	fpu_check_pending(&v);                                       /* IGNNE# behaviour */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_fpu");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_binop_matches_native);
	tcase_add_test(tc, test_stack_overflow_underflow);
	tcase_add_test(tc, test_unmasked_responses);
	tcase_add_test(tc, test_fcomi_fcmov);
	tcase_add_test(tc, test_memory_forms);
	tcase_add_test(tc, test_tags_and_forms);
	tcase_add_test(tc, test_all_forms_run);
	tcase_add_test(tc, test_nm_mf);
	suite_add_tcase(s, tc);
	return check_run(s);
}
