/*
 * translate/ops/x87_trans.c - x87 transcendental and other arithmetic: FSIN, FCOS, FSINCOS, FPTAN, FPATAN,
 * F2XM1, FYL2X, FYL2XP1, FSCALE, FPREM, FPREM1, FRNDINT, FSQRT, FXTRACT, FABS, FCHS
 * (SDM vol. 1, 8.3.8-8.3.10). The host unit computes them, so partial remainders
 * (C2), the reduction range of FSIN/FCOS/FPTAN and their rounding are the hardware's.
 *
 * Every form runs on the host x87 unit through x87_run (translate/ops/x87.c,
 * cpu/fpu.c), which also handles stack faults, the memory operand, and FOP/FIP/FDP.
 * Edition: docs/spec-versions.md.
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

EXEC_PROTOS

void exec_FSIN(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCOS(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSINCOS(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FPTAN(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FPATAN(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_F2XM1(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FYL2X(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FYL2XP1(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSCALE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FPREM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FPREM1(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FRNDINT(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSQRT(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FXTRACT(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FABS(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCHS(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
