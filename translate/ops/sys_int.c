/*
 * translate/ops/sys_int.c - software interrupts (INT n, INT3, INTO, INT1), CLI/STI,
 * HLT, CLAC/STAC. Intel SDM vol. 2 (edition in docs/spec-versions.md), the
 * instruction pages; vol. 3, 6.8.1 (IF), 6.8.3 (STI shadow), 20.3 (virtual-8086).
 * Delivery itself is cpu/excp.c's (cpu_deliver_event).
 */
#include "translate/ops/sys.h"

void exec_INT(struct vcpu *v, const struct x86_insn *i)
{
	unsigned vec = (unsigned)(i->imm & 0xff);

	/* INT n is IOPL-sensitive in virtual-8086 mode (no VME redirection here). */
	if (cpu_v86_mode(&v->s) && sys_iopl(v) < 3) {
		if (v->s.cr4 & CR4_VME)
			cpu_log_unimp("VME interrupt redirection", vec, NULL);
		cpu_raise(v, EXC_GP, 0);
	}
	cpu_intercept(v, ICPT_INT_N, vec, i);
	cpu_deliver_event(v, (int)vec, EVT_SWINT, EXC_NO_ERROR, insn_next_rip(v, i));
}

void exec_INT3(struct vcpu *v, const struct x86_insn *i)
{
	cpu_deliver_event(v, EXC_BP, EVT_SWEXC, EXC_NO_ERROR, insn_next_rip(v, i));
}

void exec_INTO(struct vcpu *v, const struct x86_insn *i)
{
	if (cpu_get_rflags(&v->s) & RFLAGS_OF)
		cpu_deliver_event(v, EXC_OF, EVT_SWEXC, EXC_NO_ERROR, insn_next_rip(v, i));
	else
		v->s.rip = insn_next_rip(v, i);
}

/* INT1 (ICEBP, F1): a #DB trap delivered as a privileged software exception. */
void exec_INT1(struct vcpu *v, const struct x86_insn *i)
{
	cpu_deliver_event(v, EXC_DB, EVT_PRIVSW, EXC_NO_ERROR, insn_next_rip(v, i));
}

/*
 * CLI/STI (SDM vol. 2, CLI/STI tables): real mode and CPL <= IOPL change IF;
 * otherwise VIF with CR4.VME (virtual-8086, IOPL < 3) or CR4.PVI (CPL 3); else #GP(0).
 * STI that sets IF starts the one-instruction interrupt shadow.
 */
static void set_if(struct vcpu *v, const struct x86_insn *i, bool on)
{
	struct cpu_state *s = &v->s;
	uint64_t f = cpu_get_rflags(s);
	bool direct = cpu_real_mode(s) || (!cpu_v86_mode(s) && cpu_cpl(s) <= sys_iopl(v)) ||
		      (cpu_v86_mode(s) && sys_iopl(v) == 3);
	bool virt = !direct && ((cpu_v86_mode(s) && (s->cr4 & CR4_VME)) ||
				(!cpu_v86_mode(s) && cpu_cpl(s) == 3 && (s->cr4 & CR4_PVI)));

	if (direct) {
		if (on && !(f & RFLAGS_IF))
			cpu_set_intr_shadow(v, 1, insn_next_rip(v, i));
		f = on ? f | RFLAGS_IF : f & ~(uint64_t)RFLAGS_IF;
	} else if (virt) {
		if (on && (f & RFLAGS_VIP))
			cpu_raise(v, EXC_GP, 0);
		f = on ? f | RFLAGS_VIF : f & ~(uint64_t)RFLAGS_VIF;
	} else {
		cpu_raise(v, EXC_GP, 0);
	}
	cpu_set_rflags(s, f);
}

void exec_CLI(struct vcpu *v, const struct x86_insn *i) { set_if(v, i, false); }
void exec_STI(struct vcpu *v, const struct x86_insn *i) { set_if(v, i, true); }

/* HLT: privileged; the run loop sees `halted` and waits for an event. */
void exec_HLT(struct vcpu *v, const struct x86_insn *i)
{
	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_HLT, 0, i);
	v->s.halted = true;
}

/* CLAC/STAC: CPL 0 only, #UD in virtual-8086 mode (SDM vol. 2). */
static void set_ac(struct vcpu *v, bool on)
{
	uint64_t f = cpu_get_rflags(&v->s);

	if (cpu_v86_mode(&v->s))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	sys_need_cpl0(v);
	cpu_set_rflags(&v->s, on ? f | RFLAGS_AC : f & ~(uint64_t)RFLAGS_AC);
}

void exec_CLAC(struct vcpu *v, const struct x86_insn *i) { set_ac(v, false); }
void exec_STAC(struct vcpu *v, const struct x86_insn *i) { set_ac(v, true); }
