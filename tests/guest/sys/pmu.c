/*
 * tests/guest/sys/pmu.c - architectural performance monitoring, version 2 (pmu64):
 * CPUID leaf 0AH, the reset value of IA32_PERF_GLOBAL_CTRL, reserved bits (#GP),
 * 32-bit PMC writes, exact instructions-retired counts over a known loop with a fixed
 * and a general-purpose counter, USR/OS filtering from a ring-3 section, RDPMC's
 * #GP rules (CR4.PCE, counter index), and overflow: IA32_PERF_GLOBAL_STATUS, the PMI
 * through the LVT performance-counter entry (fixed and NMI delivery), which the local
 * APIC masks after delivering it, and IA32_PERF_GLOBAL_OVF_CTRL.
 *
 * Expectations: Intel SDM vol. 3, 325462-084US, 20.2.1 and 20.2.2 (architectural
 * performance monitoring versions 1 and 2), vol. 2 CPUID (leaf 0AH) and RDPMC,
 * vol. 4 table 2-2 (the MSRs); 11.5.1 (LVT). Instructions retired counts each
 * instruction once, so the loop's count is exact on hardware too.
 */
#include "guest.h"

#define MSR_PMC0 0xc1
#define MSR_EVTSEL0 0x186
#define MSR_FIXED_CTR0 0x309
#define MSR_FIXED_CTR_CTRL 0x38d
#define MSR_GLOBAL_STATUS 0x38e
#define MSR_GLOBAL_CTRL 0x38f
#define MSR_GLOBAL_OVF_CTRL 0x390

#define SEL_USR (1u << 16)
#define SEL_OS (1u << 17)
#define SEL_INT (1u << 20)
#define SEL_EN (1u << 22)
#define EV_INSN 0xc0u                   /* INST_RETIRED.ANY_P (table 20-1) */
#define RDPMC_FIXED (1u << 30)
#define CR4_PCE (1ul << 8)              /* SDM vol. 3, 2.5 */

#define APIC ((volatile uint32_t *)0xfee00000ul)
#define APIC_REG(off) APIC[(off) / 4]
#define APIC_LVTPC 0x340
#define LVT_MASKED (1u << 16)
#define VEC_PMI 0x51

#define LOOP_INSNS 2003u                /* see loop_delta */

static unsigned g_gp_counters;

/*
 * RDPMC of counter ecx before and after a 1000-iteration loop. Between the two
 * reads retire: the first RDPMC, two MOVs and 1000 x (DEC, JNZ) = 2003 instructions.
 */
static inline uint32_t loop_delta(uint32_t ecx)
{
	uint32_t delta;

	asm volatile("rdpmc\n\t"
		     "mov %%eax, %%esi\n\t"
		     "mov $1000, %%edi\n"
		     "1:\tdec %%edi\n\t"
		     "jnz 1b\n\t"
		     "rdpmc\n\t"
		     "sub %%esi, %%eax"
		     : "=a"(delta) : "c"(ecx) : "rdx", "rsi", "rdi", "cc");
	return delta;
}

static void counters_off(void)
{
	wrmsr(MSR_GLOBAL_CTRL, 0);
	wrmsr(MSR_FIXED_CTR_CTRL, 0);
	for (unsigned k = 0; k < g_gp_counters; k++)
		wrmsr(MSR_EVTSEL0 + k, 0);
	wrmsr(MSR_GLOBAL_OVF_CTRL, rdmsr(MSR_GLOBAL_STATUS));
}

static bool test_cpuid(void)
{
	struct cpuid_regs r = cpuid(0xa);
	unsigned version = r.a & 0xff;

	g_gp_counters = (r.a >> 8) & 0xff;
	if (version == 0) {
		/* vol. 4 table 2-2: the MSRs exist "if CPUID.0AH: EAX[7:0] > 0" (> 1 for
		 * the global ones); RDPMC's counters with them */
		uint32_t lo, hi;

		expect_eq(try_rdmsr(MSR_GLOBAL_CTRL, &(uint64_t){ 0 }), GP_VECTOR,
			  "no PMU: IA32_PERF_GLOBAL_CTRL #GP");
		expect_eq(try_wrmsr(MSR_EVTSEL0, 0), GP_VECTOR, "no PMU: IA32_PERFEVTSEL0 #GP");
		excp_clear();
		asm volatile(ASM_TRY("rdpmc") : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
		expect_excp_err(GP_VECTOR, 0, "no PMU: RDPMC #GP(0)");
		return false;
	}
	if (version < 2) {
		report_skip("PMU", "CPUID.0AH: architectural PMU version %u", version);
		return false;
	}
	report(version == 2, "CPUID.0AH: version 2");
	report(g_gp_counters >= 2, "CPUID.0AH: %u general-purpose counters", g_gp_counters);
	expect_eq((r.a >> 16) & 0xff, 48, "CPUID.0AH: counters 48 bits wide");
	report((r.a >> 24) >= 3, "CPUID.0AH: event vector of at least 3 events");
	expect_eq(r.b & 7, 0, "CPUID.0AH: core cycles, instructions, reference cycles available");
	report((r.d & 0x1f) >= 3, "CPUID.0AH: 3 fixed counters");
	expect_eq((r.d >> 5) & 0xff, 48, "CPUID.0AH: fixed counters 48 bits wide");
	if (g_gp_counters > 8)
		g_gp_counters = 8;
	/* vol. 4 table 2-2: IA32_PERF_GLOBAL_CTRL "sets bits n-1:0" at reset */
	expect_eq(rdmsr(MSR_GLOBAL_CTRL), (1ull << g_gp_counters) - 1,
		  "IA32_PERF_GLOBAL_CTRL after reset: every PMC enabled");
	return true;
}

static void test_msrs(void)
{
	expect_eq(try_wrmsr(MSR_EVTSEL0, 1ull << 32), GP_VECTOR, "PERFEVTSEL0 bit 32: #GP");
	expect_eq(try_wrmsr(MSR_GLOBAL_CTRL, 1ull << g_gp_counters), GP_VECTOR,
		  "GLOBAL_CTRL bit of a missing PMC: #GP");
	expect_eq(try_wrmsr(MSR_GLOBAL_CTRL, 1ull << 35), GP_VECTOR, "GLOBAL_CTRL bit 35: #GP");
	expect_eq(try_wrmsr(MSR_GLOBAL_STATUS, 0), GP_VECTOR, "GLOBAL_STATUS is read-only");
	expect_eq(try_wrmsr(MSR_FIXED_CTR_CTRL, 1ull << 12), GP_VECTOR, "FIXED_CTR_CTRL bit 12: #GP");
	expect_eq(try_wrmsr(MSR_PMC0 + g_gp_counters, 0), GP_VECTOR, "PMC past the last: #GP");
	/* 20.2.6: without full-width writes, bits 31:0 are sign-extended */
	wrmsr(MSR_PMC0, 0xfffffff0u);
	expect_eq(rdmsr(MSR_PMC0), 0xfffffffffff0ull, "PMC write: bit 31 sign-extended to 48 bits");
	wrmsr(MSR_FIXED_CTR0 + 1, 0x123456789abull);
	expect_eq(rdmsr(MSR_FIXED_CTR0 + 1), 0x123456789abull, "fixed counter: 48-bit write");
	wrmsr(MSR_PMC0, 0);
	wrmsr(MSR_FIXED_CTR0 + 1, 0);
}

/* Fixed counter 0 and PMC0 count instructions retired exactly, read by RDPMC. */
static void test_exact_kernel(void)
{
	counters_off();
	wrmsr(MSR_FIXED_CTR_CTRL, 3);                   /* counter 0, all rings */
	wrmsr(MSR_EVTSEL0, SEL_EN | SEL_OS | SEL_USR | EV_INSN);
	wrmsr(MSR_GLOBAL_CTRL, 1ull << 32 | 1);
	expect_eq(loop_delta(RDPMC_FIXED | 0), LOOP_INSNS, "fixed counter 0: loop instructions exact");
	expect_eq(loop_delta(0), LOOP_INSNS, "PMC0, event C0H: loop instructions exact");
	wrmsr(MSR_GLOBAL_CTRL, 0);
	expect_eq(loop_delta(0), 0, "globally disabled: no count");
	counters_off();
}

static unsigned long user_loop(unsigned long ecx) { return loop_delta((uint32_t)ecx); }

static unsigned long user_rdpmc(unsigned long ecx)
{
	uint32_t lo, hi;

	excp_clear();
	asm volatile(ASM_TRY("rdpmc") : "=a"(lo), "=d"(hi) : "c"((uint32_t)ecx) : "memory");
	return g_excp.taken ? g_excp.vector : 0x100;
}

/* USR counts only at CPL 1-3, OS only at CPL 0 (20.2.1.1, 20.2.2). */
static void test_user_os(void)
{
	uint64_t os_before;

	counters_off();
	pt_set_user_image(true);
	wrmsr(MSR_FIXED_CTR_CTRL, 0x2 | 0x1 << 4);      /* counter 0 USR, counter 1 OS */
	wrmsr(MSR_EVTSEL0, SEL_EN | SEL_OS | EV_INSN);
	wrmsr(MSR_EVTSEL0 + 1, SEL_EN | SEL_USR | EV_INSN);
	wrmsr(MSR_GLOBAL_CTRL, 3ull << 32 | 3);
	expect_eq(run_user(user_rdpmc, 0), GP_VECTOR, "RDPMC at CPL 3 with CR4.PCE = 0: #GP");
	write_cr4(read_cr4() | CR4_PCE);
	expect_eq(run_user(user_rdpmc, 0), 0x100, "RDPMC at CPL 3 with CR4.PCE = 1");
	expect_eq(run_user(user_loop, RDPMC_FIXED | 0), LOOP_INSNS, "USR fixed counter: ring-3 loop exact");
	expect_eq(run_user(user_loop, 1), LOOP_INSNS, "USR PMC1: ring-3 loop exact");
	expect_eq(run_user(user_loop, 0), 0, "OS PMC0: nothing at ring 3");
	expect_eq(run_user(user_loop, RDPMC_FIXED | 1), 0, "OS fixed counter 1: nothing at ring 3");
	expect_eq(loop_delta(RDPMC_FIXED | 0), 0, "USR fixed counter 0: nothing at ring 0");
	os_before = rdmsr(MSR_PMC0);
	expect_eq(loop_delta(0), LOOP_INSNS, "OS PMC0: ring-0 loop exact");
	report(rdmsr(MSR_PMC0) > os_before, "OS PMC0 counts on");
	write_cr4(read_cr4() & ~CR4_PCE);
	pt_set_user_image(false);
	counters_off();
}

static void test_rdpmc_index(void)
{
	uint32_t lo, hi;

	excp_clear();
	asm volatile(ASM_TRY("rdpmc") : "=a"(lo), "=d"(hi) : "c"(g_gp_counters) : "memory");
	expect_excp_err(GP_VECTOR, 0, "RDPMC of a missing PMC: #GP(0)");
	excp_clear();
	asm volatile(ASM_TRY("rdpmc") : "=a"(lo), "=d"(hi) : "c"(RDPMC_FIXED | 3) : "memory");
	expect_excp_err(GP_VECTOR, 0, "RDPMC of fixed counter 3: #GP(0)");
	wrmsr(MSR_FIXED_CTR0 + 2, 0xabcdef012345ull);
	excp_clear();
	asm volatile(ASM_TRY("rdpmc") : "=a"(lo), "=d"(hi) : "c"(RDPMC_FIXED | 2) : "memory");
	expect_no_excp("RDPMC of fixed counter 2");
	expect_eq((uint64_t)hi << 32 | lo, 0xabcdef012345ull, "RDPMC returns all 48 bits");
	wrmsr(MSR_FIXED_CTR0 + 2, 0);
}

/* ------------------------------------------------------------ overflow, PMI */

static volatile unsigned g_pmis, g_nmis;
static volatile uint64_t g_pmi_status, g_pmi_pmc;
static volatile uint32_t g_pmi_lvt;

static void pmi_handler(struct excp_frame *f)
{
	(void)f;
	g_pmis++;
	g_pmi_status = rdmsr(MSR_GLOBAL_STATUS);
	g_pmi_pmc = rdmsr(MSR_PMC0);
	g_pmi_lvt = APIC_REG(APIC_LVTPC);
	APIC_REG(0xb0) = 0;             /* EOI */
}

static void nmi_handler(struct excp_frame *f)
{
	(void)f;
	g_nmis++;
	g_pmi_status = rdmsr(MSR_GLOBAL_STATUS);
	g_pmi_lvt = APIC_REG(APIC_LVTPC);
}

/* PMC0 counts 100 instructions to overflow, then a 1000-iteration loop runs with
 * interrupts enabled. */
static void overflow_run(void)
{
	counters_off();
	wrmsr(MSR_PMC0, (uint32_t)-100);
	wrmsr(MSR_EVTSEL0, SEL_EN | SEL_OS | SEL_INT | EV_INSN);
	wrmsr(MSR_GLOBAL_CTRL, 1);
	asm volatile("sti\n\tmov $1000, %%ecx\n1:\tdec %%ecx\n\tjnz 1b\n\tcli" : : : "rcx", "cc", "memory");
	wrmsr(MSR_GLOBAL_CTRL, 0);
}

static void test_overflow(void)
{
	outb(0x21, 0xff);               /* the PICs out of the way */
	outb(0xa1, 0xff);
	APIC_REG(0xf0) = 0x1ff;         /* software enable */
	idt_set_handler(VEC_PMI, pmi_handler);
	idt_set_handler(NMI_VECTOR, nmi_handler);

	APIC_REG(APIC_LVTPC) = VEC_PMI;
	overflow_run();
	expect_eq(g_pmis, 1, "PMC0 overflow with INT: one PMI");
	expect_eq(g_pmi_status & 1, 1, "PMI: GLOBAL_STATUS PMC0 overflow bit");
	report(g_pmi_pmc < 200, "PMI right after the overflow (PMC0 = %" PRIu64 ")", (uint64_t)g_pmi_pmc);
	expect_eq(g_pmi_lvt & LVT_MASKED, LVT_MASKED, "PMI: LVT performance-counter entry masked");
	expect_eq(rdmsr(MSR_GLOBAL_STATUS) & 1, 1, "overflow bit stays until cleared");
	wrmsr(MSR_GLOBAL_OVF_CTRL, 1);
	expect_eq(rdmsr(MSR_GLOBAL_STATUS), 0, "GLOBAL_OVF_CTRL clears it");

	overflow_run();                 /* the LVT entry is still masked */
	expect_eq(g_pmis, 1, "masked LVT entry: no PMI");
	expect_eq(rdmsr(MSR_GLOBAL_STATUS) & 1, 1, "masked LVT entry: overflow still recorded");

	APIC_REG(APIC_LVTPC) = 4u << 8;  /* NMI delivery */
	overflow_run();
	expect_eq(g_nmis, 1, "LVT delivery mode NMI: one NMI");
	expect_eq(g_pmi_lvt & LVT_MASKED, LVT_MASKED, "NMI PMI: LVT entry masked");

	/* without INT, an overflow sets the status bit only */
	APIC_REG(APIC_LVTPC) = VEC_PMI;
	counters_off();
	wrmsr(MSR_PMC0, (uint32_t)-100);
	wrmsr(MSR_EVTSEL0, SEL_EN | SEL_OS | EV_INSN);
	wrmsr(MSR_GLOBAL_CTRL, 1);
	asm volatile("sti\n\tmov $1000, %%ecx\n1:\tdec %%ecx\n\tjnz 1b\n\tcli" : : : "rcx", "cc", "memory");
	wrmsr(MSR_GLOBAL_CTRL, 0);
	expect_eq(g_pmis, 1, "no INT flag: no PMI");
	expect_eq(rdmsr(MSR_GLOBAL_STATUS) & 1, 1, "no INT flag: overflow recorded");
	APIC_REG(APIC_LVTPC) = LVT_MASKED;
	counters_off();
}

int main(void)
{
	if (!test_cpuid())
		return 0;
	test_msrs();
	test_exact_kernel();
	test_user_os();
	test_rdpmc_index();
	test_overflow();
	return 0;
}
