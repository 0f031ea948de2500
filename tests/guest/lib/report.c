/*
 * tests/guest/lib/report.c - PASS/FAIL/SKIP lines, the summary and the exit
 * through isa-debug-exit. The line formats are what tests/guest/run-guest parses.
 */
#include "guest.h"

static unsigned g_tests, g_failures, g_skipped;

static void report_line(const char *tag, const char *name, const char *detail_fmt, va_list ap)
{
	printf("%s %s", tag, name);
	if (detail_fmt) {
		printf(": ");
		vprintf(detail_fmt, ap);
	}
	printf("\n");
}

void report_pass(const char *name_fmt, ...)
{
	va_list ap;

	g_tests++;
	printf("PASS ");
	va_start(ap, name_fmt);
	vprintf(name_fmt, ap);
	va_end(ap);
	printf("\n");
}

void report_fail(const char *name, const char *detail_fmt, ...)
{
	va_list ap;

	g_tests++;
	g_failures++;
	va_start(ap, detail_fmt);
	report_line("FAIL", name, detail_fmt, ap);
	va_end(ap);
}

void report_skip(const char *name, const char *why_fmt, ...)
{
	va_list ap;

	g_skipped++;
	va_start(ap, why_fmt);
	report_line("SKIP", name, why_fmt, ap);
	va_end(ap);
}

bool report(bool pass, const char *name_fmt, ...)
{
	char name[160];
	va_list ap;

	va_start(ap, name_fmt);
	vsnprintf(name, sizeof(name), name_fmt, ap);
	va_end(ap);
	if (pass)
		report_pass("%s", name);
	else
		report_fail(name, "check failed");
	return pass;
}

bool report_eq(uint64_t got, uint64_t want, const char *name, const char *got_text,
	       const char *want_text, const char *file, int line)
{
	if (got == want) {
		report_pass("%s", name);
		return true;
	}
	report_fail(name, "%s = %#" PRIx64 ", expected %s = %#" PRIx64 " (%s:%d)", got_text, got,
		    want_text, want, file, line);
	return false;
}

bool report_str_eq(const char *got, const char *want, const char *name, const char *file, int line)
{
	if (!strcmp(got, want)) {
		report_pass("%s", name);
		return true;
	}
	report_fail(name, "got \"%s\", expected \"%s\" (%s:%d)", got, want, file, line);
	return false;
}

unsigned report_failures(void)
{
	return g_failures;
}

unsigned report_summary(void)
{
	printf("SUMMARY: %u tests, %u failures, %u skipped\n", g_tests, g_failures, g_skipped);
	return g_failures;
}

void report_abort(const char *name, const char *detail_fmt, ...)
{
	va_list ap;

	g_tests++;
	g_failures++;
	va_start(ap, detail_fmt);
	report_line("FAIL", name, detail_fmt, ap);
	va_end(ap);
	guest_finish();
}

void guest_finish(void)
{
	guest_exit(report_summary() ? 1 : 0);
}

void guest_exit(unsigned v)
{
	outl(GUEST_DEBUG_EXIT_PORT, v);
	/* Still here: no isa-debug-exit device. Real hardware ends up here too. */
	printf("EXIT: debug-exit port %#x did not stop the machine (value %u); halting\n",
	       GUEST_DEBUG_EXIT_PORT, v);
	for (;;)
		asm volatile("cli; hlt");
}
