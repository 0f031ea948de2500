/*
 * translate/ops/sse_mov.c - data movement between XMM/MMX registers, GPRs and memory:
 * MOVAPS/MOVAPD/MOVDQA (aligned), MOVUPS/MOVUPD/MOVDQU/LDDQU, MOVNT*, MOVSS/MOVSD,
 * MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS, MOVD/MOVQ/MOVQ2DQ/MOVDQ2Q, MOVMSKPS/PD,
 * PMOVMSKB, MASKMOVQ/MASKMOVDQU, PINSRx/PEXTRx, INSERTPS/EXTRACTPS, LDMXCSR/STMXCSR.
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), each instruction's page.
 */
#include "translate/ops/sse.h"

#include <string.h>

EXEC_PROTOS

/* ---------------------------------------------------------------- whole registers */

/* 16 bytes from operand 1 to operand 0; align16: the #GP(0) rule of SDM vol. 1,
 * 11.6.4 applies (MOVAPS, MOVDQA, MOVNT*), else not (MOVUPS, MOVDQU, LDDQU). */
static void sse_move16(struct vcpu *v, const struct x86_insn *i, bool align16)
{
	union vreg val;

	sse_check(v);
	sse_load(v, i, 1, &val, align16);
	if (i->opnd[0].kind == OPND_XMM)
		xmm_set(v, i->opnd[0].reg, &val);
	else
		sse_store_mem(v, i, 0, &val, 16, align16);
}

void exec_MOVAPS(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVAPD(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVDQA(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVNTPS(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVNTPD(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVNTDQ(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVNTDQA(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, true); }
void exec_MOVUPS(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, false); }
void exec_MOVUPD(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, false); }
void exec_MOVDQU(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, false); }
void exec_LDDQU(struct vcpu *v, const struct x86_insn *i) { sse_move16(v, i, false); }

/* ---------------------------------------------------------------- parts of registers */

/*
 * MOVSS/MOVSD: a load from memory zeroes the rest of the register; register to
 * register keeps it; a store writes `width` bytes (SDM vol. 2, MOVSS, MOVSD).
 */
static void sse_move_scalar(struct vcpu *v, const struct x86_insn *i, unsigned width)
{
	union vreg src, dst;

	sse_check(v);
	sse_load(v, i, 1, &src, false);
	if (i->opnd[0].kind == OPND_MEM) {
		sse_store_mem(v, i, 0, &src, width, false);
		return;
	}
	if (i->opnd[1].kind == OPND_MEM) {
		xmm_set(v, i->opnd[0].reg, &src);
		return;
	}
	memcpy(dst.b, v->s.vr[i->opnd[0].reg].b, 16);
	memcpy(dst.b, src.b, width);
	xmm_set(v, i->opnd[0].reg, &dst);
}

void exec_MOVSS(struct vcpu *v, const struct x86_insn *i) { sse_move_scalar(v, i, 4); }
void exec_MOVSD(struct vcpu *v, const struct x86_insn *i) { sse_move_scalar(v, i, 8); }

/* One quadword between memory and quadword `half` (0 low, 1 high) of an XMM register,
 * the other quadword kept: MOVLPS/MOVLPD (0), MOVHPS/MOVHPD (1). */
static void sse_move_half(struct vcpu *v, const struct x86_insn *i, unsigned half)
{
	union vreg val;

	sse_check(v);
	if (i->opnd[0].kind == OPND_MEM) {
		memset(&val, 0, sizeof(val));
		val.q[0] = v->s.vr[i->opnd[1].reg].q[half];
		sse_store_mem(v, i, 0, &val, 8, false);
		return;
	}
	sse_load(v, i, 1, &val, false);
	v->s.vr[i->opnd[0].reg].q[half] = val.q[0];
}

void exec_MOVLPS(struct vcpu *v, const struct x86_insn *i) { sse_move_half(v, i, 0); }
void exec_MOVLPD(struct vcpu *v, const struct x86_insn *i) { sse_move_half(v, i, 0); }
void exec_MOVHPS(struct vcpu *v, const struct x86_insn *i) { sse_move_half(v, i, 1); }
void exec_MOVHPD(struct vcpu *v, const struct x86_insn *i) { sse_move_half(v, i, 1); }

void exec_MOVHLPS(struct vcpu *v, const struct x86_insn *i)
{
	sse_check(v);
	v->s.vr[i->opnd[0].reg].q[0] = v->s.vr[i->opnd[1].reg].q[1];
}

void exec_MOVLHPS(struct vcpu *v, const struct x86_insn *i)
{
	sse_check(v);
	v->s.vr[i->opnd[0].reg].q[1] = v->s.vr[i->opnd[1].reg].q[0];
}

/* ---------------------------------------------------------------- MOVD / MOVQ */

static bool sse_any_kind(const struct x86_insn *i, unsigned kind)
{
	return i->opnd[0].kind == kind || i->opnd[1].kind == kind;
}

/*
 * MOVD/MOVQ in all their forms, and MOVQ2DQ/MOVDQ2Q: `width` bytes (4 or 8) from
 * operand 1 to operand 0. An XMM destination is zero-extended to 128 bits, a GPR to
 * its size (SDM vol. 2, MOVD/MOVQ, MOVQ2DQ, MOVDQ2Q). MMX operands make the x87-to-MMX
 * transition, after every access that can fault.
 */
static void sse_movdq(struct vcpu *v, const struct x86_insn *i, unsigned width)
{
	bool mmx = sse_any_kind(i, OPND_MMX);
	const struct x86_operand *d = &i->opnd[0];
	union vreg src, val;

	if (sse_any_kind(i, OPND_XMM))
		sse_check(v);
	if (mmx)
		mmx_check(v);
	sse_load(v, i, 1, &src, false);
	memset(&val, 0, sizeof(val));
	memcpy(val.b, src.b, width);
	switch (d->kind) {
	case OPND_MEM:
		sse_store_mem(v, i, 0, &val, width, false);
		break;
	case OPND_GPR:
		gpr_write(&v->s, d->reg, width, i->has_rex, val.q[0]);
		break;
	case OPND_XMM:
		xmm_set(v, d->reg, &val);
		break;
	default:
		mmx_set(v, d->reg, val.q[0]);
		break;
	}
	if (mmx)
		mmx_enter(v);
}

/* MOVD moves 4 bytes, 8 with REX.W (then named MOVQ); the GPR/memory operand has that size. */
void exec_MOVD(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].kind == OPND_GPR || i->opnd[0].kind == OPND_MEM ?
			i->opnd[0].size : i->opnd[1].size;

	sse_movdq(v, i, size == 8 ? 8 : 4);
}

void exec_MOVQ(struct vcpu *v, const struct x86_insn *i) { sse_movdq(v, i, 8); }
void exec_MOVQ2DQ(struct vcpu *v, const struct x86_insn *i) { sse_movdq(v, i, 8); }
void exec_MOVDQ2Q(struct vcpu *v, const struct x86_insn *i) { sse_movdq(v, i, 8); }

/* MOVNTQ m64, mm */
void exec_MOVNTQ(struct vcpu *v, const struct x86_insn *i) { sse_movdq(v, i, 8); }

/* ---------------------------------------------------------------- masks */

/* MOVMSKPS/MOVMSKPD/PMOVMSKB: the sign bit of each element, zero-extended. */
static void sse_movmsk(struct vcpu *v, const struct x86_insn *i, unsigned esize)
{
	union vreg src;
	unsigned n, bytes = i->opnd[1].kind == OPND_MMX ? 8 : 16;
	uint64_t mask = 0;

	if (i->opnd[1].kind == OPND_MMX)
		mmx_check(v);
	else
		sse_check(v);
	sse_load(v, i, 1, &src, false);
	for (n = 0; n < bytes / esize; n++)
		mask |= (uint64_t)(src.b[n * esize + esize - 1] >> 7) << n;
	if (i->opnd[1].kind == OPND_MMX)
		mmx_enter(v);
	gpr_write(&v->s, i->opnd[0].reg, i->opnd[0].size == 8 ? 8 : 4, i->has_rex, mask);
}

void exec_MOVMSKPS(struct vcpu *v, const struct x86_insn *i) { sse_movmsk(v, i, 4); }
void exec_MOVMSKPD(struct vcpu *v, const struct x86_insn *i) { sse_movmsk(v, i, 8); }
void exec_PMOVMSKB(struct vcpu *v, const struct x86_insn *i) { sse_movmsk(v, i, 1); }

/*
 * MASKMOVQ/MASKMOVDQU: the bytes of operand 0 whose mask byte (operand 1) has its top
 * bit set go to DS:rDI (segment override allowed, address size from the prefix). The
 * SDM leaves faults of unselected bytes implementation-specific; this follows the host
 * (measured, and checked by tests/diff): every byte is checked for writing whatever the
 * mask, MASKMOVDQU as two 8-byte halves, the high one first, before anything is
 * stored; MASKMOVQ has made the x87-to-MMX transition when it faults.
 */
static void sse_maskmov(struct vcpu *v, const struct x86_insn *i, unsigned bytes)
{
	union vreg val, mask;
	uint64_t amask = size_mask(i->addrsize), addr = v->s.gpr[7] & amask;
	unsigned seg = i->seg_override != SEG_NONE ? i->seg_override : SEG_DS;

	if (bytes == 8)
		mmx_check(v);
	else
		sse_check(v);
	sse_load(v, i, 0, &val, false);
	sse_load(v, i, 1, &mask, false);
	if (bytes == 8)
		mmx_enter(v);
	for (unsigned half = bytes / 8; half-- > 0;)
		cpu_probe(v, seg, (addr + 8 * half) & amask, 8, ACC_WRITE);
	for (unsigned n = 0; n < bytes; n++)
		if (mask.b[n] & 0x80)
			cpu_st(v, seg, (addr + n) & amask, 1, val.b[n]);
}

void exec_MASKMOVQ(struct vcpu *v, const struct x86_insn *i) { sse_maskmov(v, i, 8); }
void exec_MASKMOVDQU(struct vcpu *v, const struct x86_insn *i) { sse_maskmov(v, i, 16); }

/* MOVNTI m32/m64, r32/r64 (SSE2): a plain store for an emulator. */
void exec_MOVNTI(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[1].size;

	cpu_st(v, i->seg, insn_ea(v, i), size, gpr_read(&v->s, i->opnd[1].reg, size, i->has_rex));
}

/* ---------------------------------------------------------------- MXCSR */

/* LDMXCSR: a 1 in a reserved bit is #GP(0); setting a flag under a cleared mask raises
 * nothing now (SDM vol. 2, LDMXCSR; vol. 1, 10.2.3.1). */
void exec_LDMXCSR(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t val;

	sse_check(v);
	val = (uint32_t)cpu_ld(v, i->seg, insn_ea(v, i), 4);
	if (val & ~MXCSR_WRITABLE)
		cpu_raise(v, EXC_GP, 0);
	v->s.mxcsr = val;
}

void exec_STMXCSR(struct vcpu *v, const struct x86_insn *i)
{
	sse_check(v);
	cpu_st(v, i->seg, insn_ea(v, i), 4, v->s.mxcsr);
}
