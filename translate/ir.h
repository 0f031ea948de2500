/*
 * translate/ir.h - the intermediate representation of translated guest code.
 *
 * A translation block is turned into a list of IR ops (ir.def) over 64-bit values.
 * A value is one of:
 *   - a global: a 64-bit field of struct cpu_state named by offsetof (the GPRs, RIP,
 *     RFLAGS and the lazy-flag fields cc_dst/cc_src/cc_src2), as TCG's globals: ops
 *     read and write them in place, and they are live at every block exit, every op
 *     that may fault and every call;
 *   - a temporary: local to the block, dead at its end;
 *   - a constant.
 * Ops that may fault record the index of the guest instruction they belong to
 * (ir_op.insn), so the run loop restores the exact state of that instruction.
 * The optimizer (opt.c) and the backends (interp.c, later a JIT) know nothing of x86;
 * only translator.c does.
 */
#ifndef ELZERO_TRANSLATE_IR_H
#define ELZERO_TRANSLATE_IR_H

#include "cpu/cpu.h"

/* What an op may do (ir.def flags column). */
#define IRF_FAULT       (1u << 0)   /* may unwind to the run loop (exception, exit) */
#define IRF_SIDE        (1u << 1)   /* has an effect besides its outputs: never removed */
#define IRF_CALL        (1u << 2)   /* reads and writes any guest state */
#define IRF_BB_END      (1u << 3)   /* ends a basic block (branch, exit) */
#define IRF_BB_START    (1u << 4)   /* starts a basic block (label) */
#define IRF_EXIT        (1u << 5)   /* leaves the translation block */
#define IRF_READS_STATE (1u << 6)   /* reads any guest state (but writes none) */

enum ir_opc {
#define DEF(name, nout, nin, nconst, flags) IR_##name,
#include "translate/ir.def"
#undef DEF
	IR_OPC_COUNT
};

struct ir_op_def {
	const char *name;
	uint8_t nout, nin, nconst;
	uint32_t flags;
};
extern const struct ir_op_def ir_op_defs[IR_OPC_COUNT];

/* Conditions of setcond/brcond, on 64-bit values. */
enum ir_cond {
	IR_COND_EQ, IR_COND_NE,
	IR_COND_LTU, IR_COND_GEU, IR_COND_LEU, IR_COND_GTU,
	IR_COND_LT, IR_COND_GE, IR_COND_LE, IR_COND_GT,
	IR_COND_TSTEQ, IR_COND_TSTNE,       /* (a & b) == 0, != 0 */
	IR_COND_COUNT
};
bool ir_cond_eval(enum ir_cond c, uint64_t a, uint64_t b);

/* The globals, in a fixed order: value index g is global g. */
enum ir_global {
	IR_G_GPR0 = 0,                      /* IR_G_GPR0 + n is gpr[n], n < 16 */
	IR_G_RIP = 16,
	IR_G_RFLAGS,
	IR_G_CC_DST,
	IR_G_CC_SRC,
	IR_G_CC_SRC2,
	IR_G_COUNT
};
/* offsetof(struct cpu_state, ...) of a global: what a backend addresses. */
size_t ir_global_offset(enum ir_global g);
const char *ir_global_name(enum ir_global g);

enum ir_val_kind { IRV_GLOBAL, IRV_TEMP, IRV_CONST };

struct ir_val {
	uint8_t kind;                       /* enum ir_val_kind */
	uint64_t c;                         /* IRV_CONST: the value */
};

#define IR_MAX_ARGS 4
#define IR_NONE 0xffffffffu

struct ir_op {
	uint8_t opc;                        /* enum ir_opc */
	uint16_t insn;                      /* index of the guest instruction in the block */
	uint32_t args[IR_MAX_ARGS];         /* value indexes: outputs, then inputs */
	uint64_t c[2];                      /* constants */
};

/* Helpers reachable with IR_call / IR_call_pure: out = fn(v, a, b) (gen_cc.c). */
typedef uint64_t (*ir_helper_fn)(struct vcpu *v, uint64_t a, uint64_t b);
enum ir_helper {
	IR_HELPER_CC_EVAL,          /* a = condition code 0..15: cc_eval() */
	IR_HELPER_CC_CF,            /* CF of the lazy flags: cc_compute_cf() */
	IR_HELPER_IMUL64_OF,        /* 1 if the signed 128-bit product a * b overflows 64 bits */
	IR_HELPER_COUNT
};
extern const ir_helper_fn ir_helpers[IR_HELPER_COUNT];

/* A block of IR under construction. Capacities are fixed: the translator checks
 * ir_room() before each guest instruction and ends the block when it is short. */
#define IR_MAX_OPS  4096
#define IR_MAX_VALS 4096

struct ir_block {
	struct ir_op ops[IR_MAX_OPS];
	struct ir_val vals[IR_MAX_VALS];
	unsigned nops, nvals, ntemps, nlabels;
	uint16_t cur_insn;                  /* stamped on every op emitted */
};

void ir_reset(struct ir_block *b);
/* True if at least `ops` ops and `vals` values can still be added. */
bool ir_room(const struct ir_block *b, unsigned ops, unsigned vals);

static inline uint32_t ir_global(enum ir_global g) { return g; }
static inline uint32_t ir_gpr(unsigned n) { return IR_G_GPR0 + n; }
uint32_t ir_temp(struct ir_block *b);
uint32_t ir_const(struct ir_block *b, uint64_t c);
static inline bool ir_is_const(const struct ir_block *b, uint32_t v) { return b->vals[v].kind == IRV_CONST; }
static inline bool ir_is_global(const struct ir_block *b, uint32_t v) { return b->vals[v].kind == IRV_GLOBAL; }
unsigned ir_new_label(struct ir_block *b);

/* Emit one op; returns it for the caller to fill in more. */
struct ir_op *ir_emit(struct ir_block *b, enum ir_opc opc);

/* Builders. Those returning uint32_t return a new temporary holding the result. */
void ir_mov(struct ir_block *b, uint32_t dst, uint32_t src);
void ir_movi(struct ir_block *b, uint32_t dst, uint64_t c);
uint32_t ir_unop(struct ir_block *b, enum ir_opc opc, uint32_t a);
uint32_t ir_binop(struct ir_block *b, enum ir_opc opc, uint32_t a, uint32_t c);
void ir_binop_to(struct ir_block *b, enum ir_opc opc, uint32_t dst, uint32_t a, uint32_t c);
uint32_t ir_setcond(struct ir_block *b, enum ir_cond cond, uint32_t a, uint32_t c);
uint32_t ir_select(struct ir_block *b, uint32_t cond, uint32_t a, uint32_t c);
uint32_t ir_deposit(struct ir_block *b, uint32_t a, uint32_t c, unsigned pos, unsigned len);
uint32_t ir_extract(struct ir_block *b, uint32_t a, unsigned pos, unsigned len);
void ir_set_cc_op(struct ir_block *b, unsigned cc_op);
uint32_t ir_ld(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr);
/* The load of a read-modify-write destination: write access is checked first, so a
 * fault reports the write (error code W) as the processor does. */
#define IR_LD_RMW (1u << 16)
uint32_t ir_ld_rmw(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr);
void ir_st(struct ir_block *b, unsigned seg, unsigned size, uint32_t addr, uint32_t val);
void ir_call_exec(struct ir_block *b, unsigned insn);
uint32_t ir_call(struct ir_block *b, enum ir_helper h, bool pure, uint32_t a, uint32_t c);
void ir_label(struct ir_block *b, unsigned label);
void ir_br(struct ir_block *b, unsigned label);
void ir_brcond(struct ir_block *b, enum ir_cond cond, uint32_t a, uint32_t c, unsigned label);
void ir_exit(struct ir_block *b, unsigned ninsns, unsigned slot);
void ir_exit_to(struct ir_block *b, uint32_t rip, unsigned ninsns, unsigned slot);
void ir_smc_check(struct ir_block *b, unsigned insn);

/* Exit slots of IR_exit: 0 and 1 for direct jumps to a constant RIP (chainable),
 * IR_EXIT_INDIRECT otherwise; IR_EXIT_LOOKUP for a computed RIP in the same mode
 * (an inline RET), which the backend may follow through the jump cache. */
#define IR_EXIT_INDIRECT 2
#define IR_EXIT_LOOKUP 3

/* Print a block (for -d op style logs and test failures). */
void ir_dump(const struct ir_block *b, void (*out)(const char *line, void *opaque), void *opaque);

/* Optimizer passes (opt.c): constant folding + copy propagation, narrowing of
 * zero-extensions (opt_narrow.c) and folding again, then dead code (dead
 * temporaries, and global stores overwritten before any read, fault or exit), then
 * coalescing "op t; mov global, t" into "op global". */
void ir_optimize(struct ir_block *b);
void ir_opt_fold(struct ir_block *b);
void ir_opt_dead(struct ir_block *b);
void ir_opt_coalesce(struct ir_block *b);
void ir_opt_narrow(struct ir_block *b);     /* opt_narrow.c */

#endif /* ELZERO_TRANSLATE_IR_H */
