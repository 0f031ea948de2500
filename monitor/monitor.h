/*
 * monitor/monitor.h - the public face of monitor/: seeing inside the machine.
 *
 *  - disassembly with Capstone (traces, the monitor's x /i, test reports);
 *  - the -d trace items in_asm, exec and cpu, and -dfilter (monitor/trace.c);
 *  - the debugger session of a machine (monitor/debug.c): the gdb remote stub
 *    (monitor/gdbstub.c) and the human monitor (monitor/mon.c), both served from the
 *    machine's own thread between blocks, so guest execution stays deterministic.
 *
 * See docs/debugging.md for the user's view.
 */
#ifndef ELZERO_MONITOR_MONITOR_H
#define ELZERO_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translate/translate.h"

/* Disassemble one instruction with Capstone. mode is the code size (2, 4, 8).
 * Writes "mnemonic operands" to out and returns its length in bytes, or 0 if
 * Capstone cannot decode it (out then says so). */
size_t monitor_disas(const uint8_t *code, size_t len, unsigned mode, uint64_t addr,
		     char *out, size_t outlen);

/* ---------------------------------------------------------------- tracing */

/*
 * -dfilter: QEMU's spelling, comma-separated ranges "START..END" (inclusive END),
 * "START+LEN" or "START-LEN" (the LEN bytes before START), or a single address.
 * Numbers are hex with 0x, else decimal. Returns 0, or -1 with a message in err.
 * While a filter is set, in_asm/exec/cpu log only blocks that overlap a range.
 */
#define TRACE_MAX_RANGES 16
int trace_parse_dfilter(const char *spec, uint64_t start[TRACE_MAX_RANGES],
			uint64_t end[TRACE_MAX_RANGES], unsigned *n, char *err, size_t errlen);
int trace_set_dfilter(const char *spec, char *err, size_t errlen);
/* Does [lo, hi] pass the -dfilter (true when none is set)? */
bool trace_filter_pass(uint64_t lo, uint64_t hi);
/* Install the engine's trace hooks (translate_set_trace); call once at start-up. */
void trace_init(void);

/* The register dump of -d cpu and the monitor's info registers, into buf (always
 * NUL-terminated). Returns the length it wanted (as snprintf). */
size_t monitor_dump_cpu(struct vcpu *v, char *buf, size_t len);

/* ---------------------------------------------------------------- debugger session */

/* What the session needs of the machine. */
struct dbg_machine {
	struct vcpu **cpus;
	unsigned ncpus;
	void *opaque;
	void (*reset)(void *opaque);    /* system_reset: reset the machine (CPUs, memory image) */
	void (*quit)(void *opaque);     /* quit / gdb k: stop the machine; its run loop ends */
	/* Run cpus[idx] for at most budget instructions, as vcpu_run does, with the
	 * machine's own bookkeeping (time, which vCPU is current). NULL: vcpu_run. */
	enum run_exit (*run)(void *opaque, unsigned idx, uint64_t budget);
};

struct dbg_config {
	const char *gdb;                /* "tcp::PORT", "tcp:HOST:PORT", "unix:PATH"; NULL: none */
	const char *monitor;            /* "stdio", "unix:PATH,server[,nowait]",
					 * "tcp:HOST:PORT,server[,nowait]"; NULL: none */
	bool start_stopped;             /* -S */
};

struct dbg;

/* Open the sockets (waiting for the monitor's client unless nowait). Returns the
 * session, or NULL with a message in err. */
struct dbg *dbg_open(const struct dbg_machine *m, const struct dbg_config *cfg,
		     char *err, size_t errlen);
/* Tell a connected gdb the machine ended with exit status (W packet), close all. */
void dbg_close(struct dbg *d, int status);

/*
 * Run the machine's vCPUs under the session: serve gdb and the monitor between
 * blocks, stay stopped while they say so, single-step, stop at breakpoints and
 * watchpoints. Returns what the machine must act on: RUN_EXIT_REQUEST (machine
 * request, or quit), RUN_EXIT_HALT, RUN_EXIT_SHUTDOWN.
 */
enum run_exit dbg_run(struct dbg *d);

#endif
