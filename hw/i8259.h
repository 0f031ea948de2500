/*
 * hw/i8259.h - the PC's two cascaded 8259A interrupt controllers (master at 0x20,
 * slave at 0xa0 on the master's IR2) and the ELCR at 0x4d0/0x4d1.
 */
#ifndef ELZERO_HW_I8259_H
#define ELZERO_HW_I8259_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

struct i8259_chip {
	uint8_t irr, isr, imr;
	uint8_t last_level;             /* input levels, for edge detection */
	uint8_t elcr, elcr_mask;        /* level-triggered inputs; which may be */
	uint8_t base;                   /* ICW2: vector of IR0 */
	uint8_t icw3;
	uint8_t lowest;                 /* the input with the lowest priority (rotation) */
	uint8_t init_step;              /* 0: OCW mode; 1..3: ICW2..ICW4 expected next */
	bool single, need_icw4;
	bool auto_eoi, rotate_on_aeoi, sfnm;
	bool read_isr, poll, special_mask;
};

struct i8259 {
	struct i8259_chip chip[2];      /* [0] master, [1] slave */
	struct irq_line irq[16];        /* the inputs devices drive: IRQ0..15 */
};

void i8259_init(struct i8259 *p);
/* Drive input n (0..15) to level (the irq_line callback). */
void i8259_set_irq(void *opaque, unsigned n, int level);
/* The CPU side (struct cpu_bus intr_pending/intr_ack). */
bool i8259_intr_pending(void *opaque);
uint8_t i8259_intr_ack(void *opaque);
/* Ports: the chip at 0x20/0xa0 (2 ports each) and the ELCR (0x4d0, 2 ports). */
uint32_t i8259_read(void *dev, uint16_t port, unsigned size);
void i8259_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint32_t i8259_elcr_read(void *dev, uint16_t port, unsigned size);
void i8259_elcr_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
