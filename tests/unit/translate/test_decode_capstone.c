/*
 * tests/unit/translate/test_decode_capstone.c - cross-check of x86_decode against
 * Capstone on random and structured byte sequences in 16-, 32- and 64-bit modes:
 * lengths must agree, and where both decode, Capstone's register, memory and
 * immediate operands must be among ours. Disagreements where Capstone is wrong are
 * classified by capstone_wrong() and documented in docs/decoder-vs-capstone.md.
 *
 * CI runs a fixed seed and 1,000,000 sequences; ELZERO_DECODE_COUNT=n (or argv[1])
 * and ELZERO_DECODE_SEED=s run more; ELZERO_DECODE_VERBOSE=1 prints the summary
 * of explained differences too.
 */
/* Capstone's x86.h has an `enum x86_insn`, whose tag clashes with our
 * struct x86_insn: rename Capstone's in this file (enums have no linkage). */
#define x86_insn capstone_x86_insn
#include "tests/unit/common/check_run.h"
#include <capstone/capstone.h>
#undef x86_insn

#include "translate/opcodes.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static unsigned long long g_count = 1000000;
static unsigned long long g_seed = 0x5eed0e12ull;

/* ------------------------------------------------------------ random sequences */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static const uint8_t legacy_prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67,
					   0xf0, 0xf2, 0xf3 };

/* Fill b[16] with one test sequence of kind k for mode; n walks every opcode. */
static void gen_sequence(uint8_t *b, unsigned mode, uint64_t *rs, unsigned long long n)
{
	unsigned pos = 0, kind = (unsigned)(rng_next(rs) % 20), npfx;
	uint64_t r;

	for (unsigned k = 0; k < 16; k += 8) {
		r = rng_next(rs);
		memcpy(b + k, &r, 8);
	}
	if (kind < 3)
		return;                 /* pure random bytes */
	npfx = (unsigned)(rng_next(rs) % 8);
	npfx = npfx > 4 ? 0 : npfx;
	for (unsigned k = 0; k < npfx; k++) {
		b[pos] = legacy_prefixes[rng_next(rs) % sizeof(legacy_prefixes)];
		if (b[pos] == 0xf0 && rng_next(rs) % 3)
			b[pos] = 0x3e;  /* LOCK is mostly #UD: keep it rarer */
		pos++;
	}
	if (mode == 8 && rng_next(rs) % 3 == 0)
		b[pos++] = 0x40 | (uint8_t)(rng_next(rs) & 15);
	if (kind < 5) {                 /* VEX / EVEX */
		static const uint8_t vex[] = { 0xc4, 0xc5, 0x62 };

		b[pos] = vex[rng_next(rs) % 3];
		if (b[pos] == 0x62) {
			b[pos + 1] &= 0xf3;
			if (rng_next(rs) & 1)
				b[pos + 2] |= 0x04;
		}
		if (b[pos] == 0xc4 && (rng_next(rs) & 3))
			b[pos + 1] = (b[pos + 1] & 0xe0) | (uint8_t)(1 + rng_next(rs) % 3);
		if (mode != 8 && (rng_next(rs) & 3))
			b[pos + 1] |= 0xc0;
		return;
	}
	/* every opcode of every map in turn, with random ModRM/SIB/disp/imm after it */
	switch ((n >> 8) % 6) {     /* the dense maps twice as often */
	case 0: case 1: break;
	case 2: case 3: b[pos++] = 0x0f; break;
	case 4: b[pos++] = 0x0f; b[pos++] = 0x38; break;
	case 5: b[pos++] = 0x0f; b[pos++] = 0x3a; break;
	}
	b[pos++] = (uint8_t)n;
	if (rng_next(rs) % 4 == 0)
		b[pos] |= 0xc0;         /* register forms as often as memory ones */
}

/* ------------------------------------------------------------ Capstone registers */

enum { CREG_NONE, CREG_GPR, CREG_HI8, CREG_SEG, CREG_CR, CREG_DR, CREG_XMM, CREG_MMX,
       CREG_ST, CREG_RIP, CREG_OTHER };

struct creg {
	uint8_t kind, num;
};

static struct creg g_regs[X86_REG_ENDING];

static int index_of(const char *const *names, unsigned n, const char *s)
{
	for (unsigned k = 0; k < n; k++)
		if (!strcmp(names[k], s))
			return (int)k;
	return -1;
}

static struct creg parse_reg_name(const char *s)
{
	static const char *const q[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi" };
	static const char *const d[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	static const char *const w[] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
	static const char *const b[] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil" };
	static const char *const h[] = { "ah", "ch", "dh", "bh" };
	static const char *const sg[] = { "es", "cs", "ss", "ds", "fs", "gs" };
	struct creg c = { CREG_OTHER, 0 };
	int k;
	unsigned n;

	if ((k = index_of(q, 8, s)) >= 0 || (k = index_of(d, 8, s)) >= 0 ||
	    (k = index_of(w, 8, s)) >= 0 || (k = index_of(b, 8, s)) >= 0)
		return (struct creg){ CREG_GPR, (uint8_t)k };
	if ((k = index_of(h, 4, s)) >= 0)
		return (struct creg){ CREG_HI8, (uint8_t)k };
	if ((k = index_of(sg, 6, s)) >= 0)
		return (struct creg){ CREG_SEG, (uint8_t)k };
	if (!strcmp(s, "rip") || !strcmp(s, "eip") || !strcmp(s, "ip"))
		return (struct creg){ CREG_RIP, 0 };
	if (sscanf(s, "r%u", &n) == 1 && n >= 8 && n < 16)
		return (struct creg){ CREG_GPR, (uint8_t)n };
	if (sscanf(s, "xmm%u", &n) == 1 || sscanf(s, "ymm%u", &n) == 1 ||
	    sscanf(s, "zmm%u", &n) == 1)
		return (struct creg){ CREG_XMM, (uint8_t)n };
	if (sscanf(s, "mm%u", &n) == 1)
		return (struct creg){ CREG_MMX, (uint8_t)n };
	if (sscanf(s, "st(%u)", &n) == 1)
		return (struct creg){ CREG_ST, (uint8_t)n };
	if (sscanf(s, "cr%u", &n) == 1)
		return (struct creg){ CREG_CR, (uint8_t)n };
	if (sscanf(s, "dr%u", &n) == 1)
		return (struct creg){ CREG_DR, (uint8_t)n };
	return c;
}

static void init_regs(csh h)
{
	for (unsigned r = 1; r < X86_REG_ENDING; r++) {
		const char *s = cs_reg_name(h, r);

		g_regs[r] = s ? parse_reg_name(s) : (struct creg){ CREG_OTHER, 0 };
	}
	g_regs[0] = (struct creg){ CREG_NONE, 0 };
}

/* Our operand as a Capstone-style register, or CREG_NONE. */
static struct creg our_reg(const struct x86_insn *i, const struct x86_operand *o)
{
	switch (o->kind) {
	case OPND_GPR:
		if (o->size == 1 && !i->has_rex && o->reg >= 4 && o->reg < 8)
			return (struct creg){ CREG_HI8, (uint8_t)(o->reg - 4) };
		return (struct creg){ CREG_GPR, o->reg };
	case OPND_SEG: return (struct creg){ CREG_SEG, o->reg };
	case OPND_CR: return (struct creg){ CREG_CR, o->reg };
	case OPND_DR: return (struct creg){ CREG_DR, o->reg };
	case OPND_XMM: return (struct creg){ CREG_XMM, o->reg };
	case OPND_MMX: return (struct creg){ CREG_MMX, o->reg };
	case OPND_ST: return (struct creg){ CREG_ST, o->reg };
	default: return (struct creg){ CREG_NONE, 0 };
	}
}

/* ------------------------------------------------------------ comparison */

enum verdict { V_AGREE, V_CS_ONLY, V_OURS_ONLY, V_LEN, V_REG, V_MEM, V_IMM, V_SIZE, V_EXTRA };
static const char *const verdict_names[] = { "agree", "capstone-only", "ours-only",
					     "length", "register", "memory", "immediate",
					     "size", "extra-reg" };

/* Whether one of our operands is register c with the given size. */
static bool has_reg_sized(const struct x86_insn *i, struct creg c, unsigned size)
{
	for (unsigned n = 0; n < i->nopnd; n++) {
		struct creg o = our_reg(i, &i->opnd[n]);

		if (o.kind == c.kind && o.num == c.num && i->opnd[n].size == size)
			return true;
	}
	return false;
}

/* The sizes in the last V_SIZE verdict, for the summary. */
static unsigned g_size_ours, g_size_cs;

static unsigned our_mem_size(const struct x86_insn *i)
{
	for (unsigned n = 0; n < i->nopnd; n++) {
		unsigned k = i->opnd[n].kind;

		if (k == OPND_MEM || k == OPND_MOFFS || k == OPND_STRSRC || k == OPND_STRDST)
			return i->opnd[n].size;
	}
	return 0;
}

static bool has_reg(const struct x86_insn *i, struct creg c)
{
	for (unsigned n = 0; n < i->nopnd; n++) {
		struct creg o = our_reg(i, &i->opnd[n]);

		if (o.kind == c.kind && o.num == c.num)
			return true;
	}
	return false;
}

static bool mem_agrees(const struct x86_insn *i, const x86_op_mem *m)
{
	struct creg base = g_regs[m->base], index = g_regs[m->index];
	uint64_t mask = size_mask(i->addrsize);

	for (unsigned n = 0; n < i->nopnd; n++) {
		const struct x86_operand *o = &i->opnd[n];

		if (o->kind == OPND_STRSRC || o->kind == OPND_STRDST) {
			if (base.kind == CREG_GPR && base.num == o->reg && index.kind == CREG_NONE)
				return true;
			continue;
		}
		if (o->kind != OPND_MEM && o->kind != OPND_MOFFS)
			continue;
		if (i->rip_rel != (base.kind == CREG_RIP))
			continue;
		if (!i->rip_rel && (base.kind == CREG_NONE ? i->base != 0xff :
				    base.kind != CREG_GPR || base.num != i->base))
			continue;
		if (index.kind == CREG_NONE ? i->index != 0xff :
		    index.kind != CREG_GPR || index.num != i->index || m->scale != i->scale)
			continue;
		if (((uint64_t)m->disp & mask) != ((uint64_t)i->disp & mask))
			continue;
		return true;
	}
	return false;
}

static bool imm_agrees(const struct x86_insn *i, const cs_x86_op *op, uint64_t addr)
{
	for (unsigned n = 0; n < i->nopnd; n++) {
		const struct x86_operand *o = &i->opnd[n];
		uint64_t mask = size_mask(o->size ? o->size : 8), v = (uint64_t)op->imm & mask;

		if (o->kind == OPND_IMM && (((o->reg ? i->imm2 : i->imm) & mask) == v))
			return true;
		if (o->kind == OPND_FARPTR && ((i->imm & 0xffffffffu) == ((uint64_t)op->imm & 0xffffffffu) ||
					       (i->imm2 & 0xffff) == ((uint64_t)op->imm & 0xffff)))
			return true;
		if (o->kind == OPND_REL) {
			uint64_t target = (addr + i->len + i->imm) & mask;

			if (target == v)
				return true;
		}
	}
	return false;
}

static bool has_x87_reg(const struct x86_insn *i)
{
	for (unsigned n = 0; n < i->nopnd; n++)
		if (i->opnd[n].kind == OPND_ST)
			return true;
	return false;
}

static enum verdict compare(const struct x86_insn *i, const cs_insn *ci, uint64_t addr)
{
	const cs_x86 *x = &ci->detail->x86;
	bool size_bad = false;

	if (ci->size != i->len)
		return V_LEN;
	/* VEX/EVEX encodings without a row decode for length only */
	if (i->op == X86_OP_VEX_OP || i->op == X86_OP_EVEX_OP)
		return V_AGREE;
	for (unsigned k = 0; k < x->op_count; k++) {
		const cs_x86_op *op = &x->operands[k];

		switch (op->type) {
		case X86_OP_REG: {
			struct creg c = g_regs[op->reg];

			if (c.kind == CREG_OTHER || c.kind == CREG_NONE)
				break;  /* flags, mask registers: not operands of ours */
			if (c.kind == CREG_ST && c.num == 0 && has_x87_reg(i))
				break;  /* ST(0) implied by an ST(i) form */
			if (!has_reg(i, c))
				return V_REG;
			if ((c.kind == CREG_GPR || c.kind == CREG_HI8) && op->size &&
			    !has_reg_sized(i, c, op->size)) {
				size_bad = true;
				g_size_cs = op->size;
				g_size_ours = 0xff;
			}
			break;
		}
		case X86_OP_MEM:
			if (!mem_agrees(i, &op->mem))
				return V_MEM;
			/* 0 is our "no meaningful size" (LEA, FXSAVE area, INVLPG) */
			if (op->size && our_mem_size(i) && our_mem_size(i) != op->size) {
				size_bad = true;
				g_size_cs = op->size;
				g_size_ours = our_mem_size(i);
			}
			break;
		case X86_OP_IMM:
			if (!imm_agrees(i, op, addr))
				return V_IMM;
			break;
		default:
			break;
		}
	}
	if (size_bad)
		return V_SIZE;
	/* the other way round: each register operand of ours is among Capstone's
	 * operands or its implicit registers */
	for (unsigned n = 0; n < i->nopnd; n++) {
		struct creg o = our_reg(i, &i->opnd[n]);
		/* Capstone leaves ST(0) out of two-operand x87 forms */
		bool found = o.kind == CREG_NONE || (o.kind == CREG_ST && o.num == 0);

		for (unsigned k = 0; k < x->op_count && !found; k++) {
			struct creg c = x->operands[k].type == X86_OP_REG ? g_regs[x->operands[k].reg] :
					(struct creg){ CREG_NONE, 0 };

			found = c.kind == o.kind && c.num == o.num;
		}
		for (unsigned k = 0; k < ci->detail->regs_read_count && !found; k++) {
			struct creg c = g_regs[ci->detail->regs_read[k]];

			found = c.kind == o.kind && c.num == o.num;
		}
		for (unsigned k = 0; k < ci->detail->regs_write_count && !found; k++) {
			struct creg c = g_regs[ci->detail->regs_write[k]];

			found = c.kind == o.kind && c.num == o.num;
		}
		if (!found)
			return V_EXTRA;
	}
	return V_AGREE;
}

/* ------------------------------------------------------------ Capstone's errors */

static bool is_legacy_prefix(uint8_t b)
{
	return memchr(legacy_prefixes, b, sizeof(legacy_prefixes)) != NULL;
}

/* Number of legacy prefix bytes (and REX in 64-bit mode) before the opcode. */
static unsigned prefix_len(const uint8_t *b, unsigned mode, bool *has_rex)
{
	unsigned n = 0;

	*has_rex = false;
	while (n < 15) {
		if (is_legacy_prefix(b[n])) {
			*has_rex = false;
			n++;
		} else if (mode == 8 && (b[n] & 0xf0) == 0x40) {
			*has_rex = true;
			n++;
		} else {
			break;
		}
	}
	return n;
}

static bool seen_prefix(const uint8_t *b, unsigned np, uint8_t p)
{
	return memchr(b, p, np) != NULL;
}

/* Our operation name vs Capstone's mnemonic, ignoring case and a "64" suffix. */
static bool same_mnemonic(const char *ours, const char *cs)
{
	size_t n = strlen(cs);

	if (n > 2 && !strcmp(cs + n - 2, "64"))
		n -= 2;
	return strlen(ours) == n && !strncasecmp(ours, cs, n);
}

/* b with its np prefix bytes reordered: other legacy prefixes, then 66/F2/F3 in
 * their order (66 made a DS override when drop66), then the REX byte. */
static void reorder_prefixes(const uint8_t *b, unsigned np, bool rex, bool drop66, uint8_t *c)
{
	unsigned k = 0;

	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned n = 0; n < np - rex; n++) {
			bool mand = b[n] == 0x66 || b[n] == 0xf2 || b[n] == 0xf3;

			if (pass == 0 && drop66 && b[n] == 0x66)
				c[k++] = 0x3e;
			else if (pass == 0 && (b[n] & 0xf0) == 0x40)
				c[k++] = 0x3e;  /* a REX followed by a legacy prefix: ignored */
			else if ((pass == 0 && !mand) || (pass == 1 && mand && !(drop66 && b[n] == 0x66)))
				c[k++] = b[n];
		}
	if (rex)
		c[k++] = b[np - 1];
	memcpy(c + k, b + np, 16 - np);
}

/* Capstone's answer for bytes c (one instruction), compared with ours for b. */
static bool capstone_agrees_on(csh h, cs_insn *ci, const uint8_t *c, const struct x86_insn *i,
			       int err)
{
	const uint8_t *code = c;
	size_t size = 15;
	uint64_t addr = 0x1000;

	if (!cs_disasm_iter(h, &code, &size, &addr, ci))
		return err != 0;
	return err == 0 && compare(i, ci, 0x1000) == V_AGREE;
}

/* One disagreement, as the explanation predicates see it. */
struct xcase {
	csh h;
	cs_insn *scratch;
	const uint8_t *b;       /* the 16 bytes */
	const uint8_t *op;      /* after the prefixes */
	unsigned mode, np;      /* np: prefix bytes, REX included */
	bool rex;
	int err;                /* ours */
	const struct x86_insn *i;
	const cs_insn *ci;      /* NULL when Capstone says invalid */
	enum verdict v;
};

static bool pfx(const struct xcase *x, uint8_t p)
{
	return seen_prefix(x->b, x->np, p);
}

static bool ours_ud(const struct xcase *x)
{
	return x->err == -EXC_UD && x->ci;
}

static bool op_is(const struct xcase *x, unsigned op)
{
	return !x->err && x->i->op == op;
}

/* Our decode of x's bytes with each prefix byte in `from` made a DS override. */
static int decode_without(const struct xcase *x, const uint8_t *from, unsigned nfrom,
			  struct x86_insn *j)
{
	uint8_t c[16];

	memcpy(c, x->b, 16);
	for (unsigned k = 0; k < x->np; k++)
		if (memchr(from, c[k], nfrom))
			c[k] = 0x3e;
	return x86_decode(j, c, 15, x->mode);
}

/* 3DNow! (0F 0E, 0F 0F): AMD dropped it; not in the SDM's map */
static bool xp_3dnow(const struct xcase *x)
{
	return x->err == -EXC_UD && x->op[0] == 0x0f && (x->op[1] == 0x0e || x->op[1] == 0x0f);
}

/* Capstone accepts LOCK anywhere; SDM: #UD unless lockable with a memory dest */
static bool xp_lock(const struct xcase *x)
{
	static const uint8_t lock[] = { 0xf0 };
	struct x86_insn j;
	int err;

	if (!ours_ud(x) || !pfx(x, 0xf0))
		return false;
	err = decode_without(x, lock, 1, &j);
	return err == -EXC_UD || (!err && (!(x86_insn_info(&j)->flags & X86F_LOCK) ||
					   j.opnd[0].kind != OPND_MEM));
}

/* VEX/EVEX after 66/F2/F3/LOCK/REX is #UD (SDM vol. 2, 2.3.2-2.3.4) */
static bool xp_vex_prefix(const struct xcase *x)
{
	return ours_ud(x) && (x->op[0] == 0xc4 || x->op[0] == 0xc5 || x->op[0] == 0x62) &&
	       (x->rex || pfx(x, 0x66) || pfx(x, 0xf2) || pfx(x, 0xf3) || pfx(x, 0xf0));
}

/* undefined VEX/EVEX opcodes: we decode for length and #UD at execution */
static bool xp_vex_undefined(const struct xcase *x)
{
	return x->v == V_OURS_ONLY && (op_is(x, X86_OP_VEX_OP) || op_is(x, X86_OP_EVEX_OP));
}

/* UD0/UD1 take a ModRM (SDM vol. 2, UD) */
static bool xp_ud0_ud1(const struct xcase *x)
{
	return (op_is(x, X86_OP_UD0) || op_is(x, X86_OP_UD1)) &&
	       (x->v == V_LEN || x->v == V_OURS_ONLY);
}

/* 0F 0D and 0F 18-1F hint NOPs (SDM vol. 2, table A-3) */
static bool xp_hint_nop(const struct xcase *x)
{
	const struct x86_insn *i = x->i;

	return !x->err && i->map == X86_MAP_0F &&
	       (i->opcode == 0x0d || (i->opcode >= 0x18 && i->opcode <= 0x1f)) &&
	       (x->v == V_OURS_ONLY || x->v == V_REG || x->v == V_SIZE || x->v == V_EXTRA);
}

/* REX.B 90 is XCHG r8, rAX (SDM vol. 2, NOP, XCHG) whatever other prefixes come
 * before it; Capstone says NOP (or PAUSE with F3) when 66/F2/F3 are there too */
static bool xp_xchg_r8(const struct xcase *x)
{
	return x->v == V_EXTRA && op_is(x, X86_OP_XCHG) && x->i->opcode == 0x90 && x->ci &&
	       (!strcmp(x->ci->mnemonic, "nop") || !strcmp(x->ci->mnemonic, "pause"));
}

/* far pointers in memory are m16:16/m16:32/m16:64; Capstone gives the offset's
 * size (and m16:64 without REX.W) */
static bool xp_farptr_size(const struct xcase *x)
{
	return x->v == V_SIZE && (op_is(x, X86_OP_LES) || op_is(x, X86_OP_LDS) ||
				  op_is(x, X86_OP_LSS) || op_is(x, X86_OP_LFS) ||
				  op_is(x, X86_OP_LGS) || op_is(x, X86_OP_JMP_FAR) ||
				  op_is(x, X86_OP_CALL_FAR));
}

/* 63 /r without REX.W is MOVSXD r32, r/m32 (SDM vol. 2, MOVSXD) */
static bool xp_movsxd_32(const struct xcase *x)
{
	return x->v == V_SIZE && op_is(x, X86_OP_MOVSXD) && !(x->i->rex & 8);
}

/* x87 memory operand sizes: FNSTSW m2byte, FRSTOR/FNSAVE 94/108 bytes,
 * FLDENV/FNSTENV 14/28 bytes by operand size (SDM vol. 1, 8.1.10) */
static bool xp_x87_mem_size(const struct xcase *x)
{
	return !x->err && x->v == V_SIZE && x->i->map == X86_MAP_1B &&
	       x->i->opcode >= 0xd8 && x->i->opcode <= 0xdf;
}

/* LAR/LSL read m16 (SDM vol. 2, LAR, LSL) */
static bool xp_lar_lsl_m16(const struct xcase *x)
{
	return x->v == V_SIZE && (op_is(x, X86_OP_LAR) || op_is(x, X86_OP_LSL));
}

/* COMISS/COMISD compare m32/m64 (SDM vol. 2, COMISS, COMISD) */
static bool xp_scalar_mem_size(const struct xcase *x)
{
	return x->v == V_SIZE && (op_is(x, X86_OP_COMISS) || op_is(x, X86_OP_COMISD) ||
				  op_is(x, X86_OP_UCOMISS) || op_is(x, X86_OP_UCOMISD));
}

/* MOV to CS is #UD (SDM vol. 2, MOV) */
static bool xp_mov_cs(const struct xcase *x)
{
	return ours_ud(x) && !strcmp(x->ci->mnemonic, "mov") && !strncmp(x->ci->op_str, "cs,", 3);
}

/* REX.W overrides 66 (SDM vol. 2, 2.2.1.2) */
static bool xp_rexw_over_66(const struct xcase *x)
{
	return !x->err && x->v == V_SIZE && x->mode == 8 && (x->i->rex & 8) && pfx(x, 0x66);
}

/* group 15 mod=11b fences ignore rm (SDM vol. 2, table A-6) */
static bool xp_fence_rm(const struct xcase *x)
{
	return x->v == V_OURS_ONLY && (op_is(x, X86_OP_LFENCE) || op_is(x, X86_OP_MFENCE) ||
				       op_is(x, X86_OP_SFENCE));
}

/* 16-bit mode: Capstone ignores 66/F2/F3 as mandatory prefixes */
static bool xp_mode16_mandatory(const struct xcase *x)
{
	return x->mode == 2 && (pfx(x, 0x66) || pfx(x, 0xf2) || pfx(x, 0xf3)) &&
	       ((x->err && x->op[0] == 0x0f) ||
		(!x->err && x->i->map != X86_MAP_1B && !x->i->vex));
}

/* 64-bit mode near branches ignore 66 (SDM vol. 2, A.2.5 f64) */
static bool xp_branch_66_64(const struct xcase *x)
{
	return !x->err && x->mode == 8 && (x86_insn_info(x->i)->flags & X86F_F64) &&
	       pfx(x, 0x66) && (x->v == V_LEN || x->v == V_IMM);
}

/* Capstone lists implicit registers (INVLPGA's rAX, ECX) as operands */
static bool xp_implicit_operands(const struct xcase *x)
{
	return !x->err && x->v == V_REG && x->i->nopnd == 0;
}

/* REX.R is ignored for segment registers (SDM vol. 2, 2.2.1.2) */
static bool xp_sreg_rexr(const struct xcase *x)
{
	return x->v == V_OURS_ONLY && (op_is(x, X86_OP_MOV) || op_is(x, X86_OP_MOV_SEG)) &&
	       x->i->map == X86_MAP_1B && (x->i->opcode == 0x8c || x->i->opcode == 0x8e) &&
	       (x->i->rex & 4);
}

/* the displacement size of a branch is the operand size, not the address size */
static bool xp_branch_target(const struct xcase *x)
{
	return !x->err && x->v == V_IMM && x->i->opnd[0].kind == OPND_REL &&
	       (pfx(x, 0x66) || pfx(x, 0x67));
}

/* instructions Capstone 4.0.2 does not know or decodes as something else */
static bool xp_capstone_unknown(const struct xcase *x)
{
	return op_is(x, X86_OP_RDPKRU) || op_is(x, X86_OP_WRPKRU) || op_is(x, X86_OP_CLZERO) ||
	       op_is(x, X86_OP_MONITORX) || op_is(x, X86_OP_MWAITX) || op_is(x, X86_OP_RDPID) ||
	       op_is(x, X86_OP_SALC) || op_is(x, X86_OP_FFREEP);
}

/* AMD XOP (8F with ModRM.reg != 0): not in the SDM, no model has it */
static bool xp_xop(const struct xcase *x)
{
	return ours_ud(x) && x->op[0] == 0x8f;
}

/* A0-A3 with REX.R or F2/F3: REX.R has nothing to extend (SDM vol. 2, 2.2.1.2)
 * and REP on non-string instructions is ignored */
static bool xp_moffs_prefix(const struct xcase *x)
{
	return !x->err && x->v == V_OURS_ONLY && x->i->map == X86_MAP_1B &&
	       x->i->opcode >= 0xa0 && x->i->opcode <= 0xa3;
}

/* 67 on a form without memory operand has no effect (SDM vol. 2, 2.1.1) */
static bool xp_addr_prefix_regform(const struct xcase *x)
{
	return !x->err && x->v == V_OURS_ONLY && pfx(x, 0x67) && x->i->has_modrm &&
	       x->i->mod == 3;
}

/* 64-bit mode, 67 with REX: Capstone picks the 66 form of MMX/SSE opcodes, or
 * misreads immediates and operand sizes */
static bool xp_rex_67(const struct xcase *x)
{
	if (x->mode != 8 || !x->rex || !pfx(x, 0x67) || pfx(x, 0x66))
		return false;
	if (x->err)
		return ours_ud(x) && x->op[0] == 0x0f;
	return (x->v == V_REG && x->i->map != X86_MAP_1B) || x->v == V_LEN || x->v == V_SIZE;
}

/* 64-bit mode, 66 with a REX.W=0 on a default-64 instruction: Capstone reads a
 * 32-bit immediate (SDM vol. 2, 2.2.1.2: REX.W=0 leaves 66 in force) */
static bool xp_rex_66(const struct xcase *x)
{
	return !x->err && x->mode == 8 && x->rex && !(x->b[x->np - 1] & 8) && pfx(x, 0x66) &&
	       x->v == V_LEN && (x86_insn_info(x->i)->flags & X86F_D64);
}

/* 66 with F2/F3 on an instruction F2/F3 do not select: Capstone drops the 66 as if
 * it were a mandatory prefix; it is an operand-size prefix */
static bool xp_rep_66_opsize(const struct xcase *x)
{
	return !x->err && (x->v == V_LEN || x->v == V_SIZE || x->v == V_IMM) && pfx(x, 0x66) &&
	       x86_insn_info(x->i)->pfx == X86_PFX_ANY && (pfx(x, 0xf2) || pfx(x, 0xf3));
}

/* EVEX with 67: Capstone decodes the ModRM/SIB at the wrong size */
static bool xp_evex_67(const struct xcase *x)
{
	return x->v == V_LEN && op_is(x, X86_OP_EVEX_OP) && pfx(x, 0x67);
}

/* PCOMMIT (66 0F AE F8) was withdrawn from the SDM before any CPU had it */
static bool xp_pcommit(const struct xcase *x)
{
	return ours_ud(x) && !strcmp(x->ci->mnemonic, "pcommit");
}

/* EXTRQ imm form is 66 0F 78 /0 (AMD APM vol. 4): Capstone ignores ModRM.reg */
static bool xp_extrq_reg(const struct xcase *x)
{
	return ours_ud(x) && !strcmp(x->ci->mnemonic, "extrq");
}

/* VIA PadLock (0F A6/A7): not in the SDM */
static bool xp_via_padlock(const struct xcase *x)
{
	return ours_ud(x) && x->op[0] == 0x0f && (x->op[1] == 0xa6 || x->op[1] == 0xa7);
}

/* SWAPGS is #UD outside 64-bit mode (SDM vol. 2, SWAPGS) */
static bool xp_swapgs_mode(const struct xcase *x)
{
	return ours_ud(x) && x->mode != 8 && !strcmp(x->ci->mnemonic, "swapgs");
}

/* F2/F3 with a 66-only opcode: F2/F3 select the form first, and there is none
 * (#UD); Capstone falls back to the 66 form */
static bool xp_rep_over_66(const struct xcase *x)
{
	static const uint8_t reps[] = { 0xf2, 0xf3 };
	struct x86_insn j;

	return ours_ud(x) && pfx(x, 0x66) && (pfx(x, 0xf2) || pfx(x, 0xf3)) &&
	       !decode_without(x, reps, 2, &j) && j.mandatory_prefix == 0x66;
}

/* EVEX.b with register operands (embedded rounding): Capstone reads one more byte */
static bool xp_evex_rounding(const struct xcase *x)
{
	return op_is(x, X86_OP_EVEX_OP) && x->v == V_LEN && x->i->mod == 3 &&
	       x->ci->size == x->i->len + 1;
}

/* F3 0F 7E is MOVQ xmm, xmm/m64 whatever REX.W says */
static bool xp_f3_0f7e_rexw(const struct xcase *x)
{
	return op_is(x, X86_OP_MOVQ) && x->i->map == X86_MAP_0F && x->i->opcode == 0x7e &&
	       (x->i->rex & 8);
}

/* An F2/F3 or 66 on an NP-only SSE/MMX opcode: SDM vol. 2, 3.1.1.1 "NP": #UD (or
 * another instruction); Capstone ignores the prefix. Explained only when Capstone's
 * mnemonic is the one of our prefix-less row. */
static bool xp_np_prefix(const struct xcase *x)
{
	static const uint8_t mand[] = { 0x66, 0xf2, 0xf3 };
	struct x86_insn j;

	return ours_ud(x) && x->op[0] == 0x0f && !decode_without(x, mand, 3, &j) &&
	       same_mnemonic(x86_op_name(j.op), x->ci->mnemonic);
}

/* Capstone loses a mandatory 66/F2/F3 when another prefix follows it, and takes the
 * 66 form when 66 comes after F2/F3 (prefixes of different groups may come in any
 * order, SDM vol. 2, 2.1.1, and F2/F3 select the form first): with 66/F2/F3 moved
 * last (drop66: and the 66 removed) Capstone must agree. */
static bool reordered_agrees(const struct xcase *x, bool drop66)
{
	uint8_t c[16];
	struct x86_insn j;
	int err;

	if (!x->np)
		return false;
	reorder_prefixes(x->b, x->np, x->rex, drop66, c);
	if (!memcmp(c, x->b, 16))
		return false;
	err = x86_decode(&j, c, 15, x->mode);
	return err == x->err && (err || j.op == x->i->op) &&
	       capstone_agrees_on(x->h, x->scratch, c, &j, err);
}

static bool xp_prefix_order(const struct xcase *x)
{
	return reordered_agrees(x, false);
}

static bool xp_mandatory_precedence(const struct xcase *x)
{
	return !x->err && (x->i->mandatory_prefix == 0xf2 || x->i->mandatory_prefix == 0xf3) &&
	       reordered_agrees(x, true);
}

/*
 * Known cases where Capstone 4.0.2 disagrees with the SDM, tried in order; each is
 * a class of docs/decoder-vs-capstone.md.
 */
static const struct {
	const char *name;
	bool (*fn)(const struct xcase *x);
} g_explanations[] = {
	{ "3dnow", xp_3dnow }, { "lock", xp_lock }, { "vex-prefix", xp_vex_prefix },
	{ "vex-undefined", xp_vex_undefined }, { "ud0-ud1", xp_ud0_ud1 },
	{ "hint-nop", xp_hint_nop }, { "xchg-r8", xp_xchg_r8 },
	{ "farptr-size", xp_farptr_size }, { "movsxd-32", xp_movsxd_32 },
	{ "x87-mem-size", xp_x87_mem_size }, { "lar-lsl-m16", xp_lar_lsl_m16 },
	{ "scalar-mem-size", xp_scalar_mem_size }, { "mov-cs", xp_mov_cs },
	{ "rexw-over-66", xp_rexw_over_66 }, { "fence-rm", xp_fence_rm },
	{ "mode16-mandatory", xp_mode16_mandatory }, { "branch-66-64", xp_branch_66_64 },
	{ "implicit-operands", xp_implicit_operands }, { "sreg-rexr", xp_sreg_rexr },
	{ "branch-target", xp_branch_target }, { "capstone-unknown", xp_capstone_unknown },
	{ "xop", xp_xop }, { "moffs-prefix", xp_moffs_prefix },
	{ "addr-prefix-regform", xp_addr_prefix_regform }, { "rex-67", xp_rex_67 },
	{ "rex-66", xp_rex_66 }, { "rep-66-opsize", xp_rep_66_opsize },
	{ "evex-67", xp_evex_67 }, { "pcommit", xp_pcommit }, { "extrq-reg", xp_extrq_reg },
	{ "via-padlock", xp_via_padlock }, { "swapgs-mode", xp_swapgs_mode },
	{ "rep-over-66", xp_rep_over_66 }, { "evex-rounding", xp_evex_rounding },
	{ "f3-0f7e-rexw", xp_f3_0f7e_rexw }, { "np-prefix", xp_np_prefix },
	{ "prefix-order", xp_prefix_order },
	{ "mandatory-precedence", xp_mandatory_precedence },
};

static const char *capstone_wrong(csh h, cs_insn *scratch, const uint8_t *b, unsigned mode,
				  int err, const struct x86_insn *i, const cs_insn *ci,
				  enum verdict v)
{
	struct xcase x = { .h = h, .scratch = scratch, .b = b, .mode = mode, .err = err,
			   .i = i, .ci = ci, .v = v };

	x.np = prefix_len(b, mode, &x.rex);
	x.op = b + x.np;
	for (unsigned k = 0; k < sizeof(g_explanations) / sizeof(g_explanations[0]); k++)
		if (g_explanations[k].fn(&x))
			return g_explanations[k].name;
	return NULL;
}

/* ------------------------------------------------------------ the run */

#define MAX_KEYS 16384     /* a power of two: open-addressed by key */

struct key_stat {
	uint32_t key;
	const char *why;        /* NULL: unexplained */
	unsigned long long count;
	uint8_t example[16];
	unsigned mode;
	char text[96];
};

struct xstats {
	unsigned long long total, both_ok, both_fail, explained, unexplained;
	struct key_stat keys[MAX_KEYS];
};

static void record(struct xstats *st, uint32_t key, const char *why, const uint8_t *b,
		   unsigned mode, const cs_insn *ci)
{
	uint32_t hkey = key ^ (uint32_t)(uintptr_t)why ^ (mode << 27);
	unsigned slot = (hkey * 2654435761u) & (MAX_KEYS - 1);
	struct key_stat *k;

	for (unsigned probe = 0; probe < MAX_KEYS; probe++, slot = (slot + 1) & (MAX_KEYS - 1)) {
		k = &st->keys[slot];
		if (k->count && (k->key != key || k->why != why || k->mode != mode))
			continue;
		if (!k->count) {
			k->key = key;
			k->why = why;
			k->mode = mode;
			memcpy(k->example, b, 16);
			if (ci && (key >> 28) == V_SIZE)
				snprintf(k->text, sizeof(k->text), "%.31s %.50s; ours %u cs %u",
					 ci->mnemonic, ci->op_str, g_size_ours, g_size_cs);
			else if (ci)
				snprintf(k->text, sizeof(k->text), "%.31s %.60s", ci->mnemonic, ci->op_str);
			else
				snprintf(k->text, sizeof(k->text), "(capstone: invalid)");
		}
		k->count++;
		return;
	}
}

static int cmp_keys(const void *a, const void *b)
{
	const struct key_stat *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void print_summary(struct xstats *st, bool all)
{
	qsort(st->keys, MAX_KEYS, sizeof(st->keys[0]), cmp_keys);
	for (unsigned n = 0; n < MAX_KEYS && st->keys[n].count; n++) {
		const struct key_stat *k = &st->keys[n];

		if (k->why && !all)
			continue;
		fprintf(stderr, "%8llu %-13s mode %u map %u op %02x pfx %02x %s: ", k->count,
			verdict_names[k->key >> 28], k->mode, (k->key >> 16) & 7,
			k->key & 0xff, (k->key >> 8) & 0xff, k->why ? k->why : "UNEXPLAINED");
		for (unsigned j = 0; j < 15; j++)
			fprintf(stderr, "%02x", k->example[j]);
		fprintf(stderr, "  [%s]\n", k->text);
	}
}

static void check_one(csh h, cs_insn *ci, cs_insn *scratch, const uint8_t *b, unsigned mode,
		      struct xstats *st)
{
	struct x86_insn i;
	const uint8_t *code = b;
	size_t size = 15;
	uint64_t addr = 0x1000;
	int err = x86_decode(&i, b, 15, mode);
	bool cs_ok = cs_disasm_iter(h, &code, &size, &addr, ci);
	enum verdict v;
	const char *why;
	uint32_t key;

	st->total++;
	if (err && !cs_ok) {
		st->both_fail++;
		return;
	}
	v = err ? V_CS_ONLY : !cs_ok ? V_OURS_ONLY : compare(&i, ci, 0x1000);
	if (v == V_AGREE) {
		st->both_ok++;
		return;
	}
	why = capstone_wrong(h, scratch, b, mode, err, &i, cs_ok ? ci : NULL, v);
	if (why)
		st->explained++;
	else
		st->unexplained++;
	if (err && cs_ok) {
		const uint8_t *o = ci->detail->x86.opcode;
		unsigned map = o[0] != 0x0f ? 0 : o[1] == 0x38 ? 2 : o[1] == 0x3a ? 3 : 1;

		key = ((uint32_t)v << 28) | ((uint32_t)map << 16) |
		      (map == 0 ? o[0] : map == 1 ? o[1] : o[2]);
	} else {
		key = ((uint32_t)v << 28) | ((uint32_t)(err ? 0 : i.map) << 16) |
		      ((uint32_t)(err ? 0 : i.mandatory_prefix) << 8) | (err ? 0 : i.opcode);
	}
	record(st, key, why, b, mode, cs_ok ? ci : NULL);
}

START_TEST(test_capstone_cross_check)
{
	static const unsigned modes[3] = { 2, 4, 8 };
	static const cs_mode cs_modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
	static struct xstats st;
	csh h[3];
	cs_insn *ci[3], *scratch[3];
	uint64_t rs = g_seed | 1;
	bool verbose = getenv("ELZERO_DECODE_VERBOSE") != NULL;

	for (unsigned m = 0; m < 3; m++) {
		ck_assert_int_eq(cs_open(CS_ARCH_X86, cs_modes[m], &h[m]), CS_ERR_OK);
		cs_option(h[m], CS_OPT_DETAIL, CS_OPT_ON);
		ci[m] = cs_malloc(h[m]);
		scratch[m] = cs_malloc(h[m]);
	}
	init_regs(h[0]);
	for (unsigned long long n = 0; n < g_count; n++) {
		uint8_t b[16];
		unsigned m = (unsigned)(n % 3);

		gen_sequence(b, modes[m], &rs, n / 3);
		check_one(h[m], ci[m], scratch[m], b, modes[m], &st);
	}
	if (st.unexplained || verbose)
		print_summary(&st, verbose);
	fprintf(stderr, "capstone cross-check: %llu sequences, %llu both decoded and agreed, "
		"%llu both invalid, %llu explained differences, %llu unexplained\n", st.total,
		st.both_ok, st.both_fail, st.explained, st.unexplained);
	for (unsigned m = 0; m < 3; m++) {
		cs_free(ci[m], 1);
		cs_free(scratch[m], 1);
		cs_close(&h[m]);
	}
	ck_assert_uint_eq(st.unexplained, 0);
	ck_assert_uint_gt(st.both_ok, st.total / 3);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("decode_capstone");
	TCase *tc = tcase_create("cross_check");
	const char *env;

	if ((env = getenv("ELZERO_DECODE_COUNT")))
		g_count = strtoull(env, NULL, 0);
	if (argc > 1)
		g_count = strtoull(argv[1], NULL, 0);
	if ((env = getenv("ELZERO_DECODE_SEED")))
		g_seed = strtoull(env, NULL, 0);
	tcase_add_test(tc, test_capstone_cross_check);
	tcase_set_timeout(tc, 0);
	suite_add_tcase(s, tc);
	return check_run(s);
}
