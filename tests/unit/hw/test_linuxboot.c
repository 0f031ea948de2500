/*
 * tests/unit/hw/test_linuxboot.c - the Linux boot protocol loader on a synthetic
 * bzImage (header, protected-mode kernel, boot_params, E820, command line,
 * initrd), and on the payload's real Debian kernel when out/payload has one.
 */
#include "tests/unit/common/check_run.h"
#include "hw/loader.h"
#include "hw/machine.h"

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct cpu_bus *bus;
static uint8_t image[0x2000];

static uint32_t rd32(uint64_t pa) { uint32_t v; memcpy(&v, cpu_bus_ram_ptr(bus, pa, 4), 4); return v; }
static uint64_t rd64(uint64_t pa) { uint64_t v; memcpy(&v, cpu_bus_ram_ptr(bus, pa, 8), 8); return v; }
static void put16(unsigned off, uint16_t v) { memcpy(image + off, &v, 2); }
static void put32(unsigned off, uint32_t v) { memcpy(image + off, &v, 4); }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 64 << 20), 0);
	bus = &m.bus;
	memset(image, 0, sizeof(image));
	image[0x1f1] = 3;                       /* setup sectors: kernel at 0x800 */
	memcpy(image + 0x202, "HdrS", 4);
	image[0x201] = 0x6a;                    /* header ends at 0x26c */
	put16(0x206, 0x020f);
	image[0x211] = 0x01;                    /* LOADED_HIGH */
	put32(0x214, 0x100000);
	put32(0x22c, 0x7fffffff);               /* initrd_addr_max */
	put32(0x238, 255);                      /* cmdline_size */
	put32(0x260, 0x400000);                 /* init_size */
	for (unsigned i = 0x800; i < sizeof(image); i++)
		image[i] = (uint8_t)i;
}

static void teardown(void) { machine_free_bus(&m); }

START_TEST(synthetic_bzimage)
{
	static const uint8_t initrd[5000] = { 1, 2, 3 };
	struct boot_entry be;
	char err[256] = "";
	uint64_t bp, rdaddr;

	ck_assert_int_eq(linux_load(bus, image, sizeof(image), "console=ttyS0", initrd, sizeof(initrd),
				    &be, err, sizeof(err)), LOAD_OK);
	ck_assert_uint_eq(be.entry, 0x100000);
	bp = be.esi;
	ck_assert(!memcmp(cpu_bus_ram_ptr(bus, 0x100000, 0x1800), image + 0x800, 0x1800));
	ck_assert_uint_eq(rd32(bp + 0x202), 0x53726448);        /* header copied */
	ck_assert_uint_eq(*cpu_bus_ram_ptr(bus, bp + 0x210, 1), 0xff);
	ck_assert_uint_eq(*cpu_bus_ram_ptr(bus, bp + 0x211, 1), 0x81);
	ck_assert_str_eq((char *)cpu_bus_ram_ptr(bus, rd32(bp + 0x228), 14), "console=ttyS0");
	rdaddr = rd32(bp + 0x218);
	ck_assert_uint_eq(rd32(bp + 0x21c), sizeof(initrd));
	ck_assert_uint_eq(rdaddr & 0xfff, 0);
	ck_assert_uint_ge(rdaddr, 0x500000);
	ck_assert_uint_le(rdaddr + sizeof(initrd), 64 << 20);
	ck_assert_uint_eq(*cpu_bus_ram_ptr(bus, rdaddr + 2, 1), 3);
	/* E820: low RAM, EBDA, BIOS, RAM from 1 MiB, PCI ECAM, IOAPIC, LAPIC */
	ck_assert_uint_eq(*cpu_bus_ram_ptr(bus, bp + 0x1e8, 1), 7);
	ck_assert_uint_eq(rd64(bp + 0x2d0 + 4 * 20), 0xe0000000u);
	ck_assert_uint_eq(rd32(bp + 0x2d0 + 4 * 20 + 16), 2);
	ck_assert_uint_eq(rd64(bp + 0x2d0 + 3 * 20), 0x100000);
	ck_assert_uint_eq(rd64(bp + 0x2d0 + 3 * 20 + 8), (64 << 20) - 0x100000);
	ck_assert_uint_eq(rd32(bp + 0x2d0 + 3 * 20 + 16), 1);
}
END_TEST

START_TEST(refused_images)
{
	struct boot_entry be;
	char err[256] = "";
	char longline[300];

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	ck_assert_int_eq(linux_load(bus, image, sizeof(image), longline, NULL, 0, &be, err,
				    sizeof(err)), LOAD_ERROR);
	put16(0x206, 0x0204);
	ck_assert_int_eq(linux_load(bus, image, sizeof(image), NULL, NULL, 0, &be, err, sizeof(err)),
			 LOAD_ERROR);
	put16(0x206, 0x020f);
	image[0x211] = 0;
	ck_assert_int_eq(linux_load(bus, image, sizeof(image), NULL, NULL, 0, &be, err, sizeof(err)),
			 LOAD_ERROR);
	image[0x211] = 1;
	image[0x1f1] = 20;                      /* setup longer than the file */
	ck_assert_int_eq(linux_load(bus, image, sizeof(image), NULL, NULL, 0, &be, err, sizeof(err)),
			 LOAD_ERROR);
	memset(image + 0x202, 0, 4);
	ck_assert_int_eq(linux_load(bus, image, sizeof(image), NULL, NULL, 0, &be, err, sizeof(err)),
			 LOAD_NOT_THIS_FORMAT);
}
END_TEST

/* The real kernel from scripts/build-linux-payload, if it has been built. */
START_TEST(payload_kernel)
{
	gchar *path = g_build_filename(ELZERO_SOURCE_DIR, "out", "payload", "bzImage", NULL);
	gchar *data = NULL;
	gsize len = 0;
	struct boot_entry be;
	char err[256] = "";
	uint16_t version;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		g_free(path);
		return;                         /* no payload here: nothing to check */
	}
	machine_free_bus(&m);
	ck_assert_int_eq(machine_init_bus(&m, 256 << 20), 0);
	bus = &m.bus;
	ck_assert_int_eq(linux_load(bus, (const uint8_t *)data, len, "console=ttyS0", NULL, 0, &be,
				    err, sizeof(err)), LOAD_OK);
	memcpy(&version, cpu_bus_ram_ptr(bus, be.esi + 0x206, 2), 2);
	ck_assert_uint_ge(version, 0x020f);
	ck_assert_uint_eq(be.entry, 0x100000);
	g_free(data);
	g_free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("linuxboot");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, synthetic_bzimage);
	tcase_add_test(tc, refused_images);
	tcase_add_test(tc, payload_kernel);
	suite_add_tcase(s, tc);
	return check_run(s);
}
