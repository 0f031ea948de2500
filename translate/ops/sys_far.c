/*
 * translate/ops/sys_far.c - far JMP, far CALL (direct and through call gates) and far
 * RET, in real, virtual-8086, protected and IA-32e mode. Intel SDM vol. 2 (edition in
 * docs/spec-versions.md), JMP, CALL and RET (their protected-mode pseudo-code); vol.
 * 3, 5.8 (calls through gates), 5.8.6 (RET to outer levels). Task gates and TSS
 * targets switch tasks (cpu/task.c).
 */
#include "translate/ops/sys.h"

struct far_ptr {
	uint16_t sel;
	uint64_t off;
};

static struct far_ptr far_operand(struct vcpu *v, const struct x86_insn *i)
{
	struct far_ptr p;

	if (i->opnd[0].kind == OPND_FARPTR) {
		p.off = i->imm & size_mask(i->opsize);
		p.sel = (uint16_t)i->imm2;
	} else {
		p.off = cpu_ld(v, i->seg, insn_ea(v, i), i->opsize);
		p.sel = (uint16_t)cpu_ld(v, i->seg, sys_ea_plus(v, i, i->opsize), 2);
	}
	return p;
}

void sys_set_cs(struct vcpu *v, uint16_t sel, const struct seg_cache *cs, unsigned cpl)
{
	struct seg_cache *c = &v->s.seg[SEG_CS];

	*c = *cs;
	c->sel = (uint16_t)((sel & ~3u) | cpl);
	/* the cache's DPL carries the CPL (a conforming segment keeps the caller's) */
	c->attr = (c->attr & ~(uint32_t)SEGA_DPL_MASK) | (cpl << SEGA_DPL_SHIFT) | 1;
}

void sys_null_outer_segs(struct vcpu *v)
{
	static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	unsigned cpl = cpu_cpl(&v->s);

	for (unsigned k = 0; k < 4; k++) {
		struct seg_cache *sc = &v->s.seg[segs[k]];
		unsigned dpl = (sc->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
		bool conforming = (sc->attr & 0xc) == 0xc;

		if (!(sc->attr & SEGA_UNUSABLE) && (!(sc->attr & SEGA_S) || (!conforming && dpl < cpl)))
			*sc = (struct seg_cache){ .sel = 0, .attr = SEGA_UNUSABLE };
	}
}

/* Real and virtual-8086 mode: CS = sel, base sel * 16; the offset must be within the
 * CS limit (vol. 2, JMP: "#GP if ... beyond the code segment limit"). */
static void real_far(struct vcpu *v, struct far_ptr p, unsigned size)
{
	struct seg_cache *cs = &v->s.seg[SEG_CS];

	p.off &= size_mask(size);
	if (p.off > cs->limit)
		cpu_raise(v, EXC_GP, 0);
	cs->sel = p.sel;
	cs->base = (uint64_t)p.sel << 4;
	if (cpu_v86_mode(&v->s)) {
		cs->limit = 0xffff;
		cs->attr = SEGA_P | SEGA_S | (3u << SEGA_DPL_SHIFT) | 0xb;
	}
	v->s.rip = p.off;
}

/* The target offset against the new code segment: canonical for a 64-bit segment,
 * else within its limit (#GP(0)). */
static void check_target(struct vcpu *v, const struct seg_cache *cs, uint64_t off)
{
	if (cpu_long_mode(&v->s) && (cs->attr & SEGA_L)) {
		if (!cpu_canonical_addr(v, off))
			cpu_raise(v, EXC_GP, 0);
	} else if (off > cs->limit) {
		cpu_raise(v, EXC_GP, 0);
	}
}

/* A code-segment descriptor as a far JMP/CALL target (conforming: DPL <= CPL;
 * nonconforming: RPL <= CPL and DPL = CPL), or through a gate (DPL <= CPL). */
static void check_code(struct vcpu *v, uint16_t sel, const struct seg_cache *cs, bool via_gate,
		       bool jmp)
{
	unsigned cpl = cpu_cpl(&v->s), dpl = (cs->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	bool conforming = cs->attr & 4;
	uint32_t err = sel & ~3u;

	if (!(cs->attr & SEGA_S) || !(cs->attr & 8))
		cpu_raise(v, EXC_GP, err);
	if (via_gate) {
		if (dpl > cpl || (jmp && !conforming && dpl != cpl))
			cpu_raise(v, EXC_GP, err);
	} else if (conforming ? dpl > cpl : ((sel & 3u) > cpl || dpl != cpl)) {
		cpu_raise(v, EXC_GP, err);
	}
	/* IA-32e: L = 1 with D = 1 is reserved */
	if (cpu_long_mode(&v->s) && (cs->attr & SEGA_L) && (cs->attr & SEGA_DB))
		cpu_raise(v, EXC_GP, err);
	if (!(cs->attr & SEGA_P))
		cpu_raise(v, EXC_NP, err);
}

/* Room for `bytes` of pushes below RSP on the current stack, probed before anything
 * is committed. */
static void probe_push(struct vcpu *v, uint64_t bytes)
{
	unsigned asz = stack_addr_size(v);

	cpu_probe(v, SEG_SS, (v->s.gpr[4] - bytes) & size_mask(asz), bytes, ACC_WRITE);
}

/* ---------------------------------------------------------------- call gates */

struct gate {
	uint16_t sel;           /* target code selector */
	uint64_t off;
	unsigned size;          /* 2, 4 or 8: the gate's push size */
	unsigned params;        /* 32-bit-mode parameter count */
};

static struct gate read_call_gate(struct vcpu *v, uint16_t sel, const uint64_t *raw)
{
	unsigned type = (raw[0] >> 40) & 0xf, dpl = (raw[0] >> 45) & 3;
	bool lm = cpu_long_mode(&v->s);
	uint64_t r[2] = { raw[0], 0 };
	struct gate g;

	if (dpl < cpu_cpl(&v->s) || dpl < (sel & 3u))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(raw[0] & (1ull << 47)))
		cpu_raise(v, EXC_NP, sel & ~3u);
	if (lm) {
		/* 16-byte gate; the upper half's type must be 0 (SDM vol. 3, 5.8.3.1) */
		if (!cpu_desc_read(v, sel, r, true) || ((r[1] >> 40) & 0x1f))
			cpu_raise(v, EXC_GP, sel & ~3u);
	}
	g.sel = (uint16_t)(r[0] >> 16);
	g.off = (r[0] & 0xffff) | (type == 0xc ? ((r[0] >> 48) & 0xffff) << 16 : 0);
	if (lm)
		g.off |= (r[1] & 0xffffffffu) << 32;
	g.size = lm ? 8 : type == 0xc ? 4 : 2;
	g.params = lm ? 0 : (unsigned)(r[0] >> 32) & 0x1f;
	return g;
}

/* The inner stack of a call gate, written at the new (supervisor) privilege. */
struct new_stack {
	struct seg_cache ss;
	uint64_t sp, mask;
	bool lm;
};

static void ns_push(struct vcpu *v, struct new_stack *ns, unsigned n, uint64_t val)
{
	const struct seg_cache *sc = &ns->ss;
	uint64_t sp = (ns->sp - n) & ns->mask, lin;

	if (ns->lm) {
		if (!cpu_canonical_addr(v, sp))
			cpu_raise(v, EXC_SS, 0);
		lin = sp;
	} else {
		bool down = (sc->attr & 0xc) == 0x4;
		uint64_t upper = (sc->attr & SEGA_DB) ? 0xffffffffu : 0xffffu;

		if (down ? (sp <= sc->limit || sp + n - 1 > upper) : sp + n - 1 > sc->limit)
			cpu_raise(v, EXC_SS, sc->sel & ~3u);
		lin = (uint32_t)(sc->base + sp);
	}
	cpu_sys_st(v, lin, n, val & size_mask(n));
	ns->sp = sp;
}

/* CALL through a gate to a more privileged nonconforming segment: switch to the inner
 * stack from the TSS and copy the parameters (SDM vol. 3, 5.8.5, 5.8.6). Registers
 * change only after every push succeeded. */
static void call_gate_inner(struct vcpu *v, const struct gate *g, struct seg_cache *cs,
			    uint64_t cs_raw, uint64_t next)
{
	struct cpu_state *s = &v->s;
	unsigned dpl = (cs->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT, n = g->size;
	struct new_stack ns = { .lm = cpu_long_mode(s) };
	uint64_t ss_raw[2] = { 0, 0 }, sp, old_sp = s->gpr[4], params[31];
	unsigned oasz = stack_addr_size(v);

	if (ns.lm) {
		sp = cpu_tss_stack64(v, dpl, 0, 0) & ~0xfull;
		ns.ss = (struct seg_cache){ .sel = (uint16_t)dpl,
					    .attr = SEGA_UNUSABLE | (dpl << SEGA_DPL_SHIFT) };
		ns.mask = ~0ull;
	} else {
		cpu_tss_stack32(v, dpl, 0, &ns.ss, ss_raw, &sp);
		ns.mask = (ns.ss.attr & SEGA_DB) ? 0xffffffffu : 0xffffu;
	}
	ns.sp = sp & ns.mask;
	for (unsigned k = 0; k < g->params; k++)
		params[k] = cpu_ld(v, SEG_SS, (old_sp + (uint64_t)k * n) & size_mask(oasz), n);
	ns_push(v, &ns, n, s->seg[SEG_SS].sel);
	ns_push(v, &ns, n, old_sp);
	for (unsigned k = g->params; k-- > 0;)
		ns_push(v, &ns, n, params[k]);
	ns_push(v, &ns, n, s->seg[SEG_CS].sel);
	ns_push(v, &ns, n, next);
	if (ss_raw[0]) {
		cpu_desc_set_accessed(v, ns.ss.sel, ss_raw[0]);
		ns.ss.attr |= 1;
	}
	cpu_desc_set_accessed(v, g->sel, cs_raw);
	s->seg[SEG_SS] = ns.ss;
	s->gpr[4] = ns.mask == 0xffff ? (s->gpr[4] & ~0xffffull) | ns.sp : ns.sp;
	sys_set_cs(v, g->sel, cs, dpl);
	s->rip = g->off;
}

static void through_gate(struct vcpu *v, const struct x86_insn *i, uint16_t sel,
			 const uint64_t *raw, bool jmp)
{
	struct gate g = read_call_gate(v, sel, raw);
	uint64_t cs_raw[2], next = insn_next_rip(v, i);
	struct seg_cache cs;
	unsigned dpl;

	if (!(g.sel & ~3u))
		cpu_raise(v, EXC_GP, 0);
	if (!cpu_desc_read(v, g.sel, cs_raw, false))
		cpu_raise(v, EXC_GP, g.sel & ~3u);
	cpu_desc_decode(cs_raw, g.sel, &cs, false);
	check_code(v, g.sel, &cs, true, jmp);
	if (cpu_long_mode(&v->s) && (!(cs.attr & SEGA_L) || (cs.attr & SEGA_DB)))
		cpu_raise(v, EXC_GP, g.sel & ~3u);
	if (g.size == 2)
		g.off &= 0xffff;
	check_target(v, &cs, g.off);
	dpl = (cs.attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	if (!jmp && !(cs.attr & 4) && dpl < cpu_cpl(&v->s)) {
		call_gate_inner(v, &g, &cs, cs_raw[0], next);
		return;
	}
	if (!jmp) {
		probe_push(v, 2ull * g.size);
		stack_push(v, g.size, v->s.seg[SEG_CS].sel);
		stack_push(v, g.size, next);
	}
	cpu_desc_set_accessed(v, g.sel, cs_raw[0]);
	sys_set_cs(v, g.sel, &cs, cpu_cpl(&v->s));
	v->s.rip = g.off;
}

/* ---------------------------------------------------------------- JMP/CALL */

/* JMP/CALL to a TSS or a task gate: DPL >= CPL and RPL, present, then the switch
 * (SDM vol. 3, 8.3; busy TSSs fail in cpu_task_switch). */
static void far_task(struct vcpu *v, uint16_t sel, uint64_t raw, unsigned type, bool jmp,
		     uint64_t next)
{
	unsigned dpl = (raw >> 45) & 3;

	if ((type != 0x05 && type != 0x01 && type != 0x09 && type != 0x03 && type != 0x0b) ||
	    cpu_long_mode(&v->s) || dpl < cpu_cpl(&v->s) || dpl < (sel & 3u))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(raw & (1ull << 47)))
		cpu_raise(v, EXC_NP, sel & ~3u);
	if (type == 0x05)
		sel = (uint16_t)(raw >> 16);    /* the task gate's TSS selector */
	cpu_task_switch(v, sel, jmp ? TASK_JMP : TASK_CALL, next);
}

static void far_transfer(struct vcpu *v, const struct x86_insn *i, bool jmp)
{
	struct far_ptr p = far_operand(v, i);
	uint64_t raw[2], next = insn_next_rip(v, i);
	struct seg_cache cs;
	unsigned type;

	if (cpu_real_mode(&v->s) || cpu_v86_mode(&v->s)) {
		if (!jmp) {
			probe_push(v, 2ull * i->opsize);
			stack_push(v, i->opsize, v->s.seg[SEG_CS].sel);
			stack_push(v, i->opsize, next);
		}
		real_far(v, p, i->opsize);
		return;
	}
	if (!(p.sel & ~3u))
		cpu_raise(v, EXC_GP, 0);
	if (!cpu_desc_read(v, p.sel, raw, false))
		cpu_raise(v, EXC_GP, p.sel & ~3u);
	type = (raw[0] >> 40) & 0x1f;
	if (type == 0x04 || type == 0x0c) {             /* call gates */
		if (type == 0x04 && cpu_long_mode(&v->s))
			cpu_raise(v, EXC_GP, p.sel & ~3u);
		through_gate(v, i, p.sel, raw, jmp);
		return;
	}
	if (!(type & 0x10)) {
		far_task(v, p.sel, raw[0], type, jmp, next);
		return;
	}
	cpu_desc_decode(raw, p.sel, &cs, false);
	check_code(v, p.sel, &cs, false, jmp);
	check_target(v, &cs, p.off);
	if (!jmp) {
		probe_push(v, 2ull * i->opsize);
		stack_push(v, i->opsize, v->s.seg[SEG_CS].sel);
		stack_push(v, i->opsize, next);
	}
	cpu_desc_set_accessed(v, p.sel, raw[0]);
	sys_set_cs(v, p.sel, &cs, cpu_cpl(&v->s));
	v->s.rip = p.off;
}

void exec_JMP_FAR(struct vcpu *v, const struct x86_insn *i) { far_transfer(v, i, true); }
void exec_CALL_FAR(struct vcpu *v, const struct x86_insn *i) { far_transfer(v, i, false); }

/* ---------------------------------------------------------------- RET */

/* The SS of a return to an outer level (vol. 2, RET/IRET): RPL and DPL equal the new
 * CPL, a writable data segment, present. A null SS is allowed returning to 64-bit
 * code at CPL < 3. */
void sys_check_ret_ss(struct vcpu *v, uint16_t sel, unsigned rpl, bool to64,
		      struct seg_cache *ss, uint64_t *raw)
{
	unsigned dpl, type;

	*raw = 0;
	if (!(sel & ~3u)) {
		if (!to64 || rpl == 3 || (sel & 3u) != rpl)
			cpu_raise(v, EXC_GP, 0);
		*ss = (struct seg_cache){ .sel = sel, .attr = SEGA_UNUSABLE | (rpl << SEGA_DPL_SHIFT) };
		return;
	}
	if (!cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, EXC_GP, sel & ~3u);
	cpu_desc_decode(raw, sel, ss, false);
	dpl = (ss->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	type = ss->attr & SEGA_TYPE_MASK;
	if ((sel & 3u) != rpl || dpl != rpl || !(ss->attr & SEGA_S) || (type & 8) || !(type & 2))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(ss->attr & SEGA_P))
		cpu_raise(v, EXC_SS, sel & ~3u);
}

/* The CS of a return: RPL >= CPL; conforming: DPL <= RPL; else DPL = RPL. */
void sys_check_ret_cs(struct vcpu *v, uint16_t sel, struct seg_cache *cs, uint64_t *raw)
{
	unsigned dpl, rpl = sel & 3u;

	if (!(sel & ~3u))
		cpu_raise(v, EXC_GP, 0);
	if (!cpu_desc_read(v, sel, raw, false))
		cpu_raise(v, EXC_GP, sel & ~3u);
	cpu_desc_decode(raw, sel, cs, false);
	dpl = (cs->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	if (!(cs->attr & SEGA_S) || !(cs->attr & 8) || rpl < cpu_cpl(&v->s) ||
	    ((cs->attr & 4) ? dpl > rpl : dpl != rpl))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (cpu_long_mode(&v->s) && (cs->attr & SEGA_L) && (cs->attr & SEGA_DB))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(cs->attr & SEGA_P))
		cpu_raise(v, EXC_NP, sel & ~3u);
}

void exec_RET_FAR(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	unsigned n = i->opsize, asz = stack_addr_size(v);
	uint64_t imm = i->opnd[0].kind == OPND_IMM ? (i->imm & 0xffff) : 0;
	uint64_t off = stack_peek(v, n, 0) & size_mask(n), cs_raw[2], ss_raw = 0, sp;
	uint16_t sel = (uint16_t)stack_peek(v, n, n);
	struct seg_cache cs, ss;
	unsigned rpl = sel & 3u;
	bool outer;

	if (cpu_real_mode(s) || cpu_v86_mode(s)) {
		real_far(v, (struct far_ptr){ .sel = sel, .off = off }, n);
		gpr_write(s, 4, asz, false, (s->gpr[4] + 2 * n + imm) & size_mask(asz));
		return;
	}
	sys_check_ret_cs(v, sel, &cs, cs_raw);
	check_target(v, &cs, off);
	outer = rpl > cpu_cpl(s);
	if (!outer) {
		sp = s->gpr[4] + 2 * n + imm;
	} else {
		uint64_t nsp = stack_peek(v, n, 2 * n + imm);
		uint16_t ssel = (uint16_t)stack_peek(v, n, 3 * n + imm);

		sys_check_ret_ss(v, ssel, rpl, cpu_long_mode(s) && (cs.attr & SEGA_L), &ss, &ss_raw);
		if (ss_raw) {
			cpu_desc_set_accessed(v, ssel, ss_raw);
			ss.attr |= 1;
		}
		sp = nsp + imm;
	}
	/* Commit: CS, then SS (the stack size follows the new CS.L and SS.B). */
	cpu_desc_set_accessed(v, sel, cs_raw[0]);
	sys_set_cs(v, sel, &cs, rpl);
	if (outer) {
		s->seg[SEG_SS] = ss;
		sys_null_outer_segs(v);
	}
	asz = stack_addr_size(v);
	gpr_write(s, 4, asz, false, sp & size_mask(asz));
	s->rip = off;
}
