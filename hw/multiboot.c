/*
 * hw/multiboot.c - the Multiboot v1 loader (Multiboot Specification 0.6.96):
 * header search, ELF32/ELF64 program headers or the a.out kludge, command line,
 * modules, memory map, and the machine state at entry. It behaves as QEMU's
 * -kernel multiboot path does so kernels written for it (kvm-unit-tests' x86
 * binaries among them) boot unchanged.
 */
#include "hw/loader.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MB_MAGIC          0x1badb002u
#define MB_BOOT_MAGIC     0x2badb002u
#define MB_SEARCH         8192          /* header within the first 8 KiB (spec 3.1.1) */
#define MB_FLAG_AOUT      (1u << 16)
#define MB_FLAGS_KNOWN    (0x7u | MB_FLAG_AOUT)

/* multiboot_info flags (spec 3.3) */
#define MBI_MEM      (1u << 0)
#define MBI_BOOTDEV  (1u << 1)
#define MBI_CMDLINE  (1u << 2)
#define MBI_MODS     (1u << 3)
#define MBI_MMAP     (1u << 6)
#define MBI_LOADER   (1u << 9)
#define MBI_SIZE     88

#define PAGE_UP(x) (((x) + 0xfffull) & ~0xfffull)

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Guest RAM below 4 GiB for [addr, addr+len), or NULL with a message. */
static uint8_t *ram_span(struct cpu_bus *bus, uint64_t addr, uint64_t len, char *err, size_t errlen)
{
	uint8_t *p = NULL;

	if (addr + len <= (1ull << 32))
		p = cpu_bus_ram_ptr(bus, addr, len);
	if (!p)
		snprintf(err, errlen, "kernel needs memory at %#llx-%#llx, outside RAM (-m is %llu MiB)",
			 (unsigned long long)addr, (unsigned long long)(addr + len),
			 (unsigned long long)(bus->ram_size >> 20));
	return p;
}

struct segment { uint64_t paddr, vaddr, off, filesz, memsz; };

static int copy_segment(struct cpu_bus *bus, const uint8_t *image, size_t len,
			const struct segment *sg, uint64_t *lo, uint64_t *hi, char *err, size_t errlen)
{
	uint8_t *dst;

	if (sg->filesz > sg->memsz || sg->off > len || sg->filesz > len - sg->off) {
		snprintf(err, errlen, "malformed kernel image: segment outside the file");
		return -1;
	}
	dst = ram_span(bus, sg->paddr, sg->memsz, err, errlen);
	if (!dst)
		return -1;
	memcpy(dst, image + sg->off, sg->filesz);
	memset(dst + sg->filesz, 0, sg->memsz - sg->filesz);   /* BSS */
	if (sg->paddr < *lo)
		*lo = sg->paddr;
	if (sg->paddr + sg->memsz > *hi)
		*hi = sg->paddr + sg->memsz;
	return 0;
}

/* ELF32 (EM_386) or ELF64 (EM_X86_64) PT_LOAD segments at their physical addresses. */
static int load_elf(struct cpu_bus *bus, const uint8_t *image, size_t len, uint32_t *entry,
		    uint64_t *hi, char *err, size_t errlen)
{
	bool is64;
	uint64_t phoff, e_entry, lo = ~0ull;
	unsigned phentsize, phnum, i, loaded = 0;
	bool entry_mapped = false;

	if (len < 52 || memcmp(image, "\177ELF", 4) || image[5] != 1) {
		snprintf(err, errlen, "malformed kernel image: multiboot header without the a.out "
			 "fields (flag 16), and not a little-endian ELF file");
		return -1;
	}
	is64 = image[4] == 2;
	if ((!is64 && (image[4] != 1 || rd16(image + 18) != 3)) ||
	    (is64 && (len < 64 || rd16(image + 18) != 62))) {
		snprintf(err, errlen, "malformed kernel image: ELF file is not for x86");
		return -1;
	}
	e_entry = is64 ? rd64(image + 24) : rd32(image + 24);
	phoff = is64 ? rd64(image + 32) : rd32(image + 28);
	phentsize = rd16(image + (is64 ? 54 : 42));
	phnum = rd16(image + (is64 ? 56 : 44));
	if (phentsize < (is64 ? 56u : 32u) || phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
		snprintf(err, errlen, "malformed kernel image: bad ELF program header table");
		return -1;
	}
	*entry = (uint32_t)e_entry;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = image + phoff + (uint64_t)i * phentsize;
		struct segment sg;

		if (rd32(ph) != 1)      /* PT_LOAD */
			continue;
		if (is64)
			sg = (struct segment){ rd64(ph + 24), rd64(ph + 16), rd64(ph + 8), rd64(ph + 32), rd64(ph + 40) };
		else
			sg = (struct segment){ rd32(ph + 12), rd32(ph + 8), rd32(ph + 4), rd32(ph + 16), rd32(ph + 20) };
		if (copy_segment(bus, image, len, &sg, &lo, hi, err, errlen))
			return -1;
		loaded++;
		/* A virtual entry point inside a segment is translated to its physical address. */
		if (e_entry >= sg.vaddr && e_entry - sg.vaddr < sg.memsz) {
			*entry = (uint32_t)(e_entry - sg.vaddr + sg.paddr);
			entry_mapped = true;
		}
	}
	if (!loaded) {
		snprintf(err, errlen, "malformed kernel image: ELF file has no loadable segment");
		return -1;
	}
	if (!entry_mapped && e_entry >= (1ull << 32)) {
		snprintf(err, errlen, "kernel entry point %#llx is above 4 GiB", (unsigned long long)e_entry);
		return -1;
	}
	return 0;
}

/* The a.out kludge: addresses from the header (spec 3.1.3). */
static int load_aout(struct cpu_bus *bus, const uint8_t *image, size_t len, const uint8_t *hdr,
		     size_t hdr_off, uint32_t *entry, uint64_t *hi, char *err, size_t errlen)
{
	uint32_t header_addr = rd32(hdr + 12), load_addr = rd32(hdr + 16);
	uint32_t load_end = rd32(hdr + 20), bss_end = rd32(hdr + 24);
	uint64_t lo = ~0ull, file_off;
	struct segment sg;

	if (load_addr > header_addr || header_addr - load_addr > hdr_off) {
		snprintf(err, errlen, "malformed kernel image: multiboot load_addr after header_addr");
		return -1;
	}
	file_off = hdr_off - (header_addr - load_addr);
	sg.paddr = sg.vaddr = load_addr;
	sg.off = file_off;
	sg.filesz = load_end ? (uint64_t)load_end - load_addr : len - file_off;
	if (load_end && load_end < load_addr) {
		snprintf(err, errlen, "malformed kernel image: multiboot load_end_addr before load_addr");
		return -1;
	}
	sg.memsz = sg.filesz;
	if (bss_end) {
		if (bss_end < load_addr + sg.filesz) {
			snprintf(err, errlen, "malformed kernel image: multiboot bss_end_addr before load end");
			return -1;
		}
		sg.memsz = (uint64_t)bss_end - load_addr;
	}
	*entry = rd32(hdr + 28);
	return copy_segment(bus, image, len, &sg, &lo, hi, err, errlen);
}

/* Find the header: 4-byte aligned, magic + flags + checksum summing to 0. */
static const uint8_t *find_header(const uint8_t *image, size_t len, size_t *off)
{
	for (size_t o = 0; o + 12 <= len && o < MB_SEARCH; o += 4) {
		const uint8_t *h = image + o;

		if (rd32(h) == MB_MAGIC && (uint32_t)(rd32(h) + rd32(h + 4) + rd32(h + 8)) == 0) {
			*off = o;
			return h;
		}
	}
	return NULL;
}

/* Append bytes to the info area, keeping it inside RAM. */
struct info_area {
	struct cpu_bus *bus;
	uint64_t base, next;
	char *err;
	size_t errlen;
};

static int64_t area_put(struct info_area *a, const void *data, size_t n, unsigned align)
{
	uint64_t at = (a->next + align - 1) & ~(uint64_t)(align - 1);
	uint8_t *p = ram_span(a->bus, at, n, a->err, a->errlen);

	if (!p)
		return -1;
	memcpy(p, data, n);
	a->next = at + n;
	return (int64_t)at;
}

static int64_t area_str(struct info_area *a, const char *s)
{
	return area_put(a, s, strlen(s) + 1, 1);
}

/* Modules: "-initrd file1 args,file2" -> one module per entry (QEMU's rules). */
static int load_modules(struct info_area *a, const char *initrd, uint64_t *mods_addr, uint32_t *count)
{
	gchar **list = g_strsplit(initrd, ",", -1);
	GByteArray *descs = g_byte_array_new();
	int rc = -1;

	*count = 0;
	for (gchar **e = list; *e; e++) {
		gchar *path = g_strndup(*e, strcspn(*e, " "));
		gchar *data = NULL;
		gsize size = 0;
		GError *gerr = NULL;
		int64_t at, str;
		uint8_t d[16];

		if (!*path || !g_file_get_contents(path, &data, &size, &gerr)) {
			snprintf(a->err, a->errlen, "-initrd: cannot read module '%s': %s", path,
				 gerr ? gerr->message : "empty name");
			g_clear_error(&gerr);
			g_free(path);
			goto out;
		}
		g_free(path);
		a->next = PAGE_UP(a->next);
		at = area_put(a, data, size, 4096);
		g_free(data);
		str = at < 0 ? -1 : area_str(a, *e);
		if (str < 0)
			goto out;
		wr32(d, (uint32_t)at);
		wr32(d + 4, (uint32_t)(at + size));
		wr32(d + 8, (uint32_t)str);
		wr32(d + 12, 0);
		g_byte_array_append(descs, d, 16);
		(*count)++;
	}
	if (*count) {
		int64_t at = area_put(a, descs->data, descs->len, 16);
		if (at < 0)
			goto out;
		*mods_addr = (uint64_t)at;
	}
	rc = 0;
out:
	g_byte_array_free(descs, TRUE);
	g_strfreev(list);
	return rc;
}

/* The BIOS-style memory map: low RAM, EBDA/ROM holes, RAM above 1 MiB, above 4 GiB. */
static int write_mmap(struct info_area *a, uint64_t *addr, uint32_t *len)
{
	const struct cpu_bus *bus = a->bus;
	uint64_t below = bus->ram_below_4g ? bus->ram_below_4g : bus->ram_size;
	struct { uint64_t base, len; uint32_t type; } r[5];
	unsigned n = 0;
	uint8_t buf[5 * 24];

	r[n++] = (typeof(r[0])){ 0, 0x9fc00, 1 };
	r[n++] = (typeof(r[0])){ 0x9fc00, 0x400, 2 };
	r[n++] = (typeof(r[0])){ 0xf0000, 0x10000, 2 };
	r[n++] = (typeof(r[0])){ 0x100000, below - 0x100000, 1 };
	if (bus->ram_size > below)
		r[n++] = (typeof(r[0])){ 1ull << 32, bus->ram_size - below, 1 };
	for (unsigned i = 0; i < n; i++) {
		wr32(buf + i * 24, 20);         /* size of the entry, not counting this field */
		wr64(buf + i * 24 + 4, r[i].base);
		wr64(buf + i * 24 + 12, r[i].len);
		wr32(buf + i * 24 + 20, r[i].type);
	}
	int64_t at = area_put(a, buf, n * 24, 8);
	if (at < 0)
		return -1;
	*addr = (uint64_t)at;
	*len = n * 24;
	return 0;
}

int multiboot_load(struct cpu_bus *bus, const uint8_t *image, size_t len,
		   const char *kernel_name, const char *append, const char *initrd,
		   struct boot_entry *out, char *err, size_t errlen)
{
	size_t hoff;
	const uint8_t *hdr = find_header(image, len, &hoff);
	uint32_t flags, entry = 0, nmods = 0, mmap_len = 0;
	uint64_t hi = 0, mods_addr = 0, mmap_addr = 0, below;
	uint8_t mbi[MBI_SIZE] = { 0 };
	struct info_area a = { .bus = bus, .err = err, .errlen = errlen };
	int64_t cmd, name, info, gdt;
	gchar *cmdline;
	/* null, unused, code 0x10 (32-bit, 4 GiB), data 0x18 */
	static const uint64_t flat_gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };

	if (!hdr)
		return LOAD_NOT_THIS_FORMAT;
	flags = rd32(hdr + 4);
	if (flags & 0xffff & ~MB_FLAGS_KNOWN) {
		snprintf(err, errlen, "multiboot header requires unsupported features (flags %#x)", flags);
		return LOAD_ERROR;
	}
	if (flags & MB_FLAG_AOUT) {
		if (hoff + 32 > len) {
			snprintf(err, errlen, "malformed kernel image: truncated multiboot header");
			return LOAD_ERROR;
		}
		if (load_aout(bus, image, len, hdr, hoff, &entry, &hi, err, errlen))
			return LOAD_ERROR;
	} else if (load_elf(bus, image, len, &entry, &hi, err, errlen)) {
		return LOAD_ERROR;
	}

	a.base = a.next = PAGE_UP(hi);
	if (initrd && *initrd && load_modules(&a, initrd, &mods_addr, &nmods))
		return LOAD_ERROR;
	cmdline = append && *append ? g_strdup_printf("%s %s", kernel_name, append) : g_strdup(kernel_name);
	cmd = area_str(&a, cmdline);
	g_free(cmdline);
	name = cmd < 0 ? -1 : area_str(&a, "elzero");
	if (name < 0 || write_mmap(&a, &mmap_addr, &mmap_len))
		return LOAD_ERROR;
	gdt = area_put(&a, flat_gdt, sizeof(flat_gdt), 16);
	if (gdt < 0)
		return LOAD_ERROR;

	below = bus->ram_below_4g ? bus->ram_below_4g : bus->ram_size;
	wr32(mbi, MBI_MEM | MBI_BOOTDEV | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER);
	wr32(mbi + 4, 640);                                     /* mem_lower, KiB */
	wr32(mbi + 8, (uint32_t)((below - 0x100000) >> 10));    /* mem_upper, KiB above 1 MiB */
	wr32(mbi + 12, 0x8000ffffu);                            /* boot_device: first disk */
	wr32(mbi + 16, (uint32_t)cmd);
	wr32(mbi + 20, nmods);
	wr32(mbi + 24, (uint32_t)mods_addr);
	wr32(mbi + 44, mmap_len);
	wr32(mbi + 48, (uint32_t)mmap_addr);
	wr32(mbi + 64, (uint32_t)name);
	info = area_put(&a, mbi, sizeof(mbi), 8);
	if (info < 0)
		return LOAD_ERROR;

	out->entry = entry;
	out->eax = MB_BOOT_MAGIC;
	out->ebx = (uint32_t)info;
	out->gdt_base = (uint32_t)gdt;
	out->high_water = a.next;
	return LOAD_OK;
}

static void flat_seg(struct seg_cache *sc, uint16_t sel, uint32_t type)
{
	sc->sel = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->attr = type | SEGA_S | SEGA_P | SEGA_DB | SEGA_G;
}

/* Multiboot spec 3.2, "Machine state". */
void multiboot_set_cpu(struct vcpu *v, const struct boot_entry *be)
{
	struct cpu_state *s = &v->s;

	s->cr0 = (s->cr0 | CR0_PE) & ~(CR0_PG | CR0_NW | CR0_CD);
	flat_seg(&s->seg[SEG_CS], 0x10, 0xb);
	for (unsigned i = 0; i < 6; i++)
		if (i != SEG_CS)
			flat_seg(&s->seg[i], 0x18, 0x3);
	s->gdtr.base = be->gdt_base;
	s->gdtr.limit = 4 * 8 - 1;
	s->rflags = RFLAGS_FIXED1;              /* IF and VM clear, flags zero */
	s->cc_op = CC_OP_EFLAGS;
	s->gpr[0] = be->eax;
	s->gpr[3] = be->ebx;
	s->rip = be->entry;
}
