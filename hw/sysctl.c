/*
 * hw/sysctl.c - POST port, port 0x92, reset control register, Bochs shutdown port.
 *
 * Port 0x92 and 0xcf9 as the PIIX3 data sheet describes them (system control port A:
 * bit 0 fast init, bit 1 A20 gate; RCR: bit 2 reset CPU, bit 1 system reset);
 * 0x8900 as Bochs and QEMU's old PC define it (the bytes "Shutdown" power off).
 */
#include "hw/sysctl.h"

#include "cpu/cpu.h"

#include <string.h>

void sysctl_init(struct sysctl *s, machine_event_fn reset, machine_event_fn poweroff, void *opaque)
{
	memset(s, 0, sizeof(*s));
	s->port92 = 0x02;               /* A20 enabled, as a BIOS leaves it */
	s->reset = reset;
	s->poweroff = poweroff;
	s->opaque = opaque;
}

uint32_t sysctl_read(void *dev, uint16_t port, unsigned size)
{
	struct sysctl *s = dev;

	(void)size;
	switch (port) {
	case 0x80: return s->post;
	case 0x92: return s->port92;
	case 0xcf9: return s->rcr;
	default: return 0xff;
	}
}

void sysctl_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	static const char magic[] = "Shutdown";
	struct sysctl *s = dev;

	(void)size;
	switch (port) {
	case 0x80:
		s->post = (uint8_t)val;
		break;
	case 0x92:
		if (!(val & 2))
			cpu_log_unimp("A20 gate disabled (port 0x92): addresses are not wrapped", val, NULL);
		/* A 0-to-1 transition of bit 0 resets the CPU. */
		if ((val & 1) && !(s->port92 & 1)) {
			s->port92 = (uint8_t)(val & ~1u);
			s->reset(s->opaque);
			return;
		}
		s->port92 = (uint8_t)val;
		break;
	case 0xcf9:
		s->rcr = val & 0x0a;    /* bits 1 (SRST type) and 3 (full reset) hold */
		if (val & 4)
			s->reset(s->opaque);
		break;
	case 0x8900:
		if ((char)val == magic[s->shutdown_pos]) {
			if (!magic[++s->shutdown_pos]) {
				s->shutdown_pos = 0;
				s->poweroff(s->opaque);
			}
		} else {
			s->shutdown_pos = (char)val == magic[0];
		}
		break;
	default:
		break;
	}
}
