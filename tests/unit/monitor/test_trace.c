/*
 * tests/unit/monitor/test_trace.c - -dfilter parsing and the in_asm/exec/cpu trace
 * items, checked in the log file a run writes (monitor/trace.c).
 */
#include "tests/unit/common/check_run.h"
#include "monitor/internal.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(dfilter_forms)
{
	uint64_t s[TRACE_MAX_RANGES], e[TRACE_MAX_RANGES];
	unsigned n;
	char err[128];

	ck_assert_int_eq(trace_parse_dfilter("0x1000..0x2000,0x3000+0x100,0x5000-0x10,4096", s, e, &n,
					     err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(s[0], 0x1000);
	ck_assert_uint_eq(e[0], 0x2000);
	ck_assert_uint_eq(s[1], 0x3000);
	ck_assert_uint_eq(e[1], 0x30ff);
	ck_assert_uint_eq(s[2], 0x4ff1);
	ck_assert_uint_eq(e[2], 0x5000);
	ck_assert_uint_eq(s[3], 4096);
	ck_assert_uint_eq(e[3], 4096);
}
END_TEST

START_TEST(dfilter_errors)
{
	static const char *const bad[] = {
		"", "x", "0x2000..0x1000", "0x1000+0", "0x10-0x20", "0x1000,", ",0x1000",
		"0x1000..", "..0x10", "0xffffffffffffffff+2", "-5", "0x1000+-1",
	};
	uint64_t s[TRACE_MAX_RANGES], e[TRACE_MAX_RANGES];
	unsigned n;
	char err[128];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(trace_parse_dfilter(bad[i], s, e, &n, err, sizeof(err)) == -1,
			      "'%s' accepted", bad[i]);
	trace_parse_dfilter("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", s, e, &n, err, sizeof(err));
	ck_assert_str_eq(err, "too many ranges (at most 16)");
	trace_parse_dfilter("0x10..0x1", s, e, &n, err, sizeof(err));
	ck_assert_str_eq(err, "invalid range '0x10..0x1' (START..END, START+LEN, START-LEN or ADDR)");
}
END_TEST

START_TEST(dfilter_pass)
{
	char err[128];

	ck_assert(trace_filter_pass(0, 10));            /* none set */
	ck_assert_int_eq(trace_set_dfilter("0x1000..0x1fff", err, sizeof(err)), 0);
	ck_assert(trace_filter_pass(0x1000, 0x1000));
	ck_assert(trace_filter_pass(0xff0, 0x1000));    /* overlaps */
	ck_assert(!trace_filter_pass(0x2000, 0x2010));
	ck_assert(!trace_filter_pass(0, 0xfff));
}
END_TEST

/* Run code under the given log items; returns the log text (malloc'ed). */
static char *run_logged(uint32_t mask, const char *filter)
{
	static const uint8_t code[] = { 0x48, 0x01, 0xd8, 0x90, 0xf4 };   /* add rax,rbx; nop; hlt */
	char path[64], err[128], *text;
	struct emu *e = emu_new(EMU_LONG64, 0);
	gsize len;

	snprintf(path, sizeof(path), "/tmp/elzero-trace-test-%d.log", (int)getpid());
	ck_assert_int_eq(log_set_file(path), 0);
	if (filter)
		ck_assert_int_eq(trace_set_dfilter(filter, err, sizeof(err)), 0);
	trace_init();
	g_log_mask = mask;
	emu_load(e, EMU_CODE, code, sizeof(code));
	e->v.s.gpr[0] = 0x77;
	emu_run(e, EMU_CODE, 100);
	g_log_mask = 0;
	ck_assert_int_eq(log_set_file(NULL), 0);
	emu_free(e);
	ck_assert(g_file_get_contents(path, &text, &len, NULL));
	unlink(path);
	return text;
}

START_TEST(in_asm)
{
	char *log = run_logged(1u << LOG_IN_ASM, NULL);

	ck_assert_msg(strstr(log, "IN: 3 insns, 5 bytes\n"
			     "0x0000000000100000:  4801d8                   add rax, rbx\n"
			     "0x0000000000100003:  90                       nop\n"
			     "0x0000000000100004:  f4                       hlt\n"), "log: %s", log);
	ck_assert_ptr_null(strstr(log, "Trace"));
	g_free(log);
}
END_TEST

START_TEST(exec_and_cpu)
{
	char *log = run_logged(1u << LOG_EXEC, NULL);

	ck_assert_msg(strstr(log, "Trace 0: 0008:0000000000100000 [3 insns] CPL=0 mode=64-bit icount=0\n"),
		      "log: %s", log);
	ck_assert_ptr_null(strstr(log, "RAX="));
	g_free(log);
	log = run_logged(1u << LOG_CPU, NULL);
	ck_assert_msg(strstr(log, "RAX=0000000000000077"), "log: %s", log);
	ck_assert_ptr_nonnull(strstr(log, "RIP=0000000000100000"));
	ck_assert_ptr_null(strstr(log, "Trace"));
	g_free(log);
}
END_TEST

START_TEST(filtered_out)
{
	char *log = run_logged((1u << LOG_IN_ASM) | (1u << LOG_EXEC) | (1u << LOG_CPU), "0x5000+0x10");

	ck_assert_str_eq(log, "");
	g_free(log);
	log = run_logged((1u << LOG_IN_ASM) | (1u << LOG_EXEC), "0x100004");   /* the hlt */
	ck_assert_ptr_nonnull(strstr(log, "IN: 3 insns"));
	g_free(log);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace");
	TCase *t = tcase_create("trace");

	tcase_add_test(t, dfilter_forms);
	tcase_add_test(t, dfilter_errors);
	tcase_add_test(t, dfilter_pass);
	tcase_add_test(t, in_asm);
	tcase_add_test(t, exec_and_cpu);
	tcase_add_test(t, filtered_out);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
