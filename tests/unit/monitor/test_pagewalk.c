/*
 * tests/unit/monitor/test_pagewalk.c - the page-table walker behind info tlb / info mem
 * (monitor/pagewalk.c) in each paging format: 32-bit with 4 MiB pages (and PSE-36),
 * PAE with 2 MiB pages and NX, 4-level with 1 GiB pages in the upper half.
 */
#include "tests/unit/common/check_run.h"
#include "monitor/internal.h"
#include "tests/unit/common/emu.h"

#include <check.h>
#include <string.h>

#define MAXMAP 4096

static struct pw_map maps[MAXMAP];
static unsigned nmaps;

static bool collect(void *opaque, const struct pw_map *m)
{
	if (nmaps < MAXMAP)
		maps[nmaps++] = *m;
	return true;
}

static void walk(struct emu *e)
{
	nmaps = 0;
	ck_assert_int_eq(pw_walk(&e->v, collect, NULL), 0);
}

static void put32(struct emu *e, uint64_t pa, uint32_t v) { emu_load(e, pa, &v, 4); }

static void expect(unsigned i, uint64_t lin, uint64_t phys, uint64_t size, bool w, bool u, bool nx)
{
	ck_assert_uint_gt(nmaps, i);
	ck_assert_uint_eq(maps[i].lin, lin);
	ck_assert_uint_eq(maps[i].phys, phys);
	ck_assert_uint_eq(maps[i].size, size);
	ck_assert_int_eq(maps[i].write, w);
	ck_assert_int_eq(maps[i].user, u);
	ck_assert_int_eq(maps[i].nx, nx);
}

START_TEST(paging_off)
{
	struct emu *e = emu_new(EMU_PROT32, 0);

	ck_assert_int_eq(pw_walk(&e->v, collect, NULL), -1);
	emu_free(e);
}
END_TEST

START_TEST(legacy_32bit)
{
	struct emu *e = emu_new(EMU_PROT32, 0);

	memset(e->ram + 0x10000, 0, 0x2000);
	put32(e, 0x10000, 0x11000 | 0x7);                       /* PDE 0 -> PT, user, writable */
	put32(e, 0x11000 + 1 * 4, 0x5000 | 0x3);                /* 0x1000 -> 0x5000, supervisor */
	put32(e, 0x11000 + 2 * 4, 0x6000 | 0x2);                /* not present */
	put32(e, 0x10000 + 1 * 4, 0x00800000 | 0x80 | 0x5);     /* 4M page, user, read-only */
	put32(e, 0x10000 + 2 * 4, 0x00c00000 | (0x01u << 13) | 0x80 | 0x1);  /* PSE-36: bit 32 */
	e->v.s.cr3 = 0x10000;
	e->v.s.cr4 |= CR4_PSE;
	e->v.s.cr0 |= CR0_PG;
	walk(e);
	ck_assert_uint_eq(nmaps, 3);
	expect(0, 0x1000, 0x5000, 0x1000, true, false, false);
	expect(1, 0x400000, 0x800000, 0x400000, false, true, false);
	expect(2, 0x800000, 0x100c00000ull, 0x400000, false, false, false);
	emu_free(e);
}
END_TEST

START_TEST(pae)
{
	struct emu *e = emu_new(EMU_PROT32, 0);

	memset(e->ram + 0x12000, 0, 0x2000);
	emu_write64(e, 0x12000 + 1 * 8, 0x200000 | 0x80 | 0x7);                 /* 2M page */
	emu_write64(e, 0x12000, 0x13000 | 0x7);
	emu_write64(e, 0x13000 + 2 * 8, 0x7000 | 0x1 | (1ull << 63));          /* NX */
	e->v.s.pdpte[0] = 0x12000 | 1;
	e->v.s.pdpte[3] = 0x12000 | 1;          /* the same directory again at 3 GiB */
	e->v.s.cr3 = 0x14000;
	e->v.s.cr4 |= CR4_PAE;
	e->v.s.efer |= EFER_NXE;
	e->v.s.cr0 |= CR0_PG;
	walk(e);
	ck_assert_uint_eq(nmaps, 4);
	expect(0, 0x2000, 0x7000, 0x1000, false, false, true);
	expect(1, 0x200000, 0x200000, 0x200000, true, true, false);
	expect(2, 0xc0002000ull, 0x7000, 0x1000, false, false, true);
	/* NX means nothing without EFER.NXE */
	e->v.s.efer &= ~EFER_NXE;
	walk(e);
	expect(0, 0x2000, 0x7000, 0x1000, false, false, false);
	emu_free(e);
}
END_TEST

START_TEST(four_level_upper_half)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint64_t pdpt = 0x70000;

	memset(e->ram + pdpt, 0, 0x1000);
	emu_write64(e, pdpt + 511 * 8, 0x40000000ull | 0x80 | 0x3);     /* 1G page */
	emu_write64(e, EMU_PML4 + 511 * 8, pdpt | 0x3);
	walk(e);
	ck_assert_uint_gt(nmaps, 1);
	/* address order: the upper half comes last, sign-extended */
	expect(nmaps - 1, 0xffffffffc0000000ull, 0x40000000ull, 1ull << 30, true, false, false);
	expect(0, 0, 0, 0x1000, true, true, false);
	emu_free(e);
}
END_TEST

static bool stop_after_two(void *opaque, const struct pw_map *m)
{
	return ++*(unsigned *)opaque < 2;
}

START_TEST(visitor_can_stop)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	unsigned n = 0;

	ck_assert_int_eq(pw_walk(&e->v, stop_after_two, &n), 0);
	ck_assert_uint_eq(n, 2);
	emu_free(e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pagewalk");
	TCase *t = tcase_create("walk");

	tcase_add_test(t, paging_off);
	tcase_add_test(t, legacy_32bit);
	tcase_add_test(t, pae);
	tcase_add_test(t, four_level_upper_half);
	tcase_add_test(t, visitor_can_stop);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
