/*
 * tests/guest/vmx/vmx_ug.c - "unrestricted guest": L2 in real-address mode and
 * in unpaged protected mode under an identity EPT, with VMCALL, I/O and HLT
 * exits from there; and the entry checks that tie CR0.PE/PG to the control.
 * Expectations: Intel SDM vol. 3, 325462-084US: 26.6 (unrestricted guests),
 * 27.2.1.1 (unrestricted guest requires EPT), 27.3.1.1 (CR0 PE/PG with and
 * without the control), 27.3.1.2 (segment checks in real mode with the
 * control), 27.3.2.1 (IA32_EFER.LMA from the IA-32e mode guest control),
 * 28.2.1 (I/O qualification), 25.6.11 (EPTP), 29.3 (EPT entries).
 */
#include "vmx.h"

#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)

/* Real mode: mov $0x1234,%ax; mov %ax,%bx; vmcall; out %al,$0x80; hlt. */
static const uint8_t g_code16[] = { 0xb8, 0x34, 0x12, 0x89, 0xc3, 0x0f, 0x01, 0xc1, 0xe6, 0x80, 0xf4 };
/* 32-bit protected mode: mov $0x5678,%eax; vmcall; hlt. */
static const uint8_t g_code32[] = { 0xb8, 0x78, 0x56, 0x00, 0x00, 0x0f, 0x01, 0xc1, 0xf4 };

static uint64_t g_eptp;

/* Identity EPT for 0-4 GiB, 2 MiB pages, RWX, WB (SDM 29.3.2, 25.6.11). */
static uint64_t ept_identity(void)
{
	return vmx_ept_identity(NULL, NULL) | EPTP_WB | EPTP_WALK4;
}

static void set_segment(uint32_t sel_field, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	uint32_t n = (sel_field - GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + 2 * n, base);
	vmcs_write(GUEST_ES_LIMIT + 2 * n, limit);
	vmcs_write(GUEST_ES_AR + 2 * n, ar);
}

/* A VMCS whose L2 starts at code (copied to a fresh page) with CR0 = cr0
 * (PG = 0), no IA-32e mode, the given CS access rights; unrestricted guest and
 * EPT on. Data segments: base 0, 4 GiB (protected) or 64 KiB (real). */
static bool ug_setup(const uint8_t *code, size_t len, unsigned long cr0, uint16_t cs, uint32_t cs_ar, bool real)
{
	static const uint32_t data[] = { GUEST_ES_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
					 GUEST_FS_SELECTOR, GUEST_GS_SELECTOR };
	uint8_t *page = vmx_alloc_page();

	memcpy(page, code, len);
	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST))
		return false;
	vmcs_write(EPT_POINTER, g_eptp);
	vmcs_clear_bits(VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	vmcs_write(GUEST_CR0, cr0);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_CR4, g_vmx_caps.cr4_fixed0 | X86_CR4_VMXE);
	for (unsigned i = 0; i < 5; i++)
		set_segment(data[i], real ? 0 : KERNEL_DS, 0, real ? 0xffff : 0xffffffff, real ? 0x93 : 0xc093);
	/* Real mode under "unrestricted guest": CS base need not be selector << 4
	 * (that rule is for virtual-8086 mode, 27.3.1.2). */
	set_segment(GUEST_CS_SELECTOR, cs, real ? (unsigned long)page : 0, real ? 0xffff : 0xffffffff, cs_ar);
	/* TR: a busy 32-bit TSS outside IA-32e mode (27.3.1.2). */
	vmcs_write(GUEST_TR_AR, 0x8b);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, real ? 0x3ff : 0);
	vmcs_write(GUEST_RIP, real ? 0 : (unsigned long)page);
	vmcs_write(GUEST_RSP, 0x800);
	vmcs_write(GUEST_RFLAGS, 0x2);
	return true;
}

static void test_real_mode(void)
{
	struct vmx_exit e;

	/* SDM 26.6: with "unrestricted guest", CR0.PE and PG may be 0 (26.6, 27.3.1.1). */
	if (!ug_setup(g_code16, sizeof(g_code16), X86_CR0_NE | (1ul << 4), 0, 0x9b, true)) {
		report_skip("unrestricted guest", "control not supported");
		return;
	}
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING | CPU_HLT_EXITING);
	if (vmx_expect_exit(&e, EXIT_REASON_VMCALL, "real-mode L2: VMCALL exits (reason 18)")) {
		expect_eq(e.guest_rip, 5, "real-mode VMCALL: guest RIP = IP 5");
		expect_eq(e.insn_len, 3, "real-mode VMCALL: instruction length 3");
		expect_eq(g_vmx_l2_regs.rbx & 0xffff, 0x1234, "real-mode L2 executed MOV AX / MOV BX before");
		vmx_skip_insn(&e);
	}
	if (vmx_expect_exit(&e, EXIT_REASON_IO_INSTRUCTION, "real-mode L2: OUT exits (reason 30)")) {
		expect_eq(e.qual, 0x00800040, "real-mode OUT 0x80, AL: qualification");
		vmx_skip_insn(&e);
	}
	if (vmx_expect_exit(&e, EXIT_REASON_HLT, "real-mode L2: HLT exits (reason 12)")) {
		expect_eq(e.guest_rip, 10, "real-mode HLT: guest RIP = IP 10");
		expect_eq(vmcs_read(GUEST_CR0) & (X86_CR0_PE | X86_CR0_PG), 0, "real-mode L2: guest CR0.PE = PG = 0 saved");
	}
}

static void test_unpaged_protected(void)
{
	struct vmx_exit e;

	if (!ug_setup(g_code32, sizeof(g_code32), X86_CR0_PE | X86_CR0_NE | (1ul << 4), KERNEL_CS32, 0xc09b, false))
		return;
	vmx_ctl_set(VM_EXIT_CONTROLS, EXIT_SAVE_IA32_EFER);
	if (vmx_expect_exit(&e, EXIT_REASON_VMCALL, "unpaged 32-bit L2: VMCALL exits (reason 18)")) {
		expect_eq(g_vmx_l2_regs.rax & 0xffffffff, 0x5678, "unpaged 32-bit L2 executed MOV EAX before");
		if (vmcs_read(VM_EXIT_CONTROLS) & EXIT_SAVE_IA32_EFER)
			expect_eq(vmcs_read(GUEST_IA32_EFER) & EFER_LMA, 0, "IA32_EFER.LMA = 0 outside IA-32e mode (27.3.2.1)");
	}
}

static unsigned long l2_nothing(unsigned long arg)
{
	return arg;
}

static void test_checks(void)
{
	struct vmx_exit e;

	/* SDM 27.2.1.1: "unrestricted guest" = 1 requires "enable EPT" = 1: error 7. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_UNRESTRICTED_GUEST))
		return;
	vmcs_clear_bits(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_CONTROLS,
	       "unrestricted guest without EPT: VMfailValid, error 7 (got %s, %u)", vmx_result_name(e.entry),
	       e.insn_error);
	/* SDM 27.3.1.1: without the control CR0.PE = 0 violates IA32_VMX_CR0_FIXED0. */
	if (!ug_setup(g_code16, sizeof(g_code16), X86_CR0_NE | (1ul << 4), 0, 0x9b, true))
		return;
	vmcs_clear_bits(SECONDARY_VM_EXEC_CONTROL, CPU2_UNRESTRICTED_GUEST);
	vmx_enter(&e);
	report(e.entry == VMX_OK && e.reason == (EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE),
	       "CR0.PE = 0 without unrestricted guest: VM-entry failure, reason 0x80000021 (got %s, %#x)",
	       vmx_result_name(e.entry), e.reason);
	/* SDM 27.3.1.1: even with the control, CR0.PG = 1 requires CR0.PE = 1. */
	ug_setup(g_code16, sizeof(g_code16), X86_CR0_NE | X86_CR0_PG | (1ul << 4), 0, 0x9b, true);
	vmx_enter(&e);
	report(e.entry == VMX_OK && e.reason == (EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE),
	       "CR0.PG = 1 with PE = 0 under unrestricted guest: VM-entry failure (got %s, %#x)",
	       vmx_result_name(e.entry), e.reason);
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	if (!(g_vmx_caps.ept_vpid & CAP_WALK4) || !(g_vmx_caps.ept_vpid & CAP_WB) ||
	    !vmx_ctl_can_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST)) {
		report_skip("unrestricted guest", "EPT or unrestricted guest not supported");
		return 0;
	}
	g_eptp = ept_identity();
	test_real_mode();
	test_unpaged_protected();
	test_checks();
	return 0;
}
