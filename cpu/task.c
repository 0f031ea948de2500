/*
 * cpu/task.c - hardware task switches (16- and 32-bit TSS): JMP/CALL to a TSS or
 * task gate, interrupts and exceptions through a task gate, IRET with EFLAGS.NT.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md), chapter 8: 8.2 (TSS layouts,
 * figures 8-2 and 8-11), 8.3 (the switch, steps 1-12), 8.4 (nesting: NT, back link,
 * busy flag), table 8-1 (exceptions). Not available in IA-32e mode (#GP).
 *
 * Departure: the checks of step 4 (everything paged in) are not made up front; a
 * #PF while saving the old state leaves memory partly written, registers unchanged.
 */
#include "cpu/internal.h"

/* Offsets in a 32-bit TSS (figure 8-2) and a 16-bit TSS (figure 8-11). */
struct tss_layout {
	unsigned eip, eflags, gpr, sreg, ldt, cr3, size, min_limit;
};
static const struct tss_layout tss32 = { 0x20, 0x24, 0x28, 0x48, 0x60, 0x1c, 4, 0x67 };
static const struct tss_layout tss16 = { 0x0e, 0x10, 0x12, 0x22, 0x2a, 0, 2, 0x2b };

static bool tss_is32(unsigned type) { return type == 9 || type == 11; }

static uint64_t gdt_base(const struct vcpu *v) { return (uint32_t)v->s.gdtr.base; }

/* Set or clear the busy bit (type bit 1) of a TSS descriptor in the GDT. */
static void set_busy(struct vcpu *v, uint16_t sel, bool busy)
{
	uint64_t a = gdt_base(v) + (sel & ~7u) + 5;
	uint8_t t = (uint8_t)cpu_sys_ld(v, a, 1);

	cpu_sys_st(v, a, 1, busy ? t | 2 : t & ~2u);
}

/* Save the outgoing task (step 7): GPRs, segment selectors, EFLAGS, EIP. */
static void save_old(struct vcpu *v, uint64_t next_rip, uint64_t eflags)
{
	const struct seg_cache *tr = &v->s.seg[SEG_TR];
	const struct tss_layout *l = tss_is32(tr->attr & 0xf) ? &tss32 : &tss16;
	uint64_t b = (uint32_t)tr->base;

	cpu_sys_st(v, b + l->eip, l->size, next_rip);
	cpu_sys_st(v, b + l->eflags, l->size, eflags);
	for (unsigned r = 0; r < 8; r++)
		cpu_sys_st(v, b + l->gpr + r * l->size, l->size, v->s.gpr[r]);
	for (unsigned s = 0; s < 6; s++)        /* ES, CS, SS, DS (FS, GS: 32-bit only) */
		if (l == &tss32 || s < 4)
			cpu_sys_st(v, b + l->sreg + s * l->size, 2, v->s.seg[s].sel);
}

/* A segment register of the new task (step 11): faults are #TS(sel), not-present
 * #NP(sel) (#SS for SS), reported in the new task's context (table 8-1). */
static void load_task_seg(struct vcpu *v, unsigned seg, uint16_t sel)
{
	struct cpu_state *s = &v->s;
	struct seg_cache sc;
	uint64_t raw[2];
	unsigned dpl, type, cpl = sel & 3u;

	if (cpu_v86_mode(s) || !(sel & ~3u)) {
		if (!cpu_v86_mode(s) && (seg == SEG_CS || seg == SEG_SS))
			cpu_raise(v, EXC_TS, sel & ~3u);
		if (cpu_v86_mode(s)) {
			s->seg[seg].sel = sel;
			s->seg[seg].base = (uint64_t)sel << 4;
			s->seg[seg].limit = 0xffff;
			s->seg[seg].attr = SEGA_P | SEGA_S | (3u << SEGA_DPL_SHIFT) |
					   (seg == SEG_CS ? 0xb : 0x3);
		} else {
			s->seg[seg] = (struct seg_cache){ .sel = sel, .attr = SEGA_UNUSABLE };
		}
		return;
	}
	if (!cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, EXC_TS, sel & ~3u);
	cpu_desc_decode(raw, sel, &sc, false);
	dpl = (sc.attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	type = sc.attr & SEGA_TYPE_MASK;
	if (seg == SEG_CS) {
		if (!(sc.attr & SEGA_S) || !(type & 8) || ((type & 4) ? dpl > cpl : dpl != cpl))
			cpu_raise(v, EXC_TS, sel & ~3u);
	} else if (seg == SEG_SS) {
		cpl = s->seg[SEG_CS].sel & 3u;
		if (!(sc.attr & SEGA_S) || (type & 8) || !(type & 2) || dpl != cpl || (sel & 3u) != cpl)
			cpu_raise(v, EXC_TS, sel & ~3u);
	} else {
		cpl = s->seg[SEG_CS].sel & 3u;
		if (!(sc.attr & SEGA_S) || ((type & 8) && !(type & 2)) ||
		    (!((type & 8) && (type & 4)) && (dpl < cpl || dpl < (sel & 3u))))
			cpu_raise(v, EXC_TS, sel & ~3u);
	}
	if (!(sc.attr & SEGA_P))
		cpu_raise(v, seg == SEG_SS ? EXC_SS : EXC_NP, sel & ~3u);
	cpu_desc_set_accessed(v, sel, raw[0]);
	sc.attr |= 1;
	if (seg == SEG_CS)
		sc.attr = (sc.attr & ~(uint32_t)SEGA_DPL_MASK) | (cpl << SEGA_DPL_SHIFT);
	s->seg[seg] = sc;
}

static void load_task_ldt(struct vcpu *v, uint16_t sel)
{
	struct seg_cache sc;
	uint64_t raw[2];

	if (!(sel & ~3u)) {
		v->s.seg[SEG_LDTR] = (struct seg_cache){ .sel = sel, .attr = SEGA_UNUSABLE };
		return;
	}
	if ((sel & 4) || !cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, EXC_TS, sel & ~3u);
	cpu_desc_decode(raw, sel, &sc, false);
	if ((sc.attr & SEGA_S) || (sc.attr & SEGA_TYPE_MASK) != 2)
		cpu_raise(v, EXC_TS, sel & ~3u);
	if (!(sc.attr & SEGA_P))
		cpu_raise(v, EXC_TS, sel & ~3u);
	v->s.seg[SEG_LDTR] = sc;
}

/* Step 11: the new task's state. From here on faults belong to the new task. */
static void load_new(struct vcpu *v, const struct seg_cache *ntr, const struct tss_layout *l,
		     bool nested)
{
	struct cpu_state *s = &v->s;
	uint64_t b = (uint32_t)ntr->base, f;
	uint16_t sel[6] = { 0 };

	if (l == &tss32 && (s->cr0 & CR0_PG)) {
		if (cpu_set_cr3(v, (uint32_t)cpu_sys_ld(v, b + l->cr3, 4)))
			cpu_raise(v, EXC_TS, ntr->sel & ~3u);
	}
	s->rip = cpu_sys_ld(v, b + l->eip, l->size);
	f = cpu_sys_ld(v, b + l->eflags, l->size);
	if (l == &tss16)
		f = (cpu_get_rflags(s) & ~0xffffull) | f;
	cpu_set_rflags(s, (nested ? f | RFLAGS_NT : f) | RFLAGS_FIXED1);
	for (unsigned r = 0; r < 8; r++) {
		uint64_t x = cpu_sys_ld(v, b + l->gpr + r * l->size, l->size);

		s->gpr[r] = l->size == 4 ? x : (s->gpr[r] & ~0xffffull) | x;
	}
	for (unsigned k = 0; k < 6; k++)
		if (l == &tss32 || k < 4)
			sel[k] = (uint16_t)cpu_sys_ld(v, b + l->sreg + k * l->size, 2);
	load_task_ldt(v, (uint16_t)cpu_sys_ld(v, b + l->ldt, 2));
	/* CS first: it gives the CPL the other checks use (8.3, step 11). */
	load_task_seg(v, SEG_CS, sel[SEG_CS]);
	load_task_seg(v, SEG_SS, sel[SEG_SS]);
	load_task_seg(v, SEG_DS, sel[SEG_DS]);
	load_task_seg(v, SEG_ES, sel[SEG_ES]);
	load_task_seg(v, SEG_FS, sel[SEG_FS]);
	load_task_seg(v, SEG_GS, sel[SEG_GS]);
	if (s->rip > s->seg[SEG_CS].limit)
		cpu_raise(v, EXC_GP, 0);
}

void cpu_task_switch(struct vcpu *v, uint16_t sel, enum task_src src, uint64_t next_rip)
{
	struct cpu_state *s = &v->s;
	struct seg_cache ntr;
	uint64_t raw[2], eflags;
	unsigned type;
	const struct tss_layout *l;
	uint16_t old = s->seg[SEG_TR].sel;

	cpu_intercept(v, ICPT_TASK_SWITCH, sel | ((uint64_t)src << 16), NULL);
	if (cpu_long_mode(s))
		cpu_raise(v, EXC_GP, sel & ~3u);        /* no task switches in IA-32e mode */
	/* Steps 1-3: the new TSS descriptor, from the GDT only. */
	if ((sel & 4) || !cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, src == TASK_IRET ? EXC_TS : EXC_GP, sel & ~3u);
	cpu_desc_decode(raw, sel, &ntr, false);
	type = ntr.attr & SEGA_TYPE_MASK;
	if ((ntr.attr & SEGA_S) || (type != 1 && type != 3 && type != 9 && type != 11) ||
	    ((type & 2) != 0) != (src == TASK_IRET))
		cpu_raise(v, src == TASK_IRET ? EXC_TS : EXC_GP, sel & ~3u);
	if (!(ntr.attr & SEGA_P))
		cpu_raise(v, EXC_NP, sel & ~3u);
	l = tss_is32(type) ? &tss32 : &tss16;
	if (ntr.limit < l->min_limit)
		cpu_raise(v, EXC_TS, sel & ~3u);

	/* Steps 5-9: busy flags, NT, the saved state, the back link. */
	eflags = cpu_get_rflags(s);
	if (src == TASK_IRET)
		eflags &= ~(uint64_t)RFLAGS_NT;
	save_old(v, next_rip, eflags);
	if (src == TASK_JMP || src == TASK_IRET)
		set_busy(v, old, false);
	if (src == TASK_CALL || src == TASK_INT)
		cpu_sys_st(v, (uint32_t)ntr.base, 2, old);
	if (src != TASK_IRET)
		set_busy(v, sel, true);

	/* Step 10: TR and CR0.TS. */
	ntr.attr |= 2;
	s->seg[SEG_TR] = ntr;
	s->cr0 |= CR0_TS;
	cpu_tlb_flush_current(v);
	load_new(v, &ntr, l, src == TASK_CALL || src == TASK_INT);
}

void cpu_task_push_error(struct vcpu *v, uint32_t err)
{
	struct cpu_state *s = &v->s;
	unsigned size = tss_is32(s->seg[SEG_TR].attr & 0xf) ? 4 : 2;
	unsigned asz = (s->seg[SEG_SS].attr & SEGA_DB) ? 4 : 2;
	uint64_t sp = (s->gpr[4] - size) & size_mask(asz);

	cpu_st(v, SEG_SS, sp, size, err);
	s->gpr[4] = asz == 4 ? sp : (s->gpr[4] & ~0xffffull) | sp;
}
