/*
 * cli/devices.c - -device and -global, checked against the device type table
 * (hw/devtypes.c).
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static bool is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "?");
}

static bool device_id_taken(const struct cli *c, const char *id)
{
	for (unsigned i = 0; i < c->cfg.ndevices; i++) {
		const struct device_config *d = &c->cfg.devices[i];

		for (unsigned j = 0; j < d->nprops; j++)
			if (!strcmp(d->props[j].key, "id") && !strcmp(d->props[j].value, id))
				return true;
	}
	return false;
}

/* Check the properties of one -device; dopt is "-device DRIVER" for messages. */
static int device_check_props(struct cli *c, const char *dopt, const struct devtype *t,
			      const struct cli_props *ps)
{
	char err[160];

	for (unsigned i = 1; i < ps->n; i++) {
		const struct device_prop *p = &ps->p[i];
		const struct devprop_desc *d;

		if (!strcmp(p->key, "id")) {
			if (!*p->value)
				return cli_error(c, "%s: empty id", dopt);
			if (device_id_taken(c, p->value))
				return cli_error(c, "%s: duplicate id '%s'", dopt, p->value);
			continue;
		}
		d = devtype_prop(t, p->key);
		if (!d)
			return cli_error(c, "%s: unknown property '%s' (see -device %s,help)", dopt, p->key,
					 t->name);
		if (devprop_check(d, p->value, err, sizeof(err)))
			return cli_error(c, "%s: %s", dopt, err);
	}
	return 0;
}

int cli_opt_device(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	struct device_config *dev;
	const struct devtype *t;
	char err[128], dopt[96];

	if (is_help(arg)) {
		c->action = CLI_DEVICE_LIST;
		return 1;
	}
	if (cli_props_parse(&ps, arg, "driver", err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	if (strcmp(ps.p[0].key, "driver")) {
		cli_props_free(&ps);
		return cli_error(c, "%s: the first item must be the driver name", opt);
	}
	t = devtype_find(ps.p[0].value);
	if (!t) {
		cli_error(c, "%s: unknown device '%s' (see -device help)", opt, ps.p[0].value);
		goto out_free;
	}
	snprintf(dopt, sizeof(dopt), "%s %s", opt, t->name);
	for (unsigned i = 1; i < ps.n; i++) {
		if (ps.bare[i] && is_help(ps.p[i].key)) {
			c->action = CLI_DEVICE_PROPS;
			c->help_driver = t->name;
			cli_props_free(&ps);
			return 1;
		}
	}
	if (device_check_props(c, dopt, t, &ps))
		goto out_free;
	if (!t->implemented) {
		cli_error(c, "%s: this device is not yet supported", dopt);
		goto out_free;
	}
	if (c->cfg.ndevices == MACHINE_MAX_DEVICES) {
		cli_error(c, "%s: too many devices (at most %d)", opt, MACHINE_MAX_DEVICES);
		goto out_free;
	}
	if (ps.n - 1 > sizeof(dev->props) / sizeof(dev->props[0])) {
		cli_error(c, "%s: too many properties", dopt);
		goto out_free;
	}
	dev = &c->cfg.devices[c->cfg.ndevices++];
	dev->driver = t->name;
	dev->nprops = ps.n - 1;
	memcpy(dev->props, &ps.p[1], dev->nprops * sizeof(dev->props[0]));
	cli_own(c, ps.buf);             /* the props point into it */
	return 0;

out_free:
	cli_props_free(&ps);
	return -1;
}

/* Split "driver.prop=value" (QEMU's short form) or driver=,property=,value=. */
static int global_split(struct cli *c, const char *opt, const char *arg, char **driver,
			char **prop, char **value)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	struct cli_props ps;
	char err[128];
	const char *d, *p, *v;

	if (dot && eq && dot < eq) {
		if (dot == arg || eq == dot + 1)
			return cli_error(c, "%s: invalid '%s' (expected DRIVER.PROP=VALUE)", opt, arg);
		*driver = strndup(arg, (size_t)(dot - arg));
		*prop = strndup(dot + 1, (size_t)(eq - dot - 1));
		*value = strdup(eq + 1);
		return 0;
	}
	if (cli_props_parse(&ps, arg, NULL, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	d = cli_props_get(&ps, "driver");
	p = cli_props_get(&ps, "property");
	v = cli_props_get(&ps, "value");
	if (!d || !p || !v || ps.n != 3) {
		cli_props_free(&ps);
		return cli_error(c, "%s: invalid '%s' (expected DRIVER.PROP=VALUE or "
				 "driver=,property=,value=)", opt, arg);
	}
	*driver = strdup(d);
	*prop = strdup(p);
	*value = strdup(v);
	cli_props_free(&ps);
	return 0;
}

/* -global: accepted for any known type, instantiated or not, as in QEMU; the last
 * setting of a DRIVER.PROP wins. */
int cli_opt_global(struct cli *c, const char *opt, const char *arg)
{
	char *driver = NULL, *prop = NULL, *value = NULL, *key = NULL, err[160];
	const struct devtype *t;
	const struct devprop_desc *d;
	struct device_prop *slot = NULL;
	int r = -1;

	if (global_split(c, opt, arg, &driver, &prop, &value))
		return -1;
	if (!driver || !prop || !value)
		abort();                /* out of memory */
	t = devtype_find(driver);
	if (!t) {
		cli_error(c, "%s: unknown device '%s' (see -device help)", opt, driver);
		goto out;
	}
	d = devtype_prop(t, prop);
	if (!d) {
		cli_error(c, "%s: device '%s' has no property '%s'", opt, driver, prop);
		goto out;
	}
	if (devprop_check(d, value, err, sizeof(err))) {
		cli_error(c, "%s: %s: %s", opt, driver, err);
		goto out;
	}
	key = malloc(strlen(driver) + strlen(prop) + 2);
	if (!key)
		abort();
	sprintf(key, "%s.%s", driver, prop);
	for (unsigned i = 0; i < c->cfg.nglobals; i++)
		if (!strcmp(c->cfg.globals[i].key, key))
			slot = &c->cfg.globals[i];
	if (!slot) {
		if (c->cfg.nglobals == sizeof(c->cfg.globals) / sizeof(c->cfg.globals[0])) {
			cli_error(c, "%s: too many -global settings", opt);
			goto out;
		}
		slot = &c->cfg.globals[c->cfg.nglobals++];
	}
	slot->key = cli_own(c, key);
	slot->value = cli_own(c, value);
	key = value = NULL;
	r = 0;
out:
	free(key);
	free(value);
	free(driver);
	free(prop);
	return r;
}
