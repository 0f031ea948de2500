/*
 * tests/unit/common/emu.h - run guest code in a small flat test machine.
 *
 * A vCPU on a RAM-only bus (EMU_RAM_SIZE bytes at physical 0), put straight into
 * 64-bit mode (4-level paging, RAM identity-mapped with 4 KiB user/writable pages,
 * flat CS/DS/ES/SS), 32-bit protected mode (flat, no paging) or real mode, at
 * CPL 0 or 3. Code is loaded with emu_load and run with emu_run, which stops at
 * HLT (CPL 0), at the end address given to emu_run_until, at the first exception
 * (reported in emu->exc_*, not delivered: RIP is left at the faulting instruction),
 * or after max_insns instructions.
 *
 *     struct emu *e = emu_new(EMU_LONG64, 0);
 *     static const uint8_t code[] = { 0x48, 0x01, 0xd8, 0xf4 };  // add rax, rbx; hlt
 *     emu_load(e, EMU_CODE, code, sizeof(code));
 *     e->v.s.gpr[0] = 1; e->v.s.gpr[3] = 2;
 *     emu_run(e, EMU_CODE, 1000);          // -> RUN_EXIT_HALT, rax == 3
 *     emu_free(e);
 *
 * Memory layout (physical = linear): system structures below 1 MiB (GDT at
 * EMU_GDT, page tables at EMU_PML4...), code at EMU_CODE, data at EMU_DATA, the
 * stack below EMU_STACK_TOP (RSP starts there). Real-mode code must sit below 1 MiB
 * (EMU_REAL_CODE): emu_run sets CS to entry >> 4 & 0xf000.
 */
#ifndef ELZERO_TESTS_EMU_H
#define ELZERO_TESTS_EMU_H

#include "cpu/cpu.h"
#include "translate/translate.h"

#define EMU_RAM_SIZE   (8ull << 20)
#define EMU_GDT        0x1000ull
#define EMU_PML4       0x10000ull       /* then PDPT, PD, and the page tables */
#define EMU_REAL_CODE  0x8000ull
#define EMU_CODE       0x100000ull
#define EMU_DATA       0x200000ull
#define EMU_STACK_TOP  0x400000ull

/* GDT selectors */
#define EMU_SEL_CODE64 0x08
#define EMU_SEL_DATA   0x10
#define EMU_SEL_CODE64_U 0x1b
#define EMU_SEL_DATA_U 0x23
#define EMU_SEL_CODE32 0x28
#define EMU_SEL_CODE32_U 0x3b

enum emu_mode { EMU_REAL, EMU_PROT32, EMU_LONG64 };

struct emu {
	struct vcpu v;                  /* the state: v.s.gpr[], v.s.rip, ... */
	struct cpu_bus bus;
	uint8_t *ram;
	enum emu_mode mode;
	unsigned cpl;
	/* the last emu_run */
	enum run_exit exit;
	int exc_vector;                 /* -1 if it did not stop on an exception */
	uint32_t exc_error;
	uint64_t icount;                /* instructions it retired */
};

/* A new machine in the given mode at CPL cpl (0 or 3; real mode ignores it). */
struct emu *emu_new(enum emu_mode mode, unsigned cpl);
void emu_free(struct emu *e);

/* Copy bytes into guest-physical memory (drops translations of those bytes). */
void emu_load(struct emu *e, uint64_t paddr, const void *bytes, size_t len);
void emu_read(struct emu *e, uint64_t paddr, void *out, size_t len);
uint64_t emu_read64(struct emu *e, uint64_t paddr);
void emu_write64(struct emu *e, uint64_t paddr, uint64_t val);

/* Run from entry (RIP; real mode: the physical address) for at most max_insns
 * instructions (0 = no limit). Returns why it stopped (also in e->exit). */
enum run_exit emu_run(struct emu *e, uint64_t entry, uint64_t max_insns);
/* The same, also stopping with RUN_EXIT_BREAKPOINT when RIP reaches end. */
enum run_exit emu_run_until(struct emu *e, uint64_t entry, uint64_t end, uint64_t max_insns);
/* Keep running from the current state. */
enum run_exit emu_continue(struct emu *e, uint64_t max_insns);

/* 64-bit mode: make the 4 KiB page at linear lin not present / present again, or
 * change its PTE flags (low 12 bits and NX). Flushes the TLB. */
void emu_set_pte(struct emu *e, uint64_t lin, uint64_t pte_flags);
#define EMU_PTE_DEFAULT 0x7ull          /* P | RW | US */

/* Arithmetic flags and all of RFLAGS as the guest sees them. */
uint64_t emu_rflags(struct emu *e);

#endif
