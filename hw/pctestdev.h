/*
 * hw/pctestdev.h - QEMU's pc-testdev, the kvm-unit-tests PC test device: a 32-bit
 * scratch port at 0xe0, page flush at 0xe4, byte scratch at 0xe8-0xeb, ISA IRQ line
 * control at 0x2000-0x2017 and 64 KiB of test memory at 0xff000000.
 */
#ifndef ELZERO_HW_PCTESTDEV_H
#define ELZERO_HW_PCTESTDEV_H

#include "hw/irq.h"

#include <stdint.h>

#define PCTESTDEV_IOMEM_BASE 0xff000000ull
#define PCTESTDEV_IOMEM_LEN  0x10000u
#define PCTESTDEV_NIRQ 24

struct pctestdev {
	uint32_t ioport_data;
	uint8_t iomem[PCTESTDEV_IOMEM_LEN];
	struct irq_line irq[PCTESTDEV_NIRQ];   /* the machine's interrupt inputs 0..23 */
};

void pctestdev_init(struct pctestdev *t);
/* Ports 0xe0-0xeb (one region, 12 ports) and 0x2000-0x2017. */
uint32_t pctestdev_read(void *dev, uint16_t port, unsigned size);
void pctestdev_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint32_t pctestdev_irq_read(void *dev, uint16_t port, unsigned size);
void pctestdev_irq_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint64_t pctestdev_iomem_read(void *dev, uint64_t offset, unsigned size);
void pctestdev_iomem_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
