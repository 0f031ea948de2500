/*
 * translate/ir.c - the IR op table, value allocation and the builder API (ir.h).
 */
#include "translate/ir.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ir_op_def ir_op_defs[IR_OPC_COUNT] = {
#define DEF(name, nout, nin, nconst, flags) [IR_##name] = { #name, nout, nin, nconst, flags },
#include "translate/ir.def"
#undef DEF
};

static const size_t global_offsets[IR_G_COUNT] = {
#define GPR(n) [IR_G_GPR0 + n] = offsetof(struct cpu_state, gpr) + 8 * n
	GPR(0), GPR(1), GPR(2), GPR(3), GPR(4), GPR(5), GPR(6), GPR(7),
	GPR(8), GPR(9), GPR(10), GPR(11), GPR(12), GPR(13), GPR(14), GPR(15),
#undef GPR
	[IR_G_RIP] = offsetof(struct cpu_state, rip),
	[IR_G_RFLAGS] = offsetof(struct cpu_state, rflags),
	[IR_G_CC_DST] = offsetof(struct cpu_state, cc_dst),
	[IR_G_CC_SRC] = offsetof(struct cpu_state, cc_src),
	[IR_G_CC_SRC2] = offsetof(struct cpu_state, cc_src2),
};

size_t ir_global_offset(enum ir_global g)
{
	return global_offsets[g];
}

const char *ir_global_name(enum ir_global g)
{
	static const char *const names[IR_G_COUNT] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rip", "rflags", "cc_dst", "cc_src", "cc_src2",
	};
	return names[g];
}

bool ir_cond_eval(enum ir_cond c, uint64_t a, uint64_t b)
{
	switch (c) {
	case IR_COND_EQ: return a == b;
	case IR_COND_NE: return a != b;
	case IR_COND_LTU: return a < b;
	case IR_COND_GEU: return a >= b;
	case IR_COND_LEU: return a <= b;
	case IR_COND_GTU: return a > b;
	case IR_COND_LT: return (int64_t)a < (int64_t)b;
	case IR_COND_GE: return (int64_t)a >= (int64_t)b;
	case IR_COND_LE: return (int64_t)a <= (int64_t)b;
	case IR_COND_GT: return (int64_t)a > (int64_t)b;
	case IR_COND_TSTEQ: return (a & b) == 0;
	case IR_COND_TSTNE: return (a & b) != 0;
	default: abort();
	}
}

void ir_reset(struct ir_block *b)
{
	b->nops = 0;
	b->nvals = IR_G_COUNT;
	b->ntemps = 0;
	b->nlabels = 0;
	b->cur_insn = 0;
	for (unsigned g = 0; g < IR_G_COUNT; g++)
		b->vals[g] = (struct ir_val){ .kind = IRV_GLOBAL };
}

bool ir_room(const struct ir_block *b, unsigned ops, unsigned vals)
{
	return b->nops + ops <= IR_MAX_OPS && b->nvals + vals <= IR_MAX_VALS;
}

static uint32_t new_val(struct ir_block *b, enum ir_val_kind kind, uint64_t c)
{
	if (b->nvals >= IR_MAX_VALS)
		abort();        /* the translator checks ir_room() before each instruction */
	b->vals[b->nvals] = (struct ir_val){ .kind = kind, .c = c };
	return b->nvals++;
}

uint32_t ir_temp(struct ir_block *b)
{
	b->ntemps++;
	return new_val(b, IRV_TEMP, 0);
}

uint32_t ir_const(struct ir_block *b, uint64_t c)
{
	/* Reuse a recent equal constant: blocks use the same few again and again. */
	unsigned lo = b->nvals > IR_G_COUNT + 16 ? b->nvals - 16 : IR_G_COUNT;
	for (unsigned i = b->nvals; i-- > lo;)
		if (b->vals[i].kind == IRV_CONST && b->vals[i].c == c)
			return i;
	return new_val(b, IRV_CONST, c);
}

unsigned ir_new_label(struct ir_block *b)
{
	return b->nlabels++;
}

struct ir_op *ir_emit(struct ir_block *b, enum ir_opc opc)
{
	struct ir_op *op;

	if (b->nops >= IR_MAX_OPS)
		abort();        /* see ir_room() */
	op = &b->ops[b->nops++];
	memset(op, 0, sizeof(*op));
	op->opc = opc;
	op->insn = b->cur_insn;
	for (unsigned k = 0; k < IR_MAX_ARGS; k++)
		op->args[k] = IR_NONE;
	return op;
}

static struct ir_op *emit3(struct ir_block *b, enum ir_opc opc, uint32_t a0, uint32_t a1, uint32_t a2)
{
	struct ir_op *op = ir_emit(b, opc);

	op->args[0] = a0;
	op->args[1] = a1;
	op->args[2] = a2;
	return op;
}

void ir_mov(struct ir_block *b, uint32_t dst, uint32_t src)
{
	emit3(b, IR_mov, dst, src, IR_NONE);
}

void ir_movi(struct ir_block *b, uint32_t dst, uint64_t c)
{
	ir_mov(b, dst, ir_const(b, c));
}

uint32_t ir_unop(struct ir_block *b, enum ir_opc opc, uint32_t a)
{
	uint32_t d = ir_temp(b);

	emit3(b, opc, d, a, IR_NONE);
	return d;
}

uint32_t ir_binop(struct ir_block *b, enum ir_opc opc, uint32_t a, uint32_t c)
{
	uint32_t d = ir_temp(b);

	emit3(b, opc, d, a, c);
	return d;
}

void ir_binop_to(struct ir_block *b, enum ir_opc opc, uint32_t dst, uint32_t a, uint32_t c)
{
	emit3(b, opc, dst, a, c);
}

uint32_t ir_setcond(struct ir_block *b, enum ir_cond cond, uint32_t a, uint32_t c)
{
	uint32_t d = ir_temp(b);

	emit3(b, IR_setcond, d, a, c)->c[0] = cond;
	return d;
}

uint32_t ir_select(struct ir_block *b, uint32_t cond, uint32_t a, uint32_t c)
{
	uint32_t d = ir_temp(b);
	struct ir_op *op = emit3(b, IR_select, d, cond, a);

	op->args[3] = c;
	return d;
}

uint32_t ir_deposit(struct ir_block *b, uint32_t a, uint32_t c, unsigned pos, unsigned len)
{
	uint32_t d = ir_temp(b);

	emit3(b, IR_deposit, d, a, c)->c[0] = pos | len << 8;
	return d;
}

uint32_t ir_extract(struct ir_block *b, uint32_t a, unsigned pos, unsigned len)
{
	uint32_t d = ir_temp(b);

	emit3(b, IR_extract, d, a, IR_NONE)->c[0] = pos | len << 8;
	return d;
}

void ir_set_cc_op(struct ir_block *b, unsigned cc_op)
{
	ir_emit(b, IR_set_cc_op)->c[0] = cc_op;
}

uint32_t ir_ld(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr)
{
	uint32_t d = ir_temp(b);

	emit3(b, IR_ld, d, addr, IR_NONE)->c[0] = seg | size << 8;
	return d;
}

uint32_t ir_ld_rmw(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr)
{
	uint32_t d = ir_temp(b);

	emit3(b, IR_ld, d, addr, IR_NONE)->c[0] = seg | size << 8 | IR_LD_RMW;
	return d;
}

void ir_st(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr, uint32_t val)
{
	emit3(b, IR_st, addr, val, IR_NONE)->c[0] = seg | size << 8;
}

void ir_call_exec(struct ir_block *b, unsigned insn)
{
	ir_emit(b, IR_call_exec)->c[0] = insn;
}

uint32_t ir_call(struct ir_block *b, enum ir_helper h, bool pure, uint32_t a, uint32_t c)
{
	uint32_t d = ir_temp(b);

	emit3(b, pure ? IR_call_pure : IR_call, d, a, c)->c[0] = h;
	return d;
}

void ir_label(struct ir_block *b, unsigned label)
{
	ir_emit(b, IR_label)->c[0] = label;
}

void ir_br(struct ir_block *b, unsigned label)
{
	ir_emit(b, IR_br)->c[0] = label;
}

void ir_brcond(struct ir_block *b, enum ir_cond cond, uint32_t a, uint32_t c, unsigned label)
{
	struct ir_op *op = emit3(b, IR_brcond, a, c, IR_NONE);

	op->c[0] = cond;
	op->c[1] = label;
}

void ir_exit(struct ir_block *b, unsigned ninsns, unsigned slot)
{
	struct ir_op *op = ir_emit(b, IR_exit);

	op->c[0] = ninsns;
	op->c[1] = slot;
}

void ir_exit_to(struct ir_block *b, uint32_t rip, unsigned ninsns, unsigned slot)
{
	struct ir_op *op = ir_emit(b, IR_exit_to);

	op->args[0] = rip;
	op->c[0] = ninsns;
	op->c[1] = slot;
}

void ir_smc_check(struct ir_block *b, unsigned insn)
{
	ir_emit(b, IR_smc_check)->c[0] = insn;
}

static int fmt_val(const struct ir_block *b, uint32_t v, char *buf, size_t len)
{
	if (v == IR_NONE)
		return snprintf(buf, len, "-");
	switch (b->vals[v].kind) {
	case IRV_GLOBAL: return snprintf(buf, len, "%s", ir_global_name(v));
	case IRV_CONST: return snprintf(buf, len, "$0x%" PRIx64, b->vals[v].c);
	default: return snprintf(buf, len, "t%u", v);
	}
}

void ir_dump(const struct ir_block *b, void (*out)(const char *line, void *opaque), void *opaque)
{
	char line[256];

	for (unsigned n = 0; n < b->nops; n++) {
		const struct ir_op *op = &b->ops[n];
		const struct ir_op_def *def = &ir_op_defs[op->opc];
		int pos = snprintf(line, sizeof(line), "%4u [%2u] %-10s", n, op->insn, def->name);

		for (unsigned k = 0; k < (unsigned)(def->nout + def->nin) && pos < (int)sizeof(line) - 32; k++) {
			pos += snprintf(line + pos, sizeof(line) - pos, k ? ", " : " ");
			pos += fmt_val(b, op->args[k], line + pos, sizeof(line) - pos);
		}
		for (unsigned k = 0; k < def->nconst && pos < (int)sizeof(line) - 24; k++)
			pos += snprintf(line + pos, sizeof(line) - pos, "%s#%" PRIu64,
					(def->nout + def->nin + k) ? ", " : " ", op->c[k]);
		out(line, opaque);
	}
}
