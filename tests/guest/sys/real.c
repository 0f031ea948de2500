/*
 * tests/guest/sys/real.c - real-address mode: leave protected mode (through a
 * 16-bit code segment, CR0.PE = 0, a far jump), run 8086 code that checks segment
 * arithmetic, INT n through the interrupt vector table at 0 and a #GP for an offset
 * beyond 64 KiB (delivered through the IVT, no error code), then come back.
 * 32-bit kernel.
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md): 10.9.2
 * (switching back to real-address mode), 10.9.1 (to protected mode), 21.1 (real-
 * address mode: addresses, 21.1.4 interrupt and exception handling through the
 * IVT), 3.4.3 / 21.1.1 (segment limits are the descriptor caches' values).
 */
#include "guest.h"

#define RM_BASE 0x9000          /* the 16-bit code is copied here; CS = 0x900 */
#define RM_OUT 0x8800           /* results, at 0000:8800 */

volatile uint32_t g_rm_saved_sp;
extern const char rm_blob[], rm_blob_end[], rm_real[], rm_here[], rm_int60[], rm_gp[];
asm(".text\n.code16\n"
    "rm_blob:\n\t"
    /* 16-bit protected mode: real-mode-like data segments, then PE = 0 (10.9.2). */
    "mov $" "0x40" ", %ax\n\tmov %ax, %ds\n\tmov %ax, %es\n\tmov %ax, %ss\n\t"
    "mov %cr0, %eax\n\tand $0xfffffffe, %eax\n\tmov %eax, %cr0\n\t"
    "ljmp $0x900, $(rm_real - rm_blob)\n"
    "rm_real:\n\t"
    "xor %ax, %ax\n\tmov %ax, %ds\n\tmov %ax, %ss\n\tmov $0x8ff0, %sp\n\t"
    /* the IVT at 0 (21.1.4) */
    "lidt rm_ivt_desc - rm_blob + 0x9000\n\t"
    "mov %cs, %ax\n\tmov %ax, 0x8810\n\t"
    "call 1f\n"
    "rm_here:\n"
    "1:\tpop %bx\n\tmov %bx, 0x8800\n\t"
    "mov $0, %cl\n\tint $0x60\n\tmov %cl, 0x8804\n\t"
    "mov $0, %dl\n\txor %ebx, %ebx\n\t"
    /* offset 0x10000 through DS (limit 0xffff): #GP through IVT[13] (21.1.4) */
    "addr32 movb 0x10000(%ebx), %al\n\t"
    "mov %dl, 0x8808\n\t"
    /* back to protected mode (10.9.1) */
    "mov %cr0, %eax\n\tor $1, %eax\n\tmov %eax, %cr0\n\t"
    "ljmpl $" "0x08" ", $rm_back32\n"
    "rm_int60:\tmov $0x77, %cl\n\tiret\n"
    /* #GP: no error code in real mode; skip the 7-byte instruction */
    "rm_gp:\tmov $0x0d, %dl\n\tpop %si\n\tadd $7, %si\n\tpush %si\n\tiret\n"
    "rm_ivt_desc:\t.word 0x3ff\n\t.long 0\n"
    "rm_blob_end:\n"
    ".code32\n"
    "rm_back32:\n\t"
    "mov $" "0x10" ", %eax\n\tmov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %fs\n\t"
    "mov %eax, %gs\n\tmov %eax, %ss\n\t"
    "mov g_rm_saved_sp, %esp\n\t"
    "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
    "ret\n"
    ".globl run_real\n"
    "run_real:\n\t"
    "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
    "mov %esp, g_rm_saved_sp\n\t"
    "ljmp $" "0x38" ", $" "0x9000" "\n");
void run_real(void);

static unsigned off(const char *label) { return (unsigned)(label - rm_blob); }

static uint32_t rd_low(unsigned long a)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void wr_low(unsigned long a, uint32_t v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

int main(void)
{
	struct desc_ptr idtr;

	_Static_assert(KERNEL_CS16 == 0x38 && KERNEL_DS16 == 0x40 && KERNEL_CS32 == 0x08 &&
		       KERNEL_DS == 0x10, "selectors in the asm");
	memcpy((void *)RM_BASE, rm_blob, (size_t)(rm_blob_end - rm_blob));
	for (unsigned i = 0; i < 4; i++)
		wr_low(RM_OUT + 4 * i, 0xdeadbeef);
	wr_low(0x60 * 4, 0x900u << 16 | off(rm_int60));
	wr_low(13 * 4, 0x900u << 16 | off(rm_gp));
	asm volatile("sidt %0" : "=m"(idtr));
	cli();
	run_real();
	asm volatile("lidt %0" : : "m"(idtr));

	report(read_cr0() & X86_CR0_PE, "back in protected mode");
	expect_eq(rd_low(RM_OUT + 0x10) & 0xffff, 0x900, "real mode: CS = 0x900 after the far jump");
	expect_eq(rd_low(RM_OUT) & 0xffff, off(rm_here), "real mode: CALL pushed IP = offset in CS");
	expect_eq(rd_low(RM_OUT + 4) & 0xff, 0x77, "real mode: INT 0x60 through the IVT");
	expect_eq(rd_low(RM_OUT + 8) & 0xff, 0x0d, "real mode: offset 0x10000 raises #GP via IVT[13]");
	return 0;
}
