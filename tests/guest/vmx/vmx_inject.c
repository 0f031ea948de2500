/*
 * tests/guest/vmx/vmx_inject.c - event injection at VM entry: external
 * interrupt, NMI, hardware exception with and without error code, software
 * interrupt and software exception with their instruction length, delivered
 * through L2's IDT; and IDT-vectoring information when delivering an injected
 * event causes a VM exit.
 * Expectations: Intel SDM vol. 3, 325462-084US: 27.6 (event injection: 27.6.1
 * vectoring, 27.6.1.1 details), 25.8.3 (VM-entry interruption information),
 * 28.2.4 (IDT-vectoring information), 28.2.2, 6.13 (error code EXT/IDT bits),
 * 28.2 (the valid bit of the VM-entry interruption information is cleared on exit).
 */
#include "vmx.h"

#define INJ_VECTOR 0x44
#define SOFT_VECTOR 0x45

extern char vmx_l2_stub[];

/* What L2's handler saw; it resumes L2 at the stub's start. */
static volatile struct {
	unsigned count, vector;
	unsigned long ip, error_code;
} g_seen;

static void l2_handler(struct excp_frame *f)
{
	g_seen.count++;
	g_seen.vector = (unsigned)f->vector;
	g_seen.ip = f->ip;
	g_seen.error_code = f->error_code;
	f->ip = (unsigned long)vmx_l2_stub;
}

static unsigned long l2_nothing(unsigned long arg)
{
	return arg;
}

/* Inject (info, error code, length) at the first entry; L2's handler for
 * vector vec must run once, with return address stub + ip_delta. */
static void inject(const char *name, uint32_t info, uint32_t err, uint32_t len, unsigned long rflags,
		   unsigned vec, unsigned long ip_delta, bool has_err)
{
	unsigned long ret;

	memset((void *)&g_seen, 0, sizeof(g_seen));
	idt_set_handler(vec, l2_handler);
	vmx_vmcs_setup();
	vmcs_write(GUEST_RFLAGS, rflags);
	vmcs_write(VM_ENTRY_INTR_INFO, info);
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, err);
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, len);
	vmx_l2_start(l2_nothing, 0x77);
	ret = vmx_run_to_done(name);
	idt_set_handler(vec, NULL);
	report(g_seen.count == 1 && g_seen.vector == vec, "%s: delivered once through L2's IDT vector %#x (count %u)",
	       name, vec, g_seen.count);
	report(g_seen.ip == (unsigned long)vmx_l2_stub + ip_delta, "%s: return address = guest RIP + %lu (got %#lx)",
	       name, ip_delta, g_seen.ip);
	if (has_err)
		report(g_seen.error_code == err, "%s: error code %#x pushed (got %#lx)", name, err, g_seen.error_code);
	expect_eq(ret, 0x77, name);
	/* SDM 28.2 (28.2.5 in some editions): VM exits clear the valid bit. */
	report(!(vmcs_read(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID), "%s: VM exit cleared the injection's valid bit", name);
}

static void test_injection(void)
{
	/* SDM 27.6.1.1: external interrupts and hardware exceptions (faults)
	 * return to the guest RIP; software interrupts and software exceptions to
	 * RIP + VM-entry instruction length. RFLAGS.IF = 1 is required for an
	 * external interrupt (27.3.1.5). */
	inject("inject external interrupt 0x44", INTR_INFO_VALID | INTR_TYPE_EXT_INTR | INJ_VECTOR, 0, 0, 0x202,
	       INJ_VECTOR, 0, false);
	inject("inject NMI", INTR_INFO_VALID | INTR_TYPE_NMI | NMI_VECTOR, 0, 0, 0x2, NMI_VECTOR, 0, false);
	inject("inject #GP with error code 0x1234",
	       INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | INTR_INFO_DELIVER_CODE | GP_VECTOR, 0x1234, 0, 0x2,
	       GP_VECTOR, 0, true);
	inject("inject #UD", INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | UD_VECTOR, 0, 0, 0x2, UD_VECTOR, 0, false);
	inject("inject software interrupt INT 0x45, length 2", INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | SOFT_VECTOR,
	       0, 2, 0x2, SOFT_VECTOR, 2, false);
	inject("inject software exception #BP, length 1", INTR_INFO_VALID | INTR_TYPE_SOFT_EXCEPTION | BP_VECTOR,
	       0, 1, 0x2, BP_VECTOR, 1, false);
}

static void test_idt_vectoring(void)
{
	struct vmx_exit e;

	/* The injected external interrupt's gate lies beyond L2's IDT limit:
	 * delivery raises #GP with error code (vector << 3) | IDT | EXT (SDM
	 * 6.13, 6.14.1); #GP is in the exception bitmap, so it exits, and the IDT-
	 * vectoring information describes the interrupted delivery (28.2.4). */
	vmx_vmcs_setup();
	vmcs_write(GUEST_RFLAGS, 0x202);
	vmcs_write(GUEST_IDTR_LIMIT, INJ_VECTOR * 16 - 1);
	vmcs_write(EXCEPTION_BITMAP, 1u << GP_VECTOR);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | INJ_VECTOR);
	vmx_l2_start(l2_nothing, 0);
	if (!vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "#GP while delivering an injected interrupt: exit reason 0"))
		return;
	expect_eq(e.intr_info, INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | INTR_TYPE_HW_EXCEPTION | GP_VECTOR,
		  "exit interruption information: #GP with error code");
	expect_eq(e.intr_err, (INJ_VECTOR << 3) | 2 | 1, "exit error code: vector 0x44, IDT, EXT");
	expect_eq(e.idt_info, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | INJ_VECTOR,
		  "IDT-vectoring information: the external interrupt 0x44");
	expect_eq(e.guest_rip, (unsigned long)vmx_l2_stub, "guest RIP unchanged by the failed delivery");
	/* L1 handles it: drop the event and let L2 run. */
	vmcs_write(GUEST_IDTR_LIMIT, 0xfff);
	vmx_run_to_done("IDT-vectoring: L2 resumes");
}

static unsigned long l2_int44(unsigned long arg)
{
	asm volatile(".globl l2_int44_insn\nl2_int44_insn:\n\tint $0x44" : : : "memory");
	return arg;
}
extern char l2_int44_insn[];

static void test_idt_vectoring_soft(void)
{
	struct vmx_exit e;

	/* INT 0x44 beyond the IDT limit: #GP((0x44 << 3) | IDT), EXT = 0 for a
	 * software interrupt (SDM 6.13); the IDT-vectoring information says
	 * software interrupt 0x44 and the exit instruction length is INT's (28.2.4). */
	vmx_vmcs_setup();
	vmcs_write(GUEST_IDTR_LIMIT, INJ_VECTOR * 16 - 1);
	vmcs_write(EXCEPTION_BITMAP, 1u << GP_VECTOR);
	vmx_l2_start(l2_int44, 7);
	if (!vmx_expect_exit(&e, EXIT_REASON_EXCEPTION_NMI, "#GP while delivering INT 0x44: exit reason 0"))
		return;
	expect_eq(e.intr_err, (INJ_VECTOR << 3) | 2, "exit error code: vector 0x44, IDT, not EXT");
	expect_eq(e.idt_info, INTR_INFO_VALID | INTR_TYPE_SOFT_INTR | INJ_VECTOR,
		  "IDT-vectoring information: software interrupt 0x44");
	expect_eq(e.insn_len, 2, "exit instruction length: the INT instruction's 2 bytes");
	expect_eq(e.guest_rip, (unsigned long)l2_int44_insn, "guest RIP: the INT instruction");
	/* L1 skips the INT. */
	vmcs_write(GUEST_IDTR_LIMIT, 0xfff);
	vmx_skip_insn(&e);
	expect_eq(vmx_run_to_done("INT 0x44 skipped"), 7, "L2 continues after the INT");
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_injection();
	test_idt_vectoring();
	test_idt_vectoring_soft();
	return 0;
}
