/*
 * tests/unit/nested/test_ept.c - the EPT walk (nested/ept.c) on EPT tables built in a
 * test RAM: permissions, large pages, each misconfiguration, accessed/dirty flags,
 * exit-qualification bits; guest paging through EPT (cpu/paging.c's hook), unrestricted
 * guest, PAE PDPTE loads; TLB address spaces tagged by VPID/EPTP and their flushes.
 * Expectations from SDM vol. 3, 29.3-29.4 and 28.2.1 (table 28-7).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"
#include "nested/ept.h"
#include "nested/nested.h"
#include "nested/vmx_internal.h"

#include <check.h>
#include <stdlib.h>

#define R   0x1ull
#define W   0x2ull
#define X   0x4ull
#define RWX 0x7ull
#define WB  (6ull << 3)
#define PS  0x80ull
#define EA  0x100ull                     /* EPT accessed */
#define ED  0x200ull                     /* EPT dirty */

/* EPT tables: PML4 0x100000, PDPT 0x101000, PD 0x102000, PT 0x103000 (host-physical). */
#define EPT_PML4 0x100000ull
#define EPT_PDPT 0x101000ull
#define EPT_PD   0x102000ull
#define EPT_PT   0x103000ull
#define EPTP     (EPT_PML4 | (3ull << 3) | 6)         /* WB, page-walk length 4 */
#define EPTP_AD  (EPTP | (1ull << 6))

static struct vcpu *vc(void) { return &g_fix->v; }
static int tlb_space_of(uint64_t lin);

/* The upper levels for gpa < 1 GiB down to the page table, all RWX. */
static void ept_tables(void)
{
	cpufix_put64(EPT_PML4, EPT_PDPT | RWX);
	cpufix_put64(EPT_PDPT, EPT_PD | RWX);
	for (unsigned i = 0; i < 512; i++)
		cpufix_put64(EPT_PD + 8 * i, 0);
	cpufix_put64(EPT_PD, EPT_PT | RWX);
}

static void ept_pte(uint64_t gpa, uint64_t e)
{
	cpufix_put64(EPT_PT + ((gpa >> 12) & 511) * 8, e);
}

static unsigned xl(uint64_t eptp, uint64_t gpa, unsigned flags, uint64_t *hpa, uint64_t *qual)
{
	return ept_translate(vc(), eptp, gpa, flags, hpa, qual, NULL);
}

START_TEST(test_cap_and_eptp)
{
	uint64_t cap = ept_vpid_cap();

	/* Appendix A.10: what ept.c implements, and not 5-level EPT (bit 7). */
	ck_assert_uint_eq(cap, 0x00000f0106334141ull);
	ck_assert(!(cap & (1ull << 7)));
	ck_assert(ept_eptp_valid(vc(), EPTP));
	ck_assert(ept_eptp_valid(vc(), EPTP_AD));
	ck_assert(ept_eptp_valid(vc(), EPT_PML4 | (3ull << 3)));               /* UC */
	ck_assert(!ept_eptp_valid(vc(), EPT_PML4 | (3ull << 3) | 1));          /* WC */
	ck_assert(!ept_eptp_valid(vc(), EPT_PML4 | (4ull << 3) | 6));          /* 5 levels */
	ck_assert(!ept_eptp_valid(vc(), EPTP | (1ull << 7)));
	ck_assert(!ept_eptp_valid(vc(), EPTP | (1ull << 62)));
}
END_TEST

START_TEST(test_4k_permissions)
{
	uint64_t hpa = 0, q;

	ept_tables();
	ept_pte(0x5000, 0x7000 | R | WB);
	ck_assert_uint_eq(xl(EPTP, 0x5123, SLAT_READ, &hpa, &q), 0);
	ck_assert_uint_eq(hpa, 0x7123);
	/* A write to a read-only page: bits 1, 3 (readable), 7, 8 (table 28-7). */
	ck_assert_uint_eq(xl(EPTP, 0x5123, SLAT_WRITE, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_GLA_VALID |
			  EPT_QUAL_FINAL);
	ck_assert_uint_eq(xl(EPTP, 0x5123, SLAT_EXEC, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, 0x18cull);
	/* Execute-only is advertised: not a misconfiguration; reads violate. */
	ept_pte(0x5000, 0x7000 | X | WB);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_EXEC, &hpa, &q), 0);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_READ, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_READ | EPT_QUAL_EXECUTABLE | 0x180);
	/* Permissions are the AND over the walk (bits 5:3 too). */
	ept_pte(0x5000, 0x7000 | RWX | WB);
	cpufix_put64(EPT_PD, EPT_PT | R | X);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_WRITE, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE | 0x180);
	/* Not present: no permissions; a paging-structure access clears bit 8; a PDPTE
	 * load has no linear address (bits 7 and 8 clear). */
	ept_pte(0x5000, 0);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_READ, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_READ | 0x180);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_READ | SLAT_PT, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_READ | EPT_QUAL_GLA_VALID);
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_READ | SLAT_PT | SLAT_NO_GLA, &hpa, &q),
			  EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_READ);
}
END_TEST

START_TEST(test_large_pages)
{
	uint64_t hpa = 0, q;

	ept_tables();
	cpufix_put64(EPT_PD + 8, 0x400000 | PS | RWX | WB);            /* 2M: gpa 2M-4M */
	ck_assert_uint_eq(xl(EPTP, 0x2abcde, SLAT_WRITE, &hpa, &q), 0);
	ck_assert_uint_eq(hpa, 0x4abcde);
	cpufix_put64(EPT_PDPT + 8, 0 | PS | R | WB);                   /* 1G: gpa 1G-2G */
	ck_assert_uint_eq(xl(EPTP, 0x40001234, SLAT_READ, &hpa, &q), 0);
	ck_assert_uint_eq(hpa, 0x1234);
	ck_assert_uint_eq(xl(EPTP, 0x40001234, SLAT_WRITE, &hpa, &q), EPT_EXIT_VIOLATION);
}
END_TEST

static void expect_misconfig(uint64_t where, uint64_t e, uint64_t gpa)
{
	uint64_t hpa, q = 1;

	ept_tables();
	ept_pte(0x5000, 0x7000 | RWX | WB);
	cpufix_put64(where, e);
	ck_assert_msg(xl(EPTP, gpa, SLAT_READ, &hpa, &q) == EPT_EXIT_MISCONFIG, "entry %#llx at %#llx", (unsigned long long)e, (unsigned long long)where);
	ck_assert_uint_eq(q, 0);
}

START_TEST(test_misconfigurations)
{
	uint64_t top = 1ull << (vc()->phys_bits);   /* bit M: reserved (51:M) */

	/* SDM 29.3.3.1: write without read, with and without execute. */
	expect_misconfig(EPT_PT + 40, 0x7000 | W | WB, 0x5000);
	expect_misconfig(EPT_PT + 40, 0x7000 | W | X | WB, 0x5000);
	expect_misconfig(EPT_PML4, EPT_PDPT | W, 0x5000);
	/* Reserved bits: PML4E 7:3, non-leaf PDE 6:3, 2M page 20:12, 1G page 29:12, 51:M. */
	expect_misconfig(EPT_PML4, EPT_PDPT | RWX | 0x8, 0x5000);
	expect_misconfig(EPT_PML4, EPT_PDPT | RWX | PS, 0x5000);
	expect_misconfig(EPT_PD, EPT_PT | RWX | 0x40, 0x5000);
	expect_misconfig(EPT_PD + 8, 0x400000 | PS | RWX | WB | 0x1000, 0x200000);
	expect_misconfig(EPT_PDPT + 8, PS | RWX | WB | 0x200000, 0x40000000);
	if (vc()->phys_bits < 52)
		expect_misconfig(EPT_PT + 40, 0x7000 | RWX | WB | top, 0x5000);
	/* Leaf memory types 2, 3 and 7. */
	expect_misconfig(EPT_PT + 40, 0x7000 | RWX | (2ull << 3), 0x5000);
	expect_misconfig(EPT_PT + 40, 0x7000 | RWX | (3ull << 3), 0x5000);
	expect_misconfig(EPT_PD + 8, 0x400000 | PS | RWX | (7ull << 3), 0x200000);
}
END_TEST

START_TEST(test_accessed_dirty)
{
	uint64_t hpa, q;

	ept_tables();
	ept_pte(0x5000, 0x7000 | RWX | WB);
	/* Without EPTP[6] nothing changes. */
	ck_assert_uint_eq(xl(EPTP, 0x5000, SLAT_WRITE, &hpa, &q), 0);
	ck_assert_uint_eq(cpufix_get64(EPT_PT + 40) & (EA | ED), 0);
	/* SDM 29.3.5: A on every entry used, D on the leaf for a write. */
	ck_assert_uint_eq(xl(EPTP_AD, 0x5000, SLAT_READ, &hpa, &q), 0);
	ck_assert_uint_eq(cpufix_get64(EPT_PML4) & (EA | ED), EA);
	ck_assert_uint_eq(cpufix_get64(EPT_PDPT) & (EA | ED), EA);
	ck_assert_uint_eq(cpufix_get64(EPT_PD) & (EA | ED), EA);
	ck_assert_uint_eq(cpufix_get64(EPT_PT + 40) & (EA | ED), EA);
	ck_assert_uint_eq(xl(EPTP_AD, 0x5000, SLAT_WRITE, &hpa, &q), 0);
	ck_assert_uint_eq(cpufix_get64(EPT_PT + 40) & (EA | ED), EA | ED);
	/* A peek changes nothing. */
	ept_pte(0x6000, 0x8000 | RWX | WB);
	ck_assert_uint_eq(xl(EPTP_AD, 0x6000, SLAT_WRITE | SLAT_PEEK, &hpa, &q), 0);
	ck_assert_uint_eq(cpufix_get64(EPT_PT + 48) & (EA | ED), 0);
	/* Guest paging-structure reads count as writes: D set, and a read-only page
	 * holding a guest page table violates with bit 1 (29.3.3.2)... */
	ck_assert_uint_eq(xl(EPTP_AD, 0x6000, SLAT_READ | SLAT_PT, &hpa, &q), 0);
	ck_assert_uint_eq(cpufix_get64(EPT_PT + 48) & (EA | ED), EA | ED);
	ept_pte(0x6000, 0x8000 | R | WB);
	ck_assert_uint_eq(xl(EPTP_AD, 0x6000, SLAT_READ | SLAT_PT, &hpa, &q), EPT_EXIT_VIOLATION);
	ck_assert_uint_eq(q, EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_GLA_VALID);
	/* ...except the PDPTE loads of MOV CR, which stay reads. */
	ck_assert_uint_eq(xl(EPTP_AD, 0x6000, SLAT_READ | SLAT_PT | SLAT_NO_GLA, &hpa, &q), 0);
	ck_assert_uint_eq(xl(EPTP, 0x6000, SLAT_READ | SLAT_PT, &hpa, &q), 0);
}
END_TEST

/* Guest 4-level paging with its tables in guest-physical memory: EPT maps gpa
 * [0, 2M) to hpa [4M, 6M) with one 2-MByte page. */
static void guest_long64_over_ept(uint64_t eptp, uint16_t vpid)
{
	struct cpu_state *s = &vc()->s;

	ept_tables();
	cpufix_put64(EPT_PD, 0x400000 | PS | RWX | WB);
	cpufix_long64(0);
	s->cr3 = 0x10000;                                       /* gpa */
	cpufix_put64(0x410000, 0x11000 | 7);
	cpufix_put64(0x411000, 0x12000 | 7);
	cpufix_put64(0x412000, 0x13000 | 7);
	cpufix_put64(0x413000 + 5 * 8, 0x6000 | 7);             /* lin 0x5000 -> gpa 0x6000 */
	cpufix_put64(0x406010, 0x1122334455667788ull);
	ept_enter(vc(), true, eptp, vpid);
}

START_TEST(test_guest_paging_through_ept)
{
	uint64_t val = 0, pa = 0, eptp = 0;

	ck_assert(!ept_current_eptp(vc(), &eptp));
	guest_long64_over_ept(EPTP_AD, 1);
	ck_assert(ept_current_eptp(vc(), &eptp));
	ck_assert_uint_eq(eptp, EPTP_AD);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x5010, 8, &val), -1);
	ck_assert_uint_eq(val, 0x1122334455667788ull);
	/* The guest's A flags were written through EPT (hpa), EPT's own A/D too: the
	 * guest paging-structure accesses count as writes (D on the 2M leaf). */
	ck_assert_uint_eq(cpufix_get64(0x413028) & 0x20, 0x20);
	ck_assert_uint_eq(cpufix_get64(EPT_PD) & (EA | ED), EA | ED);
	ck_assert_uint_eq(cpufix_get64(0x10000) , 0);           /* gpa 0x10000 as hpa: untouched */
	ck_assert(cpu_debug_translate(vc(), 0x5010, &pa));
	ck_assert_uint_eq(pa, 0x406010);
	/* A failing translation without the VM exit (a probe) reports PFEC_SLAT. */
	cpufix_put64(EPT_PD, EPT_PT | RWX);
	ept_pte(0x10000, 0);
	ck_assert(!cpu_debug_translate(vc(), 0x7000, &pa));
	ck_assert(cpu_translate(vc(), 0x7000, ACC_READ, false, &pa) & PFEC_SLAT);
	/* The TLB still holds the combined translation of 0x5000 (no INVEPT yet)... */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x5010, 8, &val), -1);
	ck_assert_uint_eq(val, 0x1122334455667788ull);
	/* ...until INVEPT single-context of this EPTP. */
	ept_invept(vc(), 1, EPTP_AD);
	ck_assert(cpu_translate(vc(), 0x5010, ACC_READ, false, &pa) & PFEC_SLAT);
	ept_leave(vc());
	ck_assert(vc()->slat == NULL);
	ck_assert(!ept_current_eptp(vc(), &eptp));
}
END_TEST

START_TEST(test_guest_ad_update_is_a_write)
{
	uint64_t pa = 0;

	/* Guest page tables in a read-only EPT page (A/D for EPT off): walking them is
	 * fine while their accessed flags are set, but setting one is a data write to
	 * the guest-physical address of the entry (SDM 29.3.3.2). */
	guest_long64_over_ept(EPTP, 1);
	cpufix_put64(EPT_PD, EPT_PT | RWX);
	for (unsigned k = 0; k < 512; k++)
		ept_pte((uint64_t)k << 12, (0x400000 + ((uint64_t)k << 12)) | RWX | WB);
	ept_pte(0x13000, 0x413000 | R | WB);                    /* the guest's PT */
	ck_assert(cpu_translate(vc(), 0x5010, ACC_READ, false, &pa) & PFEC_SLAT);
	cpufix_put64(0x413028, cpufix_get64(0x413028) | 0x20);   /* A already set */
	ck_assert_uint_eq(cpu_translate(vc(), 0x5010, ACC_READ, false, &pa), 0);
	ck_assert_uint_eq(pa, 0x406010);
	/* A write needs D in the PTE: a write to the read-only page again. */
	ck_assert(cpu_translate(vc(), 0x5010, ACC_WRITE, false, &pa) & PFEC_SLAT);
	ept_leave(vc());
}
END_TEST

START_TEST(test_mode_change_across_switch)
{
	uint64_t val;

	/* A space whose paging mode changed while it was not current (VM exit loading
	 * host CR4 by assignment) is flushed when it becomes current again. */
	cpufix_flat32(0);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1000, 4, &val), -1);
	ck_assert_int_ge(tlb_space_of(0x1000), 0);
	ept_enter(vc(), false, 0, 4);
	vc()->s.cr4 |= CR4_PSE;
	ept_leave(vc());
	ck_assert_int_eq(tlb_space_of(0x1000), -1);
	/* Same mode: kept. */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1000, 4, &val), -1);
	ept_enter(vc(), false, 0, 4);
	ept_leave(vc());
	ck_assert_int_ge(tlb_space_of(0x1000), 0);
}
END_TEST

START_TEST(test_current_vmcs_eptp)
{
	struct vmx *x;
	uint64_t eptp = 0;

	/* In VMX root operation the accessor answers from the current VMCS, only when
	 * it enables EPT (secondary controls on, "enable EPT" set). */
	ck_assert_int_eq(nested_attach(vc()), 0);
	x = vmx_of(vc());
	ck_assert(!ept_current_eptp(vc(), &eptp));
	x->on = true;
	x->current = 0x1000;
	vmcs_set(x, VMCS_EPT_POINTER, EPTP_AD);
	vmcs_set(x, VMCS_PROC_CONTROLS2, SEC_EPT);
	ck_assert(!ept_current_eptp(vc(), &eptp));
	vmcs_set(x, VMCS_PROC_CONTROLS, PROC_SECONDARY);
	ck_assert(ept_current_eptp(vc(), &eptp));
	ck_assert_uint_eq(eptp, EPTP_AD);
	x->current = VMX_NO_VMCS;
	ck_assert(!ept_current_eptp(vc(), &eptp));
	nested_detach(vc());
}
END_TEST

START_TEST(test_unrestricted_guest)
{
	uint64_t val = 0;
	uint8_t b[4];
	size_t got = 0;

	/* Real mode (reset state), CR0.PG = 0: linear = guest-physical, then EPT. */
	ept_tables();
	cpufix_put64(EPT_PD, 0x400000 | PS | RWX | WB);
	cpufix_put64(0x400100, 0xabcdull);
	cpufix_put64(0x400200, 0x90909090ull);
	ept_enter(vc(), true, EPTP, 0);
	vc()->s.seg[SEG_DS].base = 0;
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x100, 2, &val), -1);
	ck_assert_uint_eq(val, 0xabcd);
	ck_assert_int_eq(cpufix_fetch(0x200, b, 4, &got), -1);
	ck_assert_uint_eq(got, 4);
	ck_assert_uint_eq(b[0], 0x90);
	ept_leave(vc());
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x100, 2, &val), -1);
	ck_assert_uint_eq(val, 0);                               /* hpa 0x100 */
}
END_TEST

START_TEST(test_pae_pdptes_through_ept)
{
	struct cpu_state *s = &vc()->s;

	ept_tables();
	cpufix_put64(EPT_PD, 0x400000 | PS | RWX | WB);
	cpufix_put64(0x420008, 0x30001);
	cpufix_flat32(0);
	s->cr4 |= CR4_PAE;
	s->cr0 |= CR0_PG;
	ept_enter(vc(), true, EPTP, 3);
	s->cr3 = 0x20000;
	ck_assert(cpu_load_pdptes(vc()));
	ck_assert_uint_eq(s->pdpte[1], 0x30001);
	ept_leave(vc());
}
END_TEST

/* The space tag of a read-TLB entry for lin (each space has its own slot for it:
 * cpu_tlb_index), the lowest if several, or -1 if none. */
static int tlb_space_of(uint64_t lin)
{
	for (unsigned tag = 0; tag < TLB_SPACES; tag++) {
		unsigned idx = (unsigned)((lin >> 12) ^ cpu_tlb_space_offset(tag)) & (TLB_SIZE - 1);
		const struct tlb_entry *e = &vc()->tlb_read[idx];

		if (e->vpage && (e->vpage & ~0xfffull) == (lin & ~0xfffull) &&
		    ((e->vpage & TLB_SPACE_MASK) >> TLB_SPACE_SHIFT) == tag)
			return (int)tag;
	}
	return -1;
}

START_TEST(test_vpid_tagging)
{
	uint64_t val;
	int l1, l2;

	cpufix_flat32(0);                               /* unpaged: lin = phys */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1000, 4, &val), -1);
	l1 = tlb_space_of(0x1000);
	ck_assert_int_ge(l1, 0);
	/* VM entry with VPID 5: L1's entries survive (SDM 29.4.3.1 flushes VPID 0 only
	 * when VPID is off). */
	ept_enter(vc(), false, 0, 5);
	ck_assert_int_eq(tlb_space_of(0x1000), l1);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x2000, 4, &val), -1);
	l2 = tlb_space_of(0x2000);
	ck_assert_int_ge(l2, 0);
	ck_assert_int_ne(l1, l2);
	/* The same page in L2 takes its own entry; INVLPG and MOV CR3 in L2 flush only
	 * VPID 5's. */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x3000, 4, &val), -1);
	cpu_tlb_flush_page(vc(), 0x1000);
	ck_assert_int_eq(tlb_space_of(0x1000), l1);
	cpu_tlb_flush_page(vc(), 0x3000);
	ck_assert_int_eq(tlb_space_of(0x3000), -1);
	cpu_tlb_flush_current(vc());
	ck_assert_int_eq(tlb_space_of(0x2000), -1);
	ck_assert_int_eq(tlb_space_of(0x1000), l1);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x2000, 4, &val), -1);
	/* VM exit: back to L1's space; L2's entries stay. */
	ept_leave(vc());
	ck_assert_uint_eq(vc()->tlb_space, (uint64_t)l1 << TLB_SPACE_SHIFT);
	ck_assert_int_eq(tlb_space_of(0x2000), l2);
	/* MOV CR3 in L1 flushes VPID 0's entries only. */
	cpu_tlb_flush_current(vc());
	ck_assert_int_eq(tlb_space_of(0x1000), -1);
	ck_assert_int_eq(tlb_space_of(0x2000), l2);
	/* INVVPID: individual address / single context of another VPID do not touch
	 * VPID 5; single context of 5 does; all-context spares VPID 0. */
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1000, 4, &val), -1);
	ept_invvpid(vc(), 0, 5, 0x1000);
	ept_invvpid(vc(), 1, 6, 0);
	ck_assert_int_eq(tlb_space_of(0x2000), l2);
	ept_invvpid(vc(), 0, 5, 0x2000);
	ck_assert_int_eq(tlb_space_of(0x2000), -1);
	ept_enter(vc(), false, 0, 5);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x2000, 4, &val), -1);
	ept_leave(vc());
	ept_invvpid(vc(), 2, 0, 0);
	ck_assert_int_eq(tlb_space_of(0x2000), -1);
	ck_assert_int_eq(tlb_space_of(0x1000), l1);
	/* Entry without VPID: VPID 0's mappings go (L1's included). */
	ept_enter(vc(), false, 0, 0);
	ck_assert_int_eq(tlb_space_of(0x1000), -1);
	ept_leave(vc());
}
END_TEST

START_TEST(test_ept_tagging)
{
	uint64_t val;
	int a;

	/* Two EPTPs with the same VPID are different spaces; INVEPT single-context
	 * drops one's mappings, all-context every EPT-derived one. */
	guest_long64_over_ept(EPTP, 7);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x5010, 8, &val), -1);
	a = tlb_space_of(0x5010);
	ck_assert_int_ge(a, 0);
	ept_leave(vc());
	ept_enter(vc(), true, EPTP | 0x200000, 7);             /* another EP4TA */
	ck_assert_uint_ne(vc()->tlb_space, (uint64_t)a << TLB_SPACE_SHIFT);
	ept_leave(vc());
	ck_assert_int_eq(tlb_space_of(0x5010), a);
	ept_invept(vc(), 1, EPTP | 0x200000);
	ck_assert_int_eq(tlb_space_of(0x5010), a);
	ept_invept(vc(), 1, EPTP);
	ck_assert_int_eq(tlb_space_of(0x5010), -1);
	ept_enter(vc(), true, EPTP, 7);
	ck_assert_int_eq(cpufix_ld(SEG_DS, 0x5010, 8, &val), -1);
	ept_leave(vc());
	ept_invept(vc(), 2, 0);
	ck_assert_int_eq(tlb_space_of(0x5010), -1);
}
END_TEST

START_TEST(test_space_eviction)
{
	uint64_t val;

	/* More address spaces than tags: the oldest are evicted, never the current. */
	cpufix_flat32(0);
	for (unsigned i = 1; i <= 2 * TLB_SPACES; i++) {
		ept_enter(vc(), false, 0, (uint16_t)i);
		ck_assert_int_eq(cpufix_ld(SEG_DS, 0x1000 * (i % 8), 4, &val), -1);
		ck_assert_int_ge(tlb_space_of(0x1000 * (i % 8)), 0);
		ept_leave(vc());
	}
	ck_assert_uint_eq(vc()->tlb_spaces_used, ~0ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nested_ept");
	TCase *tc = tcase_create("ept");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_cap_and_eptp);
	tcase_add_test(tc, test_4k_permissions);
	tcase_add_test(tc, test_large_pages);
	tcase_add_test(tc, test_misconfigurations);
	tcase_add_test(tc, test_accessed_dirty);
	tcase_add_test(tc, test_guest_paging_through_ept);
	tcase_add_test(tc, test_guest_ad_update_is_a_write);
	tcase_add_test(tc, test_mode_change_across_switch);
	tcase_add_test(tc, test_current_vmcs_eptp);
	tcase_add_test(tc, test_unrestricted_guest);
	tcase_add_test(tc, test_pae_pdptes_through_ept);
	tcase_add_test(tc, test_vpid_tagging);
	tcase_add_test(tc, test_ept_tagging);
	tcase_add_test(tc, test_space_eviction);
	suite_add_tcase(s, tc);
	return check_run(s);
}
