/*
 * tests/guest/platform/pcilib.h - PCI configuration access for the PCI guest tests:
 * mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2) and the ECAM window
 * (PCI Express Base 3.0, 7.2.2) at the address the ACPI MCFG table gives.
 */
#ifndef PCILIB_H
#define PCILIB_H

#include "guest.h"

/* The ECAM base from the MCFG table, found through the RSDP (ACPI 6.4, 5.2.5.1:
 * on a 16-byte boundary in 0xe0000-0xfffff) and the RSDT; 0 if there is none. */
static inline unsigned long pci_ecam_base(void)
{
	for (unsigned long p = 0xe0000; p < 0x100000; p += 16) {
		const uint8_t *rsdp = (const uint8_t *)p, *rsdt;
		uint32_t len;

		if (memcmp(rsdp, "RSD PTR ", 8))
			continue;
		rsdt = (const uint8_t *)(unsigned long)*(const uint32_t *)(rsdp + 16);
		len = *(const uint32_t *)(rsdt + 4);
		for (uint32_t i = 36; i + 4 <= len; i += 4) {
			const uint8_t *t = (const uint8_t *)(unsigned long)*(const uint32_t *)(rsdt + i);

			if (!memcmp(t, "MCFG", 4))
				return *(const uint32_t *)(t + 44);
		}
		return 0;
	}
	return 0;
}

static inline uint32_t pci_conf1_addr(unsigned slot, unsigned reg)
{
	return 0x80000000u | slot << 11 | (reg & 0xfc);
}

static inline uint32_t pci_read32(unsigned slot, unsigned reg)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	return inl(0xcfc);
}

static inline uint16_t pci_read16(unsigned slot, unsigned reg)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	return inw((uint16_t)(0xcfc + (reg & 2)));
}

static inline uint8_t pci_read8(unsigned slot, unsigned reg)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	return inb((uint16_t)(0xcfc + (reg & 3)));
}

static inline void pci_write32(unsigned slot, unsigned reg, uint32_t v)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	outl(0xcfc, v);
}

static inline void pci_write16(unsigned slot, unsigned reg, uint16_t v)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	outw((uint16_t)(0xcfc + (reg & 2)), v);
}

static inline void pci_write8(unsigned slot, unsigned reg, uint8_t v)
{
	outl(0xcf8, pci_conf1_addr(slot, reg));
	outb((uint16_t)(0xcfc + (reg & 3)), v);
}

static inline volatile uint32_t *pci_ecam(unsigned bus, unsigned slot, unsigned fn, unsigned reg)
{
	static unsigned long base;

	if (!base)
		base = pci_ecam_base();
	return (volatile uint32_t *)(base + (bus << 20 | slot << 15 | fn << 12 | reg));
}

/* The first slot with vendor:device (from slot 'from'), or -1. */
static inline int pci_find(uint16_t vendor, uint16_t device, unsigned from)
{
	for (unsigned s = from; s < 32; s++)
		if (pci_read32(s, 0) == ((uint32_t)device << 16 | vendor))
			return (int)s;
	return -1;
}

#endif
