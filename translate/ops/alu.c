/*
 * translate/ops/alu.c - integer arithmetic and logic: ADD, ADC, SUB, SBB, AND, OR,
 * XOR, CMP, TEST, INC, DEC, NEG, NOT.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. Operand 0 is the destination (and first source), operand 1 the second
 * source. Memory destinations are written before flags so a faulting store leaves
 * the state untouched.
 */
#include "translate/ops/int_ops.h"

enum alu_kind { ALU_ADD, ALU_ADC, ALU_SUB, ALU_SBB, ALU_AND, ALU_OR, ALU_XOR };

static void alu_binop(struct vcpu *v, const struct x86_insn *i, enum alu_kind k, bool store)
{
	unsigned size = i->opnd[0].size;
	uint64_t a = store ? int_read_rmw(v, i, 0) : int_read(v, i, 0);
	uint64_t b = int_read(v, i, 1), res;
	unsigned c = 0;
	enum cc_op op;

	switch (k) {
	case ALU_ADD: res = a + b; op = CC_OP_ADDB; break;
	case ALU_ADC: c = int_cf(v); res = a + b + c; op = CC_OP_ADCB; break;
	case ALU_SUB: res = a - b; op = CC_OP_SUBB; break;
	case ALU_SBB: c = int_cf(v); res = a - b - c; op = CC_OP_SBBB; break;
	case ALU_AND: res = a & b; op = CC_OP_LOGICB; break;
	case ALU_OR:  res = a | b; op = CC_OP_LOGICB; break;
	default:      res = a ^ b; op = CC_OP_LOGICB; break;
	}
	res &= size_mask(size);
	if (store)
		opnd_write(v, i, 0, res);
	cc_set(&v->s, int_cc(op, size), res, b, c);
}

void exec_ADD(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_ADD, true); }
void exec_ADC(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_ADC, true); }
void exec_SUB(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_SUB, true); }
void exec_SBB(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_SBB, true); }
void exec_AND(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_AND, true); }
void exec_OR(struct vcpu *v, const struct x86_insn *i)  { alu_binop(v, i, ALU_OR, true); }
void exec_XOR(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_XOR, true); }
void exec_CMP(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_SUB, false); }
void exec_TEST(struct vcpu *v, const struct x86_insn *i) { alu_binop(v, i, ALU_AND, false); }

/* INC/DEC keep CF (SDM vol. 2, INC: "The CF flag is not affected"). */
static void alu_incdec(struct vcpu *v, const struct x86_insn *i, bool inc)
{
	unsigned size = i->opnd[0].size;
	uint64_t res = (int_read_rmw(v, i, 0) + (inc ? 1 : -1ull)) & size_mask(size);
	unsigned cf = int_cf(v);

	opnd_write(v, i, 0, res);
	cc_set(&v->s, int_cc(inc ? CC_OP_INCB : CC_OP_DECB, size), res, cf, 0);
}

void exec_INC(struct vcpu *v, const struct x86_insn *i) { alu_incdec(v, i, true); }
void exec_DEC(struct vcpu *v, const struct x86_insn *i) { alu_incdec(v, i, false); }

/* NEG is 0 - x: CF = (x != 0) falls out of the SUB flags. */
void exec_NEG(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t b = int_read_rmw(v, i, 0), res = (0 - b) & size_mask(size);

	opnd_write(v, i, 0, res);
	cc_set(&v->s, int_cc(CC_OP_SUBB, size), res, b, 0);
}

/* NOT affects no flags. */
void exec_NOT(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, ~int_read_rmw(v, i, 0) & size_mask(i->opnd[0].size));
}
