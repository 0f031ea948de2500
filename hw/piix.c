/*
 * hw/piix.c - PIIX3 interrupt steering (Intel 82371SB PIIX3 data sheet, 290550-002:
 * 2.2.9 PIRQRC[A:D], route control: bit 7 disables the routing, bits 3:0 name the
 * ISA IRQ; IRQ 0-2, 8 and 13 are reserved). The ELCR that makes a routed IRQ
 * level-triggered is the 8259's (hw/i8259.c).
 *
 * A PCI INTx line is active low and level-triggered. A steered PIRQ drives its ISA
 * IRQ line, which reaches the 8259 and the IOAPIC's pin of the same number (as on
 * QEMU's pc); each PIRQ also reaches an IOAPIC pin of its own (16 + n), as the
 * 82093AA's PCI inputs are wired on many boards. elzero's DSDT names pins 16-19.
 */
#include "hw/piix.h"

#include <string.h>

/* ISA IRQs a PIRQ may be steered to (2.2.9). */
#define PIIX_IRQ_OK 0xdef8u

void piix3_init(struct piix3 *p, struct i8259 *pic, struct ioapic *ioapic)
{
	pci_dev_init(&p->dev, 0x8086, 0x7000, 0x00, 0x060100);
	p->dev.config[0x0e] = 0x80;                     /* multi-function header (IDE, USB...) */
	for (unsigned n = 0; n < 4; n++)
		p->dev.wmask[PIIX_PIRQRC + n] = 0x8f;
	p->dev.opaque = p;
	p->pic = pic;
	p->ioapic = ioapic;
	piix3_reset(p);
}

/*
 * hw/ioapic.c takes the wire's level and applies the entry's polarity. A PCI line is
 * asserted low: give the wire level that means "asserted" under the polarity
 * programmed now, so the IOAPIC's notion of the input is "asserted" whatever
 * polarity the OS chose (ACPI says active low for PCI GSIs).
 */
static void piix3_ioapic_pin(struct piix3 *p, unsigned pin, bool asserted)
{
	bool active_low = p->ioapic->redir[pin] & (1ull << 13);

	ioapic_set_irq(p->ioapic, pin, active_low ? !asserted : asserted);
}

/* Drive the ISA IRQs the enabled routes select; a PIRQ is wired-OR onto its IRQ. */
static void piix3_update_pic(struct piix3 *p)
{
	uint16_t level = 0;

	for (unsigned n = 0; n < 4; n++) {
		uint8_t r = p->dev.config[PIIX_PIRQRC + n];

		if ((p->pirq_level & (1u << n)) && !(r & 0x80) && (PIIX_IRQ_OK & (1u << (r & 15))))
			level |= (uint16_t)(1u << (r & 15));
	}
	for (unsigned irq = 0; irq < 16; irq++) {
		if (!((level ^ p->pic_level) & (1u << irq)))
			continue;
		i8259_set_irq(p->pic, irq, !!(level & (1u << irq)));
		piix3_ioapic_pin(p, irq, level & (1u << irq));
	}
	p->pic_level = level;
}

static void piix3_config_written(void *opaque, unsigned reg, unsigned size)
{
	if (reg < PIIX_PIRQRC + 4 && reg + size > PIIX_PIRQRC)
		piix3_update_pic(opaque);
}

void piix3_reset(struct piix3 *p)
{
	p->dev.config_written = piix3_config_written;
	for (unsigned n = 0; n < 4; n++)
		p->dev.config[PIIX_PIRQRC + n] = 0x80;  /* power-on default: routing disabled */
	p->pic_level = 0;                       /* the controllers were reset too */
	piix3_update_pic(p);
}

void piix3_set_pirq(void *opaque, unsigned n, int level)
{
	struct piix3 *p = opaque;

	if (n >= 4)
		return;
	if (level)
		p->pirq_level |= (uint8_t)(1u << n);
	else
		p->pirq_level &= (uint8_t)~(1u << n);
	piix3_ioapic_pin(p, PIIX_PIRQ_GSI_BASE + n, level);
	piix3_update_pic(p);
}
