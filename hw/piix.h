/*
 * hw/piix.h - the PIIX3 PCI-to-ISA bridge (00:01.0) as far as interrupts go: the
 * PIRQ route control registers (0x60-0x63) that steer PCI INTx lines PIRQA..D to
 * ISA IRQs (the 8259s and the IOAPIC's pins 0-15), and PIRQA..D on IOAPIC pins
 * 16..19 (where the DSDT's _PRT tells an APIC-mode OS to find them).
 */
#ifndef ELZERO_HW_PIIX_H
#define ELZERO_HW_PIIX_H

#include "hw/i8259.h"
#include "hw/ioapic.h"
#include "hw/pci.h"

#define PIIX_PIRQ_GSI_BASE 16u
#define PIIX_PIRQRC 0x60

struct piix3 {
	struct pci_dev dev;
	struct i8259 *pic;
	struct ioapic *ioapic;
	uint8_t pirq_level;             /* PIRQA..D asserted (bits 0..3) */
	uint16_t pic_level;             /* ISA IRQs the PIRQs assert now */
};

/* The bridge's configuration header (8086:7000) and its links to the controllers. */
void piix3_init(struct piix3 *p, struct i8259 *pic, struct ioapic *ioapic);
/* Back to the power-on routing (every PIRQ disabled) and lines. */
void piix3_reset(struct piix3 *p);
/* irq_input_fn for the host bridge's PIRQ lines: n = 0..3. */
void piix3_set_pirq(void *opaque, unsigned n, int level);

#endif
