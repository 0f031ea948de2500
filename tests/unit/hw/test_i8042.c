/*
 * tests/unit/hw/test_i8042.c - the keyboard controller and the system ports (POST,
 * 0x92, 0xcf9, 0x8900) through the port-I/O bus, without a CPU: self-test,
 * command byte, keyboard commands and IRQ1, the reset pulse, power-off.
 */
#include "tests/unit/common/check_run.h"
#include "hw/i8042.h"
#include "hw/i8259.h"
#include "hw/machine.h"
#include "hw/sysctl.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct i8259 pic;
static struct i8042 kbc;
static struct sysctl sys;
static struct cpu_bus *bus;
static unsigned resets, poweroffs;

static void on_reset(void *opaque) { (void)opaque; resets++; }
static void on_poweroff(void *opaque) { (void)opaque; poweroffs++; }
static void out8(uint16_t port, uint8_t v) { bus->pio_out(bus->opaque, port, 1, v); }
static uint8_t in8(uint16_t port) { return (uint8_t)bus->pio_in(bus->opaque, port, 1); }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	resets = poweroffs = 0;
	i8259_init(&pic);
	i8042_init(&kbc, pic.irq[1], pic.irq[12], on_reset, NULL);
	sysctl_init(&sys, on_reset, on_poweroff, NULL);
	ck_assert_int_eq(machine_register_pio(&m, 0x20, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x60, 1, &kbc, i8042_read, i8042_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x64, 1, &kbc, i8042_read, i8042_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x80, 1, &sys, sysctl_read, sysctl_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x92, 1, &sys, sysctl_read, sysctl_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0xcf9, 1, &sys, sysctl_read, sysctl_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x8900, 1, &sys, sysctl_read, sysctl_write), 0);
	out8(0x20, 0x11);
	out8(0x21, 0x08);
	out8(0x21, 0x04);
	out8(0x21, 0x01);
	out8(0x21, 0x00);
}

static void teardown(void) { machine_free_bus(&m); }

START_TEST(self_test_and_command_byte)
{
	ck_assert_uint_eq(in8(0x64) & 0x01, 0);
	out8(0x64, 0xaa);
	ck_assert_uint_eq(in8(0x64) & 0x0d, 0x0d);      /* OBF, SYS, last write a command */
	ck_assert_uint_eq(in8(0x60), 0x55);
	ck_assert_uint_eq(in8(0x64) & 0x01, 0);
	out8(0x64, 0x60);
	out8(0x60, 0x44);               /* no keyboard interrupt */
	out8(0x64, 0x20);
	ck_assert_uint_eq(in8(0x60), 0x44);
	out8(0x64, 0xab);
	ck_assert_uint_eq(in8(0x60), 0x00);
}
END_TEST

START_TEST(keyboard_commands_raise_irq1)
{
	out8(0x60, 0xff);               /* reset: ACK, BAT passed */
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x09);
	ck_assert_uint_eq(in8(0x60), 0xfa);
	out8(0x20, 0x20);
	/* The second byte is a new interrupt. */
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(in8(0x60), 0xaa);
	out8(0x60, 0xf2);
	ck_assert_uint_eq(in8(0x60), 0xfa);
	ck_assert_uint_eq(in8(0x60), 0xab);
	ck_assert_uint_eq(in8(0x60), 0x83);
	out8(0x60, 0xf0);
	out8(0x60, 0x00);
	ck_assert_uint_eq(in8(0x60), 0xfa);
	ck_assert_uint_eq(in8(0x60), 0xfa);
	ck_assert_uint_eq(in8(0x60), 0x02);
	out8(0x60, 0x12);               /* unknown: resend */
	ck_assert_uint_eq(in8(0x60), 0xfe);
	out8(0x64, 0xd3);               /* aux loopback */
	out8(0x60, 0x5a);
	ck_assert_uint_eq(in8(0x64) & 0x21, 0x21);
	ck_assert_uint_eq(in8(0x60), 0x5a);
}
END_TEST

START_TEST(reset_paths)
{
	out8(0x64, 0xfe);               /* pulse the reset line */
	ck_assert_uint_eq(resets, 1);
	out8(0x64, 0xff);               /* pulse nothing */
	ck_assert_uint_eq(resets, 1);
	out8(0x64, 0xd1);
	out8(0x60, 0x02);               /* output port: reset line low */
	ck_assert_uint_eq(resets, 2);
	out8(0xcf9, 0x02);
	ck_assert_uint_eq(resets, 2);
	ck_assert_uint_eq(in8(0xcf9), 0x02);
	out8(0xcf9, 0x06);
	ck_assert_uint_eq(resets, 3);
	out8(0x92, 0x03);               /* fast reset */
	ck_assert_uint_eq(resets, 4);
	ck_assert_uint_eq(in8(0x92), 0x02);
	out8(0x80, 0x42);
	ck_assert_uint_eq(in8(0x80), 0x42);
}
END_TEST

START_TEST(bochs_shutdown_port)
{
	const char *s = "ShutShutdown";

	while (*s)
		out8(0x8900, (uint8_t)*s++);
	ck_assert_uint_eq(poweroffs, 1);
	out8(0x8900, 'x');
	ck_assert_uint_eq(poweroffs, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, self_test_and_command_byte);
	tcase_add_test(tc, keyboard_commands_raise_irq1);
	tcase_add_test(tc, reset_paths);
	tcase_add_test(tc, bochs_shutdown_port);
	suite_add_tcase(s, tc);
	return check_run(s);
}
