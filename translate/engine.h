/*
 * translate/engine.h - internals of the execution engine shared by translator.c,
 * tb.c, interp.c and exec.c. Nothing outside translate/ includes this.
 */
#ifndef ELZERO_TRANSLATE_ENGINE_H
#define ELZERO_TRANSLATE_ENGINE_H

#include "translate/insn.h"
#include "translate/ir.h"
#include "translate/translate.h"

#define TB_MAX_INSNS   64
#define TB_HASH_BITS   14
#define TB_JC_BITS     12
#define TB_PAGE_BITS   12
#define TB_NO_PAGE     (~0ull)
#define GUEST_PAGE     4096ull

/* Mode bits a block was translated for (part of its key). */
#define TBF_CODE16     (1u << 0)
#define TBF_CODE32     (1u << 1)
#define TBF_CODE64     (1u << 2)
#define TBF_CPL_SHIFT  3            /* 2 bits */
#define TBF_SS32       (1u << 5)    /* SS.B: 32-bit stack in legacy modes */
#define TBF_PE         (1u << 6)
#define TBF_PG         (1u << 7)
#define TBF_VM         (1u << 8)
#define TBF_LMA        (1u << 9)
#define TBF_NO_INLINE  (1u << 10)   /* every instruction through its handler (testing) */
#define TBF_ONESHOT    (1u << 11)   /* not cached: a count-limited block */
#define TBF_LA57       (1u << 12)   /* CR4.LA57: 57-bit canonical addresses */
#define TBF_TF         (1u << 13)   /* RFLAGS.TF: one instruction, then a #DB trap */

/* The interpreter's encoding of one op (interp.c): direct-threaded, operands are
 * host pointers to globals (in v->s), temporaries (tb_cache.tmp) or constants. */
#define IOP_CANON_SHIFT 24   /* ld/st fast paths: 64 - linear-address width */
#define IOP_ST_SKIP_SMC (1u << 17)  /* st fast path: the next op is its smc_check */
struct iop {
	const void *lab;
	uint64_t *d;
	const uint64_t *a, *b;
	uint64_t c;             /* constant; select: third input pointer; branches: target iop */
	uint32_t aux;           /* seg | size << 8 (| canonical shift << IOP_CANON_SHIFT
	                         * on TLB fast paths); cond; pos | len << 8; exit slot */
	uint32_t insn;          /* guest instruction index */
};

struct tb {
	uint64_t pc;            /* RIP of the first instruction */
	uint64_t cs_base;
	uint64_t phys[2];       /* physical address of the first byte; page of the last byte
	                         * if it is on another page, else TB_NO_PAGE */
	uint32_t flags;         /* TBF_* */
	uint16_t size;          /* guest bytes */
	uint16_t ninsns;
	bool valid;
	struct tb *hash_next;
	struct tb *page_next[2];
	struct tb *dead_next;
	struct tb *jmp[2];      /* the block each direct exit led to last time... */
	uint64_t jmp_epoch[2];  /* ...valid while tb_cache.epoch still has this value */
	bool jmp_far[2];        /* ...on another page: valid while the code TLB maps it */
	struct iop *code;
	unsigned ncode;
	uint64_t *consts;
	uint64_t *insn_rip;     /* [ninsns + 1]: RIP of each instruction, then the fall-through */
	struct x86_insn *insns; /* decoded instructions, for IR_call_exec */
	exec_fn *fns;
};

struct tb_page {
	uint64_t page;          /* physical page number */
	struct tb *tbs;         /* linked by page_next[k] where tb page k is this page */
	struct tb_page *next;
};

struct tb_translation {
	uint64_t pc, cs_base;
	uint32_t flags;
	unsigned max_insns;
	unsigned ninsns;
	uint64_t phys[2];
	unsigned size;
	uint64_t insn_rip[TB_MAX_INSNS + 1];
	struct x86_insn insns[TB_MAX_INSNS];
	exec_fn fns[TB_MAX_INSNS];
};

struct tb_cache {
	struct vcpu *v;
	struct tb_cache *next_cache;    /* all caches, for code writes by another vCPU */
	struct ir_block ir;             /* scratch for translation */
	struct tb_translation tr;       /* scratch for translation */
	uint64_t tmp[IR_MAX_VALS];      /* the interpreter's temporaries, by value index */
	int32_t const_slot[IR_MAX_VALS];/* interp_compile scratch */
	uint32_t label_pos[IR_MAX_OPS]; /* interp_compile scratch */
	struct tb *hash[1u << TB_HASH_BITS];
	struct tb *jc[1u << TB_JC_BITS];/* jump cache: by linear PC */
	struct tb_page *pages[1u << TB_PAGE_BITS];
	struct tb *dead;                /* invalidated, freed when no block runs */
	uint64_t epoch;                 /* bumped whenever a block is dropped (tb.jmp) */
	struct tb *cur_tb;              /* the block running, or NULL */
	uint32_t cur_insn;              /* index in cur_tb of the instruction running */
	bool smc_hit;                   /* a write hit cur_tb's code: leave after the insn */
	uint64_t features;              /* bit f: the model has x86 feature f (opcodes.h) */
	bool features_valid;
	bool owns_code_pages;
	bool stop_on_exception;
	bool no_inline;
	uint64_t breakpoint;            /* stop when RIP reaches this (linear) */
	uint64_t limit;                 /* icount at which vcpu_run must return */
	bool bp_hit;                    /* the last vcpu_run stopped at the breakpoint */
	bool bp_skip;                   /* so this one does not stop there before running */
	uint64_t bps[TRANSLATE_MAX_BREAKPOINTS];        /* debugger breakpoints (linear) */
	unsigned nbps;
	bool no_events;                 /* translate_set_events(v, false) */
	struct translate_stats stats;
};

static inline struct tb_cache *tb_cache_of(struct vcpu *v) { return v->tb_cache; }

/* Is lin the test breakpoint or a debugger breakpoint? */
static inline bool tb_is_breakpoint(const struct tb_cache *tc, uint64_t lin)
{
	if (lin == tc->breakpoint)
		return true;
	for (unsigned i = 0; i < tc->nbps; i++)
		if (tc->bps[i] == lin)
			return true;
	return false;
}

/* exec.c: the trace hooks (translate_set_trace) */
extern trace_tb_fn g_trace_tb_new, g_trace_tb_exec;


/* tb.c internals shared with the interpreter's indirect chaining. */
static inline unsigned jc_hash(uint64_t lin)
{
	return (unsigned)(lin ^ (lin >> TB_JC_BITS)) & ((1u << TB_JC_BITS) - 1);
}

/* Is the code TLB entry of lin present and mapping physical page `page`? */
static inline bool code_tlb_maps(const struct vcpu *v, uint64_t lin, uint64_t page, bool user)
{
	const struct tlb_entry *e = &v->tlb_code[(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t tag = (lin & ~0xfffull) | v->tlb_space | (user ? TLB_CLASS_USER : TLB_CLASS_SUP) |
		       TLB_VALID;

	return e->vpage == tag && e->ppage == (page & ~0xfffull);
}

static inline uint64_t tb_last_lin(const struct vcpu *v, const struct tb *tb, uint64_t lin)
{
	uint64_t last = lin + tb->size - 1;

	return cpu_long_mode(&v->s) ? last : (uint32_t)last;
}

/* Does the code TLB still map next's page(s) as when it was translated (tb_find's
 * check, without the lookup)? lin is its first byte's linear address. */
static inline bool tb_code_mapped(const struct vcpu *v, const struct tb *next, uint64_t lin)
{
	bool user = ((next->flags >> TBF_CPL_SHIFT) & 3) == 3;

	return code_tlb_maps(v, lin, next->phys[0], user) &&
	       (next->phys[1] == TB_NO_PAGE || code_tlb_maps(v, tb_last_lin(v, next, lin), next->phys[1], user));
}

/* The block direct exit `slot` of tb leads to, if the link is still good: nothing was
 * dropped since it was made, and a block on another page is still mapped there. */
static inline struct tb *tb_chained(const struct vcpu *v, const struct tb_cache *tc,
				    const struct tb *tb, unsigned slot)
{
	struct tb *next = tb->jmp[slot];
	uint64_t lin;

	if (tb->jmp_epoch[slot] != tc->epoch)
		return NULL;
	if (!tb->jmp_far[slot])
		return next;
	lin = next->cs_base + next->pc;
	if (!(next->flags & TBF_LMA))
		lin = (uint32_t)lin;            /* as tb_find's linear address */
	return tb_code_mapped(v, next, lin) ? next : NULL;
}


/* tb.c */
uint32_t tb_mode_flags(const struct vcpu *v);
struct tb *tb_find(struct vcpu *v, uint32_t flags);
struct tb *tb_translate_oneshot(struct vcpu *v, uint32_t flags, unsigned max_insns);
void tb_free(struct tb *tb);
void tb_free_dead(struct tb_cache *tc);
void tb_invalidate_range(struct tb_cache *tc, uint64_t paddr, uint64_t len);
void tb_drop(struct tb_cache *tc, struct tb *tb);
struct tb *tb_alloc(unsigned ncode, unsigned nconsts, unsigned ninsns);

/* translator.c: translate the code at v->s.rip into tc->ir and the instruction
 * tables of `into` (pc, flags set by the caller). Faults on the first instruction
 * raise; a later instruction that cannot be fetched or decoded ends the block. */
void translator_gen(struct vcpu *v, struct ir_block *ir, struct tb_translation *t);

/* interp.c */
void interp_compile(struct tb_cache *tc, const struct ir_block *ir, struct tb *tb);
unsigned interp_count_consts(const struct ir_block *ir);
int interp_run(struct vcpu *v, struct tb *tb);

#endif /* ELZERO_TRANSLATE_ENGINE_H */
