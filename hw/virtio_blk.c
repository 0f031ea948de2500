/*
 * hw/virtio_blk.c - the virtio block device (OASIS VIRTIO 1.1, 5.2): one request
 * queue, features SEG_MAX, BLK_SIZE, FLUSH and RO; requests IN, OUT, FLUSH and
 * GET_ID, served synchronously when the driver notifies the queue (a deterministic
 * point: the guest's write to the notify register).
 */
#include "hw/virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 5.2.3 feature bits */
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* 5.2.6 request types and status */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_ID_BLOCK 2

/* 5.2.4 struct virtio_blk_config, the fields offered: capacity (le64 at 0),
 * seg_max (le32 at 12), blk_size (le32 at 20). */
static uint64_t blk_config_read(void *dev, unsigned off, unsigned size)
{
	struct virtio_blk *b = dev;
	uint8_t cfg[0x40] = { 0 };
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		cfg[i] = (uint8_t)(b->capacity >> (8 * i));
	cfg[12] = (uint8_t)VIRTIO_BLK_SEG_MAX;
	cfg[21] = VIRTIO_BLK_SECTOR >> 8;
	for (unsigned i = 0; i < size && off + i < sizeof(cfg); i++)
		v |= (uint64_t)cfg[off + i] << (8 * i);
	return v;
}

/* Move len bytes between the image at pos and the chain's data (stream offset off of
 * its readable bytes for a write, of its writable bytes for a read). */
static int blk_transfer(struct virtio_blk *b, bool to_guest, uint64_t off, uint64_t pos,
			uint64_t len)
{
	const struct cpu_bus *bus = b->vp.bus;

	while (len) {
		uint64_t n = len < sizeof(b->buf) ? len : sizeof(b->buf);
		ssize_t got;

		if (to_guest) {
			got = pread(b->fd, b->buf, n, (off_t)pos);
			if (got < 0)
				return -1;
			memset(b->buf + got, 0, n - (uint64_t)got);     /* past the end of the file */
			if (virtq_write(bus, &b->req, off, b->buf, n) != n)
				return -1;
		} else {
			if (virtq_read(bus, &b->req, off, b->buf, n) != n)
				return -1;
			got = pwrite(b->fd, b->buf, n, (off_t)pos);
			if (got != (ssize_t)n)
				return -1;
		}
		off += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/* Serve one request; returns the status byte and the data bytes written in *used. */
static uint8_t blk_request(struct virtio_blk *b, uint64_t *used)
{
	const struct virtq_req *r = &b->req;
	uint8_t hdr[16];
	uint32_t type;
	uint64_t sector, len;

	*used = 0;
	if (virtq_read(b->vp.bus, r, 0, hdr, 16) != 16)
		return VIRTIO_BLK_S_IOERR;
	type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	sector = 0;
	for (unsigned i = 0; i < 8; i++)
		sector |= (uint64_t)hdr[8 + i] << (8 * i);
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		len = type == VIRTIO_BLK_T_IN ? r->wlen - 1 : r->rlen - 16;
		if (len % VIRTIO_BLK_SECTOR || sector > b->capacity ||
		    len / VIRTIO_BLK_SECTOR > b->capacity - sector)
			return VIRTIO_BLK_S_IOERR;
		if (type == VIRTIO_BLK_T_OUT && b->readonly)
			return VIRTIO_BLK_S_IOERR;
		if (blk_transfer(b, type == VIRTIO_BLK_T_IN, type == VIRTIO_BLK_T_IN ? 0 : 16,
				 sector * VIRTIO_BLK_SECTOR, len))
			return VIRTIO_BLK_S_IOERR;
		*used = type == VIRTIO_BLK_T_IN ? len : 0;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return !b->readonly && fsync(b->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = strlen(b->serial) + 1 < 20 ? strlen(b->serial) + 1 : 20;

		n = n < r->wlen - 1 ? n : r->wlen - 1;
		*used = virtq_write(b->vp.bus, r, 0, b->serial, n);
		return VIRTIO_BLK_S_OK;
	}
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Tell the machine which guest RAM the request wrote (code there is stale). */
static void blk_report_dma(struct virtio_blk *b, uint64_t bytes)
{
	for (unsigned s = 0; s < b->req.nseg && bytes; s++) {
		const struct virtq_seg *g = &b->req.seg[s];
		uint64_t n = g->len < bytes ? g->len : bytes;

		if (!g->write)
			continue;
		virtio_dma_written(&b->vp, g->addr, n);
		bytes -= n;
	}
}

static void blk_queue_notify(void *dev, unsigned queue)
{
	struct virtio_blk *b = dev;
	struct virtq *q = &b->vp.vq[queue];
	bool any = false;
	int rc;

	while ((rc = virtq_pop(b->vp.bus, q, &b->req)) == 1) {
		uint64_t used = 0;
		uint8_t status = VIRTIO_BLK_S_IOERR;

		/* A request needs its 16-byte header and a status byte at the end. */
		if (b->req.rlen >= 16 && b->req.wlen >= 1)
			status = blk_request(b, &used);
		if (b->req.wlen >= 1) {
			virtq_write(b->vp.bus, &b->req, b->req.wlen - 1, &status, 1);
			used++;
		}
		blk_report_dma(b, b->req.wlen);
		if (virtq_push(b->vp.bus, q, b->req.head, (uint32_t)used)) {
			rc = -1;
			break;
		}
		any = true;
	}
	if (rc < 0)
		virtio_pci_error(&b->vp);
	if (any)
		virtio_pci_used(&b->vp, queue);
}

static const struct virtio_dev_ops blk_ops = {
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

int virtio_blk_init(struct virtio_blk *b, const struct cpu_bus *bus, const char *path,
		    bool readonly, const char *serial, char *err, size_t errlen)
{
	struct stat st;
	off_t end;
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
			    1ull << VIRTIO_BLK_F_FLUSH;
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s'%s: %s", path, readonly ? "" : " read-write",
			 strerror(-rc));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "'%s' is not a regular file or block device", path);
		goto out_close;
	}
	end = lseek(b->fd, 0, SEEK_END);        /* a block device's st_size is 0 */
	if (end < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot size '%s': %s", path, strerror(-rc));
		goto out_close;
	}
	b->capacity = (uint64_t)end / VIRTIO_BLK_SECTOR;
	b->readonly = readonly;
	snprintf(b->serial, sizeof(b->serial), "%s", serial ? serial : "");
	if (readonly)
		features |= 1ull << VIRTIO_BLK_F_RO;
	virtio_pci_init(&b->vp, bus, VIRTIO_ID_BLOCK, 0x010000, features, 1, 256, &blk_ops, b);
	return 0;

out_close:
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	return rc;
}

void virtio_blk_free(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
