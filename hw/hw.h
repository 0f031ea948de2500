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

#endif
