/*
 * tests/guest/platform/virtio.c - a virtio-blk driver as an OS would write it
 * (OASIS VIRTIO 1.1: 3.1.1 initialisation, 4.1.4 PCI capabilities, 2.6 split
 * virtqueue, 5.2 block device), run against two disks: a writable image from
 * make-disk (if=virtio) and a read-only one (-device virtio-blk-pci,drive=ro).
 * Sectors are read and written, and completion interrupts are taken through the
 * PIIX3 PIRQ routing to the 8259 (level-triggered via the ELCR) and through the
 * IOAPIC (pins 16-19, level, active low, remote IRR).
 */
#include "pcilib.h"

#define BAR_BASE 0xd0100000ul
#define QSIZE 8
#define VEC_PIC_BASE 0x20
#define VEC_IOAPIC 0x50
#define IOAPIC ((volatile uint32_t *)0xfec00000ul)
#define LAPIC ((volatile uint32_t *)0xfee00000ul)

struct vring {
	uint8_t desc[16 * QSIZE] __attribute__((aligned(16)));
	uint16_t avail[3 + QSIZE] __attribute__((aligned(2)));
	uint32_t used[1 + 2 * QSIZE + 1] __attribute__((aligned(4)));
};

struct vdisk {
	int slot;
	volatile uint8_t *common, *isr, *device, *notify;
	uint32_t notify_mult;
	uint64_t features;
	struct vring ring;
	uint16_t avail_idx, used_seen;
};

static struct vdisk disks[2];
static uint8_t hdr[16] __attribute__((aligned(16)));
static uint8_t data[1024] __attribute__((aligned(16)));
static volatile uint8_t status;

static volatile uint32_t *c32(struct vdisk *d, unsigned off) { return (volatile uint32_t *)(d->common + off); }
static volatile uint16_t *c16(struct vdisk *d, unsigned off) { return (volatile uint16_t *)(d->common + off); }

/* Walk the capability list for the virtio structures (4.1.4). */
static bool find_caps(struct vdisk *d, unsigned long bar_addr)
{
	unsigned s = (unsigned)d->slot, found = 0;

	pci_write16(s, 4, 0);
	pci_write32(s, 0x20, (uint32_t)bar_addr);                /* BAR4, 64-bit */
	pci_write32(s, 0x24, 0);
	pci_write16(s, 4, 2 | 4);                               /* memory, bus master */
	for (unsigned p = pci_read8(s, 0x34), n = 0; p && n < 16; p = pci_read8(s, p + 1), n++) {
		unsigned type = pci_read8(s, p + 3), bar = pci_read8(s, p + 4);
		volatile uint8_t *at = (volatile uint8_t *)(bar_addr + pci_read32(s, p + 8));

		if (pci_read8(s, p) != 0x09 || bar != 4)
			continue;
		found |= 1u << type;
		if (type == 1)
			d->common = at;
		else if (type == 2) {
			d->notify = at;
			d->notify_mult = pci_read32(s, p + 16);
		} else if (type == 3)
			d->isr = at;
		else if (type == 4)
			d->device = at;
	}
	return (found & 0x1e) == 0x1e;
}

/* 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue, DRIVER_OK. */
static bool driver_init(struct vdisk *d)
{
	d->common[0x14] = 0;
	d->common[0x14] = 1 | 2;
	*c32(d, 0) = 0;
	d->features = *c32(d, 4);
	*c32(d, 0) = 1;
	d->features |= (uint64_t)*c32(d, 4) << 32;
	if (!(d->features & (1ull << 32)))
		return false;
	*c32(d, 8) = 0;
	*c32(d, 0xc) = (uint32_t)d->features & (1u << 2 | 1u << 5 | 1u << 6 | 1u << 9);
	*c32(d, 8) = 1;
	*c32(d, 0xc) = 1;                                       /* VERSION_1 */
	d->common[0x14] = 1 | 2 | 8;
	if (!(d->common[0x14] & 8))
		return false;
	*c16(d, 0x16) = 0;
	*c16(d, 0x18) = QSIZE;
	*c32(d, 0x20) = (uint32_t)(unsigned long)d->ring.desc;
	*c32(d, 0x24) = 0;
	*c32(d, 0x28) = (uint32_t)(unsigned long)d->ring.avail;
	*c32(d, 0x2c) = 0;
	*c32(d, 0x30) = (uint32_t)(unsigned long)d->ring.used;
	*c32(d, 0x34) = 0;
	*c16(d, 0x1c) = 1;
	d->common[0x14] = 1 | 2 | 4 | 8;
	return true;
}

static void set_desc(struct vdisk *d, unsigned i, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *e = d->ring.desc + 16 * i;
	uint64_t a = (unsigned long)addr;

	memcpy(e, &a, 8);
	memcpy(e + 8, &len, 4);
	memcpy(e + 12, &flags, 2);
	memcpy(e + 14, &next, 2);
}

/* One request (type, sector, len bytes of data); returns the status byte, or -1 if
 * the device did not put the chain in the used ring. */
static int blk_request_buf(struct vdisk *d, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	bool in = type == 0 || type == 8;
	unsigned n = 0;

	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	status = 0xff;
	set_desc(d, n, hdr, 16, 1, (uint16_t)(n + 1));
	n++;
	if (len) {
		set_desc(d, n, buf, len, (uint16_t)(1 | (in ? 2 : 0)), (uint16_t)(n + 1));
		n++;
	}
	set_desc(d, n, (void *)&status, 1, 2, 0);
	d->ring.avail[2 + d->avail_idx % QSIZE] = 0;
	asm volatile("" : : : "memory");
	d->ring.avail[1] = ++d->avail_idx;
	*(volatile uint16_t *)(d->notify + 0 * d->notify_mult) = 0;
	/* elzero completes during the notify write; other devices later: poll a while. */
	for (unsigned long i = 0; ((volatile uint16_t *)d->ring.used)[1] != (uint16_t)(d->used_seen + 1); i++) {
		if (i == 100000000ul)
			return -1;
		asm volatile("pause" : : : "memory");
	}
	d->used_seen++;
	return status;
}

static int blk_request(struct vdisk *d, uint32_t type, uint64_t sector, uint32_t len)
{
	return blk_request_buf(d, type, sector, data, len);
}

/* A page the test runs code from, then overwrites by DMA: the device's write must
 * drop the code translated from it, as a CPU write would. */
static uint8_t code_page[4096] __attribute__((aligned(4096)));

static void test_dma_over_code(struct vdisk *rw)
{
	static const uint8_t ret1[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };  /* mov eax, 1; ret */
	static const uint8_t ret2[] = { 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3 };  /* mov eax, 2; ret */
	int (*fn)(void) = (int (*)(void))(unsigned long)code_page;

	memcpy(code_page, ret1, sizeof(ret1));
	expect_eq(fn(), 1, "code in the page runs");
	memset(data, 0xcc, 512);
	memcpy(data, ret2, sizeof(ret2));
	expect_eq(blk_request(rw, 1, 5, 512), 0, "write new code to sector 5");
	expect_eq(blk_request_buf(rw, 0, 5, code_page, 512), 0, "read sector 5 over the code page");
	expect_eq(fn(), 2, "the code the device wrote runs (no stale translation)");
}

static void test_disk_io(struct vdisk *rw, struct vdisk *ro)
{
	uint64_t cap = *(volatile uint32_t *)rw->device | (uint64_t)*(volatile uint32_t *)(rw->device + 4) << 32;

	expect_eq(cap, 64, "capacity: 64 sectors");
	expect_eq(*(volatile uint32_t *)(rw->device + 20), 512, "block size");
	expect_eq(rw->features & (1u << 5), 0, "writable disk: no RO feature");
	expect_eq(ro->features & (1u << 5), 1u << 5, "read-only disk: RO feature");

	expect_eq(blk_request(rw, 0, 0, 1024), 0, "read sectors 0-1");
	report(!memcmp(data, "ELZERO sector 0 ", 16) && data[511] == '\n' &&
	       !memcmp(data + 512, "ELZERO sector 1 ", 16), "sectors 0-1 hold the image's data");
	memset(data, '.', 512);
	memcpy(data, "GUEST WROTE SECTOR 1", 20);
	expect_eq(blk_request(rw, 1, 1, 512), 0, "write sector 1");
	expect_eq(blk_request(rw, 4, 0, 0), 0, "flush");
	memset(data, 0, sizeof(data));
	expect_eq(blk_request(rw, 0, 1, 512), 0, "read sector 1 back");
	report(!memcmp(data, "GUEST WROTE SECTOR 1", 20) && data[511] == '.', "sector 1 has what was written");
	expect_eq(blk_request(rw, 0, 64, 512), 1, "read past the end: IOERR");
	expect_eq(blk_request(rw, 0, 63, 512), 0, "read the last sector");
	report(!memcmp(data, "ELZERO sector 63 ", 17), "last sector's data");

	expect_eq(blk_request(ro, 0, 2, 512), 0, "read-only disk: read sector 2");
	report(!memcmp(data, "ELZERO sector 2 ", 16), "read-only disk: data");
	expect_eq(blk_request(ro, 1, 2, 512), 1, "read-only disk: write fails with IOERR");
	expect_eq(blk_request(ro, 0, 2, 512), 0, "read-only disk: read again");
	report(!memcmp(data, "ELZERO sector 2 ", 16), "read-only disk: data unchanged");
}

/* ---------------------------------------------------------------- interrupts */

static volatile unsigned irqs;
static volatile uint8_t isr_seen;
static volatile uint32_t rte_in_handler;
static unsigned pic_irq;
static struct vdisk *irq_disk;

static void pic_handler(struct excp_frame *f)
{
	(void)f;
	isr_seen = *irq_disk->isr;              /* read clears: the line drops */
	irqs++;
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

static void ioapic_write(unsigned reg, uint32_t v) { IOAPIC[0] = reg; IOAPIC[4] = v; }
static uint32_t ioapic_read(unsigned reg) { IOAPIC[0] = reg; return IOAPIC[4]; }

static unsigned ioapic_pin;

static void ioapic_handler(struct excp_frame *f)
{
	(void)f;
	rte_in_handler = ioapic_read(0x10 + 2 * ioapic_pin);
	isr_seen = *irq_disk->isr;
	irqs++;
	LAPIC[0xb0 / 4] = 0;                    /* EOI: broadcast to the IOAPIC */
}

static void pic_init(void)
{
	outb(0x20, 0x11); outb(0x21, VEC_PIC_BASE); outb(0x21, 4); outb(0x21, 1);
	outb(0xa0, 0x11); outb(0xa1, VEC_PIC_BASE + 8); outb(0xa1, 2); outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void test_pic(struct vdisk *d)
{
	unsigned pirq = ((unsigned)d->slot - 1) & 3;            /* INTA rotated by slot (PIIX3) */
	uint8_t irr;

	irq_disk = d;
	pic_irq = pci_read8((unsigned)d->slot, 0x3c);
	report(pic_irq == 10 || pic_irq == 11, "firmware set the interrupt line (%u)", pic_irq);
	expect_eq(pci_read8(1, 0x60 + pirq), pic_irq, "PIIX3 routes the device's PIRQ to that IRQ");
	expect_eq(inb(0x4d1) & (1u << (pic_irq - 8)), 1u << (pic_irq - 8), "ELCR: level-triggered");
	pic_init();
	idt_set_handler(VEC_PIC_BASE + pic_irq, pic_handler);

	/* Masked: the request is pending in the IRR while the device holds the line. */
	expect_eq(blk_request(d, 0, 0, 512), 0, "request with the IRQ masked");
	outb(0xa0, 0x0a);                                       /* OCW3: read IRR */
	irr = inb(0xa0);
	expect_eq(irr & (1u << (pic_irq - 8)), 1u << (pic_irq - 8), "IRR: the level is seen");
	expect_eq(*d->isr, 1, "ISR: queue interrupt (and read clears it)");
	irr = inb(0xa0);
	expect_eq(irr & (1u << (pic_irq - 8)), 0, "IRR: level request gone with the line");

	outb(0x21, 0xfb);                                       /* cascade on */
	outb(0xa1, (uint8_t)~(1u << (pic_irq - 8)));
	irqs = 0;
	expect_eq(blk_request(d, 0, 0, 512), 0, "request with the IRQ unmasked");
	asm volatile("sti; hlt; cli" : : : "memory");  /* the level is pending: HLT wakes at once */
	expect_eq(irqs, 1, "one interrupt through the 8259");
	expect_eq(isr_seen, 1, "handler saw the queue interrupt in the ISR");
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	/* Another PIRQ route: the same line now reaches another IRQ. */
	pci_write8(1, 0x60 + pirq, 0x80);                       /* routing off */
	expect_eq(blk_request(d, 0, 0, 512), 0, "request with the route off");
	outb(0xa0, 0x0a);
	expect_eq(inb(0xa0) & (1u << (pic_irq - 8)), 0, "route off: the IRQ stays low");
	pci_write8(1, 0x60 + pirq, (uint8_t)pic_irq);           /* routing on: the pending level */
	expect_eq(inb(0xa0) & (1u << (pic_irq - 8)), 1u << (pic_irq - 8), "route on: the level shows");
	(void)*d->isr;
}

/* Level-triggered, active low, through IOAPIC pin: the handler sees remote IRR
 * set, and the EOI clears it. */
static void test_ioapic(struct vdisk *d, unsigned pin, const char *what)
{
	irq_disk = d;
	ioapic_pin = pin;
	LAPIC[0xf0 / 4] = 0x1ff;                                /* software enable */
	idt_set_handler(VEC_IOAPIC, ioapic_handler);
	ioapic_write(0x11 + 2 * pin, 0);                        /* destination APIC 0 */
	ioapic_write(0x10 + 2 * pin, VEC_IOAPIC | 1u << 15 | 1u << 13);
	irqs = 0;
	rte_in_handler = 0;
	report(blk_request(d, 0, 0, 512) == 0, "%s: request", what);
	asm volatile("sti; hlt; cli" : : : "memory");  /* the level is pending: HLT wakes at once */
	report(irqs == 1, "%s: one interrupt (%u)", what, irqs);
	report(rte_in_handler & (1u << 14), "%s: remote IRR set while in service", what);
	report(!(ioapic_read(0x10 + 2 * pin) & (1u << 14)), "%s: remote IRR cleared by the EOI", what);
	report(isr_seen == 1, "%s: ISR read in the handler", what);
	ioapic_write(0x10 + 2 * pin, 1u << 16);
}

int main(void)
{
	unsigned n = 0;
	struct vdisk *rw = NULL, *ro = NULL;

	for (int s = pci_find(0x1af4, 0x1042, 0); s >= 0 && n < 2; s = pci_find(0x1af4, 0x1042, (unsigned)s + 1)) {
		disks[n].slot = s;
		if (!find_caps(&disks[n], BAR_BASE + 0x10000ul * n) || !driver_init(&disks[n])) {
			report_fail("virtio-blk init", "slot %d", s);
			return 0;
		}
		if (disks[n].features & (1u << 5))
			ro = &disks[n];
		else
			rw = &disks[n];
		n++;
	}
	if (!rw || !ro) {
		report_fail("virtio-blk", "need a writable and a read-only disk (%u found)", n);
		return 0;
	}
	report_pass("two virtio-blk devices initialised");
	test_disk_io(rw, ro);
	test_dma_over_code(rw);
	test_pic(rw);
	if (!(cpuid(1).d & (1u << 9))) {
		report_skip("IOAPIC delivery", "no local APIC");
	} else {
		/* The steered ISA IRQ reaches the IOAPIC pin of that number (QEMU's pc too). */
		test_ioapic(rw, pic_irq, "IOAPIC pin of the ISA IRQ");
		/* elzero (the one with an MCFG table) also wires PIRQA..D to pins 16-19, which
		 * its DSDT's _PRT gives the OS. */
		if (pci_ecam_base())
			test_ioapic(rw, 16 + (((unsigned)rw->slot - 1) & 3), "IOAPIC pin 16 + PIRQ");
		else
			report_skip("IOAPIC pin 16 + PIRQ", "not wired on this machine");
	}
	/* Leave the image with the guest's sector 1 (checked on the host afterwards). */
	memset(data, '.', 512);
	memcpy(data, "GUEST WROTE SECTOR 1", 20);
	expect_eq(blk_request(rw, 1, 1, 512), 0, "final write of sector 1");
	return 0;
}
