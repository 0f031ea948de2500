/*
 * tests/guest/platform/apicmode.c - disabling and re-enabling the local APIC through
 * IA32_APIC_BASE, in xAPIC and x2APIC modes (SDM vol. 3, 11.4.3 and 11.12.5): the
 * valid and invalid transitions, CPUID.01H:EDX.APIC following the enable bit, the
 * power-up register state after a re-enable, the APIC ID kept, interrupts working
 * again in each mode. QEMU 7.2's TCG fails several of these checks (it keeps the
 * registers across a disable and takes EXTD without #GP); this follows the SDM.
 */
#include "guest.h"

#define MSR_APIC_BASE 0x1b
#define BASE_EN (1ull << 11)
#define BASE_EXTD (1ull << 10)
#define APIC ((volatile uint32_t *)0xfee00000ul)
#define REG(off) APIC[(off) / 4]
#define VEC 0x41

static volatile unsigned hits;

static void handler(struct excp_frame *f)
{
	(void)f;
	hits++;
	if (rdmsr(MSR_APIC_BASE) & BASE_EXTD)
		wrmsr(0x80b, 0);        /* x2APIC EOI */
	else
		REG(0xb0) = 0;
}

static bool cpuid_apic(void) { return cpuid(1).d & (1u << 9); }

static void xapic_self_ipi(void)
{
	REG(0x310) = 0;
	REG(0x300) = 0x40000 | VEC;
	asm volatile("sti; nop; nop; cli" : : : "memory");
}

static void test_xapic(uint64_t base, uint32_t id)
{
	REG(0xf0) = 0x1ff;
	REG(0x80) = 0x20;               /* TPR */
	REG(0x320) = 0x20000 | 0x50;    /* timer LVT, unmasked periodic */
	wrmsr(MSR_APIC_BASE, base & ~BASE_EN);
	report(!cpuid_apic(), "disabled: CPUID.01H:EDX.APIC clear");
	expect_eq(try_wrmsr(MSR_APIC_BASE, (base & ~BASE_EN) | BASE_EXTD), GP_VECTOR,
		  "EXTD without EN: #GP");
	if (cpuid(1).c & (1u << 21))
		expect_eq(try_wrmsr(MSR_APIC_BASE, base | BASE_EXTD), GP_VECTOR,
			  "disabled -> x2APIC directly: #GP");
	wrmsr(MSR_APIC_BASE, base);
	report(cpuid_apic(), "re-enabled: CPUID.01H:EDX.APIC set");
	expect_eq(REG(0xf0), 0xff, "re-enabled: SVR at its power-up value");
	expect_eq(REG(0x80), 0, "re-enabled: TPR 0");
	expect_eq(REG(0x320), 0x10000, "re-enabled: timer LVT masked");
	expect_eq(REG(0x20) >> 24, id, "re-enabled: APIC ID kept");
	hits = 0;
	xapic_self_ipi();
	expect_eq(hits, 0, "software-disabled APIC delivers nothing");
	REG(0xf0) = 0x1ff;
	xapic_self_ipi();
	expect_eq(hits, 1, "self-IPI after re-enable");
}

static void test_x2apic(uint64_t base, uint32_t id)
{
	if (!(cpuid(1).c & (1u << 21))) {
		report_skip("x2apic", "no x2APIC");
		return;
	}
	wrmsr(MSR_APIC_BASE, base | BASE_EXTD);
	expect_eq(rdmsr(0x802), id, "x2APIC ID");
	wrmsr(0x80f, 0x1ff);            /* SVR */
	wrmsr(0x808, 0x30);             /* TPR */
	expect_eq(try_wrmsr(MSR_APIC_BASE, base), GP_VECTOR, "x2APIC -> xAPIC: #GP");
	expect_eq(rdmsr(MSR_APIC_BASE) & (BASE_EN | BASE_EXTD), BASE_EN | BASE_EXTD,
		  "still in x2APIC mode");
	hits = 0;
	wrmsr(0x808, 0);
	wrmsr(0x83f, VEC);              /* SELF IPI */
	asm volatile("sti; nop; nop; cli" : : : "memory");
	expect_eq(hits, 1, "x2APIC self-IPI");

	wrmsr(MSR_APIC_BASE, base & ~(BASE_EN | BASE_EXTD));
	report(!cpuid_apic(), "x2APIC -> disabled");
	expect_eq(try_rdmsr(0x802, &(uint64_t){ 0 }), GP_VECTOR, "x2APIC MSRs #GP when disabled");
	wrmsr(MSR_APIC_BASE, base);
	expect_eq(REG(0xf0), 0xff, "disabled -> xAPIC: SVR at its power-up value");
	expect_eq(REG(0x20) >> 24, id, "disabled -> xAPIC: APIC ID kept");
	wrmsr(MSR_APIC_BASE, base | BASE_EXTD);
	expect_eq(rdmsr(0x80f), 0xff, "xAPIC -> x2APIC again: SVR reset by the disable");
	expect_eq(rdmsr(0x808), 0, "TPR reset by the disable");
	wrmsr(MSR_APIC_BASE, base & ~(BASE_EN | BASE_EXTD));
	wrmsr(MSR_APIC_BASE, base);
}

int main(void)
{
	uint64_t base;
	uint32_t id;

	if (!cpuid_apic()) {
		report_skip("apic", "no local APIC");
		return 0;
	}
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	idt_set_handler(VEC, handler);
	base = rdmsr(MSR_APIC_BASE);
	expect_eq(base & (BASE_EN | BASE_EXTD), BASE_EN, "starts in xAPIC mode");
	id = REG(0x20) >> 24;
	test_xapic(base, id);
	test_x2apic(base, id);
	return 0;
}
