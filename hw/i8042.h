/*
 * hw/i8042.h - the PC keyboard controller (8042; data port 0x60, status/command
 * port 0x64) with a keyboard that answers its commands (no host key input yet) and
 * no mouse. IRQ1 (keyboard) and IRQ12 (aux); output port bit 0 resets the machine.
 */
#ifndef ELZERO_HW_I8042_H
#define ELZERO_HW_I8042_H

#include "hw/irq.h"
#include "hw/sysctl.h"

#include <stdbool.h>
#include <stdint.h>

#define I8042_QUEUE 16

struct i8042 {
	uint8_t status;
	uint8_t cmd_byte;               /* the "command byte" (controller RAM byte 0) */
	uint8_t outport;                /* bit 0: reset line (active low), bit 1: A20 */
	uint8_t pending_cmd;            /* controller command waiting for its data byte */
	uint8_t kbd_pending;            /* keyboard command waiting for its argument */
	uint8_t scancode_set;
	bool kbd_enabled;
	uint8_t queue[I8042_QUEUE];     /* output bytes; aux[] says which came from the aux port */
	bool aux[I8042_QUEUE];
	unsigned head, count;
	struct irq_line irq_kbd, irq_aux;
	machine_event_fn reset;
	void *opaque;
};

void i8042_init(struct i8042 *k, struct irq_line irq_kbd, struct irq_line irq_aux,
		machine_event_fn reset, void *opaque);
/* Ports 0x60 and 0x64 (register each, 1 port). */
uint32_t i8042_read(void *dev, uint16_t port, unsigned size);
void i8042_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
