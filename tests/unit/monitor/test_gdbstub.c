/*
 * tests/unit/monitor/test_gdbstub.c - the gdb stub's packets against a real vCPU (the
 * flat test machine of tests/unit/common/emu.h): registers, memory through the page
 * tables, breakpoints, single-step, watchpoints, queries, the session's run control.
 */
#include "tests/unit/common/check_run.h"
#include "monitor/internal.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct emu *e;
static struct vcpu *cpus[1];
static struct dbg *d;
static struct gdb_stub *g;

static void setup(void)
{
	struct dbg_machine m = { .cpus = cpus, .ncpus = 1 };
	struct dbg_config cfg = { 0 };
	char err[128];

	e = emu_new(EMU_LONG64, 0);
	cpus[0] = &e->v;
	e->v.s.rip = EMU_CODE;
	d = dbg_open(&m, &cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(d);
	g = gdb_new(d);
	d->gdb = g;
}

static void teardown(void)
{
	dbg_close(d, -1);       /* frees g too */
	emu_free(e);
}

static const char *pkt(const char *p)
{
	const char *r = gdb_handle(g, p, strlen(p));

	ck_assert_msg(r != NULL, "'%s' resumed the machine", p);
	return r;
}

/* Send a resume packet and run the session until it stops (or 1000 slices). */
static void resume_until_stop(const char *p)
{
	enum run_exit r;

	ck_assert_ptr_null(gdb_handle(g, p, strlen(p)));
	ck_assert(!d->stopped);
	for (int i = 0; i < 1000 && !d->stopped; i++)
		ck_assert_msg(!dbg_run_slice(d, &r), "the machine exited (%d)", r);
	ck_assert(d->stopped);
}

/* mov eax,1; mov ebx,2; mov [rdi],eax; mov ecx,[rdi]; nop; nop; hlt */
static const uint8_t code[] = { 0xb8, 1, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0x89, 0x07, 0x8b, 0x0f,
				0x90, 0x90, 0xf4 };
#define AT_STORE (EMU_CODE + 10)
#define AT_LOAD  (EMU_CODE + 12)
#define AT_NOP   (EMU_CODE + 14)

static void load_code(void)
{
	emu_load(e, EMU_CODE, code, sizeof(code));
	e->v.s.gpr[7] = EMU_DATA;
}

START_TEST(registers_g_p_P)
{
	const char *r;
	char expect[17];
	uint8_t le[8];

	e->v.s.gpr[0] = 0x1122334455667788ull;         /* rax */
	e->v.s.gpr[3] = 0xabcdull;                      /* rbx is gdb's register 1 */
	r = pkt("g");
	ck_assert_uint_eq(strlen(r), 2 * gdb_regs_size());
	ck_assert_int_eq(strncmp(r, "8877665544332211", 16), 0);
	ck_assert_int_eq(strncmp(r + 16, "cdab000000000000", 16), 0);
	/* rip is register 16 */
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(EMU_CODE >> (8 * i));
	gdb_tohex(expect, le, 8);
	ck_assert_str_eq(pkt("p10"), expect);
	ck_assert_str_eq(pkt("P2=efbeadde00000000"), "OK");  /* rcx */
	ck_assert_uint_eq(e->v.s.gpr[1], 0xdeadbeef);
	ck_assert_str_eq(pkt("p2"), "efbeadde00000000");
	ck_assert_str_eq(pkt("P2=12"), "E22");               /* wrong size */
	ck_assert_str_eq(pkt("p999"), "E22");
	/* cr3 through its table row */
	ck_assert_str_eq(pkt("P4=0100000000000000"), "OK");  /* rsi */
	ck_assert_uint_eq(e->v.s.gpr[6], 1);
}
END_TEST

START_TEST(registers_G_roundtrip)
{
	char *all = strdup(pkt("g"));

	/* change rdx (register 3) in the block and write it all back */
	memcpy(all + 3 * 16, "0700000000000000", 16);
	{
		char *G = malloc(strlen(all) + 2);

		G[0] = 'G';
		strcpy(G + 1, all);
		ck_assert_str_eq(pkt(G), "OK");
		free(G);
	}
	ck_assert_uint_eq(e->v.s.gpr[2], 7);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE);
	free(all);
}
END_TEST

START_TEST(memory_m_M)
{
	char q[64];

	emu_write64(e, EMU_DATA, 0x0807060504030201ull);
	snprintf(q, sizeof(q), "m%llx,8", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt(q), "0102030405060708");
	snprintf(q, sizeof(q), "M%llx,2:aabb", (unsigned long long)EMU_DATA + 1);
	ck_assert_str_eq(pkt(q), "OK");
	ck_assert_uint_eq(emu_read64(e, EMU_DATA), 0x0807060504bbaa01ull);
	/* through the page tables: an unmapped page answers E14, and crossing into it too */
	emu_set_pte(e, EMU_DATA + 0x1000, 0);
	snprintf(q, sizeof(q), "m%llx,4", (unsigned long long)EMU_DATA + 0x1000);
	ck_assert_str_eq(pkt(q), "E14");
	snprintf(q, sizeof(q), "m%llx,4", (unsigned long long)EMU_DATA + 0xffe);
	ck_assert_str_eq(pkt(q), "E14");
	ck_assert_str_eq(pkt("mffffffffffff0000,4"), "E14");
	ck_assert_str_eq(pkt("m1000"), "E22");
	snprintf(q, sizeof(q), "M%llx,2:aa", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt(q), "E22");
}
END_TEST

START_TEST(memory_write_drops_translations)
{
	char q[64];
	enum run_exit r;

	/* run the code once (translated), patch "mov eax,1" to "mov eax,5" through M */
	load_code();
	ck_assert_str_eq(pkt("Z0,100005,1") /* after mov eax */ , "OK");
	resume_until_stop("c");
	ck_assert_uint_eq(e->v.s.gpr[0], 1);
	e->v.s.rip = EMU_CODE;
	snprintf(q, sizeof(q), "M%llx,1:05", (unsigned long long)EMU_CODE + 1);
	ck_assert_str_eq(pkt(q), "OK");
	ck_assert_ptr_null(gdb_handle(g, "c", 1));
	for (int i = 0; i < 10 && !d->stopped; i++)
		ck_assert(!dbg_run_slice(d, &r));
	ck_assert_uint_eq(e->v.s.gpr[0], 5);
}
END_TEST

START_TEST(breakpoint_and_step)
{
	char q[64];

	load_code();
	snprintf(q, sizeof(q), "Z0,%llx,1", (unsigned long long)AT_STORE);
	ck_assert_str_eq(pkt(q), "OK");
	resume_until_stop("c");
	ck_assert_int_eq(d->why, STOP_BREAK);
	ck_assert_uint_eq(e->v.s.rip, AT_STORE);
	ck_assert_uint_eq(e->v.s.gpr[3], 2);
	ck_assert_str_eq(pkt("?"), "T05thread:1;");
	/* a step runs exactly one instruction, the one at the breakpoint */
	resume_until_stop("s");
	ck_assert_int_eq(d->why, STOP_STEP);
	ck_assert_uint_eq(e->v.s.rip, AT_LOAD);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA) & 0xffffffff, 1);
	resume_until_stop("vCont;s:1");
	ck_assert_uint_eq(e->v.s.rip, AT_NOP);
	ck_assert_uint_eq(e->v.s.gpr[1], 1);
	/* removing it */
	snprintf(q, sizeof(q), "z0,%llx,1", (unsigned long long)AT_STORE);
	ck_assert_str_eq(pkt(q), "OK");
	ck_assert_uint_eq(d->nbps, 0);
}
END_TEST

START_TEST(hw_breakpoint_and_resume_address)
{
	char q[64];

	load_code();
	snprintf(q, sizeof(q), "Z1,%llx,1", (unsigned long long)AT_NOP);
	ck_assert_str_eq(pkt(q), "OK");
	/* c ADDR resumes at ADDR: skip the two movs */
	snprintf(q, sizeof(q), "c%llx", (unsigned long long)AT_STORE);
	resume_until_stop(q);
	ck_assert_uint_eq(e->v.s.rip, AT_NOP);
	ck_assert_uint_eq(e->v.s.gpr[3], 0);            /* mov ebx,2 never ran */
}
END_TEST

START_TEST(write_watchpoint)
{
	char q[64];

	load_code();
	snprintf(q, sizeof(q), "Z2,%llx,4", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt(q), "OK");
	resume_until_stop("c");
	ck_assert_int_eq(d->why, STOP_WATCH);
	/* trap-like: the store is done, RIP is after it */
	ck_assert_uint_eq(e->v.s.rip, AT_LOAD);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA) & 0xffffffff, 1);
	snprintf(q, sizeof(q), "T05watch:%llx;thread:1;", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt("?"), q);
	snprintf(q, sizeof(q), "z2,%llx,4", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt(q), "OK");
	ck_assert_ptr_null(e->v.watch_hook);
}
END_TEST

START_TEST(read_and_access_watchpoints)
{
	char q[64];

	load_code();
	/* a read watchpoint ignores the store and stops after the load */
	snprintf(q, sizeof(q), "Z3,%llx,1", (unsigned long long)EMU_DATA + 3);
	ck_assert_str_eq(pkt(q), "OK");
	resume_until_stop("c");
	ck_assert_uint_eq(e->v.s.rip, AT_NOP);
	ck_assert_uint_eq(e->v.s.gpr[1], 1);
	snprintf(q, sizeof(q), "T05rwatch:%llx;thread:1;", (unsigned long long)EMU_DATA + 3);
	ck_assert_str_eq(pkt("?"), q);
	snprintf(q, sizeof(q), "z3,%llx,1", (unsigned long long)EMU_DATA + 3);
	ck_assert_str_eq(pkt(q), "OK");
	/* an access watchpoint stops at the store */
	e->v.s.rip = EMU_CODE;
	snprintf(q, sizeof(q), "Z4,%llx,8", (unsigned long long)EMU_DATA);
	ck_assert_str_eq(pkt(q), "OK");
	resume_until_stop("c");
	ck_assert_uint_eq(e->v.s.rip, AT_LOAD);
	ck_assert_int_eq(strncmp(pkt("?"), "T05awatch:", 10), 0);
	ck_assert_str_eq(pkt("Z2,0,0"), "E22");          /* empty range */
	ck_assert_str_eq(pkt("Z9,0,1"), "");
}
END_TEST

START_TEST(queries)
{
	const char *xml = gdb_target_xml();
	GString *got = g_string_new(NULL);
	uint64_t off = 0;

	ck_assert_ptr_nonnull(strstr(pkt("qSupported:multiprocess+;xmlRegisters=i386"),
				     "qXfer:features:read+"));
	ck_assert_str_eq(pkt("qAttached"), "1");
	ck_assert_str_eq(pkt("qfThreadInfo"), "m1");
	ck_assert_str_eq(pkt("qsThreadInfo"), "l");
	ck_assert_str_eq(pkt("qC"), "QC1");
	ck_assert_str_eq(pkt("Hg1"), "OK");
	ck_assert_str_eq(pkt("Hc-1"), "OK");
	ck_assert_str_eq(pkt("Hg2"), "E22");
	ck_assert_str_eq(pkt("T1"), "OK");
	ck_assert_str_eq(pkt("T2"), "E22");
	ck_assert_str_eq(pkt("vCont?"), "vCont;c;C;s;S");
	ck_assert_str_eq(pkt("vMustReplyEmpty"), "");
	ck_assert_str_eq(pkt("qWhatever"), "");
	ck_assert_str_eq(pkt("QStartNoAckMode"), "OK");
	/* the target description, read in small chunks, is the whole text */
	for (;;) {
		char q[80];
		const char *r;

		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%llx,100", (unsigned long long)off);
		r = pkt(q);
		ck_assert(r[0] == 'm' || r[0] == 'l');
		g_string_append(got, r + 1);
		off += strlen(r + 1);
		if (r[0] == 'l')
			break;
	}
	ck_assert_str_eq(got->str, xml);
	ck_assert_str_eq(pkt("qXfer:features:read:other.xml:0,100"), "E00");
	g_string_free(got, TRUE);
}
END_TEST

/* Regression: a breakpoint set inside a block that is already translated still stops. */
START_TEST(breakpoint_inside_translated_block)
{
	char q[64];

	load_code();
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100), RUN_EXIT_HALT);     /* translates it whole */
	e->v.s.rip = EMU_CODE;
	e->v.s.halted = false;
	snprintf(q, sizeof(q), "Z0,%llx,1", (unsigned long long)AT_LOAD);
	ck_assert_str_eq(pkt(q), "OK");
	resume_until_stop("c");
	ck_assert_int_eq(d->why, STOP_BREAK);
	ck_assert_uint_eq(e->v.s.rip, AT_LOAD);
}
END_TEST

static unsigned intr_acks;
static bool always_pending(void *opaque) { return true; }
static uint8_t ack_vector(void *opaque) { intr_acks++; return 0x20; }

/* gdb's stepi runs the instruction at RIP, not an interrupt handler. */
START_TEST(step_takes_no_interrupt)
{
	load_code();
	e->bus.intr_pending = always_pending;
	e->bus.intr_ack = ack_vector;
	cpu_set_rflags(&e->v.s, cpu_get_rflags(&e->v.s) | RFLAGS_IF);
	intr_acks = 0;
	resume_until_stop("s");
	ck_assert_uint_eq(intr_acks, 0);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 5);
	resume_until_stop("s");
	ck_assert_uint_eq(intr_acks, 0);
	ck_assert_uint_eq(e->v.s.rip, AT_STORE);
	e->bus.intr_pending = NULL;
	e->bus.intr_ack = NULL;
}
END_TEST

START_TEST(detach_clears_points)
{
	load_code();
	ck_assert_str_eq(pkt("Z0,100005,1"), "OK");
	ck_assert_str_eq(pkt("Z2,200000,4"), "OK");
	ck_assert_str_eq(pkt("D"), "OK");
	ck_assert_uint_eq(d->nbps, 0);
	ck_assert_uint_eq(d->nwatch, 0);
	ck_assert(!d->stopped);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gdbstub");
	TCase *t = tcase_create("stub");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, registers_g_p_P);
	tcase_add_test(t, registers_G_roundtrip);
	tcase_add_test(t, memory_m_M);
	tcase_add_test(t, memory_write_drops_translations);
	tcase_add_test(t, breakpoint_and_step);
	tcase_add_test(t, hw_breakpoint_and_resume_address);
	tcase_add_test(t, write_watchpoint);
	tcase_add_test(t, read_and_access_watchpoints);
	tcase_add_test(t, queries);
	tcase_add_test(t, breakpoint_inside_translated_block);
	tcase_add_test(t, step_takes_no_interrupt);
	tcase_add_test(t, detach_clears_points);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
