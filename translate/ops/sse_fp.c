/*
 * translate/ops/sse_fp.c - SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic: ADD, SUB,
 * MUL, DIV, MIN, MAX, SQRT, RCP, RSQRT (PS/PD/SS/SD), ADDSUB, HADD/HSUB, CMPxx with
 * predicates, COMISS/UCOMISS/COMISD/UCOMISD, ROUNDxx, DPPS/DPPD, BLENDVPS/PD.
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), each instruction's page; the
 * arithmetic itself is the host's (cpu/simd.c), under the guest MXCSR.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

/* Operand 0 op= operand 1 on XMM registers; 16-byte memory sources must be aligned
 * (SDM vol. 1, 11.6.4); scalar memory sources are 4 or 8 bytes and need not be. */
#define SSE_FP(name) \
	void exec_##name(struct vcpu *v, const struct x86_insn *i) \
	{ \
		sse_binop(v, i, SIMD_##name, SIMD_NONE, true); \
	}

SSE_FP(ADDPS) SSE_FP(ADDSS) SSE_FP(ADDPD) SSE_FP(ADDSD)
SSE_FP(SUBPS) SSE_FP(SUBSS) SSE_FP(SUBPD) SSE_FP(SUBSD)
SSE_FP(MULPS) SSE_FP(MULSS) SSE_FP(MULPD) SSE_FP(MULSD)
SSE_FP(DIVPS) SSE_FP(DIVSS) SSE_FP(DIVPD) SSE_FP(DIVSD)
SSE_FP(MINPS) SSE_FP(MINSS) SSE_FP(MINPD) SSE_FP(MINSD)
SSE_FP(MAXPS) SSE_FP(MAXSS) SSE_FP(MAXPD) SSE_FP(MAXSD)
SSE_FP(SQRTPS) SSE_FP(SQRTSS) SSE_FP(SQRTPD) SSE_FP(SQRTSD)
SSE_FP(RCPPS) SSE_FP(RCPSS) SSE_FP(RSQRTPS) SSE_FP(RSQRTSS)
SSE_FP(ADDSUBPS) SSE_FP(ADDSUBPD)
SSE_FP(HADDPS) SSE_FP(HADDPD) SSE_FP(HSUBPS) SSE_FP(HSUBPD)
/* CMPxx: the legacy encoding uses imm8[2:0] (SDM vol. 2, CMPPS, table 3-1). */
SSE_FP(CMPPS) SSE_FP(CMPSS) SSE_FP(CMPPD) SSE_FP(CMPSD)
/* SSE4.1: ROUNDxx take imm8[3:0]; DPPS/DPPD the whole imm8; BLENDV the implicit XMM0. */
SSE_FP(ROUNDPS) SSE_FP(ROUNDPD) SSE_FP(ROUNDSS) SSE_FP(ROUNDSD)
SSE_FP(DPPS) SSE_FP(DPPD)
SSE_FP(BLENDVPS) SSE_FP(BLENDVPD)

/* COMISS and friends write ZF, PF, CF and clear OF, SF, AF (SDM vol. 2, COMISS); no
 * register changes, and nothing at all when the exception is unmasked. */
static void sse_comis(struct vcpu *v, const struct x86_insn *i, enum simd_op op)
{
	struct simd_io io;
	uint32_t flags;

	sse_prepare(v, i, &io, true);
	flags = simd_run(op, &io);
	simd_fp_exceptions(v, flags);
	sse_set_arith_flags(v, io.rflags);
}

void exec_COMISS(struct vcpu *v, const struct x86_insn *i) { sse_comis(v, i, SIMD_COMISS); }
void exec_UCOMISS(struct vcpu *v, const struct x86_insn *i) { sse_comis(v, i, SIMD_UCOMISS); }
void exec_COMISD(struct vcpu *v, const struct x86_insn *i) { sse_comis(v, i, SIMD_COMISD); }
void exec_UCOMISD(struct vcpu *v, const struct x86_insn *i) { sse_comis(v, i, SIMD_UCOMISD); }
