/*
 * tests/bench/kernels.S - benchmark kernels. Each runs natively (called from C) and,
 * copied byte for byte, in the guest (bench.c). System V calling convention:
 * rdi = data buffer (64 KiB), rsi = iteration count; result in rax.
 * Position-independent, no calls out, no stack use beyond the return address.
 */
	.intel_syntax noprefix
	.text

/* A simple integer loop: ALU, shifts, LEA, compare and branch. */
	.globl bench_int, bench_int_end
bench_int:
	xor eax, eax
	mov rcx, rsi
	mov edx, 1
1:	add rax, rcx
	xor rdx, rax
	lea r8, [rdx + rcx * 2 + 7]
	shr r8, 3
	sub rax, r8
	and r8, 0xff
	cmp r8, 0x80
	jb 2f
	inc rdx
2:	dec rcx
	jnz 1b
	ret
bench_int_end:

/* Memory-heavy: read-modify-write over a 4 KiB window of 64-bit words. */
	.globl bench_mem, bench_mem_end
bench_mem:
	xor eax, eax
	mov rcx, rsi
1:	mov edx, ecx
	and edx, 511
	mov r8, [rdi + rdx * 8]
	add rax, r8
	add r8, rcx
	mov [rdi + rdx * 8], r8
	movzx r9d, byte ptr [rdi + rdx]
	add rax, r9
	push rax
	pop r10
	dec rcx
	jnz 1b
	ret
bench_mem_end:

/* String instructions: REP MOVSB and REP STOSQ over 4 KiB, iterated. */
	.globl bench_str, bench_str_end
bench_str:
	mov r8, rdi
	mov r9, rsi
	xor eax, eax
1:	mov rdi, r8
	lea rsi, [r8 + 4096]
	mov ecx, 4096
	rep movsb
	mov rdi, r8
	mov ecx, 512
	rep stosq
	dec r9
	jnz 1b
	ret
bench_str_end:

/* Calls and returns: a small recursive-free call chain. */
	.globl bench_call, bench_call_end
bench_call:
	xor eax, eax
	mov rcx, rsi
1:	call 3f
	dec rcx
	jnz 1b
	ret
3:	add rax, rcx
	ret
bench_call_end:

/* x87 floating point: a multiply-add recurrence. */
	.globl bench_x87, bench_x87_end
bench_x87:
	mov rcx, rsi
	fld1
	fld1
1:	fmul st(0), st(1)
	fadd st(0), st(1)
	fsqrt
	dec rcx
	jnz 1b
	fstp qword ptr [rdi]
	fstp st(0)
	mov rax, [rdi]
	ret
bench_x87_end:

	.section .note.GNU-stack, "", @progbits
