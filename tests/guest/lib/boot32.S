/*
 * tests/guest/lib/boot32.S - multiboot entry for 32-bit guest kernels.
 *
 * The loader enters in 32-bit protected mode with flat CS/DS, paging off,
 * EAX = 0x2badb002, EBX = multiboot info (Multiboot Specification 0.6.96, 3.2).
 * GDTR may be invalid, so load ours before touching a segment register.
 */
#include "multiboot.h"
#include "layout.h"

	MULTIBOOT_HEADER

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %esi		/* magic */
	mov	%ebx, %ebp		/* multiboot info */

	/* Zero .bss (the stack lives there), whatever the loader did. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb

	lgdt	guest_gdt_desc
	ljmp	$KERNEL_CS32, $1f
1:	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %esp
	sub	$8, %esp		/* ESP 16-aligned at the call (i386 psABI) */
	push	%ebp
	push	%esi
	call	guest_start
2:	cli
	hlt
	jmp	2b

	.section .bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
