/*
 * hw/mc146818.h - the MC146818 real-time clock and CMOS RAM (ports 0x70/0x71,
 * IRQ8), its time read from the machine clock.
 */
#ifndef ELZERO_HW_MC146818_H
#define ELZERO_HW_MC146818_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

/* The date the clock shows at machine time 0 in deterministic mode. */
#define RTC_START_UNIX 1767225600ull    /* 2026-01-01 00:00:00 UTC */

struct mc146818 {
	uint8_t cmos[128];              /* 0x00-0x0d: clock registers; the rest RAM */
	uint8_t index;
	bool nmi_disabled;              /* port 0x70 bit 7 */
	const struct hw_clock *clock;
	struct irq_line irq;
	uint64_t start_s;               /* clock's time (Unix seconds) at machine time 0 */
	int64_t offset_s;               /* what the guest set, relative to that */
	uint64_t frozen_s;              /* the time while register B.SET holds it */
	uint64_t polled_ns;
};

void mc146818_init(struct mc146818 *r, const struct hw_clock *clock, struct irq_line irq,
		   uint64_t start_unix);
/* CMOS memory-size bytes (as QEMU's PC sets them) and the vCPU count at 0x5f. */
void mc146818_set_memory(struct mc146818 *r, uint64_t below_4g, uint64_t above_4g,
			 unsigned ncpus);
uint32_t mc146818_read(void *dev, uint16_t port, unsigned size);
void mc146818_write(void *dev, uint16_t port, unsigned size, uint32_t val);
/* Periodic, update-ended and alarm flags up to machine time; IRQ8 follows IRQF. */
void mc146818_poll(struct mc146818 *r);
uint64_t mc146818_next_deadline(const struct mc146818 *r);
/* The clock's time in Unix seconds now. */
uint64_t mc146818_time(const struct mc146818 *r);

#endif
