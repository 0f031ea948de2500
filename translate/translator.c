/*
 * translate/translator.c - the translator loop: fetch, decode, emit IR per guest
 * instruction, decide where the block ends.
 *
 * Every instruction can go through its handler (IR_call_exec with the decoded insn);
 * gen_x86.c emits inline IR for the hot simple forms instead, with exactly the
 * handler's results. A block ends after a BRANCH or END row (x86_insn_info), at a
 * page boundary (an instruction may straddle it, then the block ends after it), after
 * TB_MAX_INSNS, before the breakpoint, and before an instruction that cannot be
 * fetched or decoded: that one raises its fault when it is reached, i.e. when it is
 * the first instruction of a block (SDM vol. 3, 6.5: faults are reported on the
 * instruction that causes them).
 */
#include "translate/engine.h"
#include "translate/gen.h"
#include "translate/opcodes.h"

#include <string.h>

/* Linear address of offset eip in CS, wrapped as the mode wraps it. */
static uint64_t code_lin(const struct vcpu *v, uint64_t cs_base, uint64_t eip)
{
	uint64_t lin = cs_base + eip;

	return cpu_long_mode(&v->s) ? lin : (uint32_t)lin;
}

static uint64_t wrap_ip(unsigned mode, uint64_t ip)
{
	return mode == 8 ? ip : mode == 4 ? (uint32_t)ip : (uint16_t)ip;
}

/*
 * Bytes of code available at offset eip, as far as the CS limit goes (legacy modes,
 * SDM vol. 3, 5.3: fetching past the limit is #GP(0)).
 */
static size_t cs_avail(const struct vcpu *v, uint64_t eip)
{
	const struct seg_cache *cs = &v->s.seg[SEG_CS];

	if (cpu_64bit_mode(&v->s))
		return X86_MAX_INSN_LEN;
	if (eip > cs->limit)
		return 0;
	return cs->limit - eip + 1 < X86_MAX_INSN_LEN ? cs->limit - eip + 1 : X86_MAX_INSN_LEN;
}

/*
 * Fetch and decode the instruction at eip. Returns 0, or -1 when it cannot be
 * decoded: for the first instruction of a block that raises the fault instead.
 */
static int fetch_decode(struct vcpu *v, struct tb_translation *t, unsigned k, uint64_t eip,
			unsigned mode, uint64_t *pa, size_t *got)
{
	uint64_t lin = code_lin(v, t->cs_base, eip);
	size_t lim = cs_avail(v, eip), n;
	uint8_t bytes[X86_MAX_INSN_LEN];
	int r;

	if (lim == 0) {
		if (k == 0)
			cpu_raise(v, EXC_GP, 0);
		return -1;
	}
	/* Never raises for k > 0: the first byte is on the block's first page. */
	n = cpu_fetch_code(v, lin, bytes, lim, pa);
	r = x86_decode(&t->insns[k], bytes, n, mode);
	if (r == 0) {
		*got = n;
		return 0;
	}
	if (k > 0)
		return -1;
	if (r == X86_DECODE_SHORT) {
		if (n == lim && lim < X86_MAX_INSN_LEN)
			cpu_raise(v, EXC_GP, 0);        /* runs past the CS limit */
		cpu_fetch_code(v, code_lin(v, t->cs_base, eip + n), bytes, 1, pa);
		cpu_raise(v, EXC_PF, 0);                /* not reached: that fetch faults */
	}
	cpu_raise(v, -r, r == -EXC_GP ? 0 : EXC_NO_ERROR);
}

_Static_assert(X86_FEAT_COUNT <= 64, "tb_cache.features is one 64-bit mask");

/* The model's CPUID features as a mask, bit f = X86_FEAT_f (looked up once per cache;
 * translate_flush, which a model change calls for, looks again). */
static uint64_t model_features(struct vcpu *v)
{
	struct tb_cache *tc = v->tb_cache;

	if (!tc->features_valid) {
		tc->features = 0;
		for (unsigned k = 1; k < X86_FEAT_COUNT; k++)
			if (cpu_has_feature(v, x86_feature_name((enum x86_feature)k)))
				tc->features |= 1ull << k;
		tc->features_valid = true;
	}
	return tc->features;
}

/*
 * Emit the handler call for an instruction the inline generator does not take.
 * BRANCH rows set RIP themselves; END rows (mode, IF, paging changes...) do not, and
 * the block ends after them so that the next one is looked up in the new mode.
 */
static void gen_helper_insn(struct gen_ctx *c, const struct x86_insn *i, uint32_t row_flags)
{
	ir_call_exec(c->ir, c->k);
	c->cc_op = -1;
	if (row_flags & X86F_BRANCH) {
		ir_exit(c->ir, c->k + 1, IR_EXIT_INDIRECT);
		c->ended = true;
	} else if (row_flags & X86F_END) {
		ir_exit_to(c->ir, ir_const(c->ir, c->next_rip), c->k + 1, IR_EXIT_INDIRECT);
		c->ended = true;
	} else {
		ir_smc_check(c->ir, c->k);
	}
}

void translator_gen(struct vcpu *v, struct ir_block *ir, struct tb_translation *t)
{
	struct tb_cache *tc = v->tb_cache;
	unsigned mode = cpu_code_size(&v->s);
	uint64_t eip = t->pc, page0 = code_lin(v, t->cs_base, t->pc) & ~0xfffull;
	struct gen_ctx c = { .v = v, .ir = ir, .t = t, .mode = mode, .cc_op = -1, .ea = IR_NONE,
			     .inline_ok = !(t->flags & TBF_NO_INLINE) };
	unsigned k;

	t->phys[1] = TB_NO_PAGE;
	t->size = 0;
	if (t->flags & TBF_TF)
		t->max_insns = 1;       /* single-step: a #DB trap after each instruction */
	for (k = 0; k < t->max_insns && k < TB_MAX_INSNS && !c.ended; k++) {
		struct x86_insn *i = &t->insns[k];
		uint64_t lin = code_lin(v, t->cs_base, eip), pa, last_lin;
		size_t got;
		uint32_t row_flags;

		if (k > 0 && ((lin & ~0xfffull) != page0 || !ir_room(ir, 256, 256) ||
			      tb_is_breakpoint(tc, lin)))
			break;
		if (fetch_decode(v, t, k, eip, mode, &pa, &got))
			break;
		/* A row whose CPUID feature the model lacks is #UD (SDM vol. 2, the
		 * instructions' exception tables: "#UD If CPUID.xxH:reg.FEATURE[bit] = 0"),
		 * except that F3 0F BC/BD run as BSF/BSR without BMI1/LZCNT (TZCNT, LZCNT). */
		if (x86_insn_check_features(model_features(v), i)) {
			if (k == 0)
				cpu_raise(v, EXC_UD, EXC_NO_ERROR);
			break;
		}
		if (k == 0)
			t->phys[0] = pa;
		last_lin = code_lin(v, t->cs_base, eip + i->len - 1);
		if ((last_lin & ~0xfffull) != page0) {
			uint8_t b;

			cpu_fetch_code(v, last_lin & ~0xfffull, &b, 1, &pa);   /* fetched above */
			t->phys[1] = pa & ~0xfffull;
			c.ended_after = true;
		}
		t->insn_rip[k] = eip;
		t->fns[k] = x86_insn_handler(i);
		row_flags = x86_insn_info(i)->flags;
		ir->cur_insn = (uint16_t)k;
		c.k = k;
		c.rip = eip;
		c.next_rip = wrap_ip(mode, eip + i->len);
		t->size += i->len;
		eip = c.next_rip;
		if (!(c.inline_ok && gen_inline(&c, i)))
			gen_helper_insn(&c, i, row_flags);
		if (c.ended_after && !c.ended) {
			k++;
			break;
		}
	}
	t->ninsns = k;
	t->insn_rip[k] = eip;
	if (!c.ended) {
		ir->cur_insn = (uint16_t)(k - 1);
		ir_exit_to(ir, ir_const(ir, eip), k, 0);
	}
}
