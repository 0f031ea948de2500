/*
 * tests/guest/vmx/vmx_entry.c - VM-entry checks, one case per rule: each case
 * starts from the library's valid default VMCS, breaks exactly one rule and
 * asserts the outcome the SDM gives: VMfailValid with VM-instruction error 7
 * (controls) or 8 (host state), a VM-entry failure exit with reason 33 or 34
 * (bit 31 set) and its exit qualification, or a successful entry.
 * Expectations: Intel SDM vol. 3, 325462-084US: 27.2.1 (VMX controls), 27.2.2-
 * 27.2.4 (host state), 27.3.1 (guest state), 27.4 (MSR loading), 27.8 (entry
 * failures and their exit qualification), 31.3 VMLAUNCH (error 26), 31.4.
 */
#include "vmx.h"

enum outcome { OK, CTL, HOST, GUEST, MSR_LOAD };

struct entry_case {
	const char *name;
	const char *sdm;
	uint32_t field;                 /* 0: custom set-up only */
	uint64_t clear, set;            /* field = (field & ~clear) | set */
	bool (*setup)(void);            /* optional; false = not applicable (SKIP) */
	enum outcome want;
	uint64_t qual;                  /* exit qualification for GUEST / MSR_LOAD */
};

#define NONCANON 0x8000000000000000ull
#define AR_P (1u << 7)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_UNUSABLE (1u << 16)

static unsigned maxphyaddr(void)
{
	return cpuid(0x80000000).a >= 0x80000008 ? cpuid(0x80000008).a & 0xff : 36;
}

/* Set a control bit the capability MSR says must be 0 (SDM 27.2.1.1, A.3). */
static bool set_reserved(uint32_t field)
{
	uint32_t allowed1 = (uint32_t)(vmx_ctl_cap(field) >> 32);

	for (unsigned b = 0; b < 32; b++) {
		if (!(allowed1 & (1u << b))) {
			vmcs_set_bits(field, 1u << b);
			return true;
		}
	}
	return false;
}

static bool pin_reserved(void) { return set_reserved(PIN_BASED_VM_EXEC_CONTROL); }
static bool proc_reserved(void) { return set_reserved(CPU_BASED_VM_EXEC_CONTROL); }
static bool exit_reserved(void) { return set_reserved(VM_EXIT_CONTROLS); }
static bool entry_reserved(void) { return set_reserved(VM_ENTRY_CONTROLS); }

/* Clear a pin-based control the capability MSR says must be 1. */
static bool pin_default1_clear(void)
{
	uint32_t allowed0 = (uint32_t)vmx_ctl_cap(PIN_BASED_VM_EXEC_CONTROL);

	if (!allowed0)
		return false;
	vmcs_clear_bits(PIN_BASED_VM_EXEC_CONTROL, allowed0 & -allowed0);
	return true;
}

static bool cr3_target_count(void)
{
	/* SDM 27.2.1.1: at most IA32_VMX_MISC bits 24:16 CR3-target values (A.6). */
	vmcs_write(CR3_TARGET_COUNT, ((g_vmx_caps.misc >> 16) & 0x1ff) + 1);
	return true;
}

static bool io_bitmap_unaligned(void)
{
	uint64_t page = (unsigned long)vmx_alloc_page();

	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS))
		return false;
	vmcs_write(IO_BITMAP_A, page + 0x10);
	vmcs_write(IO_BITMAP_B, (unsigned long)vmx_alloc_page());
	return true;
}

static bool msr_bitmap_unaligned(void)
{
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS))
		return false;
	vmcs_write(MSR_BITMAP, (unsigned long)vmx_alloc_page() + 0x10);
	return true;
}

static bool nmi_window_without_vnmi(void)
{
	if (!vmx_ctl_can_set(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING) ||
	    !vmx_ctl_can_clear(PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS))
		return false;
	vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	return true;
}

static bool vnmi_without_nmi_exiting(void)
{
	if (!vmx_ctl_can_set(PIN_BASED_VM_EXEC_CONTROL, PIN_VIRTUAL_NMIS) ||
	    !vmx_ctl_can_clear(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING))
		return false;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL,
		   (vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_VIRTUAL_NMIS) & ~PIN_NMI_EXITING);
	return true;
}

static bool soft_intr_len0(void)
{
	/* SDM 27.2.1.3: length 0 allowed only if IA32_VMX_MISC bit 30 is 1. */
	if (g_vmx_caps.misc & (1ull << 30))
		return false;
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | 0x30);
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, 0);
	return true;
}

static bool msr_load_unaligned(void)
{
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (unsigned long)vmx_alloc_page() + 4);
	return true;
}

static bool host_cr3_maxphys(void)
{
	if (maxphyaddr() >= 52)
		return false;
	vmcs_write(HOST_CR3, read_cr3() | (1ull << maxphyaddr()));
	return true;
}

static bool guest_cr0_ne(void)
{
	if (!(g_vmx_caps.cr0_fixed0 & X86_CR0_NE))
		return false;
	vmcs_clear_bits(GUEST_CR0, X86_CR0_NE);
	return true;
}

static bool guest_dr7_high(void)
{
	if (!vmx_ctl_set(VM_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS))
		return false;
	vmcs_write(GUEST_DR7, 0x400 | (1ull << 32));
	return true;
}

static bool guest_efer_lma(void)
{
	if (!vmx_ctl_set(VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_EFER))
		return false;
	vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_EFER) & ~EFER_LMA);
	return true;
}

static bool guest_efer_ok(void)
{
	if (!vmx_ctl_set(VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_EFER))
		return false;
	vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_EFER));
	return true;
}

static bool sti_without_if(void)
{
	vmcs_write(GUEST_INTERRUPTIBILITY, INTR_BLOCK_STI);
	vmcs_write(GUEST_RFLAGS, 0x2);
	return true;
}

static bool inject_if0(void)
{
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x44);
	vmcs_write(GUEST_RFLAGS, 0x2);
	return true;
}

static bool inject_sti_blocked(void)
{
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0x44);
	vmcs_write(GUEST_RFLAGS, 0x202);
	vmcs_write(GUEST_INTERRUPTIBILITY, INTR_BLOCK_STI);
	return true;
}

static bool link_pointer_unaligned(void)
{
	vmcs_write(VMCS_LINK_POINTER, (unsigned long)vmx_alloc_page() + 8);
	return true;
}

/* SDM 27.4: an entry whose bits 63:32 are not 0, or that loads IA32_FS_BASE,
 * fails; the exit qualification is the entry's number, counting from 1 (27.8). */
static bool msr_load_list(uint32_t second_index, uint32_t second_reserved)
{
	uint32_t *list = vmx_alloc_page();

	list[0] = MSR_IA32_SYSENTER_CS;
	list[1] = 0;
	list[2] = 0x10;
	list[3] = 0;
	list[4] = second_index;
	list[5] = second_reserved;
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (unsigned long)list);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	return true;
}

static bool msr_load_fs_base(void) { return msr_load_list(MSR_FS_BASE, 0); }
static bool msr_load_reserved(void) { return msr_load_list(MSR_IA32_SYSENTER_ESP, 1); }

static const struct entry_case g_cases[] = {
	{ "default VMCS", "27.2, 27.3", 0, 0, 0, NULL, OK, 0 },
	/* Controls: VMfailValid(7). */
	{ "pin-based control reserved bit set", "27.2.1.1", 0, 0, 0, pin_reserved, CTL, 0 },
	{ "pin-based control fixed to 1 cleared", "27.2.1.1", 0, 0, 0, pin_default1_clear, CTL, 0 },
	{ "primary processor-based control reserved bit set", "27.2.1.1", 0, 0, 0, proc_reserved, CTL, 0 },
	{ "VM-exit control reserved bit set", "27.2.1.2", 0, 0, 0, exit_reserved, CTL, 0 },
	{ "VM-entry control reserved bit set", "27.2.1.3", 0, 0, 0, entry_reserved, CTL, 0 },
	{ "CR3-target count above IA32_VMX_MISC", "27.2.1.1", 0, 0, 0, cr3_target_count, CTL, 0 },
	{ "I/O bitmap A address not 4 KiB aligned", "27.2.1.1", 0, 0, 0, io_bitmap_unaligned, CTL, 0 },
	{ "MSR bitmap address not 4 KiB aligned", "27.2.1.1", 0, 0, 0, msr_bitmap_unaligned, CTL, 0 },
	{ "NMI-window exiting without virtual NMIs", "27.2.1.1", 0, 0, 0, nmi_window_without_vnmi, CTL, 0 },
	{ "virtual NMIs without NMI exiting", "27.2.1.1", 0, 0, 0, vnmi_without_nmi_exiting, CTL, 0 },
	{ "injection of reserved type 1", "27.2.1.3", VM_ENTRY_INTR_INFO, 0,
	  INTR_INFO_VALID | (1u << 8) | 0x20, NULL, CTL, 0 },
	{ "injection of hardware exception vector 32", "27.2.1.3", VM_ENTRY_INTR_INFO, 0,
	  INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | 32, NULL, CTL, 0 },
	{ "injection of NMI with vector 3", "27.2.1.3", VM_ENTRY_INTR_INFO, 0,
	  INTR_INFO_VALID | INTR_TYPE_NMI | 3, NULL, CTL, 0 },
	{ "injection of #UD with an error code", "27.2.1.3", VM_ENTRY_INTR_INFO, 0,
	  INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | UD_VECTOR, NULL, CTL, 0 },
	{ "injection with reserved bit 30 set", "27.2.1.3", VM_ENTRY_INTR_INFO, 0,
	  INTR_INFO_VALID | (1u << 30) | INTR_TYPE_EXT_INTR | 0x20, NULL, CTL, 0 },
	{ "software interrupt injection with length 0", "27.2.1.3", 0, 0, 0, soft_intr_len0, CTL, 0 },
	{ "VM-entry MSR-load address not 16-byte aligned", "27.2.1.3", 0, 0, 0, msr_load_unaligned, CTL, 0 },
	/* Host state: VMfailValid(8). */
	{ "host CR0.PE clear (IA32_VMX_CR0_FIXED0)", "27.2.2", HOST_CR0, X86_CR0_PE, 0, NULL, HOST, 0 },
	{ "host CR4.VMXE clear (IA32_VMX_CR4_FIXED0)", "27.2.2", HOST_CR4, X86_CR4_VMXE, 0, NULL, HOST, 0 },
	{ "host CR3 beyond MAXPHYADDR", "27.2.2", 0, 0, 0, host_cr3_maxphys, HOST, 0 },
	{ "host SYSENTER_EIP not canonical", "27.2.2", HOST_IA32_SYSENTER_EIP, ~0ull, NONCANON, NULL, HOST, 0 },
	{ "host DS selector RPL 3", "27.2.3", HOST_DS_SELECTOR, 0, 3, NULL, HOST, 0 },
	{ "host ES selector TI 1", "27.2.3", HOST_ES_SELECTOR, 0, 4, NULL, HOST, 0 },
	{ "host CS selector 0", "27.2.3", HOST_CS_SELECTOR, 0xffff, 0, NULL, HOST, 0 },
	{ "host TR selector 0", "27.2.3", HOST_TR_SELECTOR, 0xffff, 0, NULL, HOST, 0 },
	{ "host FS base not canonical", "27.2.3", HOST_FS_BASE, ~0ull, NONCANON, NULL, HOST, 0 },
	{ "host GDTR base not canonical", "27.2.3", HOST_GDTR_BASE, ~0ull, NONCANON, NULL, HOST, 0 },
	{ "host TR base not canonical", "27.2.3", HOST_TR_BASE, ~0ull, NONCANON, NULL, HOST, 0 },
	{ "host address-space size 0 in IA-32e mode", "27.2.4", VM_EXIT_CONTROLS,
	  EXIT_HOST_ADDR_SPACE_SIZE, 0, NULL, HOST, 0 },
	{ "host SS selector 0 with a 64-bit host is allowed", "27.2.3", HOST_SS_SELECTOR, 0xffff, 0, NULL, OK, 0 },
	/* Guest state: VM-entry failure, exit reason 33 (qualification 0 unless noted). */
	{ "guest CR0.NE clear (IA32_VMX_CR0_FIXED0)", "27.3.1.1", 0, 0, 0, guest_cr0_ne, GUEST, 0 },
	{ "guest CR0.PG set with CR0.PE clear", "27.3.1.1", GUEST_CR0, X86_CR0_PE, 0, NULL, GUEST, 0 },
	{ "guest CR4.VMXE clear (IA32_VMX_CR4_FIXED0)", "27.3.1.1", GUEST_CR4, X86_CR4_VMXE, 0, NULL, GUEST, 0 },
	{ "IA-32e mode guest with CR4.PAE clear", "27.3.1.1", GUEST_CR4, X86_CR4_PAE, 0, NULL, GUEST, 0 },
	{ "guest DR7 bits 63:32 set", "27.3.1.1", 0, 0, 0, guest_dr7_high, GUEST, 0 },
	{ "guest IA32_EFER.LMA differs from IA-32e mode guest", "27.3.1.1", 0, 0, 0, guest_efer_lma, GUEST, 0 },
	{ "guest IA32_EFER loaded consistently is allowed", "27.3.1.1", 0, 0, 0, guest_efer_ok, OK, 0 },
	{ "guest SS RPL differs from CS RPL", "27.3.1.2", GUEST_SS_SELECTOR, 0, 3, NULL, GUEST, 0 },
	{ "guest TR type 9 (not busy) in IA-32e mode", "27.3.1.2", GUEST_TR_AR, 0xf, 0x9, NULL, GUEST, 0 },
	{ "guest TR unusable", "27.3.1.2", GUEST_TR_AR, 0, AR_UNUSABLE, NULL, GUEST, 0 },
	{ "guest CS with L and D/B both set", "27.3.1.2", GUEST_CS_AR, 0, AR_DB, NULL, GUEST, 0 },
	{ "guest DS usable but not present", "27.3.1.2", GUEST_DS_AR, AR_P, 0, NULL, GUEST, 0 },
	{ "guest ES limit 0xffffffff with G clear", "27.3.1.2", GUEST_ES_AR, AR_G, 0, NULL, GUEST, 0 },
	{ "guest GDTR base not canonical", "27.3.1.3", GUEST_GDTR_BASE, ~0ull, NONCANON, NULL, GUEST, 0 },
	{ "guest GDTR limit above 0xffff", "27.3.1.3", GUEST_GDTR_LIMIT, 0, 0x10000, NULL, GUEST, 0 },
	{ "guest RIP not canonical with CS.L = 1", "27.3.1.4", GUEST_RIP, ~0ull, NONCANON, NULL, GUEST, 0 },
	{ "guest RFLAGS bit 1 clear", "27.3.1.4", GUEST_RFLAGS, 0x2, 0, NULL, GUEST, 0 },
	{ "guest RFLAGS reserved bit 15 set", "27.3.1.4", GUEST_RFLAGS, 0, 1u << 15, NULL, GUEST, 0 },
	{ "guest RFLAGS.VM set in IA-32e mode", "27.3.1.4", GUEST_RFLAGS, 0, 1u << 17, NULL, GUEST, 0 },
	{ "guest activity state 5", "27.3.1.5", GUEST_ACTIVITY_STATE, ~0ull, 5, NULL, GUEST, 0 },
	{ "guest interruptibility reserved bit 30", "27.3.1.5", GUEST_INTERRUPTIBILITY, 0, 1u << 30, NULL, GUEST, 0 },
	{ "guest blocking by STI and by MOV SS", "27.3.1.5", GUEST_INTERRUPTIBILITY, 0,
	  INTR_BLOCK_STI | INTR_BLOCK_MOV_SS, NULL, GUEST, 0 },
	{ "guest blocking by STI with RFLAGS.IF = 0", "27.3.1.5", 0, 0, 0, sti_without_if, GUEST, 0 },
	{ "external interrupt injection with RFLAGS.IF = 0", "27.3.1.4", 0, 0, 0, inject_if0, GUEST, 0 },
	{ "external interrupt injection with blocking by STI", "27.3.1.5", 0, 0, 0, inject_sti_blocked, GUEST, 0 },
	{ "guest pending debug exceptions reserved bit 4", "27.3.1.5", GUEST_PENDING_DBG_EXCEPTIONS, 0,
	  1u << 4, NULL, GUEST, 0 },
	{ "VMCS link pointer not aligned (qualification 4)", "27.3.1.5", 0, 0, 0, link_pointer_unaligned, GUEST, 4 },
	/* MSR loading: VM-entry failure, exit reason 34, qualification = entry number. */
	{ "VM-entry MSR-load entry 2 loads IA32_FS_BASE", "27.4", 0, 0, 0, msr_load_fs_base, MSR_LOAD, 2 },
	{ "VM-entry MSR-load entry 2 reserved bits set", "27.4", 0, 0, 0, msr_load_reserved, MSR_LOAD, 2 },
};

static unsigned long l2_nothing(unsigned long arg)
{
	return arg;
}

static void run_case(const struct entry_case *c)
{
	static const uint32_t errors[] = { [CTL] = VMXERR_ENTRY_INVALID_CONTROLS,
					   [HOST] = VMXERR_ENTRY_INVALID_HOST_STATE };
	static const uint32_t reasons[] = { [GUEST] = EXIT_REASON_INVALID_GUEST_STATE,
					    [MSR_LOAD] = EXIT_REASON_MSR_LOAD_FAIL };
	struct vmx_exit e;
	char name[120];

	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 0x600d);
	snprintf(name, sizeof(name), "%s (SDM %s)", c->name, c->sdm);
	if (c->setup && !c->setup()) {
		report_skip(name, "not applicable to this processor's capabilities");
		return;
	}
	if (c->field)
		vmcs_write(c->field, (vmcs_read(c->field) & ~c->clear) | c->set);
	vmx_enter(&e);
	asm volatile("mov %0, %%ss" : : "r"(KERNEL_DS));     /* the "host SS 0" case */
	switch (c->want) {
	case OK:
		report(vmx_exit_is_done(&e, NULL) && g_vmx_l2_regs.rdi == 0x600d,
		       "%s: entry succeeds (entry %s error %u reason %#x)", name, vmx_result_name(e.entry),
		       e.insn_error, e.reason);
		break;
	case CTL:
	case HOST:
		report(e.entry == VMX_FAIL_VALID && e.insn_error == errors[c->want],
		       "%s: VMfailValid, error %u (got %s, error %u, reason %#x)", name, errors[c->want],
		       vmx_result_name(e.entry), e.insn_error, e.reason);
		break;
	case GUEST:
	case MSR_LOAD:
		report(e.entry == VMX_OK && e.reason == (EXIT_REASON_FAILED_VMENTRY | reasons[c->want]) &&
		       e.qual == c->qual,
		       "%s: exit reason %#x, qualification %lu (got %s, reason %#x, qualification %#lx)", name,
		       EXIT_REASON_FAILED_VMENTRY | reasons[c->want], c->qual, vmx_result_name(e.entry), e.reason,
		       e.qual);
		break;
	}
}

/* SDM 31.3 VMLAUNCH: "ELSIF events are being blocked by MOV SS THEN
 * VMfailValid(VM entry with events blocked by MOV SS)", checked before the
 * controls: with a reserved control set as well, error 26 (not 7) shows the order. */
static void test_mov_ss_blocking(void)
{
	unsigned long rf;
	uint32_t err;

	vmx_vmcs_setup();
	if (!pin_reserved()) {
		report_skip("VMLAUNCH after MOV SS", "no reserved pin-based control");
		return;
	}
	asm volatile("mov %%ss, %%ax\n\tmov %%ax, %%ss\n\tvmlaunch\n\tpushf\n\tpop %0"
		     : "=r"(rf) : : "rax", "cc", "memory");
	err = vmx_insn_error();
	report((rf & X86_EFLAGS_ZF) && err == VMXERR_ENTRY_MOV_SS_BLOCKING,
	       "VMLAUNCH right after MOV SS: VMfailValid, error 26 (SDM 31.3; got flags %#lx error %u)", rf, err);
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	for (unsigned i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++)
		run_case(&g_cases[i]);
	test_mov_ss_blocking();
	return 0;
}
