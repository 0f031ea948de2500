/*
 * translate/ops/shift.c - SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md): SAL/SAR/SHL/SHR, RCL/RCR/ROL/
 * ROR, SHLD, SHRD. The count is masked to 5 bits (6 with a 64-bit operand). A masked
 * count of 0 changes no flag, but the destination is still written (so a 32-bit
 * register is zero-extended in 64-bit mode, as the hardware does). OF, undefined for
 * counts > 1, is the OF of the first 1-bit step, as Intel processors compute it
 * (docs/undefined-flags.md).
 */
#include "translate/ops/int_ops.h"

/* The count: operand 1 (CL or imm8) for shifts, operand 2 for SHLD/SHRD; 1 when the
 * form has no count operand (D0/D1). Masked as the SDM says. */
static unsigned shift_count(struct vcpu *v, const struct x86_insn *i, unsigned n)
{
	uint64_t c = i->nopnd > n ? opnd_read(v, i, n) : 1;

	return (unsigned)(c & (i->opnd[0].size == 8 ? 63 : 31));
}

enum shift_kind { SH_SHL, SH_SHR, SH_SAR };

static void shift_op(struct vcpu *v, const struct x86_insn *i, enum shift_kind k)
{
	unsigned size = i->opnd[0].size, c = shift_count(v, i, 1);
	uint64_t a = int_read_rmw(v, i, 0), m = size_mask(size), res, src;
	bool of, cf;

	if (c == 0) {
		opnd_write(v, i, 0, a);
		return;
	}
	switch (k) {
	case SH_SHL:
		src = a << (c - 1);
		res = src << 1;
		break;
	case SH_SHR:
		src = a >> (c - 1);
		res = src >> 1;
		break;
	default:
		src = (uint64_t)(int_sext(a, size) >> (c - 1));
		res = (uint64_t)((int64_t)src >> 1);
		break;
	}
	res &= m;
	opnd_write(v, i, 0, res);
	if (c == 1) {
		cc_set(&v->s, int_cc(k == SH_SHL ? CC_OP_SHLB : CC_OP_SARB, size), res, src & m, 0);
		return;
	}
	/* Count > 1: OF (undefined) is the first 1-bit step's, as Intel computes it:
	 * SHL MSB ^ next bit of the original, SHR the original MSB, SAR 0. */
	of = k == SH_SHL ? !(a & int_msb(size)) != !(a & (int_msb(size) >> 1))
			 : k == SH_SHR && (a & int_msb(size));
	cf = k == SH_SHL ? (src & int_msb(size)) != 0 : (src & 1) != 0;
	cc_set_arith(&v->s, int_szp(res, size) | (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
}

void exec_SHL(struct vcpu *v, const struct x86_insn *i) { shift_op(v, i, SH_SHL); }
void exec_SHR(struct vcpu *v, const struct x86_insn *i) { shift_op(v, i, SH_SHR); }
void exec_SAR(struct vcpu *v, const struct x86_insn *i) { shift_op(v, i, SH_SAR); }

/* CF and OF of a rotate, the rest of the arithmetic flags kept. */
static void rotate_flags(struct vcpu *v, bool cf, bool of)
{
	int_flags_update(v, RFLAGS_ARITH & ~(RFLAGS_CF | RFLAGS_OF),
			 (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
}

/* ROL/ROR rotate by count mod size; flags change whenever the masked count is not 0. */
static void rotate_op(struct vcpu *v, const struct x86_insn *i, bool left)
{
	unsigned size = i->opnd[0].size, bits = size * 8, c = shift_count(v, i, 1);
	unsigned rc = c % bits;
	uint64_t a = int_read_rmw(v, i, 0), m = size_mask(size), res = a, msb = int_msb(size);
	bool of;

	if (rc)
		res = left ? ((a << rc) | (a >> (bits - rc))) & m
			   : ((a >> rc) | (a << (bits - rc))) & m;
	opnd_write(v, i, 0, res);
	if (c == 0)
		return;
	/* OF is defined for a count of 1. For larger counts Intel gives the OF of the
	 * first 1-bit step when the count is in CL (ROL: MSB ^ next bit of the original,
	 * ROR: MSB ^ LSB of the original) and keeps OF when it is an immediate. */
	if (c > 1 && i->opnd[1].kind == OPND_IMM)
		of = cc_compute_all(&v->s) & RFLAGS_OF;
	else if (left)
		of = !(a & msb) != !(a & (msb >> 1));
	else
		of = !(a & msb) != !(a & 1);
	rotate_flags(v, left ? res & 1 : res & msb, of);    /* CF = LSB / MSB of the result */
}

void exec_ROL(struct vcpu *v, const struct x86_insn *i) { rotate_op(v, i, true); }
void exec_ROR(struct vcpu *v, const struct x86_insn *i) { rotate_op(v, i, false); }

/* RCL/RCR rotate through CF, a (size+1)-bit rotation; 8- and 16-bit counts are taken
 * mod 9 and mod 17. */
static void rotate_carry_op(struct vcpu *v, const struct x86_insn *i, bool left)
{
	unsigned size = i->opnd[0].size, bits = size * 8, w = bits + 1, c = shift_count(v, i, 1);
	unsigned tc = size <= 2 ? c % w : c;
	uint64_t a = int_read_rmw(v, i, 0), m = size_mask(size), msb = int_msb(size), res;
	unsigned cf = int_cf(v), cf_in = cf;
	unsigned __int128 x = ((unsigned __int128)cf << bits) | a, wm, r = x;

	wm = ((unsigned __int128)1 << w) - 1;
	if (tc)
		r = left ? ((x << tc) | (x >> (w - tc))) & wm : ((x >> tc) | (x << (w - tc))) & wm;
	res = (uint64_t)r & m;
	cf = (unsigned)(r >> bits) & 1;
	opnd_write(v, i, 0, res);
	/* No flag changes when the rotation count is 0, even if the masked count is not
	 * (RCL AL, 9: Intel keeps CF and OF). OF as the first 1-bit step: RCL MSB ^ next
	 * bit of the original, RCR MSB of the original ^ CF before. */
	if (tc == 0)
		return;
	if (left)
		rotate_flags(v, cf, !(a & msb) != !(a & (msb >> 1)));
	else
		rotate_flags(v, cf, !(a & msb) != !cf_in);
}

void exec_RCL(struct vcpu *v, const struct x86_insn *i) { rotate_carry_op(v, i, true); }
void exec_RCR(struct vcpu *v, const struct x86_insn *i) { rotate_carry_op(v, i, false); }

/*
 * SHLD/SHRD: shift dest, filling from src. With a 16-bit operand and a count above 16
 * the result is undefined; Intel shifts the 48-bit pattern dest:src:dest (SHLD) or
 * dest:src:dest read from the other end (SHRD), which is what is computed here.
 * CF = last bit out, SZP from the result, AF = 0, OF = the sign change of the first
 * 1-bit step (defined for count 1; Intel uses it at every count).
 */
static void shift_double_op(struct vcpu *v, const struct x86_insn *i, bool left)
{
	unsigned size = i->opnd[0].size, bits = size * 8, c = shift_count(v, i, 2);
	uint64_t d = int_read_rmw(v, i, 0), s = int_read(v, i, 1), m = size_mask(size);
	uint64_t msb = int_msb(size), res;
	unsigned __int128 x;
	bool cf, of;

	if (c == 0) {
		opnd_write(v, i, 0, d);
		return;
	}
	if (left) {
		/* x = dest:src:dest, most significant first, left-aligned in 128 bits */
		x = ((unsigned __int128)d << (128 - bits)) | ((unsigned __int128)s << (128 - 2 * bits));
		if (size < 8)
			x |= (unsigned __int128)d << (128 - 3 * bits);
		cf = (x << (c - 1)) >> 127;
		res = (uint64_t)((x << c) >> (128 - bits)) & m;
		of = !(d & msb) != !(d & (msb >> 1));
	} else {
		/* x = dest:src:dest, least significant first */
		x = (unsigned __int128)d | ((unsigned __int128)s << bits);
		if (size < 8)
			x |= (unsigned __int128)d << (2 * bits);
		cf = (x >> (c - 1)) & 1;
		res = (uint64_t)(x >> c) & m;
		of = !(d & msb) != !(s & 1);
	}
	opnd_write(v, i, 0, res);
	cc_set_arith(&v->s, int_szp(res, size) | (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
}

void exec_SHLD(struct vcpu *v, const struct x86_insn *i) { shift_double_op(v, i, true); }
void exec_SHRD(struct vcpu *v, const struct x86_insn *i) { shift_double_op(v, i, false); }
