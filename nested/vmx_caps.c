/*
 * nested/vmx_caps.c - the VMX capability MSRs (SDM vol. 3, appendix A, edition in
 * docs/spec-versions.md): exactly the controls nested/ implements are allowed-1.
 * Read-only: WRMSR to any of them #GPs (A.1).
 */
#include "nested/vmx_internal.h"

#define MSR_VMX_BASIC           0x480
#define MSR_VMX_PINBASED        0x481
#define MSR_VMX_PROCBASED       0x482
#define MSR_VMX_EXIT            0x483
#define MSR_VMX_ENTRY           0x484
#define MSR_VMX_MISC            0x485
#define MSR_VMX_CR0_FIXED0      0x486
#define MSR_VMX_CR0_FIXED1      0x487
#define MSR_VMX_CR4_FIXED0      0x488
#define MSR_VMX_CR4_FIXED1      0x489
#define MSR_VMX_VMCS_ENUM       0x48a
#define MSR_VMX_PROCBASED2      0x48b
#define MSR_VMX_EPT_VPID_CAP    0x48c
#define MSR_VMX_TRUE_PINBASED   0x48d
#define MSR_VMX_TRUE_PROCBASED  0x48e
#define MSR_VMX_TRUE_EXIT       0x48f
#define MSR_VMX_TRUE_ENTRY      0x490
#define MSR_VMX_VMFUNC          0x491

/* Default1 classes (A.2): the bits that read as 1 in the non-TRUE MSRs. */
#define PIN_DEFAULT1    0x00000016u
#define PROC_DEFAULT1   0x0401e172u
#define EXIT_DEFAULT1   0x00036dffu
#define ENTRY_DEFAULT1  0x000011ffu

/* Of the default1 bits, those the TRUE MSRs let be 0 (A.3.2, A.4, A.5). */
#define PROC_TRUE_ZERO  (PROC_CR3_LOAD | PROC_CR3_STORE)
#define EXIT_TRUE_ZERO  EXIT_SAVE_DEBUG
#define ENTRY_TRUE_ZERO ENTRY_LOAD_DEBUG

struct vmx_ctl_caps vmx_ctl_caps(const struct vcpu *v, enum vmx_ctl which, bool true_ctls)
{
	struct vmx_ctl_caps c = { 0, 0 };
	uint64_t ept = ept_vpid_cap();

	switch (which) {
	case CTL_PIN:
		c.must1 = PIN_DEFAULT1;
		c.may1 = c.must1 | PIN_EXT_INT | PIN_NMI | PIN_VNMI | PIN_PREEMPT | PIN_POSTED;
		break;
	case CTL_PROC:
		c.must1 = PROC_DEFAULT1 & ~(true_ctls ? PROC_TRUE_ZERO : 0);
		c.may1 = PROC_DEFAULT1 | PROC_INTR_WINDOW | PROC_TSC_OFFSET | PROC_HLT |
			 PROC_INVLPG | PROC_MWAIT | PROC_RDPMC | PROC_RDTSC | PROC_CR8_LOAD |
			 PROC_CR8_STORE | PROC_TPR_SHADOW | PROC_NMI_WINDOW | PROC_MOV_DR | PROC_UNCOND_IO |
			 PROC_IO_BITMAPS | PROC_MTF | PROC_MSR_BITMAPS | PROC_MONITOR |
			 PROC_PAUSE | PROC_SECONDARY;
		break;
	case CTL_PROC2:
		/* APIC virtualization: nested/vmx_apic.c (SDM 30). */
		c.may1 = SEC_DESC_TABLE | SEC_WBINVD | SEC_PLE | SEC_APIC_ACCESS | SEC_X2APIC |
			 SEC_APIC_REG | SEC_VID;
		if (cpu_has_feature(v, "rdtscp"))
			c.may1 |= SEC_RDTSCP;
		if (cpu_has_feature(v, "invpcid"))
			c.may1 |= SEC_INVPCID;
		if (cpu_has_feature(v, "rdrand"))
			c.may1 |= SEC_RDRAND;
		if (cpu_has_feature(v, "rdseed"))
			c.may1 |= SEC_RDSEED;
		if (cpu_has_feature(v, "xsaves"))
			c.may1 |= SEC_XSAVES;
		/* EPT and VPID only as far as nested/ept.c implements them (A.10);
		 * unrestricted guest needs EPT (25.6.2). */
		if (ept)
			c.may1 |= SEC_EPT | SEC_UNRESTRICTED;
		if (ept >> 32 & 1)
			c.may1 |= SEC_VPID;
		break;
	case CTL_EXIT:
		c.must1 = EXIT_DEFAULT1 & ~(true_ctls ? EXIT_TRUE_ZERO : 0);
		c.may1 = EXIT_DEFAULT1 | EXIT_HOST_64 | EXIT_ACK_INT | EXIT_SAVE_PAT |
			 EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PREEMPT;
		if (cpu_pmu_present(v))
			c.may1 |= EXIT_LOAD_PERF;
		break;
	case CTL_ENTRY:
		c.must1 = ENTRY_DEFAULT1 & ~(true_ctls ? ENTRY_TRUE_ZERO : 0);
		c.may1 = ENTRY_DEFAULT1 | ENTRY_IA32E | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER;
		if (cpu_pmu_present(v))
			c.may1 |= ENTRY_LOAD_PERF;
		break;
	}
	return c;
}

/* A.7: CR0.PE, NE and PG must be 1 in VMX operation (unrestricted guest relaxes PE
 * and PG for the guest only, 27.3.1.1); every other bit may be either. */
uint64_t vmx_cr0_fixed0(void) { return CR0_PE | CR0_NE | CR0_PG; }
uint64_t vmx_cr0_fixed1(void) { return 0xffffffffull; }
/* A.8: CR4.VMXE must be 1; what the model supports may be 1. */
uint64_t vmx_cr4_fixed0(void) { return CR4_VMXE; }
uint64_t vmx_cr4_fixed1(const struct vcpu *v) { return cpu_cr4_valid(v) | CR4_VMXE; }

/*
 * A.6: bit 5 (VM exits store EFER.LMA in "IA-32e mode guest"), activity states HLT,
 * shutdown and wait-for-SIPI (bits 6-8), 4 CR3-target values (24:16), MSR lists of
 * up to 512 entries (27:25 = 0), VMWRITE to the VM-exit information fields (29).
 * The preemption timer counts at the TSC rate (4:0 = 0): the TSC is the machine
 * clock (cpu_tsc), so it expires after that many TSC ticks.
 */
uint64_t vmx_misc(void)
{
	return (1ull << 5) | (7ull << 6) | (4ull << 16) | (1ull << 29);
}

/* A.9: bits 9:1 = the highest field index among the supported encodings. */
static uint64_t vmcs_enum(const struct vcpu *v)
{
	unsigned hi = 0;

	for (unsigned k = 0; k < vmcs_field_count(); k++)
		if (vmcs_field_supported(v, k)) {
			unsigned idx = (vmcs_field_at(k)->encoding >> 1) & 0x1ff;

			if (idx > hi)
				hi = idx;
		}
	return (uint64_t)hi << 1;
}

static uint64_t ctl_msr(const struct vcpu *v, enum vmx_ctl which, bool true_ctls)
{
	struct vmx_ctl_caps c = vmx_ctl_caps(v, which, true_ctls);

	return (uint64_t)c.may1 << 32 | c.must1;
}

bool vmx_cap_msr(const struct vcpu *v, uint32_t index, uint64_t *val)
{
	switch (index) {
	case MSR_VMX_BASIC:
		/* A.1: revision, 4 KiB region (44:32), write-back (53:50 = 6), INS/OUTS
		 * instruction information (54), TRUE controls (55). */
		*val = VMX_REVISION | 4096ull << 32 | 6ull << 50 | 1ull << 54 | 1ull << 55;
		return true;
	case MSR_VMX_PINBASED: *val = ctl_msr(v, CTL_PIN, false); return true;
	case MSR_VMX_PROCBASED: *val = ctl_msr(v, CTL_PROC, false); return true;
	case MSR_VMX_EXIT: *val = ctl_msr(v, CTL_EXIT, false); return true;
	case MSR_VMX_ENTRY: *val = ctl_msr(v, CTL_ENTRY, false); return true;
	case MSR_VMX_TRUE_PINBASED: *val = ctl_msr(v, CTL_PIN, true); return true;
	case MSR_VMX_TRUE_PROCBASED: *val = ctl_msr(v, CTL_PROC, true); return true;
	case MSR_VMX_TRUE_EXIT: *val = ctl_msr(v, CTL_EXIT, true); return true;
	case MSR_VMX_TRUE_ENTRY: *val = ctl_msr(v, CTL_ENTRY, true); return true;
	case MSR_VMX_PROCBASED2: *val = ctl_msr(v, CTL_PROC2, false); return true;
	case MSR_VMX_MISC: *val = vmx_misc(); return true;
	case MSR_VMX_CR0_FIXED0: *val = vmx_cr0_fixed0(); return true;
	case MSR_VMX_CR0_FIXED1: *val = vmx_cr0_fixed1(); return true;
	case MSR_VMX_CR4_FIXED0: *val = vmx_cr4_fixed0(); return true;
	case MSR_VMX_CR4_FIXED1: *val = vmx_cr4_fixed1(v); return true;
	case MSR_VMX_VMCS_ENUM: *val = vmcs_enum(v); return true;
	case MSR_VMX_EPT_VPID_CAP:
		/* A.10: exists only with EPT or VPID allowed. */
		*val = ept_vpid_cap();
		return *val != 0;
	default:
		/* IA32_VMX_VMFUNC exists only with "enable VM functions" (A.11): not here. */
		return false;
	}
}

/* The capability MSRs exist only when the model reports VMX (A.1). */
int vmx_msr_hook(struct vcpu *v, void *opaque, uint32_t index, uint64_t *val, bool write)
{
	(void)opaque;
	if (index < MSR_VMX_BASIC || index > MSR_VMX_VMFUNC || !cpu_has_feature(v, "vmx"))
		return 0;
	if (write || !vmx_cap_msr(v, index, val))
		return -1;
	return 1;
}
