/*
 * translate/ops/x87.c - the x87 execution path shared by the x87 handler files:
 * availability and pending-exception checks, running a form on the host unit, and
 * the FOP/FIP/FDP bookkeeping. Intel SDM vol. 1 (edition in docs/spec-versions.md),
 * chapter 8.
 */
#include "translate/ops/x87.h"

#include <string.h>

void x87_begin(struct vcpu *v, bool waiting)
{
	fpu_check_avail(v, false);
	if (waiting)
		fpu_check_pending(v);
}

/*
 * SDM vol. 1, 8.1.8/8.1.9: FIP/FCS hold the instruction's address (the full RIP in
 * 64-bit mode), FOP the low 3 bits of the first opcode byte and the ModRM byte,
 * FDP/FDS the memory operand's offset and selector when there is one.
 */
void x87_note(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;

	s->fop = (uint16_t)(((i->opcode & 7) << 8) | i->modrm);
	s->fip = s->rip;
	s->fcs = s->seg[SEG_CS].sel;
	if (i->mod != 3) {
		s->fdp = insn_ea(v, i);
		s->fds = i->seg < SEG_COUNT ? s->seg[i->seg].sel : 0;
	}
}

/* The x87 state a store instruction changes, kept aside while its store is tried. */
struct x87_regs {
	struct fpreg st[8];
	uint16_t fsw, ftw;
};

static void x87_save_regs(const struct cpu_state *s, struct x87_regs *r)
{
	memcpy(r->st, s->st, sizeof(r->st));
	r->fsw = s->fsw;
	r->ftw = s->ftw;
}

static void x87_load_regs(struct cpu_state *s, const struct x87_regs *r)
{
	memcpy(s->st, r->st, sizeof(r->st));
	s->fsw = r->fsw;
	s->ftw = r->ftw;
}

/* FCMOVcc (DA/DB C0-DF) read RFLAGS; FUCOMI/FCOMI/FUCOMIP/FCOMIP (DB/DF E8-F7) write it. */
static bool form_uses_rflags(uint8_t op, uint8_t modrm)
{
	if (op == 0xda || op == 0xdb)
		return modrm < 0xe0 || (op == 0xdb && modrm >= 0xe8 && modrm < 0xf8);
	return op == 0xdf && modrm >= 0xe8 && modrm < 0xf8;
}

void x87_run(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint8_t buf[16] = { 0 };
	bool mem = i->mod != 3, store = false, flags;
	unsigned size = 0;
	uint64_t ea = 0, fl = 0;
	uint8_t modrm;
	uint16_t raised;
	struct x87_regs before, after;

	modrm = mem ? (uint8_t)(((i->regf & 7) << 3) | 7) : (uint8_t)(0xc0 | (i->modrm & 0x3f));
	if (!fpu_host_form_ok(i->opcode, modrm)) {
		cpu_log_unimp("x87 form", ((uint64_t)i->opcode << 8) | i->modrm, NULL);
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	}
	x87_begin(v, true);
	if (mem) {
		size = fpu_mem_form(i->opcode, i->regf & 7, &store);
		ea = insn_ea(v, i);
		if (!store)
			cpu_ld_buf(v, i->seg, ea, buf, size);
	}
	flags = !mem && form_uses_rflags(i->opcode, modrm);
	if (flags)
		fl = cpu_get_rflags(s);
	if (store)
		x87_save_regs(s, &before);
	raised = fpu_host_exec(s, i->opcode, modrm, mem ? buf : NULL, &fl);
	if (flags)
		cpu_set_rflags(s, fl);
	/* SDM vol. 1, 8.5.1-8.5.5: an unmasked invalid, denormal, overflow or underflow
	 * leaves a memory destination unchanged; an unmasked precision stores. Such a
	 * suppressed store does not fault either (as on the hardware), so the store is
	 * attempted only now, with the state as it was before in case it faults. */
	if (store && !(raised & ~s->fcw & (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE))) {
		x87_save_regs(s, &after);
		x87_load_regs(s, &before);
		cpu_st_buf(v, i->seg, ea, buf, size);
		x87_load_regs(s, &after);
	}
	x87_note(v, i);
}
