/*
 * translate/opt.c - IR optimizer passes. They know the IR (ir.def flags) and nothing
 * of x86: constant folding with copy propagation forward (twice, around the narrowing
 * of zero-extensions in opt_narrow.c), then dead-code removal
 * backward (dead temporaries, and stores to globals or cc_op that are overwritten
 * before anything can observe them: a read, an op that may fault, a call, an exit),
 * then coalescing of a temporary into the global it is stored to.
 */
#include "translate/ir.h"

#include <string.h>

/* ---------------------------------------------------------------- folding */

struct fold_state {
	uint32_t rep[IR_MAX_VALS];      /* value to use instead, or IR_NONE */
	uint32_t rep_gen[IR_MAX_VALS];  /* gen[rep] when the copy was made */
	uint32_t gen[IR_MAX_VALS];      /* bumped at every write of the value */
};

static struct fold_state g_fold;        /* scratch; the translator is single-threaded */

static uint32_t resolve(struct fold_state *f, uint32_t x)
{
	uint32_t r;

	if (x == IR_NONE)
		return x;
	r = f->rep[x];
	if (r != IR_NONE && f->rep_gen[x] == f->gen[r])
		return r;
	return x;
}

static void written(struct fold_state *f, uint32_t x)
{
	f->gen[x]++;
	f->rep[x] = IR_NONE;
}

static bool fold_const(enum ir_opc opc, uint64_t a, uint64_t b, uint64_t c0, uint64_t *out)
{
	switch (opc) {
	case IR_mov: *out = a; return true;
	case IR_add: *out = a + b; return true;
	case IR_sub: *out = a - b; return true;
	case IR_and: *out = a & b; return true;
	case IR_or: *out = a | b; return true;
	case IR_xor: *out = a ^ b; return true;
	case IR_shl: *out = a << (b & 63); return true;
	case IR_shr: *out = a >> (b & 63); return true;
	case IR_sar: *out = (uint64_t)((int64_t)a >> (b & 63)); return true;
	case IR_mul: *out = a * b; return true;
	case IR_neg: *out = -a; return true;
	case IR_not: *out = ~a; return true;
	case IR_ext8u: *out = (uint8_t)a; return true;
	case IR_ext16u: *out = (uint16_t)a; return true;
	case IR_ext32u: *out = (uint32_t)a; return true;
	case IR_ext8s: *out = (uint64_t)(int64_t)(int8_t)a; return true;
	case IR_ext16s: *out = (uint64_t)(int64_t)(int16_t)a; return true;
	case IR_ext32s: *out = (uint64_t)(int64_t)(int32_t)a; return true;
	case IR_setcond: *out = ir_cond_eval((enum ir_cond)c0, a, b); return true;
	case IR_extract: {
		unsigned pos = c0 & 0xff, len = (unsigned)(c0 >> 8);
		*out = (a >> pos) & (len >= 64 ? ~0ull : (1ull << len) - 1);
		return true;
	}
	case IR_deposit: {
		unsigned pos = c0 & 0xff, len = (unsigned)(c0 >> 8);
		uint64_t mask = (len >= 64 ? ~0ull : (1ull << len) - 1) << pos;
		*out = (a & ~mask) | ((b << pos) & mask);
		return true;
	}
	default: return false;
	}
}

/* Turn op into "mov out, src". */
static void make_mov(struct ir_op *op, uint32_t src)
{
	uint32_t d = op->args[0];

	op->opc = IR_mov;
	op->args[0] = d;
	op->args[1] = src;
	op->args[2] = op->args[3] = IR_NONE;
}

/* Algebraic identities with one constant operand: x+0, x|0, x^0, x-0, x<<0, x&~0. */
static bool fold_identity(struct ir_block *b, struct ir_op *op)
{
	uint32_t x = op->args[1], y = op->args[2];

	if (y == IR_NONE || !ir_is_const(b, y))
		return false;
	switch (op->opc) {
	case IR_add: case IR_sub: case IR_or: case IR_xor: case IR_shl: case IR_shr: case IR_sar:
		if (b->vals[y].c != 0)
			return false;
		break;
	case IR_and:
		if (b->vals[y].c != ~0ull)
			return false;
		break;
	default:
		return false;
	}
	make_mov(op, x);
	return true;
}

void ir_opt_fold(struct ir_block *b)
{
	struct fold_state *f = &g_fold;

	for (unsigned v = 0; v < b->nvals; v++) {
		f->rep[v] = IR_NONE;
		f->gen[v] = 0;
	}
	for (unsigned n = 0; n < b->nops; n++) {
		struct ir_op *op = &b->ops[n];
		const struct ir_op_def *def = &ir_op_defs[op->opc];
		unsigned nin = def->nin, k;
		bool all_const = nin > 0;
		uint64_t val;

		if (def->flags & IRF_BB_START) {        /* a join: forget everything */
			for (unsigned v = 0; v < b->nvals; v++)
				written(f, v);
			continue;
		}
		for (k = def->nout; k < def->nout + nin; k++) {
			op->args[k] = resolve(f, op->args[k]);
			all_const &= ir_is_const(b, op->args[k]);
		}
		if (!(def->flags & (IRF_SIDE | IRF_CALL)) && def->nout == 1) {
			if (all_const && fold_const(op->opc, b->vals[op->args[1]].c,
						    nin > 1 ? b->vals[op->args[2]].c : 0, op->c[0], &val))
				make_mov(op, ir_const(b, val));
			else
				fold_identity(b, op);
		}
		if (def->flags & IRF_CALL)
			for (unsigned g = 0; g < IR_G_COUNT; g++)
				written(f, g);
		for (k = 0; k < def->nout; k++)
			written(f, op->args[k]);
		if (op->opc == IR_mov && op->args[1] != op->args[0]) {
			uint32_t s = op->args[1];

			f->rep[op->args[0]] = s;
			f->rep_gen[op->args[0]] = f->gen[s];
		}
	}
}

/* ---------------------------------------------------------------- dead code */

#define LIVE_WORDS (IR_MAX_VALS / 64)

struct live_set {
	uint64_t w[LIVE_WORDS];
	bool cc_op;
};

static struct {
	struct live_set label[256];
	bool label_seen[256];
} g_dead;

static inline bool live_has(const struct live_set *l, uint32_t v) { return (l->w[v >> 6] >> (v & 63)) & 1; }
static inline void live_add(struct live_set *l, uint32_t v) { l->w[v >> 6] |= 1ull << (v & 63); }
static inline void live_del(struct live_set *l, uint32_t v) { l->w[v >> 6] &= ~(1ull << (v & 63)); }

static void live_all_globals(struct live_set *l)
{
	for (unsigned g = 0; g < IR_G_COUNT; g++)
		live_add(l, g);
	l->cc_op = true;
}

static void live_union(struct live_set *l, const struct live_set *o)
{
	for (unsigned i = 0; i < LIVE_WORDS; i++)
		l->w[i] |= o->w[i];
	l->cc_op |= o->cc_op;
}

void ir_opt_dead(struct ir_block *b)
{
	struct live_set live;
	unsigned out = b->nops;

	if (b->nlabels > 256)
		return;         /* more than the pass tracks: leave the block as it is */
	/* The translator only branches forward; leave anything else alone. */
	memset(g_dead.label_seen, 0, sizeof(g_dead.label_seen));
	for (unsigned n = 0; n < b->nops; n++) {
		const struct ir_op *op = &b->ops[n];

		if (op->opc == IR_label)
			g_dead.label_seen[op->c[0]] = true;
		else if ((op->opc == IR_br && g_dead.label_seen[op->c[0]]) ||
			 (op->opc == IR_brcond && g_dead.label_seen[op->c[1]]))
			return;
	}
	memset(&live, 0, sizeof(live));
	live_all_globals(&live);
	memset(g_dead.label_seen, 0, sizeof(g_dead.label_seen));
	/* Backward over the ops, compacting the kept ones at the end of the array. */
	for (unsigned n = b->nops; n-- > 0;) {
		struct ir_op op = b->ops[n];
		const struct ir_op_def *def = &ir_op_defs[op.opc];
		bool keep = true;

		switch (op.opc) {
		case IR_exit:
		case IR_exit_to:
			memset(&live, 0, sizeof(live));
			live_all_globals(&live);
			break;
		case IR_label:
			g_dead.label[op.c[0]] = live;
			g_dead.label_seen[op.c[0]] = true;
			break;
		case IR_br:
			live = g_dead.label[op.c[0]];
			break;
		case IR_brcond:
			live_union(&live, &g_dead.label[op.c[1]]);
			break;
		case IR_set_cc_op:
			keep = live.cc_op;
			live.cc_op = false;
			break;
		default:
			if (!(def->flags & (IRF_SIDE | IRF_CALL)) && def->nout == 1 &&
			    !live_has(&live, op.args[0]))
				keep = false;
			break;
		}
		if (keep) {
			for (unsigned k = 0; k < def->nout; k++)
				live_del(&live, op.args[k]);
			if (def->flags & (IRF_FAULT | IRF_CALL | IRF_READS_STATE) || op.opc == IR_smc_check)
				live_all_globals(&live);
			for (unsigned k = def->nout; k < (unsigned)def->nout + def->nin; k++)
				live_add(&live, op.args[k]);
			b->ops[--out] = op;
		}
	}
	memmove(b->ops, b->ops + out, (b->nops - out) * sizeof(b->ops[0]));
	b->nops -= out;
}

/* ---------------------------------------------------------------- coalescing */

static bool op_reads(const struct ir_op *op, uint32_t v)
{
	const struct ir_op_def *def = &ir_op_defs[op->opc];

	for (unsigned k = def->nout; k < (unsigned)def->nout + def->nin; k++)
		if (op->args[k] == v)
			return true;
	return false;
}

static bool op_writes(const struct ir_op *op, uint32_t v)
{
	return ir_op_defs[op->opc].nout && op->args[0] == v;
}

/* May "op t" at x write global g directly instead of the "mov g, t" at y? */
static bool coalesce_ok(const struct ir_block *b, unsigned x, unsigned y, uint32_t g, uint32_t t)
{
	bool g_written = false;

	/* Between them g must be neither read nor written, and nothing may observe the
	 * guest state early (a fault, a call, a branch or label, an exit). */
	for (unsigned k = x + 1; k < y; k++) {
		const struct ir_op *op = &b->ops[k];

		if ((ir_op_defs[op->opc].flags & (IRF_FAULT | IRF_CALL | IRF_READS_STATE | IRF_BB_START |
						  IRF_BB_END | IRF_EXIT)) || op->opc == IR_smc_check ||
		    op_reads(op, g) || op_writes(op, g))
			return false;
	}
	/* After y, t's uses must all come before g changes again. */
	for (unsigned k = y + 1; k < b->nops; k++) {
		const struct ir_op *op = &b->ops[k];

		if (g_written && op_reads(op, t))
			return false;
		g_written |= op_writes(op, g);
	}
	return true;
}

/*
 * "X: op t, ...; ... Y: mov g, t" with t a temporary defined only at X and g a global
 * becomes "X: op g, ..." with t's later uses reading g: one op less, usually the
 * store of an instruction's result into its register.
 */
void ir_opt_coalesce(struct ir_block *b)
{
	static int32_t def_at[IR_MAX_VALS];
	static uint16_t ndefs[IR_MAX_VALS];
	unsigned out = 0;

	memset(ndefs, 0, b->nvals * sizeof(ndefs[0]));
	for (unsigned n = 0; n < b->nops; n++) {
		const struct ir_op *op = &b->ops[n];

		if (ir_op_defs[op->opc].nout && op->args[0] < b->nvals) {
			ndefs[op->args[0]]++;
			def_at[op->args[0]] = (int32_t)n;
		}
	}
	for (unsigned y = 0; y < b->nops; y++) {
		struct ir_op *mov = &b->ops[y];
		uint32_t g = mov->args[0], t = mov->args[1];
		unsigned x;

		if (mov->opc != IR_mov || !ir_is_global(b, g) || b->vals[t].kind != IRV_TEMP ||
		    ndefs[t] != 1 || def_at[t] >= (int32_t)y)
			continue;
		x = (unsigned)def_at[t];
		if (!coalesce_ok(b, x, y, g, t))
			continue;
		b->ops[x].args[0] = g;
		for (unsigned k = x + 1; k < b->nops; k++) {
			struct ir_op *op = &b->ops[k];
			const struct ir_op_def *d = &ir_op_defs[op->opc];

			for (unsigned a = d->nout; a < (unsigned)d->nout + d->nin; a++)
				if (op->args[a] == t)
					op->args[a] = g;
		}
		ndefs[t] = 0;
		mov->args[1] = g;       /* "mov g, g": removed below */
	}
	for (unsigned n = 0; n < b->nops; n++) {
		const struct ir_op *op = &b->ops[n];

		if (!(op->opc == IR_mov && op->args[0] == op->args[1]))
			b->ops[out++] = *op;
	}
	b->nops = out;
}

void ir_optimize(struct ir_block *b)
{
	ir_opt_fold(b);
	ir_opt_narrow(b);
	ir_opt_fold(b);         /* the copies narrowing made */
	ir_opt_dead(b);
	ir_opt_coalesce(b);
}
