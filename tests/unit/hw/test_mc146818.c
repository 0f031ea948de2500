/*
 * tests/unit/hw/test_mc146818.c - the RTC/CMOS through the port-I/O bus, on a test
 * clock, with IRQ8 wired to a real 8259 pair: time and date from the start date,
 * BCD/binary and 12/24-hour, setting the time, periodic/update/alarm interrupts,
 * register C, NMI mask bit and the memory-size bytes.
 */
#include "tests/unit/common/check_run.h"
#include "hw/i8259.h"
#include "hw/machine.h"
#include "hw/mc146818.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000ull

static struct machine m;
static struct i8259 pic;
static struct mc146818 rtc;
static struct cpu_bus *bus;
static uint64_t now;
static uint64_t test_now(void *opaque) { (void)opaque; return now; }
static const struct hw_clock clk = { test_now, NULL };

static void out8(uint16_t port, uint8_t v) { bus->pio_out(bus->opaque, port, 1, v); }
static uint8_t in8(uint16_t port) { return (uint8_t)bus->pio_in(bus->opaque, port, 1); }
static uint8_t rd(uint8_t reg) { out8(0x70, reg); return in8(0x71); }
static void wr(uint8_t reg, uint8_t v) { out8(0x70, reg); out8(0x71, v); }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	now = 0;
	i8259_init(&pic);
	/* 2026-01-01 00:00:00 is a Thursday */
	mc146818_init(&rtc, &clk, pic.irq[8], RTC_START_UNIX);
	ck_assert_int_eq(machine_register_pio(&m, 0x20, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0xa0, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x70, 2, &rtc, mc146818_read, mc146818_write), 0);
	for (uint16_t p = 0x20; p <= 0xa0; p += 0x80) {
		out8(p, 0x11);
		out8(p + 1, p == 0x20 ? 0x08 : 0x70);
		out8(p + 1, p == 0x20 ? 0x04 : 0x02);
		out8(p + 1, 0x01);
		out8(p + 1, 0x00);
	}
}

static void teardown(void) { machine_free_bus(&m); }

START_TEST(time_from_machine_clock)
{
	ck_assert_uint_eq(rd(0x09), 0x26);
	ck_assert_uint_eq(rd(0x32), 0x20);
	ck_assert_uint_eq(rd(0x08), 0x01);
	ck_assert_uint_eq(rd(0x07), 0x01);
	ck_assert_uint_eq(rd(0x06), 0x05);              /* Thursday: Sunday = 1 */
	ck_assert_uint_eq(rd(0x0d), 0x80);
	now = (13 * 3600 + 59 * 60 + 58) * S + 5;
	ck_assert_uint_eq(rd(0x04), 0x13);
	ck_assert_uint_eq(rd(0x02), 0x59);
	ck_assert_uint_eq(rd(0x00), 0x58);
	/* Binary, 12-hour: 1 PM */
	wr(0x0b, 0x04);
	ck_assert_uint_eq(rd(0x04), 0x81);
	ck_assert_uint_eq(rd(0x02), 59);
	/* A whole year later, leap days counted: 2027-01-01 */
	now += 365ull * 86400 * S;
	ck_assert_uint_eq(rd(0x09), 27);
	ck_assert_uint_eq(rd(0x08), 1);
	ck_assert_uint_eq(rd(0x07), 1);
}
END_TEST

START_TEST(set_time_with_set_bit)
{
	wr(0x0b, 0x82);                 /* SET, BCD, 24 h */
	wr(0x09, 0x99);
	wr(0x32, 0x19);
	wr(0x08, 0x12);
	wr(0x07, 0x31);
	wr(0x04, 0x23);
	wr(0x02, 0x59);
	wr(0x00, 0x59);
	now += 5 * S;                   /* frozen while SET */
	ck_assert_uint_eq(rd(0x00), 0x59);
	wr(0x0b, 0x02);
	now += 1 * S;
	ck_assert_uint_eq(rd(0x00), 0x00);
	ck_assert_uint_eq(rd(0x09), 0x00);
	ck_assert_uint_eq(rd(0x32), 0x20);
	ck_assert_uint_eq(rd(0x08), 0x01);
	ck_assert_uint_eq(mc146818_time(&rtc), 946684800ull);    /* 2000-01-01 */
}
END_TEST

START_TEST(periodic_interrupt)
{
	wr(0x0a, 0x26);                 /* 1024 Hz: 32 cycles of 32.768 kHz */
	wr(0x0b, 0x42);                 /* PIE */
	ck_assert_uint_eq(mc146818_next_deadline(&rtc), 976563);
	now = 976563;
	mc146818_poll(&rtc);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x70);
	ck_assert_uint_eq(rd(0x0c), 0xc0);              /* IRQF | PF, cleared by the read */
	ck_assert_uint_eq(rd(0x0c), 0x00);
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	now = 2 * 976563;
	mc146818_poll(&rtc);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x70);
	/* Without PIE the flag still sets, but no interrupt and no deadline. */
	ck_assert_uint_eq(rd(0x0c), 0xc0);
	wr(0x0b, 0x02);
	ck_assert_uint_eq(mc146818_next_deadline(&rtc), HW_NO_DEADLINE);
	now += 1000000;
	ck_assert_uint_eq(rd(0x0c), 0x40);
}
END_TEST

START_TEST(update_and_alarm)
{
	wr(0x0a, 0x20);                 /* no periodic flag in the way */
	wr(0x01, 0x05);                 /* alarm at hh:mm:05 every hour and minute */
	wr(0x03, 0xc0);
	wr(0x05, 0xff);
	wr(0x0b, 0x32);                 /* AIE, UIE */
	ck_assert_uint_eq(mc146818_next_deadline(&rtc), S);
	now = S;
	mc146818_poll(&rtc);
	ck_assert_uint_eq(rd(0x0c), 0x90);              /* IRQF | UF */
	now = 5 * S;
	mc146818_poll(&rtc);
	ck_assert_uint_eq(rd(0x0c), 0xb0);              /* IRQF | AF | UF */
	/* UIP in the last 244 us of a second */
	now = 6 * S - 100000;
	ck_assert_uint_eq(rd(0x0a) & 0x80, 0x80);
	now = 6 * S;
	ck_assert_uint_eq(rd(0x0a) & 0x80, 0x00);
}
END_TEST

START_TEST(cmos_ram_and_memory_bytes)
{
	mc146818_set_memory(&rtc, 3ull << 30, 1ull << 30, 2);
	ck_assert_uint_eq(rd(0x15) | rd(0x16) << 8, 640);
	ck_assert_uint_eq(rd(0x17) | rd(0x18) << 8, 0xffff);
	ck_assert_uint_eq(rd(0x34) | rd(0x35) << 8, ((3ull << 30) - (16 << 20)) >> 16);
	ck_assert_uint_eq(rd(0x5b) | rd(0x5c) << 8 | rd(0x5d) << 16, (1ull << 30) >> 16);
	ck_assert_uint_eq(rd(0x5f), 1);
	wr(0x40, 0xa5);
	ck_assert_uint_eq(rd(0x40), 0xa5);
	wr(0x0d, 0x00);                 /* read-only */
	ck_assert_uint_eq(rd(0x0d), 0x80);
	out8(0x70, 0x80 | 0x40);        /* NMI off, index 0x40 */
	ck_assert(rtc.nmi_disabled);
	ck_assert_uint_eq(in8(0x71), 0xa5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mc146818");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, time_from_machine_clock);
	tcase_add_test(tc, set_time_with_set_bit);
	tcase_add_test(tc, periodic_interrupt);
	tcase_add_test(tc, update_and_alarm);
	tcase_add_test(tc, cmos_ram_and_memory_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
