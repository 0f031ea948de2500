/*
 * hw/sysctl.h - the PC's small system ports: POST code (0x80), system control
 * port A (0x92: fast reset, A20), the reset control register (0xcf9) and Bochs's
 * shutdown port (0x8900). Resets and power-off go to the machine's callbacks.
 */
#ifndef ELZERO_HW_SYSCTL_H
#define ELZERO_HW_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*machine_event_fn)(void *opaque);

struct sysctl {
	uint8_t post;                   /* last POST code written to 0x80 */
	uint8_t port92;
	uint8_t rcr;                    /* 0xcf9 */
	unsigned shutdown_pos;          /* how much of "Shutdown" 0x8900 has seen */
	machine_event_fn reset;         /* hard reset of the machine */
	machine_event_fn poweroff;
	void *opaque;
};

void sysctl_init(struct sysctl *s, machine_event_fn reset, machine_event_fn poweroff, void *opaque);
/* One handler for all four: register 0x80, 0x92, 0xcf9 and 0x8900, 1 port each. */
uint32_t sysctl_read(void *dev, uint16_t port, unsigned size);
void sysctl_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
