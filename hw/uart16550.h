/*
 * hw/uart16550.h - a 16550A UART (COM1 at 0x3f8, IRQ 4 on a PC).
 */
#ifndef ELZERO_HW_UART16550_H
#define ELZERO_HW_UART16550_H

#include "hw/chardev.h"
#include "hw/hw.h"
#include "hw/irq.h"

#define UART_FIFO_SIZE 16

struct uart16550 {
	struct chardev *chr;
	struct irq_line irq;            /* the ISA IRQ (COM1: 4); unconnected: set == NULL */
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thr_irq;                   /* THR-empty interrupt pending (cleared by IIR read/THR write) */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	int irq_level;
};

void uart16550_init(struct uart16550 *u, struct chardev *chr);
uint32_t uart16550_read(void *dev, uint16_t port, unsigned size);
void uart16550_write(void *dev, uint16_t port, unsigned size, uint32_t val);
/* Would received data raise the interrupt (IER.ERBFI, MCR.OUT2, a connected line)? */
bool uart16550_rx_irq_enabled(const struct uart16550 *u);
/* Pull pending host input into the receive FIFO (the machine calls this periodically). */
void uart16550_poll(struct uart16550 *u);

#endif
