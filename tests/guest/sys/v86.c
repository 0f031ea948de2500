/*
 * tests/guest/sys/v86.c - virtual-8086 mode: entry by IRET and by a task switch,
 * exits through interrupts and #GP, the IOPL-sensitive instructions, the I/O
 * permission bitmap, and the virtual-8086 mode extensions (CR4.VME): VIF with
 * CLI/STI/PUSHF/POPF/IRET, VIP, and INT n through the interrupt redirection bitmap
 * (all six methods of table 20-2). 32-bit kernel (v8086 needs legacy protected mode).
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md), chapter 20:
 * 20.2.1 (entering by IRET or task switch), 20.2.7 (IOPL-sensitive instructions),
 * 20.2.8.1 (I/O bitmap, IOPL ignored), 20.3.1.1 (interrupts to protected mode:
 * GS/FS/DS/ES pushed), 20.3.2-20.3.3 (VME: VIF/VIP, redirection bitmap, table 20-2);
 * vol. 2 CLI, STI, PUSHF, POPF, IRET, INT n.
 */
#include "guest.h"

#define CR4_VME (1ul << 0)
#define EFLAGS_IOPL3 (3ul << 12)
#define EFLAGS_VM (1ul << 17)
#define EFLAGS_VIF (1ul << 19)
#define EFLAGS_VIP (1ul << 20)
#define V86_SEG 0x800           /* the program runs at 0800:xxxx = linear 0x8000 */
#define V86_SP 0xff00

struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
} __attribute__((packed));

/* A TSS with the interrupt redirection bitmap right below the I/O bitmap
 * (figure 20-5), and a full 64 K-port I/O bitmap with its 0xff terminator. */
struct v86_tss {
	struct tss32 t;
	uint8_t redir[32];
	uint8_t io[8192];
	uint8_t end;
} __attribute__((packed));

#define E_TSS 11
#define E_TASK 12
static struct v86_tss g_tss __attribute__((aligned(128)));
static struct tss32 g_task __attribute__((aligned(128)));
static uint8_t g_kstack[4096] __attribute__((aligned(16)));

/* ------------------------------------------------------- the 8086 program */

extern const char v86_blob[], v86_blob_end[];
extern const char p_int31[], p_cli[], p_pushf[], p_io80[], p_io81[], p_vif[], p_sti[],
	p_redir40[], p_int41[], p_iretd[], p_h40[], p_task[], p_hlt_after_io80[],
	p_hlt_vif[], p_hlt_redir[];
asm(".text\n.code16\n"
    "v86_blob:\n"
    "p_int31:\tmov $0x1234, %ax\n\tint $0x31\n"
    "p_cli:\tcli\n\thlt\n"
    "p_pushf:\tpushf\n\thlt\n"
    "p_io80:\tin $0x80, %al\n"
    "p_hlt_after_io80:\thlt\n"
    "p_io81:\tin $0x81, %al\n\thlt\n"
    /* VME: CLI/STI change VIF; PUSHF shows VIF as IF and IOPL as 3 */
    "p_vif:\tcli\n\tpushf\n\tpop %ax\n\tsti\n\tpushf\n\tpop %bx\n"
    "p_hlt_vif:\thlt\n"
    "p_sti:\tsti\n\thlt\n"
    "p_redir40:\tmov $0, %cl\n\tint $0x40\n"
    "p_hlt_redir:\thlt\n"
    "p_int41:\tint $0x41\n\thlt\n"
    "p_iretd:\tiretl\n\thlt\n"
    /* IVT[0x40] handler: note the frame (IP in SI, CS in DI, FLAGS in DX), IRET */
    "p_h40:\tmov $0x55, %cl\n\tpop %si\n\tpop %di\n\tpop %dx\n\tpush %dx\n\tpush %di\n\tpush %si\n\tiret\n"
    "p_task:\tmov $0x4321, %ax\n\thlt\n"
    "v86_blob_end:\n"
    ".code32\n");

static unsigned off(const char *label) { return (unsigned)(label - v86_blob); }

/* ---------------------------------------------- entering and leaving v8086 */

struct v86_result {
	unsigned vector, err, ip, cs, flags, eax, ebx, ecx, edx, esi, edi;
};
static volatile struct v86_result g_r;
volatile uint32_t g_v86_saved_sp;

void v86_exit(void);
unsigned long run_v86(unsigned long ip, unsigned long flags);
asm(".text\n"
    "run_v86:\n\t"
    "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
    "mov %esp, g_v86_saved_sp\n\t"
    "mov 20(%esp), %eax\n\tmov 24(%esp), %edx\n\t"
    "pushl $" "0x800" "\n\tpushl $" "0x800" "\n\tpushl $" "0x800" "\n\tpushl $" "0x800" "\n\t"
    "pushl $" "0x800" "\n\tpushl $" "0xff00" "\n\t"
    "pushl %edx\n\tpushl $" "0x800" "\n\tpushl %eax\n\t"
    "xor %ebx, %ebx\n\txor %ecx, %ecx\n\txor %esi, %esi\n\txor %edi, %edi\n\t"
    "iret\n"
    "v86_exit:\n\t"
    "mov $" "0x10" ", %eax\n\tmov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %fs\n\t"
    "mov %eax, %gs\n\tmov %eax, %ss\n\t"
    "mov g_v86_saved_sp, %esp\n\t"
    "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
    "ret\n");

/* Vectors that leave the 8086 program: record where it stood, resume at v86_exit
 * at CPL 0 (an IRET to the same privilege: the rest of the frame is dropped). */
static void exit_handler(struct excp_frame *f)
{
	if (!(f->flags & EFLAGS_VM))
		report_abort("v86", "vector %lu outside virtual-8086 mode at %#lx",
			     (unsigned long)f->vector, (unsigned long)f->ip);
	g_r.vector = f->vector;
	g_r.err = f->error_code;
	g_r.ip = f->ip;
	g_r.cs = f->cs;
	g_r.flags = f->flags;
	g_r.eax = f->eax;
	g_r.ebx = f->ebx;
	g_r.ecx = f->ecx;
	g_r.edx = f->edx;
	g_r.esi = f->esi;
	g_r.edi = f->edi;
	f->ip = (unsigned long)v86_exit;
	f->cs = KERNEL_CS32;
	f->flags = 0x2;
}

static void go(const char *label, unsigned long flags)
{
	memset((void *)&g_r, 0xff, sizeof(g_r));
	run_v86(off(label), flags | EFLAGS_VM | 0x2);
}

static bool exited(unsigned vector, const char *at_label)
{
	return g_r.vector == vector && g_r.ip == off(at_label) && g_r.cs == V86_SEG;
}

static bool gp_at(const char *label)
{
	return exited(GP_VECTOR, label) && g_r.err == 0;
}

/* ------------------------------------------------------------------ tests */

static void test_basic(void)
{
	go(p_int31, EFLAGS_IOPL3);
	report(exited(0x31, p_cli), "IOPL 3: INT 0x31 through the IDT (method 1)");
	expect_eq(g_r.eax & 0xffff, 0x1234, "the 8086 program ran (AX)");
	report(g_r.flags & EFLAGS_VM, "pushed EFLAGS has VM");

	go(p_cli, 0);
	report(gp_at(p_cli), "IOPL 0: CLI raises #GP(0)");
	go(p_pushf, 0);
	report(gp_at(p_pushf), "IOPL 0: PUSHF raises #GP(0)");
	go(p_int31, 0);
	report(gp_at(p_int31 + 3), "IOPL 0: INT n raises #GP(0) (method 2)");
	go(p_cli, EFLAGS_IOPL3);
	report(gp_at(p_cli + 1), "IOPL 3: CLI runs, HLT raises #GP(0)");

	/* I/O: the bitmap decides, whatever IOPL (20.2.8.1). */
	go(p_io80, EFLAGS_IOPL3);
	report(gp_at(p_hlt_after_io80), "I/O bitmap: port 0x80 allowed");
	go(p_io81, EFLAGS_IOPL3);
	report(gp_at(p_io81), "I/O bitmap: port 0x81 denied at IOPL 3: #GP(0)");
	g_tss.t.iomap = sizeof(g_tss);          /* no bitmap in the TSS */
	go(p_io80, EFLAGS_IOPL3);
	report(gp_at(p_io80), "no I/O bitmap: IN raises #GP(0)");
	g_tss.t.iomap = (uint16_t)(unsigned long)((uint8_t *)g_tss.io - (uint8_t *)&g_tss);
}

static void test_vme(void)
{
	if (!(cpuid(1).d & (1u << 1))) {
		report_skip("vme", "CPUID.01H:EDX.VME = 0");
		return;
	}
	write_cr4(read_cr4() | CR4_VME);

	/* CLI/STI/PUSHF with IOPL < 3 use VIF (20.3.2; vol. 2 CLI, STI, PUSHF). */
	go(p_vif, EFLAGS_VIF);
	report(gp_at(p_hlt_vif), "VME: CLI, PUSHF, STI, PUSHF run at IOPL 0");
	report(!(g_r.eax & X86_EFLAGS_IF) && (g_r.eax & EFLAGS_IOPL3) == EFLAGS_IOPL3,
	       "VME: PUSHF after CLI: IF (=VIF) 0, IOPL 3 (%#x)", g_r.eax & 0xffff);
	report((g_r.ebx & X86_EFLAGS_IF), "VME: PUSHF after STI: IF (=VIF) 1 (%#x)", g_r.ebx & 0xffff);
	report((g_r.flags & EFLAGS_VIF) && !(g_r.flags & X86_EFLAGS_IF) && !(g_r.flags & EFLAGS_IOPL3),
	       "VME: STI set VIF, not IF; IOPL unchanged (%#x)", g_r.flags);
	go(p_sti, EFLAGS_VIP);
	report(gp_at(p_sti), "VME: STI with VIP=1 raises #GP(0)");
	go(p_iretd, 0);
	report(gp_at(p_iretd), "VME: 32-bit IRET at IOPL 0 raises #GP(0)");

	/* INT n with the redirection bitmap (table 20-2). */
	memset(g_tss.redir, 0, sizeof(g_tss.redir));
	g_tss.redir[0x41 / 8] |= 1u << (0x41 % 8);
	/* IVT[0x40] at linear 0x100 (an asm store: gcc sees a null-page pointer otherwise) */
	asm volatile("movl %0, 0x100" : : "r"(V86_SEG << 16 | off(p_h40)) : "memory");
	go(p_redir40, EFLAGS_VIF);
	report(gp_at(p_hlt_redir), "VME, IOPL 0, bit clear: INT 0x40 to the 8086 handler (method 6)");
	expect_eq(g_r.ecx & 0xff, 0x55, "method 6: the IVT handler ran");
	expect_eq(g_r.esi & 0xffff, off(p_hlt_redir), "method 6: IP pushed = next instruction");
	expect_eq(g_r.edi & 0xffff, V86_SEG, "method 6: CS pushed");
	report((g_r.edx & X86_EFLAGS_IF) && (g_r.edx & EFLAGS_IOPL3) == EFLAGS_IOPL3,
	       "method 6: FLAGS image has IF = VIF and IOPL 3 (%#x)", g_r.edx & 0xffff);
	report(g_r.flags & EFLAGS_VIF, "method 6: IRET (16-bit, VME) restored VIF from IF");
	go(p_int41, EFLAGS_VIF);
	report(gp_at(p_int41), "VME, IOPL 0, bit set: INT 0x41 raises #GP(0) (method 3)");

	go(p_redir40, EFLAGS_VIF | EFLAGS_IOPL3);
	report(gp_at(p_hlt_redir) && (g_r.ecx & 0xff) == 0x55,
	       "VME, IOPL 3, bit clear: INT 0x40 to the 8086 handler (method 5)");
	report(!(g_r.edx & X86_EFLAGS_IF) && (g_r.flags & EFLAGS_VIF),
	       "method 5: FLAGS image has the real IF (0), VIF untouched");
	go(p_int41, EFLAGS_IOPL3);
	report(exited(0x41, p_int41 + 2), "VME, IOPL 3, bit set: INT 0x41 through the IDT (method 4)");

	write_cr4(read_cr4() & ~CR4_VME);
	go(p_redir40, EFLAGS_IOPL3);
	report(exited(0x40, p_redir40 + 4), "VME off, IOPL 3: INT 0x40 through the IDT (method 1)");
}

/* Entering virtual-8086 mode by a task switch: EFLAGS.VM = 1 in the new TSS
 * (20.2.1); segment registers are loaded as 8086 segments. */
static void test_task(void)
{
	memset(&g_task, 0, sizeof(g_task));
	g_task.esp0 = (uint32_t)(unsigned long)(g_kstack + sizeof(g_kstack));
	g_task.ss0 = KERNEL_DS;
	g_task.cr3 = read_cr3();
	g_task.eip = off(p_task);
	g_task.eflags = EFLAGS_VM | 0x2;
	g_task.esp = V86_SP;
	g_task.cs = g_task.ss = g_task.ds = g_task.es = g_task.fs = g_task.gs = V86_SEG;
	g_task.iomap = sizeof(g_task);
	guest_gdt[E_TASK] = (sizeof(g_task) - 1) | (uint64_t)((unsigned long)&g_task & 0xffffff) << 16 |
			    (uint64_t)0x89 << 40 | (uint64_t)((unsigned long)&g_task >> 24) << 56;
	memset((void *)&g_r, 0xff, sizeof(g_r));
	/* v86_exit pops EDI, ESI, EBX, EBP and returns: build that frame. */
	asm volatile("push $1f\n\t"
		     "push %%ebp\n\tpush %%ebx\n\tpush %%esi\n\tpush %%edi\n\t"
		     "mov %%esp, g_v86_saved_sp\n\t"
		     "ljmp $" "0x60" ", $0\n"
		     "1:"
		     : : : "eax", "ecx", "edx", "memory");
	report(gp_at(p_task + 3), "task switch into v8086 mode, HLT exits with #GP(0)");
	expect_eq(g_r.eax & 0xffff, 0x4321, "the v8086 task ran");
	expect_eq(read_tr(), E_TASK << 3, "TR is the v8086 task's TSS");
	/* Back to the test's TSS (JMP left it available); free the v8086 one. */
	asm volatile("ltr %w0" : : "r"(E_TSS << 3));
	guest_gdt[E_TASK] &= ~(2ull << 40);
	asm volatile("clts");
}

/* Protected-mode virtual interrupts (CR4.PVI, SDM vol. 3, 20.4): at CPL 3 with
 * IOPL < 3, CLI/STI change VIF instead of faulting. */
static unsigned long user_cli_sti(unsigned long arg)
{
	unsigned long a, b;

	excp_clear();
	asm volatile(ASM_TRY("cli") : : : "memory");
	if (g_excp.taken)
		return 0x100 | g_excp.vector;
	asm volatile("pushfl\n\tpopl %0\n\tsti\n\tpushfl\n\tpopl %1" : "=r"(a), "=r"(b) : : "memory");
	asm volatile("cli");
	return ((a >> 19) & 1) | ((b >> 19) & 1) << 1 | ((b >> 9) & 1) << 2;
}

static void test_pvi(void)
{
	expect_eq(run_user(user_cli_sti, 0), 0x100 | GP_VECTOR, "PVI off: CLI at CPL 3, IOPL 0: #GP");
	if (!(cpuid(1).d & (1u << 1))) {
		report_skip("pvi", "CPUID.01H:EDX.VME = 0");
		return;
	}
	write_cr4(read_cr4() | (1ul << 1));
	expect_eq(run_user(user_cli_sti, 0), 2, "PVI: CLI clears VIF, STI sets it, IF unchanged");
	write_cr4(read_cr4() & ~(1ul << 1));
}

int main(void)
{
	size_t n = (size_t)(v86_blob_end - v86_blob);

	memcpy((void *)(V86_SEG << 4), v86_blob, n);
	memset(&g_tss, 0, sizeof(g_tss));
	memset(g_tss.io, 0xff, sizeof(g_tss.io));
	g_tss.io[0x80 / 8] &= ~(1u << (0x80 % 8));
	g_tss.end = 0xff;
	g_tss.t.esp0 = (uint32_t)(unsigned long)(g_kstack + sizeof(g_kstack));
	g_tss.t.ss0 = KERNEL_DS;
	g_tss.t.iomap = (uint16_t)(unsigned long)((uint8_t *)g_tss.io - (uint8_t *)&g_tss);
	guest_gdt[E_TSS] = ((sizeof(g_tss) - 1) & 0xffff) |
			   (uint64_t)((unsigned long)&g_tss & 0xffffff) << 16 | (uint64_t)0x89 << 40 |
			   (uint64_t)(((sizeof(g_tss) - 1) >> 16) & 0xf) << 48 |
			   (uint64_t)((unsigned long)&g_tss >> 24) << 56;
	asm volatile("ltr %w0" : : "r"(E_TSS << 3));
	idt_set_handler(GP_VECTOR, exit_handler);
	idt_set_handler(0x31, exit_handler);
	idt_set_handler(0x40, exit_handler);
	idt_set_handler(0x41, exit_handler);
	idt_set_gate(0x31, idt_stub_address(0x31), KERNEL_CS32, 0xe, 3, 0);
	idt_set_gate(0x40, idt_stub_address(0x40), KERNEL_CS32, 0xe, 3, 0);
	idt_set_gate(0x41, idt_stub_address(0x41), KERNEL_CS32, 0xe, 3, 0);

	test_basic();
	test_vme();
	test_task();

	idt_set_handler(GP_VECTOR, NULL);
	/* The library's TSS again (its descriptor is still marked busy). */
	guest_gdt[TSS_SEL >> 3] &= ~(2ull << 40);
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
	test_pvi();
	return 0;
}
