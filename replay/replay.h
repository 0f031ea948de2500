/*
 * replay/replay.h - the public face of replay/: the machine clock and, later,
 * record/replay logs (../shared/DESIGN.md, "Time and determinism").
 */
#ifndef ELZERO_REPLAY_REPLAY_H
#define ELZERO_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * All guest-visible time derives from one clock. In deterministic mode it is a
 * function of the retired-instruction count only: icount * ns_per_insn, with a
 * fixed virtual instruction rate. In real-time mode it follows the host's
 * monotonic clock (an input that record/replay logs).
 */
struct machine_clock {
	bool deterministic;
	uint64_t ps_per_insn;           /* picoseconds per retired instruction */
	uint64_t host_start_ns;
	uint64_t idle_ns;               /* deterministic: time skipped while the vCPUs were halted */
};

void clock_init(struct machine_clock *c, bool deterministic, uint64_t insn_per_sec);
/* Nanoseconds of machine time after `icount` retired instructions. */
uint64_t clock_now_ns(const struct machine_clock *c, uint64_t icount);
/* Deterministic mode: the first icount at which clock_now_ns reaches ns (the
 * machine bounds vCPU runs by timer deadlines with it); 0 if ns has passed. */
uint64_t clock_icount_at(const struct machine_clock *c, uint64_t ns);
/* All vCPUs halted until ns: deterministic time jumps there (no host time passes);
 * nothing to do in real-time mode, where the caller waits instead. */
void clock_skip_to(struct machine_clock *c, uint64_t icount, uint64_t ns);

#endif
