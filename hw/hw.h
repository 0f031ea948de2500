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

/*
 * What the command line asks of the machine (cli/ fills it; hw/pc.c builds it).
 * Strings point into argv or are owned by the config (cli frees them).
 */
#define MACHINE_MAX_DEVICES 32
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

struct machine_config {
	uint64_t ram_size;              /* bytes; -m, default 128 MiB */
	unsigned smp;                   /* -smp, default 1 */
	const char *cpu;                /* -cpu text: "model[,edits]"; NULL = default */
	const char *accel;              /* "tcg" (default) or "kvm" */
	const char *kernel, *initrd, *append;
	const char *serial[MACHINE_MAX_SERIAL];  /* backends: stdio, file:PATH, null, ... */
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
};

/* Build the machine the config describes and run it until it stops. Returns the
 * process exit status (isa-debug-exit's (v << 1) | 1, 0 on power-off), or -1 after
 * printing why the machine could not be built. */
int machine_run(const struct machine_config *cfg);

#endif
