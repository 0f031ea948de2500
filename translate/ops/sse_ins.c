/*
 * translate/ops/sse_ins.c - element inserts and extracts: PINSRW/PEXTRW (MMX and XMM),
 * PINSRB/PINSRD/PINSRQ, PEXTRB/PEXTRD/PEXTRQ, INSERTPS/EXTRACTPS. Intel SDM vol. 2
 * (edition in docs/spec-versions.md), each instruction's page.
 */
#include "translate/ops/sse.h"

#include <string.h>

EXEC_PROTOS

/* The integer source of a PINSR*: a GPR's low bytes (r32 for PINSRB, never AH..BH) or
 * `size` bytes of memory. */
static uint64_t sse_ins_source(struct vcpu *v, const struct x86_insn *i, unsigned size)
{
	const struct x86_operand *o = &i->opnd[1];

	if (o->kind == OPND_GPR)
		return v->s.gpr[o->reg & 15] & size_mask(size);
	return cpu_ld(v, i->seg, insn_ea(v, i), size);
}

/* Insert `size` bytes at element imm8 mod (register bytes / size) of operand 0. */
static void sse_insert(struct vcpu *v, const struct x86_insn *i, unsigned size)
{
	bool mmx = i->opnd[0].kind == OPND_MMX;
	unsigned bytes = mmx ? 8 : 16, slot = (unsigned)i->imm % (bytes / size);
	union vreg r;
	uint64_t val;

	if (mmx)
		mmx_check(v);
	else
		sse_check(v);
	val = sse_ins_source(v, i, size);
	sse_load(v, i, 0, &r, false);
	memcpy(r.b + slot * size, &val, size);
	if (mmx) {
		mmx_enter(v);
		mmx_set(v, i->opnd[0].reg, r.q[0]);
	} else {
		xmm_set(v, i->opnd[0].reg, &r);
	}
}

void exec_PINSRW(struct vcpu *v, const struct x86_insn *i) { sse_insert(v, i, 2); }
void exec_PINSRB(struct vcpu *v, const struct x86_insn *i) { sse_insert(v, i, 1); }

/* PINSRD, or PINSRQ with REX.W (operand 1 is then 8 bytes). */
void exec_PINSRD(struct vcpu *v, const struct x86_insn *i)
{
	sse_insert(v, i, i->opnd[1].size == 8 ? 8 : 4);
}

/* Extract element imm8 mod n of `size` bytes from operand 1 to a GPR (zero-extended
 * to its size) or to memory (`size` bytes). */
static void sse_extract(struct vcpu *v, const struct x86_insn *i, unsigned size)
{
	bool mmx = i->opnd[1].kind == OPND_MMX;
	unsigned bytes = mmx ? 8 : 16, slot = (unsigned)i->imm % (bytes / size);
	const struct x86_operand *d = &i->opnd[0];
	union vreg r;
	uint64_t val = 0;

	if (mmx)
		mmx_check(v);
	else
		sse_check(v);
	sse_load(v, i, 1, &r, false);
	memcpy(&val, r.b + slot * size, size);
	if (d->kind == OPND_MEM)
		cpu_st(v, i->seg, insn_ea(v, i), size, val);
	else
		gpr_write(&v->s, d->reg, d->size == 8 ? 8 : 4, i->has_rex, val);
	if (mmx)
		mmx_enter(v);
}

void exec_PEXTRW(struct vcpu *v, const struct x86_insn *i) { sse_extract(v, i, 2); }
void exec_PEXTRB(struct vcpu *v, const struct x86_insn *i) { sse_extract(v, i, 1); }
void exec_EXTRACTPS(struct vcpu *v, const struct x86_insn *i) { sse_extract(v, i, 4); }

/* PEXTRD, or PEXTRQ with REX.W (operand 0 is then 8 bytes). */
void exec_PEXTRD(struct vcpu *v, const struct x86_insn *i)
{
	sse_extract(v, i, i->opnd[0].size == 8 ? 8 : 4);
}

/* INSERTPS xmm1, xmm2/m32, imm8: from memory the dword is taken whatever imm8[7:6]
 * says, so it is placed where the C row will look for it (cpu/simd_perm.c). */
void exec_INSERTPS(struct vcpu *v, const struct x86_insn *i)
{
	struct simd_io io;

	sse_prepare(v, i, &io, false);
	if (i->opnd[1].kind == OPND_MEM) {
		uint32_t m = io.s.d[0];

		io.s.d[(i->imm >> 6) & 3] = m;
	}
	simd_run(SIMD_INSERTPS, &io);
	xmm_set(v, i->opnd[0].reg, &io.out);
}
