/*
 * translate/ops/x87.h - what the x87 handler files (x87_*.c, xsave.c) share.
 * Internal to translate/ops; the host-FPU primitives are in cpu/fpu.c (cpu/cpu.h).
 */
#ifndef ELZERO_TRANSLATE_OPS_X87_H
#define ELZERO_TRANSLATE_OPS_X87_H

#include "translate/insn.h"

/*
 * Start of every x87 instruction: #NM per CR0.EM/TS (SDM vol. 3, 2.5, table 2-2),
 * then, for waiting instructions, #MF for a pending unmasked exception (SDM vol. 1,
 * 8.6). The no-wait control instructions (FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV,
 * FNSAVE) pass waiting = false.
 */
void x87_begin(struct vcpu *v, bool waiting);

/*
 * Execute a computational x87 instruction (every D8H-DFH form except the control
 * instructions) on the host unit: memory operand read or probed, fpu_host_exec, the
 * store committed unless an unmasked exception other than precision suppressed it
 * (SDM vol. 1, 8.5), then FOP/FIP/FDP recorded.
 */
void x87_run(struct vcpu *v, const struct x86_insn *i);

/* SDM vol. 1, 8.1.8-8.1.9: the last non-control instruction's pointers and opcode. */
void x87_note(struct vcpu *v, const struct x86_insn *i);

/* FCW as FLDCW stores it: bits 7 and 13-15 read as 0, bit 6 reads as 1 (as the
 * hardware does; SDM vol. 1, 8.1.5 calls them reserved). */
static inline uint16_t x87_fcw_value(uint16_t val) { return (val & 0x1f3f) | 0x40; }

/* The x87 environment (FLDENV/FNSTENV and the first part of FRSTOR/FNSAVE) in the
 * format for the operand size and mode (SDM vol. 1, 8.1.10, figures 8-9 to 8-12).
 * Returns the environment size: 14 or 28 bytes. */
unsigned x87_env_size(const struct x86_insn *i);
void x87_env_store(struct vcpu *v, const struct x86_insn *i, uint8_t *env);
void x87_env_load(struct vcpu *v, const struct x86_insn *i, const uint8_t *env);

#endif
