/*
 * tests/guest/vmx/vmx_abort.c - a VMX abort (SDM vol. 3, 325462-084US, 28.7): a VM
 * exit whose VM-exit MSR-load list cannot be loaded (IA32_FS_BASE may not be in it,
 * 28.6) writes the VMX-abort indicator into the VMCS region and puts the logical
 * processor into the shutdown state. A guest cannot report after that, so two runs
 * judge it:
 * - with -no-reboot (guest/vmx_abort, tests/guest/sys/run-shutdown): "PASS about to
 *   shut down" printed, then the machine shuts down (the emulator exits 0) and nothing
 *   more is printed. Had L1 resumed after the exit instead, it would print a FAIL.
 * - without it (guest/vmx_abort_reboot, run-guest --reboot): the shutdown resets the
 *   machine, which loads the kernel again. RAM outside the image survives, so the VMCS
 *   region is put there with a mark: the second run finds the mark, reads the abort
 *   indicator (4: loading MSRs on VM exit failed) and checks that RESET left VMX
 *   operation (CR4.VMXE = 0 at reset, SDM 10.1.1; VMXON succeeds again).
 */
#include "vmx.h"

static uint64_t g_msr_list[2] __attribute__((aligned(16)));

static unsigned long l2_nothing(unsigned long arg) { return arg; }

/* 32 MiB: above the image and its page pool, below the 128 MiB of RAM, mapped by the
 * boot stub's 0-4 GiB identity map. */
#define ABORT_VMCS 0x2000000ul
#define ABORT_MARK (ABORT_VMCS + 0x1000)
#define ABORT_MAGIC 0x54524f4241584d56ull       /* "VMXABORT" */

/* The run after the reset. */
static void after_reset(volatile uint64_t *mark)
{
	uint32_t indicator = *(volatile uint32_t *)(ABORT_VMCS + 4);

	*mark = 0;
	report(indicator == 4, "VMX-abort indicator 4 in the VMCS region (28.7): %u", indicator);
	report(!(read_cr4() & X86_CR4_VMXE), "CR4.VMXE = 0 after the reset (10.1.1)");
	report(vmx_enable(), "VMXON succeeds again: the reset left VMX operation");
}

int main(void)
{
	volatile uint64_t *mark = (volatile uint64_t *)ABORT_MARK;
	struct vmx_exit e;

	if (*mark == ABORT_MAGIC) {
		after_reset(mark);
		return 0;
	}
	if (!vmx_enable()) {
		report_fail("VMX abort", "VMX unavailable: run with -cpu max,+vmx");
		return 0;
	}
	vmx_vmcs_use_page((void *)ABORT_VMCS);
	vmx_vmcs_setup();
	g_msr_list[0] = MSR_FS_BASE;            /* index, reserved 0 */
	g_msr_list[1] = 0;                      /* data */
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (unsigned long)g_msr_list);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	vmx_l2_start(l2_nothing, 7);
	*mark = ABORT_MAGIC;
	report_pass("about to shut down (VMX abort at the next VM exit)");
	vmx_enter(&e);
	*mark = 0;
	report_fail("VMX abort", "L1 runs after a VM exit that had to abort (reason %#x)", e.reason);
	return 0;
}
