/*
 * translate/decode_index.c - the opcode table indexed for the decoder: for each
 * encoding (legacy, VEX, EVEX), map and opcode byte the list of candidate rows,
 * and the facts derived from each row's operand forms. Built once, lazily.
 */
#include "translate/decode_internal.h"

#include <pthread.h>
#include <stdlib.h>

/* Number of (row, opcode) pairs: the rows' opcode ranges summed. */
enum {
	X86_IDX_TOTAL = 0
#define X86_OP(map, lo, hi, pfx, ext, n, a, as, b, bs, c, cs, d, ds, feat, fl, vmx, svm) \
	+ ((hi) - (lo) + 1)
#include "translate/opcodes.def"
#undef X86_OP
};

enum {
	X86_ROW_TOTAL = 0
#define X86_OP(map, lo, hi, pfx, ext, n, a, as, b, bs, c, cs, d, ds, feat, fl, vmx, svm) + 1
#include "translate/opcodes.def"
#undef X86_OP
};
_Static_assert(X86_ROW_TOTAL <= DECODE_MAX_ROWS, "raise DECODE_MAX_ROWS");
_Static_assert(X86_IDX_TOTAL < 65536, "row index entries must fit uint16_t");

struct decode_index g_decode_index;
static uint16_t idx_rows[X86_IDX_TOTAL];
static pthread_once_t idx_once = PTHREAD_ONCE_INIT;

static bool opa_uses_modrm(unsigned a)
{
	switch (a) {
	case X86_OPA_C: case X86_OPA_D: case X86_OPA_E: case X86_OPA_G: case X86_OPA_M:
	case X86_OPA_N: case X86_OPA_P: case X86_OPA_Q: case X86_OPA_R: case X86_OPA_S:
	case X86_OPA_U: case X86_OPA_V: case X86_OPA_W: case X86_OPA_STi:
		return true;
	default:
		return false;
	}
}

static bool opa_is_gpr_like(unsigned a)
{
	return a == X86_OPA_E || a == X86_OPA_G || a == X86_OPA_Z || a == X86_OPA_O ||
	       a == X86_OPA_X || a == X86_OPA_Y || a == X86_OPA_R || a == X86_OPA_M ||
	       (a >= X86_OPA_AX && a <= X86_OPA_DI);
}

static void derive_row(unsigned r)
{
	const struct x86_op_info *row = &x86_rows[r];
	struct decode_row *d = &g_decode_index.row[r];
	unsigned kind = row->ext >> 8;
	bool has_b = false, has_v = false;

	d->has_modrm = kind != X86_EXT_NONE;
	d->modreq = MODREQ_ANY;
	if (kind == X86_EXT_DIGIT_MEM || kind == X86_EXT_MEM)
		d->modreq = MODREQ_MEM;
	if (kind == X86_EXT_DIGIT_REG || kind == X86_EXT_REG || kind == X86_EXT_MODRM)
		d->modreq = MODREQ_REG;
	for (unsigned n = 0; n < X86_MAX_OPERANDS; n++) {
		unsigned a = row->opa[n], s = row->ops[n];

		if (a == X86_OPA__)
			continue;
		d->nopnd = n + 1;
		if (a == X86_OPA_B || a == X86_OPA_H)
			d->uses_vvvv = true;
		if (opa_uses_modrm(a))
			d->has_modrm = true;
		if (a == X86_OPA_M)
			d->modreq = MODREQ_MEM;
		if ((a == X86_OPA_R || a == X86_OPA_U || a == X86_OPA_N) &&
		    !(row->flags & X86F_MODREG))
			d->modreq = MODREQ_REG;
		if (opa_is_gpr_like(a) && s == X86_OPS_b)
			has_b = true;
		if (s == X86_OPS_v || s == X86_OPS_z || s == X86_OPS_bs || s == X86_OPS_y)
			has_v = true;
	}
	d->byte_form = has_b && !has_v;
}

static unsigned row_enc(const struct x86_op_info *row)
{
	return (row->flags & X86F_EVEX) ? ENC_EVEX : (row->flags & X86F_VEX) ? ENC_VEX : ENC_LEGACY;
}

static void build_index(void)
{
	struct decode_index *x = &g_decode_index;
	unsigned pos = 0;

	for (unsigned r = 0; r < x86_row_count; r++) {
		const struct x86_op_info *row = &x86_rows[r];

		derive_row(r);
		for (unsigned o = row->lo; o <= row->hi; o++)
			x->count[row_enc(row)][row->map][o]++;
	}
	for (unsigned e = 0; e < ENC_COUNT; e++)
		for (unsigned m = 0; m < 4; m++)
			for (unsigned o = 0; o < 256; o++) {
				x->start[e][m][o] = pos;
				pos += x->count[e][m][o];
				x->count[e][m][o] = 0;
			}
	if (pos != X86_IDX_TOTAL)
		abort();        /* broken invariant: the sum above is the same count */
	for (unsigned r = 0; r < x86_row_count; r++) {
		const struct x86_op_info *row = &x86_rows[r];
		unsigned e = row_enc(row);

		for (unsigned o = row->lo; o <= row->hi; o++) {
			unsigned k = x->start[e][row->map][o] + x->count[e][row->map][o]++;

			idx_rows[k] = r;
			if (g_decode_index.row[r].has_modrm)
				x->has_modrm[e][row->map][o] = 1;
		}
	}
	x->rows = idx_rows;
}

void decode_index_init(void)
{
	pthread_once(&idx_once, build_index);
}

static unsigned pfx_score(unsigned pfx, unsigned mp)
{
	if (pfx == X86_PFX_ANY)
		return 1;
	if ((pfx == X86_PFX_NP && mp == 0) || (pfx == X86_PFX_66 && mp == 0x66) ||
	    (pfx == X86_PFX_F3 && mp == 0xf3) || (pfx == X86_PFX_F2 && mp == 0xf2))
		return 2;
	return 0;
}

/* 0: no match; otherwise higher is more specific. */
static unsigned ext_score(uint16_t ext, const struct x86_insn *i)
{
	unsigned kind = ext >> 8, val = ext & 0xff, reg = (i->modrm >> 3) & 7;
	bool mem = i->mod != 3;

	switch (kind) {
	case X86_EXT_NONE: return 1;
	case X86_EXT_DIGIT: return reg == val ? 2 : 0;
	case X86_EXT_DIGIT_MEM: return reg == val && mem ? 3 : 0;
	case X86_EXT_DIGIT_REG: return reg == val && !mem ? 3 : 0;
	case X86_EXT_MODRM: return i->modrm == val ? 4 : 0;
	case X86_EXT_MEM: return mem ? 2 : 0;
	case X86_EXT_REG: return !mem ? 2 : 0;
	default: return 0;
	}
}

/*
 * The row for an instruction whose encoding, map, opcode, prefixes and ModRM are
 * known. mp is the prefix that selects the form: the last of F2/F3, else 66, else 0
 * (for VEX/EVEX: the pp field). Returns the row index or -1.
 */
int decode_find_row(const struct x86_insn *i, unsigned enc, unsigned mp)
{
	const struct decode_index *x = &g_decode_index;
	unsigned start = x->start[enc][i->map][i->opcode];
	unsigned count = x->count[enc][i->map][i->opcode];
	int best = -1;
	unsigned best_score = 0;

	for (unsigned k = 0; k < count; k++) {
		unsigned r = x->rows[start + k];
		const struct x86_op_info *row = &x86_rows[r];
		const struct decode_row *d = &x->row[r];
		unsigned ps = pfx_score(row->pfx, mp), es = 1, score;

		if (!ps)
			continue;
		if (d->has_modrm) {
			es = ext_score(row->ext, i);
			if (!es)
				continue;
			if (!(row->flags & X86F_MODREG) &&
			    ((d->modreq == MODREQ_MEM && i->mod == 3) ||
			     (d->modreq == MODREQ_REG && i->mod != 3)))
				continue;
		}
		if ((row->flags & X86F_I64) && i->mode == 8)
			continue;
		if ((row->flags & X86F_O64) && i->mode != 8)
			continue;
		if ((row->flags & X86F_REXB) && !(i->rex & 1))
			continue;
		if ((row->flags & X86F_L0) && i->vex_l)
			continue;
		score = ps * 16 + es * 2 + ((row->flags & X86F_REXB) ? 64 : 0);
		if (score > best_score) {
			best_score = score;
			best = (int)r;
		}
	}
	return best;
}
