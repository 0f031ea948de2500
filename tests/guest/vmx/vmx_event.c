/*
 * tests/guest/vmx/vmx_event.c - VM exits caused by events: the exception
 * bitmap with the #PF error-code mask/match, VM-exit interruption information
 * and error code, external-interrupt exiting with and without "acknowledge
 * interrupt on exit", interrupt-window and NMI-window exiting, the monitor trap
 * flag, and triple fault.
 * Expectations: Intel SDM vol. 3, 325462-084US: 26.2 (exceptions, interrupts,
 * NMIs, triple fault causing VM exits), 26.7 (interrupt/NMI windows, MTF),
 * 28.1 (state before a VM exit: CR2), 28.2.1 (#PF qualification), 28.2.2
 * (interruption information), 28.2.4 (instruction length), appendix C.
 */
#include "vmx.h"

#define APIC_REG(off) (*(volatile uint32_t *)(0xfee00000ul + (off)))
#define TEST_VECTOR 0x50

static uint8_t g_pf_page[4096] __attribute__((aligned(4096)));

extern char vmx_l2_stub[];

static unsigned long l2_nothing(unsigned long arg)
{
	return arg;
}

/* Resume L2 after the exiting instruction and expect it to finish. */
static unsigned long finish_skip(const struct vmx_exit *e)
{
	vmx_skip_insn(e);
	return vmx_run_to_done("resume after the exit");
}

/* ------------------------------------------------------------ exceptions */

static unsigned long l2_ud(unsigned long arg)
{
	excp_clear();
	asm volatile(".globl l2_ud_insn\nl2_ud_insn:\n\t" ASM_TRY("ud2"));
	return g_excp.taken ? g_excp.vector : 0x100;
}
extern char l2_ud_insn[];

static unsigned long l2_int3(unsigned long arg)
{
	excp_clear();
	asm volatile(".globl l2_int3_insn\nl2_int3_insn:\n\t" ASM_TRY("int3"));
	return g_excp.taken ? g_excp.vector : 0x100;
}
extern char l2_int3_insn[];

/* Read (0) or write (1) the test page: -1 if no fault, else the vector L2 took. */
static unsigned long l2_touch(unsigned long write)
{
	return (unsigned long)(write ? try_write32(g_pf_page, 1) : try_read32(g_pf_page, &(uint32_t){ 0 }));
}

static void test_exception_bitmap(void)
{
	struct vmx_exit e;

	/* SDM 26.2: an exception whose bit is set in the exception bitmap exits;
	 * 28.2.2: interruption information valid, type 3 (hardware exception). */
	vmx_vmcs_setup();
	vmcs_write(EXCEPTION_BITMAP, 1u << UD_VECTOR);
	vmx_l2_start(l2_ud, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "#UD with bit 6 in the exception bitmap: exit reason 0")) {
		expect_eq(e.intr_info, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | UD_VECTOR,
			  "#UD exit: interruption information 0x80000306");
		expect_eq(e.guest_rip, (unsigned long)l2_ud_insn, "#UD exit: guest RIP is the faulting UD2");
		vmcs_write(GUEST_RIP, e.guest_rip + 2);
		expect_eq(vmx_run_to_done("#UD exit resumed"), 0x100, "#UD intercepted: L2 never saw it");
	}
	vmx_vmcs_setup();
	vmx_l2_start(l2_ud, 0);
	expect_eq(vmx_run_to_done("#UD without the bitmap bit"), UD_VECTOR,
		  "#UD with its bitmap bit clear is delivered to L2");

	/* INT3: a software exception (type 6); instruction length defined (28.2.4). */
	vmx_vmcs_setup();
	vmcs_write(EXCEPTION_BITMAP, 1u << BP_VECTOR);
	vmx_l2_start(l2_int3, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "INT3 with bit 3 in the exception bitmap: exit reason 0")) {
		expect_eq(e.intr_info, INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | BP_VECTOR,
			  "INT3 exit: interruption information 0x80000603");
		expect_eq(e.insn_len, 1, "INT3 exit: instruction length 1");
		expect_eq(e.guest_rip, (unsigned long)l2_int3_insn, "INT3 exit: guest RIP is the INT3");
		expect_eq(finish_skip(&e), 0x100, "INT3 intercepted: L2 never saw it");
	}
}

static void pf_case(uint32_t bitmap, uint32_t mask, uint32_t match, unsigned long write, bool exits,
		    const char *name)
{
	struct vmx_exit e;
	char buf[120];
	unsigned long ret;

	vmx_vmcs_setup();
	vmcs_write(EXCEPTION_BITMAP, bitmap);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, mask);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, match);
	pt_set_flags((unsigned long)g_pf_page, 0, PTE_P);
	write_cr2(0xabc000);
	vmx_l2_start(l2_touch, write);
	if (!exits) {
		ret = vmx_run_to_done(name);
		pt_set_flags((unsigned long)g_pf_page, PTE_P, 0);
		report(ret == PF_VECTOR, "%s: no exit, #PF delivered to L2", name);
		return;
	}
	snprintf(buf, sizeof(buf), "%s: exit reason 0", name);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, buf)) {
		report(e.intr_info == (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_TYPE_HW_EXCEPTION | PF_VECTOR),
		       "%s: interruption information 0x80000b0e (got %#x)", name, e.intr_info);
		report(e.intr_err == (write ? 2u : 0u), "%s: error code %lu (got %#x)", name, write ? 2ul : 0ul,
		       e.intr_err);
		/* SDM 28.2.1: qualification = linear address; 28.1: CR2 is not written. */
		report(e.qual == (unsigned long)g_pf_page, "%s: qualification = faulting address", name);
		report(read_cr2() == 0xabc000, "%s: CR2 not modified by the #PF VM exit", name);
	}
	/* Make the page present and let L2 retry the access. */
	pt_set_flags((unsigned long)g_pf_page, PTE_P, 0);
	report(vmx_run_to_done(name) == (unsigned long)-1, "%s: L2 retries the access after L1 fixes it", name);
}

static void test_page_faults(void)
{
	/* SDM 26.2: #PF exits iff (PFEC & MASK) == MATCH when bit 14 is 1, and iff
	 * they differ when bit 14 is 0. P=0 read: PFEC 0; P=0 write: PFEC 2. */
	pf_case(1u << PF_VECTOR, 0, 0, 0, true, "#PF read, bit 14 = 1, mask 0 match 0");
	pf_case(1u << PF_VECTOR, 2, 2, 0, false, "#PF read, bit 14 = 1, mask W match W");
	pf_case(1u << PF_VECTOR, 2, 2, 1, true, "#PF write, bit 14 = 1, mask W match W");
	pf_case(0, 2, 2, 1, false, "#PF write, bit 14 = 0, mask W match W");
	pf_case(0, 2, 2, 0, true, "#PF read, bit 14 = 0, mask W match W");
}

/* ----------------------------------------------------- external interrupts */

static volatile unsigned g_irq_count;

static void irq_handler(struct excp_frame *f)
{
	g_irq_count++;
	APIC_REG(0xb0) = 0;             /* EOI */
}

static void self_ipi(unsigned vector)
{
	APIC_REG(0xf0) = 0x1ff;                 /* software enable, spurious 0xff */
	APIC_REG(0x300) = (1u << 18) | (1u << 14) | vector;     /* self, fixed, assert */
}

static void test_external_interrupt(bool ack)
{
	struct vmx_exit e;
	const char *name = ack ? "external interrupt, acknowledge on exit" : "external interrupt, no acknowledge";

	idt_set_handler(TEST_VECTOR, irq_handler);
	g_irq_count = 0;
	vmx_vmcs_setup();
	if (!vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING) ||
	    (ack && !vmx_ctl_set(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT))) {
		report_skip(name, "control not supported");
		return;
	}
	vmcs_write(GUEST_RFLAGS, 0x202);
	vmx_l2_start(l2_nothing, 0);
	self_ipi(TEST_VECTOR);                  /* L1 runs with IF = 0: stays pending */
	if (!vmx_expect_exit(&e, EXIT_REASON_EXTERNAL_INTERRUPT, ack ? "pending interrupt with external-interrupt exiting and ack: exit reason 1"
									: "pending interrupt with external-interrupt exiting: exit reason 1"))
		return;
	expect_eq(e.guest_rip, (unsigned long)vmx_l2_stub, "external interrupt exit before L2's first instruction");
	if (ack) {
		/* SDM 28.2.2: acknowledged -> valid, type 0, the vector. */
		expect_eq(e.intr_info, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | TEST_VECTOR,
			  "ack on exit: interruption information has the vector");
		sti();
		asm volatile("nop");
		cli();
		expect_eq(g_irq_count, 0, "ack on exit: the interrupt was acknowledged (not delivered to L1)");
		APIC_REG(0xb0) = 0;
	} else {
		expect_eq(e.intr_info & INTR_INFO_VALID, 0, "no ack: interruption information not valid");
		sti();
		asm volatile("nop");
		cli();
		expect_eq(g_irq_count, 1, "no ack: the interrupt stays pending and L1 takes it");
	}
	vmx_run_to_done(name);
	idt_set_handler(TEST_VECTOR, NULL);
}

/* ---------------------------------------------------------------- windows */

static unsigned long l2_sti(unsigned long arg)
{
	asm volatile("sti\n\tnop\n\t.globl l2_sti_window\nl2_sti_window:\n\tcli" : : : "memory");
	return 0;
}
extern char l2_sti_window[];

static unsigned long l2_iret(unsigned long arg)
{
	asm volatile("mov %%rsp, %%rax\n\t"
		     "pushq $0x10\n\tpush %%rax\n\tpushfq\n\tpushq $0x18\n\t"
		     "lea l2_iret_done(%%rip), %%rax\n\tpush %%rax\n\t"
		     "iretq\n\t"
		     ".globl l2_iret_done\nl2_iret_done:" : : : "rax", "memory");
	return 0;
}
extern char l2_iret_done[];

static void test_interrupt_window(void)
{
	struct vmx_exit e;

	/* SDM 26.7.5: with RFLAGS.IF = 1 and no blocking, the exit happens before
	 * the first instruction. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING)) {
		report_skip("interrupt-window exiting", "control not supported");
		return;
	}
	vmcs_write(GUEST_RFLAGS, 0x202);
	vmx_l2_start(l2_nothing, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_INTERRUPT_WINDOW, "interrupt window open at entry: exit reason 7")) {
		expect_eq(e.guest_rip, (unsigned long)vmx_l2_stub, "interrupt window: exit before L2's first instruction");
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
		vmx_run_to_done("interrupt window resumed");
	}
	/* IF = 0: the window opens after STI and the instruction after it (STI blocking). */
	vmx_vmcs_setup();
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
	vmx_l2_start(l2_sti, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_INTERRUPT_WINDOW, "interrupt window after STI: exit reason 7")) {
		expect_eq(e.guest_rip, (unsigned long)l2_sti_window, "interrupt window: exit after STI + one instruction");
		expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY) & INTR_BLOCK_STI, 0, "interrupt window: no STI blocking saved");
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
		vmx_run_to_done("interrupt window after STI resumed");
	}
}

static void test_nmi_window(void)
{
	struct vmx_exit e;

	vmx_vmcs_setup();
	if (!vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) ||
	    !vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING)) {
		report_skip("NMI-window exiting", "virtual NMIs not supported");
		return;
	}
	/* SDM 26.7.6: no virtual-NMI blocking -> exit before the first instruction. */
	vmx_l2_start(l2_nothing, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_NMI_WINDOW, "NMI window open at entry: exit reason 8")) {
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
		vmx_run_to_done("NMI window resumed");
	}
	/* Virtual-NMI blocking (interruptibility bit 3) holds the window closed
	 * until L2 executes IRET (SDM 26.3, 26.7.6). */
	vmx_vmcs_setup();
	vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	vmcs_write(GUEST_INTERRUPTIBILITY, INTR_BLOCK_NMI);
	vmx_l2_start(l2_iret, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_NMI_WINDOW, "NMI window opens after IRET unblocks virtual NMIs: exit reason 8")) {
		expect_eq(e.guest_rip, (unsigned long)l2_iret_done, "NMI window: exit right after the IRET");
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
		vmx_run_to_done("NMI window after IRET resumed");
	}
}

static void test_mtf(void)
{
	struct vmx_exit e;

	/* SDM 26.5.2: with the monitor trap flag, an exit follows the first
	 * instruction L2 executes (vmx_l2_stub's CALL: RIP = the callee). */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG)) {
		report_skip("monitor trap flag", "control not supported");
		return;
	}
	vmx_l2_start(l2_nothing, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_MONITOR_TRAP_FLAG, "monitor trap flag: exit reason 37")) {
		expect_eq(e.guest_rip, (unsigned long)l2_nothing, "MTF: exit after one instruction (the CALL)");
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
		vmx_run_to_done("MTF resumed");
	}
}

static void test_triple_fault(void)
{
	struct vmx_exit e;

	/* SDM 26.2: a triple fault in L2 exits with reason 2. IDTR limit 0: #UD
	 * delivery raises #GP, its delivery #DF, whose delivery fails (6.15). */
	vmx_vmcs_setup();
	vmcs_write(GUEST_IDTR_LIMIT, 0);
	vmx_l2_start(l2_ud, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_TRIPLE_FAULT, "triple fault in L2: exit reason 2"))
		/* SDM 28.2.3: an exit caused by a triple fault is not one "during event
		 * delivery" (KVM reports an internal error if it says so). */
		expect_eq(vmcs_read(IDT_VECTORING_INFO) & INTR_INFO_VALID, 0,
			  "triple fault exit: IDT-vectoring information not valid");
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_exception_bitmap();
	test_page_faults();
	test_external_interrupt(false);
	test_external_interrupt(true);
	test_interrupt_window();
	test_nmi_window();
	test_mtf();
	test_triple_fault();
	return 0;
}
