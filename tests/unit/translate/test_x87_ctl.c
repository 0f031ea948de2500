/*
 * tests/unit/translate/test_x87_ctl.c - x87 control instructions through the
 * emulator: the four FNSTENV/FLDENV layouts, FNSAVE/FRSTOR, FIP/FDP/FOP, FLDCW's
 * reserved bits, FNSTSW AX, #NM (CR0.EM/TS/MP) and the deferred #MF (CR0.NE).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(struct emu *e, uint64_t pa)
{
	uint32_t v;

	emu_read(e, pa, &v, 4);
	return v;
}

static uint16_t rd16(struct emu *e, uint64_t pa)
{
	uint16_t v;

	emu_read(e, pa, &v, 2);
	return v;
}

/* Run code up to its last byte (a HLT, not executed) without an exception. */
static void run_to_hlt(struct emu *e, uint64_t entry, const uint8_t *code, size_t n)
{
	emu_load(e, entry, code, n);
	emu_run_until(e, entry, entry + n - 1, 1000);
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_int_eq(e->exit, RUN_EXIT_BREAKPOINT);
}

/* SDM vol. 1, 8.1.10, figures 8-10 and 8-12: the real-mode layouts with linear
 * pointers, and FLDENV reading the 16-bit one back. */
START_TEST(test_env_real_mode)
{
	struct emu *e = emu_new(EMU_REAL, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3,                     /* 8000 fninit */
		0xd9, 0xe8,                     /* 8002 fld1 */
		0xd9, 0x06, 0x00, 0x91,         /* 8004 fld dword [0x9100] */
		0xd9, 0x36, 0x00, 0x90,         /* fnstenv [0x9000] */
		0x66, 0xd9, 0x36, 0x20, 0x90,   /* o32 fnstenv [0x9020] */
		0xd9, 0x26, 0x40, 0x90,         /* fldenv [0x9040] */
		0xf4,
	};
	static const uint8_t env16[14] = { 0x7f, 0x02, 0x00, 0x38, 0xff, 0xff, 0x34, 0x12,
					   0x55, 0xa1, 0x78, 0x56, 0x00, 0x30 };
	float f = 1.5f;

	emu_load(e, 0x9100, &f, 4);
	emu_load(e, 0x9040, env16, sizeof(env16));
	run_to_hlt(e, EMU_REAL_CODE, code, sizeof(code));
	ck_assert_uint_eq(rd16(e, 0x9000), 0x037f);
	ck_assert_uint_eq(rd16(e, 0x9002), 0x3000);                 /* TOP = 6 */
	ck_assert_uint_eq(rd16(e, 0x9004), 0x0fff);                 /* R6, R7 valid */
	ck_assert_uint_eq(rd16(e, 0x9006), 0x8004);                 /* FIP, linear */
	ck_assert_uint_eq(rd16(e, 0x9008), 0x0106);                 /* FIP 19:16, FOP */
	ck_assert_uint_eq(rd16(e, 0x900a), 0x9100);
	ck_assert_uint_eq(rd16(e, 0x900c), 0x0000);
	ck_assert_uint_eq(rd32(e, 0x9020), 0xffff037f);
	ck_assert_uint_eq(rd32(e, 0x9024), 0xffff3000);
	ck_assert_uint_eq(rd32(e, 0x9028), 0xffff0fff);
	ck_assert_uint_eq(rd32(e, 0x902c) & 0xffff, 0x8004);
	ck_assert_uint_eq(rd32(e, 0x9030), 0x0106);
	ck_assert_uint_eq(rd32(e, 0x9034) & 0xffff, 0x9100);
	ck_assert_uint_eq(rd32(e, 0x9038), 0);
	/* FLDENV of env16 */
	ck_assert_uint_eq(e->v.s.fcw, 0x027f);
	ck_assert_uint_eq(e->v.s.fsw, 0x3800);
	ck_assert_uint_eq(e->v.s.ftw, 0xffff);
	ck_assert_uint_eq(e->v.s.fip, 0xa1234);
	ck_assert_uint_eq(e->v.s.fop, 0x155);
	ck_assert_uint_eq(e->v.s.fdp, 0x35678);
	emu_free(e);
}
END_TEST

/* SDM vol. 1, 8.1.10, figures 8-9 and 8-11: protected-mode layouts, selectors. */
START_TEST(test_env_protected)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3,                     /* fninit */
		0xd9, 0xe8,                     /* fld1 */
		0xd9, 0x03,                     /* +4: fld dword [ebx] */
		0xd9, 0x37,                     /* fnstenv [edi] */
		0x66, 0xd9, 0x77, 0x20,         /* o16 fnstenv [edi+32] */
		0xf4,
	};
	float f = -2.0f;
	uint64_t d = EMU_DATA;

	emu_load(e, d + 0x100, &f, 4);
	e->v.s.gpr[3] = d + 0x100;
	e->v.s.gpr[7] = d;
	run_to_hlt(e, EMU_CODE, code, sizeof(code));
	ck_assert_uint_eq(rd32(e, d + 0), 0xffff037f);
	ck_assert_uint_eq(rd32(e, d + 4), 0xffff3000);
	ck_assert_uint_eq(rd32(e, d + 8), 0xffff0fff);
	ck_assert_uint_eq(rd32(e, d + 12), EMU_CODE + 4);
	ck_assert_uint_eq(rd32(e, d + 16), e->v.s.seg[SEG_CS].sel | 0x103u << 16);
	ck_assert_uint_eq(rd32(e, d + 20), d + 0x100);
	ck_assert_uint_eq(rd32(e, d + 24), 0xffff0000u | e->v.s.seg[SEG_DS].sel);
	ck_assert_uint_eq(rd16(e, d + 32 + 6), (uint16_t)(EMU_CODE + 4));
	ck_assert_uint_eq(rd16(e, d + 32 + 8), e->v.s.seg[SEG_CS].sel);
	ck_assert_uint_eq(rd16(e, d + 32 + 10), (uint16_t)(d + 0x100));
	ck_assert_uint_eq(rd16(e, d + 32 + 12), e->v.s.seg[SEG_DS].sel);
	/* FNSTENV masks all exceptions afterwards. */
	ck_assert_uint_eq(e->v.s.fcw & 0x3f, 0x3f);
	emu_free(e);
}
END_TEST

/* FNSAVE reinitialises; FRSTOR brings the same state back, byte for byte. */
START_TEST(test_save_restore)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb,     /* fninit; fld1; fldpi */
		0xd9, 0xee, 0xde, 0xf9,                 /* fldz; fdivp: ZE, masked */
		0xdd, 0x37,                             /* fnsave [rdi] */
		0xdd, 0x27,                             /* frstor [rdi] */
		0xdd, 0xb7, 0x80, 0x00, 0x00, 0x00,     /* fnsave [rdi+128] */
		0xf4,
	};
	uint8_t a[108], b[108];

	e->v.s.gpr[7] = EMU_DATA;
	run_to_hlt(e, EMU_CODE, code, sizeof(code));
	emu_read(e, EMU_DATA, a, sizeof(a));
	emu_read(e, EMU_DATA + 128, b, sizeof(b));
	ck_assert(!memcmp(a, b, sizeof(a)));
	ck_assert_uint_eq(rd16(e, EMU_DATA + 4), 0x3004);            /* TOP 6, ZE */
	ck_assert_uint_eq(rd16(e, EMU_DATA + 8), 0x2fff);            /* R6 special (inf), R7 valid */
	ck_assert_uint_eq(e->v.s.fcw, 0x037f);                       /* FNSAVE did FNINIT */
	ck_assert_uint_eq(e->v.s.ftw, 0xffff);
	emu_free(e);
}
END_TEST

/* SDM vol. 1, 8.6: an unmasked exception is reported by the next waiting x87
 * instruction, not by the one that caused it, nor by FNSTSW. */
START_TEST(test_deferred_mf)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3,                     /* fninit */
		0xd9, 0x2e,                     /* fldcw [rsi]: ZE unmasked */
		0xd9, 0xe8, 0xd9, 0xee,         /* fld1; fldz */
		0xde, 0xf9,                     /* fdivp: 1/0 */
		0xdf, 0xe0,                     /* fnstsw ax */
		0xd9, 0xe8,                     /* +12: fld1 -> #MF */
		0xf4,
	};
	uint16_t cw = 0x037b;

	e->v.s.cr0 |= CR0_NE;
	emu_load(e, EMU_DATA, &cw, 2);
	e->v.s.gpr[6] = EMU_DATA;
	emu_load(e, EMU_CODE, code, sizeof(code));
	emu_run(e, EMU_CODE, 1000);
	ck_assert_int_eq(e->exc_vector, EXC_MF);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 12);
	ck_assert_uint_eq(e->v.s.gpr[0] & 0xffff, 0x8000 | 0x3000 | FSW_ES | FSW_ZE);
	ck_assert_uint_eq(e->v.s.fip, EMU_CODE + 8);                 /* the FDIVP */

	/* CR0.NE clear: no #MF (IGNNE# behaviour), runs to the end. */
	e->v.s.cr0 &= ~CR0_NE;
	emu_run_until(e, EMU_CODE, EMU_CODE + sizeof(code) - 1, 1000);
	ck_assert_int_eq(e->exc_vector, -1);
	ck_assert_int_eq(e->exit, RUN_EXIT_BREAKPOINT);
	emu_free(e);
}
END_TEST

/* SDM vol. 3, 2.5, table 2-2. */
START_TEST(test_nm)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	static const uint8_t code[] = { 0x9b, 0xd9, 0xe8, 0xf4 };  /* fwait; fld1 */

	emu_load(e, EMU_CODE, code, sizeof(code));
	e->v.s.cr0 = (e->v.s.cr0 & ~CR0_MP) | CR0_TS;
	emu_run(e, EMU_CODE, 100);
	ck_assert_int_eq(e->exc_vector, EXC_NM);                     /* at fld1 */
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 1);
	e->v.s.cr0 |= CR0_MP;
	emu_run(e, EMU_CODE, 100);
	ck_assert_int_eq(e->exc_vector, EXC_NM);                     /* at fwait */
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE);
	e->v.s.cr0 = (e->v.s.cr0 & ~CR0_TS) | CR0_EM | CR0_MP;
	emu_run(e, EMU_CODE, 100);
	ck_assert_int_eq(e->exc_vector, EXC_NM);                     /* EM: fld1, not fwait */
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 1);
	emu_free(e);
}
END_TEST

START_TEST(test_fldcw_reserved_bits)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	static const uint8_t code[] = {
		0xdb, 0xe3, 0xd9, 0x2e,         /* fninit; fldcw [rsi] */
		0xd9, 0x3f,                     /* fnstcw [rdi] */
		0xd9, 0x6e, 0x02,               /* fldcw [rsi+2] */
		0xd9, 0x7f, 0x02,               /* fnstcw [rdi+2] */
		0xf4,
	};
	uint16_t cw[2] = { 0xffff, 0x0000 };

	emu_load(e, EMU_DATA, cw, 4);
	e->v.s.gpr[6] = EMU_DATA;
	e->v.s.gpr[7] = EMU_DATA + 16;
	run_to_hlt(e, EMU_CODE, code, sizeof(code));
	ck_assert_uint_eq(rd16(e, EMU_DATA + 16), 0x1f7f);
	ck_assert_uint_eq(rd16(e, EMU_DATA + 18), 0x0040);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("x87_ctl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_env_real_mode);
	tcase_add_test(tc, test_env_protected);
	tcase_add_test(tc, test_save_restore);
	tcase_add_test(tc, test_deferred_mf);
	tcase_add_test(tc, test_nm);
	tcase_add_test(tc, test_fldcw_reserved_bits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
