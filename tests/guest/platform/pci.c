/*
 * tests/guest/platform/pci.c - the PCI bus as an OS sees it: enumeration through
 * configuration mechanism #1 and through ECAM (same contents), BAR sizing (memory,
 * I/O, 64-bit prefetchable), BARs mapped and unmapped by the command register, and
 * QEMU's pci-testdev driven as kvm-unit-tests drives it (run with -device pci-testdev).
 */
#include "pcilib.h"

#define TESTDEV_MEM 0xd0000000ul
#define TESTDEV_IO  0xd000u

/* Write all ones to a BAR, read the mask back, restore it (PCI 3.0, 6.2.5.1). */
static uint32_t bar_probe(unsigned slot, unsigned bar)
{
	unsigned reg = 0x10 + 4 * bar;
	uint32_t old = pci_read32(slot, reg), mask;

	pci_write32(slot, reg, 0xffffffffu);
	mask = pci_read32(slot, reg);
	pci_write32(slot, reg, old);
	return mask;
}

static void test_enumerate(void)
{
	unsigned found = 0, same = 0;
	unsigned long ecam = pci_ecam_base();

	expect_eq(pci_read32(0, 0), 0x12378086, "00:00.0 is the i440FX host bridge");
	expect_eq(pci_read32(1, 0), 0x70008086, "00:01.0 is the PIIX3 ISA bridge");
	expect_eq(pci_read32(0, 8) >> 8, 0x060000, "host bridge class");
	outl(0xcf8, pci_conf1_addr(0, 0) | 1u << 16);          /* bus 1: nothing there */
	expect_eq(inl(0xcfc), 0xffffffffu, "no bus 1 (master abort reads all ones)");
	expect_eq(pci_read32(31, 0), 0xffffffffu, "empty slot reads all ones");
	for (unsigned s = 0; s < 32; s++) {
		if (pci_read32(s, 0) == 0xffffffffu)
			continue;
		found++;
		for (unsigned r = 0; ecam && r < 0x40; r += 4)
			if (*pci_ecam(0, s, 0, r) != pci_read32(s, r))
				break;
			else if (r == 0x3c)
				same++;
	}
	report(found >= 3, "mechanism #1 finds %u devices", found);
	if (!ecam) {
		report_skip("ECAM", "no MCFG table");
		return;
	}
	expect_eq(ecam, 0xe0000000ul, "MCFG: ECAM at 0xe0000000");
	expect_eq(same, found, "ECAM shows the same headers as mechanism #1");
	expect_eq(*pci_ecam(1, 0, 0, 0), 0xffffffffu, "ECAM: no bus 1");
	expect_eq(*pci_ecam(0, 0, 1, 0), 0xffffffffu, "ECAM: no function 1");
	*pci_ecam(0, 1, 0, 0x60) = 0x0b0a0980;                  /* PIRQ routes through ECAM */
	expect_eq(pci_read32(1, 0x60), 0x0b0a0980, "ECAM writes reach the device");
	pci_write32(1, 0x60, 0x0b0b0a0a);
}

static void test_sizing(int slot)
{
	uint16_t cmd = pci_read16((unsigned)slot, 4);

	pci_write16((unsigned)slot, 4, 0);                      /* no decoding while sizing */
	expect_eq(bar_probe((unsigned)slot, 0), 0xfffff000u, "testdev BAR0: 4 KiB, memory, 32-bit");
	expect_eq(bar_probe((unsigned)slot, 1), 0xffffff01u, "testdev BAR1: 256 ports, I/O");
	expect_eq(bar_probe((unsigned)slot, 2), 0, "testdev BAR2 absent");
	expect_eq(pci_read8((unsigned)slot, 0x3d), 0, "testdev has no interrupt pin");
	pci_write16((unsigned)slot, 4, cmd);
}

static void test_virtio_bar(void)
{
	int s = pci_find(0x1af4, 0x1042, 0);

	if (s < 0) {
		report_skip("virtio BAR4 sizing", "no virtio-blk-pci");
		return;
	}
	pci_write16((unsigned)s, 4, 0);
	expect_eq(bar_probe((unsigned)s, 4), 0xffffc00cu, "virtio BAR4: 16 KiB, 64-bit, prefetchable");
	expect_eq(bar_probe((unsigned)s, 5), 0xffffffffu, "virtio BAR5: the upper half, all writable");
	expect_eq(pci_read8((unsigned)s, 0x3d), 1, "virtio uses INTA");
}

/* kvm-unit-tests' pci_testdev_one(): select test n, check its header, write its
 * data 16 times where it says, and see the count. */
static bool testdev_one(volatile uint8_t *mem, uint16_t io, unsigned n, char *name)
{
	uint32_t off, data, count;
	uint8_t width;

	if (mem)
		mem[0] = (uint8_t)n;
	else
		outb(io, (uint8_t)n);
	count = mem ? *(volatile uint32_t *)(mem + 12) : inl((uint16_t)(io + 12));
	width = mem ? mem[1] : inb((uint16_t)(io + 1));
	if (count != 0 || width != 1)
		return false;
	data = mem ? *(volatile uint32_t *)(mem + 8) : inl((uint16_t)(io + 8));
	off = mem ? *(volatile uint32_t *)(mem + 4) : inl((uint16_t)(io + 4));
	for (unsigned i = 0; i < 16; i++) {
		if (mem)
			mem[off] = (uint8_t)data;
		else
			outb((uint16_t)(io + off), (uint8_t)data);
	}
	for (unsigned i = 0; i < 31; i++) {
		name[i] = (char)(mem ? mem[16 + i] : inb((uint16_t)(io + 16 + i)));
		name[i + 1] = 0;
		if (!name[i])
			break;
	}
	/* Under QEMU with an eventfd on the address the writes never reach the device:
	 * kvm-unit-tests accepts a count of 0 too. */
	count = mem ? *(volatile uint32_t *)(mem + 12) : inl((uint16_t)(io + 12));
	return count == 0 || count == 16;
}

static void test_testdev(int slot)
{
	volatile uint8_t *mem = (volatile uint8_t *)TESTDEV_MEM;
	char name[32];
	unsigned n;

	pci_write16((unsigned)slot, 4, 0);
	pci_write32((unsigned)slot, 0x10, TESTDEV_MEM);
	pci_write32((unsigned)slot, 0x14, TESTDEV_IO);
	/* Nothing answers there (all ones on hardware and elzero, 0 under QEMU): the
	 * header's width byte (1 once a test is selected) is not what is read. */
	report(mem[1] != 1, "BAR0 not decoded before the command bit");
	pci_write16((unsigned)slot, 4, 3);                      /* I/O and memory decoding */
	expect_eq(pci_read32((unsigned)slot, 0x10), TESTDEV_MEM, "BAR0 keeps the address");
	expect_eq(pci_read32((unsigned)slot, 0x14), TESTDEV_IO | 1, "BAR1 keeps the port");
	for (n = 0; testdev_one(mem, 0, n, name); n++)
		report(!strncmp(name, "mmio-", 5), "memory test %u: %s", n, name);
	expect_eq(n, 3, "three memory tests");
	for (n = 0; testdev_one(NULL, TESTDEV_IO, n, name); n++)
		report(!strncmp(name, "portio-", 7), "port test %u: %s", n, name);
	expect_eq(n, 3, "three port tests");
	mem[0] = 0;                                             /* no-eventfd */
	mem[2048] = 0x12;                                       /* wrong data: not counted */
	mem[2048] = 0xfa;
	expect_eq(*(volatile uint32_t *)(mem + 12), 1, "datamatch counts only the data byte");

	/* Move BAR0: the old address goes dead, the new one answers. */
	pci_write32((unsigned)slot, 0x10, TESTDEV_MEM + 0x10000);
	report(mem[1] != 1, "old BAR0 address no longer decodes");
	expect_eq(((volatile uint8_t *)TESTDEV_MEM)[0x10000 + 1], 1, "moved BAR0 decodes");
	pci_write16((unsigned)slot, 4, 1);                      /* memory off, I/O on */
	report(((volatile uint8_t *)TESTDEV_MEM)[0x10000 + 1] != 1, "memory decoding off");
	expect_eq(inb(TESTDEV_IO + 1), 1, "I/O still decodes");
	pci_write16((unsigned)slot, 4, 0);
	report(inb(TESTDEV_IO + 1) != 1, "I/O decoding off");
}

int main(void)
{
	int slot;

	test_enumerate();
	slot = pci_find(0x1b36, 0x0005, 0);
	if (slot < 0) {
		report_fail("pci-testdev", "not found (run with -device pci-testdev)");
		return 0;
	}
	expect_eq(pci_read32((unsigned)slot, 8) >> 8, 0x00ff00, "pci-testdev class");
	test_sizing(slot);
	test_virtio_bar();
	test_testdev(slot);
	return 0;
}
