/*
 * cpu/simd.c - running SIMD primitives on the host's SSE unit, and SIMD floating-point
 * exceptions. Intel SDM vol. 1 (edition in docs/spec-versions.md), 10.2.3 (MXCSR),
 * 11.5 (SSE/SSE2/SSE3 exceptions); vol. 3, 6.15 (interrupt 19, #XM).
 *
 * Every host-form row of cpu/simd_ops.def becomes one stub: one asm statement that
 * saves the host MXCSR, loads the guest's control bits, loads the operands, runs the
 * instruction, stores the results, flags and MXCSR, and restores the host MXCSR. One
 * statement, so the compiler can never schedule its own floating point under the
 * guest's rounding mode. Immediate forms get one asm statement per immediate value.
 *
 * Exceptions: the first run has every exception masked, which is what nearly every
 * guest uses. If that run raised a flag the guest has unmasked, the guest takes a
 * fault, and which flags the fault reports depends on the masks (pre-computation
 * exceptions stop the instruction before post-computation ones are looked at; an
 * unmasked underflow is reported for exact tiny results too; SDM vol. 1, 11.5.2.5,
 * 11.5.3.2). Rather than model that, the slow path runs the instruction (again) with
 * the guest's own masks and catches the host's #XM as SIGFPE: the MXCSR saved in the
 * signal frame holds exactly the flags the hardware reports. The stubs write only the
 * out_ fields, so a rerun sees the original operands.
 */
#include "cpu/simd.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <ucontext.h>

/* mm1/mm2 for the MMX forms; EMMS leaves the host x87 stack empty again, as the ABI
 * wants at every call boundary. */
#define SIMD_PRE_M  "movq %[md], %%mm1\n\tmovq %[ms], %%mm2\n\t"
#define SIMD_POST_M "movq %%mm1, %[omd]\n\temms\n\t"

/*
 * The red zone: pushfq writes below %rsp, where a leaf function may keep locals, so
 * the stack pointer steps over the 128-byte zone first (lea leaves flags alone). No
 * memory operand is touched while %rsp is moved.
 */
#define SIMD_ASM(pre, text, post, immval)                                              \
	do {                                                                           \
		uint32_t host_csr_, csr_ = *csr;                                       \
		uint64_t fl_;                                                          \
		__asm__ volatile("stmxcsr %[hcsr]\n\t"                                 \
				 "ldmxcsr %[csr]\n\t"                                  \
				 "movdqu %[x0], %%xmm0\n\t"                            \
				 "movdqu %[d], %%xmm1\n\t"                             \
				 "movdqu %[s], %%xmm2\n\t"                             \
				 pre                                                   \
				 text "\n\t"                                           \
				 "lea -128(%%rsp), %%rsp\n\t"                          \
				 "pushfq\n\t"                                          \
				 "popq %[fl]\n\t"                                      \
				 "lea 128(%%rsp), %%rsp\n\t"                           \
				 post                                                  \
				 "movdqu %%xmm0, %[ox0]\n\t"                           \
				 "movdqu %%xmm1, %[out]\n\t"                           \
				 "stmxcsr %[csr]\n\t"                                  \
				 "ldmxcsr %[hcsr]"                                     \
				 : [ox0] "=m"(io->out_x0), [out] "=m"(io->out),        \
				   [omd] "=m"(io->out_md), [csr] "+m"(csr_),           \
				   [hcsr] "=m"(host_csr_), [fl] "=&r"(fl_),            \
				   [rcx] "=c"(io->out_rcx)                             \
				 : [x0] "m"(io->x0), [d] "m"(io->d), [s] "m"(io->s),   \
				   [md] "m"(io->md), [ms] "m"(io->ms), "a"(io->rax),   \
				   "d"(io->rdx), "[rcx]"(io->rcx), [imm] "i"(immval)   \
				 : "xmm0", "xmm1", "xmm2", "mm1", "mm2", "cc");        \
		*csr = csr_;                                                           \
		io->rflags = fl_;                                                      \
	} while (0)

#define SIMD_CASE(text, n) case (n): SIMD_ASM("", text, "", (n)); break;
#define SIMD_CASES4(text, n) SIMD_CASE(text, n) SIMD_CASE(text, (n) + 1) \
	SIMD_CASE(text, (n) + 2) SIMD_CASE(text, (n) + 3)
#define SIMD_CASES8(text, n) SIMD_CASES4(text, n) SIMD_CASES4(text, (n) + 4)
#define SIMD_CASES16(text, n) SIMD_CASES8(text, n) SIMD_CASES8(text, (n) + 8)
#define SIMD_CASES64(text, n) SIMD_CASES16(text, n) SIMD_CASES16(text, (n) + 16) \
	SIMD_CASES16(text, (n) + 32) SIMD_CASES16(text, (n) + 48)
#define SIMD_CASES256(text) SIMD_CASES64(text, 0) SIMD_CASES64(text, 64) \
	SIMD_CASES64(text, 128) SIMD_CASES64(text, 192)

#define SIMD_STUB_X(name, text) \
	static void simd_stub_##name(struct simd_io *io, uint32_t *csr) { SIMD_ASM("", text, "", 0); }
#define SIMD_STUB_M(name, text) \
	static void simd_stub_##name(struct simd_io *io, uint32_t *csr) { SIMD_ASM(SIMD_PRE_M, text, SIMD_POST_M, 0); }
#define SIMD_STUB_XI3(name, text) \
	static void simd_stub_##name(struct simd_io *io, uint32_t *csr) { switch (io->imm & 7) { SIMD_CASES8(text, 0) } }
#define SIMD_STUB_XI4(name, text) \
	static void simd_stub_##name(struct simd_io *io, uint32_t *csr) { switch (io->imm & 15) { SIMD_CASES16(text, 0) } }
#define SIMD_STUB_XI8(name, text) \
	static void simd_stub_##name(struct simd_io *io, uint32_t *csr) { switch (io->imm) { SIMD_CASES256(text) } }
#define SIMD_STUB_C(name, fn)

#define SIMD_OP(name, form, impl) SIMD_STUB_##form(name, impl)
#include "cpu/simd_ops.def"
#undef SIMD_OP

/* Host stubs take the MXCSR to run under and leave the MXCSR it ended with. */
typedef void (*simd_host_fn)(struct simd_io *io, uint32_t *csr);
typedef void (*simd_c_fn)(struct simd_io *io);

struct simd_op_info {
	const char *name;
	enum simd_form form;
	simd_host_fn host;
	simd_c_fn c;
};

#define SIMD_FN_X(name, impl) simd_stub_##name, NULL
#define SIMD_FN_XI3(name, impl) simd_stub_##name, NULL
#define SIMD_FN_XI4(name, impl) simd_stub_##name, NULL
#define SIMD_FN_XI8(name, impl) simd_stub_##name, NULL
#define SIMD_FN_M(name, impl) simd_stub_##name, NULL
#define SIMD_FN_C(name, impl) NULL, impl

static const struct simd_op_info g_simd_ops[SIMD_OP_COUNT] = {
#define SIMD_OP(name, form, impl) \
	[SIMD_##name] = { #name, SIMD_FORM_##form, SIMD_FN_##form(name, impl) },
#include "cpu/simd_ops.def"
#undef SIMD_OP
};

const char *simd_op_name(enum simd_op op)
{
	return (unsigned)op < SIMD_OP_COUNT ? g_simd_ops[op].name : "?";
}

enum simd_form simd_op_form(enum simd_op op)
{
	if ((unsigned)op >= SIMD_OP_COUNT)
		abort();
	return g_simd_ops[op].form;
}

/* ---------------------------------------------------------------- the trapping run */

static __thread sigjmp_buf *t_trap_jmp;
static __thread uint32_t t_trap_mxcsr;
static struct sigaction g_old_fpe;
static pthread_once_t g_fpe_once = PTHREAD_ONCE_INIT;

static void simd_fpe_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	if (t_trap_jmp) {
		t_trap_mxcsr = uc->uc_mcontext.fpregs ? uc->uc_mcontext.fpregs->mxcsr : 0;
		siglongjmp(*t_trap_jmp, 1);
	}
	/* Not one of our runs: act as whoever had SIGFPE before us would have. */
	if (g_old_fpe.sa_flags & SA_SIGINFO) {
		g_old_fpe.sa_sigaction(sig, si, ctx);
	} else if (g_old_fpe.sa_handler == SIG_DFL || g_old_fpe.sa_handler == SIG_IGN) {
		signal(SIGFPE, SIG_DFL);        /* the faulting instruction reruns and kills us */
	} else {
		g_old_fpe.sa_handler(sig);
	}
}

static void simd_install_fpe(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = simd_fpe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGFPE, &sa, &g_old_fpe) != 0)
		abort();        /* cannot happen for SIGFPE with a valid handler */
}

static inline uint32_t host_stmxcsr(void)
{
	uint32_t csr;

	__asm__ volatile("stmxcsr %0" : "=m"(csr));
	return csr;
}

static inline void host_ldmxcsr(uint32_t csr)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(csr));
}

/* Run with the guest's own masks; an unmasked exception arrives as SIGFPE. */
static uint32_t simd_run_trapping(const struct simd_op_info *info, struct simd_io *io,
				  uint32_t guest)
{
	sigjmp_buf jb;
	uint32_t host_csr = host_stmxcsr();
	uint32_t csr = guest & MXCSR_WRITABLE & ~MXCSR_FLAGS;

	pthread_once(&g_fpe_once, simd_install_fpe);
	/* SA_NODEFER: the handler runs with our signal mask, so there is none to restore. */
	if (sigsetjmp(jb, 0) == 0) {
		t_trap_jmp = &jb;
		info->host(io, &csr);
		t_trap_jmp = NULL;
		return csr & MXCSR_FLAGS;
	}
	/* The signal handler ran with a fresh FPU state; put the host's MXCSR back. */
	t_trap_jmp = NULL;
	host_ldmxcsr(host_csr);
	return t_trap_mxcsr & MXCSR_FLAGS;
}

uint32_t simd_run(enum simd_op op, struct simd_io *io)
{
	const struct simd_op_info *info;
	uint32_t guest = io->mxcsr;
	uint32_t csr = ((guest & MXCSR_WRITABLE) | MXCSR_MASKS) & ~MXCSR_FLAGS;
	uint32_t flags;

	if ((unsigned)op >= SIMD_OP_COUNT)
		abort();
	info = &g_simd_ops[op];
	if (info->form == SIMD_FORM_C) {
		io->out = io->d;
		io->out_md = io->md;
		info->c(io);
		return 0;
	}
	/* With UM clear an exact tiny result is an underflow, which a masked run cannot
	 * show (SDM vol. 1, 11.5.2.5): such guests always take the trapping run. */
	if (!(guest & (MXCSR_UE << MXCSR_MASK_SHIFT)))
		return simd_run_trapping(info, io, guest);
	info->host(io, &csr);
	flags = csr & MXCSR_FLAGS;
	if (flags & ~(guest >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS)
		flags = simd_run_trapping(info, io, guest);
	return flags;
}

/* SDM vol. 1, 11.5.3.2: the flags are set whether or not the exception is masked; an
 * unmasked one is reported as #XM with CR4.OSXMMEXCPT = 1, as #UD without it. */
void simd_fp_exceptions(struct vcpu *v, uint32_t flags)
{
	uint32_t unmasked = flags & ~(v->s.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;

	v->s.mxcsr |= flags & MXCSR_FLAGS;
	if (unmasked)
		cpu_raise(v, (v->s.cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, EXC_NO_ERROR);
}
