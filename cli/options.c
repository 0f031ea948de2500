/*
 * cli/options.c - the option table and the parse loop.
 *
 * Spelling follows QEMU: every option starts with one dash or two (-m, --m); an
 * option with an argument takes the next word (-m 128); flags take none. As in
 * QEMU, a single-valued option given twice keeps the last value; -serial, -device
 * and -global add up.
 */
#include "cli/cli.h"
#include "monitor/monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RAM (128ull << 20)
#define MIN_RAM     (1ull << 20)
#define MAX_RAM     (1ull << 40)
#define MAX_CPUS    MACHINE_MAX_CPUS

static int opt_help(struct cli *c, const char *opt, const char *arg)
{
	c->action = CLI_HELP;
	return 1;
}

static int opt_version(struct cli *c, const char *opt, const char *arg)
{
	c->action = CLI_VERSION;
	return 1;
}

static int opt_file(struct cli *c, const char *opt, const char *arg, const char **slot)
{
	if (!*arg)
		return cli_error(c, "%s: empty file name", opt);
	*slot = arg;
	return 0;
}

static int opt_kernel(struct cli *c, const char *opt, const char *arg)
{
	return opt_file(c, opt, arg, &c->cfg.kernel);
}

static int opt_initrd(struct cli *c, const char *opt, const char *arg)
{
	return opt_file(c, opt, arg, &c->cfg.initrd);
}

static int opt_append(struct cli *c, const char *opt, const char *arg)
{
	c->cfg.append = arg;
	return 0;
}

static const struct cli_prop_rule mem_rules[] = {
	{ "size", NULL }, { "slots", "#" }, { "maxmem", NULL },
};

/* -m [size=]SIZE[,slots=N,maxmem=SIZE]; a bare number is in MiB. */
static int opt_m(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	const char *size, *maxmem;
	uint64_t bytes, v;
	int rc, r = -1;

	if (cli_props_parse(&ps, arg, "size", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	if (cli_props_check(c, opt, &ps, mem_rules, sizeof(mem_rules) / sizeof(mem_rules[0])))
		goto out;
	size = cli_props_get(&ps, "size");
	maxmem = cli_props_get(&ps, "maxmem");
	if (!size) {
		cli_error(c, "%s: missing size", opt);
		goto out;
	}
	rc = parse_size(size, 1ull << 20, &bytes);
	if (rc == -EINVAL || (rc == 0 && bytes == 0)) {
		cli_error(c, "%s: invalid size '%s'", opt, size);
		goto out;
	}
	if (rc == -ERANGE || bytes > MAX_RAM) {
		cli_error(c, "%s: size '%s' is too large (at most 1T)", opt, size);
		goto out;
	}
	if (bytes < MIN_RAM) {
		cli_error(c, "%s: size '%s' is too small (at least 1M)", opt, size);
		goto out;
	}
	if (maxmem && parse_size(maxmem, 1ull << 20, &v)) {
		cli_error(c, "%s: invalid maxmem '%s'", opt, maxmem);
		goto out;
	}
	if ((maxmem || cli_props_get(&ps, "slots")) && cli_require(c, opt, FEAT_MEM_HOTPLUG))
		goto out;
	/* QEMU rounds RAM up to 8 KiB */
	c->cfg.ram_size = (bytes + 8191) & ~8191ull;
	r = 0;
out:
	cli_props_free(&ps);
	return r;
}

/* The CPU topology keys of -smp, in QEMU's order of preference when one is derived. */
static const char *const smp_keys[] = { "sockets", "dies", "clusters", "cores", "threads" };
#define SMP_NKEYS (sizeof(smp_keys) / sizeof(smp_keys[0]))

static int smp_topology(struct cli *c, const char *opt, uint64_t topo[SMP_NKEYS], uint64_t cpus,
			uint64_t maxcpus)
{
	/* What is not given is 1, except one level that takes what is left: sockets if
	 * missing, else cores, else threads (dies and clusters are never derived). */
	static const unsigned derive[] = { 0, 3, 4 };
	uint64_t product = 1;
	int missing = -1;

	if (maxcpus < cpus)
		return cli_error(c, "%s: maxcpus (%llu) must be at least cpus (%llu)", opt,
				 (unsigned long long)maxcpus, (unsigned long long)cpus);

	for (unsigned i = 0; i < SMP_NKEYS; i++)
		product *= topo[i] ? topo[i] : 1;
	for (unsigned i = 0; i < 3 && missing < 0; i++)
		if (!topo[derive[i]])
			missing = (int)derive[i];
	for (unsigned i = 0; i < SMP_NKEYS; i++)
		if (!topo[i])
			topo[i] = (int)i == missing && maxcpus % product == 0 ? maxcpus / product : 1;
	product = 1;
	for (unsigned i = 0; i < SMP_NKEYS; i++)
		product *= topo[i];
	if (product != maxcpus)
		return cli_error(c, "%s: invalid CPU topology: sockets (%llu) * dies (%llu) * "
				 "clusters (%llu) * cores (%llu) * threads (%llu) != maxcpus (%llu)",
				 opt, (unsigned long long)topo[0], (unsigned long long)topo[1],
				 (unsigned long long)topo[2], (unsigned long long)topo[3],
				 (unsigned long long)topo[4], (unsigned long long)maxcpus);
	return 0;
}

static int smp_number(struct cli *c, const char *opt, const struct device_prop *p, uint64_t *out)
{
	if (parse_uint(p->value, out) || *out == 0)
		return cli_error(c, "%s: %s: invalid number '%s'", opt, p->key, p->value);
	if (*out > MAX_CPUS)
		return cli_error(c, "%s: %s: at most %d CPUs", opt, p->key, MAX_CPUS);
	return 0;
}

/* -smp [cpus=]N[,maxcpus=M][,sockets=S][,dies=D][,clusters=L][,cores=C][,threads=T] */
static int opt_smp(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	uint64_t topo[SMP_NKEYS] = { 0 }, cpus = 0, maxcpus = 0, product = 1;
	char err[128];
	int r = -1;

	if (cli_props_parse(&ps, arg, "cpus", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	for (unsigned i = 0; i < ps.n; i++) {
		const struct device_prop *p = &ps.p[i];
		uint64_t *slot = !strcmp(p->key, "cpus") ? &cpus : !strcmp(p->key, "maxcpus") ? &maxcpus : NULL;

		for (unsigned k = 0; !slot && k < SMP_NKEYS; k++)
			if (!strcmp(p->key, smp_keys[k]))
				slot = &topo[k];
		if (!slot) {
			cli_error(c, "%s: unknown property '%s'", opt, p->key);
			goto out;
		}
		if (smp_number(c, opt, p, slot))
			goto out;
	}
	for (unsigned k = 0; k < SMP_NKEYS; k++)
		product *= topo[k] ? topo[k] : 1;
	if (!cpus)
		cpus = maxcpus ? maxcpus : product;
	if (!maxcpus)
		maxcpus = cpus;
	if (maxcpus > MAX_CPUS) {
		cli_error(c, "%s: at most %d CPUs", opt, MAX_CPUS);
		goto out;
	}
	if (smp_topology(c, opt, topo, cpus, maxcpus))
		goto out;
	if (maxcpus > 1 && cli_require(c, opt, FEAT_SMP))
		goto out;
	c->cfg.smp = (unsigned)cpus;
	c->cfg.smp_max = (unsigned)maxcpus;
	c->cfg.smp_cores = (unsigned)topo[3];
	c->cfg.smp_threads = (unsigned)topo[4];
	r = 0;
out:
	cli_props_free(&ps);
	return r;
}

static int opt_d(struct cli *c, const char *opt, const char *arg)
{
	char err[128];

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		c->action = CLI_LOG_HELP;
		return 1;
	}
	if (log_parse_items(arg, &c->log_mask, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	return 0;
}

static int opt_dfilter(struct cli *c, const char *opt, const char *arg)
{
	uint64_t start[TRACE_MAX_RANGES], end[TRACE_MAX_RANGES];
	unsigned n;
	char err[128];

	if (trace_parse_dfilter(arg, start, end, &n, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	c->dfilter = arg;
	return 0;
}

static int opt_D(struct cli *c, const char *opt, const char *arg)
{
	return opt_file(c, opt, arg, &c->log_file);
}

static int opt_no_reboot(struct cli *c, const char *opt, const char *arg)
{
	c->cfg.no_reboot = true;
	return 0;
}

static int opt_no_shutdown(struct cli *c, const char *opt, const char *arg)
{
	return cli_require(c, opt, FEAT_NO_SHUTDOWN);
}

/* elzero's PC has no HPET, so -no-hpet is what it does anyway. */
static int opt_no_hpet(struct cli *c, const char *opt, const char *arg)
{
	return 0;
}

static int opt_nodefaults(struct cli *c, const char *opt, const char *arg)
{
	c->cfg.nodefaults = true;
	return 0;
}

const struct cli_option g_cli_options[] = {
	{ "help", NULL, opt_help, "print this help and exit (also -h)" },
	{ "h", NULL, opt_help, NULL },
	{ "version", NULL, opt_version, "print the version and exit" },
	{ "kernel", "FILE", opt_kernel, "boot this kernel (multiboot v1)" },
	{ "initrd", "FILE", opt_initrd, "initial ramdisk / multiboot module" },
	{ "append", "CMDLINE", opt_append, "kernel command line" },
	{ "m", "[size=]SIZE", opt_m, "RAM size; a bare number is MiB (128, 128M, 1G); default 128M" },
	{ "smp", "[cpus=]N[,sockets=,cores=,threads=,maxcpus=]", opt_smp, "number of CPUs" },
	{ "cpu", "MODEL[,+feat,-feat,feat=on|off,...]", cli_opt_cpu, "CPU model and feature edits (-cpu help)" },
	{ "machine", "[type=]pc[,accel=tcg|kvm]", cli_opt_machine, "machine type and options (also -M; -machine help)" },
	{ "M", "[type=]pc[,accel=tcg|kvm]", cli_opt_machine, NULL },
	{ "accel", "tcg|kvm", cli_opt_accel, "accelerator" },
	{ "enable-kvm", NULL, cli_opt_enable_kvm, "same as -accel kvm" },
	{ "serial", "BACKEND", cli_opt_serial, "next COM port: stdio, null, none, file:PATH, ..." },
	{ "display", "none|sdl", cli_opt_display, "display" },
	{ "nographic", NULL, cli_opt_nographic, "no display; serial on stdio" },
	{ "vnc", "none", cli_opt_vnc, "VNC server (only none)" },
	{ "vga", "none", cli_opt_vga, "VGA card (only none)" },
	{ "device", "DRIVER[,prop=value...]", cli_opt_device, "add a device (-device help, -device DRIVER,help)" },
	{ "global", "DRIVER.PROP=VALUE", cli_opt_global, "default for a device property" },
	{ "drive", "file=PATH[,format=raw,if=virtio,...]", cli_opt_drive, "disk image" },
	{ "chardev", "BACKEND,id=ID[,...]", cli_opt_chardev, "character device" },
	{ "net", "none", cli_opt_net, "network (only none)" },
	{ "nic", "none", cli_opt_net, "network card (only none)" },
	{ "netdev", "BACKEND,id=ID", cli_opt_net, "network backend" },
	{ "rtc", "base=utc|localtime|DATE[,clock=,driftfix=]", cli_opt_rtc, "real-time clock" },
	{ "no-reboot", NULL, opt_no_reboot, "exit instead of rebooting" },
	{ "no-shutdown", NULL, opt_no_shutdown, "stop instead of exiting when the guest shuts down" },
	{ "no-hpet", NULL, opt_no_hpet, "no HPET (elzero has none)" },
	{ "nodefaults", NULL, opt_nodefaults, "no default devices (no serial port unless -serial)" },
	{ "monitor", "BACKEND", cli_opt_monitor, "monitor on BACKEND (none)" },
	{ "s", NULL, cli_opt_s, "same as -gdb tcp::1234" },
	{ "gdb", "tcp::PORT", cli_opt_gdb, "gdb stub" },
	{ "S", NULL, cli_opt_start_stopped, "do not start the CPU at startup" },
	{ "d", "ITEM[,ITEM...]", opt_d, "log these items (-d help)" },
	{ "D", "FILE", opt_D, "log to FILE instead of stderr" },
	{ "dfilter", "RANGE[,RANGE...]", opt_dfilter,
	  "log only blocks at these addresses: START..END, START+LEN, START-LEN" },
};
const unsigned g_cli_noptions = sizeof(g_cli_options) / sizeof(g_cli_options[0]);

static const struct cli_option *option_find(const char *word)
{
	const char *name = word + 1;

	if (name[0] == '-')
		name++;
	for (unsigned i = 0; i < g_cli_noptions; i++)
		if (!strcmp(g_cli_options[i].name, name))
			return &g_cli_options[i];
	return NULL;
}

void cli_init(struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->action = CLI_RUN;
	c->cfg.ram_size = DEFAULT_RAM;
	c->cfg.smp = 1;
	c->cfg.accel = "tcg";
}

void cli_free(struct cli *c)
{
	for (unsigned i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	c->owned = NULL;
	c->nowned = c->owned_cap = 0;
}

/* What follows from the options as a whole, once all are read. */
static int cli_finish(struct cli *c)
{
	if (!c->cfg.kernel && c->cfg.initrd)
		return cli_error(c, "-initrd is only allowed with -kernel");
	if (!c->cfg.kernel && c->cfg.append)
		return cli_error(c, "-append is only allowed with -kernel");
	/* The terminal feeds one backend: a monitor on stdio takes it from the serial
	 * ports (the default COM1 is then not created, as QEMU puts it on a vc). */
	if (c->cfg.monitor && !strcmp(c->cfg.monitor, "stdio")) {
		for (unsigned i = 0; i < c->cfg.nserial; i++)
			if (!strcmp(c->cfg.serial[i], "stdio"))
				return cli_error(c, "-monitor: stdio is already used by -serial stdio");
		return 0;
	}
	/* The default COM1 on stdio (QEMU's default with -nographic). */
	if (!c->serial_given && !c->cfg.nodefaults)
		c->cfg.serial[c->cfg.nserial++] = "stdio";
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		const struct cli_option *o;
		char opt[40];
		int r;

		if (word[0] != '-' || !word[1])
			return cli_error(c, "unexpected argument '%s' (disk images are not yet supported; "
					 "see -help)", word);
		o = option_find(word);
		if (!o)
			return cli_error(c, "unknown option '%s' (see -help)", word);
		snprintf(opt, sizeof(opt), "-%s", o->name);
		if (o->argname && i + 1 >= argc)
			return cli_error(c, "%s: requires an argument", opt);
		r = o->fn(c, opt, o->argname ? argv[++i] : NULL);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
	return cli_finish(c);
}

int cli_setup_log(struct cli *c)
{
	char err[128];
	int r;

	g_log_mask = c->log_mask;
	r = log_set_file(c->log_file);
	if (r)
		return cli_error(c, "-D: cannot open '%s': %s", c->log_file, strerror(-r));
	if (c->dfilter && trace_set_dfilter(c->dfilter, err, sizeof(err)))
		return cli_error(c, "-dfilter: %s", err);
	trace_init();
	return 0;
}
