/*
 * tests/guest/vmx/vmx_misc.c - PAUSE-loop exiting, "enable XSAVES/XRSTORS" with the
 * XSS-exiting bitmap, and NMI unblocking due to IRET.
 * Expectations: Intel SDM vol. 3, 325462-084US: 25.6.2 (secondary controls, table
 * 25-7), 25.6.13 (PLE_Gap/PLE_Window), 25.6.19 (XSS-exiting bitmap), 26.1.3
 * (PAUSE, XSAVES, XRSTORS), 26.3 (#UD with "enable XSAVES/XRSTORS" = 0), 28.2.2
 * (VM-exit interruption information bit 12), appendix B (field encodings), C.
 */
#include "vmx.h"

/* Fields and controls beyond vmx.h (SDM appendix B.2.1, B.3.1; table 25-7; app. C). */
#define XSS_EXIT_BITMAP 0x202cu
#define PLE_GAP 0x4020u
#define PLE_WINDOW 0x4022u
#define CPU2_PAUSE_LOOP_EXITING (1u << 10)
#define CPU2_ENABLE_XSAVES (1u << 20)
#define EXIT_REASON_XSAVES 63u
#define EXIT_REASON_XRSTORS 64u

/* ------------------------------------------------------------ PAUSE-loop exiting */

#define PLE_SPIN_MAX 1000000ul

/* Spin on PAUSE: the number of PAUSEs that completed before L1 saw an exit (L2
 * never returns from here when PLE exits; it gives up after PLE_SPIN_MAX). */
static volatile unsigned long g_pauses;

static unsigned long l2_pause_loop(unsigned long arg)
{
	g_pauses = 0;
	asm volatile(".globl l2_ple_pause\n1:\n\tl2_ple_pause: pause\n\t"
		     "incq %0\n\tcmpq %1, %0\n\tjb 1b"
		     : "+m"(g_pauses) : "r"(PLE_SPIN_MAX));
	return g_pauses;
}
extern char l2_ple_pause[];

/* PAUSEs spaced by more than `gap` TSC ticks: each starts a new loop. */
static unsigned long l2_pause_spaced(unsigned long gap)
{
	for (unsigned n = 0; n < 64; n++) {
		uint64_t t0 = rdtsc();

		while (rdtsc() - t0 <= 4 * gap)
			;
		pause();
	}
	return 64;
}

static void test_pause_loop(void)
{
	struct vmx_exit e;

	/* SDM 26.1.3: with "PAUSE exiting" 0 and "PAUSE-loop exiting" 1, at CPL 0, a
	 * PAUSE less than PLE_Gap after the previous one continues the loop; once the
	 * loop has lasted more than PLE_Window, the PAUSE exits (reason 40), fault-like
	 * with the instruction length (28.2.4). */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_PAUSE_LOOP_EXITING)) {
		report_skip("PAUSE-loop exiting", "not allowed by IA32_VMX_PROCBASED_CTLS2");
		return;
	}
	vmcs_write(PLE_GAP, 4096);
	vmcs_write(PLE_WINDOW, 20000);
	expect_eq(vmcs_read(PLE_GAP), 4096, "PLE_Gap field reads back");
	expect_eq(vmcs_read(PLE_WINDOW), 20000, "PLE_Window field reads back");
	vmx_l2_start(l2_pause_loop, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_PAUSE, "PAUSE loop longer than PLE_Window: exit reason 40")) {
		expect_eq(e.guest_rip, (unsigned long)l2_ple_pause, "PAUSE-loop exit: guest RIP is the PAUSE");
		expect_eq(e.insn_len, 2, "PAUSE-loop exit: instruction length 2");
		report(g_pauses > 0 && g_pauses < PLE_SPIN_MAX,
		       "PAUSE-loop exit after some PAUSEs of the loop (%lu)", g_pauses);
		/* A VM entry starts a new loop: L2 spins again until the window passes. */
		vmcs_write(PLE_WINDOW, 0xffffffffu);
		vmcs_write(PLE_GAP, 0);
		g_pauses = 0;
		vmx_l2_start(l2_pause_loop, 0);
		expect_eq(vmx_run_to_done("PLE_Gap 0: every PAUSE starts a loop"), PLE_SPIN_MAX,
			  "PLE_Gap 0, PLE_Window 4G: no PAUSE-loop exit in 1M PAUSEs");
	}

	/* PAUSEs further apart than PLE_Gap are each the first of a loop: no exit, however
	 * long the whole sequence lasts compared with PLE_Window. */
	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_PAUSE_LOOP_EXITING);
	vmcs_write(PLE_GAP, 200);
	vmcs_write(PLE_WINDOW, 300);
	vmx_l2_start(l2_pause_spaced, 200);
	expect_eq(vmx_run_to_done("PAUSEs spaced beyond PLE_Gap"), 64,
		  "PAUSEs spaced beyond PLE_Gap never exit");

	/* "PAUSE exiting" wins at CPL 0: the first PAUSE exits. */
	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_PAUSE_LOOP_EXITING);
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_PAUSE_EXITING);
	vmcs_write(PLE_GAP, 4096);
	vmcs_write(PLE_WINDOW, 0xffffffffu);
	vmx_l2_start(l2_pause_loop, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_PAUSE, "PAUSE exiting and PAUSE-loop exiting: exit reason 40"))
		expect_eq(g_pauses, 0, "PAUSE exiting: the first PAUSE exits");
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_pause_loop();
	return 0;
}
