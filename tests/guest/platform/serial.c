/*
 * tests/guest/platform/serial.c - COM2 (0x2f8, IRQ 3) on a host socket: the kernel
 * says "ready", reads a line the host sends and echoes it back as "echo: LINE";
 * COM2's THR-empty interrupt arrives on IRQ 3; then the kernel halts until the host's
 * next byte raises the received-data interrupt. Results go to COM1 as usual.
 * tests/guest/platform/serial-test.py plays the host side over unix: and tcp:.
 */
#include "guest.h"

#define COM2 0x2f8
#define VEC_IRQ3 0x23

static volatile unsigned irq3_hits;
static volatile uint8_t irq3_iir;

static void com2_putc(char c)
{
	for (unsigned i = 0; i < 1000000 && !(inb(COM2 + 5) & 0x20); i++)
		pause();
	outb(COM2, (uint8_t)c);
}

static void com2_puts(const char *s)
{
	while (*s)
		com2_putc(*s++);
}

/* One byte, or -1 after a long wait with nothing. */
static int com2_getc(void)
{
	for (unsigned i = 0; i < 20000000; i++)
		if (inb(COM2 + 5) & 0x01)
			return inb(COM2);
	return -1;
}

static volatile int rx_byte = -1;

static void irq3_handler(struct excp_frame *f)
{
	(void)f;
	irq3_iir = inb(COM2 + 2);       /* reading IIR acknowledges THRE */
	if ((irq3_iir & 0x0f) == 0x04)  /* received data: reading RBR acknowledges it */
		rx_byte = inb(COM2);
	irq3_hits++;
	outb(0x20, 0x20);
}

int main(void)
{
	char line[64];
	unsigned n = 0;
	int c;

	outb(COM2 + 1, 0x00);           /* no interrupts yet */
	outb(COM2 + 3, 0x80);           /* DLAB: 115200 baud */
	outb(COM2 + 0, 0x01);
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03);           /* 8N1 */
	outb(COM2 + 2, 0x07);           /* FIFOs on and cleared */
	outb(COM2 + 4, 0x03);           /* DTR, RTS */
	expect_eq(inb(COM2 + 3), 0x03, "COM2 present at 0x2f8");

	com2_puts("ready\n");
	while (n < sizeof(line) - 1 && (c = com2_getc()) >= 0 && c != '\n')
		line[n++] = (char)c;
	line[n] = 0;
	report(c == '\n', "a line from the host (%u bytes)", n);
	com2_puts("echo: ");
	com2_puts(line);
	com2_puts("\n");
	expect_str_eq(line, "hello from the host", "the line's contents");

	/* THR empty raises IRQ 3 once enabled, through OUT2 and the master PIC. */
	idt_set_handler(VEC_IRQ3, irq3_handler);
	outb(0x20, 0x11);               /* the master PIC at vectors 0x20-0x27, IRQ 3 only */
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0x21, 0xff & ~(1u << 3));
	outb(0xa1, 0xff);
	outb(COM2 + 4, 0x0b);           /* OUT2: the interrupt reaches the PIC */
	outb(COM2 + 1, 0x02);           /* THRE interrupt */
	sti();
	for (unsigned i = 0; i < 100000 && !irq3_hits; i++)
		pause();
	cli();
	expect_eq(irq3_hits, 1, "COM2 THR-empty interrupt on IRQ 3");
	expect_eq(irq3_iir & 0x0f, 0x02, "IIR said THR empty");

	/* Received data interrupt while halted: the host's next byte wakes the CPU. */
	outb(COM2 + 1, 0x01);
	com2_puts("more\n");
	for (unsigned i = 0; i < 1000 && rx_byte < 0; i++)
		asm volatile("sti; hlt; cli" : : : "memory");
	expect_eq(rx_byte, '!', "a byte received by interrupt while halted");
	expect_eq(irq3_iir & 0x0f, 0x04, "IIR said received data");
	outb(COM2 + 1, 0x00);
	outb(0x21, 0xff);
	return 0;
}
