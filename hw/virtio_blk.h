/*
 * hw/virtio_blk.h - virtio-blk over PCI (modern interface), backed by a raw image
 * file (-drive file=PATH,format=raw,if=virtio[,readonly=on]).
 */
#ifndef ELZERO_HW_VIRTIO_BLK_H
#define ELZERO_HW_VIRTIO_BLK_H

#include "hw/virtio.h"

#define VIRTIO_BLK_SECTOR 512u
#define VIRTIO_BLK_SEG_MAX 126u         /* queue size - 2 (header and status) */

struct virtio_blk {
	struct virtio_pci vp;
	int fd;                         /* the image, owned */
	const char *path;               /* the -drive's file= (the machine's config) */
	uint64_t capacity;              /* in 512-byte sectors */
	bool readonly;
	char serial[21];                /* VIRTIO_BLK_T_GET_ID: at most 20 bytes */
	struct virtq_req req;           /* the chain being served */
	uint8_t buf[65536];             /* bounce buffer for data not in one piece */
};

/* Open path (read-only if readonly) and build the device. 0, or -errno with a
 * message in err. */
int virtio_blk_init(struct virtio_blk *b, const struct cpu_bus *bus, const char *path,
		    bool readonly, const char *serial, char *err, size_t errlen);
void virtio_blk_free(struct virtio_blk *b);

#endif
