/*
 * translate/gen_x86.c - inline IR for the hot simple instruction forms: MOV, MOVZX,
 * MOVSX(D), LEA, ADD/SUB/AND/OR/XOR/CMP/TEST, INC/DEC/NEG/NOT, shifts by a constant,
 * IMUL with two and three operands, PUSH/POP, SETcc/CMOVcc, Jcc/JMP/CALL near
 * relative, RET in 64-bit mode, NOP.
 *
 * The handlers in translate/ops/ are the reference: each form here gives exactly their
 * results (tests/unit/translate/test_engine_inline.c runs both and compares). Like
 * them, an instruction reads and checks everything that may fault before it writes
 * guest state, so a fault leaves the state of the instruction's start. Anything out
 * of the ordinary (LOCK, segment/control registers, unusual sizes, AMD's 16-bit near
 * branches in 64-bit mode) goes to the handler.
 */
#include "translate/gen.h"
#include "translate/opcodes.h"

static uint32_t cst(struct gen_ctx *c, uint64_t x)
{
	return ir_const(c->ir, x);
}

static bool pow2_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Operand n is a GPR, memory or immediate of size 1/2/4/8 (imm only if allowed). */
static bool simple_opnd(const struct x86_insn *i, unsigned n, bool imm_ok)
{
	const struct x86_operand *o = &i->opnd[n];

	if (n >= i->nopnd || !pow2_size(o->size))
		return false;
	return o->kind == OPND_GPR || o->kind == OPND_MEM || (imm_ok && o->kind == OPND_IMM);
}

static const enum ir_opc ext_u[4] = { IR_ext8u, IR_ext16u, IR_ext32u, IR_mov };

/* The memory operand's offset in i->seg, truncated to the address size (insn_ea). */
static uint32_t gen_ea(struct gen_ctx *c, const struct x86_insn *i)
{
	uint64_t disp = (uint64_t)i->disp;
	uint32_t ea = IR_NONE;

	if (c->ea != IR_NONE)
		return c->ea;
	if (i->rip_rel)
		disp += c->rip + i->len;
	if (i->base != 0xff)
		ea = ir_gpr(i->base);
	if (i->index != 0xff) {
		uint32_t idx = ir_gpr(i->index);

		if (i->scale > 1)
			idx = ir_binop(c->ir, IR_shl, idx, cst(c, (uint64_t)__builtin_ctz(i->scale)));
		ea = ea == IR_NONE ? idx : ir_binop(c->ir, IR_add, ea, idx);
	}
	if (ea == IR_NONE)
		ea = cst(c, disp);
	else if (disp || ir_is_global(c->ir, ea))
		ea = ir_binop(c->ir, IR_add, ea, cst(c, disp));  /* a temp: rBASE may change later */
	if (i->addrsize < 8)
		ea = ir_unop(c->ir, ext_u[size_log2(i->addrsize)], ea);
	c->ea = ea;
	return ea;
}

/* High-byte register AH..BH: operand reg 4-7 of size 1 without REX. */
static bool high_byte(const struct x86_insn *i, const struct x86_operand *o)
{
	return o->size == 1 && !i->has_rex && o->reg >= 4 && o->reg < 8;
}

/* Operand n, zero-extended from its size (int_read). An immediate comes from the
 * decoder sign-extended to 64 bits and is taken at the operation's size (operand 0),
 * so that imm8/imm32 forms sign-extend to 16/32/64 bits (SDM vol. 2, 3.1.1.3). */
static uint32_t gen_read_any(struct gen_ctx *c, const struct x86_insn *i, unsigned n, bool rmw)
{
	const struct x86_operand *o = &i->opnd[n];

	switch (o->kind) {
	case OPND_GPR:
		if (high_byte(i, o))
			return ir_extract(c->ir, ir_gpr(o->reg - 4), 8, 8);
		return ir_unop(c->ir, ext_u[size_log2(o->size)], ir_gpr(o->reg));
	case OPND_IMM:
		return cst(c, (o->reg ? i->imm2 : i->imm) & size_mask(i->opnd[0].size));
	default:
		if (rmw)
			return ir_ld_rmw(c->ir, i->seg, o->size, gen_ea(c, i));
		return ir_ld(c->ir, i->seg, o->size, gen_ea(c, i));
	}
}

static uint32_t gen_read(struct gen_ctx *c, const struct x86_insn *i, unsigned n)
{
	return gen_read_any(c, i, n, false);
}

/* The destination of a read-modify-write instruction (int_read_rmw). */
static uint32_t gen_read_rmw(struct gen_ctx *c, const struct x86_insn *i, unsigned n)
{
	return gen_read_any(c, i, n, true);
}

/* Write a register of the given size as gpr_write does (32-bit writes zero-extend). */
static void gen_write_gpr(struct gen_ctx *c, unsigned reg, unsigned size, bool high, uint32_t val)
{
	struct ir_op *op;

	if (size == 8) {
		ir_mov(c->ir, ir_gpr(reg), val);
		return;
	}
	if (size == 4) {
		ir_binop_to(c->ir, IR_ext32u, ir_gpr(reg), val, IR_NONE);
		return;
	}
	op = ir_emit(c->ir, IR_deposit);
	op->args[0] = op->args[1] = ir_gpr(high ? reg - 4 : reg);
	op->args[2] = val;
	op->c[0] = (high ? 8 : 0) | (size * 8) << 8;
}

static void gen_write(struct gen_ctx *c, const struct x86_insn *i, unsigned n, uint32_t val)
{
	const struct x86_operand *o = &i->opnd[n];

	if (o->kind == OPND_GPR) {
		gen_write_gpr(c, o->reg, o->size, high_byte(i, o), val);
		return;
	}
	ir_st(c->ir, i->seg, o->size, gen_ea(c, i), val);
	c->stored = true;
}

static uint32_t gen_mask(struct gen_ctx *c, uint32_t x, unsigned size)
{
	return size >= 8 ? x : ir_unop(c->ir, ext_u[size_log2(size)], x);
}

/* ---------------------------------------------------------------- data movement */

static bool gen_mov(struct gen_ctx *c, const struct x86_insn *i, bool sign)
{
	uint32_t val;

	if (!simple_opnd(i, 0, false) || !simple_opnd(i, 1, true))
		return false;
	val = gen_read(c, i, 1);
	if (sign)
		val = gen_sext(c, val, i->opnd[1].size);
	gen_write(c, i, 0, val);
	return true;
}

static bool gen_lea(struct gen_ctx *c, const struct x86_insn *i)
{
	if (i->nopnd < 2 || i->opnd[0].kind != OPND_GPR || i->opnd[1].kind != OPND_MEM)
		return false;
	gen_write(c, i, 0, gen_ea(c, i));
	return true;
}

/* ---------------------------------------------------------------- arithmetic */

static bool gen_alu(struct gen_ctx *c, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, byte_op = CC_OP_LOGICB;
	bool store = true;
	enum ir_opc opc;
	uint32_t a, b, res;

	switch (i->op) {
	case X86_OP_ADD: opc = IR_add; byte_op = CC_OP_ADDB; break;
	case X86_OP_SUB: opc = IR_sub; byte_op = CC_OP_SUBB; break;
	case X86_OP_CMP: opc = IR_sub; byte_op = CC_OP_SUBB; store = false; break;
	case X86_OP_AND: opc = IR_and; break;
	case X86_OP_TEST: opc = IR_and; store = false; break;
	case X86_OP_OR: opc = IR_or; break;
	default: opc = IR_xor; break;
	}
	if (!simple_opnd(i, 0, !store) || !simple_opnd(i, 1, true))
		return false;
	a = store ? gen_read_rmw(c, i, 0) : gen_read(c, i, 0);
	b = gen_read(c, i, 1);
	res = gen_mask(c, ir_binop(c->ir, opc, a, b), size);
	if (store)
		gen_write(c, i, 0, res);
	gen_cc_record(c, byte_op, size, res, a, b);
	return true;
}

static bool gen_incdec(struct gen_ctx *c, const struct x86_insn *i, bool inc)
{
	unsigned size = i->opnd[0].size;
	uint32_t a, res, cf;

	if (!simple_opnd(i, 0, false))
		return false;
	a = gen_read_rmw(c, i, 0);
	res = gen_mask(c, ir_binop(c->ir, inc ? IR_add : IR_sub, a, cst(c, 1)), size);
	cf = gen_cf(c);
	gen_write(c, i, 0, res);
	gen_cc_record(c, inc ? CC_OP_INCB : CC_OP_DECB, size, res, a, cf);
	return true;
}

static bool gen_negnot(struct gen_ctx *c, const struct x86_insn *i, bool neg)
{
	unsigned size = i->opnd[0].size;
	uint32_t a, res;

	if (!simple_opnd(i, 0, false))
		return false;
	a = gen_read_rmw(c, i, 0);
	res = gen_mask(c, ir_unop(c->ir, neg ? IR_neg : IR_not, a), size);
	gen_write(c, i, 0, res);
	if (neg)
		gen_cc_record(c, CC_OP_SUBB, size, res, cst(c, 0), a);
	return true;
}

/*
 * The flags of SHL/SHR/SAR by a count > 1 as shift.c computes them (SDM vol. 2,
 * SAL/SAR/SHL/SHR; Intel's OF for the undefined case): SF/ZF/PF of the result, CF the
 * last bit shifted out, OF that of the first 1-bit step (SHL: MSB ^ next bit of the
 * original, SHR: the original MSB, SAR: 0), AF 0. Recorded lazily as CC_OP_SAR, which
 * takes CF from bit 0 of its source and OF from the MSB of source ^ result: the
 * source recorded is CF | ((OF ^ MSB(result)) << MSB), dead with the flags.
 * a: the operand (zero-extended), src: it shifted by count - 1, res: the result.
 */
static void gen_shift_flags(struct gen_ctx *c, unsigned kind, unsigned size, uint32_t a,
			    uint32_t src, uint32_t res)
{
	uint64_t msb = 1ull << (size * 8 - 1);
	uint32_t cf, hi;

	if (kind == GEN_SHIFT_SHL) {
		cf = ir_binop(c->ir, IR_shr, src, cst(c, size * 8 - 1));
		hi = ir_binop(c->ir, IR_xor, a, ir_binop(c->ir, IR_shl, a, cst(c, 1)));
		hi = ir_binop(c->ir, IR_xor, hi, res);
	} else {
		cf = src;
		hi = kind == GEN_SHIFT_SHR ? ir_binop(c->ir, IR_xor, a, res) : res;
	}
	cf = ir_binop(c->ir, IR_and, cf, cst(c, 1));
	hi = ir_binop(c->ir, IR_and, hi, cst(c, msb));
	gen_cc_record(c, CC_OP_SARB, size, res, a, ir_binop(c->ir, IR_or, hi, cf));
	ir_movi(c->ir, ir_global(IR_G_CC_SRC2), 0);
}

/*
 * SHL/SHR/SAR by a constant (shift.c): by 1 the flags are lazy, from the operand (the
 * value before the last 1-bit shift); a masked count of 0 writes the operand back,
 * flags kept. By more, shift.c records Intel's flags eagerly; here they stay lazy
 * (gen_shift_flags).
 */
static bool gen_shift(struct gen_ctx *c, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, count, kind;
	uint32_t a, src, res;

	if (!simple_opnd(i, 0, false) || (i->nopnd > 1 && i->opnd[1].kind != OPND_IMM))
		return false;
	count = (unsigned)((i->nopnd > 1 ? i->imm : 1) & (size == 8 ? 63 : 31));
	kind = i->op == X86_OP_SHL ? GEN_SHIFT_SHL : i->op == X86_OP_SHR ? GEN_SHIFT_SHR : GEN_SHIFT_SAR;
	a = gen_read_rmw(c, i, 0);
	if (count == 0) {
		gen_write(c, i, 0, a);
		return true;
	}
	src = kind == GEN_SHIFT_SAR ? gen_sext(c, a, size) : a;
	if (count > 1)
		src = ir_binop(c->ir, kind == GEN_SHIFT_SHL ? IR_shl : kind == GEN_SHIFT_SHR ? IR_shr : IR_sar,
			       src, cst(c, count - 1));
	res = ir_binop(c->ir, kind == GEN_SHIFT_SHL ? IR_shl : kind == GEN_SHIFT_SHR ? IR_shr : IR_sar,
		       src, cst(c, 1));
	res = gen_mask(c, res, size);
	gen_write(c, i, 0, res);
	if (count > 1) {
		gen_shift_flags(c, kind, size, a, src, res);
		return true;
	}
	gen_cc_record(c, kind == GEN_SHIFT_SHL ? CC_OP_SHLB : CC_OP_SARB, size, res, a, a);
	ir_movi(c->ir, ir_global(IR_G_CC_SRC2), 0);
	return true;
}

/*
 * IMUL r, r/m and IMUL r, r/m, imm (mul.c): the product of the sign-extended operands,
 * truncated; CF = OF = the truncation lost significant bits (CC_OP_MUL, SDM vol. 2,
 * IMUL). Up to 32 bits the 64-bit product is exact; 64 bits ask a helper.
 */
static bool gen_imul(struct gen_ctx *c, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, first = i->nopnd >= 3 ? 1 : 0;
	uint32_t a, b, p, lo, over;

	if (i->nopnd < 2 || i->opnd[0].kind != OPND_GPR || size < 2 || !pow2_size(size) ||
	    !simple_opnd(i, 1, false) || (i->nopnd >= 3 && i->opnd[2].kind != OPND_IMM))
		return false;
	a = gen_sext(c, gen_read(c, i, first), size);
	b = gen_sext(c, gen_read(c, i, first + 1), size);
	p = ir_binop(c->ir, IR_mul, a, b);
	lo = gen_mask(c, p, size);
	if (size == 8)
		over = ir_call(c->ir, IR_HELPER_IMUL64_OF, true, a, b);
	else
		over = ir_setcond(c->ir, IR_COND_NE, p, gen_sext(c, lo, size));
	gen_write(c, i, 0, lo);
	gen_cc_record(c, CC_OP_MULB, size, lo, a, over);
	ir_movi(c->ir, ir_global(IR_G_CC_SRC2), 0);
	c->cc_op = -1;          /* ZF is not the result's (cpu/flags.c): ask cc_eval */
	return true;
}

static bool gen_setcc(struct gen_ctx *c, const struct x86_insn *i)
{
	enum ir_cond cond;
	uint32_t x, y;

	if (!simple_opnd(i, 0, false))
		return false;
	gen_cond(c, i->opcode & 15, &cond, &x, &y);
	gen_write(c, i, 0, ir_setcond(c->ir, cond, x, y));
	return true;
}

/* CMOVcc reads its source whatever the condition; a 32-bit destination is written
 * (zero-extended) even when the condition is false (data.c). */
static bool gen_cmov(struct gen_ctx *c, const struct x86_insn *i)
{
	enum ir_cond cond;
	uint32_t x, y, val, old;

	if (i->opnd[0].kind != OPND_GPR || !simple_opnd(i, 1, false))
		return false;
	val = gen_read(c, i, 1);
	old = gen_read(c, i, 0);
	gen_cond(c, i->opcode & 15, &cond, &x, &y);
	gen_write(c, i, 0, ir_select(c->ir, ir_setcond(c->ir, cond, x, y), val, old));
	return true;
}

/* ---------------------------------------------------------------- stack */

static unsigned stack_size(const struct gen_ctx *c)
{
	return c->mode == 8 ? 8 : (c->t->flags & TBF_SS32) ? 4 : 2;
}

/* rSP written at the stack-address size (16-bit stacks change SP only). */
static void gen_set_sp(struct gen_ctx *c, uint32_t sp)
{
	unsigned as = stack_size(c);

	gen_write_gpr(c, 4, as, false, sp);
}

static void gen_push_val(struct gen_ctx *c, unsigned size, uint32_t val)
{
	uint32_t sp = gen_mask(c, ir_binop(c->ir, IR_sub, ir_gpr(4), cst(c, size)), stack_size(c));

	ir_st(c->ir, SEG_SS, size, sp, val);
	c->stored = true;
	gen_set_sp(c, sp);
}

static bool gen_push(struct gen_ctx *c, const struct x86_insn *i)
{
	uint32_t val;

	if (!simple_opnd(i, 0, true) || !pow2_size(i->opsize))
		return false;
	/* opnd_read & size_mask(opsize): an immediate is taken sign-extended */
	if (i->opnd[0].kind == OPND_IMM)
		val = cst(c, i->imm & size_mask(i->opsize));
	else
		val = gen_mask(c, gen_read(c, i, 0), i->opsize);
	gen_push_val(c, i->opsize, val);
	return true;
}

static bool gen_pop(struct gen_ctx *c, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint32_t sp, val;

	if (i->opnd[0].kind != OPND_GPR || !pow2_size(size))
		return false;
	sp = gen_mask(c, ir_gpr(4), stack_size(c));
	val = ir_ld(c->ir, SEG_SS, size, sp);
	gen_set_sp(c, ir_binop(c->ir, IR_add, sp, cst(c, size)));
	gen_write_gpr(c, i->opnd[0].reg, size, false, val);
	return true;
}

/* ---------------------------------------------------------------- branches */

/* Branch operand size (int_branch_size): 64 in 64-bit mode except AMD's 66H form. */
static unsigned branch_size(const struct gen_ctx *c, const struct x86_insn *i)
{
	if (c->mode == 8)
		return (c->v->vendor == VENDOR_AMD && i->opsize_prefix) ? 2 : 8;
	return i->opsize;
}

/* 64 minus the width of a canonical linear address: 48 bits, 57 with CR4.LA57
 * (SDM vol. 1, 3.3.7.1). */
static unsigned canon_shift(const struct gen_ctx *c)
{
	return (c->t->flags & TBF_LA57) ? 64 - 57 : 64 - 48;
}

/* A constant target that int_branch_target would accept (canonical / within the CS
 * limit, as now: CS cannot change without ending the block). */
static bool branch_target(struct gen_ctx *c, const struct x86_insn *i, uint64_t *target)
{
	unsigned size = branch_size(c, i);
	uint64_t t = (c->next_rip + i->imm) & size_mask(size);

	if (i->opnd[0].kind != OPND_REL || size != (c->mode == 8 ? 8 : i->opsize))
		return false;
	if (c->mode == 8) {
		unsigned sh = canon_shift(c);

		if ((uint64_t)((int64_t)(t << sh) >> sh) != t)
			return false;
	} else if (t > c->v->s.seg[SEG_CS].limit) {
		return false;
	}
	*target = t;
	return true;
}

static void gen_goto(struct gen_ctx *c, uint64_t target, unsigned slot)
{
	ir_exit_to(c->ir, cst(c, target), c->k + 1, slot);
}

static bool gen_jcc(struct gen_ctx *c, const struct x86_insn *i)
{
	uint64_t target;
	enum ir_cond cond;
	uint32_t x, y;
	unsigned taken;

	if (!branch_target(c, i, &target))
		return false;
	gen_cond(c, i->opcode & 15, &cond, &x, &y);
	taken = ir_new_label(c->ir);
	ir_brcond(c->ir, cond, x, y, taken);
	gen_goto(c, c->next_rip, 0);
	ir_label(c->ir, taken);
	gen_goto(c, target, 1);
	c->ended = true;
	return true;
}

static bool gen_jmp_call(struct gen_ctx *c, const struct x86_insn *i, bool call)
{
	uint64_t target;

	if (!branch_target(c, i, &target))
		return false;
	if (call)
		gen_push_val(c, branch_size(c, i), cst(c, c->next_rip));
	gen_goto(c, target, 0);
	c->ended = true;
	return true;
}

/* RET [imm16] in 64-bit mode; a non-canonical return address goes to the handler,
 * which raises #GP(0) with nothing changed. */
static bool gen_ret(struct gen_ctx *c, const struct x86_insn *i)
{
	uint64_t extra = i->nopnd && i->opnd[0].kind == OPND_IMM ? (i->imm & 0xffff) : 0;
	unsigned slow;
	uint32_t target, canon;

	if (c->mode != 8 || branch_size(c, i) != 8)
		return false;
	target = ir_ld(c->ir, SEG_SS, 8, ir_gpr(4));
	canon = ir_binop(c->ir, IR_sar, ir_binop(c->ir, IR_shl, target, cst(c, canon_shift(c))),
			 cst(c, canon_shift(c)));
	slow = ir_new_label(c->ir);
	ir_brcond(c->ir, IR_COND_NE, target, canon, slow);
	ir_binop_to(c->ir, IR_add, ir_gpr(4), ir_gpr(4), cst(c, 8 + extra));
	ir_exit_to(c->ir, target, c->k + 1, IR_EXIT_LOOKUP);
	ir_label(c->ir, slow);
	ir_call_exec(c->ir, c->k);
	ir_exit(c->ir, c->k + 1, IR_EXIT_INDIRECT);
	c->ended = true;
	return true;
}

/* ---------------------------------------------------------------- dispatch */

static bool gen_one(struct gen_ctx *c, const struct x86_insn *i)
{
	switch (i->op) {
	case X86_OP_NOP: return true;
	case X86_OP_MOV: case X86_OP_MOVZX: return gen_mov(c, i, false);
	case X86_OP_MOVSX: case X86_OP_MOVSXD: return gen_mov(c, i, true);
	case X86_OP_LEA: return gen_lea(c, i);
	case X86_OP_ADD: case X86_OP_SUB: case X86_OP_CMP: case X86_OP_AND: case X86_OP_TEST:
	case X86_OP_OR: case X86_OP_XOR:
		return gen_alu(c, i);
	case X86_OP_INC: return gen_incdec(c, i, true);
	case X86_OP_DEC: return gen_incdec(c, i, false);
	case X86_OP_NEG: return gen_negnot(c, i, true);
	case X86_OP_NOT: return gen_negnot(c, i, false);
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR: return gen_shift(c, i);
	case X86_OP_IMUL: return gen_imul(c, i);
	case X86_OP_SETCC: return gen_setcc(c, i);
	case X86_OP_CMOVCC: return gen_cmov(c, i);
	case X86_OP_PUSH: return gen_push(c, i);
	case X86_OP_POP: return gen_pop(c, i);
	case X86_OP_JCC: return gen_jcc(c, i);
	case X86_OP_JMP: return gen_jmp_call(c, i, false);
	case X86_OP_CALL: return gen_jmp_call(c, i, true);
	case X86_OP_RET: return gen_ret(c, i);
	default: return false;
	}
}

bool gen_inline(struct gen_ctx *c, const struct x86_insn *i)
{
	unsigned nops = c->ir->nops, nvals = c->ir->nvals;
	int cc_op = c->cc_op;

	if (i->lock || i->vex)
		return false;
	c->ea = IR_NONE;
	c->stored = false;
	if (!gen_one(c, i)) {
		/* Nothing of a refused form may stay behind. */
		c->ir->nops = nops;
		c->ir->nvals = nvals;
		c->cc_op = cc_op;
		return false;
	}
	if (c->stored && !c->ended)
		ir_smc_check(c->ir, c->k);
	return true;
}
