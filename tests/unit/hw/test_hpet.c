/*
 * tests/unit/hw/test_hpet.c - the HPET through its MMIO handlers on a test clock:
 * capabilities, the main counter at 100 MHz, one-shot and periodic comparators,
 * 32-bit mode, level interrupts with write-1-to-clear status, legacy routing.
 */
#include "tests/unit/common/check_run.h"
#include "hw/hpet.h"

#include <check.h>
#include <string.h>

static struct hpet h;
static uint64_t now;
static unsigned edges[32];              /* rising edges per line (IOAPIC pins; 30, 31: IRQ0, IRQ8) */
static int levels[32];
static uint64_t test_now(void *opaque) { (void)opaque; return now; }
static const struct hw_clock clk = { test_now, NULL };

static void line(void *opaque, unsigned n, int level)
{
	(void)opaque;
	if (level && !levels[n])
		edges[n]++;
	levels[n] = level;
}

static uint64_t rd(uint64_t off) { return hpet_mmio_read(&h, off, 8); }
static void wr(uint64_t off, uint64_t v) { hpet_mmio_write(&h, off, 8, v); }
static void advance(uint64_t ns) { now += ns; hpet_poll(&h); }

static void setup(void)
{
	now = 1000;
	memset(edges, 0, sizeof(edges));
	memset(levels, 0, sizeof(levels));
	hpet_init(&h, &clk);
	h.ioapic_set = line;
	h.legacy[0] = (struct irq_line){ line, NULL, 30 };
	h.legacy[1] = (struct irq_line){ line, NULL, 31 };
}

START_TEST(capabilities_and_counter)
{
	uint64_t cap = rd(0x000);

	ck_assert_uint_eq(cap >> 32, 10000000u);        /* 10 ns period in fs */
	ck_assert_uint_eq((cap >> 8) & 0x1f, 2);        /* three timers */
	ck_assert(cap & (1u << 15));                    /* legacy replacement capable */
	ck_assert(cap & (1u << 13));                    /* 64-bit counter */
	ck_assert_uint_eq(hpet_mmio_read(&h, 0x004, 4), 10000000u);
	ck_assert_uint_eq(rd(0x100) >> 32, 0x00ff0104u);
	ck_assert_uint_eq(rd(0x0f0), 0);
	now += 500;
	ck_assert_uint_eq(rd(0x0f0), 0);                /* halted */
	wr(0x010, 1);
	now += 1000;
	ck_assert_uint_eq(rd(0x0f0), 100);
	ck_assert_uint_eq(hpet_mmio_read(&h, 0x0f0, 4), 100);
	wr(0x010, 0);
	now += 1000;
	ck_assert_uint_eq(rd(0x0f0), 100);
	wr(0x0f0, 1ull << 40);
	ck_assert_uint_eq(hpet_mmio_read(&h, 0x0f4, 4), 1u << 8);
}
END_TEST

START_TEST(one_shot_edge_to_ioapic)
{
	wr(0x100, 2u << 9 | 1u << 2);                  /* pin 2, edge, enabled */
	wr(0x108, 1000);
	wr(0x010, 1);
	ck_assert_uint_eq(hpet_next_deadline(&h), now + 10000);
	advance(9990);
	ck_assert_uint_eq(edges[2], 0);
	advance(10);
	ck_assert_uint_eq(edges[2], 1);
	ck_assert_uint_eq(levels[2], 0);
	advance(1000000);
	ck_assert_uint_eq(edges[2], 1);                 /* one shot */
	ck_assert_uint_eq(hpet_next_deadline(&h), HW_NO_DEADLINE);
	/* A pin the route capability does not list delivers nothing. */
	wr(0x100, 3u << 9 | 1u << 2);
	wr(0x108, rd(0x0f0) + 10);
	advance(1000);
	ck_assert_uint_eq(edges[3], 0);
}
END_TEST

START_TEST(periodic_with_val_set)
{
	uint64_t c;

	wr(0x010, 1);
	c = rd(0x0f0);
	wr(0x120, 16u << 9 | 1u << 2 | 1u << 3 | 1u << 6);   /* timer 1: pin 16, periodic, VAL_SET */
	wr(0x128, c + 100);                             /* comparator (and period) */
	wr(0x128, 50);                                  /* period only */
	ck_assert_uint_eq(rd(0x128), c + 100);
	ck_assert_uint_eq(rd(0x120) & (1u << 6), 0);   /* VAL_SET clears */
	advance(1000);
	ck_assert_uint_eq(edges[16], 1);
	ck_assert_uint_eq(rd(0x128), c + 150);
	for (unsigned i = 0; i < 4; i++)
		advance(500);
	ck_assert_uint_eq(edges[16], 5);
	/* A slow poll coalesces, and the comparator moves past the counter. */
	advance(5000);
	ck_assert_uint_eq(edges[16], 6);
	ck_assert(rd(0x128) > rd(0x0f0));
}
END_TEST

START_TEST(level_status_write_one_to_clear)
{
	wr(0x140, 20u << 9 | 1u << 2 | 1u << 1);       /* timer 2: pin 20, level */
	wr(0x148, 10);
	wr(0x010, 1);
	advance(100);
	ck_assert_uint_eq(rd(0x020), 4);
	ck_assert_int_eq(levels[20], 1);
	wr(0x020, 1);                                   /* another bit: no effect */
	ck_assert_int_eq(levels[20], 1);
	wr(0x020, 4);
	ck_assert_uint_eq(rd(0x020), 0);
	ck_assert_int_eq(levels[20], 0);
}
END_TEST

START_TEST(thirty_two_bit_mode_wraps)
{
	wr(0x0f0, 0xffffff00ull);
	wr(0x100, 2u << 9 | 1u << 2 | 1u << 8);        /* 32-bit mode */
	wr(0x108, 0x1ffffff10ull);                      /* truncated to 0xffffff10 */
	ck_assert_uint_eq(rd(0x108), 0xffffff10u);
	wr(0x010, 1);
	advance(160);
	ck_assert_uint_eq(edges[2], 1);
	wr(0x108, 0x20);                                /* after the low half wraps */
	ck_assert_uint_eq(hpet_next_deadline(&h), now + 0xf0 * 10);     /* the wrap */
	advance(0x100 * 10);
	ck_assert_uint_eq(edges[2], 2);                 /* one-shot: the wrap interrupts too */
	advance(0x30 * 10);
	ck_assert_uint_eq(edges[2], 3);
}
END_TEST

START_TEST(legacy_replacement_routes)
{
	wr(0x100, 2u << 9 | 1u << 2);
	wr(0x120, 2u << 9 | 1u << 2);
	wr(0x108, 10);
	wr(0x128, 20);
	wr(0x010, 3);                                   /* enable + LEG_RT */
	ck_assert(hpet_legacy(&h));
	advance(1000);
	ck_assert_uint_eq(edges[30], 1);                /* timer 0: IRQ0 */
	ck_assert_uint_eq(edges[31], 1);                /* timer 1: IRQ8 */
	ck_assert_uint_eq(edges[2], 0);
}
END_TEST

START_TEST(bad_accesses_are_harmless)
{
	ck_assert_uint_eq(hpet_mmio_read(&h, 0x3, 4), 0xffffffffu);
	ck_assert_uint_eq(hpet_mmio_read(&h, 0x0, 2), 0xffff);
	hpet_mmio_write(&h, 0x12, 4, 1);
	hpet_mmio_write(&h, 0x3f8, 8, ~0ull);
	ck_assert_uint_eq(rd(0x010), 0);
	ck_assert_uint_eq(rd(0x3f8), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hpet");
	TCase *tc = tcase_create("mmio");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, capabilities_and_counter);
	tcase_add_test(tc, one_shot_edge_to_ioapic);
	tcase_add_test(tc, periodic_with_val_set);
	tcase_add_test(tc, level_status_write_one_to_clear);
	tcase_add_test(tc, thirty_two_bit_mode_wraps);
	tcase_add_test(tc, legacy_replacement_routes);
	tcase_add_test(tc, bad_accesses_are_harmless);
	suite_add_tcase(s, tc);
	return check_run(s);
}
