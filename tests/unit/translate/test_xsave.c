/*
 * tests/unit/translate/test_xsave.c - FXSAVE/FXRSTOR (legacy and REX.W layouts,
 * alignment and MXCSR #GP, abridged tags, compared with the host's own FXSAVE) and
 * the XSAVE feature set (XSETBV/XGETBV rules, XSAVE/XSAVEC headers, XRSTOR's init
 * of absent components and its header #GP) through the emulator.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct emu *new_emu(enum emu_mode mode, unsigned cpl)
{
	struct emu *e = emu_new(mode, cpl);
	const struct cpu_model *m = cpu_model_find("max");

	if (!m && cpu_model_count())
		m = cpu_model_at(0);
	e->v.model = m;
	return e;
}

static uint64_t rd(struct emu *e, uint64_t pa, unsigned n)
{
	uint64_t v = 0;

	emu_read(e, pa, &v, n);
	return v;
}

/* Run code up to its last byte (a HLT, not executed) or the first exception. */
static void run(struct emu *e, const uint8_t *code, size_t n)
{
	emu_load(e, EMU_CODE, code, n);
	emu_run_until(e, EMU_CODE, EMU_CODE + n - 1, 1000);
	if (e->exc_vector == -1)
		ck_assert_int_eq(e->exit, RUN_EXIT_BREAKPOINT);
}

/* The x87 part of FXSAVE (bytes 0-5 and the registers) equals the host's. */
START_TEST(test_fxsave_vs_host)
{
	struct emu *e = new_emu(EMU_LONG64, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb,     /* fninit; fld1; fldpi */
		0xd9, 0xee, 0xd9, 0xe0,                 /* +6: fldz; fchs */
		0x0f, 0xae, 0x07,                       /* fxsave [rdi] */
		0x48, 0x0f, 0xae, 0x87, 0x00, 0x02, 0x00, 0x00, /* fxsave64 [rdi+512] */
		0xf4,
	};
	static uint8_t host[512] __attribute__((aligned(16)));
	uint8_t g[512];

	__asm__ volatile("fninit; fld1; fldpi; fldz; fchs; fxsave %0; fninit" : "=m"(host));
	for (unsigned r = 0; r < 16; r++)
		memset(e->v.s.vr[r].b, 0x11 * (r + 1), 32);
	e->v.s.mxcsr = 0x1fa0;
	e->v.s.gpr[7] = EMU_DATA;
	memset(g, 0xcc, sizeof(g));
	emu_load(e, EMU_DATA, g, sizeof(g));
	run(e, code, sizeof(code));
	ck_assert_int_eq(e->exc_vector, -1);
	emu_read(e, EMU_DATA, g, sizeof(g));
	ck_assert(!memcmp(g, host, 6));
	ck_assert(!memcmp(g + 32, host + 32, 128));
	ck_assert_uint_eq(rd(e, EMU_DATA + 4, 1), 0xe0);             /* abridged: R5-R7 */
	ck_assert_uint_eq(rd(e, EMU_DATA + 6, 2), 0x1e0);            /* FOP of FCHS */
	ck_assert_uint_eq(rd(e, EMU_DATA + 8, 4), (uint32_t)(EMU_CODE + 8));
	ck_assert_uint_eq(rd(e, EMU_DATA + 12, 2), e->v.s.seg[SEG_CS].sel);
	ck_assert_uint_eq(rd(e, EMU_DATA + 24, 4), 0x1fa0);
	ck_assert_uint_eq(rd(e, EMU_DATA + 28, 4), 0xffff);
	ck_assert_uint_eq(rd(e, EMU_DATA + 160, 8), 0x1111111111111111ull);
	ck_assert_uint_eq(rd(e, EMU_DATA + 400, 8), 0x1010101010101010ull);      /* XMM15 */
	ck_assert_uint_eq(rd(e, EMU_DATA + 416, 8), 0xccccccccccccccccull); /* not written */
	ck_assert_uint_eq(rd(e, EMU_DATA + 504, 8), 0xccccccccccccccccull);
	ck_assert_uint_eq(rd(e, EMU_DATA + 512 + 8, 8), EMU_CODE + 8); /* 64-bit FIP */
	emu_free(e);
}
END_TEST

START_TEST(test_fxrstor)
{
	struct emu *e = new_emu(EMU_LONG64, 0);
	static const uint8_t code[] = { 0x0f, 0xae, 0x0f, 0xf4 };     /* fxrstor [rdi] */
	uint8_t img[512] = { 0 };
	uint16_t fsw = 0x3800 | FSW_PE, fcw = 0x037f & ~FSW_PE;
	uint32_t mxcsr = 0x1f80;
	uint64_t one = 1ull << 63;
	uint16_t ex = 0x3fff;

	memcpy(img, &fcw, 2);
	memcpy(img + 2, &fsw, 2);
	img[4] = 0x80;                                               /* R7 in use */
	memcpy(img + 24, &mxcsr, 4);
	memcpy(img + 32, &one, 8);                                   /* ST(0) = R7 = 1.0 */
	memcpy(img + 40, &ex, 2);
	memset(img + 160, 0x5a, 16);
	emu_load(e, EMU_DATA, img, sizeof(img));
	e->v.s.gpr[7] = EMU_DATA;
	run(e, code, sizeof(code));
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.ftw, 0x3fff);                       /* R7 valid */
	ck_assert_uint_eq(e->v.s.st[7].sexp, 0x3fff);
	ck_assert_uint_eq(e->v.s.fsw, 0x3800 | FSW_PE | FSW_ES | FSW_B); /* PE unmasked: pending */
	ck_assert_uint_eq(e->v.s.vr[0].q[0], 0x5a5a5a5a5a5a5a5aull);

	/* Reserved MXCSR bit: #GP(0), nothing loaded. */
	mxcsr = 0x10000 | 0x1f80;
	memcpy(img + 24, &mxcsr, 4);
	img[4] = 0;
	emu_load(e, EMU_DATA, img, sizeof(img));
	run(e, code, sizeof(code));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	ck_assert_uint_eq(e->exc_error, 0);
	ck_assert_uint_eq(e->v.s.ftw, 0x3fff);

	/* Misaligned: #GP(0). */
	e->v.s.gpr[7] = EMU_DATA + 8;
	run(e, code, sizeof(code));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	emu_free(e);
}
END_TEST

START_TEST(test_xsetbv_xgetbv)
{
	struct emu *e = new_emu(EMU_LONG64, 0);
	static const uint8_t setbv[] = { 0x0f, 0x01, 0xd1, 0xf4 };
	static const uint8_t getbv[] = { 0x0f, 0x01, 0xd0, 0xf4 };

	e->v.s.cr4 &= ~CR4_OSXSAVE;
	run(e, getbv, sizeof(getbv));
	ck_assert_int_eq(e->exc_vector, EXC_UD);
	e->v.s.cr4 |= CR4_OSXSAVE;
	e->v.s.gpr[1] = 0;
	e->v.s.gpr[0] = 2;                                           /* x87 bit clear */
	e->v.s.gpr[2] = 0;
	run(e, setbv, sizeof(setbv));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	e->v.s.gpr[0] = 5;                                           /* AVX without SSE */
	run(e, setbv, sizeof(setbv));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	e->v.s.gpr[0] = 1;
	e->v.s.gpr[1] = 1;                                           /* no XCR1 to set */
	run(e, setbv, sizeof(setbv));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	e->v.s.gpr[1] = 0;
	run(e, setbv, sizeof(setbv));
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.xcr0, 1);
	e->v.s.gpr[0] = 3;
	run(e, setbv, sizeof(setbv));
	ck_assert_uint_eq(e->v.s.xcr0, 3);
	e->v.s.gpr[0] = 0xdead;
	e->v.s.gpr[2] = 0xbeef;
	run(e, getbv, sizeof(getbv));
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.gpr[0], 3);
	ck_assert_uint_eq(e->v.s.gpr[2], 0);
	e->v.s.gpr[1] = 2;
	run(e, getbv, sizeof(getbv));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	emu_free(e);

	/* CPL 3: #GP(0) */
	e = new_emu(EMU_LONG64, 3);
	e->v.s.cr4 |= CR4_OSXSAVE;
	e->v.s.gpr[0] = 3;
	e->v.s.gpr[1] = 0;
	e->v.s.gpr[2] = 0;
	run(e, setbv, sizeof(setbv));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	emu_free(e);
}
END_TEST

START_TEST(test_xsave_xrstor)
{
	struct emu *e = new_emu(EMU_LONG64, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3, 0xd9, 0xe8,                 /* fninit; fld1 */
		0x0f, 0xae, 0x27,                       /* xsave [rdi] */
		0xdb, 0xe3, 0xd9, 0xeb, 0xd9, 0xeb,     /* fninit; fldpi; fldpi */
		0x0f, 0xae, 0x2f,                       /* xrstor [rdi] */
		0xf4,
	};
	static const uint8_t xrstor[] = { 0x0f, 0xae, 0x2f, 0xf4 };
	static const uint8_t xsavec[] = { 0x0f, 0xc7, 0x27, 0xf4 };
	uint64_t junk = 0x5555;

	e->v.s.cr4 |= CR4_OSXSAVE;
	e->v.s.xcr0 = 3;
	e->v.s.gpr[0] = ~0u;
	e->v.s.gpr[2] = ~0u;
	e->v.s.gpr[7] = EMU_DATA;
	e->v.s.vr[1].q[0] = 7;
	emu_write64(e, EMU_DATA + 512, 0);
	run(e, code, sizeof(code));
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(rd(e, EMU_DATA + 512, 8), 0x3);
	ck_assert_uint_eq(rd(e, EMU_DATA + 160 + 16, 8), 7);
	ck_assert_uint_eq(fpu_top(&e->v.s), 7);                      /* back to the fld1 state */
	ck_assert_uint_eq(e->v.s.ftw, 0x3fff);

	/* XSTATE_BV bit 7 not in XCR0: #GP(0). */
	emu_write64(e, EMU_DATA + 512, 0x83);
	run(e, xrstor, sizeof(xrstor));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	/* x87 bit clear in XSTATE_BV: the x87 state is initialised. */
	emu_write64(e, EMU_DATA + 512, 0x2);
	run(e, xrstor, sizeof(xrstor));
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_uint_eq(e->v.s.ftw, 0xffff);
	ck_assert_uint_eq(e->v.s.fcw, 0x037f);
	ck_assert_uint_eq(e->v.s.vr[1].q[0], 7);
	/* Reserved header bytes (standard form, bytes 23:16): #GP(0). */
	emu_load(e, EMU_DATA + 512 + 16, &junk, 8);
	run(e, xrstor, sizeof(xrstor));
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	/* Misaligned XSAVE area: #GP(0). */
	e->v.s.gpr[7] = EMU_DATA + 16;
	run(e, xrstor, sizeof(xrstor));
	ck_assert_int_eq(e->exc_vector, EXC_GP);

	/* XSAVEC: compacted header, XSTATE_BV = XINUSE & RFBM (x87 is in init state). */
	e->v.s.gpr[7] = EMU_DATA + 0x1000;
	run(e, xsavec, sizeof(xsavec));
	if (e->exc_vector == -1) {
		ck_assert_uint_eq(rd(e, EMU_DATA + 0x1000 + 520, 8), 0x8000000000000003ull);
		ck_assert_uint_eq(rd(e, EMU_DATA + 0x1000 + 512, 8), 0x2);
	} else {
		ck_assert_int_eq(e->exc_vector, EXC_UD);             /* model without XSAVEC */
	}
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xsave");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fxsave_vs_host);
	tcase_add_test(tc, test_fxrstor);
	tcase_add_test(tc, test_xsetbv_xgetbv);
	tcase_add_test(tc, test_xsave_xrstor);
	suite_add_tcase(s, tc);
	return check_run(s);
}
