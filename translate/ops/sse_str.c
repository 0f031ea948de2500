/*
 * translate/ops/sse_str.c - SSE4.2 string compares PCMPESTRI, PCMPESTRM, PCMPISTRI,
 * PCMPISTRM. Intel SDM vol. 2 (edition in docs/spec-versions.md), 4.1 (imm8 control
 * byte) and the four instruction pages. The comparison is the host's own instruction.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

#define REX_W 0x08

/*
 * The memory operand need not be aligned (SDM vol. 2, 4.1.1). The explicit-length forms
 * read EAX/EDX, or RAX/RDX with REX.W (64-bit mode), run then as the host's REX.W form.
 * The index goes to ECX (RCX with REX.W), the mask to XMM0; flags CF ZF SF OF, AF = PF
 * = 0. Nothing is written if the instruction faults.
 */
static void sse_pcmpstr(struct vcpu *v, const struct x86_insn *i, enum simd_op op,
			bool index)
{
	struct simd_io io;

	sse_prepare(v, i, &io, false);
	io.rax = v->s.gpr[0];
	io.rdx = v->s.gpr[2];
	simd_run(op, &io);
	/* The index is at most 16: writing ECX zero-extends just as writing RCX would. */
	if (index)
		gpr_write(&v->s, 1, 4, false, io.out_rcx);
	else
		xmm_set(v, 0, &io.out_x0);
	sse_set_arith_flags(v, io.rflags);
}

void exec_PCMPESTRI(struct vcpu *v, const struct x86_insn *i)
{
	sse_pcmpstr(v, i, (i->rex & REX_W) ? SIMD_PCMPESTRI_Q : SIMD_PCMPESTRI, true);
}

void exec_PCMPESTRM(struct vcpu *v, const struct x86_insn *i)
{
	sse_pcmpstr(v, i, (i->rex & REX_W) ? SIMD_PCMPESTRM_Q : SIMD_PCMPESTRM, false);
}

void exec_PCMPISTRI(struct vcpu *v, const struct x86_insn *i)
{
	sse_pcmpstr(v, i, SIMD_PCMPISTRI, true);
}

void exec_PCMPISTRM(struct vcpu *v, const struct x86_insn *i)
{
	sse_pcmpstr(v, i, SIMD_PCMPISTRM, false);
}
