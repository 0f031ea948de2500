/*
 * translate/decode.c - x86 instruction decoding (SDM vol. 2, chapter 2 and
 * appendix A; edition in docs/spec-versions.md): prefixes, REX/VEX/EVEX, opcode
 * maps, ModRM/SIB/displacement, immediates, and the resolved operands.
 *
 * The row is chosen from translate/opcodes.def through the index of
 * decode_index.c; nothing per-opcode is written here except the prefix bytes
 * and the escapes into the maps and VEX/EVEX.
 */
#include "translate/decode_internal.h"

#include <string.h>

/* A cursor over the instruction bytes. The first error sticks: reading past
 * `avail` is X86_DECODE_SHORT, past 15 bytes -EXC_GP (SDM vol. 2, 2.3.11). */
struct cursor {
	const uint8_t *b;
	size_t avail;
	unsigned pos;
	int err;
};

static uint64_t take(struct cursor *c, unsigned n)
{
	uint64_t v = 0;

	if (c->err)
		return 0;
	if (c->pos + n > X86_MAX_INSN_LEN) {
		c->err = -EXC_GP;
		return 0;
	}
	if (c->pos + n > c->avail) {
		c->err = X86_DECODE_SHORT;
		return 0;
	}
	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)c->b[c->pos + k] << (8 * k);
	c->pos += n;
	return v;
}

static int peek(struct cursor *c, unsigned off)
{
	if (c->pos + off >= X86_MAX_INSN_LEN || c->pos + off >= c->avail)
		return -1;
	return c->b[c->pos + off];
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

struct prefixes {
	bool p66, p67;
	uint8_t last_rep;       /* 0, 0xf2, 0xf3 */
};

/* Legacy prefixes in any order and repetition, then REX (64-bit mode) only if it
 * is the last prefix (SDM vol. 2, 2.1.1, 2.2.1). */
static void decode_prefixes(struct cursor *c, struct x86_insn *i, struct prefixes *p)
{
	for (;;) {
		int b = peek(c, 0);

		if (b < 0) {
			take(c, 1);     /* sets SHORT or #GP */
			return;
		}
		switch (b) {
		case 0x26: i->seg_override = SEG_ES; break;
		case 0x2e: i->seg_override = SEG_CS; break;
		case 0x36: i->seg_override = SEG_SS; break;
		case 0x3e: i->seg_override = SEG_DS; break;
		case 0x64: i->seg_override = SEG_FS; break;
		case 0x65: i->seg_override = SEG_GS; break;
		case 0x66: p->p66 = true; break;
		case 0x67: p->p67 = true; break;
		case 0xf0: i->lock = true; break;
		case 0xf2: p->last_rep = 0xf2; break;
		case 0xf3: p->last_rep = 0xf3; break;
		default:
			if (i->mode == 8 && (b & 0xf0) == 0x40) {
				i->rex = (uint8_t)b;
				c->pos++;
				continue;
			}
			return;
		}
		i->rex = 0;     /* a REX followed by a legacy prefix is ignored */
		c->pos++;
	}
}

/* VEX (C4/C5) and EVEX (62) prefixes: SDM vol. 2, 2.3.5 and 2.7.1. Returns 0 or an
 * error; on success the opcode byte is next and i->map/vex fields are set. */
static int decode_vex(struct cursor *c, struct x86_insn *i, int first, unsigned *pp)
{
	uint8_t b1, b2, b3;

	take(c, 1);
	if (first == 0xc5) {
		b1 = (uint8_t)take(c, 1);
		if (c->err)
			return c->err;
		i->vex = 2;
		i->map = X86_MAP_0F;
		i->rex = (b1 & 0x80) ? 0 : 0x44;
		i->vvvv = (~b1 >> 3) & 15;
		i->vex_l = (b1 >> 2) & 1;
		*pp = b1 & 3;
		return 0;
	}
	b1 = (uint8_t)take(c, 1);
	b2 = (uint8_t)take(c, 1);
	if (c->err)
		return c->err;
	i->rex = 0x40 | ((b1 & 0x80) ? 0 : 4) | ((b1 & 0x40) ? 0 : 2) | ((b1 & 0x20) ? 0 : 1);
	i->vex_w = b2 >> 7;
	i->vvvv = (~b2 >> 3) & 15;
	*pp = b2 & 3;
	if (first == 0xc4) {
		i->vex = 3;
		i->vex_l = (b2 >> 2) & 1;
		if ((b1 & 0x1f) < 1 || (b1 & 0x1f) > 3)
			return -EXC_UD;
		i->map = b1 & 0x1f;
	} else {
		/* EVEX P0 = b1, P1 = b2, P2 = b3 (SDM vol. 2, 2.7.1, table 2-30) */
		b3 = (uint8_t)take(c, 1);
		if (c->err)
			return c->err;
		i->vex = 4;
		i->vex_l = (b3 >> 5) & 3;
		if (!(b3 & 0x08))
			i->vvvv |= 16;
		if ((b1 & 0x0c) || !(b2 & 0x04) || (b1 & 3) == 0)
			return -EXC_UD;
		i->map = b1 & 3;
	}
	if (i->mode != 8) {
		/* outside 64-bit mode R/X/B and vvvv[3] are ignored */
		i->rex = 0;
		i->vvvv &= 7;
	}
	if (i->rex & 8)
		i->vex_w = true;
	return 0;
}

/* ModRM, SIB and displacement (SDM vol. 2, 2.1.5, tables 2-1..2-3; 2.2.1.6). */
static void decode_modrm(struct cursor *c, struct x86_insn *i, bool modreg)
{
	static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const uint8_t index16[8] = { 6, 7, 6, 7, 0xff, 0xff, 0xff, 0xff };
	unsigned rm = i->modrm & 7;

	i->mod = i->modrm >> 6;
	i->regf = ((i->modrm >> 3) & 7) | ((i->rex & 4) << 1);
	i->rm = rm | ((i->rex & 1) << 3);
	if (modreg)
		i->mod = 3;
	if (i->mod == 3)
		return;
	i->scale = 1;
	if (i->addrsize == 2) {
		if (i->mod == 0 && rm == 6) {
			i->disp = (int16_t)take(c, 2);
			return;
		}
		i->base = base16[rm];
		i->index = index16[rm];
		i->disp = i->mod == 1 ? sext(take(c, 1), 1) : i->mod == 2 ? sext(take(c, 2), 2) : 0;
		return;
	}
	if (rm == 4) {
		unsigned idx, base;

		i->has_sib = true;
		i->sib = (uint8_t)take(c, 1);
		idx = ((i->sib >> 3) & 7) | ((i->rex & 2) << 2);
		base = (i->sib & 7) | ((i->rex & 1) << 3);
		i->scale = 1 << (i->sib >> 6);
		i->index = idx == 4 ? 0xff : idx;
		if ((base & 7) == 5 && i->mod == 0) {
			i->disp = sext(take(c, 4), 4);
			return;
		}
		i->base = base;
	} else if (rm == 5 && i->mod == 0) {
		i->disp = sext(take(c, 4), 4);
		if (i->mode == 8)
			i->rip_rel = true;  /* SDM vol. 2, 2.2.1.6 */
		return;
	} else {
		i->base = i->rm;
	}
	i->disp = i->mod == 1 ? sext(take(c, 1), 1) : i->mod == 2 ? sext(take(c, 4), 4) : 0;
}

static void set_sizes(struct x86_insn *i, const struct x86_op_info *row, const struct prefixes *p)
{
	bool o16 = p->p66 && row->pfx != X86_PFX_66;

	if (i->mode == 8) {
		if (row->flags & X86F_F64)
			i->opsize = 8;  /* SDM vol. 2, A.2.5: f64 (Intel ignores 66 here) */
		else if (i->rex & 8)
			i->opsize = 8;
		else if (o16)
			i->opsize = 2;
		else
			i->opsize = (row->flags & X86F_D64) ? 8 : 4;
	} else {
		i->opsize = ((i->mode == 4) != o16) ? 4 : 2;
	}
}

static unsigned size_of(const struct x86_insn *i, unsigned code)
{
	unsigned os = i->opsize == 1 ? (i->mode == 2 ? 2 : 4) : i->opsize;

	switch (code) {
	case X86_OPS_b: return 1;
	case X86_OPS_w: return 2;
	case X86_OPS_d: return 4;
	case X86_OPS_q: return 8;
	case X86_OPS_dq: return 16;
	case X86_OPS_qq: return 32;
	case X86_OPS_t: return 10;
	case X86_OPS_v: case X86_OPS_bs: return os;
	case X86_OPS_z: return os == 2 ? 2 : 4;
	case X86_OPS_y: return (i->mode == 8 && ((i->rex & 8) || i->vex_w)) ? 8 : 4;
	case X86_OPS_ym: return i->mode == 8 ? 8 : 4;
	case X86_OPS_x: return i->vex_l ? 32 : 16;
	case X86_OPS_p: return 2 + os;
	case X86_OPS_s: return i->mode == 8 ? 10 : 6;
	case X86_OPS_a: return 2 * os;
	case X86_OPS_e: return os == 2 ? 14 : 28;
	case X86_OPS_fs: return os == 2 ? 94 : 108;
	case X86_OPS_o: return (i->rex & 8) ? 16 : 8;
	default: return 0;
	}
}

/* Immediate-like operands, in operand order after the displacement. */
static void decode_imm(struct cursor *c, struct x86_insn *i, struct x86_operand *o,
		       unsigned a, unsigned s, unsigned *nimm)
{
	uint64_t v;
	unsigned os = i->opsize == 1 ? (i->mode == 2 ? 2 : 4) : i->opsize;

	switch (a) {
	case X86_OPA_I:
		o->kind = OPND_IMM;
		if (s == X86_OPS_bs)
			v = (uint64_t)sext(take(c, 1), 1);
		else if (s == X86_OPS_z)
			v = (uint64_t)sext(take(c, os == 2 ? 2 : 4), os == 2 ? 2 : 4);
		else if (s == X86_OPS_v)
			v = take(c, os);
		else
			v = take(c, size_of(i, s));
		o->reg = (uint8_t)*nimm;
		if ((*nimm)++ == 0)
			i->imm = v;
		else
			i->imm2 = v;
		break;
	case X86_OPA_J:
		o->kind = OPND_REL;
		o->size = (uint8_t)os;
		if (s == X86_OPS_b)
			i->imm = (uint64_t)sext(take(c, 1), 1);
		else
			i->imm = (uint64_t)sext(take(c, os == 2 ? 2 : 4), os == 2 ? 2 : 4);
		break;
	case X86_OPA_A:
		o->kind = OPND_FARPTR;
		i->imm = take(c, os == 2 ? 2 : 4);
		i->imm2 = take(c, 2);
		break;
	case X86_OPA_O:
		o->kind = OPND_MOFFS;
		i->disp = (int64_t)take(c, i->addrsize);
		break;
	case X86_OPA_L:
		o->kind = OPND_XMM;
		i->imm = take(c, 1);
		o->reg = (uint8_t)((i->imm >> 4) & (i->mode == 8 ? 15 : 7));
		break;
	default:
		break;
	}
}

/* Register and memory operands from the ModRM fields, opcode and fixed forms. */
static int decode_operand(struct x86_insn *i, struct x86_operand *o, unsigned a)
{
	bool mem = i->mod != 3;

	switch (a) {
	case X86_OPA_E: o->kind = mem ? OPND_MEM : OPND_GPR; o->reg = i->rm; break;
	case X86_OPA_M: o->kind = OPND_MEM; break;
	case X86_OPA_R: o->kind = OPND_GPR; o->reg = i->rm; break;
	case X86_OPA_G: o->kind = OPND_GPR; o->reg = i->regf; break;
	case X86_OPA_B: o->kind = OPND_GPR; o->reg = i->vvvv & 15; break;
	case X86_OPA_V: o->kind = OPND_XMM; o->reg = i->regf; break;
	case X86_OPA_H: o->kind = OPND_XMM; o->reg = i->vvvv & 15; break;
	case X86_OPA_U: o->kind = OPND_XMM; o->reg = i->rm; break;
	case X86_OPA_W: o->kind = mem ? OPND_MEM : OPND_XMM; o->reg = i->rm; break;
	case X86_OPA_P: o->kind = OPND_MMX; o->reg = i->regf & 7; break;
	case X86_OPA_N: o->kind = OPND_MMX; o->reg = i->rm & 7; break;
	case X86_OPA_Q: o->kind = mem ? OPND_MEM : OPND_MMX; o->reg = i->rm & 7; break;
	case X86_OPA_S:
		o->kind = OPND_SEG;
		o->reg = i->regf & 7;
		/* no segment 6/7; MOV to CS is #UD (SDM vol. 2, MOV) */
		if (o->reg > SEG_GS || (o->reg == SEG_CS && i->op == X86_OP_MOV_SEG))
			return -EXC_UD;
		break;
	case X86_OPA_C: o->kind = OPND_CR; o->reg = i->regf; break;
	case X86_OPA_D: o->kind = OPND_DR; o->reg = i->regf; break;
	case X86_OPA_Z: o->kind = OPND_GPR; o->reg = (i->opcode & 7) | ((i->rex & 1) << 3); break;
	case X86_OPA_X: o->kind = OPND_STRSRC; o->reg = 6; break;
	case X86_OPA_Y: o->kind = OPND_STRDST; o->reg = 7; break;
	case X86_OPA_ST0: o->kind = OPND_ST; o->reg = 0; break;
	case X86_OPA_STi: o->kind = OPND_ST; o->reg = i->modrm & 7; break;
	case X86_OPA_ONE: o->kind = OPND_IMM; i->imm = 1; break;
	case X86_OPA_XMM0: o->kind = OPND_XMM; o->reg = 0; break;
	default:
		if (a >= X86_OPA_AX && a <= X86_OPA_DI) {
			o->kind = OPND_GPR;
			o->reg = (uint8_t)(a - X86_OPA_AX);
		} else if (a >= X86_OPA_ES && a <= X86_OPA_GS) {
			o->kind = OPND_SEG;
			o->reg = (uint8_t)(a - X86_OPA_ES);
		}
		break;
	}
	return 0;
}

/* Default segment of the memory operand: SS for rBP/rSP bases, else DS; an
 * override wins, except that 64-bit mode ignores ES/CS/SS/DS overrides
 * (SDM vol. 1, 3.3.7.1; vol. 3, 3.7.4). */
static void set_segment(struct x86_insn *i)
{
	unsigned seg = SEG_DS;

	if (i->mod != 3 && !i->rip_rel && (i->base == 4 || i->base == 5))
		seg = SEG_SS;
	if (i->seg_override != SEG_NONE &&
	    !(i->mode == 8 && i->seg_override < SEG_FS))
		seg = i->seg_override;
	i->seg = (uint8_t)seg;
}

/* Opcode bytes: escapes 0F, 0F 38, 0F 3A, or a VEX/EVEX prefix. Sets i->map,
 * i->opcode, *enc and *mp. */
static int decode_opcode(struct cursor *c, struct x86_insn *i, const struct prefixes *p,
			 unsigned *enc, unsigned *mp)
{
	static const uint8_t pp_prefix[4] = { 0, 0x66, 0xf3, 0xf2 };
	int b = peek(c, 0), next = peek(c, 1);

	*enc = ENC_LEGACY;
	*mp = p->last_rep ? p->last_rep : p->p66 ? 0x66 : 0;
	/* C4/C5/62 are VEX/EVEX in 64-bit mode, elsewhere only when the next byte
	 * would be a register-form ModRM (SDM vol. 2, 2.3.5; 2.7.1). */
	if ((b == 0xc4 || b == 0xc5 || b == 0x62) &&
	    (i->mode == 8 || (next >= 0 && (next & 0xc0) == 0xc0) || next < 0)) {
		unsigned pp = 0;
		bool had_rex = i->rex != 0;
		int err;

		if (next < 0) {
			take(c, 2);
			return c->err;
		}
		/* SDM vol. 2, 2.3.2-2.3.4: LOCK/66/F2/F3/REX before VEX -> #UD */
		err = decode_vex(c, i, b, &pp);
		if (err)
			return err;
		if (p->p66 || p->last_rep || i->lock || had_rex)
			return -EXC_UD;
		*enc = b == 0x62 ? ENC_EVEX : ENC_VEX;
		*mp = pp_prefix[pp];
		i->opcode = (uint8_t)take(c, 1);
		return c->err;
	}
	take(c, 1);
	if (b == 0x0f) {
		b = (int)take(c, 1);
		if (b == 0x38 || b == 0x3a) {
			i->map = b == 0x38 ? X86_MAP_38 : X86_MAP_3A;
			b = (int)take(c, 1);
		} else {
			i->map = X86_MAP_0F;
		}
	}
	i->opcode = (uint8_t)b;
	return c->err;
}

int x86_decode(struct x86_insn *i, const uint8_t *bytes, size_t avail, unsigned mode)
{
	struct cursor c = { .b = bytes, .avail = avail };
	struct prefixes p = { 0 };
	const struct x86_op_info *row;
	const struct decode_row *d;
	unsigned enc, mp, nimm = 0;
	int r, err;

	decode_index_init();
	memset(i, 0, sizeof(*i));
	i->mode = (uint8_t)mode;
	i->seg_override = SEG_NONE;
	i->base = i->index = 0xff;
	decode_prefixes(&c, i, &p);
	if (c.err)
		return c.err;
	i->has_rex = i->rex != 0;
	i->rep = p.last_rep == 0xf3 ? REP_F3 : p.last_rep == 0xf2 ? REP_F2 : REP_NONE;
	i->opsize_prefix = p.p66;
	i->addrsize = mode == 8 ? (p.p67 ? 4 : 8) : ((mode == 4) != p.p67) ? 4 : 2;
	err = decode_opcode(&c, i, &p, &enc, &mp);
	if (err)
		return err;
	if (g_decode_index.has_modrm[enc][i->map][i->opcode]) {
		i->has_modrm = true;
		i->modrm = (uint8_t)take(&c, 1);
		i->mod = i->modrm >> 6;
		if (c.err)
			return c.err;
	}
	r = decode_find_row(i, enc, mp);
	if (r < 0)
		return -EXC_UD;         /* no row: a hole in the map, or a form the mode lacks */
	row = &x86_rows[r];
	d = &g_decode_index.row[r];
	i->row = (uint16_t)r;
	i->op = row->op;
	i->mandatory_prefix = row->pfx == X86_PFX_66 ? 0x66 : row->pfx == X86_PFX_F3 ? 0xf3 :
			      row->pfx == X86_PFX_F2 ? 0xf2 : 0;
	if (enc != ENC_LEGACY)
		i->mandatory_prefix = (uint8_t)mp;
	set_sizes(i, row, &p);
	if (d->byte_form)
		i->opsize = 1;
	if (i->has_modrm)
		decode_modrm(&c, i, row->flags & X86F_MODREG);
	i->nopnd = d->nopnd;
	for (unsigned n = 0; n < d->nopnd; n++) {
		struct x86_operand *o = &i->opnd[n];

		o->size = (uint8_t)size_of(i, row->ops[n]);
		err = decode_operand(i, o, row->opa[n]);
		if (err)
			return c.err ? c.err : err;
		decode_imm(&c, i, o, row->opa[n], row->ops[n], &nimm);
	}
	if (c.err)
		return c.err;
	i->len = (uint8_t)c.pos;
	/* SDM vol. 2, 2.3.6: VEX.vvvv is reserved (1111b) when no operand uses it */
	if (enc == ENC_VEX && !d->uses_vvvv && row->op != X86_OP_VEX_OP && i->vvvv)
		return -EXC_UD;
	set_segment(i);
	/* SDM vol. 2, 2.1.1 and LOCK: #UD unless the row allows LOCK and the
	 * destination is memory */
	if (i->lock && (!(row->flags & X86F_LOCK) || i->opnd[0].kind != OPND_MEM))
		return -EXC_UD;
	return 0;
}
