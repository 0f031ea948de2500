/*
 * translate/ops/sse_cvt.c - SSE/SSE2 conversions (CVT*): between packed/scalar single
 * and double, dword integers, GPRs (CVTSI2SS, CVTSS2SI, ...) and MMX registers
 * (CVTPI2PS, CVTPS2PI, ...). Intel SDM vol. 2 (edition in docs/spec-versions.md),
 * each instruction's page; SDM vol. 1, 11.4.4. Rounding, the integer indefinite value
 * and the flags are the host's, under the guest MXCSR (cpu/simd.c).
 */
#include "translate/ops/sse.h"

#include <stddef.h>
#include <string.h>

EXEC_PROTOS

#define SSE_CVT(name) \
	void exec_##name(struct vcpu *v, const struct x86_insn *i) \
	{ \
		sse_binop(v, i, SIMD_##name, SIMD_NONE, true); \
	}

SSE_CVT(CVTPS2PD) SSE_CVT(CVTPD2PS) SSE_CVT(CVTSS2SD) SSE_CVT(CVTSD2SS)
SSE_CVT(CVTDQ2PS) SSE_CVT(CVTPS2DQ) SSE_CVT(CVTTPS2DQ)
SSE_CVT(CVTDQ2PD) SSE_CVT(CVTPD2DQ) SSE_CVT(CVTTPD2DQ)

/* CVTSI2SS/SD xmm, r/m32|r/m64: the integer goes in through rcx. */
static void sse_cvt_from_gpr(struct vcpu *v, const struct x86_insn *i, enum simd_op op32,
			     enum simd_op op64)
{
	struct simd_io io;
	uint32_t flags;

	sse_prepare(v, i, &io, false);
	io.rcx = io.s.q[0];
	flags = simd_run(i->opnd[1].size == 8 ? op64 : op32, &io);
	simd_fp_exceptions(v, flags);
	xmm_set(v, i->opnd[0].reg, &io.out);
}

void exec_CVTSI2SS(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_from_gpr(v, i, SIMD_CVTSI2SS_32, SIMD_CVTSI2SS_64);
}

void exec_CVTSI2SD(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_from_gpr(v, i, SIMD_CVTSI2SD_32, SIMD_CVTSI2SD_64);
}

/* CVTSS2SI/CVTTSS2SI/CVTSD2SI/CVTTSD2SI r32|r64, xmm/m: the result comes out of rcx.
 * Operand 0 is a GPR, so the XMM gate applies (sse_prepare checks operand 0's kind). */
static void sse_cvt_to_gpr(struct vcpu *v, const struct x86_insn *i, enum simd_op op32,
			   enum simd_op op64)
{
	struct simd_io io;
	uint32_t flags;
	unsigned size = i->opnd[0].size;

	sse_prepare(v, i, &io, false);
	flags = simd_run(size == 8 ? op64 : op32, &io);
	simd_fp_exceptions(v, flags);
	gpr_write(&v->s, i->opnd[0].reg, size == 8 ? 8 : 4, i->has_rex, io.out_rcx);
}

void exec_CVTSS2SI(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_to_gpr(v, i, SIMD_CVTSS2SI_32, SIMD_CVTSS2SI_64);
}

void exec_CVTTSS2SI(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_to_gpr(v, i, SIMD_CVTTSS2SI_32, SIMD_CVTTSS2SI_64);
}

void exec_CVTSD2SI(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_to_gpr(v, i, SIMD_CVTSD2SI_32, SIMD_CVTSD2SI_64);
}

void exec_CVTTSD2SI(struct vcpu *v, const struct x86_insn *i)
{
	sse_cvt_to_gpr(v, i, SIMD_CVTTSD2SI_32, SIMD_CVTTSD2SI_64);
}

/*
 * CVTPI2PS/CVTPI2PD xmm, mm/m64. They are SSE instructions (SSE gate) that read an MMX
 * register: that form also makes the x87-to-MMX transition and first reports a pending
 * x87 exception; the m64 form does neither (SDM vol. 2, CVTPI2PD, CVTPI2PS).
 */
static void sse_cvt_from_mmx(struct vcpu *v, const struct x86_insn *i, enum simd_op op)
{
	struct simd_io io;
	uint32_t flags;
	bool mmx_src = i->opnd[1].kind == OPND_MMX;

	sse_check(v);
	if (mmx_src)
		mmx_check(v);
	memset(&io, 0, offsetof(struct simd_io, out));
	io.mxcsr = v->s.mxcsr;
	sse_load(v, i, 0, &io.d, false);
	sse_load(v, i, 1, &io.s, false);
	io.ms = io.s.q[0];
	flags = simd_run(op, &io);
	simd_fp_exceptions(v, flags);
	if (mmx_src)
		mmx_enter(v);
	xmm_set(v, i->opnd[0].reg, &io.out);
}

void exec_CVTPI2PS(struct vcpu *v, const struct x86_insn *i) { sse_cvt_from_mmx(v, i, SIMD_CVTPI2PS); }
void exec_CVTPI2PD(struct vcpu *v, const struct x86_insn *i) { sse_cvt_from_mmx(v, i, SIMD_CVTPI2PD); }

/* CVTPS2PI/CVTTPS2PI mm, xmm/m64 and CVTPD2PI/CVTTPD2PI mm, xmm/m128 (aligned). */
static void sse_cvt_to_mmx(struct vcpu *v, const struct x86_insn *i, enum simd_op op)
{
	struct simd_io io;
	uint32_t flags;

	sse_check(v);
	mmx_check(v);
	memset(&io, 0, offsetof(struct simd_io, out));
	io.mxcsr = v->s.mxcsr;
	sse_load(v, i, 1, &io.s, true);
	io.md = mmx_get(v, i->opnd[0].reg);
	flags = simd_run(op, &io);
	/* The transition happens even when the conversion then faults with #XM (as the
	 * host does; tests/diff). */
	mmx_enter(v);
	simd_fp_exceptions(v, flags);
	mmx_set(v, i->opnd[0].reg, io.out_md);
}

void exec_CVTPS2PI(struct vcpu *v, const struct x86_insn *i) { sse_cvt_to_mmx(v, i, SIMD_CVTPS2PI); }
void exec_CVTTPS2PI(struct vcpu *v, const struct x86_insn *i) { sse_cvt_to_mmx(v, i, SIMD_CVTTPS2PI); }
void exec_CVTPD2PI(struct vcpu *v, const struct x86_insn *i) { sse_cvt_to_mmx(v, i, SIMD_CVTPD2PI); }
void exec_CVTTPD2PI(struct vcpu *v, const struct x86_insn *i) { sse_cvt_to_mmx(v, i, SIMD_CVTTPD2PI); }
