/*
 * tests/unit/cpu/test_simd.c - the SIMD primitive layer (cpu/simd.c, cpu/simd_perm.c):
 * MXCSR rounding/DAZ/FTZ reach the host instruction, exception flags come back exact
 * (masked and unmasked), the host MXCSR and x87 state survive, and the C-form rows
 * match the real instructions, run natively from bytes assembled here.
 */
#include "tests/unit/common/check_run.h"
#include "cpu/simd.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint32_t host_csr(void)
{
	uint32_t c;

	__asm__ volatile("stmxcsr %0" : "=m"(c));
	return c;
}

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static uint32_t run_ss(enum simd_op op, uint32_t a, uint32_t b, uint32_t mxcsr, uint32_t *out)
{
	struct simd_io io = { .mxcsr = mxcsr };
	uint32_t flags;

	io.d.d[0] = a;
	io.s.d[0] = b;
	flags = simd_run(op, &io);
	*out = io.out.d[0];
	return flags;
}

START_TEST(test_rounding_modes)
{
	uint32_t r[4], before = host_csr();

	/* 1/3 rounds differently per RC (SDM vol. 1, 4.8.4, table 4-8). */
	for (unsigned rc = 0; rc < 4; rc++)
		ck_assert_uint_eq(run_ss(SIMD_DIVSS, f2u(1.0f), f2u(3.0f), 0x1f80 | rc << 13, &r[rc]),
				  MXCSR_PE);
	ck_assert_uint_eq(r[0], 0x3eaaaaab);    /* nearest */
	ck_assert_uint_eq(r[1], 0x3eaaaaaa);    /* down */
	ck_assert_uint_eq(r[2], 0x3eaaaaab);    /* up */
	ck_assert_uint_eq(r[3], 0x3eaaaaaa);    /* toward zero */
	ck_assert_uint_eq(host_csr(), before);
}
END_TEST

START_TEST(test_daz_ftz)
{
	uint32_t r, denorm = 0x00000001, tiny = f2u(1e-20f);

	/* DAZ: a denormal source reads as zero, and no DE (SDM vol. 1, 10.2.3.4). */
	ck_assert_uint_eq(run_ss(SIMD_ADDSS, denorm, 0, 0x1f80, &r), MXCSR_DE);
	ck_assert_uint_eq(r, denorm);
	ck_assert_uint_eq(run_ss(SIMD_ADDSS, denorm, 0, 0x1f80 | MXCSR_DAZ, &r), 0);
	ck_assert_uint_eq(r, 0);
	/* FTZ: a tiny result becomes zero with UE and PE (SDM vol. 1, 10.2.3.3). */
	ck_assert_uint_eq(run_ss(SIMD_MULSS, tiny, tiny, 0x1f80, &r), MXCSR_UE | MXCSR_PE);
	ck_assert_uint_ne(r, 0);
	ck_assert_uint_eq(run_ss(SIMD_MULSS, tiny, tiny, 0x1f80 | MXCSR_FTZ, &r), MXCSR_UE | MXCSR_PE);
	ck_assert_uint_eq(r, 0);
}
END_TEST

START_TEST(test_flags_masked)
{
	uint32_t r;

	ck_assert_uint_eq(run_ss(SIMD_SQRTSS, 0, f2u(-1.0f), 0x1f80, &r), MXCSR_IE);
	ck_assert_uint_eq(r, 0xffc00000);       /* the default QNaN */
	ck_assert_uint_eq(run_ss(SIMD_DIVSS, f2u(1.0f), 0, 0x1f80, &r), MXCSR_ZE);
	ck_assert_uint_eq(r, 0x7f800000);
	ck_assert_uint_eq(run_ss(SIMD_MULSS, f2u(3e38f), f2u(10.0f), 0x1f80, &r), MXCSR_OE | MXCSR_PE);
	ck_assert_uint_eq(r, 0x7f800000);
	/* An SNaN source is invalid and comes back quieted. */
	ck_assert_uint_eq(run_ss(SIMD_ADDSS, 0x7f800001, f2u(1.0f), 0x1f80, &r), MXCSR_IE);
	ck_assert_uint_eq(r, 0x7fc00001);
	/* Guest flags already set are not reported again, and are not cleared. */
	ck_assert_uint_eq(run_ss(SIMD_ADDSS, f2u(1.0f), f2u(1.0f), 0x1f80 | MXCSR_PE, &r), 0);
}
END_TEST

START_TEST(test_flags_unmasked)
{
	struct simd_io io = { .mxcsr = 0x1f80 & ~(MXCSR_IE << 7) };
	uint32_t r, before = host_csr();

	/* Lane 0 invalid (pre-computation), lane 1 overflows (post-computation): with IM
	 * clear only IE is reported (SDM vol. 1, 11.5.3.2); masked, all of them. */
	io.d.d[0] = 0x7f800001;
	io.d.d[1] = f2u(3e38f);
	io.s.d[1] = f2u(10.0f);
	ck_assert_uint_eq(simd_run(SIMD_MULPS, &io), MXCSR_IE);
	ck_assert_uint_eq(io.mxcsr, 0x1f80 & ~(MXCSR_IE << 7));
	io.mxcsr = 0x1f80;
	ck_assert_uint_eq(simd_run(SIMD_MULPS, &io), MXCSR_IE | MXCSR_OE | MXCSR_PE);
	/* An exact tiny result raises UE only when UM is clear (SDM vol. 1, 11.5.2.5). */
	ck_assert_uint_eq(run_ss(SIMD_MULSS, 0x1f800000, 0x1f800000, 0x1f80, &r), 0); /* 2^-64 squared: exact 2^-128 */
	ck_assert_uint_eq(r, 0x00200000);
	ck_assert_uint_eq(run_ss(SIMD_MULSS, 0x1f800000, 0x1f800000, 0x1f80 & ~(MXCSR_UE << 7), &r),
			  MXCSR_UE);
	/* Unmasked precision on 1/3. */
	ck_assert_uint_eq(run_ss(SIMD_DIVSS, f2u(1.0f), f2u(3.0f), 0x1f80 & ~(MXCSR_PE << 7), &r),
			  MXCSR_PE);
	ck_assert_uint_eq(host_csr(), before);
}
END_TEST

static jmp_buf g_jb;

START_TEST(test_fp_exceptions_fold)
{
	static struct vcpu v;
	volatile int vec = -1;

	memset(&v, 0, sizeof(v));
	v.exit_jmp = &g_jb;
	v.s.mxcsr = 0x1f80 & ~(MXCSR_ZE << 7);
	simd_fp_exceptions(&v, MXCSR_PE);
	ck_assert_uint_eq(v.s.mxcsr, (0x1f80 & ~(MXCSR_ZE << 7)) | MXCSR_PE);
	if (setjmp(g_jb) == 0)
		simd_fp_exceptions(&v, MXCSR_ZE);
	else
		vec = v.pending_vector;
	ck_assert_int_eq(vec, EXC_UD);          /* CR4.OSXMMEXCPT clear */
	ck_assert_uint_eq(v.s.mxcsr & MXCSR_FLAGS, MXCSR_PE | MXCSR_ZE);
	v.s.cr4 = CR4_OSXMMEXCPT;
	vec = -1;
	if (setjmp(g_jb) == 0)
		simd_fp_exceptions(&v, MXCSR_ZE);
	else
		vec = v.pending_vector;
	ck_assert_int_eq(vec, EXC_XM);
}
END_TEST

START_TEST(test_comis_ptest_flags)
{
	struct simd_io io = { .mxcsr = 0x1f80 };

	io.d.d[0] = f2u(1.0f);
	io.s.d[0] = f2u(2.0f);
	ck_assert_uint_eq(simd_run(SIMD_COMISS, &io), 0);
	ck_assert_uint_eq(io.rflags & RFLAGS_ARITH, RFLAGS_CF);
	io.s.d[0] = 0x7fc00000;                 /* QNaN: unordered, IE for COMISS only */
	ck_assert_uint_eq(simd_run(SIMD_COMISS, &io), MXCSR_IE);
	ck_assert_uint_eq(io.rflags & RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
	ck_assert_uint_eq(simd_run(SIMD_UCOMISS, &io), 0);
	memset(&io.d, 0, sizeof(io.d));
	memset(&io.s, 0xff, sizeof(io.s));
	simd_run(SIMD_PTEST, &io);
	ck_assert_uint_eq(io.rflags & RFLAGS_ARITH, RFLAGS_ZF);
}
END_TEST

START_TEST(test_pcmpestri_lengths)
{
	struct simd_io io = { .mxcsr = 0x1f80, .imm = 0x00 };  /* unsigned bytes, equal any */

	memcpy(io.d.b, "abc", 3);
	memcpy(io.s.b, "xxxxxxxxxxxxxxxc", 16);
	io.rax = 3;
	io.rdx = 1ull << 40;                    /* 32-bit form: EDX = 0, no valid bytes */
	simd_run(SIMD_PCMPESTRI, &io);
	ck_assert_uint_eq(io.out_rcx, 16);
	io.rdx = 1ull << 40;                    /* REX.W: saturates to 16 */
	simd_run(SIMD_PCMPESTRI_Q, &io);
	ck_assert_uint_eq(io.out_rcx, 15);
	io.imm = 0x40;
	simd_run(SIMD_PCMPISTRM, &io);          /* mask to xmm0 */
	ck_assert_uint_eq(io.out_x0.b[15], 0xff);
	ck_assert_uint_eq(io.out_x0.b[0], 0);
}
END_TEST

START_TEST(test_mmx_forms)
{
	struct simd_io io = { .mxcsr = 0x1f80 };
	uint16_t fpu_env[14];

	io.md = 0x7f7f01ff00000080ull;
	io.ms = 0x0101010101010101ull;
	simd_run(SIMD_PADDSB_MM, &io);
	ck_assert_uint_eq(io.out_md, 0x7f7f020001010181ull);
	/* PACKSSWB mm packs 4 words of each operand into 8 bytes. */
	io.md = 0x0100ff80007f8000ull;
	io.ms = 0x0000000100020003ull;
	simd_run(SIMD_PACKSSWB_MM, &io);
	ck_assert_uint_eq(io.out_md, 0x7f807f80 | (uint64_t)0x00010203 << 32);
	/* The host's x87 tags are all empty again (EMMS). */
	__asm__ volatile("fnstenv %0" : "=m"(fpu_env));
	ck_assert_uint_eq(fpu_env[4], 0xffff);
	io.ms = 0x40400000c0000000ull;          /* two int32s, exact as floats */
	simd_run(SIMD_CVTPI2PS, &io);           /* int32 pair from mm2 into xmm1 */
	io.s = io.out;
	simd_run(SIMD_CVTTPS2PI, &io);
	ck_assert_uint_eq(io.out_md, io.ms);
}
END_TEST

/* Every row runs, twice with the same result, with the host MXCSR preserved. */
START_TEST(test_every_row_runs)
{
	uint32_t before = host_csr();

	for (unsigned op = 0; op < SIMD_OP_COUNT; op++) {
		struct simd_io a = { .mxcsr = 0x1f80 | MXCSR_FTZ, .imm = (uint8_t)(op * 37) }, b;

		for (unsigned k = 0; k < 16; k++) {
			a.d.b[k] = (uint8_t)(k * 11 + op);
			a.s.b[k] = (uint8_t)(k * 7 + 3 * op);
			a.x0.b[k] = (uint8_t)(k * 29);
		}
		a.md = 0x0123456789abcdefull * (op + 1);
		a.ms = 0xfedcba9876543210ull ^ op;
		a.rax = op % 20;
		a.rdx = 5;
		a.rcx = op;
		b = a;
		simd_run(op, &a);
		simd_run(op, &b);
		ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "%s not deterministic", simd_op_name(op));
		ck_assert_uint_eq(host_csr(), before);
	}
	ck_assert_str_eq(simd_op_name(SIMD_ADDPS), "ADDPS");
	ck_assert_int_eq(simd_op_form(SIMD_PSHUFD), SIMD_FORM_C);
}
END_TEST

/* ---------------------------------------------------------------- native runner */

/*
 * Native execution of one instruction whose ModRM is reg = 1, rm = 2: the page holds
 * load xmm1/xmm2 (or mm1/mm2) from [rdi], [rdi+16] (+8), the instruction, store, ret.
 */
static uint8_t *g_page;

static void native_init(void)
{
	if (!g_page) {
		g_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_ptr_ne(g_page, MAP_FAILED);
	}
}

static void native_xmm(const uint8_t *insn, size_t len, uint8_t buf[32])
{
	static const uint8_t pro[] = { 0xf3, 0x0f, 0x6f, 0x0f, 0xf3, 0x0f, 0x6f, 0x57, 0x10 };
	static const uint8_t epi[] = { 0xf3, 0x0f, 0x7f, 0x0f, 0xc3 };
	uint8_t *p;

	native_init();
	p = g_page;
	memcpy(p, pro, sizeof(pro)); p += sizeof(pro);
	memcpy(p, insn, len); p += len;
	memcpy(p, epi, sizeof(epi));
	((void (*)(uint8_t *))(void *)g_page)(buf);
}

static void native_mmx(const uint8_t *insn, size_t len, uint8_t buf[16])
{
	static const uint8_t pro[] = { 0x0f, 0x6f, 0x0f, 0x0f, 0x6f, 0x57, 0x08 };
	static const uint8_t epi[] = { 0x0f, 0x7f, 0x0f, 0x0f, 0x77, 0xc3 };
	uint8_t *p;

	native_init();
	p = g_page;
	memcpy(p, pro, sizeof(pro)); p += sizeof(pro);
	memcpy(p, insn, len); p += len;
	memcpy(p, epi, sizeof(epi));
	((void (*)(uint8_t *))(void *)g_page)(buf);
}

struct perm_case {
	enum simd_op op;
	uint8_t insn[8];        /* with the immediate as the last byte */
	uint8_t len;
	bool mmx;
};

static const struct perm_case g_perm[] = {
	{ SIMD_PSHUFD,   { 0x66, 0x0f, 0x70, 0xca, 0 }, 5, false },
	{ SIMD_PSHUFHW,  { 0xf3, 0x0f, 0x70, 0xca, 0 }, 5, false },
	{ SIMD_PSHUFLW,  { 0xf2, 0x0f, 0x70, 0xca, 0 }, 5, false },
	{ SIMD_SHUFPS,   { 0x0f, 0xc6, 0xca, 0 }, 4, false },
	{ SIMD_SHUFPD,   { 0x66, 0x0f, 0xc6, 0xca, 0 }, 5, false },
	{ SIMD_PALIGNR,  { 0x66, 0x0f, 0x3a, 0x0f, 0xca, 0 }, 6, false },
	{ SIMD_PBLENDW,  { 0x66, 0x0f, 0x3a, 0x0e, 0xca, 0 }, 6, false },
	{ SIMD_BLENDPS,  { 0x66, 0x0f, 0x3a, 0x0c, 0xca, 0 }, 6, false },
	{ SIMD_BLENDPD,  { 0x66, 0x0f, 0x3a, 0x0d, 0xca, 0 }, 6, false },
	{ SIMD_INSERTPS, { 0x66, 0x0f, 0x3a, 0x21, 0xca, 0 }, 6, false },
	{ SIMD_PSLLDQ,   { 0x66, 0x0f, 0x73, 0xf9, 0 }, 5, false },   /* /7, rm = xmm1 */
	{ SIMD_PSRLDQ,   { 0x66, 0x0f, 0x73, 0xd9, 0 }, 5, false },   /* /3, rm = xmm1 */
	{ SIMD_PSHUFW,   { 0x0f, 0x70, 0xca, 0 }, 4, true },
	{ SIMD_PALIGNR_MM, { 0x0f, 0x3a, 0x0f, 0xca, 0 }, 5, true },
};

START_TEST(test_perm_vs_native)
{
	const struct perm_case *c = &g_perm[_i];

	for (unsigned imm = 0; imm < 256; imm++) {
		struct simd_io io = { .mxcsr = 0x1f80, .imm = (uint8_t)imm };
		uint8_t insn[8], buf[32];

		for (unsigned k = 0; k < 16; k++) {
			io.d.b[k] = (uint8_t)(0x10 + k);
			io.s.b[k] = (uint8_t)(0xa0 + k);
		}
		io.md = io.d.q[0];
		io.ms = io.s.q[0];
		memcpy(insn, c->insn, c->len);
		insn[c->len - 1] = (uint8_t)imm;
		if (c->mmx) {
			memcpy(buf, &io.md, 8);
			memcpy(buf + 8, &io.ms, 8);
			native_mmx(insn, c->len, buf);
			simd_run(c->op, &io);
			ck_assert_msg(memcmp(buf, &io.out_md, 8) == 0, "%s imm %u", simd_op_name(c->op), imm);
			continue;
		}
		/* native: xmm1 = buf[0..15], xmm2 = buf[16..31]; the result is xmm1 */
		memcpy(buf, io.d.b, 16);
		memcpy(buf + 16, io.s.b, 16);
		native_xmm(insn, c->len, buf);
		simd_run(c->op, &io);
		ck_assert_msg(memcmp(buf, io.out.b, 16) == 0, "%s imm %u", simd_op_name(c->op), imm);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_simd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rounding_modes);
	tcase_add_test(tc, test_daz_ftz);
	tcase_add_test(tc, test_flags_masked);
	tcase_add_test(tc, test_flags_unmasked);
	tcase_add_test(tc, test_fp_exceptions_fold);
	tcase_add_test(tc, test_comis_ptest_flags);
	tcase_add_test(tc, test_pcmpestri_lengths);
	tcase_add_test(tc, test_mmx_forms);
	tcase_add_test(tc, test_every_row_runs);
	tcase_add_loop_test(tc, test_perm_vs_native, 0, sizeof(g_perm) / sizeof(g_perm[0]));
	suite_add_tcase(s, tc);
	return check_run(s);
}
