/*
 * tests/guest/platform/tscdl.c - x2APIC and the TSC-deadline timer as the CPU model
 * advertises them (CPUID.01H:ECX bits 21 and 24). Advertised: x2APIC is entered
 * through IA32_APIC_BASE.EXTD and its ID read by MSR (SDM vol. 3, 11.12); the timer
 * in TSC-deadline mode fires once when the TSC passes IA32_TSC_DEADLINE, which then
 * reads 0, and writing 0 disarms it (11.5.4.1). Not advertised (tscdl64_off, -cpu
 * max,-x2apic,-tsc-deadline): EXTD and IA32_TSC_DEADLINE raise #GP.
 */
#include "guest.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define BASE_EN (1ull << 11)
#define BASE_EXTD (1ull << 10)
#define APIC ((volatile uint32_t *)0xfee00000ul)
#define VEC 0x42
#define LVT_TSC_DEADLINE (2u << 17)
#define DELTA 200000ull
#define GIVE_UP 2000000000ull   /* TSC ticks: only bounds a broken timer's loop */

static volatile unsigned hits;

static void handler(struct excp_frame *f)
{
	(void)f;
	hits++;
	wrmsr(0x80b, 0);        /* x2APIC EOI */
}

/* Interrupts on until the TSC is past `until` (or an interrupt came, if `stop`). */
static void run_until(uint64_t until, bool stop)
{
	uint64_t end = rdtsc() + GIVE_UP;

	while ((rdtsc() < until || (stop && !hits)) && rdtsc() < end)
		asm volatile("sti; nop; nop; cli" : : : "memory");
}

static void test_deadline(void)
{
	uint64_t dl, v = 1;

	wrmsr(0x832, LVT_TSC_DEADLINE | VEC);
	expect_eq(rdmsr(0x832), LVT_TSC_DEADLINE | VEC, "timer LVT takes TSC-deadline mode");

	hits = 0;
	dl = rdtsc() + DELTA;
	wrmsr(MSR_TSC_DEADLINE, dl);
	expect_eq(rdmsr(MSR_TSC_DEADLINE), dl, "IA32_TSC_DEADLINE reads back when armed");
	run_until(dl, true);
	report(rdtsc() >= dl, "TSC reached the deadline");
	run_until(rdtsc() + DELTA, false);
	expect_eq(hits, 1, "deadline timer fired once");
	expect_eq(rdmsr(MSR_TSC_DEADLINE), 0, "IA32_TSC_DEADLINE reads 0 after firing");

	hits = 0;
	dl = rdtsc() + DELTA;
	wrmsr(MSR_TSC_DEADLINE, dl);
	wrmsr(MSR_TSC_DEADLINE, 0);
	run_until(dl + DELTA, false);
	expect_eq(hits, 0, "writing 0 disarms the timer");

	hits = 0;
	wrmsr(MSR_TSC_DEADLINE, 1);     /* already passed: fires at once */
	run_until(rdtsc() + DELTA, true);
	expect_eq(hits, 1, "deadline in the past fires");

	/* one-shot mode: writes are ignored and the MSR reads 0 (11.5.4.1) */
	wrmsr(0x832, VEC);
	report(try_wrmsr(MSR_TSC_DEADLINE, rdtsc() + DELTA) == -1, "one-shot mode: write no #GP");
	report(try_rdmsr(MSR_TSC_DEADLINE, &v) == -1, "one-shot mode: read no #GP");
	expect_eq(v, 0, "one-shot mode: IA32_TSC_DEADLINE reads 0");
	wrmsr(0x832, 0x10000);
}

static void test_advertised(uint64_t base, uint32_t id)
{
	wrmsr(MSR_APIC_BASE, base | BASE_EXTD);
	expect_eq(rdmsr(MSR_APIC_BASE) & (BASE_EN | BASE_EXTD), BASE_EN | BASE_EXTD,
		  "IA32_APIC_BASE.EXTD enters x2APIC mode");
	expect_eq(rdmsr(0x802), id, "x2APIC ID is the xAPIC ID");
	wrmsr(0x80f, 0x1ff);            /* SVR: software-enabled */
	wrmsr(0x808, 0);                /* TPR */
	test_deadline();
	wrmsr(MSR_APIC_BASE, base & ~(BASE_EN | BASE_EXTD));
	wrmsr(MSR_APIC_BASE, base);
}

static void test_not_advertised(uint64_t base)
{
	uint64_t v;

	expect_eq(try_wrmsr(MSR_APIC_BASE, base | BASE_EXTD), GP_VECTOR,
		  "no x2APIC: EXTD #GP");
	expect_eq(try_rdmsr(0x802, &v), GP_VECTOR, "no x2APIC: x2APIC MSR #GP");
	expect_eq(try_rdmsr(MSR_TSC_DEADLINE, &v), GP_VECTOR, "no TSC-deadline: rdmsr #GP");
	expect_eq(try_wrmsr(MSR_TSC_DEADLINE, 1), GP_VECTOR, "no TSC-deadline: wrmsr #GP");
	APIC[0xf0 / 4] = 0x1ff;
	APIC[0x320 / 4] = LVT_TSC_DEADLINE | VEC;
	expect_eq(APIC[0x320 / 4] & (3u << 17), 0, "no TSC-deadline: LVT mode 2 not taken");
	APIC[0x320 / 4] = 0x10000;
}

int main(void)
{
	uint32_t ecx = cpuid(1).c;
	bool x2 = ecx & (1u << 21), tscdl = ecx & (1u << 24);
	uint64_t base;
	uint32_t id;

	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	idt_set_handler(VEC, handler);
	base = rdmsr(MSR_APIC_BASE);
	id = APIC[0x20 / 4] >> 24;
	if (x2 != tscdl) {
		report_fail("cpuid", "x2APIC %d but TSC-deadline %d", x2, tscdl);
		return 0;
	}
	report_pass(x2 ? "CPUID.01H:ECX x2APIC and TSC-deadline set"
		       : "CPUID.01H:ECX x2APIC and TSC-deadline clear");
	if (x2)
		test_advertised(base, id);
	else
		test_not_advertised(base);
	return 0;
}
