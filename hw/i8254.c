/*
 * hw/i8254.c - the 8254 programmable interval timer.
 *
 * Behaviour from the Intel 8254 data sheet (231164-005): modes 0-5, the control
 * word, counter latch and read-back commands, the LSB/MSB read and write sequences.
 * The counters are not stepped: each is a function of machine time since its count
 * was loaded (or since its gate triggered it), so reading one costs the same
 * whenever it is read and the whole device follows the one machine clock.
 */
#include "hw/i8254.h"

#include "cpu/cpu.h"

#include <string.h>

/* Whole input-clock periods from `from` to `to` (machine ns). */
static uint64_t ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

/* The first machine-time ns at which `ticks` periods have passed. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t elapsed(const struct i8254_channel *c, uint64_t now)
{
	return now > c->load_ns ? ns_to_ticks(now - c->load_ns) : 0;
}

/* Counting: a count is loaded, started (modes 1 and 5 start on a gate edge, the
 * others with the count) and not held by a low gate. */
static bool counting(const struct i8254_channel *c)
{
	return c->loaded && c->started && !c->held;
}

/* Input-clock periods counted since the start. */
static uint64_t ticks_at(const struct i8254_channel *c, uint64_t now)
{
	return c->held ? c->held_ticks : elapsed(c, now);
}

bool i8254_out(const struct i8254 *t, unsigned ch, uint64_t now)
{
	const struct i8254_channel *c;
	uint64_t d;

	if (ch > 2)
		return false;
	c = &t->ch[ch];
	if (!c->loaded)
		return c->mode != 0;    /* mode 0 starts low, the others high */
	if (!c->started || (c->held && (c->mode == 2 || c->mode == 3)))
		return true;            /* waiting for a trigger; a low gate forces modes 2, 3 high */
	d = ticks_at(c, now);
	switch (c->mode) {
	case 0:                                         /* high at terminal count */
	case 1:                                         /* low from the trigger to TC */
		return d >= c->count;
	case 2:                                         /* low for the clock before reload */
		return d % c->count != c->count - 1;
	case 3:                                         /* high for the first half */
		return d % c->count < (c->count + 1) / 2;
	default:                                        /* 4, 5: low for one clock at TC */
		return d != c->count;
	}
}

/* The counting element's value now (0x10000 reads as 0). */
static uint16_t counter_value(const struct i8254_channel *c, uint64_t now)
{
	uint64_t d;

	if (!c->loaded || !c->started)
		return (uint16_t)c->count;
	d = ticks_at(c, now);
	switch (c->mode) {
	case 2:
		return (uint16_t)(c->count - d % c->count);
	case 3:
		return (uint16_t)((c->count - (2 * d) % c->count) & ~1u);
	default:
		return (uint16_t)(c->count - d);
	}
}

/* Tick (since the load) of the first rising edge of OUT after tick d, or ~0. */
static uint64_t next_edge_tick(const struct i8254_channel *c, uint64_t d)
{
	switch (c->mode) {
	case 0:
	case 1:
		return d < c->count ? c->count : ~0ull;
	case 2:
	case 3:
		return (d / c->count + 1) * c->count;
	default:
		return d < c->count + 1ull ? c->count + 1ull : ~0ull;
	}
}

uint64_t i8254_next_deadline(const struct i8254 *t)
{
	const struct i8254_channel *c = &t->ch[0];
	uint64_t now = hw_clock_ns(t->clock), tick;

	if (!counting(c))
		return HW_NO_DEADLINE;
	tick = next_edge_tick(c, elapsed(c, now));
	return tick == ~0ull ? HW_NO_DEADLINE : c->load_ns + ticks_to_ns(tick);
}

void i8254_poll(struct i8254 *t)
{
	const struct i8254_channel *c = &t->ch[0];
	uint64_t now = hw_clock_ns(t->clock);

	if (counting(c) && now > t->polled_ns) {
		uint64_t from = t->polled_ns > c->load_ns ? elapsed(c, t->polled_ns) : 0;
		uint64_t edge = next_edge_tick(c, from);

		/* Edges between polls are merged into one interrupt, as ticks a busy PC
		 * misses are. */
		if (edge != ~0ull && edge <= elapsed(c, now)) {
			irq_set(&t->irq0, 0);
			irq_set(&t->irq0, 1);
		}
	}
	t->polled_ns = now;
	irq_set(&t->irq0, i8254_out(t, 0, now));
}

void i8254_init(struct i8254 *t, const struct hw_clock *clock, struct irq_line irq0)
{
	memset(t, 0, sizeof(*t));
	t->clock = clock;
	t->irq0 = irq0;
	for (unsigned i = 0; i < 3; i++) {
		t->ch[i].gate = i != 2;         /* channels 0 and 1 are gated on; 2 by port 0x61 */
		t->ch[i].rw = 3;
		t->ch[i].mode = 3;      /* undefined until programmed: OUT reads high */
		t->ch[i].count = 0x10000;
	}
	irq_set(&t->irq0, 1);
}

static void load_count(struct i8254 *t, unsigned ch, uint32_t val)
{
	struct i8254_channel *c = &t->ch[ch];
	uint64_t now = hw_clock_ns(t->clock);

	if (ch == 0)
		i8254_poll(t);
	/* Mode 3 with an odd count, and counts of 1 in modes 2/3, behave as the data sheet
	 * allows only for counts >= 2; a count of 1 there is illegal, treated as 2. */
	c->count = val ? val : 0x10000;
	if ((c->mode == 2 || c->mode == 3) && c->count == 1)
		c->count = 2;
	c->loaded = true;
	c->null_count = false;
	c->load_ns = now;
	c->started = c->mode != 1 && c->mode != 5;
	c->held = c->started && !c->gate;
	c->held_ticks = 0;
	if (ch == 0) {
		t->polled_ns = now;
		irq_set(&t->irq0, i8254_out(t, 0, now));
	}
}

/* Latch the count unless a latched count is still unread (data sheet: later latch
 * commands are ignored until it is read). */
static void latch_count(struct i8254 *t, struct i8254_channel *c)
{
	if (c->count_latched)
		return;
	c->latch = counter_value(c, hw_clock_ns(t->clock));
	c->count_latched = true;
	c->latch_left = c->rw == 3 ? 2 : 1;
}

static void latch_status(struct i8254 *t, unsigned ch)
{
	struct i8254_channel *c = &t->ch[ch];

	if (c->status_latched)
		return;
	c->status = (uint8_t)((i8254_out(t, ch, hw_clock_ns(t->clock)) << 7) | (c->null_count << 6) |
			      (c->rw << 4) | (c->mode << 1) | c->bcd);
	c->status_latched = true;
}

static void control_word(struct i8254 *t, uint8_t val)
{
	unsigned sc = val >> 6, rw = (val >> 4) & 3;
	struct i8254_channel *c;

	if (sc == 3) {                  /* read-back: bit 5 = !COUNT, bit 4 = !STATUS */
		for (unsigned i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x10))
				latch_status(t, i);
			if (!(val & 0x20))
				latch_count(t, &t->ch[i]);
		}
		return;
	}
	c = &t->ch[sc];
	if (rw == 0) {
		latch_count(t, c);
		return;
	}
	if (sc == 0)
		i8254_poll(t);
	c->rw = (uint8_t)rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;           /* 110b, 111b are modes 2 and 3 */
	c->bcd = val & 1;
	if (c->bcd)
		cpu_log_unimp("8254 BCD counting (counts in binary)", val, NULL);
	c->loaded = c->started = c->held = false;
	c->null_count = true;
	c->write_hi = c->read_hi = false;
	c->count_latched = c->status_latched = false;
	if (sc == 0)
		irq_set(&t->irq0, i8254_out(t, 0, hw_clock_ns(t->clock)));
}

static uint8_t counter_read(struct i8254 *t, unsigned ch)
{
	struct i8254_channel *c = &t->ch[ch];
	uint16_t v;
	bool hi;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		hi = c->rw == 2 || (c->rw == 3 && c->latch_left == 1);
		if (--c->latch_left == 0)
			c->count_latched = false;
		return (uint8_t)(hi ? c->latch >> 8 : c->latch);
	}
	v = counter_value(c, hw_clock_ns(t->clock));
	hi = c->rw == 2 || (c->rw == 3 && c->read_hi);
	if (c->rw == 3)
		c->read_hi = !c->read_hi;
	return (uint8_t)(hi ? v >> 8 : v);
}

static void counter_write(struct i8254 *t, unsigned ch, uint8_t val)
{
	struct i8254_channel *c = &t->ch[ch];

	switch (c->rw) {
	case 1:
		load_count(t, ch, val);
		break;
	case 2:
		load_count(t, ch, (uint32_t)val << 8);
		break;
	default:
		if (!c->write_hi) {
			c->write_lsb = val;
			c->write_hi = true;
		} else {
			c->write_hi = false;
			load_count(t, ch, c->write_lsb | (uint32_t)val << 8);
		}
		break;
	}
}

uint32_t i8254_read(void *dev, uint16_t port, unsigned size)
{
	unsigned ch = port & 3;

	(void)size;             /* byte ports: a wider read repeats the byte's port */
	return ch == 3 ? 0xff : counter_read(dev, ch);
}

void i8254_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	unsigned ch = port & 3;

	(void)size;
	if (ch == 3)
		control_word(dev, (uint8_t)val);
	else
		counter_write(dev, ch, (uint8_t)val);
}

/* Gate of channel 2 (port 0x61 bit 0). A rising edge triggers modes 1 and 5 and
 * restarts modes 2 and 3; a low gate holds the count in modes 0, 2, 3 and 4. */
static void set_gate2(struct i8254 *t, bool gate)
{
	struct i8254_channel *c = &t->ch[2];
	uint64_t now = hw_clock_ns(t->clock);

	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!c->loaded)
		return;
	if (gate && c->mode != 0 && c->mode != 4) {
		c->load_ns = now;       /* trigger / restart */
		c->started = true;
		c->held = false;
	} else if (gate && c->held) {
		c->load_ns = now - ticks_to_ns(c->held_ticks);  /* resume where it stopped */
		c->held = false;
	} else if (!gate && c->started && c->mode != 1 && c->mode != 5) {
		c->held_ticks = elapsed(c, now);
		c->held = true;
	}
}

uint32_t i8254_port61_read(void *dev, uint16_t port, unsigned size)
{
	struct i8254 *t = dev;
	uint64_t now = hw_clock_ns(t->clock);

	(void)port;
	(void)size;
	/* Bit 4 toggles with each DRAM refresh request (every 15.085 us). */
	return (uint32_t)(t->ch[2].gate | t->speaker_data << 1 | ((now / 15085) & 1) << 4 |
			  i8254_out(t, 2, now) << 5);
}

void i8254_port61_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct i8254 *t = dev;

	(void)port;
	(void)size;
	t->speaker_data = val & 2;
	set_gate2(t, val & 1);
}
