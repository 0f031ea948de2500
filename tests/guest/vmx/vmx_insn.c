/*
 * tests/guest/vmx/vmx_insn.c - the VMX instructions in VMX root operation and
 * outside it: #UD and #GP conditions, VMsucceed / VMfailInvalid / VMfailValid
 * with the exact VM-instruction error, launch state, VMREAD/VMWRITE widths and
 * the VMCS region in memory.
 * Expectations: Intel SDM vol. 3, 325462-084US, chapter 31 (each instruction's
 * "Operation" section; error numbers in 31.4), 24.7-24.8, 25.2, 25.11.
 */
#include "vmx.h"

#define NO_VMCS (~0ull)

static void expect_result(enum vmx_result got, enum vmx_result want, const char *name)
{
	if (got == want)
		report_pass("%s", name);
	else if (got == VMX_FAULT)
		report_fail(name, "%s expected, got exception %u", vmx_result_name(want), g_excp.vector);
	else
		report_fail(name, "%s expected, got %s", vmx_result_name(want), vmx_result_name(got));
}

/* VMfailValid with error err (SDM 31.2: the error goes to the current VMCS). */
static void expect_fail_valid(enum vmx_result got, uint32_t err, const char *name)
{
	uint32_t have;

	if (got != VMX_FAIL_VALID) {
		expect_result(got, VMX_FAIL_VALID, name);
		return;
	}
	have = vmx_insn_error();
	report(have == err, "%s (VM-instruction error %u, got %u)", name, err, have);
}

static void expect_fault(enum vmx_result got, unsigned vector, const char *name)
{
	if (got == VMX_FAULT && g_excp.vector == vector)
		report(vector != GP_VECTOR || g_excp.error_code == 0, "%s", name);
	else if (got == VMX_FAULT)
		report_fail(name, "exception %u, expected %u", g_excp.vector, vector);
	else
		report_fail(name, "%s, expected exception %u", vmx_result_name(got), vector);
}

/* Every VMX instruction outside VMX operation: #UD (SDM 31.3, each "Operation":
 * "IF (not in VMX operation) ... THEN #UD"); VMXON with CR4.VMXE = 0: #UD. */
static void test_outside_vmx(const char *when)
{
	uint64_t v, pa = vmx_vmxon_region();
	char name[80];

	snprintf(name, sizeof(name), "VMXOFF outside VMX operation (%s): #UD", when);
	expect_fault(vmxoff(), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMCLEAR outside VMX operation (%s): #UD", when);
	expect_fault(vmclear(pa), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMPTRLD outside VMX operation (%s): #UD", when);
	expect_fault(vmptrld(pa), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMPTRST outside VMX operation (%s): #UD", when);
	expect_fault(vmptrst(&v), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMREAD outside VMX operation (%s): #UD", when);
	expect_fault(vmread(GUEST_RIP, &v), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMWRITE outside VMX operation (%s): #UD", when);
	expect_fault(vmwrite(GUEST_RIP, 0), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMLAUNCH outside VMX operation (%s): #UD", when);
	expect_fault(vmlaunch_fail(), UD_VECTOR, name);
	snprintf(name, sizeof(name), "VMRESUME outside VMX operation (%s): #UD", when);
	expect_fault(vmresume_fail(), UD_VECTOR, name);
}

static void test_before_vmxon(void)
{
	unsigned long cr4 = read_cr4();

	write_cr4(cr4 & ~X86_CR4_VMXE);
	/* SDM 31.3 VMXON: "IF ... (CR4.VMXE = 0) ... THEN #UD". */
	expect_fault(vmxon(vmx_vmxon_region()), UD_VECTOR, "VMXON with CR4.VMXE = 0: #UD");
	test_outside_vmx("CR4.VMXE = 0");
	write_cr4(cr4);
	test_outside_vmx("CR4.VMXE = 1");
}

/* Ring-3 bodies for run_user: the vector of the exception, or 0x100 if none. */
static unsigned long user_vmxon(unsigned long pa)
{
	return vmxon(pa) == VMX_FAULT ? g_excp.vector : 0x100;
}

static unsigned long user_vmx_insns(unsigned long pa)
{
	uint64_t v;
	unsigned long faults = 0;

	/* One bit per instruction that raised #GP(0). */
	faults |= (vmxoff() == VMX_FAULT && g_excp.vector == GP_VECTOR) << 0;
	faults |= (vmclear(pa) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 1;
	faults |= (vmptrld(pa) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 2;
	faults |= (vmptrst(&v) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 3;
	faults |= (vmread(GUEST_RIP, &v) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 4;
	faults |= (vmwrite(GUEST_RIP, 0) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 5;
	faults |= (vmlaunch_fail() == VMX_FAULT && g_excp.vector == GP_VECTOR) << 6;
	faults |= (vmresume_fail() == VMX_FAULT && g_excp.vector == GP_VECTOR) << 7;
	faults |= (vmxon(pa) == VMX_FAULT && g_excp.vector == GP_VECTOR) << 8;
	return faults;
}

static void test_vmxon_conditions(void)
{
	uint64_t region = vmx_vmxon_region();
	unsigned long cr0 = read_cr0();
	unsigned maxphys = cpuid(0x80000000).a >= 0x80000008 ? cpuid(0x80000008).a & 0xff : 36;

	pt_set_user_image(true);
	/* SDM 31.3 VMXON: "ELSIF not in VMX operation: IF (CPL > 0) ... THEN #GP(0)". */
	expect_eq(run_user(user_vmxon, region), GP_VECTOR, "VMXON at CPL 3: #GP(0)");
	pt_set_user_image(false);

	/* SDM 24.8, 31.3: CR0 not supported in VMX operation (a FIXED0 bit clear): #GP(0). */
	if (g_vmx_caps.cr0_fixed0 & X86_CR0_NE) {
		write_cr0(cr0 & ~X86_CR0_NE);
		expect_fault(vmxon(region), GP_VECTOR, "VMXON with CR0.NE = 0 (IA32_VMX_CR0_FIXED0): #GP(0)");
		write_cr0(cr0);
	} else {
		report_skip("VMXON with CR0.NE = 0", "CR0.NE is not fixed to 1");
	}

	/* SDM 31.3 VMXON: bad pointer or revision: VMfailInvalid. */
	expect_result(vmxon(region + 8), VMX_FAIL_INVALID, "VMXON with an unaligned pointer: VMfailInvalid");
	if (maxphys < 64)
		expect_result(vmxon(region | (1ull << maxphys)), VMX_FAIL_INVALID,
			      "VMXON with a pointer beyond MAXPHYADDR: VMfailInvalid");
	*(volatile uint32_t *)(unsigned long)region = g_vmx_caps.revision ^ 1;
	expect_result(vmxon(region), VMX_FAIL_INVALID, "VMXON with a wrong revision: VMfailInvalid");
	*(volatile uint32_t *)(unsigned long)region = g_vmx_caps.revision | (1u << 31);
	expect_result(vmxon(region), VMX_FAIL_INVALID, "VMXON with revision bit 31 set: VMfailInvalid");
	*(volatile uint32_t *)(unsigned long)region = g_vmx_caps.revision;
}

static void test_caps(void)
{
	const struct vmx_caps *c = &g_vmx_caps;
	uint32_t size = (c->basic >> 32) & 0x1fff;

	/* SDM A.1: bit 31 is 0; bits 44:32 VMCS size in (0, 4096]; bit 48 = 0 on
	 * Intel 64 processors; bits 53:50 memory type WB (6). */
	expect_eq((c->basic >> 31) & 1, 0, "IA32_VMX_BASIC bit 31 is 0");
	report(size > 0 && size <= 4096, "IA32_VMX_BASIC VMCS region size %u in 1..4096", size);
	expect_eq((c->basic >> 48) & 1, 0, "IA32_VMX_BASIC bit 48 (32-bit addresses) is 0");
	expect_eq((c->basic >> 50) & 0xf, 6, "IA32_VMX_BASIC memory type is write-back");
	/* SDM A.3.1: a control that must be 1 may be 1. */
	report(((uint32_t)c->pin & ~(uint32_t)(c->pin >> 32)) == 0 &&
	       ((uint32_t)c->proc & ~(uint32_t)(c->proc >> 32)) == 0 &&
	       ((uint32_t)c->exit & ~(uint32_t)(c->exit >> 32)) == 0 &&
	       ((uint32_t)c->entry & ~(uint32_t)(c->entry >> 32)) == 0,
	       "control capability MSRs: allowed-0 settings within allowed-1 settings");
	/* SDM A.7, A.8: bits fixed to 1 are allowed to be 1. */
	report((c->cr0_fixed0 & ~c->cr0_fixed1) == 0 && (c->cr4_fixed0 & ~c->cr4_fixed1) == 0,
	       "CR0/CR4 FIXED0 within FIXED1");
	report(c->cr4_fixed0 & X86_CR4_VMXE, "IA32_VMX_CR4_FIXED0: CR4.VMXE fixed to 1");
}

static void test_no_current_vmcs(void)
{
	uint64_t v = 0;

	/* SDM 31.3 VMPTRST: stores FFFFFFFF_FFFFFFFFH when there is no current VMCS. */
	expect_result(vmptrst(&v), VMX_OK, "VMPTRST without a current VMCS: VMsucceed");
	expect_eq(v, NO_VMCS, "VMPTRST without a current VMCS stores all ones");
	/* SDM 31.3 VMREAD/VMWRITE/VMLAUNCH: no current VMCS -> VMfailInvalid. */
	expect_result(vmread(GUEST_RIP, &v), VMX_FAIL_INVALID, "VMREAD without a current VMCS: VMfailInvalid");
	expect_result(vmwrite(GUEST_RIP, 0), VMX_FAIL_INVALID, "VMWRITE without a current VMCS: VMfailInvalid");
	expect_result(vmlaunch_fail(), VMX_FAIL_INVALID, "VMLAUNCH without a current VMCS: VMfailInvalid");
	expect_result(vmresume_fail(), VMX_FAIL_INVALID, "VMRESUME without a current VMCS: VMfailInvalid");
	/* SDM 31.3 VMXON in VMX root: VMfail = VMfailInvalid without a current VMCS. */
	expect_result(vmxon(vmx_vmxon_region()), VMX_FAIL_INVALID,
		      "VMXON in VMX root operation without a current VMCS: VMfailInvalid");
	/* VMCLEAR with the VMXON pointer, no current VMCS: VMfail -> VMfailInvalid. */
	expect_result(vmclear(vmx_vmxon_region()), VMX_FAIL_INVALID,
		      "VMCLEAR with the VMXON pointer, no current VMCS: VMfailInvalid");
}

static void test_pointer_errors(uint64_t vmcs, uint32_t *other)
{
	uint64_t region = vmx_vmxon_region();
	uint64_t v;

	/* SDM 31.3 VMCLEAR / VMPTRLD and 31.4. */
	expect_fail_valid(vmclear(vmcs + 0x10), VMXERR_VMCLEAR_INVALID_ADDR, "VMCLEAR unaligned: VMfailValid");
	expect_fail_valid(vmclear(region), VMXERR_VMCLEAR_VMXON_PTR, "VMCLEAR with the VMXON pointer: VMfailValid");
	expect_fail_valid(vmptrld(vmcs + 0x10), VMXERR_VMPTRLD_INVALID_ADDR, "VMPTRLD unaligned: VMfailValid");
	expect_fail_valid(vmptrld(region), VMXERR_VMPTRLD_VMXON_PTR, "VMPTRLD with the VMXON pointer: VMfailValid");
	other[0] = g_vmx_caps.revision ^ 1;
	expect_fail_valid(vmptrld((unsigned long)other), VMXERR_VMPTRLD_BAD_REVISION,
			  "VMPTRLD with a wrong revision: VMfailValid");
	other[0] = g_vmx_caps.revision;
	/* Failed VMPTRLDs leave the current VMCS as it was (SDM 31.3: VMfail only). */
	expect_result(vmptrst(&v), VMX_OK, "VMPTRST: VMsucceed");
	expect_eq(v, vmcs, "VMPTRST after failed VMPTRLDs stores the current VMCS");
	/* SDM 31.3 VMXON: "ELSE VMfail(VMXON executed in VMX root operation)". */
	expect_fail_valid(vmxon(region), VMXERR_VMXON_IN_ROOT, "VMXON in VMX root operation: VMfailValid");
	/* SDM 31.3 VMCALL: in VMX root without dual-monitor SMM treatment. */
	expect_fail_valid(vmcall_root(), VMXERR_VMCALL_IN_ROOT, "VMCALL in VMX root operation: VMfailValid");
}

static void test_fields(void)
{
	uint64_t v;

	vmcs_write(GUEST_RIP, 0x123456789abcdef0ull);
	expect_eq(vmcs_read(GUEST_RIP), 0x123456789abcdef0ull, "VMWRITE/VMREAD natural-width field");
	/* SDM 25.11.2, B.2: encoding bit 0 = 1 accesses the high 32 bits of a 64-bit field. */
	vmcs_write(TSC_OFFSET, 0x1122334455667788ull);
	expect_eq(vmcs_read(TSC_OFFSET + 1), 0x11223344, "VMREAD of a 64-bit field's high half");
	vmcs_write(TSC_OFFSET + 1, 0xaabbccdd);
	expect_eq(vmcs_read(TSC_OFFSET), 0xaabbccdd55667788ull, "VMWRITE of the high half keeps the low half");
	/* SDM 31.3 VMWRITE / VMREAD: high bits of a longer operand are ignored / cleared. */
	vmcs_write(GUEST_ES_SELECTOR, 0xffff1234);
	expect_eq(vmcs_read(GUEST_ES_SELECTOR), 0x1234, "16-bit field keeps the low 16 bits");
	vmcs_write(GUEST_ES_LIMIT, 0xffffffff12345678ull);
	expect_eq(vmcs_read(GUEST_ES_LIMIT), 0x12345678, "32-bit field keeps the low 32 bits");
	/* SDM B: high-half access to a natural-width field, an unknown encoding: error 12. */
	expect_fail_valid(vmread(GUEST_RIP + 1, &v), VMXERR_UNSUPPORTED_FIELD,
			  "VMREAD high half of a natural-width field: VMfailValid");
	expect_fail_valid(vmread(0x6ffe, &v), VMXERR_UNSUPPORTED_FIELD, "VMREAD of an unsupported field: VMfailValid");
	expect_fail_valid(vmwrite(0x6ffe, 0), VMXERR_UNSUPPORTED_FIELD, "VMWRITE of an unsupported field: VMfailValid");
	/* SDM 31.3 VMWRITE: exit-information fields are read-only unless IA32_VMX_MISC bit 29. */
	if (!(g_vmx_caps.misc & VMX_MISC_VMWRITE_ANY))
		expect_fail_valid(vmwrite(VM_EXIT_REASON, 0), VMXERR_VMWRITE_READ_ONLY,
				  "VMWRITE to the exit-reason field: VMfailValid");
	else
		expect_result(vmwrite(VM_EXIT_REASON, 0), VMX_OK,
			      "VMWRITE to the exit-reason field with IA32_VMX_MISC bit 29: VMsucceed");
	if (!(g_vmx_caps.misc & VMX_MISC_VMWRITE_ANY))
		expect_fail_valid(vmwrite(EXIT_QUALIFICATION, 0), VMXERR_VMWRITE_READ_ONLY,
				  "VMWRITE to the exit qualification: VMfailValid");
}

/* Every field of the basic VMCS layout, and the ones that exist only with a
 * control (SDM appendix B: "exists only on processors that support the
 * 1-setting of ..."). */
enum field_need { ALWAYS, N_SECONDARY, N_VPID, N_EPT, N_TPR, N_PAT, N_EFER };

static const struct { uint32_t enc; enum field_need need; } g_fields[] = {
	{ GUEST_ES_SELECTOR, ALWAYS }, { GUEST_CS_SELECTOR, ALWAYS }, { GUEST_SS_SELECTOR, ALWAYS },
	{ GUEST_DS_SELECTOR, ALWAYS }, { GUEST_FS_SELECTOR, ALWAYS }, { GUEST_GS_SELECTOR, ALWAYS },
	{ GUEST_LDTR_SELECTOR, ALWAYS }, { GUEST_TR_SELECTOR, ALWAYS },
	{ HOST_ES_SELECTOR, ALWAYS }, { HOST_CS_SELECTOR, ALWAYS }, { HOST_SS_SELECTOR, ALWAYS },
	{ HOST_DS_SELECTOR, ALWAYS }, { HOST_FS_SELECTOR, ALWAYS }, { HOST_GS_SELECTOR, ALWAYS },
	{ HOST_TR_SELECTOR, ALWAYS }, { VPID, N_VPID },
	{ IO_BITMAP_A, ALWAYS }, { IO_BITMAP_B, ALWAYS }, { MSR_BITMAP, ALWAYS },
	{ VM_EXIT_MSR_STORE_ADDR, ALWAYS }, { VM_EXIT_MSR_LOAD_ADDR, ALWAYS },
	{ VM_ENTRY_MSR_LOAD_ADDR, ALWAYS }, { TSC_OFFSET, ALWAYS }, { VIRTUAL_APIC_PAGE_ADDR, N_TPR },
	{ EPT_POINTER, N_EPT }, { VMCS_LINK_POINTER, ALWAYS }, { GUEST_IA32_DEBUGCTL, ALWAYS },
	{ GUEST_IA32_PAT, N_PAT }, { GUEST_IA32_EFER, N_EFER }, { HOST_IA32_PAT, N_PAT },
	{ HOST_IA32_EFER, N_EFER },
	{ PIN_BASED_VM_EXEC_CONTROL, ALWAYS }, { CPU_BASED_VM_EXEC_CONTROL, ALWAYS },
	{ EXCEPTION_BITMAP, ALWAYS }, { PAGE_FAULT_ERROR_CODE_MASK, ALWAYS },
	{ PAGE_FAULT_ERROR_CODE_MATCH, ALWAYS }, { CR3_TARGET_COUNT, ALWAYS }, { VM_EXIT_CONTROLS, ALWAYS },
	{ VM_EXIT_MSR_STORE_COUNT, ALWAYS }, { VM_EXIT_MSR_LOAD_COUNT, ALWAYS }, { VM_ENTRY_CONTROLS, ALWAYS },
	{ VM_ENTRY_MSR_LOAD_COUNT, ALWAYS }, { VM_ENTRY_INTR_INFO, ALWAYS },
	{ VM_ENTRY_EXCEPTION_ERROR_CODE, ALWAYS }, { VM_ENTRY_INSTRUCTION_LEN, ALWAYS },
	{ TPR_THRESHOLD, N_TPR }, { SECONDARY_VM_EXEC_CONTROL, N_SECONDARY },
	{ GUEST_ES_LIMIT, ALWAYS }, { GUEST_CS_LIMIT, ALWAYS }, { GUEST_SS_LIMIT, ALWAYS },
	{ GUEST_DS_LIMIT, ALWAYS }, { GUEST_FS_LIMIT, ALWAYS }, { GUEST_GS_LIMIT, ALWAYS },
	{ GUEST_LDTR_LIMIT, ALWAYS }, { GUEST_TR_LIMIT, ALWAYS }, { GUEST_GDTR_LIMIT, ALWAYS },
	{ GUEST_IDTR_LIMIT, ALWAYS }, { GUEST_ES_AR, ALWAYS }, { GUEST_CS_AR, ALWAYS }, { GUEST_SS_AR, ALWAYS },
	{ GUEST_DS_AR, ALWAYS }, { GUEST_FS_AR, ALWAYS }, { GUEST_GS_AR, ALWAYS }, { GUEST_LDTR_AR, ALWAYS },
	{ GUEST_TR_AR, ALWAYS }, { GUEST_INTERRUPTIBILITY, ALWAYS }, { GUEST_ACTIVITY_STATE, ALWAYS },
	{ GUEST_SYSENTER_CS, ALWAYS }, { HOST_IA32_SYSENTER_CS, ALWAYS },
	{ CR0_GUEST_HOST_MASK, ALWAYS }, { CR4_GUEST_HOST_MASK, ALWAYS }, { CR0_READ_SHADOW, ALWAYS },
	{ CR4_READ_SHADOW, ALWAYS }, { 0x6008, ALWAYS }, { 0x600a, ALWAYS }, { 0x600c, ALWAYS }, { 0x600e, ALWAYS },
	{ GUEST_CR0, ALWAYS }, { GUEST_CR3, ALWAYS }, { GUEST_CR4, ALWAYS }, { GUEST_ES_BASE, ALWAYS },
	{ GUEST_CS_BASE, ALWAYS }, { GUEST_SS_BASE, ALWAYS }, { GUEST_DS_BASE, ALWAYS }, { GUEST_FS_BASE, ALWAYS },
	{ GUEST_GS_BASE, ALWAYS }, { GUEST_LDTR_BASE, ALWAYS }, { GUEST_TR_BASE, ALWAYS },
	{ GUEST_GDTR_BASE, ALWAYS }, { GUEST_IDTR_BASE, ALWAYS }, { GUEST_DR7, ALWAYS }, { GUEST_RSP, ALWAYS },
	{ GUEST_RIP, ALWAYS }, { GUEST_RFLAGS, ALWAYS }, { GUEST_PENDING_DBG_EXCEPTIONS, ALWAYS },
	{ GUEST_SYSENTER_ESP, ALWAYS }, { GUEST_SYSENTER_EIP, ALWAYS }, { HOST_CR0, ALWAYS }, { HOST_CR3, ALWAYS },
	{ HOST_CR4, ALWAYS }, { HOST_FS_BASE, ALWAYS }, { HOST_GS_BASE, ALWAYS }, { HOST_TR_BASE, ALWAYS },
	{ HOST_GDTR_BASE, ALWAYS }, { HOST_IDTR_BASE, ALWAYS }, { HOST_IA32_SYSENTER_ESP, ALWAYS },
	{ HOST_IA32_SYSENTER_EIP, ALWAYS }, { HOST_RSP, ALWAYS }, { HOST_RIP, ALWAYS },
	/* Read-only data fields (type 1, SDM B: bits 11:10). */
	{ VM_INSTRUCTION_ERROR, ALWAYS }, { VM_EXIT_REASON, ALWAYS }, { VM_EXIT_INTR_INFO, ALWAYS },
	{ VM_EXIT_INTR_ERROR_CODE, ALWAYS }, { IDT_VECTORING_INFO, ALWAYS }, { IDT_VECTORING_ERROR_CODE, ALWAYS },
	{ VM_EXIT_INSTRUCTION_LEN, ALWAYS }, { VMX_INSTRUCTION_INFO, ALWAYS }, { EXIT_QUALIFICATION, ALWAYS },
	{ 0x6402, ALWAYS }, { 0x6404, ALWAYS }, { 0x6406, ALWAYS }, { 0x6408, ALWAYS },
	{ GUEST_LINEAR_ADDRESS, ALWAYS }, { GUEST_PHYSICAL_ADDRESS, N_EPT },
};

static bool field_exists(enum field_need need)
{
	const struct vmx_caps *c = &g_vmx_caps;
	uint32_t proc1 = (uint32_t)(c->proc >> 32), proc2 = (uint32_t)(c->proc2 >> 32);
	uint32_t exit1 = (uint32_t)(c->exit >> 32), entry1 = (uint32_t)(c->entry >> 32);

	switch (need) {
	case ALWAYS: return true;
	case N_SECONDARY: return proc1 & CPU_SECONDARY_CONTROLS;
	case N_VPID: return (proc1 & CPU_SECONDARY_CONTROLS) && (proc2 & CPU2_ENABLE_VPID);
	case N_EPT: return (proc1 & CPU_SECONDARY_CONTROLS) && (proc2 & CPU2_ENABLE_EPT);
	case N_TPR: return proc1 & CPU_TPR_SHADOW;
	case N_PAT: return (exit1 & (EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT)) || (entry1 & ENTRY_LOAD_IA32_PAT);
	case N_EFER: return (exit1 & (EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER)) || (entry1 & ENTRY_LOAD_IA32_EFER);
	}
	return false;
}

/* SDM 25.11.2 and appendix B: encoding bits 14:13 width (0 16-bit, 1 64-bit,
 * 2 32-bit, 3 natural), 11:10 type (1 = read-only data), 9:1 index; VMWRITE
 * truncates to the width, VMREAD zero-extends (31.3); IA32_VMX_VMCS_ENUM bits
 * 9:1 give the highest index (A.9). */
static void test_all_fields(void)
{
	static const uint64_t width_mask[] = { 0xffff, ~0ull, 0xffffffff, ~0ull };
	const uint64_t pattern = 0x5aa5c33c0ff0a55aull;
	const unsigned max_index = (g_vmx_caps.vmcs_enum >> 1) & 0x1ff;
	const bool ro_writable = g_vmx_caps.misc & VMX_MISC_VMWRITE_ANY;
	unsigned bad = 0, checked = 0;
	uint64_t v;

	for (unsigned i = 0; i < sizeof(g_fields) / sizeof(g_fields[0]); i++) {
		uint32_t enc = g_fields[i].enc;
		uint64_t mask = width_mask[(enc >> 13) & 3];
		/* Access-rights fields: only bits 16:12 and 7:0 are defined (25.4.1,
		 * table 25-2); processors need not keep the reserved ones. */
		uint64_t keep = enc >= GUEST_ES_AR && enc <= GUEST_TR_AR ? 0x1f0ff : ~0ull;
		bool ro = ((enc >> 10) & 3) == 1;

		if (!field_exists(g_fields[i].need))
			continue;
		checked++;
		if (((enc >> 1) & 0x1ff) > max_index) {
			report_fail("IA32_VMX_VMCS_ENUM", "field %#x has index above %u", enc, max_index);
			bad++;
		}
		if (vmread(enc, &v) != VMX_OK) {
			report_fail("VMREAD of every supported field", "field %#x: error %u", enc, vmx_insn_error());
			bad++;
			continue;
		}
		if (ro && !ro_writable) {
			if (vmwrite(enc, pattern) != VMX_FAIL_VALID || vmx_insn_error() != VMXERR_VMWRITE_READ_ONLY) {
				report_fail("VMWRITE of read-only fields", "field %#x: not error 13", enc);
				bad++;
			}
			continue;
		}
		if (vmwrite(enc, pattern) != VMX_OK || vmread(enc, &v) != VMX_OK || (v & keep) != (pattern & mask & keep)) {
			report_fail("VMWRITE/VMREAD of every supported field", "field %#x: read %#lx", enc, v);
			bad++;
		}
		/* 64-bit fields: the high half is its own encoding (access type 1). */
		if (((enc >> 13) & 3) == 1 && (vmread(enc | 1, &v) != VMX_OK || v != pattern >> 32)) {
			report_fail("VMREAD of every 64-bit field's high half", "field %#x: read %#lx", enc | 1, v);
			bad++;
		}
	}
	report(bad == 0, "%u supported fields: VMREAD, VMWRITE width and read-only rules hold", checked);
}

static unsigned long l2_nothing(unsigned long arg)
{
	return arg + 1;
}

static void test_launch_state(uint64_t vmcs)
{
	struct vmx_exit e;
	unsigned long ret;

	/* SDM 31.3 VMRESUME: launch state not "launched" -> error 5. */
	vmx_vmcs_setup();
	expect_fail_valid(vmresume_fail(), VMXERR_VMRESUME_NONLAUNCHED, "VMRESUME with a clear VMCS: VMfailValid");
	vmx_l2_start(l2_nothing, 41);
	vmx_enter(&e);
	if (!vmx_exit_is_done(&e, &ret)) {
		report_fail("VMLAUNCH of the default VMCS", "reason %#x entry %s error %u", e.reason,
			    vmx_result_name(e.entry), e.insn_error);
		return;
	}
	expect_eq(ret, 42, "L2 ran and returned through VMCALL");
	/* SDM 31.3 VMLAUNCH: launch state not clear -> error 4. */
	expect_fail_valid(vmlaunch_fail(), VMXERR_VMLAUNCH_NONCLEAR, "VMLAUNCH with a launched VMCS: VMfailValid");
	/* SDM 31.3 VMCLEAR: the launch state becomes clear, and it is no longer current. */
	vmcs_write(GUEST_RIP, 0xfeedf00d);
	expect_result(vmclear(vmcs), VMX_OK, "VMCLEAR of the current VMCS: VMsucceed");
	uint64_t v = 0;
	vmptrst(&v);
	expect_eq(v, NO_VMCS, "VMCLEAR of the current VMCS makes the current-VMCS pointer invalid");
	/* SDM 25.2: revision identifier and abort indicator where software wrote them. */
	expect_eq(*(volatile uint32_t *)(unsigned long)vmcs, g_vmx_caps.revision,
		  "VMCS region keeps the revision identifier after VMCLEAR");
	expect_eq(*((volatile uint32_t *)(unsigned long)vmcs + 1), 0, "VMCS region: VMX-abort indicator 0");
	/* SDM 25.11.3: VMCLEAR flushes the data; VMPTRLD brings it back. */
	expect_result(vmptrld(vmcs), VMX_OK, "VMPTRLD of the cleared VMCS: VMsucceed");
	expect_eq(vmcs_read(GUEST_RIP), 0xfeedf00d, "VMCS data survives VMCLEAR + VMPTRLD");
	expect_fail_valid(vmresume_fail(), VMXERR_VMRESUME_NONLAUNCHED,
			  "VMRESUME after VMCLEAR (launch state clear): VMfailValid");
}

static void test_cpl3_in_root(uint64_t vmcs)
{
	unsigned long faults;

	pt_set_user_image(true);
	faults = run_user(user_vmx_insns, vmcs);
	pt_set_user_image(false);
	/* SDM 31.3, each instruction: "ELSIF CPL > 0 THEN #GP(0)" in VMX root operation. */
	expect_eq(faults, 0x1ff, "VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXON at CPL 3: #GP");
}

static void test_vmxoff(void)
{
	unsigned long cr4 = read_cr4();
	uint64_t v;

	/* SDM 24.8: CR4.VMXE cannot be cleared in VMX operation (MOV to CR4: #GP(0)). */
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%cr4") : : "r"(cr4 & ~X86_CR4_VMXE) : "memory");
	expect_excp_err(GP_VECTOR, 0, "clearing CR4.VMXE in VMX operation: #GP(0)");
	write_cr4(cr4);                 /* in case it was cleared after all */
	/* SDM 24.8: the same for a CR0 bit fixed to 1 by IA32_VMX_CR0_FIXED0. */
	if (g_vmx_caps.cr0_fixed0 & X86_CR0_NE) {
		excp_clear();
		asm volatile(ASM_TRY("mov %0, %%cr0") : : "r"(read_cr0() & ~X86_CR0_NE) : "memory");
		expect_excp_err(GP_VECTOR, 0, "clearing CR0.NE in VMX operation: #GP(0)");
		write_cr0(read_cr0() | X86_CR0_NE);
	}
	expect_result(vmxoff(), VMX_OK, "VMXOFF: VMsucceed");
	expect_fault(vmread(GUEST_RIP, &v), UD_VECTOR, "VMREAD after VMXOFF: #UD");
	expect_fault(vmxoff(), UD_VECTOR, "VMXOFF after VMXOFF: #UD");
	write_cr4(cr4 & ~X86_CR4_VMXE);
	report(!(read_cr4() & X86_CR4_VMXE), "CR4.VMXE can be cleared after VMXOFF");
	write_cr4(cr4);
}

int main(void)
{
	uint32_t *other;
	uint64_t vmcs;

	if (!vmx_init())
		return 0;
	test_caps();
	test_before_vmxon();
	test_vmxon_conditions();
	expect_result(vmxon(vmx_vmxon_region()), VMX_OK, "VMXON: VMsucceed");
	test_no_current_vmcs();
	vmcs = vmx_vmcs_setup();
	other = vmx_alloc_page();
	test_pointer_errors(vmcs, other);
	test_fields();
	test_all_fields();
	test_launch_state(vmcs);
	test_cpl3_in_root(vmcs);
	test_vmxoff();
	return 0;
}
