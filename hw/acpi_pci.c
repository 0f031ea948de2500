/*
 * hw/acpi_pci.c - the ACPI description of the PCI bus (ACPI 6.4: 6.1.1 _ADR,
 * 6.1.5 _HID, 6.2.2 _CRS, 6.2.13 _PRT, 6.4.3.5 address space descriptors, 20.2
 * AML encoding; PCI Firmware Specification 3.0, 4.1.2 the MCFG table).
 *
 * \_SB.PCI0 is the host bridge (PNP0A03) with its bus, I/O and memory windows, and
 * a _PRT that sends each slot's INTA..D to GSI 16 + PIRQ (hw/piix.h: the PIRQs'
 * IOAPIC pins; the swizzle is pci_slot_pirq()). Static GSIs, no link devices: the
 * OS uses the IOAPIC (this machine always has one).
 */
#include "hw/acpi.h"
#include "hw/piix.h"

#include <string.h>

struct aml {
	uint8_t *p;
	size_t n, cap;
	bool overflow;
};

static void emit(struct aml *a, const void *src, size_t len)
{
	if (a->n + len > a->cap) {
		a->overflow = true;
		return;
	}
	memcpy(a->p + a->n, src, len);
	a->n += len;
}

static void emit1(struct aml *a, uint8_t b) { emit(a, &b, 1); }

/* PkgLength (20.2.4) for len bytes of content that follow it. */
static void emit_pkglen(struct aml *a, size_t len)
{
	if (len + 1 < 0x40) {
		emit1(a, (uint8_t)(len + 1));
	} else if (len + 2 < 0x1000) {
		emit1(a, (uint8_t)(0x40 | ((len + 2) & 0xf)));
		emit1(a, (uint8_t)((len + 2) >> 4));
	} else {
		emit1(a, (uint8_t)(0x80 | ((len + 3) & 0xf)));
		emit1(a, (uint8_t)((len + 3) >> 4));
		emit1(a, (uint8_t)((len + 3) >> 12));
	}
}

/* Opcode(s), PkgLength, then the content built in inner. */
static void emit_pkg(struct aml *a, const uint8_t *op, size_t oplen, const struct aml *inner)
{
	emit(a, op, oplen);
	emit_pkglen(a, inner->n);
	emit(a, inner->p, inner->n);
	a->overflow |= inner->overflow;
}

/* An integer as the shortest data object (20.2.3). */
static void emit_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		emit1(a, (uint8_t)v);                   /* ZeroOp, OneOp */
	} else if (v <= 0xff) {
		emit1(a, 0x0a);
		emit1(a, (uint8_t)v);
	} else if (v <= 0xffff) {
		emit1(a, 0x0b);
		emit1(a, (uint8_t)v);
		emit1(a, (uint8_t)(v >> 8));
	} else {
		emit1(a, 0x0c);
		for (unsigned i = 0; i < 4; i++)
			emit1(a, (uint8_t)(v >> (8 * i)));
	}
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* Word address space descriptor (6.4.3.5.3): type 1 I/O, 2 bus number. */
static void emit_word_range(struct aml *a, uint8_t type, uint16_t min, uint16_t max)
{
	uint8_t d[16] = { 0x88, 0x0d, 0x00, type, 0x0c /* min/max fixed, producer */,
			  type == 1 ? 0x03 : 0x00 /* I/O: ISA and non-ISA ranges */ };

	put16(d + 8, min);
	put16(d + 10, max);
	put16(d + 14, (uint16_t)(max - min + 1));
	emit(a, d, sizeof(d));
}

/* DWord memory descriptor (6.4.3.5.2): cacheable, read/write. */
static void emit_dword_mem(struct aml *a, uint32_t min, uint32_t max)
{
	uint8_t d[26] = { 0x87, 0x17, 0x00, 0x00, 0x0c, 0x03 };

	put32(d + 10, min);
	put32(d + 14, max);
	put32(d + 22, max - min + 1);
	emit(a, d, sizeof(d));
}

static void emit_name(struct aml *a, const char *seg4)
{
	emit1(a, 0x08);                                 /* NameOp */
	emit(a, seg4, 4);
}

/* Name (_CRS, ResourceTemplate () { ... }) */
static void emit_crs(struct aml *a)
{
	static const uint8_t cf8[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
	static const uint8_t end[] = { 0x79, 0x00 };
	static const uint8_t buffer_op = 0x11;
	uint8_t rbuf[160], bbuf[176];
	struct aml r = { rbuf, 0, sizeof(rbuf), false }, b = { bbuf, 0, sizeof(bbuf), false };

	emit_word_range(&r, 2, 0, PCI_ECAM_BUSES - 1);
	emit(&r, cf8, sizeof(cf8));
	emit_word_range(&r, 1, 0x0000, 0x0cf7);
	emit_word_range(&r, 1, 0x0d00, 0xffff);
	emit_dword_mem(&r, 0x000a0000u, 0x000bffffu);   /* legacy VGA window */
	emit_dword_mem(&r, (uint32_t)PCI_MMIO_BASE, (uint32_t)(PCI_ECAM_BASE - 1));
	emit(&r, end, sizeof(end));
	emit_int(&b, (uint32_t)r.n);                    /* BufferSize */
	emit(&b, r.p, r.n);
	b.overflow |= r.overflow;
	emit_name(a, "_CRS");
	emit_pkg(a, &buffer_op, 1, &b);
}

/* Name (_PRT, Package () { Package () { 0xSSSSFFFF, pin, Zero, GSI }, ... }) */
static void emit_prt(struct aml *a)
{
	static const uint8_t package_op = 0x12;
	static uint8_t pbuf[PCI_NSLOTS * 4 * 16 + 8];
	struct aml p = { pbuf, 0, sizeof(pbuf), false };

	emit1(&p, PCI_NSLOTS * 4);                      /* NumElements */
	for (unsigned slot = 0; slot < PCI_NSLOTS; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			uint8_t ebuf[16];
			struct aml e = { ebuf, 0, sizeof(ebuf), false };

			emit1(&e, 4);
			emit_int(&e, slot << 16 | 0xffff);      /* any function of the slot */
			emit_int(&e, pin);
			emit_int(&e, 0);                        /* Source: none, a GSI */
			emit_int(&e, PIIX_PIRQ_GSI_BASE + pci_slot_pirq(slot, pin + 1));
			emit_pkg(&p, &package_op, 1, &e);
		}
	}
	emit_name(a, "_PRT");
	emit_pkg(a, &package_op, 1, &p);
}

size_t acpi_pci_aml(uint8_t *out, size_t cap)
{
	static const uint8_t scope_op = 0x10, device_op[2] = { 0x5b, 0x82 };
	static const uint8_t hid[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };  /* EisaId ("PNP0A03") */
	static uint8_t dbuf[3072], sbuf[3072 + 16];
	struct aml d = { dbuf, 0, sizeof(dbuf), false }, s = { sbuf, 0, sizeof(sbuf), false };
	struct aml o = { out, 0, cap, false };

	emit_name(&d, "_HID");
	emit(&d, hid, sizeof(hid));
	emit_name(&d, "_ADR");
	emit_int(&d, 0);
	emit_name(&d, "_UID");
	emit_int(&d, 0);
	emit_crs(&d);
	emit_prt(&d);
	emit(&s, "\\_SB_", 5);
	emit(&s, device_op, 2);
	emit_pkglen(&s, 4 + d.n);
	emit(&s, "PCI0", 4);
	emit(&s, d.p, d.n);
	s.overflow |= d.overflow;
	/* Scope (\_SB): the Scope's PkgLength covers the name string too */
	{
		struct aml sc = { s.p, s.n, s.cap, s.overflow };

		emit_pkg(&o, &scope_op, 1, &sc);
	}
	return o.overflow ? 0 : o.n;
}

void acpi_pci_mcfg(uint8_t *t)
{
	/* After the 36-byte header: 8 reserved bytes, then one allocation (4.1.2):
	 * base address, PCI segment 0, buses 0 .. PCI_ECAM_BUSES - 1. */
	memset(t + 36, 0, ACPI_MCFG_LEN - 36);
	put32(t + 44, (uint32_t)PCI_ECAM_BASE);
	put32(t + 48, (uint32_t)(PCI_ECAM_BASE >> 32));
	t[54] = 0;
	t[55] = (uint8_t)(PCI_ECAM_BUSES - 1);
}
