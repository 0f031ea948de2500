/*
 * hw/pci.h - PCI bus 0 behind the host bridge: configuration mechanism #1
 * (CONFIG_ADDRESS at 0xcf8, CONFIG_DATA at 0xcfc) and an ECAM window (PCI Express
 * enhanced configuration access, described to the OS by the ACPI MCFG table); BAR
 * sizing and mapping into the machine's port and MMIO dispatch; INTx lines.
 */
#ifndef ELZERO_HW_PCI_H
#define ELZERO_HW_PCI_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct pci_host;

#define PCI_NBARS 6
#define PCI_NSLOTS 32

/* Configuration header offsets (PCI Local Bus Specification 3.0, 6.1) */
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_BAR0            0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d
#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST  0x0010

/* BAR flags: the BAR's read-only low bits (6.2.5.1) */
#define PCI_BAR_IO       0x01
#define PCI_BAR_MEM64    0x04
#define PCI_BAR_PREFETCH 0x08

#define PCI_UNMAPPED UINT64_MAX

/* The ECAM window: bus b, device d, function f, register r at
 * PCI_ECAM_BASE + (b << 20 | d << 15 | f << 12 | r). Above the RAM below 4 GiB
 * (at most 3 GiB, hw/machine.c) and below the IOAPIC; the 32-bit BAR window is
 * [PCI_MMIO_BASE, PCI_ECAM_BASE). */
#define PCI_ECAM_BASE  0xe0000000ull
#define PCI_ECAM_BUSES 256u
#define PCI_ECAM_SIZE  ((uint64_t)PCI_ECAM_BUSES << 20)
#define PCI_MMIO_BASE  0xc0000000ull

/* A device's BAR accesses, by BAR number and offset in the BAR. */
typedef uint64_t (*pci_bar_read_fn)(void *opaque, unsigned bar, uint64_t offset, unsigned size);
typedef void (*pci_bar_write_fn)(void *opaque, unsigned bar, uint64_t offset, unsigned size,
				 uint64_t val);
/* Called after the guest wrote configuration bytes [reg, reg + size). */
typedef void (*pci_config_written_fn)(void *opaque, unsigned reg, unsigned size);

struct pci_dev;

struct pci_bar {
	uint64_t size;                  /* 0: no BAR (or the upper half of a 64-bit one) */
	unsigned flags;                 /* PCI_BAR_* */
	uint64_t mapped;                /* address decoded now, or PCI_UNMAPPED */
	struct pci_dev *dev;            /* back pointer: the dispatch's opaque is the BAR */
	unsigned index;
};

struct pci_dev {
	uint8_t config[256];
	uint8_t wmask[256];             /* writable bits of each config byte */
	uint8_t w1cmask[256];           /* bits a write of 1 clears (status) */
	struct pci_bar bar[PCI_NBARS];
	struct pci_host *host;          /* NULL until plugged */
	unsigned slot;
	bool intx;                      /* the device asserts its INTx pin */
	void *opaque;                   /* the device model, for the callbacks */
	pci_bar_read_fn bar_read;
	pci_bar_write_fn bar_write;
	pci_config_written_fn config_written;
	pci_config_written_fn config_reading;   /* before the guest reads [reg, reg + size) */
};

struct pci_host {
	uint32_t config_address;
	struct pci_dev *dev[PCI_NSLOTS];        /* bus 0, function 0 of each slot */
	struct machine *m;              /* where BARs are mapped (NULL: never) */
	struct irq_line pirq[4];        /* PIRQA..D: the INTx lines after the slot swizzle */
	uint8_t pirq_level;             /* bit n: PIRQ n asserted */
};

/* A device's identity: vendor/device, revision, class code (base, sub, prog-if). */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint8_t rev,
		  uint32_t class_code);
/* A BAR of size bytes, a power of two (I/O: 4..256; memory: at least 16). A 64-bit
 * memory BAR also takes bar + 1. Returns -1 if the request is malformed. */
int pci_dev_add_bar(struct pci_dev *d, unsigned bar, uint64_t size, unsigned flags);
static inline void pci_dev_set_bar(struct pci_dev *d, unsigned bar, uint32_t size, bool io)
{
	(void)pci_dev_add_bar(d, bar, size, io ? PCI_BAR_IO : 0);
}
/* Interrupt pin 1..4 (INTA..INTD) the device uses; 0: none. */
void pci_dev_set_pin(struct pci_dev *d, unsigned pin);
/* The device drives its INTx pin (level-triggered: held until the device lowers it). */
void pci_set_irq(struct pci_dev *d, bool level);
/* Configuration space as the guest sees it (both mechanisms come here). */
uint32_t pci_config_read(struct pci_dev *d, unsigned reg, unsigned size);
void pci_config_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val);

/* m may be NULL (no BAR is ever mapped: unit tests of configuration space). */
void pci_host_init(struct pci_host *h, struct machine *m);
/* Plug d in slot (0..31): -1 if taken. */
int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_dev *d);
/* A free slot at or after first, or -1. */
int pci_host_free_slot(const struct pci_host *h, unsigned first);
/* The PIRQ line (0..3) a slot's INTx pin (1..4) reaches, as on QEMU's pc: PIIX3
 * rotates the pins by slot. The DSDT's _PRT says the same. */
static inline unsigned pci_slot_pirq(unsigned slot, unsigned pin)
{
	return (pin - 1 + slot - 1) & 3;
}
/* Unmap every BAR (machine reset: the command registers are cleared). */
void pci_host_reset(struct pci_host *h);
/* 0xcf8 (one port: 32-bit accesses) and 0xcfc (4 ports). */
uint32_t pci_host_addr_read(void *dev, uint16_t port, unsigned size);
void pci_host_addr_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint32_t pci_host_data_read(void *dev, uint16_t port, unsigned size);
void pci_host_data_write(void *dev, uint16_t port, unsigned size, uint32_t val);
/* The ECAM window (PCI_ECAM_SIZE bytes at PCI_ECAM_BASE). */
uint64_t pci_host_ecam_read(void *dev, uint64_t offset, unsigned size);
void pci_host_ecam_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
