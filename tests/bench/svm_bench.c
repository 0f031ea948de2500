/*
 * tests/bench/svm_bench.c - the VMCALL round trip of vmx_bench.c for AMD SVM, to
 * measure another emulator's nested exits (QEMU's TCG implements SVM, not VMX; elzero
 * does not implement SVM, so CTest only checks the image). L1 runs L2 with VMRUN; L2
 * executes VMMCALL in a loop; L1 checks each #VMEXIT's exit code (VMEXIT_VMMCALL),
 * advances the guest RIP by 3 and executes VMRUN again (svm_bench_loop).
 *
 * Command line (-append): "n=N" round trips (default 1000). Prints
 * "BENCH kind=svm-vmmcall n=N exits=E" and PASS when E = N.
 *
 * AMD APM vol. 2 (docs/spec-versions.md): 15.4 (enabling SVM: EFER.SVME), 15.5 (VMRUN,
 * VM_HSAVE_PA), 15.6 (#VMEXIT), 15.5.1 (guest-state checks), appendix B (VMCB layout),
 * appendix C (exit codes).
 */
#include "guest.h"

#define MSR_VM_HSAVE_PA 0xc0010117u
#define EFER_SVME (1ull << 12)

/* VMCB control area (APM vol. 2, table B-1) */
#define VMCB_INTERCEPT4 0x010           /* bit 0 VMRUN, bit 1 VMMCALL */
#define VMCB_ASID 0x058
#define VMCB_EXITCODE 0x070
/* VMCB state-save area (table B-2): segments are selector, attributes, limit, base */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_PAT 0x668

unsigned long svm_bench_loop(unsigned long vmcb, unsigned long n);
extern char svm_bench_l2[];

static uint8_t g_vmcb[4096] __attribute__((aligned(4096)));
static uint8_t g_hsave[4096] __attribute__((aligned(4096)));
static uint8_t g_l2_stack[4096] __attribute__((aligned(16)));

static void put(unsigned off, uint64_t val, unsigned size)
{
	memcpy(g_vmcb + off, &val, size);
}

/* A segment in the VMCB's compressed attribute format (access byte, then G/DB/L/AVL). */
static void put_seg(unsigned off, uint16_t sel, uint16_t attr, uint32_t limit, uint64_t base)
{
	put(off, sel, 2);
	put(off + 2, attr, 2);
	put(off + 4, limit, 4);
	put(off + 8, base, 8);
}

static unsigned long cmd_n(void)
{
	const char *p = guest_cmdline();
	unsigned long n = 0;

	while (*p && strncmp(p, "n=", 2))
		p++;
	if (!*p)
		return 1000;
	for (p += 2; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	return n;
}

int main(void)
{
	const unsigned long n = cmd_n();
	struct desc_ptr gdt, idt;
	uint64_t tr_lo, tr_hi;
	unsigned long exits;

	if (!(cpuid(0x80000001).c & (1u << 2))) {   /* CPUID Fn8000_0001 ECX[SVM] */
		report_skip("svm", "no SVM (run under an emulator that has it: QEMU -cpu max)");
		return 0;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (unsigned long)g_hsave);
	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	tr_lo = guest_gdt[TSS_SEL >> 3];
	tr_hi = guest_gdt[(TSS_SEL >> 3) + 1];
	put(VMCB_INTERCEPT4, 3, 4);                     /* VMRUN (required), VMMCALL */
	put(VMCB_ASID, 1, 4);
	for (unsigned off = VMCB_ES; off <= VMCB_GS; off += 16)
		put_seg(off, KERNEL_DS, 0xc93, 0xffffffff, 0);
	put_seg(VMCB_CS, KERNEL_CS64, 0x29b, 0xffffffff, 0);
	put_seg(VMCB_TR, TSS_SEL, 0x8b, 0x67,
		((tr_lo >> 16) & 0xffffff) | (((tr_lo >> 56) & 0xff) << 24) | ((tr_hi & 0xffffffff) << 32));
	put(VMCB_GDTR + 4, gdt.limit, 4);
	put(VMCB_GDTR + 8, gdt.base, 8);
	put(VMCB_IDTR + 4, idt.limit, 4);
	put(VMCB_IDTR + 8, idt.base, 8);
	put(VMCB_EFER, rdmsr(MSR_EFER), 8);
	put(VMCB_CR0, read_cr0(), 8);
	put(VMCB_CR3, read_cr3(), 8);
	put(VMCB_CR4, read_cr4(), 8);
	put(VMCB_DR7, 0x400, 8);
	put(VMCB_DR6, 0xffff0ff0, 8);
	put(VMCB_RFLAGS, 2, 8);
	put(VMCB_RIP, (unsigned long)svm_bench_l2, 8);
	put(VMCB_RSP, (unsigned long)(g_l2_stack + sizeof(g_l2_stack)), 8);
	put(VMCB_PAT, 0x0007040600070406ull, 8);
	exits = svm_bench_loop((unsigned long)g_vmcb, n);
	printf("BENCH kind=svm-vmmcall n=%lu exits=%lu exitcode=%#x\n", n, exits,
	       *(uint32_t *)(g_vmcb + VMCB_EXITCODE));
	report(exits == n, "SVM: %lu VMMCALL exits handled by L1", n);
	return 0;
}

/* L1's loop: RAX = VMCB for VMRUN (restored by #VMEXIT), RCX counts, RSI = n, RDI =
 * VMCB; L2 touches none of them. Stops at the first exit that is not VMMCALL (81H). */
asm(".text\n"
    ".globl svm_bench_loop\n"
    "svm_bench_loop:\n"
    "	xor %ecx, %ecx\n"
    "	test %rsi, %rsi\n"
    "	jz 2f\n"
    "1:	mov %rdi, %rax\n"
    "	vmrun\n"
    "	cmpq $0x81, 0x70(%rdi)\n"
    "	jne 2f\n"
    "	addq $3, 0x578(%rdi)\n"
    "	inc %rcx\n"
    "	cmp %rsi, %rcx\n"
    "	jb 1b\n"
    "2:	mov %rcx, %rax\n"
    "	ret\n"
    ".globl svm_bench_l2\n"
    "svm_bench_l2:\n"
    "1:	vmmcall\n"
    "	jmp 1b\n");
