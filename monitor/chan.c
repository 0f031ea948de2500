/*
 * monitor/chan.c - the byte streams the gdb stub and the monitor talk over: stdio,
 * or a listening TCP or Unix socket that serves one client at a time (QEMU's
 * "server" sockets; "nowait" starts the machine before a client connects).
 */
#define _GNU_SOURCE     /* accept4 */
#include "monitor/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_tcp(const char *host, const char *port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	int fd = -1, r, one = 1;

	r = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (r) {
		snprintf(err, errlen, "cannot resolve '%s:%s': %s", host, port, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on '%s:%s': %s", host, port, strerror(errno));
	return fd;
}

static int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: '%s'", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		snprintf(err, errlen, "cannot listen on '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* "address,opt,opt": cut the options off spec and read the ones we know. */
static int parse_opts(char *spec, bool *server, bool *nowait, char *err, size_t errlen)
{
	char *opts = strchr(spec, ','), *save = NULL;

	*server = *nowait = false;
	if (!opts)
		return 0;
	*opts++ = '\0';
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "server") || !strcmp(o, "server=on"))
			*server = true;
		else if (!strcmp(o, "nowait") || !strcmp(o, "wait=off"))
			*nowait = true;
		else if (strcmp(o, "wait=on") && strcmp(o, "server=off")) {
			snprintf(err, errlen, "unsupported socket option '%s' (server, nowait)", o);
			return -1;
		}
	}
	return 0;
}

int chan_open(struct chan *c, const char *spec, bool always_server, bool never_wait,
	      char *err, size_t errlen)
{
	bool server, nowait;
	char *s, *colon;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->listen_fd = c->in_fd = c->out_fd = -1;
	if (!strcmp(spec, "stdio")) {
		c->is_stdio = true;
		c->in_fd = STDIN_FILENO;
		c->out_fd = STDOUT_FILENO;
		return 0;
	}
	s = strdup(spec);
	if (!s || parse_opts(s, &server, &nowait, err, errlen))
		goto out;
	if (!server && !always_server) {
		snprintf(err, errlen, "'%s': only server sockets are supported (add ,server)", spec);
		goto out;
	}
	if (!strncmp(s, "tcp:", 4)) {
		colon = strrchr(s + 4, ':');
		if (!colon || !colon[1]) {
			snprintf(err, errlen, "'%s': expected tcp:[HOST]:PORT", spec);
			goto out;
		}
		*colon = '\0';
		c->listen_fd = listen_tcp(s + 4, colon + 1, err, errlen);
	} else if (!strncmp(s, "unix:", 5) && s[5]) {
		c->listen_fd = listen_unix(s + 5, err, errlen);
		if (c->listen_fd >= 0)
			c->unix_path = strdup(s + 5);
	} else {
		snprintf(err, errlen, "unsupported backend '%s' (stdio, tcp:HOST:PORT, unix:PATH)", spec);
		goto out;
	}
	if (c->listen_fd < 0)
		goto out;
	/* A client that goes away must not kill the machine with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (!nowait && !never_wait) {
		struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };

		fprintf(stderr, "elzero: waiting for a connection on %s\n", spec);
		while (!chan_connected(c)) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				break;
			chan_accept(c);
		}
	}
	rc = 0;
out:
	free(s);
	if (rc)
		chan_close(c);
	return rc;
}

void chan_drop_client(struct chan *c)
{
	if (c->is_stdio) {
		c->in_fd = -1;          /* EOF on stdin: no more input */
		return;
	}
	if (c->in_fd >= 0)
		close(c->in_fd);
	c->in_fd = c->out_fd = -1;
}

void chan_close(struct chan *c)
{
	if (!c->is_stdio)
		chan_drop_client(c);
	c->in_fd = c->out_fd = -1;
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->listen_fd = -1;
	if (c->unix_path) {
		unlink(c->unix_path);
		free(c->unix_path);
		c->unix_path = NULL;
	}
}

bool chan_connected(const struct chan *c)
{
	return c->in_fd >= 0;
}

bool chan_accept(struct chan *c)
{
	struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };
	int fd;

	if (c->in_fd >= 0 || c->listen_fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	c->in_fd = c->out_fd = fd;
	return true;
}

ssize_t chan_read(struct chan *c, void *buf, size_t len)
{
	struct pollfd p = { .fd = c->in_fd, .events = POLLIN };
	ssize_t n;

	if (c->in_fd < 0)
		return -1;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	n = read(c->in_fd, buf, len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		chan_drop_client(c);
		return -1;
	}
	return n;
}

void chan_write(struct chan *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (c->out_fd >= 0 && len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			chan_drop_client(c);
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

int chan_poll_fd(const struct chan *c)
{
	return c->in_fd >= 0 ? c->in_fd : c->listen_fd;
}
