/*
 * cli/drive.c - -drive: a raw disk image for a virtio-blk-pci (if=virtio) or for a
 * later -device virtio-blk-pci,drive=ID (if=none), in QEMU's spelling.
 */
#include "cli/cli.h"

#include <string.h>

#define NRULES(a) (sizeof(a) / sizeof((a)[0]))

static const struct cli_prop_rule drive_rules[] = {
	{ "file", NULL }, { "format", "raw" }, { "if", "virtio|none|ide" }, { "readonly", "?" },
	{ "id", NULL }, { "media", "disk|cdrom" }, { "snapshot", "?" }, { "index", "#" },
	{ "cache", "none|writeback|writethrough|directsync|unsafe" }, { "aio", "threads|native|io_uring" },
	{ "discard", "ignore|unmap|on|off" },
};

/* The checks that need the whole -drive: what elzero cannot do, and ids. */
static int drive_check(struct cli *c, const char *opt, const struct cli_props *ps)
{
	const char *iface = cli_props_get(ps, "if"), *id = cli_props_get(ps, "id");
	const char *snap = cli_props_get(ps, "snapshot"), *media = cli_props_get(ps, "media");
	bool on = false;

	if (!cli_props_get(ps, "file") || !*cli_props_get(ps, "file"))
		return cli_error(c, "%s: missing file=", opt);
	if (!iface || !strcmp(iface, "ide"))
		return cli_error(c, "%s: if=ide (QEMU's default) is not supported: use if=virtio, "
				 "or if=none,id=ID with -device virtio-blk-pci,drive=ID", opt);
	if (!strcmp(iface, "none") && !id)
		return cli_error(c, "%s: if=none needs an id= for -device virtio-blk-pci,drive=", opt);
	if (media && strcmp(media, "disk"))
		return cli_error(c, "%s: media=%s is not supported (only disk)", opt, media);
	if (snap && !parse_bool(snap, &on) && on)
		return cli_error(c, "%s: snapshot=on is not supported", opt);
	for (unsigned i = 0; id && i < c->cfg.ndrives; i++)
		if (c->cfg.drives[i].id && !strcmp(c->cfg.drives[i].id, id))
			return cli_error(c, "%s: duplicate drive id '%s'", opt, id);
	if (c->cfg.ndrives == MACHINE_MAX_DRIVES)
		return cli_error(c, "%s: too many drives (at most %d)", opt, MACHINE_MAX_DRIVES);
	return 0;
}

int cli_opt_drive(struct cli *c, const char *opt, const char *arg)
{
	struct cli_props ps;
	struct drive_config *d;
	const char *ro;
	char err[128];

	if (cli_props_parse(&ps, arg, NULL, err, sizeof(err)))
		return cli_error(c, "%s: %s", opt, err);
	if (cli_props_check(c, opt, &ps, drive_rules, NRULES(drive_rules)) ||
	    drive_check(c, opt, &ps)) {
		cli_props_free(&ps);
		return -1;
	}
	d = &c->cfg.drives[c->cfg.ndrives++];
	d->file = cli_props_get(&ps, "file");
	d->id = cli_props_get(&ps, "id");
	d->virtio = !strcmp(cli_props_get(&ps, "if"), "virtio");
	ro = cli_props_get(&ps, "readonly");
	d->readonly = false;
	if (ro)
		(void)parse_bool(ro, &d->readonly);     /* checked by the rules above */
	d->serial = NULL;
	/* cache=, aio=, discard= and index= change nothing here: I/O is synchronous. */
	cli_own(c, ps.buf);             /* the strings point into it */
	return 0;
}
