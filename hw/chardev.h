/*
 * hw/chardev.h - character backends for serial ports and the monitor:
 * stdio (raw terminal, restored on exit and on fatal signals), null, file:PATH, and
 * sockets in QEMU's spelling: unix:PATH[,server][,nowait] and
 * tcp:[HOST]:PORT[,server][,nowait]. A server waits for its first client before the
 * guest starts unless nowait; clients come and go (output without one is dropped).
 * Input is polled by the machine; there is no record/replay input log yet.
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
	int listen_fd;          /* server socket waiting for the next client, or -1 */
	bool is_socket;         /* written with send(MSG_NOSIGNAL): no SIGPIPE */
};

/* Open a backend from its QEMU-style spec. Returns 0, or -1 with a message in err. */
int chardev_open(struct chardev *cd, const char *spec, char *err, size_t errlen);
void chardev_close(struct chardev *cd);
void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len);
/* Can input ever arrive (an input fd, or a server waiting for a client)? */
bool chardev_has_input(const struct chardev *cd);
/* Block until one of the n backends has input (or a client): the machine is idle and
 * only host input can wake it. Returns false if none can ever have any. */
bool chardev_wait_input(struct chardev *const *cds, unsigned n);
/* Non-blocking read of one byte: returns the byte, or -1 if none is ready. */
int chardev_read_byte(struct chardev *cd);

#endif
