/*
 * tests/guest/vmx/vmx_misc.c - PAUSE-loop exiting, "enable XSAVES/XRSTORS" with the
 * XSS-exiting bitmap, and NMI unblocking due to IRET.
 * Expectations: Intel SDM vol. 3, 325462-084US: 25.6.2 (secondary controls, table
 * 25-7), 25.6.13 (PLE_Gap/PLE_Window), 25.6.19 (XSS-exiting bitmap), 26.1.3
 * (PAUSE, XSAVES, XRSTORS), 26.3 (#UD with "enable XSAVES/XRSTORS" = 0), 6.7.1 and
 * 28.1 (IRET unblocks NMIs / virtual NMIs even when it faults), 28.2.1 table 28-7
 * and 28.2.2 (bit 12 "NMI unblocking due to IRET" of the EPT-violation qualification
 * and of the VM-exit interruption information), 27.3.2.5 / 27.7.1 (the blocking by
 * NMI that L1 restores at the next entry), 25.4.2 table 25-4 (pending debug
 * exceptions), 27.7.3 (their delivery after VM entry), 26.7.2 (MTF before debug
 * traps), 28.3.4 (saving them at a VM exit), 28.2.1 table 28-1 (#DB qualification),
 * appendix B (field encodings), C.
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

/* ------------------------------------------------------------ XSAVES/XRSTORS */

#define MSR_IA32_XSS 0xda0
#define CR4_OSXSAVE (1ul << 18)
#define XSAVE_MASK 3ul                  /* x87 and SSE state */

static uint8_t g_xarea[4096] __attribute__((aligned(64)));

/* XSAVES (arg 0) or XRSTORS (arg 1) of g_xarea with EDX:EAX = 3, displacement 0x40
 * from RDI: -1 when it completed, else the vector L2 took. */
static unsigned long l2_xsaves(unsigned long rstor)
{
	unsigned long base = (unsigned long)g_xarea - 0x40;

	excp_clear();
	if (rstor)
		asm volatile(".globl l2_xrstors_insn\nl2_xrstors_insn:\n\t" ASM_TRY("xrstors64 0x40(%0)")
			     : : "D"(base), "a"(XSAVE_MASK), "d"(0) : "memory");
	else
		asm volatile(".globl l2_xsaves_insn\nl2_xsaves_insn:\n\t" ASM_TRY("xsaves64 0x40(%0)")
			     : : "D"(base), "a"(XSAVE_MASK), "d"(0) : "memory");
	return g_excp.taken ? g_excp.vector : -1ul;
}
extern char l2_xsaves_insn[], l2_xrstors_insn[];

static void xsaves_case(unsigned long rstor, uint64_t xss)
{
	const char *name = rstor ? "XRSTORS" : "XSAVES";
	struct vmx_exit e;

	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_XSAVES);
	vmcs_write(XSS_EXIT_BITMAP, ~0ull);
	expect_eq(vmcs_read(XSS_EXIT_BITMAP), ~0ull, "XSS-exiting bitmap reads back");
	vmx_l2_start(l2_xsaves, rstor);
	if (!(XSAVE_MASK & xss)) {
		/* EDX:EAX AND IA32_XSS is 0: no exit whatever the bitmap holds. */
		report(vmx_run_to_done(name) == -1ul,
		       "%s, bitmap all 1s, EDX:EAX AND IA32_XSS = 0: executes, no exit", name);
		return;
	}
	if (vmx_expect_exit(&e, rstor ? EXIT_REASON_XRSTORS : EXIT_REASON_XSAVES,
			    rstor ? "XRSTORS: exit reason 64" : "XSAVES: exit reason 63")) {
		expect_eq(e.guest_rip, (unsigned long)(rstor ? l2_xrstors_insn : l2_xsaves_insn),
			  "XSAVES/XRSTORS exit: guest RIP is the instruction");
		expect_eq(e.qual, 0x40, "XSAVES/XRSTORS exit: qualification = displacement");
	}
}

static void test_xsaves(void)
{
	uint64_t xss;

	/* SDM vol. 1, 13.3: IA32_XSS exists when XSAVES does. */
	if (!(g_vmx_caps.proc2 >> 32 & CPU2_ENABLE_XSAVES)) {
		report_skip("enable XSAVES/XRSTORS", "not allowed by IA32_VMX_PROCBASED_CTLS2");
		return;
	}
	if (try_rdmsr(MSR_IA32_XSS, &xss) >= 0) {
		report_fail("IA32_XSS", "RDMSR faults although XSAVES/XRSTORS may be enabled");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	asm volatile("xsetbv" : : "a"(XSAVE_MASK), "d"(0), "c"(0));

	/* SDM 26.3: with the control 0, XSAVES and XRSTORS raise #UD (delivered in L2). */
	vmx_vmcs_setup();
	vmx_l2_start(l2_xsaves, 0);
	expect_eq(vmx_run_to_done("XSAVES, control 0"), UD_VECTOR, "XSAVES with the control 0: #UD");
	vmx_l2_start(l2_xsaves, 1);
	expect_eq(vmx_run_to_done("XRSTORS, control 0"), UD_VECTOR, "XRSTORS with the control 0: #UD");

	/* SDM 26.1.3: with the control 1, exit iff EDX:EAX AND IA32_XSS AND bitmap != 0. */
	memset(g_xarea, 0, sizeof(g_xarea));
	xsaves_case(0, xss);
	if (!(XSAVE_MASK & xss))        /* vol. 1, 13.11: XSAVES writes the compacted form */
		report(g_xarea[512 + 15] & 0x80, "XSAVES in L2 wrote XCOMP_BV bit 63 (compacted)");
	xsaves_case(1, xss);
}

/* ------------------------------------------------------------ NMI unblocking due to IRET */

#define EXIT_REASON_EPT_VIOLATION 48u
#define NMI_UNBLOCK_QUAL (1ull << 12)

/* L2's NMI handlers (the IDT is shared with L1): an IRET that faults with #GP(0)
 * (the CS of its frame made null), and an IRET whose frame sits on a page that EPT
 * does not map (RSP moved there). */
static uint8_t g_frame_page[4096] __attribute__((aligned(4096)));
uint64_t *g_frame_ptr = (uint64_t *)g_frame_page;
asm(".text\n"
    ".globl nmi_gp_stub\nnmi_gp_stub:\n\tmovq $0, 8(%rsp)\n"
    ".globl nmi_gp_iret\nnmi_gp_iret:\n\tiretq\n"
    ".globl nmi_ept_stub\nnmi_ept_stub:\n\tmovq g_frame_ptr(%rip), %rsp\n"
    ".globl nmi_ept_iret\nnmi_ept_iret:\n\tiretq\n");
extern char nmi_gp_stub[], nmi_gp_iret[], nmi_ept_stub[], nmi_ept_iret[];

static unsigned long l2_nothing(unsigned long arg) { return arg; }

/* An IRET with no NMI blocking before it, to a null CS: #GP(0). */
static unsigned long l2_bad_iret(unsigned long arg)
{
	asm volatile("movq %%rsp, %%rax\n\tpushq %0\n\tpushq %%rax\n\tpushfq\n\tpushq $0\n\t"
		     "pushq $1f\n\tiretq\n1:" : : "r"((unsigned long)read_ds()) : "rax", "memory");
	return 0;
}

static unsigned long l2_read(unsigned long va) { return *(volatile uint32_t *)va; }

static uint16_t read_ss(void)
{
	uint16_t ss;

	asm volatile("mov %%ss, %0" : "=r"(ss));
	return ss;
}

/* Inject an NMI at the next entry; vnmi: as a virtual NMI. Returns where L2 resumes. */
static unsigned long nmi_setup(bool vnmi, unsigned long handler)
{
	vmx_vmcs_setup();
	if (vnmi && !vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS))
		return 0;
	idt_set_gate(2, handler, read_cs(), 0xe, 0, 0);
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
	return vmcs_read(GUEST_RIP);
}

/* After an exit on the faulting IRET: blocking by NMI was cleared (28.1); L1 sets
 * it again as 28.2.2 recommends, and the NMI window opens only once the IRET has
 * been executed again and completed, back at ret_rip (27.7.1, 26.7.6). */
static void reblock_and_finish(unsigned long ret_rip, const char *name)
{
	struct vmx_exit e;

	report(!(vmcs_read(GUEST_INTERRUPTIBILITY) & INTR_BLOCK_NMI),
	       "%s: blocking by NMI saved as 0 (the IRET unblocked)", name);
	vmcs_write(GUEST_INTERRUPTIBILITY, vmcs_read(GUEST_INTERRUPTIBILITY) | INTR_BLOCK_NMI);
	vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	if (vmx_expect_exit(&e, EXIT_REASON_NMI_WINDOW, "re-blocked NMI, IRET retried: NMI-window exit"))
		report(e.guest_rip == ret_rip, "%s: NMI window opens after the IRET completes", name);
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING);
	expect_eq(vmx_run_to_done(name), 7, "L2 finishes after the NMI handler returned");
}

static void test_nmi_iret_gp(bool vnmi)
{
	const char *name = vnmi ? "#GP on IRET, virtual NMIs" : "#GP on IRET, NMIs";
	uint32_t want = INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_TYPE_HW_EXCEPTION | GP_VECTOR;
	unsigned long ret_rip = nmi_setup(vnmi, (unsigned long)nmi_gp_stub);
	struct vmx_exit e;

	if (!ret_rip) {
		report_skip(name, "virtual NMIs not allowed");
		return;
	}
	vmcs_write(EXCEPTION_BITMAP, 1u << GP_VECTOR);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, name)) {
		report(e.intr_info == (want | INTR_INFO_NMI_UNBLOCK) && e.intr_err == 0,
		       "%s: interruption information %#x with bit 12 (got %#x)", name,
		       want | INTR_INFO_NMI_UNBLOCK, e.intr_info);
		expect_eq(e.guest_rip, (unsigned long)nmi_gp_iret, "exit on the faulting IRET");
		/* Repair the frame's CS so that the IRET can complete. */
		((uint64_t *)vmcs_read(GUEST_RSP))[1] = read_cs();
		if (vnmi)
			reblock_and_finish(ret_rip, name);
		else
			expect_eq(vmx_run_to_done(name), 7, "L2 finishes after the NMI handler returned");
	}
	idt_set_gate(2, idt_stub_address(2), read_cs(), 0xe, 0, 0);

	/* No blocking before the IRET: bit 12 is 0. */
	vmx_vmcs_setup();
	if (vnmi)
		vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	vmcs_write(EXCEPTION_BITMAP, 1u << GP_VECTOR);
	vmx_l2_start(l2_bad_iret, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "#GP on IRET without NMI blocking"))
		report(e.intr_info == want, "%s, none blocked: bit 12 clear (got %#x)", name, e.intr_info);
}

static void test_nmi_iret_ept(void)
{
	struct vmx_exit e;
	uint64_t *pt, *pte;
	unsigned long ret_rip;

	vmx_vmcs_setup();
	if (!vmx_ctl_can_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT) ||
	    !vmx_ctl_can_set(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)) {
		report_skip("EPT violation on IRET", "EPT or virtual NMIs not allowed");
		return;
	}
	/* An EPT violation that is not on an IRET: bit 12 clear. */
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	vmcs_write(EPT_POINTER, vmx_ept_identity(g_frame_page, &pt) | EPTP_WB | EPTP_WALK4);
	pte = &pt[((unsigned long)g_frame_page >> 12) & 511];
	*pte = 0;
	invept(2, 0);
	vmx_l2_start(l2_read, (unsigned long)g_frame_page);
	if (vmx_expect_exit(&e, EXIT_REASON_EPT_VIOLATION, "EPT violation on a read: exit reason 48"))
		report(!(e.qual & NMI_UNBLOCK_QUAL), "EPT violation on a read: qualification bit 12 clear");

	/* The IRET of a virtual-NMI handler reads its frame from the unmapped page. */
	ret_rip = nmi_setup(true, (unsigned long)nmi_ept_stub);
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	vmcs_write(EPT_POINTER, vmx_ept_identity(g_frame_page, &pt) | EPTP_WB | EPTP_WALK4);
	*pte = 0;
	invept(2, 0);
	g_frame_ptr[0] = ret_rip;
	g_frame_ptr[1] = read_cs();
	g_frame_ptr[2] = 2;
	g_frame_ptr[3] = vmcs_read(GUEST_RSP);
	g_frame_ptr[4] = read_ss();
	if (vmx_expect_exit(&e, EXIT_REASON_EPT_VIOLATION, "IRET frame on an unmapped page: exit reason 48")) {
		report((e.qual & (NMI_UNBLOCK_QUAL | 7)) == (NMI_UNBLOCK_QUAL | 1),
		       "EPT violation on IRET: read access, bit 12 set (got %#lx)", e.qual);
		expect_eq(e.guest_rip, (unsigned long)nmi_ept_iret, "exit on the IRET");
		*pte = (unsigned long)g_frame_page | EPT_RWX | EPT_MT_WB;
		invept(2, 0);
		reblock_and_finish(ret_rip, "EPT violation on IRET");
	}
	idt_set_gate(2, idt_stub_address(2), read_cs(), 0xe, 0, 0);
}

/* ------------------------------------------------------------ pending debug exceptions */

#define PDBG_B0 (1ul << 0)
#define PDBG_ENABLED_BP (1ul << 12)
#define PDBG_BS (1ul << 14)
#define DR6_BS (1ul << 14)
#define RFLAGS_TF (1ul << 8)

static volatile unsigned g_db_count;
static volatile unsigned long g_db_dr6, g_db_rip;

/* L2's #DB handler (IDT shared with L1): record DR6 and stop single-stepping. */
static void db_handler(struct excp_frame *f)
{
	unsigned long dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	g_db_count++;
	g_db_dr6 = dr6;
	g_db_rip = f->ip;
	f->flags &= ~RFLAGS_TF;
	asm volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ul));
}

static void pdbg_entry(uint64_t pending, bool exits, const char *name)
{
	struct vmx_exit e;
	unsigned long rip;

	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	rip = vmcs_read(GUEST_RIP);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, pending);
	g_db_count = 0;
	if (exits) {
		/* 27.7.3: the bitmap's bit 1 turns it into a VM exit before any L2
		 * instruction; table 28-1: qualification B3-B0 and BS. */
		vmcs_write(EXCEPTION_BITMAP, 1u << DB_VECTOR);
		if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, name)) {
			report(e.intr_info == (INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | DB_VECTOR),
			       "%s: interruption information 0x80000301 (got %#x)", name, e.intr_info);
			report(e.qual == (pending & (0xful | PDBG_BS)), "%s: qualification %#lx (got %#lx)",
			       name, (unsigned long)(pending & (0xful | PDBG_BS)), e.qual);
			expect_eq(e.guest_rip, rip, "#DB after entry: before L2's first instruction");
			vmcs_write(EXCEPTION_BITMAP, 0);
			expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), 0, "delivered: none pending at the exit");
			expect_eq(vmx_run_to_done(name), 7, "L2 finishes after the #DB exit");
		}
		return;
	}
	expect_eq(vmx_run_to_done(name), 7, "L2 finishes after its #DB handler");
	report(g_db_count == 1 && g_db_rip == rip, "%s: one #DB in L2, at its first instruction", name);
	report((g_db_dr6 & (0xful | DR6_BS)) == (pending & (0xful | PDBG_BS)),
	       "%s: DR6 %#lx (B3-B0, BS as pending)", name, g_db_dr6);
}

static void test_pending_dbg(void)
{
	struct vmx_exit e;

	idt_set_handler(DB_VECTOR, db_handler);
	pdbg_entry(PDBG_BS, true, "pending BS, #DB in the exception bitmap: exit reason 0");
	pdbg_entry(PDBG_B0 | PDBG_ENABLED_BP, true, "pending B0 + enabled breakpoint: exit reason 0");
	pdbg_entry(PDBG_BS, false, "pending BS delivered to L2");
	pdbg_entry(PDBG_B0 | PDBG_ENABLED_BP, false, "pending B0 + enabled breakpoint delivered to L2");
	/* B0 alone (no BS, no enabled breakpoint) is not a valid pending #DB. */
	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, PDBG_B0);
	g_db_count = 0;
	expect_eq(vmx_run_to_done("pending B0 alone"), 7, "pending B0 alone: L2 runs");
	expect_eq(g_db_count, 0, "pending B0 alone: no #DB delivered");

	/* 26.7.2: an MTF VM exit goes before the single-step trap of the instruction
	 * that ran with TF = 1; 28.3.4 saves that trap as pending BS, and the next VM
	 * entry delivers it (27.7.3). */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG)) {
		report_skip("MTF and single step", "monitor trap flag not allowed");
	} else {
		vmx_l2_start(l2_nothing, 7);
		vmcs_write(GUEST_RFLAGS, 2 | RFLAGS_TF);
		g_db_count = 0;
		if (vmx_expect_exit(&e, EXIT_REASON_MONITOR_TRAP_FLAG, "TF and MTF: MTF exit first")) {
			expect_eq(g_db_count, 0, "TF and MTF: no #DB before the MTF exit");
			expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), PDBG_BS,
				  "TF and MTF: single-step trap saved as pending BS");
			vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG);
			expect_eq(vmx_run_to_done("pending BS after MTF"), 7, "L2 finishes");
			report(g_db_count == 1 && g_db_rip == e.guest_rip && (g_db_dr6 & DR6_BS),
			       "pending BS delivered at the next entry, before the next instruction");
		}
	}
	idt_set_handler(DB_VECTOR, NULL);
}

/* 27.1: a debug exception that causes a VM exit leaves DR6 as it was (DR6 is not part
 * of the guest state, so L1 sees it directly); table 28-1: the qualification holds
 * only this exception's bits (BS for a single step), not DR6's sticky B0. */
static void test_db_exit_dr6(void)
{
	const unsigned long dr6_before = 0xffff0ff1ul;          /* B0 left set */
	struct vmx_exit e;
	unsigned long dr6;

	vmx_vmcs_setup();
	vmx_l2_start(l2_nothing, 7);
	vmcs_write(GUEST_RFLAGS, 2 | RFLAGS_TF);
	vmcs_write(EXCEPTION_BITMAP, 1u << DB_VECTOR);
	asm volatile("mov %0, %%dr6" : : "r"(dr6_before));
	if (vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "single-step #DB exits")) {
		asm volatile("mov %%dr6, %0" : "=r"(dr6));
		report(e.qual == DR6_BS, "single-step #DB exit: qualification BS only (got %#lx)", e.qual);
		report(dr6 == dr6_before, "single-step #DB exit: DR6 unchanged (got %#lx)", dr6);
	}
	asm volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ul));
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_pause_loop();
	test_db_exit_dr6();
	test_xsaves();
	test_nmi_iret_gp(false);
	test_nmi_iret_gp(true);
	test_nmi_iret_ept();
	test_pending_dbg();
	return 0;
}
