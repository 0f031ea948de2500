/*
 * tests/guest/vmx/vmx_asm.S - entering L2 and coming back (vmx.h).
 *
 * vmx_run(resume): writes HOST_RSP/HOST_RIP so that the VM exit lands on
 * vmx_host_entry with this frame on the stack, loads L2's registers from
 * g_vmx_l2_regs and executes VMLAUNCH (resume = 0) or VMRESUME. If the
 * instruction fails it falls through (SDM 31.3 VMLAUNCH/VMRESUME: VMfail) and
 * vmx_run returns RFLAGS (never 0: bit 1 is always set). On a VM exit, or on a
 * VM-entry failure exit, the processor loads the host state (SDM 28.5, 27.8)
 * and continues at vmx_host_entry, which saves L2's registers and returns 0.
 *
 * vmx_l2_stub: where L2 starts; calls RSI(RDI) and reports the result with
 * VMCALL (RAX = VMX_CALL_DONE, RDI = result).
 */
#define HOST_RSP 0x6c14
#define HOST_RIP 0x6c16
#define VMX_CALL_DONE 0x454e4f44

	.text
	.globl vmx_run
vmx_run:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi				/* resume flag, at (%rsp) */
	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax
	lea	vmx_host_entry(%rip), %rdx
	mov	$HOST_RIP, %eax
	vmwrite	%rdx, %rax
	cmpq	$0, (%rsp)			/* MOVs below keep ZF */
	mov	g_vmx_l2_regs+0x00(%rip), %rax
	mov	g_vmx_l2_regs+0x08(%rip), %rcx
	mov	g_vmx_l2_regs+0x10(%rip), %rdx
	mov	g_vmx_l2_regs+0x18(%rip), %rbx
	mov	g_vmx_l2_regs+0x20(%rip), %rbp
	mov	g_vmx_l2_regs+0x28(%rip), %rsi
	mov	g_vmx_l2_regs+0x30(%rip), %rdi
	mov	g_vmx_l2_regs+0x38(%rip), %r8
	mov	g_vmx_l2_regs+0x40(%rip), %r9
	mov	g_vmx_l2_regs+0x48(%rip), %r10
	mov	g_vmx_l2_regs+0x50(%rip), %r11
	mov	g_vmx_l2_regs+0x58(%rip), %r12
	mov	g_vmx_l2_regs+0x60(%rip), %r13
	mov	g_vmx_l2_regs+0x68(%rip), %r14
	mov	g_vmx_l2_regs+0x70(%rip), %r15
	jne	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	pushfq					/* VMfailInvalid / VMfailValid */
	pop	%rax
	jmp	3f

	.globl vmx_host_entry
vmx_host_entry:
	mov	%rax, g_vmx_l2_regs+0x00(%rip)
	mov	%rcx, g_vmx_l2_regs+0x08(%rip)
	mov	%rdx, g_vmx_l2_regs+0x10(%rip)
	mov	%rbx, g_vmx_l2_regs+0x18(%rip)
	mov	%rbp, g_vmx_l2_regs+0x20(%rip)
	mov	%rsi, g_vmx_l2_regs+0x28(%rip)
	mov	%rdi, g_vmx_l2_regs+0x30(%rip)
	mov	%r8, g_vmx_l2_regs+0x38(%rip)
	mov	%r9, g_vmx_l2_regs+0x40(%rip)
	mov	%r10, g_vmx_l2_regs+0x48(%rip)
	mov	%r11, g_vmx_l2_regs+0x50(%rip)
	mov	%r12, g_vmx_l2_regs+0x58(%rip)
	mov	%r13, g_vmx_l2_regs+0x60(%rip)
	mov	%r14, g_vmx_l2_regs+0x68(%rip)
	mov	%r15, g_vmx_l2_regs+0x70(%rip)
	xor	%eax, %eax
3:	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.globl vmx_l2_stub
vmx_l2_stub:				/* L2, ring 0, 64-bit; RDI = arg, RSI = fn */
	call	*%rsi
	mov	%rax, %rdi
	mov	$VMX_CALL_DONE, %eax
	vmcall
	ud2
	.section .note.GNU-stack, "", @progbits
