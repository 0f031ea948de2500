/*
 * translate/gen.h - inline IR generation for guest instructions (gen_*.c), used by
 * the translator loop (translator.c).
 */
#ifndef ELZERO_TRANSLATE_GEN_H
#define ELZERO_TRANSLATE_GEN_H

#include "translate/engine.h"

struct gen_ctx {
	struct vcpu *v;
	struct ir_block *ir;
	struct tb_translation *t;
	unsigned k;             /* index of the instruction in the block */
	unsigned mode;          /* code size: 2, 4, 8 */
	uint64_t rip, next_rip;
	int cc_op;              /* cc_op the lazy flags hold at this point, -1 if unknown */
	unsigned cc_size;       /* operand size of that op */
	uint32_t cc_res, cc_a, cc_b;    /* its result and sources as IR values (immutable) */
	uint32_t ea;            /* this instruction's memory offset once computed, or IR_NONE */
	bool stored;            /* this instruction wrote memory */
	bool inline_ok;
	bool ended;             /* the block exit has been emitted */
	bool ended_after;       /* end the block after this instruction */
};

/* Emit inline IR for i if it is one of the forms gen_x86.c knows; false otherwise
 * (nothing emitted: the caller emits the handler call). */
bool gen_inline(struct gen_ctx *c, const struct x86_insn *i);

/* gen_cc.c: lazy flags. Record the flags of an inline op (byte_op is CC_OP_xxxB). */
void gen_cc_record(struct gen_ctx *c, unsigned byte_op, unsigned size, uint32_t res,
		   uint32_t a, uint32_t b);
/* Condition code cc (Jcc/SETcc/CMOVcc low nibble) as "cond(*x, *y)" over IR values. */
void gen_cond(struct gen_ctx *c, unsigned cc, enum ir_cond *cond, uint32_t *x, uint32_t *y);
/* CF as 0/1 in an IR value. */
uint32_t gen_cf(struct gen_ctx *c);
enum { GEN_SHIFT_SHL, GEN_SHIFT_SHR, GEN_SHIFT_SAR };

/* Sign-extend the low size bytes of x to 64 bits. */
uint32_t gen_sext(struct gen_ctx *c, uint32_t x, unsigned size);

#endif
