/*
 * tests/unit/cpu/test_paging.c - page walks (cpu/paging.c) checked against page tables
 * built in RAM: translations, accessed/dirty flags, #PF error codes and CR2, for 32-bit,
 * PAE, 4-level and 5-level paging (SDM vol. 3, ch. 4).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

#define P   0x1ull
#define RW  0x2ull
#define US  0x4ull
#define A   0x20ull
#define D   0x40ull
#define PS  0x80ull
#define XD  (1ull << 63)

/* 4-level tables at fixed places: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000. */
static void map4(uint64_t flags_top)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_long64(0);
	s->cr3 = 0x10000;
	cpufix_put64(0x10000, 0x11000 | flags_top);
	cpufix_put64(0x11000, 0x12000 | flags_top);
	cpufix_put64(0x12000, 0x13000 | flags_top);
}

static void expect_pf(int r, uint32_t pfec, uint64_t cr2)
{
	ck_assert_int_eq(r, EXC_PF);
	ck_assert_uint_eq(g_fix->v.pending_error, pfec);
	ck_assert_uint_eq(g_fix->v.s.cr2, cr2);
}

START_TEST(test_32bit_4k_and_ad)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_flat32(0);
	s->cr0 |= CR0_PG;
	s->cr3 = 0x20000;
	/* lin 0x00401234 -> PDE[1] -> PT 0x21000, PTE[1] -> page 0x55000 */
	cpufix_put32(0x20000 + 4, 0x21000 | P | RW | US);
	cpufix_put32(0x21000 + 4, 0x55000 | P | RW | US);
	cpufix_put32(0x55234, 0xdeadbeef);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x401234, 4, &val), -1);
	ck_assert_uint_eq(val, 0xdeadbeef);
	ck_assert_uint_eq(cpufix_get32(0x20004) & (A | D), A);   /* SDM 4.8: A, no D on PDE */
	ck_assert_uint_eq(cpufix_get32(0x21004) & (A | D), A);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x401238, 4, 0x12345678), -1);
	ck_assert_uint_eq(cpufix_get32(0x21004) & (A | D), A | D);
	ck_assert_uint_eq(cpufix_get32(0x55238), 0x12345678);

	/* Not present: P = 0, W from the access, CR2 = the linear address. */
	expect_pf(cpufix_st(SEG_DS, 0x801000, 4, 1), PFEC_W, 0x801000);
	expect_pf(cpufix_ld(SEG_DS, 0x402000, 1, &val), 0, 0x402000);
}
END_TEST

START_TEST(test_32bit_4m_pse)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_flat32(0);
	s->cr0 |= CR0_PG;
	s->cr4 |= CR4_PSE;
	s->cr3 = 0x20000;
	cpufix_put32(0x20000 + 4 * 3, 0x400000 | P | RW | PS);        /* 0xC00000 -> 4M */
	cpufix_put32(0x400000 + 0x1230, 0xcafe);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0xc01230, 2, &val), -1);
	ck_assert_uint_eq(val, 0xcafe);
	/* bit 21 of a 4-MByte PDE is reserved (table 4-4). */
	cpufix_put32(0x20000 + 4 * 4, 0x400000 | (1u << 21) | P | RW | PS);
	expect_pf(cpufix_ld(SEG_DS, 0x1000000, 1, &val), PFEC_P | PFEC_RSVD, 0x1000000);
}
END_TEST

START_TEST(test_32bit_rights)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	cpufix_flat32(3);
	s->cr0 |= CR0_PG;
	s->cr3 = 0x20000;
	cpufix_put32(0x20000, 0x21000 | P | RW | US);
	cpufix_put32(0x21000 + 4 * 5, 0x30000 | P | US);      /* user read-only */
	cpufix_put32(0x21000 + 4 * 6, 0x31000 | P | RW);      /* supervisor */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x5000, 4, &val), -1);
	expect_pf(cpufix_st(SEG_DS, 0x5004, 4, 1), PFEC_P | PFEC_W | PFEC_U, 0x5004);
	expect_pf(cpufix_ld(SEG_DS, 0x6000, 4, &val), PFEC_P | PFEC_U, 0x6000);
	/* Supervisor with CR0.WP = 0 may write a read-only page; WP = 1 may not. */
	cpufix_flat32(0);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x5008, 4, 7), -1);
	ck_assert_uint_eq(cpufix_get32(0x30008), 7);
	s->cr0 |= CR0_WP;
	cpu_tlb_flush(&g_fix->v);
	expect_pf(cpufix_st(SEG_DS, 0x500c, 4, 1), PFEC_P | PFEC_W, 0x500c);
}
END_TEST

START_TEST(test_pae_2m_nx)
{
	struct cpu_state *s = &g_fix->v.s;
	uint8_t buf[4];
	size_t got;
	uint64_t val;

	cpufix_flat32(0);
	s->cr0 |= CR0_PG;
	s->cr4 |= CR4_PAE;
	s->efer |= EFER_NXE;
	s->cr3 = 0x20000;
	cpufix_put64(0x20000 + 8, 0x21000 | P);                  /* 1G..2G */
	cpufix_put64(0x21000 + 8 * 2, 0x600000 | P | RW | PS | XD); /* 0x40400000, 2M */
	cpufix_put64(0x21000 + 8 * 3, 0x22000 | P | RW);
	cpufix_put64(0x22000 + 8 * 1, 0x7000 | P | RW);           /* 0x40601000 */
	ck_assert(cpu_load_pdptes(&g_fix->v));
	cpufix_put32(0x612345, 0x99);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x40412345, 4, &val), -1);
	ck_assert_uint_eq(val, 0x99);
	/* Fetch from an XD page: P | I (SDM 4.7: I set with PAE and NXE). */
	expect_pf(cpufix_fetch(0x40400000, buf, 4, &got), PFEC_P | PFEC_I, 0x40400000);
	g_fix->ram[0x7010] = 0x90;
	ck_assert_int_eq(cpufix_fetch(0x40601010, buf, 4, &got), -1);
	ck_assert_uint_eq(got, 4);
	ck_assert_uint_eq(buf[0], 0x90);
	/* XD with NXE = 0 is a reserved bit. */
	s->efer &= ~EFER_NXE;
	cpu_tlb_flush(&g_fix->v);
	expect_pf(cpufix_ld(SEG_DS, 0x40412345, 4, &val), PFEC_P | PFEC_RSVD, 0x40412345);
	/* PDPTE reserved bits (2:1) make the load fail. */
	cpufix_put64(0x20000, 0x23000 | P | RW);
	ck_assert(!cpu_load_pdptes(&g_fix->v));
}
END_TEST

START_TEST(test_4level_sizes)
{
	uint64_t val;

	map4(P | RW | US);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW | US);      /* 4K at 0x4000 */
	cpufix_put64(0x12000 + 8 * 1, 0x400000 | P | RW | PS);     /* 2M at 0x200000 */
	cpufix_put64(0x11000 + 8 * 1, 0x0 | P | RW | PS);          /* 1G at 0x40000000 */
	cpufix_put64(0x44008, 0x1111);
	cpufix_put64(0x400010, 0x2222);
	cpufix_put64(0x123458, 0x3333);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4008, 8, &val), -1);
	ck_assert_uint_eq(val, 0x1111);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x200010, 8, &val), -1);
	ck_assert_uint_eq(val, 0x2222);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x40123458, 8, &val), -1);
	ck_assert_uint_eq(val, 0x3333);
	ck_assert_uint_eq(cpufix_get64(0x11000 + 8) & (A | D), A);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x40123458, 8, 5), -1);
	ck_assert_uint_eq(cpufix_get64(0x11000 + 8) & (A | D), A | D);
	/* Reserved: bits 29:13 of a 1G PDPTE; PS in a PML4E; bit 51:M. */
	cpufix_put64(0x11000 + 8 * 2, 0x2000 | P | RW | PS);
	expect_pf(cpufix_ld(SEG_DS, 0x80000000, 1, &val), PFEC_P | PFEC_RSVD, 0x80000000);
	cpufix_put64(0x10000 + 8, 0x11000 | P | RW | PS);
	expect_pf(cpufix_st(SEG_DS, 0x8000000000ull, 1, 0), PFEC_P | PFEC_RSVD | PFEC_W,
		  0x8000000000ull);
	cpufix_put64(0x13000 + 8 * 5, (1ull << 45) | P | RW);
	expect_pf(cpufix_ld(SEG_DS, 0x5000, 1, &val), PFEC_P | PFEC_RSVD, 0x5000);
}
END_TEST

START_TEST(test_4level_smep_smap)
{
	struct cpu_state *s = &g_fix->v.s;
	uint8_t buf[2];
	size_t got;
	uint64_t val;

	map4(P | RW | US);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW | US);      /* user page */
	cpufix_put64(0x13000 + 8 * 6, 0x46000 | P | RW);           /* supervisor page */
	s->cr4 |= CR4_SMEP | CR4_SMAP;
	expect_pf(cpufix_fetch(0x4000, buf, 2, &got), PFEC_P | PFEC_I, 0x4000);
	expect_pf(cpufix_ld(SEG_DS, 0x4000, 1, &val), PFEC_P, 0x4000);
	s->rflags |= RFLAGS_AC;          /* explicit supervisor access with AC = 1 passes */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4000, 1, &val), -1);
	ck_assert_int_eq(cpufix_fetch(0x6000, buf, 2, &got), -1);
	/* User mode: supervisor page faults with U set; fetch sets I (SMEP on). */
	cpufix_long64(3);
	s->rflags &= ~RFLAGS_AC;
	expect_pf(cpufix_ld(SEG_DS, 0x6000, 1, &val), PFEC_P | PFEC_U, 0x6000);
	expect_pf(cpufix_fetch(0x6000, buf, 2, &got), PFEC_P | PFEC_U | PFEC_I, 0x6000);
	ck_assert_int_eq(cpufix_fetch(0x4000, buf, 2, &got), -1);
	/* Not-present fetch in user mode: U | I only. */
	expect_pf(cpufix_fetch(0x9000, buf, 2, &got), PFEC_U | PFEC_I, 0x9000);
}
END_TEST

START_TEST(test_pku)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;

	map4(P | RW | US);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW | US | (3ull << 59));  /* key 3 */
	s->cr4 |= CR4_PKE;
	s->pkru = 1u << 6;                                      /* AD for key 3 */
	cpufix_long64(3);
	expect_pf(cpufix_ld(SEG_DS, 0x4000, 1, &val), PFEC_P | PFEC_U | PFEC_PK, 0x4000);
	s->pkru = 2u << 6;                                      /* WD for key 3 */
	cpu_tlb_flush(&g_fix->v);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4000, 1, &val), -1);
	expect_pf(cpufix_st(SEG_DS, 0x4000, 1, 0), PFEC_P | PFEC_U | PFEC_W | PFEC_PK, 0x4000);
}
END_TEST

START_TEST(test_5level)
{
	struct cpu_state *s = &g_fix->v.s;
	uint64_t val;
	uint64_t lin = 0x0002000000003000ull;       /* PML5 index 2 */

	cpufix_long64(0);
	s->cr4 |= CR4_LA57;
	s->cr3 = 0x10000;
	cpufix_put64(0x10000 + 8 * 2, 0x11000 | P | RW);
	cpufix_put64(0x11000, 0x12000 | P | RW);
	cpufix_put64(0x12000, 0x13000 | P | RW);
	cpufix_put64(0x13000, 0x14000 | P | RW);
	cpufix_put64(0x14000 + 8 * 3, 0x45000 | P | RW);
	cpufix_put64(0x45010, 0xabc);
	ck_assert_int_eq(cpufix_ld(SEG_DS, lin + 0x10, 8, &val), -1);
	ck_assert_uint_eq(val, 0xabc);
	/* Canonical at 57 bits, not at 48: faults #GP(0) without LA57. */
	s->cr4 &= ~CR4_LA57;
	cpu_tlb_flush(&g_fix->v);
	ck_assert_int_eq(cpufix_ld(SEG_DS, lin, 8, &val), EXC_GP);
	ck_assert_int_eq(cpufix_ld(SEG_SS, lin, 8, &val), EXC_SS);
	ck_assert_uint_eq(g_fix->v.pending_error, 0);
}
END_TEST

START_TEST(test_tlb_and_invlpg)
{
	uint64_t val;

	map4(P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW);
	cpufix_put64(0x44000, 1);
	cpufix_put64(0x45000, 2);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4000, 8, &val), -1);
	ck_assert_uint_eq(val, 1);
	cpufix_put64(0x13000 + 8 * 4, 0x45000 | P | RW);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4000, 8, &val), -1);
	ck_assert_uint_eq(val, 1);                      /* stale until invalidated */
	cpu_tlb_flush_page(&g_fix->v, 0x4abc);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4000, 8, &val), -1);
	ck_assert_uint_eq(val, 2);
}
END_TEST

START_TEST(test_cross_page_write_atomic)
{
	map4(P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW);
	cpufix_put64(0x13000 + 8 * 5, 0x45000 | P);                /* read-only */
	g_fix->v.s.cr0 |= CR0_WP;
	expect_pf(cpufix_st(SEG_DS, 0x4ffe, 4, 0xffffffff), PFEC_P | PFEC_W, 0x5000);
	ck_assert_uint_eq(g_fix->ram[0x44ffe], 0);      /* first page untouched */
	ck_assert_uint_eq(g_fix->ram[0x44fff], 0);
	cpufix_put64(0x13000 + 8 * 5, 0x45000 | P | RW);
	cpu_tlb_flush(&g_fix->v);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x4ffe, 4, 0x44332211), -1);
	ck_assert_uint_eq(g_fix->ram[0x44fff], 0x22);
	ck_assert_uint_eq(g_fix->ram[0x45000], 0x33);
}
END_TEST

START_TEST(test_code_write_hook)
{
	map4(P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P | RW);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x4010, 4, 1), -1);   /* fills the write TLB */
	ck_assert_uint_eq(g_fix->cw_calls, 0);
	g_fix->code_bitmap[0x44 >> 3] |= 1u << (0x44 & 7);
	cpu_tlb_protect_code(&g_fix->v, 0x44000);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x4020, 2, 0xbeef), -1);
	ck_assert_uint_eq(g_fix->cw_calls, 1);
	ck_assert_uint_eq(g_fix->cw_paddr, 0x44020);
	ck_assert_uint_eq(g_fix->cw_len, 2);
	ck_assert_uint_eq(g_fix->ram[0x44020], 0xef);   /* written before the hook */
}
END_TEST

START_TEST(test_mmio)
{
	uint64_t val;

	map4(P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0xfee00000ull | P | RW);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x4030, 4, &val), -1);
	ck_assert_uint_eq(val, 0x55667788);
	ck_assert_uint_eq(g_fix->mmio_addr, 0xfee00030ull);
	ck_assert_uint_eq(g_fix->mmio_size, 4);
	ck_assert_int_eq(cpufix_st(SEG_DS, 0x40f0, 2, 0x1234), -1);
	ck_assert_uint_eq(g_fix->mmio_addr, 0xfee000f0ull);
	ck_assert_uint_eq(g_fix->mmio_val, 0x1234);
	ck_assert_uint_eq(g_fix->mmio_writes, 1);
}
END_TEST

START_TEST(test_translate_and_debug)
{
	uint64_t pa = 0;

	map4(P | RW);
	cpufix_put64(0x13000 + 8 * 4, 0x44000 | P);
	ck_assert_uint_eq(cpu_translate(&g_fix->v, 0x4123, ACC_READ, false, &pa), 0);
	ck_assert_uint_eq(pa, 0x44123);
	ck_assert_uint_eq(cpu_translate(&g_fix->v, 0x4123, ACC_READ, true, &pa),
			  PFEC_FAULT | PFEC_P | PFEC_U);
	ck_assert_uint_eq(cpu_translate(&g_fix->v, 0x7000, ACC_READ, false, &pa), PFEC_FAULT);
	cpufix_put64(0x13000 + 8 * 5, 0x45000 | P);
	ck_assert(cpu_debug_translate(&g_fix->v, 0x5008, &pa));
	ck_assert_uint_eq(pa, 0x45008);
	ck_assert_uint_eq(cpufix_get64(0x13000 + 8 * 5) & A, 0);     /* no side effects */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_paging");
	TCase *tc = tcase_create("walks");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_32bit_4k_and_ad);
	tcase_add_test(tc, test_32bit_4m_pse);
	tcase_add_test(tc, test_32bit_rights);
	tcase_add_test(tc, test_pae_2m_nx);
	tcase_add_test(tc, test_4level_sizes);
	tcase_add_test(tc, test_4level_smep_smap);
	tcase_add_test(tc, test_pku);
	tcase_add_test(tc, test_5level);
	tcase_add_test(tc, test_tlb_and_invlpg);
	tcase_add_test(tc, test_cross_page_write_atomic);
	tcase_add_test(tc, test_code_write_hook);
	tcase_add_test(tc, test_mmio);
	tcase_add_test(tc, test_translate_and_debug);
	suite_add_tcase(s, tc);
	return check_run(s);
}
