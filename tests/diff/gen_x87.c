/*
 * tests/diff/gen_x87.c - random x87 states for the x87 forms (F_X87): TOP and stack
 * depth, boundary values in every register (zeros, denormals, pseudo-denormals,
 * unnormals, QNaN/SNaN, infinities, huge and tiny exponents, small integers), every
 * rounding and precision mode, sometimes unmasked exceptions, and now and then a
 * pending one so the next waiting instruction raises #MF on both sides.
 */
#include "diff.h"

#include <string.h>

static void gen_f80(struct diff_rng *r, uint8_t *p)
{
	uint16_t sign = (diff_rand(r) & 1) ? 0x8000 : 0, sexp;
	uint64_t m = diff_rand(r);

	switch (diff_rand(r) % 12) {
	case 0: sexp = sign; m = 0; break;
	case 1: sexp = sign; m >>= 1; break;                            /* denormal */
	case 2: sexp = sign; m |= 1ull << 63; break;                    /* pseudo-denormal */
	case 3: sexp = sign | 0x7fff; m = 1ull << 63; break;            /* infinity */
	case 4: sexp = sign | 0x7fff; m |= 3ull << 62; break;           /* QNaN */
	case 5: sexp = sign | 0x7fff; m = (m >> 2) | 1 | (1ull << 63); break; /* SNaN */
	case 6: sexp = sign | (uint16_t)(1 + diff_rand(r) % 0x7ffe); m >>= 1; break; /* unnormal */
	case 7: sexp = sign | (uint16_t)(0x7ff0 + diff_rand(r) % 15); m |= 1ull << 63; break;
	case 8: sexp = sign | (uint16_t)(1 + diff_rand(r) % 16); m |= 1ull << 63; break;
	case 9:                                                         /* small integers */
		sexp = sign | (uint16_t)(0x3fff + diff_rand(r) % 20);
		m = (m | (1ull << 63)) & ~((1ull << 44) - 1);
		break;
	default: sexp = sign | (uint16_t)(0x3f00 + diff_rand(r) % 0x200); m |= 1ull << 63; break;
	}
	memcpy(p, &m, 8);
	memcpy(p + 8, &sexp, 2);
}

void diff_gen_x87_random(struct diff_rng *r, struct diff_state *s)
{
	unsigned top = (unsigned)(diff_rand(r) % 8), depth = (unsigned)(diff_rand(r) % 9);
	uint16_t fcw, flags;

	/* RC, PC, masks: all masked mostly, otherwise a random subset. */
	fcw = (uint16_t)(0x40 | (diff_rand(r) % 4) << 10 | (diff_rand(r) % 4) << 8);
	fcw |= (diff_rand(r) % 4) ? 0x3f : (uint16_t)(diff_rand(r) & 0x3f);
	/* Sticky flags already set: masked ones; 1 in 16 also an unmasked (pending) one. */
	flags = (uint16_t)(diff_rand(r) & diff_rand(r) & 0x3f);
	if (diff_rand(r) % 16)
		flags &= fcw & 0x3f;
	s->fcw = fcw;
	s->fsw = (uint16_t)((top << 11) | (diff_rand(r) & 0x4700) | flags);
	if (flags & ~fcw & 0x3f)
		s->fsw |= 0x8080;                                       /* ES, B */
	/* ST(0)..ST(depth-1) in use (physical top..top+depth-1); sometimes random tags. */
	s->ftw = 0;
	for (unsigned k = 0; k < depth; k++)
		s->ftw |= (uint8_t)(1u << ((top + k) & 7));
	if ((diff_rand(r) & 7) == 0)
		s->ftw = (uint8_t)diff_rand(r);
	for (unsigned k = 0; k < 8; k++)
		gen_f80(r, s->st[k]);
}
