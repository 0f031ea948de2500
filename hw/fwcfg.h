/*
 * hw/fwcfg.h - QEMU's firmware configuration device (fw_cfg): selector at 0x510,
 * data at 0x511, DMA address at 0x514 (docs/specs/fw_cfg.rst in QEMU).
 */
#ifndef ELZERO_HW_FWCFG_H
#define ELZERO_HW_FWCFG_H

#include "cpu/cpu.h"

#define FWCFG_MAX_ITEMS 32
#define FWCFG_FILE_FIRST 0x20

struct fwcfg_item {
	uint16_t key;
	uint32_t len;
	uint8_t *data;                  /* owned */
	char name[56];                  /* files only */
};

struct fwcfg {
	struct cpu_bus *bus;            /* DMA reads and writes guest RAM through it */
	struct fwcfg_item items[FWCFG_MAX_ITEMS];
	unsigned nitems, nfiles;
	uint16_t sel;
	uint32_t off;
	uint64_t dma_addr;
};

/* ncpus: the vCPUs present (FW_CFG_NB_CPUS); max_cpus: -smp maxcpus= (FW_CFG_MAX_CPUS). */
void fwcfg_init(struct fwcfg *f, struct cpu_bus *bus, uint64_t ram_size, unsigned ncpus,
		unsigned max_cpus);
void fwcfg_free(struct fwcfg *f);
/* Add a numbered item or a named file (listed in the file directory, 0x19). 0 or -1. */
int fwcfg_add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len);
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len);
/* Ports 0x510-0x511 and 0x514-0x51b. */
uint32_t fwcfg_read(void *dev, uint16_t port, unsigned size);
void fwcfg_write(void *dev, uint16_t port, unsigned size, uint32_t val);

#endif
