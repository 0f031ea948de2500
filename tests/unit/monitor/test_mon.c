/*
 * tests/unit/monitor/test_mon.c - the monitor's commands against a real vCPU (the flat
 * test machine), and the monitor and gdb stub over real sockets (monitor/chan.c).
 */
#include "tests/unit/common/check_run.h"
#include "monitor/internal.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct emu *e;
static struct vcpu *cpus[1];
static struct dbg *d;
static int resets, quits;

static void on_reset(void *opaque) { resets++; }
static void on_quit(void *opaque) { quits++; }

static struct dbg *open_session(const char *gdb, const char *mon)
{
	struct dbg_machine m = { .cpus = cpus, .ncpus = 1, .reset = on_reset, .quit = on_quit };
	struct dbg_config cfg = { .gdb = gdb, .monitor = mon };
	char err[256];
	struct dbg *s = dbg_open(&m, &cfg, err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static void setup(void)
{
	e = emu_new(EMU_LONG64, 0);
	cpus[0] = &e->v;
	e->v.s.rip = EMU_CODE;
	resets = quits = 0;
	d = open_session(NULL, NULL);
}

static void teardown(void)
{
	dbg_close(d, -1);
	emu_free(e);
}

/* Run a command; the output (static, replaced by the next call). */
static const char *run(const char *line)
{
	static GString *out;

	if (out)
		g_string_free(out, TRUE);
	out = g_string_new(NULL);
	mon_exec(d, line, out);
	return out->str;
}

static void expect_has(const char *line, const char *what)
{
	const char *out = run(line);

	ck_assert_msg(strstr(out, what) != NULL, "'%s' answered '%s', expected '%s' in it", line,
		      out, what);
}

START_TEST(info_registers_and_cpus)
{
	e->v.s.gpr[0] = 0x1234;
	expect_has("info registers", "RAX=0000000000001234");
	expect_has("info registers", "RIP=0000000000100000");
	expect_has("info registers", "mode=64-bit");
	expect_has("info registers", "CR3=");
	expect_has("info cpus", "* CPU #0: pc=0x0000000000100000");
}
END_TEST

START_TEST(examine_memory)
{
	static const uint8_t bytes[] = { 0x41, 0x42, 0xff, 0x7f, 0x01, 0, 0, 0x80 };
	char q[64];

	emu_load(e, EMU_DATA, bytes, sizeof(bytes));
	snprintf(q, sizeof(q), "x /2xw 0x%llx", (unsigned long long)EMU_DATA);
	expect_has(q, "0000000000200000: 0x7fff4241 0x80000001\n");
	snprintf(q, sizeof(q), "x /4xb 0x%llx", (unsigned long long)EMU_DATA);
	expect_has(q, ": 0x41 0x42 0xff 0x7f\n");
	snprintf(q, sizeof(q), "x /2dh 0x%llx", (unsigned long long)EMU_DATA + 2);
	expect_has(q, ": 32767 1\n");
	snprintf(q, sizeof(q), "x /1dg 0x%llx", (unsigned long long)EMU_DATA);
	expect_has(q, ": -9223372030412373439\n");
	snprintf(q, sizeof(q), "x /1ub 0x%llx", (unsigned long long)EMU_DATA + 2);
	expect_has(q, ": 255\n");
	snprintf(q, sizeof(q), "x /2c 0x%llx", (unsigned long long)EMU_DATA);
	expect_has(q, ": 'A' 'B'\n");
	snprintf(q, sizeof(q), "xp /1xg 0x%llx", (unsigned long long)EMU_DATA);
	expect_has(q, ": 0x800000017fff4241\n");
	snprintf(q, sizeof(q), "x/1xb 0x%llx", (unsigned long long)EMU_DATA);  /* no space */
	expect_has(q, ": 0x41\n");
	e->v.s.gpr[7] = EMU_DATA;
	expect_has("x /1xb $rdi", ": 0x41\n");
}
END_TEST

START_TEST(examine_disassembly)
{
	static const uint8_t code[] = { 0x48, 0x01, 0xd8, 0x90, 0xf4 };    /* add rax,rbx; nop; hlt */

	emu_load(e, EMU_CODE, code, sizeof(code));
	expect_has("x /3i $pc", "0x0000000000100000:  add rax, rbx\n"
			       "0x0000000000100003:  nop\n0x0000000000100004:  hlt\n");
	expect_has("xp /1i 0x100003", "nop");
}
END_TEST

START_TEST(bad_commands_and_addresses)
{
	expect_has("frobnicate", "unknown command: 'frobnicate'");
	expect_has("info", "info: unknown item ''");
	expect_has("info nothing", "unknown item 'nothing'");
	expect_has("x", "usage: x /Nfmt ADDR");
	expect_has("x /4q 0", "invalid format letter 'q'");
	expect_has("x /0x 0", "count must be 1..4096");
	expect_has("x /1x zzz", "invalid address 'zzz'");
	expect_has("x /1x $nosuch", "unknown register '$nosuch'");
	/* outside RAM, unmapped, non-canonical: an error, never a crash */
	expect_has("xp /1xg 0xfffffffff000", "Cannot access memory at 0xfffffffff000");
	expect_has("x /4xg 0xffff800000000000", "Cannot access memory");
	emu_set_pte(e, EMU_DATA, 0);
	expect_has("x /1xb 0x200000", "Cannot access memory at 0x200000");
	expect_has("x /1i 0x200000", "Cannot access memory at 0x200000");
	expect_has("cpu 5", "usage: cpu N (0..0)");
	ck_assert_str_eq(run(""), "");
	ck_assert_str_eq(run("   "), "");
	expect_has("info vmcs", "not in VMX operation");
	expect_has("info vmcb", "not available");
	expect_has("info ept", "usage: info ept [EPTP] GPA");
	expect_has("info ept 0x1000", "give the EPTP");
	expect_has("info ept 0x1e 0x1000 5", "usage");
	expect_has("help", "info registers");
}
END_TEST

START_TEST(info_ept_walk)
{
	/* EPT at 0x500000: PML4E -> PDPTE -> PDE with a 2M page (gpa 2M-4M -> 6M), and
	 * PDE 2 -> a page table whose PTE 3 is read/execute with A/D. */
	emu_write64(e, 0x500000, 0x501000 | 7);
	emu_write64(e, 0x501000, 0x502000 | 7);
	emu_write64(e, 0x502008, 0x600000 | 0x80 | 0x30 | 7);
	emu_write64(e, 0x502010, 0x503000 | 7);
	emu_write64(e, 0x503018, 0x7000 | 0x300 | 0x30 | 5);
	expect_has("info ept 0x50005e 0x212345", "-> HPA 0x612345, access RWX");
	expect_has("info ept 0x50005e 0x212345", "PDE  [  1] @0x502008 = 00000000006000b7 RWX MT=6 2M");
	expect_has("info ept 0x50005e 0x403010", "PTE  [  3] @0x503018 = 0000000000007335 R-X A D MT=6");
	expect_has("info ept 0x50005e 0x403010", "-> HPA 0x7010, access R-X");
	expect_has("info ept 0x50005e 0x404000", "not present at the PTE: EPT violation");
	expect_has("info ept 0x50005e 0x212345", "A/D on");
	emu_write64(e, 0x502008, 0x600000 | 0x80 | 0x10 | 7);        /* memory type 2 */
	expect_has("info ept 0x50005e 0x212345", "EPT misconfiguration at the PDE");
	expect_has("info ept 0x500001 0x212345", "not a valid EPTP");
}
END_TEST

START_TEST(info_tlb_mem_tb)
{
	static const uint8_t code[] = { 0x90, 0xf4 };

	/* emu maps its RAM with 4 KiB user/writable pages, identity */
	expect_has("info tlb", "0000000000200000: 0000000000200000 4K UWX\n");
	expect_has("info mem", "0000000000000000-0000000000800000 0000000000800000 urw\n");
	emu_set_pte(e, EMU_DATA, 0x5);          /* present, user, read-only */
	expect_has("info tlb", "0000000000200000: 0000000000200000 4K U-X\n");
	expect_has("info mem", "0000000000200000-0000000000201000 0000000000001000 ur-\n");
	emu_load(e, EMU_CODE, code, sizeof(code));
	emu_run(e, EMU_CODE, 10);
	expect_has("info tb", "CPU#0: blocks translated 1, insns translated 2");
	e->v.s.cr0 &= ~CR0_PG;
	e->v.s.efer &= ~EFER_LMA;
	expect_has("info tlb", "PG disabled");
}
END_TEST

START_TEST(run_control)
{
	ck_assert(!d->stopped);
	run("stop");
	ck_assert(d->stopped);
	expect_has("info cpus", "(stopped)");
	run("cont");
	ck_assert(!d->stopped);
	run("system_reset");
	ck_assert_int_eq(resets, 1);
	run("quit");
	ck_assert_int_eq(quits, 1);
	ck_assert(d->quit);
}
END_TEST

/* ---------------------------------------------------------------- over sockets */

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Serve the session until fd has text containing `until` (NULL: serve a few rounds). */
static char *serve_until(struct dbg *s, int fd, const char *until)
{
	static char buf[8192];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < (until ? 400 : 10) && !(until && strstr(buf, until)); i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (s->mon)
			mon_service(s->mon);
		if (s->gdb)
			gdb_service(s->gdb);
		if (poll(&p, 1, 5) == 1 && n < sizeof(buf) - 1) {
			ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

			ck_assert_int_gt(r, 0);
			n += (size_t)r;
			buf[n] = '\0';
		}
	}
	return buf;
}

START_TEST(monitor_over_unix_socket)
{
	char path[64], *out;
	struct dbg *s;
	int fd;

	snprintf(path, sizeof(path), "/tmp/elzero-mon-test-%d", (int)getpid());
	dbg_close(d, -1);
	d = NULL;
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", "");
	{
		char spec[96];

		snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
		s = open_session(NULL, spec);
	}
	fd = connect_unix(path);
	out = serve_until(s, fd, "(elzero) ");
	ck_assert_ptr_nonnull(strstr(out, "elzero monitor"));
	ck_assert_int_eq(write(fd, "info cpus\r\n", 11), 11);
	out = serve_until(s, fd, "(elzero) ");
	ck_assert_ptr_nonnull(strstr(out, "CPU #0: pc=0x0000000000100000"));
	ck_assert_int_eq(write(fd, "quit\n", 5), 5);
	serve_until(s, fd, NULL);
	ck_assert(s->quit);
	close(fd);
	d = s;          /* closed by teardown; the socket file goes with it */
}
END_TEST

START_TEST(gdb_over_unix_socket)
{
	char path[64], spec[96], *out;
	struct dbg *s;
	int fd;

	snprintf(path, sizeof(path), "/tmp/elzero-gdb-test-%d", (int)getpid());
	snprintf(spec, sizeof(spec), "unix:%s", path);
	dbg_close(d, -1);
	s = open_session(spec, NULL);
	d = s;
	fd = connect_unix(path);
	serve_until(s, fd, NULL);    /* accepts: the machine stops for gdb */
	ck_assert(s->stopped);
	ck_assert_int_eq(write(fd, "$?#3f", 5), 5);
	out = serve_until(s, fd, "#");
	ck_assert_str_eq(out, "+$T05thread:1;#d7");      /* stopped for gdb: SIGTRAP */
	/* a bad checksum is answered '-', an interrupt while stopped does nothing */
	ck_assert_int_eq(write(fd, "$?#00", 5), 5);
	out = serve_until(s, fd, "-");
	ck_assert_str_eq(out, "-");
	/* continue, then Ctrl-C: the stop reply is T02 */
	ck_assert_int_eq(write(fd, "$c#63", 5), 5);
	serve_until(s, fd, "+");
	ck_assert(!s->stopped);
	ck_assert_int_eq(write(fd, "\x03", 1), 1);
	out = serve_until(s, fd, "#");
	ck_assert_str_eq(out, "$T02thread:1;#d4");
	ck_assert(s->stopped);
	/* the machine ends: gdb hears W with the status */
	dbg_close(s, 3);
	d = NULL;
	{
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_str_eq(buf, "$W03#ba");
	}
	close(fd);
	d = open_session(NULL, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mon");
	TCase *t = tcase_create("commands");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, info_registers_and_cpus);
	tcase_add_test(t, examine_memory);
	tcase_add_test(t, examine_disassembly);
	tcase_add_test(t, bad_commands_and_addresses);
	tcase_add_test(t, info_tlb_mem_tb);
	tcase_add_test(t, info_ept_walk);
	tcase_add_test(t, run_control);
	tcase_add_test(t, monitor_over_unix_socket);
	tcase_add_test(t, gdb_over_unix_socket);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
