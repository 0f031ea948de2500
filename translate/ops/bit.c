/*
 * translate/ops/bit.c - BT, BTS, BTR, BTC (incl. the memory bit-string form),
 * BSF, BSR, TZCNT, LZCNT, POPCNT.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names; bit-string addressing in vol. 1, 3.4.1.2 and vol. 2, BT, table 3-2.
 * Undefined flags follow Intel (docs/undefined-flags.md): BT* change only CF; BSF/BSR
 * clear CF, OF, SF, AF and set PF from the index (ZF = PF = 1 on a zero source).
 */
#include "translate/ops/int_ops.h"

enum bt_kind { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static uint64_t bt_apply(uint64_t val, unsigned bit, enum bt_kind k)
{
	switch (k) {
	case BT_SET: return val | (1ull << bit);
	case BT_RESET: return val & ~(1ull << bit);
	case BT_COMPLEMENT: return val ^ (1ull << bit);
	default: return val;
	}
}

static void bt_set_cf(struct vcpu *v, bool cf)
{
	int_flags_update(v, RFLAGS_ARITH & ~RFLAGS_CF, cf ? RFLAGS_CF : 0);
}

/*
 * With a register bit offset and a memory base, the offset is a signed value of the
 * operand size that can reach outside the operand: the word addressed is
 * ea + (offset div size-in-bits) * size (floor division), at the address size.
 */
static void bt_op(struct vcpu *v, const struct x86_insn *i, enum bt_kind k)
{
	unsigned size = i->opnd[0].size, bits = size * 8;
	uint64_t off = int_read(v, i, 1), val, ea;
	unsigned bit;

	if (i->opnd[0].kind != OPND_MEM || i->opnd[1].kind == OPND_IMM) {
		bit = (unsigned)(off & (bits - 1));
		val = k == BT_TEST ? int_read(v, i, 0) : int_read_rmw(v, i, 0);
		if (k != BT_TEST)
			opnd_write(v, i, 0, bt_apply(val, bit, k));
		bt_set_cf(v, (val >> bit) & 1);
		return;
	}
	bit = (unsigned)(off & (bits - 1));
	ea = insn_ea(v, i) + (uint64_t)((int_sext(off, size) >> (3 + size_log2(size))) * (int64_t)size);
	ea &= size_mask(i->addrsize);
	if (k != BT_TEST)
		cpu_probe(v, i->seg, ea, size, ACC_WRITE);
	val = cpu_ld(v, i->seg, ea, size);
	if (k != BT_TEST)
		cpu_st(v, i->seg, ea, size, bt_apply(val, bit, k));
	bt_set_cf(v, (val >> bit) & 1);
}

void exec_BT(struct vcpu *v, const struct x86_insn *i)  { bt_op(v, i, BT_TEST); }
void exec_BTS(struct vcpu *v, const struct x86_insn *i) { bt_op(v, i, BT_SET); }
void exec_BTR(struct vcpu *v, const struct x86_insn *i) { bt_op(v, i, BT_RESET); }
void exec_BTC(struct vcpu *v, const struct x86_insn *i) { bt_op(v, i, BT_COMPLEMENT); }

/* BSF/BSR: a zero source sets ZF and leaves the destination as it was (not even
 * zero-extended: Intel and AMD both keep it). */
static void bit_scan(struct vcpu *v, const struct x86_insn *i, bool reverse)
{
	uint64_t src = int_read(v, i, 1);
	unsigned idx;

	if (src == 0) {
		cc_set_arith(&v->s, RFLAGS_ZF | RFLAGS_PF);
		return;
	}
	idx = reverse ? 63 - (unsigned)__builtin_clzll(src) : (unsigned)__builtin_ctzll(src);
	opnd_write(v, i, 0, idx);
	cc_set_arith(&v->s, int_pf(idx));
}

void exec_BSF(struct vcpu *v, const struct x86_insn *i) { bit_scan(v, i, false); }
void exec_BSR(struct vcpu *v, const struct x86_insn *i) { bit_scan(v, i, true); }

/* TZCNT/LZCNT: CF = source was 0, ZF = result is 0, the rest cleared (Intel). Without
 * BMI1 / LZCNT in the model the F3 prefix is ignored and BSF/BSR run; that choice is
 * the opcode table's feature column (translate/opcodes.def), not made here. */
static void bit_count_zeros(struct vcpu *v, const struct x86_insn *i, bool leading)
{
	unsigned size = i->opnd[0].size, bits = size * 8, n;
	uint64_t src = int_read(v, i, 1);

	if (src == 0)
		n = bits;
	else if (leading)
		n = (unsigned)__builtin_clzll(src) - (64 - bits);
	else
		n = (unsigned)__builtin_ctzll(src);
	opnd_write(v, i, 0, n);
	cc_set_arith(&v->s, (src == 0 ? RFLAGS_CF : 0) | (n == 0 ? RFLAGS_ZF : 0));
}

void exec_TZCNT(struct vcpu *v, const struct x86_insn *i) { bit_count_zeros(v, i, false); }
void exec_LZCNT(struct vcpu *v, const struct x86_insn *i) { bit_count_zeros(v, i, true); }

/* POPCNT: ZF = source is 0; OF, SF, AF, CF, PF cleared (SDM vol. 2, POPCNT). */
void exec_POPCNT(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t src = int_read(v, i, 1);

	opnd_write(v, i, 0, (uint64_t)__builtin_popcountll(src));
	cc_set_arith(&v->s, src ? 0 : RFLAGS_ZF);
}
