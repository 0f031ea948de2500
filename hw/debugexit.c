/*
 * hw/debugexit.c - QEMU's isa-debug-exit: a write of value v to its port ends the
 * emulator with exit status (v << 1) | 1. Test kernels use it to report results.
 */
#include "hw/pc.h"

static void debugexit_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pc *pc = dev;

	pc_request_exit(pc, (int)((val << 1) | 1));
}

int debugexit_init(struct pc *pc, uint16_t iobase, uint16_t iosize)
{
	return machine_register_pio(&pc->m, iobase, iosize, pc, NULL, debugexit_write);
}
