/*
 * translate/ops/bmi.c - BMI1 (ANDN, BEXTR, BLSI, BLSMSK, BLSR), BMI2 (BZHI, MULX,
 * PDEP, PEXT, RORX, SARX, SHLX, SHRX) and ADX (ADCX, ADOX).
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. Operands in the SDM's order: operand 0 is the destination; the VEX.vvvv
 * register is the operand the SDM writes as "r32b/r64b" (or the destination of BLS*).
 * Flags the SDM leaves undefined (AF, PF) are cleared, as Intel does.
 */
#include "translate/ops/int_ops.h"

/* ZF and SF of a result. */
static uint32_t bmi_zs(uint64_t res, unsigned size)
{
	res &= size_mask(size);
	return (res ? 0 : RFLAGS_ZF) | ((res & int_msb(size)) ? RFLAGS_SF : 0);
}

/* ANDN r, vvvv, r/m: ~src1 & src2; SF, ZF; CF = OF = 0. */
void exec_ANDN(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t res = ~int_read(v, i, 1) & int_read(v, i, 2) & size_mask(size);

	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, bmi_zs(res, size));
}

/* BEXTR r, r/m, vvvv: start = vvvv[7:0], length = vvvv[15:8]; ZF only. */
void exec_BEXTR(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	uint64_t src = int_read(v, i, 1), ctl = int_read(v, i, 2), res = 0;
	unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;

	if (start < bits) {
		res = src >> start;
		if (len < 64)
			res &= (1ull << len) - 1;
	}
	res &= size_mask(size);
	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, res ? 0 : RFLAGS_ZF);
}

enum bls_kind { BLS_I, BLS_MSK, BLS_R };

/* BLSI: src & -src, CF = src != 0. BLSMSK: src ^ (src - 1), CF = src == 0.
 * BLSR: src & (src - 1), CF = src == 0. SF, ZF from the result; OF = 0. */
static void bmi_bls(struct vcpu *v, const struct x86_insn *i, enum bls_kind k)
{
	unsigned size = i->opnd[0].size;
	uint64_t src = int_read(v, i, 1), res;
	bool cf;

	switch (k) {
	case BLS_I: res = src & (0 - src); cf = src != 0; break;
	case BLS_MSK: res = src ^ (src - 1); cf = src == 0; break;
	default: res = src & (src - 1); cf = src == 0; break;
	}
	res &= size_mask(size);
	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, bmi_zs(res, size) | (cf ? RFLAGS_CF : 0));
}

void exec_BLSI(struct vcpu *v, const struct x86_insn *i)   { bmi_bls(v, i, BLS_I); }
void exec_BLSMSK(struct vcpu *v, const struct x86_insn *i) { bmi_bls(v, i, BLS_MSK); }
void exec_BLSR(struct vcpu *v, const struct x86_insn *i)   { bmi_bls(v, i, BLS_R); }

/* BZHI r, r/m, vvvv: clear bits from index vvvv[7:0]; CF = index > size-1. */
void exec_BZHI(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	uint64_t src = int_read(v, i, 1);
	unsigned n = int_read(v, i, 2) & 0xff;
	uint64_t res = n < bits ? src & ((1ull << n) - 1) : src;

	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, bmi_zs(res, size) | (n > bits - 1 ? RFLAGS_CF : 0));
}

/* MULX hi, lo(vvvv), r/m: rDX * r/m unsigned; no flags. If both destinations are the
 * same register it receives the high half (SDM vol. 2, MULX). */
void exec_MULX(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t b = int_read(v, i, 2), a = int_reg(v, R_DX, size);
	unsigned __int128 p = (unsigned __int128)a * b;

	opnd_write(v, i, 1, (uint64_t)p & size_mask(size));
	opnd_write(v, i, 0, (uint64_t)(p >> (size * 8)) & size_mask(size));
}

/* PDEP r, vvvv, r/m: deposit the low bits of src at the mask's set bits. */
void exec_PDEP(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t src = int_read(v, i, 1), mask = int_read(v, i, 2), res = 0;

	for (uint64_t bit = 1; mask; bit <<= 1) {
		uint64_t low = mask & (0 - mask);

		if (src & bit)
			res |= low;
		mask &= mask - 1;
	}
	opnd_write(v, i, 0, res);
}

/* PEXT r, vvvv, r/m: gather the src bits at the mask's set bits into the low bits. */
void exec_PEXT(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t src = int_read(v, i, 1), mask = int_read(v, i, 2), res = 0;

	for (uint64_t bit = 1; mask; bit <<= 1) {
		uint64_t low = mask & (0 - mask);

		if (src & low)
			res |= bit;
		mask &= mask - 1;
	}
	opnd_write(v, i, 0, res);
}

/* RORX r, r/m, imm8: rotate right without touching flags. */
void exec_RORX(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	unsigned c = (unsigned)(int_read(v, i, 2) & (bits - 1));
	uint64_t a = int_read(v, i, 1);

	opnd_write(v, i, 0, c ? ((a >> c) | (a << (bits - c))) & size_mask(size) : a);
}

enum bmi_shift { BMI_SAR, BMI_SHL, BMI_SHR };

/* SARX/SHLX/SHRX r, r/m, vvvv: the count is vvvv masked to 5/6 bits; no flags. */
static void bmi_shift(struct vcpu *v, const struct x86_insn *i, enum bmi_shift k)
{
	unsigned size = i->opnd[0].size;
	uint64_t a = int_read(v, i, 1), res;
	unsigned c = (unsigned)(int_read(v, i, 2) & (size == 8 ? 63 : 31));

	switch (k) {
	case BMI_SAR: res = (uint64_t)(int_sext(a, size) >> c); break;
	case BMI_SHL: res = a << c; break;
	default: res = a >> c; break;
	}
	opnd_write(v, i, 0, res & size_mask(size));
}

void exec_SARX(struct vcpu *v, const struct x86_insn *i) { bmi_shift(v, i, BMI_SAR); }
void exec_SHLX(struct vcpu *v, const struct x86_insn *i) { bmi_shift(v, i, BMI_SHL); }
void exec_SHRX(struct vcpu *v, const struct x86_insn *i) { bmi_shift(v, i, BMI_SHR); }

/* ADCX uses and sets only CF; ADOX uses OF as the carry and sets only OF. */
static void bmi_adx(struct vcpu *v, const struct x86_insn *i, uint32_t flag)
{
	unsigned size = i->opnd[0].size;
	uint32_t f = cc_compute_all(&v->s);
	uint64_t a = int_read(v, i, 0), b = int_read(v, i, 1), m = size_mask(size);
	unsigned c = (f & flag) ? 1 : 0;
	uint64_t res = (a + b + c) & m;
	bool carry = c ? res <= a : res < a;

	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, (f & ~flag) | (carry ? flag : 0));
}

void exec_ADCX(struct vcpu *v, const struct x86_insn *i) { bmi_adx(v, i, RFLAGS_CF); }
void exec_ADOX(struct vcpu *v, const struct x86_insn *i) { bmi_adx(v, i, RFLAGS_OF); }
