/*
 * tests/unit/translate/test_opcodes.c - the generated opcode tables: every name has
 * a row, rows are consistent, and the weak exec_unimpl fallbacks lose to a strong
 * definition elsewhere in the link (the way group files override them).
 */
#include "translate/opcodes.h"

#include <check.h>
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

int main(void)
{
	Suite *s = suite_create("opcodes");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_strong_handler_wins);
	tcase_add_test(tc, test_every_name_has_a_row);
	tcase_add_test(tc, test_intercept_columns);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
