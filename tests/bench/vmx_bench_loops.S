/*
 * tests/bench/vmx_bench_loops.S - the loops of the nested-virtualization benchmark
 * (vmx_bench.c), in assembly so that their instruction counts are fixed.
 *
 * bench_compute(n): n iterations of 8 instructions (load, ALU, IMUL, store over a
 *   16 KiB buffer, DEC/JNZ); returns a checksum. The same code runs in L1 and in L2.
 * bench_l2_vmcall(n): n times VMCALL with RAX = BENCH_CALL; returns n.
 * bench_l2_cpuid(n): n times CPUID leaf 0; returns the sum of what L1 put in
 *   EAX, EBX, ECX and EDX (L1 emulates CPUID).
 * A VMCALL iteration is 4 instructions in L2 (MOV, VMCALL, DEC, JNZ), a CPUID
 * iteration 9 (XOR, XOR, CPUID, 4 ADDs, DEC, JNZ).
 */
#define BENCH_CALL 0x48434e42		/* "BNCH" */
#define BENCH_INSNS_COMPUTE 8

	.text
	.globl bench_compute
bench_compute:
	mov	$0x12345678, %eax
	xor	%edx, %edx
	lea	bench_buf(%rip), %rsi
1:	mov	%edx, %ecx
	and	$0x3ff8, %ecx
	add	(%rsi,%rcx), %rax
	imul	$0x5bd1e995, %rax, %rax
	mov	%rax, (%rsi,%rcx)
	lea	0x48(%rdx,%rax), %rdx
	dec	%rdi
	jnz	1b
	ret

	.globl bench_l2_vmcall
bench_l2_vmcall:
	mov	%rdi, %r8
	test	%rdi, %rdi
	jz	2f
1:	mov	$BENCH_CALL, %eax
	vmcall
	dec	%rdi
	jnz	1b
2:	mov	%r8, %rax
	ret

	.globl bench_l2_cpuid
bench_l2_cpuid:
	push	%rbx
	xor	%r8d, %r8d
	test	%rdi, %rdi
	jz	2f
1:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	add	%rax, %r8
	add	%rbx, %r8
	add	%rdx, %r8
	add	%rcx, %r8
	dec	%rdi
	jnz	1b
2:	mov	%r8, %rax
	pop	%rbx
	ret

	.bss
	.balign 4096
	.globl bench_buf
bench_buf:
	.skip	16384
	.section .note.GNU-stack, "", @progbits
