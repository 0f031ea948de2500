/*
 * hw/pci_testdev.c - pci-testdev with the register layout of QEMU's
 * hw/misc/pci-testdev.c (the behaviour kvm-unit-tests checks; no real hardware
 * counterpart). Each of BAR0 (memory) and BAR1 (I/O) starts with a header:
 *   +0 test (write: select test n of this BAR; n >= 3 deselects)
 *   +1 width of the access the test counts (1)
 *   +4 offset in the BAR where the test's writes go (32-bit)
 *   +8 data the test matches (byte), +12 count of matching writes (32-bit),
 *   +16 the test's name, NUL-terminated.
 * Tests: "<mmio|portio>-no-eventfd" and "-datamatch-eventfd" count byte writes of
 * the data byte 0xfa; "-wildcard-eventfd" counts any byte write (data reads 0xce).
 * The header reads as zero while no test is selected. Accesses are byte accesses:
 * wider ones act as that many byte accesses, as QEMU splits them.
 */
#include "hw/pci_testdev.h"

#include <string.h>

#define MEMSIZE 2048u           /* BAR0 is 2 * MEMSIZE; tests write at MEMSIZE + n */
#define IOSIZE  128u            /* BAR1 is 2 * IOSIZE */

static const char *const test_names[2 * PCI_TESTDEV_TESTS] = {
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

static bool test_matches_data(unsigned i) { return i % PCI_TESTDEV_TESTS != 1; }
static uint32_t test_offset(unsigned i) { return (i < PCI_TESTDEV_TESTS ? MEMSIZE : IOSIZE) + i; }
static uint8_t test_data(unsigned i) { return test_matches_data(i) ? 0xfa : 0xce; }

/* Byte off of the selected test's header; 0 past its end (QEMU: the last byte, the
 * name's NUL, reads 0 as well). */
static uint8_t header_byte(const struct pci_testdev *t, uint64_t off)
{
	unsigned i = (unsigned)t->current;
	size_t len = 16 + strlen(test_names[i]) + 1;
	uint32_t v;

	if (off + 1 >= len)
		return 0;
	switch (off) {
	case 0: return (uint8_t)i;
	case 1: return 1;
	case 8: return test_data(i);
	default: break;
	}
	if (off >= 4 && off < 8)
		v = test_offset(i);
	else if (off >= 12 && off < 16)
		v = t->count[i];
	else if (off >= 16)
		return (uint8_t)test_names[i][off - 16];
	else
		return 0;
	return (uint8_t)(v >> (8 * (off & 3)));
}

static uint64_t testdev_read(void *opaque, unsigned bar, uint64_t offset, unsigned size)
{
	struct pci_testdev *t = opaque;
	uint64_t val = 0;

	if (bar > 1 || t->current < 0)
		return 0;
	for (unsigned k = 0; k < size; k++)
		val |= (uint64_t)header_byte(t, offset + k) << (8 * k);
	return val;
}

static void testdev_write_byte(struct pci_testdev *t, unsigned bar, uint64_t off, uint8_t b)
{
	unsigned i;

	if (off == 0) {                 /* select a test of this BAR */
		t->current = b < PCI_TESTDEV_TESTS ? (int)(bar * PCI_TESTDEV_TESTS + b) : -1;
		if (t->current >= 0)
			t->count[t->current] = 0;
		return;
	}
	if (t->current < 0)
		return;
	i = (unsigned)t->current;
	if (off != test_offset(i) || (test_matches_data(i) && b != test_data(i)))
		return;
	t->count[i]++;
}

static void testdev_write(void *opaque, unsigned bar, uint64_t offset, unsigned size, uint64_t val)
{
	if (bar > 1)
		return;
	for (unsigned k = 0; k < size; k++)
		testdev_write_byte(opaque, bar, offset + k, (uint8_t)(val >> (8 * k)));
}

int pci_testdev_init(struct pci_testdev *t, uint64_t membar)
{
	memset(t, 0, sizeof(*t));
	pci_dev_init(&t->dev, 0x1b36, 0x0005, 0x00, 0x00ff00);   /* Red Hat, "other" class */
	t->current = -1;
	t->dev.opaque = t;
	t->dev.bar_read = testdev_read;
	t->dev.bar_write = testdev_write;
	if (pci_dev_add_bar(&t->dev, 0, 2 * MEMSIZE, 0) ||
	    pci_dev_add_bar(&t->dev, 1, 2 * IOSIZE, PCI_BAR_IO))
		return -1;
	if (membar && pci_dev_add_bar(&t->dev, 2, membar, PCI_BAR_MEM64 | PCI_BAR_PREFETCH))
		return -1;
	return 0;
}
