/*
 * translate/ops/branch.c - near control transfers: Jcc, JMP, CALL, RET (incl.
 * RET imm16), LOOP, LOOPE, LOOPNE, JCXZ/JECXZ/JRCXZ.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. All of these are control-transfer handlers: they set rip themselves.
 * The target is checked (#GP(0) if beyond CS.limit or non-canonical) before any state
 * changes, so a faulting branch is restartable.
 */
#include "translate/ops/int_ops.h"

/* Target of a relative form: next rip + displacement, at the branch operand size. */
static uint64_t branch_rel_target(struct vcpu *v, const struct x86_insn *i, unsigned size)
{
	return int_branch_target(v, insn_next_rip(v, i) + i->imm, size);
}

/* Target of JMP/CALL: relative displacement or an r/m operand (absolute). */
static uint64_t branch_target(struct vcpu *v, const struct x86_insn *i, unsigned size)
{
	if (i->opnd[0].kind == OPND_REL)
		return branch_rel_target(v, i, size);
	/* The r/m operand is read at the branch operand size (64 bits in 64-bit mode). */
	if (i->opnd[0].kind == OPND_MEM)
		return int_branch_target(v, cpu_ld(v, i->seg, insn_ea(v, i), size), size);
	return int_branch_target(v, gpr_read(&v->s, i->opnd[0].reg, size, true), size);
}

void exec_JCC(struct vcpu *v, const struct x86_insn *i)
{
	if (cc_eval(&v->s, i->opcode & 15))
		v->s.rip = branch_rel_target(v, i, int_branch_size(v, i));
	else
		v->s.rip = insn_next_rip(v, i);
}

void exec_JMP(struct vcpu *v, const struct x86_insn *i)
{
	v->s.rip = branch_target(v, i, int_branch_size(v, i));
}

/* CALL: the target is checked before the return address is pushed (SDM vol. 2, CALL). */
void exec_CALL(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = int_branch_size(v, i);
	uint64_t target = branch_target(v, i, size);

	stack_push(v, size, insn_next_rip(v, i));
	v->s.rip = target;
}

/* RET / RET imm16: pop the return address, then release imm16 more bytes. */
void exec_RET(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = int_branch_size(v, i);
	uint64_t target = int_branch_target(v, stack_peek(v, size, 0), size);
	uint64_t extra = i->nopnd && i->opnd[0].kind == OPND_IMM ? opnd_read(v, i, 0) & 0xffff : 0;

	int_set_rsp(v, int_rsp_plus(v, (int64_t)(size + extra)));
	v->s.rip = target;
}

/* The count register of LOOP/JrCXZ is CX, ECX or RCX by address size. */
static uint64_t branch_count(struct vcpu *v, const struct x86_insn *i)
{
	return v->s.gpr[R_CX] & size_mask(i->addrsize);
}

enum loop_kind { LOOP_ALWAYS, LOOP_E, LOOP_NE };

static void branch_loop(struct vcpu *v, const struct x86_insn *i, enum loop_kind k)
{
	uint64_t count = (branch_count(v, i) - 1) & size_mask(i->addrsize);
	bool take = count != 0;
	uint64_t next = insn_next_rip(v, i);

	if (k == LOOP_E)
		take = take && cc_eval(&v->s, 4);
	else if (k == LOOP_NE)
		take = take && cc_eval(&v->s, 5);
	if (take)
		next = branch_rel_target(v, i, int_branch_size(v, i));
	int_set_reg(v, R_CX, i->addrsize, count);
	v->s.rip = next;
}

void exec_LOOP(struct vcpu *v, const struct x86_insn *i)   { branch_loop(v, i, LOOP_ALWAYS); }
void exec_LOOPE(struct vcpu *v, const struct x86_insn *i)  { branch_loop(v, i, LOOP_E); }
void exec_LOOPNE(struct vcpu *v, const struct x86_insn *i) { branch_loop(v, i, LOOP_NE); }

/* JCXZ / JECXZ / JRCXZ: one opcode, the address size picks the register. */
void exec_JRCXZ(struct vcpu *v, const struct x86_insn *i)
{
	if (branch_count(v, i) == 0)
		v->s.rip = branch_rel_target(v, i, int_branch_size(v, i));
	else
		v->s.rip = insn_next_rip(v, i);
}
