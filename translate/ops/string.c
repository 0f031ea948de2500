/*
 * translate/ops/string.c - MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names and REP/REPE/REPZ/REPNE/REPNZ; vol. 1, 7.3.9.
 *
 * All of these are control-transfer handlers: they set rip. Each iteration commits
 * (store, then rSI/rDI/rCX), so a fault in the middle of a string leaves the state of
 * the iterations done and rip on the instruction, which restarts where it stopped.
 * A repeated string runs at most STRING_BATCH iterations per call and then leaves rip
 * on itself, so the run loop can take interrupts in the middle of a long string.
 */
#include "translate/ops/int_ops.h"

#define STRING_BATCH 4096

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

/* Element size: 1 for the byte forms, else the operand size. */
static unsigned str_size(const struct x86_insn *i)
{
	return (i->opcode & 1) ? i->opsize : 1;
}

/* Advance a pointer register by +-size at the address size. */
static void str_step(struct vcpu *v, const struct x86_insn *i, unsigned reg, unsigned size)
{
	uint64_t delta = (v->s.rflags & RFLAGS_DF) ? (uint64_t)-(int64_t)size : size;

	int_set_reg(v, reg, i->addrsize, v->s.gpr[reg] + delta);
}

/* One iteration: loads, then the store, then the pointer registers. CMPS/SCAS return
 * their comparison in *a, *b; the caller records the flags. */
static void str_once(struct vcpu *v, const struct x86_insn *i, enum str_kind k, unsigned size,
		     uint64_t *a, uint64_t *b)
{
	uint64_t am = size_mask(i->addrsize);
	uint64_t si = v->s.gpr[R_SI] & am, di = v->s.gpr[R_DI] & am;

	switch (k) {
	case STR_MOVS:
		cpu_st(v, SEG_ES, di, size, cpu_ld(v, i->seg, si, size));
		str_step(v, i, R_SI, size);
		str_step(v, i, R_DI, size);
		break;
	case STR_STOS:
		cpu_st(v, SEG_ES, di, size, int_reg(v, R_AX, size));
		str_step(v, i, R_DI, size);
		break;
	case STR_LODS:
		int_set_reg(v, R_AX, size, cpu_ld(v, i->seg, si, size));
		str_step(v, i, R_SI, size);
		break;
	case STR_CMPS:
		*a = cpu_ld(v, i->seg, si, size);
		*b = cpu_ld(v, SEG_ES, di, size);
		str_step(v, i, R_SI, size);
		str_step(v, i, R_DI, size);
		break;
	case STR_SCAS:
		*a = int_reg(v, R_AX, size);
		*b = cpu_ld(v, SEG_ES, di, size);
		str_step(v, i, R_DI, size);
		break;
	}
}

/*
 * CMPS/SCAS flags are those of the last comparison, recorded when the instruction
 * completes. A repeated one that stops early (a fault, or the end of a batch) leaves
 * RFLAGS as they were: Intel reports a fault in the middle of REPE/REPNE CMPS with the
 * flags of before the instruction (tests/diff repne_cmps*), and the restarted
 * instruction recomputes them anyway.
 */
static void str_run(struct vcpu *v, const struct x86_insn *i, enum str_kind k)
{
	unsigned size = str_size(i);
	uint64_t am = size_mask(i->addrsize), a = 0, b = 0;
	bool cond = k == STR_CMPS || k == STR_SCAS, compared = false;

	if (i->rep == REP_NONE) {
		str_once(v, i, k, size, &a, &b);
		compared = cond;
		goto done;
	}
	for (unsigned n = 0; n < STRING_BATCH; n++) {
		if ((v->s.gpr[R_CX] & am) == 0 || (n > 0 && v->exit_request))
			break;
		str_once(v, i, k, size, &a, &b);
		int_set_reg(v, R_CX, i->addrsize, v->s.gpr[R_CX] - 1);
		compared = cond;
		/* REPE (F3) stops when ZF = 0, REPNE (F2) when ZF = 1; only CMPS/SCAS test ZF. */
		if (cond && (((a - b) & size_mask(size)) == 0) != (i->rep == REP_F3))
			goto done;
	}
	if ((v->s.gpr[R_CX] & am) != 0)
		return;                         /* not finished: run again from the same rip */
done:
	if (compared)
		cc_set(&v->s, int_cc(CC_OP_SUBB, size), (a - b) & size_mask(size), b, 0);
	v->s.rip = insn_next_rip(v, i);
}

void exec_MOVS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_MOVS); }
void exec_CMPS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_CMPS); }
void exec_STOS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_STOS); }
void exec_LODS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_LODS); }
void exec_SCAS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_SCAS); }
