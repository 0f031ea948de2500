/*
 * cli/support.c - what the command line accepts now.
 *
 * Options that later work implements are parsed in full already (so a malformed
 * one is reported as such), then refused here with "not yet supported" until the
 * feature lands: flip the row to true in the same commit as the feature. Devices
 * have their own "implemented" flag in hw/devtypes.c.
 */
#include "cli/cli.h"

static const struct {
	const char *what;
	bool supported;
} support[FEAT_COUNT] = {
	[FEAT_SMP]            = { "more than one CPU", true },
	[FEAT_MEM_HOTPLUG]    = { "memory hotplug (slots=, maxmem=)", false },
	[FEAT_ACCEL_KVM]      = { "the KVM accelerator", false },
	[FEAT_MACHINE_Q35]    = { "the q35 machine (only pc for now)", false },
	[FEAT_MACHINE_OTHER]  = { "this machine type (only pc for now)", false },
	[FEAT_MACHINE_OPTS]   = { "this machine option", false },
	[FEAT_DISPLAY_SDL]    = { "the SDL display", false },
	[FEAT_VNC]            = { "VNC (only -vnc none)", false },
	[FEAT_VGA]            = { "a VGA card (only -vga none)", false },
	[FEAT_GDB]            = { "the gdb stub", true },
	[FEAT_START_STOPPED]  = { "starting stopped", true },
	[FEAT_MONITOR]        = { "the monitor", true },
	[FEAT_SERIAL_SOCKET]  = { "a socket serial backend", true },
	[FEAT_SERIAL_MON]     = { "the monitor multiplexed on serial (mon:)", false },
	[FEAT_SERIAL_PTY]     = { "a pty serial backend", false },
	[FEAT_SERIAL_CHARDEV] = { "a -chardev serial backend", false },
	[FEAT_DRIVE]          = { "a disk drive", true },
	[FEAT_CHARDEV]        = { "a character device", false },
	[FEAT_NET]            = { "networking (only none)", false },
	[FEAT_NO_SHUTDOWN]    = { "staying stopped after the guest shuts down", false },
	[FEAT_RTC]            = { "setting the RTC", false },
};

bool cli_supported(enum cli_feature f)
{
	return support[f].supported;
}

int cli_require(struct cli *c, const char *opt, enum cli_feature f)
{
	if (support[f].supported)
		return 0;
	return cli_error(c, "%s: %s is not yet supported", opt, support[f].what);
}
