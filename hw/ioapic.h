/*
 * hw/ioapic.h - the I/O APIC (82093AA) at 0xfec00000: 24 inputs, a redirection
 * table, edge and level triggering with remote IRR and EOI broadcast.
 */
#ifndef ELZERO_HW_IOAPIC_H
#define ELZERO_HW_IOAPIC_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_PINS 24

/* Send an interrupt message: destination (APIC ID or logical set), delivery mode
 * (0 fixed, 1 lowest priority, 4 NMI, ...), vector, level-triggered or not. */
typedef void (*ioapic_deliver_fn)(void *opaque, uint32_t dest, bool logical, unsigned mode,
				  uint8_t vector, bool level);

struct ioapic {
	uint32_t id;
	uint8_t sel;                    /* IOREGSEL */
	uint64_t redir[IOAPIC_PINS];
	uint32_t level;                 /* input levels */
	struct irq_line irq[IOAPIC_PINS];
	ioapic_deliver_fn deliver;
	void *opaque;
};

void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *opaque);
void ioapic_set_irq(void *opaque, unsigned pin, int level);
/* The local APIC's EOI of a level-triggered vector (its eoi_broadcast callback). */
void ioapic_eoi(void *opaque, uint8_t vector);
uint64_t ioapic_mmio_read(void *dev, uint64_t offset, unsigned size);
void ioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
