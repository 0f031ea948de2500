/*
 * tests/diff/native.c - the native runner: run a snippet on the host CPU from a state
 * record and report the final state or the exception it raised.
 *
 * A forked child maps the code and memory pages at the fixed addresses of diff.h and
 * runs the cases one after another. The loader (diff_native_enter) restores x87/SSE
 * with FXRSTOR and the GPRs and RFLAGS from a control page at a fixed address, then
 * jumps to the snippet. The snippet ends in INT3; that or any fault arrives as a
 * signal whose frame holds the whole register state (and the vector in trapno), which
 * the handler copies out before it jumps back into the loop with siglongjmp. The child
 * keeps going after faults; if it dies anyway the parent re-forks after that case.
 */
#define _GNU_SOURCE
#include "diff.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* The control page the loader reads, at a fixed address (absolute addressing). */
#define CTL_ADDR    0x10020000ull
#define CTL_FX      0x000               /* FXRSTOR image, 512 bytes */
#define CTL_GPR     0x200               /* 16 GPRs */
#define CTL_RFLAGS  0x280
#define CTL_RIP     0x288
#define CTL_STACK   0xf00               /* scratch stack for POPFQ */

#define S_(x) #x
#define S(x) S_(x)

void diff_native_enter(void) __attribute__((noreturn));
__asm__(".text\n"
	".globl diff_native_enter\n"
	".type diff_native_enter, @function\n"
	"diff_native_enter:\n"
	"	fxrstor64 " S(CTL_ADDR) "\n"
	"	movq $" S(CTL_ADDR) "+" S(CTL_STACK) ", %rsp\n"
	"	pushq " S(CTL_ADDR) "+" S(CTL_RFLAGS) "\n"
	"	popfq\n"
	"	movq " S(CTL_ADDR) "+0x200, %rax\n"
	"	movq " S(CTL_ADDR) "+0x208, %rcx\n"
	"	movq " S(CTL_ADDR) "+0x210, %rdx\n"
	"	movq " S(CTL_ADDR) "+0x218, %rbx\n"
	"	movq " S(CTL_ADDR) "+0x228, %rbp\n"
	"	movq " S(CTL_ADDR) "+0x230, %rsi\n"
	"	movq " S(CTL_ADDR) "+0x238, %rdi\n"
	"	movq " S(CTL_ADDR) "+0x240, %r8\n"
	"	movq " S(CTL_ADDR) "+0x248, %r9\n"
	"	movq " S(CTL_ADDR) "+0x250, %r10\n"
	"	movq " S(CTL_ADDR) "+0x258, %r11\n"
	"	movq " S(CTL_ADDR) "+0x260, %r12\n"
	"	movq " S(CTL_ADDR) "+0x268, %r13\n"
	"	movq " S(CTL_ADDR) "+0x270, %r14\n"
	"	movq " S(CTL_ADDR) "+0x278, %r15\n"
	"	movq " S(CTL_ADDR) "+0x220, %rsp\n"
	"	jmp *" S(CTL_ADDR) "+" S(CTL_RIP) "\n"
	".size diff_native_enter, .-diff_native_enter\n");

/* FXSAVE image layout (SDM vol. 1, 10.5.1, table 10-2) */
struct fx_image {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd0;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t rsvd[96];
};
_Static_assert(sizeof(struct fx_image) == 512, "FXSAVE image is 512 bytes");

/* Child state: the case being run and where its result goes. */
static sigjmp_buf g_jmp;
static struct diff_result *g_cur;
static uint64_t g_end_rip;
static uint8_t g_altstack[64 * 1024];

static void state_to_fx(const struct diff_state *s, struct fx_image *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->fcw = s->fcw;
	fx->fsw = s->fsw;
	fx->ftw = s->ftw;
	fx->mxcsr = s->mxcsr;
	for (int i = 0; i < 8; i++)
		memcpy(fx->st[i], s->st[i], 10);
	memcpy(fx->xmm, s->xmm, sizeof(fx->xmm));
}

static void fx_to_state(const struct fx_image *fx, struct diff_state *s)
{
	s->fcw = fx->fcw;
	s->fsw = fx->fsw;
	s->ftw = fx->ftw;
	s->mxcsr = fx->mxcsr;
	for (int i = 0; i < 8; i++)
		memcpy(s->st[i], fx->st[i], 10);
	memcpy(s->xmm, fx->xmm, sizeof(s->xmm));
}

/* The signal frame's registers, by SDM number. */
static const int g_greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void native_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	struct diff_result *r = g_cur;

	(void)sig;
	(void)si;
	for (int n = 0; n < 16; n++)
		r->s.gpr[n] = (uint64_t)g[g_greg_of[n]];
	r->s.rip = (uint64_t)g[REG_RIP];
	r->s.rflags = (uint64_t)g[REG_EFL];
	r->vector = (int)g[REG_TRAPNO];
	r->error = (uint32_t)g[REG_ERR];
	r->fault_addr = r->vector == 14 ? (uint64_t)g[REG_CR2] : 0;
	if (uc->uc_mcontext.fpregs)
		fx_to_state((const struct fx_image *)uc->uc_mcontext.fpregs, &r->s);
	/* INT3 at the end of the snippet: a normal end (RIP is after the INT3). */
	if (r->vector == 3 && r->s.rip == g_end_rip + 1) {
		r->vector = -1;
		r->error = 0;
		r->s.rip = g_end_rip;
	}
	siglongjmp(g_jmp, 1);
}

static int native_map(uint64_t addr, size_t len, int prot)
{
	void *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)addr) {
		munmap(p, len);
		return -EEXIST;
	}
	return 0;
}

static int native_child_setup(void)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = g_altstack, .ss_size = sizeof(g_altstack) };
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
	int err;

	if ((err = native_map(DIFF_CODE_ADDR, DIFF_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    (err = native_map(DIFF_MEM_ADDR, DIFF_MEM_SIZE, PROT_READ | PROT_WRITE)) ||
	    (err = native_map(CTL_ADDR, DIFF_PAGE, PROT_READ | PROT_WRITE)))
		return err;
	/* The guard page must stay unmapped: claim it and give it back. */
	if ((err = native_map(DIFF_GUARD_ADDR, DIFF_PAGE, PROT_NONE)))
		return err;
	munmap((void *)DIFF_GUARD_ADDR, DIFF_PAGE);
	if (sigaltstack(&ss, NULL))
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = native_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		if (sigaction(sigs[k], &sa, NULL))
			return -errno;
	return 0;
}

static void native_one(const struct diff_state *in, struct diff_result *out)
{
	struct fx_image *fx = (struct fx_image *)(uintptr_t)CTL_ADDR;
	uint64_t *ctl = (uint64_t *)(uintptr_t)CTL_ADDR;
	static struct fx_image host_fx __attribute__((aligned(16)));

	memset(out, 0, sizeof(*out));
	out->vector = -2;
	mprotect((void *)DIFF_MEM_RO_ADDR, DIFF_PAGE, PROT_READ | PROT_WRITE);
	memcpy((void *)(uintptr_t)DIFF_MEM_ADDR, in->mem, DIFF_MEM_SIZE);
	mprotect((void *)DIFF_MEM_RO_ADDR, DIFF_PAGE, PROT_READ);
	state_to_fx(in, fx);
	memcpy(&ctl[CTL_GPR / 8], in->gpr, sizeof(in->gpr));
	ctl[CTL_RFLAGS / 8] = in->rflags;
	ctl[CTL_RIP / 8] = in->rip;
	g_cur = out;
	__asm__ volatile("fxsave64 %0" : "=m"(host_fx));
	if (sigsetjmp(g_jmp, 1) == 0)
		diff_native_enter();
	__asm__ volatile("fxrstor64 %0" : : "m"(host_fx));
	memcpy(out->s.mem, (void *)(uintptr_t)DIFF_MEM_ADDR, DIFF_MEM_SIZE);
}

/*
 * The child is a server that lives across forms: forking an ASan-instrumented process
 * per form costs more than all the cases together. Jobs go through a shared page:
 * the parent fills in the code and up to NATIVE_BATCH states, writes a byte to the
 * child's pipe and reads one back when the job is done. If the read sees end-of-file
 * the child died in case `done`: the parent reports that case and starts a new child.
 */
#define NATIVE_BATCH 64

struct native_job {
	size_t len, n;
	volatile size_t done;           /* cases finished, updated by the child */
	uint8_t code[DIFF_CODE_SIZE];
	struct diff_state in[NATIVE_BATCH];
	struct diff_result out[NATIVE_BATCH];
};

static struct native_job *g_job;
static pid_t g_child = -1;
static int g_to_child = -1, g_from_child = -1;

static void native_child_loop(int rfd, int wfd)
{
	char c;

	if (native_child_setup())
		_exit(2);
	while (read(rfd, &c, 1) == 1) {
		memset((void *)(uintptr_t)DIFF_CODE_ADDR, 0xcc, DIFF_CODE_SIZE);
		memcpy((void *)(uintptr_t)DIFF_CODE_ADDR, g_job->code, g_job->len);
		g_end_rip = DIFF_CODE_ADDR + g_job->len;
		alarm(20);      /* a snippet that never ends must not hang the test */
		for (size_t k = g_job->done; k < g_job->n; k++) {
			native_one(&g_job->in[k], &g_job->out[k]);
			g_job->done = k + 1;
		}
		alarm(0);
		if (write(wfd, &c, 1) != 1)
			break;
	}
	_exit(0);
}

static void native_stop(void)
{
	int status;

	if (g_child < 0)
		return;
	close(g_to_child);
	close(g_from_child);
	waitpid(g_child, &status, 0);
	g_child = -1;
}

static int native_start(void)
{
	int down[2], up[2];

	if (!g_job) {
		void *p = mmap(NULL, sizeof(*g_job), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		g_job = p;
		atexit(native_stop);
	}
	if (pipe(down))
		return -errno;
	if (pipe(up)) {
		close(down[0]);
		close(down[1]);
		return -errno;
	}
	fflush(NULL);
	g_child = fork();
	if (g_child < 0) {
		int err = -errno;

		close(down[0]); close(down[1]); close(up[0]); close(up[1]);
		return err;
	}
	if (g_child == 0) {
		close(down[1]);
		close(up[0]);
		native_child_loop(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	g_to_child = down[1];
	g_from_child = up[0];
	return 0;
}

/* Run g_job's cases from g_job->done on; returns 0, or -errno if no child can run. */
static int native_job_run(void)
{
	char c = 1;
	int status;

	while (g_job->done < g_job->n) {
		if (g_child < 0) {
			int rc = native_start();

			if (rc)
				return rc;
		}
		if (write(g_to_child, &c, 1) == 1 && read(g_from_child, &c, 1) == 1)
			continue;
		/* The child died: in case `done` (or while setting up). */
		close(g_to_child);
		close(g_from_child);
		waitpid(g_child, &status, 0);
		g_child = -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
			return -EADDRINUSE;     /* the fixed layout could not be mapped */
		if (g_job->done < g_job->n) {
			g_job->out[g_job->done].runner_failed = true;
			g_job->done++;
		}
	}
	return 0;
}

int diff_native_run(const uint8_t *code, size_t len, const struct diff_state *in,
		    struct diff_result *out, size_t n)
{
	if (len >= DIFF_CODE_SIZE)
		return -E2BIG;
	signal(SIGPIPE, SIG_IGN);
	for (size_t base = 0; base < n; base += NATIVE_BATCH) {
		size_t cnt = n - base < NATIVE_BATCH ? n - base : NATIVE_BATCH;
		int rc;

		if (!g_job && (rc = native_start()))
			return rc;
		g_job->len = len;
		g_job->n = cnt;
		g_job->done = 0;
		memcpy(g_job->code, code, len);
		memcpy(g_job->in, in + base, cnt * sizeof(*in));
		memset(g_job->out, 0, cnt * sizeof(*out));
		if ((rc = native_job_run()))
			return rc;
		memcpy(out + base, g_job->out, cnt * sizeof(*out));
	}
	return 0;
}
