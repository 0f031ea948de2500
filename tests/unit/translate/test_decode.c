/*
 * tests/unit/translate/test_decode.c - focused decoder tests: prefixes, REX, the
 * 15-byte limit, LOCK, 64-bit-invalid opcodes, addressing forms, operand sizes.
 * The Capstone cross-check is test_decode_capstone.c.
 */
#include "tests/unit/common/check_run.h"
#include "translate/opcodes.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int dec(struct x86_insn *i, unsigned mode, const char *hex)
{
	uint8_t b[32];
	size_t n = 0;

	memset(b, 0x90, sizeof(b));
	while (hex[0] && hex[1]) {
		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		b[n++] = (uint8_t)strtoul((char[]){ hex[0], hex[1], 0 }, NULL, 16);
		hex += 2;
	}
	return x86_decode(i, b, n, mode);
}

static const char *name(const struct x86_insn *i)
{
	return x86_op_name(i->op);
}

START_TEST(test_basic_alu)
{
	struct x86_insn i;

	ck_assert_int_eq(dec(&i, 8, "48 01 d8"), 0);           /* add rax, rbx */
	ck_assert_str_eq(name(&i), "ADD");
	ck_assert_uint_eq(i.len, 3);
	ck_assert_uint_eq(i.opsize, 8);
	ck_assert_uint_eq(i.opnd[0].kind, OPND_GPR);
	ck_assert_uint_eq(i.opnd[0].reg, 0);
	ck_assert_uint_eq(i.opnd[1].reg, 3);
	ck_assert_uint_eq(i.opnd[1].size, 8);
	ck_assert_int_eq(dec(&i, 4, "83 c0 ff"), 0);           /* add eax, -1 */
	ck_assert_uint_eq(i.imm, ~0ull);
	ck_assert_uint_eq(i.opnd[1].size, 4);
	ck_assert_int_eq(dec(&i, 2, "05 34 12"), 0);           /* add ax, 0x1234 */
	ck_assert_uint_eq(i.len, 3);
	ck_assert_uint_eq(i.imm, 0x1234);
	ck_assert_int_eq(dec(&i, 8, "00 e4"), 0);              /* add ah, ah */
	ck_assert_uint_eq(i.opsize, 1);
	ck_assert(!i.has_rex);
	ck_assert_int_eq(dec(&i, 8, "40 00 e4"), 0);           /* add spl, spl */
	ck_assert(i.has_rex);
	ck_assert_int_eq(dec(&i, 8, "41 81 c0 78 56 34 12"), 0); /* add r8d, imm32 */
	ck_assert_uint_eq(i.opnd[0].reg, 8);
	ck_assert_uint_eq(i.imm, 0x12345678);
	ck_assert_int_eq(dec(&i, 8, "48 b8 88 77 66 55 44 33 22 11"), 0);
	ck_assert_str_eq(name(&i), "MOV");
	ck_assert_uint_eq(i.len, 10);
	ck_assert_uint_eq(i.imm, 0x1122334455667788ull);
}
END_TEST

START_TEST(test_prefix_rules)
{
	struct x86_insn i;

	/* last segment override wins */
	ck_assert_int_eq(dec(&i, 4, "26 2e 64 8b 00"), 0);
	ck_assert_uint_eq(i.seg, SEG_FS);
	ck_assert_uint_eq(i.len, 5);
	/* last of F2/F3 wins */
	ck_assert_int_eq(dec(&i, 4, "f3 f2 a4"), 0);
	ck_assert_uint_eq(i.rep, REP_F2);
	ck_assert_int_eq(dec(&i, 4, "f2 f3 a6"), 0);
	ck_assert_uint_eq(i.rep, REP_F3);
	/* 66 and 67 in 32-bit mode */
	ck_assert_int_eq(dec(&i, 4, "66 67 8b 07"), 0);        /* mov ax, [bx] */
	ck_assert_uint_eq(i.opsize, 2);
	ck_assert_uint_eq(i.addrsize, 2);
	ck_assert_uint_eq(i.base, 3);
	/* 16-bit mode: 66 selects 32-bit */
	ck_assert_int_eq(dec(&i, 2, "66 b8 01 00 00 00"), 0);
	ck_assert_uint_eq(i.opsize, 4);
	ck_assert_uint_eq(i.len, 6);
	/* default SS for BP-based 16-bit addressing */
	ck_assert_int_eq(dec(&i, 2, "8b 46 08"), 0);           /* mov ax, [bp+8] */
	ck_assert_uint_eq(i.seg, SEG_SS);
	ck_assert_uint_eq(i.disp, 8);
	/* 64-bit: DS override is ignored, FS is not */
	ck_assert_int_eq(dec(&i, 8, "3e 8b 04 24"), 0);        /* mov eax, [rsp] */
	ck_assert_uint_eq(i.seg, SEG_SS);
	ck_assert_int_eq(dec(&i, 8, "64 8b 04 24"), 0);
	ck_assert_uint_eq(i.seg, SEG_FS);
	/* SSE mandatory prefix selection */
	ck_assert_int_eq(dec(&i, 8, "66 0f 58 c1"), 0);
	ck_assert_str_eq(name(&i), "ADDPD");
	ck_assert_int_eq(dec(&i, 8, "66 f3 0f 58 c1"), 0);
	ck_assert_str_eq(name(&i), "ADDSS");
	ck_assert_int_eq(dec(&i, 8, "0f 58 c1"), 0);
	ck_assert_str_eq(name(&i), "ADDPS");
	/* CRC32 with 66: 16-bit source */
	ck_assert_int_eq(dec(&i, 8, "66 f2 0f 38 f1 c1"), 0);
	ck_assert_str_eq(name(&i), "CRC32");
	ck_assert_uint_eq(i.opnd[1].size, 2);
	ck_assert_uint_eq(i.opnd[0].size, 4);
}
END_TEST

START_TEST(test_rex_rules)
{
	struct x86_insn i;

	/* REX followed by a legacy prefix is ignored */
	ck_assert_int_eq(dec(&i, 8, "48 66 01 c0"), 0);        /* add ax, ax */
	ck_assert(!i.has_rex);
	ck_assert_uint_eq(i.opsize, 2);
	ck_assert_uint_eq(i.len, 4);
	ck_assert_int_eq(dec(&i, 8, "66 48 01 c0"), 0);        /* add rax, rax */
	ck_assert_uint_eq(i.opsize, 8);
	/* 40-4F are INC/DEC outside 64-bit mode */
	ck_assert_int_eq(dec(&i, 4, "41"), 0);
	ck_assert_str_eq(name(&i), "INC");
	ck_assert_uint_eq(i.opnd[0].reg, 1);
	/* REX.B on 90 is XCHG r8, rax; plain 90 is NOP; F3 90 is PAUSE */
	ck_assert_int_eq(dec(&i, 8, "41 90"), 0);
	ck_assert_str_eq(name(&i), "XCHG");
	ck_assert_uint_eq(i.opnd[0].reg, 8);
	ck_assert_int_eq(dec(&i, 8, "90"), 0);
	ck_assert_str_eq(name(&i), "NOP");
	ck_assert_int_eq(dec(&i, 8, "f3 90"), 0);
	ck_assert_str_eq(name(&i), "PAUSE");
	/* REX.R/X/B extend reg/index/base; index 4 without REX.X is none */
	ck_assert_int_eq(dec(&i, 8, "4f 8b 44 a5 10"), 0);     /* mov r8, [r13+r12*4+16] */
	ck_assert_uint_eq(i.opnd[0].reg, 8);
	ck_assert_uint_eq(i.base, 13);
	ck_assert_uint_eq(i.index, 12);
	ck_assert_uint_eq(i.scale, 4);
	ck_assert_int_eq(i.disp, 16);
	ck_assert_int_eq(dec(&i, 8, "8b 44 24 10"), 0);
	ck_assert_uint_eq(i.index, 0xff);
	ck_assert_uint_eq(i.base, 4);
	/* default-64 and forced-64 operand sizes */
	ck_assert_int_eq(dec(&i, 8, "50"), 0);
	ck_assert_uint_eq(i.opnd[0].size, 8);
	ck_assert_int_eq(dec(&i, 8, "66 50"), 0);
	ck_assert_uint_eq(i.opnd[0].size, 2);
	ck_assert_int_eq(dec(&i, 8, "66 e8 00 00 00 00"), 0);  /* Intel: rel32, 66 ignored */
	ck_assert_uint_eq(i.len, 6);
}
END_TEST

START_TEST(test_rip_relative)
{
	struct x86_insn i;

	ck_assert_int_eq(dec(&i, 8, "48 8b 05 f0 ff ff ff"), 0);
	ck_assert(i.rip_rel);
	ck_assert_uint_eq(i.base, 0xff);
	ck_assert_int_eq(i.disp, -16);
	/* with an immediate after the displacement: the length includes it */
	ck_assert_int_eq(dec(&i, 8, "c7 05 10 00 00 00 01 00 00 00"), 0);
	ck_assert(i.rip_rel);
	ck_assert_uint_eq(i.len, 10);
	/* SIB with no base is absolute, not RIP-relative */
	ck_assert_int_eq(dec(&i, 8, "8b 04 25 00 10 00 00"), 0);
	ck_assert(!i.rip_rel);
	ck_assert_uint_eq(i.base, 0xff);
	ck_assert_int_eq(i.disp, 0x1000);
	/* 32-bit mode: mod=0 rm=5 is absolute disp32 */
	ck_assert_int_eq(dec(&i, 4, "8b 05 00 10 00 00"), 0);
	ck_assert(!i.rip_rel);
}
END_TEST

START_TEST(test_length_limit)
{
	struct x86_insn i;

	/* 14 prefixes + 1-byte opcode = 15: fine */
	ck_assert_int_eq(dec(&i, 4, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"), 0);
	ck_assert_uint_eq(i.len, 15);
	/* 15 prefixes: the opcode is byte 16 */
	ck_assert_int_eq(dec(&i, 4, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"), -EXC_GP);
	/* 5 prefixes + REX + add [rax+disp32], imm32 = 16 bytes */
	ck_assert_int_eq(dec(&i, 8, "26 26 26 26 26 48 81 80 00 00 00 00 00 00 00 00"), -EXC_GP);
	/* not enough bytes */
	ck_assert_int_eq(dec(&i, 8, "48 8b 05 00"), X86_DECODE_SHORT);
	ck_assert_int_eq(dec(&i, 8, "66"), X86_DECODE_SHORT);
	ck_assert_int_eq(dec(&i, 8, "0f"), X86_DECODE_SHORT);
}
END_TEST

START_TEST(test_lock)
{
	struct x86_insn i;

	ck_assert_int_eq(dec(&i, 8, "f0 01 00"), 0);           /* lock add [rax], eax */
	ck_assert(i.lock);
	ck_assert_int_eq(dec(&i, 8, "f0 01 c0"), -EXC_UD);     /* register destination */
	ck_assert_int_eq(dec(&i, 8, "f0 8b 00"), -EXC_UD);     /* MOV is not lockable */
	ck_assert_int_eq(dec(&i, 8, "f0 39 00"), -EXC_UD);     /* CMP is not lockable */
	ck_assert_int_eq(dec(&i, 8, "f0 0f c7 08"), 0);        /* lock cmpxchg8b */
	ck_assert_int_eq(dec(&i, 8, "f0 87 00"), 0);           /* xchg */
	ck_assert_int_eq(dec(&i, 8, "f0 90"), -EXC_UD);
}
END_TEST

START_TEST(test_invalid_64)
{
	static const char *const inv[] = { "06", "07", "0e", "16", "17", "1e", "1f", "27", "2f",
					   "37", "3f", "60", "61", "ce", "d4 0a", "d5 0a", "d6",
					   "9a 00 00 00 00 00 00", "ea 00 00 00 00 00 00",
					   "82 c0 01", "c4", "0f 0b 0b" };
	struct x86_insn i;

	for (unsigned k = 0; k < sizeof(inv) / sizeof(inv[0]) - 2; k++) {
		ck_assert_int_eq(dec(&i, 8, inv[k]), -EXC_UD);
		ck_assert_int_eq(dec(&i, 4, inv[k]), 0);
	}
	ck_assert_int_eq(dec(&i, 4, "63 c0"), 0);
	ck_assert_str_eq(name(&i), "ARPL");
	ck_assert_int_eq(dec(&i, 8, "48 63 c0"), 0);
	ck_assert_str_eq(name(&i), "MOVSXD");
	ck_assert_int_eq(dec(&i, 4, "0f 01 f8"), -EXC_UD);     /* SWAPGS */
	ck_assert_int_eq(dec(&i, 8, "0f 01 f8"), 0);
	ck_assert_int_eq(dec(&i, 8, "0f 0b"), 0);
	ck_assert_str_eq(name(&i), "UD2");
	ck_assert_int_eq(dec(&i, 8, "0f 04"), -EXC_UD);        /* hole in the map */
}
END_TEST

START_TEST(test_vex)
{
	struct x86_insn i;

	/* andn eax, ebx, ecx: VEX.LZ.0F38.W0 F2 /r */
	ck_assert_int_eq(dec(&i, 8, "c4 e2 60 f2 c1"), 0);
	ck_assert_str_eq(name(&i), "ANDN");
	ck_assert_uint_eq(i.opnd[1].reg, 3);
	ck_assert_uint_eq(i.opnd[2].reg, 1);
	ck_assert_uint_eq(i.opnd[0].size, 4);
	/* vaddps ymm0, ymm1, [rax]: no row, decodes for length */
	ck_assert_int_eq(dec(&i, 8, "c5 f4 58 00"), 0);
	ck_assert_str_eq(name(&i), "VEX_OP");
	ck_assert_uint_eq(i.len, 4);
	/* VEX after 66 -> #UD */
	ck_assert_int_eq(dec(&i, 8, "66 c5 f4 58 00"), -EXC_UD);
	/* 32-bit: C5 with a memory ModRM is LDS */
	ck_assert_int_eq(dec(&i, 4, "c5 06"), 0);
	ck_assert_str_eq(name(&i), "LDS");
	/* EVEX vaddps zmm0, zmm1, [rax+0x40] (disp8*N keeps one byte) */
	ck_assert_int_eq(dec(&i, 8, "62 f1 74 48 58 40 01"), 0);
	ck_assert_str_eq(name(&i), "EVEX_OP");
	ck_assert_uint_eq(i.len, 7);
	/* EVEX map 3 has an immediate */
	ck_assert_int_eq(dec(&i, 8, "62 f3 75 48 0f c2 01"), 0);
	ck_assert_uint_eq(i.len, 7);
}
END_TEST

START_TEST(test_system_rows)
{
	struct x86_insn i;
	const struct x86_op_info *r;

	ck_assert_int_eq(dec(&i, 8, "0f a2"), 0);
	r = x86_insn_info(&i);
	ck_assert_str_eq(r->name, "CPUID");
	ck_assert_uint_eq(r->vmx_exit, X86_VMX_CPUID);
	ck_assert_uint_eq(r->svm_exit, X86_SVM_CPUID);
	ck_assert_int_eq(dec(&i, 8, "0f 22 d8"), 0);           /* mov cr3, rax */
	ck_assert_str_eq(name(&i), "MOV_CR");
	ck_assert_uint_eq(i.opnd[0].kind, OPND_CR);
	ck_assert_uint_eq(i.opnd[0].reg, 3);
	ck_assert_uint_eq(i.opnd[1].size, 8);
	ck_assert_uint_eq(x86_info_block(x86_insn_info(&i)), X86_BLOCK_END);
	ck_assert_int_eq(dec(&i, 4, "0f 20 00"), 0);           /* mod ignored: mov eax, cr0 */
	ck_assert_uint_eq(i.len, 3);
	ck_assert_uint_eq(i.opnd[0].kind, OPND_GPR);
	ck_assert_int_eq(dec(&i, 8, "0f 01 d8"), 0);
	ck_assert_str_eq(name(&i), "VMRUN");
	ck_assert_int_eq(dec(&i, 8, "0f 01 10"), 0);
	ck_assert_str_eq(name(&i), "LGDT");
	ck_assert_uint_eq(i.opnd[0].size, 10);
	ck_assert_int_eq(dec(&i, 8, "f3 0f c7 30"), 0);
	ck_assert_str_eq(name(&i), "VMXON");
	ck_assert_int_eq(dec(&i, 8, "0f c7 f0"), 0);
	ck_assert_str_eq(name(&i), "RDRAND");
	ck_assert_int_eq(dec(&i, 8, "eb fe"), 0);
	ck_assert_uint_eq(x86_info_block(x86_insn_info(&i)), X86_BLOCK_BRANCH);
	ck_assert_uint_eq(i.imm, (uint64_t)-2);
	ck_assert_int_eq(dec(&i, 8, "de c1"), 0);
	ck_assert_str_eq(name(&i), "FADDP");
	ck_assert_int_eq(dec(&i, 8, "dd 30"), 0);
	ck_assert_str_eq(name(&i), "FNSAVE");
	ck_assert_uint_eq(i.opnd[0].size, 108);
	ck_assert_int_eq(dec(&i, 8, "c8 10 00 01"), 0);        /* enter 16, 1 */
	ck_assert_uint_eq(i.imm, 16);
	ck_assert_uint_eq(i.imm2, 1);
	ck_assert_uint_eq(i.opnd[1].reg, 1);
	ck_assert_int_eq(dec(&i, 4, "ea 78 56 34 12 08 00"), 0);
	ck_assert_uint_eq(i.imm, 0x12345678);
	ck_assert_uint_eq(i.imm2, 8);
	ck_assert_int_eq(dec(&i, 8, "a1 88 77 66 55 44 33 22 11"), 0); /* moffs64 */
	ck_assert_uint_eq(i.len, 9);
	ck_assert_uint_eq((uint64_t)i.disp, 0x1122334455667788ull);
	ck_assert_int_eq(dec(&i, 8, "8e f0"), -EXC_UD);        /* mov seg 6 */
}
END_TEST

/*
 * Truncation: decoding the first `a` bytes of any sequence gives either
 * X86_DECODE_SHORT or exactly the full answer, never reads past `a` bytes (the
 * buffer is allocated to size, so ASan catches an over-read), and the full answer
 * appears once `a` reaches the instruction's length.
 */
START_TEST(test_truncation)
{
	uint64_t rs = 0x7e57ull;
	static const unsigned modes[3] = { 2, 4, 8 };

	for (unsigned n = 0; n < 20000; n++) {
		uint8_t full[16];
		struct x86_insn i, j;
		unsigned mode = modes[n % 3];
		int want;
		bool seen = false;

		for (unsigned k = 0; k < 16; k++) {
			rs = rs * 6364136223846793005ull + 1442695040888963407ull;
			full[k] = (uint8_t)(rs >> 56);
		}
		if (n & 1)
			full[0] = (uint8_t)(0x40 | (n & 0x0f)), full[1] = 0x0f;  /* REX + 0F */
		want = x86_decode(&i, full, 15, mode);
		ck_assert_int_ne(want, X86_DECODE_SHORT);
		for (unsigned a = 0; a <= 15; a++) {
			uint8_t *buf = malloc(a ? a : 1);
			int r;

			memcpy(buf, full, a);
			r = x86_decode(&j, buf, a, mode);
			free(buf);
			if (r == X86_DECODE_SHORT) {
				ck_assert_msg(!seen, "SHORT after a full answer at %u bytes", a);
				ck_assert(want != 0 || a < i.len);
				continue;
			}
			ck_assert_int_eq(r, want);
			if (!r) {
				ck_assert_uint_eq(j.len, i.len);
				ck_assert_uint_eq(j.row, i.row);
				ck_assert_uint_le(i.len, a);
			}
			seen = true;
		}
		ck_assert(seen);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("focused");

	tcase_add_test(tc, test_basic_alu);
	tcase_add_test(tc, test_prefix_rules);
	tcase_add_test(tc, test_rex_rules);
	tcase_add_test(tc, test_rip_relative);
	tcase_add_test(tc, test_length_limit);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_invalid_64);
	tcase_add_test(tc, test_vex);
	tcase_add_test(tc, test_system_rows);
	tcase_add_test(tc, test_truncation);
	suite_add_tcase(s, tc);
	return check_run(s);
}
