/*
 * tests/guest/sys/paging.c - paging: every #PF error-code bit and CR2, large
 * pages, accessed/dirty flags, WP, NX, SMEP, SMAP, protection keys, global pages,
 * INVLPG and reserved-bit faults. Built as paging32 (32-bit paging, then PAE
 * paging) and paging64 (4-level paging, 1-GByte pages, PKU).
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md), chapter 4:
 * 4.3 (32-bit), 4.4 (PAE, PDPTE registers 4.4.1), 4.5 (4-level), 4.6 (access
 * rights, 4.6.1 SMEP/SMAP/WP, 4.6.2 protection keys), 4.7 (#PF error code), 4.8
 * (accessed and dirty flags), 4.10.4 (invalidation: INVLPG, MOV CR3, CR4.PGE).
 */
#include "guest.h"

/* #PF error code (SDM vol. 3, 4.7, figure 4-12) */
#define PFEC_P 0x01u
#define PFEC_W 0x02u
#define PFEC_U 0x04u
#define PFEC_RSVD 0x08u
#define PFEC_I 0x10u
#define PFEC_PK 0x20u

#define CR4_PKE (1ul << 22)

#ifdef __x86_64__
#define MODE "64"
#define ASM_RESUME_LABEL "lea 1f(%%rip), %%rcx\n\tmov %%rcx, %0\n\t"
#define CX_CLOBBER "rcx"
#else
#define MODE "32"
#define ASM_RESUME_LABEL "mov $1f, %%ecx\n\tmov %%ecx, %0\n\t"
#define CX_CLOBBER "ecx"
#endif

/* Addresses the tests remap. Identity-mapped memory above RAM: nothing else uses it. */
#define ALIAS ((unsigned long)0x40000000ul)

static volatile uint8_t g_data[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile uint8_t g_data2[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t g_code[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static const char *g_fmt_name;
static bool g_nx;       /* EFER.NXE on (PAE / 4-level) */

/* ------------------------------------------------------- fetch faults */

static volatile unsigned long g_resume;
static volatile unsigned g_fetch_pf;
static volatile unsigned long g_fetch_err, g_fetch_cr2;

/* #PF from a jump to a page that cannot be fetched: record it and resume at the
 * label the jump site stored (the faulting IP is the target, outside any ASM_TRY). */
static void fetch_pf_handler(struct excp_frame *f)
{
	g_fetch_pf++;
	g_fetch_err = f->error_code;
	g_fetch_cr2 = read_cr2();
	f->ip = g_resume;
}

/* Jump to va, which holds "jmp *%ecx/%rcx" (FF E1) when fetchable. Returns true
 * when the fetch faulted (g_fetch_err, g_fetch_cr2 say how). Callable at CPL 3. */
static unsigned long try_exec(unsigned long va)
{
	g_fetch_pf = 0;
	asm volatile(ASM_RESUME_LABEL
		     "jmp *%1\n"
		     "1:"
		     : "=m"(g_resume) : "r"(va) : CX_CLOBBER, "memory");
	return g_fetch_pf;
}

static unsigned long user_exec(unsigned long va) { return try_exec(va); }

/* ---------------------------------------------------------- user accesses */

static unsigned long user_read(unsigned long va)
{
	uint8_t v;

	return try_read8((const volatile void *)va, &v) == PF_VECTOR;
}

static unsigned long user_write(unsigned long va)
{
	return try_write8((volatile void *)va, 0x5a) == PF_VECTOR;
}

/* ------------------------------------------------------------ helpers */

static bool pf_is(unsigned long va, unsigned err, const char *what)
{
	bool ok = g_excp.taken && g_excp.vector == PF_VECTOR && g_excp.error_code == err &&
		  g_excp.cr2 == va;

	if (ok)
		report_pass("%s: %s: #PF(%#x), CR2", g_fmt_name, what, err);
	else if (!g_excp.taken)
		report_fail(what, "%s: no exception, expected #PF(%#x)", g_fmt_name, err);
	else
		report_fail(what, "%s: vector %u err %#lx cr2 %#lx, expected #PF(%#x) cr2 %#lx",
			    g_fmt_name, g_excp.vector, g_excp.error_code, g_excp.cr2, err, va);
	return ok;
}

static void rd(unsigned long va)
{
	uint8_t v;

	excp_clear();
	try_read8((const volatile void *)va, &v);
}

static void wr(unsigned long va)
{
	excp_clear();
	try_write8((volatile void *)va, 0xa5);
}

/* The directory entry above the 4 KiB leaf of va (level: 1 = the PDE), found by
 * walking the live tables through the identity map; NULL when absent. For 32-bit
 * paging the pointer addresses a 4-byte entry. */
static void *pde_slot(unsigned long va)
{
	unsigned long cr3 = read_cr3();

	if (pt_current_format() == PT_FMT_32)
		return (uint32_t *)(cr3 & ~0xffful) + ((va >> 22) & 1023);
	if (pt_current_format() == PT_FMT_PAE) {
		uint64_t pdpte = ((uint64_t *)(cr3 & ~0x1ful))[(va >> 30) & 3];

		return (uint64_t *)(unsigned long)(pdpte & 0xfffff000ull) + ((va >> 21) & 511);
	}
#ifdef __x86_64__
	uint64_t e = ((uint64_t *)(cr3 & ~0xffful))[(va >> 39) & 511];

	if (!(e & PTE_P))
		return NULL;
	e = ((uint64_t *)(e & 0xffffffffff000ull))[(va >> 30) & 511];
	if (!(e & PTE_P) || (e & PTE_PS))
		return NULL;
	return (uint64_t *)(e & 0xffffffffff000ull) + ((va >> 21) & 511);
#else
	return NULL;
#endif
}

static uint64_t slot_get(void *slot)
{
	return pt_current_format() == PT_FMT_32 ? *(volatile uint32_t *)slot
						: *(volatile uint64_t *)slot;
}

static void slot_set(void *slot, uint64_t e)
{
	if (pt_current_format() == PT_FMT_32)
		*(volatile uint32_t *)slot = (uint32_t)e;
	else
		*(volatile uint64_t *)slot = e;
}

/* ------------------------------------------------------------ the tests */

/* P, W/R, U/S bits and CR2 for not-present and protection faults (SDM 4.7). */
static void test_basic_bits(void)
{
	unsigned long va = ALIAS;

	pt_map(va, (unsigned long)g_data, PTE_RW);
	rd(va);
	expect_no_excp("mapped page readable");

	pt_set_flags(va, 0, PTE_P);
	rd(va + 0x123);
	pf_is(va + 0x123, 0, "read, not present");
	wr(va + 0x7ff);
	pf_is(va + 0x7ff, PFEC_W, "write, not present");

	pt_set_flags(va, PTE_P, PTE_RW);
	rd(va);
	expect_no_excp("read-only page readable");
	wr(va + 8);
	pf_is(va + 8, PFEC_P | PFEC_W, "supervisor write, read-only, CR0.WP=1");

	/* CR0.WP = 0: supervisor writes ignore R/W (4.6.1). */
	write_cr0(read_cr0() & ~X86_CR0_WP);
	wr(va + 8);
	expect_no_excp("supervisor write to read-only page with CR0.WP=0");
	report(g_data[8] == 0xa5, "%s: the write landed", g_fmt_name);
	write_cr0(read_cr0() | X86_CR0_WP);

	/* A mapping that changes is seen after INVLPG (pt_map does it, 4.10.4.1). */
	g_data[16] = 1;
	g_data2[16] = 2;
	pt_map(va, (unsigned long)g_data2, PTE_RW);
	report(*(volatile uint8_t *)(va + 16) == 2, "%s: INVLPG: new mapping used", g_fmt_name);
	pt_map(va, (unsigned long)g_data, PTE_RW);
}

/* U/S: user accesses to supervisor pages and user writes to read-only pages. */
static void test_user_bits(void)
{
	unsigned long va = ALIAS + PAGE_SIZE;

	pt_set_user_image(true);
	pt_map(va, (unsigned long)g_data, PTE_RW);             /* supervisor page */
	excp_clear();
	report(run_user(user_read, va) == 1, "%s: user read of supervisor page faults", g_fmt_name);
	pf_is(va, PFEC_P | PFEC_U, "user read, supervisor page");
	excp_clear();
	run_user(user_write, va);
	pf_is(va, PFEC_P | PFEC_U | PFEC_W, "user write, supervisor page");

	pt_map(va, (unsigned long)g_data, PTE_US);             /* user, read-only */
	excp_clear();
	report(run_user(user_read, va) == 0, "%s: user read of user page", g_fmt_name);
	excp_clear();
	run_user(user_write, va);
	pf_is(va, PFEC_P | PFEC_U | PFEC_W, "user write, read-only user page");

	pt_set_flags(va, 0, PTE_P);
	excp_clear();
	run_user(user_read, va + 5);
	pf_is(va + 5, PFEC_U, "user read, not present");

	/* U/S of a directory entry counts too: the AND of all levels (4.6.1). */
	pt_map(va, (unsigned long)g_data, PTE_US | PTE_RW);
	excp_clear();
	report(run_user(user_write, va) == 0, "%s: user write, user page", g_fmt_name);
	{
		void *slot = pde_slot(va);
		uint64_t old = slot_get(slot);

		slot_set(slot, old & ~PTE_US);
		flush_tlb();
		excp_clear();
		run_user(user_read, va);
		pf_is(va, PFEC_P | PFEC_U, "user read, PDE U/S=0");
		slot_set(slot, old);
		flush_tlb();
	}

	/* User fetch from a supervisor page: P|U, plus I/D when NXE (4.7). */
	pt_map(va, (unsigned long)g_code, PTE_RW);
	idt_set_handler(PF_VECTOR, fetch_pf_handler);
	report(run_user(user_exec, va) == 1 && g_fetch_cr2 == va &&
	       g_fetch_err == (PFEC_P | PFEC_U | (g_nx ? PFEC_I : 0)),
	       "%s: user fetch of supervisor page: #PF(%#lx)", g_fmt_name, g_fetch_err);
	pt_map(va, (unsigned long)g_code, PTE_US);
	report(run_user(user_exec, va) == 0, "%s: user fetch of user page", g_fmt_name);
	idt_set_handler(PF_VECTOR, NULL);
	pt_set_user_image(false);
}

/* Fetches: I/D is set only with NXE=1 (PAE/4-level) or SMEP (4.7). */
static void test_fetch(void)
{
	unsigned long va = ALIAS + 2 * PAGE_SIZE;

	pt_map(va, (unsigned long)g_code, PTE_RW);
	idt_set_handler(PF_VECTOR, fetch_pf_handler);
	report(try_exec(va) == 0, "%s: fetch from mapped page", g_fmt_name);
	pt_set_flags(va, 0, PTE_P);
	report(try_exec(va) == 1 && g_fetch_cr2 == va && g_fetch_err == (g_nx ? PFEC_I : 0),
	       "%s: fetch, not present: #PF(%#lx)", g_fmt_name, g_fetch_err);
	if (g_nx) {
		pt_map(va, (unsigned long)g_code, PTE_RW | PTE_NX);
		report(try_exec(va) == 1 && g_fetch_err == (PFEC_P | PFEC_I),
		       "%s: fetch, XD page: #PF(%#lx)", g_fmt_name, g_fetch_err);
		rd(va);
		expect_no_excp("XD page still readable");
		/* XD in a directory entry applies to the whole region (4.6.1). */
		pt_map(va, (unsigned long)g_code, PTE_RW);
		void *slot = pde_slot(va);
		uint64_t old = slot_get(slot);

		slot_set(slot, old | PTE_NX);
		flush_tlb();
		report(try_exec(va) == 1 && g_fetch_err == (PFEC_P | PFEC_I),
		       "%s: fetch, XD in PDE: #PF(%#lx)", g_fmt_name, g_fetch_err);
		slot_set(slot, old);
		flush_tlb();
	}
	idt_set_handler(PF_VECTOR, NULL);
}

/* Reserved bits: RSVD = 1 with P = 1 (4.7). */
static void test_reserved(void)
{
	unsigned long va = ALIAS + 3 * PAGE_SIZE;
	unsigned phys_bits = 36;

	if (cpuid(0x80000000).a >= 0x80000008)
		phys_bits = cpuid(0x80000008).a & 0xff;
	if (pt_current_format() == PT_FMT_32) {
		/* 4-MByte page with bit 21 set (table 4-4). */
		unsigned long big = 0x80000000ul;
		void *slot = pde_slot(big);
		uint64_t old = slot_get(slot);

		slot_set(slot, 0x80000000ull | (1u << 21) | PTE_PS | PTE_P | PTE_RW);
		invlpg((void *)big);
		rd(big + 4);
		pf_is(big + 4, PFEC_P | PFEC_RSVD, "4M PDE bit 21 reserved");
		wr(big + 4);
		pf_is(big + 4, PFEC_P | PFEC_RSVD | PFEC_W, "4M PDE bit 21 reserved, write");
		slot_set(slot, old);
		invlpg((void *)big);
		return;
	}
	if (phys_bits < 52) {
		pt_map(va, (unsigned long)g_data | (1ull << phys_bits), PTE_RW);
		rd(va);
		pf_is(va, PFEC_P | PFEC_RSVD, "PTE address bit MAXPHYADDR set");
	}
	if (!g_nx) {
		pt_map(va, (unsigned long)g_data, PTE_RW | PTE_NX);
		rd(va);
		pf_is(va, PFEC_P | PFEC_RSVD, "XD set with EFER.NXE=0");
	} else {
		/* 2-MByte page with bit 13 set (tables 4-10, 4-18). */
		unsigned long big = 0x80000000ul;
		void *slot = pde_slot(big);
		uint64_t old = slot_get(slot);

		slot_set(slot, 0x80000000ull | (1u << 13) | PTE_PS | PTE_P | PTE_RW);
		invlpg((void *)big);
		rd(big + 4);
		pf_is(big + 4, PFEC_P | PFEC_RSVD, "2M PDE bit 13 reserved");
		slot_set(slot, old);
		invlpg((void *)big);
		/* Fetch with a reserved bit: RSVD and I/D together. */
		pt_map(va, (unsigned long)g_code | (1ull << phys_bits), PTE_RW);
		idt_set_handler(PF_VECTOR, fetch_pf_handler);
		report(try_exec(va) == 1 && g_fetch_err == (PFEC_P | PFEC_RSVD | PFEC_I),
		       "%s: fetch, reserved bit: #PF(%#lx)", g_fmt_name, g_fetch_err);
		idt_set_handler(PF_VECTOR, NULL);
	}
#ifdef __x86_64__
	/* PML4E bit 7 is reserved (table 4-15). */
	{
		uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xffful);
		uint64_t *pdpt = pt_alloc_page();

		pdpt[0] = (unsigned long)g_data | PTE_P | PTE_RW | PTE_PS;
		pml4[3] = (unsigned long)pdpt | PTE_P | PTE_RW | PTE_PS;
		rd(3ul << 39);
		pf_is(3ul << 39, PFEC_P | PFEC_RSVD, "PML4E PS reserved");
		pml4[3] = 0;
		flush_tlb();
	}
#else
	/* PAE PDPTEs: reserved bits give #GP at MOV CR3 (4.4.1). */
	{
		uint64_t *pdpt = (uint64_t *)(read_cr3() & ~0x1ful);
		uint64_t old = pdpt[3];
		unsigned long cr3 = read_cr3();

		pdpt[3] = old | PTE_RW;
		excp_clear();
		asm volatile(ASM_TRY("mov %0, %%cr3") : : "r"(cr3) : "memory");
		expect_excp_err(GP_VECTOR, 0, "PAE: MOV CR3 with a reserved PDPTE bit raises #GP(0)");
		pdpt[3] = old;
		write_cr3(cr3);
	}
#endif
}

/* Accessed and dirty flags (4.8): A on any access, D on writes, in the leaf; A in
 * the directory entries used. */
static void test_accessed_dirty(void)
{
	unsigned long va = ALIAS + 4 * PAGE_SIZE, size;
	void *slot;

	pt_map(va, (unsigned long)g_data, PTE_RW);
	pt_set_flags(va, 0, PTE_A | PTE_D);
	slot = pde_slot(va);
	slot_set(slot, slot_get(slot) & ~PTE_A);
	flush_tlb();
	report(!(pt_get(va, &size) & (PTE_A | PTE_D)), "%s: A/D clear before access", g_fmt_name);
	(void)*(volatile uint8_t *)va;
	report((pt_get(va, &size) & (PTE_A | PTE_D)) == PTE_A, "%s: read sets A, not D", g_fmt_name);
	report(slot_get(slot) & PTE_A, "%s: read sets A in the PDE", g_fmt_name);
	*(volatile uint8_t *)va = 1;
	report((pt_get(va, &size) & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "%s: write sets D",
	       g_fmt_name);

	/* D of a cached read-only translation: the write must set D (4.8). */
	pt_set_flags(va, 0, PTE_D);
	(void)*(volatile uint8_t *)va;
	*(volatile uint8_t *)va = 2;
	report(pt_get(va, &size) & PTE_D, "%s: write after read sets D", g_fmt_name);

	/* A faulting access sets no D (4.8: D only when the write is done). */
	pt_set_flags(va, 0, PTE_D | PTE_RW);
	wr(va);
	pf_is(va, PFEC_P | PFEC_W, "write to read-only page");
	report(!(pt_get(va, &size) & PTE_D), "%s: faulting write does not set D", g_fmt_name);
}

/* Large pages: 4 MiB (32-bit, PSE), 2 MiB (PAE, 4-level), A/D in their entry. */
static void test_large(void)
{
	unsigned long big = 0x80000000ul, size;
	unsigned long pa = (unsigned long)g_data & ~((pt_current_format() == PT_FMT_32 ? 0x3ffffful : 0x1ffffful));
	void *slot = pde_slot(big);
	uint64_t old = slot_get(slot);

	g_data[40] = 0x77;
	slot_set(slot, pa | PTE_PS | PTE_P | PTE_RW);
	invlpg((void *)big);
	report(*(volatile uint8_t *)(big + ((unsigned long)g_data - pa) + 40) == 0x77,
	       "%s: %s page maps its physical range", g_fmt_name,
	       pt_current_format() == PT_FMT_32 ? "4M" : "2M");
	report((slot_get(slot) & (PTE_A | PTE_D)) == PTE_A, "%s: large page: read sets A",
	       g_fmt_name);
	*(volatile uint8_t *)(big + 0x1000) = *(volatile uint8_t *)(big + 0x1000);
	report((slot_get(slot) & (PTE_A | PTE_D)) == (PTE_A | PTE_D),
	       "%s: large page: write sets D", g_fmt_name);
	report(pt_get(big, &size) && size == (pt_current_format() == PT_FMT_32 ? 4u << 20 : 2u << 20),
	       "%s: large page size", g_fmt_name);
	slot_set(slot, old);
	invlpg((void *)big);
}

/* The 4 KiB leaf entry of va (below a PDE that points to a table). */
static void *leaf_slot(unsigned long va)
{
	uint64_t pde = slot_get(pde_slot(va));

	if (pt_current_format() == PT_FMT_32)
		return (uint32_t *)(unsigned long)(pde & 0xfffff000ull) + ((va >> 12) & 1023);
	return (uint64_t *)(unsigned long)(pde & 0xffffffffff000ull) + ((va >> 12) & 511);
}

/* Global pages may survive MOV CR3, but changing CR4.PGE and INVLPG must drop
 * them, and MOV CR3 must drop non-global ones (4.10.4.1). Entries are changed
 * behind the TLB's back, then one of those operations must make the change seen. */
static void test_global(void)
{
	unsigned long va = ALIAS + 5 * PAGE_SIZE;
	void *leaf;

	if (!(cpuid(1).d & (1u << 13))) {
		report_skip("global", "no PGE");
		return;
	}
	write_cr4(read_cr4() | X86_CR4_PGE);
	g_data[24] = 1;
	g_data2[24] = 2;
	pt_map(va, (unsigned long)g_data, PTE_RW | PTE_G);
	leaf = leaf_slot(va);
	report(*(volatile uint8_t *)(va + 24) == 1, "%s: global page mapped", g_fmt_name);
	slot_set(leaf, (unsigned long)g_data2 | PTE_P | PTE_RW | PTE_G);
	invlpg((void *)va);
	report(*(volatile uint8_t *)(va + 24) == 2, "%s: INVLPG drops a global page", g_fmt_name);
	slot_set(leaf, (unsigned long)g_data | PTE_P | PTE_RW | PTE_G);
	write_cr4(read_cr4() & ~X86_CR4_PGE);
	report(*(volatile uint8_t *)(va + 24) == 1, "%s: clearing CR4.PGE drops global pages",
	       g_fmt_name);
	write_cr4(read_cr4() | X86_CR4_PGE);
	slot_set(leaf, (unsigned long)g_data2 | PTE_P | PTE_RW);
	write_cr3(read_cr3());
	report(*(volatile uint8_t *)(va + 24) == 2, "%s: MOV CR3 drops a non-global page",
	       g_fmt_name);
	write_cr4(read_cr4() & ~X86_CR4_PGE);
}

/* SMEP: supervisor fetch from a user page; SMAP: supervisor data access to a user
 * page with AC=0, allowed with STAC, refused for implicit accesses (4.6.1). */
static void test_smep_smap(void)
{
	unsigned long va = ALIAS + 6 * PAGE_SIZE;
	struct cpuid_regs r = cpuid_count(7, 0);

	if (cpuid(0).a < 7 || !(r.b & (1u << 7))) {
		report_skip("smep", "CPUID.07H:EBX.SMEP = 0");
	} else {
		pt_map(va, (unsigned long)g_code, PTE_RW | PTE_US);
		idt_set_handler(PF_VECTOR, fetch_pf_handler);
		report(try_exec(va) == 0, "%s: SMEP off: supervisor fetch from user page", g_fmt_name);
		write_cr4(read_cr4() | X86_CR4_SMEP);
		report(try_exec(va) == 1 && g_fetch_err == (PFEC_P | PFEC_I) && g_fetch_cr2 == va,
		       "%s: SMEP: supervisor fetch from user page: #PF(%#lx)", g_fmt_name, g_fetch_err);
		write_cr4(read_cr4() & ~X86_CR4_SMEP);
		idt_set_handler(PF_VECTOR, NULL);
	}
	if (cpuid(0).a < 7 || !(r.b & (1u << 20))) {
		report_skip("smap", "CPUID.07H:EBX.SMAP = 0");
		return;
	}
	pt_map(va, (unsigned long)g_data, PTE_RW | PTE_US);
	write_cr4(read_cr4() | X86_CR4_SMAP);
	asm volatile("clac" ::: "memory");
	rd(va);
	pf_is(va, PFEC_P, "SMAP: supervisor read of user page, AC=0");
	wr(va);
	pf_is(va, PFEC_P | PFEC_W, "SMAP: supervisor write of user page, AC=0");
	asm volatile("stac" ::: "memory");
	report(read_flags() & X86_EFLAGS_AC, "%s: STAC sets EFLAGS.AC", g_fmt_name);
	rd(va);
	expect_no_excp("SMAP: supervisor read of user page with AC=1");
	wr(va);
	expect_no_excp("SMAP: supervisor write of user page with AC=1");

	/* Implicit supervisor access (a descriptor-table read) to a user page faults
	 * even with AC=1: an LDT on a user page. */
	{
		uint64_t *ldt = (uint64_t *)va;
		unsigned idx = GDT_FIRST_FREE;
		uint16_t ldt_sel = idx << 3;

		ldt[1] = guest_gdt[KERNEL_DS >> 3];
		gdt_set_entry(idx, va, 0xfff, SEG_ACCESS_P | 0x2, 0);   /* LDT, type 2 */
#ifdef __x86_64__
		guest_gdt[idx + 1] = 0;                                 /* upper half, 16-byte */
#endif
		asm volatile("lldt %0" : : "r"(ldt_sel));
		excp_clear();
		asm volatile(ASM_TRY("mov %0, %%fs") : : "r"(0xc | 4) : "memory");
		pf_is(va + 8, PFEC_P, "SMAP: implicit read of an LDT on a user page, AC=1");
		asm volatile("clac" ::: "memory");
		report(!(read_flags() & X86_EFLAGS_AC), "%s: CLAC clears EFLAGS.AC", g_fmt_name);
		write_cr4(read_cr4() & ~X86_CR4_SMAP);
		excp_clear();
		asm volatile(ASM_TRY("mov %0, %%fs") : : "r"(0xc | 4) : "memory");
		expect_no_excp("SMAP off: LDT on a user page readable");
		asm volatile("mov %0, %%fs; lldt %1" : : "r"(0), "r"((uint16_t)0));
	}
	write_cr4(read_cr4() & ~X86_CR4_SMAP);
}

#ifdef __x86_64__
static unsigned long user_wrpkru(unsigned long v)
{
	asm volatile("wrpkru" : : "a"((uint32_t)v), "c"(0), "d"(0));
	return 0;
}

/* 1-GByte pages (4.5.4, table 4-16): a fresh PML4 slot maps 512 GiB -> 0. */
static void test_1g(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xffful);
	uint64_t *pdpt;
	unsigned long va = 1ul << 39;

	if (!(cpuid(0x80000001).d & (1u << 26))) {
		report_skip("1g", "no 1-GByte pages");
		return;
	}
	pdpt = pt_alloc_page();
	pdpt[0] = PTE_P | PTE_RW | PTE_PS;
	pml4[1] = (unsigned long)pdpt | PTE_P | PTE_RW;
	flush_tlb();
	g_data[100] = 0x3c;
	report(*(volatile uint8_t *)(va + (unsigned long)g_data + 100) == 0x3c, "64: 1G page maps");
	report((pdpt[0] & (PTE_A | PTE_D)) == PTE_A, "64: 1G page: read sets A");
	report(pml4[1] & PTE_A, "64: PML4E A set");
	*(volatile uint8_t *)(va + (unsigned long)g_data + 100) = 0x3d;
	report(pdpt[0] & PTE_D, "64: 1G page: write sets D");
	pdpt[0] |= 1ull << 13;          /* bits 29:13 reserved */
	flush_tlb();
	rd(va + 64);
	pf_is(va + 64, PFEC_P | PFEC_RSVD, "1G PDPTE bit 13 reserved");
	pml4[1] = 0;
	flush_tlb();
}

/* Protection keys (4.6.2): PKRU.ADi / WDi for user pages with key i, PK in the
 * error code. Supervisor pages are not subject to PKRU. */
static void test_pku(void)
{
	unsigned long va = ALIAS + 7 * PAGE_SIZE;
	uint64_t key1 = 1ull << 59;

	if (!(cpuid_count(7, 0).c & (1u << 3))) {
		report_skip("pku", "CPUID.07H:ECX.PKU = 0");
		return;
	}
	excp_clear();
	asm volatile(ASM_TRY("rdpkru") : : "c"(0) : "eax", "edx");
	expect_excp(UD_VECTOR, "RDPKRU with CR4.PKE=0 raises #UD");
	write_cr4(read_cr4() | CR4_PKE);
	report(cpuid_count(7, 0).c & (1u << 4), "64: CPUID.07H:ECX.OSPKE follows CR4.PKE");
	pt_set_user_image(true);
	pt_map(va, (unsigned long)g_data, PTE_RW | PTE_US | key1);
	pt_map(va + PAGE_SIZE, (unsigned long)g_data, PTE_RW | key1);   /* supervisor page */

	asm volatile("wrpkru" : : "a"(1u << 2), "c"(0), "d"(0));        /* AD1 */
	{
		uint32_t v;

		asm volatile("rdpkru" : "=a"(v) : "c"(0) : "edx");
		expect_eq(v, 1u << 2, "64: RDPKRU reads what WRPKRU wrote");
	}
	excp_clear();
	run_user(user_read, va);
	pf_is(va, PFEC_P | PFEC_U | PFEC_PK, "PKU: user read, AD=1");
	rd(va);
	pf_is(va, PFEC_P | PFEC_PK, "PKU: supervisor read of user page, AD=1");
	rd(va + PAGE_SIZE);
	expect_no_excp("PKU: supervisor page ignores PKRU");

	asm volatile("wrpkru" : : "a"(2u << 2), "c"(0), "d"(0));        /* WD1 */
	excp_clear();
	report(run_user(user_read, va) == 0, "64: PKU: user read, WD=1");
	excp_clear();
	run_user(user_write, va);
	pf_is(va, PFEC_P | PFEC_U | PFEC_W | PFEC_PK, "PKU: user write, WD=1");
	wr(va);
	pf_is(va, PFEC_P | PFEC_W | PFEC_PK, "PKU: supervisor write, WD=1, CR0.WP=1");
	write_cr0(read_cr0() & ~X86_CR0_WP);
	wr(va);
	expect_no_excp("PKU: supervisor write, WD=1, CR0.WP=0");
	write_cr0(read_cr0() | X86_CR0_WP);
	/* Key 0 is unaffected; WRPKRU at CPL 3 works. */
	pt_map(va, (unsigned long)g_data, PTE_RW | PTE_US);
	excp_clear();
	report(run_user(user_write, va) == 0, "64: PKU: key 0 page writable");
	run_user(user_wrpkru, 3u << 2);
	{
		uint32_t v;

		asm volatile("rdpkru" : "=a"(v) : "c"(0) : "edx");
		expect_eq(v, 3u << 2, "64: WRPKRU at CPL 3");
	}
	asm volatile("wrpkru" : : "a"(0), "c"(0), "d"(0));
	pt_set_user_image(false);
	write_cr4(read_cr4() & ~CR4_PKE);
}
#endif

static void run_all(const char *name)
{
	g_fmt_name = name;
	test_basic_bits();
	test_user_bits();
	test_fetch();
	test_reserved();
	test_accessed_dirty();
	test_large();
	test_global();
	test_smep_smap();
}

int main(void)
{
	/* The jump target: "jmp *%ecx" / "jmp *%rcx" (FF E1). */
	g_code[0] = 0xff;
	g_code[1] = 0xe1;
#ifdef __x86_64__
	g_nx = false;
	run_all("4-level, NXE=0");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	g_nx = true;
	run_all("4-level");
	test_1g();
	test_pku();
#else
	paging_enable(PT_FMT_32);
	run_all("32-bit");
	paging_disable();
	paging_enable(PT_FMT_PAE);
	run_all("PAE, NXE=0");
	if (cpuid(0x80000001).d & (1u << 20)) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		g_nx = true;
		run_all("PAE");
	}
	paging_disable();
#endif
	return 0;
}
