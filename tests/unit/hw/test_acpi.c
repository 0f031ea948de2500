/*
 * tests/unit/hw/test_acpi.c - the ACPI tables in guest RAM (signatures, lengths,
 * checksums, pointers, MADT entries) and the PM registers through the port bus.
 */
#define _GNU_SOURCE     /* memmem */
#include "tests/unit/common/check_run.h"
#include "hw/acpi.h"
#include "hw/pci.h"
#include "hw/machine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct machine m;
static struct cpu_bus *bus;
static struct acpi_pm pm;
static uint64_t now;
static unsigned poweroffs;
static uint64_t test_now(void *opaque) { (void)opaque; return now; }
static const struct hw_clock clk = { test_now, NULL };
static void on_poweroff(void *opaque) { (void)opaque; poweroffs++; }

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	bus = &m.bus;
	now = 0;
	poweroffs = 0;
	acpi_pm_init(&pm, &clk, on_poweroff, NULL);
	ck_assert_int_eq(machine_register_pio(&m, ACPI_PM_BASE, 12, &pm, acpi_pm_read, acpi_pm_write), 0);
}

static void teardown(void) { machine_free_bus(&m); }

static const uint8_t *at(uint32_t pa) { return cpu_bus_ram_ptr(bus, pa, 64); }
static uint32_t le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint8_t sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* A table at pa: signature, and its bytes sum to zero. */
static const uint8_t *table(uint32_t pa, const char *sig)
{
	const uint8_t *t = at(pa);
	uint32_t len = le32(t + 4);

	ck_assert(!memcmp(t, sig, 4));
	ck_assert_uint_eq(sum(cpu_bus_ram_ptr(bus, pa, len), len), 0);
	return t;
}

START_TEST(tables)
{
	const uint8_t *rsdp, *rsdt, *fadt, *madt, *dsdt;

	ck_assert_int_eq(acpi_build(bus, 2), 0);
	rsdp = at(ACPI_TABLES_BASE);
	ck_assert(!memcmp(rsdp, "RSD PTR ", 8));
	ck_assert_uint_eq(sum(rsdp, 20), 0);
	rsdt = table(le32(rsdp + 16), "RSDT");
	ck_assert_uint_eq(le32(rsdt + 4), 52);
	{
		const uint8_t *mcfg = table(le32(rsdt + 48), "MCFG");

		ck_assert_uint_eq(le32(mcfg + 4), 60);
		ck_assert_uint_eq(le32(mcfg + 44), PCI_ECAM_BASE);      /* the ECAM allocation */
		ck_assert_uint_eq(mcfg[54], 0);
		ck_assert_uint_eq(mcfg[55], PCI_ECAM_BUSES - 1);
	}
	fadt = table(le32(rsdt + 36), "FACP");
	madt = table(le32(rsdt + 40), "APIC");
	{
		const uint8_t *hpet = table(le32(rsdt + 44), "HPET");

		ck_assert_uint_eq(le32(hpet + 4), 56);
		ck_assert_uint_eq(le32(hpet + 36) >> 16, 0x8086);      /* block ID: vendor */
		ck_assert_uint_eq(hpet[40], 0);                         /* system memory */
		ck_assert_uint_eq(le32(hpet + 44), 0xfed00000u);
	}
	dsdt = table(le32(fadt + 40), "DSDT");
	ck_assert(!memcmp(at(le32(fadt + 36)), "FACS", 4));
	ck_assert_uint_eq(le32(fadt + 76), ACPI_PM_BASE + 8);
	ck_assert_uint_eq(le32(fadt + 4), 244);                 /* revision 3 */
	ck_assert(le32(fadt + 112) & (1u << 10));               /* RESET_REG_SUP */
	ck_assert_uint_eq(fadt[116], 1);                        /* reset register in I/O space */
	ck_assert_uint_eq(le32(fadt + 120), 0xcf9);
	ck_assert_uint_eq(fadt[128], 6);
	ck_assert(!memcmp(dsdt + 37, "_S5_", 4));
	/* \_SB.PCI0: Scope, then Device (ExtOp 0x82), PNP0A03, _CRS and _PRT */
	ck_assert(!memcmp(dsdt + 50, "\x10", 1));
	ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), "\\_SB_", 5));
	ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), "\x5b\x82", 2));
	ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), "PCI0\x08_HID\x0c\x41\xd0\x0a\x03", 14));
	ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), "_CRS", 4));
	{
		/* slot 3 INTA: Package (4) { 0x0003FFFF, Zero, Zero, 18 } (PIRQC -> GSI 18) */
		static const uint8_t slot3_inta[] = { 0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x03, 0x00,
						      0x00, 0x00, 0x0a, 18 };

		ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), "_PRT\x12", 5));
		ck_assert_ptr_nonnull(memmem(dsdt, le32(dsdt + 4), slot3_inta, sizeof(slot3_inta)));
	}
	ck_assert_uint_eq(le32(madt + 36), 0xfee00000u);
	/* two processors, then the IOAPIC and the IRQ0 override */
	ck_assert_uint_eq(madt[44], 0);
	ck_assert_uint_eq(madt[44 + 8 + 3], 1);
	ck_assert_uint_eq(madt[60], 1);
	ck_assert_uint_eq(le32(madt + 60 + 4), 0xfec00000u);
	ck_assert_uint_eq(madt[72], 2);
	ck_assert_uint_eq(le32(madt + 72 + 4), 2);
}
END_TEST

START_TEST(pm_registers)
{
	ck_assert_uint_eq(bus->pio_in(bus->opaque, ACPI_PM_BASE + 4, 2) & 1, 1);  /* SCI_EN */
	now = 1000000000ull;                    /* one second: 3579545 ticks, mod 2^24 */
	ck_assert_uint_eq(bus->pio_in(bus->opaque, ACPI_PM_BASE + 8, 4), 3579545u & 0xffffff);
	bus->pio_out(bus->opaque, ACPI_PM_BASE + 4, 2, (5u << 10));               /* no SLP_EN */
	ck_assert_uint_eq(poweroffs, 0);
	bus->pio_out(bus->opaque, ACPI_PM_BASE + 4, 2, (5u << 10) | (1u << 13));
	ck_assert_uint_eq(poweroffs, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tables);
	tcase_add_test(tc, pm_registers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
