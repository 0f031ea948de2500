/*
 * translate/interp.c - the reference backend: an IR interpreter.
 *
 * A block's IR is compiled once into an array of struct iop (engine.h): direct
 * threading with computed goto, every operand a host pointer to where the value
 * lives (a cpu_state field for globals, tb_cache.tmp[] for temporaries, the block's
 * constant pool for constants), so an op is a load or two, the operation and a store.
 */
#include "translate/engine.h"

#include <stdlib.h>
#include <string.h>

/* The interpreter's label tables (interp_run publishes them on its first call). */
static struct {
	const void *const *op;          /* by enum ir_opc */
	const void *const *brcond;      /* brcond by enum ir_cond */
	const void *const *setcond;     /* setcond by enum ir_cond */
	const void *const *imm;         /* binary op with a constant second input, or NULL */
	const void *const *ld64;        /* 64-bit mode load by log2(size), TLB fast path */
	const void *const *st64;        /* 64-bit mode store by log2(size) */
	const void *set_cc_op_mov;      /* set_cc_op fused with the mov after it */
} g_interp;

/*
 * Loads and stores in 64-bit mode through DS/ES/SS/CS (base 0, no limit) can look the
 * soft TLB up inline (the layout is public: cpu/cpu.h, struct tlb_entry) and fall
 * back to cpu_ld/cpu_st for anything else: a miss, MMIO, a page crossing, a
 * non-canonical address, a possible #AC, or (stores) a page with translated code.
 */
static void compile_mem(const struct tb *tb, const struct ir_op *op, struct iop *o)
{
	unsigned seg = op->c[0] & 0xff, size = (op->c[0] >> 8) & 0xff;
	bool user = ((tb->flags >> TBF_CPL_SHIFT) & 3) == 3;

	if (!(tb->flags & TBF_CODE64) || seg == SEG_FS || seg == SEG_GS ||
	    seg == SEG_NONE || (size != 1 && size != 2 && size != 4 && size != 8))
		return;
	o->lab = (op->opc == IR_ld ? g_interp.ld64 : g_interp.st64)[size_log2(size)];
	o->c = (user ? TLB_CLASS_USER : TLB_CLASS_SUP) | TLB_VALID;
	/* The canonical check's shift (SDM vol. 1, 3.3.7.1: 48 bits, 57 with CR4.LA57)
	 * in the top byte of aux, above seg, size and IR_LD_RMW. */
	o->aux |= (tb->flags & TBF_LA57 ? 64u - 57 : 64u - 48) << IOP_CANON_SHIFT;
}

static uint64_t *val_ptr(struct tb_cache *tc, const struct ir_block *ir, struct tb *tb,
			 int32_t *const_slot, unsigned *nconst, uint32_t val)
{
	if (val == IR_NONE)
		return NULL;
	switch (ir->vals[val].kind) {
	case IRV_GLOBAL:
		return (uint64_t *)((char *)&tc->v->s + ir_global_offset(val));
	case IRV_CONST:
		if (const_slot[val] < 0) {
			const_slot[val] = (int32_t)(*nconst)++;
			tb->consts[const_slot[val]] = ir->vals[val].c;
		}
		return &tb->consts[const_slot[val]];
	default:
		return &tc->tmp[val];
	}
}

unsigned interp_count_consts(const struct ir_block *ir)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ir->nvals; i++)
		n += ir->vals[i].kind == IRV_CONST;
	return n;
}

/* Does op i take op i + 1 into its iop? set_cc_op and a following mov (usually the
 * result going to cc_dst or the source to cc_src) become one iop. */
static bool fuses_next(const struct ir_block *ir, unsigned i)
{
	return ir->ops[i].opc == IR_set_cc_op && i + 1 < ir->nops && ir->ops[i + 1].opc == IR_mov;
}

/* Compile ir into tb->code (sized by the caller: at most one iop per non-label op). */
void interp_compile(struct tb_cache *tc, const struct ir_block *ir, struct tb *tb)
{
	int32_t *const_slot = tc->const_slot;
	uint32_t *label_pos = tc->label_pos;
	unsigned n = 0, nconst = 0;

	if (!g_interp.op)
		interp_run(NULL, NULL);
	for (unsigned i = 0; i < ir->nvals; i++)
		const_slot[i] = -1;
	for (unsigned i = 0; i < ir->nops; i++) {
		if (ir->ops[i].opc == IR_label)
			label_pos[ir->ops[i].c[0]] = n;
		else
			n++;
		if (fuses_next(ir, i))
			i++;
	}
	n = 0;
	for (unsigned i = 0; i < ir->nops; i++) {
		const struct ir_op *op = &ir->ops[i];
		const struct ir_op_def *def = &ir_op_defs[op->opc];
		struct iop *o;
		uint32_t in[3] = { IR_NONE, IR_NONE, IR_NONE };

		if (op->opc == IR_label)
			continue;
		o = &tb->code[n++];
		memset(o, 0, sizeof(*o));
		o->lab = g_interp.op[op->opc];
		o->insn = op->insn;
		if (def->nout)
			o->d = val_ptr(tc, ir, tb, const_slot, &nconst, op->args[0]);
		for (unsigned k = 0; k < def->nin; k++)
			in[k] = op->args[def->nout + k];
		o->a = val_ptr(tc, ir, tb, const_slot, &nconst, in[0]);
		o->b = val_ptr(tc, ir, tb, const_slot, &nconst, in[1]);
		o->c = op->c[0];
		o->aux = (uint32_t)op->c[0];
		if (def->nin == 2 && def->nout == 1 && g_interp.imm[op->opc] && in[1] != IR_NONE &&
		    ir->vals[in[1]].kind == IRV_CONST) {
			o->lab = g_interp.imm[op->opc];         /* the constant inline in c */
			o->c = ir->vals[in[1]].c;
		}
		switch (op->opc) {
		case IR_setcond:
			o->lab = g_interp.setcond[op->c[0]];
			break;
		case IR_select:
			o->c = (uintptr_t)val_ptr(tc, ir, tb, const_slot, &nconst, in[2]);
			break;
		case IR_br:
			o->c = (uintptr_t)&tb->code[label_pos[op->c[0]]];
			break;
		case IR_brcond:
			o->lab = g_interp.brcond[op->c[0]];
			o->c = (uintptr_t)&tb->code[label_pos[op->c[1]]];
			break;
		case IR_ld:
			compile_mem(tb, op, o);
			break;
		case IR_st:
			compile_mem(tb, op, o);
			/* The fast path never writes a page with translated code (the soft TLB
			 * has no write entry for one), so it can skip the smc_check after it. */
			if (o->lab != g_interp.op[IR_st] && i + 1 < ir->nops &&
			    ir->ops[i + 1].opc == IR_smc_check)
				o->aux |= IOP_ST_SKIP_SMC;
			break;
		case IR_exit:
		case IR_exit_to:
			o->aux = (uint32_t)op->c[1];
			break;
		case IR_set_cc_op:
			if (fuses_next(ir, i)) {
				i++;
				o->lab = g_interp.set_cc_op_mov;
				o->d = val_ptr(tc, ir, tb, const_slot, &nconst, ir->ops[i].args[0]);
				o->a = val_ptr(tc, ir, tb, const_slot, &nconst, ir->ops[i].args[1]);
			}
			break;
		default:
			break;
		}
	}
	tb->ncode = n;
}

#define COND_CASES(X) \
	X(EQ, a == b) X(NE, a != b) X(LTU, a < b) X(GEU, a >= b) X(LEU, a <= b) X(GTU, a > b) \
	X(LT, (int64_t)a < (int64_t)b) X(GE, (int64_t)a >= (int64_t)b) \
	X(LE, (int64_t)a <= (int64_t)b) X(GT, (int64_t)a > (int64_t)b) \
	X(TSTEQ, (a & b) == 0) X(TSTNE, (a & b) != 0)

static inline bool cond_eval(uint32_t cond, uint64_t a, uint64_t b)
{
	switch (cond) {
#define X(name, expr) case IR_COND_##name: return expr;
	COND_CASES(X)
#undef X
	default: return false;
	}
}

/* The block at the RIP a computed jump in the same mode (IR_EXIT_LOOKUP) left for,
 * if the jump cache has it and the code TLB still maps it (as tb_find checks). */
static inline struct tb *interp_lookup(struct vcpu *v, struct tb_cache *tc, const struct tb *tb)
{
	uint64_t lin = tb->cs_base + v->s.rip;
	struct tb *next;

	if (!(tb->flags & TBF_CODE64))
		return NULL;
	next = tc->jc[jc_hash(lin)];
	if (!next || next->pc != v->s.rip || next->cs_base != tb->cs_base || next->flags != tb->flags)
		return NULL;
	return tb_code_mapped(v, next, lin) ? next : NULL;
}

/*
 * Run one block. Returns the exit slot it left by (IR_EXIT_INDIRECT when RIP was
 * computed). v == NULL only publishes the label table for interp_compile.
 */
int interp_run(struct vcpu *v, struct tb *tb)
{
	static const void *const labels[IR_OPC_COUNT] = {
#define DEF(name, nout, nin, nconst, flags) [IR_##name] = &&op_##name,
#include "translate/ir.def"
#undef DEF
	};
	static const void *const brcond[IR_COND_COUNT] = {
#define X(name, expr) [IR_COND_##name] = &&brcond_##name,
		COND_CASES(X)
#undef X
	};
	static const void *const setcond[IR_COND_COUNT] = {
#define X(name, expr) [IR_COND_##name] = &&setcond_##name,
		COND_CASES(X)
#undef X
	};
	static const void *const imm[IR_OPC_COUNT] = {
		[IR_add] = &&imm_add, [IR_sub] = &&imm_sub, [IR_and] = &&imm_and, [IR_or] = &&imm_or,
		[IR_xor] = &&imm_xor, [IR_shl] = &&imm_shl, [IR_shr] = &&imm_shr, [IR_sar] = &&imm_sar,
	};
	static const void *const ld64[4] = { &&ld64_1, &&ld64_2, &&ld64_4, &&ld64_8 };
	static const void *const st64[4] = { &&st64_1, &&st64_2, &&st64_4, &&st64_8 };
	struct tb_cache *tc;
	const struct iop *op;

	if (!v) {
		g_interp.ld64 = ld64;
		g_interp.st64 = st64;
		g_interp.op = labels;
		g_interp.brcond = brcond;
		g_interp.setcond = setcond;
		g_interp.imm = imm;
		g_interp.set_cc_op_mov = &&set_cc_op_mov;
		return 0;
	}
	tc = tb_cache_of(v);
	op = tb->code;
#define NEXT() do { op++; goto *op->lab; } while (0)
#define A (*op->a)
#define B (*op->b)
	goto *op->lab;

op_mov:    *op->d = A; NEXT();
imm_add:   *op->d = A + op->c; NEXT();
imm_sub:   *op->d = A - op->c; NEXT();
imm_and:   *op->d = A & op->c; NEXT();
imm_or:    *op->d = A | op->c; NEXT();
imm_xor:   *op->d = A ^ op->c; NEXT();
imm_shl:   *op->d = A << (op->c & 63); NEXT();
imm_shr:   *op->d = A >> (op->c & 63); NEXT();
imm_sar:   *op->d = (uint64_t)((int64_t)A >> (op->c & 63)); NEXT();
op_add:    *op->d = A + B; NEXT();
op_sub:    *op->d = A - B; NEXT();
op_and:    *op->d = A & B; NEXT();
op_or:     *op->d = A | B; NEXT();
op_xor:    *op->d = A ^ B; NEXT();
op_shl:    *op->d = A << (B & 63); NEXT();
op_shr:    *op->d = A >> (B & 63); NEXT();
op_sar:    *op->d = (uint64_t)((int64_t)A >> (B & 63)); NEXT();
op_mul:    *op->d = A * B; NEXT();
op_neg:    *op->d = -A; NEXT();
op_not:    *op->d = ~A; NEXT();
op_ext8u:  *op->d = (uint8_t)A; NEXT();
op_ext16u: *op->d = (uint16_t)A; NEXT();
op_ext32u: *op->d = (uint32_t)A; NEXT();
op_ext8s:  *op->d = (uint64_t)(int64_t)(int8_t)A; NEXT();
op_ext16s: *op->d = (uint64_t)(int64_t)(int16_t)A; NEXT();
op_ext32s: *op->d = (uint64_t)(int64_t)(int32_t)A; NEXT();
op_setcond:
	*op->d = cond_eval(op->aux, A, B);      /* not reached: per-condition labels */
	NEXT();
#define X(name, expr) setcond_##name: { uint64_t a = A, b = B; *op->d = (expr); NEXT(); }
	COND_CASES(X)
#undef X
#define X(name, expr) brcond_##name: { uint64_t a = A, b = B; \
	if (expr) { op = (const struct iop *)(uintptr_t)op->c; goto *op->lab; } NEXT(); }
	COND_CASES(X)
#undef X
op_select:
	*op->d = A ? B : *(const uint64_t *)(uintptr_t)op->c;
	NEXT();
op_deposit: {
	unsigned pos = op->aux & 0xff, len = op->aux >> 8;
	uint64_t mask = (len >= 64 ? ~0ull : (1ull << len) - 1) << pos;
	*op->d = (A & ~mask) | ((B << pos) & mask);
	NEXT();
}
op_extract: {
	unsigned pos = op->aux & 0xff, len = op->aux >> 8;
	*op->d = (A >> pos) & (len >= 64 ? ~0ull : (1ull << len) - 1);
	NEXT();
}
op_set_cc_op:
	v->s.cc_op = (uint32_t)op->c;
	NEXT();
set_cc_op_mov:
	v->s.cc_op = (uint32_t)op->c;
	*op->d = A;
	NEXT();
	/* TLB fast paths (compile_mem); the slow path is the generic op. */
#define TLB_HIT(tlb, size) ({ \
	uint64_t lin_ = A; \
	unsigned sh_ = op->aux >> IOP_CANON_SHIFT; \
	const struct tlb_entry *e_ = &v->tlb[cpu_tlb_index(v, lin_)]; \
	(uint64_t)((int64_t)(lin_ << sh_) >> sh_) == lin_ && \
	e_->vpage == ((lin_ & ~0xfffull) | v->tlb_space | op->c) && !e_->flags && \
	(lin_ & 0xfff) + (size) <= 4096 && \
	(!(lin_ & ((size) - 1)) || !(v->s.rflags & RFLAGS_AC)) ? \
		(void *)(uintptr_t)(lin_ + e_->addend) : NULL; })
#define LD64(size, type) \
ld64_##size: { \
	void *h_ = (op->aux & IR_LD_RMW) ? TLB_HIT(tlb_write, size) : TLB_HIT(tlb_read, size); \
	type x_; \
	if (__builtin_expect(!h_, 0)) \
		goto op_ld; \
	memcpy(&x_, h_, size); \
	*op->d = x_; \
	NEXT(); \
}
#define ST64(size, type) \
st64_##size: { \
	void *h_ = TLB_HIT(tlb_write, size); \
	type x_ = (type)B; \
	if (__builtin_expect(!h_, 0)) \
		goto op_st; \
	memcpy(h_, &x_, size); \
	op += 1 + ((op->aux & IOP_ST_SKIP_SMC) != 0); \
	goto *op->lab; \
}
	LD64(1, uint8_t) LD64(2, uint16_t) LD64(4, uint32_t) LD64(8, uint64_t)
	ST64(1, uint8_t) ST64(2, uint16_t) ST64(4, uint32_t) ST64(8, uint64_t)
#undef LD64
#undef ST64
#undef TLB_HIT
op_ld:
	tc->cur_insn = op->insn;
	if (op->aux & IR_LD_RMW)
		cpu_probe(v, op->aux & 0xff, A, (op->aux >> 8) & 0xff, ACC_WRITE);
	*op->d = cpu_ld(v, op->aux & 0xff, A, (op->aux >> 8) & 0xff);
	NEXT();
op_st:
	tc->cur_insn = op->insn;
	cpu_st(v, op->aux & 0xff, A, (op->aux >> 8) & 0xff, B);
	NEXT();
op_call_exec:
	tc->cur_insn = op->insn;
	v->s.rip = tb->insn_rip[op->c];
	tb->fns[op->c](v, &tb->insns[op->c]);
	NEXT();
op_call:
	tc->cur_insn = op->insn;
	*op->d = ir_helpers[op->c](v, A, B);
	NEXT();
op_call_pure:
	*op->d = ir_helpers[op->c](v, A, B);
	NEXT();
op_label:
	NEXT();         /* never compiled: labels become positions */
op_br:
	op = (const struct iop *)(uintptr_t)op->c;
	goto *op->lab;
op_brcond:
	if (cond_eval(op->aux, A, B)) {
		op = (const struct iop *)(uintptr_t)op->c;
		goto *op->lab;
	}
	NEXT();
op_smc_check:
	if (__builtin_expect(tc->smc_hit, 0)) {
		v->s.rip = tb->insn_rip[op->c + 1];
		v->icount += op->c + 1;
		return IR_EXIT_INDIRECT;
	}
	NEXT();
op_exit_to:
	v->s.rip = A;
	/* fall through */
op_exit:
	v->icount += op->c;
	{
		/* Chain: the run loop would find this block next, and has nothing to do
		 * at this boundary (no event, request, budget end, breakpoint or trace). */
		struct tb *next = NULL;

		if (op->aux < IR_EXIT_INDIRECT)
			next = tb_chained(v, tc, tb, op->aux);
		else if (op->aux == IR_EXIT_LOOKUP)
			next = interp_lookup(v, tc, tb);
		if (next && !(tb->flags & TBF_TF) && !v->exit_request && (tc->no_events || !cpu_events_maybe(v)) && !tc->nbps &&
		    next->cs_base + next->pc != tc->breakpoint &&
		    v->icount + next->ninsns <= tc->limit &&
		    !(g_log_mask & ((1u << LOG_EXEC) | (1u << LOG_CPU)))) {
			tb = next;
			tc->cur_tb = tb;
			tc->smc_hit = false;
			op = tb->code;
			goto *op->lab;
		}
	}
	return (int)op->aux;
#undef A
#undef B
#undef NEXT
}
