/*
 * hw/linuxboot.c - the Linux x86 boot protocol (Documentation/x86/boot.rst and
 * zero-page.rst), 32-bit entry: what a boot loader such as QEMU's -kernel does for
 * a bzImage.
 */
#include "hw/loader.h"
#include "hw/pci.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BOOT_PARAMS  0x10000u   /* the zero page */
#define CMDLINE_ADDR 0x20000u
#define GDT_ADDR     0x8000u
#define KERNEL_ADDR  0x100000u

/* boot_params offsets (zero-page.rst) and setup header fields (boot.rst) */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128
#define HDR_SETUP_SECTS      0x1f1
#define HDR_JUMP_END         0x201      /* 0x202 + this byte: the header's end */
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_CMDLINE_SIZE     0x238
#define HDR_INIT_SIZE        0x260
#define LOADED_HIGH   0x01
#define CAN_USE_HEAP  0x80

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return LOAD_ERROR;
}

/* The memory map a PC BIOS reports through E820 (as QEMU's SeaBIOS does). */
static unsigned build_e820(const struct cpu_bus *bus, uint8_t *table)
{
	const struct { uint64_t addr, size; uint32_t type; } map[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },                  /* extended BIOS data area */
		{ 0xe0000, 0x20000, 2 },                /* BIOS area: ACPI tables, ROM */
		{ 0x100000, bus->ram_below_4g - 0x100000, 1 },
		{ PCI_ECAM_BASE, PCI_ECAM_SIZE, 2 },    /* PCI ECAM (the MCFG table's) */
		{ 0xfec00000, 0x1000, 2 },              /* IOAPIC */
		{ 0xfee00000, 0x1000, 2 },              /* local APIC */
		{ 1ull << 32, bus->ram_size - bus->ram_below_4g, 1 },
	};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!map[i].size)
			continue;
		put64(table + 20 * n, map[i].addr);
		put64(table + 20 * n + 8, map[i].size);
		put32(table + 20 * n + 16, map[i].type);
		n++;
	}
	return n;
}

int linux_load(struct cpu_bus *bus, const uint8_t *image, size_t len, const char *append,
	       const uint8_t *initrd, size_t initrd_len, struct boot_entry *out, char *err,
	       size_t errlen)
{
	static const uint64_t flat_gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	unsigned setup_sects, hdr_end, cmdline_max;
	uint16_t version;
	size_t pm_off, pm_len, cmd_len = append ? strlen(append) : 0;
	uint32_t code32, init_size, initrd_max, initrd_addr = 0;
	uint8_t *bp, *dst, *gdt, *cmd;

	if (len < 0x264 || memcmp(image + 0x202, "HdrS", 4))
		return LOAD_NOT_THIS_FORMAT;
	version = le16(image + HDR_VERSION);
	if (version < 0x0206)
		return fail(err, errlen, "Linux boot protocol %u.%02u is too old (2.06 or later)",
			    version >> 8, version & 0xff);
	if (!(image[HDR_LOADFLAGS] & LOADED_HIGH))
		return fail(err, errlen, "a zImage (not loaded high) is not supported; use a bzImage");
	setup_sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4;
	pm_off = (size_t)(setup_sects + 1) * 512;
	if (pm_off >= len)
		return fail(err, errlen, "truncated bzImage (setup of %zu bytes, file of %zu)", pm_off, len);
	pm_len = len - pm_off;
	code32 = le32(image + HDR_CODE32_START);
	init_size = version >= 0x020a ? le32(image + HDR_INIT_SIZE) : 0;
	if (code32 != KERNEL_ADDR)
		return fail(err, errlen, "code32_start %#x: only kernels loaded at 1 MiB are supported",
			    code32);
	if ((uint64_t)KERNEL_ADDR + (init_size > pm_len ? init_size : pm_len) > bus->ram_below_4g)
		return fail(err, errlen, "the kernel needs %u MiB of RAM from 1 MiB on; give more -m",
			    (unsigned)((init_size > pm_len ? init_size : pm_len) >> 20) + 1);
	dst = cpu_bus_ram_ptr(bus, KERNEL_ADDR, pm_len);
	bp = cpu_bus_ram_ptr(bus, BOOT_PARAMS, 0x1000);
	gdt = cpu_bus_ram_ptr(bus, GDT_ADDR, sizeof(flat_gdt));
	cmdline_max = le32(image + HDR_CMDLINE_SIZE);
	if (cmd_len > cmdline_max || cmd_len > 0xffff)
		return fail(err, errlen, "-append: the command line is longer than the kernel's %u bytes",
			    cmdline_max);
	cmd = cpu_bus_ram_ptr(bus, CMDLINE_ADDR, cmd_len + 1);
	if (!dst || !bp || !gdt || !cmd)
		return fail(err, errlen, "not enough RAM for the kernel");
	memcpy(dst, image + pm_off, pm_len);
	memset(bp, 0, 0x1000);
	/* The setup header goes into boot_params at the same offset. */
	hdr_end = 0x202 + image[HDR_JUMP_END];
	if (hdr_end > 0x1000 || hdr_end > len)
		hdr_end = len < 0x1000 ? (unsigned)len : 0x1000;
	memcpy(bp + HDR_SETUP_SECTS, image + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xff;          /* "undefined" boot loader */
	bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	bp[HDR_HEAP_END_PTR] = 0x00;
	bp[HDR_HEAP_END_PTR + 1] = 0xfe;        /* 0xfe00, as in boot.rst's example */
	memcpy(cmd, append ? append : "", cmd_len + 1);
	put32(bp + HDR_CMD_LINE_PTR, CMDLINE_ADDR);
	put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	if (initrd) {
		uint64_t top = bus->ram_below_4g;
		uint8_t *rd;

		initrd_max = le32(image + HDR_INITRD_ADDR_MAX);
		if (initrd_max && (uint64_t)initrd_max + 1 < top)
			top = (uint64_t)initrd_max + 1;
		if (initrd_len > top)
			return fail(err, errlen, "-initrd: %zu bytes do not fit below %#llx", initrd_len,
				    (unsigned long long)top);
		initrd_addr = (uint32_t)((top - initrd_len) & ~0xfffull);
		if (initrd_addr < KERNEL_ADDR + (init_size > pm_len ? init_size : pm_len))
			return fail(err, errlen, "-initrd: %zu bytes do not fit beside the kernel; give more -m",
				    initrd_len);
		rd = cpu_bus_ram_ptr(bus, initrd_addr, initrd_len);
		if (!rd)
			return fail(err, errlen, "-initrd: not RAM at %#x", initrd_addr);
		memcpy(rd, initrd, initrd_len);
		put32(bp + HDR_RAMDISK_IMAGE, initrd_addr);
		put32(bp + HDR_RAMDISK_SIZE, (uint32_t)initrd_len);
		put32(bp + BP_EXT_RAMDISK_IMAGE, 0);
		put32(bp + BP_EXT_RAMDISK_SIZE, 0);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)build_e820(bus, bp + BP_E820_TABLE);
	memcpy(gdt, flat_gdt, sizeof(flat_gdt));
	memset(out, 0, sizeof(*out));
	out->entry = code32;
	out->esi = BOOT_PARAMS;
	out->gdt_base = GDT_ADDR;
	out->high_water = KERNEL_ADDR + (init_size > pm_len ? init_size : pm_len);
	return LOAD_OK;
}

void linux_set_cpu(struct vcpu *v, const struct boot_entry *be)
{
	multiboot_set_cpu(v, be);       /* the same flat 32-bit state, CS 0x10, data 0x18 */
	v->s.gpr[0] = 0;
	v->s.gpr[3] = 0;                /* EBX, EBP, EDI must be zero */
	v->s.gpr[5] = 0;
	v->s.gpr[7] = 0;
	v->s.gpr[6] = be->esi;
}
