/*
 * tests/diff/forms_int.S - general-purpose instruction forms for the differential
 * tester (macros in forms.h, row layout in diff.h: struct diff_form).
 *
 * Columns: name, undefined flags, vendors whose undefined flags elzero models,
 * pointer registers, small-count registers, flags, code. Memory operands go through
 * %rbx (and %rsi/%rdi for strings); the generator points those into the test memory.
 */
#include "forms.h"

.macro F name, undef, model, ptrs, small, flags, insn:vararg
	FORM diff_forms_int, \name, \undef, \model, \ptrs, \small, \flags, \insn
.endm
.macro FB name, undef, model, ptrs, small, flags
	FORMB diff_forms_int, \name, \undef, \model, \ptrs, \small, \flags
.endm

	.text
/* ------------------------------------------------------------------ ALU */
.irp op, add, or, adc, sbb, and, sub, xor, cmp
F \op\()_r64,    0, M_BOTH, 0, 0, 0, \op %rcx, %rax
F \op\()_r32,    0, M_BOTH, 0, 0, 0, \op %ecx, %eax
F \op\()_r16,    0, M_BOTH, 0, 0, 0, \op %cx, %dx
F \op\()_r8,     0, M_BOTH, 0, 0, 0, \op %cl, %al
F \op\()_r8h,    0, M_BOTH, 0, 0, 0, \op %bh, %ah
F \op\()_r8rex,  0, M_BOTH, 0, 0, 0, \op %sil, %r9b
F \op\()_i8q,    0, M_BOTH, 0, 0, 0, \op $-3, %rdx
F \op\()_i32q,   0, M_BOTH, 0, 0, 0, \op $0x7ffffff0, %rdx
F \op\()_i16,    0, M_BOTH, 0, 0, 0, \op $0x8001, %si
F \op\()_al,     0, M_BOTH, 0, 0, 0, \op $0x81, %al
F \op\()_m32d,   0, M_BOTH, R_RBX, 0, 0, \op %ecx, 8(%rbx)
F \op\()_m64s,   0, M_BOTH, R_RBX, 0, 0, \op -16(%rbx), %rcx
F \op\()_m8i,    0, M_BOTH, R_RBX, 0, 0, \op\()b $0x7f, (%rbx)
.endr
.irp op, add, or, adc, sbb, and, sub, xor
F lock_\op\()_m16, 0, M_BOTH, R_RBX, 0, F_ALIGNED, lock \op %cx, (%rbx)
.endr
F test_r64,  0, M_BOTH, 0, 0, 0, test %rcx, %rax
F test_r8,   0, M_BOTH, 0, 0, 0, test %cl, %ah
F test_i32,  0, M_BOTH, 0, 0, 0, test $0x80000001, %eax
F test_m16,  0, M_BOTH, R_RBX, 0, 0, testw $0x8000, (%rbx)
.irp op, inc, dec, neg, not
F \op\()_r64, 0, M_BOTH, 0, 0, 0, \op %rax
F \op\()_r32, 0, M_BOTH, 0, 0, 0, \op %ecx
F \op\()_r16, 0, M_BOTH, 0, 0, 0, \op %dx
F \op\()_r8,  0, M_BOTH, 0, 0, 0, \op %bh
F \op\()_m32, 0, M_BOTH, R_RBX, 0, 0, \op\()l 4(%rbx)
.endr

/* ------------------------------------------------------------------ MUL/DIV */
.irp op, mul, imul
F \op\()_r8,  U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %cl
F \op\()_r16, U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %cx
F \op\()_r32, U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %ecx
F \op\()_r64, U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %rcx
F \op\()_m64, U_SF | U_ZF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, \op\()q (%rbx)
.endr
F imul2_r64,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul %rcx, %rdx
F imul2_r32,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul %ecx, %edx
F imul2_r16,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul %cx, %dx
F imul3_i8,    U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul $-7, %rcx, %rdx
F imul3_i32,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul $0x12345, %ecx, %esi
F imul3_i16,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul $0x7fff, %cx, %si
F imul3_m32,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, imul $3, (%rbx), %eax
.irp op, div, idiv
F \op\()_r8,  U_ALL, M_INTEL, 0, 0, F_DIVIDE, \op %cl
F \op\()_r16, U_ALL, M_INTEL, 0, 0, F_DIVIDE, \op %cx
F \op\()_r32, U_ALL, M_INTEL, 0, 0, F_DIVIDE, \op %ecx
F \op\()_r64, U_ALL, M_INTEL, 0, 0, F_DIVIDE, \op %rcx
F \op\()_m32, U_ALL, M_INTEL, R_RBX, 0, F_DIVIDE, \op\()l (%rbx)
.endr

/* ------------------------------------------------------------------ shifts */
.irp op, shl, shr, sar, rol, ror, rcl, rcr
F \op\()_r8cl,  U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %al
F \op\()_r16cl, U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %dx
F \op\()_r32cl, U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %eax
F \op\()_r64cl, U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %rdx
F \op\()_r32one, U_AF | U_OF, M_INTEL, 0, 0, 0, \op %esi
F \op\()_r8hone, U_AF | U_OF, M_INTEL, 0, 0, 0, \op %ah
F \op\()_r64i,  U_AF | U_OF, M_INTEL, 0, 0, 0, \op $37, %rax
F \op\()_r16i,  U_AF | U_OF, M_INTEL, 0, 0, 0, \op $17, %ax
F \op\()_r8i,   U_AF | U_OF, M_INTEL, 0, 0, 0, \op $9, %bl
F \op\()_m16cl, U_AF | U_OF, M_INTEL, R_RBX, R_RCX, 0, \op\()w %cl, 2(%rbx)
.endr
.irp op, shld, shrd
F \op\()_r64cl, U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %rdx, %rax
F \op\()_r32cl, U_AF | U_OF, M_INTEL, 0, R_RCX, 0, \op %cl, %edx, %eax
F \op\()_r16cl, U_ALL, M_INTEL, 0, R_RCX, 0, \op %cl, %dx, %ax
F \op\()_r32i,  U_AF | U_OF, M_INTEL, 0, 0, 0, \op $5, %esi, %edi
F \op\()_r64i,  U_AF | U_OF, M_INTEL, 0, 0, 0, \op $63, %rsi, %rdi
F \op\()_m32cl, U_AF | U_OF, M_INTEL, R_RBX, R_RCX, 0, \op %cl, %edx, (%rbx)
.endr

/* ------------------------------------------------------------------ bits */
.irp op, bt, bts, btr, btc
F \op\()_r64,  U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %rcx, %rax
F \op\()_r32,  U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %ecx, %eax
F \op\()_r16,  U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %cx, %ax
F \op\()_i64,  U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op $45, %rdx
F \op\()_mi16, U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, \op\()w $19, (%rbx)
F \op\()_mr32, U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, R_RCX, 0, \op %ecx, (%rbx)
F \op\()_mr64, U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, \op %rcx, 8(%rbx)
F \op\()_mr16, U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, \op %cx, (%rbx)
.endr
.irp op, bsf, bsr
F \op\()_r64, U_CF | U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %rcx, %rax
F \op\()_r32, U_CF | U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %ecx, %eax
F \op\()_r16, U_CF | U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %cx, %ax
F \op\()_m64, U_CF | U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, \op (%rbx), %rdx
.endr
.irp op, tzcnt, lzcnt
F \op\()_r64, U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %rcx, %rax
F \op\()_r32, U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %ecx, %eax
F \op\()_r16, U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, \op %cx, %ax
.endr
F popcnt_r64, 0, M_BOTH, 0, 0, 0, popcnt %rcx, %rax
F popcnt_r16, 0, M_BOTH, 0, 0, 0, popcnt %cx, %ax
F popcnt_m32, 0, M_BOTH, R_RBX, 0, 0, popcnt (%rbx), %eax

/* ------------------------------------------------------------------ BMI, ADX */
F andn_r64,   U_AF | U_PF, M_INTEL, 0, 0, 0, andn %rcx, %rdx, %rax
F andn_r32,   U_AF | U_PF, M_INTEL, 0, 0, 0, andn %ecx, %edx, %eax
F bextr_r64,  U_AF | U_SF | U_PF, M_INTEL, 0, 0, 0, bextr %rcx, %rdx, %rax
F bextr_r32,  U_AF | U_SF | U_PF, M_INTEL, 0, 0, 0, bextr %ecx, %edx, %eax
F blsi_r64,   U_AF | U_PF, M_INTEL, 0, 0, 0, blsi %rcx, %rax
F blsmsk_r32, U_AF | U_PF, M_INTEL, 0, 0, 0, blsmsk %ecx, %eax
F blsr_r64,   U_AF | U_PF, M_INTEL, 0, 0, 0, blsr %rcx, %rax
F bzhi_r64,   U_AF | U_PF, M_INTEL, 0, 0, 0, bzhi %rcx, %rdx, %rax
F bzhi_r32,   U_AF | U_PF, M_INTEL, 0, 0, 0, bzhi %ecx, %edx, %eax
F mulx_r64,   0, M_BOTH, 0, 0, 0, mulx %rcx, %rsi, %rdi
F mulx_r32,   0, M_BOTH, 0, 0, 0, mulx %ecx, %esi, %edi
F mulx_same,  0, M_BOTH, 0, 0, 0, mulx %rcx, %rsi, %rsi
F pdep_r64,   0, M_BOTH, 0, 0, 0, pdep %rcx, %rdx, %rax
F pext_r64,   0, M_BOTH, 0, 0, 0, pext %rcx, %rdx, %rax
F pext_r32,   0, M_BOTH, 0, 0, 0, pext %ecx, %edx, %eax
F rorx_r64,   0, M_BOTH, 0, 0, 0, rorx $13, %rcx, %rax
F rorx_r32,   0, M_BOTH, 0, 0, 0, rorx $31, %ecx, %eax
F sarx_r64,   0, M_BOTH, 0, 0, 0, sarx %rcx, %rdx, %rax
F shlx_r32,   0, M_BOTH, 0, 0, 0, shlx %ecx, %edx, %eax
F shrx_m64,   0, M_BOTH, R_RBX, 0, 0, shrx %rcx, (%rbx), %rax
F adcx_r64,   0, M_BOTH, 0, 0, 0, adcx %rcx, %rax
F adox_r32,   0, M_BOTH, 0, 0, 0, adox %ecx, %eax
F adcx_m64,   0, M_BOTH, R_RBX, 0, 0, adcx (%rbx), %rax

/* ------------------------------------------------------------------ data movement */
F mov_r64,     0, M_BOTH, 0, 0, 0, mov %rcx, %rax
F mov_r32,     0, M_BOTH, 0, 0, 0, mov %ecx, %eax
F mov_r16,     0, M_BOTH, 0, 0, 0, mov %cx, %ax
F mov_r8h,     0, M_BOTH, 0, 0, 0, mov %ch, %al
F mov_i64,     0, M_BOTH, 0, 0, 0, movabs $0x123456789abcdef0, %rax
F mov_i32q,    0, M_BOTH, 0, 0, 0, movq $-5, %rax
F mov_i8,      0, M_BOTH, 0, 0, 0, mov $0x99, %bh
F mov_m64st,   0, M_BOTH, R_RBX, 0, 0, mov %rcx, 24(%rbx)
F mov_m16ld,   0, M_BOTH, R_RBX, 0, 0, mov -2(%rbx), %cx
F mov_m32sib,  0, M_BOTH, R_RBX, R_RSI, 0, mov (%rbx,%rsi,4), %eax
F mov_mi32,    0, M_BOTH, R_RBX, 0, 0, movl $0xdeadbeef, (%rbx)
F mov_moffs_ld, 0, M_BOTH, 0, 0, 0, movabs 0x10010100, %al
F mov_moffs_st, 0, M_BOTH, 0, 0, 0, movabs %rax, 0x10010108
F mov_sreg,    0, M_BOTH, 0, 0, 0, mov %ss, %eax
F movzx_b,     0, M_BOTH, 0, 0, 0, movzbl %cl, %eax
F movzx_w64,   0, M_BOTH, 0, 0, 0, movzwq %cx, %rax
F movzx_bh,    0, M_BOTH, 0, 0, 0, movzbw %ch, %ax
F movsx_b,     0, M_BOTH, 0, 0, 0, movsbq %cl, %rax
F movsx_w32,   0, M_BOTH, 0, 0, 0, movswl %cx, %eax
F movsx_m8,    0, M_BOTH, R_RBX, 0, 0, movsbw (%rbx), %ax
F movsxd_r,    0, M_BOTH, 0, 0, 0, movslq %ecx, %rax
F movsxd_m,    0, M_BOTH, R_RBX, 0, 0, movslq 4(%rbx), %rdx
F xchg_r64,    0, M_BOTH, 0, 0, 0, xchg %rcx, %rax
F xchg_r32,    0, M_BOTH, 0, 0, 0, xchg %ecx, %edx
F xchg_eax,    0, M_BOTH, 0, 0, 0, xchg %eax, %eax
F xchg_r8h,    0, M_BOTH, 0, 0, 0, xchg %ah, %cl
F xchg_m16,    0, M_BOTH, R_RBX, 0, F_ALIGNED, xchg %cx, (%rbx)
F bswap_r64,   0, M_BOTH, 0, 0, 0, bswap %rcx
F bswap_r32,   0, M_BOTH, 0, 0, 0, bswap %r10d
F bswap_r16,   0, M_BOTH, 0, 0, 0, .byte 0x66, 0x0f, 0xc9
F movbe_ld64,  0, M_BOTH, R_RBX, 0, 0, movbe (%rbx), %rax
F movbe_st16,  0, M_BOTH, R_RBX, 0, 0, movbe %cx, 1(%rbx)
F movbe_ld32,  0, M_BOTH, R_RBX, 0, 0, movbe (%rbx), %esi
.irp cc, o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g
F cmov\cc\()_r64, 0, M_BOTH, 0, 0, 0, cmov\cc %rcx, %rax
F cmov\cc\()_r32, 0, M_BOTH, 0, 0, 0, cmov\cc %ecx, %eax
F set\cc\()_r8,   0, M_BOTH, 0, 0, 0, set\cc %ah
.endr
F cmovz_m16,   0, M_BOTH, R_RBX, 0, 0, cmovz (%rbx), %dx
F setb_m8,     0, M_BOTH, R_RBX, 0, 0, setb 3(%rbx)
F cmpxchg_r64, 0, M_BOTH, 0, 0, 0, cmpxchg %rcx, %rdx
F cmpxchg_r32, 0, M_BOTH, 0, 0, 0, cmpxchg %ecx, %edx
F cmpxchg_r8,  0, M_BOTH, 0, 0, 0, cmpxchg %cl, %dl
F cmpxchg_m32, 0, M_BOTH, R_RBX, 0, F_ALIGNED, lock cmpxchg %ecx, (%rbx)
FB cmpxchg_m64eq, 0, M_BOTH, R_RBX, 0, 0
	mov (%rbx), %rax
	cmpxchg %rcx, (%rbx)
ENDF
F cmpxchg8b,   0, M_BOTH, R_RBX, 0, 0, cmpxchg8b (%rbx)
FB cmpxchg8b_eq, 0, M_BOTH, R_RBX, 0, F_ALIGNED
	mov (%rbx), %eax
	mov 4(%rbx), %edx
	lock cmpxchg8b (%rbx)
ENDF
F cmpxchg16b,  0, M_BOTH, R_RBX, 0, 0, cmpxchg16b (%rbx)
FB cmpxchg16b_eq, 0, M_BOTH, R_RBX, 0, F_ALIGNED
	and $-16, %rbx
	mov (%rbx), %rax
	mov 8(%rbx), %rdx
	lock cmpxchg16b (%rbx)
ENDF
F xadd_r64,    0, M_BOTH, 0, 0, 0, xadd %rcx, %rax
F xadd_same,   0, M_BOTH, 0, 0, 0, xadd %ecx, %ecx
F xadd_m8,     0, M_BOTH, R_RBX, 0, F_ALIGNED, lock xadd %cl, (%rbx)
F lea_sib,     0, M_BOTH, 0, 0, 0, lea 0x12345(%rcx,%rdx,8), %rax
F lea_32,      0, M_BOTH, 0, 0, 0, lea -1(%ecx,%edx,2), %eax
F lea_16,      0, M_BOTH, 0, 0, 0, lea 7(%rcx,%rdx), %ax
F lea_a32o64,  0, M_BOTH, 0, 0, 0, lea 0x7fffffff(%ecx), %rax
F lea_rip,     0, M_BOTH, 0, 0, 0, lea 0x100(%rip), %rsi
F lahf,        0, M_BOTH, 0, 0, 0, lahf
F sahf,        0, M_BOTH, 0, 0, 0, sahf
F cbw,         0, M_BOTH, 0, 0, 0, cbw
F cwde,        0, M_BOTH, 0, 0, 0, cwde
F cdqe,        0, M_BOTH, 0, 0, 0, cdqe
F cwd,         0, M_BOTH, 0, 0, 0, cwd
F cdq,         0, M_BOTH, 0, 0, 0, cdq
F cqo,         0, M_BOTH, 0, 0, 0, cqo
F xlat,        0, M_BOTH, R_RBX, 0, 0, xlat
F clc,         0, M_BOTH, 0, 0, 0, clc
F stc,         0, M_BOTH, 0, 0, 0, stc
F cmc,         0, M_BOTH, 0, 0, 0, cmc
F cld,         0, M_BOTH, 0, 0, 0, cld
F std,         0, M_BOTH, 0, 0, 0, std

/* ------------------------------------------------------------------ branches */
.irp cc, o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g
FB j\cc, 0, M_BOTH, 0, 0, 0
	j\cc 1f
	mov $1, %eax
1:	inc %ecx
ENDF
.endr
FB jcc_rel32, 0, M_BOTH, 0, 0, 0
	jz 1f
	.skip 200, 0x90
1:
ENDF
FB jmp_rel8, 0, M_BOTH, 0, 0, 0
	jmp 1f
	ud2
1:	nop
ENDF
FB jmp_back, 0, M_BOTH, 0, R_RCX, 0
	jmp 2f
1:	dec %rcx
	jmp 3f
2:	jmp 1b
3:
ENDF
FB jmp_reg, 0, M_BOTH, 0, 0, 0
	lea 1f(%rip), %rdx
	jmp *%rdx
	ud2
1:
ENDF
FB jmp_mem, 0, M_BOTH, R_RBX, 0, 0
	lea 1f(%rip), %rdx
	mov %rdx, (%rbx)
	jmp *(%rbx)
	ud2
1:
ENDF
F jmp_noncanon, 0, M_BOTH, 0, 0, 0, jmp *%rcx
FB call_ret, 0, M_BOTH, 0, 0, 0
	call 1f
	jmp 2f
1:	mov (%rsp), %rax
	ret
2:
ENDF
FB call_reg_ret_imm, 0, M_BOTH, 0, 0, 0
	lea 1f(%rip), %rdx
	push %rcx
	call *%rdx
	jmp 2f
1:	ret $8
2:
ENDF
FB call_pop, 0, M_BOTH, 0, 0, 0
	call 1f
1:	pop %rcx
ENDF
F ret_bad, 0, M_BOTH, 0, 0, 0, ret
/* rCX starts at 1..64: from 0 LOOP would run 2^64 times */
.irp op, loop, loope, loopne
FB \op, 0, M_BOTH, 0, R_RCX, 0
	and $63, %ecx
	inc %ecx
1:	inc %eax
	\op 1b
ENDF
.endr
FB loop_a32, 0, M_BOTH, 0, 0, 0
	.byte 0x67
	loop 1f
	inc %eax
1:
ENDF
FB jrcxz, 0, M_BOTH, 0, 0, 0
	jrcxz 1f
	inc %eax
1:
ENDF
FB jecxz, 0, M_BOTH, 0, 0, 0
	jecxz 1f
	inc %eax
1:
ENDF

/* ------------------------------------------------------------------ stack */
F push_r64,   0, M_BOTH, 0, 0, 0, push %rcx
F push_r16,   0, M_BOTH, 0, 0, 0, push %cx
F push_rsp,   0, M_BOTH, 0, 0, 0, push %rsp
F push_i8,    0, M_BOTH, 0, 0, 0, push $-2
F push_i32,   0, M_BOTH, 0, 0, 0, push $0x12345678
F push_i16,   0, M_BOTH, 0, 0, 0, pushw $0x1234
F push_m64,   0, M_BOTH, R_RBX, 0, 0, pushq (%rbx)
F push_fs,    0, M_BOTH, 0, 0, 0, push %fs
F push_fs16,  0, M_BOTH, 0, 0, 0, pushw %fs
F pop_r64,    0, M_BOTH, 0, 0, 0, pop %rcx
F pop_r16,    0, M_BOTH, 0, 0, 0, pop %cx
F pop_rsp,    0, M_BOTH, 0, 0, 0, pop %rsp
F pop_m64,    0, M_BOTH, R_RBX, 0, 0, popq 8(%rbx)
F pop_mrsp,   0, M_BOTH, 0, 0, 0, popq 8(%rsp)
F enter0,     0, M_BOTH, 0, 0, 0, enter $24, $0
F enter1,     0, M_BOTH, 0, 0, 0, enter $8, $1
FB enter3, 0, M_BOTH, 0, 0, 0
	lea 64(%rsp), %rbp
	enter $16, $3
ENDF
FB leave, 0, M_BOTH, 0, 0, 0
	lea 32(%rsp), %rbp
	leave
ENDF
F pushf,      0, M_BOTH, 0, 0, 0, pushf
F pushf16,    0, M_BOTH, 0, 0, 0, pushfw
/* TF and AC stay clear: single-step and alignment checks are not compared here */
FB popf, 0, M_BOTH, 0, 0, 0
	and $0xfffffffffffbfeff, %rcx
	push %rcx
	popf
ENDF
FB popf16, 0, M_BOTH, 0, 0, 0
	and $0xfeff, %cx
	push %cx
	popfw
ENDF

/* ------------------------------------------------------------------ strings */
.irp sz, b, w, l, q
F movs\sz,      0, M_BOTH, R_RSI | R_RDI, 0, 0, movs\sz
F rep_movs\sz,  0, M_BOTH, R_RSI | R_RDI, R_RCX, 0, rep movs\sz
F stos\sz,      0, M_BOTH, R_RDI, 0, 0, stos\sz
F rep_stos\sz,  0, M_BOTH, R_RDI, R_RCX, 0, rep stos\sz
F lods\sz,      0, M_BOTH, R_RSI, 0, 0, lods\sz
F rep_lods\sz,  0, M_BOTH, R_RSI, R_RCX, 0, rep lods\sz
F cmps\sz,      0, M_BOTH, R_RSI | R_RDI, 0, 0, cmps\sz
F repe_cmps\sz, 0, M_BOTH, R_RSI | R_RDI, R_RCX, 0, repe cmps\sz
F repne_cmps\sz, 0, M_BOTH, R_RSI | R_RDI, R_RCX, 0, repne cmps\sz
F scas\sz,      0, M_BOTH, R_RDI, 0, 0, scas\sz
F repe_scas\sz, 0, M_BOTH, R_RDI, R_RCX, 0, repe scas\sz
F repne_scas\sz, 0, M_BOTH, R_RDI, R_RCX, 0, repne scas\sz
.endr
FB rep_movsb_a32, 0, M_BOTH, R_RSI | R_RDI, R_RCX, 0
	.byte 0x67
	rep movsb
ENDF
FB rep_movsq_overlap, 0, M_BOTH, R_RDI, R_RCX, 0
	lea 8(%rdi), %rsi
	rep movsq
ENDF

/* ------------------------------------------------------------------ misc */
F nop,        0, M_BOTH, 0, 0, 0, nop
F nop_m,      0, M_BOTH, 0, 0, 0, nopl 0x10(%rax,%rax,1)
F nop_w,      0, M_BOTH, 0, 0, 0, .byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00
F pause,      0, M_BOTH, 0, 0, 0, pause
F ud2,        0, M_BOTH, 0, 0, 0, ud2
F ud0,        0, M_BOTH, 0, 0, 0, .byte 0x0f, 0xff, 0xc0
F ud1,        0, M_BOTH, 0, 0, 0, .byte 0x0f, 0xb9, 0xc0
F crc32_b,    0, M_BOTH, 0, 0, 0, crc32b %cl, %eax
F crc32_w,    0, M_BOTH, 0, 0, 0, crc32w %cx, %eax
F crc32_l,    0, M_BOTH, 0, 0, 0, crc32l %ecx, %eax
F crc32_q,    0, M_BOTH, 0, 0, 0, crc32q %rcx, %rax
F crc32_m,    0, M_BOTH, R_RBX, 0, 0, crc32l (%rbx), %edx
F daa_64,     0, M_BOTH, 0, 0, 0, .byte 0x27
F aam_64,     0, M_BOTH, 0, 0, 0, .byte 0xd4, 0x0a
F salc_64,    0, M_BOTH, 0, 0, 0, .byte 0xd6
F pusha_64,   0, M_BOTH, 0, 0, 0, .byte 0x60

/* ------------------------------------------------------------------ more operand forms */
F add_m32_a32,  0, M_BOTH, R_RBX, 0, 0, add %ecx, (%ebx)
F sub_m8_sib_a32, 0, M_BOTH, R_RBX, R_RSI, 0, subb $5, 3(%ebx,%esi,2)
F xlat_a32,     0, M_BOTH, R_RBX, 0, 0, .byte 0x67, 0xd7
F bt_i_big,     U_OF | U_SF | U_AF | U_PF, M_INTEL, 0, 0, 0, bt $77, %eax
F push_m16,     0, M_BOTH, R_RBX, 0, 0, pushw (%rbx)
F pop_m16,      0, M_BOTH, R_RBX, 0, 0, popw 2(%rbx)
F cmpxchg_r8h,  0, M_BOTH, 0, 0, 0, cmpxchg %ah, %bl
F movzx_ah32,   0, M_BOTH, 0, 0, 0, movzbl %ah, %ecx
F neg_r8h,      0, M_BOTH, 0, 0, 0, neg %ah
F sbb_m8i,      0, M_BOTH, R_RBX, 0, 0, sbbb $0x80, 1(%rbx)
F imul3_i16n,   U_SF | U_ZF | U_AF | U_PF, M_INTEL, 0, 0, 0, imul $-300, %dx, %cx
F rcr_m64cl,    U_AF | U_OF, M_INTEL, R_RBX, R_RCX, 0, rcrq %cl, (%rbx)
F shld_m16i,    U_AF | U_OF, M_INTEL, R_RBX, 0, 0, shld $3, %dx, (%rbx)
F btc_m_neg,    U_OF | U_SF | U_AF | U_PF, M_INTEL, R_RBX, 0, 0, btc %rdx, 0x800(%rbx)
F xadd_r8h,     0, M_BOTH, 0, 0, 0, xadd %ah, %ch
F setnz_r8rex,  0, M_BOTH, 0, 0, 0, setnz %sil

/* ------------------------------------------------------------------ harness checks */
/* x87 and SSE state in the record round-trips through both runners */
F state_fxch,  0, M_BOTH, 0, 0, F_X87_FULL, fxch %st(3)
F state_nop,   0, M_BOTH, 0, 0, F_X87_FULL | F_MXCSR_RANDOM, nop
