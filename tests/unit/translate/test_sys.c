/*
 * tests/unit/translate/test_sys.c - system instructions (translate/ops/sys_*.c) run
 * as real instruction sequences in the test machine (tests/unit/common/emu.h): the
 * protected-to-long-mode switch, real-mode INT/IRET and the switch to protected mode,
 * IDT delivery with IRETQ, SYSCALL/SYSRET, a call gate with a parameter, port I/O
 * with IOPL and the TSS bitmap, descriptor queries, reserved CR4 bits.
 * The byte arrays were assembled with GNU as; the source is in each comment.
 */
#include "tests/unit/common/check_run.h"
#include "../common/emu.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static uint64_t gate_lo(uint16_t sel, uint64_t off, unsigned type, unsigned dpl, unsigned extra)
{
	return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)extra << 32) |
	       ((uint64_t)(type | 0x80 | (dpl << 5)) << 40) | (((off >> 16) & 0xffff) << 48);
}

/* lgdt 0x200000; CR4.PAE; CR3 = 0x20000; EFER.LME (rdmsr/wrmsr); CR0.PG;
 * ljmp $0x08, long_entry; [64-bit] mov $0x10,%ax; mov %ax,%ds; mov %ax,%ss;
 * rdmsr EFER -> ebx; mov $0x12345678,%eax; hlt */
static const uint8_t boot_code[] = {
	0x0f, 0x01, 0x15, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x20, 0xe0, 0x83, 0xc8,
	0x20, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x22, 0xd8,
	0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00,
	0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22,
	0xc0, 0xea, 0x38, 0x00, 0x10, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00,
	0x8e, 0xd8, 0x8e, 0xd0, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x89,
	0xc3, 0xb8, 0x78, 0x56, 0x34, 0x12, 0xf4,
};

START_TEST(test_enter_long_mode)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	uint8_t pd[6] = { 0x3f, 0, (uint8_t)EMU_GDT, (uint8_t)(EMU_GDT >> 8), 0, 0 };

	emu_load(e, EMU_DATA, pd, sizeof(pd));
	emu_write64(e, 0x20000, 0x21000 | 3);
	emu_write64(e, 0x21000, 0x22000 | 3);
	for (uint64_t k = 0; k < 4; k++)
		emu_write64(e, 0x22000 + 8 * k, (k << 21) | 0x83);
	emu_load(e, EMU_CODE, boot_code, sizeof(boot_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(e->v.s.gpr[0], 0x12345678);
	ck_assert(cpu_64bit_mode(&e->v.s));
	ck_assert_uint_eq(e->v.s.gpr[3] & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	ck_assert_uint_eq(e->v.s.seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(e->v.s.seg[SEG_SS].sel, 0x10);
	emu_free(e);
}
END_TEST

/* [real mode at 0:8000] mov $0x1000,%ax; int $0x10; cli; lgdt %cs:gdtp;
 * CR0.PE = 1; ljmpl $0x28, pm; gdtp: .word 0x3f, .long 0x1000;
 * pm: [32-bit] mov $0x10,%ax; mov %ax,%ds; mov %ax,%ss; mov %ebx,%ecx; hlt
 * isr: mov $0x55,%bl; iret */
static const uint8_t real_code[] = {
	0xb8, 0x00, 0x10, 0xcd, 0x10, 0xfa, 0x2e, 0x0f, 0x01, 0x16, 0x1e, 0x80,
	0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0, 0x66, 0xea,
	0x24, 0x80, 0x00, 0x00, 0x28, 0x00, 0x3f, 0x00, 0x00, 0x10, 0x00, 0x00,
	0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xd0, 0x89, 0xd9, 0xf4, 0xb3,
	0x55, 0xcf,
};

START_TEST(test_real_int_and_protected_switch)
{
	struct emu *e = emu_new(EMU_REAL, 0);
	uint32_t ivt = (uint32_t)(EMU_REAL_CODE + 0x2f);        /* 0000:isr */

	emu_write64(e, EMU_GDT + 0x10, 0x00cf92000000ffffull);
	emu_write64(e, EMU_GDT + 0x28, 0x00cf9a000000ffffull);
	emu_load(e, 0x10 * 4, &ivt, 4);
	e->v.s.gpr[4] = 0x7000;
	emu_load(e, EMU_REAL_CODE, real_code, sizeof(real_code));
	ck_assert_int_eq(emu_run(e, EMU_REAL_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(e->v.s.gpr[1] & 0xff, 0x55);          /* the ISR ran */
	ck_assert_uint_eq(e->v.s.gpr[0] & 0xffff, 0x10);
	ck_assert_uint_eq(e->v.s.seg[SEG_CS].sel, 0x28);
	ck_assert_uint_eq(cpu_code_size(&e->v.s), 4);
	ck_assert_uint_eq(e->v.s.gpr[4] & 0xffff, 0x7000);      /* IRET popped the frame */
	ck_assert_uint_eq(emu_rflags(e) & RFLAGS_IF, 0);        /* CLI */
	emu_free(e);
}
END_TEST

/* lidt 0x200000; mov $5,%eax; int $0x80; ud2; add $100,%eax; hlt;
 * h80: add $1,%eax; iretq;  hud: addq $2,(%rsp); add $10,%eax; iretq */
static const uint8_t idt_code[] = {
	0x0f, 0x01, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, 0xb8, 0x05, 0x00, 0x00,
	0x00, 0xcd, 0x80, 0x0f, 0x0b, 0x83, 0xc0, 0x64, 0xf4, 0x83, 0xc0, 0x01,
	0x48, 0xcf, 0x48, 0x83, 0x04, 0x24, 0x02, 0x83, 0xc0, 0x0a, 0x48, 0xcf,
};

START_TEST(test_idt_int_and_fault_iretq)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint8_t pd[10] = { 0xff, 0x0f };
	uint64_t idt = EMU_DATA + 0x1000;

	memcpy(pd + 2, &idt, 8);
	emu_load(e, EMU_DATA, pd, sizeof(pd));
	emu_write64(e, idt + 0x80 * 16, gate_lo(0x08, EMU_CODE + 0x15, 0xe, 0, 0));
	emu_write64(e, idt + 6 * 16, gate_lo(0x08, EMU_CODE + 0x1a, 0xe, 0, 0));
	translate_set_stop_on_exception(&e->v, false);
	emu_load(e, EMU_CODE, idt_code, sizeof(idt_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(e->v.s.gpr[0], 116);
	ck_assert_uint_eq(e->v.s.gpr[4], EMU_STACK_TOP);
	emu_free(e);
}
END_TEST

/* user: mov $7,%eax; syscall; add $1,%eax; user_end: nop;
 * kern: add $10,%eax; sysretq */
static const uint8_t syscall_code[] = {
	0xb8, 0x07, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x83, 0xc0, 0x01, 0x90, 0x83,
	0xc0, 0x0a, 0x48, 0x0f, 0x07,
};

START_TEST(test_syscall_sysret)
{
	struct emu *e = emu_new(EMU_LONG64, 3);
	struct cpu_state *s = &e->v.s;

	s->msr.star = (0x08ull << 48) | (0x08ull << 32);
	s->msr.lstar = EMU_CODE + 0xb;
	s->msr.sfmask = RFLAGS_TF;
	emu_load(e, EMU_CODE, syscall_code, sizeof(syscall_code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 0xa, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(s->gpr[0], 18);
	ck_assert_uint_eq(s->gpr[1], EMU_CODE + 7);             /* RCX: return address */
	ck_assert_uint_eq(cpu_cpl(s), 3);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x1b);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x13);
	ck_assert(cpu_64bit_mode(s));
	emu_free(e);
}
END_TEST

/* user: push $0x1234; lcall $0x43,$0; user_end: nop;
 * kern: mov 8(%esp),%ebx; mov 16(%esp),%ecx; lret $4 */
static const uint8_t gate_code[] = {
	0x68, 0x34, 0x12, 0x00, 0x00, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x43, 0x00,
	0x90, 0x8b, 0x5c, 0x24, 0x08, 0x8b, 0x4c, 0x24, 0x10, 0xca, 0x04, 0x00,
};

START_TEST(test_call_gate_to_ring0)
{
	struct emu *e = emu_new(EMU_PROT32, 3);
	struct cpu_state *s = &e->v.s;

	/* call gate at 0x40: 0x28:kern, DPL 3, one parameter; 32-bit TSS with SS0:ESP0 */
	emu_write64(e, EMU_GDT + 0x40, gate_lo(0x28, EMU_CODE + 0xd, 0xc, 3, 1));
	s->gdtr.limit = 0x47;
	emu_write64(e, 0x5000, 0x390000ull << 32);
	emu_write64(e, 0x5008, 0x10);
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x48, .base = 0x5000, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
	emu_load(e, EMU_CODE, gate_code, sizeof(gate_code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 0xc, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(s->gpr[3], 0x1234);                   /* the copied parameter */
	ck_assert_uint_eq(s->gpr[1], 0x23);                     /* the caller's SS */
	ck_assert_uint_eq(cpu_cpl(s), 3);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x23);
	ck_assert_uint_eq(s->gpr[4], EMU_STACK_TOP);            /* lret $4 popped it */
	emu_free(e);
}
END_TEST

static unsigned g_out_count;
static uint16_t g_out_port;
static uint32_t g_out_val;

static void fake_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	g_out_count++;
	g_out_port = port;
	g_out_val = val;
}

static uint32_t fake_in(void *opaque, uint16_t port, unsigned size)
{
	return port == 0x3f8 ? 0x60 : 0xff;
}

/* mov $0x3f8,%dx; mov $0x41,%al; out %al,%dx; in %dx,%al; mov %eax,%ebx;
 * mov $0x80,%al; out %al,$0x70; nop */
static const uint8_t io_code[] = {
	0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xec, 0x89, 0xc3, 0xb0, 0x80,
	0xe6, 0x70, 0x90,
};

START_TEST(test_port_io_permissions)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint8_t bitmap[0x80];

	e->bus.pio_out = fake_out;
	e->bus.pio_in = fake_in;
	g_out_count = 0;
	emu_load(e, EMU_CODE, io_code, sizeof(io_code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 14, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(g_out_count, 2);
	ck_assert_uint_eq(g_out_port, 0x70);
	ck_assert_uint_eq(e->v.s.gpr[3] & 0xff, 0x60);
	emu_free(e);

	/* CPL 3, IOPL 0: only the TSS bitmap grants access (SDM vol. 1, 19.5.2) */
	e = emu_new(EMU_LONG64, 3);
	e->bus.pio_out = fake_out;
	e->bus.pio_in = fake_in;
	g_out_count = 0;
	memset(bitmap, 0xff, sizeof(bitmap));
	bitmap[0x3f8 / 8] &= ~(1u << (0x3f8 & 7));
	emu_load(e, 0x5068, bitmap, sizeof(bitmap));
	emu_write64(e, 0x5060, 0x68ull << 48);                  /* I/O map base at 66H */
	e->v.s.seg[SEG_TR] = (struct seg_cache){ .sel = 0x40, .base = 0x5000,
						 .limit = 0x68 + sizeof(bitmap), .attr = SEGA_P | 0xb };
	emu_load(e, EMU_CODE, io_code, sizeof(io_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 12);           /* out $0x70: denied */
	ck_assert_uint_eq(g_out_count, 1);
	ck_assert_uint_eq(e->v.s.gpr[3] & 0xff, 0x60);
	emu_free(e);
}
END_TEST

/* lar 0x08 -> ebx; lsl 0x10 -> ecx; verr/verw 0x28 -> dl/dh; lar 0x33 -> esi, ZF -> al;
 * lss 0x200000,%esp; CR4 |= SMXE (not in the model: #GP) */
static const uint8_t query_code[] = {
	0xb8, 0x08, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xd8, 0xb8, 0x10, 0x00, 0x00,
	0x00, 0x0f, 0x03, 0xc8, 0xb8, 0x28, 0x00, 0x00, 0x00, 0x0f, 0x00, 0xe0,
	0x0f, 0x94, 0xc2, 0x0f, 0x00, 0xe8, 0x0f, 0x94, 0xc6, 0xb8, 0x33, 0x00,
	0x00, 0x00, 0x0f, 0x02, 0xf0, 0x0f, 0x94, 0xc0, 0x0f, 0xb2, 0x25, 0x00,
	0x00, 0x20, 0x00, 0x0f, 0x20, 0xe7, 0x81, 0xcf, 0x00, 0x40, 0x00, 0x00,
	0x0f, 0x22, 0xe7,
};

START_TEST(test_descriptor_queries_and_cr4)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	struct cpu_state *s = &e->v.s;
	uint8_t farp[6] = { 0x50, 0x34, 0x12, 0x00, 0x10, 0x00 };

	emu_load(e, EMU_DATA, farp, sizeof(farp));
	emu_load(e, EMU_CODE, query_code, sizeof(query_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	ck_assert_uint_eq(s->rip, EMU_CODE + sizeof(query_code) - 3);
	ck_assert_uint_eq(s->gpr[3], 0x00a09a00);               /* LAR: 64-bit code, DPL 0 */
	ck_assert_uint_eq(s->gpr[1], 0xffffffff);               /* LSL: 4 GiB */
	ck_assert_uint_eq(s->gpr[2] & 0xffff, 0x0001);          /* VERR yes, VERW no */
	ck_assert_uint_eq(s->gpr[0] & 0xff, 0);                 /* LAR of a null entry */
	ck_assert_uint_eq(s->gpr[4], 0x123450);                 /* LSS */
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(s->cr4 & CR4_SMXE, 0);
	emu_free(e);
}
END_TEST

/* Regression (Linux's cpu_init_exception_handling): LTR of a 16-byte TSS descriptor
 * whose base is above 4 GiB. Only bits 12:8 of the descriptor's last dword are the
 * must-be-zero type field (SDM vol. 3, 7.2.3, figure 7-4), not base bits 47:40.
 * mov $0x40,%eax; ltr %ax; str %ebx; hlt */
static const uint8_t ltr64_code[] = {
	0xb8, 0x40, 0x00, 0x00, 0x00, 0x0f, 0x00, 0xd8, 0x0f, 0x00, 0xcb, 0xf4,
};

START_TEST(test_ltr_64bit_tss_high_base)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	struct cpu_state *s = &e->v.s;

	/* available 64-bit TSS (type 9), base 0xfffffe0000003000, limit 0x4087 */
	emu_write64(e, EMU_GDT + 0x40, 0x0000890030004087ull);
	emu_write64(e, EMU_GDT + 0x48, 0x00000000fffffe00ull);
	s->gdtr.limit = 0x4f;
	emu_load(e, EMU_CODE, ltr64_code, sizeof(ltr64_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->gpr[3], 0x40);
	ck_assert_uint_eq(s->seg[SEG_TR].base, 0xfffffe0000003000ull);
	ck_assert_uint_eq(s->seg[SEG_TR].attr & SEGA_TYPE_MASK, 0xb);   /* busy */
	ck_assert_uint_eq((emu_read64(e, EMU_GDT + 0x40) >> 40) & 0xf, 0xb);
	/* a reserved type bit in the upper half: #GP(selector) */
	emu_write64(e, EMU_GDT + 0x40, 0x0000890030004087ull);
	emu_write64(e, EMU_GDT + 0x48, 0x00000100fffffe00ull);
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_GP);
	ck_assert_uint_eq(e->exc_error, 0x40);
	emu_free(e);
}
END_TEST

/* mov $0x1234000,%rax; wrfsbase %rax; rdfsbase %rbx; xor %ecx,%ecx; xor %edx,%edx;
 * mov $0xc,%eax; wrpkru; xor %eax,%eax; rdpkru; mov %eax,%esi; mov $1,%ecx; rdpkru */
static const uint8_t fsgs_pku_code[] = {
	0x48, 0xc7, 0xc0, 0x00, 0x40, 0x23, 0x01, 0xf3, 0x48, 0x0f, 0xae, 0xd0,
	0xf3, 0x48, 0x0f, 0xae, 0xc3, 0x31, 0xc9, 0x31, 0xd2, 0xb8, 0x0c, 0x00,
	0x00, 0x00, 0x0f, 0x01, 0xef, 0x31, 0xc0, 0x0f, 0x01, 0xee, 0x89, 0xc6,
	0xb9, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xee,
};

START_TEST(test_fsgsbase_and_pkru)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	struct cpu_state *s = &e->v.s;

	s->cr4 |= CR4_FSGSBASE | CR4_PKE;
	emu_load(e, EMU_CODE, fsgs_pku_code, sizeof(fsgs_pku_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_GP);                /* RDPKRU with ECX = 1 */
	ck_assert_uint_eq(s->rip, EMU_CODE + sizeof(fsgs_pku_code) - 3);
	ck_assert_uint_eq(s->seg[SEG_FS].base, 0x1234000);
	ck_assert_uint_eq(s->gpr[3], 0x1234000);
	ck_assert_uint_eq(s->pkru, 0xc);
	ck_assert_uint_eq(s->gpr[6], 0xc);
	emu_free(e);

	e = emu_new(EMU_LONG64, 0);                             /* CR4.FSGSBASE = 0: #UD */
	emu_load(e, EMU_CODE, fsgs_pku_code, sizeof(fsgs_pku_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_EXCEPTION);
	ck_assert_int_eq(e->exc_vector, EXC_UD);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 7);
	emu_free(e);
}
END_TEST

/* kern: push $0x23 (SS); push $0x300000; push $2 (RFLAGS); push $0x1b; push $user; iretq;
 * user: mov $0x42,%ebx; int $0x80; after: nop;
 * h80: mov $0x99,%ecx; mov 24(%rsp),%rdx; mov 32(%rsp),%rsi; iretq */
static const uint8_t iretq_code[] = {
	0xb8, 0x23, 0x00, 0x00, 0x00, 0x50, 0x68, 0x00, 0x00, 0x30, 0x00, 0x6a,
	0x02, 0x6a, 0x1b, 0x68, 0x16, 0x00, 0x10, 0x00, 0x48, 0xcf, 0xbb, 0x42,
	0x00, 0x00, 0x00, 0xcd, 0x80, 0x90, 0xb9, 0x99, 0x00, 0x00, 0x00, 0x48,
	0x8b, 0x54, 0x24, 0x18, 0x48, 0x8b, 0x74, 0x24, 0x20, 0x48, 0xcf,
};

START_TEST(test_iretq_to_user_and_int_back)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	struct cpu_state *s = &e->v.s;

	s->idtr.base = EMU_DATA + 0x1000;
	s->idtr.limit = 0xfff;
	emu_write64(e, EMU_DATA + 0x1000 + 0x80 * 16, gate_lo(0x08, EMU_CODE + 0x1e, 0xe, 3, 0));
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x40, .base = 0x5000, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
	emu_write64(e, 0x5004, 0x380000);                       /* RSP0 */
	emu_load(e, EMU_CODE, iretq_code, sizeof(iretq_code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 0x1d, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(cpu_cpl(s), 3);
	ck_assert_uint_eq(s->gpr[3], 0x42);
	ck_assert_uint_eq(s->gpr[1], 0x99);                     /* the handler ran at CPL 0 */
	ck_assert_uint_eq(s->gpr[2], 0x300000);                 /* it saw the user RSP */
	ck_assert_uint_eq(s->gpr[6], 0x23);                     /* and SS */
	ck_assert_uint_eq(s->gpr[4], 0x300000);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x23);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x1b);
	emu_free(e);
}
END_TEST

/* a: lcall $0x48,$0; a_back: mov $0x11,%ecx; ljmp $0x48,$0; a_end: nop;
 * b: movl $0x77,0x200100; str 0x200104; iret;  b2: movl $0x88,0x200108; hlt */
static const uint8_t task_code[] = {
	0x9a, 0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0xb9, 0x11, 0x00, 0x00, 0x00,
	0xea, 0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0x90, 0xc7, 0x05, 0x00, 0x01,
	0x20, 0x00, 0x77, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x0d, 0x04, 0x01, 0x20,
	0x00, 0xcf, 0xc7, 0x05, 0x08, 0x01, 0x20, 0x00, 0x88, 0x00, 0x00, 0x00,
	0xf4,
};

static uint64_t tss_desc(uint32_t base, unsigned type)
{
	return 0x67 | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)(0x80 | type) << 40) |
	       ((uint64_t)(base >> 24) << 56);
}

START_TEST(test_task_switch_call_iret_jmp)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	struct cpu_state *s = &e->v.s;
	uint32_t r32 = 0;

	emu_write64(e, EMU_GDT + 0x40, tss_desc(0x5000, 0xb));  /* task A: busy, current */
	emu_write64(e, EMU_GDT + 0x48, tss_desc(0x6000, 0x9));  /* task B: available */
	s->gdtr.limit = 0x4f;
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x40, .base = 0x5000, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
	emu_write64(e, 0x6020, ((uint64_t)2 << 32) | (EMU_CODE + 0x14));   /* EIP, EFLAGS */
	emu_write64(e, 0x6038, 0x380000);                                  /* ESP */
	emu_write64(e, 0x6048, 0x0000002800000010ull);                     /* ES, CS */
	emu_write64(e, 0x6050, 0x0000001000000010ull);                     /* SS, DS */
	emu_write64(e, 0x6058, 0x0000001000000010ull);                     /* FS, GS */
	emu_load(e, EMU_CODE, task_code, sizeof(task_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	emu_read(e, 0x200100, &r32, 4);
	ck_assert_uint_eq(r32, 0x77);                           /* task B ran */
	emu_read(e, 0x200104, &r32, 4);
	ck_assert_uint_eq(r32 & 0xffff, 0x48);                  /* with TR = B */
	emu_read(e, 0x200108, &r32, 4);
	ck_assert_uint_eq(r32, 0x88);                           /* and resumed after IRET */
	ck_assert_uint_eq(s->seg[SEG_TR].sel, 0x48);
	ck_assert_uint_eq((emu_read64(e, EMU_GDT + 0x40) >> 40) & 0xf, 0x9);   /* A free */
	ck_assert_uint_eq((emu_read64(e, EMU_GDT + 0x48) >> 40) & 0xf, 0xb);   /* B busy */
	emu_read(e, 0x6000, &r32, 4);
	ck_assert_uint_eq(r32 & 0xffff, 0x40);                  /* back link from the CALL */
	emu_read(e, 0x5020, &r32, 4);
	ck_assert_uint_eq(r32, EMU_CODE + 0x13);                /* A saved after its JMP */
	emu_read(e, 0x502c, &r32, 4);
	ck_assert_uint_eq(r32, 0x11);                           /* with its ECX */
	ck_assert(s->cr0 & CR0_TS);
	ck_assert_uint_eq(emu_rflags(e) & RFLAGS_NT, 0);        /* JMP does not nest */
	emu_free(e);
}
END_TEST

/* k: push $0x23; push $0x3f0000; push $0x3b; push $u; lret  (to CPL 3)
 * u: mov $0x3e0000,%ecx; mov $u2,%edx; sysenter;  u2: mov $1,%esi;  u_end: nop
 * ke: mov $0x55,%edi; sysexit */
static const uint8_t sysenter_code[] = {
	0x6a, 0x23, 0x68, 0x00, 0x00, 0x3f, 0x00, 0x6a, 0x3b, 0x68, 0x0f, 0x00,
	0x10, 0x00, 0xcb, 0xb9, 0x00, 0x00, 0x3e, 0x00, 0xba, 0x1b, 0x00, 0x10,
	0x00, 0x0f, 0x34, 0xbe, 0x01, 0x00, 0x00, 0x00, 0x90, 0xbf, 0x55, 0x00,
	0x00, 0x00, 0x0f, 0x35,
};

START_TEST(test_ret_outer_and_sysenter_sysexit)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	struct cpu_state *s = &e->v.s;

	s->msr.sysenter_cs = 0x28;
	s->msr.sysenter_esp = 0x390000;
	s->msr.sysenter_eip = EMU_CODE + 0x21;
	emu_load(e, EMU_CODE, sysenter_code, sizeof(sysenter_code));
	ck_assert_int_eq(emu_run_until(e, EMU_CODE, EMU_CODE + 0x20, 100), RUN_EXIT_BREAKPOINT);
	ck_assert_uint_eq(s->gpr[7], 0x55);                     /* SYSENTER ran ke at CPL 0 */
	ck_assert_uint_eq(s->gpr[6], 1);
	ck_assert_uint_eq(cpu_cpl(s), 3);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x3b);            /* SYSENTER_CS + 16, RPL 3 */
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x43);
	ck_assert_uint_eq(s->gpr[4], 0x3e0000);
	ck_assert(s->seg[SEG_DS].attr & SEGA_UNUSABLE);         /* nulled by the outer RET */
	emu_free(e);
}
END_TEST

/* k: push GS 0, FS 0, DS 2000h, ES 3000h, SS 7000h, ESP 0FF0h, EFLAGS VM|2, CS 0800h,
 * EIP 0100h; iret  (into virtual-8086 mode)
 * h (the #GP handler): mov 4(%esp),%ebx; mov 24(%esp),%ecx; mov 8(%esp),%edx; hlt
 * v86 code at 0800:0100: mov $5,%ax; int $0x21 (IOPL 0: #GP(0)) */
static const uint8_t v86_code[] = {
	0x6a, 0x00, 0x6a, 0x00, 0x68, 0x00, 0x20, 0x00, 0x00, 0x68, 0x00, 0x30,
	0x00, 0x00, 0x68, 0x00, 0x70, 0x00, 0x00, 0x68, 0xf0, 0x0f, 0x00, 0x00,
	0x68, 0x02, 0x00, 0x02, 0x00, 0x68, 0x00, 0x08, 0x00, 0x00, 0x68, 0x00,
	0x01, 0x00, 0x00, 0xcf, 0x8b, 0x5c, 0x24, 0x04, 0x8b, 0x4c, 0x24, 0x18,
	0x8b, 0x54, 0x24, 0x08, 0xf4,
};
static const uint8_t v86_user[] = { 0xb8, 0x05, 0x00, 0xcd, 0x21 };

START_TEST(test_iret_to_v86_and_gp_out)
{
	struct emu *e = emu_new(EMU_PROT32, 0);
	struct cpu_state *s = &e->v.s;

	s->idtr.base = EMU_DATA + 0x1000;
	s->idtr.limit = 0x7ff;
	emu_write64(e, EMU_DATA + 0x1000 + 13 * 8, gate_lo(0x28, EMU_CODE + 0x28, 0xe, 0, 0));
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x40, .base = 0x5000, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
	emu_write64(e, 0x5004, (0x10ull << 32) | 0x390000);      /* ESP0, SS0 */
	translate_set_stop_on_exception(&e->v, false);
	emu_load(e, 0x8100, v86_user, sizeof(v86_user));
	emu_load(e, EMU_CODE, v86_code, sizeof(v86_code));
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);
	ck_assert_uint_eq(s->gpr[0] & 0xffff, 5);               /* the v86 code ran */
	ck_assert_uint_eq(s->gpr[3], 0x103);                    /* #GP at the INT */
	ck_assert_uint_eq(s->gpr[1], 0x3000);                   /* ES pushed by the switch */
	ck_assert_uint_eq(s->gpr[2], 0x800);                    /* CS */
	ck_assert(!cpu_v86_mode(s));
	ck_assert(s->seg[SEG_DS].attr & SEGA_UNUSABLE);         /* data segments nulled */
	ck_assert_uint_eq(s->gpr[4], 0x390000 - 40);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("translate_sys");
	TCase *tc = tcase_create("sys");

	tcase_add_test(tc, test_enter_long_mode);
	tcase_add_test(tc, test_real_int_and_protected_switch);
	tcase_add_test(tc, test_idt_int_and_fault_iretq);
	tcase_add_test(tc, test_syscall_sysret);
	tcase_add_test(tc, test_call_gate_to_ring0);
	tcase_add_test(tc, test_port_io_permissions);
	tcase_add_test(tc, test_descriptor_queries_and_cr4);
	tcase_add_test(tc, test_ltr_64bit_tss_high_base);
	tcase_add_test(tc, test_fsgsbase_and_pkru);
	tcase_add_test(tc, test_iretq_to_user_and_int_back);
	tcase_add_test(tc, test_task_switch_call_iret_jmp);
	tcase_add_test(tc, test_ret_outer_and_sysenter_sysexit);
	tcase_add_test(tc, test_iret_to_v86_and_gp_out);
	suite_add_tcase(s, tc);
	return check_run(s);
}
