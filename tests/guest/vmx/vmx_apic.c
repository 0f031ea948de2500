/*
 * tests/guest/vmx/vmx_apic.c - APIC virtualization: APIC-access VM exits and their
 * qualification, TPR virtualization through the APIC-access page and the x2APIC
 * TPR MSR, APIC-register virtualization and APIC-write VM exits, virtual-interrupt
 * delivery (RVI/SVI, EOI virtualization, EOI-induced exits, self-IPIs), posted-
 * interrupt processing, and the VM-entry checks on these controls.
 * Expectations: Intel SDM vol. 3, 325462-084US: 30.1 (virtual-APIC page, TPR, PPR,
 * EOI and self-IPI virtualization), 30.2 (evaluation and delivery of virtual
 * interrupts), 30.4 (APIC-access page: exits, virtualized reads and writes,
 * APIC-write emulation), 30.5 (x2APIC MSRs), 30.6 (posted interrupts), 27.2.1.1
 * (checks on the controls), 28.2.1 table 28-6 (APIC-access exit qualification),
 * appendix B (field encodings), appendix C (exit reasons 43, 44, 45, 56).
 */
#include "vmx.h"

#define POSTED_INTR_NV 0x0002
#define GUEST_INTR_STATUS 0x0810
#define APIC_ACCESS_ADDR 0x2014
#define POSTED_INTR_DESC_ADDR 0x2016
#define EOI_EXIT_BITMAP0 0x201c
#define EOI_EXIT_BITMAP1 0x201e
#define PIN_POSTED_INTR (1u << 7)
#define CPU2_VIRT_APIC_ACCESSES (1u << 0)
#define CPU2_VIRT_X2APIC (1u << 4)
#define CPU2_APIC_REG_VIRT (1u << 8)
#define CPU2_VIRT_INTR_DELIVERY (1u << 9)
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS 44
#define EXIT_REASON_EOI_INDUCED 45
#define EXIT_REASON_APIC_WRITE 56
#define APIC_REG(off) (*(volatile uint32_t *)(0xfee00000ul + (off)))

static uint8_t g_access[4096] __attribute__((aligned(4096)));  /* the APIC-access page */
static uint8_t g_vapic[4096] __attribute__((aligned(4096)));   /* the virtual-APIC page */
static uint8_t g_pi_desc[64] __attribute__((aligned(64)));     /* posted-interrupt descriptor */

#define ACCESS(off) (*(volatile uint32_t *)(g_access + (off)))
#define VAPIC(off) (*(volatile uint32_t *)(g_vapic + (off)))

static unsigned long l2_read(unsigned long off) { return ACCESS(off); }
static unsigned long l2_write(unsigned long off)
{
	ACCESS(off & 0xfff) = (uint32_t)(off >> 12);
	return 0;
}
static unsigned long l2_call(unsigned long off)
{
	return ((unsigned long (*)(void))(g_access + off))();
}

/* Default VMCS plus "use TPR shadow" with g_vapic and the secondary bits; false
 * (and a SKIP) when the capability MSRs do not allow them. */
static bool setup(const char *name, uint32_t cpu2, bool tpr_shadow)
{
	vmx_vmcs_setup();
	for (unsigned k = 0; k < 4096; k += 4)
		VAPIC(k) = 0;
	if ((tpr_shadow && !vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_TPR_SHADOW)) ||
	    (cpu2 && !vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, cpu2))) {
		report_skip(name, "controls not supported");
		return false;
	}
	if (tpr_shadow) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (unsigned long)g_vapic);
		vmcs_write(TPR_THRESHOLD, 0);
	}
	if (cpu2 & CPU2_VIRT_APIC_ACCESSES)
		vmcs_write(APIC_ACCESS_ADDR, (unsigned long)g_access);
	return true;
}

/* ------------------------------------------------------- APIC-access exits */

static void test_access_exits(void)
{
	struct vmx_exit e;

	/* 30.4: without "use TPR shadow" every access exits; 28.2.1 table 28-6:
	 * offset in 11:0, type 0 read / 1 write / 2 fetch in 15:12. Fault-like: the
	 * instruction runs again once L1 turns the control off. */
	if (!setup("APIC-access exits", CPU2_VIRT_APIC_ACCESSES, false))
		return;
	ACCESS(0x80) = 0x11223344;
	vmx_l2_start(l2_read, 0x80);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "read of the APIC-access page: exit reason 44")) {
		expect_eq(e.qual, 0x080, "read exit: qualification offset 080H, type 0");
		vmcs_clear_bits(SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_APIC_ACCESSES);
		expect_eq(vmx_run_to_done("read re-executed"), 0x11223344,
			  "APIC-access exit is fault-like: the read runs again after it");
	}
	setup("APIC-access write exit", CPU2_VIRT_APIC_ACCESSES, false);
	vmx_l2_start(l2_write, 0x300 | 0x55ul << 12);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "write to the APIC-access page: exit reason 44")) {
		expect_eq(e.qual, 0x1300, "write exit: qualification offset 300H, type 1");
		expect_eq(ACCESS(0x300), 0, "the write did not happen");
	}
	setup("APIC-access fetch exit", CPU2_VIRT_APIC_ACCESSES, false);
	g_access[0x40] = 0xc3;                  /* ret */
	vmx_l2_start(l2_call, 0x40);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "instruction fetch from the APIC-access page: exit reason 44")) {
		expect_eq(e.qual, 0x2040, "fetch exit: qualification offset 040H, type 2");
		expect_eq(e.guest_rip, (unsigned long)g_access + 0x40, "fetch exit: guest RIP is the fetched address");
	}
}

/* 30.4.6.1: with EPT, a guest paging-structure read (a guest-physical access)
 * that lands on the APIC-access page exits with access type 15; bits 11:0 are
 * undefined. Here the page is L2's PML4 (L2 shares L1's page tables). */
static void test_guest_physical_access(void)
{
	const char *name = "guest-physical access to the APIC-access page";
	struct vmx_exit e;

	if (!setup(name, CPU2_VIRT_APIC_ACCESSES | CPU2_ENABLE_EPT, false))
		return;
	vmcs_write(EPT_POINTER, vmx_ept_identity(NULL, NULL) | EPTP_WB | EPTP_WALK4);
	vmcs_write(APIC_ACCESS_ADDR, read_cr3() & ~0xfffull);
	vmx_l2_start(l2_read, 0x80);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "L2's page walk reads the APIC-access page: exit reason 44"))
		expect_eq(e.qual & ~0xfffull, 0xf000, "guest-physical access: access type 15");
}

/* --------------------------------------------------------- TPR through MMIO */

static void test_tpr_mmio(void)
{
	struct vmx_exit e;

	/* 30.4.2: with "use TPR shadow" a 32-bit read of offset 080H comes from the
	 * virtual-APIC page; other offsets exit (APIC-register virtualization off). */
	if (!setup("TPR virtualization", CPU2_VIRT_APIC_ACCESSES, true))
		return;
	VAPIC(0x80) = 0x50;
	vmx_l2_start(l2_read, 0x80);
	expect_eq(vmx_run_to_done("virtualized TPR read"), 0x50, "read of offset 080H returns VTPR");
	setup("TPR virtualization", CPU2_VIRT_APIC_ACCESSES, true);
	vmx_l2_start(l2_read, 0x90);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "read of offset 090H without APIC-register virtualization exits"))
		expect_eq(e.qual, 0x090, "qualification offset 090H, type 0");
	/* 30.4.3.2: a write of offset 080H goes to VTPR, bytes 3:1 cleared, then TPR
	 * virtualization: no exit while VTPR[7:4] >= the threshold. */
	setup("TPR virtualization", CPU2_VIRT_APIC_ACCESSES, true);
	vmcs_write(TPR_THRESHOLD, 2);
	ACCESS(0x80) = 0;
	vmx_l2_start(l2_write, 0x80 | 0xab030ul << 12);
	vmx_run_to_done("virtualized TPR write");
	expect_eq(VAPIC(0x80), 0x30, "write of offset 080H: VTPR = byte 0, bytes 3:1 cleared");
	expect_eq(ACCESS(0x80), 0, "the APIC-access page itself is not written");
	/* 30.1.2: VTPR[7:4] below the threshold: trap-like exit 43. */
	setup("TPR below threshold", CPU2_VIRT_APIC_ACCESSES, true);
	vmcs_write(TPR_THRESHOLD, 2);
	VAPIC(0x80) = 0x20;
	vmx_l2_start(l2_write, 0x80 | 0x10ul << 12);
	if (vmx_expect_exit(&e, EXIT_REASON_TPR_BELOW_THRESHOLD, "TPR write below the threshold: exit reason 43")) {
		expect_eq(VAPIC(0x80), 0x10, "VTPR holds the new value at the exit");
		vmx_run_to_done("trap-like TPR exit resumes after the write");
	}
	/* 27.2.1.1: TPR threshold above VTPR[7:4] fails VM entry only when "virtualize
	 * APIC accesses" and "virtual-interrupt delivery" are both 0. */
	setup("TPR threshold check", CPU2_VIRT_APIC_ACCESSES, true);
	vmcs_write(TPR_THRESHOLD, 5);
	VAPIC(0x80) = 0x10;
	vmx_l2_start(l2_read, 0x80);
	expect_eq(vmx_run_to_done("TPR threshold above VTPR with APIC-access virtualization"), 0x10,
		  "threshold > VTPR[7:4] with virtualize APIC accesses: entry succeeds");
	setup("TPR threshold check", 0, true);
	vmcs_write(TPR_THRESHOLD, 5);
	VAPIC(0x80) = 0x10;
	vmx_l2_start(l2_read, 0x80);
	expect_eq(vmlaunch_fail(), VMX_FAIL_VALID, "threshold > VTPR[7:4], TPR shadow only: VMfailValid");
	expect_eq(vmx_insn_error(), VMXERR_ENTRY_INVALID_CONTROLS, "... with error 7");
}

/* ------------------------------------------------------------ x2APIC MSRs */

static unsigned long l2_rdmsr(unsigned long msr) { return rdmsr((uint32_t)msr); }
static unsigned long l2_wrmsr_tpr(unsigned long val)
{
	excp_clear();
	asm volatile(ASM_TRY("wrmsr") : : "c"(0x808), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	return g_excp.taken ? 0x100 + g_excp.vector : 0;
}

static bool msr_setup(const char *name, uint32_t cpu2)
{
	if (!setup(name, cpu2, true))
		return false;
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS)) {
		report_skip(name, "MSR bitmaps not supported");
		return false;
	}
	vmcs_write(MSR_BITMAP, (unsigned long)vmx_alloc_page());
	return true;
}

static void test_x2apic(void)
{
	struct vmx_exit e;

	/* 30.5: RDMSR 808H reads bits 63:0 at offset 080H; WRMSR 808H writes them
	 * (bits 63:8 must be 0, else #GP) and performs TPR virtualization. */
	if (!msr_setup("x2APIC virtualization", CPU2_VIRT_X2APIC))
		return;
	VAPIC(0x80) = 0x60;
	VAPIC(0x84) = 0x7;
	vmx_l2_start(l2_rdmsr, 0x808);
	expect_eq(vmx_run_to_done("RDMSR 808H"), 0x700000060ull, "RDMSR 808H reads 64 bits at offset 080H");
	msr_setup("x2APIC virtualization", CPU2_VIRT_X2APIC);
	vmx_l2_start(l2_wrmsr_tpr, 0x40);
	expect_eq(vmx_run_to_done("WRMSR 808H"), 0, "WRMSR 808H: no fault, no exit");
	expect_eq(VAPIC(0x80), 0x40, "WRMSR 808H writes VTPR");
	msr_setup("x2APIC virtualization", CPU2_VIRT_X2APIC);
	vmx_l2_start(l2_wrmsr_tpr, 0x140);
	expect_eq(vmx_run_to_done("WRMSR 808H reserved"), 0x100 + GP_VECTOR, "WRMSR 808H with bits 63:8 set: #GP");
	msr_setup("x2APIC virtualization", CPU2_VIRT_X2APIC);
	vmcs_write(TPR_THRESHOLD, 3);
	VAPIC(0x80) = 0x30;
	vmx_l2_start(l2_wrmsr_tpr, 0x20);
	if (vmx_expect_exit(&e, EXIT_REASON_TPR_BELOW_THRESHOLD, "WRMSR 808H below the threshold: exit reason 43")) {
		expect_eq(VAPIC(0x80), 0x20, "VTPR written before the exit");
		vmcs_write(TPR_THRESHOLD, 0);   /* else VM entry fails its VTPR check */
		expect_eq(vmx_run_to_done("trap-like TPR exit after WRMSR"), 0, "WRMSR completed before the exit");
	}
	/* 27.2.1.1: "virtualize x2APIC mode" and "virtualize APIC accesses" both 1, or
	 * either x2APIC or register virtualization without "use TPR shadow", fail. */
	if (setup("x2APIC with APIC accesses", CPU2_VIRT_X2APIC | CPU2_VIRT_APIC_ACCESSES, true)) {
		vmx_l2_start(l2_read, 0);
		expect_eq(vmlaunch_fail(), VMX_FAIL_VALID, "virtualize x2APIC mode + APIC accesses: VMfailValid");
		expect_eq(vmx_insn_error(), VMXERR_ENTRY_INVALID_CONTROLS, "... with error 7");
	}
	if (setup("x2APIC without TPR shadow", CPU2_VIRT_X2APIC, false)) {
		vmx_l2_start(l2_read, 0);
		expect_eq(vmlaunch_fail(), VMX_FAIL_VALID, "virtualize x2APIC mode without TPR shadow: VMfailValid");
	}
}

/* --------------------------------------------------- APIC-register virt. */

static void test_apic_reg(void)
{
	struct vmx_exit e;
	const uint32_t c = CPU2_VIRT_APIC_ACCESSES | CPU2_APIC_REG_VIRT;

	/* 30.4.2: listed registers read from the virtual-APIC page; current count
	 * (390H) is not listed and exits. */
	if (!setup("APIC-register virtualization", c, true))
		return;
	VAPIC(0x30) = 0x50014;
	vmx_l2_start(l2_read, 0x30);
	expect_eq(vmx_run_to_done("virtualized version read"), 0x50014, "read of 030H returns the virtual-APIC page");
	setup("APIC-register virtualization", c, true);
	vmx_l2_start(l2_read, 0x390);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_ACCESS, "read of 390H exits"))
		expect_eq(e.qual, 0x390, "qualification offset 390H, type 0");
	/* 30.4.3: a write of 380H (initial count) is virtualized, then APIC-write
	 * emulation causes a trap-like APIC-write exit with the offset. */
	setup("APIC-write exit", c, true);
	vmx_l2_start(l2_write, 0x380 | 0x1234ul << 12);
	if (vmx_expect_exit(&e, EXIT_REASON_APIC_WRITE, "write of 380H: APIC-write exit reason 56")) {
		expect_eq(e.qual, 0x380, "APIC-write exit qualification: offset 380H");
		expect_eq(VAPIC(0x380), 0x1234, "the value is on the virtual-APIC page");
		vmx_run_to_done("trap-like APIC-write exit resumes after the write");
	}
}

/* ---------------------------------------------- virtual-interrupt delivery */

static volatile unsigned g_vint_vector, g_vint_count;

static void vint_handler(struct excp_frame *f)
{
	g_vint_vector = (unsigned)f->vector;
	g_vint_count++;
	ACCESS(0xb0) = 0;               /* EOI, virtualized (30.4.3.2) */
}

static unsigned long l2_sti_nop(unsigned long arg)
{
	asm volatile("sti\n\tnop\n\tnop\n\tcli" : : : "memory");
	return g_vint_count;
}

static unsigned long l2_self_ipi(unsigned long vec)
{
	ACCESS(0x300) = (1u << 18) | (uint32_t)vec;     /* self, fixed, edge */
	asm volatile("sti\n\tnop\n\tnop\n\tcli" : : : "memory");
	return g_vint_count;
}

static bool vid_setup(const char *name)
{
	if (!setup(name, CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_INTR_DELIVERY, true))
		return false;
	if (!vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING)) {
		report_skip(name, "external-interrupt exiting not supported");
		return false;
	}
	g_vint_vector = g_vint_count = 0;
	return true;
}

static void test_vid(void)
{
	struct vmx_exit e;

	idt_set_handler(0x51, vint_handler);
	idt_set_handler(0x62, vint_handler);
	/* 30.2: RVI 51H with VIRR bit set, VPPR 0: delivered through L2's IDT once
	 * RFLAGS.IF = 1, VISR/SVI set, VIRR/RVI cleared; the EOI write clears VISR and
	 * SVI (30.1.4). */
	if (vid_setup("virtual-interrupt delivery")) {
		VAPIC(0x200 + 0x20) = 1u << (0x51 & 31);
		vmcs_write(GUEST_INTR_STATUS, 0x51);
		vmx_l2_start(l2_sti_nop, 0);
		expect_eq(vmx_run_to_done("virtual interrupt"), 1, "virtual interrupt delivered to L2 without exit");
		expect_eq(g_vint_vector, 0x51, "... with vector 51H");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0, "RVI and SVI are 0 after delivery and EOI");
		expect_eq(VAPIC(0x200 + 0x20) | VAPIC(0x100 + 0x20), 0, "VIRR and VISR bits cleared");
	}
	/* 30.1.4: the EOI-exit bitmap bit of the vector: EOI-induced exit 45. */
	if (vid_setup("EOI-induced exit")) {
		VAPIC(0x200 + 0x20) = 1u << (0x51 & 31);
		vmcs_write(GUEST_INTR_STATUS, 0x51);
		vmcs_write(EOI_EXIT_BITMAP1, 1ull << (0x51 - 64));
		vmx_l2_start(l2_sti_nop, 0);
		if (vmx_expect_exit(&e, EXIT_REASON_EOI_INDUCED, "EOI with the EOI-exit bit set: exit reason 45")) {
			expect_eq(e.qual, 0x51, "EOI-induced exit qualification: the vector");
			expect_eq(vmcs_read(GUEST_INTR_STATUS), 0, "SVI cleared before the exit");
			expect_eq(vmx_run_to_done("trap-like EOI exit"), 1, "L2 continues after the handler's EOI");
		}
	}
	/* 30.4.3.2 / 30.1.5: ICR low written with "self", fixed, edge: self-IPI
	 * virtualization, delivered without exit. */
	if (vid_setup("self-IPI virtualization")) {
		vmx_l2_start(l2_self_ipi, 0x62);
		expect_eq(vmx_run_to_done("virtual self-IPI"), 1, "virtual self-IPI delivered to L2");
		expect_eq(g_vint_vector, 0x62, "... with vector 62H");
	}
	/* 30.2.1: RVI[7:4] not above VPPR[7:4] (VTPR 60H): not delivered. */
	if (vid_setup("VTPR masks virtual interrupts")) {
		VAPIC(0x80) = 0x60;
		VAPIC(0x200 + 0x20) = 1u << (0x51 & 31);
		vmcs_write(GUEST_INTR_STATUS, 0x51);
		vmx_l2_start(l2_sti_nop, 0);
		expect_eq(vmx_run_to_done("masked virtual interrupt"), 0, "VTPR 60H blocks vector 51H");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0x51, "RVI stays 51H");
	}
	/* 27.2.1.1: virtual-interrupt delivery needs external-interrupt exiting. */
	if (setup("VID without external-interrupt exiting", CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_INTR_DELIVERY, true)) {
		vmx_l2_start(l2_read, 0);
		expect_eq(vmlaunch_fail(), VMX_FAIL_VALID, "virtual-interrupt delivery without external-interrupt exiting: VMfailValid");
	}
	idt_set_handler(0x51, NULL);
	idt_set_handler(0x62, NULL);
}

/* ---------------------------------------------------------- posted interrupts */

#define NOTIFY_VECTOR 0xe2

static void test_posted(void)
{
	const char *name = "posted-interrupt processing";

	idt_set_handler(0x55, vint_handler);
	if (!vid_setup(name))
		return;
	if (!vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_POSTED_INTR) ||
	    !vmx_ctl_set(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT)) {
		report_skip(name, "process posted interrupts not supported");
		return;
	}
	for (unsigned k = 0; k < 64; k++)
		g_pi_desc[k] = 0;
	g_pi_desc[0x55 / 8] = 1u << (0x55 & 7);         /* PIR bit 55H */
	g_pi_desc[32] = 1;                              /* ON */
	vmcs_write(POSTED_INTR_NV, NOTIFY_VECTOR);
	vmcs_write(POSTED_INTR_DESC_ADDR, (unsigned long)g_pi_desc);
	/* 30.6: the notification vector, pending in L1's local APIC at VM entry, is
	 * acknowledged and processed in VMX non-root operation: ON and PIR cleared,
	 * PIR into VIRR, RVI raised; L2 then takes vector 55H. */
	APIC_REG(0xf0) = 0x1ff;
	APIC_REG(0x300) = (1u << 18) | (1u << 14) | NOTIFY_VECTOR;
	vmx_l2_start(l2_sti_nop, 0);
	expect_eq(vmx_run_to_done(name), 1, "posted interrupt delivered to L2 without exit");
	expect_eq(g_vint_vector, 0x55, "... with the PIR's vector 55H");
	expect_eq(g_pi_desc[32] & 1, 0, "ON bit cleared");
	expect_eq(g_pi_desc[0x55 / 8], 0, "PIR cleared");
	expect_eq((APIC_REG(0x100 + ((NOTIFY_VECTOR & 0xe0) >> 1)) >> (NOTIFY_VECTOR & 31)) & 1, 0,
		  "the notification was dismissed with an EOI (not in service in L1's APIC)");
	/* 27.2.1.1: posted interrupts need virtual-interrupt delivery. */
	if (setup("posted interrupts without VID", CPU2_VIRT_APIC_ACCESSES, true) &&
	    vmx_ctl_set(PIN_BASED_VM_EXEC_CONTROL, PIN_EXTINT_EXITING | PIN_POSTED_INTR) &&
	    vmx_ctl_set(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT)) {
		vmcs_write(POSTED_INTR_DESC_ADDR, (unsigned long)g_pi_desc);
		vmx_l2_start(l2_read, 0);
		expect_eq(vmlaunch_fail(), VMX_FAIL_VALID, "process posted interrupts without VID: VMfailValid");
	}
	idt_set_handler(0x55, NULL);
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	/* 30.4.1: large-page translations to the page may not exit; use a 4 KiB one. */
	pt_set_flags((unsigned long)g_access, 0, 0);
	test_access_exits();
	test_guest_physical_access();
	test_tpr_mmio();
	test_x2apic();
	test_apic_reg();
	test_vid();
	test_posted();
	return 0;
}
