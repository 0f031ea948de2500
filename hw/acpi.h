/*
 * hw/acpi.h - a minimal ACPI for the PC machine: tables (RSDP, RSDT, FADT, FACS,
 * MADT, DSDT with \_S5) in the BIOS area, and the PM1 event/control registers and
 * PM timer they describe (ports 0x600-0x60b).
 */
#ifndef ELZERO_HW_ACPI_H
#define ELZERO_HW_ACPI_H

#include "cpu/cpu.h"
#include "hw/irq.h"
#include "hw/sysctl.h"

#define ACPI_TABLES_BASE 0xe0000u       /* RSDP first (found by the 0xe0000-0xfffff scan) */
#define ACPI_PM_BASE 0x600u
#define ACPI_PM_TIMER_HZ 3579545u

struct acpi_pm {
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	const struct hw_clock *clock;
	machine_event_fn poweroff;
	void *opaque;
};

/* hw/acpi_pci.c: the AML of \_SB.PCI0 (host bridge, windows, _PRT) into out;
 * its length, or 0 if cap is too small. The MCFG table's body (the header is the
 * caller's) for the ECAM window. */
#define ACPI_MCFG_LEN 60u
size_t acpi_pci_aml(uint8_t *out, size_t cap);
void acpi_pci_mcfg(uint8_t *t);

/* Write the tables for ncpus CPUs into RAM. 0, or -1 if that RAM is missing. */
int acpi_build(struct cpu_bus *bus, unsigned ncpus);
void acpi_pm_init(struct acpi_pm *pm, const struct hw_clock *clock, machine_event_fn poweroff,
		  void *opaque);
/* Ports ACPI_PM_BASE .. +11: PM1a_EVT (4), PM1a_CNT (2, at +4), PM_TMR (4, at +8). */
uint32_t acpi_pm_read(void *dev, uint16_t port, unsigned size);
void acpi_pm_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
