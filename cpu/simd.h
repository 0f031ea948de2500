/*
 * cpu/simd.h - SIMD arithmetic primitives (MMX, SSE .. SSE4.2) for the instruction
 * handlers in translate/ops/sse_*.c and mmx.c. A second public header of cpu/, next to
 * cpu/cpu.h; it holds no decode knowledge.
 *
 * Exactness comes from the host (../shared/DESIGN.md): each operation in
 * cpu/simd_ops.def is the host instruction itself, run on copies of the guest operands
 * with the guest's MXCSR control bits loaded, or a small C function for pure data
 * movement. Intel SDM vol. 1, ch. 9-12 (edition in docs/spec-versions.md).
 */
#ifndef ELZERO_CPU_SIMD_H
#define ELZERO_CPU_SIMD_H

#include "cpu/cpu.h"

/* MXCSR (SDM vol. 1, 10.2.3, figure 10-3) */
#define MXCSR_IE    (1u << 0)
#define MXCSR_DE    (1u << 1)
#define MXCSR_ZE    (1u << 2)
#define MXCSR_OE    (1u << 3)
#define MXCSR_UE    (1u << 4)
#define MXCSR_PE    (1u << 5)
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ   (1u << 6)
#define MXCSR_MASKS 0x1f80u     /* IM DM ZM OM UM PM, bits 12:7 */
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC_SHIFT 13
#define MXCSR_RC    (3u << MXCSR_RC_SHIFT)
#define MXCSR_FTZ   (1u << 15)
/* Writable bits: the MXCSR_MASK that FXSAVE reports (SDM vol. 1, 11.6.6); the rest are
 * reserved and LDMXCSR/FXRSTOR of a 1 there raises #GP. */
#define MXCSR_WRITABLE 0xffffu

/*
 * Operands of one SIMD operation. The host instruction sees: xmm1 = d, xmm2 = s,
 * xmm0 = x0 (the implicit XMM0 of BLENDVPS/PBLENDVB), mm1 = md, mm2 = ms (MMX forms),
 * ecx/rcx = rcx (a GPR source), eax/edx = rax/rdx (PCMPESTRx lengths). Results go to
 * the out_ fields, never over the inputs, so an operation can be run again:
 * out = xmm1, out_x0 = xmm0 (PCMPxSTRM), out_md = mm1, out_rcx = rcx (CVTSS2SI,
 * PCMPxSTRI), rflags = the arithmetic flags left (COMISS, PTEST, PCMPxSTRx).
 */
struct simd_io {
	union vreg x0, d, s;
	uint64_t md, ms;
	uint64_t rax, rdx, rcx;
	uint32_t mxcsr;         /* the guest MXCSR; simd_run leaves it unchanged */
	uint8_t imm;
	union vreg out, out_x0;
	uint64_t out_md, out_rcx;
	uint64_t rflags;
};

/* How an operation runs (the second column of cpu/simd_ops.def). */
enum simd_form {
	SIMD_FORM_X,            /* host instruction on xmm1, xmm2 (and xmm0, rcx, rax, rdx) */
	SIMD_FORM_XI3,          /* same with imm8 & 7 */
	SIMD_FORM_XI4,          /* same with imm8 & 15 */
	SIMD_FORM_XI8,          /* same with the full imm8 */
	SIMD_FORM_M,            /* host instruction touching MMX registers mm1, mm2 */
	SIMD_FORM_C,            /* C function (pure data movement, never an FP exception) */
};

enum simd_op {
#define SIMD_OP(name, form, impl) SIMD_##name,
#include "cpu/simd_ops.def"
#undef SIMD_OP
	SIMD_OP_COUNT
};

/*
 * Run op on io. Returns the SIMD floating-point exception flags (MXCSR bits 5:0) the
 * instruction raises under io->mxcsr. If one of them is unmasked there, the flags are
 * exactly those the processor reports with the fault (pre-computation exceptions stop
 * the computation; SDM vol. 1, 11.5.3) and the out_ fields are unspecified: the
 * caller must not commit them. The host's MXCSR is preserved.
 */
uint32_t simd_run(enum simd_op op, struct simd_io *io);
const char *simd_op_name(enum simd_op op);
enum simd_form simd_op_form(enum simd_op op);

/* The flags of a SIMD FP instruction that left `flags`: set them (sticky) in the guest
 * MXCSR and, if one is unmasked, raise #XM when CR4.OSXMMEXCPT is set, else #UD
 * (SDM vol. 1, 11.5.3.2; vol. 3, 6.15 "Interrupt 19"). Returns only if all are masked. */
void simd_fp_exceptions(struct vcpu *v, uint32_t flags);

/* The C-form operations of cpu/simd_ops.def (cpu/simd_perm.c). */
void simd_c_pshufd(struct simd_io *io);
void simd_c_pshufhw(struct simd_io *io);
void simd_c_pshuflw(struct simd_io *io);
void simd_c_pshufw(struct simd_io *io);
void simd_c_shufps(struct simd_io *io);
void simd_c_shufpd(struct simd_io *io);
void simd_c_palignr(struct simd_io *io);
void simd_c_palignr_mm(struct simd_io *io);
void simd_c_pblendw(struct simd_io *io);
void simd_c_blendps(struct simd_io *io);
void simd_c_blendpd(struct simd_io *io);
void simd_c_insertps(struct simd_io *io);
void simd_c_pslldq(struct simd_io *io);
void simd_c_psrldq(struct simd_io *io);

#endif /* ELZERO_CPU_SIMD_H */
