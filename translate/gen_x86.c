/*
 * translate/gen_x86.c - inline IR for the hot simple instruction forms.
 */
#include "translate/gen.h"
#include "translate/opcodes.h"

bool gen_inline(struct gen_ctx *c, const struct x86_insn *i)
{
	return false;
}
