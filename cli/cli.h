/*
 * cli/cli.h - the elzero command line: QEMU's option spelling parsed into a
 * struct machine_config (hw/hw.h).
 *
 * The parser never prints or exits: it returns -1 with one line of text in
 * cli.err ("-m: invalid size '12x'"), and main.c prints "elzero: " and that line.
 */
#ifndef ELZERO_CLI_CLI_H
#define ELZERO_CLI_CLI_H

#include "hw/hw.h"

#include <stdio.h>

const char *elzero_version(void);

/* What the command asks for: run a machine, or print something and stop. */
enum cli_action {
	CLI_RUN,
	CLI_HELP,               /* -help, -h */
	CLI_VERSION,            /* -version */
	CLI_DEVICE_LIST,        /* -device help */
	CLI_DEVICE_PROPS,       /* -device DRIVER,help */
	CLI_CPU_HELP,           /* -cpu help */
	CLI_LOG_HELP,           /* -d help */
	CLI_MACHINE_HELP,       /* -machine help */
};

struct cli {
	struct machine_config cfg;
	enum cli_action action;
	const char *help_driver;        /* CLI_DEVICE_PROPS */
	uint32_t log_mask;              /* -d */
	const char *log_file;           /* -D */
	const char *dfilter;            /* -dfilter */
	bool nographic;
	bool serial_given;              /* any -serial, including none */
	char err[256];
	/* strings the config points to that are not argv's own */
	char **owned;
	unsigned nowned, owned_cap;
};

void cli_init(struct cli *c);
void cli_free(struct cli *c);
/* Parse argv into c. 0, or -1 with the message in c->err. */
int cli_parse(struct cli *c, int argc, char **argv);
/* Print what a non-CLI_RUN action asks for to out. */
void cli_print_info(const struct cli *c, FILE *out);
/* Apply -d and -D to the logger. 0, or -1 with the message in c->err. */
int cli_setup_log(struct cli *c);

/* ---------------------------------------------------------------- internals shared by cli/ files */

/* "key=value,..." in QEMU's syntax: ",," is a literal comma; an item without '='
 * is "key" = "on" except the first, which is implied_key's value when implied_key
 * is not NULL. Keys and values point into one buffer owned by the list. */
#define CLI_MAX_PROPS 32
struct cli_props {
	unsigned n;
	struct device_prop p[CLI_MAX_PROPS];
	bool bare[CLI_MAX_PROPS];       /* written without '=' */
	char *buf;
};

int cli_props_parse(struct cli_props *ps, const char *text, const char *implied_key,
		    char *err, size_t errlen);
void cli_props_free(struct cli_props *ps);
const char *cli_props_get(const struct cli_props *ps, const char *key);

/* Checks of a property list against rules: choices NULL = any text, "#" = a number,
 * "?" = on|off, else "a|b|c". 0, or -1 with "<opt>: ..." in c->err. */
struct cli_prop_rule {
	const char *key;
	const char *choices;
};
int cli_props_check(struct cli *c, const char *opt, const struct cli_props *ps,
		    const struct cli_prop_rule *rules, unsigned nrules);

/* What is supported now (cli/support.c): one row per thing that later work enables. */
enum cli_feature {
	FEAT_SMP,               /* more than one vCPU */
	FEAT_MEM_HOTPLUG,       /* -m slots=, maxmem= */
	FEAT_ACCEL_KVM,
	FEAT_MACHINE_Q35,
	FEAT_MACHINE_OTHER,     /* isapc, microvm */
	FEAT_MACHINE_OPTS,      /* -machine smm=on, usb=on, ... */
	FEAT_DISPLAY_SDL,
	FEAT_VNC,
	FEAT_VGA,
	FEAT_GDB,               /* -s, -gdb */
	FEAT_START_STOPPED,     /* -S */
	FEAT_MONITOR,
	FEAT_SERIAL_SOCKET,     /* unix:, tcp: */
	FEAT_SERIAL_MON,        /* mon:stdio */
	FEAT_SERIAL_PTY,
	FEAT_SERIAL_CHARDEV,    /* chardev:ID */
	FEAT_DRIVE,
	FEAT_CHARDEV,
	FEAT_NET,               /* -net/-nic/-netdev other than none */
	FEAT_NO_SHUTDOWN,
	FEAT_RTC,               /* -rtc */
	FEAT_COUNT
};

/* 0 if f is supported; else -1 with "<opt>: <what> is not yet supported" in err. */
int cli_require(struct cli *c, const char *opt, enum cli_feature f);
bool cli_supported(enum cli_feature f);

/* Keep a malloc'ed string alive as long as c; returns it (NULL if s is NULL). */
char *cli_own(struct cli *c, char *s);
int cli_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Option handlers: opt is the option as the table spells it ("-m"), arg its argument
 * (NULL for a flag). They return 0 to go on, 1 when an action ends the parse (-help),
 * -1 with c->err set.
 */
typedef int (*cli_opt_fn)(struct cli *c, const char *opt, const char *arg);

struct cli_option {
	const char *name;               /* without the dash */
	const char *argname;            /* NULL: a flag */
	cli_opt_fn fn;
	const char *help;               /* NULL: an alias, not listed by -help */
};
extern const struct cli_option g_cli_options[];
extern const unsigned g_cli_noptions;

int cli_opt_device(struct cli *c, const char *opt, const char *arg);      /* devices.c */
int cli_opt_global(struct cli *c, const char *opt, const char *arg);
int cli_opt_cpu(struct cli *c, const char *opt, const char *arg);         /* cpuopt.c */
int cli_opt_machine(struct cli *c, const char *opt, const char *arg);     /* machine.c */
int cli_opt_accel(struct cli *c, const char *opt, const char *arg);
int cli_opt_enable_kvm(struct cli *c, const char *opt, const char *arg);
int cli_opt_serial(struct cli *c, const char *opt, const char *arg);      /* backends.c */
int cli_opt_monitor(struct cli *c, const char *opt, const char *arg);
int cli_opt_gdb(struct cli *c, const char *opt, const char *arg);
int cli_opt_s(struct cli *c, const char *opt, const char *arg);
int cli_opt_start_stopped(struct cli *c, const char *opt, const char *arg);
int cli_opt_chardev(struct cli *c, const char *opt, const char *arg);
int cli_opt_drive(struct cli *c, const char *opt, const char *arg);
int cli_opt_display(struct cli *c, const char *opt, const char *arg);
int cli_opt_nographic(struct cli *c, const char *opt, const char *arg);
int cli_opt_vnc(struct cli *c, const char *opt, const char *arg);
int cli_opt_vga(struct cli *c, const char *opt, const char *arg);
int cli_opt_net(struct cli *c, const char *opt, const char *arg);
int cli_opt_rtc(struct cli *c, const char *opt, const char *arg);

/* Help texts (help.c). */
void cli_print_help(FILE *out);
void cli_print_devices(FILE *out);
void cli_print_device_props(FILE *out, const struct devtype *t);
void cli_print_cpus(FILE *out);
void cli_print_log_items(FILE *out);
void cli_print_machines(FILE *out);

#endif
