/*
 * monitor/pagewalk.c - every mapping of the current page tables, for info tlb and
 * info mem. Reads the tables from RAM without side effects (no accessed bits).
 * Formats: SDM vol. 3, 4.3 (32-bit), 4.4 (PAE), 4.5 (4- and 5-level paging).
 */
#include "monitor/internal.h"

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)

struct pw {
	struct vcpu *v;
	pw_visit_fn fn;
	void *opaque;
	bool stop;
	bool wide;              /* 8-byte entries (PAE, 4/5-level) */
	bool la57;
	uint64_t addr_mask;     /* physical address bits of an entry: (M-1):12 */
};

static bool pw_read(struct pw *w, uint64_t pa, uint64_t *val)
{
	unsigned size = w->wide ? 8 : 4;
	const uint8_t *p = cpu_bus_ram_ptr(w->v->bus, pa, size);

	if (!p)
		return false;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)p[i] << (8 * i);
	return true;
}

static uint64_t canonical(const struct pw *w, uint64_t lin)
{
	unsigned bits = w->la57 ? 57 : 48;

	if (!w->wide || !cpu_long_mode(&w->v->s))
		return lin;
	return (uint64_t)((int64_t)(lin << (64 - bits)) >> (64 - bits));
}

/* A leaf: its physical frame for a page of 2^shift bytes. */
static void leaf(struct pw *w, uint64_t lin, uint64_t pte, unsigned shift, bool wr, bool us, bool nx)
{
	struct pw_map m;
	uint64_t frame = pte & w->addr_mask & ~((1ull << shift) - 1);

	if (!w->wide && shift == 22)    /* PSE-36: bits 20:13 are physical 39:32 (4.3) */
		frame = (pte & 0xffc00000ull) | ((pte >> 13) & 0xffull) << 32;
	m.lin = canonical(w, lin);
	m.phys = frame;
	m.size = 1ull << shift;
	m.write = wr && (pte & PTE_W);
	m.user = us && (pte & PTE_U);
	m.nx = nx || ((w->v->s.efer & EFER_NXE) && (pte & PTE_NX));
	if (!w->fn(w->opaque, &m))
		w->stop = true;
}

/* Walk the table at pa, level 1 being the page table. */
static void walk(struct pw *w, uint64_t pa, unsigned level, uint64_t lin_base, bool wr, bool us,
		 bool nx)
{
	unsigned n = w->wide ? 512 : 1024, bits = w->wide ? 9 : 10;
	unsigned shift = 12 + bits * (level - 1);

	for (unsigned i = 0; i < n && !w->stop; i++) {
		uint64_t pte, lin = lin_base + ((uint64_t)i << shift);
		bool cwr, cus, cnx;

		if (!pw_read(w, pa + i * (w->wide ? 8 : 4), &pte) || !(pte & PTE_P))
			continue;
		cwr = wr && (pte & PTE_W);
		cus = us && (pte & PTE_U);
		cnx = nx || ((w->v->s.efer & EFER_NXE) && w->wide && (pte & PTE_NX));
		if (level == 1) {
			leaf(w, lin, pte, 12, wr, us, nx);
		} else if ((pte & PTE_PS) && (level == 2 || (level == 3 && w->wide)) &&
			   (w->wide || (w->v->s.cr4 & CR4_PSE))) {
			leaf(w, lin, pte, shift, wr, us, nx);
		} else {
			walk(w, pte & w->addr_mask, level - 1, lin, cwr, cus, cnx);
		}
	}
}

int pw_walk(struct vcpu *v, pw_visit_fn fn, void *opaque)
{
	const struct cpu_state *s = &v->s;
	struct pw w = { .v = v, .fn = fn, .opaque = opaque };

	if (!(s->cr0 & CR0_PG))
		return -1;
	w.addr_mask = ((1ull << v->phys_bits) - 1) & ~0xfffull;
	if (cpu_long_mode(s)) {
		w.wide = true;
		w.la57 = s->cr4 & CR4_LA57;
		walk(&w, s->cr3 & w.addr_mask, w.la57 ? 5 : 4, 0, true, true, false);
	} else if (s->cr4 & CR4_PAE) {
		w.wide = true;
		for (unsigned i = 0; i < 4 && !w.stop; i++)
			if (s->pdpte[i] & PTE_P)
				walk(&w, s->pdpte[i] & w.addr_mask, 2, (uint64_t)i << 30, true, true, false);
	} else {
		w.addr_mask &= 0xfffff000ull;
		walk(&w, s->cr3 & 0xfffff000ull, 2, 0, true, true, false);
	}
	return 0;
}
