/*
 * translate/gen_cc.c - lazy flags in inline IR. Inline instructions record their
 * flags in the same cc_op/cc_dst/cc_src form as the handlers (cpu/cpu.h, enum cc_op),
 * and a condition that follows in the same block is computed straight from the IR
 * values of the last flag-setting op when the op is known (SDM vol. 1, B.1 for the
 * condition codes); otherwise cc_eval() is called on the guest state.
 */
#include "translate/gen.h"

static const enum ir_opc ext_s[4] = { IR_ext8s, IR_ext16s, IR_ext32s, IR_mov };

uint32_t gen_sext(struct gen_ctx *c, uint32_t x, unsigned size)
{
	if (size >= 8)
		return x;
	return ir_unop(c->ir, ext_s[size_log2(size)], x);
}

void gen_cc_record(struct gen_ctx *c, unsigned byte_op, unsigned size, uint32_t res,
		   uint32_t a, uint32_t b)
{
	ir_set_cc_op(c->ir, byte_op + size_log2(size));
	ir_mov(c->ir, ir_global(IR_G_CC_DST), res);
	ir_mov(c->ir, ir_global(IR_G_CC_SRC), b);
	c->cc_op = (int)byte_op;
	c->cc_size = size;
	c->cc_res = res;
	c->cc_a = a;
	c->cc_b = b;
}

static uint32_t cst(struct gen_ctx *c, uint64_t x)
{
	return ir_const(c->ir, x);
}

static enum ir_cond invert(enum ir_cond cond)
{
	static const enum ir_cond inv[IR_COND_COUNT] = {
		[IR_COND_EQ] = IR_COND_NE, [IR_COND_NE] = IR_COND_EQ,
		[IR_COND_LTU] = IR_COND_GEU, [IR_COND_GEU] = IR_COND_LTU,
		[IR_COND_LEU] = IR_COND_GTU, [IR_COND_GTU] = IR_COND_LEU,
		[IR_COND_LT] = IR_COND_GE, [IR_COND_GE] = IR_COND_LT,
		[IR_COND_LE] = IR_COND_GT, [IR_COND_GT] = IR_COND_LE,
		[IR_COND_TSTEQ] = IR_COND_TSTNE, [IR_COND_TSTNE] = IR_COND_TSTEQ,
	};
	return inv[cond];
}

/* The even condition cc (O, B, Z, BE, S, P, L, LE) from a known op, if it can be. */
static bool cond_known(struct gen_ctx *c, unsigned cc, enum ir_cond *cond, uint32_t *x, uint32_t *y)
{
	unsigned size = c->cc_size, op = (unsigned)c->cc_op;
	uint64_t msb = 1ull << (size * 8 - 1);

	switch (cc) {
	case 0x4:               /* ZF: the result is 0 for every op we record */
		*cond = IR_COND_EQ, *x = c->cc_res, *y = cst(c, 0);
		return true;
	case 0x8:               /* SF */
		*cond = IR_COND_TSTNE, *x = c->cc_res, *y = cst(c, msb);
		return true;
	default:
		break;
	}
	if (op == CC_OP_LOGICB) {       /* CF = OF = 0 */
		switch (cc) {
		case 0x0: case 0x2:
			*cond = IR_COND_NE, *x = *y = cst(c, 0);        /* never */
			return true;
		case 0x6:
			*cond = IR_COND_EQ, *x = c->cc_res, *y = cst(c, 0);
			return true;
		case 0xc:
			*cond = IR_COND_TSTNE, *x = c->cc_res, *y = cst(c, msb);
			return true;
		case 0xe:
			*cond = IR_COND_LE, *x = gen_sext(c, c->cc_res, size), *y = cst(c, 0);
			return true;
		default:
			return false;
		}
	}
	if (op == CC_OP_SUBB) {         /* CMP a, b */
		switch (cc) {
		case 0x2: *cond = IR_COND_LTU, *x = c->cc_a, *y = c->cc_b; return true;
		case 0x6: *cond = IR_COND_LEU, *x = c->cc_a, *y = c->cc_b; return true;
		case 0xc: case 0xe:
			*cond = cc == 0xc ? IR_COND_LT : IR_COND_LE;
			*x = gen_sext(c, c->cc_a, size);
			*y = gen_sext(c, c->cc_b, size);
			return true;
		default:
			return false;
		}
	}
	if ((op == CC_OP_INCB || op == CC_OP_DECB) && cc == 0x2) {     /* CF kept as src */
		*cond = IR_COND_NE, *x = c->cc_b, *y = cst(c, 0);
		return true;
	}
	if (op == CC_OP_ADDB && cc == 0x2) {    /* carry out: the sum wrapped below b */
		*cond = IR_COND_LTU, *x = c->cc_res, *y = c->cc_b;
		return true;
	}
	return false;
}

void gen_cond(struct gen_ctx *c, unsigned cc, enum ir_cond *cond, uint32_t *x, uint32_t *y)
{
	if (c->cc_op < 0 || !cond_known(c, cc & 0xe, cond, x, y)) {
		*x = ir_call(c->ir, IR_HELPER_CC_EVAL, true, cst(c, cc & 0xe), cst(c, 0));
		*y = cst(c, 0);
		*cond = IR_COND_NE;
	}
	if (cc & 1)
		*cond = invert(*cond);
}

uint32_t gen_cf(struct gen_ctx *c)
{
	enum ir_cond cond;
	uint32_t x, y;

	if (c->cc_op == CC_OP_INCB || c->cc_op == CC_OP_DECB)
		return c->cc_b;         /* INC/DEC keep the CF they recorded as their source */
	if (c->cc_op >= 0 && cond_known(c, 0x2, &cond, &x, &y))
		return ir_setcond(c->ir, cond, x, y);
	return ir_call(c->ir, IR_HELPER_CC_CF, true, cst(c, 0), cst(c, 0));
}

/* ---------------------------------------------------------------- helpers */

static uint64_t helper_cc_eval(struct vcpu *v, uint64_t cc, uint64_t unused)
{
	return cc_eval(&v->s, (unsigned)cc & 15);
}

static uint64_t helper_cc_cf(struct vcpu *v, uint64_t a, uint64_t b)
{
	return cc_compute_cf(&v->s) ? 1 : 0;
}

/* IMUL's CF = OF for 64-bit operands: the full signed product does not fit in 64 bits
 * (SDM vol. 2, IMUL). Pure: reads no guest state. */
static uint64_t helper_imul64_of(struct vcpu *v, uint64_t a, uint64_t b)
{
	__int128 p = (__int128)(int64_t)a * (int64_t)b;

	return p != (__int128)(int64_t)(uint64_t)p;
}

const ir_helper_fn ir_helpers[IR_HELPER_COUNT] = {
	[IR_HELPER_CC_EVAL] = helper_cc_eval,
	[IR_HELPER_CC_CF] = helper_cc_cf,
	[IR_HELPER_IMUL64_OF] = helper_imul64_of,
};
