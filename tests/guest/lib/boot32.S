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
	BOOT_ENTRY32
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
