/*
 * translate/ops/sse_int.c - integer SIMD on MMX and XMM registers (MMX, SSE, SSE2,
 * SSSE3, SSE4.1, SSE4.2): add/sub (wrapping and saturating), multiplies, averages,
 * min/max, compares, packs, unpacks, shifts (register and immediate counts), logic,
 * PSADBW, PSHUFB, horizontal add/sub, PSIGN, PABS, PMOVSX/ZX, PTEST, PHMINPOSUW,
 * MPSADBW, PALIGNR, PBLENDVB/PBLENDW. Intel SDM vol. 2 (edition in
 * docs/spec-versions.md), each instruction's page; the arithmetic is the host's.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

/* The row's operand 0 says MMX (NP form, Pq,Qq / Nq,Ib) or XMM (66 form). */
#define INT_XM(name) \
	void exec_##name(struct vcpu *v, const struct x86_insn *i) \
	{ \
		sse_binop(v, i, SIMD_##name, SIMD_##name##_MM, true); \
	}
#define INT_X(name) \
	void exec_##name(struct vcpu *v, const struct x86_insn *i) \
	{ \
		sse_binop(v, i, SIMD_##name, SIMD_NONE, true); \
	}

INT_XM(PADDB) INT_XM(PADDW) INT_XM(PADDD) INT_XM(PADDQ)
INT_XM(PADDSB) INT_XM(PADDSW) INT_XM(PADDUSB) INT_XM(PADDUSW)
INT_XM(PSUBB) INT_XM(PSUBW) INT_XM(PSUBD) INT_XM(PSUBQ)
INT_XM(PSUBSB) INT_XM(PSUBSW) INT_XM(PSUBUSB) INT_XM(PSUBUSW)
INT_XM(PMULLW) INT_XM(PMULHW) INT_XM(PMULHUW) INT_XM(PMULUDQ) INT_XM(PMADDWD)
INT_XM(PAVGB) INT_XM(PAVGW) INT_XM(PMINUB) INT_XM(PMAXUB) INT_XM(PMINSW) INT_XM(PMAXSW)
INT_XM(PSADBW)
INT_XM(PCMPEQB) INT_XM(PCMPEQW) INT_XM(PCMPEQD)
INT_XM(PCMPGTB) INT_XM(PCMPGTW) INT_XM(PCMPGTD)
INT_XM(PACKSSWB) INT_XM(PACKSSDW) INT_XM(PACKUSWB)
INT_XM(PUNPCKLBW) INT_XM(PUNPCKLWD) INT_XM(PUNPCKLDQ)
INT_XM(PUNPCKHBW) INT_XM(PUNPCKHWD) INT_XM(PUNPCKHDQ)
INT_XM(PAND) INT_XM(PANDN) INT_XM(POR) INT_XM(PXOR)
/* Shifts: the immediate rows (Nq,Ib / Ux,Ib) load the count as the source operand,
 * which the register form reads as a 64-bit count (SDM vol. 2, PSLLW/PSLLD/PSLLQ). */
INT_XM(PSLLW) INT_XM(PSLLD) INT_XM(PSLLQ)
INT_XM(PSRLW) INT_XM(PSRLD) INT_XM(PSRLQ)
INT_XM(PSRAW) INT_XM(PSRAD)
/* SSSE3 */
INT_XM(PSHUFB) INT_XM(PHADDW) INT_XM(PHADDD) INT_XM(PHADDSW)
INT_XM(PHSUBW) INT_XM(PHSUBD) INT_XM(PHSUBSW) INT_XM(PMADDUBSW) INT_XM(PMULHRSW)
INT_XM(PSIGNB) INT_XM(PSIGNW) INT_XM(PSIGND) INT_XM(PABSB) INT_XM(PABSW) INT_XM(PABSD)
INT_XM(PALIGNR)
/* XMM only: SSE2, SSE4.1, SSE4.2 */
INT_X(PUNPCKLQDQ) INT_X(PUNPCKHQDQ)
INT_X(PMULLD) INT_X(PMULDQ)
INT_X(PMINSB) INT_X(PMINSD) INT_X(PMINUW) INT_X(PMINUD)
INT_X(PMAXSB) INT_X(PMAXSD) INT_X(PMAXUW) INT_X(PMAXUD)
INT_X(PCMPEQQ) INT_X(PCMPGTQ) INT_X(PACKUSDW) INT_X(PHMINPOSUW)
INT_X(PMOVSXBW) INT_X(PMOVSXBD) INT_X(PMOVSXBQ) INT_X(PMOVSXWD) INT_X(PMOVSXWQ) INT_X(PMOVSXDQ)
INT_X(PMOVZXBW) INT_X(PMOVZXBD) INT_X(PMOVZXBQ) INT_X(PMOVZXWD) INT_X(PMOVZXWQ) INT_X(PMOVZXDQ)
INT_X(MPSADBW) INT_X(PBLENDVB) INT_X(PBLENDW)

/* PTEST sets ZF and CF and clears AF, OF, PF, SF; it writes no register
 * (SDM vol. 2, PTEST). */
void exec_PTEST(struct vcpu *v, const struct x86_insn *i)
{
	struct simd_io io;

	sse_prepare(v, i, &io, true);
	simd_run(SIMD_PTEST, &io);
	sse_set_arith_flags(v, io.rflags);
}
