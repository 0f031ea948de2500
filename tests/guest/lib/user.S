/*
 * tests/guest/lib/user.S - run_user(fn, arg): call fn(arg) at CPL 3 and return
 * its result (guest.h). Enters ring 3 with IRET (SDM vol. 3, 6.12.1 and IRET:
 * "return to outer privilege level"); fn's result comes back through INT
 * GUEST_USER_RETURN_VECTOR, a DPL-3 gate whose handler restores the kernel
 * context run_user saved and returns from it. TSS.RSP0/ESP0 points just below
 * that saved context while fn runs, so exceptions taken in ring 3 leave it intact.
 */
#include "layout.h"

	.section .bss
	.balign 16
user_stack:
	.skip	16384
user_stack_top:
user_saved_sp:
	.skip	8

	.text
#ifdef __x86_64__
	.globl run_user
run_user:				/* RDI = fn, RSI = arg */
	pushfq
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdi, %r12
	mov	%rsi, %r13
	mov	%rsp, user_saved_sp(%rip)
	mov	%rsp, %rdi
	and	$-16, %rdi
	call	tss_set_kernel_stack
	pushq	$USER_DS			/* SS */
	lea	user_stack_top(%rip), %rax
	push	%rax				/* RSP */
	pushfq					/* RFLAGS, IOPL 0 */
	pushq	$USER_CS64
	lea	user_trampoline(%rip), %rax
	push	%rax				/* RIP */
	mov	%r13, %rdi
	mov	%r12, %rsi
	iretq

user_trampoline:			/* CPL 3 */
	call	*%rsi
	int	$GUEST_USER_RETURN_VECTOR
	ud2

	.globl user_return_entry
user_return_entry:			/* CPL 0 again; RAX = fn's result */
	mov	$KERNEL_DS, %ecx		/* the IRET to ring 3 nulled DS..GS (SDM IRET) */
	mov	%ecx, %ds
	mov	%ecx, %es
	mov	%ecx, %fs
	mov	%ecx, %gs
	mov	%ecx, %ss
	mov	user_saved_sp(%rip), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	popfq
	ret
#else
	.globl run_user
run_user:				/* 4(%esp) = fn, 8(%esp) = arg */
	pushfl
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	24(%esp), %esi
	mov	28(%esp), %edi
	mov	%esp, user_saved_sp
	mov	%esp, %eax
	and	$-16, %eax
	push	%eax
	call	tss_set_kernel_stack
	add	$4, %esp
	mov	$USER_DS, %eax			/* DPL 3 data: IRET to ring 3 keeps them */
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	push	$USER_DS			/* SS */
	push	$user_stack_top			/* ESP */
	pushfl					/* EFLAGS, IOPL 0 */
	push	$USER_CS32
	push	$user_trampoline		/* EIP */
	iret

user_trampoline:			/* CPL 3 */
	push	%edi
	call	*%esi
	int	$GUEST_USER_RETURN_VECTOR
	ud2

	.globl user_return_entry
user_return_entry:			/* CPL 0 again; EAX = fn's result */
	mov	$KERNEL_DS, %ecx
	mov	%ecx, %ds
	mov	%ecx, %es
	mov	%ecx, %fs
	mov	%ecx, %gs
	mov	%ecx, %ss
	mov	user_saved_sp, %esp
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	popfl
	ret
#endif
