/*
 * tests/unit/hw/test_pci.c - configuration mechanism #1 through the port bus,
 * without a CPU: CONFIG_ADDRESS, master abort, identity, writable bits, BAR sizing
 * (32/64-bit, prefetchable, I/O), BAR mapping by the command register, ECAM, INTx.
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
	pci_host_init(&h, &m);
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

/* The device's BARs answer with their number and the offset. */
static uint64_t fake_bar_read(void *opaque, unsigned bar, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)size;
	return 0xb0000000u | bar << 16 | (uint32_t)off;
}

static uint64_t last_write;

static void fake_bar_write(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	(void)size;
	last_write = (uint64_t)bar << 56 | off << 32 | val;
}

static int pirq_seen[4];

static void fake_pirq(void *opaque, unsigned n, int level)
{
	(void)opaque;
	pirq_seen[n] = level;
}

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

START_TEST(bar_sizing_64)
{
	ck_assert_int_eq(pci_dev_add_bar(&dev, 2, 8ull << 30, PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
	ck_assert_int_eq(pci_dev_add_bar(&dev, 5, 4096, PCI_BAR_MEM64), -1);   /* no room for the high half */
	ck_assert_int_eq(pci_dev_add_bar(&dev, 4, 12, 0), -1);                 /* not a power of two */
	cfg_write(3, 0x18, 4, 0xffffffffu);
	cfg_write(3, 0x1c, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_read(3, 0x18, 4), 0x0000000cu);   /* 64-bit, prefetchable */
	ck_assert_uint_eq(cfg_read(3, 0x1c, 4), 0xfffffffeu);   /* 8 GiB */
	ck_assert_uint_eq(cfg_read(3, 0x18, 1), 0x0c);
}
END_TEST

START_TEST(bar_mapping)
{
	dev.bar_read = fake_bar_read;
	dev.bar_write = fake_bar_write;
	ck_assert_int_eq(pci_dev_add_bar(&dev, 2, 1 << 20, PCI_BAR_MEM64), 0);
	cfg_write(3, 0x10, 4, 0xc0001000u);
	cfg_write(3, 0x14, 4, 0xc100);
	cfg_write(3, 0x18, 4, 0);
	cfg_write(3, 0x1c, 4, 0x10);                            /* BAR2 at 64 GiB */
	/* Decoding off: nobody answers. */
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, 0xc0001010u, 4), 0xffffffffu);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xc104, 1), 0xff);
	cfg_write(3, 4, 2, PCI_COMMAND_MEMORY);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, 0xc0001010u, 4), 0xb0000010u);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, (16ull << 32) + 0x20, 4), 0xb0020020u);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xc104, 1), 0xff);   /* I/O still off */
	cfg_write(3, 4, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xc104, 4), 0xb0010004u);
	bus->pio_out(bus->opaque, 0xc108, 2, 0x1234);
	ck_assert_uint_eq(last_write, 1ull << 56 | 8ull << 32 | 0x1234);
	/* Moving a BAR moves its decoding. */
	cfg_write(3, 0x10, 4, 0xc0002000u);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, 0xc0001010u, 4), 0xffffffffu);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, 0xc0002010u, 4), 0xb0000010u);
	/* Sizing with decoding on may land on nothing; decoding off unmaps all. */
	cfg_write(3, 4, 2, 0);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, 0xc0002010u, 4), 0xffffffffu);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0xc104, 4), 0xffffffffu);
	ck_assert_uint_eq(m.nmmio, 0);
	ck_assert_uint_eq(m.npio, 2);                           /* 0xcf8 and 0xcfc */
}
END_TEST

START_TEST(ecam)
{
	ck_assert_int_eq(machine_register_mmio(&m, PCI_ECAM_BASE, PCI_ECAM_SIZE, &h, pci_host_ecam_read,
					       pci_host_ecam_write), 0);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE, 4), 0x12378086);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (3 << 15) + 2, 2), 0x0005);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (5 << 15), 4), 0xffffffffu);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (1 << 20), 4), 0xffffffffu);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (3 << 15) + (1 << 12), 4),
			  0xffffffffu);                         /* function 1 */
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (3 << 15) + 0x100, 4), 0);
	bus->mmio_write(bus->opaque, PCI_ECAM_BASE + (3 << 15) + 0x10, 4, 0xffffffffu);
	ck_assert_uint_eq(cfg_read(3, 0x10, 4), 0xfffff000u);
	bus->mmio_write(bus->opaque, PCI_ECAM_BASE + (3 << 15) + 0x3c, 1, 0x0b);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (3 << 15) + 0x3c, 1), 0x0b);
	ck_assert_uint_eq(bus->mmio_read(bus->opaque, PCI_ECAM_BASE + (3 << 15), 8),
			  0x00051b36ull | (uint64_t)cfg_read(3, 4, 4) << 32);
}
END_TEST

START_TEST(intx)
{
	for (unsigned n = 0; n < 4; n++)
		h.pirq[n] = (struct irq_line){ fake_pirq, NULL, n };
	memset(pirq_seen, 0, sizeof(pirq_seen));
	pci_dev_set_pin(&dev, 1);
	ck_assert_uint_eq(cfg_read(3, 0x3d, 1), 1);
	cfg_write(3, 0x3d, 1, 3);                               /* the pin is read-only */
	ck_assert_uint_eq(cfg_read(3, 0x3d, 1), 1);
	pci_set_irq(&dev, true);                                /* slot 3 INTA -> PIRQC */
	ck_assert_int_eq(pirq_seen[2], 1);
	ck_assert_uint_eq(cfg_read(3, 6, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
	cfg_write(3, 4, 2, PCI_COMMAND_INTX_DISABLE);
	ck_assert_int_eq(pirq_seen[2], 0);
	ck_assert_uint_eq(cfg_read(3, 6, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
	cfg_write(3, 4, 2, 0);
	ck_assert_int_eq(pirq_seen[2], 1);
	pci_set_irq(&dev, false);
	ck_assert_int_eq(pirq_seen[2], 0);
	ck_assert_uint_eq(cfg_read(3, 6, 2) & PCI_STATUS_INTERRUPT, 0);
	ck_assert_uint_eq(pci_slot_pirq(1, 1), 0);
	ck_assert_uint_eq(pci_slot_pirq(4, 4), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("conf1");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, enumerate);
	tcase_add_test(tc, bar_sizing);
	tcase_add_test(tc, bar_sizing_64);
	tcase_add_test(tc, bar_mapping);
	tcase_add_test(tc, ecam);
	tcase_add_test(tc, intx);
	suite_add_tcase(s, tc);
	return check_run(s);
}
