/*
 * tests/guest/platform/power.c - the ways a PC guest stops or resets the machine,
 * one per run, chosen by the command line (-append PATH):
 *   s5        ACPI S5 soft-off: SLP_TYP from the DSDT's \_S5, SLP_EN in PM1a_CNT
 *   resetreg  the FADT's reset register (ACPI 6.4, 5.2.9, RESET_REG)
 *   cf9       the reset control register (PIIX3: 0x06 to port 0xcf9)
 *   kbd       the 8042's reset line (command 0xfe to port 0x64)
 *   port92    fast reset through system control port A
 *   triple    a triple fault (an empty IDT and INT3)
 *   hang      interrupts off and HLT: not a power-off (elzero exits with status 2)
 * A reset path first leaves a mark in CMOS RAM, which survives the reset: the next
 * boot finds it and passes (run without -no-reboot). With -no-reboot the emulator
 * stops at the reset instead, and "still running" is never printed. tests/guest/
 * platform/power-test.sh runs each path both ways.
 */
#include "guest.h"

#define CMOS_MARK 0x50          /* CMOS RAM bytes used for the mark */
#define MARK_MAGIC 0xa5

static const char *const paths[] = { "s5", "resetreg", "cf9", "kbd", "port92", "triple", "hang" };

static uint8_t cmos_read(uint8_t reg) { outb(0x70, reg); return inb(0x71); }
static void cmos_write(uint8_t reg, uint8_t v) { outb(0x70, reg); outb(0x71, v); }

/* The ACPI table with signature sig through the RSDT, or NULL. */
static const uint8_t *acpi_table(const char *sig)
{
	for (uint32_t p = 0xe0000; p < 0x100000; p += 16) {
		const uint8_t *r = (const uint8_t *)(unsigned long)p;
		const uint8_t *rsdt;

		if (memcmp(r, "RSD PTR ", 8))
			continue;
		rsdt = (const uint8_t *)(unsigned long)*(const uint32_t *)(r + 16);
		for (uint32_t i = 36; i + 4 <= *(const uint32_t *)(rsdt + 4); i += 4) {
			const uint8_t *t = (const uint8_t *)(unsigned long)*(const uint32_t *)(rsdt + i);

			if (!memcmp(t, sig, 4))
				return t;
		}
		return NULL;
	}
	return NULL;
}

/* SLP_TYPa of \_S5 in the DSDT: Name (_S5, Package () { a, b, ... }). */
static int s5_slp_typ(const uint8_t *fadt)
{
	const uint8_t *dsdt = (const uint8_t *)(unsigned long)*(const uint32_t *)(fadt + 40);
	uint32_t len = *(const uint32_t *)(dsdt + 4);

	for (uint32_t i = 36; i + 9 < len; i++) {
		const uint8_t *p = dsdt + i;

		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		switch (p[7]) {                 /* after PackageOp, PkgLength, NumElements */
		case 0x0a: return p[8];         /* BytePrefix */
		case 0x00: return 0;            /* ZeroOp */
		case 0x01: return 1;            /* OneOp */
		default: return p[7];
		}
	}
	return -1;
}

static void do_s5(void)
{
	const uint8_t *fadt = acpi_table("FACP");
	int typ = fadt ? s5_slp_typ(fadt) : -1;

	if (typ < 0) {
		report_fail("s5", "no FADT or no \\_S5 in the DSDT");
		return;
	}
	outw((uint16_t)*(const uint32_t *)(fadt + 64), (uint16_t)(typ << 10 | 1u << 13));
}

static void do_resetreg(void)
{
	const uint8_t *fadt = acpi_table("FACP");

	if (!fadt || *(const uint32_t *)(fadt + 4) < 129 || !(*(const uint32_t *)(fadt + 112) & (1u << 10))) {
		report_fail("resetreg", "the FADT has no reset register");
		return;
	}
	if (fadt[116] != 1) {                   /* only the I/O space form is tried */
		report_fail("resetreg", "reset register in address space %u", fadt[116]);
		return;
	}
	outb((uint16_t)*(const uint32_t *)(fadt + 120), fadt[128]);
}

static void do_triple(void)
{
	static const struct { uint16_t limit; unsigned long base; } __attribute__((packed)) empty = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(empty));
}

int main(void)
{
	const char *cmd = guest_cmdline(), *arg = cmd;
	unsigned n = sizeof(paths) / sizeof(paths[0]), i;

	/* QEMU's multiboot command line is the kernel's name, a space, then -append. */
	while (*arg && *arg != ' ')
		arg++;
	while (*arg == ' ')
		arg++;
	for (i = 0; i < n && strcmp(arg, paths[i]); i++)
		;
	if (cmos_read(CMOS_MARK) == MARK_MAGIC) {
		unsigned was = cmos_read(CMOS_MARK + 1);

		cmos_write(CMOS_MARK, 0);
		report(was == i, "rebooted after %s", was < n ? paths[was] : "?");
		return 0;
	}
	if (i == n) {
		report_fail("power", "unknown path '%s' (s5 resetreg cf9 kbd port92 triple hang)", arg);
		return 0;
	}
	printf("power: trying %s\n", paths[i]);
	if (i && i != 6) {                      /* a reset: mark it for the next boot */
		cmos_write(CMOS_MARK + 1, (uint8_t)i);
		cmos_write(CMOS_MARK, MARK_MAGIC);
	}
	switch (i) {
	case 0: do_s5(); break;
	case 1: do_resetreg(); break;
	case 2: outb(0xcf9, 0x02); outb(0xcf9, 0x06); break;
	case 3: outb(0x64, 0xfe); break;
	case 4: outb(0x92, inb(0x92) | 1); break;
	case 5: do_triple(); break;
	default: asm volatile("cli; hlt"); break;
	}
	for (unsigned k = 0; k < 1000000; k++)
		pause();
	cmos_write(CMOS_MARK, 0);
	report_fail(paths[i], "still running");
	return 0;
}
