/*
 * translate/operand.c - operand access for instruction handlers (translate/insn.h):
 * effective addresses (SDM vol. 1, 3.7.5), register/memory/immediate operands, and
 * the stack (SDM vol. 1, 6.2). Memory goes through cpu_ld/cpu_st, which fault
 * before anything is changed; stack_push commits RSP only after its store.
 */
#include "translate/insn.h"

#include <stdlib.h>
#include <string.h>

static uint64_t addr_mask(unsigned size)
{
	return size_mask(size);
}

uint64_t insn_ea(const struct vcpu *v, const struct x86_insn *i)
{
	uint64_t ea = (uint64_t)i->disp;

	if (i->rip_rel) /* relative to the next instruction (SDM vol. 2, 2.2.1.6) */
		ea += v->s.rip + i->len;
	if (i->base != 0xff)
		ea += v->s.gpr[i->base];
	if (i->index != 0xff)
		ea += v->s.gpr[i->index] * i->scale;
	return ea & addr_mask(i->addrsize);
}

/* The string operands' address: seg:[rSI] or ES:[rDI] at the address size. */
static uint64_t str_addr(const struct vcpu *v, const struct x86_insn *i, unsigned reg)
{
	return v->s.gpr[reg] & addr_mask(i->addrsize);
}

static bool mem_kind(unsigned kind)
{
	return kind == OPND_MEM || kind == OPND_MOFFS || kind == OPND_STRSRC || kind == OPND_STRDST;
}

static void mem_where(const struct vcpu *v, const struct x86_insn *i, const struct x86_operand *o,
		      unsigned *seg, uint64_t *off)
{
	if (o->kind == OPND_STRSRC) {
		*seg = i->seg;
		*off = str_addr(v, i, 6);
	} else if (o->kind == OPND_STRDST) {
		*seg = SEG_ES;  /* no override (SDM vol. 2, MOVS/STOS) */
		*off = str_addr(v, i, 7);
	} else {
		*seg = i->seg;
		*off = insn_ea(v, i);
	}
}

static bool pow2_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t cr_read(const struct cpu_state *s, unsigned n)
{
	switch (n) {
	case 0: return s->cr0;
	case 2: return s->cr2;
	case 3: return s->cr3;
	case 4: return s->cr4;
	case 8: return s->cr8;
	default: return 0;      /* invalid CRs are the handler's #UD */
	}
}

uint64_t opnd_read(struct vcpu *v, const struct x86_insn *i, unsigned n)
{
	const struct x86_operand *o = &i->opnd[n];
	struct cpu_state *s = &v->s;

	switch (o->kind) {
	case OPND_GPR:
		return gpr_read(s, o->reg, o->size ? o->size : 8, i->has_rex);
	case OPND_IMM:
		return o->reg ? i->imm2 : i->imm;
	case OPND_REL:
	case OPND_FARPTR:
		return i->imm;
	case OPND_SEG:
		return s->seg[o->reg].sel;
	case OPND_CR:
		return cr_read(s, o->reg);
	case OPND_DR:
		return s->dr[o->reg & 7];
	case OPND_XMM:
		return s->vr[o->reg].q[0] & size_mask(o->size ? o->size : 8);
	case OPND_MMX:
		return s->st[o->reg & 7].mant;
	case OPND_ST:
		return s->st[(((s->fsw >> 11) & 7) + o->reg) & 7].mant;
	default:
		break;
	}
	if (mem_kind(o->kind)) {
		unsigned seg;
		uint64_t off, val = 0;

		mem_where(v, i, o, &seg, &off);
		if (pow2_size(o->size))
			return cpu_ld(v, seg, off, o->size);
		/* other sizes: the low 8 bytes (x87/descriptor handlers use cpu_ld_buf) */
		cpu_ld_buf(v, seg, off, &val, o->size < 8 ? o->size : 8);
		return val;
	}
	abort();        /* broken invariant: OPND_NONE read by a handler */
}

void opnd_write(struct vcpu *v, const struct x86_insn *i, unsigned n, uint64_t val)
{
	const struct x86_operand *o = &i->opnd[n];
	struct cpu_state *s = &v->s;

	switch (o->kind) {
	case OPND_GPR:
		gpr_write(s, o->reg, o->size ? o->size : 8, i->has_rex, val);
		return;
	case OPND_XMM: {
		unsigned size = o->size && o->size < 8 ? o->size : 8;

		memcpy(&s->vr[o->reg], &val, size);    /* low bytes; the rest is kept */
		return;
	}
	case OPND_MMX:
		/* SDM vol. 1, 9.5.1: an MMX write sets the exponent field to all ones */
		s->st[o->reg & 7].mant = val;
		s->st[o->reg & 7].sexp = 0xffff;
		return;
	default:
		break;
	}
	if (mem_kind(o->kind)) {
		unsigned seg;
		uint64_t off;

		mem_where(v, i, o, &seg, &off);
		if (pow2_size(o->size))
			cpu_st(v, seg, off, o->size, val);
		else
			cpu_st_buf(v, seg, off, &val, o->size < 8 ? o->size : 8);
		return;
	}
	abort();        /* broken invariant: segment/CR/DR/immediate writes go through
			 * their handlers, not opnd_write */
}

void opnd_read_vec(struct vcpu *v, const struct x86_insn *i, unsigned n, union vreg *out)
{
	const struct x86_operand *o = &i->opnd[n];
	unsigned size = o->size && o->size <= 32 ? o->size : 16;

	memset(out, 0, sizeof(*out));
	if (o->kind == OPND_XMM) {
		memcpy(out, &v->s.vr[o->reg], size);
	} else if (mem_kind(o->kind)) {
		unsigned seg;
		uint64_t off;

		mem_where(v, i, o, &seg, &off);
		cpu_ld_buf(v, seg, off, out, size);
	} else {
		out->q[0] = opnd_read(v, i, n);
	}
}

void opnd_write_vec(struct vcpu *v, const struct x86_insn *i, unsigned n, const union vreg *val)
{
	const struct x86_operand *o = &i->opnd[n];
	unsigned size = o->size && o->size <= 32 ? o->size : 16;

	if (o->kind == OPND_XMM) {
		memcpy(&v->s.vr[o->reg], val, size);
	} else if (mem_kind(o->kind)) {
		unsigned seg;
		uint64_t off;

		mem_where(v, i, o, &seg, &off);
		cpu_st_buf(v, seg, off, val, size);
	} else {
		opnd_write(v, i, n, val->q[0]);
	}
}

/* SDM vol. 1, 6.2.3: 64-bit mode uses RSP; otherwise SS.B selects ESP or SP. */
unsigned stack_addr_size(const struct vcpu *v)
{
	if (cpu_64bit_mode(&v->s))
		return 8;
	return (v->s.seg[SEG_SS].attr & SEGA_DB) ? 4 : 2;
}

/* Replace the stack pointer's low `asize` bytes (SP updates keep RSP[63:16]). */
static void set_sp(struct vcpu *v, unsigned asize, uint64_t sp)
{
	uint64_t *rsp = &v->s.gpr[4];

	if (asize == 2)
		*rsp = (*rsp & ~0xffffull) | (sp & 0xffff);
	else
		*rsp = sp & addr_mask(asize);
}

void stack_push(struct vcpu *v, unsigned size, uint64_t val)
{
	unsigned asize = stack_addr_size(v);
	uint64_t sp = (v->s.gpr[4] - size) & addr_mask(asize);

	cpu_st(v, SEG_SS, sp, size, val);       /* faults leave RSP unchanged */
	set_sp(v, asize, sp);
}

uint64_t stack_pop(struct vcpu *v, unsigned size)
{
	unsigned asize = stack_addr_size(v);
	uint64_t sp = v->s.gpr[4] & addr_mask(asize);
	uint64_t val = cpu_ld(v, SEG_SS, sp, size);

	set_sp(v, asize, sp + size);
	return val;
}

uint64_t stack_peek(struct vcpu *v, unsigned size, uint64_t depth)
{
	unsigned asize = stack_addr_size(v);

	return cpu_ld(v, SEG_SS, (v->s.gpr[4] + depth) & addr_mask(asize), size);
}
