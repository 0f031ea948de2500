/*
 * translate/ops/sys_cr.c - control and debug registers: MOV CR, MOV DR, CLTS, LMSW,
 * SMSW. Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages;
 * vol. 3, 2.5 (CRs), 18.2 (DRs). The loads and their side effects are cpu/cr.c's.
 */
#include "translate/ops/sys.h"

#define DR6_BD (1ull << 13)
#define DR7_GD (1ull << 13)

static uint64_t cr_value(const struct cpu_state *s, unsigned cr)
{
	switch (cr) {
	case 0: return s->cr0;
	case 2: return s->cr2;
	case 3: return s->cr3;
	case 4: return s->cr4;
	default: return s->cr8;
	}
}

void exec_MOV_CR(struct vcpu *v, const struct x86_insn *i)
{
	bool write = i->opnd[0].kind == OPND_CR;
	unsigned cr = write ? i->opnd[0].reg : i->opnd[1].reg;
	unsigned size = cpu_64bit_mode(&v->s) ? 8 : 4;      /* operand size is forced */
	uint64_t val;
	int r = 0;

	if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	sys_need_cpl0(v);
	cpu_intercept(v, write ? ICPT_CR_WRITE : ICPT_CR_READ, cr, i);
	if (!write) {
		gpr_write(&v->s, i->opnd[0].reg, size, false, cr_value(&v->s, cr));
		return;
	}
	val = gpr_read(&v->s, i->opnd[1].reg, size, false);
	switch (cr) {
	case 0: r = cpu_set_cr0(v, val); break;
	case 2: v->s.cr2 = val; break;
	case 3: r = cpu_set_cr3(v, val); break;
	case 4: r = cpu_set_cr4(v, val); break;
	default: r = cpu_set_cr8(v, val); break;
	}
	if (r)
		cpu_raise(v, EXC_GP, 0);
}

void exec_CLTS(struct vcpu *v, const struct x86_insn *i)
{
	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_CR_WRITE, 0, i);
	v->s.cr0 &= ~CR0_TS;
}

/* LMSW loads CR0[3:0]; it can set PE but not clear it (SDM vol. 2, LMSW). */
void exec_LMSW(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t msw, cr0;

	sys_need_cpl0(v);
	msw = opnd_read(v, i, 0) & 0xf;
	cpu_intercept(v, ICPT_CR_WRITE, 0, i);
	cr0 = (v->s.cr0 & ~0xeull) | msw;
	if (cpu_set_cr0(v, cr0))
		cpu_raise(v, EXC_GP, 0);
}

void exec_SMSW(struct vcpu *v, const struct x86_insn *i)
{
	sys_umip(v);
	cpu_intercept(v, ICPT_CR_READ, 0, i);
	opnd_write(v, i, 0, v->s.cr0 & size_mask(i->opnd[0].size));
}

/* SDM vol. 3, 18.2.4 (DR6), 18.2.4 (DR7): fixed bits. */
static uint64_t dr6_fixed(uint64_t val) { return (val & 0xe00full) | 0xffff0ff0ull; }
static uint64_t dr7_fixed(uint64_t val) { return (val & 0xffff23ffull) | 0x400ull; }

void exec_MOV_DR(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	bool write = i->opnd[0].kind == OPND_DR;
	unsigned dr = write ? i->opnd[0].reg : i->opnd[1].reg;
	unsigned size = cpu_64bit_mode(s) ? 8 : 4;
	uint64_t val;

	if (dr > 7 || ((dr == 4 || dr == 5) && (s->cr4 & CR4_DE)))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (dr == 4 || dr == 5)
		dr += 2;                /* aliases of DR6/DR7 when CR4.DE = 0 */
	sys_need_cpl0(v);
	if (s->dr[7] & DR7_GD) {
		/* General detect: #DB before the access, DR6.BD set, GD cleared. */
		cpu_db_dr6(v, true, DR6_BD);
		s->dr[7] &= ~DR7_GD;
		cpu_raise(v, EXC_DB, EXC_NO_ERROR);
	}
	cpu_intercept(v, ICPT_DR_ACCESS, dr | (write ? 0x10 : 0), i);
	if (!write) {
		gpr_write(s, i->opnd[0].reg, size, false, s->dr[dr]);
		return;
	}
	val = gpr_read(s, i->opnd[1].reg, size, false);
	if (dr >= 6 && (val >> 32))
		cpu_raise(v, EXC_GP, 0);
	if (dr == 6) {
		s->dr[6] = dr6_fixed(val);
	} else if (dr == 7) {
		s->dr[7] = dr7_fixed(val);
		cpu_dr7_changed(v);
	} else {
		s->dr[dr] = val;
	}
}
