/*
 * l2linux: boots a Linux bzImage as a guest through the Linux KVM API. Run
 * inside an L1 Linux guest of elzero (CTest linux/l2linux), it boots Debian's
 * kernel as L2 on elzero's software VMX. The machine it builds is minimal:
 * RAM, KVM's in-kernel PIC/IOAPIC/LAPIC and PIT, an 8250 UART at 0x3f8 (IRQ 4)
 * whose output goes to stdout, a CMOS clock at 0x70, nothing else (no ACPI, no
 * PCI: other ports read as all ones, writes are dropped). The kernel is
 * entered through its 64-bit entry point (Documentation/x86/boot.rst, "64-bit
 * boot protocol") in long mode with an identity map set up here.
 *
 *   l2linux [--name NAME] [--mem MIB] [--cmdline TEXT] [--marker TEXT]
 *           [--timeout SECS] --kernel FILE[:OFFSET:SIZE] [--initrd FILE[:OFFSET:SIZE]]
 *
 * FILE:OFFSET:SIZE reads SIZE bytes at OFFSET of FILE (e.g. a block device
 * holding several files). Prints the guest's serial output prefixed "L2| ",
 * then "PASS l2linux-NAME" when the guest printed MARKER and then shut down
 * (reboot -f with reboot=t: a triple fault, KVM_EXIT_SHUTDOWN), else
 * "FAIL l2linux-NAME: why"; then the exit counts by kind and port. Exit status
 * 0 on PASS.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Guest physical layout (below 1 MiB, free of the kernel's own use at entry). */
#define L2_GDT_ADDR 0x500u
#define L2_ZERO_PAGE 0x7000u
#define L2_PML4 0x9000u     /* + PDPT at 0xa000, PD at 0xb000: 0..1 GiB in 2 MiB pages */
#define L2_CMDLINE 0x20000u
#define L2_KERNEL_ADDR 0x100000u
#define L2_TSS_ADDR 0xfffbd000ul    /* three pages, for unrestricted_guest=0 */
#define L2_IDMAP_ADDR 0xfffbc000ul  /* one page, for ept without unrestricted guest */

/* struct boot_params offsets (Documentation/x86/zero-page.rst, boot.rst). */
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR 0x1f1
#define BP_SETUP_SECTS 0x1f1
#define BP_VID_MODE 0x1fa
#define BP_HDR_MAGIC 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_ADDR_MAX 0x22c
#define BP_XLOADFLAGS 0x236
#define BP_CMDLINE_SIZE 0x238
#define BP_PREF_ADDRESS 0x258
#define BP_INIT_SIZE 0x260
#define BP_E820_TABLE 0x2d0
#define XLF_KERNEL_64 0x1

#define UART_BASE 0x3f8
#define UART_IRQ 4

struct l2_uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	int thre_pending;  /* the "THR empty" interrupt is pending */
	int line;          /* level last given to KVM_IRQ_LINE */
	char buf[256];     /* the current output line */
	size_t len;
};

struct l2_vm {
	const char *name, *marker;
	int vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	struct l2_uart uart;
	uint8_t cmos_index;
	int marker_seen;
	unsigned long exits[64];      /* by KVM exit reason */
	unsigned long port_exits[0x10000];
};

static volatile sig_atomic_t l2_timed_out;

static void l2_die(const char *what)
{
	printf("FAIL l2linux: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void l2_put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void l2_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void l2_put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t l2_get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t l2_get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t l2_get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* A byte range of a file: FILE[:OFFSET:SIZE]. */
struct l2_span {
	const char *spec;
	int fd;
	uint64_t off, size;
};

static void l2_open_span(struct l2_span *f, const char *spec)
{
	char path[512];
	unsigned long long off = 0, size = 0;
	const char *colon = strchr(spec, ':');
	struct stat st;

	if (colon) {
		if ((size_t)(colon - spec) >= sizeof(path) ||
		    sscanf(colon + 1, "%llu:%llu", &off, &size) != 2) {
			printf("FAIL l2linux: bad file spec %s\n", spec);
			exit(2);
		}
		memcpy(path, spec, (size_t)(colon - spec));
		path[colon - spec] = 0;
	} else {
		snprintf(path, sizeof(path), "%s", spec);
	}
	f->spec = spec;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		l2_die(path);
	if (!colon) {
		if (fstat(f->fd, &st) < 0)
			l2_die(path);
		size = (unsigned long long)st.st_size;
	}
	f->off = off;
	f->size = size;
}

/* Reads LEN bytes at POS of the span into DST; the range must be inside it. */
static void l2_read(const struct l2_span *f, void *dst, uint64_t pos, uint64_t len)
{
	uint64_t done = 0;

	if (pos > f->size || len > f->size - pos) {
		printf("FAIL l2linux: %s: read past the end\n", f->spec);
		exit(2);
	}
	while (done < len) {
		ssize_t n = pread(f->fd, (uint8_t *)dst + done, len - done,
				  (off_t)(f->off + pos + done));

		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			l2_die(f->spec);
		}
		done += (uint64_t)n;
	}
}

/* ---- devices -------------------------------------------------------------- */

static void l2_uart_update_irq(struct l2_vm *m)
{
	struct l2_uart *u = &m->uart;
	int line = (u->ier & 0x02) && u->thre_pending;
	struct kvm_irq_level irq = { .irq = UART_IRQ, .level = (uint32_t)line };

	if (line == u->line)
		return;
	u->line = line;
	if (ioctl(m->vm, KVM_IRQ_LINE, &irq) < 0)
		l2_die("KVM_IRQ_LINE");
}

static void l2_uart_flush(struct l2_vm *m)
{
	struct l2_uart *u = &m->uart;

	if (u->len == 0)
		return;
	u->buf[u->len] = 0;
	if (m->marker && strstr(u->buf, m->marker))
		m->marker_seen = 1;
	printf("L2| %s\n", u->buf);
	fflush(stdout);
	u->len = 0;
}

static void l2_uart_tx(struct l2_vm *m, uint8_t c)
{
	struct l2_uart *u = &m->uart;

	if (c == '\n') {
		l2_uart_flush(m);
	} else if (c != '\r') {
		u->buf[u->len++] = (char)c;
		if (u->len == sizeof(u->buf) - 1)
			l2_uart_flush(m);
	}
}

/* 8250/16450 registers (no FIFO); THR is empty again at once. */
static uint8_t l2_uart_io(struct l2_vm *m, unsigned reg, int write, uint8_t v)
{
	struct l2_uart *u = &m->uart;
	int dlab = (u->lcr & 0x80) != 0;
	uint8_t r = 0;

	switch (reg) {
	case 0:
		if (dlab) {
			if (write)
				u->dll = v;
			r = u->dll;
		} else if (write) {
			if (!(u->mcr & 0x10))  /* loopback: nothing leaves */
				l2_uart_tx(m, v);
			u->thre_pending = 1;
		}
		break;
	case 1:
		if (dlab) {
			if (write)
				u->dlm = v;
			r = u->dlm;
		} else {
			if (write) {
				if ((v & 0x02) && !(u->ier & 0x02))
					u->thre_pending = 1;
				u->ier = v & 0x0f;
			}
			r = u->ier;
		}
		break;
	case 2:  /* IIR on read (FCR writes ignored) */
		if (!write) {
			if ((u->ier & 0x02) && u->thre_pending) {
				r = 0x02;
				u->thre_pending = 0;
			} else {
				r = 0x01;
			}
		}
		break;
	case 3:
		if (write)
			u->lcr = v;
		r = u->lcr;
		break;
	case 4:
		if (write)
			u->mcr = v & 0x1f;
		r = u->mcr;
		break;
	case 5:
		r = 0x60;  /* THR empty, transmitter empty, no data */
		break;
	case 6:
		if (u->mcr & 0x10)  /* loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
			r = (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
				      ((u->mcr & 0x0c) << 4));
		else
			r = 0xb0;
		break;
	default:
		if (write)
			u->scr = v;
		r = u->scr;
		break;
	}
	l2_uart_update_irq(m);
	return r;
}

/* CMOS: a fixed time, 2026-01-01 00:00:00, BCD, 24-hour; update never in progress. */
static uint8_t l2_cmos_read(uint8_t index)
{
	switch (index & 0x7f) {
	case 0x07: return 0x01;  /* day of month */
	case 0x08: return 0x01;  /* month */
	case 0x09: return 0x26;  /* year */
	case 0x0a: return 0x26;  /* UIP clear */
	case 0x0b: return 0x02;  /* 24-hour, BCD */
	case 0x0d: return 0x80;  /* valid RAM and time */
	case 0x32: return 0x20;  /* century */
	default: return 0;
	}
}

static uint32_t l2_port_io(struct l2_vm *m, uint16_t port, int write, uint32_t v)
{
	m->port_exits[port]++;
	if (port >= UART_BASE && port < UART_BASE + 8)
		return l2_uart_io(m, port - UART_BASE, write, (uint8_t)v);
	if (port == 0x70) {
		if (write)
			m->cmos_index = (uint8_t)v;
		return m->cmos_index;
	}
	if (port == 0x71)
		return l2_cmos_read(m->cmos_index);
	return 0xffffffffu;
}

static void l2_handle_io(struct l2_vm *m)
{
	struct kvm_run *run = m->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		uint32_t v = 0;

		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&v, data, run->io.size);
			l2_port_io(m, run->io.port, 1, v);
		} else {
			v = l2_port_io(m, run->io.port, 0, 0);
			memcpy(data, &v, run->io.size);
		}
	}
}

/* ---- machine setup -------------------------------------------------------- */

static void l2_setup_vm(struct l2_vm *m, int kvm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t idmap = L2_IDMAP_ADDR;

	m->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		l2_die("KVM_CREATE_VM");
	/* Needed when the VMX has no unrestricted guest (real mode via vm86). */
	if (ioctl(m->vm, KVM_SET_TSS_ADDR, L2_TSS_ADDR) < 0)
		l2_die("KVM_SET_TSS_ADDR");
	if (ioctl(m->vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		l2_die("KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(m->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		l2_die("KVM_CREATE_IRQCHIP");
	if (ioctl(m->vm, KVM_CREATE_PIT2, &pit) < 0)
		l2_die("KVM_CREATE_PIT2");
	m->mem = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->mem == MAP_FAILED)
		l2_die("mmap guest memory");
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = m->mem_size,
		.userspace_addr = (uintptr_t)m->mem,
	};
	if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		l2_die("KVM_SET_USER_MEMORY_REGION");
}

static void l2_setup_cpuid(struct l2_vm *m, int kvm)
{
	struct kvm_cpuid2 *c = NULL;
	uint32_t i;
	int n = 64;

	for (;;) {
		c = realloc(c, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
		if (!c)
			l2_die("malloc");
		c->nent = (uint32_t)n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG)
			l2_die("KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	/* As VMMs do: CPUID.1:ECX[31] says "hypervisor present", so the guest finds
	 * KVM's leaves (0x40000000 on) and takes the TSC rate from kvmclock
	 * instead of calibrating it against the PIT (some 16,000 port reads). */
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1u << 31;
	if (ioctl(m->vcpu, KVM_SET_CPUID2, c) < 0)
		l2_die("KVM_SET_CPUID2");
	free(c);
}

static void l2_too_big(const char *what)
{
	printf("FAIL l2linux: %s does not fit in guest memory\n", what);
	exit(2);
}

/* A bzImage: the protected-mode part at 1 MiB, its setup header into the zero
 * page; entered at startup_64 (load address + 0x200, boot.rst "64-bit boot
 * protocol"), the decompressor then runs. Returns the end of what the kernel
 * uses before it reads the e820 map. */
static uint64_t l2_load_bzimage(struct l2_vm *m, const struct l2_span *f, uint64_t *entry)
{
	uint8_t hdr[0x1000], *bp = m->mem + L2_ZERO_PAGE;
	uint64_t setup_len, hdr_end, start;

	l2_read(f, hdr, 0, sizeof(hdr));
	if (l2_get32(hdr + BP_HDR_MAGIC) != 0x53726448 /* "HdrS" */ ||
	    l2_get16(hdr + BP_VERSION) < 0x20c || !(l2_get16(hdr + BP_XLOADFLAGS) & XLF_KERNEL_64)) {
		printf("FAIL l2linux: not a bzImage with the 64-bit entry (boot protocol 2.12+)\n");
		exit(2);
	}
	setup_len = ((uint64_t)(hdr[BP_SETUP_SECTS] ? hdr[BP_SETUP_SECTS] : 4) + 1) * 512;
	hdr_end = 0x202 + (uint64_t)hdr[0x201];
	if (setup_len >= f->size || f->size - setup_len > m->mem_size - L2_KERNEL_ADDR)
		l2_too_big("the kernel");
	l2_read(f, m->mem + L2_KERNEL_ADDR, setup_len, f->size - setup_len);
	memcpy(bp + BP_HDR, hdr + BP_HDR, hdr_end - BP_HDR);
	*entry = L2_KERNEL_ADDR + 0x200;
	/* The decompressor works from max(load address, pref_address) up to
	 * init_size bytes further (boot.rst: init_size). */
	start = l2_get64(hdr + BP_PREF_ADDRESS);
	if (start < L2_KERNEL_ADDR)
		start = L2_KERNEL_ADDR;
	return start + l2_get32(hdr + BP_INIT_SIZE);
}

/* An uncompressed vmlinux (ELF64): each PT_LOAD at its physical address,
 * entered at e_entry, the physical address of startup_64, with a zero page
 * carrying a minimal setup header (as VMMs booting vmlinux do). Skips the
 * decompressor, the bulk of an early boot. */
static uint64_t l2_load_elf(struct l2_vm *m, const struct l2_span *f, uint64_t *entry)
{
	uint8_t eh[64], ph[56], *bp = m->mem + L2_ZERO_PAGE;
	uint64_t end = 0, phoff;
	unsigned i, phnum;

	l2_read(f, eh, 0, sizeof(eh));
	if (eh[4] != 2 /* ELFCLASS64 */ || l2_get16(eh + 18) != 62 /* EM_X86_64 */) {
		printf("FAIL l2linux: not an x86-64 ELF kernel\n");
		exit(2);
	}
	phoff = l2_get64(eh + 32);
	phnum = l2_get16(eh + 56);
	for (i = 0; i < phnum; i++) {
		uint64_t paddr, filesz, memsz, off;

		l2_read(f, ph, phoff + 56ull * i, sizeof(ph));
		if (l2_get32(ph) != 1 /* PT_LOAD */)
			continue;
		off = l2_get64(ph + 8);
		paddr = l2_get64(ph + 24);
		filesz = l2_get64(ph + 32);
		memsz = l2_get64(ph + 40);
		if (filesz > memsz || paddr < L2_KERNEL_ADDR || paddr > m->mem_size ||
		    memsz > m->mem_size - paddr)
			l2_too_big("a kernel segment");
		l2_read(f, m->mem + paddr, off, filesz);
		if (paddr + memsz > end)
			end = paddr + memsz;
	}
	*entry = l2_get64(eh + 24);
	l2_put16(bp + 0x1fe, 0xaa55);                  /* boot_flag */
	l2_put32(bp + BP_HDR_MAGIC, 0x53726448);       /* "HdrS" */
	l2_put16(bp + BP_VERSION, 0x20c);
	l2_put32(bp + 0x230, 0x200000);                /* kernel_alignment */
	l2_put32(bp + BP_INITRD_ADDR_MAX, 0x7fffffff);
	l2_put32(bp + BP_CMDLINE_SIZE, 2047);
	return end;
}

/* Loads the kernel (bzImage or vmlinux) and initrd and fills the zero page;
 * returns the entry point. */
static uint64_t l2_load(struct l2_vm *m, const struct l2_span *k, const struct l2_span *initrd,
			const char *cmdline)
{
	uint8_t *bp = m->mem + L2_ZERO_PAGE, magic[4];
	uint64_t entry, kernel_end, ram_top = m->mem_size;
	size_t i;

	memset(bp, 0, 0x1000);
	l2_read(k, magic, 0, sizeof(magic));
	if (memcmp(magic, "\x7f" "ELF", 4) == 0)
		kernel_end = l2_load_elf(m, k, &entry);
	else
		kernel_end = l2_load_bzimage(m, k, &entry);
	bp[BP_TYPE_OF_LOADER] = 0xff;  /* undefined loader */
	l2_put16(bp + BP_VID_MODE, 0xffff);
	bp[BP_LOADFLAGS] |= 0x01;     /* LOADED_HIGH */
	if (strlen(cmdline) >= l2_get32(bp + BP_CMDLINE_SIZE))
		l2_too_big("the command line");
	strcpy((char *)m->mem + L2_CMDLINE, cmdline);
	l2_put32(bp + BP_CMD_LINE_PTR, L2_CMDLINE);
	if (initrd) {
		uint64_t max = l2_get32(bp + BP_INITRD_ADDR_MAX), top, addr;

		top = ram_top < max ? ram_top : max + 1;
		if (initrd->size > top || (addr = (top - initrd->size) & ~0xfffull) < kernel_end)
			l2_too_big("the initrd (above the kernel)");
		l2_read(initrd, m->mem + addr, 0, initrd->size);
		l2_put32(bp + BP_RAMDISK_IMAGE, (uint32_t)addr);
		l2_put32(bp + BP_RAMDISK_SIZE, (uint32_t)initrd->size);
	} else if (kernel_end > ram_top) {
		l2_too_big("the kernel");
	}
	/* e820: low RAM, the legacy hole, RAM from 1 MiB on. */
	const uint64_t map[3][3] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x100000 - 0x9fc00, 2 },
		{ 0x100000, ram_top - 0x100000, 1 },
	};
	for (i = 0; i < 3; i++) {
		uint8_t *e820 = bp + BP_E820_TABLE + 20 * i;

		l2_put64(e820, map[i][0]);
		l2_put64(e820 + 8, map[i][1]);
		l2_put32(e820 + 16, (uint32_t)map[i][2]);
	}
	bp[BP_E820_ENTRIES] = 3;
	return entry;
}

static void l2_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code64 ? 1 : 0;
	s->db = code64 ? 0 : 1;
	s->g = 1;
}

/* Long mode as the 64-bit boot protocol wants it: __BOOT_CS 0x10, __BOOT_DS 0x18,
 * identity-mapped memory, interrupts off, RSI = the zero page. */
static void l2_setup_cpu(struct l2_vm *m, uint64_t entry)
{
	uint64_t gdt[4] = { 0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
	uint64_t *pml4 = (uint64_t *)(m->mem + L2_PML4);
	uint64_t *pdpt = (uint64_t *)(m->mem + L2_PML4 + 0x1000);
	uint64_t *pd = (uint64_t *)(m->mem + L2_PML4 + 0x2000);
	struct kvm_sregs s;
	struct kvm_regs r;
	int i;

	memcpy(m->mem + L2_GDT_ADDR, gdt, sizeof(gdt));
	pml4[0] = (L2_PML4 + 0x1000) | 3;
	pdpt[0] = (L2_PML4 + 0x2000) | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;  /* 2 MiB, present, writable */
	if (ioctl(m->vcpu, KVM_GET_SREGS, &s) < 0)
		l2_die("KVM_GET_SREGS");
	s.gdt.base = L2_GDT_ADDR;
	s.gdt.limit = sizeof(gdt) - 1;
	l2_seg(&s.cs, 0x10, 0xb, 1);
	l2_seg(&s.ds, 0x18, 0x3, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr3 = L2_PML4;
	s.cr4 = 1u << 5;                    /* PAE */
	s.efer = (1u << 8) | (1u << 10);    /* LME, LMA */
	s.cr0 = 0x80000011;                 /* PG, ET, PE */
	if (ioctl(m->vcpu, KVM_SET_SREGS, &s) < 0)
		l2_die("KVM_SET_SREGS");
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rsi = L2_ZERO_PAGE;
	r.rflags = 2;
	if (ioctl(m->vcpu, KVM_SET_REGS, &r) < 0)
		l2_die("KVM_SET_REGS");
}

/* ---- run ------------------------------------------------------------------ */

static void l2_on_alarm(int sig)
{
	(void)sig;
	l2_timed_out = 1;
}

/* Runs until shutdown or an error; returns NULL on a clean shutdown, else why. */
static const char *l2_run(struct l2_vm *m)
{
	static char why[160];

	for (;;) {
		if (ioctl(m->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !l2_timed_out)
				continue;
			if (l2_timed_out) {
				struct kvm_regs r;

				memset(&r, 0, sizeof(r));
				ioctl(m->vcpu, KVM_GET_REGS, &r);
				snprintf(why, sizeof(why), "timed out at rip 0x%llx",
					 (unsigned long long)r.rip);
				return why;
			}
			snprintf(why, sizeof(why), "KVM_RUN: %s", strerror(errno));
			return why;
		}
		m->exits[m->run->exit_reason & 63]++;
		switch (m->run->exit_reason) {
		case KVM_EXIT_IO:
			l2_handle_io(m);
			break;
		case KVM_EXIT_MMIO:
			if (!m->run->mmio.is_write)
				memset(m->run->mmio.data, 0xff, sizeof(m->run->mmio.data));
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			return NULL;
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, sizeof(why), "failed entry, reason 0x%llx",
				 (unsigned long long)m->run->fail_entry.hardware_entry_failure_reason);
			return why;
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, sizeof(why), "KVM internal error, suberror %u",
				 m->run->internal.suberror);
			return why;
		default:
			snprintf(why, sizeof(why), "unexpected exit %u", m->run->exit_reason);
			return why;
		}
	}
}

static void l2_print_stats(const struct l2_vm *m, double secs)
{
	unsigned p;

	printf("l2linux-%s: %.1f s (L1 clock), exits to the VMM: io %lu, mmio %lu, intr %lu\n",
	       m->name, secs, m->exits[KVM_EXIT_IO], m->exits[KVM_EXIT_MMIO],
	       m->exits[KVM_EXIT_INTR]);
	printf("l2linux-%s: port exits:", m->name);
	for (p = 0; p < 0x10000; p++)
		if (m->port_exits[p] >= 16)
			printf(" 0x%x:%lu", p, m->port_exits[p]);
	printf("\n");
}

static void l2_usage(void)
{
	printf("usage: l2linux [--name NAME] [--mem MIB] [--cmdline TEXT] [--marker TEXT]\n"
	       "               [--timeout SECS] --kernel FILE[:OFF:SIZE] [--initrd FILE[:OFF:SIZE]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct l2_vm m;
	const char *kernel = NULL, *initrd = NULL, *why;
	const char *cmdline = "console=ttyS0 panic=-1 reboot=t";
	unsigned timeout = 0;
	struct l2_span kspan, ispan;
	struct timespec t0, t1;
	long run_size;
	int kvm, a;

	m.name = "boot";
	m.marker = "L2-LINUX: up";
	m.mem_size = 128ull << 20;
	for (a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!v)
			l2_usage();
		if (strcmp(argv[a], "--name") == 0)
			m.name = v;
		else if (strcmp(argv[a], "--mem") == 0)
			m.mem_size = strtoull(v, NULL, 0) << 20;
		else if (strcmp(argv[a], "--cmdline") == 0)
			cmdline = v;
		else if (strcmp(argv[a], "--marker") == 0)
			m.marker = v;
		else if (strcmp(argv[a], "--timeout") == 0)
			timeout = (unsigned)strtoul(v, NULL, 0);
		else if (strcmp(argv[a], "--kernel") == 0)
			kernel = v;
		else if (strcmp(argv[a], "--initrd") == 0)
			initrd = v;
		else
			l2_usage();
		a++;
	}
	if (!kernel || m.mem_size < (64ull << 20) || m.mem_size > (1ull << 30))
		l2_usage();
	l2_open_span(&kspan, kernel);
	if (initrd)
		l2_open_span(&ispan, initrd);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		l2_die("open /dev/kvm");
	l2_setup_vm(&m, kvm);
	m.vcpu = ioctl(m.vm, KVM_CREATE_VCPU, 0);
	if (m.vcpu < 0)
		l2_die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(*m.run))
		l2_die("KVM_GET_VCPU_MMAP_SIZE");
	m.run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, m.vcpu, 0);
	if (m.run == MAP_FAILED)
		l2_die("mmap kvm_run");
	l2_setup_cpuid(&m, kvm);
	l2_setup_cpu(&m, l2_load(&m, &kspan, initrd ? &ispan : NULL, cmdline));

	if (timeout) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = l2_on_alarm;  /* no SA_RESTART: KVM_RUN returns EINTR */
		sigaction(SIGALRM, &sa, NULL);
		alarm(timeout);
	}
	printf("l2linux-%s: booting, %llu MiB, cmdline: %s\n", m.name,
	       (unsigned long long)(m.mem_size >> 20), cmdline);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	why = l2_run(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	l2_uart_flush(&m);
	if (!why && !m.marker_seen)
		why = "shut down without printing the marker";
	if (why)
		printf("FAIL l2linux-%s: %s\n", m.name, why);
	else
		printf("PASS l2linux-%s\n", m.name);
	l2_print_stats(&m, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	return why ? 1 : 0;
}
