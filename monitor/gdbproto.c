/*
 * monitor/gdbproto.c - GDB remote serial protocol framing and hex encoding
 * ("Debugging with GDB", appendix E, "Overview" and "Packets"). No I/O here: the
 * stub (gdbstub.c) feeds bytes in and writes the frames out.
 */
#include "monitor/internal.h"

#include <string.h>

enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 };

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->state = RX_IDLE;
}

uint8_t gdb_checksum(const char *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + (uint8_t)p[i]);
	return sum;
}

int gdb_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void rx_add(struct gdb_rx *rx, char c)
{
	if (rx->len < GDB_MAX_PACKET)
		rx->buf[rx->len++] = c;
	else
		rx->overflow = true;
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte)
{
	int h;

	switch (rx->state) {
	case RX_IDLE:
		if (byte == '$') {
			rx->state = RX_DATA;
			rx->len = 0;
			rx->sum = 0;
			rx->escape = false;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		return byte == 0x03 ? GDB_RX_INTR : byte == '+' ? GDB_RX_ACK :
		       byte == '-' ? GDB_RX_NAK : GDB_RX_NONE;
	case RX_DATA:
		if (byte == '#' && !rx->escape) {
			rx->state = RX_SUM1;
			return GDB_RX_NONE;
		}
		rx->sum = (uint8_t)(rx->sum + byte);
		if (rx->escape) {
			rx_add(rx, (char)(byte ^ 0x20));
			rx->escape = false;
		} else if (byte == '}') {
			rx->escape = true;
		} else {
			rx_add(rx, (char)byte);
		}
		return GDB_RX_NONE;
	case RX_SUM1:
		h = gdb_hexval((char)byte);
		rx->got_sum = (uint8_t)((h < 0 ? 0x100 : h) << 4);
		rx->state = h < 0 ? RX_IDLE : RX_SUM2;
		return h < 0 ? GDB_RX_BADSUM : GDB_RX_NONE;
	default:
		rx->state = RX_IDLE;
		h = gdb_hexval((char)byte);
		rx->buf[rx->len] = '\0';
		if (h < 0 || (uint8_t)(rx->got_sum | h) != rx->sum || rx->overflow)
			return GDB_RX_BADSUM;
		return GDB_RX_PACKET;
	}
}

size_t gdb_frame(const char *payload, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	uint8_t sum = 0;

	if (outlen < 5)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = payload[i];

		if (o + 2 + 4 > outlen)
			return 0;
		if (c == '#' || c == '$' || c == '}' || c == '*') {
			out[o++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		out[o++] = c;
		sum = (uint8_t)(sum + (uint8_t)c);
	}
	out[o++] = '#';
	out[o++] = hex[sum >> 4];
	out[o++] = hex[sum & 15];
	out[o] = '\0';
	return o;
}

void gdb_tohex(char *out, const uint8_t *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int gdb_fromhex(uint8_t *out, const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hexval(in[2 * i]), lo = hi < 0 ? -1 : gdb_hexval(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *gdb_parse_hex(const char *p, uint64_t *val)
{
	uint64_t v = 0;
	unsigned n = 0;
	int h;

	while ((h = gdb_hexval(*p)) >= 0) {
		if (++n > 16)
			return NULL;
		v = v << 4 | (unsigned)h;
		p++;
	}
	if (!n)
		return NULL;
	*val = v;
	return p;
}
