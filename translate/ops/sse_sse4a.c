/*
 * translate/ops/sse_sse4a.c - AMD's SSE4A: EXTRQ, INSERTQ, MOVNTSS, MOVNTSD (AMD64 APM
 * vol. 4, edition in docs/spec-versions.md, each instruction's page). Hosts here may
 * be Intel, which lacks SSE4A, so these are C rather than host instructions.
 *
 * Where the APM leaves results undefined (bits 127:64 of the destination; a field that
 * runs past bit 63, index + length > 64) this keeps bits 127:64 and truncates the field
 * at bit 63.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

/* A field length of 0 means 64 bits (APM vol. 4, EXTRQ). */
static uint64_t field_mask(unsigned len)
{
	len &= 63;
	return len ? (1ull << len) - 1 : ~0ull;
}

static uint64_t sse4a_extract(uint64_t src, unsigned len, unsigned idx)
{
	idx &= 63;
	return (src >> idx) & field_mask(len);
}

static uint64_t sse4a_insert(uint64_t dst, uint64_t src, unsigned len, unsigned idx)
{
	uint64_t mask;

	idx &= 63;
	mask = field_mask(len) << idx;
	return (dst & ~mask) | ((src << idx) & mask);
}

/* EXTRQ xmm1, imm8 (length), imm8 (index) or EXTRQ xmm1, xmm2 (length in xmm2[5:0],
 * index in xmm2[13:8]): the field of xmm1[63:0], zero-extended to 64 bits. */
void exec_EXTRQ(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t *d = &v->s.vr[i->opnd[0].reg & 15].q[0];
	unsigned len, idx;

	sse_check(v);
	if (i->opnd[1].kind == OPND_IMM) {
		len = (unsigned)i->imm;
		idx = (unsigned)i->imm2;
	} else {
		uint64_t ctl = v->s.vr[i->opnd[1].reg & 15].q[0];

		len = ctl & 63;
		idx = (ctl >> 8) & 63;
	}
	*d = sse4a_extract(*d, len, idx);
}

/* INSERTQ xmm1, xmm2, imm8 (length), imm8 (index) or INSERTQ xmm1, xmm2 (length in
 * xmm2[69:64], index in xmm2[77:72]): xmm2's low `length` bits into xmm1[63:0]. */
void exec_INSERTQ(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t *d = &v->s.vr[i->opnd[0].reg & 15].q[0];
	const union vreg *s = &v->s.vr[i->opnd[1].reg & 15];
	unsigned len, idx;

	sse_check(v);
	if (i->nopnd > 2) {
		len = (unsigned)i->imm;
		idx = (unsigned)i->imm2;
	} else {
		len = s->q[1] & 63;
		idx = (s->q[1] >> 8) & 63;
	}
	*d = sse4a_insert(*d, s->q[0], len, idx);
}

/* MOVNTSS m32, xmm / MOVNTSD m64, xmm: a scalar store (the non-temporal hint means
 * nothing to an emulator). */
void exec_MOVNTSS(struct vcpu *v, const struct x86_insn *i)
{
	sse_check(v);
	cpu_st(v, i->seg, insn_ea(v, i), 4, v->s.vr[i->opnd[1].reg & 15].d[0]);
}

void exec_MOVNTSD(struct vcpu *v, const struct x86_insn *i)
{
	sse_check(v);
	cpu_st(v, i->seg, insn_ea(v, i), 8, v->s.vr[i->opnd[1].reg & 15].q[0]);
}
