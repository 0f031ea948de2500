/*
 * tests/guest/vmx/vmx_abort.c - a VMX abort (SDM vol. 3, 325462-084US, 28.7): a VM
 * exit whose VM-exit MSR-load list cannot be loaded (IA32_FS_BASE may not be in it,
 * 28.6) writes the VMX-abort indicator into the VMCS region and puts the logical
 * processor into the shutdown state. A guest cannot report after that, so
 * tests/guest/sys/run-shutdown judges it: "PASS about to shut down" printed, then
 * the machine shuts down (with -no-reboot the emulator exits 0) and nothing more is
 * printed. Had L1 resumed after the exit instead, it would print a FAIL.
 * (The indicator itself is checked by tests/unit/nested/test_vmx.c, test_vmx_abort.)
 */
#include "vmx.h"

static uint64_t g_msr_list[2] __attribute__((aligned(16)));

static unsigned long l2_nothing(unsigned long arg) { return arg; }

int main(void)
{
	struct vmx_exit e;

	if (!vmx_enable()) {
		report_fail("VMX abort", "VMX unavailable: run with -cpu max,+vmx");
		return 0;
	}
	vmx_vmcs_setup();
	g_msr_list[0] = MSR_FS_BASE;            /* index, reserved 0 */
	g_msr_list[1] = 0;                      /* data */
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (unsigned long)g_msr_list);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	vmx_l2_start(l2_nothing, 7);
	report_pass("about to shut down (VMX abort at the next VM exit)");
	vmx_enter(&e);
	report_fail("VMX abort", "L1 runs after a VM exit that had to abort (reason %#x)", e.reason);
	return 0;
}
