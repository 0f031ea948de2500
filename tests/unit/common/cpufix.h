/*
 * tests/unit/common/cpufix.h - a bare vCPU on a flat RAM buffer for cpu/ unit tests:
 * no translator, memory and fault paths driven directly. cpufix_try() runs a
 * function and reports the exception it raised (or -1).
 */
#ifndef ELZERO_TESTS_CPUFIX_H
#define ELZERO_TESTS_CPUFIX_H

#include "cpu/cpu.h"

#define CPUFIX_RAM_SIZE (8u << 20)

struct cpufix {
	struct vcpu v;
	struct cpu_bus bus;
	uint8_t *ram;
	/* MMIO log: the last access seen by the bus */
	uint64_t mmio_addr, mmio_val;
	unsigned mmio_size, mmio_reads, mmio_writes;
	/* code-write hook log */
	uint64_t cw_paddr;
	unsigned cw_len, cw_calls;
	uint8_t code_bitmap[CPUFIX_RAM_SIZE >> 15];
};

extern struct cpufix *g_fix;

/* Allocate g_fix with zeroed RAM and a reset vCPU (real mode). */
void cpufix_setup(void);
void cpufix_teardown(void);

static inline void cpufix_put64(uint64_t pa, uint64_t val) { cpu_phys_st(&g_fix->v, pa, 8, val); }
static inline uint64_t cpufix_get64(uint64_t pa) { return cpu_phys_ld(&g_fix->v, pa, 8); }
static inline void cpufix_put32(uint64_t pa, uint32_t val) { cpu_phys_st(&g_fix->v, pa, 4, val); }
static inline uint32_t cpufix_get32(uint64_t pa) { return (uint32_t)cpu_phys_ld(&g_fix->v, pa, 4); }

/* Run fn(arg) with the unwinder set; returns -1 if it returned, else the pending
 * vector (v->pending_error holds its error code). */
int cpufix_try(void (*fn)(void *arg), void *arg);

/* Convenience wrappers around cpufix_try for single accesses. */
int cpufix_ld(unsigned seg, uint64_t off, unsigned size, uint64_t *out);
int cpufix_st(unsigned seg, uint64_t off, unsigned size, uint64_t val);
int cpufix_fetch(uint64_t lin, uint8_t *buf, size_t len, size_t *got);

/* Flat protected-mode segments (base 0, limit 4G, 32-bit) at CPL cpl. */
void cpufix_flat32(unsigned cpl);
/* 64-bit mode: EFER.LME/LMA, CS.L, CR0.PE|PG, CR4.PAE. Does not touch CR3. */
void cpufix_long64(unsigned cpl);

#endif
