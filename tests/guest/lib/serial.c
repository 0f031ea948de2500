/*
 * tests/guest/lib/serial.c - output on COM1, a 16550 UART polled through its line
 * status register (PC16550D datasheet: registers at 0x3f8..0x3ff, LSR bit 5 =
 * transmitter holding register empty).
 */
#include "guest.h"

#define COM1 0x3f8
#define UART_THR 0      /* transmit holding (DLAB=0) / divisor low (DLAB=1) */
#define UART_IER 1      /* interrupt enable / divisor high */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);    /* polled: no interrupts */
	outb(COM1 + UART_LCR, 0x80);    /* DLAB, to set the divisor */
	outb(COM1 + UART_THR, 0x01);    /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);    /* 8N1 */
	outb(COM1 + UART_FCR, 0x07);    /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);    /* DTR, RTS */
}

void serial_putc(char c)
{
	/* Bounded: a missing or stuck UART must not hang the test forever. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
		pause();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}
