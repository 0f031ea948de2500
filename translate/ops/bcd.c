/*
 * translate/ops/bcd.c - decimal arithmetic: DAA, DAS, AAA, AAS, AAM, AAD.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names (their Operation sections, followed step by step). All are invalid in
 * 64-bit mode (#UD). Flags the SDM leaves undefined are computed as noted in
 * docs/undefined-flags.md (not checked against hardware: the differential tester runs
 * in 64-bit mode).
 */
#include "translate/ops/int_ops.h"

static void bcd_check_mode(struct vcpu *v)
{
	if (cpu_64bit_mode(&v->s))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}

static uint32_t bcd_flag(bool on, uint32_t flag)
{
	return on ? flag : 0;
}

/* DAA/DAS: adjust AL after a packed-BCD add/subtract. OF is left cleared. */
static void bcd_daa_das(struct vcpu *v, bool sub)
{
	uint32_t f = cc_compute_all(&v->s);
	uint8_t al = (uint8_t)v->s.gpr[R_AX], old_al = al;
	bool old_cf = f & RFLAGS_CF, cf = false, af = false;

	bcd_check_mode(v);
	if ((al & 0xf) > 9 || (f & RFLAGS_AF)) {
		cf = old_cf || (sub ? al < 6 : al > 0xff - 6);
		al = sub ? (uint8_t)(al - 6) : (uint8_t)(al + 6);
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al = sub ? (uint8_t)(al - 0x60) : (uint8_t)(al + 0x60);
		cf = true;
	}
	int_set_reg(v, R_AX, 1, al);
	cc_set_arith(&v->s, int_szp(al, 1) | bcd_flag(cf, RFLAGS_CF) | bcd_flag(af, RFLAGS_AF));
}

void exec_DAA(struct vcpu *v, const struct x86_insn *i) { bcd_daa_das(v, false); }
void exec_DAS(struct vcpu *v, const struct x86_insn *i) { bcd_daa_das(v, true); }

/* AAA/AAS: adjust AL (and AH) after an unpacked-BCD add/subtract. SF, ZF, PF are set
 * from the final AL, OF cleared. */
static void bcd_aaa_aas(struct vcpu *v, bool sub)
{
	uint32_t f = cc_compute_all(&v->s);
	uint16_t ax = (uint16_t)v->s.gpr[R_AX];
	bool adj = (ax & 0xf) > 9 || (f & RFLAGS_AF);

	bcd_check_mode(v);
	if (adj) {
		/* AAS: AX := AX - 6; AH := AH - 1 (the borrow reaches AH, as the SDM says) */
		ax = sub ? (uint16_t)(ax - 6 - 0x100) : (uint16_t)(ax + 0x106);
	}
	ax &= 0xff0f;
	int_set_reg(v, R_AX, 2, ax);
	cc_set_arith(&v->s, int_szp(ax & 0xff, 1) | bcd_flag(adj, RFLAGS_CF | RFLAGS_AF));
}

void exec_AAA(struct vcpu *v, const struct x86_insn *i) { bcd_aaa_aas(v, false); }
void exec_AAS(struct vcpu *v, const struct x86_insn *i) { bcd_aaa_aas(v, true); }

/* AAM imm8: AH = AL / imm8, AL = AL mod imm8; #DE if imm8 is 0. */
void exec_AAM(struct vcpu *v, const struct x86_insn *i)
{
	unsigned base = opnd_read(v, i, 0) & 0xff, al = v->s.gpr[R_AX] & 0xff;

	bcd_check_mode(v);
	if (base == 0)
		cpu_raise(v, EXC_DE, EXC_NO_ERROR);
	int_set_reg(v, R_AX, 2, ((al / base) << 8) | (al % base));
	cc_set_arith(&v->s, int_szp(al % base, 1));
}

/* AAD imm8: AL = (AL + AH * imm8) & FFH, AH = 0. */
void exec_AAD(struct vcpu *v, const struct x86_insn *i)
{
	unsigned base = opnd_read(v, i, 0) & 0xff, ax = v->s.gpr[R_AX] & 0xffff;
	unsigned al = ((ax & 0xff) + (ax >> 8) * base) & 0xff;

	bcd_check_mode(v);
	int_set_reg(v, R_AX, 2, al);
	cc_set_arith(&v->s, int_szp(al, 1));
}
