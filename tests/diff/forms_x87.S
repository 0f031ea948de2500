/*
 * tests/diff/forms_x87.S - x87 instruction forms for the differential tester (macros
 * in forms.h, row layout in diff.h). F_X87_RANDOM makes the generator fill a random x87
 * state: stack depth and TOP, boundary values (zeros, denormals, pseudo-denormals,
 * unnormals, QNaN/SNaN, infinities, huge/tiny exponents), every rounding and
 * precision mode, sometimes unmasked exceptions and a pending one (#MF).
 * Memory operands go through %rbx. AT&T spells FSUB/FSUBR/FDIV/FDIVR with an ST(i)
 * destination the other way round from the SDM; both spellings are listed, so
 * every encoding is covered whatever the names say.
 */
#include "forms.h"

.macro F name, ptrs, insn:vararg
	FORM diff_forms_x87, x87_\name, 0, M_BOTH, \ptrs, 0, F_X87_RANDOM, \insn
.endm

	.text
/* ------------------------------------------------------------------ arithmetic */
.irp op, fadd, fmul, fsub, fsubr, fdiv, fdivr
F \op\()_st_sti,  0, \op %st(1), %st
F \op\()_st_st7,  0, \op %st(7), %st
F \op\()_sti_st,  0, \op %st, %st(2)
F \op\()p_sti_st, 0, \op\()p %st, %st(1)
F \op\()p_st7,    0, \op\()p %st, %st(7)
F \op\()_m32,     R_RBX, \op\()s (%rbx)
F \op\()_m64,     R_RBX, \op\()l (%rbx)
.endr
.irp op, fiadd, fimul, fisub, fisubr, fidiv, fidivr
F \op\()_m16, R_RBX, \op\()s (%rbx)
F \op\()_m32, R_RBX, \op\()l (%rbx)
.endr

/* ------------------------------------------------------------------ loads and stores */
F fld_sti,     0, fld %st(3)
F fld_st0,     0, fld %st(0)
F fld_m32,     R_RBX, flds (%rbx)
F fld_m64,     R_RBX, fldl (%rbx)
F fld_m80,     R_RBX, fldt (%rbx)
F fst_sti,     0, fst %st(2)
F fstp_sti,    0, fstp %st(1)
F fstp_st0,    0, fstp %st(0)
F fst_m32,     R_RBX, fsts (%rbx)
F fst_m64,     R_RBX, fstl (%rbx)
F fstp_m32,    R_RBX, fstps (%rbx)
F fstp_m64,    R_RBX, fstpl (%rbx)
F fstp_m80,    R_RBX, fstpt (%rbx)
F fild_m16,    R_RBX, filds (%rbx)
F fild_m32,    R_RBX, fildl (%rbx)
F fild_m64,    R_RBX, fildll (%rbx)
F fist_m16,    R_RBX, fists (%rbx)
F fist_m32,    R_RBX, fistl (%rbx)
F fistp_m16,   R_RBX, fistps (%rbx)
F fistp_m32,   R_RBX, fistpl (%rbx)
F fistp_m64,   R_RBX, fistpll (%rbx)
F fisttp_m16,  R_RBX, fisttps (%rbx)
F fisttp_m32,  R_RBX, fisttpl (%rbx)
F fisttp_m64,  R_RBX, fisttpll (%rbx)
F fbld,        R_RBX, fbld (%rbx)
F fbstp,       R_RBX, fbstp (%rbx)
F fxch,        0, fxch %st(3)
F fxch1,       0, fxch
.irp op, fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz
F \op, 0, \op
.endr

/* ------------------------------------------------------------------ comparisons */
F fcom_sti,    0, fcom %st(1)
F fcomp_sti,   0, fcomp %st(2)
F fcompp,      0, fcompp
F fucom_sti,   0, fucom %st(1)
F fucomp_sti,  0, fucomp %st(3)
F fucompp,     0, fucompp
F fcom_m32,    R_RBX, fcoms (%rbx)
F fcomp_m64,   R_RBX, fcompl (%rbx)
F ficom_m16,   R_RBX, ficoms (%rbx)
F ficomp_m32,  R_RBX, ficompl (%rbx)
F fcomi,       0, fcomi %st(1), %st
F fcomip,      0, fcomip %st(2), %st
F fucomi,      0, fucomi %st(1), %st
F fucomip,     0, fucomip %st(1), %st
F ftst,        0, ftst
F fxam,        0, fxam

/* ------------------------------------------------------------------ transcendental and others */
.irp op, fsin, fcos, fsincos, fptan, fpatan, f2xm1, fyl2x, fyl2xp1, fscale, fprem, fprem1, frndint, fsqrt, fxtract, fabs, fchs
F \op, 0, \op
.endr

/* ------------------------------------------------------------------ control */
F fninit,      0, fninit
F fnclex,      0, fnclex
F fwait,       0, fwait
F fnop,        0, fnop
F fincstp,     0, fincstp
F fdecstp,     0, fdecstp
F ffree,       0, ffree %st(2)
F fldcw,       R_RBX, fldcw (%rbx)
F fnstcw,      R_RBX, fnstcw (%rbx)
F fnstsw_m16,  R_RBX, fnstsw (%rbx)
F fnstsw_ax,   0, fnstsw %ax
F fldenv,      R_RBX, fldenv (%rbx)
F fnstenv,     R_RBX, fnstenv (%rbx)
F frstor,      R_RBX, frstor (%rbx)
F fnsave,      R_RBX, fnsave (%rbx)
F fxsave,      R_RBX, fxsave (%rbx)
F fxsave64,    R_RBX, fxsave64 (%rbx)
F fxrstor,     R_RBX, fxrstor (%rbx)
F fxrstor64,   R_RBX, fxrstor64 (%rbx)
/* XSAVE family on x87|SSE (EDX:EAX = 3): 64-byte alignment, headers, XSTATE_BV. */
FORMB diff_forms_x87, x87_xsave, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM | F_ALIGNED
	mov $3, %eax
	xor %edx, %edx
	xsave (%rbx)
ENDF
FORMB diff_forms_x87, x87_xsaveopt, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM | F_ALIGNED
	mov $3, %eax
	xor %edx, %edx
	xsaveopt (%rbx)
ENDF
FORMB diff_forms_x87, x87_xsavec, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM | F_ALIGNED
	mov $3, %eax
	xor %edx, %edx
	xsavec (%rbx)
ENDF
FORMB diff_forms_x87, x87_xsave_xrstor, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM | F_ALIGNED
	mov $3, %eax
	xor %edx, %edx
	xsave (%rbx)
	fninit
	xrstor (%rbx)
ENDF
FORMB diff_forms_x87, x87_xrstor, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM | F_ALIGNED
	mov $3, %eax
	xor %edx, %edx
	xrstor (%rbx)
ENDF
.irp op, fcmovb, fcmove, fcmovbe, fcmovu, fcmovnb, fcmovne, fcmovnbe, fcmovnu
F \op, 0, \op %st(1), %st
.endr
/* A short sequence: load, compute, store, so state flows through several handlers. */
FORMB diff_forms_x87, x87_seq_poly, 0, M_BOTH, R_RBX, 0, F_X87_RANDOM
	fldl (%rbx)
	fld %st(0)
	fmul %st(1), %st
	faddp %st, %st(1)
	fsqrt
	fstpl 8(%rbx)
ENDF
