/*
 * translate/ops/int_ops.h - helpers shared by the general-purpose instruction groups
 * (alu.c, mul.c, shift.c, bit.c, bmi.c, string.c, stack.c, branch.c, data.c, bcd.c,
 * misc.c). Private to translate/ops/.
 */
#ifndef ELZERO_TRANSLATE_OPS_INT_OPS_H
#define ELZERO_TRANSLATE_OPS_INT_OPS_H

#include "translate/insn.h"
#include "translate/opcodes.h"

/* Sign-extend the low size bytes of x. */
static inline int64_t int_sext(uint64_t x, unsigned size)
{
	unsigned sh = 64 - size * 8;

	return size >= 8 ? (int64_t)x : (int64_t)(x << sh) >> sh;
}

static inline uint64_t int_msb(unsigned size)
{
	return 1ull << (size * 8 - 1);
}

/* Operand n's value, masked to its size. Immediates are returned as decoded (sign- or
 * zero-extended to 64 bits by the form): the handler masks to the destination size. */
static inline uint64_t int_read(struct vcpu *v, const struct x86_insn *i, unsigned n)
{
	uint64_t val = opnd_read(v, i, n);

	return i->opnd[n].kind == OPND_IMM ? val : val & size_mask(i->opnd[n].size);
}

/*
 * The destination of a read-modify-write instruction. A memory destination is checked
 * for write access before it is read, so that a fault reports the write (error code
 * W set, and the first page that refuses the write), as the processor does.
 */
static inline uint64_t int_read_rmw(struct vcpu *v, const struct x86_insn *i, unsigned n)
{
	if (i->opnd[n].kind == OPND_MEM)
		cpu_probe(v, i->seg, insn_ea(v, i), i->opnd[n].size, ACC_WRITE);
	return int_read(v, i, n);
}

/* A GPR by number at the instruction's operand size (RAX = 0 ...). */
static inline uint64_t int_reg(struct vcpu *v, unsigned reg, unsigned size)
{
	return gpr_read(&v->s, reg, size, true);
}

static inline void int_set_reg(struct vcpu *v, unsigned reg, unsigned size, uint64_t val)
{
	gpr_write(&v->s, reg, size, true, val);
}

/* The lazy op for a group at an operand size: int_cc(CC_OP_ADDB, 4) = CC_OP_ADDL. */
static inline enum cc_op int_cc(enum cc_op byte_op, unsigned size)
{
	return (enum cc_op)(byte_op + size_log2(size));
}

/* CF as 0 or 1. */
static inline unsigned int_cf(struct vcpu *v)
{
	return cc_compute_cf(&v->s) ? 1 : 0;
}

/* Replace the arithmetic flags in `keep` from the current ones with `set`. */
static inline void int_flags_update(struct vcpu *v, uint32_t keep_mask, uint32_t set)
{
	cc_set_arith(&v->s, (cc_compute_all(&v->s) & keep_mask) | set);
}

/* PF of a result's low byte. */
static inline uint32_t int_pf(uint64_t res)
{
	return __builtin_parity((unsigned)(res & 0xff)) ? 0 : RFLAGS_PF;
}

/* ZF, SF, PF of a result of the given size. */
static inline uint32_t int_szp(uint64_t res, unsigned size)
{
	res &= size_mask(size);
	return int_pf(res) | (res ? 0 : RFLAGS_ZF) | ((res & int_msb(size)) ? RFLAGS_SF : 0);
}

/* Register numbers (SDM vol. 2, table 2-2 order). */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

/* Write rSP at the stack-address size (SP only in 16-bit stacks: SDM vol. 1, 6.2.3). */
static inline void int_set_rsp(struct vcpu *v, uint64_t val)
{
	unsigned sas = stack_addr_size(v);

	if (sas == 8)
		v->s.gpr[R_SP] = val;
	else
		int_set_reg(v, R_SP, sas, val);
}

/* rSP + delta at the stack-address size (wraps as the hardware does). */
static inline uint64_t int_rsp_plus(struct vcpu *v, int64_t delta)
{
	return (v->s.gpr[R_SP] + (uint64_t)delta) & size_mask(stack_addr_size(v));
}

/* Operand size of a near branch: in 64-bit mode Intel ignores 66H (64 bits always),
 * AMD honours it (16 bits) (SDM vol. 2, JMP/CALL/RET, "64-bit mode"; APM vol. 3, 1.2.5). */
static inline unsigned int_branch_size(const struct vcpu *v, const struct x86_insn *i)
{
	if (i->mode == 8)
		return (v->vendor == VENDOR_AMD && i->opsize_prefix) ? 2 : 8;
	return i->opsize;
}

/* Is target canonical for the current paging mode (48 or 57 bits, SDM vol. 1, 3.3.7.1)? */
static inline bool int_canonical(const struct vcpu *v, uint64_t target)
{
	unsigned bits = (v->s.cr4 & CR4_LA57) ? 57 : 48;

	return (uint64_t)((int64_t)(target << (64 - bits)) >> (64 - bits)) == target;
}

/* Check a near-branch target at operand size `size` and return it truncated: #GP(0)
 * if non-canonical (64-bit mode) or beyond the CS limit (other modes) (SDM vol. 2, JMP). */
static inline uint64_t int_branch_target(struct vcpu *v, uint64_t target, unsigned size)
{
	target &= size_mask(size);
	if (cpu_64bit_mode(&v->s)) {
		if (!int_canonical(v, target))
			cpu_raise(v, EXC_GP, 0);
	} else if (target > v->s.seg[SEG_CS].limit) {
		cpu_raise(v, EXC_GP, 0);
	}
	return target;
}

#endif
