/*
 * tests/guest/platform/rtc.c - the MC146818 RTC's three interrupt sources on IRQ8 as
 * the data sheet describes them: update-ended (UIE/UF once a second), alarm (AIE/AF
 * when seconds, minutes and hours match, 11xxxxxx = don't care), periodic (PIE/PF at
 * the rate in register A); register C read-to-clear, SET stopping updates. The flag
 * bits are set whether or not their interrupt is enabled (data sheet), so only the
 * enabled source's flag is checked.
 */
#include "guest.h"

#define VEC_IRQ8 0x28
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM 0x04
#define B_24H 0x02

static volatile unsigned irqs;
static volatile uint8_t flags;          /* register C bits seen by the handler, OR-ed */

static uint8_t rtc_read(uint8_t reg) { outb(0x70, reg); return inb(0x71); }
static void rtc_write(uint8_t reg, uint8_t v) { outb(0x70, reg); outb(0x71, v); }

static void handler(struct excp_frame *f)
{
	(void)f;
	flags |= rtc_read(0x0c);
	irqs++;
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

static void wait_irqs(unsigned n)
{
	for (unsigned i = 0; i < 100000 && irqs < n; i++)
		asm volatile("sti; hlt; cli" : : : "memory");
}

static void pic_init(void)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 0x20); outb(0xa1, 0x28);
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xfb);               /* cascade only */
	outb(0xa1, 0xfe);               /* IRQ8 */
}

static void start(uint8_t b_bits)
{
	(void)rtc_read(0x0c);
	irqs = 0;
	flags = 0;
	rtc_write(0x0b, B_24H | B_DM | b_bits);
}

static void test_update_ended(void)
{
	start(B_UIE);
	wait_irqs(2);
	expect_eq(irqs, 2, "update-ended: two interrupts");
	expect_eq(flags & 0x90, 0x90, "register C: IRQF and UF");
	rtc_write(0x0b, B_24H | B_DM);
	expect_eq(rtc_read(0x0c), 0, "register C cleared by the read");
}

static void test_alarm(void)
{
	uint8_t s, m, h;

	/* Binary mode: the alarm two seconds from now. */
	rtc_write(0x0b, B_24H | B_DM);
	do {
		s = rtc_read(0x00);
		m = rtc_read(0x02);
		h = rtc_read(0x04);
	} while (s != rtc_read(0x00));
	s = (uint8_t)(s + 2);
	if (s >= 60) {
		s = (uint8_t)(s - 60);
		m = 0xc0;               /* the minute rolls over: don't care */
		h = 0xc0;
	}
	rtc_write(0x01, s);
	rtc_write(0x03, m);
	rtc_write(0x05, h);
	start(B_AIE);
	wait_irqs(1);
	expect_eq(irqs, 1, "alarm: one interrupt");
	expect_eq(flags & 0xa0, 0xa0, "register C: IRQF and AF");
	report(rtc_read(0x00) == s || rtc_read(0x00) == (uint8_t)((s + 1) % 60),
	       "alarm fired at its second");

	/* All three don't care: an alarm every second. */
	rtc_write(0x01, 0xff);
	rtc_write(0x03, 0xff);
	rtc_write(0x05, 0xff);
	start(B_AIE);
	wait_irqs(3);
	expect_eq(irqs, 3, "don't-care alarm: once a second");
	rtc_write(0x0b, B_24H | B_DM);
}

static void test_periodic(void)
{
	rtc_write(0x0a, 0x2f);          /* rate 15: 2 Hz */
	start(B_PIE);
	wait_irqs(4);
	expect_eq(irqs, 4, "periodic at 2 Hz: four interrupts");
	expect_eq(flags & 0xc0, 0xc0, "register C: IRQF and PF");
	rtc_write(0x0b, B_24H | B_DM);
	rtc_write(0x0a, 0x26);
}

static void test_set_stops_updates(void)
{
	uint8_t s;

	rtc_write(0x0b, B_24H | B_DM | B_SET | B_UIE);
	expect_eq(rtc_read(0x0b) & B_UIE, 0, "SET clears UIE");
	s = rtc_read(0x00);
	irqs = 0;
	for (unsigned i = 0; i < 3000000; i++)          /* a few ms: updates would not show */
		pause();
	expect_eq(rtc_read(0x00), s, "SET holds the time");
	rtc_write(0x00, 30);
	rtc_write(0x0b, B_24H | B_DM);
	report(rtc_read(0x00) >= 30 && rtc_read(0x00) <= 31, "clearing SET counts from the set time");
	rtc_write(0x0b, B_24H);
}

int main(void)
{
	expect_eq(rtc_read(0x0d), 0x80, "register D: VRT");
	idt_set_handler(VEC_IRQ8, handler);
	pic_init();
	test_update_ended();
	test_alarm();
	test_periodic();
	test_set_stops_updates();
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	return 0;
}
