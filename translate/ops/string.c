/*
 * translate/ops/string.c - MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names and REP/REPE/REPZ/REPNE/REPNZ; vol. 1, 7.3.9.
 *
 * All of these are control-transfer handlers: they set rip. Each iteration commits
 * (store, then rSI/rDI/rCX), so a fault in the middle of a string leaves the state of
 * the iterations done and rip on the instruction, which restarts where it stopped.
 * A repeated string runs at most STRING_BATCH iterations per call and then leaves rip
 * on itself, so the run loop can take interrupts in the middle of a long string.
 *
 * Bulk path: a repeated string runs in chunks that stay inside one page for each
 * operand, through host pointers from the soft TLB (cpu_tlb_host_range). A chunk
 * cannot fault (it is taken only when segmentation passes for all of it and the TLB
 * already holds its pages), and rSI/rDI/rCX are committed after each chunk; an element
 * the bulk path cannot take (TLB miss, MMIO, code page, page or segment boundary) runs
 * alone through cpu_ld/cpu_st, which fault with the state exact. The chunks are a
 * function of the addresses and the count only, so runs stay deterministic.
 */
#include "translate/ops/int_ops.h"

#include <string.h>

#define STRING_BATCH 4096

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

/* Element size: 1 for the byte forms, else the operand size. */
static unsigned str_size(const struct x86_insn *i)
{
	return (i->opcode & 1) ? i->opsize : 1;
}

/* Advance a pointer register by +-size at the address size. */
static void str_step(struct vcpu *v, const struct x86_insn *i, unsigned reg, unsigned size)
{
	uint64_t delta = (v->s.rflags & RFLAGS_DF) ? (uint64_t)-(int64_t)size : size;

	int_set_reg(v, reg, i->addrsize, v->s.gpr[reg] + delta);
}

/* One iteration: loads, then the store, then the pointer registers. CMPS/SCAS return
 * their comparison in *a, *b; the caller records the flags. */
static void str_once(struct vcpu *v, const struct x86_insn *i, enum str_kind k, unsigned size,
		     uint64_t *a, uint64_t *b)
{
	uint64_t am = size_mask(i->addrsize);
	uint64_t si = v->s.gpr[R_SI] & am, di = v->s.gpr[R_DI] & am;

	switch (k) {
	case STR_MOVS:
		cpu_st(v, SEG_ES, di, size, cpu_ld(v, i->seg, si, size));
		str_step(v, i, R_SI, size);
		str_step(v, i, R_DI, size);
		break;
	case STR_STOS:
		cpu_st(v, SEG_ES, di, size, int_reg(v, R_AX, size));
		str_step(v, i, R_DI, size);
		break;
	case STR_LODS:
		int_set_reg(v, R_AX, size, cpu_ld(v, i->seg, si, size));
		str_step(v, i, R_SI, size);
		break;
	case STR_CMPS:
		*a = cpu_ld(v, i->seg, si, size);
		*b = cpu_ld(v, SEG_ES, di, size);
		str_step(v, i, R_SI, size);
		str_step(v, i, R_DI, size);
		break;
	case STR_SCAS:
		*a = int_reg(v, R_AX, size);
		*b = cpu_ld(v, SEG_ES, di, size);
		str_step(v, i, R_DI, size);
		break;
	}
}

/* ---------------------------------------------------------------- bulk chunks */

static uint64_t ld_host(const uint8_t *p, unsigned size)
{
	uint64_t x = 0;

	memcpy(&x, p, size);            /* the host is x86-64: little-endian */
	return x;
}

/*
 * Host pointer to the element at seg:off for up to *n elements of `size` going down
 * (DF = 1) or up, the chunk clipped to the page, to the address size (no wrap) and to
 * *n; NULL when not even one element can go in bulk. *n receives the chunk's length.
 */
static uint8_t *str_range(struct vcpu *v, const struct x86_insn *i, unsigned seg, uint64_t off,
			  unsigned size, uint64_t *n, enum mem_access acc)
{
	bool down = v->s.rflags & RFLAGS_DF;
	uint64_t am = size_mask(i->addrsize), lin0, lin, room, lo;
	uint8_t *h;

	if (am - off < size - 1 || !cpu_seg_linear_try(v, seg, off, size, acc, &lin0))
		return NULL;
	if ((lin0 & 0xfff) + size > 4096)
		return NULL;                    /* the element itself crosses the page */
	room = down ? (lin0 & 0xfff) / size + 1 : (4096 - (lin0 & 0xfff)) / size;
	if (down && off / size + 1 < room)
		room = off / size + 1;          /* offset 0 is the last before a wrap */
	if (!down && (am - off - (size - 1)) / size + 1 < room)
		room = (am - off - (size - 1)) / size + 1;
	if (*n > room)
		*n = room;
	lo = down ? off - (*n - 1) * size : off;
	if (!cpu_seg_linear_try(v, seg, lo, *n * size, acc, &lin))
		return NULL;
	h = cpu_tlb_host_range(v, lin, *n * size, acc);
	if (!h)
		return NULL;
	return down ? h + (*n - 1) * size : h;
}

/* Copy n elements in their architectural order (overlapping MOVS replicates). */
static void str_copy(uint8_t *d, const uint8_t *s, uint64_t n, unsigned size, bool down)
{
	uint64_t len = n * size;
	const uint8_t *slo = down ? s - (len - size) : s;
	uint8_t *dlo = down ? d - (len - size) : d;
	intptr_t step = down ? -(intptr_t)size : (intptr_t)size;

	if (dlo + len <= slo || slo + len <= dlo) {
		memcpy(dlo, slo, len);
		return;
	}
	for (uint64_t j = 0; j < n; j++, d += step, s += step) {
		uint64_t x = ld_host(s, size);

		memcpy(d, &x, size);
	}
}

/*
 * Up to max elements of one repeated string in bulk. Returns how many ran (0: none
 * could, the caller runs one through str_once); CMPS/SCAS set *a, *b to the last
 * comparison and *stop when it ended the repetition.
 */
static uint64_t str_bulk(struct vcpu *v, const struct x86_insn *i, enum str_kind k, unsigned size,
			 uint64_t max, uint64_t *a, uint64_t *b, bool *stop)
{
	bool down = v->s.rflags & RFLAGS_DF;
	intptr_t step = down ? -(intptr_t)size : (intptr_t)size;
	uint64_t am = size_mask(i->addrsize), n = max, nd;
	uint64_t si = v->s.gpr[R_SI] & am, di = v->s.gpr[R_DI] & am;
	uint8_t *ps = NULL, *pd = NULL;

	if (k != STR_STOS && k != STR_SCAS && !(ps = str_range(v, i, i->seg, si, size, &n, ACC_READ)))
		return 0;
	nd = n;
	if (k != STR_LODS && !(pd = str_range(v, i, SEG_ES, di, size, &nd,
					       k == STR_MOVS || k == STR_STOS ? ACC_WRITE : ACC_READ)))
		return 0;
	n = nd;
	switch (k) {
	case STR_MOVS:
		str_copy(pd, ps, n, size, down);
		break;
	case STR_STOS: {
		uint64_t x = int_reg(v, R_AX, size);

		if (size == 1)
			memset(down ? pd - (n - 1) : pd, (int)x, n);
		else
			for (uint64_t j = 0; j < n; j++, pd += step)
				memcpy(pd, &x, size);
		break;
	}
	case STR_LODS:
		int_set_reg(v, R_AX, size, ld_host(ps + (intptr_t)(n - 1) * step, size));
		break;
	case STR_CMPS:
	case STR_SCAS:
		for (uint64_t j = 0; j < n; j++) {
			*a = k == STR_CMPS ? ld_host(ps + (intptr_t)j * step, size) : int_reg(v, R_AX, size);
			*b = ld_host(pd + (intptr_t)j * step, size);
			/* REPE (F3) stops when ZF = 0, REPNE (F2) when ZF = 1 */
			if ((((*a - *b) & size_mask(size)) == 0) != (i->rep == REP_F3)) {
				n = j + 1;
				*stop = true;
				break;
			}
		}
		break;
	}
	if (k != STR_STOS && k != STR_SCAS)
		int_set_reg(v, R_SI, i->addrsize, v->s.gpr[R_SI] + (uint64_t)(int64_t)step * n);
	if (k != STR_LODS)
		int_set_reg(v, R_DI, i->addrsize, v->s.gpr[R_DI] + (uint64_t)(int64_t)step * n);
	return n;
}

/*
 * CMPS/SCAS flags are those of the last comparison, recorded when the instruction
 * completes. A repeated one that stops early (a fault, or the end of a batch) leaves
 * RFLAGS as they were: Intel reports a fault in the middle of REPE/REPNE CMPS with the
 * flags of before the instruction (tests/diff repne_cmps*), and the restarted
 * instruction recomputes them anyway.
 */
static void str_run(struct vcpu *v, const struct x86_insn *i, enum str_kind k)
{
	unsigned size = str_size(i);
	uint64_t am = size_mask(i->addrsize), a = 0, b = 0;
	bool cond = k == STR_CMPS || k == STR_SCAS, compared = false;

	if (i->rep == REP_NONE) {
		str_once(v, i, k, size, &a, &b);
		compared = cond;
		goto done;
	}
	for (uint64_t n = 0, got; n < STRING_BATCH; n += got) {
		uint64_t cnt = v->s.gpr[R_CX] & am;
		bool stop = false;

		if (cnt == 0 || (n > 0 && v->exit_request))
			break;
		got = str_bulk(v, i, k, size, cnt < STRING_BATCH - n ? cnt : STRING_BATCH - n,
			       &a, &b, &stop);
		if (got == 0) {
			str_once(v, i, k, size, &a, &b);
			got = 1;
			/* REPE (F3) stops when ZF = 0, REPNE (F2) when ZF = 1; only CMPS/SCAS
			 * test ZF. */
			stop = cond && (((a - b) & size_mask(size)) == 0) != (i->rep == REP_F3);
		}
		int_set_reg(v, R_CX, i->addrsize, v->s.gpr[R_CX] - got);
		compared = cond;
		if (stop)
			goto done;
	}
	if ((v->s.gpr[R_CX] & am) != 0)
		return;                         /* not finished: run again from the same rip */
done:
	if (compared)
		cc_set(&v->s, int_cc(CC_OP_SUBB, size), (a - b) & size_mask(size), b, 0);
	v->s.rip = insn_next_rip(v, i);
}

void exec_MOVS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_MOVS); }
void exec_CMPS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_CMPS); }
void exec_STOS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_STOS); }
void exec_LODS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_LODS); }
void exec_SCAS(struct vcpu *v, const struct x86_insn *i) { str_run(v, i, STR_SCAS); }
