/*
 * tests/unit/hw/test_uart.c - the 16550A UART and isa-debug-exit, through the
 * machine's port-I/O bus, without a CPU.
 */
#include "tests/unit/common/check_run.h"
#include "hw/pc.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct pc pc;
static struct cpu_bus *bus;

static void setup(void)
{
	memset(&pc, 0, sizeof(pc));
	ck_assert_int_eq(machine_init_bus(&pc.m, 1 << 20), 0);
	bus = &pc.m.bus;
}

static void teardown(void) { machine_free_bus(&pc.m); }

static uint8_t in8(uint16_t port) { return (uint8_t)bus->pio_in(bus->opaque, port, 1); }
static void out8(uint16_t port, uint8_t v) { bus->pio_out(bus->opaque, port, 1, v); }

START_TEST(transmit_reaches_backend)
{
	char path[] = "/tmp/elzero-uartXXXXXX";
	int fd = mkstemp(path);
	char spec[64], err[128], buf[16] = { 0 };
	struct chardev chr;
	struct uart16550 u;

	ck_assert(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "file:%s", path);
	ck_assert_int_eq(chardev_open(&chr, spec, err, sizeof(err)), 0);
	uart16550_init(&u, &chr);
	ck_assert_int_eq(machine_register_pio(&pc.m, 0x3f8, 8, &u, uart16550_read, uart16550_write), 0);
	ck_assert_uint_eq(in8(0x3fd) & 0x60, 0x60);     /* THRE and TEMT */
	out8(0x3f8, 'o');
	out8(0x3f8, 'k');
	chardev_close(&chr);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 2);
	close(fd);
	unlink(path);
	ck_assert_str_eq(buf, "ok");
}
END_TEST

START_TEST(loopback_dlab_and_interrupt_id)
{
	struct uart16550 u;

	uart16550_init(&u, NULL);
	ck_assert_int_eq(machine_register_pio(&pc.m, 0x3f8, 8, &u, uart16550_read, uart16550_write), 0);
	/* Divisor latch behind DLAB */
	out8(0x3fb, 0x80);
	out8(0x3f8, 0x01);
	out8(0x3f9, 0x00);
	out8(0x3fb, 0x03);
	ck_assert_uint_eq(u.dll, 1);
	ck_assert_uint_eq(in8(0x3fb), 0x03);
	/* Scratch register */
	out8(0x3ff, 0x5a);
	ck_assert_uint_eq(in8(0x3ff), 0x5a);
	/* Loopback: transmitted bytes are received; MSR reflects MCR */
	out8(0x3fc, 0x10 | 0x0b);
	ck_assert_uint_eq(in8(0x3fe) & 0xf0, 0x80 | 0x20 | 0x10);
	out8(0x3f8, 'x');
	ck_assert_uint_eq(in8(0x3fd) & 1, 1);           /* DR */
	ck_assert_uint_eq(in8(0x3f8), 'x');
	ck_assert_uint_eq(in8(0x3fd) & 1, 0);
	/* No interrupt enabled: IIR says none */
	ck_assert_uint_eq(in8(0x3fa) & 0x0f, 0x01);
	/* THRE interrupt: raised on enable, cleared by reading IIR */
	out8(0x3f9, 0x02);
	ck_assert_uint_eq(in8(0x3fa) & 0x0f, 0x02);
	ck_assert_uint_eq(in8(0x3fa) & 0x0f, 0x01);
	/* Received data has priority over THRE */
	out8(0x3f9, 0x03);
	out8(0x3f8, 'y');
	ck_assert_uint_eq(in8(0x3fa) & 0x0f, 0x04);
	ck_assert_uint_eq(in8(0x3f8), 'y');
	/* FIFO overrun sets OE, which clears on LSR read */
	for (int i = 0; i < 17; i++)
		out8(0x3f8, (uint8_t)i);
	ck_assert_uint_eq(in8(0x3fd) & 0x02, 0x02);
	ck_assert_uint_eq(in8(0x3fd) & 0x02, 0);
	/* FCR bit 1 clears the receive FIFO; FIFO-enabled bits in IIR */
	out8(0x3fa, 0x03);
	ck_assert_uint_eq(in8(0x3fd) & 1, 0);
	ck_assert_uint_eq(in8(0x3fa) & 0xc0, 0xc0);
}
END_TEST

START_TEST(debug_exit_status)
{
	ck_assert_int_eq(debugexit_init(&pc, 0xf4, 4), 0);
	ck_assert(!pc.stop);
	bus->pio_out(bus->opaque, 0xf4, 4, 0);
	ck_assert(pc.stop);
	ck_assert_int_eq(pc.exit_status, 1);
	bus->pio_out(bus->opaque, 0xf5, 1, 0x21);
	ck_assert_int_eq(pc.exit_status, 0x43);
	/* overlapping registration is refused */
	ck_assert_int_ne(debugexit_init(&pc, 0xf6, 2), 0);
}
END_TEST

START_TEST(unclaimed_ports_float_high)
{
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0x1234, 1), 0xff);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0x1234, 2), 0xffff);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0x1234, 4), 0xffffffffu);
	bus->pio_out(bus->opaque, 0x1234, 1, 0);        /* ignored, no crash */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uart");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, transmit_reaches_backend);
	tcase_add_test(tc, loopback_dlab_and_interrupt_id);
	tcase_add_test(tc, debug_exit_status);
	tcase_add_test(tc, unclaimed_ports_float_high);
	suite_add_tcase(s, tc);
	return check_run(s);
}
