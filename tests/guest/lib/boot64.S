/*
 * tests/guest/lib/boot64.S - multiboot entry for 64-bit guest kernels.
 *
 * Entered in 32-bit protected mode like boot32.S (the image is ELF64 converted
 * to ELF32 so that multiboot loaders accept it). Builds page tables mapping
 * 0-4 GiB identically with 2 MiB pages, then enables long mode the way SDM
 * vol. 3, 10.8.5 ("Initializing IA-32e Mode") orders it: CR4.PAE, CR3,
 * EFER.LME, CR0.PG, and a far jump to a 64-bit code segment.
 */
#include "multiboot.h"
#include "layout.h"

	MULTIBOOT_HEADER

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	BOOT_ENTRY32

	/* CPUID.80000001H:EDX.LM (bit 29), else report it and exit. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories (SDM 4.5.4). */
	mov	$boot_pdpt + 0x7, %eax		/* P | RW | US */
	mov	%eax, boot_pml4
	mov	$boot_pd + 0x7, %eax
	mov	$boot_pdpt, %edi
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	2b
	/* 2048 PDEs of 2 MiB pages: P | RW | PS, supervisor (table 4-17). */
	mov	$0x83, %eax
	mov	$boot_pd, %edi
	mov	$2048, %ecx
3:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	3b

	mov	%cr4, %eax
	or	$0x20, %eax			/* CR4.PAE */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* IA32_EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80010001, %eax		/* CR0.PG | WP | PE */
	mov	%eax, %cr0
	ljmp	$KERNEL_CS64, $start64

/* Only port writes here: the library is 64-bit code. */
no_long_mode:
	mov	$no_long_mode_msg, %esi
	mov	$0x3f8, %dx			/* COM1 data; polling THRE is not worth it */
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:	mov	$0xf4, %dx			/* isa-debug-exit: value 1, a failure */
	mov	$1, %eax
	out	%eax, %dx
3:	cli
	hlt
	jmp	3b

	.code64
start64:
	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	lgdt	guest_gdt_desc			/* again, now with the 64-bit base */
	mov	%esi, %edi			/* zero-extends: magic */
	mov	%ebp, %esi			/* multiboot info */
	call	guest_start
4:	cli
	hlt
	jmp	4b

	.section .rodata
no_long_mode_msg:
	.asciz	"FAIL boot64: the CPU has no long mode\nSUMMARY: 1 tests, 1 failures, 0 skipped\n"

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
