/*
 * hw/elfload.c - plain ELF executables and raw images for -kernel and -device loader.
 *
 * An ELF executable (ET_EXEC; ELF32 EM_386 or ELF64 EM_X86_64; System V gABI, "Program
 * Header") has its PT_LOAD segments copied to their physical addresses, BSS zeroed.
 * Entry (the project's choice, documented in the README):
 *   ELF32: 32-bit flat protected mode, paging off, as multiboot but EAX = EBX = 0;
 *   ELF64: 64-bit mode, the first 4 GiB identity-mapped with 2 MiB pages (tables
 *          and a GDT in the page after the image), CS 0x08 64-bit code, data 0x10.
 * Everything is checked before guest RAM is touched, so a bad image is refused with
 * a message and nothing half-loaded.
 */
#include "hw/loader.h"

#include <stdio.h>
#include <string.h>

#define PT_LOAD 1
#define ET_EXEC 2
#define LOW_HOLE_START 0xa0000ull       /* VGA window and BIOS area: not RAM to load into */
#define LOW_HOLE_END   0x100000ull

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

struct elf_seg { uint64_t off, vaddr, paddr, filesz, memsz; };

/* Can [addr, addr+len) be loaded: inside RAM below 4 GiB and outside the low hole? */
static int check_range(const struct cpu_bus *bus, uint64_t addr, uint64_t len, const char *what,
		       char *err, size_t errlen)
{
	if (addr + len < addr || addr + len > bus->ram_below_4g) {
		snprintf(err, errlen, "%s at %#llx-%#llx is outside RAM below 4 GiB (%llu MiB there)", what,
			 (unsigned long long)addr, (unsigned long long)(addr + len),
			 (unsigned long long)(bus->ram_below_4g >> 20));
		return -1;
	}
	if (addr < LOW_HOLE_END && addr + len > LOW_HOLE_START) {
		snprintf(err, errlen, "%s at %#llx-%#llx overlaps the 0xa0000-0xfffff hole", what,
			 (unsigned long long)addr, (unsigned long long)(addr + len));
		return -1;
	}
	return 0;
}

static struct elf_seg read_phdr(const uint8_t *ph, bool is64)
{
	if (is64)
		return (struct elf_seg){ rd64(ph + 8), rd64(ph + 16), rd64(ph + 24), rd64(ph + 32), rd64(ph + 40) };
	return (struct elf_seg){ rd32(ph + 4), rd32(ph + 8), rd32(ph + 12), rd32(ph + 16), rd32(ph + 20) };
}

/* The header: returns 0 with is64, phoff, phnum, phentsize set, or -1. */
static int check_header(const uint8_t *img, size_t len, bool *is64, uint64_t *phoff, unsigned *phnum,
			unsigned *phentsize, char *err, size_t errlen)
{
	if (len < 52 || (img[4] == 2 && len < 64)) {
		snprintf(err, errlen, "truncated ELF header (%zu bytes)", len);
		return -1;
	}
	if ((img[4] != 1 && img[4] != 2) || img[5] != 1 || img[6] != 1) {
		snprintf(err, errlen, "not a little-endian ELF32/ELF64 file of version 1");
		return -1;
	}
	*is64 = img[4] == 2;
	if (rd16(img + 18) != (*is64 ? 62 : 3)) {
		snprintf(err, errlen, "ELF%d file for machine %u, not %s", *is64 ? 64 : 32, rd16(img + 18),
			 *is64 ? "x86-64" : "i386");
		return -1;
	}
	if (rd16(img + 16) != ET_EXEC) {
		snprintf(err, errlen, "ELF type %u is not an executable (ET_EXEC)", rd16(img + 16));
		return -1;
	}
	*phoff = *is64 ? rd64(img + 32) : rd32(img + 28);
	*phentsize = rd16(img + (*is64 ? 54 : 42));
	*phnum = rd16(img + (*is64 ? 56 : 44));
	if (*phentsize < (*is64 ? 56u : 32u) || *phoff > len ||
	    (uint64_t)*phnum * *phentsize > len - *phoff) {
		snprintf(err, errlen, "program header table outside the file");
		return -1;
	}
	return 0;
}

/* Every PT_LOAD checked; the entry's physical address and the image's end found. */
static int check_segments(const struct cpu_bus *bus, const uint8_t *img, size_t len, bool is64,
			  uint64_t phoff, unsigned phnum, unsigned phentsize, uint64_t *entry,
			  uint64_t *end, char *err, size_t errlen)
{
	uint64_t e_entry = is64 ? rd64(img + 24) : rd32(img + 24);
	unsigned loads = 0;
	bool entry_found = false;

	*end = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		struct elf_seg sg = read_phdr(ph, is64);
		char what[32];

		if (rd32(ph) != PT_LOAD || !sg.memsz)
			continue;
		snprintf(what, sizeof(what), "segment %u", i);
		if (sg.filesz > sg.memsz || sg.off > len || sg.filesz > len - sg.off) {
			snprintf(err, errlen, "%s: its %llu file bytes at offset %#llx are beyond the file "
				 "(%zu bytes) or its memory size", what, (unsigned long long)sg.filesz,
				 (unsigned long long)sg.off, len);
			return -1;
		}
		if (check_range(bus, sg.paddr, sg.memsz, what, err, errlen))
			return -1;
		loads++;
		if (sg.paddr + sg.memsz > *end)
			*end = sg.paddr + sg.memsz;
		if (!entry_found && e_entry >= sg.vaddr && e_entry - sg.vaddr < sg.memsz) {
			*entry = e_entry - sg.vaddr + sg.paddr;
			entry_found = true;
		}
	}
	if (!loads) {
		snprintf(err, errlen, "no loadable segment (PT_LOAD with a non-zero size)");
		return -1;
	}
	if (!entry_found) {
		snprintf(err, errlen, "entry point %#llx is in no loadable segment", (unsigned long long)e_entry);
		return -1;
	}
	return 0;
}

/* ELF64 entry: PML4, PDPT and four page directories mapping 0-4 GiB with 2 MiB pages,
 * then a GDT: null, 64-bit code (0x08), data (0x10). Returns the table base or 0. */
static uint64_t build_long_mode(struct cpu_bus *bus, uint64_t at, char *err, size_t errlen)
{
	const uint64_t size = 7 * 4096;
	uint8_t *p;

	if (check_range(bus, at, size, "the 64-bit entry's page tables", err, errlen))
		return 0;
	p = cpu_bus_ram_ptr(bus, at, size);
	if (!p) {
		snprintf(err, errlen, "no RAM for the 64-bit entry's page tables at %#llx",
			 (unsigned long long)at);
		return 0;
	}
	memset(p, 0, size);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t pdpte = (at + (2 + i) * 4096) | 3;     /* present, writable */

		memcpy(p + 4096 + 8 * i, &pdpte, 8);
		for (unsigned j = 0; j < 512; j++) {
			uint64_t pde = ((uint64_t)i << 30 | (uint64_t)j << 21) | 0x83;   /* PS, RW, P */

			memcpy(p + (2 + i) * 4096 + 8 * j, &pde, 8);
		}
	}
	{
		uint64_t pml4e = (at + 4096) | 3;
		static const uint64_t gdt[3] = { 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };

		memcpy(p, &pml4e, 8);
		memcpy(p + 6 * 4096, gdt, sizeof(gdt));
	}
	return at;
}

int elf_load(struct cpu_bus *bus, const uint8_t *img, size_t len, struct boot_entry *out,
	     char *err, size_t errlen)
{
	bool is64;
	uint64_t phoff, entry = 0, end;
	unsigned phnum, phentsize;

	if (len < 4 || memcmp(img, "\177ELF", 4))
		return LOAD_NOT_THIS_FORMAT;
	if (check_header(img, len, &is64, &phoff, &phnum, &phentsize, err, errlen) ||
	    check_segments(bus, img, len, is64, phoff, phnum, phentsize, &entry, &end, err, errlen))
		return LOAD_ERROR;
	err[0] = 0;
	memset(out, 0, sizeof(*out));
	out->entry = (uint32_t)entry;
	out->high_water = (end + 0xfff) & ~0xfffull;
	if (is64) {
		out->long_mode_tables = build_long_mode(bus, out->high_water, err, errlen);
		if (!out->long_mode_tables)
			return LOAD_ERROR;
		out->high_water += 7 * 4096;
	} else {
		/* A flat GDT in the page after the image: null, -, code 0x10, data 0x18 */
		static const uint64_t gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
		uint8_t *p;

		if (check_range(bus, out->high_water, 4096, "the GDT", err, errlen) ||
		    !(p = cpu_bus_ram_ptr(bus, out->high_water, sizeof(gdt)))) {
			if (!err[0])
				snprintf(err, errlen, "no RAM for the GDT");
			return LOAD_ERROR;
		}
		memcpy(p, gdt, sizeof(gdt));
		out->gdt_base = (uint32_t)out->high_water;
		out->high_water += 4096;
	}
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		struct elf_seg sg = read_phdr(ph, is64);
		uint8_t *dst;

		if (rd32(ph) != PT_LOAD || !sg.memsz)
			continue;
		dst = cpu_bus_ram_ptr(bus, sg.paddr, sg.memsz);
		if (!dst) {
			snprintf(err, errlen, "segment %u: no RAM at %#llx", i, (unsigned long long)sg.paddr);
			return LOAD_ERROR;
		}
		memcpy(dst, img + sg.off, sg.filesz);
		memset(dst + sg.filesz, 0, sg.memsz - sg.filesz);
	}
	return LOAD_OK;
}

int raw_load(struct cpu_bus *bus, const uint8_t *img, size_t len, uint64_t addr, char *err,
	     size_t errlen)
{
	uint8_t *dst;

	if (!len) {
		snprintf(err, errlen, "empty image");
		return LOAD_ERROR;
	}
	if (check_range(bus, addr, len, "the image", err, errlen))
		return LOAD_ERROR;
	dst = cpu_bus_ram_ptr(bus, addr, len);
	if (!dst) {
		snprintf(err, errlen, "no RAM at %#llx", (unsigned long long)addr);
		return LOAD_ERROR;
	}
	memcpy(dst, img, len);
	return LOAD_OK;
}

static void seg_flat(struct seg_cache *sc, uint16_t sel, uint32_t attr)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->attr = attr | SEGA_S | SEGA_P | SEGA_G;
}

void elf_set_cpu(struct vcpu *v, const struct boot_entry *be)
{
	struct cpu_state *s = &v->s;

	s->rflags = RFLAGS_FIXED1;
	s->cc_op = CC_OP_EFLAGS;
	s->rip = be->entry;
	s->gpr[0] = be->eax;
	s->gpr[3] = be->ebx;
	if (!be->long_mode_tables) {            /* 32-bit flat protected mode, paging off */
		s->cr0 = (s->cr0 | CR0_PE) & ~(CR0_PG | CR0_NW | CR0_CD);
		seg_flat(&s->seg[SEG_CS], 0x10, 0xb | SEGA_DB);
		for (unsigned i = 0; i < 6; i++)
			if (i != SEG_CS)
				seg_flat(&s->seg[i], 0x18, 0x3 | SEGA_DB);
		s->gdtr.base = be->gdt_base;
		s->gdtr.limit = be->gdt_base ? 4 * 8 - 1 : 0;
		return;
	}
	/* SDM vol. 3, 10.8.5: PAE, CR3, EFER.LME, then CR0.PG (LMA follows); CS.L = 1 */
	s->cr4 |= CR4_PAE;
	s->cr3 = be->long_mode_tables;
	s->efer |= EFER_LME | EFER_LMA;
	s->cr0 = (s->cr0 | CR0_PE | CR0_PG) & ~(CR0_NW | CR0_CD);
	seg_flat(&s->seg[SEG_CS], 0x08, 0xb | SEGA_L);
	for (unsigned i = 0; i < 6; i++)
		if (i != SEG_CS)
			seg_flat(&s->seg[i], 0x10, 0x3 | SEGA_DB);
	s->gdtr.base = be->long_mode_tables + 6 * 4096;
	s->gdtr.limit = 3 * 8 - 1;
	cpu_tlb_flush(v);
}
