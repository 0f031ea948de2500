/*
 * tests/guest/platform/pcilib.h - PCI configuration access for the PCI guest tests:
 * mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2) and the ECAM window
 * (PCI Express Base 3.0, 7.2.2) at the address elzero's MCFG table gives.
 */
#ifndef PCILIB_H
#define PCILIB_H

#include "guest.h"

#define PCI_ECAM_BASE 0xe0000000ul

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
	return (volatile uint32_t *)(PCI_ECAM_BASE + (bus << 20 | slot << 15 | fn << 12 | reg));
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
