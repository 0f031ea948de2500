/*
 * hw/mc146818.c - MC146818A real-time clock and CMOS RAM.
 *
 * Registers from the Motorola MC146818A data sheet: time, alarm and date bytes
 * (BCD or binary, 12- or 24-hour), register A (UIP, divider, rate select), B (SET,
 * PIE, AIE, UIE, DM, 24/12), C (IRQF, PF, AF, UF: cleared by reading) and D (VRT).
 * The time is the start date plus machine time, so it is deterministic when the
 * machine clock is; nothing is stepped: flags are brought up to date when the
 * machine polls the device (at its deadlines) or the guest reads register C.
 */
#include "hw/mc146818.h"

#include "cpu/cpu.h"

#include <string.h>

enum {
	RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
	RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_WDAY = 0x06, RTC_MDAY = 0x07,
	RTC_MONTH = 0x08, RTC_YEAR = 0x09, RTC_A = 0x0a, RTC_B = 0x0b, RTC_C = 0x0c,
	RTC_D = 0x0d, RTC_CENTURY = 0x32,
};
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM  0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80

#define NS_PER_S 1000000000ull

/* ---------------------------------------------------------------- calendar */

/* Days since 1970-01-01 of a proleptic Gregorian date (March-based years). */
static int64_t days_from_date(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void date_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

struct rtc_tm {
	unsigned sec, min, hour, wday, mday, month;
	int64_t year;
};

static void tm_from_unix(uint64_t t, struct rtc_tm *tm)
{
	int64_t days = (int64_t)(t / 86400);
	unsigned s = (unsigned)(t % 86400);

	tm->sec = s % 60;
	tm->min = s / 60 % 60;
	tm->hour = s / 3600;
	tm->wday = (unsigned)((days + 4) % 7) + 1;     /* 1970-01-01 was a Thursday; 1 = Sunday */
	date_from_days(days, &tm->year, &tm->month, &tm->mday);
}

static uint64_t unix_from_tm(const struct rtc_tm *tm)
{
	int64_t days = days_from_date(tm->year, tm->month, tm->mday);

	if (days < 0)
		return 0;
	return (uint64_t)days * 86400 + tm->hour * 3600u + tm->min * 60u + tm->sec;
}

/* ---------------------------------------------------------------- encoding */

static uint8_t to_reg(const struct mc146818 *r, unsigned v)
{
	return (r->cmos[RTC_B] & B_DM) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_reg(const struct mc146818 *r, uint8_t v)
{
	return (r->cmos[RTC_B] & B_DM) ? v : (v >> 4) * 10u + (v & 15);
}

static uint8_t hour_to_reg(const struct mc146818 *r, unsigned h)
{
	if (r->cmos[RTC_B] & B_24H)
		return to_reg(r, h);
	/* 12-hour mode: 1..12, bit 7 = PM */
	return (uint8_t)(to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct mc146818 *r, uint8_t v)
{
	unsigned h;

	if (r->cmos[RTC_B] & B_24H)
		return from_reg(r, v) % 24;
	h = from_reg(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* ---------------------------------------------------------------- time */

static uint64_t now_ns(const struct mc146818 *r)
{
	return hw_clock_ns(r->clock);
}

uint64_t mc146818_time(const struct mc146818 *r)
{
	int64_t t;

	if (r->cmos[RTC_B] & B_SET)
		return r->frozen_s;
	t = (int64_t)(r->start_s + now_ns(r) / NS_PER_S) + r->offset_s;
	return t > 0 ? (uint64_t)t : 0;
}

static void set_time(struct mc146818 *r, uint64_t t)
{
	if (r->cmos[RTC_B] & B_SET)
		r->frozen_s = t;
	else
		r->offset_s = (int64_t)t - (int64_t)(r->start_s + now_ns(r) / NS_PER_S);
}

/* The time and date register reg as the guest reads it now. */
static uint8_t time_reg(const struct mc146818 *r, unsigned reg)
{
	struct rtc_tm tm;

	tm_from_unix(mc146818_time(r), &tm);
	switch (reg) {
	case RTC_SEC: return to_reg(r, tm.sec);
	case RTC_MIN: return to_reg(r, tm.min);
	case RTC_HOUR: return hour_to_reg(r, tm.hour);
	case RTC_WDAY: return to_reg(r, tm.wday);
	case RTC_MDAY: return to_reg(r, tm.mday);
	case RTC_MONTH: return to_reg(r, tm.month);
	case RTC_YEAR: return to_reg(r, (unsigned)(tm.year % 100));
	default: return to_reg(r, (unsigned)(tm.year / 100 % 100));    /* century */
	}
}

/* The guest writes one time or date field: the others keep counting from now. */
static void write_time_reg(struct mc146818 *r, unsigned reg, uint8_t val)
{
	struct rtc_tm tm;
	unsigned v = from_reg(r, val);

	tm_from_unix(mc146818_time(r), &tm);
	switch (reg) {
	case RTC_SEC: tm.sec = v % 60; break;
	case RTC_MIN: tm.min = v % 60; break;
	case RTC_HOUR: tm.hour = hour_from_reg(r, val); break;
	case RTC_WDAY: return;                  /* derived from the date */
	case RTC_MDAY: tm.mday = v >= 1 && v <= 31 ? v : 1; break;
	case RTC_MONTH: tm.month = v >= 1 && v <= 12 ? v : 1; break;
	case RTC_YEAR: tm.year = tm.year / 100 * 100 + v % 100; break;
	default: tm.year = (int64_t)(v % 100) * 100 + tm.year % 100; break;
	}
	set_time(r, unix_from_tm(&tm));
}

/* Periodic interrupt period in 32.768 kHz cycles, 0 = off (rate select in A). */
static uint64_t periodic_cycles(const struct mc146818 *r)
{
	unsigned rate = r->cmos[RTC_A] & 15;

	if (!rate || ((r->cmos[RTC_A] >> 4) & 7) != 2)
		return 0;       /* rate 0, or the divider is not the 32.768 kHz time base */
	return rate <= 2 ? 1u << (rate + 6) : 1u << (rate - 1);
}

static uint64_t cycles_at(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * 32768 / NS_PER_S);
}

static uint64_t ns_of_cycles(uint64_t c)
{
	return (uint64_t)(((unsigned __int128)c * NS_PER_S + 32767) / 32768);
}

static void update_irq(struct mc146818 *r)
{
	uint8_t c = r->cmos[RTC_C] & 0x70;

	if (c & r->cmos[RTC_B] & (B_PIE | B_AIE | B_UIE))
		c |= C_IRQF;
	r->cmos[RTC_C] = c;
	irq_set(&r->irq, !!(c & C_IRQF));
}

static bool alarm_field_matches(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;  /* 11xxxxxx: don't care */
}

void mc146818_poll(struct mc146818 *r)
{
	uint64_t now = now_ns(r), period = periodic_cycles(r);

	if (now > r->polled_ns) {
		if (period && cycles_at(now) / period > cycles_at(r->polled_ns) / period)
			r->cmos[RTC_C] |= C_PF;
		/* An update cycle ends at each second of machine time while SET is clear. */
		if (!(r->cmos[RTC_B] & B_SET) && ((r->cmos[RTC_A] >> 4) & 7) == 2 &&
		    now / NS_PER_S > r->polled_ns / NS_PER_S) {
			r->cmos[RTC_C] |= C_UF;
			if (alarm_field_matches(r->cmos[RTC_SEC_ALARM], time_reg(r, RTC_SEC)) &&
			    alarm_field_matches(r->cmos[RTC_MIN_ALARM], time_reg(r, RTC_MIN)) &&
			    alarm_field_matches(r->cmos[RTC_HOUR_ALARM], time_reg(r, RTC_HOUR)))
				r->cmos[RTC_C] |= C_AF;
		}
		r->polled_ns = now;
	}
	update_irq(r);
}

uint64_t mc146818_next_deadline(const struct mc146818 *r)
{
	uint64_t now = now_ns(r), period = periodic_cycles(r), next = HW_NO_DEADLINE;

	if (period && (r->cmos[RTC_B] & B_PIE))
		next = ns_of_cycles((cycles_at(now) / period + 1) * period);
	if ((r->cmos[RTC_B] & (B_UIE | B_AIE)) && !(r->cmos[RTC_B] & B_SET)) {
		uint64_t sec = (now / NS_PER_S + 1) * NS_PER_S;

		if (sec < next)
			next = sec;
	}
	return next;
}

/* ---------------------------------------------------------------- ports */

void mc146818_init(struct mc146818 *r, const struct hw_clock *clock, struct irq_line irq,
		   uint64_t start_unix)
{
	memset(r, 0, sizeof(*r));
	r->clock = clock;
	r->irq = irq;
	r->start_s = start_unix;
	r->cmos[RTC_A] = 0x26;          /* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[RTC_B] = B_24H;         /* BCD, 24-hour, interrupts off */
	r->cmos[RTC_D] = D_VRT;
	r->polled_ns = now_ns(r);
}

void mc146818_set_memory(struct mc146818 *r, uint64_t below_4g, uint64_t above_4g,
			 unsigned ncpus)
{
	uint64_t ext_kb = below_4g > (1u << 20) ? (below_4g - (1u << 20)) >> 10 : 0;
	uint64_t above16m = below_4g > (16u << 20) ? (below_4g - (16u << 20)) >> 16 : 0;
	uint64_t high = above_4g >> 16;
	unsigned sum = 0;

	if (ext_kb > 0xffff)
		ext_kb = 0xffff;
	if (above16m > 0xffff)
		above16m = 0xffff;
	r->cmos[0x15] = 640 & 0xff;     /* base memory in KiB */
	r->cmos[0x16] = 640 >> 8;
	r->cmos[0x17] = r->cmos[0x30] = (uint8_t)ext_kb;        /* KiB above 1 MiB */
	r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(ext_kb >> 8);
	r->cmos[0x34] = (uint8_t)above16m;                      /* 64 KiB units above 16 MiB */
	r->cmos[0x35] = (uint8_t)(above16m >> 8);
	r->cmos[0x5b] = (uint8_t)high;                          /* 64 KiB units above 4 GiB */
	r->cmos[0x5c] = (uint8_t)(high >> 8);
	r->cmos[0x5d] = (uint8_t)(high >> 16);
	r->cmos[0x5f] = (uint8_t)(ncpus ? ncpus - 1 : 0);
	r->cmos[RTC_CENTURY] = time_reg(r, RTC_CENTURY);
	/* The standard checksum over 0x10-0x2d, at 0x2e (MSB) and 0x2f. */
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = (uint8_t)(sum >> 8);
	r->cmos[0x2f] = (uint8_t)sum;
}

static uint8_t rtc_read_reg(struct mc146818 *r, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY:
	case RTC_MDAY: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		return time_reg(r, reg);
	case RTC_A:
		v = r->cmos[RTC_A] & ~A_UIP;
		/* UIP: set during the 244 us before an update cycle (data sheet, figure 3). */
		if (!(r->cmos[RTC_B] & B_SET) && now_ns(r) % NS_PER_S >= NS_PER_S - 244000)
			v |= A_UIP;
		return v;
	case RTC_C:
		mc146818_poll(r);
		v = r->cmos[RTC_C];
		r->cmos[RTC_C] = 0;     /* reading C clears every flag and the interrupt */
		update_irq(r);
		return v;
	default:
		return r->cmos[reg];
	}
}

static void rtc_write_reg(struct mc146818 *r, unsigned reg, uint8_t val)
{
	uint64_t t;

	switch (reg) {
	case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY:
	case RTC_MDAY: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		write_time_reg(r, reg, val);
		break;
	case RTC_A:
		mc146818_poll(r);
		r->cmos[RTC_A] = (uint8_t)((val & ~A_UIP) | (r->cmos[RTC_A] & A_UIP));
		break;
	case RTC_B:
		mc146818_poll(r);
		t = mc146818_time(r);
		if (val & B_SET)
			val &= ~B_UIE;  /* SET = 1 clears UIE */
		if ((val & B_SET) && !(r->cmos[RTC_B] & B_SET)) {
			r->frozen_s = t;                /* updates stop */
			r->cmos[RTC_B] = val;
		} else if (!(val & B_SET) && (r->cmos[RTC_B] & B_SET)) {
			r->cmos[RTC_B] = val;           /* counting resumes from what was set */
			set_time(r, t);
		} else {
			r->cmos[RTC_B] = val;
		}
		update_irq(r);
		break;
	case RTC_C:
	case RTC_D:
		break;                  /* read-only */
	default:
		r->cmos[reg] = val;
		break;
	}
}

uint32_t mc146818_read(void *dev, uint16_t port, unsigned size)
{
	struct mc146818 *r = dev;

	(void)size;
	if (!(port & 1))
		return 0xff;            /* the index register is write-only */
	return rtc_read_reg(r, r->index);
}

void mc146818_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct mc146818 *r = dev;

	(void)size;
	if (!(port & 1)) {
		r->index = val & 0x7f;
		r->nmi_disabled = val & 0x80;
		return;
	}
	rtc_write_reg(r, r->index, (uint8_t)val);
}
