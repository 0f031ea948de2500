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

/*
 * Known cases where Capstone 4.0.2 disagrees with the SDM (each one is a section of
 * docs/decoder-vs-capstone.md). Returns the section name, or NULL.
 */
static const char *capstone_wrong(csh h, cs_insn *scratch, const uint8_t *b, unsigned mode,
				  int err, const struct x86_insn *i, const cs_insn *ci,
				  enum verdict v)
{
	bool rex;
	unsigned np = prefix_len(b, mode, &rex);
	const uint8_t *op = b + np;
	uint8_t c[16];
	struct x86_insn j;
	int err2;

	/* 3DNow! (0F 0E, 0F 0F): AMD dropped it; not in the SDM's map */
	if (err == -EXC_UD && op[0] == 0x0f && (op[1] == 0x0e || op[1] == 0x0f))
		return "3dnow";
	/* Capstone accepts LOCK anywhere; SDM: #UD unless lockable with a memory dest */
	if (err == -EXC_UD && ci && seen_prefix(b, np, 0xf0)) {
		memcpy(c, b, 16);
		for (unsigned k = 0; k < np; k++)
			if (c[k] == 0xf0)
				c[k] = 0x3e;
		err2 = x86_decode(&j, c, 15, mode);
		if (err2 == -EXC_UD || (!err2 && (!(x86_insn_info(&j)->flags & X86F_LOCK) ||
						 j.opnd[0].kind != OPND_MEM)))
			return "lock";
	}
	/* VEX/EVEX after 66/F2/F3/LOCK/REX is #UD (SDM vol. 2, 2.3.2-2.3.4) */
	if (err == -EXC_UD && ci && (op[0] == 0xc4 || op[0] == 0xc5 || op[0] == 0x62) &&
	    (rex || seen_prefix(b, np, 0x66) || seen_prefix(b, np, 0xf2) ||
	     seen_prefix(b, np, 0xf3) || seen_prefix(b, np, 0xf0)))
		return "vex-prefix";
	/* undefined VEX/EVEX opcodes: we decode for length and #UD at execution */
	if (!err && v == V_OURS_ONLY && (i->op == X86_OP_VEX_OP || i->op == X86_OP_EVEX_OP))
		return "vex-undefined";
	if (!err && (i->op == X86_OP_UD0 || i->op == X86_OP_UD1) &&
	    (v == V_LEN || v == V_OURS_ONLY))
		return "ud0-ud1";
	if (!err && i->map == X86_MAP_0F && (i->opcode == 0x0d || (i->opcode >= 0x18 && i->opcode <= 0x1f)) &&
	    (v == V_OURS_ONLY || v == V_REG || v == V_SIZE || v == V_EXTRA))
		return "hint-nop";
	/* REX.B 90 is XCHG r8, rAX (SDM vol. 2, NOP, XCHG) whatever other prefixes come
	 * before it; Capstone says NOP (or PAUSE with F3) when 66/F2/F3 are there too */
	if (!err && v == V_EXTRA && i->op == X86_OP_XCHG && i->opcode == 0x90 && ci &&
	    (!strcmp(ci->mnemonic, "nop") || !strcmp(ci->mnemonic, "pause")))
		return "xchg-r8";
	/* far pointers in memory are m16:16/m16:32/m16:64; Capstone gives the
	 * offset's size (and m16:64 without REX.W) */
	if (!err && v == V_SIZE && (i->op == X86_OP_LES || i->op == X86_OP_LDS || i->op == X86_OP_LSS ||
				    i->op == X86_OP_LFS || i->op == X86_OP_LGS ||
				    i->op == X86_OP_JMP_FAR || i->op == X86_OP_CALL_FAR))
		return "farptr-size";
	/* 63 /r without REX.W is MOVSXD r32, r/m32 (SDM vol. 2, MOVSXD) */
	if (!err && v == V_SIZE && i->op == X86_OP_MOVSXD && !(i->rex & 8))
		return "movsxd-32";
	/* x87 memory operand sizes: FNSTSW m2byte, FRSTOR/FNSAVE 94/108 bytes,
	 * FLDENV/FNSTENV 14/28 bytes by operand size (SDM vol. 1, 8.1.10) */
	if (!err && v == V_SIZE && i->map == X86_MAP_1B && i->opcode >= 0xd8 && i->opcode <= 0xdf)
		return "x87-mem-size";
	/* LAR/LSL read m16 (SDM vol. 2, LAR, LSL) */
	if (!err && v == V_SIZE && (i->op == X86_OP_LAR || i->op == X86_OP_LSL))
		return "lar-lsl-m16";
	/* COMISS/COMISD compare m32/m64 (SDM vol. 2, COMISS, COMISD) */
	if (!err && v == V_SIZE && (i->op == X86_OP_COMISS || i->op == X86_OP_COMISD ||
				    i->op == X86_OP_UCOMISS || i->op == X86_OP_UCOMISD))
		return "scalar-mem-size";
	/* MOV to CS is #UD (SDM vol. 2, MOV) */
	if (err == -EXC_UD && ci && !strcmp(ci->mnemonic, "mov") && !strncmp(ci->op_str, "cs,", 3))
		return "mov-cs";
	/* REX.W overrides 66 (SDM vol. 2, 2.2.1.2) */
	if (!err && v == V_SIZE && mode == 8 && (i->rex & 8) && seen_prefix(b, np, 0x66))
		return "rexw-over-66";
	if (!err && (i->op == X86_OP_LFENCE || i->op == X86_OP_MFENCE || i->op == X86_OP_SFENCE) &&
	    v == V_OURS_ONLY)
		return "fence-rm";
	/* 16-bit mode: Capstone ignores 66/F2/F3 as mandatory prefixes */
	if (mode == 2 && (seen_prefix(b, np, 0x66) || seen_prefix(b, np, 0xf2) ||
			  seen_prefix(b, np, 0xf3)) &&
	    ((err && op[0] == 0x0f) || (!err && i->map != X86_MAP_1B && !i->vex)))
		return "mode16-mandatory";
	/* 64-bit mode near branches ignore 66 (SDM vol. 2, A.2.5 f64) */
	if (!err && mode == 8 && (x86_insn_info(i)->flags & X86F_F64) && seen_prefix(b, np, 0x66) &&
	    (v == V_LEN || v == V_IMM))
		return "branch-66-64";
	if (!err && v == V_REG && i->nopnd == 0)
		return "implicit-operands";
	/* REX.R is ignored for segment registers (SDM vol. 2, 2.2.1.2) */
	if (!err && v == V_OURS_ONLY && (i->op == X86_OP_MOV || i->op == X86_OP_MOV_SEG) &&
	    i->map == X86_MAP_1B && (i->opcode == 0x8c || i->opcode == 0x8e) && (i->rex & 4))
		return "sreg-rexr";
	if (!err && v == V_IMM && (i->opnd[0].kind == OPND_REL) &&
	    (seen_prefix(b, np, 0x66) || seen_prefix(b, np, 0x67)))
		return "branch-target";
	/* instructions Capstone 4.0.2 does not know or decodes as something else */
	if (!err && (i->op == X86_OP_RDPKRU || i->op == X86_OP_WRPKRU || i->op == X86_OP_CLZERO ||
		     i->op == X86_OP_MONITORX || i->op == X86_OP_MWAITX || i->op == X86_OP_RDPID ||
		     i->op == X86_OP_SALC || i->op == X86_OP_FFREEP))
		return "capstone-unknown";
	/* AMD XOP (8F with ModRM.reg != 0): not in the SDM, no model has it */
	if (err == -EXC_UD && op[0] == 0x8f && ci)
		return "xop";
	/* A0-A3 with REX.R or F2/F3: Capstone rejects them; REX.R has no field to
	 * extend here (SDM vol. 2, 2.2.1.2) and REP on non-string insns is ignored */
	if (!err && v == V_OURS_ONLY && i->map == X86_MAP_1B && i->opcode >= 0xa0 &&
	    i->opcode <= 0xa3)
		return "moffs-prefix";
	/* 67 on a form without memory operand has no effect (SDM vol. 2, 2.1.1) */
	if (!err && v == V_OURS_ONLY && seen_prefix(b, np, 0x67) && i->has_modrm && i->mod == 3)
		return "addr-prefix-regform";
	/* 64-bit mode, 67 with REX: Capstone picks the 66 form of MMX/SSE opcodes,
	 * or reads a 32-bit immediate for RET imm16 */
	if (mode == 8 && rex && seen_prefix(b, np, 0x67) && !seen_prefix(b, np, 0x66) &&
	    ((!err && v == V_REG && i->map != X86_MAP_1B) ||
	     (!err && (v == V_LEN || v == V_SIZE)) ||
	     (err == -EXC_UD && ci && op[0] == 0x0f)))
		return "rex-67";
	/* 64-bit mode, 66 with a REX.W=0 on a default-64 instruction: Capstone reads a
	 * 32-bit immediate (SDM vol. 2, 2.2.1.2: REX.W=0 leaves 66 in force) */
	if (!err && mode == 8 && rex && !(b[np - 1] & 8) && seen_prefix(b, np, 0x66) &&
	    v == V_LEN && (x86_insn_info(i)->flags & X86F_D64))
		return "rex-66";
	/* 66 with F2/F3 on an instruction F2/F3 do not select: Capstone drops the 66
	 * as if it were a mandatory prefix; it is an operand-size prefix */
	if (!err && (v == V_LEN || v == V_SIZE || v == V_IMM) && seen_prefix(b, np, 0x66) &&
	    x86_insn_info(i)->pfx == X86_PFX_ANY &&
	    (seen_prefix(b, np, 0xf2) || seen_prefix(b, np, 0xf3)))
		return "rep-66-opsize";
	/* EVEX with 67: Capstone decodes the ModRM/SIB at the wrong size */
	if (!err && v == V_LEN && i->op == X86_OP_EVEX_OP && seen_prefix(b, np, 0x67))
		return "evex-67";
	/* PCOMMIT (66 0F AE F8) was withdrawn from the SDM before any CPU had it */
	if (err == -EXC_UD && ci && !strcmp(ci->mnemonic, "pcommit"))
		return "pcommit";
	/* EXTRQ imm form is 66 0F 78 /0 (AMD APM vol. 4): Capstone ignores ModRM.reg */
	if (err == -EXC_UD && ci && !strcmp(ci->mnemonic, "extrq"))
		return "extrq-reg";
	/* VIA PadLock (0F A6/A7 with ModRM C0-E8): not in the SDM */
	if (err == -EXC_UD && ci && op[0] == 0x0f &&
	    (op[1] == 0xa6 || op[1] == 0xa7))
		return "via-padlock";
	/* SWAPGS is #UD outside 64-bit mode (SDM vol. 2, SWAPGS) */
	if (err == -EXC_UD && ci && mode != 8 && !strcmp(ci->mnemonic, "swapgs"))
		return "swapgs-mode";
	/* F2/F3 with a 66-only opcode: F2/F3 select the form first, and there is none
	 * (#UD); Capstone falls back to the 66 form */
	if (err == -EXC_UD && ci && seen_prefix(b, np, 0x66) &&
	    (seen_prefix(b, np, 0xf2) || seen_prefix(b, np, 0xf3))) {
		memcpy(c, b, 16);
		for (unsigned k = 0; k < np; k++)
			if (c[k] == 0xf2 || c[k] == 0xf3)
				c[k] = 0x3e;
		err2 = x86_decode(&j, c, 15, mode);
		if (!err2 && j.mandatory_prefix == 0x66)
			return "rep-over-66";
	}
	/* EVEX.b with register operands (embedded rounding): Capstone reads one more byte */
	if (!err && i->op == X86_OP_EVEX_OP && v == V_LEN && i->mod == 3 && ci->size == i->len + 1)
		return "evex-rounding";
	/* F3 0F 7E is MOVQ xmm, xmm/m64 whatever REX.W says */
	if (!err && i->op == X86_OP_MOVQ && i->map == X86_MAP_0F && i->opcode == 0x7e &&
	    (i->rex & 8))
		return "f3-0f7e-rexw";
	/* An F2/F3 or 66 on an NP-only SSE/MMX opcode: SDM vol. 2, 3.1.1.1 "NP": #UD
	 * (or another instruction); Capstone ignores the prefix. Explained only when
	 * Capstone's mnemonic is the one of our prefix-less row. */
	if (err == -EXC_UD && ci && op[0] == 0x0f) {
		memcpy(c, b, 16);
		for (unsigned k = 0; k < np; k++)
			if (c[k] == 0x66 || c[k] == 0xf2 || c[k] == 0xf3)
				c[k] = 0x3e;
		err2 = x86_decode(&j, c, 15, mode);
		if (!err2 && same_mnemonic(x86_op_name(j.op), ci->mnemonic))
			return "np-prefix";
	}
	/* Capstone loses a mandatory 66/F2/F3 when another prefix follows it: the
	 * same bytes with 66/F2/F3 moved last must then agree (SDM vol. 2, 2.1.1:
	 * prefixes of different groups may come in any order). F2/F3 select the form
	 * before 66 does, in any order; Capstone takes the 66 form when 66 comes
	 * after F2/F3: without the 66 bytes Capstone must agree. */
	for (unsigned drop66 = 0; drop66 < 2 && np > 0; drop66++) {
		if (drop66 && (err || !(i->mandatory_prefix == 0xf2 || i->mandatory_prefix == 0xf3)))
			break;
		reorder_prefixes(b, np, rex, drop66, c);
		if (!memcmp(c, b, 16))
			continue;
		err2 = x86_decode(&j, c, 15, mode);
		if (err2 == err && (err || j.op == i->op) &&
		    capstone_agrees_on(h, scratch, c, &j, err2))
			return drop66 ? "mandatory-precedence" : "prefix-order";
	}
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
	SRunner *sr;
	const char *env;
	int failed;

	if ((env = getenv("ELZERO_DECODE_COUNT")))
		g_count = strtoull(env, NULL, 0);
	if (argc > 1)
		g_count = strtoull(argv[1], NULL, 0);
	if ((env = getenv("ELZERO_DECODE_SEED")))
		g_seed = strtoull(env, NULL, 0);
	tcase_add_test(tc, test_capstone_cross_check);
	tcase_set_timeout(tc, 0);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
