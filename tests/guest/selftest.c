/*
 * tests/guest/selftest.c - checks the guest library itself, and shows how a
 * guest test reads: formatting, reports, descriptor tables, the exception
 * facility (#UD, #GP, #BP, #PF recovered through ASM_TRY), a handler installed
 * for a vector, ring 3 through run_user, and the page-table helpers. Built twice: selftest32 (protected
 * mode, then 32-bit and PAE paging) and selftest64 (long mode, 4-level paging).
 * Every check holds on real hardware too.
 */
#include "guest.h"

#ifdef __x86_64__
#define MODE "64"
#define ASM_LABEL_ADDR(label, reg) "lea " label "(%%rip), " reg
#else
#define MODE "32"
#define ASM_LABEL_ADDR(label, reg) "mov $" label ", " reg
#endif

static void test_format(void)
{
	char buf[80];
	int n;

	snprintf(buf, sizeof(buf), "%d %i %u", -42, 7, 3000000000u);
	expect_str_eq(buf, "-42 7 3000000000", "printf %d %i %u");
	snprintf(buf, sizeof(buf), "%x %X %#x %08x %o", 0xbeef, 0xbeef, 0x1f, 0x1234, 8);
	expect_str_eq(buf, "beef BEEF 0x1f 00001234 10", "printf %x %X %#x %08x %o");
	snprintf(buf, sizeof(buf), "%lx %llx %llu", 0x12345678ul, 0x123456789abcdef0ull,
		 18446744073709551615ull);
	expect_str_eq(buf, "12345678 123456789abcdef0 18446744073709551615", "printf %lx %llx %llu");
	snprintf(buf, sizeof(buf), "%lld %" PRId64, (long long)(-9223372036854775807ll - 1),
		 (int64_t)-1);
	expect_str_eq(buf, "-9223372036854775808 -1", "printf 64-bit minimum");
	snprintf(buf, sizeof(buf), "[%5d|%-5d|%05d|%*u]", 42, 42, -42, 3, 7u);
	expect_str_eq(buf, "[   42|42   |-0042|  7]", "printf widths");
	snprintf(buf, sizeof(buf), "%s|%.3s|%6s|%-6s|%c%c%%", "abc", "abcdef", "ab", "ab", 'o', 'k');
	expect_str_eq(buf, "abc|abc|    ab|ab    |ok%", "printf %s %c %%");
	snprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	expect_str_eq(buf, "0x1000", "printf %p");
	n = snprintf(buf, 4, "%s", "abcdef");
	report(n == 6 && !strcmp(buf, "abc"), "snprintf truncates and returns the full length");
}

static void test_descriptors(void)
{
#ifdef __x86_64__
	expect_eq(read_cs(), KERNEL_CS64, "CS is the 64-bit code segment");
	expect_eq(rdmsr(MSR_EFER) & EFER_LMA, EFER_LMA, "EFER.LMA set: long mode active");
#else
	expect_eq(read_cs(), KERNEL_CS32, "CS is the 32-bit code segment");
#endif
	expect_eq(read_ds(), KERNEL_DS, "DS is the flat data segment");
	expect_eq(read_tr(), TSS_SEL, "TR holds the library's TSS");
}

static void test_ud(void)
{
	unsigned long ud_ip;

	excp_clear();
	asm volatile(ASM_TRY("ud2") ASM_LABEL_ADDR("1111b", "%0") : "=r"(ud_ip));
	expect_excp(UD_VECTOR, "ud2 raises #UD");
	expect_eq(g_excp.ip, ud_ip, "#UD reports the address of the ud2");
	expect_eq(g_excp.count, 1, "#UD taken once, execution resumed after it");
}

static void test_bp(void)
{
	unsigned long next_ip;

	excp_clear();
	asm volatile(ASM_TRY("int3") ASM_LABEL_ADDR("1112b", "%0") : "=r"(next_ip));
	expect_excp(BP_VECTOR, "int3 raises #BP");
	expect_eq(g_excp.ip, next_ip, "#BP (a trap) reports the next instruction");
}

static void test_gp(void)
{
	uint64_t v;

	/* SS must be a writable data segment: a code selector raises #GP(selector)
	 * (SDM vol. 2B, MOV, "Protected Mode Exceptions"). Reserved-bit checks on
	 * MSRs and CR4 would do as well on hardware, but QEMU's TCG, which
	 * validates these tests, does not implement them. */
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%ss") : : "r"(KERNEL_CS32) : "memory");
	expect_excp_err(GP_VECTOR, KERNEL_CS32, "loading SS with a code segment raises #GP(sel)");
#ifndef __x86_64__
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%ss") : : "r"(0) : "memory");
	expect_excp_err(GP_VECTOR, 0, "loading SS with the null selector raises #GP(0)");
#endif

	/* A selector past the GDT limit: #GP with the selector as error code
	 * (SDM vol. 3, 6.13 and MOV, "Protected Mode Exceptions"). */
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%fs") : : "r"(0xfff8) : "memory");
	expect_excp_err(GP_VECTOR, 0xfff8, "loading FS with selector 0xfff8 raises #GP(0xfff8)");
#ifdef __x86_64__
	excp_clear();
	/* The base must not be RSP/RBP: through SS the fault is #SS(0) (SDM vol. 3, 6.15,
	 * interrupt 12), which QEMU does not model. */
	asm volatile(ASM_TRY("mov (%0), %%al") : : "b"(0x8000000000000000ul) : "rax", "memory");
	expect_excp_err(GP_VECTOR, 0, "non-canonical load raises #GP(0)");
#endif
	expect_eq(try_rdmsr(MSR_EFER, &v), -1, "rdmsr EFER still works after the faults");
}

static void int80_handler(struct excp_frame *f)
{
#ifdef __x86_64__
	f->rax = 0x600d;
#else
	f->eax = 0x600d;
#endif
}

static void test_handler(void)
{
	unsigned long v = 0;

	idt_set_handler(0x80, int80_handler);
	asm volatile("int $0x80" : "+a"(v) : : "memory");
	idt_set_handler(0x80, NULL);
	expect_eq(v, 0x600d, "handler for vector 0x80 ran and changed RAX/EAX");
}

static uint8_t g_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* #PF error code bits (SDM vol. 3, 4.7): P, W/R, U/S, RSVD, I/D. */
#define PFEC_P 0x1u
#define PFEC_W 0x2u
#define PFEC_I 0x10u

static void test_pf(const char *mode)
{
	volatile uint8_t *p = g_page;
	unsigned long size = 0, alias = 0x70000000ul;
	uint8_t v;

	v = pt_get((unsigned long)p, &size) & PTE_P;
	report(v, "%s: test page mapped (%lu KiB page)", mode, size >> 10);

	pt_set_flags((unsigned long)p, 0, PTE_P);
	try_read8(p, &v);
	expect_excp_err(PF_VECTOR, 0, "%s: read of a not-present page raises #PF(0)", mode);
	expect_eq(g_excp.cr2, (unsigned long)p, "CR2 holds the faulting address");

	pt_set_flags((unsigned long)p, PTE_P, PTE_RW);
	expect_eq(pt_get((unsigned long)p, &size) & (PTE_P | PTE_RW), PTE_P, "page split to 4 KiB, now read-only");
	expect_eq(size, PAGE_SIZE, "the mapping is a 4 KiB page");
	try_write8(p, 0x5a);
	expect_excp_err(PF_VECTOR, PFEC_P | PFEC_W, "%s: write to a read-only page raises #PF(P|W) (CR0.WP)", mode);
	try_read8(p, &v);
	expect_no_excp("%s: read of a read-only page works", mode);

	pt_set_flags((unsigned long)p, PTE_RW, 0);
	try_write8(p, 0xa5);
	expect_no_excp("%s: write works again after setting RW", mode);

	/* A second virtual address for the same page. */
	pt_map(alias, (unsigned long)p, PTE_RW);
	expect_eq(*(volatile uint8_t *)alias, 0xa5, "alias mapping sees the page's byte");
	*(volatile uint8_t *)alias = 0x3c;
	expect_eq(*p, 0x3c, "write through the alias lands in the page");
	pt_map(alias, alias, PTE_RW);
}

#ifdef __x86_64__
static volatile unsigned g_nx_faults;
static volatile unsigned long g_nx_error;

/* Fetch from an NX page: the fault is at the call target, not in an ASM_TRY, so a
 * handler returns to the caller instead (pops the return address). */
static void nx_handler(struct excp_frame *f)
{
	g_nx_faults++;
	g_nx_error = f->error_code;
	f->ip = *(uint64_t *)f->sp;
	f->sp += 8;
}

static void test_nx(void)
{
	/* CPUID.80000001H:EDX bit 20: NX (SDM vol. 2A, CPUID). */
	if (cpuid(0x80000000).a < 0x80000001 || !(cpuid(0x80000001).d & (1u << 20))) {
		report_skip("64: fetch from an NX page raises #PF", "CPU has no NX");
		return;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	g_page[0] = 0xc3;       /* ret */
	((void (*)(void))(unsigned long)g_page)();
	expect_eq(g_nx_faults, 0, "64: a ret on an executable page runs");
	pt_set_flags((unsigned long)g_page, PTE_NX, 0);
	idt_set_handler(PF_VECTOR, nx_handler);
	((void (*)(void))(unsigned long)g_page)();
	idt_set_handler(PF_VECTOR, NULL);
	pt_set_flags((unsigned long)g_page, 0, PTE_NX);
	expect_eq(g_nx_faults, 1, "64: fetch from an NX page raises #PF");
	expect_eq(g_nx_error, PFEC_P | PFEC_I, "64: its error code is P|I/D");
}
#endif

/* These run at CPL 3: no printing, results go back to the caller. */
static unsigned long user_add1(unsigned long x)
{
	return x + 1;
}

static unsigned long user_cpl(unsigned long unused)
{
	return read_cs() & 3;
}

/* CLI at CPL 3 with IOPL 0 raises #GP(0) (SDM vol. 2A, CLI). */
static unsigned long user_cli(unsigned long unused)
{
	excp_clear();
	asm volatile(ASM_TRY("cli") : : : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static void test_user(void)
{
#ifdef __x86_64__
	pt_set_user_image(true);
#endif
	expect_eq(run_user(user_add1, 41), 42, "run_user returns fn's result");
	expect_eq(run_user(user_cpl, 0), 3, "run_user runs fn at CPL 3");
	expect_eq(run_user(user_cli, 0), GP_VECTOR << 16, "CLI at CPL 3 raises #GP(0), recovered in ring 3");
	expect_eq(read_cs() & 3, 0, "back at CPL 0");
	expect_eq(read_ds(), KERNEL_DS, "kernel data segment restored");
#ifdef __x86_64__
	pt_set_user_image(false);
#endif
}

int main(void)
{
	printf("selftest%s: guest library self-test, command line '%s'\n", MODE, guest_cmdline());
	test_format();
	test_descriptors();
	test_ud();
	test_bp();
	test_gp();
	test_handler();
	test_user();
#ifdef __x86_64__
	test_pf("64");
	test_nx();
#else
	/* CPUID.01H:EDX bit 3 PSE, bit 6 PAE: the identity maps use large pages. */
	if (cpuid(1).d & (1u << 3)) {
		paging_enable(PT_FMT_32);
		test_pf("32-bit paging");
		paging_disable();
	} else {
		report_skip("32-bit paging", "CPU has no PSE");
	}
	if (cpuid(1).d & (1u << 6)) {
		paging_enable(PT_FMT_PAE);
		test_pf("PAE paging");
		pt_set_user_image(true);
		expect_eq(run_user(user_add1, 1), 2, "PAE paging: run_user on user pages");
		paging_disable();
	} else {
		report_skip("PAE paging", "CPU has no PAE");
	}
#endif
	return 0;
}
