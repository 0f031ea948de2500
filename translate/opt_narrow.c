/*
 * translate/opt_narrow.c - width-based IR cleanup (part of ir_optimize): 32-, 16- and
 * 8-bit x86 operations come out of the translator as "zero-extend each input, operate
 * on 64 bits, zero-extend the result", and most of those extensions do nothing.
 *
 * Forward over a block, knowing for each value how many low bits may be nonzero:
 *   - an extension of a value already that narrow becomes a copy;
 *   - an operation whose low k bits depend only on its inputs' low k bits (add, sub,
 *     mul, and, or, xor, not, neg, the shifted value of shl) and whose result is only
 *     used by a zero-extension to at most k bits reads the inputs' unextended sources:
 *     the input extensions then have no use left and ir_opt_dead removes them.
 * Like the folding pass it knows nothing of x86 and forgets everything at a label.
 */
#include "translate/ir.h"

#include <string.h>

static struct {
	uint8_t width[IR_MAX_VALS];     /* bits that may be nonzero (1..64) */
	uint32_t gen[IR_MAX_VALS];      /* bumped at every write of the value */
	uint32_t ext_src[IR_MAX_VALS];  /* temp = extNu(ext_src), or IR_NONE... */
	uint32_t ext_gen[IR_MAX_VALS];  /* ...while gen[ext_src] still has this value */
	uint8_t ext_bits[IR_MAX_VALS];  /* N */
	uint16_t uses[IR_MAX_VALS];     /* temps: number of reads in the block */
	uint16_t use_at[IR_MAX_VALS];   /* temps: index of the last op reading it */
} g_nar;                                /* scratch; the translator is single-threaded */

static unsigned ext_bits_of(enum ir_opc opc)
{
	switch (opc) {
	case IR_ext8u: return 8;
	case IR_ext16u: return 16;
	case IR_ext32u: return 32;
	default: return 0;
	}
}

static unsigned const_width(uint64_t c)
{
	return c ? 64u - (unsigned)__builtin_clzll(c) : 1u;
}

static unsigned val_width(const struct ir_block *b, uint32_t v)
{
	return ir_is_const(b, v) ? const_width(b->vals[v].c) : g_nar.width[v];
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* The bits the output of op may have nonzero (after its inputs are final). */
static unsigned out_width(const struct ir_block *b, const struct ir_op *op)
{
	switch (op->opc) {
	case IR_mov: return val_width(b, op->args[1]);
	case IR_ext8u: case IR_ext16u: case IR_ext32u:
		return min_u(ext_bits_of(op->opc), val_width(b, op->args[1]));
	case IR_and: return min_u(val_width(b, op->args[1]), val_width(b, op->args[2]));
	case IR_or: case IR_xor:
		return (unsigned)(val_width(b, op->args[1]) > val_width(b, op->args[2]) ?
				  val_width(b, op->args[1]) : val_width(b, op->args[2]));
	case IR_setcond: return 1;
	case IR_ld: return min_u(8u * ((op->c[0] >> 8) & 0xff), 64);
	case IR_extract: return min_u((unsigned)(op->c[0] >> 8), 64);
	default: return 64;
	}
}

static void narrow_write(uint32_t v, unsigned width)
{
	g_nar.gen[v]++;
	g_nar.width[v] = (uint8_t)(width ? width : 64);
	g_nar.ext_src[v] = IR_NONE;
}

/* The unextended source of input x, for an op whose result keeps `bits` low bits. */
static uint32_t narrow_input(const struct ir_block *b, uint32_t x, unsigned bits)
{
	uint32_t s;

	if (x == IR_NONE || b->vals[x].kind != IRV_TEMP)
		return x;
	s = g_nar.ext_src[x];
	if (s == IR_NONE || g_nar.ext_bits[x] < bits || g_nar.gen[s] != g_nar.ext_gen[x])
		return x;
	return s;
}

/* Does the result of op only go, once, into a zero-extension? Its width, or 0. */
static unsigned sole_ext_use(const struct ir_block *b, const struct ir_op *op)
{
	uint32_t t = op->args[0];
	const struct ir_op *use;

	if (b->vals[t].kind != IRV_TEMP || g_nar.uses[t] != 1)
		return 0;
	use = &b->ops[g_nar.use_at[t]];
	if (use->args[1] != t)
		return 0;
	return ext_bits_of((enum ir_opc)use->opc);
}

static void narrow_inputs(struct ir_block *b, struct ir_op *op)
{
	unsigned bits;

	switch (op->opc) {
	case IR_add: case IR_sub: case IR_mul: case IR_and: case IR_or: case IR_xor:
	case IR_shl: case IR_not: case IR_neg:
		break;
	default:
		return;
	}
	bits = sole_ext_use(b, op);
	if (!bits)
		return;
	op->args[1] = narrow_input(b, op->args[1], bits);
	if (op->opc != IR_shl && ir_op_defs[op->opc].nin > 1)
		op->args[2] = narrow_input(b, op->args[2], bits);
}

static void count_uses(const struct ir_block *b)
{
	memset(g_nar.uses, 0, b->nvals * sizeof(g_nar.uses[0]));
	for (unsigned n = 0; n < b->nops; n++) {
		const struct ir_op *op = &b->ops[n];
		const struct ir_op_def *def = &ir_op_defs[op->opc];

		for (unsigned k = def->nout; k < (unsigned)def->nout + def->nin; k++) {
			uint32_t x = op->args[k];

			if (x != IR_NONE && g_nar.uses[x] < UINT16_MAX) {
				g_nar.uses[x]++;
				g_nar.use_at[x] = (uint16_t)n;
			}
		}
	}
}

void ir_opt_narrow(struct ir_block *b)
{
	count_uses(b);
	for (unsigned v = 0; v < b->nvals; v++)
		narrow_write(v, 64);
	for (unsigned n = 0; n < b->nops; n++) {
		struct ir_op *op = &b->ops[n];
		const struct ir_op_def *def = &ir_op_defs[op->opc];
		unsigned eb = ext_bits_of((enum ir_opc)op->opc);

		if (def->flags & IRF_BB_START) {        /* a join: forget everything */
			for (unsigned v = 0; v < b->nvals; v++)
				narrow_write(v, 64);
			continue;
		}
		if (eb && val_width(b, op->args[1]) <= eb) {
			op->opc = IR_mov;               /* already that narrow */
			eb = 0;
		}
		narrow_inputs(b, op);
		if (def->flags & IRF_CALL)
			for (unsigned g = 0; g < IR_G_COUNT; g++)
				narrow_write(g, 64);
		if (def->nout != 1)
			continue;
		narrow_write(op->args[0], out_width(b, op));
		if (eb && op->args[1] != op->args[0]) {
			uint32_t s = op->args[1];

			g_nar.ext_src[op->args[0]] = s;
			g_nar.ext_gen[op->args[0]] = g_nar.gen[s];
			g_nar.ext_bits[op->args[0]] = (uint8_t)eb;
		}
	}
}
