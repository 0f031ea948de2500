/*
 * hw/chardev.h - character backends for serial ports and the monitor:
 * stdio, null, file:PATH (more with the platform issue: unix:, tcp:).
 */
#ifndef ELZERO_HW_CHARDEV_H
#define ELZERO_HW_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chardev {
	int fd_in;              /* -1: no input */
	int fd_out;             /* -1: output discarded */
	bool owns_fds;
	bool tty_raw;           /* stdin was put in raw mode; restored on close */
};

/* Open a backend from its QEMU-style spec. Returns 0, or -1 with a message in err. */
int chardev_open(struct chardev *cd, const char *spec, char *err, size_t errlen);
void chardev_close(struct chardev *cd);
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
/* Non-blocking read of one byte: returns the byte, or -1 if none is ready. */
int chardev_read_byte(struct chardev *cd);

#endif
