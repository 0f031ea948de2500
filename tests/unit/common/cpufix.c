/*
 * tests/unit/common/cpufix.c - see cpufix.h.
 */
#include "cpufix.h"

#include <stdlib.h>
#include <string.h>

struct cpufix *g_fix;

static uint64_t fix_mmio_read(void *opaque, uint64_t paddr, unsigned size)
{
	struct cpufix *f = opaque;

	f->mmio_addr = paddr;
	f->mmio_size = size;
	f->mmio_reads++;
	return 0x1122334455667788ull;
}

static void fix_mmio_write(void *opaque, uint64_t paddr, unsigned size, uint64_t val)
{
	struct cpufix *f = opaque;

	f->mmio_addr = paddr;
	f->mmio_size = size;
	f->mmio_val = val;
	f->mmio_writes++;
}

static void fix_code_write(struct vcpu *v, uint64_t paddr, unsigned len)
{
	g_fix->cw_paddr = paddr;
	g_fix->cw_len = len;
	g_fix->cw_calls++;
}

void cpufix_setup(void)
{
	g_fix = calloc(1, sizeof(*g_fix));
	g_fix->ram = calloc(1, CPUFIX_RAM_SIZE);
	if (!g_fix || !g_fix->ram)
		abort();
	g_fix->bus.opaque = g_fix;
	g_fix->bus.ram = g_fix->ram;
	g_fix->bus.ram_size = CPUFIX_RAM_SIZE;
	g_fix->bus.code_pages = g_fix->code_bitmap;
	g_fix->bus.mmio_read = fix_mmio_read;
	g_fix->bus.mmio_write = fix_mmio_write;
	vcpu_init(&g_fix->v, 0, &g_fix->bus, NULL);
	g_fix->v.code_write_hook = fix_code_write;
}

void cpufix_teardown(void)
{
	free(g_fix->ram);
	free(g_fix);
	g_fix = NULL;
}

int cpufix_try(void (*fn)(void *arg), void *arg)
{
	jmp_buf jb;

	g_fix->v.exit_jmp = &jb;
	g_fix->v.pending_vector = -1;
	if (setjmp(jb)) {
		g_fix->v.exit_jmp = NULL;
		return g_fix->v.pending_vector;
	}
	fn(arg);
	g_fix->v.exit_jmp = NULL;
	return -1;
}

struct acc_args {
	unsigned seg, size;
	uint64_t off, val;
	uint8_t *buf;
	size_t len, got;
};

static void do_ld(void *p)
{
	struct acc_args *a = p;

	a->val = cpu_ld(&g_fix->v, a->seg, a->off, a->size);
}

static void do_st(void *p)
{
	struct acc_args *a = p;

	cpu_st(&g_fix->v, a->seg, a->off, a->size, a->val);
}

static void do_fetch(void *p)
{
	struct acc_args *a = p;
	uint64_t pa;

	a->got = cpu_fetch_code(&g_fix->v, a->off, a->buf, a->len, &pa);
}

int cpufix_ld(unsigned seg, uint64_t off, unsigned size, uint64_t *out)
{
	struct acc_args a = { .seg = seg, .off = off, .size = size };
	int r = cpufix_try(do_ld, &a);

	*out = a.val;
	return r;
}

int cpufix_st(unsigned seg, uint64_t off, unsigned size, uint64_t val)
{
	struct acc_args a = { .seg = seg, .off = off, .size = size, .val = val };

	return cpufix_try(do_st, &a);
}

int cpufix_fetch(uint64_t lin, uint8_t *buf, size_t len, size_t *got)
{
	struct acc_args a = { .off = lin, .buf = buf, .len = len };
	int r = cpufix_try(do_fetch, &a);

	*got = a.got;
	return r;
}

static void set_seg(struct seg_cache *sc, uint16_t sel, uint32_t attr)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->attr = attr;
}

void cpufix_flat32(unsigned cpl)
{
	struct cpu_state *s = &g_fix->v.s;
	uint32_t dpl = cpl << SEGA_DPL_SHIFT;

	s->cr0 |= CR0_PE;
	set_seg(&s->seg[SEG_CS], (uint16_t)(0x08 | cpl), SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0xb | dpl);
	for (unsigned i = 0; i < 6; i++)
		if (i != SEG_CS)
			set_seg(&s->seg[i], (uint16_t)(0x10 | cpl),
				SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0x3 | dpl);
	cpu_tlb_flush(&g_fix->v);
}

void cpufix_long64(unsigned cpl)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_flat32(cpl);
	s->cr0 |= CR0_PG;
	s->cr4 |= CR4_PAE;
	s->efer |= EFER_LME | EFER_LMA;
	s->seg[SEG_CS].attr = (s->seg[SEG_CS].attr & ~SEGA_DB) | SEGA_L;
	cpu_tlb_flush(&g_fix->v);
}
