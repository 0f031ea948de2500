/*
 * translate/ops/sys.h - helpers shared by the system-instruction handlers
 * (translate/ops/sys_*.c).
 */
#ifndef ELZERO_TRANSLATE_OPS_SYS_H
#define ELZERO_TRANSLATE_OPS_SYS_H

#include "translate/opcodes.h"

/* Privileged instructions: #GP(0) unless CPL = 0 (SDM vol. 3, 5.9). Real mode is CPL 0;
 * virtual-8086 mode is CPL 3. */
static inline void sys_need_cpl0(struct vcpu *v)
{
	if (cpu_cpl(&v->s) != 0)
		cpu_raise(v, EXC_GP, 0);
}

/* Instructions that exist only in protected mode (LLDT, LTR, LAR, ARPL...): #UD in
 * real and virtual-8086 mode. */
static inline void sys_need_prot(struct vcpu *v)
{
	if (cpu_real_mode(&v->s) || cpu_v86_mode(&v->s))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}

/* CR4.UMIP: SGDT, SIDT, SLDT, SMSW and STR fault at CPL > 0 (SDM vol. 3, 2.5). */
static inline void sys_umip(struct vcpu *v)
{
	if ((v->s.cr4 & CR4_UMIP) && cpu_cpl(&v->s) > 0)
		cpu_raise(v, EXC_GP, 0);
}

static inline unsigned sys_iopl(const struct vcpu *v)
{
	return (unsigned)(v->s.rflags & RFLAGS_IOPL) >> 12;
}

/* Offset n bytes past the memory operand, wrapped at the address size. */
static inline uint64_t sys_ea_plus(const struct vcpu *v, const struct x86_insn *i, uint64_t n)
{
	return (insn_ea(v, i) + n) & size_mask(i->addrsize);
}

/* Set or clear ZF only (LAR, LSL, VERR, VERW, ARPL). */
static inline void sys_set_zf(struct vcpu *v, bool z)
{
	uint64_t f = cpu_get_rflags(&v->s) & ~(uint64_t)RFLAGS_ZF;

	cpu_set_rflags(&v->s, f | (z ? RFLAGS_ZF : 0));
}

/* sys_far.c: load CS for a far transfer in protected mode from a code-segment
 * descriptor already checked, with RPL = cpl. */
void sys_set_cs(struct vcpu *v, uint16_t sel, const struct seg_cache *cs, unsigned cpl);
/* sys_far.c: after a return to an outer level, null DS/ES/FS/GS that the new CPL may
 * not use (SDM vol. 2, RET/IRET). */
void sys_null_outer_segs(struct vcpu *v);
/* sys_far.c: the CS and SS checks of a far return (RET, IRET): raise, or fill the cache
 * and the raw descriptor (0 for a null SS). */
void sys_check_ret_cs(struct vcpu *v, uint16_t sel, struct seg_cache *cs, uint64_t *raw);
void sys_check_ret_ss(struct vcpu *v, uint16_t sel, unsigned rpl, bool to64,
		      struct seg_cache *ss, uint64_t *raw);

#endif
