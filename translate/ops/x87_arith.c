/*
 * translate/ops/x87_arith.c - x87 arithmetic: FADD/FADDP/FIADD, FSUB/FSUBP/FISUB, FSUBR/FSUBRP/FISUBR,
 * FMUL/FMULP/FIMUL, FDIV/FDIVP/FIDIV, FDIVR/FDIVRP/FIDIVR (SDM vol. 1, 8.3.5).
 *
 * Every form runs on the host x87 unit through x87_run (translate/ops/x87.c,
 * cpu/fpu.c), which also handles stack faults, the memory operand, and FOP/FIP/FDP.
 * Edition: docs/spec-versions.md.
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

EXEC_PROTOS

void exec_FADD(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FADDP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FIADD(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSUB(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSUBP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FISUB(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSUBR(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSUBRP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FISUBR(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FMUL(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FMULP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FIMUL(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDIV(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDIVP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FIDIV(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDIVR(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDIVRP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FIDIVR(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
