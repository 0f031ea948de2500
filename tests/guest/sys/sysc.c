/*
 * tests/guest/sys/sysc.c - fast system calls: SYSCALL/SYSRET (64-bit: STAR,
 * LSTAR, SFMASK, RCX/R11, the selectors, SYSRET to a non-canonical RCX as each
 * vendor does it), SYSENTER/SYSEXIT (32- and 64-bit), SWAPGS. Built as sysc32
 * (SYSENTER/SYSEXIT in protected mode) and sysc64 (all).
 *
 * Expectations: Intel SDM vol. 2 SYSCALL, SYSRET, SYSENTER, SYSEXIT, SWAPGS and
 * vol. 3, 5.8.7-5.8.8; AMD APM vol. 3 SYSRET (no canonical check of RCX: the
 * fetch at CPL 3 faults instead) for AuthenticAMD models.
 */
#include "guest.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

/* Free GDT entries: the layouts SYSCALL/SYSRET and SYSENTER/SYSEXIT expect. */
#define E_KCS 11        /* kernel code */
#define E_KDS 12        /* kernel data (SYSCALL SS = STAR[47:32] + 8) */
#define E_UCS32 13      /* SYSRET base: CS32 = base, SS = base + 8, CS64 = base + 16 */
#define E_UDS 14
#define E_UCS64 15

static uint8_t g_kstack[4096] __attribute__((aligned(16)));
volatile unsigned long g_sc_rcx, g_sc_r11, g_sc_flags, g_sc_cs, g_sc_ss, g_sc_sp;
volatile unsigned long g_sc_bad_rip;

static uint64_t seg_desc(unsigned access, unsigned flags)
{
	return 0xffffull | (uint64_t)access << 40 | 0xfull << 48 | (uint64_t)flags << 52;
}

static void gdt_setup(void)
{
	guest_gdt[E_KCS] = seg_desc(0x9b, sizeof(long) == 8 ? 0xa : 0xc);
	guest_gdt[E_KDS] = seg_desc(0x93, 0xc);
	guest_gdt[E_UCS32] = seg_desc(0xfb, 0xc);
	guest_gdt[E_UDS] = seg_desc(0xf3, 0xc);
	guest_gdt[E_UCS64] = seg_desc(0xfb, 0xa);
}

static bool is_amd(void)
{
	return cpuid(0).b == 0x68747541;        /* "Auth" */
}

/* --------------------------------------------------------- SYSENTER/SYSEXIT */

void sysenter_entry(void);
#ifdef __x86_64__
asm(".text\n"
    "sysenter_entry:\n\t"
    "mov %cs, %eax\n\tmov %rax, g_sc_cs(%rip)\n\t"
    "mov %ss, %eax\n\tmov %rax, g_sc_ss(%rip)\n\t"
    "mov %rsp, g_sc_sp(%rip)\n\t"
    "pushfq\n\tpopq g_sc_flags(%rip)\n\t"
    /* RCX = RSP, RDX = RIP for the return (the caller saved them in R8/R9). */
    "mov %r8, %rcx\n\tmov %r9, %rdx\n\t"
    "rex64 sysexit\n");
#else
asm(".text\n"
    "sysenter_entry:\n\t"
    "mov %cs, %eax\n\tmov %eax, g_sc_cs\n\t"
    "mov %ss, %eax\n\tmov %eax, g_sc_ss\n\t"
    "mov %esp, g_sc_sp\n\t"
    "pushf\n\tpopl g_sc_flags\n\t"
    "sysexit\n");
#endif

static unsigned long user_sysenter(unsigned long arg)
{
	unsigned long cs, ss;

#ifdef __x86_64__
	asm volatile("mov %%rsp, %%r8\n\tlea 1f(%%rip), %%r9\n\tsysenter\n1:\n\t"
		     "mov %%cs, %0\n\tmov %%ss, %1"
		     : "=r"(cs), "=r"(ss) : : "rax", "rcx", "rdx", "r8", "r9", "memory");
#else
	asm volatile("mov %%esp, %%ecx\n\tmov $1f, %%edx\n\tsysenter\n1:\n\t"
		     "mov %%cs, %0\n\tmov %%ss, %1"
		     : "=r"(cs), "=r"(ss) : : "eax", "ecx", "edx", "memory");
#endif
	return (cs & 0xffff) | (ss & 0xffff) << 16;
}

static void test_sysenter(void)
{
	uint16_t base = E_KCS << 3;
#ifdef __x86_64__
	unsigned long want_ret = ((base + 32) | 3) | (unsigned long)((base + 40) | 3) << 16;
#else
	unsigned long want_ret = ((base + 16) | 3) | (unsigned long)((base + 24) | 3) << 16;
#endif

#ifdef __x86_64__
	if (is_amd()) {
		/* AMD: SYSENTER/SYSEXIT are #UD in long mode (APM vol. 3, SYSENTER). */
		excp_clear();
		asm volatile(ASM_TRY("sysenter") : : : "memory");
		expect_excp(UD_VECTOR, "AMD: SYSENTER in long mode: #UD");
		return;
	}
#endif
	wrmsr(MSR_SYSENTER_CS, 0);
	excp_clear();
	asm volatile(ASM_TRY("sysenter") : : : "memory");
	expect_excp_err(GP_VECTOR, 0, "SYSENTER with IA32_SYSENTER_CS = 0: #GP(0)");

	wrmsr(MSR_SYSENTER_CS, base);
	wrmsr(MSR_SYSENTER_ESP, (unsigned long)(g_kstack + sizeof(g_kstack)));
	wrmsr(MSR_SYSENTER_EIP, (unsigned long)sysenter_entry);
	g_sc_cs = g_sc_ss = g_sc_sp = 0;
	expect_eq(run_user(user_sysenter, 0), want_ret, "SYSEXIT: CS/SS = SYSENTER_CS + 16/24 (+32/40 64-bit), RPL 3");
	expect_eq(g_sc_cs, base, "SYSENTER: CS = IA32_SYSENTER_CS");
	expect_eq(g_sc_ss, base + 8, "SYSENTER: SS = IA32_SYSENTER_CS + 8");
	expect_eq(g_sc_sp, (unsigned long)(g_kstack + sizeof(g_kstack)),
		  "SYSENTER: ESP/RSP = IA32_SYSENTER_ESP");
	report(!(g_sc_flags & X86_EFLAGS_IF), "SYSENTER clears IF");

}

/* ------------------------------------------------------------ SYSCALL (64) */

#ifdef __x86_64__
void syscall_entry(void);
asm(".text\n"
    "syscall_entry:\n\t"
    "mov %rcx, g_sc_rcx(%rip)\n\t"
    "mov %r11, g_sc_r11(%rip)\n\t"
    "mov %cs, %eax\n\tmov %rax, g_sc_cs(%rip)\n\t"
    "mov %ss, %eax\n\tmov %rax, g_sc_ss(%rip)\n\t"
    "mov %rsp, g_sc_sp(%rip)\n\t"
    "pushfq\n\tpopq g_sc_flags(%rip)\n\t"
    /* RDI = 1: return to a non-canonical RCX (a test of SYSRET's #GP). */
    "test %rdi, %rdi\n\tjz 2f\n\t"
    "movabs $0x0000800000000000, %rcx\n\t"
    "1111:\n\tsysretq\n"
    "1112:\n\t"
    ".pushsection .ex_table, \"a\"\n\t.balign 8\n\t.quad 1111b, 1112b\n\t.popsection\n\t"
    "mov g_sc_rcx(%rip), %rcx\n"
    "2:\n\t"
    "sysretq\n");

static unsigned long user_syscall(unsigned long bad)
{
	unsigned long cs, ss, ret, flags;

	asm volatile("pushfq\n\tpopq %3\n\t"
		     "syscall\n1:\n\t"
		     "lea 1b(%%rip), %2\n\t"
		     "mov %%cs, %0\n\tmov %%ss, %1"
		     : "=r"(cs), "=r"(ss), "=r"(ret), "=r"(flags)
		     : "D"(bad) : "rcx", "r11", "rax", "memory");
	return (cs & 0xffff) | (ss & 0xffff) << 16 | (ret == g_sc_rcx) << 31 |
	       (unsigned long)((flags & ~0x10000ul) == g_sc_r11) << 30;
}

/* AMD: the non-canonical RIP faults at CPL 3; resume in user_syscall. */
static volatile unsigned long g_amd_resume;
static void amd_gp_handler(struct excp_frame *f)
{
	g_sc_bad_rip = f->ip | (f->cs & 3);
	f->ip = g_amd_resume;
}

static unsigned long user_syscall_amd(unsigned long arg)
{
	asm volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\t"
		     "syscall\n1:"
		     : "=m"(g_amd_resume) : "D"(1ul) : "rax", "rcx", "r11", "memory");
	return 0;
}

static void test_syscall(void)
{
	uint16_t kbase = E_KCS << 3, ubase = E_UCS32 << 3;
	unsigned long r;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_SCE);
	excp_clear();
	asm volatile(ASM_TRY("syscall") : : : "rcx", "r11", "memory");
	expect_excp(UD_VECTOR, "SYSCALL with EFER.SCE=0: #UD");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)ubase << 48 | (uint64_t)kbase << 32);
	wrmsr(MSR_LSTAR, (unsigned long)syscall_entry);
	wrmsr(MSR_SFMASK, X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_AC | X86_EFLAGS_TF);

	r = run_user(user_syscall, 0);
	expect_eq(r & 0xffffffff, ((ubase + 16) | 3) | ((ubase + 8) | 3) << 16 | 3ul << 30,
		  "SYSCALL/SYSRET: RCX = next RIP, R11 = RFLAGS; back at STAR[63:48]+16/+8, RPL 3");
	expect_eq(g_sc_cs, kbase, "SYSCALL: CS = STAR[47:32]");
	expect_eq(g_sc_ss, kbase + 8, "SYSCALL: SS = STAR[47:32] + 8");
	report(!(g_sc_flags & (X86_EFLAGS_IF | X86_EFLAGS_AC)), "SYSCALL: RFLAGS &= ~SFMASK");

	/* SYSRET to a non-canonical RCX. Intel: #GP(0) at CPL 0, before any state
	 * changes (SDM vol. 2, SYSRET). AMD: RIP is loaded, the fetch faults at CPL 3. */
	if (!is_amd()) {
		excp_clear();
		r = run_user(user_syscall, 1);
		report(g_excp.taken && g_excp.vector == GP_VECTOR && g_excp.error_code == 0,
		       "Intel: SYSRET to non-canonical RCX: #GP(0)");
		report(g_excp.taken && g_excp.count == 1, "Intel: the #GP is taken at CPL 0 (at SYSRET)");
		expect_eq(r & 0xffff, (ubase + 16) | 3, "Intel: a canonical SYSRET afterwards returns");
	} else {
		idt_set_handler(GP_VECTOR, amd_gp_handler);
		g_sc_bad_rip = 0;
		run_user(user_syscall_amd, 0);
		idt_set_handler(GP_VECTOR, NULL);
		expect_eq(g_sc_bad_rip, 0x0000800000000000ul | 3,
			  "AMD: SYSRET to non-canonical RCX: #GP at CPL 3, RIP = RCX");
	}
}

static unsigned long user_swapgs(unsigned long arg)
{
	excp_clear();
	asm volatile(ASM_TRY("swapgs") : : : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static void test_swapgs(void)
{
	wrmsr(MSR_GS_BASE, 0x1111000);
	wrmsr(MSR_KERNEL_GS_BASE, 0x2222000);
	asm volatile("swapgs" : : : "memory");
	expect_eq(rdmsr(MSR_GS_BASE), 0x2222000, "SWAPGS: GS.base = old KERNEL_GS_BASE");
	expect_eq(rdmsr(MSR_KERNEL_GS_BASE), 0x1111000, "SWAPGS: KERNEL_GS_BASE = old GS.base");
	asm volatile("swapgs" : : : "memory");
	expect_eq(run_user(user_swapgs, 0), GP_VECTOR << 16, "SWAPGS at CPL 3: #GP(0)");
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
#else
static void test_syscall32(void)
{
	/* SYSCALL outside 64-bit mode: #UD on Intel (SDM vol. 2, SYSCALL). */
	if (!is_amd()) {
		excp_clear();
		asm volatile(ASM_TRY("syscall") : : : "ecx", "memory");
		expect_excp(UD_VECTOR, "Intel: SYSCALL in protected mode: #UD");
	}
	excp_clear();
	asm volatile(ASM_TRY(".byte 0x0f, 0x01, 0xf8") : : : "memory");
	expect_excp(UD_VECTOR, "SWAPGS outside 64-bit mode: #UD");
}
#endif

int main(void)
{
	gdt_setup();
#ifdef __x86_64__
	pt_set_user_image(true);
	test_syscall();
	test_swapgs();
#else
	test_syscall32();
#endif
	test_sysenter();
	return 0;
}
