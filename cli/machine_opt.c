/*
 * cli/machine_opt.c - -machine, -accel, -enable-kvm.
 *
 * Machine types: "pc" (and QEMU's versioned pc-i440fx-X.Y names) is the i440FX PC
 * that hw/pc.c builds. q35 is NOT taken as pc: its guests expect the ICH9 chipset
 * and PCI Express config space (MCFG), which a pc machine would silently lack; it is
 * refused as not yet supported instead.
 */
#include "cli/cli.h"

#include <string.h>

static const struct {
	const char *prefix;             /* type name, or a prefix when it ends in '-' */
	int feature;                    /* -1: supported (pc) */
	const char *desc;
} machine_types[] = {
	{ "pc", -1, "Standard PC (i440FX + PIIX, 1996)" },
	{ "pc-i440fx-", -1, NULL },
	{ "q35", FEAT_MACHINE_Q35, "Standard PC (Q35 + ICH9, 2009)" },
	{ "pc-q35-", FEAT_MACHINE_Q35, NULL },
	{ "isapc", FEAT_MACHINE_OTHER, "ISA-only PC" },
	{ "microvm", FEAT_MACHINE_OTHER, "microvm (i386)" },
};
#define N_MACHINE_TYPES (sizeof(machine_types) / sizeof(machine_types[0]))

void cli_print_machines(FILE *out)
{
	fprintf(out, "Supported machines are:\n");
	for (unsigned i = 0; i < N_MACHINE_TYPES; i++) {
		if (!machine_types[i].desc)
			continue;
		fprintf(out, "%-20s %s%s\n", machine_types[i].prefix, machine_types[i].desc,
			machine_types[i].feature < 0 ? " (default)" : " [not yet supported]");
	}
}

static int machine_type(struct cli *c, const char *opt, const char *type)
{
	for (unsigned i = 0; i < N_MACHINE_TYPES; i++) {
		const char *p = machine_types[i].prefix;
		size_t n = strlen(p);
		bool match = p[n - 1] == '-' ? !strncmp(type, p, n) && type[n] : !strcmp(type, p);

		if (!match)
			continue;
		if (machine_types[i].feature >= 0)
			return cli_require(c, opt, (enum cli_feature)machine_types[i].feature);
		return 0;
	}
	return cli_error(c, "%s: unknown machine type '%s' (see -machine help)", opt, type);
}

/* "tcg", "kvm" or QEMU's fallback list "kvm:tcg": the first one that works. */
static int machine_accel(struct cli *c, const char *opt, const char *list)
{
	char name[16];
	const char *p = list;
	int first_unsupported = -1;

	for (;;) {
		size_t n = strcspn(p, ":");

		if (n == 0 || n >= sizeof(name))
			return cli_error(c, "%s: invalid accelerator list '%s'", opt, list);
		memcpy(name, p, n);
		name[n] = '\0';
		if (!strcmp(name, "tcg")) {
			c->cfg.accel = "tcg";
			return 0;
		}
		if (strcmp(name, "kvm"))
			return cli_error(c, "%s: unknown accelerator '%s' (tcg or kvm)", opt, name);
		if (cli_supported(FEAT_ACCEL_KVM)) {
			c->cfg.accel = "kvm";
			return 0;
		}
		first_unsupported = FEAT_ACCEL_KVM;
		if (!p[n])
			break;
		p += n + 1;
	}
	return cli_require(c, opt, (enum cli_feature)first_unsupported);
}

/* Machine options that are "off" by nature here: off is honoured, on is not yet. */
static const char *const machine_off_opts[] = { "smm", "usb", "vmport", "hpet" };

static int machine_prop(struct cli *c, const char *opt, const struct device_prop *p)
{
	char what[48];
	bool b;

	if (!strcmp(p->key, "type"))
		return machine_type(c, opt, p->value);
	if (!strcmp(p->key, "accel"))
		return machine_accel(c, opt, p->value);
	if (!strcmp(p->key, "kernel_irqchip") || !strcmp(p->key, "kernel-irqchip")) {
		/* A KVM accelerator setting; with tcg, QEMU ignores it and so do we. */
		if (strcmp(p->value, "split") && parse_bool(p->value, &b))
			return cli_error(c, "%s: %s: invalid value '%s' (on, off or split)", opt,
					 p->key, p->value);
		return 0;
	}
	for (unsigned i = 0; i < sizeof(machine_off_opts) / sizeof(machine_off_opts[0]); i++) {
		if (strcmp(p->key, machine_off_opts[i]))
			continue;
		if (!strcmp(p->value, "auto"))
			return 0;
		if (parse_bool(p->value, &b))
			return cli_error(c, "%s: %s: invalid value '%s' (on or off)", opt, p->key,
					 p->value);
		if (!b)
			return 0;
		snprintf(what, sizeof(what), "%s %s=on", opt, p->key);
		return cli_require(c, what, FEAT_MACHINE_OPTS);
	}
	return cli_error(c, "%s: unknown property '%s'", opt, p->key);
}

int cli_opt_machine(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	int r = 0;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		c->action = CLI_MACHINE_HELP;
		return 1;
	}
	if (cli_props_parse(&ps, arg, "type", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	for (unsigned i = 0; i < ps.n && r == 0; i++)
		r = machine_prop(c, opt, &ps.p[i]);
	cli_props_free(&ps);
	return r;
}

/* -accel NAME[,thread=single] (QEMU's newer spelling of -machine accel=) */
int cli_opt_accel(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	char err[128];
	int r = 0;

	if (cli_props_parse(&ps, arg, "accel", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	for (unsigned i = 0; i < ps.n && r == 0; i++) {
		const struct device_prop *p = &ps.p[i];

		if (!strcmp(p->key, "accel"))
			r = machine_accel(c, opt, p->value);
		else if (!strcmp(p->key, "thread") && strcmp(p->value, "single"))
			r = cli_error(c, "%s: thread=%s: only thread=single (elzero runs vCPUs on one "
				      "thread)", opt, p->value);
		else if (strcmp(p->key, "thread"))
			r = cli_error(c, "%s: unknown property '%s'", opt, p->key);
	}
	cli_props_free(&ps);
	return r;
}

int cli_opt_enable_kvm(struct cli *c, const char *opt, const char *arg)
{
	return machine_accel(c, opt, "kvm");
}
