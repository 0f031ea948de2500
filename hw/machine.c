/*
 * hw/machine.c - RAM, port-I/O and MMIO dispatch: the struct cpu_bus a machine
 * gives its vCPUs.
 */
#include "hw/hw.h"
#include "hw/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int machine_register_pio(struct machine *m, uint16_t base, uint16_t len, void *dev,
			 pio_read_fn rd, pio_write_fn wr)
{
	if (len == 0 || (uint32_t)base + len > 0x10000 || m->npio == MACHINE_MAX_PIO)
		return -EINVAL;
	for (unsigned i = 0; i < m->npio; i++) {
		const struct pio_region *r = &m->pio[i];
		if (base < r->base + r->len && r->base < base + len)
			return -EBUSY;
	}
	m->pio[m->npio++] = (struct pio_region){ base, len, dev, rd, wr };
	return 0;
}

int machine_register_mmio(struct machine *m, uint64_t base, uint64_t len, void *dev,
			  mmio_read_fn rd, mmio_write_fn wr)
{
	if (len == 0 || base + len < base || m->nmmio == MACHINE_MAX_MMIO)
		return -EINVAL;
	for (unsigned i = 0; i < m->nmmio; i++) {
		const struct mmio_region *r = &m->mmio[i];
		if (base < r->base + r->len && r->base < base + len)
			return -EBUSY;
	}
	m->mmio[m->nmmio++] = (struct mmio_region){ base, len, dev, rd, wr };
	return 0;
}

/* Remove the region base..: dev registered (BAR remapping). 0, or -ENOENT. */
int machine_unregister_pio(struct machine *m, uint16_t base, void *dev)
{
	for (unsigned i = 0; i < m->npio; i++) {
		if (m->pio[i].base == base && m->pio[i].dev == dev) {
			m->pio[i] = m->pio[--m->npio];
			return 0;
		}
	}
	return -ENOENT;
}

int machine_unregister_mmio(struct machine *m, uint64_t base, void *dev)
{
	for (unsigned i = 0; i < m->nmmio; i++) {
		if (m->mmio[i].base == base && m->mmio[i].dev == dev) {
			m->mmio[i] = m->mmio[--m->nmmio];
			return 0;
		}
	}
	return -ENOENT;
}

static const struct pio_region *pio_find(const struct machine *m, uint16_t port)
{
	for (unsigned i = 0; i < m->npio; i++)
		if (port >= m->pio[i].base && port - m->pio[i].base < m->pio[i].len)
			return &m->pio[i];
	return NULL;
}

static const struct mmio_region *mmio_find(const struct machine *m, uint64_t paddr)
{
	for (unsigned i = 0; i < m->nmmio; i++)
		if (paddr >= m->mmio[i].base && paddr - m->mmio[i].base < m->mmio[i].len)
			return &m->mmio[i];
	return NULL;
}

/* Unclaimed ports read as all ones and ignore writes, as on a PC's ISA bus. */
static uint32_t bus_pio_in(void *opaque, uint16_t port, unsigned size)
{
	const struct pio_region *r = pio_find(opaque, port);

	if (!r || !r->rd) {
		cpu_log_unimp("port read", port, NULL);
		return (uint32_t)size_mask(size);
	}
	return r->rd(r->dev, port, size);
}

static void bus_pio_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	const struct pio_region *r = pio_find(opaque, port);

	if (!r || !r->wr) {
		cpu_log_unimp("port write", port, NULL);
		return;
	}
	r->wr(r->dev, port, size, val);
}

static uint64_t bus_mmio_read(void *opaque, uint64_t paddr, unsigned size)
{
	const struct mmio_region *r = mmio_find(opaque, paddr);

	if (!r || !r->rd) {
		cpu_log_unimp("mmio read", paddr, NULL);
		return size_mask(size);
	}
	return r->rd(r->dev, paddr - r->base, size);
}

static void bus_mmio_write(void *opaque, uint64_t paddr, unsigned size, uint64_t val)
{
	const struct mmio_region *r = mmio_find(opaque, paddr);

	if (!r || !r->wr) {
		cpu_log_unimp("mmio write", paddr, NULL);
		return;
	}
	r->wr(r->dev, paddr - r->base, size, val);
}

int machine_init_bus(struct machine *m, uint64_t ram_size)
{
	void *ram;

	/* The PCI hole: RAM above 3 GiB moves to 4 GiB, as on QEMU's pc machine. */
	const uint64_t hole = 0xc0000000ull;

	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (ram == MAP_FAILED)
		return -errno;
	m->bus.opaque = m;
	m->bus.ram = ram;
	m->bus.ram_size = ram_size;
	m->bus.ram_below_4g = ram_size > hole ? hole : ram_size;
	m->bus.code_pages = calloc((ram_size >> 12) / 8 + 1, 1);
	if (!m->bus.code_pages) {
		munmap(ram, ram_size);
		return -ENOMEM;
	}
	m->bus.pio_in = bus_pio_in;
	m->bus.pio_out = bus_pio_out;
	m->bus.mmio_read = bus_mmio_read;
	m->bus.mmio_write = bus_mmio_write;
	return 0;
}

void machine_free_bus(struct machine *m)
{
	if (m->bus.ram)
		munmap(m->bus.ram, m->bus.ram_size);
	free(m->bus.code_pages);
	memset(&m->bus, 0, sizeof(m->bus));
}
