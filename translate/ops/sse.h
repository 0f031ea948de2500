/*
 * translate/ops/sse.h - what the MMX/SSE handler files (sse_*.c, mmx.c) share:
 * the #UD/#NM/#MF gates, operand access for XMM/MMX/memory operands, and the generic
 * "run one primitive on (destination, source[, imm])" handler. Private to translate/ops.
 * Intel SDM (edition in docs/spec-versions.md).
 */
#ifndef ELZERO_TRANSLATE_OPS_SSE_H
#define ELZERO_TRANSLATE_OPS_SSE_H

#include "cpu/simd.h"
#include "translate/opcodes.h"

/* No MMX form: the second argument of sse_binop for XMM-only operations. */
#define SIMD_NONE SIMD_OP_COUNT

/* Gates, raising the fault if the instruction may not run (CPUID is the engine's):
 * SSE: CR0.EM or !CR4.OSFXSR -> #UD, CR0.TS -> #NM (SDM vol. 3, 2.5; vol. 1, 13.1.3).
 * MMX: CR0.EM -> #UD, CR0.TS -> #NM, a pending unmasked x87 exception -> #MF (SDM
 * vol. 3, 2.5, table 2-2). mmx_enter is the x87-to-MMX transition (TOP = 0, all tags
 * valid; SDM vol. 1, 9.5.1), made once nothing can fault any more. */
void sse_check(struct vcpu *v);
void mmx_check(struct vcpu *v);
void mmx_enter(struct vcpu *v);

/* MMX register i aliases the mantissa of x87 physical register R(i); a write sets the
 * exponent/sign field to all ones (SDM vol. 1, 9.5.1). */
static inline uint64_t mmx_get(const struct vcpu *v, unsigned reg)
{
	return v->s.st[reg & 7].mant;
}

static inline void mmx_set(struct vcpu *v, unsigned reg, uint64_t val)
{
	fpu_mmx_write(&v->s, reg, val);
}

/* Write the low 16 bytes of an XMM register; bits 255:128 are left alone as legacy
 * SSE does (SDM vol. 1, 14.1.3). */
void xmm_set(struct vcpu *v, unsigned reg, const union vreg *val);

/* Load operand n (XMM register: all 16 bytes; MMX register; memory of the operand's
 * size, zero-extended; GPR; immediate) into *out, zeroed first. align16: a 16-byte
 * memory operand must be 16-byte aligned or #GP(0) (SDM vol. 1, 11.6.4). */
void sse_load(struct vcpu *v, const struct x86_insn *i, unsigned n, union vreg *out, bool align16);
/* Store `size` bytes of val to memory operand n (alignment as sse_load). */
void sse_store_mem(struct vcpu *v, const struct x86_insn *i, unsigned n, const union vreg *val,
		   unsigned size, bool align16);
/* Effective address of a memory operand n, with the #GP(0) alignment check. */
uint64_t sse_ea(struct vcpu *v, const struct x86_insn *i, unsigned n, unsigned size, bool align16);

/*
 * The common shape: operand 0 (XMM or MMX register) op= operand 1 (register, memory or
 * immediate count), with i->imm as imm8. Runs op_xmm or op_mmx per operand 0's kind,
 * folds SIMD FP exceptions, writes operand 0. align16: legacy alignment of a 16-byte
 * memory source. Returns the io for handlers that want flags/GPR results; nothing is
 * written to the guest when an exception is raised.
 */
void sse_binop(struct vcpu *v, const struct x86_insn *i, enum simd_op op_xmm,
	       enum simd_op op_mmx, bool align16);
/* Fill io from the operands the way sse_binop does, without running anything. Returns
 * true when operand 0 is an MMX register (and the MMX gate has been passed). */
bool sse_prepare(struct vcpu *v, const struct x86_insn *i, struct simd_io *io, bool align16);

/* The six arithmetic flags from a host run into the guest RFLAGS. */
void sse_set_arith_flags(struct vcpu *v, uint64_t host_rflags);

#endif
