/*
 * hw/irq.h - what devices see of interrupts and time: an interrupt line they drive
 * (as TinyEMU's IRQSignal) and the machine clock they read (DESIGN.md, "Time and
 * determinism": every guest-visible time derives from the one machine clock).
 */
#ifndef ELZERO_HW_IRQ_H
#define ELZERO_HW_IRQ_H

#include <stdint.h>

/* An input of an interrupt controller: set(opaque, n, level) drives input n. A line
 * with set == NULL is not connected. */
typedef void (*irq_input_fn)(void *opaque, unsigned n, int level);

struct irq_line {
	irq_input_fn set;
	void *opaque;
	unsigned n;
};

static inline void irq_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->opaque, l->n, level);
}

/* The machine clock as devices read it: nanoseconds of machine time. */
typedef uint64_t (*clock_now_fn)(void *opaque);

struct hw_clock {
	clock_now_fn now;
	void *opaque;
};

static inline uint64_t hw_clock_ns(const struct hw_clock *c)
{
	return c->now(c->opaque);
}

/* A timer device's "next deadline" when it has none. */
#define HW_NO_DEADLINE UINT64_MAX

#endif
