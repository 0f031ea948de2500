/*
 * hw/pctestdev.c - pc-testdev, with the layout of QEMU's hw/misc/pc-testdev.c
 * (which kvm-unit-tests' x86 tests use): it has no real-hardware counterpart.
 */
#include "hw/pctestdev.h"

#include <string.h>

void pctestdev_init(struct pctestdev *t)
{
	memset(t, 0, sizeof(*t));
}

uint32_t pctestdev_read(void *dev, uint16_t port, unsigned size)
{
	struct pctestdev *t = dev;
	unsigned off = port - 0xe0;

	if (off < 4)            /* 32-bit scratch: the access reads from its first byte */
		return (uint32_t)((uint64_t)t->ioport_data >> (8 * off)) &
		       (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
	if (off >= 8 && off < 12)
		return (t->ioport_data >> (8 * (off - 8))) & 0xff;
	return 0xffffffffu;     /* 0xe4: the flush port reads nothing */
}

void pctestdev_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pctestdev *t = dev;
	unsigned off = port - 0xe0;

	if (off == 0) {
		t->ioport_data = size >= 4 ? val :
				 (t->ioport_data & ~((1u << (8 * size)) - 1)) | (val & ((1u << (8 * size)) - 1));
	} else if (off >= 8 && off < 12) {
		unsigned sh = 8 * (off - 8);

		t->ioport_data = (t->ioport_data & ~(0xffu << sh)) | (val & 0xff) << sh;
	}
	/* 0xe4, flush page: QEMU drops the host mapping of the guest page to test KVM's
	 * fault paths; there is no host mapping to drop here, and nothing guest-visible. */
}

uint32_t pctestdev_irq_read(void *dev, uint16_t port, unsigned size)
{
	(void)dev;
	(void)port;
	(void)size;
	return 0;
}

/* Port 0x2000 + n drives interrupt input n to the value written (non-zero: high). */
void pctestdev_irq_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pctestdev *t = dev;
	unsigned n = port - 0x2000;

	(void)size;
	if (n < PCTESTDEV_NIRQ)
		irq_set(&t->irq[n], val != 0);
}

uint64_t pctestdev_iomem_read(void *dev, uint64_t offset, unsigned size)
{
	struct pctestdev *t = dev;
	uint64_t val = 0;

	if (offset >= PCTESTDEV_IOMEM_LEN || size > 8 || size > PCTESTDEV_IOMEM_LEN - offset)
		return ~0ull;
	memcpy(&val, t->iomem + offset, size);
	return val;
}

void pctestdev_iomem_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct pctestdev *t = dev;

	if (offset >= PCTESTDEV_IOMEM_LEN || size > 8 || size > PCTESTDEV_IOMEM_LEN - offset)
		return;
	memcpy(t->iomem + offset, &val, size);
}
