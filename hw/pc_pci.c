/*
 * hw/pc_pci.c - the PC's PCI bus: the i440FX host bridge (00:00.0), the PIIX3 ISA
 * bridge (00:01.0), the ECAM window, and the PCI devices -device and -drive ask
 * for (pci-testdev, virtio-blk-pci). No firmware runs before the kernel, so this
 * file also does what SeaBIOS would: assign BARs, enable decoding, steer PIRQs.
 */
#include "hw/pc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PIC IRQs PIRQA..D are steered to, as SeaBIOS does on QEMU's pc. */
static const uint8_t pirq_isa_irq[4] = { 10, 10, 11, 11 };
#define PC_PCI_IO_BASE 0xc000u

/* One line on stderr naming what is wrong; returns -1. */
static int __attribute__((format(printf, 1, 2))) pci_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "elzero: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int pc_pci_init(struct pc *pc)
{
	struct machine *m = &pc->m;

	pci_host_init(&pc->pci, m);
	pci_dev_init(&pc->pci_host_bridge, 0x8086, 0x1237, 0x02, 0x060000);
	piix3_init(&pc->piix, &pc->pic, &pc->ioapic);
	for (unsigned n = 0; n < 4; n++)
		pc->pci.pirq[n] = (struct irq_line){ piix3_set_pirq, &pc->piix, n };
	if (pci_host_plug(&pc->pci, 0, &pc->pci_host_bridge) ||
	    pci_host_plug(&pc->pci, 1, &pc->piix.dev) ||
	    machine_register_pio(m, 0xcf8, 1, &pc->pci, pci_host_addr_read, pci_host_addr_write) ||
	    machine_register_pio(m, 0xcfc, 4, &pc->pci, pci_host_data_read, pci_host_data_write) ||
	    machine_register_mmio(m, PCI_ECAM_BASE, PCI_ECAM_SIZE, &pc->pci, pci_host_ecam_read,
				  pci_host_ecam_write))
		return pci_fail("cannot register the PCI host bridge");
	return 0;
}

/* Translated code in RAM a device wrote is stale, as after a CPU write: each
 * vCPU's hook drops what came from those pages. */
static void pc_dma_written(void *opaque, uint64_t paddr, uint64_t len)
{
	struct pc *pc = opaque;
	uint64_t end = paddr + len;

	while (paddr < end) {
		uint64_t next = (paddr | 0xfff) + 1;
		uint64_t n = (next < end ? next : end) - paddr;

		for (unsigned i = 0; i < pc->ncpus; i++) {
			struct vcpu *v = pc->cpus[i];

			if (v && v->code_write_hook && cpu_bus_code_page(&pc->m.bus, paddr))
				v->code_write_hook(v, paddr, (unsigned)n);
		}
		paddr = next;
	}
}

/* The slot a device goes to: addr=SLOT[.0], else the first free one from 2. */
static int pc_pci_slot(struct pc *pc, const struct device_config *d)
{
	const char *addr = device_prop_value(pc->cfg, d, "addr");
	char buf[16];
	uint64_t slot;
	int s;

	if (!addr) {
		s = pci_host_free_slot(&pc->pci, 2);
		if (s < 0)
			return pci_fail("-device %s: the PCI bus is full", d->driver);
		return s;
	}
	snprintf(buf, sizeof(buf), "%s", addr);
	if (strchr(buf, '.')) {
		if (strcmp(strchr(buf, '.'), ".0") && strcmp(strchr(buf, '.'), ".00"))
			return pci_fail("-device %s: addr=%s: only function 0 is supported", d->driver, addr);
		*strchr(buf, '.') = '\0';
	}
	/* QEMU reads the slot in hex, with or without 0x */
	{
		char hex[24];

		snprintf(hex, sizeof(hex), "0x%s", strncmp(buf, "0x", 2) ? buf : buf + 2);
		if (parse_uint(hex, &slot))
			return pci_fail("-device %s: addr=%s: not a slot number", d->driver, addr);
	}
	if (slot >= PCI_NSLOTS || pc->pci.dev[slot])
		return pci_fail("-device %s: addr=%s: no such slot, or taken", d->driver, addr);
	return (int)slot;
}

static int pc_add_virtio_blk(struct pc *pc, const struct drive_config *drv, const char *serial,
			     int slot)
{
	struct virtio_blk *b;
	char err[256];

	if (pc->nvblk == MACHINE_MAX_DRIVES)
		return pci_fail("%s: too many virtio disks", drv->file);
	b = malloc(sizeof(*b));
	if (!b)
		return pci_fail("out of memory");
	if (virtio_blk_init(b, &pc->m.bus, drv->file, drv->readonly, serial, err, sizeof(err))) {
		free(b);
		return pci_fail("-drive file=%s: %s", drv->file, err);
	}
	pc->vblk[pc->nvblk++] = b;
	b->path = drv->file;
	b->vp.dma_written = pc_dma_written;
	b->vp.dma_opaque = pc;
	if (slot < 0)
		slot = pci_host_free_slot(&pc->pci, 2);
	if (slot < 0 || pci_host_plug(&pc->pci, (unsigned)slot, &b->vp.pci))
		return pci_fail("-drive file=%s: the PCI bus is full", drv->file);
	return 0;
}

int pc_pci_add_drives(struct pc *pc)
{
	for (unsigned i = 0; i < pc->cfg->ndrives; i++)
		if (pc->cfg->drives[i].virtio && pc_add_virtio_blk(pc, &pc->cfg->drives[i], NULL, -1))
			return -1;
	return 0;
}

/* -device virtio-blk-pci,drive=ID: the if=none drive named ID, once. */
static int pc_pci_virtio_blk(struct pc *pc, const struct device_config *d, int slot)
{
	const char *id = device_prop_value(pc->cfg, d, "drive");
	bool off = false;

	if (!device_prop_bool(pc->cfg, d, "disable-modern", &off) && off)
		return pci_fail("-device virtio-blk-pci: disable-modern=on: elzero has only the "
				"modern interface");
	if (!id)
		return pci_fail("-device virtio-blk-pci: drive= is required");
	for (unsigned i = 0; i < pc->cfg->ndrives; i++) {
		const struct drive_config *drv = &pc->cfg->drives[i];

		if (!drv->id || strcmp(drv->id, id))
			continue;
		if (drv->virtio)
			return pci_fail("-device virtio-blk-pci: drive '%s' has if=virtio already "
					"(use if=none)", id);
		for (unsigned j = 0; j < pc->nvblk; j++)
			if (pc->vblk[j]->path == drv->file)
				return pci_fail("-device virtio-blk-pci: drive '%s' is used twice", id);
		return pc_add_virtio_blk(pc, drv, device_prop_value(pc->cfg, d, "serial"), slot);
	}
	return pci_fail("-device virtio-blk-pci: no -drive with id=%s", id);
}

int pc_pci_add_device(struct pc *pc, const struct device_config *d)
{
	bool testdev = !strcmp(d->driver, "pci-testdev");
	struct pci_testdev *t;
	uint64_t membar = 0;
	int slot;

	if (!testdev && strcmp(d->driver, "virtio-blk-pci"))
		return 1;
	slot = pc_pci_slot(pc, d);
	if (slot < 0)
		return -1;
	if (!testdev)
		return pc_pci_virtio_blk(pc, d, slot);
	if (pc->npci_testdev == sizeof(pc->pci_testdev) / sizeof(pc->pci_testdev[0]))
		return pci_fail("-device pci-testdev: too many");
	(void)device_prop_uint(pc->cfg, d, "membar", &membar);
	t = malloc(sizeof(*t));
	if (!t)
		return pci_fail("out of memory");
	pc->pci_testdev[pc->npci_testdev++] = t;
	if (pci_testdev_init(t, membar))
		return pci_fail("-device pci-testdev: membar must be a power of two of at least 16 "
				"bytes");
	pci_host_plug(&pc->pci, (unsigned)slot, &t->dev);
	return 0;
}

/* Place every BAR, naturally aligned, in slot order: I/O from 0xc000, memory
 * from PCI_MMIO_BASE (below the ECAM window); then turn decoding on. */
static void pc_pci_assign(struct pc *pc)
{
	uint64_t io = PC_PCI_IO_BASE, mem = PCI_MMIO_BASE;

	for (unsigned s = 0; s < PCI_NSLOTS; s++) {
		struct pci_dev *d = pc->pci.dev[s];
		unsigned pin;

		if (!d)
			continue;
		for (unsigned i = 0; i < PCI_NBARS; i++) {
			const struct pci_bar *b = &d->bar[i];
			uint64_t *next = b->flags & PCI_BAR_IO ? &io : &mem;
			uint64_t addr;

			if (!b->size)
				continue;
			addr = (*next + b->size - 1) & ~(b->size - 1);
			if ((b->flags & PCI_BAR_IO) ? addr + b->size > 0x10000
						    : addr + b->size > PCI_ECAM_BASE)
				continue;       /* does not fit: left unassigned */
			*next = addr + b->size;
			pci_config_write(d, PCI_BAR0 + 4 * i, 4, (uint32_t)addr);
			if (b->flags & PCI_BAR_MEM64)
				pci_config_write(d, PCI_BAR0 + 4 * i + 4, 4, (uint32_t)(addr >> 32));
		}
		pin = d->config[PCI_INTERRUPT_PIN];
		if (pin >= 1 && pin <= 4)
			pci_config_write(d, PCI_INTERRUPT_LINE, 1, pirq_isa_irq[pci_slot_pirq(s, pin)]);
		if (s >= 2)
			pci_config_write(d, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	}
}

void pc_pci_reset(struct pc *pc)
{
	uint8_t elcr = 0;

	pci_host_reset(&pc->pci);
	for (unsigned i = 0; i < pc->npci_testdev; i++)
		pc->pci_testdev[i]->current = -1;
	for (unsigned i = 0; i < pc->nvblk; i++)
		virtio_pci_reset(&pc->vblk[i]->vp);
	piix3_reset(&pc->piix);
	for (unsigned n = 0; n < 4; n++) {
		pci_config_write(&pc->piix.dev, PIIX_PIRQRC + n, 1, pirq_isa_irq[n]);
		elcr |= (uint8_t)(1u << (pirq_isa_irq[n] - 8));
	}
	i8259_elcr_write(&pc->pic, 0x4d1, 1, elcr);     /* the PCI IRQs are level-triggered */
	pc_pci_assign(pc);
}

void pc_pci_free(struct pc *pc)
{
	for (unsigned i = 0; i < pc->npci_testdev; i++)
		free(pc->pci_testdev[i]);
	for (unsigned i = 0; i < pc->nvblk; i++) {
		virtio_blk_free(pc->vblk[i]);
		free(pc->vblk[i]);
	}
}
