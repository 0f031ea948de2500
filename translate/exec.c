/*
 * translate/exec.c - the vCPU run loop (translate/translate.h).
 *
 * At each block boundary: leave on an exit request, a halt, the end of the budget or
 * the breakpoint; otherwise find (or translate) the block for (RIP, mode) and run it.
 * Guest exceptions unwind here through cpu_raise (longjmp to v->exit_jmp). The block
 * that was running says which instruction raised (tb_cache.cur_insn, stored by every
 * op that may fault): RIP goes back to it, the instructions before it count as
 * retired, and the event is delivered (cpu_deliver_pending). Handlers and inline IR
 * change no guest state before they may fault, so RIP is all there is to restore.
 */
#include "translate/engine.h"

#include <stdlib.h>

trace_tb_fn g_trace_tb_new, g_trace_tb_exec;

void translate_set_trace(trace_tb_fn tb_new, trace_tb_fn tb_exec)
{
	g_trace_tb_new = tb_new;
	g_trace_tb_exec = tb_exec;
}

/* After a longjmp to the run loop: settle the state of the block that was running.
 * Returns the run exit to report, or -1 to go on running. */
static int run_unwound(struct vcpu *v, struct tb_cache *tc)
{
	struct tb *tb = tc->cur_tb;

	tc->cur_tb = NULL;
	if (tb) {
		unsigned k = tc->cur_insn;

		if (v->pending_vector >= 0) {
			/* An exception: instruction k did not happen. */
			v->s.rip = tb->insn_rip[k];
			v->icount += k;
		} else {
			/* cpu_loop_exit: instruction k completed and set RIP (cpu/cpu.h). */
			v->icount += k + 1;
		}
		if (tb->flags & TBF_ONESHOT)
			tb_drop(tc, tb);
	}
	if (v->pending_vector < 0)
		return -1;
	v->step_armed = false;          /* the instruction did not retire: no step trap */
	v->db_trap = 0;
	if (tc->stop_on_exception)
		return RUN_EXIT_EXCEPTION;
	cpu_deliver_pending(v);         /* handles faults while delivering itself */
	return v->shutdown ? RUN_EXIT_SHUTDOWN : -1;
}

/*
 * The block to run next. After a direct exit (a jump to a constant RIP, no mode
 * change possible: END rows leave by IR_EXIT_INDIRECT) the block found last time
 * from the same exit is reused if nothing was dropped since and, for a target on
 * another page than the exit's block, the code TLB still maps it there
 * (tb_chained); else the mode is read and the cache searched.
 */
static struct tb *next_block(struct vcpu *v, struct tb_cache *tc, struct tb *prev, int slot,
			     uint32_t *flags)
{
	struct tb *tb;

	if (prev && slot < IR_EXIT_INDIRECT) {
		tb = tb_chained(v, tc, prev, (unsigned)slot);
		if (tb && tb->pc == v->s.rip)
			return tb;
	} else {
		*flags = tb_mode_flags(v);
	}
	tb = tb_find(v, *flags);
	if (prev && slot < IR_EXIT_INDIRECT && !((prev->flags | tb->flags) & (TBF_ONESHOT | TBF_TF))) {
		prev->jmp[slot] = tb;
		prev->jmp_epoch[slot] = tc->epoch;
		prev->jmp_far[slot] = (prev->phys[0] >> 12) != (tb->phys[0] >> 12) ||
				      ((prev->cs_base + prev->pc) >> 12) != ((tb->cs_base + tb->pc) >> 12);
	}
	return tb;
}

/*
 * RFLAGS.TF was set when the instruction began (a TBF_TF block arms v->step_armed):
 * once it retired, a single-step #DB trap with DR6.BS (SDM vol. 3, 18.3.1.4), RIP at
 * the next instruction. It goes the way of any exception (unwinding to vcpu_run),
 * which delivers it or reports it. Checked at the next boundary, so instructions that
 * end with cpu_loop_exit trap too; an event delivered through the IDT disarms it (TF
 * was cleared: INT n, INT1, INT3, faults); after MOV SS/POP SS it waits one more
 * instruction (6.8.3).
 */
static void single_step_check(struct vcpu *v)
{
	if (v->icount == v->step_icount)
		return;                 /* not retired yet */
	if (v->s.intr_shadow == 2 && v->shadow_icount == v->step_icount) {
		v->step_icount = v->icount;
		return;
	}
	v->step_armed = false;
	cpu_db_dr6(v, false, 1u << 14); /* BS */
	cpu_raise(v, EXC_DB, EXC_NO_ERROR);
}

/* Data breakpoints hit by the instruction that just retired (cpu/debug.c): a #DB
 * trap with their DR6.Bn (SDM vol. 3, 18.3.1.2), single-step's BS with them. */
static void data_break_check(struct vcpu *v)
{
	uint32_t bits = v->db_trap;

	v->db_trap = 0;
	if (v->step_armed && v->icount != v->step_icount) {
		v->step_armed = false;
		bits |= 1u << 14;       /* BS */
	}
	cpu_db_dr6(v, true, bits);
	cpu_raise(v, EXC_DB, EXC_NO_ERROR);
}

/*
 * INIT and SIPI (SDM vol. 3, 10.4), taken at an instruction boundary once the VMX/SVM
 * intercept has had its say (in VMX non-root operation an INIT is a VM exit, and the
 * hook then unwinds). Returns false while the vCPU waits for a SIPI.
 */
static bool init_sipi(struct vcpu *v)
{
	if (v->init_pending && !v->init_blocked) {
		v->init_pending = false;
		cpu_intercept(v, ICPT_INIT, 0, NULL);
		cpu_init_event(v);
		if (v->init_hook)
			v->init_hook(v, v->init_opaque);
	}
	if (v->sipi_pending) {
		v->sipi_pending = false;
		if (v->s.wait_for_sipi) {
			cpu_intercept(v, ICPT_SIPI, v->sipi_vector, NULL);
			cpu_sipi(v, v->sipi_vector);
		}
	}
	return !v->s.wait_for_sipi;
}

/* Run blocks until something makes vcpu_run return. */
static enum run_exit run_blocks(struct vcpu *v, struct tb_cache *tc, uint64_t limit)
{
	struct tb *prev = NULL;
	int slot = IR_EXIT_INDIRECT;
	uint32_t flags = 0;

	for (;;) {
		uint64_t rip = v->s.rip;
		uint16_t cs = v->s.seg[SEG_CS].sel;
		struct tb *tb;

		/* VMX: a pending MTF VM exit goes before debug traps (SDM vol. 3, 26.7.2). */
		if (v->nested_step && (v->db_trap || v->step_armed))
			cpu_intercept(v, ICPT_EVENTS, ICPT_EVENTS_DEBUG_TRAP, NULL);
		if (v->db_trap)
			data_break_check(v);
		if (v->step_armed)
			single_step_check(v);
		if (tc->dead) {
			tb_free_dead(tc);
			prev = NULL;
		}
		if (v->shutdown)
			return RUN_EXIT_SHUTDOWN;
		cpu_pmu_boundary(v);            /* CPL class change, counter overflow */
		if (__builtin_expect(v->init_pending || v->sipi_pending || v->s.wait_for_sipi, 0)) {
			if (!init_sipi(v))
				return RUN_EXIT_HALT;
			prev = NULL;
		}
		if (v->exit_request) {
			v->exit_request = 0;
			return RUN_EXIT_REQUEST;
		}
		if (tc->no_events ? v->s.halted : (cpu_events_maybe(v) && !cpu_check_events(v)))
			return RUN_EXIT_HALT;
		if (v->s.rip != rip || v->s.seg[SEG_CS].sel != cs) {
			prev = NULL;            /* an event was delivered */
			cpu_pmu_boundary(v);    /* at another CPL, maybe */
		}
		if (v->icount >= limit)
			return RUN_EXIT_LIMIT;
		if ((tc->breakpoint != ~0ull || tc->nbps) && !tc->bp_skip &&
		    tb_is_breakpoint(tc, v->s.seg[SEG_CS].base + v->s.rip)) {
			tc->bp_hit = true;
			return RUN_EXIT_BREAKPOINT;
		}
		tc->bp_skip = false;
		if (v->dr_active)
			cpu_dr_exec_check(v);
		tb = next_block(v, tc, prev, slot, &flags);
		/* End the run of blocks where the first performance counter overflows. */
		tc->limit = v->pmu.watch && v->pmu.deadline < limit && v->pmu.deadline > v->icount ?
			    v->pmu.deadline : limit;
		if (tb->ninsns > tc->limit - v->icount)
			tb = tb_translate_oneshot(v, flags, (unsigned)(tc->limit - v->icount));
		if (tb->flags & TBF_TF) {
			if (!v->step_armed) {
				v->step_armed = true;
				v->step_icount = v->icount;
			}
		} else if ((v->step_armed || v->dr_active || v->s.intr_shadow || v->nested_step) &&
			   tb->ninsns > 1) {
			/* a deferred trap follows it, the interrupt shadow ends after it, or
			 * the VMX monitor trap flag exits after it */
			tb = tb_translate_oneshot(v, flags, 1);
		}
		if (__builtin_expect(g_log_mask & ((1u << LOG_EXEC) | (1u << LOG_CPU)), 0) &&
		    g_trace_tb_exec)
			g_trace_tb_exec(v, tb->pc, tb->cs_base, tb->size, tb->ninsns);
		tc->smc_hit = false;
		tc->cur_tb = tb;
		slot = interp_run(v, tb);
		tb = tc->cur_tb;                /* the last of the blocks it chained through */
		tc->cur_tb = NULL;
		prev = tb;
		if (tb->flags & TBF_ONESHOT) {
			tb_drop(tc, tb);
			prev = NULL;
		}
	}
}

enum run_exit vcpu_run(struct vcpu *v, uint64_t budget)
{
	struct tb_cache *tc = v->tb_cache;
	jmp_buf jb, *saved = v->exit_jmp;
	uint64_t limit = budget && v->icount + budget > v->icount ? v->icount + budget : ~0ull;
	enum run_exit ret;

	if (!tc)
		abort();        /* translate_attach() first */
	v->exit_jmp = &jb;
	tc->limit = limit;
	tc->bp_skip = tc->bp_hit;       /* resuming from the breakpoint: step over it */
	tc->bp_hit = false;
	for (;;) {
		if (setjmp(jb)) {
			int r = run_unwound(v, tc);

			if (r >= 0) {
				ret = (enum run_exit)r;
				break;
			}
		}
		ret = run_blocks(v, tc, limit);
		break;
	}
	v->exit_jmp = saved;
	if (tc->dead)
		tb_free_dead(tc);
	return ret;
}
