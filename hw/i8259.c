/*
 * hw/i8259.c - two cascaded 8259A programmable interrupt controllers and the ELCR.
 *
 * Behaviour from the Intel 8259A data sheet (231468-003): ICW1-ICW4, OCW1-OCW3,
 * fully nested and special fully nested modes, rotation, special mask, poll,
 * automatic EOI; the ELCR (edge/level per input) from the PIIX3/PIIX4 data sheets.
 */
#include "hw/i8259.h"

#include "cpu/cpu.h"

#include <string.h>

#define SLAVE_INPUT 2   /* the slave's INT drives the master's IR2 on a PC */

void i8259_init(struct i8259 *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned c = 0; c < 2; c++) {
		p->chip[c].lowest = 7;
		p->chip[c].need_icw4 = true;
	}
	/* IRQ0-2 (timer, keyboard, cascade) and IRQ8, IRQ13 are edge only (PIIX ELCR). */
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	p->chip[0].icw3 = 1u << SLAVE_INPUT;
	p->chip[1].icw3 = SLAVE_INPUT;
	for (unsigned i = 0; i < 16; i++)
		p->irq[i] = (struct irq_line){ i8259_set_irq, p, i };
}

/* Priority rank of the highest-priority bit set in mask: 0 is the highest; 8: none.
 * IR(lowest + 1) has the highest priority (rotation). */
static unsigned chip_rank(const struct i8259_chip *c, uint8_t mask)
{
	for (unsigned k = 0; k < 8; k++)
		if (mask & (1u << ((c->lowest + 1 + k) & 7)))
			return k;
	return 8;
}

static unsigned rank_irq(const struct i8259_chip *c, unsigned rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The input this chip would present to the CPU now, or -1 (INT low). */
static int chip_output(const struct i8259_chip *c, bool master)
{
	uint8_t req = c->irr & ~c->imr;
	uint8_t in_service = c->isr;
	unsigned rank;

	if (!req)
		return -1;
	rank = chip_rank(c, req);
	/* Special mask mode: a masked in-service level does not inhibit others. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested mode: the cascade input being in service does not hold
	 * back higher requests from the slave. */
	if (master && c->sfnm)
		in_service &= ~c->icw3;
	return rank < chip_rank(c, in_service) ? (int)rank_irq(c, rank) : -1;
}

static void chip_input(struct i8259_chip *c, unsigned bit, int level)
{
	uint8_t mask = (uint8_t)(1u << bit);

	if (c->elcr & mask) {
		if (level)
			c->irr |= mask;
		else
			c->irr &= ~mask;
	} else if (level && !(c->last_level & mask)) {
		c->irr |= mask;         /* rising edge */
	}
	if (level)
		c->last_level |= mask;
	else
		c->last_level &= ~mask;
}

/* The slave's INT output feeds the master's IR2. */
static void pic_update(struct i8259 *p)
{
	chip_input(&p->chip[0], SLAVE_INPUT, chip_output(&p->chip[1], false) >= 0);
}

void i8259_set_irq(void *opaque, unsigned n, int level)
{
	struct i8259 *p = opaque;

	if (n >= 16)
		return;
	chip_input(&p->chip[n >> 3], n & 7, level);
	pic_update(p);
}

bool i8259_intr_pending(void *opaque)
{
	const struct i8259 *p = opaque;

	return chip_output(&p->chip[0], true) >= 0;
}

/* The INTA sequence for input irq: the request moves from IRR to ISR. */
static void chip_ack(struct i8259_chip *c, unsigned irq)
{
	uint8_t mask = (uint8_t)(1u << irq);

	if (!(c->elcr & mask))
		c->irr &= ~mask;        /* an edge request is consumed; a level one follows the line */
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= mask;
	}
}

uint8_t i8259_intr_ack(void *opaque)
{
	struct i8259 *p = opaque;
	struct i8259_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_output(m, true);
	uint8_t vec;

	if (irq < 0)
		return m->base | 7;     /* spurious IR7: nothing goes in service */
	chip_ack(m, (unsigned)irq);
	if (!m->single && (m->icw3 & (1u << irq))) {
		int sirq = chip_output(s, false);

		if (sirq < 0) {
			vec = s->base | 7;
		} else {
			chip_ack(s, (unsigned)sirq);
			vec = (uint8_t)(s->base + sirq);
		}
	} else {
		vec = (uint8_t)(m->base + irq);
	}
	pic_update(p);
	return vec;
}

static void chip_eoi(struct i8259_chip *c, unsigned irq, bool rotate)
{
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->lowest = (uint8_t)irq;
}

/* OCW2: EOI and rotation commands (R, SL, EOI in bits 7..5). */
static void chip_ocw2(struct i8259_chip *c, uint8_t val)
{
	unsigned cmd = val >> 5, rank;

	switch (cmd) {
	case 0: c->rotate_on_aeoi = false; break;
	case 4: c->rotate_on_aeoi = true; break;
	case 1:                 /* non-specific EOI */
	case 5:                 /* rotate on non-specific EOI */
		rank = chip_rank(c, c->isr);
		if (rank < 8)
			chip_eoi(c, rank_irq(c, rank), cmd == 5);
		break;
	case 3:                 /* specific EOI */
	case 7:                 /* rotate on specific EOI */
		chip_eoi(c, val & 7, cmd == 7);
		break;
	case 6:                 /* set priority: IR(val & 7) becomes the lowest */
		c->lowest = val & 7;
		break;
	default:                /* 2: no operation */
		break;
	}
}

static void chip_write(struct i8259_chip *c, bool a0, uint8_t val)
{
	if (!a0 && (val & 0x10)) {
		/* ICW1: the edge-sense latches reset, IMR/ISR clear, IR7 lowest. */
		if (val & 0x08)
			cpu_log_unimp("8259 LTIM (level mode through ICW1; the ELCR is used)", val, NULL);
		c->need_icw4 = val & 1;
		c->single = val & 2;
		c->irr &= c->elcr;
		c->imr = c->isr = 0;
		c->lowest = 7;
		c->special_mask = c->read_isr = c->poll = false;
		c->auto_eoi = c->rotate_on_aeoi = c->sfnm = false;
		c->init_step = 1;
	} else if (!a0 && (val & 0x08)) {
		/* OCW3 */
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 1;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
	} else if (!a0) {
		chip_ocw2(c, val);
	} else if (c->init_step == 1) {
		c->base = val & 0xf8;   /* ICW2 (8086 mode: T7-T3) */
		c->init_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
	} else if (c->init_step == 2) {
		c->icw3 = val;          /* ICW3 */
		c->init_step = c->need_icw4 ? 3 : 0;
	} else if (c->init_step == 3) {
		if (!(val & 1))
			cpu_log_unimp("8259 8080/8085 mode (ICW4.uPM = 0)", val, NULL);
		c->auto_eoi = val & 2;  /* ICW4 */
		c->sfnm = val & 0x10;
		c->init_step = 0;
	} else {
		c->imr = val;           /* OCW1 */
	}
}

static uint8_t pic_read8(struct i8259 *p, uint16_t port)
{
	unsigned ci = (port & 0x80) ? 1 : 0;
	struct i8259_chip *c = &p->chip[ci];
	uint8_t val;
	int irq;

	if (port & 1)
		return c->imr;
	if (!c->poll)
		return c->read_isr ? c->isr : c->irr;
	/* Poll command: the read is the INTA; bit 7 = an interrupt, bits 2..0 = its input */
	c->poll = false;
	irq = chip_output(c, ci == 0);
	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned)irq);
	val = (uint8_t)(0x80 | irq);
	pic_update(p);
	return val;
}

uint32_t i8259_read(void *dev, uint16_t port, unsigned size)
{
	uint32_t val = 0;

	/* Wider accesses cover the chip's ports from this one on; the rest read 0. */
	for (unsigned i = 0; i < size && (port & 1) + i < 2; i++)
		val |= (uint32_t)pic_read8(dev, (uint16_t)(port + i)) << (8 * i);
	return val;
}

void i8259_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct i8259 *p = dev;

	for (unsigned i = 0; i < size && (port & 1) + i < 2; i++) {
		uint16_t pt = (uint16_t)(port + i);

		chip_write(&p->chip[(pt & 0x80) ? 1 : 0], pt & 1, (uint8_t)(val >> (8 * i)));
	}
	pic_update(p);
}

uint32_t i8259_elcr_read(void *dev, uint16_t port, unsigned size)
{
	struct i8259 *p = dev;
	uint32_t val = 0;

	for (unsigned i = 0; i < size && (port & 1) + i < 2; i++)
		val |= (uint32_t)p->chip[(port & 1) + i].elcr << (8 * i);
	return val;
}

void i8259_elcr_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct i8259 *p = dev;

	for (unsigned i = 0; i < size && (port & 1) + i < 2; i++) {
		struct i8259_chip *c = &p->chip[(port & 1) + i];

		c->elcr = (uint8_t)(val >> (8 * i)) & c->elcr_mask;
		/* A level input's request follows its line from now on. */
		c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->last_level & c->elcr));
	}
	pic_update(p);
}
