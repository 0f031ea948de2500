/*
 * tests/guest/lib/desc.c - the GDT, TSS and IDT of guest test kernels.
 *
 * One GDT serves both modes; its selectors are fixed (layout.h). Descriptor
 * formats: SDM vol. 3, 3.4.5 (segments), 7.2.2 and 8.2.3 (32- and 64-bit TSS),
 * 6.11 and 6.14.1 (IDT gates).
 */
#include "guest.h"

/* Flat 4 GiB descriptor: base 0, limit 0xfffff in 4 KiB units. */
#define FLAT(access, flags) SEG_DESC(0, 0xfffff, (access) | SEG_ACCESS_P | SEG_ACCESS_S, (flags) | SEG_FLAG_G)
#define SEG_DESC(base, limit, access, flags)                                            \
	(((uint64_t)(limit) & 0xffff) | (((uint64_t)(base) & 0xffffff) << 16) |         \
	 ((uint64_t)(access) << 40) | ((((uint64_t)(limit) >> 16) & 0xf) << 48) |       \
	 ((uint64_t)(flags) << 52) | (((uint64_t)(base) >> 24) << 56))
#define CODE (SEG_ACCESS_CODE | SEG_ACCESS_RW | SEG_ACCESS_ACCESSED)
#define DATA (SEG_ACCESS_RW | SEG_ACCESS_ACCESSED)

uint64_t guest_gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	[KERNEL_CS32 >> 3] = FLAT(CODE, SEG_FLAG_DB),
	[KERNEL_DS >> 3] = FLAT(DATA, SEG_FLAG_DB),
	[KERNEL_CS64 >> 3] = FLAT(CODE, SEG_FLAG_L),
	[USER_CS32 >> 3] = FLAT(CODE | SEG_ACCESS_DPL(3), SEG_FLAG_DB),
	[USER_DS >> 3] = FLAT(DATA | SEG_ACCESS_DPL(3), SEG_FLAG_DB),
	[USER_CS64 >> 3] = FLAT(CODE | SEG_ACCESS_DPL(3), SEG_FLAG_L),
	/* 16-bit segments for tests that go back to real mode: 64 KiB, byte granular. */
	[KERNEL_CS16 >> 3] = SEG_DESC(0, 0xffff, CODE | SEG_ACCESS_P | SEG_ACCESS_S, 0),
	[KERNEL_DS16 >> 3] = SEG_DESC(0, 0xffff, DATA | SEG_ACCESS_P | SEG_ACCESS_S, 0),
};

struct desc_ptr guest_gdt_desc = {
	.limit = sizeof(guest_gdt) - 1,
	.base = (unsigned long)guest_gdt,
};

#ifdef __x86_64__
/* SDM vol. 3, 8.7, figure 8-11 */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
};
#else
/* SDM vol. 3, 7.2.1, figure 7-2 */
struct tss {
	uint32_t link;
	uint32_t esp0, ss0, esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset0;
	uint16_t sel;
	uint8_t reserved;
	uint8_t type_attr;
	uint16_t offset1;
};
#endif

static struct tss g_tss __attribute__((aligned(16)));
static struct idt_gate g_idt[256] __attribute__((aligned(16)));
/* Where #DF runs in 64-bit mode (IST1), so a broken stack still gets reported. */
static uint8_t g_df_stack[4096] __attribute__((aligned(16)));

extern char isr_stubs[];

void gdt_set_entry(unsigned index, uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
	if (index == 0 || index >= GDT_ENTRIES)
		report_abort("gdt_set_entry", "index %u out of range", index);
	guest_gdt[index] = SEG_DESC(base, limit, access, flags);
}

static void gdt_set_tss(void)
{
	unsigned long base = (unsigned long)&g_tss;
	/* Type 9: available 32-bit (or, in IA-32e mode, 64-bit) TSS. */
	guest_gdt[TSS_SEL >> 3] = SEG_DESC(base, sizeof(g_tss) - 1, 0x9 | SEG_ACCESS_P, 0);
#ifdef __x86_64__
	guest_gdt[(TSS_SEL >> 3) + 1] = (uint64_t)base >> 32;
#endif
}

void tss_set_kernel_stack(unsigned long sp)
{
#ifdef __x86_64__
	g_tss.rsp[0] = sp;
#else
	g_tss.esp0 = sp;
	g_tss.ss0 = KERNEL_DS;
#endif
}

void gdt_init(void)
{
	extern char boot_stack_top[];

	tss_set_kernel_stack((unsigned long)boot_stack_top);
	g_tss.iomap_base = sizeof(g_tss);       /* no I/O permission bitmap */
#ifdef __x86_64__
	g_tss.ist[0] = (unsigned long)(g_df_stack + sizeof(g_df_stack));
#endif
	gdt_set_tss();
	asm volatile("lgdt %0" : : "m"(guest_gdt_desc));
#ifdef __x86_64__
	asm volatile("pushq %[cs]\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %[ds], %%eax\n\t"
		     "mov %%ax, %%ds\n\t"
		     "mov %%ax, %%es\n\t"
		     "mov %%ax, %%ss\n\t"
		     "mov %%ax, %%fs\n\t"
		     "mov %%ax, %%gs\n\t"
		     : : [cs] "i"(KERNEL_CS64), [ds] "i"(KERNEL_DS) : "rax", "memory");
#else
	(void)g_df_stack;
	asm volatile("ljmp %[cs], $1f\n"
		     "1:\n\t"
		     "mov %[ds], %%eax\n\t"
		     "mov %%ax, %%ds\n\t"
		     "mov %%ax, %%es\n\t"
		     "mov %%ax, %%ss\n\t"
		     "mov %%ax, %%fs\n\t"
		     "mov %%ax, %%gs\n\t"
		     : : [cs] "i"(KERNEL_CS32), [ds] "i"(KERNEL_DS) : "eax", "memory");
#endif
	asm volatile("ltr %w0" : : "r"(TSS_SEL));
}

void idt_set_gate(unsigned vec, unsigned long entry, uint16_t sel, unsigned type, unsigned dpl,
		  unsigned ist)
{
	struct idt_gate *g;

	if (vec > 255)
		report_abort("idt_set_gate", "vector %u out of range", vec);
	g = &g_idt[vec];
	g->offset0 = entry & 0xffff;
	g->sel = sel;
	g->type_attr = 0x80 | (dpl & 3) << 5 | (type & 0xf);
	g->offset1 = (entry >> 16) & 0xffff;
#ifdef __x86_64__
	g->ist = ist & 7;
	g->offset2 = (uint64_t)entry >> 32;
	g->reserved = 0;
#else
	(void)ist;
	g->reserved = 0;
#endif
}

unsigned long idt_stub_address(unsigned vec)
{
	return (unsigned long)isr_stubs + 16ul * (vec & 0xff);
}

void idt_init(void)
{
	static struct desc_ptr idtr;
#ifdef __x86_64__
	const uint16_t cs = KERNEL_CS64;
#else
	const uint16_t cs = KERNEL_CS32;
#endif

	extern char user_return_entry[];

	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, idt_stub_address(v), cs, 0xe, 0, v == DF_VECTOR ? 1 : 0);
	/* run_user() comes back from ring 3 through this one (user.S). */
	idt_set_gate(GUEST_USER_RETURN_VECTOR, (unsigned long)user_return_entry, cs, 0xe, 3, 0);
	idtr.limit = sizeof(g_idt) - 1;
	idtr.base = (unsigned long)g_idt;
	asm volatile("lidt %0" : : "m"(idtr));
}
