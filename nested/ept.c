/*
 * nested/ept.c - EPT and VPID (nested/ept.h): the EPT walk, its hook into cpu/ paging
 * (v->slat), and the TLB address spaces VPID and EPTP select.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 29.1 (VPID), 29.3.2 (EPT
 * translation, tables 29-1 to 29-6), 29.3.3.1 (misconfigurations), 29.3.3.2
 * (violations), 29.3.5 (accessed and dirty flags), 29.4.3 (invalidating cached
 * mappings), 28.2.1 table 28-7 (exit qualification), appendix A.10 (capabilities),
 * chapter 31 INVEPT/INVVPID.
 *
 * Departures: accessed flags are set only when the whole translation succeeds (the SDM
 * lets the processor set them on any use of an entry, as for ordinary paging). The
 * TLB caches only combined (linear -> host-physical) mappings, no guest-physical
 * ones: INVEPT flushes the combined mappings of the EP4TA for every VPID.
 */
#include "nested/ept.h"
#include "nested/vmx_internal.h"

#include <stdlib.h>

#define EPTE_R    (1ull << 0)
#define EPTE_W    (1ull << 1)
#define EPTE_X    (1ull << 2)
#define EPTE_RWX  7ull
#define EPTE_MT   (7ull << 3)           /* memory type of a leaf */
#define EPTE_PS   (1ull << 7)           /* PDPTE/PDE: maps a page */
#define EPTE_A    (1ull << 8)
#define EPTE_D    (1ull << 9)

#define EPTP_AD   (1ull << 6)

uint64_t ept_vpid_cap(void)
{
	/* Mode-based execute control, 5-level EPT, #VE and advanced exit information
	 * are not implemented and not advertised. */
	return EPT_CAP_XONLY | EPT_CAP_PWL4 | EPT_CAP_UC | EPT_CAP_WB | EPT_CAP_2M |
	       EPT_CAP_1G | EPT_CAP_INVEPT | EPT_CAP_AD | EPT_CAP_INVEPT_SINGLE |
	       EPT_CAP_INVEPT_ALL | EPT_CAP_INVVPID | EPT_CAP_INVVPID_ADDR |
	       EPT_CAP_INVVPID_SINGLE | EPT_CAP_INVVPID_ALL | EPT_CAP_INVVPID_SINGLE_NG;
}

static uint64_t ept_addr_mask(const struct vcpu *v)
{
	return ((1ull << v->phys_bits) - 1) & ~0xfffull;
}

bool ept_eptp_valid(const struct vcpu *v, uint64_t eptp)
{
	unsigned mt = eptp & 7;

	/* SDM vol. 3, 27.2.1.1 (EPTP checks) and 25.6.11 (EPTP format). */
	if (mt != 0 && mt != 6)
		return false;                   /* UC and WB are advertised */
	if (((eptp >> 3) & 7) != 3)
		return false;                   /* page-walk length 4 */
	if (eptp & 0xf80ull)
		return false;                   /* bits 11:7 (no shadow-stack control) */
	return !(eptp & ~((1ull << v->phys_bits) - 1));
}

/*
 * An EPT misconfiguration in present entry e at level (4 = PML4E ... 1 = PTE)?
 * SDM vol. 3, 29.3.3.1: write without read (bits 2:0 = 010b or 110b), execute-only
 * when not supported (advertised here), a reserved bit (tables 29-1 to 29-6), or a
 * leaf whose memory type (bits 5:3) is 2, 3 or 7.
 */
static bool ept_misconfig(const struct vcpu *v, unsigned level, uint64_t e)
{
	uint64_t rsvd = ((1ull << 52) - 1) & ~((1ull << v->phys_bits) - 1);  /* 51:M */
	bool leaf = level == 1 || ((level == 2 || level == 3) && (e & EPTE_PS));

	if ((e & EPTE_W) && !(e & EPTE_R))
		return true;
	if (level == 4)
		rsvd |= 0xf8ull;                        /* PML4E bits 7:3 */
	else if (!leaf)
		rsvd |= 0x78ull;                        /* bits 6:3 of a non-leaf PDPTE/PDE */
	else if (level == 3)
		rsvd |= 0x3ffff000ull;                  /* 1-GByte page: bits 29:12 */
	else if (level == 2)
		rsvd |= 0x1ff000ull;                    /* 2-MByte page: bits 20:12 */
	if (e & rsvd)
		return true;
	if (leaf) {
		unsigned mt = (e >> 3) & 7;

		if (mt == 2 || mt == 3 || mt == 7)
			return true;
	}
	return false;
}

/* The access as EPT sees it: read, write or fetch, and the qualification's bits 0-2.
 * With A/D flags on, accesses to guest paging structures count as writes except the
 * PDPTE loads of MOV CR (SDM vol. 3, 29.3.3.2, 29.3.5). */
static uint64_t ept_access(uint64_t eptp, unsigned flags)
{
	if (flags & SLAT_WRITE)
		return EPTE_W;
	if ((flags & SLAT_PT) && (eptp & EPTP_AD) && !(flags & SLAT_NO_GLA))
		return EPTE_W;
	if (flags & SLAT_EXEC)
		return EPTE_X;
	return EPTE_R;
}

static void ept_set_ad(struct vcpu *v, const uint64_t *addr, const uint64_t *entry,
		       unsigned n, bool dirty)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t ne = entry[i] | EPTE_A;

		/* D in the entry that maps the page (SDM vol. 3, 29.3.5). */
		if (i == n - 1 && dirty)
			ne |= EPTE_D;
		if (ne != entry[i])
			cpu_phys_st(v, addr[i], 8, ne);
	}
}

unsigned ept_translate(struct vcpu *v, uint64_t eptp, uint64_t gpa, unsigned flags,
		       uint64_t *hpa, uint64_t *qual, struct ept_trace *trace)
{
	uint64_t amask = ept_addr_mask(v), table = eptp & amask, need = ept_access(eptp, flags);
	uint64_t perm = EPTE_RWX, addr[4], entry[4];
	unsigned n = 0;

	*qual = 0;
	if (trace)
		trace->n = 0;
	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e;

		addr[n] = table + (((gpa >> shift) & 511) << 3);
		e = entry[n] = cpu_phys_ld(v, addr[n], 8);
		n++;
		if (trace) {
			trace->addr[trace->n] = addr[n - 1];
			trace->entry[trace->n++] = e;
		}
		/* Not present (bits 2:0 = 0) is a violation; its permissions are none
		 * (SDM vol. 3, 29.3.2, 29.3.3.2). */
		perm &= e;
		if (!(e & EPTE_RWX))
			break;
		if (ept_misconfig(v, level, e))
			return EPT_EXIT_MISCONFIG;
		if (level == 1 || (e & EPTE_PS)) {
			uint64_t size = 1ull << shift;

			if (!(perm & need))
				break;
			if (!(flags & SLAT_PEEK) && (eptp & EPTP_AD))
				ept_set_ad(v, addr, entry, n, need == EPTE_W);
			*hpa = (e & amask & ~(size - 1)) | (gpa & (size - 1));
			return 0;
		}
		table = e & amask;
	}
	/* SDM vol. 3, 28.2.1, table 28-7. */
	*qual = (need == EPTE_W ? EPT_QUAL_WRITE : need == EPTE_X ? EPT_QUAL_EXEC : EPT_QUAL_READ) |
		((perm & EPTE_RWX) << 3);
	if (!(flags & SLAT_NO_GLA)) {
		*qual |= EPT_QUAL_GLA_VALID;
		if (!(flags & SLAT_PT))
			*qual |= EPT_QUAL_FINAL;
	}
	return EPT_EXIT_VIOLATION;
}

/* The weak fallback of the VMX core's exit (nested/ept.h): EPT is never on without it. */
__attribute__((weak)) _Noreturn void vmx_exit_ept(struct vcpu *v, unsigned reason, uint64_t qual,
						  uint64_t gla, uint64_t gpa)
{
	(void)v; (void)reason; (void)qual; (void)gla; (void)gpa;
	abort();
}

/* v->slat while EPT is on (cpu/cpu.h, SLAT_*). */
static uint64_t ept_slat(struct vcpu *v, uint64_t gpa, uint64_t gla, unsigned flags)
{
	uint64_t hpa, qual;
	unsigned reason = ept_translate(v, v->slat_root, gpa, flags, &hpa, &qual, NULL);

	if (!reason) {
		/* Guest-physical accesses to the APIC-access page (nested/vmx_apic.c). */
		if (__builtin_expect(v->apic_access_tag != 0, 0) && (flags & (SLAT_PT | SLAT_NO_GLA)) &&
		    !(flags & (SLAT_PEEK | SLAT_NOEXIT)))
			vmx_apic_gpa_check(v, hpa, gpa);
		return hpa;
	}
	if (flags & (SLAT_PEEK | SLAT_NOEXIT))
		return SLAT_FAIL;
	if (log_on(LOG_VMX))
		log_printf("vmx: EPT %s gpa %#llx gla %#llx qual %#llx\n",
			   reason == EPT_EXIT_VIOLATION ? "violation" : "misconfiguration",
			   (unsigned long long)gpa, (unsigned long long)gla,
			   (unsigned long long)qual);
	vmx_exit_ept(v, reason, qual, gla, gpa);
}

bool ept_current_eptp(const struct vcpu *v, uint64_t *eptp)
{
	const struct vmx *x;

	if (v->slat == ept_slat) {
		*eptp = v->slat_root;
		return true;
	}
	/* In VMX root operation: the current VMCS's, when it enables EPT. */
	if (!v->nested)
		return false;
	x = vmx_of(v);
	if (!x->on || x->current == VMX_NO_VMCS ||
	    !(vmcs_get(x, VMCS_PROC_CONTROLS) & PROC_SECONDARY) ||
	    !(vmcs_get(x, VMCS_PROC_CONTROLS2) & SEC_EPT))
		return false;
	*eptp = vmcs_get(x, VMCS_EPT_POINTER);
	return true;
}

/* The VPID-0 spaces: VM entries and exits with VPID off invalidate the linear and
 * combined mappings of VPID 0000H (SDM vol. 3, 29.4.3.1). */
static void ept_flush_vpid0(struct vcpu *v)
{
	cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID, 0));
}

static void ept_switch(struct vcpu *v, uint64_t ep4ta, uint16_t vpid)
{
	struct tlb_space_key k = {
		.ep4ta = ep4ta, .vpid = vpid,
		.pcid = (v->s.cr4 & CR4_PCIDE) ? (uint16_t)(v->s.cr3 & 0xfff) : 0,
	};

	cpu_tlb_set_space(v, &k);
}

void ept_enter(struct vcpu *v, bool ept_on, uint64_t eptp, uint16_t vpid)
{
	if (!vpid)
		ept_flush_vpid0(v);
	v->slat = ept_on ? ept_slat : NULL;
	v->slat_root = ept_on ? eptp : 0;
	/* Combined mappings are tagged by VPID and EP4TA, eptp bits 51:12 (29.4.1). */
	ept_switch(v, ept_on ? (eptp & ept_addr_mask(v)) | 1 : 0, vpid);
}

void ept_leave(struct vcpu *v)
{
	if (!cpu_tlb_key(v)->vpid)
		ept_flush_vpid0(v);
	v->slat = NULL;
	v->slat_root = 0;
	ept_switch(v, 0, 0);
}

void ept_invept(struct vcpu *v, unsigned type, uint64_t eptp)
{
	/* INVEPT (SDM vol. 3, chapter 31): single-context flushes the mappings of the
	 * EP4TA in eptp, all-context every EPT-derived mapping, for all VPIDs. */
	if (type == 1)
		cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_EP4TA,
						       (eptp & ept_addr_mask(v)) | 1));
	else
		cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_EPT_ANY, 0));
}

void ept_invvpid(struct vcpu *v, unsigned type, uint16_t vpid, uint64_t lin)
{
	/* INVVPID (SDM vol. 3, chapter 31): 0 one address of vpid, 1 all of vpid, 2 all
	 * VPIDs but 0000H, 3 all of vpid but global translations (flushed too: allowed). */
	switch (type) {
	case 0:
		cpu_tlb_flush_page_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID, vpid), lin);
		break;
	case 2:
		cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID_NONZERO, 0));
		break;
	default:
		cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID, vpid));
		break;
	}
}
