/*
 * tests/unit/translate/test_sse.c - MMX/SSE..SSE4.2 handlers, differentially: each
 * instruction runs in the emulator (tests/unit/common/emu.h, 64-bit mode) and natively
 * in this process on the same state (all XMM and MMX registers, a few GPRs, MXCSR, 64
 * bytes of memory at [rsi]) and every register, flag and byte must agree. States mix
 * boundary values (zeros, denormals, infinities, NaNs, integer extremes) with random
 * ones, under all rounding modes, DAZ/FTZ on and off, and with exceptions unmasked:
 * natively an unmasked exception arrives as SIGFPE, and the emulator must then stop
 * with #XM, the same MXCSR, and nothing else changed. Plus the fault rules that cannot
 * be run natively (#UD, #NM, #GP alignment, LDMXCSR reserved bits, #MF).
 */
#include "tests/unit/common/check_run.h"
#include "cpu/simd.h"
#include "../common/cpufix.h"
#include "../common/emu.h"
#include "translate/opcodes.h"

#include <check.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* Check's ck_assert records every passing assertion too; the loops here make
 * millions, so only a failure reaches Check. */
#define CHECK(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)


/* ---------------------------------------------------------------- the state */

struct sse_state {
	uint8_t xmm[16][16];
	uint64_t mm[8];
	uint64_t gpr[8];        /* by encoding; rsp (4) unused, rsi/rdi point at mem */
	uint64_t rflags;
	uint32_t mxcsr;
	uint32_t pad;
	uint8_t mem[64] __attribute__((aligned(16)));
} __attribute__((aligned(16)));

#define ST_OFF(f) ((int32_t)offsetof(struct sse_state, f))

/* ---------------------------------------------------------------- native runner */

static uint8_t *g_code;
static size_t g_len;

static void emit(const void *b, size_t n) { memcpy(g_code + g_len, b, n); g_len += n; }
static void emit1(uint8_t b) { g_code[g_len++] = b; }
static void emit_disp(int32_t d) { emit(&d, 4); }

/* [r15 + disp32] with the given REX bits and opcode bytes, ModRM.reg = reg. */
static void emit_r15(uint8_t rex, const uint8_t *op, size_t n, unsigned reg, int32_t disp,
		     uint8_t pfx)
{
	if (pfx)
		emit1(pfx);
	emit1(0x41 | rex | (reg >= 8 ? 4 : 0));
	emit(op, n);
	emit1(0x80 | (reg & 7) << 3 | 7);
	emit_disp(disp);
}

static const uint8_t k_movdqu_ld[] = { 0x0f, 0x6f }, k_movdqu_st[] = { 0x0f, 0x7f };
static const uint8_t k_mov_ld[] = { 0x8b }, k_mov_st[] = { 0x89 };
static const uint8_t k_ldmxcsr[] = { 0x0f, 0xae };
static const unsigned k_gprs[] = { 0, 1, 2, 3, 5, 6, 7 };
#define NGPRS 7

/* Build: save callee-saved, r15 = state, load everything, insn, store everything. */
static void native_build(const uint8_t *insn, size_t n)
{
	static const uint8_t pro[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57,
				       0x49, 0x89, 0xff };
	static const uint8_t epi[] = { 0x0f, 0x77, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c,
				       0x5d, 0x5b, 0xc3 };

	g_len = 0;
	emit(pro, sizeof(pro));
	emit_r15(0, k_ldmxcsr, 2, 2, ST_OFF(mxcsr), 0);
	for (unsigned r = 0; r < 16; r++)
		emit_r15(0, k_movdqu_ld, 2, r, ST_OFF(xmm) + 16 * r, 0xf3);
	for (unsigned r = 0; r < 8; r++)
		emit_r15(0, k_movdqu_ld, 2, r, ST_OFF(mm) + 8 * r, 0);
	for (unsigned k = 0; k < NGPRS; k++)
		emit_r15(0x08, k_mov_ld, 1, k_gprs[k], ST_OFF(gpr) + 8 * k_gprs[k], 0);
	emit(insn, n);
	emit1(0x9c);                                    /* pushfq; pop r14 */
	emit1(0x41); emit1(0x5e);
	emit_r15(0x08, k_mov_st, 1, 14, ST_OFF(rflags), 0);
	for (unsigned k = 0; k < NGPRS; k++)
		emit_r15(0x08, k_mov_st, 1, k_gprs[k], ST_OFF(gpr) + 8 * k_gprs[k], 0);
	for (unsigned r = 0; r < 16; r++)
		emit_r15(0, k_movdqu_st, 2, r, ST_OFF(xmm) + 16 * r, 0xf3);
	for (unsigned r = 0; r < 8; r++)
		emit_r15(0, k_movdqu_st, 2, r, ST_OFF(mm) + 8 * r, 0);
	emit_r15(0, k_ldmxcsr, 2, 3, ST_OFF(mxcsr), 0);  /* stmxcsr */
	emit_r15(0, k_ldmxcsr, 2, 2, ST_OFF(pad), 0);    /* ldmxcsr: the host's, saved in pad */
	emit(epi, sizeof(epi));
}

static sigjmp_buf g_fpe_jb;
static volatile uint32_t g_fpe_mxcsr;

static void native_fpe(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	g_fpe_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
	siglongjmp(g_fpe_jb, 1);
}

/* Run natively; the memory operand is st->mem (rsi points at it). Returns false if the
 * instruction raised an unmasked SIMD exception (then *fault_mxcsr is set). */
static bool native_run(struct sse_state *st, uint32_t *fault_mxcsr)
{
	struct sigaction sa = { 0 }, old;
	uint32_t host;
	bool ok = true;

	__asm__ volatile("stmxcsr %0" : "=m"(host));
	st->pad = host;
	st->gpr[6] = (uint64_t)(uintptr_t)st->mem;
	st->gpr[7] = (uint64_t)(uintptr_t)st->mem;
	sa.sa_sigaction = native_fpe;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGFPE, &sa, &old);
	if (sigsetjmp(g_fpe_jb, 0) == 0) {
		((void (*)(struct sse_state *))(void *)g_code)(st);
	} else {
		*fault_mxcsr = g_fpe_mxcsr;
		__asm__ volatile("ldmxcsr %0" : : "m"(host));
		__asm__ volatile("emms");
		ok = false;
	}
	sigaction(SIGFPE, &old, NULL);
	return ok;
}

/* ---------------------------------------------------------------- emulator side */

/*
 * The emulator side: the decoder and the handler the table names for the row, on a
 * bare vCPU (tests/unit/common/cpufix.h) in 64-bit mode, RAM identity-mapped with
 * 2 MiB pages. This exercises decode, operand access and the handlers; the engine's
 * own tests cover dispatch.
 */
#define SSE_PML4 0x1000ull
#define SSE_CODE 0x100000ull
#define SSE_DATA 0x200000ull

static void emu_setup(void)
{
	cpufix_setup();
	cpufix_put64(SSE_PML4, (SSE_PML4 + 0x1000) | 3);
	cpufix_put64(SSE_PML4 + 0x1000, (SSE_PML4 + 0x2000) | 3);
	for (uint64_t k = 0; k < 4; k++)
		cpufix_put64(SSE_PML4 + 0x2000 + 8 * k, (k << 21) | 0x83);   /* P RW PS */
	cpufix_long64(0);
	g_fix->v.s.cr3 = SSE_PML4;
	cpu_tlb_flush(&g_fix->v);
	g_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	ck_assert_ptr_ne(g_code, MAP_FAILED);
}

static void emu_teardown(void)
{
	cpufix_teardown();
	munmap(g_code, 4096);
}

/* Registers of a state into a vCPU; rsi and rdi point at guest address data. */
static void state_put(struct cpu_state *s, const struct sse_state *st, uint64_t data)
{
	s->cr0 &= ~(CR0_EM | CR0_TS);
	s->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	for (unsigned r = 0; r < 16; r++)
		memcpy(s->vr[r].b, st->xmm[r], 16);
	for (unsigned r = 0; r < 8; r++)
		s->st[r].mant = st->mm[r];
	for (unsigned k = 0; k < NGPRS; k++)
		s->gpr[k_gprs[k]] = st->gpr[k_gprs[k]];
	s->gpr[6] = data;
	s->gpr[7] = data;
	s->mxcsr = st->mxcsr;
	s->fsw = 0;
	cpu_set_rflags(s, RFLAGS_FIXED1);
}

static void state_get(struct cpu_state *s, struct sse_state *st)
{
	for (unsigned r = 0; r < 16; r++)
		memcpy(st->xmm[r], s->vr[r].b, 16);
	for (unsigned r = 0; r < 8; r++)
		st->mm[r] = s->st[r].mant;
	for (unsigned k = 0; k < NGPRS; k++)
		st->gpr[k_gprs[k]] = s->gpr[k_gprs[k]];
	st->rflags = cpu_get_rflags(s);
	st->mxcsr = s->mxcsr;
}

static void emu_put_state(const struct sse_state *st)
{
	state_put(&g_fix->v.s, st, SSE_DATA);
	memcpy(g_fix->ram + SSE_DATA, st->mem, sizeof(st->mem));
}

static void emu_get_state(struct sse_state *st)
{
	state_get(&g_fix->v.s, st);
	memcpy(st->mem, g_fix->ram + SSE_DATA, sizeof(st->mem));
}

static void run_handler(void *arg)
{
	const struct x86_insn *i = arg;

	g_fix->v.s.rip = SSE_CODE;
	x86_insn_handler(i)(&g_fix->v, i);
}

/* Decode and run one instruction on the current state. Returns the vector or -1. */
static int emu_step(const uint8_t *insn, size_t n)
{
	struct x86_insn i;
	int rc = x86_decode(&i, insn, n, 8);

	CHECK(rc == 0 && i.len == n, "decode failed: %d (len %u of %zu)", rc, i.len, n);
	return cpufix_try(run_handler, &i);
}

static int emu_exec(const uint8_t *insn, size_t n, const struct sse_state *in, struct sse_state *out)
{
	int vec;

	emu_put_state(in);
	vec = emu_step(insn, n);
	emu_get_state(out);
	return vec;
}

/* ---------------------------------------------------------------- values */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}

static const uint32_t k_f32[] = {
	0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
	0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0x3f800000, 0xbf800000,
	0x4f000000, 0xcf000000, 0x3eaaaaab, 0x5f000000, 0x1f800000, 0x3fc00000,
};
static const uint64_t k_f64[] = {
	0, 0x8000000000000000ull, 1, 0x800fffffffffffffull, 0x0010000000000000ull,
	0x7fefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
	0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x3ff0000000000000ull,
	0xc1e0000000000000ull, 0x41dfffffffc00000ull, 0x43e0000000000000ull,
	0x3fd5555555555555ull, 0x3ff8000000000000ull, 0x0000000080000000ull,
};
static const uint64_t k_int[] = {
	0, ~0ull, 0x7f7f7f7f7f7f7f7full, 0x8080808080808080ull, 0x7fff7fff7fff7fffull,
	0x8000800080008000ull, 0x7fffffff7fffffffull, 0x8000000080000000ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, 0x00ff00ff00ff00ffull, 0x0000000000000041ull,
};

static void rnd_lanes(uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k += 8) {
		uint64_t q;

		switch (rnd() % 5) {
		case 0: {
			uint32_t a = k_f32[rnd() % (sizeof(k_f32) / 4)], b = k_f32[rnd() % (sizeof(k_f32) / 4)];

			q = a | (uint64_t)b << 32;
			break;
		}
		case 1: q = k_f64[rnd() % (sizeof(k_f64) / 8)]; break;
		case 2: q = k_int[rnd() % (sizeof(k_int) / 8)]; break;
		default: q = rnd(); break;
		}
		memcpy(p + k, &q, 8);
	}
}

static void rnd_state(struct sse_state *st, bool unmask)
{
	static const uint32_t masks[] = { 0x1f80, 0x1f80, 0x1f80, 0x1e00, 0x1d80, 0x1b80, 0x1780,
					  0x0f80, 0x1f00, 0x0000 };

	memset(st, 0, sizeof(*st));
	for (unsigned r = 0; r < 16; r++)
		rnd_lanes(st->xmm[r], 16);
	rnd_lanes((uint8_t *)st->mm, sizeof(st->mm));
	rnd_lanes(st->mem, sizeof(st->mem));
	for (unsigned k = 0; k < 8; k++)
		st->gpr[k] = rnd() % 4 ? rnd() % 40 - 20 : rnd();
	st->gpr[7] = 0;
	st->mxcsr = (unsigned)(rnd() % 4) << 13 | (rnd() % 3 == 0 ? MXCSR_DAZ : 0) |
		    (rnd() % 3 == 0 ? MXCSR_FTZ : 0) |
		    (unmask ? masks[rnd() % (sizeof(masks) / 4)] : 0x1f80) |
		    (rnd() % 4 == 0 ? (uint32_t)(rnd() & MXCSR_FLAGS) : 0);
}

/* ---------------------------------------------------------------- the cases */

struct sse_case {
	const char *name;
	uint8_t insn[12];
	uint8_t len;
	bool fp;                /* may raise SIMD FP exceptions: also run with some unmasked */
	bool flags;             /* writes the arithmetic flags: compare them */
	bool rex;               /* has a REX prefix: 64-bit mode only */
};

#include "test_sse_cases.h"

static void compare(const struct sse_case *c, unsigned iter, const struct sse_state *want,
		    const struct sse_state *got)
{
	for (unsigned r = 0; r < 16; r++)
		CHECK(!memcmp(want->xmm[r], got->xmm[r], 16), "%s #%u: xmm%u differs", c->name,
			      iter, r);
	for (unsigned r = 0; r < 8; r++)
		CHECK(want->mm[r] == got->mm[r], "%s #%u: mm%u %016llx want %016llx", c->name,
			      iter, r, (unsigned long long)got->mm[r], (unsigned long long)want->mm[r]);
	for (unsigned k = 0; k < NGPRS; k++)
		CHECK(want->gpr[k_gprs[k]] == got->gpr[k_gprs[k]] || k_gprs[k] >= 6,
			      "%s #%u: gpr%u %llx want %llx", c->name, iter, k_gprs[k],
			      (unsigned long long)got->gpr[k_gprs[k]],
			      (unsigned long long)want->gpr[k_gprs[k]]);
	CHECK(!c->flags || (want->rflags & RFLAGS_ARITH) == (got->rflags & RFLAGS_ARITH),
		      "%s #%u: flags %llx want %llx", c->name, iter,
		      (unsigned long long)(got->rflags & RFLAGS_ARITH),
		      (unsigned long long)(want->rflags & RFLAGS_ARITH));
	CHECK(want->mxcsr == got->mxcsr, "%s #%u: mxcsr %x want %x", c->name, iter,
		      got->mxcsr, want->mxcsr);
	CHECK(!memcmp(want->mem, got->mem, sizeof(want->mem)), "%s #%u: memory differs",
		      c->name, iter);
}

START_TEST(test_diff)
{
	const struct sse_case *c = &k_cases[_i];

	native_build(c->insn, c->len);
	for (unsigned iter = 0; iter < 300; iter++) {
		struct sse_state in, want, got;
		uint32_t fault_csr = 0;
		int vec;

		rnd_state(&in, c->fp && iter % 3 == 2);
		want = in;
		want.rflags = 0;
		if (native_run(&want, &fault_csr)) {
			vec = emu_exec(c->insn, c->len, &in, &got);
			CHECK(vec == -1, "%s #%u: exception %d", c->name, iter, vec);
			compare(c, iter, &want, &got);
			continue;
		}
		/* Unmasked: #XM with the host's flags, nothing else written. */
		vec = emu_exec(c->insn, c->len, &in, &got);
		CHECK(vec == EXC_XM, "%s #%u: got vector %d, want #XM", c->name, iter, vec);
		want = in;
		want.mxcsr = fault_csr;
		want.rflags = got.rflags;
		compare(c, iter, &want, &got);
	}
}
END_TEST

/* ---------------------------------------------------------------- through the engine */

/*
 * Random sequences of the forms above (masked exceptions only, so that every one
 * completes), as one translation block through the engine (tests/unit/common/emu.h):
 * translator, IR, dispatch and RIP/flag bookkeeping between SIMD instructions.
 */
START_TEST(test_engine_sequences)
{
	struct emu *e = emu_new(_i ? EMU_PROT32 : EMU_LONG64, 0);
	size_t ncases = sizeof(k_cases) / sizeof(k_cases[0]);

	for (unsigned iter = 0; iter < 60; iter++) {
		uint8_t code[40 * 12 + 1];
		size_t n = 0, count = 0;
		struct sse_state in, want, got;
		uint32_t fault_csr;
		const char *last = "";

		while (count < 40) {
			const struct sse_case *c = &k_cases[rnd() % ncases];

			if (_i && c->rex)
				continue;
			memcpy(code + n, c->insn, c->len);
			n += c->len;
			count++;
			last = c->name;
		}
		rnd_state(&in, false);
		want = in;
		native_build(code, n);
		CHECK(native_run(&want, &fault_csr), "#%u: native fault", iter);
		code[n] = 0xf4;
		emu_load(e, EMU_CODE, code, n + 1);
		emu_load(e, EMU_DATA, in.mem, sizeof(in.mem));
		state_put(&e->v.s, &in, EMU_DATA);
		emu_run_until(e, EMU_CODE, EMU_CODE + n, 100);
		CHECK(e->exit == RUN_EXIT_BREAKPOINT && e->exc_vector == -1 && e->icount == count,
		      "#%u: exit %d vector %d after %llu instructions (last form %s)", iter, e->exit,
		      e->exc_vector, (unsigned long long)e->icount, last);
		state_get(&e->v.s, &got);
		emu_read(e, EMU_DATA, got.mem, sizeof(got.mem));
		/* 32-bit protected mode runs the same bytes: the same results, in the low
		 * halves of the GPRs (the native run is 64-bit code). */
		for (unsigned k = 0; _i && k < 8; k++) {
			want.gpr[k] &= 0xffffffffu;
			got.gpr[k] &= 0xffffffffu;
		}
		compare(&(struct sse_case){ .name = "sequence" }, iter, &want, &got);
	}
	/* An unmasked exception stops at its own instruction, the ones before retired. */
	if (!_i) {
		static const uint8_t code[] = { 0x0f, 0x58, 0xdb, 0xf3, 0x0f, 0x5e, 0xca, 0x0f, 0x58, 0xdb };
		struct sse_state st;

		rnd_state(&st, false);
		state_put(&e->v.s, &st, EMU_DATA);
		e->v.s.mxcsr = 0x1f80 & ~(MXCSR_ZE << MXCSR_MASK_SHIFT);
		e->v.s.vr[1].f[0] = 1.0f;
		e->v.s.vr[2].f[0] = 0.0f;
		emu_load(e, EMU_CODE, code, sizeof(code));
		emu_run_until(e, EMU_CODE, EMU_CODE + sizeof(code), 100);
		ck_assert_int_eq(e->exc_vector, EXC_XM);
		ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 3);
		ck_assert_uint_eq(e->icount, 1);
		ck_assert_uint_eq(e->v.s.mxcsr & MXCSR_FLAGS, MXCSR_ZE);
	}
	emu_free(e);
}
END_TEST

#include "test_sse_faults.h"

int main(void)
{
	Suite *s = suite_create("translate_sse");
	TCase *tc = tcase_create("diff");
	TCase *tf = tcase_create("faults");

	tcase_add_checked_fixture(tc, emu_setup, emu_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_diff, 0, sizeof(k_cases) / sizeof(k_cases[0]));
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, emu_setup, emu_teardown);
	sse_add_fault_tests(tf);
	tcase_add_loop_test(tf, test_engine_sequences, 0, 2);       /* 64-bit, 32-bit mode */
	suite_add_tcase(s, tf);
	return check_run(s);
}
