/*
 * hw/pci.h - PCI bus 0 behind the host bridge's configuration mechanism #1
 * (CONFIG_ADDRESS at 0xcf8, CONFIG_DATA at 0xcfc), with BAR sizing.
 */
#ifndef ELZERO_HW_PCI_H
#define ELZERO_HW_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_NBARS 6

struct pci_dev {
	uint8_t config[256];
	uint8_t wmask[256];             /* writable bits of each config byte */
	uint32_t bar_size[PCI_NBARS];   /* 0: no BAR */
};

struct pci_host {
	uint32_t config_address;
	struct pci_dev *dev[32];        /* bus 0, function 0 of each slot */
};

/* A device's identity: vendor/device, revision, class code (base, sub, prog-if). */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint8_t rev,
		  uint32_t class_code);
/* A BAR of size bytes (a power of two; I/O: at least 4, memory: at least 16). */
void pci_dev_set_bar(struct pci_dev *d, unsigned bar, uint32_t size, bool io);
void pci_host_init(struct pci_host *h);
/* Plug d in slot (0..31): -1 if taken. */
int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_dev *d);
/* 0xcf8 (one port: 32-bit accesses) and 0xcfc (4 ports). */
uint32_t pci_host_addr_read(void *dev, uint16_t port, unsigned size);
void pci_host_addr_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint32_t pci_host_data_read(void *dev, uint16_t port, unsigned size);
void pci_host_data_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
