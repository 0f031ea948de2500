/*
 * cpu/flags.c - lazy arithmetic flags (the representation is documented at
 * enum cc_op in cpu/cpu.h).
 *
 * Intel SDM vol. 1 (edition in docs/spec-versions.md), 3.4.3.1 (status flags) and
 * appendix A (EFLAGS cross-reference); condition codes from vol. 1, appendix B.
 *
 * The values recorded by cc_set() may carry bits above the operand size (the
 * translator stores whole host registers); every computation here masks them.
 * Flags the SDM leaves undefined are computed as the Intel processors this project
 * is checked against do; docs/undefined-flags.md lists them.
 */
#include "cpu/cpu.h"

static inline unsigned cc_size_index(uint32_t op)
{
	return (op - 1) & 3;
}

static inline uint64_t cc_mask(unsigned idx)
{
	return idx == 3 ? ~0ull : (1ull << (8u << idx)) - 1;
}

static inline uint64_t cc_signbit(unsigned idx)
{
	return 1ull << ((8u << idx) - 1);
}

/* PF: set if the low byte of the result has an even number of 1 bits. */
static inline uint32_t cc_pf(uint64_t res)
{
	return __builtin_parity((unsigned)(res & 0xff)) ? 0 : RFLAGS_PF;
}

/* ZF, SF and PF of a result of the given size. */
static inline uint32_t cc_szp(uint64_t res, unsigned idx)
{
	uint32_t f = cc_pf(res);

	res &= cc_mask(idx);
	if (res == 0)
		f |= RFLAGS_ZF;
	if (res & cc_signbit(idx))
		f |= RFLAGS_SF;
	return f;
}

/* Addition a + b + cin = res: CF, OF, AF (SDM vol. 1, 3.4.3.1). */
static uint32_t cc_add_flags(uint64_t a, uint64_t b, uint64_t res, unsigned cin, unsigned idx)
{
	uint64_t m = cc_mask(idx);
	uint32_t f = cc_szp(res, idx);

	a &= m;
	b &= m;
	res &= m;
	if (cin ? res <= a : res < a)
		f |= RFLAGS_CF;
	if ((~(a ^ b) & (a ^ res)) & cc_signbit(idx))
		f |= RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= RFLAGS_AF;
	return f;
}

/* Subtraction a - b - bin = res. */
static uint32_t cc_sub_flags(uint64_t a, uint64_t b, uint64_t res, unsigned bin, unsigned idx)
{
	uint64_t m = cc_mask(idx);
	uint32_t f = cc_szp(res, idx);

	a &= m;
	b &= m;
	res &= m;
	if (bin ? a <= b : a < b)
		f |= RFLAGS_CF;
	if (((a ^ b) & (a ^ res)) & cc_signbit(idx))
		f |= RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= RFLAGS_AF;
	return f;
}

/* Which group of four (B/W/L/Q) an op belongs to: CC_OP_ADDB..Q is group 0. */
enum cc_group {
	CC_G_ADD, CC_G_ADC, CC_G_SUB, CC_G_SBB, CC_G_LOGIC, CC_G_INC, CC_G_DEC,
	CC_G_SHL, CC_G_SAR, CC_G_MUL,
};

uint32_t cc_compute_all(const struct cpu_state *s)
{
	uint32_t op = s->cc_op;
	uint64_t dst = s->cc_dst, src = s->cc_src;
	unsigned idx, bits;
	uint32_t f;

	if (op == CC_OP_EFLAGS || op >= CC_OP_COUNT)
		return (uint32_t)s->rflags & RFLAGS_ARITH;
	idx = cc_size_index(op);
	bits = 8u << idx;
	switch ((enum cc_group)((op - 1) >> 2)) {
	case CC_G_ADD:
		return cc_add_flags(dst - src, src, dst, 0, idx);
	case CC_G_ADC:
		return cc_add_flags(dst - src - (s->cc_src2 & 1), src, dst, s->cc_src2 & 1, idx);
	case CC_G_SUB:
		return cc_sub_flags(dst + src, src, dst, 0, idx);
	case CC_G_SBB:
		return cc_sub_flags(dst + src + (s->cc_src2 & 1), src, dst, s->cc_src2 & 1, idx);
	case CC_G_LOGIC:
		/* SDM vol. 2, AND: CF = OF = 0, AF undefined (0 on Intel). */
		return cc_szp(dst, idx);
	case CC_G_INC:
		f = cc_szp(dst, idx) | (src ? RFLAGS_CF : 0);
		if ((dst & cc_mask(idx)) == cc_signbit(idx))
			f |= RFLAGS_OF;
		if ((dst & 0xf) == 0)
			f |= RFLAGS_AF;
		return f;
	case CC_G_DEC:
		f = cc_szp(dst, idx) | (src ? RFLAGS_CF : 0);
		if ((dst & cc_mask(idx)) == cc_signbit(idx) - 1)
			f |= RFLAGS_OF;
		if ((dst & 0xf) == 0xf)
			f |= RFLAGS_AF;
		return f;
	case CC_G_SHL:
		/* CF = last bit shifted out; OF = MSB(result) ^ CF, the SDM's rule for a
		 * count of 1; AF undefined (0 on Intel). SDM vol. 2, SAL/SAR/SHL/SHR. For
		 * counts > 1 Intel's OF differs: shift.c records those flags eagerly. */
		f = cc_szp(dst, idx);
		if ((src >> (bits - 1)) & 1)
			f |= RFLAGS_CF;
		if ((src ^ dst) & cc_signbit(idx))
			f |= RFLAGS_OF;
		return f;
	case CC_G_SAR:
		/* CF = last bit shifted out. OF: SAR 0, SHR the original MSB; both are
		 * MSB(src ^ dst) because src is the value before its last 1-bit shift. */
		f = cc_szp(dst, idx);
		if (src & 1)
			f |= RFLAGS_CF;
		if ((src ^ dst) & cc_signbit(idx))
			f |= RFLAGS_OF;
		return f;
	case CC_G_MUL:
		/* CF = OF = high half significant. SF, ZF, AF, PF undefined: Intel sets SF
		 * and PF from the low result and clears ZF and AF. */
		f = cc_pf(dst) | ((dst & cc_signbit(idx)) ? RFLAGS_SF : 0);
		if (src)
			f |= RFLAGS_CF | RFLAGS_OF;
		return f;
	}
	return (uint32_t)s->rflags & RFLAGS_ARITH;
}

uint32_t cc_compute_cf(const struct cpu_state *s)
{
	uint32_t op = s->cc_op;
	uint64_t m;

	if (op == CC_OP_EFLAGS || op >= CC_OP_COUNT)
		return (uint32_t)s->rflags & RFLAGS_CF;
	m = cc_mask(cc_size_index(op));
	switch ((enum cc_group)((op - 1) >> 2)) {
	case CC_G_ADD:
		return (s->cc_dst & m) < (s->cc_src & m) ? RFLAGS_CF : 0;
	case CC_G_SUB:
		return ((s->cc_dst + s->cc_src) & m) < (s->cc_src & m) ? RFLAGS_CF : 0;
	case CC_G_LOGIC:
		return 0;
	case CC_G_INC:
	case CC_G_DEC:
		return s->cc_src ? RFLAGS_CF : 0;
	default:
		return cc_compute_all(s) & RFLAGS_CF;
	}
}

/* Signed value of x in an operand of size index idx. */
static inline int64_t cc_sext(uint64_t x, unsigned idx)
{
	unsigned sh = 64 - (8u << idx);

	return (int64_t)(x << sh) >> sh;
}

/* Conditions straight from a recorded SUB/CMP, the common Jcc case. Returns -1 if
 * the condition needs the generic path. */
static int cc_eval_sub(const struct cpu_state *s, unsigned cc)
{
	unsigned idx = cc_size_index(s->cc_op);
	uint64_t m = cc_mask(idx);
	uint64_t b = s->cc_src & m, a = (s->cc_dst + s->cc_src) & m;
	bool r;

	switch (cc >> 1) {
	case 1: r = a < b; break;                           /* B */
	case 2: r = a == b; break;                          /* E */
	case 3: r = a <= b; break;                          /* BE */
	case 6: r = cc_sext(a, idx) < cc_sext(b, idx); break;   /* L */
	case 7: r = cc_sext(a, idx) <= cc_sext(b, idx); break;  /* LE */
	default: return -1;
	}
	return r ^ (cc & 1);
}

bool cc_eval(const struct cpu_state *s, unsigned cc)
{
	uint32_t f;
	bool r;

	cc &= 15;
	if (s->cc_op >= CC_OP_SUBB && s->cc_op <= CC_OP_SUBQ) {
		int q = cc_eval_sub(s, cc);

		if (q >= 0)
			return q;
	}
	f = cc_compute_all(s);
	/* SDM vol. 1, table B-1 */
	switch (cc >> 1) {
	case 0: r = f & RFLAGS_OF; break;                               /* O */
	case 1: r = f & RFLAGS_CF; break;                               /* B/C */
	case 2: r = f & RFLAGS_ZF; break;                               /* E/Z */
	case 3: r = f & (RFLAGS_CF | RFLAGS_ZF); break;                 /* BE */
	case 4: r = f & RFLAGS_SF; break;                               /* S */
	case 5: r = f & RFLAGS_PF; break;                               /* P */
	case 6: r = !(f & RFLAGS_SF) != !(f & RFLAGS_OF); break;        /* L */
	default: r = (f & RFLAGS_ZF) || !(f & RFLAGS_SF) != !(f & RFLAGS_OF); break; /* LE */
	}
	return r ^ (cc & 1);
}

uint64_t cpu_get_rflags(const struct cpu_state *s)
{
	return (s->rflags & ~(uint64_t)RFLAGS_ARITH) | cc_compute_all(s) | RFLAGS_FIXED1;
}

void cpu_set_rflags(struct cpu_state *s, uint64_t rflags)
{
	/* Bits 3, 5, 15 and 22-63 are reserved and read as 0; bit 1 reads as 1. */
	s->rflags = (rflags & 0x3f7fd5ull) | RFLAGS_FIXED1;
	s->cc_op = CC_OP_EFLAGS;
}

void cc_set_arith(struct cpu_state *s, uint32_t arith)
{
	s->rflags = (s->rflags & ~(uint64_t)RFLAGS_ARITH) | (arith & RFLAGS_ARITH);
	s->cc_op = CC_OP_EFLAGS;
}
