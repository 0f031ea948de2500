/*
 * tests/unit/hw/test_pctestdev.c - pc-testdev through the machine's port and MMIO
 * buses, without a CPU: scratch ports, the IRQ line ports into a real 8259 pair,
 * the test memory.
 */
#include "tests/unit/common/check_run.h"
#include "hw/i8259.h"
#include "hw/machine.h"
#include "hw/pctestdev.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct i8259 pic;
static struct pctestdev *t;
static struct cpu_bus *bus;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	pctestdev_init(t);
	i8259_init(&pic);
	for (unsigned n = 0; n < 16; n++)
		t->irq[n] = pic.irq[n];
	ck_assert_int_eq(machine_register_pio(&m, 0x20, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0xe0, 12, t, pctestdev_read, pctestdev_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x2000, PCTESTDEV_NIRQ, t, pctestdev_irq_read,
					      pctestdev_irq_write), 0);
	ck_assert_int_eq(machine_register_mmio(&m, PCTESTDEV_IOMEM_BASE, PCTESTDEV_IOMEM_LEN, t,
					       pctestdev_iomem_read, pctestdev_iomem_write), 0);
}

static void teardown(void)
{
	machine_free_bus(&m);
	free(t);
}

START_TEST(scratch_ports)
{
	bus->pio_out(bus->opaque, 0xe0, 4, 0x12345678);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xe0, 4), 0x12345678);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xe0, 2), 0x5678);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xe8, 1), 0x78);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xeb, 1), 0x12);
	bus->pio_out(bus->opaque, 0xe9, 1, 0xab);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xe0, 4), 0x1234ab78);
	bus->pio_out(bus->opaque, 0xe0, 1, 0xcd);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xe0, 4), 0x1234abcd);
	bus->pio_out(bus->opaque, 0xe4, 4, 0x100000);   /* flush page: harmless */
}
END_TEST

START_TEST(irq_lines)
{
	bus->pio_out(bus->opaque, 0x20, 1, 0x11);
	bus->pio_out(bus->opaque, 0x21, 1, 0x20);
	bus->pio_out(bus->opaque, 0x21, 1, 0x04);
	bus->pio_out(bus->opaque, 0x21, 1, 0x01);
	bus->pio_out(bus->opaque, 0x21, 1, 0x00);
	bus->pio_out(bus->opaque, 0x2000 + 5, 1, 1);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x25);
	bus->pio_out(bus->opaque, 0x2000 + 5, 1, 0);
	bus->pio_out(bus->opaque, 0x2000 + 30, 1, 1);   /* past the lines: ignored */
}
END_TEST

START_TEST(test_memory)
{
	bus->mmio_write(bus->opaque, PCTESTDEV_IOMEM_BASE + 0x100, 8, 0x1122334455667788ull);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCTESTDEV_IOMEM_BASE + 0x100, 8),
			  0x1122334455667788ull);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCTESTDEV_IOMEM_BASE + 0x102, 2), 0x5566);
	bus->mmio_write(bus->opaque, PCTESTDEV_IOMEM_BASE + 0xffff, 1, 0x5a);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCTESTDEV_IOMEM_BASE + 0xffff, 1), 0x5a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pctestdev");
	TCase *tc = tcase_create("bus");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scratch_ports);
	tcase_add_test(tc, irq_lines);
	tcase_add_test(tc, test_memory);
	suite_add_tcase(s, tc);
	return check_run(s);
}
