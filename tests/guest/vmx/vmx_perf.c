/*
 * tests/guest/vmx/vmx_perf.c - the "load IA32_PERF_GLOBAL_CTRL" VM-entry control
 * (bit 13) and VM-exit control (bit 12): the guest field's value is L2's
 * IA32_PERF_GLOBAL_CTRL, the host field's is L1's after the exit, so a counter
 * enabled only in the guest value counts L2's instructions and stops at the exit;
 * reserved bits in either field fail the entry.
 * Expectations: Intel SDM vol. 3, 325462-084US: 25.7.1 and 25.8.1 (the controls),
 * 27.2.2 (host-state check), 27.3.1.1 (guest-state check), 27.3.2.1 (loading the
 * guest MSR), 28.5.1 (loading the host MSR); 20.2.2 (IA32_PERF_GLOBAL_CTRL).
 */
#include "vmx.h"

#define EXIT_LOAD_PERF_GLOBAL_CTRL (1u << 12)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL (1u << 13)
#define MSR_FIXED_CTR0 0x309
#define MSR_FIXED_CTR_CTRL 0x38d
#define MSR_PERF_GLOBAL_CTRL 0x38f
#define GLOBAL_FIXED0 (1ull << 32)

static unsigned long l2_read_global(unsigned long arg) { return rdmsr(MSR_PERF_GLOBAL_CTRL); }

/* 1000 iterations of DEC/JNZ: 2000 instructions in L2. */
static unsigned long l2_loop(unsigned long arg)
{
	asm volatile("mov $1000, %%ecx\n1:\tdec %%ecx\n\tjnz 1b" : : : "rcx", "cc");
	return rdmsr(MSR_PERF_GLOBAL_CTRL);
}

static bool setup(void)
{
	vmx_vmcs_setup();
	if (!vmx_ctl_set(VM_ENTRY_CONTROLS, ENTRY_LOAD_PERF_GLOBAL_CTRL) ||
	    !vmx_ctl_set(VM_EXIT_CONTROLS, EXIT_LOAD_PERF_GLOBAL_CTRL)) {
		report_skip("load IA32_PERF_GLOBAL_CTRL", "controls not allowed");
		return false;
	}
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS))
		report_abort("MSR bitmaps", "needed by this test");
	vmcs_write(MSR_BITMAP, (unsigned long)vmx_alloc_page());        /* no MSR exits */
	return true;
}

static void test_load(void)
{
	const uint64_t guest = GLOBAL_FIXED0 | 1, host = 2;

	if (!setup())
		return;
	wrmsr(MSR_PERF_GLOBAL_CTRL, 3);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, guest);
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, host);
	vmx_l2_start(l2_read_global, 0);
	expect_eq(vmx_run_to_done("load on entry"), guest, "entry loads the guest IA32_PERF_GLOBAL_CTRL (27.3.2.1)");
	expect_eq(rdmsr(MSR_PERF_GLOBAL_CTRL), host, "exit loads the host IA32_PERF_GLOBAL_CTRL (28.5.1)");

	/* entry control only: the exit leaves L2's value in place */
	setup();
	vmcs_clear_bits(VM_EXIT_CONTROLS, EXIT_LOAD_PERF_GLOBAL_CTRL);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, guest);
	vmx_l2_start(l2_read_global, 0);
	expect_eq(vmx_run_to_done("entry control only"), guest, "entry control alone: L2 sees the guest value");
	expect_eq(rdmsr(MSR_PERF_GLOBAL_CTRL), guest, "no exit control: L2's value stays after the exit");
	wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
}

/* Fixed counter 0 enabled only by the guest value: it counts L2's loop, and
 * stops once the exit loads the host value (0). */
static void test_counting(void)
{
	uint64_t counted, after;

	if (!setup())
		return;
	wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_FIXED_CTR_CTRL, 3);
	wrmsr(MSR_FIXED_CTR0, 0);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, GLOBAL_FIXED0);
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, 0);
	vmx_l2_start(l2_loop, 0);
	expect_eq(vmx_run_to_done("counting in L2"), GLOBAL_FIXED0, "L2 runs with fixed counter 0 enabled");
	counted = rdmsr(MSR_FIXED_CTR0);
	report(counted >= 2000 && counted < 2200, "fixed counter 0 counted L2's loop (%" PRIu64 ")", counted);
	asm volatile("mov $1000, %%ecx\n1:\tdec %%ecx\n\tjnz 1b" : : : "rcx", "cc");
	after = rdmsr(MSR_FIXED_CTR0);
	expect_eq(after, counted, "host value 0 after the exit: no counting in L1");
	wrmsr(MSR_FIXED_CTR_CTRL, 0);
}

static void test_reserved(void)
{
	struct vmx_exit e;

	/* 27.2.2: reserved bits in the host field: VMfailValid, error 8 */
	if (!setup())
		return;
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, 1ull << 40);
	vmx_l2_start(l2_read_global, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_HOST_STATE,
	       "host IA32_PERF_GLOBAL_CTRL bit 40: VMfailValid 8 (got %s, %u)",
	       vmx_result_name(e.entry), e.insn_error);
	/* 27.3.1.1: reserved bits in the guest field: entry failure, reason 33 */
	setup();
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, 0);     /* VMCLEAR keeps the fields' data */
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, 1ull << 40);
	vmx_l2_start(l2_read_global, 0);
	vmx_enter(&e);
	report(e.entry == VMX_OK && e.reason == (EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_GUEST_STATE),
	       "guest IA32_PERF_GLOBAL_CTRL bit 40: VM-entry failure, reason 0x80000021 (got %#x)", e.reason);
}

int main(void)
{
	if ((cpuid(0xa).a & 0xff) < 2) {
		report_skip("vmx_perf", "no architectural PMU version 2");
		return 0;
	}
	if (!vmx_enable())
		return 0;
	test_load();
	test_counting();
	test_reserved();
	return 0;
}
