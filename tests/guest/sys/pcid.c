/*
 * tests/guest/sys/pcid.c - process-context identifiers: CR4.PCIDE rules, CR3's PCID
 * and bit 63 (not stored), two address spaces with their own PCIDs kept apart while
 * CR3 switches without flushing, and INVPCID types 0-3 with their #GP checks.
 * Only what hardware must do is checked: a TLB may always hold less.
 * 64-bit kernel.
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md), 4.10.1
 * (PCIDs), 4.10.4.1 (MOV to CR3/CR4, INVLPG, INVPCID), 2.5 (CR4.PCIDE); vol. 2
 * MOV CR (#GP conditions), INVPCID.
 */
#include "guest.h"

#define CR4_PCIDE (1ul << 17)
#define NOFLUSH (1ul << 63)
#define VA (1ul << 39)          /* PML4 slot 1: private to each address space below */

static volatile uint8_t g_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile uint8_t g_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* VA -> pa with 4 KiB tables under PML4 entry 1 of root; returns the PTE slot. */
static uint64_t *map_va(uint64_t *root, unsigned long pa)
{
	uint64_t *pdpt = pt_alloc_page(), *pd = pt_alloc_page(), *pt = pt_alloc_page();

	pt[0] = pa | PTE_P | PTE_RW;
	pd[0] = (unsigned long)pt | PTE_P | PTE_RW;
	pdpt[0] = (unsigned long)pd | PTE_P | PTE_RW;
	root[1] = (unsigned long)pdpt | PTE_P | PTE_RW;
	return pt;
}

static int try_invpcid(unsigned long type, uint64_t pcid, uint64_t lin)
{
	struct { uint64_t pcid, lin; } d = { pcid, lin };

	excp_clear();
	asm volatile(ASM_TRY("invpcid %0, %1") : : "m"(d), "r"(type) : "memory");
	return g_excp.taken ? (int)g_excp.vector : -1;
}

static uint8_t rd(void) { return *(volatile uint8_t *)VA; }

int main(void)
{
	unsigned long cr3 = read_cr3(), cr4 = read_cr4();
	uint64_t *t1 = (uint64_t *)cr3, *t2 = pt_alloc_page();
	uint64_t *pte1, *pte2;
	bool invpcid = cpuid_count(7, 0).b & (1u << 10);

	if (!(cpuid(1).c & (1u << 17))) {
		report_skip("pcid", "CPUID.01H:ECX.PCID = 0");
		return 0;
	}
	g_a[0] = 0xa;
	g_b[0] = 0xb;
	memcpy(t2, t1, PAGE_SIZE);
	pte1 = map_va(t1, (unsigned long)g_a);
	pte2 = map_va(t2, (unsigned long)g_b);
	write_cr3(cr3);

	/* CR4.PCIDE needs CR3[11:0] = 0 (MOV CR, #GP(0)). */
	write_cr3(cr3 | 5);
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%cr4") : : "r"(cr4 | CR4_PCIDE) : "memory");
	expect_excp_err(GP_VECTOR, 0, "setting CR4.PCIDE with CR3[11:0] != 0: #GP(0)");
	write_cr3(cr3);
	write_cr4(cr4 | CR4_PCIDE);
	report(read_cr4() & CR4_PCIDE, "CR4.PCIDE set with PCID 0");

	/* Two spaces: PCID 1 sees g_a at VA, PCID 2 sees g_b, through CR3 switches
	 * with and without bit 63 (4.10.1: translations are cached per PCID). */
	write_cr3((unsigned long)t1 | 1);
	expect_eq(read_cr3(), (unsigned long)t1 | 1, "CR3 holds PCID 1");
	expect_eq(rd(), 0xa, "PCID 1: VA -> A");
	write_cr3((unsigned long)t2 | 2);
	expect_eq(rd(), 0xb, "PCID 2: VA -> B");
	write_cr3((unsigned long)t1 | 1 | NOFLUSH);
	expect_eq(read_cr3(), (unsigned long)t1 | 1, "CR3 bit 63 is not stored");
	expect_eq(rd(), 0xa, "back to PCID 1 without flush: VA -> A");
	write_cr3((unsigned long)t2 | 2 | NOFLUSH);
	expect_eq(rd(), 0xb, "back to PCID 2 without flush: VA -> B");

	/* A MOV to CR3 without bit 63 flushes the (new) PCID's non-global entries. */
	*pte2 = (unsigned long)g_a | PTE_P | PTE_RW;
	write_cr3((unsigned long)t2 | 2);
	expect_eq(rd(), 0xa, "MOV CR3 (bit 63 = 0) drops PCID 2's stale entry");

	if (!invpcid) {
		report_skip("invpcid", "CPUID.07H:EBX.INVPCID = 0");
	} else {
		*pte2 = (unsigned long)g_b | PTE_P | PTE_RW;
		expect_eq(try_invpcid(0, 2, VA), -1, "INVPCID type 0 (address, PCID 2)");
		expect_eq(rd(), 0xb, "INVPCID type 0 drops the entry");
		*pte2 = (unsigned long)g_a | PTE_P | PTE_RW;
		expect_eq(try_invpcid(1, 2, 0), -1, "INVPCID type 1 (PCID 2)");
		expect_eq(rd(), 0xa, "INVPCID type 1 drops the PCID's entries");
		*pte2 = (unsigned long)g_b | PTE_P | PTE_RW;
		expect_eq(try_invpcid(2, 0, 0), -1, "INVPCID type 2 (all, globals too)");
		expect_eq(rd(), 0xb, "INVPCID type 2 drops everything");
		*pte2 = (unsigned long)g_a | PTE_P | PTE_RW;
		expect_eq(try_invpcid(3, 0, 0), -1, "INVPCID type 3 (all but globals)");
		expect_eq(rd(), 0xa, "INVPCID type 3 drops non-global entries");
		/* Another PCID's entries go with type 1 on that PCID. */
		*pte1 = (unsigned long)g_b | PTE_P | PTE_RW;
		expect_eq(try_invpcid(1, 1, 0), -1, "INVPCID type 1 (PCID 1, not current)");
		write_cr3((unsigned long)t1 | 1 | NOFLUSH);
		expect_eq(rd(), 0xb, "PCID 1 after INVPCID type 1 on it: new mapping");
		write_cr3((unsigned long)t2 | 2 | NOFLUSH);

		expect_eq(try_invpcid(4, 0, 0), GP_VECTOR, "INVPCID type 4: #GP(0)");
		expect_eq(try_invpcid(1, 1ull << 12, 0), GP_VECTOR, "INVPCID descriptor bits 63:12: #GP(0)");
		expect_eq(try_invpcid(0, 1, 1ull << 47), GP_VECTOR, "INVPCID type 0, non-canonical: #GP(0)");
	}

	/* Leave PCIDs: CR3 with PCID 0 first (MOV to CR4 clearing PCIDE is fine). */
	write_cr3(cr3);
	write_cr4(cr4);
	if (invpcid)
		expect_eq(try_invpcid(1, 3, 0), GP_VECTOR, "INVPCID type 1, PCID != 0, PCIDE = 0: #GP(0)");
	t1[1] = 0;
	write_cr3(cr3);
	return 0;
}
