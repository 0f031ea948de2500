/*
 * tests/unit/hw/test_piix.c - PCI INTx from a device to the interrupt controllers,
 * without a CPU: the slot swizzle, the PIIX3 PIRQ route registers steering to an
 * 8259 input made level-triggered by the ELCR, and IOAPIC pins 16-19 (level,
 * active low, remote IRR until the EOI).
 */
#include "tests/unit/common/check_run.h"
#include "hw/piix.h"

#include <check.h>
#include <string.h>

static struct i8259 pic;
static struct ioapic io;
static struct piix3 piix;
static struct pci_host h;
static struct pci_dev dev;
static unsigned sent;
static uint8_t last_vector;

static void deliver(void *opaque, uint32_t dest, bool logical, unsigned mode, uint8_t vector,
		    bool level)
{
	(void)opaque;
	(void)dest;
	(void)logical;
	(void)mode;
	(void)level;
	sent++;
	last_vector = vector;
}

static void setup(void)
{
	i8259_init(&pic);
	ioapic_init(&io, deliver, NULL);
	piix3_init(&piix, &pic, &io);
	pci_host_init(&h, NULL);
	for (unsigned n = 0; n < 4; n++)
		h.pirq[n] = (struct irq_line){ piix3_set_pirq, &piix, n };
	pci_dev_init(&dev, 0x1af4, 0x1042, 1, 0x010000);
	pci_dev_set_pin(&dev, 1);
	ck_assert_int_eq(pci_host_plug(&h, 1, &piix.dev), 0);
	ck_assert_int_eq(pci_host_plug(&h, 3, &dev), 0);         /* INTA -> PIRQC */
	/* the PICs: vectors 0x20/0x28, everything unmasked */
	i8259_write(&pic, 0x20, 1, 0x11); i8259_write(&pic, 0x21, 1, 0x20);
	i8259_write(&pic, 0x21, 1, 4); i8259_write(&pic, 0x21, 1, 1); i8259_write(&pic, 0x21, 1, 0);
	i8259_write(&pic, 0xa0, 1, 0x11); i8259_write(&pic, 0xa1, 1, 0x28);
	i8259_write(&pic, 0xa1, 1, 2); i8259_write(&pic, 0xa1, 1, 1); i8259_write(&pic, 0xa1, 1, 0);
	sent = 0;
}

/* The slave's IRR bit of IRQ 11 (OCW3 read IRR): whether the level is seen. */
static bool irq11_requested(void)
{
	i8259_write(&pic, 0xa0, 1, 0x0a);
	return i8259_read(&pic, 0xa0, 1) & (1u << 3);
}

START_TEST(pic_routing)
{
	ck_assert_uint_eq(pci_config_read(&piix.dev, 0x60, 4), 0x80808080u);   /* all disabled */
	pci_set_irq(&dev, true);
	ck_assert(!i8259_intr_pending(&pic));                   /* no route */
	ck_assert(!irq11_requested());
	i8259_elcr_write(&pic, 0x4d1, 1, 1u << (11 - 8));       /* IRQ 11 level-triggered */
	pci_config_write(&piix.dev, 0x62, 1, 11);               /* PIRQC -> IRQ 11 */
	ck_assert(i8259_intr_pending(&pic));
	ck_assert_uint_eq(i8259_intr_ack(&pic), 0x28 + 3);
	i8259_write(&pic, 0xa0, 1, 0x20);                       /* EOI: the level is still there */
	i8259_write(&pic, 0x20, 1, 0x20);
	ck_assert(i8259_intr_pending(&pic));
	ck_assert(irq11_requested());
	pci_set_irq(&dev, false);                               /* the device lowers its pin */
	ck_assert(!irq11_requested());                          /* level: the request goes */
	pci_set_irq(&dev, true);
	ck_assert(irq11_requested());
	pci_config_write(&piix.dev, 0x62, 1, 0x8b);             /* route disabled: the IRQ drops */
	ck_assert(!irq11_requested());
	pci_config_write(&piix.dev, 0x62, 1, 2);                /* IRQ 2: reserved, not routed */
	ck_assert(!irq11_requested());
}
END_TEST

static void rte(unsigned pin, uint64_t v)
{
	ioapic_mmio_write(&io, 0, 4, 0x10 + 2 * pin);
	ioapic_mmio_write(&io, 0x10, 4, (uint32_t)v);
}

START_TEST(ioapic_routing)
{
	/* PIRQC is GSI 18: level-triggered, active low (what the _PRT says) */
	rte(18, 0x40 | 1u << 15 | 1u << 13);
	ck_assert_uint_eq(sent, 0);
	pci_set_irq(&dev, true);
	ck_assert_uint_eq(sent, 1);
	ck_assert_uint_eq(last_vector, 0x40);
	ck_assert(io.redir[18] & (1ull << 14));                 /* remote IRR */
	ioapic_eoi(&io, 0x40);                                  /* still asserted: again */
	ck_assert_uint_eq(sent, 2);
	pci_set_irq(&dev, false);
	ioapic_eoi(&io, 0x40);
	ck_assert_uint_eq(sent, 2);
	ck_assert(!(io.redir[18] & (1ull << 14)));
	/* INTx disable in the command register holds the line low */
	pci_config_write(&dev, 4, 2, PCI_COMMAND_INTX_DISABLE);
	pci_set_irq(&dev, true);
	ck_assert_uint_eq(sent, 2);
	pci_config_write(&dev, 4, 2, 0);
	ck_assert_uint_eq(sent, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("piix");
	TCase *tc = tcase_create("intx");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, pic_routing);
	tcase_add_test(tc, ioapic_routing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
