/*
 * tests/guest/lib/guest.h - the library every bare-metal guest test kernel uses.
 *
 * A guest test is a multiboot (v1) kernel: the boot stub (boot32.S or boot64.S)
 * sets up a stack, a flat GDT and, for 64-bit kernels, identity-mapped long mode,
 * then guest_start() initialises the serial port, the GDT with its TSS and the
 * IDT, calls the test's main(), prints the summary and exits through the
 * isa-debug-exit port. How to write one: tests/guest/README.md.
 *
 * Output format (one line each, parsed by tests/guest/run-guest):
 *   PASS name
 *   FAIL name: detail
 *   SKIP name: why
 *   SUMMARY: N tests, F failures, S skipped
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "x86.h"

#define GUEST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GUEST_NORETURN __attribute__((noreturn))

/* printf-style length modifiers for fixed-width types (no <inttypes.h> here). */
#ifdef __x86_64__
#define PRIx64 "lx"
#define PRIu64 "lu"
#define PRId64 "ld"
#else
#define PRIx64 "llx"
#define PRIu64 "llu"
#define PRId64 "lld"
#endif

/* ------------------------------------------------------------ entry and exit */

/* The test's entry point, called after the library is initialised. Its return
 * value is ignored: the result is what report*() recorded. */
int main(void);

/* Multiboot (v1) information the loader passed, or NULL if the magic was wrong. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;  /* KiB below 1 MiB / above 1 MiB (flags bit 0) */
	uint32_t boot_device;
	uint32_t cmdline;               /* physical address of a C string (flags bit 2) */
	uint32_t mods_count, mods_addr;
};
const struct multiboot_info *guest_multiboot(void);
/* The kernel command line (-append), "" when there is none. */
const char *guest_cmdline(void);

/* Print the summary and exit: debug-exit value 0 when nothing failed, else 1, so
 * the emulator's exit status is 1 for a pass and 3 for a failure (the value v
 * written to isa-debug-exit gives status (v << 1) | 1, as in kvm-unit-tests). */
GUEST_NORETURN void guest_finish(void);
/* Write v to the debug-exit port; if no device is there, say so and halt forever. */
GUEST_NORETURN void guest_exit(unsigned v);
#define GUEST_DEBUG_EXIT_PORT 0xf4

/* ------------------------------------------------------------------- output */

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);

/* %d %i %u %x %X %o %s %c %p %%, flags '-' '0' '#' ' ' '+', width and precision
 * (numbers or '*'), length modifiers hh h l ll z. */
int printf(const char *fmt, ...) GUEST_PRINTF(1, 2);
int vprintf(const char *fmt, va_list ap) GUEST_PRINTF(1, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) GUEST_PRINTF(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) GUEST_PRINTF(3, 0);

/* ------------------------------------------------------------------ reports */

/* PASS name, or FAIL name: check failed. Returns pass. */
bool report(bool pass, const char *name_fmt, ...) GUEST_PRINTF(2, 3);
void report_pass(const char *name_fmt, ...) GUEST_PRINTF(1, 2);
void report_fail(const char *name, const char *detail_fmt, ...) GUEST_PRINTF(2, 3);
void report_skip(const char *name, const char *why_fmt, ...) GUEST_PRINTF(2, 3);
/* Report an unrecoverable failure, then summary and exit. */
GUEST_NORETURN void report_abort(const char *name, const char *detail_fmt, ...) GUEST_PRINTF(2, 3);
/* Prints SUMMARY: N tests, F failures, S skipped; returns F. */
unsigned report_summary(void);
unsigned report_failures(void);

bool report_eq(uint64_t got, uint64_t want, const char *name, const char *got_text,
	       const char *want_text, const char *file, int line);
bool report_str_eq(const char *got, const char *want, const char *name, const char *file, int line);

/* PASS name if a == b, else FAIL name: a = 0x.., expected b = 0x.. (file:line). */
#define expect_eq(a, b, name) report_eq((uint64_t)(a), (uint64_t)(b), (name), #a, #b, __FILE__, __LINE__)
#define expect_str_eq(a, b, name) report_str_eq((a), (b), (name), __FILE__, __LINE__)

/* ---------------------------------------------------------- descriptor tables */

/* The library's GDT (desc.c) has fixed selectors, so tests can name them:
 * KERNEL_CS32, KERNEL_DS, ... in layout.h. */

/* Access byte and flags of a segment descriptor (SDM vol. 3, 3.4.5). */
#define SEG_ACCESS_P (1u << 7)
#define SEG_ACCESS_DPL(n) ((unsigned)(n) << 5)
#define SEG_ACCESS_S (1u << 4)
#define SEG_ACCESS_CODE (1u << 3)
#define SEG_ACCESS_RW (1u << 1)         /* readable code / writable data */
#define SEG_ACCESS_ACCESSED (1u << 0)
#define SEG_FLAG_G (1u << 3)
#define SEG_FLAG_DB (1u << 2)
#define SEG_FLAG_L (1u << 1)

struct desc_ptr {
	uint16_t limit;
	unsigned long base;
} __attribute__((packed));

extern uint64_t guest_gdt[GDT_ENTRIES];
extern struct desc_ptr guest_gdt_desc;

/* Write GDT entry index (a code/data descriptor); callers reload what uses it. */
void gdt_set_entry(unsigned index, uint32_t base, uint32_t limit, unsigned access, unsigned flags);
/* Load the GDT and the task register, reload CS/DS/ES/SS/FS/GS. */
void gdt_init(void);
/* The stack the CPU switches to on an interrupt from ring 3 (TSS RSP0/ESP0). */
void tss_set_kernel_stack(unsigned long sp);

/* -------------------------------------------------------------- exceptions */

/* What the ISR stubs save (isr.S), lowest address first. */
#ifdef __x86_64__
struct excp_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t ip, cs, flags, sp, ss;         /* pushed by the CPU */
};
#else
struct excp_frame {
	uint32_t es, ds;
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error_code;
	uint32_t ip, cs, flags;                 /* pushed by the CPU */
	uint32_t sp, ss;                        /* only from ring 3 */
};
#endif

typedef void (*guest_handler_fn)(struct excp_frame *f);

/* Gates for all 256 vectors point at the library's stubs. Vectors 8, 10-14, 17,
 * 21, 29 and 30 expect a CPU-pushed error code: do not raise them with INT n. */
void idt_init(void);
/* Call fn for vector vec instead of the default (record + fixup) handling; NULL
 * restores the default. fn may change the frame (ip, registers) to resume elsewhere. */
void idt_set_handler(unsigned vec, guest_handler_fn fn);
/* Raw gate: type 0xe interrupt gate, 0xf trap gate; ist only in 64-bit mode. */
void idt_set_gate(unsigned vec, unsigned long entry, uint16_t sel, unsigned type, unsigned dpl,
		  unsigned ist);
unsigned long idt_stub_address(unsigned vec);

/* The last exception taken by the default handler. */
struct excp_record {
	bool taken;
	unsigned count;                 /* exceptions since excp_clear() */
	unsigned vector;
	unsigned long error_code;
	unsigned long ip;               /* faulting (or, for traps, next) instruction */
	unsigned long cr2;              /* read at delivery of #PF */
};
extern volatile struct excp_record g_excp;
void excp_clear(void);
const char *excp_name(unsigned vector);

/*
 * Run one instruction (or a short sequence) that may fault. If it raises an
 * exception, the default handler records it in g_excp and resumes right after
 * the sequence, through the fixup table (section .ex_table). Use inside asm:
 *     excp_clear();
 *     asm volatile(ASM_TRY("ud2"));
 *     expect_excp(UD_VECTOR, "ud2 raises #UD");
 * A fault outside an ASM_TRY, or an exception with no fixup, aborts the test.
 * Trap-class exceptions (#DB traps, #BP, #OF) report the next instruction and
 * are matched when it is the end of the sequence.
 */
#ifdef __x86_64__
#define GUEST_ASM_PTR ".quad"
#else
#define GUEST_ASM_PTR ".long"
#endif
#define ASM_TRY(insns)                                                  \
	"1111:\n\t" insns "\n"                                          \
	"1112:\n\t"                                                     \
	".pushsection .ex_table, \"a\"\n\t"                             \
	".balign 8\n\t"                                                 \
	GUEST_ASM_PTR " 1111b, 1112b\n\t"                               \
	".popsection\n\t"

/* PASS if the last ASM_TRY raised vector (with error code err), else FAIL with
 * what happened instead. */
bool expect_excp(unsigned vector, const char *name_fmt, ...) GUEST_PRINTF(2, 3);
bool expect_excp_err(unsigned vector, unsigned long err, const char *name_fmt, ...) GUEST_PRINTF(3, 4);
bool expect_no_excp(const char *name_fmt, ...) GUEST_PRINTF(1, 2);

/* Accessors that return -1 when nothing faulted, else the vector (g_excp has details). */
int try_rdmsr(uint32_t msr, uint64_t *val);
int try_wrmsr(uint32_t msr, uint64_t val);
int try_read8(const volatile void *p, uint8_t *val);
int try_write8(volatile void *p, uint8_t val);
int try_read32(const volatile void *p, uint32_t *val);
int try_write32(volatile void *p, uint32_t val);

/* ---------------------------------------------------------------- user mode */

/* Call fn(arg) at CPL 3 (USER_CS32/USER_CS64, USER_DS) on a 16 KiB library stack
 * and return what fn returns. EFLAGS are the caller's, so IOPL is 0: fn cannot
 * print (port I/O raises #GP) and reports nothing itself; it returns results for
 * the caller to check. Exceptions in fn use the IDT as usual (ASM_TRY works).
 * With paging on, fn's code, the stack and any data fn touches must be user
 * pages: pt_set_user_image(true) makes the whole kernel image user-accessible.
 * Vector GUEST_USER_RETURN_VECTOR (layout.h) is taken. */
unsigned long run_user(unsigned long (*fn)(unsigned long), unsigned long arg);

/* ------------------------------------------------------------------ paging */

/* Page-table entry bits (SDM vol. 3, 4.3, 4.4.2, 4.5.4). */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PAGE_SIZE 4096ul

enum pt_format {
	PT_FMT_32,      /* 2 levels, 4-byte entries, 4 MiB pages with CR4.PSE (SDM 4.3) */
	PT_FMT_PAE,     /* 3 levels, 8-byte entries, 2 MiB pages (SDM 4.4) */
	PT_FMT_64,      /* 4 levels, 8-byte entries, 2 MiB pages (SDM 4.5) */
};

/* A zeroed 4 KiB page from a static pool; aborts the test when it runs out. */
void *pt_alloc_page(void);
/* Build tables mapping virtual = physical for all of 0-4 GiB with large pages,
 * supervisor read/write at the leaves; tables are P|RW|US (PAE PDPTEs: P only).
 * Returns the value for CR3. */
unsigned long pt_build_identity(enum pt_format fmt);
/* Make (fmt, cr3) the tables the helpers below edit (64-bit kernels start with
 * the boot stub's tables selected). */
void pt_select(enum pt_format fmt, unsigned long cr3);
enum pt_format pt_current_format(void);
/* The leaf entry mapping va and its page size, or 0 when unmapped. */
uint64_t pt_get(unsigned long va, unsigned long *page_size);
/* Split whatever maps va down to a 4 KiB page, then set and clear flag bits of
 * its entry and INVLPG va. Returns the new entry. */
uint64_t pt_set_flags(unsigned long va, uint64_t set, uint64_t clear);
/* Map the 4 KiB page at va to pa with flags (PTE_P is added), INVLPG va. */
void pt_map(unsigned long va, uint64_t pa, uint64_t flags);
/* pt_set_flags on every 4 KiB page that [start, end) touches. */
void pt_set_flags_range(unsigned long start, unsigned long end, uint64_t set, uint64_t clear);
/* Set (or clear) PTE_US on every page of the kernel image, 1 MiB to _end. */
void pt_set_user_image(bool user);

#ifndef __x86_64__
/* 32-bit kernels: build identity tables of fmt (PT_FMT_32 or PT_FMT_PAE), select
 * them and turn paging on (CR4.PSE or CR4.PAE, CR3, CR0.PG|WP). */
void paging_enable(enum pt_format fmt);
/* Turn paging off again (CR0.PG, then CR4.PSE/PAE). */
void paging_disable(void);
#endif

/* ------------------------------------------------------------------ strings */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
