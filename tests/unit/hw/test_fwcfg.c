/*
 * tests/unit/hw/test_fwcfg.c - fw_cfg through the port bus and guest RAM, without a
 * CPU: signature, ID, RAM size, CPU count, the file directory, DMA reads.
 */
#include "tests/unit/common/check_run.h"
#include "hw/fwcfg.h"
#include "hw/machine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct fwcfg f;
static struct cpu_bus *bus;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	fwcfg_init(&f, bus, 256ull << 20, 2, 4);
	ck_assert_int_eq(machine_register_pio(&m, 0x510, 2, &f, fwcfg_read, fwcfg_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x514, 8, &f, fwcfg_read, fwcfg_write), 0);
}

static void teardown(void)
{
	fwcfg_free(&f);
	machine_free_bus(&m);
}

static void sel(uint16_t key) { bus->pio_out(bus->opaque, 0x510, 2, key); }
static uint8_t in8(void) { return (uint8_t)bus->pio_in(bus->opaque, 0x511, 1); }

static uint64_t read_le(unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)in8() << (8 * i);
	return v;
}

START_TEST(port_interface)
{
	char sig[5] = { 0 };

	sel(0);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)in8();
	ck_assert_str_eq(sig, "QEMU");
	ck_assert_uint_eq(in8(), 0);                    /* past the end */
	sel(1);
	ck_assert_uint_eq(read_le(4), 3);
	sel(3);
	ck_assert_uint_eq(read_le(8), 256ull << 20);
	sel(5);
	ck_assert_uint_eq(read_le(2), 2);
	sel(0x0f);                                      /* max CPUs (-smp maxcpus=) */
	ck_assert_uint_eq(read_le(2), 4);
	sel(0x1234);
	ck_assert_uint_eq(in8(), 0);                    /* no such item */
}
END_TEST

START_TEST(file_directory)
{
	uint8_t e[64];

	ck_assert_int_eq(fwcfg_add_file(&f, "etc/test", "hello", 5), 0);
	sel(0x19);
	ck_assert_uint_eq(read_le(4), 0x01000000);      /* be32 count = 1 */
	for (int i = 0; i < 64; i++)
		e[i] = in8();
	ck_assert_uint_eq(e[3], 5);                     /* be32 size */
	ck_assert_uint_eq(e[4] << 8 | e[5], 0x20);      /* be16 select */
	ck_assert_str_eq((char *)e + 8, "etc/test");
	sel(0x20);
	ck_assert_uint_eq(in8(), 'h');
}
END_TEST

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

START_TEST(dma_read)
{
	uint8_t *ram = bus->ram;

	ck_assert_uint_eq(__builtin_bswap32(bus->pio_in(bus->opaque, 0x514, 4)), 0x51454d55);
	/* select RAM size (0x0003) and read 8 bytes to 0x2000; the request at 0x1000 */
	put_be32(ram + 0x1000, 0x00030000u | 8 | 2);
	put_be32(ram + 0x1004, 12);
	put_be32(ram + 0x1008, 0);
	put_be32(ram + 0x100c, 0x2000);
	memset(ram + 0x2000, 0xee, 16);
	bus->pio_out(bus->opaque, 0x514, 4, 0);
	bus->pio_out(bus->opaque, 0x518, 4, __builtin_bswap32(0x1000));
	ck_assert_uint_eq(ram[0x1000] | ram[0x1001] | ram[0x1002] | ram[0x1003], 0);  /* done */
	ck_assert_uint_eq(*(uint64_t *)(ram + 0x2000), 256ull << 20);
	ck_assert_uint_eq(*(uint32_t *)(ram + 0x2008), 0);     /* past the item: zeros */
	ck_assert_uint_eq(ram[0x200c], 0xee);
	/* A destination outside RAM is an error. */
	put_be32(ram + 0x1000, 0x00030000u | 8 | 2);
	put_be32(ram + 0x100c, 0xfff00000u);
	bus->pio_out(bus->opaque, 0x514, 4, 0);
	bus->pio_out(bus->opaque, 0x518, 4, __builtin_bswap32(0x1000));
	ck_assert_uint_eq(ram[0x1003], 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fwcfg");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, port_interface);
	tcase_add_test(tc, file_directory);
	tcase_add_test(tc, dma_read);
	suite_add_tcase(s, tc);
	return check_run(s);
}
