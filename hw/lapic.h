/*
 * hw/lapic.h - the local APIC of a vCPU: xAPIC registers in MMIO at 0xfee00000 and
 * x2APIC registers as MSRs 800H-8FFH (SDM vol. 3, chapter 11), its timer on the
 * machine clock (one-shot, periodic, TSC-deadline) and the PIC's path through LINT0.
 */
#ifndef ELZERO_HW_LAPIC_H
#define ELZERO_HW_LAPIC_H

#include "cpu/cpu.h"
#include "hw/irq.h"

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_NLVT 7    /* CMCI, timer, thermal, performance, LINT0, LINT1, error */

typedef void (*lapic_eoi_fn)(void *opaque, uint8_t vector);

/* The APIC bus of a machine: every local APIC, in CPU index order. */
#define LAPIC_BUS_MAX 64
struct lapic;
struct lapic_bus {
	struct lapic *apic[LAPIC_BUS_MAX];
	unsigned n;
};

struct lapic {
	struct vcpu *cpu;
	struct lapic_bus *bus;          /* where its IPIs go (NULL: only itself) */
	const struct hw_clock *clock;
	uint64_t base_seen;             /* IA32_APIC_BASE when last looked at */
	lapic_eoi_fn eoi_broadcast;     /* EOI of a level-triggered vector (IOAPIC) */
	void *eoi_opaque;
	void (*timer_changed)(void *opaque);    /* the guest reprogrammed the timer */
	void *timer_opaque;
	uint32_t id;
	/* From here on: reset by INIT / global disable. */
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending, icr_hi;
	uint32_t icr_lo;
	uint32_t lvt[LAPIC_NLVT];
	uint32_t initial_count, divide;
	uint32_t irr[8], isr[8], tmr[8];
	uint64_t timer_start_ns;        /* when the initial count was written */
	uint64_t timer_fired;           /* periods (or the one shot) already signalled */
	uint64_t tsc_deadline;
};

/* Set up the vCPU's APIC (after vcpu_init: it adds its MSR hook). */
void lapic_init(struct lapic *a, struct vcpu *cpu, const struct hw_clock *clock);
/* Power-on / INIT state (SDM vol. 3, 11.4.7.1); the BSP's LINT0 is ExtINT as a BIOS
 * leaves it (virtual wire mode). */
void lapic_reset(struct lapic *a);
/* MMIO at LAPIC_BASE, 4 KiB. */
uint64_t lapic_mmio_read(void *dev, uint64_t offset, unsigned size);
void lapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val);
/* A fixed interrupt arrives (IOAPIC, MSI, IPI): level = true for level-triggered. */
void lapic_accept(struct lapic *a, uint8_t vector, bool level);
/* The CPU's INTR side: a vector deliverable above the processor priority? */
bool lapic_intr_pending(struct lapic *a);
uint8_t lapic_intr_ack(struct lapic *a);
/* Send an interrupt message on the bus: from the ICR of src, or from the IOAPIC or an
 * MSI (src NULL: no shorthand then). lo has the ICR's low-word layout (vector, delivery
 * mode, destination mode, level, trigger mode, shorthand: SDM vol. 3, 11.6.1); dest is
 * the destination field (xAPIC: 8 bits, x2APIC: 32). Delivery is immediate: INIT and
 * SIPI are left in the target vCPU for its run loop. */
void lapic_bus_send(struct lapic_bus *b, struct lapic *src, uint32_t lo, uint32_t dest);
/* Is this APIC among an interrupt message's destinations (IOAPIC, MSI)? */
bool lapic_match_dest(struct lapic *a, uint32_t dest, bool logical);
/* Does the PIC's INTR reach the CPU (APIC globally off, or LINT0 unmasked)? */
bool lapic_accepts_pic(struct lapic *a);
void lapic_poll(struct lapic *a);
uint64_t lapic_next_deadline(struct lapic *a);

#endif
