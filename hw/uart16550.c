/*
 * hw/uart16550.c - a 16550A UART, after the National Semiconductor PC16550D
 * data sheet's register model: RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and
 * the divisor latch. Transmission is instantaneous (THR is always empty again by the
 * time software looks), so the baud rate has no effect.
 */
#include "hw/uart16550.h"

#include <string.h>

enum { REG_RBR_THR, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };

#define LCR_DLAB 0x80
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define IER_RDA  0x01
#define IER_THRE 0x02
#define IER_RLS  0x04
#define IER_MS   0x08
#define IIR_NONE 0x01
#define IIR_RLS  0x06
#define IIR_RDA  0x04
#define IIR_THRE 0x02
#define IIR_MS   0x00
#define FCR_ENABLE 0x01

/* Highest-priority pending interrupt, as IIR reports it. */
static uint8_t uart_iir_id(const struct uart16550 *u)
{
	if ((u->ier & IER_RLS) && (u->lsr & LSR_OE))
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_count)
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thr_irq)
		return IIR_THRE;
	if ((u->ier & IER_MS) && (u->msr & 0x0f))
		return IIR_MS;
	return IIR_NONE;
}

/* On a PC the UART's interrupt line reaches the PIC only when MCR.OUT2 is set. */
static void uart_update_irq(struct uart16550 *u)
{
	int level = uart_iir_id(u) != IIR_NONE && (u->mcr & MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_set(&u->irq, level);
	}
}

static void uart_rx_push(struct uart16550 *u, uint8_t c)
{
	if (u->rx_count == UART_FIFO_SIZE) {
		u->lsr |= LSR_OE;       /* overrun: the new character is lost */
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
	u->rx_count++;
}

void uart16550_init(struct uart16550 *u, struct chardev *chr)
{
	memset(u, 0, sizeof(*u));
	u->chr = chr;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = 0xb0;                  /* DCD, DSR, CTS asserted by the "modem" */
	u->dll = 12;                    /* 9600 baud */
}

bool uart16550_rx_irq_enabled(const struct uart16550 *u)
{
	return (u->ier & IER_RDA) && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP) && u->irq.set;
}

void uart16550_poll(struct uart16550 *u)
{
	int c;

	if (u->mcr & MCR_LOOP)
		return;
	while (u->chr && u->rx_count < UART_FIFO_SIZE && (c = chardev_read_byte(u->chr)) >= 0)
		uart_rx_push(u, (uint8_t)c);
	uart_update_irq(u);
}

static uint8_t uart_msr_value(const struct uart16550 *u)
{
	uint8_t m;

	if (!(u->mcr & MCR_LOOP))
		return u->msr;
	/* Loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2 */
	m = (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
		      ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
	return m | (u->msr & 0x0f);
}

uint32_t uart16550_read(void *dev, uint16_t port, unsigned size)
{
	struct uart16550 *u = dev;
	uint8_t val = 0xff;

	switch (port & 7) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			val = u->dll;
			break;
		}
		if (!u->rx_count)
			uart16550_poll(u);
		val = 0;
		if (u->rx_count) {
			val = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
			u->rx_count--;
		}
		break;
	case REG_IER:
		val = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case REG_IIR_FCR:
		val = uart_iir_id(u);
		if (val == IIR_THRE)
			u->thr_irq = false;     /* reading IIR clears a THRE interrupt */
		if (u->fcr & FCR_ENABLE)
			val |= 0xc0;
		break;
	case REG_LCR:
		val = u->lcr;
		break;
	case REG_MCR:
		val = u->mcr;
		break;
	case REG_LSR:
		if (!u->rx_count)
			uart16550_poll(u);
		val = u->lsr | (u->rx_count ? LSR_DR : 0);
		u->lsr &= (uint8_t)~LSR_OE;     /* error bits clear on read */
		break;
	case REG_MSR:
		val = uart_msr_value(u);
		u->msr &= 0xf0;                 /* delta bits clear on read */
		break;
	case REG_SCR:
		val = u->scr;
		break;
	}
	uart_update_irq(u);
	return val;
}

void uart16550_write(void *dev, uint16_t port, unsigned size, uint32_t val32)
{
	struct uart16550 *u = dev;
	uint8_t val = (uint8_t)val32;

	switch (port & 7) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			break;
		}
		if (u->mcr & MCR_LOOP)
			uart_rx_push(u, val);
		else if (u->chr)
			chardev_write(u->chr, &val, 1);
		u->thr_irq = true;      /* transmitted at once: THR is empty again */
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		/* Enabling THRE interrupts with THR empty raises one at once (data sheet). */
		if ((val & IER_THRE) && !(u->ier & IER_THRE))
			u->thr_irq = true;
		u->ier = val & 0x0f;
		break;
	case REG_IIR_FCR:
		u->fcr = val & 0xc9;
		if (val & 0x02) {       /* clear the receive FIFO */
			u->rx_head = 0;
			u->rx_count = 0;
		}
		break;
	case REG_LCR:
		u->lcr = val;
		break;
	case REG_MCR:
		u->mcr = val & 0x1f;
		break;
	case REG_LSR:
	case REG_MSR:
		break;                  /* read-only (factory test mode not modelled) */
	case REG_SCR:
		u->scr = val;
		break;
	}
	uart_update_irq(u);
}
