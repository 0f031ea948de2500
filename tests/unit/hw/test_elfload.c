/*
 * tests/unit/hw/test_elfload.c - the plain ELF and raw loaders on a RAM bus: good
 * ELF32 and ELF64 images, and each malformed case refused with its message before
 * guest RAM is written.
 */
#include "tests/unit/common/check_run.h"
#include "hw/loader.h"
#include "hw/machine.h"

#include <check.h>
#include <string.h>

static struct machine m;
static uint8_t img[8192];
static char err[256];
static struct boot_entry be;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 16 << 20), 0);
	memset(img, 0, sizeof(img));
	err[0] = 0;
}

static void teardown(void) { machine_free_bus(&m); }

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* ELF32: phdrs at 52; segment 0: 0x100 file bytes at offset 0x1000 to 0x200000 (vaddr
 * 0xc0200000), memsz 0x200; entry vaddr 0xc0200010. */
static void elf32(unsigned nph)
{
	memcpy(img, "\177ELF", 4);
	img[4] = 1; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);
	put16(img + 18, 3);
	put32(img + 24, 0xc0200010u);
	put32(img + 28, 52);
	put16(img + 42, 32);
	put16(img + 44, (uint16_t)nph);
	for (unsigned i = 0; i < nph; i++) {
		uint8_t *ph = img + 52 + 32 * i;

		put32(ph, 1);
		put32(ph + 4, 0x1000);
		put32(ph + 8, 0xc0200000u + 0x10000 * i);
		put32(ph + 12, 0x200000 + 0x10000 * i);
		put32(ph + 16, 0x100);
		put32(ph + 20, 0x200);
	}
	memset(img + 0x1000, 0x90, 0x100);
}

static uint8_t *ph32(unsigned i) { return img + 52 + 32 * i; }

static int load(size_t len) { return elf_load(&m.bus, img, len, &be, err, sizeof(err)); }

static void expect_error(size_t len, const char *msg)
{
	ck_assert_int_eq(load(len), LOAD_ERROR);
	ck_assert_msg(strstr(err, msg), "message '%s' lacks '%s'", err, msg);
	ck_assert_uint_eq(m.bus.ram[0x200000], 0);      /* nothing was loaded */
}

START_TEST(elf32_loads)
{
	elf32(1);
	m.bus.ram[0x200150] = 0xff;
	ck_assert_int_eq(load(sizeof(img)), LOAD_OK);
	ck_assert_uint_eq(be.entry, 0x200010);
	ck_assert_uint_eq(m.bus.ram[0x2000ff], 0x90);
	ck_assert_uint_eq(m.bus.ram[0x200150], 0);      /* BSS zeroed */
	ck_assert_uint_eq(be.long_mode_tables, 0);
	ck_assert_uint_eq(be.gdt_base, 0x201000);
	ck_assert_uint_eq(m.bus.ram[be.gdt_base + 0x10 + 5], 0x9b);     /* code at 0x10 */
}
END_TEST

START_TEST(elf64_loads_with_identity_map)
{
	uint64_t pml4e, pde;

	memcpy(img, "\177ELF", 4);
	img[4] = 2; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);
	put16(img + 18, 62);
	put64(img + 24, 0x300004);
	put64(img + 32, 64);
	put16(img + 54, 56);
	put16(img + 56, 1);
	put32(img + 64, 1);
	put64(img + 64 + 8, 0x1000);
	put64(img + 64 + 16, 0x300000);
	put64(img + 64 + 24, 0x300000);
	put64(img + 64 + 32, 0x10);
	put64(img + 64 + 40, 0x1800);
	ck_assert_int_eq(load(sizeof(img)), LOAD_OK);
	ck_assert_uint_eq(be.entry, 0x300004);
	ck_assert_uint_eq(be.long_mode_tables, 0x302000);
	memcpy(&pml4e, m.bus.ram + 0x302000, 8);
	ck_assert_uint_eq(pml4e, 0x303003);
	memcpy(&pde, m.bus.ram + 0x302000 + 3 * 4096 + 8, 8);          /* PD 1, entry 1 */
	ck_assert_uint_eq(pde, (1ull << 30 | 1ull << 21) | 0x83);
	ck_assert_uint_eq(be.high_water, 0x302000 + 7 * 4096);
}
END_TEST

START_TEST(not_elf)
{
	memcpy(img, "MZ", 2);
	ck_assert_int_eq(load(sizeof(img)), LOAD_NOT_THIS_FORMAT);
}
END_TEST

START_TEST(truncated_header)
{
	elf32(1);
	expect_error(40, "truncated ELF header");
	img[4] = 2;
	expect_error(60, "truncated ELF header");
}
END_TEST

START_TEST(wrong_machine_or_type)
{
	elf32(1);
	put16(img + 18, 62);
	expect_error(sizeof(img), "not i386");
	put16(img + 18, 3);
	put16(img + 16, 3);             /* ET_DYN */
	expect_error(sizeof(img), "not an executable");
	put16(img + 16, 2);
	img[5] = 2;                     /* big-endian */
	expect_error(sizeof(img), "little-endian");
}
END_TEST

START_TEST(program_headers_beyond_file)
{
	elf32(1);
	put32(img + 28, sizeof(img) - 16);
	expect_error(sizeof(img), "program header table outside the file");
	put32(img + 28, 52);
	put16(img + 42, 16);            /* entries too small */
	expect_error(sizeof(img), "program header table outside the file");
}
END_TEST

START_TEST(segment_beyond_file)
{
	elf32(1);
	expect_error(0x1080, "beyond the file");
	put32(ph32(0) + 4, 0xfffffff0u);
	expect_error(sizeof(img), "beyond the file");
	put32(ph32(0) + 4, 0x1000);
	put32(ph32(0) + 16, 0x300);     /* filesz > memsz */
	expect_error(sizeof(img), "memory size");
}
END_TEST

START_TEST(segment_in_hole_or_outside_ram)
{
	elf32(2);
	put32(ph32(1) + 12, 0x9ff00);   /* the second segment crosses 0xa0000 */
	expect_error(sizeof(img), "overlaps the 0xa0000-0xfffff hole");
	put32(ph32(1) + 12, 0xfff000);  /* ends past 16 MiB of RAM */
	put32(ph32(1) + 20, 0x2000);
	expect_error(sizeof(img), "outside RAM");
	put32(ph32(1) + 12, 0xfffffff0u);
	expect_error(sizeof(img), "outside RAM");
}
END_TEST

START_TEST(zero_length_and_entry)
{
	elf32(1);
	put32(ph32(0) + 16, 0);
	put32(ph32(0) + 20, 0);
	expect_error(sizeof(img), "no loadable segment");
	elf32(1);
	put32(img + 24, 0xc0300000u);
	expect_error(sizeof(img), "entry point 0xc0300000 is in no loadable segment");
}
END_TEST

START_TEST(raw_images)
{
	static const uint8_t code[4] = { 0xf4, 0xeb, 0xfd, 0x90 };

	ck_assert_int_eq(raw_load(&m.bus, code, 4, 0x100000, err, sizeof(err)), LOAD_OK);
	ck_assert_uint_eq(m.bus.ram[0x100001], 0xeb);
	ck_assert_int_eq(raw_load(&m.bus, code, 0, 0x100000, err, sizeof(err)), LOAD_ERROR);
	ck_assert(strstr(err, "empty"));
	ck_assert_int_eq(raw_load(&m.bus, code, 4, 0xb8000, err, sizeof(err)), LOAD_ERROR);
	ck_assert(strstr(err, "hole"));
	ck_assert_int_eq(raw_load(&m.bus, code, 4, (16 << 20) - 2, err, sizeof(err)), LOAD_ERROR);
	ck_assert(strstr(err, "outside RAM"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elfload");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, elf32_loads);
	tcase_add_test(tc, elf64_loads_with_identity_map);
	tcase_add_test(tc, not_elf);
	tcase_add_test(tc, truncated_header);
	tcase_add_test(tc, wrong_machine_or_type);
	tcase_add_test(tc, program_headers_beyond_file);
	tcase_add_test(tc, segment_beyond_file);
	tcase_add_test(tc, segment_in_hole_or_outside_ram);
	tcase_add_test(tc, zero_length_and_entry);
	tcase_add_test(tc, raw_images);
	suite_add_tcase(s, tc);
	return check_run(s);
}
