/*
 * tests/unit/hw/test_i8259.c - the cascaded 8259A PICs and the ELCR through the
 * machine's port-I/O bus and the CPU's INTR/INTA callbacks, without a CPU.
 */
#include "tests/unit/common/check_run.h"
#include "hw/i8259.h"
#include "hw/machine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct i8259 pic;
static struct cpu_bus *bus;

static void out8(uint16_t port, uint8_t v) { bus->pio_out(bus->opaque, port, 1, v); }
static uint8_t in8(uint16_t port) { return (uint8_t)bus->pio_in(bus->opaque, port, 1); }

/* As a BIOS does: vectors 0x08/0x70, slave on IR2, 8086 mode. */
static void pic_program(uint8_t icw4)
{
	out8(0x20, 0x11);
	out8(0xa0, 0x11);
	out8(0x21, 0x08);
	out8(0xa1, 0x70);
	out8(0x21, 0x04);
	out8(0xa1, 0x02);
	out8(0x21, icw4);
	out8(0xa1, icw4);
	out8(0x21, 0x00);
	out8(0xa1, 0x00);
}

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	i8259_init(&pic);
	ck_assert_int_eq(machine_register_pio(&m, 0x20, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0xa0, 2, &pic, i8259_read, i8259_write), 0);
	ck_assert_int_eq(machine_register_pio(&m, 0x4d0, 2, &pic, i8259_elcr_read, i8259_elcr_write), 0);
	pic_program(0x01);
}

static void teardown(void) { machine_free_bus(&m); }

static uint8_t read_isr(uint16_t port) { out8(port, 0x0b); return in8(port); }
static uint8_t read_irr(uint16_t port) { out8(port, 0x0a); return in8(port); }

START_TEST(edge_request_ack_eoi)
{
	ck_assert(!i8259_intr_pending(&pic));
	irq_set(&pic.irq[1], 1);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(read_irr(0x20), 0x02);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x09);
	ck_assert_uint_eq(read_isr(0x20), 0x02);
	ck_assert_uint_eq(read_irr(0x20), 0x00);       /* the edge was consumed */
	ck_assert(!i8259_intr_pending(&pic));
	/* The line stays high: no new edge, no new request after EOI. */
	out8(0x20, 0x20);
	ck_assert_uint_eq(read_isr(0x20), 0);
	ck_assert(!i8259_intr_pending(&pic));
	irq_set(&pic.irq[1], 0);
	irq_set(&pic.irq[1], 1);
	ck_assert(i8259_intr_pending(&pic));
}
END_TEST

START_TEST(priority_and_nesting)
{
	irq_set(&pic.irq[3], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0b);
	/* A lower priority request waits while IR3 is in service; a higher one nests. */
	irq_set(&pic.irq[5], 1);
	ck_assert(!i8259_intr_pending(&pic));
	irq_set(&pic.irq[0], 1);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x08);
	ck_assert_uint_eq(read_isr(0x20), 0x09);
	out8(0x20, 0x20);               /* non-specific EOI ends the highest: IR0 */
	ck_assert_uint_eq(read_isr(0x20), 0x08);
	ck_assert(!i8259_intr_pending(&pic));
	out8(0x20, 0x63);               /* specific EOI for IR3 */
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0d);
}
END_TEST

START_TEST(mask_and_spurious)
{
	out8(0x21, 0x10);
	ck_assert_uint_eq(in8(0x21), 0x10);
	irq_set(&pic.irq[4], 1);
	ck_assert(!i8259_intr_pending(&pic));
	ck_assert_uint_eq(read_irr(0x20), 0x10);
	/* INTA with nothing to give: spurious IR7, nothing in service. */
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0f);
	ck_assert_uint_eq(read_isr(0x20), 0);
	out8(0x21, 0x00);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0c);
}
END_TEST

START_TEST(cascade_through_ir2)
{
	irq_set(&pic.irq[8 + 6], 1);   /* IRQ14 */
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x76);
	ck_assert_uint_eq(read_isr(0x20), 0x04);
	ck_assert_uint_eq(read_isr(0xa0), 0x40);
	/* Masking the cascade input hides the slave. */
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	irq_set(&pic.irq[8 + 6], 0);
	out8(0x21, 0x04);
	irq_set(&pic.irq[8 + 6], 1);
	ck_assert(!i8259_intr_pending(&pic));
	out8(0x21, 0x00);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x76);
}
END_TEST

START_TEST(level_triggered_through_elcr)
{
	bus->pio_out(bus->opaque, 0x4d0, 2, 0xffff);
	ck_assert_uint_eq(bus->pio_in(bus->opaque, 0x4d0, 2), 0xdef8);   /* IRQ0-2, 8, 13 edge */
	irq_set(&pic.irq[10], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x72);
	out8(0xa0, 0x20);
	out8(0x20, 0x20);
	/* Still high: requested again at once. */
	ck_assert(i8259_intr_pending(&pic));
	/* The line drops before INTA: the master's IR2 edge is latched, the slave has
	 * nothing: a spurious IRQ15, nothing in service (8259A data sheet). */
	irq_set(&pic.irq[10], 0);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x77);
	ck_assert_uint_eq(read_isr(0xa0), 0);
	ck_assert(!i8259_intr_pending(&pic));
}
END_TEST

START_TEST(auto_eoi_and_rotation)
{
	pic_program(0x03);              /* AEOI */
	irq_set(&pic.irq[1], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x09);
	ck_assert_uint_eq(read_isr(0x20), 0);
	/* Rotate on specific EOI: IR5 becomes the lowest, so IR6 beats IR0. */
	pic_program(0x01);
	irq_set(&pic.irq[5], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0d);
	out8(0x20, 0xe5);
	irq_set(&pic.irq[0], 1);
	irq_set(&pic.irq[6], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0e);
	/* Set priority: IR7 lowest again, IR0 first. */
	out8(0x20, 0x20);
	out8(0x20, 0xc7);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x08);
}
END_TEST

START_TEST(poll_and_special_mask)
{
	irq_set(&pic.irq[3], 1);
	out8(0x20, 0x0c);
	ck_assert_uint_eq(in8(0x20), 0x83);
	ck_assert_uint_eq(read_isr(0x20), 0x08);
	out8(0x20, 0x0c);
	ck_assert_uint_eq(in8(0x20), 0x00);            /* nothing else */
	/* Special mask mode: mask IR3 (in service) and lower IR5 gets through. */
	irq_set(&pic.irq[5], 1);
	ck_assert(!i8259_intr_pending(&pic));
	out8(0x20, 0x68);
	out8(0x21, 0x08);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x0d);
	out8(0x20, 0x48);               /* leave special mask mode */
}
END_TEST

START_TEST(special_fully_nested)
{
	pic_program(0x11);              /* SFNM on both (the master's matters) */
	irq_set(&pic.irq[12], 1);
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x74);
	/* A higher slave request nests although IR2 is in service on the master. */
	irq_set(&pic.irq[9], 1);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x71);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8259");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, edge_request_ack_eoi);
	tcase_add_test(tc, priority_and_nesting);
	tcase_add_test(tc, mask_and_spurious);
	tcase_add_test(tc, cascade_through_ir2);
	tcase_add_test(tc, level_triggered_through_elcr);
	tcase_add_test(tc, auto_eoi_and_rotation);
	tcase_add_test(tc, poll_and_special_mask);
	tcase_add_test(tc, special_fully_nested);
	suite_add_tcase(s, tc);
	return check_run(s);
}
