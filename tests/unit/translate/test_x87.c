/*
 * tests/unit/translate/test_x87.c - every x87 computational form, run by the
 * emulator (decoder, engine, translate/ops/x87_*.c, cpu/fpu.c) and natively on the
 * host with the same bytes, from random states with boundary values (zeros, -0,
 * denormals, pseudo-denormals, unnormals, QNaN/SNaN, infinities, huge and tiny
 * exponents), random stack depths (overflow/underflow), all rounding and precision
 * modes, masked and unmasked exceptions. The whole x87 state is compared through
 * FNSAVE (control, status, tag words, registers), plus RFLAGS and stored memory.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"
#include "translate/insn.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Input block (guest: RSI = EMU_DATA; native: second argument):
 *   +0 .. +127: eight 80-bit values, 16 bytes apart
 *   +128: FCW for the operation, +136: RFLAGS to load, +144: the memory operand (16)
 * Output block (guest: RDI = EMU_DATA + 0x1000; native: first argument):
 *   +0: FNSAVE image (108), +112: RFLAGS after, +120: stored memory operand (16) */
#define IN_FCW   128
#define IN_FL    136
#define IN_MEM   144
#define OUT_FL   112
#define OUT_MEM  120
#define OUT_SIZE 136

struct prog {
	uint8_t b[320];
	size_t n;
};

static void emit(struct prog *p, const uint8_t *bytes, size_t n)
{
	memcpy(p->b + p->n, bytes, n);
	p->n += n;
}

#define EMIT(p, ...) do { const uint8_t e_[] = { __VA_ARGS__ }; emit(p, e_, sizeof(e_)); } while (0)

/*
 * The guest program: fninit; fld m80 x depth (from [rsi + 16k]); fnclex;
 * fldcw [rsi+128]; <op>; fnsave [rdi]. op's memory operand is [rsi+144] for loads
 * and [rdi+120] for stores (disp32 forms). RFLAGS is set and read around it by the
 * harness; the native program does that itself (native_wrap).
 */
static void build(struct prog *p, unsigned depth, uint8_t op, uint8_t modrm, bool mem, bool store)
{
	p->n = 0;
	EMIT(p, 0xdb, 0xe3);
	for (unsigned k = 0; k < depth; k++)
		EMIT(p, 0xdb, 0x6e, (uint8_t)(16 * k));                 /* fld tword [rsi+d8] */
	EMIT(p, 0xdb, 0xe2);                                            /* fnclex */
	EMIT(p, 0xd9, 0xae, IN_FCW, 0, 0, 0);                          /* fldcw [rsi+128] */
	if (!mem)
		EMIT(p, op, modrm);
	else if (store)
		EMIT(p, op, (uint8_t)(0x87 | (modrm & 0x38)), OUT_MEM, 0, 0, 0);
	else
		EMIT(p, op, (uint8_t)(0x86 | (modrm & 0x38)), IN_MEM, 0, 0, 0);
	EMIT(p, 0xdd, 0x37);                                            /* fnsave [rdi] */
}

/* mov rax, [rsi+136]; push rax; popfq; <guest program>; pushfq; pop rax;
 * mov [rdi+112], rax; ret */
static void native_wrap(const struct prog *body, struct prog *p)
{
	p->n = 0;
	EMIT(p, 0x48, 0x8b, 0x86, IN_FL, 0, 0, 0);
	EMIT(p, 0x50, 0x9d);
	emit(p, body->b, body->n);
	EMIT(p, 0x9c, 0x58);
	EMIT(p, 0x48, 0x89, 0x47, OUT_FL);
	EMIT(p, 0xc3);
}

static uint8_t *g_native_code;

static void run_native(const struct prog *body, const uint8_t *in, uint8_t *out)
{
	void (*fn)(uint8_t *, const uint8_t *);
	struct prog p;

	native_wrap(body, &p);
	memcpy(g_native_code, p.b, p.n);
	__builtin___clear_cache((char *)g_native_code, (char *)g_native_code + p.n);
	fn = (void (*)(uint8_t *, const uint8_t *))(uintptr_t)g_native_code;
	fn(out, in);
}

static void run_guest(struct emu *e, const struct prog *p, const uint8_t *in, uint8_t *out,
		      const uint8_t *out_init)
{
	uint64_t fl;

	emu_load(e, EMU_CODE, p->b, p->n);
	emu_load(e, EMU_DATA, in, 160);
	emu_load(e, EMU_DATA + 0x1000, out_init, OUT_SIZE);
	e->v.s.gpr[6] = EMU_DATA;
	e->v.s.gpr[7] = EMU_DATA + 0x1000;
	memcpy(&fl, in + IN_FL, 8);
	cpu_set_rflags(&e->v.s, fl);
	emu_run_until(e, EMU_CODE, EMU_CODE + p->n, 1000);
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_int_eq(e->exit, RUN_EXIT_BREAKPOINT);
	emu_read(e, EMU_DATA + 0x1000, out, OUT_SIZE);
	fl = emu_rflags(e);
	memcpy(out + OUT_FL, &fl, 8);
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rnd_f80(uint8_t *p)
{
	uint16_t sign = (rnd() & 1) ? 0x8000 : 0, sexp;
	uint64_t m = rnd();

	switch (rnd() % 12) {
	case 0: sexp = sign; m = 0; break;
	case 1: sexp = sign; m >>= 1; break;                            /* denormal */
	case 2: sexp = sign; m |= 1ull << 63; break;                    /* pseudo-denormal */
	case 3: sexp = sign | 0x7fff; m = 1ull << 63; break;            /* infinity */
	case 4: sexp = sign | 0x7fff; m |= 3ull << 62; break;           /* QNaN */
	case 5: sexp = sign | 0x7fff; m = (m >> 2) | 1 | (1ull << 63); break; /* SNaN */
	case 6: sexp = sign | (uint16_t)(1 + rnd() % 0x7ffe); m >>= 1; break; /* unnormal */
	case 7: sexp = sign | (uint16_t)(0x7ff0 + rnd() % 14); m |= 1ull << 63; break;
	case 8: sexp = sign | (uint16_t)(1 + rnd() % 16); m |= 1ull << 63; break;
	case 9: sexp = sign | (uint16_t)(0x3fff + rnd() % 64); m |= 1ull << 63; break; /* integers */
	default: sexp = sign | (uint16_t)(0x3f00 + rnd() % 0x200); m |= 1ull << 63; break;
	}
	memcpy(p, &m, 8);
	memcpy(p + 8, &sexp, 2);
}

/* Memory operands: random bit patterns, or an 80-bit value's image for m80. */
static void rnd_in(uint8_t *in, uint8_t op, unsigned reg)
{
	uint16_t fcw;
	uint64_t fl = ((rnd() & (RFLAGS_ARITH)) | RFLAGS_FIXED1);

	memset(in, 0, 160);
	for (unsigned k = 0; k < 8; k++)
		rnd_f80(in + 16 * k);
	/* Random RC and PC; exceptions masked most of the time, each unmasked 1 in 4. */
	fcw = (uint16_t)(((rnd() % 4) << FCW_RC_SHIFT) | ((rnd() % 4) << FCW_PC_SHIFT) | 0x40);
	if (rnd() % 3)
		fcw |= FSW_EXC;
	else
		fcw |= (uint16_t)(rnd() & rnd() & FSW_EXC);
	memcpy(in + IN_FCW, &fcw, 2);
	memcpy(in + IN_FL, &fl, 8);
	if ((op == 0xdb && reg == 5) || (op == 0xdf && reg == 4) || rnd() % 2) {
		rnd_f80(in + IN_MEM);
		if (op == 0xdf && reg == 4 && rnd() % 2)                /* valid packed BCD */
			for (unsigned k = 0; k < 9; k++)
				in[IN_MEM + k] = (uint8_t)((rnd() % 10) << 4 | rnd() % 10);
	} else {
		for (unsigned k = 0; k < 16; k++)
			in[IN_MEM + k] = (uint8_t)rnd();
	}
}

/* The parts of the FNSAVE image to compare: FCW, FSW, FTW and the non-empty registers. The
 * pointers and FOP are not compared (host addresses; this host deprecates FCS/FDS
 * and records FOP only on unmasked exceptions). */
static void check_same(const uint8_t *g, const uint8_t *n, uint8_t op, uint8_t modrm, const uint8_t *in)
{
	char what[64];

	snprintf(what, sizeof(what), "%02x %02x fcw %04x", op, modrm, in[IN_FCW] | in[IN_FCW + 1] << 8);
	ck_assert_msg(!memcmp(g + 0, n + 0, 2), "FCW differs: %s", what);
	ck_assert_msg(!memcmp(g + 4, n + 4, 2), "FSW differs: %s: %02x%02x vs %02x%02x", what,
		      g[5], g[4], n[5], n[4]);
	ck_assert_msg(!memcmp(g + 8, n + 8, 2), "FTW differs: %s", what);
	/* Empty registers keep whatever an earlier computation left: compare the others. */
	for (unsigned k = 0; k < 8; k++) {
		unsigned top = (g[5] >> 3) & 7, phys = (top + k) & 7;

		if (((g[8] | g[9] << 8) >> (2 * phys) & 3) != 3)
			ck_assert_msg(!memcmp(g + 28 + 10 * k, n + 28 + 10 * k, 10), "ST(%u) differs: %s",
				      k, what);
	}
	ck_assert_msg((*(const uint64_t *)(g + OUT_FL) & RFLAGS_ARITH) ==
		      (*(const uint64_t *)(n + OUT_FL) & RFLAGS_ARITH), "RFLAGS differ: %s", what);
	ck_assert_msg(!memcmp(g + OUT_MEM, n + OUT_MEM, 16), "stored memory differs: %s", what);
}

/* Forms the decoder does not know (undocumented aliases it may leave out) are #UD in
 * the emulator; they are not compared. */
static bool decodes(uint8_t op, uint8_t modrm)
{
	const uint8_t bytes[6] = { op, modrm, 0, 0, 0, 0 };
	struct x86_insn insn;

	return x86_decode(&insn, bytes, sizeof(bytes), 8) == 0;
}

static void diff_form(struct emu *e, uint8_t op, uint8_t modrm, unsigned trials)
{
	bool mem = (modrm >> 6) != 3, store = false;
	uint8_t in[160], gout[OUT_SIZE], nout[OUT_SIZE], init[OUT_SIZE];
	struct prog p;

	if (mem && !fpu_mem_form(op, (modrm >> 3) & 7, &store))
		return;
	if (!mem && !fpu_host_form_ok(op, modrm))
		return;
	if (!decodes(op, modrm))
		return;
	for (unsigned t = 0; t < trials; t++) {
		unsigned depth = (unsigned)(rnd() % 10);

		depth = depth > 8 ? 8 : depth;
		rnd_in(in, op, (modrm >> 3) & 7);
		memset(init, 0xa5, sizeof(init));
		memcpy(gout, init, sizeof(init));
		memcpy(nout, init, sizeof(init));
		build(&p, depth, op, modrm, mem, store);
		run_native(&p, in, nout);
		run_guest(e, &p, in, gout, init);
		check_same(gout, nout, op, modrm, in);
	}
}

static struct emu *g_emu;

static void setup(void)
{
	g_native_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g_native_code, MAP_FAILED);
	g_emu = emu_new(EMU_LONG64, 0);
	g_emu->v.s.cr0 |= CR0_NE;
}

static void teardown(void)
{
	emu_free(g_emu);
	munmap(g_native_code, 4096);
}

/* Register forms, one opcode byte per test (_i = 0..7 -> D8..DF). */
START_TEST(test_reg_forms)
{
	uint8_t op = (uint8_t)(0xd8 + _i);

	for (unsigned m = 0xc0; m <= 0xff; m++)
		diff_form(g_emu, op, (uint8_t)m, 24);
}
END_TEST

/* Memory forms (loads and stores of every size and type). */
START_TEST(test_mem_forms)
{
	uint8_t op = (uint8_t)(0xd8 + _i);

	for (unsigned reg = 0; reg < 8; reg++)
		diff_form(g_emu, op, (uint8_t)(reg << 3), 150);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x87");
	TCase *tc = tcase_create("diff");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_reg_forms, 0, 8);
	tcase_add_loop_test(tc, test_mem_forms, 0, 8);
	suite_add_tcase(s, tc);
	return check_run(s);
}
