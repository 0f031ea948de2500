/*
 * hw/pc.c - the PC machine: creates and wires the devices in plain visible order,
 * loads the kernel, and runs the vCPU until the guest stops.
 */
#include "hw/hw.h"
#include "hw/loader.h"
#include "hw/pc.h"
#include "monitor/monitor.h"
#include "nested/nested.h"
#include "translate/translate.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RAM (128ull << 20)

static const uint16_t com_ports[PC_NUM_COM] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/* One line on stderr naming what is wrong; returns -1. */
static int __attribute__((format(printf, 1, 2))) pc_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "elzero: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int pc_add_serial(struct pc *pc, const char *spec)
{
	char err[256];
	struct chardev *chr = &pc->com_chr[pc->ncom];

	if (!strcmp(spec, "none"))
		return 0;
	if (pc->ncom == PC_NUM_COM)
		return pc_fail("too many -serial ports (at most %d)", PC_NUM_COM);
	if (chardev_open(chr, spec, err, sizeof(err)))
		return pc_fail("-serial: %s", err);
	uart16550_init(&pc->com[pc->ncom], chr);
	if (machine_register_pio(&pc->m, com_ports[pc->ncom], 8, &pc->com[pc->ncom],
				 uart16550_read, uart16550_write))
		return pc_fail("cannot register COM port");
	pc->ncom++;
	return 0;
}

static int pc_add_device(struct pc *pc, const struct device_config *d)
{
	if (!strcmp(d->driver, "isa-debug-exit")) {
		uint64_t base, size;

		/* -device, else -global, else the type's default (hw/devtypes.c) */
		if (device_prop_uint(pc->cfg, d, "iobase", &base) ||
		    device_prop_uint(pc->cfg, d, "iosize", &size) || base > 0xffff || !size ||
		    size > 0x10000 - base)
			return pc_fail("isa-debug-exit: iobase/iosize out of the I/O port range");
		if (debugexit_init(pc, (uint16_t)base, (uint16_t)size))
			return pc_fail("isa-debug-exit: ports %#x-%#x overlap another device",
				       (unsigned)base, (unsigned)(base + size - 1));
		return 0;
	}
	return pc_fail("-device %s: not yet supported", d->driver);
}

static int pc_select_cpu(struct pc *pc)
{
	const char *spec = pc->cfg->cpu ? pc->cfg->cpu : "max";
	size_t n = strcspn(spec, ",");
	gchar *name = g_strndup(spec, n);
	const struct cpu_model *base = cpu_model_find(name);
	char err[256];

	if (!base) {
		pc_fail("-cpu: unknown CPU model '%s' (see -cpu help)", name);
		g_free(name);
		return -1;
	}
	g_free(name);
	pc->model = cpu_model_edit(base, spec[n] ? spec + n + 1 : "", err, sizeof(err));
	if (!pc->model)
		return pc_fail("-cpu: %s", err);
	return 0;
}

static int pc_load_kernel(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	gchar *image = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	struct boot_entry be;
	char err[256];
	int rc;

	if (!cfg->kernel)
		return pc_fail("no -kernel given: booting from firmware is not yet supported");
	if (!g_file_get_contents(cfg->kernel, &image, &len, &gerr)) {
		pc_fail("-kernel: %s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = multiboot_load(&pc->m.bus, (const uint8_t *)image, len, cfg->kernel, cfg->append,
			    cfg->initrd, &be, err, sizeof(err));
	if (rc == LOAD_NOT_THIS_FORMAT) {
		/* Linux boot protocol: "HdrS" at 0x202 (Documentation/x86/boot.rst) */
		if (len > 0x206 && !memcmp(image + 0x202, "HdrS", 4))
			pc_fail("-kernel %s: Linux bzImage boot is not yet supported", cfg->kernel);
		else
			pc_fail("-kernel %s: not a multiboot kernel (no multiboot header in the first 8 KiB)",
				cfg->kernel);
	} else if (rc == LOAD_ERROR) {
		pc_fail("-kernel %s: %s", cfg->kernel, err);
	} else {
		multiboot_set_cpu(pc->cpu, &be);
	}
	g_free(image);
	return rc == LOAD_OK ? 0 : -1;
}

static int pc_build(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	uint64_t ram = cfg->ram_size ? cfg->ram_size : DEFAULT_RAM;
	int rc;

	if (cfg->smp > 1)
		return pc_fail("-smp %u: more than one vCPU is not yet supported", cfg->smp);
	if (cfg->accel && strcmp(cfg->accel, "tcg"))
		return pc_fail("accel=%s is not yet supported (only tcg)", cfg->accel);
	if (pc_select_cpu(pc))
		return -1;
	rc = machine_init_bus(&pc->m, ram);
	if (rc)
		return pc_fail("cannot allocate %llu MiB of guest RAM", (unsigned long long)(ram >> 20));

	/* Serial ports: the -serial list, or COM1 on stdio unless -nodefaults. */
	for (unsigned i = 0; i < cfg->nserial; i++)
		if (pc_add_serial(pc, cfg->serial[i]))
			return -1;
	if (!cfg->nserial && !cfg->nodefaults && pc_add_serial(pc, "stdio"))
		return -1;
	for (unsigned i = 0; i < cfg->ndevices; i++)
		if (pc_add_device(pc, &cfg->devices[i]))
			return -1;

	pc->cpu = calloc(1, sizeof(*pc->cpu));
	if (!pc->cpu)
		return pc_fail("out of memory");
	vcpu_init(pc->cpu, 0, &pc->m.bus, pc->model);
	if (translate_attach(pc->cpu) || nested_attach(pc->cpu))
		return pc_fail("cannot set up the vCPU");
	return pc_load_kernel(pc);
}

static void pc_free(struct pc *pc)
{
	if (pc->cpu) {
		nested_detach(pc->cpu);
		translate_detach(pc->cpu);
		free(pc->cpu);
	}
	for (unsigned i = 0; i < pc->ncom; i++)
		chardev_close(&pc->com_chr[i]);
	machine_free_bus(&pc->m);
	if (pc->model)
		cpu_model_free(pc->model);
}

/* Run until the guest stops the machine. */
static int pc_loop(struct pc *pc)
{
	for (;;) {
		enum run_exit why = pc->dbg ? dbg_run(pc->dbg) : vcpu_run(pc->cpu, 0);

		if (pc->stop)
			return pc->exit_status;
		switch (why) {
		case RUN_EXIT_SHUTDOWN:
			if (pc->cfg->no_reboot) {
				fprintf(stderr, "elzero: guest shut down (triple fault)\n");
				return 0;
			}
			/* Reset: the machine has no firmware yet, so reload the kernel. */
			cpu_reset(pc->cpu);
			translate_flush(pc->cpu);
			if (pc_load_kernel(pc))
				return 1;
			break;
		case RUN_EXIT_HALT:
			fprintf(stderr, "elzero: vCPU halted with no interrupt source to wake it; stopping\n");
			return 0;
		case RUN_EXIT_REQUEST:
		case RUN_EXIT_LIMIT:
		case RUN_EXIT_EXCEPTION:        /* only when a test asked to stop on them */
		case RUN_EXIT_BREAKPOINT:
			break;
		}
	}
}

/* The monitor's system_reset and quit. */
static void pc_dbg_reset(void *opaque)
{
	struct pc *pc = opaque;

	cpu_reset(pc->cpu);
	translate_flush(pc->cpu);
	if (pc_load_kernel(pc))
		pc_request_exit(pc, 1);
}

static void pc_dbg_quit(void *opaque)
{
	pc_request_exit(opaque, 0);
}

/* The debugger session, when -gdb/-s, -monitor or -S asks for one. */
static int pc_open_dbg(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	struct dbg_machine m = { .cpus = &pc->cpu, .ncpus = 1, .opaque = pc,
				 .reset = pc_dbg_reset, .quit = pc_dbg_quit };
	struct dbg_config dc = { .gdb = cfg->gdb, .monitor = cfg->monitor,
				 .start_stopped = cfg->start_stopped };
	char err[256];

	if (!cfg->gdb && !cfg->monitor && !cfg->start_stopped)
		return 0;
	pc->dbg = dbg_open(&m, &dc, err, sizeof(err));
	return pc->dbg ? 0 : pc_fail("%s", err);
}

int machine_run(const struct machine_config *cfg)
{
	struct pc *pc = calloc(1, sizeof(*pc));
	int status = 1;

	if (!pc) {
		fprintf(stderr, "elzero: out of memory\n");
		return 1;
	}
	pc->cfg = cfg;
	if (!pc_build(pc) && !pc_open_dbg(pc))
		status = pc_loop(pc);
	dbg_close(pc->dbg, status);
	pc_free(pc);
	free(pc);
	return status;
}
