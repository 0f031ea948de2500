/*
 * tests/guest/sys/excp.c - exceptions and interrupts: the contributory/benign
 * classes and #DF, the STI interrupt shadow, NMI blocking until IRET, #AC, #NM,
 * #MF and #XM with CR0.EM/TS/MP/NE and CR4.OSFXSR/OSXMMEXCPT, and priorities
 * among simultaneous events. Built as excp32 and excp64.
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md): 6.7.1 (NMI
 * blocking), 6.8.3 (interrupt shadows), 6.9 (priorities, table 6-2), 6.15
 * (exception classes, table 6-4/6-5; interrupts 7, 16, 17, 19), 2.5 and table 2-2
 * (CR0.EM/MP/TS), 13.1.4-13.1.5 (OSFXSR, OSXMMEXCPT); 11.6 (IPIs), 18.3.1.1
 * (instruction breakpoints).
 */
#include "guest.h"

#define APIC ((volatile uint32_t *)0xfee00000ul)
#define APIC_ID (0x20 / 4)
#define APIC_EOI (0xb0 / 4)
#define APIC_SVR (0xf0 / 4)
#define APIC_ICR_LO (0x300 / 4)
#define APIC_ICR_HI (0x310 / 4)
#define X86_CR4_OSXMMEXCPT_ X86_CR4_OSXMMEXCPT

#ifdef __x86_64__
#define ASM_RESUME(var) "lea 1f(%%rip), %%rcx\n\tmov %%rcx, " var "\n\t"
#define CX "rcx"
#define SP "rsp"
#else
#define ASM_RESUME(var) "movl $1f, " var "\n\t"
#define CX "ecx"
#define SP "esp"
#endif

/* ---------------------------------------------------------- #DF and classes */

static void gate_set_sel(unsigned vec, uint16_t sel)
{
	struct desc_ptr idtr;

	asm volatile("sidt %0" : "=m"(idtr));
#ifdef __x86_64__
	*(volatile uint16_t *)(idtr.base + vec * 16 + 2) = sel;
#else
	*(volatile uint16_t *)(idtr.base + vec * 8 + 2) = sel;
#endif
}

#ifdef __x86_64__
#define KCS KERNEL_CS64
#else
#define KCS KERNEL_CS32
#endif

static uint8_t g_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Table 6-5: benign then anything: serially; contributory then contributory, or
 * #PF then contributory or #PF: #DF(0). */
static void test_double_fault(void)
{
	/* #UD (benign), its gate's CS beyond the GDT: #GP(sel | EXT). */
	gate_set_sel(UD_VECTOR, 0xfff8);
	excp_clear();
	asm volatile(ASM_TRY("ud2") : : : "memory");
	gate_set_sel(UD_VECTOR, KCS);
	expect_excp_err(GP_VECTOR, 0xfff8 | 1, "#UD with a bad gate CS: #GP(sel|EXT), serially");

	/* #DE then #GP: both contributory. */
	gate_set_sel(DE_VECTOR, 0xfff8);
	excp_clear();
	asm volatile(ASM_TRY("divl %%ecx") : : "a"(1), "d"(0), "c"(0) : "memory");
	gate_set_sel(DE_VECTOR, KCS);
	expect_excp_err(DF_VECTOR, 0, "#DE then #GP: #DF(0)");

	/* #PF then #GP: #DF. */
#ifdef __x86_64__
	unsigned long va = 0x40000000ul;
	pt_map(va, (unsigned long)g_page, PTE_RW);
	pt_set_flags(va, 0, PTE_P);
	gate_set_sel(PF_VECTOR, 0xfff8);
	excp_clear();
	asm volatile(ASM_TRY("movb (%0), %%al") : : "r"(va) : "eax", "memory");
	gate_set_sel(PF_VECTOR, KCS);
	expect_excp_err(DF_VECTOR, 0, "#PF then #GP: #DF(0)");
	expect_eq(read_cr2(), va, "CR2 of the first #PF kept");

	/* #PF while delivering #PF (its IST stack is not present): #DF, and CR2 names
	 * the stack (6.15, interrupt 14: CR2 is written even when #DF results). */
	{
		struct desc_ptr idtr;
		uint64_t d = guest_gdt[TSS_SEL >> 3];
		unsigned long tss = ((d >> 16) & 0xffffff) | ((d >> 56) << 24) | (guest_gdt[(TSS_SEL >> 3) + 1] << 32);
		volatile uint64_t *ist2 = (volatile uint64_t *)(tss + 36 + 8);
		uint64_t old = *ist2;
		uint8_t *gate;

		asm volatile("sidt %0" : "=m"(idtr));
		gate = (uint8_t *)idtr.base + PF_VECTOR * 16;
		*ist2 = va + PAGE_SIZE;          /* the stack grows down into va's page */
		gate[4] = 2;
		excp_clear();
		asm volatile(ASM_TRY("movb (%0), %%al") : : "r"(va + 8) : "eax", "memory");
		gate[4] = 0;
		*ist2 = old;
		expect_excp_err(DF_VECTOR, 0, "#PF while delivering #PF: #DF(0)");
		report(read_cr2() >= va && read_cr2() < va + PAGE_SIZE,
		       "CR2 = the not-present stack (%#lx)", read_cr2());
	}
#endif
}

/* -------------------------------------------------------------- interrupts */

static volatile unsigned long g_intr_ip;
static volatile unsigned g_intr_count;

static void intr_handler(struct excp_frame *f)
{
	g_intr_ip = f->ip;
	g_intr_count++;
	APIC[APIC_EOI] = 0;
}

static void apic_enable(void)
{
	APIC[APIC_SVR] = APIC[APIC_SVR] | 0x1ff;
}

static void self_ipi(unsigned vector)
{
	APIC[APIC_ICR_HI] = 0;
	APIC[APIC_ICR_LO] = 1u << 18 | 1u << 14 | vector;      /* self, assert, fixed */
}

/* STI: an interrupt pending while IF = 0 is taken after the instruction that
 * follows STI (6.8.3). */
static void test_sti_shadow(void)
{
	unsigned long expect;

	apic_enable();
	idt_set_handler(0x50, intr_handler);
	cli();
	g_intr_count = 0;
	self_ipi(0x50);
	for (volatile int i = 0; i < 100; i++)
		;
	report(g_intr_count == 0, "IF=0: the interrupt waits");
#ifdef __x86_64__
	asm volatile("lea 1f(%%rip), %0\n\tsti\n\tnop\n1:\tnop\n\tcli" : "=r"(expect) : : "memory");
#else
	asm volatile("mov $1f, %0\n\tsti\n\tnop\n1:\tnop\n\tcli" : "=r"(expect) : : "memory");
#endif
	report(g_intr_count == 1, "interrupt taken after STI");
	expect_eq(g_intr_ip, expect, "STI shadow: taken after the next instruction");
	idt_set_handler(0x50, NULL);
}

static volatile unsigned g_nmi_count, g_nmi_seen_inside;

static void send_nmi(void)
{
	APIC[APIC_ICR_HI] = APIC[APIC_ID] & 0xff000000u;
	APIC[APIC_ICR_LO] = 1u << 14 | 4u << 8;                 /* physical, assert, NMI */
}

static void nmi_handler(struct excp_frame *f)
{
	if (++g_nmi_count == 1) {
		send_nmi();
		for (volatile int i = 0; i < 1000; i++)
			;
		g_nmi_seen_inside = g_nmi_count;
	}
}

/* NMIs are blocked from the delivery of one until the next IRET (6.7.1). */
static void test_nmi(void)
{
	idt_set_handler(NMI_VECTOR, nmi_handler);
	g_nmi_count = g_nmi_seen_inside = 0;
	send_nmi();
	for (volatile int i = 0; i < 100000 && g_nmi_count < 2; i++)
		;
	expect_eq(g_nmi_seen_inside, 1, "second NMI blocked inside the NMI handler");
	expect_eq(g_nmi_count, 2, "second NMI delivered after IRET");
	idt_set_handler(NMI_VECTOR, NULL);
}

/* ------------------------------------------------------------------- #AC */

static uint32_t g_words[4] __attribute__((aligned(16)));

static unsigned long user_misaligned(unsigned long addr)
{
	uint32_t v;

	return try_read32((const volatile void *)addr, &v) < 0 ? 0xff : (unsigned long)g_excp.vector;
}

/* #AC(0): CR0.AM = 1, EFLAGS.AC = 1, CPL 3, misaligned data access (6.15, int 17). */
static void test_ac(void)
{
	unsigned long odd = (unsigned long)g_words + 1;
	uint32_t v;

	write_cr0(read_cr0() | X86_CR0_AM);
	asm volatile("pushf\n\torl $0x40000, (%%" SP ")\n\tpopf" : : : "memory", "cc");
	excp_clear();
	expect_eq(run_user(user_misaligned, odd), AC_VECTOR, "#AC: misaligned read at CPL 3");
	expect_eq(g_excp.error_code, 0, "#AC error code 0");
	expect_eq(run_user(user_misaligned, (unsigned long)g_words), 0xff, "#AC: aligned read fine");
	excp_clear();
	try_read32((const volatile void *)odd, &v);
	expect_no_excp("#AC: none at CPL 0");
#ifdef __x86_64__
	/* #PF ranks before #AC (both on the access; the page walk comes first). */
	pt_map(0x40001000ul, (unsigned long)g_page, PTE_RW | PTE_US);
	pt_set_flags(0x40001000ul, 0, PTE_P);
	expect_eq(run_user(user_misaligned, 0x40001001ul), PF_VECTOR,
		  "misaligned read of a not-present page: #PF, not #AC");
#endif
	write_cr0(read_cr0() & ~X86_CR0_AM);
	expect_eq(run_user(user_misaligned, odd), 0xff, "#AC: none with CR0.AM=0");
	asm volatile("pushf\n\tandl $~0x40000, (%%" SP ")\n\tpopf" : : : "memory", "cc");
}

/* ------------------------------------------------------ #NM, #MF, #XM, #UD */

static void set_cr0_bits(unsigned long set, unsigned long clear)
{
	write_cr0((read_cr0() & ~clear) | set);
}

static uint32_t g_one = 0x3f800000, g_zero = 0;     /* 1.0f, 0.0f */

static void test_nm_ud(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();

	/* Table 2-2: TS = 1: x87 -> #NM; WAIT -> #NM only with MP = 1. */
	set_cr0_bits(X86_CR0_TS | X86_CR0_MP, X86_CR0_EM);
	excp_clear();
	asm volatile(ASM_TRY("fninit") : : : "memory");
	expect_excp(NM_VECTOR, "CR0.TS=1: FNINIT raises #NM");
	excp_clear();
	asm volatile(ASM_TRY("fwait") : : : "memory");
	expect_excp(NM_VECTOR, "CR0.TS=1 MP=1: WAIT raises #NM");
	set_cr0_bits(X86_CR0_TS, X86_CR0_MP);
	excp_clear();
	asm volatile(ASM_TRY("fwait") : : : "memory");
	expect_no_excp("CR0.TS=1 MP=0: WAIT runs");
	/* EM = 1: x87 -> #NM, SSE -> #UD. */
	set_cr0_bits(X86_CR0_EM, X86_CR0_TS | X86_CR0_MP);
	excp_clear();
	asm volatile(ASM_TRY("fninit") : : : "memory");
	expect_excp(NM_VECTOR, "CR0.EM=1: FNINIT raises #NM");
	excp_clear();
	asm volatile(ASM_TRY("fwait") : : : "memory");
	expect_no_excp("CR0.EM=1 MP=0: WAIT runs");
	write_cr4(cr4 | X86_CR4_OSFXSR);
	excp_clear();
	asm volatile(ASM_TRY("xorps %%xmm0, %%xmm0") : : : "memory");
	expect_excp(UD_VECTOR, "CR0.EM=1: SSE raises #UD");
	set_cr0_bits(X86_CR0_TS, X86_CR0_EM);
	excp_clear();
	asm volatile(ASM_TRY("xorps %%xmm0, %%xmm0") : : : "memory");
	expect_excp(NM_VECTOR, "CR0.TS=1: SSE raises #NM");
	set_cr0_bits(0, X86_CR0_TS);
	excp_clear();
	asm volatile(ASM_TRY("xorps %%xmm0, %%xmm0") : : : "memory");
	expect_no_excp("CR4.OSFXSR=1: SSE runs");
	write_cr4(cr4 & ~X86_CR4_OSFXSR);
	excp_clear();
	asm volatile(ASM_TRY("xorps %%xmm0, %%xmm0") : : : "memory");
	expect_excp(UD_VECTOR, "CR4.OSFXSR=0: SSE raises #UD");
	write_cr4(cr4);
	write_cr0(cr0);
}

static void test_mf_xm(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	uint16_t cw = 0x037f & ~0x4;                 /* ZM unmasked */
	uint32_t mxcsr = 0x1f80 & ~0x200;            /* ZM unmasked */
	uint32_t mx_def = 0x1f80;

	/* CR0.NE = 1: a pending unmasked x87 exception is #MF at the next waiting x87
	 * instruction (6.15, interrupt 16). */
	set_cr0_bits(X86_CR0_NE | X86_CR0_MP, X86_CR0_EM | X86_CR0_TS);
	asm volatile("fninit\n\tfldcw %0\n\tfldz\n\tfld1\n\tfdiv %%st(1), %%st" : : "m"(cw) : "memory");
	excp_clear();
	asm volatile(ASM_TRY("fwait") : : : "memory");
	expect_excp(MF_VECTOR, "unmasked x87 divide by zero: #MF at the next FWAIT");
	asm volatile("fnclex\n\tfninit" : : : "memory");

	/* SIMD: #XM with CR4.OSXMMEXCPT = 1, #UD without (6.15, interrupt 19). */
	write_cr4(cr4 | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	asm volatile("ldmxcsr %0" : : "m"(mxcsr));
	excp_clear();
	asm volatile("movss %0, %%xmm0\n\tmovss %1, %%xmm1\n\t"
		     ASM_TRY("divss %%xmm1, %%xmm0") : : "m"(g_one), "m"(g_zero) : "memory");
	expect_excp(XM_VECTOR, "unmasked SSE divide by zero: #XM");
	write_cr4((cr4 | X86_CR4_OSFXSR) & ~X86_CR4_OSXMMEXCPT);
	excp_clear();
	asm volatile("movss %0, %%xmm0\n\tmovss %1, %%xmm1\n\t"
		     ASM_TRY("divss %%xmm1, %%xmm0") : : "m"(g_one), "m"(g_zero) : "memory");
	expect_excp(UD_VECTOR, "unmasked SSE exception with CR4.OSXMMEXCPT=0: #UD");
	asm volatile("ldmxcsr %0" : : "m"(mx_def));
	write_cr4(cr4);
	write_cr0(cr0);
}

/* ------------------------------------------------------------- priorities */

static volatile unsigned long g_resume;
static volatile unsigned g_order[4], g_norder;
static volatile unsigned long g_dr6;

static void prio_db_handler(struct excp_frame *f)
{
	unsigned long dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	g_dr6 = dr6;
	if (g_norder < 4)
		g_order[g_norder++] = DB_VECTOR;
	f->flags |= 1ul << 16;          /* RF: let the instruction run (18.3.1.1) */
}

static void prio_pf_handler(struct excp_frame *f)
{
	if (g_norder < 4)
		g_order[g_norder++] = PF_VECTOR;
	f->ip = g_resume;
}

/* A code breakpoint (class 7) ranks above a fault fetching the instruction
 * (class 8): #DB first, then, with RF set, #PF (6.9, table 6-2). */
static void test_priority(void)
{
	unsigned long va = 0x40002000ul;

#ifndef __x86_64__
	paging_enable(PT_FMT_32);
#endif
	pt_map(va, (unsigned long)g_page, PTE_RW);
	pt_set_flags(va, 0, PTE_P);
	idt_set_handler(DB_VECTOR, prio_db_handler);
	idt_set_handler(PF_VECTOR, prio_pf_handler);
	g_norder = 0;
	asm volatile("mov %0, %%dr0\n\tmov %1, %%dr7" : : "r"(va), "r"(1ul) : "memory");
	asm volatile(ASM_RESUME("%0") "jmp *%1\n1:" : "=m"(g_resume) : "r"(va) : CX, "memory");
	asm volatile("mov %0, %%dr7" : : "r"(0ul) : "memory");
	idt_set_handler(DB_VECTOR, NULL);
	idt_set_handler(PF_VECTOR, NULL);
	report(g_norder == 2 && g_order[0] == DB_VECTOR && g_order[1] == PF_VECTOR,
	       "code breakpoint on a not-present page: #DB, then #PF (%u events)", g_norder);
	report(g_dr6 & 1, "DR6.B0 set");
#ifndef __x86_64__
	/* Segment checks come before paging: a limit violation on a not-present page
	 * is #GP(0) (6.9 class 10; 3.1 translation order). */
	guest_gdt[GDT_FIRST_FREE] = (uint64_t)0x0fff | (uint64_t)(va - 0x1000) << 16 |
				    (uint64_t)0x92 << 40 | (uint64_t)0x4 << 52;
	asm volatile("mov %0, %%fs" : : "r"(GDT_FIRST_FREE << 3));
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:0x1000, %%eax") : : : "eax", "memory");
	expect_excp_err(GP_VECTOR, 0, "limit violation on a not-present page: #GP(0), not #PF");
	asm volatile("mov %0, %%fs" : : "r"(0));
	paging_disable();
#endif
}

int main(void)
{
#ifdef __x86_64__
	pt_set_user_image(true);
#endif
	test_double_fault();
	test_sti_shadow();
	test_nmi();
	test_ac();
	test_nm_ud();
	test_mf_xm();
	test_priority();
	return 0;
}
