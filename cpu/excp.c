/*
 * cpu/excp.c - event delivery: exceptions, software interrupts, NMI and external
 * interrupts, through the IVT (real mode) or the IDT (protected mode, virtual-8086
 * mode, IA-32e mode), with the double-fault and triple-fault rules.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 6.8.3 (interrupt shadows),
 * 6.9 (priorities), 6.12 (protected-mode delivery), 6.13 (error code), 6.14 (IA-32e
 * delivery), 6.15 (table 6-5, #DF), 20.1.4 (real mode), 20.3 (virtual-8086 mode);
 * vol. 2, INT n (the reference pseudo-code). Task gates switch tasks (cpu/task.c).
 */
#include "cpu/internal.h"

#include <stdio.h>

#include <stdlib.h>

struct event {
	int vector;
	uint8_t type;           /* enum event_type */
	uint32_t err;           /* EXC_NO_ERROR if none */
	uint64_t ret_rip;       /* pushed return address */
	uint32_t ext;           /* EXT bit of error codes of faults while delivering (6.13) */
};

/* Vectors that push an error code (SDM vol. 3, table 6-1). */
static bool vec_has_error(int vec)
{
	switch (vec) {
	case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF:
	case EXC_AC: case EXC_CP: case 29: case 30:
		return true;
	default:
		return false;
	}
}

/* Fault-class exceptions: the EFLAGS image they push has RF = 1 (SDM vol. 3, 6.12.1,
 * "EFLAGS.RF"); #DB is left out (its instruction-breakpoint form must push RF = 0). */
static bool vec_is_fault(int vec)
{
	switch (vec) {
	case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS: case EXC_NP:
	case EXC_SS: case EXC_GP: case EXC_PF: case EXC_MF: case EXC_AC: case EXC_XM:
	case EXC_VE: case EXC_CP:
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- stack frames */

struct frame {
	struct seg_cache ss;
	uint64_t sp;
	uint64_t spmask;        /* 0xffff, 0xffffffff or ~0 */
	bool lm;                /* IA-32e: flat, canonical checks */
	bool user;              /* the pushes are user-mode accesses (new CPL 3) */
	uint32_t fault_err;     /* #SS error code on a stack fault */
};

static uint64_t frame_linear(struct vcpu *v, const struct frame *f, uint64_t sp, unsigned size)
{
	const struct seg_cache *sc = &f->ss;
	uint64_t last = sp + size - 1;

	if (f->lm) {
		if (!cpu_canonical_addr(v, sp) || !cpu_canonical_addr(v, last))
			cpu_raise(v, EXC_SS, f->fault_err);
		return sp;
	}
	/* SDM vol. 3, 5.3: expand-down stacks are valid above the limit. */
	if (!cpu_real_mode(&v->s) && (sc->attr & 0xc) == 0x4) {
		uint64_t upper = (sc->attr & SEGA_DB) ? 0xffffffffu : 0xffffu;

		if (sp <= sc->limit || last > upper)
			cpu_raise(v, EXC_SS, f->fault_err);
	} else if (last > sc->limit) {
		cpu_raise(v, EXC_SS, f->fault_err);
	}
	return (uint32_t)(sc->base + sp);
}

static void frame_push(struct vcpu *v, struct frame *f, unsigned size, uint64_t val)
{
	uint64_t sp = (f->sp - size) & f->spmask;

	mem_lin_st(v, frame_linear(v, f, sp, size), size, val & size_mask(size), f->user);
	f->sp = sp;
}

static void frame_init(struct frame *f, const struct seg_cache *ss, uint64_t rsp, bool lm,
		       bool user, uint32_t fault_err)
{
	f->ss = *ss;
	f->lm = lm;
	f->spmask = lm ? ~0ull : (ss->attr & SEGA_DB) ? 0xffffffffu : 0xffffu;
	f->sp = rsp & f->spmask;
	f->user = user;
	f->fault_err = fault_err;
}

/* RSP after the pushes: a 16-bit stack changes only SP (SDM vol. 3, 6.12.1). */
static void frame_commit_sp(struct cpu_state *s, const struct frame *f)
{
	if (f->spmask == 0xffff)
		s->gpr[4] = (s->gpr[4] & ~0xffffull) | f->sp;
	else
		s->gpr[4] = f->sp;
}

/* The EFLAGS image to push, and the flags after delivery. */
static uint64_t pushed_flags(const struct vcpu *v, const struct event *e)
{
	uint64_t fl = cpu_get_rflags(&v->s);

	if (e->type == EVT_HWEXC && vec_is_fault(e->vector))
		fl |= RFLAGS_RF;
	return fl;
}

static void finish_flags(struct vcpu *v, uint64_t clear)
{
	cpu_set_rflags(&v->s, cpu_get_rflags(&v->s) & ~clear);
}

/* ---------------------------------------------------------------- real mode */

static void deliver_real(struct vcpu *v, const struct event *e)
{
	struct cpu_state *s = &v->s;
	struct frame f;
	uint32_t ent;

	/* SDM vol. 3, 20.1.4: a vector beyond the IVT limit is a #GP. */
	if ((uint64_t)e->vector * 4 + 3 > s->idtr.limit)
		cpu_raise(v, EXC_GP, 0);
	ent = (uint32_t)cpu_sys_ld(v, (uint32_t)(s->idtr.base + e->vector * 4), 4);
	frame_init(&f, &s->seg[SEG_SS], s->gpr[4], false, false, 0);
	frame_push(v, &f, 2, pushed_flags(v, e));
	frame_push(v, &f, 2, s->seg[SEG_CS].sel);
	frame_push(v, &f, 2, e->ret_rip);
	frame_commit_sp(s, &f);
	s->seg[SEG_CS].sel = (uint16_t)(ent >> 16);
	s->seg[SEG_CS].base = (ent >> 16) << 4;
	s->rip = ent & 0xffff;
	finish_flags(v, RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
}

/* ---------------------------------------------------------------- descriptors */

/* The code segment of a gate (vol. 2, INT n: "PROTECTED-MODE" checks). */
static void load_handler_cs(struct vcpu *v, uint16_t sel, uint32_t ext, bool lm,
			    struct seg_cache *cs, uint64_t *raw)
{
	uint32_t err = (sel & ~3u) | ext;
	unsigned dpl;

	if ((sel & ~3u) == 0)
		cpu_raise(v, EXC_GP, ext);
	if (!cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, EXC_GP, err);
	cpu_desc_decode(raw, sel, cs, false);
	dpl = (cs->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	if (!(cs->attr & SEGA_S) || !(cs->attr & 8) || dpl > cpu_cpl(&v->s))
		cpu_raise(v, EXC_GP, err);
	/* IA-32e: the target must be a 64-bit code segment (SDM vol. 3, 6.14.1). */
	if (lm && (!(cs->attr & SEGA_L) || (cs->attr & SEGA_DB)))
		cpu_raise(v, EXC_GP, err);
	if (!(cs->attr & SEGA_P))
		cpu_raise(v, EXC_NP, err);
}

/* SS:ESP for privilege level dpl from a 32- or 16-bit TSS (SDM vol. 3, 8.2.1, 8.6). */
void cpu_tss_stack32(struct vcpu *v, unsigned dpl, uint32_t ext, struct seg_cache *ss,
			uint64_t *ss_raw, uint64_t *sp)
{
	const struct seg_cache *tr = &v->s.seg[SEG_TR];
	unsigned type = tr->attr & SEGA_TYPE_MASK;
	bool tss32 = type == 9 || type == 11;
	unsigned off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
	uint32_t tr_err = (tr->sel & ~3u) | ext, ss_err;
	uint16_t sel;
	unsigned ssdpl;

	if ((!tss32 && type != 1 && type != 3) || off + (tss32 ? 5 : 3) > tr->limit)
		cpu_raise(v, EXC_TS, tr_err);
	*sp = cpu_sys_ld(v, (uint32_t)(tr->base + off), tss32 ? 4 : 2);
	sel = (uint16_t)cpu_sys_ld(v, (uint32_t)(tr->base + off + (tss32 ? 4 : 2)), 2);
	ss_err = (sel & ~3u) | ext;
	/* vol. 2, INT n: the new SS checks raise #TS, a not-present SS #SS. */
	if ((sel & ~3u) == 0)
		cpu_raise(v, EXC_TS, ext);
	if (!cpu_desc_read(v, sel, ss_raw, false))
		cpu_raise(v, EXC_TS, ss_err);
	cpu_desc_decode(ss_raw, sel, ss, false);
	ssdpl = (ss->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	if ((sel & 3) != dpl || ssdpl != dpl || !(ss->attr & SEGA_S) || (ss->attr & 8) ||
	    !(ss->attr & 2))
		cpu_raise(v, EXC_TS, ss_err);
	if (!(ss->attr & SEGA_P))
		cpu_raise(v, EXC_SS, ss_err);
}

/* RSPn or ISTn from the 64-bit TSS (SDM vol. 3, 8.7, figure 8-11). */
uint64_t cpu_tss_stack64(struct vcpu *v, unsigned dpl, unsigned ist, uint32_t ext)
{
	const struct seg_cache *tr = &v->s.seg[SEG_TR];
	unsigned off = ist ? 0x1c + 8 * ist : 4 + 8 * dpl;

	if (off + 7 > tr->limit)
		cpu_raise(v, EXC_TS, (tr->sel & ~3u) | ext);
	return cpu_sys_ld(v, tr->base + off, 8);
}

/* Gate checks shared by protected and IA-32e mode. Returns the gate type. */
static unsigned check_gate(struct vcpu *v, const struct event *e, uint64_t g)
{
	uint32_t idt_err = ((uint32_t)e->vector << 3) | 2 | e->ext;
	unsigned type = (g >> 40) & 0x1f;       /* with the S bit, which must be 0 */
	unsigned dpl = (g >> 45) & 3;
	bool lm = cpu_long_mode(&v->s);

	if (lm ? (type != 0xe && type != 0xf) :
		 (type != 0x5 && type != 0x6 && type != 0x7 && type != 0xe && type != 0xf))
		cpu_raise(v, EXC_GP, idt_err);
	/* Software interrupts only: gate DPL >= CPL (vol. 2, INT n). */
	if ((e->type == EVT_SWINT || e->type == EVT_SWEXC) && dpl < cpu_cpl(&v->s))
		cpu_raise(v, EXC_GP, idt_err);
	if (!(g & (1ull << 47)))
		cpu_raise(v, EXC_NP, idt_err);
	return type;
}

/* ---------------------------------------------------------------- protected mode */

/* Push the frame; *newcpl, *f say where. */
static void push_prot_frame(struct vcpu *v, const struct event *e, struct frame *f,
			    unsigned size, const struct seg_cache *old_ss, uint64_t old_sp,
			    bool outer, uint16_t cs_sel)
{
	struct cpu_state *s = &v->s;

	if (outer && cpu_v86_mode(s)) {
		frame_push(v, f, size, s->seg[SEG_GS].sel);
		frame_push(v, f, size, s->seg[SEG_FS].sel);
		frame_push(v, f, size, s->seg[SEG_DS].sel);
		frame_push(v, f, size, s->seg[SEG_ES].sel);
	}
	if (outer) {
		frame_push(v, f, size, old_ss->sel);
		frame_push(v, f, size, old_sp);
	}
	frame_push(v, f, size, pushed_flags(v, e));
	frame_push(v, f, size, cs_sel);
	frame_push(v, f, size, e->ret_rip);
	if (e->type == EVT_HWEXC && vec_has_error(e->vector))
		frame_push(v, f, size, e->err == EXC_NO_ERROR ? 0 : e->err);
}

static void deliver_prot(struct vcpu *v, const struct event *e)
{
	struct cpu_state *s = &v->s;
	uint64_t g, cs_raw[2], ss_raw[2] = { 0, 0 }, off, sp;
	struct seg_cache cs, ss = s->seg[SEG_SS];
	unsigned type, dpl, cpl = cpu_cpl(s), size;
	bool outer;
	struct frame f;
	uint16_t sel;

	if ((uint64_t)e->vector * 8 + 7 > s->idtr.limit)
		cpu_raise(v, EXC_GP, ((uint32_t)e->vector << 3) | 2 | e->ext);
	g = cpu_sys_ld(v, (uint32_t)(s->idtr.base + e->vector * 8), 8);
	type = check_gate(v, e, g);
	sel = (uint16_t)(g >> 16);
	if (type == 0x5) {
		/* Task gate: switch tasks, then push the error code there (6.12.2). */
		cpu_task_switch(v, sel, TASK_INT, e->ret_rip);
		if (e->type == EVT_HWEXC && vec_has_error(e->vector))
			cpu_task_push_error(v, e->err == EXC_NO_ERROR ? 0 : e->err);
		return;
	}
	off = (g & 0xffff) | ((type & 8) ? ((g >> 48) & 0xffff) << 16 : 0);
	size = (type & 8) ? 4 : 2;
	load_handler_cs(v, sel, e->ext, false, &cs, cs_raw);
	dpl = (cs.attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	outer = !(cs.attr & 4) && dpl < cpl;
	if (cpu_v86_mode(s) && (!outer || dpl != 0))
		cpu_raise(v, EXC_GP, (sel & ~3u) | e->ext);    /* SDM vol. 3, 20.3.1.1 */
	if (!outer)
		dpl = cpl;
	if (off > cs.limit)
		cpu_raise(v, EXC_GP, e->ext);
	if (outer) {
		cpu_tss_stack32(v, dpl, e->ext, &ss, ss_raw, &sp);
		frame_init(&f, &ss, sp, false, dpl == 3, (ss.sel & ~3u) | e->ext);
	} else {
		frame_init(&f, &s->seg[SEG_SS], s->gpr[4], false, dpl == 3, e->ext);
	}
	push_prot_frame(v, e, &f, size, &s->seg[SEG_SS], s->gpr[4], outer, s->seg[SEG_CS].sel);

	/* Commit (SDM vol. 3, 6.12.1.3). */
	cpu_desc_set_accessed(v, sel, cs_raw[0]);
	if (outer) {
		cpu_desc_set_accessed(v, ss.sel, ss_raw[0]);
		ss.attr |= 1;
		s->seg[SEG_SS] = ss;
		if (cpu_v86_mode(s))
			for (unsigned r = SEG_ES; r <= SEG_GS; r++)
				if (r != SEG_CS && r != SEG_SS)
					s->seg[r] = (struct seg_cache){ .attr = SEGA_UNUSABLE };
	}
	frame_commit_sp(s, &f);
	cs.sel = (uint16_t)((sel & ~3u) | dpl);
	/* The CS cache carries the CPL in its DPL (a conforming segment keeps the CPL). */
	cs.attr = (cs.attr & ~SEGA_DPL_MASK) | (dpl << SEGA_DPL_SHIFT) | 1;
	s->seg[SEG_CS] = cs;
	s->rip = size == 4 ? (uint32_t)off : (uint16_t)off;
	finish_flags(v, RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM |
			((type & 1) ? 0 : RFLAGS_IF));
}

/* ---------------------------------------------------------------- IA-32e mode */

static void deliver_long(struct vcpu *v, const struct event *e)
{
	struct cpu_state *s = &v->s;
	uint64_t lo, hi, cs_raw[2], off, sp;
	struct seg_cache cs;
	unsigned type, dpl, cpl = cpu_cpl(s), ist;
	bool outer;
	struct frame f;
	uint16_t sel;

	/* SDM vol. 3, 6.14.1: 16-byte gates; the upper type field must be 0. */
	if ((uint64_t)e->vector * 16 + 15 > s->idtr.limit)
		cpu_raise(v, EXC_GP, ((uint32_t)e->vector << 3) | 2 | e->ext);
	lo = cpu_sys_ld(v, s->idtr.base + e->vector * 16, 8);
	hi = cpu_sys_ld(v, s->idtr.base + e->vector * 16 + 8, 8);
	type = check_gate(v, e, lo);
	if ((hi >> 40) & 0x1f)
		cpu_raise(v, EXC_GP, ((uint32_t)e->vector << 3) | 2 | e->ext);
	sel = (uint16_t)(lo >> 16);
	off = (lo & 0xffff) | (((lo >> 48) & 0xffff) << 16) | ((hi & 0xffffffffu) << 32);
	ist = (lo >> 32) & 7;
	load_handler_cs(v, sel, e->ext, true, &cs, cs_raw);
	if (!cpu_canonical_addr(v, off))
		cpu_raise(v, EXC_GP, e->ext);
	dpl = (cs.attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	outer = !(cs.attr & 4) && dpl < cpl;
	if (!outer)
		dpl = cpl;
	/* 6.14.4-6.14.5: the new RSP comes from the TSS on a privilege change or an IST
	 * gate, is aligned to 16 bytes, and SS:RSP is always pushed. */
	if (outer || ist)
		sp = cpu_tss_stack64(v, dpl, ist, e->ext);
	else
		sp = s->gpr[4];
	frame_init(&f, &s->seg[SEG_SS], sp & ~15ull, true, dpl == 3, e->ext);
	frame_push(v, &f, 8, s->seg[SEG_SS].sel);
	frame_push(v, &f, 8, s->gpr[4]);
	frame_push(v, &f, 8, pushed_flags(v, e));
	frame_push(v, &f, 8, s->seg[SEG_CS].sel);
	frame_push(v, &f, 8, e->ret_rip);
	if (e->type == EVT_HWEXC && vec_has_error(e->vector))
		frame_push(v, &f, 8, e->err == EXC_NO_ERROR ? 0 : e->err);

	cpu_desc_set_accessed(v, sel, cs_raw[0]);
	if (outer)      /* SS = NULL selector with RPL = new CPL (6.14.4) */
		s->seg[SEG_SS] = (struct seg_cache){
			.sel = (uint16_t)dpl,
			.attr = SEGA_UNUSABLE | (dpl << SEGA_DPL_SHIFT) };
	s->gpr[4] = f.sp;
	cs.sel = (uint16_t)((sel & ~3u) | dpl);
	cs.attr = (cs.attr & ~SEGA_DPL_MASK) | (dpl << SEGA_DPL_SHIFT) | 1;
	s->seg[SEG_CS] = cs;
	s->rip = off;
	finish_flags(v, RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM |
			((type & 1) ? 0 : RFLAGS_IF));
}

/* ---------------------------------------------------------------- entry points */

static void deliver_one(struct vcpu *v, const struct event *e)
{
	struct cpu_state *s = &v->s;

	if (e->type == EVT_HWEXC || e->type == EVT_SWEXC || e->type == EVT_PRIVSW) {
		/* nested/ reads the event from v->pending_* (VMX exception bitmap, SVM). */
		v->pending_vector = e->vector;
		v->pending_error = e->err;
		v->pending_type = e->type;
		v->pending_next_rip = e->ret_rip;
		cpu_intercept(v, ICPT_EXCEPTION, (uint64_t)e->vector, NULL);
		v->pending_vector = -1;
	}
	v->deliver_valid = true;        /* until delivery completes (cpu.h) */
	v->deliver_vector = (uint8_t)e->vector;
	v->deliver_type = e->type;
	v->deliver_error = e->err;
	v->deliver_len = (uint32_t)(e->ret_rip - s->rip);
	if (log_on(LOG_INT)) {
		char cr2[40] = "";

		if (e->vector == EXC_PF && e->type == EVT_HWEXC)
			snprintf(cr2, sizeof(cr2), " cr2 %#llx", (unsigned long long)s->cr2);
		log_printf("int: vector %#x type %u err %#x at %04x:%#llx cpl %u%s\n", e->vector,
			   e->type, e->err, s->seg[SEG_CS].sel, (unsigned long long)s->rip,
			   cpu_cpl(s), cr2);
	}
	if (cpu_real_mode(s))
		deliver_real(v, e);
	else if (cpu_long_mode(s))
		deliver_long(v, e);
	else
		deliver_prot(v, e);
	if (e->type == EVT_NMI)
		s->nmi_blocked = true;          /* until the next IRET (SDM vol. 3, 6.7.1) */
	v->deliver_valid = false;
	s->intr_shadow = 0;
	s->halted = false;
	v->step_armed = false;          /* TF was cleared: no single-step trap (18.3.1.4) */
}

static void event_init(struct event *e, const struct vcpu *v, int vector, unsigned type,
		       uint32_t err, uint64_t next_rip)
{
	bool sw = type == EVT_SWINT || type == EVT_SWEXC || type == EVT_PRIVSW;

	e->vector = vector & 0xff;
	e->type = (uint8_t)type;
	e->err = err;
	e->ret_rip = sw ? next_rip : v->s.rip;
	/* 6.13: EXT is clear only while delivering INT n, INT3 or INTO. */
	e->ext = (type == EVT_SWINT || type == EVT_SWEXC) ? 0 : 1;
}

void cpu_deliver_event(struct vcpu *v, int vector, enum event_type type, uint32_t err,
		       uint64_t next_rip)
{
	struct event e;

	event_init(&e, v, vector, type, err, next_rip);
	deliver_one(v, &e);
}

/* SDM vol. 3, 6.15, table 6-4: classes for the double-fault rule. */
enum { CLS_BENIGN, CLS_CONTRIB, CLS_PF, CLS_DF };

static int exc_class(int vector, unsigned type)
{
	if (type != EVT_HWEXC)
		return CLS_BENIGN;
	switch (vector) {
	case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
		return CLS_CONTRIB;
	case EXC_PF: case EXC_VE:
		return CLS_PF;
	case EXC_DF:
		return CLS_DF;
	default:
		return CLS_BENIGN;
	}
}

static void triple_fault(struct vcpu *v)
{
	cpu_intercept(v, ICPT_TRIPLE_FAULT, 0, NULL);
	if (log_on(LOG_INT))
		log_printf("int: triple fault at %04x:%#llx: shutdown\n", v->s.seg[SEG_CS].sel,
			   (unsigned long long)v->s.rip);
	v->shutdown = true;
	v->exit_request = 1;
}

void cpu_deliver_pending(struct vcpu *v)
{
	jmp_buf jb, *outer = v->exit_jmp;

	if (v->pending_vector < 0)
		return;
	if (v->pending_is_sw && v->pending_type == EVT_HWEXC)
		v->pending_type = EVT_SWINT;
	v->exit_jmp = &jb;
	for (;;) {
		struct event e;
		int second, first, r;

		event_init(&e, v, v->pending_vector, v->pending_type, v->pending_error,
			   v->pending_next_rip);
		v->pending_vector = -1;
		v->pending_is_sw = false;
		r = setjmp(jb);
		if (r == 0) {
			deliver_one(v, &e);
			break;
		}
		if (r != 2)
			break;          /* a hook unwound with cpu_loop_exit (a VM exit) */
		/* A fault while delivering e: table 6-5. */
		first = exc_class(e.vector, e.type);
		second = exc_class(v->pending_vector, EVT_HWEXC);
		if (log_on(LOG_INT))
			log_printf("int: vector %#x (err %#x) while delivering vector %#x: %s\n",
				   v->pending_vector, v->pending_error, e.vector,
				   first == CLS_DF && second != CLS_BENIGN ? "triple fault" :
				   (first == CLS_CONTRIB && second == CLS_CONTRIB) ||
				   (first == CLS_PF && second != CLS_BENIGN) ? "double fault" :
				   "handled serially");
		if (first == CLS_DF && second != CLS_BENIGN) {
			triple_fault(v);
			break;
		}
		if ((first == CLS_CONTRIB && second == CLS_CONTRIB) ||
		    (first == CLS_PF && second != CLS_BENIGN)) {
			v->pending_vector = EXC_DF;
			v->pending_error = 0;
		}
		v->pending_type = EVT_HWEXC;
	}
	v->pending_vector = -1;
	v->exit_jmp = outer;
}

/* ---------------------------------------------------------------- events */

void cpu_set_intr_shadow(struct vcpu *v, unsigned kind, uint64_t next_rip)
{
	v->s.intr_shadow = (uint8_t)kind;
	v->shadow_rip = next_rip;
	v->shadow_icount = v->icount;
	v->shadow_boundary = ~0ull;
}

void cpu_inject_nmi(struct vcpu *v)
{
	v->nmi_pending = true;
}

static void deliver_external(struct vcpu *v, int vector, unsigned type)
{
	v->pending_vector = vector;
	v->pending_error = EXC_NO_ERROR;
	v->pending_type = (uint8_t)type;
	v->pending_is_sw = false;
	cpu_deliver_pending(v);
	v->s.halted = false;
}

bool cpu_check_events(struct vcpu *v)
{
	struct cpu_state *s = &v->s;
	struct cpu_bus *bus = v->bus;
	bool shadow = false;

	if (v->shutdown)
		return false;
	/* The shadow covers the one instruction after STI/MOV SS (SDM vol. 3, 6.8.3):
	 * it holds at the boundary before that instruction and is over once RIP moved
	 * on or (an instruction that jumps to itself) an instruction retired since. */
	if (s->intr_shadow) {
		if (s->rip == v->shadow_rip &&
		    (v->shadow_boundary == ~0ull || v->shadow_boundary == v->icount)) {
			v->shadow_boundary = v->icount;
			shadow = true;
		} else {
			s->intr_shadow = 0;
		}
	}
	if (v->nested_events)   /* VMX window exits and MTF (nested/) */
		cpu_intercept(v, ICPT_EVENTS, shadow, NULL);
	if (shadow)
		return !s->halted;
	/* SDM vol. 3, 6.9: NMI before maskable interrupts. */
	if (v->nmi_pending && !s->nmi_blocked) {
		cpu_intercept(v, ICPT_NMI, 0, NULL);
		v->nmi_pending = false;
		deliver_external(v, EXC_NMI, EVT_NMI);
		return !v->shutdown;
	}
	if ((s->rflags & RFLAGS_IF) && !v->intr_masked && bus && bus->intr_pending && bus->intr_ack &&
	    bus->intr_pending(bus->opaque)) {
		cpu_intercept(v, ICPT_INTR, 0, NULL);
		deliver_external(v, bus->intr_ack(bus->opaque), EVT_EXTINT);
		return !v->shutdown;
	}
	return !s->halted;
}
