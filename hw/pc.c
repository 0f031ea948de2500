/*
 * hw/pc.c - the PC machine: creates and wires the devices in plain visible order,
 * loads the kernel, and runs the vCPU until the guest stops.
 */
#include "hw/hw.h"
#include "hw/loader.h"
#include "hw/pc.h"
#include "monitor/monitor.h"
#include "nested/nested.h"
#include "translate/translate.h"

#include <glib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_RAM (128ull << 20)

static const uint16_t com_ports[PC_NUM_COM] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
/* ISA IRQs of COM1, COM2 (COM3/COM4 would share them: edge lines cannot be shared,
 * so those two have no interrupt). */
static const int com_irqs[PC_NUM_COM] = { 4, 3, -1, -1 };

/* Deterministic machine time: a function of the retired-instruction count. */
#define PC_INSN_PER_SEC 1000000000ull
/* The most a vCPU runs between two looks at the timers (and the host), alone; with
 * several vCPUs, each runs this many instructions in turn (round robin). */
#define PC_SLICE 65536
#define PC_SMP_SLICE 4096

/* One line on stderr naming what is wrong; returns -1. */
static int __attribute__((format(printf, 1, 2))) pc_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "elzero: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int pc_add_serial(struct pc *pc, const char *spec)
{
	char err[256];
	struct chardev *chr = &pc->com_chr[pc->ncom];

	if (!strcmp(spec, "none"))
		return 0;
	if (pc->ncom == PC_NUM_COM)
		return pc_fail("too many -serial ports (at most %d)", PC_NUM_COM);
	if (chardev_open(chr, spec, err, sizeof(err)))
		return pc_fail("-serial: %s", err);
	uart16550_init(&pc->com[pc->ncom], chr);
	if (com_irqs[pc->ncom] >= 0)
		pc->com[pc->ncom].irq = pc->isa_irq[com_irqs[pc->ncom]];
	if (machine_register_pio(&pc->m, com_ports[pc->ncom], 8, &pc->com[pc->ncom],
				 uart16550_read, uart16550_write))
		return pc_fail("cannot register COM port");
	pc->ncom++;
	return 0;
}

static int pc_add_device(struct pc *pc, const struct device_config *d)
{
	if (!strcmp(d->driver, "isa-debug-exit")) {
		uint64_t base, size;

		/* -device, else -global, else the type's default (hw/devtypes.c) */
		if (device_prop_uint(pc->cfg, d, "iobase", &base) ||
		    device_prop_uint(pc->cfg, d, "iosize", &size) || base > 0xffff || !size ||
		    size > 0x10000 - base)
			return pc_fail("isa-debug-exit: iobase/iosize out of the I/O port range");
		if (debugexit_init(pc, (uint16_t)base, (uint16_t)size))
			return pc_fail("isa-debug-exit: ports %#x-%#x overlap another device",
				       (unsigned)base, (unsigned)(base + size - 1));
		return 0;
	}
	if (!strcmp(d->driver, "pc-testdev")) {
		struct pctestdev *t = pc->testdev ? NULL : calloc(1, sizeof(*t));

		if (!t)
			return pc_fail("-device pc-testdev: %s", pc->testdev ? "only one" : "out of memory");
		pc->testdev = t;
		pctestdev_init(t);
		for (unsigned n = 0; n < PCTESTDEV_NIRQ; n++)
			t->irq[n] = n < 16 ? pc->isa_irq[n] : pc->ioapic.irq[n];
		if (machine_register_pio(&pc->m, 0xe0, 12, t, pctestdev_read, pctestdev_write) ||
		    machine_register_pio(&pc->m, 0x2000, PCTESTDEV_NIRQ, t, pctestdev_irq_read,
					 pctestdev_irq_write) ||
		    machine_register_mmio(&pc->m, PCTESTDEV_IOMEM_BASE, PCTESTDEV_IOMEM_LEN, t,
					  pctestdev_iomem_read, pctestdev_iomem_write))
			return pc_fail("-device pc-testdev: its ports overlap another device");
		return 0;
	}
	switch (pc_pci_add_device(pc, d)) {
	case 0: return 0;
	case 1: break;
	default: return -1;
	}
	if (!strcmp(d->driver, "loader"))
		return 0;               /* applied at each reset by pc_apply_loaders() */
	return pc_fail("-device %s: not yet supported", d->driver);
}

static int pc_select_cpu(struct pc *pc)
{
	const char *spec = pc->cfg->cpu ? pc->cfg->cpu : "max";
	size_t n = strcspn(spec, ",");
	gchar *name = g_strndup(spec, n);
	const struct cpu_model *base = cpu_model_find(name);
	char err[256];

	if (!base) {
		pc_fail("-cpu: unknown CPU model '%s' (see -cpu help)", name);
		g_free(name);
		return -1;
	}
	g_free(name);
	pc->model = cpu_model_edit(base, spec[n] ? spec + n + 1 : "", err, sizeof(err));
	if (!pc->model)
		return pc_fail("-cpu: %s", err);
	return 0;
}

/* A bzImage, with the -initrd file's contents and -append. */
static int pc_load_linux(struct pc *pc, const uint8_t *image, size_t len)
{
	const struct machine_config *cfg = pc->cfg;
	gchar *initrd = NULL;
	gsize initrd_len = 0;
	GError *gerr = NULL;
	struct boot_entry be;
	char err[256];
	int rc;

	if (cfg->initrd && !g_file_get_contents(cfg->initrd, &initrd, &initrd_len, &gerr)) {
		pc_fail("-initrd: %s", gerr->message);
		g_error_free(gerr);
		return LOAD_ERROR;
	}
	rc = linux_load(&pc->m.bus, image, len, cfg->append, (const uint8_t *)initrd, initrd_len,
			&be, err, sizeof(err));
	g_free(initrd);
	if (rc == LOAD_ERROR)
		pc_fail("-kernel %s: %s", cfg->kernel, err);
	else if (rc == LOAD_OK)
		linux_set_cpu(pc->cpus[0], &be);
	return rc;
}

/* A -kernel file that is neither multiboot nor a bzImage: a plain ELF executable. */
static int pc_load_elf(struct pc *pc, const uint8_t *image, size_t len)
{
	struct boot_entry be;
	char err[256];
	int rc = elf_load(&pc->m.bus, image, len, &be, err, sizeof(err));

	if (rc == LOAD_NOT_THIS_FORMAT)
		pc_fail("-kernel %s: not a multiboot kernel, a Linux bzImage or an ELF executable",
			pc->cfg->kernel);
	else if (rc == LOAD_ERROR)
		pc_fail("-kernel %s: %s", pc->cfg->kernel, err);
	else
		elf_set_cpu(pc->cpus[0], &be);
	return rc == LOAD_OK ? 0 : -1;
}

static int pc_load_kernel_file(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	gchar *image = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	struct boot_entry be;
	char err[256];
	int rc;

	if (!g_file_get_contents(cfg->kernel, &image, &len, &gerr)) {
		pc_fail("-kernel: %s", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	rc = multiboot_load(&pc->m.bus, (const uint8_t *)image, len, cfg->kernel, cfg->append,
			    cfg->initrd, &be, err, sizeof(err));
	if (rc == LOAD_NOT_THIS_FORMAT) {
		/* Linux boot protocol: "HdrS" at 0x202 (Documentation/x86/boot.rst) */
		rc = pc_load_linux(pc, (const uint8_t *)image, len);
		if (rc == LOAD_NOT_THIS_FORMAT)
			rc = pc_load_elf(pc, (const uint8_t *)image, len) ? LOAD_ERROR : LOAD_OK;
	} else if (rc == LOAD_ERROR) {
		pc_fail("-kernel %s: %s", cfg->kernel, err);
	} else {
		multiboot_set_cpu(pc->cpus[0], &be);
	}
	g_free(image);
	return rc == LOAD_OK ? 0 : -1;
}

/* What firmware and the boot loader would leave: the ACPI tables, the kernel, the
 * -device loader images. */
static int pc_load_kernel(struct pc *pc)
{
	bool loader_entry;

	if (acpi_build(&pc->m.bus, pc->ncpus))
		return pc_fail("cannot write the ACPI tables (too little RAM?)");
	if (pc->cfg->kernel && pc_load_kernel_file(pc))
		return -1;
	if (pc_apply_loaders(pc, &loader_entry))
		return -1;
	if (!pc->cfg->kernel && !loader_entry)
		return pc_fail("no -kernel (or -device loader,...,cpu-num=0) given: booting from "
			       "firmware is not yet supported");
	return 0;
}

/* ---------------------------------------------------------------- time */

/* The bus's opaque pointer is &pc->m: the INTR callbacks below take it as the pc. */
_Static_assert(offsetof(struct pc, m) == 0, "struct pc starts with its machine");

/* The machine's instruction count: what every vCPU retired (see pc_loop). */
static uint64_t pc_icount(const struct pc *pc)
{
	return pc->cpu ? pc->icount + (pc->cpu->icount - pc->slice_start) : pc->icount;
}

static uint64_t pc_now(void *opaque)
{
	struct pc *pc = opaque;

	return clock_now_ns(&pc->clock, pc_icount(pc));
}

/* The local APIC of the running vCPU, or NULL when the model has none. */
static struct lapic *pc_cur_lapic(struct pc *pc)
{
	return pc->lapic[pc->cur].cpu ? &pc->lapic[pc->cur] : NULL;
}

/* The earliest machine time a timer device wants to be polled at. */
static uint64_t pc_next_deadline(struct pc *pc)
{
	uint64_t pit = i8254_next_deadline(&pc->pit), rtc = mc146818_next_deadline(&pc->rtc);
	uint64_t hpet = hpet_next_deadline(&pc->hpet);
	uint64_t next = pit < rtc ? pit : rtc;

	next = hpet < next ? hpet : next;

	for (unsigned i = 0; i < pc->apic_bus.n; i++) {
		uint64_t apic = lapic_next_deadline(pc->apic_bus.apic[i]);

		next = apic < next ? apic : next;
	}
	return next;
}

/* Bring every timer device up to machine time and note the next deadline. */
static void pc_poll_timers(struct pc *pc)
{
	uint64_t next;

	i8254_poll(&pc->pit);
	mc146818_poll(&pc->rtc);
	hpet_poll(&pc->hpet);
	for (unsigned i = 0; i < pc->apic_bus.n; i++)
		lapic_poll(pc->apic_bus.apic[i]);
	next = pc_next_deadline(pc);
	pc->deadline_icount = next == HW_NO_DEADLINE ? ~0ull : clock_icount_at(&pc->clock, next);
}

/* Could a timer interrupt ever wake a halted vCPU? Only through an unmasked input. */
static bool pc_timer_can_wake(struct pc *pc)
{
	const uint8_t imr1 = pc->pic.chip[0].imr, imr2 = pc->pic.chip[1].imr;

	struct lapic *apic = pc->lapic[0].cpu ? &pc->lapic[0] : NULL;
	bool pic = !apic || lapic_accepts_pic(apic);

	for (unsigned i = 0; i < pc->apic_bus.n; i++) {
		struct lapic *a = pc->apic_bus.apic[i];

		if (!(a->lvt[1] & (1u << 16)) && lapic_next_deadline(a) != HW_NO_DEADLINE)
			return true;
	}
	/* The HPET: only comparators with interrupts enabled have a deadline. */
	if (hpet_next_deadline(&pc->hpet) != HW_NO_DEADLINE)
		return true;
	/* Through the IOAPIC: the PIT on pin 2, the RTC on pin 8 */
	if (apic && ((!(pc->ioapic.redir[2] & (1u << 16)) &&
		      i8254_next_deadline(&pc->pit) != HW_NO_DEADLINE) ||
		     (!(pc->ioapic.redir[8] & (1u << 16)) &&
		      mc146818_next_deadline(&pc->rtc) != HW_NO_DEADLINE)))
		return true;
	return pic && ((!(imr1 & 1) && i8254_next_deadline(&pc->pit) != HW_NO_DEADLINE) ||
		       (!(imr1 & 4) && !(imr2 & 1) &&
			mc146818_next_deadline(&pc->rtc) != HW_NO_DEADLINE));
}

/* The CPU's INTR line: the timers are polled here too, at block boundaries, with one
 * compare, so a deadline is met however the vCPU is being run (debugger slices). */
static bool pc_intr_pending(void *opaque)
{
	struct pc *pc = opaque;
	struct lapic *apic = pc_cur_lapic(pc);

	if (pc_icount(pc) >= pc->deadline_icount)
		pc_poll_timers(pc);
	if (!apic)
		return i8259_intr_pending(&pc->pic);
	/* Through the local APIC: its own vectors, and the PIC's INTR on LINT0. */
	return lapic_intr_pending(apic) || (lapic_accepts_pic(apic) && i8259_intr_pending(&pc->pic));
}

static uint8_t pc_intr_ack(void *opaque)
{
	struct pc *pc = opaque;
	struct lapic *apic = pc_cur_lapic(pc);

	if (apic && lapic_intr_pending(apic))
		return lapic_intr_ack(apic);
	return i8259_intr_ack(&pc->pic);
}

/* The local APIC page: each vCPU sees its own APIC at the same address. */
static uint64_t pc_lapic_mmio_read(void *dev, uint64_t offset, unsigned size)
{
	struct pc *pc = dev;

	return lapic_mmio_read(&pc->lapic[pc->cur], offset, size);
}

static void pc_lapic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct pc *pc = dev;

	lapic_mmio_write(&pc->lapic[pc->cur], offset, size, val);
}

static void pc_timers_changed(void *opaque)
{
	pc_poll_timers(opaque);
}

/* Timer ports: after the guest reprograms a timer its deadline is recomputed. */
static uint32_t pc_pit_read(void *dev, uint16_t port, unsigned size)
{
	return i8254_read(&((struct pc *)dev)->pit, port, size);
}

static void pc_pit_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	i8254_write(&((struct pc *)dev)->pit, port, size, val);
	pc_poll_timers(dev);
}

static uint32_t pc_rtc_read(void *dev, uint16_t port, unsigned size)
{
	return mc146818_read(&((struct pc *)dev)->rtc, port, size);
}

static void pc_rtc_write(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	mc146818_write(&((struct pc *)dev)->rtc, port, size, val);
	pc_poll_timers(dev);
}

/* The HPET: under legacy replacement its timers 0 and 1 take IRQ0 and IRQ8 from
 * the PIT and the RTC (HPET spec 1.0a, 2.4), whose lines are dropped then. */
static uint64_t pc_hpet_read(void *dev, uint64_t offset, unsigned size)
{
	return hpet_mmio_read(&((struct pc *)dev)->hpet, offset, size);
}

static void pc_isa_irq(void *opaque, unsigned n, int level);

static void pc_hpet_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
	struct pc *pc = dev;
	bool legacy = hpet_legacy(&pc->hpet);

	hpet_mmio_write(&pc->hpet, offset, size, val);
	if (!legacy && hpet_legacy(&pc->hpet)) {
		pc_isa_irq(pc, 0, 0);
		pc_isa_irq(pc, 8, 0);
	}
	pc_poll_timers(pc);
}

/* ---------------------------------------------------------------- interrupts */

/* An ISA interrupt line goes to both the PICs and the IOAPIC; the timer's IRQ0 is on
 * IOAPIC pin 2 (the MP/ACPI interrupt source override every PC firmware reports). */
static void pc_isa_irq(void *opaque, unsigned n, int level)
{
	struct pc *pc = opaque;

	i8259_set_irq(&pc->pic, n, level);
	ioapic_set_irq(&pc->ioapic, n == 0 ? 2 : n, level);
}

/* The PIT's OUT 0 and the RTC's IRQ: to ISA IRQ0 and IRQ8 unless the HPET took them. */
static void pc_legacy_timer_irq(void *opaque, unsigned n, int level)
{
	struct pc *pc = opaque;

	if (!hpet_legacy(&pc->hpet))
		pc_isa_irq(pc, n, level);
}

/* An IOAPIC message, on the APIC bus to the local APICs it names. */
static void pc_ioapic_deliver(void *opaque, uint32_t dest, bool logical, unsigned mode,
			      uint8_t vector, bool level)
{
	struct pc *pc = opaque;

	lapic_bus_send(&pc->apic_bus, NULL,
		       vector | (mode & 7) << 8 | (logical ? 1u << 11 : 0) | (level ? 1u << 15 : 0),
		       dest);
}

/* ---------------------------------------------------------------- reset */

/* The guest asks for a reset (0xcf9, port 0x92, the 8042's reset line). */
static void pc_request_reset(void *opaque)
{
	struct pc *pc = opaque;

	pc->reset_pending = true;
	if (pc->cpu)
		pc->cpu->exit_request = 1;
}

/* Bochs's shutdown port. */
static void pc_request_poweroff(void *opaque)
{
	pc_request_exit(opaque, 0);
}

/*
 * The devices' state at power-on, as the firmware leaves it (no firmware runs before
 * the kernel): the PICs at vectors 0x08 and 0x70 with every input masked, channel 0
 * in mode 3 at 18.2 Hz (SeaBIOS), the keyboard controller after its self-test. The
 * RTC's time and CMOS RAM survive a reset.
 */
static void pc_devices_reset(struct pc *pc)
{
	i8259_init(&pc->pic);
	ioapic_init(&pc->ioapic, pc_ioapic_deliver, pc);
	pc->ioapic.id = pc->ncpus;      /* after the CPUs' IDs, as the MADT says */
	i8254_init(&pc->pit, &pc->hw_clock, (struct irq_line){ pc_legacy_timer_irq, pc, 0 });
	hpet_reset(&pc->hpet);
	for (unsigned c = 0; c < 2; c++) {
		static const uint8_t icw[2][4] = { { 0x11, 0x08, 0x04, 0x01 }, { 0x11, 0x70, 0x02, 0x01 } };
		uint16_t port = c ? 0xa0 : 0x20;

		i8259_write(&pc->pic, port, 1, icw[c][0]);
		for (unsigned i = 1; i < 4; i++)
			i8259_write(&pc->pic, port + 1, 1, icw[c][i]);
		i8259_write(&pc->pic, port + 1, 1, 0xff);
	}
	i8254_write(&pc->pit, 0x43, 1, 0x36);
	i8254_write(&pc->pit, 0x40, 1, 0);
	i8254_write(&pc->pit, 0x40, 1, 0);
	pc->rtc.irq = (struct irq_line){ pc_legacy_timer_irq, pc, 8 };
	i8042_init(&pc->kbc, pc->isa_irq[1], pc->isa_irq[12], pc_request_reset, pc);
	sysctl_init(&pc->sys, pc_request_reset, pc_request_poweroff, pc);
	acpi_pm_init(&pc->acpi, &pc->hw_clock, pc_request_poweroff, pc);
	for (unsigned i = 0; i < pc->ncom; i++)
		pc->com[i].irq = com_irqs[i] >= 0 ? pc->isa_irq[com_irqs[i]] : (struct irq_line){ 0 };
	pc_pci_reset(pc);
	pc->reset_pending = false;
	pc_poll_timers(pc);
}

/* The chipset: interrupt controllers, timers, RTC, keyboard controller, system
 * ports; and the CPU's INTR line. */
static int pc_add_chipset(struct pc *pc)
{
	struct machine *m = &pc->m;

	for (unsigned i = 0; i < 16; i++)
		pc->isa_irq[i] = (struct irq_line){ pc_isa_irq, pc, i };
	clock_init(&pc->clock, true, PC_INSN_PER_SEC);
	pc->hw_clock = (struct hw_clock){ pc_now, pc };
	m->bus.intr_pending = pc_intr_pending;
	m->bus.intr_ack = pc_intr_ack;
	mc146818_init(&pc->rtc, &pc->hw_clock, pc->isa_irq[8], RTC_START_UNIX);
	hpet_init(&pc->hpet, &pc->hw_clock);
	pc->hpet.legacy[0] = pc->isa_irq[0];
	pc->hpet.legacy[1] = pc->isa_irq[8];
	pc->hpet.ioapic_set = ioapic_set_irq;
	pc->hpet.ioapic_opaque = &pc->ioapic;
	mc146818_set_memory(&pc->rtc, m->bus.ram_below_4g, m->bus.ram_size - m->bus.ram_below_4g,
			    pc->ncpus);
	pc->deadline_icount = ~0ull;
	fwcfg_init(&pc->fwcfg, &m->bus, m->bus.ram_size, pc->ncpus,
		   pc->cfg->smp_max > pc->ncpus ? pc->cfg->smp_max : pc->ncpus);
	/* PCI bus 0: the i440FX host bridge and the PIIX3 ISA bridge, as on QEMU's pc. */
	if (pc_pci_init(pc))
		return -1;
	pc_devices_reset(pc);
	if (machine_register_pio(m, 0x20, 2, &pc->pic, i8259_read, i8259_write) ||
	    machine_register_pio(m, 0xa0, 2, &pc->pic, i8259_read, i8259_write) ||
	    machine_register_pio(m, 0x4d0, 2, &pc->pic, i8259_elcr_read, i8259_elcr_write) ||
	    machine_register_pio(m, 0x40, 4, pc, pc_pit_read, pc_pit_write) ||
	    machine_register_pio(m, 0x61, 1, &pc->pit, i8254_port61_read, i8254_port61_write) ||
	    machine_register_pio(m, 0x70, 2, pc, pc_rtc_read, pc_rtc_write) ||
	    machine_register_pio(m, 0x60, 1, &pc->kbc, i8042_read, i8042_write) ||
	    machine_register_pio(m, 0x64, 1, &pc->kbc, i8042_read, i8042_write) ||
	    machine_register_pio(m, 0x80, 1, &pc->sys, sysctl_read, sysctl_write) ||
	    machine_register_pio(m, 0x92, 1, &pc->sys, sysctl_read, sysctl_write) ||
	    machine_register_pio(m, 0xcf9, 1, &pc->sys, sysctl_read, sysctl_write) ||
	    machine_register_pio(m, 0x8900, 1, &pc->sys, sysctl_read, sysctl_write) ||
	    machine_register_pio(m, 0x510, 2, &pc->fwcfg, fwcfg_read, fwcfg_write) ||
	    machine_register_pio(m, ACPI_PM_BASE, 12, &pc->acpi, acpi_pm_read, acpi_pm_write) ||
	    machine_register_pio(m, 0x514, 8, &pc->fwcfg, fwcfg_read, fwcfg_write) ||
	    machine_register_mmio(m, IOAPIC_BASE, 0x1000, &pc->ioapic, ioapic_mmio_read,
				  ioapic_mmio_write) ||
	    machine_register_mmio(m, HPET_BASE, 0x400, pc, pc_hpet_read, pc_hpet_write))
		return pc_fail("cannot register the chipset devices");
	return 0;
}

/* Is n a power of two (the topology fields of the APIC ID are bit fields)? */
static bool pc_pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

/* The -smp count and topology this machine can build. */
static int pc_check_smp(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	unsigned threads = cfg->smp_threads ? cfg->smp_threads : 1;
	unsigned cores = cfg->smp_cores ? cfg->smp_cores : 1;

	pc->ncpus = cfg->smp ? cfg->smp : 1;
	if (pc->ncpus > PC_MAX_CPUS || cfg->smp_max > PC_MAX_CPUS)
		return pc_fail("-smp %u: at most %d vCPUs are supported", pc->ncpus > cfg->smp_max ?
			       pc->ncpus : cfg->smp_max, PC_MAX_CPUS);
	/* APIC ID = CPU index, so threads and cores must fill whole bit fields. */
	if (!pc_pow2(threads) || !pc_pow2(cores))
		return pc_fail("-smp: cores (%u) and threads (%u) must be powers of two", cores,
			       threads);
	return 0;
}

/* vCPU i with its local APIC (when the CPU model has one: CPUID.01H:EDX.APIC). APs
 * wait for INIT/SIPI. */
static int pc_add_cpu(struct pc *pc, unsigned i)
{
	const struct machine_config *cfg = pc->cfg;
	struct vcpu *v = calloc(1, sizeof(*v));
	struct lapic *a = &pc->lapic[i];

	if (!v)
		return pc_fail("out of memory");
	pc->cpus[i] = v;
	vcpu_init(v, (int)i, &pc->m.bus, pc->model);
	v->topo_threads = (uint8_t)(cfg->smp_threads ? cfg->smp_threads : 1);
	v->topo_cores = (uint8_t)(cfg->smp_cores ? cfg->smp_cores : 1);
	v->s.wait_for_sipi = i != 0;
	if (cpu_has_feature(v, "apic")) {
		lapic_init(a, v, &pc->hw_clock);
		a->bus = &pc->apic_bus;
		a->timer_changed = pc_timers_changed;
		a->timer_opaque = pc;
		a->eoi_broadcast = ioapic_eoi;
		a->eoi_opaque = &pc->ioapic;
		pc->apic_bus.apic[pc->apic_bus.n++] = a;
	}
	if (translate_attach(v) || nested_attach(v))
		return pc_fail("cannot set up the vCPU");
	return 0;
}

static int pc_build(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	uint64_t ram = cfg->ram_size ? cfg->ram_size : DEFAULT_RAM;
	int rc;

	if (pc_check_smp(pc))
		return -1;
	if (cfg->accel && strcmp(cfg->accel, "tcg"))
		return pc_fail("accel=%s is not yet supported (only tcg)", cfg->accel);
	if (pc_select_cpu(pc))
		return -1;
	rc = machine_init_bus(&pc->m, ram);
	if (rc)
		return pc_fail("cannot allocate %llu MiB of guest RAM", (unsigned long long)(ram >> 20));
	if (pc_add_chipset(pc))
		return -1;

	/* Serial ports: the -serial list, or COM1 on stdio unless -nodefaults. */
	for (unsigned i = 0; i < cfg->nserial; i++)
		if (pc_add_serial(pc, cfg->serial[i]))
			return -1;
	if (!cfg->nserial && !cfg->nodefaults && pc_add_serial(pc, "stdio"))
		return -1;
	if (pc_pci_add_drives(pc))
		return -1;
	for (unsigned i = 0; i < cfg->ndevices; i++)
		if (pc_add_device(pc, &cfg->devices[i]))
			return -1;
	pc_pci_reset(pc);       /* the new PCI devices: BARs as firmware leaves them */

	for (unsigned i = 0; i < pc->ncpus; i++)
		if (pc_add_cpu(pc, i))
			return -1;
	pc->cpu = pc->cpus[0];
	pc->cur = 0;
	if (pc->apic_bus.n && machine_register_mmio(&pc->m, LAPIC_BASE, 0x1000, pc,
						    pc_lapic_mmio_read, pc_lapic_mmio_write))
		return pc_fail("cannot map the local APIC");
	return pc_load_kernel(pc);
}

static void pc_free(struct pc *pc)
{
	for (unsigned i = 0; i < pc->ncpus; i++) {
		if (!pc->cpus[i])
			continue;
		nested_detach(pc->cpus[i]);
		translate_detach(pc->cpus[i]);
		free(pc->cpus[i]);
	}
	for (unsigned i = 0; i < pc->ncom; i++)
		chardev_close(&pc->com_chr[i]);
	machine_free_bus(&pc->m);
	free(pc->testdev);
	pc_pci_free(pc);
	fwcfg_free(&pc->fwcfg);
	if (pc->model)
		cpu_model_free(pc->model);
}

/* A machine reset (triple fault, or the guest asked): the same path for all. The
 * machine has no firmware yet, so the kernel is loaded again. The APs go back to
 * waiting for INIT/SIPI. */
static int pc_reset(struct pc *pc)
{
	for (unsigned i = 0; i < pc->ncpus; i++) {
		struct vcpu *v = pc->cpus[i];

		cpu_reset(v);
		nested_reset(v);
		v->shutdown = false;
		v->init_pending = v->sipi_pending = false;
		v->s.wait_for_sipi = i != 0;
		translate_flush(v);
		/* One TSC for all: the APs' read as the BSP's (cpu_tsc = icount + offset). */
		v->s.tsc_offset = pc->cpus[0]->icount + pc->cpus[0]->s.tsc_offset - v->icount;
	}
	pc_devices_reset(pc);
	for (unsigned i = 0; i < pc->apic_bus.n; i++)
		lapic_reset(pc->apic_bus.apic[i]);
	return pc_load_kernel(pc);
}

/* Instructions the running vCPU may run before the next timer deadline (at most a
 * slice). */
static uint64_t pc_budget(const struct pc *pc)
{
	uint64_t ic = pc_icount(pc), slice = pc->ncpus > 1 ? PC_SMP_SLICE : PC_SLICE;

	if (pc->deadline_icount <= ic)
		return 1;
	return pc->deadline_icount - ic < slice ? pc->deadline_icount - ic : slice;
}

/* Add ns of machine time to the TSC of every vCPU but skip (NULL: all). */
static void pc_tsc_advance(struct pc *pc, const struct vcpu *skip, uint64_t ns)
{
	for (unsigned i = 0; i < pc->ncpus; i++)
		if (pc->cpus[i] != skip)
			pc->cpus[i]->s.tsc_offset += ns;
}

/*
 * Every vCPU halted (or waiting for SIPI) with nothing to deliver. With IF = 1 on one
 * of them, a timer can wake it: machine time jumps to the next deadline
 * (deterministically: no host time passes). Returns false when nothing could ever
 * wake any of them.
 */
/* Halted with no timer to wake it, but a UART would interrupt on received data: wait
 * for host input (host time passes, machine time does not). */
static bool pc_wait_serial(struct pc *pc)
{
	struct chardev *cds[PC_NUM_COM];
	unsigned n = 0;

	for (unsigned i = 0; i < pc->ncom; i++)
		if (uart16550_rx_irq_enabled(&pc->com[i]) && chardev_has_input(pc->com[i].chr))
			cds[n++] = pc->com[i].chr;
	if (!chardev_wait_input(cds, n))
		return false;
	for (unsigned i = 0; i < pc->ncom; i++)
		uart16550_poll(&pc->com[i]);
	return true;
}

static bool pc_idle(struct pc *pc)
{
	uint64_t next, before;
	bool wakeable = false;

	for (unsigned i = 0; i < pc->ncpus; i++)
		wakeable |= !pc->cpus[i]->s.wait_for_sipi && (pc->cpus[i]->s.rflags & RFLAGS_IF);
	if (!wakeable)
		return false;
	if (!pc_timer_can_wake(pc))
		return pc_wait_serial(pc);
	before = pc_now(pc);
	next = pc_next_deadline(pc);
	clock_skip_to(&pc->clock, pc_icount(pc), next);
	/* The TSC counts machine time too (one tick per ns, as per instruction). */
	pc_tsc_advance(pc, NULL, pc_now(pc) - before);
	pc_poll_timers(pc);
	return true;
}

/*
 * One slice of vCPU idx: at most budget instructions (0: no limit), and never past the
 * next timer deadline or the machine's slice. The debugger session runs the vCPUs
 * through this too (struct dbg_machine's run).
 */
static enum run_exit pc_run_cpu(void *opaque, unsigned idx, uint64_t budget)
{
	struct pc *pc = opaque;
	struct vcpu *v = pc->cpus[idx];
	uint64_t cap, before, ran;
	enum run_exit r;

	pc->cpu = v;
	pc->cur = idx;
	pc->slice_start = v->icount;
	/* PAUSE hands over the rest of the slice only to a vCPU that can run: spinning
	 * against halted ones, it would just cost host time. */
	v->pause_yields = false;
	for (unsigned i = 0; i < pc->ncpus; i++)
		if (i != idx && !pc->cpus[i]->s.halted && !pc->cpus[i]->s.wait_for_sipi)
			v->pause_yields = true;
	cap = pc_budget(pc);
	before = pc_now(pc);
	r = vcpu_run(v, budget && budget < cap ? budget : cap);
	ran = v->icount - pc->slice_start;
	pc->icount += ran;
	pc->slice_start = v->icount;
	/* The others' TSCs keep up with machine time (theirs stood still meanwhile). */
	if (ran && pc->ncpus > 1)
		pc_tsc_advance(pc, v, pc_now(pc) - before);
	pc->idle_streak = r == RUN_EXIT_HALT && !ran ? pc->idle_streak + 1 : 0;
	return r;
}

/*
 * Run until the guest stops the machine.
 *
 * Several vCPUs run round robin on this one thread, each for a slice of PC_SMP_SLICE
 * retired instructions (less when a timer deadline comes first), in index order, so
 * a run is deterministic and LOCKed instructions and A/D updates are atomic with
 * respect to the other vCPUs. Machine time is a function of the machine's
 * instruction count: the sum of what every vCPU retired (pc_icount), so it only goes
 * forward whichever vCPU reads it, and n busy vCPUs each run at 1/n of the virtual
 * instruction rate. A vCPU's TSC follows machine time: while it does not run, the
 * time the others spend is added to its offset (pc_tsc_advance), so the TSCs stay in
 * step. A halted vCPU, or an AP waiting for SIPI, gives up its slice at once; when a
 * whole round finds every vCPU so (idle_streak), time jumps to the next deadline.
 */
static int pc_loop(struct pc *pc)
{
	pc_poll_timers(pc);
	for (;;) {
		enum run_exit why;

		if (pc->dbg) {
			why = dbg_run(pc->dbg);
		} else {
			unsigned idx = pc->next_cpu;

			pc->next_cpu = (idx + 1) % pc->ncpus;
			why = pc_run_cpu(pc, idx, 0);
		}
		pc_poll_timers(pc);
		for (unsigned i = 0; i < pc->ncom; i++)
			uart16550_poll(&pc->com[i]);    /* host input, for interrupt-driven guests */

		if (pc->stop)
			return pc->exit_status;
		if (pc->reset_pending) {
			if (pc->cfg->no_reboot)
				return 0;       /* as QEMU: -no-reboot exits on any reset */
			if (pc_reset(pc))
				return 1;
			continue;
		}
		switch (why) {
		case RUN_EXIT_SHUTDOWN:         /* any vCPU's triple fault resets the machine */
			if (pc->cfg->no_reboot) {
				fprintf(stderr, "elzero: guest shut down (triple fault)\n");
				return 0;
			}
			if (pc_reset(pc))
				return 1;
			break;
		case RUN_EXIT_HALT:
			if (pc->idle_streak < pc->ncpus)
				break;          /* another vCPU may still run */
			pc->idle_streak = 0;
			if (pc_idle(pc))
				break;
			fprintf(stderr, "elzero: %s with no interrupt source to wake %s; stopping\n",
				pc->ncpus > 1 ? "all vCPUs halted" : "vCPU halted",
				pc->ncpus > 1 ? "them" : "it");
			/* Not a power-off: the guest died (an even status, which isa-debug-exit's
			 * (v << 1) | 1 never gives). */
			return PC_EXIT_HUNG;
		case RUN_EXIT_REQUEST:
		case RUN_EXIT_LIMIT:
		case RUN_EXIT_EXCEPTION:        /* only when a test asked to stop on them */
		case RUN_EXIT_BREAKPOINT:
			break;
		}
	}
}

/* The monitor's system_reset and quit. */
static void pc_dbg_reset(void *opaque)
{
	struct pc *pc = opaque;

	if (pc_reset(pc))
		pc_request_exit(pc, 1);
}

static void pc_dbg_quit(void *opaque)
{
	pc_request_exit(opaque, 0);
}

/* The debugger session, when -gdb/-s, -monitor or -S asks for one. */
static int pc_open_dbg(struct pc *pc)
{
	const struct machine_config *cfg = pc->cfg;
	struct dbg_machine m = { .cpus = pc->cpus, .ncpus = pc->ncpus, .opaque = pc,
				 .reset = pc_dbg_reset, .quit = pc_dbg_quit, .run = pc_run_cpu };
	struct dbg_config dc = { .gdb = cfg->gdb, .monitor = cfg->monitor,
				 .start_stopped = cfg->start_stopped };
	char err[256];

	if (!cfg->gdb && !cfg->monitor && !cfg->start_stopped)
		return 0;
	pc->dbg = dbg_open(&m, &dc, err, sizeof(err));
	return pc->dbg ? 0 : pc_fail("%s", err);
}

static double pc_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -d stats: the totals of a run, instructions of all vCPUs (the machine clock's
 * count; docs/performance.md quotes them). */
static void pc_log_stats(struct pc *pc, double wall0, double cpu0)
{
	uint64_t insns = pc_icount(pc);

	log_printf("stats: %llu guest instructions, %.3f s guest time, %.2f s host CPU, "
		   "%.2f s wall\n", (unsigned long long)insns, (double)pc_now(pc) / 1e9,
		   pc_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0, pc_seconds(CLOCK_MONOTONIC) - wall0);
}

int machine_run(const struct machine_config *cfg)
{
	double wall0 = pc_seconds(CLOCK_MONOTONIC), cpu0 = pc_seconds(CLOCK_PROCESS_CPUTIME_ID);
	struct pc *pc = calloc(1, sizeof(*pc));
	int status = 1;

	if (!pc) {
		fprintf(stderr, "elzero: out of memory\n");
		return 1;
	}
	pc->cfg = cfg;
	if (!pc_build(pc) && !pc_open_dbg(pc))
		status = pc_loop(pc);
	if (log_on(LOG_STATS))
		pc_log_stats(pc, wall0, cpu0);
	dbg_close(pc->dbg, status);
	pc_free(pc);
	free(pc);
	return status;
}
