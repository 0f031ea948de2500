/*
 * cli/cpuopt.c - -cpu MODEL[,+feat,-feat,feat=on|off,vendor=...], checked with the
 * CPU model API (cpu/cpu.h); the machine applies the same text to build its vCPUs.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* "+feat" and "-feat" must name a CPUID feature. Everything else (feat=on, a bare
 * "key" meaning key=on, vendor=, phys-bits=, host-phys-bits, ...) is the model's to
 * check (cpu_model_edit): QEMU's -cpu takes CPU properties that are not CPUID bits. */
static int cpu_check_features(struct cli *c, const char *opt, const struct cli_props *ps)
{
	for (unsigned i = 0; i < ps->n; i++) {
		const char *k = ps->p[i].key;

		if (!ps->bare[i] || (k[0] != '+' && k[0] != '-'))
			continue;
		k++;
		if (!*k)
			return cli_error(c, "%s: empty feature name", opt);
		if (!cpu_feature_known(k))
			return cli_error(c, "%s: unknown CPU feature '%s' (see -cpu help)", opt, k);
	}
	return 0;
}

int cli_opt_cpu(struct cli *c, const char *opt, const char *arg)
{
	const struct cpu_model *base;
	struct cpu_model *edited;
	struct cli_props ps;
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	char name[64], err[160];
	int r;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		c->action = CLI_CPU_HELP;
		return 1;
	}
	if (n == 0)
		return cli_error(c, "%s: missing CPU model", opt);
	if (n >= sizeof(name))
		return cli_error(c, "%s: unknown CPU model '%.*s' (see -cpu help)", opt, (int)n, arg);
	memcpy(name, arg, n);
	name[n] = '\0';
	base = cpu_model_find(name);
	if (!base)
		return cli_error(c, "%s: unknown CPU model '%s' (see -cpu help)", opt, name);
	if (!comma) {
		c->cfg.cpu = arg;
		return 0;
	}
	if (!comma[1])
		return cli_error(c, "%s: trailing ','", opt);
	if (cli_props_parse(&ps, comma + 1, NULL, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	r = cpu_check_features(c, opt, &ps);
	cli_props_free(&ps);
	if (r)
		return r;
	edited = cpu_model_edit(base, comma + 1, err, sizeof(err));
	if (!edited)
		return cli_error(c, "%s: %s", opt, err);
	cpu_model_free(edited);
	c->cfg.cpu = arg;
	return 0;
}
