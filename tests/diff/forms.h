/*
 * tests/diff/forms.h - assembler macros that build the form tables of forms_*.S.
 *
 *   FORM  section, name, undef, model, ptrs, small, flags, instruction
 *   FORMB section, name, undef, model, ptrs, small, flags
 *         ...several lines of code...
 *   ENDF
 *
 * Each form adds a struct diff_form row (diff.h) to `section` and its code bytes to
 * .rodata. undef/model/ptrs/small/flags are as in struct diff_form; the U_* and R_*
 * constants below spell them.
 */
#ifndef ELZERO_TESTS_DIFF_FORMS_H
#define ELZERO_TESTS_DIFF_FORMS_H

#define U_CF 0x001
#define U_PF 0x004
#define U_AF 0x010
#define U_ZF 0x040
#define U_SF 0x080
#define U_OF 0x800
#define U_ALL (U_CF | U_PF | U_AF | U_ZF | U_SF | U_OF)

#define M_INTEL 1
#define M_AMD 2
#define M_BOTH 3

#define R_RAX (1 << 0)
#define R_RCX (1 << 1)
#define R_RDX (1 << 2)
#define R_RBX (1 << 3)
#define R_RSI (1 << 6)
#define R_RDI (1 << 7)

#define F_DIVIDE 1
#define F_ALIGNED 2
#define F_X87_FULL 4
#define F_X87_RANDOM 16
#define F_MXCSR_RANDOM 8

.macro FORMB section, name, undef, model, ptrs, small, flags
	.pushsection .rodata.diffnames, "a"
7773:	.asciz "\name"
	.popsection
	.pushsection \section, "aw"
	.balign 8
	.quad 7773b, 7771f, 7772f
	.long \undef, \model, \ptrs, \small, \flags, 0
	.popsection
	.pushsection .rodata.diffcode, "a"
7771:
.endm

.macro ENDF
7772:
	.popsection
.endm

.macro FORM section, name, undef, model, ptrs, small, flags, insn:vararg
	FORMB \section, \name, \undef, \model, \ptrs, \small, \flags
	\insn
	ENDF
.endm

	.section .note.GNU-stack, "", @progbits

#endif
