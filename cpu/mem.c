/*
 * cpu/mem.c - guest memory access: segmentation checks, the soft TLB, RAM and MMIO
 * through the bus, and the code-write notification.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 3.4.5.1 (segment types),
 * 5.3 (limit checking), 5.4-5.6 (type and privilege checks), 3.3.7.1 and vol. 1,
 * 3.3.7.1 (canonical addressing), 6.15 (#AC, #GP, #SS), chapter 4 (paging, in
 * cpu/paging.c). The TLB layout is described in cpu/cpu.h, struct tlb_entry.
 */
#include "cpu/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- physical */

bool cpu_bus_code_page(const struct cpu_bus *bus, uint64_t paddr)
{
	uint8_t *p;
	uint64_t idx;

	if (!bus->code_pages)
		return false;
	p = cpu_bus_ram_ptr(bus, paddr, 1);
	if (!p)
		return false;
	idx = (uint64_t)(p - bus->ram) >> 12;
	return (bus->code_pages[idx >> 3] >> (idx & 7)) & 1;
}

/* The host is x86-64: little-endian. The common sizes get a constant-size copy (one
 * move) instead of a call to the library's memcpy. */
static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
	uint64_t x = 0;
	uint32_t x4;
	uint16_t x2;

	switch (size) {
	case 1: return *p;
	case 2: memcpy(&x2, p, 2); return x2;
	case 4: memcpy(&x4, p, 4); return x4;
	case 8: memcpy(&x, p, 8); return x;
	default: memcpy(&x, p, size); return x;
	}
}

static inline void store_le(uint8_t *p, unsigned size, uint64_t val)
{
	uint32_t x4 = (uint32_t)val;
	uint16_t x2 = (uint16_t)val;

	switch (size) {
	case 1: *p = (uint8_t)val; break;
	case 2: memcpy(p, &x2, 2); break;
	case 4: memcpy(p, &x4, 4); break;
	case 8: memcpy(p, &val, 8); break;
	default: memcpy(p, &val, size); break;
	}
}

static uint64_t mmio_ld(struct vcpu *v, uint64_t paddr, unsigned size)
{
	if (!v->bus->mmio_read)
		return size_mask(size);         /* nothing decodes it: open bus */
	return v->bus->mmio_read(v->bus->opaque, paddr, size) & size_mask(size);
}

static void mmio_st(struct vcpu *v, uint64_t paddr, unsigned size, uint64_t val)
{
	if (v->bus->mmio_write)
		v->bus->mmio_write(v->bus->opaque, paddr, size, val & size_mask(size));
}

/* A write that reached RAM: tell translate/ if translated code came from there. */
static void note_ram_write(struct vcpu *v, uint64_t paddr, unsigned len)
{
	if (v->code_write_hook && cpu_bus_code_page(v->bus, paddr))
		v->code_write_hook(v, paddr, len);
}

uint64_t cpu_phys_ld(struct vcpu *v, uint64_t paddr, unsigned size)
{
	uint8_t *p = cpu_bus_ram_ptr(v->bus, paddr, size);

	if (p)
		return load_le(p, size);
	return mmio_ld(v, paddr, size);
}

void cpu_phys_st(struct vcpu *v, uint64_t paddr, unsigned size, uint64_t val)
{
	uint8_t *p = cpu_bus_ram_ptr(v->bus, paddr, size);

	if (p) {
		store_le(p, size, val);
		note_ram_write(v, paddr, size);
		return;
	}
	mmio_st(v, paddr, size, val);
}

/* ---------------------------------------------------------------- segmentation */

__attribute__((noreturn)) static void seg_fault(struct vcpu *v, unsigned seg)
{
	cpu_raise(v, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

/*
 * Segmentation of [off, off+len) for acc: true and *lin when the access passes,
 * false when it faults (the caller raises #SS(0) for SS, else #GP(0)).
 */
static bool seg_linear_try(struct vcpu *v, unsigned seg, uint64_t off, size_t len,
			   enum mem_access acc, uint64_t *lin)
{
	const struct seg_cache *sc;
	uint64_t last;

	if (seg == SEG_NONE) {
		*lin = cpu_long_mode(&v->s) ? off : (uint32_t)off;
		return !cpu_long_mode(&v->s) || (cpu_canonical_addr(v, off) &&
		       (len <= 1 || cpu_canonical_addr(v, off + len - 1)));
	}
	if (seg >= SEG_COUNT)
		abort();
	sc = &v->s.seg[seg];
	if (cpu_64bit_mode(&v->s)) {
		/* SDM vol. 3, 3.2.4: only FS and GS bases apply in 64-bit mode; vol. 1,
		 * 3.3.7.1: a non-canonical address faults #SS(0) for SS references,
		 * #GP(0) otherwise. */
		*lin = ((seg == SEG_FS || seg == SEG_GS) ? sc->base : 0) + off;
		return cpu_canonical_addr(v, *lin) && (len <= 1 || cpu_canonical_addr(v, *lin + len - 1));
	}
	last = off + (len ? len - 1 : 0);
	*lin = (uint32_t)(sc->base + off);
	if (!cpu_real_mode(&v->s) && !cpu_v86_mode(&v->s)) {
		unsigned type = sc->attr & SEGA_TYPE_MASK;

		/* SDM vol. 3, 5.4.1: a null selector in DS..GS faults on use; 5.4: type
		 * checks (no writes to code or read-only data, no reads of execute-only). */
		if (sc->attr & SEGA_UNUSABLE)
			return false;
		if (acc == ACC_WRITE && ((type & 8) || !(type & 2)))
			return false;
		if (acc == ACC_READ && (type & 8) && !(type & 2))
			return false;
		if (!(type & 8) && (type & 4)) {
			/* Expand-down data: valid offsets are limit+1 .. 0xffff or 0xffffffff
			 * by the B flag (SDM vol. 3, 5.3). */
			uint64_t upper = (sc->attr & SEGA_DB) ? 0xffffffffu : 0xffffu;

			return off > sc->limit && last <= upper;
		}
	}
	/* Real and virtual-8086 mode check the cached limit too (SDM vol. 3, 20.1.1). */
	return last <= sc->limit && last >= off;
}

uint64_t cpu_seg_linear(struct vcpu *v, unsigned seg, uint64_t off, size_t len, enum mem_access acc)
{
	uint64_t lin;

	if (!seg_linear_try(v, seg, off, len, acc, &lin)) {
		if (seg == SEG_NONE)
			cpu_raise(v, EXC_GP, 0);
		seg_fault(v, seg);
	}
	return lin;
}

bool cpu_seg_linear_try(struct vcpu *v, unsigned seg, uint64_t off, size_t len,
			enum mem_access acc, uint64_t *lin)
{
	return seg_linear_try(v, seg, off, len, acc, lin);
}

/* ---------------------------------------------------------------- the TLB */

static inline uint64_t tlb_tag(const struct vcpu *v, uint64_t lin, unsigned ma)
{
	uint64_t cls = (ma & MA_USER) ? TLB_CLASS_USER :
		       (ma & MA_SMAP_AC) ? TLB_CLASS_SUPAC : TLB_CLASS_SUP;

	return (lin & ~0xfffull) | v->tlb_space | cls | TLB_VALID;
}

static inline struct tlb_entry *tlb_slot(struct vcpu *v, uint64_t lin, unsigned ma)
{
	unsigned idx = (lin >> 12) & (TLB_SIZE - 1);

	if (ma & MA_WRITE)
		return &v->tlb_write[idx];
	if (ma & MA_EXEC)
		return &v->tlb_code[idx];
	return &v->tlb_read[idx];
}

static inline unsigned tlb_entry_space(const struct tlb_entry *e)
{
	return (unsigned)((e->vpage & TLB_SPACE_MASK) >> TLB_SPACE_SHIFT);
}

/* The paging-mode bits that decide what a cached translation means (cpu/paging.c). */
static uint64_t tlb_mode_bits(const struct vcpu *v)
{
	const struct cpu_state *s = &v->s;

	return (s->cr0 & (CR0_PG | CR0_PE | CR0_WP)) | (s->efer & (EFER_NXE | EFER_LMA)) |
	       ((s->cr4 & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP |
			   CR4_PKE | CR4_LA57)) << 32);
}

void cpu_tlb_flush(struct vcpu *v)
{
	v->tlb_mode[v->tlb_cur] = tlb_mode_bits(v);
	memset(v->tlb_read, 0, sizeof(v->tlb_read));
	memset(v->tlb_write, 0, sizeof(v->tlb_write));
	memset(v->tlb_code, 0, sizeof(v->tlb_code));
	v->tlb_has_large = false;
}

void cpu_tlb_flush_spaces(struct vcpu *v, uint64_t spaces)
{
	struct tlb_entry *arrays[3] = { v->tlb_read, v->tlb_write, v->tlb_code };

	if ((spaces >> v->tlb_cur) & 1)
		v->tlb_mode[v->tlb_cur] = tlb_mode_bits(v);
	/* Without nesting there is one space: the plain flush. */
	if ((v->tlb_spaces_used & ~spaces) == 0) {
		cpu_tlb_flush(v);
		return;
	}
	for (unsigned a = 0; a < 3; a++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			if ((spaces >> tlb_entry_space(&arrays[a][i])) & 1)
				arrays[a][i].vpage = 0;
}

void cpu_tlb_flush_page_spaces(struct vcpu *v, uint64_t spaces, uint64_t lin)
{
	struct tlb_entry *arrays[3] = { v->tlb_read, v->tlb_write, v->tlb_code };
	unsigned idx = (lin >> 12) & (TLB_SIZE - 1);
	uint64_t page = lin & ~0xfffull;

	/* A large page is cached as 4 KiB slices: INVLPG of any address in it must drop
	 * them all (SDM vol. 3, 4.10.4.1), so flush the spaces whole. */
	if (v->tlb_has_large) {
		cpu_tlb_flush_spaces(v, spaces);
		return;
	}
	for (unsigned a = 0; a < 3; a++) {
		struct tlb_entry *e = &arrays[a][idx];

		if ((e->vpage & ~0xfffull) == page && ((spaces >> tlb_entry_space(e)) & 1))
			e->vpage = 0;
	}
}

uint64_t cpu_tlb_spaces(const struct vcpu *v, enum tlb_match how, uint64_t val)
{
	uint64_t set = 0;

	for (unsigned i = 0; i < TLB_SPACES; i++) {
		const struct tlb_space_key *k = &v->tlb_keys[i];
		bool m;

		if (!((v->tlb_spaces_used >> i) & 1))
			continue;
		switch (how) {
		case TLB_MATCH_VPID: m = k->vpid == val; break;
		case TLB_MATCH_EP4TA: m = k->ep4ta == val; break;
		case TLB_MATCH_EPT_ANY: m = k->ep4ta != 0; break;
		case TLB_MATCH_PCID:
			m = k->pcid == val && k->vpid == cpu_tlb_key(v)->vpid;
			break;
		default: m = k->vpid != 0; break;
		}
		if (m)
			set |= 1ull << i;
	}
	return set;
}

void cpu_tlb_flush_current(struct vcpu *v)
{
	cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID, cpu_tlb_key(v)->vpid));
}

void cpu_tlb_flush_page(struct vcpu *v, uint64_t lin)
{
	cpu_tlb_flush_page_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_VPID, cpu_tlb_key(v)->vpid), lin);
}

void cpu_tlb_set_space(struct vcpu *v, const struct tlb_space_key *key)
{
	unsigned i;

	for (i = 0; i < TLB_SPACES; i++)
		if (((v->tlb_spaces_used >> i) & 1) && v->tlb_keys[i].ep4ta == key->ep4ta &&
		    v->tlb_keys[i].vpid == key->vpid && v->tlb_keys[i].pcid == key->pcid)
			goto found;
	for (i = 0; i < TLB_SPACES; i++)
		if (!((v->tlb_spaces_used >> i) & 1))
			break;
	if (i == TLB_SPACES) {
		/* All tags taken: evict one (round robin, never the current), dropping its
		 * entries so the tag can name the new space. */
		do
			i = v->tlb_victim++ % TLB_SPACES;
		while (i == v->tlb_cur);
		cpu_tlb_flush_spaces(v, 1ull << i);
	}
	v->tlb_keys[i] = *key;
	v->tlb_spaces_used |= 1ull << i;
	v->tlb_mode[i] = tlb_mode_bits(v);
found:
	v->tlb_cur = i;
	v->tlb_space = (uint64_t)i << TLB_SPACE_SHIFT;
	/* Entries filled under another paging mode must not be used under this one. */
	if (v->tlb_mode[i] != tlb_mode_bits(v))
		cpu_tlb_flush_spaces(v, 1ull << i);
}

void cpu_tlb_protect_code(struct vcpu *v, uint64_t paddr)
{
	uint64_t page = paddr & ~0xfffull;

	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (v->tlb_write[i].vpage && v->tlb_write[i].ppage == page)
			v->tlb_write[i].vpage = 0;
}

void cpu_tlb_flush_phys_page(struct vcpu *v, uint64_t paddr)
{
	struct tlb_entry *arrays[3] = { v->tlb_read, v->tlb_write, v->tlb_code };
	uint64_t page = paddr & ~0xfffull;

	for (unsigned a = 0; a < 3; a++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			if (arrays[a][i].vpage && arrays[a][i].ppage == page)
				arrays[a][i].vpage = 0;
}

void *cpu_tlb_host_range(struct vcpu *v, uint64_t lin, size_t len, enum mem_access acc)
{
	unsigned ma = mem_explicit_ma(v) | (acc == ACC_WRITE ? MA_WRITE : 0);
	const struct tlb_entry *e = tlb_slot(v, lin, ma);

	if (!len || (lin & 0xfff) + len > 4096 || acc == ACC_EXEC)
		return NULL;
	/* Per-access side effects live on the slow path: watchpoints, data breakpoints,
	 * and #AC (SDM vol. 3, 6.15, interrupt 17), which depends on each element. */
	if (v->watch_hook || v->dr_data)
		return NULL;
	if ((v->s.rflags & RFLAGS_AC) && (v->s.cr0 & CR0_AM) && cpu_cpl(&v->s) == 3)
		return NULL;
	if (e->vpage != tlb_tag(v, lin, ma) || e->flags)
		return NULL;
	return (uint8_t *)(uintptr_t)(lin + e->addend);
}

/* -d mmu: one line per TLB miss's page walk, and its fault if any. */
static void mem_log_walk(struct vcpu *v, uint64_t lin, unsigned ma, uint32_t err, uint64_t pa)
{
	const char *acc = (ma & MA_WRITE) ? "write" : (ma & MA_EXEC) ? "fetch" : "read";

	if (err)
		log_printf("mmu: %s %#llx%s: #PF err %#x (cr3 %#llx)\n", acc, (unsigned long long)lin,
			   (ma & MA_USER) ? " user" : "", err & ~PFEC_FAULT,
			   (unsigned long long)v->s.cr3);
	else
		log_printf("mmu: %s %#llx%s -> %#llx\n", acc, (unsigned long long)lin,
			   (ma & MA_USER) ? " user" : "", (unsigned long long)pa);
}

/*
 * Translate one byte's linear address for access ma: the TLB, else a page walk
 * (raising #PF) and a TLB fill. Returns the physical address; *host is the host
 * pointer when the page is RAM that may be accessed directly (for writes: not a
 * code page), else NULL. size: the whole access's bytes, 0 when it spans pages or
 * is a bulk copy (only the APIC-access hook looks at it).
 */
static uint64_t mem_xlate(struct vcpu *v, uint64_t lin, unsigned ma, unsigned size, uint8_t **host)
{
	struct tlb_entry *e = tlb_slot(v, lin, ma);
	uint64_t tag = tlb_tag(v, lin, ma);
	struct walk_result r;
	uint32_t err;
	uint8_t *p;

	if (e->vpage == tag) {
		*host = (e->flags & TLB_F_MMIO) ? NULL : (uint8_t *)(uintptr_t)(lin + e->addend);
		return e->ppage | (lin & 0xfff);
	}
	err = paging_walk(v, lin, ma, &r);
	if (__builtin_expect(g_log_mask & (1u << LOG_MMU), 0))
		mem_log_walk(v, lin, ma, err, r.paddr);
	if (err)
		cpu_raise_pf(v, lin, err & ~PFEC_FAULT);
	/* VMX APIC-access page (cpu.h, apic_access_fn): never cached, after the walk
	 * set the accessed/dirty flags (SDM vol. 3, 30.4.1 priority). */
	if (__builtin_expect(((r.paddr & ~0xfffull) | 1) == v->apic_access_tag, 0) && v->apic_access) {
		*host = v->apic_access(v, lin, r.paddr, ma & (MA_WRITE | MA_EXEC), size);
		return r.paddr;
	}
	p = cpu_bus_ram_ptr(v->bus, r.paddr & ~0xfffull, 4096);
	*host = p ? p + (lin & 0xfff) : NULL;
	if ((ma & MA_WRITE) && p && cpu_bus_code_page(v->bus, r.paddr)) {
		*host = NULL;           /* every write goes through note_ram_write */
		return r.paddr;
	}
	if ((v->watch_hook || v->dr_data) && !(ma & MA_EXEC))
		return r.paddr;         /* watchpoints: every data access comes back here */
	e->vpage = tag;
	e->ppage = r.paddr & ~0xfffull;
	e->flags = p ? 0 : TLB_F_MMIO;
	e->addend = p ? (uintptr_t)p - (uintptr_t)(lin & ~0xfffull) : 0;
	if (r.large)
		v->tlb_has_large = true;
	return r.paddr;
}

/* #AC: CR0.AM, EFLAGS.AC and CPL 3, on a misaligned data access (SDM vol. 3, 6.15,
 * interrupt 17). It ranks after #PF (6.9), so callers check after translating. */
static void check_align(struct vcpu *v, uint64_t off, unsigned size)
{
	if ((off & (size - 1)) && (v->s.rflags & RFLAGS_AC) && (v->s.cr0 & CR0_AM) &&
	    cpu_cpl(&v->s) == 3)
		cpu_raise(v, EXC_AC, 0);
}

/* One access of `size` bytes (1..8) at linear lin that may cross a page. */
static uint64_t lin_ld(struct vcpu *v, uint64_t lin, unsigned size, unsigned ma, uint64_t off)
{
	unsigned first = 4096 - (lin & 0xfff);
	uint8_t *h1, *h2;
	uint64_t p1, p2, lo, hi;

	p1 = mem_xlate(v, lin, ma, first >= size ? size : 0, &h1);
	if (first >= size) {
		check_align(v, off, size);
		if (__builtin_expect(v->watch_hook != NULL, 0))
			v->watch_hook(v, lin, size, false);
		if (__builtin_expect(v->dr_data, 0))
			cpu_dr_data_access(v, lin, size, false);
		return h1 ? load_le(h1, size) : mmio_ld(v, p1, size);
	}
	p2 = mem_xlate(v, lin + first, ma, 0, &h2);
	check_align(v, off, size);
	if (__builtin_expect(v->watch_hook != NULL, 0))
		v->watch_hook(v, lin, size, false);
	if (__builtin_expect(v->dr_data, 0))
		cpu_dr_data_access(v, lin, size, false);
	lo = h1 ? load_le(h1, first) : mmio_ld(v, p1, first);
	hi = h2 ? load_le(h2, size - first) : mmio_ld(v, p2, size - first);
	return lo | (hi << (8 * first));
}

static void phys_part_st(struct vcpu *v, uint64_t pa, uint8_t *h, unsigned size, uint64_t val)
{
	if (h)
		store_le(h, size, val);
	else
		cpu_phys_st(v, pa, size, val);  /* MMIO, or a code page (notifies) */
}

static void lin_st(struct vcpu *v, uint64_t lin, unsigned size, unsigned ma, uint64_t off,
		   uint64_t val)
{
	unsigned first = 4096 - (lin & 0xfff);
	uint8_t *h1, *h2;
	uint64_t p1, p2;

	ma |= MA_WRITE;
	p1 = mem_xlate(v, lin, ma, first >= size ? size : 0, &h1);
	if (first >= size) {
		check_align(v, off, size);
		if (__builtin_expect(v->watch_hook != NULL, 0))
			v->watch_hook(v, lin, size, true);
		if (__builtin_expect(v->dr_data, 0))
			cpu_dr_data_access(v, lin, size, true);
		phys_part_st(v, p1, h1, size, val);
		return;
	}
	/* Both pages are checked before either is written. */
	p2 = mem_xlate(v, lin + first, ma, 0, &h2);
	check_align(v, off, size);
	if (__builtin_expect(v->watch_hook != NULL, 0))
		v->watch_hook(v, lin, size, true);
	if (__builtin_expect(v->dr_data, 0))
		cpu_dr_data_access(v, lin, size, true);
	phys_part_st(v, p1, h1, first, val);
	phys_part_st(v, p2, h2, size - first, val >> (8 * first));
}

/* ---------------------------------------------------------------- virtual */

uint64_t cpu_ld(struct vcpu *v, unsigned seg, uint64_t off, unsigned size)
{
	uint64_t lin = cpu_seg_linear(v, seg, off, size, ACC_READ);
	unsigned ma = mem_explicit_ma(v);
	const struct tlb_entry *e = &v->tlb_read[(lin >> 12) & (TLB_SIZE - 1)];

	/* Fast path: RAM page in the TLB, no page crossing, aligned or no #AC. */
	if (e->vpage == tlb_tag(v, lin, ma) && !e->flags && (lin & 0xfff) + size <= 4096 &&
	    (!(off & (size - 1)) || !(v->s.rflags & RFLAGS_AC)))
		return load_le((uint8_t *)(uintptr_t)(lin + e->addend), size);
	return lin_ld(v, lin, size, ma, off);
}

void cpu_st(struct vcpu *v, unsigned seg, uint64_t off, unsigned size, uint64_t val)
{
	uint64_t lin = cpu_seg_linear(v, seg, off, size, ACC_WRITE);
	unsigned ma = mem_explicit_ma(v);
	const struct tlb_entry *e = &v->tlb_write[(lin >> 12) & (TLB_SIZE - 1)];

	if (e->vpage == tlb_tag(v, lin, ma) && !e->flags && (lin & 0xfff) + size <= 4096 &&
	    (!(off & (size - 1)) || !(v->s.rflags & RFLAGS_AC))) {
		store_le((uint8_t *)(uintptr_t)(lin + e->addend), size, val);
		return;
	}
	lin_st(v, lin, size, ma, off, val);
}

uint64_t cpu_sys_ld(struct vcpu *v, uint64_t lin, unsigned size)
{
	lin = cpu_seg_linear(v, SEG_NONE, lin, size, ACC_READ);
	return lin_ld(v, lin, size, 0, 0);
}

void cpu_sys_st(struct vcpu *v, uint64_t lin, unsigned size, uint64_t val)
{
	lin = cpu_seg_linear(v, SEG_NONE, lin, size, ACC_WRITE);
	lin_st(v, lin, size, 0, 0, val);
}

uint64_t mem_lin_ld(struct vcpu *v, uint64_t lin, unsigned size, bool user)
{
	return lin_ld(v, lin, size, user ? MA_USER : 0, 0);
}

void mem_lin_st(struct vcpu *v, uint64_t lin, unsigned size, uint64_t val, bool user)
{
	lin_st(v, lin, size, user ? MA_USER : 0, 0, val);
}

/* Page-by-page walk of [lin, lin+len): translate each page for ma (faulting), and
 * copy if buf is given (dir: 0 = guest to buf, 1 = buf to guest). */
static void lin_buf(struct vcpu *v, uint64_t lin, uint8_t *buf, size_t len, unsigned ma, int dir)
{
	while (len) {
		size_t n = 4096 - (lin & 0xfff);
		uint8_t *h;
		uint64_t pa;

		if (n > len)
			n = len;
		pa = mem_xlate(v, lin, ma, n == len && len <= 8 ? (unsigned)len : 0, &h);
		if (buf && __builtin_expect(v->watch_hook != NULL, 0))
			v->watch_hook(v, lin, (unsigned)n, dir == 1);
		if (buf && h) {
			if (dir)
				memcpy(h, buf, n);
			else
				memcpy(buf, h, n);
		} else if (buf) {
			for (size_t k = 0; k < n; k++) {
				if (dir)
					cpu_phys_st(v, pa + k, 1, buf[k]);
				else
					buf[k] = (uint8_t)cpu_phys_ld(v, pa + k, 1);
			}
		}
		if (buf)
			buf += n;
		lin += n;
		len -= n;
	}
}

void cpu_ld_buf(struct vcpu *v, unsigned seg, uint64_t off, void *buf, size_t len)
{
	uint64_t lin;

	if (!len)
		return;
	lin = cpu_seg_linear(v, seg, off, len, ACC_READ);
	lin_buf(v, lin, buf, len, mem_explicit_ma(v), 0);
}

void cpu_st_buf(struct vcpu *v, unsigned seg, uint64_t off, const void *buf, size_t len)
{
	uint64_t lin;

	if (!len)
		return;
	lin = cpu_seg_linear(v, seg, off, len, ACC_WRITE);
	/* Probe every page first so a fault leaves memory untouched. */
	lin_buf(v, lin, NULL, len, mem_explicit_ma(v) | MA_WRITE, 1);
	lin_buf(v, lin, (uint8_t *)(uintptr_t)buf, len, mem_explicit_ma(v) | MA_WRITE, 1);
}

void cpu_probe(struct vcpu *v, unsigned seg, uint64_t off, size_t len, enum mem_access acc)
{
	uint64_t lin;
	unsigned ma = mem_explicit_ma(v);

	if (!len)
		return;
	lin = cpu_seg_linear(v, seg, off, len, acc);
	if (acc == ACC_WRITE)
		ma |= MA_WRITE;
	else if (acc == ACC_EXEC)
		ma = (ma & MA_USER) | MA_EXEC;
	lin_buf(v, lin, NULL, len, ma, 0);
}

/* ---------------------------------------------------------------- fetch, queries */

size_t cpu_fetch_code(struct vcpu *v, uint64_t lin, uint8_t *buf, size_t len, uint64_t *paddr)
{
	unsigned ma = MA_EXEC | (cpu_cpl(&v->s) == 3 ? MA_USER : 0);
	size_t done = 0;

	if (!cpu_long_mode(&v->s))
		lin = (uint32_t)lin;
	else if (!cpu_canonical_addr(v, lin))
		cpu_raise(v, EXC_GP, 0);        /* SDM vol. 1, 3.3.7.1 */
	while (done < len) {
		size_t n = 4096 - (lin & 0xfff);
		struct walk_result r;
		uint8_t *h;
		uint64_t pa;

		if (n > len - done)
			n = len - done;
		if (done) {
			/* Later pages: stop at the first inaccessible byte, no fault. */
			struct tlb_entry *e = tlb_slot(v, lin, ma);

			if (cpu_long_mode(&v->s) && !cpu_canonical_addr(v, lin))
				break;
			if (e->vpage != tlb_tag(v, lin, ma) && paging_walk(v, lin, ma | MA_NOEXIT, &r))
				break;
		}
		pa = mem_xlate(v, lin, ma, 0, &h);
		if (!done)
			*paddr = pa;
		if (h)
			memcpy(buf + done, h, n);
		else
			for (size_t k = 0; k < n; k++)
				buf[done + k] = (uint8_t)cpu_phys_ld(v, pa + k, 1);
		done += n;
		lin = cpu_long_mode(&v->s) ? lin + n : (uint32_t)(lin + n);
	}
	return done;
}

static unsigned translate_ma(const struct vcpu *v, enum mem_access acc, bool user)
{
	unsigned ma = acc == ACC_WRITE ? MA_WRITE : acc == ACC_EXEC ? MA_EXEC : 0;

	if (user)
		ma |= MA_USER;
	else if (acc != ACC_EXEC && cpu_cpl(&v->s) < 3 && (v->s.rflags & RFLAGS_AC))
		ma |= MA_SMAP_AC;
	return ma;
}

uint32_t cpu_translate(struct vcpu *v, uint64_t lin, enum mem_access acc, bool user, uint64_t *paddr)
{
	struct walk_result r;
	uint32_t err;

	if (!cpu_long_mode(&v->s))
		lin = (uint32_t)lin;
	err = paging_walk(v, lin, translate_ma(v, acc, user) | MA_NOEXIT, &r);
	if (!err)
		*paddr = r.paddr;
	return err;
}

bool cpu_debug_translate(struct vcpu *v, uint64_t lin, uint64_t *paddr)
{
	struct walk_result r;
	/* Supervisor read that SMAP does not stop: the widest view without faulting. */
	unsigned ma = MA_PEEK | MA_SMAP_AC;

	if (!cpu_long_mode(&v->s))
		lin = (uint32_t)lin;
	if (paging_walk(v, lin, ma, &r))
		return false;
	*paddr = r.paddr;
	return true;
}
