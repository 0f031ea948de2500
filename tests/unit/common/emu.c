/*
 * tests/unit/common/emu.c - the flat test machine (emu.h).
 * Descriptor and paging formats: SDM vol. 3, 3.4.5 and 4.5.
 */
#include "tests/unit/common/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PTE_P  0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define EMU_NPT (EMU_RAM_SIZE >> 21)    /* page tables: one per 2 MiB */

static void put64(struct emu *e, uint64_t pa, uint64_t val)
{
	memcpy(e->ram + pa, &val, 8);
}

/* GDT: null, code64, data, code64 DPL3, data DPL3, code32, (unused), code32 DPL3. */
static void emu_build_gdt(struct emu *e)
{
	put64(e, EMU_GDT + 0x00, 0);
	put64(e, EMU_GDT + 0x08, 0x00af9a000000ffffull);
	put64(e, EMU_GDT + 0x10, 0x00cf92000000ffffull);
	put64(e, EMU_GDT + 0x18, 0x00affa000000ffffull);
	put64(e, EMU_GDT + 0x20, 0x00cff2000000ffffull);
	put64(e, EMU_GDT + 0x28, 0x00cf9a000000ffffull);
	put64(e, EMU_GDT + 0x30, 0);
	put64(e, EMU_GDT + 0x38, 0x00cffa000000ffffull);
	e->v.s.gdtr.base = EMU_GDT;
	e->v.s.gdtr.limit = 0x3f;
}

/* PML4 -> PDPT -> PD -> EMU_NPT page tables mapping RAM 1:1 with 4 KiB pages. */
static void emu_build_paging(struct emu *e)
{
	uint64_t pdpt = EMU_PML4 + 0x1000, pd = EMU_PML4 + 0x2000, pt = EMU_PML4 + 0x3000;
	uint64_t fl = PTE_P | PTE_RW | PTE_US;

	memset(e->ram + EMU_PML4, 0, 0x3000 + EMU_NPT * 0x1000);
	put64(e, EMU_PML4, pdpt | fl);
	put64(e, pdpt, pd | fl);
	for (uint64_t t = 0; t < EMU_NPT; t++) {
		put64(e, pd + 8 * t, (pt + 0x1000 * t) | fl);
		for (uint64_t p = 0; p < 512; p++)
			put64(e, pt + 0x1000 * t + 8 * p, ((t * 512 + p) << 12) | fl);
	}
}

static void set_seg(struct seg_cache *sc, uint16_t sel, uint32_t attr)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->attr = attr;
}

static void emu_setup_mode(struct emu *e)
{
	struct cpu_state *s = &e->v.s;
	uint32_t dpl = (e->cpl & 3) << SEGA_DPL_SHIFT;
	uint32_t data = SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0x3 | dpl;
	uint16_t dsel = e->cpl ? EMU_SEL_DATA_U : EMU_SEL_DATA;

	if (e->mode == EMU_REAL)
		return;         /* the reset state is real mode; emu_run sets CS */
	emu_build_gdt(e);
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
	s->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	for (unsigned r = 0; r < 6; r++)
		set_seg(&s->seg[r], dsel, data);
	if (e->mode == EMU_PROT32) {
		set_seg(&s->seg[SEG_CS], e->cpl ? EMU_SEL_CODE32_U : EMU_SEL_CODE32,
			SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0xb | dpl);
	} else {
		emu_build_paging(e);
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr4 |= CR4_PAE;
		s->cr3 = EMU_PML4;
		s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
		set_seg(&s->seg[SEG_CS], e->cpl ? EMU_SEL_CODE64_U : EMU_SEL_CODE64,
			SEGA_P | SEGA_S | SEGA_L | SEGA_G | 0xb | dpl);
	}
	s->seg[SEG_TR].attr = SEGA_P | 0xb;
	s->seg[SEG_TR].limit = 0x67;
}

struct emu *emu_new(enum emu_mode mode, unsigned cpl)
{
	struct emu *e = calloc(1, sizeof(*e));

	if (!e)
		abort();
	e->ram = calloc(1, EMU_RAM_SIZE);
	if (!e->ram)
		abort();
	e->bus.ram = e->ram;
	e->bus.ram_size = EMU_RAM_SIZE;
	e->bus.ram_below_4g = EMU_RAM_SIZE;
	e->mode = mode;
	e->cpl = mode == EMU_REAL ? 0 : cpl;
	vcpu_init(&e->v, 0, &e->bus, NULL);
	emu_setup_mode(e);
	e->v.s.gpr[4] = EMU_STACK_TOP;
	e->v.s.fcw = 0x37f;             /* as after FNINIT */
	e->v.s.xcr0 = 3;
	if (translate_attach(&e->v))
		abort();
	translate_set_stop_on_exception(&e->v, true);
	e->exc_vector = -1;
	return e;
}

void emu_free(struct emu *e)
{
	translate_detach(&e->v);
	free(e->ram);
	free(e);
}

static void emu_check_range(uint64_t paddr, size_t len)
{
	if (paddr > EMU_RAM_SIZE || len > EMU_RAM_SIZE - paddr) {
		fprintf(stderr, "emu: [%#llx, +%zu) is outside RAM\n", (unsigned long long)paddr, len);
		abort();
	}
}

void emu_load(struct emu *e, uint64_t paddr, const void *bytes, size_t len)
{
	emu_check_range(paddr, len);
	memcpy(e->ram + paddr, bytes, len);
	translate_invalidate_phys(&e->v, paddr, len);
}

void emu_read(struct emu *e, uint64_t paddr, void *out, size_t len)
{
	emu_check_range(paddr, len);
	memcpy(out, e->ram + paddr, len);
}

uint64_t emu_read64(struct emu *e, uint64_t paddr)
{
	uint64_t x;

	emu_read(e, paddr, &x, 8);
	return x;
}

void emu_write64(struct emu *e, uint64_t paddr, uint64_t val)
{
	emu_load(e, paddr, &val, 8);
}

void emu_set_pte(struct emu *e, uint64_t lin, uint64_t pte_flags)
{
	uint64_t pt = EMU_PML4 + 0x3000, idx = lin >> 12;

	if (e->mode != EMU_LONG64 || lin >= EMU_RAM_SIZE)
		abort();        /* only the identity-mapped RAM of 64-bit mode */
	put64(e, pt + 8 * idx, (idx << 12) | pte_flags);
	cpu_tlb_flush(&e->v);
}

uint64_t emu_rflags(struct emu *e)
{
	return cpu_get_rflags(&e->v.s);
}

enum run_exit emu_continue(struct emu *e, uint64_t max_insns)
{
	uint64_t start = e->v.icount;

	e->exc_vector = -1;
	e->exc_error = 0;
	e->v.s.halted = false;
	e->exit = vcpu_run(&e->v, max_insns);
	if (e->exit == RUN_EXIT_EXCEPTION) {
		e->exc_vector = e->v.pending_vector;
		e->exc_error = e->v.pending_error;
		e->v.pending_vector = -1;
		e->v.pending_error = EXC_NO_ERROR;
	}
	e->icount = e->v.icount - start;
	return e->exit;
}

static void emu_set_entry(struct emu *e, uint64_t entry)
{
	if (e->mode == EMU_REAL) {
		uint16_t sel = (uint16_t)((entry >> 4) & 0xf000);

		e->v.s.seg[SEG_CS].sel = sel;
		e->v.s.seg[SEG_CS].base = (uint64_t)sel << 4;
		e->v.s.rip = entry - ((uint64_t)sel << 4);
		return;
	}
	e->v.s.rip = entry;
}

enum run_exit emu_run(struct emu *e, uint64_t entry, uint64_t max_insns)
{
	translate_set_breakpoint(&e->v, ~0ull);
	emu_set_entry(e, entry);
	return emu_continue(e, max_insns);
}

enum run_exit emu_run_until(struct emu *e, uint64_t entry, uint64_t end, uint64_t max_insns)
{
	translate_set_breakpoint(&e->v, end);
	emu_set_entry(e, entry);
	return emu_continue(e, max_insns);
}
