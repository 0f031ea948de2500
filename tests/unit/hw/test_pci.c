/*
 * tests/unit/hw/test_pci.c - configuration mechanism #1 through the port bus,
 * without a CPU: CONFIG_ADDRESS, master abort, identity, writable bits, BAR sizing.
 */
#include "tests/unit/common/check_run.h"
#include "hw/machine.h"
#include "hw/pci.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct pci_host h;
static struct pci_dev host, dev;
static struct cpu_bus *bus;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	pci_host_init(&h);
	pci_dev_init(&host, 0x8086, 0x1237, 2, 0x060000);
	pci_dev_init(&dev, 0x1b36, 0x0005, 0, 0x00ff00);
	pci_dev_set_bar(&dev, 0, 0x1000, false);
	pci_dev_set_bar(&dev, 1, 0x100, true);
	ck_assert_int_eq(pci_host_plug(&h, 0, &host), 0);
	ck_assert_int_eq(pci_host_plug(&h, 3, &dev), 0);
	ck_assert_int_eq(pci_host_plug(&h, 3, &host), -1);
	ck_assert_int_eq(machine_register_pio(&m, 0xcf8, 1, &h, pci_host_addr_read, pci_host_addr_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0xcfc, 4, &h, pci_host_data_read, pci_host_data_write), 0);
}

static void teardown(void) { machine_free_bus(&m); }

static uint32_t cfg_read(unsigned slot, unsigned reg, unsigned size)
{
	bus->pio_out(bus->opaque, 0xcf8, 4, 0x80000000u | slot << 11 | (reg & 0xfc));
	return bus->pio_in(bus->opaque, (uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_write(unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
	bus->pio_out(bus->opaque, 0xcf8, 4, 0x80000000u | slot << 11 | (reg & 0xfc));
	bus->pio_out(bus->opaque, (uint16_t)(0xcfc + (reg & 3)), size, v);
}

START_TEST(enumerate)
{
	ck_assert_uint_eq(cfg_read(0, 0, 4), 0x12378086);
	ck_assert_uint_eq(cfg_read(0, 8, 4), 0x06000002);
	ck_assert_uint_eq(cfg_read(3, 2, 2), 0x0005);
	ck_assert_uint_eq(cfg_read(5, 0, 4), 0xffffffffu);      /* empty slot */
	bus->pio_out(bus->opaque, 0xcf8, 4, 0x12345678);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xcf8, 4), 0x12345678 & 0x80fffffc);
	bus->pio_out(bus->opaque, 0xcf8, 4, 0);                  /* disabled */
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xcfc, 4), 0xffffffffu);
	cfg_write(0, 0, 4, 0);                                  /* identity is read-only */
	ck_assert_uint_eq(cfg_read(0, 0, 4), 0x12378086);
	cfg_write(0, 0x3c, 1, 11);
	ck_assert_uint_eq(cfg_read(0, 0x3c, 1), 11);
	cfg_write(0, 4, 2, 0xffff);
	ck_assert_uint_eq(cfg_read(0, 4, 2), 0x0547);
}
END_TEST

START_TEST(bar_sizing)
{
	cfg_write(3, 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_read(3, 0x10, 4), 0xfffff000u);   /* 4 KiB memory BAR */
	cfg_write(3, 0x14, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_read(3, 0x14, 4), 0xffffff01u);   /* 256-byte I/O BAR */
	cfg_write(3, 0x10, 4, 0xfe001234u);
	ck_assert_uint_eq(cfg_read(3, 0x10, 4), 0xfe001000u);
	cfg_write(3, 0x18, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_read(3, 0x18, 4), 0);             /* no BAR 2 */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("conf1");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, enumerate);
	tcase_add_test(tc, bar_sizing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
