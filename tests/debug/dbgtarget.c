/*
 * tests/debug/dbgtarget.c - a small 64-bit guest kernel for the debugger tests: known
 * symbols to break at, step through and watch. Run alone it passes; the gdb test
 * changes dbg_counter through gdb and reads back what the guest printed. With "hold"
 * on the command line (-append hold) it spins in 64-bit mode at the end, until a
 * debugger clears dbg_hold, so that a monitor test can stop it there.
 */
#include "guest.h"

volatile unsigned long dbg_counter;
volatile unsigned long dbg_watched;
volatile unsigned long dbg_hold;

unsigned long dbg_marker(unsigned long x);

__attribute__((noinline)) unsigned long dbg_marker(unsigned long x)
{
	dbg_counter += x;
	return dbg_counter;
}

static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; s && *s; s++)
		if (!strncmp(s, w, n) && (s[n] == '\0' || s[n] == ' '))
			return 1;
	return 0;
}

int main(void)
{
	dbg_hold = has_word(guest_cmdline(), "hold");
	for (unsigned long i = 1; i <= 3; i++)
		dbg_marker(i);
	dbg_watched = 0x1234;
	printf("dbg_counter=%lu\n", dbg_counter);
	while (dbg_hold)
		asm volatile("" ::: "memory");
	report_pass("dbgtarget ran");
	return 0;
}
