/*
 * translate/ops/sys_msr.c - RDMSR, WRMSR, CPUID, RDTSC, RDTSCP, RDPMC, SWAPGS, and the
 * fast system calls SYSCALL/SYSRET and SYSENTER/SYSEXIT. Intel SDM vol. 2 (edition in
 * docs/spec-versions.md), the instruction pages; vol. 3, 5.8.7-5.8.8. Legacy-mode
 * SYSCALL/SYSRET follow AMD APM vol. 3 (Intel raises #UD outside 64-bit mode).
 */
#include "translate/ops/sys.h"

static void set_edx_eax(struct vcpu *v, uint64_t val)
{
	v->s.gpr[0] = (uint32_t)val;
	v->s.gpr[2] = val >> 32;
}

void exec_RDMSR(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t index = (uint32_t)v->s.gpr[1];
	uint64_t val;

	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_RDMSR, index, i);
	if (cpu_rdmsr(v, index, &val))
		cpu_raise(v, EXC_GP, 0);
	set_edx_eax(v, val);
}

void exec_WRMSR(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t index = (uint32_t)v->s.gpr[1];
	uint64_t val = (uint32_t)v->s.gpr[0] | (v->s.gpr[2] << 32);

	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_WRMSR, index, i);
	if (cpu_wrmsr(v, index, val))
		cpu_raise(v, EXC_GP, 0);
}

void exec_CPUID(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t r[4];

	cpu_intercept(v, ICPT_CPUID, (uint32_t)v->s.gpr[0], i);
	cpu_cpuid(v, (uint32_t)v->s.gpr[0], (uint32_t)v->s.gpr[1], r);
	v->s.gpr[0] = r[0];
	v->s.gpr[3] = r[1];
	v->s.gpr[1] = r[2];
	v->s.gpr[2] = r[3];
}

/* CR4.TSD restricts RDTSC/RDTSCP to CPL 0 (SDM vol. 3, 2.5). */
static void tsd_check(struct vcpu *v)
{
	if ((v->s.cr4 & CR4_TSD) && cpu_cpl(&v->s) > 0)
		cpu_raise(v, EXC_GP, 0);
}

void exec_RDTSC(struct vcpu *v, const struct x86_insn *i)
{
	tsd_check(v);
	cpu_intercept(v, ICPT_RDTSC, 0, i);
	set_edx_eax(v, cpu_tsc(v));
}

void exec_RDTSCP(struct vcpu *v, const struct x86_insn *i)
{
	tsd_check(v);
	cpu_intercept(v, ICPT_RDTSCP, 0, i);
	set_edx_eax(v, cpu_tsc(v));
	v->s.gpr[1] = (uint32_t)v->s.msr.tsc_aux;
}

/* RDPID (SDM vol. 2, RDPID): IA32_TSC_AUX into the register (no CR4.TSD check). */
void exec_RDPID(struct vcpu *v, const struct x86_insn *i)
{
	opnd_write(v, i, 0, (uint32_t)v->s.msr.tsc_aux);
}

/* RDPMC (SDM vol. 2): CR4.PCE = 0 restricts it to CPL 0; the counters are cpu/pmu.c's
 * (an invalid ECX, or no PMU, #GPs). */
void exec_RDPMC(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t val;

	if (!(v->s.cr4 & CR4_PCE) && cpu_cpl(&v->s) > 0)
		cpu_raise(v, EXC_GP, 0);
	cpu_intercept(v, ICPT_RDPMC, (uint32_t)v->s.gpr[1], i);
	if (cpu_rdpmc(v, (uint32_t)v->s.gpr[1], &val))
		cpu_raise(v, EXC_GP, 0);
	set_edx_eax(v, val);
}

void exec_SWAPGS(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t t = v->s.seg[SEG_GS].base;

	sys_need_cpl0(v);
	v->s.seg[SEG_GS].base = v->s.msr.kernel_gs_base;
	v->s.msr.kernel_gs_base = t;
}

/* A flat segment as SYSCALL/SYSENTER load them (base 0, limit 4G, fixed attributes). */
static void flat_seg(struct seg_cache *sc, uint16_t sel, unsigned type, unsigned dpl, bool l)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->attr = type | SEGA_S | SEGA_P | SEGA_G | (dpl << SEGA_DPL_SHIFT) |
		   (l ? SEGA_L : SEGA_DB);
}

static void set_flags(struct vcpu *v, uint64_t f)
{
	cpu_set_rflags(&v->s, (f & 0x3f7fd7ull) | RFLAGS_FIXED1);
}

void exec_SYSCALL(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint16_t sel = (uint16_t)(s->msr.star >> 32) & ~3u;
	uint64_t next = insn_next_rip(v, i), f = cpu_get_rflags(s);

	if (!(s->efer & EFER_SCE) || (!cpu_64bit_mode(s) && v->vendor == VENDOR_INTEL))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (cpu_long_mode(s)) {
		s->gpr[1] = next;
		s->gpr[11] = f & ~(uint64_t)RFLAGS_RF;
		flat_seg(&s->seg[SEG_CS], sel, 0xb, 0, true);
		s->rip = cpu_64bit_mode(s) ? s->msr.lstar : s->msr.cstar;
		set_flags(v, f & ~s->msr.sfmask & ~(uint64_t)RFLAGS_RF);
	} else {
		/* AMD legacy mode: EIP from STAR[31:0], IF/VM/RF cleared (APM vol. 3). */
		s->gpr[1] = (uint32_t)next;
		flat_seg(&s->seg[SEG_CS], sel, 0xb, 0, false);
		s->rip = (uint32_t)s->msr.star;
		set_flags(v, f & ~(uint64_t)(RFLAGS_IF | RFLAGS_VM | RFLAGS_RF));
	}
	flat_seg(&s->seg[SEG_SS], (uint16_t)(sel + 8), 0x3, 0, false);
}

void exec_SYSRET(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint16_t base = (uint16_t)(s->msr.star >> 48);
	bool to64 = i->opsize == 8;

	if (!(s->efer & EFER_SCE) || (!cpu_64bit_mode(s) && v->vendor == VENDOR_INTEL))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	sys_need_cpl0(v);
	if (cpu_long_mode(s)) {
		/* Intel checks RCX before loading anything, #GP(0) at CPL 0 (SDM vol. 2,
		 * SYSRET); AMD loads it and the fetch at CPL 3 faults (APM vol. 3, SYSRET). */
		if (to64 && v->vendor != VENDOR_AMD && !cpu_canonical_addr(v, s->gpr[1]))
			cpu_raise(v, EXC_GP, 0);
		set_flags(v, s->gpr[11] & ~(uint64_t)(RFLAGS_RF | RFLAGS_VM));
		if (to64) {
			flat_seg(&s->seg[SEG_CS], (uint16_t)((base + 16) | 3), 0xb, 3, true);
			s->rip = s->gpr[1];
		} else {
			flat_seg(&s->seg[SEG_CS], (uint16_t)(base | 3), 0xb, 3, false);
			s->rip = (uint32_t)s->gpr[1];
		}
	} else {
		flat_seg(&s->seg[SEG_CS], (uint16_t)(base | 3), 0xb, 3, false);
		s->rip = (uint32_t)s->gpr[1];
		set_flags(v, cpu_get_rflags(s) | RFLAGS_IF);
	}
	flat_seg(&s->seg[SEG_SS], (uint16_t)((base + 8) | 3), 0x3, 3, false);
}

void exec_SYSENTER(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint16_t sel = (uint16_t)s->msr.sysenter_cs & ~3u;
	bool lm = cpu_long_mode(s);

	/* AMD: SYSENTER/SYSEXIT are #UD in long mode (APM vol. 3, SYSENTER). */
	if (lm && v->vendor == VENDOR_AMD)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (cpu_real_mode(s) || !(sel & ~7u))
		cpu_raise(v, EXC_GP, 0);
	set_flags(v, cpu_get_rflags(s) & ~(uint64_t)(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF));
	flat_seg(&s->seg[SEG_CS], sel, 0xb, 0, lm);
	flat_seg(&s->seg[SEG_SS], (uint16_t)(sel + 8), 0x3, 0, false);
	s->gpr[4] = lm ? s->msr.sysenter_esp : (uint32_t)s->msr.sysenter_esp;
	s->rip = lm ? s->msr.sysenter_eip : (uint32_t)s->msr.sysenter_eip;
}

void exec_SYSEXIT(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint16_t sel = (uint16_t)s->msr.sysenter_cs;
	bool to64 = i->opsize == 8;

	if (cpu_long_mode(s) && v->vendor == VENDOR_AMD)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (cpu_real_mode(s) || !(sel & ~7u) || cpu_cpl(s) != 0)
		cpu_raise(v, EXC_GP, 0);
	if (to64 && (!cpu_canonical_addr(v, s->gpr[2]) || !cpu_canonical_addr(v, s->gpr[1])))
		cpu_raise(v, EXC_GP, 0);
	flat_seg(&s->seg[SEG_CS], (uint16_t)((sel + (to64 ? 32 : 16)) | 3), 0xb, 3, to64);
	flat_seg(&s->seg[SEG_SS], (uint16_t)((sel + (to64 ? 40 : 24)) | 3), 0x3, 3, false);
	s->gpr[4] = to64 ? s->gpr[1] : (uint32_t)s->gpr[1];
	s->rip = to64 ? s->gpr[2] : (uint32_t)s->gpr[2];
}
