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
	bool inline_ok;
	bool ended;             /* the block exit has been emitted */
	bool ended_after;       /* end the block after this instruction */
};

/* Emit inline IR for i if it is one of the forms gen_x86.c knows; false otherwise
 * (nothing emitted: the caller emits the handler call). */
bool gen_inline(struct gen_ctx *c, const struct x86_insn *i);

#endif
