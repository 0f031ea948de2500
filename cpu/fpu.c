/*
 * cpu/fpu.c - the x87 unit, computed by the host's own x87 unit.
 *
 * Intel SDM vol. 1 (edition in docs/spec-versions.md), chapter 8. The design
 * (../shared/DESIGN.md) lets elzero use the host FPU for bit-exact results: the
 * guest's x87 state (registers, TOP, tags, control word, condition codes) is loaded
 * into the host unit with FXRSTOR, the guest's very instruction bytes run there
 * (register forms as they are; memory forms with ModRM rewritten to address a host
 * buffer), and FXSAVE reads the state back. Rounding, precision control, the
 * condition codes, stack faults and the masked and unmasked exception responses are
 * therefore the hardware's. Exception flags are cleared in the image before the
 * instruction runs so nothing can be pending on the host; the flags the instruction
 * raised are then folded into the guest's sticky flags, and the no-wait FXSAVE and
 * FNINIT leave the host unit clean (no host #MF/SIGFPE can follow).
 */
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

/*
 * The host stubs, 8 bytes each: ENDBR64, the two instruction bytes, RET, INT3.
 * 512 register forms (D8H..DFH x ModRM C0H..FFH), then 64 memory forms
 * (D8H..DFH x /0../7) whose ModRM is mod=00 rm=111: the operand is at [RDI].
 */
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".hidden elzero_fpu_stubs\n"
	".globl elzero_fpu_stubs\n"
	"elzero_fpu_stubs:\n"
	".set elzero_fpu_i, 0\n"
	".rept 512\n"
	"endbr64\n"
	".byte 0xd8 + (elzero_fpu_i >> 6), 0xc0 + (elzero_fpu_i & 63)\n"
	"ret\n"
	"int3\n"
	".set elzero_fpu_i, elzero_fpu_i + 1\n"
	".endr\n"
	".set elzero_fpu_i, 0\n"
	".rept 64\n"
	"endbr64\n"
	".byte 0xd8 + (elzero_fpu_i >> 3), ((elzero_fpu_i & 7) << 3) | 7\n"
	"ret\n"
	"int3\n"
	".set elzero_fpu_i, elzero_fpu_i + 1\n"
	".endr\n"
	".popsection\n");

extern const unsigned char elzero_fpu_stubs[];

#define STUB_SIZE 8

/* FXSAVE legacy-region offsets (SDM vol. 1, 10.5.1, table 10-2) */
#define FX_FCW   0
#define FX_FSW   2
#define FX_FTW   4
#define FX_MXCSR 24
#define FX_ST    32

/* ------------------------------------------------------------ tags and status */

/* SDM vol. 1, 8.1.7: valid, zero, or special (NaN, infinity, denormal, unsupported). */
unsigned fpu_reg_tag(const struct fpreg *r)
{
	unsigned exp = r->sexp & 0x7fff;

	if (exp == 0x7fff)
		return FPU_TAG_SPECIAL;
	if (exp == 0)
		return r->mant ? FPU_TAG_SPECIAL : FPU_TAG_ZERO;
	return (r->mant >> 63) ? FPU_TAG_VALID : FPU_TAG_SPECIAL;      /* unnormal */
}

uint16_t fpu_tag_word(const struct cpu_state *s)
{
	uint16_t tw = 0;

	for (unsigned r = 0; r < 8; r++) {
		unsigned tag = (s->ftw >> (2 * r)) & 3;

		if (tag != FPU_TAG_EMPTY)
			tag = fpu_reg_tag(&s->st[r]);
		tw |= tag << (2 * r);
	}
	return tw;
}

/* SDM vol. 1, 10.5.1.1: FXSAVE's abridged tag, bit r set = physical register r in use. */
uint8_t fpu_abridged_tags(const struct cpu_state *s)
{
	uint8_t ab = 0;

	for (unsigned r = 0; r < 8; r++)
		if (((s->ftw >> (2 * r)) & 3) != FPU_TAG_EMPTY)
			ab |= 1u << r;
	return ab;
}

void fpu_set_tags_from_abridged(struct cpu_state *s, uint8_t abridged)
{
	uint16_t tw = 0;

	for (unsigned r = 0; r < 8; r++) {
		unsigned tag = (abridged >> r) & 1 ? fpu_reg_tag(&s->st[r]) : FPU_TAG_EMPTY;

		tw |= tag << (2 * r);
	}
	s->ftw = tw;
}

/* SDM vol. 1, 8.1.3: ES is set while any unmasked exception flag is set; B mirrors it. */
void fpu_update_es(struct cpu_state *s)
{
	if (s->fsw & ~s->fcw & FSW_EXC)
		s->fsw |= FSW_ES | FSW_B;
	else
		s->fsw &= ~(FSW_ES | FSW_B);
}

/* SDM vol. 2, FINIT/FNINIT: FCW 037FH, FSW 0, all tags empty, FIP/FDP/FOP cleared. */
void fpu_init(struct cpu_state *s)
{
	s->fcw = FCW_INIT;
	s->fsw = 0;
	s->ftw = 0xffff;
	s->fop = 0;
	s->fip = 0;
	s->fdp = 0;
	s->fcs = 0;
	s->fds = 0;
}

/* ------------------------------------------------------------ #NM / #MF */

/* SDM vol. 3, 2.5, table 2-2. */
void fpu_check_avail(struct vcpu *v, bool wait_insn)
{
	uint64_t cr0 = v->s.cr0;
	bool nm = wait_insn ? (cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)
			    : (cr0 & (CR0_EM | CR0_TS)) != 0;

	if (nm)
		cpu_raise(v, EXC_NM, EXC_NO_ERROR);
}

/*
 * SDM vol. 1, 8.6 and 8.7: a pending unmasked exception is reported when the next
 * waiting x87 instruction (or WAIT) starts. With CR0.NE set that is #MF. With NE
 * clear the PC-compatible path signals FERR# to an external interrupt controller
 * (IRQ13) unless IGNNE# is asserted; elzero has no FERR# wire, so it behaves as if
 * IGNNE# were asserted and the instruction proceeds.
 */
void fpu_check_pending(struct vcpu *v)
{
	if (!(v->s.fsw & FSW_ES))
		return;
	if (v->s.cr0 & CR0_NE)
		cpu_raise(v, EXC_MF, EXC_NO_ERROR);
	cpu_log_unimp("x87 FERR# with CR0.NE=0", 0, "behaving as if IGNNE# were asserted");
}

/* ------------------------------------------------------------ host execution */

/*
 * Memory forms run on the host (SDM vol. 2, the x87 opcode map, table A-7): operand
 * size in bytes and direction. FLDENV/FLDCW/FNSTENV/FNSTCW/FRSTOR/FNSAVE/FNSTSW are
 * control instructions done in C (translate/ops/x87_ctl.c).
 */
unsigned fpu_mem_form(uint8_t op, unsigned reg, bool *store)
{
	static const uint8_t size[8][8] = {
		/* D8 */ { 4, 4, 4, 4, 4, 4, 4, 4 },
		/* D9 */ { 4, 0, 4, 4, 0, 0, 0, 0 },
		/* DA */ { 4, 4, 4, 4, 4, 4, 4, 4 },
		/* DB */ { 4, 4, 4, 4, 0, 10, 0, 10 },
		/* DC */ { 8, 8, 8, 8, 8, 8, 8, 8 },
		/* DD */ { 8, 8, 8, 8, 0, 0, 0, 0 },
		/* DE */ { 2, 2, 2, 2, 2, 2, 2, 2 },
		/* DF */ { 2, 2, 2, 2, 10, 8, 10, 8 },
	};
	/* Bit reg set: the form stores (FST/FSTP/FIST/FISTP/FISTTP/FBSTP). */
	static const uint8_t stores[8] = { 0x00, 0x0c, 0x00, 0x8e, 0x00, 0x0e, 0x00, 0xce };
	unsigned o = op - 0xd8u;

	if (o > 7 || reg > 7)
		return 0;
	*store = (stores[o] >> reg) & 1;
	return size[o][reg];
}

/*
 * Register forms (mod = 3) that exist on every x86-64 host and are not control
 * instructions done in C. One bit per ModRM C0H..FFH, per opcode byte.
 * Holes (#UD): D9 D1-D7, E2-E3, E6-E7, EF; DA E0-E8, EA-FF; DB E5-E7, F8-FF;
 * DD F0-FF; DE D8, DA-DF; DF E1-E7, F8-FF. Done in C: DB E2 (FNCLEX), DB E3
 * (FNINIT), DF E0 (FNSTSW AX). The undocumented aliases (FSTP1, FCOM2, FCOMP3,
 * FXCH4, FCOMP5, FFREEP, FXCH7, FSTP8, FSTP9) are kept: the host runs them.
 */
static bool reg_form_ok(unsigned o, unsigned m)
{
	switch (o) {
	case 0: case 4:
		return true;
	case 1:
		if (m >= 0x11 && m <= 0x17)
			return false;
		return m != 0x22 && m != 0x23 && m != 0x26 && m != 0x27 && m != 0x2f;
	case 2:
		return m < 0x20 || m == 0x29;
	case 3:
		return m < 0x22 || m == 0x24 || (m >= 0x28 && m < 0x38);
	case 5:
		return m < 0x30;
	case 6:
		return m < 0x18 || m == 0x19 || m >= 0x20;
	default:
		return m < 0x20 || (m >= 0x28 && m < 0x38);
	}
}

bool fpu_host_form_ok(uint8_t op, uint8_t modrm)
{
	bool store;

	if (op < 0xd8 || op > 0xdf)
		return false;
	if ((modrm >> 6) != 3)
		return fpu_mem_form(op, (modrm >> 3) & 7, &store) != 0;
	return reg_form_ok(op - 0xd8u, modrm - 0xc0u);
}

/*
 * Load img into the host unit, run the stub with the guest's arithmetic flags in
 * RFLAGS, save the unit back to img and reinitialise it with the host's control word.
 * The stub is called below the red zone. FXRSTOR replaces XMM0-15 and the stack
 * registers, hence the clobbers.
 */
static void host_run(uint8_t *img, const unsigned char *stub, void *mem, uint64_t *flags)
{
	uint64_t fl = (*flags & RFLAGS_ARITH) | RFLAGS_FIXED1;
	uint16_t host_cw;

	__asm__ volatile("fnstcw %[cw]\n\t"
			 "stmxcsr 24(%[img])\n\t"
			 "fxrstor (%[img])\n\t"
			 "sub $128, %%rsp\n\t"
			 "push %[fl]\n\t"
			 "popfq\n\t"
			 "call *%[stub]\n\t"
			 "pushfq\n\t"
			 "pop %[fl]\n\t"
			 "add $128, %%rsp\n\t"
			 "fxsave (%[img])\n\t"
			 "fninit\n\t"
			 "fldcw %[cw]"
			 : [fl] "+r"(fl), [cw] "+m"(host_cw)
			 : [img] "r"(img), [stub] "r"(stub), "D"(mem)
			 : "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",
			   "st(6)", "st(7)", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			   "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
			   "xmm14", "xmm15");
	*flags = (*flags & ~(uint64_t)RFLAGS_ARITH) | (fl & RFLAGS_ARITH);
}

uint16_t fpu_host_exec(struct cpu_state *s, uint8_t op, uint8_t modrm, void *mem, uint64_t *rflags)
{
	_Alignas(64) uint8_t img[512];
	const unsigned char *stub;
	uint16_t fsw, raised;
	unsigned top;

	if (!fpu_host_form_ok(op, modrm))
		abort();        /* the caller checks the form: a broken invariant */
	if ((modrm >> 6) == 3)
		stub = elzero_fpu_stubs + STUB_SIZE * (((op - 0xd8u) << 6) | (modrm - 0xc0u));
	else
		stub = elzero_fpu_stubs + STUB_SIZE * (512 + ((op - 0xd8u) << 3) + ((modrm >> 3) & 7));

	memset(img, 0, sizeof(img));
	top = fpu_top(s);
	memcpy(img + FX_FCW, &s->fcw, 2);
	fsw = s->fsw & ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
	memcpy(img + FX_FSW, &fsw, 2);
	img[FX_FTW] = fpu_abridged_tags(s);
	for (unsigned i = 0; i < 8; i++) {
		const struct fpreg *r = &s->st[(top + i) & 7];

		memcpy(img + FX_ST + 16 * i, &r->mant, 8);
		memcpy(img + FX_ST + 16 * i + 8, &r->sexp, 2);
	}

	host_run(img, stub, mem, rflags);

	memcpy(&fsw, img + FX_FSW, 2);
	top = (fsw >> FSW_TOP_SHIFT) & 7;
	for (unsigned i = 0; i < 8; i++) {
		struct fpreg *r = &s->st[(top + i) & 7];

		memcpy(&r->mant, img + FX_ST + 16 * i, 8);
		memcpy(&r->sexp, img + FX_ST + 16 * i + 8, 2);
	}
	raised = fsw & (FSW_EXC | FSW_SF);
	s->fsw = (fsw & (FSW_CC | FSW_TOP)) | (s->fsw & (FSW_EXC | FSW_SF)) | raised;
	fpu_update_es(s);
	fpu_set_tags_from_abridged(s, img[FX_FTW]);
	return raised;
}
