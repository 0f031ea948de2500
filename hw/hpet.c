/*
 * hw/hpet.c - High Precision Event Timer, after the IA-PC HPET specification 1.0a
 * (Intel, 2004): 2.3 register map (GCAP_ID, GEN_CONF, GINTR_STA, MAIN_CNT, Tn_CONF,
 * Tn_COMPARATOR), 2.3.9 one-shot, periodic and 32-bit modes, 2.3.9.2.2 Tn_VAL_SET_CNF,
 * 2.4 legacy replacement routing. FSB (MSI) delivery is not offered (Tn_FSB_INT_DEL_CAP
 * = 0), as on QEMU's pc.
 *
 * Nothing is stepped: the main counter is a function of machine time while it runs,
 * and a comparator fires when the counter crosses it between two polls (the machine
 * polls at hpet_next_deadline(), and every register access polls first). Matches
 * missed by a slow poll are coalesced into one interrupt, as a real HPET would show
 * to software that masks its interrupt for that long.
 */
#include "hw/hpet.h"

#include <string.h>

enum {
	REG_GCAP_ID = 0x000, REG_GEN_CONF = 0x010, REG_GINTR_STA = 0x020, REG_MAIN_CNT = 0x0f0,
	REG_TIMER0 = 0x100, TIMER_STRIDE = 0x20,
	TN_CONF = 0x00, TN_CMP = 0x08, TN_FSB = 0x10,
};

#define CFG_ENABLE  (1ull << 0)
#define CFG_LEG_RT  (1ull << 1)
#define TN_INT_TYPE (1ull << 1)         /* 1: level-triggered */
#define TN_INT_ENB  (1ull << 2)
#define TN_TYPE_PER (1ull << 3)         /* 1: periodic */
#define TN_PER_CAP  (1ull << 4)
#define TN_SIZE_CAP (1ull << 5)         /* 1: 64-bit comparator */
#define TN_VAL_SET  (1ull << 6)
#define TN_32MODE   (1ull << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (0x1full << TN_ROUTE_SHIFT)
#define TN_WRITABLE (TN_INT_TYPE | TN_INT_ENB | TN_TYPE_PER | TN_VAL_SET | TN_32MODE | TN_ROUTE_MASK)

#define NS_PER_TICK (HPET_PERIOD_FS / 1000000u)
#define NO_MATCH UINT64_MAX

/* ---------------------------------------------------------------- the counter */

static bool running(const struct hpet *h)
{
	return h->config & CFG_ENABLE;
}

static uint64_t counter_now(const struct hpet *h)
{
	if (!running(h))
		return h->counter;
	return h->counter + (hw_clock_ns(h->clock) - h->counter_ns) / NS_PER_TICK;
}

static bool is_32bit(const struct hpet_timer *t)
{
	return t->config & TN_32MODE;
}

/* The first main-counter value after `from` at which timer t matches (2.3.9: a match
 * is the counter equal to the comparator; in 32-bit mode only the low halves count). */
static uint64_t match_after(const struct hpet_timer *t, uint64_t from)
{
	uint64_t m;

	if (!is_32bit(t))
		return t->cmp > from ? t->cmp : NO_MATCH;
	m = (from & ~0xffffffffull) | (t->cmp & 0xffffffffull);
	return m > from ? m : m + (1ull << 32);
}

/* ---------------------------------------------------------------- interrupts */

/* Where timer n's interrupt goes: 0x100 + ISA IRQ line index under legacy replacement
 * (2.4: timer 0 -> IRQ0, timer 1 -> IRQ8), else the IOAPIC pin; -1 for none. */
static int route_of(const struct hpet *h, unsigned n)
{
	unsigned pin = (unsigned)((h->t[n].config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);

	if ((h->config & CFG_LEG_RT) && n < 2)
		return 0x100 + (int)n;
	return (HPET_INTCAP >> pin) & 1 ? (int)pin : -1;
}

static void drive(struct hpet *h, int route, int level)
{
	if (route >= 0x100)
		irq_set(&h->legacy[route - 0x100], level);
	else if (route >= 0 && h->ioapic_set)
		h->ioapic_set(h->ioapic_opaque, (unsigned)route, level);
}

/* The level timer n drives: level-triggered, enabled and its status bit set. */
static void update_level(struct hpet *h, unsigned n, int old_route)
{
	struct hpet_timer *t = &h->t[n];
	bool level = running(h) && (t->config & TN_INT_TYPE) && (t->config & TN_INT_ENB) &&
		     (h->isr & (1ull << n));
	int route = route_of(h, n);

	if (t->level_out && (!level || old_route != route))
		drive(h, old_route, 0);
	if (level && (!t->level_out || old_route != route))
		drive(h, route, 1);
	t->level_out = level;
}

static void fire(struct hpet *h, unsigned n)
{
	struct hpet_timer *t = &h->t[n];
	int route = route_of(h, n);

	if (!(t->config & TN_INT_ENB))
		return;
	if (t->config & TN_INT_TYPE) {          /* level: status bit until written with 1 */
		h->isr |= 1ull << n;
		update_level(h, n, route);
	} else {
		drive(h, route, 1);             /* edge: one pulse */
		drive(h, route, 0);
	}
}

void hpet_poll(struct hpet *h)
{
	uint64_t now;

	if (!running(h))
		return;
	now = counter_now(h);
	for (unsigned n = 0; n < HPET_NTIMERS; n++) {
		struct hpet_timer *t = &h->t[n];
		uint64_t m = match_after(t, h->polled);
		uint64_t period = is_32bit(t) ? t->period & 0xffffffffull : t->period;

		/* A 32-bit one-shot timer also interrupts when the low half of the main
		 * counter wraps (2.3.9.2.1; QEMU does the same). */
		if (is_32bit(t) && !(t->config & TN_TYPE_PER) && now >> 32 != h->polled >> 32)
			fire(h, n);
		if (m == NO_MATCH || m > now)
			continue;
		fire(h, n);
		/* Periodic: the comparator advances by the period past now (2.3.9.2.2). */
		if ((t->config & TN_TYPE_PER) && period) {
			m += ((now - m) / period + 1) * period;
			t->cmp = is_32bit(t) ? m & 0xffffffffull : m;
		}
	}
	h->polled = now;
}

uint64_t hpet_next_deadline(const struct hpet *h)
{
	uint64_t next = HW_NO_DEADLINE;

	if (!running(h))
		return next;
	for (unsigned n = 0; n < HPET_NTIMERS; n++) {
		uint64_t m = match_after(&h->t[n], h->polled), ns;

		if (is_32bit(&h->t[n]) && !(h->t[n].config & TN_TYPE_PER))
			m = (h->polled | 0xffffffffull) + 1 < m ? (h->polled | 0xffffffffull) + 1 : m;
		if (m == NO_MATCH || !(h->t[n].config & TN_INT_ENB) || m < h->counter)
			continue;
		ns = h->counter_ns + (m - h->counter) * NS_PER_TICK;
		if (ns < next)
			next = ns;
	}
	return next;
}

bool hpet_legacy(const struct hpet *h)
{
	return h->config & CFG_LEG_RT;
}

/* ---------------------------------------------------------------- registers */

void hpet_init(struct hpet *h, const struct hw_clock *clock)
{
	memset(h, 0, sizeof(*h));
	h->clock = clock;
	hpet_reset(h);
}

void hpet_reset(struct hpet *h)
{
	for (unsigned n = 0; n < HPET_NTIMERS; n++) {
		if (h->t[n].level_out)
			drive(h, route_of(h, n), 0);
		/* Every comparator 64-bit and periodic-capable (as QEMU's), all ones at reset */
		h->t[n] = (struct hpet_timer){
			.config = (uint64_t)HPET_INTCAP << 32 | TN_PER_CAP | TN_SIZE_CAP,
			.cmp = ~0ull,
		};
	}
	h->config = 0;
	h->isr = 0;
	h->counter = 0;
	h->counter_ns = 0;
	h->polled = 0;
}

static uint64_t reg_read(struct hpet *h, uint64_t reg)
{
	if (reg >= REG_TIMER0 && reg < REG_TIMER0 + HPET_NTIMERS * TIMER_STRIDE) {
		const struct hpet_timer *t = &h->t[(reg - REG_TIMER0) / TIMER_STRIDE];

		switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
		case TN_CONF: return t->config;
		case TN_CMP: return t->cmp;
		default: return 0;              /* FSB route: no FSB delivery */
		}
	}
	switch (reg) {
	case REG_GCAP_ID: return (uint64_t)HPET_PERIOD_FS << 32 | HPET_ID_LOW;
	case REG_GEN_CONF: return h->config;
	case REG_GINTR_STA: return h->isr;
	case REG_MAIN_CNT: return counter_now(h);
	default: return 0;
	}
}

uint64_t hpet_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct hpet *h = dev;
	uint64_t v;

	if ((size != 4 && size != 8) || (offset & (size - 1)))
		return ~0ull >> (64 - 8 * (size < 8 ? size : 8));
	hpet_poll(h);
	v = reg_read(h, offset & ~7ull);
	if (size == 4)
		v = (uint32_t)(v >> (offset & 4 ? 32 : 0));
	return v;
}

static void write_gen_conf(struct hpet *h, uint64_t val)
{
	uint64_t old = h->config;
	int routes[HPET_NTIMERS];

	for (unsigned n = 0; n < HPET_NTIMERS; n++)
		routes[n] = route_of(h, n);
	hpet_poll(h);
	if ((val & CFG_ENABLE) && !(old & CFG_ENABLE)) {
		h->counter_ns = hw_clock_ns(h->clock);          /* counting resumes */
		h->polled = h->counter;
	} else if (!(val & CFG_ENABLE) && (old & CFG_ENABLE)) {
		h->counter = counter_now(h);                    /* halted where it is */
	}
	h->config = val & (CFG_ENABLE | CFG_LEG_RT);
	for (unsigned n = 0; n < HPET_NTIMERS; n++)
		update_level(h, n, routes[n]);
}

static void write_timer(struct hpet *h, unsigned n, uint64_t reg, uint64_t val, uint64_t mask)
{
	struct hpet_timer *t = &h->t[n];
	int route = route_of(h, n);

	switch (reg) {
	case TN_CONF:
		val = (t->config & ~mask) | (val & mask);
		t->config = (t->config & ~TN_WRITABLE) | (val & TN_WRITABLE);
		if (t->config & TN_32MODE)
			t->cmp &= 0xffffffffull;
		update_level(h, n, route);
		break;
	case TN_CMP:
		if (is_32bit(t))
			mask &= 0xffffffffull;
		/* Periodic: the write sets the period, and the comparator itself only when
		 * Tn_VAL_SET_CNF allows it (2.3.9.2.2); the bit clears after the write. */
		if (!(t->config & TN_TYPE_PER) || (t->config & TN_VAL_SET))
			t->cmp = (t->cmp & ~mask) | (val & mask);
		if (t->config & TN_TYPE_PER)
			t->period = (t->period & ~mask) | (val & mask);
		t->config &= ~TN_VAL_SET;
		break;
	default:
		break;                          /* FSB route: read-only without FSB */
	}
}

void hpet_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct hpet *h = dev;
	uint64_t reg = offset & ~7ull, mask = ~0ull;

	if ((size != 4 && size != 8) || (offset & (size - 1)))
		return;
	if (size == 4) {
		unsigned shift = offset & 4 ? 32 : 0;

		mask = 0xffffffffull << shift;
		val = (val & 0xffffffffull) << shift;
	}
	hpet_poll(h);
	if (reg >= REG_TIMER0 && reg < REG_TIMER0 + HPET_NTIMERS * TIMER_STRIDE) {
		write_timer(h, (unsigned)((reg - REG_TIMER0) / TIMER_STRIDE),
			    (reg - REG_TIMER0) % TIMER_STRIDE, val, mask);
		return;
	}
	switch (reg) {
	case REG_GEN_CONF:
		write_gen_conf(h, (h->config & ~mask) | (val & mask));
		break;
	case REG_GINTR_STA:                     /* write 1 to clear (2.3.6) */
		h->isr &= ~(val & mask);
		for (unsigned n = 0; n < HPET_NTIMERS; n++)
			update_level(h, n, route_of(h, n));
		break;
	case REG_MAIN_CNT:
		/* Software should write it only while halted (2.3.7); if it runs, it
		 * continues from the new value. */
		h->counter = (counter_now(h) & ~mask) | (val & mask);
		h->counter_ns = hw_clock_ns(h->clock);
		h->polled = h->counter;
		break;
	default:
		break;
	}
}
