/*
 * translate/ops/sys_iret.c - IRET/IRETD/IRETQ in real, virtual-8086, protected and
 * IA-32e mode. Intel SDM vol. 2 (edition in docs/spec-versions.md), IRET (its
 * pseudo-code); vol. 3, 6.7.1 (NMI unblocking), 20.3 (virtual-8086 mode), 8.4
 * (EFLAGS.NT = 1: return to the previous task, cpu/task.c).
 */
#include "translate/ops/sys.h"

/* Flags IRET may change at the current privilege (vol. 2, IRET: the EFLAGS update). */
static uint64_t iret_mask(const struct vcpu *v, unsigned n)
{
	uint64_t m = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_RF | RFLAGS_AC |
		     RFLAGS_ID;
	unsigned cpl = cpu_cpl(&v->s);

	if (cpl == 0)
		m |= RFLAGS_IOPL | RFLAGS_VIF | RFLAGS_VIP;
	if (cpl <= sys_iopl(v))
		m |= RFLAGS_IF;
	if (cpu_v86_mode(&v->s))        /* IOPL = 3 here: VIF, VIP, IOPL stay */
		m = (m | RFLAGS_IF) & ~(uint64_t)(RFLAGS_IOPL | RFLAGS_VIF | RFLAGS_VIP);
	return n == 2 ? m & 0xffff : m;
}

static void set_iret_flags(struct vcpu *v, uint64_t popped, uint64_t mask)
{
	uint64_t f = cpu_get_rflags(&v->s);

	cpu_set_rflags(&v->s, (f & ~mask) | (popped & mask) | RFLAGS_FIXED1);
}

static void pop_sp(struct vcpu *v, uint64_t bytes)
{
	unsigned asz = stack_addr_size(v);

	gpr_write(&v->s, 4, asz, false, (v->s.gpr[4] + bytes) & size_mask(asz));
}

/* Real mode, and virtual-8086 mode with IOPL = 3. */
static void iret_real(struct vcpu *v, unsigned n)
{
	struct cpu_state *s = &v->s;
	uint64_t ip = stack_peek(v, n, 0), f = stack_peek(v, n, 2 * n);
	uint16_t sel = (uint16_t)stack_peek(v, n, n);
	uint64_t mask = cpu_v86_mode(s) ? iret_mask(v, n) : (n == 2 ? 0xffff : 0x257fd5);

	if (ip > s->seg[SEG_CS].limit)
		cpu_raise(v, EXC_GP, 0);
	pop_sp(v, 3ull * n);
	s->seg[SEG_CS].sel = sel;
	s->seg[SEG_CS].base = (uint64_t)sel << 4;
	s->rip = ip;
	set_iret_flags(v, f, mask & ~(uint64_t)RFLAGS_VM);
}

/* Virtual-8086 mode, IOPL < 3, CR4.VME, 16-bit operand (SDM vol. 2, IRET): IF goes
 * to VIF, IOPL stays; TF = 1, or IF = 1 with VIP = 1, in the image is #GP(0). */
static void iret_v86_vme(struct vcpu *v)
{
	struct cpu_state *s = &v->s;
	uint64_t ip = stack_peek(v, 2, 0), f = stack_peek(v, 2, 4), cur = cpu_get_rflags(s);
	uint16_t sel = (uint16_t)stack_peek(v, 2, 2);
	uint64_t keep = ~0xffffull | RFLAGS_IOPL | RFLAGS_IF;

	if ((f & RFLAGS_TF) || ((f & RFLAGS_IF) && (cur & RFLAGS_VIP)))
		cpu_raise(v, EXC_GP, 0);
	if (ip > s->seg[SEG_CS].limit)
		cpu_raise(v, EXC_GP, 0);
	pop_sp(v, 6);
	s->seg[SEG_CS].sel = sel;
	s->seg[SEG_CS].base = (uint64_t)sel << 4;
	s->rip = ip;
	cur = (cur & keep) | (f & ~keep);
	cur = (cur & ~(uint64_t)RFLAGS_VIF) | ((f & RFLAGS_IF) ? RFLAGS_VIF : 0);
	cpu_set_rflags(s, cur | RFLAGS_FIXED1);
}

/* A segment as virtual-8086 mode holds it (SDM vol. 3, 20.1.1). */
static void v86_seg(struct seg_cache *sc, uint16_t sel, bool code)
{
	sc->sel = sel;
	sc->base = (uint64_t)sel << 4;
	sc->limit = 0xffff;
	sc->attr = SEGA_P | SEGA_S | (3u << SEGA_DPL_SHIFT) | (code ? 0xb : 0x3);
}

/* IRETD at CPL 0 with VM = 1 in the popped EFLAGS: enter virtual-8086 mode. */
static void iret_to_v86(struct vcpu *v, uint64_t eip, uint16_t cs, uint64_t f)
{
	struct cpu_state *s = &v->s;
	uint64_t esp = stack_peek(v, 4, 12);
	uint16_t sel[5];

	for (unsigned k = 0; k < 5; k++)        /* SS, ES, DS, FS, GS */
		sel[k] = (uint16_t)stack_peek(v, 4, 16 + 4 * k);
	cpu_set_rflags(s, (f & 0x3f7fd5ull) | RFLAGS_FIXED1 | RFLAGS_VM);
	v86_seg(&s->seg[SEG_CS], cs, true);
	v86_seg(&s->seg[SEG_SS], sel[0], false);
	v86_seg(&s->seg[SEG_ES], sel[1], false);
	v86_seg(&s->seg[SEG_DS], sel[2], false);
	v86_seg(&s->seg[SEG_FS], sel[3], false);
	v86_seg(&s->seg[SEG_GS], sel[4], false);
	s->gpr[4] = (uint32_t)esp;
	s->rip = eip & 0xffff;
}

/* Protected mode and IA-32e mode. */
static void iret_prot(struct vcpu *v, unsigned n)
{
	struct cpu_state *s = &v->s;
	bool lm = cpu_long_mode(s);
	uint64_t ip = stack_peek(v, n, 0) & size_mask(n), f = stack_peek(v, n, 2 * n);
	uint16_t sel = (uint16_t)stack_peek(v, n, n);
	uint64_t cs_raw[2], ss_raw = 0, mask = iret_mask(v, n), sp = 0;
	struct seg_cache cs, ss;
	unsigned rpl = sel & 3u;
	bool pop_ss;

	if (!lm && (f & RFLAGS_VM) && n == 4 && cpu_cpl(s) == 0) {
		iret_to_v86(v, ip, sel, f);
		return;
	}
	sys_check_ret_cs(v, sel, &cs, cs_raw);
	if (lm && (cs.attr & SEGA_L) ? !cpu_canonical_addr(v, ip) : ip > cs.limit)
		cpu_raise(v, EXC_GP, 0);
	/* IA-32e: IRETQ always pops SS:RSP; otherwise only to an outer level. */
	pop_ss = rpl > cpu_cpl(s) || (lm && n == 8);
	if (pop_ss) {
		sp = stack_peek(v, n, 3 * n);
		sys_check_ret_ss(v, (uint16_t)stack_peek(v, n, 4 * n), rpl,
				 lm && (cs.attr & SEGA_L), &ss, &ss_raw);
		if (ss_raw) {
			cpu_desc_set_accessed(v, ss.sel, ss_raw);
			ss.attr |= 1;
		}
	}
	/* Commit; the EFLAGS rules use the CPL before the return. */
	set_iret_flags(v, f, mask & ~(uint64_t)RFLAGS_VM);
	cpu_desc_set_accessed(v, sel, cs_raw[0]);
	if (pop_ss) {
		bool outer = rpl > cpu_cpl(s);

		sys_set_cs(v, sel, &cs, rpl);
		s->seg[SEG_SS] = ss;
		gpr_write(s, 4, stack_addr_size(v), false, sp);
		if (outer)
			sys_null_outer_segs(v);
	} else {
		pop_sp(v, 3ull * n);
		sys_set_cs(v, sel, &cs, rpl);
	}
	s->rip = ip;
}

void exec_IRET(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;

	cpu_intercept(v, ICPT_IRET, 0, i);
	s->nmi_blocked = false;         /* SDM vol. 3, 6.7.1: even if IRET then faults */
	if (cpu_real_mode(s)) {
		iret_real(v, i->opsize);
	} else if (cpu_v86_mode(s)) {
		if (sys_iopl(v) < 3) {
			/* IOPL-sensitive: #GP(0), unless VME and a 16-bit IRET (SDM vol. 2,
			 * IRET; vol. 3, 20.3.2). */
			if (!(s->cr4 & CR4_VME) || i->opsize != 2)
				cpu_raise(v, EXC_GP, 0);
			iret_v86_vme(v);
		} else {
			iret_real(v, i->opsize);
		}
	} else if (cpu_get_rflags(s) & RFLAGS_NT) {
		/* Return to the task in the back link (SDM vol. 3, 8.4); #GP in IA-32e. */
		if (cpu_long_mode(s))
			cpu_raise(v, EXC_GP, 0);
		cpu_task_switch(v, (uint16_t)cpu_sys_ld(v, (uint32_t)s->seg[SEG_TR].base, 2),
				TASK_IRET, insn_next_rip(v, i));
	} else {
		iret_prot(v, i->opsize);
	}
	cpu_intercept(v, ICPT_IRET, 1, i);
}
