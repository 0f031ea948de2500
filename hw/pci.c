/*
 * hw/pci.c - PCI configuration mechanism #1 and type-0 configuration headers
 * (PCI Local Bus Specification 3.0, 3.2.2.3.2 and 6.1-6.2.5: header layout,
 * read-only identity, command register, BAR sizing by writing all ones).
 */
#include "hw/pci.h"

#include <string.h>

#define PCI_COMMAND 0x04
#define PCI_BAR0    0x10
#define PCI_INTERRUPT_LINE 0x3c

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint8_t rev,
		  uint32_t class_code)
{
	memset(d, 0, sizeof(*d));
	put16(d->config, vendor);
	put16(d->config + 2, device);
	d->config[8] = rev;
	d->config[9] = (uint8_t)class_code;             /* programming interface */
	d->config[10] = (uint8_t)(class_code >> 8);     /* sub-class */
	d->config[11] = (uint8_t)(class_code >> 16);    /* base class */
	/* Command: I/O space, memory space, bus master, parity, SERR, INTx disable. */
	d->wmask[PCI_COMMAND] = 0x47;
	d->wmask[PCI_COMMAND + 1] = 0x05;
	d->wmask[0x0c] = 0xff;                          /* cache line size */
	d->wmask[0x0d] = 0xff;                          /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_dev_set_bar(struct pci_dev *d, unsigned bar, uint32_t size, bool io)
{
	uint32_t mask = ~(size - 1) & (io ? ~3u : ~15u);

	if (bar >= PCI_NBARS || !size || (size & (size - 1)))
		return;
	d->bar_size[bar] = size;
	d->config[PCI_BAR0 + 4 * bar] = io ? 1 : 0;     /* I/O space indicator; memory: 32-bit */
	for (unsigned i = 0; i < 4; i++)
		d->wmask[PCI_BAR0 + 4 * bar + i] = (uint8_t)(mask >> (8 * i));
}

void pci_host_init(struct pci_host *h)
{
	memset(h, 0, sizeof(*h));
}

int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_dev *d)
{
	if (slot >= 32 || h->dev[slot])
		return -1;
	h->dev[slot] = d;
	return 0;
}

uint32_t pci_host_addr_read(void *dev, uint16_t port, unsigned size)
{
	struct pci_host *h = dev;

	(void)port;
	return size == 4 ? h->config_address : 0xffffffffu;
}

void pci_host_addr_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pci_host *h = dev;

	(void)port;
	if (size == 4)  /* only doubleword accesses reach CONFIG_ADDRESS (3.2.2.3.2) */
		h->config_address = val & 0x80fffffcu;
}

/* The device and register offset CONFIG_ADDRESS selects, or NULL (master abort). */
static struct pci_dev *selected(struct pci_host *h, unsigned *reg)
{
	uint32_t a = h->config_address;

	if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0 || ((a >> 8) & 7) != 0)
		return NULL;    /* disabled, another bus, or a function other than 0 */
	*reg = a & 0xfc;
	return h->dev[(a >> 11) & 31];
}

uint32_t pci_host_data_read(void *dev, uint16_t port, unsigned size)
{
	unsigned reg, off = port & 3;
	struct pci_dev *d = selected(dev, &reg);
	uint32_t val = 0;

	if (!d)
		return 0xffffffffu;     /* master abort: all ones */
	for (unsigned i = 0; i < size && off + i < 4; i++)
		val |= (uint32_t)d->config[reg + off + i] << (8 * i);
	return val;
}

void pci_host_data_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	unsigned reg, off = port & 3;
	struct pci_dev *d = selected(dev, &reg);

	if (!d)
		return;
	for (unsigned i = 0; i < size && off + i < 4; i++) {
		unsigned r = reg + off + i;
		uint8_t w = d->wmask[r];

		d->config[r] = (uint8_t)((d->config[r] & ~w) | ((val >> (8 * i)) & w));
	}
}
