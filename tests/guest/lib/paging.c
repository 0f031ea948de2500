/*
 * tests/guest/lib/paging.c - identity-mapped page tables for the three paging
 * formats a test may want, and helpers to change one 4 KiB mapping.
 *
 * Formats: 32-bit paging (SDM vol. 3, 4.3), PAE paging (4.4) and 4-level paging
 * (4.5). Identity tables map 0-4 GiB with the largest page the format has; the
 * helpers split a large page into smaller ones (same flags) when a test asks for
 * a 4 KiB change. Tables are reached through the identity map (virtual = physical).
 */
#include "guest.h"

#define PT_POOL_PAGES 128
#define PTE_ADDR_MASK 0x000ffffffffff000ull     /* bits 51:12 (SDM 4.5.4) */
#define PTE_FLAGS_MASK (0xfffull | PTE_NX)
#define PTE_TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)

struct pt_geom {
	unsigned levels;
	unsigned entry_size;
	unsigned shift[4];      /* address bits each level translates start here */
	unsigned bits[4];
	unsigned large_mask;    /* bit l set: level l may map a page (PS=1) */
};

static const struct pt_geom g_geom[] = {
	[PT_FMT_32] = { 2, 4, { 22, 12 }, { 10, 10 }, 1u << 0 },
	[PT_FMT_PAE] = { 3, 8, { 30, 21, 12 }, { 2, 9, 9 }, 1u << 1 },
	[PT_FMT_64] = { 4, 8, { 39, 30, 21, 12 }, { 9, 9, 9, 9 }, 1u << 1 | 1u << 2 },
};

static uint8_t g_pool[PT_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned g_pool_used;
static enum pt_format g_fmt;
static unsigned long g_root;

void *pt_alloc_page(void)
{
	void *p;

	if (g_pool_used >= PT_POOL_PAGES)
		report_abort("pt_alloc_page", "page-table pool (%u pages) exhausted", PT_POOL_PAGES);
	p = g_pool[g_pool_used++];
	memset(p, 0, PAGE_SIZE);
	return p;
}

static uint64_t pte_read(const struct pt_geom *g, const void *ep)
{
	return g->entry_size == 4 ? *(const volatile uint32_t *)ep : *(const volatile uint64_t *)ep;
}

static void pte_write(const struct pt_geom *g, void *ep, uint64_t e)
{
	if (g->entry_size == 4) {
		if (e >> 32)
			report_abort("pt_write", "entry %#" PRIx64 " does not fit 32-bit paging", e);
		*(volatile uint32_t *)ep = (uint32_t)e;
	} else {
		*(volatile uint64_t *)ep = e;
	}
}

static void *pte_table(const struct pt_geom *g, uint64_t e)
{
	return (void *)(unsigned long)(e & (g->entry_size == 4 ? 0xfffff000ull : PTE_ADDR_MASK));
}

static void *pte_slot(const struct pt_geom *g, void *table, unsigned level, unsigned long va)
{
	unsigned idx = ((uint64_t)va >> g->shift[level]) & ((1u << g->bits[level]) - 1);

	return (uint8_t *)table + idx * g->entry_size;
}

/* Entries that point to a table: PAE PDPTEs have no RW/US bits (SDM 4.4.1). */
static uint64_t pte_table_entry(enum pt_format fmt, unsigned level, void *table)
{
	uint64_t flags = (fmt == PT_FMT_PAE && level == 0) ? PTE_P : PTE_TABLE_FLAGS;

	return (uint64_t)(unsigned long)table | flags;
}

static bool tables_live(void)
{
	return (read_cr0() & X86_CR0_PG) && (read_cr3() & ~0xffful) == (g_root & ~0xffful);
}

/* Replace the page mapped at level by a table of next-level pages, same flags. */
static uint64_t pt_split(unsigned level, void *ep, uint64_t e)
{
	const struct pt_geom *g = &g_geom[g_fmt];
	unsigned child_shift = g->shift[level + 1];
	bool child_leaf = level + 1 == g->levels - 1;
	uint64_t flags = e & PTE_FLAGS_MASK;
	uint64_t base = e & PTE_ADDR_MASK & ~((1ull << g->shift[level]) - 1);
	void *table = pt_alloc_page();

	if (g->entry_size == 4)
		base &= 0xffc00000;     /* 4 MiB page: bits 31:22 (PSE-36 bits not used) */
	if (child_leaf)
		flags &= ~PTE_PS;       /* bit 7 of a 4 KiB PTE is PAT */
	for (unsigned i = 0; i < 1u << g->bits[level + 1]; i++)
		pte_write(g, (uint8_t *)table + i * g->entry_size, (base + ((uint64_t)i << child_shift)) | flags);
	e = pte_table_entry(g_fmt, level, table);
	pte_write(g, ep, e);
	if (tables_live())
		flush_tlb();
	return e;
}

/* The entry that maps va: its slot and the size it maps (1 << *shift). With
 * make_4k, large pages are split and missing tables created down to 4 KiB. */
static void *pt_walk(unsigned long va, bool make_4k, unsigned *shift)
{
	const struct pt_geom *g = &g_geom[g_fmt];
	void *table;

	if (!g_root)
		report_abort("paging", "no page tables selected (pt_select / paging_enable)");
	table = (void *)(g_root & (g_fmt == PT_FMT_PAE ? ~0x1ful : ~0xffful));
	for (unsigned l = 0;; l++) {
		void *ep = pte_slot(g, table, l, va);
		uint64_t e = pte_read(g, ep);

		*shift = g->shift[l];
		if (l == g->levels - 1)
			return ep;
		if (!(e & PTE_P)) {
			if (!make_4k)
				return ep;
			e = pte_table_entry(g_fmt, l, pt_alloc_page());
			pte_write(g, ep, e);
		} else if ((e & PTE_PS) && (g->large_mask & (1u << l))) {
			if (!make_4k)
				return ep;
			e = pt_split(l, ep, e);
		}
		table = pte_table(g, e);
	}
}

void pt_select(enum pt_format fmt, unsigned long cr3)
{
	g_fmt = fmt;
	g_root = cr3;
}

enum pt_format pt_current_format(void)
{
	return g_fmt;
}

uint64_t pt_get(unsigned long va, unsigned long *page_size)
{
	unsigned shift;
	void *ep = pt_walk(va, false, &shift);
	uint64_t e = pte_read(&g_geom[g_fmt], ep);

	if (!(e & PTE_P))
		return 0;
	if (page_size)
		*page_size = 1ul << shift;
	return e;
}

uint64_t pt_set_flags(unsigned long va, uint64_t set, uint64_t clear)
{
	const struct pt_geom *g = &g_geom[g_fmt];
	unsigned shift;
	void *ep = pt_walk(va, true, &shift);
	uint64_t e = (pte_read(g, ep) | set) & ~clear;

	pte_write(g, ep, e);
	invlpg((const void *)va);
	return e;
}

void pt_map(unsigned long va, uint64_t pa, uint64_t flags)
{
	const struct pt_geom *g = &g_geom[g_fmt];
	unsigned shift;
	void *ep = pt_walk(va, true, &shift);

	pte_write(g, ep, (pa & PTE_ADDR_MASK) | flags | PTE_P);
	invlpg((const void *)va);
}

void pt_set_flags_range(unsigned long start, unsigned long end, uint64_t set, uint64_t clear)
{
	for (unsigned long va = start & ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE)
		pt_set_flags(va, set, clear);
}

void pt_set_user_image(bool user)
{
	extern char __image_start[], _end[];

	pt_set_flags_range((unsigned long)__image_start, (unsigned long)_end, user ? PTE_US : 0,
			   user ? 0 : PTE_US);
}

unsigned long pt_build_identity(enum pt_format fmt)
{
	const uint64_t leaf = PTE_P | PTE_RW | PTE_PS;
	void *root = pt_alloc_page();

	if (fmt == PT_FMT_32) {
		for (uint64_t i = 0; i < 1024; i++)
			((uint32_t *)root)[i] = (uint32_t)(i << 22 | leaf);
		return (unsigned long)root;
	}
	uint64_t *pdpt = root;
	if (fmt == PT_FMT_64) {
		pdpt = pt_alloc_page();
		*(uint64_t *)root = pte_table_entry(fmt, 0, pdpt);
	}
	for (unsigned i = 0; i < 4; i++) {
		uint64_t *pd = pt_alloc_page();

		for (uint64_t j = 0; j < 512; j++)
			pd[j] = (i * 512ull + j) << 21 | leaf;
		pdpt[i] = pte_table_entry(fmt, fmt == PT_FMT_PAE ? 0 : 1, pd);
	}
	return (unsigned long)root;
}

#ifndef __x86_64__
void paging_enable(enum pt_format fmt)
{
	unsigned long cr3;

	if (fmt == PT_FMT_64)
		report_abort("paging_enable", "4-level paging needs a 64-bit kernel (boot64.S)");
	/* CPUID.01H:EDX bit 3 PSE, bit 6 PAE (SDM vol. 2A, CPUID, table 3-11) */
	if (!(cpuid(1).d & (fmt == PT_FMT_32 ? 1u << 3 : 1u << 6)))
		report_abort("paging_enable", "CPU lacks %s", fmt == PT_FMT_32 ? "PSE" : "PAE");
	paging_disable();
	cr3 = pt_build_identity(fmt);
	pt_select(fmt, cr3);
	write_cr4(read_cr4() | (fmt == PT_FMT_32 ? X86_CR4_PSE : X86_CR4_PAE));
	write_cr3(cr3);
	write_cr0(read_cr0() | X86_CR0_PG | X86_CR0_WP);
}

void paging_disable(void)
{
	write_cr0(read_cr0() & ~X86_CR0_PG);
	write_cr4(read_cr4() & ~(X86_CR4_PSE | X86_CR4_PAE));
}
#endif
