/*
 * hw/hpet.h - the High Precision Event Timer at 0xfed00000, as on QEMU's pc: three
 * comparators, a 64-bit main counter at 100 MHz on the machine clock, legacy
 * replacement routing (timer 0 -> IRQ0, timer 1 -> IRQ8), IOAPIC routing otherwise.
 */
#ifndef ELZERO_HW_HPET_H
#define ELZERO_HW_HPET_H

#include "hw/irq.h"

#include <stdbool.h>
#include <stdint.h>

#define HPET_BASE 0xfed00000ull
#define HPET_NTIMERS 3
#define HPET_PERIOD_FS 10000000u        /* 10 ns a tick: 100 MHz */
#define HPET_INTCAP 0x00ff0104u         /* IOAPIC pins a comparator may use: 2, 8, 16-23 */
/* GCAP_ID's low half (also the ACPI table's Event Timer Block ID): vendor 8086H,
 * legacy replacement capable, 64-bit counter, NUM_TIM_CAP = timers - 1, revision 1. */
#define HPET_ID_LOW (0x8086u << 16 | 1u << 15 | 1u << 13 | (HPET_NTIMERS - 1u) << 8 | 1u)

struct hpet_timer {
	uint64_t config;                /* Tn_CONF (the capability bits included) */
	uint64_t cmp;                   /* Tn_COMPARATOR (32-bit mode: low half only) */
	uint64_t period;                /* periodic mode: what the comparator advances by */
	bool level_out;                 /* the level this comparator drives now */
};

struct hpet {
	const struct hw_clock *clock;
	uint64_t config;                /* GEN_CONF: ENABLE_CNF, LEG_RT_CNF */
	uint64_t isr;                   /* GINTR_STA: level-triggered status bits */
	uint64_t counter;               /* main counter when last stopped or polled */
	uint64_t counter_ns;            /* machine time of that value (running only) */
	uint64_t polled;                /* main counter at the last poll: matches after it fire */
	struct hpet_timer t[HPET_NTIMERS];
	struct irq_line legacy[2];      /* ISA IRQ0 and IRQ8 (legacy replacement route) */
	irq_input_fn ioapic_set;        /* IOAPIC input pin n (Tn_INT_ROUTE_CNF) */
	void *ioapic_opaque;
};

void hpet_init(struct hpet *h, const struct hw_clock *clock);
/* Power-on state: counter stopped at 0, timers off, every line low. */
void hpet_reset(struct hpet *h);
/* MMIO at HPET_BASE, 1 KiB. Reads and writes of 4 or 8 bytes, naturally aligned. */
uint64_t hpet_mmio_read(void *dev, uint64_t offset, unsigned size);
void hpet_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
/* Raise the comparators that matched since the last poll. */
void hpet_poll(struct hpet *h);
/* Machine time of the next match of an enabled comparator, or HW_NO_DEADLINE. */
uint64_t hpet_next_deadline(const struct hpet *h);
/* Legacy replacement on: the PIT and RTC no longer reach IRQ0/IRQ8. */
bool hpet_legacy(const struct hpet *h);

#endif
