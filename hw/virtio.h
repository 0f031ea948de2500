/*
 * hw/virtio.h - virtio 1.x (OASIS Virtual I/O Device (VIRTIO) Version 1.1): split
 * virtqueues (2.6) as the device walks them, and the PCI transport (4.1) that a
 * device type (virtio-blk, hw/virtio_blk.c) plugs into.
 *
 * Every address, length and index in a ring comes from the guest: the walker
 * checks each against guest RAM and the queue size, bounds a chain by the queue
 * size (which also catches loops), and reports a malformed ring instead of trusting
 * it; the transport then marks the device DEVICE_NEEDS_RESET (2.1.1).
 */
#ifndef ELZERO_HW_VIRTIO_H
#define ELZERO_HW_VIRTIO_H

#include "cpu/cpu.h"
#include "hw/pci.h"

#define VIRTQ_MAX_SIZE 256

/* 2.6.5 descriptor flags */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80

#define VIRTIO_F_VERSION_1 32

struct virtq {
	uint16_t size;                  /* entries the driver chose (<= VIRTQ_MAX_SIZE) */
	bool enabled;
	uint64_t desc, avail, used;     /* guest-physical ring addresses */
	uint16_t last_avail;            /* next avail entry the device takes */
	uint16_t used_idx;              /* the device's copy of used->idx */
};

/* One buffer of a chain: guest-physical, already checked to be RAM. */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool write;                     /* device-writable */
};

/* A descriptor chain: its readable segments first, then its writable ones (2.6.4.2:
 * a driver puts device-readable before device-writable descriptors). */
struct virtq_req {
	uint16_t head;
	unsigned nseg;
	uint64_t rlen, wlen;            /* total readable / writable bytes */
	struct virtq_seg seg[VIRTQ_MAX_SIZE];
};

/* Take the next available chain: 1 and *r filled, 0 if none waits, -1 if the ring
 * or the chain is malformed (the queue must not be used again before a reset). */
int virtq_pop(const struct cpu_bus *bus, struct virtq *q, struct virtq_req *r)
	__attribute__((warn_unused_result));
/* Return a chain with len bytes written to it. 0, or -1 if the used ring is not RAM. */
int virtq_push(const struct cpu_bus *bus, struct virtq *q, uint16_t head, uint32_t len)
	__attribute__((warn_unused_result));
/* Does the driver want an interrupt for the chains just used (no EVENT_IDX)? */
bool virtq_want_irq(const struct cpu_bus *bus, const struct virtq *q);
/* Copy between the chain's readable bytes [off, off + len) and buf, or buf into its
 * writable bytes at off. Return the number of bytes copied (short at the end). */
uint64_t virtq_read(const struct cpu_bus *bus, const struct virtq_req *r, uint64_t off, void *buf,
		    uint64_t len);
uint64_t virtq_write(const struct cpu_bus *bus, const struct virtq_req *r, uint64_t off,
		     const void *buf, uint64_t len);

/* ---------------------------------------------------------------- PCI transport */

#define VIRTIO_PCI_MAX_QUEUES 2
#define VIRTIO_PCI_BAR 4                /* the capabilities' BAR: 64-bit, 16 KiB */

struct virtio_pci;

struct virtio_dev_ops {
	uint64_t (*config_read)(void *dev, unsigned offset, unsigned size);
	void (*config_write)(void *dev, unsigned offset, unsigned size, uint64_t val);
	void (*queue_notify)(void *dev, unsigned queue);
	void (*reset)(void *dev);
};

/* The machine's hook after a device wrote guest RAM (translated code in those pages
 * must be dropped, as after a CPU write). */
typedef void (*dma_written_fn)(void *opaque, uint64_t paddr, uint64_t len);

struct virtio_pci {
	struct pci_dev pci;
	const struct cpu_bus *bus;
	uint64_t host_features, guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status, isr, generation;
	uint16_t queue_sel;
	unsigned nqueues;
	uint16_t queue_max;
	struct virtq vq[VIRTIO_PCI_MAX_QUEUES];
	const struct virtio_dev_ops *ops;
	void *dev;
	dma_written_fn dma_written;
	void *dma_opaque;
};

/* A modern (virtio 1.x only) PCI function: vendor 1af4, device 0x1040 + type. */
void virtio_pci_init(struct virtio_pci *vp, const struct cpu_bus *bus, unsigned device_type,
		     uint32_t class_code, uint64_t features, unsigned nqueues, uint16_t queue_max,
		     const struct virtio_dev_ops *ops, void *dev);
/* The device used chains of queue q: interrupt the driver if it wants one. */
void virtio_pci_used(struct virtio_pci *vp, unsigned q);
/* The driver broke the protocol: DEVICE_NEEDS_RESET and a configuration interrupt. */
void virtio_pci_error(struct virtio_pci *vp);
/* Back to the reset state (status 0), as a machine reset or a status write of 0. */
void virtio_pci_reset(struct virtio_pci *vp);
/* Tell the machine what the device wrote into guest RAM. */
static inline void virtio_dma_written(const struct virtio_pci *vp, uint64_t paddr, uint64_t len)
{
	if (vp->dma_written && len)
		vp->dma_written(vp->dma_opaque, paddr, len);
}

#endif
