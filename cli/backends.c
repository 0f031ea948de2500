/*
 * cli/backends.c - where bytes and pixels go: -serial, -monitor, -gdb/-s/-S,
 * -chardev, -display, -nographic, -vnc, -vga.
 */
#include "cli/cli.h"

#include <string.h>

#define NRULES(a) (sizeof(a) / sizeof((a)[0]))

static const struct cli_prop_rule socket_rules[] = {
	{ "path", NULL }, { "addr", NULL }, { "server", "?" }, { "wait", "?" }, { "nowait", "?" },
	{ "nodelay", "?" }, { "telnet", "?" }, { "reconnect", "#" }, { "ipv4", "?" }, { "ipv6", "?" },
};

/* tcp:[HOST]:PORT[,opts] or unix:PATH[,opts] (spec is what follows "tcp:"/"unix:"). */
static int socket_check(struct cli *c, const char *opt, const char *spec, bool tcp)
{
	struct cli_props ps;
	char err[128];
	int r;

	if (cli_props_parse(&ps, spec, tcp ? "addr" : "path", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	r = cli_props_check(c, opt, &ps, socket_rules, NRULES(socket_rules));
	if (!r && tcp) {
		const char *addr = cli_props_get(&ps, "addr");
		const char *colon = addr ? strrchr(addr, ':') : NULL;
		uint64_t port;

		if (!colon || parse_uint(colon + 1, &port) || port > 65535)
			r = cli_error(c, "%s: invalid TCP address '%s' (expected HOST:PORT)", opt,
				      addr ? addr : "");
	} else if (!r && !cli_props_get(&ps, "path")) {
		r = cli_error(c, "%s: missing socket path", opt);
	}
	cli_props_free(&ps);
	return r;
}

/*
 * A character backend in -serial's syntax. Returns -1 if malformed; else 0 with
 * *feature = -1 when it works now as a serial backend, or the feature it waits for.
 */
static int backend_check(struct cli *c, const char *opt, const char *spec, int *feature)
{
	*feature = -1;
	if (!strcmp(spec, "stdio") || !strcmp(spec, "null"))
		return 0;
	if (!strncmp(spec, "file:", 5)) {
		if (!spec[5])
			return cli_error(c, "%s: empty file name in '%s'", opt, spec);
		return 0;
	}
	if (!strcmp(spec, "pty")) {
		*feature = FEAT_SERIAL_PTY;
		return 0;
	}
	if (!strncmp(spec, "chardev:", 8)) {
		*feature = FEAT_SERIAL_CHARDEV;
		return spec[8] ? 0 : cli_error(c, "%s: missing chardev ID in '%s'", opt, spec);
	}
	if (!strncmp(spec, "mon:", 4)) {
		if (!strncmp(spec + 4, "mon:", 4))
			return cli_error(c, "%s: invalid backend '%s'", opt, spec);
		if (backend_check(c, opt, spec + 4, feature))
			return -1;
		*feature = FEAT_SERIAL_MON;
		return 0;
	}
	if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "telnet:", 7)) {
		*feature = FEAT_SERIAL_SOCKET;
		return socket_check(c, opt, strchr(spec, ':') + 1, true);
	}
	if (!strncmp(spec, "unix:", 5)) {
		*feature = FEAT_SERIAL_SOCKET;
		return socket_check(c, opt, spec + 5, false);
	}
	return cli_error(c, "%s: unknown backend '%s' (stdio, null, none, file:PATH, "
			 "unix:PATH,server, tcp:HOST:PORT,server, mon:stdio, pty)", opt, spec);
}

int cli_opt_serial(struct cli *c, const char *opt, const char *arg)
{
	int feature;

	c->serial_given = true;
	if (strcmp(arg, "none")) {
		if (backend_check(c, opt, arg, &feature))
			return -1;
		if (feature >= 0 && cli_require(c, opt, (enum cli_feature)feature))
			return -1;
	}
	/* as QEMU: the terminal can feed only one backend */
	for (unsigned i = 0; i < c->cfg.nserial; i++)
		if (!strcmp(arg, "stdio") && !strcmp(c->cfg.serial[i], "stdio"))
			return cli_error(c, "%s: stdio can be used by only one serial port", opt);
	if (c->cfg.nserial == MACHINE_MAX_SERIAL)
		return cli_error(c, "%s: too many serial ports (at most %d)", opt, MACHINE_MAX_SERIAL);
	c->cfg.serial[c->cfg.nserial++] = arg;
	return 0;
}

/*
 * Where the monitor and the gdb stub listen (monitor/chan.c opens them): stdio for
 * the monitor, or a server socket. QEMU's -gdb tcp::PORT is always a server that
 * does not wait; -monitor sockets need ",server" (",nowait" to start at once).
 */
static int debug_backend(struct cli *c, const char *opt, const char *arg, bool gdb,
			 const char **slot)
{
	int feature;

	if (!strcmp(arg, "none") || !strcmp(arg, "null")) {
		*slot = NULL;
		return 0;
	}
	if (backend_check(c, opt, arg, &feature))
		return -1;
	if (!strncmp(arg, "telnet:", 7))
		return cli_error(c, "%s: telnet is not supported (use tcp:HOST:PORT)", opt);
	if (!strncmp(arg, "tcp:", 4) || !strncmp(arg, "unix:", 5)) {
		if (!gdb && !strstr(arg, ",server"))
			return cli_error(c, "%s: '%s': only server sockets are supported (add ,server)",
					 opt, arg);
	} else if (gdb || strcmp(arg, "stdio")) {
		return cli_error(c, "%s: '%s' is not supported here (%s)", opt, arg,
				 gdb ? "tcp::PORT, tcp:HOST:PORT, unix:PATH" :
				 "stdio, unix:PATH,server[,nowait], tcp:HOST:PORT,server[,nowait]");
	}
	if (cli_require(c, opt, gdb ? FEAT_GDB : FEAT_MONITOR))
		return -1;
	*slot = arg;
	return 0;
}

int cli_opt_monitor(struct cli *c, const char *opt, const char *arg)
{
	return debug_backend(c, opt, arg, false, &c->cfg.monitor);
}

int cli_opt_gdb(struct cli *c, const char *opt, const char *arg)
{
	return debug_backend(c, opt, arg, true, &c->cfg.gdb);
}

int cli_opt_s(struct cli *c, const char *opt, const char *arg)
{
	if (cli_require(c, opt, FEAT_GDB))
		return -1;
	c->cfg.gdb = "tcp::1234";
	return 0;
}

int cli_opt_start_stopped(struct cli *c, const char *opt, const char *arg)
{
	if (cli_require(c, opt, FEAT_START_STOPPED))
		return -1;
	c->cfg.start_stopped = true;
	return 0;
}

static const struct cli_prop_rule chardev_rules[] = {
	{ "backend", "null|stdio|file|socket|pty|pipe|ringbuf" }, { "id", NULL }, { "path", NULL },
	{ "host", NULL }, { "port", "#" }, { "server", "?" }, { "wait", "?" }, { "nowait", "?" },
	{ "mux", "?" }, { "signal", "?" }, { "logfile", NULL }, { "logappend", "?" },
	{ "telnet", "?" }, { "nodelay", "?" }, { "size", NULL },
};

int cli_opt_chardev(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	int r;

	if (cli_props_parse(&ps, arg, "backend", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	r = cli_props_check(c, opt, &ps, chardev_rules, NRULES(chardev_rules));
	if (!r && !cli_props_get(&ps, "backend"))
		r = cli_error(c, "%s: missing backend", opt);
	if (!r && !cli_props_get(&ps, "id"))
		r = cli_error(c, "%s: missing id", opt);
	cli_props_free(&ps);
	return r ? r : cli_require(c, opt, FEAT_CHARDEV);
}

static const struct cli_prop_rule display_rules[] = {
	{ "type", "none|sdl" }, { "gl", "?" }, { "show-cursor", "?" },
};

int cli_opt_display(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	const char *type;
	int r;

	if (cli_props_parse(&ps, arg, "type", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	r = cli_props_check(c, opt, &ps, display_rules, NRULES(display_rules));
	type = cli_props_get(&ps, "type");
	if (!r && !type)
		r = cli_error(c, "%s: missing display type", opt);
	if (!r && !strcmp(type, "none") && ps.n > 1)
		r = cli_error(c, "%s: display 'none' takes no options", opt);
	if (!r && !strcmp(type, "sdl"))
		r = cli_require(c, opt, FEAT_DISPLAY_SDL);
	if (!r)
		c->cfg.display = !strcmp(type, "none") ? "none" : "sdl";
	cli_props_free(&ps);
	return r;
}

int cli_opt_nographic(struct cli *c, const char *opt, const char *arg)
{
	c->nographic = true;
	c->cfg.display = "none";
	return 0;
}

int cli_opt_vnc(struct cli *c, const char *opt, const char *arg)
{
	return strcmp(arg, "none") ? cli_require(c, opt, FEAT_VNC) : 0;
}

int cli_opt_vga(struct cli *c, const char *opt, const char *arg)
{
	static const char known[] = "std|cirrus|vmware|qxl|virtio";
	size_t n = strlen(arg);

	if (!strcmp(arg, "none"))
		return 0;
	for (const char *p = known; *p;) {
		size_t m = strcspn(p, "|");

		if (m == n && !strncmp(p, arg, n))
			return cli_require(c, opt, FEAT_VGA);
		p += m + (p[m] == '|');
	}
	return cli_error(c, "%s: unknown VGA card '%s' (none, std, cirrus, vmware, qxl, virtio)", opt, arg);
}

/* -net none, -nic none: no network card, which is what elzero has. */
int cli_opt_net(struct cli *c, const char *opt, const char *arg)
{
	if (!strcmp(arg, "none"))
		return 0;
	return cli_require(c, opt, FEAT_NET);
}

static const struct cli_prop_rule rtc_rules[] = {
	{ "base", NULL }, { "clock", "host|rt|vm" }, { "driftfix", "none|slew" },
};

int cli_opt_rtc(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	int r;

	if (cli_props_parse(&ps, arg, NULL, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	r = cli_props_check(c, opt, &ps, rtc_rules, NRULES(rtc_rules));
	cli_props_free(&ps);
	return r ? r : cli_require(c, opt, FEAT_RTC);
}
