/*
 * translate/translate.h - the public face of translate/: the execution engine.
 *
 * Guest code is decoded (insn.h) into translation blocks of IR (ir.h), cached by
 * physical address and mode, and executed by a backend (the reference IR interpreter
 * for now). The vCPU run loop lives here rather than in cpu/, because it drives the
 * block cache and cpu/ must not depend on translate/ (../shared/STYLE.md, "Shape of
 * the tree"); cpu/ provides event delivery (cpu_deliver_pending) that the loop calls.
 */
#ifndef ELZERO_TRANSLATE_TRANSLATE_H
#define ELZERO_TRANSLATE_TRANSLATE_H

#include "cpu/cpu.h"

/* Why vcpu_run returned. */
enum run_exit {
	RUN_EXIT_REQUEST = 0,   /* v->exit_request was set (machine stop, monitor, ...) */
	RUN_EXIT_HALT,          /* HLT with interrupts disabled and nothing pending */
	RUN_EXIT_SHUTDOWN,      /* triple fault */
	RUN_EXIT_LIMIT,         /* the instruction budget ran out */
	RUN_EXIT_EXCEPTION,     /* stop-on-exception is on and an exception was raised: it is
	                         * left in v->pending_vector/pending_error, RIP at the faulting
	                         * instruction, nothing delivered (tests) */
	RUN_EXIT_BREAKPOINT,    /* RIP reached the breakpoint (translate_set_breakpoint) */
};

/* Set up/tear down the translation-block cache of a vCPU. Returns 0 or -errno. */
int translate_attach(struct vcpu *v);
void translate_detach(struct vcpu *v);

/* Run until an exit condition or until `budget` instructions have retired
 * (0 = no limit). */
enum run_exit vcpu_run(struct vcpu *v, uint64_t budget);

/*
 * Testing and debugging controls (per vCPU).
 *  - stop on exception: vcpu_run returns RUN_EXIT_EXCEPTION instead of delivering;
 *  - breakpoint: vcpu_run returns RUN_EXIT_BREAKPOINT when RIP (CS base + RIP) reaches
 *    `lin` at an instruction boundary; a call that resumes after such a stop runs the
 *    instruction there first; ~0 clears it;
 *  - inline: false sends every instruction through its exec_X handler instead of the
 *    translator's inline IR (the handler is the reference the inline IR is tested against).
 */
void translate_set_stop_on_exception(struct vcpu *v, bool on);
void translate_set_breakpoint(struct vcpu *v, uint64_t lin);
void translate_set_inline(struct vcpu *v, bool on);

/*
 * Debugger controls (monitor/: the gdb stub and the monitor).
 *  - breakpoints: up to TRANSLATE_MAX_BREAKPOINTS linear addresses besides the test
 *    breakpoint above, with the same stop and resume rules (RUN_EXIT_BREAKPOINT);
 *    add returns 0, or -1 when the list is full; adding one twice is harmless;
 *  - events off: vcpu_run takes no interrupt or NMI at block boundaries (gdb's
 *    single-step must execute exactly the instruction at RIP);
 *  - translate_exit_after_insn: from inside an instruction (a watchpoint hook), leave
 *    the block once the instruction completes; with v->exit_request set, vcpu_run
 *    then returns RUN_EXIT_REQUEST. The check follows every instruction that stores
 *    (and every one run through its handler); after a load it waits for the block end.
 */
#define TRANSLATE_MAX_BREAKPOINTS 32
int translate_add_breakpoint(struct vcpu *v, uint64_t lin);
void translate_remove_breakpoint(struct vcpu *v, uint64_t lin);
void translate_set_events(struct vcpu *v, bool on);
void translate_exit_after_insn(struct vcpu *v);

/*
 * Trace hooks for -d in_asm (tb_new: a block was just translated) and -d exec/cpu
 * (tb_exec: a block is about to run). monitor/trace.c installs them; the engine
 * calls them only while the log item is on (one test of g_log_mask when off).
 * pc/cs_base: the block's first instruction; size in bytes; ninsns instructions.
 */
typedef void (*trace_tb_fn)(struct vcpu *v, uint64_t pc, uint64_t cs_base, unsigned size,
			    unsigned ninsns);
void translate_set_trace(trace_tb_fn tb_new, trace_tb_fn tb_exec);

/* Counters for the monitor and the benchmarks. */
struct translate_stats {
	uint64_t blocks_translated;
	uint64_t insns_translated;
	uint64_t blocks_invalidated;    /* by code writes */
	uint64_t flushes;
	uint64_t slow_lookups;          /* jump cache misses */
};
const struct translate_stats *translate_get_stats(struct vcpu *v);

/* Drop the translations of guest-physical [paddr, paddr + len) (a loader or a device
 * wrote there behind the CPU's back). */
void translate_invalidate_phys(struct vcpu *v, uint64_t paddr, uint64_t len);

/* Drop every translation (e.g. after the machine rewrote memory behind the CPU). */
void translate_flush(struct vcpu *v);

#endif
