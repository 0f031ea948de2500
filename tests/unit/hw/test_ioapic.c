/*
 * tests/unit/hw/test_ioapic.c - the I/O APIC through its MMIO window on the
 * machine bus, without a CPU: registers, edge and level inputs, masking, remote
 * IRR and EOI, polarity.
 */
#include "tests/unit/common/check_run.h"
#include "hw/ioapic.h"
#include "hw/machine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct ioapic io;
static struct cpu_bus *bus;
static unsigned sent;
static uint32_t last_dest;
static uint8_t last_vector;
static bool last_level, last_logical;

static void deliver(void *opaque, uint32_t dest, bool logical, unsigned mode, uint8_t vector,
		    bool level)
{
	(void)opaque;
	(void)mode;
	sent++;
	last_dest = dest;
	last_logical = logical;
	last_vector = vector;
	last_level = level;
}

static void sel(uint8_t r) { bus->mmio_write(bus->opaque, IOAPIC_BASE, 4, r); }
static uint32_t rd(uint8_t r) { sel(r); return (uint32_t)bus->mmio_read(bus->opaque, IOAPIC_BASE + 0x10, 4); }
static void wr(uint8_t r, uint32_t v) { sel(r); bus->mmio_write(bus->opaque, IOAPIC_BASE + 0x10, 4, v); }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	sent = 0;
	ioapic_init(&io, deliver, NULL);
	ck_assert_int_eq(machine_register_mmio(&m, IOAPIC_BASE, 0x1000, &io, ioapic_mmio_read,
					       ioapic_mmio_write), 0);
}

static void teardown(void) { machine_free_bus(&m); }

START_TEST(registers)
{
	ck_assert_uint_eq(rd(1), 0x170011);
	wr(0, 0x05000000);
	ck_assert_uint_eq(rd(0), 0x05000000);
	ck_assert_uint_eq(rd(0x10), 0x10000);           /* masked at reset */
	wr(0x11, 0x03000000);
	wr(0x10, 0x0000a830);                           /* logical, level, vector 0x30 */
	ck_assert_uint_eq(rd(0x10), 0xa830);
	ck_assert_uint_eq(rd(0x11), 0x03000000);
	wr(1, 0);                                       /* read-only */
	ck_assert_uint_eq(rd(1), 0x170011);
}
END_TEST

START_TEST(edge_and_mask)
{
	wr(0x14, 0x31);                 /* pin 2: edge, fixed, vector 0x31, unmasked */
	ioapic_set_irq(&io, 2, 1);
	ck_assert_uint_eq(sent, 1);
	ck_assert_uint_eq(last_vector, 0x31);
	ck_assert(!last_level);
	ioapic_set_irq(&io, 2, 1);      /* no new edge */
	ck_assert_uint_eq(sent, 1);
	ioapic_set_irq(&io, 2, 0);
	wr(0x14, 0x10031);              /* masked: edges are dropped */
	ioapic_set_irq(&io, 2, 1);
	ck_assert_uint_eq(sent, 1);
}
END_TEST

START_TEST(level_remote_irr_eoi)
{
	wr(0x21, 0x01000000);
	wr(0x20, 0x8040);               /* pin 8: level, vector 0x40, dest 1 */
	ioapic_set_irq(&io, 8, 1);
	ck_assert_uint_eq(sent, 1);
	ck_assert(last_level);
	ck_assert_uint_eq(last_dest, 1);
	ck_assert_uint_eq(rd(0x20) & 0x4000, 0x4000);   /* remote IRR */
	ioapic_eoi(&io, 0x41);          /* another vector: nothing */
	ck_assert_uint_eq(sent, 1);
	ioapic_eoi(&io, 0x40);          /* still asserted: sent again */
	ck_assert_uint_eq(sent, 2);
	ioapic_set_irq(&io, 8, 0);
	ioapic_eoi(&io, 0x40);
	ck_assert_uint_eq(sent, 2);
	ck_assert_uint_eq(rd(0x20) & 0x4000, 0);
	/* Active low: the input at 0 is asserted; unmasking sends it. */
	wr(0x22, 0x1a042);              /* pin 9: level, active low, masked */
	ioapic_set_irq(&io, 9, 0);
	ck_assert_uint_eq(sent, 2);
	wr(0x22, 0xa042);
	ck_assert_uint_eq(sent, 3);
	ck_assert_uint_eq(last_vector, 0x42);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("mmio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, registers);
	tcase_add_test(tc, edge_and_mask);
	tcase_add_test(tc, level_remote_irr_eoi);
	suite_add_tcase(s, tc);
	return check_run(s);
}
