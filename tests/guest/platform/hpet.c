/*
 * tests/guest/platform/hpet.c - the HPET as a guest sees it (IA-PC HPET spec 1.0a):
 * found through the ACPI HPET table, its capabilities, the main counter against the
 * PIT, one-shot, periodic, level-triggered and 32-bit comparators through the IOAPIC,
 * and legacy replacement (timer 0 on IRQ0 in place of the PIT, timer 1 on IRQ8).
 * All accesses are 32 bits wide, so the same code runs in 32- and 64-bit kernels.
 */
#include "guest.h"

#define HPET ((volatile uint32_t *)0xfed00000ul)
#define H(off) HPET[(off) / 4]
#define GCAP 0x000
#define GEN_CONF 0x010
#define GINTR_STA 0x020
#define MAIN_CNT 0x0f0
#define TN_CONF(n) (0x100 + 0x20 * (n))
#define TN_CMP(n) (0x108 + 0x20 * (n))
#define TN_LEVEL (1u << 1)
#define TN_ENB (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_VAL_SET (1u << 6)
#define TN_32MODE (1u << 8)
#define TN_ROUTE(pin) ((unsigned)(pin) << 9)

#define APIC ((volatile uint32_t *)0xfee00000ul)
#define IOAPIC ((volatile uint32_t *)0xfec00000ul)
#define VEC_HPET 0x60
#define VEC_IRQ0 0x61
#define VEC_IRQ8 0x62

static volatile unsigned hits, irq0_hits, irq8_hits, level_sta;

static void apic_eoi(void) { APIC[0xb0 / 4] = 0; }

static void ioapic_route(unsigned pin, uint8_t vec, bool level, bool masked)
{
	IOAPIC[0] = 0x11 + 2 * pin;
	IOAPIC[4] = 0;                  /* APIC ID 0 */
	IOAPIC[0] = 0x10 + 2 * pin;
	IOAPIC[4] = vec | (level ? 1u << 15 : 0) | (masked ? 1u << 16 : 0);
}

static void hpet_handler(struct excp_frame *f) { (void)f; hits++; apic_eoi(); }
static void irq0_handler(struct excp_frame *f) { (void)f; irq0_hits++; apic_eoi(); }
static void irq8_handler(struct excp_frame *f) { (void)f; irq8_hits++; apic_eoi(); }

/* Level: the status bit is set in the handler; writing 1 clears it and drops the line
 * before the EOI, or the IOAPIC would deliver again. */
static void level_handler(struct excp_frame *f)
{
	(void)f;
	level_sta = H(GINTR_STA);
	H(GINTR_STA) = level_sta;
	hits++;
	apic_eoi();
}

/* PIT channel 0 in mode 0 with a count of 1: one last edge, then OUT stays high.
 * (A control word alone does not stop QEMU's PIT.) The edge is taken here. */
static void pit_stop(void)
{
	outb(0x43, 0x30);
	outb(0x40, 1);
	outb(0x40, 0);
	for (unsigned i = 0; i < 1000; i++)
		asm volatile("sti; nop; cli" : : : "memory");
}

static uint64_t counter(void)
{
	uint32_t hi, lo;

	do {
		hi = H(MAIN_CNT + 4);
		lo = H(MAIN_CNT);
	} while (hi != H(MAIN_CNT + 4));
	return (uint64_t)hi << 32 | lo;
}

static void wait_irqs(volatile unsigned *n, unsigned want)
{
	for (unsigned i = 0; i < 100000 && *n < want; i++)
		asm volatile("sti; hlt; cli" : : : "memory");
}

/* Spin (interrupts on) until the counter has advanced by ticks. */
static void spin_ticks(uint32_t ticks)
{
	uint64_t start = counter();

	sti();
	while ((uint32_t)(counter() - start) < ticks)
		pause();
	cli();
}

/* The ACPI HPET table, from the RSDP in the BIOS area: its base address, or 0. */
static uint32_t acpi_hpet_base(void)
{
	for (uint32_t p = 0xe0000; p < 0x100000; p += 16) {
		const uint8_t *r = (const uint8_t *)(unsigned long)p;
		const uint8_t *rsdt;
		uint32_t len;

		if (memcmp(r, "RSD PTR ", 8))
			continue;
		rsdt = (const uint8_t *)(unsigned long)*(const uint32_t *)(r + 16);
		len = *(const uint32_t *)(rsdt + 4);
		for (uint32_t i = 36; i + 4 <= len; i += 4) {
			const uint8_t *t = (const uint8_t *)(unsigned long)*(const uint32_t *)(rsdt + i);

			if (!memcmp(t, "HPET", 4))
				return *(const uint32_t *)(t + 44);
		}
		return 0;
	}
	return 0;
}

/* TSC cycles while the counter advances by ticks: the least of three tries. */
static uint32_t tsc_over(uint32_t ticks)
{
	uint32_t best = ~0u;

	for (unsigned i = 0; i < 3; i++) {
		uint64_t a = counter(), t = rdtsc();
		uint32_t d;

		while (counter() - a < ticks)
			;
		d = (uint32_t)(rdtsc() - t);
		best = d < best ? d : best;
	}
	return best;
}

static void test_counter(void)
{
	uint64_t a, b;
	uint32_t ticks;
	uint8_t v;

	expect_eq(H(GCAP + 4), 10000000u, "period: 10 ns (100 MHz)");
	report(((H(GCAP) >> 8) & 0x1f) >= 2, "at least three timers");
	report(H(GCAP) & (1u << 15), "legacy replacement capable");
	H(GEN_CONF) = 0;
	H(MAIN_CNT) = 0;
	H(MAIN_CNT + 4) = 0;
	a = counter();
	spin_ticks(0);
	expect_eq(counter(), a, "halted counter does not move");
	H(GEN_CONF) = 1;
	a = counter();
	b = a;
	for (unsigned i = 0; i < 1000 && b == a; i++)
		b = counter();
	report(b > a, "running counter advances");

	/* PIT channel 2, mode 0, 0x1000: OUT rises after 4096 / 1.193182 MHz = 3.43 ms,
	 * 343,280 HPET ticks. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0x00);
	outb(0x42, 0x10);
	a = counter();
	v = 0;
	for (unsigned i = 0; i < 100000000 && !(v & 0x20); i++)
		v = inb(0x61);
	b = counter();
	ticks = (uint32_t)(b - a);
	report((v & 0x20) && ticks > 326000 && ticks < 360000,
	       "counter agrees with the PIT (%u ticks in 3.43 ms)", ticks);
	outb(0x61, inb(0x61) & ~0x03);

	/* The TSC over 1 ms and 2 ms of HPET time: twice as many cycles (whatever the
	 * TSC's rate), so both count the same time. The least of three tries each, so a
	 * host that preempts an emulator now and then does not count. */
	{
		uint32_t t1 = tsc_over(100000), t2 = tsc_over(200000);

		report(t2 > 2 * t1 - t1 / 10 && t2 < 2 * t1 + t1 / 10,
		       "TSC agrees with the counter (%u, %u cycles in 1 and 2 ms)", t1, t2);
	}
}

static unsigned pick_pin(unsigned n)
{
	uint32_t cap = H(TN_CONF(n) + 4);

	for (unsigned pin = 16; pin < 24; pin++)
		if (cap & (1u << pin))
			return pin;
	return 2;
}

static void test_one_shot_and_periodic(void)
{
	unsigned pin = pick_pin(2);
	uint64_t c;

	idt_set_handler(VEC_HPET, hpet_handler);
	ioapic_route(pin, VEC_HPET, false, false);
	spin_ticks(1000);               /* an edge latched while the pin was masked (QEMU) */
	hits = 0;
	/* The comparator first, then the interrupt enable: QEMU takes a comparator of
	 * all ones (its reset value) as already passed. */
	c = counter() + 100000;         /* 1 ms */
	H(TN_CMP(2) + 4) = (uint32_t)(c >> 32);
	H(TN_CMP(2)) = (uint32_t)c;
	H(TN_CONF(2)) = TN_ROUTE(pin) | TN_ENB;
	wait_irqs(&hits, 1);
	expect_eq(hits, 1, "one-shot interrupt on IOAPIC pin");
	spin_ticks(50000);
	expect_eq(hits, 1, "one-shot fires once");

	/* Periodic, the counter restarted at 0 so every value fits the low halves:
	 * with Tn_VAL_SET_CNF the first write sets the comparator, the next the period. */
	hits = 0;
	H(GEN_CONF) = 0;
	H(MAIN_CNT) = 0;
	H(MAIN_CNT + 4) = 0;
	H(TN_CONF(2)) = TN_ROUTE(pin) | TN_ENB | TN_PERIODIC | TN_VAL_SET;
	H(TN_CMP(2) + 4) = 0;
	H(TN_CONF(2)) = TN_ROUTE(pin) | TN_ENB | TN_PERIODIC | TN_VAL_SET;
	H(TN_CMP(2)) = 50000;
	H(TN_CMP(2)) = 50000;           /* period 0.5 ms */
	H(GEN_CONF) = 1;
	wait_irqs(&hits, 5);
	report(hits >= 5, "periodic: 5 interrupts (%u)", hits);
	report(H(TN_CMP(2)) >= 250000, "periodic comparator advanced (%u)", H(TN_CMP(2)));
	H(TN_CONF(2)) = 0;
	ioapic_route(pin, VEC_HPET, false, true);
}

static void test_level(void)
{
	unsigned pin = pick_pin(1);
	uint64_t c;

	idt_set_handler(VEC_HPET, level_handler);
	ioapic_route(pin, VEC_HPET, true, false);
	spin_ticks(1000);
	hits = 0;
	level_sta = 0;
	c = counter() + 20000;
	H(TN_CMP(1) + 4) = (uint32_t)(c >> 32);
	H(TN_CMP(1)) = (uint32_t)c;
	H(TN_CONF(1)) = TN_ROUTE(pin) | TN_ENB | TN_LEVEL;
	wait_irqs(&hits, 1);
	spin_ticks(20000);
	expect_eq(hits, 1, "level interrupt delivered once");
	expect_eq(level_sta & 2, 2, "status bit of timer 1 set");
	expect_eq(H(GINTR_STA) & 2, 0, "status cleared by writing 1");
	H(TN_CONF(1)) = 0;
	ioapic_route(pin, VEC_HPET, false, true);
}

static void test_32bit_mode(void)
{
	unsigned pin = pick_pin(2);

	idt_set_handler(VEC_HPET, hpet_handler);
	ioapic_route(pin, VEC_HPET, false, false);
	H(GEN_CONF) = 0;
	H(MAIN_CNT + 4) = 0;
	H(MAIN_CNT) = 0xffff0000u;      /* 65536 ticks before the low half wraps */
	hits = 0;
	H(TN_CONF(2)) = TN_ROUTE(pin) | TN_ENB | TN_32MODE;
	H(TN_CMP(2)) = 0x100;
	H(GEN_CONF) = 1;
	wait_irqs(&hits, 2);
	spin_ticks(10000);
	/* 2.3.9.2.1: a 32-bit one-shot timer interrupts when the counter wraps too */
	expect_eq(hits, 2, "32-bit one-shot: interrupts at the wrap and at the match");
	expect_eq(H(MAIN_CNT + 4), 1, "main counter carries into bit 32");
	H(TN_CONF(2)) = 0;
	ioapic_route(pin, VEC_HPET, false, true);
}

static void test_legacy(void)
{
	uint64_t c;

	idt_set_handler(VEC_IRQ0, irq0_handler);
	idt_set_handler(VEC_IRQ8, irq8_handler);
	ioapic_route(2, VEC_IRQ0, false, false);        /* ISA IRQ0 is on pin 2 */
	ioapic_route(8, VEC_IRQ8, false, false);
	spin_ticks(1000);
	outb(0x43, 0x34);               /* the PIT at 1 kHz: its interrupts must vanish */
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	irq0_hits = irq8_hits = 0;
	spin_ticks(400000);
	report(irq0_hits >= 3, "PIT on IRQ0 before legacy replacement (%u)", irq0_hits);

	H(TN_CONF(0)) = 0;
	H(TN_CONF(1)) = 0;
	H(GEN_CONF) = 3;                /* enable + LEG_RT_CNF */
	spin_ticks(10000);              /* a PIT interrupt already on its way is taken here */
	c = counter() + 100000;
	H(TN_CMP(0) + 4) = (uint32_t)(c >> 32);
	H(TN_CMP(0)) = (uint32_t)c;
	H(TN_CMP(1) + 4) = (uint32_t)(c >> 32);
	H(TN_CMP(1)) = (uint32_t)c + 50000;
	H(TN_CONF(0)) = TN_ENB;
	H(TN_CONF(1)) = TN_ENB;
	irq0_hits = irq8_hits = 0;
	spin_ticks(500000);             /* 5 ms: five PIT periods */
	expect_eq(irq0_hits, 1, "legacy: timer 0 alone on IRQ0");
	expect_eq(irq8_hits, 1, "legacy: timer 1 on IRQ8");
	H(GEN_CONF) = 1;
	H(TN_CONF(0)) = 0;
	H(TN_CONF(1)) = 0;
	pit_stop();
	ioapic_route(2, VEC_IRQ0, false, true);
	ioapic_route(8, VEC_IRQ8, false, true);
}

int main(void)
{
	uint32_t base = acpi_hpet_base();

	expect_eq(base, 0xfed00000u, "ACPI HPET table gives the base");
	if (!base)
		return 0;
	outb(0x21, 0xff);               /* the PICs out of the way: everything via the IOAPIC */
	outb(0xa1, 0xff);
	APIC[0xf0 / 4] = 0x1ff;
	pit_stop();                     /* IOAPIC pin 2 is the HPET's from here on */
	test_counter();
	test_one_shot_and_periodic();
	test_level();
	test_32bit_mode();
	test_legacy();
	return 0;
}
