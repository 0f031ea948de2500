/*
 * hw/hw.h - the public face of hw/: the PC machine.
 *
 * A machine owns RAM, the port-I/O and MMIO dispatch, its devices and its vCPUs'
 * bus (struct cpu_bus). Devices see only the bus and IRQ API below.
 */
#ifndef ELZERO_HW_HW_H
#define ELZERO_HW_HW_H

#include "cpu/cpu.h"

struct machine;

/* Port I/O and MMIO handlers a device registers with the machine. */
typedef uint32_t (*pio_read_fn)(void *dev, uint16_t port, unsigned size);
typedef void (*pio_write_fn)(void *dev, uint16_t port, unsigned size, uint32_t val);
typedef uint64_t (*mmio_read_fn)(void *dev, uint64_t offset, unsigned size);
typedef void (*mmio_write_fn)(void *dev, uint64_t offset, unsigned size, uint64_t val);

int machine_register_pio(struct machine *m, uint16_t base, uint16_t len, void *dev,
			 pio_read_fn rd, pio_write_fn wr);
int machine_register_mmio(struct machine *m, uint64_t base, uint64_t len, void *dev,
			  mmio_read_fn rd, mmio_write_fn wr);
/* Remove what dev registered at base (a PCI BAR moving or turned off): 0 or -ENOENT. */
int machine_unregister_pio(struct machine *m, uint16_t base, void *dev);
int machine_unregister_mmio(struct machine *m, uint64_t base, void *dev);

/*
 * What the command line asks of the machine (cli/ fills it; hw/pc.c builds it).
 * Strings point into argv or are owned by the config (cli frees them).
 */
#define MACHINE_MAX_DEVICES 32
#define MACHINE_MAX_CPUS    32          /* -smp: vCPUs the machine can run */
#define MACHINE_MAX_SERIAL  4

struct device_prop {
	const char *key;
	const char *value;
};

struct device_config {
	const char *driver;             /* e.g. "isa-debug-exit" */
	unsigned nprops;
	struct device_prop props[16];
};

/* A -drive (QEMU's spelling). if=virtio makes a virtio-blk-pci of it; if=none waits
 * for a -device virtio-blk-pci,drive=ID. */
#define MACHINE_MAX_DRIVES 8
struct drive_config {
	const char *file;
	const char *id;                 /* NULL: none */
	bool virtio;                    /* if=virtio (else if=none) */
	bool readonly;
	const char *serial;             /* NULL: none */
};

struct machine_config {
	uint64_t ram_size;              /* bytes; -m, default 128 MiB */
	unsigned smp;                   /* -smp, default 1 */
	unsigned smp_max;               /* -smp maxcpus= (0: smp) */
	unsigned smp_cores, smp_threads;        /* -smp cores=, threads= (0: 1) */
	const char *cpu;                /* -cpu text: "model[,edits]"; NULL = default */
	const char *accel;              /* "tcg" (default) or "kvm" */
	const char *kernel, *initrd, *append;
	const char *serial[MACHINE_MAX_SERIAL];  /* backends: stdio, file:PATH, null, ... (COM1 first;
						    * "none": that port is absent) */
	unsigned nserial;
	const char *display;            /* "none" or "sdl"; NULL = none */
	bool no_reboot;
	bool nodefaults;
	bool start_stopped;             /* -S */
	const char *gdb;                /* -s / -gdb tcp::PORT; NULL = no stub */
	const char *monitor;            /* -monitor backend; NULL = none */
	unsigned ndevices;
	struct device_config devices[MACHINE_MAX_DEVICES];
	unsigned nglobals;
	struct device_prop globals[16]; /* -global driver.prop=value: key is "driver.prop" */
	unsigned ndrives;
	struct drive_config drives[MACHINE_MAX_DRIVES];
};

/* Build the machine the config describes and run it until it stops. Returns the
 * process exit status (isa-debug-exit's (v << 1) | 1, 0 on power-off or on a reset
 * under -no-reboot, 2 when every vCPU halted with nothing to wake it), or -1 after
 * printing why the machine could not be built. */
int machine_run(const struct machine_config *cfg);

/*
 * Device types (hw/devtypes.c): what -device and -global may name, with each
 * type's properties. One table serves -device help, -device DRIVER,help, the
 * command line's validation and the machine's property lookup. A type that is
 * listed but not implemented is refused by the command line ("not yet supported");
 * -global may still name it, as in QEMU, since no instance is created.
 */
enum devbus { DEVBUS_ISA, DEVBUS_PCI, DEVBUS_VIRTIO, DEVBUS_SYSTEM /* QEMU's sysbus */ };
enum devprop_type { DEVPROP_INT, DEVPROP_BOOL, DEVPROP_STRING, DEVPROP_SIZE };

struct devprop_desc {
	const char *name;
	enum devprop_type type;
	const char *def;                /* default as text; NULL = none (unset) */
	uint64_t min, max;              /* DEVPROP_INT / DEVPROP_SIZE range */
	const char *help;
};

struct devtype {
	const char *name;
	enum devbus bus;
	const char *desc;
	bool implemented;
	const struct devprop_desc *props;
	unsigned nprops;
};

unsigned devtype_count(void);
const struct devtype *devtype_at(unsigned i);
const struct devtype *devtype_find(const char *name);           /* NULL if unknown */
const struct devprop_desc *devtype_prop(const struct devtype *t, const char *name);
const char *devbus_name(enum devbus bus);                        /* "ISA", "PCI", ... */
const char *devprop_type_name(enum devprop_type type);          /* "int", "bool", ... */
/* Check value against p's type and range; 0, or -1 and a message in err. */
int devprop_check(const struct devprop_desc *p, const char *value, char *err, size_t errlen);
/* A device property's value: the -device value, else a -global "driver.prop", else the
 * type's default; NULL if none of these (or not a property of the type). */
const char *device_prop_value(const struct machine_config *cfg, const struct device_config *dev,
			      const char *prop);
/* The same, converted: 0 on success, -1 if unset or not of that type (the command line
 * has already checked values, so -1 means the caller asked for the wrong thing). */
int device_prop_uint(const struct machine_config *cfg, const struct device_config *dev,
		     const char *prop, uint64_t *out);
int device_prop_bool(const struct machine_config *cfg, const struct device_config *dev,
		     const char *prop, bool *out);

/*
 * Value syntax shared by the command line and devices (QEMU's spelling).
 * parse_uint: decimal, 0x hex or 0 octal, whole string, no sign.
 * parse_size: a number with an optional suffix B, K, M, G, T, P, E (either case; powers
 *   of 1024), "1.5G" allowed with a suffix; without a suffix the value is in units of
 *   default_unit (1 for bytes, 1 << 20 for -m).
 * parse_bool: on|off, yes|no, true|false, y|n.
 * Each returns 0, -EINVAL for malformed text or -ERANGE for a value that does not fit.
 */
int parse_uint(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);
int parse_bool(const char *s, bool *out);

#endif
