/*
 * translate/ops/mul.c - MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. Widths: 8 bits use AX, wider ones rDX:rAX. Flags: CF = OF = "the upper
 * half is significant" (CC_OP_MUL; SF/ZF/AF/PF are undefined, see cpu/flags.c). DIV
 * and IDIV leave all flags unchanged, as Intel processors do (they are undefined).
 */
#include "translate/ops/int_ops.h"

/* Store a double-width product or the quotient/remainder pair: AL/AH for bytes,
 * rAX/rDX otherwise. */
static void mul_store_pair(struct vcpu *v, unsigned size, uint64_t lo, uint64_t hi)
{
	if (size == 1) {
		int_set_reg(v, R_AX, 2, (lo & 0xff) | ((hi & 0xff) << 8));
		return;
	}
	int_set_reg(v, R_AX, size, lo);
	int_set_reg(v, R_DX, size, hi);
}

static void mul_one_operand(struct vcpu *v, const struct x86_insn *i, bool sign)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	uint64_t b = int_read(v, i, 0), a = int_reg(v, R_AX, size), m = size_mask(size);
	uint64_t lo, hi;
	bool over;

	if (sign) {
		__int128 p = (__int128)int_sext(a, size) * int_sext(b, size);

		lo = (uint64_t)p & m;
		hi = (uint64_t)(p >> bits) & m;
		over = p != (__int128)int_sext(lo, size);
	} else {
		unsigned __int128 p = (unsigned __int128)a * b;

		lo = (uint64_t)p & m;
		hi = (uint64_t)(p >> bits) & m;
		over = hi != 0;
	}
	mul_store_pair(v, size, lo, hi);
	cc_set(&v->s, int_cc(CC_OP_MULB, size), lo, over, 0);
}

void exec_MUL(struct vcpu *v, const struct x86_insn *i)
{
	mul_one_operand(v, i, false);
}

/* IMUL r/m (one operand), IMUL r, r/m (two) and IMUL r, r/m, imm (three). */
void exec_IMUL(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size;
	int64_t a, b;
	__int128 p;
	uint64_t lo;

	if (i->nopnd < 2) {
		mul_one_operand(v, i, true);
		return;
	}
	size = i->opnd[0].size;
	if (i->nopnd >= 3) {
		a = int_sext(int_read(v, i, 1), size);
		b = int_sext(int_read(v, i, 2), size);
	} else {
		a = int_sext(int_read(v, i, 0), size);
		b = int_sext(int_read(v, i, 1), size);
	}
	p = (__int128)a * b;
	lo = (uint64_t)p & size_mask(size);
	opnd_write(v, i, 0, lo);
	cc_set(&v->s, int_cc(CC_OP_MULB, size), lo, p != (__int128)int_sext(lo, size), 0);
}

/* The dividend rDX:rAX (AX for bytes) as a 128-bit unsigned value. */
static unsigned __int128 div_dividend(struct vcpu *v, unsigned size)
{
	if (size == 1)
		return int_reg(v, R_AX, 2);
	return ((unsigned __int128)int_reg(v, R_DX, size) << (size * 8)) | int_reg(v, R_AX, size);
}

/* DIV: #DE on a zero divisor or a quotient wider than the operand (SDM vol. 2, DIV). */
void exec_DIV(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t d = int_read(v, i, 0);
	unsigned __int128 n = div_dividend(v, size), q;

	if (d == 0)
		cpu_raise(v, EXC_DE, EXC_NO_ERROR);
	q = n / d;
	if (q > size_mask(size))
		cpu_raise(v, EXC_DE, EXC_NO_ERROR);
	mul_store_pair(v, size, (uint64_t)q, (uint64_t)(n % d));
}

/* IDIV: signed, quotient truncated toward zero, remainder takes the dividend's sign;
 * #DE on zero or a quotient outside the signed range (SDM vol. 2, IDIV). Computed on
 * magnitudes so that the most negative dividend cannot overflow. */
void exec_IDIV(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	uint64_t draw = int_read(v, i, 0);
	unsigned __int128 n = div_dividend(v, size), nmag, q, r;
	bool nneg, dneg = draw & int_msb(size);
	uint64_t dmag = dneg ? 0 - (uint64_t)int_sext(draw, size) : draw;
	uint64_t qlimit;

	if (draw == 0)
		cpu_raise(v, EXC_DE, EXC_NO_ERROR);
	/* Sign-extend the 2*bits-wide dividend to 128 bits. */
	if (bits * 2 < 128) {
		unsigned sh = 128 - bits * 2;

		n = (unsigned __int128)((__int128)(n << sh) >> sh);
	}
	nneg = (__int128)n < 0;
	nmag = nneg ? -n : n;
	q = nmag / dmag;
	r = nmag % dmag;
	/* |quotient| may reach 2^(bits-1) only when it is negative. */
	qlimit = (nneg != dneg) ? int_msb(size) : int_msb(size) - 1;
	if (q > qlimit)
		cpu_raise(v, EXC_DE, EXC_NO_ERROR);
	mul_store_pair(v, size, (uint64_t)(nneg != dneg ? -q : q), (uint64_t)(nneg ? -r : r));
}
