/*
 * tests/guest/sys/task.c - hardware task switches (32-bit protected mode): CALL
 * and JMP to a TSS, task gates in the GDT and the IDT (an exception with its
 * error code on the new task's stack), the busy bit, the back link and NT, IRET
 * with NT = 1, the #GP/#TS/#NP faults of a bad target, CR0.TS, and a 16-bit TSS.
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md), chapter 8:
 * 8.2 (TSS, descriptors, task gates), 8.3 (task switching, table 8-1 checks),
 * 8.4 (task linking: NT, link field, busy flag), 8.6 (16-bit TSS); vol. 2 CALL,
 * JMP, IRET (task return) pseudo-code.
 */
#include "guest.h"

/* SDM vol. 3, 8.2.1, figure 8-2 */
struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
} __attribute__((packed));

/* SDM vol. 3, 8.6, figure 8-11 */
struct tss16 {
	uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2;
	uint16_t ip, flags, ax, cx, dx, bx, sp, bp, si, di;
	uint16_t es, cs, ss, ds, ldt;
} __attribute__((packed));

#define E_T1 11
#define E_T16 12
#define E_TGATE 13
#define T1_SEL (E_T1 << 3)
#define T16_SEL (E_T16 << 3)
#define TGATE_SEL (E_TGATE << 3)
#define EFLAGS_NT (1ul << 14)
#define TYPE_TSS32 0x9
#define TYPE_TSS32_BUSY 0xb
#define TYPE_TSS16 0x1

static struct tss32 g_t1 __attribute__((aligned(128)));
static struct tss16 g_t16 __attribute__((aligned(64)));
static uint8_t g_t1_stack[4096] __attribute__((aligned(16)));

volatile uint32_t g_task_eax, g_task_flags, g_task_tr, g_task_err, g_task_hits;
volatile uint32_t g_task_desc_self, g_task_desc_old, g_gp_resume, g_old_eip_ptr;

void task_call_entry(void);
void task_jmp_entry(void);
void task_gp_entry(void);
asm(".text\n"
    /* Entered by CALL / INT / task gate: record, IRET (NT = 1: back to the link). */
    "task_call_entry:\n\t"
    "mov %eax, g_task_eax\n\t"
    "pushf\n\tpop %eax\n\tmov %eax, g_task_flags\n\t"
    "str %eax\n\tmov %eax, g_task_tr\n\t"
    "mov guest_gdt+" "92" ", %eax\n\tmov %eax, g_task_desc_self\n\t"
    "mov guest_gdt+" "76" ", %eax\n\tmov %eax, g_task_desc_old\n\t"
    "incl g_task_hits\n\t"
    "iret\n\t"
    "jmp task_call_entry\n"
    /* Entered by JMP: record, JMP back to the library's task. */
    "task_jmp_entry:\n\t"
    "mov %eax, g_task_eax\n\t"
    "pushf\n\tpop %eax\n\tmov %eax, g_task_flags\n\t"
    "mov guest_gdt+" "92" ", %eax\n\tmov %eax, g_task_desc_self\n\t"
    "mov guest_gdt+" "76" ", %eax\n\tmov %eax, g_task_desc_old\n\t"
    "incl g_task_hits\n\t"
    "ljmp $" "0x48" ", $0\n\t"
    "jmp task_jmp_entry\n"
    /* #GP through a task gate: the error code is on this task's stack (8.3). The
     * old task resumes where the test says (its TSS EIP is the faulting one). */
    "task_gp_entry:\n\t"
    "pop %eax\n\tmov %eax, g_task_err\n\t"
    "mov g_gp_resume, %eax\n\tmov g_old_eip_ptr, %ecx\n\tmov %eax, (%ecx)\n\t"
    "incl g_task_hits\n\t"
    "iret\n\t"
    "jmp task_gp_entry\n");

static struct tss32 *lib_tss(void)
{
	uint64_t d = guest_gdt[TSS_SEL >> 3];

	return (struct tss32 *)(unsigned long)(((d >> 16) & 0xffffff) | ((d >> 56) << 24));
}

static uint64_t sys_desc(uint32_t base, uint32_t limit, unsigned type)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)(0x80 | type) << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)(base >> 24) << 56;
}

static unsigned desc_type(unsigned e)
{
	return (guest_gdt[e] >> 40) & 0xf;
}

static void t1_setup(void (*entry)(void), uint32_t limit)
{
	memset(&g_t1, 0, sizeof(g_t1));
	g_t1.link = 0xdead;
	g_t1.cr3 = read_cr3();
	g_t1.eip = (uint32_t)(unsigned long)entry;
	g_t1.eflags = 0x2;
	g_t1.eax = 0x1234;
	g_t1.esp = (uint32_t)(unsigned long)(g_t1_stack + sizeof(g_t1_stack));
	g_t1.cs = KERNEL_CS32;
	g_t1.ss = g_t1.ds = g_t1.es = g_t1.fs = g_t1.gs = KERNEL_DS;
	g_t1.iomap = sizeof(g_t1);
	guest_gdt[E_T1] = sys_desc((uint32_t)(unsigned long)&g_t1, limit, TYPE_TSS32);
	g_task_eax = g_task_flags = g_task_tr = g_task_err = g_task_hits = 0;
	g_task_desc_self = g_task_desc_old = 0;
}

static void clear_nt_ts(void)
{
	asm volatile("pushf\n\tandl $~0x4000, (%%esp)\n\tpopf\n\tclts" : : : "memory", "cc");
}

static void test_call(void)
{
	uint32_t ret_eip;

	_Static_assert(E_T1 * 8 + 4 == 92 && (TSS_SEL >> 3) * 8 + 4 == 76, "offsets in the asm");
	t1_setup(task_call_entry, sizeof(g_t1) - 1);
	asm volatile("lcall $" "0x58" ", $0\n1:\n\tmov $1b, %0" : "=r"(ret_eip) : : "eax", "memory");
	report(g_task_hits == 1, "CALL TSS: the task ran");
	expect_eq(g_task_eax, 0x1234, "CALL TSS: EAX loaded from the new TSS");
	expect_eq(g_task_tr & 0xffff, T1_SEL, "CALL TSS: TR is the new TSS");
	report(g_task_flags & EFLAGS_NT, "CALL TSS: NT set in the new task (8.4)");
	expect_eq(g_t1.link, TSS_SEL, "CALL TSS: link field = old TSS selector");
	expect_eq((g_task_desc_self >> 8) & 0xf, TYPE_TSS32_BUSY, "CALL TSS: new TSS busy");
	expect_eq((g_task_desc_old >> 8) & 0xf, TYPE_TSS32_BUSY, "CALL TSS: old TSS stays busy");
	expect_eq(desc_type(E_T1), TYPE_TSS32, "IRET task return: new TSS no longer busy");
	expect_eq(desc_type(TSS_SEL >> 3), TYPE_TSS32_BUSY, "IRET task return: old TSS busy");
	expect_eq(lib_tss()->eip, ret_eip, "CALL TSS: old TSS EIP = return address");
	report(read_cr0() & X86_CR0_TS, "task switch sets CR0.TS (8.3)");
	report(!(read_flags() & EFLAGS_NT), "back in the old task: NT clear");
	expect_eq(read_tr(), TSS_SEL, "back in the old task: TR");
	clear_nt_ts();
}

static void test_jmp(void)
{
	t1_setup(task_jmp_entry, sizeof(g_t1) - 1);
	asm volatile("ljmp $" "0x58" ", $0" : : : "eax", "memory");
	report(g_task_hits == 1, "JMP TSS: the task ran");
	report(!(g_task_flags & EFLAGS_NT), "JMP TSS: NT clear in the new task");
	expect_eq(g_t1.link, 0xdead, "JMP TSS: link field not written");
	expect_eq((g_task_desc_old >> 8) & 0xf, TYPE_TSS32, "JMP TSS: old TSS not busy");
	expect_eq((g_task_desc_self >> 8) & 0xf, TYPE_TSS32_BUSY, "JMP TSS: new TSS busy");
	expect_eq(desc_type(E_T1), TYPE_TSS32, "JMP back: the task's TSS not busy");
	expect_eq(desc_type(TSS_SEL >> 3), TYPE_TSS32_BUSY, "JMP back: library TSS busy");
	clear_nt_ts();
}

static void test_faults(void)
{
	/* Busy target: #GP(sel) (vol. 2 CALL/JMP, task switch). */
	excp_clear();
	asm volatile(ASM_TRY("ljmp $" "0x48" ", $0") : : : "memory");
	expect_excp_err(GP_VECTOR, TSS_SEL, "JMP to a busy TSS: #GP(sel)");
	excp_clear();
	asm volatile(ASM_TRY("lcall $" "0x48" ", $0") : : : "memory");
	expect_excp_err(GP_VECTOR, TSS_SEL, "CALL to a busy TSS: #GP(sel)");

	/* Limit below 67H: #TS(sel) (table 8-1). */
	t1_setup(task_call_entry, 0x60);
	excp_clear();
	asm volatile(ASM_TRY("lcall $" "0x58" ", $0") : : : "memory");
	expect_excp_err(TS_VECTOR, T1_SEL, "CALL to a TSS with limit 0x60: #TS(sel)");
	report(g_task_hits == 0 && desc_type(E_T1) == TYPE_TSS32, "no switch happened");

	/* Not present: #NP(sel). */
	t1_setup(task_call_entry, sizeof(g_t1) - 1);
	guest_gdt[E_T1] &= ~(1ull << 47);
	excp_clear();
	asm volatile(ASM_TRY("lcall $" "0x58" ", $0") : : : "memory");
	expect_excp_err(NP_VECTOR, T1_SEL, "CALL to a not-present TSS: #NP(sel)");

	/* IRET with NT = 1 whose link names a TSS that is not busy: #TS(link) (IRET). */
	t1_setup(task_call_entry, sizeof(g_t1) - 1);
	lib_tss()->link = T1_SEL;
	excp_clear();
	asm volatile("pushf\n\torl $0x4000, (%%esp)\n\tpopf\n\t"
		     ASM_TRY("iret") : : : "memory", "cc");
	clear_nt_ts();
	expect_excp_err(TS_VECTOR, T1_SEL, "IRET with NT to a non-busy TSS: #TS(link)");
	report(g_task_hits == 0, "IRET with NT: no switch happened");
	lib_tss()->link = 0;
}

static void test_gates(void)
{
	/* Task gate in the GDT (8.2.5): CALL through it. */
	t1_setup(task_call_entry, sizeof(g_t1) - 1);
	guest_gdt[E_TGATE] = (uint64_t)T1_SEL << 16 | (uint64_t)0x85 << 40;
	asm volatile("lcall $" "0x68" ", $0" : : : "eax", "memory");
	report(g_task_hits == 1 && g_t1.link == TSS_SEL && (g_task_flags & EFLAGS_NT),
	       "CALL through a GDT task gate: task ran, linked");
	clear_nt_ts();

	/* Task gate in the IDT: INT n switches tasks, IRET comes back (6.11, 8.3). */
	t1_setup(task_call_entry, sizeof(g_t1) - 1);
	idt_set_gate(0x90, 0, T1_SEL, 0x5, 0, 0);
	asm volatile("int $0x90" : : : "eax", "memory");
	report(g_task_hits == 1 && g_t1.link == TSS_SEL && (g_task_flags & EFLAGS_NT),
	       "INT 0x90 through an IDT task gate: task ran, linked");
	expect_eq(desc_type(E_T1), TYPE_TSS32, "task gate: TSS free again after IRET");
	clear_nt_ts();

	/* An exception through a task gate pushes its error code on the new task's
	 * stack (8.3, 6.11.3). */
	t1_setup(task_gp_entry, sizeof(g_t1) - 1);
	g_old_eip_ptr = (uint32_t)(unsigned long)&lib_tss()->eip;
	idt_set_gate(GP_VECTOR, 0, T1_SEL, 0x5, 0, 0);
	asm volatile("movl $1f, g_gp_resume\n\t"
		     "mov %0, %%fs\n"
		     "1:" : : "r"(0xfff8) : "eax", "ecx", "memory");
	idt_set_gate(GP_VECTOR, idt_stub_address(GP_VECTOR), KERNEL_CS32, 0xe, 0, 0);
	report(g_task_hits == 1, "#GP through a task gate: handler task ran");
	expect_eq(g_task_err, 0xfff8, "#GP through a task gate: error code on the task's stack");
	clear_nt_ts();
}

/* A 16-bit TSS (8.6): CALL to it, 16-bit code at 0x7000 runs "mov $0x5678, %ax;
 * iret" (the IRET returns to the 32-bit task through the link). */
static void test_tss16(void)
{
	static const uint8_t code[] = { 0xb8, 0x78, 0x56, 0xcf, 0xeb, 0xfe };
	uint8_t *low = (uint8_t *)0x7000;

	memcpy(low, code, sizeof(code));
	memset(&g_t16, 0, sizeof(g_t16));
	g_t16.ip = 0x7000;
	g_t16.flags = 0x2;
	g_t16.ax = 0x1111;
	g_t16.sp = 0x6ff0;
	g_t16.cs = KERNEL_CS16;
	g_t16.ss = g_t16.ds = g_t16.es = KERNEL_DS16;
	guest_gdt[E_T16] = sys_desc((uint32_t)(unsigned long)&g_t16, sizeof(g_t16) - 1, TYPE_TSS16);
	asm volatile("lcall $" "0x60" ", $0" : : : "eax", "memory");
	expect_eq(g_t16.link, TSS_SEL, "16-bit TSS: link field");
	expect_eq(g_t16.ax, 0x5678, "16-bit TSS: AX saved at the task return");
	expect_eq(g_t16.ip, 0x7004, "16-bit TSS: IP saved after the IRET");
	expect_eq(desc_type(E_T16), TYPE_TSS16, "16-bit TSS: not busy after the return");
	expect_eq(read_tr(), TSS_SEL, "back in the 32-bit task");
	clear_nt_ts();
}

int main(void)
{
	_Static_assert(T1_SEL == 0x58 && T16_SEL == 0x60 && TGATE_SEL == 0x68, "selectors in the asm");
	test_call();
	test_jmp();
	test_faults();
	test_gates();
	test_tss16();
	return 0;
}
