/*
 * hw/pc_loader.c - QEMU's generic loader device on the PC (-device loader): an image
 * file (ELF executable, else raw bytes at addr=) or a value (data=, data-len=, addr=)
 * written into guest RAM at every machine reset, and cpu-num= to start vCPU 0 there
 * (32-bit flat protected mode for a raw image; an ELF file's own entry state).
 */
#include "hw/loader.h"
#include "hw/pc.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static int loader_file(struct pc *pc, const struct device_config *d, const char *file, bool *entry)
{
	const struct machine_config *cfg = pc->cfg;
	gchar *image = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	struct boot_entry be = { 0 };
	uint64_t addr = 0, cpu;
	bool raw = false, has_cpu = !device_prop_uint(cfg, d, "cpu-num", &cpu);
	char err[256] = "";
	int rc;

	if (!g_file_get_contents(file, &image, &len, &gerr)) {
		fprintf(stderr, "elzero: -device loader: %s\n", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	device_prop_bool(cfg, d, "force-raw", &raw);
	rc = raw ? LOAD_NOT_THIS_FORMAT : elf_load(&pc->m.bus, (const uint8_t *)image, len, &be, err,
						   sizeof(err));
	if (rc == LOAD_NOT_THIS_FORMAT) {
		if (device_prop_uint(cfg, d, "addr", &addr)) {
			snprintf(err, sizeof(err), "a raw image needs addr=");
			rc = LOAD_ERROR;
		} else {
			rc = raw_load(&pc->m.bus, (const uint8_t *)image, len, addr, err, sizeof(err));
			be = (struct boot_entry){ .entry = (uint32_t)addr };
		}
	}
	g_free(image);
	if (rc != LOAD_OK) {
		fprintf(stderr, "elzero: -device loader,file=%s: %s\n", file, err);
		return -1;
	}
	if (has_cpu) {
		if (cpu != 0) {
			fprintf(stderr, "elzero: -device loader: cpu-num=%llu: only vCPU 0 can be started\n",
				(unsigned long long)cpu);
			return -1;
		}
		elf_set_cpu(pc->cpus[0], &be);
		*entry = true;
	}
	return 0;
}

/* Every -device loader, in command-line order. *entry: one of them set the start. */
int pc_apply_loaders(struct pc *pc, bool *entry)
{
	const struct machine_config *cfg = pc->cfg;

	*entry = false;
	for (unsigned i = 0; i < cfg->ndevices; i++) {
		const struct device_config *d = &cfg->devices[i];
		const char *file;
		uint64_t addr, data, n = 4;
		char err[256];

		if (strcmp(d->driver, "loader"))
			continue;
		file = device_prop_value(cfg, d, "file");
		if (file) {
			if (loader_file(pc, d, file, entry))
				return -1;
			continue;
		}
		if (device_prop_uint(cfg, d, "addr", &addr) || device_prop_uint(cfg, d, "data", &data)) {
			fprintf(stderr, "elzero: -device loader: needs file=, or addr= with data=\n");
			return -1;
		}
		device_prop_uint(cfg, d, "data-len", &n);
		if (raw_load(&pc->m.bus, (const uint8_t *)&data, (size_t)n, addr, err, sizeof(err))) {
			fprintf(stderr, "elzero: -device loader,addr=%#llx: %s\n", (unsigned long long)addr, err);
			return -1;
		}
	}
	return 0;
}
