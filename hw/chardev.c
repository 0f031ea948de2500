/*
 * hw/chardev.c - character backends: stdio, null, file:PATH, unix: and tcp: sockets.
 */
#define _GNU_SOURCE                     /* accept4 */
#include "hw/chardev.h"

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
#include <termios.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the terminal */

/* The terminal's mode before stdio went raw: one terminal per process. */
static struct termios g_saved_tty;
static volatile sig_atomic_t g_tty_saved;

static void tty_restore(void)
{
	if (g_tty_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_tty);
		g_tty_saved = 0;
	}
}

/* A fatal signal: give the terminal back, then die of the signal as before. */
static void tty_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Raw input (no line editing, no echo: the guest echoes), output processing and
 * Ctrl-C kept (as QEMU's -serial stdio without mon:). */
static void tty_make_raw(struct chardev *cd)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT };
	struct termios t;

	if (!isatty(STDIN_FILENO) || g_tty_saved || tcgetattr(STDIN_FILENO, &g_saved_tty))
		return;
	t = g_saved_tty;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	g_tty_saved = 1;
	cd->tty_raw = true;
	atexit(tty_restore);
	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], tty_signal);
}

/* ---------------------------------------------------------------- sockets */

struct sock_spec {
	bool tcp, server, wait;
	char addr[256];                 /* unix: the path; tcp: HOST:PORT */
};

/* "ADDR[,server][,nowait][,wait=off][,server=on]..." after "unix:" or "tcp:". */
static int sock_parse(struct sock_spec *s, const char *spec, bool tcp, char *err, size_t errlen)
{
	size_t n = strcspn(spec, ",");
	const char *o = spec + n;

	memset(s, 0, sizeof(*s));
	s->tcp = tcp;
	s->wait = true;
	if (!n || n >= sizeof(s->addr)) {
		snprintf(err, errlen, "socket backend: missing or too long address in '%s'", spec);
		return -1;
	}
	memcpy(s->addr, spec, n);
	while (*o == ',') {
		size_t len = strcspn(++o, ",");

		if ((len == 6 && !strncmp(o, "server", 6)) || (len == 9 && !strncmp(o, "server=on", 9)))
			s->server = true;
		else if ((len == 6 && !strncmp(o, "nowait", 6)) || (len == 8 && !strncmp(o, "wait=off", 8)))
			s->wait = false;
		else if (!(len == 7 && !strncmp(o, "wait=on", 7)) && !(len == 10 && !strncmp(o, "server=off", 10))) {
			snprintf(err, errlen, "socket backend: option '%.*s' is not supported", (int)len, o);
			return -1;
		}
		o += len;
	}
	return 0;
}

/* A socket bound to (server) or connected to (client) the address; -1 with err. */
static int sock_open(const struct sock_spec *s, char *err, size_t errlen)
{
	int fd = -1, one = 1;

	if (!s->tcp) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(s->addr) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "unix socket path too long: '%s'", s->addr);
			return -1;
		}
		strcpy(sun.sun_path, s->addr);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && s->server)
			unlink(s->addr);        /* a stale socket file from an earlier run */
		if (fd >= 0 && (s->server ? bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
					  listen(fd, 1) == 0
				: connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0))
			return fd;
	} else {
		char host[256];
		const char *colon = strrchr(s->addr, ':');
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					  .ai_flags = s->server ? AI_PASSIVE : 0 }, *ai = NULL;

		if (!colon) {
			snprintf(err, errlen, "tcp address '%s' is not HOST:PORT", s->addr);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s->addr), s->addr);
		if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai) || !ai) {
			snprintf(err, errlen, "cannot resolve '%s'", s->addr);
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd >= 0 && (s->server ? bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0
				: connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)) {
			freeaddrinfo(ai);
			return fd;
		}
		freeaddrinfo(ai);
	}
	snprintf(err, errlen, "cannot %s '%s': %s", s->server ? "listen on" : "connect to", s->addr,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A server with no client: take one if it is there (block: wait for it). */
static void sock_accept(struct chardev *cd, bool block)
{
	struct pollfd p = { .fd = cd->listen_fd, .events = POLLIN };
	int fd;

	if (cd->listen_fd < 0 || cd->fd_in >= 0 || (!block && (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))))
		return;
	fd = accept4(cd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		cd->fd_in = cd->fd_out = fd;
}

/* The client went away: output is dropped until the next one connects. */
static void sock_hangup(struct chardev *cd)
{
	if (cd->listen_fd < 0)
		return;
	if (cd->fd_in >= 0)
		close(cd->fd_in);
	cd->fd_in = cd->fd_out = -1;
}

static int open_socket(struct chardev *cd, const char *spec, bool tcp, char *err, size_t errlen)
{
	struct sock_spec s;
	int fd;

	if (sock_parse(&s, spec, tcp, err, errlen))
		return -1;
	fd = sock_open(&s, err, errlen);
	if (fd < 0)
		return -1;
	cd->owns_fds = true;
	cd->is_socket = true;
	if (!s.server) {
		cd->fd_in = cd->fd_out = fd;
		return 0;
	}
	cd->listen_fd = fd;
	if (s.wait) {
		fprintf(stderr, "elzero: waiting for a connection on %s:%s\n", tcp ? "tcp" : "unix", s.addr);
		sock_accept(cd, true);
	}
	return 0;
}

/* ---------------------------------------------------------------- backends */

int chardev_open(struct chardev *cd, const char *spec, char *err, size_t errlen)
{
	memset(cd, 0, sizeof(*cd));
	cd->fd_in = -1;
	cd->fd_out = -1;
	cd->listen_fd = -1;
	if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
		cd->fd_in = STDIN_FILENO;
		cd->fd_out = STDOUT_FILENO;
		tty_make_raw(cd);
		return 0;
	}
	if (!strcmp(spec, "null") || !strcmp(spec, "none"))
		return 0;
	if (!strncmp(spec, "unix:", 5))
		return open_socket(cd, spec + 5, false, err, errlen);
	if (!strncmp(spec, "tcp:", 4))
		return open_socket(cd, spec + 4, true, err, errlen);
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
	snprintf(err, errlen, "serial backend '%s' is not yet supported (stdio, null, file:PATH, "
		 "unix:PATH,server, tcp:HOST:PORT,server)", spec);
	return -1;
}

void chardev_close(struct chardev *cd)
{
	if (cd->tty_raw)
		tty_restore();
	if (cd->owns_fds) {
		if (cd->fd_out >= 0)
			close(cd->fd_out);
		if (cd->fd_in >= 0 && cd->fd_in != cd->fd_out)
			close(cd->fd_in);
		if (cd->listen_fd >= 0)
			close(cd->listen_fd);
	}
	cd->fd_in = cd->fd_out = cd->listen_fd = -1;
	cd->tty_raw = false;
}

void chardev_write(struct chardev *cd, const uint8_t *buf, size_t len)
{
	sock_accept(cd, false);
	while (cd->fd_out >= 0 && len) {
		ssize_t n = cd->is_socket ? send(cd->fd_out, buf, len, MSG_NOSIGNAL)
					       : write(cd->fd_out, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The reader went away (closed pipe): drop output, keep the guest running. */
			if (cd->listen_fd >= 0)
				sock_hangup(cd);
			else
				cd->fd_out = -1;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

bool chardev_has_input(const struct chardev *cd)
{
	return cd->fd_in >= 0 || cd->listen_fd >= 0;
}

bool chardev_wait_input(struct chardev *const *cds, unsigned n)
{
	struct pollfd p[8];
	unsigned k = 0;

	for (unsigned i = 0; i < n && k < 8; i++) {
		if (!chardev_has_input(cds[i]))
			continue;
		p[k].fd = cds[i]->fd_in >= 0 ? cds[i]->fd_in : cds[i]->listen_fd;
		p[k].events = POLLIN;
		k++;
	}
	if (!k)
		return false;
	while (poll(p, k, -1) < 0)
		if (errno != EINTR)
			return false;
	return true;
}

int chardev_read_byte(struct chardev *cd)
{
	struct pollfd p = { .fd = cd->fd_in, .events = POLLIN };
	uint8_t c;

	sock_accept(cd, false);
	p.fd = cd->fd_in;
	if (cd->fd_in < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return -1;
	if (read(cd->fd_in, &c, 1) != 1) {
		if (cd->listen_fd >= 0)
			sock_hangup(cd);
		else
			cd->fd_in = -1;         /* EOF: no more input */
		return -1;
	}
	return c;
}
