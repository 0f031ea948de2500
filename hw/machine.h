/*
 * hw/machine.h - the machine's internals, for hw/ files only.
 */
#ifndef ELZERO_HW_MACHINE_H
#define ELZERO_HW_MACHINE_H

#include "hw/hw.h"

#define MACHINE_MAX_PIO  64
#define MACHINE_MAX_MMIO 32

struct pio_region {
	uint16_t base, len;
	void *dev;
	pio_read_fn rd;
	pio_write_fn wr;
};

struct mmio_region {
	uint64_t base, len;
	void *dev;
	mmio_read_fn rd;
	mmio_write_fn wr;
};

struct machine {
	struct cpu_bus bus;
	struct pio_region pio[MACHINE_MAX_PIO];
	unsigned npio;
	struct mmio_region mmio[MACHINE_MAX_MMIO];
	unsigned nmmio;
};

int machine_init_bus(struct machine *m, uint64_t ram_size);
void machine_free_bus(struct machine *m);

#endif
