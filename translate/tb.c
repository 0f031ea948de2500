/*
 * translate/tb.c - the translation-block cache of a vCPU.
 *
 * Blocks are keyed by (physical address of the first byte, RIP, CS base, mode bits)
 * in a hash table, and found from the guest RIP through a direct-mapped jump cache
 * whose hits are checked against the code TLB (so a TLB flush or a new mapping sends
 * the lookup through the page walk again). Each block is on the list of the one or
 * two physical pages it came from; the bus's code_pages bit of such a page makes
 * cpu/mem.c report writes to it (code_write_hook), and exactly the blocks whose bytes
 * were written are dropped. A block that is running when it is dropped finishes the
 * current instruction and leaves (IR_smc_check); its memory is freed afterwards.
 */
#include "translate/engine.h"

#include <stdlib.h>
#include <string.h>

static struct tb_cache *g_tb_caches;    /* every attached vCPU, for code writes */

uint32_t tb_mode_flags(const struct vcpu *v)
{
	const struct cpu_state *s = &v->s;
	const struct tb_cache *tc = v->tb_cache;
	unsigned size = cpu_code_size(s);
	uint32_t f = size == 8 ? TBF_CODE64 : size == 4 ? TBF_CODE32 : TBF_CODE16;

	f |= cpu_cpl(s) << TBF_CPL_SHIFT;
	if (s->seg[SEG_SS].attr & SEGA_DB)
		f |= TBF_SS32;
	if (s->cr0 & CR0_PE)
		f |= TBF_PE;
	if (s->cr0 & CR0_PG)
		f |= TBF_PG;
	if (s->rflags & RFLAGS_VM)
		f |= TBF_VM;
	if (s->efer & EFER_LMA)
		f |= TBF_LMA;
	if (s->cr4 & CR4_LA57)
		f |= TBF_LA57;
	if (s->rflags & RFLAGS_TF)
		f |= TBF_TF;
	if (tc->no_inline)
		f |= TBF_NO_INLINE;
	return f;
}

static inline uint64_t tb_lin(const struct vcpu *v, uint64_t pc, uint64_t cs_base)
{
	uint64_t lin = cs_base + pc;

	return cpu_long_mode(&v->s) ? lin : (uint32_t)lin;
}

static inline unsigned tb_hash(uint64_t phys, uint64_t pc, uint32_t flags)
{
	uint64_t h = phys * 0x9e3779b97f4a7c15ull ^ pc ^ ((uint64_t)flags << 40);

	return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static inline unsigned page_hash(uint64_t page)
{
	return (unsigned)(page * 0x9e3779b97f4a7c15ull >> (64 - TB_PAGE_BITS));
}

/* ---------------------------------------------------------------- allocation */

struct tb *tb_alloc(unsigned ncode, unsigned nconsts, unsigned ninsns)
{
	size_t sz = sizeof(struct tb) + ncode * sizeof(struct iop) + nconsts * sizeof(uint64_t) +
		    (ninsns + 1) * sizeof(uint64_t) + ninsns * (sizeof(struct x86_insn) + sizeof(exec_fn));
	struct tb *tb = calloc(1, sz);
	char *p;

	if (!tb)
		abort();        /* out of host memory: nothing sensible to do mid-run */
	p = (char *)(tb + 1);
	tb->code = (struct iop *)p;
	p += ncode * sizeof(struct iop);
	tb->consts = (uint64_t *)p;
	p += nconsts * sizeof(uint64_t);
	tb->insn_rip = (uint64_t *)p;
	p += (ninsns + 1) * sizeof(uint64_t);
	tb->insns = (struct x86_insn *)p;
	p += ninsns * sizeof(struct x86_insn);
	tb->fns = (exec_fn *)p;
	return tb;
}

void tb_free(struct tb *tb)
{
	free(tb);
}

void tb_free_dead(struct tb_cache *tc)
{
	while (tc->dead) {
		struct tb *tb = tc->dead;

		tc->dead = tb->dead_next;
		tb_free(tb);
	}
}

/* ---------------------------------------------------------------- code pages */

static struct tb_page **page_slot(struct tb_cache *tc, uint64_t page)
{
	struct tb_page **pp = &tc->pages[page_hash(page)];

	while (*pp && (*pp)->page != page)
		pp = &(*pp)->next;
	return pp;
}

static bool page_used_by_any(const struct cpu_bus *bus, uint64_t page)
{
	for (struct tb_cache *tc = g_tb_caches; tc; tc = tc->next_cache)
		if (tc->v->bus == bus && *page_slot(tc, page))
			return true;
	return false;
}

static void code_bit(struct cpu_bus *bus, uint64_t page, bool on)
{
	uint8_t *p = cpu_bus_ram_ptr(bus, page << 12, 1);
	uint64_t idx;

	if (!p || !bus->code_pages)
		return;
	idx = (uint64_t)(p - bus->ram) >> 12;
	if (on)
		bus->code_pages[idx >> 3] |= (uint8_t)(1u << (idx & 7));
	else
		bus->code_pages[idx >> 3] &= (uint8_t)~(1u << (idx & 7));
}

/* Page list entries are tagged with which of the block's pages (0 or 1) it is. */
#define PAGE_TB(x) ((struct tb *)((uintptr_t)(x) & ~(uintptr_t)1))
#define PAGE_K(x) ((unsigned)((uintptr_t)(x) & 1))

static void page_add(struct tb_cache *tc, struct tb *tb, unsigned k)
{
	uint64_t page = tb->phys[k] >> 12;
	struct tb_page **pp = page_slot(tc, page);

	if (!*pp) {
		struct tb_page *p = calloc(1, sizeof(*p));

		if (!p)
			abort();
		p->page = page;
		*pp = p;
		if (!cpu_bus_code_page(tc->v->bus, page << 12)) {
			code_bit(tc->v->bus, page, true);
			for (struct tb_cache *c = g_tb_caches; c; c = c->next_cache)
				if (c->v->bus == tc->v->bus)
					cpu_tlb_protect_code(c->v, page << 12);
		}
	}
	tb->page_next[k] = (*pp)->tbs;
	(*pp)->tbs = (struct tb *)((uintptr_t)tb | k);
}

static void page_remove(struct tb_cache *tc, struct tb *tb, unsigned k)
{
	uint64_t page = tb->phys[k] >> 12;
	struct tb_page **pp = page_slot(tc, page), *p = *pp;
	struct tb **link;

	if (!p)
		abort();        /* a linked block is on its page's list */
	link = &p->tbs;
	while (*link != (struct tb *)((uintptr_t)tb | k))
		link = &PAGE_TB(*link)->page_next[PAGE_K(*link)];
	*link = tb->page_next[k];
	if (!p->tbs) {
		*pp = p->next;
		free(p);
		if (!page_used_by_any(tc->v->bus, page))
			code_bit(tc->v->bus, page, false);
	}
}

/* ---------------------------------------------------------------- linking */

static void tb_link(struct tb_cache *tc, struct tb *tb)
{
	if (!(tb->flags & TBF_ONESHOT)) {
		struct tb **head = &tc->hash[tb_hash(tb->phys[0], tb->pc, tb->flags)];

		tb->hash_next = *head;
		*head = tb;
	}
	page_add(tc, tb, 0);
	if (tb->phys[1] != TB_NO_PAGE)
		page_add(tc, tb, 1);
	tb->valid = true;
}

/* Drop a block: it is not found again, and freed once no block runs. */
static void tb_unlink(struct tb_cache *tc, struct tb *tb)
{
	struct tb **jc = &tc->jc[jc_hash(tb_lin(tc->v, tb->pc, tb->cs_base))];

	if (!tb->valid)
		return;
	if (!(tb->flags & TBF_ONESHOT)) {
		struct tb **link = &tc->hash[tb_hash(tb->phys[0], tb->pc, tb->flags)];

		while (*link != tb)
			link = &(*link)->hash_next;
		*link = tb->hash_next;
	}
	page_remove(tc, tb, 0);
	if (tb->phys[1] != TB_NO_PAGE)
		page_remove(tc, tb, 1);
	if (*jc == tb)
		*jc = NULL;
	tb->valid = false;
	/* tb.jmp never names a one-shot block (exec.c, next_block): dropping one (at every
	 * budget end) leaves the links of the others valid. */
	if (!(tb->flags & TBF_ONESHOT))
		tc->epoch++;
	if (tb == tc->cur_tb)
		tc->smc_hit = true;
	tb->dead_next = tc->dead;
	tc->dead = tb;
}

void tb_drop(struct tb_cache *tc, struct tb *tb)
{
	tb_unlink(tc, tb);
}

/* Bytes of tb on page k: [*start, *end) physical. */
static void tb_page_range(const struct tb *tb, unsigned k, uint64_t *start, uint64_t *end)
{
	uint64_t first = GUEST_PAGE - (tb->phys[0] & (GUEST_PAGE - 1));

	if (first > tb->size)
		first = tb->size;
	if (k == 0) {
		*start = tb->phys[0];
		*end = tb->phys[0] + first;
	} else {
		*start = tb->phys[1];
		*end = tb->phys[1] + (tb->size - first);
	}
}

void tb_invalidate_range(struct tb_cache *tc, uint64_t paddr, uint64_t len)
{
	uint64_t end = paddr + len;

	for (uint64_t page = paddr >> 12; page <= (end - 1) >> 12; page++) {
		bool again = true;

		while (again) {         /* restart after each removal: it edits the list */
			struct tb_page *p = *page_slot(tc, page);

			again = false;
			for (struct tb *x = p ? p->tbs : NULL; x; x = PAGE_TB(x)->page_next[PAGE_K(x)]) {
				uint64_t s, e;

				tb_page_range(PAGE_TB(x), PAGE_K(x), &s, &e);
				if (s < end && paddr < e) {
					tb_unlink(tc, PAGE_TB(x));
					tc->stats.blocks_invalidated++;
					again = true;
					break;
				}
			}
		}
	}
}

static void tb_code_write(struct vcpu *v, uint64_t paddr, uint64_t len)
{
	for (struct tb_cache *tc = g_tb_caches; tc; tc = tc->next_cache)
		if (tc->v->bus == v->bus)
			tb_invalidate_range(tc, paddr, len);
}

static void tb_code_write_hook(struct vcpu *v, uint64_t paddr, unsigned len)
{
	tb_code_write(v, paddr, len);
}

/* ---------------------------------------------------------------- lookup */

static struct tb *tb_gen(struct vcpu *v, struct tb_cache *tc, uint32_t flags, unsigned max_insns)
{
	struct tb_translation *t = &tc->tr;
	unsigned ncode = 0;
	struct tb *tb;

	t->pc = v->s.rip;
	t->cs_base = v->s.seg[SEG_CS].base;
	t->flags = flags;
	t->max_insns = max_insns;
	ir_reset(&tc->ir);
	translator_gen(v, &tc->ir, t);          /* may raise a fault of the first insn */
	ir_optimize(&tc->ir);
	for (unsigned i = 0; i < tc->ir.nops; i++)
		ncode += tc->ir.ops[i].opc != IR_label;
	tb = tb_alloc(ncode, interp_count_consts(&tc->ir), t->ninsns);
	tb->pc = t->pc;
	tb->cs_base = t->cs_base;
	tb->flags = flags;
	tb->phys[0] = t->phys[0];
	tb->phys[1] = t->phys[1];
	tb->size = (uint16_t)t->size;
	tb->ninsns = (uint16_t)t->ninsns;
	memcpy(tb->insn_rip, t->insn_rip, (t->ninsns + 1) * sizeof(uint64_t));
	memcpy(tb->insns, t->insns, t->ninsns * sizeof(struct x86_insn));
	memcpy(tb->fns, t->fns, t->ninsns * sizeof(exec_fn));
	interp_compile(tc, &tc->ir, tb);
	tb_link(tc, tb);
	tc->stats.blocks_translated++;
	tc->stats.insns_translated += t->ninsns;
	if (log_on(LOG_IN_ASM) && g_trace_tb_new)
		g_trace_tb_new(v, tb->pc, tb->cs_base, tb->size, tb->ninsns);
	return tb;
}

/* The hash-table path: walk the page tables (raising a fetch fault of this insn). */
static struct tb *tb_lookup_slow(struct vcpu *v, struct tb_cache *tc, uint32_t flags, uint64_t lin)
{
	uint64_t pc = v->s.rip, cs_base = v->s.seg[SEG_CS].base, pa, pa2;
	bool user = cpu_cpl(&v->s) == 3;
	uint8_t byte;

	cpu_fetch_code(v, lin, &byte, 1, &pa);
	for (struct tb *tb = tc->hash[tb_hash(pa, pc, flags)]; tb; tb = tb->hash_next) {
		if (tb->phys[0] != pa || tb->pc != pc || tb->cs_base != cs_base || tb->flags != flags)
			continue;
		if (tb->phys[1] != TB_NO_PAGE) {
			uint64_t last = tb_last_lin(v, tb, lin);

			if (cpu_translate(v, last, ACC_EXEC, user, &pa2) ||
			    (pa2 & ~0xfffull) != tb->phys[1])
				continue;
		}
		return tb;
	}
	return NULL;
}

struct tb *tb_find(struct vcpu *v, uint32_t flags)
{
	struct tb_cache *tc = v->tb_cache;
	uint64_t pc = v->s.rip, cs_base = v->s.seg[SEG_CS].base;
	uint64_t lin = tb_lin(v, pc, cs_base);
	struct tb **jc = &tc->jc[jc_hash(lin)];
	struct tb *tb = *jc;
	bool user = cpu_cpl(&v->s) == 3;

	if (tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
	    code_tlb_maps(v, lin, tb->phys[0], user) &&
	    (tb->phys[1] == TB_NO_PAGE || code_tlb_maps(v, tb_last_lin(v, tb, lin), tb->phys[1], user)))
		return tb;
	tc->stats.slow_lookups++;
	tb = tb_lookup_slow(v, tc, flags, lin);
	if (!tb)
		tb = tb_gen(v, tc, flags, TB_MAX_INSNS);
	*jc = tb;
	return tb;
}

/* A block of at most max_insns instructions that is not cached (the instruction
 * budget ends inside the usual block). The caller drops it after running it. */
struct tb *tb_translate_oneshot(struct vcpu *v, uint32_t flags, unsigned max_insns)
{
	return tb_gen(v, v->tb_cache, flags | TBF_ONESHOT, max_insns);
}

/* ---------------------------------------------------------------- public */

/* The instructions retired before the one running (cpu/cpu.h, icount_now): the
 * instructions of the running block before tc->cur_insn have not been added yet. */
static uint64_t tb_icount_now(const struct vcpu *v)
{
	const struct tb_cache *tc = v->tb_cache;

	return v->icount + (tc->cur_tb ? tc->cur_insn : 0);
}

int translate_attach(struct vcpu *v)
{
	struct tb_cache *tc = calloc(1, sizeof(*tc));
	struct cpu_bus *bus = v->bus;

	if (!tc)
		return -12;     /* -ENOMEM */
	if (bus && !bus->code_pages) {
		bus->code_pages = calloc((bus->ram_size >> 15) + 1, 1);
		if (!bus->code_pages) {
			free(tc);
			return -12;
		}
		tc->owns_code_pages = true;
	}
	tc->v = v;
	tc->breakpoint = ~0ull;
	tc->epoch = 1;                  /* tb.jmp_epoch 0: never chained */
	tc->next_cache = g_tb_caches;
	g_tb_caches = tc;
	v->tb_cache = tc;
	v->code_write_hook = tb_code_write_hook;
	v->icount_now = tb_icount_now;
	return 0;
}

void translate_detach(struct vcpu *v)
{
	struct tb_cache *tc = v->tb_cache;

	if (!tc)
		return;
	translate_flush(v);
	tb_free_dead(tc);
	for (struct tb_cache **pp = &g_tb_caches; *pp; pp = &(*pp)->next_cache) {
		if (*pp == tc) {
			*pp = tc->next_cache;
			break;
		}
	}
	if (tc->owns_code_pages) {
		free(v->bus->code_pages);
		v->bus->code_pages = NULL;
	}
	v->code_write_hook = NULL;
	v->icount_now = NULL;
	v->tb_cache = NULL;
	free(tc);
}

void translate_flush(struct vcpu *v)
{
	struct tb_cache *tc = v->tb_cache;

	if (!tc)
		return;
	for (unsigned h = 0; h < (1u << TB_PAGE_BITS); h++)
		while (tc->pages[h])
			tb_unlink(tc, PAGE_TB(tc->pages[h]->tbs));
	memset(tc->jc, 0, sizeof(tc->jc));
	tc->features_valid = false;
	tc->stats.flushes++;
	if (!tc->cur_tb)
		tb_free_dead(tc);
}

void translate_invalidate_phys(struct vcpu *v, uint64_t paddr, uint64_t len)
{
	if (len)
		tb_code_write(v, paddr, len);
}

void translate_set_stop_on_exception(struct vcpu *v, bool on)
{
	tb_cache_of(v)->stop_on_exception = on;
}

/* Blocks must end before a breakpoint: drop those that run across lin. */
static void tb_drop_spanning(struct tb_cache *tc, uint64_t lin)
{
	for (unsigned h = 0; h < (1u << TB_HASH_BITS); h++) {
		struct tb *tb = tc->hash[h];

		while (tb) {
			struct tb *next = tb->hash_next;
			uint64_t start = tb->cs_base + tb->pc;

			if (lin > start && lin - start < tb->size)
				tb_unlink(tc, tb);
			tb = next;
		}
	}
}

void translate_set_breakpoint(struct vcpu *v, uint64_t lin)
{
	struct tb_cache *tc = tb_cache_of(v);

	tc->breakpoint = lin;
	tb_drop_spanning(tc, lin);
}

int translate_add_breakpoint(struct vcpu *v, uint64_t lin)
{
	struct tb_cache *tc = tb_cache_of(v);

	for (unsigned i = 0; i < tc->nbps; i++)
		if (tc->bps[i] == lin)
			return 0;
	if (tc->nbps == TRANSLATE_MAX_BREAKPOINTS)
		return -1;
	tc->bps[tc->nbps++] = lin;
	tb_drop_spanning(tc, lin);
	return 0;
}

void translate_remove_breakpoint(struct vcpu *v, uint64_t lin)
{
	struct tb_cache *tc = tb_cache_of(v);

	for (unsigned i = 0; i < tc->nbps; i++) {
		if (tc->bps[i] == lin) {
			tc->bps[i] = tc->bps[--tc->nbps];
			return;         /* blocks cut at lin stay correct, just shorter */
		}
	}
}

void translate_set_events(struct vcpu *v, bool on)
{
	tb_cache_of(v)->no_events = !on;
}

void translate_exit_after_insn(struct vcpu *v)
{
	struct tb_cache *tc = tb_cache_of(v);

	if (tc && tc->cur_tb)
		tc->smc_hit = true;
}

void translate_set_inline(struct vcpu *v, bool on)
{
	tb_cache_of(v)->no_inline = !on;      /* part of the block key: no flush needed */
}

const struct translate_stats *translate_get_stats(struct vcpu *v)
{
	return &tb_cache_of(v)->stats;
}
