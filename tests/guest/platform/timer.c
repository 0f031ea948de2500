/*
 * tests/guest/platform/timer.c - the PC's 8259A PICs, 8254 PIT and MC146818 RTC as a
 * guest sees them: the PICs programmed as a BIOS and Linux do, timer interrupts
 * taken while halted, the PIT's latch and read-back commands, channel 2 through
 * port 0x61, the PIC's IRR/ISR/poll, and the RTC's periodic interrupt on IRQ8.
 */
#include "guest.h"

#define PIC1 0x20
#define PIC2 0xa0
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define VEC_BASE1 0x20
#define VEC_BASE2 0x28
#define RTC_INDEX 0x70
#define RTC_DATA 0x71

static volatile unsigned timer_ticks, timer_bad_vector, rtc_ticks;
static volatile uint8_t rtc_last_c;

static void pic_init(uint8_t mask1, uint8_t mask2)
{
	outb(PIC1, 0x11);               /* ICW1: edge, cascade, ICW4 */
	outb(PIC2, 0x11);
	outb(PIC1 + 1, VEC_BASE1);      /* ICW2 */
	outb(PIC2 + 1, VEC_BASE2);
	outb(PIC1 + 1, 0x04);           /* ICW3: slave on IR2 */
	outb(PIC2 + 1, 0x02);
	outb(PIC1 + 1, 0x01);           /* ICW4: 8086 mode */
	outb(PIC2 + 1, 0x01);
	outb(PIC1 + 1, mask1);
	outb(PIC2 + 1, mask2);
}

static uint8_t pic_read_irr(uint16_t pic)
{
	outb(pic, 0x0a);
	return inb(pic);
}

static uint8_t pic_read_isr(uint16_t pic)
{
	outb(pic, 0x0b);
	return inb(pic);
}

static void timer_handler(struct excp_frame *f)
{
	if (f->vector != VEC_BASE1)
		timer_bad_vector = (unsigned)f->vector;
	timer_ticks++;
	outb(PIC1, 0x20);               /* non-specific EOI */
}

static uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void rtc_write(uint8_t reg, uint8_t val)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, val);
}

static void rtc_handler(struct excp_frame *f)
{
	(void)f;
	rtc_last_c = rtc_read(0x0c);    /* reading C acknowledges the interrupt */
	rtc_ticks++;
	outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}

/* Halt until *counter reaches n (or too many wake-ups without it). */
static void wait_irqs(volatile unsigned *counter, unsigned n)
{
	for (unsigned i = 0; i < 100000 && *counter < n; i++)
		asm volatile("sti; hlt; cli" : : : "memory");
}

static void test_pit_irq0(void)
{
	uint16_t count = 11932;         /* ~100 Hz */

	timer_ticks = 0;
	idt_set_handler(VEC_BASE1, timer_handler);
	pic_init(0xfe, 0xff);           /* IRQ0 only */
	outb(PIT_CMD, 0x34);            /* channel 0, LSB then MSB, mode 2 */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
	wait_irqs(&timer_ticks, 10);
	report(timer_ticks >= 10, "pit mode 2: 10 timer interrupts while halted (%u)", timer_ticks);
	expect_eq(timer_bad_vector, 0, "timer interrupt on vector 0x20");
	expect_eq(pic_read_isr(PIC1), 0, "ISR clear after EOI");

	/* Counter latch: the count lies in 1..count. */
	outb(PIT_CMD, 0x00);
	{
		uint16_t v = inb(PIT_CH0);

		v |= (uint16_t)inb(PIT_CH0) << 8;
		report(v >= 1 && v <= count, "pit latched count in range (%u)", v);
	}
	/* Read-back of channel 0's status: rw = 3, mode 2, binary. */
	outb(PIT_CMD, 0xe2);
	expect_eq(inb(PIT_CH0) & 0x3f, 0x34, "pit read-back status");
}

static void test_pic_poll(void)
{
	unsigned i;
	uint8_t irr = 0, polled;

	/* IRQ0 masked: the request waits in IRR. */
	outb(PIC1 + 1, 0xff);
	for (i = 0; i < 10000000 && !(irr & 1); i++)
		irr = pic_read_irr(PIC1);
	report(irr & 1, "masked IRQ0 latched in IRR");
	outb(PIC1 + 1, 0xfe);
	outb(PIC1, 0x0c);               /* OCW3 poll */
	polled = inb(PIC1);
	expect_eq(polled, 0x80, "poll command reports IRQ0");
	expect_eq(pic_read_isr(PIC1) & 1, 1, "poll put IRQ0 in service");
	outb(PIC1, 0x60);               /* specific EOI for IR0 */
	expect_eq(pic_read_isr(PIC1), 0, "specific EOI clears ISR");
	outb(PIC1 + 1, 0xff);
	outb(PIT_CMD, 0x30);            /* channel 0 to mode 0, no count: stops */
}

static void test_pit_ch2(void)
{
	unsigned i;
	uint8_t v;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);     /* gate on, speaker off */
	outb(PIT_CMD, 0xb0);            /* channel 2, LSB/MSB, mode 0 */
	outb(PIT_CH2, 1193 & 0xff);     /* ~1 ms */
	outb(PIT_CH2, 1193 >> 8);
	v = inb(0x61);
	expect_eq(v & 0x20, 0, "channel 2 OUT low after loading mode 0");
	for (i = 0; i < 10000000 && !(v & 0x20); i++)
		v = inb(0x61);
	report(v & 0x20, "channel 2 OUT high at terminal count");
	outb(0x61, inb(0x61) & ~0x03);
}

static void test_rtc_periodic(void)
{
	uint8_t b;

	expect_eq(rtc_read(0x0d) & 0x80, 0x80, "rtc register D: valid RAM and time");
	report(rtc_read(0x00) < 0x60 && rtc_read(0x02) < 0x60, "rtc seconds and minutes in range");
	rtc_ticks = 0;
	idt_set_handler(VEC_BASE2, rtc_handler);
	rtc_write(0x0a, 0x26);          /* 32.768 kHz time base, rate 6: 1024 Hz */
	b = rtc_read(0x0b);
	rtc_write(0x0b, b | 0x40);      /* PIE */
	(void)rtc_read(0x0c);
	pic_init(0xfb, 0xfe);           /* IRQ2 (cascade) and IRQ8 */
	wait_irqs(&rtc_ticks, 5);
	report(rtc_ticks >= 5, "rtc periodic: 5 interrupts on IRQ8 (%u)", rtc_ticks);
	expect_eq(rtc_last_c & 0xc0, 0xc0, "rtc register C: IRQF and PF");
	rtc_write(0x0b, b & ~0x40);
	(void)rtc_read(0x0c);
	outb(PIC1 + 1, 0xff);
	outb(PIC2 + 1, 0xff);
}

int main(void)
{
	test_pit_irq0();
	test_pic_poll();
	test_pit_ch2();
	test_rtc_periodic();
	return 0;
}
