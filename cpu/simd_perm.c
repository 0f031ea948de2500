/*
 * cpu/simd_perm.c - the SIMD operations that only move data under an immediate
 * (the C rows of cpu/simd_ops.def). Intel SDM vol. 2 (edition in docs/spec-versions.md),
 * each instruction's "Operation" section. Operands as in struct simd_io: d is the
 * destination and first source, s the second source, md/ms for MMX forms; simd_run
 * starts out (out_md) as a copy of d (md), and these functions write the result there.
 */
#include "cpu/simd.h"

#include <string.h>

/* PSHUFD: each destination dword picks a source dword by two bits of imm8. */
void simd_c_pshufd(struct simd_io *io)
{
	union vreg r = io->d;

	for (unsigned i = 0; i < 4; i++)
		r.d[i] = io->s.d[(io->imm >> (2 * i)) & 3];
	memcpy(io->out.b, r.b, 16);
}

/* PSHUFHW: the high four words shuffled, the low quadword copied. */
void simd_c_pshufhw(struct simd_io *io)
{
	union vreg r = io->d;

	r.q[0] = io->s.q[0];
	for (unsigned i = 0; i < 4; i++)
		r.w[4 + i] = io->s.w[4 + ((io->imm >> (2 * i)) & 3)];
	memcpy(io->out.b, r.b, 16);
}

/* PSHUFLW: the low four words shuffled, the high quadword copied. */
void simd_c_pshuflw(struct simd_io *io)
{
	union vreg r = io->d;

	r.q[1] = io->s.q[1];
	for (unsigned i = 0; i < 4; i++)
		r.w[i] = io->s.w[(io->imm >> (2 * i)) & 3];
	memcpy(io->out.b, r.b, 16);
}

/* PSHUFW mm1, mm2/m64, imm8 */
void simd_c_pshufw(struct simd_io *io)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < 4; i++)
		r |= ((io->ms >> (16 * ((io->imm >> (2 * i)) & 3))) & 0xffff) << (16 * i);
	io->out_md = r;
}

/* SHUFPS: the low two dwords come from the destination, the high two from the source. */
void simd_c_shufps(struct simd_io *io)
{
	union vreg r = io->d;
	unsigned imm = io->imm;

	r.d[0] = io->d.d[imm & 3];
	r.d[1] = io->d.d[(imm >> 2) & 3];
	r.d[2] = io->s.d[(imm >> 4) & 3];
	r.d[3] = io->s.d[(imm >> 6) & 3];
	memcpy(io->out.b, r.b, 16);
}

void simd_c_shufpd(struct simd_io *io)
{
	uint64_t lo = io->d.q[io->imm & 1], hi = io->s.q[(io->imm >> 1) & 1];

	io->out.q[0] = lo;
	io->out.q[1] = hi;
}

/* PALIGNR: (dest:src) shifted right by imm8 bytes; counts past the pair give zeros. */
void simd_c_palignr(struct simd_io *io)
{
	uint8_t cat[32];

	memcpy(cat, io->s.b, 16);
	memcpy(cat + 16, io->d.b, 16);
	for (unsigned i = 0; i < 16; i++)
		io->out.b[i] = i + io->imm < 32 ? cat[i + io->imm] : 0;
}

void simd_c_palignr_mm(struct simd_io *io)
{
	uint8_t cat[16], r[8];

	memcpy(cat, &io->ms, 8);
	memcpy(cat + 8, &io->md, 8);
	for (unsigned i = 0; i < 8; i++)
		r[i] = i + io->imm < 16 ? cat[i + io->imm] : 0;
	memcpy(&io->out_md, r, 8);
}

void simd_c_pblendw(struct simd_io *io)
{
	for (unsigned i = 0; i < 8; i++)
		if (io->imm & (1u << i))
			io->out.w[i] = io->s.w[i];
}

void simd_c_blendps(struct simd_io *io)
{
	for (unsigned i = 0; i < 4; i++)
		if (io->imm & (1u << i))
			io->out.d[i] = io->s.d[i];
}

void simd_c_blendpd(struct simd_io *io)
{
	for (unsigned i = 0; i < 2; i++)
		if (io->imm & (1u << i))
			io->out.q[i] = io->s.q[i];
}

/* INSERTPS: source dword imm8[7:6] into destination dword imm8[5:4], then zero the
 * dwords of imm8[3:0]. For the m32 form the handler puts the loaded dword at
 * s.d[imm8[7:6]], which gives the SDM's "count_s ignored" result. */
void simd_c_insertps(struct simd_io *io)
{
	unsigned imm = io->imm;

	io->out.d[(imm >> 4) & 3] = io->s.d[(imm >> 6) & 3];
	for (unsigned i = 0; i < 4; i++)
		if (imm & (1u << i))
			io->out.d[i] = 0;
}

/* PSLLDQ/PSRLDQ xmm, imm8: byte shifts of the destination; counts over 15 clear it. */
void simd_c_pslldq(struct simd_io *io)
{
	uint8_t r[16] = { 0 };

	for (unsigned i = io->imm; i < 16; i++)
		r[i] = io->d.b[i - io->imm];
	memcpy(io->out.b, r, 16);
}

void simd_c_psrldq(struct simd_io *io)
{
	uint8_t r[16] = { 0 };

	for (unsigned i = 0; i + io->imm < 16; i++)
		r[i] = io->d.b[i + io->imm];
	memcpy(io->out.b, r, 16);
}
