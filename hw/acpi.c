/*
 * hw/acpi.c - minimal ACPI tables and PM registers (ACPI 6.4 specification:
 * 5.2.5 RSDP, 5.2.6 headers, 5.2.7 RSDT, 5.2.9 FADT (revision 3 layout), 5.2.10
 * FACS, 5.2.12 MADT, 4.8.3 PM1 registers, 4.8.3.3 PM timer, 7.4.2 \_S5 sleep type) and
 * the HPET table (IA-PC HPET specification 1.0a, 3.2.4).
 */
#include "hw/acpi.h"
#include "hw/hpet.h"

#include <string.h>

#define OEM_ID "ELZERO"
#define SCI_IRQ 9

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* The common 36-byte header (5.2.6); the checksum is set by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, "ELZEROPC", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "ELZR", 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

int acpi_build(struct cpu_bus *bus, unsigned ncpus)
{
	/* Layout in the 64 KiB at ACPI_TABLES_BASE */
	const uint32_t rsdp = ACPI_TABLES_BASE, rsdt = rsdp + 0x40, fadt = rsdp + 0x100,
		       facs = rsdp + 0x200, madt = rsdp + 0x400, hpet = rsdp + 0xf00,
		       mcfg = rsdp + 0xf80, dsdt = rsdp + 0x1000;       /* DSDT: its own 4 KiB */
	/* Name (_S5, Package (4) { 5, 5, 0, 0 }): S5 is SLP_TYP 5 */
	static const uint8_t aml_s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
					  0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	uint8_t *base = cpu_bus_ram_ptr(bus, ACPI_TABLES_BASE, 0x2000), *t;
	uint32_t len;
	size_t aml;

	if (!base || ncpus == 0 || ncpus > 255)
		return -1;
	memset(base, 0, 0x2000);

	t = base + (rsdp - ACPI_TABLES_BASE);           /* RSDP, ACPI 1.0 form */
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, OEM_ID, 6);
	put32(t + 16, rsdt);
	t[8] = checksum(t, 20);

	t = base + (rsdt - ACPI_TABLES_BASE);
	header(t, "RSDT", 36 + 16, 1);
	put32(t + 36, fadt);
	put32(t + 40, madt);
	put32(t + 44, hpet);
	put32(t + 48, mcfg);
	finish(t, 52);

	/* MCFG: the PCI ECAM window (hw/pci.h) */
	t = base + (mcfg - ACPI_TABLES_BASE);
	header(t, "MCFG", ACPI_MCFG_LEN, 1);
	acpi_pci_mcfg(t);
	finish(t, ACPI_MCFG_LEN);

	/* HPET description table (IA-PC HPET spec 1.0a, 3.2.4): the block at HPET_BASE */
	t = base + (hpet - ACPI_TABLES_BASE);
	header(t, "HPET", 56, 1);
	put32(t + 36, HPET_ID_LOW);     /* event timer block ID: GCAP_ID's low half */
	t[40] = 0;                      /* base address, a GAS in system memory */
	t[41] = 64;                     /* register width */
	put32(t + 44, (uint32_t)HPET_BASE);
	t[52] = 0;                      /* HPET number */
	put16(t + 53, 0x80);            /* minimum periodic tick (as QEMU) */
	finish(t, 56);

	/* FADT revision 3 (244 bytes): the revision 1 fields, the reset register; the
	 * 64-bit X_ fields stay 0, which means "use the 32-bit ones" (5.2.9). */
	t = base + (fadt - ACPI_TABLES_BASE);
	header(t, "FACP", 244, 3);
	put32(t + 36, facs);
	put32(t + 40, dsdt);
	put16(t + 46, SCI_IRQ);
	put32(t + 48, 0);               /* SMI_CMD 0: no legacy mode, ACPI always enabled */
	put32(t + 56, ACPI_PM_BASE);    /* PM1a_EVT_BLK */
	put32(t + 64, ACPI_PM_BASE + 4);/* PM1a_CNT_BLK */
	put32(t + 76, ACPI_PM_BASE + 8);/* PM_TMR_BLK */
	t[88] = 4;                      /* PM1_EVT_LEN */
	t[89] = 2;                      /* PM1_CNT_LEN */
	t[91] = 4;                      /* PM_TMR_LEN */
	put16(t + 96, 101);             /* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 1001);            /* P_LVL3_LAT > 1000: no C3 */
	t[108] = 0x32;                  /* CENTURY in CMOS */
	/* WBINVD, PROC_C1, PWR/SLP button absent, RESET_REG_SUP */
	put32(t + 112, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 10);
	t[116] = 1;                     /* RESET_REG: system I/O, 8 bits at 0xcf9 */
	t[117] = 8;
	t[119] = 1;                     /* byte access */
	put32(t + 120, 0xcf9);
	t[128] = 0x06;                  /* RESET_VALUE: system reset + reset CPU (as QEMU) */
	finish(t, 244);

	t = base + (facs - ACPI_TABLES_BASE);
	memcpy(t, "FACS", 4);
	put32(t + 4, 64);

	t = base + (dsdt - ACPI_TABLES_BASE);
	header(t, "DSDT", 36, 1);
	memcpy(t + 36, aml_s5, sizeof(aml_s5));
	aml = acpi_pci_aml(t + 36 + sizeof(aml_s5), 0x1000 - 36 - sizeof(aml_s5));
	if (!aml)
		return -1;
	len = (uint32_t)(36 + sizeof(aml_s5) + aml);
	put32(t + 4, len);
	finish(t, len);

	t = base + (madt - ACPI_TABLES_BASE);
	len = 44 + 8 * ncpus + 12 + 10 + 10;
	if (madt - ACPI_TABLES_BASE + len > 0x1000)
		return -1;
	header(t, "APIC", len, 1);
	put32(t + 36, 0xfee00000u);
	put32(t + 40, 1);               /* PCAT_COMPAT: the 8259s are there too */
	{
		uint8_t *e = t + 44;

		for (unsigned i = 0; i < ncpus; i++, e += 8) {
			e[0] = 0;               /* processor local APIC */
			e[1] = 8;
			e[2] = (uint8_t)i;      /* ACPI processor UID */
			e[3] = (uint8_t)i;      /* APIC ID */
			put32(e + 4, 1);        /* enabled */
		}
		e[0] = 1;                       /* I/O APIC: ID = ncpus, GSI base 0 */
		e[1] = 12;
		e[2] = (uint8_t)ncpus;
		put32(e + 4, 0xfec00000u);
		put32(e + 8, 0);
		e += 12;
		e[0] = 2;                       /* ISA IRQ0 -> GSI 2 */
		e[1] = 10;
		e[3] = 0;
		put32(e + 4, 2);
		put16(e + 8, 0);
		e += 10;
		e[0] = 2;                       /* SCI: IRQ9, level, active high */
		e[1] = 10;
		e[3] = SCI_IRQ;
		put32(e + 4, SCI_IRQ);
		put16(e + 8, 0x000d);
	}
	finish(t, len);
	return 0;
}

void acpi_pm_init(struct acpi_pm *pm, const struct hw_clock *clock, machine_event_fn poweroff,
		  void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	pm->clock = clock;
	pm->poweroff = poweroff;
	pm->opaque = opaque;
	pm->pm1_cnt = 1;                /* SCI_EN: the machine is in ACPI mode */
}

uint32_t acpi_pm_read(void *dev, uint16_t port, unsigned size)
{
	struct acpi_pm *pm = dev;
	unsigned off = port - ACPI_PM_BASE;
	uint64_t ticks;

	switch (off) {
	case 0: return size >= 4 ? (uint32_t)pm->pm1_en << 16 | pm->pm1_sts : pm->pm1_sts;
	case 2: return pm->pm1_en;
	case 4: return pm->pm1_cnt;
	case 8:                         /* 24-bit PM timer at 3.579545 MHz */
		ticks = (uint64_t)((unsigned __int128)hw_clock_ns(pm->clock) * ACPI_PM_TIMER_HZ /
				   1000000000u);
		return (uint32_t)ticks & 0xffffff;
	default:
		return 0;
	}
}

void acpi_pm_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct acpi_pm *pm = dev;
	unsigned off = port - ACPI_PM_BASE;

	switch (off) {
	case 0:                         /* status bits clear when written with 1 */
		pm->pm1_sts &= (uint16_t)~val;
		if (size >= 4)
			pm->pm1_en = (uint16_t)(val >> 16);
		break;
	case 2:
		pm->pm1_en = (uint16_t)val;
		break;
	case 4:
		pm->pm1_cnt = (uint16_t)((val & 0x1c06) | (pm->pm1_cnt & 1));  /* SCI_EN is read-only */
		/* SLP_EN with SLP_TYP = 5 (\_S5): soft off */
		if ((val & (1u << 13)) && ((val >> 10) & 7) == 5)
			pm->poweroff(pm->opaque);
		break;
	default:
		break;
	}
}
