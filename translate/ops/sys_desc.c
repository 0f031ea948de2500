/*
 * translate/ops/sys_desc.c - descriptor-table instructions: LGDT, LIDT, SGDT, SIDT,
 * LLDT, SLDT, LTR, STR, and the descriptor queries LAR, LSL, VERR, VERW, ARPL.
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages; vol. 3,
 * 3.5.1 (tables), 7.2.4 (TR), 5.x (privilege).
 *
 * Intercept info (ICPT_DESC_TABLE), as the VMX exit qualification's instruction
 * identity: 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT; 4 SLDT, 5 STR, 6 LLDT, 7 LTR.
 */
#include "translate/ops/sys.h"

enum { DT_SGDT, DT_SIDT, DT_LGDT, DT_LIDT, DT_SLDT, DT_STR, DT_LLDT, DT_LTR };

/* The pseudo-descriptor: limit (2 bytes) then base (3 bytes with a 16-bit operand,
 * 4, or 8 in 64-bit mode). */
static void load_dtable(struct vcpu *v, const struct x86_insn *i, struct dtable *dt, int id)
{
	uint64_t limit, base;

	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_DESC_TABLE, (uint64_t)id, i);
	limit = cpu_ld(v, i->seg, insn_ea(v, i), 2);
	if (i->mode == 8) {
		base = cpu_ld(v, i->seg, sys_ea_plus(v, i, 2), 8);
		if (!cpu_canonical_addr(v, base))
			cpu_raise(v, EXC_GP, 0);
	} else {
		base = cpu_ld(v, i->seg, sys_ea_plus(v, i, 2), 4);
		if (i->opsize == 2)
			base &= 0xffffff;
	}
	dt->base = base;
	dt->limit = (uint32_t)limit;
}

static void store_dtable(struct vcpu *v, const struct x86_insn *i, const struct dtable *dt, int id)
{
	unsigned bsize = i->mode == 8 ? 8 : 4;

	sys_umip(v);
	cpu_intercept(v, ICPT_DESC_TABLE, (uint64_t)id, i);
	cpu_probe(v, i->seg, insn_ea(v, i), 2 + bsize, ACC_WRITE);
	cpu_st(v, i->seg, insn_ea(v, i), 2, dt->limit & 0xffff);
	/* 16-bit operand: bits 31:24 of the stored base are 0 (as QEMU does) */
	cpu_st(v, i->seg, sys_ea_plus(v, i, 2), bsize,
	       i->opsize == 2 && bsize == 4 ? dt->base & 0xffffff : dt->base);
}

void exec_LGDT(struct vcpu *v, const struct x86_insn *i) { load_dtable(v, i, &v->s.gdtr, DT_LGDT); }
void exec_LIDT(struct vcpu *v, const struct x86_insn *i) { load_dtable(v, i, &v->s.idtr, DT_LIDT); }
void exec_SGDT(struct vcpu *v, const struct x86_insn *i) { store_dtable(v, i, &v->s.gdtr, DT_SGDT); }
void exec_SIDT(struct vcpu *v, const struct x86_insn *i) { store_dtable(v, i, &v->s.idtr, DT_SIDT); }

/* SLDT/STR: a register destination gets the selector zero-extended to the operand
 * size, memory gets 16 bits (vol. 2, SLDT/STR). */
static void store_sel(struct vcpu *v, const struct x86_insn *i, unsigned seg, int id)
{
	sys_need_prot(v);
	sys_umip(v);
	cpu_intercept(v, ICPT_DESC_TABLE, (uint64_t)id, i);
	opnd_write(v, i, 0, v->s.seg[seg].sel);
}

void exec_SLDT(struct vcpu *v, const struct x86_insn *i) { store_sel(v, i, SEG_LDTR, DT_SLDT); }
void exec_STR(struct vcpu *v, const struct x86_insn *i) { store_sel(v, i, SEG_TR, DT_STR); }

/* LLDT/LTR: a system descriptor from the GDT (16 bytes in IA-32e mode). */
static void load_sys_desc(struct vcpu *v, uint16_t sel, uint64_t *raw, struct seg_cache *sc)
{
	bool lm = cpu_long_mode(&v->s);

	if (sel & 4)
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!cpu_desc_read(v, sel, raw, lm))
		cpu_raise(v, EXC_GP, sel & ~3u);
	cpu_desc_decode(raw, sel, sc, lm);
	/* 64-bit system descriptors: the upper type field (bits 12:8 of the last dword)
	 * must be 0 (SDM vol. 3, 7.2.3, figure 7-4) */
	if (lm && (((raw[1] >> 40) & 0x1f) || !cpu_canonical_addr(v, sc->base)))
		cpu_raise(v, EXC_GP, sel & ~3u);
}

void exec_LLDT(struct vcpu *v, const struct x86_insn *i)
{
	uint16_t sel;
	uint64_t raw[2];
	struct seg_cache sc;

	sys_need_prot(v);
	sys_need_cpl0(v);
	sel = (uint16_t)opnd_read(v, i, 0);
	cpu_intercept(v, ICPT_DESC_TABLE, DT_LLDT, i);
	if (!(sel & ~3u)) {
		v->s.seg[SEG_LDTR] = (struct seg_cache){ .sel = sel, .attr = SEGA_UNUSABLE };
		return;
	}
	load_sys_desc(v, sel, raw, &sc);
	if ((sc.attr & SEGA_S) || (sc.attr & SEGA_TYPE_MASK) != 2)
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(sc.attr & SEGA_P))
		cpu_raise(v, EXC_NP, sel & ~3u);
	v->s.seg[SEG_LDTR] = sc;
}

void exec_LTR(struct vcpu *v, const struct x86_insn *i)
{
	uint16_t sel;
	uint64_t raw[2];
	struct seg_cache sc;
	unsigned type;

	sys_need_prot(v);
	sys_need_cpl0(v);
	sel = (uint16_t)opnd_read(v, i, 0);
	cpu_intercept(v, ICPT_DESC_TABLE, DT_LTR, i);
	if (!(sel & ~3u))
		cpu_raise(v, EXC_GP, 0);
	load_sys_desc(v, sel, raw, &sc);
	type = sc.attr & SEGA_TYPE_MASK;
	/* An available TSS: 32/64-bit (9), or 16-bit (1) outside IA-32e mode. */
	if ((sc.attr & SEGA_S) || (type != 9 && (type != 1 || cpu_long_mode(&v->s))))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(sc.attr & SEGA_P))
		cpu_raise(v, EXC_NP, sel & ~3u);
	/* Mark it busy in the GDT and in TR (vol. 2, LTR). */
	cpu_sys_st(v, (cpu_long_mode(&v->s) ? v->s.gdtr.base : (uint32_t)v->s.gdtr.base) +
		   (sel & ~7u) + 5, 1, ((raw[0] >> 40) & 0xff) | 2);
	sc.attr |= 2;
	v->s.seg[SEG_TR] = sc;
}

/* ---------------------------------------------------------------- queries */

/* Descriptor types LAR/LSL accept besides code and data (vol. 2, LAR and LSL tables). */
static bool sys_type_ok(const struct vcpu *v, unsigned type, bool lsl)
{
	if (cpu_long_mode(&v->s))
		return type == 2 || type == 9 || type == 11 || (!lsl && type == 12);
	switch (type) {
	case 1: case 2: case 3: case 9: case 11:
		return true;
	case 4: case 5: case 12:
		return !lsl;    /* gates have no limit */
	default:
		return false;
	}
}

/* Read sel's descriptor for LAR/LSL/VERR/VERW: false when it is null, out of the
 * table, or fails the privilege check (DPL >= CPL and RPL, except conforming code). */
static bool query_desc(struct vcpu *v, uint16_t sel, uint64_t *raw, struct seg_cache *sc,
		       bool wide_ok)
{
	unsigned dpl;

	if (!(sel & ~3u))
		return false;
	if (!cpu_desc_read(v, sel, raw, false))
		return false;
	cpu_desc_decode(raw, sel, sc, false);
	dpl = (sc->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
	if ((sc->attr & SEGA_S) && (sc->attr & 0xc) == 0xc)
		return true;    /* conforming code */
	if (!(sc->attr & SEGA_S) && wide_ok && cpu_long_mode(&v->s)) {
		if (!cpu_desc_read(v, sel, raw, true) || ((raw[1] >> 40) & 0x1f))
			return false;
		cpu_desc_decode(raw, sel, sc, true);
	}
	return dpl >= cpu_cpl(&v->s) && dpl >= (sel & 3u);
}

static void lar_lsl(struct vcpu *v, const struct x86_insn *i, bool lsl)
{
	uint16_t sel;
	uint64_t raw[2];
	struct seg_cache sc;
	bool ok;

	sys_need_prot(v);
	sel = (uint16_t)opnd_read(v, i, 1);
	ok = query_desc(v, sel, raw, &sc, true);
	if (ok && !(sc.attr & SEGA_S))
		ok = sys_type_ok(v, sc.attr & SEGA_TYPE_MASK, lsl);
	if (ok) {
		uint64_t val = lsl ? sc.limit : (raw[0] >> 32) & 0x00f0ff00u;

		gpr_write(&v->s, i->opnd[0].reg, i->opsize, false, val);
	}
	sys_set_zf(v, ok);
}

void exec_LAR(struct vcpu *v, const struct x86_insn *i) { lar_lsl(v, i, false); }
void exec_LSL(struct vcpu *v, const struct x86_insn *i) { lar_lsl(v, i, true); }

static void verify(struct vcpu *v, const struct x86_insn *i, bool write)
{
	uint64_t raw[2];
	struct seg_cache sc;
	bool ok;
	unsigned type;

	sys_need_prot(v);
	ok = query_desc(v, (uint16_t)opnd_read(v, i, 0), raw, &sc, false);
	type = sc.attr & SEGA_TYPE_MASK;
	if (ok)
		ok = (sc.attr & SEGA_S) &&
		     (write ? !(type & 8) && (type & 2) : !(type & 8) || (type & 2));
	sys_set_zf(v, ok);
}

void exec_VERR(struct vcpu *v, const struct x86_insn *i) { verify(v, i, false); }
void exec_VERW(struct vcpu *v, const struct x86_insn *i) { verify(v, i, true); }

void exec_ARPL(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t dst, src;

	sys_need_prot(v);
	dst = opnd_read(v, i, 0);
	src = opnd_read(v, i, 1);
	if ((dst & 3) < (src & 3)) {
		opnd_write(v, i, 0, (dst & ~3ull) | (src & 3));
		sys_set_zf(v, true);
	} else {
		sys_set_zf(v, false);
	}
}
