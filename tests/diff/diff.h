/*
 * tests/diff/diff.h - the differential tester: one state record, two runners (the
 * host CPU and elzero), instruction forms and the comparison. See README.md.
 */
#ifndef ELZERO_TESTS_DIFF_H
#define ELZERO_TESTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Fixed guest/host layout (inside the 8 MiB RAM of the test machine, tests/unit/common/
 * emu.h, clear of its system structures, code, data and stack; on the host below ASan's
 * shadow memory, where nothing of a PIE process lives):
 *   code  [DIFF_CODE_ADDR, +DIFF_CODE_SIZE)  read/write/execute: snippet + INT3 fill
 *   mem   [DIFF_MEM_ADDR, +DIFF_MEM_SIZE)    pages 0..DIFF_MEM_RW_PAGES-1 read/write,
 *                                            the last page read-only
 *   the page after mem is never mapped (a #PF guard).
 */
#define DIFF_PAGE           4096u
#define DIFF_CODE_ADDR      ((uint64_t)0x700000)
#define DIFF_CODE_SIZE      DIFF_PAGE
#define DIFF_MEM_ADDR       ((uint64_t)0x710000)
#define DIFF_MEM_PAGES      4u
#define DIFF_MEM_RW_PAGES   3u
#define DIFF_MEM_SIZE       (DIFF_MEM_PAGES * DIFF_PAGE)
#define DIFF_MEM_RO_ADDR    (DIFF_MEM_ADDR + DIFF_MEM_RW_PAGES * DIFF_PAGE)
#define DIFF_GUARD_ADDR     (DIFF_MEM_ADDR + DIFF_MEM_SIZE)

/* GPR numbers, SDM order */
enum { DR_RAX, DR_RCX, DR_RDX, DR_RBX, DR_RSP, DR_RBP, DR_RSI, DR_RDI,
       DR_R8, DR_R9, DR_R10, DR_R11, DR_R12, DR_R13, DR_R14, DR_R15 };

/*
 * The state record: everything a snippet can read or change in 64-bit CPL3 user mode.
 * x87 is in FXSAVE form (ST(i) in stack order, abridged tag byte) so the native side
 * loads it with FXRSTOR and reads it from the signal frame unchanged.
 */
struct diff_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	uint16_t fcw, fsw;
	uint8_t ftw;                    /* abridged: bit i = physical register i in use */
	uint8_t st[8][10];              /* ST(0)..ST(7): 64-bit mantissa, then sign+exponent */
	uint32_t mxcsr;
	uint8_t xmm[16][16];
	uint8_t mem[DIFF_MEM_SIZE];
};

/* What a run ended with. */
struct diff_result {
	struct diff_state s;
	int vector;                     /* -1: reached the end of the snippet */
	uint32_t error;                 /* exception error code (#PF, #GP, ...) */
	uint64_t fault_addr;            /* #PF: CR2 */
	bool runner_failed;             /* the runner itself broke (crash, timeout) */
};

/* ---------------------------------------------------------------- forms */

/* Which vendors' undefined-flag behaviour elzero models for a form (vendor bits). */
#define DIFF_MODEL_INTEL 1u
#define DIFF_MODEL_AMD   2u

/* Form flags */
#define DIFF_F_DIVIDE    (1u << 0)      /* the generator favours non-faulting dividends */
#define DIFF_F_ALIGNED   (1u << 1)      /* pointers 16-byte aligned: LOCKed accesses must
					 * not split a cache line (bus locks trap and sleep
					 * on Linux hosts with split-lock detection) */
#define DIFF_F_X87_FULL  (1u << 2)      /* all eight x87 registers valid, boundary values */
#define DIFF_F_MXCSR_RANDOM (1u << 3)   /* random rounding, FTZ/DAZ and exception masks */
#define DIFF_F_X87_RANDOM (1u << 4)     /* random x87 state: stack depth, TOP, boundary
					 * values, RC/PC, masks, pending exceptions
					 * (gen_x87.c) */

/*
 * One instruction form: a snippet of machine code (assembled from forms_*.S) run on
 * random states. undef: RFLAGS bits the SDM leaves undefined for it; they are
 * compared only when `model` has the host vendor's bit. ptr_regs: GPRs (bit n = GPR n)
 * set to addresses inside the read/write memory; small_regs: GPRs set to 0..40
 * (string counts, shift counts...).
 */
struct diff_form {
	const char *name;
	const uint8_t *code, *code_end;
	uint32_t undef, model, ptr_regs, small_regs, flags, pad;
};

/* The tables from the forms_*.S files: [start, stop) of each section. */
#define DIFF_FORM_SECTIONS(X) X(diff_forms_int) X(diff_forms_x87) X(diff_forms_sse)

/* ---------------------------------------------------------------- runners */

/* Run code (len bytes, copied to DIFF_CODE_ADDR, INT3 after it) from states in[0..n)
 * on the host CPU, in a forked child. Results in out[0..n). Returns 0 or -errno. */
int diff_native_run(const uint8_t *code, size_t len, const struct diff_state *in,
		    struct diff_result *out, size_t n);

/* The same on elzero, in a flat 64-bit CPL3 machine with the same layout. The vendor
 * of the emulated CPU is the host's, so undefined flags can be compared. use_ir: run
 * the translator's inline IR (true) or every instruction through its exec_X handler. */
int diff_emu_run(const uint8_t *code, size_t len, const struct diff_state *in,
		 struct diff_result *out, size_t n, bool use_ir);

/* ---------------------------------------------------------------- generation */

struct diff_rng { uint64_t x; };

uint64_t diff_rand(struct diff_rng *r);
/* The x87 part of a state for DIFF_F_X87_RANDOM forms (gen_x87.c). */
void diff_gen_x87_random(struct diff_rng *r, struct diff_state *s);
/* Fill a random state for form f: boundary values, pointers, small counts. */
void diff_gen_state(struct diff_rng *r, const struct diff_form *f, struct diff_state *s);

/* ---------------------------------------------------------------- comparison */

/* The host vendor: DIFF_MODEL_INTEL or DIFF_MODEL_AMD. */
uint32_t diff_host_vendor(void);
/* Compare two results of form f; on mismatch write a report into buf and return false. */
bool diff_compare(const struct diff_form *f, const struct diff_result *a,
		  const struct diff_result *b, char *buf, size_t len);
/* Print a mismatch: the instruction bytes disassembled, the input and both outputs. */
void diff_report(const struct diff_form *f, const struct diff_state *in,
		 const struct diff_result *native, const struct diff_result *emu, const char *why);

/* Checks of the native runner and the comparison (selftest.c); returns failures. */
int diff_selftest(void);

#endif
