/*
 * tests/diff/emu_runner.c - the emulator runner: the same state record run on elzero
 * in the flat test machine (tests/unit/common/emu.h), 64-bit mode at CPL 3, with the
 * layout of diff.h (the read-only page and the unmapped guard page set in the page
 * tables). Exceptions stop the run undelivered, RIP at the faulting instruction.
 */
#include "diff.h"

#include "tests/unit/common/emu.h"

#include <errno.h>
#include <string.h>

#define EMU_MAX_INSNS 100000

static struct emu *g_emu;
static struct cpu_state g_init;         /* the state after setup, restored per case */

static int emu_setup(void)
{
	struct cpu_state *s;

	if (g_emu)
		return 0;
	g_emu = emu_new(EMU_LONG64, 3);
	if (!g_emu)
		return -ENOMEM;
	g_emu->v.vendor = diff_host_vendor() == DIFF_MODEL_AMD ? VENDOR_AMD : VENDOR_INTEL;
	/* Only the code and memory pages are mapped, as in the native child: every other
	 * page of the test machine's RAM is made not present (its system structures are
	 * reached physically, and exceptions stop the run undelivered). */
	for (uint64_t lin = 0; lin < EMU_RAM_SIZE; lin += DIFF_PAGE) {
		bool mem = lin >= DIFF_MEM_ADDR && lin < DIFF_MEM_ADDR + DIFF_MEM_SIZE;

		if (lin == DIFF_MEM_RO_ADDR)
			emu_set_pte(g_emu, lin, 0x5);       /* P | US: read-only */
		else if (lin != DIFF_CODE_ADDR && !mem)
			emu_set_pte(g_emu, lin, 0);         /* not present */
	}
	s = &g_emu->v.s;
	/* The selectors a Linux x86-64 process sees (for MOV r, Sreg and PUSH Sreg). */
	s->seg[SEG_CS].sel = 0x33;
	s->seg[SEG_SS].sel = 0x2b;
	s->seg[SEG_DS].sel = s->seg[SEG_ES].sel = 0;
	s->seg[SEG_FS].sel = s->seg[SEG_GS].sel = 0;
	/* Linux enables XSAVE (CR4.OSXSAVE); the XSAVE forms ask for x87|SSE only
	 * (EDX:EAX = 3), so the host's larger XCR0 does not show. */
	s->cr4 |= CR4_OSXSAVE;
	s->xcr0 = 3;
	g_init = *s;
	return 0;
}

static void emu_load_state(struct emu *e, const struct diff_state *in)
{
	struct cpu_state *s = &e->v.s;
	unsigned top = (in->fsw >> 11) & 7;

	*s = g_init;
	memcpy(s->gpr, in->gpr, sizeof(s->gpr));
	cpu_set_rflags(s, in->rflags);
	s->fcw = in->fcw;
	s->fsw = in->fsw;
	for (unsigned k = 0; k < 8; k++) {
		struct fpreg *r = &s->st[(top + k) & 7];

		memcpy(&r->mant, &in->st[k][0], 8);
		memcpy(&r->sexp, &in->st[k][8], 2);
	}
	fpu_set_tags_from_abridged(s, in->ftw);
	s->mxcsr = in->mxcsr;
	for (unsigned k = 0; k < 16; k++) {
		memset(&s->vr[k], 0, sizeof(s->vr[k]));
		memcpy(s->vr[k].b, in->xmm[k], 16);
	}
	memcpy(e->ram + DIFF_MEM_ADDR, in->mem, DIFF_MEM_SIZE);
	cpu_tlb_flush(&e->v);
}

static void emu_save_state(struct emu *e, struct diff_state *out)
{
	const struct cpu_state *s = &e->v.s;
	unsigned top = (s->fsw >> 11) & 7;

	memcpy(out->gpr, s->gpr, sizeof(out->gpr));
	out->rip = s->rip;
	out->rflags = cpu_get_rflags(s);
	out->fcw = s->fcw;
	out->fsw = s->fsw;
	out->ftw = fpu_abridged_tags(s);
	for (unsigned k = 0; k < 8; k++) {
		const struct fpreg *r = &s->st[(top + k) & 7];

		memcpy(&out->st[k][0], &r->mant, 8);
		memcpy(&out->st[k][8], &r->sexp, 2);
	}
	out->mxcsr = s->mxcsr;
	for (unsigned k = 0; k < 16; k++)
		memcpy(out->xmm[k], s->vr[k].b, 16);
	memcpy(out->mem, e->ram + DIFF_MEM_ADDR, DIFF_MEM_SIZE);
}

static void emu_one(struct emu *e, uint64_t end, const struct diff_state *in, struct diff_result *out)
{
	enum run_exit why;

	memset(out, 0, sizeof(*out));
	emu_load_state(e, in);
	why = emu_run_until(e, in->rip, end, EMU_MAX_INSNS);
	emu_save_state(e, &out->s);
	out->vector = -1;
	switch (why) {
	case RUN_EXIT_BREAKPOINT:
		break;
	case RUN_EXIT_EXCEPTION:
		out->vector = e->exc_vector;
		out->error = e->exc_error == EXC_NO_ERROR ? 0 : e->exc_error;
		if (out->vector == EXC_PF)
			out->fault_addr = e->v.s.cr2;
		/* INT3 and INT1 are traps: the host reports RIP after them. */
		if (out->vector == EXC_BP || out->vector == EXC_DB)
			out->s.rip += 1;
		break;
	default:
		out->runner_failed = true;      /* hang (LIMIT), HLT, shutdown */
		break;
	}
}

int diff_emu_run(const uint8_t *code, size_t len, const struct diff_state *in,
		 struct diff_result *out, size_t n, bool use_ir)
{
	static uint8_t page[DIFF_CODE_SIZE];
	int rc = emu_setup();

	if (rc)
		return rc;
	if (len >= DIFF_CODE_SIZE)
		return -E2BIG;
	memset(page, 0xcc, sizeof(page));
	memcpy(page, code, len);
	emu_load(g_emu, DIFF_CODE_ADDR, page, sizeof(page));
	translate_set_inline(&g_emu->v, use_ir);
	for (size_t k = 0; k < n; k++)
		emu_one(g_emu, DIFF_CODE_ADDR + len, &in[k], &out[k]);
	return 0;
}
