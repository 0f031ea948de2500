/*
 * cpu/seg.c - segment descriptors: reading them from the GDT/LDT, decoding them into
 * segment caches, and the checks of loading a segment register.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 3.4.2 (selectors), 3.4.5
 * (descriptors), 3.5 (system descriptors, 64-bit forms in 7.2.3/8.2.3), 5.5-5.10
 * (privilege checks); vol. 2, MOV/POP/LDS (protected-mode operation).
 */
#include "cpu/internal.h"

bool cpu_desc_read(struct vcpu *v, uint16_t sel, uint64_t *raw, bool wide)
{
	uint64_t base, limit;
	unsigned off = sel & ~7u;
	unsigned size = wide ? 16 : 8;

	if (sel & 4) {
		const struct seg_cache *ldt = &v->s.seg[SEG_LDTR];

		if (ldt->attr & SEGA_UNUSABLE)
			return false;
		base = ldt->base;
		limit = ldt->limit;
	} else {
		base = v->s.gdtr.base;
		limit = v->s.gdtr.limit;
	}
	if ((uint64_t)off + size - 1 > limit)
		return false;
	if (!cpu_long_mode(&v->s))
		base = (uint32_t)base;
	raw[0] = cpu_sys_ld(v, base + off, 8);
	if (wide)
		raw[1] = cpu_sys_ld(v, base + off + 8, 8);
	return true;
}

void cpu_desc_decode(const uint64_t *raw, uint16_t sel, struct seg_cache *sc, bool wide)
{
	uint64_t d = raw[0];
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

	sc->sel = sel;
	sc->attr = (uint32_t)((d >> 40) & 0xf0ff);
	sc->limit = (sc->attr & SEGA_G) ? (limit << 12) | 0xfff : limit;
	sc->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	if (wide)
		sc->base |= (raw[1] & 0xffffffffu) << 32;
}

/* SDM vol. 3, 3.4.5: the accessed bit (type bit 0) of a code/data descriptor is set
 * when the selector is loaded. */
void cpu_desc_set_accessed(struct vcpu *v, uint16_t sel, uint64_t raw)
{
	uint64_t base = (sel & 4) ? v->s.seg[SEG_LDTR].base : v->s.gdtr.base;

	if (raw & (1ull << 40))
		return;
	if (!cpu_long_mode(&v->s))
		base = (uint32_t)base;
	cpu_sys_st(v, base + (sel & ~7u) + 5, 1, (uint8_t)(raw >> 40) | 1);
}

static void seg_null(struct seg_cache *sc, uint16_t sel)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0;
	sc->attr = SEGA_UNUSABLE;
}

/* Real and virtual-8086 mode: base = selector * 16 (SDM vol. 3, 20.1.1, 20.2). */
static void seg_real(struct vcpu *v, unsigned seg, uint16_t sel, struct seg_cache *sc)
{
	*sc = v->s.seg[seg];
	sc->sel = sel;
	sc->base = (uint64_t)sel << 4;
	if (cpu_v86_mode(&v->s)) {
		sc->limit = 0xffff;
		sc->attr = SEGA_P | SEGA_S | (3u << SEGA_DPL_SHIFT) | (seg == SEG_CS ? 0xb : 0x3);
	} else {
		sc->attr &= ~SEGA_UNUSABLE;
	}
}

static void check_ss(struct vcpu *v, uint16_t sel, const struct seg_cache *sc)
{
	unsigned cpl = cpu_cpl(&v->s), type = sc->attr & SEGA_TYPE_MASK;
	unsigned dpl = (sc->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;

	/* vol. 2, MOV: RPL and DPL equal CPL, a writable data segment, present. */
	if ((sel & 3) != cpl || dpl != cpl || !(sc->attr & SEGA_S) || (type & 8) || !(type & 2))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(sc->attr & SEGA_P))
		cpu_raise(v, EXC_SS, sel & ~3u);
}

static void check_data(struct vcpu *v, uint16_t sel, const struct seg_cache *sc)
{
	unsigned cpl = cpu_cpl(&v->s), type = sc->attr & SEGA_TYPE_MASK;
	unsigned dpl = (sc->attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;

	/* Data or readable code; unless conforming code, DPL >= max(CPL, RPL). */
	if (!(sc->attr & SEGA_S) || ((type & 8) && !(type & 2)))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!((type & 8) && (type & 4)) && ((sel & 3) > dpl || cpl > dpl))
		cpu_raise(v, EXC_GP, sel & ~3u);
	if (!(sc->attr & SEGA_P))
		cpu_raise(v, EXC_NP, sel & ~3u);
}

void cpu_seg_check_load(struct vcpu *v, unsigned seg, uint16_t sel, struct seg_cache *sc,
			uint64_t *raw)
{
	uint64_t d[2];

	*raw = 0;
	if (cpu_real_mode(&v->s) || cpu_v86_mode(&v->s)) {
		seg_real(v, seg, sel, sc);
		return;
	}
	if ((sel & ~3u) == 0) {
		/* Null: DS/ES/FS/GS load it and fault on use; SS only in 64-bit mode at
		 * CPL < 3 with RPL = CPL (vol. 2, MOV; SDM vol. 3, 5.4.1.1). */
		if (seg == SEG_SS && !(cpu_64bit_mode(&v->s) && cpu_cpl(&v->s) < 3 &&
				       (sel & 3) == cpu_cpl(&v->s)))
			cpu_raise(v, EXC_GP, 0);
		seg_null(sc, sel);
		if (seg == SEG_SS)
			sc->attr |= (uint32_t)(sel & 3) << SEGA_DPL_SHIFT;
		return;
	}
	if (!cpu_desc_read(v, sel, d, false))
		cpu_raise(v, EXC_GP, sel & ~3u);
	cpu_desc_decode(d, sel, sc, false);
	if (seg == SEG_SS)
		check_ss(v, sel, sc);
	else
		check_data(v, sel, sc);
	*raw = d[0];
}

void cpu_seg_commit(struct vcpu *v, unsigned seg, const struct seg_cache *sc, uint64_t raw)
{
	if (raw)
		cpu_desc_set_accessed(v, sc->sel, raw);
	v->s.seg[seg] = *sc;
	if (raw)
		v->s.seg[seg].attr |= 1;        /* the cache holds the accessed type too */
}

void cpu_load_seg(struct vcpu *v, unsigned seg, uint16_t sel)
{
	struct seg_cache sc;
	uint64_t raw;

	cpu_seg_check_load(v, seg, sel, &sc, &raw);
	cpu_seg_commit(v, seg, &sc, raw);
}
