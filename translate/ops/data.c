/*
 * translate/ops/data.c - data movement and flag-register instructions: MOV (incl.
 * moffs), MOVZX, MOVSX, MOVSXD, XCHG, BSWAP, MOVBE, CMOVcc, SETcc, CMPXCHG,
 * CMPXCHG8B/16B, XADD, LEA, LAHF, SAHF, CBW/CWDE/CDQE, CWD/CDQ/CQO, XLAT, CLC, STC,
 * CMC, CLD, STD.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. Loads and probes come first, then memory stores, then registers and
 * flags, so a fault leaves the state untouched.
 */
#include "translate/ops/int_ops.h"

void exec_MOV(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, int_read(v, i, 1));
}

void exec_MOVZX(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, int_read(v, i, 1));
}

void exec_MOVSX(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t val = (uint64_t)int_sext(int_read(v, i, 1), i->opnd[1].size);

	opnd_write(v, i, 0, val & size_mask(i->opnd[0].size));
}

/* MOVSXD with a 16/32-bit operand size moves without extension (SDM vol. 2, MOVSX). */
void exec_MOVSXD(struct vcpu *v, const struct x86_insn *i)
{
	exec_MOVSX(v, i);
}

/* XCHG: the memory operand, if any, is stored first. */
void exec_XCHG(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t a = int_read_rmw(v, i, 0), b = int_read_rmw(v, i, 1);

	if (i->opnd[1].kind == OPND_MEM) {
		opnd_write(v, i, 1, a);
		opnd_write(v, i, 0, b);
	} else {
		opnd_write(v, i, 0, b);
		opnd_write(v, i, 1, a);
	}
}

static uint64_t data_bswap(uint64_t x, unsigned size)
{
	switch (size) {
	case 2: return __builtin_bswap16((uint16_t)x);
	case 4: return __builtin_bswap32((uint32_t)x);
	default: return __builtin_bswap64(x);
	}
}

/* BSWAP r16 is undefined (SDM vol. 2, BSWAP); Intel clears the low word and keeps
 * the rest of the register (the table's operand is 32/64-bit: 66H does not shrink it). */
void exec_BSWAP(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;

	if (i->opsize == 2)
		int_set_reg(v, i->opnd[0].reg, 2, 0);
	else
		opnd_write(v, i, 0, data_bswap(int_read(v, i, 0), size));
}

void exec_MOVBE(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, data_bswap(int_read(v, i, 1), i->opnd[0].size));
}

/* CMOVcc reads its source whatever the condition; in 64-bit mode a 32-bit CMOVcc
 * zero-extends the destination even when the condition is false (SDM vol. 2, CMOVcc
 * and vol. 1, 3.4.1.1). */
void exec_CMOVCC(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t val = int_read(v, i, 1);

	if (cc_eval(&v->s, i->opcode & 15))
		opnd_write(v, i, 0, val);
	else if (i->opnd[0].size == 4)
		opnd_write(v, i, 0, int_read(v, i, 0));
}

void exec_SETCC(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, cc_eval(&v->s, i->opcode & 15) ? 1 : 0);
}

/*
 * CMPXCHG: compare the accumulator with the destination. Equal: ZF = 1, destination
 * = source. Otherwise ZF = 0 and the accumulator is loaded; a memory destination is
 * written back with its own value (the processor always writes it: SDM vol. 2,
 * CMPXCHG). Flags as CMP accumulator, destination.
 */
void exec_CMPXCHG(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t dst = int_read_rmw(v, i, 0), src = int_read(v, i, 1);
	uint64_t acc = int_reg(v, R_AX, size);

	if (acc == dst) {
		opnd_write(v, i, 0, src);
	} else {
		if (i->opnd[0].kind == OPND_MEM)
			opnd_write(v, i, 0, dst);
		int_set_reg(v, R_AX, size, dst);
	}
	cc_set(&v->s, int_cc(CC_OP_SUBB, size), (acc - dst) & size_mask(size), dst, 0);
}

/*
 * CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W): compare EDX:EAX (RDX:RAX) with memory;
 * equal: ZF = 1 and ECX:EBX (RCX:RBX) is stored, else ZF = 0 and the accumulator
 * pair is loaded. The destination is written in both cases. CMPXCHG16B needs a
 * 16-byte aligned operand, else #GP(0) (SDM vol. 2, CMPXCHG8B/CMPXCHG16B).
 */
void exec_CMPXCHG8B(struct vcpu *v, const struct x86_insn *i)
{
	unsigned half = i->opsize == 8 ? 8 : 4;
	uint64_t ea = insn_ea(v, i), lo, hi, m = size_mask(half);
	bool eq;

	if (i->opnd[0].kind != OPND_MEM)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (half == 8 && (cpu_seg_linear(v, i->seg, ea, 16, ACC_WRITE) & 15))
		cpu_raise(v, EXC_GP, 0);
	cpu_probe(v, i->seg, ea, half * 2, ACC_WRITE);
	lo = cpu_ld(v, i->seg, ea, half);
	hi = cpu_ld(v, i->seg, ea + half, half);
	eq = lo == (v->s.gpr[R_AX] & m) && hi == (v->s.gpr[R_DX] & m);
	if (eq) {
		cpu_st(v, i->seg, ea, half, v->s.gpr[R_BX] & m);
		cpu_st(v, i->seg, ea + half, half, v->s.gpr[R_CX] & m);
	} else {
		cpu_st(v, i->seg, ea, half, lo);
		cpu_st(v, i->seg, ea + half, half, hi);
		int_set_reg(v, R_AX, half, lo);
		int_set_reg(v, R_DX, half, hi);
	}
	int_flags_update(v, RFLAGS_ARITH & ~RFLAGS_ZF, eq ? RFLAGS_ZF : 0);
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM vol. 2, XADD). */
void exec_XADD(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opnd[0].size;
	uint64_t dst = int_read_rmw(v, i, 0), src = int_read(v, i, 1);
	uint64_t sum = (dst + src) & size_mask(size);

	if (i->opnd[0].kind == OPND_MEM) {
		opnd_write(v, i, 0, sum);
		opnd_write(v, i, 1, dst);
	} else {
		opnd_write(v, i, 1, dst);
		opnd_write(v, i, 0, sum);
	}
	cc_set(&v->s, int_cc(CC_OP_ADDB, size), sum, src, 0);
}

/* LEA: the offset at the address size, then truncated/zero-extended to the operand
 * size (SDM vol. 2, LEA, table 3-53). A register source is #UD. */
void exec_LEA(struct vcpu *v, const struct x86_insn *i)
{
	if (i->opnd[1].kind != OPND_MEM)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	opnd_write(v, i, 0, insn_ea(v, i) & size_mask(i->opnd[0].size));
}

#define LAHF_MASK (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)

/* In 64-bit mode LAHF/SAHF need CPUID.80000001H:ECX.LAHF-SAHF[bit 0] (SDM vol. 2, LAHF). */
static void data_check_lahf(struct vcpu *v)
{
	uint32_t r[4];

	if (!cpu_64bit_mode(&v->s))
		return;
	cpu_cpuid(v, 0x80000001u, 0, r);
	if (!(r[2] & 1))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}

void exec_LAHF(struct vcpu *v, const struct x86_insn *i)
{
	data_check_lahf(v);
	gpr_write(&v->s, R_SP, 1, false, (cc_compute_all(&v->s) & LAHF_MASK) | RFLAGS_FIXED1);
}

void exec_SAHF(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t ah;

	data_check_lahf(v);
	ah = (uint32_t)gpr_read(&v->s, R_SP, 1, false);
	int_flags_update(v, RFLAGS_OF, ah & LAHF_MASK);
}

/* CBW / CWDE / CDQE by operand size: sign-extend the lower half of rAX into rAX. */
void exec_CBW(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;

	int_set_reg(v, R_AX, size, (uint64_t)int_sext(int_reg(v, R_AX, size / 2), size / 2));
}

/* CWD / CDQ / CQO: rDX = the sign of rAX. */
void exec_CWD(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	bool neg = int_reg(v, R_AX, size) & int_msb(size);

	int_set_reg(v, R_DX, size, neg ? ~0ull : 0);
}

/* XLAT: AL = seg:[rBX + AL] at the address size (SDM vol. 2, XLAT). */
void exec_XLAT(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t m = size_mask(i->addrsize);
	uint64_t off = (v->s.gpr[R_BX] + (v->s.gpr[R_AX] & 0xff)) & m;

	int_set_reg(v, R_AX, 1, cpu_ld(v, i->seg, off, 1));
}

void exec_CLC(struct vcpu *v, const struct x86_insn *i)
{
	int_flags_update(v, RFLAGS_ARITH & ~RFLAGS_CF, 0);
}

void exec_STC(struct vcpu *v, const struct x86_insn *i)
{
	int_flags_update(v, RFLAGS_ARITH & ~RFLAGS_CF, RFLAGS_CF);
}

void exec_CMC(struct vcpu *v, const struct x86_insn *i)
{
	int_flags_update(v, RFLAGS_ARITH, 0);
	v->s.rflags ^= RFLAGS_CF;
}

void exec_CLD(struct vcpu *v, const struct x86_insn *i)
{
	v->s.rflags &= ~(uint64_t)RFLAGS_DF;
}

void exec_STD(struct vcpu *v, const struct x86_insn *i)
{
	v->s.rflags |= RFLAGS_DF;
}
