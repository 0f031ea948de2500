/*
 * hw/pci_testdev.h - QEMU's pci-testdev (1b36:0005), the PCI device kvm-unit-tests'
 * pci test drives: BAR0 memory (4 KiB), BAR1 I/O (256 ports), an optional 64-bit
 * prefetchable BAR2 ("membar"), no interrupt pin.
 */
#ifndef ELZERO_HW_PCI_TESTDEV_H
#define ELZERO_HW_PCI_TESTDEV_H

#include "hw/pci.h"

#define PCI_TESTDEV_TESTS 3             /* per BAR: no-eventfd, wildcard, datamatch */

struct pci_testdev {
	struct pci_dev dev;
	int current;                    /* selected test (0..5: BAR0's, then BAR1's), -1: none */
	uint32_t count[2 * PCI_TESTDEV_TESTS];
};

/* membar: size of BAR2 (0: none; else a power of two of at least 16 bytes). */
int pci_testdev_init(struct pci_testdev *t, uint64_t membar);

#endif
