/*
 * tests/unit/hw/test_multiboot.c - the multiboot v1 loader, on a RAM bus without a CPU.
 */
#include "tests/unit/common/check_run.h"
#include "hw/loader.h"
#include "hw/machine.h"

#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct machine m;
static uint8_t img[16384];
static char err[256];

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 16 << 20), 0);
	memset(img, 0, sizeof(img));
}

static void teardown(void) { machine_free_bus(&m); }

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint32_t ram32(uint64_t a) { uint32_t v; memcpy(&v, m.bus.ram + a, 4); return v; }

static void mb_header(uint8_t *p, uint32_t flags)
{
	put32(p, 0x1badb002u);
	put32(p + 4, flags);
	put32(p + 8, (uint32_t)-(0x1badb002u + flags));
}

/* An ELF32 image: one PT_LOAD of 0x200 file bytes + 0x100 BSS at paddr 0x200000,
 * vaddr 0xc0200000, entry at vaddr + 0x10; multiboot header at file offset 0x100. */
static size_t make_elf32(void)
{
	memcpy(img, "\177ELF", 4);
	img[4] = 1; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);             /* ET_EXEC */
	put16(img + 18, 3);             /* EM_386 */
	put32(img + 24, 0xc0200010u);   /* e_entry */
	put32(img + 28, 52);            /* e_phoff */
	put16(img + 42, 32);
	put16(img + 44, 1);
	uint8_t *ph = img + 52;
	put32(ph, 1);
	put32(ph + 4, 0x1000);          /* p_offset */
	put32(ph + 8, 0xc0200000u);
	put32(ph + 12, 0x200000);
	put32(ph + 16, 0x200);
	put32(ph + 20, 0x300);
	mb_header(img + 0x100, 0x3);
	memset(img + 0x1000, 0xaa, 0x200);
	return 0x1200;
}

START_TEST(elf32_loads_segments_bss_and_info)
{
	struct boot_entry be;
	size_t len = make_elf32();

	memset(m.bus.ram + 0x200200, 0x55, 0x100);      /* BSS must be zeroed */
	ck_assert_int_eq(multiboot_load(&m.bus, img, len, "k.elf", "a=1 b", NULL, &be, err, sizeof(err)), LOAD_OK);
	ck_assert_uint_eq(be.entry, 0x200010);
	ck_assert_uint_eq(be.eax, 0x2badb002u);
	ck_assert_uint_eq(m.bus.ram[0x200000], 0xaa);
	ck_assert_uint_eq(m.bus.ram[0x2001ff], 0xaa);
	ck_assert_uint_eq(m.bus.ram[0x200200], 0);
	ck_assert_uint_eq(m.bus.ram[0x2002ff], 0);
	/* The info structure sits above the kernel. */
	ck_assert_uint_ge(be.ebx, 0x200300);
	uint32_t flags = ram32(be.ebx);
	ck_assert(flags & (1u << 0));
	ck_assert(flags & (1u << 2));
	ck_assert(flags & (1u << 6));
	ck_assert_uint_eq(ram32(be.ebx + 4), 640);
	ck_assert_uint_eq(ram32(be.ebx + 8), (16 << 10) - 1024);
	ck_assert_str_eq((char *)m.bus.ram + ram32(be.ebx + 16), "k.elf a=1 b");
	ck_assert_uint_eq(ram32(be.ebx + 20), 0);               /* no modules */
	/* Memory map: entries of size 20; the RAM above 1 MiB is type 1. */
	uint32_t mm = ram32(be.ebx + 48), mmlen = ram32(be.ebx + 44);
	ck_assert_uint_eq(mmlen % 24, 0);
	int found = 0;
	for (uint32_t o = 0; o < mmlen; o += 24) {
		uint64_t base, l;
		memcpy(&base, m.bus.ram + mm + o + 4, 8);
		memcpy(&l, m.bus.ram + mm + o + 12, 8);
		if (base == 0x100000 && l == (16u << 20) - 0x100000 && ram32(mm + o + 20) == 1)
			found = 1;
	}
	ck_assert(found);
	ck_assert_str_eq((char *)m.bus.ram + ram32(be.ebx + 64), "elzero");
}
END_TEST

START_TEST(modules_from_initrd_list)
{
	struct boot_entry be;
	size_t len = make_elf32();
	char p1[] = "/tmp/elzero-mbXXXXXX", p2[] = "/tmp/elzero-mbXXXXXX";
	int f1 = mkstemp(p1), f2 = mkstemp(p2);
	char spec[128];

	ck_assert(f1 >= 0 && f2 >= 0);
	ck_assert_int_eq(write(f1, "first", 5), 5);
	ck_assert_int_eq(write(f2, "second!", 7), 7);
	close(f1);
	close(f2);
	snprintf(spec, sizeof(spec), "%s arg1 arg2,%s", p1, p2);
	ck_assert_int_eq(multiboot_load(&m.bus, img, len, "k", NULL, spec, &be, err, sizeof(err)), LOAD_OK);
	ck_assert_uint_eq(ram32(be.ebx + 20), 2);
	uint32_t mods = ram32(be.ebx + 24);
	uint32_t s0 = ram32(mods), e0 = ram32(mods + 4), s1 = ram32(mods + 16), e1 = ram32(mods + 20);
	ck_assert_uint_eq(s0 % 4096, 0);                        /* page aligned (flag 0) */
	ck_assert_uint_eq(e0 - s0, 5);
	ck_assert_uint_eq(e1 - s1, 7);
	ck_assert(!memcmp(m.bus.ram + s0, "first", 5));
	ck_assert(!memcmp(m.bus.ram + s1, "second!", 7));
	char want[128];
	snprintf(want, sizeof(want), "%s arg1 arg2", p1);
	ck_assert_str_eq((char *)m.bus.ram + ram32(mods + 8), want);
	ck_assert_str_eq((char *)m.bus.ram + ram32(be.ebx + 16), "k");
	unlink(p1);
	unlink(p2);
	ck_assert_int_eq(multiboot_load(&m.bus, img, len, "k", NULL, "/nonexistent/x", &be, err, sizeof(err)),
			 LOAD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x"));
}
END_TEST

START_TEST(aout_kludge)
{
	struct boot_entry be;

	/* header at file offset 8, header_addr 0x100008: the file loads at 0x100000. */
	mb_header(img + 8, 0x10000);
	put32(img + 8 + 12, 0x100008);
	put32(img + 8 + 16, 0x100000);
	put32(img + 8 + 20, 0x100100);  /* load_end */
	put32(img + 8 + 24, 0x100200);  /* bss_end */
	put32(img + 8 + 28, 0x100040);  /* entry */
	img[0x40] = 0xf4;
	memset(m.bus.ram + 0x100100, 0x77, 0x100);
	ck_assert_int_eq(multiboot_load(&m.bus, img, 0x400, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_OK);
	ck_assert_uint_eq(be.entry, 0x100040);
	ck_assert_uint_eq(m.bus.ram[0x100040], 0xf4);
	ck_assert_uint_eq(m.bus.ram[0x100100], 0);
	ck_assert_uint_eq(m.bus.ram[0x1001ff], 0);
}
END_TEST

START_TEST(malformed_images_are_refused)
{
	struct boot_entry be;
	size_t len;

	/* no header */
	ck_assert_int_eq(multiboot_load(&m.bus, img, 4096, "k", NULL, NULL, &be, err, sizeof(err)),
			 LOAD_NOT_THIS_FORMAT);
	/* bad checksum is not a header */
	mb_header(img, 0);
	put32(img + 8, 1);
	ck_assert_int_eq(multiboot_load(&m.bus, img, 4096, "k", NULL, NULL, &be, err, sizeof(err)),
			 LOAD_NOT_THIS_FORMAT);
	/* header but not ELF and no a.out fields */
	mb_header(img, 0);
	ck_assert_int_eq(multiboot_load(&m.bus, img, 4096, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "malformed"));
	/* segment beyond the end of the file */
	memset(img, 0, sizeof(img));
	len = make_elf32();
	ck_assert_int_eq(multiboot_load(&m.bus, img, 0x1100, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "outside the file"));
	/* segment outside RAM */
	put32(img + 52 + 12, 0x7f000000);
	ck_assert_int_eq(multiboot_load(&m.bus, img, len, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "outside RAM"));
	/* program header table past the end */
	memset(img, 0, sizeof(img));
	len = make_elf32();
	put16(img + 44, 60000);
	ck_assert_int_eq(multiboot_load(&m.bus, img, len, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
	/* mandatory flag we cannot honour */
	memset(img, 0, sizeof(img));
	mb_header(img, 0x8);
	ck_assert_int_eq(multiboot_load(&m.bus, img, 4096, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "unsupported"));
	/* a.out load_addr after header_addr */
	memset(img, 0, sizeof(img));
	mb_header(img + 8, 0x10000);
	put32(img + 8 + 12, 0x100000);
	put32(img + 8 + 16, 0x100010);
	ck_assert_int_eq(multiboot_load(&m.bus, img, 0x400, "k", NULL, NULL, &be, err, sizeof(err)), LOAD_ERROR);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, elf32_loads_segments_bss_and_info);
	tcase_add_test(tc, modules_from_initrd_list);
	tcase_add_test(tc, aout_kludge);
	tcase_add_test(tc, malformed_images_are_refused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
