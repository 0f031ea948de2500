/*
 * tests/guest/vmx/vmx.c - the L1 test hypervisor (vmx.h): VMX instruction
 * wrappers, enabling VMX, the default VMCS and running L2.
 * SDM vol. 3, 325462-084US: chapters 24 (VMX operation), 25 (VMCS), 27 (VM
 * entries), 28 (VM exits), 31 (VMX instruction reference), appendix A.
 */
#include "vmx.h"

struct vmx_caps g_vmx_caps;
struct vmx_gprs g_vmx_l2_regs;

static uint64_t g_vmxon_pa;
static void *g_vmcs_page;
static bool g_vmx_launched;
static uint8_t g_l2_stack[16384] __attribute__((aligned(16)));

unsigned long vmx_run(unsigned long resume);
extern char vmx_l2_stub[];

/* ----------------------------------------------------------- instructions */

/* SDM 31.2: CF = VMfailInvalid, ZF = VMfailValid, both clear = VMsucceed. */
static enum vmx_result vmx_flags_result(unsigned long rflags)
{
	if (g_excp.taken)
		return VMX_FAULT;
	if (rflags & X86_EFLAGS_CF)
		return VMX_FAIL_INVALID;
	if (rflags & X86_EFLAGS_ZF)
		return VMX_FAIL_VALID;
	return VMX_OK;
}

/* Each wrapper: the VMX instruction alone in ASM_TRY (its fixup covers only
 * the first instruction), then RFLAGS. */
#define VMX_INSN_MEM(name, mnemonic)                                                  \
	enum vmx_result name(uint64_t pa)                                             \
	{                                                                             \
		unsigned long rf;                                                     \
		excp_clear();                                                         \
		asm volatile(ASM_TRY(mnemonic " %1") "pushf; pop %0"                  \
			     : "=r"(rf) : "m"(pa) : "cc", "memory");                  \
		return vmx_flags_result(rf);                                          \
	}
VMX_INSN_MEM(vmxon, "vmxon")
VMX_INSN_MEM(vmclear, "vmclear")
VMX_INSN_MEM(vmptrld, "vmptrld")

#define VMX_INSN_NONE(name, mnemonic)                                                 \
	enum vmx_result name(void)                                                    \
	{                                                                             \
		unsigned long rf;                                                     \
		excp_clear();                                                         \
		asm volatile(ASM_TRY(mnemonic) "pushf; pop %0" : "=r"(rf) : : "cc", "memory"); \
		return vmx_flags_result(rf);                                          \
	}
VMX_INSN_NONE(vmxoff, "vmxoff")
VMX_INSN_NONE(vmcall_root, "vmcall")
VMX_INSN_NONE(vmlaunch_fail, "vmlaunch")
VMX_INSN_NONE(vmresume_fail, "vmresume")

enum vmx_result vmptrst(uint64_t *pa)
{
	unsigned long rf;

	excp_clear();
	asm volatile(ASM_TRY("vmptrst %1") "pushf; pop %0" : "=r"(rf), "=m"(*pa) : : "cc", "memory");
	return vmx_flags_result(rf);
}

enum vmx_result vmread(uint64_t field, uint64_t *val)
{
	unsigned long rf;
	uint64_t v = 0;

	excp_clear();
	asm volatile(ASM_TRY("vmread %2, %1") "pushf; pop %0"
		     : "=r"(rf), "+r"(v) : "r"(field) : "cc", "memory");
	*val = v;
	return vmx_flags_result(rf);
}

enum vmx_result vmwrite(uint64_t field, uint64_t val)
{
	unsigned long rf;

	excp_clear();
	asm volatile(ASM_TRY("vmwrite %1, %2") "pushf; pop %0"
		     : "=r"(rf) : "r"(val), "r"(field) : "cc", "memory");
	return vmx_flags_result(rf);
}

uint32_t vmx_insn_error(void)
{
	uint64_t v;

	return vmread(VM_INSTRUCTION_ERROR, &v) == VMX_OK ? (uint32_t)v : 0;
}

const char *vmx_result_name(enum vmx_result r)
{
	static const char *const names[] = { "VMsucceed", "VMfailInvalid", "VMfailValid", "fault" };

	return r <= VMX_FAULT ? names[r] : "?";
}

uint64_t vmcs_read(uint32_t field)
{
	uint64_t v;
	enum vmx_result r = vmread(field, &v);

	if (r != VMX_OK)
		report_fail("vmread", "field %#x: %s (error %u)", field, vmx_result_name(r), vmx_insn_error());
	return v;
}

void vmcs_write(uint32_t field, uint64_t val)
{
	enum vmx_result r = vmwrite(field, val);

	if (r != VMX_OK)
		report_fail("vmwrite", "field %#x = %#lx: %s (error %u)", field, val, vmx_result_name(r),
			    vmx_insn_error());
}

void vmcs_set_bits(uint32_t field, uint64_t bits) { vmcs_write(field, vmcs_read(field) | bits); }
void vmcs_clear_bits(uint32_t field, uint64_t bits) { vmcs_write(field, vmcs_read(field) & ~bits); }

/* ------------------------------------------------------------ VMX set-up */

void *vmx_alloc_page(void)
{
	return pt_alloc_page();
}

unsigned long vmx_ept_identity(const void *split, uint64_t **pt)
{
	static uint64_t *pml4, *small;
	static unsigned long split_2m = ~0ul;

	if (!pml4) {
		uint64_t *pdpt = vmx_alloc_page();

		pml4 = vmx_alloc_page();
		pml4[0] = (unsigned long)pdpt | EPT_RWX;
		if (pt) {
			split_2m = (unsigned long)split & ~0x1ffffful;
			small = vmx_alloc_page();
		}
		for (unsigned i = 0; i < 4; i++) {
			uint64_t *pd = vmx_alloc_page();

			pdpt[i] = (unsigned long)pd | EPT_RWX;
			for (unsigned j = 0; j < 512; j++) {
				uint64_t pa = ((uint64_t)i << 30) | ((uint64_t)j << 21);

				pd[j] = pa == split_2m ? (unsigned long)small | EPT_RWX
						       : pa | EPT_RWX | EPT_MT_WB | EPT_LARGE;
			}
		}
	}
	if (small) {
		for (unsigned k = 0; k < 512; k++)
			small[k] = (split_2m + ((uint64_t)k << 12)) | EPT_RWX | EPT_MT_WB;
	}
	if (pt)
		*pt = small;
	return (unsigned long)pml4;
}

enum vmx_result invept(unsigned long type, uint64_t eptp)
{
	struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
	unsigned long rf;

	excp_clear();
	asm volatile(ASM_TRY("invept %1, %2") "pushf; pop %0" : "=r"(rf) : "m"(desc), "r"(type) : "cc", "memory");
	return g_excp.taken ? VMX_FAULT : rf & X86_EFLAGS_CF ? VMX_FAIL_INVALID
				       : rf & X86_EFLAGS_ZF ? VMX_FAIL_VALID : VMX_OK;
}

enum vmx_result invvpid(unsigned long type, uint16_t vpid, uint64_t la)
{
	struct { uint64_t vpid, la; } desc = { vpid, la };
	unsigned long rf;

	excp_clear();
	asm volatile(ASM_TRY("invvpid %1, %2") "pushf; pop %0" : "=r"(rf) : "m"(desc), "r"(type) : "cc", "memory");
	return g_excp.taken ? VMX_FAULT : rf & X86_EFLAGS_CF ? VMX_FAIL_INVALID
				       : rf & X86_EFLAGS_ZF ? VMX_FAIL_VALID : VMX_OK;
}

bool vmx_init(void)
{
	struct vmx_caps *c = &g_vmx_caps;
	uint64_t fc;

	if (!(cpuid(1).c & (1u << 5))) {        /* SDM 24.6: CPUID.1:ECX.VMX[bit 5] */
		report_fail("vmx", "CPUID.1:ECX.VMX is 0 (run with -cpu max,+vmx)");
		return false;
	}
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->revision = (uint32_t)c->basic & 0x7fffffff;          /* SDM A.1: bits 30:0 */
	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	/* SDM A.3.3: PROCBASED_CTLS2 exists only if "activate secondary controls" may be 1. */
	c->proc2 = (c->proc >> 32) & CPU_SECONDARY_CONTROLS ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	c->vmcs_enum = rdmsr(MSR_IA32_VMX_VMCS_ENUM);
	c->ept_vpid = (c->proc2 >> 32) & (CPU2_ENABLE_EPT | CPU2_ENABLE_VPID)
		      ? rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;

	/* SDM 24.7: VMXON needs IA32_FEATURE_CONTROL locked with bit 2 set. */
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		report_skip("vmx", "IA32_FEATURE_CONTROL locked with VMX disabled");
		return false;
	}
	/* SDM 24.8: CR0 and CR4 in VMX operation obey the FIXED0/FIXED1 MSRs. */
	write_cr0((read_cr0() | c->cr0_fixed0) & c->cr0_fixed1);
	write_cr4((read_cr4() | c->cr4_fixed0 | X86_CR4_VMXE) & c->cr4_fixed1);
	return true;
}

uint64_t vmx_vmxon_region(void)
{
	if (!g_vmxon_pa)
		g_vmxon_pa = (uint64_t)(unsigned long)vmx_alloc_page();
	*(volatile uint32_t *)(unsigned long)g_vmxon_pa = g_vmx_caps.revision;     /* SDM 25.11.5 */
	return g_vmxon_pa;
}

bool vmx_enable(void)
{
	enum vmx_result r;

	if (!vmx_init())
		return false;
	r = vmxon(vmx_vmxon_region());
	if (r != VMX_OK) {
		report_fail("vmxon", "%s (vector %u)", vmx_result_name(r), g_excp.vector);
		return false;
	}
	return true;
}

/* Control field -> capability MSR value (allowed 0-settings low, allowed 1-settings high). */
uint64_t vmx_ctl_cap(uint32_t field)
{
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL: return g_vmx_caps.pin;
	case CPU_BASED_VM_EXEC_CONTROL: return g_vmx_caps.proc;
	case SECONDARY_VM_EXEC_CONTROL: return g_vmx_caps.proc2;
	case VM_EXIT_CONTROLS: return g_vmx_caps.exit;
	case VM_ENTRY_CONTROLS: return g_vmx_caps.entry;
	}
	report_abort("vmx_ctl_cap", "field %#x is not a control field", field);
}

/* SDM A.3.1: bit X of the low half set = the control must be 1; bit X of the
 * high half clear = the control must be 0. */
uint32_t vmx_ctl_adjust(uint32_t field, uint32_t want)
{
	uint64_t cap = vmx_ctl_cap(field);

	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

bool vmx_ctl_can_set(uint32_t field, uint32_t bits)
{
	return ((vmx_ctl_cap(field) >> 32) & bits) == bits;
}

bool vmx_ctl_can_clear(uint32_t field, uint32_t bits)
{
	return (vmx_ctl_cap(field) & bits) == 0;
}

bool vmx_ctl_set(uint32_t field, uint32_t bits)
{
	if (!vmx_ctl_can_set(field, bits))
		return false;
	if (field == SECONDARY_VM_EXEC_CONTROL) {
		if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_SECONDARY_CONTROLS))
			return false;
	}
	vmcs_set_bits(field, bits);
	return true;
}

/* Base of the system descriptor at selector sel (16 bytes in IA-32e mode, SDM 8.2.3). */
static uint64_t gdt_system_base(uint16_t sel)
{
	uint64_t lo = guest_gdt[sel >> 3], hi = guest_gdt[(sel >> 3) + 1];

	return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | ((hi & 0xffffffff) << 32);
}

static void vmx_setup_host(void)
{
	struct desc_ptr gdt, idt;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	/* SDM 27.2.2: host state; RSP and RIP are written by vmx_run. */
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, read_cr3());
	vmcs_write(HOST_CR4, read_cr4());
	vmcs_write(HOST_CS_SELECTOR, KERNEL_CS64);
	vmcs_write(HOST_SS_SELECTOR, KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, KERNEL_DS);
	vmcs_write(HOST_ES_SELECTOR, KERNEL_DS);
	vmcs_write(HOST_FS_SELECTOR, KERNEL_DS);
	vmcs_write(HOST_GS_SELECTOR, KERNEL_DS);
	vmcs_write(HOST_TR_SELECTOR, TSS_SEL);
	vmcs_write(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(HOST_TR_BASE, gdt_system_base(TSS_SEL));
	vmcs_write(HOST_GDTR_BASE, gdt.base);
	vmcs_write(HOST_IDTR_BASE, idt.base);
	vmcs_write(HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
}

/* Access rights (SDM 25.4.1, table 25-2): type, S, DPL, P, AVL, L, D/B, G, unusable. */
#define AR_CODE64 0xa09bu       /* execute/read accessed, S, P, L, G */
#define AR_DATA 0xc093u         /* read/write accessed, S, P, D/B, G */
#define AR_TSS64_BUSY 0x008bu
#define AR_UNUSABLE (1u << 16)

static void vmx_setup_guest(void)
{
	static const uint32_t data_sel[] = { GUEST_ES_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
					     GUEST_FS_SELECTOR, GUEST_GS_SELECTOR };
	struct desc_ptr gdt, idt;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	vmcs_write(GUEST_CR0, read_cr0());
	vmcs_write(GUEST_CR3, read_cr3());
	vmcs_write(GUEST_CR4, read_cr4());
	/* Selector, base, limit, AR of ES..GS are at the same offset from each
	 * other in every group (SDM B.1.2, B.3.3, B.4.3): ES + 2 * n. */
	for (unsigned i = 0; i < 5; i++) {
		uint32_t n = (data_sel[i] - GUEST_ES_SELECTOR) / 2;

		vmcs_write(data_sel[i], KERNEL_DS);
		vmcs_write(GUEST_ES_BASE + 2 * n, 0);
		vmcs_write(GUEST_ES_LIMIT + 2 * n, 0xffffffff);
		vmcs_write(GUEST_ES_AR + 2 * n, AR_DATA);
	}
	vmcs_write(GUEST_CS_SELECTOR, KERNEL_CS64);
	vmcs_write(GUEST_CS_BASE, 0);
	vmcs_write(GUEST_CS_LIMIT, 0xffffffff);
	vmcs_write(GUEST_CS_AR, AR_CODE64);
	vmcs_write(GUEST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(GUEST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(GUEST_TR_SELECTOR, TSS_SEL);
	vmcs_write(GUEST_TR_BASE, gdt_system_base(TSS_SEL));
	vmcs_write(GUEST_TR_LIMIT, 0x67);
	vmcs_write(GUEST_TR_AR, AR_TSS64_BUSY);
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR, AR_UNUSABLE);
	vmcs_write(GUEST_GDTR_BASE, gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, idt.limit);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_RFLAGS, 0x2);
	vmcs_write(GUEST_RSP, (unsigned long)(g_l2_stack + sizeof(g_l2_stack)));
	vmcs_write(GUEST_RIP, (unsigned long)vmx_l2_stub);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);           /* SDM 27.3.1.5 */
}

void vmx_vmcs_use_page(void *page)
{
	g_vmcs_page = page;
}

uint64_t vmx_vmcs_setup(void)
{
	uint64_t pa;

	if (!g_vmcs_page)
		g_vmcs_page = vmx_alloc_page();
	pa = (uint64_t)(unsigned long)g_vmcs_page;
	*(volatile uint32_t *)g_vmcs_page = g_vmx_caps.revision;   /* SDM 25.2 */
	if (vmclear(pa) != VMX_OK || vmptrld(pa) != VMX_OK)
		report_abort("vmx_vmcs_setup", "VMCLEAR/VMPTRLD of the VMCS failed");
	g_vmx_launched = false;
	/* Controls at their minimum (SDM 27.2.1.1, A.3-A.5); 64-bit host and guest. */
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_ctl_adjust(PIN_BASED_VM_EXEC_CONTROL, 0));
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_ctl_adjust(CPU_BASED_VM_EXEC_CONTROL, 0));
	vmcs_write(VM_EXIT_CONTROLS, vmx_ctl_adjust(VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE));
	vmcs_write(VM_ENTRY_CONTROLS, vmx_ctl_adjust(VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST));
	if (g_vmx_caps.proc2)
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx_ctl_adjust(SECONDARY_VM_EXEC_CONTROL, 0));
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, 0);
	vmcs_write(CR4_GUEST_HOST_MASK, 0);
	vmcs_write(TSC_OFFSET, 0);
	vmx_setup_host();
	vmx_setup_guest();
	memset(&g_vmx_l2_regs, 0, sizeof(g_vmx_l2_regs));
	return pa;
}

void vmx_l2_start(unsigned long (*fn)(unsigned long), unsigned long arg)
{
	vmcs_write(GUEST_RSP, (unsigned long)(g_l2_stack + sizeof(g_l2_stack)));
	vmcs_write(GUEST_RIP, (unsigned long)vmx_l2_stub);
	g_vmx_l2_regs.rsi = (unsigned long)fn;
	g_vmx_l2_regs.rdi = arg;
}

/* ----------------------------------------------------------------- running */

void vmx_enter(struct vmx_exit *e)
{
	unsigned long rf = vmx_run(g_vmx_launched);

	memset(e, 0, sizeof(*e));
	if (rf) {
		e->entry = rf & X86_EFLAGS_CF ? VMX_FAIL_INVALID : VMX_FAIL_VALID;
		e->insn_error = e->entry == VMX_FAIL_VALID ? vmx_insn_error() : 0;
		return;
	}
	e->reason = (uint32_t)vmcs_read(VM_EXIT_REASON);
	/* SDM 27.8, 31.3: a VM-entry failure leaves the launch state clear. */
	if (!(e->reason & EXIT_REASON_FAILED_VMENTRY))
		g_vmx_launched = true;
	e->qual = vmcs_read(EXIT_QUALIFICATION);
	e->gla = vmcs_read(GUEST_LINEAR_ADDRESS);
	e->guest_rip = vmcs_read(GUEST_RIP);
	e->intr_info = (uint32_t)vmcs_read(VM_EXIT_INTR_INFO);
	e->intr_err = (uint32_t)vmcs_read(VM_EXIT_INTR_ERROR_CODE);
	e->idt_info = (uint32_t)vmcs_read(IDT_VECTORING_INFO);
	e->idt_err = (uint32_t)vmcs_read(IDT_VECTORING_ERROR_CODE);
	e->insn_len = (uint32_t)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e->insn_info = (uint32_t)vmcs_read(VMX_INSTRUCTION_INFO);
	if ((g_vmx_caps.proc2 >> 32) & CPU2_ENABLE_EPT)
		e->gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
}

void vmx_skip_insn(const struct vmx_exit *e)
{
	vmcs_write(GUEST_RIP, e->guest_rip + e->insn_len);
}

bool vmx_exit_is_done(const struct vmx_exit *e, unsigned long *ret)
{
	if (e->entry != VMX_OK || e->reason != EXIT_REASON_VMCALL || g_vmx_l2_regs.rax != VMX_CALL_DONE)
		return false;
	if (ret)
		*ret = g_vmx_l2_regs.rdi;
	return true;
}

static void vmx_describe(const struct vmx_exit *e, char *buf, size_t size)
{
	if (e->entry != VMX_OK)
		snprintf(buf, size, "entry %s, VM-instruction error %u", vmx_result_name(e->entry),
			 e->insn_error);
	else
		snprintf(buf, size, "exit reason %#x qual %#lx rip %#lx intr %#x", e->reason, e->qual,
			 e->guest_rip, e->intr_info);
}

bool vmx_expect_exit(struct vmx_exit *e, uint32_t reason, const char *name)
{
	char buf[120];

	vmx_enter(e);
	if (e->entry == VMX_OK && e->reason == reason) {
		report_pass("%s", name);
		return true;
	}
	vmx_describe(e, buf, sizeof(buf));
	report_fail(name, "%s, expected exit reason %u", buf, reason);
	return false;
}

unsigned long vmx_run_to_done(const char *name)
{
	struct vmx_exit e;
	unsigned long ret = 0;
	char buf[120];

	vmx_enter(&e);
	if (vmx_exit_is_done(&e, &ret))
		return ret;
	vmx_describe(&e, buf, sizeof(buf));
	report_fail(name, "%s, expected L2 to finish", buf);
	return ret;
}
