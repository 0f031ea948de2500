/*
 * tests/unit/hw/test_i8254.c - the 8254 PIT through the port-I/O bus, on a test
 * clock, with channel 0 wired to a real 8259 pair: modes, latch and read-back
 * commands, IRQ0 edges, deadlines, channel 2 and port 0x61.
 */
#include "tests/unit/common/check_run.h"
#include "hw/i8254.h"
#include "hw/i8259.h"
#include "hw/machine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct i8259 pic;
static struct i8254 pit;
static struct cpu_bus *bus;
static uint64_t now;
static uint64_t test_now(void *opaque) { (void)opaque; return now; }
static const struct hw_clock clk = { test_now, NULL };

static void out8(uint16_t port, uint8_t v) { bus->pio_out(bus->opaque, port, 1, v); }
static uint8_t in8(uint16_t port) { return (uint8_t)bus->pio_in(bus->opaque, port, 1); }

/* ns for n PIT input clocks (rounded up, as the device converts). */
static uint64_t ticks_ns(uint64_t n) { return (n * 1000000000ull + PIT_HZ - 1) / PIT_HZ; }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	now = 1000;
	i8259_init(&pic);
	i8254_init(&pit, &clk, pic.irq[0]);
	ck_assert_int_eq(machine_register_pio(&m, 0x20, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x40, 4, &pit, i8254_read, i8254_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x61, 1, &pit, i8254_port61_read, i8254_port61_write), 0);
	out8(0x20, 0x11);
	out8(0x21, 0x20);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	out8(0x21, 0xfe);
}

static void teardown(void) { machine_free_bus(&m); }

static uint16_t latch_read(unsigned ch)
{
	uint16_t v;

	out8(0x43, (uint8_t)(ch << 6));
	v = in8((uint16_t)(0x40 + ch));
	return v | (uint16_t)(in8((uint16_t)(0x40 + ch)) << 8);
}

START_TEST(mode2_periodic_irq0)
{
	out8(0x43, 0x34);
	out8(0x40, 100);
	out8(0x40, 0);
	ck_assert_uint_eq(i8254_next_deadline(&pit), 1000 + ticks_ns(100));
	i8254_poll(&pit);
	ck_assert(!i8259_intr_pending(&pic));
	ck_assert_uint_eq(latch_read(0), 100);
	now = 1000 + ticks_ns(30);
	ck_assert_uint_eq(latch_read(0), 70);
	now = 1000 + ticks_ns(100);
	i8254_poll(&pit);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x20);
	out8(0x20, 0x20);
	ck_assert_uint_eq(i8254_next_deadline(&pit), 1000 + ticks_ns(200));
	/* Many periods missed between two polls make one interrupt. */
	now = 1000 + ticks_ns(750);
	i8254_poll(&pit);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x20);
	out8(0x20, 0x20);
	ck_assert(!i8259_intr_pending(&pic));
	ck_assert_uint_eq(latch_read(0), 50);
}
END_TEST

START_TEST(mode0_one_shot)
{
	out8(0x43, 0x30);
	ck_assert(!i8254_out(&pit, 0, now));            /* mode 0: OUT low once set */
	out8(0x40, 0x10);
	out8(0x40, 0x00);
	now += ticks_ns(15);
	i8254_poll(&pit);
	ck_assert(!i8259_intr_pending(&pic));
	now += ticks_ns(1);
	i8254_poll(&pit);
	ck_assert(i8259_intr_pending(&pic));
	i8259_intr_ack(&pic);
	ck_assert_uint_eq(i8254_next_deadline(&pit), HW_NO_DEADLINE);
	/* The counter wraps on after terminal count. */
	now += ticks_ns(0x20);
	ck_assert_uint_eq(latch_read(0), (uint16_t)(0x10 - 0x30));
}
END_TEST

START_TEST(mode3_square_wave_and_lsb_msb_modes)
{
	out8(0x43, 0x16);               /* channel 0, LSB only, mode 3 */
	out8(0x40, 10);
	ck_assert(i8254_out(&pit, 0, now));
	ck_assert(i8254_out(&pit, 0, now + ticks_ns(4)));
	ck_assert(!i8254_out(&pit, 0, now + ticks_ns(5)));
	ck_assert(i8254_out(&pit, 0, now + ticks_ns(10)));
	out8(0x43, 0x00);
	ck_assert_uint_eq(in8(0x40), 10);               /* LSB-only read of the latch */
	out8(0x43, 0x26);               /* MSB only */
	out8(0x40, 0x01);
	ck_assert_uint_eq(in8(0x40), 0x01);
}
END_TEST

START_TEST(readback_status_and_count)
{
	out8(0x43, 0x34);
	out8(0x40, 0x00);
	out8(0x40, 0x10);
	now += ticks_ns(0x10);
	out8(0x43, 0xc2);               /* read-back count and status of channel 0 */
	ck_assert_uint_eq(in8(0x40), 0x34 | 0x80);      /* OUT high, counting, rw 3, mode 2 */
	ck_assert_uint_eq(in8(0x40), 0xf0);
	ck_assert_uint_eq(in8(0x40), 0x0f);
	/* A second latch before the first is read is ignored. */
	out8(0x43, 0x00);
	now += ticks_ns(1);
	out8(0x43, 0x00);
	ck_assert_uint_eq(in8(0x40), 0xf0);
	ck_assert_uint_eq(in8(0x40), 0x0f);
	/* After a control word, null count until the count is written. */
	out8(0x43, 0x34);
	out8(0x43, 0xe2);
	ck_assert_uint_eq(in8(0x40) & 0x40, 0x40);
}
END_TEST

START_TEST(channel2_gate_and_port61)
{
	out8(0x61, 0x00);
	out8(0x43, 0xb0);               /* channel 2, mode 0 */
	out8(0x42, 100);
	out8(0x42, 0);
	now += ticks_ns(200);
	ck_assert_uint_eq(in8(0x61) & 0x21, 0x00);      /* gate low: held, OUT low */
	out8(0x61, 0x01);
	ck_assert_uint_eq(in8(0x61) & 0x21, 0x01);
	now += ticks_ns(99);
	ck_assert_uint_eq(in8(0x61) & 0x20, 0x00);
	now += ticks_ns(1);
	ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);
	/* Mode 1 waits for a gate edge. */
	out8(0x61, 0x00);
	out8(0x43, 0xb2);
	out8(0x42, 10);
	out8(0x42, 0);
	now += ticks_ns(50);
	ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);
	out8(0x61, 0x01);
	ck_assert_uint_eq(in8(0x61) & 0x20, 0x00);
	now += ticks_ns(10);
	ck_assert_uint_eq(in8(0x61) & 0x20, 0x20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8254");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mode2_periodic_irq0);
	tcase_add_test(tc, mode0_one_shot);
	tcase_add_test(tc, mode3_square_wave_and_lsb_msb_modes);
	tcase_add_test(tc, readback_status_and_count);
	tcase_add_test(tc, channel2_gate_and_port61);
	suite_add_tcase(s, tc);
	return check_run(s);
}
