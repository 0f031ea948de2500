/*
 * translate/ops/stack.c - PUSH, POP (general-purpose forms), PUSHA/PUSHAD,
 * POPA/POPAD, ENTER, LEAVE, PUSHF, POPF.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names. The operand size of stack operations is i->opsize (the decoder applies
 * the 64-bit-mode default of 64 bits). Every handler reads and probes the whole
 * stack area it touches before it changes rSP or any register.
 */
#include "translate/ops/int_ops.h"

/* Offset of the stack slot `depth` bytes below rSP, at the stack-address size. */
static uint64_t stk_below(struct vcpu *v, uint64_t depth)
{
	return int_rsp_plus(v, -(int64_t)depth);
}

/*
 * PUSH r/m, r, imm, Sreg. A segment register pushed with a 32-bit operand size is
 * written with a 16-bit store on recent Intel processors (the rest of the slot is left
 * as it was) and zero-extended on AMD (SDM vol. 2, PUSH, "operand size" note). With a
 * 64-bit operand size Intel zero-extends too (checked on the host: tests/diff push_fs).
 */
void exec_PUSH(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t val = opnd_read(v, i, 0) & size_mask(size);
	uint64_t slot;

	if (i->opnd[0].kind != OPND_SEG || size != 4 || v->vendor == VENDOR_AMD) {
		stack_push(v, size, val);
		return;
	}
	slot = stk_below(v, size);
	cpu_probe(v, SEG_SS, slot, size, ACC_WRITE);
	cpu_st(v, SEG_SS, slot, 2, val & 0xffff);
	int_set_rsp(v, slot);
}

/*
 * POP DS/ES/SS/FS/GS: the descriptor checks fault before anything changes, then rSP
 * and the segment register are committed. POP SS blocks interrupts and debug traps
 * for one instruction, as MOV SS does (SDM vol. 2, POP; vol. 3, 6.8.3).
 */
static void stk_pop_seg(struct vcpu *v, const struct x86_insn *i)
{
	unsigned seg = i->opnd[0].reg;
	uint16_t sel = (uint16_t)stack_peek(v, i->opsize, 0);
	struct seg_cache sc;
	uint64_t raw = 0;

	cpu_seg_check_load(v, seg, sel, &sc, &raw);
	(void)stack_pop(v, i->opsize);
	cpu_seg_commit(v, seg, &sc, raw);
	if (seg == SEG_SS)
		cpu_set_intr_shadow(v, 2, insn_next_rip(v, i));
}

/*
 * POP r/m, r. A memory destination that uses rSP as a base sees the incremented rSP
 * (SDM vol. 2, POP); the store is done before rSP changes so that a faulting store
 * leaves rSP untouched.
 */
void exec_POP(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t val, old_rsp, ea;

	if (i->opnd[0].kind == OPND_SEG) {
		stk_pop_seg(v, i);
		return;
	}
	val = stack_peek(v, size, 0);
	if (i->opnd[0].kind != OPND_MEM) {
		(void)stack_pop(v, size);
		opnd_write(v, i, 0, val);
		return;
	}
	old_rsp = v->s.gpr[R_SP];
	int_set_rsp(v, int_rsp_plus(v, size));
	ea = insn_ea(v, i);
	int_set_rsp(v, old_rsp);
	cpu_st(v, i->seg, ea, size, val);
	int_set_rsp(v, int_rsp_plus(v, size));
}

/* PUSHA: AX, CX, DX, BX, the original SP, BP, SI, DI (SDM vol. 2, PUSHA/PUSHAD). */
void exec_PUSHA(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t top = stk_below(v, 8ull * size);

	cpu_probe(v, SEG_SS, top, 8ull * size, ACC_WRITE);
	for (unsigned r = 0; r < 8; r++)
		cpu_st(v, SEG_SS, (top + (7 - r) * size) & size_mask(stack_addr_size(v)), size,
		       int_reg(v, r, size));
	int_set_rsp(v, top);
}

/* POPA: DI, SI, BP, (skip SP), BX, DX, CX, AX. */
void exec_POPA(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t val[8];

	for (unsigned r = 0; r < 8; r++)
		val[r] = stack_peek(v, size, (7 - r) * size);
	for (unsigned r = 0; r < 8; r++)
		if (r != R_SP)
			int_set_reg(v, r, size, val[r]);
	int_set_rsp(v, int_rsp_plus(v, 8 * size));
}

/*
 * ENTER imm16, imm8 (SDM vol. 2, ENTER): push rBP; for a nesting level L > 0 copy
 * L-1 frame pointers from the enclosing frame and push the new frame pointer; then
 * rBP = frame pointer and rSP -= imm16. Level is taken mod 32.
 */
void exec_ENTER(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize, level = opnd_read(v, i, 1) & 31;
	uint64_t alloc = opnd_read(v, i, 0) & 0xffff, sasm = size_mask(stack_addr_size(v));
	uint64_t frame = stk_below(v, size), bp = v->s.gpr[R_BP] & sasm;
	uint64_t copied[32];

	cpu_probe(v, SEG_SS, stk_below(v, (uint64_t)size * (level + 1)),
		  (uint64_t)size * (level + 1), ACC_WRITE);
	for (unsigned k = 1; k < level; k++)
		copied[k] = cpu_ld(v, SEG_SS, (bp - (uint64_t)k * size) & sasm, size);
	cpu_st(v, SEG_SS, frame, size, int_reg(v, R_BP, size));
	for (unsigned k = 1; k < level; k++)
		cpu_st(v, SEG_SS, (frame - (uint64_t)k * size) & sasm, size, copied[k]);
	if (level)
		cpu_st(v, SEG_SS, (frame - (uint64_t)level * size) & sasm, size, frame);
	int_set_reg(v, R_BP, size, frame);
	int_set_rsp(v, (frame - (uint64_t)level * size - alloc) & sasm);
}

/* LEAVE: rSP = rBP, then pop rBP. */
void exec_LEAVE(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize, sas = stack_addr_size(v);
	uint64_t bp = v->s.gpr[R_BP] & size_mask(sas);
	uint64_t val = cpu_ld(v, SEG_SS, bp, size);

	int_set_rsp(v, (bp + size) & size_mask(sas));
	int_set_reg(v, R_BP, size, val);
}

/* ------------------------------------------------------------ PUSHF / POPF */

static unsigned stk_iopl(const struct vcpu *v)
{
	return (v->s.rflags & RFLAGS_IOPL) >> 12;
}

/*
 * PUSHF: RFLAGS with VM and RF cleared. In virtual-8086 mode with IOPL < 3: #GP(0),
 * unless CR4.VME and a 16-bit operand, which pushes VIF in the IF position and
 * IOPL as 3 (SDM vol. 2, PUSHF; vol. 3, 20.3).
 */
void exec_PUSHF(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t f = cpu_get_rflags(&v->s) & ~(uint64_t)(RFLAGS_VM | RFLAGS_RF);

	if (cpu_v86_mode(&v->s) && stk_iopl(v) < 3) {
		if (!(v->s.cr4 & CR4_VME) || size != 2)
			cpu_raise(v, EXC_GP, 0);
		f = (f & ~(uint64_t)RFLAGS_IF) | RFLAGS_IOPL;
		if (v->s.rflags & RFLAGS_VIF)
			f |= RFLAGS_IF;
	}
	stack_push(v, size, f & size_mask(size));
}

/* Which RFLAGS bits POPF may change here, or 0 for #GP (SDM vol. 2, POPF, Operation). */
static uint64_t stk_popf_mask(struct vcpu *v, unsigned size)
{
	/* Never by POPF: VM, VIF, VIP, RF (cleared), reserved bits. */
	uint64_t m = 0x3f7fd5ull & ~(uint64_t)(RFLAGS_VM | RFLAGS_VIF | RFLAGS_VIP | RFLAGS_RF);
	unsigned cpl = cpu_cpl(&v->s), iopl = stk_iopl(v);

	if (cpu_v86_mode(&v->s)) {
		m &= ~(uint64_t)RFLAGS_IOPL;
		if (iopl < 3)
			m &= ~(uint64_t)RFLAGS_IF;
	} else if (!cpu_real_mode(&v->s) && cpl > 0) {
		m &= ~(uint64_t)RFLAGS_IOPL;
		if (cpl > iopl)
			m &= ~(uint64_t)RFLAGS_IF;
	}
	return m & size_mask(size);
}

void exec_POPF(struct vcpu *v, const struct x86_insn *i)
{
	unsigned size = i->opsize;
	uint64_t val = stack_peek(v, size, 0), cur = cpu_get_rflags(&v->s), m;

	if (cpu_v86_mode(&v->s) && stk_iopl(v) < 3) {
		/* Virtual-8086 mode extensions (SDM vol. 3, 20.3.2; vol. 2, POPF). */
		if (!(v->s.cr4 & CR4_VME) || size != 2)
			cpu_raise(v, EXC_GP, 0);
		if (((val & RFLAGS_IF) && (cur & RFLAGS_VIP)) || (val & RFLAGS_TF))
			cpu_raise(v, EXC_GP, 0);
		cur = (cur & ~(uint64_t)RFLAGS_VIF) | ((val & RFLAGS_IF) ? RFLAGS_VIF : 0);
	}
	m = stk_popf_mask(v, size);
	(void)stack_pop(v, size);
	cpu_set_rflags(&v->s, ((cur & ~m) | (val & m)) & ~(uint64_t)RFLAGS_RF);
}
