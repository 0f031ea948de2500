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

static const char *const feature_names[X86_FEAT_COUNT] = {
#define X86_FEAT_NAME(n, s) [X86_FEAT_##n] = s,
	X86_FEATURES(X86_FEAT_NAME)
#undef X86_FEAT_NAME
};

const char *x86_feature_name(enum x86_feature f)
{
	return (unsigned)f < X86_FEAT_COUNT ? feature_names[f] : "?";
}
