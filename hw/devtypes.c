/*
 * hw/devtypes.c - the device types -device and -global can name, their properties,
 * and the value syntax (numbers, sizes, booleans) shared with the command line.
 *
 * Names, buses and property names follow QEMU's, so scripts written for QEMU pass
 * the same -device lines. "implemented" says whether hw/pc.c can build the device
 * now; flip it when a device lands.
 */
#include "hw/hw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PROPS(a) a, sizeof(a) / sizeof((a)[0])
#define U16_MAX 0xffffull
#define U32_MAX 0xffffffffull

/* PCI placement, accepted by every PCI type (QEMU: "addr=slot[.fn]", "bus=pci.0"). */
#define PCI_COMMON \
	{ "addr", DEVPROP_STRING, NULL, 0, 0, "slot[.function] on the PCI bus" }, \
	{ "bus", DEVPROP_STRING, NULL, 0, 0, "bus to plug into (pci.0)" }

static const struct devprop_desc isa_debug_exit_props[] = {
	{ "iobase", DEVPROP_INT, "0x501", 0, U16_MAX, "I/O port; a write of v exits with (v << 1) | 1" },
	{ "iosize", DEVPROP_INT, "0x2", 1, 4, "width of the port range in bytes" },
};

static const struct devprop_desc isa_serial_props[] = {
	{ "index", DEVPROP_INT, NULL, 0, 3, "COM port number (0 = COM1)" },
	{ "iobase", DEVPROP_INT, NULL, 0, U16_MAX, "I/O base (default: from index)" },
	{ "irq", DEVPROP_INT, NULL, 0, 15, "ISA IRQ (default: from index)" },
	{ "chardev", DEVPROP_STRING, NULL, 0, 0, "ID of the -chardev backend" },
};

static const struct devprop_desc pci_testdev_props[] = {
	PCI_COMMON,
	{ "membar", DEVPROP_SIZE, "0", 0, 1ull << 40, "size of an extra 64-bit memory BAR (0 = none)" },
};

static const struct devprop_desc virtio_blk_pci_props[] = {
	PCI_COMMON,
	{ "drive", DEVPROP_STRING, NULL, 0, 0, "ID of the -drive that backs the disk" },
	{ "serial", DEVPROP_STRING, NULL, 0, 0, "disk serial number" },
	{ "disable-legacy", DEVPROP_STRING, "auto", 0, 0, "on|off|auto: hide the legacy interface" },
	{ "disable-modern", DEVPROP_BOOL, "off", 0, 0, "hide the virtio 1.0 interface" },
};

static const struct devprop_desc nic_props[] = {
	PCI_COMMON,
	{ "netdev", DEVPROP_STRING, NULL, 0, 0, "ID of the -netdev backend" },
	{ "mac", DEVPROP_STRING, NULL, 0, 0, "MAC address (52:54:00:12:34:56)" },
};

static const struct devprop_desc intel_iommu_props[] = {
	{ "intremap", DEVPROP_STRING, "auto", 0, 0, "on|off|auto: interrupt remapping" },
	{ "eim", DEVPROP_STRING, "auto", 0, 0, "on|off|auto: extended interrupt mode (x2APIC)" },
	{ "caching-mode", DEVPROP_BOOL, "off", 0, 0, "report caching mode (for nested device assignment)" },
	{ "device-iotlb", DEVPROP_BOOL, "off", 0, 0, "device IOTLB (ATS)" },
	{ "aw-bits", DEVPROP_INT, "39", 39, 48, "guest address width in bits (39 or 48)" },
};

static const struct devprop_desc loader_props[] = {
	{ "file", DEVPROP_STRING, NULL, 0, 0, "image to load: an ELF executable, else raw bytes" },
	{ "addr", DEVPROP_INT, NULL, 0, ~0ull, "physical address (raw image, data)" },
	{ "cpu-num", DEVPROP_INT, NULL, 0, 255, "start this vCPU at addr / the ELF entry (only 0)" },
	{ "data", DEVPROP_INT, NULL, 0, ~0ull, "value to store at addr" },
	{ "data-len", DEVPROP_INT, NULL, 1, 8, "bytes of data to store" },
	{ "force-raw", DEVPROP_BOOL, "off", 0, 0, "load an ELF file as raw bytes" },
};

static const struct devprop_desc pci_only_props[] = {
	PCI_COMMON,
};

static const struct devtype devtypes[] = {
	{ "isa-debug-exit", DEVBUS_ISA, "exit the emulator with a status the guest writes", true,
	  PROPS(isa_debug_exit_props) },
	{ "pc-testdev", DEVBUS_ISA, "kvm-unit-tests' PC test device (ports 0xe0-0xeb, 0x2000)", true,
	  NULL, 0 },
	{ "loader", DEVBUS_SYSTEM, "generic loader: a raw image or ELF file, or a value, into RAM",
	  true, PROPS(loader_props) },
	{ "isa-serial", DEVBUS_ISA, "16550A UART", false, PROPS(isa_serial_props) },
	{ "pci-testdev", DEVBUS_PCI, "PCI test device (kvm-unit-tests)", true, PROPS(pci_testdev_props) },
	{ "edu", DEVBUS_PCI, "QEMU's educational PCI device", false, PROPS(pci_only_props) },
	{ "virtio-blk-pci", DEVBUS_PCI, "virtio block device (modern interface)", true, PROPS(virtio_blk_pci_props) },
	{ "virtio-net-pci", DEVBUS_PCI, "virtio network device", false, PROPS(nic_props) },
	{ "virtio-rng-pci", DEVBUS_PCI, "virtio entropy source", false, PROPS(pci_only_props) },
	{ "virtio-serial-pci", DEVBUS_PCI, "virtio serial port bus", false, PROPS(pci_only_props) },
	{ "e1000", DEVBUS_PCI, "Intel 82540EM Gigabit Ethernet", false, PROPS(nic_props) },
	{ "hyperv-testdev", DEVBUS_ISA, "Hyper-V test device (kvm-unit-tests)", false, NULL, 0 },
	{ "intel-iommu", DEVBUS_SYSTEM, "Intel IOMMU (VT-d) DMA remapping", false,
	  PROPS(intel_iommu_props) },
};

unsigned devtype_count(void)
{
	return sizeof(devtypes) / sizeof(devtypes[0]);
}

const struct devtype *devtype_at(unsigned i)
{
	return i < devtype_count() ? &devtypes[i] : NULL;
}

const struct devtype *devtype_find(const char *name)
{
	for (unsigned i = 0; i < devtype_count(); i++)
		if (!strcmp(devtypes[i].name, name))
			return &devtypes[i];
	return NULL;
}

const struct devprop_desc *devtype_prop(const struct devtype *t, const char *name)
{
	for (unsigned i = 0; i < t->nprops; i++)
		if (!strcmp(t->props[i].name, name))
			return &t->props[i];
	return NULL;
}

const char *devbus_name(enum devbus bus)
{
	switch (bus) {
	case DEVBUS_ISA: return "ISA";
	case DEVBUS_PCI: return "PCI";
	case DEVBUS_VIRTIO: return "virtio-bus";
	case DEVBUS_SYSTEM: return "System";
	}
	return "?";
}

const char *devprop_type_name(enum devprop_type type)
{
	switch (type) {
	case DEVPROP_INT: return "int";
	case DEVPROP_BOOL: return "bool";
	case DEVPROP_STRING: return "str";
	case DEVPROP_SIZE: return "size";
	}
	return "?";
}

/* ---------------------------------------------------------------- value syntax */

int parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* log2 of the unit a size suffix names, or -1. */
static int size_suffix_shift(char c)
{
	static const char units[] = "bkmgtpe";
	const char *p = c ? strchr(units, c | 0x20) : NULL;

	return p ? (int)(p - units) * 10 : -1;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, frac_div = 1, unit = default_unit;
	const char *p = s;
	int shift;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* hex: whole bytes in default units, no fraction (QEMU refuses 0x1.8G too) */
		char buf[32];
		size_t n = strspn(s + 2, "0123456789abcdefABCDEF") + 2;
		int r;

		if (n >= sizeof(buf))
			return -ERANGE;
		memcpy(buf, s, n);
		buf[n] = '\0';
		r = parse_uint(buf, &whole);
		if (r)
			return r;
		p = s + n;
	} else {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*p - '0');
		}
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9')
				return -EINVAL;
			for (p++; *p >= '0' && *p <= '9'; p++) {
				if (frac_div < 1000000000000ull) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					frac_div *= 10;
				}
			}
		}
	}
	if (*p) {
		shift = size_suffix_shift(*p);
		if (shift < 0 || p[1])
			return -EINVAL;
		unit = 1ull << shift;
	}
	if (frac && unit == 1)
		return -EINVAL;         /* "1.5" bytes, or 1.5 with a byte default unit */
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	whole *= unit;
	/* unit <= 2^60 and frac < frac_div <= 10^12: split to avoid overflow */
	if (frac) {
		uint64_t add = (unit / frac_div) * frac + ((unit % frac_div) * frac) / frac_div;

		if (whole > UINT64_MAX - add)
			return -ERANGE;
		whole += add;
	}
	*out = whole;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };

	for (unsigned i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int devprop_check(const struct devprop_desc *p, const char *value, char *err, size_t errlen)
{
	uint64_t v;
	bool b;
	int r;

	switch (p->type) {
	case DEVPROP_STRING:
		return 0;
	case DEVPROP_BOOL:
		if (parse_bool(value, &b) == 0)
			return 0;
		snprintf(err, errlen, "property '%s': invalid value '%s' (expected on or off)",
			 p->name, value);
		return -1;
	case DEVPROP_INT:
	case DEVPROP_SIZE:
		r = p->type == DEVPROP_INT ? parse_uint(value, &v) : parse_size(value, 1, &v);
		if (r == -EINVAL) {
			snprintf(err, errlen, "property '%s': invalid %s '%s'", p->name,
				 p->type == DEVPROP_INT ? "number" : "size", value);
			return -1;
		}
		if (r || v < p->min || v > p->max) {
			snprintf(err, errlen, "property '%s': value '%s' out of range [%#llx, %#llx]",
				 p->name, value, (unsigned long long)p->min, (unsigned long long)p->max);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- lookup for the machine */

const char *device_prop_value(const struct machine_config *cfg, const struct device_config *dev,
			      const char *prop)
{
	const struct devtype *t = devtype_find(dev->driver);
	const struct devprop_desc *p = t ? devtype_prop(t, prop) : NULL;
	size_t dlen = strlen(dev->driver);

	if (!p)
		return NULL;
	for (unsigned i = 0; i < dev->nprops; i++)
		if (!strcmp(dev->props[i].key, prop))
			return dev->props[i].value;
	for (unsigned i = 0; i < cfg->nglobals; i++) {
		const char *k = cfg->globals[i].key;

		if (!strncmp(k, dev->driver, dlen) && k[dlen] == '.' && !strcmp(k + dlen + 1, prop))
			return cfg->globals[i].value;
	}
	return p->def;
}

int device_prop_uint(const struct machine_config *cfg, const struct device_config *dev,
		     const char *prop, uint64_t *out)
{
	const struct devtype *t = devtype_find(dev->driver);
	const struct devprop_desc *p = t ? devtype_prop(t, prop) : NULL;
	const char *v = device_prop_value(cfg, dev, prop);

	if (!v || !p)
		return -1;
	if (p->type == DEVPROP_INT)
		return parse_uint(v, out) ? -1 : 0;
	if (p->type == DEVPROP_SIZE)
		return parse_size(v, 1, out) ? -1 : 0;
	return -1;
}

int device_prop_bool(const struct machine_config *cfg, const struct device_config *dev,
		     const char *prop, bool *out)
{
	const struct devtype *t = devtype_find(dev->driver);
	const struct devprop_desc *p = t ? devtype_prop(t, prop) : NULL;
	const char *v = device_prop_value(cfg, dev, prop);

	if (!v || !p || p->type != DEVPROP_BOOL)
		return -1;
	return parse_bool(v, out) ? -1 : 0;
}
