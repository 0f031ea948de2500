/*
 * hw/virtio.c - split virtqueues as the device sees them, and the virtio PCI
 * transport (OASIS VIRTIO 1.1: 2.6 split virtqueues, 4.1.4 virtio structure PCI
 * capabilities, 4.1.4.3 common configuration, 4.1.4.4 notification, 4.1.4.5 ISR
 * status, 4.1.5.1.3 virtqueue configuration).
 */
#include "hw/virtio.h"

#include <string.h>

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t ld32(const uint8_t *p) { return ld16(p) | (uint32_t)ld16(p + 2) << 16; }
static uint64_t ld64(const uint8_t *p) { return ld32(p) | (uint64_t)ld32(p + 4) << 32; }
static void st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void st32(uint8_t *p, uint32_t v) { st16(p, (uint16_t)v); st16(p + 2, (uint16_t)(v >> 16)); }

/* ---------------------------------------------------------------- split virtqueues */

/* Walk the chain that starts at head into r. The chain may not be longer than the
 * queue (so a loop ends here), nor name a descriptor outside the table, nor put a
 * readable buffer after a writable one, nor use indirect descriptors (not offered). */
static int virtq_walk(const struct cpu_bus *bus, const struct virtq *q, uint16_t head,
		      struct virtq_req *r)
{
	const uint8_t *table = cpu_bus_ram_ptr(bus, q->desc, 16ull * q->size);
	uint16_t i = head;

	if (!table || head >= q->size)
		return -1;
	r->head = head;
	r->nseg = 0;
	r->rlen = r->wlen = 0;
	for (;;) {
		const uint8_t *d = table + 16u * i;
		uint64_t addr = ld64(d);
		uint32_t len = ld32(d + 8);
		uint16_t flags = ld16(d + 12);
		bool write = flags & VIRTQ_DESC_F_WRITE;

		if (r->nseg == q->size || (flags & VIRTQ_DESC_F_INDIRECT))
			return -1;
		if (!write && r->wlen)
			return -1;
		if (len && !cpu_bus_ram_ptr(bus, addr, len))
			return -1;
		r->seg[r->nseg++] = (struct virtq_seg){ addr, len, write };
		if (write)
			r->wlen += len;
		else
			r->rlen += len;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = ld16(d + 14);
		if (i >= q->size)
			return -1;
	}
}

int virtq_pop(const struct cpu_bus *bus, struct virtq *q, struct virtq_req *r)
{
	const uint8_t *avail;
	uint16_t idx;

	if (!q->enabled || !q->size)
		return 0;
	avail = cpu_bus_ram_ptr(bus, q->avail, 4 + 2ull * q->size);
	if (!avail)
		return -1;
	idx = ld16(avail + 2);
	if (idx == q->last_avail)
		return 0;
	/* More new entries than the ring holds: the driver's index is garbage. */
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return -1;
	if (virtq_walk(bus, q, ld16(avail + 4 + 2u * (q->last_avail % q->size)), r))
		return -1;
	q->last_avail++;
	return 1;
}

int virtq_push(const struct cpu_bus *bus, struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *used = cpu_bus_ram_ptr(bus, q->used, 4 + 8ull * q->size);

	if (!used)
		return -1;
	st32(used + 4 + 8u * (q->used_idx % q->size), head);
	st32(used + 8 + 8u * (q->used_idx % q->size), len);
	q->used_idx++;
	st16(used + 2, q->used_idx);    /* the entry first, then the index (2.6.8.2) */
	return 0;
}

bool virtq_want_irq(const struct cpu_bus *bus, const struct virtq *q)
{
	const uint8_t *avail = cpu_bus_ram_ptr(bus, q->avail, 2);

	return !avail || !(ld16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copy len bytes at stream offset off of the readable (write = false) or writable
 * segments, to (to_guest = false) or from buf. */
static uint64_t virtq_copy(const struct cpu_bus *bus, const struct virtq_req *r, bool write,
			   uint64_t off, uint8_t *buf, uint64_t len, bool to_guest)
{
	uint64_t done = 0;

	for (unsigned s = 0; s < r->nseg && done < len; s++) {
		const struct virtq_seg *g = &r->seg[s];
		uint64_t n;
		uint8_t *p;

		if (g->write != write)
			continue;
		if (off >= g->len) {
			off -= g->len;
			continue;
		}
		n = g->len - off < len - done ? g->len - off : len - done;
		p = cpu_bus_ram_ptr(bus, g->addr + off, n);
		if (!p)
			break;          /* checked by virtq_walk; RAM does not move */
		if (to_guest)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t virtq_read(const struct cpu_bus *bus, const struct virtq_req *r, uint64_t off, void *buf,
		    uint64_t len)
{
	return virtq_copy(bus, r, false, off, buf, len, false);
}

uint64_t virtq_write(const struct cpu_bus *bus, const struct virtq_req *r, uint64_t off,
		     const void *buf, uint64_t len)
{
	return virtq_copy(bus, r, true, off, (uint8_t *)buf, len, true);
}

/* ---------------------------------------------------------------- PCI transport */

/* BAR4 layout (as QEMU's): one structure per 4 KiB page. */
#define VP_COMMON 0x0000u
#define VP_ISR    0x1000u
#define VP_DEVICE 0x2000u
#define VP_NOTIFY 0x3000u
#define VP_BAR_SIZE 0x4000u
#define VP_NOTIFY_MULT 4u

/* 4.1.4 cfg_type */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* The VIRTIO_PCI_CAP_PCI_CFG capability (4.1.4.7): a window into the BARs through
 * configuration space: bar at +4, offset at +8, length at +12, data at +16. */
#define VP_CFG_CAP 0x84

#define VIRTIO_NO_VECTOR 0xffff

static void add_cap(struct virtio_pci *vp, unsigned at, unsigned next, unsigned type,
		    uint32_t offset, uint32_t length)
{
	uint8_t *c = vp->pci.config + at;

	c[0] = 0x09;                    /* vendor-specific capability */
	c[1] = (uint8_t)next;
	c[2] = type == VIRTIO_PCI_CAP_NOTIFY_CFG || type == VIRTIO_PCI_CAP_PCI_CFG ? 20 : 16;
	c[3] = (uint8_t)type;
	c[4] = VIRTIO_PCI_BAR;
	st32(c + 8, offset);
	st32(c + 12, length);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		st32(c + 16, VP_NOTIFY_MULT);
}

void virtio_pci_reset(struct virtio_pci *vp)
{
	vp->guest_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->status = 0;
	vp->isr = 0;
	vp->queue_sel = 0;
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		vp->vq[q] = (struct virtq){ .size = vp->queue_max };
	pci_set_irq(&vp->pci, false);
	if (vp->ops->reset)
		vp->ops->reset(vp->dev);
}

void virtio_pci_used(struct virtio_pci *vp, unsigned q)
{
	if (q < vp->nqueues && virtq_want_irq(vp->bus, &vp->vq[q])) {
		vp->isr |= 1;
		pci_set_irq(&vp->pci, true);
	}
}

void virtio_pci_error(struct virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	cpu_log_unimp("virtio: malformed virtqueue (device needs reset)", vp->pci.config[2], NULL);
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	vp->generation++;
	vp->isr |= 2;                   /* configuration change */
	pci_set_irq(&vp->pci, true);
}

/* The selected queue, or NULL when queue_select names none (reads then give 0). */
static struct virtq *selected_queue(struct virtio_pci *vp)
{
	return vp->queue_sel < vp->nqueues ? &vp->vq[vp->queue_sel] : NULL;
}

/* A common-configuration field: its offset, width, and value (4.1.4.3). */
static uint64_t common_field(struct virtio_pci *vp, unsigned off, unsigned *start, unsigned *width)
{
	static const uint8_t widths[][2] = {
		{ 0x00, 4 }, { 0x04, 4 }, { 0x08, 4 }, { 0x0c, 4 }, { 0x10, 2 }, { 0x12, 2 },
		{ 0x14, 1 }, { 0x15, 1 }, { 0x16, 2 }, { 0x18, 2 }, { 0x1a, 2 }, { 0x1c, 2 },
		{ 0x1e, 2 }, { 0x20, 8 }, { 0x28, 8 }, { 0x30, 8 },
	};
	struct virtq *q = selected_queue(vp);
	unsigned i;

	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (off >= widths[i][0] && off < widths[i][0] + widths[i][1])
			break;
	if (i == sizeof(widths) / sizeof(widths[0]))
		return *width = 0;
	*start = widths[i][0];
	*width = widths[i][1];
	switch (*start) {
	case 0x00: return vp->dfselect;
	case 0x04: return vp->dfselect < 2 ? (uint32_t)(vp->host_features >> (32 * vp->dfselect)) : 0;
	case 0x08: return vp->gfselect;
	case 0x0c: return vp->gfselect < 2 ? (uint32_t)(vp->guest_features >> (32 * vp->gfselect)) : 0;
	case 0x10: return VIRTIO_NO_VECTOR;     /* no MSI-X: INTx only */
	case 0x12: return vp->nqueues;
	case 0x14: return vp->status;
	case 0x15: return vp->generation;
	case 0x16: return vp->queue_sel;
	case 0x18: return q ? q->size : 0;
	case 0x1a: return VIRTIO_NO_VECTOR;
	case 0x1c: return q ? q->enabled : 0;
	case 0x1e: return vp->queue_sel;        /* queue_notify_off: one slot per queue */
	case 0x20: return q ? q->desc : 0;
	case 0x28: return q ? q->avail : 0;
	default:   return q ? q->used : 0;
	}
}

static uint64_t common_read(struct virtio_pci *vp, unsigned off, unsigned size)
{
	unsigned start = 0, width;
	uint64_t v = common_field(vp, off, &start, &width);

	if (!width)
		return 0;
	return (v >> (8 * (off - start))) & size_mask(size);
}

/* The driver sets FEATURES_OK: accept only features offered, and VERSION_1 (a
 * modern-only device, 2.2.1). */
static void common_status(struct virtio_pci *vp, uint8_t val)
{
	if (!val) {
		virtio_pci_reset(vp);
		return;
	}
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vp->guest_features & ~vp->host_features) ||
	     !(vp->guest_features & (1ull << VIRTIO_F_VERSION_1))))
		val &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	vp->status = (uint8_t)(val | (vp->status & VIRTIO_STATUS_NEEDS_RESET));
}

/* Write part of a 64-bit ring address (drivers write the halves separately). */
static void set_part(uint64_t *field, unsigned off, unsigned size, uint64_t val)
{
	uint64_t mask = size_mask(size) << (8 * off);

	*field = (*field & ~mask) | ((val << (8 * off)) & mask);
}

static void common_write(struct virtio_pci *vp, unsigned off, unsigned size, uint64_t val)
{
	unsigned start = 0, width;
	struct virtq *q = selected_queue(vp);

	(void)common_field(vp, off, &start, &width);
	if (!width || off + size > start + width)
		return;
	switch (start) {
	case 0x00: vp->dfselect = (uint32_t)val; return;
	case 0x08: vp->gfselect = (uint32_t)val; return;
	case 0x0c:
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK))
			set_part(&vp->guest_features, 4 * vp->gfselect, 4, val);
		return;
	case 0x14: common_status(vp, (uint8_t)val); return;
	case 0x16: vp->queue_sel = (uint16_t)val; return;
	default: break;
	}
	if (!q || q->enabled)
		return;         /* a queue's setup is fixed once enabled (4.1.4.3.2) */
	switch (start) {
	case 0x18:
		if (val && val <= vp->queue_max)
			q->size = (uint16_t)val;
		break;
	case 0x1c:
		if (val == 1) {
			q->enabled = true;
			q->last_avail = q->used_idx = 0;
		}
		break;
	case 0x20: set_part(&q->desc, off - start, size, val); break;
	case 0x28: set_part(&q->avail, off - start, size, val); break;
	case 0x30: set_part(&q->used, off - start, size, val); break;
	default: break;
	}
}

static uint64_t vp_bar_read(void *opaque, unsigned bar, uint64_t off, unsigned size)
{
	struct virtio_pci *vp = opaque;
	uint8_t isr;

	if (bar != VIRTIO_PCI_BAR)
		return 0;
	if (off < VP_ISR)
		return common_read(vp, (unsigned)off, size);
	if (off < VP_DEVICE) {
		if (off != VP_ISR)
			return 0;
		isr = vp->isr;          /* reading the ISR clears it and the interrupt */
		vp->isr = 0;
		pci_set_irq(&vp->pci, false);
		return isr;
	}
	if (off < VP_NOTIFY)
		return vp->ops->config_read ? vp->ops->config_read(vp->dev, (unsigned)(off - VP_DEVICE), size)
					    : 0;
	return 0;
}

static void vp_bar_write(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_pci *vp = opaque;

	if (bar != VIRTIO_PCI_BAR)
		return;
	if (off < VP_ISR) {
		common_write(vp, (unsigned)off, size, val);
	} else if (off >= VP_DEVICE && off < VP_NOTIFY) {
		if (vp->ops->config_write)
			vp->ops->config_write(vp->dev, (unsigned)(off - VP_DEVICE), size, val);
	} else if (off >= VP_NOTIFY) {
		unsigned q = (unsigned)((off - VP_NOTIFY) / VP_NOTIFY_MULT);

		/* The request completes now, inside the guest's write: deterministic. */
		if (q < vp->nqueues && vp->vq[q].enabled && (vp->status & VIRTIO_STATUS_DRIVER_OK) &&
		    !(vp->status & VIRTIO_STATUS_NEEDS_RESET))
			vp->ops->queue_notify(vp->dev, q);
	}
}

/* The window's access, when the driver set a valid one: 1, 2 or 4 bytes in the
 * capabilities' BAR, naturally aligned (4.1.4.7.1). */
static bool cfg_window(const struct virtio_pci *vp, uint32_t *offset, unsigned *len)
{
	const uint8_t *c = vp->pci.config + VP_CFG_CAP;

	*offset = (uint32_t)c[8] | (uint32_t)c[9] << 8 | (uint32_t)c[10] << 16 | (uint32_t)c[11] << 24;
	*len = c[12] | c[13] << 8 | c[14] << 16 | (unsigned)c[15] << 24;
	return c[4] == VIRTIO_PCI_BAR && (*len == 1 || *len == 2 || *len == 4) &&
	       !(*offset & (*len - 1)) && *offset < VP_BAR_SIZE;
}

static void vp_cfg_written(void *opaque, unsigned reg, unsigned size)
{
	struct virtio_pci *vp = opaque;
	uint32_t offset, val = 0;
	unsigned len;

	if (reg >= VP_CFG_CAP + 20 || reg + size <= VP_CFG_CAP + 16 || !cfg_window(vp, &offset, &len))
		return;
	for (unsigned i = 0; i < len; i++)
		val |= (uint32_t)vp->pci.config[VP_CFG_CAP + 16 + i] << (8 * i);
	vp_bar_write(vp, VIRTIO_PCI_BAR, offset, len, val);
}

static void vp_cfg_reading(void *opaque, unsigned reg, unsigned size)
{
	struct virtio_pci *vp = opaque;
	uint32_t offset, val;
	unsigned len;

	if (reg >= VP_CFG_CAP + 20 || reg + size <= VP_CFG_CAP + 16 || !cfg_window(vp, &offset, &len))
		return;
	val = (uint32_t)vp_bar_read(vp, VIRTIO_PCI_BAR, offset, len);
	for (unsigned i = 0; i < 4; i++)
		vp->pci.config[VP_CFG_CAP + 16 + i] = (uint8_t)(i < len ? val >> (8 * i) : 0);
}

void virtio_pci_init(struct virtio_pci *vp, const struct cpu_bus *bus, unsigned device_type,
		     uint32_t class_code, uint64_t features, unsigned nqueues, uint16_t queue_max,
		     const struct virtio_dev_ops *ops, void *dev)
{
	memset(vp, 0, sizeof(*vp));
	/* 4.1.2.1: device ID 0x1040 + type; revision 1 for a modern-only device. */
	pci_dev_init(&vp->pci, 0x1af4, (uint16_t)(0x1040 + device_type), 0x01, class_code);
	st16(vp->pci.config + 0x2c, 0x1af4);            /* subsystem vendor */
	st16(vp->pci.config + 0x2e, 0x0040);            /* subsystem (>= 0x40: modern) */
	pci_dev_set_pin(&vp->pci, 1);
	(void)pci_dev_add_bar(&vp->pci, VIRTIO_PCI_BAR, VP_BAR_SIZE, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	vp->pci.config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	vp->pci.config[PCI_CAPABILITY_LIST] = 0x40;
	add_cap(vp, 0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON, 0x38);
	add_cap(vp, 0x50, 0x60, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR, 1);
	add_cap(vp, 0x60, 0x70, VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE, 0x1000);
	add_cap(vp, 0x70, VP_CFG_CAP, VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY, VP_NOTIFY_MULT * nqueues);
	add_cap(vp, VP_CFG_CAP, 0x00, VIRTIO_PCI_CAP_PCI_CFG, 0, 0);
	vp->pci.config[VP_CFG_CAP + 4] = 0;             /* the driver picks the BAR */
	for (unsigned i = 4; i < 20; i++)               /* bar, offset, length, data */
		vp->pci.wmask[VP_CFG_CAP + i] = i >= 5 && i < 8 ? 0 : 0xff;
	vp->pci.config_written = vp_cfg_written;
	vp->pci.config_reading = vp_cfg_reading;
	vp->pci.opaque = vp;
	vp->pci.bar_read = vp_bar_read;
	vp->pci.bar_write = vp_bar_write;
	vp->bus = bus;
	vp->host_features = features | 1ull << VIRTIO_F_VERSION_1;
	vp->nqueues = nqueues < VIRTIO_PCI_MAX_QUEUES ? nqueues : VIRTIO_PCI_MAX_QUEUES;
	vp->queue_max = queue_max && queue_max <= VIRTQ_MAX_SIZE ? queue_max : VIRTQ_MAX_SIZE;
	vp->ops = ops;
	vp->dev = dev;
	virtio_pci_reset(vp);
}
