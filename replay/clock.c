/*
 * replay/clock.c - the machine clock.
 */
#include "replay/replay.h"

#include <time.h>

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void clock_init(struct machine_clock *c, bool deterministic, uint64_t insn_per_sec)
{
	c->deterministic = deterministic;
	c->ps_per_insn = insn_per_sec ? 1000000000000ull / insn_per_sec : 1000;
	c->host_start_ns = host_ns();
	c->idle_ns = 0;
}

uint64_t clock_now_ns(const struct machine_clock *c, uint64_t icount)
{
	if (!c->deterministic)
		return host_ns() - c->host_start_ns;
	/* Split to avoid overflow: icount can reach 2^50 in long runs. */
	return (icount / 1000) * c->ps_per_insn + (icount % 1000) * c->ps_per_insn / 1000 +
	       c->idle_ns;
}

uint64_t clock_icount_at(const struct machine_clock *c, uint64_t ns)
{
	unsigned __int128 ic;

	if (ns <= c->idle_ns)
		return 0;
	/* ceil((ns - idle) * 1000 / ps): then floor(icount * ps / 1000) >= ns - idle */
	ic = ((unsigned __int128)(ns - c->idle_ns) * 1000 + c->ps_per_insn - 1) / c->ps_per_insn;
	return ic > UINT64_MAX ? UINT64_MAX : (uint64_t)ic;
}

void clock_skip_to(struct machine_clock *c, uint64_t icount, uint64_t ns)
{
	uint64_t now = clock_now_ns(c, icount);

	if (c->deterministic && ns > now)
		c->idle_ns += ns - now;
}
