/*
 * tests/guest/vmx/vmx_ctls.c - more VM-execution, VM-exit and VM-entry
 * controls: CR3-target values, CR4 guest/host mask and read shadow, RDPMC,
 * RDTSCP, WBINVD and descriptor-table exiting, NMI exiting, the VMX-preemption
 * timer, the VM-exit MSR-store/MSR-load and VM-entry MSR-load lists, save/load
 * of IA32_PAT and IA32_EFER, and the HLT activity state.
 * Expectations: Intel SDM vol. 3, 325462-084US: 26.1.3 (conditional exits),
 * 26.2 (NMIs), 26.3 (CR4 reads), 26.5.1 (preemption timer), 27.3.1.1 (PAT),
 * 27.4 (entry MSR loading), 27.7.1 (activity state on event injection), 28.2.1
 * and 28.2.5 (qualification, instruction information), 28.3 (saving guest
 * state, 28.4 MSR store), 28.5 and 28.6 (loading host state and MSRs).
 */
#include "vmx.h"

#define CR3_TARGET_VALUE0 0x6008
#define PREEMPTION_TIMER_VALUE 0x482e
#define PIN_PREEMPTION_TIMER (1u << 6)
#define EXIT_REASON_GDTR_IDTR 46
#define EXIT_REASON_LDTR_TR 47
#define EXIT_REASON_PREEMPTION_TIMER 52
#define APIC_REG(off) (*(volatile uint32_t *)(0xfee00000ul + (off)))

extern char vmx_l2_stub[];

static unsigned long l2_nothing(unsigned long arg) { return arg; }

static unsigned long finish(const struct vmx_exit *e, const char *name)
{
	vmx_skip_insn(e);
	return vmx_run_to_done(name);
}

/* A zero MSR bitmap: no RDMSR/WRMSR exits. */
static void no_msr_exits(void)
{
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS))
		report_abort("MSR bitmaps", "needed by this test");
	vmcs_write(MSR_BITMAP, (unsigned long)vmx_alloc_page());
}

/* ------------------------------------------------------------ CR3, CR4 */

static unsigned long l2_write_cr3(unsigned long arg)
{
	unsigned long cr3 = read_cr3();

	asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	return 1;
}

static unsigned long l2_cr4(unsigned long bit)
{
	unsigned long cr4 = read_cr4();

	asm volatile("mov %0, %%cr4" : : "d"(cr4 | bit) : "memory");
	return read_cr4();
}

static void test_cr3_cr4(void)
{
	struct vmx_exit e;
	unsigned long cr4 = read_cr4();
	const unsigned long bit = X86_CR4_OSXMMEXCPT;

	/* SDM 26.1.3: MOV to CR3 does not exit when the value equals one of the
	 * first CR3-target-count target values. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING) && ((g_vmx_caps.misc >> 16) & 0x1ff)) {
		vmcs_write(CR3_TARGET_COUNT, 1);
		vmcs_write(CR3_TARGET_VALUE0, read_cr3());
		vmx_l2_start(l2_write_cr3, 0);
		expect_eq(vmx_run_to_done("MOV to CR3 of a CR3-target value"), 1,
			  "MOV to CR3 of a CR3-target value: no exit");
	}
	/* SDM 26.1.3: MOV to CR4 exits if a masked bit differs from the shadow;
	 * qualification CR 4, type 0, GPR 2 (28.2.1 table 28-3). */
	if (!(g_vmx_caps.cr4_fixed1 & bit) || (cr4 & bit)) {
		report_skip("CR4 guest/host mask", "CR4.OSXMMEXCPT not usable");
		return;
	}
	vmx_vmcs_setup();
	vmcs_write(CR4_GUEST_HOST_MASK, bit);
	vmcs_write(CR4_READ_SHADOW, cr4 & ~bit);
	vmx_l2_start(l2_cr4, bit);
	if (vmx_expect_exit(&e, EXIT_REASON_CR_ACCESS, "MOV to CR4 changing a masked bit: exit reason 28")) {
		expect_eq(e.qual, 0x204, "MOV RDX to CR4: qualification CR 4, type 0, GPR 2");
		/* L1 emulates: the shadow takes the new value, CR4 itself does not. */
		vmcs_write(CR4_READ_SHADOW, cr4 | bit);
		expect_eq(finish(&e, "MOV to CR4 emulated") & bit, bit, "MOV from CR4 returns the read shadow's bit");
		expect_eq(vmcs_read(GUEST_CR4) & bit, 0, "guest CR4 bit itself unchanged");
	}
}

/* ----------------------------------------------- RDPMC, RDTSCP, WBINVD */

static unsigned long l2_rdpmc(unsigned long arg)
{
	uint32_t lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo;
}

static unsigned long l2_rdtscp(unsigned long arg)
{
	uint32_t lo, hi, aux;

	excp_clear();
	asm volatile(ASM_TRY("rdtscp") : "=a"(lo), "=d"(hi), "=c"(aux));
	return g_excp.taken ? 0x100 + g_excp.vector : lo;
}

static unsigned long l2_wbinvd(unsigned long arg)
{
	asm volatile("wbinvd" : : : "memory");
	return 0;
}

static void test_insn_controls(void)
{
	struct vmx_exit e;

	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_RDPMC_EXITING)) {
		vmx_l2_start(l2_rdpmc, 0);
		if (vmx_expect_exit(&e, EXIT_REASON_RDPMC, "RDPMC with RDPMC exiting: exit reason 15")) {
			expect_eq(e.insn_len, 2, "RDPMC exit: instruction length 2");
			finish(&e, "RDPMC exit resumed");
		}
	}
	if (cpuid(0x80000001).d & (1u << 27)) {
		/* SDM 26.3: RDTSCP with "enable RDTSCP" = 0 raises #UD in L2. */
		vmx_vmcs_setup();
		vmx_l2_start(l2_rdtscp, 0);
		expect_eq(vmx_run_to_done("RDTSCP without enable RDTSCP"), 0x100 + UD_VECTOR,
			  "RDTSCP with enable RDTSCP = 0: #UD in L2");
		/* SDM 26.1.3: with enable RDTSCP and RDTSC exiting, RDTSCP exits. */
		vmx_vmcs_setup();
		if (vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_RDTSCP) &&
		    vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING)) {
			vmx_l2_start(l2_rdtscp, 0);
			if (vmx_expect_exit(&e, EXIT_REASON_RDTSCP, "RDTSCP with RDTSC exiting: exit reason 51")) {
				expect_eq(e.insn_len, 3, "RDTSCP exit: instruction length 3");
				g_vmx_l2_regs.rax = 0x4321;
				expect_eq(finish(&e, "RDTSCP emulated"), 0x4321, "L2 reads the RDTSCP value L1 emulated");
			}
		}
	}
	vmx_vmcs_setup();
	if (vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_WBINVD_EXITING)) {
		vmx_l2_start(l2_wbinvd, 0);
		if (vmx_expect_exit(&e, EXIT_REASON_WBINVD, "WBINVD with WBINVD exiting: exit reason 54")) {
			expect_eq(e.insn_len, 2, "WBINVD exit: instruction length 2");
			finish(&e, "WBINVD exit resumed");
		}
	}
}

static unsigned long l2_sgdt(unsigned long arg)
{
	struct desc_ptr d;

	asm volatile("sgdt (%0)" : : "a"(&d) : "memory");
	return 0;
}

static unsigned long l2_str(unsigned long arg)
{
	unsigned long v;

	asm volatile("str %%rcx" : "=c"(v));
	return v;
}

static void test_desc_table_exiting(void)
{
	struct vmx_exit e;
	/* SDM 28.2.5 table 28-10 (LGDT/LIDT/SGDT/SIDT): address size 2 (9:7),
	 * segment (17:15), index invalid (22), base (26:23), base invalid (27),
	 * identity (29:28, 0 = SGDT). Table 28-11 (LLDT/LTR/SLDT/STR): register
	 * operand (10), Reg1 (6:3), identity (29:28, 1 = STR). */
	const uint32_t mem_mask = (7u << 7) | (1u << 10) | (1u << 22) | (0x1fu << 23) | (3u << 28);

	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_DESC_TABLE_EXITING)) {
		report_skip("descriptor-table exiting", "control not supported");
		return;
	}
	vmx_l2_start(l2_sgdt, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_GDTR_IDTR, "SGDT with descriptor-table exiting: exit reason 46")) {
		expect_eq(e.insn_info & mem_mask, (2u << 7) | (1u << 22), "SGDT (%rax): instruction information");
		expect_eq((e.insn_info >> 15) & 7, 3, "SGDT (%rax): segment DS (an SS default would be 2)");
		expect_eq(e.qual, 0, "SGDT (%rax): qualification = displacement 0");
		expect_eq(e.insn_len, 3, "SGDT (%rax): instruction length 3");
		finish(&e, "SGDT exit resumed");
	}
	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_DESC_TABLE_EXITING);
	vmx_l2_start(l2_str, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_LDTR_TR, "STR with descriptor-table exiting: exit reason 47")) {
		expect_eq(e.insn_info & ((1u << 10) | (0xfu << 3) | (3u << 28)), (1u << 10) | (1u << 3) | (1u << 28),
			  "STR RCX: instruction information (register, Reg1 RCX, identity STR)");
		g_vmx_l2_regs.rcx = 0x48;
		expect_eq(finish(&e, "STR emulated"), 0x48, "L2 reads the TR selector L1 emulated");
	}
}

/* ------------------------------------------------------------------- NMIs */

static volatile unsigned g_nmis;

static void nmi_handler(struct excp_frame *f)
{
	g_nmis++;
}

/* L2 sends itself an NMI through the local APIC (physical destination = own ID). */
static unsigned long l2_self_nmi(unsigned long arg)
{
	APIC_REG(0x310) = APIC_REG(0x20) & 0xff000000u;
	APIC_REG(0x300) = (4u << 8) | (1u << 14);
	for (volatile int i = 0; i < 100; i++)
		;
	return g_nmis;
}

static void test_nmi(void)
{
	struct vmx_exit e;

	APIC_REG(0xf0) = 0x1ff;
	idt_set_handler(NMI_VECTOR, nmi_handler);
	/* SDM 26.2: with NMI exiting an NMI exits (reason 0, type 2, vector 2). */
	g_nmis = 0;
	vmx_vmcs_setup();
	vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	vmx_l2_start(l2_self_nmi, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "NMI in L2 with NMI exiting: exit reason 0")) {
		expect_eq(e.intr_info, INTR_INFO_VALID | INTR_TYPE_NMI | NMI_VECTOR,
			  "NMI exit: interruption information 0x80000202");
		expect_eq(vmx_run_to_done("NMI exit resumed"), 0, "NMI consumed by the exit, not delivered to L2");
	}
	/* Without NMI exiting the NMI goes through L2's IDT. */
	g_nmis = 0;
	vmx_vmcs_setup();
	vmx_l2_start(l2_self_nmi, 0);
	expect_eq(vmx_run_to_done("NMI without NMI exiting"), 1, "NMI without NMI exiting: delivered to L2");
	idt_set_handler(NMI_VECTOR, NULL);
}

static void test_preemption_timer(void)
{
	struct vmx_exit e;

	/* SDM 26.5.1: a timer value of 0 at VM entry exits before any instruction. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER)) {
		report_skip("VMX-preemption timer", "control not supported");
		return;
	}
	vmcs_write(PREEMPTION_TIMER_VALUE, 0);
	vmx_l2_start(l2_nothing, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_PREEMPTION_TIMER, "preemption timer 0 at entry: exit reason 52"))
		expect_eq(e.guest_rip, (unsigned long)vmx_l2_stub, "preemption timer 0: exit before the first instruction");
}

/* -------------------------------------------------------------- MSR lists */

static unsigned long l2_msr_lists(unsigned long arg)
{
	uint64_t v = rdmsr(MSR_KERNEL_GS_BASE);

	wrmsr(MSR_IA32_SYSENTER_ESP, 0x7777000);
	return v;
}

static void test_msr_lists(void)
{
	uint64_t *entry_load = vmx_alloc_page(), *exit_store = vmx_alloc_page(), *exit_load = vmx_alloc_page();
	uint64_t saved_kgs = rdmsr(MSR_KERNEL_GS_BASE);

	/* Entries: bits 31:0 MSR index, 63:32 reserved, 127:64 data (SDM 25.7.2, 25.8.2). */
	entry_load[0] = MSR_KERNEL_GS_BASE;
	entry_load[1] = 0xabc000;
	exit_store[0] = MSR_IA32_SYSENTER_ESP;
	exit_store[1] = 0;
	exit_load[0] = MSR_KERNEL_GS_BASE;
	exit_load[1] = 0x5550000;
	vmx_vmcs_setup();
	no_msr_exits();
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (unsigned long)entry_load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, (unsigned long)exit_store);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 1);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (unsigned long)exit_load);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	vmx_l2_start(l2_msr_lists, 0);
	expect_eq(vmx_run_to_done("MSR lists"), 0xabc000, "VM-entry MSR-load list loaded L2's IA32_KERNEL_GS_BASE (27.4)");
	expect_eq(exit_store[1], 0x7777000, "VM-exit MSR-store list saved L2's IA32_SYSENTER_ESP (28.4)");
	expect_eq(rdmsr(MSR_KERNEL_GS_BASE), 0x5550000, "VM-exit MSR-load list loaded L1's IA32_KERNEL_GS_BASE (28.6)");
	expect_eq(rdmsr(MSR_IA32_SYSENTER_ESP), vmcs_read(HOST_IA32_SYSENTER_ESP),
		  "host IA32_SYSENTER_ESP loaded from the host-state area (28.5.1)");
	wrmsr(MSR_KERNEL_GS_BASE, saved_kgs);
}

/* ------------------------------------------------------------ PAT, EFER */

#define PAT_L2 0x0406000704060007ull
#define PAT_L2_NEW 0x0007040600070406ull

static unsigned long l2_pat_efer(unsigned long arg)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);

	wrmsr(MSR_IA32_PAT, PAT_L2_NEW);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) ^ EFER_SCE);
	return pat;
}

static void test_pat_efer(void)
{
	const uint64_t pat0 = rdmsr(MSR_IA32_PAT), efer0 = rdmsr(MSR_EFER);
	struct vmx_exit e;
	const uint32_t entry_ctl = ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER;
	const uint32_t exit_ctl = EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER;

	vmx_vmcs_setup();
	if (!vmx_ctl_set(VM_ENTRY_CONTROLS, entry_ctl) || !vmx_ctl_set(VM_EXIT_CONTROLS, exit_ctl)) {
		report_skip("PAT/EFER controls", "not supported");
		return;
	}
	no_msr_exits();
	vmcs_write(GUEST_IA32_PAT, PAT_L2);
	vmcs_write(GUEST_IA32_EFER, efer0);
	vmcs_write(HOST_IA32_PAT, pat0);
	vmcs_write(HOST_IA32_EFER, efer0);
	vmx_l2_start(l2_pat_efer, 0);
	expect_eq(vmx_run_to_done("PAT/EFER"), PAT_L2, "load IA32_PAT: L2 reads the guest PAT (27.3.2.1)");
	expect_eq(vmcs_read(GUEST_IA32_PAT), PAT_L2_NEW, "save IA32_PAT: L2's new PAT in the guest-state area (28.3.1)");
	expect_eq(rdmsr(MSR_IA32_PAT), pat0, "load IA32_PAT on exit: L1's PAT back (28.5.1)");
	expect_eq(vmcs_read(GUEST_IA32_EFER), efer0 ^ EFER_SCE, "save IA32_EFER: L2's EFER in the guest-state area");
	expect_eq(rdmsr(MSR_EFER), efer0, "load IA32_EFER on exit: L1's EFER back");

	/* SDM 27.3.1.1: with load IA32_PAT, each PAT entry must be a valid memory type (2 is not). */
	vmx_vmcs_setup();
	vmx_ctl_set(VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_PAT);
	vmcs_write(GUEST_IA32_PAT, 0x0000000000000002ull);
	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_OK && e.reason == (EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE),
	       "guest IA32_PAT with memory type 2: VM-entry failure, reason 0x80000021 (got %#x)", e.reason);
}

/* ---------------------------------------------------------- activity state */

static volatile unsigned g_injected;

static void inj_handler(struct excp_frame *f)
{
	g_injected++;
}

static void test_hlt_activity(void)
{
	/* SDM 27.7.1 (and 27.3.1.5): an entry into the HLT state that injects an
	 * external interrupt delivers it and leaves the processor active. */
	if (!(g_vmx_caps.misc & (1ull << 6))) {
		report_skip("HLT activity state", "IA32_VMX_MISC bit 6 clear");
		return;
	}
	g_injected = 0;
	idt_set_handler(0x44, inj_handler);
	vmx_vmcs_setup();
	vmcs_write(GUEST_ACTIVITY_STATE, 1);
	vmcs_write(GUEST_RFLAGS, 0x202);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x44);
	vmx_l2_start(l2_nothing, 3);
	expect_eq(vmx_run_to_done("HLT activity with injection"), 3, "entry in HLT state with an injected interrupt: L2 runs");
	expect_eq(g_injected, 1, "HLT activity: the injected interrupt was delivered");
	expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), 0, "HLT activity: active after the injection");
	idt_set_handler(0x44, NULL);
}

/* ------------------------------------------------------------ TPR shadow */

#define EXIT_REASON_TPR_BELOW_THRESHOLD 43

static unsigned long l2_tpr(unsigned long arg)
{
	unsigned long v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	asm volatile("mov %0, %%cr8" : : "r"(3ul) : "memory");
	asm volatile("mov %0, %%cr8\n\t.globl l2_tpr_after\nl2_tpr_after:" : : "r"(1ul) : "memory");
	return v;
}
extern char l2_tpr_after[];

/* Default VMCS with "use TPR shadow", CR8 exiting off, VTPR and threshold. */
static uint8_t *tpr_setup(uint8_t vtpr, uint32_t threshold)
{
	uint8_t *vapic = vmx_alloc_page();

	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW) ||
	    !vmx_ctl_can_clear(CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING))
		return NULL;
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING);
	vapic[0x80] = vtpr;
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (unsigned long)vapic);
	vmcs_write(TPR_THRESHOLD, threshold);
	return vapic;
}

static void expect_ctl_fail(const char *name)
{
	struct vmx_exit e;

	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_CONTROLS,
	       "%s: VMfailValid, error 7 (got %s, %u)", name, vmx_result_name(e.entry), e.insn_error);
}

static void test_tpr_shadow(void)
{
	struct vmx_exit e;
	uint8_t *vapic;

	if (!tpr_setup(0x50, 2)) {
		report_skip("TPR shadow", "use TPR shadow not supported (or CR8 exiting fixed)");
		return;
	}
	/* SDM 27.2.1.1: TPR threshold bits 31:4 are 0, bits 3:0 not above VTPR[7:4]
	 * (without APIC-access virtualization / virtual-interrupt delivery), and the
	 * virtual-APIC address is 4 KiB aligned. */
	tpr_setup(0x50, 0x12);
	expect_ctl_fail("TPR threshold bit 4 set");
	tpr_setup(0x30, 4);
	expect_ctl_fail("TPR threshold 4 above VTPR[7:4] = 3");
	tpr_setup(0x50, 2);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, vmcs_read(VIRTUAL_APIC_PAGE_ADDR) + 0x80);
	expect_ctl_fail("virtual-APIC address not 4 KiB aligned");

	/* SDM 30.3: MOV from CR8 reads VTPR[7:4]; MOV to CR8 writes VTPR (bits 3:0
	 * cleared), then TPR virtualization (30.1.2) exits with reason 43, trap-like,
	 * when VTPR[7:4] drops below the threshold. */
	vapic = tpr_setup(0x50, 2);
	vmx_l2_start(l2_tpr, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_TPR_BELOW_THRESHOLD, "MOV to CR8 below the TPR threshold: exit reason 43")) {
		expect_eq(e.guest_rip, (unsigned long)l2_tpr_after, "TPR below threshold: trap-like, RIP after the MOV");
		expect_eq(vapic[0x80], 0x10, "MOV to CR8 wrote VTPR = 1 << 4 in the virtual-APIC page");
		vmcs_write(TPR_THRESHOLD, 0);
		expect_eq(vmx_run_to_done("TPR shadow resumed"), 5, "MOV from CR8 read VTPR[7:4] = 5");
	}
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_cr3_cr4();
	test_insn_controls();
	test_desc_table_exiting();
	test_nmi();
	test_preemption_timer();
	test_msr_lists();
	test_pat_efer();
	test_hlt_activity();
	test_tpr_shadow();
	return 0;
}
