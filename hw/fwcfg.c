/*
 * hw/fwcfg.c - fw_cfg, the interface QEMU gives firmware and test kernels
 * (QEMU docs/specs/fw_cfg.rst): a 16-bit selector, a byte-wide data port reading
 * the selected item sequentially, and the DMA interface (a big-endian
 * FWCfgDmaAccess { control, length, address } in guest memory).
 */
#include "hw/fwcfg.h"

#include <stdlib.h>
#include <string.h>

enum {
	FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02, FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05, FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_FILE_DIR = 0x19,
};
#define DMA_ERROR  1u
#define DMA_READ   2u
#define DMA_SKIP   4u
#define DMA_SELECT 8u
#define DMA_WRITE  0x10u
#define DMA_SIGNATURE 0x51454d5520434647ull     /* "QEMU CFG" */

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct fwcfg_item *find(struct fwcfg *f, uint16_t key)
{
	for (unsigned i = 0; i < f->nitems; i++)
		if (f->items[i].key == key)
			return &f->items[i];
	return NULL;
}

static int set_item(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
	struct fwcfg_item *it = find(f, key);
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy || (!it && f->nitems == FWCFG_MAX_ITEMS)) {
		free(copy);
		return -1;
	}
	if (!it) {
		it = &f->items[f->nitems++];
		memset(it, 0, sizeof(*it));
		it->key = key;
	}
	memcpy(copy, data, len);
	free(it->data);
	it->data = copy;
	it->len = len;
	return 0;
}

int fwcfg_add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
	return set_item(f, key, data, len);
}

/* The file directory: be32 count, then { be32 size, be16 select, be16 0, name[56] }. */
static int rebuild_dir(struct fwcfg *f)
{
	uint32_t len = 4 + 64 * f->nfiles;
	uint8_t *dir = calloc(1, len);
	unsigned n = 0;
	int rc;

	if (!dir)
		return -1;
	put_be32(dir, f->nfiles);
	for (unsigned i = 0; i < f->nitems; i++) {
		const struct fwcfg_item *it = &f->items[i];
		uint8_t *e = dir + 4 + 64 * n;

		if (it->key < FWCFG_FILE_FIRST)
			continue;
		put_be32(e, it->len);
		e[4] = (uint8_t)(it->key >> 8);
		e[5] = (uint8_t)it->key;
		memcpy(e + 8, it->name, sizeof(it->name));
		n++;
	}
	rc = set_item(f, FW_CFG_FILE_DIR, dir, len);
	free(dir);
	return rc;
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len)
{
	uint16_t key = (uint16_t)(FWCFG_FILE_FIRST + f->nfiles);

	if (strlen(name) >= sizeof(f->items[0].name) || set_item(f, key, data, len))
		return -1;
	strcpy(find(f, key)->name, name);
	f->nfiles++;
	return rebuild_dir(f);
}

void fwcfg_init(struct fwcfg *f, struct cpu_bus *bus, uint64_t ram_size, unsigned ncpus,
		unsigned max_cpus)
{
	uint32_t id = 3;                /* traditional interface and DMA */
	uint16_t cpus = (uint16_t)ncpus, maxc = (uint16_t)(max_cpus > ncpus ? max_cpus : ncpus);
	uint16_t nographic = 1;
	uint8_t uuid[16] = { 0 };

	memset(f, 0, sizeof(*f));
	f->bus = bus;
	/* Items are little-endian, as on x86 (fw_cfg.rst: "in the guest's endianness"). */
	set_item(f, FW_CFG_SIGNATURE, "QEMU", 4);
	set_item(f, FW_CFG_ID, &id, 4);
	set_item(f, FW_CFG_UUID, uuid, 16);
	set_item(f, FW_CFG_RAM_SIZE, &ram_size, 8);
	set_item(f, FW_CFG_NOGRAPHIC, &nographic, 2);
	set_item(f, FW_CFG_NB_CPUS, &cpus, 2);
	set_item(f, FW_CFG_MAX_CPUS, &maxc, 2);
	rebuild_dir(f);
}

void fwcfg_free(struct fwcfg *f)
{
	for (unsigned i = 0; i < f->nitems; i++)
		free(f->items[i].data);
	f->nitems = 0;
}

static uint8_t data_byte(struct fwcfg *f)
{
	struct fwcfg_item *it = find(f, f->sel);

	if (!it || f->off >= it->len)
		return 0;
	return it->data[f->off++];
}

/* One DMA request at guest-physical addr; its control word reports the result. */
static void dma_run(struct fwcfg *f, uint64_t addr)
{
	uint8_t *req = cpu_bus_ram_ptr(f->bus, addr, 16);
	uint32_t control, len;
	uint64_t dst;
	struct fwcfg_item *it;

	if (!req)
		return;                 /* not RAM: nowhere to report */
	control = get_be32(req);
	len = get_be32(req + 4);
	dst = (uint64_t)get_be32(req + 8) << 32 | get_be32(req + 12);
	if (control & DMA_SELECT) {
		f->sel = (uint16_t)(control >> 16);
		f->off = 0;
	}
	it = find(f, f->sel);
	if (control & DMA_WRITE) {
		control = DMA_ERROR;    /* no item is writable */
	} else if (control & (DMA_READ | DMA_SKIP)) {
		uint32_t avail = it && f->off < it->len ? it->len - f->off : 0;
		uint32_t n = len < avail ? len : avail;

		if (control & DMA_READ) {
			uint8_t *p = len ? cpu_bus_ram_ptr(f->bus, dst, len) : NULL;

			if (len && !p) {
				put_be32(req, DMA_ERROR);
				return;
			}
			if (n)
				memcpy(p, it->data + f->off, n);
			if (len > n)
				memset(p + n, 0, len - n);      /* past the end: zeros */
		}
		f->off += n;
		control = 0;
	} else {
		control = 0;
	}
	put_be32(req, control);
}

uint32_t fwcfg_read(void *dev, uint16_t port, unsigned size)
{
	struct fwcfg *f = dev;
	uint32_t val = 0;

	switch (port) {
	case 0x511:
		for (unsigned i = 0; i < size; i++)
			val |= (uint32_t)data_byte(f) << (8 * i);
		return val;
	case 0x514:             /* the DMA register reads "QEMU CFG", big-endian */
		return (uint32_t)__builtin_bswap32((uint32_t)(DMA_SIGNATURE >> 32));
	case 0x518:
		return (uint32_t)__builtin_bswap32((uint32_t)DMA_SIGNATURE);
	default:
		return 0;
	}
}

void fwcfg_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct fwcfg *f = dev;

	(void)size;
	switch (port) {
	case 0x510:
		f->sel = (uint16_t)val;
		f->off = 0;
		break;
	case 0x514:             /* big-endian address: the high half first */
		f->dma_addr = (uint64_t)__builtin_bswap32(val) << 32;
		break;
	case 0x518:             /* the low half starts the transfer */
		dma_run(f, f->dma_addr | __builtin_bswap32(val));
		f->dma_addr = 0;
		break;
	default:
		break;          /* data port writes are ignored (QEMU >= 2.4) */
	}
}
