/*
 * tests/guest/vmx/vmx_act.c - INIT and SIPI in VMX operation and the shutdown and
 * wait-for-SIPI activity states, on a 2-CPU machine (-smp 2): the BSP is L1, the AP
 * (left in real mode, its local APIC in x2APIC mode) sends it INIT, SIPI and NMI
 * IPIs on request.
 * Expectations: Intel SDM vol. 3, 325462-084US: 24.8 (INIT is blocked in VMX root
 * operation), 26.2 (INIT signals cause VM exits, except in wait-for-SIPI where they
 * are blocked; SIPIs exit only in wait-for-SIPI, else they are discarded; NMIs),
 * 25.4.2 and 27.7.2 (activity states), 28.2.1 table 28-1 (SIPI qualification =
 * vector), 28.3.4 (activity state saved), 26.5.1 (the preemption timer runs in
 * shutdown), 10.4.4 (INIT/SIPI start-up of the AP), 11.6.1 and 11.12.9 (ICR, x2APIC
 * ICR MSR 830H), appendix C (exit reasons 0, 3, 4, 52).
 */
#include "vmx.h"

#define APIC_REG(off) (*(volatile uint32_t *)(0xfee00000ul + (off)))
#define STUB_BASE 0x8000ul
#define EXIT_REASON_INIT 3u
#define EXIT_REASON_SIPI 4u
#define EXIT_REASON_PREEMPT 52u
#define ACT_SHUTDOWN 2
#define ACT_WAIT_SIPI 3
#define PIN_PREEMPT_TIMER (1u << 6)
#define GUEST_PREEMPT_TIMER 0x482e
/* ICR low words (11.6.1): delivery mode, level assert, vector. */
#define ICR_INIT 0x4500u
#define ICR_SIPI(vec) (0x4600u | (vec))
#define ICR_NMI 0x4400u

/*
 * The AP's program, copied to STUB_BASE and started by SIPI (CS = 0800H, IP = 0):
 * enable x2APIC (IA32_APIC_BASE EN | EXTD), count itself alive, then forever: wait
 * for cmd != 0, spin `delay` PAUSEs, write icr to the x2APIC ICR (destination 0, the
 * BSP), then the same for icr2 if it is not 0, and clear cmd.
 */
asm(".pushsection .text\n.code16\n"
    ".globl ap_stub\nap_stub:\n"
    "	cli\n	mov %cs, %ax\n	mov %ax, %ds\n"
    "	mov $0x1b, %ecx\n	rdmsr\n	or $0xc00, %eax\n	wrmsr\n"
    "	lock incl (ap_alive - ap_stub)\n"
    "1:	pause\n	cmpl $0, (ap_cmd - ap_stub)\n	je 1b\n"
    "	mov (ap_delay - ap_stub), %ecx\n"
    "2:	pause\n	loopl 2b\n"
    "	mov (ap_icr - ap_stub), %eax\n	xor %edx, %edx\n	mov $0x830, %ecx\n	wrmsr\n"
    "	mov (ap_icr2 - ap_stub), %eax\n	test %eax, %eax\n	jz 3f\n"
    "	mov (ap_delay - ap_stub), %ecx\n"
    "4:	pause\n	loopl 4b\n"
    "	mov (ap_icr2 - ap_stub), %eax\n	xor %edx, %edx\n	mov $0x830, %ecx\n	wrmsr\n"
    "3:	movl $0, (ap_cmd - ap_stub)\n	jmp 1b\n"
    "	.balign 4\n"
    "ap_alive: .long 0\nap_cmd: .long 0\nap_delay: .long 0\nap_icr: .long 0\nap_icr2: .long 0\n"
    ".globl ap_stub_end\nap_stub_end:\n"
    ".code64\n.popsection\n");
extern char ap_stub[], ap_stub_end[], ap_alive[], ap_cmd[], ap_delay[], ap_icr[], ap_icr2[];

#define AP_VAR(sym) (*(volatile uint32_t *)(STUB_BASE + (unsigned long)((sym) - ap_stub)))

static bool g_ap_up;

static void spin(unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		pause();
}

static void bsp_send(uint32_t icr)
{
	APIC_REG(0x310) = 0;
	APIC_REG(0x300) = icr;
	for (unsigned k = 0; k < 100000 && (APIC_REG(0x300) & (1u << 12)); k++)
		pause();
}

/* 10.4.4.1: INIT, then SIPI to the AP (all excluding self). */
static bool start_ap(void)
{
	memcpy((void *)STUB_BASE, ap_stub, (size_t)(ap_stub_end - ap_stub));
	APIC_REG(0xf0) = 0x1ff;                 /* software-enable the local APIC */
	bsp_send(0xc0000u | ICR_INIT);
	spin(10000);
	bsp_send(0xc0000u | ICR_SIPI(STUB_BASE >> 12));
	for (unsigned k = 0; k < 10000000 && !AP_VAR(ap_alive); k++)
		pause();
	return AP_VAR(ap_alive) == 1;
}

/* Ask the AP to send icr (then icr2, if not 0) to the BSP after `delay` PAUSEs each. */
static void ap_request(uint32_t icr, uint32_t icr2, uint32_t delay)
{
	AP_VAR(ap_icr) = icr;
	AP_VAR(ap_icr2) = icr2;
	AP_VAR(ap_delay) = delay ? delay : 1;
	__atomic_store_n(&AP_VAR(ap_cmd), 1, __ATOMIC_SEQ_CST);
}

static bool ap_wait_done(void)
{
	for (unsigned k = 0; k < 10000000 && AP_VAR(ap_cmd); k++)
		pause();
	return !AP_VAR(ap_cmd);
}

static unsigned long l2_nothing(unsigned long arg) { return arg; }

/* L2 spins until the AP has sent its IPIs. */
static unsigned long l2_wait_ap(unsigned long arg)
{
	ap_wait_done();
	return arg;
}

static void test_init(void)
{
	struct vmx_exit e;

	/* 24.8: INIT is blocked in VMX root operation: the BSP goes on running. */
	ap_request(ICR_INIT, 0, 1);
	report(ap_wait_done(), "AP sent INIT to the BSP in VMX root operation");
	spin(100000);
	report_pass("INIT blocked in VMX root operation: L1 keeps running");

	/* 26.2: the pending INIT is a VM exit (reason 3) as soon as L2 can take it. */
	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	if (vmx_expect_exit(&e, EXIT_REASON_INIT, "pending INIT at VM entry: exit reason 3")) {
		expect_eq(e.guest_rip, vmcs_read(GUEST_RIP), "INIT exit: L2 state unchanged");
		expect_eq(e.qual, 0, "INIT exit: qualification 0");
		expect_eq(vmx_run_to_done("after the INIT exit"), 7, "L2 runs after the INIT exit");
	}
}

static void test_sipi(void)
{
	struct vmx_exit e;

	/* 26.2: in wait-for-SIPI, a SIPI exits (reason 4), the vector as qualification
	 * (table 28-1). */
	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_WAIT_SIPI);
	ap_request(ICR_SIPI(0x12), 0, 2000);
	if (vmx_expect_exit(&e, EXIT_REASON_SIPI, "SIPI in wait-for-SIPI: exit reason 4"))
		expect_eq(e.qual, 0x12, "SIPI exit: qualification = vector 12H");
	ap_wait_done();

	/* INIT is blocked in wait-for-SIPI (no exit); the SIPI after it exits, and the
	 * INIT, still pending, exits at the next entry in the active state. */
	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_WAIT_SIPI);
	ap_request(ICR_INIT, ICR_SIPI(0x34), 2000);
	if (vmx_expect_exit(&e, EXIT_REASON_SIPI, "INIT then SIPI in wait-for-SIPI: the SIPI exits"))
		expect_eq(e.qual, 0x34, "SIPI exit: qualification = vector 34H");
	ap_wait_done();
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmx_expect_exit(&e, EXIT_REASON_INIT, "the INIT blocked in wait-for-SIPI exits once active");

	/* A SIPI to an active L2 is discarded: no exit. */
	vmx_vmcs_setup();
	vmx_l2_start(l2_wait_ap, 7);
	ap_request(ICR_SIPI(0x56), 0, 2000);
	expect_eq(vmx_run_to_done("SIPI while active"), 7, "SIPI to an active L2: discarded, no exit");
}

static volatile unsigned g_nmis;

static void nmi_handler(struct excp_frame *f)
{
	g_nmis++;
}

static void test_shutdown(void)
{
	struct vmx_exit e;

	/* 26.5.1: the preemption timer runs in shutdown; 28.3.4: activity saved. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPT_TIMER)) {
		vmx_l2_start(l2_nothing, 7);
		vmcs_write(GUEST_ACTIVITY_STATE, ACT_SHUTDOWN);
		vmcs_write(GUEST_PREEMPT_TIMER, 1000);
		if (vmx_expect_exit(&e, EXIT_REASON_PREEMPT, "shutdown state: preemption timer exit 52"))
			expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACT_SHUTDOWN, "activity state saved: shutdown");
	}

	/* 26.2: an NMI with "NMI exiting" exits from shutdown (reason 0, NMI). */
	vmx_vmcs_setup();
	vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_SHUTDOWN);
	ap_request(ICR_NMI, 0, 2000);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "NMI in shutdown with NMI exiting: exit reason 0")) {
		expect_eq(e.intr_info, INTR_INFO_VALID | INTR_TYPE_NMI | 2, "NMI exit: interruption information");
		expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACT_SHUTDOWN, "NMI exit: activity state shutdown");
	}
	ap_wait_done();

	/* Without NMI exiting, the NMI goes to L2 and ends shutdown. */
	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_ACTIVITY_STATE, ACT_SHUTDOWN);
	idt_set_handler(2, nmi_handler);
	g_nmis = 0;
	ap_request(ICR_NMI, 0, 2000);
	expect_eq(vmx_run_to_done("NMI in shutdown"), 7, "NMI delivered in L2 ends shutdown; L2 runs");
	expect_eq(g_nmis, 1, "L2's NMI handler ran once");
	idt_set_handler(2, NULL);
	ap_wait_done();
}

int main(void)
{
	g_ap_up = start_ap();
	if (!g_ap_up) {
		report_skip("VMX INIT/SIPI", "the AP did not start (run with -smp 2)");
		return 0;
	}
	if (!vmx_enable())
		return 0;
	test_shutdown();
	test_sipi();
	test_init();
	return 0;
}
