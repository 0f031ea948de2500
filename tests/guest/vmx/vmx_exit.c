/*
 * tests/guest/vmx/vmx_exit.c - VM exits caused by instructions in VMX non-root
 * operation: the exit reason, the exit qualification, the instruction length
 * and the instruction information, each as the SDM defines them, and that L1
 * can resume L2 after the instruction.
 * Expectations: Intel SDM vol. 3, 325462-084US: 26.1 (instructions that cause
 * VM exits, conditionally and unconditionally), 26.3 (TSC offsetting), 28.2
 * (exit information: 28.2.1 exit qualification tables, 28.2.4 instruction
 * length, 28.2.5 instruction information), appendix C (exit reasons).
 */
#include "vmx.h"

/* L2 runs fn(arg) from the current VMCS; enter once and expect `reason`. */
static bool first_exit(unsigned long (*fn)(unsigned long), unsigned long arg, uint32_t reason,
		       const char *name, struct vmx_exit *e)
{
	vmx_l2_start(fn, arg);
	return vmx_expect_exit(e, reason, name);
}

/* Resume L2 after the exiting instruction and expect it to finish. */
static unsigned long finish(const struct vmx_exit *e, const char *name)
{
	vmx_skip_insn(e);
	return vmx_run_to_done(name);
}

/* ------------------------------------------------------------------ CPUID */

static unsigned long l2_cpuid(unsigned long leaf)
{
	struct cpuid_regs r = cpuid((uint32_t)leaf);

	return (uint64_t)r.a ^ ((uint64_t)r.b << 8) ^ ((uint64_t)r.c << 16) ^ ((uint64_t)r.d << 24);
}

static void test_cpuid(void)
{
	struct vmx_exit e;

	/* SDM 26.1.2: CPUID causes VM exits unconditionally. */
	vmx_vmcs_setup();
	if (!first_exit(l2_cpuid, 0x12345, EXIT_REASON_CPUID, "CPUID in L2: exit reason 10", &e))
		return;
	expect_eq(e.insn_len, 2, "CPUID exit: instruction length 2 (SDM 28.2.4)");
	expect_eq(g_vmx_l2_regs.rax, 0x12345, "CPUID exit: L2's EAX (the leaf) saved for L1");
	/* L1 emulates CPUID; L2 sees the values L1 put in its registers. */
	g_vmx_l2_regs.rax = 0x11;
	g_vmx_l2_regs.rbx = 0x22;
	g_vmx_l2_regs.rcx = 0x33;
	g_vmx_l2_regs.rdx = 0x44;
	expect_eq(finish(&e, "CPUID emulated by L1"), 0x11 ^ (0x22 << 8) ^ (0x33 << 16) ^ (0x44ull << 24),
		  "L2 gets the CPUID result L1 wrote (registers restored on VM entry)");
}

static unsigned long l2_hypercall(unsigned long arg)
{
	return vmx_l2_vmcall(0x99, arg) + 1;
}

static void test_vmcall(void)
{
	struct vmx_exit e;

	/* SDM 26.1.2: VMCALL exits unconditionally; L1 answers in RAX. */
	vmx_vmcs_setup();
	if (!first_exit(l2_hypercall, 5, EXIT_REASON_VMCALL, "VMCALL from L2 code: exit reason 18", &e))
		return;
	report(g_vmx_l2_regs.rax == 0x99 && g_vmx_l2_regs.rdi == 5, "VMCALL exit: L2's RAX and RDI seen by L1");
	expect_eq(e.insn_len, 3, "VMCALL exit: instruction length 3");
	g_vmx_l2_regs.rax = 41;
	expect_eq(finish(&e, "VMCALL answered"), 42, "L2 gets L1's answer in RAX");
}

/* ------------------------------------------------ HLT, INVLPG, RDTSC, ... */

static unsigned long l2_hlt(unsigned long arg)
{
	asm volatile("hlt");
	return arg;
}

static unsigned long l2_invlpg(unsigned long va)
{
	asm volatile("invlpg (%0)" : : "a"(va) : "memory");
	return 0;
}

static unsigned long l2_rdtsc(unsigned long arg)
{
	return rdtsc();
}

static unsigned long l2_invd(unsigned long arg)
{
	asm volatile("invd" : : : "memory");
	return 0;
}

static unsigned long l2_pause(unsigned long arg)
{
	asm volatile("pause");
	return 0;
}

static void test_simple(void)
{
	struct vmx_exit e;

	/* SDM 26.1.3: HLT exits if "HLT exiting" is 1. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_HLT_EXITING) &&
	    first_exit(l2_hlt, 0, EXIT_REASON_HLT, "HLT with HLT exiting: exit reason 12", &e)) {
		expect_eq(e.insn_len, 1, "HLT exit: instruction length 1");
		finish(&e, "HLT exit resumed");
	}
	/* SDM 26.1.3 INVLPG exiting; 28.2.1 table 28-1: qualification = linear address. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_INVLPG_EXITING) &&
	    first_exit(l2_invlpg, 0x12345678, EXIT_REASON_INVLPG, "INVLPG with INVLPG exiting: exit reason 14", &e)) {
		expect_eq(e.qual, 0x12345678, "INVLPG exit: qualification = the linear address");
		expect_eq(e.insn_len, 3, "INVLPG (%rax) exit: instruction length 3");
		finish(&e, "INVLPG exit resumed");
	}
	/* SDM 26.1.3 RDTSC exiting. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING) &&
	    first_exit(l2_rdtsc, 0, EXIT_REASON_RDTSC, "RDTSC with RDTSC exiting: exit reason 16", &e)) {
		expect_eq(e.insn_len, 2, "RDTSC exit: instruction length 2");
		g_vmx_l2_regs.rax = 0x89abcdef;
		g_vmx_l2_regs.rdx = 0x1234;
		expect_eq(finish(&e, "RDTSC emulated"), 0x123489abcdefull, "L2 reads the TSC value L1 emulated");
	}
	/* SDM 26.1.2: INVD exits unconditionally. */
	vmx_vmcs_setup();
	if (first_exit(l2_invd, 0, EXIT_REASON_INVD, "INVD: exit reason 13", &e)) {
		expect_eq(e.insn_len, 2, "INVD exit: instruction length 2");
		finish(&e, "INVD exit resumed");
	}
	/* SDM 26.1.3 PAUSE exiting. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_PAUSE_EXITING) &&
	    first_exit(l2_pause, 0, EXIT_REASON_PAUSE, "PAUSE with PAUSE exiting: exit reason 40", &e)) {
		expect_eq(e.insn_len, 2, "PAUSE exit: instruction length 2");
		finish(&e, "PAUSE exit resumed");
	}
}

static void test_tsc_offset(void)
{
	const uint64_t offset = 1ull << 50;
	uint64_t before, after, l2;

	/* SDM 26.3 (and 26.1.3 RDTSC): with "use TSC offsetting" and no RDTSC
	 * exiting, RDTSC returns the TSC plus the TSC offset. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING)) {
		report_skip("TSC offsetting", "control not supported");
		return;
	}
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING);
	vmcs_write(TSC_OFFSET, offset);
	vmx_l2_start(l2_rdtsc, 0);
	before = rdtsc();
	l2 = vmx_run_to_done("RDTSC with TSC offsetting");
	after = rdtsc();
	report(l2 >= before + offset && l2 <= after + offset,
	       "RDTSC in L2 returns TSC + TSC offset (%#lx in [%#lx, %#lx])", l2, before + offset, after + offset);
}

/* ------------------------------------------------------------- CR access */

static unsigned long l2_cr3_write(unsigned long arg)
{
	unsigned long cr3 = read_cr3();

	asm volatile("mov %0, %%cr3" : : "b"(cr3) : "memory");
	return 0;
}

static unsigned long l2_cr3_read(unsigned long arg)
{
	unsigned long v;

	asm volatile("mov %%cr3, %0" : "=d"(v));
	return v;
}

static unsigned long l2_cr8_write(unsigned long arg)
{
	asm volatile("mov %0, %%cr8" : : "c"(arg) : "memory");
	return 0;
}

static unsigned long l2_cr0_ts(unsigned long arg)
{
	unsigned long cr0;

	asm volatile("mov %%cr0, %0" : "=a"(cr0));
	asm volatile("mov %0, %%cr0" : : "a"(cr0 | X86_CR0_TS) : "memory");
	return cr0;
}

static unsigned long l2_read_cr0(unsigned long arg)
{
	return read_cr0();
}

static unsigned long l2_clts(unsigned long arg)
{
	asm volatile("clts");
	return 0;
}

static unsigned long l2_lmsw(unsigned long msw)
{
	asm volatile("lmsw %w0" : : "a"(msw));
	return 0;
}

static void test_cr_access(void)
{
	struct vmx_exit e;
	unsigned long cr0 = read_cr0();

	/* SDM 28.2.1 table 28-3: bits 3:0 CR number, 5:4 access type (0 MOV to CR,
	 * 1 MOV from CR, 2 CLTS, 3 LMSW), 6 LMSW operand type, 11:8 GPR, 31:16 LMSW data. */
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING) &&
	    first_exit(l2_cr3_write, 0, EXIT_REASON_CR_ACCESS, "MOV to CR3 with CR3-load exiting: exit reason 28", &e)) {
		expect_eq(e.qual, 0x303, "MOV RBX to CR3: qualification CR 3, type 0, GPR 3");
		expect_eq(e.insn_len, 3, "MOV to CR3 exit: instruction length 3");
		finish(&e, "MOV to CR3 exit resumed");
	}
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_STORE_EXITING) &&
	    first_exit(l2_cr3_read, 0, EXIT_REASON_CR_ACCESS, "MOV from CR3 with CR3-store exiting: exit reason 28", &e)) {
		expect_eq(e.qual, 0x213, "MOV CR3 to RDX: qualification CR 3, type 1, GPR 2");
		g_vmx_l2_regs.rdx = 0xabc000;
		expect_eq(finish(&e, "MOV from CR3 emulated"), 0xabc000, "L2 reads the CR3 value L1 emulated");
	}
	vmx_vmcs_setup();
	if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_LOAD_EXITING) &&
	    first_exit(l2_cr8_write, 5, EXIT_REASON_CR_ACCESS, "MOV to CR8 with CR8-load exiting: exit reason 28", &e)) {
		expect_eq(e.qual, 0x108, "MOV RCX to CR8: qualification CR 8, type 0, GPR 1");
		expect_eq(e.insn_len, 4, "MOV to CR8 exit: instruction length 4 (REX prefix)");
		finish(&e, "MOV to CR8 exit resumed");
	}
	/* SDM 26.1.3: MOV to CR0 exits when a bit set in the guest/host mask
	 * differs from the read shadow; reads of masked bits return the shadow (26.3). */
	vmx_vmcs_setup();
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_TS);
	vmcs_write(CR0_READ_SHADOW, cr0 & ~X86_CR0_TS);
	if (first_exit(l2_cr0_ts, 0, EXIT_REASON_CR_ACCESS, "MOV to CR0 changing a masked bit: exit reason 28", &e)) {
		expect_eq(e.qual, 0x000, "MOV RAX to CR0: qualification CR 0, type 0, GPR 0");
		expect_eq(g_vmx_l2_regs.rax, (cr0 & ~X86_CR0_TS) | X86_CR0_TS, "MOV to CR0 exit: RAX holds the new value");
		finish(&e, "MOV to CR0 exit resumed");
	}
	vmx_vmcs_setup();
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_TS);
	vmcs_write(CR0_READ_SHADOW, cr0 | X86_CR0_TS);
	vmcs_write(GUEST_CR0, cr0 & ~X86_CR0_TS);
	if (first_exit(l2_clts, 0, EXIT_REASON_CR_ACCESS, "CLTS with TS masked and shadow TS = 1: exit reason 28", &e)) {
		expect_eq(e.qual, 0x020, "CLTS: qualification CR 0, type 2");
		expect_eq(e.insn_len, 2, "CLTS exit: instruction length 2");
		finish(&e, "CLTS exit resumed");
	}
	vmx_vmcs_setup();
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_TS);
	vmcs_write(CR0_READ_SHADOW, cr0 & ~X86_CR0_TS);
	if (first_exit(l2_lmsw, (cr0 & 0xffff) | X86_CR0_TS, EXIT_REASON_CR_ACCESS,
		       "LMSW setting a masked bit: exit reason 28", &e)) {
		expect_eq(e.qual, 0x030 | (((cr0 & 0xffff) | X86_CR0_TS) << 16),
			  "LMSW AX: qualification CR 0, type 3, register operand, source data in 31:16");
		finish(&e, "LMSW exit resumed");
	}
	/* SDM 26.3: MOV from CR0 returns the read shadow for bits in the mask. */
	vmx_vmcs_setup();
	vmcs_write(CR0_GUEST_HOST_MASK, X86_CR0_TS);
	vmcs_write(CR0_READ_SHADOW, cr0 | X86_CR0_TS);
	vmcs_write(GUEST_CR0, cr0 & ~X86_CR0_TS);
	vmx_l2_start(l2_read_cr0, 0);
	expect_eq(vmx_run_to_done("CR0 read shadow") & X86_CR0_TS, X86_CR0_TS,
		  "MOV from CR0 in L2 returns the read shadow's TS");
	expect_eq(vmcs_read(GUEST_CR0) & X86_CR0_TS, 0, "guest CR0.TS itself stays 0");
}

/* ----------------------------------------------------------------- MOV DR */

static unsigned long l2_dr7_write(unsigned long v)
{
	asm volatile("mov %0, %%dr7" : : "c"(v) : "memory");
	return 0;
}

static unsigned long l2_dr0_read(unsigned long arg)
{
	unsigned long v;

	asm volatile("mov %%dr0, %0" : "=d"(v));
	return v;
}

static void test_mov_dr(void)
{
	struct vmx_exit e;

	/* SDM 28.2.1 table 28-4: bits 2:0 DR number, 4 direction (1 = MOV from DR), 11:8 GPR. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MOV_DR_EXITING)) {
		report_skip("MOV DR exiting", "control not supported");
		return;
	}
	if (first_exit(l2_dr7_write, 0x400, EXIT_REASON_DR_ACCESS, "MOV to DR7 with MOV-DR exiting: exit reason 29", &e)) {
		expect_eq(e.qual, 0x107, "MOV RCX to DR7: qualification DR 7, direction 0, GPR 1");
		expect_eq(e.insn_len, 3, "MOV to DR7 exit: instruction length 3");
		finish(&e, "MOV to DR7 exit resumed");
	}
	vmx_vmcs_setup();
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MOV_DR_EXITING);
	if (first_exit(l2_dr0_read, 0, EXIT_REASON_DR_ACCESS, "MOV from DR0 with MOV-DR exiting: exit reason 29", &e)) {
		expect_eq(e.qual, 0x210, "MOV DR0 to RDX: qualification DR 0, direction 1, GPR 2");
		g_vmx_l2_regs.rdx = 0x5555;
		expect_eq(finish(&e, "MOV from DR0 emulated"), 0x5555, "L2 reads the DR0 value L1 emulated");
	}
}

/* ------------------------------------------------------------------- I/O */

static unsigned long l2_out80(unsigned long arg)
{
	asm volatile("outb %%al, $0x80" : : "a"(0x5a));
	return 0;
}

static unsigned long l2_inw(unsigned long port)
{
	uint16_t v;

	asm volatile("inw %%dx, %%ax" : "=a"(v) : "d"(port));
	return v;
}

static uint8_t g_outs_buf[4] = { 1, 2, 3, 4 };

static unsigned long l2_rep_outsb(unsigned long port)
{
	unsigned long si = (unsigned long)g_outs_buf, cx = 4;

	asm volatile("rep outsb" : "+S"(si), "+c"(cx) : "d"(port) : "memory");
	return cx;
}

static unsigned long l2_io_ports(unsigned long arg)
{
	outb(0x9001, 1);                /* bitmap bit clear: no exit */
	outb(0x9000, 2);                /* bitmap B bit set: exit */
	outw(0x8fff, 3);                /* touches 0x8fff, 0x9000: exit */
	outb(0x0080, 4);                /* bitmap A bit set: exit */
	return 0;
}

static void test_io(void)
{
	struct vmx_exit e;
	uint8_t *bitmap_a, *bitmap_b;

	/* SDM 28.2.1 table 28-5: bits 2:0 size - 1, 3 direction (1 = IN), 4 string,
	 * 5 REP, 6 operand encoding (1 = immediate), 31:16 port. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING)) {
		report_skip("unconditional I/O exiting", "control not supported");
		return;
	}
	if (first_exit(l2_out80, 0, EXIT_REASON_IO_INSTRUCTION, "OUT imm8 with unconditional I/O exiting: exit reason 30", &e)) {
		expect_eq(e.qual, 0x00800040, "OUT 0x80, AL: qualification size 1, OUT, immediate, port 0x80");
		expect_eq(e.insn_len, 2, "OUT imm8 exit: instruction length 2");
		finish(&e, "OUT exit resumed");
	}
	vmx_vmcs_setup();
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	if (first_exit(l2_inw, 0x1234, EXIT_REASON_IO_INSTRUCTION, "IN DX with unconditional I/O exiting: exit reason 30", &e)) {
		expect_eq(e.qual, 0x12340009, "IN AX, DX: qualification size 2, IN, DX operand, port 0x1234");
		expect_eq(e.insn_len, 2, "IN AX, DX exit: instruction length 2 (operand-size prefix)");
		g_vmx_l2_regs.rax = 0xbeef;
		expect_eq(finish(&e, "IN emulated"), 0xbeef, "L2 reads the value L1 emulated for IN");
	}
	vmx_vmcs_setup();
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	if (first_exit(l2_rep_outsb, 0x5678, EXIT_REASON_IO_INSTRUCTION, "REP OUTSB with unconditional I/O exiting: exit reason 30", &e)) {
		expect_eq(e.qual, 0x56780030, "REP OUTSB: qualification size 1, OUT, string, REP, port 0x5678");
		expect_eq(e.insn_len, 2, "REP OUTSB exit: instruction length 2");
		/* SDM 28.2.1: guest-linear address for OUTS = the linear address of DS:RSI. */
		expect_eq(e.gla, (unsigned long)g_outs_buf, "REP OUTSB exit: guest-linear address = DS:RSI");
		expect_eq(g_vmx_l2_regs.rcx, 4, "REP OUTSB exit: RCX not yet decremented (fault-like exit)");
		/* SDM A.1 bit 54: instruction information for INS/OUTS (28.2.5 table
		 * 28-8: address size in 9:7, segment in 17:15). */
		if (g_vmx_caps.basic & (1ull << 54))
			expect_eq(e.insn_info & ((7u << 7) | (7u << 15)), (2u << 7) | (3u << 15),
				  "REP OUTSB exit: instruction information (64-bit address, DS)");
		g_vmx_l2_regs.rcx = 0;
		expect_eq(finish(&e, "REP OUTSB exit resumed"), 0, "L2 continues after REP OUTSB");
	}
	/* SDM 26.1.3: with "use I/O bitmaps", an I/O instruction exits iff the bit
	 * of any port it accesses is set (A: 0-7FFFH, B: 8000H-FFFFH, 25.6.4);
	 * unconditional I/O exiting is then ignored. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS)) {
		report_skip("I/O bitmaps", "control not supported");
		return;
	}
	vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, vmx_ctl_can_set(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING)
						 ? CPU_UNCOND_IO_EXITING : 0);
	bitmap_a = vmx_alloc_page();
	bitmap_b = vmx_alloc_page();
	bitmap_a[0x80 / 8] |= 1u << (0x80 % 8);
	bitmap_b[0x1000 / 8] |= 1u << 0;        /* port 0x9000 */
	vmcs_write(IO_BITMAP_A, (unsigned long)bitmap_a);
	vmcs_write(IO_BITMAP_B, (unsigned long)bitmap_b);
	vmx_l2_start(l2_io_ports, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_IO_INSTRUCTION, "I/O bitmaps: OUT to port 0x9000 (bit set in B) exits")) {
		expect_eq(e.qual, 0x90000000, "I/O bitmaps: the first exit is port 0x9000, port 0x9001 passed through");
		vmx_skip_insn(&e);
	}
	if (vmx_expect_exit(&e, EXIT_REASON_IO_INSTRUCTION, "I/O bitmaps: OUTW to port 0x8fff (touches 0x9000) exits")) {
		expect_eq(e.qual, 0x8fff0001, "I/O bitmaps: OUTW qualification size 2, port 0x8fff");
		vmx_skip_insn(&e);
	}
	if (vmx_expect_exit(&e, EXIT_REASON_IO_INSTRUCTION, "I/O bitmaps: OUT to port 0x80 (bit set in A) exits")) {
		expect_eq(e.qual, 0x00800040, "I/O bitmaps: OUT imm8 qualification port 0x80");
		finish(&e, "I/O bitmaps: L2 finishes");
	}
}

/* ------------------------------------------------------------------ MSRs */

static unsigned long l2_rdmsr(unsigned long msr)
{
	return rdmsr((uint32_t)msr);
}

static unsigned long l2_msrs(unsigned long arg)
{
	wrmsr(MSR_IA32_SYSENTER_CS, 0x55);              /* write bit clear: no exit */
	wrmsr(MSR_KERNEL_GS_BASE, 0x1122334455667788ull); /* write bit set: exit */
	return rdmsr(MSR_IA32_SYSENTER_CS);             /* read bit set: exit */
}

static void test_msr(void)
{
	struct vmx_exit e;
	uint8_t *bitmap;

	/* SDM 26.1.3: without "use MSR bitmaps" every RDMSR exits. */
	vmx_vmcs_setup();
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
			vmx_ctl_can_clear(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS) ? CPU_USE_MSR_BITMAPS : 0);
	if (first_exit(l2_rdmsr, MSR_IA32_SYSENTER_EIP, EXIT_REASON_MSR_READ, "RDMSR without MSR bitmaps: exit reason 31", &e)) {
		expect_eq(g_vmx_l2_regs.rcx, MSR_IA32_SYSENTER_EIP, "RDMSR exit: ECX holds the MSR index");
		expect_eq(e.insn_len, 2, "RDMSR exit: instruction length 2");
		g_vmx_l2_regs.rax = 0x87654321;
		g_vmx_l2_regs.rdx = 0x1;
		expect_eq(finish(&e, "RDMSR emulated"), 0x187654321ull, "L2 reads EDX:EAX that L1 emulated");
	}
	/* SDM 25.6.9: read bitmap low at 0, read high at 1024, write low at 2048, write high at 3072. */
	vmx_vmcs_setup();
	if (!vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS)) {
		report_skip("MSR bitmaps", "control not supported");
		return;
	}
	bitmap = vmx_alloc_page();
	bitmap[0 + MSR_IA32_SYSENTER_CS / 8] |= 1u << (MSR_IA32_SYSENTER_CS % 8);
	bitmap[3072 + (MSR_KERNEL_GS_BASE & 0x1fff) / 8] |= 1u << (MSR_KERNEL_GS_BASE % 8);
	vmcs_write(MSR_BITMAP, (unsigned long)bitmap);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmx_l2_start(l2_msrs, 0);
	if (vmx_expect_exit(&e, EXIT_REASON_MSR_WRITE, "WRMSR with its write bit set: exit reason 32")) {
		expect_eq(g_vmx_l2_regs.rcx, MSR_KERNEL_GS_BASE, "WRMSR exit: ECX holds the MSR index");
		expect_eq(((g_vmx_l2_regs.rdx & 0xffffffff) << 32) | (g_vmx_l2_regs.rax & 0xffffffff),
			  0x1122334455667788ull, "WRMSR exit: EDX:EAX hold the value");
		/* SDM 28.3.1: IA32_SYSENTER_CS is saved into the guest-state area on exit. */
		expect_eq(vmcs_read(GUEST_SYSENTER_CS), 0x55, "WRMSR without exit wrote L2's IA32_SYSENTER_CS");
		vmx_skip_insn(&e);
	}
	if (vmx_expect_exit(&e, EXIT_REASON_MSR_READ, "RDMSR with its read bit set: exit reason 31")) {
		g_vmx_l2_regs.rax = 0x66;
		g_vmx_l2_regs.rdx = 0;
		expect_eq(finish(&e, "RDMSR via bitmap emulated"), 0x66, "L2 reads the emulated IA32_SYSENTER_CS");
	}
	/* SDM 26.1.3: an MSR outside both ranges always exits. */
	vmx_vmcs_setup();
	vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	vmcs_write(MSR_BITMAP, (unsigned long)vmx_alloc_page());
	if (first_exit(l2_rdmsr, 0x40000123, EXIT_REASON_MSR_READ, "RDMSR of an MSR outside the bitmap ranges exits", &e))
		finish(&e, "RDMSR outside the ranges resumed");
}

/* --------------------------------------------------- MONITOR, MWAIT, XSETBV */

static unsigned long l2_monitor(unsigned long addr)
{
	asm volatile("monitor" : : "a"(addr), "c"(0), "d"(0));
	return 0;
}

static unsigned long l2_mwait(unsigned long arg)
{
	asm volatile("mwait" : : "a"(0), "c"(0));
	return 0;
}

static unsigned long l2_xsetbv(unsigned long arg)
{
	asm volatile("xsetbv" : : "a"(3), "d"(0), "c"(0));
	return 0;
}

static void test_monitor_xsetbv(void)
{
	struct vmx_exit e;

	if (cpuid(1).c & (1u << 3)) {   /* CPUID.1:ECX.MONITOR */
		vmx_vmcs_setup();
		if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_EXITING) &&
		    first_exit(l2_monitor, 0x200000, EXIT_REASON_MONITOR, "MONITOR with MONITOR exiting: exit reason 39", &e)) {
			expect_eq(e.insn_len, 3, "MONITOR exit: instruction length 3");
			finish(&e, "MONITOR exit resumed");
		}
		vmx_vmcs_setup();
		if (vmx_ctl_set(CPU_BASED_VM_EXEC_CONTROL, CPU_MWAIT_EXITING) &&
		    first_exit(l2_mwait, 0, EXIT_REASON_MWAIT, "MWAIT with MWAIT exiting: exit reason 36", &e)) {
			expect_eq(e.insn_len, 3, "MWAIT exit: instruction length 3");
			finish(&e, "MWAIT exit resumed");
		}
	} else {
		report_skip("MONITOR/MWAIT exiting", "CPUID.1:ECX.MONITOR is 0");
	}
	/* SDM 26.1.2: XSETBV exits unconditionally (CR4.OSXSAVE = 1 in L2, else #UD first). */
	if (!(cpuid(1).c & (1u << 26)) || !(g_vmx_caps.cr4_fixed1 & (1ul << 18))) {
		report_skip("XSETBV", "no XSAVE");
		return;
	}
	vmx_vmcs_setup();
	vmcs_set_bits(GUEST_CR4, 1ul << 18);
	if (first_exit(l2_xsetbv, 0, EXIT_REASON_XSETBV, "XSETBV: exit reason 55", &e)) {
		expect_eq(e.insn_len, 3, "XSETBV exit: instruction length 3");
		expect_eq(g_vmx_l2_regs.rax & 0xffffffff, 3, "XSETBV exit: EAX saved");
		finish(&e, "XSETBV exit resumed");
	}
}

/* --------------------------------------------- VMX instructions in L2 */

static uint64_t g_l2_vmcs_ptr[2];

static unsigned long l2_vmx_insn(unsigned long which)
{
	unsigned long field = GUEST_RIP, val = 0;
	uint64_t *p = g_l2_vmcs_ptr;

	switch (which) {
	case EXIT_REASON_VMCLEAR: asm volatile("vmclear 8(%0)" : : "a"(p) : "memory"); break;
	case EXIT_REASON_VMPTRLD: asm volatile("vmptrld 8(%0)" : : "a"(p) : "memory"); break;
	case EXIT_REASON_VMPTRST: asm volatile("vmptrst 8(%0)" : : "a"(p) : "memory"); break;
	case EXIT_REASON_VMXON: asm volatile("vmxon 8(%0)" : : "a"(p) : "memory"); break;
	case EXIT_REASON_VMREAD: asm volatile("vmread %%rax, %%rbx" : "=b"(val) : "a"(field)); break;
	case EXIT_REASON_VMWRITE: asm volatile("vmwrite %%rbx, %%rax" : : "a"(field), "b"(val)); break;
	case EXIT_REASON_VMLAUNCH: asm volatile("vmlaunch"); break;
	case EXIT_REASON_VMRESUME: asm volatile("vmresume"); break;
	case EXIT_REASON_VMXOFF: asm volatile("vmxoff"); break;
	case EXIT_REASON_VMCALL: asm volatile("vmcall" : : "a"(0)); break;
	}
	return 0;
}

static void test_vmx_in_l2(void)
{
	static const struct { uint32_t reason; const char *name; uint32_t len; } insns[] = {
		{ EXIT_REASON_VMCALL, "VMCALL", 3 },    { EXIT_REASON_VMCLEAR, "VMCLEAR", 5 },
		{ EXIT_REASON_VMLAUNCH, "VMLAUNCH", 3 }, { EXIT_REASON_VMPTRLD, "VMPTRLD", 4 },
		{ EXIT_REASON_VMPTRST, "VMPTRST", 4 },   { EXIT_REASON_VMREAD, "VMREAD", 3 },
		{ EXIT_REASON_VMRESUME, "VMRESUME", 3 }, { EXIT_REASON_VMWRITE, "VMWRITE", 3 },
		{ EXIT_REASON_VMXOFF, "VMXOFF", 3 },     { EXIT_REASON_VMXON, "VMXON", 5 },
	};
	/* Instruction information (SDM 28.2.5): memory forms, table 28-13: address
	 * size 64 (2 << 7), segment DS (3 << 15), index invalid (bit 22), base RAX. */
	const uint32_t mem_mask = 0x3 | (7u << 7) | (1u << 10) | (7u << 15) | (1u << 22) | (0x1fu << 23);
	const uint32_t mem_info = (2u << 7) | (3u << 15) | (1u << 22);
	/* VMREAD/VMWRITE register forms, table 28-14: Reg1 (6:3) = RBX, bit 10 = 1, Reg2 (31:28) = RAX. */
	const uint32_t reg_mask = (0xfu << 3) | (1u << 10) | (0xfu << 28);
	const uint32_t reg_info = (3u << 3) | (1u << 10);
	struct vmx_exit e;
	char name[80];

	/* SDM 26.1.2: VMX instructions exit unconditionally in VMX non-root operation. */
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		vmx_vmcs_setup();
		snprintf(name, sizeof(name), "%s in L2: exit reason %u", insns[i].name, insns[i].reason);
		if (!first_exit(l2_vmx_insn, insns[i].reason, insns[i].reason, name, &e))
			continue;
		snprintf(name, sizeof(name), "%s exit: instruction length %u", insns[i].name, insns[i].len);
		expect_eq(e.insn_len, insns[i].len, name);
		if (insns[i].len == 4 || insns[i].len == 5) {
			snprintf(name, sizeof(name), "%s exit: instruction information (base RAX, DS, 64-bit)", insns[i].name);
			expect_eq(e.insn_info & mem_mask, mem_info, name);
			snprintf(name, sizeof(name), "%s exit: qualification = displacement 8", insns[i].name);
			expect_eq(e.qual, 8, name);
		} else if (insns[i].reason == EXIT_REASON_VMREAD || insns[i].reason == EXIT_REASON_VMWRITE) {
			snprintf(name, sizeof(name), "%s exit: instruction information (Reg1 RBX, Reg2 RAX)", insns[i].name);
			expect_eq(e.insn_info & reg_mask, reg_info, name);
		}
		finish(&e, insns[i].name);
	}
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	test_cpuid();
	test_vmcall();
	test_simple();
	test_tsc_offset();
	test_cr_access();
	test_mov_dr();
	test_io();
	test_msr();
	test_monitor_xsetbv();
	test_vmx_in_l2();
	return 0;
}
