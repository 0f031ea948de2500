/*
 * cpu/pio.c - port I/O from the CPU: the protected-mode permission checks (IOPL and
 * the TSS I/O permission bitmap) and the bus access.
 *
 * Intel SDM vol. 1 (edition in docs/spec-versions.md), 19.5 (I/O permission),
 * 19.5.2 (the bitmap); vol. 3, 8.2.1 (TSS layout: bitmap base at offset 66H).
 */
#include "cpu/internal.h"

/* SDM vol. 1, 19.5.2: every bit for port..port+size-1 must be clear, and both bytes
 * the processor reads must lie within the TSS limit. */
static bool bitmap_allows(struct vcpu *v, uint16_t port, unsigned size)
{
	const struct seg_cache *tr = &v->s.seg[SEG_TR];
	unsigned type = tr->attr & SEGA_TYPE_MASK;
	uint64_t base, off;
	uint32_t bits;

	if ((type != 9 && type != 11) || tr->limit < 0x67)
		return false;   /* no bitmap in a 16-bit TSS */
	base = (uint16_t)cpu_sys_ld(v, tr->base + 0x66, 2);
	off = base + port / 8;
	if (off + 1 > tr->limit)
		return false;
	bits = (uint32_t)cpu_sys_ld(v, tr->base + off, 2);
	return !((bits >> (port & 7)) & ((1u << size) - 1));
}

void cpu_pio_check(struct vcpu *v, uint16_t port, unsigned size)
{
	const struct cpu_state *s = &v->s;
	unsigned iopl = (unsigned)(s->rflags & RFLAGS_IOPL) >> 12;

	if (cpu_real_mode(s))
		return;
	if (!cpu_v86_mode(s) && cpu_cpl(s) <= iopl)
		return;
	if (!bitmap_allows(v, port, size))
		cpu_raise(v, EXC_GP, 0);
}

uint32_t cpu_pio_in(struct vcpu *v, uint16_t port, unsigned size)
{
	uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	cpu_pio_check(v, port, size);
	if (!v->bus || !v->bus->pio_in)
		return mask;    /* nothing decodes it: all ones */
	return v->bus->pio_in(v->bus->opaque, port, size) & mask;
}

void cpu_pio_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
	uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	cpu_pio_check(v, port, size);
	if (v->bus && v->bus->pio_out)
		v->bus->pio_out(v->bus->opaque, port, size, val & mask);
}
