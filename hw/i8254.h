/*
 * hw/i8254.h - the 8254 programmable interval timer (ports 0x40-0x43; channel 0 on
 * IRQ0, channel 2 gated and read through port 0x61 with the PC speaker bits).
 */
#ifndef ELZERO_HW_I8254_H
#define ELZERO_HW_I8254_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

struct i8254_channel {
	uint32_t count;                 /* the reload value: 1..0x10000 (0 written = 0x10000) */
	uint64_t load_ns;               /* machine time the count started */
	bool loaded;                    /* a count was written since the mode was set */
	bool started;                   /* counting began (modes 1, 5: on a gate edge) */
	bool held;                      /* a low gate holds the count at held_ticks */
	uint64_t held_ticks;
	uint8_t mode, rw, bcd;
	bool gate;
	bool null_count;
	uint8_t write_lsb;              /* rw = 3: LSB waiting for its MSB */
	bool write_hi, read_hi;         /* rw = 3: next byte is the MSB */
	bool count_latched, status_latched;
	uint16_t latch;                 /* latched count */
	uint8_t latch_left;             /* bytes of the latched count still to read */
	uint8_t status;
};

struct i8254 {
	struct i8254_channel ch[3];
	const struct hw_clock *clock;
	struct irq_line irq0;           /* channel 0's OUT */
	uint64_t polled_ns;             /* when channel 0 was last polled */
	bool speaker_data;              /* port 0x61 bit 1 */
};

void i8254_init(struct i8254 *t, const struct hw_clock *clock, struct irq_line irq0);
/* Ports 0x40-0x43 and port 0x61 (register each with its own handler). */
uint32_t i8254_read(void *dev, uint16_t port, unsigned size);
void i8254_write(void *dev, uint16_t port, unsigned size, uint32_t val);
uint32_t i8254_port61_read(void *dev, uint16_t port, unsigned size);
void i8254_port61_write(void *dev, uint16_t port, unsigned size, uint32_t val);
/* Bring IRQ0 up to date with machine time: a rising edge of channel 0's OUT since
 * the last poll raises it. */
void i8254_poll(struct i8254 *t);
/* Machine time of channel 0's next rising edge, or HW_NO_DEADLINE. */
uint64_t i8254_next_deadline(const struct i8254 *t);
/* A channel's OUT at machine time now (tests, port 0x61). */
bool i8254_out(const struct i8254 *t, unsigned ch, uint64_t now);

#endif
