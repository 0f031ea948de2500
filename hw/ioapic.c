/*
 * hw/ioapic.c - the I/O APIC, as the Intel 82093AA data sheet (290566-001)
 * describes it: IOREGSEL at offset 0, IOWIN at 0x10; registers IOAPICID (0),
 * IOAPICVER (1), IOAPICARB (2), the redirection table at 0x10 + 2n (low, high).
 */
#include "hw/ioapic.h"

#include "cpu/cpu.h"

#include <string.h>

#define RTE_MODE(e)    (((e) >> 8) & 7)
#define RTE_LOGICAL    (1ull << 11)
#define RTE_STATUS     (1ull << 12)
#define RTE_POLARITY   (1ull << 13)     /* 1: active low */
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL      (1ull << 15)
#define RTE_MASKED     (1ull << 16)
/* Writable bits: vector, mode, destination mode, polarity, trigger, mask, destination */
#define RTE_WRITABLE   (0xff000000000000ffull | 0x700 | RTE_LOGICAL | RTE_POLARITY | RTE_LEVEL | \
			RTE_MASKED)

void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *opaque)
{
	memset(io, 0, sizeof(*io));
	io->deliver = deliver;
	io->opaque = opaque;
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		io->redir[i] = RTE_MASKED;
		io->irq[i] = (struct irq_line){ ioapic_set_irq, io, i };
	}
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if (e & RTE_LEVEL)
		io->redir[pin] |= RTE_REMOTE_IRR;
	io->deliver(io->opaque, (uint32_t)(e >> 56), e & RTE_LOGICAL, RTE_MODE(e), (uint8_t)e,
		    e & RTE_LEVEL);
}

/* A level-triggered input asserted, unmasked and not waiting for its EOI: send. */
static void check_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && (io->level & (1u << pin)))
		send(io, pin);
}

void ioapic_set_irq(void *opaque, unsigned pin, int level)
{
	struct ioapic *io = opaque;
	uint32_t bit = 1u << pin;
	uint64_t e;
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	e = io->redir[pin];
	if (e & RTE_POLARITY)
		level = !level;
	was = io->level & bit;
	if (level)
		io->level |= bit;
	else
		io->level &= ~bit;
	if (e & RTE_LEVEL)
		check_level(io, pin);
	else if (level && !was && !(e & RTE_MASKED))
		send(io, pin);          /* rising edge */
}

void ioapic_eoi(void *opaque, uint8_t vector)
{
	struct ioapic *io = opaque;

	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		if ((io->redir[i] & RTE_REMOTE_IRR) && (uint8_t)io->redir[i] == vector) {
			io->redir[i] &= ~RTE_REMOTE_IRR;
			check_level(io, i);     /* still asserted: again */
		}
	}
}

static uint32_t reg_read(struct ioapic *io)
{
	unsigned sel = io->sel;

	switch (sel) {
	case 0: return io->id << 24;
	case 1: return 0x11 | (IOAPIC_PINS - 1) << 16;
	case 2: return io->id << 24;            /* arbitration ID */
	default:
		if (sel >= 0x10 && sel < 0x10 + 2 * IOAPIC_PINS) {
			uint64_t e = io->redir[(sel - 0x10) / 2];

			return (uint32_t)(sel & 1 ? e >> 32 : e);
		}
		return 0;
	}
}

static void reg_write(struct ioapic *io, uint32_t val)
{
	unsigned sel = io->sel, pin;
	uint64_t e;

	if (sel == 0) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (sel < 0x10 || sel >= 0x10 + 2 * IOAPIC_PINS)
		return;                         /* version, arbitration: read-only */
	pin = (sel - 0x10) / 2;
	e = sel & 1 ? (io->redir[pin] & 0xffffffffull) | (uint64_t)val << 32
		    : (io->redir[pin] & ~0xffffffffull) | val;
	io->redir[pin] = (io->redir[pin] & ~RTE_WRITABLE) | (e & RTE_WRITABLE);
	if (!(io->redir[pin] & RTE_LEVEL))
		io->redir[pin] &= ~RTE_REMOTE_IRR;
	check_level(io, pin);
}

uint64_t ioapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct ioapic *io = dev;

	(void)size;
	if (offset == 0)
		return io->sel;
	if (offset == 0x10)
		return reg_read(io);
	return 0;
}

void ioapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct ioapic *io = dev;

	(void)size;
	if (offset == 0)
		io->sel = (uint8_t)val;
	else if (offset == 0x10)
		reg_write(io, (uint32_t)val);
}
