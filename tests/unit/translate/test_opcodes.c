/*
 * tests/unit/translate/test_opcodes.c - the generated opcode tables: every name has
 * a row, rows are consistent, and the weak exec_unimpl fallbacks lose to a strong
 * definition elsewhere in the link (the way group files override them).
 */
#include "tests/unit/common/check_run.h"
#include "translate/opcodes.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A strong definition in another object: must win over unimpl.c's weak alias.
 * EVEX_OP is chosen because no instruction group will ever define it. */
static int evex_calls;
void exec_EVEX_OP(struct vcpu *v, const struct x86_insn *i)
{
	evex_calls++;
}

START_TEST(test_strong_handler_wins)
{
	struct x86_insn i = { .op = X86_OP_EVEX_OP };

	ck_assert_ptr_eq(x86_handlers[X86_OP_EVEX_OP], exec_EVEX_OP);
	x86_insn_handler(&i)(NULL, &i);
	ck_assert_int_eq(evex_calls, 1);
	/* VEX_OP has no group file: its handler is the #UD fallback */
	ck_assert_ptr_eq(x86_handlers[X86_OP_VEX_OP], exec_unimpl);
}
END_TEST

START_TEST(test_every_name_has_a_row)
{
	static bool used[X86_OP_COUNT];

	for (unsigned r = 0; r < x86_row_count; r++) {
		const struct x86_op_info *row = &x86_rows[r];

		ck_assert_uint_lt(row->op, X86_OP_COUNT);
		ck_assert_str_eq(row->name, x86_op_name(row->op));
		ck_assert_uint_le(row->lo, row->hi);
		ck_assert_uint_lt(row->feature, X86_FEAT_COUNT);
		used[row->op] = true;
	}
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		ck_assert_msg(used[op], "%s has no row", x86_op_name(op));
		ck_assert_ptr_nonnull(x86_handlers[op]);
	}
}
END_TEST

/* Rows that can be intercepted carry their exits (spot checks of the table). */
START_TEST(test_intercept_columns)
{
	static const struct { const char *name; uint16_t vmx, svm; } want[] = {
		{ "HLT", X86_VMX_HLT, X86_SVM_HLT },
		{ "RDMSR", X86_VMX_RDMSR, X86_SVM_MSR },
		{ "WRMSR", X86_VMX_WRMSR, X86_SVM_MSR },
		{ "INVLPG", X86_VMX_INVLPG, X86_SVM_INVLPG },
		{ "RDTSCP", X86_VMX_RDTSCP, X86_SVM_RDTSCP },
		{ "XSETBV", X86_VMX_XSETBV, X86_SVM_XSETBV },
		{ "VMLAUNCH", X86_VMX_VMLAUNCH, X86_SVM_NONE },
		{ "VMRUN", X86_VMX_NONE, X86_SVM_VMRUN },
		{ "LIDT", X86_VMX_GDTR_IDTR, X86_SVM_IDTR_WRITE },
		{ "RDSEED", X86_VMX_RDSEED, X86_SVM_NONE },
	};

	for (unsigned k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		bool found = false;

		for (unsigned r = 0; r < x86_row_count; r++) {
			if (strcmp(x86_rows[r].name, want[k].name))
				continue;
			found = true;
			ck_assert_uint_eq(x86_rows[r].vmx_exit, want[k].vmx);
			ck_assert_uint_eq(x86_rows[r].svm_exit, want[k].svm);
		}
		ck_assert_msg(found, "%s", want[k].name);
	}
	ck_assert_str_eq(x86_feature_name(X86_FEAT_SSE41), "sse4.1");
}
END_TEST

/* Feature gating by CPU model: qemu64 has no BMI1/MOVBE, max has both. */
START_TEST(test_cpu_features)
{
	static struct vcpu v;
	static const uint8_t tzcnt[] = { 0xf3, 0x0f, 0xbc, 0xc1 };
	static const uint8_t movbe[] = { 0x0f, 0x38, 0xf0, 0x00 };
	static const uint8_t addps[] = { 0x0f, 0x58, 0xc1 };
	struct x86_insn i;

	v.model = cpu_model_find("max");
	ck_assert_ptr_nonnull(v.model);
	ck_assert(x86_cpu_has(&v, X86_FEAT_BMI1));
	ck_assert(x86_cpu_has(&v, X86_FEAT_SSE2));
	ck_assert(x86_cpu_has(&v, X86_FEAT_LM));
	ck_assert(x86_cpu_has(&v, X86_FEAT_BASE));
	ck_assert_int_eq(x86_decode(&i, tzcnt, sizeof(tzcnt), 8), 0);
	ck_assert_int_eq(x86_insn_check_cpu(&v, &i), 0);
	ck_assert_str_eq(x86_op_name(i.op), "TZCNT");

	v.model = cpu_model_find("qemu64");
	ck_assert_ptr_nonnull(v.model);
	ck_assert(!x86_cpu_has(&v, X86_FEAT_BMI1));
	ck_assert(x86_cpu_has(&v, X86_FEAT_SSE4A));
	/* without BMI1, F3 0F BC is BSF (the F3 is an ignored REP) */
	ck_assert_int_eq(x86_insn_check_cpu(&v, &i), 0);
	ck_assert_str_eq(x86_op_name(i.op), "BSF");
	ck_assert_str_eq(x86_insn_info(&i)->name, "BSF");
	ck_assert_int_eq(x86_decode(&i, movbe, sizeof(movbe), 8), 0);
	ck_assert_int_eq(x86_insn_check_cpu(&v, &i), -EXC_UD);
	ck_assert_int_eq(x86_decode(&i, addps, sizeof(addps), 8), 0);
	ck_assert_int_eq(x86_insn_check_cpu(&v, &i), 0);
	/* the mask form: no features at all */
	ck_assert_int_eq(x86_decode(&i, tzcnt, sizeof(tzcnt), 8), 0);
	ck_assert_int_eq(x86_insn_check_features(0, &i), 0);
	ck_assert_str_eq(x86_op_name(i.op), "BSF");
	ck_assert_int_eq(x86_decode(&i, addps, sizeof(addps), 8), 0);
	ck_assert_int_eq(x86_insn_check_features(0, &i), -EXC_UD);
	ck_assert_int_eq(x86_insn_check_features(1ull << X86_FEAT_SSE, &i), 0);
}
END_TEST

/* The CPUID locations of opcodes.h agree with the CPU models' feature table: every
 * feature the models know turns on and off with -cpu max,+f / max,-f. */
START_TEST(test_feature_locations)
{
	static struct vcpu v;
	const struct cpu_model *max = cpu_model_find("max");
	unsigned checked = 0;

	for (unsigned f = 1; f < X86_FEAT_COUNT; f++) {
		const char *name = x86_feature_name(f);
		char edit[64], err[128];
		struct cpu_model *m;

		if (!cpu_feature_known(name) || f == X86_FEAT_SSE_PREF)
			continue;
		for (int on = 0; on < 2; on++) {
			snprintf(edit, sizeof(edit), "%c%s", on ? '+' : '-', name);
			m = cpu_model_edit(max, edit, err, sizeof(err));
			ck_assert_msg(m != NULL, "%s: %s", edit, err);
			v.model = m;
			ck_assert_msg(x86_cpu_has(&v, f) == (on != 0), "%s", edit);
			cpu_model_free(m);
		}
		checked++;
	}
	ck_assert_uint_gt(checked, 30);
}
END_TEST

/* An encoding of row r's opcode o in mode: prefix, escapes, opcode, a ModRM that
 * selects the row, zero bytes for the rest. Returns the length written. */
static unsigned encode_row(const struct x86_op_info *row, unsigned o, unsigned mode, uint8_t *b)
{
	static const uint8_t pfx_byte[] = { 0, 0, 0x66, 0xf3, 0xf2 };
	static const uint8_t pp[] = { 0, 0, 1, 2, 3 };
	unsigned n = 0, kind = row->ext >> 8, val = row->ext & 0xff;
	bool mem = false, has_modrm = kind != X86_EXT_NONE;

	memset(b, 0, 16);
	for (unsigned k = 0; k < X86_MAX_OPERANDS; k++) {
		unsigned a = row->opa[k];

		if (a == X86_OPA_M)
			mem = true;
		if (a == X86_OPA_E || a == X86_OPA_G || a == X86_OPA_M || a == X86_OPA_R ||
		    a == X86_OPA_V || a == X86_OPA_W || a == X86_OPA_U || a == X86_OPA_P ||
		    a == X86_OPA_Q || a == X86_OPA_N || a == X86_OPA_S || a == X86_OPA_C ||
		    a == X86_OPA_D || a == X86_OPA_STi)
			has_modrm = true;
	}
	if (kind == X86_EXT_DIGIT_MEM || kind == X86_EXT_MEM)
		mem = true;
	if (row->flags & X86F_EVEX) {
		b[n++] = 0x62;
		b[n++] = 0xf0 | row->map;
		b[n++] = 0x7c | pp[row->pfx];
		b[n++] = 0x08;
	} else if (row->flags & X86F_VEX) {
		b[n++] = 0xc4;
		b[n++] = 0xe0 | row->map;
		b[n++] = 0x78 | pp[row->pfx];
	} else {
		if (pfx_byte[row->pfx])
			b[n++] = pfx_byte[row->pfx];
		if (row->flags & X86F_REXB)
			b[n++] = 0x41;
		if (row->map != X86_MAP_1B)
			b[n++] = 0x0f;
		if (row->map == X86_MAP_38)
			b[n++] = 0x38;
		if (row->map == X86_MAP_3A)
			b[n++] = 0x3a;
	}
	b[n++] = (uint8_t)o;
	if (has_modrm) {
		uint8_t modrm = mem ? 0x00 : 0xc0;

		if (kind == X86_EXT_DIGIT || kind == X86_EXT_DIGIT_MEM || kind == X86_EXT_DIGIT_REG)
			modrm |= (uint8_t)(val << 3);
		if (kind == X86_EXT_MODRM)
			modrm = (uint8_t)val;
		b[n++] = modrm;
	}
	return n;
}

/* Loop over every row: an encoding built from the row decodes to that row, in
 * every mode the row is valid in (no row is shadowed by another). */
START_TEST(test_every_row_decodes)
{
	static const unsigned modes[] = { 2, 4, 8 };
	unsigned checked = 0;

	for (unsigned r = 0; r < x86_row_count; r++) {
		const struct x86_op_info *row = &x86_rows[r];

		for (unsigned m = 0; m < 3; m++) {
			unsigned mode = modes[m];

			if (((row->flags & X86F_I64) && mode == 8) ||
			    ((row->flags & (X86F_O64 | X86F_REXB)) && mode != 8))
				continue;
			/* C4/C5/62 with a register ModRM are VEX/EVEX outside 64-bit mode too;
			 * EVEX R'/V' encodings need 64-bit mode */
			if ((row->flags & X86F_EVEX) && mode != 8)
				continue;
			for (unsigned o = row->lo; o <= row->hi; o += (row->hi - row->lo) ? (row->hi - row->lo) : 1) {
				uint8_t b[16];
				struct x86_insn i;
				int err;

				encode_row(row, o, mode, b);
				err = x86_decode(&i, b, 16, mode);
				ck_assert_msg(err == 0 && i.row == r,
					      "row %u %s opcode %02x mode %u: err %d row %u %s", r,
					      row->name, o, mode, err, i.row,
					      err ? "-" : x86_rows[i.row].name);
				checked++;
				if (row->hi == row->lo)
					break;
			}
		}
	}
	ck_assert_uint_gt(checked, x86_row_count);
}
END_TEST

static void flags_of(const uint8_t *b, size_t n, uint32_t *read, uint32_t *kill)
{
	struct x86_insn i;

	ck_assert_int_eq(x86_decode(&i, b, n, 8), 0);
	x86_insn_flags(&i, read, kill);
}

/* Flag liveness facts: fixed sets, condition-code reads, the conservative default. */
START_TEST(test_flags)
{
	static const uint8_t add[] = { 0x01, 0xc0 }, adc[] = { 0x11, 0xc0 };
	static const uint8_t inc[] = { 0xff, 0xc0 }, jbe[] = { 0x76, 0x00 };
	static const uint8_t setl[] = { 0x0f, 0x9c, 0xc0 }, cmovo[] = { 0x0f, 0x40, 0xc0 };
	static const uint8_t mov[] = { 0x89, 0xc0 }, hlt[] = { 0xf4 };
	uint32_t r, k;

	flags_of(add, sizeof(add), &r, &k);
	ck_assert_uint_eq(r, 0);
	ck_assert_uint_eq(k, RFLAGS_ARITH);
	flags_of(adc, sizeof(adc), &r, &k);
	ck_assert_uint_eq(r, RFLAGS_CF);
	flags_of(inc, sizeof(inc), &r, &k);
	ck_assert_uint_eq(k, RFLAGS_ARITH & ~RFLAGS_CF);
	flags_of(jbe, sizeof(jbe), &r, &k);
	ck_assert_uint_eq(r, RFLAGS_CF | RFLAGS_ZF);
	ck_assert_uint_eq(k, 0);
	flags_of(setl, sizeof(setl), &r, &k);
	ck_assert_uint_eq(r, RFLAGS_SF | RFLAGS_OF);
	flags_of(cmovo, sizeof(cmovo), &r, &k);
	ck_assert_uint_eq(r, RFLAGS_OF);
	flags_of(mov, sizeof(mov), &r, &k);
	ck_assert_uint_eq(r | k, 0);
	flags_of(hlt, sizeof(hlt), &r, &k);    /* not listed: reads all, kills none */
	ck_assert_uint_eq(r, RFLAGS_ARITH);
	ck_assert_uint_eq(k, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opcodes");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_strong_handler_wins);
	tcase_add_test(tc, test_every_name_has_a_row);
	tcase_add_test(tc, test_intercept_columns);
	tcase_add_test(tc, test_cpu_features);
	tcase_add_test(tc, test_feature_locations);
	tcase_add_test(tc, test_every_row_decodes);
	tcase_add_test(tc, test_flags);
	suite_add_tcase(s, tc);
	return check_run(s);
}
