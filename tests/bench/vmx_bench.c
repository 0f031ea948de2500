/*
 * tests/bench/vmx_bench.c - the nested-virtualization benchmark kernel: a bare-metal
 * L1 hypervisor (tests/guest/vmx/vmx.h) that runs one measured loop per boot.
 *
 * Command line (-append): "bench=KIND n=N ept=0|1 vpid=0|1", KIND one of
 *   none    VMX on and a VMCS set up, nothing else (the harness's baseline);
 *   vmcall  L2 executes N VMCALLs; L1 handles each exit (reads the exit reason,
 *           advances the guest RIP by the exit instruction length, VMRESUME);
 *   cpuid   the same with CPUID (L1 emulates it: EAX..EDX = 1, 2, 3, 4);
 *   l1      N iterations of the compute loop (vmx_bench_loops.S) in L1;
 *   l2      the same loop in L2, entered once, leaving with one VMCALL;
 *   all     (the default) every kind with a small N, checking the results: exit
 *           counts, CPUID values, the same checksum in L1 and L2 with and without
 *           EPT and VPID. This is the smoke test CTest runs.
 * ept=1 gives L2 an identity EPT (2 MiB pages), vpid=1 the VPID 1.
 * The kernel takes no host time: tests/bench/vmx-bench times whole runs of the
 * emulator and reads its instruction count (-d stats). Each kind prints a line
 * "BENCH kind=... n=... ept=... vpid=... exits=... result=..." and PASS/FAIL
 * lines for its checks.
 *
 * SDM vol. 3 (docs/spec-versions.md): 26.1.2 (CPUID and VMCALL exit
 * unconditionally), 28.2.4 (VM-exit instruction length), 29.1 (VPID), 29.3 (EPT).
 */
#include "../guest/vmx/vmx.h"

#define BENCH_CALL 0x48434e42u          /* vmx_bench_loops.S */

unsigned long bench_compute(unsigned long n);
unsigned long bench_l2_vmcall(unsigned long n);
unsigned long bench_l2_cpuid(unsigned long n);
extern uint8_t bench_buf[16384];
unsigned long vmx_run(unsigned long resume);    /* vmx_asm.S */

/* ------------------------------------------------------------ command line */

/* The value of "key=" in the command line (at its start or after a space), or NULL. */
static const char *cmd_value(const char *key)
{
	const char *s = guest_cmdline();
	size_t len = strlen(key);

	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ') && !strncmp(p, key, len) && p[len] == '=')
			return p + len + 1;
	return NULL;
}

static unsigned long cmd_num(const char *key, unsigned long def)
{
	const char *p = cmd_value(key);
	unsigned long n = 0;

	if (!p || *p < '0' || *p > '9')
		return def;
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (unsigned long)(*p++ - '0');
	return n;
}

static bool cmd_is(const char *key, const char *want)
{
	const char *p = cmd_value(key);
	size_t len = strlen(want);

	return p && !strncmp(p, want, len) && (p[len] == ' ' || !p[len]);
}

/* ------------------------------------------------------------------- L2 setup */

/* The library's default VMCS, plus EPT (identity, WB, 4 levels) and VPID 1 if asked. */
static bool bench_vmcs(bool ept, bool vpid, const char *name)
{
	vmx_vmcs_setup();
	if (ept) {
		if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT)) {
			report_skip(name, "enable EPT not supported");
			return false;
		}
		vmcs_write(EPT_POINTER, vmx_ept_identity(NULL, NULL) | EPTP_WB | EPTP_WALK4);
	}
	if (vpid) {
		if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID)) {
			report_skip(name, "enable VPID not supported");
			return false;
		}
		vmcs_write(VPID, 1);
	}
	return true;
}

static void print_result(const char *kind, unsigned long n, bool ept, bool vpid,
			 unsigned long exits, unsigned long result)
{
	printf("BENCH kind=%s n=%lu ept=%d vpid=%d exits=%lu result=%#lx\n", kind, n, ept, vpid,
	       exits, result);
}

/* ------------------------------------------------------------------- exits */

/*
 * L2 runs `n` VMCALLs (or CPUIDs); L1 handles each exit as a hypervisor's fast path
 * does: exit reason, (CPUID: the four result registers), guest RIP += VM-exit
 * instruction length, VMRESUME. Returns the number of exits handled; *l2_ret gets
 * what the L2 loop returned.
 */
static unsigned long run_exits(uint32_t reason, unsigned long n, unsigned long *l2_ret,
			       const char *name)
{
	struct vmx_exit e;
	unsigned long exits = 0;
	uint32_t r;

	vmx_l2_start(reason == EXIT_REASON_VMCALL ? bench_l2_vmcall : bench_l2_cpuid, n);
	vmx_enter(&e);                                  /* VMLAUNCH */
	if (e.entry != VMX_OK) {
		report_fail(name, "VMLAUNCH: %s, error %u", vmx_result_name(e.entry), e.insn_error);
		return 0;
	}
	r = e.reason;
	for (;;) {
		if (r == EXIT_REASON_VMCALL && g_vmx_l2_regs.rax == VMX_CALL_DONE) {
			*l2_ret = g_vmx_l2_regs.rdi;
			return exits;
		}
		if (r != reason || (r == EXIT_REASON_VMCALL && g_vmx_l2_regs.rax != BENCH_CALL)) {
			report_fail(name, "exit %lu: reason %#x, RAX %#lx", exits, r, g_vmx_l2_regs.rax);
			return exits;
		}
		if (r == EXIT_REASON_CPUID) {
			g_vmx_l2_regs.rax = 1;
			g_vmx_l2_regs.rbx = 2;
			g_vmx_l2_regs.rcx = 3;
			g_vmx_l2_regs.rdx = 4;
		}
		exits++;
		vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
		if (vmx_run(1)) {                       /* VMRESUME */
			report_fail(name, "VMRESUME failed, error %u", vmx_insn_error());
			return exits;
		}
		r = (uint32_t)vmcs_read(VM_EXIT_REASON);
	}
}

static void bench_exits(uint32_t reason, unsigned long n, bool ept, bool vpid)
{
	const bool vmcall = reason == EXIT_REASON_VMCALL;
	unsigned long exits, l2_ret = 0;
	char name[80];

	snprintf(name, sizeof(name), "%s exits, EPT %d, VPID %d", vmcall ? "VMCALL" : "CPUID", ept, vpid);
	if (!bench_vmcs(ept, vpid, name))
		return;
	exits = run_exits(reason, n, &l2_ret, name);
	print_result(vmcall ? "vmcall" : "cpuid", n, ept, vpid, exits, l2_ret);
	report(exits == n && l2_ret == (vmcall ? n : 10 * n), "%s: %lu exits, L2 saw them all", name, n);
}

/* ----------------------------------------------------------------- compute */

static unsigned long bench_l1(unsigned long n)
{
	unsigned long r;

	memset(bench_buf, 0, sizeof(bench_buf));
	r = bench_compute(n);
	print_result("l1", n, false, false, 0, r);
	return r;
}

/* The compute loop in L2; returns its checksum (0 if L2 could not run it). */
static unsigned long bench_l2(unsigned long n, bool ept, bool vpid)
{
	unsigned long r;
	char name[80];

	snprintf(name, sizeof(name), "compute loop in L2, EPT %d, VPID %d", ept, vpid);
	if (!bench_vmcs(ept, vpid, name))
		return 0;
	memset(bench_buf, 0, sizeof(bench_buf));
	vmx_l2_start(bench_compute, n);
	r = vmx_run_to_done(name);
	print_result("l2", n, ept, vpid, 1, r);
	return r;
}

/* ------------------------------------------------------------------- main */

static void bench_all(void)
{
	const unsigned long n_exits = cmd_num("n", 2000), n_compute = 10 * n_exits;
	unsigned long l1 = bench_l1(n_compute);

	for (unsigned k = 0; k < 4; k++) {
		bool ept = k & 1, vpid = k & 2;

		expect_eq(bench_l2(n_compute, ept, vpid), l1, ept ? vpid ? "L2 = L1 checksum, EPT and VPID"
								   : "L2 = L1 checksum, EPT"
							     : vpid ? "L2 = L1 checksum, VPID"
								    : "L2 = L1 checksum");
	}
	bench_exits(EXIT_REASON_VMCALL, n_exits, false, false);
	bench_exits(EXIT_REASON_VMCALL, n_exits, true, true);
	bench_exits(EXIT_REASON_CPUID, n_exits, false, false);
	bench_exits(EXIT_REASON_CPUID, n_exits, true, true);
}

int main(void)
{
	const unsigned long n = cmd_num("n", 100000);
	const bool ept = cmd_num("ept", 0), vpid = cmd_num("vpid", 0);

	if (!vmx_enable())
		return 0;
	if (!cmd_value("bench") || cmd_is("bench", "all"))
		bench_all();
	else if (cmd_is("bench", "none"))
		report(bench_vmcs(ept, vpid, "baseline"), "baseline: VMCS set up");
	else if (cmd_is("bench", "vmcall"))
		bench_exits(EXIT_REASON_VMCALL, n, ept, vpid);
	else if (cmd_is("bench", "cpuid"))
		bench_exits(EXIT_REASON_CPUID, n, ept, vpid);
	else if (cmd_is("bench", "l1"))
		report(bench_l1(n) != 0, "compute loop in L1");
	else if (cmd_is("bench", "l2"))
		report(bench_l2(n, ept, vpid) != 0, "compute loop in L2");
	else
		report_fail("vmx_bench", "unknown bench= in \"%s\"", guest_cmdline());
	return 0;
}
