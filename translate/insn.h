/*
 * translate/insn.h - a decoded x86 instruction, and how instruction handlers
 * reach its operands.
 *
 * The decoder (translate/decode.c) turns guest bytes into struct x86_insn using the
 * one opcode table (translate/opcodes.def). Each table row names its handler, and
 * handlers are written against this header only:
 *
 *     void exec_ADD(struct vcpu *v, const struct x86_insn *i);
 *
 * Handler contract:
 *  - On entry v->s.rip is the address of this instruction (not the next one).
 *  - A handler that does not transfer control leaves rip alone; the engine advances
 *    it by i->len. A control-transfer handler (table class BRANCH/END) sets rip itself;
 *    insn_next_rip(v, i) gives the fall-through address.
 *  - Faults go through cpu_raise() before any architectural state is changed
 *    (read and probe first, then commit), so the engine can restart the instruction.
 *  - Arithmetic flags are recorded lazily with cc_set() or set with cpu_set_rflags().
 *
 * Every handler named in the table and not defined by an instruction group file
 * falls back to exec_unimpl (translate/ops/unimpl.c): logged once under -d unimp,
 * then #UD.
 */
#ifndef ELZERO_TRANSLATE_INSN_H
#define ELZERO_TRANSLATE_INSN_H

#include "cpu/cpu.h"

enum opnd_kind {
	OPND_NONE = 0,
	OPND_GPR,       /* reg: 0-15; size 1 with !has_rex and reg 4-7 is AH..BH */
	OPND_MEM,       /* effective address from the ModRM/SIB/disp fields of the insn */
	OPND_IMM,       /* value in imm (already sign- or zero-extended to 64 bits per the form);
	                 * reg is 0 for imm, 1 for imm2 (ENTER's second immediate) */
	OPND_SEG,       /* reg: SEG_ES..SEG_GS */
	OPND_CR,        /* reg: 0-15 */
	OPND_DR,        /* reg: 0-15 */
	OPND_XMM,       /* reg: 0-15 (YMM when size is 32) */
	OPND_MMX,       /* reg: 0-7 */
	OPND_ST,        /* reg: i of ST(i) */
	OPND_REL,       /* branch displacement in imm (sign-extended) */
	OPND_FARPTR,    /* ptr16:16/ptr16:32 in imm (offset) and imm2 (selector) */
	OPND_MOFFS,     /* moffs: memory at disp with no ModRM, segment seg */
	OPND_STRSRC,    /* string source seg:[rSI] (seg overridable), address size addrsize */
	OPND_STRDST,    /* string destination ES:[rDI] */
};

struct x86_operand {
	uint8_t kind;   /* enum opnd_kind */
	uint8_t size;   /* bytes: 1, 2, 4, 8, 10, 16, 32; 0 when meaningless */
	uint8_t reg;
	uint8_t pad;
};

#define X86_MAX_OPERANDS 4
#define X86_MAX_INSN_LEN 15     /* SDM vol. 2, 2.3.11: longer raises #GP */

enum x86_rep { REP_NONE = 0, REP_F3 = 1, REP_F2 = 2 };

struct x86_insn {
	uint16_t op;            /* enum x86_op: the table row's operation (translate/opcodes.h) */
	uint16_t row;           /* index of the table row, for per-form facts */
	uint8_t len;            /* total length in bytes, 1..15 */
	uint8_t mode;           /* code size of the mode it was decoded in: 2, 4, 8 */
	uint8_t opsize;         /* effective operand size: 2, 4, 8 (1 for byte forms) */
	uint8_t addrsize;       /* effective address size: 2, 4, 8 */
	uint8_t seg;            /* segment of the memory operand: default or override */
	uint8_t seg_override;   /* SEG_* or SEG_NONE if no override prefix */
	uint8_t rep;            /* enum x86_rep: last of F2/F3 seen */
	bool lock;
	bool opsize_prefix;     /* 66 seen */
	bool has_rex;
	uint8_t rex;            /* 0x40..0x4f, 0 if none */
	bool has_modrm;
	uint8_t modrm, mod, regf, rm;   /* regf/rm include REX/VEX extension bits */
	bool has_sib;
	uint8_t sib;
	/* memory operand: seg:[base + index*scale + disp], or RIP-relative */
	uint8_t base;           /* 0-15, or 0xff for none */
	uint8_t index;          /* 0-15, or 0xff for none */
	uint8_t scale;          /* 1, 2, 4, 8 */
	bool rip_rel;
	int64_t disp;
	uint64_t imm, imm2;
	/* opcode identity */
	uint8_t map;            /* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opcode;
	uint8_t mandatory_prefix; /* 0, 0x66, 0xF3, 0xF2 as used for SSE form selection */
	/* VEX/EVEX */
	uint8_t vex;            /* 0: none, 2 or 3: VEX bytes, 4: EVEX */
	uint8_t vex_l;          /* vector length: 0 = 128, 1 = 256 */
	uint8_t vvvv;           /* extra source register, already inverted */
	bool vex_w;
	uint8_t nopnd;
	struct x86_operand opnd[X86_MAX_OPERANDS];
};

typedef void (*exec_fn)(struct vcpu *v, const struct x86_insn *i);

static inline uint64_t insn_next_rip(const struct vcpu *v, const struct x86_insn *i)
{
	uint64_t next = v->s.rip + i->len;
	return i->mode == 8 ? next : i->mode == 4 ? (uint32_t)next : (uint16_t)next;
}

/*
 * Operand access (translate/operand.c). n indexes i->opnd[]. Reads of memory
 * operands go through cpu_ld with i->seg; writes through cpu_st. Sizes come from
 * the operand. GPR writes follow gpr_write (32-bit zero-extends).
 */
uint64_t opnd_read(struct vcpu *v, const struct x86_insn *i, unsigned n);
void opnd_write(struct vcpu *v, const struct x86_insn *i, unsigned n, uint64_t val);
/* Effective address (the offset in i->seg), truncated to the address size. */
uint64_t insn_ea(const struct vcpu *v, const struct x86_insn *i);
/* Vector operands: copy 16/32 bytes (or the operand's size) in or out. */
void opnd_read_vec(struct vcpu *v, const struct x86_insn *i, unsigned n, union vreg *out);
void opnd_write_vec(struct vcpu *v, const struct x86_insn *i, unsigned n, const union vreg *val);

/*
 * Stack helpers (translate/operand.c): push/pop with the stack-address size of
 * SS.B / 64-bit mode; they fault before changing RSP.
 */
void stack_push(struct vcpu *v, unsigned size, uint64_t val);
uint64_t stack_pop(struct vcpu *v, unsigned size);
/* Read the value that stack_pop would return at offset `depth` bytes above RSP. */
uint64_t stack_peek(struct vcpu *v, unsigned size, uint64_t depth);
unsigned stack_addr_size(const struct vcpu *v);

/* Decode one instruction. mode is the code size (2, 4, 8). Returns 0 and fills *i,
 * or -EXC_UD / -EXC_GP (length > 15), or -EAGAIN-like X86_DECODE_SHORT if `avail`
 * bytes were not enough (the caller fetches more or raises the fetch fault). */
#define X86_DECODE_SHORT (-1000)
int x86_decode(struct x86_insn *i, const uint8_t *bytes, size_t avail, unsigned mode);

#endif /* ELZERO_TRANSLATE_INSN_H */
