/*
 * hw/i8042.c - the 8042 keyboard controller and an attached PS/2 keyboard.
 *
 * Controller commands and status bits as IBM's PC AT technical reference and the
 * common 8042 documentation give them (0x20/0x60 command byte, 0xa7-0xab port
 * control and tests, 0xaa self-test, 0xad/0xae keyboard disable/enable, 0xc0/0xd0/
 * 0xd1 ports, 0xd2/0xd3 loopback, 0xd4 aux write, 0xf0-0xff output pulses); the
 * keyboard answers the PS/2 commands a BIOS or Linux sends. No mouse is attached.
 */
#include "hw/i8042.h"

#include "cpu/cpu.h"

#include <string.h>

#define ST_OBF    0x01
#define ST_SYS    0x04
#define ST_CMD    0x08  /* the last write went to port 0x64 */
#define ST_UNLOCK 0x10
#define ST_AUXOBF 0x20
#define ST_TIMEOUT 0x40

#define CB_KBD_INT 0x01
#define CB_AUX_INT 0x02
#define CB_SYS     0x04
#define CB_KBD_OFF 0x10
#define CB_AUX_OFF 0x20

#define KBD_ACK 0xfa

static void update(struct i8042 *k)
{
	bool obf = k->count > 0, aux = obf && k->aux[k->head];

	k->status = (uint8_t)((k->status & ~(ST_OBF | ST_AUXOBF)) | (obf ? ST_OBF : 0) |
			      (aux ? ST_AUXOBF : 0));
	irq_set(&k->irq_kbd, obf && !aux && (k->cmd_byte & CB_KBD_INT));
	irq_set(&k->irq_aux, aux && (k->cmd_byte & CB_AUX_INT));
}

static void push(struct i8042 *k, uint8_t val, bool aux)
{
	if (k->count < I8042_QUEUE) {
		unsigned i = (k->head + k->count++) % I8042_QUEUE;

		k->queue[i] = val;
		k->aux[i] = aux;
	}
	update(k);
}

void i8042_init(struct i8042 *k, struct irq_line irq_kbd, struct irq_line irq_aux,
		machine_event_fn reset, void *opaque)
{
	memset(k, 0, sizeof(*k));
	k->irq_kbd = irq_kbd;
	k->irq_aux = irq_aux;
	k->reset = reset;
	k->opaque = opaque;
	/* As a BIOS leaves it: self-test passed, keyboard interrupt on, translation. */
	k->status = ST_SYS | ST_UNLOCK;
	k->cmd_byte = 0x45 | CB_AUX_OFF;
	k->outport = 0x03;      /* reset line high (inactive), A20 on */
	k->scancode_set = 2;
	k->kbd_enabled = true;
}

/* A byte for the keyboard (port 0x60 without a controller command pending). */
static void kbd_write(struct i8042 *k, uint8_t val)
{
	uint8_t arg_cmd = k->kbd_pending;

	k->kbd_pending = 0;
	if (arg_cmd) {
		push(k, KBD_ACK, false);
		if (arg_cmd == 0xf0 && val == 0)
			push(k, k->scancode_set, false);
		else if (arg_cmd == 0xf0 && val <= 3)
			k->scancode_set = val;
		return;
	}
	switch (val) {
	case 0xed:                      /* set LEDs */
	case 0xf3:                      /* typematic rate */
	case 0xf0:                      /* scan code set */
		push(k, KBD_ACK, false);
		k->kbd_pending = val;
		break;
	case 0xee:                      /* echo */
		push(k, 0xee, false);
		break;
	case 0xf2:                      /* identify: MF2 keyboard */
		push(k, KBD_ACK, false);
		push(k, 0xab, false);
		push(k, 0x83, false);
		break;
	case 0xf4:
		k->kbd_enabled = true;
		push(k, KBD_ACK, false);
		break;
	case 0xf5:
		k->kbd_enabled = false;
		push(k, KBD_ACK, false);
		break;
	case 0xf6:
		k->kbd_enabled = true;
		k->scancode_set = 2;
		push(k, KBD_ACK, false);
		break;
	case 0xff:                      /* reset and self-test (BAT) */
		k->kbd_enabled = true;
		k->scancode_set = 2;
		push(k, KBD_ACK, false);
		push(k, 0xaa, false);
		break;
	default:
		push(k, 0xfe, false);   /* resend: not a command this keyboard knows */
		break;
	}
}

static void write_outport(struct i8042 *k, uint8_t val)
{
	if (!(val & 2))
		cpu_log_unimp("A20 gate disabled (8042 output port): addresses are not wrapped", val, NULL);
	k->outport = val;
	if (!(val & 1))
		k->reset(k->opaque);    /* the reset line is active low */
}

static void data_write(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case 0x60:
		k->cmd_byte = val;
		k->status = (uint8_t)((k->status & ~ST_SYS) | (val & CB_SYS));
		update(k);
		break;
	case 0xd1:
		write_outport(k, val);
		break;
	case 0xd2:
		push(k, val, false);
		break;
	case 0xd3:
		push(k, val, true);
		break;
	case 0xd4:
		/* No mouse: the write to the aux device times out. */
		k->status |= ST_TIMEOUT;
		break;
	default:
		k->status &= ~ST_TIMEOUT;
		if (k->kbd_enabled || val == 0xff || val == 0xf4 || val == 0xf6)
			kbd_write(k, val);
		break;
	}
}

static void command_write(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: push(k, k->cmd_byte, false); break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		k->pending_cmd = cmd;
		break;
	case 0xa7: k->cmd_byte |= CB_AUX_OFF; break;
	case 0xa8: k->cmd_byte &= ~CB_AUX_OFF; break;
	case 0xa9: push(k, 0x00, false); break;         /* aux interface test: OK */
	case 0xaa:                                      /* controller self-test */
		k->status |= ST_SYS;
		push(k, 0x55, false);
		break;
	case 0xab: push(k, 0x00, false); break;         /* keyboard interface test: OK */
	case 0xad: k->cmd_byte |= CB_KBD_OFF; break;
	case 0xae: k->cmd_byte &= ~CB_KBD_OFF; break;
	case 0xc0: push(k, 0x80, false); break;         /* input port: keyboard not inhibited */
	case 0xd0: push(k, k->outport, false); break;
	case 0xdd: write_outport(k, k->outport & ~2); break;
	case 0xdf: write_outport(k, k->outport | 2); break;
	case 0xe0: push(k, 0x00, false); break;         /* test inputs */
	default:
		if (cmd >= 0xf0) {      /* pulse output lines low: bit 0 is the reset line */
			if (!(cmd & 1))
				k->reset(k->opaque);
		} else {
			cpu_log_unimp("8042 controller command", cmd, NULL);
		}
		break;
	}
	update(k);
}

uint32_t i8042_read(void *dev, uint16_t port, unsigned size)
{
	struct i8042 *k = dev;
	uint8_t val;

	(void)size;
	if (port & 4)
		return k->status;
	if (!k->count)
		return k->queue[(k->head + I8042_QUEUE - 1) % I8042_QUEUE];   /* last byte again */
	val = k->queue[k->head];
	k->head = (k->head + 1) % I8042_QUEUE;
	k->count--;
	/* The interrupt drops with OBF; a next byte raises it again (a new edge). */
	irq_set(&k->irq_kbd, 0);
	irq_set(&k->irq_aux, 0);
	update(k);
	return val;
}

void i8042_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct i8042 *k = dev;

	(void)size;
	if (port & 4) {
		k->status |= ST_CMD;
		command_write(k, (uint8_t)val);
	} else {
		k->status &= ~ST_CMD;
		data_write(k, (uint8_t)val);
	}
}
