/*
 * cpu/paging.c - linear-to-physical translation: the page walks of 32-bit, PAE,
 * 4-level and 5-level paging, access rights, protection keys, accessed/dirty flags
 * and #PF error codes.
 *
 * Intel SDM vol. 3, chapter 4 (edition in docs/spec-versions.md):
 * 4.3 (32-bit), 4.4 (PAE), 4.5 (4/5-level), 4.6 (access rights), 4.6.2 (protection
 * keys), 4.7 (#PF error code), 4.8 (accessed and dirty flags).
 *
 * Departure: accessed flags are set only when the walk succeeds (as QEMU does);
 * the SDM allows the processor to set them on any use of an entry.
 *
 * In VMX non-root operation with EPT (v->slat set), every guest-physical address the
 * walk uses is translated in the same walk (SDM vol. 3, 29.3.2): each paging-structure
 * entry's address (read, and written for A/D updates), the PAE PDPTEs, the final
 * address, and with CR0.PG = 0 the linear address itself (unrestricted guest).
 */
#include "cpu/internal.h"

#include <stdlib.h>

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_XD   (1ull << 63)

/* What a walk accumulates on its way down (SDM vol. 3, 4.6.1: R/W and U/S are the
 * AND of all levels, XD the OR). */
struct walk {
	uint64_t entry_addr[5];         /* guest-physical */
	uint64_t entry_hpa[5];          /* host-physical (= guest-physical without slat) */
	uint64_t lin;
	unsigned slat_flags;            /* SLAT_PEEK / SLAT_NOEXIT for the walk's accesses */
	bool slat_failed;               /* a no-exit second-level translation failed */
	unsigned entry_size;            /* 4 (32-bit paging) or 8 */
	unsigned nentries;
	uint64_t leaf;
	bool rw, us, xd;
	bool pk_applies;                /* 4/5-level paging: protection keys exist */
};

static uint64_t walk_ld(struct vcpu *v, struct walk *w, uint64_t addr)
{
	uint64_t hpa = addr;

	if (v->slat) {
		/* Reads of guest paging structures are data reads (SDM vol. 3, 29.3.3.2). */
		hpa = v->slat(v, addr, w->lin, SLAT_READ | SLAT_PT | w->slat_flags);
		if (hpa == SLAT_FAIL) {
			w->slat_failed = true;
			return 0;       /* ends the walk as "not present"; the caller sees why */
		}
	}
	w->entry_addr[w->nentries] = addr;
	w->entry_hpa[w->nentries++] = hpa;
	return cpu_phys_ld(v, hpa, w->entry_size);
}

static void walk_accum(struct walk *w, uint64_t pte, bool nxe)
{
	w->rw = w->rw && (pte & PTE_RW);
	w->us = w->us && (pte & PTE_US);
	w->xd = w->xd || (nxe && (pte & PTE_XD));
}

/* The access bits of the error code: W, U, I (SDM vol. 3, 4.7). */
static uint32_t pfec_access(const struct vcpu *v, unsigned ma)
{
	uint32_t e = 0;

	if (ma & MA_WRITE)
		e |= PFEC_W;
	if (ma & MA_USER)
		e |= PFEC_U;
	/* I/D is set for fetches only when SMEP is on or PAE paging with NXE=1. */
	if ((ma & MA_EXEC) && ((v->s.cr4 & CR4_SMEP) ||
			       ((v->s.cr4 & CR4_PAE) && (v->s.efer & EFER_NXE))))
		e |= PFEC_I;
	return e;
}

/* 32-bit paging (SDM vol. 3, 4.3). Returns 0 or a partial error code. */
static uint32_t walk_32(struct vcpu *v, struct walk *w, uint32_t lin, uint64_t *pa, bool *large)
{
	uint64_t pde, pte;

	w->entry_size = 4;
	pde = walk_ld(v, w, (v->s.cr3 & 0xfffff000u) + ((lin >> 22) << 2));
	if (!(pde & PTE_P))
		return PFEC_P;          /* marker: not present (cleared by the caller) */
	walk_accum(w, pde, false);
	if ((pde & PTE_PS) && (v->s.cr4 & CR4_PSE)) {
		/* 4-MByte page: PDE bits 20:13 are physical bits 39:32 (PSE-36) up to
		 * MAXPHYADDR, bit 21 is reserved (table 4-4). */
		unsigned hi = v->phys_bits > 40 ? 8 : v->phys_bits - 32;
		uint64_t rsvd = (1ull << 21) | (((0xffull << hi) & 0xff) << 13);

		if (pde & rsvd)
			return PFEC_RSVD;
		w->leaf = pde;
		*pa = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32) | (lin & 0x3fffff);
		*large = true;
		return 0;
	}
	pte = walk_ld(v, w, (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2));
	if (!(pte & PTE_P))
		return PFEC_P;
	walk_accum(w, pte, false);
	w->leaf = pte;
	*pa = (pte & 0xfffff000u) | (lin & 0xfff);
	return 0;
}

/*
 * PAE (4.4) and 4/5-level (4.5) paging share the 8-byte entry format below the top.
 * levels: 5 or 4 (IA-32e), or 2 under a PAE PDPTE register.
 */
static uint32_t walk_64(struct vcpu *v, struct walk *w, uint64_t lin, uint64_t table,
			int levels, uint64_t *pa, bool *large)
{
	bool nxe = v->s.efer & EFER_NXE;
	uint64_t amask = paging_addr_mask(v);
	/* IA-32e: bits 51:M reserved (62:52 ignored); PAE: bits 62:M reserved. */
	uint64_t rsvd = (levels >= 4 ? ((1ull << 52) - 1) : ((1ull << 63) - 1)) &
			~((1ull << v->phys_bits) - 1);

	if (!nxe)
		rsvd |= PTE_XD;
	w->entry_size = 8;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t pte = walk_ld(v, w, table + (((lin >> shift) & 511) << 3));
		uint64_t r = rsvd;

		if (!(pte & PTE_P))
			return PFEC_P;
		if (level >= 4)
			r |= PTE_PS;                    /* PML5E/PML4E bit 7 (table 4-15) */
		else if (level == 3 && (pte & PTE_PS))
			r |= 0x3fffe000ull;             /* 1-GByte page: bits 29:13 (4-16) */
		else if (level == 2 && (pte & PTE_PS))
			r |= 0x1fe000ull;               /* 2-MByte page: bits 20:13 (4-18) */
		if (pte & r)
			return PFEC_RSVD;
		walk_accum(w, pte, nxe);
		if (level == 1 || (level <= 3 && (pte & PTE_PS))) {
			uint64_t size = 1ull << shift;

			w->leaf = pte;
			*pa = (pte & amask & ~(size - 1)) | (lin & (size - 1));
			*large = level > 1;
			return 0;
		}
		table = pte & amask;
	}
	abort();    /* unreachable: level 1 always returns */
}

/* Access rights for the combined entry (SDM vol. 3, 4.6.1) and protection keys
 * (4.6.2). Returns 0 or the error-code bits (PFEC_P always, PFEC_PK for keys). */
static uint32_t check_rights(const struct vcpu *v, const struct walk *w, unsigned ma)
{
	const struct cpu_state *s = &v->s;
	bool user = ma & MA_USER, write = ma & MA_WRITE;

	if (ma & MA_EXEC) {
		if (w->xd)
			return PFEC_P;
		if (user ? !w->us : ((s->cr4 & CR4_SMEP) && w->us))
			return PFEC_P;
		return 0;
	}
	if (user) {
		if (!w->us || (write && !w->rw))
			return PFEC_P;
	} else {
		/* SMAP: supervisor data access to a user page needs explicit AC=1. */
		if ((s->cr4 & CR4_SMAP) && w->us && !(ma & MA_SMAP_AC))
			return PFEC_P;
		if (write && !w->rw && (s->cr0 & CR0_WP))
			return PFEC_P;
	}
	if (w->pk_applies && w->us && (s->cr4 & CR4_PKE)) {
		unsigned key = (w->leaf >> 59) & 15;
		bool ad = (s->pkru >> (2 * key)) & 1, wd = (s->pkru >> (2 * key + 1)) & 1;

		if (ad || (write && wd && (user || (s->cr0 & CR0_WP))))
			return PFEC_P | PFEC_PK;
	}
	return 0;
}

/* SDM vol. 3, 4.8: set A in every entry used, D in the leaf on a write. */
static bool set_accessed_dirty(struct vcpu *v, const struct walk *w, bool write)
{
	for (unsigned i = 0; i < w->nentries; i++) {
		uint64_t e = cpu_phys_ld(v, w->entry_hpa[i], w->entry_size);
		uint64_t ne = e | PTE_A;
		uint64_t hpa = w->entry_hpa[i];

		if (i == w->nentries - 1 && write)
			ne |= PTE_D;
		if (ne == e)
			continue;
		/* The update is a data write to the guest-physical address of the entry
		 * (SDM vol. 3, 29.3.3.2). */
		if (v->slat) {
			hpa = v->slat(v, w->entry_addr[i], w->lin, SLAT_WRITE | SLAT_PT | w->slat_flags);
			if (hpa == SLAT_FAIL)
				return false;
		}
		cpu_phys_st(v, hpa, w->entry_size, ne);
	}
	return true;
}

/* The final guest-physical address through the second level, for access ma. */
static uint64_t slat_final(struct vcpu *v, const struct walk *w, uint64_t gpa, unsigned ma)
{
	unsigned f = (ma & MA_WRITE) ? SLAT_WRITE : (ma & MA_EXEC) ? SLAT_EXEC : SLAT_READ;

	return v->slat(v, gpa, w->lin, f | w->slat_flags);
}

uint32_t paging_walk(struct vcpu *v, uint64_t lin, unsigned ma, struct walk_result *res)
{
	const struct cpu_state *s = &v->s;
	struct walk w = { .nentries = 0, .rw = true, .us = true, .xd = false, .lin = lin };
	uint64_t pa = 0;
	bool large = false;
	uint32_t err;

	w.slat_flags = (ma & MA_PEEK) ? SLAT_PEEK : (ma & MA_NOEXIT) ? SLAT_NOEXIT : 0;
	if (!(s->cr0 & CR0_PG)) {
		/* Unpaged: the linear address is the guest-physical address, which EPT
		 * translates (SDM vol. 3, 29.3.2, CR0.PG = 0). */
		pa = cpu_long_mode(s) ? lin : (uint32_t)lin;
		if (v->slat && (pa = slat_final(v, &w, pa, ma)) == SLAT_FAIL)
			return pfec_access(v, ma) | PFEC_SLAT | PFEC_FAULT;
		res->paddr = pa;
		res->large = false;
		return 0;
	}
	if (!(s->cr4 & CR4_PAE)) {
		err = walk_32(v, &w, (uint32_t)lin, &pa, &large);
	} else if (s->efer & EFER_LMA) {
		w.pk_applies = true;
		err = walk_64(v, &w, lin, s->cr3 & paging_addr_mask(v),
			      (s->cr4 & CR4_LA57) ? 5 : 4, &pa, &large);
	} else {
		/* PAE: the PDPTE registers, loaded at MOV CR3 (4.4.1); they carry no
		 * access rights. */
		uint64_t pdpte = s->pdpte[((uint32_t)lin >> 30) & 3];

		if (!(pdpte & PTE_P))
			err = PFEC_P;
		else
			err = walk_64(v, &w, (uint32_t)lin, pdpte & paging_addr_mask(v), 2,
				      &pa, &large);
	}
	if (w.slat_failed)
		return pfec_access(v, ma) | PFEC_SLAT | PFEC_FAULT;
	if (err == PFEC_P)                   /* not present: P = 0 in the error code */
		return pfec_access(v, ma) | PFEC_FAULT;
	if (err)                             /* reserved bit: P = 1, RSVD = 1 */
		return pfec_access(v, ma) | PFEC_P | PFEC_RSVD | PFEC_FAULT;
	err = check_rights(v, &w, ma);
	if (err)
		return pfec_access(v, ma) | err | PFEC_FAULT;
	if (!(ma & MA_PEEK) && !set_accessed_dirty(v, &w, ma & MA_WRITE))
		return pfec_access(v, ma) | PFEC_SLAT | PFEC_FAULT;
	if (v->slat && (pa = slat_final(v, &w, pa, ma)) == SLAT_FAIL)
		return pfec_access(v, ma) | PFEC_SLAT | PFEC_FAULT;
	res->paddr = pa;
	res->large = large;
	return 0;
}

bool cpu_load_pdptes(struct vcpu *v)
{
	uint64_t base = v->s.cr3 & 0xffffffe0u;
	uint64_t pd[4];
	/* SDM vol. 3, 4.4.1 (table 4-8): bits 2:1, 8:5 and 63:M are reserved. */
	uint64_t rsvd = 0x1e6ull | ~((1ull << v->phys_bits) - 1);

	/* With EPT the 32-byte table (one page) is read through it, as reads with no
	 * guest-linear address (SDM vol. 3, 29.3.3.2; 28.2.1, exit qualification bit 7). */
	if (v->slat)
		base = v->slat(v, base, 0, SLAT_READ | SLAT_PT | SLAT_NO_GLA);
	for (unsigned i = 0; i < 4; i++) {
		pd[i] = cpu_phys_ld(v, base + 8 * i, 8);
		if ((pd[i] & PTE_P) && (pd[i] & rsvd))
			return false;
	}
	for (unsigned i = 0; i < 4; i++)
		v->s.pdpte[i] = pd[i];
	return true;
}
