/*
 * tests/unit/cpu/test_pcid.c - the soft TLB tagged by PCID (cpu/cr.c, cpu/mem.c):
 * with CR4.PCIDE a MOV to CR3 flushes only the new PCID's entries, none with bit 63,
 * so another PCID's translations survive a switch - what hardware may do (SDM vol. 3,
 * 4.10.1, 4.10.4.1). Stale reads below are that allowed retention, observed.
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

#define P  0x1ull
#define RW 0x2ull
#define NOFLUSH (1ull << 63)

static uint64_t ld(uint64_t lin)
{
	uint64_t val = 0;

	ck_assert_int_eq(cpufix_ld(SEG_DS, lin, 8, &val), -1);
	return val;
}

START_TEST(test_pcid_spaces)
{
	struct vcpu *v = &g_fix->v;

	v->model = cpu_model_find("max");
	ck_assert_ptr_nonnull(v->model);
	cpufix_long64(0);
	v->s.cr3 = 0x10000;
	cpufix_put64(0x10000, 0x11000 | P | RW);
	cpufix_put64(0x11000, 0x12000 | P | RW);
	cpufix_put64(0x12000, 0x13000 | P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW);
	cpufix_put64(0x44000, 1);
	cpufix_put64(0x45000, 2);
	ck_assert_int_eq(cpu_set_cr4(v, v->s.cr4 | CR4_PCIDE), 0);

	/* The TLB is direct-mapped by linear page: each PCID touches its own page. */
	cpufix_put64(0x13000 + 8 * 5, 0x46000 | P | RW);
	cpufix_put64(0x46000, 3);
	ck_assert_uint_eq(ld(0x4000), 1);                       /* PCID 0 caches 1 */
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000 | 1), 0);
	cpufix_put64(0x13000 + 8 * 4, 0x45000 | P | RW);
	ck_assert_uint_eq(ld(0x5000), 3);                       /* PCID 1 */
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000 | NOFLUSH), 0);
	ck_assert_uint_eq(v->s.cr3, 0x10000);                   /* bit 63 not stored */
	ck_assert_uint_eq(ld(0x4000), 1);                       /* PCID 0 kept its entry */
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000 | 1 | NOFLUSH), 0);
	ck_assert_uint_eq(ld(0x4000), 2);                       /* PCID 1 never cached it */
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000), 0);           /* bit 63 clear: flush PCID 0 */
	ck_assert_uint_eq(ld(0x4000), 2);

	/* INVLPG drops the page in every PCID (its globals may be anywhere). */
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW);
	cpu_tlb_flush_page(v, 0x4000);
	ck_assert_uint_eq(ld(0x4000), 1);
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000 | 1 | NOFLUSH), 0);
	ck_assert_uint_eq(ld(0x4000), 1);

	/* Clearing CR4.PCIDE: back to PCID 0, everything flushed. */
	ck_assert_int_eq(cpu_set_cr3(v, 0x10000 | NOFLUSH), 0);
	ck_assert_int_eq(cpu_set_cr4(v, v->s.cr4 & ~CR4_PCIDE), 0);
	ck_assert_uint_eq(cpu_tlb_key(v)->pcid, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_pcid");
	TCase *tc = tcase_create("pcid");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_pcid_spaces);
	suite_add_tcase(s, tc);
	return check_run(s);
}
