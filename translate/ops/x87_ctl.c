/*
 * translate/ops/x87_ctl.c - x87 control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW,
 * FNSTSW (memory and AX), FLDENV, FNSTENV, FRSTOR, FNSAVE, WAIT/FWAIT, and the
 * register-stack housekeeping forms (FFREE, FFREEP, FINCSTP, FDECSTP, FNOP) and
 * FCMOVcc, which run on the host unit. Intel SDM vol. 1 ch. 8 and vol. 2 (edition in
 * docs/spec-versions.md). The FWAIT-prefixed spellings (FINIT, FCLEX, FSTCW, FSTSW,
 * FSTENV, FSAVE) are WAIT followed by the no-wait instruction.
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

EXEC_PROTOS

#define FSAVE_MAX (28 + 80)

/* Read an FLDENV/FRSTOR image in the order the hardware touches it, which decides
 * the CR2 of a page fault (seen on the host by the differential tester): the first
 * field (the control word: 2 or 4 bytes), then the image's last byte, then the rest. */
static void x87_ld_state(struct vcpu *v, const struct x86_insn *i, uint8_t *buf, unsigned len)
{
	uint64_t ea = insn_ea(v, i);

	cpu_probe(v, i->seg, ea, i->opsize == 2 ? 2 : 4, ACC_READ);
	cpu_probe(v, i->seg, ea + len - 1, 1, ACC_READ);
	cpu_ld_buf(v, i->seg, ea, buf, len);
}

/* SDM vol. 2, FINIT/FNINIT. No-wait: pending exceptions are discarded. */
void exec_FNINIT(struct vcpu *v, const struct x86_insn *i)
{
	x87_begin(v, false);
	fpu_init(&v->s);
}

/* SDM vol. 2, FCLEX/FNCLEX: PE, UE, OE, ZE, DE, IE, SF, ES and B cleared. */
void exec_FNCLEX(struct vcpu *v, const struct x86_insn *i)
{
	x87_begin(v, false);
	v->s.fsw &= ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

/* SDM vol. 2, FLDCW: unmasking a set flag makes the exception pending (ES). */
void exec_FLDCW(struct vcpu *v, const struct x86_insn *i)
{
	uint16_t cw;

	x87_begin(v, true);
	cw = (uint16_t)cpu_ld(v, i->seg, insn_ea(v, i), 2);
	v->s.fcw = x87_fcw_value(cw);
	fpu_update_es(&v->s);
}

void exec_FNSTCW(struct vcpu *v, const struct x86_insn *i)
{
	x87_begin(v, false);
	cpu_st(v, i->seg, insn_ea(v, i), 2, v->s.fcw);
}

/* SDM vol. 2, FSTSW/FNSTSW: m16 (DD /7) or AX (DF E0). */
void exec_FNSTSW(struct vcpu *v, const struct x86_insn *i)
{
	x87_begin(v, false);
	if (i->mod == 3)
		gpr_write(&v->s, 0, 2, false, v->s.fsw);
	else
		cpu_st(v, i->seg, insn_ea(v, i), 2, v->s.fsw);
}

void exec_FLDENV(struct vcpu *v, const struct x86_insn *i)
{
	uint8_t env[28];

	x87_begin(v, true);
	x87_ld_state(v, i, env, x87_env_size(i));
	x87_env_load(v, i, env);
}

/* SDM vol. 2, FSTENV/FNSTENV: after the store all exceptions are masked. */
void exec_FNSTENV(struct vcpu *v, const struct x86_insn *i)
{
	uint8_t env[28];

	x87_begin(v, false);
	x87_env_store(v, i, env);
	cpu_st_buf(v, i->seg, insn_ea(v, i), env, x87_env_size(i));
	v->s.fcw |= FSW_EXC;
	fpu_update_es(&v->s);
}

/* SDM vol. 2, FRSTOR: the environment, then ST(0)..ST(7) of the loaded TOP. */
void exec_FRSTOR(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint8_t img[FSAVE_MAX];
	unsigned env = x87_env_size(i), top;

	x87_begin(v, true);
	x87_ld_state(v, i, img, env + 80);
	/* Registers first: the tags derived in x87_env_load look at their contents. */
	top = (img[env == 14 ? 3 : 5] >> 3) & 7;
	for (unsigned k = 0; k < 8; k++) {
		struct fpreg *r = &s->st[(top + k) & 7];
		const uint8_t *p = img + env + 10 * k;

		r->mant = 0;
		for (unsigned b = 0; b < 8; b++)
			r->mant |= (uint64_t)p[b] << (8 * b);
		r->sexp = (uint16_t)(p[8] | p[9] << 8);
	}
	x87_env_load(v, i, img);
}

/* SDM vol. 2, FSAVE/FNSAVE: the environment and registers, then FNINIT. */
void exec_FNSAVE(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint8_t img[FSAVE_MAX];
	unsigned env = x87_env_size(i), top = fpu_top(s);

	x87_begin(v, false);
	x87_env_store(v, i, img);
	for (unsigned k = 0; k < 8; k++) {
		const struct fpreg *r = &s->st[(top + k) & 7];
		uint8_t *p = img + env + 10 * k;

		for (unsigned b = 0; b < 8; b++)
			p[b] = (uint8_t)(r->mant >> (8 * b));
		p[8] = (uint8_t)r->sexp;
		p[9] = (uint8_t)(r->sexp >> 8);
	}
	cpu_st_buf(v, i->seg, insn_ea(v, i), img, env + 80);
	fpu_init(s);
}

/* SDM vol. 2, WAIT/FWAIT: #NM only when CR0.MP and CR0.TS, then pending #MF. */
void exec_FWAIT(struct vcpu *v, const struct x86_insn *i)
{
	fpu_check_avail(v, true);
	fpu_check_pending(v);
}

void exec_FFREE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FFREEP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FINCSTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDECSTP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FNOP(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
/* FENI, FDISI, FSETPM: 8087/80287 controls, no-ops since the 80387 (SDM vol. 2, A.4). */
void exec_FENI(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FDISI(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FSETPM(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }

/* FCMOVcc: the host instruction runs with the guest's arithmetic flags loaded. */
void exec_FCMOVB(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVBE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVU(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVNB(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVNE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVNBE(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
void exec_FCMOVNU(struct vcpu *v, const struct x86_insn *i) { x87_run(v, i); }
