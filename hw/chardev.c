/*
 * hw/chardev.c - character backends.
 */
#include "hw/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int chardev_open(struct chardev *cd, const char *spec, char *err, size_t errlen)
{
	memset(cd, 0, sizeof(*cd));
	cd->fd_in = -1;
	cd->fd_out = -1;
	if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
		/* Input stays in the terminal's own mode for now: the guest sees lines. */
		cd->fd_in = STDIN_FILENO;
		cd->fd_out = STDOUT_FILENO;
		return 0;
	}
	if (!strcmp(spec, "null") || !strcmp(spec, "none"))
		return 0;
	if (!strncmp(spec, "file:", 5)) {
		int fd;

		if (!spec[5]) {
			snprintf(err, errlen, "serial backend 'file:' needs a path");
			return -1;
		}
		fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open '%s': %s", spec + 5, strerror(errno));
			return -1;
		}
		cd->fd_out = fd;
		cd->owns_fds = true;
		return 0;
	}
	snprintf(err, errlen, "serial backend '%s' is not yet supported (stdio, null, file:PATH)", spec);
	return -1;
}

void chardev_close(struct chardev *cd)
{
	if (cd->owns_fds) {
		if (cd->fd_out >= 0)
			close(cd->fd_out);
		if (cd->fd_in >= 0 && cd->fd_in != cd->fd_out)
			close(cd->fd_in);
	}
	cd->fd_in = cd->fd_out = -1;
}

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
	while (cd->fd_out >= 0 && len) {
		ssize_t n = write(cd->fd_out, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The reader went away (closed pipe): drop output, keep the guest running. */
			cd->fd_out = -1;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

int chardev_read_byte(struct chardev *cd)
{
	struct pollfd p = { .fd = cd->fd_in, .events = POLLIN };
	uint8_t c;

	if (cd->fd_in < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
		return -1;
	if (read(cd->fd_in, &c, 1) != 1) {
		cd->fd_in = -1;         /* EOF: no more input */
		return -1;
	}
	return c;
}
