/*
 * tests/unit/translate/test_opcodes.c - the generated opcode tables: every name has
 * a row, rows are consistent, and the weak exec_unimpl fallbacks lose to a strong
 * definition elsewhere in the link (the way group files override them).
 */
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

int main(void)
{
	Suite *s = suite_create("opcodes");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_strong_handler_wins);
	tcase_add_test(tc, test_every_name_has_a_row);
	tcase_add_test(tc, test_intercept_columns);
	tcase_add_test(tc, test_cpu_features);
	tcase_add_test(tc, test_feature_locations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
