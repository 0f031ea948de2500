/*
 * hw/pci.c - PCI configuration mechanism #1, the ECAM window and type-0
 * configuration headers (PCI Local Bus Specification 3.0: 3.2.2.3.2 mechanism #1,
 * 6.1-6.2.5 header layout, read-only identity, command and status registers, BAR
 * sizing by writing all ones, 6.2.4 interrupt line/pin; PCI Express Base 3.0,
 * 7.2.2 enhanced configuration access). BARs are mapped into the machine's
 * dispatch while the command register enables their decoding.
 */
#include "hw/pci.h"

#include "cpu/cpu.h"
#include "hw/machine.h"

#include <string.h>

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
	/* Status: the error bits are cleared by writing 1 (6.2.3). */
	d->w1cmask[PCI_STATUS + 1] = 0xf9;
	d->wmask[0x0c] = 0xff;                          /* cache line size */
	d->wmask[0x0d] = 0xff;                          /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	for (unsigned i = 0; i < PCI_NBARS; i++)
		d->bar[i] = (struct pci_bar){ .mapped = PCI_UNMAPPED, .dev = d, .index = i };
}

int pci_dev_add_bar(struct pci_dev *d, unsigned bar, uint64_t size, unsigned flags)
{
	bool io = flags & PCI_BAR_IO, wide = !io && (flags & PCI_BAR_MEM64);
	uint64_t mask = ~(size - 1) & (io ? ~3ull : ~15ull);
	unsigned reg = PCI_BAR0 + 4 * bar;

	if (bar >= PCI_NBARS || (wide && bar + 1 >= PCI_NBARS) || !size || (size & (size - 1)) ||
	    (io && (size < 4 || size > 256)) || (!io && size < 16) || (!wide && size > (1ull << 31)))
		return -1;
	d->bar[bar].size = size;
	d->bar[bar].flags = io ? PCI_BAR_IO : flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	d->config[reg] = (uint8_t)d->bar[bar].flags;
	for (unsigned i = 0; i < 4; i++)
		d->wmask[reg + i] = (uint8_t)(mask >> (8 * i));
	if (wide) {
		for (unsigned i = 0; i < 4; i++)
			d->wmask[reg + 4 + i] = (uint8_t)(mask >> (32 + 8 * i));
	}
	return 0;
}

void pci_dev_set_pin(struct pci_dev *d, unsigned pin)
{
	d->config[PCI_INTERRUPT_PIN] = (uint8_t)(pin <= 4 ? pin : 0);
}

/* ---------------------------------------------------------------- INTx */

/* Recompute the PIRQ lines from every device's pin (a PIRQ line is wired-OR). */
static void pci_host_update_pirq(struct pci_host *h)
{
	uint8_t level = 0;

	for (unsigned s = 0; s < PCI_NSLOTS; s++) {
		const struct pci_dev *d = h->dev[s];
		unsigned pin;

		if (!d || !d->intx || (d->config[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8)))
			continue;
		pin = d->config[PCI_INTERRUPT_PIN];
		if (pin >= 1 && pin <= 4)
			level |= (uint8_t)(1u << pci_slot_pirq(s, pin));
	}
	for (unsigned n = 0; n < 4; n++)
		if ((level ^ h->pirq_level) & (1u << n))
			irq_set(&h->pirq[n], !!(level & (1u << n)));
	h->pirq_level = level;
}

void pci_set_irq(struct pci_dev *d, bool level)
{
	d->intx = level;
	/* Interrupt Status reflects the pin whatever Interrupt Disable says (6.2.3). */
	if (level)
		d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	if (d->host)
		pci_host_update_pirq(d->host);
}

/* ---------------------------------------------------------------- BAR mapping */

static uint64_t bar_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pci_bar *b = opaque;

	return b->dev->bar_read ? b->dev->bar_read(b->dev->opaque, b->index, offset, size)
				: size_mask(size);
}

static void bar_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t val)
{
	struct pci_bar *b = opaque;

	if (b->dev->bar_write)
		b->dev->bar_write(b->dev->opaque, b->index, offset, size, val);
}

static uint32_t bar_pio_read(void *opaque, uint16_t port, unsigned size)
{
	struct pci_bar *b = opaque;

	return (uint32_t)bar_mmio_read(opaque, port - b->mapped, size);
}

static void bar_pio_write(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct pci_bar *b = opaque;

	bar_mmio_write(opaque, port - b->mapped, size, val);
}

static uint32_t config_dword(const struct pci_dev *d, unsigned reg)
{
	return (uint32_t)d->config[reg] | (uint32_t)d->config[reg + 1] << 8 |
	       (uint32_t)d->config[reg + 2] << 16 | (uint32_t)d->config[reg + 3] << 24;
}

/* Where BAR i decodes now, or PCI_UNMAPPED: decoding off, address 0, or a range
 * that wraps or (I/O) leaves the 64 KiB port space. */
static uint64_t bar_address(const struct pci_dev *d, unsigned i)
{
	const struct pci_bar *b = &d->bar[i];
	unsigned reg = PCI_BAR0 + 4 * i;
	uint16_t cmd = (uint16_t)(d->config[PCI_COMMAND] | d->config[PCI_COMMAND + 1] << 8);
	uint64_t addr;

	if (b->flags & PCI_BAR_IO) {
		addr = config_dword(d, reg) & ~3u;
		if (!(cmd & PCI_COMMAND_IO) || !addr || addr + b->size > 0x10000)
			return PCI_UNMAPPED;
		return addr;
	}
	addr = config_dword(d, reg) & ~15u;
	if (b->flags & PCI_BAR_MEM64)
		addr |= (uint64_t)config_dword(d, reg + 4) << 32;
	if (!(cmd & PCI_COMMAND_MEMORY) || !addr || addr + b->size < addr ||
	    addr + b->size > (1ull << 52))
		return PCI_UNMAPPED;
	return addr;
}

static void bar_unmap(struct machine *m, struct pci_bar *b)
{
	if (b->mapped == PCI_UNMAPPED)
		return;
	if (b->flags & PCI_BAR_IO)
		machine_unregister_pio(m, (uint16_t)b->mapped, b);
	else
		machine_unregister_mmio(m, b->mapped, b);
	b->mapped = PCI_UNMAPPED;
}

/* Follow the BARs and the command register: map what decodes, unmap what no
 * longer does. A BAR placed over another device is left unmapped (logged once). */
static void pci_update_mappings(struct pci_dev *d)
{
	struct machine *m = d->host ? d->host->m : NULL;

	if (!m)
		return;
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t addr;
		int rc;

		if (!b->size)
			continue;
		addr = bar_address(d, i);
		if (addr == b->mapped)
			continue;
		bar_unmap(m, b);
		if (addr == PCI_UNMAPPED)
			continue;
		if (b->flags & PCI_BAR_IO)
			rc = machine_register_pio(m, (uint16_t)addr, (uint16_t)b->size, b, bar_pio_read,
						  bar_pio_write);
		else
			rc = machine_register_mmio(m, addr, b->size, b, bar_mmio_read, bar_mmio_write);
		if (rc)
			cpu_log_unimp("PCI BAR overlapping another device (left unmapped)", addr, NULL);
		else
			b->mapped = addr;
	}
}

/* ---------------------------------------------------------------- configuration space */

uint32_t pci_config_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	uint32_t val = 0;

	if (d->config_reading && reg < sizeof(d->config))
		d->config_reading(d->opaque, reg, size);
	for (unsigned i = 0; i < size && reg + i < sizeof(d->config); i++)
		val |= (uint32_t)d->config[reg + i] << (8 * i);
	return val;
}

void pci_config_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	unsigned n = 0;

	for (unsigned i = 0; i < size && reg + i < sizeof(d->config); i++, n++) {
		unsigned r = reg + i;
		uint8_t b = (uint8_t)(val >> (8 * i)), w = d->wmask[r];

		d->config[r] = (uint8_t)(((d->config[r] & ~w) | (b & w)) & ~(b & d->w1cmask[r]));
	}
	if (!n)
		return;
	if (reg < PCI_BAR0 + 4 * PCI_NBARS && reg + n > PCI_COMMAND)
		pci_update_mappings(d);
	if (reg <= PCI_COMMAND + 1 && reg + n > PCI_COMMAND + 1 && d->host)
		pci_host_update_pirq(d->host);          /* Interrupt Disable changed */
	if (d->config_written)
		d->config_written(d->opaque, reg, n);
}

/* ---------------------------------------------------------------- the host bridge */

void pci_host_init(struct pci_host *h, struct machine *m)
{
	memset(h, 0, sizeof(*h));
	h->m = m;
}

int pci_host_plug(struct pci_host *h, unsigned slot, struct pci_dev *d)
{
	if (slot >= PCI_NSLOTS || h->dev[slot])
		return -1;
	h->dev[slot] = d;
	d->host = h;
	d->slot = slot;
	return 0;
}

int pci_host_free_slot(const struct pci_host *h, unsigned first)
{
	for (unsigned s = first; s < PCI_NSLOTS; s++)
		if (!h->dev[s])
			return (int)s;
	return -1;
}

void pci_host_reset(struct pci_host *h)
{
	for (unsigned s = 0; s < PCI_NSLOTS; s++) {
		struct pci_dev *d = h->dev[s];

		if (!d)
			continue;
		d->config[PCI_COMMAND] = 0;
		d->config[PCI_COMMAND + 1] = 0;
		pci_update_mappings(d);
	}
	pci_host_update_pirq(h);
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

/* The device at bus/slot/function, or NULL (master abort). Only bus 0 exists, and
 * each device has function 0 only. */
static struct pci_dev *pci_find(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn)
{
	if (bus != 0 || fn != 0 || slot >= PCI_NSLOTS)
		return NULL;
	return h->dev[slot];
}

static struct pci_dev *selected(struct pci_host *h, unsigned *reg)
{
	uint32_t a = h->config_address;

	if (!(a & 0x80000000u))
		return NULL;
	*reg = a & 0xfc;
	return pci_find(h, (a >> 16) & 0xff, (a >> 11) & 31, (a >> 8) & 7);
}

uint32_t pci_host_data_read(void *dev, uint16_t port, unsigned size)
{
	unsigned reg, off = port & 3;
	struct pci_dev *d = selected(dev, &reg);

	if (!d)
		return 0xffffffffu;     /* master abort: all ones */
	return pci_config_read(d, reg + off, off + size > 4 ? 4 - off : size);
}

void pci_host_data_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	unsigned reg, off = port & 3;
	struct pci_dev *d = selected(dev, &reg);

	if (d)
		pci_config_write(d, reg + off, off + size > 4 ? 4 - off : size, val);
}

/* ECAM: a function's 4 KiB; registers above 0xff (extended capabilities) read 0 for
 * these conventional devices, which have none. */
uint64_t pci_host_ecam_read(void *dev, uint64_t offset, unsigned size)
{
	struct pci_dev *d = pci_find(dev, (unsigned)(offset >> 20), (offset >> 15) & 31,
				     (offset >> 12) & 7);
	unsigned reg = offset & 0xfff;

	if (!d)
		return size_mask(size);
	if (size > 4)   /* a quadword: two doublewords */
		return pci_host_ecam_read(dev, offset, 4) | pci_host_ecam_read(dev, offset + 4, 4) << 32;
	if (reg + size > 0x1000)
		return size_mask(size);
	return reg >= 0x100 ? 0 : pci_config_read(d, reg, reg + size > 0x100 ? 0x100 - reg : size);
}

void pci_host_ecam_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct pci_dev *d = pci_find(dev, (unsigned)(offset >> 20), (offset >> 15) & 31,
				     (offset >> 12) & 7);
	unsigned reg = offset & 0xfff;

	if (!d)
		return;
	if (size > 4) {
		pci_host_ecam_write(dev, offset, 4, (uint32_t)val);
		pci_host_ecam_write(dev, offset + 4, 4, val >> 32);
		return;
	}
	if (reg < 0x100)
		pci_config_write(d, reg, reg + size > 0x100 ? 0x100 - reg : size, (uint32_t)val);
}
