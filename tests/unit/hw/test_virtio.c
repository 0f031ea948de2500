/*
 * tests/unit/hw/test_virtio.c - virtio-blk over the PCI transport without a CPU:
 * feature negotiation, reads and writes reaching the image file, read-only disks,
 * the ISR and INTx, and malicious rings (loops, indexes and addresses out of range)
 * that must end in DEVICE_NEEDS_RESET, never in a crash or a hang.
 */
#include "tests/unit/common/check_run.h"
#include "hw/machine.h"
#include "hw/virtio_blk.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DESC  0x1000u
#define AVAIL 0x2000u
#define USED  0x3000u
#define HDR   0x4000u
#define DATA  0x5000u
#define STAT  0x6000u
#define QSIZE 8u

static struct machine m;
static struct pci_host h;
static struct virtio_blk *b;
static char path[64];
static int irq_level;

static void fake_pirq(void *opaque, unsigned n, int level)
{
	(void)opaque;
	(void)n;
	irq_level = level;
}

static uint8_t *ram(uint64_t a) { return m.bus.ram + a; }
static void w16(uint64_t a, uint16_t v) { memcpy(ram(a), &v, 2); }
static void w32(uint64_t a, uint32_t v) { memcpy(ram(a), &v, 4); }
static void w64(uint64_t a, uint64_t v) { memcpy(ram(a), &v, 8); }
static uint16_t r16(uint64_t a) { uint16_t v; memcpy(&v, ram(a), 2); return v; }
static uint32_t r32(uint64_t a) { uint32_t v; memcpy(&v, ram(a), 4); return v; }

static uint64_t vp_rd(unsigned off, unsigned size) { return b->vp.pci.bar_read(&b->vp, 4, off, size); }
static void vp_wr(unsigned off, unsigned size, uint64_t v) { b->vp.pci.bar_write(&b->vp, 4, off, size, v); }

static void make_disk(bool readonly)
{
	char err[128];
	uint8_t sector[512];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/elzero-virtio-%d.img", getpid());
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (unsigned s = 0; s < 8; s++) {
		memset(sector, 0x10 + s, sizeof(sector));
		fwrite(sector, 1, sizeof(sector), f);
	}
	fclose(f);
	b = malloc(sizeof(*b));
	ck_assert_int_eq(virtio_blk_init(b, &m.bus, path, readonly, "elzero-disk", err, sizeof(err)), 0);
	pci_host_init(&h, &m);
	h.pirq[0] = h.pirq[1] = h.pirq[2] = h.pirq[3] = (struct irq_line){ fake_pirq, NULL, 0 };
	ck_assert_int_eq(pci_host_plug(&h, 2, &b->vp.pci), 0);
}

/* The driver's side of 3.1.1: reset, features, one queue, DRIVER_OK. */
static void driver_init(void)
{
	vp_wr(0x14, 1, 0);
	vp_wr(0x14, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vp_wr(0x08, 4, 0);
	vp_wr(0x0c, 4, (uint32_t)vp_rd(0x04, 4));
	vp_wr(0x08, 4, 1);
	vp_wr(0x0c, 4, 1);                      /* VERSION_1 */
	vp_wr(0x14, 1, 0xb);
	ck_assert_uint_eq(vp_rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK, VIRTIO_STATUS_FEATURES_OK);
	vp_wr(0x16, 2, 0);
	ck_assert_uint_eq(vp_rd(0x18, 2), 256);
	vp_wr(0x18, 2, QSIZE);
	vp_wr(0x20, 4, DESC);
	vp_wr(0x24, 4, 0);
	vp_wr(0x28, 4, AVAIL);
	vp_wr(0x2c, 4, 0);
	vp_wr(0x30, 4, USED);
	vp_wr(0x34, 4, 0);
	vp_wr(0x1c, 2, 1);
	vp_wr(0x14, 1, 0xf);
}

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(machine_init_bus(&m, 1 << 20), 0);
	irq_level = 0;
}

static void teardown(void)
{
	if (b) {
		virtio_blk_free(b);
		free(b);
		b = NULL;
	}
	unlink(path);
	machine_free_bus(&m);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	w64(DESC + 16 * i, addr);
	w32(DESC + 16 * i + 8, len);
	w16(DESC + 16 * i + 12, flags);
	w16(DESC + 16 * i + 14, next);
}

/* Queue a 3-descriptor request (header, data, status) at descriptors 0-2 and kick. */
static void request(uint32_t type, uint64_t sector, uint32_t len, bool data_in)
{
	uint16_t idx = r16(AVAIL + 2);

	w32(HDR, type);
	w32(HDR + 4, 0);
	w64(HDR + 8, sector);
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, DATA, len, VIRTQ_DESC_F_NEXT | (data_in ? VIRTQ_DESC_F_WRITE : 0), 2);
	desc(2, STAT, 1, VIRTQ_DESC_F_WRITE, 0);
	*ram(STAT) = 0xff;
	w16(AVAIL + 4 + 2 * (idx % QSIZE), 0);
	w16(AVAIL + 2, (uint16_t)(idx + 1));
	vp_wr(0x3000, 2, 0);
}

START_TEST(identity_and_config)
{
	make_disk(false);
	ck_assert_uint_eq(pci_config_read(&b->vp.pci, 0, 4), 0x10421af4);
	ck_assert_uint_eq(pci_config_read(&b->vp.pci, 0x34, 1), 0x40);
	ck_assert_uint_eq(vp_rd(0x2000, 8), 8);                 /* capacity in sectors */
	ck_assert_uint_eq(vp_rd(0x2014, 4), 512);               /* blk_size */
	ck_assert_uint_eq(vp_rd(0x04, 4) & (1u << 5), 0);       /* not RO */
	/* The PCI configuration access capability (4.1.4.7): the last in the list. */
	ck_assert_uint_eq(pci_config_read(&b->vp.pci, 0x71, 1), 0x84);
	ck_assert_uint_eq(pci_config_read(&b->vp.pci, 0x84, 4), 0x05140009);      /* vendor, last, 20 bytes, PCI_CFG */
	pci_config_write(&b->vp.pci, 0x88, 1, 4);                       /* BAR4 */
	pci_config_write(&b->vp.pci, 0x8c, 4, 0x2000);                  /* capacity */
	pci_config_write(&b->vp.pci, 0x90, 4, 4);
	ck_assert_uint_eq(pci_config_read(&b->vp.pci, 0x94, 4), 8);
	pci_config_write(&b->vp.pci, 0x8c, 4, 0x14);                    /* device_status */
	pci_config_write(&b->vp.pci, 0x90, 4, 1);
	pci_config_write(&b->vp.pci, 0x94, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(vp_rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE);
	pci_config_write(&b->vp.pci, 0x8c, 4, 0x15);                    /* misaligned length 2 */
	pci_config_write(&b->vp.pci, 0x90, 4, 2);
	pci_config_write(&b->vp.pci, 0x94, 2, 0xffff);                  /* ignored */
	ck_assert_uint_eq(vp_rd(0x14, 1), VIRTIO_STATUS_ACKNOWLEDGE);
	/* A driver that refuses VERSION_1 does not get FEATURES_OK. */
	vp_wr(0x14, 1, 3);
	vp_wr(0x08, 4, 1);
	vp_wr(0x0c, 4, 0);
	vp_wr(0x14, 1, 0xb);
	ck_assert_uint_eq(vp_rd(0x14, 1) & VIRTIO_STATUS_FEATURES_OK, 0);
}
END_TEST

START_TEST(read_write)
{
	uint8_t buf[512];
	FILE *f;

	make_disk(false);
	driver_init();
	request(0 /* IN */, 2, 1024, true);
	ck_assert_uint_eq(*ram(STAT), 0);
	ck_assert_uint_eq(*ram(DATA), 0x12);
	ck_assert_uint_eq(*ram(DATA + 1023), 0x13);
	ck_assert_uint_eq(r16(USED + 2), 1);
	ck_assert_uint_eq(r32(USED + 4), 0);                    /* id: the head */
	ck_assert_uint_eq(r32(USED + 8), 1025);                 /* data + status written */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(vp_rd(0x1000, 1), 1);                 /* ISR: queue interrupt; read clears */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(vp_rd(0x1000, 1), 0);

	memset(ram(DATA), 0xab, 512);
	request(1 /* OUT */, 7, 512, false);
	ck_assert_uint_eq(*ram(STAT), 0);
	request(4 /* FLUSH */, 0, 0, false);
	ck_assert_uint_eq(*ram(STAT), 0);
	f = fopen(path, "rb");
	fseek(f, 7 * 512, SEEK_SET);
	ck_assert_uint_eq(fread(buf, 1, 512, f), 512);
	fclose(f);
	ck_assert_uint_eq(buf[0], 0xab);
	ck_assert_uint_eq(buf[511], 0xab);

	request(1, 8, 512, false);                              /* past the end */
	ck_assert_uint_eq(*ram(STAT), 1);
	request(0, 0, 100, true);                               /* not whole sectors */
	ck_assert_uint_eq(*ram(STAT), 1);
	request(99, 0, 512, true);
	ck_assert_uint_eq(*ram(STAT), 2);                       /* UNSUPP */
	request(8 /* GET_ID */, 0, 20, true);
	ck_assert_str_eq((char *)ram(DATA), "elzero-disk");
	ck_assert_uint_eq(r16(USED + 2), 7);
}
END_TEST

START_TEST(readonly)
{
	make_disk(true);
	ck_assert_uint_eq(vp_rd(0x04, 4) & (1u << 5), 1u << 5);
	driver_init();
	memset(ram(DATA), 0xab, 512);
	request(1, 0, 512, false);
	ck_assert_uint_eq(*ram(STAT), 1);                       /* IOERR */
	request(0, 0, 512, true);
	ck_assert_uint_eq(*ram(STAT), 0);
	ck_assert_uint_eq(*ram(DATA), 0x10);                    /* the file is unchanged */
}
END_TEST

/* The device stops with DEVICE_NEEDS_RESET and a configuration interrupt. */
static void expect_broken(void)
{
	ck_assert_uint_eq(vp_rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(vp_rd(0x1000, 1) & 2, 2);
	/* Further kicks do nothing; a reset brings it back. */
	vp_wr(0x3000, 2, 0);
	driver_init();
	ck_assert_uint_eq(vp_rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

START_TEST(malicious_rings)
{
	make_disk(false);
	driver_init();
	/* A loop: descriptor 1 points back to 0. */
	request(0, 0, 512, true);
	desc(1, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* next beyond the queue */
	request(0, 0, 512, true);
	ck_assert_uint_eq(*ram(STAT), 0);
	desc(1, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, QSIZE);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* a buffer outside RAM, and one that wraps the address space */
	desc(1, 0xfffffffffffff000ull, 0x2000, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();
	desc(1, 1 << 20, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* the avail index runs more than a ring ahead; a head out of range */
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + QSIZE + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();
	w16(AVAIL + 4, 200);
	w16(AVAIL + 2, 1);
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* rings outside RAM */
	vp_wr(0x1c, 2, 0);
	vp_wr(0x14, 1, 0);
	vp_wr(0x14, 1, 3);
	vp_wr(0x08, 4, 1);
	vp_wr(0x0c, 4, 1);
	vp_wr(0x14, 1, 0xb);
	vp_wr(0x20, 4, 0xfff00000u);
	vp_wr(0x18, 2, QSIZE);
	vp_wr(0x28, 4, AVAIL);
	vp_wr(0x30, 4, USED);
	vp_wr(0x1c, 2, 1);
	vp_wr(0x14, 1, 0xf);
	w16(AVAIL + 4, 0);
	w16(AVAIL + 2, 1);
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* readable after writable, and indirect descriptors (not offered) */
	request(0, 0, 512, true);
	desc(2, STAT, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	desc(3, HDR, 16, 0, 0);
	w16(AVAIL + 4 + 2 * (r16(AVAIL + 2) % QSIZE), 0);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();
	desc(0, HDR, 16, VIRTQ_DESC_F_INDIRECT, 0);
	w16(AVAIL + 4 + 2 * (r16(AVAIL + 2) % QSIZE), 0);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	expect_broken();

	/* A chain with no status byte is returned with nothing written, not fatal. */
	desc(0, HDR, 16, 0, 0);
	w16(AVAIL + 4 + 2 * (r16(AVAIL + 2) % QSIZE), 0);
	w16(AVAIL + 2, (uint16_t)(r16(AVAIL + 2) + 1));
	vp_wr(0x3000, 2, 0);
	ck_assert_uint_eq(vp_rd(0x14, 1) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(r32(USED + 8 + 8 * ((r16(USED + 2) - 1) % QSIZE)), 0);
}
END_TEST

/* xorshift64: the same "random" rings on every run */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Garbage rings and garbage register writes: every kick ends (bounded work), and
 * nothing outside guest RAM is touched (ASan watches the run). */
START_TEST(random_rings)
{
	make_disk(false);
	for (unsigned round = 0; round < 3000; round++) {
		unsigned what = (unsigned)(rng() % 16);

		if (what == 0) {
			driver_init();
		} else if (what == 1) {
			vp_wr((unsigned)(rng() % 0x40), 1u << (rng() % 3), rng());     /* common cfg */
		} else {
			/* scribble over the rings and the buffers, then kick */
			for (unsigned i = 0; i < 8; i++) {
				uint64_t a = DESC + rng() % (STAT + 16 - DESC);
				uint64_t v = rng();

				if (rng() % 4 == 0)     /* sometimes a plausible descriptor */
					desc((unsigned)(rng() % QSIZE), DATA + rng() % 4096, (uint32_t)(rng() % 2048),
					     (uint16_t)(rng() % 8), (uint16_t)(rng() % (QSIZE + 2)));
				else
					memcpy(ram(a), &v, 8);
			}
			vp_wr(0x3000, 2, 0);
		}
		(void)vp_rd(0x1000, 1);
	}
	/* The device still works after a reset. */
	driver_init();
	w16(AVAIL + 2, 0);
	request(0, 0, 512, true);
	ck_assert_uint_eq(*ram(STAT), 0);
	ck_assert_uint_eq(*ram(DATA), 0x10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = tcase_create("blk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identity_and_config);
	tcase_add_test(tc, read_write);
	tcase_add_test(tc, readonly);
	tcase_add_test(tc, malicious_rings);
	tcase_add_test(tc, random_rings);
	suite_add_tcase(s, tc);
	return check_run(s);
}
