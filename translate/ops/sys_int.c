/*
 * translate/ops/sys_int.c - software interrupts (INT n, INT3, INTO, INT1), CLI/STI,
 * HLT, CLAC/STAC. Intel SDM vol. 2 (edition in docs/spec-versions.md), the
 * instruction pages; vol. 3, 6.8.1 (IF), 6.8.3 (STI shadow), 20.3 (virtual-8086).
 * Delivery itself is cpu/excp.c's (cpu_deliver_event).
 */
#include "translate/ops/sys.h"

/*
 * Virtual-8086 mode with CR4.VME: bit n of the interrupt redirection bitmap, the 32
 * bytes below the I/O map base of the (32-bit) TSS (SDM vol. 3, 20.3.3.5, figure
 * 20-5). Outside the TSS limit: #GP(0).
 */
static bool v86_int_redirected(struct vcpu *v, unsigned vec)
{
	const struct seg_cache *tr = &v->s.seg[SEG_TR];
	unsigned type = tr->attr & SEGA_TYPE_MASK;
	uint64_t off;

	if ((type != 9 && type != 11) || tr->limit < 0x67)
		cpu_raise(v, EXC_GP, 0);
	off = (uint16_t)cpu_sys_ld(v, tr->base + 0x66, 2) - 32 + vec / 8;
	if (off > tr->limit || off < 0x68 - 32)
		cpu_raise(v, EXC_GP, 0);
	return !((cpu_sys_ld(v, tr->base + off, 1) >> (vec & 7)) & 1);
}

/*
 * Redirect INT n to the 8086 program's own handler through its interrupt vector
 * table at linear 0 (SDM vol. 3, 20.3.3.5, table 20-2 methods 5 and 6): push FLAGS,
 * CS, IP on the 16-bit stack and load CS:IP from the IVT. IOPL = 3 (method 5) clears
 * IF; otherwise (method 6) the image has IF = VIF and IOPL = 3, and VIF is cleared.
 * TF is cleared either way. Faults happen before SP, CS or IP change.
 */
static void v86_redirect(struct vcpu *v, unsigned vec, uint64_t next_ip)
{
	struct cpu_state *s = &v->s;
	uint64_t f = cpu_get_rflags(s), image = f & 0xffff;
	uint32_t ivt = (uint32_t)cpu_ld(v, SEG_NONE, vec * 4ull, 4);
	uint16_t sp = (uint16_t)s->gpr[4];
	bool iopl3 = sys_iopl(v) == 3;

	if (!iopl3)
		image = (image & ~(uint64_t)RFLAGS_IF) | RFLAGS_IOPL |
			((f & RFLAGS_VIF) ? RFLAGS_IF : 0);
	cpu_st(v, SEG_SS, (uint16_t)(sp - 2), 2, image);
	cpu_st(v, SEG_SS, (uint16_t)(sp - 4), 2, s->seg[SEG_CS].sel);
	cpu_st(v, SEG_SS, (uint16_t)(sp - 6), 2, (uint16_t)next_ip);
	gpr_write(s, 4, 2, false, (uint16_t)(sp - 6));
	f &= ~(uint64_t)(RFLAGS_TF | (iopl3 ? RFLAGS_IF : RFLAGS_VIF));
	cpu_set_rflags(s, f);
	s->seg[SEG_CS].sel = (uint16_t)(ivt >> 16);
	s->seg[SEG_CS].base = (uint64_t)(ivt >> 16) << 4;
	s->rip = (uint16_t)ivt;
}

void exec_INT(struct vcpu *v, const struct x86_insn *i)
{
	unsigned vec = (unsigned)(i->imm & 0xff);

	/* Virtual-8086 mode (SDM vol. 3, 20.3.3, table 20-2): without VME, IOPL < 3 is
	 * #GP(0) (method 2) and IOPL = 3 uses the IDT (1); with VME, a clear bit in the
	 * redirection bitmap sends it to the 8086 handler (5, 6), a set bit to the IDT
	 * with IOPL = 3 (4) or to #GP(0) (3). */
	if (cpu_v86_mode(&v->s)) {
		bool iopl3 = sys_iopl(v) == 3;

		if (v->s.cr4 & CR4_VME) {
			if (v86_int_redirected(v, vec)) {
				cpu_intercept(v, ICPT_INT_N, vec, i);
				v86_redirect(v, vec, insn_next_rip(v, i));
				return;
			}
		}
		if (!iopl3)
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
