/*
 * hw/loader.h - kernel loaders: multiboot v1 now; Linux boot protocol with the
 * platform issue.
 */
#ifndef ELZERO_HW_LOADER_H
#define ELZERO_HW_LOADER_H

#include "cpu/cpu.h"

/* Where the loaded kernel starts, and the registers it expects. */
struct boot_entry {
	uint32_t entry;
	uint32_t eax, ebx;
	uint32_t gdt_base;              /* a flat GDT the loader wrote: null, -, code 0x10, data 0x18 */
	uint64_t high_water;            /* first free physical byte after everything loaded */
	uint32_t esi;                   /* Linux: the boot_params ("zero page") address */
	uint64_t long_mode_tables;      /* plain ELF64: CR3 of the identity map (0: 32-bit entry) */
};

enum { LOAD_OK = 0, LOAD_NOT_THIS_FORMAT = 1, LOAD_ERROR = -1 };

/*
 * Load a multiboot v1 kernel image into bus RAM, as QEMU's -kernel does: the
 * boot command line is "<kernel_name> <append>", each comma-separated -initrd
 * entry ("file args") becomes a module whose string is the entry itself, BSS is
 * zeroed. Returns LOAD_OK, LOAD_NOT_THIS_FORMAT (no multiboot header), or
 * LOAD_ERROR with a message in err.
 */
int multiboot_load(struct cpu_bus *bus, const uint8_t *image, size_t len,
		   const char *kernel_name, const char *append, const char *initrd,
		   struct boot_entry *out, char *err, size_t errlen);

/* The CPU state a multiboot kernel starts in: 32-bit flat protected mode, paging
 * off, interrupts off, EAX = 2BADB002H, EBX = info (Multiboot spec 0.6.96, 3.2). */
void multiboot_set_cpu(struct vcpu *v, const struct boot_entry *be);

/*
 * Load a Linux bzImage as QEMU's -kernel/-initrd/-append do, for the 32-bit boot
 * protocol entry (Documentation/x86/boot.rst): the protected-mode kernel at its
 * code32_start (1 MiB), boot_params with the setup header, an E820 map, the command
 * line and the initrd (initrd/initrd_len: its contents, or NULL). Returns LOAD_OK,
 * LOAD_NOT_THIS_FORMAT (no "HdrS") or LOAD_ERROR with a message in err.
 */
int linux_load(struct cpu_bus *bus, const uint8_t *image, size_t len, const char *append,
	       const uint8_t *initrd, size_t initrd_len, struct boot_entry *out, char *err,
	       size_t errlen);
/* The 32-bit entry state: flat protected mode (CS 0x10, data 0x18), paging and
 * interrupts off, ESI = boot_params, EBX = EBP = EDI = 0. */
void linux_set_cpu(struct vcpu *v, const struct boot_entry *be);

/*
 * A plain ELF executable (hw/elfload.c): PT_LOAD segments at their physical addresses.
 * ELF32 enters in 32-bit flat protected mode (paging off), ELF64 in 64-bit mode with
 * 0-4 GiB identity-mapped; both at the physical address of e_entry. Every segment must
 * lie in RAM below 4 GiB, outside 0xa0000-0xfffff. Returns LOAD_OK,
 * LOAD_NOT_THIS_FORMAT (no ELF magic) or LOAD_ERROR with a message, before any RAM is
 * written when the image itself is bad.
 */
int elf_load(struct cpu_bus *bus, const uint8_t *image, size_t len, struct boot_entry *out,
	     char *err, size_t errlen);
void elf_set_cpu(struct vcpu *v, const struct boot_entry *be);
/* A raw image at a physical address (-device loader,file=F,addr=A), same RAM rules. */
int raw_load(struct cpu_bus *bus, const uint8_t *image, size_t len, uint64_t addr, char *err,
	     size_t errlen);

#endif
