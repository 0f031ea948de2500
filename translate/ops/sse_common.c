/*
 * translate/ops/sse_common.c - gates, operand access and the generic handler shared by
 * the MMX/SSE instruction groups (translate/ops/sse.h). Intel SDM (edition in
 * docs/spec-versions.md).
 */
#include "translate/ops/sse.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* SDM vol. 3, 2.5 (CR0.EM, CR0.TS, CR4.OSFXSR) and vol. 1, 13.1.3: SSE instructions
 * raise #UD with CR0.EM = 1 or CR4.OSFXSR = 0, then #NM with CR0.TS = 1. */
void sse_check(struct vcpu *v)
{
	if ((v->s.cr0 & CR0_EM) || !(v->s.cr4 & CR4_OSFXSR))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (v->s.cr0 & CR0_TS)
		cpu_raise(v, EXC_NM, EXC_NO_ERROR);
}

/* SDM vol. 1, 9.5.1: an MMX instruction sets TOP to 0 and every tag to valid (00);
 * the x87 side of the aliasing is cpu/cpu.h's fpu_mmx_* (one definition of it). */
void mmx_enter(struct vcpu *v)
{
	fpu_mmx_enter(&v->s);
}

/* SDM vol. 3, 2.5, table 2-2 (MMX column) and vol. 1, 9.6: EM -> #UD, TS -> #NM, then
 * a pending unmasked x87 exception is reported as #MF (fpu_check_pending, which also
 * handles CR0.NE = 0). */
void mmx_check(struct vcpu *v)
{
	if (v->s.cr0 & CR0_EM)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (v->s.cr0 & CR0_TS)
		cpu_raise(v, EXC_NM, EXC_NO_ERROR);
	fpu_check_pending(v);
}

void xmm_set(struct vcpu *v, unsigned reg, const union vreg *val)
{
	memcpy(v->s.vr[reg & 15].b, val->b, 16);
}

/* SDM vol. 1, 11.6.4: legacy SSE 128-bit memory operands must be 16-byte aligned
 * (#GP(0), whatever the segment), except where the instruction says otherwise. */
uint64_t sse_ea(struct vcpu *v, const struct x86_insn *i, unsigned n, unsigned size, bool align16)
{
	uint64_t ea = insn_ea(v, i);

	(void)n;
	if (align16 && size == 16 && (ea & 15))
		cpu_raise(v, EXC_GP, 0);
	return ea;
}

void sse_load(struct vcpu *v, const struct x86_insn *i, unsigned n, union vreg *out, bool align16)
{
	const struct x86_operand *o = &i->opnd[n];

	memset(out, 0, sizeof(*out));
	switch (o->kind) {
	case OPND_XMM:
		memcpy(out->b, v->s.vr[o->reg & 15].b, 16);
		break;
	case OPND_MMX:
		out->q[0] = mmx_get(v, o->reg);
		break;
	case OPND_MEM: {
		unsigned size = o->size > 16 ? 16 : o->size;
		uint64_t ea = sse_ea(v, i, n, size, align16);

		cpu_ld_buf(v, i->seg, ea, out->b, size);
		break;
	}
	case OPND_GPR:
		out->q[0] = gpr_read(&v->s, o->reg, o->size, i->has_rex);
		break;
	case OPND_IMM:
		out->q[0] = i->imm;
		break;
	default:
		abort();        /* the table gives SSE rows no other operand kinds */
	}
}

void sse_store_mem(struct vcpu *v, const struct x86_insn *i, unsigned n, const union vreg *val,
		   unsigned size, bool align16)
{
	uint64_t ea = sse_ea(v, i, n, size, align16);

	cpu_st_buf(v, i->seg, ea, val->b, size);
}

bool sse_prepare(struct vcpu *v, const struct x86_insn *i, struct simd_io *io, bool align16)
{
	bool mmx = i->opnd[0].kind == OPND_MMX;

	if (mmx)
		mmx_check(v);
	else
		sse_check(v);
	memset(io, 0, offsetof(struct simd_io, out));
	io->mxcsr = v->s.mxcsr;
	io->imm = (uint8_t)i->imm;
	if (mmx) {
		union vreg s;

		sse_load(v, i, 1, &s, false);
		io->md = mmx_get(v, i->opnd[0].reg);
		io->ms = s.q[0];
		mmx_enter(v);
	} else {
		sse_load(v, i, 0, &io->d, false);
		sse_load(v, i, 1, &io->s, align16);
		memcpy(io->x0.b, v->s.vr[0].b, 16);
	}
	return mmx;
}

void sse_binop(struct vcpu *v, const struct x86_insn *i, enum simd_op op_xmm,
	       enum simd_op op_mmx, bool align16)
{
	struct simd_io io;
	uint32_t flags;

	if (sse_prepare(v, i, &io, align16)) {
		if (op_mmx == SIMD_NONE)
			abort();        /* a row gave an MMX operand to an XMM-only op */
		simd_run(op_mmx, &io);
		mmx_set(v, i->opnd[0].reg, io.out_md);
		return;
	}
	flags = simd_run(op_xmm, &io);
	simd_fp_exceptions(v, flags);
	xmm_set(v, i->opnd[0].reg, &io.out);
}

void sse_set_arith_flags(struct vcpu *v, uint64_t host_rflags)
{
	uint64_t fl = cpu_get_rflags(&v->s);

	cpu_set_rflags(&v->s, (fl & ~(uint64_t)RFLAGS_ARITH) | (host_rflags & RFLAGS_ARITH));
}
