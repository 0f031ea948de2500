/*
 * tests/unit/hw/test_pci_testdev.c - pci-testdev through its mapped BARs, without a
 * CPU: identity, the header of each test (QEMU's layout), counting of matching
 * writes, byte-split wide accesses, the optional 64-bit membar.
 */
#include "tests/unit/common/check_run.h"
#include "hw/machine.h"
#include "hw/pci_testdev.h"

#include <check.h>
#include <string.h>

static struct machine m;
static struct pci_host h;
static struct pci_testdev t;
static struct cpu_bus *bus;

#define MEM 0xc0000000ull
#define IO  0xc000u

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	pci_host_init(&h, &m);
	ck_assert_int_eq(pci_testdev_init(&t, 1 << 20), 0);
	ck_assert_int_eq(pci_host_plug(&h, 3, &t.dev), 0);
	pci_config_write(&t.dev, 0x10, 4, (uint32_t)MEM);
	pci_config_write(&t.dev, 0x14, 4, IO);
	pci_config_write(&t.dev, 4, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

static void teardown(void) { machine_free_bus(&m); }

static uint64_t mr(uint64_t off, unsigned size) { return bus->mmio_read(bus->opaque, MEM + off, size); }
static void mw(uint64_t off, unsigned size, uint64_t v) { bus->mmio_write(bus->opaque, MEM + off, size, v); }

START_TEST(identity)
{
	ck_assert_uint_eq(pci_config_read(&t.dev, 0, 4), 0x00051b36);
	ck_assert_uint_eq(pci_config_read(&t.dev, 8, 4), 0x00ff0000);
	ck_assert_uint_eq(pci_config_read(&t.dev, 0x3d, 1), 0);        /* no interrupt pin */
	pci_config_write(&t.dev, 0x18, 4, 0xffffffffu);
	pci_config_write(&t.dev, 0x1c, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_config_read(&t.dev, 0x18, 4), 0xfff0000cu);  /* 1 MiB, 64-bit, prefetch */
	ck_assert_uint_eq(pci_config_read(&t.dev, 0x1c, 4), 0xffffffffu);
	ck_assert_int_eq(pci_testdev_init(&t, 24), -1);               /* not a power of two */
}
END_TEST

START_TEST(tests)
{
	char name[32];

	ck_assert_uint_eq(mr(0, 4), 0);                         /* nothing selected */
	mw(0, 1, 2);                                            /* mmio-datamatch-eventfd */
	ck_assert_uint_eq(mr(0, 1), 2);
	ck_assert_uint_eq(mr(1, 1), 1);                         /* width */
	ck_assert_uint_eq(mr(4, 4), 2048 + 2);                  /* offset */
	ck_assert_uint_eq(mr(8, 4), 0xfa);                      /* data */
	for (unsigned i = 0; i < sizeof(name); i++)
		name[i] = (char)mr(16 + i, 1);
	ck_assert_str_eq(name, "mmio-datamatch-eventfd");
	mw(2050, 1, 0xfa);
	mw(2050, 1, 0x12);                                      /* wrong data */
	mw(2050, 2, 0xfa);                                      /* byte 0 matches, byte 1 elsewhere */
	ck_assert_uint_eq(mr(12, 4), 2);
	mw(0, 1, 1);                                            /* wildcard: any data counts */
	ck_assert_uint_eq(mr(8, 1), 0xce);
	mw(2049, 1, 0x77);
	ck_assert_uint_eq(mr(12, 4), 1);
	mw(0, 1, 3);                                            /* no such test: deselects */
	ck_assert_uint_eq(mr(1, 1), 0);
	/* the port BAR has the portio tests */
	bus->pio_out(bus->opaque, IO, 1, 0);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, IO + 4, 4), 128 + 3);
	bus->pio_out(bus->opaque, IO + 131, 1, 0xfa);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, IO + 12, 4), 1);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, IO + 16, 4), 0x74726f70);   /* "port" */
	ck_assert_uint_eq(bus->pio_in(bus->opaque, IO + 16 + 17, 1), 0);       /* past the NUL */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci_testdev");
	TCase *tc = tcase_create("bars");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identity);
	tcase_add_test(tc, tests);
	suite_add_tcase(s, tc);
	return check_run(s);
}
