/*
 * tests/guest/lib/isr.S - one entry stub per vector (256 of them, 16 bytes apart
 * from isr_stubs) and the common path that saves registers as struct excp_frame
 * (guest.h) and calls excp_dispatch().
 *
 * The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30
 * (SDM vol. 3, 6.13 and 6.15; APM vol. 2, 8.2 for 29, #VC, and 30, #SX); the
 * stubs push a zero for the others so every frame has the same shape.
 */
#include "layout.h"

#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			   (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if !HAS_ERROR_CODE(vec)
	push	$0
	.endif
	push	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

#ifdef __x86_64__
isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	/* The CPU aligned RSP to 16 before its 5-quadword frame (SDM 6.14.2); with the
	 * 2 pushed by the stub and 15 here, RSP is 16-aligned again: fine for a call. */
	call	excp_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	iretq
#else
isr_common:
	pushal
	push	%ds
	push	%es
	mov	$KERNEL_DS, %ax		/* a test may have loaded odd data segments */
	mov	%ax, %ds
	mov	%ax, %es
	cld
	mov	%esp, %eax
	push	%eax
	call	excp_dispatch
	add	$4, %esp
	pop	%es
	pop	%ds
	popal
	add	$8, %esp		/* vector, error code */
	iret
#endif
