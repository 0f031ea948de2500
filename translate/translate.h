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
};

/* Set up/tear down the translation-block cache of a vCPU. Returns 0 or -errno. */
int translate_attach(struct vcpu *v);
void translate_detach(struct vcpu *v);

/* Run until an exit condition or until `budget` instructions have retired
 * (0 = no limit). */
enum run_exit vcpu_run(struct vcpu *v, uint64_t budget);

/* Drop every translation (e.g. after the machine rewrote memory behind the CPU). */
void translate_flush(struct vcpu *v);

#endif
