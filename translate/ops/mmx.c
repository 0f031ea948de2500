/*
 * translate/ops/mmx.c - EMMS, the one MMX instruction that is neither arithmetic nor
 * a move (the MMX forms of the integer operations are in sse_int.c, of MOVD/MOVQ in
 * sse_mov.c). Intel SDM vol. 1 (edition in docs/spec-versions.md), 9.5.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

/* EMMS: every x87 tag becomes empty (11b); the gates are those of MMX instructions
 * (SDM vol. 2, EMMS; vol. 1, 9.5.3). */
void exec_EMMS(struct vcpu *v, const struct x86_insn *i)
{
	mmx_check(v);
	fpu_emms(&v->s);
}
