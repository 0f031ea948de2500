/*
 * monitor/debug.c - the debugger session of a machine: who runs when.
 *
 * The session runs the vCPUs itself (dbg_run, called by the machine's loop instead
 * of vcpu_run) in slices of DBG_SLICE instructions, and between slices serves the
 * gdb stub and the monitor without blocking; while stopped it blocks in poll() on
 * their sockets. Everything happens on the machine's thread, so the guest sees the
 * same execution whether a debugger is attached or not (slices end at instruction
 * boundaries, where nothing guest-visible happens).
 *
 * Breakpoints live in the engine (translate_add_breakpoint: blocks end before
 * them), never in guest memory. Watchpoints use cpu/'s watch hook: while any exists,
 * data accesses bypass the TLB fast path and report here; the hook asks the engine
 * to stop after the instruction (trap-like, as x86 data breakpoints are: SDM vol. 3,
 * "Data Memory and I/O Breakpoint Exception Conditions"). The engine checks for that after every instruction that stores, so write
 * watchpoints cost only the slow path; a read or access watchpoint makes the session
 * run one instruction per vcpu_run, since loads are not followed by that check.
 */
#include "monitor/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DBG_SLICE 100000        /* instructions between two looks at the sockets */

/* ---------------------------------------------------------------- breakpoints */

int dbg_add_breakpoint(struct dbg *d, uint64_t lin)
{
	for (unsigned i = 0; i < d->nbps; i++)
		if (d->bps[i] == lin)
			return 0;
	if (d->nbps == TRANSLATE_MAX_BREAKPOINTS)
		return -1;
	for (unsigned i = 0; i < d->m.ncpus; i++)
		if (translate_add_breakpoint(d->m.cpus[i], lin))
			return -1;
	d->bps[d->nbps++] = lin;
	return 0;
}

void dbg_remove_breakpoint(struct dbg *d, uint64_t lin)
{
	for (unsigned i = 0; i < d->nbps; i++)
		if (d->bps[i] == lin)
			d->bps[i] = d->bps[--d->nbps];
	for (unsigned i = 0; i < d->m.ncpus; i++)
		translate_remove_breakpoint(d->m.cpus[i], lin);
}

/* ---------------------------------------------------------------- watchpoints */

static void watch_hook(struct vcpu *v, uint64_t lin, unsigned len, bool write)
{
	struct dbg *d = v->log;

	if (!d || d->why == STOP_WATCH)
		return;                 /* the first hit of the instruction is the one reported */
	for (unsigned i = 0; i < d->nwatch; i++) {
		const struct dbg_watch *w = &d->watch[i];

		if (lin + len <= w->addr || lin >= w->addr + w->len)
			continue;
		if (w->kind == WATCH_WRITE ? !write : w->kind == WATCH_READ ? write : false)
			continue;
		d->why = STOP_WATCH;
		d->watch_hit_addr = w->addr;
		d->watch_hit_kind = w->kind;
		for (unsigned k = 0; k < d->m.ncpus; k++)
			if (d->m.cpus[k] == v)
				d->stop_cpu = k;
		v->exit_request = 1;
		translate_exit_after_insn(v);
		return;
	}
}

static void watch_arm(struct dbg *d)
{
	for (unsigned i = 0; i < d->m.ncpus; i++) {
		struct vcpu *v = d->m.cpus[i];
		bool on = d->nwatch > 0;

		if ((v->watch_hook != NULL) == on)
			continue;
		v->watch_hook = on ? watch_hook : NULL;
		cpu_tlb_flush(v);
	}
}

int dbg_add_watch(struct dbg *d, uint64_t addr, uint64_t len, enum watch_kind kind)
{
	if (!len || addr + len < addr || d->nwatch == DBG_MAX_WATCH)
		return -1;
	d->watch[d->nwatch++] = (struct dbg_watch){ addr, len, kind };
	watch_arm(d);
	return 0;
}

int dbg_remove_watch(struct dbg *d, uint64_t addr, uint64_t len, enum watch_kind kind)
{
	for (unsigned i = 0; i < d->nwatch; i++) {
		struct dbg_watch *w = &d->watch[i];

		if (w->addr == addr && w->len == len && w->kind == kind) {
			*w = d->watch[--d->nwatch];
			watch_arm(d);
			return 0;
		}
	}
	return -1;
}

void dbg_clear_points(struct dbg *d)
{
	while (d->nbps)
		dbg_remove_breakpoint(d, d->bps[0]);
	d->nwatch = 0;
	watch_arm(d);
}

/* ---------------------------------------------------------------- memory */

static int dbg_copy(struct vcpu *v, uint64_t addr, uint8_t *buf, size_t len, bool virt,
		    bool write)
{
	while (len) {
		size_t n = 4096 - (addr & 0xfff);
		uint64_t pa = addr;
		uint8_t *host;

		if (n > len)
			n = len;
		if (virt && !cpu_debug_translate(v, addr, &pa))
			return -1;
		host = cpu_bus_ram_ptr(v->bus, pa, n);
		if (!host)
			return -1;
		if (write) {
			memcpy(host, buf, n);
			translate_invalidate_phys(v, pa, n);
		} else {
			memcpy(buf, host, n);
		}
		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int dbg_read_virt(struct vcpu *v, uint64_t lin, uint8_t *buf, size_t len)
{
	return dbg_copy(v, lin, buf, len, true, false);
}

int dbg_write_virt(struct vcpu *v, uint64_t lin, const uint8_t *buf, size_t len)
{
	return dbg_copy(v, lin, (uint8_t *)(uintptr_t)buf, len, true, true);
}

int dbg_read_phys(struct vcpu *v, uint64_t pa, uint8_t *buf, size_t len)
{
	return dbg_copy(v, pa, buf, len, false, false);
}

/* ---------------------------------------------------------------- run control */

void dbg_resume(struct dbg *d, int step)
{
	d->stopped = false;
	d->why = STOP_NONE;
	d->step_cpu = step;
}

void dbg_stop(struct dbg *d, enum dbg_stop_why why)
{
	if (d->stopped)
		return;
	d->stopped = true;
	d->why = why;
	d->step_cpu = -1;
	if (d->gdb)
		gdb_report_stop(d->gdb);
}

struct dbg *dbg_open(const struct dbg_machine *m, const struct dbg_config *cfg,
		     char *err, size_t errlen)
{
	struct dbg *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->m = *m;
	d->step_cpu = -1;
	for (unsigned i = 0; i < m->ncpus; i++)
		m->cpus[i]->log = d;
	if (cfg->start_stopped) {
		d->stopped = true;
		d->why = STOP_ATTACH;
		if (!cfg->gdb && !cfg->monitor)
			fprintf(stderr, "elzero: -S without -gdb or -monitor: nothing can start the "
				"machine\n");
	}
	if (cfg->gdb && !(d->gdb = gdb_open(d, cfg->gdb, err, errlen)))
		goto fail;
	if (cfg->monitor && !(d->mon = mon_open(d, cfg->monitor, err, errlen)))
		goto fail;
	return d;
fail:
	dbg_close(d, -1);
	return NULL;
}

void dbg_close(struct dbg *d, int status)
{
	if (!d)
		return;
	if (d->gdb)
		gdb_close(d->gdb, status);
	if (d->mon)
		mon_close(d->mon);
	for (unsigned i = 0; i < d->m.ncpus; i++) {
		d->m.cpus[i]->log = NULL;
		d->m.cpus[i]->watch_hook = NULL;
	}
	free(d);
}

/* Serve the sockets: wait for input while stopped, else only look. */
static void dbg_service(struct dbg *d)
{
	struct pollfd p[2];
	unsigned n = 0;

	if (d->gdb && gdb_poll_fd(d->gdb) >= 0)
		p[n++] = (struct pollfd){ .fd = gdb_poll_fd(d->gdb), .events = POLLIN };
	if (d->mon && mon_poll_fd(d->mon) >= 0)
		p[n++] = (struct pollfd){ .fd = mon_poll_fd(d->mon), .events = POLLIN };
	if (d->stopped && !d->quit && poll(p, n, -1) < 0 && errno != EINTR)
		d->quit = true;         /* cannot wait: give up rather than spin */
	if (d->gdb)
		gdb_service(d->gdb);
	if (d->mon)
		mon_service(d->mon);
}

static enum run_exit dbg_vcpu_run(struct dbg *d, unsigned idx, uint64_t budget)
{
	return d->m.run ? d->m.run(d->m.opaque, idx, budget) : vcpu_run(d->m.cpus[idx], budget);
}

/* Run one vCPU for a slice, or one instruction without interrupts when stepping. */
static enum run_exit dbg_run_cpu(struct dbg *d, unsigned idx, bool step)
{
	struct vcpu *v = d->m.cpus[idx];
	enum run_exit r;

	if (!step) {
		bool loads = false;

		for (unsigned i = 0; i < d->nwatch; i++)
			loads |= d->watch[i].kind != WATCH_WRITE;
		return dbg_vcpu_run(d, idx, loads ? 1 : DBG_SLICE);
	}
	translate_set_events(v, false);
	r = dbg_vcpu_run(d, idx, 1);
	translate_set_events(v, true);
	return r;
}

bool dbg_run_slice(struct dbg *d, enum run_exit *out)
{
	bool step = d->step_cpu >= 0;
	unsigned idx = step ? (unsigned)d->step_cpu : d->next_cpu;
	enum run_exit r;

	if (d->stopped || !d->m.ncpus)
		return false;
	d->next_cpu = (d->next_cpu + 1) % d->m.ncpus;
	r = dbg_run_cpu(d, idx, step);
	*out = r;
	if (d->why == STOP_WATCH) {
		d->why = STOP_NONE;
		dbg_stop(d, STOP_WATCH);
		if (r == RUN_EXIT_REQUEST)
			return false;
	}
	switch (r) {
	case RUN_EXIT_LIMIT:
		if (step) {
			d->stop_cpu = idx;
			dbg_stop(d, STOP_STEP);
		}
		return false;
	case RUN_EXIT_BREAKPOINT:
		d->stop_cpu = idx;
		dbg_stop(d, STOP_BREAK);
		return false;
	case RUN_EXIT_HALT:
		if (!step)
			return true;
		d->stop_cpu = idx;
		dbg_stop(d, STOP_STEP);
		return false;
	default:
		return true;
	}
}

enum run_exit dbg_run(struct dbg *d)
{
	enum run_exit r;

	for (;;) {
		dbg_service(d);
		if (d->quit)
			return RUN_EXIT_REQUEST;
		if (dbg_run_slice(d, &r))
			return r;
	}
}
