/*
 * hw/pc.h - the PC machine's instance struct (hw/ internal).
 */
#ifndef ELZERO_HW_PC_H
#define ELZERO_HW_PC_H

#include "hw/acpi.h"
#include "hw/chardev.h"
#include "hw/fwcfg.h"
#include "hw/hpet.h"
#include "hw/i8042.h"
#include "hw/i8254.h"
#include "hw/i8259.h"
#include "hw/ioapic.h"
#include "hw/lapic.h"
#include "hw/machine.h"
#include "hw/mc146818.h"
#include "hw/pci.h"
#include "hw/pci_testdev.h"
#include "hw/piix.h"
#include "hw/virtio_blk.h"
#include "hw/pctestdev.h"
#include "hw/sysctl.h"
#include "hw/uart16550.h"
#include "replay/replay.h"

#define PC_NUM_COM 4
#define PC_MAX_CPUS MACHINE_MAX_CPUS    /* -smp; at most LAPIC_BUS_MAX */

struct pc {
	struct machine m;               /* first: the bus's opaque pointer is the pc too */
	struct machine_clock clock;     /* the one machine clock (replay/) */
	struct hw_clock hw_clock;       /* the same, as devices read it */
	uint64_t deadline_icount;       /* icount of the next timer deadline (~0: none) */
	struct i8259 pic;
	struct i8254 pit;
	struct mc146818 rtc;
	struct hpet hpet;
	struct i8042 kbc;
	struct lapic lapic[PC_MAX_CPUS];        /* vCPU i's local APIC (lapic[i].cpu NULL: none) */
	struct lapic_bus apic_bus;      /* every local APIC: IPIs and IOAPIC messages */
	struct ioapic ioapic;
	struct fwcfg fwcfg;
	struct acpi_pm acpi;
	struct pci_host pci;
	struct pci_dev pci_host_bridge;         /* 00:00.0 i440FX */
	struct piix3 piix;                      /* 00:01.0 PIIX3: PIRQ steering (hw/piix.c) */
	struct pci_testdev *pci_testdev[4];     /* -device pci-testdev */
	unsigned npci_testdev;
	struct virtio_blk *vblk[MACHINE_MAX_DRIVES];    /* -drive if=virtio, -device virtio-blk-pci */
	unsigned nvblk;
	struct pctestdev *testdev;      /* -device pc-testdev, or NULL */
	struct irq_line isa_irq[16];    /* ISA IRQ n: to the PICs and to IOAPIC pin n (IRQ0: 2) */
	struct sysctl sys;              /* ports 0x80, 0x92, 0xcf9, 0x8900 */
	bool reset_pending;             /* the guest asked for a machine reset */
	const struct machine_config *cfg;
	struct cpu_model *model;
	struct vcpu *cpus[PC_MAX_CPUS]; /* cpus[i] has APIC ID i; cpus[0] is the BSP */
	unsigned ncpus;
	/* The vCPU running now, or the last one run: the bus callbacks (INTR, the local
	 * APIC's MMIO page) act for it. Machine time: see pc_loop in hw/pc.c. */
	struct vcpu *cpu;
	unsigned cur;                   /* its index */
	uint64_t icount;                /* instructions all vCPUs retired before this slice */
	uint64_t slice_start;           /* cpu->icount when its slice began */
	unsigned next_cpu;              /* round robin */
	unsigned idle_streak;           /* consecutive slices that found their vCPU idle */
	struct chardev com_chr[PC_NUM_COM];
	struct uart16550 com[PC_NUM_COM];
	unsigned ncom;
	bool stop;
	int exit_status;
	struct dbg *dbg;        /* gdb stub / monitor / -S session, or NULL */
};

/* elzero's exit status when every vCPU halted with nothing left to wake one. */
#define PC_EXIT_HUNG 2

/* Stop the machine at the next instruction boundary and exit with status. */
static inline void pc_request_exit(struct pc *pc, int status)
{
	pc->stop = true;
	pc->exit_status = status;
	if (pc->cpu)
		pc->cpu->exit_request = 1;
}
int debugexit_init(struct pc *pc, uint16_t iobase, uint16_t iosize);
/* -device loader (hw/pc_loader.c): images and values into RAM at each reset; *entry
 * is set when one of them also chose where vCPU 0 starts (cpu-num=0). 0 or -1. */
int pc_apply_loaders(struct pc *pc, bool *entry);

/* hw/pc_pci.c: the PCI bus and its devices. Errors are printed ("elzero: ...") and
 * return -1. */
int pc_pci_init(struct pc *pc);                 /* host bridge, PIIX3, ECAM */
/* A -device this file builds: 0 built, -1 failed, 1 not a PCI device of ours. */
int pc_pci_add_device(struct pc *pc, const struct device_config *d);
int pc_pci_add_drives(struct pc *pc);           /* every -drive if=virtio */
/* What firmware leaves at power-on: BARs assigned and decoding, PIRQs steered to
 * IRQ 10/11 (level, in the ELCR), interrupt lines written. */
void pc_pci_reset(struct pc *pc);
void pc_pci_free(struct pc *pc);

#endif
