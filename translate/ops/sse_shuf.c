/*
 * translate/ops/sse_shuf.c - shuffles, unpacks, blends and bitwise logic on XMM
 * registers: SHUFPS/SHUFPD, PSHUFD/PSHUFHW/PSHUFLW, PSHUFW (MMX), UNPCKL/H PS/PD,
 * BLENDPS/BLENDPD, PSLLDQ/PSRLDQ, MOVSLDUP/MOVSHDUP/MOVDDUP, AND/ANDN/OR/XOR PS/PD.
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), each instruction's page.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

#define SHUF_X(name) \
	void exec_##name(struct vcpu *v, const struct x86_insn *i) \
	{ \
		sse_binop(v, i, SIMD_##name, SIMD_NONE, true); \
	}

SHUF_X(SHUFPS) SHUF_X(SHUFPD) SHUF_X(PSHUFD) SHUF_X(PSHUFHW) SHUF_X(PSHUFLW)
SHUF_X(UNPCKLPS) SHUF_X(UNPCKHPS) SHUF_X(UNPCKLPD) SHUF_X(UNPCKHPD)
SHUF_X(BLENDPS) SHUF_X(BLENDPD)
/* Ux,Ib: operand 0 is both source and destination; the C row shifts by imm8. */
SHUF_X(PSLLDQ) SHUF_X(PSRLDQ)
/* SSE3 duplicates; MOVDDUP reads only 8 bytes from memory (no alignment rule). */
SHUF_X(MOVSLDUP) SHUF_X(MOVSHDUP) SHUF_X(MOVDDUP)
SHUF_X(ANDPS) SHUF_X(ANDNPS) SHUF_X(ORPS) SHUF_X(XORPS)
SHUF_X(ANDPD) SHUF_X(ANDNPD) SHUF_X(ORPD) SHUF_X(XORPD)

/* PSHUFW mm1, mm2/m64, imm8 (SSE): an MMX-register instruction. */
void exec_PSHUFW(struct vcpu *v, const struct x86_insn *i)
{
	sse_binop(v, i, SIMD_NONE, SIMD_PSHUFW, true);
}
