/*
 * translate/ops/x87_cmp.c - x87 comparison and classification: FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP,
 * FICOM/FICOMP, FCOMI/FCOMIP/FUCOMI/FUCOMIP, FTST, FXAM (SDM vol. 1, 8.3.6-8.3.7).
 *
 * Every form runs on the host x87 unit through x87_run (translate/ops/x87.c,
 * cpu/fpu.c), which also handles stack faults, the memory operand, and FOP/FIP/FDP.
 * Edition: docs/spec-versions.md.
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

EXEC_PROTOS

void exec_FCOM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCOMP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCOMPP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FUCOM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FUCOMP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FUCOMPP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FICOM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FICOMP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCOMI(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCOMIP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FUCOMI(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FUCOMIP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FTST(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FXAM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
