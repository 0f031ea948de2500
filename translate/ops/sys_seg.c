/*
 * translate/ops/sys_seg.c - loading data/stack segment registers: MOV Sreg, LDS, LES,
 * LFS, LGS, LSS. Intel SDM vol. 2 (edition in docs/spec-versions.md), MOV and
 * LDS/LES/LFS/LGS/LSS; vol. 3, 6.8.3 (the MOV SS shadow). The descriptor checks are
 * cpu/seg.c's (cpu_seg_check_load). PUSH/POP Sreg are the stack handlers'.
 */
#include "translate/ops/sys.h"

void exec_MOV_SEG(struct vcpu *v, const struct x86_insn *i)
{
	unsigned seg = i->opnd[0].reg;
	uint16_t sel;

	if (seg == SEG_CS || seg > SEG_GS)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);     /* MOV CS is invalid */
	sel = (uint16_t)opnd_read(v, i, 1);
	cpu_load_seg(v, seg, sel);
	if (seg == SEG_SS)
		cpu_set_intr_shadow(v, 2, insn_next_rip(v, i));
}

/* LxS r, m16:16/m16:32/m16:64: offset first, then the selector; both segment checks
 * happen before anything is written. */
static void load_far_ptr(struct vcpu *v, const struct x86_insn *i, unsigned seg)
{
	unsigned size = i->opsize;
	uint64_t off, raw;
	uint16_t sel;
	struct seg_cache sc;

	off = cpu_ld(v, i->seg, insn_ea(v, i), size);
	sel = (uint16_t)cpu_ld(v, i->seg, sys_ea_plus(v, i, size), 2);
	cpu_seg_check_load(v, seg, sel, &sc, &raw);
	cpu_seg_commit(v, seg, &sc, raw);
	gpr_write(&v->s, i->opnd[0].reg, size, false, off);
}

void exec_LDS(struct vcpu *v, const struct x86_insn *i) { load_far_ptr(v, i, SEG_DS); }
void exec_LES(struct vcpu *v, const struct x86_insn *i) { load_far_ptr(v, i, SEG_ES); }
void exec_LFS(struct vcpu *v, const struct x86_insn *i) { load_far_ptr(v, i, SEG_FS); }
void exec_LGS(struct vcpu *v, const struct x86_insn *i) { load_far_ptr(v, i, SEG_GS); }
void exec_LSS(struct vcpu *v, const struct x86_insn *i) { load_far_ptr(v, i, SEG_SS); }
