/*
 * cli/help.c - -help, -version, -device help, -device DRIVER,help, -cpu help, -d help.
 *
 * The first line of -help names elzero and says the command line is QEMU's:
 * kvm-unit-tests' runner looks for "QEMU" in `--help` to accept a binary. -device help
 * prints QEMU's `name "DRIVER", bus BUS, desc "..."` lines, which scripts grep for
 * quoted names ("pc-testdev").
 */
#include "cli/cli.h"

#include <string.h>

void cli_print_help(FILE *out)
{
	fprintf(out, "elzero %s - x86-64 nested-virtualization emulator (QEMU-compatible command line)\n",
		elzero_version());
	fprintf(out, "usage: elzero [options]\n\nOptions (one dash or two; an argument is the next word):\n");
	for (unsigned i = 0; i < g_cli_noptions; i++) {
		const struct cli_option *o = &g_cli_options[i];
		char left[80];

		if (!o->help)
			continue;
		snprintf(left, sizeof(left), "-%s%s%s", o->name, o->argname ? " " : "",
			 o->argname ? o->argname : "");
		if (strlen(left) > 26)
			fprintf(out, "  %s\n  %-26s  %s\n", left, "", o->help);
		else
			fprintf(out, "  %-26s  %s\n", left, o->help);
	}
	fprintf(out, "\nOptions listed but not yet implemented are refused with \"not yet supported\".\n"
		"See docs/command-line.md.\n");
}

/*
 * Only the types -device can create now. Scripts decide what to pass from this list:
 * kvm-unit-tests' x86/run adds "-device pci-testdev" when the text contains
 * "pci-testdev", so naming a type that -device refuses would break the run.
 */
void cli_print_devices(FILE *out)
{
	unsigned later = 0;

	for (unsigned i = 0; i < devtype_count(); i++) {
		const struct devtype *t = devtype_at(i);

		if (t->implemented)
			fprintf(out, "name \"%s\", bus %s, desc \"%s\"\n", t->name, devbus_name(t->bus),
				t->desc);
		else
			later++;
	}
	if (later)
		fprintf(out, "(%u more device types are known but not yet supported: see "
			"docs/command-line.md; -device DRIVER,help describes any of them)\n", later);
}

void cli_print_device_props(FILE *out, const struct devtype *t)
{
	fprintf(out, "%s options:%s\n", t->name, t->implemented ? "" : " [device not yet supported]");
	fprintf(out, "  %-20s - %s\n", "id=<str>", "device ID (unique)");
	for (unsigned i = 0; i < t->nprops; i++) {
		const struct devprop_desc *p = &t->props[i];
		char left[48];

		snprintf(left, sizeof(left), "%s=<%s>", p->name, devprop_type_name(p->type));
		fprintf(out, "  %-20s - %s", left, p->help);
		if (p->def)
			fprintf(out, " (default: %s)", p->def);
		fputc('\n', out);
	}
}

void cli_print_cpus(FILE *out)
{
	unsigned col = 0;

	fprintf(out, "Available CPUs:\n");
	for (unsigned i = 0; i < cpu_model_count(); i++) {
		const struct cpu_model *m = cpu_model_at(i);

		fprintf(out, "  %-20s %s\n", cpu_model_name(m), cpu_model_desc(m));
	}
	fprintf(out, "\nRecognized CPUID flags:\n ");
	for (unsigned i = 0; i < cpu_feature_count(); i++) {
		const char *f = cpu_feature_name(i);

		if (col + strlen(f) + 1 > 76) {
			fprintf(out, "\n ");
			col = 0;
		}
		fprintf(out, " %s", f);
		col += (unsigned)strlen(f) + 1;
	}
	fputc('\n', out);
}

void cli_print_log_items(FILE *out)
{
	fprintf(out, "Log items (comma separated):\n");
	for (unsigned i = 0; i < LOG_ITEM_COUNT; i++)
		fprintf(out, "%-10s %s\n", log_item_name((enum log_item)i), log_item_help((enum log_item)i));
	fprintf(out, "-D FILE logs to FILE; -dfilter RANGE[,RANGE...] keeps in_asm, exec and cpu to\n"
		     "blocks in START..END, START+LEN, START-LEN or at ADDR (docs/debugging.md)\n");
}

void cli_print_info(const struct cli *c, FILE *out)
{
	switch (c->action) {
	case CLI_RUN:
		break;
	case CLI_HELP:
		cli_print_help(out);
		break;
	case CLI_VERSION:
		fprintf(out, "elzero version %s (QEMU-compatible command line)\n", elzero_version());
		break;
	case CLI_DEVICE_LIST:
		cli_print_devices(out);
		break;
	case CLI_DEVICE_PROPS:
		cli_print_device_props(out, devtype_find(c->help_driver));
		break;
	case CLI_CPU_HELP:
		cli_print_cpus(out);
		break;
	case CLI_LOG_HELP:
		cli_print_log_items(out);
		break;
	case CLI_MACHINE_HELP:
		cli_print_machines(out);
		break;
	}
}
