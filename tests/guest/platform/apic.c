/*
 * tests/guest/platform/apic.c - the local APIC in xAPIC mode as a guest sees it:
 * base MSR, software enable, self-IPIs and the task priority, the timer in one-shot
 * and periodic modes, EOI and ISR (SDM vol. 3, chapter 11).
 */
#include "guest.h"

#define APIC ((volatile uint32_t *)0xfee00000ul)
#define REG(off) APIC[(off) / 4]
#define VEC_IPI 0x40
#define VEC_LOW 0x45
#define VEC_TIMER 0x50

static void apic_eoi(void) { REG(0xb0) = 0; }

#define IOAPIC ((volatile uint32_t *)0xfec00000ul)
#define VEC_PIT 0x60

static volatile unsigned ipis, lows, timer_ticks, pit_ticks;

static void ioapic_write(uint8_t reg, uint32_t val)
{
	IOAPIC[0] = reg;
	IOAPIC[4] = val;
}

static uint32_t ioapic_read(uint8_t reg)
{
	IOAPIC[0] = reg;
	return IOAPIC[4];
}

static void pit_handler(struct excp_frame *f) { (void)f; pit_ticks++; apic_eoi(); }

static void ipi_handler(struct excp_frame *f) { (void)f; ipis++; apic_eoi(); }
static void low_handler(struct excp_frame *f) { (void)f; lows++; apic_eoi(); }
static void timer_handler(struct excp_frame *f) { (void)f; timer_ticks++; apic_eoi(); }

static void self_ipi(uint8_t vec)
{
	REG(0x310) = 0;
	REG(0x300) = 0x40000 | vec;     /* shorthand: self, fixed */
}

static void wait_irqs(volatile unsigned *counter, unsigned n)
{
	for (unsigned i = 0; i < 100000 && *counter < n; i++)
		asm volatile("sti; hlt; cli" : : : "memory");
}

int main(void)
{
	uint64_t base;

	if (!(cpuid(1).d & (1u << 9))) {
		report_skip("apic", "no local APIC");
		return 0;
	}
	outb(0x21, 0xff);               /* the PICs out of the way */
	outb(0xa1, 0xff);
	base = rdmsr(0x1b);
	expect_eq(base & ~0xfffull, 0xfee00000ull, "APIC base address");
	expect_eq(base & 0x900, 0x900, "APIC enabled, BSP");
	expect_eq(REG(0x30) & 0xff, 0x14, "APIC version");
	idt_set_handler(VEC_IPI, ipi_handler);
	idt_set_handler(VEC_LOW, low_handler);
	idt_set_handler(VEC_TIMER, timer_handler);
	REG(0xf0) = 0x1ff;              /* software enable, spurious vector 0xff */
	expect_eq(REG(0xf0) & 0x1ff, 0x1ff, "SVR enabled");

	self_ipi(VEC_IPI);
	asm volatile("sti; nop; cli" : : : "memory");
	expect_eq(ipis, 1, "self-IPI delivered");
	expect_eq(REG(0x100 + 0x10 * (VEC_IPI / 32)), 0, "ISR clear after EOI");

	REG(0x80) = 0x50;               /* TPR above the vector's class */
	self_ipi(VEC_LOW);
	asm volatile("sti; nop; nop; cli" : : : "memory");
	expect_eq(lows, 0, "TPR holds back a lower class");
	report(REG(0x200 + 0x10 * (VEC_LOW / 32)) & (1u << (VEC_LOW % 32)), "held vector waits in IRR");
	REG(0x80) = 0;
	asm volatile("sti; nop; cli" : : : "memory");
	expect_eq(lows, 1, "delivered once TPR drops");

	REG(0x3e0) = 0xb;               /* divide by 1 */
	REG(0x320) = VEC_TIMER;         /* one-shot */
	REG(0x380) = 200000;
	wait_irqs(&timer_ticks, 1);
	expect_eq(timer_ticks, 1, "one-shot timer fired");
	expect_eq(REG(0x390), 0, "one-shot current count 0");

	timer_ticks = 0;
	REG(0x320) = 0x20000 | VEC_TIMER;       /* periodic */
	REG(0x380) = 100000;
	wait_irqs(&timer_ticks, 5);
	report(timer_ticks >= 5, "periodic timer: 5 interrupts (%u)", timer_ticks);
	report(REG(0x390) <= 100000, "periodic current count within the period");
	REG(0x320) = 0x10000 | VEC_TIMER;       /* masked */
	REG(0x380) = 0;

	/* The PIT through IOAPIC pin 2 (the ISA IRQ0 override), edge, to APIC ID 0. */
	expect_eq((ioapic_read(1) >> 16) & 0xff, 23, "IOAPIC has 24 pins");
	idt_set_handler(VEC_PIT, pit_handler);
	ioapic_write(0x15, 0);
	ioapic_write(0x14, VEC_PIT);
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	wait_irqs(&pit_ticks, 3);
	report(pit_ticks >= 3, "PIT interrupts through the IOAPIC (%u)", pit_ticks);
	ioapic_write(0x14, 0x10000 | VEC_PIT);
	outb(0x43, 0x30);
	return 0;
}
