/*
 * translate/ops/sse_misc.c - the SSE/SSE2 instructions that order or hint rather than
 * compute: LFENCE, MFENCE, SFENCE and PREFETCHNTA/T0/T1/T2. Intel SDM vol. 2 (edition
 * in docs/spec-versions.md), each instruction's page.
 */
#include "translate/ops/sse.h"

EXEC_PROTOS

/*
 * Fences: vCPUs run round-robin on one host thread (../shared/DESIGN.md, "Time and
 * determinism"), so every guest access is already globally ordered and the fences have
 * nothing to wait for. Their only checks are CPUID (the engine's) and LOCK (the
 * decoder's); CR0/CR4 do not gate them (SDM vol. 2, LFENCE/MFENCE/SFENCE: no #NM).
 */
void exec_LFENCE(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
void exec_MFENCE(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
void exec_SFENCE(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }

/* PREFETCHh: a hint that never faults and has no architectural effect (SDM vol. 2,
 * PREFETCHh: "does not affect program behavior"), so the address is not even formed. */
void exec_PREFETCHNTA(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
void exec_PREFETCHT0(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
void exec_PREFETCHT1(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
void exec_PREFETCHT2(struct vcpu *v, const struct x86_insn *i) { (void)v; (void)i; }
