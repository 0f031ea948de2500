/*
 * translate/features.c - the CPU model meets the opcode table: whether a row's CPUID
 * feature is present (SDM vol. 2, CPUID; APM vol. 3, appendix E), and the rows that
 * decode differently without it.
 */
#include "translate/decode_internal.h"

struct feature_loc {
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
};

static const struct feature_loc feature_locs[X86_FEAT_COUNT] = {
#define X86_FEAT_LOC(n, s, leaf, sub, reg, bit) [X86_FEAT_##n] = { leaf, sub, reg, bit },
	X86_FEATURES(X86_FEAT_LOC)
#undef X86_FEAT_LOC
};

bool x86_cpu_has(const struct vcpu *v, enum x86_feature f)
{
	const struct feature_loc *loc;
	uint32_t r[4];

	if ((unsigned)f >= X86_FEAT_COUNT)
		return false;
	loc = &feature_locs[f];
	if (loc->leaf == 0xffffffffu)
		return true;
	cpu_cpuid(v, loc->leaf, loc->subleaf, r);
	return (r[loc->reg] >> loc->bit) & 1;
}

/* The row to use when row r's feature is missing: r itself (then #UD), or for
 * X86F_FALLBACK rows the row without the mandatory prefix. */
static int check_with(struct x86_insn *i, bool (*has)(const void *ctx, unsigned f),
		      const void *ctx)
{
	const struct x86_op_info *row = x86_insn_info(i);
	int r;

	if (row->feature == X86_FEAT_BASE || has(ctx, row->feature))
		return 0;
	if (!(row->flags & X86F_FALLBACK))
		return -EXC_UD;
	/* the F3 prefix is then an ignored REP: pick the row without it */
	decode_index_init();
	r = decode_find_row(i, ENC_LEGACY, 0);
	if (r < 0 || (x86_rows[r].flags & X86F_FALLBACK))
		return -EXC_UD;
	i->row = (uint16_t)r;
	i->op = x86_rows[r].op;
	i->mandatory_prefix = 0;
	return check_with(i, has, ctx);
}

static bool has_cpu(const void *ctx, unsigned f)
{
	return x86_cpu_has(ctx, (enum x86_feature)f);
}

static bool has_mask(const void *ctx, unsigned f)
{
	return (*(const uint64_t *)ctx >> f) & 1;
}

int x86_insn_check_cpu(const struct vcpu *v, struct x86_insn *i)
{
	return check_with(i, has_cpu, v);
}

int x86_insn_check_features(uint64_t have, struct x86_insn *i)
{
	return check_with(i, has_mask, &have);
}
