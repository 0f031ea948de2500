/*
 * hw/lapic.c - the local APIC (SDM vol. 3, chapter 11).
 *
 * One register file serves both interfaces: xAPIC MMIO (11.4.1, table 11-1) and
 * x2APIC MSRs 800H + offset/16 (11.12.1.2, table 11-6), with the x2APIC differences:
 * 32-bit ID, read-only LDR derived from it (11.12.10.2), no DFR/APR/RRD, a 64-bit ICR,
 * SELF IPI, #GP on reserved registers and bits. The timer counts at 1 GHz on the
 * machine clock (divide configuration 11.5.4; one-shot, periodic, TSC-deadline
 * 11.5.4.1); TSC ticks are machine ns too (cpu_tsc: one per instruction at 1 GHz).
 */
#include "hw/lapic.h"

#include <stddef.h>
#include <string.h>

#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define LVT_MASK       (1u << 16)
#define SVR_ENABLE     (1u << 8)
#define ESR_SEND_ILLEGAL 0x20
#define ESR_RECV_ILLEGAL 0x40
#define ESR_ILLEGAL_REG  0x80

enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };
/* Writable bits of each LVT entry (SDM vol. 3, figure 11-8). */
static const uint32_t lvt_bits[LAPIC_NLVT] = {
	0x107ff, 0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff,
};

static bool x2apic(const struct lapic *a)
{
	return (a->cpu->s.msr.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool enabled(const struct lapic *a)
{
	return a->cpu->s.msr.apic_base & APIC_BASE_EN;
}

static void reset_state(struct lapic *a, bool bsp_virtual_wire)
{
	memset(&a->tpr, 0, sizeof(*a) - offsetof(struct lapic, tpr));
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	for (unsigned i = 0; i < LAPIC_NLVT; i++)
		a->lvt[i] = LVT_MASK;
	/* As a BIOS leaves the BSP (and QEMU's reset does): LINT0 ExtINT, LINT1 NMI. */
	if (bsp_virtual_wire) {
		a->lvt[LVT_LINT0] = 0x700;
		a->lvt[LVT_LINT1] = 0x400;
	}
}

/* IA32_APIC_BASE is cpu/'s; notice its changes here: clearing EN disables the APIC
 * and puts it in its power-up state (SDM vol. 3, 11.4.3). */
static void sync_base(struct lapic *a)
{
	uint64_t base = a->cpu->s.msr.apic_base;

	if (base == a->base_seen)
		return;
	if ((base ^ a->base_seen) & ~0xfffull && (base & APIC_BASE_EN) &&
	    (base & ~0xfffull) != LAPIC_BASE)
		cpu_log_unimp("APIC base relocation (registers stay at 0xfee00000)", base, NULL);
	if ((a->base_seen & APIC_BASE_EN) && !(base & APIC_BASE_EN))
		reset_state(a, false);
	a->base_seen = base;
	/* x2APIC: the logical ID derives from the x2APIC ID (11.12.10.2) */
	if (x2apic(a))
		a->ldr = (a->id >> 4) << 16 | 1u << (a->id & 15);
}

void lapic_reset(struct lapic *a)
{
	a->id = (uint32_t)a->cpu->index;
	reset_state(a, a->cpu->index == 0);
	a->base_seen = a->cpu->s.msr.apic_base;
}

/* ---------------------------------------------------------------- vectors */

static int highest(const uint32_t *bits)
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

static void set_bit(uint32_t *bits, unsigned v) { bits[v >> 5] |= 1u << (v & 31); }
static void clear_bit(uint32_t *bits, unsigned v) { bits[v >> 5] &= ~(1u << (v & 31)); }
static bool test_bit(const uint32_t *bits, unsigned v) { return bits[v >> 5] & (1u << (v & 31)); }

/* SDM vol. 3, 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
static uint32_t ppr(const struct lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

static void signal_error(struct lapic *a, uint32_t bits)
{
	uint32_t lvt = a->lvt[LVT_ERROR];

	a->esr_pending |= bits;
	if (!(lvt & LVT_MASK) && (lvt & 0xff) >= 16)
		lapic_accept(a, (uint8_t)lvt, false);
}

void lapic_accept(struct lapic *a, uint8_t vector, bool level)
{
	/* Vectors 0-15 are illegal (SDM vol. 3, 11.5.3). */
	if (vector < 16) {
		signal_error(a, ESR_RECV_ILLEGAL);
		return;
	}
	set_bit(a->irr, vector);
	if (level)
		set_bit(a->tmr, vector);
	else
		clear_bit(a->tmr, vector);
}

bool lapic_intr_pending(struct lapic *a)
{
	int v;

	sync_base(a);
	/* Software-disabled (SVR bit 8 clear): requests wait in the IRR (11.4.7.2) */
	if (!enabled(a) || !(a->svr & SVR_ENABLE))
		return false;
	v = highest(a->irr);
	return v >= 0 && ((uint32_t)v & 0xf0) > (ppr(a) & 0xf0);
}

uint8_t lapic_intr_ack(struct lapic *a)
{
	int v = highest(a->irr);

	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
		return (uint8_t)a->svr;         /* spurious (SDM vol. 3, 11.9) */
	clear_bit(a->irr, (unsigned)v);
	set_bit(a->isr, (unsigned)v);
	return (uint8_t)v;
}

static void eoi(struct lapic *a)
{
	int v = highest(a->isr);

	if (v < 0)
		return;
	clear_bit(a->isr, (unsigned)v);
	if (test_bit(a->tmr, (unsigned)v)) {
		clear_bit(a->tmr, (unsigned)v);
		if (a->eoi_broadcast)
			a->eoi_broadcast(a->eoi_opaque, (uint8_t)v);
	}
}

bool lapic_accepts_pic(struct lapic *a)
{
	sync_base(a);
	return !enabled(a) || !(a->lvt[LVT_LINT0] & LVT_MASK);
}

/* ---------------------------------------------------------------- timer */

static unsigned timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> 17) & 3;   /* 0 one-shot, 1 periodic, 2 TSC-deadline */
}

/* Divide configuration: bits 3, 1:0 (SDM vol. 3, figure 11-10). */
static uint64_t timer_div(const struct lapic *a)
{
	unsigned code = (a->divide & 3) | ((a->divide >> 1) & 4);

	return code == 7 ? 1 : 2ull << code;
}

static uint64_t timer_period(const struct lapic *a)
{
	return (uint64_t)a->initial_count * timer_div(a);
}

static uint32_t current_count(const struct lapic *a)
{
	uint64_t period = timer_period(a), el;

	if (!period || timer_mode(a) == 2)
		return 0;
	el = hw_clock_ns(a->clock) - a->timer_start_ns;
	if (timer_mode(a) == 0 && el >= period)
		return 0;
	return a->initial_count - (uint32_t)((el % period) / timer_div(a));
}

static uint64_t tsc_to_ns(const struct lapic *a, uint64_t tsc)
{
	uint64_t now = hw_clock_ns(a->clock), t = cpu_tsc(a->cpu);

	return tsc > t ? now + (tsc - t) : now;
}

uint64_t lapic_next_deadline(struct lapic *a)
{
	uint64_t period = timer_period(a);

	sync_base(a);
	if (!enabled(a))
		return HW_NO_DEADLINE;
	switch (timer_mode(a)) {
	case 0:
		return period && !a->timer_fired ? a->timer_start_ns + period : HW_NO_DEADLINE;
	case 1:
		return period ? a->timer_start_ns + (a->timer_fired + 1) * period : HW_NO_DEADLINE;
	case 2:
		return a->tsc_deadline ? tsc_to_ns(a, a->tsc_deadline) : HW_NO_DEADLINE;
	default:
		return HW_NO_DEADLINE;
	}
}

static void timer_fire(struct lapic *a)
{
	if (!(a->lvt[LVT_TIMER] & LVT_MASK))
		lapic_accept(a, (uint8_t)a->lvt[LVT_TIMER], false);
}

void lapic_poll(struct lapic *a)
{
	uint64_t period = timer_period(a), now = hw_clock_ns(a->clock), n;

	sync_base(a);
	if (!enabled(a))
		return;
	switch (timer_mode(a)) {
	case 0:
		if (period && !a->timer_fired && now - a->timer_start_ns >= period) {
			a->timer_fired = 1;
			timer_fire(a);
		}
		break;
	case 1:         /* periods missed between two polls make one interrupt */
		n = period ? (now - a->timer_start_ns) / period : 0;
		if (n > a->timer_fired) {
			a->timer_fired = n;
			timer_fire(a);
		}
		break;
	case 2:
		if (a->tsc_deadline && cpu_tsc(a->cpu) >= a->tsc_deadline) {
			a->tsc_deadline = 0;
			timer_fire(a);
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- IPIs */

/* Is APIC a (the receiver) among the destinations of a message from src (NULL: the
 * IOAPIC or an MSI), ICR layout lo, destination field dest (SDM vol. 3, 11.6.2)? The
 * destination is read in the receiver's mode: physical ID or broadcast; logical
 * x2APIC cluster (11.12.10.2), xAPIC flat or cluster by DFR (11.6.2.2). */
static bool ipi_targets(const struct lapic *src, const struct lapic *a, uint32_t lo, uint32_t dest)
{
	unsigned shorthand = (lo >> 18) & 3;

	if (shorthand)                          /* 11.6.1, ICR bits 19:18 */
		return shorthand == 1 ? a == src : shorthand == 2 || a != src;
	if (!(lo & 0x800))                      /* physical */
		return dest == a->id || dest == (x2apic(a) ? 0xffffffffu : 0xffu);
	if (x2apic(a))                          /* cluster: ID in 31:16, bitmap in 15:0 */
		return dest == 0xffffffffu ||
		       ((dest >> 16) == (a->ldr >> 16) && (dest & a->ldr & 0xffff));
	if ((a->dfr >> 28) == 0xf)              /* flat model */
		return (dest & (a->ldr >> 24)) != 0;
	return ((dest >> 4) == 0xf || (dest >> 4) == (a->ldr >> 28)) &&    /* cluster model */
	       (dest & (a->ldr >> 24) & 0xf);
}

bool lapic_match_dest(struct lapic *a, uint32_t dest, bool logical)
{
	sync_base(a);
	return enabled(a) && ipi_targets(NULL, a, logical ? 0x800 : 0, dest);
}

/* Lowest priority (11.6.2.4): the target whose processor priority is lowest; equal
 * priorities go to the lowest-numbered one, so the choice is deterministic. */
static struct lapic *lowest_priority(struct lapic **t, unsigned n)
{
	struct lapic *best = NULL;

	for (unsigned i = 0; i < n; i++)
		if (!best || (ppr(t[i]) & 0xf0) < (ppr(best) & 0xf0))
			best = t[i];
	return best;
}

/* Hand one message to one APIC, by delivery mode (11.6.1, ICR bits 10:8). */
static void deliver(struct lapic *a, uint32_t lo)
{
	uint8_t vector = (uint8_t)lo;
	struct vcpu *v = a->cpu;

	switch ((lo >> 8) & 7) {
	case 0:                                 /* fixed */
	case 1:                                 /* lowest priority (already arbitrated) */
		lapic_accept(a, vector, lo & 0x8000);
		break;
	case 4:                                 /* NMI: the vector is ignored */
		cpu_inject_nmi(v);
		break;
	case 5:
		/* INIT level de-assert (level 0, trigger level) only resynchronizes the
		 * arbitration IDs of old processors: no effect here (11.6.1). */
		if ((lo & 0xc000) == 0x8000)
			break;
		v->init_pending = true;
		v->exit_request = 1;            /* if it is the running vCPU: at the boundary */
		break;
	case 6:                                 /* start-up: the run loop takes it if waiting */
		v->sipi_pending = true;
		v->sipi_vector = vector;
		v->exit_request = 1;
		break;
	default:
		cpu_log_unimp("APIC delivery mode (SMI, ExtINT, reserved)", lo, NULL);
		break;
	}
}

void lapic_bus_send(struct lapic_bus *b, struct lapic *src, uint32_t lo, uint32_t dest)
{
	struct lapic *t[LAPIC_BUS_MAX];
	unsigned n = 0, mode = (lo >> 8) & 7;

	if (src && (mode == 0 || mode == 1) && (uint8_t)lo < 16)
		signal_error(src, ESR_SEND_ILLEGAL);
	for (unsigned i = 0; i < b->n; i++) {
		struct lapic *a = b->apic[i];

		sync_base(a);
		if (enabled(a) && ipi_targets(src, a, lo, dest))
			t[n++] = a;
	}
	if (mode == 1 && n > 1) {
		t[0] = lowest_priority(t, n);
		n = 1;
	}
	for (unsigned i = 0; i < n; i++)
		deliver(t[i], lo);
}

static void send_ipi(struct lapic *a)
{
	uint32_t dest = x2apic(a) ? a->icr_hi : a->icr_hi >> 24;

	if (a->bus) {
		lapic_bus_send(a->bus, a, a->icr_lo, dest);
	} else {
		struct lapic_bus self = { .apic = { a }, .n = 1 };

		lapic_bus_send(&self, a, a->icr_lo, dest);
	}
}

/* ---------------------------------------------------------------- registers */

/* Read register reg (offset >> 4). Returns false for a register the current mode
 * does not have (x2APIC: #GP). */
static bool reg_read(struct lapic *a, unsigned reg, uint64_t *val)
{
	bool x2 = x2apic(a);

	switch (reg) {
	case 0x02: *val = x2 ? a->id : a->id << 24; return true;
	case 0x03: *val = 0x14 | (LAPIC_NLVT - 1) << 16; return true;
	case 0x08: *val = a->tpr; return true;
	case 0x09: *val = ppr(a); return !x2;   /* APR: arbitration no lower than PPR */
	case 0x0a: *val = ppr(a); return true;
	case 0x0b: *val = 0; return !x2;        /* EOI is write-only */
	case 0x0c: *val = 0; return !x2;        /* RRD */
	case 0x0d: *val = a->ldr; return true;
	case 0x0e: *val = a->dfr; return !x2;
	case 0x0f: *val = a->svr; return true;
	case 0x28: *val = a->esr; return true;
	case 0x2f: *val = a->lvt[LVT_CMCI]; return true;
	case 0x30: *val = x2 ? (uint64_t)a->icr_hi << 32 | a->icr_lo : a->icr_lo; return true;
	case 0x31: *val = a->icr_hi; return !x2;
	case 0x38: *val = a->initial_count; return true;
	case 0x39: *val = current_count(a); return true;
	case 0x3e: *val = a->divide; return true;
	default:
		break;
	}
	if (reg >= 0x10 && reg < 0x28) {
		const uint32_t *bank = reg < 0x18 ? a->isr : reg < 0x20 ? a->tmr : a->irr;

		*val = bank[reg & 7];
		return true;
	}
	if (reg >= 0x32 && reg <= 0x37) {
		*val = a->lvt[reg - 0x31];
		return true;
	}
	return false;
}

static void write_lvt(struct lapic *a, unsigned i, uint32_t val)
{
	uint32_t bits = lvt_bits[i];

	if (i == LVT_TIMER && !cpu_has_feature(a->cpu, "tsc-deadline"))
		bits &= ~(1u << 18);
	val &= bits;
	if (!(a->svr & SVR_ENABLE))
		val |= LVT_MASK;        /* software-disabled: LVTs stay masked (11.4.7.2) */
	if (i == LVT_TIMER && ((val ^ a->lvt[i]) >> 17) & 3) {
		a->tsc_deadline = 0;    /* a mode change disarms the timer (11.5.4.1) */
		a->initial_count = 0;
	}
	a->lvt[i] = (a->lvt[i] & ~bits) | val;
}

static void timer_changed(struct lapic *a)
{
	if (a->timer_changed)
		a->timer_changed(a->timer_opaque);
}

/* Write register reg. Returns false for a read-only or absent register (x2APIC: #GP). */
static bool reg_write(struct lapic *a, unsigned reg, uint64_t val)
{
	bool x2 = x2apic(a);
	uint32_t v32 = (uint32_t)val;

	if (x2 && reg != 0x30 && (val >> 32))
		return false;
	switch (reg) {
	case 0x08: a->tpr = v32 & 0xff; return true;
	case 0x0b:
		if (x2 && val)
			return false;
		eoi(a);
		return true;
	case 0x0d:
		if (x2)
			return false;
		a->ldr = v32 & 0xff000000u;
		return true;
	case 0x0e:
		if (x2)
			return false;
		a->dfr = v32 | 0x0fffffffu;
		return true;
	case 0x0f:
		a->svr = v32 & 0x3ff;
		if (!(a->svr & SVR_ENABLE))
			for (unsigned i = 0; i < LAPIC_NLVT; i++)
				a->lvt[i] |= LVT_MASK;
		return true;
	case 0x28:      /* a write makes the errors since the last one readable (11.5.3) */
		if (x2 && val)
			return false;
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		return true;
	case 0x2f: write_lvt(a, LVT_CMCI, v32); return true;
	case 0x30:
		if (x2)
			a->icr_hi = (uint32_t)(val >> 32);
		a->icr_lo = v32 & 0x000cdfffu;  /* delivery status (bit 12) reads 0: sent */
		send_ipi(a);
		return true;
	case 0x31:
		if (x2)
			return false;
		a->icr_hi = v32 & 0xff000000u;
		return true;
	case 0x38:
		if (timer_mode(a) == 2)
			return true;    /* ignored in TSC-deadline mode */
		a->initial_count = v32;
		a->timer_start_ns = hw_clock_ns(a->clock);
		a->timer_fired = 0;
		timer_changed(a);
		return true;
	case 0x3e:
		a->divide = v32 & 0xb;
		timer_changed(a);
		return true;
	case 0x3f:                              /* SELF IPI (x2APIC only) */
		if (!x2)
			return false;
		lapic_accept(a, (uint8_t)v32, false);
		return true;
	default:
		break;
	}
	if (reg >= 0x32 && reg <= 0x37) {
		write_lvt(a, reg - 0x31, v32);
		if (reg == 0x32)
			timer_changed(a);
		return true;
	}
	return false;
}

/* xAPIC MMIO: 32-bit registers at 16-byte strides; other bytes read 0. */
uint64_t lapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct lapic *a = dev;
	uint64_t val = 0;

	sync_base(a);
	if (!enabled(a) || x2apic(a))
		return ~0ull;   /* no xAPIC at this address now: the bus floats */
	if ((offset & 0xf) >= 4)
		return 0;
	if (!reg_read(a, (unsigned)(offset >> 4), &val))
		signal_error(a, ESR_ILLEGAL_REG);
	return (uint32_t)val >> (8 * (offset & 3)) & (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

void lapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct lapic *a = dev;

	sync_base(a);
	if (!enabled(a) || x2apic(a) || (offset & 0xf))
		return;
	if (size < 4)
		cpu_log_unimp("xAPIC register write narrower than 32 bits", offset, NULL);
	if (!reg_write(a, (unsigned)(offset >> 4), (uint32_t)val))
		signal_error(a, ESR_ILLEGAL_REG);
}

/* x2APIC MSRs 800H-8FFH and IA32_TSC_DEADLINE (6E0H). */
static int lapic_msr(struct vcpu *v, void *opaque, uint32_t index, uint64_t *val, bool write)
{
	struct lapic *a = opaque;

	(void)v;
	sync_base(a);
	/* IA32_APIC_BASE itself is cpu/'s: having synced the value it replaces, every
	 * transition (a disable and re-enable in a row too) is seen. */
	if (index == 0x1b)
		return 0;
	if (index == 0x6e0) {
		if (!cpu_has_feature(a->cpu, "tsc-deadline"))
			return 0;
		if (!write) {
			*val = timer_mode(a) == 2 ? a->tsc_deadline : 0;
		} else if (timer_mode(a) == 2) {
			a->tsc_deadline = *val;
			timer_changed(a);
		}
		return 1;
	}
	if (index < 0x800 || index > 0x8ff)
		return 0;
	if (!x2apic(a))
		return -1;      /* SDM vol. 3, 11.12.1.2: #GP unless in x2APIC mode */
	if (write)
		return reg_write(a, index - 0x800, *val) ? 1 : -1;
	return reg_read(a, index - 0x800, val) ? 1 : -1;
}

/*
 * A performance-counter overflow with its interrupt enabled (cpu/pmu.c): the LVT
 * performance-counter entry delivers it - fixed (its vector) or NMI, the delivery
 * modes Linux and test kernels use - and then sets the entry's mask bit, as Intel
 * processors since Core do (Linux's PMI handler unmasks LVTPC for that reason; KVM
 * does the same). SDM vol. 3, 20.2.1.1 (INT flag), 11.5.1 (LVT).
 * A masked entry drops it; the overflow stays in IA32_PERF_GLOBAL_STATUS.
 */
static void lapic_pmi(struct vcpu *v, void *opaque)
{
	struct lapic *a = opaque;
	uint32_t lvt = a->lvt[LVT_PERF];

	sync_base(a);
	if (!enabled(a) || (lvt & LVT_MASK))
		return;
	switch ((lvt >> 8) & 7) {
	case 0:
		lapic_accept(a, (uint8_t)lvt, false);
		break;
	case 4:
		cpu_inject_nmi(v);
		break;
	default:
		cpu_log_unimp("LVT performance-counter delivery mode", (lvt >> 8) & 7, NULL);
		return;
	}
	a->lvt[LVT_PERF] |= LVT_MASK;
}

/* The vCPU took an INIT: the APIC goes to its INIT state, keeping its ID and
 * IA32_APIC_BASE (SDM vol. 3, 11.4.7.3); the x2APIC LDR is derived again. */
static void lapic_init_hook(struct vcpu *v, void *opaque)
{
	struct lapic *a = opaque;

	(void)v;
	reset_state(a, false);
	a->base_seen = 0;
	sync_base(a);
	timer_changed(a);
}

void lapic_init(struct lapic *a, struct vcpu *cpu, const struct hw_clock *clock)
{
	memset(a, 0, sizeof(*a));
	a->cpu = cpu;
	a->clock = clock;
	lapic_reset(a);
	cpu_msr_add_hook(cpu, lapic_msr, a);
	cpu->init_hook = lapic_init_hook;
	cpu->init_opaque = a;
	cpu->pmi_hook = lapic_pmi;
	cpu->pmi_opaque = a;
}
