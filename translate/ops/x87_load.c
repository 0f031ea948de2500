/*
 * translate/ops/x87_load.c - x87 data transfer: FLD/FST/FSTP (m32, m64, m80, ST(i)), FILD/FIST/FISTP,
 * FISTTP, FBLD/FBSTP, the constants FLD1..FLDZ, and FXCH (SDM vol. 1, 8.3.3-8.3.4).
 *
 * Every form runs on the host x87 unit through x87_run (translate/ops/x87.c,
 * cpu/fpu.c), which also handles stack faults, the memory operand, and FOP/FIP/FDP.
 * Edition: docs/spec-versions.md.
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

EXEC_PROTOS

void exec_FLD(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FST(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FILD(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FIST(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FISTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FISTTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FBLD(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FBSTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLD1(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDL2T(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDL2E(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDPI(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDLG2(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDLN2(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FLDZ(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FXCH(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
