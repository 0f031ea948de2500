/*
 * cpu/msr.c - model-specific registers: the architectural ones elzero implements,
 * with their reserved-bit rules, and hooks for MSRs owned elsewhere (nested/: VMX
 * capabilities, SVM; hw/: x2APIC).
 *
 * Intel SDM vol. 4 (MSR tables) and vol. 3: 2.2.1 (EFER), 5.8.8 (SYSCALL MSRs),
 * 11.4.4 (APIC base), 11.11 (MTRRs), 11.12 (PAT), 17.17 (TSC), 10.8.5 (IA-32e
 * activation: EFER.LME with paging on). Edition in docs/spec-versions.md.
 */
#include "cpu/internal.h"

#include <stdio.h>
#include <stdlib.h>

/* MSR indices (SDM vol. 4, table 2-2) */
#define MSR_IA32_TSC               0x10
#define MSR_IA32_PLATFORM_ID       0x17
#define MSR_IA32_APIC_BASE         0x1b
#define MSR_IA32_FEATURE_CONTROL   0x3a
#define MSR_IA32_SPEC_CTRL         0x48
#define MSR_IA32_PRED_CMD          0x49
#define MSR_IA32_BIOS_SIGN_ID      0x8b
#define MSR_IA32_MTRRCAP           0xfe
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_SYSENTER_CS       0x174
#define MSR_IA32_SYSENTER_ESP      0x175
#define MSR_IA32_SYSENTER_EIP      0x176
#define MSR_IA32_MISC_ENABLE       0x1a0
#define MSR_IA32_DEBUGCTL          0x1d9
#define MSR_IA32_MTRR_PHYSBASE0    0x200
#define MSR_IA32_MTRR_FIX64K       0x250
#define MSR_IA32_MTRR_FIX16K_80000 0x258
#define MSR_IA32_MTRR_FIX16K_A0000 0x259
#define MSR_IA32_MTRR_FIX4K_C0000  0x268
#define MSR_IA32_PAT               0x277
#define MSR_IA32_MTRR_DEF_TYPE     0x2ff
#define MSR_EFER                   0xc0000080
#define MSR_STAR                   0xc0000081
#define MSR_LSTAR                  0xc0000082
#define MSR_CSTAR                  0xc0000083
#define MSR_SFMASK                 0xc0000084
#define MSR_FS_BASE                0xc0000100
#define MSR_GS_BASE                0xc0000101
#define MSR_KERNEL_GS_BASE         0xc0000102
#define MSR_TSC_AUX                0xc0000103
#define MSR_IA32_XSS               0xda0

#define MTRR_VAR_COUNT 8

void cpu_msr_add_hook(struct vcpu *v, msr_hook_fn fn, void *opaque)
{
	for (unsigned k = 0; k < VCPU_MSR_HOOKS; k++) {
		if (!v->msr_hooks[k].fn) {
			v->msr_hooks[k].fn = fn;
			v->msr_hooks[k].opaque = opaque;
			return;
		}
	}
	abort();        /* more hooks than slots: a setup bug */
}

static int run_hooks(struct vcpu *v, uint32_t index, uint64_t *val, bool write)
{
	for (unsigned k = 0; k < VCPU_MSR_HOOKS; k++) {
		int r;

		if (!v->msr_hooks[k].fn)
			continue;
		r = v->msr_hooks[k].fn(v, v->msr_hooks[k].opaque, index, val, write);
		if (r != 0)
			return r > 0 ? 0 : -1;
	}
	return 1;       /* nobody claimed it */
}

uint64_t cpu_tsc(const struct vcpu *v)
{
	/* Until replay/ provides the machine clock: one tick per retired instruction. */
	return v->icount + v->s.tsc_offset;
}

static bool has(const struct vcpu *v, const char *feat) { return cpu_has_feature(v, feat); }

/* Memory types valid in the PAT and MTRRs (SDM vol. 3, 11.11.2.2, 11.12.2). */
static bool mem_type_ok(unsigned t, bool pat)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7);
}

static bool bytes_are_types(uint64_t val, bool pat)
{
	for (unsigned k = 0; k < 8; k++)
		if (!mem_type_ok((val >> (8 * k)) & 0xff, pat))
			return false;
	return true;
}

static uint64_t phys_rsvd(const struct vcpu *v)
{
	return ~((1ull << v->phys_bits) - 1);
}

/* The MTRR block: 200H-20FH variable pairs, fixed ranges, default type. */
static uint64_t *mtrr_slot(struct vcpu *v, uint32_t index)
{
	struct msr_state *m = &v->s.msr;

	if (index >= MSR_IA32_MTRR_PHYSBASE0 && index < MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_VAR_COUNT)
		return &m->mtrr_var[index - MSR_IA32_MTRR_PHYSBASE0];
	if (index == MSR_IA32_MTRR_FIX64K)
		return &m->mtrr_fixed[0];
	if (index == MSR_IA32_MTRR_FIX16K_80000 || index == MSR_IA32_MTRR_FIX16K_A0000)
		return &m->mtrr_fixed[1 + index - MSR_IA32_MTRR_FIX16K_80000];
	if (index >= MSR_IA32_MTRR_FIX4K_C0000 && index < MSR_IA32_MTRR_FIX4K_C0000 + 8)
		return &m->mtrr_fixed[3 + index - MSR_IA32_MTRR_FIX4K_C0000];
	if (index == MSR_IA32_MTRR_DEF_TYPE)
		return &m->mtrr_def_type;
	return NULL;
}

static int mtrr_write(struct vcpu *v, uint32_t index, uint64_t val, uint64_t *slot)
{
	if (index == MSR_IA32_MTRR_DEF_TYPE) {
		/* bits 7:0 type, 10 FE, 11 E (11.11.2.1) */
		if ((val & ~0xcffull) || !mem_type_ok(val & 0xff, false))
			return -1;
	} else if (index < MSR_IA32_MTRR_FIX64K) {
		bool is_mask = (index - MSR_IA32_MTRR_PHYSBASE0) & 1;
		uint64_t rsvd = phys_rsvd(v) | (is_mask ? 0x7ffull : 0xf00ull);

		if ((val & rsvd) || (!is_mask && !mem_type_ok(val & 0xff, false)))
			return -1;
	} else if (!bytes_are_types(val, false)) {
		return -1;
	}
	*slot = val;
	return 0;
}

/* SDM vol. 3, 2.2.1 and 10.8.5: EFER bits exist only with their features; LME cannot
 * change while paging is on; LMA is read-only. */
static int efer_write(struct vcpu *v, uint64_t val)
{
	struct cpu_state *s = &v->s;
	uint64_t ok = EFER_LMA;

	if (has(v, "syscall"))
		ok |= EFER_SCE;
	if (has(v, "lm"))
		ok |= EFER_LME;
	if (has(v, "nx"))
		ok |= EFER_NXE;
	if (has(v, "svm"))
		ok |= EFER_SVME;
	if (has(v, "fxsr-opt"))
		ok |= EFER_FFXSR;
	if (val & ~ok)
		return -1;
	if ((s->cr0 & CR0_PG) && ((val ^ s->efer) & EFER_LME))
		return -1;
	val = (val & ~EFER_LMA) | (s->efer & EFER_LMA);
	if ((val ^ s->efer) & EFER_NXE)
		cpu_tlb_flush_current(v);
	s->efer = val;
	return 0;
}

/* SDM vol. 3, 11.4.4: base in bits M-1:12, EN (11), EXTD (10, x2APIC), BSP (8, RO). */
static int apic_base_write(struct vcpu *v, uint64_t val)
{
	uint64_t rsvd = phys_rsvd(v) | 0x2ff;
	bool en = val & (1u << 11), extd = val & (1u << 10);

	if (!has(v, "x2apic"))
		rsvd |= 1u << 10;
	bool was_x2 = (v->s.msr.apic_base & (3u << 10)) == (3u << 10);
	bool was_en = v->s.msr.apic_base & (1u << 11);

	if ((val & rsvd) || (extd && !en))
		return -1;
	/* SDM vol. 3, 11.12.5 (figure 11-27): x2APIC -> xAPIC and disabled -> x2APIC are
	 * invalid transitions; x2APIC is left only through the disabled state. */
	if ((was_x2 && en && !extd) || (!was_en && en && extd))
		return -1;
	v->s.msr.apic_base = (val & ~0x100ull) | (v->s.msr.apic_base & 0x100);
	return 0;
}

static int rdmsr_arch(struct vcpu *v, uint32_t index, uint64_t *val)
{
	const struct cpu_state *s = &v->s;
	uint64_t *slot;
	int r = mca_msr(v, index, val, false);

	if (r <= 0 || (r = pmu_msr(v, index, val, false)) <= 0)
		return r;

	switch (index) {
	case MSR_IA32_TSC: *val = cpu_tsc(v); return 0;
	case MSR_IA32_APIC_BASE: *val = s->msr.apic_base; return 0;
	case MSR_IA32_SYSENTER_CS: *val = s->msr.sysenter_cs; return has(v, "sep") ? 0 : -1;
	case MSR_IA32_SYSENTER_ESP: *val = s->msr.sysenter_esp; return has(v, "sep") ? 0 : -1;
	case MSR_IA32_SYSENTER_EIP: *val = s->msr.sysenter_eip; return has(v, "sep") ? 0 : -1;
	case MSR_IA32_MTRRCAP: *val = 0x500 | MTRR_VAR_COUNT; return 0;   /* WC, FIX */
	case MSR_IA32_PAT: *val = s->msr.pat; return 0;
	case MSR_IA32_DEBUGCTL: *val = s->msr.debugctl; return 0;
	case MSR_EFER: *val = s->efer; return 0;
	case MSR_STAR: *val = s->msr.star; return 0;
	case MSR_LSTAR: *val = s->msr.lstar; return 0;
	case MSR_CSTAR: *val = s->msr.cstar; return 0;
	case MSR_SFMASK: *val = s->msr.sfmask; return 0;
	case MSR_FS_BASE: *val = s->seg[SEG_FS].base; return 0;
	case MSR_GS_BASE: *val = s->seg[SEG_GS].base; return 0;
	case MSR_KERNEL_GS_BASE: *val = s->msr.kernel_gs_base; return 0;
	case MSR_TSC_AUX: *val = s->msr.tsc_aux; return has(v, "rdtscp") ? 0 : -1;
	case MSR_IA32_SPEC_CTRL: *val = s->msr.spec_ctrl; return has(v, "spec-ctrl") ? 0 : -1;
	/* SDM vol. 1, 13.3: IA32_XSS exists with XSAVES; elzero enumerates no supervisor
	 * state component (CPUID.(EAX=0DH,ECX=1):ECX/EDX = 0), so it stays 0. */
	case MSR_IA32_XSS: *val = 0; return has(v, "xsaves") ? 0 : -1;
	case MSR_IA32_ARCH_CAPABILITIES:
		*val = v->model ? v->model->arch_capabilities : 0;
		return has(v, "arch-capabilities") ? 0 : -1;
	}
	if (v->vendor == VENDOR_INTEL) {
		switch (index) {
		case MSR_IA32_PLATFORM_ID: case MSR_IA32_BIOS_SIGN_ID: *val = 0; return 0;
		case MSR_IA32_FEATURE_CONTROL: *val = s->msr.feature_control; return 0;
		case MSR_IA32_MISC_ENABLE: *val = s->msr.misc_enable; return 0;
		}
	}
	slot = mtrr_slot(v, index);
	if (slot) {
		*val = *slot;
		return 0;
	}
	return 1;
}

static int canonical_or_gp(const struct vcpu *v, uint64_t val)
{
	return cpu_canonical_addr(v, val) ? 0 : -1;
}

static int wrmsr_arch(struct vcpu *v, uint32_t index, uint64_t val)
{
	struct cpu_state *s = &v->s;
	uint64_t *slot;
	int r = mca_msr(v, index, &val, true);

	if (r <= 0 || (r = pmu_msr(v, index, &val, true)) <= 0)
		return r;

	switch (index) {
	case MSR_IA32_TSC: s->tsc_offset = val - v->icount; return 0;
	case MSR_IA32_APIC_BASE: return apic_base_write(v, val);
	case MSR_IA32_SYSENTER_CS:
		s->msr.sysenter_cs = val & 0xffff;
		return has(v, "sep") ? 0 : -1;
	case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
		if (!has(v, "sep") || canonical_or_gp(v, val))
			return -1;
		*(index == MSR_IA32_SYSENTER_ESP ? &s->msr.sysenter_esp : &s->msr.sysenter_eip) = val;
		return 0;
	case MSR_IA32_PAT:
		if (!bytes_are_types(val, true))
			return -1;
		s->msr.pat = val;
		return 0;
	case MSR_IA32_DEBUGCTL:
		/* LBR (0) and BTF (1) are accepted and recorded; neither is modelled. */
		if (val & ~3ull)
			return -1;
		if (val & 1)
			cpu_log_unimp("last-branch recording (IA32_DEBUGCTL.LBR)", val, NULL);
		s->msr.debugctl = val;
		return 0;
	case MSR_EFER: return efer_write(v, val);
	case MSR_STAR: s->msr.star = val; return 0;
	case MSR_LSTAR: case MSR_CSTAR:
		if (canonical_or_gp(v, val))
			return -1;
		*(index == MSR_LSTAR ? &s->msr.lstar : &s->msr.cstar) = val;
		return 0;
	case MSR_SFMASK:
		if (val >> 32)
			return -1;
		s->msr.sfmask = val;
		return 0;
	case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
		if (canonical_or_gp(v, val))
			return -1;
		if (index == MSR_KERNEL_GS_BASE)
			s->msr.kernel_gs_base = val;
		else
			s->seg[index == MSR_FS_BASE ? SEG_FS : SEG_GS].base = val;
		return 0;
	case MSR_TSC_AUX:
		if (!has(v, "rdtscp") || (val >> 32))
			return -1;
		s->msr.tsc_aux = val;
		return 0;
	case MSR_IA32_XSS: return has(v, "xsaves") && val == 0 ? 0 : -1;
	case MSR_IA32_SPEC_CTRL:
		if (!has(v, "spec-ctrl") || (val & ~7ull))
			return -1;
		s->msr.spec_ctrl = val;
		return 0;
	case MSR_IA32_PRED_CMD:
		return has(v, "spec-ctrl") && !(val & ~1ull) ? 0 : -1;
	}
	if (v->vendor == VENDOR_INTEL) {
		switch (index) {
		case MSR_IA32_BIOS_SIGN_ID: return 0;   /* microcode update trigger: ignored */
		case MSR_IA32_FEATURE_CONTROL:
			/* Locked (bit 0): writes #GP. Bits 1/2 enable VMXON, 20 LMCE. */
			if ((s->msr.feature_control & 1) || (val & ~0x100007ull))
				return -1;
			s->msr.feature_control = val;
			return 0;
		case MSR_IA32_MISC_ENABLE:
			/* BTS/PEBS unavailable (11, 12) stay set. */
			s->msr.misc_enable = val | (1u << 11) | (1u << 12);
			return 0;
		}
	}
	slot = mtrr_slot(v, index);
	if (slot)
		return mtrr_write(v, index, val, slot);
	return 1;
}

int cpu_rdmsr(struct vcpu *v, uint32_t index, uint64_t *val)
{
	int r = run_hooks(v, index, val, false);

	if (r <= 0)
		return r;
	r = rdmsr_arch(v, index, val);
	if (r > 0)
		cpu_log_unimp("MSR read", index, NULL);
	if (r)
		*val = 0;
	return r ? -1 : 0;
}

int cpu_wrmsr(struct vcpu *v, uint32_t index, uint64_t val)
{
	int r = run_hooks(v, index, &val, true);

	if (r <= 0)
		return r;
	r = wrmsr_arch(v, index, val);
	if (r > 0) {
		char detail[40];

		snprintf(detail, sizeof(detail), "value %#llx", (unsigned long long)val);
		cpu_log_unimp("MSR write", index, detail);
	}
	return r ? -1 : 0;
}

/* Power-up values of the MSRs that have one (SDM vol. 3, table 10-1 and vol. 4). */
void msr_reset(struct vcpu *v)
{
	struct msr_state *m = &v->s.msr;

	m->pat = 0x0007040600070406ull;
	m->apic_base = 0xfee00000ull | (1u << 11) | (v->index == 0 ? (1u << 8) : 0);
	m->misc_enable = 1 | (1u << 11) | (1u << 12);      /* fast strings, no BTS/PEBS */
	m->mtrr_def_type = 0;
	pmu_reset(v);
}
