/*
 * translate/opcodes.c - the tables generated from translate/opcodes.def: per-row
 * facts, the handler of each operation and its name.
 */
#include "translate/opcodes.h"

const struct x86_op_info x86_rows[] = {
#define X86_OP(map, lo, hi, pfx, ext, n, a, as, b, bs, c, cs, d, ds, feat, fl, vmx, svm) \
	{ #n, X86_OP_##n, X86_MAP_##map, lo, hi, X86_PFX_##pfx, ext, \
	  { X86_OPA_##a, X86_OPA_##b, X86_OPA_##c, X86_OPA_##d }, \
	  { X86_OPS_##as, X86_OPS_##bs, X86_OPS_##cs, X86_OPS_##ds }, \
	  X86_FEAT_##feat, fl, X86_VMX_##vmx, X86_SVM_##svm },
#include "translate/opcodes.def"
#undef X86_OP
};

const unsigned x86_row_count = sizeof(x86_rows) / sizeof(x86_rows[0]);

const exec_fn x86_handlers[X86_OP_COUNT] = {
#define X86_NAME(n) [X86_OP_##n] = exec_##n,
#include "translate/opcodes.def"
#undef X86_NAME
};

const char *const x86_op_names[X86_OP_COUNT] = {
#define X86_NAME(n) [X86_OP_##n] = #n,
#include "translate/opcodes.def"
#undef X86_NAME
};

struct op_flags {
	uint32_t read, kill;
	bool known;
};

static const struct op_flags op_flags[X86_OP_COUNT] = {
#define X86_FLAGS(n, r, k) [X86_OP_##n] = { X86_FL_##r, X86_FL_##k, true },
#include "translate/opcodes.def"
#undef X86_FLAGS
};

/* Flags read by condition code cc (SDM vol. 1, appendix B, table B-1). */
static uint32_t cc_reads(unsigned cc)
{
	static const uint32_t by_pair[8] = {
		RFLAGS_OF, RFLAGS_CF, RFLAGS_ZF, RFLAGS_CF | RFLAGS_ZF, RFLAGS_SF, RFLAGS_PF,
		RFLAGS_SF | RFLAGS_OF, RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF,
	};

	return by_pair[(cc >> 1) & 7];
}

void x86_insn_flags(const struct x86_insn *i, uint32_t *read, uint32_t *kill)
{
	const struct op_flags *f = i->op < X86_OP_COUNT ? &op_flags[i->op] : NULL;

	if (!f || !f->known) {
		*read = RFLAGS_ARITH;
		*kill = 0;
		return;
	}
	*read = f->read & X86_FL_CC ? cc_reads(i->opcode & 15) : f->read;
	*kill = f->kill;
}

static const char *const feature_names[X86_FEAT_COUNT] = {
#define X86_FEAT_NAME(n, s, leaf, sub, reg, bit) [X86_FEAT_##n] = s,
	X86_FEATURES(X86_FEAT_NAME)
#undef X86_FEAT_NAME
};

const char *x86_feature_name(enum x86_feature f)
{
	return (unsigned)f < X86_FEAT_COUNT ? feature_names[f] : "?";
}
